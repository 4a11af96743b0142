/*
 * hw-models/virtio: virtio-rng, the entropy device (virtio 1.1, 5.4), 1af4:1044, class 0x00ff00.
 * Pure C11: no host I/O, no globals, no host randomness.
 *
 * Who calls it: the machine embeds a struct virtio_rng, calls virtio_rng_init with a seed that
 * comes from the run's seed (so a run's bytes are a function of its seed), attaches &r->vp.pci
 * to its pci_host and drives time with virtio_rng_advance/virtio_rng_next_event.
 *
 * One request queue (requestq, 64 entries); no device configuration, no device features. Each
 * request is a chain of device-writable buffers only, at most VIRTIO_RNG_MAX_REQUEST bytes in
 * all; the device fills all of it and returns its length. The bytes are one stream across
 * requests: the output of vl_prng seeded with the seed, laid out as vl_prng_fill lays it out
 * (so the first N bytes a driver receives equal vl_prng_fill(N) after vl_prng_seed(seed)).
 * A device-readable buffer, a chain without a writable buffer, a longer chain or a buffer the
 * host refuses to let the device write is a protocol violation (DEVICE_NEEDS_RESET).
 *
 * Invariants (virtio_rng_check): the transport's; bytes handed out never exceed what the
 * requests' writable lengths allow.
 */
#ifndef HW_MODELS_VIRTIO_RNG_H
#define HW_MODELS_VIRTIO_RNG_H

#include <stdint.h>

#include "prng/vl_prng.h"
#include "virtio_pci.h"

#define VIRTIO_ID_RNG 4
#define VIRTIO_RNG_CLASS 0x00ff00
#define VIRTIO_RNG_QUEUE_SIZE 64
#define VIRTIO_RNG_MAX_REQUEST 65536u /* ours: the longest chain (bytes) a request may have */

struct virtio_rng {
    struct virtio_pci vp;
    uint64_t seed;
    struct vl_prng prng;
    uint8_t carry[8]; /* the unused bytes of the last generator output */
    unsigned ncarry;
    uint64_t bytes; /* handed out (or attempted) since init */
};

int virtio_rng_init(struct virtio_rng *r, uint64_t seed);
void virtio_rng_advance(struct virtio_rng *r, uint64_t now);
uint64_t virtio_rng_next_event(const struct virtio_rng *r);
int virtio_rng_check(const struct virtio_rng *r);

#endif
