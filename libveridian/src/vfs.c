/*
 * The client side of the vfs protocol (veridian/vfs_proto.h): the process's session, one
 * helper for every call, the marshalling of path calls, and the fd kind "vfs file" (regular
 * files, directories and pipe ends that vfs serves, and device nodes of servers that speak
 * the same file protocol).
 *
 * Session: the start handle with role VK_ROLE_NSROOT, remembered at start-up. A process
 * started without one (init, early services, vrsim's bare programs) has no namespace: every
 * path call fails with ENOSYS ("this process has no file system"), which tells it apart from
 * a missing file. umask falls back to a local value then (file.c).
 *
 * Calls: vk_call with deadline VK_DEADLINE_NEVER (poll's waits excepted); the reply's opcode
 * is 0 or a positive errno, data[0] the result. vr_vfs_status (filecore.c) turns the kernel's
 * own failures into the errno a POSIX caller expects (a stale handle is EBADF, vfs gone is
 * EIO). One call moves a whole read or write: the kernel copies straight between the two
 * processes' buffers, so there is no chunking here; vfs caps a count at 0x7ffff000 like
 * Linux, and pipe writes may come back short (write() returns that).
 *
 * Directories of *at() calls: a relative path with a real dirfd sends a duplicate of the
 * directory's handle (vk_handle_dup keeps the badge) in the message: handles[0] for the
 * first path (VFS_AT_DIR0 in data[3]), handles[1] for the second (VFS_AT_DIR1). When only the
 * second path has one, handles[0] carries a filler copy of the same directory (not flagged),
 * so handles[1] still is the second path's directory. symlink resolves only its second
 * string (the link): that directory is argument 0 (handles[0], VFS_AT_DIR0). An absolute
 * path or AT_FDCWD sends none (AT_FDCWD: the session's cwd). The kernel unwraps these
 * copies for vfs (it sees their badges, not handles); vfs closes every other handle it
 * receives.
 *
 * Start-up: a process with a session announces itself (VFS_OP_HELLO with its argv and
 * environment, at most HELLO_MAX bytes: what vfs keeps) so it appears as /proc/<pid>.
 *
 * Never: hold the fd lock across a call (calls may block: a pipe read waits in vfs), trust a
 * count or length in a reply beyond the buffer it describes (-EIO instead).
 */
#include "libc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "veridian/vfs_proto.h"

#define MAX_RW 0x7ffff000ul /* Linux's MAX_RW_COUNT: vfs moves at most this much per call */
#define HELLO_MAX 16384u    /* vfs keeps this much of a VFS_OP_HELLO */

static uint32_t session;

void vr_vfs_init(void)
{
    session = vr_start_handle(VK_ROLE_NSROOT);
}

uint32_t vr_vfs_session(void)
{
    return session;
}

/* Append the strings of v (NULL-terminated), each with its NUL, while they fit. */
static size_t pack_strings(char *buf, size_t off, size_t cap, char *const *v)
{
    for (; v && *v; v++) {
        size_t n = strlen(*v) + 1;
        if (n > cap - off)
            break;
        memcpy(buf + off, *v, n);
        off += n;
    }
    return off;
}

/* The buffer lives on the stack (16 KiB of the main thread's 256) and only while this
 * function runs (never inlined into start-up, whose frame lasts): no heap needed. */
__attribute__((noinline)) void vr_vfs_hello(char *const argv[], char *const envp[])
{
    char buf[HELLO_MAX];

    if (!session)
        return;
    size_t off = pack_strings(buf, 0, HELLO_MAX - 1, argv);
    buf[off++] = 0; /* the empty string between the arguments and the environment */
    off = pack_strings(buf, off, HELLO_MAX, envp);
    struct vk_call c = {
        .msg = {.opcode = VFS_OP_HELLO}, .send_buf = (uint64_t)(uintptr_t)buf, .send_len = off};
    struct vr_fd e;
    for (int fd = 0; fd < 3; fd++) /* data[0]: which of fds 0-2 are the console */
        if (vr_fd_get(fd, &e) == 0 && e.ops == &vr_console_ops)
            c.msg.data[0] |= 1u << fd;
    vr_vfs_call(session, &c, VK_DEADLINE_NEVER, 0); /* EBUSY: our parent's session; ignored */
}

static void close_reply_handles(const struct vk_msg *m, unsigned from)
{
    unsigned n = VK_MSG_NHANDLES(m->flags);

    if (n > VK_MSG_MAX_HANDLES)
        n = VK_MSG_MAX_HANDLES;
    for (unsigned i = from; i < n; i++)
        if (m->handles[i])
            vk_handle_close(m->handles[i]);
}

