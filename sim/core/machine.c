/*
 * The machine: creation and teardown, the coroutine switch between simulated threads and
 * the idle loop, kernel stacks, boot (bootfs, first programs) and the run loop.
 *
 * Simulated threads run on two stacks, as in a real kernel: the guest's own stack in the
 * arena, and a host-allocated kernel stack (with a guard page) that the kcall trampoline
 * switches to. Host code never runs on a guest stack. Kernel stacks come from a pool reserved
 * at creation for the machine's thread quota (machine.h: struct vs_kstack_pool). The idle
 * loop runs on the host thread's own stack: it reaps exited threads, runs the next
 * runnable thread, fires timers (jumping virtual time forward), and waits for console
 * input when every thread waits for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/kernel/platform.h"
#include "sim/core/machine.h"
#include "veridian/caps.h"
#include "vl_bootfs.h"

#if defined(__SANITIZE_ADDRESS__)
#define VS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VS_ASAN 1
#endif
#endif
#ifdef VS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

VS_HIDDEN struct vk_thread *vs_cur;

void vs_switch(void **save_sp, void *new_sp);
void vs_coro_entry(void);
_Noreturn void vs_enter_user(uint64_t entry, uint64_t usp, uint64_t arg);
long vs_copy_user(void *dst, const void *src, size_t n);
long vs_zero_user(void *dst, size_t n);

_Static_assert(offsetof(struct vk_thread, usp) == 0, "trampoline: usp");
_Static_assert(offsetof(struct vk_thread, ktop) == 8, "trampoline: ktop");
_Static_assert(offsetof(struct vk_thread, in_kernel) == 16, "trampoline: in_kernel");

/* ---- guest memory copies ---- */

int vk_plat_copy(void *dst, const void *src, size_t len)
{
    return len ? (int)vs_copy_user(dst, src, len) : 0;
}

int vk_plat_zero(void *dst, size_t len)
{
    return len ? (int)vs_zero_user(dst, len) : 0;
}

/* ---- kernel stacks ---- */

static int kstack_pool_init(struct vs_kstack_pool *ks)
{
    void *map = mmap(NULL, (size_t)VS_KSTACKS * VS_KSTACK_STRIDE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return -errno;
    ks->base = map;
    ks->next = ks->nfree = 0;
    return 0;
}

static void kstack_pool_fini(struct vs_kstack_pool *ks)
{
    if (ks->base)
        munmap(ks->base, (size_t)VS_KSTACKS * VS_KSTACK_STRIDE);
    ks->base = NULL;
}

/* The bottom of a free kernel stack, or NULL (the pool is exhausted, which the kernel's
 * thread quota prevents, or the host refused to make a new one accessible). */
static void *kstack_get(struct vk_machine *m)
{
    struct vs_kstack_pool *ks = &m->kstacks;
    if (ks->nfree)
        return ks->base + (size_t)ks->free[--ks->nfree] * VS_KSTACK_STRIDE + VS_PAGE;
    if (ks->next == VS_KSTACKS)
        return NULL;
    char *stack = ks->base + (size_t)ks->next * VS_KSTACK_STRIDE + VS_PAGE;
    if (mprotect(stack, VS_KSTACK_SIZE, PROT_READ | PROT_WRITE)) /* the guard stays PROT_NONE */
        return NULL;
    ks->next++;
    return stack;
}

void vk_plat_thread_release(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_machine *m = k->platform;
    struct vs_kstack_pool *ks = &m->kstacks;
    if (!t->plat.kstack)
        return;
#ifdef VS_ASAN
    /* frames abandoned on this stack left poisoned redzones; reuse does not clear them */
    ASAN_UNPOISON_MEMORY_REGION(t->plat.kstack, VS_KSTACK_SIZE);
#endif
    size_t n = (size_t)((char *)t->plat.kstack - VS_PAGE - ks->base) / VS_KSTACK_STRIDE;
    ks->free[ks->nfree++] = (uint32_t)n;
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
        t->in_kernel = 1;
        t->kfn(t->karg);
        vk_thread_exit_current(t->kernel, 0);
    }
    vs_enter_user(t->entry, t->entry_sp, t->entry_arg);
}

