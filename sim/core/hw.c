/*
 * vrsim's hardware (hw.h): the kernel's PCI and IOMMU hooks over the machine's bus, the
 * models' host hooks back into the kernel, and the timer that runs the models' pending work.
 */
#include "sim/core/hw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/kernel/platform.h"
#include "sim/core/machine.h"
#include "sim/qtest/qtest.h"

static struct vs_hw *hw_of(struct vk_kernel *k)
{
    return ((struct vk_machine *)k->platform)->hw;
}

static uint32_t bdf_of(const struct pci_device *dev)
{
    return (uint32_t)dev->bus << 8 | dev->devfn;
}

/* ---- time ---- */

static void hw_rearm(struct vs_hw *hw)
{
    uint64_t next = vs_pcibus_next_event(&hw->bus);
    if (next == VS_PCI_NO_EVENT) {
        vk_kernel_timer_cancel(hw->k, &hw->timer);
        return;
    }
    if (hw->timer.armed && hw->timer.time == next)
        return;
    if (next < hw->k->now)
        next = hw->k->now;
    /* fails only when the kernel's timer heap cannot grow: the work then runs at the next
     * access instead, which the models tolerate (they complete what is due when advanced) */
    (void)vk_kernel_timer_add(hw->k, &hw->timer, next);
}

void vs_hw_rearm(struct vs_hw *hw)
{
    if (!hw->qt)
        hw_rearm(hw);
}

static void hw_advance(struct vs_hw *hw)
{
    vs_pcibus_advance(&hw->bus, hw->k->now);
}

static void hw_timer_fire(void *ctx, struct vl_timer *t)
{
    struct vs_hw *hw = ctx;
    (void)t;
    hw_advance(hw);
    hw_rearm(hw);
}

/* ---- the IOMMU: domains and the memory behind them ---- */

static struct hw_iommu_domain *hw_domain(struct vs_hw *hw, uint32_t bdf)
{
    if (bdf >= PCI_HOST_SLOTS) /* bus 0 only: nothing else is present */
        return NULL;
    if (!hw->dom[bdf]) {
        struct hw_iommu_domain *d = calloc(1, sizeof *d);
        if (!d)
            return NULL;
        if (hw_iommu_domain_init(d, &hw->iommu, bdf, VS_HW_DOMAIN_TABLES)) {
            free(d);
            return NULL;
        }
        hw->dom[bdf] = d;
    }
    return hw->dom[bdf];
}

static int mem_check(void *ctx, uint64_t addr, uint64_t len)
{
    struct vs_hw *hw = ctx;
    for (uint32_t i = 0; i < hw->nmaps; i++) {
        const struct vs_hw_map *m = &hw->maps[i];
        if (addr >= m->addr && len <= m->len && addr - m->addr <= m->len - len)
            return 0;
    }
    return -VK_EFAULT;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, uint64_t len)
{
    (void)ctx;
    memcpy(buf, (const void *)(uintptr_t)addr, (size_t)len);
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, uint64_t len)
{
    (void)ctx;
    memcpy((void *)(uintptr_t)addr, buf, (size_t)len);
    return 0;
}

static const struct hw_iommu_mem_ops hw_mem_ops = {
    .check = mem_check,
    .read = mem_read,
    .write = mem_write,
};

/* Every fault the IOMMU logged goes to the kernel's log (and the trace), oldest first. */
static void hw_drain_faults(struct vs_hw *hw)
{
    struct hw_iommu_fault f;
    while (hw_iommu_fault_pop(&hw->iommu, &f) == 0) {
        hw->dma_faults++;
        vk_device_iommu_fault(hw->k, f.device, f.iova, f.len, f.access, f.reason);
    }
}

/* ---- the models' host hooks ---- */

