/*
 * The children posix_spawn started, and waiting for them: waitpid, wait, waitid.
 *
 * A child is a (pid, process handle) entry in a table of ours; the kernel knows its exit
 * (vk_process_info: kind, code, signal). Every child is spawned with exit notification on
 * one notification of ours, bit (slot % 64), so a blocking wait sleeps in one wait_many on
 * that notification (clearing what it observed) and then looks at every candidate again:
 * a bit set before the wait began is still set, so no exit is missed. A child is reaped
 * once: its entry goes and its handle is closed (WNOWAIT leaves both).
 *
 * Status words as Linux: exit code c -> (c & 0xff) << 8; a CPU fault -> its signal number
 * (vk_proc_info.signo); process_kill and the watchdog -> SIGKILL; a raw syscall -> SIGSYS;
 * a changed FS base -> SIGSEGV; a signal's default action -> that signal. Stops and continues
 * (WUNTRACED, WCONTINUED) are counted by the kernel; each child remembers the counts it has
 * reported, so each event is reported once. pid 0 and pid < -1 match the child's process
 * group (vk_proc_info.pgid). A handler that interrupts a blocking wait makes it return EINTR
 * unless the handler had SA_RESTART. Threads waiting at once may take each other's wake-up;
 * each rescans, so a wait can sleep until the next event.
 */
#include "libc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
    pid_t pid;
    uint32_t proc;
    uint32_t seen_stops, seen_continues; /* job-control events already reported */
};

static struct vr_lock child_lock = VR_LOCK_INIT;
static struct child *children;
static size_t nchildren, child_cap;
static uint32_t exit_notify;
static uint64_t next_bit;

long vr_child_notify(uint32_t *notify, uint64_t *bits)
{
    long rc = 0;

    vr_lock_acquire(&child_lock);
    if (!exit_notify)
        rc = vk_notify_create(&exit_notify);
    if (rc == 0) {
        *notify = exit_notify;
        *bits = 1ull << (next_bit++ % 64);
    }
    vr_lock_release(&child_lock);
    return rc;
}

long vr_child_add(uint32_t proc, uint64_t bits)
{
    struct vk_proc_info info;
    long rc = vk_process_info(proc, &info);

    (void)bits;
    if (rc < 0)
        goto fail;
    vr_lock_acquire(&child_lock);
    if (nchildren == child_cap) {
        size_t cap = child_cap ? child_cap * 2 : 16;
        struct child *c = realloc(children, cap * sizeof *c);
        if (!c) {
            vr_lock_release(&child_lock);
            rc = -VK_ENOMEM;
            goto fail;
        }
        children = c;
        child_cap = cap;
    }
    children[nchildren++] = (struct child){(pid_t)info.pid, proc, 0, 0};
    vr_lock_release(&child_lock);
    return (long)info.pid;
fail:
    vk_handle_close(proc);
    return rc;
}

static int status_word(const struct vk_proc_info *info, int *code, int *sig)
{
    *code = 0;
    *sig = 0;
    switch (info->exit_kind) {
    case VK_EXIT_NORMAL:
        *code = info->exit_code & 0xff;
        return *code << 8;
    case VK_EXIT_FAULT:
        *sig = info->signo ? (int)(info->signo & 0x7f) : SIGSEGV;
        break;
    case VK_EXIT_SYSCALL:
        *sig = SIGSYS;
        break;
    case VK_EXIT_FSBASE:
        *sig = SIGSEGV;
        break;
    case VK_EXIT_SIGNAL:
        *sig = (int)(info->signo & 0x7f);
        break;
    case VK_EXIT_LOAD:
        *code = 127; /* never ran: what a shell reports for a program it could not run */
        return 127 << 8;
    default: /* KILLED, WATCHDOG */
        *sig = SIGKILL;
        break;
    }
    return *sig;
}

/* What a wait reports: an exit, a stop, a continue. */
enum { EV_EXIT = 1, EV_STOP = 2, EV_CONT = 4 };

static int matches(const struct child *c, const struct vk_proc_info *info, pid_t pid, pid_t pgrp)
{
    if (pid > 0)
        return c->pid == pid;
    if (pid == -1)
        return 1;
    return (pid_t)info->pgid == (pid == 0 ? pgrp : -pid);
}

/* One pass: 0 with *found and *ev set when a matching child has an event of wanted (an exit
 * reaped unless keep), 1 when matching children run on, -VK_ECHILD when there is none. */
static long scan(pid_t pid, unsigned wanted, int keep, struct child *found,
                 struct vk_proc_info *info, unsigned *ev)
{
    long rc = -VK_ECHILD;
    pid_t pgrp = pid == 0 ? getpgrp() : 0;

