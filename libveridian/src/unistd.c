/*
 * The <unistd.h> subset: read, write and close through the fd table, isatty, getpid,
 * _exit, and sleep/usleep on the virtual clock (see time.c). The POSIX boundary: kernel
 * errors become -1 + errno here.
 */
#include "libc.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t n)
{
    const struct vr_fd_ops *ops;
    uint32_t h;
    int rc = vr_fd_get(fd, &ops, &h);

    if (rc < 0)
        return vr_posix(rc);
    if (!ops->read)
        return vr_posix(-VK_EBADF);
    return vr_posix(ops->read(h, buf, n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    const struct vr_fd_ops *ops;
    uint32_t h;
    int rc = vr_fd_get(fd, &ops, &h);

    if (rc < 0)
        return vr_posix(rc);
    if (!ops->write)
        return vr_posix(-VK_EBADF);
    return vr_posix(ops->write(h, buf, n));
}

int close(int fd)
{
    return (int)vr_posix(vr_fd_close(fd));
}

int isatty(int fd)
{
    const struct vr_fd_ops *ops;
    uint32_t h;

    if (vr_fd_get(fd, &ops, &h) < 0) {
        errno = EBADF;
        return 0;
    }
    if (!ops->is_tty) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
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
    struct timespec ts = {.tv_sec = seconds, .tv_nsec = 0};

    nanosleep(&ts, NULL);
    return 0;
}

int usleep(useconds_t usec)
{
    struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (long)(usec % 1000000) * 1000};

    return nanosleep(&ts, NULL);
}
