/*
 * spawnmany: posix_spawn and waitpid at scale, where the differential suite cannot reach.
 *   spawnmany            the test (below)
 *   spawnmany child N    read stdin to EOF, exit with N
 *   spawnmany middle     spawn `spawnmany orphan` (sharing our stdout) and exit at once
 *   spawnmany orphan     wait for the middle one to be gone, then print a line
 *   spawnmany loop N     spawn `spawnmany child 0` N times, one at a time, waiting for each
 *                        (time it from the host for the cost of posix_spawn + waitpid)
 * The test: 100 children alive at once (more than the 64 bits of the exit notification and
 * the 64 items of one wait_many), all blocked on one pipe, so WNOHANG sees none; then the
 * pipe closes and wait() reaps each exactly once with its own status; then ECHILD, and the
 * kernel's process and handle counts are back where they were (no leaked process
 * handles). system() and popen() run sh -c, or fail cleanly without a shell. An orphan lives on
 * after its parent's exit and its output still arrives. What getppid says in an orphan is left
 * alone: the kernel does not reparent to init yet.
 */
#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"
#include "veridian/vk.h"

#define NCHILD 100

extern char **environ;

static int child(int code)
{
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return code;
}

static int middle(void)
{
    char *av[] = {"spawnmany", "orphan", NULL};
    pid_t pid;
    return posix_spawn(&pid, "/test/spawnmany", NULL, NULL, av, environ) ? 1 : 0;
}

static int orphan(void)
{
    /* the middle process exits right after spawning us: by the time the kernel has run
     * a few of our calls, it is gone */
    for (int i = 0; i < 20; i++)
        sched_yield();
    printf("orphan: still running after its parent's exit\n");
    return 0;
}

static int spawn_loop(int n)
{
    char *av[] = {"spawnmany", "child", "0", NULL};
    posix_spawn_file_actions_t fa;
    int bad = 0;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, 0); /* the child reads EOF at once */
    for (int i = 0; i < n; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, "/test/spawnmany", &fa, NULL, av, environ) ||
            waitpid(pid, &st, 0) != pid || st != 0)
            bad++;
    }
    posix_spawn_file_actions_destroy(&fa);
    printf("spawnmany loop: %d of %d failed\n", bad, n);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child(atoi(argv[2]));
    if (argc > 1 && !strcmp(argv[1], "middle"))
        return middle();
    if (argc > 1 && !strcmp(argv[1], "orphan"))
        return orphan();
    if (argc > 2 && !strcmp(argv[1], "loop"))
        return spawn_loop(atoi(argv[2]));

    struct vk_kernel_info before, after;
    pid_t pids[NCHILD];
    int p[2], st;

    /* one spawn first: libveridian's exit notification then exists in both counts */
    char *first[] = {"spawnmany", "child", "7", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/test/spawnmany", 0, 0); /* EOF soon */
    pid_t pid;
    expect("first spawn", posix_spawn(&pid, "/test/spawnmany", &fa, NULL, first, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    expect("first child's status", waitpid(pid, &st, 0) == pid ? st : -1, 7 << 8);
    vk_kernel_info(&before);

    expect("pipe", pipe(p), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    int spawned = 0;
    for (int i = 0; i < NCHILD; i++) {
        char code[16];
        snprintf(code, sizeof code, "%d", i + 1);
        char *av[] = {"spawnmany", "child", code, NULL};
        if (posix_spawn(&pids[i], "/test/spawnmany", &fa, NULL, av, environ) == 0)
            spawned++;
        else
            pids[i] = -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(p[0]);
    expect("children spawned", spawned, NCHILD);
    expect("WNOHANG while all wait for input", waitpid(-1, &st, WNOHANG), 0);
    close(p[1]);

    int right = 0, reaped = 0, unknown = 0;
    pid_t got;
    while ((got = wait(&st)) > 0) {
        int i;
        for (i = 0; i < NCHILD && pids[i] != got; i++)
            ;
        if (i == NCHILD) {
            unknown++;
            continue;
        }
        reaped++;
        right += WIFEXITED(st) && WEXITSTATUS(st) == i + 1;
        pids[i] = -2; /* reaped: a second report would be unknown */
    }
    expect("wait ends with ECHILD", got == -1 && errno == ECHILD, 1);
    expect("children reaped", reaped, NCHILD);
    expect("... each with its own status", right, NCHILD);
    expect("... none twice or unknown", unknown, 0);
    vk_kernel_info(&after);
    expect("processes as before", (long)after.processes, (long)before.processes);
    expect("handles as before", (long)after.handles, (long)before.handles);

    /* an orphan */
    char *mid[] = {"spawnmany", "middle", NULL};
    fflush(stdout);
    expect("middle spawned", posix_spawn(&pid, "/test/spawnmany", NULL, NULL, mid, environ), 0);
    expect("middle exits 0", waitpid(pid, &st, 0) == pid ? st : -1, 0);
    errno = 0;
    expect("the orphan is not our child", waitpid(-1, &st, 0) == -1 && errno == ECHILD, 1);
    for (int i = 0; i < 200; i++)
        sched_yield(); /* let the orphan print before we end */

    /* system and popen run sh -c; an image without a shell says so (the differential suite
     * cannot show that: Linux has one) */
    if (system(NULL) == 0) {
        expect("system(cmd) without a shell: status 127", system("true"), 127 << 8);
        errno = 0;
        expect("popen without a shell: ENOENT", popen("true", "r") == NULL && errno == ENOENT, 1);
    } else {
        expect("system(cmd): the command's status", system("exit 3"), 3 << 8);
        FILE *f = popen("echo popen", "r");
        char line[32] = "";
        expect("popen reads the command's output",
               f && fgets(line, sizeof line, f) && !strcmp(line, "popen\n"), 1);
        expect("pclose: its status", f ? pclose(f) : -1, 0);
    }
    return expect_summary("spawnmany");
}
