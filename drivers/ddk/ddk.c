/*
 * The driver kit over Veridian's kernel-call page (see ddk.h for the contract).
 *
 * State: one struct ddk_device per driver process (ddk_main makes it; the driver sees it only
 * through ddk.h). Every hardware access is a vk_device_* / vk_dma_* call: nothing here
 * dereferences device memory, so the same code serves vrsim's models and later the real
 * kernel (where the kernel-call page may map BARs instead).
 *
 * Never: trust what the device returns (capability pointers are bounded, loops are counted),
 * or spin waiting for the device (waits are kernel waits with deadlines).
 */
#include "ddk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddk_iova.h"
#include "veridian/vk.h"

/* PCI configuration space (PCI Local Bus 3.0 / PCIe base spec), what the kit itself uses */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSI_FLAGS 0x02
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK 0x000e
#define PCI_MSI_FLAGS_QSIZE 0x0070
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSIX_FLAGS 0x02
#define PCI_MSIX_FLAGS_QSIZE 0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_ENTRY_SIZE 16u
#define PCI_CAP_WALK_MAX 48 /* capabilities that fit in 0x40..0xff, dword aligned */

struct ddk_device {
    const struct ddk_driver_ops *ops;
    void *priv;
    const char *name;
    int argc;
    char **argv;
    uint32_t dev;    /* device object */
    uint32_t domain; /* DMA domain (0: none) */
    uint32_t ep;     /* our endpoint's receive end */
    uint32_t irq;    /* notification: bit v = vector v */
    struct vk_device_info info;
    struct ddk_iova iova;
    uint64_t dma_mask;
    uint64_t deadline;
    uint64_t irqs;
    uint64_t access_errors;
    long last_error;
    int hold;
};

void ddk_set_priv(struct ddk_device *dev, void *priv)
{
    dev->priv = priv;
}

void *ddk_priv(const struct ddk_device *dev)
{
    return dev->priv;
}

const char *ddk_name(const struct ddk_device *dev)
{
    return dev->name;
}

int ddk_has_arg(const struct ddk_device *dev, const char *flag)
{
    for (int i = 2; i < dev->argc; i++)
        if (dev->argv[i] && !strcmp(dev->argv[i], flag))
            return 1;
    return 0;
}

const struct vk_device_info *ddk_info(const struct ddk_device *dev)
{
    return &dev->info;
}

void ddk_log(const struct ddk_device *dev, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", dev->name, line);
}

static long refused(struct ddk_device *dev, long rc)
{
    dev->access_errors++;
    dev->last_error = rc;
    return rc;
}

uint64_t ddk_access_errors(const struct ddk_device *dev)
{
    return dev->access_errors;
}

long ddk_last_error(const struct ddk_device *dev)
{
    return dev->last_error;
}

/* ---- configuration space ---- */

