/*
 * The POSIX file API over vfs: open/openat/creat, fcntl, the stat family, access, mkdir,
 * mknod, unlink/rmdir, rename, link, symlink, readlink, truncate, chmod, umask, chdir,
 * fchdir, getcwd, pipe/pipe2 and remove. Path calls are VFS_OP_* calls on the session
 * (vfs.c marshals paths and *at() directories); fd calls go through the fd's kind.
 *
 * This is the POSIX boundary: results are -VK_E* inside, -1 + errno only on the way out
 * (vr_posix). Flags are checked here where Linux's system-call layer checks them (EINVAL
 * for unknown *at() flags, amodes, pipe2 and dup3 flags); everything about the namespace
 * itself (types, permissions, lengths of components, the order of errors) is vfs's.
 *
 * Deviations: without a session every path call fails with ENOSYS, and umask keeps a local
 * mask. O_CLOEXEC is the fd's (never sent to vfs); F_GETFL never reports it. The console's
 * F_SETFL accepts and ignores O_NONBLOCK and O_APPEND. There are no signals: writing to a
 * pipe without readers fails with EPIPE and raises nothing.
 */
#include "libc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "veridian/vfs_proto.h"

_Static_assert(sizeof(struct stat) == sizeof(struct vr_stat), "struct stat layout");
_Static_assert(offsetof(struct stat, st_mode) == offsetof(struct vr_stat, mode), "st_mode");
_Static_assert(offsetof(struct stat, st_rdev) == offsetof(struct vr_stat, rdev), "st_rdev");
_Static_assert(offsetof(struct stat, st_atim) == offsetof(struct vr_stat, atim), "st_atim");
_Static_assert(offsetof(struct stat, st_ctim) == offsetof(struct vr_stat, ctim), "st_ctim");
_Static_assert(O_CREAT == VR_O_CREAT && O_EXCL == VR_O_EXCL && O_TRUNC == VR_O_TRUNC &&
                   O_APPEND == VR_O_APPEND && O_CLOEXEC == VR_O_CLOEXEC && O_RDWR == VR_O_RDWR,
               "open flags");

static mode_t local_umask = 022; /* only without a session */

static void to_stat(const struct vfs_proto_stat *ps, struct stat *st)
{
    vr_stat_from_proto(ps, (struct vr_stat *)st);
}

/* ---- open ---- */

static long open_at(int dirfd, const char *path, int flags, mode_t mode)
{
    /* data[2]: the fd this will probably become, for /proc/<pid>/fd (a hint, 0: none) */
    struct vk_call c = {.msg = {.data = {(uint32_t)flags & ~(uint32_t)O_CLOEXEC, mode,
                                         (uint64_t)(vr_fd_lowest_free() + 1)}}};
    long rc = vr_vfs_path_call(VFS_OP_OPEN, dirfd, path, AT_FDCWD, NULL, &c, 1);

    if (rc < 0)
        return rc;
    const struct vr_fd_ops *ops =
        (c.msg.data[1] & VFS_OPEN_CONSOLE) ? &vr_console_ops : &vr_vfs_file_ops;
    return vr_fd_adopt(ops, c.msg.handles[0], (flags & O_CLOEXEC) ? VR_FD_CLOEXEC : 0);
}

