/*
 * Processes and threads: creation from an ELF image with an explicit handle list, thread
 * creation, exit (normal, fault, kill, watchdog), and the cleanup that follows.
 *
 * There is no fork. A process starts with exactly the handles its creator listed, each
 * tagged with a role in its aux vector. Killing is "set a flag and wake": a thread always
 * finishes on its own kernel stack when its kernel call returns. The last thread out of a
 * process tears it down: pending replies fail, handles close, mappings and memory go back,
 * the process object signals VK_SIG_EXITED and the parent's notification fires.
 *
 * Quotas: a thread holds a kernel stack from its creation until the idle loop reaps it;
 * k->nthreads counts those, and neither it nor a process's own count may pass
 * VK_MACHINE_THREADS_MAX / VK_PROCESS_THREADS_MAX (-VK_EAGAIN, checked while decoding). The
 * platform sizes its kernel-stack pool to the machine's limit, so starting a thread within
 * the limits does not depend on the host.
 */

#include "kernel_internal.h"
#include "veridian/caps.h"

static struct vk_thread *thread_new(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_thread *t = vk_plat_alloc(sizeof *t);
    if (!t)
        return NULL;
    vk_object_init(k, &t->o, VK_OBJ_THREAD);
    t->kernel = k;
    t->proc = p;
    t->tid = k->next_tid++;
    t->state = VK_T_NEW;
    vk_object_ref(&p->o);
    vk_list_add_tail(&p->threads, &t->proc_link);
    p->nthreads++;
    k->nthreads++;
    return t;
}

/* -VK_EAGAIN if p (NULL: a new process) may not have one more thread. */
static int thread_quota(struct vk_kernel *k, const struct vk_process *p)
{
    if (k->nthreads >= VK_MACHINE_THREADS_MAX)
        return -VK_EAGAIN;
    if (p && p->nthreads >= VK_PROCESS_THREADS_MAX)
        return -VK_EAGAIN;
    return 0;
}

void vk_thread_destroy(struct vk_kernel *k, struct vk_thread *t)
{
    struct vk_process *p = t->proc;
    k->stats.objects_live--;
    vk_plat_free(t);
    vk_object_unref(k, &p->o);
}

void vk_process_destroy(struct vk_kernel *k, struct vk_process *p)
{
    k->stats.objects_live--;
    vk_plat_free(p);
}

/* Start a thread: the platform prepares its kernel context. The thread is runnable. */
static int thread_start(struct vk_kernel *k, struct vk_thread *t, uint64_t entry, uint64_t sp,
                        uint64_t arg)
{
    t->entry = entry;
    t->entry_sp = sp;
    t->entry_arg = arg;
    int rc = vk_plat_thread_init(k, t);
    if (rc)
        return rc;
    vk_make_runnable(k, t);
    return 0;
}

static void thread_unlink(struct vk_kernel *k, struct vk_thread *t)
{
    vk_list_del(&t->proc_link);
    t->proc->nthreads--;
    (void)k;
}

/* Undo thread_new for a thread that never started. */
static void thread_abandon(struct vk_kernel *k, struct vk_thread *t)
{
    thread_unlink(k, t);
    k->nthreads--;
    vk_object_unref(k, &t->o);
}

static void process_finalize(struct vk_kernel *k, struct vk_process *p)
{
    p->state = VK_PROC_EXITED;
    p->exit.state = VK_PROC_EXITED;
    p->exit.pid = p->pid;
    vk_ipc_process_exit(k, p);
    vk_handles_close_all(k, &p->handles);
    vk_maps_release(k, p);
    vk_plat_proc_region_free(k, p);
    k->stats.exits++;
    int crashed = p->exit.exit_kind == VK_EXIT_FAULT || p->exit.exit_kind == VK_EXIT_WATCHDOG ||
                  p->exit.exit_kind == VK_EXIT_SYSCALL || p->exit.exit_kind == VK_EXIT_FSBASE;
    if (crashed)
        k->stats.faults++;
    vk_trace_str(k, VK_TR_PROC_EXIT, p->name, vk_strlen(p->name), p->pid,
                 ((uint64_t)p->exit.exit_kind << 32) | (uint32_t)p->exit.exit_code);
    vk_klog_exit(k, p);
    if (crashed)
        vk_plat_report_exit(k, p); /* crashes, not deliberate kills */
    vk_object_signal(k, &p->o, VK_SIG_EXITED, 0);
    vk_signal_process_exit(k, p);
    if (p->exit_notify) {
        vk_object_signal(k, &p->exit_notify->o, p->exit_bits, 0);
        if (p->exit_notify->bound && !vk_list_empty(&p->exit_notify->bound->receivers)) {
            struct vk_thread *r =
                VK_CONTAINER_OF(p->exit_notify->bound->receivers.next, struct vk_thread, ipc_link);
            vk_wake(k, r, 0);
        }
        vk_object_unref(k, &p->exit_notify->o);
        p->exit_notify = NULL;
    }
    vk_list_del(&p->link);
    k->live_procs--;
    vk_plat_process_exited(k, p);
    vk_object_unref(k, &p->o); /* the "running" reference */
}

