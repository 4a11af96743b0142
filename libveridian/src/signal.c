/*
 * signal(): dispositions are recorded per process; nothing delivers signals yet (see
 * <signal.h>). SIGKILL and SIGSTOP cannot be changed, as in POSIX.
 */
#include <errno.h>
#include <signal.h>

static sighandler_t dispositions[NSIG];

sighandler_t signal(int sig, sighandler_t handler)
{
    if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
        errno = EINVAL;
        return SIG_ERR;
    }
    sighandler_t old = dispositions[sig];
    dispositions[sig] = handler;
    return old;
}
