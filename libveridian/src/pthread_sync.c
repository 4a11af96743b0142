/*
 * pthreads' synchronization objects, all on futex words: mutexes (normal, recursive,
 * errorcheck), condition variables, rwlocks, barriers and spinlocks.
 *
 * Mutex: Drepper's futex mutex (state 0 free, 1 held, 2 held and maybe waited for), as
 * vr_lock; recursive and errorcheck mutexes also record their owner.
 * Condition variable: a sequence word. A waiter reads it while it holds the mutex, unlocks,
 * and sleeps only if the word has not moved; signal and broadcast bump it before waking one
 * or all. No wake-up is lost: a signal after the read changes the word (the wait returns at
 * once), and the kernel wakes futex waiters in the order they started waiting, so a thread
 * that starts waiting after a signal cannot take the wake-up meant for one already asleep.
 * A woken waiter relocks the mutex marked contended (2), so its unlock wakes the next.
 * rwlock: counts under an internal mutex; readers and writers sleep on their own sequence
 * words. Writers are preferred: while a writer holds or waits, new readers wait (so a
 * thread that read-locks twice while a writer waits deadlocks, as POSIX allows).
 * Barrier: a count and a round sequence word under an internal mutex.
 * Spinlock: an exchange loop that yields between tries (threads switch only in kernel calls
 * here, so spinning without one would never let the holder run).
 * Absolute timeouts become the kernel's deadlines through vr_abs_deadline (time.c).
 */
#include "libc.h"

#include <pthread.h>
#include <sched.h>

/* ---- mutexes ---- */

static void lock_word(uint32_t *w)
{
    if (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE) == 0)
        return;
    while (__atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE) != 0)
        vk_futex_wait(w, 2, VK_DEADLINE_NEVER);
}

/* lock_word with a deadline: 0, or ETIMEDOUT. */
static int lock_word_until(uint32_t *w, uint64_t deadline)
{
    if (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE) == 0)
        return 0;
    while (__atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE) != 0)
        if (vk_futex_wait(w, 2, deadline) == -VK_ETIMEDOUT)
            return ETIMEDOUT;
    return 0;
}

static void unlock_word(uint32_t *w)
{
    if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2)
        vk_futex_wake(w, 1);
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
    attr->type = PTHREAD_MUTEX_DEFAULT;
    attr->pshared = PTHREAD_PROCESS_PRIVATE;
    return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
    if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_RECURSIVE &&
        type != PTHREAD_MUTEX_ERRORCHECK)
        return EINVAL;
    attr->type = type;
    return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
    *type = attr->type;
    return 0;
}

static int check_pshared(int pshared)
{
    if (pshared == PTHREAD_PROCESS_PRIVATE)
        return 0;
    return pshared == PTHREAD_PROCESS_SHARED ? ENOTSUP : EINVAL;
}

int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared)
{
    int rc = check_pshared(pshared);

    if (!rc)
        attr->pshared = pshared;
    return rc;
}

int pthread_mutexattr_getpshared(const pthread_mutexattr_t *attr, int *pshared)
{
    *pshared = attr->pshared;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    m->state = 0;
    m->type = attr ? attr->type : PTHREAD_MUTEX_DEFAULT;
    m->owner = NULL;
    m->count = 0;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    return __atomic_load_n(&m->state, __ATOMIC_RELAXED) ? EBUSY : 0;
}

/* For recursive and errorcheck mutexes: what locking when the caller already holds it
 * gives (-1: go on and take it). */
static int relock_by_owner(pthread_mutex_t *m, pthread_t self)
{
    if (m->type == PTHREAD_MUTEX_NORMAL || m->owner != self)
        return -1;
    if (m->type == PTHREAD_MUTEX_ERRORCHECK)
        return EDEADLK;
    if (m->count == UINT32_MAX)
        return EAGAIN;
    m->count++;
    return 0;
}

