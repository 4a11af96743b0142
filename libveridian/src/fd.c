/*
 * The fd table: small integers naming (kind, kernel handle) pairs, the translation layer
 * between POSIX I/O and Veridian's handles. Each kind is a const ops table (console now;
 * files, pipes and sockets later). The table is shared by all threads under one lock,
 * which is never held across a kernel call that may block: an operation copies the entry
 * out, then calls the kind's ops.
 *
 * At start-up, fds 0, 1 and 2 come from the start handles with roles VK_ROLE_STDIN,
 * STDOUT and STDERR; a role that is missing falls back to VK_ROLE_CONSOLE if the process
 * has one. Only console handles are understood so far; others leave the fd closed.
 * Several fds may share one handle value (the parent may pass one console for all three):
 * the handle is closed with the last fd that uses it.
 */
#include "libc.h"

struct fd_entry {
    const struct vr_fd_ops *ops; /* NULL: free */
    uint32_t handle;
};

static struct vr_lock fd_lock = VR_LOCK_INIT;
static struct fd_entry fds[VR_FD_MAX];

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

const struct vr_fd_ops vr_console_ops = {
    .name = "console",
    .read = console_read,
    .write = console_write,
    .close = console_close,
    .is_tty = 1,
};

/* ---- the table ---- */

int vr_fd_install(const struct vr_fd_ops *ops, uint32_t handle, int min_fd)
{
    int fd = -VK_EMFILE;

    if (min_fd < 0)
        min_fd = 0;
    vr_lock_acquire(&fd_lock);
    for (int i = min_fd; i < VR_FD_MAX; i++) {
        if (!fds[i].ops) {
            fds[i].ops = ops;
            fds[i].handle = handle;
            fd = i;
            break;
        }
    }
    vr_lock_release(&fd_lock);
    return fd;
}

int vr_fd_get(int fd, const struct vr_fd_ops **ops, uint32_t *handle)
{
    int rc = -VK_EBADF;

    if (fd < 0 || fd >= VR_FD_MAX)
        return rc;
    vr_lock_acquire(&fd_lock);
    if (fds[fd].ops) {
        *ops = fds[fd].ops;
        *handle = fds[fd].handle;
        rc = 0;
    }
    vr_lock_release(&fd_lock);
    return rc;
}

long vr_fd_close(int fd)
{
    const struct vr_fd_ops *ops;
    uint32_t handle;
    int shared = 0;

    if (fd < 0 || fd >= VR_FD_MAX)
        return -VK_EBADF;
    vr_lock_acquire(&fd_lock);
    ops = fds[fd].ops;
    handle = fds[fd].handle;
    fds[fd].ops = NULL;
    fds[fd].handle = 0;
    for (int i = 0; ops && i < VR_FD_MAX; i++)
        if (fds[i].ops == ops && fds[i].handle == handle)
            shared = 1;
    vr_lock_release(&fd_lock);
    if (!ops)
        return -VK_EBADF;
    return shared ? 0 : ops->close(handle);
}

static const struct vr_fd_ops *ops_for_handle(uint32_t handle)
{
    struct vk_handle_info info;

    if (vk_handle_info(handle, &info) < 0)
        return NULL;
    switch (info.type) {
    case VK_OBJ_CONSOLE:
        return &vr_console_ops;
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
        const struct vr_fd_ops *ops = h ? ops_for_handle(h) : NULL;
        if (ops) {
            fds[fd].ops = ops;
            fds[fd].handle = h;
        }
    }
}
