/*
 * The driver side of a split virtqueue (contract: vdrv_ring.h). Shared memory is accessed
 * through volatile pointers with fences around the index updates (the spec's memory barriers);
 * everything the driver decides is taken from its private shadow arrays.
 */
#include "vdrv_ring.h"

#include <string.h>

#include "veridian/errors.h"

static volatile struct vdrv_desc *desc_at(const struct vdrv_vq *vq, uint16_t i)
{
    return (volatile struct vdrv_desc *)(vq->mem + vq->desc_off) + i;
}

/* avail: flags, idx, ring[size], used_event */
static volatile uint16_t *avail_word(const struct vdrv_vq *vq, uint32_t i)
{
    return (volatile uint16_t *)(vq->mem + vq->avail_off) + i;
}

/* used: flags, idx, then ring[size] of {id, len} at byte 4 */
static volatile uint16_t *used_word(const struct vdrv_vq *vq, uint32_t i)
{
    return (volatile uint16_t *)(vq->mem + vq->used_off) + i;
}

static volatile struct vdrv_used_elem *used_elem(const struct vdrv_vq *vq, uint16_t i)
{
    return (volatile struct vdrv_used_elem *)(vq->mem + vq->used_off + 4) + i;
}

void vdrv_vq_layout(uint16_t size, uint64_t *desc_off, uint64_t *avail_off, uint64_t *used_off,
                    uint64_t *total)
{
    uint64_t n = size;
    *desc_off = 0;
    *avail_off = 16 * n;
    *used_off = (*avail_off + 6 + 2 * n + 3) & ~3ull;
    *total = *used_off + 6 + 8 * n;
}

int vdrv_vq_init(struct vdrv_vq *vq, uint16_t size, void *mem, uint64_t iova)
{
    uint64_t total;
    if (size == 0 || size > VDRV_VQ_MAX || (size & (size - 1)))
        return -VK_EINVAL;
    memset(vq, 0, sizeof *vq);
    vq->size = size;
    vq->mem = mem;
    vq->iova = iova;
    vdrv_vq_layout(size, &vq->desc_off, &vq->avail_off, &vq->used_off, &total);
    memset(mem, 0, (size_t)total);
    for (uint16_t i = 0; i < size; i++)
        vq->next[i] = i + 1 < size ? (uint16_t)(i + 1) : VDRV_NONE;
    vq->free_head = 0;
    vq->num_free = size;
    return 0;
}

uint64_t vdrv_vq_desc_iova(const struct vdrv_vq *vq)
{
    return vq->iova + vq->desc_off;
}

uint64_t vdrv_vq_avail_iova(const struct vdrv_vq *vq)
{
    return vq->iova + vq->avail_off;
}

uint64_t vdrv_vq_used_iova(const struct vdrv_vq *vq)
{
    return vq->iova + vq->used_off;
}

int vdrv_vq_add(struct vdrv_vq *vq, const struct vdrv_buf *bufs, unsigned n, void *cookie)
{
    uint64_t in = 0;
    bool seen_write = false;
    if (vq->broken)
        return -VK_EIO;
    if (n == 0)
        return -VK_EINVAL;
    for (unsigned k = 0; k < n; k++) { /* validate the whole chain first */
        if (bufs[k].len == 0 || (!bufs[k].write && seen_write))
            return -VK_EINVAL;
        seen_write |= bufs[k].write;
        if (bufs[k].write)
            in += bufs[k].len;
    }
    if (in > UINT32_MAX)
        return -VK_EINVAL;
    if (n > vq->num_free)
        return -VK_ENOSPC;

    uint16_t head = vq->free_head, i = head, prev = VDRV_NONE;
    for (unsigned k = 0; k < n; k++) {
        volatile struct vdrv_desc *d = desc_at(vq, i);
        d->addr = bufs[k].iova;
        d->len = bufs[k].len;
        d->flags = (uint16_t)((bufs[k].write ? VDRV_DESC_F_WRITE : 0) |
                              (k + 1 < n ? VDRV_DESC_F_NEXT : 0));
        d->next = k + 1 < n ? vq->next[i] : 0;
        prev = i;
        i = vq->next[i];
    }
    vq->free_head = i;          /* the rest of the free list */
    vq->next[prev] = VDRV_NONE; /* the chain ends here in the shadow */
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->chain_len[head] = (uint16_t)n;
    vq->in_len[head] = (uint32_t)in;
    vq->cookie[head] = cookie;
    vq->nchains++;

    *avail_word(vq, 2u + (vq->avail_idx & (vq->size - 1u))) = head;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the descriptors and entry before the index */
    vq->avail_idx++;
    *avail_word(vq, 1) = vq->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the notification */
    return 0;
}

bool vdrv_vq_need_notify(const struct vdrv_vq *vq)
{
    return !(*used_word(vq, 0) & VDRV_USED_F_NO_NOTIFY);
}

