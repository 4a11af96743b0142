/*
 * Veridian kernel-call ABI, shared by the kernel (os/kernel, linked into vrsim and later into
 * the real kernel) and by every OS program (through libveridian's native layer).
 *
 * Entry: the kernel publishes a read-only "vDSO" page whose address arrives in the aux vector
 * as AT_VERIDIAN_KCALL. It starts with struct vk_kcall_page; kernel call NR is a function
 * at page + VK_KCALL_STUB_OFFSET + NR * VK_KCALL_STUB_STRIDE with the C signature
 * vk_kcall_fn (six integer arguments, System V calling convention, returns long).
 *
 * Every call returns 0 (or a non-negative value) on success, or a negative VK_E* code.
 * Every call validates all its arguments before acting (decode, then invoke): a failed call
 * changes nothing. Output pointers are probed during decode (an unmapped hole or a read-only
 * page gives -VK_EFAULT) and output handle slots reserved (a full table gives -VK_ENOSPC), so
 * a call that created something (a process, a thread, an object) never reports failure.
 * Handle arguments are 32-bit values passed in 64-bit registers: a register with any of its
 * upper 32 bits set is no handle (-VK_EBADH), never the handle in its low half.
 * Every blocking call takes an absolute virtual-time deadline in ns:
 * VK_DEADLINE_NEVER waits forever, 0 (or any past time) only polls.
 *
 * ABI structs have explicit sizes and no padding: see the static asserts at the bottom.
 */
#ifndef VERIDIAN_KCALL_H
#define VERIDIAN_KCALL_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/errors.h"

/* ---- the kernel-call page ---- */
#define VK_KCALL_MAGIC 0x4c4c414b4b524556ull /* "VERKKALL" little-endian */
#define VK_KCALL_VERSION 1u
#define VK_KCALL_STUB_OFFSET 64u
#define VK_KCALL_STUB_STRIDE 32u

struct vk_kcall_page {
    uint64_t magic;
    uint32_t version;
    uint32_t nr_count;
    uint64_t reserved[6];
};

typedef long (*vk_kcall_fn)(long, long, long, long, long, long);

