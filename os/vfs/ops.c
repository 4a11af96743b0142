/*
 * ops: the POSIX operations layer (open, read, write, stat, mkdir, rename, ...) over the
 * walker, the mount table and the filesystems' ops tables.
 *
 * Called by the vfs server's IPC shell (one call per client request) and by tests. Each
 * function mirrors the Linux syscall it is named after, step for step, so that a failing call
 * reports the same error Linux would when several apply (tests/diff holds it to that): name
 * checks, then the walk, then the read-only check, then the final lookup, then permissions,
 * then type checks, then "busy" checks, then the filesystem op. Decode-then-act: nothing is
 * changed until every check has passed; the filesystem op is the only step that changes
 * state, and it is atomic.
 *
 * Never blocks: pipes return -VK_EAGAIN (see vfs.h). Set-id bits are cleared on write and
 * truncate by non-root callers, as Linux does.
 */
#include "vfs_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------- helpers ---------------- */

static int check_name(const char *path, bool empty_ok)
{
    size_t len;

    if (!path)
        return -VK_EFAULT;
    len = strnlen(path, VFS_PATH_MAX);
    if (len >= VFS_PATH_MAX)
        return -VK_ENAMETOOLONG;
    if (len == 0 && !empty_ok)
        return -VK_ENOENT;
    return 0;
}

static void nd_take(struct vfs_nd *nd, struct vfs_vnode *vn)
{
    vfs_vnode_put(nd->cur);
    nd->cur = vn;
}

static struct vfs_attr new_attr(struct vfs_ctx *ctx, struct vfs_vnode *dir, uint32_t perm,
                                uint32_t type)
{
    struct vfs_attr a = {.uid = ctx->cred.uid, .gid = ctx->cred.gid};

    /* Linux mode_strip_sgid: no setgid file in a setgid directory of a foreign group */
    if ((perm & (VFS_S_ISGID | 0010)) == (VFS_S_ISGID | 0010) && type != VFS_S_IFDIR &&
        (dir->mode & VFS_S_ISGID) && ctx->cred.uid != 0 && !vfs_in_group(&ctx->cred, dir->gid))
        perm &= ~(uint32_t)VFS_S_ISGID;
    perm &= ~(ctx->umask & 0777);
    if (dir->mode & VFS_S_ISGID) {
        a.gid = dir->gid;
        if (type == VFS_S_IFDIR)
            perm |= VFS_S_ISGID;
    }
    a.mode = type | (perm & VFS_S_IALLUGO);
    return a;
}

static int may_create(const struct vfs_cred *cred, struct vfs_vnode *dir)
{
    if (vfs_vn_dead(dir))
        return -VK_ENOENT;
    return vfs_permission(cred, dir, VFS_MAY_WRITE | VFS_MAY_EXEC);
}

/* Linux may_delete: permission on dir, sticky bit, type of the victim. */
static int may_delete(const struct vfs_cred *cred, struct vfs_vnode *dir, struct vfs_vnode *victim,
                      bool isdir)
{
    int err = vfs_permission(cred, dir, VFS_MAY_WRITE | VFS_MAY_EXEC);

    if (err)
        return err;
    if ((dir->mode & VFS_S_ISVTX) && cred->uid != 0 && victim->uid != cred->uid &&
        dir->uid != cred->uid)
        return -VK_EPERM;
    if (isdir) {
        if (!vfs_vn_isdir(victim))
            return -VK_ENOTDIR;
        if (victim == victim->fs->root)
            return -VK_EBUSY;
    } else if (vfs_vn_isdir(victim)) {
        return -VK_EISDIR;
    }
    if (vfs_vn_dead(dir))
        return -VK_ENOENT;
    return 0;
}

/* Writes and truncates by anyone but root drop set-uid, and set-gid when group-executable. */
static void kill_priv(struct vfs_vnode *vn, uint32_t uid)
{
    uint32_t kill = 0;

    if (uid == 0 || !vfs_s_isreg(vn->mode))
        return;
    if (vn->mode & VFS_S_ISUID)
        kill |= VFS_S_ISUID;
    if ((vn->mode & (VFS_S_ISGID | 0010)) == (VFS_S_ISGID | 0010))
        kill |= VFS_S_ISGID;
    if (kill) {
        vn->mode &= ~kill;
        vn->ctime = vfs_now(vn->fs->vfs);
    }
}

/* Linux filename_create: the parent of a name about to be created, checked for existence. */
static int nd_create(struct vfs_nd *nd, struct vfs_ctx *ctx, struct vfs_vnode *dir,
                     const char *path, bool want_dir)
{
    struct vfs_vnode *vn;
    int err = vfs_nd_init(nd, ctx, dir, path, 0), rofs;

    if (err)
        return err;
    err = vfs_nd_parent(nd);
    if (err)
        return err;
    if (nd->last_type != VFS_LAST_NORM)
        return -VK_EEXIST;
    rofs = vfs_fs_rdonly(nd->cur->fs) ? -VK_EROFS : 0;
    err = vfs_lookup_child(nd->cur, nd->last, nd->last_len, &vn);
    if (!err) {
        vfs_vnode_put(vn);
        return -VK_EEXIST;
    }
    if (err != -VK_ENOENT)
        return err;
    if (nd->last_slash && !want_dir)
        return -VK_ENOENT;
    return rofs;
}

static int path_lookup(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, unsigned flags,
                       struct vfs_vnode **out)
{
    struct vfs_nd nd;
    int err = vfs_nd_init(&nd, ctx, dir, path, flags);

    if (!err)
        err = vfs_nd_lookup(&nd);
    if (!err) {
        *out = nd.cur;
        nd.cur = NULL;
    }
    vfs_nd_fini(&nd);
    return err;
}

