/*
 * Unit tests for hw-models/virtio/virtio_net: identity and configuration (MAC, link status),
 * transmit to the wire frame for frame (header plus frame over several descriptors, the
 * device's time), frames the driver got wrong (runts, giants, offload flags, link down: dropped
 * and counted, the device keeps going), receive into buffers (header with num_buffers 1, in
 * order, waiting without buffers and resuming on a kick), the wire's refusals (truncated and
 * oversized frames, driver not live, queue full) and small buffers, wrong-direction and
 * unreachable buffers (NEEDS_RESET, memory unchanged), link changes and their configuration
 * interrupt, reset dropping queued frames, and a seeded random driver and wire (bad chains and
 * bad frames among good ones) checked against a reference and against virtio_net_check.
 * The platform is test_virtio_pci.c's: a flat test memory behind an hw_iommu domain (IOVA ==
 * RAM address: [0, RW_END) read/write, one read-only page, the rest unmapped) and a pci_host
 * that logs MSI messages, INTx and guest errors; the wire records what it is given.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw-models/iommu/iommu.h"
#include "prng/vl_prng.h"
#include "sim/backends/netwire.h"
#include "tests/unit/hwtest/hwtest.h"
#include "veridian/errors.h"
#include "virtio_net.h"

#define RAM_SIZE 0x1a000u
#define RW_END 0x18000u
#define RO_PAGE 0x18000u
#define UNMAPPED 0x19000u
#define BAR4_BASE 0x800000000ull
#define BAR1_BASE 0xfd000000ull
#define DEVFN PCI_DEVFN(5, 0)
#define DEV_ID 9u
#define LAT VIRTIO_DEFAULT_LATENCY_NS

#define QSIZE 16
#define RX VIRTIO_NET_RXQ
#define TX VIRTIO_NET_TXQ
#define BUFSZ 0x800u /* each descriptor i of a queue owns bufs + i * BUFSZ */
#define HDR VIRTIO_NET_HDR_LEN

#define F_V1 VIRTIO_FEATURE(VIRTIO_F_VERSION_1)
#define F_MAC VIRTIO_FEATURE(VIRTIO_NET_F_MAC)
#define F_STATUS VIRTIO_FEATURE(VIRTIO_NET_F_STATUS)
#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR VIRTIO_CONFIG_S_NEEDS_RESET
#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT

#define WIRE_FRAMES 4096u

/* The wire: the frames the device transmitted, with their times; failures to inject. */
struct wire {
    uint16_t len[WIRE_FRAMES];
    uint64_t when[WIRE_FRAMES];
    uint8_t data[WIRE_FRAMES][VIRTIO_NET_MAX_FRAME];
    unsigned n, fail;
};

static struct virtio_net net;
static struct wire wire;
static uint8_t snap[RAM_SIZE];
static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static int wire_transmit(void *ctx, uint64_t now, const uint8_t *frame, size_t len)
{
    struct wire *w = ctx;
    ck_assert_uint_ge(len, VIRTIO_NET_MIN_FRAME);
    ck_assert_uint_le(len, VIRTIO_NET_MAX_FRAME);
    if (w->fail) {
        w->fail--;
        return -EIO;
    }
    ck_assert_uint_lt(w->n, WIRE_FRAMES);
    memcpy(w->data[w->n], frame, len);
    w->len[w->n] = (uint16_t)len;
    w->when[w->n] = now;
    w->n++;
    return 0;
}

static const struct virtio_net_backend_ops wire_ops = {.transmit = wire_transmit};

#include "vdriver.h"

/* ---- driver-side helpers (more in vdriver.h) ---- */

static struct pci_device *dev(void)
{
    return &net.vp.pci;
}

static uint64_t dcfg(uint32_t off, unsigned size)
{
    return rd(VIRTIO_PCI_DEVICE_OFF + off, size);
}

/* One queue as the test's driver sees it: rings, a buffer area, a free list of descriptors. */
struct dq {
    unsigned q;
    uint32_t desc, avail, used, bufs;
    uint16_t avail_idx, used_seen;
    uint16_t free[QSIZE];
    unsigned nfree;
    uint16_t next[QSIZE];  /* chain links, as written */
    uint16_t nsegs[QSIZE]; /* by head */
    uint32_t len[QSIZE];   /* each descriptor's length */
};

static struct dq rxq, txq;

static void dq_init(struct dq *d, unsigned q, uint32_t base, uint32_t bufs)
{
    memset(d, 0, sizeof(*d));
    d->q = q;
    d->desc = base;
    d->avail = base + 0x200;
    d->used = base + 0x400;
    d->bufs = bufs;
    for (unsigned i = 0; i < QSIZE; i++)
        d->free[d->nfree++] = (uint16_t)(QSIZE - 1 - i);
    memset(pl.ram + base, 0, 0x800);
}

static uint32_t dq_buf(const struct dq *d, uint16_t i)
{
    return d->bufs + i * BUFSZ;
}

static void set_desc(const struct dq *d, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint32_t a = d->desc + 16 * i;
    put32(a, (uint32_t)addr);
    put32(a + 4, (uint32_t)(addr >> 32));
    put32(a + 8, len);
    put16(a + 12, flags);
    put16(a + 14, next);
}

static void dq_avail(struct dq *d, uint16_t head)
{
    put16(d->avail + 4 + 2 * (d->avail_idx % QSIZE), head);
    d->avail_idx++;
    put16(d->avail + 2, d->avail_idx);
}

static void kick(const struct dq *d)
{
    wr(VIRTIO_PCI_NOTIFY_OFF + VIRTIO_PCI_NOTIFY_MULT * d->q, 2, d->q);
}

/* Post a chain of n descriptors with lengths lens[] (flags on each, NEXT added), filled from
 * data when data is not NULL. The head, or -1 without n free descriptors. */
