/*
 * env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]: run COMMAND (looked up in
 * PATH) with the environment changed, or print the resulting environment. Exit: COMMAND's
 * status, 127 when it was not found, 126 when it could not be run, 125 for env's own
 * errors (as GNU env).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int c;
    while ((c = getopt(argc, argv, "+iu:")) != -1) {
        if (c == 'i') {
            clearenv();
        } else if (c == 'u') {
            unsetenv(optarg);
        } else {
            util_usage(125, "[-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARG]...]");
        }
    }
    int i = optind;
    if (i < argc && !strcmp(argv[i], "-")) {
        clearenv();
        i++;
    }
    for (; i < argc && strchr(argv[i], '='); i++) {
        char *eq = strchr(argv[i], '=');
        *eq = 0;
        if (setenv(argv[i], eq + 1, 1)) {
            *eq = '=';
            util_die(125, "cannot set '%s': %s", argv[i], strerror(errno));
        }
    }
    if (i >= argc) {
        for (char **e = environ; e && *e; e++)
            puts(*e);
        return fflush(stdout) ? 125 : 0;
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[i], NULL, NULL, argv + i, environ);
    if (rc) {
        util_warn("'%s': %s", argv[i], strerror(rc));
        return rc == ENOENT ? 127 : 126;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 125;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}
