/*
 * libveridian's native layer: one typed static inline wrapper per kernel call of
 * os/include/veridian/kcall.h, plus the start handles and the per-thread self word.
 *
 * Contract: every wrapper returns exactly what the kernel returned, 0 (or a non-negative
 * value) on success or -VK_E* on failure; the native layer never touches errno (the POSIX
 * layer turns errors into -1 + errno). A wrapper is only usable after crt0/start.c has
 * found the kernel-call page (AT_VERIDIAN_KCALL); before that there is no kernel to call.
 * Pointers are passed to the kernel as plain addresses: the kernel checks and copies them.
 */
#ifndef VERIDIAN_VK_H
#define VERIDIAN_VK_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"

/* Address of the kernel-call page, set once by start.c before main. */
extern uintptr_t __veridian_kcall_page __attribute__((visibility("hidden")));

typedef void (*vk_thread_entry_fn)(void *arg);

/* The running thread's attention word (AT_VERIDIAN_SELF + 8; a zero word before start-up):
 * non-zero when a signal is deliverable to it (veridian/kcall.h "Signals"). */
extern const volatile uint64_t *__veridian_attention __attribute__((visibility("hidden")));

/* A kernel call with no signal delivery after it: for the delivery code itself. */
static inline long vk__kcall_raw(unsigned nr, long a, long b, long c, long d, long e)
{
    vk_kcall_fn fn = (vk_kcall_fn)(__veridian_kcall_page + VK_KCALL_STUB_OFFSET +
                                   (uintptr_t)nr * VK_KCALL_STUB_STRIDE);
    return fn(a, b, c, d, e, 0);
}

/* Runs the handlers of the signals deliverable now (src/signal.c) and returns r, or the
 * result of the call made again when it was interrupted (-VK_EINTR) and may restart. */
long __veridian_signal_return(unsigned nr, long a, long b, long c, long d, long e, long r)
    __attribute__((visibility("hidden")));

/* Every kernel call: then, at the boundary, the signals the kernel has for this thread. */
static inline long vk__kcall(unsigned nr, long a, long b, long c, long d, long e)
{
    long r = vk__kcall_raw(nr, a, b, c, d, e);
    if (__builtin_expect(*__veridian_attention != 0, 0))
        r = __veridian_signal_return(nr, a, b, c, d, e, r);
    return r;
}

/* ---- handles ---- */
static inline long vk_handle_close(uint32_t h)
{
    return vk__kcall(VK_NR_HANDLE_CLOSE, h, 0, 0, 0, 0);
}

static inline long vk_handle_dup(uint32_t h, uint32_t rights, uint32_t *out)
{
    return vk__kcall(VK_NR_HANDLE_DUP, h, rights, (long)out, 0, 0);
}

static inline long vk_handle_mint(uint32_t h, uint32_t rights, uint64_t badge, uint32_t *out)
{
    return vk__kcall(VK_NR_HANDLE_MINT, h, rights, (long)badge, (long)out, 0);
}

static inline long vk_handle_info(uint32_t h, struct vk_handle_info *out)
{
    return vk__kcall(VK_NR_HANDLE_INFO, h, (long)out, 0, 0, 0);
}

/* ---- IPC ---- */
static inline long vk_endpoint_create(uint32_t *out)
{
    return vk__kcall(VK_NR_ENDPOINT_CREATE, (long)out, 0, 0, 0, 0);
}

static inline long vk_call(uint32_t h, struct vk_call *c, uint64_t deadline)
{
    return vk__kcall(VK_NR_CALL, h, (long)c, (long)deadline, 0, 0);
}

static inline long vk_receive(uint32_t h, struct vk_recv *r, uint64_t deadline)
{
    return vk__kcall(VK_NR_RECEIVE, h, (long)r, (long)deadline, 0, 0);
}

static inline long vk_reply(uint64_t token, const struct vk_msg *m)
{
    return vk__kcall(VK_NR_REPLY, (long)token, (long)m, 0, 0, 0);
}

