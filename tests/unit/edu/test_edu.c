/*
 * Unit tests for hw-models/edu: the register map against QEMU's edu (identification,
 * liveness, factorial 0..12 with its status bits and interrupt, raise/ack, access sizes),
 * virtual-time completion through edu_advance/edu_next_event, DMA in both directions through a
 * pci_host whose DMA hooks go through an hw_iommu domain (mapped, unmapped, read-only), refused
 * out-of-range transfers, MSI versus INTx, reset, and random register/config traffic checked
 * against the invariants after every step.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edu.h"
#include "hw-models/iommu/iommu.h"
#include "tests/unit/hwtest/hwtest.h"
#include "veridian/errors.h"

#define RAM_SIZE 0x10000u
#define BAR_BASE 0xfe000000ull
#define ECAM_BASE 0xb0000000ull
#define DEVFN PCI_DEVFN(4, 0)
#define DEV_ID 7u

/* ---- the platform: RAM behind an IOMMU, a host that logs interrupts ---- */

static struct edu ed;

static void cfg_wr(uint32_t off, unsigned size, uint32_t v)
{
    ck_assert_int_eq(pci_config_write(&ed.pci, off, size, v), 0);
}

static uint32_t cfg_rd(uint32_t off, unsigned size)
{
    uint32_t v;
    ck_assert_int_eq(pci_config_read(&ed.pci, off, size, &v), 0);
    return v;
}

static void setup(void)
{
    hwt_setup(RAM_SIZE, DEV_ID);
    for (unsigned i = 0; i < RAM_SIZE; i++)
        pl.ram[i] = (uint8_t)(i * 7 + 3);
    /* IOVA 0x10000..0x12000 -> RAM 0x3000..0x5000 read/write; 0x30000 -> 0x8000 read only */
    ck_assert_int_eq(hw_iommu_map(&dom, 0x10000, 0x3000, 0x2000, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x30000, 0x8000, 0x1000, HW_IOMMU_READ), 0);
    ck_assert_int_eq(edu_init(&ed), 0);
    ck_assert_int_eq(pci_host_attach(&host, &ed.pci, DEVFN), 0);
    cfg_wr(PCI_BASE_ADDRESS_0, 4, (uint32_t)BAR_BASE);
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void teardown(void)
{
    ck_assert_int_eq(edu_check(&ed), 0);
    hwt_teardown();
}

static uint64_t rd(uint64_t off, unsigned size)
{
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, BAR_BASE + off, size, &v), 0);
    return v;
}

static void wr(uint64_t off, unsigned size, uint64_t v)
{
    ck_assert_int_eq(pci_host_mmio_write(&host, BAR_BASE + off, size, v), 0);
}

/* Run the model up to its next event (there must be one). */
static void run_next(void)
{
    uint64_t t = edu_next_event(&ed);
    ck_assert_uint_ne(t, EDU_NO_EVENT);
    edu_advance(&ed, t);
    ck_assert_uint_eq(ed.now, t);
}

static void dma(uint64_t src, uint64_t dst, uint64_t cnt, uint64_t cmd)
{
    wr(EDU_REG_DMA_SRC, 8, src);
    wr(EDU_REG_DMA_DST, 8, dst);
    wr(EDU_REG_DMA_CNT, 8, cnt);
    wr(EDU_REG_DMA_CMD, 8, cmd | EDU_DMA_RUN);
}

static unsigned msi_cap(void)
{
    int c = pci_find_capability(ed.pci.config, PCI_CONFIG_SPACE_SIZE, PCI_CAP_ID_MSI);
    ck_assert_int_gt(c, 0);
    return (unsigned)c;
}

