/*
 * grep [-EFGcHhilnoqsvwx] [-e PATTERN]... [-f FILE] [PATTERN] [FILE...]: print the lines
 * that match. Basic regular expressions by default, extended with -E, fixed strings with -F
 * (libveridian's <regex.h>: leftmost-longest, back-references on a bounded backtracker).
 * Several patterns (-e, -f, or newlines in PATTERN) match when any does.
 *   -c count, -l names of matching files, -q quiet, -s no messages about files, -v invert,
 *   -i ignore case, -n line numbers, -H/-h with/without file names (default: with, for
 *   several files), -o only the matching parts, -w whole words, -x whole lines.
 * Exit 0 when a line was selected, 1 when none, 2 on an error (a bad pattern, an unreadable
 * file: even when lines were selected, unless -q), as POSIX and GNU grep.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char usage[] = "[-EFGcHhilnoqsvwx] [-e PATTERN]... [-f FILE] [PATTERN] [FILE...]";

struct grep {
    regex_t *re;
    int nre;
    int count, list, quiet, silent, invert, number, names, only, word, line_x;
};

static char **pats;
static int npats, cappats;

static void add_patterns(const char *s)
{
    /* one pattern per line */
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (npats == cappats) {
            cappats = cappats ? cappats * 2 : 8;
            pats = realloc(pats, (size_t)cappats * sizeof *pats);
            if (!pats)
                util_die(2, "out of memory");
        }
        pats[npats] = malloc(len + 1);
        memcpy(pats[npats], s, len);
        pats[npats++][len] = 0;
        if (!nl)
            return;
        s = nl + 1;
    }
}

/* A fixed string as a BRE. */
static char *quote_fixed(const char *s)
{
    char *q = malloc(2 * strlen(s) + 1), *o = q;
    for (; *s; s++) {
        if (strchr("\\.[]*^$", *s))
            *o++ = '\\';
        *o++ = *s;
    }
    *o = 0;
    return q;
}

static int is_word(int c)
{
    return c == '_' || isalnum(c);
}

/* The first match in line at or after from that satisfies -w/-x; 0 and m, or 1. */
static int find(const struct grep *g, const char *line, size_t from, regmatch_t *m)
{
    size_t len = strlen(line);
    int found = 0;
    regmatch_t best = {0, 0};
    for (int i = 0; i < g->nre; i++) {
        size_t off = from;
        while (off <= len) {
            regmatch_t mm = {(regoff_t)off, (regoff_t)len};
            if (regexec(&g->re[i], line, 1, &mm, REG_STARTEND))
                break;
            size_t so = (size_t)mm.rm_so, eo = (size_t)mm.rm_eo;
            int ok = 1;
            if (g->line_x)
                ok = so == 0 && eo == len;
            else if (g->word)
                ok = (so == 0 || !is_word((unsigned char)line[so - 1])) &&
                     (eo == len || !is_word((unsigned char)line[eo]));
            if (ok) {
                if (!found || (regoff_t)so < best.rm_so ||
                    ((regoff_t)so == best.rm_so && (regoff_t)eo > best.rm_eo)) {
                    best.rm_so = (regoff_t)so;
                    best.rm_eo = (regoff_t)eo;
                }
                found = 1;
                break;
            }
            if (g->line_x)
                break;
            off = so + 1; /* try later starts (GNU also tries shorter matches here) */
        }
    }
    if (found)
        *m = best;
    return !found;
}

