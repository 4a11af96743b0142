/*
 * vrsim's part of a simulated thread: the first member of the portable kernel's struct
 * vk_thread (os/kernel/kernel.h includes this header from the platform's include directory,
 * sim/core/plat for vrsim). The first three fields are read and written by the kcall
 * trampoline (arch.S: T_USP, T_KTOP, T_INKERNEL) and the signal handlers at fixed offsets,
 * asserted in sim/core/switch.c; then the coroutine context on the thread's host-allocated
 * kernel stack, ASan's fiber bookkeeping and the watchdog's.
 * The real x86_64 kernel provides its own (saved registers, kernel stack, FPU area).
 */
#ifndef VS_PLAT_THREAD_H
#define VS_PLAT_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct vk_plat_thread {
    /* --- read by the kcall trampoline (asm): keep first, in this order --- */
    uint64_t usp;      /* the guest's stack pointer while it is in the kernel */
    uint64_t ktop;     /* top of the kernel stack */
    uint8_t in_kernel; /* 1 while on the kernel stack (host code): faults there are the host's */
    uint8_t reserved0[7];
    /* --- */
    void *ctx_sp; /* saved stack pointer of the coroutine (vs_switch) */
    void *kstack; /* bottom of the usable kernel stack */
    size_t kstack_size;
    void *asan_fake;  /* ASan's fake stack while switched out */
    uint64_t wd_seen; /* kernel calls seen at the last watchdog tick */
    uint32_t wd_strikes;
    uint32_t reserved;
};

#endif