/* ---- kernel call numbers (the argument lists are the prototypes in libveridian/vk.h) ---- */
enum vk_nr {
    VK_NR_HANDLE_CLOSE = 1,    /* (h) */
    VK_NR_HANDLE_DUP = 2,      /* (h, rights, uint32_t *out): rights must be a subset; needs DUP */
    VK_NR_HANDLE_MINT = 3,     /* (h, rights, badge, uint32_t *out): badged copy; needs MINT */
    VK_NR_HANDLE_INFO = 4,     /* (h, struct vk_handle_info *out) */
    VK_NR_ENDPOINT_CREATE = 5, /* (uint32_t *out): handle with RECV|CALL|MINT|DUP|TRANSFER */
    VK_NR_CALL = 6,            /* (h, struct vk_call *c, deadline): needs CALL */
    VK_NR_RECEIVE = 7,         /* (h, struct vk_recv *r, deadline): needs RECV */
    VK_NR_REPLY = 8,           /* (token, const struct vk_msg *m): see "Replies" below */
    VK_NR_REPLY_RECEIVE = 9,   /* (token, const struct vk_msg *m, h, struct vk_recv *r, deadline) */
    VK_NR_MSG_READ = 10,       /* (token, offset, void *buf, len): from the caller's send buffer */
    VK_NR_MSG_WRITE = 11,      /* (token, offset, const void *buf, len): into its recv buffer */
    VK_NR_NOTIFY_CREATE = 12,  /* (uint32_t *out): handle with SIGNAL|WAIT|MINT|DUP|TRANSFER */
    VK_NR_NOTIFY_SIGNAL = 13,  /* (h, bits): needs SIGNAL */
    VK_NR_NOTIFY_BIND = 14,    /* (notify h, endpoint h): receive also returns its signals */
    VK_NR_WAIT_MANY = 15,      /* (struct vk_wait *items, n, deadline) -> index that fired */
    VK_NR_FUTEX_WAIT = 16,     /* (uint32_t *addr, expected, deadline): see "futexes" */
    VK_NR_FUTEX_WAKE = 17,     /* (uint32_t *addr, count) -> number woken */
    VK_NR_VMO_CREATE = 18,     /* (size, uint32_t *out): READ|WRITE|MAP|DUP|TRANSFER */
    VK_NR_VMO_MAP = 19,        /* (h, prot VK_RIGHT_READ|VK_RIGHT_WRITE, uint64_t *addr_out) */
    VK_NR_VMO_UNMAP = 20,      /* (addr) */
    VK_NR_SPAWN = 21,          /* (const struct vk_spawn *s, uint32_t *out_process) */
    VK_NR_PROCESS_EXIT = 22,   /* (code): does not return */
    VK_NR_PROCESS_INFO = 23,   /* (h, struct vk_proc_info *out) */
    VK_NR_PROCESS_KILL = 24,   /* (h): needs KILL */
    VK_NR_THREAD_CREATE = 25,  /* (entry, arg, stack_top, self, uint32_t *out) */
    VK_NR_THREAD_EXIT = 26,    /* (code): does not return */
    VK_NR_THREAD_YIELD = 27,   /* () */
    VK_NR_THREAD_SET_SELF = 28, /* (value): the word at AT_VERIDIAN_SELF while this thread runs */
    VK_NR_CONSOLE_WRITE = 29,   /* (h, const void *buf, len) -> bytes written; needs WRITE */
    VK_NR_CONSOLE_READ = 30,    /* (h, void *buf, len, deadline) -> bytes, 0 at EOF; needs READ */
    VK_NR_CLOCK_GET = 31,       /* () -> virtual time in ns since boot */
    VK_NR_GETPID = 32,          /* () -> pid of the caller */
    VK_NR_TRACE_MARK = 33,      /* (const char *s, len): a user event in the trace */
    VK_NR_KERNEL_INFO = 34,     /* (struct vk_kernel_info *out): live object counts */
    /* devices and DMA: see "Devices" below */
    VK_NR_PCI_CONFIG_READ = 35,     /* (res h, bdf, off, size) -> value; needs MMIO */
    VK_NR_DEVICE_OPEN = 36,         /* (res h, bdf, uint32_t *out); needs MMIO */
    VK_NR_DEVICE_INFO = 37,         /* (dev h, struct vk_device_info *out) */
    VK_NR_DEVICE_CONFIG_READ = 38,  /* (dev h, off, size) -> value; needs READ */
    VK_NR_DEVICE_CONFIG_WRITE = 39, /* (dev h, off, size, value); needs WRITE */
    VK_NR_DEVICE_MMIO_READ = 40,    /* (dev h, bar, off, size, uint64_t *out); needs MMIO */
    VK_NR_DEVICE_MMIO_WRITE = 41,   /* (dev h, bar, off, size, value); needs MMIO */
    VK_NR_DEVICE_IRQ_BIND = 42,     /* (dev h, vector, notify h, bits); needs IRQ, SIGNAL */
    VK_NR_DEVICE_RESET = 43,        /* (dev h); needs KILL */
    VK_NR_DMA_DOMAIN_OPEN = 44,     /* (res h, bdf, uint32_t *out); needs DMA */
    VK_NR_DMA_MAP = 45,             /* (dom h, vmo h, const struct vk_dma_map *m); needs MAP */
    VK_NR_DMA_UNMAP = 46,           /* (dom h, iova, len) -> bytes unmapped; needs MAP */
    VK_NR_DMA_INFO = 47,            /* (dom h, struct vk_dma_info *out) */
    VK_NR_IOMMU_FAULTS = 48,        /* (res h, first_seq, struct vk_iommu_fault *buf, max) */
    /* signals, process groups and sessions: see "Signals" below */
    VK_NR_SIGNAL_ACTION =
        49,                 /* (signo, const struct vk_sigaction *act, struct vk_sigaction *old) */
    VK_NR_SIGNAL_MASK = 50, /* (how, set, uint64_t *old): the calling thread's mask */
    VK_NR_SIGNAL_SEND = 51, /* (target, signo, flags): kill(2)'s targets, or a thread */
    VK_NR_SIGNAL_TAKE = 52, /* (struct vk_siginfo *out) -> signo, 0 when none is deliverable */
    VK_NR_SIGNAL_PENDING = 53,  /* (uint64_t *out): pending for the calling thread or its process */
    VK_NR_SIGNAL_WAIT = 54,     /* (deadline): -VK_EINTR once a signal is deliverable */
    VK_NR_SIGNAL_ALARM = 55,    /* (deadline): SIGALRM then (0 cancels) -> ns left of the last */
    VK_NR_PROCESS_IDS = 56,     /* (pid, struct vk_proc_ids *out): pid 0 = the caller */
    VK_NR_PROCESS_SETPGID = 57, /* (pid, pgid): setpgid(2) */
    VK_NR_PROCESS_SETSID = 58,  /* () -> the new session id: setsid(2) */
    VK_NR_PROCESS_SETUID = 59,  /* (res h, uid): the caller's kernel uid; needs SETUID */
    VK_NR_CONSOLE_CTL = 60,     /* (h, op, arg): the console as a terminal, see "Terminal" */
    VK_NR_PROCESS_EXEC = 61,    /* (const struct vk_spawn *s): see "exec"; returns on failure */
    /* the kernel log: see "Kernel log" below */
    VK_NR_KLOG_READ = 62,  /* (first_seq, struct vk_klog_record *buf, max) -> records copied */
    VK_NR_KLOG_WRITE = 63, /* (res h, const char *text, len): a service event; needs SPAWN */
    /* terminals served by a process (a driver): see "Terminals served by a process" */
    VK_NR_TERMINAL_CREATE = 64, /* (uint32_t *h_out) */
    VK_NR_TERMINAL_CTL = 65,    /* (h, op, arg, reply token) */
    VK_NR_COUNT = 66
};

#define VK_DEADLINE_NEVER UINT64_MAX

/* REPLY_RECEIVE checks both halves before the reply goes out: a bad receive handle or buffer
 * fails the call with nothing replied; the reply may not carry h itself (-VK_EINVAL). */

/* ---- quotas (deterministic: the same on every host, never the host's own limits) ----
 * A process has at most VK_PROCESS_THREADS_MAX threads (its main thread included) and a
 * machine at most VK_MACHINE_THREADS_MAX: thread_create beyond either, and spawn beyond the
 * machine's, fail with -VK_EAGAIN (nothing is created). A handle table holds at most
 * 1 << VK_HANDLE_INDEX_BITS handles (-VK_ENOSPC beyond); all tables of a machine together
 * hold at most 2^19 (-VK_ENOMEM beyond). A process has at most VK_PROCESS_MAPPINGS_MAX
 * memory-object mappings (vmo_map: -VK_ENOMEM beyond). An endpoint tracks at most 16384
 * badges and undelivered close notices together (handle_mint with VK_MINT_TRACK_CLOSE of a
 * new badge: -VK_EAGAIN beyond). trace_mark gives -VK_ENOMEM once the trace's string table
 * (bounded in vrsim) is full. */
#define VK_PROCESS_THREADS_MAX 1024u
#define VK_MACHINE_THREADS_MAX 4096u
#define VK_PROCESS_MAPPINGS_MAX 4096u

/* ---- futexes ----
 * A futex word is named by what it lies in, not by its address: a word in a mapped memory
 * object by (object, offset), so every process that maps the object shares it; a word in the
 * process's own memory by (process, address), so no other process can reach it. futex_wake
 * wakes only waiters on the same word, in the order they started waiting. An address the
 * caller has no mapping for gives -VK_EFAULT; one not 4-byte aligned -VK_EINVAL. */

