/*
 * Signals, process groups and sessions (veridian/kcall.h "Signals" and "process ids").
 *
 * A signal is posted to a process (kill) or to one thread (a thread-directed send): one
 * pending instance per signal number, with the siginfo of the first send. Posting applies
 * what cannot wait (SIGKILL ends the process, SIGCONT resumes it, a stop signal discards a
 * pending SIGCONT and the other way round), then evaluate() settles the process: ignored
 * signals are dropped; a default action whose signal some thread does not block is carried
 * out here (terminate, stop); a handled signal makes one thread's attention word non-zero
 * (thread-directed: that thread; process-directed: the first thread, in creation order,
 * that does not block it), and if that thread is blocked in a kernel call, the call ends with
 * -VK_EINTR. The handler itself runs in user mode: libveridian sees the attention word when
 * a kernel call returns and calls signal_take. Everything happens at kernel-call boundaries
 * of the current thread, so delivery is a function of the seed.
 *
 * Stops: a stopped process's threads park at their next kernel-call boundary
 * (vk_signal_park, from vk_dispatch) until SIGCONT or death; threads blocked inside a call
 * stay blocked, and park on the way out.
 *
 * Family: a process knows its parent (a weak link, cleared by reparenting when the parent
 * ends: its children go to pid 1) and its children; the parent gets SIGCHLD when a child
 * exits, stops or continues. Permission to signal: the sender's kernel uid is 0 or the
 * target's, or the signal is SIGCONT within the sender's session.
 */

#include "kernel_internal.h"
#include "veridian/caps.h"

#define SIGKILL 9u
#define SIGCHLD 17u
#define SIGCONT 18u
#define SIGSTOP 19u
#define SIGTSTP 20u
#define SIGTTIN 21u
#define SIGTTOU 22u
#define SIGURG 23u
#define SIGWINCH 28u
#define SIGALRM 14u

#define BIT(s) VK_SIG_BIT(s)
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOP_SIGS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
#define IGNORED_BY_DEFAULT (BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGCONT))
#define VALID_SIGS (~0ull & ~(BIT(32) | BIT(33)))

static int sig_valid(uint64_t s)
{
    return s >= 1 && s <= VK_SIG_MAX && (VALID_SIGS & BIT(s));
}

struct vk_process *vk_process_find(struct vk_kernel *k, uint32_t pid)
{
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->pid == pid)
            return p; /* exiting or not: still listed until its last thread is out */
    }
    return NULL;
}

static struct vk_thread *first_thread(struct vk_process *p)
{
    return vk_list_empty(&p->threads)
               ? NULL
               : VK_CONTAINER_OF(p->threads.next, struct vk_thread, proc_link);
}

/* The signals p has a handler for. */
static uint64_t handled(const struct vk_process *p)
{
    uint64_t m = 0;
    for (uint32_t i = 0; i < VK_SIG_MAX; i++)
        if (p->sigactions[i].handler > VK_SIG_IGN)
            m |= 1ull << i;
    return m;
}

/* The signals that p drops when they arrive: ignored, or ignored by default. */
static uint64_t dropped(const struct vk_process *p)
{
    uint64_t m = 0;
    for (uint32_t i = 0; i < VK_SIG_MAX; i++) {
        uint64_t h = p->sigactions[i].handler;
        if (h == VK_SIG_IGN || (h == VK_SIG_DFL && (IGNORED_BY_DEFAULT & (1ull << i))))
            m |= 1ull << i;
    }
    return m & ~UNBLOCKABLE;
}

static void set_attention(struct vk_kernel *k, struct vk_thread *t, uint64_t v)
{
    if (t->attention == v)
        return;
    t->attention = v;
    if (t == k->cur && t->proc->self_addr)
        vk_plat_copy_out(k, t->proc, t->proc->self_addr + 8, &v, 8);
}

static void trace_signal(struct vk_kernel *k, const struct vk_process *p, uint32_t tid,
                         uint32_t signo, int32_t code, uint32_t outcome)
{
    vk_trace(k, VK_TR_SIGNAL, p->pid, signo, (uint64_t)(int64_t)code, tid, outcome);
}

