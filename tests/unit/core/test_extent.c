/*
 * Unit tests for sim/core/extent (the free-extent allocator behind memory objects): first fit
 * by address, merging with both neighbours, refused double and out-of-region frees, the
 * ever-new-sizes pattern that exhausted the old exact-size allocator, and a randomized
 * comparison against a reference model (a sorted list of allocated ranges, first fit by a
 * linear scan of the gaps) over a hundred thousand allocations and frees of random sizes:
 * the same address for every request, the same free space after every step, no overlap,
 * everything inside the region, and after freeing everything one allocation of the whole
 * region.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/extent.h"

#define BASE 0x200000000000ull

static struct vs_extents x;

/* Checks on hot paths: Check's own assertions cost a system call each, even when they hold. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg("line %d: %s", __LINE__, #cond);                                          \
    } while (0)

static void teardown(void)
{
    vs_extents_fini(&x);
    ck_assert_ptr_null(x.nodes);
}

static void check_ok(void)
{
    const char *why = NULL;
    if (vs_extents_check(&x, &why))
        ck_abort_msg("invariant broken: %s", why ? why : "?");
}

static uint64_t must_alloc(uint64_t size)
{
    uint64_t a = 0;
    REQUIRE(vs_extents_alloc(&x, size, &a) == 0);
    check_ok();
    return a;
}

/* The free extents, flattened for comparisons. */
struct flat {
    uint64_t v[2 * 4096];
    uint32_t n;
};

static void flat_add(void *ctx, uint64_t start, uint64_t size)
{
    struct flat *f = ctx;
    REQUIRE(f->n + 2 <= sizeof f->v / sizeof f->v[0]);
    f->v[f->n++] = start;
    f->v[f->n++] = size;
}

static void flatten(struct flat *f)
{
    f->n = 0;
    vs_extents_walk(&x, flat_add, f);
}

START_TEST(test_init_errors)
{
    ck_assert_int_eq(vs_extents_init(&x, BASE, 0), -EINVAL);
    ck_assert_int_eq(vs_extents_init(&x, UINT64_MAX - 10, 100), -EINVAL);
    ck_assert_int_eq(vs_extents_init(&x, BASE, 1000), 0);
    uint64_t a;
    ck_assert_int_eq(vs_extents_alloc(&x, 0, &a), -EINVAL);
    ck_assert_int_eq(vs_extents_alloc(&x, 1001, &a), -ENOMEM);
    ck_assert_uint_eq(vs_extents_largest(&x), 1000);
    check_ok();
}
END_TEST

