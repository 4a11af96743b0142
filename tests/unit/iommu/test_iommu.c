/*
 * Unit tests for hw-models/iommu: argument checks; the overlap rules of map and unmap (a map
 * over a mapped page is refused and changes nothing, a partial unmap says how much it took);
 * the table quota (exact table counts across level boundaries, -ENOMEM changes nothing, unmap
 * gives the tables back); transfers split at page boundaries onto scattered pages; faults with
 * every field (unmapped, permission, out of range, not memory); all-or-nothing DMA in both
 * directions; revocation; the fault ring's overflow count. And a randomized comparison against
 * a naive reference (an array of per-page entries plus counts of the tables a real radix tree
 * needs, and a copy of the platform's memory) over 100k map/unmap/translate/DMA/revoke
 * operations for several seeds and quotas, on IOVA clusters placed across every level's
 * boundaries and at the top of the IOVA space: the same result, fault (every field, in
 * sequence) and pieces for every transfer, the same bytes in memory, the same tables.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw-models/iommu/iommu.h"

#define PG HW_IOMMU_PAGE_SIZE
#define MEM_BASE 0x100000ull
#define MEM_PAGES 64
#define MEM_SIZE (MEM_PAGES * PG)

/* Checks on hot paths: Check's own assertions cost a system call each, even when they hold. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg("line %d: %s", __LINE__, #cond);                                          \
    } while (0)

/* The platform's memory: MEM_PAGES pages at MEM_BASE. */
struct fake_mem {
    unsigned char bytes[MEM_SIZE];
    unsigned reads, writes;
};

static int mem_check(void *ctx, uint64_t addr, uint64_t len)
{
    (void)ctx;
    return addr >= MEM_BASE && len <= MEM_SIZE && addr - MEM_BASE <= MEM_SIZE - len ? 0 : -EFAULT;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, uint64_t len)
{
    struct fake_mem *m = ctx;
    if (mem_check(ctx, addr, len))
        return -EFAULT;
    memcpy(buf, m->bytes + (addr - MEM_BASE), len);
    m->reads++;
    return 0;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, uint64_t len)
{
    struct fake_mem *m = ctx;
    if (mem_check(ctx, addr, len))
        return -EFAULT;
    memcpy(m->bytes + (addr - MEM_BASE), buf, len);
    m->writes++;
    return 0;
}

static const struct hw_iommu_mem_ops mem_ops = {
    .check = mem_check,
    .read = mem_read,
    .write = mem_write,
};

static struct fake_mem mem;
static struct hw_iommu unit;
static struct hw_iommu_domain dom;

static void setup(void)
{
    memset(&mem, 0, sizeof mem);
    ck_assert_int_eq(hw_iommu_init(&unit, 8, &mem_ops, &mem), 0);
    ck_assert_int_eq(hw_iommu_domain_init(&dom, &unit, 7, 64), 0);
}

static void teardown(void)
{
    hw_iommu_domain_fini(&dom);
    ck_assert_ptr_null(dom.root);
    ck_assert_uint_eq(dom.tables, 0);
    ck_assert_uint_eq(dom.pages, 0);
    hw_iommu_fini(&unit);
    ck_assert_ptr_null(unit.log);
}

static void expect_fault(uint64_t iova, uint64_t len, unsigned access, unsigned reason)
{
    struct hw_iommu_fault f;
    ck_assert_int_eq(hw_iommu_fault_pop(&unit, &f), 0);
    ck_assert_uint_eq(f.device, 7);
    ck_assert_uint_eq(f.iova, iova);
    ck_assert_uint_eq(f.len, len);
    ck_assert_uint_eq(f.access, access);
    ck_assert_uint_eq(f.reason, reason);
}

static void expect_no_fault(void)
{
    struct hw_iommu_fault f;
    ck_assert_int_eq(hw_iommu_fault_pop(&unit, &f), -ENOENT);
}

START_TEST(test_args)
{
    struct hw_iommu u2;
    struct hw_iommu_mem_ops no_write = {.read = mem_read};
    ck_assert_int_eq(hw_iommu_init(&u2, 0, &mem_ops, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_init(&u2, 4, NULL, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_init(&u2, 4, &no_write, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_init(&u2, (1u << 20) + 1, &mem_ops, NULL), -EINVAL);

    const uint64_t top = HW_IOMMU_IOVA_LIMIT;
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, 0, HW_IOMMU_RW), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 1, MEM_BASE, PG, HW_IOMMU_RW), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE + 8, PG, HW_IOMMU_RW), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, PG + 1, HW_IOMMU_RW), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, PG, 0), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, PG, 4), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, top, MEM_BASE, PG, HW_IOMMU_READ), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, top - PG, MEM_BASE, 2 * PG, HW_IOMMU_READ), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0ull - PG, 2 * PG, HW_IOMMU_READ), -EINVAL);
    ck_assert_int_eq(hw_iommu_map(&dom, UINT64_MAX - PG + 1, 0, PG, HW_IOMMU_READ), -EINVAL);
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0, 0, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_unmap(&dom, 5, PG, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_unmap(&dom, top, PG, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0, 1, 0, NULL, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0, 1, 8, NULL, NULL), -EINVAL);
    ck_assert_int_eq(hw_iommu_dma_read(&dom, 0, NULL, 4), -EINVAL);
    ck_assert_uint_eq(dom.tables, 0);
    expect_no_fault();

    /* the last page of the IOVA space maps, and a page at the top of the address space */
    ck_assert_int_eq(hw_iommu_map(&dom, top - PG, 0ull - PG, PG, HW_IOMMU_READ), 0);
    uint64_t a;
    unsigned perm;
    ck_assert_int_eq(hw_iommu_lookup(&dom, top - 1, &a, &perm), 0);
    ck_assert_uint_eq(a, UINT64_MAX);
    ck_assert_uint_eq(perm, HW_IOMMU_READ);
    ck_assert_int_eq(hw_iommu_lookup(&dom, top, &a, &perm), -ENOENT);
    ck_assert_uint_eq(dom.tables, 3);
    /* zero-length transfers touch nothing */
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 12345, NULL, 0), 0);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0, 0, HW_IOMMU_READ, NULL, NULL), 0);
    expect_no_fault();
}
END_TEST