static void enable_msi(uint32_t data)
{
    unsigned c = msi_cap();
    cfg_wr(c + PCI_MSI_ADDRESS_LO, 4, 0xfee00000u);
    cfg_wr(c + PCI_MSI_ADDRESS_HI, 4, 0);
    cfg_wr(c + PCI_MSI_DATA_64, 2, data);
    cfg_wr(c + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    ck_assert(pci_msi_enabled(&ed.pci));
}

/* ---- configuration space ---- */

START_TEST(config_space_identity)
{
    ck_assert_uint_eq(cfg_rd(PCI_VENDOR_ID, 2), EDU_VENDOR_ID);
    ck_assert_uint_eq(cfg_rd(PCI_DEVICE_ID, 2), EDU_DEVICE_ID);
    ck_assert_uint_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, EDU_CLASS);
    ck_assert_uint_eq(cfg_rd(PCI_INTERRUPT_PIN, 1), 1);
    ck_assert_uint_eq(ed.pci.bars[0].kind, PCI_BAR_MEM32);
    ck_assert_uint_eq(ed.pci.bars[0].size, 1u << 20);
    ck_assert_uint_eq(ed.pci.msi_nvec, 1);
    ck_assert_uint_gt(msi_cap(), 0);
}
END_TEST

/* ---- registers ---- */

START_TEST(identification_and_liveness)
{
    ck_assert_uint_eq(rd(EDU_REG_ID, 4), 0x010000edu);
    wr(EDU_REG_ID, 4, 0); /* read only */
    ck_assert_uint_eq(rd(EDU_REG_ID, 4), 0x010000edu);
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0);
    wr(EDU_REG_LIVENESS, 4, 0x12345678);
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0xedcba987u);
    wr(EDU_REG_LIVENESS, 4, 0);
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0xffffffffu);
    /* below 0x80 only 32-bit accesses: 64-bit reads all-ones, 64-bit writes dropped */
    ck_assert_uint_eq(rd(EDU_REG_ID, 8), ~0ull);
    wr(EDU_REG_ID, 8, 5); /* would reach 0x04 as its upper half */
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0xffffffffu);
    wr(EDU_REG_FACT, 8, 5);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), 0);
    ck_assert_uint_eq(edu_next_event(&ed), EDU_NO_EVENT);
    /* unknown registers read all-ones, as QEMU's */
    ck_assert_uint_eq(rd(0x40, 4), 0xffffffffu);
    ck_assert_uint_eq(rd(0x100, 8), ~0ull);
    ck_assert_uint_eq(rd(0xffffc, 4), 0xffffffffu);
    /* 1- and 2-byte accesses never reach the model */
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, BAR_BASE, 2, &v), -VK_EINVAL);
    ck_assert_int_eq(pci_host_mmio_write(&host, BAR_BASE + 4, 1, 0), -VK_EINVAL);
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0xffffffffu);
}
END_TEST

START_TEST(factorial_0_to_12_with_interrupt)
{
    static const uint32_t fact[13] = {1,    1,     2,      6,       24,       120,      720,
                                      5040, 40320, 362880, 3628800, 39916800, 479001600};
    wr(EDU_REG_STATUS, 4, EDU_STATUS_IRQFACT);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_IRQFACT);
    for (uint32_t n = 0; n <= 12; n++) {
        uint64_t start = ed.now;
        wr(EDU_REG_FACT, 4, n);
        ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_IRQFACT | EDU_STATUS_COMPUTING);
        ck_assert_uint_eq(edu_next_event(&ed), start + EDU_FACT_DELAY_NS);
        wr(EDU_REG_FACT, 4, 99); /* ignored while computing */
        edu_advance(&ed, start + EDU_FACT_DELAY_NS - 1);
        ck_assert_uint_eq(rd(EDU_REG_STATUS, 4) & EDU_STATUS_COMPUTING, EDU_STATUS_COMPUTING);
        ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
        ck_assert(!pl.intx);
        edu_advance(&ed, start + EDU_FACT_DELAY_NS);
        ck_assert_uint_eq(rd(EDU_REG_FACT, 4), fact[n]);
        ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_IRQFACT);
        ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), EDU_IRQ_FACT);
        ck_assert(pl.intx);
        ck_assert_uint_eq(edu_next_event(&ed), EDU_NO_EVENT);
        wr(EDU_REG_IRQ_ACK, 4, EDU_IRQ_FACT);
        ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
        ck_assert(!pl.intx);
    }
    /* without bit 7 the factorial completes silently; 2^32 wraps as QEMU's uint32 */
    wr(EDU_REG_STATUS, 4, 0);
    wr(EDU_REG_FACT, 4, 13);
    run_next();
    ck_assert_uint_eq(rd(EDU_REG_FACT, 4), 1932053504u); /* 13! mod 2^32 */
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
    ck_assert(!pl.intx);
    wr(EDU_REG_FACT, 4, 0xffffffffu); /* must not loop 4 billion times */
    run_next();
    ck_assert_uint_eq(rd(EDU_REG_FACT, 4), 0);
}
END_TEST

