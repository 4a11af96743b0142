/*
 * signal(): dispositions are recorded per process; nothing delivers signals yet (see
 * <signal.h>). SIGKILL and SIGSTOP cannot be changed, as in POSIX.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>

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

/* ---- signal sets ---- */

#define SET_BITS (8 * sizeof(unsigned long))

int sigemptyset(sigset_t *set)
{
    for (size_t i = 0; i < sizeof set->__val / sizeof set->__val[0]; i++)
        set->__val[i] = 0;
    return 0;
}

int sigfillset(sigset_t *set)
{
    for (size_t i = 0; i < sizeof set->__val / sizeof set->__val[0]; i++)
        set->__val[i] = ~0ul;
    return 0;
}

static int sig_ok(int sig)
{
    if (sig <= 0 || sig >= NSIG) {
        errno = EINVAL;
        return 0;
    }
    return 1;
}

int sigaddset(sigset_t *set, int sig)
{
    if (!sig_ok(sig))
        return -1;
    set->__val[(sig - 1) / SET_BITS] |= 1ul << ((sig - 1) % SET_BITS);
    return 0;
}

int sigdelset(sigset_t *set, int sig)
{
    if (!sig_ok(sig))
        return -1;
    set->__val[(sig - 1) / SET_BITS] &= ~(1ul << ((sig - 1) % SET_BITS));
    return 0;
}

int sigismember(const sigset_t *set, int sig)
{
    if (!sig_ok(sig))
        return -1;
    return (set->__val[(sig - 1) / SET_BITS] >> ((sig - 1) % SET_BITS)) & 1;
}
