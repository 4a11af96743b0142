/*
 * hw-models/pci: the PCI Express device shape, a host bridge with ECAM and a bus that routes
 * MMIO and port I/O to the BAR that owns the address. Pure C11: no host I/O, no globals, no
 * allocation; every object lives in storage the caller owns.
 *
 * Who calls it: device models (edu, virtio) fill a struct pci_device in their realize hook
 * (IDs, BARs, capabilities); the machine attaches the device to a struct pci_host; vrsim
 * forwards guest MMIO/PIO to pci_host_mmio_read/... and the host hooks (struct pci_host_ops)
 * carry DMA, MSI messages, INTx levels and guest-error reports back out.
 *
 * Invariants (pci_device_check tests them, the unit tests drive random config writes at them):
 *  - a byte of configuration space changes only where its write mask allows, or is cleared
 *    where its W1C mask allows; read-only fields (IDs, class, header type, capability IDs and
 *    next pointers, BAR flag bits) never change after realize;
 *  - the capability list is well formed: every pointer in 0x40..0xfc, dword aligned, no loop,
 *    every capability inside the standard header; the extended list likewise in 0x100..0xffc;
 *  - a BAR's decoded address is aligned to its size (the size mask is the write mask);
 *  - a device decodes a memory (I/O) BAR only while its command register's memory (I/O) enable
 *    bit is set.
 * Never: assert() on anything a driver writes (config space, BAR registers, MSI-X table).
 * A bad access is range-checked, reported through pci_host_ops.guest_error, counted, and fails
 * (reads return all-ones); models reach memory only through pci_dma_read/pci_dma_write.
 */
#ifndef HW_MODELS_PCI_H
#define HW_MODELS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- configuration space layout (PCI Local Bus 3.0, PCI Express Base 4.0) ---- */
#define PCI_CONFIG_SPACE_SIZE 4096u
#define PCI_STD_CONFIG_SIZE 256u
#define PCI_NUM_BARS 6

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_PARITY 0x0040
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_STATUS_W1C 0xf900 /* parity, target/master aborts, SERR, detected parity */
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MULTI 0x80
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_FIRST 0x40
#define PCI_EXT_CAP_FIRST 0x100

/* MSI (64-bit address, per-vector masking): offsets inside the capability */
#define PCI_MSI_FLAGS 0x02
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK 0x000e /* vectors requested (log2), read-only */
#define PCI_MSI_FLAGS_QSIZE 0x0070 /* vectors allocated (log2), written by the driver */
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08
#define PCI_MSI_DATA_64 0x0c
#define PCI_MSI_MASK_64 0x10
#define PCI_MSI_PENDING_64 0x14
#define PCI_MSI_CAP_SIZE 0x18

/* MSI-X */
#define PCI_MSIX_FLAGS 0x02
#define PCI_MSIX_FLAGS_QSIZE 0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_CAP_SIZE 0x0c
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_CTRL 12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1
#define PCI_MSIX_MAX_VECTORS 64 /* ours; the spec allows 2048 */

/* PCI Express capability (version 2, endpoint) */
#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVSTA 0x0a
#define PCI_EXP_LNKCAP 0x0c
#define PCI_EXP_LNKCTL 0x10
#define PCI_EXP_LNKSTA 0x12
#define PCI_EXP_CAP_SIZE 0x3c

/* ECAM: one 4 KiB configuration space per bus/device/function */
#define PCI_ECAM_OFFSET(bus, dev, fn, reg)                                                         \
    (((uint64_t)(bus) << 20) | ((uint64_t)(dev) << 15) | ((uint64_t)(fn) << 12) | (uint64_t)(reg))
#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))
#define PCI_MAX_CAPS 48 /* standard capabilities that fit in 0x40..0xfc, dword aligned */

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM32, PCI_BAR_MEM64, PCI_BAR_IO };

struct pci_device;
struct pci_host;

/*
 * What a model implements. All hooks are optional. realize fills the configuration space
 * (pci_set_ids, pci_register_bar, pci_msi_init...) and returns 0 or a negative errno; reset
 * brings the model's own state back (the generic state is reset before it is called).
 * config_read runs after the generic read with the stored value and may replace it;
 * config_write runs after the masked bytes are stored, with the value the driver wrote.
 * mmio_read/mmio_write serve memory and I/O BARs; the bus only calls them with a size in
 * [min_access, max_access] (0 means 1 and 8), aligned, inside the BAR, and never for the
 * MSI-X table and PBA, which the generic code serves.
 */
