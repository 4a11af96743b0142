/*
 * ptbench mutex|cond N: the pthread benchmarks, one source for both sides. Built for
 * Veridian (/test/ptbench, timed by run.py from vrsim's host time) and for Linux against
 * glibc (bench/linux_ptbench, which prints its own ns per operation; pinned to one CPU, as
 * the guest has one).
 *   mutex  N uncontended pthread_mutex_lock + unlock pairs
 *   cond   N condition-variable round trips between two threads (a token handed back and
 *          forth under one mutex with pthread_cond_signal)
 */
#ifndef VERIDIAN_GUEST /* the Linux build pins itself to one CPU */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int token;
static long n;

static void *ponger(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    for (long i = 0; i < n; i++) {
        while (token != 1)
            pthread_cond_wait(&cv, &m);
        token = 0;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&m);
    return NULL;
}

static void cond_pingpong(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, ponger, NULL))
        exit(1);
    pthread_mutex_lock(&m);
    for (long i = 0; i < n; i++) {
        token = 1;
        pthread_cond_signal(&cv);
        while (token != 0)
            pthread_cond_wait(&cv, &m);
    }
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "mutex";
    n = argc > 2 ? atol(argv[2]) : 100000;
#ifndef VERIDIAN_GUEST
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
#endif
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (strcmp(mode, "mutex") == 0) {
        for (long i = 0; i < n; i++) {
            pthread_mutex_lock(&m);
            pthread_mutex_unlock(&m);
        }
    } else if (strcmp(mode, "cond") == 0) {
        cond_pingpong();
    } else {
        fprintf(stderr, "ptbench: mutex|cond N\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n);
    return 0;
}
