/*
 * The link model (contract: netlink.h): per direction a ring of serialisation end times (the
 * queue), and four PRNG draws per accepted frame.
 */
#include "sim/backends/netlink.h"

#include <string.h>

int vs_link_rate(double r, uint64_t *rate)
{
    if (!(r >= 0.0 && r <= 1.0)) /* NaN fails both */
        return -1;
    *rate = (uint64_t)(r * (double)VS_LINK_RATE_ONE + 0.5);
    if (*rate > VS_LINK_RATE_ONE)
        *rate = VS_LINK_RATE_ONE;
    return 0;
}

uint64_t vs_link_seed(uint64_t run_seed, uint32_t index)
{
    uint64_t s = run_seed ^ 0x6c696e6b00000000ull ^ ((uint64_t)index * 0x9e3779b97f4a7c15ull);
    return vl_splitmix64_next(&s);
}

void vs_link_init(struct vs_link *l, const struct vs_link_params *p, uint64_t seed)
{
    memset(l, 0, sizeof *l);
    l->p = *p;
    if (!l->p.latency_ns)
        l->p.latency_ns = 1;
    if (!l->p.queue)
        l->p.queue = VS_LINK_QUEUE_DEFAULT;
    if (l->p.queue > VS_LINK_QUEUE_MAX)
        l->p.queue = VS_LINK_QUEUE_MAX;
    if (!l->p.reorder_ns)
        l->p.reorder_ns = l->p.latency_ns;
    vl_prng_seed(&l->prng, seed);
}

uint64_t vs_link_serialise_ns(const struct vs_link *l, size_t len)
{
    if (!l->p.bandwidth_bps)
        return 0;
    /* len < 2^32 and 8 * 10^9 < 2^33: the product fits in 64 bits */
    uint64_t bits_ns = (uint64_t)(uint32_t)len * 8ull * 1000000000ull;
    return (bits_ns + l->p.bandwidth_bps - 1) / l->p.bandwidth_bps;
}

/* A draw against a rate: always consumes one PRNG output. */
static int chance(struct vs_link *l, uint64_t rate)
{
    return (vl_prng_next(&l->prng) >> 32) < rate;
}

unsigned vs_link_send(struct vs_link *l, unsigned dir, uint64_t now, size_t len, uint64_t when[2])
{
    struct vs_link_dir *d = &l->dir[dir & 1];
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    while (d->count && d->fin[d->head] <= now) { /* these have left the queue */
        d->head = (d->head + 1) % VS_LINK_QUEUE_MAX;
        d->count--;
    }
    if (d->count >= l->p.queue) {
        d->overrun++;
        return 0;
    }
    uint64_t start = d->last_fin > now ? d->last_fin : now;
    uint64_t fin = start + vs_link_serialise_ns(l, len);
    d->fin[(d->head + d->count) % VS_LINK_QUEUE_MAX] = fin;
    d->count++;
    d->last_fin = fin;
    d->frames++;
    d->bytes += len;
    int lost = chance(l, l->p.loss);
    int dup = chance(l, l->p.duplicate);
    int reorder = chance(l, l->p.reorder);
    uint64_t jitter = vl_prng_next(&l->prng);
    jitter = l->p.jitter_ns ? jitter % (l->p.jitter_ns + 1) : 0;
    if (lost) {
        d->lost++;
        return 0;
    }
    uint64_t at = fin + l->p.latency_ns + jitter;
    if (reorder) {
        at += l->p.reorder_ns;
        d->reordered++;
    }
    when[0] = at;
    if (!dup)
        return 1;
    d->duplicated++;
    when[1] = at + 1;
    return 2;
}