static int dq_post(struct dq *d, unsigned n, const uint32_t *lens, uint16_t flags,
                   const uint8_t *data)
{
    uint16_t idx[QSIZE];
    if (n == 0 || n > d->nfree)
        return -1;
    for (unsigned k = 0; k < n; k++)
        idx[k] = d->free[--d->nfree];
    for (unsigned k = 0; k < n; k++) {
        ck_assert_uint_le(lens[k], BUFSZ);
        uint16_t nx = k + 1 < n ? idx[k + 1] : 0;
        set_desc(d, idx[k], dq_buf(d, idx[k]), lens[k], (uint16_t)(flags | (k + 1 < n ? N : 0)),
                 nx);
        d->next[idx[k]] = nx;
        d->len[idx[k]] = lens[k];
        if (data) {
            memcpy(pl.ram + dq_buf(d, idx[k]), data, lens[k]);
            data += lens[k];
        }
    }
    d->nsegs[idx[0]] = (uint16_t)n;
    dq_avail(d, idx[0]);
    return idx[0];
}

/* Take one used entry: 1 (with its head and len; out, when not NULL, gets the chain's first len
 * bytes), 0 when none is new. The chain's descriptors go back to the free list. */
static int dq_reap(struct dq *d, uint16_t *head, uint32_t *len, uint8_t *out)
{
    if (d->used_seen == get16(d->used + 2))
        return 0;
    uint32_t e = d->used + 4 + 8 * (d->used_seen % QSIZE);
    uint16_t h = (uint16_t)get32(e);
    uint32_t l = get32(e + 4);
    ck_assert_uint_lt(h, QSIZE);
    ck_assert_uint_gt(d->nsegs[h], 0);
    uint16_t i = h;
    uint32_t got = 0;
    for (unsigned k = 0, n = d->nsegs[h]; k < n; k++) {
        uint32_t take = l - got < d->len[i] ? l - got : d->len[i];
        if (out)
            memcpy(out + got, pl.ram + dq_buf(d, i), take);
        got += take;
        d->free[d->nfree++] = i;
        i = d->next[i];
    }
    ck_assert_uint_eq(got, l); /* never more than the chain holds */
    d->nsegs[h] = 0;
    d->used_seen++;
    *head = h;
    *len = l;
    return 1;
}

static void setup_queue(const struct dq *d)
{
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, d->q);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 8, d->desc);
    wr(VIRTIO_PCI_COMMON_Q_AVAIL, 8, d->avail);
    wr(VIRTIO_PCI_COMMON_Q_USED, 8, d->used);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
}

/* A driver bringing the device up with both queues (fresh rings). */
static void driver_up(uint64_t f)
{
    dq_init(&rxq, RX, 0x1000, 0x4000);
    dq_init(&txq, TX, 0x2000, 0xc000);
    negotiate(f);
    setup_queue(&rxq);
    setup_queue(&txq);
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK | S_DOK);
}

/* Run the device until it has nothing scheduled. */
static void run(void)
{
    for (int n = 0; n < 100000; n++) {
        uint64_t t = virtio_net_next_event(&net);
        if (t == VIRTIO_NO_EVENT)
            return;
        virtio_net_advance(&net, t);
        ck_assert_int_eq(virtio_net_check(&net), 0);
    }
    ck_abort_msg("device never went idle");
}

/* A frame of len bytes: destination our MAC, source 02:..., type 0x0800, then a pattern. */
static void make_frame(uint8_t *f, size_t len, unsigned seed)
{
    memcpy(f, mac, 6);
    for (unsigned i = 0; i < 6; i++)
        f[6 + i] = (uint8_t)(i ? seed + i : 2);
    f[12] = 0x08;
    f[13] = 0x00;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i * 31 + seed);
}

/* Post one transmit chain: the header (flags given) in one descriptor, the frame in up to two. */
static int post_tx(const uint8_t *frame, size_t len, uint8_t hflags, unsigned nsplit)
{
    uint8_t buf[HDR + VIRTIO_NET_MAX_FRAME + 64] = {0};
    buf[VIRTIO_NET_HDR_FLAGS] = hflags;
    memcpy(buf + HDR, frame, len);
    uint32_t total = (uint32_t)(HDR + len);
    if (nsplit <= 1 || len < 2) {
        uint32_t lens[1] = {total};
        return dq_post(&txq, 1, lens, 0, buf);
    }
    uint32_t lens[3] = {HDR, (uint32_t)(len / 2), (uint32_t)(len - len / 2)};
    return dq_post(&txq, 3, lens, 0, buf);
}

static int post_rx(uint32_t len)
{
    return dq_post(&rxq, 1, &len, W, NULL);
}

static void setup(void)
{
    hwt_setup(RAM_SIZE, DEV_ID);
    memset(&wire, 0, sizeof(wire));
    for (unsigned i = 0; i < RAM_SIZE; i++)
        pl.ram[i] = (uint8_t)(i * 13 + 5);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, RW_END, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, RO_PAGE, RO_PAGE, 0x1000, HW_IOMMU_READ), 0);
    ck_assert_int_eq(virtio_net_init(&net, mac, &wire_ops, &wire), 0);
    ck_assert_int_eq(pci_host_attach(&host, dev(), DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)BAR1_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, 4, (uint32_t)(BAR4_BASE >> 32));
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void teardown(void)
{
    ck_assert_int_eq(virtio_net_check(&net), 0);
    hwt_teardown();
}

static void msix_entry(unsigned v, uint64_t addr, uint32_t data)
{
    uint64_t e = BAR1_BASE + 16 * v;
    ck_assert_int_eq(pci_host_mmio_write(&host, e, 4, (uint32_t)addr), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 4, 4, (uint32_t)(addr >> 32)), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 8, 4, data), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 12, 4, 0), 0);
}

/* MSI-X on: vector 0 configuration, 1 receiveq, 2 transmitq (after driver_up). */
static void msix_on(void)
{
    cfg_wr(dev()->msix.cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    for (unsigned v = 0; v < 3; v++)
        msix_entry(v, 0xfee00000u + 0x1000u * v, 0x40 + v);
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, RX);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, TX);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
}

/* ---- identity and configuration ---- */

