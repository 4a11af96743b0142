/*
 * The IOMMU model (contract in iommu.h).
 *
 * A domain's page table is a radix tree of 4 levels over the IOVA's page number (36 bits):
 * level 3 is the root, level 0 holds the page entries (platform address | permission bits; an
 * entry is present when it has a permission). Each table counts its present entries, so unmap
 * frees a table the moment it empties and the tree never holds an empty table below the root.
 *
 * Map is decode-then-invoke: a first walk over the range's existing tables finds any present
 * entry (-EEXIST) and counts the tables the range still needs (an absent subtree is counted
 * arithmetically, never walked, so the walk costs at most the domain's tables x 512 steps
 * whatever the range); those are checked against the quota and allocated into a pool; only
 * then does a second walk fill the entries, taking tables from the pool, so it cannot fail
 * half way. Transfers are checked the same way: every page is translated (and, for DMA, every
 * piece checked with the platform) before fn or the copy sees anything; a transfer's check
 * stops at its first unmapped page, so it too costs at most the mapped pages + 1 steps.
 *
 * Never: an assert on a caller's value; host pointers in any decision (tables are reached by
 * index bits only; their addresses just hold them).
 */
#include "hw-models/iommu/iommu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IDX_BITS 9
#define IDX_MASK (HW_IOMMU_TABLE_ENTRIES - 1)
#define PAGE_MASK (HW_IOMMU_PAGE_SIZE - 1)
#define PERM_MASK ((uint64_t)HW_IOMMU_RW)
#define LOG_CAP_MAX (1u << 20)

struct hw_iommu_table {
    uint32_t used; /* present entries */
    union {
        struct hw_iommu_table *next[HW_IOMMU_TABLE_ENTRIES]; /* levels 1..3 */
        uint64_t pte[HW_IOMMU_TABLE_ENTRIES];                /* level 0 */
    } u;
};

static inline unsigned idx(uint64_t page, int level)
{
    return (unsigned)(page >> (IDX_BITS * level)) & IDX_MASK;
}

/* The end of the piece of [p, e) under one entry of a level-`level` table. */
static inline uint64_t piece_end(uint64_t p, uint64_t e, int level)
{
    uint64_t span = 1ull << (IDX_BITS * level);
    uint64_t next = (p | (span - 1)) + 1;
    return next < e ? next : e;
}

int hw_iommu_init(struct hw_iommu *u, uint32_t log_cap, const struct hw_iommu_mem_ops *mem,
                  void *mem_ctx)
{
    if (!u || !mem || !mem->read || !mem->write || log_cap == 0 || log_cap > LOG_CAP_MAX)
        return -EINVAL;
    memset(u, 0, sizeof *u);
    u->log = calloc(log_cap, sizeof *u->log);
    if (!u->log)
        return -ENOMEM;
    u->log_cap = log_cap;
    u->mem = mem;
    u->mem_ctx = mem_ctx;
    return 0;
}

void hw_iommu_fini(struct hw_iommu *u)
{
    free(u->log);
    u->log = NULL;
    u->log_cap = u->log_len = u->log_head = 0;
}

static void record_fault(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, unsigned access,
                         enum hw_iommu_fault_reason reason)
{
    struct hw_iommu *u = d->iommu;
    uint64_t seq = u->faults++;
    if (u->log_len == u->log_cap) {
        u->dropped++;
        return;
    }
    struct hw_iommu_fault *f = &u->log[(u->log_head + u->log_len) % u->log_cap];
    u->log_len++;
    memset(f, 0, sizeof *f);
    f->seq = seq;
    f->iova = iova;
    f->len = len;
    f->device = d->device;
    f->access = (uint8_t)access;
    f->reason = (uint8_t)reason;
}

int hw_iommu_fault_peek(const struct hw_iommu *u, uint32_t i, struct hw_iommu_fault *f)
{
    if (i >= u->log_len)
        return -ENOENT;
    *f = u->log[(u->log_head + i) % u->log_cap];
    return 0;
}

