/*
 * The heap behind malloc: a boundary-tag allocator over big segments obtained from a page
 * source (in guests: memory objects, see malloc.c), with segregated free lists. Engine file
 * (see core.h): single-threaded; malloc.c wraps every call in a lock.
 *
 * Layout. A segment is [region header 64 B][block][block]...[sentinel 16 B]. Every block
 * starts with a 16-byte header {prev_size, info}: prev_size is the size of the block before
 * it in the segment (0 for the first), info holds the size (a multiple of 16, header
 * included), the flags INUSE and HUGE, and 16 check bits hashed from the block's address,
 * its size and flags, and the heap's secret. Payloads are 16-byte aligned; the smallest
 * block is 32 bytes. Free blocks hold their free-list links in the payload. Neighbouring
 * free blocks are always merged, so a free block's neighbours are in use.
 * Requests of 256 KiB or more get a mapping of their own ("huge"), given back on free.
 *
 * Bins: 64 exact bins 16 bytes apart below 1 KiB, then 8 bins per power of two. A bitmap
 * of non-empty bins finds the next larger bin in a few instructions.
 *
 * Segments grow geometrically: a new one is as large as all current segments together
 * (at least 1 MiB, at most 64 MiB unless one request needs more). Segments that become
 * entirely free are kept for reuse while their total stays within max(2 MiB, half the bytes
 * in use); beyond that the largest is returned to the source. So a program that
 * allocates and frees in a loop does not map and unmap every time, and one that frees
 * everything keeps at most 2 MiB.
 *
 * Safety: free and realloc check the header (check bits, INUSE, the neighbours' sizes) and
 * report "double free" or "invalid pointer" through ops->corrupt instead of corrupting the
 * heap; free-list unlinking checks both links. This is a guard against mistakes, not
 * against an attacker who can write headers.
 */
#include "core.h"

#include <stdint.h>

#define HDR 16u
#define MIN_BLOCK 32u
#define REGION_HDR 64u
#define PAGE 4096u
#define HUGE_MIN ((size_t)256 << 10)
#define SEGMENT_MIN ((size_t)1 << 20)
#define SEGMENT_MAX ((size_t)64 << 20)
#define KEEP_EMPTY_MIN ((size_t)2 << 20)
#define MAX_REQUEST ((size_t)1 << 46)

#define F_INUSE 1u
#define F_HUGE 2u
#define SIZE_MASK 0x0000fffffffffff0ull
#define LOW_MASK 0x0000ffffffffffffull

struct vr_heap_block {
    uint64_t prev_size;
    uint64_t info;
    struct vr_heap_block *next, *prev; /* only while free */
};

struct vr_heap_region {
    struct vr_heap_region *next, *prev;
    uint64_t size; /* bytes mapped */
    uint64_t tag;  /* the source's */
    uint64_t magic;
    uint64_t block_off; /* huge: where its block starts */
    uint64_t reserved[2];
};

_Static_assert(sizeof(struct vr_heap_block) == MIN_BLOCK, "block");
_Static_assert(sizeof(struct vr_heap_region) == REGION_HDR, "region");

static _Noreturn void corrupt(struct vr_heap *h, const char *what, const void *p)
{
    h->ops->corrupt(h->ctx, what, p);
    __builtin_trap();
}

/* ---- headers ---- */

static uint64_t check_bits(const struct vr_heap *h, const void *b, uint64_t sizeflags)
{
    uint64_t x = ((uint64_t)(uintptr_t)b ^ h->secret) * 0x9e3779b97f4a7c15ull;

    x ^= sizeflags + (x >> 29);
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    return x >> 48;
}

static void set_info(const struct vr_heap *h, struct vr_heap_block *b, size_t size, unsigned flags)
{
    uint64_t sf = (uint64_t)size | flags;

    b->info = sf | check_bits(h, b, sf) << 48;
}

