/*
 * vfs: the namespace library behind Veridian's vfs server. Vnodes, a mount table, the path
 * walker, tmpfs, pipe buffers and a POSIX-shaped operations layer over them. The vfs server's
 * IPC shell (and nothing else in the OS) calls it; unit tests call it on the host.
 *
 * Contract:
 *  - Pure C11, no I/O, no globals, no host calls: the same sources build for the host (tests,
 *    ASan) and freestanding for the guest (links only libveridian's malloc family and
 *    string.h). Time comes from the clock callback in struct vfs_config (nanoseconds).
 *  - Deterministic: nothing depends on host pointer values. Inode numbers are sequential per
 *    filesystem (the root is 1), st_dev is sequential per filesystem instance (from 1), and
 *    tmpfs lists a directory in insertion order (a renamed entry moves to the end).
 *  - Every call returns 0, a count, or a negative VK_E* (Linux numbers). The library never
 *    blocks: an operation that would block returns -VK_EAGAIN whether or not O_NONBLOCK is
 *    set, and the caller (the IPC shell) turns that into a deferred reply when the file is
 *    blocking, retrying when vfs_file_poll/vfs_pipe_poll reports a change.
 *  - Semantics follow Linux 6.x on tmpfs, including the order in which errors are reported
 *    (tests/diff compares this library with Linux op by op). Deviations are listed in the
 *    comments of the functions concerned.
 *  - Single-threaded: the caller serialises calls (the server handles one message at a time).
 *  - Not provided (yet): chown, utimes, O_PATH, O_TMPFILE, RENAME_* flags, and Linux's
 *    fs.protected_symlinks/protected_regular hardening (both default to 0 in the kernel);
 *    fs.protected_hardlinks=1 is implemented.
 *
 * References: a struct vfs_vnode * handed out by this API (vfs_lookup, vfs_root, ...) carries
 * one reference that the caller drops with vfs_vnode_put. struct vfs_ctx does not own its
 * root/cwd pointers: whoever fills it in holds references for as long as it is used. An open
 * file (struct vfs_file) holds a reference on its vnode; vfs_close drops the file.
 */
#ifndef VERIDIAN_VFS_H
#define VERIDIAN_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veridian/errors.h"

/* ---- limits ---- */
#define VFS_PATH_MAX 4096      /* including the NUL: a path of 4096 bytes or more is too long */
#define VFS_NAME_MAX 255       /* bytes in one component */
#define VFS_SYMLOOP_MAX 40     /* symlinks followed in one resolution; the 41st gives ELOOP */
#define VFS_PIPE_BUF 4096      /* writes up to this size are atomic */
#define VFS_PIPE_SIZE 65536    /* pipe buffer capacity */
#define VFS_PAGE_SIZE 4096     /* tmpfs allocation unit */
#define VFS_MAX_RW 0x7ffff000u /* one read/write moves at most this much (Linux MAX_RW_COUNT) */

/* ---- open flags (Linux x86_64 values) ---- */
#define VFS_O_RDONLY 00
#define VFS_O_WRONLY 01
#define VFS_O_RDWR 02
#define VFS_O_ACCMODE 03
#define VFS_O_CREAT 0100
#define VFS_O_EXCL 0200
#define VFS_O_NOCTTY 0400
#define VFS_O_TRUNC 01000
#define VFS_O_APPEND 02000
#define VFS_O_NONBLOCK 04000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW 0400000
#define VFS_O_CLOEXEC 02000000

/* ---- file types and mode bits ---- */
#define VFS_S_IFMT 0170000
#define VFS_S_IFSOCK 0140000
#define VFS_S_IFLNK 0120000
#define VFS_S_IFREG 0100000
#define VFS_S_IFBLK 0060000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFCHR 0020000
#define VFS_S_IFIFO 0010000
#define VFS_S_ISUID 04000
#define VFS_S_ISGID 02000
#define VFS_S_ISVTX 01000
#define VFS_S_IALLUGO 07777

static inline bool vfs_s_isdir(uint32_t m)
{
    return (m & VFS_S_IFMT) == VFS_S_IFDIR;
}
static inline bool vfs_s_isreg(uint32_t m)
{
    return (m & VFS_S_IFMT) == VFS_S_IFREG;
}
static inline bool vfs_s_islnk(uint32_t m)
{
    return (m & VFS_S_IFMT) == VFS_S_IFLNK;
}

