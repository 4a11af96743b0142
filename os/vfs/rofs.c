/*
 * rofs: a read-only filesystem of a fixed tree built in memory, used for the boot image's
 * directories (/bin, /sbin, /etc: files whose bytes stay in the boot image) and for devfs
 * (device nodes; more can be added while it is mounted, e.g. when a driver registers one).
 *
 * The tree is changed only by its owner (the server), never through the file API: nodes are
 * added, a file's content can be replaced (procfs regenerates its files), and subtrees can
 * be removed; a removed node that is still referenced (an open file) lives on, detached,
 * until its last reference goes. Directories list their entries in the order they were
 * added. Every modifying operation through the file API is -VK_EROFS.
 */
#include <stdlib.h>
#include <string.h>

#include "rofs.h"

struct rofs_node {
    struct vfs_vnode vn;
    struct rofs_node *parent;
    char *name;
    size_t namelen;
    struct rofs_node **child;
    size_t nchild, capchild;
    const uint8_t *data; /* regular files */
    uint8_t *owned;      /* data, when the filesystem owns a copy */
    char *target;        /* symlinks */
    size_t index;        /* in rofs.all */
    int detached;
};

struct rofs {
    struct vfs_fs fs;
    struct rofs_node *root;
    struct rofs_node **all; /* every node, for destroy */
    size_t nall, capall;
};

static struct rofs_node *to_node(struct vfs_vnode *vn)
{
    return (struct rofs_node *)vn;
}
static struct rofs *to_rofs(struct vfs_fs *fs)
{
    return (struct rofs *)fs;
}

static struct rofs_node *node_new(struct rofs *r, struct rofs_node *parent, const char *name,
                                  size_t len, uint32_t mode, uint64_t rdev)
{
    if (r->nall == r->capall) {
        size_t cap = r->capall ? r->capall * 2 : 32;
        struct rofs_node **a = realloc(r->all, cap * sizeof *a);
        if (!a)
            return NULL;
        r->all = a;
        r->capall = cap;
    }
    struct rofs_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->name = malloc(len + 1);
    if (!n->name) {
        free(n);
        return NULL;
    }
    memcpy(n->name, name, len);
    n->name[len] = 0;
    n->namelen = len;
    n->parent = parent;
    struct vfs_attr attr = {.mode = mode, .uid = 0, .gid = 0, .rdev = rdev};
    vfs_vnode_init(&r->fs, &n->vn, &attr);
    n->vn.nlink = vfs_s_isdir(mode) ? 2 : 1;
    if (parent) {
        if (parent->nchild == parent->capchild) {
            size_t cap = parent->capchild ? parent->capchild * 2 : 8;
            struct rofs_node **c = realloc(parent->child, cap * sizeof *c);
            if (!c) {
                vfs_vnode_fini(&n->vn);
                free(n->name);
                free(n);
                return NULL;
            }
            parent->child = c;
            parent->capchild = cap;
        }
        parent->child[parent->nchild++] = n;
        if (vfs_s_isdir(mode))
            parent->vn.nlink++;
        parent->vn.size = 40 + 20 * (int64_t)parent->nchild;
    }
    n->index = r->nall;
    r->all[r->nall++] = n;
    return n;
}

static void node_free(struct rofs *r, struct rofs_node *n)
{
    r->all[n->index] = r->all[--r->nall];
    r->all[n->index]->index = n->index;
    vfs_vnode_fini(&n->vn);
    free(n->child);
    free(n->name);
    free(n->owned);
    free(n->target);
    free(n);
}

/* Detach n (and everything below it); free what nobody references. */
static void node_detach(struct rofs *r, struct rofs_node *n)
{
    while (n->nchild)
        node_detach(r, n->child[n->nchild - 1]);
    struct rofs_node *p = n->parent;
    if (p) {
        for (size_t i = 0; i < p->nchild; i++) {
            if (p->child[i] == n) {
                memmove(&p->child[i], &p->child[i + 1], (p->nchild - i - 1) * sizeof n);
                p->nchild--;
                break;
            }
        }
        if (vfs_s_isdir(n->vn.mode))
            p->vn.nlink--;
        p->vn.size = 40 + 20 * (int64_t)p->nchild;
    }
    n->parent = NULL;
    n->detached = 1;
    n->vn.nlink = 0;
    if (n->vn.refs == 0)
        node_free(r, n);
}

static struct rofs_node *find_child(struct rofs_node *d, const char *name, size_t len);
static struct rofs_node *walk_dirs(struct rofs *r, const char *path, const char **last,
                                   size_t *lastlen);

