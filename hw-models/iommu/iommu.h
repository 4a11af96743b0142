/*
 * hw-models/iommu: the IOMMU model, pure (no host I/O, no globals, no host time).
 *
 * What it does: every device owns one DMA domain, an address space of IOVAs (48 bits) mapped
 * page by page (4 KiB) onto platform addresses (guest physical or arena addresses) with read
 * and/or write permission. Device models reach memory only through hw_iommu_dma_read/
 * hw_iommu_dma_write on their domain: the transfer is split at page boundaries, every page is
 * translated and checked first, and only a transfer that passes completely is performed,
 * through the platform's memory callbacks (the model never holds a pointer into guest memory).
 * An unmapped, out-of-range or wrong-permission access is a fault: recorded in the unit's
 * bounded fault log (device, IOVA, length, access, reason), nothing is transferred, and the
 * caller gets -EFAULT (unmapped, out of range, not memory) or -EACCES (permission).
 *
 * Who calls it: the platform (vrsim) creates one struct hw_iommu and a domain per device; the
 * kernel's DMA-domain object maps and unmaps on behalf of drivers; device models call the dma
 * helpers; devmgr revokes a domain when it resets a device or restarts its driver.
 *
 * Invariants: a domain's table is a 4-level radix tree like a real IOMMU's (9 index bits per
 * level, 512 entries per table); a table exists only while it holds a present entry (unmap and
 * revocation free emptied tables), so the memory of a domain is its root plus at most
 * max_tables tables (each 4 KiB of entries plus a count). Map is all or nothing: it is
 * refused (-EEXIST) if any page of the range is mapped, refused (-ENOMEM) if it would need more
 * tables than the quota allows, and it allocates every table it needs before it changes anything.
 * Translation costs 4 table steps per page, independent of how much is mapped. Every result depends
 * only on the sequence of calls, never on host pointers.
 *
 * Never: an assert on a caller's or a device's argument (bad ranges are -EINVAL or faults);
 * a partial transfer because of a fault; a pointer into guest memory.
 */
#ifndef HW_IOMMU_H
#define HW_IOMMU_H

#include <stddef.h>
#include <stdint.h>

#define HW_IOMMU_PAGE_SHIFT 12
#define HW_IOMMU_PAGE_SIZE (1ull << HW_IOMMU_PAGE_SHIFT)
#define HW_IOMMU_IOVA_BITS 48
#define HW_IOMMU_IOVA_LIMIT (1ull << HW_IOMMU_IOVA_BITS) /* IOVAs are [0, limit) */
#define HW_IOMMU_LEVELS 4
#define HW_IOMMU_TABLE_ENTRIES 512

/* Permissions of a mapping and kinds of access (a bit mask: READ = the device reads memory). */
enum hw_iommu_access {
    HW_IOMMU_READ = 1,
    HW_IOMMU_WRITE = 2,
    HW_IOMMU_RW = 3,
};

enum hw_iommu_fault_reason {
    HW_IOMMU_FAULT_UNMAPPED = 1, /* no mapping for the page */
    HW_IOMMU_FAULT_PERM = 2,     /* mapped, but without the access's permission */
    HW_IOMMU_FAULT_RANGE = 3,    /* the transfer reaches beyond the IOVA space */
    HW_IOMMU_FAULT_TARGET = 4,   /* translated, but the platform has no memory there */
};

struct hw_iommu_fault {
    uint64_t seq;    /* number of this fault among all the unit's faults, from 0 */
    uint64_t iova;   /* the first byte of the transfer that could not be accessed */
    uint64_t len;    /* the whole transfer's length in bytes */
    uint32_t device; /* the domain's device id */
    uint8_t access;  /* enum hw_iommu_access of the transfer */
    uint8_t reason;  /* enum hw_iommu_fault_reason */
    uint16_t reserved;
};

/* The platform's memory, addressed by what a mapping translates to. check: 0 when
 * [addr, addr + len) is memory the platform can read and write (optional: NULL = all of it);
 * read/write: 0 or a negative errno; after check said 0 they must not fail. */
struct hw_iommu_mem_ops {
    int (*check)(void *ctx, uint64_t addr, uint64_t len);
    int (*read)(void *ctx, uint64_t addr, void *buf, uint64_t len);
    int (*write)(void *ctx, uint64_t addr, const void *buf, uint64_t len);
};

/* The unit: the fault log shared by all domains (a ring; when it is full, new faults are
 * counted as dropped, never overwrite unread ones) and the platform's memory. */
struct hw_iommu {
    const struct hw_iommu_mem_ops *mem;
    void *mem_ctx;
    struct hw_iommu_fault *log;
    uint32_t log_cap, log_head, log_len;
    uint64_t faults;  /* every fault ever, logged or dropped */
    uint64_t dropped; /* faults not logged because the log was full */
};

