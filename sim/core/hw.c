/*
 * vrsim's side of the platform's device hooks (os/kernel/platform.h, "devices"). This first
 * version is a machine without devices: every function is absent (pci_info -VK_ENOENT,
 * configuration reads all-ones), so the kernel's device calls work and refuse cleanly. The
 * PCI bus, IOMMU and models from the machine file come next.
 */
#include "os/kernel/platform.h"

#include "os/kernel/kernel.h"

int vk_plat_pci_info(struct vk_kernel *k, uint32_t bdf, struct vk_device_info *info)
{
    (void)k, (void)bdf, (void)info;
    return -VK_ENOENT;
}

int vk_plat_pci_config_read(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                            uint32_t *val)
{
    (void)k, (void)bdf, (void)off, (void)size;
    *val = ~0u;
    return 0;
}

int vk_plat_pci_config_write(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                             uint32_t val)
{
    (void)k, (void)bdf, (void)off, (void)size, (void)val;
    return 0;
}

int vk_plat_pci_bar_read(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                         uint32_t size, uint64_t *val)
{
    (void)k, (void)bdf, (void)bar, (void)off, (void)size;
    *val = ~0ull;
    return -VK_ENOENT;
}

int vk_plat_pci_bar_write(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                          uint32_t size, uint64_t val)
{
    (void)k, (void)bdf, (void)bar, (void)off, (void)size, (void)val;
    return -VK_ENOENT;
}

int vk_plat_pci_reset(struct vk_kernel *k, uint32_t bdf)
{
    (void)k, (void)bdf;
    return -VK_ENOENT;
}

int vk_plat_dma_map(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                    uint32_t perm)
{
    (void)k, (void)bdf, (void)iova, (void)addr, (void)len, (void)perm;
    return -VK_ENOMEM;
}

void vk_plat_dma_unmap(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len)
{
    (void)k, (void)bdf, (void)iova, (void)len;
}
