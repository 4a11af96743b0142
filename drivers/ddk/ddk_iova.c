/* ddk_iova: see ddk_iova.h for the contract. */
#include "ddk_iova.h"

#include <string.h>

#include "veridian/errors.h"

void ddk_iova_init(struct ddk_iova *a, uint64_t limit)
{
    memset(a, 0, sizeof *a);
    a->limit = limit & ~(DDK_IOVA_PAGE - 1);
}

int ddk_iova_alloc(struct ddk_iova *a, uint64_t size, uint64_t mask, uint64_t *iova)
{
    if (size == 0 || size > a->limit)
        return -VK_EINVAL;
    uint64_t len = (size + DDK_IOVA_PAGE - 1) & ~(DDK_IOVA_PAGE - 1);
    uint64_t end = a->limit;
    if (mask && mask < end - 1)
        end = (mask + 1) & ~(DDK_IOVA_PAGE - 1);
    if (end < DDK_IOVA_BASE || len > end - DDK_IOVA_BASE)
        return -VK_EINVAL;
    if (a->n == DDK_IOVA_RANGES)
        return -VK_ENOMEM;
    uint64_t at = DDK_IOVA_BASE;
    size_t i = 0;
    for (;; i++) { /* first fit: at is the lowest start after range i - 1 and its guard */
        if (at > end || len > end - at)
            return -VK_ENOMEM;
        if (i == a->n || at + len + DDK_IOVA_PAGE <= a->r[i].start)
            break;
        at = a->r[i].start + a->r[i].len + DDK_IOVA_PAGE;
    }
    memmove(&a->r[i + 1], &a->r[i], (a->n - i) * sizeof a->r[0]);
    a->r[i] = (struct ddk_iova_range){at, len};
    a->n++;
    *iova = at;
    return 0;
}

int ddk_iova_free(struct ddk_iova *a, uint64_t iova)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->r[i].start == iova) {
            memmove(&a->r[i], &a->r[i + 1], (a->n - i - 1) * sizeof a->r[0]);
            a->n--;
            return 0;
        }
    }
    return -VK_ENOENT;
}

int ddk_iova_check(const struct ddk_iova *a)
{
    if (a->n > DDK_IOVA_RANGES)
        return -VK_EINVAL;
    uint64_t next = DDK_IOVA_BASE;
    for (size_t i = 0; i < a->n; i++) {
        const struct ddk_iova_range *r = &a->r[i];
        if ((r->start | r->len) & (DDK_IOVA_PAGE - 1) || r->len == 0 || r->start < next ||
            r->len > a->limit || r->start > a->limit - r->len)
            return -VK_EINVAL;
        next = r->start + r->len + DDK_IOVA_PAGE;
    }
    return 0;
}
