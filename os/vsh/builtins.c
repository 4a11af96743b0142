/*
 * vsh: the builtins (XCU 2.14 special builtins and the regular ones a shell must have).
 *
 * Each takes (sh, argc, argv) and returns its exit status; output goes straight to fd 1 with
 * write() (never stdio's buffer: a redirection changes fd 1 under us). A special builtin's
 * error in a non-interactive shell ends the shell (raise_exit), as dash does. Job control
 * (fg, bg, kill, ^Z) waits for the kernel's signals: until then fg waits for a job, bg does
 * nothing and kill reports that signals are not available.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsh.h"

void out_str(int fd, const char *s)
{
    size_t n = strlen(s), off = 0;
    while (off < n) {
        ssize_t w = write(fd, s + off, n - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static int out_sbuf(struct sbuf *b)
{
    int rc = 0;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(1, b->s + off, b->len - off);
        if (w <= 0) {
            rc = 1;
            break;
        }
        off += (size_t)w;
    }
    sb_free(b);
    return rc;
}

/* a special builtin's usage error: the non-interactive shell exits */
static int special_error(struct vsh *sh, int status)
{
    if (!sh->interactive)
        raise_exit(sh, status);
    return status;
}

static int parse_int(const char *s, long *out)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

static void quote_value(struct sbuf *b, const char *v)
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

/* ---- : true false ---- */
static int bi_true(struct vsh *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 0;
}

static int bi_false(struct vsh *sh, int argc, char **argv)
{
    (void)sh, (void)argc, (void)argv;
    return 1;
}

/* ---- echo and printf ---- */

/* one backslash escape at s (after the backslash); returns the characters used, -1 for \c */
static int escape(const char *s, struct sbuf *b, int octal0)
{
    switch (*s) {
    case 'a':
        sb_putc(b, '\a');
        return 1;
    case 'b':
        sb_putc(b, '\b');
        return 1;
    case 'c':
        return -1;
    case 'e':
        sb_putc(b, 27);
        return 1;
    case 'f':
        sb_putc(b, '\f');
        return 1;
    case 'n':
        sb_putc(b, '\n');
        return 1;
    case 'r':
        sb_putc(b, '\r');
        return 1;
    case 't':
        sb_putc(b, '\t');
        return 1;
    case 'v':
        sb_putc(b, '\v');
        return 1;
    case '\\':
        sb_putc(b, '\\');
        return 1;
    case 0:
        sb_putc(b, '\\');
        return 0;
    }
    if (*s >= '0' && *s <= '7' && (!octal0 || *s == '0')) {
        int i = octal0 ? 1 : 0, v = 0, max = octal0 ? 4 : 3;
        while (i < max && s[i] >= '0' && s[i] <= '7')
            v = v * 8 + (s[i++] - '0');
        sb_putc(b, (char)v);
        return i;
    }
    sb_putc(b, '\\');
    sb_putc(b, *s);
    return 1;
}

static int bi_echo(struct vsh *sh, int argc, char **argv)
{
    (void)sh;
    struct sbuf b = {0};
    int i = 1, nl = 1;
    if (i < argc && !strcmp(argv[i], "-n")) {
        nl = 0;
        i++;
    }
    for (; i < argc; i++) {
        for (const char *s = argv[i]; *s; s++) {
            if (*s != '\\') {
                sb_putc(&b, *s);
                continue;
            }
            int n = escape(s + 1, &b, 1);
            if (n < 0)
                return out_sbuf(&b);
            s += n;
        }
        if (i + 1 < argc)
            sb_putc(&b, ' ');
    }
    if (nl)
        sb_putc(&b, '\n');
    return out_sbuf(&b);
}

static int printf_number(struct vsh *sh, const char *arg, long *out, int *err)
{
    if (!arg) {
        *out = 0;
        return 0;
    }
    if (arg[0] == '\'' || arg[0] == '"') {
        *out = (unsigned char)arg[1];
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 0);
    if (end == arg || *end || errno) {
        sh_error(sh, "printf: %s: %s", arg,
                 end == arg ? "expected numeric value" : "not completely converted");
        *err = 1;
    }
    *out = v;
    return 0;
}

