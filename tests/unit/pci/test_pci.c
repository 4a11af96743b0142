/*
 * Unit tests for hw-models/pci: the BAR sizing protocol for every BAR kind, the capability
 * walk (and malformed lists, which the walker refuses and a device never builds), MSI and
 * MSI-X masking with pending bits, INTx and the interrupt-disable bit, ECAM addressing, bus
 * routing before and after the driver enables decoding, configuration-space write masks, bad
 * accesses (never a crash, always counted), DMA through the host hook, reset, and random
 * configuration/BAR writes checked against the invariants after every step.
 * Everything lives in the fixture's static storage: the library allocates nothing.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pci.h"
#include "veridian/errors.h"

/* ---- a test model: registers in BAR0, a 64-bit BAR, an I/O BAR, MSI-X in BAR4 ---- */

struct tdev {
    uint32_t regs[1024];
    uint64_t last_off;
    int last_bar;
    unsigned reads, writes, resets;
};

static uint64_t tdev_read(struct pci_device *dev, int bar, uint64_t off, unsigned size)
{
    struct tdev *t = dev->opaque;
    t->reads++;
    t->last_bar = bar;
    t->last_off = off;
    if (bar == 0)
        return t->regs[off / 4] >> (8 * (off % 4));
    return 0x1000u * (unsigned)bar + off + size;
}

static void tdev_write(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t val)
{
    struct tdev *t = dev->opaque;
    t->writes++;
    t->last_bar = bar;
    t->last_off = off;
    if (bar == 0 && size == 4)
        t->regs[off / 4] = (uint32_t)val;
}

static void tdev_reset(struct pci_device *dev)
{
    struct tdev *t = dev->opaque;
    t->resets++;
    memset(t->regs, 0, sizeof(t->regs));
}

static int tdev_realize(struct pci_device *dev)
{
    int rc;
    pci_set_ids(dev, 0x1234, 0x11e8, 0x00ff00, 0x10);
    pci_set_subsystem(dev, 0x1af4, 0x1100);
    if ((rc = pci_set_intx_pin(dev, 1)) < 0 ||
        (rc = pci_register_bar(dev, 0, PCI_BAR_MEM32, 4096, false)) < 0 ||
        (rc = pci_register_bar(dev, 1, PCI_BAR_MEM64, 1u << 20, true)) < 0 ||
        (rc = pci_register_bar(dev, 3, PCI_BAR_IO, 32, false)) < 0 ||
        (rc = pci_register_bar(dev, 4, PCI_BAR_MEM32, 4096, false)) < 0)
        return rc;
    if ((rc = pci_msi_init(dev, 4)) < 0 || (rc = pci_msix_init(dev, 8, 4, 0, 4, 0x800)) < 0 ||
        (rc = pci_pcie_init(dev)) < 0)
        return rc;
    if ((rc = pci_add_ext_capability(dev, 0x000b, 1, 8)) < 0 ||
        (rc = pci_add_ext_capability(dev, 0x0001, 2, 0x48)) < 0)
        return rc;
    return 0;
}

static const struct pci_device_ops tdev_ops = {
    .realize = tdev_realize,
    .reset = tdev_reset,
    .mmio_read = tdev_read,
    .mmio_write = tdev_write,
};

/* one with a 64-bit BAR above 4 GiB in size and a device restricted to 4-byte accesses */
static int big_realize(struct pci_device *dev)
{
    pci_set_ids(dev, 0x1b36, 0x0005, 0x020000, 0);
    return pci_register_bar(dev, 2, PCI_BAR_MEM64, 8ull << 30, true);
}

static const struct pci_device_ops big_ops = {
    .realize = big_realize,
    .mmio_read = tdev_read,
    .mmio_write = tdev_write,
    .min_access = 4,
    .max_access = 4,
};

/* ---- the host side: records messages, INTx levels, errors; DMA into a small RAM ---- */

struct msg {
    uint64_t addr;
    uint32_t data;
};

struct hostlog {
    struct msg msgs[64];
    unsigned nmsgs;
    int intx_pin;
    bool intx;
    unsigned intx_changes;
    unsigned guest_errors;
    uint8_t ram[4096];
};

static int h_dma_read(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    struct hostlog *h = ctx;
    (void)dev;
    if (iova >= sizeof(h->ram) || len > sizeof(h->ram) - iova)
        return -VK_EFAULT;
    memcpy(buf, &h->ram[iova], len);
    return 0;
}

static int h_dma_write(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf,
                       size_t len)
{
    struct hostlog *h = ctx;
    (void)dev;
    if (iova >= sizeof(h->ram) || len > sizeof(h->ram) - iova)
        return -VK_EFAULT;
    memcpy(&h->ram[iova], buf, len);
    return 0;
}

static void h_msi(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t data)
{
    struct hostlog *h = ctx;
    (void)dev;
    if (h->nmsgs < 64)
        h->msgs[h->nmsgs] = (struct msg){addr, data};
    h->nmsgs++;
}

static void h_intx(void *ctx, struct pci_device *dev, int pin, bool level)
{
    struct hostlog *h = ctx;
    (void)dev;
    h->intx_pin = pin;
    h->intx = level;
    h->intx_changes++;
}

static void h_guest_error(void *ctx, struct pci_device *dev, const char *what)
{
    struct hostlog *h = ctx;
    (void)dev;
    (void)what;
    h->guest_errors++;
}

static const struct pci_host_ops host_ops = {
    .dma_read = h_dma_read,
    .dma_write = h_dma_write,
    .msi = h_msi,
    .intx = h_intx,
    .guest_error = h_guest_error,
};

#define ECAM_BASE 0xb0000000ull
#define ECAM_BUSES 4
#define DEVFN PCI_DEVFN(3, 0)

static struct pci_host host;
static struct hostlog hl;
static struct pci_device dev, big;
static struct tdev tstate, bstate;

static void setup(void)
{
    memset(&hl, 0, sizeof(hl));
    memset(&tstate, 0, sizeof(tstate));
    memset(&bstate, 0, sizeof(bstate));
    ck_assert_int_eq(pci_host_init(&host, &host_ops, &hl, ECAM_BASE, ECAM_BUSES, 0x8086, 0x29c0),
                     0);
    ck_assert_int_eq(pci_device_realize(&dev, &tdev_ops, &tstate), 0);
    ck_assert_int_eq(pci_host_attach(&host, &dev, DEVFN), 0);
}

static void teardown(void)
{
    /* nothing is allocated; every device must still satisfy its invariants */
    ck_assert_int_eq(pci_device_check(&dev), 0);
    ck_assert_int_eq(pci_device_check(&host.bridge), 0);
}

