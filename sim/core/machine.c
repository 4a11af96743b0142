/*
 * The machine: creation and teardown, the run loop, and the platform hooks that are about
 * the machine as a whole (trace, reports, kernel memory, panic).
 *
 * The other mechanisms of vrsim's platform have files of their own: the arena and guest
 * memory (arena.c, uaccess.c), kernel stacks (kstack.c), coroutines and kernel-call entry
 * (switch.c), the console device (condev.c), boot (boot.c), host traps (trap.c).
 *
 * The idle loop runs on the host thread's own stack: it reaps exited threads, runs the next
 * runnable thread, fires timers (jumping virtual time forward), and waits for console
 * input when every thread waits for it. A terminal's input is also looked at when a thread's
 * time slice ends (vs_machine_slice_over), so a machine busy with programs that never block
 * still hears ^C and Ctrl-A x.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "os/kernel/platform.h"
#include "sim/core/asan.h"
#include "sim/core/hw.h"
#include "sim/core/machine.h"
#include "sim/trace/trace_bin.h"

/* One error vocabulary: sim returns -VK_E* codes, also from its host-facing start-up paths
 * that pass a host call's -errno on. That is sound because every VK_E* code that Linux has
 * is Linux's number (veridian/errors.h); these assertions keep it so. */
_Static_assert(VK_EPERM == EPERM, "VK_EPERM");
_Static_assert(VK_ENOENT == ENOENT, "VK_ENOENT");
_Static_assert(VK_ESRCH == ESRCH, "VK_ESRCH");
_Static_assert(VK_EINTR == EINTR, "VK_EINTR");
_Static_assert(VK_EIO == EIO, "VK_EIO");
_Static_assert(VK_ENXIO == ENXIO, "VK_ENXIO");
_Static_assert(VK_E2BIG == E2BIG, "VK_E2BIG");
_Static_assert(VK_ENOEXEC == ENOEXEC, "VK_ENOEXEC");
_Static_assert(VK_EBADF == EBADF, "VK_EBADF");
_Static_assert(VK_ECHILD == ECHILD, "VK_ECHILD");
_Static_assert(VK_EAGAIN == EAGAIN, "VK_EAGAIN");
_Static_assert(VK_ENOMEM == ENOMEM, "VK_ENOMEM");
_Static_assert(VK_EACCES == EACCES, "VK_EACCES");
_Static_assert(VK_EFAULT == EFAULT, "VK_EFAULT");
_Static_assert(VK_EBUSY == EBUSY, "VK_EBUSY");
_Static_assert(VK_EEXIST == EEXIST, "VK_EEXIST");
_Static_assert(VK_EXDEV == EXDEV, "VK_EXDEV");
_Static_assert(VK_ENODEV == ENODEV, "VK_ENODEV");
_Static_assert(VK_ENOTDIR == ENOTDIR, "VK_ENOTDIR");
_Static_assert(VK_EISDIR == EISDIR, "VK_EISDIR");
_Static_assert(VK_EINVAL == EINVAL, "VK_EINVAL");
_Static_assert(VK_EMFILE == EMFILE, "VK_EMFILE");
_Static_assert(VK_EFBIG == EFBIG, "VK_EFBIG");
_Static_assert(VK_ENOSPC == ENOSPC, "VK_ENOSPC");
_Static_assert(VK_ESPIPE == ESPIPE, "VK_ESPIPE");
_Static_assert(VK_EROFS == EROFS, "VK_EROFS");
_Static_assert(VK_EMLINK == EMLINK, "VK_EMLINK");
_Static_assert(VK_EPIPE == EPIPE, "VK_EPIPE");
_Static_assert(VK_ERANGE == ERANGE, "VK_ERANGE");
_Static_assert(VK_ENAMETOOLONG == ENAMETOOLONG, "VK_ENAMETOOLONG");
_Static_assert(VK_ENOSYS == ENOSYS, "VK_ENOSYS");
_Static_assert(VK_ENOTEMPTY == ENOTEMPTY, "VK_ENOTEMPTY");
_Static_assert(VK_ELOOP == ELOOP, "VK_ELOOP");
_Static_assert(VK_EOVERFLOW == EOVERFLOW, "VK_EOVERFLOW");
_Static_assert(VK_EILSEQ == EILSEQ, "VK_EILSEQ");
_Static_assert(VK_EMSGSIZE == EMSGSIZE, "VK_EMSGSIZE");
_Static_assert(VK_ENOTSUP == ENOTSUP, "VK_ENOTSUP");
_Static_assert(VK_ETIMEDOUT == ETIMEDOUT, "VK_ETIMEDOUT");
_Static_assert(VK_ECANCELED == ECANCELED, "VK_ECANCELED");

/* ---- reports ---- */