static int bi_printf(struct vsh *sh, int argc, char **argv)
{
    int ai = 1;
    if (ai < argc && !strcmp(argv[ai], "--"))
        ai++;
    if (ai >= argc) {
        sh_error(sh, "printf: usage: printf format [arg ...]");
        return 2;
    }
    const char *fmt = argv[ai++];
    struct sbuf b = {0};
    int err = 0;
    int first = 1;
    while (first || ai < argc) {
        int used = 0;
        first = 0;
        for (const char *s = fmt; *s; s++) {
            if (*s == '\\') {
                int n = escape(s + 1, &b, 0);
                if (n < 0)
                    goto done;
                s += n;
                continue;
            }
            if (*s != '%') {
                sb_putc(&b, *s);
                continue;
            }
            if (s[1] == '%') {
                sb_putc(&b, '%');
                s++;
                continue;
            }
            /* %[flags][width][.prec]conv */
            char spec[64];
            size_t k = 0;
            spec[k++] = '%';
            s++;
            while (*s && strchr("-+ #0", *s) && k < 40)
                spec[k++] = *s++;
            if (*s == '*') {
                long w = 0;
                printf_number(sh, ai < argc ? argv[ai++] : NULL, &w, &err);
                used = 1;
                k += (size_t)snprintf(spec + k, sizeof spec - k, "%ld", w);
                s++;
            } else {
                while (isdigit((unsigned char)*s) && k < 50)
                    spec[k++] = *s++;
            }
            if (*s == '.') {
                spec[k++] = *s++;
                if (*s == '*') {
                    long p = 0;
                    printf_number(sh, ai < argc ? argv[ai++] : NULL, &p, &err);
                    used = 1;
                    k += (size_t)snprintf(spec + k, sizeof spec - k, "%ld", p);
                    s++;
                } else {
                    while (isdigit((unsigned char)*s) && k < 58)
                        spec[k++] = *s++;
                }
            }
            char conv = *s;
            if (!conv) {
                sh_error(sh, "printf: %%: invalid directive");
                sb_free(&b);
                return 1;
            }
            const char *arg = ai < argc ? argv[ai++] : NULL;
            if (arg)
                used = 1;
            char tmp[512];
            switch (conv) {
            case 's':
            case 'b': {
                const char *v = arg ? arg : "";
                char *conv_str = NULL;
                if (conv == 'b') {
                    struct sbuf e = {0};
                    for (const char *p = v; *p; p++) {
                        if (*p != '\\') {
                            sb_putc(&e, *p);
                            continue;
                        }
                        int n = escape(p + 1, &e, 1);
                        if (n < 0) {
                            conv_str = sb_take(&e);
                            /* \c: stop all output */
                            spec[k++] = 's';
                            spec[k] = 0;
                            char *o;
                            asprintf(&o, spec, conv_str);
                            sb_puts(&b, o);
                            free(o);
                            free(conv_str);
                            goto done;
                        }
                        p += n;
                    }
                    conv_str = sb_take(&e);
                    v = conv_str;
                }
                spec[k++] = 's';
                spec[k] = 0;
                char *o;
                if (asprintf(&o, spec, v) >= 0) {
                    sb_puts(&b, o);
                    free(o);
                }
                free(conv_str);
                break;
            }
            case 'c':
                spec[k++] = 'c';
                spec[k] = 0;
                snprintf(tmp, sizeof tmp, spec, arg && arg[0] ? arg[0] : 0);
                if (arg && arg[0])
                    sb_puts(&b, tmp);
                else if (k > 2)
                    sb_puts(&b, tmp); /* padding only */
                break;
            case 'd':
            case 'i': {
                long v;
                printf_number(sh, arg, &v, &err);
                spec[k++] = 'l';
                spec[k++] = 'd';
                spec[k] = 0;
                snprintf(tmp, sizeof tmp, spec, v);
                sb_puts(&b, tmp);
                break;
            }
            case 'u':
            case 'x':
            case 'X':
            case 'o': {
                long v;
                printf_number(sh, arg, &v, &err);
                spec[k++] = 'l';
                spec[k++] = conv;
                spec[k] = 0;
                snprintf(tmp, sizeof tmp, spec, (unsigned long)v);
                sb_puts(&b, tmp);
                break;
            }
            case 'e':
            case 'E':
            case 'f':
            case 'F':
            case 'g':
            case 'G': {
                double v = 0;
                if (arg) {
                    char *end;
                    v = strtod(arg, &end);
                    if (end == arg || *end) {
                        sh_error(sh, "printf: %s: %s", arg,
                                 end == arg ? "expected numeric value"
                                            : "not completely converted");
                        err = 1;
                    }
                }
                spec[k++] = conv;
                spec[k] = 0;
                snprintf(tmp, sizeof tmp, spec, v);
                sb_puts(&b, tmp);
                break;
            }
            default:
                sh_error(sh, "printf: %%%c: invalid directive", conv);
                sb_free(&b);
                return 1;
            }
        }
        if (!used)
            break;
    }
done:
    if (out_sbuf(&b))
        return 1;
    return err;
}

/* ---- test / [ ---- */

struct testp {
    struct vsh *sh;
    char **av;
    int n, i;
    int err;
};

static int t_expr(struct testp *t);

static int file_test(char op, const char *path)
{
    struct stat st;
    if (op == 'h' || op == 'L')
        return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
    if (op == 't') {
        long fd;
        return parse_int(path, &fd) == 0 && isatty((int)fd);
    }
    if (stat(path, &st) < 0)
        return 0;
    switch (op) {
    case 'e':
        return 1;
    case 'f':
        return S_ISREG(st.st_mode);
    case 'd':
        return S_ISDIR(st.st_mode);
    case 'b':
        return S_ISBLK(st.st_mode);
    case 'c':
        return S_ISCHR(st.st_mode);
    case 'p':
        return S_ISFIFO(st.st_mode);
    case 'S':
        return S_ISSOCK(st.st_mode);
    case 's':
        return st.st_size > 0;
    case 'r':
        return access(path, R_OK) == 0;
    case 'w':
        return access(path, W_OK) == 0;
    case 'x':
        return access(path, X_OK) == 0;
    case 'u':
        return (st.st_mode & 04000) != 0;
    case 'g':
        return (st.st_mode & 02000) != 0;
    case 'k':
        return (st.st_mode & 01000) != 0;
    }
    return 0;
}

static int is_unary(const char *s)
{
    return s[0] == '-' && s[1] && !s[2] && strchr("bcdefghkLnprsStuwxz", s[1]);
}

static int is_binary(const char *s)
{
    static const char *const ops[] = {"=",   "!=",  "==",  "-eq", "-ne", "-lt", "-le",
                                      "-gt", "-ge", "-nt", "-ot", "-ef", "<",   ">"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(s, ops[i]))
            return 1;
    return 0;
}

static int t_number(struct testp *t, const char *s, long *v)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (parse_int(s, v) < 0) {
        sh_error(t->sh, "test: %s: bad number", s);
        t->err = 1;
        return -1;
    }
    return 0;
}

