/*
 * The fd-level part of <unistd.h>: read, write, pread, pwrite, lseek, close, dup, dup2,
 * dup3, ftruncate and fsync through the fd table (isatty and ttyname: termios.c) and each fd's kind
 * (fd.c, vfs.c); getpid, _exit, and sleep/usleep on the virtual clock (see time.c). Path calls are
 * in file.c. The POSIX boundary: kernel and vfs errors become -1 + errno here.
 */
#include "libc.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t n)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    return vr_posix(rc < 0 ? rc : e.ops->read(e.handle, buf, n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    if (rc >= 0 && (rc = e.ops->write(e.handle, buf, n)) == -VK_EPIPE)
        raise(SIGPIPE); /* a pipe with no reader: the signal, then EPIPE if it is survived */
    return vr_posix(rc);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    struct vr_fd e;
    if (off < 0) /* Linux checks the offset before the fd */
        return vr_posix(-VK_EINVAL);
    long rc = vr_fd_get(fd, &e);

    return vr_posix(rc < 0 ? rc : e.ops->pread(e.handle, buf, n, off));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    struct vr_fd e;
    if (off < 0) /* Linux checks the offset before the fd */
        return vr_posix(-VK_EINVAL);
    long rc = vr_fd_get(fd, &e);

    return vr_posix(rc < 0 ? rc : e.ops->pwrite(e.handle, buf, n, off));
}

off_t lseek(int fd, off_t off, int whence)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    return vr_posix(rc < 0 ? rc : e.ops->lseek(e.handle, off, whence));
}

int close(int fd)
{
    return (int)vr_posix(vr_fd_close(fd));
}

int dup(int fd)
{
    return (int)vr_posix(vr_fd_dup(fd, 0, 0));
}

int dup2(int fd, int newfd)
{
    return (int)vr_posix(vr_fd_dup2(fd, newfd, 0));
}

int dup3(int fd, int newfd, int flags)
{
    if ((flags & ~O_CLOEXEC) || fd == newfd)
        return (int)vr_posix(-VK_EINVAL);
    return (int)vr_posix(vr_fd_dup2(fd, newfd, (flags & O_CLOEXEC) ? VR_FD_CLOEXEC : 0));
}

int ftruncate(int fd, off_t length)
{
    struct vr_fd e;
    if (length < 0) /* Linux checks the length before the fd */
        return (int)vr_posix(-VK_EINVAL);
    long rc = vr_fd_get(fd, &e);

    return (int)vr_posix(rc < 0 ? rc : e.ops->ftruncate(e.handle, length));
}

int fsync(int fd)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    return (int)vr_posix(rc < 0 ? rc : e.ops->fsync(e.handle));
}

int fdatasync(int fd)
{
    return fsync(fd);
}

pid_t getpid(void)
{
    return (pid_t)vk_getpid();
}

void _exit(int status)
{
    vk_process_exit(status);
}

unsigned int sleep(unsigned int seconds)
{
    struct timespec ts = {.tv_sec = seconds, .tv_nsec = 0}, rem = {0, 0};

    if (nanosleep(&ts, &rem) == 0)
        return 0;
    return (unsigned)rem.tv_sec + (rem.tv_nsec > 0); /* a handler ran: what is left */
}

int usleep(useconds_t usec)
{
    struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (long)(usec % 1000000) * 1000};

    return nanosleep(&ts, NULL);
}

static long ids_of(pid_t pid, struct vk_proc_ids *ids)
{
    if (pid < 0)
        return -VK_ESRCH;
    return vk_process_ids((uint32_t)pid, ids);
}

pid_t getppid(void)
{
    struct vk_proc_ids ids;
    return ids_of(0, &ids) < 0 ? (pid_t)vr_ppid : (pid_t)ids.ppid;
}

pid_t getpgid(pid_t pid)
{
    struct vk_proc_ids ids;
    long rc = ids_of(pid, &ids);
    return rc < 0 ? (pid_t)vr_posix(rc) : (pid_t)ids.pgid;
}

pid_t getpgrp(void)
{
    return getpgid(0);
}

pid_t getsid(pid_t pid)
{
    struct vk_proc_ids ids;
    long rc = ids_of(pid, &ids);
    return rc < 0 ? (pid_t)vr_posix(rc) : (pid_t)ids.sid;
}

int setpgid(pid_t pid, pid_t pgid)
{
    if (pid < 0 || pgid < 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)vr_posix(vk_process_setpgid((uint32_t)pid, (uint32_t)pgid));
}

pid_t setsid(void)
{
    return (pid_t)vr_posix(vk_process_setsid());
}
