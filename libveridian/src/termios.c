/*
 * <termios.h>, the terminal part of <unistd.h> (isatty, ttyname, tcgetpgrp, tcsetpgrp) and
 * <sys/ioctl.h>: the console as a terminal (veridian/kcall.h "the console as a terminal"),
 * through console_ctl on a console fd's handle, and a terminal served by a process (/dev/hvc0:
 * drivers/virtio-console), through VFS_OP_TTY to the server of a file fd with the same ops.
 * A console fd is a terminal only when the kernel says so (the platform's console is one:
 * vrsim on a terminal or with --tty); a file fd only when its server answers VFS_OP_TTY
 * (others answer ENOSYS); on any other fd, or a console that is a byte stream, these fail
 * with ENOTTY as on Linux for a pipe. ttyname names the console "/dev/console" and a served
 * terminal as its server says (VK_CON_TTYNAME). struct termios is Linux's and the kernel's struct
 * vk_termios byte for byte. Output is never queued (the kernel writes at once), so tcdrain and
 * TCSADRAIN have nothing to wait for. The POSIX boundary: kernel errors become -1 + errno here.
 */
#include "libc.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "veridian/vfs_proto.h"

_Static_assert(sizeof(struct termios) == sizeof(struct vk_termios), "termios layout");
_Static_assert(offsetof(struct termios, c_cc) == offsetof(struct vk_termios, cc), "c_cc");
_Static_assert(offsetof(struct termios, c_ispeed) == offsetof(struct vk_termios, ispeed),
               "c_ispeed");
_Static_assert(sizeof(struct winsize) == sizeof(struct vk_winsize), "winsize layout");

#define CBAUD_BITS 0010017u
#define CONSOLE_NAME "/dev/console"

/* A console_ctl op on a terminal a server serves (VFS_OP_TTY): as console_ctl answers. */
static long served_ctl(uint32_t h, uint32_t op, uint64_t arg)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_TTY, .data = {op, arg}}};
    if (op == VK_CON_GETATTR || op == VK_CON_GETWINSZ || op == VK_CON_TTYNAME) {
        c.recv_buf = arg;
        c.recv_len = op == VK_CON_GETATTR    ? sizeof(struct vk_termios)
                     : op == VK_CON_GETWINSZ ? sizeof(struct vk_winsize)
                                             : VK_TTYNAME_MAX;
    } else if (op == VK_CON_SETATTR) {
        c.send_buf = arg;
        c.send_len = sizeof(struct vk_termios);
    }
    long rc = vr_vfs_call(h, &c, VK_DEADLINE_NEVER, 0);
    if (rc == -VK_ENOSYS)
        return -VK_ENOTTY; /* a server of no terminal */
    if (rc < 0)
        return rc;
    return op == VK_CON_GETPGRP || op == VK_CON_ISATTY ? (long)c.msg.data[0] : 0;
}

/* fd's terminal op: console_ctl on a console, VFS_OP_TTY on a file; its result, or -VK_EBADF /
 * -VK_ENOTTY. */
static long ctl(int fd, uint32_t op, uint64_t arg)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);
    if (rc < 0)
        return rc;
    if (e.ops->is_tty)
        return vk_console_ctl(e.handle, op, arg);
    if (e.ops->is_vfs)
        return served_ctl(e.handle, op, arg);
    return -VK_ENOTTY;
}

int isatty(int fd)
{
    long rc = ctl(fd, VK_CON_ISATTY, 0);
    if (rc == 1)
        return 1;
    errno = rc < 0 ? (int)-rc : ENOTTY;
    return 0;
}

