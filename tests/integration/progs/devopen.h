/*
 * The device-client helpers of the integration test programs that talk to a driver directly
 * (hwrngtest, blktest, hvctest): open its /dev node, waiting for devmgr to publish it; one raw
 * request with a deadline; a hex dump; the names the programs give the drivers' test hooks.
 * Header-only (static inline): each program is one file.
 *
 * Waiting: up to 100 tries 10 ms of virtual time apart (1 s) while the node does not exist
 * (ENOENT); any other error, or a node that never appears, prints "<prog>: ..." and exits 1,
 * so a test fails with a line to match instead of hanging.
 */
#ifndef VERIDIAN_TEST_DEVOPEN_H
#define VERIDIAN_TEST_DEVOPEN_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define DEVOPEN_TRIES 100

static inline void devopen_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* open(2) path with flags: the fd. */
static inline int devopen_fd(const char *prog, const char *path, int flags)
{
    for (int tries = 0; tries < DEVOPEN_TRIES; tries++) {
        int fd = open(path, flags);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT) {
            printf("%s: open %s: %s\n", prog, path, strerror(errno));
            exit(1);
        }
        devopen_sleep_ms(10);
    }
    printf("%s: %s never appeared\n", prog, path);
    exit(1);
}

/* VFS_OP_OPEN of path with flags: the driver's own handle, for raw requests. */
static inline uint32_t devopen_handle(const char *prog, const char *path, int flags)
{
    for (int tries = 0; tries < DEVOPEN_TRIES; tries++) {
        struct vk_msg rep;
        long rc = vr_request(vr_start_handle(VK_ROLE_NSROOT), VFS_OP_OPEN, path, strlen(path), NULL,
                             0, (uint64_t)flags, 0, &rep);
        if (rc >= 0 && VK_MSG_NHANDLES(rep.flags) >= 1)
            return rep.handles[0];
        if (rc != -VK_ENOENT) {
            printf("%s: open %s: %s\n", prog, path, strerror((int)-rc));
            exit(1);
        }
        devopen_sleep_ms(10);
    }
    printf("%s: %s never appeared\n", prog, path);
    exit(1);
}

/* Send c (filled in by the caller) on h, waiting at most timeout_ns of virtual time: the
 * reply's status (0 or -errno), its data copied to out (when out is not NULL and it succeeded). */
static inline long devopen_call(uint32_t h, struct vk_call *c, uint64_t timeout_ns,
                                uint64_t out[VK_MSG_DATA_WORDS])
{
    long rc = vk_call(h, c, (uint64_t)vk_clock_get() + timeout_ns);
    if (rc)
        return rc;
    if (out)
        memcpy(out, c->msg.data, sizeof c->msg.data);
    return c->msg.opcode ? -(long)c->msg.opcode : 0;
}

/* n bytes in hex, 32 a line. */
static inline void devopen_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x%s", b[i], (i % 32 == 31 || i + 1 == n) ? "\n" : "");
}

/* spurious | usedid | usedlen | usedidx | config: VDEV_MISBEHAVE_*, or 0 for another name. */
static inline uint32_t devopen_misbehave_kind(const char *kind)
{
    static const char *const kinds[] = {"spurious", "usedid", "usedlen", "usedidx", "config"};
    for (uint32_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(kind, kinds[k]))
            return VDEV_MISBEHAVE_SPURIOUS + k;
    return 0;
}

/* id | len | idx | desc: HWRNG_CORRUPT_* (also HVC_OP_CORRUPT's), or 0 for another name. */
static inline uint32_t devopen_corrupt_kind(const char *kind)
{
    return !strcmp(kind, "id")     ? HWRNG_CORRUPT_ID
           : !strcmp(kind, "len")  ? HWRNG_CORRUPT_LEN
           : !strcmp(kind, "idx")  ? HWRNG_CORRUPT_IDX
           : !strcmp(kind, "desc") ? HWRNG_CORRUPT_DESC
                                   : 0;
}

_Static_assert(VDEV_MISBEHAVE_USED_ID == VDEV_MISBEHAVE_SPURIOUS + 1 &&
                   VDEV_MISBEHAVE_CONFIG == VDEV_MISBEHAVE_SPURIOUS + 4,
               "devopen_misbehave_kind: the kinds are consecutive");

#endif
