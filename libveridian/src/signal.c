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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

long __veridian_signal_return(unsigned nr, long a, long b, long c, long d, long e, long r)
{
    for (;;) {
        int restart = 1, ran = 0;
        struct vk_siginfo si;
        while (vk__kcall_raw(VK_NR_SIGNAL_TAKE, (long)&si, 0, 0, 0, 0) > 0) {
            ran = 1;
            vr_tcb_current()->sig_handled++;
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
        struct vr_tcb *self = vr_tcb_current();
        if (ran)
            self->sig_restart = restart;
        if (r != -VK_EINTR || !ran || !restart || self->sig_norestart ||
            (nr != VK_NR_CALL && nr != VK_NR_CONSOLE_READ))
            return r;
        r = vk__kcall_raw(nr, a, b, c, d, e);
        if (!*__veridian_attention)
            return r;
    }
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

/* ---- dispositions ---- */

static uint64_t set_bits(const sigset_t *set)
{
    return (uint64_t)set->__val[0];
}

static void bits_set(sigset_t *set, uint64_t bits)
{
    sigemptyset(set);
    set->__val[0] = (unsigned long)bits;
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    struct vk_sigaction ka, ko;
    if (act) {
        ka = (struct vk_sigaction){
            .handler = (uint64_t)(uintptr_t)act->sa_handler,
            .mask = set_bits(&act->sa_mask),
            .flags = (uint32_t)act->sa_flags & (VK_SA_NOCLDSTOP | VK_SA_SIGINFO | VK_SA_RESTART |
                                                VK_SA_NODEFER | VK_SA_RESETHAND),
        };
    }
    long rc = vk_signal_action(sig, act ? &ka : NULL, old ? &ko : NULL);
    if (rc < 0)
        return (int)vr_posix(rc);
    if (old) {
        memset(old, 0, sizeof *old);
        old->sa_handler = (sighandler_t)(uintptr_t)ko.handler;
        bits_set(&old->sa_mask, ko.mask);
        old->sa_flags = (int)ko.flags;
    }
    return 0;
}

/* signal(): BSD semantics, as glibc gives them: SA_RESTART, the signal blocked while its
 * handler runs. */
sighandler_t signal(int sig, sighandler_t handler)
{
    struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;
    sigemptyset(&act.sa_mask);
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int siginterrupt(int sig, int flag)
{
    struct sigaction act;
    if (sigaction(sig, NULL, &act) < 0)
        return -1;
    if (flag)
        act.sa_flags &= ~SA_RESTART;
    else
        act.sa_flags |= SA_RESTART;
    return sigaction(sig, &act, NULL);
}

/* ---- masks ---- */

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    uint64_t prev;
    long rc;
    if (set)
        rc = vk_signal_mask(how, set_bits(set), &prev);
    else
        rc = vk_signal_mask(VK_SIG_BLOCK, 0, &prev); /* how is ignored without a set */
    if (rc < 0)
        return (int)-rc;
    if (old)
        bits_set(old, prev);
    return 0;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    int rc = pthread_sigmask(how, set, old);
    if (rc) {
        errno = rc;
        return -1;
    }
    return 0;
}

int sigpending(sigset_t *set)
{
    uint64_t pending, mask;
    long rc = vk_signal_pending(&pending);
    if (rc < 0 || (rc = vk_signal_mask(VK_SIG_BLOCK, 0, &mask)) < 0)
        return (int)vr_posix(rc);
    bits_set(set, pending & mask);
    return 0;
}

/* Wait until a handler has run on this thread (with the mask *mask meanwhile, when mask is
 * not NULL: the old mask is back afterwards); always -1 with EINTR. The mask call may run a
 * handler already, so the count of handlers run, not the wait's result, ends the wait. */
static int wait_for_handler(const sigset_t *mask)
{
    uint64_t old = 0;
    struct vr_tcb *self = vr_tcb_current();
    unsigned before = self->sig_handled;
    self->sig_norestart++;
    if (mask)
        vk_signal_mask(VK_SIG_SETMASK, set_bits(mask), &old);
    while (self->sig_handled == before)
        vk_signal_wait(VK_DEADLINE_NEVER);
    self->sig_norestart--;
    if (mask)
        vk_signal_mask(VK_SIG_SETMASK, old, NULL);
    errno = EINTR;
    return -1;
}

int sigsuspend(const sigset_t *mask)
{
    return wait_for_handler(mask);
}

int pause(void)
{
    return wait_for_handler(NULL);
}

/* ---- sending ---- */

int kill(pid_t pid, int sig)
{
    return (int)vr_posix(vk_signal_send(pid, sig, 0));
}

int killpg(pid_t pgrp, int sig)
{
    if (pgrp <= 1) {
        errno = EINVAL;
        return -1;
    }
    return kill(-pgrp, sig);
}

/* To the calling thread: its handler has run when raise returns (delivery happens as the
 * kernel call that sent it returns). */
int raise(int sig)
{
    struct vk_proc_ids ids;
    long rc = vk_process_ids(0, &ids);
    if (rc < 0)
        return (int)vr_posix(rc);
    return (int)vr_posix(vk_signal_send(ids.tid, sig, VK_SIGSEND_THREAD));
}

unsigned int alarm(unsigned int seconds)
{
    uint64_t deadline = 0;
    if (seconds)
        deadline = (uint64_t)vk_clock_get() + (uint64_t)seconds * 1000000000ull;
    long left = vk_signal_alarm(deadline);
    if (left <= 0)
        return 0;
    return (unsigned)(((uint64_t)left + 999999999ull) / 1000000000ull);
}

/* ---- names ---- */

const char *const sys_siglist[NSIG] = {
    [SIGHUP] = "Hangup",
    [SIGINT] = "Interrupt",
    [SIGQUIT] = "Quit",
    [SIGILL] = "Illegal instruction",
    [SIGTRAP] = "Trace/breakpoint trap",
    [SIGABRT] = "Aborted",
    [SIGBUS] = "Bus error",
    [SIGFPE] = "Floating point exception",
    [SIGKILL] = "Killed",
    [SIGUSR1] = "User defined signal 1",
    [SIGSEGV] = "Segmentation fault",
    [SIGUSR2] = "User defined signal 2",
    [SIGPIPE] = "Broken pipe",
    [SIGALRM] = "Alarm clock",
    [SIGTERM] = "Terminated",
    [SIGSTKFLT] = "Stack fault",
    [SIGCHLD] = "Child exited",
    [SIGCONT] = "Continued",
    [SIGSTOP] = "Stopped (signal)",
    [SIGTSTP] = "Stopped",
    [SIGTTIN] = "Stopped (tty input)",
    [SIGTTOU] = "Stopped (tty output)",
    [SIGURG] = "Urgent I/O condition",
    [SIGXCPU] = "CPU time limit exceeded",
    [SIGXFSZ] = "File size limit exceeded",
    [SIGVTALRM] = "Virtual timer expired",
    [SIGPROF] = "Profiling timer expired",
    [SIGWINCH] = "Window changed",
    [SIGIO] = "I/O possible",
    [SIGPWR] = "Power failure",
    [SIGSYS] = "Bad system call",
};

char *strsignal(int sig)
{
    static char buf[32];
    if (sig > 0 && sig < NSIG && sys_siglist[sig])
        return (char *)sys_siglist[sig];
    if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, sizeof buf, "Real-time signal %d", sig - SIGRTMIN);
    else
        snprintf(buf, sizeof buf, "Unknown signal %d", sig);
    return buf;
}

void psignal(int sig, const char *s)
{
    if (s && *s)
        fprintf(stderr, "%s: %s\n", s, strsignal(sig));
    else
        fprintf(stderr, "%s\n", strsignal(sig));
}
