/*
 * pt_exit: the process outlives its main thread. main calls pthread_exit while a worker
 * still runs; the worker joins the main thread (getting its pthread_exit value), prints,
 * and returns: the last thread's end ends the process with status 0 and stdout flushed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "check.h"

static pthread_t main_thread;

static void *worker(void *arg)
{
    void *r = NULL;
    (void)arg;
    for (int i = 0; i < 20; i++)
        sched_yield();
    CHECK_RC(pthread_join(main_thread, &r), 0);
    printf("worker: main exited with %ld\n", (long)(intptr_t)r);
    CHECK((intptr_t)r == 42);
    if (check_failures)
        exit(done("pt_exit"));
    printf("pt_exit: ok\n"); /* buffered: flushed when the last thread ends the process */
    return NULL;
}

int main(void)
{
    pthread_t t;

    main_thread = pthread_self();
    printf("main: starting the worker\n");
    CHECK_RC(pthread_create(&t, NULL, worker, NULL), 0);
    CHECK_RC(pthread_detach(t), 0);
    pthread_exit((void *)(intptr_t)42);
}
