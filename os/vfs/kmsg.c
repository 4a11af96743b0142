/*
 * /proc/kmsg's text from the kernel log's records (see kmsg.h). Every field of a record is
 * bounded before use: the text is cut at its buffer's end even without a NUL, unknown kinds
 * print as such.
 */
#include "kmsg.h"

#include <stdio.h>
#include <string.h>

static const char *exit_words(uint32_t kind)
{
    switch (kind) {
    case VK_EXIT_FAULT:
        return "crashed";
    case VK_EXIT_KILLED:
        return "was killed";
    case VK_EXIT_WATCHDOG:
        return "was stopped: it spun without kernel calls";
    case VK_EXIT_SYSCALL:
        return "was stopped: a raw host system call";
    case VK_EXIT_LOAD:
        return "failed to start: its image was refused";
    case VK_EXIT_FSBASE:
        return "was stopped: it changed its FS base";
    case VK_EXIT_SIGNAL:
        return "was killed by a signal";
    default:
        return "exited";
    }
}

static int format_one(const struct vk_klog_record *r, char *out, size_t cap)
{
    char name[VK_KLOG_TEXT + 1];
    memcpy(name, r->text, VK_KLOG_TEXT);
    name[VK_KLOG_TEXT] = 0;
    unsigned long long s = r->time_ns / 1000000000ull, us = r->time_ns / 1000ull % 1000000ull;
    int n = snprintf(out, cap, "[%5llu.%06llu] ", s, us);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    int m;
    switch (r->kind) {
    case VK_KLOG_START:
        m = r->ppid ? snprintf(out + n, cap - (size_t)n, "pid %u (%s) started by pid %u\n", r->pid,
                               name, r->ppid)
                    : snprintf(out + n, cap - (size_t)n, "pid %u (%s) started\n", r->pid, name);
        break;
    case VK_KLOG_EXIT:
        if (r->exit_kind == VK_EXIT_NORMAL)
            m = snprintf(out + n, cap - (size_t)n, "pid %u (%s) exited with status %d\n", r->pid,
                         name, r->code);
        else if (r->exit_kind == VK_EXIT_FAULT)
            m = snprintf(out + n, cap - (size_t)n,
                         "pid %u (%s) crashed: signal %u at pc %#llx, address %#llx\n", r->pid,
                         name, r->signo, (unsigned long long)r->pc, (unsigned long long)r->addr);
        else if (r->exit_kind == VK_EXIT_SIGNAL || r->exit_kind == VK_EXIT_KILLED)
            m = snprintf(out + n, cap - (size_t)n, "pid %u (%s) %s (signal %u)\n", r->pid, name,
                         exit_words(r->exit_kind), r->signo);
        else
            m = snprintf(out + n, cap - (size_t)n, "pid %u (%s) %s\n", r->pid, name,
                         exit_words(r->exit_kind));
        break;
    case VK_KLOG_SERVICE:
        m = snprintf(out + n, cap - (size_t)n, "%s\n", name);
        break;
    default:
        m = snprintf(out + n, cap - (size_t)n, "pid %u: event %u\n", r->pid, r->kind);
    }
    if (m < 0 || (size_t)m >= cap - (size_t)n)
        return -1;
    return n + m;
}

size_t vfs_kmsg_format(const struct vk_klog_record *recs, size_t n, char *out, size_t cap)
{
    if (!cap)
        return 0;
    out[0] = 0;
    /* the newest lines that fit: measure from the end, then write oldest first */
    char line[256];
    size_t first = n, total = 0;
    while (first > 0) {
        int l = format_one(&recs[first - 1], line, sizeof line);
        if (l < 0 || total + (size_t)l + 1 > cap)
            break;
        total += (size_t)l;
        first--;
    }
    size_t off = 0;
    for (size_t i = first; i < n; i++) {
        int l = format_one(&recs[i], out + off, cap - off);
        if (l < 0)
            break;
        off += (size_t)l;
    }
    return off;
}