static int takes_mode(int flags)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (takes_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return (int)vr_posix(open_at(dirfd, path, flags, mode));
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (takes_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return (int)vr_posix(open_at(AT_FDCWD, path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
    return (int)vr_posix(open_at(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode));
}

/* ---- fcntl ---- */

static long fcntl_fd(int fd, int cmd, int arg)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    if (rc < 0)
        return rc;
    switch (cmd) {
    case F_DUPFD:
        return vr_fd_dup(fd, arg, 0);
    case F_DUPFD_CLOEXEC:
        return vr_fd_dup(fd, arg, VR_FD_CLOEXEC);
    case F_GETFD:
        return (e.fdflags & VR_FD_CLOEXEC) ? FD_CLOEXEC : 0;
    case F_SETFD:
        return vr_fd_set_flags(fd, (arg & FD_CLOEXEC) ? VR_FD_CLOEXEC : 0);
    case F_GETFL:
        rc = e.ops->getfl(e.handle);
        return rc < 0 ? rc : rc & ~(long)O_CLOEXEC;
    case F_SETFL:
        return e.ops->setfl(e.handle, (uint32_t)arg);
    default:
        return -VK_EINVAL; /* no record locks, signals or leases */
    }
}

int fcntl(int fd, int cmd, ...)
{
    int arg = 0;

    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_SETFD || cmd == F_SETFL) {
        va_list ap;
        va_start(ap, cmd);
        arg = va_arg(ap, int);
        va_end(ap);
    }
    return (int)vr_posix(fcntl_fd(fd, cmd, arg));
}

/* ---- status ---- */

static long fstat_fd(int fd, struct stat *st)
{
    struct vfs_proto_stat ps;
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    if (rc < 0)
        return rc;
    if ((rc = e.ops->fstat(e.handle, &ps)) < 0)
        return rc;
    to_stat(&ps, st);
    return 0;
}

int fstat(int fd, struct stat *st)
{
    return (int)vr_posix(fstat_fd(fd, st));
}

static long stat_at(int dirfd, const char *path, struct stat *st, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -VK_EINVAL;
    if ((flags & AT_EMPTY_PATH) && path && !*path && dirfd != AT_FDCWD)
        return fstat_fd(dirfd, st); /* the fd itself, whatever its kind */
    struct vfs_proto_stat ps;
    memset(&ps, 0, sizeof ps);
    struct vk_call c = {.msg = {.data = {(uint32_t)flags}},
                        .recv_buf = (uint64_t)(uintptr_t)&ps,
                        .recv_len = sizeof ps};
    long rc = vr_vfs_path_call(VFS_OP_STAT, dirfd, path, AT_FDCWD, NULL, &c, 0);
    if (rc == 0)
        to_stat(&ps, st);
    return rc;
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
    return (int)vr_posix(stat_at(dirfd, path, st, flags));
}

int stat(const char *restrict path, struct stat *restrict st)
{
    return (int)vr_posix(stat_at(AT_FDCWD, path, st, 0));
}

int lstat(const char *restrict path, struct stat *restrict st)
{
    return (int)vr_posix(stat_at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}

int faccessat(int dirfd, const char *path, int amode, int flags)
{
    if ((amode & ~(R_OK | W_OK | X_OK)) ||
        (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.data = {(uint32_t)amode, (uint32_t)flags}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_ACCESS, dirfd, path, AT_FDCWD, NULL, &c, 0));
}

int access(const char *path, int amode)
{
    return faccessat(AT_FDCWD, path, amode, 0);
}

/* ---- creating and removing names ---- */

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    struct vk_call c = {.msg = {.data = {mode}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_MKDIR, dirfd, path, AT_FDCWD, NULL, &c, 0));
}

int mkdir(const char *path, mode_t mode)
{
    return mkdirat(AT_FDCWD, path, mode);
}

int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
    struct vk_call c = {.msg = {.data = {mode, dev}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_MKNOD, dirfd, path, AT_FDCWD, NULL, &c, 0));
}

int mknod(const char *path, mode_t mode, dev_t dev)
{
    return mknodat(AT_FDCWD, path, mode, dev);
}

int mkfifoat(int dirfd, const char *path, mode_t mode)
{
    return mknodat(dirfd, path, S_IFIFO | (mode & 07777), 0);
}

int mkfifo(const char *path, mode_t mode)
{
    return mkfifoat(AT_FDCWD, path, mode);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.data = {(uint32_t)flags}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_UNLINK, dirfd, path, AT_FDCWD, NULL, &c, 0));
}

int unlink(const char *path)
{
    return unlinkat(AT_FDCWD, path, 0);
}

int rmdir(const char *path)
{
    return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

/* C's remove: unlink, or rmdir for a directory (Linux's unlink says EISDIR for those). */
int remove(const char *path)
{
    struct vk_call c = {0};
    long rc = vr_vfs_path_call(VFS_OP_UNLINK, AT_FDCWD, path, AT_FDCWD, NULL, &c, 0);

    if (rc == -VK_EISDIR) {
        struct vk_call d = {.msg = {.data = {AT_REMOVEDIR}}};
        rc = vr_vfs_path_call(VFS_OP_UNLINK, AT_FDCWD, path, AT_FDCWD, NULL, &d, 0);
    }
    return (int)vr_posix(rc);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    struct vk_call c = {0};
    return (int)vr_posix(
        vr_vfs_path_call(VFS_OP_RENAME, olddirfd, oldpath, newdirfd, newpath, &c, 0));
}

int rename(const char *oldpath, const char *newpath)
{
    return renameat(AT_FDCWD, oldpath, AT_FDCWD, newpath);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.data = {(uint32_t)flags}}};
    return (int)vr_posix(
        vr_vfs_path_call(VFS_OP_LINK, olddirfd, oldpath, newdirfd, newpath, &c, 0));
}

int link(const char *oldpath, const char *newpath)
{
    return linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

int symlinkat(const char *target, int dirfd, const char *linkpath)
{
    struct vk_call c = {0};
    return (int)vr_posix(
        vr_vfs_path_call(VFS_OP_SYMLINK, AT_FDCWD, target, dirfd, linkpath, &c, 0));
}

int symlink(const char *target, const char *linkpath)
{
    return symlinkat(target, AT_FDCWD, linkpath);
}

ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf, size_t size)
{
    if (size == 0)
        return vr_posix(-VK_EINVAL);
    if (size > INT_MAX)
        size = INT_MAX;
    struct vk_call c = {.recv_buf = (uint64_t)(uintptr_t)buf, .recv_len = size};
    long rc = vr_vfs_path_call(VFS_OP_READLINK, dirfd, path, AT_FDCWD, NULL, &c, 0);
    if (rc == 0)
        rc = c.msg.data[0] <= size ? (long)c.msg.data[0] : -VK_EIO;
    return vr_posix(rc);
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
    return readlinkat(AT_FDCWD, path, buf, size);
}

