/*
 * BSD sockets: the fd kind "socket" and the socket calls, the client side of
 * veridian/net_proto.h (os/netstack/sock.c serves it; the semantics are all there, this file
 * only marshals).
 *
 * Reaching netstack: the first socket() of a process opens /dev/net through vfs and keeps
 * that control handle; NET_OP_SOCKET on it, with a duplicate of our resource handle (start
 * role VK_ROLE_SPAWNER: netstack checks CAP_NET on it), returns the socket's own handle,
 * which becomes the fd. No /dev/net (netstack is not running) is EAFNOSUPPORT, as on a Linux
 * without networking.
 *
 * A socket handle speaks vfs's file protocol for read, write, poll (VFS_OP_POLL and the
 * watches poll.c sets up for kinds without a poll item), fcntl's O_NONBLOCK and fstat, so
 * read/write/close/poll/fcntl/dup and posix_spawn work on sockets like on pipes. A socket fd
 * a child inherits arrives as a plain vfs-protocol fd (fd.c knows handles by object type);
 * the socket calls accept it when its handle's badge is a socket's (NET_BADGE_SOCKET).
 *
 * Addresses travel in message words (at most NET_ADDR_MAX bytes of a sockaddr); payload by
 * copy through the call's buffers; sendmsg gathers its vector into one buffer and recvmsg
 * scatters one (a datagram stays one datagram). No ancillary data: msg_controllen comes back
 * 0. Not supported: AF_UNIX (socket() and socketpair() fail with EAFNOSUPPORT), socketpair()
 * on Internet sockets (EOPNOTSUPP, as Linux), IPPROTO_RAW (IP_HDRINCL) raw sockets; MSG_WAITALL
 * and MSG_OOB are not honoured (a recv may return less; there is no urgent data).
 * Blocking calls block in netstack (a deferred reply), so they are interrupted by signals
 * (EINTR) and never restarted (as Linux with SO_RCVTIMEO/SO_SNDTIMEO set).
 */
#include "libc.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "veridian/caps.h"
#include "veridian/net_proto.h"
#include "veridian/vfs_proto.h"

const struct in6_addr in6addr_any = IN6ADDR_ANY_INIT;
const struct in6_addr in6addr_loopback = IN6ADDR_LOOPBACK_INIT;

extern const struct vr_fd_ops vr_socket_ops;

static struct vr_lock net_lock = VR_LOCK_INIT;
static uint32_t net_control; /* our handle to /dev/net, once opened */

/* ---- the fd kind ---- */

static long sock_call(uint32_t h, struct vk_call *c, unsigned nhandles)
{
    return vr_vfs_call(h, c, VK_DEADLINE_NEVER, nhandles);
}

static long sock_read(uint32_t h, void *buf, size_t n)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_READ, .data = {n}},
                        .recv_buf = (uint64_t)(uintptr_t)buf,
                        .recv_len = n};
    long rc = sock_call(h, &c, 0);
    if (rc < 0)
        return rc;
    return c.msg.data[0] <= n ? (long)c.msg.data[0] : -VK_EIO;
}

static long sock_write(uint32_t h, const void *buf, size_t n)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_WRITE, .data = {n}},
                        .send_buf = (uint64_t)(uintptr_t)buf,
                        .send_len = n};
    long rc = sock_call(h, &c, 0);
    if (rc < 0)
        return rc;
    return c.msg.data[0] <= n ? (long)c.msg.data[0] : -VK_EIO;
}

static long sock_close(uint32_t h)
{
    return vk_handle_close(h);
}

static long sock_pread(uint32_t h, void *buf, size_t n, int64_t off)
{
    (void)h, (void)buf, (void)n, (void)off;
    return -VK_ESPIPE;
}

static long sock_pwrite(uint32_t h, const void *buf, size_t n, int64_t off)
{
    (void)h, (void)buf, (void)n, (void)off;
    return -VK_ESPIPE;
}

