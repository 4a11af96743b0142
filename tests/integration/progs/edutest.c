/*
 * edutest: a client of /dev/edu (drivers/edu; protocol in veridian/devices.h). It opens the
 * node through vfs (VFS_OP_OPEN on its session: the reply carries a handle to the driver) and
 * calls the driver directly.
 *   edutest fact N     prints N! from the device's factorial unit
 *   edutest dma LEN [COUNT]  round-trips LEN patterned bytes through the device's DMA engine
 *                      (COUNT times: a host-time benchmark, each trip is two transfers)
 *   edutest fault      points the device at an unmapped IOVA and at a read-only canary:
 *                      both fail (EIO), the canary's bytes do not change; prints /proc/iommu
 *   edutest crash      has the driver die with a DMA pending, then waits for devmgr to restart
 *                      it and computes 5!; prints /proc/devices
 *   edutest probe      lists the driver's start handles (role, type, rights) and which of the
 *                      things a driver must not do the kernel refused it (DDK_OP_PROBE)
 *   edutest proc NAME [MS]  prints /proc/NAME after MS (default 100) ms of virtual time
 *                      (devmgr refreshes on a 50 ms tick)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The handle vfs gives for /dev/edu (waiting up to 1 s of virtual time for devmgr). */
static uint32_t open_edu(void)
{
    for (int tries = 0; tries < 100; tries++) {
        struct vk_msg rep;
        long rc = vr_request(vr_start_handle(VK_ROLE_NSROOT), VFS_OP_OPEN, "/dev/edu", 8, NULL, 0,
                             O_RDWR, 0, &rep);
        if (rc >= 0 && VK_MSG_NHANDLES(rep.flags) >= 1)
            return rep.handles[0];
        if (rc != -VK_ENOENT) {
            printf("edutest: open /dev/edu: %s\n", strerror((int)-rc));
            exit(1);
        }
        sleep_ms(10);
    }
    printf("edutest: /dev/edu never appeared\n");
    exit(1);
}

/* One request: the reply's status (0 or -errno), its data in *out (may be NULL). */
static long edu_call(uint32_t h, uint32_t op, const uint64_t d[3], const void *send,
                     size_t send_len, void *recv, size_t recv_len, uint64_t timeout_ns,
                     uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    for (int i = 0; d && i < 3; i++)
        c.msg.data[i] = d[i];
    c.send_buf = (uint64_t)(uintptr_t)send;
    c.send_len = send ? send_len : 0;
    c.recv_buf = (uint64_t)(uintptr_t)recv;
    c.recv_len = recv ? recv_len : 0;
    uint64_t deadline =
        timeout_ns ? (uint64_t)vk_clock_get() + timeout_ns : (uint64_t)VK_DEADLINE_NEVER;
    long rc = vk_call(h, &c, deadline);
    if (rc)
        return rc;
    if (out)
        memcpy(out, c.msg.data, sizeof c.msg.data);
    return c.msg.opcode ? -(long)c.msg.opcode : 0;
}

static const char *err_name(long rc)
{
    return rc ? strerror((int)-rc) : "ok";
}

static int fact(uint32_t h, uint64_t n)
{
    uint64_t d[3] = {n, 0, 0}, out[VK_MSG_DATA_WORDS];
    long rc = edu_call(h, EDU_OP_FACT, d, NULL, 0, NULL, 0, 0, out);
    if (rc) {
        printf("fact(%llu): %s\n", (unsigned long long)n, err_name(rc));
        return 1;
    }
    printf("fact(%llu) = %llu\n", (unsigned long long)n, (unsigned long long)out[0]);
    return 0;
}

static int dma(uint32_t h, size_t len)
{
    static uint8_t in[EDU_PROTO_DMA_MAX], back[EDU_PROTO_DMA_MAX];
    if (len == 0 || len > sizeof in)
        return 2;
    for (size_t i = 0; i < len; i++)
        in[i] = (uint8_t)(i * 7 + (i >> 8) + 0x5a);
    memset(back, 0, sizeof back);
    uint64_t out[VK_MSG_DATA_WORDS];
    long rc = edu_call(h, EDU_OP_DMA, NULL, in, len, back, len, 0, out);
    if (rc) {
        printf("dma %zu bytes: %s\n", len, err_name(rc));
        return 1;
    }
    int same = out[0] == len && !memcmp(in, back, len);
    printf("dma %zu bytes: %s\n", len, same ? "round trip ok" : "MISMATCH");
    return same ? 0 : 1;
}

static void show(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: %s\n", path, strerror(errno));
        return;
    }
    char line[256];
    while (fgets(line, sizeof line, f))
        fputs(line, stdout);
    fclose(f);
}

