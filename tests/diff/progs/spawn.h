/*
 * Shared by the spawning differential programs (sp_*.c): where the helper child spchild
 * lives. On Veridian it is /test/spchild in the boot image; the host build finds its own
 * copy through DIFF_BIN (progdiff.sh sets it to the host helpers' directory). Both sides
 * spawn "<dir>/spchild", so every output line is the same.
 */
#ifndef DIFF_SPAWN_H
#define DIFF_SPAWN_H

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Both remembered on first use: a program may clear its environment later. */
static inline const char *child_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *d = getenv("DIFF_BIN");
        snprintf(dir, sizeof dir, "%s", d ? d : "/test");
    }
    return dir;
}

static inline const char *child_path(void)
{
    static char buf[600];
    if (!buf[0])
        snprintf(buf, sizeof buf, "%s/spchild", child_dir());
    return buf;
}

/* "exited N", "killed by signal N" or "???" for a wait status. */
static inline const char *describe(int st)
{
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(st));
    else
        snprintf(buf, sizeof buf, "??? %#x", st);
    return buf;
}

#endif