static int violation(struct vdrv_vq *vq, const char *why)
{
    vq->broken = true;
    vq->error = why;
    return -VK_EIO;
}

/* Give the chain at head back to the free list (walking the shadow, never the table). */
static void free_chain(struct vdrv_vq *vq, uint16_t head)
{
    uint16_t i = head, n = vq->chain_len[head];
    for (uint16_t k = 1; k < n; k++)
        i = vq->next[i];
    vq->next[i] = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + n);
    vq->chain_len[head] = 0;
    vq->in_len[head] = 0;
    vq->cookie[head] = NULL;
    vq->nchains--;
}

int vdrv_vq_get(struct vdrv_vq *vq, void **cookie, uint32_t *len)
{
    if (vq->broken)
        return -VK_EIO;
    uint16_t idx = *used_word(vq, 1);
    uint16_t pending = (uint16_t)(idx - vq->last_used);
    if (pending == 0)
        return 0;
    if (pending > vq->nchains)
        return violation(vq, "used index ahead of the buffers in flight");
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the element it covers */
    volatile struct vdrv_used_elem *u = used_elem(vq, (uint16_t)(vq->last_used & (vq->size - 1u)));
    uint32_t id = u->id, n = u->len;
    if (id >= vq->size)
        return violation(vq, "used id out of range");
    if (vq->chain_len[id] == 0)
        return violation(vq, "used id is not a chain in flight");
    if (n > vq->in_len[id])
        return violation(vq, "used length beyond the chain's writable bytes");
    *cookie = vq->cookie[id];
    *len = n;
    free_chain(vq, (uint16_t)id);
    vq->last_used++;
    return 1;
}

int vdrv_vq_take_inflight(struct vdrv_vq *vq, void **cookie)
{
    for (uint16_t i = 0; i < vq->size; i++) {
        if (vq->chain_len[i]) {
            *cookie = vq->cookie[i];
            free_chain(vq, i);
            return 1;
        }
    }
    return 0;
}

int vdrv_vq_check(const struct vdrv_vq *vq)
{
    uint8_t owner[VDRV_VQ_MAX]; /* 0 unseen, 1 free, 2 in a chain */
    uint16_t seen = 0, chains = 0;
    if (vq->size == 0 || vq->size > VDRV_VQ_MAX || (vq->size & (vq->size - 1u)))
        return -VK_EINVAL;
    memset(owner, 0, sizeof owner);
    for (uint16_t i = vq->free_head; i != VDRV_NONE; i = vq->next[i]) {
        if (i >= vq->size || owner[i] || ++seen > vq->size)
            return -VK_EINVAL;
        owner[i] = 1;
    }
    if (seen != vq->num_free)
        return -VK_EINVAL;
    for (uint16_t h = 0; h < vq->size; h++) {
        if (!vq->chain_len[h])
            continue;
        chains++;
        uint16_t i = h;
        for (uint16_t k = 0; k < vq->chain_len[h]; k++) {
            if (i >= vq->size || owner[i])
                return -VK_EINVAL;
            owner[i] = 2;
            seen++;
            i = k + 1 < vq->chain_len[h] ? vq->next[i] : i;
        }
    }
    if (seen != vq->size || chains != vq->nchains)
        return -VK_EINVAL;
    if ((uint16_t)(vq->avail_idx - vq->last_used) < vq->nchains)
        return -VK_EINVAL;
    return 0;
}

/* ---- test hooks: garbage a malicious device could write (contract: vdrv_ring.h) ---- */

void vdrv_test_corrupt_used(struct vdrv_vq *vq, unsigned kind, uint32_t bad_len)
{
    volatile uint8_t *used = vq->mem + vq->used_off;
    volatile uint16_t *idx = (volatile uint16_t *)(used + 2);
    volatile struct vdrv_used_elem *e =
        (volatile struct vdrv_used_elem *)(used + 4) + (vq->last_used & (vq->size - 1u));
    if (kind == VDRV_GARBAGE_ID)
        e->id = 0xdead;
    else if (kind == VDRV_GARBAGE_LEN)
        e->len = bad_len;
    else if (kind == VDRV_GARBAGE_IDX)
        *idx = (uint16_t)(vq->last_used + vq->size + 3);
}

void vdrv_test_flip_write(struct vdrv_vq *vq, unsigned nth)
{
    uint16_t d = *(volatile uint16_t *)(vq->mem + vq->avail_off + 4 +
                                        2u * ((vq->avail_idx - 1u) & (vq->size - 1u)));
    volatile struct vdrv_desc *t = (volatile struct vdrv_desc *)(vq->mem + vq->desc_off);
    for (unsigned k = 0; k < nth && d < vq->size; k++)
        d = t[d].next; /* our own chain: nth descriptors after the head */
    if (d < vq->size)
        t[d].flags = (uint16_t)(t[d].flags ^ VDRV_DESC_F_WRITE);
}
