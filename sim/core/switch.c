/*
 * Simulated threads as coroutines: a thread's first context, the switch between threads and
 * the idle loop, the kernel-call entry (the trampoline's C end and the platform's kcall
 * hook: virtual time and --chaos), and the two ways a guest leaves through the kernel
 * (a refused kernel call, a fault redirected by trap.c).
 *
 * Simulated threads run on two stacks, as in a real kernel: the guest's own stack in the
 * arena, and a kernel stack from the pool (kstack.c) that the kcall trampoline (arch.S)
 * switches to. Host code never runs on a guest stack. The trampoline reads the first fields
 * of struct vk_plat_thread (sim/core/plat/vk_plat_thread.h), the first member of struct
 * vk_thread: asserted below. ASan's fiber annotations live only in vk_plat_switch and a new
 * coroutine's first function (ARCHITECTURE.md).
 */
#include <string.h>

#include "os/kernel/platform.h"
#include "sim/core/asan.h"
#include "os/kernel/kernel_internal.h"
#include "sim/core/machine.h"

VS_HIDDEN struct vk_thread *vs_cur;

void vs_switch(void **save_sp, void *new_sp);
void vs_coro_entry(void);
_Noreturn void vs_enter_user(uint64_t entry, uint64_t usp, uint64_t arg);
long vs_copy_user(void *dst, const void *src, size_t n);

_Static_assert(offsetof(struct vk_thread, plat) == 0, "trampoline: the platform part first");
_Static_assert(offsetof(struct vk_thread, plat.usp) == 0, "trampoline: usp");
_Static_assert(offsetof(struct vk_thread, plat.ktop) == 8, "trampoline: ktop");
_Static_assert(offsetof(struct vk_thread, plat.in_kernel) == 16, "trampoline: in_kernel");

void vk_plat_thread_release(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_machine *m = k->platform;
    if (!t->plat.kstack)
        return;
    vs_kstack_put(&m->kstacks, t->plat.kstack);
    t->plat.kstack = NULL;
}

static void thread_first_run(struct vk_thread *t)
{
#ifdef VS_ASAN
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
    if (t->killed)
        vk_thread_exit_current(t->kernel, t->proc->exit.exit_code);
    if (t->kfn) {
        t->plat.in_kernel = 1;
        t->kfn(t->karg);
        vk_thread_exit_current(t->kernel, 0);
    }
    struct vk_machine *m = t->kernel->platform;
    if (m->on_thread_start) /* the debugger: a new program's symbols, before its first step */
        m->on_thread_start(m, t);
    vs_enter_user(t->entry, t->entry_sp, t->entry_arg);
}

int vk_plat_thread_init(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_machine *m = k->platform;
    void *stack = vs_kstack_get(&m->kstacks);
    if (!stack)
        return -VK_ENOMEM;
    t->plat.kstack = stack;
    t->plat.kstack_size = VS_KSTACK_SIZE;
    uint64_t top = ((uint64_t)(uintptr_t)t->plat.kstack + VS_KSTACK_SIZE - 64) & ~15ull;
    t->plat.ktop = top;
    uint64_t *sp = (uint64_t *)(uintptr_t)(top - 64);
    sp[0] = 0x1f80 | (0x37full << 32);             /* MXCSR, x87 CW */
    sp[1] = sp[2] = sp[3] = 0;                     /* r15 r14 r13 */
    sp[4] = (uint64_t)(uintptr_t)t;                /* r12: argument */
    sp[5] = (uint64_t)(uintptr_t)thread_first_run; /* rbx: function */
    sp[6] = 0;                                     /* rbp */
    sp[7] = (uint64_t)(uintptr_t)vs_coro_entry;    /* return address */
    t->plat.ctx_sp = sp;
    t->plat.asan_fake = NULL;
    return 0;
}

void vk_plat_switch(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying)
{
    struct vk_machine *m = k->platform;
    void **save = from ? &from->plat.ctx_sp : &m->idle_sp;
    void *target = to ? to->plat.ctx_sp : m->idle_sp;
    vs_cur = to;
    if (to && to->proc->self_addr) { /* the process page: always mapped, written directly */
        volatile uint64_t *page = (volatile uint64_t *)(uintptr_t)to->proc->self_addr;
        page[0] = to->self_value;
        page[1] = to->attention; /* kcall.h "Signals": the attention word */
    }
#ifdef VS_ASAN
    void **fake = from ? &from->plat.asan_fake : &m->idle_fake;
    const void *bottom = to ? to->plat.kstack : m->idle_stack;
    size_t size = to ? to->plat.kstack_size : m->idle_stack_size;
    __sanitizer_start_switch_fiber(dying ? NULL : fake, bottom, size);
#else
    (void)dying;
#endif
    vs_switch(save, target);
#ifdef VS_ASAN
    __sanitizer_finish_switch_fiber(*fake, NULL, NULL);
#endif
}

