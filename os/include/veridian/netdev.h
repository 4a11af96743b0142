/*
 * The protocol of a network device (/dev/net0, drivers/virtio-net): Ethernet frames over the
 * vfs file protocol (veridian/vfs_proto.h) spoken directly with the driver, plus opcodes of its
 * own. Its clients are the netstack (through the frame ring) and test programs (one frame per
 * message, or the ring).
 *
 * One frame per message (copied once each way through the client's buffer):
 *   VFS_OP_WRITE  the send buffer is one Ethernet frame without FCS, NETDEV_MIN_FRAME..
 *                 NETDEV_MAX_FRAME bytes (else EINVAL); the reply (data[0] = length) comes once
 *                 the device took it. The driver adds the checksums of nothing: the frame must
 *                 carry its own (no offload is negotiated).
 *   VFS_OP_READ   the oldest frame received, at most the length asked (data[0] = bytes given,
 *                 data[1] = the frame's length: larger when the buffer was too short, the rest
 *                 is dropped); with none the read waits until one arrives (NETDEV_READERS
 *                 reads may wait, in arrival order; more get EAGAIN). While a frame ring is
 *                 attached, received frames go to the ring, not to reads.
 *   NETDEV_OP_INFO  -> data[0] = the MAC (byte 0 in bits 0-7, ... byte 5 in bits 40-47),
 *                 data[1] = link up (1) or down (0), data[2] = frames received, data[3] =
 *                 frames sent, data[4] = frames dropped (received while the driver's queue or
 *                 the ring was full, or malformed), data[5] = device resets the driver did
 *
 * The frame ring (issue 17, item 1: a burst of frames costs O(1) kernel calls, not one IPC
 * copy per frame):
 *   NETDEV_OP_RING_ATTACH  -> data[0] = NETDEV_RING_BYTES, data[1] = NETDEV_RING_SLOTS,
 *                 data[2] = NETDEV_SLOT_SIZE, data[3] = NETDEV_RING_VERSION; handles[0] = the
 *                 ring's memory object (READ|WRITE|MAP), handles[1] = a notification the
 *                 driver signals NETDEV_RING_NOTIFY_BIT on (WAIT), handles[2] = the driver's
 *                 doorbell: signalling NETDEV_RING_DOORBELL_BIT on it wakes the driver
 *                 (SIGNAL). One ring per device: EBUSY while another open file holds it; the
 *                 ring is the driver's again once the file that attached it is closed.
 *   NETDEV_OP_RING_INFO  -> the driver's ring counters: data[0] = frames it put in the RX
 *                 ring, data[1] = frames it took from the TX ring, data[2] = notifications it
 *                 sent, data[3] = doorbells it received, data[4] = bad TX slots (length out of
 *                 range: dropped), data[5] = bad indexes (the client's tail or head out of
 *                 range: the ring is taken as full, or resynchronised and its frames dropped)
 *
 * Layout of the memory object (struct netdev_ring_area, NETDEV_RING_BYTES): a header page
 * with one control block per direction (rx: driver -> client, tx: client -> driver), then
 * NETDEV_RING_SLOTS RX slots and NETDEV_RING_SLOTS TX slots of NETDEV_SLOT_SIZE bytes. A slot
 * holds its frame's length and the frame at NETDEV_SLOT_HEADROOM (room for a driver's header).
 *
 * Indexes are free-running 32-bit counters: the producer owns `head` (slots published), the
 * consumer owns `tail` (slots consumed); slot i lives at i % NETDEV_RING_SLOTS; head - tail is
 * the fill, 0..NETDEV_RING_SLOTS. Ordering (C11 atomics): the producer writes the slot, then
 * stores head with release; the consumer loads head with acquire, reads the slot, then stores
 * tail with release; the producer loads tail with acquire before reusing a slot.
 *
 * Wake-ups (the O(1) part): a side that finds nothing to do sets its wait flag (consumer_wait:
 * "tell me when head moves", producer_wait: "tell me when tail moves"), then looks again
 * (a full fence between the two, so no wake-up is lost), and only then sleeps. The other side,
 * after publishing a whole batch, swaps the flag to 0 and signals only if it was set. So a
 * burst costs one signal each way, whatever its length, and none while the peer is busy.
 *
 * Trust: each side keeps its own index privately and never reads it back from shared memory;
 * the peer's index is checked (fill within 0..NETDEV_RING_SLOTS, else counted in bad_index:
 * a producer then takes the ring as full, a consumer drops what is there and resynchronises),
 * and each slot's length is read once and checked (NETDEV_MIN_FRAME..NETDEV_MAX_FRAME, else
 * counted in bad_len and the slot dropped). A peer can garble frames in flight, never make the
 * other side read or write outside the area. The area's size is the protocol's constant: the
 * client checks the reply's numbers and the object's type, not the size (the kernel does not
 * report it); a driver that made it smaller only faults its client.
 */