/* A header that can never pass the check: for headers absorbed by a merge. */
static void kill_header(const struct vr_heap *h, struct vr_heap_block *b)
{
    b->info = (~check_bits(h, b, 0) & 0xffffull) << 48;
}

static int valid(const struct vr_heap *h, const struct vr_heap_block *b)
{
    return b->info >> 48 == check_bits(h, b, b->info & LOW_MASK);
}

static size_t bsize(const struct vr_heap_block *b)
{
    return (size_t)(b->info & SIZE_MASK);
}

static int inuse(const struct vr_heap_block *b)
{
    return (b->info & F_INUSE) != 0;
}

static struct vr_heap_block *next_block(const struct vr_heap_block *b)
{
    return (struct vr_heap_block *)((char *)b + bsize(b));
}

static void *payload(struct vr_heap_block *b)
{
    return (char *)b + HDR;
}

/* A whole segment that is one free block: first block, and the sentinel follows. */
static int is_whole(const struct vr_heap_block *b)
{
    return b->prev_size == 0 && bsize(next_block(b)) == 0;
}

static size_t request_size(size_t n)
{
    size_t need = (n + HDR + 15) & ~(size_t)15;

    return need < MIN_BLOCK ? MIN_BLOCK : need;
}

/* ---- bins ---- */

static unsigned bin_index(size_t size)
{
    if (size < 1024)
        return (unsigned)(size >> 4);
    unsigned fl = 63u - (unsigned)__builtin_clzll(size);
    unsigned sl = (unsigned)(size >> (fl - 3)) & 7u;
    return VR_HEAP_SMALL_BINS + (fl - 10) * 8 + sl;
}

static void bin_insert(struct vr_heap *h, struct vr_heap_block *b)
{
    unsigned i = bin_index(bsize(b));

    b->prev = NULL;
    b->next = h->bins[i];
    if (b->next)
        b->next->prev = b;
    h->bins[i] = b;
    h->binmap[i / 64] |= 1ull << (i % 64);
}

static void bin_remove(struct vr_heap *h, struct vr_heap_block *b)
{
    unsigned i = bin_index(bsize(b));

    if ((b->prev ? b->prev->next != b : h->bins[i] != b) || (b->next && b->next->prev != b))
        corrupt(h, "corrupted free list", payload(b));
    if (b->prev)
        b->prev->next = b->next;
    else
        h->bins[i] = b->next;
    if (b->next)
        b->next->prev = b->prev;
    if (!h->bins[i])
        h->binmap[i / 64] &= ~(1ull << (i % 64));
}

static size_t segment_size_of(const struct vr_heap_block *whole)
{
    return bsize(whole) + REGION_HDR + HDR;
}

/* Remove a free block to use it. */
static void take(struct vr_heap *h, struct vr_heap_block *b)
{
    bin_remove(h, b);
    if (is_whole(b)) {
        h->nempty--;
        h->empty_bytes -= segment_size_of(b);
    }
}

/* The first non-empty bin at or after i, or VR_HEAP_BINS. */
static unsigned next_bin(const struct vr_heap *h, unsigned i)
{
    while (i < VR_HEAP_BINS) {
        uint64_t w = h->binmap[i / 64] & (~0ull << (i % 64));
        if (w)
            return (i / 64) * 64 + (unsigned)__builtin_ctzll(w);
        i = (i / 64 + 1) * 64;
    }
    return VR_HEAP_BINS;
}

/* A free block of at least need bytes, still in its bin, or NULL. */
static struct vr_heap_block *find_free(struct vr_heap *h, size_t need)
{
    unsigned i = bin_index(need);

    if (i >= VR_HEAP_SMALL_BINS) {
        /* a large bin spans sizes below and above need: look at a few of its blocks */
        int budget = 32;
        for (struct vr_heap_block *b = h->bins[i]; b && budget--; b = b->next)
            if (bsize(b) >= need)
                return b;
        i++;
    }
    i = next_bin(h, i);
    return i < VR_HEAP_BINS ? h->bins[i] : NULL;
}

