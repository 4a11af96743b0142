/*
 * Kernel lifecycle, virtual time and trace helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "os/kernel/kernel.h"

int vk_kernel_init(struct vk_kernel *k, const struct vk_config *cfg, struct vs_trace *trace,
                   void *platform)
{
    memset(k, 0, sizeof *k);
    k->cfg = *cfg;
    k->trace = trace;
    k->platform = platform;
    k->next_pid = 1;
    k->next_tid = 1;
    struct vs_prng root;
    vs_prng_seed(&root, cfg->seed);
    vs_prng_split(&root, &k->sched_prng);
    vs_prng_split(&root, &k->seed_prng);
    vk_list_init(&k->procs);
    vk_list_init(&k->zombies);
    for (uint32_t i = 0; i < VK_FUTEX_BUCKETS; i++)
        vk_list_init(&k->futex_buckets[i]);
    k->runq = calloc(VK_MACHINE_THREADS_MAX, sizeof *k->runq);
    if (!k->runq)
        return -VK_ENOMEM;
    if (vs_evq_init(&k->evq))
        goto fail_runq;
    k->console = vk_object_new(k, VK_OBJ_CONSOLE, sizeof *k->console);
    if (!k->console)
        goto fail_evq;
    return 0;
fail_evq:
    vs_evq_fini(&k->evq);
fail_runq:
    free(k->runq);
    k->runq = NULL;
    return -VK_ENOMEM;
}

void vk_kernel_fini(struct vk_kernel *k)
{
    if (k->console)
        vk_object_unref(k, &k->console->o);
    k->console = NULL;
    vs_evq_fini(&k->evq);
    free(k->runq);
    k->runq = NULL;
    free(k->spawn_scratch);
    k->spawn_scratch = NULL;
}

int vk_kernel_fire_timers(struct vk_kernel *k)
{
    struct vs_timer *t = vs_evq_pop(&k->evq);
    if (!t)
        return 0;
    if (t->time > k->now)
        k->now = t->time;
    vk_trace(k, VS_TR_TIMER, t->time, 0, 0, 0, 0);
    t->fn(t->ctx, t);
    return 1;
}

void vk_trace(struct vk_kernel *k, uint32_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t a4)
{
    struct vk_thread *t = k->cur;
    struct vs_trace_event e = {
        .time = k->now,
        .kind = kind,
        .pid = t ? t->proc->pid : 0,
        .tid = t ? t->tid : 0,
        .str = 0,
        .a = {a0, a1, a2, a3, a4},
    };
    vs_trace_emit(k->trace, &e);
}

void vk_trace_str(struct vk_kernel *k, uint32_t kind, const char *s, size_t len, uint64_t a0,
                  uint64_t a1)
{
    struct vk_thread *t = k->cur;
    struct vs_trace_event e = {
        .time = k->now,
        .kind = kind,
        .pid = t ? t->proc->pid : 0,
        .tid = t ? t->tid : 0,
        .str = vs_trace_intern(k->trace, s, len),
        .a = {a0, a1, 0, 0, 0},
    };
    vs_trace_emit(k->trace, &e);
}
