/*
 * pt_misc: the rest of pthreads. Barriers (every thread sees all of a round's arrivals,
 * one PTHREAD_BARRIER_SERIAL_THREAD per round), pthread_once (one run among racing
 * threads), thread-specific data (values per thread, destructors at exit, re-set values
 * destroyed again), join return values and pthread_exit, detached threads, self/equal,
 * attributes, spinlocks, and errno per thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "check.h"

#define THREADS 5
#define ROUNDS 20

static pthread_barrier_t bar;
static int arrived[ROUNDS];
static int serial[ROUNDS];

static void *barrier_worker(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        __atomic_add_fetch(&arrived[r], 1, __ATOMIC_SEQ_CST);
        sched_yield();
        int rc = pthread_barrier_wait(&bar);
        CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&serial[r], 1, __ATOMIC_SEQ_CST);
        CHECK(__atomic_load_n(&arrived[r], __ATOMIC_SEQ_CST) == THREADS);
    }
    return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;

static void init_once(void)
{
    sched_yield(); /* let the others pile up behind */
    once_runs++;
}

static void *once_worker(void *arg)
{
    (void)arg;
    CHECK_RC(pthread_once(&once, init_once), 0);
    CHECK(once_runs == 1);
    return NULL;
}

static pthread_key_t key, key2;
static int destroyed[THREADS + 1];
static int resets;

static void destructor(void *v)
{
    __atomic_add_fetch(&destroyed[(intptr_t)v], 1, __ATOMIC_SEQ_CST);
}

/* Sets its key again once: the destructor must run a second round. */
static void destructor2(void *v)
{
    __atomic_add_fetch(&resets, 1, __ATOMIC_SEQ_CST);
    if ((intptr_t)v < 100)
        pthread_setspecific(key2, (void *)((intptr_t)v + 100));
}

static void *tsd_worker(void *arg)
{
    intptr_t id = (intptr_t)arg;
    CHECK(pthread_getspecific(key) == NULL);
    CHECK_RC(pthread_setspecific(key, (void *)id), 0);
    CHECK_RC(pthread_setspecific(key2, (void *)id), 0);
    errno = (int)id; /* errno is per thread too */
    sched_yield();
    CHECK((intptr_t)pthread_getspecific(key) == id);
    CHECK(errno == (int)id);
    if (id == 2)
        pthread_exit((void *)(id * 100)); /* destructors run on pthread_exit as on return */
    return (void *)(id * 100);
}

static pthread_key_t k3, k4;

static void *key_reuse_worker(void *arg)
{
    (void)arg;
    CHECK_RC(pthread_setspecific(k3, &k3), 0);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    CHECK(pthread_getspecific(k4) == NULL);
    return NULL;
}

static pthread_spinlock_t spin;
static long spin_counter;

static void *spin_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_spin_lock(&spin);
        long v = spin_counter;
        sched_yield();
        spin_counter = v + 1;
        pthread_spin_unlock(&spin);
    }
    return NULL;
}

static pthread_t main_thread;
static int detached_ran;
static pthread_mutex_t dm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dc = PTHREAD_COND_INITIALIZER;

static void *self_worker(void *arg)
{
    pthread_t *out = arg;
    *out = pthread_self();
    CHECK(!pthread_equal(pthread_self(), main_thread));
    return NULL;
}

