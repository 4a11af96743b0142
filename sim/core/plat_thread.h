/*
 * vrsim's part of a simulated thread, embedded in the portable kernel's struct vk_thread
 * (os/kernel/kernel.h includes this through VK_PLATFORM_THREAD_H): the coroutine context on
 * the thread's host-allocated kernel stack, ASan's fiber bookkeeping and the watchdog's.
 * The real x86_64 kernel will provide its own (saved registers, kernel stack, FPU area).
 */
#ifndef VS_PLAT_THREAD_H
#define VS_PLAT_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct vk_plat_thread {
    void *ctx_sp; /* saved stack pointer of the coroutine (vs_switch) */
    void *kstack; /* bottom of the usable kernel stack */
    size_t kstack_size;
    void *asan_fake;  /* ASan's fake stack while switched out */
    uint64_t wd_seen; /* kernel calls seen at the last watchdog tick */
    uint32_t wd_strikes;
    uint32_t reserved;
};

#endif