static unsigned at_flags_to_lookup(int flags)
{
    unsigned lf = VFS_LOOKUP_FOLLOW;

    if (flags & VFS_AT_SYMLINK_NOFOLLOW)
        lf &= ~(unsigned)VFS_LOOKUP_FOLLOW;
    if (flags & VFS_AT_EMPTY_PATH)
        lf |= VFS_LOOKUP_EMPTY;
    return lf;
}

/* ---------------- lookups and attributes ---------------- */

int vfs_lookup(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int flags,
               struct vfs_vnode **out)
{
    if (flags & ~(VFS_AT_SYMLINK_NOFOLLOW | VFS_AT_EMPTY_PATH))
        return -VK_EINVAL;
    return path_lookup(ctx, dir, path, at_flags_to_lookup(flags), out);
}

int vfs_chdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_vnode **out)
{
    struct vfs_vnode *vn;
    int err = path_lookup(ctx, dir, path, VFS_LOOKUP_FOLLOW | VFS_LOOKUP_DIRECTORY, &vn);

    if (err)
        return err;
    err = vfs_permission(&ctx->cred, vn, VFS_MAY_EXEC);
    if (err) {
        vfs_vnode_put(vn);
        return err;
    }
    *out = vn;
    return 0;
}

int vfs_fstatat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st,
                int flags)
{
    struct vfs_vnode *vn;
    int err;

    if (flags & ~(VFS_AT_SYMLINK_NOFOLLOW | VFS_AT_EMPTY_PATH))
        return -VK_EINVAL;
    err = path_lookup(ctx, dir, path, at_flags_to_lookup(flags), &vn);
    if (err)
        return err;
    vfs_fill_stat(vn, st);
    vfs_vnode_put(vn);
    return 0;
}

int vfs_stat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st)
{
    return vfs_fstatat(ctx, dir, path, st, 0);
}

int vfs_lstat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st)
{
    return vfs_fstatat(ctx, dir, path, st, VFS_AT_SYMLINK_NOFOLLOW);
}

int vfs_access(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int amode, int flags)
{
    struct vfs_vnode *vn;
    int err;

    if (amode & ~7)
        return -VK_EINVAL;
    if (flags & ~(VFS_AT_EACCESS | VFS_AT_SYMLINK_NOFOLLOW | VFS_AT_EMPTY_PATH))
        return -VK_EINVAL;
    err = path_lookup(ctx, dir, path, at_flags_to_lookup(flags), &vn);
    if (err)
        return err;
    err = vfs_permission(&ctx->cred, vn, amode);
    vfs_vnode_put(vn);
    return err;
}

/* Linux setattr_prepare for ATTR_MODE: owner or root; setgid only within one's groups. */
static int chmod_attrs(struct vfs_ctx *ctx, uint32_t *mode_p, uint32_t uid, uint32_t gid,
                       int64_t *ctime_p, uint32_t mode)
{
    if (ctx->cred.uid != 0 && ctx->cred.uid != uid)
        return -VK_EPERM;
    mode &= VFS_S_IALLUGO;
    if (ctx->cred.uid != 0 && !vfs_in_group(&ctx->cred, gid))
        mode &= ~(uint32_t)VFS_S_ISGID;
    *mode_p = (*mode_p & VFS_S_IFMT) | mode;
    *ctime_p = vfs_now(ctx->vfs);
    return 0;
}

static int chmod_vnode(struct vfs_ctx *ctx, struct vfs_vnode *vn, uint32_t mode)
{
    if (vfs_fs_rdonly(vn->fs))
        return -VK_EROFS;
    if (vfs_s_islnk(vn->mode))
        return -VK_ENOTSUP;
    return chmod_attrs(ctx, &vn->mode, vn->uid, vn->gid, &vn->ctime, mode);
}

int vfs_chmod(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode,
              int flags)
{
    struct vfs_vnode *vn;
    int err;

    if (flags & ~(VFS_AT_SYMLINK_NOFOLLOW | VFS_AT_EMPTY_PATH))
        return -VK_EINVAL;
    err = path_lookup(ctx, dir, path, at_flags_to_lookup(flags), &vn);
    if (err)
        return err;
    err = chmod_vnode(ctx, vn, mode);
    vfs_vnode_put(vn);
    return err;
}

int vfs_fchmod(struct vfs_ctx *ctx, struct vfs_file *f, uint32_t mode)
{
    if (!f->vn)
        return chmod_attrs(ctx, &f->pipe->mode, f->pipe->uid, f->pipe->gid, &f->pipe->ctime, mode);
    return chmod_vnode(ctx, f->vn, mode);
}

static int do_truncate(struct vfs_vnode *vn, int64_t length, uint32_t uid)
{
    kill_priv(vn, uid);
    return vn->fs->ops->truncate(vn, length);
}

int vfs_truncate(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int64_t length)
{
    struct vfs_vnode *vn;
    int err;

    if (length < 0)
        return -VK_EINVAL;
    err = path_lookup(ctx, dir, path, VFS_LOOKUP_FOLLOW, &vn);
    if (err)
        return err;
    if (vfs_vn_isdir(vn))
        err = -VK_EISDIR;
    else if (!vfs_s_isreg(vn->mode))
        err = -VK_EINVAL;
    else if (vfs_fs_rdonly(vn->fs))
        err = -VK_EROFS;
    else
        err = vfs_permission(&ctx->cred, vn, VFS_MAY_WRITE);
    if (!err)
        err = do_truncate(vn, length, ctx->cred.uid);
    vfs_vnode_put(vn);
    return err;
}

