/*
 * A simulated machine: the kernel, the arena that holds all guest memory, the trace, the
 * console backend, and the idle loop that runs simulated threads as coroutines.
 *
 * All state of one machine hangs off struct vk_machine; several machines can live in one
 * vrsim (each gets its own arena, at a base derived from its index). The only per-host
 * state is in trap.c (signal handlers, seccomp, the alternate signal stack, the TSC and
 * CPUID traps), which all machines share, and vs_cur, the running simulated thread.
 */
#ifndef VS_MACHINE_H
#define VS_MACHINE_H

#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#include "os/kernel/kernel.h"
#include "sim/core/extent.h"
#include "sim/core/machfile.h"
#include "sim/trace/trace.h"

#define VS_ARENA_BASE 0x200000000000ull
#define VS_ARENA_STRIDE (1ull << 40) /* one TiB per machine */
#define VS_ARENA_MAX_MACHINES 16u
#define VS_PAGE 4096ull
#define VS_SLOT_SIZE (64ull << 20)
#define VS_SLOTS 1024u
#define VS_SLOT_REGION (VS_SLOT_SIZE) /* slot 0 of the region is the vDSO area */
#define VS_USTACK_SIZE (256ull << 10)
#define VS_KSTACK_SIZE (64ull << 10)
#define VS_VMO_REGION_OFF ((uint64_t)VS_SLOTS * VS_SLOT_SIZE + VS_SLOT_SIZE)
#define VS_MEMORY_QUOTA (2ull << 30) /* memory objects of one machine, in bytes */
/* Live memory objects of one machine: each costs the host two mappings (the object and the
 * guard page after it split the reserved range), and a host process has ~65530 in all. */
#define VS_MEMORY_OBJECTS_MAX 16384u
#define VS_RECYCLE_ZERO_MAX (256ull << 10) /* freed objects up to this are cleared by hand */

struct vs_arena {
    uint64_t base, size;
    uint32_t *free_slots; /* LIFO of free slot numbers */
    uint32_t nfree_slots, next_slot;
    uint64_t slot_span[VS_SLOTS]; /* image bytes in use per slot, to clear on release */
    struct vs_extents vmo_space;  /* the memory-object region: objects + their guard pages */
    uint64_t pages_in_use;        /* bytes of live memory objects (guard pages not counted) */
    uint32_t objects_live;
    uint64_t quota; /* bytes of memory objects allowed: the machine's memory */
};

/* Kernel stacks: one mapping reserved (PROT_NONE, nothing committed) at machine creation for
 * the most threads a machine may have, VS_KSTACK_SIZE each above a guard page. A stack is
 * made accessible the first time it is handed out and is pooled after its thread is reaped
 * (last-released-first), so starting a thread within the kernel's quota does not depend on
 * the host's mmap limits, and RSS is what threads actually touched. */
#define VS_KSTACKS VK_MACHINE_THREADS_MAX
#define VS_KSTACK_STRIDE (VS_KSTACK_SIZE + VS_PAGE)

struct vs_kstack_pool {
    char *base;    /* VS_KSTACKS strides: [guard page][stack] */
    uint32_t next; /* stacks [0, next) have been made accessible */
    uint32_t nfree;
    uint32_t free[VS_KSTACKS]; /* released stack numbers, last released on top */
};

enum vs_pace { VS_PACE_FREE, VS_PACE_WALL };

#define VS_SLICE_DEFAULT_NS 1000000ull /* 1 ms of virtual time: 10000 kernel calls at 100 ns */
#define VS_SLICE_NEVER UINT64_MAX
/* vs_console_wait's `until` for a look without waiting (a time slice ended: switch.c) */
#define VS_INPUT_POLL 0ull

struct vs_options {
    uint64_t seed;
    uint32_t chaos; /* 0 off, else 1/chaos preemption chance per kernel call */
    enum vs_pace pace;
    uint32_t watchdog_ms;
    uint32_t machine_index;
    uint64_t kcall_cost_ns;
    uint64_t max_kcalls; /* --max-kcalls: the machine stops after this many (0: no limit) */
    uint64_t slice_ns;   /* --slice: a thread's time slice in virtual ns (0: the default,
                            VS_SLICE_NEVER: no time slicing) */
    int keep_trace;      /* keep every event for --trace */
    int hash_bootfs;     /* hash the boot image as it is read (bootfs_hash; record/replay) */
    int quiet;
    int terminal; /* the console is a terminal (vrsim: stdin is one, or --tty) */
    const struct vs_machine_desc *desc; /* the machine file's hardware; NULL: the default */
    const char *qemu;       /* --backend qemu: the QEMU binary (sim/qtest); NULL: vrsim's models */
    const char *qemu_fault; /* --qemu-fault: armed in veridian-testdev at start (or NULL) */
};

struct vs_hw;

