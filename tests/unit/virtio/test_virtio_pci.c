/*
 * Unit tests for hw-models/virtio: the modern PCI transport (capability list, the PCI_CFG
 * window, feature negotiation and every status-machine refusal, queue setup rules, reset),
 * split virtqueues (every protocol violation gives DEVICE_NEEDS_RESET, a configuration
 * interrupt and no memory write, checked byte for byte), virtio-rng (seeded bytes, used-ring
 * entries, timing), MSI-X delivery and masking, INTx with the ISR, and a seeded random
 * descriptor loop checked against the model's invariants. The platform: a flat test memory
 * behind an hw_iommu domain (IOVA == RAM address: [0, 0x8000) read/write, [0x8000, 0x9000) read
 * only, the rest unmapped), a pci_host that logs MSI messages, INTx and guest errors.
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
#include "virtio_rng.h"

#define RAM_SIZE 0x10000u
#define RW_END 0x8000u
#define RO_PAGE 0x8000u
#define UNMAPPED 0x9000u
#define BAR4_BASE 0x800000000ull
#define BAR1_BASE 0xfd000000ull
#define ECAM_BASE 0xb0000000ull
#define DEVFN PCI_DEVFN(3, 0)
#define DEV_ID 9u
#define SEED 0x5eedull

#define QSIZE 8
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define BUF 0x4000u
#define LAT VIRTIO_DEFAULT_LATENCY_NS

static struct virtio_rng rng;
static uint8_t snap[RAM_SIZE];

#include "vdriver.h"

/* ---- driver-side helpers (more in vdriver.h) ---- */

static struct pci_device *dev(void)
{
    return &rng.vp.pci;
}

#define F_V1 VIRTIO_FEATURE(VIRTIO_F_VERSION_1)
#define F_AP VIRTIO_FEATURE(VIRTIO_F_ACCESS_PLATFORM)
#define F_IND VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC)
#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NR VIRTIO_CONFIG_S_NEEDS_RESET

/* Up to FEATURES_OK with the given features (which must be accepted). */
static void setup_queue(uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 4, (uint32_t)desc);
    wr(VIRTIO_PCI_COMMON_Q_DESC + 4, 4, (uint32_t)(desc >> 32));
    wr(VIRTIO_PCI_COMMON_Q_AVAIL, 4, (uint32_t)avail);
    wr(VIRTIO_PCI_COMMON_Q_AVAIL + 4, 4, (uint32_t)(avail >> 32));
    wr(VIRTIO_PCI_COMMON_Q_USED, 4, (uint32_t)used);
    wr(VIRTIO_PCI_COMMON_Q_USED + 4, 4, (uint32_t)(used >> 32));
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

/* A driver bringing the device up with one queue of QSIZE at DESC/AVAIL/USED. */
static void driver_up(uint64_t f)
{
    negotiate(f);
    setup_queue(QSIZE, DESC, AVAIL, USED);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK | S_DOK);
}

static void set_desc_at(uint32_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                        uint16_t next)
{
    uint32_t d = table + 16 * i;
    put32(d, (uint32_t)addr);
    put32(d + 4, (uint32_t)(addr >> 32));
    put32(d + 8, len);
    put16(d + 12, flags);
    put16(d + 14, next);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    set_desc_at(DESC, i, addr, len, flags, next);
}

/* Make head available (the driver's avail idx counts up from 0). */
static void avail_push(uint16_t head)
{
    uint16_t idx = get16(AVAIL + 2);
    put16(AVAIL + 4 + 2 * (idx % QSIZE), head);
    put16(AVAIL + 2, (uint16_t)(idx + 1));
}

static void kick(void)
{
    wr(VIRTIO_PCI_NOTIFY_OFF, 2, 0);
}

/* Run the device until it has nothing scheduled. */
static void run(void)
{
    for (int n = 0; n < 10000; n++) {
        uint64_t t = virtio_rng_next_event(&rng);
        if (t == VIRTIO_NO_EVENT)
            return;
        virtio_rng_advance(&rng, t);
        ck_assert_int_eq(virtio_rng_check(&rng), 0);
    }
    ck_abort_msg("device never went idle");
}

static void expect_stream(uint64_t seed, uint64_t skip, const uint8_t *got, size_t len)
{
    static uint8_t want[RAM_SIZE];
    struct vl_prng p;
    ck_assert_uint_le(skip + len, sizeof(want));
    vl_prng_seed(&p, seed);
    vl_prng_fill(&p, want, (size_t)(skip + len));
    ck_assert_mem_eq(got, want + skip, len);
}

static void setup(void)
{
    hwt_setup(RAM_SIZE, DEV_ID);
    for (unsigned i = 0; i < RAM_SIZE; i++)
        pl.ram[i] = (uint8_t)(i * 13 + 5);
    memset(pl.ram + DESC, 0, 0x3000); /* rings start zeroed, as a driver's allocation would */
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, RW_END, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, RO_PAGE, RO_PAGE, 0x1000, HW_IOMMU_READ), 0);
    ck_assert_int_eq(virtio_rng_init(&rng, SEED), 0);
    ck_assert_int_eq(pci_host_attach(&host, dev(), DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)BAR1_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, 4, (uint32_t)(BAR4_BASE >> 32));
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void teardown(void)
{
    ck_assert_int_eq(virtio_rng_check(&rng), 0);
    hwt_teardown();
}