/* ---- stop and continue ---- */

static void notify_parent(struct vk_kernel *k, struct vk_process *p, int32_t code, int32_t status);

static void stop_process(struct vk_kernel *k, struct vk_process *p, uint32_t signo)
{
    if (p->stopped || p->exiting)
        return;
    p->stopped = 1;
    p->stop_signo = signo;
    p->stops++;
    notify_parent(k, p, VK_CLD_STOPPED, (int32_t)signo);
}

static void continue_process(struct vk_kernel *k, struct vk_process *p)
{
    p->sig_pending &= ~STOP_SIGS;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next)
        VK_CONTAINER_OF(l, struct vk_thread, proc_link)->sig_pending &= ~STOP_SIGS;
    if (!p->stopped)
        return;
    p->stopped = 0;
    p->continues++;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next) {
        struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
        if (t->parked)
            vk_wake(k, t, 0);
    }
    notify_parent(k, p, VK_CLD_CONTINUED, (int32_t)SIGCONT);
}

void vk_signal_park(struct vk_kernel *k)
{
    struct vk_thread *t = k->cur;
    while (t->proc->stopped && !t->killed) {
        t->parked = 1;
        vk_block(k, VK_DEADLINE_NEVER);
        t->parked = 0;
    }
}

/* ---- settling a process after a change ---- */

static void terminate(struct vk_kernel *k, struct vk_process *p, uint32_t signo)
{
    struct vk_proc_info why = {
        .exit_kind = VK_EXIT_SIGNAL, .exit_code = 128 + (int32_t)signo, .signo = signo};
    vk_process_kill(k, p, &why);
    if (k->cur && k->cur->proc == p)
        k->cur->killed = 1; /* vk_dispatch ends the thread on the way out */
}

/* The default actions of the signals in due, taken off *pending lowest first: a stop signal
 * stops p, anything else terminates it. 1 once p is terminated (nothing more to do). */
static int act_default(struct vk_kernel *k, struct vk_process *p, uint64_t *pending, uint64_t due)
{
    for (uint32_t s = 1; due; s++, due >>= 1) {
        if (!(due & 1))
            continue;
        *pending &= ~BIT(s);
        if (!(STOP_SIGS & BIT(s))) {
            terminate(k, p, s);
            return 1;
        }
        stop_process(k, p, s);
    }
    return 0;
}

/* Carry out the default actions that are due, then point each thread's attention word at
 * what it has to handle, interrupting a blocked thread that has something new. */
static void evaluate(struct vk_kernel *k, struct vk_process *p)
{
    if (p->exiting || p->state == VK_PROC_EXITED)
        return;
    uint64_t drop = dropped(p), hand = handled(p);
    uint64_t blocked_by_all = ~0ull;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next)
        blocked_by_all &= VK_CONTAINER_OF(l, struct vk_thread, proc_link)->sig_mask;
    p->sig_pending &= ~drop;
    /* default actions: terminate and stop (continue happened when SIGCONT was posted) */
    uint64_t dfl = ~drop & ~hand;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next) {
        struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
        t->sig_pending &= ~drop;
        if (act_default(k, p, &t->sig_pending, t->sig_pending & dfl & ~t->sig_mask))
            return;
    }
    if (act_default(k, p, &p->sig_pending, p->sig_pending & dfl & ~blocked_by_all))
        return;
    /* handlers: thread-directed to their thread, process-directed to the first taker */
    uint64_t unclaimed = p->sig_pending & hand;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next) {
        struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
        uint64_t mine = (t->sig_pending & hand & ~t->sig_mask) | (unclaimed & ~t->sig_mask);
        unclaimed &= t->sig_mask;
        set_attention(k, t, mine ? 1 : 0);
        if (mine && t->state == VK_T_BLOCKED && !t->parked && t != k->cur)
            vk_cancel_wait(k, t, -VK_EINTR);
    }
}