static int t_binary(struct testp *t, const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "=") || !strcmp(op, "=="))
        return !strcmp(a, b);
    if (!strcmp(op, "!="))
        return strcmp(a, b) != 0;
    if (!strcmp(op, "<"))
        return strcmp(a, b) < 0;
    if (!strcmp(op, ">"))
        return strcmp(a, b) > 0;
    if (!strcmp(op, "-nt") || !strcmp(op, "-ot") || !strcmp(op, "-ef")) {
        struct stat sa, sb;
        int ha = stat(a, &sa) == 0, hb = stat(b, &sb) == 0;
        if (!strcmp(op, "-ef"))
            return ha && hb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
        long ta = ha ? sa.st_mtim.tv_sec * 1000000000L + sa.st_mtim.tv_nsec : 0;
        long tb = hb ? sb.st_mtim.tv_sec * 1000000000L + sb.st_mtim.tv_nsec : 0;
        if (!strcmp(op, "-nt"))
            return ha && (!hb || ta > tb);
        return hb && (!ha || ta < tb);
    }
    long x, y;
    if (t_number(t, a, &x) < 0 || t_number(t, b, &y) < 0)
        return 0;
    if (!strcmp(op, "-eq"))
        return x == y;
    if (!strcmp(op, "-ne"))
        return x != y;
    if (!strcmp(op, "-lt"))
        return x < y;
    if (!strcmp(op, "-le"))
        return x <= y;
    if (!strcmp(op, "-gt"))
        return x > y;
    return x >= y;
}

static const char *t_next(struct testp *t)
{
    return t->i < t->n ? t->av[t->i++] : NULL;
}

static int t_primary(struct testp *t)
{
    const char *a = t_next(t);
    if (!a) {
        sh_error(t->sh, "test: argument expected");
        t->err = 1;
        return 0;
    }
    if (!strcmp(a, "!"))
        return !t_primary(t);
    if (!strcmp(a, "(") && t->i < t->n) {
        int v = t_expr(t);
        const char *c = t_next(t);
        if (!c || strcmp(c, ")")) {
            sh_error(t->sh, "test: closing paren expected");
            t->err = 1;
        }
        return v;
    }
    if (t->i + 1 < t->n + 1 && t->i < t->n && is_binary(t->av[t->i]) && t->i + 1 < t->n) {
        const char *op = t_next(t);
        const char *b = t_next(t);
        return t_binary(t, a, op, b);
    }
    if (is_unary(a) && t->i < t->n) {
        const char *x = t_next(t);
        if (a[1] == 'n')
            return x[0] != 0;
        if (a[1] == 'z')
            return x[0] == 0;
        return file_test(a[1], x);
    }
    return a[0] != 0;
}

static int t_and(struct testp *t)
{
    int v = t_primary(t);
    while (!t->err && t->i < t->n && !strcmp(t->av[t->i], "-a")) {
        t->i++;
        int w = t_primary(t);
        v = v && w;
    }
    return v;
}

static int t_expr(struct testp *t)
{
    int v = t_and(t);
    while (!t->err && t->i < t->n && !strcmp(t->av[t->i], "-o")) {
        t->i++;
        int w = t_and(t);
        v = v || w;
    }
    return v;
}

/* POSIX's rules by argument count first, then the general grammar */
static int test_eval(struct testp *t)
{
    char **a = t->av;
    switch (t->n) {
    case 0:
        return 0;
    case 1:
        return a[0][0] != 0;
    case 2:
        if (!strcmp(a[0], "!"))
            return a[1][0] == 0;
        if (is_unary(a[0])) {
            t->i = 0;
            return t_primary(t);
        }
        sh_error(t->sh, "test: %s: unexpected operator", a[0]);
        t->err = 1;
        return 0;
    case 3:
        if (is_binary(a[1]))
            return t_binary(t, a[0], a[1], a[2]);
        if (!strcmp(a[0], "!")) {
            struct testp u = {.sh = t->sh, .av = a + 1, .n = 2};
            int v = !test_eval(&u);
            t->err = u.err;
            return v;
        }
        if (!strcmp(a[0], "(") && !strcmp(a[2], ")"))
            return a[1][0] != 0;
        break;
    case 4:
        if (!strcmp(a[0], "!")) {
            struct testp u = {.sh = t->sh, .av = a + 1, .n = 3};
            int v = !test_eval(&u);
            t->err = u.err;
            return v;
        }
        break;
    }
    t->i = 0;
    int v = t_expr(t);
    if (!t->err && t->i < t->n) {
        sh_error(t->sh, "test: %s: unexpected operator", t->av[t->i]);
        t->err = 1;
    }
    return v;
}

static int bi_test(struct vsh *sh, int argc, char **argv)
{
    int n = argc - 1;
    if (!strcmp(argv[0], "[")) {
        if (n < 1 || strcmp(argv[argc - 1], "]")) {
            sh_error(sh, "[: missing ]");
            return 2;
        }
        n--;
    }
    struct testp t = {.sh = sh, .av = argv + 1, .n = n};
    int v = test_eval(&t);
    if (t.err)
        return 2;
    return !v;
}

/* ---- variables ---- */

static int print_vars(struct vsh *sh, int flag, const char *prefix)
{
    /* sorted by name */
    int n = 0;
    for (struct var *v = sh->vars; v; v = v->next)
        n++;
    struct var **arr = vsh_alloc((size_t)(n + 1) * sizeof *arr);
    int k = 0;
    for (struct var *v = sh->vars; v; v = v->next)
        if (!flag || (v->flags & flag))
            arr[k++] = v;
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && strcmp(arr[j - 1]->name, arr[j]->name) > 0; j--) {
            struct var *t = arr[j];
            arr[j] = arr[j - 1];
            arr[j - 1] = t;
        }
    struct sbuf b = {0};
    for (int i = 0; i < k; i++) {
        if (!prefix && !arr[i]->value)
            continue;
        if (prefix) {
            sb_puts(&b, prefix);
            sb_putc(&b, ' ');
        }
        sb_puts(&b, arr[i]->name);
        if (arr[i]->value) {
            sb_putc(&b, '=');
            quote_value(&b, arr[i]->value);
        }
        sb_putc(&b, '\n');
    }
    free(arr);
    return out_sbuf(&b);
}