/* How a process ended, in vrsim's words: the fault record holds Linux signal numbers (the
 * host's traps caught them) and the causes only vrsim has (raw host syscalls, FS base). */
static const char *signame(uint32_t sig)
{
    switch (sig) {
    case 4:
        return "SIGILL";
    case 5:
        return "SIGTRAP";
    case 7:
        return "SIGBUS";
    case 8:
        return "SIGFPE";
    case 11:
        return "SIGSEGV";
    case 31:
        return "SIGSYS";
    default:
        return "signal";
    }
}

const char *vs_exit_describe(const struct vk_proc_info *e, char *buf, size_t len)
{
    switch (e->exit_kind) {
    case VK_EXIT_NORMAL:
        snprintf(buf, len, "exited with status %d", e->exit_code);
        break;
    case VK_EXIT_FAULT:
        snprintf(buf, len, "killed by %s at pc 0x%llx, fault address 0x%llx", signame(e->signo),
                 (unsigned long long)e->fault_pc, (unsigned long long)e->fault_addr);
        break;
    case VK_EXIT_KILLED:
        snprintf(buf, len, "killed");
        break;
    case VK_EXIT_WATCHDOG:
        snprintf(buf, len, "stopped by the watchdog: spinning without kernel calls at pc 0x%llx",
                 (unsigned long long)e->fault_pc);
        break;
    case VK_EXIT_FSBASE:
        snprintf(buf, len,
                 "killed: changed its FS base (not supported: %%fs belongs to the host) near pc "
                 "0x%llx",
                 (unsigned long long)e->fault_pc);
        break;
    case VK_EXIT_SYSCALL:
        snprintf(buf, len, "killed: raw host syscall instruction at pc 0x%llx",
                 (unsigned long long)e->fault_pc);
        break;
    default:
        snprintf(buf, len, "exit kind %u", e->exit_kind);
        break;
    }
    return buf;
}

void vk_plat_report_exit(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_machine *m = k->platform;
    if (m->opt.quiet)
        return;
    char why[200];
    vs_exit_describe(&p->exit, why, sizeof why);
    dprintf(m->con.err_fd, "%svrsim: pid %u (%s) %s\n", m->con.prefix, p->pid, p->name, why);
}

void vk_plat_process_exited(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_machine *m = k->platform;
    if (p != m->console_proc)
        return;
    m->console_done = 1;
    m->console_exit_status = p->exit.exit_code & 0xff;
    m->stop = 1;
    vk_object_unref(k, &p->o);
    m->console_proc = NULL;
}

/* ---- trace, kernel memory, panic ---- */

/* The kernel's record and kinds are sim/trace's, field for field (one digest definition). */
_Static_assert(sizeof(struct vk_trace_event) == sizeof(struct vs_trace_event), "trace record");
_Static_assert(offsetof(struct vk_trace_event, a) == offsetof(struct vs_trace_event, a), "a[]");
#define SAME_KIND(x) ((int)VK_TR_##x == (int)VS_TR_##x)
_Static_assert(SAME_KIND(KCALL) && SAME_KIND(IPC_SEND) && SAME_KIND(IPC_RECV) &&
                   SAME_KIND(IPC_REPLY) && SAME_KIND(NOTIFY) && SAME_KIND(PROC_SPAWN) &&
                   SAME_KIND(PROC_EXIT) && SAME_KIND(THREAD_CREATE) && SAME_KIND(THREAD_EXIT) &&
                   SAME_KIND(SCHED) && SAME_KIND(TIMER) && SAME_KIND(CONSOLE) && SAME_KIND(MARK) &&
                   SAME_KIND(CFG_READ) && SAME_KIND(IOMMU_FAULT) && SAME_KIND(KIND_COUNT),
               "trace kinds");

/* Always inlined (link-time optimisation brings it into the kernel's vk_trace): the event
 * then goes from registers into the digest, never through memory, which would cost a
 * store-forwarding stall per event on the IPC path (sim/trace/trace.h). */
__attribute__((always_inline)) inline void vk_plat_trace_emit(struct vk_kernel *k,
                                                              const struct vk_trace_event *e)
{
    struct vk_machine *m = k->platform;
    /* field by field: the event comes from registers, and so does the digest's input */
    struct vs_trace_event v = {
        .time = e->time,
        .kind = e->kind,
        .pid = e->pid,
        .tid = e->tid,
        .str = e->str,
        .a = {e->a[0], e->a[1], e->a[2], e->a[3], e->a[4]},
    };
    vs_trace_emit(&m->trace, &v);
}

uint32_t vk_plat_trace_intern(struct vk_kernel *k, const char *s, size_t len)
{
    struct vk_machine *m = k->platform;
    return vs_trace_intern(&m->trace, s, len);
}

void *vk_plat_alloc(size_t size)
{
    return calloc(1, size);
}

