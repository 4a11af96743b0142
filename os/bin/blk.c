/*
 * blk: reads, writes and verifies ranges of a block device (/dev/vda: drivers/virtio-blk).
 *   blk info DEV                          capacity, block size, features, serial
 *   blk read [-r] DEV SECTOR COUNT        the sectors as a hex dump (offset: 16 bytes), or raw
 *                                         bytes to stdout with -r
 *   blk write DEV SECTOR COUNT PATTERN    writes the pattern PATTERN (a seed, a number)
 *   blk verify DEV SECTOR COUNT PATTERN   reads the sectors back and compares with the pattern
 *   blk flush DEV                         the device's write cache to the image
 *   blk discard DEV SECTOR COUNT          discards the sectors
 * It speaks the block protocol (VBLK_OP_* in veridian/devices.h) on the handle vfs returns for
 * DEV, VBLK_MAX_SECTORS sectors per request, so every operation, flush and discard included,
 * reaches the driver as one kind of request.
 *
 * The pattern is a function of (seed, absolute sector, byte), so a range can be verified in any
 * pieces: the 64-bit little-endian word i (0..63) of sector s is splitmix64's finaliser of
 * seed + (s * 64 + i) * 0x9e3779b97f4a7c15 (all mod 2^64); tests recompute it on the host.
 *
 * Exit status: 0 success; 1 an operation failed (the message names it) or verify found a
 * difference (the first differing sector and byte); 2 bad arguments (the usage message). Waits
 * up to 1 s of virtual time for DEV to appear (devmgr publishes it after boot).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define BLK_CHUNK VBLK_MAX_SECTORS
#define BLK_DEADLINE_NS 5000000000ull

static uint8_t blk_buf[BLK_CHUNK * VBLK_SECTOR];
static uint8_t blk_want[BLK_CHUNK * VBLK_SECTOR];

static int usage(void)
{
    fprintf(stderr, "usage: blk info DEV\n"
                    "       blk read [-r] DEV SECTOR COUNT\n"
                    "       blk write DEV SECTOR COUNT PATTERN\n"
                    "       blk verify DEV SECTOR COUNT PATTERN\n"
                    "       blk flush DEV\n"
                    "       blk discard DEV SECTOR COUNT\n");
    return 2;
}

/* A number: decimal or 0x hex, nothing after it. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

static uint64_t blk_pattern_word(uint64_t seed, uint64_t sector, unsigned i)
{
    uint64_t z = seed + (sector * 64 + i) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void blk_pattern(uint64_t seed, uint64_t sector, uint64_t count, uint8_t *out)
{
    for (uint64_t s = 0; s < count; s++)
        for (unsigned i = 0; i < VBLK_SECTOR / 8; i++) {
            uint64_t w = blk_pattern_word(seed, sector + s, i);
            for (unsigned b = 0; b < 8; b++)
                out[s * VBLK_SECTOR + i * 8 + b] = (uint8_t)(w >> (8 * b));
        }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The handle vfs gives for DEV (0 with a message on failure). */
static uint32_t blk_open(const char *dev)
{
    for (int tries = 0; tries < 100; tries++) {
        struct vk_msg rep;
        long rc = vr_request(vr_start_handle(VK_ROLE_NSROOT), VFS_OP_OPEN, dev, strlen(dev), NULL,
                             0, 2 /* O_RDWR */, 0, &rep);
        if (rc >= 0 && VK_MSG_NHANDLES(rep.flags) >= 1)
            return rep.handles[0];
        if (rc >= 0)
            rc = -EIO;
        if (rc != -VK_ENOENT) {
            fprintf(stderr, "blk: %s: %s\n", dev, strerror((int)-rc));
            return 0;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "blk: %s: %s\n", dev, strerror(ENOENT));
    return 0;
}

/* One request: 0 or -errno; the reply's data words in out. */
static long blk_call(uint32_t h, uint32_t op, uint64_t d0, uint64_t d1, const void *send,
                     size_t send_len, void *recv, size_t recv_len, uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = d0;
    c.msg.data[1] = d1;
    c.send_buf = (uint64_t)(uintptr_t)send;
    c.send_len = send ? send_len : 0;
    c.recv_buf = (uint64_t)(uintptr_t)recv;
    c.recv_len = recv ? recv_len : 0;
    long rc = vk_call(h, &c, (uint64_t)vk_clock_get() + BLK_DEADLINE_NS);
    if (rc)
        return rc;
    if (out)
        memcpy(out, c.msg.data, sizeof c.msg.data);
    return c.msg.opcode ? -(long)c.msg.opcode : 0;
}

static int fail(const char *what, uint64_t sector, long rc)
{
    fprintf(stderr, "blk: %s at sector %llu: %s\n", what, (unsigned long long)sector,
            strerror((int)-rc));
    return 1;
}

static int blk_info(uint32_t h)
{
    uint64_t o[VK_MSG_DATA_WORDS];
    char id[VBLK_ID_BYTES + 1] = {0};
    long rc = blk_call(h, VBLK_OP_INFO, 0, 0, NULL, 0, NULL, 0, o);
    if (rc)
        return fail("info", 0, rc);
    printf("capacity: %llu sectors (%llu bytes)\nblock size: %llu\nread-only: %s\n"
           "flush: %s\ndiscard: %s\nwrite zeroes: %s\n",
           (unsigned long long)o[0], (unsigned long long)(o[0] * VBLK_SECTOR),
           (unsigned long long)o[1], o[2] & VBLK_INFO_RO ? "yes" : "no",
           o[2] & VBLK_INFO_FLUSH ? "yes" : "no", o[2] & VBLK_INFO_DISCARD ? "yes" : "no",
           o[2] & VBLK_INFO_WRITE_ZEROES ? "yes" : "no");
    rc = blk_call(h, VBLK_OP_GET_ID, 0, 0, NULL, 0, id, VBLK_ID_BYTES, o);
    if (rc == -ENOTSUP)
        printf("serial: none\n");
    else if (rc)
        return fail("get id", 0, rc);
    else
        printf("serial: %s\n", id);
    return 0;
}

static void hexdump(uint64_t off, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        printf("%08llx:", (unsigned long long)(off + i));
        for (size_t j = i; j < i + 16 && j < n; j++)
            printf(" %02x", b[j]);
        printf("\n");
    }
}

