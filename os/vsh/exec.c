/*
 * vsh: running the syntax tree: lists, pipelines, compound commands, functions, redirections,
 * subshells, command substitution and external programs (posix_spawn).
 *
 * There is no fork (main.c says how vsh does without one): subshells `( )` and command
 * substitution run in this process between subshell_enter and subshell_leave, which save and
 * restore every piece of state a subshell may change (variables, functions, aliases,
 * positional parameters, traps, options, the cwd, the umask and fds 0-9), and an `exit`
 * inside unwinds (sh->unwind = U_EXIT) only to the subshell's boundary. Command substitution
 * writes to an unlinked temporary file in /tmp (tmpfs), read back afterwards. A pipeline
 * spawns its external simple commands, and child vshs for its compound commands and function
 * calls that are not last, concurrently joined by pipes; other non-last elements (builtins,
 * here-documents) run in-process into a temporary file the next element reads; the last
 * element, when not external, runs in-process as a subshell.
 *
 * Control flow (break, continue, return, exit, errors that end a non-interactive shell) is
 * sh->unwind, checked after every command; nothing here longjmps. The shell's own fds (saved
 * fds, temporary files) are FD_CLOEXEC and >= 10, so children never inherit them.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <malloc.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsh.h"

#define SAVE_FD_MIN 10
#define FUNC_DEPTH_MAX 1000

void sh_error(struct vsh *sh, const char *fmt, ...)
{
    char buf[512];
    int n = 0;
    n = snprintf(buf, sizeof buf, "vsh: ");
    if (!sh->interactive && sh->lineno > 0 && sh->cursrc)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%d: ", sh->lineno);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    write(2, buf, (size_t)n);
}

void raise_exit(struct vsh *sh, int status)
{
    sh->status = status;
    sh->unwind = U_EXIT;
}

void history_save(struct vsh *sh)
{
    if (!sh->histfile || !sh->nhistory)
        return;
    int fd = open(sh->histfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int from = sh->nhistory > 500 ? sh->nhistory - 500 : 0;
    for (int i = from; i < sh->nhistory; i++) {
        write(fd, sh->history[i], strlen(sh->history[i]));
        write(fd, "\n", 1);
    }
    close(fd);
}

_Noreturn void sh_exit(struct vsh *sh, int status)
{
    sh->status = status;
    if (!sh->exiting && sh->traps[0]) {
        sh->exiting = 1;
        char *t = sh->traps[0];
        sh->traps[0] = NULL;
        sh->unwind = U_NONE;
        exec_string(sh, t, "trap");
        if (sh->unwind == U_EXIT)
            status = sh->status;
        free(t);
    }
    if (sh->interactive)
        history_save(sh);
    if (var_get(sh, "VSH_MALLOC_STATS")) {
        /* VSH_MALLOC_STATS: the leak tests' view of the heap at exit */
        size_t in_use, mapped;
        vr_malloc_stats(&in_use, &mapped);
        char buf[96];
        int n = snprintf(buf, sizeof buf, "vsh-malloc: in_use=%zu mapped=%zu\n", in_use, mapped);
        write(2, buf, (size_t)n);
    }
    _exit(status & 0xff);
}

int run_trap(struct vsh *sh, int sig)
{
    if (sig < 0 || sig >= VSH_NSIG || !sh->traps[sig] || sh->in_trap)
        return 0;
    int saved = sh->status;
    sh->in_trap = 1;
    exec_string(sh, sh->traps[sig], "trap");
    sh->in_trap = 0;
    if (sh->unwind != U_EXIT)
        sh->status = saved;
    return 0;
}

/* ---- fds and redirections ---- */

static int save_fd(int fd, struct savedfd **saved, int *nsaved)
{
    for (int i = 0; i < *nsaved; i++)
        if ((*saved)[i].fd == fd)
            return 0;
    int s = fcntl(fd, F_DUPFD_CLOEXEC, SAVE_FD_MIN);
    if (s < 0 && errno != EBADF)
        return -1;
    *saved = vsh_realloc(*saved, (size_t)(*nsaved + 1) * sizeof **saved);
    (*saved)[*nsaved].fd = fd;
    (*saved)[*nsaved].saved = s < 0 ? -1 : s;
    (*nsaved)++;
    return 0;
}

void redirs_restore(struct savedfd *saved, int nsaved)
{
    for (int i = nsaved - 1; i >= 0; i--) {
        if (saved[i].saved >= 0) {
            dup2(saved[i].saved, saved[i].fd);
            close(saved[i].saved);
        } else {
            close(saved[i].fd);
        }
    }
    free(saved);
}

