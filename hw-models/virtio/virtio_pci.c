/*
 * hw-models/virtio: the virtio 1.x modern PCI transport (the contract is in virtio_pci.h).
 * The PCI side is hw-models/pci (configuration space, BARs, MSI-X); this file serves BAR 4,
 * enforces the status machine, schedules queues in virtual time and raises interrupts.
 */
#include "virtio_pci.h"

#include <string.h>

#include "veridian/errors.h"
#include "veridian/devices.h"

#define STATUS_KNOWN                                                                               \
    (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK |            \
     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)
#define TRANSPORT_FEATURES                                                                         \
    (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_F_ACCESS_PLATFORM) |               \
     VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC))

static struct virtio_pci *vp_of(struct pci_device *dev)
{
    return dev->opaque;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static unsigned nvectors(const struct virtio_pci *vp)
{
    return vp->pci.msix.nvec;
}

/* ---- interrupts ---- */

static void queue_interrupt(struct virtio_pci *vp, unsigned q)
{
    if (pci_msix_enabled(&vp->pci)) {
        if (vp->queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
            (void)pci_msix_notify(&vp->pci, vp->queue_vector[q]);
        return;
    }
    vp->isr |= VIRTIO_ISR_QUEUE;
    (void)pci_set_irq(&vp->pci, true);
}

static void config_interrupt(struct virtio_pci *vp)
{
    vp->isr |= VIRTIO_ISR_CONFIG;
    if (pci_msix_enabled(&vp->pci)) {
        if (vp->config_vector != VIRTIO_MSI_NO_VECTOR)
            (void)pci_msix_notify(&vp->pci, vp->config_vector);
        return;
    }
    (void)pci_set_irq(&vp->pci, true);
}

void virtio_pci_needs_reset(struct virtio_pci *vp, const char *why)
{
    pci_guest_error(&vp->pci, why);
    vp->violations++;
    vp->last_violation = why;
    if (vp->broken)
        return;
    vp->broken = true;
    vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
        vp->due[q] = VIRTIO_NO_EVENT;
    config_interrupt(vp);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
    vp->config_generation++;
    config_interrupt(vp);
}

/* ---- reset ---- */

static void virtio_reset(struct virtio_pci *vp)
{
    const struct virtio_device_ops *o = vp->vops;
    vp->driver_features = 0;
    vp->device_feature_select = vp->driver_feature_select = 0;
    vp->config_vector = VIRTIO_MSI_NO_VECTOR;
    vp->queue_select = 0;
    vp->status = 0;
    vp->config_generation = 0;
    vp->isr = 0;
    vp->broken = false;
    vp->misbehave = VIRTIO_MISBEHAVE_NONE; /* test hooks: a reset disarms */
    vp->spurious_left = 0;
    vp->spurious_due = VIRTIO_NO_EVENT;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
        virtq_reset(&vp->vq[q], q < o->num_queues ? o->queue_max : 0, o->max_chain_bytes);
        vp->queue_vector[q] = VIRTIO_MSI_NO_VECTOR;
        vp->due[q] = VIRTIO_NO_EVENT;
    }
    vp->resets++;
    (void)pci_set_irq(&vp->pci, false);
    if (o->reset)
        o->reset(vp);
}

/* ---- the status machine ---- */

static bool features_acceptable(const struct virtio_pci *vp)
{
    return !(vp->driver_features & ~vp->device_features) &&
           (vp->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
}

/* The spec's order: each step needs the one before it. */
static bool status_ordered(uint8_t s)
{
    if ((s & VIRTIO_CONFIG_S_DRIVER) && !(s & VIRTIO_CONFIG_S_ACKNOWLEDGE))
        return false;
    if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(s & VIRTIO_CONFIG_S_DRIVER))
        return false;
    if ((s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_FEATURES_OK))
        return false;
    return true;
}

static void status_write(struct virtio_pci *vp, uint8_t v)
{
    if (v == 0) {
        virtio_reset(vp);
        return;
    }
    uint8_t old = vp->status & (uint8_t)~VIRTIO_CONFIG_S_NEEDS_RESET;
    uint8_t nv = v & (uint8_t)~VIRTIO_CONFIG_S_NEEDS_RESET;
    if (v & ~STATUS_KNOWN) {
        pci_guest_error(&vp->pci, "virtio: unknown device status bit");
        return;
    }
    if (old & ~nv) {
        pci_guest_error(&vp->pci, "virtio: device status bit cleared without a reset");
        return;
    }
    if (!status_ordered(nv)) {
        pci_guest_error(&vp->pci, "virtio: device status step out of order");
        return;
    }
    if ((nv & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
        if (!features_acceptable(vp)) {
            /* refused: FEATURES_OK reads back clear (and DRIVER_OK cannot follow it) */
            vp->features_refused++;
            nv &= (uint8_t) ~(VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
        } else {
            bool ind = vp->driver_features & VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC);
            for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
                vp->vq[q].indirect = ind;
        }
    }
    vp->status = (uint8_t)(nv | (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET));
}

/* ---- common configuration ---- */

/* The width of the field at off (0: none); 8 for the 64-bit ring addresses. */
static unsigned common_field(uint32_t off)
{
    switch (off) {
    case VIRTIO_PCI_COMMON_DFSELECT:
    case VIRTIO_PCI_COMMON_DF:
    case VIRTIO_PCI_COMMON_GFSELECT:
    case VIRTIO_PCI_COMMON_GF:
        return 4;
    case VIRTIO_PCI_COMMON_MSIX:
    case VIRTIO_PCI_COMMON_NUMQ:
    case VIRTIO_PCI_COMMON_Q_SELECT:
    case VIRTIO_PCI_COMMON_Q_SIZE:
    case VIRTIO_PCI_COMMON_Q_MSIX:
    case VIRTIO_PCI_COMMON_Q_ENABLE:
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return 2;
    case VIRTIO_PCI_COMMON_STATUS:
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return 1;
    case VIRTIO_PCI_COMMON_Q_DESC:
    case VIRTIO_PCI_COMMON_Q_AVAIL:
    case VIRTIO_PCI_COMMON_Q_USED:
        return 8;
    default:
        return 0;
    }
}

/* A valid access: the field's width, or a 32-bit half of a 64-bit field. *base = field start. */
static bool common_access_ok(uint32_t off, unsigned size, uint32_t *base)
{
    unsigned w = common_field(off);
    if (w && size == w) {
        *base = off;
        return true;
    }
    if (w == 8 && size == 4) {
        *base = off;
        return true;
    }
    if (off >= 4 && common_field(off - 4) == 8 && size == 4) {
        *base = off - 4;
        return true;
    }
    return false;
}

static bool queue_selected(const struct virtio_pci *vp)
{
    return vp->queue_select < vp->vops->num_queues;
}

static uint64_t *queue_addr(struct virtq *vq, uint32_t base)
{
    return base == VIRTIO_PCI_COMMON_Q_DESC    ? &vq->desc
           : base == VIRTIO_PCI_COMMON_Q_AVAIL ? &vq->avail
                                               : &vq->used;
}

static uint64_t common_read(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    uint32_t base;
    struct virtq *vq = &vp->vq[queue_selected(vp) ? vp->queue_select : 0];
    if (off >= VIRTIO_PCI_COMMON_SIZE)
        return 0; /* reserved */
    if (!common_access_ok(off, size, &base)) {
        pci_guest_error(&vp->pci, "virtio: common configuration read of the wrong width");
        return 0;
    }
    switch (base) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        return vp->device_feature_select;
    case VIRTIO_PCI_COMMON_DF:
        return vp->device_feature_select < 2
                   ? (uint32_t)(vp->device_features >> (32 * vp->device_feature_select))
                   : 0;
    case VIRTIO_PCI_COMMON_GFSELECT:
        return vp->driver_feature_select;
    case VIRTIO_PCI_COMMON_GF:
        return vp->driver_feature_select < 2
                   ? (uint32_t)(vp->driver_features >> (32 * vp->driver_feature_select))
                   : 0;
    case VIRTIO_PCI_COMMON_MSIX:
        return vp->config_vector;
    case VIRTIO_PCI_COMMON_NUMQ:
        return vp->vops->num_queues;
    case VIRTIO_PCI_COMMON_STATUS:
        return vp->status;
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return vp->config_generation;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        return vp->queue_select;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        return queue_selected(vp) ? vq->size : 0;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        return queue_selected(vp) ? vp->queue_vector[vp->queue_select] : VIRTIO_MSI_NO_VECTOR;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return queue_selected(vp) ? vq->enabled : 0;
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return queue_selected(vp) ? vp->queue_select : 0;
    default: { /* a ring address, whole or one half */
        if (!queue_selected(vp))
            return 0;
        uint64_t a = *queue_addr(vq, base);
        return size == 8 ? a : (uint32_t)(a >> (off == base ? 0 : 32));
    }
    }
}

/* Queue setup is accepted only between FEATURES_OK and DRIVER_OK, on a disabled queue. */
static bool queue_setup_ok(struct virtio_pci *vp)
{
    const char *why = NULL;
    if (!queue_selected(vp))
        why = "virtio: queue setup for a queue the device does not have";
    else if (!(vp->status & VIRTIO_CONFIG_S_FEATURES_OK))
        why = "virtio: queue setup before FEATURES_OK";
    else if (vp->status & VIRTIO_CONFIG_S_DRIVER_OK)
        why = "virtio: queue setup after DRIVER_OK";
    else if (vp->vq[vp->queue_select].enabled)
        why = "virtio: queue setup on an enabled queue";
    if (why)
        pci_guest_error(&vp->pci, why);
    return !why;
}

static uint16_t vector_or_none(const struct virtio_pci *vp, uint64_t v)
{
    return v < nvectors(vp) ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

static void queue_enable(struct virtio_pci *vp, struct virtq *vq, uint64_t val)
{
    if (val != 1) {
        pci_guest_error(&vp->pci, "virtio: queue_enable written with a value other than 1");
        return;
    }
    if ((vq->desc & 0xf) || (vq->avail & 0x1) || (vq->used & 0x3)) {
        pci_guest_error(&vp->pci, "virtio: queue enabled with misaligned ring addresses");
        return;
    }
    vq->enabled = true;
}

static void common_write(struct virtio_pci *vp, uint32_t off, unsigned size, uint64_t val)
{
    uint32_t base;
    struct virtq *vq = &vp->vq[queue_selected(vp) ? vp->queue_select : 0];
    if (off >= VIRTIO_PCI_COMMON_SIZE || !common_access_ok(off, size, &base)) {
        pci_guest_error(&vp->pci, "virtio: common configuration write of the wrong width");
        return;
    }
    switch (base) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        vp->device_feature_select = (uint32_t)val;
        break;
    case VIRTIO_PCI_COMMON_GFSELECT:
        vp->driver_feature_select = (uint32_t)val;
        break;
    case VIRTIO_PCI_COMMON_GF:
        if (!(vp->status & VIRTIO_CONFIG_S_DRIVER) || (vp->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
            pci_guest_error(&vp->pci, "virtio: driver features written outside negotiation");
        } else if (vp->driver_feature_select < 2) {
            unsigned sh = 32 * vp->driver_feature_select;
            vp->driver_features =
                (vp->driver_features & ~(0xffffffffull << sh)) | ((uint64_t)(uint32_t)val << sh);
        } else if (val) {
            pci_guest_error(&vp->pci, "virtio: driver features beyond bit 63");
        }
        break;
    case VIRTIO_PCI_COMMON_MSIX:
        vp->config_vector = vector_or_none(vp, val);
        break;
    case VIRTIO_PCI_COMMON_STATUS:
        status_write(vp, (uint8_t)val);
        break;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        vp->queue_select = (uint16_t)val;
        break;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        if (!queue_setup_ok(vp))
            break;
        if (!is_pow2(val) || val > vq->max_size)
            pci_guest_error(&vp->pci, "virtio: queue size not a power of two <= the maximum");
        else
            vq->size = (uint16_t)val;
        break;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        if (queue_selected(vp))
            vp->queue_vector[vp->queue_select] = vector_or_none(vp, val);
        else
            pci_guest_error(&vp->pci, "virtio: vector for a queue the device does not have");
        break;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        if (queue_setup_ok(vp))
            queue_enable(vp, vq, val);
        break;
    case VIRTIO_PCI_COMMON_Q_DESC:
    case VIRTIO_PCI_COMMON_Q_AVAIL:
    case VIRTIO_PCI_COMMON_Q_USED: {
        if (!queue_setup_ok(vp))
            break;
        uint64_t *a = queue_addr(vq, base);
        if (size == 8)
            *a = val;
        else if (off == base)
            *a = (*a & ~0xffffffffull) | (uint32_t)val;
        else
            *a = (*a & 0xffffffffull) | ((uint64_t)(uint32_t)val << 32);
        break;
    }
    default:
        pci_guest_error(&vp->pci, "virtio: write to a read-only common configuration field");
        break;
    }
}

/* ---- notifications, ISR, device configuration ---- */

static void notify_write(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    unsigned q = off / VIRTIO_PCI_NOTIFY_MULT;
    if (off % VIRTIO_PCI_NOTIFY_MULT || (size != 2 && size != 4) || q >= vp->vops->num_queues) {
        pci_guest_error(&vp->pci, "virtio: notification for no queue of the device");
        return;
    }
    if (vp->broken)
        return; /* stopped until reset; the driver knows from NEEDS_RESET */
    if (!(vp->status & VIRTIO_CONFIG_S_DRIVER_OK) || !vp->vq[q].enabled) {
        pci_guest_error(&vp->pci, "virtio: notification before DRIVER_OK or queue_enable");
        return;
    }
    if (vp->due[q] == VIRTIO_NO_EVENT)
        vp->due[q] = vp->now + vp->latency;
}

static uint64_t isr_read(struct virtio_pci *vp)
{
    uint8_t v = vp->isr;
    vp->isr = 0;
    (void)pci_set_irq(&vp->pci, false);
    return v;
}

static bool device_cfg_ok(const struct virtio_pci *vp, uint32_t off, unsigned size)
{
    return off < vp->vops->config_len && size <= vp->vops->config_len - off;
}

/* BAR 4, whichever way it is reached (the bus, or the PCI_CFG window). */
static uint64_t virtio_bar_read(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    uint32_t rel = off % VIRTIO_PCI_REGION_SIZE;
    switch (off - rel) {
    case VIRTIO_PCI_COMMON_OFF:
        return common_read(vp, rel, size);
    case VIRTIO_PCI_ISR_OFF:
        return rel == 0 ? isr_read(vp) : 0;
    case VIRTIO_PCI_DEVICE_OFF:
        if (!device_cfg_ok(vp, rel, size) || !vp->vops->config_read)
            return 0;
        return vp->vops->config_read(vp, rel, size);
    default:
        return 0; /* notifications read as 0 */
    }
}

/* ---- test hooks: a malicious device (see the header) ---- */

/* the guest's names for them (veridian/devices.h) */
_Static_assert(VDEV_MISBEHAVE_REG == VIRTIO_PCI_MISBEHAVE_REG &&
                   VDEV_MISBEHAVE_SPURIOUS == VIRTIO_MISBEHAVE_SPURIOUS &&
                   VDEV_MISBEHAVE_USED_ID == VIRTIO_MISBEHAVE_USED_ID &&
                   VDEV_MISBEHAVE_USED_LEN == VIRTIO_MISBEHAVE_USED_LEN &&
                   VDEV_MISBEHAVE_USED_IDX == VIRTIO_MISBEHAVE_USED_IDX &&
                   VDEV_MISBEHAVE_CONFIG == VIRTIO_MISBEHAVE_CONFIG,
               "devices.h and virtio_pci.h name the same misbehaviours");

#ifdef VIRTIO_TEST_HOOKS
static void misbehave_arm(struct virtio_pci *vp, uint64_t val)
{
    if (val > VIRTIO_MISBEHAVE_MAX) {
        pci_guest_error(&vp->pci, "virtio: unknown misbehaviour");
        return;
    }
    vp->misbehave = (uint32_t)val;
    if (val != VIRTIO_MISBEHAVE_SPURIOUS)
        return;
    vp->misbehave = VIRTIO_MISBEHAVE_NONE;
    vp->spurious_left = 3;
    vp->spurious_due = vp->now + vp->latency / 2;
}
#endif

/* After a completion was pushed on vq: garbage in its used element or index, as armed. */
static void misbehave_used(struct virtio_pci *vp, struct virtq *vq)
{
    uint16_t slot = (uint16_t)((vq->used_idx - 1u) & (vq->size - 1u));
    uint8_t b[4];
    uint64_t at;
    uint32_t v;
    unsigned n = 4;
    switch (vp->misbehave) {
    case VIRTIO_MISBEHAVE_USED_ID:
        at = vq->used + 4 + 8 * (uint64_t)slot;
        v = 0xdead;
        break;
    case VIRTIO_MISBEHAVE_USED_LEN:
        at = vq->used + 4 + 8 * (uint64_t)slot + 4;
        v = 0xfffffff0u;
        break;
    case VIRTIO_MISBEHAVE_USED_IDX:
        at = vq->used + 2;
        v = (uint16_t)(vq->used_idx + 100u);
        n = 2;
        break;
    default:
        return;
    }
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    vp->misbehave = VIRTIO_MISBEHAVE_NONE;
    vp->misbehaved++;
    (void)pci_dma_write(&vp->pci, at, b, n); /* a refused write: the driver sees no garbage */
}

static void virtio_bar_write(struct virtio_pci *vp, uint32_t off, unsigned size, uint64_t val)
{
    uint32_t rel = off % VIRTIO_PCI_REGION_SIZE;
#ifdef VIRTIO_TEST_HOOKS
    if (off - rel == VIRTIO_PCI_DEVICE_OFF && rel == VIRTIO_PCI_MISBEHAVE_REG && size == 4) {
        misbehave_arm(vp, val);
        return;
    }
#endif
    switch (off - rel) {
    case VIRTIO_PCI_COMMON_OFF:
        common_write(vp, rel, size, val);
        break;
    case VIRTIO_PCI_ISR_OFF:
        pci_guest_error(&vp->pci, "virtio: write to the ISR status");
        break;
    case VIRTIO_PCI_DEVICE_OFF:
        if (!device_cfg_ok(vp, rel, size) || !vp->vops->config_write)
            pci_guest_error(&vp->pci, "virtio: write outside the device configuration");
        else
            vp->vops->config_write(vp, rel, size, val);
        break;
    default:
        notify_write(vp, rel, size);
        break;
    }
}

static uint64_t vp_mmio_read(struct pci_device *dev, int bar, uint64_t off, unsigned size)
{
    if (bar != VIRTIO_PCI_BAR)
        return 0; /* the MSI-X BAR outside its table and PBA */
    return virtio_bar_read(vp_of(dev), (uint32_t)off, size);
}

static void vp_mmio_write(struct pci_device *dev, int bar, uint64_t off, unsigned size,
                          uint64_t val)
{
    if (bar != VIRTIO_PCI_BAR)
        return;
    virtio_bar_write(vp_of(dev), (uint32_t)off, size, val);
}

/* ---- the PCI configuration access capability ---- */

static bool overlaps_cfg_data(const struct virtio_pci *vp, uint32_t off, unsigned size)
{
    uint32_t d = vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA;
    return vp->cfg_cap && off < d + 4 && d < off + size;
}

/* The window the driver set up: 0 and its BAR offset and length, or -VK_EINVAL (a guest error
 * for a write; a read, as a dump of configuration space does, is silent and reaches nothing). */
static int cfg_window(struct virtio_pci *vp, bool write, uint32_t *boff, unsigned *blen)
{
    const uint8_t *c = &vp->pci.config[vp->cfg_cap];
    uint32_t o = rd32(c + VIRTIO_PCI_CAP_OFFSET), l = rd32(c + VIRTIO_PCI_CAP_LENGTH);
    if (c[VIRTIO_PCI_CAP_BAR] != VIRTIO_PCI_BAR || (l != 1 && l != 2 && l != 4) || o % l ||
        o >= VIRTIO_PCI_BAR_SIZE) {
        if (write)
            pci_guest_error(&vp->pci, "virtio: PCI_CFG window: bad BAR, offset or length");
        return -VK_EINVAL;
    }
    *boff = o;
    *blen = l;
    return 0;
}

static void vp_config_read(struct pci_device *dev, uint32_t off, unsigned size, uint32_t *val)
{
    struct virtio_pci *vp = vp_of(dev);
    uint32_t boff, d = vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA;
    unsigned blen;
    if (!overlaps_cfg_data(vp, off, size) || cfg_window(vp, false, &boff, &blen) < 0)
        return;
    uint64_t v = virtio_bar_read(vp, boff, blen);
    for (unsigned i = 0; i < 4; i++)
        dev->config[d + i] = i < blen ? (uint8_t)(v >> (8 * i)) : 0;
    uint32_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint32_t)dev->config[off + i] << (8 * i);
    *val = r;
}

static void vp_config_write(struct pci_device *dev, uint32_t off, unsigned size, uint32_t val)
{
    struct virtio_pci *vp = vp_of(dev);
    uint32_t boff;
    unsigned blen;
    (void)val;
    if (!overlaps_cfg_data(vp, off, size) || cfg_window(vp, true, &boff, &blen) < 0)
        return;
    uint32_t v = rd32(&dev->config[vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA]);
    virtio_bar_write(vp, boff, blen, blen == 4 ? v : v & ((1u << (8 * blen)) - 1));
}

/* ---- realize ---- */

static int add_vendor_cap(struct pci_device *dev, uint8_t type, uint8_t len, uint32_t off,
                          uint32_t length)
{
    int c = pci_add_capability(dev, PCI_CAP_ID_VNDR, len);
    if (c < 0)
        return c;
    dev->config[c + VIRTIO_PCI_CAP_LEN] = len;
    dev->config[c + VIRTIO_PCI_CAP_CFG_TYPE] = type;
    if (type == VIRTIO_PCI_CAP_PCI_CFG) {
        /* the driver sets the window: bar, offset, length and the data are writable */
        dev->wmask[c + VIRTIO_PCI_CAP_BAR] = 0xff;
        memset(&dev->wmask[c + VIRTIO_PCI_CAP_OFFSET], 0xff, 8);
        memset(&dev->wmask[c + VIRTIO_PCI_CFG_CAP_DATA], 0xff, 4);
        return c;
    }
    dev->config[c + VIRTIO_PCI_CAP_BAR] = VIRTIO_PCI_BAR;
    wr32(&dev->config[c + VIRTIO_PCI_CAP_OFFSET], off);
    wr32(&dev->config[c + VIRTIO_PCI_CAP_LENGTH], length);
    if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
        wr32(&dev->config[c + VIRTIO_PCI_NOTIFY_CAP_MULT], VIRTIO_PCI_NOTIFY_MULT);
    return c;
}

static int vp_realize(struct pci_device *dev)
{
    struct virtio_pci *vp = vp_of(dev);
    const struct virtio_device_ops *o = vp->vops;
    int rc, c;
    pci_set_ids(dev, VIRTIO_PCI_VENDOR_ID, (uint16_t)(VIRTIO_PCI_DEVICE_ID_BASE + o->device_id),
                o->class_code, VIRTIO_PCI_REVISION);
    if ((rc = pci_set_subsystem(dev, VIRTIO_PCI_VENDOR_ID, VIRTIO_PCI_SUBSYSTEM_ID)) < 0 ||
        (rc = pci_set_intx_pin(dev, 1)) < 0 ||
        (rc = pci_register_bar(dev, VIRTIO_PCI_MSIX_BAR, PCI_BAR_MEM32, VIRTIO_PCI_MSIX_BAR_SIZE,
                               false)) < 0 ||
        (rc = pci_register_bar(dev, VIRTIO_PCI_BAR, PCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE, true)) < 0)
        return rc;
    if ((rc = add_vendor_cap(dev, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_SIZE,
                             VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_REGION_SIZE)) < 0 ||
        (rc = add_vendor_cap(dev, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_CAP_SIZE, VIRTIO_PCI_ISR_OFF,
                             VIRTIO_PCI_REGION_SIZE)) < 0 ||
        (rc = add_vendor_cap(dev, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_SIZE,
                             VIRTIO_PCI_DEVICE_OFF, VIRTIO_PCI_REGION_SIZE)) < 0 ||
        (rc = add_vendor_cap(dev, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_CAP_SIZE,
                             VIRTIO_PCI_NOTIFY_OFF, VIRTIO_PCI_REGION_SIZE)) < 0 ||
        (c = rc = add_vendor_cap(dev, VIRTIO_PCI_CAP_PCI_CFG, VIRTIO_PCI_CFG_CAP_SIZE, 0, 0)) < 0)
        return rc;
    vp->cfg_cap = (uint16_t)c;
    rc = pci_msix_init(dev, o->num_queues + 1u, VIRTIO_PCI_MSIX_BAR, 0, VIRTIO_PCI_MSIX_BAR,
                       VIRTIO_PCI_MSIX_PBA_OFF);
    return rc < 0 ? rc : 0;
}

static void vp_reset(struct pci_device *dev)
{
    virtio_reset(vp_of(dev));
}

static const struct pci_device_ops virtio_pci_ops = {
    .realize = vp_realize,
    .reset = vp_reset,
    .config_read = vp_config_read,
    .config_write = vp_config_write,
    .mmio_read = vp_mmio_read,
    .mmio_write = vp_mmio_write,
    .min_access = 1,
    .max_access = 8,
};

int virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *vops, void *opaque)
{
    int rc;
    if (!vops || !vops->request || vops->num_queues == 0 ||
        vops->num_queues > VIRTIO_PCI_MAX_QUEUES || !is_pow2(vops->queue_max) ||
        vops->queue_max > VIRTQ_MAX_SIZE || vops->config_len > VIRTIO_PCI_REGION_SIZE ||
        vops->max_chain_bytes == 0)
        return -VK_EINVAL;
    memset(vp, 0, sizeof(*vp));
    vp->vops = vops;
    vp->opaque = opaque;
    vp->latency = VIRTIO_DEFAULT_LATENCY_NS;
    vp->device_features = vops->features | TRANSPORT_FEATURES;
    if ((rc = pci_device_realize(&vp->pci, &virtio_pci_ops, vp)) < 0)
        return rc;
    virtio_reset(vp);
    vp->resets = 0;
    return 0;
}

