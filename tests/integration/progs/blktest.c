/*
 * blktest: a client of /dev/vda (drivers/virtio-blk; protocol VBLK_OP_* in veridian/devices.h).
 * Runs its arguments as a list of operations, one output line each (errors as strerror):
 *   info             capacity, block size and flags (VBLK_OP_INFO)
 *   stats            the driver's counters: served, resets, failed
 *   irqs             the interrupts the driver was delivered (VBLK_OP_STATS)
 *   id               the serial (VBLK_OP_GET_ID)
 *   read S N         N sectors from sector S, in hex, 32 bytes a line
 *   readraw S N      the same, the range passed to the device unchecked (VBLK_RAW)
 *   write S N B      N sectors of the byte B at sector S
 *   writeraw S N B   the same, unchecked by the driver
 *   verify S N B     read N sectors at S: every byte must be B
 *   flush            VBLK_OP_FLUSH
 *   discard S N      VBLK_OP_DISCARD
 *   wzero S N        VBLK_OP_WRITE_ZEROES
 *   fread OFF LEN    through the file interface: open(2) (once), lseek(2) to OFF, read(2) LEN
 *                    bytes (in as many reads as it takes), in hex, 32 bytes a line
 *   fpread OFF LEN   pread(2) LEN bytes at OFF (one call: a short count is printed)
 *   fwrite OFF LEN B lseek(2) to OFF, write(2) LEN bytes of B: the count, the position after
 *   fsize            lseek(fd, 0, SEEK_END)
 *   crashwrites N K  N writes of one sector each (write i: sector 1000 + i % 64, every byte
 *                    i % 251 + 1); before write K the driver is told to die with its next
 *                    write in flight (VBLK_OP_CRASH); the writes after it reach the restarted
 *                    driver. Then every sector is read back: each must hold its last
 *                    acknowledged write (the one that failed may or may not have landed)
 *   parallel T N     T threads, each N rounds of: write sector 1500 + 16 * t + round % 16
 *                    with the byte (t * 16 + round) % 255 + 1, read it back, compare; then
 *                    the driver's most requests in flight at once (VBLK_OP_STATS)
 *   corrupt KIND     id | len | idx | status: garbage the driver finds on its next completion;
 *                    desc: the driver breaks its next request (the device needs a reset)
 *   misbehave KIND   spurious | usedid | usedlen | usedidx | config: the device itself
 *                    misbehaves (VBLK_OP_MISBEHAVE, the model's test hooks: VDEV_MISBEHAVE_*)
 * Waits up to 1 s of virtual time for devmgr to publish the node. Exit status 0 when every
 * argument was understood (operations may fail: the output says how), 2 for a usage error.
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

static uint8_t buf[4 * VBLK_MAX_SECTORS * VBLK_SECTOR];
static int file = -1;

static int file_fd(void)
{
    if (file < 0 && (file = open("/dev/vda", O_RDWR)) < 0) {
        printf("blktest: open(2) /dev/vda: %s\n", strerror(errno));
        exit(1);
    }
    return file;
}

static uint32_t open_handle(void)
{
    return devopen_handle("blktest", "/dev/vda", O_RDWR);
}

/* One request: the reply's status (0 or -errno), data in out. */
static long call(uint32_t h, uint32_t op, uint64_t d0, uint64_t d1, uint64_t d2, const void *send,
                 size_t send_len, void *recv, size_t recv_len, uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = d0;
    c.msg.data[1] = d1;
    c.msg.data[2] = d2;
    c.send_buf = (uint64_t)(uintptr_t)send;
    c.send_len = send ? send_len : 0;
    c.recv_buf = (uint64_t)(uintptr_t)recv;
    c.recv_len = recv ? recv_len : 0;
    return devopen_call(h, &c, 5000000000ull, out);
}

static const char *res(long rc)
{
    return rc ? strerror((int)-rc) : "ok";
}

