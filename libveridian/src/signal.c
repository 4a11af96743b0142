/*
 * Signals in user space: the delivery at kernel-call boundaries (__veridian_signal_return,
 * reached from vk__kcall when the thread's attention word is set), dispositions, masks and
 * sending (veridian/kcall.h "Signals" is the contract).
 *
 * Delivery: signal_take hands over one signal with its handler and the mask to restore; the
 * handler runs on the thread's own stack, then the mask is restored, until nothing is left.
 * An interrupted call (-VK_EINTR) is made again when every handler that ran had SA_RESTART
 * and the call is a restartable one (an IPC call or a console read) and the thread is not
 * inside a call that POSIX never restarts (vr_signal_norestart: poll, nanosleep...).
 */
#include "libc.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

long __veridian_signal_return(unsigned nr, long a, long b, long c, long d, long e, long r)
{
    for (;;) {
        int restart = 1, ran = 0;
        struct vk_siginfo si;
        while (vk__kcall_raw(VK_NR_SIGNAL_TAKE, (long)&si, 0, 0, 0, 0) > 0) {
            ran = 1;
            if (!(si.flags & VK_SA_RESTART))
                restart = 0;
            if (si.flags & VK_SA_SIGINFO) {
                siginfo_t info = {.si_signo = (int)si.signo,
                                  .si_code = si.code,
                                  .si_pid = (pid_t)si.pid,
                                  .si_uid = si.uid,
                                  .si_status = si.status};
                ((void (*)(int, siginfo_t *, void *))(uintptr_t)si.handler)((int)si.signo, &info,
                                                                            NULL);
            } else {
                ((void (*)(int))(uintptr_t)si.handler)((int)si.signo);
            }
            vk__kcall_raw(VK_NR_SIGNAL_MASK, VK_SIG_SETMASK, (long)si.restore_mask, 0, 0, 0);
        }
        if (r != -VK_EINTR || !ran || !restart || vr_tcb_current()->sig_norestart ||
            (nr != VK_NR_CALL && nr != VK_NR_CONSOLE_READ))
            return r;
        r = vk__kcall_raw(nr, a, b, c, d, e);
        if (!*__veridian_attention)
            return r;
    }
}

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