START_TEST(test_overlap)
{
    ck_assert_int_eq(hw_iommu_map(&dom, 0x10000, MEM_BASE, 4 * PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(dom.pages, 4);
    /* over the last page, over the first, around everything: refused, nothing changes */
    ck_assert_int_eq(hw_iommu_map(&dom, 0x13000, MEM_BASE, 2 * PG, HW_IOMMU_READ), -EEXIST);
    ck_assert_int_eq(hw_iommu_map(&dom, 0xf000, MEM_BASE, 2 * PG, HW_IOMMU_READ), -EEXIST);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x0, MEM_BASE, 64 * PG, HW_IOMMU_READ), -EEXIST);
    ck_assert_uint_eq(dom.pages, 4);
    ck_assert_int_eq(hw_iommu_lookup(&dom, 0xf000, NULL, NULL), -ENOENT);
    ck_assert_int_eq(hw_iommu_lookup(&dom, 0x14000, NULL, NULL), -ENOENT);
    /* neighbours are fine */
    ck_assert_int_eq(hw_iommu_map(&dom, 0xf000, MEM_BASE + 8 * PG, PG, HW_IOMMU_READ), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x14000, MEM_BASE + 9 * PG, PG, HW_IOMMU_WRITE), 0);

    /* partial unmap: a range over one mapped page and a hole unmaps that page, says 1 page */
    uint64_t n = 99;
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0x14000, 3 * PG, &n), 0);
    ck_assert_uint_eq(n, PG);
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0x11000, 2 * PG, &n), 0);
    ck_assert_uint_eq(n, 2 * PG);
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0x11000, 2 * PG, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(hw_iommu_lookup(&dom, 0x10000, NULL, NULL), 0);
    ck_assert_int_eq(hw_iommu_lookup(&dom, 0x11000, NULL, NULL), -ENOENT);
    ck_assert_int_eq(hw_iommu_lookup(&dom, 0x13000, NULL, NULL), 0);
    ck_assert_uint_eq(dom.pages, 3);
    /* now the hole can be mapped again */
    ck_assert_int_eq(hw_iommu_map(&dom, 0x11000, MEM_BASE, 2 * PG, HW_IOMMU_READ), 0);
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0, HW_IOMMU_IOVA_LIMIT, &n), 0);
    ck_assert_uint_eq(n, 5 * PG);
    ck_assert_uint_eq(dom.pages, 0);
    ck_assert_uint_eq(dom.tables, 0);
}
END_TEST

