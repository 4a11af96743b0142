/*
 * pt_cond: condition variables. A bounded buffer with 2 producers and 2 consumers woken
 * only by pthread_cond_signal (a lost wake-up hangs the run, a double hand-out breaks the
 * sums); a ping-pong that hands a token back and forth; pthread_cond_timedwait timing out
 * on CLOCK_REALTIME and CLOCK_MONOTONIC; broadcast waking every waiter.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "check.h"

#define ITEMS 300
#define SLOTS 4

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static int buf[SLOTS], head, count;
static long consumed_sum, consumed_n;

static void *producer(void *arg)
{
    int base = *(int *)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&m);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &m);
        buf[(head + count) % SLOTS] = base + i;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
        if (i % 5 == 0)
            sched_yield();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long n = 0;
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&m);
        while (count == 0)
            pthread_cond_wait(&not_empty, &m);
        int v = buf[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        if (v < 0) { /* the end marker */
            pthread_mutex_unlock(&m);
            break;
        }
        consumed_sum += v;
        consumed_n++;
        n++;
        pthread_mutex_unlock(&m);
    }
    return (void *)n;
}

static int token, rounds;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;

static void *pinger(void *arg)
{
    int me = (int)(long)arg;
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&m);
        while (token != me)
            pthread_cond_wait(&turn, &m);
        token = 1 - me;
        rounds++;
        pthread_cond_signal(&turn);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static int go, woken;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;

static void *gate_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    while (!go)
        pthread_cond_wait(&gate, &m);
    woken++;
    pthread_mutex_unlock(&m);
    return NULL;
}

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_nsec += ms * 1000000;
    while (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

int main(void)
{
    pthread_t p[2], c[2], g[5];
    int bases[2] = {0, 100000};
    void *r;
    long per_consumer = 0;

    for (int i = 0; i < 2; i++)
        CHECK_RC(pthread_create(&c[i], NULL, consumer, NULL), 0);
    for (int i = 0; i < 2; i++)
        CHECK_RC(pthread_create(&p[i], NULL, producer, &bases[i]), 0);
    for (int i = 0; i < 2; i++)
        CHECK_RC(pthread_join(p[i], NULL), 0);
    for (int i = 0; i < 2; i++) { /* one end marker per consumer */
        pthread_mutex_lock(&m);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &m);
        buf[(head + count) % SLOTS] = -1;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&m);
    }
    for (int i = 0; i < 2; i++) {
        CHECK_RC(pthread_join(c[i], &r), 0);
        per_consumer += (long)r;
    }
    long want = 2L * ITEMS * (ITEMS + 1) / 2 + 100000L * ITEMS;
    printf("consumed %ld items, sum %ld (want %d, %ld)\n", consumed_n, consumed_sum, 2 * ITEMS,
           want);
    CHECK(consumed_n == 2 * ITEMS && per_consumer == consumed_n && consumed_sum == want);

    pthread_t a, b;
    CHECK_RC(pthread_create(&a, NULL, pinger, (void *)0L), 0);
    CHECK_RC(pthread_create(&b, NULL, pinger, (void *)1L), 0);
    CHECK_RC(pthread_join(a, NULL), 0);
    CHECK_RC(pthread_join(b, NULL), 0);
    printf("ping-pong rounds %d\n", rounds);
    CHECK(rounds == 400);

    /* timeouts */
    struct timespec ts;
    pthread_condattr_t ca;
    pthread_cond_t mono;
    clockid_t clk;
    CHECK_RC(pthread_condattr_init(&ca), 0);
    CHECK_RC(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), 0);
    CHECK_RC(pthread_condattr_getclock(&ca, &clk), 0);
    CHECK(clk == CLOCK_MONOTONIC);
    CHECK_RC(pthread_cond_init(&mono, &ca), 0);
    pthread_mutex_lock(&m);
    clock_gettime(CLOCK_REALTIME, &ts);
    add_ms(&ts, 10);
    CHECK_RC(pthread_cond_timedwait(&gate, &m, &ts), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    add_ms(&ts, 10);
    CHECK_RC(pthread_cond_timedwait(&mono, &m, &ts), ETIMEDOUT);
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &after);
    CHECK(after.tv_sec > ts.tv_sec || (after.tv_sec == ts.tv_sec && after.tv_nsec >= ts.tv_nsec));
    CHECK_RC(pthread_mutex_trylock(&m), EBUSY); /* the timed wait gave it back locked */
    pthread_mutex_unlock(&m);
    CHECK_RC(pthread_cond_destroy(&mono), 0);

    /* broadcast wakes everyone */
    for (int i = 0; i < 5; i++)
        CHECK_RC(pthread_create(&g[i], NULL, gate_waiter, NULL), 0);
    for (int i = 0; i < 10; i++)
        sched_yield();
    pthread_mutex_lock(&m);
    go = 1;
    pthread_cond_broadcast(&gate);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 5; i++)
        CHECK_RC(pthread_join(g[i], NULL), 0);
    printf("broadcast woke %d\n", woken);
    CHECK(woken == 5);
    return done("pt_cond");
}
