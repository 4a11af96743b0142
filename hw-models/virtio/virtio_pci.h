/*
 * hw-models/virtio: the virtio 1.x modern PCI transport (virtio 1.1, 4.1), no legacy
 * interface. Pure C11: no host I/O, no globals, no allocation, no host time.
 *
 * Who calls it: a device model (virtio_rng.c; blk, console later) embeds a struct virtio_pci,
 * describes itself in a const struct virtio_device_ops (device id, features, queues, config
 * space, one request handler) and calls virtio_pci_init. The machine attaches &vp->pci to its
 * pci_host and drives virtual time like edu's: virtio_pci_advance(now) before forwarding an
 * access and whenever its event queue reaches virtio_pci_next_event().
 *
 * PCI face: 1af4:(0x1040 + device id), revision 1, subsystem 1af4:1100 (QEMU's), INTA.
 * BAR 4 (64-bit memory, 16 KiB, QEMU's layout) holds every virtio structure, 4 KiB each:
 *   0x0000 common configuration (struct virtio_pci_common_cfg)
 *   0x1000 ISR status (read clears it and lowers INTx)
 *   0x2000 device-specific configuration
 *   0x3000 notifications: queue n at 0x3000 + 4 * n (notify_off_multiplier 4, queue_notify_off
 *          = n); the written value is ignored (no VIRTIO_F_NOTIFICATION_DATA)
 * BAR 1 (32-bit memory, 4 KiB): the MSI-X table at 0 and the PBA at 0x800, num_queues + 1
 * vectors. Five vendor-specific capabilities (COMMON, ISR, DEVICE, NOTIFY, PCI_CFG) then MSI-X.
 * The PCI_CFG capability's window (cap.bar, cap.offset, cap.length 1/2/4, pci_cfg_data) reaches
 * BAR 4 through configuration space even while memory decoding is off.
 *
 * Common configuration: fields are accessed with their own width, 64-bit ones also as two
 * 32-bit halves; another width is a guest error (reads give 0, writes are dropped).
 *
 * Features: the device's own plus VIRTIO_F_VERSION_1, VIRTIO_F_ACCESS_PLATFORM (all DMA goes
 * through the IOMMU) and VIRTIO_F_INDIRECT_DESC; not VIRTIO_F_EVENT_IDX. Driver features are
 * writable only while DRIVER is set and FEATURES_OK is not.
 *
 * Status machine, enforced: writing 0 resets the device (queues, features, selectors, status,
 * ISR, INTx, MSI-X vector registers, pending work). Any other write must keep every bit already
 * set (DEVICE_NEEDS_RESET is the device's: ignored in writes), set no unknown bit, and respect
 * the order ACKNOWLEDGE < DRIVER < FEATURES_OK < DRIVER_OK (FAILED at any time); else it is a
 * guest error and the status does not change. FEATURES_OK is refused (reads back clear, and a
 * DRIVER_OK in the same write with it) unless the driver's features are a subset of the
 * device's and include VIRTIO_F_VERSION_1. Queue setup (size, addresses, queue_enable = 1) is
 * accepted only with FEATURES_OK set, DRIVER_OK clear and the queue not yet enabled; a size must
 * be a power of two <= the maximum; enabling needs aligned ring addresses; MSI-X vector
 * registers are writable at any time and read back VIRTIO_MSI_NO_VECTOR for a vector the
 * device does not have.
 *
 * Requests: a notify for queue n (after DRIVER_OK, queue enabled) schedules it latency ns later;
 * then one chain is served per latency, in order, until the queue is empty. A used buffer
 * interrupts through the queue's MSI-X vector when MSI-X is enabled (none for NO_VECTOR), else
 * ISR bit 0 and INTx; VIRTQ_AVAIL_F_NO_INTERRUPT suppresses it. A protocol violation (see
 * virtqueue.h, and whatever the device's handler refuses) is a guest error: the device sets
 * DEVICE_NEEDS_RESET, stops all queues until reset, sets ISR bit 1 and sends a configuration
 * interrupt (MSI-X config vector, else INTx).
 *
 * Test hooks (a malicious device; compiled in only with VIRTIO_TEST_HOOKS, the CMake option
 * VERIDIAN_VIRTIO_TEST_HOOKS): a 32-bit write of VIRTIO_MISBEHAVE_* to the device-specific
 * region at VIRTIO_PCI_MISBEHAVE_REG (beyond any device's configuration) arms one misbehaviour;
 * without such a write nothing changes, and without the option the write is the guest error any
 * write outside the configuration is. SPURIOUS: three interrupts of every enabled queue with no
 * used buffer behind them, latency / 2 after the write and then one per latency (events of
 * their own in virtual time, so that the driver sees each).
 * USED_ID / USED_LEN / USED_IDX: the next completion's used element gets an id beyond the queue,
 * a length of 0xfffffff0, or the used index jumps 100 ahead. CONFIG: when the next request is
 * taken (in flight), the device's configuration changes (the model's misbehave_config hook, e.g.
 * virtio-blk's capacity halves), config_generation moves and a configuration interrupt is sent;
 * then the request is served against the new configuration. Reset disarms.
 *
 * Invariants (virtio_pci_check): status holds known bits in spec order; NEEDS_RESET exactly
 * while broken; with FEATURES_OK the driver's features are the device's and include VERSION_1;
 * ISR holds bits 0-1 only; every vector register is NO_VECTOR or a vector the device has;
 * queue sizes are powers of two <= their maximum; a queue is scheduled only while it can run;
 * used_idx == last_avail on every queue; the PCI invariants hold. Never: assert() on anything a
 * driver writes; a memory access except through pci_dma_read/pci_dma_write.
 */
