/*
 * The kernel's trace record: what the kernel tells its platform about every kernel call,
 * IPC step, process and thread event, scheduling decision, timer, console write and mark.
 *
 * The kernel builds one struct vk_trace_event per event, stamped with virtual time, and
 * hands it to vk_plat_trace_emit (platform.h); strings (process names, console text, mark
 * labels) are first interned with vk_plat_trace_intern and travel as their id. What the
 * platform does with them is its business: vrsim folds them into the run's digest, a ring
 * and the JSON export (sim/trace), a real kernel may keep a ring or drop them. Values must be
 * deterministic: object ids, pids, tids and guest addresses, never host pointers.
 */
#ifndef VK_KTRACE_H
#define VK_KTRACE_H

#include <stdint.h>

enum vk_trace_kind {
    VK_TR_KCALL = 1, /* a[0] = call number, a[1..3] = arguments, a[4] = result */
    VK_TR_IPC_SEND,
    VK_TR_IPC_RECV,
    VK_TR_IPC_REPLY,
    VK_TR_NOTIFY,
    VK_TR_PROC_SPAWN, /* pid = the new process, str = its name */
    VK_TR_PROC_EXIT,
    VK_TR_THREAD_CREATE,
    VK_TR_THREAD_EXIT,
    VK_TR_SCHED,
    VK_TR_TIMER,
    VK_TR_CONSOLE,
    VK_TR_MARK, /* str = the label */
    /* devices (device.c): a[0] = bdf of the function in each */
    VK_TR_CFG_READ,   /* a[1] = offset, a[2] = size, a[3] = value, a[4] = result */
    VK_TR_CFG_WRITE,  /* likewise */
    VK_TR_MMIO_READ,  /* a[1] = bar, a[2] = offset, a[3] = size, a[4] = value; for these four */
    VK_TR_MMIO_WRITE, /* a failed access has a[3] = size | (uint64_t)-result << 32 */
    VK_TR_PIO_READ,   /* an access to an I/O BAR */
    VK_TR_PIO_WRITE,
    VK_TR_DMA,         /* a device's transfer: a[1] = iova, a[2] = len, a[3] = access (1 the
                          device read memory, 2 it wrote), a[4] = result */
    VK_TR_DMA_MAP,     /* a[1] = iova, a[2] = len, a[3] = perm, a[4] = memory object id */
    VK_TR_DMA_UNMAP,   /* a[1] = iova, a[2] = len, a[3] = bytes unmapped */
    VK_TR_IRQ,         /* a[1] = vector, a[2] = notification id (0: spurious), a[3] = bits */
    VK_TR_IOMMU_FAULT, /* a[1] = iova, a[2] = len, a[3] = access, a[4] = reason */
    /* signals (signal.c): pid/tid = the sender (the kernel's own: the current thread) */
    VK_TR_SIGNAL,      /* a[0] = target pid, a[1] = signo, a[2] = si_code, a[3] = target tid
                          (0: the process), a[4] = enum vk_sig_outcome */
    VK_TR_SIGNAL_TAKE, /* a[0] = signo, a[1] = handler, a[2] = si_code, a[3] = mask after */
    VK_TR_KIND_COUNT
};

/* What a sent signal did at once (VK_TR_SIGNAL's a[4]). */
enum vk_sig_outcome {
    VK_SIGO_PENDING = 0,   /* queued for a handler (or blocked) */
    VK_SIGO_IGNORED = 1,   /* discarded: ignored, or already pending */
    VK_SIGO_TERMINATE = 2, /* the default action ended the process */
    VK_SIGO_STOP = 3,
    VK_SIGO_CONTINUE = 4,
    VK_SIGO_CHECK = 5, /* signo 0 */
};

/* 64 bytes. str is an id from vk_plat_trace_intern, or 0 for none. kind 0 is reserved. */
struct vk_trace_event {
    uint64_t time; /* virtual ns */
    uint32_t kind; /* enum vk_trace_kind */
    uint32_t pid;
    uint32_t tid;
    uint32_t str;
    uint64_t a[5];
};

_Static_assert(sizeof(struct vk_trace_event) == 64, "trace events are 64 bytes");

#endif
