/*
 * hwrngtest: a client of /dev/hwrng (drivers/virtio-rng; protocol in veridian/devices.h).
 *   hwrngtest read N         open(2) + read(2) N bytes (in reads of at most 4096), print them
 *                            in hex, 32 bytes a line
 *   hwrngtest corrupt KIND   KIND = id | len | idx: read 16 bytes, have the driver find that
 *                            garbage in its used ring on the next read (HWRNG_OP_CORRUPT); desc:
 *                            have it break the protocol in the next request (the device then
 *                            needs a reset): that read must fail with EIO; then read 16 bytes again
 * (the driver reset the device and brought it back) and print the driver's counters
 *   hwrngtest misbehave KIND KIND = spurious | usedid | usedlen | usedidx | config: read 16
 *                            bytes, arm the device's own misbehaviour (HWRNG_OP_MISBEHAVE), then
 *                            four reads of 16 bytes (each: ok or why not) and the counters
 * hwrngtest info
 * the driver's counters (HWRNG_OP_INFO) Waits up to 1 s of virtual time for devmgr to publish the
 * node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devopen.h"
#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

static int open_fd(void)
{
    return devopen_fd("hwrngtest", "/dev/hwrng", O_RDONLY);
}

/* The driver's handle for the raw requests (as edutest opens /dev/edu). */
static uint32_t open_handle(void)
{
    return devopen_handle("hwrngtest", "/dev/hwrng", O_RDONLY);
}

/* One request: the reply's status (0 or -errno), data in out. */
static long call(uint32_t h, uint32_t op, uint64_t d0, void *recv, size_t recv_len,
                 uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = d0;
    c.recv_buf = (uint64_t)(uintptr_t)recv;
    c.recv_len = recv ? recv_len : 0;
    return devopen_call(h, &c, 2000000000ull, out);
}

static int do_read(size_t n)
{
    static uint8_t buf[65536];
    if (n == 0 || n > sizeof buf)
        return 2;
    int fd = open_fd();
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) {
            printf("hwrngtest: read: %s\n", r < 0 ? strerror(errno) : "end of file");
            return 1;
        }
        got += (size_t)r;
    }
    close(fd);
    devopen_hex(buf, n);
    return 0;
}

static int info(uint32_t h)
{
    uint64_t o[VK_MSG_DATA_WORDS];
    long rc = call(h, HWRNG_OP_INFO, 0, NULL, 0, o);
    if (rc) {
        printf("info: %s\n", strerror((int)-rc));
        return 1;
    }
    printf("info: served %llu resets %llu failed %llu irqs %llu\n", (unsigned long long)o[0],
           (unsigned long long)o[1], (unsigned long long)o[2], (unsigned long long)o[3]);
    return 0;
}

static int corrupt(const char *kind)
{
    uint32_t k = devopen_corrupt_kind(kind);
    uint8_t b[16];
    uint64_t o[VK_MSG_DATA_WORDS];
    if (!k)
        return 2;
    uint32_t h = open_handle();
    long rc = call(h, VFS_OP_READ, sizeof b, b, sizeof b, o);
    printf("read before: %s (%llu bytes)\n", rc ? strerror((int)-rc) : "ok",
           (unsigned long long)(rc ? 0 : o[0]));
    if ((rc = call(h, HWRNG_OP_CORRUPT, k, NULL, 0, NULL))) {
        printf("corrupt: %s\n", strerror((int)-rc));
        return 1;
    }
    rc = call(h, VFS_OP_READ, sizeof b, b, sizeof b, o);
    printf("read with garbage (%s): %s\n", kind, rc ? strerror((int)-rc) : "ok");
    rc = call(h, VFS_OP_READ, sizeof b, b, sizeof b, o);
    printf("read after: %s (%llu bytes)\n", rc ? strerror((int)-rc) : "ok",
           (unsigned long long)(rc ? 0 : o[0]));
    return info(h);
}

static int misbehave(const char *kind)
{
    uint8_t b[16];
    uint64_t o[VK_MSG_DATA_WORDS];
    uint32_t k = devopen_misbehave_kind(kind);
    if (!k)
        return 2;
    uint32_t h = open_handle();
    long rc = call(h, VFS_OP_READ, sizeof b, b, sizeof b, o);
    printf("read before: %s\n", rc ? strerror((int)-rc) : "ok");
    if ((rc = call(h, HWRNG_OP_MISBEHAVE, k, NULL, 0, NULL))) {
        printf("misbehave: %s\n", strerror((int)-rc));
        return 1;
    }
    for (int i = 0; i < 4; i++) {
        rc = call(h, VFS_OP_READ, sizeof b, b, sizeof b, o);
        printf("read %d: %s (%llu bytes)\n", i, rc ? strerror((int)-rc) : "ok",
               (unsigned long long)(rc ? 0 : o[0]));
    }
    return info(h);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "read"))
        return do_read((size_t)strtoul(argv[2], NULL, 0));
    if (argc > 2 && !strcmp(argv[1], "corrupt"))
        return corrupt(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "misbehave"))
        return misbehave(argv[2]);
    if (argc > 1 && !strcmp(argv[1], "info"))
        return info(open_handle());
    fprintf(stderr, "usage: hwrngtest read N | corrupt id|len|idx|desc | misbehave KIND | info\n");
    return 2;
}
