/*
 * The integer parser (vr_strtoint, behind strtol/strtoul/strtoll/strtoull/strtoimax/
 * strtoumax) against glibc: value, end pointer and errno on edge strings and on random
 * strings built from white space, signs, prefixes, digits of every base and junk.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "libc_test.h"

enum kind { K_LONG, K_ULONG, K_LLONG, K_ULLONG };

static const unsigned long long kind_lim[] = {(unsigned long long)LONG_MIN, ULONG_MAX,
                                              (unsigned long long)LLONG_MIN, ULLONG_MAX};

/* glibc's answer as raw bits, its end offset and errno */
static unsigned long long glibc_parse(enum kind k, const char *s, int base, long *end_off, int *err)
{
    char *end = (char *)s;
    unsigned long long v = 0;

    errno = 0;
    switch (k) {
    case K_LONG:
        v = (unsigned long long)strtol(s, &end, base);
        break;
    case K_ULONG:
        v = strtoul(s, &end, base);
        break;
    case K_LLONG:
        v = (unsigned long long)strtoll(s, &end, base);
        break;
    case K_ULLONG:
        v = strtoull(s, &end, base);
        break;
    }
    *err = errno;
    *end_off = end - s;
    return v;
}

static void check_parse(const char *s, int base)
{
    for (int k = K_LONG; k <= K_ULLONG; k++) {
        long want_off, got_off;
        int want_err, got_err;
        char *end;
        unsigned long long want = glibc_parse(k, s, base, &want_off, &want_err);
        unsigned long long got = vr_strtoint(s, &end, base, kind_lim[k], &got_err);
        got_off = end - s;
        if (want != got || want_off != got_off || want_err != got_err)
            ck_abort_msg("kind %d base %d \"%s\": glibc %llx end %ld errno %d, ours %llx end "
                         "%ld err %d",
                         k, base, s, want, want_off, want_err, got, got_off, got_err);
    }
}

START_TEST(test_edges)
{
    static const char *const cases[] = {
        "",
        " ",
        "-",
        "+",
        "+-1",
        "0",
        "-0",
        "00",
        "0x",
        "0X",
        "0xg",
        "-0x",
        " 0x1f",
        "0x1F",
        "0b101",
        "08",
        "0777",
        "\t\n\v\f\r 42xyz",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "-18446744073709551615",
        "-18446744073709551616",
        "99999999999999999999999999999999999",
        "-99999999999999999999999999999999999",
        "0x7fffffffffffffff",
        "0x8000000000000000",
        "0xffffffffffffffff",
        "0x10000000000000000",
        "-0x8000000000000000",
        "zz",
        "ZZ",
        "1z",
        "\2001", /* 0x80, then '1' (an octal escape stops after three digits) */
        "1\x80",
        "  -  1",
    };
    static const int bases[] = {0, 2, 8, 10, 16, 36};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
            check_parse(cases[i], bases[b]);
    for (int base = 2; base <= 36; base++)
        check_parse("1000000000000000000000000000000000000000000000000000000000000000000000", base);
}
END_TEST

START_TEST(test_bad_base)
{
    static const int bad[] = {-1, 1, 37, 100, INT_MIN};
    char *end;
    int err;

    static const char in[] = "123";

    /* glibc leaves the end pointer alone here; ours says "nothing parsed" */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_uint_eq(vr_strtoint(in, &end, bad[i], ULLONG_MAX, &err), 0);
        ck_assert_int_eq(err, VK_EINVAL);
        ck_assert_ptr_eq(end, in);
    }
}
END_TEST

START_TEST(test_random)
{
    static const char spaces[] = " \t\n\v\f\r";
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char junk[] = "+-. xX_\x7f\xff";
    struct rng r = rng_seeded(11);
    char s[96];

    for (int i = 0; i < 100000; i++) {
        char *p = s;
        int base = (int)rng_below(&r, 38);
        if (base == 1 || base == 37)
            base = 0;
        for (uint64_t n = rng_below(&r, 4) == 0 ? rng_below(&r, 4) : 0; n; n--)
            *p++ = spaces[rng_below(&r, 6)];
        if (rng_below(&r, 3) == 0)
            *p++ = "+-"[rng_below(&r, 2)];
        switch (rng_below(&r, 6)) {
        case 0:
            p = stpcpy(p, rng_below(&r, 2) ? "0x" : "0X");
            break;
        case 1:
            *p++ = '0';
            break;
        default:
            break;
        }
        /* digits mostly valid for the base; long runs overflow */
        uint64_t len = rng_below(&r, 5) == 0 ? rng_below(&r, 70) : rng_below(&r, 22);
        int span = base ? base : 16;
        for (uint64_t n = 0; n < len; n++)
            *p++ = digits[rng_below(&r, 50) ? rng_below(&r, (uint64_t)span) : rng_below(&r, 62)];
        if (rng_below(&r, 3) == 0)
            *p++ = junk[rng_below(&r, sizeof junk - 1)];
        *p = 0;
        check_parse(s, base);
    }
}
END_TEST

/* Values near every power of two and ten, in every notation. */
START_TEST(test_boundaries)
{
    char s[96];

    for (int shift = 0; shift < 64; shift++) {
        unsigned long long v = 1ull << shift;
        for (int d = -2; d <= 2; d++) {
            unsigned long long x = v + (unsigned long long)(long long)d;
            snprintf(s, sizeof s, "%llu", x);
            check_parse(s, 10);
            snprintf(s, sizeof s, "-%llu", x);
            check_parse(s, 0);
            snprintf(s, sizeof s, "%#llx", x);
            check_parse(s, 0);
            snprintf(s, sizeof s, "-%#llo", x);
            check_parse(s, 0);
        }
    }
}
END_TEST

static Suite *strtol_suite(void)
{
    Suite *s = suite_create("strtol");
    TCase *tc = tcase_create("strtol");

    tcase_add_test(tc, test_edges);
    tcase_add_test(tc, test_bad_base);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_boundaries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(strtol_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