static inline long vk_reply_receive(uint64_t token, const struct vk_msg *m, uint32_t h,
                                    struct vk_recv *r, uint64_t deadline)
{
    return vk__kcall(VK_NR_REPLY_RECEIVE, (long)token, (long)m, h, (long)r, (long)deadline);
}

static inline long vk_msg_read(uint64_t token, uint64_t offset, void *buf, size_t len)
{
    return vk__kcall(VK_NR_MSG_READ, (long)token, (long)offset, (long)buf, (long)len, 0);
}

static inline long vk_msg_write(uint64_t token, uint64_t offset, const void *buf, size_t len)
{
    return vk__kcall(VK_NR_MSG_WRITE, (long)token, (long)offset, (long)buf, (long)len, 0);
}

/* ---- notifications and waiting ---- */
static inline long vk_notify_create(uint32_t *out)
{
    return vk__kcall(VK_NR_NOTIFY_CREATE, (long)out, 0, 0, 0, 0);
}

static inline long vk_notify_signal(uint32_t h, uint64_t bits)
{
    return vk__kcall(VK_NR_NOTIFY_SIGNAL, h, (long)bits, 0, 0, 0);
}

static inline long vk_notify_bind(uint32_t notify, uint32_t endpoint)
{
    return vk__kcall(VK_NR_NOTIFY_BIND, notify, endpoint, 0, 0, 0);
}

/* Returns the index of the item that fired; with n == 0 it only sleeps until deadline. */
static inline long vk_wait_many(struct vk_wait *items, size_t n, uint64_t deadline)
{
    return vk__kcall(VK_NR_WAIT_MANY, (long)items, (long)n, (long)deadline, 0, 0);
}

static inline long vk_futex_wait(volatile uint32_t *addr, uint32_t expected, uint64_t deadline)
{
    return vk__kcall(VK_NR_FUTEX_WAIT, (long)addr, expected, (long)deadline, 0, 0);
}

static inline long vk_futex_wake(volatile uint32_t *addr, uint32_t count)
{
    return vk__kcall(VK_NR_FUTEX_WAKE, (long)addr, count, 0, 0, 0);
}

/* ---- memory objects ---- */
static inline long vk_vmo_create(uint64_t size, uint32_t *out)
{
    return vk__kcall(VK_NR_VMO_CREATE, (long)size, (long)out, 0, 0, 0);
}

static inline long vk_vmo_map(uint32_t h, uint32_t prot, uint64_t *addr_out)
{
    return vk__kcall(VK_NR_VMO_MAP, h, prot, (long)addr_out, 0, 0);
}

static inline long vk_vmo_unmap(uint64_t addr)
{
    return vk__kcall(VK_NR_VMO_UNMAP, (long)addr, 0, 0, 0, 0);
}

/* ---- processes and threads ---- */
static inline long vk_spawn(const struct vk_spawn *s, uint32_t *out_process)
{
    return vk__kcall(VK_NR_SPAWN, (long)s, (long)out_process, 0, 0, 0);
}

static inline _Noreturn void vk_process_exit(int code)
{
    vk__kcall(VK_NR_PROCESS_EXIT, code, 0, 0, 0, 0);
    for (;;)
        __builtin_trap();
}

static inline long vk_process_info(uint32_t h, struct vk_proc_info *out)
{
    return vk__kcall(VK_NR_PROCESS_INFO, h, (long)out, 0, 0, 0);
}

static inline long vk_process_kill(uint32_t h)
{
    return vk__kcall(VK_NR_PROCESS_KILL, h, 0, 0, 0, 0);
}

/* The new thread starts in entry(arg) on stack_top with its self word set to self;
 * entry must end with vk_thread_exit, never return. */
static inline long vk_thread_create(vk_thread_entry_fn entry, void *arg, void *stack_top,
                                    void *self, uint32_t *out)
{
    return vk__kcall(VK_NR_THREAD_CREATE, (long)entry, (long)arg, (long)stack_top, (long)self,
                     (long)out);
}

