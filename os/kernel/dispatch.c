/*
 * The kernel-call dispatcher: lets the platform charge the call (vk_plat_kcall_enter: virtual
 * time, due timers, --chaos preemption), looks the call up in one const table (number, name,
 * handler with one signature, handle-argument mask), refuses handle arguments that do not fit
 * in 32 bits, hands the arguments to the call's implementation, traces the call with its
 * result, and finishes a thread that was killed while inside the kernel.
 * Every kernel call leaves an event: a VK_TR_KCALL with its arguments and result, or, for a
 * successful IPC call, the IPC events that describe it (send, receive, reply), which carry
 * more than the raw arguments and keep the hot path short.
 * Calls that are too small for a module of their own (handles, clock) live here.
 */

#include "kernel_internal.h"

static long sys_handle_dup(struct vk_kernel *k, uint32_t h, uint32_t rights, uint64_t out, int mint,
                           uint64_t badge)
{
    struct vk_process *p = k->cur->proc;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&p->handles, h, 0, mint ? VK_RIGHT_MINT : VK_RIGHT_DUP, &e);
    if (rc)
        return rc;
    uint32_t track = mint ? rights & VK_MINT_TRACK_CLOSE : e->rights & VK_HANDLE_TRACKED;
    rights &= ~VK_MINT_TRACK_CLOSE;
    if (rights & ~e->rights)
        return -VK_EPERM; /* rights only ever shrink */
    if (mint) {
        if (e->obj->type != VK_OBJ_ENDPOINT && e->obj->type != VK_OBJ_NOTIFICATION)
            return -VK_EWRONGTYPE;
        if (e->badge)
            return -VK_EPERM; /* a badge is set once */
        if (track && (e->obj->type != VK_OBJ_ENDPOINT || badge == 0 || badge == ~0ull))
            return -VK_EINVAL;
    } else {
        badge = e->badge;
    }
    if (track && (rc = vk_endpoint_track_room((struct vk_endpoint *)e->obj, badge)))
        return rc;
    rights |= track;
    return vk_handle_install_out(k, e->obj, rights, badge, out, NULL);
}

static long sys_handle_info(struct vk_kernel *k, uint32_t h, uint64_t out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, 0, 0, &e);
    if (rc)
        return rc;
    struct vk_handle_info info = {e->obj->type, e->rights & ~VK_HANDLE_TRACKED, e->badge,
                                  e->obj->id};
    return vk_copy_out(k, out, &info, sizeof info);
}

static long sys_trace_mark(struct vk_kernel *k, uint64_t us, uint64_t len)
{
    char buf[256];
    if (len > sizeof buf)
        return -VK_EINVAL;
    int rc = vk_copy_in(k, buf, us, (size_t)len);
    if (rc)
        return rc;
    if (!vk_plat_trace_intern(k, buf, (size_t)len))
        return -VK_ENOMEM; /* the trace's string table is full (it is bounded) */
    vk_trace_str(k, VK_TR_MARK, buf, (size_t)len, len, 0);
    return 0;
}

static long sys_kernel_info(struct vk_kernel *k, uint64_t out)
{
    struct vk_kernel_info info = {
        .now_ns = k->now,
        .kcalls = k->stats.kcalls,
        .objects = k->stats.objects_live,
        .handles = k->stats.handles_live,
        .processes = k->live_procs,
        .memory_object_bytes = vk_plat_pages_in_use(k),
    };
    return vk_copy_out(k, out, &info, sizeof info);
}

static long sys_set_self(struct vk_kernel *k, uint64_t value)
{
    struct vk_thread *t = k->cur;
    t->self_value = value;
    if (t->proc->self_addr)
        vk_plat_copy_out(k, t->proc, t->proc->self_addr, &value, 8);
    return 0;
}

/* ---- the kernel-call table ---- */

/* Every kernel call has this shape: the current thread's arguments as they came, decoded by
 * the call itself (a5 is not used by any call). */
typedef long (*vk_kcall_handler)(struct vk_kernel *k, uint64_t a0, uint64_t a1, uint64_t a2,
                                 uint64_t a3, uint64_t a4);

