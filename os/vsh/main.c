/*
 * vsh: Veridian's shell. A POSIX shell that behaves like dash on scripts, and an interactive
 * shell with a prompt, line editing and history on the console.
 *
 *   vsh [-eufxvnC] -c STRING [NAME [ARGS...]]   run STRING ($0 = NAME)
 *   vsh [-eufxvnC] FILE [ARGS...]               run a script
 *   vsh [-eufxvnC] [-s] [-i]                    commands from standard input: a script when it
 *                                               is not a terminal, else interactive
 *
 * Modules: parse.c (lexer, parser, line:column syntax errors), expand.c (expansions, IFS
 * splitting, globbing, arithmetic), exec.c (the tree, redirections, pipelines, subshells),
 * builtins.c, vars.c (variables, memory), lineedit.c (the pure line editor), this file (start-up,
 * input, prompt, history).
 *
 * The design choice that shapes everything: Veridian has no fork, posix_spawn is the only way
 * to start a program. What a forking shell runs in a child therefore takes one of two roads:
 *  - in-process, inside subshell_enter/subshell_leave (exec.c), which save and restore every
 *    piece of state a subshell may change (variables, functions, aliases, positional
 *    parameters, traps, options, the cwd, the umask, fds 0-9): subshells `( )`, command
 *    substitution (its output through an unlinked temporary file in /tmp rather than a pipe,
 *    which the shell would both write and read: a deadlock), and the last element of a
 *    pipeline when it is not an external command. Cheap (no spawn), and $$, unexported
 *    variables and functions are simply there;
 *  - a child /bin/vsh, for a pipeline element that is not the last and is a compound command
 *    or a function call, for such a background job (`&`), and for a background pipeline or
 *    and-or list (`echo x | nc -l 9100 &`): it must run concurrently (`while
 *    :; do echo y; done | head -1` never ends otherwise). The child gets the shell's state as a
 *    script in front of the command's source text (variables, read-only marks, functions,
 *    aliases, options, `set --` parameters; $$ through VSH_PARENT_PID). An element with a
 *    here-document, and a builtin such as echo or printf in a non-last position, run
 *    in-process with their output in a temporary file read by the next element (no spawn for
 *    `echo x | cmd`).
 * External commands are spawned, a pipeline's concurrently, joined by pipes; `exec` and the
 * last simple command of `vsh -c` replace the shell (execve), as in dash.
 *
 * Exit statuses are dash's: 2 for a syntax error (non-interactive shells exit), 127 for an
 * unknown command, 126 for a file that is not executable, 128+N for a program killed by
 * signal N. Interactive input uses the line editor when the console is a terminal in the
 * termios sense (tcgetattr works); before the console has termios, and whenever standard input
 * is not a terminal, lines are read plainly, a byte at a time (so a program the shell starts
 * reads what follows its command line). History lives in $HOME/.vsh_history (tmpfs today: it
 * lasts as long as the machine runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lineedit.h"
#include "vsh.h"

/* the console's termios arrives in a later libveridian: until then these are weak (absent) and
 * the shell reads plain lines (os/vsh/CMakeLists.txt sets VSH_HAVE_TERMIOS) */
#if !VSH_HAVE_TERMIOS
#pragma weak tcgetattr
#pragma weak tcsetattr
#pragma weak cfmakeraw
#define TERMIOS_PRESENT (tcgetattr && tcsetattr && cfmakeraw)
#else
#define TERMIOS_PRESENT 1
#endif

/* ---- history ---- */

void history_add(struct vsh *sh, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
        n--;
    if (!n)
        return;
    if (sh->nhistory && !strncmp(sh->history[sh->nhistory - 1], line, n) &&
        !sh->history[sh->nhistory - 1][n])
        return;
    sh->history = vsh_realloc(sh->history, (size_t)(sh->nhistory + 1) * sizeof *sh->history);
    sh->history[sh->nhistory++] = vsh_strndup(line, n);
}

