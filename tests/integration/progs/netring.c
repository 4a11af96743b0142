/*
 * /test/netring: a client of /dev/net0's frame ring (veridian/netdev.h) in place of the
 * netstack, for tests/integration/net/netring.sh. It sends a burst of N ICMP echo requests
 * from 10.0.2.15 to the wire's responder (10.0.2.2, whose MAC is known: no ARP) and collects
 * the replies, then prints what it cost:
 *
 *   netring ring N     the burst through the TX ring: N slots, one doorbell; replies from the
 *                      RX ring (sleeping on the ring's notification when it is empty); then
 *                      a second burst whose replies it takes only after a pause (it does not
 *                      ask to be woken meanwhile: the driver must not signal)
 *   netring write N    the same burst as N VFS_OP_WRITE calls, replies by VFS_OP_READ (the
 *                      one-frame-per-message protocol, for comparison)
 *   netring flood N    N frames out and back on a loopback wire, in bursts of 32 through both
 *                      rings (bench/run.py's frames-per-second row): "flood N: M back"
 *   netring hostile    a misbehaving client: TX slots with lengths 0, 13 and 5000, then a head
 *                      far beyond the tail; the driver must count and drop them, and the ring
 *                      still carries a good burst afterwards
 *
 * Output: "tx N frames: K kcalls" (the machine's kernel calls, all processes, from the first
 * frame queued until the driver took the last), "rx R replies: W wakeups", the driver's ring
 * counters ("driver ring: rx .. tx .. notifies .. doorbells .. badlen .. badidx ..") and its
 * INFO counters. Exit 0 when every request was answered, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devopen.h"
#include "veridian/netdev.h"
#include "veridian/vk.h"

#define NR_TIMEOUT_NS 2000000000ull
#define NR_MAX 64u

static const uint8_t peer_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static uint8_t our_mac[6];

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* An echo request with sequence seq: 14 + 20 + 8 + 32 bytes. */
static uint32_t echo_frame(uint8_t *f, uint16_t seq)
{
    static const uint8_t src[4] = {10, 0, 2, 15}, dst[4] = {10, 0, 2, 2};
    uint32_t n = 14 + 20 + 8 + 32;
    memset(f, 0, n);
    memcpy(f, peer_mac, 6);
    memcpy(f + 6, our_mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = 0;
    ip[3] = 20 + 8 + 32;
    ip[4] = (uint8_t)(seq >> 8);
    ip[5] = (uint8_t)seq;
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint16_t c = csum(ip, 20);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    icmp[4] = 0x12;
    icmp[5] = 0x34;
    icmp[6] = (uint8_t)(seq >> 8);
    icmp[7] = (uint8_t)seq;
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = (uint8_t)('a' + i % 26);
    c = csum(icmp, 40);
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
    return n;
}

/* The sequence number of an echo reply to us, or -1. */
static int echo_reply(const uint8_t *f, uint32_t n)
{
    if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0 || memcmp(f, our_mac, 6))
        return -1;
    const uint8_t *ip = f + 14;
    if (ip[9] != 1 || ip[20] != 0 || ip[24] != 0x12 || ip[25] != 0x34)
        return -1;
    return ip[26] << 8 | ip[27];
}

static uint64_t kcalls(void)
{
    struct vk_kernel_info ki;
    return vk_kernel_info(&ki) ? 0 : ki.kcalls;
}

static void info(uint32_t dev, uint32_t op, uint64_t out[VK_MSG_DATA_WORDS])
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    if (devopen_call(dev, &c, NR_TIMEOUT_NS, out))
        memset(out, 0, VK_MSG_DATA_WORDS * sizeof *out);
}