/* ---- handles ---- */
/* A handle value is (generation << VK_HANDLE_INDEX_BITS) | index, always > 0 as an int32. */
#define VK_HANDLE_INDEX_BITS 14u /* up to 16384 handles per process */
#define VK_HANDLE_GEN_MAX ((1u << (31 - VK_HANDLE_INDEX_BITS)) - 1u)
#define VK_HANDLE_INVALID 0u

enum vk_obj_type {
    VK_OBJ_NONE = 0,
    VK_OBJ_PROCESS = 1,
    VK_OBJ_THREAD = 2,
    VK_OBJ_ENDPOINT = 3,
    VK_OBJ_NOTIFICATION = 4,
    VK_OBJ_VMO = 5,
    VK_OBJ_CONSOLE = 6,
    VK_OBJ_RESOURCE = 7,   /* a root right: spawning processes, devices, IRQs, DMA */
    VK_OBJ_DEVICE = 8,     /* one PCI function: its configuration space, BARs, interrupts */
    VK_OBJ_DMA_DOMAIN = 9, /* one PCI function's IOMMU domain: what the device may access */
    VK_OBJ_TERMINAL = 10,  /* a terminal served by a process: its session, foreground group */
};

enum vk_rights {
    VK_RIGHT_READ = 1u << 0,
    VK_RIGHT_WRITE = 1u << 1,
    VK_RIGHT_MAP = 1u << 2,
    VK_RIGHT_CALL = 1u << 3,
    VK_RIGHT_RECV = 1u << 4,
    VK_RIGHT_DUP = 1u << 5,
    VK_RIGHT_TRANSFER = 1u << 6,
    VK_RIGHT_SIGNAL = 1u << 7,
    VK_RIGHT_WAIT = 1u << 8,
    VK_RIGHT_MINT = 1u << 9,
    VK_RIGHT_SPAWN = 1u << 10,
    VK_RIGHT_KILL = 1u << 11,
    VK_RIGHT_MMIO = 1u << 12,
    VK_RIGHT_IRQ = 1u << 13,
    VK_RIGHT_DMA = 1u << 14,
    /* bits 15..23: resource rights named by capabilities (veridian/caps.h) */
    VK_RIGHTS_ALL = (1u << 24) - 1,
};

/* handle_mint: OR into rights to have the endpoint tell its receiver (VK_RECV_CLOSED) when
 * the last handle with this badge, copies and duplicates included, is closed. */
#define VK_MINT_TRACK_CLOSE 0x80000000u

struct vk_handle_info {
    uint32_t type;   /* enum vk_obj_type */
    uint32_t rights; /* enum vk_rights */
    uint64_t badge;
    uint64_t object_id; /* sequential per machine, never a host pointer */
};

/* ---- signals seen by wait_many (notifications use all 64 bits as their own) ---- */
#define VK_SIG_READABLE (1ull << 0)    /* endpoint: a call is queued; console: input */
#define VK_SIG_PEER_CLOSED (1ull << 1) /* endpoint: no receiver is left */
#define VK_SIG_EXITED (1ull << 0)      /* process, thread */

#define VK_WAIT_CLEAR 1u /* notification: clear the observed bits when the wait returns */

struct vk_wait {
    uint32_t handle;   /* needs WAIT (or RECV for endpoints, READ for the console) */
    uint32_t flags;    /* VK_WAIT_* */
    uint64_t mask;     /* signals of interest */
    uint64_t observed; /* out: signals pending (masked) when the call returned */
};

/* ---- messages ---- */
#define VK_MSG_DATA_WORDS 6u
#define VK_MSG_MAX_HANDLES 4u
#define VK_MSG_NHANDLES(flags) ((flags)&7u) /* low 3 bits of flags: handles carried */

struct vk_msg {
    uint32_t opcode;
    uint32_t flags;
    uint64_t data[VK_MSG_DATA_WORDS];
    uint32_t handles[VK_MSG_MAX_HANDLES]; /* moved from sender to receiver (need TRANSFER) */
};

/* In: msg is the request. Out: msg is the reply. The send buffer is what the server may
 * msg_read; the receive buffer is what it may msg_write. */
struct vk_call {
    struct vk_msg msg;
    uint64_t send_buf;
    uint64_t send_len;
    uint64_t recv_buf;
    uint64_t recv_len;
};

/* Unwrapping (seL4's rule). A handle in a request that names the very endpoint the request
 * is received on (without VK_RIGHT_RECV) is not installed in the receiver's table:
 * msg.handles[i] is 0, bit i of vk_recv.unwrapped is set, and handle_badges[i] is the badge
 * it carried. The kernel vouches for that badge: only a holder of MINT on the endpoint (the
 * server, or whoever it gave MINT) can have set it, so a server that takes a client's handle
 * as a reference to one of its own objects (vfs: the directory of an *at() call) reads the
 * badge here and refuses anything that arrives as a plain handle: a handle to any other
 * endpoint, whatever badge its minter chose, is just a handle. The unwrapped handle is gone
 * (closed after the delivery; if it was the last copy of a tracked badge, its close notice
 * follows the call). Every other handle is installed as usual.
 *
 * Delivery failures. When the receiver's table cannot take a request's handles, that call
 * fails (-VK_ENOSPC or -VK_ENOMEM to the caller, its handles closed) and receive goes on with
 * the next message: one request never stops a server from receiving.
 *
 * Replies. A reply whose caller is gone (it timed out or was killed: -VK_ESRCH, as for a
 * token never issued) still consumes the handles it carries: they are closed, so a server
 * never keeps what it minted for a caller that left. A reply refused for its own message
 * (-VK_EFAULT, -VK_EINVAL, -VK_EBADH, -VK_EPERM) changes nothing; the message is checked
 * before the token.
 *
 * VK_RECV_CLOSED: the last handle carrying `badge` (minted with VK_MINT_TRACK_CLOSE) is
 * gone, in every process: a server frees what the badge stood for (an open file, a socket). */
