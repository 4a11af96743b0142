/*
 * drivers/virtio: the virtio 1.x modern PCI transport, driver side (virtio 1.1, 4.1.4 and 3.1),
 * over the driver kit (ddk.h) only: the library every virtio driver (rng, blk, console) links.
 *
 * Who calls it: a virtio driver's init and its recovery path, in this order:
 *   vdrv_probe        walk the PCI capability list (bounded: a looping or out-of-range list
 *                     ends the walk) for the vendor-specific capabilities; each structure
 *                     must lie inside an existing memory BAR (overflow-safe) and be long
 *                     enough (common >= 0x38 bytes, ISR >= 1, notify >= 2), else -VK_ENODEV
 *   vdrv_reset        write status 0 and wait (bounded) until it reads back 0
 *   vdrv_negotiate    ACKNOWLEDGE, DRIVER, features (VIRTIO_F_VERSION_1 required, and
 *                     ACCESS_PLATFORM accepted when offered: all DMA goes through the IOMMU),
 *                     FEATURES_OK, and the read-back the spec requires
 *   vdrv_queue_setup  one split virtqueue per call: its size (the device's maximum, capped),
 *                     one DMA buffer for its rings (kept across resets), addresses, MSI-X
 *                     vector (read back), enable
 *   vdrv_driver_ok    DRIVER_OK; the device is live
 * then vdrv_notify after adding chains (vdrv_ring.h), vdrv_isr (INTx: read to acknowledge),
 * vdrv_status (DEVICE_NEEDS_RESET?). A driver that sees garbage (vdrv_vq_get -> -VK_EIO), a
 * NEEDS_RESET or a lost interrupt fails its requests with EIO, then runs vdrv_reset and the
 * sequence again (vdrv_queue_setup reuses each queue's buffer and re-zeroes it).
 * Around that: vdrv_irq_setup before the first start (MSI-X with a vector per source, else
 * INTx), vdrv_started after it (failure: FAILED), vdrv_restarted after each restart (a device
 * that does not come back ends the driver), vdrv_test_misbehave for the drivers' *_MISBEHAVE
 * test opcodes.
 *
 * Register reads the bus refuses come back all-ones (ddk.h): every value read from the device
 * is range-checked before use (sizes, vectors, notify offsets, the status). Errors: 0 or a
 * negative VK_E* code; a device that does not follow the protocol gives -VK_EIO.
 */
#ifndef VDRV_H
#define VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "ddk.h"
#include "vdrv_ring.h"

#define VDRV_VENDOR_ID 0x1af4
#define VDRV_F_VERSION_1 (1ull << 32)
#define VDRV_F_ACCESS_PLATFORM (1ull << 33)
#define VDRV_S_ACKNOWLEDGE 0x01
#define VDRV_S_DRIVER 0x02
#define VDRV_S_DRIVER_OK 0x04
#define VDRV_S_FEATURES_OK 0x08
#define VDRV_S_NEEDS_RESET 0x40
#define VDRV_S_FAILED 0x80
#define VDRV_ISR_QUEUE 0x1
#define VDRV_ISR_CONFIG 0x2
#define VDRV_NO_VECTOR 0xffff
#define VDRV_MAX_QUEUES 8

struct vdrv_region {
    bool present;
    uint8_t bar;
    uint64_t off, len;
};

struct vdrv_queue {
    uint16_t index;
    uint16_t notify_off; /* queue_notify_off, checked against the notify region */
    struct vdrv_vq vq;
    struct ddk_dma_buf mem; /* the rings; allocated once */
};

struct vdrv_dev {
    struct ddk_device *dev;
    struct vdrv_region common, notify, isr, device;
    uint32_t notify_mult;
    uint64_t device_features, features; /* offered; negotiated */
    uint64_t resets;
};

int vdrv_probe(struct vdrv_dev *v, struct ddk_device *dev);
int vdrv_reset(struct vdrv_dev *v);
/* want: the device-specific features the driver understands; *got: what was agreed. */
int vdrv_negotiate(struct vdrv_dev *v, uint64_t want, uint64_t *got);
/* want_size: the most entries the driver wants (a power of two); vector: MSI-X vector for the
 * queue or VDRV_NO_VECTOR. */
int vdrv_queue_setup(struct vdrv_dev *v, struct vdrv_queue *q, uint16_t index, uint16_t want_size,
                     uint16_t vector);
/* The configuration-change MSI-X vector (or VDRV_NO_VECTOR); read back. */
int vdrv_config_vector(struct vdrv_dev *v, uint16_t vector);
int vdrv_driver_ok(struct vdrv_dev *v);
int vdrv_notify(struct vdrv_dev *v, const struct vdrv_queue *q);
/* The device status (0xff when the read was refused); the ISR byte (reading clears it). */
uint8_t vdrv_status(struct vdrv_dev *v);
uint8_t vdrv_isr(struct vdrv_dev *v);
/* Tell the device the driver gave up (FAILED). */
void vdrv_fail(struct vdrv_dev *v);

/* Interrupts for a driver with nvec sources (vector 0: configuration change, then its queues):
 * MSI-X with nvec vectors (*msix = true) unless the driver got the argument --intx or the
 * device cannot, else INTx, vector 0 (*msix = false; the ISR byte says which); the fallback is
 * logged. 0 or a negative VK_E* code (no interrupt at all). */
int vdrv_irq_setup(struct vdrv_dev *v, unsigned nvec, bool *msix);
/* After the driver's init started the device (rc: what the start returned): on failure log it
 * and tell the device FAILED. Returns rc, for init to return. */
int vdrv_started(struct vdrv_dev *v, int rc);
/* After recovery restarted the device (rc: what the start returned): on failure log it, tell
 * the device FAILED and exit, so devmgr resets the device and restarts the driver. */
void vdrv_restarted(struct vdrv_dev *v, int rc);
/* Test only: arm the device's own malicious behaviour, what = VDEV_MISBEHAVE_* (devices.h),
 * by a write of it at VDEV_MISBEHAVE_REG in the device-specific region (the model's test
 * hooks; elsewhere a guest error, nothing happens). 0, or -VK_EINVAL for an unknown what. */
int vdrv_test_misbehave(struct vdrv_dev *v, uint64_t what);

#endif
