/*
 * Unit tests for hw-models/virtio/virtio_console: identity and configuration, transmit to the
 * backend byte for byte (multi-descriptor chains, chunking, backend errors), input through the
 * bounded ring into receive buffers (in order across many small buffers, waiting without
 * buffers, resuming on a kick, the ring's bound and flow control), the size and its
 * configuration interrupt, emergency write, wrong-direction and unreachable buffers (NEEDS_RESET,
 * memory unchanged), reset dropping pending input, and a seeded random driver checked against a
 * reference stream in both directions and against virtio_console_check.
 * The platform is test_virtio_pci.c's: a flat test memory behind an hw_iommu domain (IOVA ==
 * RAM address: [0, 0x8000) read/write, [0x8000, 0x9000) read only, the rest unmapped) and a
 * pci_host that logs MSI messages, INTx and guest errors; the backend records what it is given.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw-models/iommu/iommu.h"
#include "prng/vl_prng.h"
#include "veridian/errors.h"
#include "virtio_console.h"

#define RAM_SIZE 0x10000u
#define RW_END 0x8000u
#define RO_PAGE 0x8000u
#define UNMAPPED 0x9000u
#define BAR4_BASE 0x800000000ull
#define BAR1_BASE 0xfd000000ull
#define ECAM_BASE 0xb0000000ull
#define DEVFN PCI_DEVFN(4, 0)
#define DEV_ID 9u
#define LAT VIRTIO_DEFAULT_LATENCY_NS

#define QSIZE 16
#define RX VIRTIO_CONSOLE_RXQ
#define TX VIRTIO_CONSOLE_TXQ
#define BUFSZ 0x100u /* each descriptor i of a queue owns bufs + i * BUFSZ */
#define SCRATCH 0x6000u

#define F_V1 VIRTIO_FEATURE(VIRTIO_F_VERSION_1)
#define F_SIZE VIRTIO_FEATURE(VIRTIO_CONSOLE_F_SIZE)
#define F_EMERG VIRTIO_FEATURE(VIRTIO_CONSOLE_F_EMERG_WRITE)
#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR VIRTIO_CONFIG_S_NEEDS_RESET
#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT

#define SINK_SIZE (1u << 21)

struct platform {
    uint8_t ram[RAM_SIZE];
    uint64_t msi_addr[256];
    uint32_t msi_data[256];
    unsigned nmsi;
    bool intx;
    unsigned guest_errors;
};

/* The backend: what the device transmitted, and failures to inject. */
struct sink {
    uint8_t out[SINK_SIZE];
    size_t len;
    unsigned calls, fail;
    size_t max_chunk;
};

static struct platform pl;
static struct hw_iommu iommu;
static struct hw_iommu_domain dom;
static struct pci_host host;
static struct virtio_console con;
static struct sink sink;
static uint8_t snap[RAM_SIZE];

static int mem_check(void *ctx, uint64_t addr, uint64_t len)
{
    (void)ctx;
    return addr < RAM_SIZE && len <= RAM_SIZE - addr ? 0 : -EFAULT;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, uint64_t len)
{
    memcpy(buf, &((struct platform *)ctx)->ram[addr], (size_t)len);
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, uint64_t len)
{
    memcpy(&((struct platform *)ctx)->ram[addr], buf, (size_t)len);
    return 0;
}

static const struct hw_iommu_mem_ops mem_ops = {mem_check, mem_read, mem_write};

static int h_dma_read(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    (void)ctx;
    (void)dev;
    return hw_iommu_dma_read(&dom, iova, buf, len);
}

static int h_dma_write(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf,
                       size_t len)
{
    (void)ctx;
    (void)dev;
    return hw_iommu_dma_write(&dom, iova, buf, len);
}

static void h_msi(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t data)
{
    struct platform *p = ctx;
    (void)dev;
    if (p->nmsi < 256) {
        p->msi_addr[p->nmsi] = addr;
        p->msi_data[p->nmsi] = data;
    }
    p->nmsi++;
}

static void h_intx(void *ctx, struct pci_device *dev, int pin, bool level)
{
    (void)dev;
    ck_assert_int_eq(pin, 1);
    ((struct platform *)ctx)->intx = level;
}

static void h_guest_error(void *ctx, struct pci_device *dev, const char *what)
{
    (void)dev;
    ck_assert_ptr_nonnull(what);
    ((struct platform *)ctx)->guest_errors++;
}

