/*
 * The port contract: everything the portable kernel (os/kernel) needs from the platform
 * beneath it, and nothing else. vrsim implements it in sim/core (threads are coroutines in
 * one host process, guest memory is one arena); the x86_64 kernel will implement it with
 * page tables and ring 3; tests/unit/kernel has a small fake. Kernel code reaches the
 * machine only through these functions; it never includes a platform's headers but one:
 *
 *   vk_plat_thread.h, from the platform's include directory (the only platform directory on
 *   the kernel's include path), defines struct vk_plat_thread: the platform's part of a
 *   thread (saved context, kernel stack...). It is the first member of struct vk_thread, so
 *   a platform's assembly may find its own fields at fixed offsets (and asserts them).
 *
 * The kernel is freestanding: besides these functions the platform links memcpy, memset,
 * memmove and memcmp (the compiler may emit calls to them). The kernel does not use a C
 * library, host headers beyond the compiler's freestanding ones, or host pointers into guest
 * memory.
 *
 * Guest memory is named by process and address, never by a host pointer: every access to a
 * process's memory is one of the copies below, made after the kernel's own range check
 * (vk_uaccess_ok against the process's region and mappings); the platform turns a fault on
 * a page that is not there (a hole, a protection) into -VK_EFAULT. Guest addresses that the
 * kernel traces or keys on (futexes: (memory object id, offset) or (process id, address))
 * come from the kernel's own bookkeeping, so they are the same on every platform.
 *
 * Groups: threads and switching; guest memory (copies, probes, regions, maps, memory-object
 * pages); program loading; kernel-call entry (time and preemption); trace; console; reports;
 * allocation and panic. Errors are -VK_E* (veridian/errors.h).
 */
#ifndef VK_PLATFORM_H
#define VK_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct vk_kernel;
struct vk_thread;
struct vk_process;
struct vk_vmo;
struct vk_trace_event;
struct vk_device_info;

/* ---- threads ---- */
/* Prepare t's kernel context so that, when first switched to, it enters user mode at
 * t->entry with stack pointer t->entry_sp and first argument t->entry_arg (or runs the
 * kernel function t->kfn(t->karg) on its kernel stack, then vk_thread_exit_current). */
int vk_plat_thread_init(struct vk_kernel *k, struct vk_thread *t);
void vk_plat_thread_release(struct vk_kernel *k, struct vk_thread *t);
/* Leave the current thread `from` for `to` (NULL: the platform's idle loop). Returns when
 * `from` runs again; never returns when dying is set. On the way the platform makes `to`'s
 * self value (to->self_value) visible in its process page (to->proc->self_addr). */
void vk_plat_switch(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying);

/* ---- guest memory, by process and address ---- */
/* Copy len bytes from p's uaddr into kernel memory dst, or from src to p's uaddr. */
int vk_plat_copy_in(struct vk_kernel *k, struct vk_process *p, void *dst, uint64_t uaddr,
                    size_t len);
int vk_plat_copy_out(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, const void *src,
                     size_t len);
/* Copy len bytes from sp's saddr to dp's daddr (msg_read/msg_write: one copy, no bounce). */
int vk_plat_copy_between(struct vk_kernel *k, struct vk_process *dp, uint64_t daddr,
                         struct vk_process *sp, uint64_t saddr, size_t len);
/* 0 if every page of [uaddr, uaddr + len) (len > 0) of p is writable now; changes no byte. */
int vk_plat_probe_write(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, uint64_t len);

/* Address space of a process: its own region (image, main stack, process page); sets
 * p->base, p->limit, p->self_addr. */
int vk_plat_proc_region_alloc(struct vk_kernel *k, struct vk_process *p);
void vk_plat_proc_region_free(struct vk_kernel *k, struct vk_process *p);

/* Map memory object v into p with prot (VK_RIGHT_READ | VK_RIGHT_WRITE): 0 and the address
 * it has in p in *uaddr. Unmap undoes it. The kernel keeps the mapping list (its checks and
 * futex keys use it); the platform makes the pages appear. */
int vk_plat_map(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint32_t prot,
                uint64_t *uaddr);
void vk_plat_unmap(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint64_t uaddr);

/* Pages for memory objects, zero-filled; size is a multiple of the page size; *addr names
 * them for the platform (and is the object's address where the platform maps objects at one
 * address in every process, as vrsim does). -VK_ENOMEM when the machine's limits on memory
 * objects (bytes, count) or its address space are exhausted; the per-process limits are the
 * kernel's (vmo.c). */
int vk_plat_pages_alloc(struct vk_kernel *k, uint64_t size, uint64_t *addr);
void vk_plat_pages_free(struct vk_kernel *k, uint64_t addr, uint64_t size);
uint64_t vk_plat_pages_in_use(struct vk_kernel *k);
int vk_plat_pages_protect(struct vk_kernel *k, uint64_t addr, uint64_t size, int writable);
/* The bytes [off, off + len) of memory object v, readable by the kernel (spawn reads an
 * image out of a memory object), or NULL when out of range. */
const void *vk_plat_vmo_bytes(struct vk_kernel *k, struct vk_vmo *v, uint64_t off, uint64_t len);