int64_t vfs_readlink(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, char *buf,
                     size_t size)
{
    struct vfs_vnode *vn;
    const char *target;
    size_t len;
    int err;

    if (size == 0 || size > INT32_MAX)
        return -VK_EINVAL;
    err = path_lookup(ctx, dir, path, VFS_LOOKUP_EMPTY, &vn);
    if (err)
        return err;
    if (!vfs_s_islnk(vn->mode)) {
        vfs_vnode_put(vn);
        return path && !path[0] ? -VK_ENOENT : -VK_EINVAL;
    }
    err = vn->fs->ops->readlink(vn, &target, &len);
    if (!err) {
        if (len > size)
            len = size;
        memcpy(buf, target, len);
        vn->atime = vfs_now(ctx->vfs);
    }
    vfs_vnode_put(vn);
    return err ? err : (int64_t)len;
}

/* ---------------- names ---------------- */

int vfs_mkdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode)
{
    struct vfs_nd nd;
    struct vfs_vnode *vn;
    int err = nd_create(&nd, ctx, dir, path, true);

    if (!err)
        err = may_create(&ctx->cred, nd.cur);
    if (!err) {
        struct vfs_attr a = new_attr(ctx, nd.cur, mode & (0777 | VFS_S_ISVTX), VFS_S_IFDIR);
        err = nd.cur->fs->ops->create(nd.cur, nd.last, nd.last_len, &a, &vn);
        if (!err)
            vfs_vnode_put(vn);
    }
    vfs_nd_fini(&nd);
    return err;
}

int vfs_mknod(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode,
              uint64_t rdev)
{
    uint32_t type = mode & VFS_S_IFMT;
    struct vfs_nd nd;
    struct vfs_vnode *vn;
    int err;

    switch (type) {
    case 0:
        type = VFS_S_IFREG;
        break;
    case VFS_S_IFREG:
    case VFS_S_IFCHR:
    case VFS_S_IFBLK:
    case VFS_S_IFIFO:
    case VFS_S_IFSOCK:
        break;
    case VFS_S_IFDIR:
        return -VK_EPERM;
    default:
        return -VK_EINVAL;
    }
    err = nd_create(&nd, ctx, dir, path, false);
    if (!err)
        err = may_create(&ctx->cred, nd.cur);
    if (!err && (type == VFS_S_IFCHR || type == VFS_S_IFBLK) && ctx->cred.uid != 0)
        err = -VK_EPERM;
    if (!err) {
        struct vfs_attr a = new_attr(ctx, nd.cur, mode & VFS_S_IALLUGO, type);
        if (type == VFS_S_IFCHR || type == VFS_S_IFBLK)
            a.rdev = rdev;
        err = nd.cur->fs->ops->create(nd.cur, nd.last, nd.last_len, &a, &vn);
        if (!err)
            vfs_vnode_put(vn);
    }
    vfs_nd_fini(&nd);
    return err;
}

int vfs_symlink(struct vfs_ctx *ctx, const char *target, struct vfs_vnode *dir, const char *path)
{
    struct vfs_nd nd;
    struct vfs_vnode *vn;
    int err = check_name(target, false);

    if (err)
        return err;
    err = nd_create(&nd, ctx, dir, path, false);
    if (!err)
        err = may_create(&ctx->cred, nd.cur);
    if (!err) {
        struct vfs_attr a = new_attr(ctx, nd.cur, 0777, VFS_S_IFLNK);
        a.mode = VFS_S_IFLNK | 0777; /* no umask on symlinks */
        err =
            nd.cur->fs->ops->symlink(nd.cur, nd.last, nd.last_len, target, strlen(target), &a, &vn);
        if (!err)
            vfs_vnode_put(vn);
    }
    vfs_nd_fini(&nd);
    return err;
}

/* Linux safe_hardlink_source (fs.protected_hardlinks=1). */
static bool safe_hardlink_source(const struct vfs_cred *cred, struct vfs_vnode *vn)
{
    if (!vfs_s_isreg(vn->mode))
        return false;
    if (vn->mode & VFS_S_ISUID)
        return false;
    if ((vn->mode & (VFS_S_ISGID | 0010)) == (VFS_S_ISGID | 0010))
        return false;
    return vfs_permission(cred, vn, VFS_MAY_READ | VFS_MAY_WRITE) == 0;
}

int vfs_link(struct vfs_ctx *ctx, struct vfs_vnode *olddir, const char *oldpath,
             struct vfs_vnode *newdir, const char *newpath, int flags)
{
    struct vfs_nd nd;
    struct vfs_vnode *vn;
    unsigned lf = 0;
    int err;

    if (flags & ~(VFS_AT_SYMLINK_FOLLOW | VFS_AT_EMPTY_PATH))
        return -VK_EINVAL;
    if (flags & VFS_AT_SYMLINK_FOLLOW)
        lf |= VFS_LOOKUP_FOLLOW;
    if (flags & VFS_AT_EMPTY_PATH)
        lf |= VFS_LOOKUP_EMPTY;
    err = path_lookup(ctx, olddir, oldpath, lf, &vn);
    if (err)
        return err;
    err = nd_create(&nd, ctx, newdir, newpath, false);
    if (!err && vn->fs != nd.cur->fs)
        err = -VK_EXDEV;
    if (!err && ctx->cred.uid != 0 && ctx->cred.uid != vn->uid &&
        !safe_hardlink_source(&ctx->cred, vn))
        err = -VK_EPERM;
    if (!err)
        err = may_create(&ctx->cred, nd.cur);
    if (!err && vfs_vn_isdir(vn))
        err = -VK_EPERM;
    if (!err && vn->nlink == 0)
        err = -VK_ENOENT;
    if (!err)
        err = nd.cur->fs->ops->link(nd.cur, nd.last, nd.last_len, vn);
    vfs_nd_fini(&nd);
    vfs_vnode_put(vn);
    return err;
}