/* Returns the number of selected lines; -1 when the file could not be read. */
static long grep_file(const struct grep *g, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0, lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        regmatch_t m;
        int match = find(g, line, 0, &m) == 0;
        if (match == g->invert)
            continue;
        n++;
        if (g->quiet)
            break;
        if (g->list) {
            puts(name);
            break;
        }
        if (g->count)
            continue;
        if (g->only && !g->invert) {
            size_t from = 0;
            while (from <= (size_t)len && !find(g, line, from, &m)) {
                if (m.rm_eo > m.rm_so) {
                    if (g->names)
                        printf("%s:", name);
                    if (g->number)
                        printf("%ld:", lineno);
                    printf("%.*s\n", (int)(m.rm_eo - m.rm_so), line + m.rm_so);
                    from = (size_t)m.rm_eo;
                } else {
                    from = (size_t)m.rm_so + 1;
                }
            }
            continue;
        }
        if (g->names)
            printf("%s:", name);
        if (g->number)
            printf("%ld:", lineno);
        fwrite(line, 1, (size_t)len, stdout);
        putchar('\n');
    }
    free(line);
    if (g->count && !g->quiet) {
        if (g->names)
            printf("%s:", name);
        printf("%ld\n", n);
    }
    return n;
}

int main(int argc, char **argv)
{
    util_init(argv);
    struct grep g = {0};
    int cflags = 0, fixed = 0, with_names = -1, c;
    int have_e = 0;
    while ((c = getopt(argc, argv, "EFGcHhilnoqsvwxe:f:")) != -1) {
        switch (c) {
        case 'E':
            cflags |= REG_EXTENDED;
            fixed = 0;
            break;
        case 'F':
            fixed = 1;
            break;
        case 'G':
            cflags &= ~REG_EXTENDED;
            fixed = 0;
            break;
        case 'c':
            g.count = 1;
            break;
        case 'H':
            with_names = 1;
            break;
        case 'h':
            with_names = 0;
            break;
        case 'i':
            cflags |= REG_ICASE;
            break;
        case 'l':
            g.list = 1;
            break;
        case 'n':
            g.number = 1;
            break;
        case 'o':
            g.only = 1;
            break;
        case 'q':
            g.quiet = 1;
            break;
        case 's':
            g.silent = 1;
            break;
        case 'v':
            g.invert = 1;
            break;
        case 'w':
            g.word = 1;
            break;
        case 'x':
            g.line_x = 1;
            break;
        case 'e':
            add_patterns(optarg);
            have_e = 1;
            break;
        case 'f': {
            FILE *f = strcmp(optarg, "-") ? fopen(optarg, "r") : stdin;
            if (!f)
                util_die(2, "%s: %s", optarg, strerror(errno));
            char *l = NULL;
            size_t lc = 0;
            ssize_t n;
            while ((n = getline(&l, &lc, f)) >= 0) {
                if (n && l[n - 1] == '\n')
                    l[n - 1] = 0;
                add_patterns(l);
            }
            free(l);
            have_e = 1;
            break;
        }
        default:
            util_usage(2, usage);
        }
    }
    if (!have_e) {
        if (optind >= argc)
            util_usage(2, usage);
        add_patterns(argv[optind++]);
    }
    g.nre = npats;
    g.re = calloc((size_t)(npats ? npats : 1), sizeof *g.re);
    for (int i = 0; i < npats; i++) {
        char *p = fixed ? quote_fixed(pats[i]) : pats[i];
        int rc = regcomp(&g.re[i], p, (fixed ? cflags & ~REG_EXTENDED : cflags));
        if (rc) {
            char msg[128];
            regerror(rc, &g.re[i], msg, sizeof msg);
            util_die(2, "%s", msg);
        }
    }
    int nfiles = argc - optind;
    g.names = with_names >= 0 ? with_names : nfiles > 1;
    int status = 1, error = 0;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *name = nfiles ? argv[optind + i] : "-";
        FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
        if (!f) {
            if (!g.silent)
                util_warn("%s: %s", name, strerror(errno));
            error = 1;
            continue;
        }
        long n = grep_file(&g, f, strcmp(name, "-") ? name : "(standard input)");
        if (f != stdin)
            fclose(f);
        if (n > 0) {
            status = 0;
            if (g.quiet)
                return 0;
        }
    }
    fflush(stdout);
    return error && !(g.quiet && !status) ? 2 : status;
}