START_TEST(test_quota)
{
    struct hw_iommu_domain q;
    ck_assert_int_eq(hw_iommu_domain_init(&q, &unit, 3, 4), 0);
    /* one page needs one table at each of the 3 levels below the root */
    ck_assert_int_eq(hw_iommu_map(&q, 0, MEM_BASE, PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 3);
    /* 512 pages further: a second leaf table (4 in all) */
    ck_assert_int_eq(hw_iommu_map(&q, 512 * PG, MEM_BASE, PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 4);
    /* a third leaf table would be the 5th: refused, and nothing of the range is mapped */
    ck_assert_int_eq(hw_iommu_map(&q, 1023 * PG, MEM_BASE, 2 * PG, HW_IOMMU_RW), -ENOMEM);
    ck_assert_int_eq(hw_iommu_lookup(&q, 1023 * PG, NULL, NULL), -ENOENT);
    ck_assert_uint_eq(q.pages, 2);
    ck_assert_uint_eq(q.tables, 4);
    /* inside existing tables there is room */
    ck_assert_int_eq(hw_iommu_map(&q, 1 * PG, MEM_BASE, 511 * PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&q, 513 * PG, MEM_BASE, 511 * PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 4);
    /* -EEXIST wins over -ENOMEM */
    ck_assert_int_eq(hw_iommu_map(&q, 1023 * PG, MEM_BASE, 2 * PG, HW_IOMMU_RW), -EEXIST);
    /* emptying a leaf table frees it, and the quota is there again */
    uint64_t n;
    ck_assert_int_eq(hw_iommu_unmap(&q, 512 * PG, 512 * PG, &n), 0);
    ck_assert_uint_eq(n, 512 * PG);
    ck_assert_uint_eq(q.tables, 3);
    ck_assert_int_eq(hw_iommu_map(&q, 1024 * PG, MEM_BASE, PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 4);
    /* crossing a 1 GiB boundary needs 5 tables (1 level-2, 2 level-1, 2 leaves): over 4 */
    ck_assert_int_eq(hw_iommu_unmap(&q, 0, 2048 * PG, &n), 0);
    ck_assert_uint_eq(q.tables, 0);
    ck_assert_int_eq(hw_iommu_map(&q, (1ull << 30) - PG, MEM_BASE, 2 * PG, HW_IOMMU_RW), -ENOMEM);
    ck_assert_uint_eq(q.tables, 0);
    ck_assert_uint_eq(q.pages, 0);
    hw_iommu_domain_fini(&q);
    ck_assert_int_eq(hw_iommu_domain_init(&q, &unit, 3, 6), 0);
    ck_assert_int_eq(hw_iommu_map(&q, (1ull << 30) - PG, MEM_BASE, 2 * PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 5);
    ck_assert_uint_eq(hw_iommu_domain_revoke(&q), 2 * PG);
    /* crossing a 512 GiB boundary: 2 tables at every level */
    ck_assert_int_eq(hw_iommu_map(&q, (1ull << 39) - PG, MEM_BASE, 2 * PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(q.tables, 6);
    ck_assert_int_eq(hw_iommu_unmap(&q, (1ull << 39) - PG, PG, &n), 0);
    ck_assert_uint_eq(q.tables, 3);
    hw_iommu_domain_fini(&q);
}
END_TEST

/* A driver may ask for any range: a map of the whole IOVA space is refused after counting the
 * tables it would need, not after walking 2^27 absent leaf tables (that took 0.3 s a call;
 * 300 calls here would outlast Check's 60 s timeout). */
START_TEST(test_huge_ranges)
{
    const uint64_t top = HW_IOMMU_IOVA_LIMIT;
    for (unsigned i = 0; i < 300; i++) {
        ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, top, HW_IOMMU_RW), -ENOMEM);
        ck_assert_int_eq(hw_iommu_map(&dom, top / 2 - PG, 0, top / 2, HW_IOMMU_READ), -ENOMEM);
    }
    ck_assert_uint_eq(dom.tables, 0);
    /* exactly the quota: 1 level-2, 1 level-1 and 62 leaf tables (62 x 2 MiB) fit in 64 */
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, 62 * 512 * PG, HW_IOMMU_RW), 0);
    ck_assert_uint_eq(dom.tables, 64);
    ck_assert_uint_eq(dom.pages, 62 * 512);
    ck_assert_int_eq(hw_iommu_map(&dom, 62 * 512 * PG, 0, PG, HW_IOMMU_RW), -ENOMEM);
    ck_assert_int_eq(hw_iommu_map(&dom, 0, 0, top, HW_IOMMU_RW), -EEXIST);
    uint64_t n;
    ck_assert_int_eq(hw_iommu_unmap(&dom, 0, top, &n), 0);
    ck_assert_uint_eq(n, 62 * 512 * PG);
    ck_assert_uint_eq(dom.tables, 0);
}
END_TEST

struct seg {
    uint64_t off, addr, len;
};
struct segs {
    struct seg v[16];
    unsigned n;
};

static int collect(void *ctx, uint64_t off, uint64_t addr, uint64_t len)
{
    struct segs *s = ctx;
    REQUIRE(s->n < 16);
    s->v[s->n++] = (struct seg){off, addr, len};
    return 0;
}

struct runs {
    struct {
        uint64_t iova, addr, len;
        unsigned perm;
    } v[16];
    unsigned n;
};

static int collect_run(void *ctx, uint64_t iova, uint64_t addr, uint64_t len, unsigned perm)
{
    struct runs *r = ctx;
    REQUIRE(r->n < 16);
    r->v[r->n].iova = iova;
    r->v[r->n].addr = addr;
    r->v[r->n].len = len;
    r->v[r->n].perm = perm;
    r->n++;
    return 0;
}

START_TEST(test_split)
{
    /* IOVA pages 0x40..0x42 onto memory pages 5, 2, 9 (scattered, reversed) */
    ck_assert_int_eq(hw_iommu_map(&dom, 0x40 * PG, MEM_BASE + 5 * PG, PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x41 * PG, MEM_BASE + 2 * PG, PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x42 * PG, MEM_BASE + 9 * PG, PG, HW_IOMMU_RW), 0);
    struct segs s = {0};
    uint64_t iova = 0x40 * PG + 0xff0, len = 0x10 + PG + 0x20;
    ck_assert_int_eq(hw_iommu_translate(&dom, iova, len, HW_IOMMU_WRITE, collect, &s), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_uint_eq(s.v[0].off, 0);
    ck_assert_uint_eq(s.v[0].addr, MEM_BASE + 5 * PG + 0xff0);
    ck_assert_uint_eq(s.v[0].len, 0x10);
    ck_assert_uint_eq(s.v[1].off, 0x10);
    ck_assert_uint_eq(s.v[1].addr, MEM_BASE + 2 * PG);
    ck_assert_uint_eq(s.v[1].len, PG);
    ck_assert_uint_eq(s.v[2].off, 0x10 + PG);
    ck_assert_uint_eq(s.v[2].addr, MEM_BASE + 9 * PG);
    ck_assert_uint_eq(s.v[2].len, 0x20);
    /* inside one page: one piece */
    s.n = 0;
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x41 * PG + 3, 100, HW_IOMMU_RW, collect, &s), 0);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_uint_eq(s.v[0].addr, MEM_BASE + 2 * PG + 3);

    /* DMA across the three pages lands in the scattered pages, and reads back */
    unsigned char out[3 * PG], in[3 * PG];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)(i * 7 + 1);
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 0x40 * PG + 100, out, 2 * PG), 0);
    ck_assert_int_eq(memcmp(mem.bytes + 5 * PG + 100, out, PG - 100), 0);
    ck_assert_int_eq(memcmp(mem.bytes + 2 * PG, out + PG - 100, PG), 0);
    ck_assert_int_eq(memcmp(mem.bytes + 9 * PG, out + 2 * PG - 100, 100), 0);
    ck_assert_uint_eq(mem.writes, 3);
    memset(in, 0, sizeof in);
    ck_assert_int_eq(hw_iommu_dma_read(&dom, 0x40 * PG + 100, in, 2 * PG), 0);
    ck_assert_int_eq(memcmp(in, out, 2 * PG), 0);
    expect_no_fault();

    /* the walk merges runs contiguous in both spaces with one permission */
    ck_assert_int_eq(hw_iommu_map(&dom, 0x43 * PG, MEM_BASE + 10 * PG, 2 * PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x45 * PG, MEM_BASE + 12 * PG, PG, HW_IOMMU_READ), 0);
    struct runs w = {0};
    ck_assert_int_eq(hw_iommu_domain_walk(&dom, collect_run, &w), 0);
    ck_assert_uint_eq(w.n, 4);
    ck_assert_uint_eq(w.v[0].iova, 0x40 * PG);
    ck_assert_uint_eq(w.v[0].len, PG);
    ck_assert_uint_eq(w.v[1].iova, 0x41 * PG);
    ck_assert_uint_eq(w.v[2].iova, 0x42 * PG);
    ck_assert_uint_eq(w.v[2].addr, MEM_BASE + 9 * PG);
    ck_assert_uint_eq(w.v[2].len, 3 * PG);
    ck_assert_uint_eq(w.v[2].perm, HW_IOMMU_RW);
    ck_assert_uint_eq(w.v[3].iova, 0x45 * PG);
    ck_assert_uint_eq(w.v[3].perm, HW_IOMMU_READ);
}
END_TEST