struct pci_device_ops {
    int (*realize)(struct pci_device *dev);
    void (*reset)(struct pci_device *dev);
    void (*config_read)(struct pci_device *dev, uint32_t off, unsigned size, uint32_t *val);
    void (*config_write)(struct pci_device *dev, uint32_t off, unsigned size, uint32_t val);
    uint64_t (*mmio_read)(struct pci_device *dev, int bar, uint64_t off, unsigned size);
    void (*mmio_write)(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t val);
    unsigned min_access, max_access;
};

/*
 * What the machine provides to every device behind a host (all optional; a missing DMA hook
 * fails the transfer with -VK_EFAULT). dma_read/dma_write go through the IOMMU: they return 0
 * or a negative errno and the model must handle the error. msi delivers one message
 * (address, data); intx reports an INTx line's level change; guest_error reports a driver's
 * mistake (a static string).
 */
struct pci_host_ops {
    int (*dma_read)(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len);
    int (*dma_write)(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf, size_t len);
    void (*msi)(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t data);
    void (*intx)(void *ctx, struct pci_device *dev, int pin, bool level);
    void (*guest_error)(void *ctx, struct pci_device *dev, const char *what);
};

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetch;
    uint64_t size; /* a power of two; 0 when kind is PCI_BAR_NONE (or the upper half of a 64) */
    uint64_t addr; /* as programmed, flag bits stripped */
};

struct pci_msix {
    uint16_t cap;  /* capability offset, 0 when absent */
    uint16_t nvec; /* table entries */
    uint8_t table_bar, pba_bar;
    uint32_t table_off, pba_off;
    uint8_t table[PCI_MSIX_MAX_VECTORS * PCI_MSIX_ENTRY_SIZE];
    uint64_t pba; /* pending bits, one per vector */
};

struct pci_device {
    const struct pci_device_ops *ops;
    void *opaque; /* the model's state */
    struct pci_host *host;
    uint8_t bus, devfn;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];     /* bits a driver may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];   /* bits a driver clears by writing 1 */
    uint8_t reset_cfg[PCI_CONFIG_SPACE_SIZE]; /* the configuration space after realize */
    struct pci_bar bars[PCI_NUM_BARS];
    uint16_t cap_next, ext_cap_next, ext_cap_last; /* where the next capability goes */
    uint16_t msi_cap, exp_cap;
    uint8_t msi_nvec;
    struct pci_msix msix;
    bool intx_level;    /* what the model drives */
    bool intx_asserted; /* what the host sees */
    bool realized;
    uint64_t guest_errors;       /* driver mistakes seen by this device */
    uint64_t undecoded_accesses; /* BAR accesses while the BAR's decoding was off */
};

/* ---- device side (models) ---- */

/* Initialise dev, run ops->realize, validate the result and snapshot it for reset. */
int pci_device_realize(struct pci_device *dev, const struct pci_device_ops *ops, void *opaque);
/* Function level reset: the configuration space after realize, MSI-X masked, then ops->reset. */
void pci_device_reset(struct pci_device *dev);
/* 0 when every invariant in the contract above holds, else -VK_EINVAL. */
int pci_device_check(const struct pci_device *dev);

void pci_set_ids(struct pci_device *dev, uint16_t vendor, uint16_t device, uint32_t class_code,
                 uint8_t revision);
int pci_set_subsystem(struct pci_device *dev, uint16_t vendor, uint16_t id);
int pci_set_intx_pin(struct pci_device *dev, int pin); /* 1..4 = INTA..INTD, 0 none */
int pci_register_bar(struct pci_device *dev, int bar, enum pci_bar_kind kind, uint64_t size,
                     bool prefetch);

/* Capabilities: each returns the capability's offset (> 0) or a negative errno. */
int pci_add_capability(struct pci_device *dev, uint8_t id, uint8_t size);
int pci_add_ext_capability(struct pci_device *dev, uint16_t id, uint8_t version, uint16_t size);
int pci_msi_init(struct pci_device *dev, unsigned nvec); /* 1, 2, 4 .. 32 vectors */
int pci_msix_init(struct pci_device *dev, unsigned nvec, int table_bar, uint32_t table_off,
                  int pba_bar, uint32_t pba_off);
int pci_pcie_init(struct pci_device *dev);

