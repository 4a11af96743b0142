/*
 * evq: the discrete-event queue that drives virtual time.
 *
 * A binary min-heap of intrusive timers ordered by (time, seq), where seq is a per-queue
 * counter stamped at every vs_evq_add. Events due at the same virtual time therefore fire in
 * the order they were (re)armed, never in an order that depends on host pointers, allocation
 * addresses or heap shape: the pop order is a pure function of the add/cancel/pop calls.
 *
 * The caller owns every struct vs_timer (embedded in a device model, a thread, a kernel
 * object) and must keep it alive while it is armed. The queue only stores pointers; it never
 * calls fn itself: the machine loop pops a timer, advances the clock and calls fn(ctx, t).
 *
 * Invariants: t->armed != 0 exactly when t is in some queue's heap, and then
 * q->heap[t->heap_index] == t. A timer belongs to at most one queue at a time.
 * Costs: add/cancel/pop O(log n), peek O(1); add allocates only when the heap must grow.
 * Bound: at most VS_EVQ_MAX timers are armed at once (vs_evq_add fails with -VK_ENOMEM
 * beyond), so guests that arm timers (every blocking call with a deadline) cannot grow it
 * without limit; the kernel's thread quota keeps it far below that.
 */
#ifndef VS_EVQ_H
#define VS_EVQ_H

#include <stdint.h>

#define VS_EVQ_MAX (1u << 16)

struct vs_timer;

typedef void (*vs_timer_fn)(void *ctx, struct vs_timer *t);

struct vs_timer {
    uint64_t time;       /* virtual ns when due; valid while armed */
    uint64_t seq;        /* tie-breaker stamped by vs_evq_add */
    uint32_t heap_index; /* position in the heap while armed */
    uint32_t armed;      /* nonzero while queued */
    vs_timer_fn fn;      /* called by the machine loop after pop */
    void *ctx;
};

struct vs_evq {
    struct vs_timer **heap;
    uint32_t count, cap;
    uint64_t next_seq;
};

/* Prepares an unarmed timer. A zero-initialised timer is also a valid unarmed timer. */
static inline void vs_timer_init(struct vs_timer *t, vs_timer_fn fn, void *ctx)
{
    t->time = 0;
    t->seq = 0;
    t->heap_index = 0;
    t->armed = 0;
    t->fn = fn;
    t->ctx = ctx;
}

/* 0 or -VK_ENOMEM. */
int vs_evq_init(struct vs_evq *q);

/* Frees the heap and disarms every timer still queued (they stay owned by their callers). */
void vs_evq_fini(struct vs_evq *q);

/* Arms t to fire at time (absolute virtual ns). Re-adding an armed timer moves it and gives
 * it a fresh seq, as if it had been cancelled and added. 0 or -VK_ENOMEM (VS_EVQ_MAX timers
 * are armed, or no host memory; t then unchanged: an armed timer never needs memory to move,
 * so only an unarmed one can fail). */
int vs_evq_add(struct vs_evq *q, struct vs_timer *t, uint64_t time);

/* Removes t. A no-op when t is not armed. O(log n). */
void vs_evq_cancel(struct vs_evq *q, struct vs_timer *t);

/* The earliest timer without removing it, or NULL when empty. */
struct vs_timer *vs_evq_peek(const struct vs_evq *q);

/* Removes and returns the earliest timer (disarmed), or NULL when empty. */
struct vs_timer *vs_evq_pop(struct vs_evq *q);

#endif