/* ---- MSI-X helpers ---- */

static void msix_entry(unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    uint64_t e = BAR1_BASE + 16 * v;
    ck_assert_int_eq(pci_host_mmio_write(&host, e, 4, (uint32_t)addr), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 4, 4, (uint32_t)(addr >> 32)), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 8, 4, data), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 12, 4, masked), 0);
}

static void msix_enable(void)
{
    unsigned c = dev()->msix.cap;
    ck_assert_uint_gt(c, 0);
    cfg_wr(c + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    ck_assert(pci_msix_enabled(dev()));
    msix_entry(0, 0xfee00000u, 0x40, false); /* configuration changes */
    msix_entry(1, 0xfee01000u, 0x41, false); /* the request queue */
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_MSIX, 2), 0);
}

/* ---- identity and capabilities ---- */

START_TEST(identity)
{
    ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
    ck_assert_uint_eq(cfg_rd(PCI_DEVICE_ID, 2), 0x1044);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 1), 1);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, VIRTIO_RNG_CLASS);
    ck_assert_uint_eq(cfg_rd(PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
    ck_assert_uint_eq(cfg_rd(PCI_SUBSYSTEM_ID, 2), 0x1100);
    ck_assert_uint_eq(cfg_rd(PCI_INTERRUPT_PIN, 1), 1);
    ck_assert_uint_eq(dev()->bars[4].kind, PCI_BAR_MEM64);
    ck_assert_uint_eq(dev()->bars[4].size, 0x4000);
    ck_assert_uint_eq(dev()->bars[4].addr, BAR4_BASE);
    ck_assert_uint_eq(dev()->bars[1].kind, PCI_BAR_MEM32);
    ck_assert_uint_eq(dev()->msix.nvec, 2);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_SIZE);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 1); /* no such queue: size 0 */
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
}
END_TEST

START_TEST(capability_walk_finds_all_virtio_caps)
{
    uint8_t cfg[PCI_CONFIG_SPACE_SIZE];
    struct pci_cap_entry caps[PCI_MAX_CAPS];
    unsigned seen[6] = {0};
    bool msix = false;
    for (unsigned i = 0; i < PCI_CONFIG_SPACE_SIZE; i += 4) {
        uint32_t v = cfg_rd(i, 4);
        memcpy(&cfg[i], &v, 4); /* little-endian host, as the test platform */
    }
    int n = pci_cap_walk(cfg, PCI_CONFIG_SPACE_SIZE, caps, PCI_MAX_CAPS);
    ck_assert_int_eq(n, 6);
    for (int i = 0; i < n; i++) {
        const uint8_t *c = &cfg[caps[i].off];
        if (caps[i].id == PCI_CAP_ID_MSIX) {
            msix = true;
            continue;
        }
        ck_assert_uint_eq(caps[i].id, PCI_CAP_ID_VNDR);
        uint8_t type = c[VIRTIO_PCI_CAP_CFG_TYPE];
        ck_assert_uint_ge(type, 1);
        ck_assert_uint_le(type, 5);
        seen[type]++;
        uint32_t off, len;
        memcpy(&off, c + VIRTIO_PCI_CAP_OFFSET, 4);
        memcpy(&len, c + VIRTIO_PCI_CAP_LENGTH, 4);
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_LEN], 16);
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_BAR], 4);
            ck_assert_uint_eq(off, 0);
            ck_assert_uint_ge(len, VIRTIO_PCI_COMMON_SIZE);
            break;
        case VIRTIO_PCI_CAP_ISR_CFG:
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_BAR], 4);
            ck_assert_uint_eq(off, 0x1000);
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_BAR], 4);
            ck_assert_uint_eq(off, 0x2000);
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG: {
            uint32_t mult;
            memcpy(&mult, c + VIRTIO_PCI_NOTIFY_CAP_MULT, 4);
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_LEN], 20);
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_BAR], 4);
            ck_assert_uint_eq(off, 0x3000);
            ck_assert_uint_eq(mult, 4);
            ck_assert_uint_ge(len, 4);
            break;
        }
        default:
            ck_assert_uint_eq(c[VIRTIO_PCI_CAP_LEN], 20);
            break;
        }
        /* every structure lies inside its BAR */
        if (type != VIRTIO_PCI_CAP_PCI_CFG)
            ck_assert_uint_le((uint64_t)off + len, dev()->bars[4].size);
    }
    for (unsigned t = 1; t <= 5; t++)
        ck_assert_uint_eq(seen[t], 1);
    ck_assert(msix);
    ck_assert_uint_eq(pl.guest_errors, 0);
}
END_TEST

