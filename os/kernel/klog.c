/*
 * The kernel log: a ring of the machine's last VK_KLOG_RECORDS events (process starts,
 * exits and crashes, and the service events a supervisor writes), read by anyone with
 * KLOG_READ and shown as /proc/kmsg by vfs and by dmesg (veridian/kcall.h "Kernel log").
 *
 * Called from process.c when a process joins the process list (vk_klog_start) and when it
 * is finalized (vk_klog_exit), and by the two kernel calls. Records are fixed-size ABI
 * structs with every byte set (no host bytes reach a guest); nothing here allocates, blocks
 * or fails: an old record is simply overwritten.
 */
#include "kernel_internal.h"

static struct vk_klog_record *klog_next(struct vk_kernel *k, uint32_t kind, uint32_t pid)
{
    uint64_t seq = k->klog_seq++;
    struct vk_klog_record *r = &k->klog[seq % VK_KLOG_RECORDS];
    vk_memset(r, 0, sizeof *r);
    r->seq = seq;
    r->time_ns = k->now;
    r->kind = kind;
    r->pid = pid;
    return r;
}

void vk_klog_start(struct vk_kernel *k, const struct vk_process *p)
{
    struct vk_klog_record *r = klog_next(k, VK_KLOG_START, p->pid);
    r->ppid = p->parent ? p->parent->pid : 0;
    vk_strlcpy(r->text, p->name, sizeof r->text);
}

void vk_klog_exit(struct vk_kernel *k, const struct vk_process *p)
{
    struct vk_klog_record *r = klog_next(k, VK_KLOG_EXIT, p->pid);
    r->ppid = p->parent ? p->parent->pid : 0;
    r->code = p->exit.exit_code;
    r->exit_kind = p->exit.exit_kind;
    r->signo = p->exit.signo;
    r->pc = p->exit.fault_pc;
    r->addr = p->exit.fault_addr;
    vk_strlcpy(r->text, p->name, sizeof r->text);
}

long vk_sys_klog_read(struct vk_kernel *k, uint64_t first_seq, uint64_t ubuf, uint64_t max)
{
    /* decode: the whole destination must be writable before anything is copied */
    if (max > VK_KLOG_RECORDS)
        max = VK_KLOG_RECORDS;
    if (max &&
        vk_uaccess_ok(k->cur->proc, ubuf, max * sizeof(struct vk_klog_record), VK_RIGHT_WRITE))
        return -VK_EFAULT;
    uint64_t end = k->klog_seq;
    uint64_t oldest = end > VK_KLOG_RECORDS ? end - VK_KLOG_RECORDS : 0;
    uint64_t from = first_seq > oldest ? first_seq : oldest;
    uint64_t n = from < end ? end - from : 0;
    if (n > max)
        n = max;
    for (uint64_t i = 0; i < n; i++) {
        const struct vk_klog_record *r = &k->klog[(from + i) % VK_KLOG_RECORDS];
        int rc = vk_copy_out(k, ubuf + i * sizeof *r, r, sizeof *r);
        if (rc)
            return rc;
    }
    return (long)n;
}

long vk_sys_klog_write(struct vk_kernel *k, uint32_t h, uint64_t utext, uint64_t len)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_RESOURCE, VK_RIGHT_SPAWN, &e);
    if (rc)
        return rc;
    char text[VK_KLOG_TEXT];
    if (len >= sizeof text)
        len = sizeof text - 1; /* cut, as a log line may be */
    if ((rc = vk_copy_in(k, text, utext, (size_t)len)))
        return rc;
    text[len] = 0;
    for (uint64_t i = 0; i < len; i++)
        if (text[i] == '\n' || text[i] == 0)
            text[i] = ' '; /* one record, one line */
    struct vk_klog_record *r = klog_next(k, VK_KLOG_SERVICE, k->cur->proc->pid);
    vk_memcpy(r->text, text, len + 1);
    return 0;
}
