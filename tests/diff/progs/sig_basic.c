/*
 * sig_basic: signals within one process, the same on glibc and libveridian: handlers run by
 * kill and raise, SA_SIGINFO's fields, masks and pending signals, SA_RESETHAND, SA_NODEFER,
 * sigsuspend, alarm with pause, an interrupted nanosleep (EINTR), read of a pipe interrupted
 * without SA_RESTART (EINTR) and restarted with it, and the errors of bad arguments.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t hits[65], depth, max_depth, info_ok;

static void on_sig(int s)
{
    hits[s]++;
}

static void on_info(int s, siginfo_t *si, void *ctx)
{
    (void)ctx;
    hits[s]++;
    info_ok = si->si_signo == s && si->si_pid == getpid() && si->si_code == SI_USER;
}

static void on_nested(int s)
{
    hits[s]++;
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits[s] < 3)
        raise(s);
    depth--;
}

static int handle(int s, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    return sigaction(s, &sa, NULL);
}

static int pipe_fds[2];

static void *late_writer(void *arg)
{
    (void)arg;
    struct timespec ts = {2, 0};
    nanosleep(&ts, NULL);
    if (write(pipe_fds[1], "late", 4) != 4)
        return (void *)1;
    return NULL;
}

int main(void)
{
    /* handlers: kill to ourselves and raise run them before the call returns */
    CHECK(handle(SIGUSR1, on_sig, 0) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(hits[SIGUSR1] == 1);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(hits[SIGUSR1] == 2);

    /* SA_SIGINFO */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(hits[SIGUSR2] == 1 && info_ok);
    struct sigaction old;
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0);
    CHECK((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_info);

    /* masks: a blocked signal waits, pending, until it is unblocked */
    sigset_t set, prev, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, &prev) == 0);
    CHECK(!sigismember(&prev, SIGUSR1));
    CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0);
    CHECK(hits[SIGUSR1] == 2);
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 1);
    CHECK(sigprocmask(SIG_SETMASK, &prev, NULL) == 0);
    CHECK(hits[SIGUSR1] == 3); /* one instance, however often it was sent */
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 0);

    /* ignoring drops a pending signal; the default action of SIGCHLD is to ignore */
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(signal(SIGUSR1, SIG_IGN) == on_sig);
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0 && raise(SIGCHLD) == 0 && raise(SIGWINCH) == 0);
    CHECK(hits[SIGUSR1] == 3);

    /* SA_RESETHAND: once, then the default (SIGURG's: ignore) */
    CHECK(handle(SIGURG, on_sig, SA_RESETHAND) == 0);
    CHECK(raise(SIGURG) == 0 && raise(SIGURG) == 0);
    CHECK(hits[SIGURG] == 1);
    CHECK(sigaction(SIGURG, NULL, &old) == 0 && old.sa_handler == SIG_DFL);

    /* SA_NODEFER: the handler may be entered again from within itself */
    CHECK(handle(SIGHUP, on_nested, SA_NODEFER) == 0);
    CHECK(raise(SIGHUP) == 0);
    CHECK(hits[SIGHUP] == 3 && max_depth == 3);
    /* without it the nested raise waits until the handler returns */
    max_depth = 0;
    CHECK(handle(SIGTERM, on_nested, 0) == 0);
    CHECK(raise(SIGTERM) == 0);
    CHECK(hits[SIGTERM] == 3 && max_depth == 1);

    /* sigsuspend: a blocked pending signal is let in, then the old mask is back */
    CHECK(handle(SIGUSR1, on_sig, 0) == 0);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    sigset_t none;
    sigemptyset(&none);
    errno = 0;
    CHECK(sigsuspend(&none) == -1 && errno == EINTR);
    CHECK(hits[SIGUSR1] == 4);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &prev) == 0 && sigismember(&prev, SIGUSR1) == 1);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);

    /* alarm and pause; nanosleep interrupted with the time left */
    CHECK(handle(SIGALRM, on_sig, 0) == 0);
    CHECK(alarm(1) == 0);
    errno = 0;
    CHECK(pause() == -1 && errno == EINTR);
    CHECK(hits[SIGALRM] == 1);
    CHECK(alarm(1) == 0);
    struct timespec req = {5, 0}, rem = {0, 0};
    errno = 0;
    CHECK(nanosleep(&req, &rem) == -1 && errno == EINTR);
    CHECK(hits[SIGALRM] == 2 && rem.tv_sec >= 3 && rem.tv_sec <= 4);
    CHECK(alarm(1) == 0);
    unsigned left = sleep(5);
    CHECK(hits[SIGALRM] == 3 && left >= 3 && left <= 5);
    CHECK(alarm(10) == 0 && alarm(0) >= 9);

    /* a blocking read: EINTR without SA_RESTART, restarted (and the data read) with it */
    CHECK(pipe(pipe_fds) == 0);
    char buf[8];
    CHECK(alarm(1) == 0);
    errno = 0;
    CHECK(read(pipe_fds[0], buf, sizeof buf) == -1 && errno == EINTR);
    CHECK(hits[SIGALRM] == 4);
    CHECK(handle(SIGALRM, on_sig, SA_RESTART) == 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, late_writer, NULL) == 0);
    CHECK(alarm(1) == 0);
    CHECK(read(pipe_fds[0], buf, sizeof buf) == 4 && !memcmp(buf, "late", 4));
    CHECK(hits[SIGALRM] == 5);
    void *tr;
    CHECK(pthread_join(th, &tr) == 0 && tr == NULL);

    /* bad arguments */
    errno = 0;
    CHECK(kill(getpid(), 65) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(kill(getpid(), -1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(kill(0x7ffffff0, 0) == -1 && errno == ESRCH);
    errno = 0;
    CHECK(kill(-0x7ffffff0, SIGUSR1) == -1 && errno == ESRCH);
    CHECK(kill(getpid(), 0) == 0);
    errno = 0;
    CHECK(handle(SIGKILL, on_sig, 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(handle(SIGSTOP, SIG_IGN, 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(handle(0, on_sig, 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(sigprocmask(42, &set, NULL) == -1 && errno == EINVAL);
    /* SIGKILL and SIGSTOP cannot be blocked: the mask silently leaves them out */
    sigfillset(&set);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &prev) == 0);
    CHECK(!sigismember(&prev, SIGKILL) && !sigismember(&prev, SIGSTOP) &&
          sigismember(&prev, SIGTERM));
    sigemptyset(&set);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
    CHECK(strcmp(strsignal(SIGINT), "Interrupt") == 0);

    /* the default action of SIGTERM ends us with that signal: the exit status shows it */
    signal(SIGTERM, SIG_DFL);
    int failures = done("sig_basic");
    if (failures)
        return failures;
    raise(SIGTERM);
    return 99;
}
