/*
 * Guest memory as the kernel reaches it on vrsim (platform.h): copies in, out and between
 * processes, the write probe, mapping memory objects, and the kernel's view of an object's
 * bytes.
 *
 * All guest memory of a machine is in its arena at fixed host addresses, and every process
 * sees a memory object at the same address (its canonical one), so a (process, address) pair
 * is the host address itself: the process only matters to a platform with address spaces.
 * The kernel range-checks every access first (vk_uaccess_ok); what a range check cannot see
 * (an unmapped hole or a read-only page inside a process's region) faults inside
 * vs_copy_user (arch.S), which trap.c turns into -VK_EFAULT. Never dereferences a guest
 * address any other way.
 */
#include "os/kernel/platform.h"
#include "sim/core/machine.h"

long vs_copy_user(void *dst, const void *src, size_t n);
long vs_probe_user(void *addr);

static inline void *host(uint64_t uaddr)
{
    return (void *)(uintptr_t)uaddr;
}

int vk_plat_copy_in(struct vk_kernel *k, struct vk_process *p, void *dst, uint64_t uaddr,
                    size_t len)
{
    (void)k, (void)p;
    return len ? (int)vs_copy_user(dst, host(uaddr), len) : 0;
}

int vk_plat_copy_out(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, const void *src,
                     size_t len)
{
    (void)k, (void)p;
    return len ? (int)vs_copy_user(host(uaddr), src, len) : 0;
}

int vk_plat_copy_between(struct vk_kernel *k, struct vk_process *dp, uint64_t daddr,
                         struct vk_process *sp, uint64_t saddr, size_t len)
{
    (void)k, (void)dp, (void)sp;
    return len ? (int)vs_copy_user(host(daddr), host(saddr), len) : 0;
}

int vk_plat_probe_write(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, uint64_t len)
{
    (void)k, (void)p;
    /* write a byte of every page with its own value: faults like a write, changes nothing */
    uint64_t a = uaddr, last = uaddr + len - 1;
    for (;;) {
        if (vs_probe_user(host(a)))
            return -VK_EFAULT;
        if (a >> 12 == last >> 12)
            return 0;
        a = (a | 4095) + 1;
    }
}

int vk_plat_map(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint32_t prot,
                uint64_t *uaddr)
{
    (void)k, (void)p, (void)prot; /* the kernel's mapping list is the enforcement */
    *uaddr = v->addr;
    return 0;
}

void vk_plat_unmap(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint64_t uaddr)
{
    (void)k, (void)p, (void)v, (void)uaddr;
}

const void *vk_plat_vmo_bytes(struct vk_kernel *k, struct vk_vmo *v, uint64_t off, uint64_t len)
{
    (void)k;
    if (off > v->size || len > v->size - off)
        return NULL;
    return host(v->addr + off);
}