START_TEST(pci_cfg_window_reaches_bar4)
{
    unsigned c = rng.vp.cfg_cap;
    ck_assert_uint_gt(c, 0);
    /* memory decoding off: the window still reaches the device */
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MASTER);
    cfg_wr(c + VIRTIO_PCI_CAP_BAR, 1, 4);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 1);
    cfg_wr(c + VIRTIO_PCI_CFG_CAP_DATA, 4, S_ACK);
    ck_assert_uint_eq(rng.vp.status, S_ACK);
    ck_assert_uint_eq(cfg_rd(c + VIRTIO_PCI_CFG_CAP_DATA, 4), S_ACK);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_NUMQ);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 2);
    ck_assert_uint_eq(cfg_rd(c + VIRTIO_PCI_CFG_CAP_DATA, 2), 1);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_DF);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 4);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_DFSELECT);
    cfg_wr(c + VIRTIO_PCI_CFG_CAP_DATA, 4, 1);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_DF);
    ck_assert_uint_eq(cfg_rd(c + VIRTIO_PCI_CFG_CAP_DATA, 4), (F_V1 | F_AP) >> 32);
    ck_assert_uint_eq(pl.guest_errors, 0);
    /* a window on another BAR or misaligned is refused, with no effect */
    cfg_wr(c + VIRTIO_PCI_CAP_BAR, 1, 2);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 1);
    cfg_wr(c + VIRTIO_PCI_CFG_CAP_DATA, 4, 0);
    ck_assert_uint_eq(rng.vp.status, S_ACK);
    ck_assert_uint_eq(pl.guest_errors, 1);
    cfg_wr(c + VIRTIO_PCI_CAP_BAR, 1, 4);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS + 1);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 2);
    cfg_wr(c + VIRTIO_PCI_CFG_CAP_DATA, 2, 0);
    ck_assert_uint_eq(pl.guest_errors, 2);
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 3);
    cfg_wr(c + VIRTIO_PCI_CFG_CAP_DATA, 4, 0);
    ck_assert_uint_eq(pl.guest_errors, 3);
    ck_assert_uint_eq(rng.vp.status, S_ACK);
    /* reading through a bad window (lspci -xxx dumps it) is silent and reaches nothing */
    rng.vp.isr = VIRTIO_ISR_CONFIG;
    cfg_wr(c + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_ISR_OFF);
    (void)cfg_rd(c + VIRTIO_PCI_CFG_CAP_DATA, 4);
    ck_assert_uint_eq(rng.vp.isr, VIRTIO_ISR_CONFIG);
    ck_assert_uint_eq(pl.guest_errors, 3);
    /* and a good one reads (and clears) the ISR */
    cfg_wr(c + VIRTIO_PCI_CAP_LENGTH, 4, 1);
    ck_assert_uint_eq(cfg_rd(c + VIRTIO_PCI_CFG_CAP_DATA, 1), VIRTIO_ISR_CONFIG);
    ck_assert_uint_eq(rng.vp.isr, 0);
}
END_TEST

/* ---- features and the status machine ---- */

START_TEST(feature_negotiation)
{
    uint64_t f = device_features();
    ck_assert_uint_eq(f & F_V1, F_V1);
    ck_assert_uint_eq(f & F_AP, F_AP);
    ck_assert_uint_eq(f & F_IND, F_IND);
    ck_assert_uint_eq(f & VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX), 0);
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 2); /* beyond bit 63: nothing */
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_DF, 4), 0);
    wr(VIRTIO_PCI_COMMON_DF, 4, 0xffffffff); /* read only */
    ck_assert_uint_eq(device_features(), f);

    /* before DRIVER, driver features cannot be written */
    set_status(S_ACK);
    unsigned ge = pl.guest_errors;
    write_features(F_V1);
    ck_assert_uint_eq(rng.vp.driver_features, 0);
    ck_assert_uint_gt(pl.guest_errors, ge);
    set_status(S_ACK | S_DRV);

    /* without VERSION_1: refused, FEATURES_OK reads back clear */
    write_features(F_AP);
    set_status(S_ACK | S_DRV | S_FOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV);
    /* not a subset of the device's (EVENT_IDX is not offered): refused */
    write_features(F_V1 | VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX));
    set_status(S_ACK | S_DRV | S_FOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV);
    write_features(F_V1 | VIRTIO_FEATURE(40));
    set_status(S_ACK | S_DRV | S_FOK | S_DOK); /* DRIVER_OK cannot ride along */
    ck_assert_uint_eq(status(), S_ACK | S_DRV);
    ck_assert_uint_eq(rng.vp.features_refused, 3);
    /* accepted; afterwards the features are frozen */
    write_features(F_V1 | F_AP);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_GF, 4), (F_V1 | F_AP) >> 32);
    set_status(S_ACK | S_DRV | S_FOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK);
    ge = pl.guest_errors;
    write_features(F_V1 | F_AP | F_IND);
    ck_assert_uint_eq(rng.vp.driver_features, F_V1 | F_AP);
    ck_assert_uint_gt(pl.guest_errors, ge);
}
END_TEST

