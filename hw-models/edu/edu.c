/*
 * hw-models/edu: QEMU's educational PCI device (see edu.h for the register map and the
 * contract). State lives in struct edu; the PCI side goes through hw-models/pci, memory only
 * through pci_dma_read/pci_dma_write (the host's IOMMU hook).
 */
#include "edu.h"

#include <string.h>

#include "veridian/errors.h"

static struct edu *edu_of(struct pci_device *dev)
{
    return dev->opaque;
}

static void edu_raise_irq(struct edu *e, uint32_t val)
{
    e->irq_status |= val;
    if (!e->irq_status)
        return;
    if (pci_msi_enabled(&e->pci))
        (void)pci_msi_notify(&e->pci, 0);
    else
        (void)pci_set_irq(&e->pci, true);
}

static void edu_lower_irq(struct edu *e, uint32_t val)
{
    e->irq_status &= ~val;
    if (!e->irq_status && !pci_msi_enabled(&e->pci))
        (void)pci_set_irq(&e->pci, false);
}

/* n! mod 2^32: from 34! on the product holds 2^32, so the loop stops there. */
static uint32_t factorial(uint32_t n)
{
    uint32_t r = 1;
    if (n >= 34)
        return 0;
    for (uint32_t i = 2; i <= n; i++)
        r *= i;
    return r;
}

static void fact_complete(struct edu *e)
{
    e->fact = factorial(e->fact);
    e->fact_done_at = EDU_NO_EVENT;
    e->status &= ~EDU_STATUS_COMPUTING;
    if (e->status & EDU_STATUS_IRQFACT)
        edu_raise_irq(e, EDU_IRQ_FACT);
}

/* The buffer range [addr, addr + cnt) inside [EDU_DMA_START, + EDU_DMA_SIZE), cnt > 0. */
static bool buf_range_ok(uint64_t addr, uint64_t cnt)
{
    return cnt > 0 && cnt <= EDU_DMA_SIZE && addr >= EDU_DMA_START &&
           addr - EDU_DMA_START <= EDU_DMA_SIZE - cnt;
}

/* The RAM range [addr, addr + cnt) below the 28-bit DMA mask (cnt already <= the buffer). */
static bool ram_range_ok(uint64_t addr, uint64_t cnt)
{
    return addr <= EDU_DMA_MASK && cnt <= EDU_DMA_MASK + 1 - addr;
}

static void dma_complete(struct edu *e)
{
    bool to_ram = e->dma_cmd & EDU_DMA_TO_RAM;
    uint64_t bufaddr = to_ram ? e->dma_src : e->dma_dst;
    uint64_t ramaddr = to_ram ? e->dma_dst : e->dma_src;
    int rc;

    e->dma_done_at = EDU_NO_EVENT;
    if (!buf_range_ok(bufaddr, e->dma_cnt)) {
        pci_guest_error(&e->pci, "edu: DMA range outside the 4 KiB buffer");
        rc = -VK_EINVAL;
    } else if (!ram_range_ok(ramaddr, e->dma_cnt)) {
        pci_guest_error(&e->pci, "edu: DMA address beyond the 28-bit DMA mask");
        rc = -VK_EINVAL;
    } else {
        uint8_t *b = e->buf + (bufaddr - EDU_DMA_START);
        rc = to_ram ? pci_dma_write(&e->pci, ramaddr, b, (size_t)e->dma_cnt)
                    : pci_dma_read(&e->pci, ramaddr, b, (size_t)e->dma_cnt);
        if (rc < 0)
            pci_guest_error(&e->pci, "edu: DMA refused by the host (IOMMU or bus master)");
    }
    e->dmas_done++;
    if (rc < 0) {
        e->dma_errors++;
        e->status |= EDU_STATUS_DMA_ERROR;
    }
    e->dma_cmd &= ~(uint64_t)EDU_DMA_RUN;
    if (e->dma_cmd & EDU_DMA_IRQ)
        edu_raise_irq(e, EDU_IRQ_DMA);
}

static uint64_t edu_mmio_read(struct pci_device *dev, int bar, uint64_t off, unsigned size)
{
    struct edu *e = edu_of(dev);
    (void)bar;
    if (off < 0x80 && size != 4)
        return ~0ull;
    if (off >= 0x80 && size != 4 && size != 8)
        return ~0ull;
    switch (off) {
    case EDU_REG_ID:
        return EDU_ID_VALUE;
    case EDU_REG_LIVENESS:
        return e->addr4;
    case EDU_REG_FACT:
        return e->fact;
    case EDU_REG_STATUS:
        return e->status;
    case EDU_REG_IRQ_STATUS:
        return e->irq_status;
    case EDU_REG_DMA_SRC:
        return e->dma_src;
    case EDU_REG_DMA_DST:
        return e->dma_dst;
    case EDU_REG_DMA_CNT:
        return e->dma_cnt;
    case EDU_REG_DMA_CMD:
        return e->dma_cmd;
    default:
        return ~0ull;
    }
}