enum vk_recv_kind { VK_RECV_CALL = 1, VK_RECV_NOTIFY = 2, VK_RECV_CLOSED = 3 };

struct vk_recv {
    struct vk_msg msg; /* VK_RECV_CALL: the request, its handles now in our table */
    uint64_t badge;    /* of the handle the caller used */
    uint64_t token;    /* reply token: one reply per call, never reused in this process */
    uint64_t send_len; /* size of the caller's send buffer */
    uint64_t recv_len; /* size of the caller's receive buffer */
    uint32_t kind;     /* enum vk_recv_kind */
    uint32_t sender_pid;
    uint64_t notify_bits; /* VK_RECV_NOTIFY: the bound notification's bits, now cleared */
    uint32_t unwrapped;   /* VK_RECV_CALL: bit i: handles[i] was unwrapped (see above) */
    uint32_t reserved;
    uint64_t handle_badges[VK_MSG_MAX_HANDLES]; /* badges of the unwrapped handles, else 0 */
};

/* ---- limits on memory objects ----
 * A memory object is charged to the process that created it until the object is destroyed,
 * wherever its handles went and whether or not its creator still runs. VK_NR_VMO_CREATE
 * fails with -VK_ENOMEM when the caller's charge would pass either limit below, and when the
 * machine's own limits are reached (vrsim: 2 GiB and 16384 memory objects in all, boot image
 * included), so one process can take at most half of the machine's memory. */
#define VK_PROC_VMO_BYTES_MAX (1ull << 30) /* bytes, each object's size rounded up to 4 KiB */
#define VK_PROC_VMO_MAX 8192u              /* live memory objects */

/* ---- processes ---- */
enum vk_role {
    VK_ROLE_NONE = 0,
    VK_ROLE_STDIN = 1,
    VK_ROLE_STDOUT = 2,
    VK_ROLE_STDERR = 3,
    VK_ROLE_NSROOT = 4,
    VK_ROLE_CWD = 5,
    VK_ROLE_BOOTFS = 6,  /* read-only vmo holding the boot archive */
    VK_ROLE_SPAWNER = 7, /* resource with VK_RIGHT_SPAWN */
    VK_ROLE_CONSOLE = 8,
    VK_ROLE_INIT = 9,     /* send handle to init's control endpoint (veridian/init.h) */
    VK_ROLE_READY = 10,   /* notification a service signals when ready (veridian/init.h) */
    VK_ROLE_SERVE = 11,   /* the receive end of the endpoint a server serves (vfs, ...) */
    VK_ROLE_USER = 0x100, /* VK_ROLE_USER + n: meaning agreed between parent and child */
};
#define VK_START_MOVE 0x80000000u /* role flag: move the handle to the child instead of copying */

struct vk_start_handle {
    uint32_t handle;
    uint32_t role; /* enum vk_role, maybe | VK_START_MOVE */
};

#define VK_SPAWN_MAX_HANDLES 64u
#define VK_SPAWN_MAX_ARGS 1024u
#define VK_SPAWN_MAX_STRINGS (128u * 1024u) /* argv + envp bytes */

struct vk_spawn {
    uint32_t spawner;   /* resource handle with VK_RIGHT_SPAWN */
    uint32_t image;     /* vmo handle with VK_RIGHT_READ holding the ELF file */
    uint64_t image_off; /* where the ELF starts in the vmo */
    uint64_t image_len;
    uint64_t name;    /* const char *: shown in reports and the trace */
    uint64_t argv;    /* const char *const *, NULL-terminated */
    uint64_t envp;    /* const char *const *, NULL-terminated, may be 0 */
    uint64_t handles; /* const struct vk_start_handle * */
    uint32_t nhandles;
    uint32_t exit_notify; /* notification signalled with exit_bits on exit, or 0 */
    uint64_t exit_bits;
    uint64_t flags;      /* VK_SPAWN_* */
    uint32_t uid;        /* VK_SPAWN_UID: the child's kernel uid (the spawner needs SETUID) */
    uint32_t pgid;       /* VK_SPAWN_PGID: the child's process group, 0 = a new one */
    uint64_t sigmask;    /* VK_SPAWN_SIGMASK: its main thread's mask (else the caller's) */
    uint64_t sigdefault; /* VK_SPAWN_SIGDEF: signals whose action starts as default */
};
/* Without flags a child has its parent's uid, process group and session, the calling
 * thread's signal mask, and the parent's ignored signals ignored (all others default).
 * VK_SPAWN_UID needs VK_RIGHT_SETUID on the spawner (-VK_EPERM); VK_SPAWN_PGID needs pgid 0
 * or a group of the caller's session (-VK_EPERM); an unknown flag is -VK_EINVAL. */
#define VK_SPAWN_UID 1u
#define VK_SPAWN_PGID 2u
#define VK_SPAWN_SIGMASK 4u
#define VK_SPAWN_SIGDEF 8u

enum vk_proc_state { VK_PROC_RUNNING = 1, VK_PROC_EXITED = 2, VK_PROC_STOPPED = 3 };
enum vk_exit_kind {
    VK_EXIT_NORMAL = 0,   /* process_exit(code) or return from main */
    VK_EXIT_FAULT = 1,    /* a CPU fault: signo, fault_pc, fault_addr say which */
    VK_EXIT_KILLED = 2,   /* process_kill */
    VK_EXIT_WATCHDOG = 3, /* spun without kernel calls past the watchdog's budget */
    VK_EXIT_SYSCALL = 4,  /* executed a raw host `syscall` instruction */
    VK_EXIT_LOAD = 5,     /* never started: the image was refused */
    VK_EXIT_FSBASE = 6,   /* changed its FS base (wrfsbase, a %fs load): the host's, in vrsim */
    VK_EXIT_SIGNAL = 7,   /* a signal's default action (or SIGKILL): signo says which */
};

