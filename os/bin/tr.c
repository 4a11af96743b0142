/*
 * tr [-cds] SET1 [SET2]: translate, delete (-d) or squeeze (-s) characters of standard
 * input, as POSIX tr in the C locale. Sets know ranges a-z, classes [:alpha:] etc., repeats
 * [c*n] and [c*] (in SET2), octal \NNN and the escapes \\ \a \b \f \n \r \t \v. SET2 is
 * padded with its last character; -c complements SET1. Exit 0; 1 for a bad set or usage.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-cds] SET1 [SET2]";

static const struct {
    const char *name;
    int (*fn)(int);
} classes[] = {
    {"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
    {"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
    {"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit},
};

static int escape(const char **pp)
{
    const char *p = *pp;
    if (*p != '\\' || !p[1]) {
        *pp = p + 1;
        return (unsigned char)*p;
    }
    p++;
    if (*p >= '0' && *p <= '7') {
        int v = 0;
        for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
            v = v * 8 + (*p++ - '0');
        *pp = p;
        return v & 0xff;
    }
    *pp = p + 1;
    switch (*p) {
    case 'a':
        return '\a';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    default:
        return (unsigned char)*p;
    }
}

/* Expands a set into out (up to 4096 characters); *fill: index of a [c*] in SET2, or -1. */
static int expand(const char *s, unsigned char *out, int *fill, int set2)
{
    int n = 0;
    *fill = -1;
    while (*s) {
        if (n >= 4000)
            util_die(1, "set too large");
        if (s[0] == '[' && s[1] == ':') {
            const char *e = strstr(s + 2, ":]");
            size_t i = 0;
            if (e) {
                for (; i < sizeof classes / sizeof classes[0]; i++)
                    if (strlen(classes[i].name) == (size_t)(e - s - 2) &&
                        !memcmp(classes[i].name, s + 2, (size_t)(e - s - 2)))
                        break;
            }
            if (e && i < sizeof classes / sizeof classes[0]) {
                if (set2 && strcmp(classes[i].name, "upper") && strcmp(classes[i].name, "lower"))
                    util_die(1, "when translating, the only character classes that may appear in "
                                "string2 are 'upper' and 'lower'");
                for (int c = 0; c < 256; c++)
                    if (classes[i].fn(c))
                        out[n++] = (unsigned char)c;
                s = e + 2;
                continue;
            }
            if (e)
                util_die(1, "invalid character class");
        }
        if (s[0] == '[' && s[1] && s[2] == '*') {
            const char *q = s + 1;
            int c = escape(&q);
            q++; /* the star */
            char *end;
            long cnt = strtol(q, &end, *q == '0' ? 8 : 10);
            if (*end == ']') {
                if (!set2)
                    util_die(1, "the [c*] repeat construct may not appear in string1");
                if (end == q || cnt == 0) {
                    *fill = n;
                    out[n++] = (unsigned char)c;
                } else {
                    for (long i = 0; i < cnt && n < 4000; i++)
                        out[n++] = (unsigned char)c;
                }
                s = end + 1;
                continue;
            }
        }
        int c = escape(&s);
        if (s[0] == '-' && s[1]) {
            const char *q = s + 1;
            int hi = escape(&q);
            if (hi < c)
                util_die(1, "range-endpoints of '%c-%c' are in reverse collating sequence order", c,
                         hi);
            for (int x = c; x <= hi; x++)
                out[n++] = (unsigned char)x;
            s = q;
            continue;
        }
        out[n++] = (unsigned char)c;
    }
    return n;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int comp = 0, del = 0, squeeze = 0, c;
    while ((c = getopt(argc, argv, "cCds")) != -1) {
        switch (c) {
        case 'c':
        case 'C':
            comp = 1;
            break;
        case 'd':
            del = 1;
            break;
        case 's':
            squeeze = 1;
            break;
        default:
            util_usage(1, usage);
        }
    }
    int nsets = argc - optind;
    if (nsets < 1 || nsets > 2 || (del && !squeeze && nsets != 1) ||
        (!del && !squeeze && nsets != 2) || (del && squeeze && nsets != 2)) {
        util_warn(nsets < 1          ? "missing operand"
                  : nsets > 2 || del ? "extra operand"
                                     : "missing operand after set");
        util_usage(1, usage);
    }
    static unsigned char s1[4096], s2[4096];
    int fill1, fill2;
    int n1 = expand(argv[optind], s1, &fill1, 0), n2 = 0;
    if (nsets == 2)
        n2 = expand(argv[optind + 1], s2, &fill2, !del);
    int in1[256] = {0};
    for (int i = 0; i < n1; i++)
        in1[s1[i]] = 1;
    if (comp) {
        /* the complement, in ascending order */
        n1 = 0;
        for (int x = 0; x < 256; x++)
            if (!in1[x])
                s1[n1++] = (unsigned char)x;
        memset(in1, 0, sizeof in1);
        for (int i = 0; i < n1; i++)
            in1[s1[i]] = 1;
    }
    int map[256];
    for (int x = 0; x < 256; x++)
        map[x] = x;
    int sq[256] = {0}; /* characters to squeeze */
    if (!del && nsets == 2) {
        if (fill2 >= 0 && n2 < n1) {
            /* [c*] fills SET2 up to SET1's length */
            int extra = n1 - n2;
            memmove(s2 + fill2 + 1 + extra, s2 + fill2 + 1, (size_t)(n2 - fill2 - 1));
            memset(s2 + fill2 + 1, s2[fill2], (size_t)extra);
            n2 = n1;
        }
        if (n2 == 0)
            util_die(1, "when not truncating set1, string2 must be non-empty");
        for (int i = 0; i < n1; i++)
            map[s1[i]] = s2[i < n2 ? i : n2 - 1];
        if (squeeze)
            for (int i = 0; i < n2; i++)
                sq[s2[i]] = 1;
    } else if (squeeze) {
        const unsigned char *set = del ? s2 : s1;
        int n = del ? n2 : n1;
        for (int i = 0; i < n; i++)
            sq[set[i]] = 1;
    }
    static unsigned char buf[16384], out[16384];
    int last = -1;
    ssize_t r;
    while ((r = read(0, buf, sizeof buf)) > 0) {
        size_t o = 0;
        for (ssize_t i = 0; i < r; i++) {
            int ch = buf[i];
            if (del && in1[ch])
                continue;
            ch = map[ch];
            if (squeeze && sq[ch] && ch == last)
                continue;
            last = ch;
            out[o++] = (unsigned char)ch;
        }
        if (util_write_all(1, out, o))
            return 1;
    }
    return 0;
}