static uint32_t cfg_rd(struct pci_device *d, uint32_t off, unsigned size)
{
    uint32_t v;
    ck_assert_int_eq(pci_config_read(d, off, size, &v), 0);
    return v;
}

static void cfg_wr(struct pci_device *d, uint32_t off, unsigned size, uint32_t v)
{
    ck_assert_int_eq(pci_config_write(d, off, size, v), 0);
}

static uint32_t bar_reg(int bar)
{
    return PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
}

/* ---- BAR sizing ---- */

START_TEST(bar_sizing_every_kind)
{
    /* what firmware does: save, write all-ones, read the size mask, restore */
    cfg_wr(&dev, bar_reg(0), 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(0), 4), 0xfffff000u); /* 4 KiB, 32-bit, non-pf */
    cfg_wr(&dev, bar_reg(1), 4, ~0u);
    cfg_wr(&dev, bar_reg(2), 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(1), 4), 0xfff0000cu); /* 1 MiB, 64-bit, prefetch */
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(2), 4), 0xffffffffu);
    cfg_wr(&dev, bar_reg(3), 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(3), 4), 0xffffffe1u); /* 32 ports, I/O */
    cfg_wr(&dev, bar_reg(5), 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(5), 4), 0); /* not implemented */
    cfg_wr(&dev, PCI_ROM_ADDRESS, 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_ROM_ADDRESS, 4), 0); /* no expansion ROM */

    /* the size is the complement of the mask plus one, whatever the flags */
    ck_assert_uint_eq(~(cfg_rd(&dev, bar_reg(0), 4) & ~0xfu) + 1, 4096);
    ck_assert_uint_eq(~(cfg_rd(&dev, bar_reg(3), 4) & ~0x3u) + 1, 32);

    /* programming an address: low bits below the size are not writable */
    cfg_wr(&dev, bar_reg(0), 4, 0xfebf1234u);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(0), 4), 0xfebf1000u);
    ck_assert_uint_eq(dev.bars[0].addr, 0xfebf1000u);
    cfg_wr(&dev, bar_reg(1), 4, 0x12345678u);
    cfg_wr(&dev, bar_reg(2), 4, 0x00000080u);
    ck_assert_uint_eq(dev.bars[1].addr, 0x8012300000ull);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(1), 4), 0x1230000cu);
    cfg_wr(&dev, bar_reg(3), 4, 0xc05fu);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(3), 4), 0xc041u);
    ck_assert_uint_eq(dev.bars[3].addr, 0xc040u);
    /* byte and word writes to a BAR obey the same mask */
    cfg_wr(&dev, bar_reg(0), 1, 0xff);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(0), 4), 0xfebf1000u);
    cfg_wr(&dev, bar_reg(0) + 2, 2, 0xffff);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(0), 4), 0xffff1000u);
}
END_TEST

START_TEST(bar_sizing_64bit_above_4g)
{
    ck_assert_int_eq(pci_device_realize(&big, &big_ops, &bstate), 0);
    cfg_wr(&big, bar_reg(2), 4, ~0u);
    cfg_wr(&big, bar_reg(3), 4, ~0u);
    ck_assert_uint_eq(cfg_rd(&big, bar_reg(2), 4), 0x0000000cu);
    ck_assert_uint_eq(cfg_rd(&big, bar_reg(3), 4), 0xfffffffeu); /* 8 GiB */
    uint64_t mask =
        ((uint64_t)cfg_rd(&big, bar_reg(3), 4) << 32) | (cfg_rd(&big, bar_reg(2), 4) & ~0xfu);
    ck_assert_uint_eq(~mask + 1, 8ull << 30);
    ck_assert_int_eq(pci_device_check(&big), 0);
}
END_TEST

START_TEST(bar_registration_refuses_bad_layouts)
{
    struct pci_device d;
    memset(&d, 0, sizeof(d));
    ck_assert_int_eq(pci_register_bar(&d, 0, PCI_BAR_MEM32, 3000, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 0, PCI_BAR_MEM32, 8, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 0, PCI_BAR_IO, 512, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 0, PCI_BAR_IO, 16, true), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 5, PCI_BAR_MEM64, 4096, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 6, PCI_BAR_MEM32, 4096, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, -1, PCI_BAR_MEM32, 4096, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 2, PCI_BAR_MEM64, 4096, false), 0);
    ck_assert_int_eq(pci_register_bar(&d, 3, PCI_BAR_MEM32, 4096, false), -VK_EBUSY);
    ck_assert_int_eq(pci_register_bar(&d, 1, PCI_BAR_MEM64, 4096, false), -VK_EINVAL);
    ck_assert_int_eq(pci_register_bar(&d, 2, PCI_BAR_MEM32, 4096, false), -VK_EINVAL);
    /* MSI-X placed outside its BAR, in an I/O BAR, or with table and PBA overlapping */
    ck_assert_int_eq(pci_register_bar(&d, 0, PCI_BAR_IO, 16, false), 0);
    d.cap_next = PCI_CAP_FIRST;
    ck_assert_int_eq(pci_msix_init(&d, 8, 2, 4096 - 64, 2, 0), -VK_EINVAL);
    ck_assert_int_eq(pci_msix_init(&d, 8, 0, 0, 2, 0), -VK_EINVAL);
    ck_assert_int_eq(pci_msix_init(&d, 8, 2, 0, 2, 64), -VK_EINVAL);
    ck_assert_int_eq(pci_msix_init(&d, 8, 2, 4, 2, 2048), -VK_EINVAL);
    ck_assert_int_eq(pci_msix_init(&d, 65, 2, 0, 2, 2048), -VK_EINVAL);
    ck_assert_int_eq(d.config[PCI_CAPABILITY_LIST], 0); /* nothing half-added */
    ck_assert_int_eq(pci_msix_init(&d, 8, 2, 0, 2, 2048), PCI_CAP_FIRST);
}
END_TEST

/* ---- capability lists ---- */

