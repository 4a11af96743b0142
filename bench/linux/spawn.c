/* Linux reference for spawn+wait: posix_spawn /bin/true and waitpid, N times.
 * Usage: spawn N -> prints ns per spawn+wait. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200;
    char *av[] = {"/bin/true", NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, "/bin/true", NULL, NULL, av, environ) || waitpid(pid, &st, 0) < 0)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
    return 0;
}