int ttyname_r(int fd, char *buf, size_t len)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);
    if (rc == 0 && e.ops->is_vfs) { /* a served terminal: its server names it */
        char name[VK_TTYNAME_MAX];
        rc = served_ctl(e.handle, VK_CON_TTYNAME, (uint64_t)(uintptr_t)name);
        if (rc < 0)
            return rc == -VK_EINVAL ? ENOTTY : (int)-rc;
        name[sizeof name - 1] = 0;
        size_t n = strlen(name) + 1;
        if (n == 1)
            return ENOTTY;
        if (len < n)
            return ERANGE;
        memcpy(buf, name, n);
        return 0;
    }
    if (rc == 0 && !e.ops->is_tty)
        return ENOTTY; /* neither the console nor a served terminal */
    rc = ctl(fd, VK_CON_ISATTY, 0);
    if (rc < 0)
        return (int)-rc;
    if (rc != 1)
        return ENOTTY;
    if (len < sizeof CONSOLE_NAME)
        return ERANGE;
    memcpy(buf, CONSOLE_NAME, sizeof CONSOLE_NAME);
    return 0;
}

char *ttyname(int fd)
{
    static char name[VK_TTYNAME_MAX];
    int rc = ttyname_r(fd, name, sizeof name);
    if (rc) {
        errno = rc;
        return NULL;
    }
    return name;
}

int tcgetattr(int fd, struct termios *t)
{
    return (int)vr_posix(ctl(fd, VK_CON_GETATTR, (uint64_t)(uintptr_t)t));
}

int tcsetattr(int fd, int when, const struct termios *t)
{
    if (when != TCSANOW && when != TCSADRAIN && when != TCSAFLUSH) {
        errno = EINVAL;
        return -1;
    }
    long rc = ctl(fd, VK_CON_SETATTR, (uint64_t)(uintptr_t)t);
    if (rc == 0 && when == TCSAFLUSH)
        rc = ctl(fd, VK_CON_FLUSH, TCIFLUSH);
    return (int)vr_posix(rc);
}

void cfmakeraw(struct termios *t)
{
    t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag &= ~(tcflag_t)OPOST;
    t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

speed_t cfgetospeed(const struct termios *t)
{
    return t->c_cflag & CBAUD_BITS;
}

speed_t cfgetispeed(const struct termios *t)
{
    return t->c_ispeed ? t->c_ispeed : cfgetospeed(t);
}

int cfsetospeed(struct termios *t, speed_t s)
{
    if (s & ~CBAUD_BITS) {
        errno = EINVAL;
        return -1;
    }
    t->c_cflag = (t->c_cflag & ~CBAUD_BITS) | s;
    t->c_ospeed = s;
    return 0;
}

int cfsetispeed(struct termios *t, speed_t s)
{
    if (s & ~CBAUD_BITS) {
        errno = EINVAL;
        return -1;
    }
    t->c_ispeed = s;
    return 0;
}

int tcflush(int fd, int queue)
{
    if (queue != TCIFLUSH && queue != TCOFLUSH && queue != TCIOFLUSH) {
        errno = EINVAL;
        return -1;
    }
    return (int)vr_posix(ctl(fd, VK_CON_FLUSH, (uint64_t)queue));
}

int tcdrain(int fd)
{
    long rc = ctl(fd, VK_CON_ISATTY, 0);
    return (int)vr_posix(rc < 0 ? rc : rc == 1 ? 0 : -VK_ENOTTY);
}

pid_t tcgetpgrp(int fd)
{
    return (pid_t)vr_posix(ctl(fd, VK_CON_GETPGRP, 0));
}

int tcsetpgrp(int fd, pid_t pgrp)
{
    if (pgrp < 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)vr_posix(ctl(fd, VK_CON_SETPGRP, (uint64_t)pgrp));
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    switch (request) {
    case TCGETS:
        return tcgetattr(fd, arg);
    case TCSETS:
        return tcsetattr(fd, TCSANOW, arg);
    case TIOCGWINSZ:
        return (int)vr_posix(ctl(fd, VK_CON_GETWINSZ, (uint64_t)(uintptr_t)arg));
    case TIOCGPGRP: {
        pid_t p = tcgetpgrp(fd);
        if (p < 0)
            return -1;
        *(pid_t *)arg = p;
        return 0;
    }
    case TIOCSPGRP:
        return tcsetpgrp(fd, *(const pid_t *)arg);
    default: {
        struct vr_fd e;
        errno = vr_fd_get(fd, &e) < 0 ? EBADF : ENOTTY;
        return -1;
    }
    }
}
