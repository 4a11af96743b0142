/*
 * vfs_test: the fixture shared by the vfs unit tests. A namespace with a tmpfs root (mode
 * 0755, owned by root), a fake clock the tests advance by hand, a root context and a user
 * context (uid 1000, gid 1000, supplementary group 2000).
 *
 * vt_teardown is the leak check: with every file closed and every reference dropped, the
 * library's counters must match what a walk of each mounted filesystem (through its ops
 * table, not the path walker) can reach: every vnode reachable by name, every page
 * accounted to a reachable file or symlink, no file, pipe or extra reference left. Then
 * vfs_destroy must succeed; ASan catches anything freed twice or never.
 */
#ifndef VFS_TEST_H
#define VFS_TEST_H

#include <check.h>
#include <stdint.h>

#include "vfs.h"

struct vt {
    struct vfs *vfs;
    struct vfs_vnode *root;
    struct vfs_ctx rootctx; /* uid 0 */
    struct vfs_ctx user;    /* uid 1000 */
    int64_t now;
};

extern struct vt vt;
extern const uint32_t vt_user_groups[1];

void vt_setup(void);
void vt_teardown(void);
/* The leak check alone (vt_teardown runs it); returns a description of the first mismatch. */
const char *vt_leak_check(struct vfs *vfs);

/* Helpers that fail the test on error. */
struct vfs_file *vt_open(struct vfs_ctx *ctx, const char *path, uint32_t flags, uint32_t mode);
void vt_write_all(struct vfs_file *f, const void *buf, size_t len);
void vt_put_file(struct vfs_ctx *ctx, const char *path, const char *data);
struct vfs_vnode *vt_lookup(struct vfs_ctx *ctx, const char *path);
struct vfs_stat vt_stat(struct vfs_ctx *ctx, const char *path);

#endif