START_TEST(identity_and_config)
{
    struct virtio_net other;
    static const struct virtio_net_backend_ops no_tx = {0};
    static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
    ck_assert_int_eq(virtio_net_init(&other, mac, NULL, NULL), -VK_EINVAL);
    ck_assert_int_eq(virtio_net_init(&other, mac, &no_tx, NULL), -VK_EINVAL);
    ck_assert_int_eq(virtio_net_init(&other, mcast, &wire_ops, NULL), -VK_EINVAL);
    ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
    ck_assert_uint_eq(cfg_rd(PCI_DEVICE_ID, 2), 0x1041);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, 0x020000);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_NUMQ, 2), 2);
    ck_assert_uint_eq(dev()->msix.nvec, 3);
    for (unsigned q = 0; q < 2; q++) {
        wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
        ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_NET_QUEUE_SIZE);
    }
    uint64_t f = device_features();
    /* MAC and STATUS only: no checksum (0, 1), GSO (6..15) or mergeable buffers (15) */
    ck_assert_uint_eq(f & 0xffffffffull, F_MAC | F_STATUS | VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC));
    ck_assert(f & F_V1);
    ck_assert(f & VIRTIO_FEATURE(VIRTIO_F_ACCESS_PLATFORM));
    /* struct virtio_net_config */
    for (unsigned i = 0; i < 6; i++)
        ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_MAC + i, 1), mac[i]);
    ck_assert_uint_eq(dcfg(0, 4), 0x12005452u);
    ck_assert_uint_eq(dcfg(4, 2), 0x5634);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_STATUS, 2), VIRTIO_NET_S_LINK_UP);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_MAX_PAIRS, 2), 1);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_LEN + 2, 4), 0); /* beyond the structure */
    /* read-only: a write is a guest error and changes nothing */
    unsigned ge = pl.guest_errors;
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_NET_CFG_MAC, 4, 0xffffffffu);
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_NET_CFG_STATUS, 2, 0);
    ck_assert_uint_eq(pl.guest_errors, ge + 2);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_MAC, 1), 0x52);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_STATUS, 2), VIRTIO_NET_S_LINK_UP);
    /* an offload the device never offered is refused at FEATURES_OK */
    set_status(0);
    set_status(S_ACK);
    set_status(S_ACK | S_DRV);
    write_features(F_V1 | VIRTIO_FEATURE(0) /* VIRTIO_NET_F_CSUM */);
    set_status(S_ACK | S_DRV | S_FOK);
    ck_assert_uint_eq(status() & S_FOK, 0);
    driver_up(F_V1 | F_MAC | F_STATUS);
    ck_assert_uint_eq(net.vp.driver_features, F_V1 | F_MAC | F_STATUS);
}
END_TEST

/* ---- transmit ---- */

START_TEST(transmit_reaches_wire_frame_for_frame)
{
    static uint8_t f1[VIRTIO_NET_MAX_FRAME], f2[60], f3[VIRTIO_NET_MIN_FRAME];
    make_frame(f1, sizeof(f1), 1);
    make_frame(f2, sizeof(f2), 2);
    make_frame(f3, sizeof(f3), 3);
    driver_up(F_V1 | F_MAC);
    msix_on();
    int h1 = post_tx(f1, sizeof(f1), 0, 3); /* header, then the frame in two pieces */
    int h2 = post_tx(f2, sizeof(f2), 0, 1); /* header and frame in one buffer */
    int h3 = post_tx(f3, sizeof(f3), 0, 3);
    ck_assert_int_ge(h1, 0);
    ck_assert_int_ge(h2, 0);
    ck_assert_int_ge(h3, 0);
    unsigned nmsi = pl.nmsi;
    kick(&txq);
    ck_assert_uint_eq(virtio_net_next_event(&net), LAT);
    virtio_net_advance(&net, LAT - 1);
    ck_assert_uint_eq(wire.n, 0);
    virtio_net_advance(&net, LAT);
    ck_assert_uint_eq(wire.n, 1);
    ck_assert_uint_eq(wire.len[0], sizeof(f1));
    ck_assert_mem_eq(wire.data[0], f1, sizeof(f1));
    ck_assert_uint_eq(wire.when[0], LAT);
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x42); /* the transmitq's vector */
    run();
    ck_assert_uint_eq(wire.n, 3);
    ck_assert_uint_eq(wire.when[2], 3 * LAT);
    ck_assert_uint_eq(wire.len[1], sizeof(f2));
    ck_assert_mem_eq(wire.data[1], f2, sizeof(f2));
    ck_assert_uint_eq(wire.len[2], sizeof(f3));
    ck_assert_mem_eq(wire.data[2], f3, sizeof(f3));
    uint16_t head;
    uint32_t len;
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(head, (unsigned)h1);
    ck_assert_uint_eq(len, 0); /* nothing written into a transmit buffer */
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(net.tx_frames, 3);
    ck_assert_uint_eq(net.tx_bytes, sizeof(f1) + sizeof(f2) + sizeof(f3));
    /* a wire error is counted and the chain still completes */
    wire.fail = 1;
    ck_assert_int_ge(post_tx(f2, sizeof(f2), 0, 1), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(net.tx_errors, 1);
    ck_assert_uint_eq(wire.n, 3);
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(status() & S_NR, 0);
}
END_TEST

