/*
 * sig_child: signals between processes, the same on glibc and libveridian: SIGCHLD when a
 * child exits (with si_pid and si_status), a child ended by a signal's default action
 * (WIFSIGNALED), stop and continue (WUNTRACED, WCONTINUED, WIFSTOPPED, WIFCONTINUED), a
 * process group made by posix_spawnattr and signalled as a group, posix_spawn's signal mask
 * and defaults, SIGPIPE ending a writer, a handler that faults ending its process only.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "check.h"
#include "spawn.h"

static volatile sig_atomic_t chld, chld_pid, chld_status, chld_code;

static void on_chld(int s, siginfo_t *si, void *ctx)
{
    (void)s, (void)ctx;
    chld++;
    chld_pid = si->si_pid;
    chld_status = si->si_status;
    chld_code = si->si_code;
}

static pid_t run(const char *a, const char *b, const posix_spawnattr_t *attr,
                 const posix_spawn_file_actions_t *fa)
{
    char *argv[] = {(char *)"spchild", (char *)a, (char *)b, NULL};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, child_path(), fa, attr, argv, environ);
    return rc ? -rc : pid;
}

static const char *wait_for(pid_t pid, int options)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, options)) < 0 && errno == EINTR)
        ;
    if (r != pid)
        return "wait failed";
    if (WIFSTOPPED(st))
        return WSTOPSIG(st) == SIGSTOP ? "stopped by SIGSTOP" : "stopped";
    if (WIFCONTINUED(st))
        return "continued";
    return describe(st);
}

int main(void)
{
    /* SIGCHLD with its siginfo */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    pid_t c = run("exit", "7", NULL, NULL);
    CHECK(c > 0);
    printf("exit 7: %s\n", wait_for(c, 0));
    CHECK(chld == 1 && chld_pid == c && chld_status == 7 && chld_code == CLD_EXITED);

    /* ended by signals' default actions */
    c = run("raise", "15", NULL, NULL);
    printf("raise SIGTERM: %s\n", wait_for(c, 0));
    CHECK(chld == 2 && chld_code == CLD_KILLED && chld_status == SIGTERM);
    c = run("badhandler", NULL, NULL, NULL);
    printf("faulting handler: %s\n", wait_for(c, 0));
    c = run("sleep", NULL, NULL, NULL);
    CHECK(kill(c, SIGKILL) == 0);
    printf("SIGKILL: %s\n", wait_for(c, 0));
    /* SIGPIPE: the reader is gone */
    int p[2];
    CHECK(pipe(p) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    c = run("spew", NULL, NULL, &fa);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char buf[5];
    CHECK(read(p[0], buf, sizeof buf) == 5);
    close(p[0]);
    printf("writer to a closed pipe: %s\n", wait_for(c, 0));

    /* stop and continue; SIGCHLD tells of both unless SA_NOCLDSTOP */
    chld = 0;
    c = run("sleep", NULL, NULL, NULL);
    CHECK(kill(c, SIGSTOP) == 0);
    printf("SIGSTOP: %s\n", wait_for(c, WUNTRACED));
    CHECK(kill(c, SIGCONT) == 0);
    printf("SIGCONT: %s\n", wait_for(c, WCONTINUED));
    CHECK(chld_code == CLD_CONTINUED || chld_code == CLD_STOPPED);
    sa.sa_flags |= SA_NOCLDSTOP;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    int before = chld;
    CHECK(kill(c, SIGSTOP) == 0);
    printf("SIGSTOP again: %s\n", wait_for(c, WUNTRACED));
    CHECK(chld == before);
    CHECK(kill(c, SIGTERM) == 0); /* fatal even while stopped */
    kill(c, SIGCONT);
    printf("SIGTERM while stopped: %s\n", wait_for(c, 0));

    /* a process group of its own, signalled as a group */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    c = run("pgrp", NULL, &at, NULL);
    printf("own group: %s\n", wait_for(c, 0));
    c = run("sleep", NULL, &at, NULL);
    posix_spawnattr_setpgroup(&at, c);
    pid_t c2 = run("sleep", NULL, &at, NULL);
    CHECK(getpgid(c) == c && getpgid(c2) == c);
    CHECK(getpgid(0) != c);
    CHECK(kill(-c, SIGTERM) == 0);
    printf("group member 1: %s\n", wait_for(c, 0));
    printf("group member 2: %s\n", wait_for(c2, 0));
    errno = 0;
    CHECK(kill(-c, SIGTERM) == -1 && errno == ESRCH);
    CHECK(setpgid(getpid(), getpgrp()) == 0);
    errno = 0;
    CHECK(setpgid(0x7ffffff0, 0) == -1 && errno == ESRCH);
    posix_spawnattr_destroy(&at);

    /* posix_spawn's signal mask and defaults */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setsigmask(&at, &m);
    signal(SIGUSR2, SIG_IGN);
    c = run("mask", NULL, &at, NULL);
    printf("mask and ignored signal inherited: %s\n", wait_for(c, 0));
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    posix_spawnattr_setsigdefault(&at, &m);
    c = run("mask", NULL, &at, NULL);
    printf("defaults restored: %s\n", wait_for(c, 0));
    posix_spawnattr_destroy(&at);

    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
    return done("sig_child");
}