#ifndef VERIDIAN_NETDEV_H
#define VERIDIAN_NETDEV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NETDEV_MIN_FRAME 14u
#define NETDEV_MAX_FRAME 1514u
#define NETDEV_READERS 8u

enum netdev_proto_op {
    NETDEV_OP_INFO = 0x7400,
    NETDEV_OP_RING_ATTACH = 0x7401,
    NETDEV_OP_RING_INFO = 0x7402,
};

/* ---- the frame ring ---- */
#define NETDEV_RING_VERSION 1u
#define NETDEV_RING_SLOTS 64u /* per direction, a power of two */
#define NETDEV_SLOT_SIZE 2048u
#define NETDEV_SLOT_HEADROOM 32u
#define NETDEV_RING_NOTIFY_BIT (1ull << 0)    /* driver -> client */
#define NETDEV_RING_DOORBELL_BIT (1ull << 63) /* client -> driver */
#define NETDEV_RING_DOORBELL_VECTOR 63u       /* the same, as a DDK interrupt vector */

struct netdev_slot {
    _Atomic uint32_t len; /* the frame's bytes, written by the producer */
    uint32_t reserved;
    uint8_t headroom[NETDEV_SLOT_HEADROOM - 8];
    uint8_t frame[NETDEV_SLOT_SIZE - NETDEV_SLOT_HEADROOM];
};

struct netdev_ring_ctl {
    _Atomic uint32_t head; /* the producer's */
    uint32_t pad0[15];
    _Atomic uint32_t tail; /* the consumer's */
    uint32_t pad1[15];
    _Atomic uint32_t consumer_wait; /* set by the consumer, swapped to 0 by the producer */
    _Atomic uint32_t producer_wait; /* set by the producer, swapped to 0 by the consumer */
    uint32_t pad2[14];
};

#define NETDEV_RING_MAGIC 0x474e5252u /* "RRNG" */
struct netdev_ring_area {
    uint32_t magic, version, slots, slot_size; /* written by the driver at attach */
    uint32_t pad[12];
    struct netdev_ring_ctl rx; /* driver -> client */
    struct netdev_ring_ctl tx; /* client -> driver */
    uint8_t pad2[4096 - 64 - 2 * sizeof(struct netdev_ring_ctl)];
    struct netdev_slot rx_slots[NETDEV_RING_SLOTS];
    struct netdev_slot tx_slots[NETDEV_RING_SLOTS];
};
#define NETDEV_RING_BYTES ((uint64_t)sizeof(struct netdev_ring_area))

_Static_assert((NETDEV_RING_SLOTS & (NETDEV_RING_SLOTS - 1)) == 0, "slots: a power of two");
_Static_assert(sizeof(struct netdev_slot) == NETDEV_SLOT_SIZE, "slot layout");
_Static_assert(offsetof(struct netdev_slot, frame) == NETDEV_SLOT_HEADROOM, "slot layout");
_Static_assert(NETDEV_SLOT_SIZE - NETDEV_SLOT_HEADROOM >= NETDEV_MAX_FRAME, "a slot holds a frame");
_Static_assert(sizeof(struct netdev_ring_ctl) == 192, "control block layout");
_Static_assert(offsetof(struct netdev_ring_area, rx_slots) == 4096, "slots after the header page");
_Static_assert(NETDEV_RING_BYTES % 4096 == 0, "whole pages");

/* One side's view of one direction: where it is, its own index, what it saw. */
struct netdev_ring {
    struct netdev_ring_ctl *ctl;
    struct netdev_slot *slots;
    uint32_t idx;       /* ours: head if we produce, tail if we consume; never read back */
    uint64_t frames;    /* produced or consumed */
    uint64_t bytes;     /* of those frames */
    uint64_t bad_index; /* the peer's index out of range */
    uint64_t bad_len;   /* consumer: slots whose length was out of range (dropped) */
    uint64_t full;      /* producer: frames refused because the ring was full */
};

/* Attach to one direction. The producer of a fresh area starts at 0; a side that attaches to
 * a ring in use starts where its own index was published (the only time it is read). */
static inline void netdev_ring_init(struct netdev_ring *r, struct netdev_ring_ctl *ctl,
                                    struct netdev_slot *slots, int producer)
{
    memset(r, 0, sizeof *r);
    r->ctl = ctl;
    r->slots = slots;
    r->idx = atomic_load_explicit(producer ? &ctl->head : &ctl->tail, memory_order_relaxed);
}

/* ---- producer ---- */

/* Free slots (0 when the consumer's tail is out of range: counted, the ring taken as full). */
static inline uint32_t netdev_ring_space(struct netdev_ring *r)
{
    uint32_t tail = atomic_load_explicit(&r->ctl->tail, memory_order_acquire);
    uint32_t fill = r->idx - tail;
    if (fill > NETDEV_RING_SLOTS) {
        r->bad_index++;
        return 0;
    }
    return NETDEV_RING_SLOTS - fill;
}