void history_load(struct vsh *sh)
{
    if (!sh->histfile)
        return;
    int fd = open(sh->histfile, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct sbuf b = {0};
    char buf[4096];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        sb_putn(&b, buf, (size_t)r);
    close(fd);
    char *s = b.s;
    while (s && *s) {
        char *e = strchr(s, '\n');
        if (e)
            *e = 0;
        history_add(sh, s);
        if (!e)
            break;
        s = e + 1;
    }
    sb_free(&b);
}

/* !! and !N (and !-N) in an interactive line */
int history_expand(struct vsh *sh, const char *line, char **out)
{
    if (!strchr(line, '!'))
        return 0;
    struct sbuf b = {0};
    int changed = 0, sq = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '\'')
            sq = !sq;
        if (*p == '\\' && p[1]) {
            sb_putc(&b, *p++);
            sb_putc(&b, *p);
            continue;
        }
        if (*p != '!' || sq) {
            sb_putc(&b, *p);
            continue;
        }
        const char *ent = NULL;
        const char *q = p + 1;
        if (*q == '!') {
            ent = sh->nhistory ? sh->history[sh->nhistory - 1] : NULL;
            q++;
        } else if ((*q >= '0' && *q <= '9') || (*q == '-' && q[1] >= '0' && q[1] <= '9')) {
            char *end;
            long n = strtol(q, &end, 10);
            long idx = n < 0 ? sh->nhistory + n : n - 1;
            if (idx >= 0 && idx < sh->nhistory)
                ent = sh->history[idx];
            q = end;
        } else {
            sb_putc(&b, *p);
            continue;
        }
        if (!ent) {
            sh_error(sh, "%.*s: event not found", (int)(q - p), p);
            sb_free(&b);
            return -1;
        }
        sb_puts(&b, ent);
        changed = 1;
        p = q - 1;
    }
    if (!changed) {
        sb_free(&b);
        return 0;
    }
    *out = sb_take(&b);
    return 1;
}

/* ---- input ---- */

static char *prompt_string(struct vsh *sh, int first)
{
    const char *ps = var_get(sh, first ? "PS1" : "PS2");
    if (!ps)
        return vsh_strdup("");
    int saved = sh->status;
    char *p = expand_str(sh, ps, EXP_STR);
    sh->status = saved;
    return p ? p : vsh_strdup(ps);
}

static int raw_terminal(struct termios *saved)
{
    if (!TERMIOS_PRESENT)
        return 0;
    if (tcgetattr(0, saved) < 0)
        return 0;
    struct termios raw = *saved;
    cfmakeraw(&raw);
    raw.c_oflag = saved->c_oflag;              /* keep output processing (\n to \r\n) */
    return tcsetattr(0, TCSADRAIN, &raw) == 0; /* TCSAFLUSH would drop typed-ahead lines */
}

/* one line through the line editor; NULL at end of file; "" after ^C */
static char *edit_line(struct vsh *sh, const char *prompt, int *ok)
{
    struct termios saved;
    *ok = 0;
    if (!raw_terminal(&saved))
        return NULL;
    *ok = 1;
    struct lineedit le;
    struct le_out o = {0};
    le_start(&le, prompt, sh->history, sh->nhistory, &o);
    write(2, o.buf, o.len);
    char *res = NULL;
    for (;;) {
        unsigned char c;
        ssize_t r = read(0, &c, 1);
        if (r <= 0) {
            res = NULL;
            break;
        }
        o.len = 0;
        enum le_result lr = le_feed(&le, c, &o);
        write(2, o.buf, o.len);
        if (lr == LE_DONE) {
            res = vsh_alloc(le.len + 2);
            memcpy(res, le.line, le.len);
            res[le.len] = '\n';
            break;
        }
        if (lr == LE_EOF) {
            res = NULL;
            break;
        }
        if (lr == LE_INTR) {
            res = vsh_strdup("");
            break;
        }
    }
    tcsetattr(0, TCSANOW, &saved);
    return res;
}

