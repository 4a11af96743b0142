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
    int sig_norestart;     /* inside a call POSIX never restarts after a handler (signal.c) */
    int sig_restart;       /* the handlers that ran last all had SA_RESTART (signal.c) */
    unsigned sig_handled;  /* handlers run on this thread (sigsuspend, pause) */
};

extern struct vr_tcb vr_main_tcb;

/* The running thread's control block (the main thread's before start-up finishes). */
struct vr_tcb *vr_tcb_current(void);

/* ---- clocks (time.c) ---- */
struct timespec;
/* The kernel's absolute deadline (virtual ns since boot) for the absolute time abs on clock
 * clk (CLOCK_REALTIME or CLOCK_MONOTONIC): 0 with *out (a time already past gives 0, which
 * the kernel treats as expired), or -VK_EINVAL for another clock or tv_nsec outside
 * [0, 1e9). */
long vr_abs_deadline(int clk, const struct timespec *abs, uint64_t *out);

/* ---- start-up state (start.c) ---- */
extern void *const volatile *vr_self_word; /* AT_VERIDIAN_SELF, or NULL */
extern const unsigned char *vr_at_random;  /* AT_RANDOM's 16 bytes, or NULL */
extern uint64_t vr_ppid;                   /* AT_VERIDIAN_PPID, or 0 */

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
#define VR_FD_CLOEXEC 1u /* = FD_CLOEXEC */

/* ---- spawning (native.c) ---- */
/* file as posix_spawnp and execvp find it (PATH, default /bin:/usr/bin; a name with a '/'
 * as it is) into buf: 0, or ENOENT / ENAMETOOLONG. */
int vr_path_find(const char *file, char *buf, size_t cap);
/* vr_spawn_image_notify, and with VR_SPAWN_OWN_FDS the parent's fds 0-2 are not passed:
 * extra alone says what the child's fds are (posix_spawn). */
#define VR_SPAWN_OWN_FDS 1u
/* job (may be NULL): vk_spawn's job-control fields (flags VK_SPAWN_PGID, _SIGMASK, _SIGDEF
 * with pgid, sigmask, sigdefault), posix_spawn's attributes. */
struct vr_spawn_job {
    uint64_t flags;
    uint32_t pgid;
    uint64_t sigmask, sigdefault;
};
long vr_spawn_image_flags(const char *path, const char *const argv[], const char *const envp[],
                          const struct vk_start_handle *extra, size_t nextra, uint32_t notify,
                          uint64_t bits, unsigned flags, const struct vr_spawn_job *job,
                          uint32_t *proc_out);
/* Record a child started by posix_spawn (wait.c): its pid, or -VK_E*; on failure the
 * process handle is closed (the child runs on, unwaitable). The notification its exit
 * signals, and the bit: vr_child_notify() (0 and *notify, *bits, or -VK_E*). */
long vr_child_notify(uint32_t *notify, uint64_t *bits);
long vr_child_add(uint32_t proc, uint64_t bits);

struct vfs_proto_stat;

/* What an fd is: each kind is a const ops table over the fd's kernel handle. Every op
 * returns a count or value (>= 0) or -VK_E*; a kind that cannot do something says so with
 * the errno POSIX gives (lseek on the console: -VK_ESPIPE). */
struct vr_fd_ops {
    const char *name;
    long (*read)(uint32_t h, void *buf, size_t n);
    long (*write)(uint32_t h, const void *buf, size_t n);
    long (*close)(uint32_t h);
    long (*pread)(uint32_t h, void *buf, size_t n, int64_t off);
    long (*pwrite)(uint32_t h, const void *buf, size_t n, int64_t off);
    long (*lseek)(uint32_t h, int64_t off, int whence); /* -> the new offset */
    long (*fstat)(uint32_t h, struct vfs_proto_stat *st);
    long (*ftruncate)(uint32_t h, int64_t length);
    long (*fsync)(uint32_t h);
    long (*fchmod)(uint32_t h, uint32_t mode);
    long (*getfl)(uint32_t h);                 /* -> O_* status flags and access mode */
    long (*setfl)(uint32_t h, uint32_t flags); /* O_APPEND and O_NONBLOCK change */
    /* Packed struct vfs_proto_dirent records into buf: the number of records, 0 at the end. */
    long (*readdir)(uint32_t h, void *buf, size_t len);
    /* Readiness (POLL* bits; POLLERR and POLLHUP always reported): with deadline 0 only a
     * look, otherwise a wait until something in events is ready (-VK_ETIMEDOUT). */
    long (*poll)(uint32_t h, uint32_t events, uint64_t deadline);
    /* For kinds whose readiness is a kernel signal: 1 with *item set for vk_wait_many (it
     * fires when the file may have become ready), or 0 when waiting cannot make it ready.
     * NULL: the kind waits in its own poll (a call to its server). */
    int (*poll_item)(uint32_t h, uint32_t events, struct vk_wait *item);
    int is_tty;
    int is_vfs; /* vfs's file protocol: the handle may name an *at() directory */
};