static int fault(uint32_t h)
{
    uint64_t info[VK_MSG_DATA_WORDS], after[VK_MSG_DATA_WORDS];
    if (dma(h, EDU_PROTO_DMA_MAX)) /* the device buffer now holds a pattern to write */
        return 1;
    if (edu_call(h, EDU_OP_INFO, NULL, NULL, 0, NULL, 0, 0, info))
        return 1;
    struct {
        const char *what;
        uint64_t iova, dir;
    } tries[] = {
        {"write to an unmapped iova", info[1], EDU_RAW_TO_RAM},
        {"read from an unmapped iova", info[1], EDU_RAW_TO_DEVICE},
        {"write to the read-only canary", info[0], EDU_RAW_TO_RAM},
    };
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        uint64_t d[3] = {tries[i].iova, 4096, tries[i].dir};
        long rc = edu_call(h, EDU_OP_DMA_RAW, d, NULL, 0, NULL, 0, 0, NULL);
        printf("dma_raw %s: %s\n", tries[i].what, err_name(rc));
    }
    if (edu_call(h, EDU_OP_INFO, NULL, NULL, 0, NULL, 0, 0, after))
        return 1;
    printf("canary %s\n", after[2] == info[2] ? "unchanged" : "CHANGED");
    printf("driver saw %llu dma errors\n", (unsigned long long)(after[4] - info[4]));
    sleep_ms(200); /* devmgr refreshes /proc on its tick */
    show("/proc/iommu");
    return after[2] == info[2] ? 0 : 1;
}

static int crash(uint32_t h)
{
    if (fact(h, 3))
        return 1;
    long rc = edu_call(h, EDU_OP_CRASH, NULL, NULL, 0, NULL, 0, 500000000ull, NULL);
    printf("crash request: %s\n", rc ? "no reply (the driver died)" : "replied?!");
    sleep_ms(100);
    int r = fact(h, 5); /* queues until the restarted driver receives it */
    sleep_ms(200);
    show("/proc/devices");
    return r;
}

static int probe(uint32_t h)
{
    static struct ddk_probe_handle hs[VK_SPAWN_MAX_HANDLES];
    uint64_t out[VK_MSG_DATA_WORDS];
    long rc = edu_call(h, DDK_OP_PROBE, NULL, NULL, 0, hs, sizeof hs, 0, out);
    if (rc) {
        printf("probe: %s\n", err_name(rc));
        return 1;
    }
    static const struct {
        uint32_t bit;
        const char *name;
    } rights[] = {
        {VK_RIGHT_READ, "read"},         {VK_RIGHT_WRITE, "write"},   {VK_RIGHT_MAP, "map"},
        {VK_RIGHT_CALL, "call"},         {VK_RIGHT_RECV, "recv"},     {VK_RIGHT_DUP, "dup"},
        {VK_RIGHT_TRANSFER, "transfer"}, {VK_RIGHT_SIGNAL, "signal"}, {VK_RIGHT_WAIT, "wait"},
        {VK_RIGHT_MINT, "mint"},         {VK_RIGHT_SPAWN, "spawn"},   {VK_RIGHT_KILL, "kill"},
        {VK_RIGHT_MMIO, "mmio"},         {VK_RIGHT_IRQ, "irq"},       {VK_RIGHT_DMA, "dma"},
    };
    for (uint64_t i = 0; i < out[0] && i < VK_SPAWN_MAX_HANDLES; i++) {
        printf("handle role=%#x type=%u rights=", hs[i].role, hs[i].type);
        const char *sep = "";
        for (size_t b = 0; b < sizeof rights / sizeof rights[0]; b++) {
            if (hs[i].rights & rights[b].bit) {
                printf("%s%s", sep, rights[b].name);
                sep = "|";
            }
        }
        if (hs[i].rights & ~(uint32_t)0x7fff)
            printf("%s%#x", sep, hs[i].rights & ~(uint32_t)0x7fff);
        printf("\n");
    }
    printf("refused: %#llx of %#x\n", (unsigned long long)out[1], DDK_PROBE_ALL);
    return out[1] == DDK_PROBE_ALL ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: edutest fact N | dma LEN | fault | crash | probe | proc NAME [MS]\n");
        return 2;
    }
    if (!strcmp(argv[1], "proc") && argc > 2) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%s", argv[2]);
        sleep_ms(argc > 3 ? strtol(argv[3], NULL, 0) : 100);
        show(path);
        return 0;
    }
    uint32_t h = open_edu();
    if (!strcmp(argv[1], "fact") && argc > 2)
        return fact(h, strtoull(argv[2], NULL, 0));
    if (!strcmp(argv[1], "dma") && argc > 2) {
        long count = argc > 3 ? strtol(argv[3], NULL, 0) : 1;
        int rc = 0;
        for (long i = 0; i < count && !rc; i++)
            rc = dma(h, (size_t)strtoul(argv[2], NULL, 0));
        return rc;
    }
    if (!strcmp(argv[1], "fault"))
        return fault(h);
    if (!strcmp(argv[1], "crash"))
        return crash(h);
    if (!strcmp(argv[1], "probe"))
        return probe(h);
    fprintf(stderr, "edutest: unknown command %s\n", argv[1]);
    return 2;
}
