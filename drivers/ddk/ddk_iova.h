/*
 * ddk_iova: the DDK's IOVA allocator, pure C (no kernel calls, no allocation), built for the
 * guest (inside the DDK) and for the host (tests/unit/ddk).
 *
 * A DMA domain's addresses are the driver's to place: ddk_dma_alloc asks this allocator for a
 * page-aligned range below the device's DMA mask and maps the buffer there. Ranges are kept
 * sorted; allocation is first fit from the base; every range is followed by one unmapped
 * guard page (a device overrunning a buffer faults in the IOMMU instead of reaching the next
 * one). IOVA 0 and the first page stay unused, so a zero address in a register never
 * names a buffer.
 *
 * Invariants: ranges sorted, disjoint with a guard page between them, each inside
 * [DDK_IOVA_BASE, limit), each start and length page aligned; at most DDK_IOVA_RANGES.
 */
#ifndef DDK_IOVA_H
#define DDK_IOVA_H

#include <stddef.h>
#include <stdint.h>

#define DDK_IOVA_PAGE 4096ull
#define DDK_IOVA_BASE 0x10000ull
#define DDK_IOVA_RANGES 64u

struct ddk_iova_range {
    uint64_t start, len;
};

struct ddk_iova {
    uint64_t limit; /* exclusive end of the space (the IOMMU's or the device's) */
    size_t n;
    struct ddk_iova_range r[DDK_IOVA_RANGES];
};

/* An empty space ending at limit (page aligned down; VK_IOVA_LIMIT in the DDK). */
void ddk_iova_init(struct ddk_iova *a, uint64_t limit);
/* A range of size bytes (rounded up to pages) ending at or below mask + 1 (mask 0: no limit
 * but the space's): 0 and *iova, -VK_EINVAL for size 0 or a size that cannot fit, -VK_ENOMEM
 * when no gap is big enough or the table is full. */
int ddk_iova_alloc(struct ddk_iova *a, uint64_t size, uint64_t mask, uint64_t *iova);
/* Free the range starting at iova: 0, or -VK_ENOENT when no range starts there. */
int ddk_iova_free(struct ddk_iova *a, uint64_t iova);
/* 0 when the invariants hold, else -VK_EINVAL. */
int ddk_iova_check(const struct ddk_iova *a);

#endif
