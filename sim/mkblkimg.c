/*
 * mkblkimg: writes the deterministic test disk image of the build (build/machines/blk.img, used
 * by sim/machines/blk.toml): test data that must be identical on every machine is generated
 * here, never fetched.
 *
 *   mkblkimg OUT [SECTORS]     (default 2048 sectors: 1 MiB)
 *
 * Sector n (512 bytes): bytes 0..7 hold n (little-endian), bytes 8..15 the tag "VBLKTEST", and
 * byte i (16..511) the value (n * 37 + i * 13 + (n >> 8)) & 0xff. So every sector differs from
 * every other and a test can recompute any byte (tests/integration/hw/virtio_blk.sh).
 * Host tool; writes OUT whole or fails with status 1 (nothing half-written is left behind).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sector(uint64_t n, uint8_t *b)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(n >> (8 * i));
    memcpy(b + 8, "VBLKTEST", 8);
    for (unsigned i = 16; i < 512; i++)
        b[i] = (uint8_t)((n * 37 + i * 13 + (n >> 8)) & 0xff);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: mkblkimg OUT [SECTORS]\n");
        return 2;
    }
    char *end = NULL;
    unsigned long long count = argc == 3 ? strtoull(argv[2], &end, 0) : 2048;
    if ((argc == 3 && (*end || !count)) || count > (1ull << 24)) {
        fprintf(stderr, "mkblkimg: bad sector count '%s'\n", argv[2]);
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    uint8_t b[512];
    for (uint64_t n = 0; n < count; n++) {
        sector(n, b);
        if (fwrite(b, 1, sizeof b, f) != sizeof b)
            break;
    }
    if (ferror(f) | fclose(f)) {
        perror(argv[1]);
        remove(argv[1]);
        return 1;
    }
    return 0;
}