long vr_vfs_call(uint32_t h, struct vk_call *c, uint64_t deadline, unsigned nhandles)
{
    uint32_t sent[VK_MSG_MAX_HANDLES];
    unsigned nsent = VK_MSG_NHANDLES(c->msg.flags);

    memcpy(sent, c->msg.handles, sizeof sent);
    long rc = vk_call(h, c, deadline);
    if (rc < 0) {
        /* A call refused before the kernel took the handles leaves them with us; closing
         * one it took is harmless (the value is stale: handle values carry a generation). */
        for (unsigned i = 0; i < nsent && i < VK_MSG_MAX_HANDLES; i++)
            vk_handle_close(sent[i]);
        return vr_vfs_status(rc, 0);
    }
    rc = vr_vfs_status(0, c->msg.opcode);
    if (rc == 0 && VK_MSG_NHANDLES(c->msg.flags) < nhandles)
        rc = -VK_EIO;
    close_reply_handles(&c->msg, rc == 0 ? nhandles : 0);
    return rc;
}

/* A duplicate of dirfd's handle to send as an *at() directory: 0 with *out, -VK_EBADF, or
 * -VK_ENOTDIR for an fd vfs cannot know (the console). */
static long dir_handle(int dirfd, uint32_t *out)
{
    struct vr_fd e;
    long rc = vr_fd_get(dirfd, &e);

    if (rc < 0)
        return rc;
    if (!e.ops->is_vfs)
        return -VK_ENOTDIR;
    rc = vk_handle_dup(e.handle, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, out);
    return rc < 0 ? vr_vfs_status(rc, 0) : 0;
}

static int needs_dir(int dirfd, const char *path)
{
    return path && dirfd != AT_FDCWD && path[0] != '/';
}

long vr_vfs_path_call(uint32_t op, int dirfd, const char *path, int dirfd2, const char *path2,
                      struct vk_call *c, unsigned nhandles)
{
    uint32_t dirs[2] = {0, 0};
    char *joined = NULL;
    long len1, len2 = 0, rc = 0;

    if (!session)
        return -VK_ENOSYS;
    if ((len1 = vr_path_length(path)) < 0)
        return len1;
    /* the second path may run long: vfs reports its ENAMETOOLONG in Linux's order (after
     * resolving the first), so it travels as is, up to twice the limit */
    if (path2) {
        size_t n2 = strnlen(path2, 2 * VFS_PROTO_PATH_MAX);
        if (n2 >= 2 * VFS_PROTO_PATH_MAX)
            return -VK_ENAMETOOLONG;
        len2 = (long)n2;
    }

    int want0 = needs_dir(dirfd, path), want1 = needs_dir(dirfd2, path2);
    if (op == VFS_OP_SYMLINK) { /* only the link is resolved: its directory is argument 0 */
        want0 = want1;
        want1 = 0;
        dirfd = dirfd2;
    }
    uint64_t at = (want0 ? VFS_AT_DIR0 : 0) | (want1 ? VFS_AT_DIR1 : 0);
    if (want0)
        rc = dir_handle(dirfd, &dirs[0]);
    if (rc == 0 && want1)
        rc = dir_handle(dirfd2, &dirs[1]);
    if (rc == 0 && want1 && !want0)
        rc = dir_handle(dirfd2, &dirs[0]); /* filler: handles[1] must stay the second slot */
    if (rc < 0)
        goto out;

    if (path2) {
        joined = malloc((size_t)len1 + 1 + (size_t)len2);
        if (!joined) {
            rc = -VK_ENOMEM;
            goto out;
        }
        memcpy(joined, path, (size_t)len1);
        joined[len1] = 0;
        memcpy(joined + len1 + 1, path2, (size_t)len2);
        c->send_buf = (uint64_t)(uintptr_t)joined;
        c->send_len = (uint64_t)len1 + 1 + (uint64_t)len2;
    } else {
        c->send_buf = (uint64_t)(uintptr_t)path;
        c->send_len = (uint64_t)len1;
    }
    c->msg.opcode = op;
    c->msg.flags = dirs[1] ? 2 : dirs[0] ? 1 : 0;
    c->msg.handles[0] = dirs[0];
    c->msg.handles[1] = dirs[1];
    c->msg.data[3] = at;
    rc = vr_vfs_call(session, c, VK_DEADLINE_NEVER, nhandles);
    dirs[0] = dirs[1] = 0; /* sent: gone either way */
out:
    for (int i = 0; i < 2; i++)
        if (dirs[i])
            vk_handle_close(dirs[i]);
    free(joined);
    return rc;
}

/* ---- the vfs file kind ---- */

static long file_call(uint32_t h, struct vk_call *c)
{
    return vr_vfs_call(h, c, VK_DEADLINE_NEVER, 0);
}

/* data[0] of a successful reply as a count of at most max bytes, or -VK_EIO. */
static long reply_count(long rc, const struct vk_call *c, size_t max)
{
    if (rc < 0)
        return rc;
    return c->msg.data[0] <= max ? (long)c->msg.data[0] : -VK_EIO;
}

