/*
 * find [PATH...] [EXPRESSION]: walk the trees under each PATH (default ".") and evaluate
 * EXPRESSION for every file, depth-first with names in byte order (GNU find uses the
 * directory's order; compare sorted output).
 *   tests:   -name PAT -iname PAT -path PAT -ipath PAT (fnmatch), -type [bcdflps], -empty,
 *            -newer FILE, -size [+-]N[cwbkMG], -true, -false
 *   actions: -print, -print0, -prune, -exec CMD... ; (with {} replaced by the path)
 *   options: -maxdepth N, -mindepth N, -depth
 *   operators: ( EXPR ), ! EXPR, -not, EXPR [-a] EXPR, -and, EXPR -o EXPR, -or
 * Without an action the expression is "( EXPR ) -print". Symbolic links are not followed.
 * Exit 0; 1 when a path could not be read or for a bad expression (with a message).
 */
#include <errno.h>
#include <fnmatch.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

enum op {
    OP_AND,
    OP_OR,
    OP_NOT,
    OP_NAME,
    OP_INAME,
    OP_PATH,
    OP_IPATH,
    OP_TYPE,
    OP_EMPTY,
    OP_NEWER,
    OP_SIZE,
    OP_TRUE,
    OP_FALSE,
    OP_PRINT,
    OP_PRINT0,
    OP_PRUNE,
    OP_EXEC,
};

struct node {
    enum op op;
    int a, b;          /* children (AND, OR, NOT) */
    const char *arg;   /* pattern, type letter */
    long long num;     /* size, in units */
    int cmp;           /* -1, 0, +1 for -size */
    long long unit;    /* bytes per unit for -size */
    struct timespec t; /* -newer */
    char **argv;       /* -exec: the command (NULL-terminated) */
    int argc;
};

struct find {
    struct node nodes[256];
    int n;
    char **args;
    int nargs, pos;
    int maxdepth, mindepth, depth_first, has_action;
    int status;
    int prune; /* set by -prune during one evaluation */
};

_Noreturn static void bad(const char *fmt, const char *arg)
{
    util_warn(fmt, arg);
    exit(1);
}

static int add(struct find *f, enum op op)
{
    if (f->n == (int)(sizeof f->nodes / sizeof f->nodes[0]))
        bad("%s: expression too long", "");
    memset(&f->nodes[f->n], 0, sizeof f->nodes[0]);
    f->nodes[f->n].op = op;
    f->nodes[f->n].a = f->nodes[f->n].b = -1;
    return f->n++;
}

static const char *peek(struct find *f)
{
    return f->pos < f->nargs ? f->args[f->pos] : NULL;
}

static const char *need_arg(struct find *f, const char *pred)
{
    if (f->pos >= f->nargs)
        bad("missing argument to '%s'", pred);
    return f->args[f->pos++];
}

static int parse_or(struct find *f);