START_TEST(test_faults)
{
    ck_assert_int_eq(hw_iommu_map(&dom, 0x10 * PG, MEM_BASE, PG, HW_IOMMU_READ), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x11 * PG, MEM_BASE + PG, PG, HW_IOMMU_WRITE), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 0x12 * PG, MEM_BASE + 2 * PG, PG, HW_IOMMU_RW), 0);
    unsigned calls = 0;
    struct segs s = {0};

    /* unmapped: the first byte of the transfer in the first unmapped page */
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x12 * PG + 8, 2 * PG, HW_IOMMU_READ, collect, &s),
                     -EFAULT);
    expect_fault(0x13 * PG, 2 * PG, HW_IOMMU_READ, HW_IOMMU_FAULT_UNMAPPED);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0xf * PG + 5, 10, HW_IOMMU_READ, collect, &s),
                     -EFAULT);
    expect_fault(0xf * PG + 5, 10, HW_IOMMU_READ, HW_IOMMU_FAULT_UNMAPPED);
    /* permission: a write starting on the last byte of the read-only page */
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x11 * PG - 1, 2, HW_IOMMU_WRITE, collect, &s),
                     -EACCES);
    expect_fault(0x11 * PG - 1, 2, HW_IOMMU_WRITE, HW_IOMMU_FAULT_PERM);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x10 * PG, 2 * PG, HW_IOMMU_READ, collect, &s),
                     -EACCES);
    expect_fault(0x11 * PG, 2 * PG, HW_IOMMU_READ, HW_IOMMU_FAULT_PERM);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x12 * PG, 1, HW_IOMMU_RW, collect, &s), 0);
    ck_assert_int_eq(hw_iommu_translate(&dom, 0x11 * PG, 1, HW_IOMMU_RW, collect, &s), -EACCES);
    expect_fault(0x11 * PG, 1, HW_IOMMU_RW, HW_IOMMU_FAULT_PERM);
    /* out of the IOVA space, and wrapping */
    ck_assert_int_eq(
        hw_iommu_translate(&dom, HW_IOMMU_IOVA_LIMIT - 4, 8, HW_IOMMU_READ, collect, &s), -EFAULT);
    expect_fault(HW_IOMMU_IOVA_LIMIT - 4, 8, HW_IOMMU_READ, HW_IOMMU_FAULT_RANGE);
    ck_assert_int_eq(hw_iommu_translate(&dom, UINT64_MAX, 2, HW_IOMMU_WRITE, collect, &s), -EFAULT);
    expect_fault(UINT64_MAX, 2, HW_IOMMU_WRITE, HW_IOMMU_FAULT_RANGE);
    /* fn was called for the one good transfer only */
    calls = s.n;
    ck_assert_uint_eq(calls, 1);
    /* translated, but the platform has no memory there: a TARGET fault, nothing copied */
    ck_assert_int_eq(
        hw_iommu_map(&dom, 0x20 * PG, MEM_BASE + (MEM_PAGES - 1) * PG, 2 * PG, HW_IOMMU_RW), 0);
    unsigned char buf[2 * PG];
    memset(buf, 0xab, sizeof buf);
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 0x20 * PG + 16, buf, PG), -EFAULT);
    expect_fault(0x21 * PG, PG, HW_IOMMU_WRITE, HW_IOMMU_FAULT_TARGET);
    ck_assert_uint_eq(mem.writes, 0);
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 0x20 * PG + 16, buf, PG - 16), 0);
    expect_no_fault();
    ck_assert_uint_eq(unit.faults, 8);
    ck_assert_uint_eq(unit.dropped, 0);
}
END_TEST

