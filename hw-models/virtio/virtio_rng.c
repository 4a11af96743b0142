/*
 * hw-models/virtio: virtio-rng (the contract is in virtio_rng.h). The transport pops each
 * request and calls rng_request; the bytes are the seeded generator's stream.
 */
#include "virtio_rng.h"

#include <string.h>

#include "veridian/errors.h"

/* The next len bytes of the stream (vl_prng_fill's layout, continued across calls). */
static void rng_stream(struct virtio_rng *r, uint8_t *buf, size_t len)
{
    while (len) {
        if (!r->ncarry) {
            vl_prng_fill(&r->prng, r->carry, sizeof(r->carry));
            r->ncarry = sizeof(r->carry);
        }
        size_t n = len < r->ncarry ? len : r->ncarry;
        memcpy(buf, r->carry + sizeof(r->carry) - r->ncarry, n);
        r->ncarry -= (unsigned)n;
        buf += n;
        len -= n;
    }
}

static int rng_request(struct virtio_pci *vp, unsigned q, const struct virtq_elem *e,
                       uint32_t *written, const char **why)
{
    struct virtio_rng *r = vp->opaque;
    uint8_t chunk[256];
    (void)q;
    if (e->nout) {
        *why = "virtio-rng: device-readable buffer in a request";
        return -VK_EIO;
    }
    if (!e->in_len) {
        *why = "virtio-rng: request without a device-writable buffer";
        return -VK_EIO;
    }
    for (uint64_t off = 0; off < e->in_len; off += sizeof(chunk)) {
        size_t n = e->in_len - off < sizeof(chunk) ? (size_t)(e->in_len - off) : sizeof(chunk);
        rng_stream(r, chunk, n);
        r->bytes += n;
        if (virtq_write(&vp->pci, e, off, chunk, n) < 0) {
            *why = "virtio-rng: buffer not writable by the device (DMA refused)";
            return -VK_EIO;
        }
    }
    *written = (uint32_t)e->in_len;
    return 0;
}

static void rng_reset(struct virtio_pci *vp)
{
    (void)vp; /* the stream goes on across resets: a reset never replays bytes */
}

static const struct virtio_device_ops rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .class_code = VIRTIO_RNG_CLASS,
    .features = 0,
    .num_queues = 1,
    .queue_max = VIRTIO_RNG_QUEUE_SIZE,
    .max_chain_bytes = VIRTIO_RNG_MAX_REQUEST,
    .config_len = 0,
    .reset = rng_reset,
    .request = rng_request,
};

int virtio_rng_init(struct virtio_rng *r, uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    r->seed = seed;
    vl_prng_seed(&r->prng, seed);
    return virtio_pci_init(&r->vp, &rng_ops, r);
}

void virtio_rng_advance(struct virtio_rng *r, uint64_t now)
{
    virtio_pci_advance(&r->vp, now);
}

uint64_t virtio_rng_next_event(const struct virtio_rng *r)
{
    return virtio_pci_next_event(&r->vp);
}

int virtio_rng_check(const struct virtio_rng *r)
{
    if (r->ncarry > sizeof(r->carry))
        return -VK_EINVAL;
    if (r->bytes > (r->vp.requests + r->vp.violations + 1) * (uint64_t)VIRTIO_RNG_MAX_REQUEST)
        return -VK_EINVAL;
    return virtio_pci_check(&r->vp);
}
