/*
 * shim_vfs: the POSIX calls fsops.c makes, implemented on vfs_core, for fsops_lib (see
 * shim_vfs.h). One global namespace (test code may have globals): a tmpfs root owned by
 * nobody (65534:65534, mode 0755), the caller nobody:nogroup, cwd = root, so the script sees
 * what fsops_host sees in its chroot. fds are small integers from 3 up, lowest free first.
 * At exit every fd is closed and the vfs destroyed; anything left behind (vfs_destroy
 * refusing, i.e. a leaked vnode reference, file or pipe) makes the process exit 3.
 */
#include "shim_vfs.h"

#include <stdarg.h>
#include <stdint.h>

#include "vfs.h"

#define SHIM_NOBODY 65534
#define SHIM_NFDS 64

static struct vfs *shim_vfs;
static struct vfs_ctx shim_ctx;
static struct vfs_vnode *shim_rootvn;
static struct vfs_file *shim_fds[SHIM_NFDS];
static int64_t shim_clock_ns;

struct shim_dir {
    struct vfs_file *f;
    struct dirent de;
};

int fsops_enter_root(const char *dir);

static int64_t shim_clock(void *arg)
{
    (void)arg;
    return shim_clock_ns += 1000;
}

static int fail(int64_t r)
{
    errno = (int)-r;
    return -1;
}

static void shim_exit(void)
{
    int err;

    for (int i = 0; i < SHIM_NFDS; i++)
        if (shim_fds[i])
            vfs_close(shim_fds[i]);
    vfs_vnode_put(shim_rootvn);
    err = vfs_destroy(shim_vfs);
    if (err) {
        fprintf(stderr, "fsops_lib: vfs_destroy: %d (leaked references)\n", err);
        fflush(stdout);
        _exit(3);
    }
}

int fsops_enter_root(const char *dir)
{
    struct vfs_config cfg = {.clock = shim_clock};
    struct tmpfs_config tcfg = {
        .root_mode = 0755, .root_uid = SHIM_NOBODY, .root_gid = SHIM_NOBODY};
    struct vfs_fs *fs;
    int err;

    (void)dir;
    err = vfs_create(&cfg, &shim_vfs);
    if (!err)
        err = tmpfs_create(shim_vfs, &tcfg, &fs);
    if (!err)
        err = vfs_mount_root(shim_vfs, fs, 0);
    if (err)
        return fail(err);
    shim_rootvn = vfs_root(shim_vfs);
    shim_ctx.vfs = shim_vfs;
    shim_ctx.cred.uid = SHIM_NOBODY;
    shim_ctx.cred.gid = SHIM_NOBODY;
    shim_ctx.cwd = shim_rootvn;
    shim_ctx.umask = 022;
    atexit(shim_exit);
    return 0;
}

static struct vfs_file *get(int fd)
{
    if (fd < 0 || fd >= SHIM_NFDS)
        return NULL;
    return shim_fds[fd];
}

static int install(struct vfs_file *f)
{
    for (int i = 3; i < SHIM_NFDS; i++) {
        if (!shim_fds[i]) {
            shim_fds[i] = f;
            return i;
        }
    }
    vfs_close(f);
    errno = EMFILE;
    return -1;
}

static uint32_t map_flags(int flags)
{
    static const struct {
        int host;
        uint32_t vfs;
    } map[] = {
        {O_WRONLY, VFS_O_WRONLY},     {O_RDWR, VFS_O_RDWR},           {O_CREAT, VFS_O_CREAT},
        {O_EXCL, VFS_O_EXCL},         {O_TRUNC, VFS_O_TRUNC},         {O_APPEND, VFS_O_APPEND},
        {O_NONBLOCK, VFS_O_NONBLOCK}, {O_DIRECTORY, VFS_O_DIRECTORY}, {O_NOFOLLOW, VFS_O_NOFOLLOW},
        {O_NOCTTY, VFS_O_NOCTTY},
    };
    uint32_t out = 0;

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (flags & map[i].host)
            out |= map[i].vfs;
    return out;
}