#ifndef HW_MODELS_VIRTIO_PCI_H
#define HW_MODELS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"
#include "virtqueue.h"

#define VIRTIO_PCI_VENDOR_ID 0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE 0x1040
#define VIRTIO_PCI_REVISION 1
#define VIRTIO_PCI_SUBSYSTEM_ID 0x1100

/* vendor-specific capability (struct virtio_pci_cap): offsets inside it */
#define PCI_CAP_ID_VNDR 0x09
#define VIRTIO_PCI_CAP_LEN 2
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_ID 5
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_CAP_SIZE 16
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* notify_off_multiplier */
#define VIRTIO_PCI_NOTIFY_CAP_SIZE 20
#define VIRTIO_PCI_CFG_CAP_DATA 16 /* pci_cfg_data[4] */
#define VIRTIO_PCI_CFG_CAP_SIZE 20

#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* our layout */
#define VIRTIO_PCI_BAR 4
#define VIRTIO_PCI_BAR_SIZE 0x4000u
#define VIRTIO_PCI_COMMON_OFF 0x0000u
#define VIRTIO_PCI_ISR_OFF 0x1000u
#define VIRTIO_PCI_DEVICE_OFF 0x2000u
#define VIRTIO_PCI_NOTIFY_OFF 0x3000u
#define VIRTIO_PCI_REGION_SIZE 0x1000u
#define VIRTIO_PCI_NOTIFY_MULT 4u
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000u
#define VIRTIO_PCI_MSIX_PBA_OFF 0x800u

/* struct virtio_pci_common_cfg */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESC 0x20
#define VIRTIO_PCI_COMMON_Q_AVAIL 0x28
#define VIRTIO_PCI_COMMON_Q_USED 0x30
#define VIRTIO_PCI_COMMON_SIZE 0x38

#define VIRTIO_CONFIG_S_ACKNOWLEDGE 0x01
#define VIRTIO_CONFIG_S_DRIVER 0x02
#define VIRTIO_CONFIG_S_DRIVER_OK 0x04
#define VIRTIO_CONFIG_S_FEATURES_OK 0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_FEATURE(bit) (1ull << (bit))

#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2
#define VIRTIO_MSI_NO_VECTOR 0xffff

#define VIRTIO_PCI_MISBEHAVE_REG 0xffcu /* in the device region: the test hooks above */
#define VIRTIO_MISBEHAVE_NONE 0u
#define VIRTIO_MISBEHAVE_SPURIOUS 1u
#define VIRTIO_MISBEHAVE_USED_ID 2u
#define VIRTIO_MISBEHAVE_USED_LEN 3u
#define VIRTIO_MISBEHAVE_USED_IDX 4u
#define VIRTIO_MISBEHAVE_CONFIG 5u
#define VIRTIO_MISBEHAVE_MAX VIRTIO_MISBEHAVE_CONFIG

