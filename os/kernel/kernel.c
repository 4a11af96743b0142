/*
 * Kernel lifecycle, virtual time and trace helpers.
 *
 * Virtual time (k->now) moves only when a platform charges it (vk_kernel_charge, per kernel
 * call) or when the idle loop fires the next timer (vk_kernel_fire_timers jumps to it).
 * Trace events are built here and handed to the platform (vk_plat_trace_emit).
 */
#include "kernel_internal.h"

int vk_kernel_init(struct vk_kernel *k, const struct vk_config *cfg, void *platform)
{
    vk_memset(k, 0, sizeof *k);
    k->cfg = *cfg;
    k->platform = platform;
    k->next_pid = 1;
    k->next_tid = 1;
    struct vl_prng root;
    vl_prng_seed(&root, cfg->seed);
    vl_prng_split(&root, &k->sched_prng);
    vl_prng_split(&root, &k->seed_prng);
    vk_list_init(&k->procs);
    vk_list_init(&k->zombies);
    for (uint32_t i = 0; i < VK_FUTEX_BUCKETS; i++)
        vk_list_init(&k->futex_buckets[i]);
    k->runq = vk_plat_alloc(VK_MACHINE_THREADS_MAX * sizeof *k->runq);
    if (!k->runq)
        return -VK_ENOMEM;
    if (vl_evq_init(&k->evq, vk_plat_realloc, vk_plat_free))
        goto fail_runq;
    k->console = vk_object_new(k, VK_OBJ_CONSOLE, sizeof *k->console);
    if (!k->console)
        goto fail_evq;
    return 0;
fail_evq:
    vl_evq_fini(&k->evq);
fail_runq:
    vk_plat_free(k->runq);
    k->runq = NULL;
    return -VK_ENOMEM;
}

void vk_kernel_fini(struct vk_kernel *k)
{
    if (k->console)
        vk_object_unref(k, &k->console->o);
    k->console = NULL;
    vl_evq_fini(&k->evq);
    vk_plat_free(k->runq);
    k->runq = NULL;
    vk_plat_free(k->spawn_scratch);
    k->spawn_scratch = NULL;
}

int vk_kernel_fire_timers(struct vk_kernel *k)
{
    struct vl_timer *t = vl_evq_pop(&k->evq);
    if (!t)
        return 0;
    if (t->time > k->now)
        k->now = t->time;
    vk_trace(k, VK_TR_TIMER, t->time, 0, 0, 0, 0);
    t->fn(t->ctx, t);
    return 1;
}

void vk_kernel_charge(struct vk_kernel *k, uint64_t ns)
{
    k->now += ns;
    while (k->evq.count && vl_evq_peek(&k->evq)->time <= k->now)
        vk_kernel_fire_timers(k);
}

uint64_t vk_kernel_next_timer(const struct vk_kernel *k)
{
    const struct vl_timer *t = vl_evq_peek(&k->evq);
    return t ? t->time : VK_DEADLINE_NEVER;
}

int vk_kernel_timer_add(struct vk_kernel *k, struct vl_timer *t, uint64_t when)
{
    return vl_evq_add(&k->evq, t, when);
}

void vk_kernel_timer_cancel(struct vk_kernel *k, struct vl_timer *t)
{
    vl_evq_cancel(&k->evq, t);
}

/* Out of line on purpose: one copy of the event's construction, into which link-time
 * optimisation inlines the platform's emit (vrsim's digest and ring); inlined into its many
 * callers instead, the emit would stay a call that reloads the event from memory. */
__attribute__((noinline)) void vk_trace(struct vk_kernel *k, uint32_t kind, uint64_t a0,
                                        uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct vk_thread *t = k->cur;
    struct vk_trace_event e = {
        .time = k->now,
        .kind = kind,
        .pid = t ? t->proc->pid : 0,
        .tid = t ? t->tid : 0,
        .str = 0,
        .a = {a0, a1, a2, a3, a4},
    };
    vk_plat_trace_emit(k, &e);
}

void vk_trace_str(struct vk_kernel *k, uint32_t kind, const char *s, size_t len, uint64_t a0,
                  uint64_t a1)
{
    struct vk_thread *t = k->cur;
    struct vk_trace_event e = {
        .time = k->now,
        .kind = kind,
        .pid = t ? t->proc->pid : 0,
        .tid = t ? t->tid : 0,
        .str = vk_plat_trace_intern(k, s, len),
        .a = {a0, a1, 0, 0, 0},
    };
    vk_plat_trace_emit(k, &e);
}
