/*
 * sort [-cCfnrusb] [-t SEP] [-k KEY]... [-o FILE] [FILE...]: sort lines, as GNU sort in the C
 * locale. Keys -k F1[.C1][OPTS][,F2[.C2][OPTS]] with per-key options n r b f; fields are
 * separated by SEP (-t), else by the blank-to-non-blank transition (leading blanks belong
 * to the field). -n compares leading numbers (sign, digits, decimal point; no number is 0),
 * -u outputs the first of each run of equal lines (equal by the keys), -r reverses, -f
 * folds lower case to upper case, -c checks that the input is sorted (-C quietly). Lines
 * equal by the keys are ordered by the whole line (the "last resort" comparison), unless
 * -u or -s. The sort is a stable merge sort. Exit 0; 2 for a bad option or unreadable file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct key {
    int f1, c1, f2, c2; /* fields and characters, 1-based; f2 0: to the end of line */
    int numeric, reverse, blanks, blanks_end, fold;
};

struct line {
    char *s;
    size_t len;
};

static struct key keys[16];
static int nkeys, sep = -1, unique, stable, g_numeric, g_reverse, g_blanks, g_fold;

static const char usage[] = "[-cCfnrusb] [-t SEP] [-k KEY]... [-o FILE] [FILE...]";

/* Start of field f (1-based) in s, or s+len. */
static const char *field_start(const char *s, const char *end, int f)
{
    const char *p = s;
    for (int i = 1; i < f && p < end; i++) {
        if (sep >= 0) {
            while (p < end && *p != sep)
                p++;
            if (p < end)
                p++;
        } else {
            while (p < end && isblank((unsigned char)*p))
                p++;
            while (p < end && !isblank((unsigned char)*p))
                p++;
        }
    }
    return p;
}

static const char *field_end(const char *s, const char *end, int f)
{
    const char *p = field_start(s, end, f);
    if (sep >= 0) {
        while (p < end && *p != sep)
            p++;
    } else {
        while (p < end && isblank((unsigned char)*p))
            p++;
        while (p < end && !isblank((unsigned char)*p))
            p++;
    }
    return p;
}

static void key_span(const struct key *k, const struct line *l, const char **b, const char **e)
{
    const char *s = l->s, *end = l->s + l->len;
    const char *p = field_start(s, end, k->f1);
    if (k->blanks)
        while (p < end && isblank((unsigned char)*p))
            p++;
    if (k->c1 > 1) {
        const char *fe = field_end(s, end, k->f1);
        p += k->c1 - 1;
        if (p > fe)
            p = fe;
    }
    const char *q = end;
    if (k->f2) {
        if (k->c2 == 0) {
            q = field_end(s, end, k->f2);
        } else {
            q = field_start(s, end, k->f2);
            if (k->blanks_end)
                while (q < end && isblank((unsigned char)*q))
                    q++;
            q += k->c2;
            const char *fe = field_end(s, end, k->f2);
            if (q > fe)
                q = fe;
        }
    }
    if (q < p)
        q = p;
    *b = p;
    *e = q;
}

