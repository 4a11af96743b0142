/* Linux reference for a thread switch: two threads pinned to one CPU hand the CPU back and
 * forth with sched_yield. Usage: thread_switch N -> prints ns per switch. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long n;

static void *yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        sched_yield();
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 100000;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
    pthread_t t;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&t, NULL, yielder, NULL);
    yielder(NULL);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (2.0 * n));
    return 0;
}
