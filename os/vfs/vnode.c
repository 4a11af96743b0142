/*
 * vnode: the vfs instance (clock, counters), vnode references and attributes, filesystem
 * registration, and the permission check every operation goes through.
 *
 * Called by the other vfs sources and by filesystem implementations. Reference counting is
 * the one rule here: vfs_vnode_put of the last reference calls the filesystem's inactive hook,
 * which may free the vnode (tmpfs frees it when it also has no names left). Permission checks
 * follow Linux's generic_permission: owner, group (primary or supplementary), other; uid 0
 * may read and write anything and search any directory, and execute a file only when some
 * execute bit is set. Writes to regular files, directories and symlinks on a read-only mount
 * fail with -VK_EROFS before the permission bits are looked at.
 */
#include "vfs_internal.h"

#include <stdlib.h>
#include <string.h>

int vfs_create(const struct vfs_config *cfg, struct vfs **out)
{
    struct vfs *vfs = calloc(1, sizeof(*vfs));

    if (!vfs)
        return -VK_ENOMEM;
    if (cfg) {
        vfs->clock = cfg->clock;
        vfs->clock_arg = cfg->clock_arg;
    }
    vfs->next_dev = 1;
    vfs->next_mount_id = 1;
    vfs->next_pipe_id = 1;
    *out = vfs;
    return 0;
}

void vfs_get_stats(const struct vfs *vfs, struct vfs_stats *out)
{
    *out = vfs->stats;
}

int64_t vfs_now(struct vfs *vfs)
{
    return vfs->clock ? vfs->clock(vfs->clock_arg) : 0;
}

struct vfs_vnode *vfs_root_noref(struct vfs *vfs)
{
    return vfs->root_mount ? vfs->root_mount->fs->root : NULL;
}

struct vfs_vnode *vfs_root(struct vfs *vfs)
{
    struct vfs_vnode *root = vfs_root_noref(vfs);

    if (root)
        vfs_vnode_ref(root);
    return root;
}

void vfs_vnode_ref(struct vfs_vnode *vn)
{
    vn->refs++;
    vn->fs->refs++;
    vn->fs->vfs->stats.vnode_refs++;
}

void vfs_vnode_put(struct vfs_vnode *vn)
{
    if (!vn)
        return;
    vn->fs->refs--;
    vn->fs->vfs->stats.vnode_refs--;
    if (--vn->refs == 0 && vn->fs->ops->inactive)
        vn->fs->ops->inactive(vn);
}

void vfs_fs_init(struct vfs *vfs, struct vfs_fs *fs, const struct vfs_fs_ops *ops)
{
    memset(fs, 0, sizeof(*fs));
    fs->ops = ops;
    fs->vfs = vfs;
    fs->dev = vfs->next_dev++;
    fs->next_ino = 1;
    vfs->stats.filesystems++;
}

void vfs_fs_destroy(struct vfs_fs *fs)
{
    if (!fs)
        return;
    fs->vfs->stats.filesystems--;
    fs->ops->destroy(fs);
}

void vfs_vnode_init(struct vfs_fs *fs, struct vfs_vnode *vn, const struct vfs_attr *attr)
{
    int64_t now = vfs_now(fs->vfs);

    memset(vn, 0, sizeof(*vn));
    vn->fs = fs;
    vn->ino = fs->next_ino++;
    vn->mode = attr->mode;
    vn->uid = attr->uid;
    vn->gid = attr->gid;
    vn->rdev = attr->rdev;
    vn->atime = vn->mtime = vn->ctime = now;
    fs->vfs->stats.vnodes++;
}

void vfs_vnode_fini(struct vfs_vnode *vn)
{
    vn->fs->vfs->stats.vnodes--;
}

void vfs_account_pages(struct vfs *vfs, int64_t delta)
{
    vfs->stats.pages += (uint64_t)delta;
}

uint8_t vfs_mode_to_dt(uint32_t mode)
{
    switch (mode & VFS_S_IFMT) {
    case VFS_S_IFIFO:
        return VFS_DT_FIFO;
    case VFS_S_IFCHR:
        return VFS_DT_CHR;
    case VFS_S_IFDIR:
        return VFS_DT_DIR;
    case VFS_S_IFBLK:
        return VFS_DT_BLK;
    case VFS_S_IFREG:
        return VFS_DT_REG;
    case VFS_S_IFLNK:
        return VFS_DT_LNK;
    case VFS_S_IFSOCK:
        return VFS_DT_SOCK;
    default:
        return VFS_DT_UNKNOWN;
    }
}

bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid)
{
    if (cred->gid == gid)
        return true;
    for (uint32_t i = 0; i < cred->ngroups; i++)
        if (cred->groups[i] == gid)
            return true;
    return false;
}

bool vfs_fs_rdonly(const struct vfs_fs *fs)
{
    return (fs->flags & VFS_MNT_RDONLY) != 0;
}

int vfs_permission(const struct vfs_cred *cred, struct vfs_vnode *vn, int mask)
{
    uint32_t mode = vn->mode, type = mode & VFS_S_IFMT, bits;

    if ((mask & VFS_MAY_WRITE) && vfs_fs_rdonly(vn->fs) &&
        (type == VFS_S_IFREG || type == VFS_S_IFDIR || type == VFS_S_IFLNK))
        return -VK_EROFS;
    mask &= VFS_MAY_READ | VFS_MAY_WRITE | VFS_MAY_EXEC;
    if (cred->uid == vn->uid)
        bits = mode >> 6;
    else if (vfs_in_group(cred, vn->gid))
        bits = mode >> 3;
    else
        bits = mode;
    if ((mask & ~(int)bits & 7) == 0)
        return 0;
    if (cred->uid != 0)
        return -VK_EACCES;
    /* root: directories always; files unless executing one with no execute bit at all */
    if (type == VFS_S_IFDIR)
        return 0;
    if (!(mask & VFS_MAY_EXEC) || (mode & 0111))
        return 0;
    return -VK_EACCES;
}

void vfs_fill_stat(const struct vfs_vnode *vn, struct vfs_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->dev = vn->fs->dev;
    st->ino = vn->ino;
    st->mode = vn->mode;
    st->nlink = vn->nlink;
    st->uid = vn->uid;
    st->gid = vn->gid;
    st->rdev = vn->rdev;
    st->size = vn->size;
    st->blksize = VFS_PAGE_SIZE;
    st->blocks = vn->blocks;
    st->atime_ns = vn->atime;
    st->mtime_ns = vn->mtime;
    st->ctime_ns = vn->ctime;
}