static int more_fd(struct vsh *sh, struct src *s)
{
    if (s->eof)
        return -1;
    struct sbuf line = {0};
    if (s->interactive) {
        if (s->len == 0)
            jobs_poll(sh, 1);
        char *prompt = prompt_string(sh, s->len == 0);
        int ok;
        char *l = edit_line(sh, prompt, &ok);
        if (ok) {
            free(prompt);
            if (!l) {
                s->eof = 1;
                return -1;
            }
            if (!*l) {
                /* ^C: the line, and any command being continued, is abandoned */
                free(l);
                s->len = s->pos = 0;
                sh->status = 130;
                l = vsh_strdup("\n");
            }
            sb_puts(&line, l);
            free(l);
            goto got;
        }
        out_str(2, prompt);
        free(prompt);
    }
    for (;;) {
        char c;
        ssize_t r = read(s->fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            /* ^C at the prompt: the line (and a command being continued) is dropped and a
             * fresh prompt comes; other signals run their traps and the read goes on */
            if (signals_run_pending(sh) && s->interactive) {
                sh->got_intr = 0;
                sh->status = 130;
                line.len = 0;
                s->len = s->pos = 0;
                char *prompt = prompt_string(sh, 1);
                out_str(2, "\n");
                out_str(2, prompt);
                free(prompt);
            }
            continue;
        }
        if (r <= 0) {
            if (!line.len) {
                s->eof = 1;
                if (s->interactive)
                    out_str(2, "\n");
                return -1;
            }
            break;
        }
        sb_putc(&line, c);
        if (c == '\n')
            break;
    }
got:
    if (s->interactive) {
        char *exp;
        int h = history_expand(sh, line.s, &exp);
        if (h < 0) {
            sb_free(&line);
            sb_puts(&line, "\n");
        } else if (h > 0) {
            out_str(2, exp);
            sb_free(&line);
            sb_puts(&line, exp);
            free(exp);
        }
        if (s->len == 0)
            history_add(sh, line.s);
        else if (sh->nhistory) {
            /* a continuation line joins its command's entry */
            char *prev = sh->history[sh->nhistory - 1];
            size_t a = strlen(prev), b = strlen(line.s);
            prev = vsh_realloc(prev, a + b + 2);
            prev[a] = '\n';
            memcpy(prev + a + 1, line.s, b + 1);
            while (a + b && prev[a + b] == '\n')
                prev[a + b--] = 0;
            sh->history[sh->nhistory - 1] = prev;
        }
    }
    if (s->len + line.len + 1 > s->cap) {
        s->cap = (s->len + line.len + 1) * 2;
        s->buf = vsh_realloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, line.s, line.len);
    s->len += line.len;
    s->buf[s->len] = 0;
    sb_free(&line);
    return 0;
}

/* ---- start-up ---- */

static void usage(void)
{
    out_str(2,
            "usage: vsh [-eufxvnCi] [-c STRING [NAME [ARG...]] | FILE [ARG...] | -s [ARG...]]\n");
}

static void set_params(struct vsh *sh, int n, char **v)
{
    sh->params = vsh_alloc((size_t)(n + 1) * sizeof *sh->params);
    for (int i = 0; i < n; i++)
        sh->params[i] = vsh_strdup(v[i]);
    sh->nparams = n;
}

static void init_vars(struct vsh *sh)
{
    vars_import(sh, environ);
    if (!var_get(sh, "PATH"))
        var_set(sh, "PATH", "/bin:/sbin", V_EXPORT);
    if (!var_get(sh, "HOME")) {
        /* init gives no environment: HOME from /etc/passwd, for ~ and the history file */
        char *home = passwd_home(NULL, (long)getuid());
        if (home)
            var_set(sh, "HOME", home, V_EXPORT);
        free(home);
    }
    var_set(sh, "IFS", " \t\n", 0);
    var_set(sh, "OPTIND", "1", 0);
    if (!var_get(sh, "PS2"))
        var_set(sh, "PS2", "> ", 0);
    if (!var_get(sh, "PS4"))
        var_set(sh, "PS4", "+ ", 0);
    char buf[1024];
    if (getcwd(buf, sizeof buf))
        var_set(sh, "PWD", buf, V_EXPORT);
    char num[32];
    snprintf(num, sizeof num, "%ld", (long)getppid());
    var_set(sh, "PPID", num, 0);
}