static int do_unlink(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path)
{
    struct vfs_nd nd;
    struct vfs_vnode *vn = NULL;
    int err = vfs_nd_init(&nd, ctx, dir, path, 0);

    if (!err)
        err = vfs_nd_parent(&nd);
    if (!err && nd.last_type != VFS_LAST_NORM)
        err = -VK_EISDIR;
    if (!err && vfs_fs_rdonly(nd.cur->fs))
        err = -VK_EROFS;
    if (!err) {
        err = vfs_lookup_child(nd.cur, nd.last, nd.last_len, &vn);
        if (err == -VK_ENOENT)
            err = 0;
    }
    if (!err && nd.last_slash)
        err = !vn ? -VK_ENOENT : vfs_vn_isdir(vn) ? -VK_EISDIR : -VK_ENOTDIR;
    if (!err && !vn)
        err = -VK_ENOENT;
    if (!err)
        err = may_delete(&ctx->cred, nd.cur, vn, false);
    if (!err && vn->mounted)
        err = -VK_EBUSY;
    if (!err)
        err = nd.cur->fs->ops->unlink(nd.cur, nd.last, nd.last_len, vn);
    vfs_vnode_put(vn);
    vfs_nd_fini(&nd);
    return err;
}

static int do_rmdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path)
{
    struct vfs_nd nd;
    struct vfs_vnode *vn = NULL;
    int err = vfs_nd_init(&nd, ctx, dir, path, 0);

    if (!err)
        err = vfs_nd_parent(&nd);
    if (!err) {
        switch (nd.last_type) {
        case VFS_LAST_DOTDOT:
            err = -VK_ENOTEMPTY;
            break;
        case VFS_LAST_DOT:
            err = -VK_EINVAL;
            break;
        case VFS_LAST_ROOT:
            err = -VK_EBUSY;
            break;
        default:
            break;
        }
    }
    if (!err && vfs_fs_rdonly(nd.cur->fs))
        err = -VK_EROFS;
    if (!err)
        err = vfs_lookup_child(nd.cur, nd.last, nd.last_len, &vn);
    if (!err)
        err = may_delete(&ctx->cred, nd.cur, vn, true);
    if (!err && vn->mounted)
        err = -VK_EBUSY;
    if (!err)
        err = nd.cur->fs->ops->rmdir(nd.cur, nd.last, nd.last_len, vn);
    vfs_vnode_put(vn);
    vfs_nd_fini(&nd);
    return err;
}

int vfs_unlink(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path)
{
    return do_unlink(ctx, dir, path);
}

int vfs_rmdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path)
{
    return do_rmdir(ctx, dir, path);
}

int vfs_unlinkat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int flags)
{
    if (flags & ~VFS_AT_REMOVEDIR)
        return -VK_EINVAL;
    return flags & VFS_AT_REMOVEDIR ? do_rmdir(ctx, dir, path) : do_unlink(ctx, dir, path);
}

/* a is d or one of d's ancestors, within d's filesystem (Linux lock_rename's trap). */
static bool is_ancestor_or_self(struct vfs_vnode *a, struct vfs_vnode *d)
{
    struct vfs_vnode *v = d, *p;
    bool found = false;

    if (!vfs_vn_isdir(a) || a->fs != d->fs)
        return false;
    vfs_vnode_ref(v);
    for (;;) {
        if (v == a) {
            found = true;
            break;
        }
        if (v == v->fs->root || v->fs->ops->lookup(v, "..", 2, &p))
            break;
        vfs_vnode_put(v);
        v = p;
    }
    vfs_vnode_put(v);
    return found;
}

int vfs_rename(struct vfs_ctx *ctx, struct vfs_vnode *olddir, const char *oldpath,
               struct vfs_vnode *newdir, const char *newpath)
{
    struct vfs_nd on, nn;
    struct vfs_vnode *old = NULL, *new = NULL;
    bool isdir;
    int err;

    /* as Linux: a bad new name is noticed only when the new path is walked, after the old */
    memset(&nn, 0, sizeof(nn));
    err = vfs_nd_init(&on, ctx, olddir, oldpath, 0);
    if (!err)
        err = vfs_nd_parent(&on);
    if (!err) {
        err = vfs_nd_init(&nn, ctx, newdir, newpath, 0);
        if (!err)
            err = vfs_nd_parent(&nn);
    }
    if (err)
        goto out;
    err = -VK_EXDEV;
    if (on.cur->fs != nn.cur->fs)
        goto out;
    err = -VK_EBUSY;
    if (on.last_type != VFS_LAST_NORM || nn.last_type != VFS_LAST_NORM)
        goto out;
    err = -VK_EROFS;
    if (vfs_fs_rdonly(on.cur->fs))
        goto out;
    err = vfs_lookup_child(on.cur, on.last, on.last_len, &old);
    if (err)
        goto out;
    err = vfs_lookup_child(nn.cur, nn.last, nn.last_len, &new);
    if (err == -VK_ENOENT)
        err = 0;
    if (err)
        goto out;
    isdir = vfs_vn_isdir(old);
    err = -VK_ENOTDIR;
    if (!isdir && (on.last_slash || nn.last_slash))
        goto out;
    err = -VK_EINVAL;
    if (is_ancestor_or_self(old, nn.cur))
        goto out;
    err = -VK_ENOTEMPTY;
    if (new &&is_ancestor_or_self(new, on.cur))
        goto out;
    err = 0;
    if (old == new)
        goto out;
    err = may_delete(&ctx->cred, on.cur, old, isdir);
    if (!err)
        err = new ? may_delete(&ctx->cred, nn.cur, new, isdir) : may_create(&ctx->cred, nn.cur);
    if (!err && nn.cur != on.cur && isdir)
        err = vfs_permission(&ctx->cred, old, VFS_MAY_WRITE); /* its ".." changes */
    if (!err && (old->mounted || (new &&new->mounted)))
        err = -VK_EBUSY;
    if (!err)
        err = on.cur->fs->ops->rename(on.cur, on.last, on.last_len, nn.cur, nn.last, nn.last_len);
out:
    vfs_vnode_put(old);
    vfs_vnode_put(new);
    vfs_nd_fini(&nn);
    vfs_nd_fini(&on);
    return err;
}