/* ---- serving requests in virtual time ---- */

/* Serve one chain of queue q: 1 served, 0 the queue is empty, < 0 a violation (reported). */
static int serve_one(struct virtio_pci *vp, unsigned q)
{
    struct virtq *vq = &vp->vq[q];
    uint32_t written = 0;
    const char *why = NULL;
    int rc = virtq_pop(vq, &vp->pci, &vp->elem);
    if (rc <= 0) {
        if (rc < 0)
            virtio_pci_needs_reset(vp, vq->error);
        return rc;
    }
    if (vp->misbehave == VIRTIO_MISBEHAVE_CONFIG) { /* test hooks: with the request in flight */
        vp->misbehave = VIRTIO_MISBEHAVE_NONE;
        vp->misbehaved++;
        if (vp->vops->misbehave_config)
            vp->vops->misbehave_config(vp);
        virtio_pci_config_changed(vp);
    }
    rc = vp->vops->request(vp, q, &vp->elem, &written, &why);
    if (rc < 0) {
        virtio_pci_needs_reset(vp, why ? why : "virtio: request refused by the device");
        return rc;
    }
    if (written > vp->elem.in_len)
        written = (uint32_t)vp->elem.in_len; /* never claim more than the driver gave */
    if ((rc = virtq_push(vq, &vp->pci, vp->elem.head, written)) < 0 ||
        (rc = virtq_should_interrupt(vq, &vp->pci)) < 0) {
        virtio_pci_needs_reset(vp, vq->error);
        return rc;
    }
    vp->requests++;
    misbehave_used(vp, vq);
    if (rc)
        queue_interrupt(vp, q);
    return 1;
}

