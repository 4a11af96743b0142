/*
 * Unit tests for hw-models/virtio/virtio_blk: identity, features (read-only images offer
 * VIRTIO_BLK_F_RO), the configuration space, every request type against a memory backend,
 * every malformed request (the status byte and every other byte of memory checked), ranges
 * beyond capacity, read-only refusals, latency in virtual time, and a seeded random request
 * loop against a reference disk that never breaks virtio_blk_check; with VIRTIO_TEST_HOOKS, the
 * malicious-device hooks (used-ring garbage, spurious interrupts, a resize in flight). The platform
 * is the one of test_virtio_pci.c: a flat test memory behind an hw_iommu domain (IOVA == RAM
 * address: [0, RW_END) read/write, [RO_PAGE, UNMAPPED) read only, the rest unmapped).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw-models/iommu/iommu.h"
#include "tests/unit/hwtest/hwtest.h"
#include "veridian/errors.h"
#include "virtio_blk.h"

#define RAM_SIZE 0x14000u
#define RW_END 0x12000u
#define RO_PAGE 0x12000u
#define UNMAPPED 0x13000u
#define BAR4_BASE 0x800000000ull
#define BAR1_BASE 0xfd000000ull
#define ECAM_BASE 0xb0000000ull
#define DEVFN PCI_DEVFN(4, 0)
#define DEV_ID 9u

#define QSIZE 16
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define HDR 0x4000u    /* request header and discard segments */
#define STATUS 0x5000u /* status byte */
#define DATA 0x6000u   /* data buffers up to RW_END */
#define STATUS_FILL 0xee

#define DISK_SIZE 0x10000u /* 128 sectors */
#define CAP (DISK_SIZE / 512)
#define SERIAL "vblk-serial-0001"

struct memdisk {
    uint8_t data[DISK_SIZE];
    unsigned flushes, discards, zeroings, reads, writes;
    bool fail; /* every call fails with -VK_EIO */
};

static struct virtio_blk blk;
static struct memdisk disk;
static struct virtio_blk_backend_ops be_ops;
static uint8_t snap[RAM_SIZE];
static uint8_t disk_snap[DISK_SIZE];

/* ---- the platform ---- */

/* ---- the memory backend ---- */

static int md_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct memdisk *d = ctx;
    ck_assert_uint_le(off + len, DISK_SIZE); /* the model checked the range */
    ck_assert_uint_le(len, VIRTIO_BLK_CHUNK);
    if (d->fail)
        return -VK_EIO;
    memcpy(buf, d->data + off, len);
    d->reads++;
    return 0;
}

static int md_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    struct memdisk *d = ctx;
    ck_assert_uint_le(off + len, DISK_SIZE);
    ck_assert_uint_le(len, VIRTIO_BLK_CHUNK);
    if (d->fail)
        return -VK_EIO;
    memcpy(d->data + off, buf, len);
    d->writes++;
    return 0;
}

static int md_flush(void *ctx)
{
    struct memdisk *d = ctx;
    if (d->fail)
        return -VK_EIO;
    d->flushes++;
    return 0;
}

static int md_discard(void *ctx, uint64_t off, uint64_t len)
{
    struct memdisk *d = ctx;
    ck_assert_uint_le(off + len, DISK_SIZE);
    if (d->fail)
        return -VK_EIO;
    memset(d->data + off, 0, (size_t)len);
    d->discards++;
    return 0;
}

static int md_write_zeroes(void *ctx, uint64_t off, uint64_t len)
{
    struct memdisk *d = ctx;
    ck_assert_uint_le(off + len, DISK_SIZE);
    if (d->fail)
        return -VK_EIO;
    memset(d->data + off, 0, (size_t)len);
    d->zeroings++;
    return 0;
}

static void backend(int readonly)
{
    be_ops = (struct virtio_blk_backend_ops){
        .read = md_read,
        .write = md_write,
        .flush = md_flush,
        .discard = md_discard,
        .size = DISK_SIZE,
        .readonly = readonly,
    };
}

#include "vdriver.h"

/* ---- driver-side helpers (more in vdriver.h) ---- */

static struct pci_device *dev(void)
{
    return &blk.vp.pci;
}

#define F(bit) VIRTIO_FEATURE(bit)
#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR VIRTIO_CONFIG_S_NEEDS_RESET

/* Bring the device up with features f and one queue of QSIZE; false if FEATURES_OK was
 * refused. */
static bool driver_up(uint64_t f)
{
    set_status(0);
    set_status(S_ACK);
    set_status(S_ACK | S_DRV);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
    set_status(S_ACK | S_DRV | S_FOK);
    if (!(status() & S_FOK))
        return false;
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, QSIZE);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 4, DESC);
    wr(VIRTIO_PCI_COMMON_Q_DESC + 4, 4, 0);
    wr(VIRTIO_PCI_COMMON_Q_AVAIL, 4, AVAIL);
    wr(VIRTIO_PCI_COMMON_Q_AVAIL + 4, 4, 0);
    wr(VIRTIO_PCI_COMMON_Q_USED, 4, USED);
    wr(VIRTIO_PCI_COMMON_Q_USED + 4, 4, 0);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK | S_DOK);
    return true;
}

static void put64(uint32_t a, uint64_t v)
{
    put32(a, (uint32_t)v);
    put32(a + 4, (uint32_t)(v >> 32));
}

static void run(void)
{
    for (int n = 0; n < 10000; n++) {
        uint64_t t = virtio_blk_next_event(&blk);
        if (t == VIRTIO_NO_EVENT)
            return;
        virtio_blk_advance(&blk, t);
        ck_assert_int_eq(virtio_blk_check(&blk), 0);
    }
    ck_abort_msg("device never went idle");
}

struct seg {
    uint64_t addr;
    uint32_t len;
    bool w;
};

