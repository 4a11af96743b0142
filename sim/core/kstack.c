/*
 * Kernel stacks of simulated threads: one mapping reserved (PROT_NONE, nothing committed) at
 * machine creation for the most threads a machine may have (machine.h: struct
 * vs_kstack_pool), VS_KSTACK_SIZE each above a guard page. A stack is made accessible the
 * first time it is handed out and pooled after its thread is reaped (last released, first
 * reused), so starting a thread within the kernel's quota does not depend on the host's mmap
 * limits, and RSS is what threads actually touched. Called by switch.c (thread init and
 * release) and machine.c (create, destroy). Never frees a stack a suspended frame still uses:
 * the kernel releases a thread's stack only after it died on it (vk_kernel_reap).
 */
#include <errno.h>
#include <sys/mman.h>

#include "sim/core/asan.h"
#include "sim/core/machine.h"

int vs_kstack_pool_init(struct vs_kstack_pool *ks)
{
    void *map = mmap(NULL, (size_t)VS_KSTACKS * VS_KSTACK_STRIDE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return -errno;
    ks->base = map;
    ks->next = ks->nfree = 0;
    return 0;
}

void vs_kstack_pool_fini(struct vs_kstack_pool *ks)
{
    if (ks->base)
        munmap(ks->base, (size_t)VS_KSTACKS * VS_KSTACK_STRIDE);
    ks->base = NULL;
}

/* The bottom of a free kernel stack, or NULL (the pool is exhausted, which the kernel's
 * thread quota prevents, or the host refused to make a new one accessible). */
void *vs_kstack_get(struct vs_kstack_pool *ks)
{
    if (ks->nfree)
        return ks->base + (size_t)ks->free[--ks->nfree] * VS_KSTACK_STRIDE + VS_PAGE;
    if (ks->next == VS_KSTACKS)
        return NULL;
    char *stack = ks->base + (size_t)ks->next * VS_KSTACK_STRIDE + VS_PAGE;
    if (mprotect(stack, VS_KSTACK_SIZE, PROT_READ | PROT_WRITE)) /* the guard stays PROT_NONE */
        return NULL;
    ks->next++;
    return stack;
}

void vs_kstack_put(struct vs_kstack_pool *ks, void *stack)
{
#ifdef VS_ASAN
    /* frames abandoned on this stack left poisoned redzones; reuse does not clear them */
    ASAN_UNPOISON_MEMORY_REGION(stack, VS_KSTACK_SIZE);
#endif
    size_t n = (size_t)((char *)stack - VS_PAGE - ks->base) / VS_KSTACK_STRIDE;
    ks->free[ks->nfree++] = (uint32_t)n;
}
