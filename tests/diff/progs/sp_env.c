/*
 * sp_env: the environment a child gets (environ after setenv/unsetenv/putenv, an explicit
 * envp, an empty one), getenv/setenv/unsetenv/putenv/clearenv semantics, and posix_spawnp's
 * PATH search (a missing program is ENOENT; a name with a slash is not searched).
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "spawn.h"

static void run(int usep, const char *prog, char *const envp[], char *const argv[])
{
    pid_t pid;
    int st;
    fflush(stdout); /* the child shares our stdout */
    int rc = usep ? posix_spawnp(&pid, prog, NULL, NULL, argv, envp)
                  : posix_spawn(&pid, prog, NULL, NULL, argv, envp);
    CHECK_RC(rc, 0);
    if (rc)
        return;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    char *show[] = {"spchild", "env", "SP_A", "SP_B", "SP_C", "SP_D", NULL};
    static char put[] = "SP_C=from putenv";

    child_path(); /* before the environment changes */

    /* getenv/setenv/unsetenv/putenv semantics */
    CHECK(setenv("SP_A", "one", 1) == 0);
    CHECK(setenv("SP_A", "two", 0) == 0 && !strcmp(getenv("SP_A"), "one"));
    CHECK(setenv("SP_A", "three", 1) == 0 && !strcmp(getenv("SP_A"), "three"));
    errno = 0;
    CHECK(setenv("BAD=NAME", "x", 1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(setenv("", "x", 1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(unsetenv("BAD=NAME") == -1 && errno == EINVAL);
    CHECK(unsetenv("SP_NEVER_SET") == 0);
    CHECK(setenv("SP_B", "", 1) == 0 && getenv("SP_B") && !*getenv("SP_B"));
    CHECK(putenv(put) == 0 && !strcmp(getenv("SP_C"), "from putenv"));
    put[5] = 'F'; /* putenv's string is the environment's entry itself */
    CHECK(!strcmp(getenv("SP_C"), "From putenv"));
    CHECK(setenv("SP_D", "gone soon", 1) == 0 && unsetenv("SP_D") == 0 && !getenv("SP_D"));
    CHECK(getenv("SP_A=three") == NULL);

    printf("-- environ:\n");
    run(0, child_path(), environ, show);
    printf("-- explicit envp:\n");
    char *envp[] = {"SP_A=explicit", "SP_D=four", NULL};
    run(0, child_path(), envp, show);
    printf("-- empty envp:\n");
    char *none[] = {NULL};
    run(0, child_path(), none, show);

    /* posix_spawnp: PATH search, first match wins; missing -> ENOENT */
    char path[1024];
    snprintf(path, sizeof path, "/nonexistent:%s:/also/nonexistent", child_dir());
    CHECK(setenv("PATH", path, 1) == 0);
    char *say[] = {"spchild", "say", "found", "through", "PATH", NULL};
    printf("-- posix_spawnp:\n");
    run(1, "spchild", environ, say);
    pid_t pid;
    CHECK_RC(posix_spawnp(&pid, "no-such-program", NULL, NULL, say, environ), ENOENT);
    CHECK_RC(posix_spawnp(&pid, "./no-such-program", NULL, NULL, say, environ), ENOENT);
    run(1, child_path(), environ, say);
    CHECK(setenv("PATH", "/nonexistent", 1) == 0);
    CHECK_RC(posix_spawnp(&pid, "spchild", NULL, NULL, say, environ), ENOENT);

    /* clearenv empties everything; setenv works again afterwards */
    CHECK(clearenv() == 0);
    CHECK(getenv("SP_A") == NULL && getenv("PATH") == NULL);
    CHECK(environ == NULL || environ[0] == NULL);
    CHECK(setenv("SP_B", "after clearenv", 1) == 0);
    printf("-- after clearenv:\n");
    run(0, child_path(), environ, show);
    CHECK(environ[0] && !strcmp(environ[0], "SP_B=after clearenv") && !environ[1]);
    return done("sp_env");
}