static inline _Noreturn void vk_thread_exit(int code)
{
    vk__kcall(VK_NR_THREAD_EXIT, code, 0, 0, 0, 0);
    for (;;)
        __builtin_trap();
}

static inline long vk_thread_yield(void)
{
    return vk__kcall(VK_NR_THREAD_YIELD, 0, 0, 0, 0, 0);
}

static inline long vk_thread_set_self(void *value)
{
    return vk__kcall(VK_NR_THREAD_SET_SELF, (long)value, 0, 0, 0, 0);
}

/* ---- console, clock, misc ---- */
static inline long vk_console_write(uint32_t h, const void *buf, size_t len)
{
    return vk__kcall(VK_NR_CONSOLE_WRITE, h, (long)buf, (long)len, 0, 0);
}

static inline long vk_console_read(uint32_t h, void *buf, size_t len, uint64_t deadline)
{
    return vk__kcall(VK_NR_CONSOLE_READ, h, (long)buf, (long)len, (long)deadline, 0);
}

/* Virtual time in ns since boot. */
static inline long vk_clock_get(void)
{
    return vk__kcall(VK_NR_CLOCK_GET, 0, 0, 0, 0, 0);
}

static inline long vk_getpid(void)
{
    return vk__kcall(VK_NR_GETPID, 0, 0, 0, 0, 0);
}

static inline long vk_trace_mark(const char *s, size_t len)
{
    return vk__kcall(VK_NR_TRACE_MARK, (long)s, (long)len, 0, 0, 0);
}

static inline long vk_kernel_info(struct vk_kernel_info *out)
{
    return vk__kcall(VK_NR_KERNEL_INFO, (long)out, 0, 0, 0, 0);
}

/* ---- devices and DMA (kcall.h "Devices") ---- */
/* The value (size 1, 2 or 4 at off) of function bdf's configuration space, or -VK_E*. */
static inline long vk_pci_config_read(uint32_t res, uint32_t bdf, uint32_t off, uint32_t size)
{
    return vk__kcall(VK_NR_PCI_CONFIG_READ, res, bdf, off, size, 0);
}

static inline long vk_device_open(uint32_t res, uint32_t bdf, uint32_t *out)
{
    return vk__kcall(VK_NR_DEVICE_OPEN, res, bdf, (long)out, 0, 0);
}

static inline long vk_device_info(uint32_t dev, struct vk_device_info *out)
{
    return vk__kcall(VK_NR_DEVICE_INFO, dev, (long)out, 0, 0, 0);
}

static inline long vk_device_config_read(uint32_t dev, uint32_t off, uint32_t size)
{
    return vk__kcall(VK_NR_DEVICE_CONFIG_READ, dev, off, size, 0, 0);
}

static inline long vk_device_config_write(uint32_t dev, uint32_t off, uint32_t size, uint32_t value)
{
    return vk__kcall(VK_NR_DEVICE_CONFIG_WRITE, dev, off, size, value, 0);
}

/* out NULL: the value itself is returned (size 1, 2 or 4: the fast path); else 0 and *out. */
static inline long vk_device_mmio_read(uint32_t dev, uint32_t bar, uint64_t off, uint32_t size,
                                       uint64_t *out)
{
    return vk__kcall(VK_NR_DEVICE_MMIO_READ, dev, bar, (long)off, size, (long)out);
}

static inline long vk_device_mmio_write(uint32_t dev, uint32_t bar, uint64_t off, uint32_t size,
                                        uint64_t value)
{
    return vk__kcall(VK_NR_DEVICE_MMIO_WRITE, dev, bar, (long)off, size, (long)value);
}

/* bits 0 unbinds the vector (notify is then not looked at). */
static inline long vk_device_irq_bind(uint32_t dev, uint32_t vector, uint32_t notify, uint64_t bits)
{
    return vk__kcall(VK_NR_DEVICE_IRQ_BIND, dev, vector, notify, (long)bits, 0);
}

