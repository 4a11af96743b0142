/*
 * path: the path walker. Shaped after Linux's fs/namei.c (link_path_walk, walk_component,
 * handle_dots, pick_link, path_lookupat, path_parentat) so that errors come out in the same
 * order as on Linux, which tests/diff checks op by op:
 *  - every component, the last included, needs search permission on the directory it is
 *    looked up in; a component longer than VFS_NAME_MAX is -ENAMETOOLONG when it is looked
 *    up (after that check), a non-directory in the middle is -ENOTDIR;
 *  - "." stays, ".." goes to the parent, from a mount root first back to the covered
 *    directory (repeatedly, for stacked mounts), and stops at the context's root; arriving
 *    on a covered directory crosses into what is mounted there;
 *  - symlinks in the middle are always followed; a final one when VFS_LOOKUP_FOLLOW is set or
 *    the path ends in '/'. Relative targets resolve from the link's directory, absolute ones
 *    from the context root. 40 links per resolution in all; the 41st is -ELOOP;
 *  - a trailing '/' makes the final component follow a symlink and require a directory
 *    (-ENOTDIR), checked at the very end.
 *
 * Called by ops.c and mount.c. Never allocates: a nested symlink's remaining path is kept as
 * a pointer into the link's target, which stays valid because the walker holds a reference
 * on each link it follows until vfs_nd_fini.
 */
#include "vfs_internal.h"

#include <string.h>

#define WALK_TRAILING 0x1
#define WALK_MORE 0x2
#define WALK_NOFOLLOW 0x4

static void nd_set_cur(struct vfs_nd *nd, struct vfs_vnode *vn)
{
    struct vfs_vnode *old = nd->cur;

    nd->cur = vn;
    vfs_vnode_put(old);
}

int vfs_nd_init(struct vfs_nd *nd, struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path,
                unsigned flags)
{
    struct vfs_vnode *root = ctx->root ? ctx->root : vfs_root_noref(ctx->vfs);
    struct vfs_vnode *start;
    size_t len;

    memset(nd, 0, sizeof(*nd));
    nd->ctx = ctx;
    nd->flags = flags;
    nd->last_type = VFS_LAST_ROOT;
    if (!path)
        return -VK_EFAULT;
    len = strnlen(path, VFS_PATH_MAX);
    if (len >= VFS_PATH_MAX)
        return -VK_ENAMETOOLONG;
    if (len == 0 && !(flags & VFS_LOOKUP_EMPTY))
        return -VK_ENOENT;
    if (!root)
        return -VK_ENOENT;
    nd->root = root;
    vfs_vnode_ref(root);
    if (path[0] == '/')
        start = root;
    else
        start = dir ? dir : ctx->cwd ? ctx->cwd : root;
    nd->cur = start;
    vfs_vnode_ref(start);
    nd->path = path;
    if (path[0] && path[0] != '/' && !vfs_vn_isdir(start))
        return -VK_ENOTDIR;
    return 0;
}

void vfs_nd_fini(struct vfs_nd *nd)
{
    vfs_vnode_put(nd->cur);
    vfs_vnode_put(nd->root);
    for (unsigned i = 0; i < nd->nlinks; i++)
        vfs_vnode_put(nd->links[i]);
    nd->cur = nd->root = NULL;
    nd->nlinks = 0;
}

struct vfs_vnode *vfs_cross_mounts(struct vfs_vnode *vn)
{
    while (vn->mounted) {
        struct vfs_vnode *root = vn->mounted->fs->root;
        vfs_vnode_ref(root);
        vfs_vnode_put(vn);
        vn = root;
    }
    return vn;
}

int vfs_lookup_child(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode **out)
{
    *out = NULL;
    if (vfs_vn_dead(dir))
        return -VK_ENOENT;
    if (len > VFS_NAME_MAX)
        return -VK_ENAMETOOLONG;
    return dir->fs->ops->lookup(dir, name, len, out);
}

/* Linux follow_dotdot + step_into: up one level, across mount roots, never above the root. */
static int follow_dotdot(struct vfs_nd *nd)
{
    struct vfs_vnode *v = nd->cur, *parent;
    int err;

    if (v == nd->root)
        return 0;
    vfs_vnode_ref(v);
    while (v == v->fs->root) {
        struct vfs_mount *m = v->fs->mount;
        if (!m || !m->covered || m->covered == nd->root) {
            vfs_vnode_put(v);
            return 0; /* at a root: ".." stays */
        }
        vfs_vnode_ref(m->covered);
        vfs_vnode_put(v);
        v = m->covered;
    }
    err = v->fs->ops->lookup(v, "..", 2, &parent);
    vfs_vnode_put(v);
    if (err)
        return err;
    nd_set_cur(nd, vfs_cross_mounts(parent));
    return 0;
}

