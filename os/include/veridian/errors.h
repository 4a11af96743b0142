/*
 * Error codes returned (negated) by kernel calls and by servers in message replies.
 * The numbers are Linux's where Linux has the error, so libveridian's errno values and the
 * host's agree (differential tests compare them directly). VK_EBADH and VK_EWRONGTYPE are ours;
 * a handle that lacks a right the call needs gives VK_EPERM.
 */
#ifndef VERIDIAN_ERRORS_H
#define VERIDIAN_ERRORS_H

#define VK_EPERM 1
#define VK_ENOENT 2
#define VK_ESRCH 3
#define VK_EINTR 4
#define VK_EIO 5
#define VK_ENXIO 6
#define VK_E2BIG 7
#define VK_ENOEXEC 8
#define VK_EBADF 9
#define VK_ECHILD 10
#define VK_EAGAIN 11
#define VK_ENOMEM 12
#define VK_EACCES 13
#define VK_EFAULT 14
#define VK_EBUSY 16
#define VK_EEXIST 17
#define VK_EXDEV 18
#define VK_ENODEV 19
#define VK_ENOTDIR 20
#define VK_EISDIR 21
#define VK_EINVAL 22
#define VK_EMFILE 24
#define VK_ENOTTY 25
#define VK_EFBIG 27
#define VK_ENOSPC 28
#define VK_ESPIPE 29
#define VK_EROFS 30
#define VK_EMLINK 31
#define VK_EPIPE 32
#define VK_ERANGE 34
#define VK_ENAMETOOLONG 36
#define VK_ENOSYS 38
#define VK_ENOTEMPTY 39
#define VK_ELOOP 40
#define VK_EOVERFLOW 75
#define VK_EILSEQ 84
#define VK_EMSGSIZE 90
#define VK_ENOTSUP 95
#define VK_ETIMEDOUT 110
#define VK_ECANCELED 125
#define VK_EBADH 200      /* not a handle of this process, or a stale one */
#define VK_EWRONGTYPE 201 /* a handle to the wrong kind of object */

#endif