START_TEST(raise_and_ack)
{
    wr(EDU_REG_IRQ_RAISE, 4, 0x5);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0x5);
    ck_assert(pl.intx);
    wr(EDU_REG_IRQ_RAISE, 4, 0x80000000u);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0x80000005u);
    wr(EDU_REG_IRQ_ACK, 4, 0x80000004u);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0x1);
    ck_assert(pl.intx);
    wr(EDU_REG_IRQ_ACK, 4, 0x1);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
    ck_assert(!pl.intx);
    wr(EDU_REG_IRQ_RAISE, 4, 0); /* raising nothing asserts nothing */
    ck_assert(!pl.intx);
    /* the interrupt status is read only; the raise/ack registers read all-ones */
    wr(EDU_REG_IRQ_STATUS, 4, 0x7);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_RAISE, 4), 0xffffffffu);
    ck_assert_uint_eq(pl.nmsi, 0);
}
END_TEST

/* ---- DMA ---- */

START_TEST(dma_both_directions_mapped)
{
    uint8_t expect[0x100];
    memcpy(expect, &pl.ram[0x3000 + 0x40], sizeof(expect));
    dma(0x10040, EDU_DMA_START + 0x10, 0x100, EDU_DMA_IRQ);
    ck_assert_uint_eq(rd(EDU_REG_DMA_CMD, 8) & EDU_DMA_RUN, EDU_DMA_RUN);
    ck_assert_uint_eq(edu_next_event(&ed), EDU_DMA_DELAY_NS);
    /* registers are frozen while the transfer runs; a second start does nothing */
    wr(EDU_REG_DMA_SRC, 8, 0x999);
    wr(EDU_REG_DMA_CMD, 4, EDU_DMA_RUN | EDU_DMA_TO_RAM);
    ck_assert_uint_eq(rd(EDU_REG_DMA_SRC, 8), 0x10040);
    ck_assert_uint_eq(rd(EDU_REG_DMA_CMD, 4), EDU_DMA_RUN | EDU_DMA_IRQ);
    edu_advance(&ed, EDU_DMA_DELAY_NS - 1);
    ck_assert_uint_eq(ed.buf[0x10], 0); /* nothing moved before its time */
    run_next();
    ck_assert_mem_eq(&ed.buf[0x10], expect, sizeof(expect));
    ck_assert_uint_eq(rd(EDU_REG_DMA_CMD, 8), EDU_DMA_IRQ);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), EDU_IRQ_DMA);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4) & EDU_STATUS_DMA_ERROR, 0);
    ck_assert(pl.intx);
    wr(EDU_REG_IRQ_ACK, 4, EDU_IRQ_DMA);
    ck_assert(!pl.intx);

    /* device buffer -> RAM, into the second mapped page (RAM 0x4000) */
    for (unsigned i = 0; i < EDU_DMA_SIZE; i++)
        ed.buf[i] = (uint8_t)(0xa5 ^ i);
    uint8_t before[RAM_SIZE];
    memcpy(before, pl.ram, RAM_SIZE);
    dma(EDU_DMA_START, 0x11000, EDU_DMA_SIZE, EDU_DMA_TO_RAM); /* the whole buffer, no irq */
    run_next();
    ck_assert_mem_eq(&pl.ram[0x4000], ed.buf, EDU_DMA_SIZE);
    ck_assert_mem_eq(pl.ram, before, 0x4000);
    ck_assert_mem_eq(&pl.ram[0x5000], &before[0x5000], RAM_SIZE - 0x5000);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(ed.dmas_done, 2);
    ck_assert_uint_eq(ed.dma_errors, 0);
    ck_assert_uint_eq(pl.guest_errors, 0);
    struct hw_iommu_fault f;
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), -ENOENT);
}
END_TEST

