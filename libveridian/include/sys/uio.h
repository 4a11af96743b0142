/*
 * POSIX <sys/uio.h>: vectored I/O. A vector moves in one read or write of the file (gathered
 * into one buffer first), so writev to a pipe is as atomic as write (src/uio.c).
 */
#ifndef _SYS_UIO_H
#define _SYS_UIO_H

#include <stddef.h>

#include <bits/types.h>

struct iovec {
    void *iov_base;
    size_t iov_len;
};

ssize_t readv(int fd, const struct iovec *iov, int n);
ssize_t writev(int fd, const struct iovec *iov, int n);
ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off);
ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off);

#endif