START_TEST(status_machine_refusals)
{
    static const struct {
        uint8_t from, to;
    } bad[] = {
        {0, S_DRV},                             /* DRIVER without ACKNOWLEDGE */
        {0, S_ACK | S_FOK},                     /* FEATURES_OK without DRIVER */
        {S_ACK, S_ACK | S_DRV | S_DOK},         /* DRIVER_OK without FEATURES_OK */
        {S_ACK | S_DRV, S_ACK},                 /* clearing DRIVER */
        {S_ACK | S_DRV | S_FOK, S_ACK | S_DRV}, /* clearing FEATURES_OK */
        {S_ACK, S_ACK | 0x10},                  /* unknown bit */
        {S_ACK, S_ACK | 0x20},                  /* unknown bit */
        {S_ACK | S_DRV | S_FOK | S_DOK, S_ACK | S_DRV | S_DOK},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_status(0);
        if (bad[i].from & S_DOK)
            driver_up(F_V1);
        else if (bad[i].from & S_FOK)
            negotiate(F_V1);
        else if (bad[i].from)
            set_status(bad[i].from);
        ck_assert_uint_eq(status(), bad[i].from);
        unsigned ge = pl.guest_errors;
        set_status(bad[i].to);
        ck_assert_msg(status() == bad[i].from, "case %u: status %#x", i, status());
        ck_assert_uint_eq(pl.guest_errors, ge + 1);
        ck_assert_int_eq(virtio_rng_check(&rng), 0);
    }
    /* the driver cannot set NEEDS_RESET; FAILED may be set at any step */
    set_status(0);
    set_status(S_ACK | S_NR);
    ck_assert_uint_eq(status(), S_ACK);
    set_status(S_ACK | VIRTIO_CONFIG_S_FAILED);
    ck_assert_uint_eq(status(), S_ACK | VIRTIO_CONFIG_S_FAILED);
    /* several steps in one write, in order, are fine */
    set_status(0);
    set_status(S_ACK | S_DRV);
    ck_assert_uint_eq(status(), S_ACK | S_DRV);
    /* the common configuration wants each field's own width */
    unsigned ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_STATUS, 2, 0);
    ck_assert_uint_eq(status(), S_ACK | S_DRV);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_NUMQ, 1), 0);
    ck_assert_uint_eq(pl.guest_errors, ge + 2);
}
END_TEST

START_TEST(queue_setup_rules)
{
    unsigned ge;
    /* before FEATURES_OK: refused */
    set_status(S_ACK | S_DRV);
    ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 4, DESC);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    ck_assert_uint_eq(pl.guest_errors, ge + 3);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_SIZE);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_DESC, 4), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    negotiate(F_V1);
    /* sizes: a power of two no larger than the maximum */
    ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 12);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 128);
    ck_assert_uint_eq(pl.guest_errors, ge + 3);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_SIZE);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
    /* misaligned rings cannot be enabled; 0 is not a value for queue_enable */
    wr(VIRTIO_PCI_COMMON_Q_DESC, 8, DESC + 8);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), DESC + 8);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 0);
    ck_assert_uint_eq(pl.guest_errors, ge + 5);
    /* a queue the device does not have */
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 3);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 0);
    ck_assert_uint_eq(pl.guest_errors, ge + 7);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    /* an enabled queue is frozen */
    setup_queue(QSIZE, DESC, AVAIL, USED);
    ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 4);
    wr(VIRTIO_PCI_COMMON_Q_USED, 4, 0x5000);
    ck_assert_uint_eq(pl.guest_errors, ge + 2);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
    /* after DRIVER_OK: every setup register refused */
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ck_assert_uint_eq(status(), S_ACK | S_DRV | S_FOK | S_DOK);
    ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 4);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 4, 0x5000);
    wr(VIRTIO_PCI_COMMON_Q_DESC + 4, 4, 1);
    wr(VIRTIO_PCI_COMMON_Q_AVAIL, 8, 0x5000);
    wr(VIRTIO_PCI_COMMON_Q_USED, 4, 0x5000);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    ck_assert_uint_eq(pl.guest_errors, ge + 6);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), DESC);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_AVAIL, 8), AVAIL);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_USED, 4), USED);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_USED + 4, 4), 0);
    /* the queue still works */
    set_desc(0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 1);
    /* a queue left disabled cannot be set up after DRIVER_OK either */
    negotiate(F_V1);
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    ge = pl.guest_errors;
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, 4);
    wr(VIRTIO_PCI_COMMON_Q_DESC, 8, DESC);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    ck_assert_uint_eq(pl.guest_errors, ge + 3);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_SIZE);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    kick(); /* notifying a disabled queue: a guest error, nothing scheduled */
    ck_assert_uint_eq(virtio_rng_next_event(&rng), VIRTIO_NO_EVENT);
    ck_assert_uint_eq(pl.guest_errors, ge + 4);
}
END_TEST

/* ---- requests ---- */

START_TEST(rng_request_seeded_bytes)
{
    driver_up(F_V1 | F_AP);
    set_desc(0, BUF, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
    set_desc(5, BUF + 0x200, 37, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    memcpy(snap, pl.ram, RAM_SIZE);
    kick();
    ck_assert_uint_eq(virtio_rng_next_event(&rng), LAT);
    virtio_rng_advance(&rng, LAT - 1);
    ck_assert_uint_eq(get16(USED + 2), 0); /* nothing before its time */
    virtio_rng_advance(&rng, LAT);
    ck_assert_uint_eq(get16(USED + 2), 1);
    ck_assert_uint_eq(get32(USED + 4), 0);   /* id: the head */
    ck_assert_uint_eq(get32(USED + 8), 137); /* len: every byte written */
    uint8_t got[137];
    memcpy(got, &pl.ram[BUF], 100);
    memcpy(got + 100, &pl.ram[BUF + 0x200], 37);
    expect_stream(SEED, 0, got, sizeof(got));
    /* nothing else changed: the two buffers and the used ring's first entry and index */
    for (unsigned i = 0; i < RAM_SIZE; i++) {
        bool allowed = (i >= BUF && i < BUF + 100) || (i >= BUF + 0x200 && i < BUF + 0x200 + 37) ||
                       (i >= USED + 2 && i < USED + 4 + 8);
        if (!allowed)
            ck_assert_msg(pl.ram[i] == snap[i], "byte %#x changed", i);
    }
    /* INTx mode: ISR bit 0, INTx asserted; reading the ISR clears both */
    ck_assert(pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), 0);
    /* the next request continues the stream; the queue goes idle after one empty look */
    set_desc(1, BUF + 0x400, 64, VIRTQ_DESC_F_WRITE, 0);
    avail_push(1);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 2);
    ck_assert_uint_eq(get32(USED + 12), 1);
    ck_assert_uint_eq(get32(USED + 16), 64);
    expect_stream(SEED, 137, &pl.ram[BUF + 0x400], 64);
    ck_assert_uint_eq(rng.vp.requests, 2);
    ck_assert_uint_eq(pl.guest_errors, 0);
    ck_assert_uint_eq(pl.nmsi, 0);
}
END_TEST

