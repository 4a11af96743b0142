/*
 * The heap engine (libveridian/src/heap.c) over a fake page source (mmap), checked against
 * a shadow model: every live block is filled with a pattern derived from its id and checked
 * on free and realloc; live blocks never overlap (checked on the address-sorted set);
 * alignment and usable size hold; the heap's own consistency walk passes; after freeing
 * everything the mapped memory falls back to one spare segment, and fini returns all of it.
 * Bad frees must be reported, not absorbed.
 */
#include <check.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core.h"
#include "libc_test.h"

/* ---- the fake page source ---- */

#define MAX_MAPPINGS 4096

struct mapping {
    void *addr;
    size_t size;
    uint64_t tag;
};

struct fake_source {
    struct mapping maps[MAX_MAPPINGS];
    size_t nmaps;
    size_t mapped, peak;
    size_t limit; /* 0: none */
    uint64_t next_tag;
};

static struct fake_source src;
static struct vr_heap heap;
static jmp_buf corrupt_jmp;
static int expect_corrupt;
static char corrupt_what[128];

static int fake_map(void *ctx, size_t size, void **addr, uint64_t *tag)
{
    struct fake_source *fs = ctx;

    REQUIRE(size % 4096 == 0);
    if ((fs->limit && fs->mapped + size > fs->limit) || fs->nmaps == MAX_MAPPINGS)
        return -VK_ENOMEM;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -VK_ENOMEM;
    fs->maps[fs->nmaps++] = (struct mapping){p, size, ++fs->next_tag};
    fs->mapped += size;
    if (fs->mapped > fs->peak)
        fs->peak = fs->mapped;
    *addr = p;
    *tag = fs->next_tag;
    return 0;
}

static void fake_unmap(void *ctx, void *addr, size_t size, uint64_t tag)
{
    struct fake_source *fs = ctx;

    for (size_t i = 0; i < fs->nmaps; i++) {
        if (fs->maps[i].addr == addr) {
            REQUIRE(fs->maps[i].size == size);
            REQUIRE(fs->maps[i].tag == tag);
            fs->maps[i] = fs->maps[--fs->nmaps];
            fs->mapped -= size;
            munmap(addr, size);
            return;
        }
    }
    ck_abort_msg("unmap of %p (%zu bytes), which was never mapped", addr, size);
}

static void fake_corrupt(void *ctx, const char *what, const void *p)
{
    (void)ctx;
    if (!expect_corrupt)
        ck_abort_msg("heap reported \"%s\" at %p", what, p);
    snprintf(corrupt_what, sizeof corrupt_what, "%s", what);
    longjmp(corrupt_jmp, 1);
}

static const struct vr_heap_source_ops fake_ops = {
    .map = fake_map,
    .unmap = fake_unmap,
    .corrupt = fake_corrupt,
};

static void setup(void)
{
    memset(&src, 0, sizeof src);
    expect_corrupt = 0;
    vr_heap_init(&heap, &fake_ops, &src, 0x1234567887654321ull);
}

/* No leak: fini gives every mapping back. */
static void teardown(void)
{
    vr_heap_fini(&heap);
    ck_assert_uint_eq(src.nmaps, 0);
    ck_assert_uint_eq(src.mapped, 0);
}

/* ---- the shadow model ---- */

struct live {
    unsigned char *p;
    size_t size;
    uint64_t id;
};

/* The pattern's word at offset i (a multiple of 8); byte i is byte i % 8 of word i & ~7,
 * so the pattern is the same whatever part of a block is filled or checked. */
static uint64_t pattern_word(uint64_t id, size_t i)
{
    return (id * 0x9e3779b97f4a7c15ull) ^ (i * 0x100000001b3ull);
}

static unsigned char pattern_byte(uint64_t id, size_t i)
{
    return (unsigned char)(pattern_word(id, i & ~(size_t)7) >> (8 * (i & 7)));
}

static void fill_pattern(const struct live *l)
{
    size_t i = 0;

    for (; i + 8 <= l->size; i += 8) {
        uint64_t w = pattern_word(l->id, i);
        memcpy(l->p + i, &w, 8);
    }
    for (; i < l->size; i++)
        l->p[i] = pattern_byte(l->id, i);
}

