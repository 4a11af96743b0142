/*
 * pt_many: more threads over a run than a process may have at once (Veridian allows 1024):
 * joined threads and detached ones must give their kernel threads, handles and stacks
 * back. 3000 created and joined one after another, then 3000 detached, each waited for
 * through a semaphore (the next pthread_create reclaims it), then 64 alive at once.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#include "check.h"

#define RUNS 3000

static sem_t finished;
static long ran;

static void *one(void *arg)
{
    __atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
    return arg;
}

static void *one_detached(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
    sem_post(&finished);
    return NULL;
}

int main(void)
{
    pthread_t t, many[64];
    pthread_attr_t a;
    void *r;
    long sum = 0;

    for (long i = 0; i < RUNS; i++) {
        int rc = pthread_create(&t, NULL, one, (void *)i);
        if (rc) {
            printf("FAIL create %ld: %d\n", i, rc);
            return 1;
        }
        CHECK_RC(pthread_join(t, &r), 0);
        sum += (long)(intptr_t)r;
    }
    printf("joined %d threads, sum %ld\n", RUNS, sum);
    CHECK(sum == (long)RUNS * (RUNS - 1) / 2);

    CHECK_RC(sem_init(&finished, 0, 0), 0);
    CHECK_RC(pthread_attr_init(&a), 0);
    CHECK_RC(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED), 0);
    CHECK_RC(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN), 0);
    for (int i = 0; i < RUNS; i++) {
        int rc = pthread_create(&t, &a, one_detached, NULL);
        if (rc) {
            printf("FAIL detached create %d: %d\n", i, rc);
            return 1;
        }
        sem_wait(&finished);
    }
    printf("detached %d threads\n", RUNS);

    for (int i = 0; i < 64; i++)
        CHECK_RC(pthread_create(&many[i], NULL, one, (void *)(intptr_t)i), 0);
    sum = 0;
    for (int i = 0; i < 64; i++) {
        CHECK_RC(pthread_join(many[i], &r), 0);
        sum += (long)(intptr_t)r;
    }
    printf("64 at once, sum %ld; ran %ld\n", sum, ran);
    CHECK(ran == 2 * RUNS + 64);
    return done("pt_many");
}
