/*
 * drivers/virtio: the driver side of a virtio 1.x split virtqueue (virtio 1.1, 2.6), pure C (no
 * kernel calls, no allocation, no globals), built for the guest (inside the virtio driver
 * library) and for the host (tests/unit/virtio_drv, against a fake device memory).
 *
 * Who calls it: vdrv.c (the PCI transport) gives each queue a zeroed, device-shared memory
 * area (one DMA buffer) and its IOVA; a driver adds chains of buffers (vdrv_vq_add), tells
 * the transport to notify, and takes completions back (vdrv_vq_get) when the device
 * interrupts or a deadline passes.
 *
 * Layout in the area (vdrv_vq_layout): the descriptor table at 0 (16-byte aligned), the
 * available ring after it (2-byte), the used ring at the next 4-byte boundary.
 *
 * Trust: the whole area is writable by the device, so nothing in it is read back as truth.
 * Chains, free descriptors, cookies and each chain's writable length live in the driver's
 * private arrays; the only things taken from shared memory are the used index and the used
 * elements, and each is checked before use:
 *  - the used index may run ahead of the last one taken by at most the chains in flight;
 *  - a used id must be < size and the head of a chain in flight;
 *  - a used length must be <= the writable bytes of that chain.
 * A violation makes the call fail with -VK_EIO, leaves a static string in vq->error and marks
 * the queue broken: every later add or get fails with -VK_EIO until vdrv_vq_init (after the
 * driver reset the device). vdrv_vq_take_inflight hands back the cookies of the chains that
 * were in flight, so the driver can fail their requests.
 *
 * Invariants (vdrv_vq_check): the free list holds exactly num_free descriptors, each once;
 * every descriptor is either free or in exactly one chain in flight; nchains chains in flight,
 * and at most avail_idx - last_used of them (fewer once the driver took them back).
 * Never: assert() on anything from the device; write outside the area given.
 *
 * Test hooks (vdrv_test_*): the drivers' *_CORRUPT requests write, into the device-writable
 * area, the garbage a malicious device could have left there, so tests reach the checks above
 * through the real data path. Only the drivers' test opcodes call them.
 */
#ifndef VDRV_RING_H
#define VDRV_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDRV_VQ_MAX 256 /* ours: the largest queue the library drives */
#define VDRV_DESC_F_NEXT 1
#define VDRV_DESC_F_WRITE 2
#define VDRV_AVAIL_F_NO_INTERRUPT 1
#define VDRV_USED_F_NO_NOTIFY 1
#define VDRV_NONE 0xffffu

/* In shared memory (little-endian: x86-64, as the spec's le16/le32/le64). */
struct vdrv_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vdrv_used_elem {
    uint32_t id;
    uint32_t len;
};

/* One buffer of a chain: device-readable unless write. */
struct vdrv_buf {
    uint64_t iova;
    uint32_t len;
    bool write;
};

struct vdrv_vq {
    uint16_t size;
    uint8_t *mem; /* the area: descriptors, available ring, used ring */
    uint64_t iova;
    uint64_t desc_off, avail_off, used_off;
    uint16_t free_head, num_free, nchains;
    uint16_t avail_idx; /* our copy of the available index (the device never writes it) */
    uint16_t last_used; /* the next used element to take */
    bool broken;
    const char *error; /* the last violation, NULL if none */
    /* private shadow of the chains: never read back from shared memory */
    uint16_t next[VDRV_VQ_MAX];      /* free list link, or next descriptor of a chain */
    uint16_t chain_len[VDRV_VQ_MAX]; /* at a head: descriptors in its chain; 0 elsewhere */
    uint32_t in_len[VDRV_VQ_MAX];    /* at a head: the chain's device-writable bytes */
    void *cookie[VDRV_VQ_MAX];
};

/* Offsets of the three parts and the total bytes for a queue of size entries. */
void vdrv_vq_layout(uint16_t size, uint64_t *desc_off, uint64_t *avail_off, uint64_t *used_off,
                    uint64_t *total);
/* Set the queue up over mem (at least the layout's total bytes, zeroed here) at iova: every
 * descriptor free, indexes 0, not broken. 0, or -VK_EINVAL for a size that is not a power of
 * two in 1..VDRV_VQ_MAX. */
int vdrv_vq_init(struct vdrv_vq *vq, uint16_t size, void *mem, uint64_t iova);
/* Device addresses of the three parts (what the transport writes into queue_desc etc.). */
uint64_t vdrv_vq_desc_iova(const struct vdrv_vq *vq);
uint64_t vdrv_vq_avail_iova(const struct vdrv_vq *vq);
uint64_t vdrv_vq_used_iova(const struct vdrv_vq *vq);

/* Make n buffers one chain (device-readable ones must come first, as the spec wants) and
 * publish it: 0, -VK_EINVAL (n == 0, a zero length, a readable buffer after a writable one,
 * writable bytes beyond 4 GiB - 1), -VK_ENOSPC (not enough free descriptors), -VK_EIO (broken). */
int vdrv_vq_add(struct vdrv_vq *vq, const struct vdrv_buf *bufs, unsigned n, void *cookie);
/* Does the device want a notification (VIRTQ_USED_F_NO_NOTIFY clear)? A hint only. */
bool vdrv_vq_need_notify(const struct vdrv_vq *vq);
/* Take one completion: 1 with *cookie and *len (bytes the device wrote, checked), 0 when
 * there is none, -VK_EIO when the device's used ring is garbage (the queue is then broken). */
int vdrv_vq_get(struct vdrv_vq *vq, void **cookie, uint32_t *len);
/* After a reset: the cookie of one chain that was in flight (1), or 0 when none is left; its
 * descriptors are freed. Works on a broken queue. */
int vdrv_vq_take_inflight(struct vdrv_vq *vq, void **cookie);
/* 0 when the invariants in the contract hold, else -VK_EINVAL. */
int vdrv_vq_check(const struct vdrv_vq *vq);

/* Test only: the garbage vdrv_test_corrupt_used scribbles into the used element (or index) the
 * driver reads next. The values are those of HWRNG_CORRUPT_* and VBLK_CORRUPT_* (devices.h). */
#define VDRV_GARBAGE_ID 1u  /* the used id out of range (0xdead) */
#define VDRV_GARBAGE_LEN 2u /* the used length set to bad_len (beyond the chain's buffers) */
#define VDRV_GARBAGE_IDX 3u /* the used index size + 3 ahead of the last one taken */
/* Test only: write garbage of that kind; any other kind writes nothing. */
void vdrv_test_corrupt_used(struct vdrv_vq *vq, unsigned kind, uint32_t bad_len);
/* Test only: flip VDRV_DESC_F_WRITE on descriptor nth (0: the head) of the chain added last,
 * so the next request breaks the protocol (the device must answer DEVICE_NEEDS_RESET). */
void vdrv_test_flip_write(struct vdrv_vq *vq, unsigned nth);

#endif