static const struct pci_host_ops host_ops = {
    .dma_read = h_dma_read,
    .dma_write = h_dma_write,
    .msi = h_msi,
    .intx = h_intx,
    .guest_error = h_guest_error,
};

static int sink_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct sink *s = ctx;
    ck_assert_uint_ge(len, 1);
    s->calls++;
    if (len > s->max_chunk)
        s->max_chunk = len;
    if (s->fail) {
        s->fail--;
        return -EIO;
    }
    ck_assert_uint_le(s->len + len, SINK_SIZE);
    memcpy(s->out + s->len, buf, len);
    s->len += len;
    return 0;
}

static const struct virtio_console_backend_ops sink_ops = {.write = sink_write};

/* ---- driver-side helpers ---- */

static struct pci_device *dev(void)
{
    return &con.vp.pci;
}

static void cfg_wr(uint32_t off, unsigned size, uint32_t v)
{
    ck_assert_int_eq(pci_config_write(dev(), off, size, v), 0);
}

static uint32_t cfg_rd(uint32_t off, unsigned size)
{
    uint32_t v;
    ck_assert_int_eq(pci_config_read(dev(), off, size, &v), 0);
    return v;
}

static uint64_t rd(uint32_t off, unsigned size)
{
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, BAR4_BASE + off, size, &v), 0);
    return v;
}

static void wr(uint32_t off, unsigned size, uint64_t v)
{
    ck_assert_int_eq(pci_host_mmio_write(&host, BAR4_BASE + off, size, v), 0);
}

static uint8_t status(void)
{
    return (uint8_t)rd(VIRTIO_PCI_COMMON_STATUS, 1);
}

static void set_status(uint8_t s)
{
    wr(VIRTIO_PCI_COMMON_STATUS, 1, s);
}

static uint64_t dcfg(uint32_t off, unsigned size)
{
    return rd(VIRTIO_PCI_DEVICE_OFF + off, size);
}

static void write_features(uint64_t f)
{
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
}

static uint64_t device_features(void)
{
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
    uint64_t lo = rd(VIRTIO_PCI_COMMON_DF, 4);
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
    return lo | (rd(VIRTIO_PCI_COMMON_DF, 4) << 32);
}

static void put16(uint32_t a, uint16_t v)
{
    pl.ram[a] = (uint8_t)v;
    pl.ram[a + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t a, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        pl.ram[a + i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(uint32_t a)
{
    return (uint16_t)(pl.ram[a] | (pl.ram[a + 1] << 8));
}

static uint32_t get32(uint32_t a)
{
    return (uint32_t)get16(a) | ((uint32_t)get16(a + 2) << 16);
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

static void negotiate(uint64_t f)
{
    set_status(0);
    set_status(S_ACK);
    set_status(S_ACK | S_DRV);
    write_features(f);
    set_status(S_ACK | S_DRV | S_FOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK);
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
    dq_init(&txq, TX, 0x2000, 0x5000);
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
        uint64_t t = virtio_console_next_event(&con);
        if (t == VIRTIO_NO_EVENT)
            return;
        virtio_console_advance(&con, t);
        ck_assert_int_eq(virtio_console_check(&con), 0);
    }
    ck_abort_msg("device never went idle");
}

static size_t input(const char *s)
{
    return virtio_console_input(&con, (const uint8_t *)s, strlen(s));
}

static void setup(void)
{
    memset(&pl, 0, sizeof(pl));
    memset(&sink, 0, sizeof(sink));
    for (unsigned i = 0; i < RAM_SIZE; i++)
        pl.ram[i] = (uint8_t)(i * 13 + 5);
    ck_assert_int_eq(hw_iommu_init(&iommu, 64, &mem_ops, &pl), 0);
    ck_assert_int_eq(hw_iommu_domain_init(&dom, &iommu, DEV_ID, 16), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, RW_END, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, RO_PAGE, RO_PAGE, 0x1000, HW_IOMMU_READ), 0);
    ck_assert_int_eq(pci_host_init(&host, &host_ops, &pl, ECAM_BASE, 1, 0x8086, 0x29c0), 0);
    ck_assert_int_eq(virtio_console_init(&con, 80, 25, &sink_ops, &sink), 0);
    ck_assert_int_eq(pci_host_attach(&host, dev(), DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)BAR1_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, 4, (uint32_t)(BAR4_BASE >> 32));
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void teardown(void)
{
    ck_assert_int_eq(virtio_console_check(&con), 0);
    hw_iommu_domain_fini(&dom);
    hw_iommu_fini(&iommu);
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
    struct virtio_console other;
    static const struct virtio_console_backend_ops no_write = {0};
    ck_assert_int_eq(virtio_console_init(&other, 80, 25, NULL, NULL), -VK_EINVAL);
    ck_assert_int_eq(virtio_console_init(&other, 80, 25, &no_write, NULL), -VK_EINVAL);
    ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
    ck_assert_uint_eq(cfg_rd(PCI_DEVICE_ID, 2), 0x1043);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, 0x078000);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_NUMQ, 2), 2);
    ck_assert_uint_eq(dev()->msix.nvec, 3);
    for (unsigned q = 0; q < 2; q++) {
        wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
        ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_CONSOLE_QUEUE_SIZE);
    }
    uint64_t f = device_features();
    ck_assert_uint_eq(f & 0xffffffffull, F_SIZE | F_EMERG | VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC));
    ck_assert(!(f & VIRTIO_FEATURE(VIRTIO_CONSOLE_F_MULTIPORT)));
    ck_assert(f & F_V1);
    /* struct virtio_console_config, every width */
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_COLS, 2), 80);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_ROWS, 2), 25);
    ck_assert_uint_eq(dcfg(0, 4), 80u | (25u << 16));
    ck_assert_uint_eq(dcfg(0, 8), 80u | (25u << 16) | (1ull << 32));
    ck_assert_uint_eq(dcfg(1, 1), 0);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, 4), 1);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_EMERG_WR, 4), 0);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_LEN, 4), 0); /* beyond the structure */
    /* the size is read-only for the driver */
    unsigned ge = pl.guest_errors;
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_COLS, 2, 132);
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, 4, 7);
    ck_assert_uint_eq(pl.guest_errors, ge + 2);
    ck_assert_uint_eq(dcfg(0, 8), 80u | (25u << 16) | (1ull << 32));
    ck_assert_uint_eq(sink.calls, 0);
    /* a driver without the console's features still works */
    driver_up(F_V1);
    ck_assert_uint_eq(con.vp.driver_features, F_V1);
}
END_TEST

