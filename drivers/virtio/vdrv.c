/*
 * The virtio modern PCI transport, driver side (contract: vdrv.h). Every register goes through
 * the DDK; every value the device returns is checked before it decides anything.
 */
#include "vdrv.h"

#include <stdlib.h>
#include <string.h>

#include "veridian/devices.h"
#include "veridian/errors.h"

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_VNDR 0x09
#define CAP_WALK_MAX 48 /* capabilities that fit in 0x40..0xff, dword aligned */

/* struct virtio_pci_cap and the notify capability's multiplier */
#define CAP_LEN 2
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_SIZE 16
#define CAP_NOTIFY_MULT 16
#define CAP_NOTIFY_SIZE 20
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* struct virtio_pci_common_cfg */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_NUMQ 0x12
#define C_STATUS 0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_AVAIL 0x28
#define C_Q_USED 0x30
#define C_SIZE 0x38

#define RESET_POLLS 1000 /* reads of the status after writing 0 before giving up */

/* ---- common configuration accessors ---- */

static uint8_t c_read8(struct vdrv_dev *v, uint32_t off)
{
    return ddk_mmio_read8(v->dev, v->common.bar, v->common.off + off);
}

static uint16_t c_read16(struct vdrv_dev *v, uint32_t off)
{
    return ddk_mmio_read16(v->dev, v->common.bar, v->common.off + off);
}

static uint32_t c_read32(struct vdrv_dev *v, uint32_t off)
{
    return ddk_mmio_read32(v->dev, v->common.bar, v->common.off + off);
}

static int c_write8(struct vdrv_dev *v, uint32_t off, uint8_t x)
{
    return ddk_mmio_write8(v->dev, v->common.bar, v->common.off + off, x);
}

static int c_write16(struct vdrv_dev *v, uint32_t off, uint16_t x)
{
    return ddk_mmio_write16(v->dev, v->common.bar, v->common.off + off, x);
}

static int c_write32(struct vdrv_dev *v, uint32_t off, uint32_t x)
{
    return ddk_mmio_write32(v->dev, v->common.bar, v->common.off + off, x);
}

/* 64-bit fields as two 32-bit halves: what every transport accepts */
static int c_write64(struct vdrv_dev *v, uint32_t off, uint64_t x)
{
    int rc = c_write32(v, off, (uint32_t)x);
    return rc ? rc : c_write32(v, off + 4, (uint32_t)(x >> 32));
}

/* ---- discovery ---- */

/* A structure the capability names: inside an existing memory BAR, at least min bytes. */
static int take_region(struct vdrv_dev *v, uint32_t cap, uint64_t min, struct vdrv_region *r)
{
    struct vk_bar_info bi;
    uint8_t bar = ddk_config_read8(v->dev, cap + CAP_BAR);
    uint64_t off = ddk_config_read32(v->dev, cap + CAP_OFFSET);
    uint64_t len = ddk_config_read32(v->dev, cap + CAP_LENGTH);
    if (bar >= 6 || ddk_bar_info(v->dev, bar, &bi) || bi.kind == VK_BAR_IO)
        return 0; /* the spec: ignore a capability naming a BAR we do not know */
    if (len < min || off > bi.size || len > bi.size - off)
        return 0;
    if (r->present)
        return 0; /* the first of each type is the preferred one */
    *r = (struct vdrv_region){.present = true, .bar = bar, .off = off, .len = len};
    return 1;
}

