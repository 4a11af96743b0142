/*
 * sp_exec: the exec family, the same on glibc and libveridian: a child that execs another
 * program prints what the new program prints and exits with its status; the pid stays; fds
 * without FD_CLOEXEC stay open and those with it are closed; handled signals go back to their
 * default while ignored ones stay ignored and the mask stays; a failed exec returns ENOENT
 * and the program goes on; execvp searches PATH.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "spawn.h"

static const char *run(char *const argv[])
{
    pid_t pid;
    int st;
    fflush(stdout);
    if (posix_spawn(&pid, child_path(), NULL, NULL, argv, environ))
        return "spawn failed";
    if (waitpid(pid, &st, 0) != pid)
        return "wait failed";
    return describe(st);
}

int main(void)
{
    char *say[] = {"spchild", "exec", "say", "hello", "from", "exec", NULL};
    printf("exec say: %s\n", run(say));
    char *code[] = {"spchild", "exec", "exit", "42", NULL};
    printf("exec exit 42: %s\n", run(code));
    char *pid[] = {"spchild", "execpid", NULL};
    printf("same pid after exec: %s\n", run(pid));
    char *fds[] = {"spchild", "execfds", NULL};
    printf("fds across exec: %s\n", run(fds));
    char *bad[] = {"spchild", "execbad", NULL};
    printf("exec of nothing: %s\n", run(bad));
    char *sig[] = {"spchild", "execsig", NULL};
    printf("signals across exec: %s\n", run(sig));
    char *twice[] = {"spchild", "exec", "exec", "exec", "say", "three", "execs", NULL};
    printf("exec of exec: %s\n", run(twice));

    /* the failures, in this process: it goes on */
    char *none[] = {"x", NULL};
    errno = 0;
    CHECK(execv("/nonexistent", none) == -1 && errno == ENOENT);
    errno = 0;
    CHECK(execvp("no-such-program-anywhere", none) == -1 && errno == ENOENT);
    errno = 0;
    CHECK(execlp("no-such-program-anywhere", "x", (char *)NULL) == -1 && errno == ENOENT);
    return done("sp_exec");
}
