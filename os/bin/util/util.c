/*
 * os/bin/util: helpers shared by the utilities (see util.h for the contract).
 */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *prog = "?";

void util_init(char **argv)
{
    if (argv && argv[0]) {
        const char *s = strrchr(argv[0], '/');
        prog = s ? s + 1 : argv[0];
    }
}

const char *util_name(void)
{
    return prog;
}

static void vwarn(const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void util_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

void util_warn_errno(const char *what)
{
    int e = errno;
    util_warn("%s: %s", what, strerror(e));
}

void util_die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    exit(status);
}

void util_usage(int status, const char *args)
{
    fflush(stdout);
    fprintf(stderr, "usage: %s %s\n", prog, args);
    exit(status);
}

int util_parse_long(const char *s, int base, long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long v = strtol(s, &end, base);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static const char *const signames[] = {
    [1] = "HUP",   [2] = "INT",     [3] = "QUIT",  [4] = "ILL",     [5] = "TRAP",  [6] = "ABRT",
    [7] = "BUS",   [8] = "FPE",     [9] = "KILL",  [10] = "USR1",   [11] = "SEGV", [12] = "USR2",
    [13] = "PIPE", [14] = "ALRM",   [15] = "TERM", [16] = "STKFLT", [17] = "CHLD", [18] = "CONT",
    [19] = "STOP", [20] = "TSTP",   [21] = "TTIN", [22] = "TTOU",   [23] = "URG",  [24] = "XCPU",
    [25] = "XFSZ", [26] = "VTALRM", [27] = "PROF", [28] = "WINCH",  [29] = "IO",   [30] = "PWR",
    [31] = "SYS",
};

const char *util_signame(int sig)
{
    if (sig > 0 && sig < (int)(sizeof signames / sizeof signames[0]))
        return signames[sig];
    return NULL;
}

int util_signum(const char *name)
{
    long n;
    if (!util_parse_long(name, 10, &n))
        return n >= 0 && n < 65 ? (int)n : -1;
    if (!strncasecmp(name, "SIG", 3))
        name += 3;
    for (int i = 1; i < (int)(sizeof signames / sizeof signames[0]); i++)
        if (!strcasecmp(name, signames[i]))
            return i;
    if (!strcasecmp(name, "IOT"))
        return 6;
    if (!strcasecmp(name, "POLL"))
        return 29;
    return -1;
}

int util_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int util_copy_fd(int in, int out)
{
    static char buf[16384];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return 0;
        if (util_write_all(out, buf, (size_t)n))
            return -1;
    }
}

char *util_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl && dir[dl - 1] != '/';
    char *p = malloc(dl + slash + nl + 1);
    if (!p)
        util_die(1, "out of memory");
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

char *util_target(const char *dest, int dest_dir, const char *src)
{
    if (!dest_dir) {
        char *p = strdup(dest);
        if (!p)
            util_die(1, "out of memory");
        return p;
    }
    size_t len = strlen(src);
    while (len > 1 && src[len - 1] == '/')
        len--;
    const char *s = src + len;
    while (s > src && s[-1] != '/')
        s--;
    return util_join(dest, s);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **util_dir_names(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n + 1 >= cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                util_free_names(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        v[n] = strdup(e->d_name);
        v[++n] = NULL;
    }
    closedir(d);
    if (!v) {
        errno = ENOMEM;
        return NULL;
    }
    v[n] = NULL;
    qsort(v, n, sizeof *v, cmp_names);
    if (count)
        *count = n;
    return v;
}

void util_free_names(char **names)
{
    if (!names)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

static int walk(const char *path, const struct stat *st, int depth, util_walk_fn fn, void *arg)
{
    int rc = fn(path, st, UTIL_PRE, depth, arg);
    if (rc < 0)
        return rc;
    if (rc == 1 || !S_ISDIR(st->st_mode))
        return 0;
    char **names = util_dir_names(path, NULL);
    if (!names) {
        rc = fn(path, st, UTIL_ERR, depth, arg);
        if (rc < 0)
            return rc;
    } else {
        for (char **n = names; *n; n++) {
            char *child = util_join(path, *n);
            struct stat cst;
            if (lstat(child, &cst)) {
                rc = fn(child, NULL, UTIL_ERR, depth + 1, arg);
            } else {
                rc = walk(child, &cst, depth + 1, fn, arg);
            }
            free(child);
            if (rc < 0) {
                util_free_names(names);
                return rc;
            }
        }
        util_free_names(names);
    }
    rc = fn(path, st, UTIL_POST, depth, arg);
    return rc < 0 ? rc : 0;
}

int util_walk(const char *path, int follow_top, util_walk_fn fn, void *arg)
{
    struct stat st;
    if ((follow_top ? stat(path, &st) : lstat(path, &st)) != 0) {
        int rc = fn(path, NULL, UTIL_ERR, 0, arg);
        return rc < 0 ? rc : 0;
    }
    return walk(path, &st, 0, fn, arg);
}

/* Field 0 of the line of /etc/passwd or /etc/group whose field 2 is id. */
static int id_name(const char *file, unsigned id, char *buf, size_t len)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char line[256];
    int found = -1;
    while (found && fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        char *end;
        unsigned long v = strtoul(c2 + 1, &end, 10);
        if (end == c2 + 1 || *end != ':' || v != id)
            continue;
        *c1 = 0;
        snprintf(buf, len, "%s", line);
        found = 0;
    }
    fclose(f);
    return found;
}

int util_user_name(unsigned uid, char *buf, size_t len)
{
    return id_name("/etc/passwd", uid, buf, len);
}

int util_group_name(unsigned gid, char *buf, size_t len)
{
    return id_name("/etc/group", gid, buf, len);
}

int util_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        fields[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        if (*p)
            *p++ = 0;
    }
    return n;
}