START_TEST(bad_transmit_frames_dropped_and_counted)
{
    static uint8_t big[VIRTIO_NET_MAX_FRAME + 1], good[64];
    make_frame(big, sizeof(big), 4);
    make_frame(good, sizeof(good), 5);
    driver_up(F_V1 | F_MAC | F_STATUS);
    ck_assert_int_ge(post_tx(good, VIRTIO_NET_MIN_FRAME - 1, 0, 1), 0); /* a runt */
    ck_assert_int_ge(post_tx(big, sizeof(big), 0, 3), 0);               /* a giant */
    ck_assert_int_ge(post_tx(good, sizeof(good), 1, 1), 0);             /* NEEDS_CSUM */
    ck_assert_int_ge(post_tx(good, sizeof(good), 0, 1), 0);             /* and a good one */
    uint32_t hdr_only = HDR;                                            /* no frame at all */
    ck_assert_int_ge(dq_post(&txq, 1, &hdr_only, 0, NULL), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(net.tx_dropped, 4);
    ck_assert_uint_eq(wire.n, 1);
    ck_assert_mem_eq(wire.data[0], good, sizeof(good));
    ck_assert_uint_eq(status() & S_NR, 0);
    uint16_t head;
    uint32_t len;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    /* link down: dropped, counted, completed */
    virtio_net_set_link(&net, false);
    ck_assert_int_ge(post_tx(good, sizeof(good), 0, 1), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(net.tx_link_down, 1);
    ck_assert_uint_eq(wire.n, 1);
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    virtio_net_set_link(&net, true);
    ck_assert_int_ge(post_tx(good, sizeof(good), 0, 1), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(wire.n, 2);
}
END_TEST

/* ---- receive ---- */

START_TEST(receive_fills_buffers_in_order)
{
    static uint8_t f[5][VIRTIO_NET_MAX_FRAME];
    static const size_t flen[5] = {60, VIRTIO_NET_MAX_FRAME, VIRTIO_NET_MIN_FRAME, 98, 342};
    uint8_t got[BUFSZ * 2];
    uint16_t head;
    uint32_t len;
    for (unsigned i = 0; i < 5; i++)
        make_frame(f[i], flen[i], 10 + i);
    driver_up(F_V1 | F_MAC);
    msix_on();
    for (int i = 0; i < 3; i++)
        ck_assert_int_ge(post_rx(BUFSZ), 0);
    kick(&rxq);
    ck_assert_uint_eq(virtio_net_next_event(&net), VIRTIO_NO_EVENT); /* nothing to do */
    run();
    ck_assert_uint_eq(get16(rxq.used + 2), 0);
    uint64_t t0 = 5 * LAT;
    virtio_net_advance(&net, t0);
    unsigned nmsi = pl.nmsi;
    for (unsigned i = 0; i < 5; i++)
        ck_assert_int_eq(virtio_net_receive(&net, f[i], flen[i]), 0);
    ck_assert_uint_eq(virtio_net_next_event(&net), t0 + LAT);
    virtio_net_advance(&net, t0 + LAT);
    ck_assert_uint_eq(get16(rxq.used + 2), 1); /* one frame per latency */
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x41); /* the receiveq's vector */
    run();
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
        ck_assert_uint_eq(len, HDR + flen[i]);
        for (unsigned b = 0; b < HDR; b++) /* flags, gso: 0; num_buffers: 1 */
            ck_assert_uint_eq(got[b], b == VIRTIO_NET_HDR_NUM_BUFFERS ? 1 : 0);
        ck_assert_mem_eq(got + HDR, f[i], flen[i]);
    }
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 0);
    ck_assert_uint_eq(net.rx_count, 2); /* two wait in the device for buffers */
    ck_assert_uint_eq(virtio_net_next_event(&net), VIRTIO_NO_EVENT);
    /* a buffer without a kick is not seen; the kick resumes, a header split off works too */
    uint32_t two[2] = {HDR, BUFSZ};
    ck_assert_int_ge(dq_post(&rxq, 2, two, W, NULL), 0);
    ck_assert_int_ge(post_rx(BUFSZ), 0);
    virtio_net_advance(&net, 100 * LAT);
    ck_assert_uint_eq(get16(rxq.used + 2), 3);
    kick(&rxq);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, HDR + flen[3]);
    ck_assert_mem_eq(got + HDR, f[3], flen[3]);
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_mem_eq(got + HDR, f[4], flen[4]);
    ck_assert_uint_eq(net.rx_delivered, 5);
    ck_assert_uint_eq(net.rx_bytes, 60 + VIRTIO_NET_MAX_FRAME + 14 + 98 + 342);
    /* the buffer's bytes beyond what was written are untouched */
    uint32_t end = dq_buf(&rxq, head) + HDR + (uint32_t)flen[4];
    ck_assert_uint_eq(pl.ram[end], (uint8_t)(end * 13 + 5));
}
END_TEST

START_TEST(wire_refusals_counted)
{
    static uint8_t f[VIRTIO_NET_MAX_FRAME + 1];
    make_frame(f, sizeof(f), 7);
    /* not live: before DRIVER_OK */
    ck_assert_int_eq(virtio_net_receive(&net, f, 60), -VK_ENXIO);
    negotiate(F_V1);
    ck_assert_int_eq(virtio_net_receive(&net, f, 60), -VK_ENXIO);
    ck_assert_uint_eq(net.rx_not_live, 2);
    driver_up(F_V1);
    /* truncated, oversized, NULL */
    ck_assert_int_eq(virtio_net_receive(&net, f, 0), -VK_EINVAL);
    ck_assert_int_eq(virtio_net_receive(&net, f, VIRTIO_NET_MIN_FRAME - 1), -VK_EINVAL);
    ck_assert_int_eq(virtio_net_receive(&net, f, VIRTIO_NET_MAX_FRAME + 1), -VK_EINVAL);
    ck_assert_int_eq(virtio_net_receive(&net, NULL, 60), -VK_EINVAL);
    ck_assert_uint_eq(net.rx_bad_len, 4);
    /* the queue's bound: overrun beyond it */
    for (unsigned i = 0; i < VIRTIO_NET_RX_FRAMES; i++)
        ck_assert_int_eq(virtio_net_receive(&net, f, 60 + i), 0);
    ck_assert_int_eq(virtio_net_receive(&net, f, 60), -VK_EAGAIN);
    ck_assert_uint_eq(net.rx_overrun, 1);
    ck_assert_uint_eq(net.rx_accepted, VIRTIO_NET_RX_FRAMES);
    /* a buffer too small for the first frame: it is dropped, the buffer comes back empty */
    uint16_t head;
    uint32_t len;
    uint8_t got[BUFSZ];
    ck_assert_int_ge(post_rx(HDR + 59), 0);
    ck_assert_int_ge(post_rx(HDR + 61), 0);
    kick(&rxq);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, HDR + 61);
    ck_assert_mem_eq(got + HDR, f, 61);
    ck_assert_uint_eq(net.rx_small_buffer, 1);
    ck_assert_uint_eq(net.rx_count, VIRTIO_NET_RX_FRAMES - 2);
    ck_assert_uint_eq(status() & S_NR, 0);
    /* a reset drops the rest */
    driver_up(F_V1);
    ck_assert_uint_eq(net.rx_dropped_reset, VIRTIO_NET_RX_FRAMES - 2);
    ck_assert_uint_eq(net.rx_count, 0);
}
END_TEST