/* access() modes */
#define VFS_F_OK 0
#define VFS_X_OK 1
#define VFS_W_OK 2
#define VFS_R_OK 4

/* lseek whence */
#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2
#define VFS_SEEK_DATA 3
#define VFS_SEEK_HOLE 4

/* *at() flags (Linux values) */
#define VFS_AT_SYMLINK_NOFOLLOW 0x100
#define VFS_AT_REMOVEDIR 0x200
#define VFS_AT_EACCESS 0x200 /* accepted and ignored: there is one uid per credential */
#define VFS_AT_SYMLINK_FOLLOW 0x400
#define VFS_AT_EMPTY_PATH 0x1000

/* directory entry types (Linux DT_*) */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_FIFO 1
#define VFS_DT_CHR 2
#define VFS_DT_DIR 4
#define VFS_DT_BLK 6
#define VFS_DT_REG 8
#define VFS_DT_LNK 10
#define VFS_DT_SOCK 12

/* readiness bits (Linux poll values) */
#define VFS_POLLIN 0x001
#define VFS_POLLOUT 0x004
#define VFS_POLLERR 0x008
#define VFS_POLLHUP 0x010

/* mount flags */
#define VFS_MNT_RDONLY 0x1

/* ---- types ---- */
struct vfs;      /* one namespace: mount table, clock, counters */
struct vfs_file; /* an open file description (shared offset) */
struct vfs_pipe; /* a pipe buffer: anonymous pipe or the inside of a FIFO */
struct vfs_mount;
struct vfs_fs;
struct vfs_vnode;

/* Who is asking. uid 0 bypasses permission bits like Linux root (CAP_DAC_OVERRIDE, FOWNER). */
struct vfs_cred {
    uint32_t uid;
    uint32_t gid;
    uint32_t ngroups;       /* supplementary groups */
    const uint32_t *groups; /* not owned; only read during a call */
};

/* The per-client state a call resolves paths against. Not owned by the library. */
struct vfs_ctx {
    struct vfs *vfs;
    struct vfs_cred cred;
    struct vfs_vnode *root; /* absolute paths start here and ".." stops here; NULL: vfs root */
    struct vfs_vnode *cwd;  /* relative paths when no directory is given; NULL: root */
    uint32_t umask;         /* applied to the mode of files, directories and nodes created */
};

struct vfs_stat {
    uint64_t dev;
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;
    int64_t size;    /* directories: 40 + 20 per entry, as Linux tmpfs; symlinks: target length */
    int64_t blksize; /* 4096 */
    int64_t blocks;  /* 512-byte units actually allocated (8 per page) */
    int64_t atime_ns;
    int64_t mtime_ns;
    int64_t ctime_ns;
};

struct vfs_dirent {
    uint64_t ino;
    uint64_t next; /* cookie that continues the listing after this entry */
    uint8_t type;  /* VFS_DT_* */
    uint16_t namelen;
    char name[VFS_NAME_MAX + 1]; /* NUL-terminated */
};

struct vfs_config {
    int64_t (*clock)(void *arg); /* current time in ns; NULL: time stays 0 */
    void *clock_arg;
};

/* Live object counts, for leak checks (tests) and procfs. */
struct vfs_stats {
    uint64_t vnodes;     /* vnodes allocated by every filesystem */
    uint64_t vnode_refs; /* in-memory references held on them (mounts hold 2 each) */
    uint64_t pages;      /* tmpfs pages (a long symlink counts one page, as in Linux) */
    uint64_t files;      /* open file descriptions */
    uint64_t pipes;      /* pipe buffers */
    uint64_t mounts;
    uint64_t filesystems; /* created and not yet destroyed, mounted or not */
};

/* ================= the namespace ================= */

int vfs_create(const struct vfs_config *cfg, struct vfs **out);
/* Unmounts everything and frees the vfs. -VK_EBUSY (and nothing freed) while files are open
 * or vnode references other than the mounts' own are outstanding. */
int vfs_destroy(struct vfs *vfs);
void vfs_get_stats(const struct vfs *vfs, struct vfs_stats *out);
int64_t vfs_now(struct vfs *vfs);

