/*
 * strtod and strtof (libveridian/src/strtod.c) against glibc, which rounds correctly:
 * the same bits, end pointer and errno for random doubles in every notation, exact
 * halfway cases between neighbouring doubles (and just above and below them), long and
 * random digit strings, hexadecimal floats, the subnormal and overflow boundaries, and
 * inf/nan spellings.
 */
#include <check.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "libc_test.h"

static void check_double(const char *s)
{
    char *wend, *gend;
    int gerr;

    errno = 0;
    double want = strtod(s, &wend);
    int werr = errno;
    double got = vr_strtod(s, &gend, &gerr);
    uint64_t wb, gb;
    memcpy(&wb, &want, 8);
    memcpy(&gb, &got, 8);
    if (wb != gb || wend != gend || werr != gerr)
        ck_abort_msg("strtod \"%.200s\": glibc %a (%016llx) end %td errno %d, ours %a (%016llx) "
                     "end %td err %d",
                     s, want, (unsigned long long)wb, wend - s, werr, got, (unsigned long long)gb,
                     gend - s, gerr);
}

static void check_float(const char *s)
{
    char *wend, *gend;
    int gerr;

    errno = 0;
    float want = strtof(s, &wend);
    int werr = errno;
    float got = vr_strtof(s, &gend, &gerr);
    uint32_t wb, gb;
    memcpy(&wb, &want, 4);
    memcpy(&gb, &got, 4);
    if (wb != gb || wend != gend || werr != gerr)
        ck_abort_msg("strtof \"%.200s\": glibc %a (%08x) end %td errno %d, ours %a (%08x) end "
                     "%td err %d",
                     s, (double)want, wb, wend - s, werr, (double)got, gb, gend - s, gerr);
}

/*
 * glibc 2.36 rounds some hexadecimal subnormals wrongly, in strtod and strtof alike
 * ("0x4E4DE4Cp-153" is 5131748.75 units of 2^-149; strtof gives 5131748), and then also
 * misses ERANGE. For hex input whose significand fits 64 bits (at most 16 significant hex
 * digits) the reference is glibc's strtold, exact there (every such value is a normal
 * long double), rounded once to double or float by the hardware, with ERANGE on overflow
 * and when the result is tiny after rounding (x86's rule) and inexact. Longer significands
 * are compared with glibc only where its result is not subnormal.
 */
static int significant_hex_digits(const char *s)
{
    const char *p = strpbrk(s, "xX") + 1;
    int sig = 0, started = 0;

    for (; *p && *p != 'p' && *p != 'P'; p++) {
        if (*p == '.')
            continue;
        started |= *p != '0';
        sig += started;
    }
    return sig;
}

static void check_hex(const char *s)
{
    char *wend;

    if (significant_hex_digits(s) > 16) {
        errno = 0;
        double d = strtod(s, NULL);
        float f = strtof(s, NULL);
        if (d == 0 || fabs(d) >= DBL_MIN)
            check_double(s);
        if (f == 0 || fabsf(f) >= FLT_MIN)
            check_float(s);
        return;
    }
    long double x = strtold(s, &wend);

    /* double */
    double dw = (double)x;
    int dwerr = 0;
    if (isinf(dw))
        dwerr = ERANGE;
    else if ((long double)dw != x && fabs((double)(x * 0x1p200L)) < DBL_MIN * 0x1p200)
        dwerr = ERANGE; /* inexact, and below DBL_MIN once rounded to 53 bits */
    char *gend;
    int gerr;
    double dg = vr_strtod(s, &gend, &gerr);
    if (memcmp(&dw, &dg, 8) != 0 || wend != gend || dwerr != gerr)
        ck_abort_msg("strtod \"%s\": reference %a end %td errno %d, ours %a end %td err %d", s, dw,
                     wend - s, dwerr, dg, gend - s, gerr);

    /* float */
    float fw = (float)x;
    int fwerr = 0;
    if (isinf(fw))
        fwerr = ERANGE;
    else if ((long double)fw != x && fabsf((float)(x * 0x1p100L)) < FLT_MIN * 0x1p100f)
        fwerr = ERANGE;
    float fg = vr_strtof(s, &gend, &gerr);
    if (memcmp(&fw, &fg, 4) != 0 || wend != gend || fwerr != gerr)
        ck_abort_msg("strtof \"%s\": reference %a end %td errno %d, ours %a end %td err %d", s,
                     (double)fw, wend - s, fwerr, (double)fg, gend - s, gerr);
}