START_TEST(emergency_write)
{
    /* at any time: before the driver even acknowledged the device */
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_EMERG_WR, 4, 'h');
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_EMERG_WR, 4, 0x1234569);
    ck_assert_uint_eq(sink.len, 2);
    ck_assert_mem_eq(sink.out, "hi", 2);
    ck_assert_uint_eq(con.emerg_bytes, 2);
    /* other widths are guest errors and send nothing */
    unsigned ge = pl.guest_errors;
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_EMERG_WR, 1, 'x');
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_EMERG_WR, 2, 'x');
    ck_assert_uint_eq(pl.guest_errors, ge + 2);
    ck_assert_uint_eq(sink.len, 2);
    /* and while the device needs a reset (after a broken ring) */
    driver_up(F_V1 | F_EMERG);
    uint32_t len = 4;
    ck_assert_int_ge(dq_post(&txq, 1, &len, W, NULL), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(status() & S_NR, S_NR);
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_CONSOLE_CFG_EMERG_WR, 4, '!');
    ck_assert_uint_eq(sink.len, 3);
    ck_assert_uint_eq(sink.out[2], '!');
}
END_TEST

/* ---- transmit ---- */

START_TEST(transmit_reaches_backend_byte_for_byte)
{
    uint8_t data[3 * BUFSZ + 64];
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
    driver_up(F_V1);
    msix_on();
    /* a three-descriptor chain (5 + 256 + 200 bytes: more than one chunk) and then one of 1 */
    uint32_t lens[3] = {5, BUFSZ, 200}, one = 1;
    int h1 = dq_post(&txq, 3, lens, 0, data);
    int h2 = dq_post(&txq, 1, &one, 0, data + 461);
    ck_assert_int_ge(h1, 0);
    ck_assert_int_ge(h2, 0);
    unsigned nmsi = pl.nmsi;
    kick(&txq);
    ck_assert_uint_eq(virtio_console_next_event(&con), LAT);
    virtio_console_advance(&con, LAT - 1);
    ck_assert_uint_eq(sink.len, 0);
    virtio_console_advance(&con, LAT);
    ck_assert_uint_eq(sink.len, 461);
    ck_assert_mem_eq(sink.out, data, 461);
    ck_assert_uint_le(sink.max_chunk, VIRTIO_CONSOLE_CHUNK);
    ck_assert_uint_eq(pl.nmsi, nmsi + 1); /* the transmitq's vector */
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x42);
    run();
    ck_assert_uint_eq(sink.len, 462);
    ck_assert_mem_eq(sink.out, data, 462);
    uint16_t head;
    uint32_t len;
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(head, (unsigned)h1);
    ck_assert_uint_eq(len, 0); /* nothing written into a transmit buffer */
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(head, (unsigned)h2);
    ck_assert_uint_eq(con.tx_bytes, 462);
    /* a backend error is counted and the buffer still completes */
    sink.fail = 1;
    uint32_t three = 3;
    ck_assert_int_ge(dq_post(&txq, 1, &three, 0, (const uint8_t *)"abc"), 0);
    ck_assert_int_ge(dq_post(&txq, 1, &three, 0, (const uint8_t *)"def"), 0);
    kick(&txq);
    run();
    ck_assert_uint_eq(con.tx_errors, 1);
    ck_assert_uint_eq(sink.len, 465);
    ck_assert_mem_eq(sink.out + 462, "def", 3);
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_int_eq(dq_reap(&txq, &head, &len, NULL), 1);
    ck_assert_uint_eq(status() & S_NR, 0);
}
END_TEST

