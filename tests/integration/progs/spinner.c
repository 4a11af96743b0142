/*
 * spinner: programs that never block, for the kernel's time slicing (os/kernel/sched.c,
 * tests/integration/posix/slice.sh and tests/integration/tty/jobs.sh).
 *   spinner kcalls        print "spinning", then make non-blocking kernel calls (kernel_info)
 *                         forever: never blocks, never yields
 *   spinner write         print "spinning", then write "y\n" to stdout (the console: a write
 *                         that never blocks) forever, never yielding: `yes` without sched_yield
 *   spinner pair MODE N   spawn `spinner MODE` (its stdout the console), then sleep 1 ms of
 *                         virtual time N times, printing "pair: tick I" after each: the
 *                         parent only gets the CPU back if the kernel preempts the child;
 *                         then SIGTERM the child, wait for it and say how it ended
 */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "veridian/vk.h"

extern char **environ;

static int spin(const char *mode)
{
    static const char line[] = "y\n";
    struct vk_kernel_info info;
    if (strcmp(mode, "kcalls") && strcmp(mode, "write"))
        return 2;
    printf("spinning\n");
    fflush(stdout);
    if (!strcmp(mode, "kcalls"))
        for (;;)
            vk_kernel_info(&info);
    for (;;)
        if (write(1, line, sizeof line - 1) != sizeof line - 1)
            return 1;
}

static int pair(const char *mode, int n)
{
    char *argv[] = {"spinner", (char *)mode, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/test/spinner", NULL, NULL, argv, environ);
    if (rc) {
        printf("pair: spawn: %s\n", strerror(rc));
        return 1;
    }
    for (int i = 1; i <= n; i++) {
        struct timespec d = {0, 1000000};
        nanosleep(&d, NULL);
        printf("pair: tick %d\n", i);
        fflush(stdout);
    }
    kill(pid, SIGTERM);
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        printf("pair: waitpid failed\n");
        return 1;
    }
    if (WIFSIGNALED(st))
        printf("pair: child killed by signal %d\n", WTERMSIG(st));
    else
        printf("pair: child exited %d\n", WEXITSTATUS(st));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return spin(argv[1]);
    if (argc == 4 && !strcmp(argv[1], "pair"))
        return pair(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: spinner kcalls|write | spinner pair kcalls|write N\n");
    return 2;
}
