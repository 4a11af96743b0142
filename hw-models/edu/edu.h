/*
 * hw-models/edu: a model of QEMU's educational PCI device (hw/misc/edu.c, 1234:11e8, class
 * 0x00ff), pure C11: no host I/O, no globals, no allocation, no host time.
 *
 * Who calls it: the machine embeds a struct edu, calls edu_init (which realizes the PCI
 * device) and attaches &edu.pci to its pci_host; guest MMIO reaches BAR0 through the bus.
 * Time is virtual: the platform calls edu_advance(now) before forwarding an access (so a
 * factorial or DMA started by it is timed from now) and again when its event queue reaches
 * edu_next_event(); the model never sleeps and never computes ahead of time.
 *
 * BAR0 (1 MiB MMIO; 4- and 8-byte accesses, as QEMU: below 0x80 only 4-byte accesses do
 * anything, other sizes read all-ones and are dropped; unknown registers read all-ones):
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness: reads the bitwise NOT of the last value written
 *   0x08 RW  factorial: write n (ignored while computing), read n! (mod 2^32) when done
 *   0x20 RW  status: bit 0 computing (RO), bit 1 DMA error (ours: sticky, write 1 clears),
 *            bit 7 raise interrupt 0x001 when the factorial finishes (RW)
 *   0x24 RO  interrupt status
 *   0x60 WO  raise interrupt: ORs the value into the interrupt status
 *   0x64 WO  acknowledge: clears the value's bits from the interrupt status
 *   0x80/0x88/0x90 RW DMA source / destination / count (ignored while a DMA runs; a 4-byte
 *            write replaces the whole register with the zero-extended value, as QEMU)
 *   0x98 RW  DMA command: bit 0 start (a write without it does nothing), bit 1 direction
 *            (0 RAM -> device buffer, 1 device buffer -> RAM), bit 2 raise interrupt 0x100 when
 *            done. Bit 0 reads 1 until the transfer completes.
 * The 4 KiB buffer sits at device address 0x40000. Interrupts: MSI (one vector) when the
 * driver enabled it (one message per raise, as QEMU), else INTx (INTA), asserted while the
 * interrupt status is nonzero.
 *
 * Where QEMU's edu performs an out-of-range DMA after logging (or clamps the RAM address to its
 * 28-bit mask), this model refuses it: a count of 0 or above 4 KiB, a buffer range outside
 * [0x40000, 0x41000), or a RAM range reaching beyond 2^28 moves no byte, sets status bit 1 and
 * reports a guest error. A transfer the host refuses (IOMMU fault, bus mastering off) does the
 * same. Either way the command completes (bit 0 clears) and raises 0x100 if asked, so a driver
 * waiting for completion never hangs.
 *
 * Invariants (edu_check): status holds only bits 0, 1, 7; bit 0 is set exactly while a
 * factorial is pending, command bit 0 exactly while a DMA is pending; refused transfers never
 * outnumber completed ones; the PCI invariants hold. edu_advance(now) leaves no event due at or
 * before now. Never: assert() on a driver's value.
 */
#ifndef HW_MODELS_EDU_H
#define HW_MODELS_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

#define EDU_VENDOR_ID 0x1234
#define EDU_DEVICE_ID 0x11e8
#define EDU_CLASS 0x00ff00
#define EDU_REVISION 0x10
#define EDU_BAR_SIZE (1u << 20)

#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_FACT 0x08
#define EDU_REG_STATUS 0x20
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98

#define EDU_ID_VALUE 0x010000edu
#define EDU_STATUS_COMPUTING 0x01u
#define EDU_STATUS_DMA_ERROR 0x02u /* ours, not QEMU's */
#define EDU_STATUS_IRQFACT 0x80u
#define EDU_IRQ_FACT 0x001u
#define EDU_IRQ_DMA 0x100u
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_RAM 0x2u /* direction bit: device buffer -> RAM */
#define EDU_DMA_IRQ 0x4u
#define EDU_DMA_START 0x40000u
#define EDU_DMA_SIZE 4096u
#define EDU_DMA_MASK ((1ull << 28) - 1)

#define EDU_NO_EVENT UINT64_MAX
#define EDU_FACT_DELAY_NS 1000ull     /* ours: QEMU computes in a thread, "soon" */
#define EDU_DMA_DELAY_NS 100000000ull /* QEMU: 100 ms of virtual time */

struct edu {
    struct pci_device pci;
    uint64_t now;          /* the time of the last edu_advance */
    uint64_t fact_delay;   /* ns from the write of n to the result; settable before use */
    uint64_t dma_delay;    /* ns from the start command to the transfer */
    uint64_t fact_done_at; /* EDU_NO_EVENT when no factorial is pending */
    uint64_t dma_done_at;  /* EDU_NO_EVENT when no DMA is pending */
    uint32_t addr4, fact, status, irq_status;
    uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
    uint64_t dmas_done, dma_errors; /* completed transfers, refused ones among them */
    uint8_t buf[EDU_DMA_SIZE];
};

/* Realize the device (IDs, BAR0, MSI with one vector, INTA) and reset the model. 0 or -errno. */
int edu_init(struct edu *e);
/* Bring the model to virtual time now (ns): complete every event due at or before it, in time
 * order. Time never goes back: an earlier now only runs what is already due. */
void edu_advance(struct edu *e, uint64_t now);
/* The earliest pending completion time, EDU_NO_EVENT if none. */
uint64_t edu_next_event(const struct edu *e);
/* 0 when the invariants in the contract hold, else -VK_EINVAL. */
int edu_check(const struct edu *e);

#endif