int vk_plat_thread_init(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_machine *m = k->platform;
    void *stack = kstack_get(m);
    if (!stack)
        return -VK_ENOMEM;
    t->plat.kstack = stack;
    t->plat.kstack_size = VS_KSTACK_SIZE;
    uint64_t top = ((uint64_t)(uintptr_t)t->plat.kstack + VS_KSTACK_SIZE - 64) & ~15ull;
    t->ktop = top;
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

/* The C end of the kcall trampoline. */
long vs_kdispatch(long a0, long a1, long a2, long a3, long a4, long a5, long nr);
long vs_kdispatch(long a0, long a1, long a2, long a3, long a4, long a5, long nr)
{
    struct vk_thread *t = vs_cur;
    return vk_dispatch(t->kernel, (uint32_t)nr, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2,
                       (uint64_t)a3, (uint64_t)a4, (uint64_t)a5);
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
    if (!vk_uaccess_ok(t->proc, t->usp, sizeof pc, VK_RIGHT_READ))
        vs_copy_user(&pc, (const void *)(uintptr_t)t->usp, sizeof pc);
    memset(&t->fault, 0, sizeof t->fault);
    t->fault.exit_kind = why == VS_KENTRY_BADFS ? VK_EXIT_FSBASE : VK_EXIT_FAULT;
    t->fault.signo = why == VS_KENTRY_BADFS ? 11 : 8;
    t->fault.exit_code = 128 + (int32_t)t->fault.signo;
    t->fault.fault_pc = pc;
    vk_process_exit_current(t->kernel, &t->fault);
}

/* Where a faulting guest thread continues, on its kernel stack (trap.c set it up). */
_Noreturn void vs_thread_fault(void);
_Noreturn void vs_thread_fault(void)
{
    struct vk_thread *t = vs_cur;
    vk_process_exit_current(t->kernel, &t->fault);
}

/* ---- reports ---- */

void vk_plat_report_exit(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_machine *m = k->platform;
    if (m->opt.quiet)
        return;
    char why[200];
    vk_exit_describe(&p->exit, why, sizeof why);
    dprintf(m->con.err_fd, "vrsim: pid %u (%s) %s\n", p->pid, p->name, why);
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

/* ---- console device ---- */

long vk_plat_console_write(struct vk_kernel *k, int err_stream, const void *buf, size_t len)
{
    struct vk_machine *m = k->platform;
    int fd = err_stream ? m->con.err_fd : m->con.out_fd;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *)buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (!done)
        return len ? -VK_EIO : 0;
    if (err_stream)
        m->con.err_midline = ((const char *)buf)[done - 1] != '\n';
    return (long)done;
}

long vk_plat_console_read(struct vk_kernel *k, void *buf, size_t len)
{
    struct vk_machine *m = k->platform;
    struct vs_console *c = &m->con;
    if (!c->len)
        return c->eof ? 0 : -VK_EAGAIN;
    size_t n = c->len;
    if (!c->tty) { /* deliver line by line: independent of how the host pipe chunked it */
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl)
            n = (size_t)(nl - c->buf) + 1;
        else if (!c->eof)
            return -VK_EAGAIN;
    }
    if (n > len)
        n = len;
    memcpy(buf, c->buf, n);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    if (!c->len && !c->eof)
        vk_object_signal(k, &k->console->o, 0, VK_SIG_READABLE);
    return (long)n;
}

void vk_plat_console_want_input(struct vk_kernel *k, int want)
{
    struct vk_machine *m = k->platform;
    if (want)
        m->con.want++;
    else if (m->con.want)
        m->con.want--;
}

/* ---- machine ---- */

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
    if ((rc = kstack_pool_init(&m->kstacks)))
        goto fail_arena;
    if ((rc = vs_trace_init(&m->trace, 1u << 16, opt->keep_trace)))
        goto fail_arena;
    struct vk_config cfg = {
        .seed = opt->seed,
        .kcall_cost_ns = opt->kcall_cost_ns ? opt->kcall_cost_ns : 100,
        .chaos = opt->chaos,
        .quiet = (uint32_t)opt->quiet,
    };
    if ((rc = vk_kernel_init(&m->k, &cfg, &m->trace, m)))
        goto fail_trace;
    m->spawner = vk_object_new(&m->k, VK_OBJ_RESOURCE, sizeof *m->spawner);
    if (!m->spawner) {
        rc = -ENOMEM;
        goto fail_kernel;
    }
    if ((rc = vs_console_open(&m->con, opt->pace == VS_PACE_WALL)))
        goto fail_kernel;
    *out = m;
    return 0;
fail_kernel:
    if (m->spawner)
        vk_object_unref(&m->k, &m->spawner->o);
    vk_kernel_fini(&m->k);
fail_trace:
    vs_trace_fini(&m->trace);
fail_arena:
    kstack_pool_fini(&m->kstacks);
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
    vs_console_close(&m->con);
    kstack_pool_fini(&m->kstacks);
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

int vs_machine_load_bootfs(struct vk_machine *m, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    int rc = 0;
    struct vk_vmo *v = st.st_size > 0 ? vk_vmo_create_kernel(&m->k, (uint64_t)st.st_size, 1) : NULL;
    if (!v) {
        snprintf(err, errlen, "%s: empty or too large for a boot image", path);
        close(fd);
        return -EINVAL;
    }
    size_t done = 0;
    while (done < (size_t)st.st_size) {
        ssize_t r = read(fd, (char *)(uintptr_t)v->addr + done, (size_t)st.st_size - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: short read", path);
            rc = -EIO;
            break;
        }
        done += (size_t)r;
    }
    close(fd);
    struct vl_bootfs fs;
    if (!rc && vl_bootfs_open(&fs, (const void *)(uintptr_t)v->addr, done)) {
        snprintf(err, errlen, "%s: not a valid boot image", path);
        rc = -EINVAL;
    }
    if (rc) {
        vk_object_unref(&m->k, &v->o);
        return rc;
    }
    vk_plat_pages_protect(&m->k, v->addr, v->size, 0);
    m->bootfs = v;
    m->bootfs_len = done;
    return 0;
}