START_TEST(cap_walk_lists_every_capability)
{
    struct pci_cap_entry caps[16];
    int n = pci_cap_walk(dev.config, PCI_CONFIG_SPACE_SIZE, caps, 16);
    ck_assert_int_eq(n, 5);
    ck_assert_uint_eq(caps[0].id, PCI_CAP_ID_MSI);
    ck_assert_uint_eq(caps[0].off, 0x40);
    ck_assert_uint_eq(caps[1].id, PCI_CAP_ID_MSIX);
    ck_assert_uint_eq(caps[1].off, 0x58);
    ck_assert_uint_eq(caps[2].id, PCI_CAP_ID_EXP);
    ck_assert_uint_eq(caps[2].off, 0x64);
    ck_assert(caps[3].extended && caps[3].id == 0x000b && caps[3].off == 0x100);
    ck_assert(caps[4].extended && caps[4].id == 0x0001 && caps[4].off == 0x108);
    ck_assert(!caps[2].extended);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
    /* the standard part alone, as a conventional-PCI reader sees it */
    ck_assert_int_eq(pci_cap_walk(dev.config, PCI_STD_CONFIG_SIZE, caps, 16), 3);
    ck_assert_int_eq(pci_find_capability(dev.config, PCI_CONFIG_SPACE_SIZE, PCI_CAP_ID_MSIX), 0x58);
    ck_assert_int_eq(pci_find_capability(dev.config, PCI_CONFIG_SPACE_SIZE, 0x09), 0);
    /* the MSI capability advertises 64-bit and per-vector masking */
    uint32_t f = cfg_rd(&dev, 0x40 + PCI_MSI_FLAGS, 2);
    ck_assert_uint_eq(f & (PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT),
                      PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    ck_assert_uint_eq((f & PCI_MSI_FLAGS_QMASK) >> 1, 2); /* 4 vectors */
    /* MSI-X: 8 entries, table at BAR4+0, PBA at BAR4+0x800 */
    ck_assert_uint_eq(cfg_rd(&dev, 0x58 + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 7);
    ck_assert_uint_eq(cfg_rd(&dev, 0x58 + PCI_MSIX_TABLE, 4), 4);
    ck_assert_uint_eq(cfg_rd(&dev, 0x58 + PCI_MSIX_PBA, 4), 0x804);
    /* a device without capabilities */
    ck_assert_int_eq(pci_cap_walk(host.bridge.config, PCI_CONFIG_SPACE_SIZE, caps, 16), 0);
}
END_TEST

START_TEST(cap_walk_refuses_malformed_lists)
{
    static uint8_t cfg[PCI_CONFIG_SPACE_SIZE];
    struct pci_cap_entry caps[4];
#define FRESH()                                                                                    \
    do {                                                                                           \
        memset(cfg, 0, sizeof(cfg));                                                               \
        cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;                                                     \
        cfg[PCI_CAPABILITY_LIST] = 0x40;                                                           \
        cfg[0x40] = 0x09;                                                                          \
    } while (0)
    FRESH();
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), 1);
    FRESH();
    cfg[0x41] = 0x40; /* points at itself */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[0x41] = 0x50;
    cfg[0x50] = 0x09;
    cfg[0x51] = 0x40; /* a two-element loop */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[PCI_CAPABILITY_LIST] = 0x20; /* inside the header */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[0x41] = 0x45; /* unaligned */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[0x41] = 0xfe; /* next byte would be outside the header */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[0x41] = 0xf8;
    cfg[0xf8] = PCI_CAP_ID_MSIX; /* 12 bytes from 0xf8 run past 0x100 */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    FRESH();
    cfg[0x40] = PCI_CAP_ID_MSI;
    cfg[0x42] = PCI_MSI_FLAGS_64BIT & 0xff; /* 64-bit MSI fits at 0x40 */
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), 1);
    /* a long but finite list: all of it counted, only max entries filled */
    FRESH();
    for (unsigned p = 0x40; p < 0xfc; p += 4) {
        cfg[p] = 0x09;
        cfg[p + 1] = (uint8_t)(p + 4);
    }
    cfg[0xfc] = 0x09;
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), 48);
    /* the extended list: loop, pointer into the standard header, unaligned */
    FRESH();
    cfg[0x41] = 0;
    uint32_t loop = 0x0001u | (0x100u << 20);
    memcpy(&cfg[0x100], &loop, 4);
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    ck_assert_int_eq(pci_cap_walk(cfg, PCI_STD_CONFIG_SIZE, caps, 4), 1); /* not looked at */
    uint32_t low = 0x0001u | (0x40u << 20);
    memcpy(&cfg[0x100], &low, 4);
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    uint32_t odd = 0x0001u | (0x202u << 20);
    memcpy(&cfg[0x100], &odd, 4);
    ck_assert_int_eq(pci_cap_walk(cfg, sizeof(cfg), caps, 4), -VK_EINVAL);
    ck_assert_int_eq(pci_cap_walk(cfg, 100, caps, 4), -VK_EINVAL);
    ck_assert_int_eq(pci_find_capability(cfg, sizeof(cfg), 0x09), -VK_EINVAL);
#undef FRESH
}
END_TEST

START_TEST(device_never_builds_a_malformed_list)
{
    /* fill the standard space with capabilities until it refuses; the list stays well formed */
    struct pci_device d;
    memset(&d, 0, sizeof(d));
    d.cap_next = PCI_CAP_FIRST;
    d.ext_cap_next = PCI_EXT_CAP_FIRST;
    int n = 0, rc;
    while ((rc = pci_add_capability(&d, 0x09, 10)) > 0)
        n++;
    ck_assert_int_eq(rc, -VK_ENOSPC);
    ck_assert_int_eq(n, (256 - 0x40) / 12);
    ck_assert_int_eq(pci_cap_walk(d.config, PCI_CONFIG_SPACE_SIZE, NULL, 0), n);
    ck_assert_int_eq(pci_msi_init(&d, 1), -VK_ENOSPC);
    ck_assert_int_eq(pci_add_capability(&d, 0x09, 1), -VK_ENOSPC);
    int m = 0;
    while ((rc = pci_add_ext_capability(&d, 0x000b, 1, 64)) > 0)
        m++;
    ck_assert_int_eq(rc, -VK_ENOSPC);
    ck_assert_int_eq(m, (4096 - 0x100) / 64);
    ck_assert_int_eq(pci_cap_walk(d.config, PCI_CONFIG_SPACE_SIZE, NULL, 0), n + m);
    ck_assert_int_eq(pci_add_ext_capability(&d, 0x000b, 16, 8), -VK_ENOSPC);
    /* MSI vector counts must be powers of two up to 32 */
    struct pci_device e;
    memset(&e, 0, sizeof(e));
    e.cap_next = PCI_CAP_FIRST;
    ck_assert_int_eq(pci_msi_init(&e, 3), -VK_EINVAL);
    ck_assert_int_eq(pci_msi_init(&e, 64), -VK_EINVAL);
    ck_assert_int_eq(pci_msi_init(&e, 32), PCI_CAP_FIRST);
    ck_assert_int_eq(pci_msi_init(&e, 1), -VK_EINVAL); /* only one MSI capability */
}
END_TEST

/* ---- MSI-X ---- */

static void enable_bar4(void)
{
    cfg_wr(&dev, bar_reg(4), 4, 0xfe000000u);
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void msix_entry(unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    uint64_t e = 0xfe000000ull + v * 16;
    ck_assert_int_eq(pci_host_mmio_write(&host, e, 8, addr), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 8, 4, data), 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, e + 12, 4, masked), 0);
}