static int parse_primary(struct find *f)
{
    const char *t = peek(f);
    if (!t)
        bad("%sexpected an expression", "");
    f->pos++;
    if (!strcmp(t, "(")) {
        int e = parse_or(f);
        if (!peek(f) || strcmp(peek(f), ")"))
            bad("%sinvalid expression; I was expecting to find a ')' somewhere", "");
        f->pos++;
        return e;
    }
    if (!strcmp(t, "!") || !strcmp(t, "-not")) {
        int n = add(f, OP_NOT);
        f->nodes[n].a = parse_primary(f);
        return n;
    }
    static const struct {
        const char *name;
        enum op op;
        int arg;
    } prims[] = {
        {"-name", OP_NAME, 1},      {"-iname", OP_INAME, 1}, {"-path", OP_PATH, 1},
        {"-wholename", OP_PATH, 1}, {"-ipath", OP_IPATH, 1}, {"-type", OP_TYPE, 1},
        {"-empty", OP_EMPTY, 0},    {"-newer", OP_NEWER, 1}, {"-size", OP_SIZE, 1},
        {"-true", OP_TRUE, 0},      {"-false", OP_FALSE, 0}, {"-print", OP_PRINT, 0},
        {"-print0", OP_PRINT0, 0},  {"-prune", OP_PRUNE, 0},
    };
    if (!strcmp(t, "-maxdepth") || !strcmp(t, "-mindepth")) {
        const char *a = need_arg(f, t);
        long v;
        if (util_parse_long(a, 10, &v) || v < 0)
            bad("invalid argument to -maxdepth/-mindepth: '%s'", a);
        if (t[2] == 'a')
            f->maxdepth = (int)v;
        else
            f->mindepth = (int)v;
        return add(f, OP_TRUE);
    }
    if (!strcmp(t, "-depth")) {
        f->depth_first = 1;
        return add(f, OP_TRUE);
    }
    if (!strcmp(t, "-exec")) {
        int n = add(f, OP_EXEC);
        struct node *nd = &f->nodes[n];
        nd->argv = &f->args[f->pos];
        while (f->pos < f->nargs && strcmp(f->args[f->pos], ";"))
            f->pos++, nd->argc++;
        if (f->pos >= f->nargs || !nd->argc)
            bad("missing argument to '%s'", "-exec");
        f->args[f->pos++] = NULL; /* terminates the command */
        f->has_action = 1;
        return n;
    }
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        if (strcmp(t, prims[i].name))
            continue;
        int n = add(f, prims[i].op);
        struct node *nd = &f->nodes[n];
        if (prims[i].arg)
            nd->arg = need_arg(f, t);
        if (nd->op == OP_PRINT || nd->op == OP_PRINT0)
            f->has_action = 1;
        if (nd->op == OP_TYPE && (strlen(nd->arg) != 1 || !strchr("bcdflps", nd->arg[0])))
            bad("Unknown argument to -type: %s", nd->arg);
        if (nd->op == OP_NEWER) {
            struct stat st;
            if (stat(nd->arg, &st))
                bad("'%s': No such file or directory", nd->arg);
            nd->t = st.st_mtim;
        }
        if (nd->op == OP_SIZE) {
            const char *s = nd->arg;
            nd->cmp = *s == '+' ? 1 : *s == '-' ? -1 : 0;
            if (*s == '+' || *s == '-')
                s++;
            char *end;
            nd->num = strtoll(s, &end, 10);
            nd->unit = 512;
            if (end == s || (end[0] && end[1]))
                bad("invalid -size argument '%s'", nd->arg);
            switch (*end) {
            case 0:
            case 'b':
                nd->unit = 512;
                break;
            case 'c':
                nd->unit = 1;
                break;
            case 'w':
                nd->unit = 2;
                break;
            case 'k':
                nd->unit = 1024;
                break;
            case 'M':
                nd->unit = 1024 * 1024;
                break;
            case 'G':
                nd->unit = 1024LL * 1024 * 1024;
                break;
            default:
                bad("invalid -size argument '%s'", nd->arg);
            }
        }
        return n;
    }
    if (t[0] == '-')
        bad("unknown predicate '%s'", t);
    bad("paths must precede expression: '%s'", t);
}

static int parse_and(struct find *f)
{
    int left = parse_primary(f);
    for (;;) {
        const char *t = peek(f);
        if (!t || !strcmp(t, "-o") || !strcmp(t, "-or") || !strcmp(t, ")"))
            return left;
        if (!strcmp(t, "-a") || !strcmp(t, "-and"))
            f->pos++;
        int n = add(f, OP_AND);
        f->nodes[n].a = left;
        f->nodes[n].b = parse_primary(f);
        left = n;
    }
}

static int parse_or(struct find *f)
{
    int left = parse_and(f);
    while (peek(f) && (!strcmp(peek(f), "-o") || !strcmp(peek(f), "-or"))) {
        f->pos++;
        int n = add(f, OP_OR);
        f->nodes[n].a = left;
        f->nodes[n].b = parse_and(f);
        left = n;
    }
    return left;
}

static const char *base_of(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *s = path + len;
    while (s > path && s[-1] != '/')
        s--;
    return s;
}

static int name_match(const char *pat, const char *path, int flags)
{
    /* the last component, without trailing slashes */
    char buf[4096];
    const char *b = base_of(path);
    size_t len = strlen(b);
    while (len > 1 && b[len - 1] == '/')
        len--;
    snprintf(buf, sizeof buf, "%.*s", (int)len, b);
    return fnmatch(pat, buf, flags) == 0;
}

static int is_empty(const char *path, const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return st->st_size == 0;
    if (!S_ISDIR(st->st_mode))
        return 0;
    size_t n;
    char **names = util_dir_names(path, &n);
    if (!names)
        return 0;
    util_free_names(names);
    return n == 0;
}

