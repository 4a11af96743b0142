/*
 * Kernel test harness: a machine whose "programs" are kernel threads running host functions
 * (vk_process_create_kthread). Their kernel calls go straight to vk_dispatch and block for
 * real, so IPC, waits and deaths are tested through the same paths guests use. Guest
 * pointers must point into the caller's memory: each process has scratch memory.
 *
 * The machine is the fake platform (fakeplat/, unit.kernel.*): the kernel alone, without
 * vrsim's arena, coroutines, signal handlers or seccomp filter. Built with KT_PLATFORM_SIM
 * (tests/unit/core: unit.core.kernel_*_sim) the same tests run on vrsim's platform instead,
 * and the checks of vrsim's own mechanisms (its kernel-stack pool) run too.
 */
#ifndef KT_H
#define KT_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "os/kernel/kernel_internal.h" /* white-box: the kernel's own view */
#ifdef KT_PLATFORM_SIM
#include "sim/core/machine.h"
#define KT_MEMORY_OBJECTS_MAX VS_MEMORY_OBJECTS_MAX
#else
#include "fakeplat.h"
#define KT_MEMORY_OBJECTS_MAX FAKE_MEMORY_OBJECTS_MAX
#endif

struct kt {
#ifdef KT_PLATFORM_SIM
    struct vk_machine *m;
#else
    struct fake_machine *m;
#endif
    struct vk_kernel *k;
};

static inline void kt_init(struct kt *t, uint64_t seed)
{
#ifdef KT_PLATFORM_SIM
    struct vs_options o = {.seed = seed, .kcall_cost_ns = 100, .quiet = 1};
    ck_assert_int_eq(vs_machine_create(&t->m, &o), 0);
#else
    ck_assert_int_eq(fake_machine_create(&t->m, seed), 0);
#endif
    t->k = &t->m->k;
}

/* Run until no thread can run any more (what is left is killed, as vrsim does). */
static inline void kt_run(struct kt *t)
{
#ifdef KT_PLATFORM_SIM
    vs_machine_run(t->m);
#else
    fake_machine_run(t->m);
#endif
}

static inline void kt_fini(struct kt *t)
{
    /* teardown checks: every object and handle of the run is gone */
    ck_assert_uint_eq(t->k->live_procs, 0);
    ck_assert_uint_eq(t->k->stats.handles_live, 0);
    /* console + spawner resource are the machine's own */
    ck_assert_uint_eq(t->k->stats.objects_live, 2);
#ifdef KT_PLATFORM_SIM
    vs_machine_destroy(t->m);
#else
    fake_machine_destroy(t->m);
#endif
}

/* The platform's memory objects: live count and bytes. */
static inline uint64_t kt_pages_objects(const struct kt *t)
{
#ifdef KT_PLATFORM_SIM
    return t->m->arena.objects_live;
#else
    return t->m->npages;
#endif
}

static inline uint64_t kt_pages_bytes(const struct kt *t)
{
#ifdef KT_PLATFORM_SIM
    return t->m->arena.pages_in_use;
#else
    return t->m->pages_in_use;
#endif
}

static inline long kc_(struct vk_kernel *k, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4)
{
    return vk_dispatch(k, nr, a0, a1, a2, a3, a4, 0);
}
/* kc(k, nr, args...): a kernel call with up to five arguments, the rest zero */
#define KC_5(a, b, c, d, e, ...) a, b, c, d, e
#define KC_PICK(...) KC_5(__VA_ARGS__)
#define kc(k, nr, ...) kc_((k), (nr), KC_PICK(__VA_ARGS__, 0, 0, 0, 0, 0))

/* Scratch memory of the calling process, as a guest pointer (and host pointer: same). */
static inline void *kt_scratch(struct vk_kernel *k)
{
    size_t len;
#ifdef KT_PLATFORM_SIM
    return (void *)(uintptr_t)vs_proc_scratch(k->cur->proc, &len);
#else
    return (void *)(uintptr_t)fake_proc_scratch(k->cur->proc, &len);
#endif
}

#define U(p) ((uint64_t)(uintptr_t)(p))

static inline struct vk_process *kt_spawn(struct kt *t, const char *name, void (*fn)(void *),
                                          void *arg)
{
    struct vk_process *p;
    ck_assert_int_eq(vk_process_create_kthread(t->k, name, fn, arg, &p), 0);
    return p;
}

/* Give process p a handle to obj (as its creator would, through spawn's handle list). */
static inline uint32_t kt_give(struct kt *t, struct vk_process *p, struct vk_object *obj,
                               uint32_t rights, uint64_t badge)
{
    uint32_t h;
    ck_assert_int_eq(vk_handle_install(t->k, &p->handles, obj, rights, badge, &h), 0);
    return h;
}

/* Let other threads run until cond holds (kernel threads cooperate through yields). */
#define KT_WAIT_FOR(k, cond)                                                                       \
    do {                                                                                           \
        while (!(cond))                                                                            \
            kc((k), VK_NR_THREAD_YIELD, 0, 0, 0, 0, 0);                                            \
    } while (0)

#endif
