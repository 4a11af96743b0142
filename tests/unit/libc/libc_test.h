/*
 * Helpers shared by the libc unit tests: a small deterministic PRNG (splitmix64) and a
 * cheap assertion for loops. Seeds are fixed; VR_TEST_SEED=n shifts them all, to explore
 * more inputs by hand.
 */
#ifndef TEST_LIBC_H
#define TEST_LIBC_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

/* Check's ck_assert records every passing assertion in a file: far too slow inside loops
 * of thousands of checks. REQUIRE only costs the test. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg("requirement failed: %s", #cond);                                         \
    } while (0)

struct rng {
    uint64_t s;
};

static inline struct rng rng_seeded(uint64_t seed)
{
    const char *shift = getenv("VR_TEST_SEED");
    struct rng r = {seed + (shift ? strtoull(shift, NULL, 0) * 0x1000 : 0)};

    return r;
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0; the tiny modulo bias does not matter here) */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

#endif
