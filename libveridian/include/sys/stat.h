/*
 * POSIX <sys/stat.h>: file status and modes. struct stat has Linux x86_64's layout and the
 * S_* values are Linux's, so results compare directly with the host's. Status comes from
 * vfs (src/file.c); the console reports itself as a character device.
 */
#ifndef _SYS_STAT_H
#define _SYS_STAT_H

#include <bits/timespec.h>
#include <bits/types.h>

struct stat {
    dev_t st_dev;
    ino_t st_ino;
    nlink_t st_nlink;
    mode_t st_mode;
    uid_t st_uid;
    gid_t st_gid;
    int __pad0;
    dev_t st_rdev;
    off_t st_size;
    blksize_t st_blksize;
    blkcnt_t st_blocks;
    struct timespec st_atim;
    struct timespec st_mtim;
    struct timespec st_ctim;
    long __reserved[3];
};

#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#define S_ISSOCK(m) ((S_IFMT & (m)) == S_IFSOCK)
#define S_ISLNK(m) ((S_IFMT & (m)) == S_IFLNK)
#define S_ISREG(m) ((S_IFMT & (m)) == S_IFREG)
#define S_ISBLK(m) ((S_IFMT & (m)) == S_IFBLK)
#define S_ISDIR(m) ((S_IFMT & (m)) == S_IFDIR)
#define S_ISCHR(m) ((S_IFMT & (m)) == S_IFCHR)
#define S_ISFIFO(m) ((S_IFMT & (m)) == S_IFIFO)

#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IRWXU 0700
#define S_IRUSR 0400
#define S_IWUSR 0200
#define S_IXUSR 0100
#define S_IRWXG 0070
#define S_IRGRP 0040
#define S_IWGRP 0020
#define S_IXGRP 0010
#define S_IRWXO 0007
#define S_IROTH 0004
#define S_IWOTH 0002
#define S_IXOTH 0001

/* utimensat's special nanosecond values (Linux's) */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

int stat(const char *restrict path, struct stat *restrict st);
int lstat(const char *restrict path, struct stat *restrict st);
int fstat(int fd, struct stat *st);
int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags);
int mkdir(const char *path, mode_t mode);
int mkdirat(int dirfd, const char *path, mode_t mode);
int mknod(const char *path, mode_t mode, dev_t dev);
int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev);
int mkfifo(const char *path, mode_t mode);
int mkfifoat(int dirfd, const char *path, mode_t mode);
int chmod(const char *path, mode_t mode);
int fchmod(int fd, mode_t mode);
int fchmodat(int dirfd, const char *path, mode_t mode, int flags);
mode_t umask(mode_t mask);

#endif
