/*
 * The portable kernel core: kernel objects, handle tables, IPC, notifications, waits,
 * futexes, memory objects, processes and threads, and the scheduling policy.
 *
 * One CPU, a non-preemptible kernel: a kernel call runs to completion or blocks in
 * vk_block(), the one place a thread leaves the CPU inside the kernel. Every blocking point
 * is cancellable (deadline, kill). Kernel calls decode and validate all their arguments
 * before they change anything.
 *
 * The platform underneath (vrsim today, the x86_64 kernel later) supplies what is
 * declared in platform.h: context switching, guest-memory copies, address-space memory,
 * program loading, the console and the clock source. All kernel state hangs off one
 * struct vk_kernel; nothing here is global. Objects get sequential ids; nothing traced or
 * ordered depends on a host pointer.
 */
#ifndef VK_KERNEL_H
#define VK_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"
/* The platform's part of a thread (struct vk_plat_thread): vrsim's unless a build names
 * another. */
#ifndef VK_PLATFORM_THREAD_H
#define VK_PLATFORM_THREAD_H "sim/core/plat_thread.h"
#endif
#include VK_PLATFORM_THREAD_H
#include "sim/core/evq.h"
#include "sim/core/prng.h"
#include "sim/trace/trace.h"

#define VK_CONTAINER_OF(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

/* ---- intrusive doubly linked list ---- */
struct vk_list {
    struct vk_list *next, *prev;
};
static inline void vk_list_init(struct vk_list *l)
{
    l->next = l->prev = l;
}
static inline int vk_list_empty(const struct vk_list *l)
{
    return l->next == l;
}
static inline int vk_list_linked(const struct vk_list *n)
{
    return n->next != NULL;
}
static inline void vk_list_add_tail(struct vk_list *l, struct vk_list *n)
{
    n->prev = l->prev;
    n->next = l;
    l->prev->next = n;
    l->prev = n;
}
static inline void vk_list_add_head(struct vk_list *l, struct vk_list *n)
{
    n->next = l->next;
    n->prev = l;
    l->next->prev = n;
    l->next = n;
}
static inline void vk_list_del(struct vk_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
}

/* ---- objects ---- */
struct vk_kernel;
struct vk_object {
    uint32_t type; /* enum vk_obj_type */
    uint32_t refs; /* handles + kernel references */
    uint64_t id;   /* sequential per kernel */
    uint64_t signals;
    struct vk_list observers; /* struct vk_observer of threads in wait_many */
};

/* A thread waiting in wait_many (or receive) on an object's signals; lives on that
 * thread's kernel stack for the duration of the wait. */
struct vk_observer {
    struct vk_list link;
    struct vk_thread *thread;
    uint64_t mask;
    uint32_t index;
};

struct vk_handle_entry {
    struct vk_object *obj; /* NULL when free */
    uint32_t rights;
    uint32_t gen;
    uint64_t badge;
    uint32_t next_free;
    uint32_t reserved;
};