/* The namespace root (a new reference), or NULL before vfs_mount_root. */
struct vfs_vnode *vfs_root(struct vfs *vfs);
void vfs_vnode_ref(struct vfs_vnode *vn);
void vfs_vnode_put(struct vfs_vnode *vn);

/* ================= mounts ================= */

/* Makes fs the namespace root; the vfs owns fs from then on. -VK_EBUSY if there is one. */
int vfs_mount_root(struct vfs *vfs, struct vfs_fs *fs, uint32_t mnt_flags);
/* Mounts fs on the directory `path` names (after following symlinks and mounts, so a second
 * mount on the same path stacks on top of the first and hides it). uid 0 only (-VK_EPERM);
 * -VK_ENOTDIR if the target is not a directory, -VK_ENOENT if it was removed, -VK_EBUSY if
 * fs is already mounted or the target is the namespace root (a mount there would be
 * invisible, as on Linux). On
 * success the vfs owns fs (umount destroys it); on failure the caller still does. */
int vfs_mount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_fs *fs,
              uint32_t mnt_flags);
/* Changes the flags (VFS_MNT_RDONLY) of the mount whose root `path` names. uid 0 only.
 * Going read-only while a regular file of it is open for writing is -VK_EBUSY (Linux). */
int vfs_remount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mnt_flags);
/* Unmounts the filesystem whose root `path` names (the topmost on a stack) and destroys it.
 * -VK_EINVAL if path is not a mount root, -VK_EBUSY for the namespace root or while any
 * vnode of it is referenced (open files, a cwd, a mount on one of its directories). */
int vfs_umount(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path);

struct vfs_mount_info {
    struct vfs_fs *fs;
    struct vfs_vnode *root;    /* not a new reference */
    struct vfs_vnode *covered; /* not a new reference; NULL for the namespace root */
    uint32_t flags;
    uint64_t id; /* sequential */
};
/* Mounts in mount order: pass NULL for the first; returns NULL after the last. */
struct vfs_mount *vfs_mount_next(struct vfs *vfs, struct vfs_mount *prev);
void vfs_mount_get_info(const struct vfs_mount *m, struct vfs_mount_info *out);

/* ================= tmpfs ================= */

struct tmpfs_config {
    uint64_t max_bytes;  /* data pages (in bytes, rounded down to pages); 0: unlimited */
    uint64_t max_inodes; /* vnodes, the root included; 0: unlimited */
    uint32_t root_mode;  /* permission bits of the root directory (e.g. 01777) */
    uint32_t root_uid;
    uint32_t root_gid;
};
/* A new, unmounted tmpfs. Mount it with vfs_mount/vfs_mount_root, or free it with
 * vfs_fs_destroy. Out of space: a write stores what fits page by page and returns the
 * partial count, or -VK_ENOSPC when nothing fits (Linux tmpfs); existing data is kept. */
int tmpfs_create(struct vfs *vfs, const struct tmpfs_config *cfg, struct vfs_fs **out);
/* Frees an unmounted filesystem (with no references on its vnodes). */
void vfs_fs_destroy(struct vfs_fs *fs);

/* ================= path-based operations ================= */
/*
 * `dir` is the directory relative paths start from (the *at() dirfd); NULL means ctx->cwd.
 * Absolute paths ignore it. Paths are NUL-terminated; "" is -VK_ENOENT (except with
 * VFS_AT_EMPTY_PATH where allowed), 4096 bytes or more -VK_ENAMETOOLONG.
 */

/* Resolves path to a vnode (a new reference). flags: VFS_AT_SYMLINK_NOFOLLOW, EMPTY_PATH. */
int vfs_lookup(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int flags,
               struct vfs_vnode **out);
/* chdir: like vfs_lookup following symlinks, then -VK_ENOTDIR unless a directory and
 * -VK_EACCES without search permission. The caller swaps it into ctx->cwd. */
int vfs_chdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_vnode **out);
/* getcwd: the path of directory vn as seen from ctx->root (a directory outside it is shown
 * from the namespace root); -VK_ENOENT if vn was removed, -VK_ENAMETOOLONG beyond
 * VFS_PATH_MAX, -VK_ERANGE if it does not fit in size bytes (with the NUL). Returns the
 * length + 1, like the Linux system call. */
int64_t vfs_getcwd(struct vfs_ctx *ctx, struct vfs_vnode *vn, char *buf, size_t size);