/* The first n bytes a fresh device with this seed hands to a driver. */
static void bytes_for_seed(uint64_t seed, uint8_t *out, size_t n)
{
    teardown();
    setup();
    ck_assert_int_eq(virtio_rng_init(&rng, seed), 0);
    memset(&host, 0, sizeof(host));
    ck_assert_int_eq(pci_host_init(&host, &hwt_host_ops, &pl, ECAM_BASE, 1, 0x8086, 0x29c0), 0);
    ck_assert_int_eq(pci_host_attach(&host, dev(), DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, 4, (uint32_t)BAR1_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR, 4, (uint32_t)BAR4_BASE);
    cfg_wr(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_BAR + 4, 4, (uint32_t)(BAR4_BASE >> 32));
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    driver_up(F_V1);
    set_desc(0, BUF, (uint32_t)n, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get32(USED + 8), n);
    memcpy(out, &pl.ram[BUF], n);
}

START_TEST(rng_same_seed_same_bytes)
{
    uint8_t a[256], b[256], c[256];
    bytes_for_seed(42, a, sizeof(a));
    bytes_for_seed(42, b, sizeof(b));
    bytes_for_seed(43, c, sizeof(c));
    ck_assert_mem_eq(a, b, sizeof(a));
    ck_assert(memcmp(a, c, sizeof(a)) != 0);
    expect_stream(42, 0, a, sizeof(a));
    expect_stream(43, 0, c, sizeof(c));
}
END_TEST

START_TEST(indirect_descriptors)
{
    driver_up(F_V1 | F_IND);
    /* an indirect table of three writable buffers at 0x5000 */
    set_desc_at(0x5000, 0, BUF, 10, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
    set_desc_at(0x5000, 2, BUF + 0x100, 20, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    set_desc_at(0x5000, 1, BUF + 0x200, 30, VIRTQ_DESC_F_WRITE, 0);
    set_desc(3, 0x5000, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_push(3);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 1);
    ck_assert_uint_eq(get32(USED + 4), 3);
    ck_assert_uint_eq(get32(USED + 8), 60);
    uint8_t got[60];
    memcpy(got, &pl.ram[BUF], 10);
    memcpy(got + 10, &pl.ram[BUF + 0x100], 20);
    memcpy(got + 30, &pl.ram[BUF + 0x200], 30);
    expect_stream(SEED, 0, got, sizeof(got));
    /* an indirect table need not be aligned (the spec asks no alignment of it) */
    set_desc_at(0x5108, 0, BUF + 0x300, 5, VIRTQ_DESC_F_WRITE, 0);
    set_desc(4, 0x5108, 16, VIRTQ_DESC_F_INDIRECT, 0);
    avail_push(4);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 2);
    ck_assert_uint_eq(get32(USED + 12), 4);
    ck_assert_uint_eq(get32(USED + 16), 5);
    expect_stream(SEED, 60, &pl.ram[BUF + 0x300], 5);
    ck_assert_uint_eq(pl.guest_errors, 0);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(msix_delivery_and_masking)
{
    msix_enable();
    driver_up(F_V1);
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0); /* reset by driver_up's status 0 */
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
    /* a vector the device does not have reads back NO_VECTOR */
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 2);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    set_desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(pl.nmsi, 1);
    ck_assert_uint_eq(pl.msi_addr[0], 0xfee01000u);
    ck_assert_uint_eq(pl.msi_data[0], 0x41);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(rng.vp.isr, 0); /* no ISR queue bit with MSI-X */
    /* masked: pending in the PBA, delivered on unmask */
    msix_entry(1, 0xfee01000u, 0x41, true);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 2);
    ck_assert_uint_eq(pl.nmsi, 1);
    ck_assert(pci_msix_pending(dev(), 1));
    uint64_t pba;
    ck_assert_int_eq(pci_host_mmio_read(&host, BAR1_BASE + VIRTIO_PCI_MSIX_PBA_OFF, 8, &pba), 0);
    ck_assert_uint_eq(pba, 2);
    msix_entry(1, 0xfee01000u, 0x41, false);
    ck_assert_uint_eq(pl.nmsi, 2);
    ck_assert(!pci_msix_pending(dev(), 1));
    /* function mask: pending too */
    cfg_wr(dev()->msix.cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(pl.nmsi, 2);
    cfg_wr(dev()->msix.cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    ck_assert_uint_eq(pl.nmsi, 3);
    /* NO_VECTOR: no interrupt at all */
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, VIRTIO_MSI_NO_VECTOR);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 4);
    ck_assert_uint_eq(pl.nmsi, 3);
    ck_assert(!pl.intx);
    /* the driver's NO_INTERRUPT flag suppresses the interrupt */
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 5);
    ck_assert_uint_eq(pl.nmsi, 3);
    ck_assert_uint_eq(pl.guest_errors, 0);
}
END_TEST

