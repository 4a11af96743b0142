/*
 * mount: the mount table. A mount joins a filesystem's root to a directory vnode (the covered
 * one) of another filesystem; the walker crosses from the covered vnode to the root when it
 * arrives at it and back when it leaves the root with "..", so mount points match on whole
 * path components (on vnodes), never on string prefixes.
 *
 * Invariants: a filesystem is mounted at most once; a mount holds a reference on its root and
 * on the covered vnode, which is how "busy" is decided: a filesystem is busy when its vnodes
 * hold references beyond the mount's own (open files, a cwd, a mount on one of its
 * directories). Mounting over a path that is already a mount point covers the root of the
 * top mount, so mounts stack and umount reveals the one below. Only uid 0 mounts, remounts
 * and unmounts; a remount read-only waits for no writer but fails with -EBUSY instead.
 * vfs_destroy takes everything down, newest mount first.
 */
#include "vfs_internal.h"

#include <stdlib.h>

static void mount_link(struct vfs *vfs, struct vfs_mount *m)
{
    struct vfs_mount **pp = &vfs->mounts;

    while (*pp)
        pp = &(*pp)->next;
    *pp = m;
    vfs->stats.mounts++;
}

static void mount_unlink(struct vfs *vfs, struct vfs_mount *m)
{
    struct vfs_mount **pp = &vfs->mounts;

    while (*pp != m)
        pp = &(*pp)->next;
    *pp = m->next;
    vfs->stats.mounts--;
}

static struct vfs_mount *mount_alloc(struct vfs *vfs, struct vfs_fs *fs, uint32_t flags)
{
    struct vfs_mount *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->fs = fs;
    m->flags = flags & VFS_MNT_RDONLY;
    m->id = vfs->next_mount_id++;
    fs->mount = m;
    fs->flags = m->flags;
    vfs_vnode_ref(fs->root);
    return m;
}

int vfs_mount_root(struct vfs *vfs, struct vfs_fs *fs, uint32_t mnt_flags)
{
    struct vfs_mount *m;

    if (vfs->root_mount || fs->mount)
        return -VK_EBUSY;
    m = mount_alloc(vfs, fs, mnt_flags);
    if (!m)
        return -VK_ENOMEM;
    vfs->root_mount = m;
    mount_link(vfs, m);
    return 0;
}

int vfs_mount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_fs *fs,
              uint32_t mnt_flags)
{
    struct vfs_vnode *vn;
    struct vfs_mount *m;
    int err;

    if (ctx->cred.uid != 0)
        return -VK_EPERM;
    if (fs->mount || fs->vfs != ctx->vfs)
        return -VK_EBUSY;
    err = vfs_lookup(ctx, dir, path, 0, &vn);
    if (err)
        return err;
    if (!vfs_vn_isdir(vn))
        err = -VK_ENOTDIR;
    else if (vfs_vn_dead(vn))
        err = -VK_ENOENT;
    else if (vn == vfs_root_noref(ctx->vfs) || vn->mounted)
        err = -VK_EBUSY; /* over the namespace root it would be invisible (as on Linux) */
    if (err) {
        vfs_vnode_put(vn);
        return err;
    }
    m = mount_alloc(ctx->vfs, fs, mnt_flags);
    if (!m) {
        vfs_vnode_put(vn);
        return -VK_ENOMEM;
    }
    m->covered = vn; /* keeps the lookup's reference */
    vn->mounted = m;
    mount_link(ctx->vfs, m);
    return 0;
}

static void mount_teardown(struct vfs *vfs, struct vfs_mount *m)
{
    struct vfs_fs *fs = m->fs;

    mount_unlink(vfs, m);
    if (m->covered) {
        m->covered->mounted = NULL;
        vfs_vnode_put(m->covered);
    }
    if (vfs->root_mount == m)
        vfs->root_mount = NULL;
    fs->mount = NULL;
    fs->flags = 0;
    vfs_vnode_put(fs->root);
    free(m);
    vfs_fs_destroy(fs);
}

/* The mount whose root `path` names: 0 and *out, or -EINVAL when it names no mount root. */
static int mount_at(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path,
                    struct vfs_mount **out)
{
    struct vfs_vnode *vn;
    int err = vfs_lookup(ctx, dir, path, 0, &vn);

    if (err)
        return err;
    *out = vn->fs->mount;
    if (vn != vn->fs->root || !*out)
        err = -VK_EINVAL;
    vfs_vnode_put(vn);
    return err;
}

int vfs_remount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mnt_flags)
{
    struct vfs_mount *m;
    int err;

    if (ctx->cred.uid != 0)
        return -VK_EPERM;
    err = mount_at(ctx, dir, path, &m);
    if (err)
        return err;
    mnt_flags &= VFS_MNT_RDONLY;
    if ((mnt_flags & VFS_MNT_RDONLY) && !(m->flags & VFS_MNT_RDONLY) && m->fs->writers)
        return -VK_EBUSY;
    m->flags = mnt_flags;
    m->fs->flags = mnt_flags;
    return 0;
}

int vfs_umount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path)
{
    struct vfs_mount *m;
    int err;

    if (ctx->cred.uid != 0)
        return -VK_EPERM;
    err = mount_at(ctx, dir, path, &m);
    if (err)
        return err;
    if (!m->covered || m->fs->refs > 1)
        return -VK_EBUSY;
    mount_teardown(ctx->vfs, m);
    return 0;
}

struct vfs_mount *vfs_mount_next(struct vfs *vfs, struct vfs_mount *prev)
{
    return prev ? prev->next : vfs->mounts;
}

void vfs_mount_get_info(const struct vfs_mount *m, struct vfs_mount_info *out)
{
    out->fs = m->fs;
    out->root = m->fs->root;
    out->covered = m->covered;
    out->flags = m->flags;
    out->id = m->id;
}

int vfs_destroy(struct vfs *vfs)
{
    if (!vfs)
        return 0;
    /* each mount holds its root, and all but the root mount hold the covered vnode */
    uint64_t own = vfs->stats.mounts ? 2 * vfs->stats.mounts - 1 : 0;
    if (vfs->stats.files || vfs->stats.pipes || vfs->stats.vnode_refs != own ||
        vfs->stats.filesystems != vfs->stats.mounts)
        return -VK_EBUSY;
    while (vfs->mounts) {
        struct vfs_mount *last = vfs->mounts;
        while (last->next)
            last = last->next;
        mount_teardown(vfs, last);
    }
    free(vfs);
    return 0;
}
