/*
 * Scheduling policy: the run set, blocking and waking, deadlines, preemption for --chaos.
 *
 * Threads leave the CPU only inside kernel calls (vk_block, vk_yield, vk_preempt). The run set is
 * an array; when more than one thread is runnable the next one is chosen with the kernel's seeded
 * PRNG, so the interleaving is a function of the seed. It holds at most VK_MACHINE_THREADS_MAX
 * threads (the thread quota) and is allocated once. A deadline is a timer in the event queue; a
 * timeout or a kill first cancels what the thread was waiting in (vk_cancel_wait), then makes it
 * runnable.
 *
 * Time slicing: a thread that never blocks (console writes in a loop, polling) must not starve
 * the others of the CPU, nor keep ^C from reaching it. Each kernel call costs virtual time
 * (the platform charges it); when the running thread has used a slice of it since it got the
 * CPU (vk_slice_over), the platform preempts it at that kernel-call boundary (vk_preempt): it
 * goes back to the run set and another runnable thread, chosen among the others by the seeded
 * PRNG, runs. Both depend only on virtual time and the seed, so a run stays a function of the
 * seed. A thread that spins without kernel calls is the watchdog's (ARCHITECTURE.md).
 */

#include "kernel_internal.h"

void vk_make_runnable(struct vk_kernel *k, struct vk_thread *t)
{
    if (t->state == VK_T_RUNNABLE || t->state == VK_T_DEAD)
        return;
    /* room for every thread the machine may have (allocated at init): never grows */
    VK_ASSERT(k->nrun < VK_MACHINE_THREADS_MAX);
    t->run_index = k->nrun;
    k->runq[k->nrun++] = t;
    t->state = VK_T_RUNNABLE;
}

struct vk_thread *vk_pick_next(struct vk_kernel *k)
{
    if (!k->nrun)
        return NULL;
    uint32_t i = 0;
    if (k->nrun > 1) {
        /* a real decision: seeded, and traced (a forced switch is implied by what follows) */
        i = (uint32_t)vl_prng_below(&k->sched_prng, k->nrun);
        vk_trace(k, VK_TR_SCHED, k->cur ? k->cur->tid : 0, k->runq[i]->tid, k->nrun, i, 0);
    }
    struct vk_thread *t = k->runq[i];
    k->runq[i] = k->runq[--k->nrun];
    k->runq[i]->run_index = i;
    return t;
}

void vk_switch_to(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying)
{
    k->cur = to;
    if (to) {
        to->state = VK_T_RUNNING;
        if (to != from) {
            k->stats.switches++;
            k->slice_start = k->now;
        }
    }
    if (to != from)
        vk_plat_switch(k, from, to, dying);
}

static void timer_fired(void *ctx, struct vl_timer *tm)
{
    struct vk_thread *t = VK_CONTAINER_OF(tm, struct vk_thread, timer);
    vk_cancel_wait(t->kernel, t, -VK_ETIMEDOUT);
    (void)ctx;
}

long vk_block(struct vk_kernel *k, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    if (t->killed)
        return -VK_ECANCELED;
    if (deadline <= k->now)
        return -VK_ETIMEDOUT;
    if (t->attention && !t->parked)
        return -VK_EINTR; /* a signal is deliverable: no wait begins (signal.c) */
    t->state = VK_T_BLOCKED;
    t->wake_result = 0;
    if (deadline != VK_DEADLINE_NEVER) {
        t->timer.fn = timer_fired;
        t->timer.ctx = NULL;
        if (vl_evq_add(&k->evq, &t->timer, deadline)) {
            t->state = VK_T_RUNNING;
            return -VK_ENOMEM;
        }
    }
    vk_switch_to(k, t, vk_pick_next(k), 0);
    if (t->timer.armed)
        vl_evq_cancel(&k->evq, &t->timer);
    return t->wake_result;
}

void vk_wake(struct vk_kernel *k, struct vk_thread *t, long result)
{
    if (t->state != VK_T_BLOCKED)
        return;
    t->wake_result = result;
    vk_make_runnable(k, t);
}

void vk_cancel_wait(struct vk_kernel *k, struct vk_thread *t, long result)
{
    if (t->state != VK_T_BLOCKED)
        return;
    vk_ipc_thread_cancel(k, t);
    if (vk_list_linked(&t->futex_link))
        vk_list_del(&t->futex_link);
    vk_wake(k, t, result);
}

void vk_thread_kill(struct vk_kernel *k, struct vk_thread *t)
{
    t->killed = 1;
    vk_cancel_wait(k, t, -VK_ECANCELED);
}

void vk_yield(struct vk_kernel *k)
{
    struct vk_thread *t = k->cur;
    vk_make_runnable(k, t);
    struct vk_thread *n = vk_pick_next(k);
    vk_switch_to(k, t, n, 0);
}

void vk_preempt_chance(struct vk_kernel *k, uint32_t one_in)
{
    if (!one_in || !k->nrun)
        return;
    if (vl_prng_below(&k->sched_prng, one_in) == 0)
        vk_yield(k);
}

int vk_slice_over(struct vk_kernel *k, uint64_t slice_ns)
{
    if (!slice_ns || k->now - k->slice_start < slice_ns)
        return 0;
    k->slice_start = k->now;
    vk_trace(k, VK_TR_SCHED, k->cur->tid, 0, k->nrun, 0, 1);
    return 1;
}

void vk_preempt(struct vk_kernel *k, int idle)
{
    struct vk_thread *t = k->cur;
    if (!k->nrun && !idle)
        return;
    struct vk_thread *n = idle ? NULL : vk_pick_next(k); /* t is not in the run set */
    vk_make_runnable(k, t);
    vk_switch_to(k, t, n, 0);
}
