/*
 * The pure parts of libveridian's file API (engine file: see core.h): fopen mode parsing,
 * checking READDIR records from vfs, I/O vector arithmetic, stat conversion, the mapping of
 * a vfs call's outcome to one errno, and deadlines. The guest modules (file.c, dirent.c,
 * uio.c, poll.c, stdio.c) call these; tests/unit/libc/test_filecore.c tests them on the host.
 *
 * Records and replies come from another process (vfs): every length and offset in them is
 * range-checked here and a bad one is -VK_EIO, never a crash.
 */
#include "core.h"

#include <limits.h>

#include "veridian/kcall.h"
#include "veridian/vfs_proto.h"

#define NS_PER_SEC 1000000000ll

int vr_fopen_mode(const char *mode, int *oflags)
{
    int flags, rw;

    switch (mode[0]) {
    case 'r':
        flags = VR_O_RDONLY;
        rw = VR_FMODE_READ;
        break;
    case 'w':
        flags = VR_O_WRONLY | VR_O_CREAT | VR_O_TRUNC;
        rw = VR_FMODE_WRITE;
        break;
    case 'a':
        flags = VR_O_WRONLY | VR_O_CREAT | VR_O_APPEND;
        rw = VR_FMODE_WRITE | VR_FMODE_APPEND;
        break;
    default:
        return -VK_EINVAL;
    }
    for (const char *c = mode + 1; *c; c++) {
        switch (*c) {
        case '+':
            flags = (flags & ~(VR_O_WRONLY | VR_O_RDWR)) | VR_O_RDWR;
            rw |= VR_FMODE_READ | VR_FMODE_WRITE;
            break;
        case 'x':
            flags |= VR_O_EXCL;
            break;
        case 'e':
            flags |= VR_O_CLOEXEC;
            break;
        default: /* 'b' and anything else: no meaning here */
            break;
        }
    }
    *oflags = flags;
    return rw;
}

int vr_dirent_next(const void *buf, size_t len, size_t *pos, struct vr_dirent_rec *out)
{
    const unsigned char *p = buf;
    struct vfs_proto_dirent h;
    size_t at = *pos;

    if (at == len)
        return 0;
    if (at > len || (at & 7) || len - at < sizeof h)
        return -VK_EIO;
    vr_memcpy(&h, p + at, sizeof h);
    if (h.namelen == 0 || h.namelen > 255 || (h.reclen & 7) ||
        h.reclen < sizeof h + (size_t)h.namelen + 1 || h.reclen > len - at)
        return -VK_EIO;
    const char *name = (const char *)p + at + sizeof h;
    if (name[h.namelen] != 0 || vr_memchr(name, 0, h.namelen))
        return -VK_EIO;
    out->ino = h.ino;
    out->next = h.next;
    out->type = h.type;
    out->reclen = h.reclen;
    out->namelen = h.namelen;
    out->name = name;
    *pos = at + h.reclen;
    return 1;
}

int vr_iov_total(const struct vr_iovec *iov, int n, size_t *total)
{
    size_t sum = 0;

    if (n < 0 || n > VR_IOV_MAX)
        return -VK_EINVAL;
    for (int i = 0; i < n; i++) {
        if (iov[i].len > (size_t)LONG_MAX - sum)
            return -VK_EINVAL;
        sum += iov[i].len;
    }
    *total = sum;
    return 0;
}

void vr_iov_gather(const struct vr_iovec *iov, int n, void *dst)
{
    unsigned char *d = dst;

    for (int i = 0; i < n; i++) {
        if (iov[i].len)
            vr_memcpy(d, iov[i].base, iov[i].len);
        d += iov[i].len;
    }
}

size_t vr_iov_scatter(const struct vr_iovec *iov, int n, const void *src, size_t len)
{
    const unsigned char *s = src;
    size_t done = 0;

    for (int i = 0; i < n && done < len; i++) {
        size_t k = iov[i].len < len - done ? iov[i].len : len - done;
        if (k)
            vr_memcpy(iov[i].base, s + done, k);
        done += k;
    }
    return done;
}

static struct vr_timespec ns_to_timespec(int64_t ns)
{
    struct vr_timespec t = {ns / NS_PER_SEC, (long)(ns % NS_PER_SEC)};

    if (t.nsec < 0) {
        t.sec--;
        t.nsec += NS_PER_SEC;
    }
    return t;
}

void vr_stat_from_proto(const struct vfs_proto_stat *in, struct vr_stat *out)
{
    vr_memset(out, 0, sizeof *out);
    out->dev = in->dev;
    out->ino = in->ino;
    out->nlink = in->nlink;
    out->mode = in->mode;
    out->uid = in->uid;
    out->gid = in->gid;
    out->rdev = in->rdev;
    out->size = in->size;
    out->blksize = in->blksize;
    out->blocks = in->blocks;
    out->atim = ns_to_timespec(in->atime_ns);
    out->mtim = ns_to_timespec(in->mtime_ns);
    out->ctim = ns_to_timespec(in->ctime_ns);
}

long vr_vfs_status(long call_rc, uint32_t opcode)
{
    if (call_rc < 0) {
        switch (-call_rc) {
        case VK_EBADH:
        case VK_EWRONGTYPE:
        case VK_EPERM:
            return -VK_EBADF;
        case VK_EPIPE:
            return -VK_EIO;
        default:
            return call_rc;
        }
    }
    if (opcode == 0)
        return 0;
    return opcode <= 4095 ? -(long)opcode : -VK_EIO;
}

long vr_path_length(const char *path)
{
    if (!path)
        return -VK_EFAULT;
    size_t n = vr_strnlen(path, VFS_PROTO_PATH_MAX);
    return n >= VFS_PROTO_PATH_MAX ? -VK_ENAMETOOLONG : (long)n;
}

uint64_t vr_deadline_after_ms(uint64_t now, long timeout_ms)
{
    if (timeout_ms < 0)
        return VK_DEADLINE_NEVER;
    if ((uint64_t)timeout_ms > UINT64_MAX / 1000000ull)
        return VK_DEADLINE_NEVER;
    uint64_t ns = (uint64_t)timeout_ms * 1000000ull;
    if (ns > VK_DEADLINE_NEVER - now)
        return VK_DEADLINE_NEVER;
    return now + ns;
}