/* open/openat. mode (with VFS_O_CREAT) is masked with 07777 and ctx->umask. Opening a FIFO
 * attaches to its pipe at once (O_WRONLY|O_NONBLOCK without a reader: -VK_ENXIO); a blocking
 * open of a FIFO should be held back by the shell until vfs_file_poll shows a peer
 * (VFS_POLLHUP/VFS_POLLERR clear). Opening a socket node gives -VK_ENXIO. */
int vfs_open(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t flags,
             uint32_t mode, struct vfs_file **out);
/* Opens an already resolved vnode (permission checks as open; no O_CREAT). */
int vfs_open_vnode(struct vfs_ctx *ctx, struct vfs_vnode *vn, uint32_t flags,
                   struct vfs_file **out);

int vfs_stat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st);
int vfs_lstat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st);
/* flags: VFS_AT_SYMLINK_NOFOLLOW, VFS_AT_EMPTY_PATH (stat dir itself when path is ""). */
int vfs_fstatat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, struct vfs_stat *st,
                int flags);
/* amode: VFS_F_OK or an OR of R/W/X_OK; flags: VFS_AT_SYMLINK_NOFOLLOW, VFS_AT_EACCESS. */
int vfs_access(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int amode, int flags);
int vfs_mkdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode);
/* mode's type: VFS_S_IFREG (or 0), IFIFO, IFSOCK, or IFCHR/IFBLK (uid 0 only). */
int vfs_mknod(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode,
              uint64_t rdev);
int vfs_rmdir(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path);
int vfs_unlink(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path);
/* flags: 0 (unlink) or VFS_AT_REMOVEDIR (rmdir). */
int vfs_unlinkat(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int flags);
int vfs_rename(struct vfs_ctx *ctx, struct vfs_vnode *olddir, const char *oldpath,
               struct vfs_vnode *newdir, const char *newpath);
/* link/linkat: does not follow a final symlink in oldpath unless VFS_AT_SYMLINK_FOLLOW (as
 * Linux link(2)). Linux's fs.protected_hardlinks=1 rule applies to non-root callers. */
int vfs_link(struct vfs_ctx *ctx, struct vfs_vnode *olddir, const char *oldpath,
             struct vfs_vnode *newdir, const char *newpath, int flags);
int vfs_symlink(struct vfs_ctx *ctx, const char *target, struct vfs_vnode *dir, const char *path);
/* Copies at most size bytes of the target (no NUL) and returns how many. size 0 or above
 * INT32_MAX: -VK_EINVAL; not a symlink: -VK_EINVAL; path "" reads dir itself when it is a
 * symlink (readlinkat(fd, "")), else -VK_ENOENT. */
int64_t vfs_readlink(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, char *buf,
                     size_t size);
/* fchmodat: flags VFS_AT_SYMLINK_NOFOLLOW gives -VK_ENOTSUP on a symlink (Linux fchmodat2). */
int vfs_chmod(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, uint32_t mode,
              int flags);
int vfs_truncate(struct vfs_ctx *ctx, struct vfs_vnode *dir, const char *path, int64_t length);

/* ================= open files ================= */

int vfs_close(struct vfs_file *f);
/* Another reference to the same open file description (dup: shared offset and flags). */
struct vfs_file *vfs_file_dup(struct vfs_file *f);
struct vfs_vnode *vfs_file_vnode(const struct vfs_file *f); /* NULL for an anonymous pipe */
struct vfs_pipe *vfs_file_pipe(const struct vfs_file *f);   /* NULL unless a pipe or FIFO */
uint32_t vfs_file_flags(const struct vfs_file *f);
/* fcntl(F_SETFL): only VFS_O_APPEND and VFS_O_NONBLOCK change. */
void vfs_file_set_flags(struct vfs_file *f, uint32_t flags);
/* Readiness: regular files and directories are always VFS_POLLIN|VFS_POLLOUT (as far as the
 * access mode allows); pipes report as vfs_pipe_poll for their end. */
uint32_t vfs_file_poll(const struct vfs_file *f);

