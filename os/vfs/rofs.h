/*
 * rofs: a read-only in-memory tree filesystem (rofs.c): the boot image's directories and
 * devfs. Paths given to rofs_add_* are relative to the filesystem's root; missing parent
 * directories are created. The data of a file is borrowed: it must outlive the filesystem.
 */
#ifndef VFS_ROFS_H
#define VFS_ROFS_H

#include "vfs.h"

int rofs_create_fs(struct vfs *vfs, struct vfs_fs **out);
int rofs_add_file(struct vfs_fs *fs, const char *path, uint32_t perm, const void *data,
                  uint64_t size);
int rofs_add_dir(struct vfs_fs *fs, const char *path);
/* mode: VFS_S_IFCHR/IFBLK/... | permission bits */
int rofs_add_dev(struct vfs_fs *fs, const char *path, uint32_t mode, uint64_t rdev);
/* Create or replace a file with a copy of data (procfs). */
int rofs_set_file(struct vfs_fs *fs, const char *path, uint32_t perm, const void *data,
                  size_t size);
int rofs_set_symlink(struct vfs_fs *fs, const char *path, const char *target);
/* Remove a node and its subtree; open files keep their (detached) vnodes. */
int rofs_remove_path(struct vfs_fs *fs, const char *path);
/* Remove everything inside a directory, keeping the directory (open handles stay valid). */
int rofs_empty_dir(struct vfs_fs *fs, const char *path);

#endif
