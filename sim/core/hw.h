/*
 * sim/core/hw: vrsim's hardware, the platform side of the kernel's device hooks
 * (os/kernel/platform.h, "devices"): the machine's PCI bus (sim/core/pcibus, built from the
 * machine description), one IOMMU with a domain per function (device id = bdf), and one kernel
 * timer that brings the models to virtual time when their next pending work is due.
 *
 * Who calls it: vs_machine_create/destroy (one struct vs_hw per machine); the kernel, through
 * the vk_plat_pci_* and vk_plat_dma_* hooks it implements; the models, through the pci_host_ops
 * it gives the bus (DMA through the IOMMU, MSI, INTx, guest errors), which it reports to the
 * kernel (vk_device_dma, vk_device_iommu_fault, vk_device_msi, vk_device_intx).
 *
 * Time: before every access the bus is brought to k->now (vs_pcibus_advance), after it the
 * timer is re-armed at vs_pcibus_next_event; so a model's work happens at its virtual time
 * whether a driver polls or sleeps. Everything is a function of the kernel's calls and virtual
 * time: no host time, no host pointers in anything traced.
 *
 * Memory: an IOMMU mapping translates to an arena address (vk_vmo.addr + offset, what the
 * kernel passes to vk_plat_dma_map). The IOMMU's memory check accepts a range only inside one
 * range the kernel mapped and still has mapped (the kernel holds the memory object alive for
 * that long), so a model can never reach memory that is not a live memory object; read and
 * write are then plain copies into the arena.
 *
 * Backends: with vs_options.qemu set (`vrsim run --backend qemu`), no model is built: every
 * hook goes to the QEMU bridge (sim/qtest/qtest.h) instead, with the same contracts.
 *
 * Never: assert on what a driver or a model asks; touch the arena outside a mapped range.
 */
#ifndef VS_HW_H
#define VS_HW_H

#include <stddef.h>
#include <stdint.h>

#include "hw-models/iommu/iommu.h"
#include "os/kernel/kernel.h"
#include "sim/core/pcibus.h"

struct vk_machine;
struct vs_qtest;

struct vs_hw_map { /* a range the kernel mapped: what the IOMMU's memory check accepts */
    uint32_t bdf;
    uint32_t reserved;
    uint64_t iova, addr, len;
};

#define VS_HW_DOMAIN_TABLES 4096u /* IOMMU page tables per domain (16 MiB of host memory) */
#define VS_HW_FAULT_LOG 64u       /* the IOMMU's own log: drained into the kernel's at once */

struct vs_hw {
    struct vk_kernel *k;
    struct vs_pcibus bus;
    struct hw_iommu iommu;
    struct hw_iommu_domain *dom[PCI_HOST_SLOTS]; /* bus 0 by devfn, made on first use */
    struct vs_hw_map *maps;
    uint32_t nmaps, capmaps;
    struct vl_timer timer; /* armed at the bus's next event */
    uint64_t guest_errors; /* driver mistakes the models reported */
    uint64_t dmas, dma_faults;
    struct vs_qtest *qt; /* the QEMU backend, or NULL: the models above */
};

/* Build the hardware of machine description d for kernel k (k->platform set). 0, or a
 * negative errno with err saying why (the machine file's position when the file is at fault). */
int vs_hw_create(struct vs_hw **out, struct vk_kernel *k, const struct vs_machine_desc *d,
                 char *err, size_t errlen);
/* Re-arm the models' timer after their pending work changed from outside a kernel call or
 * access (a frame from another node's link reached a NIC: sim/core/nodes.c). */
void vs_hw_rearm(struct vs_hw *hw);
/* After every kernel object that could hold a mapping is gone. NULL is fine. */
void vs_hw_destroy(struct vs_hw *hw);

#endif