static inline long vk_device_reset(uint32_t dev)
{
    return vk__kcall(VK_NR_DEVICE_RESET, dev, 0, 0, 0, 0);
}

static inline long vk_dma_domain_open(uint32_t res, uint32_t bdf, uint32_t *out)
{
    return vk__kcall(VK_NR_DMA_DOMAIN_OPEN, res, bdf, (long)out, 0, 0);
}

static inline long vk_dma_map(uint32_t dom, uint32_t vmo, const struct vk_dma_map *m)
{
    return vk__kcall(VK_NR_DMA_MAP, dom, vmo, (long)m, 0, 0);
}

/* Bytes unmapped, or -VK_E*: every mapping inside [iova, iova + len) goes. */
static inline long vk_dma_unmap(uint32_t dom, uint64_t iova, uint64_t len)
{
    return vk__kcall(VK_NR_DMA_UNMAP, dom, (long)iova, (long)len, 0, 0);
}

static inline long vk_dma_info(uint32_t dom, struct vk_dma_info *out)
{
    return vk__kcall(VK_NR_DMA_INFO, dom, (long)out, 0, 0, 0);
}

/* Records copied (oldest first, from sequence number first_seq on), or -VK_E*. */
static inline long vk_iommu_faults(uint32_t res, uint64_t first_seq, struct vk_iommu_fault *buf,
                                   uint32_t max)
{
    return vk__kcall(VK_NR_IOMMU_FAULTS, res, (long)first_seq, (long)buf, max, 0);
}

/* ---- the kernel log ---- */
/* Records copied (oldest first, from sequence number first_seq on), or -VK_E*. */
static inline long vk_klog_read(uint64_t first_seq, struct vk_klog_record *buf, uint32_t max)
{
    return vk__kcall(VK_NR_KLOG_READ, (long)first_seq, (long)buf, max, 0, 0);
}

/* A service event into the kernel log; res needs VK_RIGHT_SPAWN. */
static inline long vk_klog_write(uint32_t res, const char *text, size_t len)
{
    return vk__kcall(VK_NR_KLOG_WRITE, res, (long)text, (long)len, 0, 0);
}

/* ---- signals, process ids, the console as a terminal (veridian/kcall.h) ---- */
static inline long vk_signal_action(int signo, const struct vk_sigaction *act,
                                    struct vk_sigaction *old)
{
    return vk__kcall(VK_NR_SIGNAL_ACTION, signo, (long)act, (long)old, 0, 0);
}

static inline long vk_signal_mask(int how, uint64_t set, uint64_t *old)
{
    return vk__kcall(VK_NR_SIGNAL_MASK, how, (long)set, (long)old, 0, 0);
}

static inline long vk_signal_send(long target, int signo, uint32_t flags)
{
    return vk__kcall(VK_NR_SIGNAL_SEND, target, signo, flags, 0, 0);
}

static inline long vk_signal_pending(uint64_t *out)
{
    return vk__kcall(VK_NR_SIGNAL_PENDING, (long)out, 0, 0, 0, 0);
}

static inline long vk_signal_wait(uint64_t deadline)
{
    return vk__kcall(VK_NR_SIGNAL_WAIT, (long)deadline, 0, 0, 0, 0);
}

static inline long vk_signal_alarm(uint64_t deadline)
{
    return vk__kcall(VK_NR_SIGNAL_ALARM, (long)deadline, 0, 0, 0, 0);
}

static inline long vk_process_ids(uint32_t pid, struct vk_proc_ids *out)
{
    return vk__kcall(VK_NR_PROCESS_IDS, pid, (long)out, 0, 0, 0);
}

static inline long vk_process_setpgid(uint32_t pid, uint32_t pgid)
{
    return vk__kcall(VK_NR_PROCESS_SETPGID, pid, pgid, 0, 0, 0);
}

static inline long vk_process_setsid(void)
{
    return vk__kcall(VK_NR_PROCESS_SETSID, 0, 0, 0, 0, 0);
}

