/* Linux reference for the IPC round trip: two threads ping-pong one byte over two pipes.
 * Usage: ipc_pipe N  -> prints ns per round trip. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int a[2], b[2];
static long n;

static void *echo(void *arg)
{
    char c;
    (void)arg;
    for (long i = 0; i < n; i++) {
        if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
            break;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 100000;
    if (pipe(a) || pipe(b))
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char c = 'x';
    for (long i = 0; i < n; i++) {
        if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(t, NULL);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
    return 0;
}
