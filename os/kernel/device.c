/*
 * Device and DMA-domain objects: the kernel calls a driver (and devmgr) uses to reach PCI
 * functions (kcalls 35-48, veridian/kcall.h "Devices"), and the entry points through which
 * the platform's device models report interrupts, DMA transfers and IOMMU faults (kernel.h).
 *
 * Objects: one struct vk_device and at most one struct vk_dma_domain per present function,
 * created on first open and found by bdf in small tables in struct vk_kernel. The tables are
 * weak: an object lives while handles hold it and leaves its table when it dies, so a later
 * open makes a fresh one. A device caches what vk_plat_pci_info said (BAR kinds and sizes), so
 * every BAR check and the MMIO-vs-PIO trace kind need no platform call; it holds the
 * interrupt bindings (a notification reference and bits per vector, VK_IRQ_INTX last) and its
 * counters. A domain keeps its mappings sorted by IOVA, each with a reference to its memory
 * object: memory a device may still write is never freed or reused while it is mapped, even
 * when every process handle to it is gone. Destroying a domain unmaps everything (in the
 * platform's IOMMU too) and drops those references.
 *
 * Every call decodes first: handle, rights, sizes, alignment, ranges, output pointers (probed
 * writable) and reserved output handles, and only then acts, so a refused call changed
 * nothing. Device calls trace themselves (t->kcall_traced) with their own event kinds once
 * they reach the platform; a refusal is traced as a plain kernel call. The MMIO read with
 * out == 0 is the fast path: one handle lookup, the BAR check against the cached info, the
 * platform's access, one event.
 *
 * Never: trust a platform result beyond its documented range, assert on guest input, or
 * keep a host pointer in anything traced (object ids and bdfs only).
 */

#include "kernel_internal.h"

#define PAGE 4096ull
#define BDF_MAX 0xffffu
#define CFG_SPACE 4096u

/* ---- tables ---- */

static struct vk_device *device_find(struct vk_kernel *k, uint32_t bdf)
{
    for (uint32_t i = 0; i < VK_KERNEL_DEVICES_MAX; i++)
        if (k->devices[i] && k->devices[i]->bdf == bdf)
            return k->devices[i];
    return NULL;
}

static struct vk_dma_domain *domain_find(struct vk_kernel *k, uint32_t bdf)
{
    for (uint32_t i = 0; i < VK_KERNEL_DEVICES_MAX; i++)
        if (k->domains[i] && k->domains[i]->bdf == bdf)
            return k->domains[i];
    return NULL;
}

static int free_slot(void *const *table)
{
    for (uint32_t i = 0; i < VK_KERNEL_DEVICES_MAX; i++)
        if (!table[i])
            return (int)i;
    return -1;
}

/* ---- argument checks ---- */

static int cfg_args_ok(uint64_t off, uint64_t size)
{
    if (size != 1 && size != 2 && size != 4)
        return 0;
    return off <= CFG_SPACE - size && (off & (size - 1)) == 0;
}

/* The BAR registers and the expansion ROM register: the platform places BARs. */
static int cfg_write_allowed(uint64_t off, uint64_t size)
{
    uint64_t end = off + size;
    if (off < 0x28 && end > 0x10)
        return 0;
    if (off < 0x34 && end > 0x30)
        return 0;
    return 1;
}

/* 0, -VK_ENOENT (no such BAR) or -VK_EINVAL (size, alignment, range). */
static int bar_args_ok(const struct vk_device *d, uint64_t bar, uint64_t off, uint64_t size,
                       int fast)
{
    if (bar >= 6 || d->info.bars[bar].kind == VK_BAR_NONE)
        return -VK_ENOENT;
    if (size != 1 && size != 2 && size != 4 && (size != 8 || fast))
        return -VK_EINVAL;
    uint64_t bsize = d->info.bars[bar].size;
    if ((off & (size - 1)) || bsize < size || off > bsize - size)
        return -VK_EINVAL;
    return 0;
}

static uint32_t bar_kind(const struct vk_device *d, uint32_t bar, int write)
{
    if (d->info.bars[bar].kind == VK_BAR_IO)
        return write ? VK_TR_PIO_WRITE : VK_TR_PIO_READ;
    return write ? VK_TR_MMIO_WRITE : VK_TR_MMIO_READ;
}