/* Post a chain made of descriptors 0..n-1 and make it available (not kicked). */
static void post(const struct seg *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t d = DESC + 16 * i;
        put64(d, s[i].addr);
        put32(d + 8, s[i].len);
        put16(d + 12,
              (uint16_t)((i + 1 < n ? VIRTQ_DESC_F_NEXT : 0) | (s[i].w ? VIRTQ_DESC_F_WRITE : 0)));
        put16(d + 14, (uint16_t)(i + 1));
    }
    uint16_t idx = get16(AVAIL + 2);
    put16(AVAIL + 4 + 2 * (idx % QSIZE), 0);
    put16(AVAIL + 2, (uint16_t)(idx + 1));
}

static void kick(void)
{
    wr(VIRTIO_PCI_NOTIFY_OFF, 2, 0);
}

/* Serve one chain; it must complete: returns the used length. */
static uint32_t submit(const struct seg *s, unsigned n)
{
    uint16_t before = get16(USED + 2);
    post(s, n);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), (uint16_t)(before + 1));
    uint32_t e = USED + 4 + 8 * (before % QSIZE);
    ck_assert_uint_eq(get32(e), 0);
    return get32(e + 4);
}

static void hdr(uint32_t type, uint64_t sector)
{
    put32(HDR, type);
    put32(HDR + 4, 0);
    put64(HDR + 8, sector);
}

/* The usual layout: header, data (device-writable for IN), status. */
static uint32_t req(uint32_t type, uint64_t sector, uint32_t data_len, bool data_w)
{
    struct seg s[3] = {{HDR, 16, false}, {DATA, data_len, data_w}, {STATUS, 1, true}};
    hdr(type, sector);
    pl.ram[STATUS] = STATUS_FILL;
    if (!data_len) {
        s[1] = s[2];
        return submit(s, 2);
    }
    return submit(s, 3);
}

static void fill_disk(void)
{
    for (unsigned i = 0; i < DISK_SIZE; i++)
        disk.data[i] = (uint8_t)(i * 7 + i / 512 + 1);
}

static void snapshot(void)
{
    memcpy(snap, pl.ram, RAM_SIZE);
    memcpy(disk_snap, disk.data, DISK_SIZE);
}

/* Every byte of memory is as in the snapshot but [a, a + len) (the rings and the header
 * page, which the driver writes after the snapshot, are not compared). */
static void ram_unchanged_but(uint32_t a, uint32_t len)
{
    for (uint32_t i = 0; i < RAM_SIZE; i++) {
        if ((i >= a && i < a + len) || (i >= DESC && i < HDR + 0x1000))
            continue;
        ck_assert_msg(pl.ram[i] == snap[i], "byte %#x changed (%#x -> %#x)", i, snap[i], pl.ram[i]);
    }
}

static void platform_up(const struct virtio_blk_config_desc *d)
{
    ck_assert_int_eq(virtio_blk_init(&blk, d, &be_ops, &disk), 0);
    ck_assert_int_eq(pci_host_attach(&host, dev(), DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)BAR1_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, 4, (uint32_t)(BAR4_BASE >> 32));
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static const struct virtio_blk_config_desc default_desc = {.serial = SERIAL};

static void setup_common(void)
{
    hwt_setup(RAM_SIZE, DEV_ID);
    for (unsigned i = 0; i < RAM_SIZE; i++)
        pl.ram[i] = (uint8_t)(i * 13 + 5);
    memset(pl.ram + DESC, 0, 0x3000);
    memset(&disk, 0, sizeof(disk));
    fill_disk();
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, RW_END, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, RO_PAGE, RO_PAGE, 0x1000, HW_IOMMU_READ), 0);
}

static void setup(void)
{
    setup_common();
    backend(0);
    platform_up(&default_desc);
}

static void setup_ro(void)
{
    setup_common();
    backend(1);
    platform_up(&default_desc);
}

static void teardown(void)
{
    ck_assert_int_eq(virtio_blk_check(&blk), 0);
    hwt_teardown();
}

/* ---- identity, features, configuration ---- */

#define F_BASE                                                                                     \
    (F(VIRTIO_BLK_F_SIZE_MAX) | F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_BLK_SIZE) |               \
     F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES) |              \
     F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) | F(VIRTIO_F_INDIRECT_DESC))

START_TEST(identity_and_features)
{
    ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
    ck_assert_uint_eq(cfg_rd(PCI_DEVICE_ID, 2), 0x1042);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, 0x010000);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_BLK_DEFAULT_QUEUE_SIZE);
    ck_assert_uint_eq(device_features(), F_BASE);
    ck_assert(driver_up(F_BASE));
    ck_assert_uint_eq(blk.vp.latency, VIRTIO_BLK_DEFAULT_LATENCY_NS);
    /* RO is not offered by a writable device: asking for it is refused */
    ck_assert(!driver_up(F_BASE | F(VIRTIO_BLK_F_RO)));
    /* no discard without the backend's discard, nothing when the description says so */
    teardown();
    setup_common();
    backend(0);
    be_ops.discard = NULL;
    platform_up(&default_desc);
    ck_assert_uint_eq(device_features(), F_BASE & ~F(VIRTIO_BLK_F_DISCARD));
    teardown();
    setup_common();
    backend(0);
    struct virtio_blk_config_desc d = {.no_discard = true, .no_write_zeroes = true};
    platform_up(&d);
    ck_assert_uint_eq(device_features(),
                      F_BASE & ~(F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES)));
}
END_TEST

START_TEST(readonly_offers_ro)
{
    ck_assert_uint_eq(device_features(), F_BASE | F(VIRTIO_BLK_F_RO));
    ck_assert(driver_up(F_BASE | F(VIRTIO_BLK_F_RO)));
    ck_assert(driver_up(F(VIRTIO_F_VERSION_1))); /* a driver may ignore it */
}
END_TEST

