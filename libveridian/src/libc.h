/*
 * Interfaces between libveridian's guest modules (the POSIX and native layers), never seen
 * by programs. Guest only: it may use the kernel (veridian/vk.h) and errno.
 */
#ifndef VR_LIBC_H
#define VR_LIBC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "veridian/vk.h"

/* ---- the POSIX boundary: a kernel result to -1 + errno ---- */
static inline long vr_posix(long rc)
{
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return rc;
}

/* ---- thread control blocks (errno.c) ---- */

/* Each thread's self value points at its control block. */
struct vr_tcb {
    struct vr_tcb *self;
    int errno_value;
    char strerror_buf[32]; /* strerror of an unknown number */
    void *pthread;         /* reserved for pthread */
};

extern struct vr_tcb vr_main_tcb;

/* The running thread's control block (the main thread's before start-up finishes). */
struct vr_tcb *vr_tcb_current(void);

/* ---- start-up state (start.c) ---- */
extern void *const volatile *vr_self_word; /* AT_VERIDIAN_SELF, or NULL */
extern const unsigned char *vr_at_random;  /* AT_RANDOM's 16 bytes, or NULL */

/* ---- locks (lock.c): one atomic exchange when uncontended, futex waits otherwise ---- */
struct vr_lock {
    uint32_t state; /* 0 free, 1 held, 2 held and maybe waited for */
};
#define VR_LOCK_INIT                                                                               \
    {                                                                                              \
        0                                                                                          \
    }

void vr_lock_acquire(struct vr_lock *l);
int vr_lock_try(struct vr_lock *l); /* 1 if acquired */
void vr_lock_release(struct vr_lock *l);

/* ---- file descriptors (fd.c) ---- */

#define VR_FD_MAX 256

/* What an fd is: each kind has its ops; results are counts or -VK_E*. */
struct vr_fd_ops {
    const char *name;
    long (*read)(uint32_t handle, void *buf, size_t n);
    long (*write)(uint32_t handle, const void *buf, size_t n);
    long (*close)(uint32_t handle);
    int is_tty;
};

extern const struct vr_fd_ops vr_console_ops;

/* Open the start handles as fds 0, 1 and 2. */
void vr_fd_init(void);
/* Install (ops, handle) at the lowest free fd >= min_fd: the fd, or -VK_EMFILE. */
int vr_fd_install(const struct vr_fd_ops *ops, uint32_t handle, int min_fd);
/* Look up fd: 0 with *ops and *handle, or -VK_EBADF. */
int vr_fd_get(int fd, const struct vr_fd_ops **ops, uint32_t *handle);
/* Remove fd; closes the handle unless another fd still uses it. 0 or -VK_E*. */
long vr_fd_close(int fd);

/* ---- stdio (stdio.c) and exit (exit.c) ---- */
void vr_stdio_init(void);
void vr_stdio_flush_all(void);

/* Write msg to fd 2 directly and end the process like abort(). */
_Noreturn void vr_fatal(const char *msg);

#endif