struct vk_handle_table {
    struct vk_handle_entry *slots;
    uint32_t cap, used;
    uint32_t free_head; /* index + 1, 0 = none */
    uint32_t high;      /* slots ever used */
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

struct vk_vmo {
    struct vk_object o;
    uint64_t addr, size; /* canonical address in the arena; size page-rounded */
    uint32_t mappings;
    uint32_t readonly;
    struct vk_process *owner; /* charged for it until it is destroyed (a reference), or NULL */
};

struct vk_resource {
    struct vk_object o;
    uint32_t kind;
};

struct vk_console {
    struct vk_object o;
};

struct vk_mapping {
    uint64_t start, end;
    uint32_t prot; /* VK_RIGHT_READ | VK_RIGHT_WRITE */
    uint32_t reserved;
    struct vk_vmo *vmo; /* NULL for the process's own image region */
};

struct vk_pending_reply { /* a call this process received and has not answered yet */
    uint64_t token;
    struct vk_thread *caller;
};

enum vk_thread_state { VK_T_NEW, VK_T_RUNNABLE, VK_T_RUNNING, VK_T_BLOCKED, VK_T_DEAD };
enum vk_ipc_state { VK_IPC_NONE, VK_IPC_QUEUED, VK_IPC_AWAIT_REPLY, VK_IPC_DONE };

struct vk_process;

struct vk_thread {
    /* --- read by the kcall trampoline (asm): keep first, in this order --- */
    uint64_t usp;
    uint64_t ktop;
    uint8_t in_kernel;
    uint8_t killed;
    uint8_t state;
    uint8_t ipc_state;
    uint32_t tid;
    struct vk_kernel *kernel;
    uint32_t kcall_traced; /* the call's own events (IPC) already describe it fully */
    /* --- */
    struct vk_object o;
    struct vk_process *proc;
    struct vk_list proc_link;
    uint64_t self_value; /* written to the process's self word while this thread runs */
    uint64_t kcalls;
    int64_t wake_result;
    uint32_t run_index; /* position in the run set while runnable */
    int32_t exit_code;
    struct vs_timer timer;
    /* IPC: the call this thread is making */
    struct vk_list ipc_link;
    struct vk_endpoint *ipc_ep;
    struct vk_process *ipc_server; /* while AWAIT_REPLY */
    uint64_t ipc_token;
    uint64_t ipc_badge;
    struct vk_msg ipc_msg; /* request, then reply */
    struct vk_object *ipc_objs[VK_MSG_MAX_HANDLES];
    uint32_t ipc_rights[VK_MSG_MAX_HANDLES];
    uint64_t ipc_badges[VK_MSG_MAX_HANDLES];
    uint64_t send_buf, send_len, recv_buf, recv_len;
    /* futex wait: the key of the word (see wait.c) */
    struct vk_list futex_link;
    uint64_t futex_obj, futex_off;
    struct vk_proc_info fault;           /* filled by the platform when the thread faults */
    struct vk_plat_thread plat;          /* the platform's part (context, kernel stack, ...) */
    uint64_t entry, entry_sp, entry_arg; /* where the thread starts in user mode */
    /* a kernel thread runs this host function instead of guest code (tests, services) */
    void (*kfn)(void *arg);
    void *karg;
};

struct vk_process {
    struct vk_object o;
    uint32_t pid;
    uint32_t state; /* enum vk_proc_state */
    char name[64];
    struct vk_handle_table handles;
    struct vk_list threads;
    uint32_t nthreads;
    uint32_t exiting;
    struct vk_proc_info exit;
    struct vk_list link; /* kernel's process list, in pid order */
    /* memory */
    uint32_t slot;
    uint64_t base, limit; /* the process's own region of the arena */
    struct vk_mapping *maps;
    uint32_t nmaps, capmaps;
    uint64_t self_addr;
    uint64_t vmo_bytes; /* memory objects it created that still exist: VK_PROC_VMO_*_MAX */
    uint32_t vmo_count;
    /* IPC server side */
    struct vk_pending_reply *pending;
    uint32_t npending, cappending;
    uint64_t next_token;
    /* exit notification to the parent */
    struct vk_notification *exit_notify;
    uint64_t exit_bits;
};

/* Futex waiters, hashed by key (object id, offset): never by host pointer. */
#define VK_FUTEX_BUCKETS 256u

/* Live handles in all tables of a machine: bounds the host memory that handles and the
 * objects they keep alive can take (each table is bounded too: 1 << VK_HANDLE_INDEX_BITS). */
#define VK_MACHINE_HANDLES_MAX (1u << 19)
/* Tracked badges plus undelivered close notices of one endpoint: bounds its close-notice
 * queue (handle_mint with VK_MINT_TRACK_CLOSE fails with -VK_EAGAIN beyond it). */
#define VK_ENDPOINT_TRACKED_MAX 16384u

struct vk_stats {
    uint64_t kcalls, switches, spawns, exits, faults, ipc_calls;
    uint64_t objects_live, handles_live;
};

struct vk_config {
    uint64_t seed;
    uint64_t kcall_cost_ns; /* virtual time charged per kernel call */
    uint32_t chaos;         /* 0 = off; else preempt at a kernel call with probability 1/chaos */
    uint32_t quiet;         /* don't report crashes on the console's stderr */
};

struct vk_kernel {
    struct vk_config cfg;
    uint64_t now; /* virtual ns since boot */
    uint64_t next_object_id;
    uint32_t next_pid, next_tid;
    struct vs_prng sched_prng; /* scheduling choices */
    struct vs_prng seed_prng;  /* AT_RANDOM, /dev/random... */
    struct vs_evq evq;
    struct vs_trace *trace;
    struct vk_thread *cur;
    struct vk_thread **runq; /* VK_MACHINE_THREADS_MAX entries: never grows */
    uint32_t nrun;
    uint32_t nthreads; /* threads holding a kernel stack: created and not yet reaped */
    struct vk_list procs;
    struct vk_list zombies; /* dead threads whose kernel stacks await release */
    struct vk_list futex_buckets[VK_FUTEX_BUCKETS];
    uint32_t live_procs;
    struct vk_console *console;
    struct vk_stats stats;
    void *spawn_scratch; /* argument copies of vk_sys_spawn */
    void *platform;      /* the platform's machine */
};

/* ---- kernel lifecycle (kernel.c) ---- */
int vk_kernel_init(struct vk_kernel *k, const struct vk_config *cfg, struct vs_trace *trace,
                   void *platform);
void vk_kernel_fini(struct vk_kernel *k);
/* One step of the idle loop: fire due timers. Returns 1 if something happened. */
int vk_kernel_fire_timers(struct vk_kernel *k);
void vk_trace(struct vk_kernel *k, uint32_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
              uint64_t a3, uint64_t a4);
void vk_trace_str(struct vk_kernel *k, uint32_t kind, const char *s, size_t len, uint64_t a0,
                  uint64_t a1);

/* ---- objects (object.c) ---- */
/* Allocate an object whose struct starts with struct vk_object (refs = 1). */
void *vk_object_new(struct vk_kernel *k, uint32_t type, size_t size);
void vk_object_init(struct vk_kernel *k, struct vk_object *o, uint32_t type);
void vk_object_ref(struct vk_object *o);
void vk_object_unref(struct vk_kernel *k, struct vk_object *o);
void vk_object_signal(struct vk_kernel *k, struct vk_object *o, uint64_t set, uint64_t clear);

/* ---- handles (handle.c) ---- */
int vk_handles_init(struct vk_handle_table *t);
void vk_handles_close_all(struct vk_kernel *k, struct vk_handle_table *t);
/* Install obj (takes a reference). 0 + *out, or -VK_ENOSPC when the table is full. */
int vk_handle_install(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                      uint32_t rights, uint64_t badge, uint32_t *out);
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
/* Switch to `to` (or the idle loop), writing the process's self word on the way. */
void vk_switch_to(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying);
void vk_yield(struct vk_kernel *k);
/* Pick the next runnable thread (seeded choice) and remove it from the run set. */
struct vk_thread *vk_pick_next(struct vk_kernel *k);
void vk_maybe_preempt(struct vk_kernel *k);

/* ---- memory (vmo.c) ---- */
int vk_uaccess_ok(struct vk_process *p, uint64_t addr, uint64_t len, uint32_t prot);
int vk_copy_in(struct vk_kernel *k, void *dst, uint64_t uaddr, size_t len);
int vk_copy_out(struct vk_kernel *k, uint64_t uaddr, const void *src, size_t len);
int vk_map_add(struct vk_process *p, uint64_t start, uint64_t end, uint32_t prot,
               struct vk_vmo *vmo);
void vk_maps_release(struct vk_kernel *k, struct vk_process *p);
long vk_sys_vmo_create(struct vk_kernel *k, uint64_t size, uint64_t out);
long vk_sys_vmo_map(struct vk_kernel *k, uint32_t h, uint32_t prot, uint64_t out);
long vk_sys_vmo_unmap(struct vk_kernel *k, uint64_t addr);
struct vk_vmo *vk_vmo_create_kernel(struct vk_kernel *k, uint64_t size, int readonly);
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

/* ---- notifications, waits, futexes (wait.c) ---- */
long vk_sys_notify_create(struct vk_kernel *k, uint64_t out);
long vk_sys_notify_signal(struct vk_kernel *k, uint32_t h, uint64_t bits);
long vk_sys_notify_bind(struct vk_kernel *k, uint32_t hn, uint32_t he);
long vk_sys_wait_many(struct vk_kernel *k, uint64_t uitems, uint64_t n, uint64_t deadline);
long vk_sys_futex_wait(struct vk_kernel *k, uint64_t uaddr, uint32_t expected, uint64_t deadline);
long vk_sys_futex_wake(struct vk_kernel *k, uint64_t uaddr, uint64_t count);
void vk_notification_destroy(struct vk_kernel *k, struct vk_notification *n);

/* ---- processes and threads (process.c) ---- */
long vk_sys_spawn(struct vk_kernel *k, uint64_t uspawn, uint64_t out);
long vk_sys_process_info(struct vk_kernel *k, uint32_t h, uint64_t out);
long vk_sys_process_kill(struct vk_kernel *k, uint32_t h);
long vk_sys_thread_create(struct vk_kernel *k, uint64_t entry, uint64_t arg, uint64_t stack_top,
                          uint64_t self, uint64_t out);
/* Exit paths of the current thread; they do not return. */
_Noreturn void vk_thread_exit_current(struct vk_kernel *k, int32_t code);
_Noreturn void vk_process_exit_current(struct vk_kernel *k, const struct vk_proc_info *why);
void vk_process_kill(struct vk_kernel *k, struct vk_process *p, const struct vk_proc_info *why);
void vk_thread_destroy(struct vk_kernel *k, struct vk_thread *t);
void vk_process_destroy(struct vk_kernel *k, struct vk_process *p);
/* Release the kernel stacks of threads that have exited (called from the idle loop). */
void vk_kernel_reap(struct vk_kernel *k);
/* Create a process from an ELF image in host memory (boot path and spawn). */
int vk_process_create(struct vk_kernel *k, const char *name, const void *image, size_t len,
                      const char *const *argv, size_t argc, const char *const *envp, size_t envc,
                      struct vk_process *parent, const struct vk_start_handle *hs,
                      struct vk_object **hobjs, const uint32_t *hrights, const uint64_t *hbadges,
                      size_t nh, struct vk_process **out, char *err, size_t errlen);
/* A process with a region but no image whose main thread runs fn(arg) in kernel mode;
 * kernel calls are direct vk_dispatch() calls. Used by unit tests of the kernel. */
int vk_process_create_kthread(struct vk_kernel *k, const char *name, void (*fn)(void *), void *arg,
                              struct vk_process **out);
int vk_thread_create_kthread(struct vk_kernel *k, struct vk_process *p, void (*fn)(void *),
                             void *arg, struct vk_thread **out);
const char *vk_exit_describe(const struct vk_proc_info *e, char *buf, size_t len);

/* ---- dispatch (dispatch.c) ---- */
long vk_dispatch(struct vk_kernel *k, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5);
const char *vk_kcall_name(uint32_t nr);

#endif