/* Post signo to p (t: to that thread of p, or NULL). The sender's identity is in info. */
static uint32_t post(struct vk_kernel *k, struct vk_process *p, struct vk_thread *t,
                     const struct vk_siginfo *info)
{
    uint32_t s = info->signo;
    if (p->exiting)
        return VK_SIGO_IGNORED;
    if (s == SIGKILL) {
        terminate(k, p, s);
        return VK_SIGO_TERMINATE;
    }
    uint32_t outcome = VK_SIGO_PENDING;
    if (s == SIGCONT) {
        outcome = p->stopped ? VK_SIGO_CONTINUE : VK_SIGO_IGNORED;
        continue_process(k, p);
    } else if (STOP_SIGS & BIT(s)) {
        p->sig_pending &= ~BIT(SIGCONT);
    }
    uint64_t *pending = t ? &t->sig_pending : &p->sig_pending;
    struct vk_siginfo *slot = t ? &t->sig_info[s - 1] : &p->sig_info[s - 1];
    if (dropped(p) & BIT(s))
        return outcome == VK_SIGO_CONTINUE ? outcome : VK_SIGO_IGNORED;
    if (*pending & BIT(s))
        return VK_SIGO_IGNORED; /* one instance per signal */
    *pending |= BIT(s);
    *slot = *info;
    uint32_t was_stopped = p->stopped;
    evaluate(k, p);
    if (p->exiting)
        return VK_SIGO_TERMINATE;
    if (p->stopped && !was_stopped)
        return VK_SIGO_STOP;
    return outcome;
}

static void send_kernel(struct vk_kernel *k, struct vk_process *p, uint32_t signo, int32_t code,
                        uint32_t pid, uint32_t uid, int32_t status)
{
    struct vk_siginfo info = {
        .signo = signo, .code = code, .pid = pid, .uid = uid, .status = status};
    trace_signal(k, p, 0, signo, code, post(k, p, NULL, &info));
}

static void notify_parent(struct vk_kernel *k, struct vk_process *p, int32_t code, int32_t status)
{
    if (p->exit_notify) /* waitpid's wake-up: stops and continues too */
        vk_notification_raise(k, p->exit_notify, p->exit_bits);
    struct vk_process *parent = p->parent;
    if (!parent)
        return;
    if (code != VK_CLD_EXITED && code != VK_CLD_KILLED &&
        (parent->sigactions[SIGCHLD - 1].flags & VK_SA_NOCLDSTOP))
        return;
    send_kernel(k, parent, SIGCHLD, code, p->pid, p->uid, status);
}

void vk_signal_process(struct vk_kernel *k, struct vk_process *p, uint32_t signo, int32_t code)
{
    if (sig_valid(signo))
        send_kernel(k, p, signo, code, 0, 0, 0);
}

void vk_signal_group(struct vk_kernel *k, uint32_t pgid, uint32_t signo, int32_t code)
{
    if (!pgid || !sig_valid(signo))
        return;
    for (struct vk_list *l = k->procs.next, *n; l != &k->procs; l = n) {
        n = l->next; /* a terminated process stays listed until its last thread is out */
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->pgid == pgid && !p->exiting)
            send_kernel(k, p, signo, code, 0, 0, 0);
    }
}

/* ---- the family: spawn and exit ---- */

static int group_in_session(struct vk_kernel *k, uint32_t pgid, uint32_t sid)
{
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (!p->exiting && p->pgid == pgid && p->sid == sid)
            return 1;
    }
    return 0;
}

void vk_signal_inherit(struct vk_kernel *k, struct vk_process *child, struct vk_process *parent)
{
    vk_list_init(&child->children);
    if (!parent) {
        child->pgid = child->sid = child->pid;
        return;
    }
    child->parent = parent;
    vk_list_add_tail(&parent->children, &child->sibling);
    child->uid = parent->uid;
    child->pgid = parent->pgid;
    child->sid = parent->sid;
    /* as across exec: what the parent ignores stays ignored, handlers become defaults */
    for (uint32_t i = 0; i < VK_SIG_MAX; i++)
        if (parent->sigactions[i].handler == VK_SIG_IGN)
            child->sigactions[i].handler = VK_SIG_IGN;
    struct vk_thread *t = first_thread(child);
    if (t && k->cur && k->cur->proc == parent)
        t->sig_mask = k->cur->sig_mask;
}