int vs_machine_spawn(struct vk_machine *m, const char *path, const char *const *argv, size_t argc,
                     int console, struct vk_process **out, char *err, size_t errlen)
{
    struct vk_kernel *k = &m->k;
    if (!m->bootfs) {
        snprintf(err, errlen, "no boot image loaded");
        return -VK_ENOENT;
    }
    struct vl_bootfs fs;
    struct vl_bootfs_file f;
    if (vl_bootfs_open(&fs, (const void *)(uintptr_t)m->bootfs->addr, m->bootfs_len) ||
        vl_bootfs_find(&fs, path, &f)) {
        snprintf(err, errlen, "%s: no such program in the boot image", path);
        return -VK_ENOENT;
    }
    const uint32_t con_rights =
        VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_WAIT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER;
    struct vk_start_handle hs[] = {
        {0, VK_ROLE_STDIN},  {0, VK_ROLE_STDOUT},  {0, VK_ROLE_STDERR},
        {0, VK_ROLE_BOOTFS}, {0, VK_ROLE_SPAWNER},
    };
    struct vk_object *objs[] = {&k->console->o, &k->console->o, &k->console->o, &m->bootfs->o,
                                &m->spawner->o};
    uint32_t rights[] = {con_rights, con_rights, con_rights,
                         VK_RIGHT_READ | VK_RIGHT_MAP | VK_RIGHT_DUP | VK_RIGHT_TRANSFER,
                         VK_CAP_RIGHTS_ALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER};
    uint64_t badges[] = {0, 1, 2, 0, 0};
    const char *envp[] = {"PATH=/bin:/sbin", "HOME=/", "TERM=vt100", NULL};
    struct vk_process *p;
    int rc = vk_process_create(k, path, f.data, f.size, argv, argc, envp, 3, NULL, hs, objs, rights,
                               badges, 5, &p, err, errlen);
    if (rc)
        return rc;
    if (console) {
        vk_object_ref(&p->o);
        m->console_proc = p;
    }
    if (out)
        *out = p;
    return 0;
}

static void shutdown_all(struct vk_machine *m)
{
    struct vk_proc_info why = {.exit_kind = VK_EXIT_KILLED, .exit_code = 128 + 15, .signo = 15};
    for (struct vk_list *l = m->k.procs.next; l != &m->k.procs; l = l->next)
        vk_process_kill(&m->k, VK_CONTAINER_OF(l, struct vk_process, link), &why);
}

int vs_machine_run(struct vk_machine *m)
{
    struct vk_kernel *k = &m->k;
    int shutting_down = 0;
#ifdef VS_ASAN
    m->idle_stack = NULL;
    m->idle_stack_size = 0;
    {
        pthread_attr_t a;
        void *lo;
        size_t sz;
        if (!pthread_getattr_np(pthread_self(), &a)) {
            pthread_attr_getstack(&a, &lo, &sz);
            pthread_attr_destroy(&a);
            m->idle_stack = lo;
            m->idle_stack_size = sz;
        }
    }
#endif
    if (m->opt.watchdog_ms)
        vs_watchdog_start(m->opt.watchdog_ms);
    for (;;) {
        vk_kernel_reap(k);
        if (m->stop && !shutting_down) {
            shutting_down = 1;
            shutdown_all(m);
        }
        struct vk_thread *t = vk_pick_next(k);
        if (t) {
            vk_switch_to(k, NULL, t, 0);
            continue;
        }
        if (shutting_down)
            break;
        struct vs_timer *next = vs_evq_peek(&k->evq);
        if (m->con.want && !m->con.eof) {
            if (vs_console_wait(m, next ? next->time : VK_DEADLINE_NEVER))
                continue;
        } else if (next && m->opt.pace == VS_PACE_WALL) {
            vs_console_wait(m, next->time);
        }
        if (vk_kernel_fire_timers(k))
            continue;
        if (m->con.want && !m->con.eof)
            continue;
        if (k->live_procs && !m->opt.quiet)
            dprintf(m->con.err_fd,
                    "vrsim: every thread is blocked and nothing can wake one: stopping\n");
        m->stop = 1;
        shutting_down = 1;
        shutdown_all(m);
    }
    vk_kernel_reap(k);
    if (m->opt.watchdog_ms)
        vs_watchdog_stop();
    return m->console_done ? m->console_exit_status : (m->console_proc ? 1 : 0);
}
