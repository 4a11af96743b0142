/*
 * pipe: the byte ring behind anonymous pipes and FIFOs (VFS_PIPE_SIZE bytes).
 *
 * Semantics (POSIX, as Linux): a write of at most VFS_PIPE_BUF bytes goes in whole or not at
 * all (-VK_EAGAIN); a larger write stores what fits and returns the count (-VK_EAGAIN when
 * nothing fits); writing with no reader left is -VK_EPIPE (a 0-byte write returns 0 before
 * anything is checked, as on Linux). Reading an empty pipe
 * returns 0 (EOF) once no writer is left, else -VK_EAGAIN. Nothing here blocks: the IPC shell
 * parks the caller and retries when vfs_pipe_poll changes. Reader/writer counts are kept by
 * the ends (vfs_pipe_attach/detach); whoever owns the pipe frees it.
 */
#include "vfs_internal.h"

#include <stdlib.h>
#include <string.h>

int vfs_pipe_create(struct vfs *vfs, struct vfs_pipe **out)
{
    struct vfs_pipe *p = calloc(1, sizeof(*p));

    if (!p)
        return -VK_ENOMEM;
    p->buf = malloc(VFS_PIPE_SIZE);
    if (!p->buf) {
        free(p);
        return -VK_ENOMEM;
    }
    p->vfs = vfs;
    p->id = vfs->next_pipe_id++;
    p->mode = VFS_S_IFIFO | 0600;
    vfs->stats.pipes++;
    *out = p;
    return 0;
}

void vfs_pipe_destroy(struct vfs_pipe *p)
{
    if (!p)
        return;
    p->vfs->stats.pipes--;
    free(p->buf);
    free(p);
}

uint64_t vfs_pipe_id(const struct vfs_pipe *p)
{
    return p->id;
}

void vfs_pipe_attach(struct vfs_pipe *p, bool reader, bool writer)
{
    p->readers += reader;
    p->writers += writer;
}

void vfs_pipe_detach(struct vfs_pipe *p, bool reader, bool writer)
{
    p->readers -= reader;
    p->writers -= writer;
}

int64_t vfs_pipe_read(struct vfs_pipe *p, void *buf, size_t len)
{
    uint8_t *dst = buf;
    size_t n, first;

    if (len == 0)
        return 0;
    if (p->count == 0)
        return p->writers ? -VK_EAGAIN : 0;
    n = len < p->count ? len : p->count;
    first = VFS_PIPE_SIZE - p->head;
    if (first > n)
        first = n;
    memcpy(dst, p->buf + p->head, first);
    memcpy(dst + first, p->buf, n - first);
    p->head = (p->head + n) % VFS_PIPE_SIZE;
    p->count -= n;
    if (p->count == 0)
        p->head = 0; /* keeps small writes contiguous; not needed for correctness */
    return (int64_t)n;
}

int64_t vfs_pipe_write(struct vfs_pipe *p, const void *buf, size_t len)
{
    const uint8_t *src = buf;
    size_t space = VFS_PIPE_SIZE - p->count, n, tail, first;

    if (len == 0)
        return 0;
    if (!p->readers)
        return -VK_EPIPE;
    if (len <= VFS_PIPE_BUF && len > space)
        return -VK_EAGAIN;
    if (space == 0)
        return -VK_EAGAIN;
    n = len < space ? len : space;
    tail = (p->head + p->count) % VFS_PIPE_SIZE;
    first = VFS_PIPE_SIZE - tail;
    if (first > n)
        first = n;
    memcpy(p->buf + tail, src, first);
    memcpy(p->buf, src + first, n - first);
    p->count += n;
    return (int64_t)n;
}

uint32_t vfs_pipe_poll(const struct vfs_pipe *p, bool reader_end)
{
    uint32_t ev = 0;

    if (reader_end) {
        if (p->count)
            ev |= VFS_POLLIN;
        if (!p->writers)
            ev |= VFS_POLLHUP;
    } else {
        if (VFS_PIPE_SIZE - p->count >= VFS_PIPE_BUF)
            ev |= VFS_POLLOUT;
        if (!p->readers)
            ev |= VFS_POLLERR;
    }
    return ev;
}

size_t vfs_pipe_bytes(const struct vfs_pipe *p)
{
    return p->count;
}

size_t vfs_pipe_space(const struct vfs_pipe *p)
{
    return VFS_PIPE_SIZE - p->count;
}

uint32_t vfs_pipe_readers(const struct vfs_pipe *p)
{
    return p->readers;
}

uint32_t vfs_pipe_writers(const struct vfs_pipe *p)
{
    return p->writers;
}
