/*
 * What the portable kernel needs from the platform beneath it (vrsim's sim/core today; the
 * x86_64 kernel later). The platform owns context switching, the address-space memory of
 * processes and memory objects, program loading, the console device and the host side of
 * the clock. Kernel code calls only these; it never touches the host directly.
 */
#ifndef VK_PLATFORM_H
#define VK_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

struct vk_kernel;
struct vk_thread;
struct vk_process;

/* Prepare t's kernel context so that, when first switched to, it enters user mode at
 * entry with stack pointer sp and first argument arg. */
int vk_plat_thread_init(struct vk_kernel *k, struct vk_thread *t);
void vk_plat_thread_release(struct vk_kernel *k, struct vk_thread *t);
/* Leave the current thread `from` for `to` (NULL: the platform's idle loop). Returns when
 * `from` runs again; never returns when dying is set. */
void vk_plat_switch(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying);
/* Copy between host and guest memory; a missing guest page gives -VK_EFAULT. */
int vk_plat_copy(void *dst, const void *src, size_t len);
int vk_plat_zero(void *dst, size_t len);

/* Address space of a process: its own region (image, main stack, process page). */
int vk_plat_proc_region_alloc(struct vk_kernel *k, struct vk_process *p);
void vk_plat_proc_region_free(struct vk_kernel *k, struct vk_process *p);
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
    uint64_t entry, sp; /* out */
};
int vk_plat_proc_load(struct vk_kernel *k, struct vk_process *p, struct vk_load_args *a, char *err,
                      size_t errlen);

/* Pages for memory objects: canonical arena addresses, zero-filled; size is a multiple of
 * the page size. -VK_ENOMEM when the machine's limits on memory objects (bytes, count) or
 * its address space are exhausted; the per-process limits are the kernel's (vmo.c). */
int vk_plat_pages_alloc(struct vk_kernel *k, uint64_t size, uint64_t *addr);
void vk_plat_pages_free(struct vk_kernel *k, uint64_t addr, uint64_t size);
uint64_t vk_plat_pages_in_use(struct vk_kernel *k);
int vk_plat_pages_protect(struct vk_kernel *k, uint64_t addr, uint64_t size, int writable);

/* Console device. read: bytes, 0 at EOF, -VK_EAGAIN when nothing is there yet. */
long vk_plat_console_write(struct vk_kernel *k, int err_stream, const void *buf, size_t len);
long vk_plat_console_read(struct vk_kernel *k, void *buf, size_t len);
/* Ask the platform for more console input when every thread waits (may block the host). */
void vk_plat_console_want_input(struct vk_kernel *k, int want);

/* A process exited abnormally: the platform reports it to the user. */
void vk_plat_report_exit(struct vk_kernel *k, struct vk_process *p);
/* A process exited (any way): the platform may stop the machine (e.g. the console program). */
void vk_plat_process_exited(struct vk_kernel *k, struct vk_process *p);

#endif