_Noreturn void vk_thread_exit_current(struct vk_kernel *k, int32_t code)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    t->exit_code = code;
    vk_trace(k, VK_TR_THREAD_EXIT, t->tid, (uint64_t)(int64_t)code, 0, 0, 0);
    thread_unlink(k, t);
    t->state = VK_T_DEAD;
    vk_object_signal(k, &t->o, VK_SIG_EXITED, 0);
    if (p->nthreads == 0) {
        if (!p->exiting) {
            p->exiting = 1;
            p->exit.exit_kind = VK_EXIT_NORMAL;
            p->exit.exit_code = code;
        }
        process_finalize(k, p);
    }
    vk_list_add_tail(&k->zombies, &t->proc_link);
    vk_switch_to(k, t, NULL, 1);
    __builtin_unreachable();
}

void vk_process_kill(struct vk_kernel *k, struct vk_process *p, const struct vk_proc_info *why)
{
    if (p->exiting || p->state == VK_PROC_EXITED)
        return;
    p->exiting = 1;
    p->exit = *why;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next) {
        struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
        if (t != k->cur)
            vk_thread_kill(k, t);
    }
}

_Noreturn void vk_process_exit_current(struct vk_kernel *k, const struct vk_proc_info *why)
{
    struct vk_thread *t = k->cur;
    vk_process_kill(k, t->proc, why);
    t->killed = 1;
    vk_thread_exit_current(k, why->exit_code);
}

void vk_kernel_reap(struct vk_kernel *k)
{
    while (!vk_list_empty(&k->zombies)) {
        struct vk_thread *t = VK_CONTAINER_OF(k->zombies.next, struct vk_thread, proc_link);
        vk_list_del(&t->proc_link);
        vk_plat_thread_release(k, t);
        k->nthreads--;
        vk_object_unref(k, &t->o);
    }
}

/* A new process object, running, with no handles, threads or memory yet. */
static struct vk_process *process_new(struct vk_kernel *k, const char *name)
{
    struct vk_process *p = vk_object_new(k, VK_OBJ_PROCESS, sizeof *p);
    if (!p)
        return NULL;
    p->pid = k->next_pid++;
    p->state = VK_PROC_RUNNING;
    vk_strlcpy(p->name, name, sizeof p->name);
    vk_handles_init(&p->handles);
    vk_list_init(&p->threads);
    return p;
}

/* A fully built process joins the process list (traced with its first thread's tid). */
static void process_publish(struct vk_kernel *k, struct vk_process *p, uint32_t tid)
{
    vk_list_add_tail(&k->procs, &p->link);
    k->live_procs++;
    vk_trace_str(k, VK_TR_PROC_SPAWN, p->name, vk_strlen(p->name), p->pid, tid);
    vk_klog_start(k, p);
}

