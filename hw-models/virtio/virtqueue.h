/*
 * hw-models/virtio: the device side of a virtio 1.x split virtqueue (virtio 1.1, 2.6). Pure
 * C11: no host I/O, no globals, no allocation.
 *
 * Who calls it: a transport (virtio_pci.c) owns one struct virtq per queue, fills size and the
 * three ring addresses from what the driver wrote, and for each request pops a chain
 * (virtq_pop), lets the device model move the data (virtq_read/virtq_write over the chain's
 * segments), then returns it (virtq_push) and asks whether to interrupt
 * (virtq_should_interrupt).
 *
 * Every access to the descriptor table, the rings and the buffers goes through
 * pci_dma_read/pci_dma_write on the device (the host's IOMMU hook): never a pointer. Nothing a
 * driver wrote is trusted: a chain is walked and bounded completely before the device uses it.
 * A protocol violation makes the call fail with -VK_EIO and leaves a static string in
 * vq->error (the transport reports it and sets DEVICE_NEEDS_RESET):
 *  - ring addresses not aligned as the spec requires (descriptors 16, avail 2, used 4);
 *  - the available index more than the queue size ahead of the last one the device took;
 *  - a head or next index >= the queue size (or >= the entries of an indirect table);
 *  - a chain that loops or is longer than the queue (or than its indirect table);
 *  - a device-readable descriptor after a device-writable one;
 *  - a buffer whose address + length wraps, or a chain whose total length is beyond what the
 *    device accepts (max_chain_bytes);
 *  - an indirect descriptor when VIRTIO_F_INDIRECT_DESC was not negotiated, one that is not the
 *    head of its chain, one with NEXT set, one inside an indirect table, or a table whose
 *    length is 0, not a multiple of 16 or above VIRTQ_MAX_SIZE entries;
 *  - a DMA fault on the descriptor table or the rings.
 * Features: VIRTIO_F_INDIRECT_DESC is supported (the transport offers it); VIRTIO_F_EVENT_IDX
 * is not (not offered): interrupts follow VIRTQ_AVAIL_F_NO_INTERRUPT only.
 *
 * Invariant: requests complete in order and synchronously, so used_idx == last_avail after
 * every call. Never: assert() on ring contents; a write outside a chain's writable buffers and
 * the used ring.
 */
#ifndef HW_MODELS_VIRTQUEUE_H
#define HW_MODELS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci.h"

#define VIRTQ_MAX_SIZE 256 /* ours: queue sizes and indirect tables up to this many entries */
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_seg {
    uint64_t addr;
    uint32_t len;
    bool write; /* device-writable */
};

/* One popped chain: nout device-readable segments first, then the device-writable ones. */
struct virtq_elem {
    uint16_t head;
    uint16_t nseg, nout;
    uint64_t out_len, in_len; /* total readable / writable bytes */
    struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

struct virtq {
    uint16_t max_size; /* what the device offers (a power of two <= VIRTQ_MAX_SIZE) */
    uint16_t size;     /* what the driver chose */
    bool enabled;      /* queue_enable was written 1 */
    bool indirect;     /* VIRTIO_F_INDIRECT_DESC negotiated */
    uint64_t desc, avail, used;
    uint16_t last_avail;      /* free-running index of the next available entry to take */
    uint16_t used_idx;        /* free-running index of the next used entry to write */
    uint64_t max_chain_bytes; /* the device's limit on one chain's total length */
    const char *error;        /* the last protocol violation, NULL if none */
};

/* Back to the state after device reset: size = max_size, disabled, addresses and indexes 0. */
void virtq_reset(struct virtq *vq, uint16_t max_size, uint64_t max_chain_bytes);
/* Bytes of the descriptor table, the available ring and the used ring for this size. */
uint64_t virtq_desc_bytes(uint16_t size);
uint64_t virtq_avail_bytes(uint16_t size);
uint64_t virtq_used_bytes(uint16_t size);

/* Take the next available chain into e: 1, 0 when none is available, -VK_EIO on a violation. */
int virtq_pop(struct virtq *vq, struct pci_device *dev, struct virtq_elem *e);
/* Copy len bytes at byte offset off of the chain's readable (writable) part into buf (from
 * buf). -VK_EINVAL if the range is beyond that part, the DMA error if the host refused. */
int virtq_read(struct pci_device *dev, const struct virtq_elem *e, uint64_t off, void *buf,
               size_t len);
int virtq_write(struct pci_device *dev, const struct virtq_elem *e, uint64_t off, const void *buf,
                size_t len);
/* Return chain head with len bytes written: the used element, then the used index. 0 or
 * -VK_EIO (DMA fault on the used ring). */
int virtq_push(struct virtq *vq, struct pci_device *dev, uint16_t head, uint32_t len);
/* 1 when the driver wants an interrupt for used buffers, 0 if it suppressed them, -VK_EIO when
 * the available ring's flags cannot be read. */
int virtq_should_interrupt(struct virtq *vq, struct pci_device *dev);

#endif