int vk_signal_spawn_check(struct vk_kernel *k, const struct vk_spawn *s)
{
    const struct vk_process *self = k->cur->proc;
    if ((s->flags & VK_SPAWN_PGID) && s->pgid && !group_in_session(k, s->pgid, self->sid))
        return -VK_EPERM;
    return 0;
}

void vk_signal_spawn_apply(struct vk_kernel *k, struct vk_process *child, const struct vk_spawn *s)
{
    (void)k;
    if (s->flags & VK_SPAWN_UID)
        child->uid = s->uid;
    if (s->flags & VK_SPAWN_PGID)
        child->pgid = s->pgid ? s->pgid : child->pid;
    struct vk_thread *t = first_thread(child);
    if ((s->flags & VK_SPAWN_SIGMASK) && t)
        t->sig_mask = s->sigmask & ~UNBLOCKABLE;
    if (s->flags & VK_SPAWN_SIGDEF)
        for (uint32_t i = 0; i < VK_SIG_MAX; i++)
            if (s->sigdefault & (1ull << i))
                child->sigactions[i].handler = VK_SIG_DFL;
}

void vk_signal_exec(struct vk_process *p)
{
    for (uint32_t i = 0; i < VK_SIG_MAX; i++)
        if (p->sigactions[i].handler > VK_SIG_IGN)
            p->sigactions[i] = (struct vk_sigaction){.handler = VK_SIG_DFL};
}

void vk_signal_process_exit(struct vk_kernel *k, struct vk_process *p)
{
    if (p->alarm.armed)
        vk_kernel_timer_cancel(k, &p->alarm);
    struct vk_process *init = vk_process_find(k, 1);
    if (init == p)
        init = NULL;
    while (!vk_list_empty(&p->children)) {
        struct vk_process *c = VK_CONTAINER_OF(p->children.next, struct vk_process, sibling);
        vk_list_del(&c->sibling);
        c->parent = init;
        if (init)
            vk_list_add_tail(&init->children, &c->sibling);
    }
    if (p->parent) {
        vk_list_del(&p->sibling);
        int killed = p->exit.exit_kind != VK_EXIT_NORMAL;
        notify_parent(k, p, killed ? VK_CLD_KILLED : VK_CLD_EXITED,
                      killed ? (int32_t)(p->exit.signo ? p->exit.signo : SIGKILL)
                             : p->exit.exit_code);
        p->parent = NULL;
    }
}

/* ---- kernel calls ---- */

long vk_sys_signal_action(struct vk_kernel *k, uint64_t signo, uint64_t uact, uint64_t uold)
{
    struct vk_process *p = k->cur->proc;
    struct vk_sigaction act;
    int rc;
    if (!sig_valid(signo))
        return -VK_EINVAL;
    if (uact) {
        if (signo == SIGKILL || signo == SIGSTOP)
            return -VK_EINVAL;
        if ((rc = vk_copy_in(k, &act, uact, sizeof act)))
            return rc;
        if (act.reserved)
            return -VK_EINVAL;
    }
    if (uold && (rc = vk_uprobe_write(k, uold, sizeof act)))
        return rc;
    /* invoke */
    struct vk_sigaction *cur = &p->sigactions[signo - 1];
    if (uold)
        vk_copy_out(k, uold, cur, sizeof *cur);
    if (uact) {
        act.mask &= ~UNBLOCKABLE;
        *cur = act;
        evaluate(k, p); /* newly ignored: dropped; newly default: acted on */
    }
    return 0;
}

long vk_sys_signal_mask(struct vk_kernel *k, uint64_t how, uint64_t set, uint64_t uold)
{
    struct vk_thread *t = k->cur;
    int rc;
    if (how > VK_SIG_SETMASK)
        return -VK_EINVAL;
    if (uold && (rc = vk_uprobe_write(k, uold, 8)))
        return rc;
    if (uold)
        vk_copy_out(k, uold, &t->sig_mask, 8);
    set &= ~UNBLOCKABLE;
    if (how == VK_SIG_BLOCK)
        t->sig_mask |= set;
    else if (how == VK_SIG_UNBLOCK)
        t->sig_mask &= ~set;
    else
        t->sig_mask = set;
    evaluate(k, t->proc);
    return 0;
}

