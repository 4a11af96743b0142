/*
 * strtod and strtof, correctly rounded (round to nearest, ties to even) for every input:
 * decimal, hexadecimal (0x1.8p3), inf/infinity and nan/nan(chars), C locale.
 *
 * Method: the decimal significand D (at most MAX_DIGITS digits; further non-zero digits
 * become one sticky digit, which cannot change a rounding decision because halfway points
 * between doubles have at most 767 significant digits) and exponent e10 give
 * value = N / P with N = D * 10^max(e10,0) and P = 10^max(-e10,0), both exact big integers.
 * One of them is shifted so that the quotient has 63 or 64 bits; a bit-serial long division
 * yields that quotient and a sticky remainder, and one rounding step (normal or subnormal)
 * finishes. Short inputs take Clinger's exact fast path. ERANGE follows glibc: on overflow,
 * and on underflow when the result is tiny after rounding and inexact.
 * strtold is strtod widened (see the guest section). Engine file: see core.h.
 */
#include "core.h"

#include <stdint.h>

#define MAX_DIGITS 800 /* > 767 + 1: enough significant digits for an exact decision */
#define BIG_LIMBS 136  /* 32-bit limbs: 10^(800 + 330) plus shifts fits in 4352 bits */

/* An IEEE binary format: precision p (with the hidden bit), exponent range. */
struct fp_format {
    int prec;    /* 53 or 24 */
    int emin;    /* exponent of the smallest normal: -1022 or -126 */
    int emax;    /* 1023 or 127 */
    int dec_max; /* decimal exponent above which every value overflows */
    int dec_min; /* decimal exponent below which every value rounds to 0 */
};

static const struct fp_format double_format = {53, -1022, 1023, 310, -326};
static const struct fp_format float_format = {24, -126, 127, 40, -47};

struct big {
    int n; /* limbs in use; v[n-1] != 0 unless n == 0 */
    uint32_t v[BIG_LIMBS];
};

static void big_set(struct big *b, uint32_t x)
{
    b->n = x ? 1 : 0;
    b->v[0] = x;
}

