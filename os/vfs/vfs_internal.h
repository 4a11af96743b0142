/*
 * vfs_internal: state and helpers shared by the vfs sources (vnode.c, mount.c, path.c, ops.c,
 * pipe.c, tmpfs.c); not for users of the library, who see only vfs.h.
 *
 * Invariants:
 *  - vn->refs counts in-memory references (files, walks, mounts, callers); vn->fs->refs and
 *    vfs->stats.vnode_refs are the sums over a filesystem and over the namespace.
 *  - A filesystem is mounted at most once, so a vnode's mount is vn->fs->mount, and a
 *    directory is covered by at most one mount (a second mount on the same path covers the
 *    root of the first).
 *  - The walker (struct vfs_nd) holds a reference on every vnode it points at, and on every
 *    symlink whose target text it is still reading.
 */
#ifndef VERIDIAN_VFS_INTERNAL_H
#define VERIDIAN_VFS_INTERNAL_H

#include "vfs.h"

struct vfs {
    int64_t (*clock)(void *arg);
    void *clock_arg;
    struct vfs_mount *mounts; /* in mount order; the root mount first */
    struct vfs_mount *root_mount;
    uint64_t next_dev;
    uint64_t next_mount_id;
    uint64_t next_pipe_id;
    struct vfs_stats stats;
};

struct vfs_mount {
    struct vfs_mount *next;
    struct vfs_fs *fs;
    struct vfs_vnode *covered; /* referenced; NULL for the root mount */
    uint32_t flags;
    uint64_t id;
};

/* f_mode bits: what the open file may do (an O_ACCMODE of 3 gives neither, as on Linux). */
#define VFS_FMODE_READ 0x1
#define VFS_FMODE_WRITE 0x2

struct vfs_file {
    struct vfs *vfs;
    struct vfs_vnode *vn;  /* referenced; NULL for an anonymous pipe */
    struct vfs_pipe *pipe; /* FIFO or anonymous pipe */
    uint32_t flags;        /* open flags */
    uint32_t fmode;        /* VFS_FMODE_* */
    int64_t off;
    uint32_t refs;
    uint32_t uid; /* opener, for clearing set-id bits on write */
    uint32_t gid;
};

/* permission masks (Linux MAY_*) */
#define VFS_MAY_EXEC 0x1
#define VFS_MAY_WRITE 0x2
#define VFS_MAY_READ 0x4

int vfs_permission(const struct vfs_cred *cred, struct vfs_vnode *vn, int mask);
bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid);
bool vfs_fs_rdonly(const struct vfs_fs *fs);
void vfs_fill_stat(const struct vfs_vnode *vn, struct vfs_stat *st);

static inline bool vfs_vn_isdir(const struct vfs_vnode *vn)
{
    return vfs_s_isdir(vn->mode);
}
static inline bool vfs_vn_dead(const struct vfs_vnode *vn)
{
    return vfs_s_isdir(vn->mode) && vn->nlink == 0;
}

/* The namespace root without a new reference (NULL before vfs_mount_root). */
struct vfs_vnode *vfs_root_noref(struct vfs *vfs);

/* ---- path walker (path.c), shaped after Linux's nameidata ---- */

enum vfs_last_type { VFS_LAST_NORM, VFS_LAST_ROOT, VFS_LAST_DOT, VFS_LAST_DOTDOT };

#define VFS_LOOKUP_FOLLOW 0x1    /* follow a final symlink */
#define VFS_LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define VFS_LOOKUP_EMPTY 0x4     /* "" names the starting directory (AT_EMPTY_PATH) */

struct vfs_nd {
    struct vfs_ctx *ctx;
    struct vfs_vnode *root; /* referenced */
    struct vfs_vnode *cur;  /* referenced: the directory walked so far, then the result */
    const char *path;       /* what is left to walk after vfs_nd_init */
    const char *last;       /* the final component (not NUL-terminated) */
    size_t last_len;
    int last_type;
    bool last_slash; /* the final component was followed by '/' */
    unsigned flags;
    unsigned total_links;
    unsigned nlinks;
    struct vfs_vnode *links[VFS_SYMLOOP_MAX]; /* symlinks whose text may still be in use */
};

/* Checks the path (-ENOENT for "", -ENAMETOOLONG) and sets the starting point. On error the
 * nd still needs vfs_nd_fini. */
int vfs_nd_init(struct vfs_nd *nd, struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path,
                unsigned flags);
void vfs_nd_fini(struct vfs_nd *nd);
/* Walks every component of nd->path but the last (Linux link_path_walk). */
int vfs_nd_walk(struct vfs_nd *nd, const char *name);
/* Steps onto the final component; *next is a symlink body to walk next, or NULL when done. */
int vfs_nd_last(struct vfs_nd *nd, const char **next);
/* Whole lookup (Linux path_lookupat): the result is nd->cur. */
int vfs_nd_lookup(struct vfs_nd *nd);
/* Parent lookup (Linux path_parentat): nd->cur is the parent, nd->last the final name. */
int vfs_nd_parent(struct vfs_nd *nd);
/* Follows a symlink met as the final component: *next as for vfs_nd_last. Takes link's
 * reference. */
int vfs_nd_follow(struct vfs_nd *nd, struct vfs_vnode *link, const char **next);
/* One name in dir, without crossing mounts or checking permissions (the caller did):
 * -ENOENT in a removed directory or when absent, -ENAMETOOLONG. */
int vfs_lookup_child(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode **out);
/* Replaces vn by the root of whatever is mounted on it (transfers the reference). */
struct vfs_vnode *vfs_cross_mounts(struct vfs_vnode *vn);

/* ---- pipes (pipe.c) ---- */
struct vfs_pipe {
    struct vfs *vfs;
    uint8_t *buf;
    size_t head;  /* next byte to read */
    size_t count; /* bytes buffered */
    uint32_t readers;
    uint32_t writers;
    uint64_t id;
    /* attributes of an anonymous pipe (Linux keeps them in a pipefs inode) */
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    int64_t ctime;
};

#endif