/* The kernel-call entry hook (platform.h): each call costs virtual time (timers due by then
 * fire), under --chaos the caller may be preempted here, at a seeded chance, and a caller
 * whose time slice (of virtual time) is used up is preempted here (sched.c). */
void vk_plat_kcall_enter(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_machine *m = k->platform;
    if (__builtin_expect(m->on_until != NULL, 0) &&
        (vs_trace_count(&m->trace) >= m->until_events ||
         (m->until_ns != UINT64_MAX && k->now + m->kcall_cost_ns > m->until_ns))) {
        void (*fn)(struct vk_machine *) = m->on_until;
        m->on_until = NULL; /* once: replay's --until */
        fn(m);
    }
    if (__builtin_expect(m->opt.max_kcalls != 0, 0) && k->stats.kcalls > m->opt.max_kcalls)
        vs_machine_stop_now(m, "the kernel-call budget (--max-kcalls) is spent");
    if (__builtin_expect(k->now + m->kcall_cost_ns > m->horizon, 0)) {
        /* multi-node lockstep: wait, runnable, until the horizon has moved (nodes.c) */
        m->at_horizon = 1;
        vk_make_runnable(k, t);
        vk_switch_to(k, t, NULL, 0);
    }
    vk_kernel_charge(k, m->kcall_cost_ns);
    vk_preempt_chance(k, m->opt.chaos);
    if (vk_slice_over(k, m->slice_ns))
        vs_machine_slice_over(m);
}

/* The C end of the kcall trampoline. */
long vs_kdispatch(long a0, long a1, long a2, long a3, long a4, long a5, long nr);
long vs_kdispatch(long a0, long a1, long a2, long a3, long a4, long a5, long nr)
{
    struct vk_thread *t = vs_cur;
    return vk_dispatch(t->kernel, (uint32_t)nr, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2,
                       (uint64_t)a3, (uint64_t)a4, (uint64_t)a5);
}

/* The machine's crash stop point (machine.h on_crash: the inspector, the debugger). */
static void vs_crash_hook(struct vk_thread *t)
{
    struct vk_machine *m = t->kernel->platform;
    if (m->on_crash)
        m->on_crash(m, t);
}

/* The kcall trampoline refuses to run a kernel call (arch.S, VS_KENTRY_*) when the guest
 * changed its FS base (wrfsbase, a segment load: the guest ABI leaves %fs to the host; the
 * trampoline already put the host's back) or left an unmasked x87 exception pending (the
 * host's next x87 instruction would take it; cleared here). The guest ends here, with the
 * kernel call's return address as its pc when its stack holds one. */
enum vs_kentry_refusal { VS_KENTRY_BADFS = 1, VS_KENTRY_X87 = 2 };
_Noreturn void vs_kentry_refuse(uint32_t why);
_Noreturn void vs_kentry_refuse(uint32_t why)
{
    __asm__ volatile("fnclex"); /* before any x87 instruction of the host's */
    struct vk_thread *t = vs_cur;
    uint64_t pc = 0;
    if (!vk_uaccess_ok(t->proc, t->plat.usp, sizeof pc, VK_RIGHT_READ))
        vs_copy_user(&pc, (const void *)(uintptr_t)t->plat.usp, sizeof pc);
    memset(&t->fault, 0, sizeof t->fault);
    t->fault.exit_kind = why == VS_KENTRY_BADFS ? VK_EXIT_FSBASE : VK_EXIT_FAULT;
    t->fault.signo = why == VS_KENTRY_BADFS ? 11 : 8;
    t->fault.exit_code = 128 + (int32_t)t->fault.signo;
    t->fault.fault_pc = pc;
    vs_crash_hook(t);
    vk_process_exit_current(t->kernel, &t->fault);
}

/* Where a faulting guest thread continues, on its kernel stack (trap.c set it up). */
_Noreturn void vs_thread_fault(void);
_Noreturn void vs_thread_fault(void)
{
    struct vk_thread *t = vs_cur;
    vs_crash_hook(t);
    vk_process_exit_current(t->kernel, &t->fault);
}