int vk_process_create(struct vk_kernel *k, const char *name, const void *image, size_t len,
                      const char *const *argv, size_t argc, const char *const *envp, size_t envc,
                      struct vk_process *parent, const struct vk_start_handle *hs,
                      struct vk_object **hobjs, const uint32_t *hrights, const uint64_t *hbadges,
                      size_t nh, struct vk_process **out, char *err, size_t errlen)
{
    if (nh > VK_SPAWN_MAX_HANDLES)
        return -VK_EINVAL;
    int rc = thread_quota(k, NULL);
    if (rc)
        return rc;
    struct vk_process *p = process_new(k, name);
    if (!p)
        return -VK_ENOMEM;
    struct vk_start_handle child_hs[VK_SPAWN_MAX_HANDLES];
    for (size_t i = 0; i < nh; i++) {
        child_hs[i].role = hs[i].role & ~VK_START_MOVE;
        rc = vk_handle_install(k, &p->handles, hobjs[i], hrights[i], hbadges[i],
                               &child_hs[i].handle);
        if (rc)
            goto fail_handles;
    }
    if ((rc = vk_plat_proc_region_alloc(k, p)))
        goto fail_handles;
    struct vk_load_args la = {
        .image = image,
        .len = len,
        .argv = argv,
        .argc = argc,
        .envp = envp,
        .envc = envc,
        .handles = child_hs,
        .nhandles = nh,
        .ppid = parent ? parent->pid : 0,
    };
    if ((rc = vk_plat_proc_load(k, p, &la, err, errlen)))
        goto fail_region;
    struct vk_thread *t = thread_new(k, p);
    if (!t) {
        rc = -VK_ENOMEM;
        goto fail_region;
    }
    if ((rc = thread_start(k, t, la.entry, la.sp, 0))) {
        thread_abandon(k, t);
        goto fail_region;
    }
    vk_signal_inherit(k, p, parent);
    k->stats.spawns++;
    process_publish(k, p, t->tid);
    *out = p;
    return 0;

fail_region:
    vk_plat_proc_region_free(k, p);
fail_handles:
    vk_handles_close_all(k, &p->handles);
    vk_object_unref(k, &p->o);
    return rc;
}

/* ---- kernel calls ---- */

/* Copy a NUL-terminated guest string of at most max-1 bytes into dst. */
static int copy_str(struct vk_kernel *k, char *dst, uint64_t uaddr, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        int rc = vk_copy_in(k, &dst[i], uaddr + i, 1);
        if (rc)
            return rc;
        if (!dst[i])
            return (int)i;
    }
    return -VK_E2BIG;
}

struct strvec {
    const char *ptrs[VK_SPAWN_MAX_ARGS + 1];
    size_t n;
};

/* Gather a NULL-terminated guest array of strings into pool[*used...]. */
static int copy_strvec(struct vk_kernel *k, uint64_t uarr, struct strvec *v, char *pool,
                       size_t *used)
{
    v->n = 0;
    if (!uarr)
        return 0;
    for (;;) {
        uint64_t sp;
        int rc = vk_copy_in(k, &sp, uarr + v->n * 8, 8);
        if (rc)
            return rc;
        if (!sp)
            break;
        if (v->n == VK_SPAWN_MAX_ARGS)
            return -VK_E2BIG;
        rc = copy_str(k, pool + *used, sp, VK_SPAWN_MAX_STRINGS - *used);
        if (rc < 0)
            return rc;
        v->ptrs[v->n++] = pool + *used;
        *used += (size_t)rc + 1;
    }
    v->ptrs[v->n] = NULL;
    return 0;
}

struct spawn_scratch {
    struct strvec argv, envp;
    char pool[VK_SPAWN_MAX_STRINGS];
    struct vk_start_handle hs[VK_SPAWN_MAX_HANDLES];
    struct vk_object *objs[VK_SPAWN_MAX_HANDLES];
    uint32_t rights[VK_SPAWN_MAX_HANDLES];
    uint64_t badges[VK_SPAWN_MAX_HANDLES];
    char err[256];
};

/* spawn never blocks, so one scratch area per kernel serves every call (it is large: a
 * fresh allocation per spawn would cost host syscalls and page faults) */
static struct spawn_scratch *scratch(struct vk_kernel *k)
{
    if (!k->spawn_scratch)
        k->spawn_scratch = vk_plat_alloc(sizeof(struct spawn_scratch));
    return k->spawn_scratch;
}

/* What spawn and exec read from a struct vk_spawn: the spawner's right, the image (its bytes
 * in *image), the name, argv, envp and the start handles (spawn: each needs TRANSFER and a
 * moved handle may not be listed twice; exec: no VK_START_MOVE) into the scratch area. */
