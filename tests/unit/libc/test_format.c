/*
 * The printf engine (libveridian/src/format.c) against glibc's vsnprintf: random
 * conversions (every flag, width and precision, also through '*', every length modifier)
 * with random values, including doubles over the whole exponent range and x87 long
 * doubles, must produce the same bytes and the same return value. Plus fixed cases for
 * positional arguments, %n, errors and the sink protocol.
 */
#include <check.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core.h"
#include "libc_test.h"

#define BUF 16384

static char want[BUF], got[BUF];

static void check_fmt(const char *fmt, ...)
{
    va_list ap, ap2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    int wr = vsnprintf(want, sizeof want, fmt, ap);
    int gr = vr_vsnformat(got, sizeof got, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    if (wr != gr || strcmp(want, got) != 0)
        ck_abort_msg("format \"%s\": glibc %d \"%.300s\", ours %d \"%.300s\"", fmt, wr, want, gr,
                     got);
}

/* ---- random formats ---- */

/* "%" flags [width] [.prec] len conv; star: 1 width from an argument, 2 precision, 3 both */
static void gen_spec(struct rng *r, char *out, const char *flags, const char *len, char conv,
                     int with_prec, int *star)
{
    char *p = out;

    *p++ = '%';
    for (const char *f = flags; *f; f++)
        if (rng_below(r, 4) == 0)
            *p++ = *f;
    *star = 0;
    switch (rng_below(r, 8)) {
    case 0:
    case 1:
    case 2:
        break;
    case 3:
        *p++ = '*';
        *star |= 1;
        break;
    default:
        p += sprintf(p, "%d", 1 + (int)rng_below(r, 50));
        break;
    }
    if (with_prec) {
        switch (rng_below(r, 8)) {
        case 0:
        case 1:
        case 2:
            break;
        case 3:
            *p++ = '.';
            break;
        case 4:
            p += sprintf(p, ".*");
            *star |= 2;
            break;
        default:
            p += sprintf(p, ".%d", (int)rng_below(r, 41));
            break;
        }
    }
    p = stpcpy(p, len);
    *p++ = conv;
    *p = 0;
}

static int star_width(struct rng *r)
{
    return (int)rng_below(r, 101) - 50; /* negative: '-' flag */
}

static int star_prec(struct rng *r)
{
    return (int)rng_below(r, 46) - 5; /* negative: as if none */
}

/* Call check_fmt with the '*' arguments in front of value. */
#define CHECK_STAR(r, fmt, star, value)                                                            \
    do {                                                                                           \
        switch (star) {                                                                            \
        case 0:                                                                                    \
            check_fmt(fmt, value);                                                                 \
            break;                                                                                 \
        case 1:                                                                                    \
            check_fmt(fmt, star_width(r), value);                                                  \
            break;                                                                                 \
        case 2:                                                                                    \
            check_fmt(fmt, star_prec(r), value);                                                   \
            break;                                                                                 \
        default: {                                                                                 \
            int w_ = star_width(r);                                                                \
            check_fmt(fmt, w_, star_prec(r), value);                                               \
            break;                                                                                 \
        }                                                                                          \
        }                                                                                          \
    } while (0)

/*
 * glibc's one known deviation from C11: %#g whose value rounds up to a new power of ten
 * that moves it from the %f style to the %e style ("%#.3g" of 999.5) drops the fraction
 * digits ("1.e+03"); C says "1.00e+03", as %#.2e prints. For %#g and %#G (fmt has no '*'),
 * the reference is therefore %#.(P-1)e whenever the %e style applies.
 */
static int is_hash_g(const char *fmt)
{
    size_t n = strlen(fmt);

    return strchr(fmt, '#') && (fmt[n - 1] == 'g' || fmt[n - 1] == 'G') && !strchr(fmt, '*');
}

static void check_hash_g(const char *fmt, long double x, int is_long)
{
    char efmt[64], probe[128];
    const char *dot = strchr(fmt, '.');
    int p = dot ? atoi(dot + 1) : 6;
    size_t n = strlen(fmt);
    char upper = fmt[n - 1] == 'G';

    if (p == 0)
        p = 1;
    if (is_long)
        snprintf(probe, sizeof probe, "%.*Le", p - 1, x);
    else
        snprintf(probe, sizeof probe, "%.*e", p - 1, (double)x);
    const char *e = strchr(probe, 'e');
    int exp10 = e ? atoi(e + 1) : 0;
    if (!e || (exp10 >= -4 && exp10 < p)) {
        if (is_long)
            check_fmt(fmt, x);
        else
            check_fmt(fmt, (double)x);
        return;
    }
    /* same flags and width, precision P-1, conversion e */
    size_t head = dot ? (size_t)(dot - fmt) : n - 1 - (is_long ? 1 : 0);
    snprintf(efmt, sizeof efmt, "%.*s.%d%s%c", (int)head, fmt, p - 1, is_long ? "L" : "",
             upper ? 'E' : 'e');
    if (is_long) {
        snprintf(want, sizeof want, efmt, x);
        vr_snformat(got, sizeof got, fmt, x);
    } else {
        snprintf(want, sizeof want, efmt, (double)x);
        vr_snformat(got, sizeof got, fmt, (double)x);
    }
    if (strcmp(want, got) != 0)
        ck_abort_msg("format \"%s\" (as \"%s\"): glibc \"%s\", ours \"%s\"", fmt, efmt, want, got);
}

static uint64_t random_int(struct rng *r)
{
    uint64_t v = rng_next(r) >> rng_below(r, 64);

    switch (rng_below(r, 10)) {
    case 0:
        return 0;
    case 1:
        return (uint64_t)1 << rng_below(r, 64);
    case 2:
        return (uint64_t) - (int64_t)v;
    default:
        return v;
    }
}

static double bits_to_double(uint64_t b)
{
    double d;

    memcpy(&d, &b, sizeof d);
    return d;
}

static double random_double(struct rng *r)
{
    switch (rng_below(r, 12)) {
    case 0: { /* small decimals: the usual case, and ties for %.Nf */
        double d = (double)(int64_t)rng_below(r, 2000001) - 1000000;
        return d / pow(10, (double)rng_below(r, 8));
    }
    case 1: /* exact binary fractions: many exact ties */
        return ldexp((double)rng_below(r, 1u << 20), -(int)rng_below(r, 25)) *
               (rng_below(r, 2) ? -1 : 1);
    case 2: { /* specials */
        static const double s[] = {0.0, -0.0, 1.0, 0.5, 9.5, 99.5, 0.95, 999999.5};
        switch (rng_below(r, 8)) {
        case 0:
            return INFINITY;
        case 1:
            return -INFINITY;
        case 2:
            return NAN;
        case 3:
            return -NAN;
        case 4:
            return DBL_MAX;
        case 5:
            return DBL_MIN;
        case 6:
            return DBL_TRUE_MIN;
        default:
            return s[rng_below(r, 8)];
        }
    }
    case 3: /* subnormals */
        return bits_to_double(rng_below(r, 1ull << 52) | (rng_next(r) & (1ull << 63)));
    case 4: /* near powers of ten: carries into a new digit */
        return nextafter(pow(10, (double)rng_below(r, 40) - 20), rng_below(r, 2) ? 0 : INFINITY);
    default: { /* any finite value */
        uint64_t b;
        do
            b = rng_next(r);
        while (((b >> 52) & 0x7ff) == 0x7ff);
        return bits_to_double(b);
    }
    }
}

static long double make_long_double(uint64_t m, unsigned se)
{
    unsigned char raw[sizeof(long double)] = {0};
    long double x;

    memcpy(raw, &m, 8);
    memcpy(raw + 8, &se, 2);
    memcpy(&x, raw, sizeof x);
    return x;
}

static long double random_long_double(struct rng *r, int extreme)
{
    unsigned sign = rng_below(r, 2) ? 0x8000 : 0;

    switch (rng_below(r, 6)) {
    case 0:
        return (long double)random_double(r);
    case 1: /* denormal */
        if (extreme)
            return make_long_double(rng_next(r) >> 1 >> rng_below(r, 63), sign);
        /* fall through */
    default: {
        unsigned exp = extreme ? 1 + (unsigned)rng_below(r, 0x7ffe)
                               : 16383 - 1500 + (unsigned)rng_below(r, 3000);
        uint64_t m = rng_next(r) | 1ull << 63;
        if (rng_below(r, 3) == 0)
            m &= ~0ull << rng_below(r, 64); /* short mantissas: more exact ties */
        return make_long_double(m | 1ull << 63, exp | sign);
    }
    }
}

static char random_char(struct rng *r)
{
    return (char)(' ' + rng_below(r, 95));
}

/* ---- tests ---- */

START_TEST(test_fixed_cases)
{
    check_fmt("plain text");
    check_fmt("%%");
    check_fmt("[%5%]");
    check_fmt("%d %i %u %o %x %X", -42, 42, 42u, 42u, 0xbeefu, 0xbeefu);
    check_fmt("%+d % d %+d % d", 5, 5, -5, -5);
    check_fmt("%.0d|%+.0d|% .0d|%5.0d|%-5.0d|", 0, 0, 0, 0, 0);
    check_fmt("%#o %#.0o %#x %#X %#.3x %#5o %#.5o", 8u, 0u, 0u, 255u, 0u, 8u, 8u);
    check_fmt("%hhd %hd %hhu %hu %hhx", 300, 70000, -1, -1, 0x1ff);
    check_fmt("%ld %lld %lu %llu", LONG_MIN, LLONG_MIN, ULONG_MAX, ULLONG_MAX);
    check_fmt("%jd %ju %zd %zu %td", INTMAX_MIN, UINTMAX_MAX, (ssize_t)-1, SIZE_MAX, (ptrdiff_t)-7);
    check_fmt("%'d %'.2f %'g", 1234567, 12345.678, 1234567.0);
    check_fmt("[%c] [%5c] [%-5c] [%5.2c]", 'a', 'b', 'c', 'd');
    check_fmt("[%s] [%.3s] [%.6s] [%10s] [%-10.2s]", (char *)NULL, (char *)NULL, (char *)NULL,
              (char *)NULL, (char *)NULL);
    check_fmt("[%s] [%.2s] [%10s] [%-10s] [%.0s]", "hello", "hello", "hi", "hi", "x");
    check_fmt("[%p] [%10p] [%-10p] [%+p] [% p] [%020p] [%.30p] [%#p] [%5p]", (void *)0x1234,
              (void *)NULL, (void *)NULL, (void *)0x1234, (void *)0x1234, (void *)0x1234,
              (void *)0x1234, (void *)0x1234, (void *)-1);
    check_fmt("[%lc] [%ls] [%5lc] [%-6ls] [%.2ls] [%ls] [%.3ls]", (wint_t)'a', L"wide", (wint_t)'z',
              L"ab", L"abcdef", (wchar_t *)NULL, (wchar_t *)NULL);
    check_fmt("[%05.1f] [%-08.3e] [%+.0e] [%#.0f] [%#.0e] [%#g] [%g] [%g]", 3.14159, 2.5, 0.0, 1.0,
              1.0, 1.0, 100000.0, 1000000.0);
    check_fmt("[%010f] [%-010f] [%+f] [% F] [%010e] [%e] [%E] [%G] [%a] [%A]", INFINITY, -INFINITY,
              NAN, -NAN, INFINITY, -NAN, INFINITY, NAN, -INFINITY, NAN);
    check_fmt("[%#.3g] [%.0g] [%#.0g] [%g] [%g] [%.20g] [%g] [%#g]", 1.0, 0.5, 0.5, 1e-5,
              123456789.0, 0.1, 0.0, 0.0);
    check_fmt("[%.0f] [%.0f] [%.0f] [%.1f] [%.2f] [%.0e] [%.0e] [%.3f]", 0.5, 1.5, 2.5, 0.25, 1.005,
              2.5, 3.5, 0.0005);
    check_fmt("[%.1a] [%.0a] [%a] [%a] [%a] [%.2a] [%a] [%.0a] [%.0a] [%.1a] [%#a] [%#.0a]",
              1.96875, 1.5, 0.0, DBL_MIN / 4, 1.0, 1.99999, -0.0, 2.5, 3.5, 0x1.18p0, 1.0, 1.0);
    check_fmt("[%.13a] [%.20a] [%.1a] [%.12a] [%a] [%a]", DBL_TRUE_MIN, 1.0 / 3, 0x1.fffp-1022,
              0x0.fffffffffffffp-1022, DBL_MAX, -DBL_MIN);
    check_fmt("[%La] [%La] [%La] [%.3La] [%La] [%La] [%.0La] [%.20La]", 1.0L, 3.0L, LDBL_MIN / 4,
              1.99999L, LDBL_MIN, 0.0L, 15.5L, LDBL_MAX);
    check_fmt("[%Lf] [%Le] [%.30Lg] [%Lg] [%.40Le] [%Lf]", 1.0L / 3, 1e4000L, 0.1L, LDBL_MAX,
              LDBL_TRUE_MIN, -LDBL_MAX);
    check_fmt("%f %e %g", DBL_MAX, DBL_MAX, DBL_MAX);
    check_fmt("%.1100f", DBL_TRUE_MIN);
    check_fmt("%.800e %.800g", DBL_TRUE_MIN, DBL_MIN);
    check_fmt("%5$s %1$d %2$.*4$f %3$c %1$x", 255, 3.14159, 'z', 3, "pos");
    check_fmt("%1$*2$.*3$d|%1$-*2$d|", 42, 8, 4);
    check_fmt("%2$s %1$s", "world", "hello");
    check_fmt("a%cb%sc%dd%fe%gf", 'X', "str", -3, 2.5, 1e100);
    check_fmt("[%y] [%-5y] [%", 1);
}
END_TEST

/* vr_snformat without the format attribute: for formats that are wrong on purpose */
static int raw_format(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vr_vsnformat(buf, n, fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(test_count_and_errors)
{
    int n1 = -1, n3 = -1;
    signed char n0 = -1;
    short n2 = -1;
    long n4 = -1;
    long long n5 = -1;
    size_t n6 = 0;
    char buf[64];

    ck_assert_int_eq(vr_snformat(buf, sizeof buf, "ab%hhnc%hnde%nf%s%n%ln%lln%zn", &n0, &n2, &n1,
                                 "xyz", &n3, &n4, &n5, &n6),
                     9);
    ck_assert_int_eq(n0, 2);
    ck_assert_int_eq(n2, 3);
    ck_assert_int_eq(n1, 5);
    ck_assert_int_eq(n3, 9);
    ck_assert_int_eq(n4, 9);
    ck_assert_int_eq(n5, 9);
    ck_assert_uint_eq(n6, 9);

    /* snprintf truncation and size 0 */
    ck_assert_int_eq(vr_snformat(buf, 5, "%s", "abcdefgh"), 8);
    ck_assert_str_eq(buf, "abcd");
    ck_assert_int_eq(vr_snformat(NULL, 0, "%d", 12345), 5);
    buf[0] = 'q';
    ck_assert_int_eq(vr_snformat(buf, 1, "%d", 12345), 5);
    ck_assert_int_eq(buf[0], 0);

    /* more than INT_MAX characters, widths above INT_MAX */
    ck_assert_int_eq(vr_snformat(NULL, 0, "%2147483647d", 1), INT_MAX);
    ck_assert_int_eq(raw_format(NULL, 0, "%2147483647d%d", 1, 2), -VR_EOVERFLOW);
    ck_assert_int_eq(raw_format(NULL, 0, "%2147483648d", 1), -VR_EOVERFLOW);
    ck_assert_int_eq(raw_format(NULL, 0, "%.2147483648d", 1), -VR_EOVERFLOW);
    /* %lc outside the C locale's ASCII */
    ck_assert_int_eq(vr_snformat(buf, sizeof buf, "[%lc]", (wint_t)0xe9), -VR_EILSEQ);
    ck_assert_int_eq(vr_snformat(buf, sizeof buf, "[%ls]", L"caf\u00e9"), -VR_EILSEQ);
    /* positional: gaps and mixing are errors */
    ck_assert_int_eq(raw_format(buf, sizeof buf, "%2$d", 1, 2), -VK_EINVAL);
    ck_assert_int_eq(raw_format(buf, sizeof buf, "%1$d %d", 1, 2), -VK_EINVAL);
}
END_TEST

struct sink_state {
    char data[256];
    size_t len;
    int calls;
    int fail_after;
};

static int test_sink(void *ctx, const char *s, size_t n)
{
    struct sink_state *st = ctx;

    if (st->calls++ == st->fail_after)
        return -VK_EIO;
    memcpy(st->data + st->len, s, n);
    st->len += n;
    return 0;
}

static int call_vformat(struct sink_state *st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vr_vformat(test_sink, st, fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(test_sink_protocol)
{
    struct sink_state st = {.fail_after = -1};

    ck_assert_int_eq(call_vformat(&st, "%s-%d", "abc", 7), 5);
    ck_assert_int_eq((int)st.len, 5);
    ck_assert_int_eq(memcmp(st.data, "abc-7", 5), 0);
    ck_assert_int_eq(st.calls, 1); /* buffered: one piece */

    struct sink_state bad = {.fail_after = 0};
    ck_assert_int_eq(call_vformat(&bad, "%300d", 1), -VK_EIO);
}
END_TEST

START_TEST(test_random_integers)
{
    static const char *const lens[] = {"", "hh", "h", "l", "ll", "j", "z", "t"};
    static const char convs[] = "diuoxX";
    struct rng r = rng_seeded(1);
    char fmt[64];
    int star;

    for (int i = 0; i < 60000; i++) {
        char conv = convs[rng_below(&r, 6)];
        const char *len = lens[rng_below(&r, 8)];
        gen_spec(&r, fmt, "-+ #0'", len, conv, 1, &star);
        uint64_t v = random_int(&r);
        if (!*len || !strcmp(len, "hh") || !strcmp(len, "h"))
            CHECK_STAR(&r, fmt, star, (int)v);
        else
            CHECK_STAR(&r, fmt, star, v);
    }
}
END_TEST

START_TEST(test_random_chars_strings_pointers)
{
    struct rng r = rng_seeded(2);
    char fmt[64], str[40];
    int star;

    for (int i = 0; i < 20000; i++) {
        switch (rng_below(&r, 3)) {
        case 0:
            gen_spec(&r, fmt, "-", "", 'c', 0, &star);
            CHECK_STAR(&r, fmt, star, (int)random_char(&r));
            break;
        case 1: {
            size_t n = rng_below(&r, sizeof str);
            for (size_t k = 0; k < n; k++)
                str[k] = random_char(&r);
            str[n] = 0;
            gen_spec(&r, fmt, "-", "", 's', 1, &star);
            const char *s = rng_below(&r, 20) ? str : NULL;
            CHECK_STAR(&r, fmt, star, s);
            break;
        }
        default: {
            gen_spec(&r, fmt, "-+ 0", "", 'p', 1, &star);
            void *p = rng_below(&r, 10) ? (void *)(uintptr_t)random_int(&r) : NULL;
            CHECK_STAR(&r, fmt, star, p);
            break;
        }
        }
    }
}
END_TEST

START_TEST(test_random_doubles)
{
    static const char convs[] = "fFeEgGaA";
    struct rng r = rng_seeded(3);
    char fmt[64];
    int star;

    for (int i = 0; i < 150000; i++) {
        char conv = convs[rng_below(&r, 8)];
        gen_spec(&r, fmt, "-+ #0'", "", conv, 1, &star);
        double d = random_double(&r);
        if (strchr(fmt, '#') && (conv == 'g' || conv == 'G') && star)
            continue; /* see is_hash_g: the reference needs the precision in the format */
        if (is_hash_g(fmt))
            check_hash_g(fmt, d, 0);
        else
            CHECK_STAR(&r, fmt, star, d);
    }
}
END_TEST

START_TEST(test_random_long_doubles)
{
    static const char convs[] = "fFeEgGaA";
    struct rng r = rng_seeded(4);
    char fmt[64];
    int star;

    for (int i = 0; i < 12000; i++) {
        char conv = convs[rng_below(&r, 8)];
        gen_spec(&r, fmt, "-+ #0", "L", conv, 1, &star);
        long double x = random_long_double(&r, i % 20 == 0);
        if (conv == 'f' || conv == 'F') {
            /* keep %Lf of huge values to a reasonable length */
            if (fabsl(x) > 1e300L)
                x = 1 / x;
        }
        if (strchr(fmt, '#') && (conv == 'g' || conv == 'G') && star)
            continue;
        if (is_hash_g(fmt))
            check_hash_g(fmt, x, 1);
        else
            CHECK_STAR(&r, fmt, star, x);
    }
}
END_TEST

START_TEST(test_exact_ties_and_precision_sweep)
{
    struct rng r = rng_seeded(5);
    char fmt[32];

    /* every precision 0..40 on values with long exact expansions */
    for (int i = 0; i < 800; i++) {
        double d = random_double(&r);
        for (int p = 0; p <= 40; p += 1 + (int)rng_below(&r, 3)) {
            snprintf(fmt, sizeof fmt, "%%.%d%c", p, "feg"[rng_below(&r, 3)]);
            check_fmt(fmt, d);
        }
    }
    /* k + 0.5 and k / 2^j: ties at every position */
    for (int k = 0; k < 2000; k++) {
        double d = ldexp((double)(2 * k + 1), -(k % 12) - 1);
        check_fmt("%.0f %.1f %.2f %.3f %.0e %.1e %.2e %g %.1g %.2g", d, d, d, d, d, d, d, d, d, d);
    }
}
END_TEST

static Suite *format_suite(void)
{
    Suite *s = suite_create("format");
    TCase *tc = tcase_create("format");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fixed_cases);
    tcase_add_test(tc, test_count_and_errors);
    tcase_add_test(tc, test_sink_protocol);
    tcase_add_test(tc, test_random_integers);
    tcase_add_test(tc, test_random_chars_strings_pointers);
    tcase_add_test(tc, test_random_doubles);
    tcase_add_test(tc, test_random_long_doubles);
    tcase_add_test(tc, test_exact_ties_and_precision_sweep);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(format_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
