/*
 * Free-extent allocator: hands out ranges of one fixed address region and takes them back,
 * merging every freed range with the free neighbours it touches, so that freed space is
 * reusable at any size (no fragmentation by "only the same size fits again").
 *
 * Policy: first fit by address (the lowest range where the request fits). Both calls are
 * O(log n) in the number of free extents. Every decision depends only on the sequence of
 * calls, never on host pointers, host time or host randomness: one sequence of requests gives
 * one sequence of addresses on every run and host.
 *
 * The allocator knows nothing of pages, protections or guard pages: sizes and addresses are
 * in whatever unit the caller uses (sim/core/arena.c: bytes, page multiples). It allocates
 * host memory only for its own bookkeeping, in vs_extents_alloc; vs_extents_free of a range
 * that vs_extents_alloc handed out never fails.
 */
#ifndef VS_EXTENT_H
#define VS_EXTENT_H

#include <stdint.h>

/* A free extent: a node of a treap keyed by start, with the largest size in its subtree. */
struct vs_extent_node {
    uint64_t start, size;
    uint64_t max;         /* largest size in this subtree (first fit descends by it) */
    uint32_t left, right; /* node indices; 0 = none (node 0 is the empty sentinel) */
    uint32_t prio;        /* heap order: a parent's prio >= its children's */
    uint32_t reserved;
};

struct vs_extents {
    uint64_t base, size;          /* the region [base, base + size) */
    struct vs_extent_node *nodes; /* nodes[0]: the sentinel, always max 0 */
    uint32_t cap;                 /* nodes allocated (sentinel included) */
    uint32_t spare;               /* unused nodes, linked through .left; 0 = none */
    uint32_t root;
    uint32_t nextents;   /* free extents in the tree */
    uint64_t nallocs;    /* ranges handed out and not yet freed */
    uint64_t free_bytes; /* sum of the free extents' sizes */
    uint64_t prio_seq;   /* counter the node priorities are hashed from */
};

/* The whole region starts free. 0, or -EINVAL (empty or wrapping region), -ENOMEM. */
int vs_extents_init(struct vs_extents *x, uint64_t base, uint64_t size);
void vs_extents_fini(struct vs_extents *x);
/* The lowest free range of `size`: 0 and *addr, -EINVAL (size 0), -ENOMEM (no free extent
 * is large enough, or no host memory for the bookkeeping). */
int vs_extents_alloc(struct vs_extents *x, uint64_t size, uint64_t *addr);
/* Give [addr, addr + size) back. -EINVAL, changing nothing, when any of it is outside the
 * region or already free (a double free). */
int vs_extents_free(struct vs_extents *x, uint64_t addr, uint64_t size);
/* The largest single range an allocation could get right now. */
uint64_t vs_extents_largest(const struct vs_extents *x);
/* Call fn for every free extent in address order (tests, diagnostics). */
void vs_extents_walk(const struct vs_extents *x,
                     void (*fn)(void *ctx, uint64_t start, uint64_t size), void *ctx);
/* Check every invariant of the tree (order, heap, subtree maxima, extents disjoint, never
 * touching, inside the region, counts): 0, or -EINVAL with a reason in *why. */
int vs_extents_check(const struct vs_extents *x, const char **why);

#endif