int vdrv_probe(struct vdrv_dev *v, struct ddk_device *dev)
{
    memset(v, 0, sizeof *v);
    v->dev = dev;
    const struct vk_device_info *info = ddk_info(dev);
    if (info->vendor != VDRV_VENDOR_ID || info->device < 0x1040 || info->device > 0x107f) {
        ddk_log(dev, "not a modern virtio device (%04x:%04x)", info->vendor, info->device);
        return -VK_ENODEV;
    }
    if (!(ddk_config_read16(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return -VK_ENODEV;
    uint32_t at = ddk_config_read8(dev, PCI_CAPABILITY_LIST) & 0xfcu;
    for (int n = 0; n < CAP_WALK_MAX && at >= 0x40 && at <= 0xfc; n++) {
        uint16_t hdr = ddk_config_read16(dev, at);
        uint8_t caplen = ddk_config_read8(dev, at + CAP_LEN);
        if ((hdr & 0xff) == PCI_CAP_ID_VNDR && caplen >= CAP_SIZE && at + caplen <= 0x100) {
            uint8_t type = ddk_config_read8(dev, at + CAP_CFG_TYPE);
            if (type == CAP_COMMON)
                take_region(v, at, C_SIZE, &v->common);
            else if (type == CAP_ISR)
                take_region(v, at, 1, &v->isr);
            else if (type == CAP_DEVICE)
                take_region(v, at, 0, &v->device);
            else if (type == CAP_NOTIFY && caplen >= CAP_NOTIFY_SIZE &&
                     take_region(v, at, 2, &v->notify))
                v->notify_mult = ddk_config_read32(dev, at + CAP_NOTIFY_MULT);
        }
        at = (hdr >> 8) & 0xfcu;
    }
    if (!v->common.present || !v->notify.present || !v->isr.present) {
        ddk_log(dev, "virtio capabilities missing or out of range (common %d notify %d isr %d)",
                v->common.present, v->notify.present, v->isr.present);
        return -VK_ENODEV;
    }
    return 0;
}

/* ---- status ---- */

uint8_t vdrv_status(struct vdrv_dev *v)
{
    return c_read8(v, C_STATUS);
}

uint8_t vdrv_isr(struct vdrv_dev *v)
{
    return ddk_mmio_read8(v->dev, v->isr.bar, v->isr.off);
}

static int add_status(struct vdrv_dev *v, uint8_t bits)
{
    uint8_t s = vdrv_status(v);
    if (s == 0xff)
        return -VK_EIO;
    return c_write8(v, C_STATUS, (uint8_t)(s | bits));
}

void vdrv_fail(struct vdrv_dev *v)
{
    add_status(v, VDRV_S_FAILED);
}

int vdrv_reset(struct vdrv_dev *v)
{
    int rc;
    v->resets++;
    if ((rc = c_write8(v, C_STATUS, 0)))
        return rc;
    for (int i = 0; i < RESET_POLLS; i++) /* each read is a kernel call: time moves */
        if (vdrv_status(v) == 0)
            return 0;
    ddk_log(v->dev, "the device did not finish its reset");
    return -VK_EIO;
}

int vdrv_negotiate(struct vdrv_dev *v, uint64_t want, uint64_t *got)
{
    int rc;
    if ((rc = add_status(v, VDRV_S_ACKNOWLEDGE)) || (rc = add_status(v, VDRV_S_DRIVER)))
        return rc;
    if ((rc = c_write32(v, C_DFSELECT, 0)))
        return rc;
    uint64_t lo = c_read32(v, C_DF);
    if ((rc = c_write32(v, C_DFSELECT, 1)))
        return rc;
    uint64_t hi = c_read32(v, C_DF);
    v->device_features = hi << 32 | lo;
    if (!(v->device_features & VDRV_F_VERSION_1)) {
        ddk_log(v->dev, "the device does not offer VIRTIO_F_VERSION_1");
        vdrv_fail(v);
        return -VK_ENODEV;
    }
    uint64_t f = v->device_features & (want | VDRV_F_VERSION_1 | VDRV_F_ACCESS_PLATFORM);
    if ((rc = c_write32(v, C_GFSELECT, 0)) || (rc = c_write32(v, C_GF, (uint32_t)f)) ||
        (rc = c_write32(v, C_GFSELECT, 1)) || (rc = c_write32(v, C_GF, (uint32_t)(f >> 32))))
        return rc;
    if ((rc = add_status(v, VDRV_S_FEATURES_OK)))
        return rc;
    uint8_t s = vdrv_status(v);
    if (s == 0xff || !(s & VDRV_S_FEATURES_OK)) {
        ddk_log(v->dev, "the device refused the features %#llx", (unsigned long long)f);
        vdrv_fail(v);
        return -VK_EIO;
    }
    v->features = f;
    if (got)
        *got = f;
    return 0;
}

/* ---- queues ---- */

int vdrv_queue_setup(struct vdrv_dev *v, struct vdrv_queue *q, uint16_t index, uint16_t want_size,
                     uint16_t vector)
{
    int rc;
    uint16_t numq = c_read16(v, C_NUMQ);
    if (numq == 0xffff || index >= numq || index >= VDRV_MAX_QUEUES)
        return -VK_ENODEV;
    if ((rc = c_write16(v, C_Q_SELECT, index)))
        return rc;
    uint16_t max = c_read16(v, C_Q_SIZE);
    if (max == 0 || max == 0xffff || (max & (max - 1)))
        return -VK_EIO; /* the device offers no queue, or garbage */
    uint16_t size = max < want_size ? max : want_size;
    if (size > VDRV_VQ_MAX)
        size = VDRV_VQ_MAX;
    while (size & (size - 1)) /* a power of two at most what both want */
        size &= (uint16_t)(size - 1);
    uint16_t noff = c_read16(v, C_Q_NOFF);
    uint64_t at = (uint64_t)noff * v->notify_mult;
    if (v->notify.len < 2 || at > v->notify.len - 2) {
        ddk_log(v->dev, "queue %u: notify offset %u outside the notify region", index, noff);
        return -VK_EIO;
    }
    uint64_t d, a, u, total;
    vdrv_vq_layout(size, &d, &a, &u, &total);
    if (!q->mem.va) {
        if ((rc = ddk_dma_alloc(v->dev, total, VK_DMA_READ | VK_DMA_WRITE, &q->mem)))
            return rc;
    }
    if (q->mem.size < total)
        return -VK_EINVAL;
    if ((rc = vdrv_vq_init(&q->vq, size, q->mem.va, q->mem.iova)))
        return rc;
    q->index = index;
    q->notify_off = noff;
    ddk_dma_sync(v->dev, &q->mem, 1);
    if ((rc = c_write16(v, C_Q_SIZE, size)) ||
        (rc = c_write64(v, C_Q_DESC, vdrv_vq_desc_iova(&q->vq))) ||
        (rc = c_write64(v, C_Q_AVAIL, vdrv_vq_avail_iova(&q->vq))) ||
        (rc = c_write64(v, C_Q_USED, vdrv_vq_used_iova(&q->vq))) ||
        (rc = c_write16(v, C_Q_MSIX, vector)))
        return rc;
    if (c_read16(v, C_Q_MSIX) != vector) {
        ddk_log(v->dev, "queue %u: the device refused MSI-X vector %u", index, vector);
        return -VK_EIO;
    }
    if ((rc = c_write16(v, C_Q_ENABLE, 1)))
        return rc;
    if (c_read16(v, C_Q_ENABLE) != 1 || c_read16(v, C_Q_SIZE) != size) {
        ddk_log(v->dev, "queue %u: the device did not take the queue", index);
        return -VK_EIO;
    }
    return 0;
}

int vdrv_config_vector(struct vdrv_dev *v, uint16_t vector)
{
    int rc = c_write16(v, C_MSIX, vector);
    if (rc)
        return rc;
    return c_read16(v, C_MSIX) == vector ? 0 : -VK_EIO;
}

int vdrv_driver_ok(struct vdrv_dev *v)
{
    int rc = add_status(v, VDRV_S_DRIVER_OK);
    if (rc)
        return rc;
    uint8_t s = vdrv_status(v);
    return s != 0xff && (s & VDRV_S_DRIVER_OK) && !(s & VDRV_S_NEEDS_RESET) ? 0 : -VK_EIO;
}

int vdrv_notify(struct vdrv_dev *v, const struct vdrv_queue *q)
{
    uint64_t at = (uint64_t)q->notify_off * v->notify_mult; /* checked in queue setup */
    return ddk_mmio_write16(v->dev, v->notify.bar, v->notify.off + at, q->index);
}

/* ---- around the sequence: interrupts, restarts, test hooks ---- */

int vdrv_irq_setup(struct vdrv_dev *v, unsigned nvec, bool *msix)
{
    static const char *const count[] = {"zero", "one", "two", "three", "four", "five"};
    int rc =
        ddk_has_arg(v->dev, "--intx") ? -VK_ENOENT : ddk_irq_enable(v->dev, DDK_IRQ_MSIX, nvec);
    *msix = rc >= (int)nvec;
    if (*msix)
        return 0;
    if (nvec < sizeof count / sizeof count[0])
        ddk_log(v->dev, "no MSI-X with %s vectors (%d): using INTx", count[nvec], rc);
    else
        ddk_log(v->dev, "no MSI-X with %u vectors (%d): using INTx", nvec, rc);
    rc = ddk_irq_enable(v->dev, DDK_IRQ_INTX, 1);
    return rc < 0 ? rc : 0;
}

int vdrv_started(struct vdrv_dev *v, int rc)
{
    if (rc) {
        ddk_log(v->dev, "the device did not start (%d)", rc);
        vdrv_fail(v);
    }
    return rc;
}

void vdrv_restarted(struct vdrv_dev *v, int rc)
{
    if (!rc)
        return;
    ddk_log(v->dev, "the device did not come back after a reset (%d): exiting", rc);
    vdrv_fail(v);
    exit(1);
}

int vdrv_test_misbehave(struct vdrv_dev *v, uint64_t what)
{
    if (what < VDEV_MISBEHAVE_SPURIOUS || what > VDEV_MISBEHAVE_CONFIG)
        return -VK_EINVAL;
    ddk_mmio_write32(v->dev, v->device.bar, v->device.off + VDEV_MISBEHAVE_REG, (uint32_t)what);
    return 0;
}
