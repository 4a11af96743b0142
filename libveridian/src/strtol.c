/*
 * strtol and friends: C11/POSIX integer parsing (optional white space and sign, bases 0 and
 * 2-36, 0x/0X prefix for 16, a leading 0 meaning 8 for base 0), with ERANGE clamping and
 * endptr exactly as glibc. One engine serves every width: see vr_strtoint in core.h.
 * Engine file: see core.h; errno is set only in the guest wrappers at the bottom.
 */
#include "core.h"

#include <limits.h>

static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    return 99;
}

static int is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

unsigned long long vr_strtoint(const char *s, char **end, int base, unsigned long long lim,
                               int *err)
{
    const unsigned char *p = (const unsigned char *)s;
    int neg = 0, overflow = 0, any = 0;
    unsigned long long v = 0;

    *err = 0;
    if (end)
        *end = (char *)s;
    if (base < 0 || base == 1 || base > 36) {
        *err = VK_EINVAL;
        return 0;
    }
    while (is_space(*p))
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && digit_value(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    /* Accumulate the magnitude, saturating: anything above ULLONG_MAX overflows every type. */
    for (;; p++) {
        int d = digit_value(*p);
        if (d >= base)
            break;
        any = 1;
        if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
            overflow = 1;
        else
            v = v * (unsigned)base + (unsigned)d;
    }
    if (!any)
        return 0; /* *end stays s: no conversion */
    if (end)
        *end = (char *)p;
    /* lim is odd for the unsigned types (all ones) and the signed minimum otherwise. */
    if (lim & 1) {
        if (overflow || v > lim) {
            *err = VK_ERANGE;
            return lim;
        }
        return neg ? 0 - v : v; /* unsigned: "-1" is the maximum, as C says */
    }
    if (overflow || v > lim || (!neg && v == lim)) {
        *err = VK_ERANGE;
        return neg ? lim : lim - 1;
    }
    return neg ? 0 - v : v;
}

#ifdef VERIDIAN_GUEST
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

static unsigned long long parse(const char *s, char **end, int base, unsigned long long lim)
{
    int err;
    unsigned long long v = vr_strtoint(s, end, base, lim, &err);

    if (err)
        errno = err;
    return v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
    return (long)parse(s, end, base, (unsigned long long)LONG_MIN);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
    return (unsigned long)parse(s, end, base, ULONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
    return (long long)parse(s, end, base, (unsigned long long)LLONG_MIN);
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
    return parse(s, end, base, ULLONG_MAX);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
    return (intmax_t)parse(s, end, base, (unsigned long long)INTMAX_MIN);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
    return (uintmax_t)parse(s, end, base, UINTMAX_MAX);
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
    return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
    return strtoll(s, NULL, 10);
}
#endif