START_TEST(link_change_and_config_interrupt)
{
    static uint8_t f[60];
    make_frame(f, sizeof(f), 8);
    driver_up(F_V1 | F_MAC | F_STATUS);
    msix_on();
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), 0);
    uint8_t gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    unsigned nmsi = pl.nmsi;
    virtio_net_set_link(&net, false);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_STATUS, 2), 0);
    ck_assert_uint_ne(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x40); /* the configuration vector */
    ck_assert_uint_eq(net.rx_count, 0);         /* queued frames went with the link */
    ck_assert_uint_eq(net.rx_dropped_reset, 1);
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), -VK_ENXIO);
    virtio_net_set_link(&net, false); /* no change: no interrupt */
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    virtio_net_set_link(&net, true);
    ck_assert_uint_eq(dcfg(VIRTIO_NET_CFG_STATUS, 2), VIRTIO_NET_S_LINK_UP);
    ck_assert_uint_eq(pl.nmsi, nmsi + 2);
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), 0);
    /* without VIRTIO_NET_F_STATUS accepted: the generation moves, no interrupt */
    driver_up(F_V1);
    msix_on();
    nmsi = pl.nmsi;
    gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    virtio_net_set_link(&net, false);
    ck_assert_uint_eq(pl.nmsi, nmsi);
    ck_assert_uint_ne(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
}
END_TEST

/* ---- violations ---- */

enum vcase { V_TX_WRITABLE, V_RX_READABLE, V_RX_READONLY, V_TX_UNMAPPED, V_TX_LOOP, V_COUNT };
static const char *const vreason[V_COUNT] = {"device-writable", "device-readable", "DMA refused",
                                             "DMA refused", "loop"};

START_TEST(wrong_buffers_need_reset_memory_unchanged)
{
    enum vcase c = (enum vcase)_i;
    static uint8_t f[60];
    make_frame(f, sizeof(f), 9);
    driver_up(F_V1 | F_MAC);
    msix_on();
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), 0);
    struct dq *d = (c == V_RX_READABLE || c == V_RX_READONLY) ? &rxq : &txq;
    uint32_t l = HDR + 60, lens[2] = {HDR, 60};
    switch (c) {
    case V_TX_WRITABLE:
        ck_assert_int_eq(dq_post(d, 1, &l, W, NULL), 0);
        break;
    case V_RX_READABLE:
        ck_assert_int_eq(dq_post(d, 1, &l, 0, NULL), 0);
        break;
    case V_RX_READONLY:
        ck_assert_int_eq(dq_post(d, 1, &l, W, NULL), 0);
        set_desc(d, 0, RO_PAGE + 0x40, l, W, 0);
        break;
    case V_TX_UNMAPPED:
        ck_assert_int_eq(dq_post(d, 1, &l, 0, NULL), 0);
        set_desc(d, 0, UNMAPPED + 0x40, l, 0, 0);
        break;
    case V_TX_LOOP:
        ck_assert_int_eq(dq_post(d, 2, lens, 0, NULL), 0);
        set_desc(d, 1, dq_buf(d, 1), 60, N, 0); /* back to the head */
        break;
    default:
        break;
    }
    memcpy(snap, pl.ram, RAM_SIZE);
    unsigned ge = pl.guest_errors, nmsi = pl.nmsi;
    kick(d);
    run();
    ck_assert_msg(status() & S_NR, "case %d: no NEEDS_RESET", c);
    ck_assert_uint_gt(pl.guest_errors, ge);
    ck_assert_uint_eq(net.vp.violations, 1);
    ck_assert_msg(strstr(net.vp.last_violation, vreason[c]), "case %d: \"%s\"", c,
                  net.vp.last_violation);
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x40);
    ck_assert_mem_eq(pl.ram, snap, RAM_SIZE); /* no byte written, the used rings included */
    ck_assert_uint_eq(wire.n, 0);
    ck_assert_uint_eq(net.rx_delivered, 0);
    /* stopped: no frame accepted */
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), -VK_ENXIO);
    ck_assert_uint_eq(virtio_net_next_event(&net), VIRTIO_NO_EVENT);
    /* reset recovers, with the broken session's frame dropped */
    driver_up(F_V1);
    ck_assert_uint_eq(net.rx_dropped_reset, 1);
    ck_assert_int_ge(post_rx(BUFSZ), 0);
    ck_assert_int_ge(post_tx(f, sizeof(f), 0, 1), 0);
    kick(&rxq);
    kick(&txq);
    ck_assert_int_eq(virtio_net_receive(&net, f, sizeof(f)), 0);
    run();
    ck_assert_uint_eq(wire.n, 1);
    ck_assert_uint_eq(net.rx_delivered, 1);
    ck_assert_uint_eq(status() & S_NR, 0);
}
END_TEST

/* ---- a random driver and wire against a reference ---- */

