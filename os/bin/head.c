/*
 * head [-n [-]N | -N] [-c [-]N] [FILE...]: the first N (10) lines, or with -c the first N
 * bytes, of each file or standard input; with -N (GNU) all but the last N. "==> FILE <=="
 * headers between several files, as GNU head.
 * Exit 0, 1 when a file could not be read; a bad count is a usage error (1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-n LINES] [-c BYTES] [FILE...]";

static int head_fd(int fd, long n, int bytes)
{
    static char buf[16384];
    while (n > 0) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        size_t take = 0;
        if (bytes) {
            take = (size_t)r < (size_t)n ? (size_t)r : (size_t)n;
            n -= (long)take;
        } else {
            while (take < (size_t)r && n > 0)
                if (buf[take++] == '\n')
                    n--;
        }
        if (util_write_all(1, buf, take))
            return -1;
    }
    return 0;
}

/* All but the last n lines (or bytes): the input is read whole first. */
static int head_allbut(int fd, long n, int bytes)
{
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return -1;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    size_t end = len;
    if (bytes) {
        end = (size_t)n < len ? len - (size_t)n : 0;
    } else {
        /* back over n lines (a last line without newline counts) */
        size_t e = len && buf[len - 1] == '\n' ? len - 1 : len;
        long lines = 0;
        end = len;
        if (n > 0) {
            end = e;
            while (end > 0 && !(buf[end - 1] == '\n' && ++lines == n))
                end--;
            if (lines < n)
                end = 0;
        }
    }
    int rc = util_write_all(1, buf, end);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    util_init(argv);
    long n = 10;
    int bytes = 0, allbut = 0, c, status = 0;
    /* the obsolescent -N */
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
        if (util_parse_long(argv[1] + 1, 10, &n))
            util_usage(1, usage);
        optind = 2;
    }
    while ((c = getopt(argc, argv, "n:c:")) != -1) {
        if (c != 'n' && c != 'c')
            util_usage(1, usage);
        allbut = optarg[0] == '-';
        if (util_parse_long(optarg + allbut, 10, &n) || n < 0 || optarg[allbut] == '-' ||
            optarg[allbut] == '+')
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
        if (nfiles > 1) {
            char h[512];
            int l = snprintf(h, sizeof h, "%s==> %s <==\n", i ? "\n" : "",
                             strcmp(name, "-") ? name : "standard input");
            util_write_all(1, h, (size_t)l);
        }
        if (allbut ? head_allbut(fd, n, bytes) : head_fd(fd, n, bytes)) {
            util_warn_errno(name);
            status = 1;
        }
        if (fd)
            close(fd);
    }
    return status;
}