static int hw_dma(struct vs_hw *hw, struct pci_device *dev, uint64_t iova, void *rbuf,
                  const void *wbuf, size_t len, uint32_t access)
{
    uint32_t bdf = bdf_of(dev);
    struct hw_iommu_domain *d = hw_domain(hw, bdf);
    int rc = -VK_ENOMEM;
    if (d)
        rc = access == VK_DMA_READ ? hw_iommu_dma_read(d, iova, rbuf, len)
                                   : hw_iommu_dma_write(d, iova, wbuf, len);
    hw->dmas++;
    hw_drain_faults(hw);
    vk_device_dma(hw->k, bdf, iova, len, access, rc);
    return rc;
}

static int hook_dma_read(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    return hw_dma(ctx, dev, iova, buf, NULL, len, VK_DMA_READ);
}

static int hook_dma_write(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf,
                          size_t len)
{
    return hw_dma(ctx, dev, iova, NULL, buf, len, VK_DMA_WRITE);
}

static void hook_msi(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t data)
{
    struct vs_hw *hw = ctx;
    vk_device_msi(hw->k, bdf_of(dev), addr, data);
}

static void hook_intx(void *ctx, struct pci_device *dev, int pin, bool level)
{
    struct vs_hw *hw = ctx;
    (void)pin;
    if (level) /* the kernel takes rising edges; the line's level stays the model's */
        vk_device_intx(hw->k, bdf_of(dev));
}

/* pci.c refuses a DMA without bus mastering before it reaches the IOMMU hooks and says so
 * only here: the trace still shows the transfer, with its result. */
static const char dma_no_master[] = "DMA with bus mastering disabled";

static void hook_guest_error(void *ctx, struct pci_device *dev, const char *what)
{
    struct vs_hw *hw = ctx;
    struct vk_kernel *k = hw->k;
    uint32_t bdf = bdf_of(dev);
    hw->guest_errors++;
    if (!strcmp(what, dma_no_master))
        vk_device_dma(k, bdf, 0, 0, 0, -VK_EPERM);
    char s[160];
    int n = snprintf(s, sizeof s, "guest error: pci %02x:%02x.%x: %s", bdf >> 8, (bdf >> 3) & 31,
                     bdf & 7, what);
    if (n < 0)
        return;
    struct vk_trace_event e = {
        .time = k->now,
        .kind = VK_TR_MARK,
        .pid = k->cur ? k->cur->proc->pid : 0,
        .tid = k->cur ? k->cur->tid : 0,
        .str = vk_plat_trace_intern(k, s, (size_t)n < sizeof s ? (size_t)n : sizeof s - 1),
        .a = {bdf, 0, 0, 0, 0},
    };
    vk_plat_trace_emit(k, &e);
}

static const struct pci_host_ops hw_host_ops = {
    .dma_read = hook_dma_read,
    .dma_write = hook_dma_write,
    .msi = hook_msi,
    .intx = hook_intx,
    .guest_error = hook_guest_error,
};

/* ---- the kernel's hooks (platform.h) ---- */

int vk_plat_pci_info(struct vk_kernel *k, uint32_t bdf, struct vk_device_info *info)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_pci_info(hw->qt, bdf, info);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    if (!dev)
        return -VK_ENOENT;
    const uint8_t *c = dev->config;
    memset(info, 0, sizeof *info);
    info->bdf = bdf;
    info->vendor = (uint16_t)(c[PCI_VENDOR_ID] | c[PCI_VENDOR_ID + 1] << 8);
    info->device = (uint16_t)(c[PCI_DEVICE_ID] | c[PCI_DEVICE_ID + 1] << 8);
    info->class_code = (uint32_t)c[PCI_CLASS_DEVICE + 1] << 16 |
                       (uint32_t)c[PCI_CLASS_DEVICE] << 8 | c[PCI_CLASS_PROG];
    info->revision = c[PCI_REVISION_ID];
    info->intx_pin = c[PCI_INTERRUPT_PIN];
    info->msi_vectors = dev->msi_cap ? dev->msi_nvec : 0;
    info->msix_vectors = dev->msix.cap ? dev->msix.nvec : 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const struct pci_bar *b = &dev->bars[i];
        if (b->kind == PCI_BAR_NONE || b->size == 0)
            continue;
        info->bars[i].size = b->size;
        info->bars[i].kind = b->kind == PCI_BAR_MEM32   ? VK_BAR_MEM32
                             : b->kind == PCI_BAR_MEM64 ? VK_BAR_MEM64
                                                        : VK_BAR_IO;
        info->bars[i].prefetch = b->prefetch;
    }
    return 0;
}

