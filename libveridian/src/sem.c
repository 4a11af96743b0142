/*
 * Unnamed POSIX semaphores on a futex word (the value). sem_wait takes one with a
 * compare-exchange when the value is positive; otherwise it counts itself in `waiters` and
 * sleeps while the value is 0. sem_post adds one and wakes one sleeper when any is counted.
 * A waiter recounts itself around each sleep, so a post never misses a sleeper: the sleeper
 * is counted before it reads 0 for its futex wait, and a post after that read changes the
 * value (the wait returns at once). Process-shared semaphores and named ones are left out.
 */
#include "libc.h"

#include <semaphore.h>
#include <time.h>

int sem_init(sem_t *s, int pshared, unsigned value)
{
    if (value > SEM_VALUE_MAX)
        return (int)vr_posix(-VK_EINVAL);
    if (pshared)
        return (int)vr_posix(-VK_ENOTSUP);
    s->value = value;
    s->waiters = 0;
    return 0;
}

int sem_destroy(sem_t *s)
{
    (void)s;
    return 0;
}

static int try_take(sem_t *s)
{
    uint32_t v = __atomic_load_n(&s->value, __ATOMIC_RELAXED);

    while (v > 0)
        if (__atomic_compare_exchange_n(&s->value, &v, v - 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return 1;
    return 0;
}

static int wait_until(sem_t *s, uint64_t deadline)
{
    while (!try_take(s)) {
        __atomic_add_fetch(&s->waiters, 1, __ATOMIC_ACQ_REL);
        long rc = vk_futex_wait(&s->value, 0, deadline);
        __atomic_sub_fetch(&s->waiters, 1, __ATOMIC_ACQ_REL);
        if ((rc == -VK_ETIMEDOUT || rc == -VK_EINTR) && !try_take(s))
            return (int)vr_posix(rc); /* EINTR: a handler ran (sem_wait never restarts) */
        if (rc == -VK_ETIMEDOUT || rc == -VK_EINTR)
            return 0;
    }
    return 0;
}

int sem_wait(sem_t *s)
{
    return wait_until(s, VK_DEADLINE_NEVER);
}

int sem_trywait(sem_t *s)
{
    return try_take(s) ? 0 : (int)vr_posix(-VK_EAGAIN);
}

int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
    uint64_t deadline;

    if (try_take(s))
        return 0;
    if (vr_abs_deadline(CLOCK_REALTIME, abstime, &deadline) < 0)
        return (int)vr_posix(-VK_EINVAL);
    return wait_until(s, deadline);
}

int sem_post(sem_t *s)
{
    uint32_t v = __atomic_load_n(&s->value, __ATOMIC_RELAXED);

    do {
        if (v >= SEM_VALUE_MAX)
            return (int)vr_posix(-VK_EOVERFLOW);
    } while (
        !__atomic_compare_exchange_n(&s->value, &v, v + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    if (__atomic_load_n(&s->waiters, __ATOMIC_ACQUIRE))
        vk_futex_wake(&s->value, 1);
    return 0;
}

int sem_getvalue(sem_t *s, int *value)
{
    *value = (int)__atomic_load_n(&s->value, __ATOMIC_RELAXED);
    return 0;
}