struct vk_kcall_row {
    uint32_t nr;
    uint8_t handle_args; /* bit i: argument i is a handle (see wide_handle) */
    const char *name;
    vk_kcall_handler fn;
};

#define KC(name)                                                                                   \
    static long kc_##name(struct vk_kernel *k, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, \
                          uint64_t a4)
#define KC_UNUSED() (void)k, (void)a0, (void)a1, (void)a2, (void)a3, (void)a4

KC(handle_close)
{
    KC_UNUSED();
    return vk_handle_close(k, &k->cur->proc->handles, (uint32_t)a0);
}
KC(handle_dup)
{
    KC_UNUSED();
    return sys_handle_dup(k, (uint32_t)a0, (uint32_t)a1, a2, 0, 0);
}
KC(handle_mint)
{
    KC_UNUSED();
    return sys_handle_dup(k, (uint32_t)a0, (uint32_t)a1, a3, 1, a2);
}
KC(handle_info)
{
    KC_UNUSED();
    return sys_handle_info(k, (uint32_t)a0, a1);
}
KC(endpoint_create)
{
    KC_UNUSED();
    return vk_sys_endpoint_create(k, a0);
}
KC(call)
{
    KC_UNUSED();
    return vk_sys_call(k, (uint32_t)a0, a1, a2);
}
KC(receive)
{
    KC_UNUSED();
    return vk_sys_receive(k, (uint32_t)a0, a1, a2);
}
KC(reply)
{
    KC_UNUSED();
    return vk_sys_reply(k, a0, a1);
}
KC(reply_receive)
{
    return vk_sys_reply_receive(k, a0, a1, (uint32_t)a2, a3, a4);
}
KC(msg_read)
{
    KC_UNUSED();
    return vk_sys_msg_read(k, a0, a1, a2, a3);
}
KC(msg_write)
{
    KC_UNUSED();
    return vk_sys_msg_write(k, a0, a1, a2, a3);
}
KC(notify_create)
{
    KC_UNUSED();
    return vk_sys_notify_create(k, a0);
}
KC(notify_signal)
{
    KC_UNUSED();
    return vk_sys_notify_signal(k, (uint32_t)a0, a1);
}
KC(notify_bind)
{
    KC_UNUSED();
    return vk_sys_notify_bind(k, (uint32_t)a0, (uint32_t)a1);
}
KC(wait_many)
{
    KC_UNUSED();
    return vk_sys_wait_many(k, a0, a1, a2);
}
KC(futex_wait)
{
    KC_UNUSED();
    return vk_sys_futex_wait(k, a0, (uint32_t)a1, a2);
}
KC(futex_wake)
{
    KC_UNUSED();
    return vk_sys_futex_wake(k, a0, a1);
}
KC(vmo_create)
{
    KC_UNUSED();
    return vk_sys_vmo_create(k, a0, a1);
}
KC(vmo_map)
{
    KC_UNUSED();
    return vk_sys_vmo_map(k, (uint32_t)a0, (uint32_t)a1, a2);
}
KC(vmo_unmap)
{
    KC_UNUSED();
    return vk_sys_vmo_unmap(k, a0);
}
KC(spawn)
{
    KC_UNUSED();
    return vk_sys_spawn(k, a0, a1);
}
KC(process_exit)
{
    KC_UNUSED();
    struct vk_proc_info why = {.exit_kind = VK_EXIT_NORMAL, .exit_code = (int32_t)a0};
    vk_process_exit_current(k, &why);
}
KC(process_info)
{
    KC_UNUSED();
    return vk_sys_process_info(k, (uint32_t)a0, a1);
}
KC(process_kill)
{
    KC_UNUSED();
    return vk_sys_process_kill(k, (uint32_t)a0);
}
KC(thread_create)
{
    return vk_sys_thread_create(k, a0, a1, a2, a3, a4);
}
KC(thread_exit)
{
    KC_UNUSED();
    vk_thread_exit_current(k, (int32_t)a0);
}
KC(thread_yield)
{
    KC_UNUSED();
    vk_yield(k);
    return 0;
}
KC(thread_set_self)
{
    KC_UNUSED();
    return sys_set_self(k, a0);
}
KC(console_write)
{
    KC_UNUSED();
    return vk_sys_console_write(k, (uint32_t)a0, a1, a2);
}
KC(console_read)
{
    KC_UNUSED();
    return vk_sys_console_read(k, (uint32_t)a0, a1, a2, a3);
}
KC(clock_get)
{
    KC_UNUSED();
    return (long)k->now;
}
KC(getpid)
{
    KC_UNUSED();
    return k->cur->proc->pid;
}
KC(trace_mark)
{
    KC_UNUSED();
    return sys_trace_mark(k, a0, a1);
}
KC(kernel_info)
{
    KC_UNUSED();
    return sys_kernel_info(k, a0);
}
KC(pci_config_read)
{
    KC_UNUSED();
    return vk_sys_pci_config_read(k, (uint32_t)a0, a1, a2, a3);
}
KC(device_open)
{
    KC_UNUSED();
    return vk_sys_device_open(k, (uint32_t)a0, a1, a2);
}
KC(device_info)
{
    KC_UNUSED();
    return vk_sys_device_info(k, (uint32_t)a0, a1);
}
KC(device_config_read)
{
    KC_UNUSED();
    return vk_sys_device_config_read(k, (uint32_t)a0, a1, a2);
}
KC(device_config_write)
{
    KC_UNUSED();
    return vk_sys_device_config_write(k, (uint32_t)a0, a1, a2, a3);
}
KC(device_mmio_read)
{
    return vk_sys_device_mmio_read(k, (uint32_t)a0, a1, a2, a3, a4);
}
KC(device_mmio_write)
{
    return vk_sys_device_mmio_write(k, (uint32_t)a0, a1, a2, a3, a4);
}
KC(device_irq_bind)
{
    KC_UNUSED();
    return vk_sys_device_irq_bind(k, (uint32_t)a0, a1, (uint32_t)a2, a3);
}
KC(device_reset)
{
    KC_UNUSED();
    return vk_sys_device_reset(k, (uint32_t)a0);
}
KC(dma_domain_open)
{
    KC_UNUSED();
    return vk_sys_dma_domain_open(k, (uint32_t)a0, a1, a2);
}
KC(dma_map)
{
    KC_UNUSED();
    return vk_sys_dma_map(k, (uint32_t)a0, (uint32_t)a1, a2);
}
KC(dma_unmap)
{
    KC_UNUSED();
    return vk_sys_dma_unmap(k, (uint32_t)a0, a1, a2);
}
KC(dma_info)
{
    KC_UNUSED();
    return vk_sys_dma_info(k, (uint32_t)a0, a1);
}
KC(iommu_faults)
{
    KC_UNUSED();
    return vk_sys_iommu_faults(k, (uint32_t)a0, a1, a2, a3);
}
KC(signal_action)
{
    KC_UNUSED();
    return vk_sys_signal_action(k, a0, a1, a2);
}
KC(signal_mask)
{
    KC_UNUSED();
    return vk_sys_signal_mask(k, a0, a1, a2);
}
KC(signal_send)
{
    KC_UNUSED();
    return vk_sys_signal_send(k, (int64_t)a0, a1, a2);
}
KC(signal_take)
{
    KC_UNUSED();
    return vk_sys_signal_take(k, a0);
}
KC(signal_pending)
{
    KC_UNUSED();
    return vk_sys_signal_pending(k, a0);
}
KC(signal_wait)
{
    KC_UNUSED();
    return vk_sys_signal_wait(k, a0);
}
KC(signal_alarm)
{
    KC_UNUSED();
    return vk_sys_signal_alarm(k, a0);
}
KC(process_ids)
{
    KC_UNUSED();
    return vk_sys_process_ids(k, a0, a1);
}
KC(process_setpgid)
{
    KC_UNUSED();
    return vk_sys_process_setpgid(k, a0, a1);
}
KC(process_setsid)
{
    KC_UNUSED();
    return vk_sys_process_setsid(k);
}
KC(process_setuid)
{
    KC_UNUSED();
    return vk_sys_process_setuid(k, (uint32_t)a0, a1);
}
KC(process_exec)
{
    KC_UNUSED();
    return vk_sys_process_exec(k, a0);
}
KC(console_ctl)
{
    KC_UNUSED();
    return vk_sys_console_ctl(k, (uint32_t)a0, a1, a2);
}
KC(klog_read)
{
    KC_UNUSED();
    return vk_sys_klog_read(k, a0, a1, a2);
}
KC(klog_write)
{
    KC_UNUSED();
    return vk_sys_klog_write(k, (uint32_t)a0, a1, a2);
}
KC(terminal_create)
{
    KC_UNUSED();
    return vk_sys_terminal_create(k, a0);
}
KC(terminal_ctl)
{
    KC_UNUSED();
    return vk_sys_terminal_ctl(k, (uint32_t)a0, a1, a2, a3);
}

