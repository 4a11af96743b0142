/*
 * prng: xoshiro256** seeded through SplitMix64. See prng.h for the algorithms, their
 * references and the determinism contract. No allocation, no I/O, no globals.
 */
#include "vl_prng.h"

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* SplitMix64's output function (Stafford's "Mix13" variant of the MurmurHash3 finalizer). */
static inline uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t vl_splitmix64_next(uint64_t *state)
{
    *state += SPLITMIX_GAMMA;
    return splitmix64_mix(*state);
}

void vl_prng_seed(struct vl_prng *p, uint64_t seed)
{
    uint64_t x = seed;

    for (int i = 0; i < 4; i++)
        p->s[i] = vl_splitmix64_next(&x);
}

uint64_t vl_prng_next(struct vl_prng *p)
{
    uint64_t *s = p->s;
    const uint64_t result = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Full 64x64 -> 128 multiply: returns the high word, stores the low word. */
static inline uint64_t mul128(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 m = (unsigned __int128)a * b;
    *lo = (uint64_t)m;
    return (uint64_t)(m >> 64);
#else
    uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

uint64_t vl_prng_below(struct vl_prng *p, uint64_t n)
{
    uint64_t lo;
    uint64_t hi;

    if (n == 0)
        return 0;
    hi = mul128(vl_prng_next(p), n, &lo);
    if (lo < n) {
        /* threshold = 2^64 mod n: low words below it belong to an incomplete bucket. */
        const uint64_t threshold = (0 - n) % n;
        while (lo < threshold)
            hi = mul128(vl_prng_next(p), n, &lo);
    }
    return hi;
}

void vl_prng_fill(struct vl_prng *p, void *buf, size_t len)
{
    uint8_t *out = buf;

    while (len > 0) {
        uint64_t v = vl_prng_next(p);
        size_t n = len < 8 ? len : 8;
        for (size_t i = 0; i < n; i++) {
            out[i] = (uint8_t)v;
            v >>= 8;
        }
        out += n;
        len -= n;
    }
}

void vl_prng_split(struct vl_prng *p, struct vl_prng *child)
{
    for (int i = 0; i < 4; i++)
        child->s[i] = splitmix64_mix(vl_prng_next(p));
    /* Four independent outputs all mapping to zero has probability 2^-256; stay defined. */
    if ((child->s[0] | child->s[1] | child->s[2] | child->s[3]) == 0)
        child->s[0] = SPLITMIX_GAMMA;
}
