/*
 * drivers/edu: the driver of QEMU's educational device (1234:11e8), serving /dev/edu
 * (protocol: veridian/devices.h). Written against ddk.h only, so the same binary drives
 * vrsim's model (hw-models/edu) and QEMU's device.
 *
 * Interrupts: MSI (one vector); with the argument --intx (drivers.toml `args`) the INTx line.
 *
 * One operation at a time: the device has one factorial unit and one DMA engine. While an
 * operation runs the driver holds further messages (they queue in the kernel), and a deadline
 * bounds the wait for the device's interrupt (MSI): a lost interrupt fails the operation with
 * EIO instead of hanging the client. A DMA error (status bit 1: the device refused a transfer,
 * e.g. after an IOMMU fault) fails it with EIO too; the bit is cleared for the next one.
 *
 * Buffers: `in` (device reads), `out` (device writes), and a canary page mapped device-read-
 * only: a transfer into it must fault in the IOMMU and leave its bytes as they were (INFO
 * reports its hash). The guard page the DDK leaves after the canary is the "mapped to
 * nothing" IOVA INFO reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk.h"
#include "veridian/devices.h"

/* BAR0 registers (QEMU's docs/specs/edu.rst; hw-models/edu/edu.h says the same) */
#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_FACT 0x08
#define EDU_REG_STATUS 0x20
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_ID_MASK 0xffu
#define EDU_ID_VALUE 0xedu
#define EDU_STATUS_DMA_ERROR 0x02u
#define EDU_STATUS_IRQFACT 0x80u
#define EDU_IRQ_FACT 0x001u
#define EDU_IRQ_DMA 0x100u
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_RAM 0x2u
#define EDU_DMA_IRQ 0x4u
#define EDU_DEV_BUF 0x40000u
#define EDU_DMA_MASK ((1ull << 28) - 1)

#define FACT_TIMEOUT_NS 10000000ull  /* 10 ms: the unit takes microseconds */
#define DMA_TIMEOUT_NS 1000000000ull /* 1 s: a transfer takes 100 ms (QEMU's timer) */

enum edu_stage {
    ST_IDLE,
    ST_FACT,
    ST_DMA_IN,  /* the client's bytes: RAM -> device buffer */
    ST_DMA_OUT, /* and back: device buffer -> the other RAM buffer */
    ST_RAW,
};

struct edu_drv {
    struct ddk_dma_buf in, out, canary;
    struct ddk_msg cur; /* the operation in progress (valid unless ST_IDLE) */
    enum edu_stage stage;
    uint32_t len;
    uint64_t dmas, dma_errors;
};