START_TEST(random_driver_and_wire_against_reference)
{
    struct vl_prng p;
    vl_prng_seed(&p, 0x5eed0000u + (unsigned)_i);
    static uint8_t f[VIRTIO_NET_MAX_FRAME + 8];
    static uint8_t got[BUFSZ * 2];
    /* the reference: frames accepted from the wire, in order, by their seeds and lengths */
    static uint16_t ref_len[8192];
    static uint8_t ref_seed[8192];
    unsigned nacc = 0, ndone = 0; /* accepted; delivered or dropped, in order */
    unsigned tx_good = 0, tx_sent = 0;
    static uint16_t tx_len[QSIZE];
    static uint8_t tx_seed[QSIZE];
    static bool tx_ok[QSIZE];
    unsigned resets = 0;
    uint64_t now = 0;
    driver_up(F_V1 | F_MAC | F_STATUS);
    for (int step = 0; step < 3000; step++) {
        unsigned what = vl_prng_below(&p, 10);
        if (what < 3) { /* a frame from the wire, now and then a bad one */
            size_t len = 14 + vl_prng_below(&p, VIRTIO_NET_MAX_FRAME - 13);
            if (vl_prng_below(&p, 10) == 0)
                len = vl_prng_below(&p, 2) ? vl_prng_below(&p, 14)
                                           : VIRTIO_NET_MAX_FRAME + 1 + vl_prng_below(&p, 8);
            uint8_t seed = (uint8_t)vl_prng_below(&p, 256);
            make_frame(f, len < 14 ? 14 : len, seed);
            if (virtio_net_receive(&net, f, len) == 0) {
                ref_len[nacc % 8192] = (uint16_t)len;
                ref_seed[nacc % 8192] = seed;
                nacc++;
            }
        } else if (what < 5) { /* a receive buffer, sometimes too small */
            uint32_t len = vl_prng_below(&p, 4) ? BUFSZ : 1 + vl_prng_below(&p, BUFSZ);
            if (post_rx(len) >= 0)
                kick(&rxq);
        } else if (what < 7) { /* a transmit: good, or a frame the driver got wrong */
            size_t len = 14 + vl_prng_below(&p, 200);
            uint8_t flags = vl_prng_below(&p, 8) == 0;
            if (vl_prng_below(&p, 10) == 0)
                len = vl_prng_below(&p, 14);
            uint8_t seed = (uint8_t)vl_prng_below(&p, 256);
            make_frame(f, len < 14 ? 14 : len, seed);
            int h = post_tx(f, len, flags, 1 + vl_prng_below(&p, 3));
            if (h >= 0) {
                tx_len[h] = (uint16_t)len;
                tx_seed[h] = seed;
                tx_ok[h] = !flags && len >= 14 && net.link_up;
                kick(&txq);
            }
        } else if (what == 7 && txq.nfree == QSIZE && vl_prng_below(&p, 20) == 0) {
            virtio_net_set_link(&net, !net.link_up);
            if (!net.link_up)
                ndone = nacc; /* dropped with the link */
        }
        now += vl_prng_below(&p, 3 * LAT);
        virtio_net_advance(&net, now);
        ck_assert_int_eq(virtio_net_check(&net), 0);
        uint16_t head;
        uint32_t len;
        while (dq_reap(&rxq, &head, &len, got)) {
            /* frames come in order; a buffer returned empty lost the next one */
            ck_assert_uint_lt(ndone, nacc);
            if (len) {
                size_t fl = ref_len[ndone % 8192];
                ck_assert_uint_eq(len, HDR + fl);
                make_frame(f, fl, ref_seed[ndone % 8192]);
                ck_assert_mem_eq(got + HDR, f, fl);
            }
            ndone++;
        }
        while (dq_reap(&txq, &head, &len, NULL)) {
            ck_assert_uint_eq(len, 0);
            if (tx_ok[head]) {
                ck_assert_uint_lt(tx_sent, wire.n);
                make_frame(f, tx_len[head], tx_seed[head]);
                ck_assert_uint_eq(wire.len[tx_sent], tx_len[head]);
                ck_assert_mem_eq(wire.data[tx_sent], f, tx_len[head]);
                tx_sent++;
                tx_good++;
            }
        }
        ck_assert_uint_eq(tx_sent, wire.n);
        ck_assert_uint_eq(nacc - ndone, net.rx_count);
        if (wire.n > WIRE_FRAMES - 64)
            wire.n = tx_sent = 0;
        if (vl_prng_below(&p, 500) == 0) {
            resets++;
            driver_up(F_V1 | F_MAC | F_STATUS);
            ndone = nacc;
        }
    }
    ck_assert_uint_gt(net.rx_delivered, 100);
    ck_assert_uint_gt(tx_good, 100);
    ck_assert_uint_gt(net.rx_bad_len, 0);
    ck_assert_uint_gt(net.tx_dropped, 0);
    ck_assert_uint_eq(net.vp.violations, 0);
    if (getenv("VIRTIO_FUZZ_VERBOSE"))
        fprintf(stderr, "rx %llu tx %u small %llu overrun %llu resets %u\n",
                (unsigned long long)net.rx_delivered, tx_good,
                (unsigned long long)net.rx_small_buffer, (unsigned long long)net.rx_overrun,
                resets);
}
END_TEST

/* ---- the wire (sim/backends/netwire): the responder, loopback, pcap ---- */

static const uint8_t peer[6] = VS_NETWIRE_PEER_MAC;

static size_t arp_request(uint8_t *f, uint32_t target)
{
    static const uint8_t a[] = {0, 1, 8, 0, 6, 4, 0, 1};
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08;
    f[13] = 0x06;
    memcpy(f + 14, a, sizeof a);
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, "\x0a\x00\x02\x0f", 4); /* 10.0.2.15 */
    for (int i = 0; i < 4; i++)
        f[38 + i] = (uint8_t)(target >> (24 - 8 * i));
    return 60;
}

/* An ICMP echo request from 10.0.2.15 to 10.0.2.2 with n bytes of payload. */
static size_t echo_request(uint8_t *f, size_t n)
{
    memcpy(f, peer, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((28 + n) >> 8);
    ip[3] = (uint8_t)(28 + n);
    ip[4] = 0x12;
    ip[5] = 0x34;
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    uint16_t c = (uint16_t)~vs_inet_sum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint8_t *icmp = ip + 20;
    memset(icmp, 0, 8);
    icmp[0] = 8;
    icmp[4] = 0xbe;
    icmp[5] = 0xef;
    icmp[7] = 1;
    for (size_t i = 0; i < n; i++)
        icmp[8 + i] = (uint8_t)(i * 3);
    c = (uint16_t)~vs_inet_sum(icmp, 8 + n, 0);
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
    return 14 + 28 + n;
}

START_TEST(responder_answers_arp_and_echo)
{
    static struct vs_netwire w;
    char err[256];
    uint8_t f[VIRTIO_NET_MAX_FRAME], r[VIRTIO_NET_MAX_FRAME];
    ck_assert_int_eq(vs_netwire_open(&w, "bogus", NULL, 0, err, sizeof err), -VK_EINVAL);
    ck_assert_int_eq(vs_netwire_open(&w, "responder", NULL, 0, err, sizeof err), 0);
    /* ARP for the peer: a reply to us, with its MAC */
    size_t n = vs_netwire_respond(&w, f, arp_request(f, VS_NETWIRE_PEER_IP), r);
    ck_assert_uint_eq(n, 60);
    ck_assert_mem_eq(r, mac, 6);
    ck_assert_mem_eq(r + 6, peer, 6);
    ck_assert_uint_eq(r[21], 2); /* opcode reply */
    ck_assert_mem_eq(r + 22, peer, 6);
    ck_assert_mem_eq(r + 28, "\x0a\x00\x02\x02", 4);
    ck_assert_mem_eq(r + 32, mac, 6);
    ck_assert_mem_eq(r + 38, "\x0a\x00\x02\x0f", 4);
    /* ARP for someone else: ignored */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, arp_request(f, 0x0a000203u), r), 0);
    ck_assert_uint_eq(w.ignored, 1);
    /* echo: addresses swapped, checksums right, the body unchanged */
    for (size_t pay = 0; pay <= 1472; pay += 1472 / 4 + 1) {
        size_t len = echo_request(f, pay);
        n = vs_netwire_respond(&w, f, len, r);
        ck_assert_uint_eq(n, len < 60 ? 60 : len);
        ck_assert_mem_eq(r, mac, 6);
        ck_assert_uint_eq(vs_inet_sum(r + 14, 20, 0), 0xffff);
        ck_assert_mem_eq(r + 26, "\x0a\x00\x02\x02\x0a\x00\x02\x0f", 8);
        ck_assert_uint_eq(r[34], 0); /* echo reply */
        ck_assert_uint_eq(vs_inet_sum(r + 34, 8 + pay, 0), 0xffff);
        ck_assert_mem_eq(r + 38, f + 38, 4 + pay); /* identifier, sequence, data */
    }
    /* malformed: truncated, a broken IP or ICMP checksum, a bad version; no answer */
    size_t len = echo_request(f, 32);
    uint64_t bad = w.malformed;
    ck_assert_uint_eq(vs_netwire_respond(&w, f, len - 1, r), 0); /* shorter than total length */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, 20, r), 0);
    ck_assert_uint_eq(vs_netwire_respond(&w, f, 10, r), 0);
    f[24] ^= 1; /* TTL: the header checksum no longer holds */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, len, r), 0);
    f[24] ^= 1;
    f[50] ^= 0x80; /* payload: the ICMP checksum no longer holds */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, len, r), 0);
    f[50] ^= 0x80;
    f[14] = 0x46; /* IHL 6 without the option's bytes in the checksum */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, len, r), 0);
    ck_assert_uint_eq(w.malformed, bad + 6);
    f[14] = 0x45;
    ck_assert_uint_gt(vs_netwire_respond(&w, f, len, r), 0);
    vs_netwire_close(&w);
}
END_TEST

