/*
 * Vectored I/O: readv, writev, preadv, pwritev. A vector moves in one read or write of the
 * fd's kind, gathered into (or scattered from) one buffer, so a writev of at most PIPE_BUF
 * bytes to a pipe is atomic like a write, and a vector costs one vfs call, not one per
 * element. Small vectors use a stack buffer; a large one that cannot get a heap buffer falls
 * back to one call per element (still correct, no longer atomic), stopping at the first
 * short count. The arithmetic (totals, EINVAL limits, scatter) is filecore.c's.
 */
#include "libc.h"

#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core.h"

_Static_assert(sizeof(struct iovec) == sizeof(struct vr_iovec) &&
                   offsetof(struct iovec, iov_len) == offsetof(struct vr_iovec, len),
               "struct iovec layout");

#define STACK_BYTES 512

/* One transfer on fd's kind: off < 0 means the file offset (read/write). */
static long xfer(const struct vr_fd *e, int writing, void *buf, size_t n, off_t off)
{
    if (writing)
        return off < 0 ? e->ops->write(e->handle, buf, n) : e->ops->pwrite(e->handle, buf, n, off);
    return off < 0 ? e->ops->read(e->handle, buf, n) : e->ops->pread(e->handle, buf, n, off);
}

static long vec_io(int fd, const struct iovec *iov, int n, off_t off, int writing)
{
    const struct vr_iovec *v = (const struct vr_iovec *)iov;
    unsigned char stack[STACK_BYTES];
    struct vr_fd e;
    size_t total;
    long rc;

    if ((rc = vr_fd_get(fd, &e)) < 0 || (rc = vr_iov_total(v, n, &total)) < 0)
        return rc;
    if (n == 1)
        return xfer(&e, writing, v[0].base, v[0].len, off);
    unsigned char *buf = total <= sizeof stack ? stack : malloc(total);
    if (!buf) {
        size_t done = 0;
        for (int i = 0; i < n; i++) {
            rc = xfer(&e, writing, v[i].base, v[i].len, off < 0 ? off : off + (off_t)done);
            if (rc < 0)
                return done ? (long)done : rc;
            done += (size_t)rc;
            if ((size_t)rc < v[i].len)
                break;
        }
        return (long)done;
    }
    if (writing)
        vr_iov_gather(v, n, buf);
    rc = xfer(&e, writing, buf, total, off);
    if (!writing && rc > 0)
        vr_iov_scatter(v, n, buf, (size_t)rc);
    if (buf != stack)
        free(buf);
    return rc;
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
    return vr_posix(vec_io(fd, iov, n, -1, 0));
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    return vr_posix(vec_io(fd, iov, n, -1, 1));
}

ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
    if (off < 0)
        return vr_posix(-VK_EINVAL);
    return vr_posix(vec_io(fd, iov, n, off, 0));
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    if (off < 0)
        return vr_posix(-VK_EINVAL);
    return vr_posix(vec_io(fd, iov, n, off, 1));
}
