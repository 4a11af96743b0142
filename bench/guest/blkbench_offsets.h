/*
 * The 4 KiB-aligned offsets of the virtio-blk random-read benchmark, one sequence for the guest
 * program (bench/guest/blkbench.c, reading /dev/vda) and its Linux reference
 * (bench/linux/blkread.c, reading the same image file): xorshift64* from a fixed seed, each
 * offset a 4 KiB block of a device of `blocks` blocks.
 */
#ifndef BENCH_BLKBENCH_OFFSETS_H
#define BENCH_BLKBENCH_OFFSETS_H

#include <stdint.h>

#define BLKBENCH_SEED 0x2545f4914f6cdd1dull
#define BLKBENCH_IO 4096u

static inline uint64_t blkbench_next(uint64_t *state, uint64_t blocks)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return ((x * 0x2545f4914f6cdd1dull) >> 11) % blocks * BLKBENCH_IO;
}

#endif