static void report(uint32_t dev)
{
    uint64_t r[VK_MSG_DATA_WORDS], d[VK_MSG_DATA_WORDS];
    info(dev, NETDEV_OP_RING_INFO, r);
    info(dev, NETDEV_OP_INFO, d);
    printf("driver ring: rx %llu tx %llu notifies %llu doorbells %llu badlen %llu badidx %llu\n",
           (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
           (unsigned long long)r[3], (unsigned long long)r[4], (unsigned long long)r[5]);
    printf("driver: rx %llu tx %llu dropped %llu\n", (unsigned long long)d[2],
           (unsigned long long)d[3], (unsigned long long)d[4]);
}

struct client {
    uint32_t dev, notify, doorbell;
    struct netdev_ring_area *a;
    struct netdev_ring rx, tx;
    uint64_t wakeups;
};

static int attach(struct client *c)
{
    struct vk_call m;
    uint64_t d[VK_MSG_DATA_WORDS], addr;
    memset(&m, 0, sizeof m);
    m.msg.opcode = NETDEV_OP_RING_ATTACH;
    long rc = devopen_call(c->dev, &m, NR_TIMEOUT_NS, d);
    if (rc || VK_MSG_NHANDLES(m.msg.flags) != 3 || d[0] != NETDEV_RING_BYTES ||
        vk_vmo_map(m.msg.handles[0], VK_RIGHT_READ | VK_RIGHT_WRITE, &addr)) {
        printf("attach: %s\n", rc ? strerror((int)-rc) : "bad reply");
        return -1;
    }
    c->a = (struct netdev_ring_area *)(uintptr_t)addr;
    c->notify = m.msg.handles[1];
    c->doorbell = m.msg.handles[2];
    netdev_ring_init(&c->rx, &c->a->rx, c->a->rx_slots, 0);
    netdev_ring_init(&c->tx, &c->a->tx, c->a->tx_slots, 1);
    /* a second attach is refused while we hold it */
    memset(&m, 0, sizeof m);
    m.msg.opcode = NETDEV_OP_RING_ATTACH;
    rc = devopen_call(c->dev, &m, NR_TIMEOUT_NS, NULL);
    printf("second attach: %s\n", rc == -VK_EBUSY ? "EBUSY" : "not refused");
    return 0;
}

static void wait_notify(struct client *c, uint64_t deadline)
{
    struct vk_wait w = {.handle = c->notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
    if (vk_wait_many(&w, 1, deadline) >= 0)
        c->wakeups++;
}

/* Queue n echo requests (sequence first..first+n-1), one doorbell, and wait until the driver
 * took them all: the machine's kernel calls meanwhile. */
static uint64_t ring_burst(struct client *c, unsigned first, unsigned n)
{
    uint64_t k0 = kcalls();
    for (unsigned i = 0; i < n; i++) {
        struct netdev_slot *s = netdev_ring_next(&c->tx);
        netdev_ring_produce(&c->tx, echo_frame(s->frame, (uint16_t)(first + i)));
    }
    if (netdev_ring_wake_consumer(&c->tx))
        vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
    uint64_t end = (uint64_t)vk_clock_get() + NR_TIMEOUT_NS;
    while (netdev_ring_arm_producer(&c->tx) < NETDEV_RING_SLOTS && (uint64_t)vk_clock_get() < end)
        wait_notify(c, end);
    return kcalls() - k0;
}

/* Replies from the RX ring until want arrived or the time is up. */
static unsigned ring_replies(struct client *c, unsigned want)
{
    unsigned got = 0;
    uint64_t end = (uint64_t)vk_clock_get() + NR_TIMEOUT_NS;
    while (got < want && (uint64_t)vk_clock_get() < end) {
        uint8_t f[NETDEV_MAX_FRAME];
        uint32_t n;
        while ((n = netdev_ring_pop(&c->rx, f, sizeof f)))
            got += echo_reply(f, n) >= 0;
        if (netdev_ring_wake_producer(&c->rx))
            vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
        if (got < want && !netdev_ring_arm_consumer(&c->rx))
            wait_notify(c, end);
    }
    return got;
}

static int run_ring(struct client *c, unsigned n)
{
    if (attach(c))
        return 1;
    uint64_t k = ring_burst(c, 1, n);
    printf("tx %u frames: %llu kcalls\n", n, (unsigned long long)k);
    c->wakeups = 0;
    unsigned got = ring_replies(c, n);
    printf("rx %u replies: %llu wakeups\n", got, (unsigned long long)c->wakeups);
    report(c->dev);
    /* a busy client (it does not ask to be woken): the replies wait in the ring, no signal */
    ring_burst(c, n + 1, n);
    devopen_sleep_ms(100);
    c->wakeups = 0;
    unsigned got2 = ring_replies(c, n);
    printf("rx %u replies after a pause: %llu wakeups\n", got2, (unsigned long long)c->wakeups);
    report(c->dev);
    return got == n && got2 == n ? 0 : 1;
}

static int run_flood(struct client *c, unsigned long n)
{
    unsigned long back = 0;
    if (attach(c))
        return 1;
    for (unsigned long sent = 0; sent < n;) {
        unsigned burst = n - sent < 32 ? (unsigned)(n - sent) : 32u;
        ring_burst(c, (unsigned)sent, burst);
        sent += burst;
        uint64_t end = (uint64_t)vk_clock_get() + NR_TIMEOUT_NS;
        unsigned got = 0;
        while (got < burst && (uint64_t)vk_clock_get() < end) {
            const uint8_t *f;
            uint32_t len;
            while (netdev_ring_peek(&c->rx, &f, &len)) {
                netdev_ring_release(&c->rx, len);
                got++;
            }
            if (netdev_ring_wake_producer(&c->rx))
                vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
            if (got < burst && !netdev_ring_arm_consumer(&c->rx))
                wait_notify(c, end);
        }
        back += got;
    }
    printf("flood %lu: %lu back\n", n, back);
    return back == n ? 0 : 1;
}

static int run_write(struct client *c, unsigned n)
{
    uint8_t f[NETDEV_MAX_FRAME];
    uint64_t k0 = kcalls();
    for (unsigned i = 0; i < n; i++) {
        struct vk_call m;
        memset(&m, 0, sizeof m);
        m.msg.opcode = VFS_OP_WRITE;
        m.send_buf = (uint64_t)(uintptr_t)f;
        m.send_len = echo_frame(f, (uint16_t)(1 + i));
        if (devopen_call(c->dev, &m, NR_TIMEOUT_NS, NULL))
            printf("write %u failed\n", i);
    }
    printf("tx %u frames: %llu kcalls\n", n, (unsigned long long)(kcalls() - k0));
    unsigned got = 0, reads = 0;
    for (unsigned tries = 0; got < n && tries < 4 * n; tries++) {
        uint64_t d[VK_MSG_DATA_WORDS];
        struct vk_call m;
        memset(&m, 0, sizeof m);
        m.msg.opcode = VFS_OP_READ;
        m.msg.data[0] = sizeof f;
        m.recv_buf = (uint64_t)(uintptr_t)f;
        m.recv_len = sizeof f;
        reads++;
        if (!devopen_call(c->dev, &m, NR_TIMEOUT_NS, d) && d[0] <= sizeof f)
            got += echo_reply(f, (uint32_t)d[0]) >= 0;
    }
    printf("rx %u replies: %u reads\n", got, reads);
    report(c->dev);
    return got == n ? 0 : 1;
}

static int run_hostile(struct client *c)
{
    static const uint32_t bad[] = {0, 13, 5000};
    if (attach(c))
        return 1;
    for (unsigned i = 0; i < 3; i++) { /* lengths out of range, in good slots */
        struct netdev_slot *s = netdev_ring_next(&c->tx);
        echo_frame(s->frame, 99);
        netdev_ring_produce(&c->tx, bad[i]);
    }
    if (netdev_ring_wake_consumer(&c->tx))
        vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
    devopen_sleep_ms(10);
    /* a head far beyond the tail: the driver takes nothing from it and resynchronises */
    uint32_t saved = c->tx.idx;
    atomic_store_explicit(&c->a->tx.head, saved + 1000u, memory_order_release);
    atomic_store_explicit(&c->a->tx.consumer_wait, 0, memory_order_relaxed);
    vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
    devopen_sleep_ms(10);
    c->tx.idx = saved + 1000u; /* where the driver now is */
    /* and an RX tail beyond the driver's head: it takes the ring as full, drops, counts */
    atomic_store_explicit(&c->a->rx.tail, c->rx.idx + 5000u, memory_order_release);
    vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
    devopen_sleep_ms(10);
    atomic_store_explicit(&c->a->rx.tail, c->rx.idx, memory_order_release);
    vk_notify_signal(c->doorbell, NETDEV_RING_DOORBELL_BIT);
    uint64_t k = ring_burst(c, 1, 8);
    printf("tx 8 frames: %s\n", k ? "sent" : "?");
    unsigned got = ring_replies(c, 8);
    printf("rx %u replies\n", got);
    report(c->dev);
    return got == 8 ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct client c;
    uint64_t d[VK_MSG_DATA_WORDS];
    memset(&c, 0, sizeof c);
    if (argc < 2) {
        printf("usage: netring ring N | write N | hostile\n");
        return 2;
    }
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8;
    if (n == 0 || n > NR_MAX)
        n = 8;
    c.dev = devopen_handle("netring", "/dev/net0", O_RDWR);
    info(c.dev, NETDEV_OP_INFO, d);
    for (int b = 0; b < 6; b++)
        our_mac[b] = (uint8_t)(d[0] >> (8 * b));
    if (!strcmp(argv[1], "ring"))
        return run_ring(&c, n);
    if (!strcmp(argv[1], "write"))
        return run_write(&c, n);
    if (!strcmp(argv[1], "flood"))
        return run_flood(&c, argc > 2 ? strtoul(argv[2], NULL, 10) : 1000);
    if (!strcmp(argv[1], "hostile"))
        return run_hostile(&c);
    printf("netring: unknown mode %s\n", argv[1]);
    return 2;
}