START_TEST(reset_clears_everything)
{
    msix_enable();
    driver_up(F_V1 | F_IND);
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
    set_desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    avail_push(0);
    kick();
    virtio_rng_advance(&rng, LAT); /* one served, one still scheduled */
    ck_assert_uint_ne(virtio_rng_next_event(&rng), VIRTIO_NO_EVENT);
    set_status(0);
    ck_assert_uint_eq(status(), 0);
    ck_assert_uint_eq(virtio_rng_next_event(&rng), VIRTIO_NO_EVENT);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_DFSELECT, 4), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_GFSELECT, 4), 0);
    ck_assert_uint_eq(rng.vp.driver_features, 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SELECT, 2), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), VIRTIO_RNG_QUEUE_SIZE);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_AVAIL, 8), 0);
    ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_Q_USED, 8), 0);
    ck_assert_uint_eq(rng.vp.vq[0].last_avail, 0);
    ck_assert_uint_eq(rng.vp.vq[0].used_idx, 0);
    ck_assert(!rng.vp.vq[0].indirect);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), 0);
    /* INTx mode: a pending interrupt is lowered by reset */
    cfg_wr(dev()->msix.cap + PCI_MSIX_FLAGS, 2, 0);
    memset(pl.ram + DESC, 0, 0x3000);
    driver_up(F_V1);
    set_desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    kick();
    run();
    ck_assert(pl.intx);
    set_status(0);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(rng.vp.isr, 0);
    /* a kick after reset does nothing */
    unsigned ge = pl.guest_errors;
    kick();
    ck_assert_uint_eq(virtio_rng_next_event(&rng), VIRTIO_NO_EVENT);
    ck_assert_uint_eq(pl.guest_errors, ge + 1);
}
END_TEST

/* ---- protocol violations ---- */

enum vcase {
    V_HEAD_RANGE,
    V_NEXT_RANGE,
    V_LOOP,
    V_READABLE_FOR_RNG,
    V_READ_AFTER_WRITE,
    V_TOO_LONG,
    V_AVAIL_JUMP,
    V_WRAP,
    V_DESC_FAULT,
    V_AVAIL_FAULT,
    V_USED_FAULT,
    V_BUFFER_READONLY,
    V_BUFFER_UNMAPPED,
    V_INDIRECT_NOT_NEGOTIATED,
    V_INDIRECT_LOOP,
    V_INDIRECT_NESTED,
    V_INDIRECT_BAD_LEN,
    V_INDIRECT_WITH_NEXT,
    V_NO_WRITABLE,
    V_COUNT
};

/* What the device must name as the violation (a substring of its guest-error string). */
static const char *const vreason[V_COUNT] = {
    [V_HEAD_RANGE] = "index beyond the queue size",
    [V_NEXT_RANGE] = "index beyond the queue size",
    [V_LOOP] = "loops or is longer than the queue",
    [V_READABLE_FOR_RNG] = "virtio-rng: device-readable buffer",
    [V_READ_AFTER_WRITE] = "device-readable descriptor after a device-writable one",
    [V_TOO_LONG] = "beyond what the device accepts",
    [V_AVAIL_JUMP] = "moved by more than the queue size",
    [V_WRAP] = "wraps around",
    [V_DESC_FAULT] = "descriptor table not readable",
    [V_AVAIL_FAULT] = "available ring not readable",
    [V_USED_FAULT] = "used ring not writable",
    [V_BUFFER_READONLY] = "virtio-rng: buffer not writable",
    [V_BUFFER_UNMAPPED] = "virtio-rng: buffer not writable",
    [V_INDIRECT_NOT_NEGOTIATED] = "without VIRTIO_F_INDIRECT_DESC",
    [V_INDIRECT_LOOP] = "loops or is longer than the queue",
    [V_INDIRECT_NESTED] = "inside an indirect table",
    [V_INDIRECT_BAD_LEN] = "bad indirect table length",
    [V_INDIRECT_WITH_NEXT] = "indirect descriptor with NEXT set",
    [V_NO_WRITABLE] = "virtio-rng: request without a device-writable buffer",
};

