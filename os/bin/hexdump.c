/*
 * hexdump [-Cv] [-n LENGTH] [-s OFFSET] [FILE...]: the bytes of the files (one stream) or
 * standard input, as util-linux hexdump prints them: by default 16-bit little-endian words
 * in hex ("%07x" offsets), with -C the canonical "offset  hex bytes  |ascii|" form. A line
 * equal to the one before is shown as "*" unless -v. Exit 0; 1 for a bad option or when a
 * file could not be read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-Cv] [-n LENGTH] [-s OFFSET] [FILE...]";

struct stream {
    char **files;
    int nfiles, next, fd, status;
};

static ssize_t stream_read(struct stream *s, unsigned char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        if (s->fd < 0) {
            if (s->next >= (s->nfiles ? s->nfiles : 1))
                break;
            const char *name = s->nfiles ? s->files[s->next] : "-";
            s->next++;
            s->fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
            if (s->fd < 0) {
                util_warn_errno(name);
                s->status = 1;
                continue;
            }
        }
        ssize_t n = read(s->fd, buf + got, want - got);
        if (n <= 0) {
            if (s->fd > 0)
                close(s->fd);
            s->fd = -1;
            continue;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static void line_c(unsigned long off, const unsigned char *b, size_t n)
{
    printf("%08lx ", off);
    for (size_t i = 0; i < 16; i++) {
        if (i == 8)
            putchar(' ');
        if (i < n)
            printf(" %02x", b[i]);
        else
            printf("   ");
    }
    printf("  |");
    for (size_t i = 0; i < n; i++)
        putchar(isprint(b[i]) ? b[i] : '.');
    printf("|\n");
}

static void line_x(unsigned long off, const unsigned char *b, size_t n)
{
    printf("%07lx", off);
    for (size_t i = 0; i < 16; i += 2) {
        if (i < n)
            printf(" %04x", b[i] | (i + 1 < n ? b[i + 1] << 8 : 0));
        else
            printf("     ");
    }
    putchar('\n');
}

int main(int argc, char **argv)
{
    util_init(argv);
    int canonical = 0, verbose = 0, c;
    long length = -1, skip = 0;
    while ((c = getopt(argc, argv, "Cvn:s:")) != -1) {
        switch (c) {
        case 'C':
            canonical = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'n':
        case 's': {
            long v;
            if (util_parse_long(optarg, 0, &v) || v < 0)
                util_die(1, "invalid %s: '%s'", c == 'n' ? "length" : "offset", optarg);
            if (c == 'n')
                length = v;
            else
                skip = v;
            break;
        }
        default:
            util_usage(1, usage);
        }
    }
    struct stream s = {argv + optind, argc - optind, 0, -1, 0};
    unsigned char b[16], prev[16];
    unsigned long off = 0;
    while (skip > 0) {
        size_t want = skip > 16 ? 16 : (size_t)skip;
        ssize_t n = stream_read(&s, b, want);
        if (n <= 0)
            break;
        skip -= n;
        off += (unsigned long)n;
    }
    int have_prev = 0, starred = 0;
    for (;;) {
        size_t want = 16;
        if (length >= 0 && (unsigned long)length < want)
            want = (size_t)length;
        if (!want)
            break;
        ssize_t n = stream_read(&s, b, want);
        if (n <= 0)
            break;
        if (length >= 0)
            length -= n;
        if (!verbose && have_prev && n == 16 && !memcmp(b, prev, 16)) {
            if (!starred)
                puts("*");
            starred = 1;
        } else {
            starred = 0;
            if (canonical)
                line_c(off, b, (size_t)n);
            else
                line_x(off, b, (size_t)n);
        }
        memcpy(prev, b, (size_t)n);
        have_prev = n == 16;
        off += (unsigned long)n;
    }
    if (off)
        printf(canonical ? "%08lx\n" : "%07lx\n", off); /* nothing at all for no input */
    if (fflush(stdout))
        return 1;
    return s.status;
}