static uint64_t pba(void)
{
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfe000800ull, 8, &v), 0);
    return v;
}

START_TEST(msix_masking_and_pending)
{
    enable_bar4();
    /* every vector starts masked; notify before enabling is refused */
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfe000000ull + 3 * 16 + 12, 4, &v), 0);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(pci_msix_notify(&dev, 0), -VK_EINVAL);
    /* enable with the function masked, as Linux does */
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    ck_assert(pci_msix_enabled(&dev));
    ck_assert_uint_eq(cfg_rd(&dev, 0x58 + PCI_MSIX_FLAGS, 2),
                      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 7);
    msix_entry(2, 0xfee00000ull, 0x4042, false);
    msix_entry(5, 0x1fee01000ull, 0x4045, true);
    /* function masked: the vector goes pending */
    ck_assert_int_eq(pci_msix_notify(&dev, 2), 0);
    ck_assert_uint_eq(hl.nmsgs, 0);
    ck_assert_uint_eq(pba(), 1u << 2);
    ck_assert(pci_msix_pending(&dev, 2));
    /* function unmasked: the pending vector is delivered, its bit cleared */
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    ck_assert_uint_eq(hl.nmsgs, 1);
    ck_assert_uint_eq(hl.msgs[0].addr, 0xfee00000ull);
    ck_assert_uint_eq(hl.msgs[0].data, 0x4042);
    ck_assert_uint_eq(pba(), 0);
    /* vector 5 masked in its entry: pending until the entry is unmasked */
    ck_assert_int_eq(pci_msix_notify(&dev, 5), 0);
    ck_assert_int_eq(pci_msix_notify(&dev, 5), 0); /* still one pending bit */
    ck_assert_uint_eq(pba(), 1u << 5);
    ck_assert_uint_eq(hl.nmsgs, 1);
    /* the PBA is read-only to the driver */
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000800ull, 8, 0), 0);
    ck_assert_uint_eq(pba(), 1u << 5);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000000ull + 5 * 16 + 12, 4, 0), 0);
    ck_assert_uint_eq(hl.nmsgs, 2);
    ck_assert_uint_eq(hl.msgs[1].addr, 0x1fee01000ull);
    ck_assert_uint_eq(hl.msgs[1].data, 0x4045);
    ck_assert_uint_eq(pba(), 0);
    /* unmasked vector: delivered at once */
    ck_assert_int_eq(pci_msix_notify(&dev, 2), 0);
    ck_assert_uint_eq(hl.nmsgs, 3);
    /* out-of-range vector from the model; reserved bits and address bits 1:0 read as zero */
    ck_assert_int_eq(pci_msix_notify(&dev, 8), -VK_EINVAL);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000000ull + 12, 4, 0xfffffffeu), 0);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfe000000ull + 12, 4, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000000ull, 4, 0xfee00003u), 0);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfe000000ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xfee00000u);
    /* table accesses must be 4 or 8 bytes */
    unsigned before = hl.guest_errors;
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000000ull, 2, 0), -VK_EINVAL);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfe000000ull, 1, &v), -VK_EINVAL);
    ck_assert_uint_eq(v, 0xff);
    ck_assert_uint_eq(hl.guest_errors, before + 2);
    /* the model never saw a table or PBA access */
    ck_assert_uint_eq(tstate.reads + tstate.writes, 0);
}
END_TEST

START_TEST(msix_needs_bus_master)
{
    cfg_wr(&dev, bar_reg(4), 4, 0xfe000000u);
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    msix_entry(0, 0xfee00000ull, 1, false);
    ck_assert_int_eq(pci_msix_notify(&dev, 0), -VK_EPERM);
    ck_assert_uint_eq(hl.nmsgs, 0);
    ck_assert_uint_eq(dev.guest_errors, 1);
}
END_TEST

/* ---- MSI ---- */

START_TEST(msi_per_vector_mask_and_pending)
{
    const unsigned c = 0x40;
    ck_assert_int_eq(pci_msi_notify(&dev, 0), -VK_EINVAL); /* not enabled */
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
    cfg_wr(&dev, c + PCI_MSI_ADDRESS_LO, 4, 0xfee00003u);
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_ADDRESS_LO, 4), 0xfee00000u);
    cfg_wr(&dev, c + PCI_MSI_ADDRESS_HI, 4, 0x1);
    cfg_wr(&dev, c + PCI_MSI_DATA_64, 2, 0x4023);
    /* allocate 4 vectors (MME = 2) and enable */
    cfg_wr(&dev, c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (2 << 4));
    ck_assert(pci_msi_enabled(&dev));
    ck_assert_int_eq(pci_msi_notify(&dev, 2), 0);
    ck_assert_uint_eq(hl.nmsgs, 1);
    ck_assert_uint_eq(hl.msgs[0].addr, 0x1fee00000ull);
    ck_assert_uint_eq(hl.msgs[0].data, 0x4022); /* the low bits carry the vector */
    ck_assert_int_eq(pci_msi_notify(&dev, 4), -VK_EINVAL);
    /* mask vector 1: pending, then delivered when unmasked */
    cfg_wr(&dev, c + PCI_MSI_MASK_64, 4, 0xffffffffu);
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_MASK_64, 4), 0xf); /* only 4 mask bits */
    ck_assert_int_eq(pci_msi_notify(&dev, 1), 0);
    ck_assert_uint_eq(hl.nmsgs, 1);
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_PENDING_64, 4), 0x2);
    cfg_wr(&dev, c + PCI_MSI_PENDING_64, 4, 0); /* read-only */
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_PENDING_64, 4), 0x2);
    cfg_wr(&dev, c + PCI_MSI_MASK_64, 4, 0xd);
    ck_assert_uint_eq(hl.nmsgs, 2);
    ck_assert_uint_eq(hl.msgs[1].data, 0x4021);
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_PENDING_64, 4), 0);
    /* an MME beyond what the device offers is clamped to its MMC */
    cfg_wr(&dev, c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (5 << 4));
    ck_assert_int_eq(pci_msi_notify(&dev, 3), 0); /* allocated, masked: pending */
    ck_assert_uint_eq(cfg_rd(&dev, c + PCI_MSI_PENDING_64, 4), 0x8);
    ck_assert_int_eq(pci_msi_notify(&dev, 4), -VK_EINVAL);
}
END_TEST

/* ---- INTx ---- */