/* ---- changing files ---- */

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.data = {mode, (uint32_t)flags}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_CHMOD, dirfd, path, AT_FDCWD, NULL, &c, 0));
}

int chmod(const char *path, mode_t mode)
{
    return fchmodat(AT_FDCWD, path, mode, 0);
}

int fchmod(int fd, mode_t mode)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);

    return (int)vr_posix(rc < 0 ? rc : e.ops->fchmod(e.handle, mode));
}

int truncate(const char *path, off_t length)
{
    if (length < 0) /* before the path, as Linux does */
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.data = {(uint64_t)length}}};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_TRUNCATE, AT_FDCWD, path, AT_FDCWD, NULL, &c, 0));
}

mode_t umask(mode_t mask)
{
    uint32_t s = vr_vfs_session();
    struct vk_call c = {.msg = {.opcode = VFS_OP_UMASK, .data = {mask & 0777}}};

    if (s && vr_vfs_call(s, &c, VK_DEADLINE_NEVER, 0) == 0)
        return (mode_t)(c.msg.data[0] & 0777);
    mode_t old = local_umask; /* no session (or vfs gone): umask cannot fail */
    local_umask = mask & 0777;
    return old;
}

/* ---- the working directory ---- */

int chdir(const char *path)
{
    struct vk_call c = {0};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_CHDIR, AT_FDCWD, path, AT_FDCWD, NULL, &c, 0));
}

int fchdir(int fd)
{
    struct vk_call c = {0};
    return (int)vr_posix(vr_vfs_path_call(VFS_OP_CHDIR, fd, "", AT_FDCWD, NULL, &c, 0));
}

/* getcwd(NULL, size) allocates size bytes (PATH_MAX when size is 0, then trimmed), as glibc. */
char *getcwd(char *buf, size_t size)
{
    uint32_t s = vr_vfs_session();
    char *alloc = NULL;
    long rc;

    if (!s) {
        vr_posix(-VK_ENOSYS);
        return NULL;
    }
    if (!buf) {
        alloc = buf = malloc(size ? size : PATH_MAX);
        if (!alloc) {
            vr_posix(-VK_ENOMEM);
            return NULL;
        }
    } else if (size == 0) {
        vr_posix(-VK_EINVAL);
        return NULL;
    }
    size_t cap = size ? size : PATH_MAX;
    struct vk_call c = {
        .msg = {.opcode = VFS_OP_GETCWD}, .recv_buf = (uint64_t)(uintptr_t)buf, .recv_len = cap};
    rc = vr_vfs_call(s, &c, VK_DEADLINE_NEVER, 0);
    if (rc == 0 && (c.msg.data[0] == 0 || c.msg.data[0] > cap || buf[c.msg.data[0] - 1] != 0))
        rc = -VK_EIO;
    if (rc < 0) {
        free(alloc);
        vr_posix(rc);
        return NULL;
    }
    if (alloc && !size) {
        char *trimmed = realloc(alloc, c.msg.data[0]);
        buf = trimmed ? trimmed : alloc;
    }
    return buf;
}

/* ---- pipes ---- */

static long pipe_fds(int out[2], int flags)
{
    uint32_t s = vr_vfs_session();
    uint32_t fdflags = (flags & O_CLOEXEC) ? VR_FD_CLOEXEC : 0;

    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -VK_EINVAL;
    if (!s)
        return -VK_ENOSYS;
    struct vk_call c = {.msg = {.opcode = VFS_OP_PIPE, .data = {(uint32_t)flags & O_NONBLOCK}}};
    long rc = vr_vfs_call(s, &c, VK_DEADLINE_NEVER, 2);
    if (rc < 0)
        return rc;
    uint32_t rd = c.msg.handles[0], wr = c.msg.handles[1];
    int fd0 = vr_fd_install(&vr_vfs_file_ops, rd, 0, fdflags);
    int fd1 = fd0 < 0 ? fd0 : vr_fd_install(&vr_vfs_file_ops, wr, 0, fdflags);
    if (fd1 < 0) {
        if (fd0 >= 0)
            vr_fd_close(fd0);
        else
            vk_handle_close(rd);
        vk_handle_close(wr);
        return fd1;
    }
    out[0] = fd0;
    out[1] = fd1;
    return 0;
}

int pipe2(int fds[2], int flags)
{
    return (int)vr_posix(pipe_fds(fds, flags));
}

int pipe(int fds[2])
{
    return (int)vr_posix(pipe_fds(fds, 0));
}