/* ---------------- getcwd ---------------- */

/* The name under which child appears in parent (same filesystem): 0 and name copied. */
static int name_in_parent(struct vfs_vnode *parent, struct vfs_vnode *child, struct vfs_dirent *de)
{
    uint64_t cookie = 2;

    while (parent->fs->ops->readdir(parent, &cookie, de) == 1) {
        struct vfs_vnode *vn;
        if (de->ino != child->ino)
            continue;
        if (parent->fs->ops->lookup(parent, de->name, de->namelen, &vn) == 0) {
            bool same = vn == child;
            vfs_vnode_put(vn);
            if (same)
                return 0;
        }
    }
    return -VK_ENOENT;
}

int64_t vfs_getcwd(struct vfs_ctx *ctx, struct vfs_vnode *vn, char *buf, size_t size)
{
    struct vfs_vnode *root = ctx->root ? ctx->root : vfs_root_noref(ctx->vfs), *v = vn, *p;
    struct vfs_dirent *de;
    char *tmp;
    size_t pos = VFS_PATH_MAX, len;
    int err = 0;

    if (vfs_vn_dead(vn))
        return -VK_ENOENT;
    tmp = malloc(VFS_PATH_MAX);
    de = malloc(sizeof(*de));
    if (!tmp || !de) {
        free(tmp);
        free(de);
        return -VK_ENOMEM;
    }
    tmp[--pos] = '\0';
    vfs_vnode_ref(v);
    while (v != root) {
        if (v == v->fs->root) {
            struct vfs_mount *m = v->fs->mount;
            if (!m || !m->covered)
                break; /* outside ctx->root: shown from the namespace root */
            vfs_vnode_ref(m->covered);
            vfs_vnode_put(v);
            v = m->covered;
            continue;
        }
        err = v->fs->ops->lookup(v, "..", 2, &p);
        if (err)
            break;
        err = name_in_parent(p, v, de);
        vfs_vnode_put(v);
        v = p;
        if (err)
            break;
        if (pos < (size_t)de->namelen + 2) {
            err = -VK_ENAMETOOLONG;
            break;
        }
        pos -= de->namelen;
        memcpy(tmp + pos, de->name, de->namelen);
        tmp[--pos] = '/';
    }
    vfs_vnode_put(v);
    if (!err && tmp[pos] == '\0')
        tmp[--pos] = '/';
    len = VFS_PATH_MAX - 1 - pos;
    if (!err && len + 1 > size)
        err = -VK_ERANGE;
    if (!err)
        memcpy(buf, tmp + pos, len + 1);
    free(tmp);
    free(de);
    return err ? err : (int64_t)(len + 1);
}

/* ---------------- open ---------------- */

struct open_op {
    uint32_t flags;
    uint32_t mode; /* S_IFREG | perm when creating */
    int acc_mode;
    unsigned lookup;
};

