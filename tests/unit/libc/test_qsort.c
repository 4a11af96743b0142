/*
 * qsort/qsort_r/bsearch (libveridian/src/qsort.c). Elements are compared on all their
 * bytes, so the sorted array is unique and must equal glibc's qsort result byte for byte,
 * for many sizes, element widths and input patterns. McIlroy's adversary ("A Killer
 * Adversary for Quicksort") must not push the comparison count beyond O(n log n).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "libc_test.h"

static size_t elem_size;
static long ncmp;

static int cmp_bytes(const void *a, const void *b)
{
    ncmp++;
    return memcmp(a, b, elem_size);
}

static int cmp_bytes_r(const void *a, const void *b, void *arg)
{
    ncmp++;
    return memcmp(a, b, *(size_t *)arg);
}

static void fill(struct rng *r, unsigned char *a, size_t n, size_t size, int pattern)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *e = a + i * size;
        uint64_t key;
        switch (pattern) {
        case 0: /* random */
            key = rng_next(r);
            break;
        case 1: /* sorted */
            key = i;
            break;
        case 2: /* reversed */
            key = n - i;
            break;
        case 3: /* all equal */
            key = 7;
            break;
        case 4: /* few distinct values */
            key = rng_below(r, 4);
            break;
        case 5: /* organ pipe */
            key = i < n / 2 ? i : n - i;
            break;
        case 6: /* sawtooth */
            key = i % 17;
            break;
        default: /* sorted with a few swaps */
            key = rng_below(r, 50) ? i : rng_next(r);
            break;
        }
        /* big-endian key first, so memcmp orders by it; then noise for the tie-breaks */
        for (size_t k = 0; k < size; k++)
            e[k] = k < 8 ? (unsigned char)(key >> (56 - 8 * k)) : (unsigned char)rng_next(r);
        if (size < 8) {
            for (size_t k = 0; k < size; k++)
                e[k] = (unsigned char)(key >> (8 * (size - 1 - k)));
        }
    }
}

START_TEST(test_against_glibc)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 12, 16, 24, 100};
    static const size_t counts[] = {0, 1, 2, 3, 5, 12, 13, 17, 64, 65, 100, 257, 1000, 5000};
    struct rng r = rng_seeded(31);

    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++) {
            for (int pattern = 0; pattern < 8; pattern++) {
                size_t size = sizes[si], n = counts[ci];
                unsigned char *a = malloc(n * size + 1), *b = malloc(n * size + 1);
                fill(&r, a, n, size, pattern);
                memcpy(b, a, n * size);
                elem_size = size;
                qsort(a, n, size, cmp_bytes);
                if (pattern % 2)
                    vr_qsort(b, n, size, cmp_bytes);
                else
                    vr_qsort_r(b, n, size, cmp_bytes_r, &size);
                if (memcmp(a, b, n * size) != 0)
                    ck_abort_msg("size %zu n %zu pattern %d", size, n, pattern);
                free(a);
                free(b);
            }
        }
    }
}
END_TEST

/* McIlroy's adversary: values are decided lazily ("gas" until compared) so that the
 * pivot keeps being a bad one. */
static int *adv_val;
static int adv_gas, adv_solid, adv_candidate;

static int cmp_adversary(const void *px, const void *py)
{
    int x = *(const int *)px, y = *(const int *)py;

    ncmp++;
    if (adv_val[x] == adv_gas && adv_val[y] == adv_gas) {
        if (x == adv_candidate)
            adv_val[x] = adv_solid++;
        else
            adv_val[y] = adv_solid++;
    }
    if (adv_val[x] == adv_gas)
        adv_candidate = x;
    else if (adv_val[y] == adv_gas)
        adv_candidate = y;
    return (adv_val[x] > adv_val[y]) - (adv_val[x] < adv_val[y]);
}

START_TEST(test_adversary)
{
    static const int ns[] = {100, 1000, 20000};

    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        int n = ns[t];
        int *idx = malloc((size_t)n * sizeof *idx);
        adv_val = malloc((size_t)n * sizeof *adv_val);
        adv_gas = n;
        adv_solid = 0;
        adv_candidate = 0;
        for (int i = 0; i < n; i++) {
            idx[i] = i;
            adv_val[i] = adv_gas;
        }
        ncmp = 0;
        vr_qsort(idx, (size_t)n, sizeof *idx, cmp_adversary);
        double bound = 6.0 * n * log2((double)n) + 100;
        ck_assert_msg(ncmp < bound, "n %d: %ld comparisons (bound %.0f)", n, ncmp, bound);
        for (int i = 1; i < n; i++)
            REQUIRE(adv_val[idx[i - 1]] <= adv_val[idx[i]]);
        free(idx);
        free(adv_val);
    }
}
END_TEST

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

START_TEST(test_bsearch)
{
    int a[1000];

    for (int i = 0; i < 1000; i++)
        a[i] = 2 * i;
    for (int n = 0; n <= 1000; n += n < 20 ? 1 : 97) {
        for (int key = -1; key <= 2 * n; key++) {
            int *p = vr_bsearch(&key, a, (size_t)n, sizeof a[0], cmp_int);
            if (key >= 0 && key % 2 == 0 && key < 2 * n)
                REQUIRE(p == &a[key / 2]);
            else
                REQUIRE(p == NULL);
        }
    }
}
END_TEST

/* A comparator that is no order at all must not make qsort touch memory outside the array
 * (ASan would see it) or loop forever. */
static int cmp_random(const void *a, const void *b)
{
    static struct rng r = {99};

    (void)a;
    (void)b;
    return (int)rng_below(&r, 3) - 1;
}

START_TEST(test_inconsistent_comparator)
{
    for (size_t n = 0; n < 3000; n += 1 + n / 3) {
        int *a = malloc((n + 1) * sizeof *a);
        for (size_t i = 0; i < n; i++)
            a[i] = (int)i;
        vr_qsort(a, n, sizeof *a, cmp_random);
        /* still a permutation */
        long sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += a[i];
        ck_assert_int_eq(sum, (long)n * ((long)n - 1) / 2);
        free(a);
    }
}
END_TEST

static Suite *qsort_suite(void)
{
    Suite *s = suite_create("qsort");
    TCase *tc = tcase_create("qsort");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_against_glibc);
    tcase_add_test(tc, test_adversary);
    tcase_add_test(tc, test_bsearch);
    tcase_add_test(tc, test_inconsistent_comparator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(qsort_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