void *vk_plat_realloc(void *ptr, size_t size)
{
    return realloc(ptr, size);
}

void vk_plat_free(void *ptr)
{
    free(ptr);
}

_Noreturn void vk_plat_panic(const char *why)
{
    fprintf(stderr, "vrsim: kernel panic: %s\n", why);
    abort();
}

/* ---- machine ---- */

_Static_assert(VS_MACH_MEMORY_DEFAULT == VS_MEMORY_QUOTA, "a machine without a file");

int vs_machine_create(struct vk_machine **out, const struct vs_options *opt)
{
    char err[256];
    int rc = vs_host_init(stderr); /* fault handling must be in place before any guest runs */
    if (rc)
        return rc;
    struct vk_machine *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->opt = *opt;
    rc = vs_arena_init(&m->arena, opt->machine_index, err, sizeof err);
    if (rc) {
        fprintf(stderr, "vrsim: %s\n", err);
        free(m);
        return rc;
    }
    if (opt->desc)
        m->desc = *opt->desc;
    else
        vs_machfile_default(&m->desc);
    m->opt.desc = NULL; /* the caller's copy need not outlive the machine */
    m->arena.quota = m->desc.memory;
    m->kcall_cost_ns = opt->kcall_cost_ns ? opt->kcall_cost_ns : 100;
    m->horizon = VK_DEADLINE_NEVER;
    m->slice_ns = opt->slice_ns ? opt->slice_ns : VS_SLICE_DEFAULT_NS;
    if ((rc = vs_kstack_pool_init(&m->kstacks)))
        goto fail_arena;
    if ((rc = vs_trace_init(&m->trace, 1u << 16, opt->keep_trace)))
        goto fail_arena;
    struct vk_config cfg = {.seed = opt->seed, .quiet = (uint32_t)opt->quiet};
    if ((rc = vk_kernel_init(&m->k, &cfg, m)))
        goto fail_trace;
    m->spawner = vk_object_new(&m->k, VK_OBJ_RESOURCE, sizeof *m->spawner);
    if (!m->spawner) {
        rc = -ENOMEM;
        goto fail_kernel;
    }
    if ((rc = vs_hw_create(&m->hw, &m->k, &m->desc, err, sizeof err))) {
        fprintf(stderr, "vrsim: %s\n", err);
        goto fail_kernel;
    }
    if ((rc = vs_console_open(&m->con, opt->terminal)))
        goto fail_hw;
    if (m->con.tty) {
        struct vk_winsize ws;
        vs_console_winsize(&m->con, &ws);
        vk_console_attach_terminal(&m->k, &ws);
    }
    *out = m;
    return 0;
fail_hw:
    vs_hw_destroy(m->hw);
    m->hw = NULL;
fail_kernel:
    if (m->spawner)
        vk_object_unref(&m->k, &m->spawner->o);
    vk_kernel_fini(&m->k);
fail_trace:
    vs_trace_fini(&m->trace);
fail_arena:
    vs_kstack_pool_fini(&m->kstacks);
    vs_arena_fini(&m->arena);
    free(m);
    return rc;
}

void vs_machine_destroy(struct vk_machine *m)
{
    if (!m)
        return;
    if (m->console_proc)
        vk_object_unref(&m->k, &m->console_proc->o);
    if (m->bootfs)
        vk_object_unref(&m->k, &m->bootfs->o);
    if (m->spawner)
        vk_object_unref(&m->k, &m->spawner->o);
    vk_kernel_fini(&m->k);
    vs_hw_destroy(m->hw); /* after the kernel: no object maps anything into it any more */
    vs_console_close(&m->con);
    vs_kstack_pool_fini(&m->kstacks);
    vs_trace_fini(&m->trace);
    vs_arena_fini(&m->arena);
    free(m);
}

uint64_t vs_proc_scratch(const struct vk_process *p, size_t *len)
{
    *len = VS_USTACK_SIZE;
    return p->base + VS_SLOT_SIZE - VS_PAGE - VS_USTACK_SIZE;
}

uint64_t vs_machine_digest(const struct vk_machine *m)
{
    return vs_trace_digest(&m->trace);
}

static void shutdown_all(struct vk_machine *m)
{
    struct vk_proc_info why = {.exit_kind = VK_EXIT_KILLED, .exit_code = 128 + 15, .signo = 15};
    for (struct vk_list *l = m->k.procs.next; l != &m->k.procs; l = l->next)
        vk_process_kill(&m->k, VK_CONTAINER_OF(l, struct vk_process, link), &why);
}

void vs_machine_stop_now(struct vk_machine *m, const char *why)
{
    if (m->stop)
        return;
    if (!m->opt.quiet)
        dprintf(m->con.err_fd, "%svrsim: %s: stopping\n", m->con.prefix, why);
    m->stop = 1;
    shutdown_all(m);
    if (m->k.cur)
        m->k.cur->killed = 1; /* vk_process_kill leaves the caller to its own way out */
}

