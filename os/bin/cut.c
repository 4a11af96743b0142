/*
 * cut -b LIST | -c LIST | -f LIST [-d DELIM] [-s] [FILE...]: select bytes, characters (the
 * same in the C locale) or fields of each line. LIST is N, N-, -M, N-M separated by commas;
 * fields are separated by DELIM (tab); lines without the delimiter are printed whole unless
 * -s. Exit 0; 1 for a bad list or option, or when a file could not be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char usage[] = "-b LIST | -c LIST | -f LIST [-d DELIM] [-s] [FILE...]";

struct range {
    long lo, hi; /* hi -1: to the end */
};

static struct range ranges[256];
static int nranges;

static int selected(long i)
{
    for (int r = 0; r < nranges; r++)
        if (i >= ranges[r].lo && (ranges[r].hi < 0 || i <= ranges[r].hi))
            return 1;
    return 0;
}

static void parse_list(const char *list)
{
    const char *p = list;
    while (*p) {
        if (nranges == (int)(sizeof ranges / sizeof ranges[0]))
            util_die(1, "too many ranges");
        struct range r = {1, -1};
        char *end;
        if (p[0] == '-' && (p[1] == ',' || !p[1]))
            util_die(1, "invalid range with no endpoint: -");
        if (*p != '-') {
            r.lo = strtol(p, &end, 10);
            if (end == p || r.lo < 1)
                util_die(1,
                         r.lo == 0 && end != p ? "fields and positions are numbered from 1"
                                               : "invalid field value '%s'",
                         list);
            p = end;
            r.hi = r.lo;
        }
        if (*p == '-') {
            p++;
            r.hi = -1;
            if (*p >= '0' && *p <= '9') {
                r.hi = strtol(p, &end, 10);
                p = end;
                if (r.hi < r.lo)
                    util_die(1, "invalid decreasing range");
            }
        }
        if (*p == ',')
            p++;
        else if (*p)
            util_die(1, "invalid field value '%s'", list);
        ranges[nranges++] = r;
    }
    if (!nranges)
        util_die(1, "fields and positions are numbered from 1");
}

int main(int argc, char **argv)
{
    util_init(argv);
    int mode = 0, only_delim = 0, c, status = 0;
    char delim = '\t';
    while ((c = getopt(argc, argv, "b:c:f:d:sn")) != -1) {
        switch (c) {
        case 'b':
        case 'c':
        case 'f':
            if (mode)
                util_die(1, "only one type of list may be specified");
            mode = c;
            parse_list(optarg);
            break;
        case 'd':
            if (strlen(optarg) > 1)
                util_die(1, "the delimiter must be a single character");
            delim = optarg[0] ? optarg[0] : 0;
            break;
        case 's':
            only_delim = 1;
            break;
        case 'n':
            break;
        default:
            util_usage(1, usage);
        }
    }
    if (!mode) {
        util_warn("you must specify a list of bytes, characters, or fields");
        util_usage(1, usage);
    }
    int nfiles = argc - optind;
    char *line = NULL;
    size_t cap = 0;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *name = nfiles ? argv[optind + i] : "-";
        FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
        if (!f) {
            util_warn_errno(name);
            status = 1;
            continue;
        }
        ssize_t len;
        while ((len = getline(&line, &cap, f)) >= 0) {
            int nl = len && line[len - 1] == '\n';
            if (nl)
                line[--len] = 0;
            if (mode != 'f') {
                for (ssize_t k = 0; k < len; k++)
                    if (selected(k + 1))
                        putchar(line[k]);
                putchar('\n');
                continue;
            }
            if (!memchr(line, delim, (size_t)len)) {
                if (!only_delim) {
                    fwrite(line, 1, (size_t)len, stdout);
                    putchar('\n');
                }
                continue;
            }
            long field = 1;
            int first = 1;
            const char *s = line, *end = line + len;
            while (s <= end) {
                const char *e = memchr(s, delim, (size_t)(end - s));
                if (!e)
                    e = end;
                if (selected(field)) {
                    if (!first)
                        putchar(delim);
                    fwrite(s, 1, (size_t)(e - s), stdout);
                    first = 0;
                }
                field++;
                s = e + 1;
            }
            putchar('\n');
        }
        if (f != stdin)
            fclose(f);
    }
    return fflush(stdout) ? 1 : status;
}