static int build_open_flags(uint32_t flags, uint32_t mode, struct open_op *op)
{
    static const int acc[4] = {VFS_MAY_READ, VFS_MAY_WRITE, VFS_MAY_READ | VFS_MAY_WRITE,
                               VFS_MAY_READ | VFS_MAY_WRITE};

    if ((flags & (VFS_O_DIRECTORY | VFS_O_CREAT)) == (VFS_O_DIRECTORY | VFS_O_CREAT))
        return -VK_EINVAL;
    op->mode = flags & VFS_O_CREAT ? (mode & VFS_S_IALLUGO) | VFS_S_IFREG : 0;
    if ((flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
        flags |= VFS_O_NOFOLLOW;
    op->acc_mode = acc[flags & VFS_O_ACCMODE];
    if (flags & VFS_O_TRUNC)
        op->acc_mode |= VFS_MAY_WRITE;
    op->lookup = 0;
    if (flags & VFS_O_DIRECTORY)
        op->lookup |= VFS_LOOKUP_DIRECTORY;
    if (!(flags & VFS_O_NOFOLLOW))
        op->lookup |= VFS_LOOKUP_FOLLOW;
    op->flags = flags;
    return 0;
}

/* Linux open_last_lookups: the final component, created when asked and absent. */
static int open_last(struct vfs_ctx *ctx, struct vfs_nd *nd, const struct open_op *op,
                     bool *created, const char **next)
{
    struct vfs_vnode *dir = nd->cur, *vn;
    int err, create_error;

    *next = NULL;
    if (nd->last_type != VFS_LAST_NORM || !(op->flags & VFS_O_CREAT))
        return vfs_nd_last(nd, next);
    if (nd->last_slash)
        return -VK_EISDIR;
    if (vfs_vn_dead(dir))
        return -VK_ENOENT;
    if (vfs_fs_rdonly(dir->fs))
        create_error = -VK_EROFS;
    else
        create_error = vfs_permission(&ctx->cred, dir, VFS_MAY_WRITE | VFS_MAY_EXEC);
    err = vfs_lookup_child(dir, nd->last, nd->last_len, &vn);
    if (err == -VK_ENOENT) {
        struct vfs_attr a;
        if (create_error)
            return create_error;
        a = new_attr(ctx, dir, op->mode & VFS_S_IALLUGO, VFS_S_IFREG);
        err = dir->fs->ops->create(dir, nd->last, nd->last_len, &a, &vn);
        if (err)
            return err;
        *created = true;
        nd_take(nd, vn);
        return 0;
    }
    if (err)
        return err;
    vn = vfs_cross_mounts(vn);
    if (vfs_s_islnk(vn->mode) && (nd->flags & VFS_LOOKUP_FOLLOW))
        return vfs_nd_follow(nd, vn, next);
    nd_take(nd, vn);
    return 0;
}

static int may_open(const struct vfs_cred *cred, struct vfs_vnode *vn, int acc_mode,
                    uint32_t *flags)
{
    switch (vn->mode & VFS_S_IFMT) {
    case VFS_S_IFLNK:
        return -VK_ELOOP;
    case VFS_S_IFDIR:
        if (acc_mode & VFS_MAY_WRITE)
            return -VK_EISDIR;
        break;
    case VFS_S_IFBLK:
    case VFS_S_IFCHR:
    case VFS_S_IFIFO:
    case VFS_S_IFSOCK:
        *flags &= ~(uint32_t)VFS_O_TRUNC;
        break;
    default:
        break;
    }
    return vfs_permission(cred, vn, acc_mode);
}

static void file_free(struct vfs_file *f)
{
    f->vfs->stats.files--;
    free(f);
}

static int fifo_open(struct vfs_file *f)
{
    struct vfs_vnode *vn = f->vn;
    bool rd = f->fmode & VFS_FMODE_READ, wr = f->fmode & VFS_FMODE_WRITE;
    int err;

    if (!rd && !wr)
        return -VK_EINVAL;
    if (!vn->pipe) {
        err = vfs_pipe_create(f->vfs, &vn->pipe);
        if (err)
            return err;
    }
    if (wr && !rd && (f->flags & VFS_O_NONBLOCK) && vfs_pipe_readers(vn->pipe) == 0) {
        if (vfs_pipe_writers(vn->pipe) == 0) {
            vfs_pipe_destroy(vn->pipe);
            vn->pipe = NULL;
        }
        return -VK_ENXIO;
    }
    vfs_pipe_attach(vn->pipe, rd, wr);
    f->pipe = vn->pipe;
    return 0;
}

static void fifo_close(struct vfs_file *f)
{
    struct vfs_vnode *vn = f->vn;

    vfs_pipe_detach(f->pipe, f->fmode & VFS_FMODE_READ, f->fmode & VFS_FMODE_WRITE);
    if (!vfs_pipe_readers(f->pipe) && !vfs_pipe_writers(f->pipe)) {
        vfs_pipe_destroy(f->pipe);
        vn->pipe = NULL;
    }
    f->pipe = NULL;
}

/* Linux do_open on the resolved vnode. Takes no reference of its own on vn. */
static int do_open(struct vfs_ctx *ctx, struct vfs_vnode *vn, const struct open_op *op,
                   unsigned lookup, bool created, struct vfs_file **out)
{
    static const uint32_t fmodes[4] = {VFS_FMODE_READ, VFS_FMODE_WRITE,
                                       VFS_FMODE_READ | VFS_FMODE_WRITE, 0};
    uint32_t flags = op->flags;
    int acc_mode = op->acc_mode, err;
    bool truncate = false;
    struct vfs_file *f;

    if (flags & VFS_O_CREAT) {
        if ((flags & VFS_O_EXCL) && !created)
            return -VK_EEXIST;
        if (vfs_vn_isdir(vn))
            return -VK_EISDIR;
    }
    if ((lookup & VFS_LOOKUP_DIRECTORY) && !vfs_vn_isdir(vn))
        return -VK_ENOTDIR;
    if (created) {
        acc_mode = 0;
        flags &= ~(uint32_t)VFS_O_TRUNC;
    } else if (vfs_s_isreg(vn->mode) && (flags & VFS_O_TRUNC)) {
        if (vfs_fs_rdonly(vn->fs))
            return -VK_EROFS;
        truncate = true;
    }
    err = may_open(&ctx->cred, vn, acc_mode, &flags);
    if (err)
        return err;
    if ((vn->mode & VFS_S_IFMT) == VFS_S_IFSOCK)
        return -VK_ENXIO;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -VK_ENOMEM;
    f->vfs = ctx->vfs;
    f->vn = vn;
    f->flags = flags & ~(uint32_t)(VFS_O_CREAT | VFS_O_EXCL | VFS_O_NOCTTY | VFS_O_TRUNC);
    f->fmode = fmodes[flags & VFS_O_ACCMODE];
    f->refs = 1;
    f->uid = ctx->cred.uid;
    f->gid = ctx->cred.gid;
    ctx->vfs->stats.files++;
    if ((vn->mode & VFS_S_IFMT) == VFS_S_IFIFO) {
        err = fifo_open(f);
        if (err) {
            file_free(f);
            return err;
        }
    }
    if (vn->fs->ops->open) {
        err = vn->fs->ops->open(vn, f->flags);
        if (err) {
            if (f->pipe)
                fifo_close(f);
            file_free(f);
            return err;
        }
    }
    if (truncate)
        do_truncate(vn, 0, ctx->cred.uid); /* shrinking to 0 cannot fail in tmpfs */
    if ((f->fmode & VFS_FMODE_WRITE) && vfs_s_isreg(vn->mode))
        vn->fs->writers++; /* a remount read-only fails while this is open */
    vfs_vnode_ref(vn);
    *out = f;
    return 0;
}

int vfs_open(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t flags,
             uint32_t mode, struct vfs_file **out)
{
    struct open_op op;
    struct vfs_nd nd;
    const char *s;
    bool created = false;
    int err = build_open_flags(flags, mode, &op);

    if (err)
        return err;
    err = vfs_nd_init(&nd, ctx, dir, path, op.lookup);
    if (err)
        goto out;
    s = nd.path;
    while (!(err = vfs_nd_walk(&nd, s)) && !(err = open_last(ctx, &nd, &op, &created, &s)) && s)
        ;
    if (!err)
        err = do_open(ctx, nd.cur, &op, nd.flags, created, out);
out:
    vfs_nd_fini(&nd);
    return err;
}

int vfs_open_vnode(struct vfs_ctx *ctx, struct vfs_vnode *vn, uint32_t flags, struct vfs_file **out)
{
    struct open_op op;
    int err;

    if (flags & VFS_O_CREAT)
        return -VK_EINVAL;
    err = build_open_flags(flags, 0, &op);
    if (err)
        return err;
    return do_open(ctx, vn, &op, op.lookup, false, out);
}

int vfs_pipe_open(struct vfs_ctx *ctx, uint32_t flags, struct vfs_file **rd, struct vfs_file **wr)
{
    struct vfs_pipe *p;
    struct vfs_file *f[2];
    int err;

    if (flags & ~(uint32_t)(VFS_O_NONBLOCK | VFS_O_CLOEXEC))
        return -VK_EINVAL;
    err = vfs_pipe_create(ctx->vfs, &p);
    if (err)
        return err;
    for (int i = 0; i < 2; i++) {
        f[i] = calloc(1, sizeof(*f[i]));
        if (!f[i]) {
            if (i)
                file_free(f[0]);
            vfs_pipe_destroy(p);
            return -VK_ENOMEM;
        }
        f[i]->vfs = ctx->vfs;
        f[i]->pipe = p;
        f[i]->refs = 1;
        f[i]->uid = ctx->cred.uid;
        f[i]->gid = ctx->cred.gid;
        f[i]->flags = flags | (i ? VFS_O_WRONLY : VFS_O_RDONLY);
        f[i]->fmode = i ? VFS_FMODE_WRITE : VFS_FMODE_READ;
        ctx->vfs->stats.files++;
    }
    p->uid = ctx->cred.uid;
    p->gid = ctx->cred.gid;
    p->ctime = vfs_now(ctx->vfs);
    vfs_pipe_attach(p, true, true);
    *rd = f[0];
    *wr = f[1];
    return 0;
}

/* ---------------- open files ---------------- */

int vfs_close(struct vfs_file *f)
{
    struct vfs_vnode *vn = f->vn;

    if (--f->refs)
        return 0;
    if (f->pipe) {
        if (vn) {
            fifo_close(f);
        } else {
            struct vfs_pipe *p = f->pipe;
            vfs_pipe_detach(p, f->fmode & VFS_FMODE_READ, f->fmode & VFS_FMODE_WRITE);
            if (!vfs_pipe_readers(p) && !vfs_pipe_writers(p))
                vfs_pipe_destroy(p);
        }
    }
    if (vn && (f->fmode & VFS_FMODE_WRITE) && vfs_s_isreg(vn->mode))
        vn->fs->writers--;
    if (vn && vn->fs->ops->close)
        vn->fs->ops->close(vn, f->flags);
    file_free(f);
    vfs_vnode_put(vn);
    return 0;
}

struct vfs_file *vfs_file_dup(struct vfs_file *f)
{
    f->refs++;
    return f;
}

struct vfs_vnode *vfs_file_vnode(const struct vfs_file *f)
{
    return f->vn;
}

struct vfs_pipe *vfs_file_pipe(const struct vfs_file *f)
{
    return f->pipe;
}

uint32_t vfs_file_flags(const struct vfs_file *f)
{
    return f->flags;
}

void vfs_file_set_flags(struct vfs_file *f, uint32_t flags)
{
    const uint32_t settable = VFS_O_APPEND | VFS_O_NONBLOCK;

    f->flags = (f->flags & ~settable) | (flags & settable);
}

uint32_t vfs_file_poll(const struct vfs_file *f)
{
    uint32_t ev = 0;

    if (!f->pipe)
        return VFS_POLLIN | VFS_POLLOUT;
    if (f->fmode & VFS_FMODE_READ)
        ev |= vfs_pipe_poll(f->pipe, true);
    if (f->fmode & VFS_FMODE_WRITE)
        ev |= vfs_pipe_poll(f->pipe, false);
    return ev;
}

/* Linux rw_verify_area for positioned files. */
static int rw_verify(int64_t pos, size_t len)
{
    if (len > (size_t)INT64_MAX)
        return -VK_EINVAL;
    if (pos < 0 || pos > INT64_MAX - (int64_t)len)
        return -VK_EINVAL;
    return 0;
}

static int64_t file_read(struct vfs_file *f, void *buf, size_t len, int64_t *ppos)
{
    struct vfs_vnode *vn = f->vn;
    int64_t n;
    int err;

    if (!(f->fmode & VFS_FMODE_READ))
        return -VK_EBADF;
    if (f->pipe)
        return len > (size_t)INT64_MAX
                   ? -VK_EINVAL
                   : vfs_pipe_read(f->pipe, buf, len > VFS_MAX_RW ? VFS_MAX_RW : len);
    err = rw_verify(*ppos, len);
    if (err)
        return err;
    if (vfs_vn_isdir(vn))
        return -VK_EISDIR;
    if (!vfs_s_isreg(vn->mode))
        return -VK_ENXIO; /* device nodes are served by drivers, not here */
    if (len > VFS_MAX_RW)
        len = VFS_MAX_RW;
    n = vn->fs->ops->read(vn, buf, len, *ppos);
    if (n > 0)
        *ppos += n;
    if (n >= 0 && len)
        vn->atime = vfs_now(f->vfs);
    return n;
}

static int64_t file_write(struct vfs_file *f, const void *buf, size_t len, int64_t *ppos)
{
    struct vfs_vnode *vn = f->vn;
    int64_t pos, n;
    int err;

    if (!(f->fmode & VFS_FMODE_WRITE))
        return -VK_EBADF;
    if (f->pipe)
        return len > (size_t)INT64_MAX
                   ? -VK_EINVAL
                   : vfs_pipe_write(f->pipe, buf, len > VFS_MAX_RW ? VFS_MAX_RW : len);
    err = rw_verify(*ppos, len);
    if (err)
        return err;
    if (!vfs_s_isreg(vn->mode))
        return -VK_ENXIO;
    if (len > VFS_MAX_RW)
        len = VFS_MAX_RW;
    if (len == 0)
        return 0;
    pos = (f->flags & VFS_O_APPEND) ? vn->size : *ppos;
    if (pos >= INT64_MAX)
        return -VK_EFBIG;
    if ((uint64_t)len > (uint64_t)(INT64_MAX - pos))
        len = (size_t)(INT64_MAX - pos);
    kill_priv(vn, f->uid);
    n = vn->fs->ops->write(vn, buf, len, pos);
    if (n > 0)
        *ppos = pos + n;
    return n;
}

int64_t vfs_read(struct vfs_file *f, void *buf, size_t len)
{
    return file_read(f, buf, len, &f->off);
}

int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len)
{
    return file_write(f, buf, len, &f->off);
}

int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, int64_t off)
{
    if (off < 0)
        return -VK_EINVAL;
    if (f->pipe)
        return -VK_ESPIPE;
    return file_read(f, buf, len, &off);
}