struct vk_proc_info {
    uint32_t pid;
    uint32_t state;     /* enum vk_proc_state */
    int32_t exit_code;  /* NORMAL: the code; otherwise 128 + signo, as a shell shows it */
    uint32_t exit_kind; /* enum vk_exit_kind */
    uint32_t signo;     /* FAULT: host signal number (SIGSEGV=11, SIGILL=4...); SIGNAL: it */
    uint32_t reserved;
    uint64_t fault_pc;
    uint64_t fault_addr;
    /* job control (waitpid's WUNTRACED/WCONTINUED): each stop and each continue counts one
     * event; stop_signo is the signal of the last stop. The exit notification fires on both. */
    uint32_t stops, continues;
    uint32_t stop_signo;
    uint32_t pgid; /* its process group (at exit, the last one) */
};

/* What the kernel holds right now (leak checks, svc, /proc/meminfo). */
struct vk_kernel_info {
    uint64_t now_ns;
    uint64_t kcalls;
    uint64_t objects;   /* live kernel objects of every type */
    uint64_t handles;   /* live handles in all tables */
    uint64_t processes; /* running processes */
    uint64_t memory_object_bytes;
};

/* ---- devices ----
 * A PCI function is named by bdf = bus << 8 | device << 3 | function. Whoever holds a resource
 * with VK_RIGHT_MMIO (CAP_DEVICE: devmgr) may read any function's configuration space
 * (pci_config_read: all-ones for an absent function, which is how enumeration finds what is
 * there) and open a function as a device object (device_open: -VK_ENOENT when absent). There
 * is one device object per function: every open returns a handle to the same object, with
 * READ|WRITE|MMIO|KILL|DUP|TRANSFER, plus IRQ when the resource has VK_RIGHT_IRQ. A driver gets
 * such a handle (maybe with fewer rights) and nothing else of the bus: it reaches no other
 * function.
 *
 * Configuration accesses: off + size <= 4096, size 1, 2 or 4, off aligned to size (else
 * -VK_EINVAL). Writes to the BAR registers (0x10..0x27) and the expansion ROM (0x30..0x33) are
 * refused (-VK_EPERM): the platform places BARs, drivers address them by number and offset.
 * BAR accesses: bar 0..5 naming a BAR the function has (-VK_ENOENT otherwise), size 1, 2, 4 or
 * 8, off aligned to size and inside the BAR (-VK_EINVAL), memory or I/O BARs alike (the trace
 * tells them apart). device_mmio_read stores the value in *out when out is not 0 and returns
 * 0; with out 0 it returns the value itself (size 1, 2 or 4 only): the fast path.
 *
 * Interrupts: MSI and MSI-X messages are written by the device to VK_MSI_ADDRESS with the
 * vector (0..VK_IRQ_VECTORS-1) as data; the driver programs its device that way (the DDK
 * does). device_irq_bind(dev, vector, notify, bits) makes every message with that vector (or
 * every rising edge of the INTx line, vector VK_IRQ_INTX) signal bits on the notification;
 * bits 0 unbinds. A message to another address or with another data is counted as spurious
 * and traced, never delivered. device_reset (function-level reset) clears the bindings.
 *
 * DMA: a device reaches memory only through its domain. dma_domain_open needs a resource with
 * VK_RIGHT_DMA and returns a handle with MAP|KILL|DUP|TRANSFER to the function's one domain
 * object. dma_map maps len bytes of a memory object (from vmo_off) at iova: page aligned,
 * len > 0, iova + len <= VK_IOVA_LIMIT, inside the object (-VK_EINVAL), perm VK_DMA_READ
 * (the device reads memory) and/or VK_DMA_WRITE, the vmo handle needing READ, and WRITE for
 * VK_DMA_WRITE (-VK_EPERM); an overlap with an existing mapping is -VK_EEXIST; at most
 * VK_DMA_MAPPINGS_MAX mappings per domain (-VK_ENOMEM). The domain keeps the memory object
 * alive while a mapping of it exists, so memory a device may still write is never reused
 * before dma_unmap (or a revocation: dma_unmap(0, VK_IOVA_LIMIT)). A device access to
 * anything else is an IOMMU fault: nothing moves, the device sees an error, and the fault is
 * traced and kept in the kernel's fault log (the last VK_IOMMU_FAULT_LOG), which
 * iommu_faults reads from sequence number first_seq (resource with VK_RIGHT_DMA): it returns
 * how many records it copied (oldest first). */
#define VK_BDF(bus, dev, fn) ((uint32_t)(((bus) << 8) | ((dev) << 3) | (fn)))
#define VK_MSI_ADDRESS 0xfee00000ull
#define VK_IRQ_VECTORS 64u
#define VK_IRQ_INTX 64u
#define VK_IOVA_LIMIT (1ull << 48)
#define VK_DMA_MAPPINGS_MAX 4096u
#define VK_IOMMU_FAULT_LOG 256u

enum vk_bar_kind { VK_BAR_NONE = 0, VK_BAR_MEM32 = 1, VK_BAR_MEM64 = 2, VK_BAR_IO = 3 };

struct vk_bar_info {
    uint64_t size; /* bytes; 0 when the BAR does not exist (kind VK_BAR_NONE) */
    uint32_t kind; /* enum vk_bar_kind */
    uint32_t prefetch;
};

struct vk_device_info {
    uint32_t bdf;
    uint16_t vendor, device;
    uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
    uint8_t revision;
    uint8_t intx_pin; /* 1..4 = INTA..INTD, 0 none */
    uint16_t msi_vectors;
    uint16_t msix_vectors;
    uint16_t reserved0;
    uint32_t reserved1;
    struct vk_bar_info bars[6];
    uint64_t irqs;     /* interrupts delivered to a bound notification */
    uint64_t spurious; /* messages with no binding or a bad address/data */
    uint64_t faults;   /* IOMMU faults of this function */
};

enum vk_dma_perm { VK_DMA_READ = 1, VK_DMA_WRITE = 2 };