static int set_attr(struct vsh *sh, int argc, char **argv, int flag, const char *what)
{
    int i = 1;
    if (i < argc && !strcmp(argv[i], "-p"))
        return print_vars(sh, flag, what);
    if (argc == 1)
        return print_vars(sh, flag, what);
    int rc = 0;
    for (; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        if (!valid_name(argv[i], n)) {
            sh_error(sh, "%s: %s: bad variable name", what, argv[i]);
            return special_error(sh, 2);
        }
        char *name = vsh_strndup(argv[i], n);
        if (var_set(sh, name, eq ? eq + 1 : NULL, flag) < 0)
            rc = special_error(sh, 2);
        free(name);
        if (rc)
            return rc;
    }
    return rc;
}

static int bi_export(struct vsh *sh, int argc, char **argv)
{
    return set_attr(sh, argc, argv, V_EXPORT, "export");
}

static int bi_readonly(struct vsh *sh, int argc, char **argv)
{
    return set_attr(sh, argc, argv, V_RDONLY, "readonly");
}

static int bi_local(struct vsh *sh, int argc, char **argv)
{
    if (!sh->func_depth) {
        sh_error(sh, "local: not in a function");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        if (!valid_name(argv[i], n)) {
            sh_error(sh, "local: %s: bad variable name", argv[i]);
            return 2;
        }
        char *name = vsh_strndup(argv[i], n);
        int rc = local_var(sh, name, eq ? eq + 1 : NULL);
        free(name);
        if (rc < 0)
            return 1;
    }
    return 0;
}

static int bi_unset(struct vsh *sh, int argc, char **argv)
{
    int i = 1, funcs = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-f"))
            funcs = 1;
        else if (!strcmp(argv[i], "-v"))
            funcs = 0;
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else {
            sh_error(sh, "unset: %s: bad option", argv[i]);
            return special_error(sh, 2);
        }
    }
    int rc = 0;
    for (; i < argc; i++) {
        if (funcs) {
            for (struct func **pp = &sh->funcs; *pp; pp = &(*pp)->next)
                if (!strcmp((*pp)->name, argv[i])) {
                    struct func *f = *pp;
                    *pp = f->next;
                    func_release(f);
                    break;
                }
            continue;
        }
        if (var_unset(sh, argv[i]) < 0)
            rc = special_error(sh, 2);
    }
    return rc;
}

/* ---- control ---- */

static int bi_exit(struct vsh *sh, int argc, char **argv)
{
    long v = sh->status;
    if (argc > 1 && (parse_int(argv[1], &v) < 0 || v < 0)) {
        sh_error(sh, "exit: Illegal number: %s", argv[1]);
        return special_error(sh, 2);
    }
    raise_exit(sh, (int)(v & 0xff));
    return (int)(v & 0xff);
}

static int bi_return(struct vsh *sh, int argc, char **argv)
{
    long v = sh->status;
    if (argc > 1 && parse_int(argv[1], &v) < 0) {
        sh_error(sh, "return: Illegal number: %s", argv[1]);
        return special_error(sh, 2);
    }
    if (!sh->func_depth && !sh->cursrc) {
        return (int)(v & 0xff);
    }
    sh->unwind = U_RETURN;
    sh->status = (int)(v & 0xff);
    return sh->status;
}

static int loop_ctl(struct vsh *sh, int argc, char **argv, int kind)
{
    long n = 1;
    if (argc > 1 && (parse_int(argv[1], &n) < 0 || n < 1)) {
        sh_error(sh, "%s: Illegal number: %s", argv[0], argv[1]);
        return special_error(sh, 2);
    }
    if (!sh->loop_depth)
        return 0;
    if (n > sh->loop_depth)
        n = sh->loop_depth;
    sh->unwind = kind;
    sh->unwind_count = (int)n;
    return 0;
}

static int bi_break(struct vsh *sh, int argc, char **argv)
{
    return loop_ctl(sh, argc, argv, U_BREAK);
}

static int bi_continue(struct vsh *sh, int argc, char **argv)
{
    return loop_ctl(sh, argc, argv, U_CONTINUE);
}

static int bi_shift(struct vsh *sh, int argc, char **argv)
{
    long n = 1;
    if (argc > 1 && (parse_int(argv[1], &n) < 0 || n < 0)) {
        sh_error(sh, "shift: Illegal number: %s", argv[1]);
        return special_error(sh, 2);
    }
    if (n > sh->nparams) {
        sh_error(sh, "shift: can't shift that many");
        return special_error(sh, 2);
    }
    for (int i = 0; i < n; i++)
        free(sh->params[i]);
    memmove(sh->params, sh->params + n, (size_t)(sh->nparams - n + 1) * sizeof *sh->params);
    sh->nparams -= (int)n;
    return 0;
}

static int *opt_ptr(struct vsh *sh, char c)
{
    switch (c) {
    case 'e':
        return &sh->opt_e;
    case 'u':
        return &sh->opt_u;
    case 'x':
        return &sh->opt_x;
    case 'f':
        return &sh->opt_f;
    case 'n':
        return &sh->opt_n;
    case 'v':
        return &sh->opt_v;
    case 'C':
        return &sh->opt_C;
    case 'a':
        return &sh->opt_a;
    }
    return NULL;
}

static const struct {
    const char *name;
    char c;
} long_opts[] = {{"errexit", 'e'}, {"nounset", 'u'}, {"xtrace", 'x'},    {"noglob", 'f'},
                 {"noexec", 'n'},  {"verbose", 'v'}, {"noclobber", 'C'}, {"allexport", 'a'}};

static void set_params(struct vsh *sh, int n, char **v)
{
    char **p = vsh_alloc((size_t)(n + 1) * sizeof *p);
    for (int i = 0; i < n; i++)
        p[i] = vsh_strdup(v[i]);
    for (int i = 0; i < sh->nparams; i++)
        free(sh->params[i]);
    free(sh->params);
    sh->params = p;
    sh->nparams = n;
}