static void to_stat(const struct vfs_stat *vs, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = (dev_t)vs->dev;
    st->st_ino = (ino_t)vs->ino;
    st->st_mode = (mode_t)vs->mode;
    st->st_nlink = (nlink_t)vs->nlink;
    st->st_uid = (uid_t)vs->uid;
    st->st_gid = (gid_t)vs->gid;
    st->st_rdev = (dev_t)vs->rdev;
    st->st_size = (off_t)vs->size;
    st->st_blksize = (blksize_t)vs->blksize;
    st->st_blocks = (blkcnt_t)vs->blocks;
}

int shim_open(const char *path, int flags, ...)
{
    struct vfs_file *f;
    mode_t mode = 0;
    int err;

    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    err = vfs_open(&shim_ctx, NULL, path, map_flags(flags), mode, &f);
    if (err)
        return fail(err);
    return install(f);
}

int shim_close(int fd)
{
    struct vfs_file *f = get(fd);

    if (!f)
        return fail(-VK_EBADF);
    shim_fds[fd] = NULL;
    return vfs_close(f) ? -1 : 0;
}

ssize_t shim_read(int fd, void *buf, size_t n)
{
    struct vfs_file *f = get(fd);
    int64_t r;

    if (!f)
        return fail(-VK_EBADF);
    r = vfs_read(f, buf, n);
    return r < 0 ? fail(r) : (ssize_t)r;
}

ssize_t shim_write(int fd, const void *buf, size_t n)
{
    struct vfs_file *f = get(fd);
    int64_t r;

    if (!f)
        return fail(-VK_EBADF);
    r = vfs_write(f, buf, n);
    return r < 0 ? fail(r) : (ssize_t)r;
}

ssize_t shim_pread(int fd, void *buf, size_t n, off_t off)
{
    struct vfs_file *f = get(fd);
    int64_t r;

    if (off < 0)
        return fail(-VK_EINVAL); /* Linux checks the offset before the fd */
    if (!f)
        return fail(-VK_EBADF);
    r = vfs_pread(f, buf, n, off);
    return r < 0 ? fail(r) : (ssize_t)r;
}

ssize_t shim_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    struct vfs_file *f = get(fd);
    int64_t r;

    if (off < 0)
        return fail(-VK_EINVAL);
    if (!f)
        return fail(-VK_EBADF);
    r = vfs_pwrite(f, buf, n, off);
    return r < 0 ? fail(r) : (ssize_t)r;
}

off_t shim_lseek(int fd, off_t off, int whence)
{
    struct vfs_file *f = get(fd);
    int64_t r;

    if (!f)
        return fail(-VK_EBADF);
    r = vfs_lseek(f, off, whence);
    return r < 0 ? fail(r) : (off_t)r;
}

int shim_ftruncate(int fd, off_t len)
{
    struct vfs_file *f = get(fd);

    if (len < 0)
        return fail(-VK_EINVAL);
    if (!f)
        return fail(-VK_EBADF);
    int err = vfs_ftruncate(f, len);
    return err ? fail(err) : 0;
}

int shim_truncate(const char *path, off_t len)
{
    int err = vfs_truncate(&shim_ctx, NULL, path, len);

    return err ? fail(err) : 0;
}

int shim_fstat(int fd, struct stat *st)
{
    struct vfs_file *f = get(fd);
    struct vfs_stat vs;
    int err;

    if (!f)
        return fail(-VK_EBADF);
    err = vfs_fstat(f, &vs);
    if (err)
        return fail(err);
    to_stat(&vs, st);
    return 0;
}

int shim_stat(const char *path, struct stat *st)
{
    struct vfs_stat vs;
    int err = vfs_stat(&shim_ctx, NULL, path, &vs);

    if (err)
        return fail(err);
    to_stat(&vs, st);
    return 0;
}

int shim_lstat(const char *path, struct stat *st)
{
    struct vfs_stat vs;
    int err = vfs_lstat(&shim_ctx, NULL, path, &vs);

    if (err)
        return fail(err);
    to_stat(&vs, st);
    return 0;
}

int shim_fsync(int fd)
{
    struct vfs_file *f = get(fd);
    int err;

    if (!f)
        return fail(-VK_EBADF);
    err = vfs_fsync(f);
    return err ? fail(err) : 0;
}

int shim_fchmod(int fd, mode_t mode)
{
    struct vfs_file *f = get(fd);
    int err;

    if (!f)
        return fail(-VK_EBADF);
    err = vfs_fchmod(&shim_ctx, f, mode);
    return err ? fail(err) : 0;
}

