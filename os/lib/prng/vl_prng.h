/*
 * vl_prng: the only source of randomness of the kernel and the simulator (freestanding, pure;
 * the kernel compiles it into itself, os/kernel/CMakeLists.txt).
 *
 * Every random choice inside a simulated machine (scheduler tie-breaks, chaos preemption,
 * fault injection, link loss) comes from a struct vl_prng hanging off the machine, so a run
 * is a pure function of its seed. Never seed from the host (time, pid, /dev/urandom) and never
 * share one instance between machines.
 *
 * Generator: xoshiro256** 1.0 by David Blackman and Sebastiano Vigna, 256 bits of state,
 * period 2^256 - 1. Reference: https://prng.di.unimi.it/xoshiro256starstar.c
 *     result = rotl(s[1] * 5, 7) * 9;  t = s[1] << 17;
 *     s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
 *
 * Seeding: SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014), as the xoshiro authors recommend. Reference: https://prng.di.unimi.it/splitmix64.c
 *     x += 0x9e3779b97f4a7c15; z = x;
 *     z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
 *     return z ^ (z >> 31);
 * The four state words are its first four outputs. SplitMix64's output function is a
 * bijection on distinct inputs, so at most one word can be zero: the state is never all zero.
 *
 * Bounded integers: Lemire, "Fast Random Integer Generation in an Interval", ACM TOMACS 2019,
 * https://arxiv.org/abs/1805.10941 (multiply-shift with rejection: exactly uniform).
 *
 * All functions are pure computation: no allocation, no I/O, no globals. Output sequences are
 * part of the determinism contract; changing any of them changes every recorded run.
 */
#ifndef VL_PRNG_H
#define VL_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct vl_prng {
    uint64_t s[4];
};

/* Expands seed into s[] with SplitMix64. Any seed is fine, including 0. */
void vl_prng_seed(struct vl_prng *p, uint64_t seed);

/* Next xoshiro256** output. */
uint64_t vl_prng_next(struct vl_prng *p);

/* Uniform in [0, n), exactly unbiased (Lemire's method). n must be > 0 (n == 0 returns 0). */
uint64_t vl_prng_below(struct vl_prng *p, uint64_t n);

/* len bytes: the outputs of vl_prng_next() laid out in little-endian byte order, the last
 * output truncated to its low bytes. Byte-identical on every host. */
void vl_prng_fill(struct vl_prng *p, void *buf, size_t len);

/* Derives an independent stream for a sub-component: consumes four outputs of p and passes
 * each through the SplitMix64 finalizer (a bijection) to form child's state. Deterministic;
 * nested splits are fine. child may not alias p. */
void vl_prng_split(struct vl_prng *p, struct vl_prng *child);

/* SplitMix64 step, exposed for tests and for code that wants a 64-bit seed expander:
 * advances *state and returns the next output. */
uint64_t vl_splitmix64_next(uint64_t *state);

#endif