START_TEST(test_first_fit_and_merge)
{
    ck_assert_int_eq(vs_extents_init(&x, BASE, 100), 0);
    uint64_t a = must_alloc(10), b = must_alloc(20), c = must_alloc(30), d = must_alloc(40);
    ck_assert_uint_eq(a, BASE);
    ck_assert_uint_eq(b, BASE + 10);
    ck_assert_uint_eq(c, BASE + 30);
    ck_assert_uint_eq(d, BASE + 60);
    ck_assert_uint_eq(vs_extents_largest(&x), 0);
    uint64_t e;
    ck_assert_int_eq(vs_extents_alloc(&x, 1, &e), -ENOMEM);

    /* holes at a and c: first fit takes the lowest that holds the request */
    ck_assert_int_eq(vs_extents_free(&x, a, 10), 0);
    ck_assert_int_eq(vs_extents_free(&x, c, 30), 0);
    check_ok();
    ck_assert_uint_eq(x.nextents, 2);
    ck_assert_uint_eq(must_alloc(15), c); /* a's hole is too small */
    ck_assert_uint_eq(must_alloc(5), a);  /* the lowest hole again */
    ck_assert_int_eq(vs_extents_free(&x, a, 5), 0);
    ck_assert_int_eq(vs_extents_free(&x, c, 15), 0);

    /* freeing b joins the hole below (a) and the one above (c): one extent of 60 */
    ck_assert_int_eq(vs_extents_free(&x, b, 20), 0);
    check_ok();
    struct flat f;
    flatten(&f);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_uint_eq(f.v[0], BASE);
    ck_assert_uint_eq(f.v[1], 60);
    /* and d with it: the whole region */
    ck_assert_int_eq(vs_extents_free(&x, d, 40), 0);
    check_ok();
    ck_assert_uint_eq(x.nextents, 1);
    ck_assert_uint_eq(must_alloc(100), BASE);
    ck_assert_int_eq(vs_extents_free(&x, BASE, 100), 0);

    /* merge with the successor only, and with the predecessor only */
    a = must_alloc(10);
    b = must_alloc(10);
    c = must_alloc(10);
    ck_assert_int_eq(vs_extents_free(&x, b, 10), 0); /* lone hole, touching nothing */
    ck_assert_uint_eq(x.nextents, 2);
    ck_assert_int_eq(vs_extents_free(&x, a, 10), 0); /* joins the hole above it */
    ck_assert_uint_eq(x.nextents, 2);
    flatten(&f);
    ck_assert_uint_eq(f.v[0], BASE);
    ck_assert_uint_eq(f.v[1], 20);
    ck_assert_int_eq(vs_extents_free(&x, c, 10), 0); /* joins both */
    ck_assert_uint_eq(x.nextents, 1);
    check_ok();
}
END_TEST

START_TEST(test_bad_free_changes_nothing)
{
    ck_assert_int_eq(vs_extents_init(&x, BASE, 1000), 0);
    uint64_t a = must_alloc(100), b = must_alloc(100);
    (void)b;
    ck_assert_int_eq(vs_extents_free(&x, a, 100), 0);
    struct flat before, after;
    flatten(&before);
    uint64_t nallocs = x.nallocs;

    ck_assert_int_eq(vs_extents_free(&x, a, 100), -EINVAL);          /* double free */
    ck_assert_int_eq(vs_extents_free(&x, a + 50, 100), -EINVAL);     /* half of it free */
    ck_assert_int_eq(vs_extents_free(&x, BASE + 150, 100), -EINVAL); /* runs into free space */
    ck_assert_int_eq(vs_extents_free(&x, BASE - 1, 1), -EINVAL);     /* below the region */
    ck_assert_int_eq(vs_extents_free(&x, BASE + 1000, 1), -EINVAL);  /* above it */
    ck_assert_int_eq(vs_extents_free(&x, BASE + 150, UINT64_MAX), -EINVAL); /* wraps */
    ck_assert_int_eq(vs_extents_free(&x, BASE + 150, 0), -EINVAL);
    flatten(&after);
    ck_assert_uint_eq(before.n, after.n);
    ck_assert_mem_eq(before.v, after.v, before.n * sizeof before.v[0]);
    ck_assert_uint_eq(x.nallocs, nallocs);
    check_ok();
}
END_TEST

/* The defect: objects created and closed at ever new sizes, with a few long-lived ones in
 * between. With exact-size reuse the region is gone after a few thousand; here every request
 * fits, and the space afterwards is one extent again. */
START_TEST(test_ever_new_sizes)
{
    const uint64_t page = 4096, region = 256ull << 20;
    ck_assert_int_eq(vs_extents_init(&x, BASE, region), 0);
    uint64_t keep[64], nkeep = 0, used = 0;
    for (uint64_t i = 1; i <= 10000; i++) {
        uint64_t size = i * page;             /* 10,000 distinct sizes, up to 40 MiB */
        uint64_t a = must_alloc(size + page); /* + a guard page, as the arena does */
        REQUIRE(a >= BASE && a + size + page <= BASE + region);
        used += size;
        if (i % 157 == 0 && nkeep < 64)
            keep[nkeep++] = must_alloc(page * 2); /* long-lived, right after the freed one */
        REQUIRE(vs_extents_free(&x, a, size + page) == 0);
    }
    ck_assert_uint_gt(used, 100 * region); /* far more than the region, over time */
    for (uint64_t i = 0; i < nkeep; i++)
        ck_assert_int_eq(vs_extents_free(&x, keep[i], page * 2), 0);
    check_ok();
    ck_assert_uint_eq(x.nextents, 1);
    ck_assert_uint_eq(must_alloc(region), BASE);
}
END_TEST

