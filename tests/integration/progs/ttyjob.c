/*
 * ttyjob [--bg] PROGRAM ARGS...: plays a job-control shell's part on the console, for
 * tests/integration/tty. It takes the terminal (tcsetpgrp), starts PROGRAM in a process group
 * of its own (posix_spawn with POSIX_SPAWN_SETPGROUP), gives it the terminal (or, with --bg,
 * leaves it in the background), and waits with WUNTRACED. A stopped job is reported and
 * continued in the foreground (what `fg` does: tcsetpgrp, then SIGCONT to the group); at the
 * end the shell takes the terminal back and reports how the job ended. Like every shell it
 * ignores SIGTTOU, so it may hand the terminal around from the background.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    int bg = argc > 1 && !strcmp(argv[1], "--bg");
    char **prog = argv + 1 + bg;
    if (!*prog) {
        fprintf(stderr, "usage: ttyjob [--bg] PROGRAM ARGS...\n");
        return 2;
    }
    signal(SIGTTOU, SIG_IGN);
    if (tcsetpgrp(0, getpgrp())) {
        printf("ttyjob: tcsetpgrp: %s\n", strerror(errno));
        return 1;
    }
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, prog[0], NULL, &at, prog, environ);
    posix_spawnattr_destroy(&at);
    if (rc) {
        printf("ttyjob: spawn %s: %s\n", prog[0], strerror(rc));
        return 1;
    }
    if (!bg && tcsetpgrp(0, pid))
        printf("ttyjob: tcsetpgrp child: %s\n", strerror(errno));
    printf("ttyjob: started %s\n", bg ? "in the background" : "in the foreground");
    fflush(stdout);
    for (;;) {
        int st;
        if (waitpid(pid, &st, WUNTRACED) != pid) {
            printf("ttyjob: waitpid: %s\n", strerror(errno));
            return 1;
        }
        tcsetpgrp(0, getpgrp());
        if (WIFSTOPPED(st)) {
            printf("\nttyjob: job stopped by signal %d\n", WSTOPSIG(st));
            fflush(stdout);
            tcsetpgrp(0, pid); /* fg */
            kill(-pid, SIGCONT);
            continue;
        }
        if (WIFSIGNALED(st))
            printf("\nttyjob: job killed by signal %d\n", WTERMSIG(st));
        else
            printf("ttyjob: job exited %d\n", WEXITSTATUS(st));
        printf("ttyjob: foreground is the shell again: %d\n", tcgetpgrp(0) == getpgrp());
        return 0;
    }
}