static uint64_t size_field(uint64_t size, long rc)
{
    return rc < 0 ? size | (uint64_t)-rc << 32 : size;
}

static int resource_get(struct vk_kernel *k, uint32_t h, uint32_t right)
{
    struct vk_handle_entry *e;
    return vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_RESOURCE, right, &e);
}

/* ---- configuration space ---- */

long vk_sys_pci_config_read(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t off,
                            uint64_t size)
{
    int rc = resource_get(k, h, VK_RIGHT_MMIO);
    if (rc)
        return rc;
    if (bdf > BDF_MAX || !cfg_args_ok(off, size))
        return -VK_EINVAL;
    uint32_t val = ~0u;
    rc = vk_plat_pci_config_read(k, (uint32_t)bdf, (uint32_t)off, (uint32_t)size, &val);
    if (rc == 0 && size < 4)
        val &= (1u << (size * 8)) - 1;
    k->cur->kcall_traced = 1;
    vk_trace(k, VK_TR_CFG_READ, bdf, off, size, val, (uint64_t)(long)rc);
    return rc ? rc : (long)val;
}

static int device_get(struct vk_kernel *k, uint32_t h, uint32_t rights, struct vk_device **out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_DEVICE, rights, &e);
    if (rc)
        return rc;
    *out = (struct vk_device *)e->obj;
    return 0;
}

long vk_sys_device_config_read(struct vk_kernel *k, uint32_t h, uint64_t off, uint64_t size)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_READ, &d);
    if (rc)
        return rc;
    if (!cfg_args_ok(off, size))
        return -VK_EINVAL;
    uint32_t val = ~0u;
    rc = vk_plat_pci_config_read(k, d->bdf, (uint32_t)off, (uint32_t)size, &val);
    if (rc == 0 && size < 4)
        val &= (1u << (size * 8)) - 1;
    k->cur->kcall_traced = 1;
    vk_trace(k, VK_TR_CFG_READ, d->bdf, off, size, val, (uint64_t)(long)rc);
    return rc ? rc : (long)val;
}

long vk_sys_device_config_write(struct vk_kernel *k, uint32_t h, uint64_t off, uint64_t size,
                                uint64_t value)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_WRITE, &d);
    if (rc)
        return rc;
    if (!cfg_args_ok(off, size))
        return -VK_EINVAL;
    if (!cfg_write_allowed(off, size))
        return -VK_EPERM;
    uint32_t val = (uint32_t)value;
    if (size < 4)
        val &= (1u << (size * 8)) - 1;
    rc = vk_plat_pci_config_write(k, d->bdf, (uint32_t)off, (uint32_t)size, val);
    k->cur->kcall_traced = 1;
    vk_trace(k, VK_TR_CFG_WRITE, d->bdf, off, size, val, (uint64_t)(long)rc);
    return rc;
}

/* ---- device objects ---- */

long vk_sys_device_open(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_RESOURCE, VK_RIGHT_MMIO, &e);
    if (rc)
        return rc;
    if (bdf > BDF_MAX)
        return -VK_EINVAL;
    uint32_t rights = VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MMIO | VK_RIGHT_KILL |
                      VK_RIGHT_DUP | VK_RIGHT_TRANSFER | (e->rights & VK_RIGHT_IRQ);
    struct vk_handle_resv resv;
    if ((rc = vk_handle_reserve_out(k, out, &resv)))
        return rc;
    struct vk_device *d = device_find(k, (uint32_t)bdf);
    if (d) {
        vk_handle_commit_out(k, &resv, &d->o, rights, 0, NULL);
        return 0;
    }
    struct vk_device_info info;
    vk_memset(&info, 0, sizeof info);
    int slot = free_slot((void *const *)k->devices);
    if ((rc = vk_plat_pci_info(k, (uint32_t)bdf, &info)) || slot < 0 ||
        !(d = vk_object_new(k, VK_OBJ_DEVICE, sizeof *d))) {
        vk_handle_unreserve(k, &resv);
        return rc ? (rc < 0 ? rc : -VK_EIO) : -VK_ENOMEM;
    }
    d->bdf = (uint32_t)bdf;
    d->slot = (uint32_t)slot;
    d->info = info;
    d->info.bdf = (uint32_t)bdf;
    d->info.irqs = d->info.spurious = d->info.faults = 0;
    d->info.reserved0 = 0;
    d->info.reserved1 = 0;
    for (uint32_t i = 0; i < 6; i++) /* what we check accesses against must be well formed */
        if (d->info.bars[i].kind > VK_BAR_IO || d->info.bars[i].size == 0)
            d->info.bars[i].kind = VK_BAR_NONE, d->info.bars[i].size = 0;
    k->devices[slot] = d;
    vk_handle_commit_out(k, &resv, &d->o, rights, 0, NULL);
    vk_object_unref(k, &d->o); /* the handle holds it */
    return 0;
}