static long file_read(uint32_t h, void *buf, size_t n)
{
    n = n < MAX_RW ? n : MAX_RW;
    struct vk_call c = {.msg = {.opcode = VFS_OP_READ, .data = {n}},
                        .recv_buf = (uint64_t)(uintptr_t)buf,
                        .recv_len = n};
    return reply_count(file_call(h, &c), &c, n);
}

static long file_write(uint32_t h, const void *buf, size_t n)
{
    n = n < MAX_RW ? n : MAX_RW;
    struct vk_call c = {.msg = {.opcode = VFS_OP_WRITE, .data = {n}},
                        .send_buf = (uint64_t)(uintptr_t)buf,
                        .send_len = n};
    return reply_count(file_call(h, &c), &c, n);
}

static long file_close(uint32_t h)
{
    return vk_handle_close(h);
}

static long file_pread(uint32_t h, void *buf, size_t n, int64_t off)
{
    n = n < MAX_RW ? n : MAX_RW;
    struct vk_call c = {.msg = {.opcode = VFS_OP_PREAD, .data = {n, (uint64_t)off}},
                        .recv_buf = (uint64_t)(uintptr_t)buf,
                        .recv_len = n};
    return reply_count(file_call(h, &c), &c, n);
}

static long file_pwrite(uint32_t h, const void *buf, size_t n, int64_t off)
{
    n = n < MAX_RW ? n : MAX_RW;
    struct vk_call c = {.msg = {.opcode = VFS_OP_PWRITE, .data = {n, (uint64_t)off}},
                        .send_buf = (uint64_t)(uintptr_t)buf,
                        .send_len = n};
    return reply_count(file_call(h, &c), &c, n);
}

static long file_lseek(uint32_t h, int64_t off, int whence)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_LSEEK, .data = {(uint64_t)off, (uint64_t)whence}}};
    long rc = file_call(h, &c);

    if (rc < 0)
        return rc;
    return (int64_t)c.msg.data[0] >= 0 ? (long)c.msg.data[0] : -VK_EIO;
}

static long file_fstat(uint32_t h, struct vfs_proto_stat *st)
{
    memset(st, 0, sizeof *st);
    struct vk_call c = {.msg = {.opcode = VFS_OP_FSTAT},
                        .recv_buf = (uint64_t)(uintptr_t)st,
                        .recv_len = sizeof *st};
    return file_call(h, &c);
}

static long file_ftruncate(uint32_t h, int64_t length)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_FTRUNCATE, .data = {(uint64_t)length}}};
    return file_call(h, &c);
}

static long file_fsync(uint32_t h)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_FSYNC}};
    return file_call(h, &c);
}

static long file_fchmod(uint32_t h, uint32_t mode)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_FCHMOD, .data = {mode}}};
    return file_call(h, &c);
}

static long file_getfl(uint32_t h)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_GETFL}};
    long rc = file_call(h, &c);

    return rc < 0 ? rc : (long)(c.msg.data[0] & 0x7fffffffu);
}

static long file_setfl(uint32_t h, uint32_t flags)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_SETFL, .data = {flags}}};
    return file_call(h, &c);
}

static long file_readdir(uint32_t h, void *buf, size_t len)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_READDIR, .data = {len}},
                        .recv_buf = (uint64_t)(uintptr_t)buf,
                        .recv_len = len};
    /* a record takes at least 32 bytes: more than len / 32 records cannot be there */
    return reply_count(file_call(h, &c), &c, len / 32);
}

static long file_poll(uint32_t h, uint32_t events, uint64_t deadline)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_POLL, .data = {events, deadline ? 0 : 1}}};
    long rc = vr_vfs_call(h, &c, deadline ? deadline : VK_DEADLINE_NEVER, 0);

    return rc < 0 ? rc : (long)(c.msg.data[0] & 0xffffu);
}

long vr_vfs_watch(uint32_t h, uint32_t notify, uint32_t events, uint64_t bits, int add)
{
    uint32_t copy;
    long rc = vk_handle_dup(notify, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, &copy);
    if (rc)
        return rc;
    struct vk_call c = {.msg = {.opcode = add ? VFS_OP_WATCH : VFS_OP_UNWATCH,
                                .flags = 1,
                                .data = {events, bits},
                                .handles = {copy}}};
    return vr_vfs_call(h, &c, VK_DEADLINE_NEVER, 0);
}

const struct vr_fd_ops vr_vfs_file_ops = {
    .name = "vfs",
    .read = file_read,
    .write = file_write,
    .close = file_close,
    .pread = file_pread,
    .pwrite = file_pwrite,
    .lseek = file_lseek,
    .fstat = file_fstat,
    .ftruncate = file_ftruncate,
    .fsync = file_fsync,
    .fchmod = file_fchmod,
    .getfl = file_getfl,
    .setfl = file_setfl,
    .readdir = file_readdir,
    .poll = file_poll,
    .poll_item = NULL,
    .is_tty = 0,
    .is_vfs = 1,
};
