/*
 * The free-extent allocator (contract in extent.h).
 *
 * The free extents form a treap keyed by start address; each node also holds the largest
 * extent size in its subtree. Allocation descends once: left while the left subtree has room
 * (the lowest address first), else this node if it fits, else right; it carves the range
 * from the front of the extent, which keeps the key order, and refreshes the maxima on the way
 * back up. Freeing splits the tree at the address, takes the predecessor (the rightmost node
 * on the left) and the successor (the leftmost on the right) out when they touch the range,
 * and joins the tree again around one merged node. Priorities are splitmix64 of a counter:
 * deterministic, and balanced as if random (expected depth O(log n)).
 *
 * Nodes live in one array and link by 32-bit index, so nothing depends on where the host
 * put them. Free extents are separated by allocated ranges, so there are never more of them
 * than allocations + 1: vs_extents_alloc keeps that many nodes (plus the sentinel) in stock,
 * and vs_extents_free takes its node from the stock without allocating.
 *
 * Never: a host pointer or host state in a decision; an assert on a caller's range (a bad
 * free is refused with -EINVAL and changes nothing).
 */
#include "sim/core/extent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define N(x, i) ((x)->nodes[(i)])

static uint32_t next_prio(struct vs_extents *x)
{
    uint64_t z = (x->prio_seq += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static inline uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* Recompute node t's subtree maximum from its children. */
static inline void pull(struct vs_extents *x, uint32_t t)
{
    struct vs_extent_node *n = &N(x, t);
    n->max = max3(n->size, N(x, n->left).max, N(x, n->right).max);
}

/* Make sure `want` nodes besides the sentinel exist in use or in stock. */
static int reserve(struct vs_extents *x, uint64_t want)
{
    if (want < x->cap)
        return 0;
    if (want >= UINT32_MAX / 2)
        return -ENOMEM;
    uint32_t cap = x->cap ? x->cap : 16;
    while (cap <= want)
        cap *= 2;
    struct vs_extent_node *n = realloc(x->nodes, (size_t)cap * sizeof *n);
    if (!n)
        return -ENOMEM;
    memset(n + x->cap, 0, (size_t)(cap - x->cap) * sizeof *n);
    /* the new nodes join the stock, lowest index first out */
    for (uint32_t i = cap; i-- > (x->cap ? x->cap : 1);) {
        n[i].left = x->spare;
        x->spare = i;
    }
    x->nodes = n;
    x->cap = cap;
    return 0;
}

static uint32_t node_get(struct vs_extents *x, uint64_t start, uint64_t size)
{
    uint32_t i = x->spare;
    struct vs_extent_node *n = &N(x, i);
    x->spare = n->left;
    *n = (struct vs_extent_node){.start = start, .size = size, .max = size, .prio = next_prio(x)};
    x->nextents++;
    return i;
}

static void node_put(struct vs_extents *x, uint32_t i)
{
    memset(&N(x, i), 0, sizeof N(x, i));
    N(x, i).left = x->spare;
    x->spare = i;
    x->nextents--;
}

/* Split t into *l (starts < key) and *r (starts >= key). */
static void split(struct vs_extents *x, uint32_t t, uint64_t key, uint32_t *l, uint32_t *r)
{
    if (!t) {
        *l = *r = 0;
        return;
    }
    if (N(x, t).start < key) {
        uint32_t rl, rr;
        split(x, N(x, t).right, key, &rl, &rr);
        N(x, t).right = rl;
        *l = t;
        *r = rr;
    } else {
        uint32_t ll, lr;
        split(x, N(x, t).left, key, &ll, &lr);
        N(x, t).left = lr;
        *l = ll;
        *r = t;
    }
    pull(x, t);
}

/* Join a and b, every start in a below every start in b. */
static uint32_t merge(struct vs_extents *x, uint32_t a, uint32_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (N(x, a).prio >= N(x, b).prio) {
        N(x, a).right = merge(x, N(x, a).right, b);
        pull(x, a);
        return a;
    }
    N(x, b).left = merge(x, a, N(x, b).left);
    pull(x, b);
    return b;
}

/* Carve `size` from the lowest extent of subtree *t that holds it (its max is >= size). */
static uint64_t take(struct vs_extents *x, uint32_t *t, uint64_t size)
{
    uint32_t i = *t;
    struct vs_extent_node *n = &N(x, i);
    uint64_t addr;
    if (N(x, n->left).max >= size) {
        addr = take(x, &n->left, size);
    } else if (n->size >= size) {
        addr = n->start;
        n->start += size;
        n->size -= size;
        if (n->size == 0) {
            *t = merge(x, n->left, n->right);
            node_put(x, i);
            return addr;
        }
    } else {
        addr = take(x, &n->right, size);
    }
    pull(x, i);
    return addr;
}

int vs_extents_init(struct vs_extents *x, uint64_t base, uint64_t size)
{
    memset(x, 0, sizeof *x);
    if (size == 0 || base + size < base)
        return -EINVAL;
    x->base = base;
    x->size = size;
    if (reserve(x, 2))
        return -ENOMEM;
    x->root = node_get(x, base, size);
    x->free_bytes = size;
    return 0;
}

void vs_extents_fini(struct vs_extents *x)
{
    free(x->nodes);
    memset(x, 0, sizeof *x);
}

int vs_extents_alloc(struct vs_extents *x, uint64_t size, uint64_t *addr)
{
    if (size == 0)
        return -EINVAL;
    if (N(x, x->root).max < size)
        return -ENOMEM;
    /* after this one, nallocs + 1 ranges are out: at most nallocs + 2 free extents */
    if (reserve(x, x->nallocs + 2))
        return -ENOMEM;
    *addr = take(x, &x->root, size);
    x->nallocs++;
    x->free_bytes -= size;
    return 0;
}

int vs_extents_free(struct vs_extents *x, uint64_t addr, uint64_t size)
{
    if (size == 0 || addr < x->base || addr - x->base > x->size ||
        size > x->size - (addr - x->base))
        return -EINVAL;
    uint64_t end = addr + size;
    uint32_t l, r;
    split(x, x->root, addr, &l, &r);
    uint32_t p = l, s = r;
    while (p && N(x, p).right)
        p = N(x, p).right;
    while (s && N(x, s).left)
        s = N(x, s).left;
    /* refuse a range that overlaps free space (double free), or one that would need a node
     * when the stock is empty (only a range never handed out can) */
    int join_p = p && N(x, p).start + N(x, p).size == addr;
    int join_s = s && N(x, s).start == end;
    if ((p && N(x, p).start + N(x, p).size > addr) || (s && N(x, s).start < end) ||
        (!join_p && !join_s && !x->spare)) {
        x->root = merge(x, l, r);
        return -EINVAL;
    }
    uint32_t node;
    if (join_p) {
        uint32_t pl, pn;
        split(x, l, N(x, p).start, &pl, &pn); /* pn is p alone: the rightmost of l */
        l = pl;
        node = p;
        N(x, node).size += size;
    }
    if (join_s) {
        uint32_t sn, sr;
        split(x, r, N(x, s).start + 1, &sn, &sr); /* sn is s alone: the leftmost of r */
        r = sr;
        if (join_p) {
            N(x, node).size += N(x, s).size;
            node_put(x, s);
        } else {
            node = s;
            N(x, node).start = addr;
            N(x, node).size += size;
        }
    }
    if (!join_p && !join_s)
        node = node_get(x, addr, size);
    N(x, node).left = N(x, node).right = 0;
    pull(x, node);
    x->root = merge(x, merge(x, l, node), r);
    if (x->nallocs)
        x->nallocs--;
    x->free_bytes += size;
    return 0;
}

uint64_t vs_extents_largest(const struct vs_extents *x)
{
    return x->nodes ? N(x, x->root).max : 0;
}

static void walk(const struct vs_extents *x, uint32_t t,
                 void (*fn)(void *ctx, uint64_t start, uint64_t size), void *ctx)
{
    if (!t)
        return;
    walk(x, N(x, t).left, fn, ctx);
    fn(ctx, N(x, t).start, N(x, t).size);
    walk(x, N(x, t).right, fn, ctx);
}

void vs_extents_walk(const struct vs_extents *x,
                     void (*fn)(void *ctx, uint64_t start, uint64_t size), void *ctx)
{
    if (x->nodes)
        walk(x, x->root, fn, ctx);
}

struct check_state {
    uint64_t prev_end; /* end of the previous extent in address order; 0 = none yet */
    uint64_t bytes, count;
    const char *why;
};

static void check_node(const struct vs_extents *x, uint32_t t, struct check_state *c)
{
    if (!t || c->why)
        return;
    const struct vs_extent_node *n = &N(x, t);
    if (t >= x->cap)
        c->why = "node index out of range";
    else if (n->size == 0)
        c->why = "empty extent";
    else if (n->max != max3(n->size, N(x, n->left).max, N(x, n->right).max))
        c->why = "stale subtree maximum";
    else if ((n->left && N(x, n->left).prio > n->prio) ||
             (n->right && N(x, n->right).prio > n->prio))
        c->why = "heap order";
    if (c->why)
        return;
    check_node(x, n->left, c);
    if (c->why)
        return;
    if (n->start < x->base || n->start - x->base > x->size ||
        n->size > x->size - (n->start - x->base))
        c->why = "extent outside the region";
    else if (c->count && n->start < c->prev_end)
        c->why = "extents overlap or out of order";
    else if (c->count && n->start == c->prev_end)
        c->why = "touching extents not merged";
    if (c->why)
        return;
    c->prev_end = n->start + n->size;
    c->bytes += n->size;
    c->count++;
    check_node(x, n->right, c);
}

int vs_extents_check(const struct vs_extents *x, const char **why)
{
    struct check_state c = {0};
    if (!x->nodes || N(x, 0).max != 0 || N(x, 0).size != 0)
        c.why = "sentinel";
    else
        check_node(x, x->root, &c);
    if (!c.why && c.count != x->nextents)
        c.why = "extent count";
    else if (!c.why && c.bytes != x->free_bytes)
        c.why = "free byte count";
    else if (!c.why && x->nextents > x->nallocs + 1)
        c.why = "more extents than allocations + 1";
    if (why)
        *why = c.why;
    return c.why ? -EINVAL : 0;
}