START_TEST(dma_refused_by_the_iommu)
{
    struct hw_iommu_fault f;
    uint8_t before[RAM_SIZE];
    memcpy(before, pl.ram, RAM_SIZE);

    /* RAM -> device from an unmapped IOVA: buffer untouched, error bit, fault logged */
    dma(0x20000, EDU_DMA_START, 0x80, EDU_DMA_IRQ);
    run_next();
    for (unsigned i = 0; i < EDU_DMA_SIZE; i++)
        ck_assert_uint_eq(ed.buf[i], 0);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_DMA_ERROR);
    ck_assert_uint_eq(rd(EDU_REG_DMA_CMD, 4) & EDU_DMA_RUN, 0);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), EDU_IRQ_DMA); /* completion still signalled */
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), 0);
    ck_assert_uint_eq(f.device, DEV_ID);
    ck_assert_uint_eq(f.iova, 0x20000);
    ck_assert_uint_eq(f.len, 0x80);
    ck_assert_uint_eq(f.access, HW_IOMMU_READ); /* the device read memory */
    ck_assert_uint_eq(f.reason, HW_IOMMU_FAULT_UNMAPPED);
    ck_assert_uint_eq(pl.guest_errors, 1);

    /* the error bit is sticky until written 1, and bit 7 is kept apart from it */
    wr(EDU_REG_STATUS, 4, EDU_STATUS_IRQFACT);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_DMA_ERROR | EDU_STATUS_IRQFACT);
    wr(EDU_REG_STATUS, 4, EDU_STATUS_DMA_ERROR);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), 0);

    /* device -> RAM into a read-only mapping: memory unchanged, permission fault */
    memset(ed.buf, 0x5a, sizeof(ed.buf));
    dma(EDU_DMA_START, 0x30000, 0x200, EDU_DMA_TO_RAM);
    run_next();
    ck_assert_mem_eq(pl.ram, before, RAM_SIZE);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_DMA_ERROR);
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), 0);
    ck_assert_uint_eq(f.iova, 0x30000);
    ck_assert_uint_eq(f.reason, HW_IOMMU_FAULT_PERM);
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), -ENOENT);
    ck_assert_uint_eq(ed.dma_errors, 2);

    /* bus mastering off: the host refuses before the IOMMU sees anything */
    wr(EDU_REG_STATUS, 4, EDU_STATUS_DMA_ERROR);
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    dma(0x10000, EDU_DMA_START, 0x10, 0);
    run_next();
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_DMA_ERROR);
    ck_assert_uint_eq(ed.buf[0], 0x5a);
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), -ENOENT);
}
END_TEST