static void check_pattern(const struct live *l, size_t n)
{
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, l->p + i, 8);
        if (w != pattern_word(l->id, i))
            ck_abort_msg("block %llu (%p, %zu bytes) damaged at %zu", (unsigned long long)l->id,
                         (void *)l->p, l->size, i);
    }
    for (; i < n; i++)
        if (l->p[i] != pattern_byte(l->id, i))
            ck_abort_msg("block %llu damaged at byte %zu", (unsigned long long)l->id, i);
}

static int cmp_live(const void *a, const void *b)
{
    const struct live *x = a, *y = b;

    return (x->p > y->p) - (x->p < y->p);
}

static void check_no_overlap(struct live *lv, size_t n)
{
    qsort(lv, n, sizeof *lv, cmp_live);
    for (size_t i = 1; i < n; i++) {
        size_t prev_usable = vr_heap_usable_size(&heap, lv[i - 1].p);
        if (lv[i - 1].p + prev_usable > lv[i].p)
            ck_abort_msg("blocks %p+%zu and %p overlap", (void *)lv[i - 1].p, prev_usable,
                         (void *)lv[i].p);
    }
}

static size_t random_size(struct rng *r)
{
    uint64_t k = rng_below(r, 1000);

    if (k < 600)
        return rng_below(r, 65);
    if (k < 870)
        return 64 + rng_below(r, 960);
    if (k < 994)
        return 1024 + rng_below(r, 15 * 1024);
    return 64 * 1024 + rng_below(r, 700 * 1024); /* beyond 256 KiB: huge blocks */
}

static void check_new_block(const struct live *l, size_t align)
{
    REQUIRE(l->p != NULL);
    REQUIRE((uintptr_t)l->p % 16 == 0);
    REQUIRE(!align || (uintptr_t)l->p % align == 0);
    REQUIRE(vr_heap_usable_size(&heap, l->p) >= l->size);
}

#define MAX_LIVE 3000

START_TEST(test_stress)
{
    static struct live lv[MAX_LIVE];
    struct rng r = rng_seeded(41);
    size_t n = 0;
    uint64_t next_id = 1;

    for (int op = 0; op < 100000; op++) {
        uint64_t k = rng_below(&r, 100);
        int want_alloc = n < 50 || (n < MAX_LIVE && k < (n < 1500 ? 55u : 45u));

        if (want_alloc) {
            struct live *l = &lv[n];
            size_t align = 0;
            l->size = random_size(&r);
            l->id = next_id++;
            switch (rng_below(&r, 10)) {
            case 0:
            case 1: { /* calloc: n * m, zeroed */
                size_t m = 1 + rng_below(&r, 8);
                l->size = l->size / m * m;
                l->p = vr_heap_calloc(&heap, l->size / m, m);
                REQUIRE(l->p != NULL);
                for (size_t i = 0; i < l->size; i++)
                    REQUIRE(l->p[i] == 0);
                break;
            }
            case 2:
                align = (size_t)32 << rng_below(&r, 9);
                l->p = vr_heap_alloc_aligned(&heap, align, l->size);
                break;
            default:
                l->p = vr_heap_alloc(&heap, l->size);
                break;
            }
            check_new_block(l, align);
            fill_pattern(l);
            n++;
        } else if (rng_below(&r, 3) == 0) {
            /* realloc: the old contents survive up to the smaller size */
            struct live *l = &lv[rng_below(&r, n)];
            size_t new_size = rng_below(&r, 4) ? random_size(&r)
                                               : l->size + rng_below(&r, 64) - 32 * (l->size > 32);
            if (new_size == 0)
                new_size = 1;
            check_pattern(l, l->size);
            unsigned char *q = vr_heap_realloc(&heap, l->p, new_size);
            REQUIRE(q != NULL);
            l->p = q;
            check_pattern(l, l->size < new_size ? l->size : new_size);
            l->size = new_size;
            l->id = next_id++;
            check_new_block(l, 0);
            fill_pattern(l);
        } else {
            size_t i = rng_below(&r, n);
            check_pattern(&lv[i], lv[i].size);
            vr_heap_free(&heap, lv[i].p);
            lv[i] = lv[--n];
        }
        if (op % 2500 == 0) {
            check_no_overlap(lv, n);
            vr_heap_check(&heap);
        }
    }
    check_no_overlap(lv, n);
    vr_heap_check(&heap);
    struct vr_heap_stats st;
    vr_heap_get_stats(&heap, &st);
    ck_assert_uint_eq(st.mapped, src.mapped);

    while (n) {
        check_pattern(&lv[n - 1], lv[n - 1].size);
        vr_heap_free(&heap, lv[--n].p);
    }
    vr_heap_check(&heap);
    vr_heap_get_stats(&heap, &st);
    /* everything free: at most 2 MiB of empty segments stay mapped */
    ck_assert_uint_eq(st.in_use, 0);
    ck_assert_uint_eq(st.huge, 0);
    ck_assert_uint_le(st.mapped, (size_t)2 << 20);
    ck_assert_uint_eq(st.mapped, src.mapped);
}
END_TEST