static long read_program(struct vk_kernel *k, const struct vk_spawn *s, int exec,
                         struct spawn_scratch **scp, char *name, size_t namelen, const void **image)
{
    struct vk_process *p = k->cur->proc;
    struct spawn_scratch *sc = *scp = scratch(k);
    if (!sc)
        return -VK_ENOMEM;
    struct vk_handle_entry *e, *ie;
    long rc;
    if ((rc = vk_handle_get(&p->handles, s->spawner, VK_OBJ_RESOURCE, VK_RIGHT_SPAWN, &e)))
        return rc;
    if ((s->flags & VK_SPAWN_UID) && (!(e->rights & VK_RIGHT_SETUID) || s->uid == UINT32_MAX))
        return -VK_EPERM;
    if ((rc = vk_handle_get(&p->handles, s->image, VK_OBJ_VMO, VK_RIGHT_READ, &ie)))
        return rc;
    struct vk_vmo *img = (struct vk_vmo *)ie->obj;
    if (s->image_off > img->size || s->image_len > img->size - s->image_off || !s->image_len)
        return -VK_EINVAL;
    if (s->nhandles > VK_SPAWN_MAX_HANDLES)
        return -VK_EINVAL;
    size_t used = 0;
    if (s->name) {
        if ((rc = copy_str(k, name, s->name, namelen)) < 0)
            return rc;
    } else {
        vk_strlcpy(name, exec ? p->name : "pid-child", namelen);
    }
    if ((rc = copy_strvec(k, s->argv, &sc->argv, sc->pool, &used)) ||
        (rc = copy_strvec(k, s->envp, &sc->envp, sc->pool, &used)))
        return rc;
    if (s->nhandles &&
        (rc = vk_copy_in(k, sc->hs, s->handles, s->nhandles * sizeof(struct vk_start_handle))))
        return rc;
    for (uint32_t i = 0; i < s->nhandles; i++) {
        if ((rc =
                 vk_handle_get(&p->handles, sc->hs[i].handle, 0, exec ? 0 : VK_RIGHT_TRANSFER, &e)))
            return rc;
        if (exec && (sc->hs[i].role & VK_START_MOVE))
            return -VK_EINVAL;
        for (uint32_t j = 0; j < i && !exec; j++)
            if (sc->hs[j].handle == sc->hs[i].handle &&
                ((sc->hs[i].role | sc->hs[j].role) & VK_START_MOVE))
                return -VK_EINVAL;
        sc->objs[i] = e->obj;
        sc->rights[i] = e->rights;
        sc->badges[i] = e->badge;
    }
    if (!(*image = vk_plat_vmo_bytes(k, img, s->image_off, s->image_len)))
        return -VK_EINVAL;
    return 0;
}

long vk_sys_spawn(struct vk_kernel *k, uint64_t uspawn, uint64_t out)
{
    struct vk_process *p = k->cur->proc;
    struct vk_spawn s;
    int rc = vk_copy_in(k, &s, uspawn, sizeof s);
    if (rc)
        return rc;
    if (s.flags & ~(uint64_t)(VK_SPAWN_UID | VK_SPAWN_PGID | VK_SPAWN_SIGMASK | VK_SPAWN_SIGDEF))
        return -VK_EINVAL;
    if ((rc = vk_signal_spawn_check(k, &s)))
        return rc;
    struct vk_notification *notify = NULL;
    struct vk_handle_entry *e;
    if (s.exit_notify) {
        if ((rc = vk_handle_get(&p->handles, s.exit_notify, VK_OBJ_NOTIFICATION, VK_RIGHT_SIGNAL,
                                &e)))
            return rc;
        if (!s.exit_bits)
            return -VK_EINVAL;
        notify = (struct vk_notification *)e->obj;
    }
    if ((rc = thread_quota(k, NULL)))
        return rc;
    struct spawn_scratch *sc;
    char name[64];
    const void *image;
    if ((rc = (int)read_program(k, &s, 0, &sc, name, sizeof name, &image)))
        return rc;
    /* the child's handle: slot and guest word made sure of before the child exists */
    struct vk_handle_resv resv;
    if ((rc = vk_handle_reserve_out(k, out, &resv)))
        return rc;

    /* invoke: from here on only vk_process_create can fail, and it leaves nothing behind */
    struct vk_process *child;
    rc = vk_process_create(k, name, image, s.image_len, sc->argv.ptrs, sc->argv.n, sc->envp.ptrs,
                           sc->envp.n, p, sc->hs, sc->objs, sc->rights, sc->badges, s.nhandles,
                           &child, sc->err, sizeof sc->err);
    if (rc) {
        vk_handle_unreserve(k, &resv);
        vk_trace_str(k, VK_TR_PROC_SPAWN, sc->err, vk_strlen(sc->err), 0, (uint64_t)(int64_t)rc);
        return rc;
    }
    for (uint32_t i = 0; i < s.nhandles; i++)
        if (sc->hs[i].role & VK_START_MOVE)
            vk_handle_close(k, &p->handles, sc->hs[i].handle);
    vk_signal_spawn_apply(k, child, &s);
    if (notify) {
        vk_object_ref(&notify->o);
        child->exit_notify = notify;
        child->exit_bits = s.exit_bits;
    }
    vk_handle_commit_out(
        k, &resv, &child->o,
        VK_RIGHT_READ | VK_RIGHT_WAIT | VK_RIGHT_KILL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER, 0, NULL);
    return 0;
}