static long sock_lseek(uint32_t h, int64_t off, int whence)
{
    (void)h, (void)off, (void)whence;
    return -VK_ESPIPE;
}

static long sock_fstat(uint32_t h, struct vfs_proto_stat *st)
{
    memset(st, 0, sizeof *st);
    struct vk_call c = {.msg = {.opcode = VFS_OP_FSTAT},
                        .recv_buf = (uint64_t)(uintptr_t)st,
                        .recv_len = sizeof *st};
    return sock_call(h, &c, 0);
}

static long sock_einval(uint32_t h)
{
    (void)h;
    return -VK_EINVAL;
}

static long sock_ftruncate(uint32_t h, int64_t length)
{
    (void)h, (void)length;
    return -VK_EINVAL;
}

static long sock_fchmod(uint32_t h, uint32_t mode)
{
    (void)h, (void)mode;
    return -VK_EINVAL;
}

static long sock_getfl(uint32_t h)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_GETFL}};
    long rc = sock_call(h, &c, 0);
    return rc < 0 ? rc : (long)(c.msg.data[0] & 0x7fffffffu);
}

static long sock_setfl(uint32_t h, uint32_t flags)
{
    struct vk_call c = {.msg = {.opcode = VFS_OP_SETFL, .data = {flags}}};
    return sock_call(h, &c, 0);
}

static long sock_readdir(uint32_t h, void *buf, size_t len)
{
    (void)h, (void)buf, (void)len;
    return -VK_ENOTDIR;
}

/* A waiting poll tells netstack its deadline too (data[2]), so that a poll the kernel ended
 * at its deadline does not stay parked there. */
static long sock_poll(uint32_t h, uint32_t events, uint64_t deadline)
{
    struct vk_call c = {
        .msg = {.opcode = VFS_OP_POLL, .data = {events, deadline ? 0 : 1, deadline}}};
    long rc = vr_vfs_call(h, &c, deadline ? deadline : VK_DEADLINE_NEVER, 0);
    return rc < 0 ? rc : (long)(c.msg.data[0] & 0xffffu);
}

const struct vr_fd_ops vr_socket_ops = {
    .name = "socket",
    .read = sock_read,
    .write = sock_write,
    .close = sock_close,
    .pread = sock_pread,
    .pwrite = sock_pwrite,
    .lseek = sock_lseek,
    .fstat = sock_fstat,
    .ftruncate = sock_ftruncate,
    .fsync = sock_einval,
    .fchmod = sock_fchmod,
    .getfl = sock_getfl,
    .setfl = sock_setfl,
    .readdir = sock_readdir,
    .poll = sock_poll,
    .poll_item = NULL, /* poll.c watches it (VFS_OP_WATCH), as vfs files */
    .is_tty = 0,
    .is_vfs = 0,
};

/* The socket handle behind fd: 0, -VK_EBADF or -ENOTSOCK. */
static long sock_handle(int fd, uint32_t *h)
{
    struct vr_fd e;
    long rc = vr_fd_get(fd, &e);
    if (rc < 0)
        return rc;
    if (e.ops == &vr_socket_ops) {
        *h = e.handle;
        return 0;
    }
    struct vk_handle_info hi;
    if (e.ops == &vr_vfs_file_ops && vk_handle_info(e.handle, &hi) == 0 &&
        (hi.badge & NET_BADGE_SOCKET) && !(hi.badge & (VFS_BADGE_FILE | VFS_BADGE_DEVICE))) {
        *h = e.handle;
        return 0;
    }
    return -ENOTSOCK;
}

