/*
 * A test platform for device models (tests/unit/edu, tests/unit/virtio): guest RAM behind one
 * hw_iommu domain, and a pci_host whose hooks route DMA through that domain and log MSI
 * messages, INTx levels and guest errors. One platform per test process: the globals below
 * carry the names the tests use.
 *
 * hwt_setup(ram_size, dev_id) clears the platform (RAM zeroed; ram_size <= HWT_RAM_MAX bytes
 * are memory, the rest is not) and creates the IOMMU unit (64 fault records), the device's
 * domain (16 tables) and the host (ECAM at HWT_ECAM_BASE, one bus, q35's bridge IDs). The test
 * then fills RAM, maps its own IOVAs and attaches its device. hwt_teardown finishes the domain
 * and the unit. The INTx hook fails the test for a pin other than INTA.
 */
#ifndef HWTEST_H
#define HWTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "hw-models/iommu/iommu.h"
#include "hw-models/pci/pci.h"

#define HWT_RAM_MAX 0x20000u
#define HWT_MSI_LOG 256u
#define HWT_ECAM_BASE 0xb0000000ull

struct hwt_platform {
    uint8_t ram[HWT_RAM_MAX];
    uint32_t ram_size;
    uint64_t msi_addr[HWT_MSI_LOG]; /* the first HWT_MSI_LOG messages */
    uint32_t msi_data[HWT_MSI_LOG];
    unsigned nmsi; /* every message */
    bool intx;     /* the INTA level the host sees */
    unsigned intx_changes;
    unsigned guest_errors;
};

extern struct hwt_platform pl;
extern struct hw_iommu iommu;
extern struct hw_iommu_domain dom;
extern struct pci_host host;
extern const struct pci_host_ops hwt_host_ops;

void hwt_setup(uint32_t ram_size, uint32_t dev_id);
void hwt_teardown(void);

#endif