long vk_sys_process_exec(struct vk_kernel *k, uint64_t uspawn)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    struct vk_spawn s;
    int rc = vk_copy_in(k, &s, uspawn, sizeof s);
    if (rc)
        return rc;
    if (s.flags || s.exit_notify || s.exit_bits)
        return -VK_EINVAL;
    if (p->exiting)
        return -VK_ESRCH;
    if ((rc = thread_quota(k, p)) || (rc = thread_quota(k, NULL)))
        return rc;
    struct spawn_scratch *sc;
    char name[64];
    const void *image;
    if ((rc = (int)read_program(k, &s, 1, &sc, name, sizeof name, &image)))
        return rc;
    /* the new image goes into a region of its own first: a refused image changes nothing */
    struct vk_process *tmp = vk_plat_alloc(sizeof *tmp);
    if (!tmp)
        return -VK_ENOMEM;
    tmp->pid = p->pid;
    if ((rc = vk_plat_proc_region_alloc(k, tmp)))
        goto fail_tmp;
    uint32_t keep[VK_SPAWN_MAX_HANDLES];
    for (uint32_t i = 0; i < s.nhandles; i++) {
        keep[i] = sc->hs[i].handle;
        sc->hs[i].role &= ~VK_START_MOVE;
    }
    struct vk_load_args la = {
        .image = image,
        .len = s.image_len,
        .argv = sc->argv.ptrs,
        .argc = sc->argv.n,
        .envp = sc->envp.ptrs,
        .envc = sc->envp.n,
        .handles = sc->hs,
        .nhandles = s.nhandles,
        .ppid = p->parent ? p->parent->pid : 0,
    };
    if ((rc = vk_plat_proc_load(k, tmp, &la, sc->err, sizeof sc->err)))
        goto fail_region;
    struct vk_thread *nt = thread_new(k, p);
    if (!nt) {
        rc = -VK_ENOMEM;
        goto fail_region;
    }

    /* invoke: the old image goes, the new one starts in a new main thread */
    vk_maps_release(k, p);
    vk_plat_proc_region_free(k, p);
    p->slot = tmp->slot;
    p->base = tmp->base;
    p->limit = tmp->limit;
    p->self_addr = tmp->self_addr;
    vk_plat_free(tmp);
    vk_strlcpy(p->name, name, sizeof p->name);
    vk_handles_close_except(k, &p->handles, keep, s.nhandles);
    vk_signal_exec(p);
    nt->sig_mask = t->sig_mask;
    for (struct vk_list *l = p->threads.next; l != &p->threads; l = l->next) {
        struct vk_thread *o = VK_CONTAINER_OF(l, struct vk_thread, proc_link);
        if (o != t && o != nt)
            vk_thread_kill(k, o);
    }
    if ((rc = thread_start(k, nt, la.entry, la.sp, 0)))
        vk_plat_panic("exec: the new main thread cannot start"); /* host memory: pool has room */
    vk_trace_str(k, VK_TR_PROC_SPAWN, p->name, vk_strlen(p->name), p->pid, nt->tid);
    vk_thread_exit_current(k, 0);

fail_region:
    vk_plat_proc_region_free(k, tmp);
fail_tmp:
    vk_plat_free(tmp);
    if (rc != -VK_ENOMEM)
        vk_trace_str(k, VK_TR_PROC_SPAWN, sc->err, vk_strlen(sc->err), 0, (uint64_t)(int64_t)rc);
    return rc;
}