int vk_plat_pci_config_read(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                            uint32_t *val)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_config_read(hw->qt, bdf, off, size, val);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    *val = ~0u;
    if (!dev)
        return 0; /* an absent function reads all-ones: how enumeration finds nothing */
    hw_advance(hw);
    int rc = pci_config_read(dev, off, size, val);
    hw_rearm(hw);
    return rc;
}

int vk_plat_pci_config_write(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                             uint32_t val)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_config_write(hw->qt, bdf, off, size, val);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    if (!dev)
        return 0;
    hw_advance(hw);
    int rc = pci_config_write(dev, off, size, val);
    hw_rearm(hw);
    return rc;
}

int vk_plat_pci_bar_read(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                         uint32_t size, uint64_t *val)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_bar_read(hw->qt, bdf, bar, off, size, val);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    *val = ~0ull;
    if (!dev || bar >= PCI_NUM_BARS)
        return -VK_ENOENT;
    hw_advance(hw);
    int rc = pci_bar_read(dev, (int)bar, off, size, val);
    hw_rearm(hw);
    if (rc)
        *val = ~0ull;
    return rc;
}

int vk_plat_pci_bar_write(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                          uint32_t size, uint64_t val)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_bar_write(hw->qt, bdf, bar, off, size, val);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    if (!dev || bar >= PCI_NUM_BARS)
        return -VK_ENOENT;
    hw_advance(hw);
    int rc = pci_bar_write(dev, (int)bar, off, size, val);
    hw_rearm(hw);
    return rc;
}

/* A function-level reset clears what the firmware set up (BAR addresses, decoding, the
 * interrupt line) along with the rest; drivers cannot write those registers (the kernel
 * refuses), so the platform puts its placement back, as an OS restores a function's saved
 * state after FLR. Bus mastering stays off: the driver turns it on again. */
static const uint32_t firmware_regs[] = {0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, PCI_ROM_ADDRESS};

int vk_plat_pci_reset(struct vk_kernel *k, uint32_t bdf)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_reset(hw->qt, bdf);
    struct pci_device *dev = vs_pcibus_device(&hw->bus, bdf);
    if (!dev)
        return -VK_ENOENT;
    uint32_t saved[sizeof firmware_regs / sizeof firmware_regs[0]], cmd = 0, line = 0;
    hw_advance(hw);
    for (size_t i = 0; i < sizeof saved / sizeof saved[0]; i++)
        if (pci_config_read(dev, firmware_regs[i], 4, &saved[i]))
            saved[i] = 0;
    pci_config_read(dev, PCI_COMMAND, 2, &cmd);
    pci_config_read(dev, PCI_INTERRUPT_LINE, 1, &line);
    pci_device_reset(dev);
    for (size_t i = 0; i < sizeof saved / sizeof saved[0]; i++)
        pci_config_write(dev, firmware_regs[i], 4, saved[i]);
    pci_config_write(dev, PCI_INTERRUPT_LINE, 1, line);
    pci_config_write(dev, PCI_COMMAND, 2, cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    hw_rearm(hw);
    return 0;
}