/* ---- receive ---- */

START_TEST(input_fills_small_buffers_in_order)
{
    static const char msg[] = "the quick brown fox jumps over the lazy dog";
    uint8_t got[64];
    size_t ngot = 0;
    uint16_t head;
    uint32_t len, three = 3;
    driver_up(F_V1);
    msix_on();
    for (int i = 0; i < 10; i++)
        ck_assert_int_ge(dq_post(&rxq, 1, &three, W, NULL), 0);
    kick(&rxq);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT); /* nothing to do */
    run(); /* no input: the kick is absorbed, nothing completes */
    ck_assert_uint_eq(get16(rxq.used + 2), 0);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT);
    unsigned nmsi = pl.nmsi;
    uint64_t t0 = 5 * LAT;
    virtio_console_advance(&con, t0);
    ck_assert_uint_eq(input("the quick brown fox"), 19); /* 19 bytes: 6 buffers of 3, one of 1 */
    ck_assert_uint_eq(virtio_console_next_event(&con), t0 + LAT);
    virtio_console_advance(&con, t0 + LAT);
    ck_assert_uint_eq(get16(rxq.used + 2), 1); /* one buffer per latency */
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x41); /* the receiveq's vector */
    run();
    while (dq_reap(&rxq, &head, &len, got + ngot)) {
        ck_assert_uint_ge(len, 1);
        ck_assert_uint_le(len, 3);
        ngot += len;
    }
    ck_assert_uint_eq(ngot, 19);
    ck_assert_uint_eq(rxq.used_seen, 7);
    ck_assert_mem_eq(got, msg, 19);
    /* three buffers left: 9 bytes of the next 24 go in, the rest waits in the device */
    ck_assert_uint_eq(input(" jumps over the lazy dog"), 24);
    run();
    while (dq_reap(&rxq, &head, &len, got + ngot))
        ngot += len;
    ck_assert_uint_eq(ngot, 28);
    ck_assert_uint_eq(con.in_len, 15);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT);
    /* resumes on a kick: one big two-descriptor buffer takes the rest */
    uint32_t two[2] = {10, 10};
    ck_assert_int_ge(dq_post(&rxq, 2, two, W, NULL), 0);
    run();
    ck_assert_uint_eq(get16(rxq.used + 2), 10); /* not before the kick */
    kick(&rxq);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got + ngot), 1);
    ck_assert_uint_eq(len, 15);
    ngot += len;
    ck_assert_uint_eq(ngot, sizeof(msg) - 1);
    ck_assert_mem_eq(got, msg, sizeof(msg) - 1);
    ck_assert_uint_eq(con.rx_bytes, sizeof(msg) - 1);
    ck_assert_uint_eq(con.in_len, 0);
}
END_TEST

START_TEST(input_waits_without_buffers)
{
    uint8_t got[16];
    uint16_t head;
    uint32_t len, eight = 8;
    driver_up(F_V1);
    ck_assert_uint_eq(input("hello"), 5);
    run(); /* the device looks, finds no buffer, waits */
    ck_assert_uint_eq(get16(rxq.used + 2), 0);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT);
    ck_assert_uint_eq(con.in_len, 5);
    /* a buffer without a kick is not seen */
    ck_assert_int_ge(dq_post(&rxq, 1, &eight, W, NULL), 0);
    virtio_console_advance(&con, 100 * LAT);
    ck_assert_uint_eq(get16(rxq.used + 2), 0);
    kick(&rxq);
    ck_assert_uint_eq(virtio_console_next_event(&con), 101 * LAT);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(got, "hello", 5);
    /* INTx mode: the ISR's queue bit */
    ck_assert(pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
    /* the buffer's bytes beyond what was written are untouched */
    ck_assert_uint_eq(pl.ram[dq_buf(&rxq, head) + 5], (uint8_t)((dq_buf(&rxq, head) + 5) * 13 + 5));
}
END_TEST