long vk_sys_process_info(struct vk_kernel *k, uint32_t h, uint64_t out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_PROCESS, VK_RIGHT_READ, &e);
    if (rc)
        return rc;
    struct vk_process *p = (struct vk_process *)e->obj;
    struct vk_proc_info info = p->exit;
    info.pid = p->pid;
    info.state = p->state == VK_PROC_RUNNING && p->stopped ? VK_PROC_STOPPED : p->state;
    info.stops = p->stops;
    info.continues = p->continues;
    info.stop_signo = p->stop_signo;
    info.pgid = p->pgid;
    return vk_copy_out(k, out, &info, sizeof info);
}

long vk_sys_process_kill(struct vk_kernel *k, uint32_t h)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_PROCESS, VK_RIGHT_KILL, &e);
    if (rc)
        return rc;
    struct vk_process *p = (struct vk_process *)e->obj;
    struct vk_proc_info why = {.exit_kind = VK_EXIT_KILLED, .exit_code = 128 + 9, .signo = 9};
    if (p == k->cur->proc)
        vk_process_exit_current(k, &why);
    vk_process_kill(k, p, &why);
    return 0;
}

long vk_sys_thread_create(struct vk_kernel *k, uint64_t entry, uint64_t arg, uint64_t stack_top,
                          uint64_t self, uint64_t out)
{
    struct vk_process *p = k->cur->proc;
    /* the new thread starts as if called: return address 0 at its stack top */
    uint64_t zero = 0, sp = stack_top - 8;
    if (vk_uaccess_ok(p, entry, 1, VK_RIGHT_READ) || (stack_top & 15) ||
        vk_uaccess_ok(p, stack_top - 64, 64, VK_RIGHT_WRITE) || vk_uprobe_write(k, sp, 8))
        return -VK_EFAULT;
    if (p->exiting)
        return -VK_ESRCH;
    int rc = thread_quota(k, p);
    if (rc)
        return rc;
    struct vk_handle_resv resv;
    if ((rc = vk_handle_reserve_out(k, out, &resv)))
        return rc;

    /* invoke */
    struct vk_thread *t = thread_new(k, p);
    if (!t) {
        rc = -VK_ENOMEM;
        goto fail_resv;
    }
    t->self_value = self;
    t->sig_mask = k->cur->sig_mask;
    if ((rc = thread_start(k, t, entry, sp, arg))) { /* host memory only: the pool has room */
        thread_abandon(k, t);
        goto fail_resv;
    }
    vk_plat_copy_out(k, p, sp, &zero, 8); /* probed above */
    vk_handle_commit_out(k, &resv, &t->o, VK_RIGHT_WAIT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER, 0,
                         NULL);
    vk_trace(k, VK_TR_THREAD_CREATE, t->tid, entry, stack_top, 0, 0);
    return 0;
fail_resv:
    vk_handle_unreserve(k, &resv);
    return rc;
}

int vk_thread_create_kthread(struct vk_kernel *k, struct vk_process *p, void (*fn)(void *),
                             void *arg, struct vk_thread **out)
{
    int rc = thread_quota(k, p);
    if (rc)
        return rc;
    struct vk_thread *t = thread_new(k, p);
    if (!t)
        return -VK_ENOMEM;
    t->kfn = fn;
    t->karg = arg;
    if ((rc = thread_start(k, t, 0, 0, 0))) {
        thread_abandon(k, t);
        return rc;
    }
    if (out)
        *out = t;
    return 0;
}

int vk_process_create_kthread(struct vk_kernel *k, const char *name, void (*fn)(void *), void *arg,
                              struct vk_process **out)
{
    int rc = thread_quota(k, NULL);
    if (rc)
        return rc;
    struct vk_process *p = process_new(k, name);
    if (!p)
        return -VK_ENOMEM;
    if ((rc = vk_plat_proc_region_alloc(k, p))) {
        vk_object_unref(k, &p->o);
        return rc;
    }
    if ((rc = vk_thread_create_kthread(k, p, fn, arg, NULL))) {
        vk_plat_proc_region_free(k, p);
        vk_object_unref(k, &p->o);
        return rc;
    }
    vk_signal_inherit(k, p, NULL);
    process_publish(k, p, 0);
    *out = p;
    return 0;
}