int hw_iommu_fault_pop(struct hw_iommu *u, struct hw_iommu_fault *f)
{
    int rc = hw_iommu_fault_peek(u, 0, f);
    if (rc)
        return rc;
    u->log_head = (u->log_head + 1) % u->log_cap;
    u->log_len--;
    return 0;
}

int hw_iommu_domain_init(struct hw_iommu_domain *d, struct hw_iommu *u, uint32_t device,
                         uint32_t max_tables)
{
    if (!d || !u)
        return -EINVAL;
    memset(d, 0, sizeof *d);
    d->root = calloc(1, sizeof *d->root);
    if (!d->root)
        return -ENOMEM;
    d->iommu = u;
    d->device = device;
    d->max_tables = max_tables;
    return 0;
}

static void free_tree(struct hw_iommu_table *t, int level)
{
    if (level > 0) {
        for (unsigned i = 0; i < HW_IOMMU_TABLE_ENTRIES && t->used; i++) {
            if (t->u.next[i]) {
                free_tree(t->u.next[i], level - 1);
                t->u.next[i] = NULL;
                t->used--;
            }
        }
    }
    free(t);
}

uint64_t hw_iommu_domain_revoke(struct hw_iommu_domain *d)
{
    uint64_t bytes = d->pages << HW_IOMMU_PAGE_SHIFT;
    struct hw_iommu_table *r = d->root;
    for (unsigned i = 0; i < HW_IOMMU_TABLE_ENTRIES && r->used; i++) {
        if (r->u.next[i]) {
            free_tree(r->u.next[i], HW_IOMMU_LEVELS - 2);
            r->u.next[i] = NULL;
            r->used--;
        }
    }
    d->tables = 0;
    d->pages = 0;
    return bytes;
}

void hw_iommu_domain_fini(struct hw_iommu_domain *d)
{
    if (!d->root)
        return;
    hw_iommu_domain_revoke(d);
    free(d->root);
    d->root = NULL;
}

/* Tables a range [s, e) needs under an absent level-`level` table: that table, and at each
 * level below one per distinct index prefix (a level-k table covers 512^(k+1) pages). */
static uint64_t absent_tables(int level, uint64_t s, uint64_t e)
{
    uint64_t n = 1;
    for (int k = level - 1; k >= 0; k--) {
        int shift = IDX_BITS * (k + 1);
        n += ((e - 1) >> shift) - (s >> shift) + 1;
    }
    return n;
}

/* Map, first walk: -EEXIST if a page of [s, e) is present under t (t may be absent), else add
 * the tables the range needs that do not exist yet to *need. Visits only tables that exist
 * (an absent subtree is counted, not walked), so even a map of the whole IOVA space costs at
 * most the domain's tables times 512 steps. */
static int scan_map(const struct hw_iommu_table *t, int level, uint64_t s, uint64_t e,
                    uint64_t *need)
{
    if (!t) {
        *need += absent_tables(level, s, e);
        return 0;
    }
    if (level == 0) {
        for (uint64_t p = s; p < e; p++) {
            if (t->u.pte[idx(p, 0)] & PERM_MASK)
                return -EEXIST;
        }
        return 0;
    }
    for (uint64_t p = s; p < e;) {
        uint64_t n = piece_end(p, e, level);
        int rc = scan_map(t->u.next[idx(p, level)], level - 1, p, n, need);
        if (rc)
            return rc;
        p = n;
    }
    return 0;
}

