/*
 * sp_fds: the child's fds from file actions and FD_CLOEXEC: a pipe dup2'ed onto the child's
 * stdout and read back, a pipe as its stdin (WNOHANG while it waits for input), addopen of a
 * file the child writes, addchdir_np, addclose, an fd above 2 passed as itself, an O_CLOEXEC fd not
 * passed, and failing actions (open of a missing file, dup2 of a closed fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "spawn.h"

/* Read fd to EOF into buf (NUL-terminated). */
static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
}

static int reap(pid_t pid)
{
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid);
    return st;
}

int main(void)
{
    posix_spawn_file_actions_t fa;
    char buf[512];
    int p[2], st;
    pid_t pid;

    /* stdout to a pipe */
    CHECK(pipe(p) == 0);
    char *say[] = {"spchild", "say", "hello", "through", "a", "pipe", NULL};
    CHECK_RC(posix_spawn_file_actions_init(&fa), 0);
    CHECK_RC(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    CHECK_RC(posix_spawn_file_actions_addclose(&fa, p[0]), 0);
    CHECK_RC(posix_spawn_file_actions_addclose(&fa, p[1]), 0);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, say, environ), 0);
    CHECK_RC(posix_spawn_file_actions_destroy(&fa), 0);
    close(p[1]);
    slurp(p[0], buf, sizeof buf);
    close(p[0]);
    printf("child said: %s", buf);
    CHECK(!strcmp(buf, "hello through a pipe\n"));
    st = reap(pid);
    printf("say: %s\n", describe(st));

    /* stdin from a pipe, stdout to another; WNOHANG while it waits for input */
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    char *cat[] = {"spchild", "cat", NULL};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[0]);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, out[1]);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, cat, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    CHECK(waitpid(pid, &st, WNOHANG) == 0);
    CHECK(waitpid(-1, &st, WNOHANG) == 0);
    printf("WNOHANG while the child reads: 0\n");
    CHECK(write(in[1], "line one\nline two\n", 18) == 18);
    close(in[1]);
    slurp(out[0], buf, sizeof buf);
    close(out[0]);
    printf("cat gave back: %s", buf);
    CHECK(!strcmp(buf, "line one\nline two\n"));
    int polls = 0;
    pid_t got;
    while ((got = waitpid(pid, &st, WNOHANG)) == 0)
        polls++, usleep(1000);
    CHECK(got == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("cat: %s after polling\n", describe(st));

    /* addopen: the child's stdout is a new file */
    const char *tmp = getenv("DIFF_TMP") ? getenv("DIFF_TMP") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/sp_fds.out", tmp);
    unlink(path);
    posix_spawn_file_actions_init(&fa);
    CHECK_RC(posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
    char *say2[] = {"spchild", "say", "into", "a", "file", NULL};
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, say2, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    st = reap(pid);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    slurp(fd, buf, sizeof buf);
    close(fd);
    unlink(path);
    printf("the file holds: %s", buf);
    CHECK(!strcmp(buf, "into a file\n"));

    /* addchdir_np: the child starts there, and later opens are relative to it */
    snprintf(path, sizeof path, "%s/sp_dir", tmp);
    CHECK(mkdir(path, 0755) == 0);
    posix_spawn_file_actions_init(&fa);
    CHECK_RC(posix_spawn_file_actions_addchdir_np(&fa, path), 0);
    CHECK_RC(posix_spawn_file_actions_addopen(&fa, 1, "out.txt", O_WRONLY | O_CREAT, 0644), 0);
    char *cwd[] = {"spchild", "cwd", NULL};
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, cwd, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    printf("cwd: %s\n", describe(reap(pid)));
    snprintf(path, sizeof path, "%s/sp_dir/out.txt", tmp);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    slurp(fd, buf, sizeof buf);
    close(fd);
    printf("sp_dir/out.txt holds: %s", buf);
    CHECK(!strcmp(buf, "cwd: sp_dir\n"));
    unlink(path);
    snprintf(path, sizeof path, "%s/sp_dir", tmp);
    rmdir(path);
    posix_spawn_file_actions_init(&fa);
    CHECK_RC(posix_spawn_file_actions_addchdir_np(&fa, "/nonexistent-dir"), 0);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, cwd, environ), ENOENT);
    posix_spawn_file_actions_destroy(&fa);

    /* an fd above 2 travels as itself (high numbers: the host run may inherit low ones); an
     * O_CLOEXEC one does not; addclose closes */
    CHECK(pipe(p) == 0);
    CHECK(dup2(p[1], 60) == 60);
    close(p[1]);
    int ce[2];
    CHECK(pipe2(ce, O_CLOEXEC) == 0);
    CHECK(dup2(ce[0], 67) == 67 && fcntl(67, F_SETFD, FD_CLOEXEC) == 0);
    char *fd60[] = {"spchild", "fd", "60", "written to fd 60", NULL};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, fd60, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(60);
    slurp(p[0], buf, sizeof buf);
    close(p[0]);
    printf("fd 60 carried: %s", buf);
    CHECK(!strcmp(buf, "written to fd 60\n"));
    printf("fd60: %s\n", describe(reap(pid)));

    CHECK(pipe(p) == 0);
    CHECK(dup2(p[1], 69) == 69);
    char *closed[] = {"spchild", "closed", "67", "69", "70", NULL};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    posix_spawn_file_actions_addclose(&fa, 69);
    posix_spawn_file_actions_adddup2(&fa, 1, 70);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, closed, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    close(69);
    slurp(p[0], buf, sizeof buf);
    close(p[0]);
    printf("%s", buf);
    CHECK(!strcmp(buf, "fd 67: closed\nfd 69: closed\nfd 70: open\n"));
    reap(pid);
    close(ce[0]);
    close(ce[1]);
    close(67);

    /* failing actions fail the spawn with their errno, and start no child */
    char *exit0[] = {"spchild", "exit", "0", NULL};
    snprintf(path, sizeof path, "%s/no/such/dir/file", tmp);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, path, O_RDONLY, 0);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, exit0, environ), ENOENT);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 42, 1);
    CHECK_RC(posix_spawn(&pid, child_path(), &fa, NULL, exit0, environ), EBADF);
    /* the actions run before the program is looked for: their error comes first */
    CHECK_RC(posix_spawn(&pid, "/nonexistent/prog", &fa, NULL, exit0, environ), EBADF);
    posix_spawn_file_actions_destroy(&fa);
    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
    posix_spawn_file_actions_init(&fa);
    CHECK_RC(posix_spawn_file_actions_adddup2(&fa, -1, 1), EBADF);
    CHECK_RC(posix_spawn_file_actions_addclose(&fa, -1), EBADF);
    posix_spawn_file_actions_destroy(&fa);
    return done("sp_fds");
}