/* Interrupts from the model. */
int pci_set_irq(struct pci_device *dev, bool level);          /* INTx */
int pci_msi_notify(struct pci_device *dev, unsigned vector);  /* -VK_EINVAL if not enabled */
int pci_msix_notify(struct pci_device *dev, unsigned vector); /* -VK_EINVAL if not enabled */
bool pci_msi_enabled(const struct pci_device *dev);
bool pci_msix_enabled(const struct pci_device *dev);
bool pci_msix_pending(const struct pci_device *dev, unsigned vector);

/* Memory, through the host's IOMMU hook. -VK_EFAULT without one; -VK_EPERM without bus master. */
int pci_dma_read(struct pci_device *dev, uint64_t iova, void *buf, size_t len);
int pci_dma_write(struct pci_device *dev, uint64_t iova, const void *buf, size_t len);

/* Report a driver's mistake (counted on the device and passed to the host's hook). */
void pci_guest_error(struct pci_device *dev, const char *what);

/* ---- driver side: configuration and BAR accesses (what ECAM and the bus call) ---- */
int pci_config_read(struct pci_device *dev, uint32_t off, unsigned size, uint32_t *val);
int pci_config_write(struct pci_device *dev, uint32_t off, unsigned size, uint32_t val);
int pci_bar_read(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t *val);
int pci_bar_write(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t val);

/*
 * Capability walker over raw configuration bytes (a device's, or a copy a driver read): fills
 * up to max entries and returns how many capabilities the list has, or -VK_EINVAL for a
 * malformed list (pointer out of range or unaligned, loop, capability past the header end).
 * cfg_len is 256 (standard list only) or 4096 (then the extended list is walked too).
 */
struct pci_cap_entry {
    uint16_t off;
    uint16_t id;
    bool extended;
};
int pci_cap_walk(const uint8_t *cfg, size_t cfg_len, struct pci_cap_entry *out, int max);
/* The offset of the first standard capability with this id, 0 if none, or -VK_EINVAL. */
int pci_find_capability(const uint8_t *cfg, size_t cfg_len, uint8_t id);

/* ---- the host bridge and its bus ---- */
#define PCI_HOST_SLOTS 256 /* bus 0: 32 devices x 8 functions */

struct pci_host {
    const struct pci_host_ops *ops;
    void *ctx;
    uint64_t ecam_base;
    uint16_t vendor, device;  /* the host bridge's IDs */
    unsigned ecam_buses;      /* buses decoded by ECAM (1..256); only bus 0 holds devices */
    struct pci_device bridge; /* the host bridge itself, 00.0, class 0x060000 */
    struct pci_device *slots[PCI_HOST_SLOTS];
    struct pci_device *attached[PCI_HOST_SLOTS]; /* the same devices in devfn order, packed */
    unsigned nattached;
    uint64_t unassigned_reads, unassigned_writes, bad_accesses;
};

int pci_host_init(struct pci_host *host, const struct pci_host_ops *ops, void *ctx,
                  uint64_t ecam_base, unsigned ecam_buses, uint16_t vendor, uint16_t device);
/* Attach a realized device at bus 0, devfn; -VK_EBUSY if the slot is taken or dev is attached. */
int pci_host_attach(struct pci_host *host, struct pci_device *dev, uint8_t devfn);
struct pci_device *pci_host_device(struct pci_host *host, uint8_t bus, uint8_t devfn);
void pci_host_reset(struct pci_host *host);
uint64_t pci_host_ecam_size(const struct pci_host *host);

/*
 * Guest accesses. An ECAM address reaches configuration space; any other address reaches the
 * enabled BAR that contains it. Nothing there: reads give all-ones, writes are dropped, both
 * counted, and the call returns 0 (master abort is not a fault on PCI). A malformed access
 * (size not 1/2/4/8, unaligned, outside what the BAR accepts) returns -VK_EINVAL, reads giving
 * all-ones.
 */
int pci_host_mmio_read(struct pci_host *host, uint64_t addr, unsigned size, uint64_t *val);
int pci_host_mmio_write(struct pci_host *host, uint64_t addr, unsigned size, uint64_t val);
int pci_host_pio_read(struct pci_host *host, uint32_t port, unsigned size, uint32_t *val);
int pci_host_pio_write(struct pci_host *host, uint32_t port, unsigned size, uint32_t val);

#endif
