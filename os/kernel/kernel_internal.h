/*
 * What the kernel's own files share and a platform does not see: the internal object
 * structs (endpoints, notifications, mappings, pending replies), handle tables, the
 * scheduler's blocking and waking, guest-memory copies through the platform, the kernel
 * calls' implementations and the freestanding support the kernel needs instead of libc.
 */
#ifndef VK_KERNEL_INTERNAL_H
#define VK_KERNEL_INTERNAL_H

#include "kernel.h"
#include "platform.h"

/* ---- freestanding support: the compiler's builtins; the calls it may still emit (memcpy,
 * memset, memmove, memcmp) are the platform's to link (platform.h) ---- */
#define vk_memcpy __builtin_memcpy
#define vk_memset __builtin_memset
#define vk_memmove __builtin_memmove

static inline size_t vk_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Copies s into dst (capacity cap > 0), cut to fit, always NUL-terminated. */
static inline void vk_strlcpy(char *dst, const char *s, size_t cap)
{
    size_t i = 0;
    for (; i + 1 < cap && s[i]; i++)
        dst[i] = s[i];
    dst[i] = 0;
}

/* Our own invariants only (never guest input): a broken one stops the kernel. */
#define VK_ASSERT(c)                                                                               \
    do {                                                                                           \
        if (!(c))                                                                                  \
            vk_plat_panic(__FILE__ ": assertion failed: " #c);                                     \
    } while (0)

/* A thread waiting in wait_many (or receive) on an object's signals; lives on that
 * thread's kernel stack for the duration of the wait. */
struct vk_observer {
    struct vk_list link;
    struct vk_thread *thread;
    uint64_t mask;
    uint32_t index;
};

/* Live handle counts of tracked badges (open addressing; key 0 = empty, ~0 = deleted). */
struct vk_badge_count {
    uint64_t badge;
    uint64_t count;
};

/* Stored with a handle's rights: the handle counts towards its badge's close notice. */
#define VK_HANDLE_TRACKED 0x80000000u

struct vk_endpoint {
    struct vk_object o;
    struct vk_badge_count *tracked;
    uint32_t tracked_cap, tracked_used;
    uint64_t *closed; /* badges whose last handle went away, not yet received */
    uint32_t nclosed, capclosed;
    struct vk_list callers;   /* threads whose call waits for a receiver (vk_thread.ipc_link) */
    struct vk_list receivers; /* threads blocked in receive */
    uint32_t receiver_handles;
    uint32_t dead;
    struct vk_notification *bound;
};

struct vk_notification {
    struct vk_object o; /* o.signals are the bits */
    struct vk_endpoint *bound;
};

struct vk_mapping {
    uint64_t start, end;
    uint32_t prot; /* VK_RIGHT_READ | VK_RIGHT_WRITE */
    uint32_t reserved;
    struct vk_vmo *vmo; /* NULL for the process's own image region */
};

/* An interrupt vector's binding: a reference to the notification and the bits it gets. */
struct vk_irq_binding {
    struct vk_notification *n; /* NULL: unbound */
    uint64_t bits;
};

struct vk_device { /* one PCI function (device.c) */
    struct vk_object o;
    uint32_t bdf;
    uint32_t slot;              /* in k->devices */
    struct vk_device_info info; /* as the platform reported it; irqs/spurious/faults counted */
    struct vk_irq_binding irq[VK_IRQ_VECTORS + 1]; /* MSI/MSI-X vectors, then VK_IRQ_INTX */
};

struct vk_dma_mapping {
    uint64_t iova, len, off; /* off: where in the memory object */
    struct vk_vmo *vmo;      /* a reference while mapped */
    uint32_t perm;           /* enum vk_dma_perm */
    uint32_t reserved;
};

struct vk_dma_domain { /* one PCI function's IOMMU domain (device.c) */
    struct vk_object o;
    uint32_t bdf;
    uint32_t slot;               /* in k->domains */
    struct vk_dma_mapping *maps; /* sorted by iova, disjoint */
    uint32_t nmaps, capmaps;
    uint64_t bytes, faults, revoked;
};

struct vk_pending_reply { /* a call this process received and has not answered yet */
    uint64_t token;
    struct vk_thread *caller;
};

/* ---- trace (kernel.c): an event of the current thread, through vk_plat_trace_emit ---- */
void vk_trace(struct vk_kernel *k, uint32_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t a4);
void vk_trace_str(struct vk_kernel *k, uint32_t kind, const char *s, size_t len, uint64_t a0,
                  uint64_t a1);

/* ---- objects (object.c) ---- */
void vk_object_init(struct vk_kernel *k, struct vk_object *o, uint32_t type);

/* ---- handles (handle.c) ---- */
int vk_handles_init(struct vk_handle_table *t);
void vk_handles_close_all(struct vk_kernel *k, struct vk_handle_table *t);
/* Close every handle of t but the nkeep values in keep (exec). */
void vk_handles_close_except(struct vk_kernel *k, struct vk_handle_table *t, const uint32_t *keep,
                             size_t nkeep);
/* Install obj in the current process's table and write the handle to the guest's uaddr. The
 * word is probed and the slot reserved first, so nothing is installed unless the write can
 * be done. 0 + *h (h may be NULL), or -VK_E*. */
int vk_handle_install_out(struct vk_kernel *k, struct vk_object *obj, uint32_t rights,
                          uint64_t badge, uint64_t uaddr, uint32_t *h);
/* An output handle reserved while a kernel call decodes (seL4's ensureEmptySlot): a slot of
 * the current process's table is taken and the guest word it will be written to is probed
 * writable, so the call can act and then report the handle without any way left to fail. */
struct vk_handle_resv {
    struct vk_handle_table *t;
    uint64_t uaddr;
    uint32_t idx;
    uint32_t fresh; /* the slot was never used before: unreserving gives it back to high */
};
/* 0, -VK_EFAULT (uaddr not writable, holes included), -VK_ENOSPC (table full) or
 * -VK_ENOMEM (the machine's handle limit). */
int vk_handle_reserve_out(struct vk_kernel *k, uint64_t uaddr, struct vk_handle_resv *r);
/* Install obj (takes a reference) in the reserved slot and write its value to the guest. */
void vk_handle_commit_out(struct vk_kernel *k, struct vk_handle_resv *r, struct vk_object *obj,
                          uint32_t rights, uint64_t badge, uint32_t *h);
/* Give a reserved slot back: the table is as if the reservation never happened. */
void vk_handle_unreserve(struct vk_kernel *k, struct vk_handle_resv *r);
/* 0 if the current process may write [uaddr, uaddr + len) now: the range check plus a touch
 * of every page (an unmapped hole or a read-only page fails with -VK_EFAULT). Changes no
 * byte. */
int vk_uprobe_write(struct vk_kernel *k, uint64_t uaddr, uint64_t len);
/* Look up h: -VK_EBADH (stale/unknown), -VK_EWRONGTYPE (type != 0 and differs),
 * -VK_EPERM (missing rights). */
int vk_handle_get(struct vk_handle_table *t, uint32_t h, uint32_t type, uint32_t rights,
                  struct vk_handle_entry **out);
int vk_handle_close(struct vk_kernel *k, struct vk_handle_table *t, uint32_t h);
/* Install an object that was moved out of another table (vk_handle_take): the reference
 * and the receive-side count travel with it. */
int vk_handle_install_moved(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                            uint32_t rights, uint64_t badge, uint32_t *out);
/* Drop a moved-out (in-flight) handle's reference, with its rights' side effects. */
void vk_handle_drop_moved(struct vk_kernel *k, struct vk_object *obj, uint32_t rights,
                          uint64_t badge);
/* Remove h from the table without dropping the object's reference (moved elsewhere). */
int vk_handle_take(struct vk_kernel *k, struct vk_handle_table *t, uint32_t h,
                   struct vk_handle_entry *out);
uint32_t vk_handle_slots_free(const struct vk_handle_table *t);

/* ---- scheduling (sched.c) ---- */
void vk_make_runnable(struct vk_kernel *k, struct vk_thread *t);
/* Block the current thread until vk_wake() or the deadline; returns the wake result
 * (-VK_ETIMEDOUT on deadline, -VK_ECANCELED if killed). A timeout or a kill first undoes
 * whatever the thread was queued on (vk_cancel_wait), so wakers never see a half-gone
 * thread. */
long vk_block(struct vk_kernel *k, uint64_t deadline);
void vk_wake(struct vk_kernel *k, struct vk_thread *t, long result);
void vk_cancel_wait(struct vk_kernel *k, struct vk_thread *t, long result);
void vk_thread_kill(struct vk_kernel *k, struct vk_thread *t);
void vk_yield(struct vk_kernel *k);

/* ---- memory (vmo.c) ---- */
int vk_copy_in(struct vk_kernel *k, void *dst, uint64_t uaddr, size_t len);
int vk_copy_out(struct vk_kernel *k, uint64_t uaddr, const void *src, size_t len);
int vk_map_add(struct vk_process *p, uint64_t start, uint64_t end, uint32_t prot,
               struct vk_vmo *vmo);
void vk_maps_release(struct vk_kernel *k, struct vk_process *p);
long vk_sys_vmo_create(struct vk_kernel *k, uint64_t size, uint64_t out);
long vk_sys_vmo_map(struct vk_kernel *k, uint32_t h, uint32_t prot, uint64_t out);
long vk_sys_vmo_unmap(struct vk_kernel *k, uint64_t addr);
void vk_vmo_destroy(struct vk_kernel *k, struct vk_vmo *v);

/* ---- IPC (ipc.c) ---- */
long vk_sys_endpoint_create(struct vk_kernel *k, uint64_t out);
long vk_sys_call(struct vk_kernel *k, uint32_t h, uint64_t ucall, uint64_t deadline);
long vk_sys_receive(struct vk_kernel *k, uint32_t h, uint64_t urecv, uint64_t deadline);
long vk_sys_reply(struct vk_kernel *k, uint64_t token, uint64_t umsg);
/* Both halves are decoded before the reply is sent: a bad receive half replies nothing. */
long vk_sys_reply_receive(struct vk_kernel *k, uint64_t token, uint64_t umsg, uint32_t h,
                          uint64_t urecv, uint64_t deadline);
long vk_sys_msg_read(struct vk_kernel *k, uint64_t token, uint64_t off, uint64_t ubuf,
                     uint64_t len);
long vk_sys_msg_write(struct vk_kernel *k, uint64_t token, uint64_t off, uint64_t ubuf,
                      uint64_t len);
void vk_endpoint_receiver_gone(struct vk_kernel *k, struct vk_endpoint *ep);
/* A handle with VK_HANDLE_TRACKED appeared (+1) or went away (-1). */
void vk_endpoint_track(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t badge, int delta);
/* 0 if one more handle with badge can be tracked on ep, -VK_EAGAIN when the endpoint holds
 * VK_ENDPOINT_TRACKED_MAX tracked badges and close notices already. */
int vk_endpoint_track_room(struct vk_endpoint *ep, uint64_t badge);
void vk_endpoint_destroy(struct vk_kernel *k, struct vk_endpoint *ep);
void vk_ipc_process_exit(struct vk_kernel *k, struct vk_process *p);
void vk_ipc_thread_cancel(struct vk_kernel *k, struct vk_thread *t);
void vk_ipc_drop_objects(struct vk_kernel *k, struct vk_thread *t);
/* The thread waiting for the reply of server's call token, or NULL (no such call). */
struct vk_thread *vk_ipc_caller(struct vk_process *server, uint64_t token);

/* ---- notifications, waits, futexes (wait.c) ---- */
long vk_sys_notify_create(struct vk_kernel *k, uint64_t out);
long vk_sys_notify_signal(struct vk_kernel *k, uint32_t h, uint64_t bits);
long vk_sys_notify_bind(struct vk_kernel *k, uint32_t hn, uint32_t he);
long vk_sys_wait_many(struct vk_kernel *k, uint64_t uitems, uint64_t n, uint64_t deadline);
long vk_sys_futex_wait(struct vk_kernel *k, uint64_t uaddr, uint32_t expected, uint64_t deadline);
long vk_sys_futex_wake(struct vk_kernel *k, uint64_t uaddr, uint64_t count);
void vk_notification_destroy(struct vk_kernel *k, struct vk_notification *n);
/* Signal bits on n as notify_signal does (observers, and a receiver of its bound endpoint). */
void vk_notification_raise(struct vk_kernel *k, struct vk_notification *n, uint64_t bits);

/* ---- devices and DMA domains (device.c) ---- */
long vk_sys_pci_config_read(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t off,
                            uint64_t size);
long vk_sys_device_open(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t out);
long vk_sys_device_info(struct vk_kernel *k, uint32_t h, uint64_t out);
long vk_sys_device_config_read(struct vk_kernel *k, uint32_t h, uint64_t off, uint64_t size);
long vk_sys_device_config_write(struct vk_kernel *k, uint32_t h, uint64_t off, uint64_t size,
                                uint64_t value);
long vk_sys_device_mmio_read(struct vk_kernel *k, uint32_t h, uint64_t bar, uint64_t off,
                             uint64_t size, uint64_t out);
long vk_sys_device_mmio_write(struct vk_kernel *k, uint32_t h, uint64_t bar, uint64_t off,
                              uint64_t size, uint64_t value);
long vk_sys_device_irq_bind(struct vk_kernel *k, uint32_t h, uint64_t vector, uint32_t hn,
                            uint64_t bits);
long vk_sys_device_reset(struct vk_kernel *k, uint32_t h);
long vk_sys_dma_domain_open(struct vk_kernel *k, uint32_t h, uint64_t bdf, uint64_t out);
long vk_sys_dma_map(struct vk_kernel *k, uint32_t hd, uint32_t hv, uint64_t um);
long vk_sys_dma_unmap(struct vk_kernel *k, uint32_t h, uint64_t iova, uint64_t len);
long vk_sys_dma_info(struct vk_kernel *k, uint32_t h, uint64_t out);
long vk_sys_iommu_faults(struct vk_kernel *k, uint32_t h, uint64_t first_seq, uint64_t ubuf,
                         uint64_t max);
void vk_device_destroy(struct vk_kernel *k, struct vk_device *d);
void vk_dma_domain_destroy(struct vk_kernel *k, struct vk_dma_domain *dom);

/* ---- processes and threads (process.c) ---- */
long vk_sys_spawn(struct vk_kernel *k, uint64_t uspawn, uint64_t out);
long vk_sys_process_info(struct vk_kernel *k, uint32_t h, uint64_t out);
long vk_sys_process_kill(struct vk_kernel *k, uint32_t h);
long vk_sys_process_exec(struct vk_kernel *k, uint64_t uspawn);
long vk_sys_thread_create(struct vk_kernel *k, uint64_t entry, uint64_t arg, uint64_t stack_top,
                          uint64_t self, uint64_t out);
void vk_thread_destroy(struct vk_kernel *k, struct vk_thread *t);
void vk_process_destroy(struct vk_kernel *k, struct vk_process *p);

/* ---- signals, process groups, sessions (signal.c; veridian/kcall.h "Signals") ---- */
long vk_sys_signal_action(struct vk_kernel *k, uint64_t signo, uint64_t uact, uint64_t uold);
long vk_sys_signal_mask(struct vk_kernel *k, uint64_t how, uint64_t set, uint64_t uold);
long vk_sys_signal_send(struct vk_kernel *k, int64_t target, uint64_t signo, uint64_t flags);
long vk_sys_signal_take(struct vk_kernel *k, uint64_t uinfo);
long vk_sys_signal_pending(struct vk_kernel *k, uint64_t uout);
long vk_sys_signal_wait(struct vk_kernel *k, uint64_t deadline);
long vk_sys_signal_alarm(struct vk_kernel *k, uint64_t deadline);

/* ---- the kernel log (klog.c) ---- */
void vk_klog_start(struct vk_kernel *k, const struct vk_process *p);
void vk_klog_exit(struct vk_kernel *k, const struct vk_process *p);
long vk_sys_klog_read(struct vk_kernel *k, uint64_t first_seq, uint64_t ubuf, uint64_t max);
long vk_sys_klog_write(struct vk_kernel *k, uint32_t h, uint64_t utext, uint64_t len);
long vk_sys_process_ids(struct vk_kernel *k, uint64_t pid, uint64_t uout);
long vk_sys_process_setpgid(struct vk_kernel *k, uint64_t pid, uint64_t pgid);
long vk_sys_process_setsid(struct vk_kernel *k);
long vk_sys_process_setuid(struct vk_kernel *k, uint32_t h, uint64_t uid);
/* The kernel's own sends (a terminal's ^C, SIGWINCH...): no permission check; code is the
 * si_code (VK_SI_KERNEL). To every process of group pgid (nothing when there is none). */
void vk_signal_group(struct vk_kernel *k, uint32_t pgid, uint32_t signo, int32_t code);
void vk_signal_process(struct vk_kernel *k, struct vk_process *p, uint32_t signo, int32_t code);
/* Family links and inherited signal state of a new process (parent NULL: a root process,
 * leader of its own group and session); its main thread exists. */
void vk_signal_inherit(struct vk_kernel *k, struct vk_process *child, struct vk_process *parent);
/* vk_spawn's job-control fields: checked while spawn decodes, applied to the new child. */
int vk_signal_spawn_check(struct vk_kernel *k, const struct vk_spawn *s);
void vk_signal_spawn_apply(struct vk_kernel *k, struct vk_process *child, const struct vk_spawn *s);
/* p replaces its image (exec): handlers go back to default, ignored signals stay ignored. */
void vk_signal_exec(struct vk_process *p);
/* p is ending: alarm off, children to pid 1, SIGCHLD to the parent. */
void vk_signal_process_exit(struct vk_kernel *k, struct vk_process *p);
/* The current thread's process is stopped: wait until it continues or dies. */
void vk_signal_park(struct vk_kernel *k);
/* The running process with this pid, or NULL. */
struct vk_process *vk_process_find(struct vk_kernel *k, uint32_t pid);

/* ---- terminals served by a process (terminal.c) ---- */
long vk_sys_terminal_create(struct vk_kernel *k, uint64_t out);
long vk_sys_terminal_ctl(struct vk_kernel *k, uint32_t h, uint64_t op, uint64_t arg,
                         uint64_t token);

/* ---- console (console.c) ---- */
long vk_sys_console_write(struct vk_kernel *k, uint32_t h, uint64_t ubuf, uint64_t len);
long vk_sys_console_read(struct vk_kernel *k, uint32_t h, uint64_t ubuf, uint64_t len,
                         uint64_t deadline);
long vk_sys_console_ctl(struct vk_kernel *k, uint32_t h, uint64_t op, uint64_t arg);

#endif