static int crashwrites(uint32_t h, unsigned n, unsigned k)
{
    enum { SPAN = 64, BASE = 1000 };
    int want[SPAN], maybe[SPAN];
    unsigned acked = 0, failed = 0;
    for (unsigned s = 0; s < SPAN; s++)
        want[s] = maybe[s] = -1; /* -1: never written here (its old bytes) */
    for (unsigned i = 0; i < n; i++) {
        unsigned s = i % SPAN;
        if (i == k) {
            long rc = call(h, VBLK_OP_CRASH, 0, 0, 0, NULL, 0, NULL, 0, NULL);
            if (rc) {
                printf("crash: %s\n", res(rc));
                return 1;
            }
        }
        memset(buf, (int)(i % 251 + 1), VBLK_SECTOR);
        long rc = call(h, VBLK_OP_WRITE, BASE + s, 1, 0, buf, VBLK_SECTOR, NULL, 0, NULL);
        if (rc) {
            printf("write %u (sector %u): %s\n", i, BASE + s, res(rc));
            maybe[s] = (int)(i % 251 + 1);
            failed++;
        } else {
            want[s] = (int)(i % 251 + 1);
            maybe[s] = -1;
            acked++;
        }
    }
    unsigned bad = 0;
    for (unsigned s = 0; s < SPAN; s++) {
        long rc = call(h, VBLK_OP_READ, BASE + s, 1, 0, NULL, 0, buf, VBLK_SECTOR, NULL);
        if (rc) {
            printf("read back sector %u: %s\n", BASE + s, res(rc));
            bad++;
            continue;
        }
        int v = buf[0];
        for (unsigned j = 1; j < VBLK_SECTOR; j++)
            if (buf[j] != buf[0])
                v = -2; /* half-applied */
        if (want[s] >= 0 && v == want[s])
            continue;
        if (maybe[s] >= 0 && v == maybe[s])
            continue;
        if (want[s] < 0 && maybe[s] < 0)
            continue; /* never written */
        printf("sector %u: holds %d, the last acknowledged write put %d\n", BASE + s, v, want[s]);
        bad++;
    }
    printf("crashwrites: %u writes, %u acknowledged, %u failed, %s\n", n, acked, failed,
           bad ? "acknowledged writes LOST" : "every acknowledged write read back");
    return 0;
}

struct par {
    uint32_t h;
    unsigned t, n, bad, done;
    uint8_t buf[2][VBLK_SECTOR];
};

static void par_worker(void *arg)
{
    struct par *p = arg;
    for (unsigned r = 0; r < p->n; r++) {
        uint64_t sector = 1500 + 16 * p->t + r % 16;
        memset(p->buf[0], (int)((p->t * 16 + r) % 255 + 1), VBLK_SECTOR);
        if (call(p->h, VBLK_OP_WRITE, sector, 1, 0, p->buf[0], VBLK_SECTOR, NULL, 0, NULL) ||
            call(p->h, VBLK_OP_READ, sector, 1, 0, NULL, 0, p->buf[1], VBLK_SECTOR, NULL) ||
            memcmp(p->buf[0], p->buf[1], VBLK_SECTOR))
            p->bad++;
        else
            p->done++;
    }
}

static int parallel(uint32_t h, unsigned t, unsigned n)
{
    static struct par ps[8];
    struct vk_wait w[8];
    if (t < 1 || t > 8)
        return 2;
    for (unsigned i = 0; i < t; i++) {
        uint32_t th;
        ps[i] = (struct par){.h = h, .t = i, .n = n};
        if (vr_thread_start(par_worker, &ps[i], 32 * 1024, &th))
            return 1;
        w[i] = (struct vk_wait){.handle = th, .mask = VK_SIG_EXITED};
    }
    unsigned ok = 0, bad = 0;
    for (unsigned i = 0; i < t; i++) {
        vk_wait_many(&w[i], 1, VK_DEADLINE_NEVER);
        ok += ps[i].done;
        bad += ps[i].bad;
    }
    uint64_t o[VK_MSG_DATA_WORDS];
    long rc = call(h, VBLK_OP_STATS, 0, 0, 0, NULL, 0, NULL, 0, o);
    printf("parallel %u %u: %u rounds ok, %u bad; most in flight %s%llu\n", t, n, ok, bad,
           rc ? res(rc) : "", rc ? 0ull : (unsigned long long)o[0]);
    return 0;
}