static void check_both(const char *s)
{
    check_double(s);
    check_float(s);
}

static double random_finite(struct rng *r)
{
    uint64_t b;
    double d;

    do
        b = rng_next(r);
    while (((b >> 52) & 0x7ff) == 0x7ff);
    memcpy(&d, &b, 8);
    return d;
}

START_TEST(test_fixed)
{
    static const char *const cases[] = {
        "",
        "-",
        ".",
        "+.",
        "e5",
        ".e5",
        "0",
        "-0",
        "0.",
        ".0",
        "1",
        "1.5",
        "  \t\n+1.5e3xyz",
        "1e",
        "1e+",
        "1e-x",
        "1.5E-3",
        "123456789012345678901234567890",
        "0.000000000000000000000000000001",
        "3.14159265358979323846264338327950288",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.47032822920623272088e-324",
        "1e-400",
        "-1e-400",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1.797693134862315807937289714053e308",
        "1e309",
        "-1e309",
        "1e999999999999999999",
        "1e-999999999999999999",
        "0e999999999999",
        "inf",
        "INF",
        "-Inf",
        "infinity",
        "INFINITYx",
        "infinit",
        "nan",
        "-NaN",
        "nan()",
        "nan(123)",
        "nan(0x7)",
        "nan(abc_12)",
        "nan(abc",
        "nan(-1)",
        "0x",
        "0X",
        "-0x",
        "0x.",
        "0x.p1",
        "0xp1",
        "0x1",
        "0x1p",
        "0x1p+",
        "0x1.8p1",
        "0X1.8P-1",
        "0x.8",
        "0x1.fffffffffffff8p1023",
        "0x1.fffffffffffff7ffp1023",
        "0x1p-1074",
        "0x1p-1075",
        "0x1.0000000000001p-1075",
        "0x1p-1076",
        "0x0.0000000000001p-1022",
        "0x123456789abcdef0123456789p0",
        "0x1p1024",
        "0x1.fffffep127",
        "0x1.ffffffp127",
        "1.401298464324817e-45",
        "7.006492321624085e-46",
        "7.006492321624086e-46",
        "3.4028235677973366e38",
        "3.4028235677973367e38",
        "1.17549435e-38",
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_both(cases[i]);
}
END_TEST

START_TEST(test_random_doubles_printed)
{
    struct rng r = rng_seeded(21);
    char s[128];

    for (int i = 0; i < 40000; i++) {
        double d = random_finite(&r);
        switch (rng_below(&r, 5)) {
        case 0:
            snprintf(s, sizeof s, "%.17g", d);
            break;
        case 1:
            snprintf(s, sizeof s, "%.*e", (int)rng_below(&r, 25), d);
            break;
        case 2:
            snprintf(s, sizeof s, "%a", d);
            break;
        case 3:
            snprintf(s, sizeof s, "%.*a", (int)rng_below(&r, 14), d);
            break;
        default:
            snprintf(s, sizeof s, "%.*g", 1 + (int)rng_below(&r, 16), d);
            break;
        }
        check_double(s);
        /* floats printed the same ways */
        float f = (float)ldexp((double)(rng_next(&r) >> 40), (int)rng_below(&r, 300) - 170);
        if (rng_below(&r, 2))
            snprintf(s, sizeof s, "%.9g", (double)f);
        else
            snprintf(s, sizeof s, "%.*e", (int)rng_below(&r, 12), (double)f);
        check_float(s);
    }
}
END_TEST

/* The exact midpoint between d and its successor (as long double it is exact: 54 bits). */
START_TEST(test_halfway)
{
    struct rng r = rng_seeded(22);
    static char s[1200];

    for (int i = 0; i < 4000; i++) {
        double d = fabs(random_finite(&r));
        if (i % 4 == 0)
            d = ldexp(1.0 + (double)rng_below(&r, 1000) / 1024, (int)rng_below(&r, 120) - 60);
        double next = nextafter(d, INFINITY);
        if (isinf(next))
            continue;
        long double mid = (long double)d + ((long double)next - (long double)d) / 2;
        int n = snprintf(s, sizeof s, "%.800Le", mid);
        /* trim the zeros the exact expansion ends with */
        char *e = strchr(s, 'e');
        char *z = e;
        while (z[-1] == '0')
            z--;
        memmove(z, e, (size_t)(s + n - e) + 1);
        check_double(s);
        /* one unit more or less in a far digit: just above and below the tie */
        char *last = strchr(s, 'e') - 1;
        if (*last > '0' && *last <= '9') {
            (*last)--;
            check_double(s);
            (*last) += 2;
            if (*last <= '9')
                check_double(s);
        }
    }
    /* float midpoints are exact doubles */
    for (int i = 0; i < 4000; i++) {
        uint32_t b = (uint32_t)rng_next(&r) & 0x7f7fffffu;
        float f;
        memcpy(&f, &b, 4);
        float next = nextafterf(f, INFINITY);
        double mid = ((double)f + (double)next) / 2;
        snprintf(s, sizeof s, "%.120e", mid);
        check_float(s);
    }
}
END_TEST

START_TEST(test_random_digits)
{
    struct rng r = rng_seeded(23);
    static char s[1500];

    for (int i = 0; i < 30000; i++) {
        char *p = s;
        if (rng_below(&r, 4) == 0)
            *p++ = "+- "[rng_below(&r, 3)];
        uint64_t nd = rng_below(&r, 8) == 0 ? rng_below(&r, 1200) : rng_below(&r, 30);
        uint64_t point = rng_below(&r, nd + 2);
        int zeros_first = rng_below(&r, 4) == 0;
        for (uint64_t k = 0; k < nd; k++) {
            if (k == point)
                *p++ = '.';
            *p++ = zeros_first && k < nd / 2 ? '0' : (char)('0' + rng_below(&r, 10));
        }
        if (rng_below(&r, 3)) {
            *p++ = rng_below(&r, 2) ? 'e' : 'E';
            p += sprintf(p, "%d", (int)rng_below(&r, 800) - 400);
        }
        *p = 0;
        check_both(s);
    }
}
END_TEST

START_TEST(test_random_hex)
{
    struct rng r = rng_seeded(24);
    static const char hex[] = "0123456789abcdefABCDEF";
    char s[96];

    for (int i = 0; i < 30000; i++) {
        char *p = s;
        if (rng_below(&r, 3) == 0)
            *p++ = '-';
        p = stpcpy(p, rng_below(&r, 2) ? "0x" : "0X");
        uint64_t nd = rng_below(&r, 30);
        uint64_t point = rng_below(&r, nd + 2);
        for (uint64_t k = 0; k < nd; k++) {
            if (k == point)
                *p++ = '.';
            *p++ = hex[rng_below(&r, 22)];
        }
        if (rng_below(&r, 4))
            p += sprintf(p, "p%d", (int)rng_below(&r, 2400) - 1200);
        *p = 0;
        check_hex(s);
    }
}
END_TEST

static Suite *strtod_suite(void)
{
    Suite *s = suite_create("strtod");
    TCase *tc = tcase_create("strtod");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fixed);
    tcase_add_test(tc, test_random_doubles_printed);
    tcase_add_test(tc, test_halfway);
    tcase_add_test(tc, test_random_digits);
    tcase_add_test(tc, test_random_hex);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(strtod_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