/* ---- segments ---- */

static int new_segment(struct vr_heap *h, size_t need)
{
    size_t size = h->segment_bytes;
    void *addr;
    uint64_t tag;

    if (size < SEGMENT_MIN)
        size = SEGMENT_MIN;
    if (size > SEGMENT_MAX)
        size = SEGMENT_MAX;
    while (size < need + REGION_HDR + HDR)
        size *= 2;
    if (h->ops->map(h->ctx, size, &addr, &tag) < 0)
        return -1;
    struct vr_heap_region *r = addr;
    r->prev = NULL;
    r->next = h->segments;
    if (r->next)
        r->next->prev = r;
    h->segments = r;
    r->size = size;
    r->tag = tag;
    r->magic = h->secret ^ (uint64_t)(uintptr_t)r;
    h->mapped += size;
    h->segment_bytes += size;
    h->nsegments++;

    struct vr_heap_block *b = (struct vr_heap_block *)((char *)r + REGION_HDR);
    size_t bs = size - REGION_HDR - HDR;
    b->prev_size = 0;
    set_info(h, b, bs, 0);
    struct vr_heap_block *end = next_block(b);
    end->prev_size = bs;
    set_info(h, end, 0, F_INUSE);
    h->nempty++;
    h->empty_bytes += size;
    bin_insert(h, b);
    return 0;
}

