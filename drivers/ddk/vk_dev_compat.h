/*
 * TEMPORARY: the device and DMA kernel-call wrappers (kcalls 35-48, veridian/kcall.h) until
 * libveridian's vk.h has them (branch hwkern). Same names and argument order as the ABI
 * comments, so deleting this file and its includes is the whole switch.
 */
#ifndef DDK_VK_DEV_COMPAT_H
#define DDK_VK_DEV_COMPAT_H

#include "veridian/vk.h"

static inline long vk_pci_config_read(uint32_t res, uint32_t bdf, uint32_t off, uint32_t size)
{
    return vk__kcall(VK_NR_PCI_CONFIG_READ, res, bdf, off, size, 0);
}
static inline long vk_device_open(uint32_t res, uint32_t bdf, uint32_t *out)
{
    return vk__kcall(VK_NR_DEVICE_OPEN, res, bdf, (long)out, 0, 0);
}
static inline long vk_device_info(uint32_t dev, struct vk_device_info *out)
{
    return vk__kcall(VK_NR_DEVICE_INFO, dev, (long)out, 0, 0, 0);
}
static inline long vk_device_config_read(uint32_t dev, uint32_t off, uint32_t size)
{
    return vk__kcall(VK_NR_DEVICE_CONFIG_READ, dev, off, size, 0, 0);
}
static inline long vk_device_config_write(uint32_t dev, uint32_t off, uint32_t size, uint32_t value)
{
    return vk__kcall(VK_NR_DEVICE_CONFIG_WRITE, dev, off, size, value, 0);
}
static inline long vk_device_mmio_read(uint32_t dev, uint32_t bar, uint64_t off, uint32_t size,
                                       uint64_t *out)
{
    return vk__kcall(VK_NR_DEVICE_MMIO_READ, dev, bar, (long)off, size, (long)out);
}
static inline long vk_device_mmio_write(uint32_t dev, uint32_t bar, uint64_t off, uint32_t size,
                                        uint64_t value)
{
    return vk__kcall(VK_NR_DEVICE_MMIO_WRITE, dev, bar, (long)off, size, (long)value);
}
static inline long vk_device_irq_bind(uint32_t dev, uint32_t vector, uint32_t notify, uint64_t bits)
{
    return vk__kcall(VK_NR_DEVICE_IRQ_BIND, dev, vector, notify, (long)bits, 0);
}
static inline long vk_device_reset(uint32_t dev)
{
    return vk__kcall(VK_NR_DEVICE_RESET, dev, 0, 0, 0, 0);
}
static inline long vk_dma_domain_open(uint32_t res, uint32_t bdf, uint32_t *out)
{
    return vk__kcall(VK_NR_DMA_DOMAIN_OPEN, res, bdf, (long)out, 0, 0);
}
static inline long vk_dma_map(uint32_t dom, uint32_t vmo, const struct vk_dma_map *m)
{
    return vk__kcall(VK_NR_DMA_MAP, dom, vmo, (long)m, 0, 0);
}
static inline long vk_dma_unmap(uint32_t dom, uint64_t iova, uint64_t len)
{
    return vk__kcall(VK_NR_DMA_UNMAP, dom, (long)iova, (long)len, 0, 0);
}
static inline long vk_dma_info(uint32_t dom, struct vk_dma_info *out)
{
    return vk__kcall(VK_NR_DMA_INFO, dom, (long)out, 0, 0, 0);
}
static inline long vk_iommu_faults(uint32_t res, uint64_t first_seq, struct vk_iommu_fault *buf,
                                   uint32_t max)
{
    return vk__kcall(VK_NR_IOMMU_FAULTS, res, (long)first_seq, (long)buf, max, 0);
}

#endif
