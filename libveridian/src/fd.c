/*
 * The fd table: small integers naming (kind, kernel handle, FD_CLOEXEC) entries, the
 * translation layer between POSIX I/O and Veridian's handles. Each kind is a const ops table:
 * the console (here) and vfs files (vfs.c: regular files, directories, pipe ends, device
 * nodes of servers speaking vfs's file protocol).
 *
 * Sharing: dup, dup2 and F_DUPFD make another fd for the same handle value, so the fds share
 * the open file description (offset, status flags) as POSIX wants. A handle is closed with
 * the last fd that uses it; vfs frees the description when the last copy of the handle is
 * gone in every process (a child's copies keep it alive).
 *
 * Locking: the table is shared by all threads under one lock, which is never held across a
 * kernel call that may block. An operation copies the entry out, then calls the kind's ops;
 * closing takes the entry out under the lock and closes the handle after releasing it. An fd
 * closed by one thread while another uses it makes the other's call fail with EBADF (the
 * handle is stale; handle values carry a generation, so a reused slot does not match).
 *
 * At start-up, fds 0, 1 and 2 come from the start handles with roles VK_ROLE_STDIN, STDOUT
 * and STDERR; a role that is missing falls back to VK_ROLE_CONSOLE if the process has one. A
 * handle of another kind leaves the fd closed. fds 3 and up come from roles VR_ROLE_FD(n)
 * (posix_spawn passes every fd it leaves open that way).
 */
#include "libc.h"

#include <fcntl.h>
#include <poll.h>

#include "veridian/vfs_proto.h"

#define CONSOLE_RDEV ((5ull << 8) | 1ull) /* Linux's /dev/console: major 5, minor 1 */
#define CONSOLE_MODE (0020000u | 0620u)   /* S_IFCHR | rw--w---- */

static struct vr_lock fd_lock = VR_LOCK_INIT;
static struct vr_fd fds[VR_FD_MAX];

/* ---- the console kind ---- */

static long console_read(uint32_t handle, void *buf, size_t n)
{
    return vk_console_read(handle, buf, n, VK_DEADLINE_NEVER);
}

static long console_write(uint32_t handle, const void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        long rc = vk_console_write(handle, (const char *)buf + done, n - done);
        if (rc < 0)
            return done ? (long)done : rc;
        if (rc == 0)
            break;
        done += (size_t)rc;
    }
    return (long)done;
}

static long console_close(uint32_t handle)
{
    return vk_handle_close(handle);
}

static long console_pread(uint32_t h, void *buf, size_t n, int64_t off)
{
    (void)h, (void)buf, (void)n, (void)off;
    return -VK_ESPIPE;
}

static long console_pwrite(uint32_t h, const void *buf, size_t n, int64_t off)
{
    (void)h, (void)buf, (void)n, (void)off;
    return -VK_ESPIPE;
}

static long console_lseek(uint32_t h, int64_t off, int whence)
{
    (void)h, (void)off, (void)whence;
    return -VK_ESPIPE;
}

/* A character device like Linux's /dev/console; st_ino is the kernel object's id. */
static long console_fstat(uint32_t h, struct vfs_proto_stat *st)
{
    struct vk_handle_info info;
    long rc = vk_handle_info(h, &info);

    if (rc < 0)
        return rc;
    *st = (struct vfs_proto_stat){
        .ino = info.object_id,
        .mode = CONSOLE_MODE,
        .nlink = 1,
        .rdev = CONSOLE_RDEV,
        .blksize = 1024,
    };
    return 0;
}

static long console_ftruncate(uint32_t h, int64_t length)
{
    (void)h, (void)length;
    return -VK_EINVAL;
}

static long console_fsync(uint32_t h)
{
    (void)h;
    return -VK_EINVAL;
}

static long console_fchmod(uint32_t h, uint32_t mode)
{
    (void)h, (void)mode;
    return -VK_EPERM; /* nobody owns the console's node */
}

/* The access mode follows the handle's rights; there are no status flags to keep. */
static long console_getfl(uint32_t h)
{
    struct vk_handle_info info;
    long rc = vk_handle_info(h, &info);

    if (rc < 0)
        return rc;
    int r = (info.rights & VK_RIGHT_READ) != 0, w = (info.rights & VK_RIGHT_WRITE) != 0;
    return r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
}