START_TEST(init_refuses_bad_descriptions)
{
    struct virtio_blk b;
    struct virtio_blk_config_desc d = {.blk_size = 1024};
    ck_assert_int_eq(virtio_blk_init(&b, &d, &be_ops, &disk), -VK_EINVAL);
    d = (struct virtio_blk_config_desc){.queue_size = 48};
    ck_assert_int_eq(virtio_blk_init(&b, &d, &be_ops, &disk), -VK_EINVAL);
    d = (struct virtio_blk_config_desc){.queue_size = 512};
    ck_assert_int_eq(virtio_blk_init(&b, &d, &be_ops, &disk), -VK_EINVAL);
    struct virtio_blk_backend_ops o = be_ops;
    o.size = DISK_SIZE - 100;
    ck_assert_int_eq(virtio_blk_init(&b, NULL, &o, &disk), -VK_EINVAL);
    o = be_ops;
    o.read = NULL;
    ck_assert_int_eq(virtio_blk_init(&b, NULL, &o, &disk), -VK_EINVAL);
    ck_assert_int_eq(virtio_blk_init(&b, NULL, &be_ops, &disk), 0);
}
END_TEST

START_TEST(config_space)
{
    uint32_t c = VIRTIO_PCI_DEVICE_OFF;
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_CAPACITY, 8), CAP);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_CAPACITY, 4), CAP);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_CAPACITY + 4, 4), 0);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_SIZE_MAX, 4), VIRTIO_BLK_SIZE_MAX);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_SEG_MAX, 4), VIRTIO_BLK_DEFAULT_QUEUE_SIZE - 2);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_BLK_SIZE, 4), 512);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_GEOMETRY, 4), 0);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, 4), VIRTIO_BLK_MAX_DZ_SECTORS);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 4), VIRTIO_BLK_MAX_SEGS);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_DISCARD_ALIGN, 4), 1);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_MAX_WZ_SECTORS, 4), VIRTIO_BLK_MAX_DZ_SECTORS);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_MAX_WZ_SEG, 4), VIRTIO_BLK_MAX_SEGS);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_LEN, 1), 0); /* beyond the structure */
    /* read-only: a write is a guest error and changes nothing */
    unsigned ge = pl.guest_errors;
    wr(c + VIRTIO_BLK_CFG_CAPACITY, 4, 5);
    ck_assert_uint_gt(pl.guest_errors, ge);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_CAPACITY, 8), CAP);
    /* a 4096-byte block size and a small queue from the description */
    teardown();
    setup_common();
    backend(0);
    struct virtio_blk_config_desc d = {.blk_size = 4096, .queue_size = 32};
    platform_up(&d);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_BLK_SIZE, 4), 4096);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_DISCARD_ALIGN, 4), 8);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_SEG_MAX, 4), 30);
    ck_assert_uint_eq(rd(c + VIRTIO_BLK_CFG_CAPACITY, 8), CAP);
}
END_TEST

/* ---- requests ---- */

START_TEST(read_sectors)
{
    ck_assert(driver_up(F_BASE));
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 3, 2048, true), 2049);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(pl.ram + DATA, disk.data + 3 * 512, 2048);
    snap[STATUS] = VIRTIO_BLK_S_OK; /* the status byte: OK */
    ram_unchanged_but(DATA, 2048);
    ck_assert_uint_eq(pl.ram[STATUS + 1], snap[STATUS + 1]);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
    /* the last sector; data split over two buffers and the status sharing the second */
    struct seg s[3] = {{HDR, 16, false}, {DATA, 100, true}, {DATA + 0x1000, 413, true}};
    hdr(VIRTIO_BLK_T_IN, CAP - 1);
    ck_assert_uint_eq(submit(s, 3), 513);
    ck_assert_uint_eq(pl.ram[DATA + 0x1000 + 412], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(pl.ram + DATA, disk.data + (CAP - 1) * 512, 100);
    ck_assert_mem_eq(pl.ram + DATA + 0x1000, disk.data + (CAP - 1) * 512 + 100, 412);
    ck_assert_uint_eq(blk.status_count[VIRTIO_BLK_S_OK], 2);
}
END_TEST

START_TEST(write_sectors_and_flush)
{
    ck_assert(driver_up(F_BASE));
    for (unsigned i = 0; i < 3 * 512; i++)
        pl.ram[DATA + i] = (uint8_t)(i ^ 0x5a);
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 10, 3 * 512, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(disk.data + 10 * 512, pl.ram + DATA, 3 * 512);
    ck_assert_mem_eq(disk.data, disk_snap, 10 * 512);
    ck_assert_mem_eq(disk.data + 13 * 512, disk_snap + 13 * 512, DISK_SIZE - 13 * 512);
    ram_unchanged_but(STATUS, 1);
    /* header and data in one descriptor (any layout) */
    struct seg s[2] = {{HDR, 16 + 512, false}, {STATUS, 1, true}};
    hdr(VIRTIO_BLK_T_OUT, 0);
    memset(pl.ram + HDR + 16, 0xab, 512);
    ck_assert_uint_eq(submit(s, 2), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(disk.data[i], 0xab);
    ck_assert_uint_eq(disk.flushes, 0);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_FLUSH, 0, 0, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(disk.flushes, 1);
    /* a backend failure is IOERR */
    disk.fail = true;
    ck_assert_uint_eq(req(VIRTIO_BLK_T_FLUSH, 0, 0, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 0, 512, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 0, 512, true), 0);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(status() & S_NR, 0);
}
END_TEST

START_TEST(large_request_in_chunks)
{
    /* 40 KiB in 4 KiB pieces: the bounce buffer never grows with the request */
    ck_assert(driver_up(F_BASE));
    for (unsigned i = 0; i < 40 * 1024; i++)
        pl.ram[DATA + i] = (uint8_t)(i * 31 + 7);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 8, 40 * 1024, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(disk.data + 8 * 512, pl.ram + DATA, 40 * 1024);
    ck_assert_uint_eq(disk.writes, 10);
    memset(pl.ram + DATA, 0, 40 * 1024);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 8, 40 * 1024, true), 40 * 1024 + 1);
    ck_assert_mem_eq(disk.data + 8 * 512, pl.ram + DATA, 40 * 1024);
    ck_assert_uint_eq(disk.reads, 10);
}
END_TEST