/* Map, second walk: fill [s, e) (all absent) under t, which exists; new tables from *pool. */
static void fill_map(struct hw_iommu_domain *d, struct hw_iommu_table *t, int level, uint64_t s,
                     uint64_t e, uint64_t addr, uint64_t perm, struct hw_iommu_table **pool)
{
    if (level == 0) {
        for (uint64_t p = s; p < e; p++, addr += HW_IOMMU_PAGE_SIZE) {
            t->u.pte[idx(p, 0)] = addr | perm;
            t->used++;
        }
        d->pages += e - s;
        return;
    }
    for (uint64_t p = s; p < e;) {
        uint64_t n = piece_end(p, e, level);
        struct hw_iommu_table **slot = &t->u.next[idx(p, level)];
        if (!*slot) {
            struct hw_iommu_table *c = *pool;
            *pool = c->u.next[0];
            c->u.next[0] = NULL;
            *slot = c;
            t->used++;
            d->tables++;
        }
        fill_map(d, *slot, level - 1, p, n, addr, perm, pool);
        addr += (n - p) << HW_IOMMU_PAGE_SHIFT;
        p = n;
    }
}

static int range_ok(uint64_t iova, uint64_t len)
{
    return len > 0 && !(iova & PAGE_MASK) && !(len & PAGE_MASK) && len <= HW_IOMMU_IOVA_LIMIT &&
           iova <= HW_IOMMU_IOVA_LIMIT - len;
}

int hw_iommu_map(struct hw_iommu_domain *d, uint64_t iova, uint64_t addr, uint64_t len,
                 unsigned perm)
{
    if (!range_ok(iova, len) || (addr & PAGE_MASK) || addr > UINT64_MAX - len + 1 || perm == 0 ||
        (perm & ~(unsigned)HW_IOMMU_RW))
        return -EINVAL;
    uint64_t s = iova >> HW_IOMMU_PAGE_SHIFT, e = s + (len >> HW_IOMMU_PAGE_SHIFT);
    uint64_t need = 0;
    int rc = scan_map(d->root, HW_IOMMU_LEVELS - 1, s, e, &need);
    if (rc)
        return rc;
    if (d->tables > d->max_tables || need > (uint64_t)(d->max_tables - d->tables))
        return -ENOMEM;
    struct hw_iommu_table *pool = NULL;
    for (uint64_t i = 0; i < need; i++) {
        struct hw_iommu_table *t = calloc(1, sizeof *t);
        if (!t)
            goto fail_pool;
        t->u.next[0] = pool;
        pool = t;
    }
    fill_map(d, d->root, HW_IOMMU_LEVELS - 1, s, e, addr, perm, &pool);
    return 0;

fail_pool:
    while (pool) {
        struct hw_iommu_table *t = pool;
        pool = t->u.next[0];
        free(t);
    }
    return -ENOMEM;
}

/* Clear every present entry of [s, e) under t; free the tables this empties (not t). */
static void clear_range(struct hw_iommu_domain *d, struct hw_iommu_table *t, int level, uint64_t s,
                        uint64_t e, uint64_t *n)
{
    if (level == 0) {
        for (uint64_t p = s; p < e && t->used; p++) {
            uint64_t *pte = &t->u.pte[idx(p, 0)];
            if (*pte & PERM_MASK) {
                *pte = 0;
                t->used--;
                ++*n;
            }
        }
        return;
    }
    for (uint64_t p = s; p < e && t->used;) {
        uint64_t pe = piece_end(p, e, level);
        struct hw_iommu_table **slot = &t->u.next[idx(p, level)];
        if (*slot) {
            clear_range(d, *slot, level - 1, p, pe, n);
            if ((*slot)->used == 0) {
                free(*slot);
                *slot = NULL;
                t->used--;
                d->tables--;
            }
        }
        p = pe;
    }
}

int hw_iommu_unmap(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
    if (!range_ok(iova, len))
        return -EINVAL;
    uint64_t s = iova >> HW_IOMMU_PAGE_SHIFT, e = s + (len >> HW_IOMMU_PAGE_SHIFT);
    uint64_t n = 0;
    clear_range(d, d->root, HW_IOMMU_LEVELS - 1, s, e, &n);
    d->pages -= n;
    if (unmapped)
        *unmapped = n << HW_IOMMU_PAGE_SHIFT;
    return 0;
}