struct vk_dma_map {
    uint64_t vmo_off;
    uint64_t iova;
    uint64_t len;
    uint32_t perm; /* enum vk_dma_perm */
    uint32_t reserved;
};

struct vk_dma_info {
    uint32_t bdf;
    uint32_t mappings; /* live dma_map ranges */
    uint64_t bytes;    /* mapped now */
    uint64_t faults;   /* IOMMU faults of this domain's device */
    uint64_t revoked;  /* bytes unmapped by revocations (dma_unmap of everything) */
};

enum vk_iommu_reason {
    VK_IOMMU_UNMAPPED = 1, /* no mapping for the page */
    VK_IOMMU_PERM = 2,     /* mapped without the access's permission */
    VK_IOMMU_RANGE = 3,    /* beyond the IOVA space */
    VK_IOMMU_TARGET = 4,   /* translated to no memory */
};

struct vk_iommu_fault {
    uint64_t seq;  /* among all faults of the machine, from 0 */
    uint64_t time; /* virtual ns */
    uint64_t iova;
    uint64_t len;
    uint32_t bdf;
    uint8_t access; /* enum vk_dma_perm of the transfer */
    uint8_t reason; /* enum vk_iommu_reason */
    uint16_t reserved;
};

/* ---- kernel log (os/kernel/klog.c) ----
 * The kernel keeps the last VK_KLOG_RECORDS events of the machine in a ring: every process
 * start (text: its name), exit (code) and crash or kill (exit kind, signal, pc, address), and
 * the service events a supervisor writes (KLOG_WRITE, which needs a resource handle with
 * SPAWN: init's). KLOG_READ copies the records from first_seq on (from the oldest kept when
 * first_seq is older), at most max, and returns how many; anyone may read it (it says no more
 * than /proc does). vfs formats it as /proc/kmsg; dmesg prints that. */
#define VK_KLOG_RECORDS 256u
#define VK_KLOG_TEXT 72u

enum vk_klog_kind {
    VK_KLOG_START = 1,   /* pid, ppid, text = name */
    VK_KLOG_EXIT = 2,    /* pid, code, exit_kind (enum vk_exit_kind), signo, pc, addr, name */
    VK_KLOG_SERVICE = 3, /* pid = the writer, text = the event */
};

struct vk_klog_record {
    uint64_t seq;     /* among all records of the machine, from 0 */
    uint64_t time_ns; /* virtual time */
    uint32_t kind;    /* enum vk_klog_kind */
    uint32_t pid;
    uint32_t ppid;
    int32_t code;            /* EXIT: the exit code (128 + signal when killed) */
    uint32_t exit_kind;      /* EXIT */
    uint32_t signo;          /* EXIT: the fault's or the killing signal */
    uint64_t pc;             /* EXIT of a fault: where */
    uint64_t addr;           /* EXIT of a fault: the address it touched */
    char text[VK_KLOG_TEXT]; /* NUL-terminated */
};

/* ---- signals ----
 * Linux's numbers (1..64; 32 and 33 are not used, 34..64 are real-time and queue like the
 * others: one pending instance per signal). A signal is sent to a process (kill: target > 0
 * a pid, 0 the caller's process group, -1 every process the caller may signal but pid 1 and
 * itself... as Linux, < -1 the group -target) or to one thread of the caller's own process
 * (flags VK_SIGSEND_THREAD, target a tid). Permission: the sender's kernel uid is 0 or equals
 * the target's uid (-VK_EPERM; a group or -1 send succeeds if one target is permitted); no
 * such process or group -VK_ESRCH; signo outside 0..64 (or 32, 33) -VK_EINVAL; signo 0 only
 * checks. SIGCONT may always go to a process of the sender's own session.
 *
 * Dispositions (signal_action) belong to the process: handler VK_SIG_DFL, VK_SIG_IGN or a
 * user address that the kernel never calls (libveridian does, see below), the mask to add
 * while it runs and VK_SA_* flags. SIGKILL and SIGSTOP cannot be caught, ignored or blocked
 * (-VK_EINVAL on a try to set them; masks silently drop them). The kernel acts itself on
 * the default actions: terminate (the process ends with VK_EXIT_SIGNAL, signo), stop (every
 * thread stops at its next kernel-call boundary; the parent gets SIGCHLD unless its SIGCHLD
 * action has VK_SA_NOCLDSTOP), continue (SIGCONT resumes a stopped process whatever its
 * disposition or mask, and SIGCHLD goes to the parent), ignore. Signal masks are per thread
 * (signal_mask, how VK_SIG_BLOCK/UNBLOCK/SETMASK; a new thread starts with its creator's).
 *
 * Delivery to handlers happens in user mode at kernel-call boundaries, so it is a function of
 * the seed: a thread that has a deliverable signal (pending, not blocked, handled) finds its
 * attention word (the 64-bit word at AT_VERIDIAN_SELF + 8, kept per thread like the self
 * word) non-zero when a kernel call returns; it then calls signal_take, which dequeues one
 * signal (thread-directed first, lowest number first), applies the action's mask (the
 * signal itself too unless VK_SA_NODEFER; VK_SA_RESETHAND resets the action to default) and
 * returns the handler and the mask to restore (signal_mask SETMASK) after the handler.
 * A process-directed signal goes to the first thread in creation order that does not block
 * it. A thread blocked in a kernel call (call, receive, wait_many, futex_wait, console_read,
 * signal_wait) when a signal becomes deliverable to it returns -VK_EINTR: a call (IPC) is
 * abandoned as on a timeout. Whether to restart (VK_SA_RESTART) is user space's choice. */