START_TEST(input_ring_bound_and_flow_control)
{
    static uint8_t big[VIRTIO_CONSOLE_INPUT_SIZE + 100];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    /* before the driver is live nothing is accepted: the platform keeps it */
    ck_assert_uint_eq(virtio_console_input_room(&con), 0);
    ck_assert_uint_eq(virtio_console_input(&con, big, 10), 0);
    negotiate(F_V1);
    ck_assert_uint_eq(virtio_console_input(&con, big, 10), 0);
    dq_init(&rxq, RX, 0x1000, 0x4000);
    dq_init(&txq, TX, 0x2000, 0x5000);
    setup_queue(&rxq);
    ck_assert_uint_eq(virtio_console_input(&con, big, 10), 0);
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ck_assert_uint_eq(con.input_refused, 30);
    /* live: up to the bound, and the count accepted says where it stopped */
    ck_assert_uint_eq(virtio_console_input_room(&con), VIRTIO_CONSOLE_INPUT_SIZE);
    ck_assert_uint_eq(virtio_console_input(&con, big, 1000), 1000);
    ck_assert_uint_eq(virtio_console_input(&con, big + 1000, sizeof(big) - 1000),
                      VIRTIO_CONSOLE_INPUT_SIZE - 1000);
    ck_assert_uint_eq(virtio_console_input_room(&con), 0);
    ck_assert_uint_eq(virtio_console_input(&con, big, 1), 0);
    ck_assert_uint_eq(con.input_refused, 30 + 100 + 1);
    ck_assert_uint_eq(con.input_accepted, VIRTIO_CONSOLE_INPUT_SIZE);
    /* drain 16 * 256 bytes, offering the refused tail again as room appears */
    size_t offered = VIRTIO_CONSOLE_INPUT_SIZE, ngot = 0;
    static uint8_t got[sizeof(big)];
    uint16_t head;
    uint32_t len, full = BUFSZ;
    while (ngot < sizeof(big)) {
        while (dq_post(&rxq, 1, &full, W, NULL) >= 0)
            ;
        kick(&rxq);
        run();
        while (dq_reap(&rxq, &head, &len, got + ngot))
            ngot += len;
        offered += virtio_console_input(&con, big + offered, sizeof(big) - offered);
        ck_assert_uint_le(ngot, offered);
    }
    ck_assert_mem_eq(got, big, sizeof(big));
    ck_assert_uint_eq(con.rx_bytes, sizeof(big));
}
END_TEST

START_TEST(zero_latency_still_one_buffer_per_step)
{
    static const char msg[] = "0123456789";
    uint8_t got[16];
    size_t ngot = 0;
    uint16_t head;
    uint32_t len, two = 2;
    con.vp.latency = 0; /* raised to 1 ns: a buffer is only taken with input for it */
    driver_up(F_V1);
    for (int i = 0; i < 8; i++)
        ck_assert_int_ge(dq_post(&rxq, 1, &two, W, NULL), 0);
    kick(&rxq);
    virtio_console_advance(&con, 0);
    ck_assert_uint_eq(input("0123456789"), 10);
    run();
    while (dq_reap(&rxq, &head, &len, got + ngot)) {
        ck_assert_uint_eq(len, 2);
        ngot += len;
    }
    ck_assert_uint_eq(ngot, 10);
    ck_assert_mem_eq(got, msg, 10);
    ck_assert_uint_eq(get16(rxq.used + 2), 5); /* three buffers still posted, none empty */
    ck_assert_uint_eq(con.vp.latency, 1);
}
END_TEST

/* ---- size ---- */

