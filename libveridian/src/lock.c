/*
 * vr_lock: a small mutex for libveridian's own state (the heap, the fd table, stdio).
 * Drepper's futex mutex with an exchange fast path: taking a free lock is one atomic
 * exchange; a contended acquirer marks the lock 2 ("waiters may sleep") and sleeps in
 * VK_NR_FUTEX_WAIT; releasing a lock that was marked 2 wakes one sleeper. Not recursive.
 * Threads switch only inside kernel calls in vrsim, but a holder may block in one (the
 * heap's page source), so waiting must sleep, never spin.
 */
#include "libc.h"

void vr_lock_acquire(struct vr_lock *l)
{
    if (__atomic_exchange_n(&l->state, 1, __ATOMIC_ACQUIRE) == 0)
        return;
    /* Whoever gets the lock on this path leaves it marked 2, so no wake-up is lost. */
    while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
        vk_futex_wait(&l->state, 2, VK_DEADLINE_NEVER);
}

int vr_lock_try(struct vr_lock *l)
{
    uint32_t expected = 0;

    return __atomic_compare_exchange_n(&l->state, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

void vr_lock_release(struct vr_lock *l)
{
    if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
        vk_futex_wake(&l->state, 1);
}
