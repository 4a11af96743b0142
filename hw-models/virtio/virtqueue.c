/*
 * hw-models/virtio: the device side of split virtqueues (the contract is in virtqueue.h).
 * Little-endian ring fields are decoded byte by byte, so the model is host-endian independent.
 */
#include "virtqueue.h"

#include <string.h>

#include "veridian/errors.h"

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void virtq_reset(struct virtq *vq, uint16_t max_size, uint64_t max_chain_bytes)
{
    memset(vq, 0, sizeof(*vq));
    vq->max_size = max_size;
    vq->size = max_size;
    vq->max_chain_bytes = max_chain_bytes;
}

uint64_t virtq_desc_bytes(uint16_t size)
{
    return (uint64_t)size * VIRTQ_DESC_SIZE;
}

uint64_t virtq_avail_bytes(uint16_t size)
{
    return 6 + 2 * (uint64_t)size;
}

uint64_t virtq_used_bytes(uint16_t size)
{
    return 6 + 8 * (uint64_t)size;
}

static int fail(struct virtq *vq, const char *why)
{
    vq->error = why;
    return -VK_EIO;
}

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static int read_desc(struct virtq *vq, struct pci_device *dev, uint64_t table, uint16_t i,
                     struct desc *d)
{
    uint8_t b[VIRTQ_DESC_SIZE];
    if (pci_dma_read(dev, table + (uint64_t)i * VIRTQ_DESC_SIZE, b, sizeof(b)) < 0)
        return fail(vq, "virtqueue: descriptor table not readable (DMA fault)");
    d->addr = ld64(b);
    d->len = ld32(b + 8);
    d->flags = ld16(b + 12);
    d->next = ld16(b + 14);
    return 0;
}

/* Append one buffer descriptor to e, checking order, wrap-around and the device's limit. */
static int add_seg(struct virtq *vq, struct virtq_elem *e, const struct desc *d)
{
    bool w = d->flags & VIRTQ_DESC_F_WRITE;
    if (d->len && d->addr > UINT64_MAX - (d->len - 1))
        return fail(vq, "virtqueue: buffer address + length wraps around");
    if (!w && e->nseg > e->nout)
        return fail(vq, "virtqueue: device-readable descriptor after a device-writable one");
    if (e->nseg >= VIRTQ_MAX_SIZE)
        return fail(vq, "virtqueue: chain longer than the device accepts");
    if ((uint64_t)d->len > vq->max_chain_bytes - (e->out_len + e->in_len))
        return fail(vq, "virtqueue: chain length beyond what the device accepts");
    e->seg[e->nseg++] = (struct virtq_seg){.addr = d->addr, .len = d->len, .write = w};
    if (w) {
        e->in_len += d->len;
    } else {
        e->nout++;
        e->out_len += d->len;
    }
    return 0;
}

/* Walk the chain at head: the whole chain is bounded before the caller sees any of it. */
static int walk_chain(struct virtq *vq, struct pci_device *dev, uint16_t head, struct virtq_elem *e)
{
    uint64_t table = vq->desc;
    unsigned n = vq->size, count = 0;
    bool in_indirect = false;
    uint16_t i = head;
    struct desc d;
    int rc;

    e->head = head;
    e->nseg = e->nout = 0;
    e->out_len = e->in_len = 0;
    for (;;) {
        if (i >= n)
            return fail(vq, in_indirect ? "virtqueue: index beyond the indirect table"
                                        : "virtqueue: descriptor index beyond the queue size");
        if (++count > n)
            return fail(vq, "virtqueue: descriptor chain loops or is longer than the queue");
        if ((rc = read_desc(vq, dev, table, i, &d)) < 0)
            return rc;
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (!vq->indirect)
                return fail(vq, "virtqueue: indirect descriptor without VIRTIO_F_INDIRECT_DESC");
            if (in_indirect)
                return fail(vq, "virtqueue: indirect descriptor inside an indirect table");
            if (count != 1)
                return fail(vq, "virtqueue: indirect descriptor not at the head of its chain");
            if (d.flags & VIRTQ_DESC_F_NEXT)
                return fail(vq, "virtqueue: indirect descriptor with NEXT set");
            if (d.len == 0 || d.len % VIRTQ_DESC_SIZE || d.len / VIRTQ_DESC_SIZE > VIRTQ_MAX_SIZE)
                return fail(vq, "virtqueue: bad indirect table length");
            if (d.addr > UINT64_MAX - (d.len - 1)) /* no alignment: the spec asks none */
                return fail(vq, "virtqueue: indirect table address + length wraps around");
            table = d.addr;
            n = d.len / VIRTQ_DESC_SIZE;
            count = 0;
            in_indirect = true;
            i = 0;
            continue;
        }
        if ((rc = add_seg(vq, e, &d)) < 0)
            return rc;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = d.next;
    }
}

