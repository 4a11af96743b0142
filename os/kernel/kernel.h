/*
 * The portable kernel core as a platform sees it: kernel objects, processes and threads,
 * the kernel's state (struct vk_kernel), and the entry points a platform calls (boot,
 * kernel-call dispatch, the idle loop's timers, scheduling, reaping, killing). What only
 * the kernel's own files use is in kernel_internal.h; what the kernel needs from the
 * platform is platform.h.
 *
 * One CPU, a non-preemptible kernel: a kernel call runs to completion or blocks in
 * vk_block(), the one place a thread leaves the CPU inside the kernel. Every blocking point
 * is cancellable (deadline, kill). Kernel calls decode and validate all their arguments
 * before they change anything.
 *
 * All kernel state hangs off one struct vk_kernel; nothing here is global. Objects get
 * sequential ids; nothing traced or ordered depends on a host pointer. The kernel is
 * freestanding C (os/kernel/CMakeLists.txt): it includes only os/include, os/kernel, os/lib
 * and the platform's include directory, which supplies vk_plat_thread.h (struct
 * vk_plat_thread, the first member of every struct vk_thread).
 */
#ifndef VK_KERNEL_H
#define VK_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "evq/vl_evq.h"
#include "ldisc/vl_ldisc.h"
#include "ktrace.h"
#include "prng/vl_prng.h"
#include "veridian/kcall.h"
#include "vk_plat_thread.h" /* from the platform's include directory */

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

/* The console (console.c): a byte stream, or a terminal running the line discipline. */
struct vk_console {
    struct vk_object o;
    uint32_t terminal; /* the platform said so (vk_console_attach_terminal) */
    uint32_t hup;      /* terminal: the platform's input ended */
    uint32_t pgrp;     /* foreground process group, 0: none */
    uint32_t sid;      /* the session whose terminal it is (the first SETPGRP), 0: none */
    struct vk_winsize ws;
    uint32_t nheld;
    uint8_t held[256]; /* input taken from the platform that the discipline has no room for */
    struct vl_ldisc ld;
    uint64_t drained_at; /* virtual time at which the output written so far has gone out */
};

enum vk_thread_state { VK_T_NEW, VK_T_RUNNABLE, VK_T_RUNNING, VK_T_BLOCKED, VK_T_DEAD };
enum vk_ipc_state { VK_IPC_NONE, VK_IPC_QUEUED, VK_IPC_AWAIT_REPLY, VK_IPC_DONE };

struct vk_process;

