/*
 * fnmatch: POSIX shell patterns. * matches any run (not '/' under FNM_PATHNAME, not a
 * leading '.' under FNM_PERIOD), ? one character, [...] a bracket expression (ranges a-z,
 * negation with ! or ^, classes [:name:], a ']' first is literal), \c the character c unless
 * FNM_NOESCAPE. Backtracking is bounded: one saved position per '*' (the classic greedy
 * algorithm), so matching is O(pattern x string).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

static int fold(int c, int flags)
{
    return (flags & FNM_CASEFOLD) ? tolower(c) : c;
}

static int class_match(const char *name, size_t len, int c)
{
    static const struct {
        const char *name;
        int (*fn)(int);
    } classes[] = {{"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank},
                   {"cntrl", iscntrl}, {"digit", isdigit}, {"graph", isgraph},
                   {"lower", islower}, {"print", isprint}, {"punct", ispunct},
                   {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit}};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strlen(classes[i].name) == len && !memcmp(classes[i].name, name, len))
            return classes[i].fn(c) != 0;
    return -1;
}

/* Matches c against the bracket expression at p (just after '['): 1 match, 0 no match,
 * -1 not a bracket expression (no closing ']': the '[' is then literal). *end gets the
 * character after the closing ']'. */
static int bracket(const char *p, int c, int flags, const char **end)
{
    int negate = 0, matched = 0;
    if (*p == '!' || *p == '^') {
        negate = 1;
        p++;
    }
    const char *start = p;
    c = fold(c, flags);
    while (*p && (*p != ']' || p == start)) {
        if (p[0] == '[' && p[1] == ':') {
            const char *q = strstr(p + 2, ":]");
            if (q) {
                int r = class_match(p + 2, (size_t)(q - p - 2), c);
                if (r > 0)
                    matched = 1;
                if (r >= 0) {
                    p = q + 2;
                    continue;
                }
            }
        }
        int lo = (unsigned char)*p;
        if (lo == '\\' && !(flags & FNM_NOESCAPE) && p[1])
            lo = (unsigned char)*++p;
        p++;
        int hi = lo;
        if (p[0] == '-' && p[1] && p[1] != ']') {
            hi = (unsigned char)p[1];
            if (hi == '\\' && !(flags & FNM_NOESCAPE) && p[2])
                hi = (unsigned char)*++p;
            p += 2;
        }
        if ((flags & FNM_CASEFOLD) && lo == hi)
            lo = hi = fold(lo, flags);
        if (c >= lo && c <= hi)
            matched = 1;
    }
    if (*p != ']')
        return -1;
    *end = p + 1;
    return matched != negate;
}

static int leading_period(const char *s, const char *str, int flags)
{
    return (flags & FNM_PERIOD) && *s == '.' &&
           (s == str || ((flags & FNM_PATHNAME) && s[-1] == '/'));
}

int fnmatch(const char *pattern, const char *string, int flags)
{
    const char *p = pattern, *s = string;
    const char *star_p = NULL, *star_s = NULL;

    for (;;) {
        if (!*p) {
            if (!*s || ((flags & FNM_LEADING_DIR) && *s == '/'))
                return 0;
        } else if (*p == '*') {
            if (leading_period(s, string, flags))
                goto backtrack;
            while (*p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        } else if (*s) {
            const char *next = p + 1;
            int ok;
            if (*s == '/' && (flags & FNM_PATHNAME)) {
                ok = *p == '/';
            } else if (*p == '?') {
                ok = !leading_period(s, string, flags);
            } else if (*p == '[') {
                int r = bracket(p + 1, (unsigned char)*s, flags, &next);
                if (r < 0) {
                    ok = *s == '[';
                    next = p + 1;
                } else {
                    ok = r && !leading_period(s, string, flags);
                }
            } else {
                int pc = (unsigned char)*p;
                if (pc == '\\' && !(flags & FNM_NOESCAPE) && p[1]) {
                    pc = (unsigned char)p[1];
                    next = p + 2;
                }
                ok = fold(pc, flags) == fold((unsigned char)*s, flags);
            }
            if (ok) {
                p = next;
                s++;
                continue;
            }
        }
    backtrack:
        /* let the last '*' take one more character (never a '/' under FNM_PATHNAME) */
        if (!star_p || !*star_s || (*star_s == '/' && (flags & FNM_PATHNAME)))
            return FNM_NOMATCH;
        p = star_p;
        s = ++star_s;
    }
}
