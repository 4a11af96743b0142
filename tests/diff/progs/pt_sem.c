/*
 * pt_sem: unnamed semaphores. A binary semaphore guards a non-atomic counter; a pair of
 * counting semaphores runs a bounded buffer (every item consumed exactly once); trywait
 * and timedwait fail on an empty semaphore; getvalue follows posts and waits.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>

#include "check.h"

#define THREADS 4
#define ITERS 150
#define ITEMS 400
#define SLOTS 3

static sem_t mutex, empty, full;
static long counter;
static int ring[SLOTS], in, out;
static long sum;

static void *adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        CHECK_RC(sem_wait(&mutex), 0);
        long v = counter;
        sched_yield();
        counter = v + 1;
        CHECK_RC(sem_post(&mutex), 0);
    }
    return NULL;
}

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&empty);
        ring[in] = i;
        in = (in + 1) % SLOTS;
        sem_post(&full);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&full);
        sum += ring[out];
        CHECK(ring[out] == i); /* one producer, one consumer: in order */
        out = (out + 1) % SLOTS;
        sem_post(&empty);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS], p, c;
    int v;

    CHECK_RC(sem_init(&mutex, 0, 1), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_create(&t[i], NULL, adder, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_RC(pthread_join(t[i], NULL), 0);
    printf("counter %ld (want %d)\n", counter, THREADS * ITERS);
    CHECK(counter == THREADS * ITERS);

    CHECK_RC(sem_init(&empty, 0, SLOTS), 0);
    CHECK_RC(sem_init(&full, 0, 0), 0);
    CHECK_RC(pthread_create(&c, NULL, consumer, NULL), 0);
    CHECK_RC(pthread_create(&p, NULL, producer, NULL), 0);
    CHECK_RC(pthread_join(p, NULL), 0);
    CHECK_RC(pthread_join(c, NULL), 0);
    printf("sum %ld (want %d)\n", sum, ITEMS * (ITEMS + 1) / 2);
    CHECK(sum == ITEMS * (ITEMS + 1) / 2);

    sem_t s;
    struct timespec ts;
    CHECK_RC(sem_init(&s, 0, 2), 0);
    CHECK_RC(sem_getvalue(&s, &v), 0);
    CHECK(v == 2);
    CHECK_RC(sem_trywait(&s), 0);
    CHECK_RC(sem_wait(&s), 0);
    CHECK_RC(sem_getvalue(&s, &v), 0);
    CHECK(v == 0);
    errno = 0;
    CHECK_RC(sem_trywait(&s), -1);
    CHECK(errno == EAGAIN);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 10 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    errno = 0;
    CHECK_RC(sem_timedwait(&s, &ts), -1);
    CHECK(errno == ETIMEDOUT);
    ts.tv_nsec = -1;
    errno = 0;
    CHECK_RC(sem_timedwait(&s, &ts), -1);
    CHECK(errno == EINVAL);
    CHECK_RC(sem_post(&s), 0);
    ts.tv_nsec = 0; /* long past, but the semaphore is available */
    CHECK_RC(sem_timedwait(&s, &ts), 0);
    CHECK_RC(sem_destroy(&s), 0);
    return done("pt_sem");
}
