/*
 * POSIX threads on Veridian's kernel threads and futexes (src/pthread*.c).
 *
 * A pthread_t points at the thread's block: its control block (errno, TSD), its result and
 * the kernel handle. Stacks come from malloc (default PTHREAD_STACK_DEFAULT, no guard page)
 * and are freed when the thread is joined or, for a detached thread, by the next thread that
 * creates, joins or detaches after the kernel reports it gone.
 *
 * Every blocking primitive waits in VK_NR_FUTEX_WAIT; timed waits take absolute times on
 * CLOCK_REALTIME (the fixed epoch of <time.h> plus virtual time) or CLOCK_MONOTONIC
 * (virtual time), turned into the kernel's absolute virtual-time deadlines.
 *
 * Left out: cancellation (pthread_cancel, cancellation points and cleanup handlers),
 * process-shared objects (PTHREAD_PROCESS_SHARED is refused with ENOTSUP), robust and
 * priority-inheritance mutexes, scheduling policies, and named semaphores (<semaphore.h>).
 * rwlocks prefer writers: once a writer waits, new readers wait behind it.
 */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <stddef.h>
#include <stdint.h>

#include <bits/timespec.h>
#include <bits/types.h>
#include <sched.h>
#include <time.h>

typedef struct __pthread *pthread_t;

typedef struct {
    size_t stacksize;
    int detachstate;
    int initialized;
} pthread_attr_t;

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_STACK_MIN 16384
#define PTHREAD_STACK_DEFAULT (128 * 1024)
#define PTHREAD_KEYS_MAX 128
#define PTHREAD_DESTRUCTOR_ITERATIONS 4
#define PTHREAD_THREADS_MAX 1023

#define PTHREAD_PROCESS_PRIVATE 0
#define PTHREAD_PROCESS_SHARED 1

/* Mutexes: state 0 free, 1 held, 2 held and maybe waited for (Drepper's futex mutex). */
#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT PTHREAD_MUTEX_NORMAL

typedef struct {
    uint32_t state;
    int type;
    pthread_t owner;
    unsigned count; /* recursive: times locked by owner */
} pthread_mutex_t;
typedef struct {
    int type;
    int pshared;
} pthread_mutexattr_t;
#define PTHREAD_MUTEX_INITIALIZER                                                                  \
    {                                                                                              \
        0, PTHREAD_MUTEX_NORMAL, 0, 0                                                              \
    }
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP                                                     \
    {                                                                                              \
        0, PTHREAD_MUTEX_RECURSIVE, 0, 0                                                           \
    }
#define PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP                                                    \
    {                                                                                              \
        0, PTHREAD_MUTEX_ERRORCHECK, 0, 0                                                          \
    }

/* Condition variables: a sequence word that every signal and broadcast bumps. */
typedef struct {
    uint32_t seq;
    int clock; /* of timedwait's absolute time */
} pthread_cond_t;
typedef struct {
    int clock;
    int pshared;
} pthread_condattr_t;
#define PTHREAD_COND_INITIALIZER                                                                   \
    {                                                                                              \
        0, CLOCK_REALTIME                                                                          \
    }

/* rwlocks: a mutex over the counts, readers and writers wait on their own sequence words. */
typedef struct {
    pthread_mutex_t lock;
    uint32_t rseq, wseq;
    int readers; /* holding read locks */
    int writer;  /* 1 when write-locked */
    int wwait;   /* writers waiting */
    int rwait;   /* readers waiting */
} pthread_rwlock_t;
typedef struct {
    int pshared;
} pthread_rwlockattr_t;
#define PTHREAD_RWLOCK_INITIALIZER                                                                 \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, 0                                                \
    }

typedef struct {
    uint32_t state; /* 0 not run, 1 running, 2 done; 3 running and waited for */
} pthread_once_t;
#define PTHREAD_ONCE_INIT                                                                          \
    {                                                                                              \
        0                                                                                          \
    }

typedef unsigned pthread_key_t;

typedef struct {
    pthread_mutex_t lock;
    uint32_t seq; /* bumped when a round completes */
    unsigned count, waiting;
} pthread_barrier_t;
typedef struct {
    int pshared;
} pthread_barrierattr_t;
#define PTHREAD_BARRIER_SERIAL_THREAD (-1)

/* Spinlocks spin with sched_yield (threads switch only in kernel calls). */
typedef volatile int pthread_spinlock_t;

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int pthread_join(pthread_t thread, void **result);
int pthread_detach(pthread_t thread);
_Noreturn void pthread_exit(void *result);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);

int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type);
int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared);
int pthread_mutexattr_getpshared(const pthread_mutexattr_t *attr, int *pshared);
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime);
int pthread_mutex_unlock(pthread_mutex_t *m);

int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);
int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clk);
int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clk);
int pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared);
int pthread_condattr_getpshared(const pthread_condattr_t *attr, int *pshared);
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime);

int pthread_rwlockattr_init(pthread_rwlockattr_t *attr);
int pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr);
int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *attr);
int pthread_rwlock_destroy(pthread_rwlock_t *rw);
int pthread_rwlock_rdlock(pthread_rwlock_t *rw);
int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw);
int pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *abstime);
int pthread_rwlock_wrlock(pthread_rwlock_t *rw);
int pthread_rwlock_trywrlock(pthread_rwlock_t *rw);
int pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *abstime);
int pthread_rwlock_unlock(pthread_rwlock_t *rw);

int pthread_once(pthread_once_t *once, void (*fn)(void));

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

int pthread_barrierattr_init(pthread_barrierattr_t *attr);
int pthread_barrierattr_destroy(pthread_barrierattr_t *attr);
int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count);
int pthread_barrier_destroy(pthread_barrier_t *b);
int pthread_barrier_wait(pthread_barrier_t *b);

int pthread_spin_init(pthread_spinlock_t *s, int pshared);
int pthread_spin_destroy(pthread_spinlock_t *s);
int pthread_spin_lock(pthread_spinlock_t *s);
int pthread_spin_trylock(pthread_spinlock_t *s);
int pthread_spin_unlock(pthread_spinlock_t *s);

#endif