static void *detached_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&dm);
    detached_ran++;
    pthread_cond_signal(&dc);
    pthread_mutex_unlock(&dm);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS], st;
    void *r;

    main_thread = pthread_self();
    CHECK(pthread_equal(main_thread, pthread_self()));

    CHECK_RC(pthread_barrier_init(&bar, NULL, 0), EINVAL);
    CHECK_RC(pthread_barrier_init(&bar, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_create(&t[i], NULL, barrier_worker, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_join(t[i], NULL), 0);
    int serials = 0;
    for (int rd = 0; rd < ROUNDS; rd++) {
        CHECK(serial[rd] == 1);
        serials += serial[rd];
    }
    printf("barrier: %d rounds, %d serial threads\n", ROUNDS, serials);
    CHECK_RC(pthread_barrier_destroy(&bar), 0);

    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_create(&t[i], NULL, once_worker, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_join(t[i], NULL), 0);
    CHECK_RC(pthread_once(&once, init_once), 0);
    printf("once: ran %d time(s)\n", once_runs);

    CHECK_RC(pthread_key_create(&key, destructor), 0);
    CHECK_RC(pthread_key_create(&key2, destructor2), 0);
    CHECK_RC(pthread_setspecific(key, (void *)(intptr_t)THREADS), 0); /* main's own */
    errno = 0;
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_create(&t[i], NULL, tsd_worker, (void *)(intptr_t)i), 0);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        CHECK_RC(pthread_join(t[i], &r), 0);
        CHECK((intptr_t)r == i * 100);
        total += (long)(intptr_t)r;
    }
    CHECK(errno == 0);
    CHECK((intptr_t)pthread_getspecific(key) == THREADS);
    int dsum = 0;
    for (int i = 0; i < THREADS; i++) {
        CHECK(destroyed[i] == (i == 0 ? 0 : 1)); /* a NULL value (id 0) is not destroyed */
        dsum += destroyed[i];
    }
    CHECK(destroyed[THREADS] == 0); /* main has not exited */
    printf("tsd: %d destructor calls, %d re-sets, join total %ld\n", dsum, resets, total);
    CHECK(resets == 2 * (THREADS - 1));
    CHECK_RC(pthread_key_delete(key2), 0);
    CHECK_RC(pthread_setspecific(key2, &resets), EINVAL); /* deleted */
    /* a key made after a delete (in the same slot here) starts at NULL in every thread */
    CHECK_RC(pthread_barrier_init(&bar, NULL, 2), 0);
    CHECK_RC(pthread_key_create(&k3, NULL), 0);
    CHECK_RC(pthread_setspecific(k3, &resets), 0);
    CHECK_RC(pthread_create(&st, NULL, key_reuse_worker, NULL), 0);
    pthread_barrier_wait(&bar); /* the worker has set its value */
    CHECK_RC(pthread_key_delete(k3), 0);
    CHECK_RC(pthread_key_create(&k4, NULL), 0);
    CHECK(pthread_getspecific(k4) == NULL);
    pthread_barrier_wait(&bar); /* the worker looks */
    CHECK_RC(pthread_join(st, NULL), 0);
    CHECK_RC(pthread_key_delete(k4), 0);
    CHECK_RC(pthread_barrier_destroy(&bar), 0);

    CHECK_RC(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), 0);
    for (int i = 0; i < 3; i++)
        CHECK_RC(pthread_create(&t[i], NULL, spin_worker, NULL), 0);
    for (int i = 0; i < 3; i++)
        CHECK_RC(pthread_join(t[i], NULL), 0);
    CHECK_RC(pthread_spin_trylock(&spin), 0);
    CHECK_RC(pthread_spin_trylock(&spin), EBUSY);
    CHECK_RC(pthread_spin_unlock(&spin), 0);
    CHECK_RC(pthread_spin_destroy(&spin), 0);
    printf("spin counter %ld\n", spin_counter);
    CHECK(spin_counter == 300);

    pthread_t seen;
    CHECK_RC(pthread_create(&st, NULL, self_worker, &seen), 0);
    CHECK_RC(pthread_join(st, NULL), 0);
    CHECK(pthread_equal(seen, st));
    CHECK_RC(pthread_join(pthread_self(), NULL), EDEADLK);

    pthread_attr_t a;
    size_t ss;
    int ds;
    CHECK_RC(pthread_attr_init(&a), 0);
    CHECK_RC(pthread_attr_setstacksize(&a, 1), EINVAL);
    CHECK_RC(pthread_attr_setstacksize(&a, 256 * 1024), 0);
    CHECK_RC(pthread_attr_getstacksize(&a, &ss), 0);
    CHECK(ss == 256 * 1024);
    CHECK_RC(pthread_attr_setdetachstate(&a, 7), EINVAL);
    CHECK_RC(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED), 0);
    CHECK_RC(pthread_attr_getdetachstate(&a, &ds), 0);
    CHECK(ds == PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 20; i++) /* detached threads are reclaimed without a join */
        CHECK_RC(pthread_create(&st, &a, detached_worker, NULL), 0);
    CHECK_RC(pthread_attr_destroy(&a), 0);
    for (int i = 0; i < 10; i++) {
        CHECK_RC(pthread_create(&st, NULL, detached_worker, NULL), 0);
        if (i % 2)
            sched_yield();
        CHECK_RC(pthread_detach(st), 0);
    }
    pthread_mutex_lock(&dm);
    while (detached_ran < 30)
        pthread_cond_wait(&dc, &dm);
    pthread_mutex_unlock(&dm);
    printf("detached: %d ran\n", detached_ran);
    return done("pt_misc");
}