START_TEST(size_and_config_interrupt)
{
    /* before a driver: the size changes, no interrupt */
    virtio_console_set_size(&con, 100, 30);
    ck_assert_uint_eq(dcfg(0, 4), 100u | (30u << 16));
    ck_assert_uint_eq(pl.nmsi, 0);
    ck_assert(!pl.intx);
    /* a driver that accepted F_SIZE: a configuration interrupt and a new generation */
    driver_up(F_V1 | F_SIZE);
    msix_on();
    ck_assert_uint_eq(dcfg(0, 4), 100u | (30u << 16)); /* reset keeps the size */
    uint8_t gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    virtio_console_set_size(&con, 132, 43);
    ck_assert_uint_eq(pl.nmsi, 1);
    ck_assert_uint_eq(pl.msi_addr[0], 0xfee00000u);
    ck_assert_uint_eq(pl.msi_data[0], 0x40);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
    ck_assert_uint_ne(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_COLS, 2), 132);
    ck_assert_uint_eq(dcfg(VIRTIO_CONSOLE_CFG_ROWS, 2), 43);
    /* the same size again: nothing */
    gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    virtio_console_set_size(&con, 132, 43);
    ck_assert_uint_eq(pl.nmsi, 1);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
    /* INTx: the ISR's config bit and the line */
    cfg_wr(dev()->msix.cap + PCI_MSIX_FLAGS, 2, 0);
    virtio_console_set_size(&con, 132, 44);
    ck_assert(pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
    ck_assert(!pl.intx);
    /* a driver that did not accept F_SIZE: a new generation, no interrupt */
    driver_up(F_V1);
    gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    virtio_console_set_size(&con, 80, 24);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), 0);
    ck_assert_uint_ne(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
    ck_assert_uint_eq(dcfg(0, 4), 80u | (24u << 16));
}
END_TEST

/* ---- violations ---- */

enum vcase {
    V_TX_WRITABLE,      /* a device-writable buffer in the transmitq */
    V_TX_WRITABLE_TAIL, /* readable then writable in the transmitq */
    V_RX_READABLE,      /* a device-readable buffer in the receiveq */
    V_RX_EMPTY,         /* a receive chain of zero-length writable buffers */
    V_RX_READONLY,      /* a receive buffer the IOMMU lets the device read only */
    V_TX_UNMAPPED,      /* a transmit buffer the IOMMU does not map */
    V_COUNT
};

static const char *const vreason[V_COUNT] = {
    [V_TX_WRITABLE] = "device-writable buffer in the transmitq",
    [V_TX_WRITABLE_TAIL] = "device-writable buffer in the transmitq",
    [V_RX_READABLE] = "device-readable buffer in the receiveq",
    [V_RX_EMPTY] = "receive buffer without a device-writable byte",
    [V_RX_READONLY] = "receive buffer not writable by the device",
    [V_TX_UNMAPPED] = "transmit buffer not readable by the device",
};

START_TEST(wrong_direction_needs_reset_memory_unchanged)
{
    enum vcase c = (enum vcase)_i;
    driver_up(F_V1);
    msix_on();
    ck_assert_uint_eq(input("input that must not land"), 24);
    struct dq *d =
        (c == V_TX_WRITABLE || c == V_TX_WRITABLE_TAIL || c == V_TX_UNMAPPED) ? &txq : &rxq;
    uint32_t l16 = 16, lens[2] = {16, 16}, zeros[2] = {0, 0};
    switch (c) {
    case V_TX_WRITABLE:
        dq_post(d, 1, &l16, W, NULL);
        break;
    case V_TX_WRITABLE_TAIL:
        ck_assert_int_eq(dq_post(d, 2, lens, 0, NULL), 0);
        set_desc(d, 1, dq_buf(d, 1), 16, W, 0); /* the chain's second descriptor */
        break;
    case V_RX_READABLE:
        dq_post(d, 1, &l16, 0, NULL);
        break;
    case V_RX_EMPTY:
        dq_post(d, 2, zeros, W, NULL);
        break;
    case V_RX_READONLY:
        ck_assert_int_eq(dq_post(d, 1, &l16, W, NULL), 0);
        set_desc(d, 0, RO_PAGE + 0x40, 16, W, 0);
        break;
    case V_TX_UNMAPPED:
        ck_assert_int_eq(dq_post(d, 1, &l16, 0, NULL), 0);
        set_desc(d, 0, UNMAPPED + 0x40, 16, 0, 0);
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
    ck_assert_uint_eq(con.vp.violations, 1);
    ck_assert_msg(strstr(con.vp.last_violation, vreason[c]), "case %d: \"%s\"", c,
                  con.vp.last_violation);
    ck_assert_uint_eq(pl.nmsi, nmsi + 1); /* the configuration vector */
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x40);
    ck_assert_mem_eq(pl.ram, snap, RAM_SIZE); /* no byte written, the used rings included */
    ck_assert_uint_eq(sink.len, 0);
    ck_assert_uint_eq(con.rx_bytes, 0);
    /* stopped: no more input accepted, none delivered */
    ck_assert_uint_eq(virtio_console_input_room(&con), 0);
    ck_assert_uint_eq(input("x"), 0);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT);
    /* reset recovers, with the input of the broken session dropped */
    driver_up(F_V1);
    ck_assert_uint_eq(con.input_dropped, 24);
    uint32_t four = 4;
    ck_assert_int_ge(dq_post(&rxq, 1, &four, W, NULL), 0);
    ck_assert_int_ge(dq_post(&txq, 1, &four, 0, (const uint8_t *)"good"), 0);
    kick(&rxq);
    kick(&txq);
    ck_assert_uint_eq(input("ok"), 2);
    run();
    ck_assert_uint_eq(sink.len, 4);
    ck_assert_mem_eq(sink.out, "good", 4);
    uint8_t got[4];
    uint16_t head;
    uint32_t len;
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, 2);
    ck_assert_mem_eq(got, "ok", 2);
}
END_TEST