long vk_sys_device_info(struct vk_kernel *k, uint32_t h, uint64_t out)
{
    struct vk_device *d;
    int rc = device_get(k, h, 0, &d);
    if (rc)
        return rc;
    return vk_copy_out(k, out, &d->info, sizeof d->info);
}

long vk_sys_device_mmio_read(struct vk_kernel *k, uint32_t h, uint64_t bar, uint64_t off,
                             uint64_t size, uint64_t out)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_MMIO, &d);
    if (rc)
        return rc;
    if ((rc = bar_args_ok(d, bar, off, size, out == 0)))
        return rc;
    if (out && (vk_uaccess_ok(k->cur->proc, out, 8, VK_RIGHT_WRITE) || vk_uprobe_write(k, out, 8)))
        return -VK_EFAULT; /* a read may have side effects: its value must reach the guest */
    uint64_t val = ~0ull;
    rc = vk_plat_pci_bar_read(k, d->bdf, (uint32_t)bar, off, (uint32_t)size, &val);
    if (rc > 0)
        rc = -VK_EIO;
    if (size < 8)
        val &= (1ull << (size * 8)) - 1;
    k->cur->kcall_traced = 1;
    vk_trace(k, bar_kind(d, (uint32_t)bar, 0), d->bdf, bar, off, size_field(size, rc), val);
    if (rc)
        return rc;
    if (!out)
        return (long)val;
    return vk_copy_out(k, out, &val, sizeof val);
}

long vk_sys_device_mmio_write(struct vk_kernel *k, uint32_t h, uint64_t bar, uint64_t off,
                              uint64_t size, uint64_t value)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_MMIO, &d);
    if (rc)
        return rc;
    if ((rc = bar_args_ok(d, bar, off, size, 0)))
        return rc;
    if (size < 8)
        value &= (1ull << (size * 8)) - 1;
    rc = vk_plat_pci_bar_write(k, d->bdf, (uint32_t)bar, off, (uint32_t)size, value);
    if (rc > 0)
        rc = -VK_EIO;
    k->cur->kcall_traced = 1;
    vk_trace(k, bar_kind(d, (uint32_t)bar, 1), d->bdf, bar, off, size_field(size, rc), value);
    return rc;
}

static void binding_clear(struct vk_kernel *k, struct vk_irq_binding *b)
{
    struct vk_notification *n = b->n;
    b->n = NULL;
    b->bits = 0;
    if (n)
        vk_object_unref(k, &n->o);
}

long vk_sys_device_irq_bind(struct vk_kernel *k, uint32_t h, uint64_t vector, uint32_t hn,
                            uint64_t bits)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_IRQ, &d);
    if (rc)
        return rc;
    if (vector > VK_IRQ_INTX)
        return -VK_EINVAL;
    struct vk_notification *n = NULL;
    if (bits) { /* bits 0 unbinds: the notification argument is not looked at */
        struct vk_handle_entry *e;
        if ((rc = vk_handle_get(&k->cur->proc->handles, hn, VK_OBJ_NOTIFICATION, VK_RIGHT_SIGNAL,
                                &e)))
            return rc;
        n = (struct vk_notification *)e->obj;
        vk_object_ref(&n->o);
    }
    binding_clear(k, &d->irq[vector]);
    d->irq[vector].n = n;
    d->irq[vector].bits = bits;
    return 0;
}