/* ---- randomized comparison against a reference model ---- */

enum { OPS = 100000, MAXLIVE = 1500 };
#define RBASE 0x7000ull
#define RSIZE (1ull << 24)

struct range {
    uint64_t start, size;
};

/* Reference: the allocated ranges, sorted by start; first fit = scan the gaps in order. */
static struct range live[MAXLIVE + 1];
static uint32_t nlive;

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64*: local to the test so it does not depend on the module under test */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* First fit: 0 and the address, or -ENOMEM. */
static int ref_alloc(uint64_t size, uint64_t *addr, uint32_t *pos)
{
    uint64_t prev = RBASE;
    for (uint32_t i = 0; i <= nlive; i++) {
        uint64_t next = i < nlive ? live[i].start : RBASE + RSIZE;
        if (next - prev >= size) {
            *addr = prev;
            *pos = i;
            return 0;
        }
        if (i < nlive)
            prev = live[i].start + live[i].size;
    }
    return -ENOMEM;
}

/* The gaps between allocated ranges, as the allocator's free extents must be. */
static void ref_flatten(struct flat *f)
{
    uint64_t prev = RBASE;
    f->n = 0;
    for (uint32_t i = 0; i <= nlive; i++) {
        uint64_t next = i < nlive ? live[i].start : RBASE + RSIZE;
        if (next > prev)
            flat_add(f, prev, next - prev);
        if (i < nlive)
            prev = live[i].start + live[i].size;
    }
}

static uint64_t ref_largest(void)
{
    struct flat f;
    uint64_t m = 0;
    ref_flatten(&f);
    for (uint32_t i = 0; i < f.n; i += 2)
        m = f.v[i + 1] > m ? f.v[i + 1] : m;
    return m;
}

static void compare_with_reference(void)
{
    static struct flat got, want;
    check_ok();
    flatten(&got);
    ref_flatten(&want);
    REQUIRE(got.n == want.n);
    REQUIRE(memcmp(got.v, want.v, got.n * sizeof got.v[0]) == 0);
    REQUIRE(vs_extents_largest(&x) == ref_largest());
}

static uint64_t random_size(void)
{
    uint64_t r = rng_next() % 100;
    if (r < 55)
        return 1 + rng_next() % 64;
    if (r < 85)
        return 1 + rng_next() % 4096;
    if (r < 98)
        return 1 + rng_next() % (RSIZE / 64);
    return 1 + rng_next() % (RSIZE / 3);
}

