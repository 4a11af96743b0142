/*
 * /proc/kmsg's text: the kernel log's records (veridian/kcall.h "Kernel log") as lines
 * "[seconds.micro] event", one per record, oldest first. Used by the vfs server when /proc
 * is opened; pure formatting, no state.
 */
#ifndef VFS_KMSG_H
#define VFS_KMSG_H

#include <stddef.h>

#include "veridian/kcall.h"

/* Formats n records into out (capacity cap, NUL-terminated); returns the length. Lines that
 * do not fit are dropped whole, the oldest first (the newest matter most). */
size_t vfs_kmsg_format(const struct vk_klog_record *recs, size_t n, char *out, size_t cap);

#endif