static void make_violation(enum vcase c)
{
    uint16_t W = VIRTQ_DESC_F_WRITE, N = VIRTQ_DESC_F_NEXT, I = VIRTQ_DESC_F_INDIRECT;
    uint64_t f = F_V1;
    if (c >= V_INDIRECT_LOOP && c <= V_INDIRECT_WITH_NEXT)
        f |= F_IND;
    negotiate(f);
    switch (c) {
    case V_DESC_FAULT:
        setup_queue(QSIZE, UNMAPPED, AVAIL, USED);
        break;
    case V_AVAIL_FAULT:
        setup_queue(QSIZE, DESC, UNMAPPED, USED);
        break;
    case V_USED_FAULT:
        setup_queue(QSIZE, DESC, AVAIL, RO_PAGE);
        break;
    default:
        setup_queue(QSIZE, DESC, AVAIL, USED);
        break;
    }
    set_status(S_ACK | S_DRV | S_FOK | S_DOK);
    set_desc(0, BUF, 64, W, 0);
    uint16_t head = 0;
    switch (c) {
    case V_HEAD_RANGE:
        head = QSIZE;
        break;
    case V_NEXT_RANGE:
        set_desc(0, BUF, 64, W | N, QSIZE + 3);
        break;
    case V_LOOP:
        set_desc(0, BUF, 64, W | N, 1);
        set_desc(1, BUF + 64, 64, W | N, 2);
        set_desc(2, BUF + 128, 64, W | N, 0);
        break;
    case V_READABLE_FOR_RNG:
        set_desc(0, BUF, 64, 0, 0);
        break;
    case V_READ_AFTER_WRITE:
        set_desc(0, BUF, 64, W | N, 1);
        set_desc(1, BUF + 64, 64, 0, 0);
        break;
    case V_TOO_LONG:
        set_desc(0, BUF, 0x8000, W | N, 1);
        set_desc(1, BUF, 0x8001, W, 0);
        break;
    case V_AVAIL_JUMP:
        put16(AVAIL + 2, QSIZE + 1);
        break;
    case V_WRAP:
        set_desc(0, UINT64_MAX - 10, 64, W, 0);
        break;
    case V_USED_FAULT:
        break;
    case V_BUFFER_READONLY:
        set_desc(0, BUF, 64, W | N, 1);
        set_desc(1, RO_PAGE + 0x10, 64, W, 0);
        break;
    case V_BUFFER_UNMAPPED:
        set_desc(0, UNMAPPED + 0x100, 64, W, 0);
        break;
    case V_INDIRECT_NOT_NEGOTIATED:
        set_desc_at(0x5000, 0, BUF, 64, W, 0);
        set_desc(0, 0x5000, 16, I, 0);
        break;
    case V_INDIRECT_LOOP:
        set_desc_at(0x5000, 0, BUF, 64, W | N, 1);
        set_desc_at(0x5000, 1, BUF, 64, W | N, 0);
        set_desc(0, 0x5000, 32, I, 0);
        break;
    case V_INDIRECT_NESTED:
        set_desc_at(0x5000, 0, 0x5100, 16, I, 0);
        set_desc_at(0x5100, 0, BUF, 64, W, 0);
        set_desc(0, 0x5000, 16, I, 0);
        break;
    case V_INDIRECT_BAD_LEN:
        set_desc_at(0x5000, 0, BUF, 64, W, 0);
        set_desc(0, 0x5000, 24, I, 0);
        break;
    case V_INDIRECT_WITH_NEXT:
        set_desc_at(0x5000, 0, BUF, 64, W, 0);
        set_desc(0, 0x5000, 16, I | N, 1);
        break;
    case V_NO_WRITABLE:
        set_desc(0, BUF, 0, W, 0);
        break;
    default:
        break;
    }
    if (c != V_AVAIL_JUMP)
        avail_push(head);
}

