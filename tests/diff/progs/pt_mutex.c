/*
 * pt_mutex: mutual exclusion with a non-atomic counter (read, yield, write back under the
 * lock: any overlap loses an increment), then the mutex types' error cases: recursive
 * depth, errorcheck EDEADLK/EPERM, trylock EBUSY, timedlock ETIMEDOUT and EINVAL.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "check.h"

#define THREADS 4
#define ITERS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static int inside;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        CHECK_RC(pthread_mutex_lock(&lock), 0);
        CHECK(++inside == 1);
        long v = counter;
        sched_yield();
        counter = v + 1;
        inside--;
        CHECK_RC(pthread_mutex_unlock(&lock), 0);
        if (i % 7 == 0)
            sched_yield();
    }
    return NULL;
}

static pthread_mutex_t held, ec;

static void *try_other(void *arg)
{
    pthread_mutex_t *m = arg;
    struct timespec ts;

    CHECK_RC(pthread_mutex_trylock(m), EBUSY);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    CHECK_RC(pthread_mutex_timedlock(m, &ts), ETIMEDOUT);
    ts.tv_sec = 0; /* long past: still a timeout, not an error */
    ts.tv_nsec = 0;
    CHECK_RC(pthread_mutex_timedlock(m, &ts), ETIMEDOUT);
    ts.tv_nsec = 1000000000;
    CHECK_RC(pthread_mutex_timedlock(m, &ts), EINVAL);
    if (m == &ec) /* an errorcheck mutex refuses an unlock by a thread not holding it */
        CHECK_RC(pthread_mutex_unlock(m), EPERM);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_mutexattr_t a;
    pthread_mutex_t rec;
    int type;

    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_join(t[i], NULL), 0);
    printf("counter %ld (want %d)\n", counter, THREADS * ITERS);
    CHECK(counter == THREADS * ITERS);

    CHECK_RC(pthread_mutexattr_init(&a), 0);
    CHECK_RC(pthread_mutexattr_settype(&a, 99), EINVAL);
    CHECK_RC(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
    CHECK_RC(pthread_mutexattr_gettype(&a, &type), 0);
    CHECK(type == PTHREAD_MUTEX_RECURSIVE);
    CHECK_RC(pthread_mutex_init(&rec, &a), 0);
    CHECK_RC(pthread_mutex_lock(&rec), 0);
    CHECK_RC(pthread_mutex_lock(&rec), 0);
    CHECK_RC(pthread_mutex_trylock(&rec), 0);
    CHECK_RC(pthread_mutex_unlock(&rec), 0);
    CHECK_RC(pthread_mutex_unlock(&rec), 0);
    CHECK_RC(pthread_mutex_unlock(&rec), 0);
    CHECK_RC(pthread_mutex_unlock(&rec), EPERM);
    CHECK_RC(pthread_mutex_destroy(&rec), 0);

    CHECK_RC(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0);
    CHECK_RC(pthread_mutex_init(&ec, &a), 0);
    CHECK_RC(pthread_mutex_unlock(&ec), EPERM);
    CHECK_RC(pthread_mutex_lock(&ec), 0);
    CHECK_RC(pthread_mutex_lock(&ec), EDEADLK);
    CHECK_RC(pthread_mutex_trylock(&ec), EBUSY);
    /* another thread may neither take nor unlock it */
    pthread_t o;
    CHECK_RC(pthread_create(&o, NULL, try_other, &ec), 0);
    CHECK_RC(pthread_join(o, NULL), 0);
    CHECK_RC(pthread_mutex_unlock(&ec), 0);
    CHECK_RC(pthread_mutex_unlock(&ec), EPERM);
    CHECK_RC(pthread_mutex_destroy(&ec), 0);
    CHECK_RC(pthread_mutexattr_destroy(&a), 0);

    /* a normal mutex held here: trylock and timedlock elsewhere fail */
    CHECK_RC(pthread_mutex_init(&held, NULL), 0);
    CHECK_RC(pthread_mutex_lock(&held), 0);
    CHECK_RC(pthread_create(&o, NULL, try_other, &held), 0);
    CHECK_RC(pthread_join(o, NULL), 0);
    return done("pt_mutex");
}