long vk_sys_device_reset(struct vk_kernel *k, uint32_t h)
{
    struct vk_device *d;
    int rc = device_get(k, h, VK_RIGHT_KILL, &d);
    if (rc)
        return rc;
    vk_object_ref(&d->o); /* unbinding may free notifications; the device stays */
    rc = vk_plat_pci_reset(k, d->bdf);
    for (uint32_t i = 0; i <= VK_IRQ_INTX; i++)
        binding_clear(k, &d->irq[i]);
    vk_object_unref(k, &d->o);
    return rc > 0 ? -VK_EIO : rc;
}

void vk_device_destroy(struct vk_kernel *k, struct vk_device *d)
{
    if (k->devices[d->slot] == d)
        k->devices[d->slot] = NULL;
    for (uint32_t i = 0; i <= VK_IRQ_INTX; i++)
        binding_clear(k, &d->irq[i]);
}

/* ---- what the platform's models report ---- */

static void irq_deliver(struct vk_kernel *k, uint32_t bdf, uint32_t vector, int valid)
{
    struct vk_device *d = device_find(k, bdf);
    struct vk_irq_binding *b = d && valid ? &d->irq[vector] : NULL;
    if (!b || !b->n) {
        if (d)
            d->info.spurious++;
        vk_trace(k, VK_TR_IRQ, bdf, vector, 0, 0, 0);
        return;
    }
    d->info.irqs++;
    vk_trace(k, VK_TR_IRQ, bdf, vector, b->n->o.id, b->bits, 0);
    vk_notification_raise(k, b->n, b->bits);
}

void vk_device_msi(struct vk_kernel *k, uint32_t bdf, uint64_t addr, uint32_t data)
{
    irq_deliver(k, bdf, data, addr == VK_MSI_ADDRESS && data < VK_IRQ_VECTORS);
}

void vk_device_intx(struct vk_kernel *k, uint32_t bdf)
{
    irq_deliver(k, bdf, VK_IRQ_INTX, 1);
}

void vk_device_dma(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len, uint32_t access,
                   int result)
{
    vk_trace(k, VK_TR_DMA, bdf, iova, len, access, (uint64_t)(long)result);
}

void vk_device_iommu_fault(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len,
                           uint32_t access, uint32_t reason)
{
    uint64_t seq = k->iommu_fault_seq++;
    struct vk_iommu_fault *f = &k->iommu_faults[seq % VK_IOMMU_FAULT_LOG];
    *f = (struct vk_iommu_fault){.seq = seq,
                                 .time = k->now,
                                 .iova = iova,
                                 .len = len,
                                 .bdf = bdf,
                                 .access = (uint8_t)access,
                                 .reason = (uint8_t)reason};
    struct vk_device *d = device_find(k, bdf);
    if (d)
        d->info.faults++;
    struct vk_dma_domain *dom = domain_find(k, bdf);
    if (dom)
        dom->faults++;
    vk_trace(k, VK_TR_IOMMU_FAULT, bdf, iova, len, access, reason);
}

long vk_sys_iommu_faults(struct vk_kernel *k, uint32_t h, uint64_t first_seq, uint64_t ubuf,
                         uint64_t max)
{
    int rc = resource_get(k, h, VK_RIGHT_DMA);
    if (rc)
        return rc;
    if (max > VK_IOMMU_FAULT_LOG)
        max = VK_IOMMU_FAULT_LOG;
    uint64_t end = k->iommu_fault_seq;
    uint64_t oldest = end > VK_IOMMU_FAULT_LOG ? end - VK_IOMMU_FAULT_LOG : 0;
    uint64_t from = first_seq > oldest ? first_seq : oldest;
    uint64_t n = from < end ? end - from : 0;
    if (n > max)
        n = max;
    if (vk_uaccess_ok(k->cur->proc, ubuf, max * sizeof(struct vk_iommu_fault), VK_RIGHT_WRITE))
        return -VK_EFAULT;
    for (uint64_t i = 0; i < n; i++) {
        const struct vk_iommu_fault *f = &k->iommu_faults[(from + i) % VK_IOMMU_FAULT_LOG];
        if ((rc = vk_copy_out(k, ubuf + i * sizeof *f, f, sizeof *f)))
            return rc;
    }
    return (long)n;
}