static int pick_link(struct vfs_nd *nd, struct vfs_vnode *link, const char **next)
{
    const char *target;
    size_t len;
    int err;

    *next = NULL;
    if (nd->total_links++ >= VFS_SYMLOOP_MAX) {
        vfs_vnode_put(link);
        return -VK_ELOOP;
    }
    nd->links[nd->nlinks++] = link;
    err = link->fs->ops->readlink(link, &target, &len);
    if (err)
        return err;
    if (target[0] == '/') {
        vfs_vnode_ref(nd->root);
        nd_set_cur(nd, nd->root);
        while (*++target == '/')
            ;
    }
    if (*target)
        *next = target;
    return 0;
}

int vfs_nd_follow(struct vfs_nd *nd, struct vfs_vnode *link, const char **next)
{
    return pick_link(nd, link, next);
}

static int walk_component(struct vfs_nd *nd, int wflags, const char **next)
{
    struct vfs_vnode *vn;
    int err;

    *next = NULL;
    if (nd->last_type == VFS_LAST_DOTDOT)
        return follow_dotdot(nd);
    if (nd->last_type != VFS_LAST_NORM)
        return 0;
    err = vfs_lookup_child(nd->cur, nd->last, nd->last_len, &vn);
    if (err)
        return err;
    vn = vfs_cross_mounts(vn);
    if (vfs_s_islnk(vn->mode) && !(wflags & WALK_NOFOLLOW) &&
        !((wflags & WALK_TRAILING) && !(nd->flags & VFS_LOOKUP_FOLLOW)))
        return pick_link(nd, vn, next);
    nd_set_cur(nd, vn);
    return 0;
}

int vfs_nd_walk(struct vfs_nd *nd, const char *name)
{
    const char *stack[VFS_SYMLOOP_MAX];
    unsigned depth = 0;
    int err;

    while (*name == '/')
        name++;
    if (!*name)
        return 0;
    for (;;) {
        const char *link;
        size_t len = 0;

        err = vfs_permission(&nd->ctx->cred, nd->cur, VFS_MAY_EXEC);
        if (err)
            return err;
        while (name[len] && name[len] != '/')
            len++;
        nd->last = name;
        nd->last_len = len;
        nd->last_type = VFS_LAST_NORM;
        if (name[0] == '.' && len == 1)
            nd->last_type = VFS_LAST_DOT;
        else if (name[0] == '.' && name[1] == '.' && len == 2)
            nd->last_type = VFS_LAST_DOTDOT;
        nd->last_slash = false;
        name += len;
        if (*name == '/') {
            nd->last_slash = true;
            while (*name == '/')
                name++;
        }
        if (!*name) {
            if (depth == 0)
                return 0; /* the final component: the caller decides */
            /* the last component of a nested symlink: always followed */
            name = stack[--depth];
            err = walk_component(nd, 0, &link);
        } else {
            err = walk_component(nd, WALK_MORE, &link);
        }
        if (err)
            return err;
        if (link) {
            stack[depth++] = name;
            name = link;
            continue;
        }
        if (!vfs_vn_isdir(nd->cur))
            return -VK_ENOTDIR;
    }
}

int vfs_nd_last(struct vfs_nd *nd, const char **next)
{
    if (nd->last_type == VFS_LAST_NORM && nd->last_slash)
        nd->flags |= VFS_LOOKUP_FOLLOW | VFS_LOOKUP_DIRECTORY;
    return walk_component(nd, WALK_TRAILING, next);
}

int vfs_nd_lookup(struct vfs_nd *nd)
{
    const char *s = nd->path;
    int err;

    if (!*s) /* VFS_LOOKUP_EMPTY: the starting directory itself */
        return 0;
    while (!(err = vfs_nd_walk(nd, s)) && !(err = vfs_nd_last(nd, &s)) && s)
        ;
    if (!err && (nd->flags & VFS_LOOKUP_DIRECTORY) && !vfs_vn_isdir(nd->cur))
        err = -VK_ENOTDIR;
    return err;
}

int vfs_nd_parent(struct vfs_nd *nd)
{
    return vfs_nd_walk(nd, nd->path);
}
