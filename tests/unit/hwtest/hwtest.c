/* The device-model test platform: see hwtest.h. */
#include "hwtest.h"

#include <check.h>
#include <errno.h>
#include <string.h>

struct hwt_platform pl;
struct hw_iommu iommu;
struct hw_iommu_domain dom;
struct pci_host host;

static int mem_check(void *ctx, uint64_t addr, uint64_t len)
{
    const struct hwt_platform *p = ctx;
    return addr < p->ram_size && len <= p->ram_size - addr ? 0 : -EFAULT;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, uint64_t len)
{
    memcpy(buf, &((struct hwt_platform *)ctx)->ram[addr], (size_t)len);
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, uint64_t len)
{
    memcpy(&((struct hwt_platform *)ctx)->ram[addr], buf, (size_t)len);
    return 0;
}

static const struct hw_iommu_mem_ops mem_ops = {mem_check, mem_read, mem_write};

static int h_dma_read(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    (void)ctx;
    (void)dev;
    return hw_iommu_dma_read(&dom, iova, buf, len);
}

static int h_dma_write(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf,
                       size_t len)
{
    (void)ctx;
    (void)dev;
    return hw_iommu_dma_write(&dom, iova, buf, len);
}

static void h_msi(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t data)
{
    struct hwt_platform *p = ctx;
    (void)dev;
    if (p->nmsi < HWT_MSI_LOG) {
        p->msi_addr[p->nmsi] = addr;
        p->msi_data[p->nmsi] = data;
    }
    p->nmsi++;
}

static void h_intx(void *ctx, struct pci_device *dev, int pin, bool level)
{
    struct hwt_platform *p = ctx;
    (void)dev;
    ck_assert_int_eq(pin, 1);
    p->intx = level;
    p->intx_changes++;
}

static void h_guest_error(void *ctx, struct pci_device *dev, const char *what)
{
    (void)dev;
    ck_assert_ptr_nonnull(what);
    ((struct hwt_platform *)ctx)->guest_errors++;
}

const struct pci_host_ops hwt_host_ops = {
    .dma_read = h_dma_read,
    .dma_write = h_dma_write,
    .msi = h_msi,
    .intx = h_intx,
    .guest_error = h_guest_error,
};

void hwt_setup(uint32_t ram_size, uint32_t dev_id)
{
    ck_assert_uint_le(ram_size, HWT_RAM_MAX);
    memset(&pl, 0, sizeof pl);
    pl.ram_size = ram_size;
    ck_assert_int_eq(hw_iommu_init(&iommu, 64, &mem_ops, &pl), 0);
    ck_assert_int_eq(hw_iommu_domain_init(&dom, &iommu, dev_id, 16), 0);
    ck_assert_int_eq(pci_host_init(&host, &hwt_host_ops, &pl, HWT_ECAM_BASE, 1, 0x8086, 0x29c0), 0);
}

void hwt_teardown(void)
{
    hw_iommu_domain_fini(&dom);
    hw_iommu_fini(&iommu);
}
