/*
 * evq: binary min-heap of intrusive timers keyed by (time, seq). See vl_evq.h for the contract.
 * Never compares pointers; never calls timer callbacks; allocates only to grow the heap, and
 * only through the functions its owner gave vl_evq_init (freestanding: no libc here).
 */
#include "vl_evq.h"

#include "veridian/errors.h"

/* Our own invariants (never input): a broken heap stops the program where it broke. */
#define evq_assert(c)                                                                              \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define EVQ_INITIAL_CAP 64u

static inline int timer_before(const struct vl_timer *a, const struct vl_timer *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void heap_place(struct vl_evq *q, uint32_t i, struct vl_timer *t)
{
    q->heap[i] = t;
    t->heap_index = i;
}

/* Moves t up from hole i until its parent is earlier; returns its final index. */
static uint32_t sift_up(struct vl_evq *q, uint32_t i, struct vl_timer *t)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!timer_before(t, q->heap[parent]))
            break;
        heap_place(q, i, q->heap[parent]);
        i = parent;
    }
    heap_place(q, i, t);
    return i;
}

/* Moves t down from hole i until both children are later. */
static void sift_down(struct vl_evq *q, uint32_t i, struct vl_timer *t)
{
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= q->count)
            break;
        if (child + 1 < q->count && timer_before(q->heap[child + 1], q->heap[child]))
            child++;
        if (!timer_before(q->heap[child], t))
            break;
        heap_place(q, i, q->heap[child]);
        i = child;
    }
    heap_place(q, i, t);
}

/* Puts t (already in the heap at index i, with a changed key) back in order. */
static void heap_fix(struct vl_evq *q, uint32_t i, struct vl_timer *t)
{
    if (sift_up(q, i, t) == i)
        sift_down(q, i, t);
}

static int evq_grow(struct vl_evq *q)
{
    uint32_t ncap;
    struct vl_timer **nheap;

    if (q->cap >= VL_EVQ_MAX)
        return -VK_ENOMEM;
    ncap = q->cap ? q->cap * 2 : EVQ_INITIAL_CAP;
    nheap = q->realloc_fn(q->heap, (size_t)ncap * sizeof(*nheap));
    if (!nheap)
        return -VK_ENOMEM;
    q->heap = nheap;
    q->cap = ncap;
    return 0;
}

int vl_evq_init(struct vl_evq *q, vl_evq_realloc_fn realloc_fn, vl_evq_free_fn free_fn)
{
    q->realloc_fn = realloc_fn;
    q->free_fn = free_fn;
    q->heap = NULL;
    q->count = 0;
    q->cap = 0;
    q->next_seq = 0;
    return evq_grow(q);
}

void vl_evq_fini(struct vl_evq *q)
{
    for (uint32_t i = 0; i < q->count; i++)
        q->heap[i]->armed = 0;
    q->free_fn(q->heap);
    q->heap = NULL;
    q->count = 0;
    q->cap = 0;
}

int vl_evq_add(struct vl_evq *q, struct vl_timer *t, uint64_t time)
{
    if (t->armed) {
        evq_assert(t->heap_index < q->count && q->heap[t->heap_index] == t);
        t->time = time;
        t->seq = q->next_seq++;
        heap_fix(q, t->heap_index, t);
        return 0;
    }
    if (q->count == q->cap) {
        int err = evq_grow(q);
        if (err)
            return err;
    }
    t->time = time;
    t->seq = q->next_seq++;
    t->armed = 1;
    sift_up(q, q->count++, t);
    return 0;
}

void vl_evq_cancel(struct vl_evq *q, struct vl_timer *t)
{
    uint32_t i = t->heap_index;
    struct vl_timer *last;

    if (!t->armed)
        return;
    evq_assert(i < q->count && q->heap[i] == t);
    t->armed = 0;
    last = q->heap[--q->count];
    if (last != t)
        heap_fix(q, i, last);
}

struct vl_timer *vl_evq_peek(const struct vl_evq *q)
{
    return q->count ? q->heap[0] : NULL;
}

struct vl_timer *vl_evq_pop(struct vl_evq *q)
{
    struct vl_timer *t;

    if (q->count == 0)
        return NULL;
    t = q->heap[0];
    vl_evq_cancel(q, t);
    return t;
}