int rofs_set_file(struct vfs_fs *fs, const char *path, uint32_t perm, const void *data, size_t size)
{
    struct rofs *r = to_rofs(fs);
    const char *name;
    size_t len;
    struct rofs_node *d = walk_dirs(r, path, &name, &len);
    if (!d || len == 0 || len > VFS_NAME_MAX)
        return -VK_EINVAL;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return -VK_ENOMEM;
    memcpy(copy, data, size);
    struct rofs_node *n = find_child(d, name, len);
    if (n && !vfs_s_isreg(n->vn.mode)) {
        free(copy);
        return -VK_EEXIST;
    }
    if (!n && !(n = node_new(r, d, name, len, VFS_S_IFREG | (perm & 07777), 0))) {
        free(copy);
        return -VK_ENOMEM;
    }
    free(n->owned);
    n->owned = copy;
    n->data = copy;
    n->vn.size = (int64_t)size;
    n->vn.blocks = (int64_t)((size + 511) / 512);
    n->vn.mtime = n->vn.ctime = vfs_now(fs->vfs);
    return 0;
}

int rofs_set_symlink(struct vfs_fs *fs, const char *path, const char *target)
{
    struct rofs *r = to_rofs(fs);
    const char *name;
    size_t len;
    struct rofs_node *d = walk_dirs(r, path, &name, &len);
    if (!d || len == 0 || len > VFS_NAME_MAX)
        return -VK_EINVAL;
    char *t = malloc(strlen(target) + 1);
    if (!t)
        return -VK_ENOMEM;
    strcpy(t, target);
    struct rofs_node *n = find_child(d, name, len);
    if (n && !vfs_s_islnk(n->vn.mode)) {
        free(t);
        return -VK_EEXIST;
    }
    if (!n && !(n = node_new(r, d, name, len, VFS_S_IFLNK | 0777, 0))) {
        free(t);
        return -VK_ENOMEM;
    }
    free(n->target);
    n->target = t;
    n->vn.size = (int64_t)strlen(t);
    return 0;
}

/* The node at path, or NULL. */
static struct rofs_node *find_path(struct rofs *r, const char *path)
{
    const char *name;
    size_t len;
    struct rofs_node *d = walk_dirs(r, path, &name, &len);
    return d && len ? find_child(d, name, len) : NULL;
}

int rofs_remove_path(struct vfs_fs *fs, const char *path)
{
    struct rofs *r = to_rofs(fs);
    struct rofs_node *n = find_path(r, path);
    if (!n)
        return -VK_ENOENT;
    node_detach(r, n);
    return 0;
}

int rofs_empty_dir(struct vfs_fs *fs, const char *path)
{
    struct rofs *r = to_rofs(fs);
    struct rofs_node *n = find_path(r, path);
    if (!n || !vfs_s_isdir(n->vn.mode))
        return -VK_ENOENT;
    while (n->nchild)
        node_detach(r, n->child[n->nchild - 1]);
    return 0;
}

static struct rofs_node *find_child(struct rofs_node *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->nchild; i++)
        if (d->child[i]->namelen == len && !memcmp(d->child[i]->name, name, len))
            return d->child[i];
    return NULL;
}

/* Walk (and create) the directories of path; returns the parent directory of the last
 * component, whose name is left in *last / *lastlen. */
static struct rofs_node *walk_dirs(struct rofs *r, const char *path, const char **last,
                                   size_t *lastlen)
{
    struct rofs_node *d = r->root;
    while (*path == '/')
        path++;
    for (;;) {
        const char *slash = strchr(path, '/');
        if (!slash) {
            *last = path;
            *lastlen = strlen(path);
            return d;
        }
        size_t len = (size_t)(slash - path);
        if (len == 0 || len > VFS_NAME_MAX)
            return NULL;
        struct rofs_node *c = find_child(d, path, len);
        if (!c)
            c = node_new(r, d, path, len, VFS_S_IFDIR | 0755, 0);
        else if (!vfs_s_isdir(c->vn.mode))
            return NULL;
        if (!c)
            return NULL;
        d = c;
        path = slash + 1;
        while (*path == '/')
            path++;
    }
}

static int add(struct vfs_fs *fs, const char *path, uint32_t mode, uint64_t rdev, const void *data,
               uint64_t size)
{
    struct rofs *r = to_rofs(fs);
    const char *name;
    size_t len;
    struct rofs_node *d = walk_dirs(r, path, &name, &len);
    if (!d || len == 0 || len > VFS_NAME_MAX)
        return -VK_EINVAL;
    if (find_child(d, name, len))
        return -VK_EEXIST;
    struct rofs_node *n = node_new(r, d, name, len, mode, rdev);
    if (!n)
        return -VK_ENOMEM;
    n->data = data;
    n->vn.size = (int64_t)size;
    n->vn.blocks = (int64_t)((size + 511) / 512);
    return 0;
}

int rofs_add_file(struct vfs_fs *fs, const char *path, uint32_t perm, const void *data,
                  uint64_t size)
{
    return add(fs, path, VFS_S_IFREG | (perm & 07777), 0, data, size);
}

int rofs_add_dev(struct vfs_fs *fs, const char *path, uint32_t mode, uint64_t rdev)
{
    return add(fs, path, mode, rdev, NULL, 0);
}