/* ---- DMA domains ---- */

long vk_sys_dma_domain_open(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t out)
{
    int rc = resource_get(k, h, VK_RIGHT_DMA);
    if (rc)
        return rc;
    if (bdf > BDF_MAX)
        return -VK_EINVAL;
    uint32_t rights = VK_RIGHT_MAP | VK_RIGHT_KILL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER;
    struct vk_handle_resv resv;
    if ((rc = vk_handle_reserve_out(k, out, &resv)))
        return rc;
    struct vk_dma_domain *dom = domain_find(k, (uint32_t)bdf);
    if (dom) {
        vk_handle_commit_out(k, &resv, &dom->o, rights, 0, NULL);
        return 0;
    }
    struct vk_device_info info;
    int slot = free_slot((void *const *)k->domains);
    if ((rc = vk_plat_pci_info(k, (uint32_t)bdf, &info)) || slot < 0 ||
        !(dom = vk_object_new(k, VK_OBJ_DMA_DOMAIN, sizeof *dom))) {
        vk_handle_unreserve(k, &resv);
        return rc ? (rc < 0 ? rc : -VK_EIO) : -VK_ENOMEM;
    }
    dom->bdf = (uint32_t)bdf;
    dom->slot = (uint32_t)slot;
    k->domains[slot] = dom;
    vk_handle_commit_out(k, &resv, &dom->o, rights, 0, NULL);
    vk_object_unref(k, &dom->o);
    return 0;
}

