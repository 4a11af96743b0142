/*
 * qsort, qsort_r and bsearch. qsort is introsort: quicksort with a median-of-three (ninther
 * for large ranges) pivot and Sedgewick's partition, which splits runs of equal keys evenly;
 * insertion sort below 12 elements; heapsort once the depth passes 2*log2(n), so the worst
 * case is O(n log n). The smaller side is recursed into and the larger looped on, so the
 * stack depth is O(log n). Not stable. A comparator that is not a consistent order gives an
 * unspecified permutation but never an access outside the array. Engine file: see core.h.
 */
#include "core.h"

#include <stdint.h>

#define INSERTION_MAX 12

struct sorter {
    char *base;
    size_t size;
    vr_cmp_r_fn cmp;
    void *arg;
};

static char *at(const struct sorter *s, size_t i)
{
    return s->base + i * s->size;
}

static int cmp_at(const struct sorter *s, size_t i, size_t j)
{
    return s->cmp(at(s, i), at(s, j), s->arg);
}

static void swap_bytes(char *a, char *b, size_t size)
{
    for (; size >= 8; size -= 8, a += 8, b += 8) {
        uint64_t x, y;
        __builtin_memcpy(&x, a, 8);
        __builtin_memcpy(&y, b, 8);
        __builtin_memcpy(a, &y, 8);
        __builtin_memcpy(b, &x, 8);
    }
    for (; size; size--, a++, b++) {
        char t = *a;
        *a = *b;
        *b = t;
    }
}

static void swap_at(const struct sorter *s, size_t i, size_t j)
{
    if (i != j)
        swap_bytes(at(s, i), at(s, j), s->size);
}

static void insertion_sort(const struct sorter *s, size_t lo, size_t n)
{
    for (size_t i = lo + 1; i < lo + n; i++)
        for (size_t j = i; j > lo && cmp_at(s, j - 1, j) > 0; j--)
            swap_at(s, j - 1, j);
}

static void sift_down(const struct sorter *s, size_t lo, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && cmp_at(s, lo + child, lo + child + 1) < 0)
            child++;
        if (cmp_at(s, lo + root, lo + child) >= 0)
            return;
        swap_at(s, lo + root, lo + child);
        root = child;
    }
}

static void heap_sort(const struct sorter *s, size_t lo, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(s, lo, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        swap_at(s, lo, lo + end);
        sift_down(s, lo, 0, end);
    }
}

static size_t median3(const struct sorter *s, size_t a, size_t b, size_t c)
{
    if (cmp_at(s, a, b) < 0) {
        if (cmp_at(s, b, c) < 0)
            return b;
        return cmp_at(s, a, c) < 0 ? c : a;
    }
    if (cmp_at(s, a, c) < 0)
        return a;
    return cmp_at(s, b, c) < 0 ? c : b;
}

/* Sort [lo, lo+n); returns after finishing the whole range. */
static void intro_sort(const struct sorter *s, size_t lo, size_t n, unsigned depth)
{
    while (n > INSERTION_MAX) {
        if (depth-- == 0) {
            heap_sort(s, lo, n);
            return;
        }
        size_t mid = lo + n / 2, last = lo + n - 1, m;
        if (n > 64) {
            size_t e = n / 8;
            m = median3(s, median3(s, lo, lo + e, lo + 2 * e), median3(s, mid - e, mid, mid + e),
                        median3(s, last - 2 * e, last - e, last));
        } else {
            m = median3(s, lo, mid, last);
        }
        swap_at(s, lo, m);

        /* Pivot at lo; i and j stop on keys equal to it, which splits duplicates evenly. */
        size_t i = lo, j = lo + n;
        for (;;) {
            do
                i++;
            while (i < lo + n && cmp_at(s, i, lo) < 0);
            do
                j--;
            while (j > lo && cmp_at(s, j, lo) > 0);
            if (i >= j)
                break;
            swap_at(s, i, j);
        }
        swap_at(s, lo, j);
        /* [lo, j) <= pivot == [j] <= (j, lo+n) */
        size_t left = j - lo, right = lo + n - j - 1;
        if (left < right) {
            intro_sort(s, lo, left, depth);
            lo = j + 1;
            n = right;
        } else {
            intro_sort(s, j + 1, right, depth);
            n = left;
        }
    }
    insertion_sort(s, lo, n);
}

void vr_qsort_r(void *base, size_t n, size_t size, vr_cmp_r_fn cmp, void *arg)
{
    struct sorter s = {base, size, cmp, arg};
    unsigned depth = 0;

    if (n < 2 || size == 0)
        return;
    for (size_t k = n; k > 1; k >>= 1)
        depth += 2;
    intro_sort(&s, 0, n, depth);
}

struct plain_cmp {
    vr_cmp_fn cmp;
};

static int call_plain(const void *a, const void *b, void *arg)
{
    return ((const struct plain_cmp *)arg)->cmp(a, b);
}

void vr_qsort(void *base, size_t n, size_t size, vr_cmp_fn cmp)
{
    struct plain_cmp c = {cmp};

    vr_qsort_r(base, n, size, call_plain, &c);
}

void *vr_bsearch(const void *key, const void *base, size_t n, size_t size, vr_cmp_fn cmp)
{
    const char *lo = base;

    while (n > 0) {
        const char *mid = lo + (n / 2) * size;
        int c = cmp(key, mid);
        if (c == 0)
            return (void *)mid;
        if (c > 0) {
            lo = mid + size;
            n -= n / 2 + 1;
        } else {
            n /= 2;
        }
    }
    return NULL;
}

#ifdef VERIDIAN_GUEST
#include <stdlib.h>

VR_ALIAS(vr_qsort, qsort);
VR_ALIAS(vr_qsort_r, qsort_r);
VR_ALIAS(vr_bsearch, bsearch);
#endif