static void took(pthread_mutex_t *m, pthread_t self)
{
    if (m->type != PTHREAD_MUTEX_NORMAL) {
        m->owner = self;
        m->count = 1;
    }
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    pthread_t self = NULL;

    if (m->type != PTHREAD_MUTEX_NORMAL) {
        int rc = relock_by_owner(m, self = pthread_self());
        if (rc >= 0)
            return rc;
    }
    lock_word(&m->state);
    took(m, self);
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    pthread_t self = NULL;
    uint32_t expected = 0;

    if (m->type != PTHREAD_MUTEX_NORMAL) {
        self = pthread_self();
        if (m->owner == self)
            return m->type == PTHREAD_MUTEX_RECURSIVE ? relock_by_owner(m, self) : EBUSY;
    }
    if (!__atomic_compare_exchange_n(&m->state, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return EBUSY;
    took(m, self);
    return 0;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
    pthread_t self = NULL;
    uint32_t expected = 0;
    uint64_t deadline;
    int rc;

    if (m->type != PTHREAD_MUTEX_NORMAL) {
        rc = relock_by_owner(m, self = pthread_self());
        if (rc >= 0)
            return rc;
    }
    if (__atomic_compare_exchange_n(&m->state, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
        took(m, self);
        return 0;
    }
    if (vr_abs_deadline(CLOCK_REALTIME, abstime, &deadline) < 0)
        return EINVAL;
    if ((rc = lock_word_until(&m->state, deadline)))
        return rc;
    took(m, self);
    return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (m->type != PTHREAD_MUTEX_NORMAL) {
        if (m->owner != pthread_self() || !m->count)
            return EPERM;
        if (--m->count)
            return 0;
        m->owner = NULL;
    }
    unlock_word(&m->state);
    return 0;
}

/* ---- condition variables ---- */

int pthread_condattr_init(pthread_condattr_t *attr)
{
    attr->clock = CLOCK_REALTIME;
    attr->pshared = PTHREAD_PROCESS_PRIVATE;
    return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clk)
{
    if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC)
        return EINVAL;
    attr->clock = clk;
    return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clk)
{
    *clk = attr->clock;
    return 0;
}

int pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared)
{
    int rc = check_pshared(pshared);

    if (!rc)
        attr->pshared = pshared;
    return rc;
}

int pthread_condattr_getpshared(const pthread_condattr_t *attr, int *pshared)
{
    *pshared = attr->pshared;
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    c->seq = 0;
    c->clock = attr ? attr->clock : CLOCK_REALTIME;
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    (void)c;
    return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
    __atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
    vk_futex_wake(&c->seq, 1);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    __atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
    vk_futex_wake(&c->seq, UINT32_MAX);
    return 0;
}

static int cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
    uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
    pthread_t owner = m->owner;
    unsigned count = m->count;
    long rc;

    if (m->type != PTHREAD_MUTEX_NORMAL) {
        if (owner != pthread_self() || !count)
            return EPERM;
        m->owner = NULL;
        m->count = 0;
    }
    unlock_word(&m->state);
    rc = vk_futex_wait(&c->seq, seq, deadline);
    /* relock marked contended: other woken waiters may be queued behind us */
    while (__atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE) != 0)
        vk_futex_wait(&m->state, 2, VK_DEADLINE_NEVER);
    if (m->type != PTHREAD_MUTEX_NORMAL) {
        m->owner = owner;
        m->count = count;
    }
    return rc == -VK_ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return cond_wait_until(c, m, VK_DEADLINE_NEVER);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    uint64_t deadline;

    if (vr_abs_deadline(c->clock, abstime, &deadline) < 0)
        return EINVAL;
    return cond_wait_until(c, m, deadline);
}

/* ---- rwlocks ---- */

int pthread_rwlockattr_init(pthread_rwlockattr_t *attr)
{
    attr->pshared = PTHREAD_PROCESS_PRIVATE;
    return 0;
}

int pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *attr)
{
    (void)attr;
    *rw = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
    return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
    return rw->readers || rw->writer ? EBUSY : 0;
}

/* Sleep on *seq (read while the internal lock is held) with the lock released; relocks.
 * ETIMEDOUT or 0. */
static int rw_sleep(pthread_rwlock_t *rw, uint32_t *seq, uint64_t deadline)
{
    uint32_t v = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
    long rc;

    unlock_word(&rw->lock.state);
    rc = vk_futex_wait(seq, v, deadline);
    lock_word(&rw->lock.state);
    return rc == -VK_ETIMEDOUT ? ETIMEDOUT : 0;
}

static void rw_wake(uint32_t *seq, uint32_t n)
{
    __atomic_add_fetch(seq, 1, __ATOMIC_RELEASE);
    vk_futex_wake(seq, n);
}

