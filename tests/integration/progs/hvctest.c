/*
 * hvctest: a client of /dev/hvc0 (drivers/virtio-console; protocol in veridian/devices.h).
 *   hvctest write TEXT     write(2) TEXT to /dev/hvc0 (looping over short writes)
 *   hvctest pattern N      write N bytes of the pattern byte i = (i * 7 + i / 256) & 0xff in
 *                          one write(2) call's worth of looping (the host recomputes it)
 *   hvctest read N         read exactly N bytes from /dev/hvc0 (VFS_OP_READ calls, each with a
 *                          10 s deadline of virtual time: no hang), print them in hex, 32 a line
 *   hvctest echo N [CHUNK [MS]]  read N bytes so (at most CHUNK per read, pausing MS ms of
 *                          virtual time before each: a slow reader) and write(2) them back (the
 *                          host compares the files)
 *   hvctest info           the terminal size and the driver's counters (HVC_OP_INFO)
 *   hvctest corrupt KIND   KIND = id | len | idx: write "before\n", have the driver find that
 *                          garbage in its transmitq's used ring on the next write
 *                          (HVC_OP_CORRUPT); desc: have it break that write itself (a
 *                          device-writable buffer): that write must fail with EIO; then write
 *                          "after\n" (the driver reset the device and brought it back) and
 *                          print the counters
 *   hvctest mtx KIND       the device misbehaves with a write in flight (HVC_OP_MISBEHAVE; KIND =
 *                          spurious | usedid | usedlen | usedidx | config): write "before\n",
 *                          read 100 input bytes (the input file must hold 200, all taken in at
 *                          boot), arm KIND, write "during\n" (the completion the device spoils),
 *                          read 100 bytes, write "after\n", print each status and the counters
 *   hvctest mtxr KIND      the same with a read in flight too (a second thread): write "before\n",
 *                          read the 200 input bytes, start a read of 100 (it waits: no more
 *                          input comes), arm KIND, write "during\n", print the counters, then
 *                          the waiting read's outcome (a timeout after 10 s of virtual time:
 *                          it was never failed)
 *   hvctest mrx KIND [MS [CHUNK]]  the device misbehaves with the input flowing: (after MS ms of
 * virtual time: the driver's input ring full when the input file is larger than it) arm KIND, then
 * read until 10 s of virtual time pass with none, CHUNK (4096) bytes at most per read, noting each
 * EIO (at which byte), and write everything read back (the host compares: the input, or the input
 * less one gap at the EIO) Waits up to 1 s of virtual time for devmgr to publish the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devopen.h"
#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

static uint8_t buf[1 << 20];
#define READ_DEADLINE_NS 10000000000ull /* 10 s of virtual time per read */

static int open_fd(int flags)
{
    return devopen_fd("hvctest", "/dev/hvc0", flags);
}

static uint32_t open_handle(void)
{
    return devopen_handle("hvctest", "/dev/hvc0", O_RDWR);
}