/* Our handle to /dev/net (opened on first use). */
static long net_handle(uint32_t *out)
{
    vr_lock_acquire(&net_lock);
    uint32_t h = net_control;
    vr_lock_release(&net_lock);
    if (h) {
        *out = h;
        return 0;
    }
    struct vk_call c = {.msg = {.data = {O_RDWR}}};
    long rc = vr_vfs_path_call(VFS_OP_OPEN, AT_FDCWD, NET_DEVICE_PATH, AT_FDCWD, NULL, &c, 1);
    if (rc < 0)
        return rc == -VK_ENOENT || rc == -VK_ENXIO || rc == -VK_ENOSYS ? -EAFNOSUPPORT : rc;
    h = c.msg.handles[0];
    vr_lock_acquire(&net_lock);
    if (net_control) { /* another thread was first */
        vk_handle_close(h);
        h = net_control;
    } else {
        net_control = h;
    }
    vr_lock_release(&net_lock);
    *out = h;
    return 0;
}

/* ---- addresses ---- */

static long addr_pack(const struct sockaddr *addr, socklen_t len, uint64_t *words)
{
    memset(words, 0, NET_ADDR_MAX);
    if (!addr)
        return -VK_EFAULT;
    if (len > sizeof(struct sockaddr_storage))
        return -VK_EINVAL;
    memcpy(words, addr, len < NET_ADDR_MAX ? len : NET_ADDR_MAX);
    return len < NET_ADDR_MAX ? len : NET_ADDR_MAX;
}

static void addr_unpack(const uint64_t *words, uint64_t alen, struct sockaddr *addr, socklen_t *len)
{
    if (!addr || !len)
        return;
    if (alen > NET_ADDR_MAX)
        alen = NET_ADDR_MAX;
    memcpy(addr, words, *len < alen ? *len : alen);
    *len = (socklen_t)alen;
}

/* ---- the calls ---- */

static long do_socket(int domain, int type, int protocol)
{
    uint32_t ctl, res = vr_start_handle(VK_ROLE_SPAWNER), copy = 0;
    if (domain == AF_UNIX)
        return -EAFNOSUPPORT;
    if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -VK_EINVAL;
    long rc = net_handle(&ctl);
    if (rc < 0)
        return rc;
    struct vk_handle_info hi;
    if (res && vk_handle_info(res, &hi) == 0 && (hi.rights & VK_RIGHT_NET))
        vk_handle_dup(res, (hi.rights & (VK_RIGHT_NET | VK_RIGHT_NET_RAW)) | VK_RIGHT_TRANSFER,
                      &copy);
    struct vk_call c = {
        .msg = {.opcode = NET_OP_SOCKET,
                .flags = copy ? 1 : 0,
                .data = {(uint64_t)domain, (uint64_t)(type & ~SOCK_CLOEXEC), (uint64_t)protocol},
                .handles = {copy}}};
    rc = sock_call(ctl, &c, 1);
    if (rc < 0)
        return rc;
    return vr_fd_adopt(&vr_socket_ops, c.msg.handles[0], (type & SOCK_CLOEXEC) ? VR_FD_CLOEXEC : 0);
}

int socket(int domain, int type, int protocol)
{
    return (int)vr_posix(do_socket(domain, type, protocol));
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
    (void)type, (void)protocol, (void)sv;
    return (int)vr_posix(domain == AF_UNIX ? -EAFNOSUPPORT : -EOPNOTSUPP);
}

static long addr_call(int fd, uint32_t op, const struct sockaddr *addr, socklen_t len)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return rc;
    struct vk_call c = {.msg = {.opcode = op}};
    if ((rc = addr_pack(addr, len, &c.msg.data[1])) < 0)
        return rc;
    c.msg.data[0] = (uint64_t)rc;
    return sock_call(h, &c, 0);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    return (int)vr_posix(addr_call(fd, NET_OP_BIND, addr, len));
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct vr_tcb *self = vr_tcb_current();
    self->sig_norestart++;
    long rc = addr_call(fd, NET_OP_CONNECT, addr, len);
    self->sig_norestart--;
    return (int)vr_posix(rc);
}

int listen(int fd, int backlog)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc == 0) {
        struct vk_call c = {.msg = {.opcode = NET_OP_LISTEN, .data = {(uint64_t)(int64_t)backlog}}};
        rc = sock_call(h, &c, 0);
    }
    return (int)vr_posix(rc);
}