static int run_exec(struct node *nd, const char *path)
{
    char **argv = calloc((size_t)nd->argc + 1, sizeof *argv);
    char **owned = calloc((size_t)nd->argc + 1, sizeof *owned);
    for (int i = 0; i < nd->argc; i++) {
        const char *a = nd->argv[i], *br = strstr(a, "{}");
        if (!br) {
            argv[i] = (char *)a;
            continue;
        }
        /* every {} in the argument */
        size_t cap = strlen(a) + 1, plen = strlen(path);
        for (const char *q = br; q; q = strstr(q + 2, "{}"))
            cap += plen;
        char *s = owned[i] = malloc(cap), *o = s;
        for (const char *p = a; *p;) {
            if (p[0] == '{' && p[1] == '}') {
                memcpy(o, path, plen);
                o += plen;
                p += 2;
            } else {
                *o++ = *p++;
            }
        }
        *o = 0;
        argv[i] = s;
    }
    fflush(stdout);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), st = 0;
    if (rc) {
        util_warn("'%s': %s", argv[0], strerror(rc));
        st = -1;
    } else {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < nd->argc; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int eval(struct find *f, int n, const char *path, const struct stat *st)
{
    struct node *nd = &f->nodes[n];
    switch (nd->op) {
    case OP_AND:
        return eval(f, nd->a, path, st) && eval(f, nd->b, path, st);
    case OP_OR:
        return eval(f, nd->a, path, st) || eval(f, nd->b, path, st);
    case OP_NOT:
        return !eval(f, nd->a, path, st);
    case OP_NAME:
        return name_match(nd->arg, path, 0);
    case OP_INAME:
        return name_match(nd->arg, path, FNM_CASEFOLD);
    case OP_PATH:
        return fnmatch(nd->arg, path, 0) == 0;
    case OP_IPATH:
        return fnmatch(nd->arg, path, FNM_CASEFOLD) == 0;
    case OP_TYPE: {
        mode_t m = st->st_mode;
        switch (nd->arg[0]) {
        case 'f':
            return S_ISREG(m);
        case 'd':
            return S_ISDIR(m);
        case 'l':
            return S_ISLNK(m);
        case 'c':
            return S_ISCHR(m);
        case 'b':
            return S_ISBLK(m);
        case 'p':
            return S_ISFIFO(m);
        default:
            return S_ISSOCK(m);
        }
    }
    case OP_EMPTY:
        return is_empty(path, st);
    case OP_NEWER:
        return st->st_mtim.tv_sec > nd->t.tv_sec ||
               (st->st_mtim.tv_sec == nd->t.tv_sec && st->st_mtim.tv_nsec > nd->t.tv_nsec);
    case OP_SIZE: {
        long long units = (st->st_size + nd->unit - 1) / nd->unit;
        return nd->cmp > 0 ? units > nd->num : nd->cmp < 0 ? units < nd->num : units == nd->num;
    }
    case OP_TRUE:
        return 1;
    case OP_FALSE:
        return 0;
    case OP_PRINT:
        puts(path);
        return 1;
    case OP_PRINT0:
        fputs(path, stdout);
        putchar(0);
        return 1;
    case OP_PRUNE:
        f->prune = 1;
        return 1;
    case OP_EXEC:
        return run_exec(nd, path);
    }
    return 0;
}

static int root = -1;

static void visit(struct find *f, const char *path, const struct stat *st, int depth)
{
    if (depth < f->mindepth)
        return;
    if (eval(f, root, path, st) && !f->has_action)
        puts(path);
}

static int walk_fn(const char *path, const struct stat *st, enum util_phase phase, int depth,
                   void *arg)
{
    struct find *f = arg;
    if (phase == UTIL_ERR) {
        util_warn("'%s': %s", path, strerror(errno));
        f->status = 1;
        return 0;
    }
    int dir = S_ISDIR(st->st_mode);
    int at_max = f->maxdepth >= 0 && depth >= f->maxdepth;
    if (phase == UTIL_PRE) {
        f->prune = 0;
        if (!f->depth_first || !dir || at_max)
            visit(f, path, st, depth);
        return (dir && (at_max || f->prune)) ? 1 : 0;
    }
    if (f->depth_first && dir)
        visit(f, path, st, depth);
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    static struct find f;
    f.maxdepth = -1;
    int i = 1;
    while (i < argc && (!strcmp(argv[i], "-H") || !strcmp(argv[i], "-L") || !strcmp(argv[i], "-P")))
        i++;
    int first_path = i;
    while (i < argc && argv[i][0] != '-' && strcmp(argv[i], "(") && strcmp(argv[i], "!"))
        i++;
    int npaths = i - first_path;
    f.args = argv + i;
    f.nargs = argc - i;
    if (f.nargs) {
        root = parse_or(&f);
        if (f.pos < f.nargs)
            bad("%sinvalid expression", "");
    } else {
        root = add(&f, OP_TRUE);
    }
    char *dot[] = {".", NULL};
    char **paths = npaths ? argv + first_path : dot;
    for (int p = 0; p < (npaths ? npaths : 1); p++)
        util_walk(paths[p], 0, walk_fn, &f);
    if (fflush(stdout))
        return 1;
    return f.status;
}
