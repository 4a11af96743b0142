/*
 * kill [-s SIGNAL | -SIGNAL | -n NUMBER] PID..., kill -l [NUMBER]: send a signal (TERM by
 * default) to processes (a negative PID is a process group; 0 the caller's group; -1 every
 * process the caller may signal); -l lists the signal names, or names the signal of an exit
 * status (128+N) or number. SIGNAL is a name (with or without SIG, any case) or a number.
 * Exit 0; 1 when a signal could not be sent (kill(2) may still answer ENOSYS on kernels
 * without signals) or for a bad signal, option or missing operand.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "veridian/vk.h"

static int send_signal(pid_t pid, int sig)
{
    return kill(pid, sig);
}

static const char usage[] = "[-s SIGNAL | -SIGNAL] PID... | -l [NUMBER]";

static int list(int argc, char **argv, int i)
{
    if (i >= argc) {
        for (int s = 1; s < 32; s++)
            if (util_signame(s))
                printf("%s%c", util_signame(s), s % 8 == 0 || s == 31 ? '\n' : ' ');
        return 0;
    }
    int status = 0;
    for (; i < argc; i++) {
        long n;
        if (!util_parse_long(argv[i], 10, &n)) {
            if (n > 128)
                n -= 128;
            const char *name = util_signame((int)n);
            if (!name) {
                util_warn("%s: invalid signal specification", argv[i]);
                status = 1;
                continue;
            }
            puts(name);
        } else {
            int s = util_signum(argv[i]);
            if (s <= 0) {
                util_warn("%s: invalid signal specification", argv[i]);
                status = 1;
                continue;
            }
            printf("%d\n", s);
        }
    }
    return status;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int sig = SIGTERM, i = 1;
    if (i < argc && (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-L")))
        return list(argc, argv, i + 1);
    if (i < argc && (!strcmp(argv[i], "-s") || !strcmp(argv[i], "-n"))) {
        if (i + 1 >= argc)
            util_usage(1, usage);
        sig = util_signum(argv[i + 1]);
        if (sig < 0)
            util_die(1, "%s: invalid signal specification", argv[i + 1]);
        i += 2;
    } else if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") &&
               !(argv[i][1] >= '0' && argv[i][1] <= '9' && i + 1 >= argc)) {
        sig = util_signum(argv[i] + 1);
        if (sig < 0)
            util_die(1, "%s: invalid signal specification", argv[i] + 1);
        i++;
    }
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc) {
        util_warn("not enough arguments");
        util_usage(1, usage);
    }
    int status = 0;
    for (; i < argc; i++) {
        long pid;
        if (util_parse_long(argv[i], 10, &pid)) {
            util_warn("%s: arguments must be process or job IDs", argv[i]);
            status = 1;
            continue;
        }
        if (send_signal((pid_t)pid, sig)) {
            util_warn("(%ld) - %s", pid, strerror(errno));
            status = 1;
        }
    }
    return status;
}