static long do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    uint32_t h;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -VK_EINVAL;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return rc;
    struct vk_call c = {
        .msg = {.opcode = NET_OP_ACCEPT, .data = {(uint64_t)(flags & SOCK_NONBLOCK)}}};
    if ((rc = sock_call(h, &c, 1)) < 0)
        return rc;
    uint32_t nh = c.msg.handles[0];
    addr_unpack(&c.msg.data[1], c.msg.data[0], addr, len);
    return vr_fd_adopt(&vr_socket_ops, nh, (flags & SOCK_CLOEXEC) ? VR_FD_CLOEXEC : 0);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    struct vr_tcb *self = vr_tcb_current();
    self->sig_norestart++;
    long rc = do_accept(fd, addr, len, flags);
    self->sig_norestart--;
    return (int)vr_posix(rc);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return accept4(fd, addr, len, 0);
}

static long do_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                      socklen_t len)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return rc;
    struct vk_call c = {.msg = {.opcode = NET_OP_SENDTO, .data = {(uint64_t)(unsigned)flags}},
                        .send_buf = (uint64_t)(uintptr_t)buf,
                        .send_len = n};
    if (addr) {
        if ((rc = addr_pack(addr, len, &c.msg.data[2])) < 0)
            return rc;
        c.msg.data[1] = (uint64_t)rc;
    }
    if ((rc = sock_call(h, &c, 0)) < 0)
        return rc;
    return c.msg.data[0] <= n ? (long)c.msg.data[0] : -VK_EIO;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t len)
{
    struct vr_tcb *self = vr_tcb_current();
    self->sig_norestart++;
    long rc = do_sendto(fd, buf, n, flags, addr, len);
    self->sig_norestart--;
    return vr_posix(rc);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    return sendto(fd, buf, n, flags, NULL, 0);
}

/* -> bytes (a datagram's full length with MSG_TRUNC); *rflags gets the reply's MSG_TRUNC */
static long do_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
                        socklen_t *len, int *rflags)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return rc;
    struct vk_call c = {.msg = {.opcode = NET_OP_RECVFROM, .data = {(uint64_t)(unsigned)flags, n}},
                        .recv_buf = (uint64_t)(uintptr_t)buf,
                        .recv_len = n};
    if ((rc = sock_call(h, &c, 0)) < 0)
        return rc;
    if (c.msg.data[0] > n && !(flags & MSG_TRUNC))
        return -VK_EIO;
    addr_unpack(&c.msg.data[2], NET_RECV_ADDRLEN(c.msg.data[1]), addr, len);
    if (rflags)
        *rflags = (int)NET_RECV_FLAGS(c.msg.data[1]);
    return (long)c.msg.data[0];
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
    struct vr_tcb *self = vr_tcb_current();
    self->sig_norestart++;
    long rc = do_recvfrom(fd, buf, n, flags, addr, len, NULL);
    self->sig_norestart--;
    return vr_posix(rc);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    return recvfrom(fd, buf, n, flags, NULL, NULL);
}