START_TEST(test_basics)
{
    void *a = vr_heap_alloc(&heap, 0), *b = vr_heap_alloc(&heap, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, b);
    vr_heap_free(&heap, NULL);
    vr_heap_free(&heap, a);
    vr_heap_free(&heap, b);

    /* realloc(NULL, n) allocates; realloc(p, 0) frees */
    char *p = vr_heap_realloc(&heap, NULL, 10);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "123456789", 10);
    ck_assert_ptr_null(vr_heap_realloc(&heap, p, 0));

    /* shrinking stays in place; growing into a free neighbour too */
    p = vr_heap_alloc(&heap, 1000);
    char *guard = vr_heap_alloc(&heap, 16);
    memset(p, 'x', 1000);
    ck_assert_ptr_eq(vr_heap_realloc(&heap, p, 100), p);
    ck_assert_ptr_eq(vr_heap_realloc(&heap, p, 900), p);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(p[i], 'x');
    vr_heap_free(&heap, p);
    vr_heap_free(&heap, guard);

    /* a freed block is reused */
    p = vr_heap_alloc(&heap, 200);
    vr_heap_free(&heap, p);
    ck_assert_ptr_eq(vr_heap_alloc(&heap, 200), p);
    vr_heap_free(&heap, p);
    vr_heap_check(&heap);
}
END_TEST

START_TEST(test_limits)
{
    ck_assert_ptr_null(vr_heap_alloc(&heap, SIZE_MAX));
    ck_assert_ptr_null(vr_heap_alloc(&heap, SIZE_MAX - 8));
    ck_assert_ptr_null(vr_heap_alloc(&heap, (size_t)1 << 47));
    ck_assert_ptr_null(vr_heap_calloc(&heap, SIZE_MAX / 2, 3));
    ck_assert_ptr_null(vr_heap_calloc(&heap, (size_t)1 << 32, (size_t)1 << 32));
    ck_assert_ptr_null(vr_heap_alloc_aligned(&heap, 48, 10)); /* not a power of two */
    ck_assert_ptr_null(vr_heap_alloc_aligned(&heap, 64, SIZE_MAX - 100));
    char *p = vr_heap_alloc(&heap, 100);
    memset(p, 7, 100);
    ck_assert_ptr_null(vr_heap_realloc(&heap, p, SIZE_MAX - 4));
    ck_assert_int_eq(p[99], 7); /* untouched */
    vr_heap_free(&heap, p);

    /* a source that runs dry: NULL, and fine again once memory comes back */
    src.limit = (size_t)2 << 20;
    void *big = vr_heap_alloc(&heap, (size_t)3 << 20);
    ck_assert_ptr_null(big);
    void *blocks[64];
    size_t nb = 0;
    while (nb < 64 && (blocks[nb] = vr_heap_alloc(&heap, 100000)))
        nb++;
    ck_assert_uint_lt(nb, 64);
    while (nb)
        vr_heap_free(&heap, blocks[--nb]);
    ck_assert_ptr_nonnull(p = vr_heap_alloc(&heap, 100000));
    vr_heap_free(&heap, p);
    vr_heap_check(&heap);
}
END_TEST

