/*
 * pt_rwlock: readers never overlap a writer and writers never overlap anything (counters
 * checked inside the critical sections, with yields there so preemption lands inside);
 * try-locks and timed locks fail while the other side holds the lock; unlocking an unheld
 * lock is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "check.h"

#define READERS 4
#define WRITERS 2
#define ITERS 100

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers_in, writers_in, max_readers;
static long data[2]; /* a writer keeps both equal */
static long reads, writes;
static pthread_mutex_t stat_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        CHECK_RC(pthread_rwlock_rdlock(&rw), 0);
        int n = __atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
        CHECK(__atomic_load_n(&writers_in, __ATOMIC_SEQ_CST) == 0);
        long a = data[0];
        sched_yield();
        CHECK(data[1] == a);
        pthread_mutex_lock(&stat_lock);
        if (n > max_readers)
            max_readers = n;
        reads++;
        pthread_mutex_unlock(&stat_lock);
        __atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
        CHECK_RC(pthread_rwlock_unlock(&rw), 0);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        CHECK_RC(pthread_rwlock_wrlock(&rw), 0);
        CHECK(__atomic_add_fetch(&writers_in, 1, __ATOMIC_SEQ_CST) == 1);
        CHECK(__atomic_load_n(&readers_in, __ATOMIC_SEQ_CST) == 0);
        data[0]++;
        sched_yield();
        data[1]++;
        writes++;
        __atomic_sub_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
        CHECK_RC(pthread_rwlock_unlock(&rw), 0);
        sched_yield();
    }
    return NULL;
}

static void *try_side(void *arg)
{
    int held_for_write = (int)(long)arg;
    struct timespec ts;

    CHECK_RC(pthread_rwlock_trywrlock(&rw), EBUSY);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 10 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    CHECK_RC(pthread_rwlock_timedwrlock(&rw, &ts), ETIMEDOUT);
    if (held_for_write) {
        CHECK_RC(pthread_rwlock_tryrdlock(&rw), EBUSY);
        CHECK_RC(pthread_rwlock_timedrdlock(&rw, &ts), ETIMEDOUT);
    } else {
        CHECK_RC(pthread_rwlock_tryrdlock(&rw), 0); /* readers share */
        CHECK_RC(pthread_rwlock_unlock(&rw), 0);
    }
    return NULL;
}

int main(void)
{
    pthread_t r[READERS], w[WRITERS], t;

    for (int i = 0; i < READERS; i++)
        CHECK_RC(pthread_create(&r[i], NULL, reader, NULL), 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK_RC(pthread_create(&w[i], NULL, writer, NULL), 0);
    for (int i = 0; i < READERS; i++)
        CHECK_RC(pthread_join(r[i], NULL), 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK_RC(pthread_join(w[i], NULL), 0);
    printf("reads %ld writes %ld data %ld %ld\n", reads, writes, data[0], data[1]);
    CHECK(reads == READERS * ITERS && writes == WRITERS * ITERS);
    CHECK(data[0] == WRITERS * ITERS && data[1] == data[0]);

    CHECK_RC(pthread_rwlock_wrlock(&rw), 0);
    CHECK_RC(pthread_create(&t, NULL, try_side, (void *)1L), 0);
    CHECK_RC(pthread_join(t, NULL), 0);
    CHECK_RC(pthread_rwlock_unlock(&rw), 0);
    CHECK_RC(pthread_rwlock_rdlock(&rw), 0);
    CHECK_RC(pthread_create(&t, NULL, try_side, (void *)0L), 0);
    CHECK_RC(pthread_join(t, NULL), 0);
    CHECK_RC(pthread_rwlock_unlock(&rw), 0);
    CHECK_RC(pthread_rwlock_destroy(&rw), 0);
    return done("pt_rwlock");
}