/* read/write move at most VFS_MAX_RW bytes. On a pipe: -VK_EAGAIN when it would block. */
int64_t vfs_read(struct vfs_file *f, void *buf, size_t len);
int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len);
int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, int64_t off);
/* pwrite on an O_APPEND file appends, as on Linux. */
int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, int64_t off);
/* SEEK_DATA/SEEK_HOLE work on regular files (pages with data vs holes). On a directory the
 * offset is the readdir cookie (SEEK_SET/SEEK_CUR only). Pipes: -VK_ESPIPE. */
int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence);
int vfs_ftruncate(struct vfs_file *f, int64_t length);
int vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
int vfs_fchmod(struct vfs_ctx *ctx, struct vfs_file *f, uint32_t mode);
int vfs_fsync(struct vfs_file *f); /* 0 (tmpfs keeps nothing to flush); pipes: -VK_EINVAL */
/* Next entry of a directory opened with vfs_open: 1 with *out filled, 0 at the end. Lists
 * "." and ".." first; the file offset is the cookie (vfs_lseek can rewind it). */
int vfs_readdir(struct vfs_file *f, struct vfs_dirent *out);
/* The same without an open file: *cookie starts at 0 and is advanced. */
int vfs_readdir_vnode(struct vfs_vnode *dir, uint64_t *cookie, struct vfs_dirent *out);

/* ================= pipes ================= */

/* pipe2(): a new pipe and its two ends; flags: VFS_O_NONBLOCK, VFS_O_CLOEXEC (kept), others
 * -VK_EINVAL. fstat shows a FIFO of mode 0600 owned by ctx's uid/gid (vfs_fchmod changes it). */
int vfs_pipe_open(struct vfs_ctx *ctx, uint32_t flags, struct vfs_file **rd, struct vfs_file **wr);

/* The buffer itself, for shells that manage ends without files. A pipe starts with no
 * readers or writers; the ends are counted with vfs_pipe_attach/detach. */
int vfs_pipe_create(struct vfs *vfs, struct vfs_pipe **out);
void vfs_pipe_destroy(struct vfs_pipe *p);
void vfs_pipe_attach(struct vfs_pipe *p, bool reader, bool writer);
void vfs_pipe_detach(struct vfs_pipe *p, bool reader, bool writer);
/* Bytes copied; 0 at EOF (empty and no writer left) or for len 0; -VK_EAGAIN when empty. */
int64_t vfs_pipe_read(struct vfs_pipe *p, void *buf, size_t len);
/* -VK_EPIPE without readers (the shell raises SIGPIPE). len <= VFS_PIPE_BUF: all or
 * -VK_EAGAIN. Larger: as much as fits (partial), -VK_EAGAIN when full. */
int64_t vfs_pipe_write(struct vfs_pipe *p, const void *buf, size_t len);
/* For the reading end: VFS_POLLIN when data is buffered, VFS_POLLHUP when no writer is left.
 * For the writing end: VFS_POLLOUT when VFS_PIPE_BUF bytes fit, VFS_POLLERR when no reader. */
uint32_t vfs_pipe_poll(const struct vfs_pipe *p, bool reader_end);
size_t vfs_pipe_bytes(const struct vfs_pipe *p); /* buffered */
size_t vfs_pipe_space(const struct vfs_pipe *p); /* free */
uint32_t vfs_pipe_readers(const struct vfs_pipe *p);
uint32_t vfs_pipe_writers(const struct vfs_pipe *p);
uint64_t vfs_pipe_id(const struct vfs_pipe *p); /* unique per vfs, never reused (st_ino) */

/* ================= the filesystem interface ================= */
/*
 * What devfs/procfs implement. The generic layer does every permission, type, name-length
 * and mount check and reports errors in Linux's order; the ops only act. `name` is never
 * NUL-terminated, 1..VFS_NAME_MAX bytes and never "." or ".." (except lookup's "..").
 * Results are 0 or a negative VK_E*; vnodes returned through `out` carry a reference.
 */
struct vfs_attr {
    uint32_t mode; /* type | permission bits, final (umask and setgid rules applied) */
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;
};