static void unlink_region(struct vr_heap_region **list, struct vr_heap_region *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        *list = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

static void release_segment(struct vr_heap *h, struct vr_heap_block *b)
{
    struct vr_heap_region *r = (struct vr_heap_region *)((char *)b - REGION_HDR);

    unlink_region(&h->segments, r);
    h->mapped -= r->size;
    h->segment_bytes -= r->size;
    h->nsegments--;
    h->ops->unmap(h->ctx, r, r->size, r->tag);
}

/* Return the largest empty segments until the empty ones fit the budget. */
static void trim(struct vr_heap *h)
{
    size_t budget = h->in_use / 2 > KEEP_EMPTY_MIN ? h->in_use / 2 : KEEP_EMPTY_MIN;

    while (h->empty_bytes > budget) {
        struct vr_heap_block *victim = NULL;
        for (struct vr_heap_region *r = h->segments; r; r = r->next) {
            struct vr_heap_block *b = (struct vr_heap_block *)((char *)r + REGION_HDR);
            if (!inuse(b) && is_whole(b) && (!victim || bsize(b) > bsize(victim)))
                victim = b;
        }
        if (!victim)
            return;
        take(h, victim);
        release_segment(h, victim);
    }
}

/* ---- allocation ---- */

/* Mark the free (unlinked) block b in use with size need, freeing the tail if it is big
 * enough. The tail's neighbour is in use, so it needs no merge. */
static void carve(struct vr_heap *h, struct vr_heap_block *b, size_t need)
{
    size_t size = bsize(b);

    if (size - need >= MIN_BLOCK) {
        struct vr_heap_block *rest = (struct vr_heap_block *)((char *)b + need);
        rest->prev_size = need;
        set_info(h, rest, size - need, 0);
        next_block(rest)->prev_size = size - need;
        bin_insert(h, rest);
        size = need;
    }
    set_info(h, b, size, F_INUSE);
    h->in_use += size;
}

static struct vr_heap_block *get_free(struct vr_heap *h, size_t need)
{
    struct vr_heap_block *b = find_free(h, need);

    if (!b) {
        if (new_segment(h, need) < 0)
            return NULL;
        b = find_free(h, need);
    }
    take(h, b);
    return b;
}

static void *huge_alloc(struct vr_heap *h, size_t n, size_t align)
{
    /* mappings are only page aligned: leave room to align the payload inside */
    size_t slack = align > 16 ? align - 1 : 0;
    size_t total, off;
    void *addr;
    uint64_t tag;

    if (__builtin_add_overflow(n, REGION_HDR + HDR + slack + PAGE - 1, &total))
        return NULL;
    total &= ~(size_t)(PAGE - 1);
    if (h->ops->map(h->ctx, total, &addr, &tag) < 0)
        return NULL;
    uintptr_t base = (uintptr_t)addr;
    off = ((base + REGION_HDR + HDR + align - 1) & ~(uintptr_t)(align - 1)) - base;
    struct vr_heap_region *r = addr;
    r->prev = NULL;
    r->next = h->huge;
    if (r->next)
        r->next->prev = r;
    h->huge = r;
    r->size = total;
    r->tag = tag;
    r->magic = h->secret ^ (uint64_t)(uintptr_t)r;
    h->mapped += total;
    h->nhuge++;

    struct vr_heap_block *b = (struct vr_heap_block *)((char *)r + off - HDR);
    r->block_off = off - HDR;
    b->prev_size = off - HDR; /* for a huge block: the offset of its region */
    set_info(h, b, total - (off - HDR), F_INUSE | F_HUGE);
    h->in_use += bsize(b);
    return payload(b);
}

static void huge_free(struct vr_heap *h, struct vr_heap_block *b)
{
    struct vr_heap_region *r = (struct vr_heap_region *)((char *)b - b->prev_size);

    if (r->magic != (h->secret ^ (uint64_t)(uintptr_t)r))
        corrupt(h, "free(): corrupted huge block", payload(b));
    unlink_region(&h->huge, r);
    h->mapped -= r->size;
    h->nhuge--;
    h->in_use -= bsize(b);
    h->ops->unmap(h->ctx, r, r->size, r->tag);
}

void vr_heap_init(struct vr_heap *h, const struct vr_heap_source_ops *ops, void *ctx,
                  uint64_t secret)
{
    vr_memset(h, 0, sizeof *h);
    h->ops = ops;
    h->ctx = ctx;
    h->secret = secret;
}

void vr_heap_fini(struct vr_heap *h)
{
    while (h->segments) {
        struct vr_heap_region *r = h->segments;
        h->segments = r->next;
        h->ops->unmap(h->ctx, r, r->size, r->tag);
    }
    while (h->huge) {
        struct vr_heap_region *r = h->huge;
        h->huge = r->next;
        h->ops->unmap(h->ctx, r, r->size, r->tag);
    }
    vr_heap_init(h, h->ops, h->ctx, h->secret);
}

void *vr_heap_alloc(struct vr_heap *h, size_t n)
{
    if (n > MAX_REQUEST)
        return NULL;
    size_t need = request_size(n);
    if (need >= HUGE_MIN)
        return huge_alloc(h, n, 16);
    struct vr_heap_block *b = get_free(h, need);
    if (!b)
        return NULL;
    carve(h, b, need);
    return payload(b);
}

void *vr_heap_calloc(struct vr_heap *h, size_t n, size_t size)
{
    size_t total;

    if (__builtin_mul_overflow(n, size, &total))
        return NULL;
    void *p = vr_heap_alloc(h, total);
    if (p)
        vr_memset(p, 0, total);
    return p;
}

void *vr_heap_alloc_aligned(struct vr_heap *h, size_t align, size_t n)
{
    if (align <= 16)
        return vr_heap_alloc(h, n);
    if (align & (align - 1) || n > MAX_REQUEST || align > MAX_REQUEST)
        return NULL;
    size_t need = request_size(n);
    if (need + align + MIN_BLOCK >= HUGE_MIN)
        return huge_alloc(h, n, align);

    struct vr_heap_block *b = get_free(h, need + align + MIN_BLOCK);
    if (!b)
        return NULL;
    uintptr_t p = (uintptr_t)payload(b);
    uintptr_t ap = (p + align - 1) & ~(uintptr_t)(align - 1);
    if (ap != p) {
        /* the front gap becomes a free block of its own (its neighbour before is in use) */
        while (ap - p < MIN_BLOCK)
            ap += align;
        size_t gap = ap - p, size = bsize(b);
        struct vr_heap_block *nb = (struct vr_heap_block *)((char *)b + gap);
        set_info(h, b, gap, 0);
        nb->prev_size = gap;
        set_info(h, nb, size - gap, 0);
        next_block(nb)->prev_size = size - gap;
        bin_insert(h, b);
        b = nb;
    }
    carve(h, b, need);
    return payload(b);
}

/* The in-use block of a pointer given to free/realloc, or a report. */
static struct vr_heap_block *block_of(struct vr_heap *h, const void *p)
{
    struct vr_heap_block *b = (struct vr_heap_block *)((char *)p - HDR);

    if ((uintptr_t)p & 15 || !valid(h, b))
        corrupt(h, "invalid pointer", p);
    if (!inuse(b))
        corrupt(h, "double free", p);
    if (!(b->info & F_HUGE)) {
        struct vr_heap_block *next = next_block(b);
        if (!valid(h, next) || next->prev_size != bsize(b))
            corrupt(h, "corrupted heap (block after this one)", p);
        if (b->prev_size) {
            struct vr_heap_block *prev = (struct vr_heap_block *)((char *)b - b->prev_size);
            if (!valid(h, prev) || bsize(prev) != b->prev_size)
                corrupt(h, "corrupted heap (block before this one)", p);
        }
    }
    return b;
}

void vr_heap_free(struct vr_heap *h, void *p)
{
    if (!p)
        return;
    struct vr_heap_block *b = block_of(h, p);
    if (b->info & F_HUGE) {
        huge_free(h, b);
        return;
    }
    size_t size = bsize(b);
    struct vr_heap_block *next = next_block(b);
    h->in_use -= size;
    if (b->prev_size) {
        struct vr_heap_block *prev = (struct vr_heap_block *)((char *)b - b->prev_size);
        if (!inuse(prev)) {
            bin_remove(h, prev);
            size += bsize(prev);
            kill_header(h, b);
            b = prev;
        }
    }
    if (!inuse(next)) {
        bin_remove(h, next);
        size += bsize(next);
        kill_header(h, next);
    }
    set_info(h, b, size, 0);
    next_block(b)->prev_size = size;
    bin_insert(h, b);
    if (is_whole(b)) {
        h->nempty++;
        h->empty_bytes += segment_size_of(b);
        trim(h);
    }
}

/* Give back the tail of in-use block b beyond need, merging it with a free neighbour. */
static void shrink_tail(struct vr_heap *h, struct vr_heap_block *b, size_t need)
{
    size_t size = bsize(b);

    if (size - need < MIN_BLOCK)
        return;
    struct vr_heap_block *rest = (struct vr_heap_block *)((char *)b + need);
    struct vr_heap_block *next = next_block(b);
    size_t rest_size = size - need;
    set_info(h, b, need, F_INUSE);
    h->in_use -= rest_size;
    if (!inuse(next)) {
        bin_remove(h, next);
        rest_size += bsize(next);
        kill_header(h, next);
    }
    rest->prev_size = need;
    set_info(h, rest, rest_size, 0);
    next_block(rest)->prev_size = rest_size;
    bin_insert(h, rest);
}

void *vr_heap_realloc(struct vr_heap *h, void *p, size_t n)
{
    if (!p)
        return vr_heap_alloc(h, n);
    if (n == 0) {
        vr_heap_free(h, p);
        return NULL;
    }
    struct vr_heap_block *b = block_of(h, p);
    if (n > MAX_REQUEST)
        return NULL;
    size_t need = request_size(n), size = bsize(b);

    if (b->info & F_HUGE) {
        if (need <= size && need >= size / 2)
            return p;
    } else if (need <= size) {
        shrink_tail(h, b, need);
        return p;
    } else if (need < HUGE_MIN) {
        struct vr_heap_block *next = next_block(b);
        if (!inuse(next) && size + bsize(next) >= need) {
            size_t merged = size + bsize(next);
            bin_remove(h, next);
            kill_header(h, next);
            set_info(h, b, merged, F_INUSE);
            next_block(b)->prev_size = merged;
            h->in_use += merged - size;
            shrink_tail(h, b, need);
            return p;
        }
    }
    void *q = vr_heap_alloc(h, n);
    if (!q)
        return NULL;
    size_t old = size - HDR;
    vr_memcpy(q, p, old < n ? old : n);
    vr_heap_free(h, p);
    return q;
}

size_t vr_heap_usable_size(struct vr_heap *h, const void *p)
{
    if (!p)
        return 0;
    return bsize(block_of(h, p)) - HDR;
}

void vr_heap_get_stats(const struct vr_heap *h, struct vr_heap_stats *out)
{
    out->mapped = h->mapped;
    out->segments = h->nsegments;
    out->huge = h->nhuge;
    out->in_use = h->in_use;
}

void vr_heap_check(struct vr_heap *h)
{
    size_t free_blocks = 0, in_use = 0, nempty = 0, empty_bytes = 0, nsegments = 0;

    for (struct vr_heap_region *r = h->segments; r; r = r->next) {
        nsegments++;
        if (r->magic != (h->secret ^ (uint64_t)(uintptr_t)r))
            corrupt(h, "check: bad segment", r);
        struct vr_heap_block *b = (struct vr_heap_block *)((char *)r + REGION_HDR);
        struct vr_heap_block *end = (struct vr_heap_block *)((char *)r + r->size - HDR);
        size_t prev = 0;
        int prev_free = 0;
        while (b != end) {
            if ((char *)b > (char *)end || !valid(h, b) || bsize(b) < MIN_BLOCK ||
                b->prev_size != prev || (b->info & F_HUGE))
                corrupt(h, "check: bad block", b);
            if (inuse(b)) {
                in_use += bsize(b);
                prev_free = 0;
            } else {
                if (prev_free)
                    corrupt(h, "check: two free blocks in a row", b);
                if (is_whole(b)) {
                    nempty++;
                    empty_bytes += r->size;
                }
                free_blocks++;
                prev_free = 1;
            }
            prev = bsize(b);
            b = next_block(b);
        }
        if (!valid(h, end) || bsize(end) != 0 || !inuse(end) || end->prev_size != prev)
            corrupt(h, "check: bad sentinel", end);
    }
    size_t nhuge = 0;
    for (struct vr_heap_region *r = h->huge; r; r = r->next) {
        nhuge++;
        struct vr_heap_block *b = (struct vr_heap_block *)((char *)r + r->block_off);
        if (r->magic != (h->secret ^ (uint64_t)(uintptr_t)r) || !valid(h, b) || !inuse(b) ||
            !(b->info & F_HUGE) || b->prev_size != r->block_off)
            corrupt(h, "check: bad huge block", r);
        in_use += bsize(b);
    }
    size_t binned = 0;
    for (unsigned i = 0; i < VR_HEAP_BINS; i++) {
        int bit = (h->binmap[i / 64] >> (i % 64)) & 1;
        if (bit != (h->bins[i] != NULL))
            corrupt(h, "check: bin map", h->bins[i]);
        for (struct vr_heap_block *b = h->bins[i]; b; b = b->next) {
            if (!valid(h, b) || inuse(b) || bin_index(bsize(b)) != i ||
                (b->next && b->next->prev != b))
                corrupt(h, "check: bad free list", b);
            binned++;
        }
    }
    if (binned != free_blocks || nempty != h->nempty || empty_bytes != h->empty_bytes ||
        nsegments != h->nsegments || nhuge != h->nhuge)
        corrupt(h, "check: counts", NULL);
    if (in_use != h->in_use)
        corrupt(h, "check: bytes in use", NULL);
}
