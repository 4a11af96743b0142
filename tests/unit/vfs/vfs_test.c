/*
 * vfs_test: the shared fixture and leak check of the vfs unit tests (see vfs_test.h).
 */
#include "vfs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vt vt;
const uint32_t vt_user_groups[1] = {2000};

static int64_t vt_clock(void *arg)
{
    return *(int64_t *)arg;
}

void vt_setup(void)
{
    struct vfs_config cfg = {.clock = vt_clock, .clock_arg = &vt.now};
    struct tmpfs_config tcfg = {.root_mode = 0755};
    struct vfs_fs *fs;

    memset(&vt, 0, sizeof(vt));
    vt.now = 1000;
    ck_assert_int_eq(vfs_create(&cfg, &vt.vfs), 0);
    ck_assert_int_eq(tmpfs_create(vt.vfs, &tcfg, &fs), 0);
    ck_assert_int_eq(vfs_mount_root(vt.vfs, fs, 0), 0);
    vt.root = vfs_root(vt.vfs);
    vt.rootctx = (struct vfs_ctx){.vfs = vt.vfs, .cwd = vt.root, .umask = 022};
    vt.user = (struct vfs_ctx){
        .vfs = vt.vfs,
        .cred = {.uid = 1000, .gid = 1000, .ngroups = 1, .groups = vt_user_groups},
        .cwd = vt.root,
        .umask = 022,
    };
}

/* ---- the leak check ---- */

struct seen {
    uint64_t *keys; /* dev << 40 | ino */
    size_t n, cap;
};

static int seen_add(struct seen *s, const struct vfs_vnode *vn)
{
    uint64_t key = vn->fs->dev << 40 | vn->ino;

    for (size_t i = 0; i < s->n; i++)
        if (s->keys[i] == key)
            return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->keys = realloc(s->keys, s->cap * sizeof(*s->keys));
        ck_assert_ptr_nonnull(s->keys);
    }
    s->keys[s->n++] = key;
    return 1;
}

/* Counts vnodes and 512-byte blocks under dir (iteratively: trees can be deep). */
static void walk_fs(struct vfs_vnode *root, struct seen *seen, uint64_t *blocks)
{
    struct vfs_vnode **stack = NULL;
    size_t depth = 0, cap = 0;

    seen_add(seen, root);
    vfs_vnode_ref(root);
    stack = malloc(sizeof(*stack) * 16);
    cap = 16;
    stack[depth++] = root;
    while (depth) {
        struct vfs_vnode *dir = stack[--depth];
        struct vfs_dirent de;
        uint64_t cookie = 2;
        while (dir->fs->ops->readdir(dir, &cookie, &de) == 1) {
            struct vfs_vnode *vn;
            ck_assert_int_eq(dir->fs->ops->lookup(dir, de.name, de.namelen, &vn), 0);
            if (!seen_add(seen, vn)) {
                vfs_vnode_put(vn);
                continue;
            }
            *blocks += (uint64_t)vn->blocks;
            if (vfs_s_isdir(vn->mode)) {
                if (depth == cap) {
                    cap *= 2;
                    stack = realloc(stack, sizeof(*stack) * cap);
                    ck_assert_ptr_nonnull(stack);
                }
                stack[depth++] = vn;
            } else {
                vfs_vnode_put(vn);
            }
        }
        vfs_vnode_put(dir);
    }
    free(stack);
}

const char *vt_leak_check(struct vfs *vfs)
{
    static char msg[256];
    struct vfs_stats st;
    struct seen seen = {0};
    uint64_t blocks = 0, mounts = 0;

    vfs_get_stats(vfs, &st);
    if (st.files || st.pipes) {
        snprintf(msg, sizeof(msg), "%llu files, %llu pipes left open", (unsigned long long)st.files,
                 (unsigned long long)st.pipes);
        return msg;
    }
    for (struct vfs_mount *m = vfs_mount_next(vfs, NULL); m; m = vfs_mount_next(vfs, m)) {
        struct vfs_mount_info mi;
        vfs_mount_get_info(m, &mi);
        walk_fs(mi.root, &seen, &blocks);
        mounts++;
    }
    vfs_get_stats(vfs, &st);
    if (st.mounts != mounts || st.filesystems != mounts) {
        snprintf(msg, sizeof(msg), "%llu mounts counted, %llu listed, %llu filesystems",
                 (unsigned long long)st.mounts, (unsigned long long)mounts,
                 (unsigned long long)st.filesystems);
    } else if (st.vnode_refs != (mounts ? 2 * mounts - 1 : 0)) {
        snprintf(msg, sizeof(msg), "%llu vnode references held, mounts account for %llu",
                 (unsigned long long)st.vnode_refs,
                 (unsigned long long)(mounts ? 2 * mounts - 1 : 0));
    } else if (st.vnodes != seen.n) {
        snprintf(msg, sizeof(msg), "%llu vnodes allocated, %zu reachable",
                 (unsigned long long)st.vnodes, seen.n);
    } else if (st.pages * 8 != blocks) {
        snprintf(msg, sizeof(msg), "%llu pages allocated, %llu reachable",
                 (unsigned long long)st.pages, (unsigned long long)blocks / 8);
    } else {
        free(seen.keys);
        return NULL;
    }
    free(seen.keys);
    return msg;
}

void vt_teardown(void)
{
    const char *leak;

    vfs_vnode_put(vt.root);
    vt.root = NULL;
    leak = vt_leak_check(vt.vfs);
    if (leak)
        ck_abort_msg("leak check: %s", leak);
    ck_assert_int_eq(vfs_destroy(vt.vfs), 0);
    vt.vfs = NULL;
}

/* ---- helpers ---- */

struct vfs_file *vt_open(struct vfs_ctx *ctx, const char *path, uint32_t flags, uint32_t mode)
{
    struct vfs_file *f = NULL;
    int err = vfs_open(ctx, NULL, path, flags, mode, &f);

    ck_assert_msg(err == 0, "open %s: %d", path, err);
    return f;
}

void vt_write_all(struct vfs_file *f, const void *buf, size_t len)
{
    ck_assert_int_eq(vfs_write(f, buf, len), (int64_t)len);
}

void vt_put_file(struct vfs_ctx *ctx, const char *path, const char *data)
{
    struct vfs_file *f = vt_open(ctx, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644);

    vt_write_all(f, data, strlen(data));
    vfs_close(f);
}

struct vfs_vnode *vt_lookup(struct vfs_ctx *ctx, const char *path)
{
    struct vfs_vnode *vn = NULL;
    int err = vfs_lookup(ctx, NULL, path, 0, &vn);

    ck_assert_msg(err == 0, "lookup %s: %d", path, err);
    return vn;
}

struct vfs_stat vt_stat(struct vfs_ctx *ctx, const char *path)
{
    struct vfs_stat st;
    int err = vfs_lstat(ctx, NULL, path, &st);

    ck_assert_msg(err == 0, "lstat %s: %d", path, err);
    return st;
}