static uint32_t config_read(struct ddk_device *dev, uint32_t off, uint32_t size)
{
    long v = vk_device_config_read(dev->dev, off, size);
    if (v < 0) {
        refused(dev, v);
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return (uint32_t)v;
}

static int config_write(struct ddk_device *dev, uint32_t off, uint32_t size, uint32_t v)
{
    long rc = vk_device_config_write(dev->dev, off, size, v);
    return rc < 0 ? (int)refused(dev, rc) : 0;
}

uint8_t ddk_config_read8(struct ddk_device *dev, uint32_t off)
{
    return (uint8_t)config_read(dev, off, 1);
}

uint16_t ddk_config_read16(struct ddk_device *dev, uint32_t off)
{
    return (uint16_t)config_read(dev, off, 2);
}

uint32_t ddk_config_read32(struct ddk_device *dev, uint32_t off)
{
    return config_read(dev, off, 4);
}

int ddk_config_write8(struct ddk_device *dev, uint32_t off, uint8_t v)
{
    return config_write(dev, off, 1, v);
}

int ddk_config_write16(struct ddk_device *dev, uint32_t off, uint16_t v)
{
    return config_write(dev, off, 2, v);
}

int ddk_config_write32(struct ddk_device *dev, uint32_t off, uint32_t v)
{
    return config_write(dev, off, 4, v);
}

uint32_t ddk_find_capability(struct ddk_device *dev, uint8_t id)
{
    if (!(ddk_config_read16(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    uint32_t at = ddk_config_read8(dev, PCI_CAPABILITY_LIST) & 0xfcu;
    for (int n = 0; n < PCI_CAP_WALK_MAX && at >= 0x40 && at <= 0xfc; n++) {
        uint16_t hdr = ddk_config_read16(dev, at);
        if ((hdr & 0xff) == id)
            return at;
        at = (hdr >> 8) & 0xfcu;
    }
    return 0;
}

int ddk_bus_master(struct ddk_device *dev, int on)
{
    uint16_t cmd = ddk_config_read16(dev, PCI_COMMAND);
    uint16_t want = on ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;
    return want == cmd ? 0 : ddk_config_write16(dev, PCI_COMMAND, want);
}

/* ---- BARs ---- */

int ddk_bar_info(const struct ddk_device *dev, unsigned bar, struct vk_bar_info *out)
{
    if (bar >= 6 || dev->info.bars[bar].kind == VK_BAR_NONE)
        return -VK_ENOENT;
    *out = dev->info.bars[bar];
    return 0;
}

static uint64_t bar_read(struct ddk_device *dev, unsigned bar, uint64_t off, uint32_t size)
{
    if (size < 8) { /* the fast path: the value comes back in the return register */
        long v = vk_device_mmio_read(dev->dev, bar, off, size, NULL);
        if (v >= 0)
            return (uint64_t)v;
        refused(dev, v);
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    uint64_t v;
    long rc = vk_device_mmio_read(dev->dev, bar, off, size, &v);
    if (rc < 0) {
        refused(dev, rc);
        return UINT64_MAX;
    }
    return v;
}

static int bar_write(struct ddk_device *dev, unsigned bar, uint64_t off, uint32_t size, uint64_t v)
{
    long rc = vk_device_mmio_write(dev->dev, bar, off, size, v);
    return rc < 0 ? (int)refused(dev, rc) : 0;
}

uint8_t ddk_mmio_read8(struct ddk_device *dev, unsigned bar, uint64_t off)
{
    return (uint8_t)bar_read(dev, bar, off, 1);
}

uint16_t ddk_mmio_read16(struct ddk_device *dev, unsigned bar, uint64_t off)
{
    return (uint16_t)bar_read(dev, bar, off, 2);
}

uint32_t ddk_mmio_read32(struct ddk_device *dev, unsigned bar, uint64_t off)
{
    return (uint32_t)bar_read(dev, bar, off, 4);
}

uint64_t ddk_mmio_read64(struct ddk_device *dev, unsigned bar, uint64_t off)
{
    return bar_read(dev, bar, off, 8);
}

int ddk_mmio_write8(struct ddk_device *dev, unsigned bar, uint64_t off, uint8_t v)
{
    return bar_write(dev, bar, off, 1, v);
}

int ddk_mmio_write16(struct ddk_device *dev, unsigned bar, uint64_t off, uint16_t v)
{
    return bar_write(dev, bar, off, 2, v);
}

int ddk_mmio_write32(struct ddk_device *dev, unsigned bar, uint64_t off, uint32_t v)
{
    return bar_write(dev, bar, off, 4, v);
}

int ddk_mmio_write64(struct ddk_device *dev, unsigned bar, uint64_t off, uint64_t v)
{
    return bar_write(dev, bar, off, 8, v);
}

/* I/O BARs go through the same calls: the kernel knows the BAR's kind (the trace tells port
 * I/O from MMIO). */
uint8_t ddk_pio_read8(struct ddk_device *dev, unsigned bar, uint32_t off)
{
    return (uint8_t)bar_read(dev, bar, off, 1);
}

uint16_t ddk_pio_read16(struct ddk_device *dev, unsigned bar, uint32_t off)
{
    return (uint16_t)bar_read(dev, bar, off, 2);
}

uint32_t ddk_pio_read32(struct ddk_device *dev, unsigned bar, uint32_t off)
{
    return (uint32_t)bar_read(dev, bar, off, 4);
}

int ddk_pio_write8(struct ddk_device *dev, unsigned bar, uint32_t off, uint8_t v)
{
    return bar_write(dev, bar, off, 1, v);
}

int ddk_pio_write16(struct ddk_device *dev, unsigned bar, uint32_t off, uint16_t v)
{
    return bar_write(dev, bar, off, 2, v);
}

int ddk_pio_write32(struct ddk_device *dev, unsigned bar, uint32_t off, uint32_t v)
{
    return bar_write(dev, bar, off, 4, v);
}

/* ---- DMA ---- */

void ddk_dma_set_mask(struct ddk_device *dev, uint64_t mask)
{
    dev->dma_mask = mask;
}

int ddk_dma_alloc(struct ddk_device *dev, uint64_t size, uint32_t perm, struct ddk_dma_buf *out)
{
    uint32_t vmo = 0;
    uint64_t va = 0, iova;
    long rc;
    if (!dev->domain)
        return -VK_EPERM;
    if (!perm || (perm & ~(uint32_t)(VK_DMA_READ | VK_DMA_WRITE)))
        return -VK_EINVAL;
    if ((rc = ddk_iova_alloc(&dev->iova, size, dev->dma_mask, &iova)))
        return (int)rc;
    uint64_t len = (size + DDK_IOVA_PAGE - 1) & ~(DDK_IOVA_PAGE - 1);
    if ((rc = vk_vmo_create(len, &vmo)))
        goto fail_iova;
    if ((rc = vk_vmo_map(vmo, VK_RIGHT_READ | VK_RIGHT_WRITE, &va)))
        goto fail_vmo;
    struct vk_dma_map m = {.vmo_off = 0, .iova = iova, .len = len, .perm = perm};
    if ((rc = vk_dma_map(dev->domain, vmo, &m)))
        goto fail_map;
    if ((rc = ddk_bus_master(dev, 1)))
        goto fail_dma;
    *out = (struct ddk_dma_buf){(void *)(uintptr_t)va, iova, len, vmo, perm};
    return 0;
fail_dma:
    vk_dma_unmap(dev->domain, iova, len);
fail_map:
    vk_vmo_unmap(va);
fail_vmo:
    vk_handle_close(vmo);
fail_iova:
    ddk_iova_free(&dev->iova, iova);
    return (int)rc;
}

void ddk_dma_sync(struct ddk_device *dev, const struct ddk_dma_buf *buf, int to_device)
{
    (void)dev;
    (void)buf;
    (void)to_device;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int ddk_dma_free(struct ddk_device *dev, struct ddk_dma_buf *buf)
{
    long rc = vk_dma_unmap(dev->domain, buf->iova, buf->size);
    if (rc < 0)
        return (int)rc; /* the device may still reach it: keep everything */
    vk_vmo_unmap((uint64_t)(uintptr_t)buf->va);
    vk_handle_close(buf->vmo);
    ddk_iova_free(&dev->iova, buf->iova);
    memset(buf, 0, sizeof *buf);
    return 0;
}

/* ---- interrupts ---- */

static int bind_vectors(struct ddk_device *dev, unsigned first, unsigned n)
{
    for (unsigned v = 0; v < n; v++) {
        long rc = vk_device_irq_bind(dev->dev, first + v, dev->irq, 1ull << v);
        if (rc < 0)
            return (int)rc;
    }
    return 0;
}

static int irq_msix(struct ddk_device *dev, unsigned want)
{
    uint32_t cap = ddk_find_capability(dev, PCI_CAP_ID_MSIX);
    if (!cap)
        return -VK_ENOENT;
    uint16_t flags = ddk_config_read16(dev, cap + PCI_MSIX_FLAGS);
    unsigned n = (flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
    if (n > want)
        n = want;
    if (n > VK_IRQ_VECTORS)
        n = VK_IRQ_VECTORS;
    uint32_t table = ddk_config_read32(dev, cap + PCI_MSIX_TABLE);
    unsigned bir = table & 7u;
    uint64_t off = table & ~7u;
    int rc;
    /* mask everything while the table is written, then enable with the entries unmasked */
    if ((rc = ddk_config_write16(dev, cap + PCI_MSIX_FLAGS, flags | PCI_MSIX_FLAGS_MASKALL)))
        return rc;
    if ((rc = bind_vectors(dev, 0, n)))
        return rc;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = off + (uint64_t)i * PCI_MSIX_ENTRY_SIZE;
        if ((rc = ddk_mmio_write32(dev, bir, e + 0, (uint32_t)VK_MSI_ADDRESS)) ||
            (rc = ddk_mmio_write32(dev, bir, e + 4, (uint32_t)(VK_MSI_ADDRESS >> 32))) ||
            (rc = ddk_mmio_write32(dev, bir, e + 8, i)) ||
            (rc = ddk_mmio_write32(dev, bir, e + 12, 0)))
            return rc;
    }
    flags = (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL;
    if ((rc = ddk_config_write16(dev, cap + PCI_MSIX_FLAGS, flags)))
        return rc;
    return (int)n;
}

static int irq_msi(struct ddk_device *dev, unsigned want)
{
    uint32_t cap = ddk_find_capability(dev, PCI_CAP_ID_MSI);
    if (!cap)
        return -VK_ENOENT;
    uint16_t flags = ddk_config_read16(dev, cap + PCI_MSI_FLAGS);
    unsigned log2 = 0, max_log2 = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
    while (log2 < max_log2 && (2u << log2) <= want && (2u << log2) <= VK_IRQ_VECTORS)
        log2++;
    unsigned n = 1u << log2;
    int is64 = (flags & PCI_MSI_FLAGS_64BIT) != 0;
    uint32_t data = cap + (is64 ? 0x0c : 0x08), mask = cap + (is64 ? 0x10 : 0x0c);
    int rc;
    if ((rc = bind_vectors(dev, 0, n)) ||
        (rc = ddk_config_write32(dev, cap + 0x04, (uint32_t)VK_MSI_ADDRESS)) ||
        (is64 && (rc = ddk_config_write32(dev, cap + 0x08, (uint32_t)(VK_MSI_ADDRESS >> 32)))) ||
        (rc = ddk_config_write16(dev, data, 0)) ||
        ((flags & PCI_MSI_FLAGS_MASKBIT) && (rc = ddk_config_write32(dev, mask, 0))))
        return rc;
    flags = (uint16_t)((flags & ~PCI_MSI_FLAGS_QSIZE) | (log2 << 4) | PCI_MSI_FLAGS_ENABLE);
    if ((rc = ddk_config_write16(dev, cap + PCI_MSI_FLAGS, flags)))
        return rc;
    return (int)n;
}

static int irq_intx(struct ddk_device *dev)
{
    if (!dev->info.intx_pin)
        return -VK_ENOENT;
    long rc = vk_device_irq_bind(dev->dev, VK_IRQ_INTX, dev->irq, 1);
    if (rc < 0)
        return (int)rc;
    uint16_t cmd = ddk_config_read16(dev, PCI_COMMAND);
    if ((rc = ddk_config_write16(dev, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE)))
        return (int)rc;
    return 1;
}

int ddk_irq_enable(struct ddk_device *dev, enum ddk_irq_kind kind, unsigned want)
{
    int rc = -VK_ENOENT;
    if (want == 0)
        want = 1;
    if (kind == DDK_IRQ_ANY || kind == DDK_IRQ_MSIX || kind == DDK_IRQ_MSI) {
        /* a message is a memory write by the device: it needs bus mastering */
        if ((rc = ddk_bus_master(dev, 1)))
            return rc;
        rc = -VK_ENOENT;
        if (kind != DDK_IRQ_MSI)
            rc = irq_msix(dev, want);
        if (rc == -VK_ENOENT && kind != DDK_IRQ_MSIX)
            rc = irq_msi(dev, want);
        if (rc > 0) { /* messages only: INTx stays quiet */
            uint16_t cmd = ddk_config_read16(dev, PCI_COMMAND);
            ddk_config_write16(dev, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
            return rc;
        }
    }
    if (rc == -VK_ENOENT && (kind == DDK_IRQ_ANY || kind == DDK_IRQ_INTX))
        rc = irq_intx(dev);
    return rc;
}

long ddk_irq_wait(struct ddk_device *dev, uint64_t mask, uint64_t deadline)
{
    struct vk_wait w = {.handle = dev->irq, .flags = VK_WAIT_CLEAR, .mask = mask};
    long rc = vk_wait_many(&w, 1, deadline);
    if (rc < 0)
        return rc;
    dev->irqs += (uint64_t)__builtin_popcountll(w.observed);
    return (long)w.observed;
}

uint64_t ddk_irq_count(const struct ddk_device *dev)
{
    return dev->irqs;
}

int ddk_doorbell(struct ddk_device *dev, uint32_t *out)
{
    return (int)vk_handle_dup(dev->irq, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, out);
}

/* ---- time, messages, the loop ---- */

uint64_t ddk_now(void)
{
    return (uint64_t)vk_clock_get();
}

void ddk_set_deadline(struct ddk_device *dev, uint64_t deadline)
{
    dev->deadline = deadline;
}

void ddk_hold_messages(struct ddk_device *dev, int hold)
{
    dev->hold = hold != 0;
}

long ddk_msg_read(struct ddk_device *dev, const struct ddk_msg *msg, uint64_t off, void *buf,
                  size_t len)
{
    (void)dev;
    return vk_msg_read(msg->token, off, buf, len);
}

long ddk_msg_write(struct ddk_device *dev, const struct ddk_msg *msg, uint64_t off, const void *buf,
                   size_t len)
{
    (void)dev;
    return vk_msg_write(msg->token, off, buf, len);
}

int ddk_reply(struct ddk_device *dev, struct ddk_msg *msg, long status)
{
    (void)dev;
    struct vk_msg m;
    memset(&m, 0, sizeof m);
    if (status < 0)
        m.opcode = (uint32_t)-status;
    else
        memcpy(m.data, msg->data, sizeof m.data);
    long rc = vk_reply(msg->token, &m);
    msg->token = 0;
    return rc < 0 ? (int)rc : 0;
}

int ddk_reply_handles(struct ddk_device *dev, struct ddk_msg *msg, const uint32_t *handles,
                      unsigned n)
{
    (void)dev;
    struct vk_msg m;
    if (n > VK_MSG_MAX_HANDLES)
        return -VK_EINVAL;
    memset(&m, 0, sizeof m);
    memcpy(m.data, msg->data, sizeof m.data);
    m.flags = n;
    memcpy(m.handles, handles, n * sizeof *handles);
    long rc = vk_reply(msg->token, &m);
    if (rc != -VK_EINVAL && rc != -VK_EFAULT && rc != -VK_EBADH && rc != -VK_EPERM)
        msg->token = 0;
    return rc < 0 ? (int)rc : 0;
}

static void deliver_irqs(struct ddk_device *dev, uint64_t bits)
{
    while (bits) {
        unsigned v = (unsigned)__builtin_ctzll(bits);
        bits &= bits - 1;
        dev->irqs++;
        if (dev->ops->handle_interrupt)
            dev->ops->handle_interrupt(dev, v);
    }
}

/* DDK_OP_PROBE (veridian/devices.h): what this driver holds, and what the kernel refuses it. */
static void probe(struct ddk_device *dev, struct ddk_msg *m)
{
    size_t n;
    const struct vk_start_handle *hs = vr_start_handles(&n);
    uint64_t ok = DDK_PROBE_ALL;
    uint32_t h;
    for (size_t i = 0; i < n; i++) {
        struct vk_handle_info hi;
        struct ddk_probe_handle ph = {.role = hs[i].role & ~VK_START_MOVE};
        if (vk_handle_info(hs[i].handle, &hi) == 0) {
            ph.type = hi.type;
            ph.rights = hi.rights;
        }
        vk_msg_write(m->token, i * sizeof ph, &ph, sizeof ph);
        if (vk_pci_config_read(hs[i].handle, 0, 0, 4) >= 0)
            ok &= ~(uint64_t)DDK_PROBE_NO_CONFIG;
        if (vk_device_open(hs[i].handle, 0, &h) == 0) {
            ok &= ~(uint64_t)DDK_PROBE_NO_OPEN;
            vk_handle_close(h);
        }
        if (vk_dma_domain_open(hs[i].handle, 0, &h) == 0) {
            ok &= ~(uint64_t)DDK_PROBE_NO_DOMAIN;
            vk_handle_close(h);
        }
        struct vk_iommu_fault f;
        if (vk_iommu_faults(hs[i].handle, 0, &f, 1) >= 0)
            ok &= ~(uint64_t)DDK_PROBE_NO_FAULTS;
    }
    if (vk_device_reset(dev->dev) >= 0)
        ok &= ~(uint64_t)DDK_PROBE_NO_RESET;
    if (vk_handle_dup(dev->dev, VK_RIGHT_READ, &h) == 0 ||
        (dev->domain && vk_handle_dup(dev->domain, VK_RIGHT_MAP, &h) == 0)) {
        ok &= ~(uint64_t)DDK_PROBE_NO_DUP;
        vk_handle_close(h);
    }
    uint32_t vmo;
    if (dev->domain && vk_vmo_create(4096, &vmo) == 0) {
        struct vk_dma_map dm = {.iova = VK_IOVA_LIMIT, .len = 4096, .perm = VK_DMA_WRITE};
        if (vk_dma_map(dev->domain, vmo, &dm) == 0)
            ok &= ~(uint64_t)DDK_PROBE_IOVA_RANGE;
        vk_handle_close(vmo);
    }
    memset(m->data, 0, sizeof m->data);
    m->data[0] = n;
    m->data[1] = ok;
    ddk_reply(dev, m, 0);
}

static void deliver_message(struct ddk_device *dev)
{
    struct vk_recv r;
    if (vk_receive(dev->ep, &r, 0) < 0)
        return; /* raced away: nothing queued after all */
    struct ddk_msg m = {.badge = r.badge, .token = r.token};
    if (r.kind == VK_RECV_CALL) {
        /* a client's handles are not ours to keep: close what came with the call */
        for (unsigned i = 0; i < VK_MSG_NHANDLES(r.msg.flags) && i < VK_MSG_MAX_HANDLES; i++)
            if (r.msg.handles[i])
                vk_handle_close(r.msg.handles[i]);
        m.kind = DDK_MSG_CALL;
        m.opcode = r.msg.opcode;
        memcpy(m.data, r.msg.data, sizeof m.data);
        m.send_len = r.send_len;
        m.recv_len = r.recv_len;
    } else if (r.kind == VK_RECV_CLOSED) {
        m.kind = DDK_MSG_CLOSED;
        m.token = 0;
    } else {
        return;
    }
    if (m.kind == DDK_MSG_CALL && m.opcode == DDK_OP_PROBE) {
        if (m.recv_len < VK_SPAWN_MAX_HANDLES * sizeof(struct ddk_probe_handle))
            ddk_reply(dev, &m, -VK_EINVAL);
        else
            probe(dev, &m);
    } else if (dev->ops->handle_message) {
        dev->ops->handle_message(dev, &m);
    } else if (m.kind == DDK_MSG_CALL)
        ddk_reply(dev, &m, -VK_ENOSYS);
}

int ddk_main(const struct ddk_driver_ops *ops, int argc, char **argv)
{
    struct ddk_device *dev = calloc(1, sizeof *dev); /* lives as long as the process */
    if (!dev)
        return 1;
    dev->ops = ops;
    dev->name = argc > 1 ? argv[1] : ops->name;
    dev->argc = argc;
    dev->argv = argv;
    dev->dev = vr_start_handle(DDK_ROLE_DEVICE);
    dev->domain = vr_start_handle(DDK_ROLE_DOMAIN);
    dev->ep = vr_start_handle(DDK_ROLE_SERVE);
    dev->deadline = VK_DEADLINE_NEVER;
    ddk_iova_init(&dev->iova, VK_IOVA_LIMIT);
    long rc;
    if (!dev->dev || !dev->ep) {
        ddk_log(dev, "started without its device or endpoint (devmgr starts drivers)");
        return 1;
    }
    if ((rc = vk_device_info(dev->dev, &dev->info)) < 0 || (rc = vk_notify_create(&dev->irq))) {
        ddk_log(dev, "device: error %ld", -rc);
        return 1;
    }
    if (ops->init && (rc = ops->init(dev))) {
        ddk_log(dev, "init failed: error %ld", -rc);
        return 1;
    }
    for (;;) {
        struct vk_wait w[2] = {
            {.handle = dev->irq, .flags = VK_WAIT_CLEAR, .mask = ~0ull},
            {.handle = dev->ep, .mask = VK_SIG_READABLE},
        };
        rc = vk_wait_many(w, dev->hold ? 1 : 2, dev->deadline);
        if (rc == -VK_ETIMEDOUT) {
            dev->deadline = VK_DEADLINE_NEVER;
            if (ops->handle_deadline)
                ops->handle_deadline(dev);
            continue;
        }
        if (rc < 0) {
            ddk_log(dev, "wait: error %ld", -rc);
            return 1;
        }
        deliver_irqs(dev, w[0].observed);
        if (!dev->hold && w[1].observed)
            deliver_message(dev);
    }
}