/* Test hooks: a queue interrupt of every enabled queue with no used buffer behind it. */
static void spurious_interrupt(struct virtio_pci *vp)
{
    vp->misbehaved++;
    for (unsigned q = 0; q < vp->vops->num_queues; q++)
        if (vp->vq[q].enabled && !vp->broken)
            queue_interrupt(vp, q);
    vp->spurious_due = --vp->spurious_left ? vp->spurious_due + vp->latency : VIRTIO_NO_EVENT;
}

uint64_t virtio_pci_next_event(const struct virtio_pci *vp)
{
    uint64_t t = vp->spurious_left ? vp->spurious_due : VIRTIO_NO_EVENT;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
        if (vp->due[q] < t)
            t = vp->due[q];
    return t;
}

void virtio_pci_advance(struct virtio_pci *vp, uint64_t now)
{
    if (now > vp->now)
        vp->now = now;
    for (;;) {
        uint64_t t = virtio_pci_next_event(vp);
        unsigned q = 0;
        if (t == VIRTIO_NO_EVENT || t > vp->now)
            break;
        if (vp->spurious_left && t == vp->spurious_due) {
            spurious_interrupt(vp);
            continue;
        }
        while (vp->due[q] != t)
            q++;
        int rc = serve_one(vp, q);
        if (rc > 0)
            vp->due[q] = t + vp->latency;
        else if (rc == 0)
            vp->due[q] = VIRTIO_NO_EVENT;
        /* rc < 0: virtio_pci_needs_reset cleared every queue's schedule */
    }
}