int main(int argc, char **argv)
{
    struct vsh shell;
    struct vsh *sh = &shell;
    memset(sh, 0, sizeof *sh);
    sh->stack_base = (const char *)&shell;
    sh->pid = getpid();
    sh->arg0 = argv[0] ? argv[0] : "vsh";
    init_vars(sh);
    /* a child shell running a subshell's part (exec.c): $$ is its parent's */
    const char *ppid = var_get(sh, "VSH_PARENT_PID");
    if (ppid) {
        sh->pid = strtol(ppid, NULL, 10);
        var_unset(sh, "VSH_PARENT_PID");
    }
    const char *cmd = NULL;
    int force_stdin = 0, force_i = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if ((a[0] != '-' && a[0] != '+') || !a[1])
            break;
        int on = a[0] == '-';
        for (const char *c = a + 1; *c; c++) {
            switch (*c) {
            case 'c':
                cmd = "";
                break;
            case 's':
                force_stdin = 1;
                break;
            case 'i':
                force_i = on;
                break;
            case 'e':
                sh->opt_e = on;
                break;
            case 'u':
                sh->opt_u = on;
                break;
            case 'x':
                sh->opt_x = on;
                break;
            case 'f':
                sh->opt_f = on;
                break;
            case 'v':
                sh->opt_v = on;
                break;
            case 'n':
                sh->opt_n = on;
                break;
            case 'C':
                sh->opt_C = on;
                break;
            case 'a':
                sh->opt_a = on;
                break;
            default:
                out_str(2, "vsh: illegal option\n");
                usage();
                return 2;
            }
        }
    }
    if (cmd) {
        if (i >= argc) {
            out_str(2, "vsh: -c requires an argument\n");
            return 2;
        }
        cmd = argv[i++];
        if (i < argc)
            sh->arg0 = argv[i++];
        set_params(sh, argc - i, argv + i);
        struct src s;
        src_init_string(&s, cmd);
        s.exec_last = 1;
        signals_init(sh);
        run_src(sh, &s);
        free(s.buf);
        sh_exit(sh, sh->status);
    }
    if (i < argc && !force_stdin) {
        const char *file = argv[i++];
        sh->arg0 = (char *)file;
        set_params(sh, argc - i, argv + i);
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "vsh: cannot open %s: %s\n", file,
                     errno == ENOENT ? "No such file" : strerror(errno));
            out_str(2, msg);
            return 127;
        }
        struct sbuf b = {0};
        char buf[4096];
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            sb_putn(&b, buf, (size_t)r);
        close(fd);
        char *text = sb_take(&b);
        struct src s;
        src_init_string(&s, text);
        free(text);
        run_src(sh, &s);
        free(s.buf);
        sh_exit(sh, sh->status);
    }
    set_params(sh, argc - i, argv + i);
    sh->interactive = force_i || (isatty(0) && isatty(2));
    if (sh->interactive) {
        if (!var_get(sh, "PS1"))
            var_set(sh, "PS1", getuid() == 0 ? "${PWD} # " : "${PWD} $ ", 0);
        /* $HOME/.vsh_history; vrsim's init passes HOME=/, which only root may write: then
         * the user's home from /etc/passwd, else /tmp */
        const char *home = var_get(sh, "HOME");
        char *pw = NULL;
        if (!home || !*home || access(home, W_OK) != 0) {
            pw = passwd_home(NULL, (long)getuid());
            home = pw && access(pw, W_OK) == 0 ? pw : "/tmp";
        }
        size_t n = strlen(home) + 20;
        sh->histfile = vsh_alloc(n);
        snprintf(sh->histfile, n, "%s/.vsh_history", home);
        free(pw);
        history_load(sh);
    }
    signals_init(sh);
    struct src s = {0};
    s.line = 1;
    s.fd = 0;
    s.more = more_fd;
    s.interactive = sh->interactive;
    run_src(sh, &s);
    free(s.buf);
    sh_exit(sh, sh->status);
}
