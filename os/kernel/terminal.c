/*
 * Terminals served by a process (veridian/kcall.h "Terminals served by a process"): the
 * kernel's part of a tty whose line discipline runs in a driver (drivers/virtio-console for
 * /dev/hvc0), namely who may be signalled through it.
 *
 * The problem: the driver sees ^C, but runs as its own uid, and kill's uid rule (signal.c)
 * rightly forbids it to signal the user's processes; nor can it tell whose call it serves
 * (a client is a badge, not a pid). The rule: a terminal object remembers the session it is
 * the controlling terminal of and its foreground group; whoever holds the object with SIGNAL
 * (the driver) may signal that foreground group, and only the members of it that are in
 * that session. The session and the group are set only on behalf of a process of that
 * session, named by a call it made to the server that is still unanswered (its reply token,
 * which only the server that received the call holds): the kernel checks that caller, so a
 * driver cannot point its terminal at a session that never used it, and a process of another
 * session can neither take the terminal over nor be signalled through it.
 *
 * Job control (ACCESS): a caller of the terminal's session outside its foreground group gets
 * SIGTTIN or SIGTTOU sent to its group as on the console (os/kernel/console.c job_check);
 * since the kernel cannot park another process's call, the server holds it while the caller
 * is stopped and asks again (VK_TERM_HOLD). Orphaned groups are not told apart (neither does
 * the console): a stopped orphan waits for a SIGCONT as any other.
 *
 * Invariants: pgrp != 0 only with sid != 0. A terminal whose session has no process left may
 * be claimed again (Linux drops the controlling terminal when the session ends).
 */

#include "kernel_internal.h"

struct vk_terminal {
    struct vk_object o;
    uint32_t sid;  /* the session it is the controlling terminal of; 0: none */
    uint32_t pgrp; /* its foreground group */
};

#define TERM_SIGTTIN 21u
#define TERM_SIGTTOU 22u
#define TERMINAL_RIGHTS (VK_RIGHT_READ | VK_RIGHT_SIGNAL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER)

long vk_sys_terminal_create(struct vk_kernel *k, uint64_t out)
{
    struct vk_handle_resv resv;
    int rc = vk_handle_reserve_out(k, out, &resv);
    if (rc)
        return rc;
    struct vk_terminal *t = vk_object_new(k, VK_OBJ_TERMINAL, sizeof *t);
    if (!t) {
        vk_handle_unreserve(k, &resv);
        return -VK_ENOMEM;
    }
    vk_handle_commit_out(k, &resv, &t->o, TERMINAL_RIGHTS, 0, NULL);
    vk_object_unref(k, &t->o);
    return 0;
}

/* Whether a live process is in session sid (and, pgid != 0, in group pgid). */
static int session_has(struct vk_kernel *k, uint32_t sid, uint32_t pgid)
{
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (!p->exiting && p->sid == sid && (!pgid || p->pgid == pgid))
            return 1;
    }
    return 0;
}

/* The caller's session takes the terminal when it is free (see the top). */
static void claim(struct vk_kernel *k, struct vk_terminal *t, const struct vk_process *p)
{
    if (t->sid && session_has(k, t->sid, 0))
        return;
    t->sid = p->sid;
    t->pgrp = p->pgid;
}

/* Every process of the foreground group that is in the terminal's session. */
static long signal_foreground(struct vk_kernel *k, struct vk_terminal *t, uint32_t signo)
{
    long n = 0;
    if (!t->pgrp)
        return 0;
    for (struct vk_list *l = k->procs.next, *next; l != &k->procs; l = next) {
        next = l->next; /* a terminated process stays listed until its last thread is out */
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->exiting || p->pgid != t->pgrp || p->sid != t->sid)
            continue;
        vk_signal_process(k, p, signo, VK_SI_KERNEL);
        n++;
    }
    return n;
}

/* Job control for caller on t (kcall.h ACCESS; the console's job_check, without the wait:
 * the server holds the call instead). */
static long access_check(struct vk_kernel *k, struct vk_terminal *t, struct vk_thread *caller,
                         uint32_t signo)
{
    struct vk_process *p = caller->proc;
    if (!t->sid || p->sid != t->sid || p->pgid == t->pgrp)
        return 0;
    if (p->stopped)
        return VK_TERM_HOLD;
    if (p->sigactions[signo - 1].handler == VK_SIG_IGN ||
        (caller->sig_mask & VK_SIG_BIT(signo)) != 0)
        return signo == TERM_SIGTTIN ? -VK_EIO : 0;
    vk_signal_group(k, p->pgid, signo, VK_SI_KERNEL);
    return p->stopped && !p->exiting ? VK_TERM_HOLD : -VK_EINTR;
}

long vk_sys_terminal_ctl(struct vk_kernel *k, uint32_t h, uint64_t op, uint64_t arg, uint64_t token)
{
    struct vk_process *self = k->cur->proc;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&self->handles, h, VK_OBJ_TERMINAL, 0, &e);
    if (rc)
        return rc;
    struct vk_terminal *t = (struct vk_terminal *)e->obj;
    switch (op) {
    case VK_TERM_GETPGRP:
        return t->pgrp;
    case VK_TERM_SIGNAL:
        if (!(e->rights & VK_RIGHT_SIGNAL))
            return -VK_EPERM;
        if (arg < 1 || arg > VK_SIG_MAX || arg == 32 || arg == 33)
            return -VK_EINVAL;
        return signal_foreground(k, t, (uint32_t)arg);
    case VK_TERM_CLAIM:
    case VK_TERM_SETPGRP:
    case VK_TERM_ACCESS:
        break;
    default:
        return -VK_EINVAL;
    }
    if (op == VK_TERM_SETPGRP && (arg == 0 || arg > 0x7fffffffu))
        return -VK_EINVAL;
    if (op == VK_TERM_ACCESS && arg != TERM_SIGTTIN && arg != TERM_SIGTTOU)
        return -VK_EINVAL;
    struct vk_thread *caller = vk_ipc_caller(self, token);
    if (!caller)
        return -VK_ESRCH;
    struct vk_process *p = caller->proc;
    if (op == VK_TERM_ACCESS)
        return access_check(k, t, caller, (uint32_t)arg);
    if (op == VK_TERM_CLAIM) {
        claim(k, t, p);
        return t->sid;
    }
    if (t->sid && t->sid != p->sid && session_has(k, t->sid, 0))
        return -VK_ENOTTY; /* the controlling terminal of another session */
    if (!session_has(k, p->sid, (uint32_t)arg))
        return -VK_EPERM;
    t->sid = p->sid;
    t->pgrp = (uint32_t)arg;
    return 0;
}