/* GNU's numeric compare, in effect: blanks, optional '-', digits, optional .digits. */
static int num_cmp(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae && isblank((unsigned char)*a))
        a++;
    while (b < be && isblank((unsigned char)*b))
        b++;
    int na = a < ae && *a == '-', nb = b < be && *b == '-';
    if (na)
        a++;
    if (nb)
        b++;
    /* integer parts, without leading zeros */
    while (a < ae && *a == '0')
        a++;
    while (b < be && *b == '0')
        b++;
    const char *ai = a, *bi = b;
    while (ai < ae && isdigit((unsigned char)*ai))
        ai++;
    while (bi < be && isdigit((unsigned char)*bi))
        bi++;
    const char *af = ai < ae && *ai == '.' ? ai + 1 : ai, *bf = bi < be && *bi == '.' ? bi + 1 : bi;
    const char *afe = af, *bfe = bf;
    while (afe < ae && isdigit((unsigned char)*afe))
        afe++;
    while (bfe < be && isdigit((unsigned char)*bfe))
        bfe++;
    /* zero: no non-zero digit */
    int za = ai == a, zb = bi == b;
    if (za)
        for (const char *p = af; p < afe; p++)
            za &= *p == '0';
    if (zb)
        for (const char *p = bf; p < bfe; p++)
            zb &= *p == '0';
    if (za)
        na = 0;
    if (zb)
        nb = 0;
    if (na != nb)
        return na ? -1 : 1;
    int sign = na ? -1 : 1, c = 0;
    if (ai - a != bi - b) {
        c = ai - a < bi - b ? -1 : 1;
    } else {
        c = memcmp(a, b, (size_t)(ai - a));
        c = c < 0 ? -1 : c > 0;
        for (const char *p = af, *q = bf; !c && (p < afe || q < bfe); p++, q++) {
            int dp = p < afe ? *p : '0', dq = q < bfe ? *q : '0';
            c = (dp > dq) - (dp < dq);
        }
    }
    return sign * c;
}