int rofs_add_dir(struct vfs_fs *fs, const char *path)
{
    return add(fs, path, VFS_S_IFDIR | 0755, 0, NULL, 0);
}

static int rofs_lookup(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode **out)
{
    struct rofs_node *d = to_node(dir), *n;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        n = d->parent ? d->parent : d;
    else if (!(n = find_child(d, name, len)))
        return -VK_ENOENT;
    vfs_vnode_ref(&n->vn);
    *out = &n->vn;
    return 0;
}

static int64_t rofs_read(struct vfs_vnode *vn, void *buf, size_t len, int64_t off)
{
    struct rofs_node *n = to_node(vn);
    if (off >= vn->size)
        return 0;
    uint64_t avail = (uint64_t)(vn->size - off);
    if (len > avail)
        len = (size_t)avail;
    memcpy(buf, n->data + off, len);
    return (int64_t)len;
}

static int rofs_readdir(struct vfs_vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
    struct rofs_node *d = to_node(dir);
    uint64_t i = *cookie < 2 ? 0 : *cookie - 2;
    if (i >= d->nchild)
        return 0;
    struct rofs_node *c = d->child[i];
    out->ino = c->vn.ino;
    out->type = vfs_mode_to_dt(c->vn.mode);
    out->namelen = (uint16_t)c->namelen;
    memcpy(out->name, c->name, c->namelen + 1);
    *cookie = i + 3;
    out->next = *cookie;
    return 1;
}

static int rofs_refuse(void)
{
    return -VK_EROFS;
}

static int rofs_create(struct vfs_vnode *dir, const char *name, size_t len,
                       const struct vfs_attr *attr, struct vfs_vnode **out)
{
    (void)dir, (void)name, (void)len, (void)attr, (void)out;
    return rofs_refuse();
}

static int rofs_symlink(struct vfs_vnode *dir, const char *name, size_t len, const char *target,
                        size_t target_len, const struct vfs_attr *attr, struct vfs_vnode **out)
{
    (void)dir, (void)name, (void)len, (void)target, (void)target_len, (void)attr, (void)out;
    return rofs_refuse();
}

static int rofs_link(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn)
{
    (void)dir, (void)name, (void)len, (void)vn;
    return rofs_refuse();
}

static int rofs_remove(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn)
{
    (void)dir, (void)name, (void)len, (void)vn;
    return rofs_refuse();
}

static int rofs_rename(struct vfs_vnode *odir, const char *oname, size_t olen,
                       struct vfs_vnode *ndir, const char *nname, size_t nlen)
{
    (void)odir, (void)oname, (void)olen, (void)ndir, (void)nname, (void)nlen;
    return rofs_refuse();
}

static int64_t rofs_write(struct vfs_vnode *vn, const void *buf, size_t len, int64_t off)
{
    (void)vn, (void)buf, (void)len, (void)off;
    return rofs_refuse();
}

static int rofs_truncate(struct vfs_vnode *vn, int64_t size)
{
    (void)vn, (void)size;
    return rofs_refuse();
}

static int rofs_readlink(struct vfs_vnode *vn, const char **target, size_t *len)
{
    struct rofs_node *n = to_node(vn);
    if (!n->target)
        return -VK_EINVAL;
    *target = n->target;
    *len = strlen(n->target);
    return 0;
}

static void rofs_inactive(struct vfs_vnode *vn)
{
    struct rofs_node *n = to_node(vn);
    if (n->detached)
        node_free(to_rofs(vn->fs), n);
}

static void rofs_destroy(struct vfs_fs *fs)
{
    struct rofs *r = to_rofs(fs);
    while (r->nall)
        node_free(r, r->all[r->nall - 1]);
    free(r->all);
    free(r);
}

static const struct vfs_fs_ops rofs_ops = {
    .lookup = rofs_lookup,
    .create = rofs_create,
    .symlink = rofs_symlink,
    .link = rofs_link,
    .unlink = rofs_remove,
    .rmdir = rofs_remove,
    .rename = rofs_rename,
    .read = rofs_read,
    .write = rofs_write,
    .truncate = rofs_truncate,
    .readdir = rofs_readdir,
    .readlink = rofs_readlink,
    .inactive = rofs_inactive,
    .destroy = rofs_destroy,
};

int rofs_create_fs(struct vfs *vfs, struct vfs_fs **out)
{
    struct rofs *r = calloc(1, sizeof *r);
    if (!r)
        return -VK_ENOMEM;
    vfs_fs_init(vfs, &r->fs, &rofs_ops);
    r->root = node_new(r, NULL, "", 0, VFS_S_IFDIR | 0755, 0);
    if (!r->root) {
        free(r->all);
        free(r);
        return -VK_ENOMEM;
    }
    r->fs.root = &r->root->vn;
    *out = &r->fs;
    return 0;
}