static inline long vk_process_setuid(uint32_t res, uint32_t uid)
{
    return vk__kcall(VK_NR_PROCESS_SETUID, res, uid, 0, 0, 0);
}

static inline long vk_console_ctl(uint32_t h, uint32_t op, uint64_t arg)
{
    return vk__kcall(VK_NR_CONSOLE_CTL, h, op, (long)arg, 0, 0);
}

/* A terminal object for a process that serves a terminal (kcall.h "Terminals served by a
 * process"), and its operations; token: the reply token of the client's call (CLAIM,
 * SETPGRP). */
static inline long vk_terminal_create(uint32_t *h_out)
{
    return vk__kcall(VK_NR_TERMINAL_CREATE, (long)h_out, 0, 0, 0, 0);
}

static inline long vk_terminal_ctl(uint32_t h, uint32_t op, uint64_t arg, uint64_t token)
{
    return vk__kcall(VK_NR_TERMINAL_CTL, h, op, (long)arg, (long)token, 0);
}

/* ---- start-up state (start.c) ---- */

/* The handles this process was started with (AT_VERIDIAN_HANDLES); *n gets their count. */
const struct vk_start_handle *vr_start_handles(size_t *n);

/* The first start handle whose role (VK_START_MOVE masked off) is role, or 0. */
uint32_t vr_start_handle(uint32_t role);

/* The running thread's self value (what it set with vk_thread_set_self), or NULL. */
void *__veridian_self(void);

/* ---- native helpers (src/native.c) ---- */

/* Address of the kernel-call page. */
uintptr_t vr_kcall_page(void);

/* Start a thread running fn(arg) on a fresh stack of stack_size bytes with its own control
 * block (errno...); returning from fn ends the thread. 0 and *handle, or -VK_E*. */
long vr_thread_start(void (*fn)(void *), void *arg, size_t stack_size, uint32_t *handle);

/* Tell init this service is ready (veridian/init.h: readiness "notify"): signals the
 * VK_ROLE_READY notification. 0, or -VK_ENOENT when init passed none. */
long vr_service_ready(void);
/* The 16 bytes of AT_RANDOM (derived from the run's seed in vrsim), or NULL. */
const unsigned char *vr_auxv_random(void);

/* One request in the servers' common shape (vfs, init): opcode op with data[0..1], bulk
 * bytes in send/recv; the reply's opcode is 0 or an errno. Returns the reply's data[0], or
 * -errno (a kernel error from the call, or the server's). *reply (may be NULL) gets the
 * whole reply message, handles included. */
long vr_request(uint32_t h, uint32_t op, const void *send, size_t send_len, void *recv,
                size_t recv_len, uint64_t d0, uint64_t d1, struct vk_msg *reply);
/* Where the file at path lies in the boot image (VK_ROLE_BOOTFS): 0, or -VK_ENOENT. */
long vr_bootfs_find(const char *path, uint64_t *offset, uint64_t *size);
/* The contents of the file at path in the boot image (read-only), or NULL. */
const void *vr_bootfs_file(const char *path, size_t *size);
/* Spawn the program at path in the boot image, passing the handles behind our fds 0, 1 and 2
 * as its stdin/stdout/stderr (fds that are closed or FD_CLOEXEC pass nothing), our bootfs
 * and spawner start handles, a new vfs session when we have one (VFS_OP_SESSION), plus
 * extra[0..nextra), whose roles replace ours; envp NULL means environ. 0 and *proc_out, or
 * -VK_E* (a failed VFS_OP_SESSION fails the spawn with its errno). */
long vr_spawn_image(const char *path, const char *const argv[], const char *const envp[],
                    const struct vk_start_handle *extra, size_t nextra, uint32_t *proc_out);
/* The same, and the kernel signals bits on notification `notify` when the child exits. */
long vr_spawn_image_notify(const char *path, const char *const argv[], const char *const envp[],
                           const struct vk_start_handle *extra, size_t nextra, uint32_t notify,
                           uint64_t bits, uint32_t *proc_out);

#endif