struct vs_console {
    int in_fd, out_fd, err_fd;
    int tty;        /* the console is a terminal: the kernel's line discipline runs */
    int raw_active; /* the host terminal is in raw mode (restored at close and on signals) */
    int eof;
    int escape_pending;                /* Ctrl-A seen, the next byte says what to do */
    int err_midline;                   /* guests left stderr without a final newline */
    int out_midline;                   /* guests left stdout without a final newline */
    char prefix[VS_MACH_NAME_MAX + 4]; /* "[b] " before each line of a node but the first */
    struct termios saved_termios;      /* the terminal's settings before raw mode */
    char *buf;
    size_t len, cap;
    uint32_t want;
    uint64_t wall_start_ns;
};

struct vk_machine {
    struct vk_kernel k;
    struct vs_options opt;
    uint64_t kcall_cost_ns; /* virtual time per kernel call (opt's, or the default 100) */
    uint64_t slice_ns;      /* a thread's time slice (opt's, or VS_SLICE_DEFAULT_NS) */
    struct vs_trace trace;
    struct vs_arena arena;
    struct vs_console con;
    struct vs_kstack_pool kstacks;
    void *idle_sp;
    void *idle_fake;
    const void *idle_stack;
    size_t idle_stack_size;
    /* boot image and the program on the console */
    struct vk_vmo *bootfs;
    size_t bootfs_len;
    uint64_t bootfs_hash; /* vs_hash_image of it, when opt.hash_bootfs */
    struct vk_resource *spawner;
    struct vk_process *console_proc;
    int console_exit_status;
    int console_done;
    int stop;
    int shutting_down;
    /* Multi-node lockstep (sim/core/nodes.c): no kernel call starts that would take virtual
     * time past horizon (the thread is stopped there, runnable, and at_horizon set); the idle
     * loop fires no timer beyond it. VK_DEADLINE_NEVER: no bound (one machine). */
    uint64_t horizon;
    int at_horizon;
    struct vs_machine_desc desc; /* memory and PCI slots (from --machine, or the default) */
    struct vs_hw *hw;            /* the PCI bus, IOMMU and models built from desc (hw.h) */
    /* Stop points for the inspector and the debugger (sim/inspect, sim/gdb), NULL: none.
     * on_crash: a guest thread faulted (t->fault says how), called on its kernel stack before
     * its process ends. on_stop: the run is about to shut down, everything still alive.
     * Hooks only read the machine: they never change what the run does. */
    void (*on_crash)(struct vk_machine *m, struct vk_thread *t);
    void (*on_stop)(struct vk_machine *m);
    struct vs_inspect_cfg *inspect;
    /* The debugger's trap hook (sim/gdb), called from the host's fault handler for a signal
     * taken in guest code or in the trampoline before it entered the kernel, uc the
     * ucontext_t: 1 when it was the debugger's (resume uc), 0 to handle it as usual. */
    int (*on_trap)(struct vk_machine *m, struct vk_thread *t, int sig, void *uc);
    /* A guest thread is about to run its first instruction (on its kernel stack). */
    void (*on_thread_start)(struct vk_machine *m, struct vk_thread *t);
    struct vs_gdb *gdb;
    /* Recording and replay (sim/replay): input_wait replaces vs_console_wait in the idle loop
     * when set; on_until is called at the first kernel call's entry where the trace holds
     * until_events events or that would end after until_ns (then the hook is cleared). */
    int (*input_wait)(struct vk_machine *m, uint64_t until);
    /* the recorder's view of input as it enters (vs_input_fed, vs_input_resized); notify -1:
     * a stop asked from the terminal (Ctrl-A x) */
    void (*on_feed)(struct vk_machine *m, const char *b, size_t n, int notify);
    void (*on_resize)(struct vk_machine *m, const struct vk_winsize *ws);
    struct vs_replay *replay;
    void (*on_until)(struct vk_machine *m);
    uint64_t until_events, until_ns;
};

#define VS_HIDDEN __attribute__((visibility("hidden")))

/* The simulated thread running now (read by the kcall trampoline and the signal handlers,
 * which must not reach it through %fs: a guest can change the FS base). One host thread
 * runs guests. */
extern VS_HIDDEN struct vk_thread *vs_cur;