/* One row per call, indexed by its number: a new call is one row here (and its number in
 * veridian/kcall.h). Handles are 32-bit values passed in 64-bit registers: narrowing a
 * register with high bits set would silently name the handle in its low half, so the
 * handle_args mask makes such a value no handle at all (-VK_EBADH). */
#define KCALL(NR, name, handles) [NR] = {NR, handles, #name, kc_##name}
static const struct vk_kcall_row kcalls[VK_NR_COUNT] = {
    KCALL(VK_NR_HANDLE_CLOSE, handle_close, 1 << 0),
    KCALL(VK_NR_HANDLE_DUP, handle_dup, 1 << 0),
    KCALL(VK_NR_HANDLE_MINT, handle_mint, 1 << 0),
    KCALL(VK_NR_HANDLE_INFO, handle_info, 1 << 0),
    KCALL(VK_NR_ENDPOINT_CREATE, endpoint_create, 0),
    KCALL(VK_NR_CALL, call, 1 << 0),
    KCALL(VK_NR_RECEIVE, receive, 1 << 0),
    KCALL(VK_NR_REPLY, reply, 0),
    KCALL(VK_NR_REPLY_RECEIVE, reply_receive, 1 << 2),
    KCALL(VK_NR_MSG_READ, msg_read, 0),
    KCALL(VK_NR_MSG_WRITE, msg_write, 0),
    KCALL(VK_NR_NOTIFY_CREATE, notify_create, 0),
    KCALL(VK_NR_NOTIFY_SIGNAL, notify_signal, 1 << 0),
    KCALL(VK_NR_NOTIFY_BIND, notify_bind, 3 << 0),
    KCALL(VK_NR_WAIT_MANY, wait_many, 0),
    KCALL(VK_NR_FUTEX_WAIT, futex_wait, 0),
    KCALL(VK_NR_FUTEX_WAKE, futex_wake, 0),
    KCALL(VK_NR_VMO_CREATE, vmo_create, 0),
    KCALL(VK_NR_VMO_MAP, vmo_map, 1 << 0),
    KCALL(VK_NR_VMO_UNMAP, vmo_unmap, 0),
    KCALL(VK_NR_SPAWN, spawn, 0),
    KCALL(VK_NR_PROCESS_EXIT, process_exit, 0),
    KCALL(VK_NR_PROCESS_INFO, process_info, 1 << 0),
    KCALL(VK_NR_PROCESS_KILL, process_kill, 1 << 0),
    KCALL(VK_NR_THREAD_CREATE, thread_create, 0),
    KCALL(VK_NR_THREAD_EXIT, thread_exit, 0),
    KCALL(VK_NR_THREAD_YIELD, thread_yield, 0),
    KCALL(VK_NR_THREAD_SET_SELF, thread_set_self, 0),
    KCALL(VK_NR_CONSOLE_WRITE, console_write, 1 << 0),
    KCALL(VK_NR_CONSOLE_READ, console_read, 1 << 0),
    KCALL(VK_NR_CLOCK_GET, clock_get, 0),
    KCALL(VK_NR_GETPID, getpid, 0),
    KCALL(VK_NR_TRACE_MARK, trace_mark, 0),
    KCALL(VK_NR_KERNEL_INFO, kernel_info, 0),
    KCALL(VK_NR_PCI_CONFIG_READ, pci_config_read, 1 << 0),
    KCALL(VK_NR_DEVICE_OPEN, device_open, 1 << 0),
    KCALL(VK_NR_DEVICE_INFO, device_info, 1 << 0),
    KCALL(VK_NR_DEVICE_CONFIG_READ, device_config_read, 1 << 0),
    KCALL(VK_NR_DEVICE_CONFIG_WRITE, device_config_write, 1 << 0),
    KCALL(VK_NR_DEVICE_MMIO_READ, device_mmio_read, 1 << 0),
    KCALL(VK_NR_DEVICE_MMIO_WRITE, device_mmio_write, 1 << 0),
    KCALL(VK_NR_DEVICE_IRQ_BIND, device_irq_bind, 1 << 0 | 1 << 2),
    KCALL(VK_NR_DEVICE_RESET, device_reset, 1 << 0),
    KCALL(VK_NR_DMA_DOMAIN_OPEN, dma_domain_open, 1 << 0),
    KCALL(VK_NR_DMA_MAP, dma_map, 3 << 0),
    KCALL(VK_NR_DMA_UNMAP, dma_unmap, 1 << 0),
    KCALL(VK_NR_DMA_INFO, dma_info, 1 << 0),
    KCALL(VK_NR_IOMMU_FAULTS, iommu_faults, 1 << 0),
    KCALL(VK_NR_SIGNAL_ACTION, signal_action, 0),
    KCALL(VK_NR_SIGNAL_MASK, signal_mask, 0),
    KCALL(VK_NR_SIGNAL_SEND, signal_send, 0),
    KCALL(VK_NR_SIGNAL_TAKE, signal_take, 0),
    KCALL(VK_NR_SIGNAL_PENDING, signal_pending, 0),
    KCALL(VK_NR_SIGNAL_WAIT, signal_wait, 0),
    KCALL(VK_NR_SIGNAL_ALARM, signal_alarm, 0),
    KCALL(VK_NR_PROCESS_IDS, process_ids, 0),
    KCALL(VK_NR_PROCESS_SETPGID, process_setpgid, 0),
    KCALL(VK_NR_PROCESS_SETSID, process_setsid, 0),
    KCALL(VK_NR_PROCESS_SETUID, process_setuid, 1 << 0),
    KCALL(VK_NR_CONSOLE_CTL, console_ctl, 1 << 0),
    KCALL(VK_NR_PROCESS_EXEC, process_exec, 0),
    KCALL(VK_NR_KLOG_READ, klog_read, 0),
    KCALL(VK_NR_KLOG_WRITE, klog_write, 1 << 0),
    KCALL(VK_NR_TERMINAL_CREATE, terminal_create, 0),
    KCALL(VK_NR_TERMINAL_CTL, terminal_ctl, 1 << 0),
};