extern const struct vr_fd_ops vr_console_ops;

/* One fd table entry, copied out. */
struct vr_fd {
    const struct vr_fd_ops *ops;
    uint32_t handle;
    uint32_t fdflags; /* VR_FD_CLOEXEC */
};

/* fd n >= 3 travels to a child as the start handle of role VR_ROLE_FD(n) (posix_spawn);
 * a range of VK_ROLE_USER's far from the small numbers programs agree on themselves. */
#define VR_ROLE_FD_BASE (VK_ROLE_USER + 0x1000u)
#define VR_ROLE_FD(n) (VR_ROLE_FD_BASE + (uint32_t)(n))

/* Open the start handles as fds: 0, 1 and 2 from the standard roles, n >= 3 from
 * VR_ROLE_FD(n). */
void vr_fd_init(void);
/* The kind of fd a handle makes (console, vfs file), or NULL when it is neither. */
const struct vr_fd_ops *vr_fd_ops_for_handle(uint32_t handle);
/* Install (ops, handle) at the lowest free fd >= min_fd: the fd, or -VK_EMFILE. */
int vr_fd_install(const struct vr_fd_ops *ops, uint32_t handle, int min_fd, uint32_t fdflags);
/* vr_fd_install at the lowest free fd, closing the handle when the table is full. */
int vr_fd_adopt(const struct vr_fd_ops *ops, uint32_t handle, uint32_t fdflags);
/* The fd the next open would get (a hint: another thread may take it), or -1. */
int vr_fd_lowest_free(void);
/* Look up fd: 0 with *out, or -VK_EBADF. */
int vr_fd_get(int fd, struct vr_fd *out);
/* Another fd for the same handle at the lowest free fd >= min_fd (F_DUPFD): the new fd,
 * -VK_EBADF, -VK_EINVAL (min_fd out of range) or -VK_EMFILE. */
int vr_fd_dup(int fd, int min_fd, uint32_t fdflags);
/* Make newfd name fd's handle (dup2/dup3), first closing what newfd named: newfd or
 * -VK_EBADF. fd == newfd only checks fd. */
int vr_fd_dup2(int fd, int newfd, uint32_t fdflags);
/* F_SETFD: 0 or -VK_EBADF. */
int vr_fd_set_flags(int fd, uint32_t fdflags);
/* Remove fd; closes the handle unless another fd still uses it. 0 or -VK_E*. */
long vr_fd_close(int fd);

/* ---- the vfs client (vfs.c) ---- */

/* Start-up: remember the session handle (VK_ROLE_NSROOT), if the process has one. */
void vr_vfs_init(void);
/* Start-up: announce this process to vfs (VFS_OP_HELLO: argv and environment), if it has a
 * session; failures are ignored. */
void vr_vfs_hello(char *const argv[], char *const envp[]);
/* The session handle, or 0: then every path call fails with ENOSYS. */
uint32_t vr_vfs_session(void);
extern const struct vr_fd_ops vr_vfs_file_ops;
/* Ask vfs to signal bits on notification `notify` once file h is ready for events (add), or
 * drop that watch (!add). 0 or -VK_E*. */
long vr_vfs_watch(uint32_t h, uint32_t notify, uint32_t events, uint64_t bits, int add);

/* One call to vfs (or a server speaking its file protocol) on handle h: vk_call with the
 * deadline, the outcome through vr_vfs_status. On success the reply carried at least
 * nhandles handles (fewer: -VK_EIO); handles beyond that are closed, as is every handle of a
 * failed reply. Handles the request carried are gone either way. */
long vr_vfs_call(uint32_t h, struct vk_call *c, uint64_t deadline, unsigned nhandles);
/* A path call on the session: op with path (relative to dirfd unless absolute; AT_FDCWD:
 * the session's cwd) and, for rename/link/symlink, a second path relative to dirfd2
 * (symlink passes dirfd2 as the directory of its only resolved path: see vfs.c). c holds
 * data[0..2] and the receive buffer; the send buffer, handles and data[3] are filled here.
 * Returns as vr_vfs_call. */
long vr_vfs_path_call(uint32_t op, int dirfd, const char *path, int dirfd2, const char *path2,
                      struct vk_call *c, unsigned nhandles);

/* ---- stdio (stdio.c) and exit (exit.c) ---- */
void vr_stdio_init(void);
void vr_stdio_flush_all(void);

/* Write msg to fd 2 directly and end the process like abort(). */
_Noreturn void vr_fatal(const char *msg);

#endif