int virtq_pop(struct virtq *vq, struct pci_device *dev, struct virtq_elem *e)
{
    uint8_t b[2];
    if (!vq->enabled || !vq->size)
        return 0;
    if ((vq->desc & 0xf) || (vq->avail & 0x1) || (vq->used & 0x3))
        return fail(vq, "virtqueue: ring address not aligned");
    if (pci_dma_read(dev, vq->avail + 2, b, 2) < 0)
        return fail(vq, "virtqueue: available ring not readable (DMA fault)");
    uint16_t pending = (uint16_t)(ld16(b) - vq->last_avail);
    if (pending > vq->size)
        return fail(vq, "virtqueue: available index moved by more than the queue size");
    if (!pending)
        return 0;
    uint16_t slot = vq->last_avail & (vq->size - 1);
    if (pci_dma_read(dev, vq->avail + 4 + 2 * (uint64_t)slot, b, 2) < 0)
        return fail(vq, "virtqueue: available ring not readable (DMA fault)");
    int rc = walk_chain(vq, dev, ld16(b), e);
    if (rc < 0)
        return rc;
    vq->last_avail++;
    return 1;
}

/* Copy between buf and the part of e with the given direction, from byte off on. */
static int chain_copy(struct pci_device *dev, const struct virtq_elem *e, bool write, uint64_t off,
                      void *buf, size_t len)
{
    uint64_t total = write ? e->in_len : e->out_len;
    uint8_t *p = buf;
    if (off > total || len > total - off)
        return -VK_EINVAL;
    for (unsigned i = write ? e->nout : 0; len && i < (write ? e->nseg : e->nout); i++) {
        const struct virtq_seg *s = &e->seg[i];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        size_t n = s->len - off < len ? (size_t)(s->len - off) : len;
        int rc = write ? pci_dma_write(dev, s->addr + off, p, n)
                       : pci_dma_read(dev, s->addr + off, p, n);
        if (rc < 0)
            return rc;
        p += n;
        len -= n;
        off = 0;
    }
    return 0;
}

int virtq_read(struct pci_device *dev, const struct virtq_elem *e, uint64_t off, void *buf,
               size_t len)
{
    return chain_copy(dev, e, false, off, buf, len);
}

int virtq_write(struct pci_device *dev, const struct virtq_elem *e, uint64_t off, const void *buf,
                size_t len)
{
    return chain_copy(dev, e, true, off, (void *)buf, len);
}

int virtq_push(struct virtq *vq, struct pci_device *dev, uint16_t head, uint32_t len)
{
    uint8_t el[8], idx[2];
    uint16_t slot = vq->used_idx & (vq->size - 1);
    st32(el, head);
    st32(el + 4, len);
    if (pci_dma_write(dev, vq->used + 4 + 8 * (uint64_t)slot, el, sizeof(el)) < 0)
        return fail(vq, "virtqueue: used ring not writable (DMA fault)");
    st16(idx, (uint16_t)(vq->used_idx + 1));
    if (pci_dma_write(dev, vq->used + 2, idx, sizeof(idx)) < 0)
        return fail(vq, "virtqueue: used ring not writable (DMA fault)");
    vq->used_idx++;
    return 0;
}

int virtq_should_interrupt(struct virtq *vq, struct pci_device *dev)
{
    uint8_t b[2];
    if (pci_dma_read(dev, vq->avail, b, 2) < 0)
        return fail(vq, "virtqueue: available ring not readable (DMA fault)");
    return (ld16(b) & VIRTQ_AVAIL_F_NO_INTERRUPT) ? 0 : 1;
}
