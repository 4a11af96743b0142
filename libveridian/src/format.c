/*
 * The printf engine: vr_vformat formats a C11 printf format (flags -+ #0', field width and
 * precision including *, length hh h l ll j z t L, conversions d i u o x X c s p n % f F e E
 * g G a A, plus POSIX %n$ / *m$ positions) into a sink callback. Every stdio printf
 * function and snprintf are thin layers over it. Engine file: see core.h.
 *
 * Output must equal glibc's byte for byte in the C locale (tests/unit/libc/test_format.c
 * checks it on random formats). Floating point is exact: the value m * 2^e2 becomes an
 * exact big integer in base 10^9 (m * 2^e2, or m * 5^-e2 with -e2 decimal places), whose
 * digits are read by index and rounded half-to-even on the exact expansion; nothing is
 * computed in floating point. long double (x87 80-bit) is formatted exactly as well, with
 * a larger buffer (about 5 KiB of stack, only for %L conversions).
 * The ' flag is accepted and groups nothing (the C locale has no thousands separator).
 * A conversion glibc does not know is copied to the output as written.
 */
#include "core.h"

#include <float.h>
#include <limits.h>
#include <stdint.h>

#define POS_MAX 32 /* NL_ARGMAX: positions %1$ to %32$ */

/* ---- output: buffered in front of the sink ---- */

#define OUT_BUF 256

struct out {
    vr_sink_fn sink;
    void *ctx;
    size_t count; /* characters produced so far */
    int err;      /* first error (negative VK_E*), then nothing more reaches the sink */
    size_t len;
    char buf[OUT_BUF];
};