static int bi_set(struct vsh *sh, int argc, char **argv)
{
    if (argc == 1)
        return print_vars(sh, 0, NULL);
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            set_params(sh, argc - i, argv + i);
            return 0;
        }
        if ((a[0] != '-' && a[0] != '+') || !a[1]) {
            if (!strcmp(a, "-"))
                i++;
            break;
        }
        int on = a[0] == '-';
        for (const char *c = a + 1; *c; c++) {
            if (*c == 'o') {
                if (i + 1 >= argc) {
                    struct sbuf b = {0};
                    for (size_t k = 0; k < sizeof long_opts / sizeof long_opts[0]; k++) {
                        char line[64];
                        snprintf(line, sizeof line, "%-16s%s\n", long_opts[k].name,
                                 *opt_ptr(sh, long_opts[k].c) ? "on" : "off");
                        sb_puts(&b, line);
                    }
                    return out_sbuf(&b);
                }
                const char *name = argv[++i];
                size_t k;
                for (k = 0; k < sizeof long_opts / sizeof long_opts[0]; k++)
                    if (!strcmp(long_opts[k].name, name))
                        break;
                if (k == sizeof long_opts / sizeof long_opts[0]) {
                    sh_error(sh, "set: Illegal option -o %s", name);
                    return special_error(sh, 2);
                }
                *opt_ptr(sh, long_opts[k].c) = on;
                continue;
            }
            int *p = opt_ptr(sh, *c);
            if (!p) {
                sh_error(sh, "set: Illegal option %c%c", a[0], *c);
                return special_error(sh, 2);
            }
            *p = on;
        }
    }
    if (i < argc)
        set_params(sh, argc - i, argv + i);
    return 0;
}

/* ---- read ---- */

static int bi_read(struct vsh *sh, int argc, char **argv)
{
    int raw = 0, i = 1;
    const char *prompt = NULL;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        for (const char *c = argv[i] + 1; *c; c++) {
            if (*c == 'r')
                raw = 1;
            else if (*c == 'p' && i + 1 < argc) {
                prompt = argv[++i];
                break;
            } else {
                sh_error(sh, "read: Illegal option -%c", *c);
                return 2;
            }
        }
    }
    if (i >= argc) {
        sh_error(sh, "read: arg count");
        return 2;
    }
    if (prompt && isatty(0))
        out_str(2, prompt);
    /* the line, a byte at a time: what follows stays for the next reader */
    struct sbuf line = {0};
    struct sbuf mask = {0}; /* 1: escaped (not a separator) */
    int eof = 0;
    for (;;) {
        char c;
        ssize_t r = read(0, &c, 1);
        if (r <= 0) {
            eof = 1;
            break;
        }
        if (c == '\n')
            break;
        if (c == '\\' && !raw) {
            r = read(0, &c, 1);
            if (r <= 0) {
                eof = 1;
                break;
            }
            if (c == '\n')
                continue;
            sb_putc(&line, c);
            sb_putc(&mask, 1);
            continue;
        }
        sb_putc(&line, c);
        sb_putc(&mask, 0);
    }
    const char *ifs = var_get(sh, "IFS");
    if (!ifs)
        ifs = " \t\n";
    const char *s = line.s ? line.s : "";
    const char *m = mask.s ? mask.s : "";
    size_t n = line.len, p = 0;
#define IS_IFS(k) (!m[k] && s[k] && strchr(ifs, s[k]))
#define IS_WS(k) (IS_IFS(k) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
    while (p < n && IS_WS(p))
        p++;
    int rc = 0;
    for (; i < argc; i++) {
        if (!valid_name(argv[i], strlen(argv[i]))) {
            sh_error(sh, "read: %s: bad variable name", argv[i]);
            rc = 2;
            break;
        }
        size_t start = p, end;
        if (i == argc - 1) {
            /* the rest, trailing IFS whitespace removed */
            end = n;
            while (end > start && IS_WS(end - 1))
                end--;
            /* a single trailing non-whitespace separator goes too */
            p = n;
        } else {
            while (p < n && !IS_IFS(p))
                p++;
            end = p;
            /* skip the separator: whitespace, one non-whitespace, whitespace */
            while (p < n && IS_WS(p))
                p++;
            if (p < n && IS_IFS(p) && !IS_WS(p))
                p++;
            while (p < n && IS_WS(p))
                p++;
        }
        char *v = vsh_strndup(s + start, end - start);
        if (var_set(sh, argv[i], v, 0) < 0)
            rc = 2;
        free(v);
    }
#undef IS_IFS
#undef IS_WS
    sb_free(&line);
    sb_free(&mask);
    if (rc)
        return rc;
    return eof ? 1 : 0;
}

/* ---- cd, pwd, umask ---- */

static int bi_cd(struct vsh *sh, int argc, char **argv)
{
    int i = 1;
    while (i < argc && (!strcmp(argv[i], "-L") || !strcmp(argv[i], "-P")))
        i++;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    const char *dir = i < argc ? argv[i] : var_get(sh, "HOME");
    int print = 0;
    if (!dir || !*dir) {
        sh_error(sh, "cd: HOME not set");
        return 1;
    }
    if (!strcmp(dir, "-")) {
        dir = var_get(sh, "OLDPWD");
        if (!dir) {
            sh_error(sh, "cd: OLDPWD not set");
            return 1;
        }
        print = 1;
    }
    char *target = NULL;
    const char *cdpath = var_get(sh, "CDPATH");
    if (cdpath && dir[0] != '/' && strncmp(dir, "./", 2) && strncmp(dir, "../", 3) &&
        strcmp(dir, ".") && strcmp(dir, "..")) {
        const char *p = cdpath;
        for (;;) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char *cand = vsh_alloc(n + strlen(dir) + 2);
            if (n) {
                memcpy(cand, p, n);
                cand[n] = '/';
                strcpy(cand + n + 1, dir);
            } else {
                strcpy(cand, dir);
            }
            struct stat st;
            if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
                target = cand;
                if (n)
                    print = 1;
                break;
            }
            free(cand);
            if (!e)
                break;
            p = e + 1;
        }
    }
    if (!target)
        target = vsh_strdup(dir);
    if (chdir(target) < 0) {
        sh_error(sh, "cd: can't cd to %s", dir);
        free(target);
        return 2;
    }
    free(target);
    char buf[1024];
    const char *old = var_get(sh, "PWD");
    if (old)
        var_set(sh, "OLDPWD", old, 0);
    if (getcwd(buf, sizeof buf))
        var_set(sh, "PWD", buf, 0);
    if (print) {
        out_str(1, buf);
        out_str(1, "\n");
    }
    return 0;
}