/* After the lock became free or a waiter left: wake whoever may now proceed. */
static void rw_hand_over(pthread_rwlock_t *rw)
{
    if (rw->writer)
        return;
    if (rw->wwait) {
        if (!rw->readers)
            rw_wake(&rw->wseq, 1);
    } else if (rw->rwait) {
        rw_wake(&rw->rseq, UINT32_MAX);
    }
}

static int rdlock_until(pthread_rwlock_t *rw, uint64_t deadline, int try)
{
    int rc = 0;

    lock_word(&rw->lock.state);
    while (rw->writer || rw->wwait) {
        if (try) {
            rc = EBUSY;
            break;
        }
        rw->rwait++;
        rc = rw_sleep(rw, &rw->rseq, deadline);
        rw->rwait--;
        if (rc && (rw->writer || rw->wwait))
            break;
        rc = 0;
    }
    if (!rc)
        rw->readers++;
    unlock_word(&rw->lock.state);
    return rc;
}

static int wrlock_until(pthread_rwlock_t *rw, uint64_t deadline, int try)
{
    int rc = 0;

    lock_word(&rw->lock.state);
    while (rw->writer || rw->readers) {
        if (try) {
            rc = EBUSY;
            break;
        }
        rw->wwait++;
        rc = rw_sleep(rw, &rw->wseq, deadline);
        rw->wwait--;
        if (rc && (rw->writer || rw->readers)) {
            rw_hand_over(rw); /* a wake-up we may have taken, or readers held back for us */
            break;
        }
        rc = 0;
    }
    if (!rc)
        rw->writer = 1;
    unlock_word(&rw->lock.state);
    return rc;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
    return rdlock_until(rw, VK_DEADLINE_NEVER, 0);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
    return rdlock_until(rw, VK_DEADLINE_NEVER, 1);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
    uint64_t deadline;

    if (vr_abs_deadline(CLOCK_REALTIME, abstime, &deadline) < 0)
        return EINVAL;
    return rdlock_until(rw, deadline, 0);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
    return wrlock_until(rw, VK_DEADLINE_NEVER, 0);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
    return wrlock_until(rw, VK_DEADLINE_NEVER, 1);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *abstime)
{
    uint64_t deadline;

    if (vr_abs_deadline(CLOCK_REALTIME, abstime, &deadline) < 0)
        return EINVAL;
    return wrlock_until(rw, deadline, 0);
}

int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
    int rc = 0;

    lock_word(&rw->lock.state);
    if (rw->writer)
        rw->writer = 0;
    else if (rw->readers)
        rw->readers--;
    else
        rc = EPERM;
    if (!rc && !rw->readers)
        rw_hand_over(rw);
    unlock_word(&rw->lock.state);
    return rc;
}

/* ---- barriers ---- */

int pthread_barrierattr_init(pthread_barrierattr_t *attr)
{
    attr->pshared = PTHREAD_PROCESS_PRIVATE;
    return 0;
}

int pthread_barrierattr_destroy(pthread_barrierattr_t *attr)
{
    (void)attr;
    return 0;
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
    (void)attr;
    if (count == 0)
        return EINVAL;
    b->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    b->seq = 0;
    b->count = count;
    b->waiting = 0;
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
    return b->waiting ? EBUSY : 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    uint32_t seq;

    lock_word(&b->lock.state);
    if (++b->waiting == b->count) {
        b->waiting = 0;
        __atomic_add_fetch(&b->seq, 1, __ATOMIC_RELEASE);
        vk_futex_wake(&b->seq, UINT32_MAX);
        unlock_word(&b->lock.state);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    seq = b->seq;
    unlock_word(&b->lock.state);
    while (__atomic_load_n(&b->seq, __ATOMIC_ACQUIRE) == seq)
        vk_futex_wait(&b->seq, seq, VK_DEADLINE_NEVER);
    return 0;
}

/* ---- spinlocks ---- */

int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
    int rc = check_pshared(pshared);

    if (!rc)
        *s = 0;
    return rc;
}

int pthread_spin_destroy(pthread_spinlock_t *s)
{
    (void)s;
    return 0;
}

int pthread_spin_lock(pthread_spinlock_t *s)
{
    while (__atomic_exchange_n(s, 1, __ATOMIC_ACQUIRE))
        sched_yield();
    return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *s)
{
    return __atomic_exchange_n(s, 1, __ATOMIC_ACQUIRE) ? EBUSY : 0;
}

int pthread_spin_unlock(pthread_spinlock_t *s)
{
    __atomic_store_n(s, 0, __ATOMIC_RELEASE);
    return 0;
}