static long console_setfl(uint32_t h, uint32_t flags)
{
    (void)h, (void)flags;
    return 0; /* O_NONBLOCK and O_APPEND mean nothing to the console: accepted, ignored */
}

static long console_readdir(uint32_t h, void *buf, size_t len)
{
    (void)h, (void)buf, (void)len;
    return -VK_ENOTDIR;
}

/* Always writable; readable when input is waiting (a handle without READ never is). */
static long console_poll(uint32_t h, uint32_t events, uint64_t deadline)
{
    long revents = events & POLLOUT;
    struct vk_wait w = {.handle = h, .mask = VK_SIG_READABLE};
    long rc = -VK_ETIMEDOUT;

    if (events & POLLIN)
        rc = vk_wait_many(&w, 1, revents ? 0 : deadline);
    else if (!revents && deadline)
        rc = vk_wait_many(NULL, 0, deadline);
    if (rc >= 0)
        return revents | POLLIN;
    if (rc == -VK_EPERM && !revents && deadline) /* no READ right: nothing to wait for */
        rc = vk_wait_many(NULL, 0, deadline);
    if (rc == -VK_ETIMEDOUT || rc == -VK_EPERM)
        return revents || !deadline ? revents : -VK_ETIMEDOUT;
    return rc;
}

static int console_poll_item(uint32_t h, uint32_t events, struct vk_wait *item)
{
    struct vk_handle_info info;

    if (!(events & POLLIN) || vk_handle_info(h, &info) < 0 || !(info.rights & VK_RIGHT_READ))
        return 0;
    *item = (struct vk_wait){.handle = h, .mask = VK_SIG_READABLE};
    return 1;
}

const struct vr_fd_ops vr_console_ops = {
    .name = "console",
    .read = console_read,
    .write = console_write,
    .close = console_close,
    .pread = console_pread,
    .pwrite = console_pwrite,
    .lseek = console_lseek,
    .fstat = console_fstat,
    .ftruncate = console_ftruncate,
    .fsync = console_fsync,
    .fchmod = console_fchmod,
    .getfl = console_getfl,
    .setfl = console_setfl,
    .readdir = console_readdir,
    .poll = console_poll,
    .poll_item = console_poll_item,
    .is_tty = 1,
    .is_vfs = 0,
};

/* ---- the table ---- */

/* Is handle named by any fd? Called with fd_lock held. */
static int handle_in_use(uint32_t handle)
{
    for (int i = 0; i < VR_FD_MAX; i++)
        if (fds[i].ops && fds[i].handle == handle)
            return 1;
    return 0;
}

static int install_locked(const struct vr_fd_ops *ops, uint32_t handle, int min_fd,
                          uint32_t fdflags)
{
    for (int i = min_fd < 0 ? 0 : min_fd; i < VR_FD_MAX; i++) {
        if (!fds[i].ops) {
            fds[i] = (struct vr_fd){ops, handle, fdflags & VR_FD_CLOEXEC};
            return i;
        }
    }
    return -VK_EMFILE;
}

int vr_fd_lowest_free(void)
{
    vr_lock_acquire(&fd_lock);
    int fd = -1;
    for (int i = 0; i < VR_FD_MAX && fd < 0; i++)
        if (!fds[i].ops)
            fd = i;
    vr_lock_release(&fd_lock);
    return fd;
}

int vr_fd_install(const struct vr_fd_ops *ops, uint32_t handle, int min_fd, uint32_t fdflags)
{
    vr_lock_acquire(&fd_lock);
    int fd = install_locked(ops, handle, min_fd, fdflags);
    vr_lock_release(&fd_lock);
    return fd;
}

int vr_fd_adopt(const struct vr_fd_ops *ops, uint32_t handle, uint32_t fdflags)
{
    int fd = vr_fd_install(ops, handle, 0, fdflags);

    if (fd < 0)
        ops->close(handle);
    return fd;
}

int vr_fd_get(int fd, struct vr_fd *out)
{
    int rc = -VK_EBADF;

    if (fd < 0 || fd >= VR_FD_MAX)
        return rc;
    vr_lock_acquire(&fd_lock);
    if (fds[fd].ops) {
        *out = fds[fd];
        rc = 0;
    }
    vr_lock_release(&fd_lock);
    return rc;
}

