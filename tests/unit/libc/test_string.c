/*
 * libveridian's string engines (string.c, strings.c, strerror.c, ctype.c) against glibc or,
 * where glibc has no such function, a plain reference: random sizes, offsets and overlaps
 * for the mem* functions, random small-alphabet strings (many near-matches and periodic
 * needles) for the searches, signs for the comparisons, all 257 ctype inputs, and every
 * errno message.
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "libc_test.h"

/* strncpy and strncat are exercised on purpose with truncating sizes (a gcc warning) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif

#define AREA 1024

/* glibc's POSIX strerror_r (string.h declares the GNU one under _GNU_SOURCE) */
int __xpg_strerror_r(int err, char *buf, size_t len);

static unsigned char a1[AREA], a2[AREA], b1[AREA], b2[AREA];

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void random_bytes(struct rng *r, unsigned char *p, size_t n, int alphabet)
{
    for (size_t i = 0; i < n; i++)
        p[i] = alphabet ? (unsigned char)('a' + rng_below(r, (uint64_t)alphabet))
                        : (unsigned char)rng_next(r);
}

/* A NUL-terminated random string over the first `alphabet` letters. */
static void random_string(struct rng *r, char *s, size_t max, int alphabet)
{
    size_t n = rng_below(r, max);

    random_bytes(r, (unsigned char *)s, n, alphabet);
    s[n] = 0;
}

START_TEST(test_memcpy_memmove_memset)
{
    struct rng r = rng_seeded(51);

    for (int i = 0; i < 20000; i++) {
        size_t n = rng_below(&r, 8) ? rng_below(&r, 80) : rng_below(&r, 400);
        size_t so = rng_below(&r, 64), d_o = rng_below(&r, 64);
        random_bytes(&r, a1, AREA, 0);
        memcpy(a2, a1, AREA);
        /* memcpy: disjoint buffers */
        vr_memcpy(b1 + d_o, a1 + so, n);
        memcpy(b2, b1, AREA);
        REQUIRE(memcmp(b1 + d_o, a1 + so, n) == 0);
        /* memmove within one buffer, any overlap */
        size_t s2 = rng_below(&r, 400), d2 = rng_below(&r, 400);
        REQUIRE(vr_memmove(a1 + d2, a1 + s2, n) == a1 + d2);
        memmove(a2 + d2, a2 + s2, n);
        REQUIRE(memcmp(a1, a2, AREA) == 0);
        /* memset */
        int c = (int)rng_next(&r);
        REQUIRE(vr_memset(a1 + so, c, n) == a1 + so);
        memset(a2 + so, c, n);
        REQUIRE(memcmp(a1, a2, AREA) == 0);
        /* mempcpy / memccpy */
        REQUIRE(vr_mempcpy(b1, a1, n) == b1 + n);
        int stop = 'a' + (int)rng_below(&r, 3);
        random_bytes(&r, a1, 200, 6);
        void *want = memccpy(b2, a1, stop, n < 200 ? n : 200);
        size_t wlen = want ? (size_t)((unsigned char *)want - b2) : (n < 200 ? n : 200);
        void *got = vr_memccpy(b1, a1, stop, n < 200 ? n : 200);
        REQUIRE((got == NULL) == (want == NULL));
        REQUIRE(!got || (unsigned char *)got - b1 == (ptrdiff_t)wlen);
        REQUIRE(memcmp(b1, b2, wlen) == 0);
    }
}
END_TEST

START_TEST(test_compare_and_search_bytes)
{
    struct rng r = rng_seeded(52);

    for (int i = 0; i < 20000; i++) {
        size_t n = rng_below(&r, 100);
        random_bytes(&r, a1, n + 1, 3);
        memcpy(a2, a1, n + 1);
        if (n && rng_below(&r, 2))
            a2[rng_below(&r, n)] = (unsigned char)rng_next(&r);
        REQUIRE(sign(vr_memcmp(a1, a2, n)) == sign(memcmp(a1, a2, n)));
        int c = 'a' + (int)rng_below(&r, 4);
        REQUIRE(vr_memchr(a1, c, n) == memchr(a1, c, n));
        REQUIRE(vr_memrchr(a1, c, n) == memrchr(a1, c, n));
        REQUIRE(vr_memchr(a1, c + 256, n) == memchr(a1, c + 256, n));
        /* memmem, small alphabets: periodic needles and near misses */
        size_t hl = rng_below(&r, 300), nl = rng_below(&r, 12);
        int alpha = 1 + (int)rng_below(&r, 3);
        random_bytes(&r, b1, hl, alpha);
        random_bytes(&r, b2, nl, alpha);
        if (nl && hl > nl && rng_below(&r, 3) == 0)
            memcpy(b2, b1 + rng_below(&r, hl - nl), nl);
        REQUIRE(vr_memmem(b1, hl, b2, nl) == memmem(b1, hl, b2, nl));
    }
}
END_TEST