START_TEST(get_id)
{
    ck_assert(driver_up(F_BASE));
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_GET_ID, 0, 20, true), 21);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    char want[20] = SERIAL; /* NUL-padded */
    ck_assert_mem_eq(pl.ram + DATA, want, 20);
    snap[STATUS] = VIRTIO_BLK_S_OK; /* the status byte: OK */
    ram_unchanged_but(DATA, 20);
    /* a shorter buffer gets the first bytes; a longer one 20 and nothing after them */
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_GET_ID, 0, 8, true), 9);
    ck_assert_mem_eq(pl.ram + DATA, want, 8);
    snap[STATUS] = VIRTIO_BLK_S_OK; /* the status byte: OK */
    ram_unchanged_but(DATA, 8);
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_GET_ID, 0, 64, true), 20);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    snap[STATUS] = VIRTIO_BLK_S_OK; /* the status byte: OK */
    ram_unchanged_but(DATA, 20);
}
END_TEST

static void dz_seg(unsigned i, uint64_t sector, uint32_t n, uint32_t flags)
{
    put64(HDR + 16 + 16 * i, sector);
    put32(HDR + 24 + 16 * i, n);
    put32(HDR + 28 + 16 * i, flags);
}

/* A DISCARD or WRITE_ZEROES request with nseg segments (set with dz_seg): the status. */
static uint8_t dz_req(uint32_t type, unsigned nseg)
{
    struct seg s[2] = {{HDR, 16 + 16 * nseg, false}, {STATUS, 1, true}};
    hdr(type, 0);
    pl.ram[STATUS] = STATUS_FILL;
    ck_assert_uint_eq(submit(s, 2), 1);
    return pl.ram[STATUS];
}

static bool disk_zero(uint64_t sector, uint64_t n)
{
    for (uint64_t i = sector * 512; i < (sector + n) * 512; i++)
        if (disk.data[i])
            return false;
    return true;
}

START_TEST(discard_and_write_zeroes)
{
    ck_assert(driver_up(F_BASE));
    snapshot();
    dz_seg(0, 4, 2, 0);
    dz_seg(1, 20, 1, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 2), VIRTIO_BLK_S_OK);
    ck_assert(disk_zero(4, 2) && disk_zero(20, 1));
    ck_assert_mem_eq(disk.data + 6 * 512, disk_snap + 6 * 512, 14 * 512);
    ck_assert_uint_eq(disk.discards, 2);
    ram_unchanged_but(STATUS, 1);
    /* write zeroes without a backend write_zeroes: zeroes written through write */
    dz_seg(0, 30, 9, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 1), VIRTIO_BLK_S_OK);
    ck_assert(disk_zero(30, 9));
    ck_assert(!disk_zero(39, 1) && !disk_zero(29, 1));
    /* UNMAP on a discard, an unknown flag: UNSUPP, nothing done */
    fill_disk();
    snapshot();
    dz_seg(0, 0, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 1), VIRTIO_BLK_S_UNSUPP);
    dz_seg(0, 0, 1, 2);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 1), VIRTIO_BLK_S_UNSUPP);
    /* more segments than max_*_seg: UNSUPP */
    for (unsigned i = 0; i <= VIRTIO_BLK_MAX_SEGS; i++)
        dz_seg(i, i, 1, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_MAX_SEGS + 1), VIRTIO_BLK_S_UNSUPP);
    /* a bad second segment: IOERR and the first is not applied either */
    dz_seg(0, 0, 1, 0);
    dz_seg(1, CAP - 1, 2, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 2), VIRTIO_BLK_S_IOERR);
    dz_seg(1, 0, VIRTIO_BLK_MAX_DZ_SECTORS + 1, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 2), VIRTIO_BLK_S_IOERR);
    dz_seg(1, UINT64_MAX, 2, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 2), VIRTIO_BLK_S_IOERR);
    /* a segment list that is not whole segments, or empty; a writable data part: IOERR */
    struct seg s[3] = {{HDR, 16 + 8, false}, {STATUS, 1, true}, {0, 0, false}};
    hdr(VIRTIO_BLK_T_DISCARD, 0);
    ck_assert_uint_eq(submit(s, 2), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    s[0].len = 16;
    ck_assert_uint_eq(submit(s, 2), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    s[0].len = 32;
    s[1] = (struct seg){DATA, 16, true};
    s[2] = (struct seg){STATUS, 1, true};
    pl.ram[STATUS] = STATUS_FILL;
    ck_assert_uint_eq(submit(s, 3), 0);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
    ck_assert_uint_eq(status() & S_NR, 0);
}
END_TEST

START_TEST(discard_alignment_and_negotiation)
{
    teardown();
    setup_common();
    backend(0);
    struct virtio_blk_config_desc d = {.blk_size = 4096};
    platform_up(&d);
    ck_assert(driver_up(F_BASE));
    snapshot();
    dz_seg(0, 4, 8, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 1), VIRTIO_BLK_S_IOERR);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
    dz_seg(0, 8, 8, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 1), VIRTIO_BLK_S_OK);
    ck_assert(disk_zero(8, 8));
    /* write zeroes has no alignment */
    dz_seg(0, 3, 1, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 1), VIRTIO_BLK_S_OK);
    ck_assert(disk_zero(3, 1));
    /* not negotiated: UNSUPP, nothing done */
    ck_assert(driver_up(F_BASE & ~(F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES))));
    fill_disk();
    snapshot();
    dz_seg(0, 8, 8, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 1), VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 1), VIRTIO_BLK_S_UNSUPP);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
}
END_TEST