START_TEST(intx_and_interrupt_disable)
{
    ck_assert_uint_eq(cfg_rd(&dev, PCI_INTERRUPT_PIN, 1), 1);
    ck_assert_int_eq(pci_set_irq(&dev, true), 0);
    ck_assert(hl.intx && hl.intx_pin == 1);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
    ck_assert(!hl.intx);
    /* the status bit still shows the device's request */
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    cfg_wr(&dev, PCI_COMMAND, 2, 0);
    ck_assert(hl.intx);
    ck_assert_int_eq(pci_set_irq(&dev, false), 0);
    ck_assert(!hl.intx);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
    ck_assert_uint_eq(hl.intx_changes, 4);
    /* MSI-X enabled: the function no longer uses INTx */
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    ck_assert_int_eq(pci_set_irq(&dev, true), 0);
    ck_assert(!hl.intx);
    /* a device without a pin cannot raise INTx */
    ck_assert_int_eq(pci_set_irq(&host.bridge, true), -VK_EINVAL);
    /* the status bit is not writable by the driver */
    cfg_wr(&dev, PCI_STATUS, 2, 0xffff);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
}
END_TEST

/* ---- ECAM ---- */

START_TEST(ecam_addressing)
{
    static struct pci_device fn2;
    static struct tdev fn2state;
    uint64_t v;
    ck_assert_int_eq(pci_device_realize(&fn2, &tdev_ops, &fn2state), 0);
    fn2.config[PCI_DEVICE_ID] = 0x99; /* tell it apart */
    fn2.reset_cfg[PCI_DEVICE_ID] = 0x99;
    ck_assert_int_eq(pci_host_attach(&host, &fn2, PCI_DEVFN(3, 2)), 0);
    ck_assert_int_eq(pci_host_attach(&host, &fn2, PCI_DEVFN(3, 2)), -VK_EBUSY);
    ck_assert_int_eq(pci_host_attach(&host, &fn2, PCI_DEVFN(3, 5)), -VK_EBUSY); /* once only */
    /* the host bridge at 00.0 */
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE, 4, &v), 0);
    ck_assert_uint_eq(v, 0x29c08086u);
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_REVISION_ID, 4, &v), 0);
    ck_assert_uint_eq(v >> 8, 0x060000);
    /* 00:03.0 and 00:03.2 */
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, 0), 4, &v), 0);
    ck_assert_uint_eq(v, 0x11e81234u);
    ck_assert_int_eq(
        pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 2, PCI_DEVICE_ID), 2, &v), 0);
    ck_assert_uint_eq(v, 0x1199);
    ck_assert_int_eq(
        pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, PCI_HEADER_TYPE), 1, &v), 0);
    ck_assert_uint_eq(v, PCI_HEADER_TYPE_MULTI);
    /* extended configuration space through ECAM */
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, 0x100), 4, &v),
                     0);
    ck_assert_uint_eq(v & 0xffff, 0x000b);
    /* nobody there: all-ones, counted */
    uint64_t before = host.unassigned_reads;
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 4, 0, 0), 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(2, 3, 0, 0), 2, &v), 0);
    ck_assert_uint_eq(v, 0xffff);
    ck_assert_uint_eq(host.unassigned_reads, before + 2);
    /* a write reaches the right function's register only */
    ck_assert_int_eq(
        pci_host_mmio_write(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 2, PCI_INTERRUPT_LINE), 1, 11),
        0);
    ck_assert_uint_eq(fn2.config[PCI_INTERRUPT_LINE], 11);
    ck_assert_uint_eq(dev.config[PCI_INTERRUPT_LINE], 0);
    /* past the last bus: not ECAM any more, so an unassigned MMIO address */
    ck_assert_uint_eq(pci_host_ecam_size(&host), ECAM_BUSES << 20);
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + (ECAM_BUSES << 20), 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    /* bad ECAM accesses fail: unaligned, 8 bytes */
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, 2), 4, &v),
                     -VK_EINVAL);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(pci_host_mmio_write(&host, ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, 0), 8, 0),
                     -VK_EINVAL);
    ck_assert_int_eq(pci_host_mmio_read(&host, ECAM_BASE, 3, &v), -VK_EINVAL);
    ck_assert_uint_eq(host.bad_accesses, 3);
    /* a bad host */
    struct pci_host h2;
    ck_assert_int_eq(pci_host_init(&h2, NULL, NULL, ECAM_BASE + 4096, 1, 1, 1), -VK_EINVAL);
    ck_assert_int_eq(pci_host_init(&h2, NULL, NULL, ECAM_BASE, 0, 1, 1), -VK_EINVAL);
    ck_assert_int_eq(pci_host_init(&h2, NULL, NULL, ~0ull << 20, 2, 1, 1), -VK_EINVAL);
    ck_assert_int_eq(pci_device_check(&fn2), 0);
}
END_TEST

/* ---- routing ---- */

START_TEST(bus_routing_before_and_after_enable)
{
    uint64_t v;
    uint32_t p;
    /* programmed but not enabled: nothing answers */
    cfg_wr(&dev, bar_reg(0), 4, 0xfebf0000u);
    cfg_wr(&dev, bar_reg(1), 4, 0);
    cfg_wr(&dev, bar_reg(2), 4, 0x10);
    cfg_wr(&dev, bar_reg(3), 4, 0xc000);
    tstate.regs[1] = 0xdeadbeef;
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfebf0004ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfebf0004ull, 4, 1), 0);
    ck_assert_int_eq(pci_host_pio_read(&host, 0xc004, 2, &p), 0);
    ck_assert_uint_eq(p, 0xffff);
    ck_assert_uint_eq(host.unassigned_reads, 2);
    ck_assert_uint_eq(host.unassigned_writes, 1);
    ck_assert_uint_eq(tstate.reads + tstate.writes, 0);
    /* the direct BAR path sees the same: no decode, all-ones, counted */
    ck_assert_int_eq(pci_bar_read(&dev, 0, 4, 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_uint_eq(dev.undecoded_accesses, 1);
    /* memory enabled: the memory BARs answer, the I/O BAR does not */
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfebf0004ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xdeadbeefu);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0xfebf0008ull, 4, 0x55), 0);
    ck_assert_uint_eq(tstate.regs[2], 0x55);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0x1000000000ull + 0x10, 8, &v), 0);
    ck_assert_int_eq(tstate.last_bar, 1);
    ck_assert_uint_eq(tstate.last_off, 0x10);
    ck_assert_uint_eq(v, 0x1000 + 0x10 + 8);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0x1000000000ull + (1u << 20), 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu); /* one past the BAR */
    ck_assert_int_eq(pci_host_pio_read(&host, 0xc004, 2, &p), 0);
    ck_assert_uint_eq(p, 0xffff);
    /* I/O enabled too */
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    ck_assert_int_eq(pci_host_pio_read(&host, 0xc004, 2, &p), 0);
    ck_assert_int_eq(tstate.last_bar, 3);
    ck_assert_uint_eq(p, 0x3000 + 4 + 2);
    ck_assert_int_eq(pci_host_pio_write(&host, 0xc01f, 1, 7), 0);
    ck_assert_uint_eq(tstate.last_off, 0x1f);
    ck_assert_int_eq(pci_host_pio_read(&host, 0xc020, 1, &p), 0); /* past the I/O BAR */
    ck_assert_uint_eq(p, 0xff);
    ck_assert_int_eq(pci_host_pio_read(&host, 0xc000, 8, &p), -VK_EINVAL);
    /* moving a BAR moves the decode */
    cfg_wr(&dev, bar_reg(0), 4, 0xfec00000u);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfebf0004ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfec00004ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xdeadbeefu);
    /* an access straddling the BAR's end fails, the device never sees it */
    unsigned r = tstate.reads;
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfec00ffcull, 8, &v), -VK_EINVAL);
    ck_assert_uint_eq(tstate.reads, r);
    /* disabled again: gone */
    cfg_wr(&dev, PCI_COMMAND, 2, 0);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfec00004ull, 4, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
}
END_TEST

