/*
 * hash_image: the identity hash of big inputs (the boot image, disk images, the vrsim binary)
 * that a recording names (sim/replay/record.h) so that a replay beside other files is
 * refused. Not cryptographic: it tells files apart, as a checksum does. Host only, x86-64
 * (SSE2, at memory speed: ~3 ms for a 70 MiB image where vs_hash_fast takes ~8), and fed in
 * pieces as the file is read so the bytes are hashed while they are still in the cache.
 *
 * Definition (stable: a LOG stores these values). Eight 64-bit lanes over 64-byte stripes of
 * eight little-endian words w0..w7, with a key per lane that steps by a constant each stripe,
 * so where a word lies counts and not only its value:
 *   x = w(j) ^ key(j); key(j) += step(j); lane(j) += lo32(x) * hi32(x) + w(j ^ 2)
 * (the second term carries the word itself, so a change of one word always moves a lane);
 * after every 16th stripe each lane becomes (lane ^ lane >> 47) * 0x9E3779B1 mod 2^64. The
 * tail (len % 64 bytes) goes into FNV-1a 64 seeded with VS_FNV_INIT ^ len, which then absorbs
 * the lanes in order (h = (h ^ lane) * P1 + P4; h ^= h >> 29), and last h *= P2; h ^= h >> 32.
 * The constants are XXH64's primes; the start values are in hash_image.c.
 */
#ifndef VS_HASH_IMAGE_H
#define VS_HASH_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* A hash being fed in pieces; the result equals vs_hash_image of their concatenation. */
struct vs_image_hash {
    uint64_t lane[8], key[8];
    uint64_t len;    /* bytes so far */
    uint8_t buf[64]; /* the stripe being filled: len % 64 bytes */
};

void vs_image_hash_init(struct vs_image_hash *h);
void vs_image_hash_update(struct vs_image_hash *h, const void *p, size_t len);
uint64_t vs_image_hash_final(const struct vs_image_hash *h);

uint64_t vs_hash_image(const void *p, size_t len);

#endif