START_TEST(readonly_refusals)
{
    ck_assert(driver_up(F_BASE | F(VIRTIO_BLK_F_RO)));
    for (unsigned i = 0; i < 1024; i++)
        pl.ram[DATA + i] = (uint8_t)i;
    snapshot();
    ck_assert_uint_eq(req(VIRTIO_BLK_T_OUT, 0, 1024, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    dz_seg(0, 0, 4, 0);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_DISCARD, 1), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(dz_req(VIRTIO_BLK_T_WRITE_ZEROES, 1), VIRTIO_BLK_S_IOERR);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
    ck_assert_uint_eq(disk.writes + disk.discards, 0);
    /* reads and flushes work */
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 1, 512, true), 513);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(pl.ram + DATA, disk.data + 512, 512);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_FLUSH, 0, 0, false), 1);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(blk.status_count[VIRTIO_BLK_S_IOERR], 3);
}
END_TEST

/* ---- malformed requests: the status, and no other byte of memory or disk changed ---- */

enum mcase {
    M_SHORT_HEADER,
    M_UNKNOWN_TYPE,
    M_IN_PARTIAL_SECTOR,
    M_OUT_PARTIAL_SECTOR,
    M_IN_BEYOND_CAPACITY,
    M_OUT_BEYOND_CAPACITY,
    M_IN_SECTOR_OVERFLOW,
    M_OUT_STATUS_TWO_BYTES,
    M_IN_EXTRA_READABLE,
    M_FLUSH_WITH_DATA,
    M_GET_ID_WITH_READABLE,
    M_IN_DMA_REFUSED,
    M_OUT_DMA_REFUSED,
    M_HDR_UNMAPPED,
    M_COUNT
};

struct mexpect {
    uint8_t status;
    uint32_t status_addr; /* where the status byte lands */
    uint32_t used_len;
};

static struct mexpect make_malformed(enum mcase c)
{
    struct seg s[4];
    unsigned n = 3;
    struct mexpect x = {VIRTIO_BLK_S_IOERR, STATUS, 0};
    s[0] = (struct seg){HDR, 16, false};
    s[1] = (struct seg){DATA, 1024, true};
    s[2] = (struct seg){STATUS, 1, true};
    hdr(VIRTIO_BLK_T_IN, 0);
    switch (c) {
    case M_SHORT_HEADER:
        s[0].len = 12;
        break;
    case M_UNKNOWN_TYPE:
        hdr(99, 0);
        s[1].w = false;
        x.status = VIRTIO_BLK_S_UNSUPP;
        x.used_len = 1;
        break;
    case M_IN_PARTIAL_SECTOR:
        s[1].len = 1000;
        break;
    case M_OUT_PARTIAL_SECTOR:
        hdr(VIRTIO_BLK_T_OUT, 0);
        s[1] = (struct seg){DATA, 700, false};
        x.used_len = 1;
        break;
    case M_IN_BEYOND_CAPACITY:
        hdr(VIRTIO_BLK_T_IN, CAP - 1);
        break;
    case M_OUT_BEYOND_CAPACITY:
        hdr(VIRTIO_BLK_T_OUT, CAP);
        s[1] = (struct seg){DATA, 512, false};
        x.used_len = 1;
        break;
    case M_IN_SECTOR_OVERFLOW:
        hdr(VIRTIO_BLK_T_IN, UINT64_MAX - 1);
        break;
    case M_OUT_STATUS_TWO_BYTES:
        hdr(VIRTIO_BLK_T_OUT, 0);
        s[1] = (struct seg){DATA, 512, false};
        s[2] = (struct seg){STATUS, 2, true};
        x.status_addr = STATUS + 1;
        break;
    case M_IN_EXTRA_READABLE:
        s[0].len = 16 + 512;
        break;
    case M_FLUSH_WITH_DATA:
        hdr(VIRTIO_BLK_T_FLUSH, 0);
        s[1] = (struct seg){DATA, 512, false};
        x.used_len = 1;
        break;
    case M_GET_ID_WITH_READABLE:
        hdr(VIRTIO_BLK_T_GET_ID, 0);
        s[0].len = 20;
        s[1].len = 20;
        break;
    case M_IN_DMA_REFUSED: /* device-writable buffer the IOMMU only lets it read */
        s[1] = (struct seg){RO_PAGE, 512, true};
        break;
    case M_OUT_DMA_REFUSED:
        hdr(VIRTIO_BLK_T_OUT, 0);
        s[1] = (struct seg){UNMAPPED, 512, false};
        x.used_len = 1;
        break;
    case M_HDR_UNMAPPED:
        s[0].addr = UNMAPPED;
        break;
    default:
        ck_abort();
    }
    pl.ram[STATUS] = STATUS_FILL;
    pl.ram[STATUS + 1] = STATUS_FILL;
    post(s, n);
    snapshot();
    return x;
}

START_TEST(malformed_requests)
{
    enum mcase c = (enum mcase)_i;
    ck_assert(driver_up(F_BASE));
    struct mexpect x = make_malformed(c);
    kick();
    run();
    ck_assert_uint_eq(status() & S_NR, 0);
    ck_assert_uint_eq(get16(USED + 2), 1);
    ck_assert_uint_eq(get32(USED + 4), 0);
    ck_assert_msg(get32(USED + 8) == x.used_len, "case %d: used len %u", c, get32(USED + 8));
    ck_assert_msg(pl.ram[x.status_addr] == x.status, "case %d: status %u", c,
                  pl.ram[x.status_addr]);
    ram_unchanged_but(x.status_addr, 1);
    ck_assert_mem_eq(pl.ram + DESC, snap + DESC, USED - DESC); /* posted before the snapshot */
    ck_assert_mem_eq(pl.ram + HDR, snap + HDR, 0x1000);
    ck_assert_mem_eq(disk.data, disk_snap, DISK_SIZE);
    ck_assert_uint_eq(blk.vp.violations, 0);
}
END_TEST