/* Once per host process: signal handlers, alt stack, seccomp filter for guest syscalls. */
int vs_host_init(FILE *err);
/* Start/stop the CPU-time watchdog for the calling host thread. */
int vs_watchdog_start(uint32_t budget_ms);
void vs_watchdog_stop(void);
/* What cpuid answers in a guest: vrsim's fixed CPU model (trap.c; README). */
void vs_cpu_model(uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* Host-state probes for the fault-survival tests: blocked signals, alt stack. */
int vs_host_signal_state_ok(char *why, size_t len);

int vs_machine_create(struct vk_machine **out, const struct vs_options *opt);
void vs_machine_destroy(struct vk_machine *m);
/* Load a boot image (bootfs file) into a read-only memory object. */
int vs_machine_load_bootfs(struct vk_machine *m, const char *path, char *err, size_t errlen);
/* The same with host files laid over the image (replaced or added; a multi-node machine
 * file's files = {...}): the image is rebuilt in memory, the file on disk is not touched. */
int vs_machine_load_bootfs_overlay(struct vk_machine *m, const char *path,
                                   const struct vs_node_file *files, uint32_t nfiles, char *err,
                                   size_t errlen);
/* Spawn a program from the boot image as a child of the machine, with the console, the
 * boot image and a spawn right. If console is set, its exit stops the machine. */
int vs_machine_spawn(struct vk_machine *m, const char *path, const char *const *argv, size_t argc,
                     int console, struct vk_process **out, char *err, size_t errlen);
/* Run until the console program exits (then shut down) or nothing can run any more. */
int vs_machine_run(struct vk_machine *m);
/* Run up to virtual time horizon (VK_DEADLINE_NEVER: to the end) and say why it returned:
 * DONE the machine has shut down (every process gone); IDLE every thread waits and nothing is
 * due up to the horizon (virtual time is then the horizon); HORIZON a thread is runnable but
 * its next kernel call would pass the horizon. The host's watchdog is the caller's. */
enum { VS_RUN_HORIZON, VS_RUN_IDLE, VS_RUN_DONE };
int vs_machine_run_until(struct vk_machine *m, uint64_t horizon);
/* vrsim's exit status for the machine: its console program's, 1 if it never ended. */
int vs_machine_exit_status(const struct vk_machine *m);
/* Stop the machine from inside a kernel call (a budget ran out): every process is killed, the
 * current thread ends on its way out of the call, and the idle loop shuts down. */
void vs_machine_stop_now(struct vk_machine *m, const char *why);
/* The running thread's time slice ended at a kernel call (switch.c): a terminal's keys are
 * looked at (^C, Ctrl-A x reach a machine whose programs never block), then the thread leaves
 * the CPU to another runnable one, or to the idle loop when a stop was asked. */
void vs_machine_slice_over(struct vk_machine *m);
uint64_t vs_machine_digest(const struct vk_machine *m);
/* Guest-addressable scratch memory of a kernel-thread process (its unused main stack). */
uint64_t vs_proc_scratch(const struct vk_process *p, size_t *len);

/* Console backend (sim/backends/console.c). terminal: the console is a terminal (the host's
 * stdin goes into raw mode when it is one; the window size comes from it). */
int vs_console_open(struct vs_console *c, int terminal);
/* The window size of the host terminal (80x24 when there is none). */
void vs_console_winsize(const struct vs_console *c, struct vk_winsize *ws);
void vs_console_close(struct vs_console *c);
/* Put the host terminal back as it was before the run (vrsim's own last words are then
 * printed as on any terminal); the console takes no more input from it. */
void vs_console_release_host(struct vs_console *c);
/* Block the host until console input arrives or the wall clock passes virtual time
 * `until` (VK_DEADLINE_NEVER: no timer). Returns 1 if input arrived, 0 otherwise. With until
 * VS_INPUT_POLL it only looks, and only at a terminal (a pipe's input waits for the idle
 * loop: how the host times a pipe must never show in a run). */
int vs_console_wait(struct vk_machine *m, uint64_t until);
uint64_t vs_wall_elapsed_ns(const struct vs_console *c);
/* Host monotonic time in ns: for reports about the host (vrsim --stats), never for the
 * simulation. */
uint64_t vs_host_ns(void);

/* Console input entering the simulation (the console backend's console_feed, or a replay):
 * n bytes (n 0: the end of input), the kernel told when notify. Traces it (a console event of
 * pid 0: a[0] 0, a[1] n, a[2] the bytes' FNV-1a, a[3] end of input, a[4] notify) and tells the
 * recorder. A window-size change likewise (not traced: its SIGWINCH is). machine.c. */
void vs_input_fed(struct vk_machine *m, const char *b, size_t n, int notify);
void vs_input_resized(struct vk_machine *m, const struct vk_winsize *ws);

/* Kernel-stack pool (kstack.c): 0 or -errno; get returns a stack's bottom or NULL. */
int vs_kstack_pool_init(struct vs_kstack_pool *ks);
void vs_kstack_pool_fini(struct vs_kstack_pool *ks);
void *vs_kstack_get(struct vs_kstack_pool *ks);
void vs_kstack_put(struct vs_kstack_pool *ks, void *stack);

/* How a process ended, in vrsim's words (machine.c): "killed by SIGSEGV at pc ...". */
const char *vs_exit_describe(const struct vk_proc_info *e, char *buf, size_t len);

/* Arena (arena.c). */
int vs_arena_init(struct vs_arena *a, uint32_t index, char *err, size_t errlen);
void vs_arena_fini(struct vs_arena *a);
uint64_t vs_arena_vdso(const struct vs_arena *a);

#endif