START_TEST(test_huge_and_aligned)
{
    struct vr_heap_stats st;

    char *h = vr_heap_alloc(&heap, (size_t)1 << 20);
    vr_heap_get_stats(&heap, &st);
    ck_assert_uint_eq(st.huge, 1);
    memset(h, 1, (size_t)1 << 20);
    h = vr_heap_realloc(&heap, h, (size_t)3 << 20); /* moves */
    ck_assert_int_eq(h[(1 << 20) - 1], 1);
    h = vr_heap_realloc(&heap, h, ((size_t)3 << 20) - 100); /* stays */
    vr_heap_free(&heap, h);
    vr_heap_get_stats(&heap, &st);
    ck_assert_uint_eq(st.huge, 0);

    for (size_t align = 32; align <= ((size_t)1 << 21); align *= 2) {
        char *p = vr_heap_alloc_aligned(&heap, align, 100);
        ck_assert_uint_eq((uintptr_t)p % align, 0);
        memset(p, 3, 100);
        char *q = vr_heap_alloc_aligned(&heap, align, align * 3);
        ck_assert_uint_eq((uintptr_t)q % align, 0);
        memset(q, 4, align * 3);
        vr_heap_check(&heap);
        vr_heap_free(&heap, p);
        vr_heap_free(&heap, q);
    }
    vr_heap_check(&heap);
}
END_TEST

/* Allocating and freeing in a loop must not keep mapping new memory. */
START_TEST(test_no_growth_in_loops)
{
    for (int round = 0; round < 200; round++) {
        void *p[20];
        for (int i = 0; i < 20; i++)
            p[i] = vr_heap_alloc(&heap, (size_t)(i + 1) * 5000);
        for (int i = 0; i < 20; i++)
            vr_heap_free(&heap, p[i]);
    }
    ck_assert_uint_le(src.peak, (size_t)8 << 20);
}
END_TEST

START_TEST(test_bad_frees)
{
    char *p = vr_heap_alloc(&heap, 64), *q = vr_heap_alloc(&heap, 64);
    char *keep = vr_heap_alloc(&heap, 64);

    expect_corrupt = 1;
    vr_heap_free(&heap, p);
    if (!setjmp(corrupt_jmp)) {
        vr_heap_free(&heap, p);
        ck_abort_msg("double free not reported");
    }
    ck_assert_str_eq(corrupt_what, "double free");

    /* freed and merged with its free neighbour: its header is gone */
    vr_heap_free(&heap, q);
    if (!setjmp(corrupt_jmp)) {
        vr_heap_free(&heap, q);
        ck_abort_msg("double free after a merge not reported");
    }
    ck_assert_str_eq(corrupt_what, "invalid pointer");

    if (!setjmp(corrupt_jmp)) {
        vr_heap_free(&heap, keep + 16);
        ck_abort_msg("pointer inside a block not reported");
    }
    if (!setjmp(corrupt_jmp)) {
        vr_heap_free(&heap, keep + 1);
        ck_abort_msg("misaligned pointer not reported");
    }
    if (!setjmp(corrupt_jmp)) {
        vr_heap_realloc(&heap, keep + 32, 10);
        ck_abort_msg("realloc of a bad pointer not reported");
    }

    /* a write past the end of a block is seen when the next one is freed */
    char *a = vr_heap_alloc(&heap, 40), *b = vr_heap_alloc(&heap, 40);
    memset(a, 0xff, vr_heap_usable_size(&heap, a) + 16);
    if (!setjmp(corrupt_jmp)) {
        vr_heap_free(&heap, b);
        ck_abort_msg("overflow into the next header not reported");
    }
    expect_corrupt = 0;
    (void)keep;
}
END_TEST

static Suite *malloc_suite(void)
{
    Suite *s = suite_create("malloc");
    TCase *tc = tcase_create("malloc");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stress);
    tcase_add_test(tc, test_basics);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_huge_and_aligned);
    tcase_add_test(tc, test_no_growth_in_loops);
    tcase_add_test(tc, test_bad_frees);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(malloc_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
