/*
 * sp_status: children's exit statuses as waitpid/wait/waitid report them (0, 3, 255, a
 * crash by SIGSEGV), WNOHANG on a running child, reaping once (ECHILD afterwards), a
 * missing program (ENOENT returned, not in errno), getppid in the child, and the spawn
 * attributes accepted.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "spawn.h"

static pid_t spawn_child(char *const argv[])
{
    pid_t pid = -1;
    int rc = posix_spawn(&pid, child_path(), NULL, NULL, argv, environ);
    if (rc) {
        printf("FAIL spawn %s: %s\n", argv[1], strerror(rc));
        check_failures++;
    }
    return pid;
}

static void run_status(const char *label, char *const argv[], const char *want)
{
    int st = -1;
    pid_t pid = spawn_child(argv);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    printf("%s: %s\n", label, describe(st));
    CHECK(!strcmp(describe(st), want));
}

int main(void)
{
    char *exit0[] = {"spchild", "exit", "0", NULL};
    char *exit3[] = {"spchild", "exit", "3", NULL};
    char *exit255[] = {"spchild", "exit", "255", NULL};
    char *exit256[] = {"spchild", "exit", "256", NULL};
    char *crash[] = {"spchild", "crash", NULL};
    int st;

    /* no children yet */
    errno = 0;
    CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);

    run_status("exit 0", exit0, "exited 0");
    run_status("exit 3", exit3, "exited 3");
    run_status("exit 255", exit255, "exited 255");
    run_status("exit 256", exit256, "exited 0");
    run_status("crash", crash, "killed by signal 11");
    st = -1;
    pid_t pid = spawn_child(crash);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && !WIFEXITED(st) && WTERMSIG(st) == SIGSEGV);

    /* reaped once */
    pid = spawn_child(exit3);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3);
    errno = 0;
    CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);

    /* a pid that is not our child */
    errno = 0;
    CHECK(waitpid(getpid(), &st, 0) == -1 && errno == ECHILD);

    /* wait() takes any child; three children, three waits, then ECHILD */
    pid_t a = spawn_child(exit0), b = spawn_child(exit3), c = spawn_child(exit255);
    int seen = 0, sum = 0;
    for (int i = 0; i < 3; i++) {
        pid_t got = wait(&st);
        seen += got == a || got == b || got == c;
        sum += WEXITSTATUS(st);
    }
    printf("wait x3: %d children, statuses sum to %d\n", seen, sum);
    CHECK(seen == 3 && sum == 258);
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD);

    /* waitid: exit and crash, WNOWAIT keeps the child for a later waitpid */
    siginfo_t si;
    pid = spawn_child(exit3);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
    CHECK(si.si_pid == pid && si.si_signo == SIGCHLD && si.si_code == CLD_EXITED &&
          si.si_status == 3);
    CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
    pid = spawn_child(crash);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0);
    CHECK(si.si_pid == pid && si.si_status == SIGSEGV &&
          (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED));
    errno = 0;
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL);

    /* a missing program: ENOENT returned, no child */
    CHECK_RC(posix_spawn(&pid, "/nonexistent/prog", NULL, NULL, exit0, environ), ENOENT);
    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);

    /* the child's parent is us */
    char self[32];
    snprintf(self, sizeof self, "%d", (int)getpid());
    char *ppid[] = {"spchild", "ppid", self, NULL};
    run_status("getppid in the child", ppid, "exited 0");
    CHECK(getppid() > 0);

    /* attributes: accepted (the kernel enforces none yet, see libveridian/src/spawn.c) */
    posix_spawnattr_t attr;
    sigset_t set;
    short flags = 0;
    CHECK_RC(posix_spawnattr_init(&attr), 0);
    CHECK_RC(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), 0);
    CHECK_RC(posix_spawnattr_getflags(&attr, &flags), 0);
    CHECK(flags == (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_RC(posix_spawnattr_setsigmask(&attr, &set), 0);
    CHECK_RC(posix_spawnattr_setsigdefault(&attr, &set), 0);
    sigemptyset(&set);
    CHECK_RC(posix_spawnattr_getsigmask(&attr, &set), 0);
    CHECK(sigismember(&set, SIGUSR1) == 1 && sigismember(&set, SIGUSR2) == 0);
    pid = -1;
    CHECK_RC(posix_spawn(&pid, child_path(), NULL, &attr, exit3, environ), 0);
    CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
    CHECK_RC(posix_spawnattr_destroy(&attr), 0);

    /* system(): the host has a shell, Veridian has none; both answer system(NULL) */
    printf("system(NULL) answers\n");
    (void)system(NULL);
    return done("sp_status");
}