/* ---- reset ---- */

START_TEST(reset_drops_pending_input)
{
    uint32_t eight = 8;
    uint16_t head;
    uint32_t len;
    uint8_t got[8];
    driver_up(F_V1);
    ck_assert_uint_eq(input("typed before the crash"), 22);
    ck_assert_int_ge(dq_post(&rxq, 1, &eight, W, NULL), 0);
    kick(&rxq);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_mem_eq(got, "typed be", 8);
    ck_assert_uint_eq(con.in_len, 14);
    /* input is scheduled for delivery when the driver resets the device */
    ck_assert_int_ge(dq_post(&rxq, 1, &eight, W, NULL), 0);
    kick(&rxq);
    set_status(0);
    ck_assert_uint_eq(con.in_len, 0);
    ck_assert_uint_eq(con.input_dropped, 14);
    ck_assert_uint_eq(virtio_console_next_event(&con), VIRTIO_NO_EVENT);
    ck_assert_int_eq(virtio_console_check(&con), 0);
    /* the next session gets none of it */
    driver_up(F_V1);
    ck_assert_int_ge(dq_post(&rxq, 1, &eight, W, NULL), 0);
    kick(&rxq);
    run();
    ck_assert_uint_eq(get16(rxq.used + 2), 0);
    ck_assert_uint_eq(input("new"), 3);
    run();
    ck_assert_int_eq(dq_reap(&rxq, &head, &len, got), 1);
    ck_assert_uint_eq(len, 3);
    ck_assert_mem_eq(got, "new", 3);
    /* a PCI-level reset (FLR, bus reset) drops it too */
    ck_assert_uint_eq(input("more"), 4);
    pci_device_reset(dev());
    ck_assert_uint_eq(con.in_len, 0);
    ck_assert_uint_eq(con.input_dropped, 18);
    ck_assert_uint_eq(con.vp.status, 0);
}
END_TEST

/* ---- a random driver against a reference stream ---- */

static uint8_t ref_in[SINK_SIZE], ref_out[SINK_SIZE], rx_got[SINK_SIZE];