/* read, write, verify, discard over [sector, sector + count) in chunks. */
static int blk_range(uint32_t h, const char *op, int raw, uint64_t sector, uint64_t count,
                     uint64_t seed)
{
    for (uint64_t done = 0; done < count;) {
        uint64_t s = sector + done, n = count - done < BLK_CHUNK ? count - done : BLK_CHUNK;
        size_t len = n * VBLK_SECTOR;
        long rc;
        if (!strcmp(op, "write")) {
            blk_pattern(seed, s, n, blk_buf);
            rc = blk_call(h, VBLK_OP_WRITE, s, n, blk_buf, len, NULL, 0, NULL);
        } else if (!strcmp(op, "discard")) {
            rc = blk_call(h, VBLK_OP_DISCARD, s, n, NULL, 0, NULL, 0, NULL);
        } else {
            rc = blk_call(h, VBLK_OP_READ, s, n, NULL, 0, blk_buf, len, NULL);
        }
        if (rc)
            return fail(op, s, rc);
        if (!strcmp(op, "verify")) {
            blk_pattern(seed, s, n, blk_want);
            for (size_t k = 0; k < len; k++)
                if (blk_buf[k] != blk_want[k]) {
                    printf("verify: sector %llu differs at byte %zu (0x%02x, want 0x%02x)\n",
                           (unsigned long long)(s + k / VBLK_SECTOR), k % VBLK_SECTOR, blk_buf[k],
                           blk_want[k]);
                    return 1;
                }
        } else if (!strcmp(op, "read") && raw) {
            if (fwrite(blk_buf, 1, len, stdout) != len)
                return fail("read: stdout", s, -EIO);
        } else if (!strcmp(op, "read")) {
            hexdump(s * VBLK_SECTOR, blk_buf, len);
        }
        done += n;
    }
    if (!strcmp(op, "verify"))
        printf("verify: %llu sectors from %llu match pattern %llu\n", (unsigned long long)count,
               (unsigned long long)sector, (unsigned long long)seed);
    else if (!strcmp(op, "write") || !strcmp(op, "discard"))
        printf("%s: %llu sectors from %llu\n", op, (unsigned long long)count,
               (unsigned long long)sector);
    return 0;
}

int main(int argc, char **argv)
{
    int raw = 0, a = 2;
    uint64_t sector = 0, count = 0, seed = 0;
    if (argc < 3)
        return usage();
    const char *op = argv[1];
    if (!strcmp(op, "read") && !strcmp(argv[2], "-r")) {
        raw = 1;
        a = 3;
    }
    int nargs = !strcmp(op, "info") || !strcmp(op, "flush")     ? 1
                : !strcmp(op, "read") || !strcmp(op, "discard") ? 3
                : !strcmp(op, "write") || !strcmp(op, "verify") ? 4
                                                                : -1;
    if (nargs < 0 || argc - a != nargs)
        return usage();
    if (nargs >= 3 && (parse_u64(argv[a + 1], &sector) || parse_u64(argv[a + 2], &count) ||
                       count == 0 || sector + count < sector))
        return usage();
    if (nargs == 4 && parse_u64(argv[a + 3], &seed))
        return usage();
    uint32_t h = blk_open(argv[a]);
    if (!h)
        return 1;
    if (!strcmp(op, "info"))
        return blk_info(h);
    if (!strcmp(op, "flush")) {
        long rc = blk_call(h, VBLK_OP_FLUSH, 0, 0, NULL, 0, NULL, 0, NULL);
        if (rc)
            return fail("flush", 0, rc);
        printf("flush: ok\n");
        return 0;
    }
    int rc = blk_range(h, op, raw, sector, count, seed);
    fflush(stdout);
    return rc;
}