/* No status byte to write: the request cannot complete, a protocol violation. */
START_TEST(no_status_byte_needs_reset)
{
    for (int c = 0; c < 3; c++) {
        ck_assert(driver_up(F_BASE));
        struct seg s[2] = {{HDR, 16, false}, {STATUS, 1, c != 0}};
        hdr(VIRTIO_BLK_T_FLUSH, 0);
        if (c == 1)
            s[1].addr = RO_PAGE; /* writable in the ring, read-only in the IOMMU */
        if (c == 2)
            s[1].addr = UNMAPPED;
        pl.ram[STATUS] = STATUS_FILL;
        snapshot();
        post(s, 2);
        kick();
        run();
        ck_assert_msg(status() & S_NR, "case %d: no NEEDS_RESET", c);
        ck_assert_uint_eq(get16(USED + 2), 0);
        ram_unchanged_but(0, 0);
        ck_assert_uint_eq(blk.refused, (unsigned)c + 1);
        ck_assert_uint_eq(disk.flushes, 0);
        memset(pl.ram + DESC, 0, 0x3000);
    }
}
END_TEST

/* A status byte aliasing a data buffer that failed half-way still ends as IOERR. */
START_TEST(status_aliasing_data)
{
    ck_assert(driver_up(F_BASE));
    struct seg s[4] = {{HDR, 16, false}, {DATA, 512, true}, {RO_PAGE, 512, true}, {DATA, 1, true}};
    hdr(VIRTIO_BLK_T_IN, 2);
    ck_assert_uint_ne(disk.data[2 * 512], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(submit(s, 4), 0);
    ck_assert_uint_eq(pl.ram[DATA], VIRTIO_BLK_S_IOERR);
    ck_assert_mem_eq(pl.ram + DATA + 1, disk.data + 2 * 512 + 1, 511);
}
END_TEST

/* ---- virtual time ---- */

START_TEST(latency_in_virtual_time)
{
    ck_assert(driver_up(F_BASE));
    virtio_blk_advance(&blk, 1000);
    hdr(VIRTIO_BLK_T_FLUSH, 0);
    struct seg s[2] = {{HDR, 16, false}, {STATUS, 1, true}};
    post(s, 2);
    post(s, 2);
    kick();
    ck_assert_uint_eq(virtio_blk_next_event(&blk), 1000 + VIRTIO_BLK_DEFAULT_LATENCY_NS);
    virtio_blk_advance(&blk, 1000 + VIRTIO_BLK_DEFAULT_LATENCY_NS - 1);
    ck_assert_uint_eq(get16(USED + 2), 0);
    virtio_blk_advance(&blk, 1000 + VIRTIO_BLK_DEFAULT_LATENCY_NS);
    ck_assert_uint_eq(get16(USED + 2), 1);
    ck_assert_uint_eq(virtio_blk_next_event(&blk), 1000 + 2 * VIRTIO_BLK_DEFAULT_LATENCY_NS);
    virtio_blk_advance(&blk, 1000 + 2 * VIRTIO_BLK_DEFAULT_LATENCY_NS);
    ck_assert_uint_eq(get16(USED + 2), 2);
    ck_assert_uint_eq(disk.flushes, 2);
    ck_assert_uint_eq(virtio_blk_next_event(&blk), 1000 + 3 * VIRTIO_BLK_DEFAULT_LATENCY_NS);
    virtio_blk_advance(&blk, 1000 + 3 * VIRTIO_BLK_DEFAULT_LATENCY_NS);
    ck_assert_uint_eq(virtio_blk_next_event(&blk), VIRTIO_NO_EVENT);
    /* a configured latency */
    teardown();
    setup_common();
    backend(0);
    struct virtio_blk_config_desc d = {.latency_ns = 7000};
    platform_up(&d);
    ck_assert(driver_up(F_BASE));
    virtio_blk_advance(&blk, 500);
    post(s, 2);
    kick();
    ck_assert_uint_eq(virtio_blk_next_event(&blk), 7500);
    virtio_blk_advance(&blk, 7499);
    ck_assert_uint_eq(get16(USED + 2), 0);
    virtio_blk_advance(&blk, 7500);
    ck_assert_uint_eq(get16(USED + 2), 1);
}
END_TEST

/* ---- a seeded random request loop against a reference disk ---- */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static uint64_t rnd_below(uint64_t n)
{
    return rnd() % n;
}

static uint8_t ref[DISK_SIZE];

/* The expected status of a DISCARD/WRITE_ZEROES over the segments at HDR + 16, and the
 * reference updated when it is OK. */
static uint8_t ref_dz(bool wz, unsigned nseg, bool ro, uint32_t align)
{
    for (unsigned i = 0; i < nseg; i++)
        if (get32(HDR + 28 + 16 * i) & ~(wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0u))
            return VIRTIO_BLK_S_UNSUPP;
    if (ro)
        return VIRTIO_BLK_S_IOERR;
    for (unsigned i = 0; i < nseg; i++) {
        uint64_t sec = get32(HDR + 16 + 16 * i) | (uint64_t)get32(HDR + 20 + 16 * i) << 32;
        uint32_t n = get32(HDR + 24 + 16 * i);
        if (sec + n > CAP || (!wz && sec % align))
            return VIRTIO_BLK_S_IOERR;
    }
    for (unsigned i = 0; i < nseg; i++) {
        uint64_t sec = get32(HDR + 16 + 16 * i);
        memset(ref + sec * 512, 0, (size_t)get32(HDR + 24 + 16 * i) * 512);
    }
    return VIRTIO_BLK_S_OK;
}

START_TEST(random_requests_against_reference)
{
    bool ro = _i & 1;
    uint32_t bs = _i & 4 ? 4096 : 512;
    teardown();
    setup_common();
    backend(ro);
    if (_i & 2)
        be_ops.write_zeroes = md_write_zeroes; /* else zeroes go through write */
    struct virtio_blk_config_desc d = {.blk_size = bs, .serial = SERIAL};
    platform_up(&d);
    ck_assert(driver_up(device_features()));
    memcpy(ref, disk.data, DISK_SIZE);
    rnd_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
    unsigned ok = 0;
    for (int it = 0; it < 1200; it++) {
        struct seg s[4];
        unsigned n = 0;
        uint8_t want;
        uint32_t op = (uint32_t)rnd_below(8);
        uint64_t nsect = rnd_below(17);
        uint64_t sector = rnd_below(CAP + 8);
        uint32_t len = (uint32_t)nsect * 512;
        bool split = len > 1 && rnd_below(2);
        uint32_t cut = split ? 1 + (uint32_t)rnd_below(len - 1) : len;
        uint32_t status_at = STATUS;
        pl.ram[STATUS] = STATUS_FILL;
        s[n++] = (struct seg){HDR, 16, false};
        switch (op) {
        case 0:
        case 1: /* IN */
            hdr(VIRTIO_BLK_T_IN, sector);
            memset(pl.ram + DATA, 0xcc, len);
            if (len)
                s[n++] = (struct seg){DATA, cut, true};
            if (cut < len)
                s[n++] = (struct seg){DATA + cut, len - cut, true};
            want = sector + nsect <= CAP ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
            break;
        case 2:
        case 3: /* OUT */
            hdr(VIRTIO_BLK_T_OUT, sector);
            for (uint32_t i = 0; i < len; i++)
                pl.ram[DATA + i] = (uint8_t)rnd();
            if (len)
                s[n++] = (struct seg){DATA, cut, false};
            if (cut < len)
                s[n++] = (struct seg){DATA + cut, len - cut, false};
            want = !ro && sector + nsect <= CAP ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
            if (want == VIRTIO_BLK_S_OK)
                memcpy(ref + sector * 512, pl.ram + DATA, len);
            break;
        case 4: /* FLUSH, GET_ID */
            hdr(rnd_below(2) ? VIRTIO_BLK_T_FLUSH : VIRTIO_BLK_T_GET_ID, sector);
            want = VIRTIO_BLK_S_OK;
            break;
        case 5:
        case 6: { /* DISCARD, WRITE_ZEROES */
            bool wz = op == 6;
            unsigned nseg = 1 + (unsigned)rnd_below(3);
            hdr(wz ? VIRTIO_BLK_T_WRITE_ZEROES : VIRTIO_BLK_T_DISCARD, 0);
            for (unsigned i = 0; i < nseg; i++) {
                uint64_t sec = rnd_below(CAP + 4);
                if (rnd_below(2))
                    sec &= ~(uint64_t)(bs / 512 - 1);
                uint32_t flags = rnd_below(8) == 0 ? (uint32_t)rnd_below(4) : 0;
                dz_seg(i, sec, (uint32_t)rnd_below(17), flags);
            }
            s[0].len += 16 * nseg;
            want = ref_dz(wz, nseg, ro, bs / 512);
            break;
        }
        default: /* malformed: a partial sector or a short header */
            if (rnd_below(2)) {
                hdr(VIRTIO_BLK_T_OUT, sector);
                s[n++] = (struct seg){DATA, 1 + (uint32_t)rnd_below(511), false};
            } else {
                s[0].len = (uint32_t)rnd_below(16);
                if (!s[0].len)
                    n = 0;
            }
            want = VIRTIO_BLK_S_IOERR;
            break;
        }
        s[n++] = (struct seg){status_at, 1, true};
        submit(s, n);
        ck_assert_msg(pl.ram[status_at] == want, "iteration %d op %u: status %u, want %u", it, op,
                      pl.ram[status_at], want);
        if (op <= 1 && want == VIRTIO_BLK_S_OK)
            ck_assert_mem_eq(pl.ram + DATA, ref + sector * 512, len);
        ck_assert_mem_eq(disk.data, ref, DISK_SIZE);
        ck_assert_int_eq(virtio_blk_check(&blk), 0);
        ok += want == VIRTIO_BLK_S_OK;
    }
    ck_assert_uint_eq(status() & S_NR, 0);
    ck_assert_uint_eq(blk.status_count[VIRTIO_BLK_S_OK], ok);
    ck_assert_uint_gt(ok, 300);
    if (!(_i & 2) || ro)
        ck_assert_uint_eq(disk.zeroings, 0);
    else
        ck_assert_uint_gt(disk.zeroings, 0);
}
END_TEST

#ifdef VIRTIO_TEST_HOOKS
/* ---- the test hooks: a malicious device (virtio_pci.h) ---- */

static void misbehave(uint32_t kind)
{
    wr(VIRTIO_PCI_DEVICE_OFF + VIRTIO_PCI_MISBEHAVE_REG, 4, kind);
}

/* A read of sector `sector` posted and served: its used element and the used index after. */
static void raw_read(uint64_t sector, uint32_t *id, uint32_t *len, uint16_t *idx)
{
    struct seg s[3] = {{HDR, 16, false}, {DATA, 512, true}, {STATUS, 1, true}};
    uint16_t before = get16(USED + 2);
    hdr(VIRTIO_BLK_T_IN, sector);
    pl.ram[STATUS] = STATUS_FILL;
    post(s, 3);
    kick();
    run();
    *id = get32(USED + 4 + 8 * (before % QSIZE));
    *len = get32(USED + 4 + 8 * (before % QSIZE) + 4);
    *idx = get16(USED + 2);
    ck_assert_uint_eq(blk.vp.vq[0].used_idx, (uint16_t)(before + 1));
}

START_TEST(misbehave_used_ring_garbage)
{
    uint32_t id, len;
    uint16_t idx;
    ck_assert(driver_up(F_BASE));
    raw_read(1, &id, &len, &idx); /* unarmed: as always */
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 513);
    ck_assert_uint_eq(idx, 1);
    misbehave(VIRTIO_MISBEHAVE_USED_ID);
    raw_read(1, &id, &len, &idx);
    ck_assert_uint_eq(id, 0xdead);
    ck_assert_uint_eq(len, 513);
    ck_assert_uint_eq(idx, 2);
    misbehave(VIRTIO_MISBEHAVE_USED_LEN);
    raw_read(1, &id, &len, &idx);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 0xfffffff0u);
    misbehave(VIRTIO_MISBEHAVE_USED_IDX);
    raw_read(1, &id, &len, &idx);
    ck_assert_uint_eq(len, 513);
    ck_assert_uint_eq(idx, 104);
    ck_assert_uint_eq(blk.vp.misbehaved, 3);
    /* disarmed after one use each: the next completion is honest */
    put16(USED + 2, 4);
    raw_read(2, &id, &len, &idx);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 513);
    ck_assert_uint_eq(idx, 5);
    ck_assert_mem_eq(pl.ram + DATA, disk.data + 2 * 512, 512);
    /* a reset disarms; an unknown misbehaviour is a guest error that arms nothing */
    misbehave(VIRTIO_MISBEHAVE_USED_ID);
    ck_assert(driver_up(F_BASE));
    memset(pl.ram + AVAIL, 0, 0x2000);
    unsigned errors = pl.guest_errors;
    misbehave(VIRTIO_MISBEHAVE_MAX + 1);
    ck_assert_uint_eq(pl.guest_errors, errors + 1);
    raw_read(3, &id, &len, &idx);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(idx, 1);
    ck_assert_uint_eq(blk.vp.misbehaved, 3);
    ck_assert(!(status() & S_NR));
}
END_TEST

