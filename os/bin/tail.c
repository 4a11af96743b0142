/*
 * tail [-n [+]N | -N] [-c [+]N] [FILE...]: the last N (10) lines, or bytes with -c, of each
 * file or standard input; +N starts at line (byte) N instead. Headers between several files
 * as GNU tail. The whole input is read into memory (no -f). Exit 0, or 1 when a file could
 * not be read; a bad count is a usage error (1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-n [+]LINES] [-c [+]BYTES] [FILE...]";

static char *slurp(int fd, size_t *len)
{
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return NULL;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    util_init(argv);
    long n = 10;
    int bytes = 0, from_start = 0, c, status = 0;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
        if (util_parse_long(argv[1] + 1, 10, &n))
            util_usage(1, usage);
        optind = 2;
    }
    while ((c = getopt(argc, argv, "n:c:")) != -1) {
        if (c != 'n' && c != 'c')
            util_usage(1, usage);
        const char *a = optarg;
        from_start = *a == '+';
        if (*a == '+' || *a == '-')
            a++;
        if (util_parse_long(a, 10, &n) || n < 0)
            util_die(1, "invalid number of %s: '%s'", c == 'n' ? "lines" : "bytes", optarg);
        bytes = c == 'c';
    }
    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *name = nfiles ? argv[optind + i] : "-";
        int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
        if (fd < 0) {
            util_warn("cannot open '%s' for reading: %s", name, strerror(errno));
            status = 1;
            continue;
        }
        size_t len;
        char *buf = slurp(fd, &len);
        if (fd)
            close(fd);
        if (!buf) {
            util_warn_errno(name);
            status = 1;
            continue;
        }
        if (nfiles > 1) {
            char h[512];
            int l = snprintf(h, sizeof h, "%s==> %s <==\n", i ? "\n" : "",
                             strcmp(name, "-") ? name : "standard input");
            util_write_all(1, h, (size_t)l);
        }
        size_t start;
        if (bytes) {
            if (from_start)
                start = n > 0 ? ((size_t)n - 1 < len ? (size_t)n - 1 : len) : 0;
            else
                start = (size_t)n < len ? len - (size_t)n : 0;
        } else if (from_start) {
            start = 0;
            for (long line = 1; line < n && start < len; start++)
                if (buf[start] == '\n')
                    line++;
        } else {
            /* back from the end (a final newline ends the last line, it does not start one)
             * to just after the N-th newline */
            size_t end = len && buf[len - 1] == '\n' ? len - 1 : len;
            long lines = 0;
            start = n ? end : len;
            while (n && start > 0 && !(buf[start - 1] == '\n' && ++lines == n))
                start--;
        }
        util_write_all(1, buf + start, len - start);
        free(buf);
    }
    return status;
}