int tmpfile_open(struct vsh *sh, char *name, size_t len)
{
    const char *dir = var_get(sh, "TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    for (int tries = 0; tries < 100; tries++) {
        snprintf(name, len, "%s/.vsh%ld.%d", dir, sh->pid, ++sh->tmpseq);
        int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            int hi = fcntl(fd, F_DUPFD_CLOEXEC, SAVE_FD_MIN);
            if (hi >= 0) {
                close(fd);
                fd = hi;
            }
            return fd;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/* a here-document's body, expanded, in an unlinked temporary file open for reading */
static int heredoc_fd(struct vsh *sh, struct redir *r)
{
    char *body =
        r->heredoc_lit ? vsh_strdup(r->word) : expand_str(sh, r->word, EXP_STR | EXP_HEREDOC);
    if (!body)
        return -2;
    char name[128];
    int fd = tmpfile_open(sh, name, sizeof name);
    if (fd < 0) {
        sh_error(sh, "cannot create a here-document: %s", strerror(errno));
        free(body);
        return -1;
    }
    size_t n = strlen(body), off = 0;
    while (off < n) {
        ssize_t w = write(fd, body + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    free(body);
    lseek(fd, 0, SEEK_SET);
    unlink(name);
    return fd;
}

static int fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

int redirs_apply(struct vsh *sh, struct redir *r, struct savedfd **saved, int *nsaved)
{
    for (; r; r = r->next) {
        int fd = r->fd, newfd = -1;
        if (r->kind == R_HEREDOC) {
            newfd = heredoc_fd(sh, r);
            if (newfd < 0)
                return -1;
        } else {
            char *w = expand_str(sh, r->word, EXP_STR);
            if (!w)
                return -1;
            if (r->kind == R_DUPIN || r->kind == R_DUPOUT) {
                if (!strcmp(w, "-")) {
                    free(w);
                    if (saved && save_fd(fd, saved, nsaved) < 0)
                        return -1;
                    close(fd);
                    continue;
                }
                char *end;
                long src = strtol(w, &end, 10);
                if (!*w || *end || src < 0 || src > 1000 || !fd_is_open((int)src)) {
                    sh_error(sh, "%s: bad file descriptor", w);
                    free(w);
                    return -1;
                }
                free(w);
                if (src == fd)
                    continue;
                if (saved && save_fd(fd, saved, nsaved) < 0)
                    return -1;
                if (dup2((int)src, fd) < 0) {
                    sh_error(sh, "%d: %s", fd, strerror(errno));
                    return -1;
                }
                continue;
            }
            int flags = 0;
            switch (r->kind) {
            case R_IN:
                flags = O_RDONLY;
                break;
            case R_OUT:
                flags = O_WRONLY | O_CREAT | O_TRUNC;
                if (sh->opt_C) {
                    struct stat st;
                    if (stat(w, &st) == 0 && S_ISREG(st.st_mode)) {
                        sh_error(sh, "cannot create %s: File exists", w);
                        free(w);
                        return -1;
                    }
                }
                break;
            case R_CLOBBER:
                flags = O_WRONLY | O_CREAT | O_TRUNC;
                break;
            case R_APPEND:
                flags = O_WRONLY | O_CREAT | O_APPEND;
                break;
            case R_RDWR:
                flags = O_RDWR | O_CREAT;
                break;
            default:
                break;
            }
            newfd = open(w, flags | O_CLOEXEC, 0666);
            if (newfd < 0) {
                sh_error(sh, "cannot %s %s: %s", r->kind == R_IN ? "open" : "create", w,
                         errno == ENOENT ? "No such file or directory" : strerror(errno));
                free(w);
                return -1;
            }
            free(w);
        }
        if (newfd == fd) {
            /* it landed on the fd itself: keep it open across spawns */
            fcntl(fd, F_SETFD, 0);
            continue;
        }
        if (saved && save_fd(fd, saved, nsaved) < 0) {
            close(newfd);
            return -1;
        }
        if (dup2(newfd, fd) < 0) {
            sh_error(sh, "%d: %s", fd, strerror(errno));
            close(newfd);
            return -1;
        }
        close(newfd);
    }
    return 0;
}

/* ---- subshells ---- */

struct subsave {
    struct var *vars;
    struct func *funcs;
    struct alias *aliases;
    char **params;
    int nparams;
    char *traps[VSH_NSIG];
    int opts[7];
    char *cwd;
    mode_t mask;
    struct savedfd *fds;
    int nfds;
    int trap_changes;
    int loop_depth, func_depth;
    struct localsave *locals;
};

static char **params_copy(char **p, int n)
{
    char **c = vsh_alloc((size_t)(n + 1) * sizeof *c);
    for (int i = 0; i < n; i++)
        c[i] = vsh_strdup(p[i]);
    return c;
}

static void params_free(char **p, int n)
{
    for (int i = 0; i < n; i++)
        free(p[i]);
    free(p);
}

/* noinline (and the others below): their frames must not sit in every level of a recursion */
__attribute__((noinline)) static void subshell_enter(struct vsh *sh, struct subsave *s)
{
    memset(s, 0, sizeof *s);
    s->vars = sh->vars;
    sh->vars = vars_copy(s->vars);
    s->funcs = sh->funcs;
    struct func *fh = NULL, **ft = &fh;
    for (struct func *f = s->funcs; f; f = f->next) {
        struct func *c = vsh_alloc(sizeof *c);
        c->owner = 0;
        c->name = f->name; /* shared with the parent's entry; never freed by the copy */
        c->body = f->body;
        c->text = f->text;
        *ft = c;
        ft = &c->next;
    }
    sh->funcs = fh;
    s->aliases = sh->aliases;
    struct alias *ah = NULL, **at = &ah;
    for (struct alias *a = s->aliases; a; a = a->next) {
        struct alias *c = vsh_alloc(sizeof *c);
        c->name = vsh_strdup(a->name);
        c->value = vsh_strdup(a->value);
        *at = c;
        at = &c->next;
    }
    sh->aliases = ah;
    s->params = sh->params;
    s->nparams = sh->nparams;
    sh->params = params_copy(s->params, s->nparams);
    for (int i = 0; i < VSH_NSIG; i++) {
        s->traps[i] = sh->traps[i];
        sh->traps[i] = i && sh->traps[i] ? vsh_strdup(sh->traps[i]) : NULL;
    }
    int opts[7] = {sh->opt_e, sh->opt_u, sh->opt_x, sh->opt_f, sh->opt_n, sh->opt_v, sh->opt_C};
    memcpy(s->opts, opts, sizeof opts);
    char buf[1024];
    s->cwd = getcwd(buf, sizeof buf) ? vsh_strdup(buf) : NULL;
    s->mask = umask(022);
    umask(s->mask);
    for (int fd = 0; fd < SAVE_FD_MIN; fd++)
        save_fd(fd, &s->fds, &s->nfds);
    s->trap_changes = sh->trap_changes;
    s->loop_depth = sh->loop_depth;
    s->func_depth = sh->func_depth;
    s->locals = sh->locals;
    sh->locals = NULL;
    sh->loop_depth = 0;
    sh->subshell_depth++;
}

__attribute__((noinline)) static void subshell_leave(struct vsh *sh, struct subsave *s)
{
    /* the subshell's exit status is its EXIT trap's business first */
    if (sh->traps[0]) {
        char *t = sh->traps[0];
        sh->traps[0] = NULL;
        int st = sh->status;
        sh->unwind = U_NONE;
        exec_string(sh, t, "trap");
        if (sh->unwind != U_EXIT)
            sh->status = st;
        free(t);
    }
    sh->unwind = U_NONE;
    vars_free(sh->vars);
    sh->vars = s->vars;
    while (sh->funcs) {
        struct func *n = sh->funcs->next;
        func_release(sh->funcs);
        sh->funcs = n;
    }
    sh->funcs = s->funcs;
    while (sh->aliases) {
        struct alias *n = sh->aliases->next;
        free(sh->aliases->name);
        free(sh->aliases->value);
        free(sh->aliases);
        sh->aliases = n;
    }
    sh->aliases = s->aliases;
    params_free(sh->params, sh->nparams);
    sh->params = s->params;
    sh->nparams = s->nparams;
    for (int i = 0; i < VSH_NSIG; i++) {
        free(sh->traps[i]);
        sh->traps[i] = s->traps[i];
    }
    if (sh->trap_changes != s->trap_changes)
        traps_resync(sh);
    sh->opt_e = s->opts[0];
    sh->opt_u = s->opts[1];
    sh->opt_x = s->opts[2];
    sh->opt_f = s->opts[3];
    sh->opt_n = s->opts[4];
    sh->opt_v = s->opts[5];
    sh->opt_C = s->opts[6];
    if (s->cwd) {
        chdir(s->cwd);
        free(s->cwd);
    }
    umask(s->mask);
    redirs_restore(s->fds, s->nfds);
    sh->loop_depth = s->loop_depth;
    sh->func_depth = s->func_depth;
    sh->locals = s->locals;
    sh->subshell_depth--;
}

static int run_subshell(struct vsh *sh, struct node *body)
{
    struct subsave *s = vsh_alloc(sizeof *s); /* 600 bytes: not in every level of a recursion */
    subshell_enter(sh, s);
    exec_node(sh, body);
    int st = sh->status;
    subshell_leave(sh, s);
    free(s);
    sh->status = st;
    return st;
}

char *cmdsubst(struct vsh *sh, const char *text)
{
    char name[128];
    int fd = tmpfile_open(sh, name, sizeof name);
    if (fd < 0) {
        sh_error(sh, "command substitution: cannot create a temporary file: %s", strerror(errno));
        return NULL;
    }
    unlink(name);
    struct arena a = {0};
    int err;
    struct node *n = parse_string(sh, text, &a, &err);
    if (err) {
        arena_free(&a);
        close(fd);
        sh->status = 2;
        return NULL;
    }
    struct subsave *s = vsh_alloc(sizeof *s);
    subshell_enter(sh, s);
    dup2(fd, 1);
    sh->status = 0;
    if (n)
        exec_node(sh, n);
    int st = sh->status;
    subshell_leave(sh, s);
    free(s);
    sh->status = st;
    sh->cmdsub_ran = 1;
    arena_free(&a);
    struct sbuf out = {0};
    lseek(fd, 0, SEEK_SET);
    char *buf = vsh_alloc(4096); /* not on the stack: $(...) may recurse */
    ssize_t r;
    while ((r = read(fd, buf, 4096)) > 0)
        sb_putn(&out, buf, (size_t)r);
    free(buf);
    close(fd);
    char *res = sb_take(&out);
    size_t len = strlen(res);
    while (len && res[len - 1] == '\n')
        res[--len] = 0;
    return res;
}

/* ---- functions ---- */

struct func *func_find(struct vsh *sh, const char *name)
{
    for (struct func *f = sh->funcs; f; f = f->next)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

void func_release(struct func *f)
{
    if (f->running) {
        f->dead = 1;
        return;
    }
    if (f->owner) {
        free(f->name);
        free(f->text);
        arena_free(&f->arena);
    }
    free(f);
}

static int define_func(struct vsh *sh, const char *name, const char *text)
{
    struct func *f = vsh_alloc(sizeof *f);
    int err;
    f->body = parse_string(sh, text, &f->arena, &err);
    if (err) {
        arena_free(&f->arena);
        free(f);
        return 2;
    }
    f->name = vsh_strdup(name);
    f->text = vsh_strdup(text);
    f->owner = 1;
    /* a redefinition replaces the old entry, freed once no call of it is running */
    for (struct func **pp = &sh->funcs; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            struct func *old = *pp;
            *pp = old->next;
            func_release(old);
            break;
        }
    f->next = sh->funcs;
    sh->funcs = f;
    return 0;
}

int stack_exhausted(struct vsh *sh, size_t slack)
{
    char here;
    return sh->stack_base && (size_t)(sh->stack_base - &here) + slack > VSH_STACK_LIMIT;
}

static int call_func(struct vsh *sh, struct func *f, int argc, char **argv)
{
    if (sh->func_depth >= FUNC_DEPTH_MAX || stack_exhausted(sh, 16u << 10)) {
        /* as bash: the whole command is abandoned, the shell goes on with the next one */
        sh_error(sh, "%s: function nesting too deep (%d levels)", argv[0], sh->func_depth);
        sh->status = 2;
        sh->unwind = U_ABORT;
        return 2;
    }
    char **oldp = sh->params;
    int oldn = sh->nparams;
    sh->params = params_copy(argv + 1, argc - 1);
    sh->nparams = argc - 1;
    struct localsave *oldl = sh->locals;
    sh->locals = NULL;
    int oldloop = sh->loop_depth;
    sh->loop_depth = 0;
    sh->func_depth++;
    sh->status = 0;
    f->running++;
    if (f->body)
        exec_node(sh, f->body);
    f->running--;
    if (f->dead && !f->running)
        func_release(f);
    sh->func_depth--;
    if (sh->unwind == U_RETURN)
        sh->unwind = U_NONE;
    if (sh->unwind == U_BREAK || sh->unwind == U_CONTINUE)
        sh->unwind = U_NONE;
    sh->loop_depth = oldloop;
    /* locals back */
    while (sh->locals) {
        struct localsave *l = sh->locals;
        sh->locals = l->next;
        struct var *v = var_find(sh, l->name);
        if (v)
            v->flags &= ~V_RDONLY;
        if (l->existed) {
            var_set(sh, l->name, l->value, 0);
            v = var_find(sh, l->name);
            if (v) {
                if (!l->value) {
                    free(v->value);
                    v->value = NULL;
                }
                v->flags = l->flags;
            }
        } else {
            var_unset(sh, l->name);
        }
        free(l->name);
        free(l->value);
        free(l);
    }
    sh->locals = oldl;
    params_free(sh->params, sh->nparams);
    sh->params = oldp;
    sh->nparams = oldn;
    return sh->status;
}

/* ---- external programs ---- */

/* path of NAME: *perm 0 found, 126 not executable, 127 not found */
char *find_in_path(struct vsh *sh, const char *name, int *perm)
{
    struct stat st;
    if (strchr(name, '/')) {
        if (stat(name, &st) < 0) {
            *perm = 127;
            return NULL;
        }
        if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
            *perm = 126;
            return vsh_strdup(name);
        }
        *perm = 0;
        return vsh_strdup(name);
    }
    const char *path = var_get(sh, "PATH");
    if (!path)
        path = "/bin:/sbin";
    char *found126 = NULL;
    while (1) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        char *full = vsh_alloc(n + strlen(name) + 3);
        if (n)
            memcpy(full, path, n);
        else
            full[n++] = '.';
        full[n] = '/';
        strcpy(full + n + 1, name);
        if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode)) {
            if (st.st_mode & 0111) {
                free(found126);
                *perm = 0;
                return full;
            }
            if (!found126)
                found126 = full;
            else
                free(full);
        } else {
            free(full);
        }
        if (!e)
            break;
        path = e + 1;
    }
    *perm = found126 ? 126 : 127;
    return found126;
}

/* spawns ARGV (path already found); returns the pid or -1 with the status in *st */
long spawn_program(struct vsh *sh, const char *path, char **argv, char **env, int *st, int bg)
{
    pid_t pid;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defs;
    child_sigdefaults(sh, &defs);
    posix_spawnattr_setsigdefault(&attr, &defs);
    short flags = POSIX_SPAWN_SETSIGDEF;
    if (bg) {
        flags |= POSIX_SPAWN_SETPGROUP; /* a group of its own: ^C and ^Z do not reach it */
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
    int rc = posix_spawn(&pid, path, NULL, &attr, argv, env);
    if (rc == 0) {
        posix_spawnattr_destroy(&attr);
        return pid;
    }
    struct stat sb;
    if ((rc == ENOENT || rc == ENOEXEC) && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        /* not a program of the boot image: a shell script, run by a new vsh */
        int argc = 0;
        while (argv[argc])
            argc++;
        char **nargv = vsh_alloc((size_t)(argc + 2) * sizeof *nargv);
        nargv[0] = "vsh";
        nargv[1] = (char *)path;
        for (int i = 1; i < argc; i++)
            nargv[i + 1] = argv[i];
        rc = posix_spawn(&pid, "/bin/vsh", NULL, &attr, nargv, env);
        free(nargv);
        if (rc == 0) {
            posix_spawnattr_destroy(&attr);
            return pid;
        }
    }
    posix_spawnattr_destroy(&attr);
    sh_error(sh, "%s: %s", argv[0], rc == ENOENT ? "not found" : strerror(rc));
    *st = rc == ENOENT ? 127 : 126;
    return -1;
}

/* ---- simple commands ---- */

static void xtrace(struct vsh *sh, struct word *assigns, char **argv, int argc)
{
    struct sbuf b = {0};
    const char *ps4 = var_get(sh, "PS4");
    sb_puts(&b, ps4 ? ps4 : "+ ");
    int first = 1;
    for (struct word *w = assigns; w; w = w->next) {
        char *v = expand_str(sh, w->text, EXP_STR | EXP_ASSIGN);
        if (!first)
            sb_putc(&b, ' ');
        sb_puts(&b, v ? v : w->text);
        free(v);
        first = 0;
    }
    for (int i = 0; i < argc; i++) {
        if (!first)
            sb_putc(&b, ' ');
        sb_puts(&b, argv[i]);
        first = 0;
    }
    sb_putc(&b, '\n');
    write(2, b.s, b.len);
    sb_free(&b);
}

struct tmpassign {
    char *name;
    char *old;
    int existed, flags;
};

#define SIMPLE_ASYNC 1 /* do not wait: *pid gets the child (external commands only) */
#define SIMPLE_BG 2    /* a background job: a process group of its own */

/* exec: the program replaces the shell (execve); returns only when it could not */
void exec_replace(struct vsh *sh, const char *path, char **argv, char **env)
{
    /* the interactive shell's ignored job-control signals are not the program's (caught ones
     * go back to the default by themselves; a trap '' stays ignored, as POSIX says) */
    static const int jobsigs[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
    if (sh->interactive)
        for (size_t i = 0; i < sizeof jobsigs / sizeof jobsigs[0]; i++)
            if (!(sh->traps[jobsigs[i]] && !sh->traps[jobsigs[i]][0]))
                signal(jobsigs[i], SIG_DFL);
    if (sh->interactive)
        history_save(sh);
    execve(path, argv, env);
    signals_init(sh);
}

static char *words_text(struct word *w)
{
    struct sbuf b = {0};
    for (; w; w = w->next) {
        if (b.len)
            sb_putc(&b, ' ');
        sb_puts(&b, w->text);
    }
    return sb_take(&b);
}

static int exec_simple(struct vsh *sh, struct node *n, int flags, long *pidout)
{
    char **argv;
    int argc;
    int cmdsub_status;
    if (expand_words(sh, n->u.cmd.args, &argv, &argc) < 0) {
        sh->status = 2;
        if (!sh->interactive)
            raise_exit(sh, 2);
        return 2;
    }
    /* the assignments' values, expanded in order */
    int nassign = 0;
    for (struct word *w = n->u.cmd.assigns; w; w = w->next)
        nassign++;
    char **anames = vsh_alloc((size_t)(nassign + 1) * sizeof *anames);
    char **avals = vsh_alloc((size_t)(nassign + 1) * sizeof *avals);
    int k = 0, failed = 0;
    sh->cmdsub_ran = 0;
    for (struct word *w = n->u.cmd.assigns; w; w = w->next, k++) {
        const char *eq = strchr(w->text, '=');
        anames[k] = vsh_strndup(w->text, (size_t)(eq - w->text));
        avals[k] = expand_str(sh, eq + 1, EXP_STR | EXP_ASSIGN);
        if (!avals[k]) {
            failed = 1;
            k++;
            break;
        }
        if (!argc && var_set(sh, anames[k], avals[k], sh->opt_a ? V_EXPORT : 0) < 0) {
            failed = 1;
            k++;
            break;
        }
    }
    nassign = k;
    cmdsub_status = sh->cmdsub_ran ? sh->status : 0;
    int status = 0;
    if (failed) {
        status = sh->status ? sh->status : 1;
        if (status == 0)
            status = 1;
        if (!sh->interactive)
            raise_exit(sh, 2), status = 2;
        goto out;
    }
    if (sh->opt_x)
        xtrace(sh, argc ? NULL : n->u.cmd.assigns, argv, argc);
    if (!argc) {
        struct savedfd *saved = NULL;
        int nsaved = 0;
        if (redirs_apply(sh, n->redirs, &saved, &nsaved) < 0)
            status = 2;
        else
            status = cmdsub_status;
        redirs_restore(saved, nsaved);
        goto out;
    }
    if (sh->opt_x && n->u.cmd.assigns) {
        /* traced with the command above */
    }
    const struct builtin *b = builtin_find(argv[0]);
    struct func *f = NULL;
    if (!b || !b->special)
        f = func_find(sh, argv[0]);
    if (f)
        b = NULL;
    /* `command NAME`: no functions */
    if (b && !strcmp(b->name, "command") && argc > 1 && argv[1][0] != '-') {
        /* handled by the builtin itself */
    }
    if (b || f) {
        struct tmpassign *ta = vsh_alloc((size_t)(nassign + 1) * sizeof *ta);
        int persist = b && b->special;
        for (int i = 0; i < nassign; i++) {
            struct var *v = var_find(sh, anames[i]);
            ta[i].name = anames[i];
            ta[i].existed = v != NULL;
            ta[i].old = v && v->value ? vsh_strdup(v->value) : NULL;
            ta[i].flags = v ? v->flags : 0;
            if (var_set(sh, anames[i], avals[i], persist ? 0 : V_EXPORT) < 0) {
                status = 1;
                goto restore;
            }
        }
        struct savedfd *saved = NULL;
        int nsaved = 0;
        int is_exec = b && !strcmp(b->name, "exec") && argc == 1;
        if (redirs_apply(sh, n->redirs, is_exec ? NULL : &saved, &nsaved) < 0) {
            status = 2;
            redirs_restore(saved, nsaved);
            if (b && b->special && !sh->interactive)
                raise_exit(sh, status);
            goto restore;
        }
        if (f)
            status = call_func(sh, f, argc, argv);
        else
            status = b->fn(sh, argc, argv);
        redirs_restore(saved, nsaved);
    restore:
        if (!persist) {
            for (int i = 0; i < nassign; i++) {
                struct var *v = var_find(sh, ta[i].name);
                if (!ta[i].existed) {
                    if (v)
                        v->flags &= ~V_RDONLY;
                    var_unset(sh, ta[i].name);
                } else if (v) {
                    free(v->value);
                    v->value = ta[i].old;
                    ta[i].old = NULL;
                    v->flags = ta[i].flags;
                }
            }
        }
        for (int i = 0; i < nassign; i++)
            free(ta[i].old);
        free(ta);
        goto out;
    }
    /* an external program */
    int perm;
    char *path = find_in_path(sh, argv[0], &perm);
    if (perm) {
        struct savedfd *saved = NULL;
        int nsaved = 0;
        redirs_apply(sh, n->redirs, &saved, &nsaved);
        redirs_restore(saved, nsaved);
        sh_error(sh, "%s: %s", argv[0], perm == 126 ? "Permission denied" : "not found");
        free(path);
        status = perm;
        goto out;
    }
    struct savedfd *saved = NULL;
    int nsaved = 0;
    if (redirs_apply(sh, n->redirs, &saved, &nsaved) < 0) {
        redirs_restore(saved, nsaved);
        free(path);
        status = 2;
        goto out;
    }
    /* the environment: exported variables and this command's assignments */
    for (int i = 0; i < nassign; i++) {
        /* temporarily in the variable table, exported */
    }
    struct var *saved_vars = NULL;
    if (nassign) {
        saved_vars = sh->vars;
        sh->vars = vars_copy(saved_vars);
        for (int i = 0; i < nassign; i++) {
            struct var *v = var_find(sh, anames[i]);
            if (v)
                v->flags &= ~V_RDONLY;
            var_set(sh, anames[i], avals[i], V_EXPORT);
        }
    }
    char **env = var_environ(sh);
    if (nassign) {
        vars_free(sh->vars);
        sh->vars = saved_vars;
    }
    if (n == sh->exec_hint && !(flags & SIMPLE_ASYNC) && !sh->traps[0] && !sh->subshell_depth) {
        /* vsh -c's last command: as dash, the program takes the shell's place */
        exec_replace(sh, path, argv, env);
    }
    long pid = spawn_program(sh, path, argv, env, &status, (flags & SIMPLE_BG) != 0);
    env_free(env);
    free(path);
    redirs_restore(saved, nsaved);
    if (pid > 0) {
        if (flags & SIMPLE_ASYNC) {
            *pidout = pid;
            status = 0;
        } else {
            char *name = words_text(n->u.cmd.args);
            status = wait_fg(sh, &pid, 1, name);
            free(name);
        }
    }
out:
    for (int i = 0; i < nassign; i++) {
        free(anames[i]);
        free(avals[i]);
    }
    free(anames);
    free(avals);
    fields_free(argv, argc);
    if (sh->unwind != U_EXIT)
        sh->status = status;
    return sh->status;
}

/* is N an external simple command, judged from its first word's text (no expansion)? */
static int static_external(struct vsh *sh, struct node *n)
{
    if (n->kind != N_CMD || !n->u.cmd.args)
        return 0;
    const char *w = n->u.cmd.args->text;
    for (const char *p = w; *p; p++)
        if (strchr("$`'\"\\*?[~", *p))
            return 0;
    if (builtin_find(w) || func_find(sh, w))
        return 0;
    return 1;
}

/* ---- child shells ---- */

static void sq(struct sbuf *b, const char *v)
{
    sb_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'')
            sb_puts(b, "'\\''");
        else
            sb_putc(b, *v);
    }
    sb_putc(b, '\'');
}

/* The shell's state as a script a new vsh runs before TEXT: variables (exported or not,
 * read-only), functions, aliases, options, positional parameters. $$ travels in the
 * environment (VSH_PARENT_PID), so the child's $$ is ours, as a subshell's is. */
static char *child_script(struct vsh *sh, const char *text)
{
    struct sbuf b = {0};
    for (struct var *v = sh->vars; v; v = v->next) {
        if (!strcmp(v->name, "PPID") || !v->value)
            continue;
        if (v->flags & V_EXPORT)
            continue; /* in the environment already */
        sb_puts(&b, v->name);
        sb_putc(&b, '=');
        sq(&b, v->value);
        sb_putc(&b, '\n');
    }
    for (struct var *v = sh->vars; v; v = v->next)
        if (v->flags & V_RDONLY) {
            sb_puts(&b, "readonly ");
            sb_puts(&b, v->name);
            sb_putc(&b, '\n');
        }
    for (struct func *f = sh->funcs; f; f = f->next) {
        sb_puts(&b, f->name);
        sb_puts(&b, "() ");
        sb_puts(&b, f->text);
        sb_putc(&b, '\n');
    }
    for (struct alias *a = sh->aliases; a; a = a->next) {
        sb_puts(&b, "alias ");
        sb_puts(&b, a->name);
        sb_putc(&b, '=');
        sq(&b, a->value);
        sb_putc(&b, '\n');
    }
    sb_puts(&b, "set --");
    for (int i = 0; i < sh->nparams; i++) {
        sb_putc(&b, ' ');
        sq(&b, sh->params[i]);
    }
    sb_putc(&b, '\n');
    const char opts[] = {sh->opt_e ? 'e' : 0, sh->opt_u ? 'u' : 0, sh->opt_x ? 'x' : 0,
                         sh->opt_f ? 'f' : 0, sh->opt_C ? 'C' : 0, sh->opt_a ? 'a' : 0};
    for (size_t i = 0; i < sizeof opts; i++)
        if (opts[i]) {
            sb_puts(&b, "set -");
            sb_putc(&b, opts[i]);
            sb_putc(&b, '\n');
        }
    sb_puts(&b, text);
    sb_putc(&b, '\n');
    return sb_take(&b);
}

/* Can N run in a child vsh (a pipeline element or a background job that is a compound command
 * or a function call, or a background pipeline or and-or list)? Its text must be complete:
 * here-documents are not in it. */
static int child_capable(struct vsh *sh, struct node *n)
{
    if (!n->text || strstr(n->text, "<<"))
        return 0;
    switch (n->kind) {
    case N_WHILE:
    case N_UNTIL:
    case N_FOR:
    case N_IF:
    case N_CASE:
    case N_GROUP:
    case N_SUBSHELL:
    case N_PIPE: /* these have a text only as background jobs (parse_list) */
    case N_AND:
    case N_OR:
    case N_NOT:
        return 1;
    case N_CMD:
        return n->u.cmd.args && func_find(sh, n->u.cmd.args->text);
    default:
        return 0;
    }
}

/* starts N in a new /bin/vsh with the shell's state; its fds are ours (0 and 1 set up by the
 * caller); returns the pid, or -1 */
__attribute__((noinline)) static long spawn_child_shell(struct vsh *sh, struct node *n, int bg)
{
    char *script = child_script(sh, n->text);
    char *argv[] = {"vsh", "-c", script, sh->arg0, NULL};
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%ld", sh->pid);
    struct var *saved = sh->vars;
    sh->vars = vars_copy(saved);
    var_set(sh, "VSH_PARENT_PID", pidbuf, V_EXPORT);
    char **env = var_environ(sh);
    vars_free(sh->vars);
    sh->vars = saved;
    int st = 0;
    long pid = spawn_program(sh, "/bin/vsh", argv, env, &st, bg);
    env_free(env);
    free(script);
    return pid;
}

/* ---- pipelines ---- */

__attribute__((noinline)) static int exec_pipeline(struct vsh *sh, struct node *n)
{
    int count = n->u.pipe.n;
    long *pids = vsh_alloc((size_t)count * sizeof *pids);
    int npids = 0;
    int in = -1; /* the read side for the next element; -1: our stdin */
    int status = 0, last_external = 0;
    for (int i = 0; i < count; i++) {
        struct node *e = n->u.pipe.elems[i];
        int last = i == count - 1;
        struct savedfd *saved = NULL;
        int nsaved = 0;
        save_fd(0, &saved, &nsaved);
        save_fd(1, &saved, &nsaved);
        if (in >= 0) {
            dup2(in, 0);
            close(in);
            in = -1;
        }
        int external = static_external(sh, e);
        int child = !external && !last && child_capable(sh, e);
        if (external || child) {
            int p[2] = {-1, -1};
            if (!last) {
                if (pipe2(p, O_CLOEXEC) < 0) {
                    sh_error(sh, "pipe: %s", strerror(errno));
                    redirs_restore(saved, nsaved);
                    status = 1;
                    break;
                }
                dup2(p[1], 1);
                close(p[1]);
            }
            long pid = 0;
            if (child)
                pid = spawn_child_shell(sh, e, 0);
            else
                exec_simple(sh, e, SIMPLE_ASYNC, &pid);
            if (pid > 0)
                pids[npids++] = pid;
            else if (last)
                status = sh->status;
            if (last && pid > 0)
                last_external = 1;
            redirs_restore(saved, nsaved);
            if (!last) {
                int hi = fcntl(p[0], F_DUPFD_CLOEXEC, SAVE_FD_MIN);
                close(p[0]);
                in = hi;
            }
        } else {
            char name[128];
            int tfd = -1;
            if (!last) {
                tfd = tmpfile_open(sh, name, sizeof name);
                if (tfd < 0) {
                    sh_error(sh, "pipeline: cannot create a temporary file: %s", strerror(errno));
                    redirs_restore(saved, nsaved);
                    status = 1;
                    break;
                }
                unlink(name);
                dup2(tfd, 1);
            }
            status = run_subshell(sh, e);
            redirs_restore(saved, nsaved);
            if (!last) {
                lseek(tfd, 0, SEEK_SET);
                in = tfd;
            }
        }
        if (sh->unwind == U_EXIT)
            break;
    }
    if (in >= 0)
        close(in);
    if (npids) {
        struct sbuf name = {0};
        for (int i = 0; i < count; i++) {
            struct node *e = n->u.pipe.elems[i];
            if (i)
                sb_puts(&name, " | ");
            if (e->kind == N_CMD) {
                char *t = words_text(e->u.cmd.args);
                sb_puts(&name, t);
                free(t);
            } else {
                sb_puts(&name, "...");
            }
        }
        int st = wait_fg(sh, pids, npids, name.s ? name.s : "");
        sb_free(&name);
        if (last_external)
            status = st;
    }
    free(pids);
    if (sh->unwind != U_EXIT)
        sh->status = status;
    return sh->status;
}

/* ---- the tree ---- */

static void check_errexit(struct vsh *sh)
{
    if (sh->opt_e && sh->status && !sh->errexit_suppressed && sh->unwind == U_NONE)
        raise_exit(sh, sh->status);
}

/* traps of signals that arrived, ^C on an interactive shell, set -e */
static void after_command(struct vsh *sh)
{
    if (signals_run_pending(sh)) {
        sh->got_intr = 0;
        if (sh->interactive && sh->unwind == U_NONE)
            sh->unwind = U_ABORT; /* ^C: the rest of the command line is abandoned */
    }
    check_errexit(sh);
}

static int exec_for(struct vsh *sh, struct node *n)
{
    char **items;
    int nitems;
    if (n->u.fors.has_in) {
        if (expand_words(sh, n->u.fors.words, &items, &nitems) < 0) {
            if (!sh->interactive)
                raise_exit(sh, 2);
            return sh->status = 2;
        }
    } else {
        items = params_copy(sh->params, sh->nparams);
        nitems = sh->nparams;
    }
    int status = 0;
    sh->loop_depth++;
    for (int i = 0; i < nitems; i++) {
        if (var_set(sh, n->u.fors.var, items[i], 0) < 0) {
            status = 1;
            if (!sh->interactive)
                raise_exit(sh, 2);
            break;
        }
        exec_node(sh, n->u.fors.body);
        status = sh->status;
        if (sh->unwind == U_BREAK) {
            if (--sh->unwind_count <= 0)
                sh->unwind = U_NONE;
            break;
        }
        if (sh->unwind == U_CONTINUE) {
            if (--sh->unwind_count <= 0)
                sh->unwind = U_NONE;
            else
                break;
            continue;
        }
        if (sh->unwind != U_NONE)
            break;
    }
    sh->loop_depth--;
    fields_free(items, nitems);
    if (sh->unwind != U_EXIT && sh->unwind != U_RETURN)
        sh->status = status;
    return sh->status;
}

static int exec_loop(struct vsh *sh, struct node *n)
{
    int status = 0;
    sh->loop_depth++;
    for (;;) {
        sh->errexit_suppressed++;
        exec_node(sh, n->u.loop.cond);
        sh->errexit_suppressed--;
        int c = sh->status;
        if (sh->unwind == U_BREAK) {
            if (--sh->unwind_count <= 0)
                sh->unwind = U_NONE;
            break;
        }
        if (sh->unwind == U_CONTINUE) {
            if (--sh->unwind_count <= 0) {
                sh->unwind = U_NONE;
                continue;
            }
            break;
        }
        if (sh->unwind != U_NONE)
            break;
        if ((n->kind == N_WHILE) != (c == 0))
            break;
        exec_node(sh, n->u.loop.body);
        status = sh->status;
        if (sh->unwind == U_BREAK) {
            if (--sh->unwind_count <= 0)
                sh->unwind = U_NONE;
            break;
        }
        if (sh->unwind == U_CONTINUE) {
            if (--sh->unwind_count <= 0) {
                sh->unwind = U_NONE;
                continue;
            }
            break;
        }
        if (sh->unwind != U_NONE)
            break;
    }
    sh->loop_depth--;
    if (sh->unwind != U_EXIT && sh->unwind != U_RETURN)
        sh->status = status;
    return sh->status;
}

static int exec_case(struct vsh *sh, struct node *n)
{
    char *subject = expand_str(sh, n->u.cases.subject->text, EXP_STR);
    if (!subject) {
        if (!sh->interactive)
            raise_exit(sh, 2);
        return sh->status = 2;
    }
    sh->status = 0;
    int matched = 0;
    for (struct case_item *it = n->u.cases.items; it; it = it->next) {
        if (!matched) {
            for (struct word *p = it->patterns; p && !matched; p = p->next) {
                char *pat = expand_str(sh, p->text, EXP_PAT);
                if (!pat) {
                    free(subject);
                    if (!sh->interactive)
                        raise_exit(sh, 2);
                    return sh->status = 2;
                }
                matched = fnmatch(pat, subject, 0) == 0;
                free(pat);
            }
            if (!matched)
                continue;
        }
        sh->status = 0;
        if (it->body)
            exec_node(sh, it->body);
        if (!it->fallthrough || sh->unwind != U_NONE)
            break;
    }
    free(subject);
    return sh->status;
}

static int exec_compound_redirs(struct vsh *sh, struct node *n)
{
    struct savedfd *saved = NULL;
    int nsaved = 0;
    if (redirs_apply(sh, n->redirs, &saved, &nsaved) < 0) {
        redirs_restore(saved, nsaved);
        return sh->status = 2;
    }
    switch (n->kind) {
    case N_SUBSHELL:
        run_subshell(sh, n->u.body);
        break;
    case N_GROUP:
        exec_node(sh, n->u.body);
        break;
    case N_IF:
        sh->errexit_suppressed++;
        exec_node(sh, n->u.ifs.cond);
        sh->errexit_suppressed--;
        if (sh->unwind != U_NONE)
            break;
        if (sh->status == 0)
            exec_node(sh, n->u.ifs.then);
        else if (n->u.ifs.els)
            exec_node(sh, n->u.ifs.els);
        else
            sh->status = 0;
        break;
    case N_WHILE:
    case N_UNTIL:
        exec_loop(sh, n);
        break;
    case N_FOR:
        exec_for(sh, n);
        break;
    case N_CASE:
        exec_case(sh, n);
        break;
    default:
        break;
    }
    redirs_restore(saved, nsaved);
    return sh->status;
}

/* `&`: an external command or a child vsh in a process group of its own */
__attribute__((noinline)) static void exec_background(struct vsh *sh, struct node *a)
{
    if (static_external(sh, a)) {
        long pid = 0;
        exec_simple(sh, a, SIMPLE_ASYNC | SIMPLE_BG, &pid);
        if (pid > 0) {
            sh->lastbg = pid;
            char *name = words_text(a->u.cmd.args);
            struct job *j = job_add(sh, &pid, 1, name, JOB_RUNNING);
            free(name);
            j->notify = sh->interactive;
            if (sh->interactive) {
                char buf[48];
                int len = snprintf(buf, sizeof buf, "[%d] %ld\n", j->id, pid);
                write(2, buf, (size_t)len);
            }
        }
        sh->status = 0;
    } else if (child_capable(sh, a)) {
        long pid = spawn_child_shell(sh, a, 1);
        if (pid > 0) {
            sh->lastbg = pid;
            struct job *j = job_add(sh, &pid, 1, a->text, JOB_RUNNING);
            j->notify = sh->interactive;
            if (sh->interactive) {
                char buf[48];
                int len = snprintf(buf, sizeof buf, "[%d] %ld\n", j->id, pid);
                write(2, buf, (size_t)len);
            }
        }
        sh->status = 0;
    } else {
        /* in-process: it runs to its end here (see the contract) */
        sh->errexit_suppressed++;
        run_subshell(sh, a);
        sh->errexit_suppressed--;
        sh->status = 0;
    }
}

int exec_node(struct vsh *sh, struct node *n)
{
    if (!n || sh->unwind != U_NONE)
        return sh->status;
    if (stack_exhausted(sh, 0)) {
        sh_error(sh, "commands nested too deeply");
        sh->status = 2;
        sh->unwind = U_ABORT;
        return sh->status;
    }
    if (n->line)
        sh->lineno = n->line;
    switch (n->kind) {
    case N_CMD:
        exec_simple(sh, n, 0, NULL);
        after_command(sh);
        break;
    case N_PIPE:
        exec_pipeline(sh, n);
        after_command(sh);
        break;
    case N_AND:
    case N_OR:
        sh->errexit_suppressed++;
        exec_node(sh, n->u.bin.a);
        sh->errexit_suppressed--;
        if (sh->unwind != U_NONE)
            break;
        if ((sh->status == 0) == (n->kind == N_AND))
            exec_node(sh, n->u.bin.b);
        break;
    case N_SEQ:
        exec_node(sh, n->u.bin.a);
        if (sh->unwind == U_NONE)
            exec_node(sh, n->u.bin.b);
        break;
    case N_NOT:
        sh->errexit_suppressed++;
        exec_node(sh, n->u.bin.a);
        sh->errexit_suppressed--;
        if (sh->unwind == U_NONE)
            sh->status = !sh->status;
        break;
    case N_BG:
        exec_background(sh, n->u.bin.a);
        break;
    case N_FUNC:
        sh->status = define_func(sh, n->u.func.name, n->u.func.text);
        break;
    case N_SUBSHELL:
    case N_GROUP:
    case N_IF:
    case N_WHILE:
    case N_UNTIL:
    case N_FOR:
    case N_CASE:
        exec_compound_redirs(sh, n);
        if (n->kind == N_SUBSHELL)
            check_errexit(sh);
        break;
    }
    return sh->status;
}

int exec_string(struct vsh *sh, const char *text, const char *what)
{
    (void)what;
    struct arena a = {0};
    int err;
    struct node *n = parse_string(sh, text, &a, &err);
    if (err) {
        arena_free(&a);
        sh->status = 2;
        if (!sh->interactive)
            raise_exit(sh, 2);
        return 2;
    }
    if (n)
        exec_node(sh, n);
    else
        sh->status = 0;
    arena_free(&a);
    return sh->status;
}

/* the consumed text is no longer needed (interactive and piped input grow a line at a time);
 * the line count moves on with it */
static void src_compact(struct src *s)
{
    if (!s->more || s->pos != s->len)
        return;
    for (size_t i = 0; i < s->len; i++)
        s->line += s->buf[i] == '\n';
    s->len = s->pos = 0;
}

int run_src(struct vsh *sh, struct src *s)
{
    struct src *old = sh->cursrc;
    sh->cursrc = s;
    for (;;) {
        struct arena a = {0};
        struct node *n;
        s->interactive = sh->interactive;
        enum parse_status ps = parse_command(sh, s, &a, &n);
        if (ps == P_EOF) {
            arena_free(&a);
            break;
        }
        if (ps == P_ERROR) {
            arena_free(&a);
            src_compact(s);
            sh->status = 2;
            if (!sh->interactive) {
                sh->cursrc = old;
                raise_exit(sh, 2);
                return 2;
            }
            continue;
        }
        if (ps == P_OK && s->exec_last && n->kind == N_CMD) {
            /* the last command of vsh -c may replace the shell */
            size_t k = s->pos;
            while (k < s->len && strchr(" \t\n", s->buf[k]))
                k++;
            if (k == s->len)
                sh->exec_hint = n;
        }
        if (ps == P_OK && !sh->opt_n)
            exec_node(sh, n);
        sh->exec_hint = NULL;
        if (signals_run_pending(sh) && sh->interactive)
            sh->status = 130;
        sh->got_intr = 0;
        arena_free(&a);
        src_compact(s);
        if (sh->unwind == U_EXIT)
            break;
        if (sh->unwind != U_NONE && !sh->func_depth)
            sh->unwind = U_NONE;
        if (sh->unwind != U_NONE)
            break;
    }
    sh->cursrc = old;
    return sh->status;
}