#define VK_SIG_MAX 64u
#define VK_SIG_DFL 0ull
#define VK_SIG_IGN 1ull
#define VK_SIG_BIT(signo) (1ull << ((signo)-1))
enum vk_sa_flags {
    VK_SA_NOCLDSTOP = 1u << 0,
    VK_SA_SIGINFO = 1u << 2,
    VK_SA_RESTART = 1u << 28,
    VK_SA_NODEFER = 1u << 30,
    VK_SA_RESETHAND = 1u << 31,
};
enum vk_sig_how { VK_SIG_BLOCK = 0, VK_SIG_UNBLOCK = 1, VK_SIG_SETMASK = 2 };
#define VK_SIGSEND_THREAD 1u

struct vk_sigaction {
    uint64_t handler; /* VK_SIG_DFL, VK_SIG_IGN or a user address */
    uint64_t mask;    /* VK_SIG_BIT(n) of the signals blocked while the handler runs */
    uint32_t flags;   /* enum vk_sa_flags */
    uint32_t reserved;
};

/* si_code values (Linux's) */
#define VK_SI_USER 0      /* kill */
#define VK_SI_KERNEL 0x80 /* the kernel (a tty's ^C, a broken pipe...) */
#define VK_SI_TKILL (-6)  /* a thread-directed send */
#define VK_SI_TIMER (-2)  /* alarm */
#define VK_CLD_EXITED 1
#define VK_CLD_KILLED 2
#define VK_CLD_STOPPED 5
#define VK_CLD_CONTINUED 6

struct vk_siginfo {
    uint32_t signo;
    int32_t code;   /* VK_SI_* or VK_CLD_* */
    uint32_t pid;   /* sender (SIGCHLD: the child) */
    uint32_t uid;   /* sender's uid (SIGCHLD: the child's) */
    int32_t status; /* SIGCHLD: exit code, or the signal */
    uint32_t flags; /* the action's VK_SA_* flags */
    uint64_t handler;
    uint64_t restore_mask; /* the thread's mask before the action's mask was applied */
};

/* ---- exec ----
 * process_exec replaces the calling process's image in place: same pid, parent, process
 * group, session, uid, pending signals and alarm; the calling thread's mask passes to the new
 * main thread; handled signals go back to their default action (ignored ones stay ignored).
 * s is read as for spawn (spawner with VK_RIGHT_SPAWN, image, name, argv, envp, handles;
 * exit_notify, exit_bits and flags must be 0, -VK_EINVAL): the handles listed stay in the
 * process's table with the same values and travel to the new image with their roles
 * (VK_START_MOVE is not allowed: -VK_EINVAL); every other handle is closed. Every other
 * thread ends; memory-object mappings go. The new image is loaded into a fresh region first,
 * so a refused image (-VK_ENOEXEC...) or any other failure leaves the caller as it was. */

/* ---- process ids ----
 * ppid is the parent's pid (0: none); when a parent exits its children are reparented to
 * pid 1 (init), which then receives their SIGCHLD. setpgid(pid, pgid): pid 0 is the caller,
 * else the caller or one of its children in the same session (-VK_ESRCH otherwise); pgid 0
 * means pid; the group must exist in the caller's session or be pid itself (-VK_EPERM); a
 * session leader cannot move (-VK_EPERM). setsid fails with -VK_EPERM for a group leader. */
struct vk_proc_ids {
    uint32_t pid, ppid, pgid, sid;
    uint32_t uid;
    uint32_t tid; /* pid 0: the calling thread's id (VK_SIGSEND_THREAD's target); else 0 */
};

/* ---- the console as a terminal (console_ctl) ----
 * The kernel's console runs a line discipline (os/lib/ldisc) when the platform says it is a
 * terminal; otherwise it is a plain byte stream (VK_CON_ISATTY returns 0 and the attribute
 * calls -VK_ENOTTY). ops: GETATTR/SETATTR (arg: struct vk_termios *, SETATTR needs WRITE),
 * GETPGRP (-> the foreground process group, 0 when none), SETPGRP (arg: a pgid of the caller's
 * session; the first SETPGRP, SETATTR or read makes the caller's session the console's, with
 * the caller's group in the foreground), GETWINSZ (arg: struct vk_winsize *), ISATTY (-> 1 or
 * 0), FLUSH. Input characters ^C, ^\ and ^Z (termios c_cc) send SIGINT, SIGQUIT, SIGTSTP to
 * the foreground group; a read by a process of the console's session outside the foreground
 * group sends SIGTTIN to its group and, if that stops it, goes on once it is continued (else
 * -VK_EINTR for a handler, -VK_EIO when SIGTTIN is ignored or blocked); a write with TOSTOP,
 * a SETATTR or a SETPGRP likewise SIGTTOU (ignored or blocked: the call goes ahead); a
 * window-size change from the platform sends SIGWINCH to the foreground group. */
enum vk_con_op {
    VK_CON_GETATTR = 1,
    VK_CON_SETATTR = 2,
    VK_CON_GETPGRP = 3,
    VK_CON_SETPGRP = 4,
    VK_CON_GETWINSZ = 5,
    VK_CON_ISATTY = 6,
    VK_CON_FLUSH = 7, /* arg: 0 (TCIFLUSH) or 2 (TCIOFLUSH) discards unread input, 1 only checks:
                       * output is never queued (tcflush) */
    /* a terminal served by a process only (VFS_OP_TTY; console_ctl: -VK_EINVAL): arg, of
     * VK_TTYNAME_MAX bytes, gets its path ("/dev/hvc0") NUL-terminated, for ttyname */
    VK_CON_TTYNAME = 8,
};
#define VK_TTYNAME_MAX 32u