/* The entry of one page (0 = not present); page inside the IOVA space. */
static uint64_t pte_of(const struct hw_iommu_domain *d, uint64_t page)
{
    const struct hw_iommu_table *t = d->root;
    for (int level = HW_IOMMU_LEVELS - 1; level > 0; level--) {
        t = t->u.next[idx(page, level)];
        if (!t)
            return 0;
    }
    return t->u.pte[idx(page, 0)];
}

int hw_iommu_lookup(const struct hw_iommu_domain *d, uint64_t iova, uint64_t *addr, unsigned *perm)
{
    if (iova >= HW_IOMMU_IOVA_LIMIT)
        return -ENOENT;
    uint64_t pte = pte_of(d, iova >> HW_IOMMU_PAGE_SHIFT);
    if (!(pte & PERM_MASK))
        return -ENOENT;
    if (addr)
        *addr = (pte & ~PAGE_MASK) | (iova & PAGE_MASK);
    if (perm)
        *perm = (unsigned)(pte & PERM_MASK);
    return 0;
}

/* Check every page of the transfer; log and return the first fault. */
static int check_pages(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, unsigned access)
{
    if (len > HW_IOMMU_IOVA_LIMIT || iova > HW_IOMMU_IOVA_LIMIT - len) {
        record_fault(d, iova, len, access, HW_IOMMU_FAULT_RANGE);
        return -EFAULT;
    }
    uint64_t s = iova >> HW_IOMMU_PAGE_SHIFT, e = (iova + len - 1) >> HW_IOMMU_PAGE_SHIFT;
    for (uint64_t p = s; p <= e; p++) {
        uint64_t pte = pte_of(d, p);
        uint64_t at = p == s ? iova : p << HW_IOMMU_PAGE_SHIFT;
        if (!(pte & PERM_MASK)) {
            record_fault(d, at, len, access, HW_IOMMU_FAULT_UNMAPPED);
            return -EFAULT;
        }
        if ((pte & access) != access) {
            record_fault(d, at, len, access, HW_IOMMU_FAULT_PERM);
            return -EACCES;
        }
    }
    return 0;
}

/* Call fn for each piece of a transfer that check_pages passed. */
static int walk_pieces(const struct hw_iommu_domain *d, uint64_t iova, uint64_t len,
                       hw_iommu_seg_fn fn, void *ctx)
{
    uint64_t off = 0;
    while (off < len) {
        uint64_t at = iova + off;
        uint64_t n = HW_IOMMU_PAGE_SIZE - (at & PAGE_MASK);
        if (n > len - off)
            n = len - off;
        uint64_t pte = pte_of(d, at >> HW_IOMMU_PAGE_SHIFT);
        int rc = fn(ctx, off, (pte & ~PAGE_MASK) | (at & PAGE_MASK), n);
        if (rc)
            return rc;
        off += n;
    }
    return 0;
}

static int access_ok(unsigned access)
{
    return access != 0 && !(access & ~(unsigned)HW_IOMMU_RW);
}

int hw_iommu_translate(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, unsigned access,
                       hw_iommu_seg_fn fn, void *ctx)
{
    if (!access_ok(access))
        return -EINVAL;
    if (len == 0)
        return 0;
    int rc = check_pages(d, iova, len, access);
    if (rc || !fn)
        return rc;
    return walk_pieces(d, iova, len, fn, ctx);
}

struct dma_ctx {
    struct hw_iommu *u;
    unsigned char *rbuf;       /* dma_read: the device's buffer */
    const unsigned char *wbuf; /* dma_write */
    uint64_t bad_off;          /* check: the offset of the piece the platform refused */
};