static uint64_t fnv1a(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static int start_dma(struct ddk_device *dev, uint64_t src, uint64_t dst, uint64_t cnt, uint32_t dir)
{
    int rc;
    if ((rc = ddk_mmio_write64(dev, 0, EDU_REG_DMA_SRC, src)) ||
        (rc = ddk_mmio_write64(dev, 0, EDU_REG_DMA_DST, dst)) ||
        (rc = ddk_mmio_write64(dev, 0, EDU_REG_DMA_CNT, cnt)) ||
        (rc = ddk_mmio_write64(dev, 0, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ | dir)))
        return rc;
    ddk_set_deadline(dev, ddk_now() + DMA_TIMEOUT_NS);
    return 0;
}

static void begin(struct ddk_device *dev, struct edu_drv *d, const struct ddk_msg *m,
                  enum edu_stage st)
{
    d->cur = *m;
    d->stage = st;
    ddk_hold_messages(dev, 1);
}

static void finish(struct ddk_device *dev, struct edu_drv *d, long status)
{
    ddk_reply(dev, &d->cur, status);
    d->stage = ST_IDLE;
    ddk_set_deadline(dev, VK_DEADLINE_NEVER);
    ddk_hold_messages(dev, 0);
}

/* The DMA engine finished a transfer: did the device refuse it? (then clear the bit) */
static int dma_failed(struct ddk_device *dev, struct edu_drv *d)
{
    uint32_t st = ddk_mmio_read32(dev, 0, EDU_REG_STATUS);
    d->dmas++;
    if (!(st & EDU_STATUS_DMA_ERROR))
        return 0;
    d->dma_errors++;
    ddk_mmio_write32(dev, 0, EDU_REG_STATUS, EDU_STATUS_IRQFACT | EDU_STATUS_DMA_ERROR);
    return 1;
}

static void dma_done(struct ddk_device *dev, struct edu_drv *d)
{
    int failed = dma_failed(dev, d);
    switch (d->stage) {
    case ST_DMA_IN:
        if (failed || start_dma(dev, EDU_DEV_BUF, d->out.iova, d->len, EDU_DMA_TO_RAM)) {
            finish(dev, d, -VK_EIO);
            return;
        }
        d->stage = ST_DMA_OUT;
        return;
    case ST_DMA_OUT: {
        if (failed) {
            finish(dev, d, -VK_EIO);
            return;
        }
        ddk_dma_sync(dev, &d->out, 0);
        long n = ddk_msg_write(dev, &d->cur, 0, d->out.va, d->len);
        d->cur.data[0] = n < 0 ? 0 : (uint64_t)n;
        finish(dev, d, n < 0 ? n : 0);
        return;
    }
    case ST_RAW:
        d->cur.data[0] = 0;
        finish(dev, d, failed ? -VK_EIO : 0);
        return;
    default:
        return; /* a transfer that outlived its deadline: nobody waits for it */
    }
}

static void edu_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct edu_drv *d = ddk_priv(dev);
    (void)vector; /* one vector */
    uint32_t irq = ddk_mmio_read32(dev, 0, EDU_REG_IRQ_STATUS);
    if (irq == 0xffffffffu)
        return; /* the read was refused: nothing to acknowledge */
    ddk_mmio_write32(dev, 0, EDU_REG_IRQ_ACK, irq);
    if ((irq & EDU_IRQ_FACT) && d->stage == ST_FACT) {
        d->cur.data[0] = ddk_mmio_read32(dev, 0, EDU_REG_FACT);
        finish(dev, d, 0);
    }
    if (irq & EDU_IRQ_DMA)
        dma_done(dev, d);
}

static void edu_deadline(struct ddk_device *dev)
{
    struct edu_drv *d = ddk_priv(dev);
    if (d->stage != ST_IDLE) {
        ddk_log(dev, "no interrupt from the device in time: the operation fails");
        finish(dev, d, -VK_EIO);
    }
}

static void op_dma(struct ddk_device *dev, struct edu_drv *d, struct ddk_msg *m)
{
    if (m->send_len == 0 || m->send_len > EDU_PROTO_DMA_MAX || m->recv_len < m->send_len) {
        ddk_reply(dev, m, -VK_EINVAL);
        return;
    }
    long n = ddk_msg_read(dev, m, 0, d->in.va, m->send_len);
    if (n < 0 || (uint64_t)n != m->send_len) {
        ddk_reply(dev, m, n < 0 ? n : -VK_EFAULT);
        return;
    }
    d->len = (uint32_t)n;
    memset(d->out.va, 0, d->out.size); /* what comes back must have made the trip */
    ddk_dma_sync(dev, &d->in, 1);
    begin(dev, d, m, ST_DMA_IN);
    if (start_dma(dev, d->in.iova, EDU_DEV_BUF, d->len, 0))
        finish(dev, d, -VK_EIO);
}