START_TEST(test_all_or_nothing)
{
    /* pages 0..2 writable, page 3 read-only, page 5 unmapped */
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, 3 * PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 3 * PG, MEM_BASE + 3 * PG, 2 * PG, HW_IOMMU_READ), 0);
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem.bytes[i] = (unsigned char)(i ^ (i >> 8));
    struct fake_mem before = mem;
    unsigned char buf[6 * PG];
    memset(buf, 0x5a, sizeof buf);

    /* the write's last page is read-only: nothing is written, not even the first pages */
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 100, buf, 4 * PG - 200), -EACCES);
    expect_fault(3 * PG, 4 * PG - 200, HW_IOMMU_WRITE, HW_IOMMU_FAULT_PERM);
    ck_assert_int_eq(memcmp(mem.bytes, before.bytes, MEM_SIZE), 0);
    ck_assert_uint_eq(mem.writes, 0);
    /* the read's last page is unmapped: the device's buffer is untouched */
    ck_assert_int_eq(hw_iommu_dma_read(&dom, 0, buf, 6 * PG), -EFAULT);
    expect_fault(5 * PG, 6 * PG, HW_IOMMU_READ, HW_IOMMU_FAULT_UNMAPPED);
    for (unsigned i = 0; i < sizeof buf; i++)
        REQUIRE(buf[i] == 0x5a);
    ck_assert_uint_eq(mem.reads, 0);
    /* the read-only pages can be read; all five pages in one transfer */
    ck_assert_int_eq(hw_iommu_dma_read(&dom, 0, buf, 5 * PG), 0);
    ck_assert_int_eq(memcmp(buf, before.bytes, 5 * PG), 0);
    expect_no_fault();
}
END_TEST

START_TEST(test_revoke)
{
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, 8 * PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_map(&dom, 1ull << 40, MEM_BASE, 4 * PG, HW_IOMMU_READ), 0);
    ck_assert_uint_eq(dom.tables, 6);
    unsigned char b[16] = {1, 2, 3};
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 8, b, sizeof b), 0);
    ck_assert_uint_eq(hw_iommu_domain_revoke(&dom), 12 * PG);
    ck_assert_uint_eq(dom.tables, 0);
    ck_assert_uint_eq(dom.pages, 0);
    /* every former mapping faults now and changes nothing */
    unsigned char before[MEM_SIZE];
    memcpy(before, mem.bytes, MEM_SIZE);
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 8, b, sizeof b), -EFAULT);
    expect_fault(8, sizeof b, HW_IOMMU_WRITE, HW_IOMMU_FAULT_UNMAPPED);
    ck_assert_int_eq(hw_iommu_dma_read(&dom, 1ull << 40, b, sizeof b), -EFAULT);
    expect_fault(1ull << 40, sizeof b, HW_IOMMU_READ, HW_IOMMU_FAULT_UNMAPPED);
    ck_assert_int_eq(memcmp(before, mem.bytes, MEM_SIZE), 0);
    ck_assert_uint_eq(hw_iommu_domain_revoke(&dom), 0);
    /* and the domain can be used again */
    ck_assert_int_eq(hw_iommu_map(&dom, 0, MEM_BASE, PG, HW_IOMMU_RW), 0);
    ck_assert_int_eq(hw_iommu_dma_write(&dom, 8, b, sizeof b), 0);
}
END_TEST

START_TEST(test_ring_overflow)
{
    /* the log holds 8; 11 faults: the first 8 kept in order, 3 dropped, sequence numbers tell */
    for (uint64_t i = 0; i < 11; i++)
        ck_assert_int_eq(hw_iommu_dma_read(&dom, i * PG, &i, 1), -EFAULT);
    ck_assert_uint_eq(unit.faults, 11);
    ck_assert_uint_eq(unit.dropped, 3);
    struct hw_iommu_fault f;
    ck_assert_int_eq(hw_iommu_fault_peek(&unit, 7, &f), 0);
    ck_assert_uint_eq(f.seq, 7);
    ck_assert_int_eq(hw_iommu_fault_peek(&unit, 8, &f), -ENOENT);
    for (uint64_t i = 0; i < 5; i++) {
        ck_assert_int_eq(hw_iommu_fault_pop(&unit, &f), 0);
        ck_assert_uint_eq(f.seq, i);
        ck_assert_uint_eq(f.iova, i * PG);
    }
    /* room for 5 again: faults 11..15 logged (wrapping around the ring), 16 dropped */
    for (uint64_t i = 11; i < 17; i++)
        ck_assert_int_eq(hw_iommu_dma_read(&dom, i * PG, &i, 1), -EFAULT);
    ck_assert_uint_eq(unit.dropped, 4);
    uint64_t want[] = {5, 6, 7, 11, 12, 13, 14, 15};
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_int_eq(hw_iommu_fault_pop(&unit, &f), 0);
        ck_assert_uint_eq(f.seq, want[i]);
        ck_assert_uint_eq(f.iova, want[i] * PG);
        ck_assert_uint_eq(f.device, 7);
    }
    expect_no_fault();
}
END_TEST