static void out_flush(struct out *o)
{
    if (o->len && !o->err) {
        int rc = o->sink(o->ctx, o->buf, o->len);
        if (rc < 0)
            o->err = rc;
    }
    o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    o->count += n;
    if (o->err)
        return;
    if (n > OUT_BUF - o->len) {
        out_flush(o);
        if (n >= OUT_BUF) {
            int rc = o->sink(o->ctx, s, n);
            if (rc < 0)
                o->err = rc;
            return;
        }
    }
    vr_memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_char(struct out *o, char c)
{
    o->count++;
    if (o->len == OUT_BUF)
        out_flush(o);
    o->buf[o->len++] = c;
}

static void out_pad(struct out *o, char c, size_t n)
{
    while (n && !o->err) {
        size_t room = OUT_BUF - o->len;
        if (room == 0) {
            out_flush(o);
            continue;
        }
        size_t k = n < room ? n : room;
        vr_memset(o->buf + o->len, c, k);
        o->len += k;
        o->count += k;
        n -= k;
    }
    if (n)
        o->count += n;
}

/* ---- conversion specifications ---- */

enum {
    F_MINUS = 1,
    F_PLUS = 2,
    F_SPACE = 4,
    F_HASH = 8,
    F_ZERO = 16,
    F_GROUP = 32,
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_J, LEN_Z, LEN_T, LEN_BIGL };

struct spec {
    unsigned flags;
    int width; /* -1: none */
    int prec;  /* -1: none */
    enum length len;
    char conv;
};

/* ---- arguments: in order from the va_list, or all positional (POSIX %n$) ---- */

enum arg_type { T_NONE, T_INT, T_LONG, T_PTR, T_DBL, T_LDBL };

union arg {
    uintmax_t i;
    double d;
    long double ld;
    void *p;
};

struct args {
    va_list *ap;
    const union arg *pos; /* non-NULL: positional mode, indexed from 1 */
};

static union arg fetch(va_list *ap, enum arg_type t)
{
    union arg a;

    a.i = 0;
    switch (t) {
    case T_INT:
        a.i = (uintmax_t)(intmax_t)va_arg(*ap, int);
        break;
    case T_LONG:
        a.i = va_arg(*ap, uintmax_t);
        break;
    case T_PTR:
        a.p = va_arg(*ap, void *);
        break;
    case T_DBL:
        a.d = va_arg(*ap, double);
        break;
    case T_LDBL:
        a.ld = va_arg(*ap, long double);
        break;
    case T_NONE:
        break;
    }
    return a;
}

static union arg get_arg(struct args *a, enum arg_type t, int index)
{
    if (a->pos)
        return a->pos[index];
    return fetch(a->ap, t);
}

static enum arg_type arg_type_of(const struct spec *s)
{
    switch (s->conv) {
    case 'd':
    case 'i':
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        return s->len == LEN_NONE || s->len == LEN_HH || s->len == LEN_H ? T_INT : T_LONG;
    case 'c':
        return T_INT;
    case 's':
    case 'p':
    case 'n':
        return T_PTR;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
        return s->len == LEN_BIGL ? T_LDBL : T_DBL;
    default:
        return T_NONE;
    }
}

/* A decimal number of at most INT_MAX at *p, or -1 when it overflows int. */
static int parse_int(const char **p)
{
    long v = 0;

    while (vr_isdigit((unsigned char)**p)) {
        if (v <= INT_MAX)
            v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v > INT_MAX ? -1 : (int)v;
}

/* "n$" at *p: the position, or 0 (and *p untouched) when there is none. */
static int parse_position(const char **p)
{
    const char *q = *p;

    if (!vr_isdigit((unsigned char)*q) || *q == '0')
        return 0;
    int n = parse_int(&q);
    if (*q != '$' || n <= 0)
        return 0;
    *p = q + 1;
    return n;
}

/*
 * Parse one conversion after its '%'. Positions (0 = sequential) go to *argpos, *wpos and
 * *ppos; width or precision from '*' are marked with width/prec == INT_MIN until fetched.
 * Returns 0, or -VR_EOVERFLOW for a number above INT_MAX.
 */
static int parse_spec(const char **pp, struct spec *s, int *argpos, int *wpos, int *ppos)
{
    const char *p = *pp;

    *argpos = parse_position(&p);
    *wpos = *ppos = 0;
    s->flags = 0;
    s->width = s->prec = -1;
    s->len = LEN_NONE;
    for (;; p++) {
        unsigned f = *p == '-'    ? F_MINUS
                     : *p == '+'  ? F_PLUS
                     : *p == ' '  ? F_SPACE
                     : *p == '#'  ? F_HASH
                     : *p == '0'  ? F_ZERO
                     : *p == '\'' ? F_GROUP
                                  : 0;
        if (!f)
            break;
        s->flags |= f;
    }
    if (*p == '*') {
        p++;
        *wpos = parse_position(&p);
        s->width = INT_MIN;
    } else if (vr_isdigit((unsigned char)*p)) {
        s->width = parse_int(&p);
        if (s->width < 0)
            return -VR_EOVERFLOW;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            p++;
            *ppos = parse_position(&p);
            s->prec = INT_MIN;
        } else {
            s->prec = parse_int(&p);
            if (s->prec < 0)
                return -VR_EOVERFLOW;
        }
    }
    switch (*p) {
    case 'h':
        s->len = p[1] == 'h' ? LEN_HH : LEN_H;
        p += p[1] == 'h' ? 2 : 1;
        break;
    case 'l':
        s->len = p[1] == 'l' ? LEN_LL : LEN_L;
        p += p[1] == 'l' ? 2 : 1;
        break;
    case 'q':
        s->len = LEN_LL;
        p++;
        break;
    case 'j':
        s->len = LEN_J;
        p++;
        break;
    case 'z':
        s->len = LEN_Z;
        p++;
        break;
    case 't':
        s->len = LEN_T;
        p++;
        break;
    case 'L':
        s->len = LEN_BIGL;
        p++;
        break;
    default:
        break;
    }
    s->conv = *p;
    if (*p)
        p++;
    *pp = p;
    return 0;
}

/* ---- padding around a body of known length ---- */

/* Emit the left padding for a field whose body (prefix included) has len characters and
 * return the right padding still owed. zero_ok: the '0' flag applies to this conversion;
 * the prefix (sign, 0x) is emitted here, before any zeros. */
static size_t field_begin(struct out *o, const struct spec *s, size_t len, const char *prefix,
                          size_t plen, int zero_ok)
{
    size_t width = s->width > 0 ? (size_t)s->width : 0;
    size_t fill = width > len ? width - len : 0;

    if (s->flags & F_MINUS) {
        out_put(o, prefix, plen);
        return fill;
    }
    if (zero_ok && (s->flags & F_ZERO)) {
        out_put(o, prefix, plen);
        out_pad(o, '0', fill);
    } else {
        out_pad(o, ' ', fill);
        out_put(o, prefix, plen);
    }
    return 0;
}

/* ---- integers ---- */

static void fmt_integer(struct out *o, const struct spec *s, uintmax_t raw)
{
    char digits[24], prefix[3];
    size_t plen = 0, nd = 0;
    int is_signed = s->conv == 'd' || s->conv == 'i';
    uintmax_t v;
    int neg = 0;

    if (is_signed) {
        intmax_t x;
        switch (s->len) {
        case LEN_HH:
            x = (signed char)raw;
            break;
        case LEN_H:
            x = (short)raw;
            break;
        case LEN_NONE:
            x = (int)raw;
            break;
        default:
            x = (intmax_t)raw;
            break;
        }
        neg = x < 0;
        v = neg ? 0 - (uintmax_t)x : (uintmax_t)x;
    } else {
        switch (s->len) {
        case LEN_HH:
            v = (unsigned char)raw;
            break;
        case LEN_H:
            v = (unsigned short)raw;
            break;
        case LEN_NONE:
            v = (unsigned int)raw;
            break;
        default:
            v = raw;
            break;
        }
    }

    unsigned base = s->conv == 'o'                                         ? 8
                    : (s->conv == 'x' || s->conv == 'X' || s->conv == 'p') ? 16
                                                                           : 10;
    const char *xdigits = s->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    for (uintmax_t t = v; t; t /= base)
        digits[sizeof digits - ++nd] = xdigits[t % base];

    if (neg)
        prefix[plen++] = '-';
    else if (is_signed && (s->flags & F_PLUS))
        prefix[plen++] = '+';
    else if (is_signed && (s->flags & F_SPACE))
        prefix[plen++] = ' ';
    if ((s->flags & F_HASH) && v != 0 && base == 16) {
        prefix[plen++] = '0';
        prefix[plen++] = s->conv == 'X' ? 'X' : 'x';
    }

    size_t zeros = 0;
    if (s->prec >= 0 && (size_t)s->prec > nd)
        zeros = (size_t)s->prec - nd;
    if (base == 8 && (s->flags & F_HASH) && zeros == 0)
        zeros = 1; /* '#' with o: the first digit is a 0 */
    if (s->prec < 0 && nd == 0)
        zeros = 1; /* the value 0 is "0" unless a precision of 0 erases it */

    size_t len = plen + zeros + nd;
    size_t right = field_begin(o, s, len, prefix, plen, s->prec < 0);
    out_pad(o, '0', zeros);
    out_put(o, digits + sizeof digits - nd, nd);
    out_pad(o, ' ', right);
}

/* %p: "(nil)" for NULL, otherwise like %#lx, where '+', ' ', '0' and the precision count */
static void fmt_pointer(struct out *o, const struct spec *s, void *p)
{
    if (!p) {
        size_t right = field_begin(o, s, 5, "(nil)", 5, 0);
        out_pad(o, ' ', right);
        return;
    }
    struct spec x = *s;
    x.conv = 'p';
    x.flags |= F_HASH;
    x.len = LEN_L;

    char digits[16], prefix[4];
    size_t nd = 0, plen = 0;
    for (uintptr_t t = (uintptr_t)p; t; t >>= 4)
        digits[sizeof digits - ++nd] = "0123456789abcdef"[t & 15];
    if (s->flags & F_PLUS)
        prefix[plen++] = '+';
    else if (s->flags & F_SPACE)
        prefix[plen++] = ' ';
    prefix[plen++] = '0';
    prefix[plen++] = 'x';
    size_t zeros = s->prec >= 0 && (size_t)s->prec > nd ? (size_t)s->prec - nd : 0;
    size_t right = field_begin(o, &x, plen + zeros + nd, prefix, plen, s->prec < 0);
    out_pad(o, '0', zeros);
    out_put(o, digits + sizeof digits - nd, nd);
    out_pad(o, ' ', right);
}

/* ---- characters and strings ---- */

static void fmt_chars(struct out *o, const struct spec *s, const char *str, size_t n)
{
    size_t right = field_begin(o, s, n, "", 0, 0);

    out_put(o, str, n);
    out_pad(o, ' ', right);
}

/* %ls / %lc: wide characters in the C locale, which is ASCII: anything else is EILSEQ. */
static int fmt_wide(struct out *o, const struct spec *s, const wchar_t *ws, size_t max)
{
    size_t n = 0;

    while (n < max && ws[n]) {
        if ((uint32_t)ws[n] >= 128)
            return -VR_EILSEQ;
        n++;
    }
    size_t right = field_begin(o, s, n, "", 0, 0);
    for (size_t i = 0; i < n; i++)
        out_char(o, (char)ws[i]);
    out_pad(o, ' ', right);
    return 0;
}

/* ---- floating point ---- */

/* A finite non-negative value m * 2^e2, or a special. */
struct fp_value {
    int neg;
    int special; /* 0, 'i' (inf) or 'n' (nan) */
    uint64_t m;
    int e2;
    /* for %a: the hex form lead.frac[0..fdigits) * 2^hexp */
    unsigned lead;
    uint64_t frac;
    int fdigits;
    int hexp;
    int is_long; /* the leading hex digit may reach 16 */
};

static void decompose_double(double d, struct fp_value *v)
{
    uint64_t bits;
    __builtin_memcpy(&bits, &d, 8);
    int exp = (int)(bits >> 52) & 0x7ff;
    uint64_t frac = bits & ((1ull << 52) - 1);

    v->neg = (int)(bits >> 63);
    v->special = exp == 0x7ff ? (frac ? 'n' : 'i') : 0;
    v->m = exp ? frac | 1ull << 52 : frac;
    v->e2 = (exp ? exp : 1) - 1075;
    v->lead = exp ? 1 : 0;
    v->frac = frac;
    v->fdigits = 13;
    v->hexp = v->m ? (exp ? exp : 1) - 1023 : 0;
    v->is_long = 0;
}

static void decompose_long_double(long double ld, struct fp_value *v)
{
    unsigned char raw[16];
    uint64_t m;
    uint16_t se;

    __builtin_memcpy(raw, &ld, 10);
    __builtin_memcpy(&m, raw, 8);
    __builtin_memcpy(&se, raw + 8, 2);
    int exp = se & 0x7fff;

    v->neg = se >> 15;
    v->special = exp == 0x7fff ? ((m << 1) ? 'n' : 'i') : 0;
    v->m = m;
    v->e2 = (exp ? exp : 1) - 16383 - 63;
    v->lead = (unsigned)(m >> 60);
    v->frac = m & ((1ull << 60) - 1);
    v->fdigits = 15;
    v->hexp = m ? (exp ? exp : 1) - 16383 - 3 : 0;
    v->is_long = 1;
}

static const uint32_t pow10_u32[10] = {1,      10,      100,      1000,      10000,
                                       100000, 1000000, 10000000, 100000000, 1000000000};

#define BASE 1000000000u

/* The exact decimal expansion of m * 2^e2 as a big integer in base 10^9. */
struct decimal {
    uint32_t *w; /* little-endian words */
    int nw;
    int lead_pad; /* 9 - digits in the top word */
    int ndig;     /* significant digits (0 for the value 0) */
    int e10;      /* power of ten of the leading digit */
    int lastnz;   /* index of the last non-zero digit */
};

static int big_mul(uint32_t *w, int n, uint32_t mul)
{
    uint64_t carry = 0;

    for (int i = 0; i < n; i++) {
        uint64_t t = (uint64_t)w[i] * mul + carry;
        w[i] = (uint32_t)(t % BASE);
        carry = t / BASE;
    }
    while (carry) {
        w[n++] = (uint32_t)(carry % BASE);
        carry /= BASE;
    }
    return n;
}

static int digit_at(const struct decimal *d, int i)
{
    if (i < 0 || i >= d->ndig)
        return 0;
    int g = i + d->lead_pad;
    return (int)(d->w[d->nw - 1 - g / 9] / pow10_u32[8 - g % 9] % 10);
}

/* w must hold enough words for the value (see the callers). */
static void decimal_expand(struct decimal *d, uint32_t *w, uint64_t m, int e2)
{
    int n = 0, frac_digits = 0;

    d->w = w;
    if (m == 0) {
        d->nw = d->ndig = d->e10 = d->lead_pad = d->lastnz = 0;
        return;
    }
    while (m) {
        w[n++] = (uint32_t)(m % BASE);
        m /= BASE;
    }
    if (e2 >= 0) {
        for (int k = e2; k > 0; k -= 29)
            n = big_mul(w, n, 1u << (k < 29 ? k : 29));
    } else {
        /* m * 2^-k = m * 5^k / 10^k */
        frac_digits = -e2;
        for (int k = -e2; k > 0; k -= 13) {
            uint32_t p5 = 1;
            for (int j = 0; j < (k < 13 ? k : 13); j++)
                p5 *= 5;
            n = big_mul(w, n, p5);
        }
    }
    d->nw = n;
    int top = 1;
    while (top < 9 && w[n - 1] >= pow10_u32[top])
        top++;
    d->lead_pad = 9 - top;
    d->ndig = 9 * (n - 1) + top;
    d->e10 = d->ndig - 1 - frac_digits;
    int z = 0;
    while (w[z] == 0)
        z++;
    uint32_t lw = w[z];
    int tz = 0;
    while (lw % 10 == 0) {
        lw /= 10;
        tz++;
    }
    d->lastnz = d->ndig - 1 - (9 * z + tz);
}

/* The digits of d kept to n significant digits, rounded half to even. */
struct rounded {
    const struct decimal *d;
    int n;      /* digits at index >= n are 0 */
    int up;     /* the kept part was incremented ... */
    int carry9; /* ... so digits [carry9, n) are 0 and digit carry9-1 is one more */
    int e10;    /* power of ten of the leading digit after rounding */
    int one;    /* rounding carried past the top: the value is 10^e10 exactly */
};

static void round_decimal(const struct decimal *d, long n, struct rounded *r)
{
    if (n > d->ndig)
        n = d->ndig; /* nothing to round: the digits end before */
    r->d = d;
    r->n = n < 0 ? 0 : (int)n;
    r->up = r->one = 0;
    r->carry9 = 0;
    r->e10 = d->e10;
    if (d->ndig == 0 || n >= d->ndig || n < 0)
        return;
    int rd = digit_at(d, (int)n);
    int sticky = d->lastnz > n;
    int odd = n > 0 ? digit_at(d, (int)n - 1) & 1 : 0;
    if (!(rd > 5 || (rd == 5 && (sticky || odd))))
        return;
    r->up = 1;
    int k = (int)n;
    while (k > 0 && digit_at(d, k - 1) == 9)
        k--;
    r->carry9 = k;
    if (k == 0) {
        r->one = 1;
        r->e10 = d->e10 + 1;
        r->n = 1;
    }
}

static int rdigit(const struct rounded *r, int i)
{
    if (i < 0 || i >= r->n)
        return 0;
    if (r->one)
        return i == 0;
    if (r->up && i >= r->carry9 - 1)
        return i == r->carry9 - 1 ? digit_at(r->d, i) + 1 : 0;
    return digit_at(r->d, i);
}

/* Index of the last non-zero digit of r, or -1 for zero. */
static int rlast_nonzero(const struct rounded *r)
{
    if (r->one)
        return 0;
    if (r->up)
        return r->carry9 - 1;
    int i = r->n < r->d->ndig ? r->n - 1 : r->d->ndig - 1;
    if (i > r->d->lastnz)
        i = r->d->lastnz;
    while (i >= 0 && digit_at(r->d, i) == 0)
        i--;
    return i;
}

/* Emit digits [from, from+count) of r, zeros outside its range coming in bulk. */
static void emit_digits(struct out *o, const struct rounded *r, int from, size_t count)
{
    int last = r->n < r->d->ndig || r->one ? r->n : r->d->ndig; /* beyond: zeros */
    char chunk[64];
    size_t len = 0;

    if (from < 0) {
        size_t z = (size_t)(-(long)from) < count ? (size_t)-from : count;
        out_pad(o, '0', z);
        count -= z;
        from = 0;
    }
    while (count && from < last) {
        chunk[len++] = (char)('0' + rdigit(r, from));
        from++;
        count--;
        if (len == sizeof chunk) {
            out_put(o, chunk, len);
            len = 0;
        }
    }
    out_put(o, chunk, len);
    out_pad(o, '0', count);
}

static size_t exponent_digits(int e, char *buf)
{
    unsigned u = e < 0 ? 0u - (unsigned)e : (unsigned)e;
    size_t n = 0;
    char tmp[12];

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 2)
        tmp[n++] = '0';
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static size_t sign_prefix(const struct spec *s, int neg, char *prefix)
{
    if (neg)
        prefix[0] = '-';
    else if (s->flags & F_PLUS)
        prefix[0] = '+';
    else if (s->flags & F_SPACE)
        prefix[0] = ' ';
    else
        return 0;
    return 1;
}

static void fmt_special(struct out *o, const struct spec *s, const struct fp_value *v)
{
    char prefix[1];
    size_t plen = sign_prefix(s, v->neg, prefix);
    int upper = s->conv >= 'A' && s->conv <= 'Z';
    const char *word = v->special == 'i' ? (upper ? "INF" : "inf") : (upper ? "NAN" : "nan");
    size_t right = field_begin(o, s, plen + 3, prefix, plen, 0);

    out_put(o, word, 3);
    out_pad(o, ' ', right);
}

/* %f with precision prec, from digits rounded at that place. */
static void emit_fixed(struct out *o, const struct spec *s, int neg, const struct decimal *d,
                       int prec, int strip)
{
    struct rounded r;
    char prefix[1];
    size_t plen = sign_prefix(s, neg, prefix);

    round_decimal(d, d->ndig ? (long)d->e10 + 1 + prec : 0, &r);
    int e10 = d->ndig ? r.e10 : 0;
    if (r.n == 0)
        e10 = 0; /* rounded to zero */
    size_t intdigits = e10 >= 0 ? (size_t)e10 + 1 : 1;
    size_t fdigits = (size_t)prec;
    if (strip) {
        /* %g: drop trailing zeros of the fraction */
        int last = rlast_nonzero(&r);
        long keep = last < 0 ? 0 : (long)last - e10; /* digit `last` has power e10 - last */
        fdigits = keep > 0 ? (size_t)keep : 0;
        if (fdigits > (size_t)prec)
            fdigits = (size_t)prec;
    }
    int point = fdigits > 0 || (s->flags & F_HASH);
    size_t len = plen + intdigits + (size_t)point + fdigits;
    size_t right = field_begin(o, s, len, prefix, plen, 1);

    if (e10 >= 0 && r.n > 0)
        emit_digits(o, &r, 0, intdigits);
    else
        out_char(o, '0');
    if (point)
        out_char(o, '.');
    /* fraction digit k (k = 1..) has power -k, index e10 + k in the digit string */
    if (r.n > 0)
        emit_digits(o, &r, e10 + 1, fdigits);
    else
        out_pad(o, '0', fdigits);
    out_pad(o, ' ', right);
}

/* %e with precision prec. */
static void emit_exp(struct out *o, const struct spec *s, int neg, const struct decimal *d,
                     int prec, int strip)
{
    struct rounded r;
    char prefix[1], ebuf[16];
    size_t plen = sign_prefix(s, neg, prefix);
    int upper = s->conv == 'E' || s->conv == 'G';

    round_decimal(d, d->ndig ? prec + 1 : 0, &r);
    int e10 = d->ndig ? r.e10 : 0;
    size_t fdigits = (size_t)prec;
    if (strip) {
        int last = rlast_nonzero(&r);
        fdigits = last > 0 ? (size_t)last : 0;
    }
    int point = fdigits > 0 || (s->flags & F_HASH);
    ebuf[0] = upper ? 'E' : 'e';
    ebuf[1] = e10 < 0 ? '-' : '+';
    size_t elen = 2 + exponent_digits(e10, ebuf + 2);
    size_t len = plen + 1 + (size_t)point + fdigits + elen;
    size_t right = field_begin(o, s, len, prefix, plen, 1);

    out_char(o, (char)('0' + rdigit(&r, 0)));
    if (point)
        out_char(o, '.');
    emit_digits(o, &r, 1, fdigits);
    out_put(o, ebuf, elen);
    out_pad(o, ' ', right);
}

static void fmt_decimal(struct out *o, const struct spec *s, const struct fp_value *v,
                        uint32_t *words)
{
    struct decimal d;
    int prec = s->prec < 0 ? 6 : s->prec;

    decimal_expand(&d, words, v->m, v->e2);
    switch (s->conv) {
    case 'f':
    case 'F':
        emit_fixed(o, s, v->neg, &d, prec, 0);
        break;
    case 'e':
    case 'E':
        emit_exp(o, s, v->neg, &d, prec, 0);
        break;
    default: {
        /* %g: P significant digits; X the exponent %e would print */
        struct rounded r;
        int p = prec == 0 ? 1 : prec;
        round_decimal(&d, d.ndig ? p : 0, &r);
        int x = d.ndig ? r.e10 : 0;
        int strip = !(s->flags & F_HASH);
        if (x < p && x >= -4)
            emit_fixed(o, s, v->neg, &d, p - 1 - x, strip);
        else
            emit_exp(o, s, v->neg, &d, p - 1, strip);
        break;
    }
    }
}

/* Words for the exact expansion: digits of m (<= 20) plus log10(5^k) or log10(2^e2). */
#define DBL_WORDS ((20 + 752) / 9 + 4)
#define LDBL_WORDS ((20 + 11496) / 9 + 4)

__attribute__((noinline)) static void fmt_decimal_double(struct out *o, const struct spec *s,
                                                         const struct fp_value *v)
{
    uint32_t words[DBL_WORDS];

    fmt_decimal(o, s, v, words);
}

__attribute__((noinline)) static void fmt_decimal_long(struct out *o, const struct spec *s,
                                                       const struct fp_value *v)
{
    uint32_t words[LDBL_WORDS];

    fmt_decimal(o, s, v, words);
}

/* %a: [-]0xh.hhhp±d, the leading digit as glibc prints it (1 for normal doubles, the top
 * nibble of the 64-bit significand for long double). */
static void fmt_hex(struct out *o, const struct spec *s, const struct fp_value *v)
{
    int upper = s->conv == 'A';
    const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    unsigned lead = v->lead;
    uint64_t frac = v->frac;
    int fd = v->fdigits, hexp = v->hexp;

    if (v->m == 0) {
        lead = 0;
        frac = 0;
        hexp = 0;
    }
    if (s->prec >= 0 && s->prec < fd) {
        int drop = (fd - s->prec) * 4;
        uint64_t kept = frac >> drop;
        uint64_t rest = frac & ((1ull << drop) - 1);
        uint64_t half = 1ull << (drop - 1);
        if (rest > half || (rest == half && ((s->prec ? kept : lead) & 1)))
            kept++;
        if (s->prec < 16 && kept >> (s->prec * 4)) {
            kept &= (1ull << (s->prec * 4)) - 1;
            lead++;
        }
        frac = kept;
        fd = s->prec;
        if (v->is_long && lead == 16) {
            lead = 1;
            hexp += 4;
        }
    }
    /* without a precision: as many digits as needed, no trailing zeros */
    int ndig = fd;
    if (s->prec < 0)
        while (ndig > 0 && ((frac >> ((fd - ndig) * 4)) & 15) == 0)
            ndig--;
    size_t zeros = s->prec > fd ? (size_t)(s->prec - fd) : 0;

    char prefix[3], body[20], ebuf[16];
    size_t plen = sign_prefix(s, v->neg, prefix);
    prefix[plen++] = '0';
    prefix[plen++] = upper ? 'X' : 'x';
    size_t blen = 0;
    body[blen++] = xd[lead];
    int point = ndig > 0 || zeros || (s->flags & F_HASH);
    if (point)
        body[blen++] = '.';
    for (int i = 0; i < ndig; i++)
        body[blen++] = xd[(frac >> ((fd - 1 - i) * 4)) & 15];
    ebuf[0] = upper ? 'P' : 'p';
    ebuf[1] = hexp < 0 ? '-' : '+';
    size_t elen = 2;
    {
        char tmp[12];
        size_t n = 0;
        unsigned u = hexp < 0 ? 0u - (unsigned)hexp : (unsigned)hexp;
        do {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        while (n)
            ebuf[elen++] = tmp[--n];
    }
    size_t right = field_begin(o, s, plen + blen + zeros + elen, prefix, plen, 1);
    out_put(o, body, blen);
    out_pad(o, '0', zeros);
    out_put(o, ebuf, elen);
    out_pad(o, ' ', right);
}

static void fmt_float(struct out *o, const struct spec *s, union arg a)
{
    struct fp_value v;

    if (s->len == LEN_BIGL)
        decompose_long_double(a.ld, &v);
    else
        decompose_double(a.d, &v);
    if (v.special) {
        fmt_special(o, s, &v);
        return;
    }
    if (s->conv == 'a' || s->conv == 'A')
        fmt_hex(o, s, &v);
    else if (v.is_long)
        fmt_decimal_long(o, s, &v);
    else
        fmt_decimal_double(o, s, &v);
}

/* ---- %n ---- */

static void store_count(const struct spec *s, void *p, size_t count)
{
    switch (s->len) {
    case LEN_HH:
        *(signed char *)p = (signed char)count;
        break;
    case LEN_H:
        *(short *)p = (short)count;
        break;
    case LEN_L:
    case LEN_Z:
    case LEN_T:
    case LEN_J:
    case LEN_LL:
        *(long *)p = (long)count;
        break;
    default:
        *(int *)p = (int)count;
        break;
    }
}

/* ---- the driver ---- */

static int format_one(struct out *o, struct spec *s, struct args *a, int argpos, int wpos, int ppos)
{
    if (s->width == INT_MIN) {
        int w = (int)get_arg(a, T_INT, wpos).i;
        if (w < 0) {
            s->flags |= F_MINUS;
            w = w == INT_MIN ? INT_MAX : -w;
        }
        s->width = w;
    }
    if (s->prec == INT_MIN) {
        int p = (int)get_arg(a, T_INT, ppos).i;
        s->prec = p < 0 ? -1 : p;
    }
    if (s->flags & F_MINUS)
        s->flags &= ~(unsigned)F_ZERO;
    if (s->conv == '%') {
        out_char(o, '%');
        return 0;
    }
    union arg arg = get_arg(a, arg_type_of(s), argpos);
    switch (s->conv) {
    case 'd':
    case 'i':
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        fmt_integer(o, s, arg.i);
        break;
    case 'c':
        if (s->len == LEN_L) {
            wchar_t wc[1] = {(wchar_t)(uint32_t)arg.i};
            if (wc[0] == 0) {
                fmt_chars(o, s, "", 1);
                break;
            }
            return fmt_wide(o, s, wc, 1);
        } else {
            char c = (char)arg.i;
            fmt_chars(o, s, &c, 1);
        }
        break;
    case 's':
        if (s->len == LEN_L) {
            const wchar_t *ws = arg.p;
            if (!ws) {
                const char *null = s->prec < 0 || s->prec >= 6 ? "(null)" : "";
                fmt_chars(o, s, null, vr_strlen(null));
                break;
            }
            return fmt_wide(o, s, ws, s->prec < 0 ? SIZE_MAX : (size_t)s->prec);
        } else {
            const char *str = arg.p;
            if (!str)
                str = s->prec < 0 || s->prec >= 6 ? "(null)" : "";
            size_t n = s->prec < 0 ? vr_strlen(str) : vr_strnlen(str, (size_t)s->prec);
            fmt_chars(o, s, str, n);
        }
        break;
    case 'p':
        fmt_pointer(o, s, arg.p);
        break;
    case 'n':
        if (arg.p)
            store_count(s, arg.p, o->count);
        break;
    default:
        fmt_float(o, s, arg);
        break;
    }
    return 0;
}

static int is_known_conversion(char c)
{
    return c && vr_strchr("diouxXcspnfFeEgGaA%", c) != NULL;
}

/* Positional pre-pass: record every position's type, then read them all in order. */
static int collect_positional(const char *fmt, va_list *ap, union arg *pos)
{
    enum arg_type types[POS_MAX + 1];
    int max = 0;

    for (int i = 0; i <= POS_MAX; i++)
        types[i] = T_NONE;
    for (const char *p = fmt; (p = vr_strchr(p, '%'));) {
        struct spec s;
        int argpos, wpos, ppos;
        p++;
        if (parse_spec(&p, &s, &argpos, &wpos, &ppos) < 0)
            return -VR_EOVERFLOW;
        if (s.conv == '%')
            continue;
        if (!is_known_conversion(s.conv))
            continue;
        if (argpos <= 0 || argpos > POS_MAX || (s.width == INT_MIN && wpos <= 0) ||
            (s.prec == INT_MIN && ppos <= 0) || wpos > POS_MAX || ppos > POS_MAX)
            return -VK_EINVAL; /* mixed with sequential arguments, or too large */
        types[argpos] = arg_type_of(&s);
        if (wpos)
            types[wpos] = T_INT;
        if (ppos)
            types[ppos] = T_INT;
        int m = argpos > wpos ? argpos : wpos;
        m = m > ppos ? m : ppos;
        max = m > max ? m : max;
    }
    for (int i = 1; i <= max; i++) {
        if (types[i] == T_NONE)
            return -VK_EINVAL; /* a gap: its type, hence its size, is unknown */
        pos[i] = fetch(ap, types[i]);
    }
    return 0;
}

static int uses_positional(const char *fmt)
{
    const char *p = vr_strchr(fmt, '%');

    while (p && p[1] == '%')
        p = vr_strchr(p + 2, '%');
    if (!p)
        return 0;
    p++;
    return parse_position(&p) > 0;
}

int vr_vformat(vr_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
    struct out o;
    union arg pos[POS_MAX + 1];
    va_list ap2;
    struct args a;
    int rc = 0;

    o.sink = sink;
    o.ctx = ctx;
    o.count = 0;
    o.err = 0;
    o.len = 0;
    va_copy(ap2, ap);
    a.ap = &ap2;
    a.pos = NULL;
    if (uses_positional(fmt)) {
        rc = collect_positional(fmt, &ap2, pos);
        if (rc < 0)
            goto done;
        a.pos = pos;
    }
    for (const char *p = fmt; *p && !o.err;) {
        const char *q = vr_strchrnul(p, '%');
        out_put(&o, p, (size_t)(q - p));
        if (!*q)
            break;
        const char *start = q;
        p = q + 1;
        struct spec s;
        int argpos, wpos, ppos;
        rc = parse_spec(&p, &s, &argpos, &wpos, &ppos);
        if (rc < 0)
            goto done;
        if (!is_known_conversion(s.conv)) {
            out_put(&o, start, (size_t)(p - start));
            continue;
        }
        rc = format_one(&o, &s, &a, argpos, wpos, ppos);
        if (rc < 0)
            goto done;
        if (o.count > INT_MAX) {
            rc = -VR_EOVERFLOW;
            goto done;
        }
    }
    out_flush(&o);
    rc = o.err ? o.err : o.count > INT_MAX ? -VR_EOVERFLOW : (int)o.count;
done:
    va_end(ap2);
    return rc;
}

/* ---- snprintf's sink ---- */

struct buf_sink {
    char *buf;
    size_t room; /* bytes that may still be stored, the final NUL excluded */
};

static int buf_put(void *ctx, const char *s, size_t n)
{
    struct buf_sink *b = ctx;
    size_t k = n < b->room ? n : b->room;

    vr_memcpy(b->buf, s, k);
    b->buf += k;
    b->room -= k;
    return 0;
}

int vr_vsnformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct buf_sink b = {buf, n ? n - 1 : 0};
    int rc = vr_vformat(buf_put, &b, fmt, ap);

    if (n)
        *b.buf = 0;
    return rc;
}

int vr_snformat(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vr_vsnformat(buf, n, fmt, ap);
    va_end(ap);
    return rc;
}
