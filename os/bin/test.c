/*
 * test EXPRESSION, [ EXPRESSION ]: evaluate a condition, exit 0 (true), 1 (false) or 2 (an
 * error: a malformed expression or a bad integer). The same program answers to both names;
 * as "[" its last argument must be "]".
 *
 * Primaries: -e -f -d -s -r -w -x -L -h -b -c -p -S (files), -n -z (strings), -t FD,
 * = != < > (strings), -eq -ne -lt -le -gt -ge (integers), -nt -ot -ef (files); ! ( ) and the
 * XSI -a / -o. With 1 to 4 arguments the POSIX rules by argument count apply first (so
 * "test -n" and "test !" are true), else a recursive-descent parse with -o below -a below !.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

struct parser {
    char **argv;
    int argc, pos;
};

_Noreturn static void syntax(const char *msg, const char *arg)
{
    if (arg)
        util_warn("%s: %s", arg, msg);
    else
        util_warn("%s", msg);
    exit(2);
}

static long integer(const char *s)
{
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == p || *end || errno)
        syntax("integer expression expected", s);
    return v;
}

static int is_unary(const char *s)
{
    return s[0] == '-' && s[1] && !s[2] && strchr("bcdefghLnprsStuwxzkGO", s[1]);
}

static int is_binary(const char *s)
{
    static const char *const ops[] = {"=",   "!=",  "==",  "<",   ">",   "-eq", "-ne", "-lt",
                                      "-le", "-gt", "-ge", "-nt", "-ot", "-ef", NULL};
    for (int i = 0; ops[i]; i++)
        if (!strcmp(s, ops[i]))
            return 1;
    return 0;
}

static int unary(const char *op, const char *arg)
{
    struct stat st;
    switch (op[1]) {
    case 'n':
        return arg[0] != 0;
    case 'z':
        return arg[0] == 0;
    case 't': {
        return isatty((int)integer(arg));
    }
    case 'L':
    case 'h':
        return lstat(arg, &st) == 0 && S_ISLNK(st.st_mode);
    case 'r':
        return access(arg, R_OK) == 0;
    case 'w':
        return access(arg, W_OK) == 0;
    case 'x':
        return access(arg, X_OK) == 0;
    default:
        break;
    }
    if (stat(arg, &st))
        return 0;
    switch (op[1]) {
    case 'e':
        return 1;
    case 'f':
        return S_ISREG(st.st_mode);
    case 'd':
        return S_ISDIR(st.st_mode);
    case 's':
        return st.st_size > 0;
    case 'b':
        return S_ISBLK(st.st_mode);
    case 'c':
        return S_ISCHR(st.st_mode);
    case 'p':
        return S_ISFIFO(st.st_mode);
    case 'S':
        return S_ISSOCK(st.st_mode);
    case 'g':
        return (st.st_mode & S_ISGID) != 0;
    case 'u':
        return (st.st_mode & S_ISUID) != 0;
    case 'k':
        return (st.st_mode & S_ISVTX) != 0;
    case 'G':
        return st.st_gid == getegid();
    case 'O':
        return st.st_uid == geteuid();
    }
    return 0;
}

static int mtime_cmp(const char *a, const char *b, int *ok)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    *ok = 1;
    if (!ea || !eb) {
        *ok = 0;
        return ea - eb;
    }
    if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec)
        return sa.st_mtim.tv_sec < sb.st_mtim.tv_sec ? -1 : 1;
    return (sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec) - (sa.st_mtim.tv_nsec < sb.st_mtim.tv_nsec);
}

static int binary(const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "=") || !strcmp(op, "=="))
        return strcmp(a, b) == 0;
    if (!strcmp(op, "!="))
        return strcmp(a, b) != 0;
    if (!strcmp(op, "<"))
        return strcmp(a, b) < 0;
    if (!strcmp(op, ">"))
        return strcmp(a, b) > 0;
    if (!strcmp(op, "-nt") || !strcmp(op, "-ot")) {
        int ok, c = mtime_cmp(a, b, &ok);
        return op[1] == 'n' ? c > 0 : c < 0;
    }
    if (!strcmp(op, "-ef")) {
        struct stat sa, sb;
        return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    }
    long x = integer(a), y = integer(b);
    switch (op[1] * 256 + op[2]) {
    case 'e' * 256 + 'q':
        return x == y;
    case 'n' * 256 + 'e':
        return x != y;
    case 'l' * 256 + 't':
        return x < y;
    case 'l' * 256 + 'e':
        return x <= y;
    case 'g' * 256 + 't':
        return x > y;
    default:
        return x >= y;
    }
}

static const char *peek(struct parser *p, int k)
{
    return p->pos + k < p->argc ? p->argv[p->pos + k] : NULL;
}

static int parse_or(struct parser *p);

static int parse_primary(struct parser *p)
{
    const char *a = peek(p, 0);
    if (!a)
        syntax("argument expected", NULL);
    if (!strcmp(a, "!")) {
        p->pos++;
        return !parse_primary(p);
    }
    if (!strcmp(a, "(") &&
        !(peek(p, 1) && peek(p, 2) && is_binary(peek(p, 1)) && strcmp(peek(p, 2), ")"))) {
        p->pos++;
        int v = parse_or(p);
        if (!peek(p, 0) || strcmp(peek(p, 0), ")"))
            syntax("')' expected", NULL);
        p->pos++;
        return v;
    }
    if (peek(p, 1) && is_binary(peek(p, 1)) && peek(p, 2)) {
        p->pos += 3;
        return binary(a, peek(p, -2), peek(p, -1));
    }
    if (is_unary(a) && peek(p, 1)) {
        p->pos += 2;
        return unary(a, peek(p, -1));
    }
    if (is_unary(a))
        syntax("argument expected", a);
    p->pos++;
    return a[0] != 0;
}

static int parse_and(struct parser *p)
{
    int v = parse_primary(p);
    while (peek(p, 0) && !strcmp(peek(p, 0), "-a")) {
        p->pos++;
        int w = parse_primary(p);
        v = v && w;
    }
    return v;
}

static int parse_or(struct parser *p)
{
    int v = parse_and(p);
    while (peek(p, 0) && !strcmp(peek(p, 0), "-o")) {
        p->pos++;
        int w = parse_and(p);
        v = v || w;
    }
    return v;
}

static int eval(char **argv, int argc);

/* POSIX's rules by argument count (1 to 4 arguments) */
static int eval(char **argv, int argc)
{
    struct parser p = {argv, argc, 0};
    switch (argc) {
    case 0:
        return 0;
    case 1:
        return argv[0][0] != 0;
    case 2:
        if (!strcmp(argv[0], "!"))
            return argv[1][0] == 0;
        if (is_unary(argv[0]))
            return unary(argv[0], argv[1]);
        syntax("unary operator expected", argv[0]);
    case 3:
        if (is_binary(argv[1]))
            return binary(argv[0], argv[1], argv[2]);
        if (!strcmp(argv[0], "!"))
            return !eval(argv + 1, 2);
        if (!strcmp(argv[0], "(") && !strcmp(argv[2], ")"))
            return argv[1][0] != 0;
        break;
    case 4:
        if (!strcmp(argv[0], "!"))
            return !eval(argv + 1, 3);
        if (!strcmp(argv[0], "(") && !strcmp(argv[3], ")"))
            return eval(argv + 1, 2);
        break;
    default:
        break;
    }
    int v = parse_or(&p);
    if (p.pos < argc)
        syntax("unexpected operator", argv[p.pos]);
    return v;
}

int main(int argc, char **argv)
{
    util_init(argv);
    if (!strcmp(util_name(), "[")) {
        if (argc < 2 || strcmp(argv[argc - 1], "]"))
            syntax("missing ']'", NULL);
        argc--;
    }
    return eval(argv + 1, argc - 1) ? 0 : 1;
}