static int bi_pwd(struct vsh *sh, int argc, char **argv)
{
    (void)argc, (void)argv;
    char buf[1024];
    if (!getcwd(buf, sizeof buf)) {
        sh_error(sh, "pwd: %s", strerror(errno));
        return 1;
    }
    out_str(1, buf);
    out_str(1, "\n");
    return 0;
}

static int bi_umask(struct vsh *sh, int argc, char **argv)
{
    int i = 1, sym = 0;
    if (i < argc && !strcmp(argv[i], "-S")) {
        sym = 1;
        i++;
    }
    if (i >= argc) {
        mode_t m = umask(022);
        umask(m);
        char buf[64];
        if (sym) {
            mode_t p = ~m & 0777;
            char u[4], g[4], o[4];
            const mode_t bits[3][3] = {{0400, 0200, 0100}, {040, 020, 010}, {04, 02, 01}};
            char *outs[3] = {u, g, o};
            for (int w = 0; w < 3; w++) {
                int k = 0;
                if (p & bits[w][0])
                    outs[w][k++] = 'r';
                if (p & bits[w][1])
                    outs[w][k++] = 'w';
                if (p & bits[w][2])
                    outs[w][k++] = 'x';
                outs[w][k] = 0;
            }
            snprintf(buf, sizeof buf, "u=%s,g=%s,o=%s\n", u, g, o);
        } else {
            snprintf(buf, sizeof buf, "%04o\n", (unsigned)m);
        }
        out_str(1, buf);
        return 0;
    }
    char *end;
    long v = strtol(argv[i], &end, 8);
    if (*end || v < 0 || v > 0777) {
        sh_error(sh, "umask: Illegal mode: %s", argv[i]);
        return 2;
    }
    umask((mode_t)v);
    return 0;
}

/* ---- eval, ., exec, command, type ---- */

static int bi_eval(struct vsh *sh, int argc, char **argv)
{
    struct sbuf b = {0};
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            sb_putc(&b, ' ');
        sb_puts(&b, argv[i]);
    }
    char *text = sb_take(&b);
    int rc = exec_string(sh, text, "eval");
    free(text);
    return rc;
}

static char *read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct sbuf b = {0};
    char buf[4096];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        sb_putn(&b, buf, (size_t)r);
    close(fd);
    return sb_take(&b);
}

static int bi_dot(struct vsh *sh, int argc, char **argv)
{
    if (argc < 2) {
        sh_error(sh, ".: filename argument required");
        return special_error(sh, 2);
    }
    char *path = NULL;
    if (strchr(argv[1], '/')) {
        path = vsh_strdup(argv[1]);
    } else {
        const char *p = var_get(sh, "PATH");
        while (p) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char *cand = vsh_alloc(n + strlen(argv[1]) + 3);
            snprintf(cand, n + strlen(argv[1]) + 3, "%.*s/%s", (int)(n ? n : 1), n ? p : ".",
                     argv[1]);
            struct stat st;
            if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
                path = cand;
                break;
            }
            free(cand);
            p = e ? e + 1 : NULL;
        }
    }
    char *text = path ? read_file(path) : NULL;
    free(path);
    if (!text) {
        sh_error(sh, ".: cannot open %s: No such file", argv[1]);
        return special_error(sh, 2);
    }
    struct src s;
    src_init_string(&s, text);
    free(text);
    char **oldp = NULL;
    int oldn = 0;
    if (argc > 2) {
        oldp = sh->params;
        oldn = sh->nparams;
        sh->params = vsh_alloc((size_t)(argc - 1) * sizeof *sh->params);
        for (int i = 2; i < argc; i++)
            sh->params[i - 2] = vsh_strdup(argv[i]);
        sh->nparams = argc - 2;
    }
    sh->status = 0;
    sh->func_depth++; /* `return` ends the file */
    run_src(sh, &s);
    sh->func_depth--;
    if (sh->unwind == U_RETURN)
        sh->unwind = U_NONE;
    free(s.buf);
    if (oldp) {
        for (int i = 0; i < sh->nparams; i++)
            free(sh->params[i]);
        free(sh->params);
        sh->params = oldp;
        sh->nparams = oldn;
    }
    return sh->status;
}

/* exec and command: a builtin or a program, never a function */
static int run_argv(struct vsh *sh, int argc, char **argv)
{
    const struct builtin *b = builtin_find(argv[0]);
    if (b)
        return b->fn(sh, argc, argv);
    int perm;
    char *path = find_in_path(sh, argv[0], &perm);
    if (perm) {
        sh_error(sh, "%s: %s", argv[0], perm == 126 ? "Permission denied" : "not found");
        free(path);
        return perm;
    }
    char **env = var_environ(sh);
    int st = 0;
    long pid = spawn_program(sh, path, argv, env, &st, 0);
    env_free(env);
    free(path);
    if (pid < 0)
        return st;
    return wait_child(sh, pid);
}