static long iov_total(const struct msghdr *msg, size_t *total)
{
    size_t t = 0;
    if (!msg || (msg->msg_iovlen && !msg->msg_iov))
        return -VK_EFAULT;
    if (msg->msg_iovlen > 1024)
        return -VK_EMSGSIZE;
    for (size_t i = 0; i < msg->msg_iovlen; i++) {
        if (msg->msg_iov[i].iov_len > 0x7ffff000ul - t)
            return -VK_EINVAL;
        t += msg->msg_iov[i].iov_len;
    }
    *total = t;
    return 0;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    size_t total;
    long rc = iov_total(msg, &total);
    if (rc < 0)
        return vr_posix(rc);
    const struct sockaddr *to = msg->msg_name;
    if (msg->msg_iovlen == 1)
        return sendto(fd, msg->msg_iov[0].iov_base, total, flags, to, msg->msg_namelen);
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return vr_posix(-VK_ENOMEM);
    for (size_t i = 0, off = 0; i < msg->msg_iovlen; off += msg->msg_iov[i++].iov_len)
        memcpy(buf + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
    ssize_t n = sendto(fd, buf, total, flags, to, msg->msg_namelen);
    free(buf);
    return n;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    size_t total;
    long rc = iov_total(msg, &total);
    if (rc < 0)
        return vr_posix(rc);
    char *buf = msg->msg_iovlen == 1 ? msg->msg_iov[0].iov_base : malloc(total ? total : 1);
    if (!buf)
        return vr_posix(-VK_ENOMEM);
    socklen_t alen = msg->msg_namelen;
    int rflags = 0;
    struct vr_tcb *self = vr_tcb_current();
    self->sig_norestart++;
    rc = do_recvfrom(fd, buf, total, flags, msg->msg_name, msg->msg_name ? &alen : NULL, &rflags);
    self->sig_norestart--;
    if (rc >= 0) {
        size_t got = (size_t)rc < total ? (size_t)rc : total;
        if (msg->msg_iovlen != 1)
            for (size_t i = 0, off = 0; i < msg->msg_iovlen && off < got; i++) {
                size_t k =
                    msg->msg_iov[i].iov_len < got - off ? msg->msg_iov[i].iov_len : got - off;
                memcpy(msg->msg_iov[i].iov_base, buf + off, k);
                off += k;
            }
        if (msg->msg_name)
            msg->msg_namelen = alen;
        msg->msg_controllen = 0;
        msg->msg_flags = rflags;
    }
    if (msg->msg_iovlen != 1)
        free(buf);
    return vr_posix(rc);
}

int shutdown(int fd, int how)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc == 0) {
        struct vk_call c = {.msg = {.opcode = NET_OP_SHUTDOWN, .data = {(uint64_t)(int64_t)how}}};
        rc = sock_call(h, &c, 0);
    }
    return (int)vr_posix(rc);
}

static long getname(int fd, int peer, struct sockaddr *addr, socklen_t *len)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return rc;
    if (!addr || !len)
        return -VK_EFAULT;
    struct vk_call c = {.msg = {.opcode = NET_OP_GETNAME, .data = {(uint64_t)peer}}};
    if ((rc = sock_call(h, &c, 0)) < 0)
        return rc;
    addr_unpack(&c.msg.data[1], c.msg.data[0], addr, len);
    return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return (int)vr_posix(getname(fd, 0, addr, len));
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return (int)vr_posix(getname(fd, 1, addr, len));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return (int)vr_posix(rc);
    if (!val || !len)
        return (int)vr_posix(-VK_EFAULT);
    struct vk_call c = {.msg = {.opcode = NET_OP_GETOPT,
                                .data = {(uint64_t)(int64_t)level, (uint64_t)(int64_t)name}}};
    if ((rc = sock_call(h, &c, 0)) < 0)
        return (int)vr_posix(rc);
    uint64_t n = c.msg.data[0] < NET_OPT_MAX ? c.msg.data[0] : NET_OPT_MAX;
    memcpy(val, &c.msg.data[1], *len < n ? *len : n);
    *len = (socklen_t)n;
    return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    uint32_t h;
    long rc = sock_handle(fd, &h);
    if (rc < 0)
        return (int)vr_posix(rc);
    if (len && !val)
        return (int)vr_posix(-VK_EFAULT);
    if (len > NET_OPT_MAX)
        return (int)vr_posix(-VK_EINVAL);
    struct vk_call c = {.msg = {.opcode = NET_OP_SETOPT,
                                .data = {(uint64_t)(int64_t)level, (uint64_t)(int64_t)name, len}}};
    if (len)
        memcpy(&c.msg.data[3], val, len);
    return (int)vr_posix(sock_call(h, &c, 0));
}