START_TEST(violation_needs_reset_and_no_write)
{
    enum vcase c = (enum vcase)_i;
    msix_enable();
    make_violation(c);
    wr(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    memcpy(snap, pl.ram, RAM_SIZE);
    unsigned ge = pl.guest_errors, nmsi = pl.nmsi;
    kick();
    run();
    ck_assert_msg(status() & S_NR, "case %d: no NEEDS_RESET", c);
    ck_assert_uint_gt(pl.guest_errors, ge);
    ck_assert_uint_eq(rng.vp.violations, 1);
    ck_assert_ptr_nonnull(rng.vp.last_violation);
    ck_assert_msg(strstr(rng.vp.last_violation, vreason[c]), "case %d: \"%s\"", c,
                  rng.vp.last_violation);
    /* a configuration interrupt on the config vector, and the ISR's config bit */
    ck_assert_uint_eq(pl.nmsi, nmsi + 1);
    ck_assert_uint_eq(pl.msi_addr[nmsi], 0xfee00000u);
    ck_assert_uint_eq(pl.msi_data[nmsi], 0x40);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
    /* no byte of memory changed but the chain's first writable buffer when the fault came
     * after it was filled (a read-only used ring, a read-only second buffer) */
    for (unsigned i = 0; i < RAM_SIZE; i++) {
        bool filled = (c == V_USED_FAULT || c == V_BUFFER_READONLY) && i >= BUF && i < BUF + 64;
        ck_assert_msg(filled || pl.ram[i] == snap[i], "case %d: byte %#x changed", c, i);
    }
    /* stopped until reset: another kick does nothing */
    kick();
    ck_assert_uint_eq(virtio_rng_next_event(&rng), VIRTIO_NO_EVENT);
    ck_assert_int_eq(virtio_rng_check(&rng), 0);
    /* the driver's read-modify-write of status keeps NEEDS_RESET, cannot clear it */
    set_status(status() | VIRTIO_CONFIG_S_FAILED);
    ck_assert_uint_eq(status() & S_NR, S_NR);
    /* reset recovers: a good request works */
    memset(pl.ram + DESC, 0, 0x3000);
    memset(pl.ram + 0x5000, 0, 0x200);
    driver_up(F_V1);
    ck_assert_uint_eq(status() & S_NR, 0);
    set_desc(0, BUF, 32, VIRTQ_DESC_F_WRITE, 0);
    avail_push(0);
    kick();
    run();
    ck_assert_uint_eq(get16(USED + 2), 1);
    ck_assert_uint_eq(get32(USED + 8), 32);
}
END_TEST

START_TEST(violation_intx_mode)
{
    make_violation(V_LOOP);
    kick();
    run();
    ck_assert_uint_eq(status() & S_NR, S_NR);
    ck_assert(pl.intx);
    ck_assert_uint_eq(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
    ck_assert(!pl.intx);
}
END_TEST

/* ---- random descriptors ---- */

/* Random ring contents, queue setups and register writes: the invariants hold after every
 * step, the read-only and unmapped memory never changes, and the device never writes outside
 * the RW window (the IOMMU would refuse, and the model must cope with that). */
START_TEST(random_descriptor_fuzz)
{
    struct vl_prng p;
    uint8_t ro_snap[RAM_SIZE - RO_PAGE];
    vl_prng_seed(&p, 0xf00d + (uint64_t)_i);
    memcpy(ro_snap, pl.ram + RO_PAGE, sizeof(ro_snap));
    msix_enable();
    uint64_t now = 0;
    unsigned served = 0, broken = 0;
    uint64_t violations = 0;
    for (int it = 0; it < 4000; it++) {
        if (vl_prng_below(&p, 8) == 0 || (status() & S_NR)) {
            if (status() & S_NR)
                broken++;
            uint16_t qs = (uint16_t)(1u << vl_prng_below(&p, 7));
            memset(pl.ram + DESC, 0, 0x3000); /* a driver starts from fresh rings */
            negotiate(F_V1 | (vl_prng_below(&p, 2) ? F_IND : 0));
            setup_queue(qs, DESC, AVAIL, USED);
            set_status(S_ACK | S_DRV | S_FOK | S_DOK);
            wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, vl_prng_below(&p, 3));
        }
        /* scribble on the descriptor table, the avail ring or an indirect table */
        unsigned n = 1 + (unsigned)vl_prng_below(&p, 16);
        for (unsigned k = 0; k < n; k++) {
            unsigned what = (unsigned)vl_prng_below(&p, 10);
            if (what < 6) {
                unsigned i = (unsigned)vl_prng_below(&p, 72);
                uint64_t addr = vl_prng_below(&p, 4) ? BUF + vl_prng_below(&p, 0x4000)
                                                     : vl_prng_next(&p) & 0xffff;
                uint32_t len = vl_prng_below(&p, 8) ? (uint32_t)vl_prng_below(&p, 0x400)
                                                    : (uint32_t)vl_prng_next(&p);
                uint16_t fl = (uint16_t)vl_prng_below(&p, 8);
                uint16_t nx = (uint16_t)vl_prng_below(&p, vl_prng_below(&p, 4) ? 8 : 0x10000);
                uint32_t table = what == 5 ? 0x5000 : DESC;
                if (what == 4)
                    addr = 0x5000 + 16 * vl_prng_below(&p, 8);
                set_desc_at(table, i % 64, addr, len, fl, nx);
            } else if (what < 9) {
                put16(AVAIL + 4 + 2 * (unsigned)vl_prng_below(&p, 64),
                      (uint16_t)vl_prng_below(&p, vl_prng_below(&p, 4) ? 8 : 0x10000));
            } else {
                uint16_t idx = get16(AVAIL + 2);
                put16(AVAIL + 2, (uint16_t)(idx + (vl_prng_below(&p, 8) ? vl_prng_below(&p, 4)
                                                                        : vl_prng_next(&p))));
            }
        }
        if (vl_prng_below(&p, 32) == 0)
            wr(VIRTIO_PCI_COMMON_OFF + 2 * (uint32_t)vl_prng_below(&p, 0x1c), 2,
               vl_prng_next(&p) & 0xffff);
        if (vl_prng_below(&p, 32) == 0)
            put16(AVAIL, (uint16_t)vl_prng_below(&p, 2));
        kick();
        now += vl_prng_below(&p, 3 * LAT);
        virtio_rng_advance(&rng, now);
        ck_assert_int_eq(virtio_rng_check(&rng), 0);
        served = (unsigned)rng.vp.requests;
        if (getenv("VIRTIO_FUZZ_VERBOSE") && rng.vp.violations != violations)
            fprintf(stderr, "%d %s\n", it, rng.vp.last_violation);
        violations = rng.vp.violations;
    }
    ck_assert_mem_eq(pl.ram + RO_PAGE, ro_snap, sizeof(ro_snap));
    /* the loop exercised both paths */
    ck_assert_uint_gt(served, 10);
    ck_assert_uint_gt(broken, 10);
}
END_TEST

static Suite *virtio_suite(void)
{
    Suite *s = suite_create("virtio");
    TCase *tc = tcase_create("transport");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identity);
    tcase_add_test(tc, capability_walk_finds_all_virtio_caps);
    tcase_add_test(tc, pci_cfg_window_reaches_bar4);
    tcase_add_test(tc, feature_negotiation);
    tcase_add_test(tc, status_machine_refusals);
    tcase_add_test(tc, queue_setup_rules);
    tcase_add_test(tc, reset_clears_everything);
    suite_add_tcase(s, tc);
    tc = tcase_create("requests");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rng_request_seeded_bytes);
    tcase_add_test(tc, rng_same_seed_same_bytes);
    tcase_add_test(tc, indirect_descriptors);
    tcase_add_test(tc, msix_delivery_and_masking);
    suite_add_tcase(s, tc);
    tc = tcase_create("violations");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, violation_needs_reset_and_no_write, 0, V_COUNT);
    tcase_add_test(tc, violation_intx_mode);
    tcase_add_loop_test(tc, random_descriptor_fuzz, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