START_TEST(test_string_functions)
{
    struct rng r = rng_seeded(53);
    char s1[128], s2[128], d1[300], d2[300];

    for (int i = 0; i < 20000; i++) {
        int alpha = 1 + (int)rng_below(&r, 4);
        random_string(&r, s1, 60, alpha);
        random_string(&r, s2, 60, alpha);
        if (rng_below(&r, 3) == 0)
            strcpy(s2, s1);
        size_t n = rng_below(&r, 70);
        REQUIRE(vr_strlen(s1) == strlen(s1));
        REQUIRE(vr_strnlen(s1, n) == strnlen(s1, n));
        REQUIRE(sign(vr_strcmp(s1, s2)) == sign(strcmp(s1, s2)));
        REQUIRE(sign(vr_strncmp(s1, s2, n)) == sign(strncmp(s1, s2, n)));
        int c = 'a' + (int)rng_below(&r, 5);
        REQUIRE(vr_strchr(s1, c) == strchr(s1, c));
        REQUIRE(vr_strchr(s1, 0) == strchr(s1, 0));
        REQUIRE(vr_strrchr(s1, c) == strrchr(s1, c));
        REQUIRE(vr_strchrnul(s1, c) == strchrnul(s1, c));
        const char *needle = s2 + rng_below(&r, strlen(s2) + 1);
        REQUIRE(vr_strstr(s1, needle) == strstr(s1, needle));
        char set[8];
        random_string(&r, set, 4, alpha + 1);
        REQUIRE(vr_strspn(s1, set) == strspn(s1, set));
        REQUIRE(vr_strcspn(s1, set) == strcspn(s1, set));
        REQUIRE(vr_strpbrk(s1, set) == strpbrk(s1, set));

        /* copies: same bytes in the whole destination, same return */
        memset(d1, 'Z', sizeof d1);
        memset(d2, 'Z', sizeof d2);
        REQUIRE(vr_strcpy(d1, s1) == d1);
        strcpy(d2, s1);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
        REQUIRE(vr_stpcpy(d1, s2) - d1 == stpcpy(d2, s2) - d2);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
        REQUIRE(vr_strncpy(d1, s1, n) == d1);
        strncpy(d2, s1, n);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
        REQUIRE(vr_stpncpy(d1, s2, n) - d1 == stpncpy(d2, s2, n) - d2);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
        REQUIRE(vr_strcat(d1, s1) == d1);
        strcat(d2, s1);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
        REQUIRE(vr_strncat(d1, s2, n) == d1);
        strncat(d2, s2, n);
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);

        /* strlcpy/strlcat against their definition (glibc 2.36 has neither) */
        size_t size = rng_below(&r, 80);
        memset(d1, 'Z', sizeof d1);
        REQUIRE(vr_strlcpy(d1, s1, size) == strlen(s1));
        if (size) {
            size_t k = strlen(s1) < size - 1 ? strlen(s1) : size - 1;
            REQUIRE(memcmp(d1, s1, k) == 0 && d1[k] == 0);
        } else {
            REQUIRE(d1[0] == 'Z');
        }
        strcpy(d1, s2);
        size_t l1 = strlen(s2), l2 = strlen(s1);
        size_t want = (l1 < size ? l1 : size) + l2;
        REQUIRE(vr_strlcat(d1, s1, size) == want);
        if (l1 < size) {
            size_t k = l1 + l2 < size - 1 ? l1 + l2 : size - 1;
            REQUIRE(strlen(d1) == k && memcmp(d1 + l1, s1, k - l1) == 0);
        }

        /* strxfrm in the C locale */
        memset(d1, 'Z', sizeof d1);
        memset(d2, 'Z', sizeof d2);
        REQUIRE(vr_strxfrm(d1, s1, n) == strxfrm(d2, s1, n));
        REQUIRE(memcmp(d1, d2, sizeof d1) == 0);
    }
}
END_TEST

START_TEST(test_long_searches)
{
    struct rng r = rng_seeded(54);
    static char hay[20001], needle[2001];

    for (int i = 0; i < 300; i++) {
        int alpha = 1 + (int)rng_below(&r, 2);
        size_t hl = rng_below(&r, 20000), nl = 1 + rng_below(&r, 2000);
        random_bytes(&r, (unsigned char *)hay, hl, alpha);
        hay[hl] = 0;
        /* periodic needle: a short period repeated, sometimes broken at the end */
        size_t period = 1 + rng_below(&r, 5);
        for (size_t k = 0; k < nl; k++)
            needle[k] =
                k < period ? (char)('a' + rng_below(&r, (uint64_t)alpha)) : needle[k - period];
        if (rng_below(&r, 2))
            needle[nl - 1] = (char)('a' + rng_below(&r, (uint64_t)alpha));
        needle[nl] = 0;
        REQUIRE(vr_strstr(hay, needle) == strstr(hay, needle));
        REQUIRE(vr_memmem(hay, hl, needle, nl) == memmem(hay, hl, needle, nl));
    }
}
END_TEST