struct hw_iommu_table;

struct hw_iommu_domain {
    struct hw_iommu *iommu;
    struct hw_iommu_table *root;
    uint32_t device;
    uint32_t max_tables; /* quota: tables below the root */
    uint32_t tables;     /* tables below the root now */
    uint64_t pages;      /* pages mapped now */
};

/* Called for each page-sized (or smaller, at the ends) piece of a translated transfer, in
 * IOVA order: off = offset in the transfer, addr = platform address. Nonzero stops the walk
 * and is returned. */
typedef int (*hw_iommu_seg_fn)(void *ctx, uint64_t off, uint64_t addr, uint64_t len);

/* log_cap: 1..2^20 fault records; mem: the platform's memory (not NULL, read and write set).
 * 0, -EINVAL, -ENOMEM. */
int hw_iommu_init(struct hw_iommu *u, uint32_t log_cap, const struct hw_iommu_mem_ops *mem,
                  void *mem_ctx);
/* Every domain of the unit must be finished first. */
void hw_iommu_fini(struct hw_iommu *u);

/* Unlogged faults: the oldest out (0), or -ENOENT. */
int hw_iommu_fault_pop(struct hw_iommu *u, struct hw_iommu_fault *f);
/* The i-th oldest unlogged fault without taking it (0), or -ENOENT. */
int hw_iommu_fault_peek(const struct hw_iommu *u, uint32_t i, struct hw_iommu_fault *f);

/* An empty domain for a device, allowed max_tables tables below its root. 0, -EINVAL, -ENOMEM. */
int hw_iommu_domain_init(struct hw_iommu_domain *d, struct hw_iommu *u, uint32_t device,
                         uint32_t max_tables);
void hw_iommu_domain_fini(struct hw_iommu_domain *d);

/* Map [iova, iova + len) to [addr, addr + len) with perm (READ, WRITE or both). iova, addr and
 * len page aligned, len > 0, the IOVA range inside the IOVA space, addr + len not wrapping:
 * else -EINVAL. -EEXIST if any page of the range is mapped; -ENOMEM over the quota (or out of
 * host memory). On any error nothing has changed. */
int hw_iommu_map(struct hw_iommu_domain *d, uint64_t iova, uint64_t addr, uint64_t len,
                 unsigned perm);
/* Unmap whatever is mapped in [iova, iova + len) (page aligned, inside the IOVA space, else
 * -EINVAL); *unmapped (may be NULL) = bytes that were mapped there. 0 even if nothing was. */
int hw_iommu_unmap(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, uint64_t *unmapped);
/* Revocation (device reset, driver restart): unmap everything, free every table below the
 * root. Returns the bytes that were mapped. */
uint64_t hw_iommu_domain_revoke(struct hw_iommu_domain *d);

/* Translate a device's transfer of len bytes at iova for access (READ, WRITE or both). Every
 * page is checked first: a fault is logged and returned (-EFAULT, -EACCES) before fn is
 * called at all. Then fn (may be NULL) is called for each piece, split at page boundaries.
 * len 0: 0, nothing called. -EINVAL for a bad access mask (a model's bug, not logged). */
int hw_iommu_translate(struct hw_iommu_domain *d, uint64_t iova, uint64_t len, unsigned access,
                       hw_iommu_seg_fn fn, void *ctx);
/* One page, no fault logged: 0 with *addr (the byte's platform address) and *perm, or
 * -ENOENT (unmapped or outside the IOVA space). */
int hw_iommu_lookup(const struct hw_iommu_domain *d, uint64_t iova, uint64_t *addr, unsigned *perm);

/* The device reads memory at iova into buf / writes buf to memory at iova. All or nothing:
 * translated and checked (hw_iommu_translate, then the platform's check, a TARGET fault) before
 * one byte moves. 0, -EFAULT, -EACCES, -EINVAL (buf NULL with len > 0), or -EIO when the
 * platform's read/write failed after its check passed (its bug; the transfer may be partial). */
int hw_iommu_dma_read(struct hw_iommu_domain *d, uint64_t iova, void *buf, uint64_t len);
int hw_iommu_dma_write(struct hw_iommu_domain *d, uint64_t iova, const void *buf, uint64_t len);

/* Every mapping in IOVA order, runs of pages contiguous in both spaces with one permission
 * merged into one call (for /proc/iommu and tests). Nonzero from fn stops the walk. */
int hw_iommu_domain_walk(const struct hw_iommu_domain *d,
                         int (*fn)(void *ctx, uint64_t iova, uint64_t addr, uint64_t len,
                                   unsigned perm),
                         void *ctx);

#endif