    vr_lock_acquire(&child_lock);
    for (size_t i = 0; i < nchildren; i++) {
        struct child *c = &children[i];
        if (vk_process_info(c->proc, info) < 0 || !matches(c, info, pid, pgrp))
            continue;
        rc = 1;
        if (info->state == VK_PROC_EXITED && (wanted & EV_EXIT)) {
            *ev = EV_EXIT;
            *found = *c;
            if (!keep)
                children[i] = children[--nchildren];
        } else if (info->state == VK_PROC_STOPPED && (wanted & EV_STOP) &&
                   info->stops != c->seen_stops) {
            *ev = EV_STOP;
            *found = *c;
            if (!keep)
                c->seen_stops = info->stops;
        } else if (info->continues != c->seen_continues && (wanted & EV_CONT)) {
            *ev = EV_CONT;
            *found = *c;
            if (!keep)
                c->seen_continues = info->continues;
        } else {
            continue;
        }
        rc = 0;
        break;
    }
    vr_lock_release(&child_lock);
    if (rc == 0 && *ev == EV_EXIT && !keep)
        vk_handle_close(found->proc);
    return rc;
}

/* Wait for a matching child's event: its pid with *info and *ev, 0 (nohang, nothing yet) or
 * -VK_E* (-VK_EINTR: a handler without SA_RESTART ran). */
static long wait_child(pid_t pid, int nohang, unsigned wanted, int keep, struct vk_proc_info *info,
                       unsigned *ev)
{
    struct child c = {0, 0, 0, 0};

    for (;;) {
        long rc = scan(pid, wanted, keep, &c, info, ev);
        if (rc == 0)
            return c.pid;
        if (rc < 0)
            return rc;
        if (nohang)
            return 0;
        struct vk_wait w = {.handle = exit_notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
        rc = vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
        if (rc == -VK_EINTR && vr_tcb_current()->sig_restart)
            continue;
        if (rc < 0)
            return rc;
    }
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    struct vk_proc_info info;
    int code, sig;

    unsigned ev = 0, wanted = EV_EXIT;

    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED))
        return (pid_t)vr_posix(-VK_EINVAL);
    if (options & WUNTRACED)
        wanted |= EV_STOP;
    if (options & WCONTINUED)
        wanted |= EV_CONT;
    long rc = wait_child(pid, options & WNOHANG, wanted, 0, &info, &ev);
    if (rc > 0 && status) {
        if (ev == EV_STOP)
            *status = (int)((info.stop_signo & 0xff) << 8) | 0x7f;
        else if (ev == EV_CONT)
            *status = 0xffff;
        else
            *status = status_word(&info, &code, &sig);
    }
    return (pid_t)vr_posix(rc);
}

pid_t wait(int *status)
{
    return waitpid(-1, status, 0);
}

int waitid(idtype_t idtype, id_t id, siginfo_t *si, int options)
{
    struct vk_proc_info info;
    pid_t pid;
    int code, sig;

    if ((options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT)) ||
        !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return (int)vr_posix(-VK_EINVAL);
    switch (idtype) {
    case P_ALL:
        pid = -1;
        break;
    case P_PID:
        if ((pid_t)id <= 0)
            return (int)vr_posix(-VK_EINVAL);
        pid = (pid_t)id;
        break;
    case P_PGID:
        pid = (pid_t)id ? -(pid_t)id : 0;
        break;
    default:
        return (int)vr_posix(-VK_EINVAL);
    }
    unsigned ev = 0, wanted = ((options & WEXITED) ? EV_EXIT : 0u) |
                              ((options & WSTOPPED) ? EV_STOP : 0u) |
                              ((options & WCONTINUED) ? EV_CONT : 0u);
    long rc = wait_child(pid, options & WNOHANG, wanted, (options & WNOWAIT) != 0, &info, &ev);
    if (rc < 0)
        return (int)vr_posix(rc);
    memset(si, 0, sizeof *si);
    if (rc > 0) {
        status_word(&info, &code, &sig);
        si->si_signo = SIGCHLD;
        si->si_pid = (int)rc;
        si->si_code = sig ? CLD_KILLED : CLD_EXITED;
        si->si_status = sig ? sig : code;
        if (ev == EV_STOP) {
            si->si_code = CLD_STOPPED;
            si->si_status = (int)info.stop_signo;
        } else if (ev == EV_CONT) {
            si->si_code = CLD_CONTINUED;
            si->si_status = SIGCONT;
        }
    }
    return 0;
}