struct vk_thread {
    struct vk_plat_thread plat; /* the platform's part (context, kernel stack...): first, so a
                                   platform's assembly finds its fields at fixed offsets */
    uint8_t killed;
    uint8_t state;
    uint8_t ipc_state;
    uint32_t tid;
    struct vk_kernel *kernel;
    uint32_t kcall_traced; /* the call's own events (IPC) already describe it fully */
    struct vk_object o;
    struct vk_process *proc;
    struct vk_list proc_link;
    uint64_t self_value; /* written to the process's self word while this thread runs */
    uint64_t kcalls;
    int64_t wake_result;
    uint32_t run_index; /* position in the run set while runnable */
    int32_t exit_code;
    struct vl_timer timer;
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
    struct vk_proc_info fault; /* filled by the platform when the thread faults */
    /* signals (signal.c): the mask, thread-directed pending set, the attention word's value
     * (written to the process page at self_addr + 8 while this thread runs) */
    uint64_t sig_mask, sig_pending;
    struct vk_siginfo sig_info[VK_SIG_MAX];
    uint64_t attention;
    uint8_t parked;                      /* its process is stopped: waits in vk_signal_park */
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
    /* credentials, family, job control (signal.c) */
    uint32_t uid;
    uint32_t pgid, sid;
    struct vk_process *parent; /* NULL: none (or gone, and init is gone too) */
    struct vk_list children;   /* running children, in spawn order (vk_process.sibling) */
    struct vk_list sibling;
    /* signals: dispositions, process-directed pending set, stop state, alarm */
    struct vk_sigaction sigactions[VK_SIG_MAX];
    uint64_t sig_pending;
    struct vk_siginfo sig_info[VK_SIG_MAX]; /* of each pending process-directed signal */
    uint32_t stopped, stop_signo;
    uint32_t stops, continues;
    struct vl_timer alarm;
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

/* Device and DMA-domain objects the kernel keeps track of at once (device.c: one of each per
 * opened PCI function; device_open/dma_domain_open give -VK_ENOMEM beyond). */
#define VK_KERNEL_DEVICES_MAX 64u

struct vk_device;
struct vk_dma_domain;

struct vk_config {
    uint64_t seed;
    uint32_t quiet; /* don't report crashes on the console's stderr */
};

struct vk_kernel {
    struct vk_config cfg;
    uint64_t now; /* virtual ns since boot */
    uint64_t next_object_id;
    uint32_t next_pid, next_tid;
    struct vl_prng sched_prng; /* scheduling choices */
    struct vl_prng seed_prng;  /* AT_RANDOM, /dev/random... */
    struct vl_evq evq;
    struct vk_thread *cur;
    struct vk_thread **runq; /* VK_MACHINE_THREADS_MAX entries: never grows */
    uint32_t nrun;
    uint64_t slice_start; /* virtual time at which the running thread got the CPU */
    uint32_t nthreads;    /* threads holding a kernel stack: created and not yet reaped */
    struct vk_list procs;
    struct vk_list zombies; /* dead threads whose kernel stacks await release */
    struct vk_list futex_buckets[VK_FUTEX_BUCKETS];
    uint32_t live_procs;
    struct vk_console *console;
    struct vk_stats stats;
    void *spawn_scratch; /* argument copies of vk_sys_spawn */
    /* the kernel log (klog.c): a ring, and the number of records ever logged */
    struct vk_klog_record klog[VK_KLOG_RECORDS];
    uint64_t klog_seq;
    /* devices (device.c): the live device and DMA-domain objects by bdf (weak references:
     * an object leaves its slot when it dies) and the machine's IOMMU fault log (a ring) */
    struct vk_device *devices[VK_KERNEL_DEVICES_MAX];
    struct vk_dma_domain *domains[VK_KERNEL_DEVICES_MAX];
    struct vk_iommu_fault iommu_faults[VK_IOMMU_FAULT_LOG];
    uint64_t iommu_fault_seq; /* faults ever logged: the next record's seq */
    void *platform;           /* the platform's machine */
};

/* ---- kernel lifecycle and time (kernel.c) ---- */
/* platform: the platform's machine, handed back in k->platform. */
int vk_kernel_init(struct vk_kernel *k, const struct vk_config *cfg, void *platform);
void vk_kernel_fini(struct vk_kernel *k);
/* One step of the idle loop: fire the earliest timer (virtual time jumps to it if it lies
 * ahead). Returns 1 if something happened. */
int vk_kernel_fire_timers(struct vk_kernel *k);
/* Virtual time moves forward by ns and the timers due by then fire: a platform charges each
 * kernel call with it (vk_plat_kcall_enter). */
void vk_kernel_charge(struct vk_kernel *k, uint64_t ns);
/* The earliest armed timer's time, or VK_DEADLINE_NEVER. */
uint64_t vk_kernel_next_timer(const struct vk_kernel *k);

/* A platform's own timer (device models' pending work): t->fn(t->ctx, t) runs when virtual
 * time reaches when, from the kernel's timer processing (no guest thread's context). */
int vk_kernel_timer_add(struct vk_kernel *k, struct vl_timer *t, uint64_t when);
void vk_kernel_timer_cancel(struct vk_kernel *k, struct vl_timer *t);

/* ---- devices (device.c): what the platform's device models report ---- */
/* An MSI/MSI-X message (addr, data) from function bdf, or (msi 0) an INTx line's rising
 * edge: signals the bound notification, else counts and traces a spurious interrupt. */
void vk_device_msi(struct vk_kernel *k, uint32_t bdf, uint64_t addr, uint32_t data);
void vk_device_intx(struct vk_kernel *k, uint32_t bdf);
/* A device's DMA transfer through its domain (traced), and an IOMMU fault (traced, logged,
 * counted on the function). access: VK_DMA_READ (the device read memory) or VK_DMA_WRITE. */
void vk_device_dma(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len, uint32_t access,
                   int result);
void vk_device_iommu_fault(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len,
                           uint32_t access, uint32_t reason);

/* ---- the console (console.c): what the platform's console reports ----
 * A platform whose console is a terminal says so once, before any process runs, with the
 * window size (else the console is a byte stream). vk_console_input: the platform has new
 * input (or its end) for vk_plat_console_read; a terminal takes it through the line
 * discipline now (echo, signal characters), a byte stream raises READABLE. vk_console_resize:
 * the terminal's window changed (SIGWINCH to the foreground group). All three are called
 * from the platform's idle loop or a kernel call, never from a host signal handler. */
void vk_console_attach_terminal(struct vk_kernel *k, const struct vk_winsize *ws);
void vk_console_input(struct vk_kernel *k);
void vk_console_resize(struct vk_kernel *k, const struct vk_winsize *ws);
/* The program the platform runs on its terminal takes it (its session, its group in the
 * foreground) unless a session already did: so ^C reaches a program that never reads. */
void vk_console_foreground(struct vk_kernel *k, struct vk_process *p);

/* ---- objects (object.c) ---- */
/* Allocate an object whose struct starts with struct vk_object (refs = 1). */
void *vk_object_new(struct vk_kernel *k, uint32_t type, size_t size);
void vk_object_ref(struct vk_object *o);
void vk_object_unref(struct vk_kernel *k, struct vk_object *o);
void vk_object_signal(struct vk_kernel *k, struct vk_object *o, uint64_t set, uint64_t clear);

/* Install obj (takes a reference) in table t: how a creator hands a process its first
 * handles. 0 + *out, or -VK_ENOSPC when the table is full (handle.c). */
int vk_handle_install(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                      uint32_t rights, uint64_t badge, uint32_t *out);
/* 0 if [addr, addr + len) lies in what process p may access with prot (its region or a
 * mapping): the kernel's range check, done before every copy (vmo.c). */
int vk_uaccess_ok(struct vk_process *p, uint64_t addr, uint64_t len, uint32_t prot);
/* A memory object for the kernel's own use (the boot image); readonly refuses write maps. */
struct vk_vmo *vk_vmo_create_kernel(struct vk_kernel *k, uint64_t size, int readonly);

/* ---- scheduling (sched.c) ---- */
/* Pick the next runnable thread (seeded choice) and remove it from the run set. */
struct vk_thread *vk_pick_next(struct vk_kernel *k);
/* Switch to `to` (or the idle loop). */
void vk_switch_to(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying);
/* With probability 1/one_in, and only when another thread is runnable, the current thread
 * yields (seeded): --chaos preemption, at a point the platform chooses (a kernel call). */
void vk_preempt_chance(struct vk_kernel *k, uint32_t one_in);
/* Time slicing, at a kernel-call boundary the platform chooses: 1 when the current thread has
 * had the CPU for slice_ns of virtual time since it last got it (0: never), and then its new
 * slice begins now (traced: VK_TR_SCHED with a[4] = 1). The platform then calls vk_preempt. */
int vk_slice_over(struct vk_kernel *k, uint64_t slice_ns);
/* The current thread leaves the CPU to another runnable one (none: it goes on) and joins the
 * run set behind it: the next thread is chosen among the others (seeded), never itself. With
 * idle set it leaves the CPU to the platform's idle loop instead (which has work: a stop). */
void vk_preempt(struct vk_kernel *k, int idle);

/* ---- processes and threads (process.c) ---- */
/* Exit paths of the current thread; they do not return. */
_Noreturn void vk_thread_exit_current(struct vk_kernel *k, int32_t code);
_Noreturn void vk_process_exit_current(struct vk_kernel *k, const struct vk_proc_info *why);
void vk_process_kill(struct vk_kernel *k, struct vk_process *p, const struct vk_proc_info *why);
/* Release the kernel stacks of threads that have exited (called from the idle loop). */
void vk_kernel_reap(struct vk_kernel *k);
/* Create a process from an ELF image in kernel-readable memory (boot path and spawn). */
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

/* ---- dispatch (dispatch.c) ---- */
/* A kernel call of the current thread: the platform's trampoline (or a kernel thread)
 * calls it; it calls vk_plat_kcall_enter first. */
long vk_dispatch(struct vk_kernel *k, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5);
/* The call's name ("call", "receive"...), "invalid" for an unknown number. */
const char *vk_kcall_name(uint32_t nr);

#endif