/* The next slot to fill (call only when netdev_ring_space() > 0). */
static inline struct netdev_slot *netdev_ring_next(struct netdev_ring *r)
{
    return &r->slots[r->idx % NETDEV_RING_SLOTS];
}

/* Publish the slot netdev_ring_next gave, holding len bytes. */
static inline void netdev_ring_produce(struct netdev_ring *r, uint32_t len)
{
    atomic_store_explicit(&netdev_ring_next(r)->len, len, memory_order_relaxed);
    r->idx++;
    r->frames++;
    r->bytes += len;
    atomic_store_explicit(&r->ctl->head, r->idx, memory_order_release);
}

/* Copy one frame in: 0, -1 when the ring is full (counted) or len is out of range. */
static inline int netdev_ring_push(struct netdev_ring *r, const void *frame, uint32_t len)
{
    if (len < NETDEV_MIN_FRAME || len > NETDEV_MAX_FRAME)
        return -1;
    if (!netdev_ring_space(r)) {
        r->full++;
        return -1;
    }
    memcpy(netdev_ring_next(r)->frame, frame, len);
    netdev_ring_produce(r, len);
    return 0;
}

/* After a batch: 1 when the consumer asked to be woken (the flag is cleared: signal it once). */
static inline int netdev_ring_wake_consumer(struct netdev_ring *r)
{
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_exchange_explicit(&r->ctl->consumer_wait, 0, memory_order_seq_cst) != 0;
}

/* Before sleeping on a full ring: ask to be woken when the consumer frees slots; returns the
 * space there is now (non-zero: do not sleep, go on producing). */
static inline uint32_t netdev_ring_arm_producer(struct netdev_ring *r)
{
    atomic_store_explicit(&r->ctl->producer_wait, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    return netdev_ring_space(r);
}

/* ---- consumer ---- */

/* Frames waiting (0 when the producer's head is out of range: counted, the ring resynchronised
 * at that head and what it claimed dropped). */
static inline uint32_t netdev_ring_avail(struct netdev_ring *r)
{
    uint32_t head = atomic_load_explicit(&r->ctl->head, memory_order_acquire);
    uint32_t fill = head - r->idx;
    if (fill > NETDEV_RING_SLOTS) {
        r->bad_index++;
        r->idx = head;
        atomic_store_explicit(&r->ctl->tail, r->idx, memory_order_release);
        return 0;
    }
    return fill;
}

/* The oldest frame: 1 with *frame and *len (valid until netdev_ring_release), 0 when the ring
 * is empty. Slots with a length out of range are dropped (counted in bad_len) on the way. */
static inline int netdev_ring_peek(struct netdev_ring *r, const uint8_t **frame, uint32_t *len)
{
    while (netdev_ring_avail(r)) {
        struct netdev_slot *s = &r->slots[r->idx % NETDEV_RING_SLOTS];
        uint32_t n = atomic_load_explicit(&s->len, memory_order_relaxed); /* read once */
        if (n >= NETDEV_MIN_FRAME && n <= NETDEV_MAX_FRAME) {
            *frame = s->frame;
            *len = n;
            return 1;
        }
        r->bad_len++;
        r->idx++;
        atomic_store_explicit(&r->ctl->tail, r->idx, memory_order_release);
    }
    return 0;
}

/* Done with the frame netdev_ring_peek gave (of len bytes): its slot goes back. */
static inline void netdev_ring_release(struct netdev_ring *r, uint32_t len)
{
    r->idx++;
    r->frames++;
    r->bytes += len;
    atomic_store_explicit(&r->ctl->tail, r->idx, memory_order_release);
}

/* Copy the oldest frame out (at most cap bytes): its length, 0 when the ring is empty. */
static inline uint32_t netdev_ring_pop(struct netdev_ring *r, void *buf, uint32_t cap)
{
    const uint8_t *f;
    uint32_t n;
    if (!netdev_ring_peek(r, &f, &n))
        return 0;
    memcpy(buf, f, n < cap ? n : cap);
    netdev_ring_release(r, n);
    return n;
}

/* After a batch: 1 when the producer asked to be woken (the flag is cleared: signal it once). */
static inline int netdev_ring_wake_producer(struct netdev_ring *r)
{
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_exchange_explicit(&r->ctl->producer_wait, 0, memory_order_seq_cst) != 0;
}

/* Before sleeping on an empty ring: ask to be woken when the producer publishes; returns the
 * frames there are now (non-zero: do not sleep, go on consuming). */
static inline uint32_t netdev_ring_arm_consumer(struct netdev_ring *r)
{
    atomic_store_explicit(&r->ctl->consumer_wait, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    return netdev_ring_avail(r);
}

#endif