struct vfs_fs_ops {
    /* name in dir, or ".." (the parent; a filesystem root returns itself). -VK_ENOENT. */
    int (*lookup)(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode **out);
    /* A new entry for any type but symlinks (directories included). The name is absent. */
    int (*create)(struct vfs_vnode *dir, const char *name, size_t len, const struct vfs_attr *attr,
                  struct vfs_vnode **out);
    int (*symlink)(struct vfs_vnode *dir, const char *name, size_t len, const char *target,
                   size_t target_len, const struct vfs_attr *attr, struct vfs_vnode **out);
    /* New name for vn (not a directory) in dir; the name is absent. */
    int (*link)(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn);
    /* Removes the entry name (naming vn, not a directory). */
    int (*unlink)(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn);
    /* Removes the directory entry name (naming vn); -VK_ENOTEMPTY unless vn is empty. */
    int (*rmdir)(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn);
    /* Moves oname to nname, atomically replacing what nname names (an empty directory when
     * the source is one: -VK_ENOTEMPTY otherwise). Types and loops are already checked. */
    int (*rename)(struct vfs_vnode *odir, const char *oname, size_t olen, struct vfs_vnode *ndir,
                  const char *nname, size_t nlen);
    /* Regular files: bytes read (0 at or past EOF). */
    int64_t (*read)(struct vfs_vnode *vn, void *buf, size_t len, int64_t off);
    /* Regular files: bytes written (partial when out of space), -VK_ENOSPC if none fit. */
    int64_t (*write)(struct vfs_vnode *vn, const void *buf, size_t len, int64_t off);
    int (*truncate)(struct vfs_vnode *vn, int64_t size);
    /* The entry at or after *cookie (cookies >= 2; 0 and 1 are "." and ".." from the generic
     * layer): 1 and *cookie advanced past it, or 0 at the end. */
    int (*readdir)(struct vfs_vnode *dir, uint64_t *cookie, struct vfs_dirent *out);
    /* The target of a symlink, NUL-terminated (the walker reads it as a C string); stays
     * valid while a reference on vn is held. */
    int (*readlink)(struct vfs_vnode *vn, const char **target, size_t *len);
    /* SEEK_DATA/SEEK_HOLE for regular files (optional: NULL treats the file as all data). */
    int64_t (*seek_data)(struct vfs_vnode *vn, int64_t off, bool hole);
    /* Optional hooks around open files (NULL: nothing to do). */
    int (*open)(struct vfs_vnode *vn, uint32_t flags);
    void (*close)(struct vfs_vnode *vn, uint32_t flags);
    /* The last in-memory reference went away (vn->refs is 0). */
    void (*inactive)(struct vfs_vnode *vn);
    /* Frees the filesystem: unmounted and no vnode referenced. */
    void (*destroy)(struct vfs_fs *fs);
};

/* The generic part of a filesystem instance, embedded in the implementation's struct. */
struct vfs_fs {
    const struct vfs_fs_ops *ops;
    struct vfs *vfs;
    struct vfs_vnode *root;  /* set by the filesystem when it is created */
    struct vfs_mount *mount; /* NULL while not mounted */
    uint64_t dev;
    uint64_t next_ino;
    uint64_t refs;    /* references held on this filesystem's vnodes */
    uint64_t writers; /* open files that may write to its regular files */
    uint32_t flags;   /* VFS_MNT_* while mounted */
};

/* The generic part of a vnode, embedded in the filesystem's node. The filesystem maintains
 * the attributes; the generic layer reads them and changes mode/ctime (chmod). */
struct vfs_vnode {
    struct vfs_fs *fs;
    uint64_t ino;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint64_t rdev;
    int64_t size;
    int64_t blocks; /* 512-byte units */
    int64_t atime;
    int64_t mtime;
    int64_t ctime;
    uint32_t refs;
    struct vfs_mount *mounted; /* the mount whose root covers this directory */
    struct vfs_pipe *pipe;     /* FIFO: its buffer while either end is open */
};

/* For filesystem implementations. */
void vfs_fs_init(struct vfs *vfs, struct vfs_fs *fs, const struct vfs_fs_ops *ops);
/* Sets fs, a sequential ino, mode, uid/gid/rdev from attr and all times to now; refs and
 * nlink start at 0. Counted in vfs_stats.vnodes until vfs_vnode_fini. */
void vfs_vnode_init(struct vfs_fs *fs, struct vfs_vnode *vn, const struct vfs_attr *attr);
void vfs_vnode_fini(struct vfs_vnode *vn);
void vfs_account_pages(struct vfs *vfs, int64_t delta);
uint8_t vfs_mode_to_dt(uint32_t mode);

#endif