void vs_input_fed(struct vk_machine *m, const char *b, size_t n, int notify)
{
    if (m->on_feed)
        m->on_feed(m, b, n, notify);
    struct vs_trace_event e = {
        .time = m->k.now,
        .kind = VS_TR_CONSOLE,
        .a = {0, n, vs_fnv1a(VS_FNV_INIT, b, n), n == 0, (uint64_t)(notify != 0)},
    };
    vs_trace_emit(&m->trace, &e);
}

void vs_input_resized(struct vk_machine *m, const struct vk_winsize *ws)
{
    if (m->on_resize)
        m->on_resize(m, ws);
}

/* Host input: the console backend's wait, or replay's in its place; a stop asked from the
 * terminal goes to the recorder too. */
static int input_wait(struct vk_machine *m, uint64_t until)
{
    int stop = m->stop;
    int rc = m->input_wait ? m->input_wait(m, until) : vs_console_wait(m, until);
    if (!stop && m->stop && m->on_feed)
        m->on_feed(m, NULL, 0, -1);
    return rc;
}

void vs_machine_slice_over(struct vk_machine *m)
{
    if (m->input_wait || (m->con.tty && !m->con.eof && !m->stop))
        input_wait(m, VS_INPUT_POLL); /* a replay: the records due at this event count */
    vk_preempt(&m->k, m->stop);
}

#ifdef VS_ASAN
/* The idle loop's stack, for the fiber annotations of switches back to it: the host thread's
 * stack, found once (pthread_getattr_np reads /proc/self/maps for the main thread, and a
 * multi-node run enters the idle loop once per lockstep step). */
static void note_idle_stack(struct vk_machine *m)
{
    pthread_attr_t a;
    void *lo;
    size_t sz;
    if (m->idle_stack)
        return;
    if (!pthread_getattr_np(pthread_self(), &a)) {
        pthread_attr_getstack(&a, &lo, &sz);
        pthread_attr_destroy(&a);
        m->idle_stack = lo;
        m->idle_stack_size = sz;
    }
}
#endif

static void begin_shutdown(struct vk_machine *m)
{
    if (m->on_stop)
        m->on_stop(m);
    m->shutting_down = 1;
    m->horizon = VK_DEADLINE_NEVER; /* the way out is not held at a horizon */
    shutdown_all(m);
}

int vs_machine_run_until(struct vk_machine *m, uint64_t horizon)
{
    struct vk_kernel *k = &m->k;
#ifdef VS_ASAN
    note_idle_stack(m);
#endif
    m->horizon = m->shutting_down ? VK_DEADLINE_NEVER : horizon;
    for (;;) {
        vk_kernel_reap(k);
        if (m->stop && !m->shutting_down)
            begin_shutdown(m);
        if (m->at_horizon) { /* a thread stopped at the horizon (switch.c): runnable still */
            m->at_horizon = 0;
            return VS_RUN_HORIZON;
        }
        struct vk_thread *t = vk_pick_next(k);
        if (t) {
            vk_switch_to(k, NULL, t, 0);
            continue;
        }
        if (m->shutting_down) {
            vk_kernel_reap(k);
            return VS_RUN_DONE;
        }
        uint64_t next = vk_kernel_next_timer(k);
        if (m->con.want && !m->con.eof) {
            if (input_wait(m, next))
                continue;
        } else if (next != VK_DEADLINE_NEVER && m->opt.pace == VS_PACE_WALL) {
            input_wait(m, next);
        }
        if (horizon != VK_DEADLINE_NEVER && next > horizon) {
            if (k->now < horizon) /* nothing happens here before the horizon */
                k->now = horizon;
            return VS_RUN_IDLE;
        }
        if (vk_kernel_fire_timers(k))
            continue;
        if (m->con.want && !m->con.eof)
            continue;
        if (k->live_procs && !m->opt.quiet)
            dprintf(m->con.err_fd,
                    "%svrsim: every thread is blocked and nothing can wake one: stopping\n",
                    m->con.prefix);
        m->stop = 1;
        begin_shutdown(m);
    }
}

int vs_machine_exit_status(const struct vk_machine *m)
{
    return m->console_done ? m->console_exit_status : (m->console_proc ? 1 : 0);
}

int vs_machine_run(struct vk_machine *m)
{
    if (m->opt.watchdog_ms)
        vs_watchdog_start(m->opt.watchdog_ms);
    m->shutting_down = 0; /* a run after a run (tests) shuts down again what it started */
    vs_machine_run_until(m, VK_DEADLINE_NEVER);
    if (m->opt.watchdog_ms)
        vs_watchdog_stop();
    return vs_machine_exit_status(m);
}
