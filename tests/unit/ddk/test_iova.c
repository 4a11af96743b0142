/*
 * Unit tests for the DDK's IOVA allocator (drivers/ddk/ddk_iova.c): fixed cases (alignment,
 * guard pages, the DMA mask, reuse after free, a full table) and random alloc/free sequences
 * checked against a naive page map: no two live ranges share a page or touch (a guard page
 * between them), every range is below the mask it was asked for, the invariants hold after
 * every step, and a request fails only when the page map has no fitting gap either.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk_iova.h"
#include "veridian/errors.h"

#define PAGE DDK_IOVA_PAGE

START_TEST(test_basic)
{
    struct ddk_iova a;
    uint64_t x, y, z;
    ddk_iova_init(&a, 1ull << 48);
    ck_assert_int_eq(ddk_iova_alloc(&a, 1, 0, &x), 0);
    ck_assert_uint_eq(x, DDK_IOVA_BASE);
    ck_assert_int_eq(ddk_iova_alloc(&a, PAGE + 1, 0, &y), 0);
    ck_assert_uint_eq(y, x + 2 * PAGE); /* one page, then a guard page */
    ck_assert_int_eq(ddk_iova_alloc(&a, PAGE, 0, &z), 0);
    ck_assert_uint_eq(z, y + 3 * PAGE);
    ck_assert_int_eq(ddk_iova_check(&a), 0);
    ck_assert_int_eq(ddk_iova_free(&a, y), 0);
    ck_assert_int_eq(ddk_iova_free(&a, y), -VK_ENOENT);
    ck_assert_int_eq(ddk_iova_free(&a, y + PAGE), -VK_ENOENT);
    uint64_t w;
    ck_assert_int_eq(ddk_iova_alloc(&a, 2 * PAGE, 0, &w), 0);
    ck_assert_uint_eq(w, y); /* first fit reuses the hole */
    ck_assert_int_eq(ddk_iova_alloc(&a, 0, 0, &w), -VK_EINVAL);
    ck_assert_int_eq(ddk_iova_check(&a), 0);
}
END_TEST

START_TEST(test_mask)
{
    struct ddk_iova a;
    uint64_t x;
    ddk_iova_init(&a, 1ull << 48);
    uint64_t mask = (1ull << 20) - 1; /* 1 MiB */
    ck_assert_int_eq(ddk_iova_alloc(&a, (1ull << 20) - DDK_IOVA_BASE, mask, &x), 0);
    ck_assert_uint_eq(x + (1ull << 20) - DDK_IOVA_BASE, 1ull << 20);
    ck_assert_int_eq(ddk_iova_alloc(&a, PAGE, mask, &x), -VK_ENOMEM);
    ck_assert_int_eq(ddk_iova_alloc(&a, 2ull << 20, mask, &x), -VK_EINVAL);
    ck_assert_int_eq(ddk_iova_alloc(&a, PAGE, 0, &x), 0); /* no mask: above it */
    ck_assert_uint_ge(x, 1ull << 20);
    ck_assert_int_eq(ddk_iova_check(&a), 0);
}
END_TEST

START_TEST(test_full)
{
    struct ddk_iova a;
    uint64_t x;
    ddk_iova_init(&a, 1ull << 48);
    for (unsigned i = 0; i < DDK_IOVA_RANGES; i++)
        ck_assert_int_eq(ddk_iova_alloc(&a, PAGE, 0, &x), 0);
    ck_assert_int_eq(ddk_iova_alloc(&a, PAGE, 0, &x), -VK_ENOMEM);
    ck_assert_int_eq(ddk_iova_check(&a), 0);
}
END_TEST

/* ---- against a page map ---- */

#define SPACE_PAGES 512u           /* a small space so that it fills up */
static uint8_t owner[SPACE_PAGES]; /* 0 free, else 1 + index of the live range */

static int ref_fits(uint64_t pages, uint64_t end_page)
{
    /* a gap of `pages` free pages that starts after a guard and ends before one */
    uint64_t first = DDK_IOVA_BASE / PAGE;
    for (uint64_t s = first; s + pages <= end_page; s++) {
        int ok = !(s > first && owner[s - 1]);
        for (uint64_t p = s; ok && p <= s + pages && p < SPACE_PAGES; p++)
            ok = !owner[p]; /* the range and its guard page */
        if (ok)
            return 1;
    }
    return 0;
}

START_TEST(test_random)
{
    struct ddk_iova a;
    struct {
        uint64_t iova, pages;
    } live[DDK_IOVA_RANGES];
    unsigned nlive = 0;
    srand(1234u + (unsigned)_i);
    ddk_iova_init(&a, SPACE_PAGES * PAGE);
    memset(owner, 0, sizeof owner);
    for (int step = 0; step < 4000; step++) {
        if (nlive && rand() % 3 == 0) {
            unsigned k = (unsigned)rand() % nlive;
            ck_assert_int_eq(ddk_iova_free(&a, live[k].iova), 0);
            for (uint64_t p = 0; p < live[k].pages; p++)
                owner[live[k].iova / PAGE + p] = 0;
            live[k] = live[--nlive];
        } else {
            uint64_t size = 1 + (uint64_t)rand() % (8 * PAGE);
            uint64_t pages = (size + PAGE - 1) / PAGE;
            uint64_t mask = rand() % 2 ? (uint64_t)(64 + rand() % 448) * PAGE - 1 : 0;
            uint64_t end_page = mask ? (mask + 1) / PAGE : SPACE_PAGES;
            uint64_t x;
            int rc = ddk_iova_alloc(&a, size, mask, &x);
            if (rc) {
                ck_assert(rc == -VK_ENOMEM || rc == -VK_EINVAL);
                if (nlive < DDK_IOVA_RANGES)
                    ck_assert_msg(!ref_fits(pages, end_page), "refused a fitting request");
                continue;
            }
            ck_assert_uint_eq(x % PAGE, 0);
            ck_assert_uint_le(x + pages * PAGE, end_page * PAGE);
            for (uint64_t p = x / PAGE; p < x / PAGE + pages; p++) {
                ck_assert_msg(!owner[p], "page %llu given twice", (unsigned long long)p);
                owner[p] = 1;
            }
            /* guard pages: the neighbours are free */
            ck_assert(x / PAGE == 0 || !owner[x / PAGE - 1]);
            ck_assert(x / PAGE + pages >= SPACE_PAGES || !owner[x / PAGE + pages]);
            live[nlive].iova = x;
            live[nlive++].pages = pages;
        }
        ck_assert_int_eq(ddk_iova_check(&a), 0);
        ck_assert_uint_eq(a.n, nlive);
    }
}
END_TEST

static Suite *iova_suite(void)
{
    Suite *s = suite_create("ddk_iova");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_basic);
    tcase_add_test(tc, test_mask);
    tcase_add_test(tc, test_full);
    tcase_add_loop_test(tc, test_random, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(iova_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