static int need(int argc, int i, int n)
{
    if (i + n >= argc) {
        fprintf(stderr, "blktest: missing arguments\n");
        exit(2);
    }
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t h = 0;
    uint64_t o[VK_MSG_DATA_WORDS];
    if (argc < 2) {
        fprintf(stderr, "usage: blktest OP [ARGS] ... (see the source)\n");
        return 2;
    }
    h = open_handle();
    for (int i = 1; i < argc; i++) {
        const char *op = argv[i];
        long rc;
        if (!strcmp(op, "info")) {
            rc = call(h, VBLK_OP_INFO, 0, 0, 0, NULL, 0, NULL, 0, o);
            if (rc)
                printf("info: %s\n", res(rc));
            else
                printf("info: capacity %llu block %llu ro %d flush %d discard %d wzero %d\n",
                       (unsigned long long)o[0], (unsigned long long)o[1], !!(o[2] & VBLK_INFO_RO),
                       !!(o[2] & VBLK_INFO_FLUSH), !!(o[2] & VBLK_INFO_DISCARD),
                       !!(o[2] & VBLK_INFO_WRITE_ZEROES));
        } else if (!strcmp(op, "stats")) {
            rc = call(h, VBLK_OP_INFO, 0, 0, 0, NULL, 0, NULL, 0, o);
            if (rc)
                printf("stats: %s\n", res(rc));
            else
                printf("stats: served %llu resets %llu failed %llu\n", (unsigned long long)o[3],
                       (unsigned long long)o[4], (unsigned long long)o[5]);
        } else if (!strcmp(op, "irqs")) {
            rc = call(h, VBLK_OP_STATS, 0, 0, 0, NULL, 0, NULL, 0, o);
            if (rc)
                printf("irqs: %s\n", res(rc));
            else
                printf("irqs: %llu\n", (unsigned long long)o[1]);
        } else if (!strcmp(op, "id")) {
            char id[VBLK_ID_BYTES + 1] = {0};
            rc = call(h, VBLK_OP_GET_ID, 0, 0, 0, NULL, 0, id, VBLK_ID_BYTES, o);
            if (rc)
                printf("id: %s\n", res(rc));
            else
                printf("id: '%s' (%llu bytes)\n", id, (unsigned long long)o[0]);
        } else if (!strcmp(op, "read") || !strcmp(op, "readraw") || !strcmp(op, "verify")) {
            need(argc, i, strcmp(op, "verify") ? 2 : 3);
            uint64_t s = strtoull(argv[i + 1], NULL, 0), n = strtoull(argv[i + 2], NULL, 0);
            int b = !strcmp(op, "verify") ? (int)strtol(argv[i + 3], NULL, 0) : -1;
            size_t len = n * VBLK_SECTOR > sizeof buf ? sizeof buf : n * VBLK_SECTOR;
            memset(buf, 0xee, sizeof buf);
            rc = call(h, VBLK_OP_READ, s, n, !strcmp(op, "readraw") ? VBLK_RAW : 0, NULL, 0, buf,
                      len ? len : 1, o);
            if (rc && b < 0) {
                printf("%s %llu %llu: %s\n", op, (unsigned long long)s, (unsigned long long)n,
                       res(rc));
            } else if (rc) {
                printf("verify %llu %llu %d: %s\n", (unsigned long long)s, (unsigned long long)n, b,
                       res(rc));
            } else if (b < 0) {
                devopen_hex(buf, len);
            } else {
                size_t k = 0;
                while (k < len && buf[k] == (uint8_t)b)
                    k++;
                if (k == len)
                    printf("verify %llu %llu %d: ok\n", (unsigned long long)s,
                           (unsigned long long)n, b);
                else
                    printf("verify %llu %llu %d: byte %zu is %d\n", (unsigned long long)s,
                           (unsigned long long)n, b, k, buf[k]);
            }
            i += b < 0 ? 2 : 3;
        } else if (!strcmp(op, "write") || !strcmp(op, "writeraw")) {
            need(argc, i, 3);
            uint64_t s = strtoull(argv[i + 1], NULL, 0), n = strtoull(argv[i + 2], NULL, 0);
            int b = (int)strtol(argv[i + 3], NULL, 0);
            size_t len = n * VBLK_SECTOR > sizeof buf ? sizeof buf : n * VBLK_SECTOR;
            memset(buf, b, sizeof buf);
            rc = call(h, VBLK_OP_WRITE, s, n, !strcmp(op, "writeraw") ? VBLK_RAW : 0, buf,
                      len ? len : 1, NULL, 0, o);
            printf("%s %llu %llu %d: %s\n", op, (unsigned long long)s, (unsigned long long)n, b,
                   res(rc));
            i += 3;
        } else if (!strcmp(op, "flush")) {
            printf("flush: %s\n", res(call(h, VBLK_OP_FLUSH, 0, 0, 0, NULL, 0, NULL, 0, o)));
        } else if (!strcmp(op, "discard") || !strcmp(op, "wzero")) {
            need(argc, i, 2);
            uint64_t s = strtoull(argv[i + 1], NULL, 0), n = strtoull(argv[i + 2], NULL, 0);
            rc = call(h, !strcmp(op, "discard") ? VBLK_OP_DISCARD : VBLK_OP_WRITE_ZEROES, s, n, 0,
                      NULL, 0, NULL, 0, o);
            printf("%s %llu %llu: %s\n", op, (unsigned long long)s, (unsigned long long)n, res(rc));
            i += 2;
        } else if (!strcmp(op, "fread") || !strcmp(op, "fpread")) {
            need(argc, i, 2);
            long long off = strtoll(argv[i + 1], NULL, 0);
            size_t len = strtoull(argv[i + 2], NULL, 0), got = 0;
            int fd = file_fd();
            i += 2;
            if (len > sizeof buf)
                return 2;
            if (!strcmp(op, "fpread")) {
                ssize_t r = pread(fd, buf, len, off);
                if (r < 0) {
                    printf("fpread %lld %zu: %s\n", off, len, strerror(errno));
                    continue;
                }
                printf("fpread %lld %zu: %zd bytes\n", off, len, r);
                devopen_hex(buf, (size_t)r);
                continue;
            }
            if (lseek(fd, off, SEEK_SET) != off) {
                printf("fread %lld %zu: lseek: %s\n", off, len, strerror(errno));
                continue;
            }
            while (got < len) {
                ssize_t r = read(fd, buf + got, len - got);
                if (r <= 0) {
                    printf("fread %lld %zu: %s after %zu bytes\n", off, len,
                           r < 0 ? strerror(errno) : "end of file", got);
                    break;
                }
                got += (size_t)r;
            }
            if (got == len)
                devopen_hex(buf, len);
        } else if (!strcmp(op, "fwrite")) {
            need(argc, i, 3);
            long long off = strtoll(argv[i + 1], NULL, 0);
            size_t len = strtoull(argv[i + 2], NULL, 0);
            int b = (int)strtol(argv[i + 3], NULL, 0), fd = file_fd();
            i += 3;
            if (len > sizeof buf)
                return 2;
            memset(buf, b, len);
            if (lseek(fd, off, SEEK_SET) != off) {
                printf("fwrite %lld %zu %d: lseek: %s\n", off, len, b, strerror(errno));
                continue;
            }
            ssize_t w = write(fd, buf, len);
            if (w < 0)
                printf("fwrite %lld %zu %d: %s\n", off, len, b, strerror(errno));
            else
                printf("fwrite %lld %zu %d: %zd bytes, now at %lld\n", off, len, b, w,
                       (long long)lseek(fd, 0, SEEK_CUR));
        } else if (!strcmp(op, "fsize")) {
            printf("fsize: %lld\n", (long long)lseek(file_fd(), 0, SEEK_END));
        } else if (!strcmp(op, "parallel")) {
            need(argc, i, 2);
            if (parallel(h, (unsigned)strtoul(argv[i + 1], NULL, 0),
                         (unsigned)strtoul(argv[i + 2], NULL, 0)))
                return 1;
            i += 2;
        } else if (!strcmp(op, "crashwrites")) {
            need(argc, i, 2);
            if (crashwrites(h, (unsigned)strtoul(argv[i + 1], NULL, 0),
                            (unsigned)strtoul(argv[i + 2], NULL, 0)))
                return 1;
            i += 2;
        } else if (!strcmp(op, "misbehave")) {
            need(argc, i, 1);
            uint32_t k = devopen_misbehave_kind(argv[i + 1]);
            if (!k)
                return 2;
            rc = call(h, VBLK_OP_MISBEHAVE, k, 0, 0, NULL, 0, NULL, 0, o);
            printf("misbehave %s: %s\n", argv[i + 1], res(rc));
            i += 1;
        } else if (!strcmp(op, "corrupt")) {
            need(argc, i, 1);
            const char *k = argv[i + 1];
            uint32_t kind = !strcmp(k, "id")       ? VBLK_CORRUPT_ID
                            : !strcmp(k, "len")    ? VBLK_CORRUPT_LEN
                            : !strcmp(k, "idx")    ? VBLK_CORRUPT_IDX
                            : !strcmp(k, "status") ? VBLK_CORRUPT_STATUS
                            : !strcmp(k, "desc")   ? VBLK_CORRUPT_DESC
                                                   : 0;
            if (!kind)
                return 2;
            printf("corrupt %s: %s\n", k,
                   res(call(h, VBLK_OP_CORRUPT, kind, 0, 0, NULL, 0, NULL, 0, o)));
            i += 1;
        } else {
            fprintf(stderr, "blktest: unknown operation '%s'\n", op);
            return 2;
        }
    }
    return 0;
}
