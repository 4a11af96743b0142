/*
 * hash_image: the definition is in hash_image.h. The stripes are hashed with SSE2 (two lanes
 * to a register), or AVX2 (four) where the CPU has it: the same arithmetic, so the same value
 * (the unit test compares the two). The state lives in plain words between pieces, so a piece
 * costs a load and a store of it, nothing per byte.
 */
#include "sim/trace/hash_image.h"

#include <emmintrin.h>
#include <immintrin.h>
#include <string.h>

#include "sim/trace/trace_bin.h"

#define HI_P1 0x9E3779B185EBCA87ull
#define HI_P2 0xC2B2AE3D27D4EB4Full
#define HI_P3 0x165667B19E3779F9ull
#define HI_P4 0x85EBCA77C2B2AE63ull

/* lanes (0 1) (2 3) (4 5) (6 7) start as these; the keys as the lanes in reverse pairs */
static const uint64_t lane_start[8] = {HI_P2, HI_P1, HI_P4, HI_P3, HI_P1, HI_P2, HI_P3, HI_P4};

void vs_image_hash_init(struct vs_image_hash *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->lane, lane_start, sizeof h->lane);
    for (int j = 0; j < 8; j++)
        h->key[j] = lane_start[(j ^ 6)];
}

static __m128i ld(const void *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

/* One register (two lanes) of a stripe: a += lo32(x) * hi32(x) + other, x = w ^ k. */
static inline __m128i stripe_acc(__m128i a, __m128i w, __m128i *k, __m128i step, __m128i other)
{
    __m128i x = _mm_xor_si128(w, *k);
    *k = _mm_add_epi64(*k, step);
    return _mm_add_epi64(a, _mm_add_epi64(_mm_mul_epu32(x, _mm_srli_epi64(x, 32)), other));
}

/* a = (a ^ a >> 47) * 0x9E3779B1 per lane, mod 2^64 */
static inline __m128i scramble(__m128i a, __m128i prime)
{
    __m128i t = _mm_xor_si128(a, _mm_srli_epi64(a, 47));
    return _mm_add_epi64(_mm_mul_epu32(t, prime),
                         _mm_slli_epi64(_mm_mul_epu32(_mm_srli_epi64(t, 32), prime), 32));
}

/* n whole stripes at b; stripe_no counts the stripes before them (for the scramble) */
static void stripes(struct vs_image_hash *h, const uint8_t *b, size_t n, uint64_t stripe_no)
{
    const __m128i step = _mm_set_epi64x((long long)HI_P1, (long long)HI_P2);
    const __m128i prime = _mm_set1_epi32((int)0x9E3779B1u);
    __m128i a0 = ld(h->lane), a1 = ld(h->lane + 2), a2 = ld(h->lane + 4), a3 = ld(h->lane + 6);
    __m128i k0 = ld(h->key), k1 = ld(h->key + 2), k2 = ld(h->key + 4), k3 = ld(h->key + 6);
    for (size_t i = 0; i < n; i++, b += 64) {
        __m128i w0 = ld(b), w1 = ld(b + 16), w2 = ld(b + 32), w3 = ld(b + 48);
        a0 = stripe_acc(a0, w0, &k0, step, w1);
        a1 = stripe_acc(a1, w1, &k1, step, w0);
        a2 = stripe_acc(a2, w2, &k2, step, w3);
        a3 = stripe_acc(a3, w3, &k3, step, w2);
        if (++stripe_no % 16 == 0) {
            a0 = scramble(a0, prime);
            a1 = scramble(a1, prime);
            a2 = scramble(a2, prime);
            a3 = scramble(a3, prime);
        }
    }
    _mm_storeu_si128((__m128i *)h->lane, a0);
    _mm_storeu_si128((__m128i *)(h->lane + 2), a1);
    _mm_storeu_si128((__m128i *)(h->lane + 4), a2);
    _mm_storeu_si128((__m128i *)(h->lane + 6), a3);
    _mm_storeu_si128((__m128i *)h->key, k0);
    _mm_storeu_si128((__m128i *)(h->key + 2), k1);
    _mm_storeu_si128((__m128i *)(h->key + 4), k2);
    _mm_storeu_si128((__m128i *)(h->key + 6), k3);
}

/* The same stripes with AVX2, four lanes to a register: lanes 0-3 take w(j ^ 2) by swapping
 * the register's 128-bit halves. Same definition, same result, half the instructions. */
__attribute__((target("avx2"))) static void stripes_avx2(struct vs_image_hash *h, const uint8_t *b,
                                                         size_t n, uint64_t stripe_no)
{
    const __m256i step =
        _mm256_set_epi64x((long long)HI_P1, (long long)HI_P2, (long long)HI_P1, (long long)HI_P2);
    const __m256i prime = _mm256_set1_epi32((int)0x9E3779B1u);
    __m256i a0 = _mm256_loadu_si256((const __m256i *)h->lane);
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(h->lane + 4));
    __m256i k0 = _mm256_loadu_si256((const __m256i *)h->key);
    __m256i k1 = _mm256_loadu_si256((const __m256i *)(h->key + 4));
    for (size_t i = 0; i < n; i++, b += 64) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)b);
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(b + 32));
        __m256i x0 = _mm256_xor_si256(w0, k0), x1 = _mm256_xor_si256(w1, k1);
        k0 = _mm256_add_epi64(k0, step);
        k1 = _mm256_add_epi64(k1, step);
        a0 = _mm256_add_epi64(a0, _mm256_add_epi64(_mm256_mul_epu32(x0, _mm256_srli_epi64(x0, 32)),
                                                   _mm256_permute4x64_epi64(w0, 0x4e)));
        a1 = _mm256_add_epi64(a1, _mm256_add_epi64(_mm256_mul_epu32(x1, _mm256_srli_epi64(x1, 32)),
                                                   _mm256_permute4x64_epi64(w1, 0x4e)));
        if (++stripe_no % 16 == 0) {
            __m256i t0 = _mm256_xor_si256(a0, _mm256_srli_epi64(a0, 47));
            __m256i t1 = _mm256_xor_si256(a1, _mm256_srli_epi64(a1, 47));
            a0 = _mm256_add_epi64(
                _mm256_mul_epu32(t0, prime),
                _mm256_slli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(t0, 32), prime), 32));
            a1 = _mm256_add_epi64(
                _mm256_mul_epu32(t1, prime),
                _mm256_slli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(t1, 32), prime), 32));
        }
    }
    _mm256_storeu_si256((__m256i *)h->lane, a0);
    _mm256_storeu_si256((__m256i *)(h->lane + 4), a1);
    _mm256_storeu_si256((__m256i *)h->key, k0);
    _mm256_storeu_si256((__m256i *)(h->key + 4), k1);
}

