/*
 * errno, per thread: a field of the running thread's control block, which is found
 * through the self word the kernel keeps for the running thread (AT_VERIDIAN_SELF; no
 * TLS). Before a thread has set its self value (only the first instructions of start-up),
 * the main thread's block is used.
 */
#include "libc.h"

#include <errno.h>

#include "veridian/errors.h"

/* errno.h's numbers are the kernel's (both Linux's). */
_Static_assert(EPERM == VK_EPERM && ENOENT == VK_ENOENT && ESRCH == VK_ESRCH && EINTR == VK_EINTR &&
                   EIO == VK_EIO && E2BIG == VK_E2BIG && ENOEXEC == VK_ENOEXEC &&
                   EBADF == VK_EBADF && ECHILD == VK_ECHILD && EAGAIN == VK_EAGAIN &&
                   ENOMEM == VK_ENOMEM && EACCES == VK_EACCES && EFAULT == VK_EFAULT &&
                   EBUSY == VK_EBUSY && EEXIST == VK_EEXIST && ENOTDIR == VK_ENOTDIR &&
                   EISDIR == VK_EISDIR && EINVAL == VK_EINVAL && EMFILE == VK_EMFILE &&
                   ENOSPC == VK_ENOSPC && EPIPE == VK_EPIPE && ERANGE == VK_ERANGE &&
                   ENAMETOOLONG == VK_ENAMETOOLONG && ENOSYS == VK_ENOSYS && ELOOP == VK_ELOOP &&
                   EMSGSIZE == VK_EMSGSIZE && ENOTSUP == VK_ENOTSUP && ETIMEDOUT == VK_ETIMEDOUT &&
                   ECANCELED == VK_ECANCELED && EBADH == VK_EBADH && EWRONGTYPE == VK_EWRONGTYPE,
               "errno.h and veridian/errors.h disagree");

struct vr_tcb vr_main_tcb = {.self = &vr_main_tcb};

void *__veridian_self(void)
{
    return vr_self_word ? *vr_self_word : NULL;
}

struct vr_tcb *vr_tcb_current(void)
{
    struct vr_tcb *t = __veridian_self();

    return t ? t : &vr_main_tcb;
}

int *__errno_location(void)
{
    return &vr_tcb_current()->errno_value;
}