static int bi_exec(struct vsh *sh, int argc, char **argv)
{
    if (argc == 1)
        return 0; /* the redirections stay (exec.c) */
    if (!sh->subshell_depth && !builtin_find(argv[1])) {
        int perm;
        char *path = find_in_path(sh, argv[1], &perm);
        if (perm) {
            sh_error(sh, "exec: %s: %s", argv[1], perm == 126 ? "Permission denied" : "not found");
            free(path);
            raise_exit(sh, perm);
            return perm;
        }
        char **env = var_environ(sh);
        exec_replace(sh, path, argv + 1, env);
        /* not a boot-image program (a script): run it and leave with its status */
        env_free(env);
        free(path);
    }
    int st = run_argv(sh, argc - 1, argv + 1);
    raise_exit(sh, st);
    return st;
}

static const char *const keywords[] = {"if",   "then",  "else",  "elif", "fi", "do", "done", "case",
                                       "esac", "while", "until", "for",  "{",  "}",  "!",    "in"};

static int describe(struct vsh *sh, const char *name, int verbose)
{
    char buf[600];
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (!strcmp(name, keywords[i])) {
            snprintf(buf, sizeof buf, verbose ? "%s is a shell keyword\n" : "%s\n", name);
            out_str(1, buf);
            return 0;
        }
    for (struct alias *a = sh->aliases; a; a = a->next)
        if (!strcmp(a->name, name)) {
            if (verbose)
                snprintf(buf, sizeof buf, "%s is an alias for %s\n", name, a->value);
            else
                snprintf(buf, sizeof buf, "alias %s='%s'\n", name, a->value);
            out_str(1, buf);
            return 0;
        }
    if (func_find(sh, name)) {
        snprintf(buf, sizeof buf, verbose ? "%s is a shell function\n" : "%s\n", name);
        out_str(1, buf);
        return 0;
    }
    const struct builtin *b = builtin_find(name);
    if (b) {
        snprintf(buf, sizeof buf,
                 verbose
                     ? (b->special ? "%s is a special shell builtin\n" : "%s is a shell builtin\n")
                     : "%s\n",
                 name);
        out_str(1, buf);
        return 0;
    }
    int perm;
    char *path = find_in_path(sh, name, &perm);
    if (!perm && path) {
        snprintf(buf, sizeof buf, verbose ? "%s is %s\n" : "%s\n", verbose ? name : path, path);
        out_str(1, buf);
        free(path);
        return 0;
    }
    free(path);
    if (verbose) {
        snprintf(buf, sizeof buf, "%s: not found\n", name);
        out_str(1, buf);
    }
    return 127;
}

static int bi_command(struct vsh *sh, int argc, char **argv)
{
    int i = 1, v = 0, V = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        for (const char *c = argv[i] + 1; *c; c++) {
            if (*c == 'v')
                v = 1;
            else if (*c == 'V')
                V = 1;
            else if (*c != 'p') {
                sh_error(sh, "command: Illegal option -%c", *c);
                return 2;
            }
        }
    }
    if (i >= argc)
        return 0;
    if (v || V) /* one name, as POSIX and dash */
        return describe(sh, argv[i], V) ? 127 : 0;
    return run_argv(sh, argc - i, argv + i);
}

static int bi_type(struct vsh *sh, int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        if (describe(sh, argv[i], 1))
            rc = 127;
    return rc;
}

/* ---- traps ---- */

static int bi_trap(struct vsh *sh, int argc, char **argv)
{
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc || (argc - i == 1 && !strcmp(argv[i], "-p"))) {
        struct sbuf b = {0};
        for (int s = 0; s < VSH_NSIG; s++) {
            if (!sh->traps[s])
                continue;
            sb_puts(&b, "trap -- ");
            quote_value(&b, sh->traps[s]);
            sb_putc(&b, ' ');
            sb_puts(&b, sig_name(s) ? sig_name(s) : "?");
            sb_putc(&b, '\n');
        }
        return out_sbuf(&b);
    }
    const char *action = argv[i];
    long dummy;
    if (parse_int(action, &dummy) == 0) {
        action = "-"; /* trap N...: reset */
    } else {
        i++;
    }
    int rc = 0;
    for (; i < argc; i++) {
        int s = sig_number(argv[i]);
        if (s < 0 || trap_install(sh, s, !strcmp(action, "-") ? NULL : action) < 0) {
            sh_error(sh, "trap: %s: bad trap", argv[i]);
            rc = 1;
            continue;
        }
    }
    return rc;
}

/* ---- aliases, history, getopts ---- */

static int bi_alias(struct vsh *sh, int argc, char **argv)
{
    struct sbuf b = {0};
    int rc = 0;
    if (argc == 1) {
        for (struct alias *a = sh->aliases; a; a = a->next) {
            sb_puts(&b, a->name);
            sb_putc(&b, '=');
            quote_value(&b, a->value);
            sb_putc(&b, '\n');
        }
        return out_sbuf(&b);
    }
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            struct alias *a;
            for (a = sh->aliases; a; a = a->next)
                if (!strcmp(a->name, argv[i]))
                    break;
            if (!a) {
                sh_error(sh, "alias: %s not found", argv[i]);
                rc = 1;
                continue;
            }
            sb_puts(&b, a->name);
            sb_putc(&b, '=');
            quote_value(&b, a->value);
            sb_putc(&b, '\n');
            continue;
        }
        char *name = vsh_strndup(argv[i], (size_t)(eq - argv[i]));
        struct alias *a;
        for (a = sh->aliases; a; a = a->next)
            if (!strcmp(a->name, name))
                break;
        if (!a) {
            a = vsh_alloc(sizeof *a);
            a->name = name;
            a->next = sh->aliases;
            sh->aliases = a;
        } else {
            free(name);
            free(a->value);
        }
        a->value = vsh_strdup(eq + 1);
    }
    if (out_sbuf(&b))
        return 1;
    return rc;
}