/*
 * The reference: IOVA pages in NCLUSTER clusters of CPAGES pages, placed across leaf, 1 GiB,
 * 512 GiB boundaries and at the very top of the IOVA space; per page its address and
 * permission (0 = unmapped); and, per level below the root, how many mapped pages each table
 * of a real radix tree would hold (a table exists while that count is not 0).
 */
#define NCLUSTER 6
#define CPAGES 1536u
#define NPREF 256

static const uint64_t cluster_base[NCLUSTER] = {
    0,
    3000,
    (1ull << 18) - 700,
    (1ull << 27) - 800,
    (1ull << 36) - CPAGES,
    5 * (1ull << 27) + 12345,
};

struct ref {
    uint64_t addr[NCLUSTER * CPAGES];
    uint8_t perm[NCLUSTER * CPAGES];
    struct {
        uint64_t key;
        uint32_t level, count;
    } pref[NPREF];
    unsigned npref;
    uint64_t tables, pages;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return rnd() % n;
}

/* The page's slot in the reference, or -1 outside every cluster. */
static long ref_slot(uint64_t page)
{
    for (unsigned c = 0; c < NCLUSTER; c++) {
        if (page >= cluster_base[c] && page - cluster_base[c] < CPAGES)
            return (long)(c * CPAGES + (page - cluster_base[c]));
    }
    return -1;
}

static uint32_t *pref_count(struct ref *r, unsigned level, uint64_t page)
{
    uint64_t key = page >> (9 * (level + 1));
    for (unsigned i = 0; i < r->npref; i++) {
        if (r->pref[i].level == level && r->pref[i].key == key)
            return &r->pref[i].count;
    }
    REQUIRE(r->npref < NPREF);
    r->pref[r->npref].level = level;
    r->pref[r->npref].key = key;
    r->pref[r->npref].count = 0;
    return &r->pref[r->npref++].count;
}

static void ref_set(struct ref *r, uint64_t page, uint64_t addr, unsigned perm)
{
    long k = ref_slot(page);
    REQUIRE(k >= 0 && r->perm[k] == 0 && perm != 0);
    r->addr[k] = addr;
    r->perm[k] = (uint8_t)perm;
    r->pages++;
    for (unsigned l = 0; l < 3; l++) {
        if ((*pref_count(r, l, page))++ == 0)
            r->tables++;
    }
}

static void ref_clear(struct ref *r, uint64_t page)
{
    long k = ref_slot(page);
    REQUIRE(k >= 0 && r->perm[k] != 0);
    r->perm[k] = 0;
    r->pages--;
    for (unsigned l = 0; l < 3; l++) {
        if (--*pref_count(r, l, page) == 0)
            r->tables--;
    }
}

/* Tables a map of [s, e) would add (pages s..e-1 all unmapped). */
static uint64_t ref_need(struct ref *r, uint64_t s, uint64_t e)
{
    uint64_t need = 0;
    for (unsigned l = 0; l < 3; l++) {
        for (uint64_t p = s; p < e; p++) {
            if (p != s && (p >> (9 * (l + 1))) == ((p - 1) >> (9 * (l + 1))))
                continue;
            if (*pref_count(r, l, p) == 0)
                need++;
        }
    }
    return need;
}

struct check_ctx {
    struct ref *r;
    uint64_t pages;
};

/* Every run the model's walk reports is in the reference, page by page. */
static int walk_check(void *ctx, uint64_t iova, uint64_t addr, uint64_t len, unsigned perm)
{
    struct check_ctx *c = ctx;
    REQUIRE(iova % PG == 0 && len % PG == 0 && len > 0);
    for (uint64_t o = 0; o < len; o += PG) {
        long k = ref_slot((iova + o) / PG);
        REQUIRE(k >= 0);
        REQUIRE(c->r->perm[k] == perm);
        REQUIRE(c->r->addr[k] == addr + o);
        c->pages++;
    }
    return 0;
}

static void ref_compare(struct ref *r, struct hw_iommu_domain *d)
{
    REQUIRE(d->pages == r->pages);
    REQUIRE(d->tables == r->tables);
    struct check_ctx c = {r, 0};
    REQUIRE(hw_iommu_domain_walk(d, walk_check, &c) == 0);
    REQUIRE(c.pages == r->pages);
}

struct seg_check {
    struct ref *r;
    uint64_t iova, next_off;
};

static int seg_against_ref(void *ctx, uint64_t off, uint64_t addr, uint64_t len)
{
    struct seg_check *c = ctx;
    uint64_t at = c->iova + off;
    REQUIRE(off == c->next_off);
    REQUIRE(len > 0 && (at % PG) + len <= PG);
    long k = ref_slot(at / PG);
    REQUIRE(k >= 0 && c->r->perm[k]);
    REQUIRE(addr == c->r->addr[k] + at % PG);
    c->next_off = off + len;
    return 0;
}

