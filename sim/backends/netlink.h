/*
 * sim/backends/netlink: the model of one simulated Ethernet link between two ends (two nodes'
 * NICs, or a NIC and the wire's responder): per direction, a transmit queue drained at the
 * link's bandwidth, then the propagation latency, and the link's misbehaviour (loss,
 * duplication, reordering, jitter), every random choice drawn from the link's own PRNG.
 *
 * Who calls it: sim/core/nodes.c (the multi-node runner) for every frame a linked NIC
 * transmits; the unit test (tests/unit/core/test_netlink.c). Pure C over its state struct: no
 * host I/O, no host time, no globals; the capture (pcap) is the runner's.
 *
 * A frame of len bytes handed to the link at virtual time now in direction dir (0: from end 0
 * to end 1, 1: back):
 *   1. queue: frames of that direction still being serialised (their serialisation ends after
 *      now) are the queue; when it holds `queue` frames the new one is dropped (tail drop,
 *      counted as overrun), like a switch port's overrun. It draws nothing from the PRNG.
 *   2. serialisation: it starts when the previous frame of that direction has left (or now)
 *      and takes ceil(len * 8 * 10^9 / bandwidth_bps) ns (bandwidth 0: unlimited, 0 ns); len
 *      counts the frame as the NIC sent it (no preamble, no FCS).
 *   3. four draws, always all four and always in this order (so one rate changed does not
 *      shift the others' choices): loss, duplicate, reorder, jitter. Lost (probability loss):
 *      no copy arrives. Otherwise the frame arrives latency + jitter ns after its
 *      serialisation ended, jitter uniform in [0, jitter_ns]; reordered (probability reorder):
 *      reorder_ns more (default: latency), so frames sent after it overtake it; duplicated
 *      (probability duplicate): a second copy arrives 1 ns after the first.
 * Rates are fixed point: VS_LINK_RATE_ONE is probability 1 (vs_link_rate converts [0, 1]).
 *
 * Determinism: a link's PRNG is seeded from the run's seed and the link's index
 * (vs_link_seed), so one seed gives one set of fates, another seed another, and adding a link
 * does not move an existing link's stream.
 *
 * Never: assert on a length or a time (they come from guests' frames); grow without bound.
 */
#ifndef SIM_BACKENDS_NETLINK_H
#define SIM_BACKENDS_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include "os/lib/prng/vl_prng.h"

#define VS_LINK_QUEUE_MAX 256u
#define VS_LINK_QUEUE_DEFAULT 64u
#define VS_LINK_RATE_ONE (1ull << 32)

struct vs_link_params {
    uint64_t latency_ns;               /* at least 1 */
    uint64_t bandwidth_bps;            /* bits per second; 0: unlimited */
    uint64_t jitter_ns;                /* extra delay, uniform in [0, jitter_ns] */
    uint64_t reorder_ns;               /* extra delay of a reordered frame; 0: latency_ns */
    uint64_t loss, duplicate, reorder; /* probabilities, 0..VS_LINK_RATE_ONE */
    uint32_t queue;                    /* frames, 1..VS_LINK_QUEUE_MAX (0: the default) */
};

struct vs_link_dir {
    uint64_t fin[VS_LINK_QUEUE_MAX]; /* serialisation end of the queued frames, oldest first */
    uint32_t head, count;
    uint64_t last_fin; /* when the last accepted frame finished serialising */
    /* counters */
    uint64_t frames, bytes, lost, duplicated, reordered, overrun;
};

struct vs_link {
    struct vs_link_params p;
    struct vl_prng prng;
    struct vs_link_dir dir[2];
};

/* Probability r (0 <= r <= 1) as a fixed-point rate; out of range or NaN: -1. */
int vs_link_rate(double r, uint64_t *rate);
/* The PRNG seed of link number index of a run with seed run_seed. */
uint64_t vs_link_seed(uint64_t run_seed, uint32_t index);
/* Set the link up (counters zero, queues empty). latency 0 is taken as 1, queue 0 as the
 * default; a queue beyond VS_LINK_QUEUE_MAX is cut to it. */
void vs_link_init(struct vs_link *l, const struct vs_link_params *p, uint64_t seed);
/* Serialisation time of len bytes on l. */
uint64_t vs_link_serialise_ns(const struct vs_link *l, size_t len);
/* A frame of len bytes enters direction dir (0 or 1) at now: the times its copies arrive at
 * the far end in when[] (in arrival order), their number returned (0: lost or dropped). */
unsigned vs_link_send(struct vs_link *l, unsigned dir, uint64_t now, size_t len, uint64_t when[2]);

#endif
