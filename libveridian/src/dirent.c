/*
 * Directory streams: a DIR is a directory's fd and a buffer of records from vfs
 * (VFS_OP_READDIR: packed struct vfs_proto_dirent, data[0] = their count, 0 at the end).
 * readdir hands them out one by one, checking each (vr_dirent_next: a malformed batch is
 * EIO, never a read past the buffer). vfs keeps the position: the directory's file offset
 * is the cookie after the last record it sent, so rewinddir and seekdir are an lseek plus
 * dropping the buffer, and telldir is the cookie after the last entry handed out (d_off).
 *
 * A DIR has its own lock, so threads may share one (POSIX does not require it). The fd is
 * the caller's to keep apart: closedir closes it, and using it directly meanwhile moves the
 * position under the stream.
 */
#include "libc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define DIR_BUF 4096

struct vr_dir {
    int fd;
    struct vr_lock lock;
    size_t pos;     /* next record in buf */
    unsigned left;  /* records in buf not handed out yet */
    long last_next; /* cookie after the last entry handed out, or -1: ask vfs */
    struct dirent ent;
    _Alignas(8) unsigned char buf[DIR_BUF];
};

DIR *fdopendir(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return NULL;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->fd = fd;
    d->last_next = -1;
    return d;
}

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return d;
}

/* Refill the buffer: 1, 0 at the end, or -VK_E*. */
static long refill(DIR *d)
{
    struct vr_fd e;
    long rc = vr_fd_get(d->fd, &e);

    if (rc < 0)
        return rc;
    rc = e.ops->readdir(e.handle, d->buf, sizeof d->buf);
    if (rc <= 0)
        return rc;
    d->pos = 0;
    d->left = (unsigned)rc;
    return 1;
}

struct dirent *readdir(DIR *d)
{
    struct vr_dirent_rec rec;
    struct dirent *out = NULL;
    long rc = 1;

    vr_lock_acquire(&d->lock);
    if (!d->left)
        rc = refill(d);
    if (rc > 0) {
        rc = vr_dirent_next(d->buf, sizeof d->buf, &d->pos, &rec);
        if (rc == 0)
            rc = -VK_EIO; /* vfs counted more records than it sent */
    }
    if (rc > 0) {
        d->left--;
        d->ent.d_ino = rec.ino;
        d->ent.d_off = (off_t)rec.next;
        d->ent.d_reclen = rec.reclen;
        d->ent.d_type = rec.type;
        memcpy(d->ent.d_name, rec.name, (size_t)rec.namelen + 1);
        d->last_next = (long)rec.next;
        out = &d->ent;
    } else if (rc < 0) {
        d->left = 0;
        vr_posix(rc);
    }
    vr_lock_release(&d->lock);
    return out;
}

/* Drop the buffer and put vfs's position at loc. */
static void reposition(DIR *d, long loc)
{
    vr_lock_acquire(&d->lock);
    d->left = 0;
    d->pos = 0;
    d->last_next = lseek(d->fd, loc, SEEK_SET) < 0 ? -1 : loc;
    vr_lock_release(&d->lock);
}

void rewinddir(DIR *d)
{
    reposition(d, 0);
}

void seekdir(DIR *d, long loc)
{
    reposition(d, loc);
}

long telldir(DIR *d)
{
    vr_lock_acquire(&d->lock);
    long loc = d->last_next >= 0 ? d->last_next : lseek(d->fd, 0, SEEK_CUR);
    vr_lock_release(&d->lock);
    return loc;
}

int dirfd(DIR *d)
{
    return d->fd;
}

int closedir(DIR *d)
{
    int rc = close(d->fd);

    free(d);
    return rc;
}