static struct ref ref;
static unsigned char ref_mem[MEM_SIZE];
static unsigned char dma_buf[5 * PG + PG];

/* The reference's verdict on a transfer: 0, or the fault's reason and *at its IOVA. */
static unsigned ref_verdict(uint64_t iova, uint64_t len, unsigned access, int check_mem,
                            uint64_t *at)
{
    *at = iova;
    if (len && iova + len > HW_IOMMU_IOVA_LIMIT)
        return HW_IOMMU_FAULT_RANGE;
    for (uint64_t p = iova / PG; len && p <= (iova + len - 1) / PG; p++) {
        long k = ref_slot(p);
        *at = p == iova / PG ? iova : p * PG;
        if (k < 0 || !ref.perm[k])
            return HW_IOMMU_FAULT_UNMAPPED;
        if ((ref.perm[k] & access) != access)
            return HW_IOMMU_FAULT_PERM;
    }
    for (uint64_t p = iova / PG; check_mem && len && p <= (iova + len - 1) / PG; p++) {
        uint64_t first = p == iova / PG ? iova : p * PG;
        uint64_t end = (p + 1) * PG < iova + len ? (p + 1) * PG : iova + len;
        uint64_t a = ref.addr[ref_slot(p)] + first % PG;
        if (mem_check(NULL, a, end - first)) {
            *at = first;
            return HW_IOMMU_FAULT_TARGET;
        }
    }
    return 0;
}

/* A DMA read or write of random bytes, against the reference memory. */
static void dma_op(struct hw_iommu_domain *d, struct hw_iommu *u, uint64_t s, uint64_t *nfault,
                   uint64_t *nok, uint64_t *ndma)
{
    uint64_t iova = s * PG + below(PG);
    uint64_t len = 1 + below(below(4) == 0 ? 5 * PG : 256);
    unsigned access = below(2) ? HW_IOMMU_READ : HW_IOMMU_WRITE;
    uint64_t at;
    unsigned reason = ref_verdict(iova, len, access, 1, &at);
    unsigned before = mem.writes;
    int rc;
    if (access == HW_IOMMU_WRITE) {
        for (uint64_t i = 0; i < len; i++)
            dma_buf[i] = (unsigned char)rnd();
        rc = hw_iommu_dma_write(d, iova, dma_buf, len);
    } else {
        memset(dma_buf, 0xee, len + 1);
        rc = hw_iommu_dma_read(d, iova, dma_buf, len);
    }
    struct hw_iommu_fault f;
    if (reason) {
        REQUIRE(rc == (reason == HW_IOMMU_FAULT_PERM ? -EACCES : -EFAULT));
        REQUIRE(hw_iommu_fault_pop(u, &f) == 0);
        REQUIRE(f.iova == at && f.len == len && f.access == access && f.reason == reason);
        REQUIRE(f.seq == *nfault);
        REQUIRE(mem.writes == before);
        if (access == HW_IOMMU_READ) {
            for (uint64_t i = 0; i < len; i++)
                REQUIRE(dma_buf[i] == 0xee);
        }
        ++*nfault;
        return;
    }
    REQUIRE(rc == 0);
    REQUIRE(hw_iommu_fault_pop(u, &f) == -ENOENT);
    ++*nok;
    ++*ndma;
    for (uint64_t off = 0; off < len;) {
        uint64_t a = iova + off, n = PG - a % PG < len - off ? PG - a % PG : len - off;
        unsigned char *m = ref_mem + (ref.addr[ref_slot(a / PG)] + a % PG - MEM_BASE);
        if (access == HW_IOMMU_WRITE) {
            memcpy(m, dma_buf + off, n);
            REQUIRE(memcmp(mem.bytes + (m - ref_mem), m, n) == 0);
        } else {
            REQUIRE(memcmp(dma_buf + off, m, n) == 0);
        }
        off += n;
    }
    REQUIRE(dma_buf[len] == (access == HW_IOMMU_READ ? 0xee : dma_buf[len]));
}

