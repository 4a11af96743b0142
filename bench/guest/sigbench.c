/*
 * sigbench N: signal delivery round trip, one source for both sides: N times kill(getpid(),
 * SIGUSR1) with a handler installed; the handler has run when kill returns (on Linux the
 * kernel delivers on the way back from the syscall, on Veridian libveridian at the kernel-
 * call boundary). Built for Veridian (/test/sigbench, timed by run.py from vrsim's host
 * time) and for Linux (bench/linux_sigbench, which prints its own ns per round trip).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;

static void on_usr1(int s)
{
    (void)s;
    hits++;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL))
        return 1;
    pid_t self = getpid();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++)
        kill(self, SIGUSR1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (hits != n)
        return 2;
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n);
    return 0;
}