int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, int64_t off)
{
    if (off < 0)
        return -VK_EINVAL;
    if (f->pipe)
        return -VK_ESPIPE;
    return file_write(f, buf, len, &off);
}

static int64_t set_pos(struct vfs_file *f, int64_t pos)
{
    if (pos < 0)
        return -VK_EINVAL;
    f->off = pos;
    return pos;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence)
{
    struct vfs_vnode *vn = f->vn;
    int64_t base;

    if (whence < VFS_SEEK_SET || whence > VFS_SEEK_HOLE)
        return -VK_EINVAL;
    if (f->pipe)
        return -VK_ESPIPE;
    if (vfs_vn_isdir(vn)) {
        if (whence == VFS_SEEK_CUR) {
            if (__builtin_add_overflow(off, f->off, &off))
                return -VK_EINVAL;
        } else if (whence != VFS_SEEK_SET) {
            return -VK_EINVAL;
        }
        return set_pos(f, off);
    }
    switch (whence) {
    case VFS_SEEK_SET:
        return set_pos(f, off);
    case VFS_SEEK_CUR:
        if (off == 0)
            return f->off;
        base = f->off;
        break;
    case VFS_SEEK_END:
        base = vn->size;
        break;
    default: /* SEEK_DATA, SEEK_HOLE */
        if (off < 0)
            return -VK_ENXIO;
        if (!vfs_s_isreg(vn->mode))
            return -VK_EINVAL;
        if (vn->fs->ops->seek_data) {
            int64_t r = vn->fs->ops->seek_data(vn, off, whence == VFS_SEEK_HOLE);
            return r < 0 ? r : set_pos(f, r);
        }
        if (off >= vn->size)
            return -VK_ENXIO;
        return set_pos(f, whence == VFS_SEEK_HOLE ? vn->size : off);
    }
    if (__builtin_add_overflow(base, off, &off))
        return -VK_EINVAL;
    return set_pos(f, off);
}