int vr_fd_dup(int fd, int min_fd, uint32_t fdflags)
{
    int rc = -VK_EBADF;

    if (fd < 0 || fd >= VR_FD_MAX)
        return rc;
    vr_lock_acquire(&fd_lock);
    if (fds[fd].ops && (min_fd < 0 || min_fd >= VR_FD_MAX))
        rc = -VK_EINVAL; /* a bad fd is reported first, as Linux does */
    else if (fds[fd].ops)
        rc = install_locked(fds[fd].ops, fds[fd].handle, min_fd, fdflags);
    vr_lock_release(&fd_lock);
    return rc;
}

int vr_fd_dup2(int fd, int newfd, uint32_t fdflags)
{
    struct vr_fd old = {0};
    int rc = -VK_EBADF;

    if (fd < 0 || fd >= VR_FD_MAX || newfd < 0 || newfd >= VR_FD_MAX)
        return rc;
    vr_lock_acquire(&fd_lock);
    if (fds[fd].ops) {
        rc = newfd;
        if (fd != newfd) {
            old = fds[newfd];
            fds[newfd] = (struct vr_fd){fds[fd].ops, fds[fd].handle, fdflags & VR_FD_CLOEXEC};
            if (old.ops && handle_in_use(old.handle))
                old.ops = NULL; /* still used (perhaps by newfd itself): keep the handle */
        }
    }
    vr_lock_release(&fd_lock);
    if (old.ops)
        old.ops->close(old.handle); /* POSIX: errors closing newfd are not reported */
    return rc;
}

int vr_fd_set_flags(int fd, uint32_t fdflags)
{
    int rc = -VK_EBADF;

    if (fd < 0 || fd >= VR_FD_MAX)
        return rc;
    vr_lock_acquire(&fd_lock);
    if (fds[fd].ops) {
        fds[fd].fdflags = fdflags & VR_FD_CLOEXEC;
        rc = 0;
    }
    vr_lock_release(&fd_lock);
    return rc;
}

long vr_fd_close(int fd)
{
    struct vr_fd e;
    int shared;

    if (fd < 0 || fd >= VR_FD_MAX)
        return -VK_EBADF;
    vr_lock_acquire(&fd_lock);
    e = fds[fd];
    fds[fd] = (struct vr_fd){0};
    shared = e.ops && handle_in_use(e.handle);
    vr_lock_release(&fd_lock);
    if (!e.ops)
        return -VK_EBADF;
    if (shared)
        return 0;
    long rc = e.ops->close(e.handle);
    /* the fd is gone whatever happened; a handle the kernel no longer knows is no error
     * the caller could act on */
    return rc == -VK_EBADH ? -VK_EBADF : rc < 0 ? -VK_EIO : 0;
}

const struct vr_fd_ops *vr_fd_ops_for_handle(uint32_t handle)
{
    struct vk_handle_info info;

    if (vk_handle_info(handle, &info) < 0)
        return NULL;
    switch (info.type) {
    case VK_OBJ_CONSOLE:
        return &vr_console_ops;
    case VK_OBJ_ENDPOINT:
        return &vr_vfs_file_ops;
    default:
        return NULL;
    }
}

void vr_fd_init(void)
{
    static const uint32_t roles[3] = {VK_ROLE_STDIN, VK_ROLE_STDOUT, VK_ROLE_STDERR};
    uint32_t console = vr_start_handle(VK_ROLE_CONSOLE);

    for (int fd = 0; fd < 3; fd++) {
        uint32_t h = vr_start_handle(roles[fd]);
        if (!h)
            h = console;
        const struct vr_fd_ops *ops = h ? vr_fd_ops_for_handle(h) : NULL;
        if (ops)
            fds[fd] = (struct vr_fd){ops, h, 0};
    }
    size_t n;
    const struct vk_start_handle *hs = vr_start_handles(&n);
    for (size_t i = 0; i < n; i++) {
        uint32_t role = hs[i].role & ~VK_START_MOVE;
        if (role < VR_ROLE_FD(3) || role >= VR_ROLE_FD(VR_FD_MAX))
            continue;
        const struct vr_fd_ops *ops = vr_fd_ops_for_handle(hs[i].handle);
        if (ops)
            fds[role - VR_ROLE_FD_BASE] = (struct vr_fd){ops, hs[i].handle, 0};
    }
}