#define VIRTIO_PCI_MAX_QUEUES 8
#define VIRTIO_NO_EVENT UINT64_MAX
#define VIRTIO_DEFAULT_LATENCY_NS 10000ull /* ours: 10 us per request */

struct virtio_pci;

/* What a virtio device model provides (all hooks optional but request). */
struct virtio_device_ops {
    uint16_t device_id;       /* virtio device id: 4 entropy, 2 block, 3 console */
    uint32_t class_code;      /* PCI class code */
    uint64_t features;        /* device-specific features offered */
    uint16_t num_queues;      /* 1..VIRTIO_PCI_MAX_QUEUES */
    uint16_t queue_max;       /* every queue's maximum size: a power of two <= VIRTQ_MAX_SIZE */
    uint64_t max_chain_bytes; /* longest chain (total bytes) a request may have */
    uint32_t config_len;      /* bytes of device configuration (<= VIRTIO_PCI_REGION_SIZE) */
    void (*reset)(struct virtio_pci *vp);
    /* off + size <= config_len, size 1, 2, 4 or 8 */
    uint64_t (*config_read)(struct virtio_pci *vp, uint32_t off, unsigned size);
    void (*config_write)(struct virtio_pci *vp, uint32_t off, unsigned size, uint64_t val);
    /* Serve one chain popped from queue q: move the data (virtq_read/virtq_write), set
     * *written to the bytes written into the chain. 0, or a negative errno with *why set to a
     * static string: the transport then reports a protocol violation (NEEDS_RESET). */
    int (*request)(struct virtio_pci *vp, unsigned q, const struct virtq_elem *e, uint32_t *written,
                   const char **why);
    /* Test hooks only (VIRTIO_MISBEHAVE_CONFIG): change the configuration as a malicious or
     * hot-resized device would; the transport then sends the configuration interrupt. */
    void (*misbehave_config)(struct virtio_pci *vp);
};

struct virtio_pci {
    struct pci_device pci; /* pci.opaque is this struct */
    const struct virtio_device_ops *vops;
    void *opaque;     /* the device model's state */
    uint64_t now;     /* the time of the last advance */
    uint64_t latency; /* ns per request; settable before use */
    uint64_t device_features, driver_features;
    uint32_t device_feature_select, driver_feature_select;
    uint16_t config_vector, queue_select;
    uint8_t status, config_generation, isr;
    bool broken;      /* a protocol violation was seen: NEEDS_RESET, queues stopped */
    uint16_t cfg_cap; /* offset of the PCI_CFG capability */
    struct virtq vq[VIRTIO_PCI_MAX_QUEUES];
    uint16_t queue_vector[VIRTIO_PCI_MAX_QUEUES];
    uint64_t due[VIRTIO_PCI_MAX_QUEUES]; /* when the queue is served next, VIRTIO_NO_EVENT */
    uint64_t requests, violations, features_refused, resets;
    const char *last_violation;
    struct virtq_elem elem; /* the chain being served */
    uint32_t misbehave;     /* test hooks: the armed VIRTIO_MISBEHAVE_*, 0 when none */
    uint32_t spurious_left; /* test hooks: spurious interrupts still to send */
    uint64_t spurious_due;  /* test hooks: when the next one is sent */
    uint64_t misbehaved;    /* test hooks: misbehaviours carried out */
};

/* Realize the PCI device for vops and reset the transport; the caller set vp's embedding
 * struct up first (vp itself is cleared here). 0 or -errno. */
int virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *vops, void *opaque);
/* Bring the device to virtual time now (ns): serve every request due at or before it. */
void virtio_pci_advance(struct virtio_pci *vp, uint64_t now);
/* The earliest time a queue is due, VIRTIO_NO_EVENT if none. */
uint64_t virtio_pci_next_event(const struct virtio_pci *vp);
/* 0 when the invariants in the contract hold, else -VK_EINVAL. */
int virtio_pci_check(const struct virtio_pci *vp);
/* A driver broke the protocol: guest error, DEVICE_NEEDS_RESET, configuration interrupt. */
void virtio_pci_needs_reset(struct virtio_pci *vp, const char *why);
/* The device's configuration changed: bump config_generation, configuration interrupt. */
void virtio_pci_config_changed(struct virtio_pci *vp);

#endif