static void edu_mmio_write(struct pci_device *dev, int bar, uint64_t off, unsigned size,
                           uint64_t val)
{
    struct edu *e = edu_of(dev);
    bool running = e->dma_cmd & EDU_DMA_RUN;
    (void)bar;
    if (off < 0x80 && size != 4)
        return;
    if (off >= 0x80 && size != 4 && size != 8)
        return;
    if (size == 4)
        val &= 0xffffffffull;
    switch (off) {
    case EDU_REG_LIVENESS:
        e->addr4 = ~(uint32_t)val;
        break;
    case EDU_REG_FACT:
        if (e->status & EDU_STATUS_COMPUTING)
            break;
        e->fact = (uint32_t)val;
        e->status |= EDU_STATUS_COMPUTING;
        e->fact_done_at = e->now + e->fact_delay;
        break;
    case EDU_REG_STATUS:
        if (val & EDU_STATUS_IRQFACT)
            e->status |= EDU_STATUS_IRQFACT;
        else
            e->status &= ~EDU_STATUS_IRQFACT;
        if (val & EDU_STATUS_DMA_ERROR)
            e->status &= ~EDU_STATUS_DMA_ERROR;
        break;
    case EDU_REG_IRQ_RAISE:
        edu_raise_irq(e, (uint32_t)val);
        break;
    case EDU_REG_IRQ_ACK:
        edu_lower_irq(e, (uint32_t)val);
        break;
    case EDU_REG_DMA_SRC:
        if (!running)
            e->dma_src = val;
        break;
    case EDU_REG_DMA_DST:
        if (!running)
            e->dma_dst = val;
        break;
    case EDU_REG_DMA_CNT:
        if (!running)
            e->dma_cnt = val;
        break;
    case EDU_REG_DMA_CMD:
        if (!(val & EDU_DMA_RUN) || running)
            break;
        e->dma_cmd = val;
        e->dma_done_at = e->now + e->dma_delay;
        break;
    default:
        break;
    }
}

static void edu_reset(struct pci_device *dev)
{
    struct edu *e = edu_of(dev);
    e->fact_done_at = EDU_NO_EVENT;
    e->dma_done_at = EDU_NO_EVENT;
    e->addr4 = 0;
    e->fact = 0;
    e->status = 0;
    e->irq_status = 0;
    e->dma_src = e->dma_dst = e->dma_cnt = e->dma_cmd = 0;
    memset(e->buf, 0, sizeof(e->buf)); /* INTx: pci_device_reset has lowered it already */
}

static int edu_realize(struct pci_device *dev)
{
    int rc;
    pci_set_ids(dev, EDU_VENDOR_ID, EDU_DEVICE_ID, EDU_CLASS, EDU_REVISION);
    if ((rc = pci_set_intx_pin(dev, 1)) < 0 ||
        (rc = pci_register_bar(dev, 0, PCI_BAR_MEM32, EDU_BAR_SIZE, false)) < 0 ||
        (rc = pci_msi_init(dev, 1)) < 0)
        return rc;
    return 0;
}

static const struct pci_device_ops edu_ops = {
    .realize = edu_realize,
    .reset = edu_reset,
    .mmio_read = edu_mmio_read,
    .mmio_write = edu_mmio_write,
    .min_access = 4,
    .max_access = 8,
};

int edu_init(struct edu *e)
{
    int rc;
    memset(e, 0, sizeof(*e));
    e->fact_delay = EDU_FACT_DELAY_NS;
    e->dma_delay = EDU_DMA_DELAY_NS;
    if ((rc = pci_device_realize(&e->pci, &edu_ops, e)) < 0)
        return rc;
    edu_reset(&e->pci);
    return 0;
}

uint64_t edu_next_event(const struct edu *e)
{
    return e->fact_done_at < e->dma_done_at ? e->fact_done_at : e->dma_done_at;
}

void edu_advance(struct edu *e, uint64_t now)
{
    if (now > e->now)
        e->now = now;
    for (;;) {
        uint64_t t = edu_next_event(e);
        if (t == EDU_NO_EVENT || t > e->now)
            break;
        if (e->fact_done_at == t)
            fact_complete(e);
        else
            dma_complete(e);
    }
}

int edu_check(const struct edu *e)
{
    if (e->status & ~(EDU_STATUS_COMPUTING | EDU_STATUS_DMA_ERROR | EDU_STATUS_IRQFACT))
        return -VK_EINVAL;
    if (!!(e->status & EDU_STATUS_COMPUTING) != (e->fact_done_at != EDU_NO_EVENT))
        return -VK_EINVAL;
    if (!!(e->dma_cmd & EDU_DMA_RUN) != (e->dma_done_at != EDU_NO_EVENT))
        return -VK_EINVAL;
    if (e->dma_errors > e->dmas_done)
        return -VK_EINVAL;
    return pci_device_check(&e->pci);
}