START_TEST(test_tokens)
{
    struct rng r = rng_seeded(55);
    char s1[80], s2[80], delim[6];

    for (int i = 0; i < 10000; i++) {
        random_string(&r, s1, 60, 4);
        random_string(&r, delim, 4, 4);
        strcpy(s2, s1);
        char *save1 = NULL, *save2 = NULL;
        char *t1 = vr_strtok_r(s1, delim, &save1), *t2 = strtok_r(s2, delim, &save2);
        for (;;) {
            REQUIRE((t1 == NULL) == (t2 == NULL));
            if (!t1)
                break;
            REQUIRE(t1 - s1 == t2 - s2);
            REQUIRE(strcmp(t1, t2) == 0);
            t1 = vr_strtok_r(NULL, delim, &save1);
            t2 = strtok_r(NULL, delim, &save2);
        }
        random_string(&r, s1, 60, 4);
        strcpy(s2, s1);
        char *p1 = s1, *p2 = s2;
        for (;;) {
            t1 = vr_strsep(&p1, delim);
            t2 = strsep(&p2, delim);
            REQUIRE((t1 == NULL) == (t2 == NULL));
            if (!t1)
                break;
            REQUIRE(t1 - s1 == t2 - s2 && (p1 == NULL) == (p2 == NULL));
            REQUIRE(strcmp(t1, t2) == 0);
        }
    }
}
END_TEST

START_TEST(test_case_and_ffs)
{
    struct rng r = rng_seeded(56);
    char s1[40], s2[40];

    for (int i = 0; i < 20000; i++) {
        random_string(&r, s1, 30, 3);
        strcpy(s2, s1);
        for (char *p = s2; *p; p++)
            if (rng_below(&r, 2))
                *p = (char)toupper((unsigned char)*p);
        if (rng_below(&r, 3) == 0)
            random_string(&r, s2, 30, 3);
        if (rng_below(&r, 8) == 0)
            s2[0] = (char)(0x80 | rng_next(&r)); /* bytes above ASCII */
        size_t n = rng_below(&r, 35);
        REQUIRE(sign(vr_strcasecmp(s1, s2)) == sign(strcasecmp(s1, s2)));
        REQUIRE(sign(vr_strncasecmp(s1, s2, n)) == sign(strncasecmp(s1, s2, n)));
        long long v = (long long)((rng_next(&r) >> rng_below(&r, 64)) << rng_below(&r, 8));
        REQUIRE(vr_ffs((int)v) == ffs((int)v));
        REQUIRE(vr_ffsl((long)v) == ffsl((long)v));
        REQUIRE(vr_ffsll(v) == ffsll(v));
    }
}
END_TEST

START_TEST(test_ctype)
{
    for (int c = -1; c < 256; c++) {
        REQUIRE(!vr_isalnum(c) == !isalnum(c));
        REQUIRE(!vr_isalpha(c) == !isalpha(c));
        REQUIRE(!vr_isascii(c) == !isascii(c));
        REQUIRE(!vr_isblank(c) == !isblank(c));
        REQUIRE(!vr_iscntrl(c) == !iscntrl(c));
        REQUIRE(!vr_isdigit(c) == !isdigit(c));
        REQUIRE(!vr_isgraph(c) == !isgraph(c));
        REQUIRE(!vr_islower(c) == !islower(c));
        REQUIRE(!vr_isprint(c) == !isprint(c));
        REQUIRE(!vr_ispunct(c) == !ispunct(c));
        REQUIRE(!vr_isspace(c) == !isspace(c));
        REQUIRE(!vr_isupper(c) == !isupper(c));
        REQUIRE(!vr_isxdigit(c) == !isxdigit(c));
        REQUIRE(vr_tolower(c) == tolower(c));
        REQUIRE(vr_toupper(c) == toupper(c));
    }
}
END_TEST

START_TEST(test_strerror)
{
    char buf[64], want[64];

    for (int e = -3; e < 260; e++) {
        const char *msg = vr_strerror_msg(e);
        if (e == VK_EBADH)
            ck_assert_str_eq(msg, "Bad handle");
        else if (e == VK_EWRONGTYPE)
            ck_assert_str_eq(msg, "Wrong handle type");
        else if (msg)
            ck_assert_str_eq(msg, strerror(e));
        int rc = vr_strerror_r(e, buf, sizeof buf);
        if (e != VK_EBADH && e != VK_EWRONGTYPE) {
            /* glibc: strerror's text, "Unknown error N" for the rest */
            int wrc = __xpg_strerror_r(e, want, sizeof want);
            ck_assert_str_eq(buf, want);
            ck_assert_int_eq(rc ? 1 : 0, wrc ? 1 : 0);
        }
    }
    /* too small a buffer: truncated, ERANGE */
    ck_assert_int_eq(vr_strerror_r(VK_ENOENT, buf, 5), VK_ERANGE);
    ck_assert_str_eq(buf, "No s");
    ck_assert_int_eq(vr_strerror_r(VK_ENOENT, buf, 0), VK_ERANGE);
}
END_TEST

static Suite *string_suite(void)
{
    Suite *s = suite_create("string");
    TCase *tc = tcase_create("string");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_memcpy_memmove_memset);
    tcase_add_test(tc, test_compare_and_search_bytes);
    tcase_add_test(tc, test_string_functions);
    tcase_add_test(tc, test_long_searches);
    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_case_and_ffs);
    tcase_add_test(tc, test_ctype);
    tcase_add_test(tc, test_strerror);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(string_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