int virtio_pci_check(const struct virtio_pci *vp)
{
    const struct virtio_device_ops *o = vp->vops;
    uint8_t s = vp->status;
    if ((s & ~STATUS_KNOWN) || !status_ordered(s))
        return -VK_EINVAL;
    if (!!(s & VIRTIO_CONFIG_S_NEEDS_RESET) != vp->broken)
        return -VK_EINVAL;
    if (!(vp->device_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1)))
        return -VK_EINVAL;
    if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable(vp))
        return -VK_EINVAL;
    if (vp->isr & ~(VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG))
        return -VK_EINVAL;
    if (vp->config_vector != VIRTIO_MSI_NO_VECTOR && vp->config_vector >= nvectors(vp))
        return -VK_EINVAL;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
        const struct virtq *vq = &vp->vq[q];
        if (q >= o->num_queues) {
            if (vq->enabled || vp->due[q] != VIRTIO_NO_EVENT ||
                vp->queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
                return -VK_EINVAL;
            continue;
        }
        if (!is_pow2(vq->size) || vq->size > vq->max_size || vq->max_size != o->queue_max)
            return -VK_EINVAL;
        if (vp->queue_vector[q] != VIRTIO_MSI_NO_VECTOR && vp->queue_vector[q] >= nvectors(vp))
            return -VK_EINVAL;
        if (vp->due[q] != VIRTIO_NO_EVENT &&
            (!(s & VIRTIO_CONFIG_S_DRIVER_OK) || !vq->enabled || vp->broken))
            return -VK_EINVAL;
        if (!vp->broken && vq->used_idx != vq->last_avail)
            return -VK_EINVAL;
    }
    return pci_device_check(&vp->pci);
}