static void random_run(uint64_t seed, uint32_t quota, unsigned nops)
{
    struct hw_iommu u;
    struct hw_iommu_domain d;
    memset(&ref, 0, sizeof ref);
    memset(&mem, 0, sizeof mem);
    memset(ref_mem, 0, sizeof ref_mem);
    rng_state = seed;
    ck_assert_int_eq(hw_iommu_init(&u, 4, &mem_ops, &mem), 0);
    ck_assert_int_eq(hw_iommu_domain_init(&d, &u, 42, quota), 0);
    uint64_t nmap = 0, nenomem = 0, neexist = 0, nfault = 0, nok = 0, ndma = 0;
    for (unsigned op = 0; op < nops; op++) {
        unsigned c = (unsigned)below(NCLUSTER), kind = (unsigned)below(100);
        uint64_t o = below(CPAGES);
        uint64_t s = cluster_base[c] + o;
        if (kind < 40) {
            uint64_t n = 1 + below(below(8) == 0 ? CPAGES - o : (CPAGES - o < 8 ? CPAGES - o : 8));
            /* half the time into the platform's memory, mostly fitting in it (not always: a
             * range that runs past its end gives TARGET faults) */
            uint64_t addr = below(1ull << 40) * PG;
            if (below(2)) {
                uint64_t mp = below(MEM_PAGES);
                addr = MEM_BASE + mp * PG;
                if (below(8) && n > MEM_PAGES - mp)
                    n = MEM_PAGES - mp;
            }
            unsigned perm = 1 + (unsigned)below(3);
            int want = 0;
            for (uint64_t p = s; p < s + n && !want; p++)
                want = ref.perm[ref_slot(p)] ? -EEXIST : 0;
            if (!want && ref.tables + ref_need(&ref, s, s + n) > quota)
                want = -ENOMEM;
            int rc = hw_iommu_map(&d, s * PG, addr, n * PG, perm);
            REQUIRE(rc == want);
            if (rc == 0) {
                for (uint64_t p = 0; p < n; p++)
                    ref_set(&ref, s + p, addr + p * PG, perm);
                nmap++;
            }
            nenomem += rc == -ENOMEM;
            neexist += rc == -EEXIST;
        } else if (kind < 60) {
            /* may run past the cluster's end into pages that are never mapped */
            uint64_t n = 1 + below(below(64) == 0 ? 2 * CPAGES : 4);
            if (s + n > (1ull << 36))
                n = (1ull << 36) - s;
            uint64_t want = 0;
            for (uint64_t p = s; p < s + n; p++) {
                long k = ref_slot(p);
                if (k >= 0 && ref.perm[k]) {
                    ref_clear(&ref, p);
                    want += PG;
                }
            }
            uint64_t got = 1;
            REQUIRE(hw_iommu_unmap(&d, s * PG, n * PG, &got) == 0);
            REQUIRE(got == want);
        } else if (kind < 80) {
            dma_op(&d, &u, s, &nfault, &nok, &ndma);
        } else if (kind < 99) {
            uint64_t iova = s * PG + below(PG);
            uint64_t len = below(16) == 0 ? 0 : 1 + below(below(4) == 0 ? 5 * PG : 512);
            unsigned access = 1 + (unsigned)below(3);
            uint64_t at;
            unsigned reason = ref_verdict(iova, len, access, 0, &at);
            struct seg_check sc = {&ref, iova, 0};
            int rc = hw_iommu_translate(&d, iova, len, access, seg_against_ref, &sc);
            struct hw_iommu_fault f;
            if (!reason) {
                REQUIRE(rc == 0);
                REQUIRE(sc.next_off == len);
                REQUIRE(hw_iommu_fault_pop(&u, &f) == -ENOENT);
                nok++;
            } else {
                REQUIRE(rc == (reason == HW_IOMMU_FAULT_PERM ? -EACCES : -EFAULT));
                REQUIRE(sc.next_off == 0);
                REQUIRE(hw_iommu_fault_pop(&u, &f) == 0);
                REQUIRE(f.device == 42 && f.iova == at && f.len == len);
                REQUIRE(f.access == access && f.reason == reason);
                REQUIRE(f.seq == nfault);
                nfault++;
            }
            /* and one page by lookup */
            uint64_t a;
            unsigned perm;
            long k = ref_slot(iova / PG);
            int lr = hw_iommu_lookup(&d, iova, &a, &perm);
            if (k >= 0 && ref.perm[k]) {
                REQUIRE(lr == 0 && perm == ref.perm[k] && a == ref.addr[k] + iova % PG);
            } else {
                REQUIRE(lr == -ENOENT);
            }
        } else if (below(50) == 0) {
            uint64_t want = ref.pages * PG;
            for (uint64_t k = 0; k < NCLUSTER * CPAGES; k++) {
                if (ref.perm[k])
                    ref_clear(&ref, cluster_base[k / CPAGES] + k % CPAGES);
            }
            REQUIRE(hw_iommu_domain_revoke(&d) == want);
        }
        if (op % 1024 == 0) {
            ref_compare(&ref, &d);
            REQUIRE(memcmp(mem.bytes, ref_mem, MEM_SIZE) == 0);
        }
    }
    ref_compare(&ref, &d);
    REQUIRE(u.faults == nfault && u.dropped == 0);
    /* the run exercised what it is meant to */
    ck_assert_uint_gt(nmap, nops / 20);
    ck_assert_uint_gt(neexist, 0);
    ck_assert_uint_gt(nfault, nops / 50);
    ck_assert_uint_gt(nok, nops / 50);
    ck_assert_uint_gt(ndma, nops / 400);
    if (quota < 40)
        ck_assert_uint_gt(nenomem, 0);
    hw_iommu_domain_fini(&d);
    hw_iommu_fini(&u);
}

START_TEST(test_random)
{
    static const struct {
        uint64_t seed;
        uint32_t quota;
    } runs[] = {{1, 1000}, {2, 24}, {3, 12}, {0xfeedface, 30}};
    random_run(runs[_i].seed, runs[_i].quota, 100000);
}
END_TEST

Suite *iommu_suite(void);

Suite *iommu_suite(void)
{
    Suite *s = suite_create("iommu");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_args);
    tcase_add_test(tc, test_overlap);
    tcase_add_test(tc, test_quota);
    tcase_add_test(tc, test_huge_ranges);
    tcase_add_test(tc, test_split);
    tcase_add_test(tc, test_faults);
    tcase_add_test(tc, test_all_or_nothing);
    tcase_add_test(tc, test_revoke);
    tcase_add_test(tc, test_ring_overflow);
    tcase_add_loop_test(tc, test_random, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(iommu_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