static int fold_cmp(const char *a, const char *ae, const char *b, const char *be)
{
    for (; a < ae && b < be; a++, b++) {
        int x = toupper((unsigned char)*a), y = toupper((unsigned char)*b);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (a < ae) - (b < be);
}

static int str_cmp(const char *a, const char *ae, const char *b, const char *be)
{
    size_t la = (size_t)(ae - a), lb = (size_t)(be - b);
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

static int key_cmp(const struct line *x, const struct line *y)
{
    for (int i = 0; i < nkeys; i++) {
        const struct key *k = &keys[i];
        const char *a, *ae, *b, *be;
        key_span(k, x, &a, &ae);
        key_span(k, y, &b, &be);
        int c = k->numeric ? num_cmp(a, ae, b, be)
                : k->fold  ? fold_cmp(a, ae, b, be)
                           : str_cmp(a, ae, b, be);
        if (c)
            return k->reverse ? -c : c;
    }
    return 0;
}

static int line_cmp(const struct line *x, const struct line *y)
{
    int c = key_cmp(x, y);
    if (c || unique || stable)
        return c;
    c = str_cmp(x->s, x->s + x->len, y->s, y->s + y->len);
    return g_reverse ? -c : c;
}

static void merge_sort(struct line *v, struct line *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(v, tmp, h);
    merge_sort(v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = line_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static int parse_pos(const char **s, int *f, int *c)
{
    char *end;
    long v = strtol(*s, &end, 10);
    if (end == *s || v < 0)
        return -1;
    *f = (int)v;
    *c = 0;
    if (*end == '.') {
        const char *p = end + 1;
        v = strtol(p, &end, 10);
        if (end == p || v < 0)
            return -1;
        *c = (int)v;
    }
    *s = end;
    return 0;
}

static int parse_opts(const char **s, struct key *k, int end)
{
    for (; **s && **s != ','; (*s)++) {
        switch (**s) {
        case 'n':
            k->numeric = 1;
            break;
        case 'r':
            k->reverse = 1;
            break;
        case 'b':
            if (end)
                k->blanks_end = 1;
            else
                k->blanks = 1;
            break;
        case 'f':
            k->fold = 1;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

static void add_key(const char *spec)
{
    if (nkeys == (int)(sizeof keys / sizeof keys[0]))
        util_die(2, "too many keys");
    struct key *k = &keys[nkeys++];
    memset(k, 0, sizeof *k);
    const char *s = spec;
    if (parse_pos(&s, &k->f1, &k->c1) || k->f1 == 0 || parse_opts(&s, k, 0))
        util_die(2, "invalid number at field start: invalid count at start of '%s'", spec);
    if (k->c1 == 0)
        k->c1 = 1;
    if (*s == ',') {
        s++;
        if (parse_pos(&s, &k->f2, &k->c2) || k->f2 == 0 || parse_opts(&s, k, 1) || *s)
            util_die(2, "invalid number after ',': invalid count at start of '%s'", spec);
    }
    if (!k->numeric && !k->reverse && !k->blanks && !k->blanks_end && !k->fold) {
        k->numeric = g_numeric;
        k->reverse = g_reverse;
        k->blanks = k->blanks_end = g_blanks;
        k->fold = g_fold;
    }
}

int main(int argc, char **argv)
{
    util_init(argv);
    const char *out_name = NULL;
    const char *key_specs[16];
    int nspecs = 0, c;
    int check = 0;
    while ((c = getopt(argc, argv, "bcCfnrusk:t:o:")) != -1) {
        switch (c) {
        case 'c':
        case 'C':
            check = c;
            break;
        case 'f':
            g_fold = 1;
            break;
        case 'b':
            g_blanks = 1;
            break;
        case 'n':
            g_numeric = 1;
            break;
        case 'r':
            g_reverse = 1;
            break;
        case 'u':
            unique = 1;
            break;
        case 's':
            stable = 1;
            break;
        case 'k':
            if (nspecs == 16)
                util_die(2, "too many keys");
            key_specs[nspecs++] = optarg;
            break;
        case 't':
            if (strlen(optarg) != 1)
                util_die(2, "multi-character tab '%s'", optarg);
            sep = (unsigned char)optarg[0];
            break;
        case 'o':
            out_name = optarg;
            break;
        default:
            util_usage(2, usage);
        }
    }
    for (int i = 0; i < nspecs; i++)
        add_key(key_specs[i]);
    if (!nkeys) {
        keys[0] = (struct key){1, 1, 0, 0, g_numeric, g_reverse, g_blanks, g_blanks, g_fold};
        nkeys = 1;
    }
    size_t n = 0, cap = 1024;
    struct line *v = malloc(cap * sizeof *v);
    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *name = nfiles ? argv[optind + i] : "-";
        FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
        if (!f)
            util_die(2, "cannot read: %s: %s", name, strerror(errno));
        char *buf = NULL;
        size_t bcap = 0;
        ssize_t len;
        while ((len = getline(&buf, &bcap, f)) >= 0) {
            if (len && buf[len - 1] == '\n')
                len--;
            if (n == cap)
                v = realloc(v, (cap *= 2) * sizeof *v);
            if (!v)
                util_die(2, "out of memory");
            v[n].s = malloc((size_t)len + 1);
            memcpy(v[n].s, buf, (size_t)len);
            v[n].s[len] = 0;
            v[n].len = (size_t)len;
            n++;
        }
        free(buf);
        if (f != stdin)
            fclose(f);
    }
    if (check) {
        /* -c: the first line out of order (equal lines too, with -u), on stderr; -C: quiet */
        for (size_t i = 1; i < n; i++) {
            int cmp = line_cmp(&v[i - 1], &v[i]);
            if (cmp > 0 || (unique && cmp == 0)) {
                if (check == 'c')
                    util_warn("%s:%zu: disorder: %s", nfiles ? argv[optind] : "-", i + 1, v[i].s);
                return 1;
            }
        }
        return 0;
    }
    struct line *tmp = malloc((n ? n : 1) * sizeof *tmp);
    merge_sort(v, tmp, n);
    FILE *out = stdout;
    if (out_name && !(out = fopen(out_name, "w")))
        util_die(2, "open failed: %s: %s", out_name, strerror(errno));
    for (size_t i = 0; i < n; i++) {
        if (unique && i && key_cmp(&v[i - 1], &v[i]) == 0)
            continue;
        fwrite(v[i].s, 1, v[i].len, out);
        fputc('\n', out);
    }
    if (fflush(out))
        return 2;
    return 0;
}