static int dma_check_piece(void *ctx, uint64_t off, uint64_t addr, uint64_t len)
{
    struct dma_ctx *c = ctx;
    if (c->u->mem->check(c->u->mem_ctx, addr, len) != 0) {
        c->bad_off = off;
        return 1;
    }
    return 0;
}

static int dma_copy_piece(void *ctx, uint64_t off, uint64_t addr, uint64_t len)
{
    struct dma_ctx *c = ctx;
    int rc = c->rbuf ? c->u->mem->read(c->u->mem_ctx, addr, c->rbuf + off, len)
                     : c->u->mem->write(c->u->mem_ctx, addr, c->wbuf + off, len);
    return rc ? -EIO : 0;
}

static int dma(struct hw_iommu_domain *d, uint64_t iova, struct dma_ctx *c, uint64_t len,
               unsigned access)
{
    if (len == 0)
        return 0;
    if (!c->rbuf && !c->wbuf)
        return -EINVAL;
    int rc = check_pages(d, iova, len, access);
    if (rc)
        return rc;
    if (d->iommu->mem->check && walk_pieces(d, iova, len, dma_check_piece, c)) {
        record_fault(d, iova + c->bad_off, len, access, HW_IOMMU_FAULT_TARGET);
        return -EFAULT;
    }
    return walk_pieces(d, iova, len, dma_copy_piece, c);
}

int hw_iommu_dma_read(struct hw_iommu_domain *d, uint64_t iova, void *buf, uint64_t len)
{
    struct dma_ctx c = {.u = d->iommu, .rbuf = buf};
    return dma(d, iova, &c, len, HW_IOMMU_READ);
}

int hw_iommu_dma_write(struct hw_iommu_domain *d, uint64_t iova, const void *buf, uint64_t len)
{
    struct dma_ctx c = {.u = d->iommu, .wbuf = buf};
    return dma(d, iova, &c, len, HW_IOMMU_WRITE);
}

struct run {
    uint64_t iova, addr, len;
    unsigned perm;
};

typedef int (*walk_fn)(void *ctx, uint64_t iova, uint64_t addr, uint64_t len, unsigned perm);

static int flush_run(struct run *r, walk_fn fn, void *ctx)
{
    int rc = r->len ? fn(ctx, r->iova, r->addr, r->len, r->perm) : 0;
    r->len = 0;
    return rc;
}

static int walk_tree(const struct hw_iommu_table *t, int level, uint64_t base, struct run *r,
                     walk_fn fn, void *ctx)
{
    for (unsigned i = 0; i < HW_IOMMU_TABLE_ENTRIES; i++) {
        uint64_t page = base | ((uint64_t)i << (IDX_BITS * level));
        if (level > 0) {
            if (t->u.next[i]) {
                int rc = walk_tree(t->u.next[i], level - 1, page, r, fn, ctx);
                if (rc)
                    return rc;
            }
            continue;
        }
        uint64_t pte = t->u.pte[i];
        if (!(pte & PERM_MASK))
            continue;
        uint64_t iova = page << HW_IOMMU_PAGE_SHIFT, addr = pte & ~PAGE_MASK;
        unsigned perm = (unsigned)(pte & PERM_MASK);
        if (r->len && r->iova + r->len == iova && r->addr + r->len == addr && r->perm == perm) {
            r->len += HW_IOMMU_PAGE_SIZE;
            continue;
        }
        int rc = flush_run(r, fn, ctx);
        if (rc)
            return rc;
        *r = (struct run){.iova = iova, .addr = addr, .len = HW_IOMMU_PAGE_SIZE, .perm = perm};
    }
    return 0;
}

int hw_iommu_domain_walk(const struct hw_iommu_domain *d, walk_fn fn, void *ctx)
{
    struct run r = {0};
    int rc = walk_tree(d->root, HW_IOMMU_LEVELS - 1, 0, &r, fn, ctx);
    if (rc)
        return rc;
    return flush_run(&r, fn, ctx);
}