static int bi_unalias(struct vsh *sh, int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-a")) {
            while (sh->aliases) {
                struct alias *n = sh->aliases->next;
                free(sh->aliases->name);
                free(sh->aliases->value);
                free(sh->aliases);
                sh->aliases = n;
            }
            continue;
        }
        struct alias **pp;
        for (pp = &sh->aliases; *pp; pp = &(*pp)->next)
            if (!strcmp((*pp)->name, argv[i]))
                break;
        if (!*pp) {
            sh_error(sh, "unalias: %s not found", argv[i]);
            rc = 1;
            continue;
        }
        struct alias *a = *pp;
        *pp = a->next;
        free(a->name);
        free(a->value);
        free(a);
    }
    return rc;
}

static int bi_history(struct vsh *sh, int argc, char **argv)
{
    (void)argc, (void)argv;
    struct sbuf b = {0};
    for (int i = 0; i < sh->nhistory; i++) {
        char num[32];
        snprintf(num, sizeof num, "%5d  ", i + 1);
        sb_puts(&b, num);
        sb_puts(&b, sh->history[i]);
        sb_putc(&b, '\n');
    }
    return out_sbuf(&b);
}

static int bi_getopts(struct vsh *sh, int argc, char **argv)
{
    if (argc < 3) {
        sh_error(sh, "getopts: usage: getopts optstring var [arg...]");
        return 2;
    }
    const char *optstr = argv[1];
    const char *name = argv[2];
    char **args = argc > 3 ? argv + 3 : sh->params;
    int nargs = argc > 3 ? argc - 3 : sh->nparams;
    const char *oi = var_get(sh, "OPTIND");
    long optind = 1;
    if (oi)
        parse_int(oi, &optind);
    if (optind < 1)
        optind = 1;
    /* the position inside a cluster of options is kept in a private variable */
    const char *op = var_get(sh, "_VSH_OPTPOS");
    long pos = 0;
    if (op)
        parse_int(op, &pos);
    char tmp[32];
    int silent = optstr[0] == ':';
    if (silent)
        optstr++;
    if (optind > nargs || (pos == 0 && (args[optind - 1][0] != '-' || !args[optind - 1][1] ||
                                        !strcmp(args[optind - 1], "--")))) {
        if (optind <= nargs && !strcmp(args[optind - 1], "--"))
            optind++;
        snprintf(tmp, sizeof tmp, "%ld", optind);
        var_set(sh, "OPTIND", tmp, 0);
        var_set(sh, name, "?", 0);
        var_unset(sh, "_VSH_OPTPOS");
        return 1;
    }
    const char *arg = args[optind - 1];
    if (pos == 0)
        pos = 1;
    char c = arg[pos];
    const char *spec = strchr(optstr, c);
    int rc = 0;
    pos++;
    if (!spec || c == ':') {
        char o[2] = {c, 0};
        if (silent) {
            var_set(sh, "OPTARG", o, 0);
        } else {
            sh_error(sh, "Illegal option -%c", c);
            var_unset(sh, "OPTARG");
        }
        var_set(sh, name, "?", 0);
    } else if (spec[1] == ':') {
        if (arg[pos]) {
            var_set(sh, "OPTARG", arg + pos, 0);
            optind++;
            pos = 0;
        } else if (optind < nargs) {
            var_set(sh, "OPTARG", args[optind], 0);
            optind += 2;
            pos = 0;
        } else {
            char o[2] = {c, 0};
            if (silent) {
                var_set(sh, name, ":", 0);
                var_set(sh, "OPTARG", o, 0);
            } else {
                sh_error(sh, "No arg for -%c option", c);
                var_set(sh, name, "?", 0);
                var_unset(sh, "OPTARG");
            }
            optind++;
            pos = 0;
            goto store;
        }
        char o[2] = {c, 0};
        var_set(sh, name, o, 0);
    } else {
        char o[2] = {c, 0};
        var_set(sh, name, o, 0);
        var_unset(sh, "OPTARG");
    }
    if (pos && !arg[pos]) {
        optind++;
        pos = 0;
    }
store:
    snprintf(tmp, sizeof tmp, "%ld", optind);
    var_set(sh, "OPTIND", tmp, 0);
    snprintf(tmp, sizeof tmp, "%ld", pos);
    var_set(sh, "_VSH_OPTPOS", tmp, 0);
    return rc;
}

static const struct builtin builtins[] = {
    {".", bi_dot, 1},
    {":", bi_true, 1},
    {"[", bi_test, 0},
    {"alias", bi_alias, 0},
    {"break", bi_break, 1},
    {"cd", bi_cd, 0},
    {"command", bi_command, 0},
    {"continue", bi_continue, 1},
    {"echo", bi_echo, 0},
    {"eval", bi_eval, 1},
    {"exec", bi_exec, 1},
    {"exit", bi_exit, 1},
    {"export", bi_export, 1},
    {"false", bi_false, 0},
    {"getopts", bi_getopts, 0},
    {"history", bi_history, 0},
    {"local", bi_local, 0},
    {"printf", bi_printf, 0},
    {"pwd", bi_pwd, 0},
    {"read", bi_read, 0},
    {"readonly", bi_readonly, 1},
    {"return", bi_return, 1},
    {"set", bi_set, 1},
    {"shift", bi_shift, 1},
    {"test", bi_test, 0},
    {"trap", bi_trap, 1},
    {"true", bi_true, 0},
    {"type", bi_type, 0},
    {"umask", bi_umask, 0},
    {"unalias", bi_unalias, 0},
    {"unset", bi_unset, 1},
};

const struct builtin *builtin_find(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (!strcmp(builtins[i].name, name))
            return &builtins[i];
    for (const struct builtin *j = job_builtins; j->name; j++)
        if (!strcmp(j->name, name))
            return j;
    return NULL;
}