/* Index of the first mapping whose end lies above iova (mappings are sorted, disjoint). */
static uint32_t dma_lower(const struct vk_dma_domain *dom, uint64_t iova)
{
    uint32_t lo = 0, hi = dom->nmaps;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (dom->maps[mid].iova + dom->maps[mid].len <= iova)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long vk_sys_dma_map(struct vk_kernel *k, uint32_t hd, uint32_t hv, uint64_t um)
{
    struct vk_process *p = k->cur->proc;
    struct vk_handle_entry *ed, *ev;
    int rc = vk_handle_get(&p->handles, hd, VK_OBJ_DMA_DOMAIN, VK_RIGHT_MAP, &ed);
    if (rc)
        return rc;
    if ((rc = vk_handle_get(&p->handles, hv, VK_OBJ_VMO, 0, &ev)))
        return rc;
    struct vk_dma_map m;
    if ((rc = vk_copy_in(k, &m, um, sizeof m)))
        return rc;
    struct vk_dma_domain *dom = (struct vk_dma_domain *)ed->obj;
    struct vk_vmo *v = (struct vk_vmo *)ev->obj;
    if (m.perm == 0 || (m.perm & ~(uint32_t)(VK_DMA_READ | VK_DMA_WRITE)) || m.reserved)
        return -VK_EINVAL;
    if (m.len == 0 || ((m.iova | m.len | m.vmo_off) & (PAGE - 1)) || m.iova >= VK_IOVA_LIMIT ||
        m.len > VK_IOVA_LIMIT - m.iova || m.vmo_off > v->size || m.len > v->size - m.vmo_off)
        return -VK_EINVAL;
    uint32_t need = VK_RIGHT_READ | ((m.perm & VK_DMA_WRITE) ? VK_RIGHT_WRITE : 0);
    if ((ev->rights & need) != need || ((m.perm & VK_DMA_WRITE) && v->readonly))
        return -VK_EPERM;
    uint32_t at = dma_lower(dom, m.iova);
    if (at < dom->nmaps && dom->maps[at].iova < m.iova + m.len)
        return -VK_EEXIST;
    if (dom->nmaps >= VK_DMA_MAPPINGS_MAX)
        return -VK_ENOMEM;
    if (dom->nmaps == dom->capmaps) {
        uint32_t cap = dom->capmaps ? dom->capmaps * 2 : 8;
        struct vk_dma_mapping *n = vk_plat_realloc(dom->maps, cap * sizeof *n);
        if (!n)
            return -VK_ENOMEM;
        dom->maps = n;
        dom->capmaps = cap;
    }
    if ((rc = vk_plat_dma_map(k, dom->bdf, m.iova, v->addr + m.vmo_off, m.len, m.perm)))
        return rc < 0 ? rc : -VK_ENOMEM;
    vk_memmove(&dom->maps[at + 1], &dom->maps[at], (dom->nmaps - at) * sizeof dom->maps[0]);
    dom->maps[at] = (struct vk_dma_mapping){
        .iova = m.iova, .len = m.len, .off = m.vmo_off, .vmo = v, .perm = m.perm};
    dom->nmaps++;
    dom->bytes += m.len;
    vk_object_ref(&v->o);
    k->cur->kcall_traced = 1;
    vk_trace(k, VK_TR_DMA_MAP, dom->bdf, m.iova, m.len, m.perm, v->o.id);
    return 0;
}

/* Unmap and drop maps[from, to) of dom; returns the bytes. */
static uint64_t dma_remove(struct vk_kernel *k, struct vk_dma_domain *dom, uint32_t from,
                           uint32_t to)
{
    uint64_t bytes = 0;
    struct vk_vmo *drop[16];
    while (from < to) {
        /* unref after the array is consistent: a dying vmo must not see a half-removed list */
        uint32_t n = to - from < 16 ? to - from : 16;
        for (uint32_t i = 0; i < n; i++) {
            const struct vk_dma_mapping *mp = &dom->maps[from + i];
            vk_plat_dma_unmap(k, dom->bdf, mp->iova, mp->len);
            bytes += mp->len;
            drop[i] = mp->vmo;
        }
        vk_memmove(&dom->maps[from], &dom->maps[from + n],
                   (dom->nmaps - from - n) * sizeof dom->maps[0]);
        dom->nmaps -= n;
        to -= n;
        for (uint32_t i = 0; i < n; i++)
            vk_object_unref(k, &drop[i]->o);
    }
    dom->bytes -= bytes;
    return bytes;
}

long vk_sys_dma_unmap(struct vk_kernel *k, uint32_t h, uint64_t iova, uint64_t len)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_DMA_DOMAIN, VK_RIGHT_MAP, &e);
    if (rc)
        return rc;
    struct vk_dma_domain *dom = (struct vk_dma_domain *)e->obj;
    if (len == 0 || ((iova | len) & (PAGE - 1)) || iova >= VK_IOVA_LIMIT ||
        len > VK_IOVA_LIMIT - iova)
        return -VK_EINVAL;
    uint64_t end = iova + len;
    uint32_t from = dma_lower(dom, iova), to = from;
    while (to < dom->nmaps && dom->maps[to].iova < end)
        to++;
    /* a mapping is unmapped whole or not at all: one cut by the range refuses the call */
    if (from < to &&
        (dom->maps[from].iova < iova || dom->maps[to - 1].iova + dom->maps[to - 1].len > end))
        return -VK_EINVAL;
    vk_object_ref(&dom->o);
    uint64_t bytes = dma_remove(k, dom, from, to);
    if (iova == 0 && len == VK_IOVA_LIMIT)
        dom->revoked += bytes;
    k->cur->kcall_traced = 1;
    vk_trace(k, VK_TR_DMA_UNMAP, dom->bdf, iova, len, bytes, 0);
    vk_object_unref(k, &dom->o);
    return (long)bytes;
}

long vk_sys_dma_info(struct vk_kernel *k, uint32_t h, uint64_t out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_DMA_DOMAIN, 0, &e);
    if (rc)
        return rc;
    const struct vk_dma_domain *dom = (const struct vk_dma_domain *)e->obj;
    struct vk_dma_info info = {.bdf = dom->bdf,
                               .mappings = dom->nmaps,
                               .bytes = dom->bytes,
                               .faults = dom->faults,
                               .revoked = dom->revoked};
    return vk_copy_out(k, out, &info, sizeof info);
}

void vk_dma_domain_destroy(struct vk_kernel *k, struct vk_dma_domain *dom)
{
    if (k->domains[dom->slot] == dom)
        k->domains[dom->slot] = NULL;
    dma_remove(k, dom, 0, dom->nmaps);
    vk_plat_free(dom->maps);
    dom->maps = NULL;
    dom->capmaps = 0;
}