int vk_plat_dma_map(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                    uint32_t perm)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt)
        return vs_qtest_dma_map(hw->qt, bdf, iova, addr, len, perm);
    struct hw_iommu_domain *d = hw_domain(hw, bdf);
    if (!d)
        return -VK_ENOMEM;
    if (hw->nmaps == hw->capmaps) {
        uint32_t cap = hw->capmaps ? hw->capmaps * 2 : 16;
        struct vs_hw_map *n = realloc(hw->maps, cap * sizeof *n);
        if (!n)
            return -VK_ENOMEM;
        hw->maps = n;
        hw->capmaps = cap;
    }
    int rc = hw_iommu_map(d, iova, addr, len, perm);
    if (rc)
        return rc == -VK_EEXIST || rc == -VK_EINVAL ? rc : -VK_ENOMEM;
    hw->maps[hw->nmaps++] = (struct vs_hw_map){.bdf = bdf, .iova = iova, .addr = addr, .len = len};
    return 0;
}

void vk_plat_dma_unmap(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len)
{
    struct vs_hw *hw = hw_of(k);
    if (hw->qt) {
        vs_qtest_dma_unmap(hw->qt, bdf, iova, len);
        return;
    }
    struct hw_iommu_domain *d = bdf < PCI_HOST_SLOTS ? hw->dom[bdf] : NULL;
    if (d)
        hw_iommu_unmap(d, iova, len, NULL);
    for (uint32_t i = 0; i < hw->nmaps; i++) {
        struct vs_hw_map *m = &hw->maps[i];
        if (m->bdf == bdf && m->iova == iova && m->len == len) {
            memmove(m, m + 1, (hw->nmaps - i - 1) * sizeof *m); /* keeps the order */
            hw->nmaps--;
            return;
        }
    }
}

/* ---- life cycle ---- */

int vs_hw_create(struct vs_hw **out, struct vk_kernel *k, const struct vs_machine_desc *d,
                 char *err, size_t errlen)
{
    struct vs_hw *hw = calloc(1, sizeof *hw);
    if (!hw) {
        snprintf(err, errlen, "out of memory for the machine's hardware");
        return -VK_ENOMEM;
    }
    hw->k = k;
    vl_timer_init(&hw->timer, hw_timer_fire, hw);
    int rc = hw_iommu_init(&hw->iommu, VS_HW_FAULT_LOG, &hw_mem_ops, hw);
    if (rc) {
        snprintf(err, errlen, "cannot create the IOMMU (%d)", rc);
        free(hw);
        return rc;
    }
    const struct vs_options *opt = &((struct vk_machine *)k->platform)->opt;
    if (opt->qemu) { /* the QEMU backend: QEMU's devices instead of the models */
        if ((rc = vs_qtest_create(&hw->qt, k, d, opt->qemu, err, errlen)) ||
            (opt->qemu_fault && (rc = vs_qtest_fault_spec(hw->qt, opt->qemu_fault, err, errlen)))) {
            vs_qtest_destroy(hw->qt);
            hw_iommu_fini(&hw->iommu);
            free(hw);
            return rc;
        }
        *out = hw;
        return 0;
    }
    if ((rc = vs_pcibus_build(&hw->bus, d, &hw_host_ops, hw, err, errlen))) {
        hw_iommu_fini(&hw->iommu);
        free(hw);
        return rc;
    }
    vs_pcibus_seed(&hw->bus, k->cfg.seed); /* virtio-rng's bytes: a function of the seed */
    *out = hw;
    return 0;
}

void vs_hw_destroy(struct vs_hw *hw)
{
    if (!hw)
        return;
    vk_kernel_timer_cancel(hw->k, &hw->timer);
    vs_qtest_destroy(hw->qt);
    vs_pcibus_fini(&hw->bus);
    for (uint32_t i = 0; i < PCI_HOST_SLOTS; i++) {
        if (hw->dom[i]) {
            hw_iommu_domain_fini(hw->dom[i]);
            free(hw->dom[i]);
        }
    }
    hw_iommu_fini(&hw->iommu);
    free(hw->maps);
    free(hw);
}