/* ---- terminals served by a process (terminal_create, terminal_ctl) ----
 * A process that serves a terminal (drivers/virtio-console for /dev/hvc0) runs the line
 * discipline itself, but kill's uid rule keeps it from signalling its users' processes. Its
 * terminal object holds what the kernel's console holds for itself: the session the terminal
 * is the controlling terminal of, and the foreground group. The rule: the holder of a
 * terminal object (with SIGNAL) may signal that terminal's foreground group, and only the
 * members of it that are in the terminal's session; only a process of that session binds or
 * changes the two, by a call it makes to the server: the server names that call by its reply
 * token and the kernel checks the caller, never the server. terminal_create gives any process
 * a terminal (READ | SIGNAL | DUP | TRANSFER). terminal_ctl(h, op, arg, token), token a call
 * the caller received and has not answered (else -VK_ESRCH):
 *   CLAIM    the calling process's session becomes the terminal's, its group the foreground,
 *            when the terminal has no session or no process of its session is left; -> the
 *            terminal's session id afterwards (another session's: not changed)
 *   SETPGRP  arg: a group of the calling process's session becomes the foreground (claiming
 *            first as CLAIM does); -VK_ENOTTY when the terminal is another session's, -VK_EPERM
 *            when no process of the session is in the group, -VK_EINVAL for arg 0
 *   GETPGRP  -> the foreground group, 0 when none (token not used)
 *   SIGNAL   arg: a signal number (needs SIGNAL); sent (si_code VK_SI_KERNEL) to every process
 *            of the foreground group in the terminal's session -> how many (token not used)
 *   ACCESS   arg: 21 (SIGTTIN: the caller reads) or 22 (SIGTTOU: it writes with TOSTOP, sets
 *            the attributes or the foreground group): job control, the console's rule. -> 0: go
 *            on (the caller is not of the terminal's session, or is in its foreground group, or
 *            ignores or blocks SIGTTOU); -VK_EIO: answer EIO (SIGTTIN ignored or blocked by
 *            the calling thread); -VK_EINTR: the signal went to the caller's group and a handler
 *            is to run (answer EINTR: the call was abandoned anyway); VK_TERM_HOLD: the
 *            caller's process is stopped (by this signal, or was already): hold the call and
 *            ask again later (after SIGCONT: 0 once it is in the foreground, else it is
 *            signalled again); the signal is sent only to a caller that is not stopped */
enum vk_term_op {
    VK_TERM_CLAIM = 1,
    VK_TERM_SETPGRP = 2,
    VK_TERM_GETPGRP = 3,
    VK_TERM_SIGNAL = 4,
    VK_TERM_ACCESS = 5,
};
#define VK_TERM_HOLD 1 /* ACCESS: the caller is stopped; ask again later */

#define VK_NCCS 32u
struct vk_termios { /* Linux's struct termios: flags and c_cc indices have Linux's values */
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[VK_NCCS];
    uint8_t pad[3];
    uint32_t ispeed, ospeed;
};
struct vk_winsize {
    uint16_t rows, cols, xpixel, ypixel;
};

/* ---- aux vector tags beyond the ELF ones ---- */
#define AT_VERIDIAN_KCALL 0x5600   /* address of the kernel-call page */
#define AT_VERIDIAN_SELF 0x5601    /* address of the per-thread self word; + 8: attention */
#define AT_VERIDIAN_HANDLES 0x5602 /* address of struct vk_start_handle[] */
#define AT_VERIDIAN_NHANDLES 0x5603
#define AT_VERIDIAN_PID 0x5604
#define AT_VERIDIAN_PPID 0x5605 /* the spawning process's pid (0 for a process vrsim starts) */

/* ---- layout checks: no padding, same on both kernels ---- */
_Static_assert(sizeof(struct vk_kcall_page) == 64, "vk_kcall_page");
_Static_assert(sizeof(struct vk_handle_info) == 24, "vk_handle_info");
_Static_assert(sizeof(struct vk_wait) == 24, "vk_wait");
_Static_assert(offsetof(struct vk_wait, mask) == 8, "vk_wait.mask");
_Static_assert(sizeof(struct vk_msg) == 72, "vk_msg");
_Static_assert(offsetof(struct vk_msg, data) == 8, "vk_msg.data");
_Static_assert(offsetof(struct vk_msg, handles) == 56, "vk_msg.handles");
_Static_assert(sizeof(struct vk_call) == 104, "vk_call");
_Static_assert(sizeof(struct vk_recv) == 160, "vk_recv");
_Static_assert(offsetof(struct vk_recv, handle_badges) == 128, "vk_recv.handle_badges");
_Static_assert(offsetof(struct vk_recv, kind) == 104, "vk_recv.kind");
_Static_assert(sizeof(struct vk_start_handle) == 8, "vk_start_handle");
_Static_assert(sizeof(struct vk_spawn) == 104, "vk_spawn");
_Static_assert(offsetof(struct vk_spawn, nhandles) == 56, "vk_spawn.nhandles");
_Static_assert(sizeof(struct vk_proc_info) == 56, "vk_proc_info");
_Static_assert(sizeof(struct vk_sigaction) == 24, "vk_sigaction");
_Static_assert(sizeof(struct vk_siginfo) == 40, "vk_siginfo");
_Static_assert(sizeof(struct vk_proc_ids) == 24, "vk_proc_ids");
_Static_assert(sizeof(struct vk_termios) == 60, "vk_termios");
_Static_assert(sizeof(struct vk_winsize) == 8, "vk_winsize");
_Static_assert(sizeof(struct vk_kernel_info) == 48, "vk_kernel_info");
_Static_assert(offsetof(struct vk_proc_info, fault_pc) == 24, "vk_proc_info.fault_pc");
_Static_assert(sizeof(struct vk_bar_info) == 16, "vk_bar_info");
_Static_assert(sizeof(struct vk_device_info) == 144, "vk_device_info");
_Static_assert(offsetof(struct vk_device_info, bars) == 24, "vk_device_info.bars");
_Static_assert(sizeof(struct vk_dma_map) == 32, "vk_dma_map");
_Static_assert(sizeof(struct vk_dma_info) == 32, "vk_dma_info");
_Static_assert(sizeof(struct vk_iommu_fault) == 40, "vk_iommu_fault");
_Static_assert(sizeof(struct vk_klog_record) == 128, "vk_klog_record");
_Static_assert(offsetof(struct vk_klog_record, text) == 56, "vk_klog_record.text");

#endif
