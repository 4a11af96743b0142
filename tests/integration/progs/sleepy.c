/* sleepy MS: sleep MS milliseconds of virtual time with nanosleep; print the virtual clock. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 100;
    struct timespec a, b, d = {ms / 1000, (ms % 1000) * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (nanosleep(&d, NULL))
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    long slept = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("sleepy: slept %ld ms of virtual time\n", slept);
    return slept >= ms ? 0 : 1;
}