static void stripes_any(struct vs_image_hash *h, const uint8_t *b, size_t n, uint64_t stripe_no)
{
    if (n >= 16 && __builtin_cpu_supports("avx2"))
        stripes_avx2(h, b, n, stripe_no);
    else
        stripes(h, b, n, stripe_no);
}

void vs_image_hash_update(struct vs_image_hash *h, const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t fill = (size_t)(h->len & 63);
    uint64_t done = h->len / 64; /* whole stripes hashed so far */
    h->len += len;
    if (fill) { /* complete the stripe in buf first */
        size_t take = 64 - fill < len ? 64 - fill : len;
        memcpy(h->buf + fill, b, take);
        b += take;
        len -= take;
        if (fill + take < 64)
            return;
        stripes(h, h->buf, 1, done++);
    }
    stripes_any(h, b, len / 64, done);
    memcpy(h->buf, b + (len & ~(size_t)63), len & 63);
}

uint64_t vs_image_hash_final(const struct vs_image_hash *h)
{
    uint64_t r = vs_fnv1a(VS_FNV_INIT ^ h->len, h->buf, (size_t)(h->len & 63));
    for (int j = 0; j < 8; j++) {
        r = (r ^ h->lane[j]) * HI_P1 + HI_P4;
        r ^= r >> 29;
    }
    r *= HI_P2;
    r ^= r >> 32;
    return r;
}

uint64_t vs_hash_image(const void *p, size_t len)
{
    struct vs_image_hash h;
    vs_image_hash_init(&h);
    vs_image_hash_update(&h, p, len);
    return vs_image_hash_final(&h);
}