/* One request: the reply's status (0 or -errno), data in out. */
static long call(uint32_t h, uint32_t op, uint64_t d0, const void *send, size_t send_len,
                 uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = d0;
    c.send_buf = (uint64_t)(uintptr_t)send;
    c.send_len = send ? send_len : 0;
    return devopen_call(h, &c, 2000000000ull, out);
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, b + done, n - done);
        if (w <= 0) {
            printf("hvctest: write: %s\n", w < 0 ? strerror(errno) : "wrote nothing");
            return 1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes with VFS_OP_READ calls, each bounded by a deadline of virtual time: a
 * driver that never answers fails the test instead of hanging it. */
static int read_all(uint32_t h, uint8_t *b, size_t n, size_t chunk, long pause_ms)
{
    for (size_t got = 0; got < n;) {
        struct vk_call c;
        size_t want = n - got < chunk ? n - got : chunk;
        if (pause_ms)
            devopen_sleep_ms(pause_ms);
        memset(&c, 0, sizeof c);
        c.msg.opcode = VFS_OP_READ;
        c.msg.data[0] = want;
        c.recv_buf = (uint64_t)(uintptr_t)(b + got);
        c.recv_len = want;
        long rc = vk_call(h, &c, (uint64_t)vk_clock_get() + READ_DEADLINE_NS);
        if (!rc && c.msg.opcode)
            rc = -(long)c.msg.opcode;
        if (!rc && (c.msg.data[0] == 0 || c.msg.data[0] > want))
            rc = -VK_EIO;
        if (rc) {
            printf("hvctest: read after %zu bytes: %s\n", got, strerror((int)-rc));
            return 1;
        }
        got += c.msg.data[0];
    }
    return 0;
}

static int do_write(const uint8_t *b, size_t n)
{
    int fd = open_fd(O_WRONLY);
    int rc = write_all(fd, b, n);
    close(fd);
    return rc;
}

static int do_read(size_t n, int echo, size_t chunk, long pause_ms)
{
    if (n == 0 || n > sizeof buf || chunk == 0)
        return 2;
    uint32_t h = open_handle();
    if (read_all(h, buf, n, chunk, pause_ms))
        return 1;
    if (echo) {
        int fd = open_fd(O_WRONLY);
        int rc = write_all(fd, buf, n);
        close(fd);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        printf("%02x%s", buf[i], (i % 32 == 31 || i + 1 == n) ? "\n" : "");
    return 0;
}

static int info(uint32_t h)
{
    uint64_t o[VK_MSG_DATA_WORDS];
    long rc = call(h, HVC_OP_INFO, 0, NULL, 0, o);
    if (rc) {
        printf("info: %s\n", strerror((int)-rc));
        return 1;
    }
    printf("info: cols %llu rows %llu resets %llu failed %llu received %llu sent %llu\n",
           (unsigned long long)o[0], (unsigned long long)o[1], (unsigned long long)o[2],
           (unsigned long long)o[3], (unsigned long long)o[4], (unsigned long long)o[5]);
    return 0;
}

static int corrupt(const char *kind)
{
    uint32_t k = devopen_corrupt_kind(kind);
    uint64_t o[VK_MSG_DATA_WORDS];
    if (!k)
        return 2;
    uint32_t h = open_handle();
    long rc = call(h, VFS_OP_WRITE, 7, "before\n", 7, o);
    printf("write before: %s (%llu bytes)\n", rc ? strerror((int)-rc) : "ok",
           (unsigned long long)(rc ? 0 : o[0]));
    if ((rc = call(h, HVC_OP_CORRUPT, k, NULL, 0, NULL))) {
        printf("corrupt: %s\n", strerror((int)-rc));
        return 1;
    }
    rc = call(h, VFS_OP_WRITE, 8, "garbage\n", 8, o);
    printf("write with garbage (%s): %s\n", kind, rc ? strerror((int)-rc) : "ok");
    rc = call(h, VFS_OP_WRITE, 6, "after\n", 6, o);
    printf("write after: %s (%llu bytes)\n", rc ? strerror((int)-rc) : "ok",
           (unsigned long long)(rc ? 0 : o[0]));
    return info(h);
}

/* One VFS_OP_READ of at most n bytes (10 s deadline): the count, or -errno. */
static long read_once(uint32_t h, uint8_t *b, size_t n)
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_READ;
    c.msg.data[0] = n;
    c.recv_buf = (uint64_t)(uintptr_t)b;
    c.recv_len = n;
    long rc = vk_call(h, &c, (uint64_t)vk_clock_get() + READ_DEADLINE_NS);
    if (!rc && c.msg.opcode)
        rc = -(long)c.msg.opcode;
    if (!rc && c.msg.data[0] > n)
        rc = -VK_EIO;
    return rc ? rc : (long)c.msg.data[0];
}

static void print_write(uint32_t h, const char *what, const char *text)
{
    uint64_t o[VK_MSG_DATA_WORDS];
    long rc = call(h, VFS_OP_WRITE, strlen(text), text, strlen(text), o);
    printf("write %s: %s", what, rc ? strerror((int)-rc) : "ok");
    if (!rc)
        printf(" (%llu bytes)", (unsigned long long)o[0]);
    printf("\n");
}

static void print_read(uint32_t h, const char *what, size_t n)
{
    long rc = read_once(h, buf, n);
    if (rc < 0)
        printf("read %s: %s\n", what, strerror((int)-rc));
    else
        printf("read %s: ok (%ld bytes)\n", what, rc);
}

static int misbehave_tx(const char *kind)
{
    uint32_t k = devopen_misbehave_kind(kind);
    if (!k)
        return 2;
    uint32_t h = open_handle();
    print_write(h, "before", "before\n");
    print_read(h, "before", 100);
    long rc = call(h, HVC_OP_MISBEHAVE, k, NULL, 0, NULL);
    printf("misbehave %s: %s\n", kind, rc ? strerror((int)-rc) : "ok");
    print_write(h, "during", "during\n");
    print_read(h, "after", 100);
    print_write(h, "after", "after\n");
    return info(h);
}

struct pending_read {
    uint32_t h;
    long rc;
};

static void *pending_read(void *arg)
{
    struct pending_read *p = arg;
    p->rc = read_once(p->h, buf + 4096, 100);
    return NULL;
}

static int misbehave_tx_reading(const char *kind)
{
    uint32_t k = devopen_misbehave_kind(kind);
    pthread_t t;
    if (!k)
        return 2;
    struct pending_read p = {.h = open_handle(), .rc = 0};
    print_write(p.h, "before", "before\n");
    print_read(p.h, "before", 200);
    if (pthread_create(&t, NULL, pending_read, &p)) {
        printf("hvctest: pthread_create failed\n");
        return 1;
    }
    devopen_sleep_ms(1); /* the read is waiting in the driver */
    long rc = call(p.h, HVC_OP_MISBEHAVE, k, NULL, 0, NULL);
    printf("misbehave %s: %s\n", kind, rc ? strerror((int)-rc) : "ok");
    print_write(p.h, "during", "during\n");
    int st = info(p.h);
    pthread_join(t, NULL);
    if (p.rc < 0)
        printf("read in flight: %s\n", strerror((int)-p.rc));
    else
        printf("read in flight: ok (%ld bytes)\n", p.rc);
    return st;
}

static int misbehave_rx(const char *kind, long pause_ms, size_t chunk)
{
    uint32_t k = devopen_misbehave_kind(kind);
    size_t got = 0;
    if (!k)
        return 2;
    uint32_t h = open_handle();
    if (pause_ms)
        devopen_sleep_ms(pause_ms);
    long rc = call(h, HVC_OP_MISBEHAVE, k, NULL, 0, NULL);
    printf("misbehave %s: %s\n", kind, rc ? strerror((int)-rc) : "ok");
    while (got < sizeof buf) {
        size_t want = sizeof buf - got < chunk ? sizeof buf - got : chunk;
        rc = read_once(h, buf + got, want);
        if (rc == -VK_ETIMEDOUT)
            break;
        if (rc < 0)
            printf("read: %s after %zu bytes\n", strerror((int)-rc), got);
        else if (rc == 0)
            break;
        else
            got += (size_t)rc;
    }
    printf("read: %zu bytes\n", got);
    int fd = open_fd(O_WRONLY);
    if (write_all(fd, buf, got))
        return 1;
    close(fd);
    return info(h);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "write"))
        return do_write((const uint8_t *)argv[2], strlen(argv[2]));
    if (argc > 2 && !strcmp(argv[1], "pattern")) {
        size_t n = (size_t)strtoul(argv[2], NULL, 0);
        if (n > sizeof buf)
            return 2;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(i * 7 + i / 256);
        return do_write(buf, n);
    }
    if (argc > 2 && !strcmp(argv[1], "read"))
        return do_read((size_t)strtoul(argv[2], NULL, 0), 0, sizeof buf, 0);
    if (argc > 2 && !strcmp(argv[1], "echo"))
        return do_read((size_t)strtoul(argv[2], NULL, 0), 1,
                       argc > 3 ? (size_t)strtoul(argv[3], NULL, 0) : sizeof buf,
                       argc > 4 ? strtol(argv[4], NULL, 0) : 0);
    if (argc > 2 && !strcmp(argv[1], "corrupt"))
        return corrupt(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "mtx"))
        return misbehave_tx(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "mtxr"))
        return misbehave_tx_reading(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "mrx"))
        return misbehave_rx(argv[2], argc > 3 ? strtol(argv[3], NULL, 0) : 0,
                            argc > 4 ? (size_t)strtoul(argv[4], NULL, 0) : 4096);
    if (argc > 1 && !strcmp(argv[1], "info"))
        return info(open_handle());
    fprintf(stderr, "usage: hvctest write TEXT | pattern N | read N | echo N [CHUNK [MS]] | info | "
                    "corrupt id|len|idx|desc | mtx KIND | mtxr KIND | mrx KIND [MS [CHUNK]]\n");
    return 2;
}
