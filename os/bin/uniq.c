/*
 * uniq [-c] [-d] [-u] [-i] [-f N] [-s N] [INPUT [OUTPUT]]: adjacent equal lines once; -c
 * prefixes counts (as GNU: "%7d "), -d only repeated lines, -u only unique ones, -i ignores
 * case, -f skips N fields, -s N characters before comparing. Exit 0; 1 for a bad option or
 * an unreadable file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

static int skip_fields, skip_chars, icase;

static const char *cmp_start(const char *s)
{
    for (int i = 0; i < skip_fields; i++) {
        while (*s && isblank((unsigned char)*s))
            s++;
        while (*s && !isblank((unsigned char)*s))
            s++;
    }
    for (int i = 0; i < skip_chars && *s; i++)
        s++;
    return s;
}

static int same(const char *a, const char *b)
{
    a = cmp_start(a);
    b = cmp_start(b);
    return icase ? !strcasecmp(a, b) : !strcmp(a, b);
}

int main(int argc, char **argv)
{
    util_init(argv);
    int count = 0, dups = 0, uniques = 0, c;
    long v;
    while ((c = getopt(argc, argv, "cduif:s:")) != -1) {
        switch (c) {
        case 'c':
            count = 1;
            break;
        case 'd':
            dups = 1;
            break;
        case 'u':
            uniques = 1;
            break;
        case 'i':
            icase = 1;
            break;
        case 'f':
        case 's':
            if (util_parse_long(optarg, 10, &v) || v < 0)
                util_die(1, "%s: invalid number of %s to skip", optarg,
                         c == 'f' ? "fields" : "bytes");
            if (c == 'f')
                skip_fields = (int)v;
            else
                skip_chars = (int)v;
            break;
        default:
            util_usage(1, "[-c] [-d] [-u] [-i] [-f N] [-s N] [INPUT [OUTPUT]]");
        }
    }
    if (argc - optind > 2) {
        util_warn("extra operand '%s'", argv[optind + 2]);
        util_usage(1, "[-c] [-d] [-u] [-i] [-f N] [-s N] [INPUT [OUTPUT]]");
    }
    FILE *in = stdin, *out = stdout;
    if (optind < argc && strcmp(argv[optind], "-") && !(in = fopen(argv[optind], "r")))
        util_die(1, "%s: %s", argv[optind], strerror(errno));
    if (optind + 1 < argc && !(out = fopen(argv[optind + 1], "w")))
        util_die(1, "%s: %s", argv[optind + 1], strerror(errno));
    char *prev = NULL, *line = NULL;
    size_t pcap = 0, cap = 0;
    ssize_t len;
    long n = 0;
    for (;;) {
        len = getline(&line, &cap, in);
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = 0;
        if (prev && (len < 0 || !same(prev, line))) {
            if ((!dups || n > 1) && (!uniques || n == 1)) {
                if (count)
                    fprintf(out, "%7ld ", n);
                fputs(prev, out);
                fputc('\n', out);
            }
            n = 0;
        }
        if (len < 0)
            break;
        if (n == 0) {
            if ((size_t)len + 1 > pcap) {
                pcap = (size_t)len + 1;
                prev = realloc(prev, pcap);
                if (!prev)
                    util_die(1, "out of memory");
            }
            memcpy(prev, line, (size_t)len + 1);
        }
        n++;
    }
    return fflush(out) ? 1 : 0;
}