START_TEST(device_access_sizes)
{
    uint64_t v;
    ck_assert_int_eq(pci_device_realize(&big, &big_ops, &bstate), 0);
    ck_assert_int_eq(pci_host_attach(&host, &big, PCI_DEVFN(5, 0)), 0);
    cfg_wr(&big, bar_reg(2), 4, 0);
    cfg_wr(&big, bar_reg(3), 4, 0x4);
    cfg_wr(&big, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0x400000000ull + 0x7fff0000ull, 4, &v), 0);
    ck_assert_uint_eq(bstate.last_off, 0x7fff0000ull);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0x400000000ull, 1, &v), -VK_EINVAL);
    ck_assert_uint_eq(v, 0xff);
    ck_assert_int_eq(pci_host_mmio_write(&host, 0x400000000ull, 8, 0), -VK_EINVAL);
    ck_assert_uint_eq(bstate.reads, 1);
    ck_assert_uint_eq(bstate.writes, 0);
    ck_assert_uint_eq(big.guest_errors, 2);
    ck_assert_int_eq(pci_device_check(&big), 0);
}
END_TEST

START_TEST(overlapping_bars_lowest_devfn_wins)
{
    static struct pci_device lo;
    static struct tdev lostate;
    uint64_t v;
    /* attached after dev (00:03.0) but at a lower devfn (00:01.0) */
    ck_assert_int_eq(pci_device_realize(&lo, &tdev_ops, &lostate), 0);
    ck_assert_int_eq(pci_host_attach(&host, &lo, PCI_DEVFN(1, 0)), 0);
    cfg_wr(&dev, bar_reg(0), 4, 0xfebf0000u);
    cfg_wr(&lo, bar_reg(0), 4, 0xfebf0000u);
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    cfg_wr(&lo, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    tstate.regs[0] = 3;
    lostate.regs[0] = 1;
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfebf0000ull, 4, &v), 0);
    ck_assert_uint_eq(v, 1);
    cfg_wr(&lo, PCI_COMMAND, 2, 0);
    ck_assert_int_eq(pci_host_mmio_read(&host, 0xfebf0000ull, 4, &v), 0);
    ck_assert_uint_eq(v, 3);
    ck_assert_uint_eq(host.nattached, 3);
    ck_assert_ptr_eq(host.attached[1], &lo);
    ck_assert_int_eq(pci_device_check(&lo), 0);
}
END_TEST