START_TEST(hostile_wire_makes_each_bad_kind)
{
    static struct vs_netwire w;
    char err[256];
    uint8_t f[VIRTIO_NET_MAX_FRAME], r[VIRTIO_NET_MAX_FRAME], bad[VIRTIO_NET_MAX_FRAME + 16];
    ck_assert_int_eq(vs_netwire_open(&w, "responder", NULL, 0, err, sizeof err), 0);
    size_t n = vs_netwire_respond(&w, f, echo_request(f, 56), r); /* an honest reply */
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(vs_netwire_make_bad(VS_NETWIRE_BAD_TRUNCATED, r, n, bad),
                      VIRTIO_NET_MIN_FRAME);
    ck_assert_uint_gt(vs_netwire_make_bad(VS_NETWIRE_BAD_OVERSIZED, r, n, bad),
                      VIRTIO_NET_MAX_FRAME);
    ck_assert_uint_eq(vs_netwire_make_bad(VS_NETWIRE_BAD_IP_SHORT, r, n, bad), 14 + 12);
    ck_assert_uint_eq(vs_netwire_make_bad(VS_NETWIRE_BAD_IP_CSUM, r, n, bad), n);
    ck_assert_uint_ne(vs_inet_sum(bad + 14, 20, 0), 0xffff);
    ck_assert_uint_eq(vs_netwire_make_bad(VS_NETWIRE_BAD_L4_CSUM, r, n, bad), n);
    ck_assert_uint_eq(vs_inet_sum(bad + 14, 20, 0), 0xffff); /* the IP header still holds */
    ck_assert_uint_ne(vs_inet_sum(bad + 34, n - 34, 0), 0xffff);
    /* the responder itself drops each kind it is given, counting it */
    uint64_t before = w.malformed;
    for (unsigned k = 0; k < VS_NETWIRE_BAD_KINDS; k++) {
        size_t bl = vs_netwire_make_bad((enum vs_netwire_bad)k, f, echo_request(f, 56), bad);
        ck_assert_uint_eq(vs_netwire_respond(&w, bad, bl, r), 0);
    }
    ck_assert_uint_eq(w.malformed, before + VS_NETWIRE_BAD_KINDS);
    /* an ARP frame has no IPv4 to spoil: only the first two kinds apply */
    size_t al = arp_request(f, VS_NETWIRE_PEER_IP);
    ck_assert_uint_eq(vs_netwire_make_bad(VS_NETWIRE_BAD_IP_CSUM, f, al, bad), 0);
    ck_assert_uint_eq(vs_netwire_make_bad(VS_NETWIRE_BAD_L4_CSUM, f, al, bad), 0);
    vs_netwire_close(&w);
}
END_TEST

/* A DHCP message from our MAC (BOOTP op 1) of the given type, options bounded as written. */
static size_t dhcp_msg(uint8_t *f, int type, size_t trunc)
{
    memset(f, 0, 14 + 20 + 8 + 300);
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14, *u = ip + 20, *b = u + 8;
    size_t blen = 240 + 3 + 1;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((28 + blen) >> 8);
    ip[3] = (uint8_t)(28 + blen);
    ip[8] = 64;
    ip[9] = 17;
    memset(ip + 16, 0xff, 4);
    uint16_t c = (uint16_t)~vs_inet_sum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    u[1] = 68;
    u[3] = 67;
    u[4] = (uint8_t)((8 + blen) >> 8);
    u[5] = (uint8_t)(8 + blen);
    b[0] = 1;
    b[1] = 1;
    b[2] = 6;
    memcpy(b + 4, "\xde\xad\xbe\xef", 4);
    memcpy(b + 28, mac, 6);
    memcpy(b + 236, "\x63\x82\x53\x63", 4);
    b[240] = 53;
    b[241] = 1;
    b[242] = (uint8_t)type;
    b[243] = 255;
    return trunc ? trunc : 14 + 28 + blen;
}

