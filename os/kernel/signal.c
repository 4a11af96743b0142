/*
 * Signals, process groups and sessions (veridian/kcall.h "Signals" and "process ids").
 * Work in progress: the kernel calls exist and refuse (-VK_ENOSYS) until delivery lands.
 */

#include "kernel_internal.h"

struct vk_process *vk_process_find(struct vk_kernel *k, uint32_t pid)
{
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->pid == pid)
            return p->state == VK_PROC_EXITED ? NULL : p;
    }
    return NULL;
}

void vk_signal_process(struct vk_kernel *k, struct vk_process *p, uint32_t signo, int32_t code)
{
    (void)k, (void)p, (void)signo, (void)code;
}

void vk_signal_group(struct vk_kernel *k, uint32_t pgid, uint32_t signo, int32_t code)
{
    (void)k, (void)pgid, (void)signo, (void)code;
}

long vk_sys_signal_action(struct vk_kernel *k, uint64_t signo, uint64_t uact, uint64_t uold)
{
    (void)k, (void)signo, (void)uact, (void)uold;
    return -VK_ENOSYS;
}

long vk_sys_signal_mask(struct vk_kernel *k, uint64_t how, uint64_t set, uint64_t uold)
{
    (void)k, (void)how, (void)set, (void)uold;
    return -VK_ENOSYS;
}

long vk_sys_signal_send(struct vk_kernel *k, int64_t target, uint64_t signo, uint64_t flags)
{
    (void)k, (void)target, (void)signo, (void)flags;
    return -VK_ENOSYS;
}

long vk_sys_signal_take(struct vk_kernel *k, uint64_t uinfo)
{
    (void)k, (void)uinfo;
    return 0;
}

long vk_sys_signal_pending(struct vk_kernel *k, uint64_t uout)
{
    (void)k, (void)uout;
    return -VK_ENOSYS;
}

long vk_sys_signal_wait(struct vk_kernel *k, uint64_t deadline)
{
    (void)k, (void)deadline;
    return -VK_ENOSYS;
}

long vk_sys_signal_alarm(struct vk_kernel *k, uint64_t deadline)
{
    (void)k, (void)deadline;
    return -VK_ENOSYS;
}

long vk_sys_process_ids(struct vk_kernel *k, uint64_t pid, uint64_t uout)
{
    (void)k, (void)pid, (void)uout;
    return -VK_ENOSYS;
}

long vk_sys_process_setpgid(struct vk_kernel *k, uint64_t pid, uint64_t pgid)
{
    (void)k, (void)pid, (void)pgid;
    return -VK_ENOSYS;
}

long vk_sys_process_setsid(struct vk_kernel *k)
{
    (void)k;
    return -VK_ENOSYS;
}

long vk_sys_process_setuid(struct vk_kernel *k, uint32_t h, uint64_t uid)
{
    (void)k, (void)h, (void)uid;
    return -VK_ENOSYS;
}