int shim_fcntl(int fd, int cmd, ...)
{
    struct vfs_file *f = get(fd);
    va_list ap;
    int arg;

    if (!f)
        return fail(-VK_EBADF);
    if (cmd == F_GETFL)
        return (int)vfs_file_flags(f);
    if (cmd != F_SETFL)
        return fail(-VK_EINVAL);
    va_start(ap, cmd);
    arg = va_arg(ap, int);
    va_end(ap);
    vfs_file_set_flags(f, map_flags(arg));
    return 0;
}

int shim_pipe(int fds[2])
{
    struct vfs_file *rd, *wr;
    int err = vfs_pipe_open(&shim_ctx, 0, &rd, &wr);

    if (err)
        return fail(err);
    fds[0] = install(rd);
    if (fds[0] < 0) {
        vfs_close(wr);
        return -1;
    }
    fds[1] = install(wr);
    if (fds[1] < 0) {
        shim_close(fds[0]);
        return -1;
    }
    return 0;
}

int shim_mkdir(const char *path, mode_t mode)
{
    int err = vfs_mkdir(&shim_ctx, NULL, path, mode);

    return err ? fail(err) : 0;
}

int shim_mkfifo(const char *path, mode_t mode)
{
    int err = vfs_mknod(&shim_ctx, NULL, path, VFS_S_IFIFO | (mode & 07777), 0);

    return err ? fail(err) : 0;
}

int shim_rmdir(const char *path)
{
    int err = vfs_rmdir(&shim_ctx, NULL, path);

    return err ? fail(err) : 0;
}

int shim_unlink(const char *path)
{
    int err = vfs_unlink(&shim_ctx, NULL, path);

    return err ? fail(err) : 0;
}

int shim_rename(const char *oldpath, const char *newpath)
{
    int err = vfs_rename(&shim_ctx, NULL, oldpath, NULL, newpath);

    return err ? fail(err) : 0;
}

int shim_link(const char *oldpath, const char *newpath)
{
    int err = vfs_link(&shim_ctx, NULL, oldpath, NULL, newpath, 0);

    return err ? fail(err) : 0;
}

int shim_symlink(const char *target, const char *path)
{
    int err = vfs_symlink(&shim_ctx, target, NULL, path);

    return err ? fail(err) : 0;
}

ssize_t shim_readlink(const char *path, char *buf, size_t size)
{
    int64_t r = vfs_readlink(&shim_ctx, NULL, path, buf, size);

    return r < 0 ? fail(r) : (ssize_t)r;
}

int shim_chmod(const char *path, mode_t mode)
{
    int err = vfs_chmod(&shim_ctx, NULL, path, mode, 0);

    return err ? fail(err) : 0;
}

int shim_access(const char *path, int amode)
{
    int err = vfs_access(&shim_ctx, NULL, path, amode, 0);

    return err ? fail(err) : 0;
}

mode_t shim_umask(mode_t mask)
{
    mode_t old = (mode_t)shim_ctx.umask;

    shim_ctx.umask = mask & 0777;
    return old;
}

DIR *shim_opendir(const char *path)
{
    struct shim_dir *d;
    struct vfs_file *f;
    int err =
        vfs_open(&shim_ctx, NULL, path, VFS_O_RDONLY | VFS_O_DIRECTORY | VFS_O_NONBLOCK, 0, &f);

    if (err) {
        fail(err);
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        vfs_close(f);
        errno = ENOMEM;
        return NULL;
    }
    d->f = f;
    return (DIR *)(void *)d;
}

struct dirent *shim_readdir(DIR *dir)
{
    struct shim_dir *d = (struct shim_dir *)(void *)dir;
    struct vfs_dirent de;
    int r = vfs_readdir(d->f, &de);

    if (r < 0) {
        fail(r);
        return NULL;
    }
    if (r == 0)
        return NULL;
    memset(&d->de, 0, sizeof(d->de));
    d->de.d_ino = (ino_t)de.ino;
    memcpy(d->de.d_name, de.name, (size_t)de.namelen + 1);
    return &d->de;
}

int shim_closedir(DIR *dir)
{
    struct shim_dir *d = (struct shim_dir *)(void *)dir;

    vfs_close(d->f);
    free(d);
    return 0;
}