/* The cost of one routed MMIO read with 16 functions on the bus (printed, not asserted). */
START_TEST(routed_read_cost)
{
    static struct pci_device many[15];
    static struct tdev mstate[15];
    struct timespec t0, t1;
    uint64_t v, sum = 0;
    int bad = 0;
    for (unsigned i = 0; i < 15; i++) {
        ck_assert_int_eq(pci_device_realize(&many[i], &tdev_ops, &mstate[i]), 0);
        ck_assert_int_eq(pci_host_attach(&host, &many[i], PCI_DEVFN(4 + i, 0)), 0);
        cfg_wr(&many[i], bar_reg(0), 4, 0xf0000000u + i * 0x10000u);
        cfg_wr(&many[i], PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    }
    const uint64_t target = 0xf0000000ull + 14 * 0x10000u; /* the last device on the bus */
    mstate[14].regs[1] = 7;
    const int n = 1000000;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        bad |= pci_host_mmio_read(&host, target + 4, 4, &v); /* no ck_assert: it costs a write */
        sum += v;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
    ck_assert_int_eq(bad, 0);
    ck_assert_uint_eq(mstate[14].reads, (unsigned)n);
    ck_assert_uint_eq(sum, (uint64_t)n * 7);
    printf("pci: routed MMIO read, 17 functions, last one hit: %.1f ns (sum %llu)\n", ns,
           (unsigned long long)sum);
}
END_TEST

/* ---- write masks ---- */

START_TEST(config_write_masks)
{
    static uint8_t before[PCI_CONFIG_SPACE_SIZE];
    memcpy(before, dev.config, sizeof(before));
    /* IDs, class, revision, header type, capability pointers, subsystem, pin: read-only */
    const uint32_t ro[] = {PCI_VENDOR_ID,
                           PCI_REVISION_ID,
                           PCI_HEADER_TYPE - 2,
                           PCI_SUBSYSTEM_VENDOR_ID,
                           PCI_ROM_ADDRESS,
                           PCI_CAPABILITY_LIST,
                           PCI_INTERRUPT_LINE,
                           0x40,
                           0x58 + 4,
                           0x58 + 8,
                           0x64,
                           0x100,
                           0x108};
    for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
        cfg_wr(&dev, ro[i], 4, 0xa5a5a5a5u);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_VENDOR_ID, 4), 0x11e81234u);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_CLASS_PROG - 1, 4), 0x00ff0010u);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_HEADER_TYPE, 1), 0);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4u);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_CAPABILITY_LIST, 1), 0x40);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_INTERRUPT_LINE, 1), 0xa5); /* line is writable */
    ck_assert_uint_eq(cfg_rd(&dev, PCI_INTERRUPT_PIN, 1), 1);     /* pin is not */
    ck_assert_uint_eq(cfg_rd(&dev, 0x40, 2), before[0x40] | (before[0x41] << 8));
    ck_assert_uint_eq(cfg_rd(&dev, 0x58 + 4, 4), 4);
    ck_assert_uint_eq(cfg_rd(&dev, 0x100, 4), 0x1081000bu);
    ck_assert_int_eq(pci_cap_walk(dev.config, PCI_CONFIG_SPACE_SIZE, NULL, 0), 5);
    /* command: only the defined bits stick */
    cfg_wr(&dev, PCI_COMMAND, 2, 0xffff);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_COMMAND, 2), 0x0547);
    cfg_wr(&dev, PCI_COMMAND, 2, 0);
    /* status: error bits are write-one-to-clear, the rest read-only */
    dev.config[PCI_STATUS + 1] |= 0xa0; /* the model signalled errors */
    cfg_wr(&dev, PCI_STATUS, 2, 0x0000);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2), 0xa010);
    cfg_wr(&dev, PCI_STATUS, 2, 0x2000);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2), 0x8010);
    cfg_wr(&dev, PCI_STATUS, 2, 0xffff);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2), 0x0010);
    /* PCI Express device status error bits are W1C too */
    dev.config[0x64 + PCI_EXP_DEVSTA] = 0x0f;
    cfg_wr(&dev, 0x64 + PCI_EXP_DEVSTA, 2, 0x5);
    ck_assert_uint_eq(cfg_rd(&dev, 0x64 + PCI_EXP_DEVSTA, 2), 0xa);
    cfg_wr(&dev, 0x64 + PCI_EXP_DEVSTA, 2, 0xffff);
    ck_assert_uint_eq(cfg_rd(&dev, 0x64 + PCI_EXP_DEVSTA, 2), 0);
    /* bad config accesses fail and read all-ones */
    uint32_t v;
    ck_assert_int_eq(pci_config_read(&dev, 0x01, 2, &v), -VK_EINVAL);
    ck_assert_uint_eq(v, 0xffff);
    ck_assert_int_eq(pci_config_read(&dev, 0x1000, 1, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_config_read(&dev, 0x0, 3, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_config_write(&dev, 0xffe, 4, 0), -VK_EINVAL);
    ck_assert_int_eq(pci_config_write(&dev, 0x4, 8, 0), -VK_EINVAL);
    ck_assert_uint_eq(dev.guest_errors, 5);
    ck_assert_uint_eq(hl.guest_errors, 5);
}
END_TEST

START_TEST(bad_bar_accesses_fail)
{
    uint64_t v;
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    ck_assert_int_eq(pci_bar_read(&dev, 2, 0, 4, &v), -VK_EINVAL); /* upper half of BAR1 */
    ck_assert_int_eq(pci_bar_read(&dev, 5, 0, 4, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_bar_read(&dev, 6, 0, 4, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_bar_read(&dev, -1, 0, 4, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_bar_read(&dev, 0, 4096, 4, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_bar_read(&dev, 0, ~0ull - 1, 2, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_bar_read(&dev, 0, 2, 4, &v), -VK_EINVAL);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(pci_bar_read(&dev, 0, 0, 16, &v), -VK_EINVAL);
    ck_assert_uint_eq(v, ~0ull);
    ck_assert_int_eq(pci_bar_write(&dev, 3, 0, 8, 0), -VK_EINVAL); /* no 8-byte port I/O */
    ck_assert_uint_eq(dev.guest_errors, 9);
    ck_assert_uint_eq(tstate.reads + tstate.writes, 0);
}
END_TEST

/* ---- DMA ---- */

START_TEST(dma_through_the_host)
{
    uint8_t buf[16];
    ck_assert_int_eq(pci_dma_write(&dev, 0, "hello", 5), -VK_EPERM); /* no bus master */
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
    ck_assert_int_eq(pci_dma_write(&dev, 100, "hello", 5), 0);
    ck_assert_mem_eq(&hl.ram[100], "hello", 5);
    ck_assert_int_eq(pci_dma_read(&dev, 100, buf, 5), 0);
    ck_assert_mem_eq(buf, "hello", 5);
    ck_assert_int_eq(pci_dma_read(&dev, 4094, buf, 4), -VK_EFAULT); /* the IOMMU said no */
    /* a device not on a host has nowhere to go */
    ck_assert_int_eq(pci_device_realize(&big, &big_ops, &bstate), 0);
    big.config[PCI_COMMAND] = PCI_COMMAND_MASTER;
    ck_assert_int_eq(pci_dma_read(&big, 0, buf, 4), -VK_EFAULT);
}
END_TEST

/* ---- reset ---- */

START_TEST(reset_restores_power_on_state)
{
    enable_bar4();
    cfg_wr(&dev, bar_reg(0), 4, 0xfebf0000u);
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
    msix_entry(1, 0xfee00000ull, 7, false);
    ck_assert_int_eq(pci_set_irq(&dev, true), 0);
    tstate.regs[0] = 42;
    pci_device_reset(&dev);
    ck_assert_uint_eq(tstate.resets, 1);
    ck_assert_uint_eq(tstate.regs[0], 0);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_COMMAND, 2), 0);
    ck_assert_uint_eq(cfg_rd(&dev, bar_reg(0), 4), 0);
    ck_assert_uint_eq(dev.bars[0].addr, 0);
    ck_assert(!pci_msix_enabled(&dev));
    ck_assert_uint_eq(cfg_rd(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
    ck_assert(!hl.intx);
    /* the table is masked again */
    ck_assert_uint_eq(dev.msix.table[1 * 16 + 12], 1);
    ck_assert_uint_eq(dev.msix.table[1 * 16], 0);
    ck_assert_int_eq(memcmp(dev.config, dev.reset_cfg, sizeof(dev.config)), 0);
    /* host reset reaches every device */
    cfg_wr(&dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    pci_host_reset(&host);
    ck_assert_uint_eq(cfg_rd(&dev, PCI_COMMAND, 2), 0);
    ck_assert_uint_eq(tstate.resets, 2);
}
END_TEST

/* ---- random writes against the invariants ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, so a failure replays */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

START_TEST(random_config_writes_keep_invariants)
{
    static uint8_t ro_before[PCI_CONFIG_SPACE_SIZE];
    static const unsigned sizes[] = {1, 2, 4, 8, 3};
    rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
    memcpy(ro_before, dev.config, sizeof(ro_before));
    for (int step = 0; step < 20000; step++) {
        uint64_t r = rng();
        unsigned size = sizes[(r >> 8) % 5];
        uint32_t off;
        switch (r & 3) {
        case 0: /* anywhere */
            off = (uint32_t)((r >> 16) % 0x1010);
            break;
        case 1: /* the header */
            off = (uint32_t)((r >> 16) % 0x40);
            break;
        default: /* the capabilities */
            off = 0x40 + (uint32_t)((r >> 16) % 0xe0);
            break;
        }
        uint32_t val = (uint32_t)(rng() >> 16);
        if ((r >> 40) % 8 == 0)
            val = ~0u;
        int rc = pci_config_write(&dev, off, size, val);
        bool ok = (size == 1 || size == 2 || size == 4) && off % size == 0 && off + size <= 4096;
        ck_assert_int_eq(rc, ok ? 0 : -VK_EINVAL);
        /* now and then: a BAR or MSI-X table access, an interrupt, a reset */
        uint64_t a = rng(), v;
        if (a % 4 == 0)
            (void)pci_host_mmio_write(&host, a >> 2 & 0x1ffffffffull, sizes[(a >> 40) % 5], rng());
        if (a % 4 == 1)
            (void)pci_bar_write(&dev, (int)((a >> 8) % 7), (a >> 16) % 4200, sizes[(a >> 40) % 5],
                                rng());
        if (a % 4 == 2)
            (void)pci_bar_read(&dev, 4, (a >> 16) % 4096, sizes[(a >> 40) % 5], &v);
        if (a % 16 == 3)
            (void)pci_msix_notify(&dev, (unsigned)((a >> 8) % 10));
        if (a % 16 == 7)
            (void)pci_msi_notify(&dev, (unsigned)((a >> 8) % 40));
        if (a % 16 == 11)
            (void)pci_set_irq(&dev, (a >> 8) & 1);
        if (a % 2048 == 5)
            pci_device_reset(&dev);
        ck_assert_int_eq(pci_device_check(&dev), 0);
        /* a reference: every BAR decodes what its register says, aligned to its size */
        for (int b = 0; b < PCI_NUM_BARS; b++) {
            if (dev.bars[b].kind == PCI_BAR_NONE)
                continue;
            uint64_t lo = cfg_rd(&dev, bar_reg(b), 4), want;
            if (dev.bars[b].kind == PCI_BAR_MEM64)
                want = (lo & ~0xfull) | ((uint64_t)cfg_rd(&dev, bar_reg(b + 1), 4) << 32);
            else
                want = lo & (dev.bars[b].kind == PCI_BAR_IO ? ~0x3ull : ~0xfull);
            ck_assert_uint_eq(dev.bars[b].addr, want);
            ck_assert_uint_eq(want & (dev.bars[b].size - 1), 0);
        }
        ck_assert_int_eq(pci_cap_walk(dev.config, PCI_CONFIG_SPACE_SIZE, NULL, 0), 5);
        ck_assert_uint_eq(cfg_rd(&dev, PCI_VENDOR_ID, 4), 0x11e81234u);
        ck_assert_uint_eq(cfg_rd(&dev, PCI_COMMAND, 2) & ~0x0547u, 0);
        ck_assert_uint_eq(hl.intx, dev.intx_asserted);
    }
    /* read-only bytes (the header's IDs and pointers, BAR flags) never moved */
    for (unsigned i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
        uint8_t ro = (uint8_t) ~(dev.wmask[i] | dev.w1cmask[i]);
        if (i == PCI_STATUS ||
            (i >= 0x40 + PCI_MSI_PENDING_64 && i < 0x40 + PCI_MSI_PENDING_64 + 4))
            continue;
        ck_assert_uint_eq(dev.config[i] & ro, ro_before[i] & ro);
    }
    ck_assert_uint_gt(dev.guest_errors, 0);
}
END_TEST

/* MSI-X against a naive reference: per-vector mask, function mask, pending, delivery order */
START_TEST(msix_against_reference)
{
    bool masked[8], fmask = true, pending[8] = {false};
    unsigned delivered = 0, expect[64];
    rng_state = 0x243f6a8885a308d3ull + (uint64_t)_i;
    enable_bar4();
    cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    for (unsigned v = 0; v < 8; v++) {
        masked[v] = v & 1;
        msix_entry(v, 0xfee00000ull + v * 4, 0x100 + v, masked[v]);
    }
    for (int step = 0; step < 5000; step++) {
        uint64_t r = rng();
        unsigned v = (unsigned)(r >> 8) % 8;
        bool unmasking = false;
        switch (r % 3) {
        case 0:
            ck_assert_int_eq(pci_msix_notify(&dev, v), 0);
            if (fmask || masked[v])
                pending[v] = true;
            else
                expect[delivered++] = v;
            break;
        case 1:
            unmasking = masked[v];
            masked[v] = !masked[v];
            ck_assert_int_eq(pci_host_mmio_write(&host, 0xfe000000ull + v * 16 + 12, 4, masked[v]),
                             0);
            break;
        default:
            unmasking = fmask;
            fmask = !fmask;
            cfg_wr(&dev, 0x58 + PCI_MSIX_FLAGS, 2,
                   PCI_MSIX_FLAGS_ENABLE | (fmask ? PCI_MSIX_FLAGS_MASKALL : 0));
            break;
        }
        if (unmasking && !fmask) {
            for (unsigned u = 0; u < 8; u++) {
                if (pending[u] && !masked[u]) {
                    pending[u] = false;
                    expect[delivered++] = u;
                }
            }
        }
        uint64_t want = 0;
        for (unsigned u = 0; u < 8; u++)
            want |= (uint64_t)pending[u] << u;
        ck_assert_uint_eq(pba(), want);
        ck_assert_uint_eq(hl.nmsgs, delivered);
        for (unsigned i = 0; i < delivered; i++) {
            ck_assert_uint_eq(hl.msgs[i].data, 0x100 + expect[i]);
            ck_assert_uint_eq(hl.msgs[i].addr, 0xfee00000ull + expect[i] * 4);
        }
        if (delivered > 48) { /* start the log over; at most 9 more per step */
            hl.nmsgs = 0;
            delivered = 0;
        }
    }
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bar_sizing_every_kind);
    tcase_add_test(tc, bar_sizing_64bit_above_4g);
    tcase_add_test(tc, bar_registration_refuses_bad_layouts);
    tcase_add_test(tc, cap_walk_lists_every_capability);
    tcase_add_test(tc, cap_walk_refuses_malformed_lists);
    tcase_add_test(tc, device_never_builds_a_malformed_list);
    tcase_add_test(tc, msix_masking_and_pending);
    tcase_add_test(tc, msix_needs_bus_master);
    tcase_add_loop_test(tc, msix_against_reference, 0, 4);
    tcase_add_test(tc, msi_per_vector_mask_and_pending);
    tcase_add_test(tc, intx_and_interrupt_disable);
    tcase_add_test(tc, ecam_addressing);
    tcase_add_test(tc, bus_routing_before_and_after_enable);
    tcase_add_test(tc, device_access_sizes);
    tcase_add_test(tc, overlapping_bars_lowest_devfn_wins);
    tcase_add_test(tc, routed_read_cost);
    tcase_add_test(tc, config_write_masks);
    tcase_add_test(tc, bad_bar_accesses_fail);
    tcase_add_test(tc, dma_through_the_host);
    tcase_add_test(tc, reset_restores_power_on_state);
    tcase_add_loop_test(tc, random_config_writes_keep_invariants, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pci_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