START_TEST(misbehave_spurious_interrupts)
{
    ck_assert(driver_up(F_BASE)); /* no MSI-X: interrupts are ISR bits and INTx */
    ck_assert_uint_eq(virtio_blk_next_event(&blk), VIRTIO_NO_EVENT);
    misbehave(VIRTIO_MISBEHAVE_SPURIOUS);
    for (unsigned i = 0; i < 3; i++) {
        uint64_t t = virtio_blk_next_event(&blk);
        ck_assert_uint_ne(t, VIRTIO_NO_EVENT);
        ck_assert(!pl.intx);
        virtio_blk_advance(&blk, t);
        ck_assert_int_eq(virtio_blk_check(&blk), 0);
        ck_assert(pl.intx);
        ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
        ck_assert(!pl.intx);
        ck_assert_uint_eq(get16(USED + 2), 0); /* no work behind it */
    }
    ck_assert_uint_eq(virtio_blk_next_event(&blk), VIRTIO_NO_EVENT);
    ck_assert_uint_eq(blk.vp.misbehaved, 3);
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, 0, 512, true), 513);
}
END_TEST

START_TEST(misbehave_config_change_in_flight)
{
    uint32_t id, len;
    uint16_t idx;
    ck_assert(driver_up(F_BASE));
    uint8_t gen = (uint8_t)rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1);
    misbehave(VIRTIO_MISBEHAVE_CONFIG);
    ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_OFF + VIRTIO_BLK_CFG_CAPACITY, 8), CAP);
    raw_read(CAP / 2, &id, &len, &idx); /* in flight when the disk shrinks: now beyond it */
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 0); /* refused before the data phase: only the status byte, a gap */
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_OFF + VIRTIO_BLK_CFG_CAPACITY, 8), CAP / 2);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), (uint8_t)(gen + 1));
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG | VIRTIO_ISR_QUEUE);
    ck_assert(!(status() & S_NR));
    ck_assert_uint_eq(req(VIRTIO_BLK_T_IN, CAP / 2 - 1, 512, true), 513);
    ck_assert_uint_eq(pl.ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(pl.ram + DATA, disk.data + (CAP / 2 - 1) * 512, 512);
}
END_TEST
#endif