START_TEST(random_driver_against_reference)
{
    struct vl_prng p;
    uint8_t data[3 * BUFSZ];
    static uint8_t tx_data[QSIZE][3 * BUFSZ]; /* each posted transmit chain's bytes, by head */
    uint32_t tx_len[QSIZE] = {0};
    size_t in_acc = 0, in_got = 0, out_done = 0;
    uint64_t now = 0;
    unsigned resets = 0, violations = 0;
    vl_prng_seed(&p, 0xc0de + (uint64_t)_i);
    driver_up(F_V1 | F_SIZE);
    if (_i & 1)
        msix_on();
    for (int it = 0; it < 4000; it++) {
        unsigned what = (unsigned)vl_prng_below(&p, 16);
        if (what < 4) { /* host input, sometimes more than fits */
            size_t n = (size_t)vl_prng_below(&p, vl_prng_below(&p, 8) ? 40 : 3 * BUFSZ);
            if (vl_prng_below(&p, 16) == 0)
                n = VIRTIO_CONSOLE_INPUT_SIZE + 1;
            for (size_t i = 0; i < n; i++)
                ref_in[in_acc + i] = (uint8_t)vl_prng_next(&p);
            size_t room = virtio_console_input_room(&con);
            size_t acc = virtio_console_input(&con, ref_in + in_acc, n);
            ck_assert_uint_eq(acc, n < room ? n : room);
            in_acc += acc;     /* the refused tail is overwritten next time */
        } else if (what < 8) { /* receive buffers, chains of 1 to 3 */
            unsigned k = 1 + (unsigned)vl_prng_below(&p, 3);
            uint32_t lens[3];
            for (unsigned i = 0; i < k; i++)
                lens[i] = 1 + (uint32_t)vl_prng_below(&p, BUFSZ);
            if (dq_post(&rxq, k, lens, W, NULL) >= 0 && vl_prng_below(&p, 4))
                kick(&rxq);
        } else if (what < 11) { /* transmit chains of 1 to 3, empty descriptors included */
            unsigned k = 1 + (unsigned)vl_prng_below(&p, 3);
            uint32_t lens[3], total = 0;
            for (unsigned i = 0; i < k; i++) {
                lens[i] = (uint32_t)vl_prng_below(&p, BUFSZ + 1);
                total += lens[i];
            }
            vl_prng_fill(&p, data, total);
            int h = dq_post(&txq, k, lens, 0, data);
            if (h >= 0) {
                memcpy(tx_data[h], data, total);
                tx_len[h] = total;
                kick(&txq);
            }
        } else if (what == 11 && vl_prng_below(&p, 8) == 0) { /* a wrong-direction buffer */
            uint32_t l = 8;
            if (dq_post(&rxq, 1, &l, 0, NULL) >= 0)
                kick(&rxq);
        } else if (what == 12 && vl_prng_below(&p, 4) == 0) {
            virtio_console_set_size(&con, (uint16_t)vl_prng_below(&p, 300),
                                    (uint16_t)vl_prng_below(&p, 100));
        }
        now += vl_prng_below(&p, 3 * LAT);
        virtio_console_advance(&con, now);
        ck_assert_int_eq(virtio_console_check(&con), 0);
        /* the driver takes what came back */
        uint16_t head;
        uint32_t len;
        while (dq_reap(&rxq, &head, &len, rx_got + in_got)) {
            ck_assert_uint_ge(len, 1); /* never an empty receive buffer */
            in_got += len;
        }
        while (dq_reap(&txq, &head, &len, NULL)) {
            ck_assert_uint_eq(len, 0);
            memcpy(ref_out + out_done, tx_data[head], tx_len[head]);
            out_done += tx_len[head];
        }
        /* input: in order, none lost, none invented; what is not delivered is in the device */
        ck_assert_uint_le(in_got, in_acc);
        ck_assert_mem_eq(rx_got, ref_in, in_got);
        ck_assert_uint_eq(in_acc - in_got, con.in_len);
        /* output: the backend got exactly the completed chains' bytes, in order */
        ck_assert_uint_eq(sink.len, out_done);
        ck_assert_mem_eq(sink.out, ref_out, out_done);
        if ((status() & S_NR) || vl_prng_below(&p, 400) == 0) {
            violations += !!(status() & S_NR);
            resets++;
            driver_up(F_V1 | F_SIZE); /* drops the input not yet delivered */
            ck_assert_uint_eq(con.in_len, 0);
            in_acc = in_got;
            if (_i & 1)
                msix_on();
        }
    }
    ck_assert_uint_gt(in_got, 1000);
    ck_assert_uint_gt(out_done, 1000);
    ck_assert_uint_eq(con.input_accepted, con.rx_bytes + con.in_len + con.input_dropped);
    ck_assert_uint_gt(resets, 0);
    if (getenv("VIRTIO_FUZZ_VERBOSE"))
        fprintf(stderr, "in %zu out %zu resets %u violations %u dropped %llu\n", in_got, out_done,
                resets, violations, (unsigned long long)con.input_dropped);
}
END_TEST

static Suite *virtio_console_suite(void)
{
    Suite *s = suite_create("virtio_console");
    TCase *tc = tcase_create("device");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identity_and_config);
    tcase_add_test(tc, emergency_write);
    tcase_add_test(tc, transmit_reaches_backend_byte_for_byte);
    tcase_add_test(tc, input_fills_small_buffers_in_order);
    tcase_add_test(tc, input_waits_without_buffers);
    tcase_add_test(tc, input_ring_bound_and_flow_control);
    tcase_add_test(tc, zero_latency_still_one_buffer_per_step);
    tcase_add_test(tc, size_and_config_interrupt);
    tcase_add_loop_test(tc, wrong_direction_needs_reset_memory_unchanged, 0, V_COUNT);
    tcase_add_test(tc, reset_drops_pending_input);
    tcase_add_loop_test(tc, random_driver_against_reference, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_console_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