static int may_signal(const struct vk_process *from, const struct vk_process *to, uint64_t signo)
{
    return from->uid == 0 || from->uid == to->uid || (signo == SIGCONT && from->sid == to->sid);
}

long vk_sys_signal_send(struct vk_kernel *k, int64_t target, uint64_t signo, uint64_t flags)
{
    struct vk_thread *me = k->cur;
    struct vk_process *self = me->proc;
    if ((signo && !sig_valid(signo)) || (flags & ~(uint64_t)VK_SIGSEND_THREAD))
        return -VK_EINVAL;
    struct vk_siginfo info = {.signo = (uint32_t)signo, .pid = self->pid, .uid = self->uid};
    if (flags & VK_SIGSEND_THREAD) {
        for (struct vk_list *l = self->threads.next; l != &self->threads; l = l->next) {
            struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
            if ((int64_t)t->tid != target || t->state == VK_T_DEAD)
                continue;
            info.code = VK_SI_TKILL;
            uint32_t o = signo ? post(k, self, t, &info) : VK_SIGO_CHECK;
            trace_signal(k, self, t->tid, (uint32_t)signo, info.code, o);
            return 0;
        }
        return -VK_ESRCH;
    }
    if (target > 0) {
        struct vk_process *p = target <= UINT32_MAX ? vk_process_find(k, (uint32_t)target) : NULL;
        if (!p)
            return -VK_ESRCH;
        if (!may_signal(self, p, signo))
            return -VK_EPERM;
        uint32_t o = signo ? post(k, p, NULL, &info) : VK_SIGO_CHECK;
        trace_signal(k, p, 0, (uint32_t)signo, VK_SI_USER, o);
        return 0;
    }
    if (target < -(int64_t)UINT32_MAX)
        return -VK_ESRCH;
    uint32_t pgid = target == 0 ? self->pgid : (uint32_t)-target;
    int found = 0, permitted = 0;
    for (struct vk_list *l = k->procs.next, *n; l != &k->procs; l = n) {
        n = l->next;
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->exiting)
            continue;
        if (target == -1 ? (p->pid == 1 || p == self) : p->pgid != pgid)
            continue;
        found = 1;
        if (!may_signal(self, p, signo))
            continue;
        permitted = 1;
        uint32_t o = signo ? post(k, p, NULL, &info) : VK_SIGO_CHECK;
        trace_signal(k, p, 0, (uint32_t)signo, VK_SI_USER, o);
    }
    /* as Linux: a group with no permitted member is EPERM; -1 is fine if it found anyone */
    return !found ? -VK_ESRCH : !permitted && target != -1 ? -VK_EPERM : 0;
}

long vk_sys_signal_take(struct vk_kernel *k, uint64_t uinfo)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    int rc = vk_uprobe_write(k, uinfo, sizeof(struct vk_siginfo));
    if (rc)
        return rc;
    uint64_t hand = handled(p);
    uint64_t mine = t->sig_pending & hand & ~t->sig_mask;
    uint64_t shared = p->sig_pending & hand & ~t->sig_mask;
    if (!mine && !shared) {
        set_attention(k, t, 0);
        return 0;
    }
    /* thread-directed first, lowest number first */
    uint64_t from = mine ? mine : shared;
    uint32_t s = (uint32_t)__builtin_ctzll(from) + 1;
    struct vk_siginfo info;
    if (mine) {
        info = t->sig_info[s - 1];
        t->sig_pending &= ~BIT(s);
    } else {
        info = p->sig_info[s - 1];
        p->sig_pending &= ~BIT(s);
    }
    struct vk_sigaction *act = &p->sigactions[s - 1];
    info.handler = act->handler;
    info.flags = act->flags;
    info.restore_mask = t->sig_mask;
    t->sig_mask |= act->mask | ((act->flags & VK_SA_NODEFER) ? 0 : BIT(s));
    t->sig_mask &= ~UNBLOCKABLE;
    if (act->flags & VK_SA_RESETHAND) {
        act->handler = VK_SIG_DFL;
        act->flags &= ~(uint32_t)VK_SA_SIGINFO;
    }
    vk_copy_out(k, uinfo, &info, sizeof info);
    vk_trace(k, VK_TR_SIGNAL_TAKE, s, info.handler, (uint64_t)(int64_t)info.code, t->sig_mask, 0);
    evaluate(k, p);
    /* the attention word stays set while more is deliverable now; evaluate recomputed it */
    return s;
}