START_TEST(test_random_vs_reference)
{
    ck_assert_int_eq(vs_extents_init(&x, RBASE, RSIZE), 0);
    nlive = 0;
    rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i * 7919;
    uint64_t allocs = 0, frees = 0, full = 0;
    for (int op = 0; op < OPS; op++) {
        int do_alloc = nlive == 0 || (nlive < MAXLIVE && rng_next() % 100 < 52);
        if (do_alloc) {
            uint64_t size = random_size(), want = 0, got = 0;
            uint32_t pos = 0;
            int rw = ref_alloc(size, &want, &pos);
            int rg = vs_extents_alloc(&x, size, &got);
            REQUIRE(rg == rw);
            if (rg) {
                full++;
                continue;
            }
            REQUIRE(got == want);
            /* inside the region, and clear of both neighbours */
            REQUIRE(got >= RBASE && got + size <= RBASE + RSIZE);
            REQUIRE(pos == 0 || live[pos - 1].start + live[pos - 1].size <= got);
            REQUIRE(pos == nlive || got + size <= live[pos].start);
            memmove(&live[pos + 1], &live[pos], (nlive - pos) * sizeof live[0]);
            live[pos] = (struct range){got, size};
            nlive++;
            allocs++;
        } else {
            uint32_t i = (uint32_t)(rng_next() % nlive);
            REQUIRE(vs_extents_free(&x, live[i].start, live[i].size) == 0);
            if (rng_next() % 16 == 0) /* a second free of the same range is refused */
                REQUIRE(vs_extents_free(&x, live[i].start, live[i].size) == -EINVAL);
            memmove(&live[i], &live[i + 1], (nlive - i - 1) * sizeof live[0]);
            nlive--;
            frees++;
        }
        if (op % 61 == 0)
            compare_with_reference();
    }
    ck_assert_uint_gt(allocs, OPS / 3);
    ck_assert_uint_gt(full, 0); /* the region did run full at times */
    /* free everything in random order; the space merges back into one extent */
    while (nlive) {
        uint32_t i = (uint32_t)(rng_next() % nlive);
        REQUIRE(vs_extents_free(&x, live[i].start, live[i].size) == 0);
        memmove(&live[i], &live[i + 1], (nlive - i - 1) * sizeof live[0]);
        nlive--;
        if (nlive % 97 == 0)
            compare_with_reference();
    }
    compare_with_reference();
    ck_assert_uint_eq(x.nextents, 1);
    ck_assert_uint_eq(x.free_bytes, RSIZE);
    uint64_t a;
    ck_assert_int_eq(vs_extents_alloc(&x, RSIZE, &a), 0);
    ck_assert_uint_eq(a, RBASE);
    ck_assert_uint_eq(x.nextents, 0);
    ck_assert_int_eq(vs_extents_alloc(&x, 1, &a), -ENOMEM);
    ck_assert_int_eq(vs_extents_free(&x, RBASE, RSIZE), 0);
    check_ok();
}
END_TEST

/* Two allocators fed one sequence hand out one sequence of addresses. */
START_TEST(test_deterministic)
{
    struct vs_extents y;
    ck_assert_int_eq(vs_extents_init(&x, RBASE, RSIZE), 0);
    ck_assert_int_eq(vs_extents_init(&y, RBASE, RSIZE), 0);
    uint64_t held[256] = {0}, sizes[256] = {0};
    rng_state = 12345;
    for (int op = 0; op < 20000; op++) {
        uint32_t i = (uint32_t)(rng_next() % 256);
        if (held[i]) {
            REQUIRE(vs_extents_free(&x, held[i], sizes[i]) == 0);
            REQUIRE(vs_extents_free(&y, held[i], sizes[i]) == 0);
            held[i] = 0;
            continue;
        }
        uint64_t size = 1 + rng_next() % 65536, a = 0, b = 0;
        int ra = vs_extents_alloc(&x, size, &a), rb = vs_extents_alloc(&y, size, &b);
        REQUIRE(ra == rb && a == b);
        if (!ra) {
            held[i] = a;
            sizes[i] = size;
        }
    }
    ck_assert_uint_eq(x.root, y.root);
    ck_assert_mem_eq(x.nodes, y.nodes, x.cap * sizeof x.nodes[0]);
    vs_extents_fini(&y);
}
END_TEST

Suite *extent_suite(void);

Suite *extent_suite(void)
{
    Suite *s = suite_create("extent");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_init_errors);
    tcase_add_test(tc, test_first_fit_and_merge);
    tcase_add_test(tc, test_bad_free_changes_nothing);
    tcase_add_test(tc, test_ever_new_sizes);
    tcase_add_loop_test(tc, test_random_vs_reference, 0, 4);
    tcase_add_test(tc, test_deterministic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(extent_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