int vfs_ftruncate(struct vfs_file *f, int64_t length)
{
    if (length < 0)
        return -VK_EINVAL;
    if (!f->vn || !vfs_s_isreg(f->vn->mode) || !(f->fmode & VFS_FMODE_WRITE))
        return -VK_EINVAL;
    return do_truncate(f->vn, length, f->uid);
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
    if (f->vn) {
        vfs_fill_stat(f->vn, st);
        return 0;
    }
    memset(st, 0, sizeof(*st));
    st->ino = vfs_pipe_id(f->pipe);
    st->mode = f->pipe->mode;
    st->nlink = 1;
    st->uid = f->pipe->uid;
    st->gid = f->pipe->gid;
    st->blksize = VFS_PAGE_SIZE;
    st->atime_ns = st->mtime_ns = st->ctime_ns = f->pipe->ctime;
    return 0;
}

int vfs_fsync(struct vfs_file *f)
{
    return f->pipe ? -VK_EINVAL : 0;
}

int vfs_readdir_vnode(struct vfs_vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
    int r;

    if (!vfs_vn_isdir(dir))
        return -VK_ENOTDIR;
    if (vfs_vn_dead(dir))
        return -VK_ENOENT;
    if (*cookie < 2) {
        struct vfs_vnode *p = dir;
        if (*cookie == 1 && dir->fs->ops->lookup(dir, "..", 2, &p) == 0) {
            out->ino = p->ino;
            vfs_vnode_put(p);
        } else {
            out->ino = dir->ino;
        }
        out->type = VFS_DT_DIR;
        out->namelen = (uint16_t)(*cookie + 1);
        memcpy(out->name, "..", out->namelen);
        out->name[out->namelen] = '\0';
        *cookie += 1;
        out->next = *cookie;
        r = 1;
    } else {
        r = dir->fs->ops->readdir(dir, cookie, out);
    }
    dir->atime = vfs_now(dir->fs->vfs);
    return r;
}

int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out)
{
    uint64_t cookie;
    int r;

    if (!f->vn || !vfs_vn_isdir(f->vn))
        return -VK_ENOTDIR;
    cookie = (uint64_t)f->off;
    r = vfs_readdir_vnode(f->vn, &cookie, out);
    if (r > 0)
        f->off = (int64_t)cookie;
    return r;
}