static void big_mul_add(struct big *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;

    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->v[i] * mul + carry;
        b->v[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        b->v[b->n++] = (uint32_t)carry;
}

static void big_mul_pow10(struct big *b, int k)
{
    static const uint32_t pow10[10] = {1,      10,      100,      1000,      10000,
                                       100000, 1000000, 10000000, 100000000, 1000000000};
    for (; k >= 9; k -= 9)
        big_mul_add(b, pow10[9], 0);
    if (k)
        big_mul_add(b, pow10[k], 0);
}

static int big_bitlen(const struct big *b)
{
    if (b->n == 0)
        return 0;
    return 32 * (b->n - 1) + 32 - __builtin_clz(b->v[b->n - 1]);
}

static void big_shl(struct big *b, int bits)
{
    int words = bits / 32, r = bits % 32;

    if (b->n == 0)
        return;
    b->v[b->n] = 0;
    for (int i = b->n; i >= 0; i--) {
        uint32_t hi = b->v[i] << r;
        uint32_t lo = (r && i > 0) ? b->v[i - 1] >> (32 - r) : 0;
        b->v[i + words] = hi | lo;
    }
    for (int i = 0; i < words; i++)
        b->v[i] = 0;
    b->n += words + 1;
    while (b->n && !b->v[b->n - 1])
        b->n--;
}

static void big_shr1(struct big *b)
{
    for (int i = 0; i < b->n; i++)
        b->v[i] = (b->v[i] >> 1) | (i + 1 < b->n ? b->v[i + 1] << 31 : 0);
    while (b->n && !b->v[b->n - 1])
        b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    return 0;
}

/* a -= b, with a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;

    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->v[i] - (i < b->n ? b->v[i] : 0) - borrow;
        borrow = t < 0;
        a->v[i] = (uint32_t)(t + (borrow << 32));
    }
    while (a->n && !a->v[a->n - 1])
        a->n--;
}

static uint64_t infinity_bits(const struct fp_format *f)
{
    return (uint64_t)(2 * f->emax + 1) << (f->prec - 1);
}

/* Round q to its top keep bits (keep may be <= 0 or >= the bits of q), ties to even.
 * *inexact gets whether any non-zero bit (or sticky) was dropped. */
static uint64_t round_bits(uint64_t q, long keep, int sticky, int *inexact)
{
    int qbits = 64 - __builtin_clzll(q);
    long drop = qbits - keep;
    uint64_t m;
    int round = 0;

    if (drop <= 0) {
        m = q << -drop;
    } else if (drop > 64) {
        m = 0;
        sticky = 1;
    } else if (drop == 64) {
        m = 0;
        round = (int)(q >> 63);
        sticky |= (q << 1) != 0;
    } else {
        m = q >> drop;
        round = (int)((q >> (drop - 1)) & 1);
        sticky |= (q & ((1ull << (drop - 1)) - 1)) != 0;
    }
    *inexact = round || sticky;
    if (round && (sticky || (m & 1)))
        m++;
    return m;
}

/*
 * Round q * 2^e2 (q != 0; sticky: there were more non-zero bits below q) to the format and
 * return its bits; *err gets VK_ERANGE on overflow, and on underflow when the result is
 * tiny after rounding (x86's rule) and inexact.
 */
static uint64_t round_to_format(uint64_t q, long e2, int sticky, const struct fp_format *f,
                                int *err)
{
    int qbits = 64 - __builtin_clzll(q);
    long e = e2 + qbits - 1; /* value in [2^e, 2^(e+1)) */
    int inexact;

    if (e > f->emax) {
        *err = VK_ERANGE;
        return infinity_bits(f);
    }
    if (e < f->emin) {
        /* Subnormal or zero: m counts units of 2^(emin - prec + 1); m == 2^(prec-1) is the
         * smallest normal, which this encoding produces by itself. */
        uint64_t m = round_bits(q, f->prec - (f->emin - e), sticky, &inexact);
        if (inexact) {
            /* Only e == emin - 1 can stop being tiny: when q rounded to prec bits (with an
             * unbounded exponent) carries up to 2^emin. */
            int tiny = 1;
            if (e == f->emin - 1) {
                int unused;
                tiny = round_bits(q, f->prec, sticky, &unused) >> f->prec == 0;
            }
            if (tiny)
                *err = VK_ERANGE;
        }
        return m;
    }
    uint64_t m = round_bits(q, f->prec, sticky, &inexact);
    if (m >> f->prec) {
        m >>= 1;
        e++;
        if (e > f->emax) {
            *err = VK_ERANGE;
            return infinity_bits(f);
        }
    }
    return ((uint64_t)(e + f->emax) << (f->prec - 1)) | (m & ((1ull << (f->prec - 1)) - 1));
}

/* digits[0..nd) are decimal digit values, no leading zero, nd >= 1. */
static uint64_t decimal_to_bits(const unsigned char *digits, int nd, long e10,
                                const struct fp_format *f, int *err)
{
    struct big num, den;

    /* Every value here is in [10^(nd+e10-1), 10^(nd+e10)). */
    if (nd + e10 - 1 > f->dec_max) {
        *err = VK_ERANGE;
        return infinity_bits(f);
    }
    if (nd + e10 < f->dec_min) {
        *err = VK_ERANGE;
        return 0;
    }

    /* Clinger's fast path: D and 10^|e10| exact in the format, one correctly rounded op. */
    if (nd <= 15 && e10 >= -22 && e10 <= 22 && f->prec == 53) {
        static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        uint64_t d = 0;
        for (int i = 0; i < nd; i++)
            d = d * 10 + digits[i];
        double v = (double)d;
        v = e10 < 0 ? v / p10[-e10] : v * p10[e10];
        uint64_t bits;
        __builtin_memcpy(&bits, &v, 8);
        return bits;
    }
    if (nd <= 7 && e10 >= -10 && e10 <= 10 && f->prec == 24) {
        static const float p10f[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                     1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
        uint32_t d = 0;
        for (int i = 0; i < nd; i++)
            d = d * 10 + digits[i];
        float v = (float)d;
        v = e10 < 0 ? v / p10f[-e10] : v * p10f[e10];
        uint32_t bits;
        __builtin_memcpy(&bits, &v, 4);
        return bits;
    }

    big_set(&num, 0);
    for (int i = 0; i < nd;) {
        uint32_t group = 0, mul = 1;
        for (int j = 0; j < 9 && i < nd; j++, i++) {
            group = group * 10 + digits[i];
            mul *= 10;
        }
        if (num.n == 0)
            big_set(&num, group);
        else
            big_mul_add(&num, mul, group);
    }
    big_set(&den, 1);
    if (e10 >= 0)
        big_mul_pow10(&num, (int)e10);
    else
        big_mul_pow10(&den, (int)-e10);

    /* Scale so that bitlen(num) - bitlen(den) == 63: the quotient has 63 or 64 bits. */
    long e2 = 0;
    int delta = 63 - (big_bitlen(&num) - big_bitlen(&den));
    if (delta >= 0)
        big_shl(&num, delta);
    else
        big_shl(&den, -delta);
    e2 = -delta;

    /* Bit-serial long division: den << 63 down to den. */
    uint64_t q = 0;
    big_shl(&den, 63);
    for (int bit = 63; bit >= 0; bit--) {
        if (big_cmp(&num, &den) >= 0) {
            big_sub(&num, &den);
            q |= 1ull << bit;
        }
        if (bit)
            big_shr1(&den);
    }
    return round_to_format(q, e2, num.n != 0, f, err);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive prefix match of a lower-case word. */
static int match_word(const char *s, const char *word)
{
    int i = 0;

    for (; word[i]; i++)
        if (lower((unsigned char)s[i]) != word[i])
            return 0;
    return i;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An optional exponent [eEpP][+-]digits at s; returns its length, 0 if malformed. The
 * value saturates far beyond any format's range. */
static int parse_exponent(const char *s, long *out)
{
    int i = 1, neg = 0;
    long v = 0;

    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    if (s[i] < '0' || s[i] > '9')
        return 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        if (v < 100000000)
            v = v * 10 + (s[i] - '0');
    *out = neg ? -v : v;
    return i;
}

static uint64_t parse_hex(const char *s, const char **end, const struct fp_format *f, int *err)
{
    uint64_t q = 0;
    long e2 = 0;
    int any = 0, sticky = 0, seen_point = 0;
    const char *p = s;

    for (;; p++) {
        if (*p == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        int d = hex_value((unsigned char)*p);
        if (d < 0)
            break;
        any = 1;
        if (q >> 60) {
            /* no room: the digit only counts as sticky, and as a power in the integer part */
            sticky |= d != 0;
            if (!seen_point)
                e2 += 4;
        } else {
            q = q << 4 | (uint64_t)d;
            if (seen_point)
                e2 -= 4;
        }
    }
    if (!any)
        return UINT64_MAX; /* caller: "0x" without digits parses as "0" */
    if (*p == 'p' || *p == 'P') {
        long pe;
        int n = parse_exponent(p, &pe);
        if (n) {
            e2 += pe;
            p += n;
        }
    }
    *end = p;
    if (q == 0)
        return 0;
    return round_to_format(q, e2, sticky, f, err);
}

static uint64_t parse_nan(const char *s, const char **end, const struct fp_format *f)
{
    uint64_t quiet = 1ull << (f->prec - 2);
    uint64_t bits = infinity_bits(f) | quiet;
    const char *p = s + 3;

    *end = p;
    if (*p != '(')
        return bits;
    const char *q = p + 1;
    while ((*q >= '0' && *q <= '9') ||
           (lower((unsigned char)*q) >= 'a' && lower((unsigned char)*q) <= 'z') || *q == '_')
        q++;
    if (*q != ')')
        return bits;
    *end = q + 1;
    /* glibc: a payload that parses entirely as a number goes into the low mantissa bits */
    char *pend;
    int perr;
    unsigned long long payload = vr_strtoint(p + 1, &pend, 0, ~0ull, &perr);
    if (pend == q && !perr)
        bits |= payload & (quiet - 1);
    return bits;
}

static uint64_t parse(const char *s, char **end, const struct fp_format *f, int *err)
{
    const char *p = s;
    uint64_t sign, bits;
    int n;

    *err = 0;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    sign = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-';
    sign <<= f->prec == 53 ? 63 : 31;

    if ((n = match_word(p, "inf"))) {
        p += n;
        if ((n = match_word(p, "inity")))
            p += n;
        bits = infinity_bits(f);
        goto done;
    }
    if (match_word(p, "nan")) {
        bits = parse_nan(p, &p, f);
        goto done;
    }
    if (p[0] == '0' && lower((unsigned char)p[1]) == 'x') {
        const char *hend;
        bits = parse_hex(p + 2, &hend, f, err);
        if (bits == UINT64_MAX) {
            bits = 0;
            p += 1; /* just the "0" */
        } else {
            p = hend;
        }
        goto done;
    }

    unsigned char digits[MAX_DIGITS + 1];
    int nd = 0, any = 0, seen_point = 0, truncated = 0;
    long e10 = 0;
    for (;; p++) {
        if (*p == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        if (*p < '0' || *p > '9')
            break;
        any = 1;
        int d = *p - '0';
        if (nd == 0 && d == 0) {
            if (seen_point)
                e10--; /* leading zero after the point */
            continue;
        }
        if (nd < MAX_DIGITS) {
            digits[nd++] = (unsigned char)d;
            if (seen_point)
                e10--;
        } else {
            truncated |= d != 0;
            if (!seen_point)
                e10++;
        }
    }
    if (!any) {
        if (end)
            *end = (char *)s;
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        long x;
        int len = parse_exponent(p, &x);
        if (len) {
            p += len;
            e10 += x;
        }
    }
    if (nd == 0) {
        bits = 0;
        goto done;
    }
    if (truncated) {
        /* D + a non-zero tail: one more digit 1 stands for it (see the file comment) */
        digits[nd++] = 1;
        e10--;
    }
    bits = decimal_to_bits(digits, nd, e10, f, err);
done:
    if (end)
        *end = (char *)p;
    return bits | sign;
}

double vr_strtod(const char *s, char **end, int *err)
{
    uint64_t bits = parse(s, end, &double_format, err);
    double d;

    __builtin_memcpy(&d, &bits, 8);
    return d;
}

float vr_strtof(const char *s, char **end, int *err)
{
    uint32_t bits = (uint32_t)parse(s, end, &float_format, err);
    float x;

    __builtin_memcpy(&x, &bits, 4);
    return x;
}

#ifdef VERIDIAN_GUEST
#include <errno.h>
#include <stdlib.h>

double strtod(const char *restrict s, char **restrict end)
{
    int err;
    double d = vr_strtod(s, end, &err);

    if (err)
        errno = err;
    return d;
}

float strtof(const char *restrict s, char **restrict end)
{
    int err;
    float x = vr_strtof(s, end, &err);

    if (err)
        errno = err;
    return x;
}

/* long double is parsed as a double (correctly rounded to 53 bits, then widened exactly). */
long double strtold(const char *restrict s, char **restrict end)
{
    return strtod(s, end);
}

double atof(const char *s)
{
    return strtod(s, NULL);
}
#endif