static Suite *virtio_blk_suite(void)
{
    Suite *s = suite_create("virtio_blk");
    TCase *tc = tcase_create("device");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identity_and_features);
    tcase_add_test(tc, init_refuses_bad_descriptions);
    tcase_add_test(tc, config_space);
    tcase_add_test(tc, read_sectors);
    tcase_add_test(tc, write_sectors_and_flush);
    tcase_add_test(tc, large_request_in_chunks);
    tcase_add_test(tc, get_id);
    tcase_add_test(tc, discard_and_write_zeroes);
    tcase_add_test(tc, discard_alignment_and_negotiation);
    tcase_add_test(tc, latency_in_virtual_time);
    suite_add_tcase(s, tc);
    tc = tcase_create("readonly");
    tcase_add_checked_fixture(tc, setup_ro, teardown);
    tcase_add_test(tc, readonly_offers_ro);
    tcase_add_test(tc, readonly_refusals);
    suite_add_tcase(s, tc);
    tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, malformed_requests, 0, M_COUNT);
    tcase_add_test(tc, no_status_byte_needs_reset);
    tcase_add_test(tc, status_aliasing_data);
    /* 512/4096-byte blocks, writable/read-only, zeroes by write/by the backend */
    tcase_add_loop_test(tc, random_requests_against_reference, 0, 8);
    suite_add_tcase(s, tc);
#ifdef VIRTIO_TEST_HOOKS
    tc = tcase_create("misbehave");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, misbehave_used_ring_garbage);
    tcase_add_test(tc, misbehave_spurious_interrupts);
    tcase_add_test(tc, misbehave_config_change_in_flight);
    suite_add_tcase(s, tc);
#endif
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_blk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