static void edu_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct edu_drv *d = ddk_priv(dev);
    if (m->kind != DDK_MSG_CALL)
        return;
    switch (m->opcode) {
    case EDU_OP_FACT:
        begin(dev, d, m, ST_FACT);
        ddk_set_deadline(dev, ddk_now() + FACT_TIMEOUT_NS);
        if (ddk_mmio_write32(dev, 0, EDU_REG_FACT, (uint32_t)m->data[0]))
            finish(dev, d, -VK_EIO);
        return;
    case EDU_OP_DMA:
        op_dma(dev, d, m);
        return;
    case EDU_OP_INFO:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = d->canary.iova;
        m->data[1] = d->canary.iova + d->canary.size; /* the DDK's guard page */
        m->data[2] = fnv1a(d->canary.va, d->canary.size);
        m->data[3] = d->dmas;
        m->data[4] = d->dma_errors;
        m->data[5] = ddk_irq_count(dev);
        ddk_reply(dev, m, 0);
        return;
    case EDU_OP_DMA_RAW: {
        uint64_t iova = m->data[0], len = m->data[1];
        int to_ram = m->data[2] == EDU_RAW_TO_RAM;
        begin(dev, d, m, ST_RAW);
        if (start_dma(dev, to_ram ? EDU_DEV_BUF : iova, to_ram ? iova : EDU_DEV_BUF, len,
                      to_ram ? EDU_DMA_TO_RAM : 0))
            finish(dev, d, -VK_EIO);
        return;
    }
    case EDU_OP_CRASH:
        /* test only: die with a transfer into our buffer in flight; devmgr must reset the
         * device and revoke the domain before the memory can go anywhere else */
        ddk_log(dev, "crashing with a DMA pending (EDU_OP_CRASH)");
        start_dma(dev, EDU_DEV_BUF, d->out.iova, EDU_PROTO_DMA_MAX, EDU_DMA_TO_RAM);
        *(volatile uint32_t *)(uintptr_t)m->data[5] = 0; /* data[5] is 0: a null store */
        __builtin_trap();
    default:
        ddk_reply(dev, m, -VK_ENOSYS);
        return;
    }
}

static int edu_init(struct ddk_device *dev)
{
    struct edu_drv *d = calloc(1, sizeof *d); /* lives as long as the driver */
    int rc;
    if (!d)
        return -VK_ENOMEM;
    ddk_set_priv(dev, d);
    uint32_t id = ddk_mmio_read32(dev, 0, EDU_REG_ID);
    if ((id & EDU_ID_MASK) != EDU_ID_VALUE) {
        ddk_log(dev, "not an edu device (id %#x)", id);
        return -VK_ENODEV;
    }
    ddk_mmio_write32(dev, 0, EDU_REG_LIVENESS, 0x12345678u);
    if (ddk_mmio_read32(dev, 0, EDU_REG_LIVENESS) != ~0x12345678u) {
        ddk_log(dev, "liveness check failed");
        return -VK_EIO;
    }
    ddk_dma_set_mask(dev, EDU_DMA_MASK);
    if ((rc = ddk_dma_alloc(dev, EDU_PROTO_DMA_MAX, VK_DMA_READ, &d->in)) ||
        (rc = ddk_dma_alloc(dev, EDU_PROTO_DMA_MAX, VK_DMA_WRITE, &d->out)) ||
        (rc = ddk_dma_alloc(dev, 4096, VK_DMA_READ, &d->canary)))
        return rc;
    for (size_t i = 0; i < d->canary.size; i++)
        ((uint8_t *)d->canary.va)[i] = (uint8_t)(0xc5 ^ i);
    if (ddk_has_arg(dev, "--intx")) { /* drivers.toml args: the legacy line, no MSI */
        if ((rc = ddk_irq_enable(dev, DDK_IRQ_INTX, 1)) < 0)
            return rc;
    } else if ((rc = ddk_irq_enable(dev, DDK_IRQ_MSI, 1)) < 0) {
        ddk_log(dev, "no MSI (error %d): trying INTx", -rc);
        if ((rc = ddk_irq_enable(dev, DDK_IRQ_INTX, 1)) < 0)
            return rc;
    }
    /* interrupt on factorial completion; clear a stale DMA error */
    ddk_mmio_write32(dev, 0, EDU_REG_STATUS, EDU_STATUS_IRQFACT | EDU_STATUS_DMA_ERROR);
    ddk_mmio_write32(dev, 0, EDU_REG_IRQ_ACK, ddk_mmio_read32(dev, 0, EDU_REG_IRQ_STATUS));
    return 0;
}

static const struct ddk_driver_ops edu_ops = {
    .name = "edu",
    .init = edu_init,
    .handle_interrupt = edu_interrupt,
    .handle_message = edu_message,
    .handle_deadline = edu_deadline,
};

int main(int argc, char **argv)
{
    return ddk_main(&edu_ops, argc, argv);
}