START_TEST(dma_out_of_range_refused)
{
    static const struct {
        uint64_t src, dst, cnt, cmd;
    } bad[] = {
        {0x10000, EDU_DMA_START, 0, 0},                    /* empty */
        {0x10000, EDU_DMA_START, EDU_DMA_SIZE + 1, 0},     /* larger than the buffer */
        {0x10000, EDU_DMA_START - 1, 0x10, 0},             /* before the buffer */
        {0x10000, EDU_DMA_START + 0xf00, 0x101, 0},        /* past its end */
        {0x10000, 0, 0x10, 0},                             /* not the buffer at all */
        {0x10000, ~0ull - 4, 0x10, 0},                     /* wrapping */
        {EDU_DMA_START, 0x10000000, 0x10, EDU_DMA_TO_RAM}, /* beyond the 28-bit mask */
        {EDU_DMA_START, 0x0ffffff0, 0x20, EDU_DMA_TO_RAM}, /* straddling the mask */
        {0x1000010000ull, EDU_DMA_START, 0x10, 0},         /* QEMU would clamp this */
        {EDU_DMA_START + 0x800, 0x10000, EDU_DMA_SIZE, EDU_DMA_TO_RAM},
    };
    uint8_t before[RAM_SIZE];
    memcpy(before, pl.ram, RAM_SIZE);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wr(EDU_REG_STATUS, 4, EDU_STATUS_DMA_ERROR);
        dma(bad[i].src, bad[i].dst, bad[i].cnt, bad[i].cmd | EDU_DMA_IRQ);
        run_next();
        ck_assert_msg(rd(EDU_REG_STATUS, 4) == EDU_STATUS_DMA_ERROR, "case %u", i);
        ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), EDU_IRQ_DMA);
        wr(EDU_REG_IRQ_ACK, 4, EDU_IRQ_DMA);
        ck_assert_uint_eq(pl.guest_errors, i + 1);
    }
    for (unsigned i = 0; i < EDU_DMA_SIZE; i++)
        ck_assert_uint_eq(ed.buf[i], 0);
    ck_assert_mem_eq(pl.ram, before, RAM_SIZE);
    struct hw_iommu_fault f;
    ck_assert_int_eq(hw_iommu_fault_pop(&iommu, &f), -ENOENT); /* never reached the IOMMU */

    /* the edges themselves are fine: the last byte of the buffer, the last page under 2^28 */
    wr(EDU_REG_STATUS, 4, EDU_STATUS_DMA_ERROR);
    dma(0x10000, EDU_DMA_START + EDU_DMA_SIZE - 1, 1, 0);
    run_next();
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), 0);
    ck_assert_uint_eq(ed.buf[EDU_DMA_SIZE - 1], pl.ram[0x3000]);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(msi_versus_intx)
{
    enable_msi(0x41);
    wr(EDU_REG_STATUS, 4, EDU_STATUS_IRQFACT);
    wr(EDU_REG_FACT, 4, 5);
    run_next();
    ck_assert_uint_eq(pl.nmsi, 1);
    ck_assert_uint_eq(pl.msi_addr[0], 0xfee00000u);
    ck_assert_uint_eq(pl.msi_data[0], 0x41);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(pl.intx_changes, 0);
    dma(0x10000, EDU_DMA_START, 4, EDU_DMA_IRQ);
    run_next();
    ck_assert_uint_eq(pl.nmsi, 2); /* a message per raise, as QEMU */
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), EDU_IRQ_FACT | EDU_IRQ_DMA);
    wr(EDU_REG_IRQ_ACK, 4, ~0u);
    ck_assert(!pl.intx);

    /* MSI off: INTx again, and INTX_DISABLE hides it from the host */
    cfg_wr(msi_cap() + PCI_MSI_FLAGS, 2, 0);
    wr(EDU_REG_IRQ_RAISE, 4, 2);
    ck_assert(pl.intx);
    ck_assert_uint_eq(pl.nmsi, 2);
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    ck_assert(!pl.intx);
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    ck_assert(pl.intx);
    wr(EDU_REG_IRQ_ACK, 4, 2);
    ck_assert(!pl.intx);
}
END_TEST

START_TEST(reset_clears_everything)
{
    wr(EDU_REG_LIVENESS, 4, 1);
    wr(EDU_REG_STATUS, 4, EDU_STATUS_IRQFACT);
    wr(EDU_REG_IRQ_RAISE, 4, 0x10);
    wr(EDU_REG_FACT, 4, 3);
    dma(0x10000, EDU_DMA_START, 0x10, EDU_DMA_IRQ);
    ed.buf[0] = 0x77;
    ck_assert(pl.intx);
    pci_device_reset(&ed.pci);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(edu_next_event(&ed), EDU_NO_EVENT);
    cfg_wr(PCI_BASE_ADDRESS_0, 4, (uint32_t)BAR_BASE);
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    ck_assert_uint_eq(rd(EDU_REG_ID, 4), EDU_ID_VALUE);
    ck_assert_uint_eq(rd(EDU_REG_LIVENESS, 4), 0);
    ck_assert_uint_eq(rd(EDU_REG_FACT, 4), 0);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), 0);
    ck_assert_uint_eq(rd(EDU_REG_IRQ_STATUS, 4), 0);
    for (unsigned r = EDU_REG_DMA_SRC; r <= EDU_REG_DMA_CMD; r += 8)
        ck_assert_uint_eq(rd(r, 8), 0);
    ck_assert_uint_eq(ed.buf[0], 0);
    edu_advance(&ed, 10 * EDU_DMA_DELAY_NS); /* the cancelled transfer never happens */
    ck_assert_uint_eq(ed.buf[0], 0);
    ck_assert_uint_eq(ed.dmas_done, 0);
    ck_assert(!pl.intx);
    ck_assert_uint_eq(pl.nmsi, 0);
}
END_TEST

