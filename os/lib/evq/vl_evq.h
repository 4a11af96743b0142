/*
 * vl_evq: the discrete-event queue that drives virtual time (freestanding: the kernel compiles
 * it into itself for its timers; it allocates only through the functions given to
 * vl_evq_init).
 *
 * A binary min-heap of intrusive timers ordered by (time, seq), where seq is a per-queue
 * counter stamped at every vl_evq_add. Events due at the same virtual time therefore fire in
 * the order they were (re)armed, never in an order that depends on host pointers, allocation
 * addresses or heap shape: the pop order is a pure function of the add/cancel/pop calls.
 *
 * The caller owns every struct vl_timer (embedded in a device model, a thread, a kernel
 * object) and must keep it alive while it is armed. The queue only stores pointers; it never
 * calls fn itself: the machine loop pops a timer, advances the clock and calls fn(ctx, t).
 *
 * Invariants: t->armed != 0 exactly when t is in some queue's heap, and then
 * q->heap[t->heap_index] == t. A timer belongs to at most one queue at a time.
 * Costs: add/cancel/pop O(log n), peek O(1); add allocates only when the heap must grow.
 * Bound: at most VL_EVQ_MAX timers are armed at once (vl_evq_add fails with -VK_ENOMEM
 * beyond), so guests that arm timers (every blocking call with a deadline) cannot grow it
 * without limit; the kernel's thread quota keeps it far below that.
 */
#ifndef VL_EVQ_H
#define VL_EVQ_H

#include <stddef.h>
#include <stdint.h>

#define VL_EVQ_MAX (1u << 16)

struct vl_timer;

typedef void (*vl_timer_fn)(void *ctx, struct vl_timer *t);

struct vl_timer {
    uint64_t time;       /* virtual ns when due; valid while armed */
    uint64_t seq;        /* tie-breaker stamped by vl_evq_add */
    uint32_t heap_index; /* position in the heap while armed */
    uint32_t armed;      /* nonzero while queued */
    vl_timer_fn fn;      /* called by the machine loop after pop */
    void *ctx;
};

/* The heap's memory: realloc and free with the C library's meaning (libc's own fit; a
 * kernel passes its platform's). */
typedef void *(*vl_evq_realloc_fn)(void *ptr, size_t size);
typedef void (*vl_evq_free_fn)(void *ptr);

struct vl_evq {
    struct vl_timer **heap;
    vl_evq_realloc_fn realloc_fn;
    vl_evq_free_fn free_fn;
    uint32_t count, cap;
    uint64_t next_seq;
};

/* Prepares an unarmed timer. A zero-initialised timer is also a valid unarmed timer. */
static inline void vl_timer_init(struct vl_timer *t, vl_timer_fn fn, void *ctx)
{
    t->time = 0;
    t->seq = 0;
    t->heap_index = 0;
    t->armed = 0;
    t->fn = fn;
    t->ctx = ctx;
}

/* 0 or -VK_ENOMEM. The heap grows with realloc_fn and is released with free_fn. */
int vl_evq_init(struct vl_evq *q, vl_evq_realloc_fn realloc_fn, vl_evq_free_fn free_fn);

/* Frees the heap and disarms every timer still queued (they stay owned by their callers). */
void vl_evq_fini(struct vl_evq *q);

/* Arms t to fire at time (absolute virtual ns). Re-adding an armed timer moves it and gives
 * it a fresh seq, as if it had been cancelled and added. 0 or -VK_ENOMEM (VL_EVQ_MAX timers
 * are armed, or no host memory; t then unchanged: an armed timer never needs memory to move,
 * so only an unarmed one can fail). */
int vl_evq_add(struct vl_evq *q, struct vl_timer *t, uint64_t time);

/* Removes t. A no-op when t is not armed. O(log n). */
void vl_evq_cancel(struct vl_evq *q, struct vl_timer *t);

/* The earliest timer without removing it, or NULL when empty. */
struct vl_timer *vl_evq_peek(const struct vl_evq *q);

/* Removes and returns the earliest timer (disarmed), or NULL when empty. */
struct vl_timer *vl_evq_pop(struct vl_evq *q);

#endif