static inline int wide_handle(uint32_t mask, uint64_t a0, uint64_t a1, uint64_t a2)
{
    uint64_t high = ((mask & 1) ? a0 : 0) | ((mask & 2) ? a1 : 0) | ((mask & 4) ? a2 : 0);
    return (high >> 32) != 0;
}

const char *vk_kcall_name(uint32_t nr)
{
    return nr < VK_NR_COUNT && kcalls[nr].name ? kcalls[nr].name : "invalid";
}

static inline long invoke(struct vk_kernel *k, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                          uint64_t a3, uint64_t a4)
{
    if (nr >= VK_NR_COUNT || !kcalls[nr].fn)
        return -VK_ENOSYS;
    const struct vk_kcall_row *c = &kcalls[nr];
    if (wide_handle(c->handle_args, a0, a1, a2))
        return -VK_EBADH;
    return c->fn(k, a0, a1, a2, a3, a4);
}

long vk_dispatch(struct vk_kernel *k, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vk_thread *t = k->cur;
    (void)a5;
    t->kcalls++;
    k->stats.kcalls++;
    vk_plat_kcall_enter(k, t); /* time, due timers, --chaos: the platform's policy */
    t->kcall_traced = 0;
    long r = t->killed ? -VK_ECANCELED : invoke(k, nr, a0, a1, a2, a3, a4);
    if (!t->kcall_traced)
        vk_trace(k, VK_TR_KCALL, nr, a0, a1, a2, (uint64_t)r);
    if (__builtin_expect(t->proc->stopped, 0))
        vk_signal_park(k); /* job control: resume at SIGCONT (or die) */
    if (t->killed)
        vk_thread_exit_current(k, t->proc->exit.exit_code);
    return r;
}