long vk_sys_signal_pending(struct vk_kernel *k, uint64_t uout)
{
    struct vk_thread *t = k->cur;
    uint64_t v = t->sig_pending | t->proc->sig_pending;
    return vk_copy_out(k, uout, &v, 8);
}

long vk_sys_signal_wait(struct vk_kernel *k, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    if (t->attention)
        return -VK_EINTR;
    long r = vk_block(k, deadline);
    return r == 0 ? -VK_EINTR : r;
}

static void alarm_fired(void *ctx, struct vl_timer *tm)
{
    struct vk_process *p = VK_CONTAINER_OF(tm, struct vk_process, alarm);
    send_kernel(ctx, p, SIGALRM, VK_SI_TIMER, 0, 0, 0);
}

long vk_sys_signal_alarm(struct vk_kernel *k, uint64_t deadline)
{
    struct vk_process *p = k->cur->proc;
    uint64_t left = 0;
    if (p->alarm.armed) {
        left = p->alarm.time > k->now ? p->alarm.time - k->now : 1;
        vk_kernel_timer_cancel(k, &p->alarm);
    }
    if (deadline) {
        p->alarm.fn = alarm_fired;
        p->alarm.ctx = k;
        int rc = vk_kernel_timer_add(k, &p->alarm, deadline > k->now ? deadline : k->now);
        if (rc)
            return rc;
    }
    return (long)(left > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : left);
}

long vk_sys_process_ids(struct vk_kernel *k, uint64_t pid, uint64_t uout)
{
    struct vk_process *p =
        pid ? (pid <= UINT32_MAX ? vk_process_find(k, (uint32_t)pid) : NULL) : k->cur->proc;
    if (!p)
        return -VK_ESRCH;
    struct vk_proc_ids ids = {.pid = p->pid,
                              .ppid = p->parent ? p->parent->pid : 0,
                              .pgid = p->pgid,
                              .sid = p->sid,
                              .uid = p->uid,
                              .tid = pid ? 0 : k->cur->tid};
    return vk_copy_out(k, uout, &ids, sizeof ids);
}

long vk_sys_process_setpgid(struct vk_kernel *k, uint64_t pid, uint64_t pgid)
{
    struct vk_process *self = k->cur->proc;
    if (pid > UINT32_MAX || pgid > UINT32_MAX)
        return -VK_EINVAL;
    struct vk_process *p = pid ? vk_process_find(k, (uint32_t)pid) : self;
    if (!p || (p != self && p->parent != self))
        return -VK_ESRCH;
    if (p->sid != self->sid || p->sid == p->pid)
        return -VK_EPERM;
    if (!pgid)
        pgid = p->pid;
    if (pgid != p->pid && !group_in_session(k, (uint32_t)pgid, self->sid))
        return -VK_EPERM;
    p->pgid = (uint32_t)pgid;
    return 0;
}

long vk_sys_process_setsid(struct vk_kernel *k)
{
    struct vk_process *p = k->cur->proc;
    if (p->pgid == p->pid || group_in_session(k, p->pid, p->sid))
        return -VK_EPERM;
    p->sid = p->pgid = p->pid;
    return p->sid;
}

long vk_sys_process_setuid(struct vk_kernel *k, uint32_t h, uint64_t uid)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_RESOURCE, VK_RIGHT_SETUID, &e);
    if (rc)
        return rc;
    if (uid > UINT32_MAX - 1)
        return -VK_EINVAL;
    k->cur->proc->uid = (uint32_t)uid;
    return 0;
}