START_TEST(time_only_moves_forward)
{
    edu_advance(&ed, 5000);
    wr(EDU_REG_FACT, 4, 4);
    ck_assert_uint_eq(edu_next_event(&ed), 5000 + EDU_FACT_DELAY_NS);
    edu_advance(&ed, 10); /* the past: nothing due, time stays */
    ck_assert_uint_eq(ed.now, 5000);
    ck_assert_uint_eq(rd(EDU_REG_STATUS, 4), EDU_STATUS_COMPUTING);
    /* both events due at once: both complete in one advance */
    dma(0x10000, EDU_DMA_START, 8, 0);
    edu_advance(&ed, 5000 + EDU_DMA_DELAY_NS);
    ck_assert_uint_eq(rd(EDU_REG_FACT, 4), 24);
    ck_assert_uint_eq(ed.dmas_done, 1);
    ck_assert_uint_eq(edu_next_event(&ed), EDU_NO_EVENT);
}
END_TEST

/* ---- random traffic ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

START_TEST(random_traffic_keeps_invariants)
{
    static const uint64_t regs[] = {0x00, 0x04, 0x08, 0x20, 0x24, 0x60, 0x64,
                                    0x80, 0x88, 0x90, 0x98, 0x84, 0x9c, 0x1000};
    static const unsigned sizes[] = {1, 2, 4, 8};
    uint8_t before[RAM_SIZE];
    memcpy(before, pl.ram, RAM_SIZE);
    rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
    for (unsigned step = 0; step < 20000; step++) {
        uint64_t r = rnd(), v = rnd();
        uint64_t off = regs[r % (sizeof(regs) / sizeof(regs[0]))];
        unsigned size = sizes[(r >> 8) % 4];
        switch ((r >> 16) % 8) {
        case 0:
        case 1:
        case 2: {
            uint64_t x;
            if ((v & 3) == 0 && off >= 0x80 && off <= 0x98) /* plausible DMA values */
                v = (off == 0x90) ? (v >> 4) % 0x1100
                                  : ((v >> 8) & 1 ? EDU_DMA_START : 0x10000) + (v >> 16) % 0x1100;
            (void)pci_host_mmio_write(&host, BAR_BASE + off, size, v);
            (void)pci_host_mmio_read(&host, BAR_BASE + off, size, &x);
            break;
        }
        case 3:
            edu_advance(&ed, ed.now + v % (2 * EDU_DMA_DELAY_NS));
            ck_assert(edu_next_event(&ed) > ed.now);
            break;
        case 4:
            (void)pci_config_write(&ed.pci, PCI_COMMAND, 2, (uint32_t)v & 0x0407);
            break;
        case 5:
            (void)pci_config_write(&ed.pci, msi_cap() + PCI_MSI_FLAGS, 2, (uint32_t)v & 1);
            break;
        case 6:
            (void)pci_host_mmio_write(&host, BAR_BASE + (v % EDU_BAR_SIZE & ~7ull), size, r);
            break;
        default:
            if (v % 64 == 0)
                pci_device_reset(&ed.pci);
            cfg_wr(PCI_BASE_ADDRESS_0, 4, (uint32_t)BAR_BASE);
            break;
        }
        ck_assert_int_eq(edu_check(&ed), 0);
        /* memory outside the device's writable window never changes */
        ck_assert_mem_eq(pl.ram, before, 0x3000);
        ck_assert_mem_eq(&pl.ram[0x5000], &before[0x5000], RAM_SIZE - 0x5000);
        ck_assert_uint_eq(pl.intx, ed.pci.intx_asserted);
    }
    cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    ck_assert_uint_eq(rd(EDU_REG_ID, 4), EDU_ID_VALUE);
    ck_assert_uint_le(ed.dma_errors, ed.dmas_done);
    ck_assert_uint_gt(ed.dmas_done, 0);
}
END_TEST

static Suite *edu_suite(void)
{
    Suite *s = suite_create("edu");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, config_space_identity);
    tcase_add_test(tc, identification_and_liveness);
    tcase_add_test(tc, factorial_0_to_12_with_interrupt);
    tcase_add_test(tc, raise_and_ack);
    tcase_add_test(tc, dma_both_directions_mapped);
    tcase_add_test(tc, dma_refused_by_the_iommu);
    tcase_add_test(tc, dma_out_of_range_refused);
    tcase_add_test(tc, msi_versus_intx);
    tcase_add_test(tc, reset_clears_everything);
    tcase_add_test(tc, time_only_moves_forward);
    tcase_add_loop_test(tc, random_traffic_keeps_invariants, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(edu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