/* ---- program loading ---- */
/* Load an ELF image into p's region and build the initial stack; fills entry/sp. */
struct vk_load_args {
    const void *image;
    size_t len;
    const char *const *argv;
    size_t argc;
    const char *const *envp;
    size_t envc;
    const void *handles; /* struct vk_start_handle[] for the child's aux vector */
    size_t nhandles;
    uint64_t ppid;      /* the parent's pid (AT_VERIDIAN_PPID), 0 without a parent */
    uint64_t entry, sp; /* out */
};
int vk_plat_proc_load(struct vk_kernel *k, struct vk_process *p, struct vk_load_args *a, char *err,
                      size_t errlen);

/* ---- kernel-call entry ---- */
/* First thing in every kernel call (vk_dispatch), for the current thread t: the platform
 * charges its virtual time (vk_kernel_charge, which fires due timers) and may preempt
 * (vk_preempt_chance: vrsim's --chaos). May switch threads; returns on t. */
void vk_plat_kcall_enter(struct vk_kernel *k, struct vk_thread *t);

/* ---- trace ---- */
/* One event (ktrace.h). Must not fail or block; called on the IPC fast path. */
void vk_plat_trace_emit(struct vk_kernel *k, const struct vk_trace_event *e);
/* The id of len bytes as a trace string (the same bytes, the same id), or 0 when the
 * platform's string table is full (trace_mark then fails with -VK_ENOMEM). */
uint32_t vk_plat_trace_intern(struct vk_kernel *k, const char *s, size_t len);

/* ---- console device ----
 * read: bytes, 0 at EOF, -VK_EAGAIN when nothing is there yet. A byte stream (pipes) may hand
 * input over in whatever pieces it likes (vrsim: whole lines). A platform whose console is a
 * terminal says so with vk_console_attach_terminal (kernel.h) before anything runs; read
 * then gives the bytes as typed (the kernel's line discipline cooks them), and the kernel
 * keeps the console object's READABLE signal itself. Either way the platform calls
 * vk_console_input (kernel.h) when new input (or its end) is there, and vk_console_resize
 * when a terminal's window changes: at a virtual time of its choosing (its idle loop), never
 * from a host signal handler, so that a recording of those calls replays the run. */
long vk_plat_console_write(struct vk_kernel *k, int err_stream, const void *buf, size_t len);
long vk_plat_console_read(struct vk_kernel *k, void *buf, size_t len);
/* Ask the platform for more console input when every thread waits (may block the host). */
void vk_plat_console_want_input(struct vk_kernel *k, int want);

/* ---- devices (PCI functions behind the platform's IOMMU) ----
 * bdf = bus << 8 | devfn. The kernel validates handles, rights, sizes, alignment and ranges
 * against what vk_plat_pci_info reported before it calls any of these; the platform still
 * fails (never asserts) on anything else. Models run in virtual time: the platform brings
 * them to k->now before an access and arms its own timers (vk_kernel_timer_add) for what
 * they do later; what they do reaches the kernel through the vk_device_* entry points in
 * kernel.h (interrupts, DMA transfers, IOMMU faults). */
/* 0 and info (IDs, class, BARs, interrupt capabilities; counters left 0) for a present
 * function, -VK_ENOENT for an absent one. */
int vk_plat_pci_info(struct vk_kernel *k, uint32_t bdf, struct vk_device_info *info);
/* Configuration space: an absent function reads all-ones and ignores writes (0 either way). */
int vk_plat_pci_config_read(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                            uint32_t *val);
int vk_plat_pci_config_write(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                             uint32_t val);
/* BAR accesses (memory or I/O): 0, or a negative errno with *val all-ones. */
int vk_plat_pci_bar_read(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                         uint32_t size, uint64_t *val);
int vk_plat_pci_bar_write(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                          uint32_t size, uint64_t val);
/* Function-level reset of the device model (its pending work is dropped, not completed). */
int vk_plat_pci_reset(struct vk_kernel *k, uint32_t bdf);
/* The function's IOMMU domain: map [iova, iova + len) to the memory object pages at addr
 * (vk_vmo.addr + offset) with perm (VK_DMA_READ | VK_DMA_WRITE), unmap a range. Arguments
 * are checked by the kernel (page aligned, inside the object, no overlap): map fails only
 * with -VK_ENOMEM (the platform's tables), leaving nothing mapped. */
int vk_plat_dma_map(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                    uint32_t perm);
void vk_plat_dma_unmap(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len);

/* ---- reports ---- */
/* A process crashed (p->exit says how, in the platform's terms: signal numbers, trap
 * causes): the platform reports it to the user in its own words. */
void vk_plat_report_exit(struct vk_kernel *k, struct vk_process *p);
/* A process exited (any way): the platform may stop the machine (e.g. the console program). */
void vk_plat_process_exited(struct vk_kernel *k, struct vk_process *p);

/* ---- kernel memory and panic ---- */
/* Zeroed memory / resize / release, with calloc's, realloc's and free's meaning. Kernel
 * objects and tables only; never guest memory. */
void *vk_plat_alloc(size_t size);
void *vk_plat_realloc(void *ptr, size_t size);
void vk_plat_free(void *ptr);
/* One of the kernel's own invariants is broken: stop the machine. */
_Noreturn void vk_plat_panic(const char *why);

#endif
