/*
 * sigperm: what only Veridian's kernel can show about signals (the differential programs
 * cover POSIX behaviour): kill obeys uids (the console program, uid 1000, cannot signal init,
 * vfs or another user's process; kill(-1) reaches only its own), an orphan is reparented to
 * init (getppid() becomes 1), a spinning process that handles every catchable signal is
 * still ended by the watchdog with SIGKILL (its handlers never run), SA_SIGINFO's si_pid,
 * si_uid and si_code for kill, kill(-1) reaches our own child but not us nor init, and a
 * handler that faults ends its process with SIGSEGV (its SIGSEGV handler unrun). Prints "ok ..." or
 * "FAIL ..." per check, then a summary. sigperm              the checks (as the console program)
 * sigperm orphan FD    (a child) spawn "sigperm grandchild FD", then exit at once sigperm
 * grandchild FD wait until reparented, then write "ppid N" to FD sigperm spin         handle every
 * signal, then spin without kernel calls
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static int failures;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

static pid_t spawn(const char *const *argv)
{
    pid_t pid;
    return posix_spawn(&pid, argv[0], NULL, NULL, (char *const *)argv, environ) ? -1 : pid;
}

static volatile sig_atomic_t handled;
static volatile sig_atomic_t info_signo, info_code, info_pid, info_uid, usr1_seen;

static void on_info(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    info_signo = s == si->si_signo ? si->si_signo : -1;
    info_code = si->si_code;
    info_pid = si->si_pid;
    info_uid = (sig_atomic_t)si->si_uid;
}

static void on_usr1(int s)
{
    (void)s;
    usr1_seen = 1;
}

/* A handler that faults: the process must end with SIGSEGV, its SIGSEGV handler unrun. */
static volatile int *volatile bad_ptr; /* NULL: opaque to the compiler */
static void on_fault(int s)
{
    (void)s;
    *bad_ptr = 1;
}
static void on_any(int s)
{
    (void)s;
    handled = 1;
    write(1, "handler ran\n", 12);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "orphan")) {
        const char *gc[] = {"/test/sigperm", "grandchild", argv[2], NULL};
        return spawn(gc) > 0 ? 0 : 1;
    }
    if (argc > 2 && !strcmp(argv[1], "grandchild")) {
        struct timespec ts = {0, 1000000};
        for (int i = 0; i < 1000 && getppid() != 1; i++)
            nanosleep(&ts, NULL);
        dprintf(atoi(argv[2]), "ppid %d\n", (int)getppid());
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "hfault")) {
        signal(SIGSEGV, on_any); /* must not run: a fault is not a deliverable signal */
        signal(SIGUSR1, on_fault);
        raise(SIGUSR1);
        return handled ? 3 : 4; /* never reached */
    }
    if (argc > 1 && !strcmp(argv[1], "waitusr1")) {
        signal(SIGUSR1, on_usr1);
        struct timespec ts = {0, 1000000};
        for (int i = 0; i < 1000 && !usr1_seen; i++)
            nanosleep(&ts, NULL);
        return usr1_seen ? 7 : 1;
    }
    if (argc > 1 && !strcmp(argv[1], "spin")) {
        for (int s = 1; s < NSIG; s++)
            signal(s, on_any);
        for (volatile unsigned long i = 0;; i++)
            ;
    }

    /* uids: we are the console program (uid 1000); init and vfs run as root */
    errno = 0;
    check("kill(1, SIGTERM) as another user: EPERM", kill(1, SIGTERM) == -1 && errno == EPERM);
    errno = 0;
    check("kill(1, 0) as another user: EPERM", kill(1, 0) == -1 && errno == EPERM);
    errno = 0;
    check("kill(vfs, SIGKILL): EPERM", kill(2, SIGKILL) == -1 && errno == EPERM);
    check("kill(-1, 0): ours only, and that is allowed", kill(-1, 0) == 0 || errno == ESRCH);
    check("init still runs", kill(1, 0) == -1 && errno == EPERM);
    errno = 0;
    check("kill(-1000000, SIGTERM), no such group: ESRCH",
          kill(-1000000, SIGTERM) == -1 && errno == ESRCH);
    check("getppid() is init", getppid() == 1);

    /* an orphan goes to init */
    int p[2];
    if (pipe(p))
        return 2;
    char fd[16];
    snprintf(fd, sizeof fd, "%d", p[1]);
    const char *orphan[] = {"/test/sigperm", "orphan", fd, NULL};
    pid_t c = spawn(orphan);
    int st = -1;
    check("the orphan's parent exits",
          c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(p[1]);
    char buf[32] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    check("the orphan's parent is now init", n > 0 && !strcmp(buf, "ppid 1\n"));

    /* SA_SIGINFO: who sent it, as Linux fills it for kill(2) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    check("SA_SIGINFO: si_signo", info_signo == SIGUSR2);
    check("SA_SIGINFO: si_code SI_USER for kill", info_code == SI_USER);
    check("SA_SIGINFO: si_pid the sender", info_pid == getpid());
    check("SA_SIGINFO: si_uid the sender's uid (1000)", info_uid == 1000 && getuid() == 1000);

    /* kill(-1, sig): every process we may signal but ourselves */
    const char *w1[] = {"/test/sigperm", "waitusr1", NULL};
    signal(SIGUSR1, on_usr1);
    c = spawn(w1);
    struct timespec ms = {0, 2000000};
    nanosleep(&ms, NULL); /* it has its handler by now */
    check("kill(-1, SIGUSR1)", kill(-1, SIGUSR1) == 0);
    check("kill(-1): our own child got it",
          c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
    check("kill(-1): not the caller itself", !usr1_seen);
    check("kill(-1): not init (another user's)", kill(1, 0) == -1 && errno == EPERM);
    signal(SIGUSR1, SIG_DFL);

    /* a handler that faults ends its process with SIGSEGV; nothing else is disturbed */
    const char *hf[] = {"/test/sigperm", "hfault", NULL};
    c = spawn(hf);
    check("a faulting handler: the process ends with SIGSEGV",
          c > 0 && waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    check("a faulting handler: we go on", getppid() == 1);

    /* the watchdog: uncatchable */
    const char *spin[] = {"/test/sigperm", "spin", NULL};
    c = spawn(spin);
    check("a spinner that handles every signal ends by SIGKILL",
          c > 0 && waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    printf("sigperm: %d failure(s)\n", failures);
    return failures != 0;
}