START_TEST(responder_is_a_dhcp_server)
{
    static struct vs_netwire w;
    char err[256];
    uint8_t f[400], r[VIRTIO_NET_MAX_FRAME];
    ck_assert_int_eq(vs_netwire_open(&w, "responder", NULL, 0, err, sizeof err), 0);
    for (int type = 1; type <= 3; type += 2) { /* DISCOVER -> OFFER, REQUEST -> ACK */
        size_t n = vs_netwire_respond(&w, f, dhcp_msg(f, type, 0), r);
        ck_assert_uint_gt(n, 14 + 28 + 240);
        ck_assert_mem_eq(r, mac, 6);
        const uint8_t *ip = r + 14, *u = ip + 20, *b = u + 8;
        ck_assert_uint_eq(vs_inet_sum(ip, 20, 0), 0xffff);
        size_t ulen = (size_t)(u[4] << 8 | u[5]);
        ck_assert_uint_eq(ulen, n - 14 - 20);
        uint8_t ph[12] = {ip[12], ip[13], ip[14], ip[15], ip[16], ip[17],
                          ip[18], ip[19], 0,      17,     u[4],   u[5]};
        ck_assert_uint_eq(vs_inet_sum(u, ulen, vs_inet_sum(ph, 12, 0)), 0xffff);
        ck_assert_uint_eq(b[0], 2);
        ck_assert_mem_eq(b + 4, "\xde\xad\xbe\xef", 4);  /* the client's xid */
        ck_assert_mem_eq(b + 16, "\x0a\x00\x02\x0f", 4); /* yiaddr 10.0.2.15 */
        ck_assert_uint_eq(b[240], 53);
        ck_assert_uint_eq(b[242], type == 1 ? 2 : 5);
    }
    ck_assert_uint_eq(w.dhcp_replies, 2);
    /* short or odd messages: no answer, counted */
    uint64_t bad = w.malformed;
    size_t full = dhcp_msg(f, 1, 0);
    f[14 + 28 + 2] = 4; /* hlen */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, full, r), 0);
    ck_assert_uint_eq(w.malformed, bad + 1);
    dhcp_msg(f, 1, 0);
    f[14 + 28 + 241] = 200; /* an option running past the message: the type is never read */
    ck_assert_uint_eq(vs_netwire_respond(&w, f, full, r), 0);
    ck_assert_uint_eq(vs_netwire_respond(&w, f, dhcp_msg(f, 1, 14 + 28 + 100), r), 0);
    ck_assert_uint_eq(vs_netwire_respond(&w, f, dhcp_msg(f, 7, 0), r), 0); /* RELEASE */
    ck_assert_uint_eq(w.dhcp_replies, 2);
    vs_netwire_close(&w);
}
END_TEST

START_TEST(nic_on_responder_wire_with_pcap)
{
    static struct vs_netwire w;
    char err[256], path[] = "/tmp/vrsim-netwire-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(vs_netwire_open(&w, "responder", path, 5000, err, sizeof err), 0);
    /* the fixture's device, plugged into this wire instead of the recording one */
    net.backend = vs_netwire_backend();
    net.ctx = &w;
    driver_up(F_V1 | F_MAC | F_STATUS);
    uint8_t f[VIRTIO_NET_MAX_FRAME], got[BUFSZ];
    for (int i = 0; i < 4; i++)
        ck_assert_int_ge(post_rx(BUFSZ), 0);
    kick(&rxq);
    size_t alen = arp_request(f, VS_NETWIRE_PEER_IP);
    ck_assert_int_ge(post_tx(f, alen, 0, 1), 0);
    size_t elen = echo_request(f + 100, 56);
    ck_assert_int_ge(post_tx(f + 100, elen, 0, 3), 0);
    kick(&txq);
    uint64_t now = 0;
    for (int k = 0; k < 100; k++) {
        uint64_t t = virtio_net_next_event(&net), tw = vs_netwire_next_event(&w);
        if (tw < t)
            t = tw;
        if (t == VIRTIO_NO_EVENT)
            break;
        now = t;
        vs_netwire_advance(&w, &net, now);
        ck_assert_int_eq(virtio_net_check(&net), 0);
    }
    ck_assert_uint_eq(w.tx_frames, 2);
    ck_assert_uint_eq(w.answered, 2);
    ck_assert_uint_eq(w.delivered, 2);
    ck_assert_uint_eq(now, 2 * LAT + 5000 + LAT); /* the second reply, one latency at the NIC */
    uint16_t head;
    uint32_t len;
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, HDR + 60);
    ck_assert_uint_eq(got[HDR + 21], 2); /* the ARP reply */
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, HDR + elen);
    ck_assert_uint_eq(got[HDR + 34], 0); /* the echo reply */
    vs_netwire_close(&w);
    /* the capture: header, then 4 records (2 out, 2 in) in time order */
    FILE *pf = fopen(path, "rb");
    ck_assert_ptr_nonnull(pf);
    static uint8_t cap[8192];
    size_t clen = fread(cap, 1, sizeof cap, pf);
    fclose(pf);
    unlink(path);
    ck_assert_uint_eq(clen, 24 + 4 * 16 + 60 + elen + 60 + elen);
    ck_assert_mem_eq(cap, "\x4d\x3c\xb2\xa1\x02\x00\x04\x00", 8);
    ck_assert_uint_eq(cap[20], 1); /* Ethernet */
    size_t off = 24;
    uint64_t last = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t sec, ns;
        memcpy(&sec, cap + off, 4);
        memcpy(&ns, cap + off + 4, 4);
        uint64_t t = sec * 1000000000ull + ns;
        ck_assert_uint_ge(t, last);
        last = t;
        uint32_t caplen;
        memcpy(&caplen, cap + off + 8, 4);
        off += 16 + caplen;
    }
    ck_assert_uint_eq(off, clen);
}
END_TEST

static Suite *virtio_net_suite(void)
{
    Suite *s = suite_create("virtio_net");
    TCase *tc = tcase_create("device");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identity_and_config);
    tcase_add_test(tc, transmit_reaches_wire_frame_for_frame);
    tcase_add_test(tc, bad_transmit_frames_dropped_and_counted);
    tcase_add_test(tc, receive_fills_buffers_in_order);
    tcase_add_test(tc, wire_refusals_counted);
    tcase_add_test(tc, link_change_and_config_interrupt);
    tcase_add_loop_test(tc, wrong_buffers_need_reset_memory_unchanged, 0, V_COUNT);
    tcase_add_loop_test(tc, random_driver_and_wire_against_reference, 0, 4);
    tcase_add_test(tc, responder_answers_arp_and_echo);
    tcase_add_test(tc, nic_on_responder_wire_with_pcap);
    tcase_add_test(tc, hostile_wire_makes_each_bad_kind);
    tcase_add_test(tc, responder_is_a_dhcp_server);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
