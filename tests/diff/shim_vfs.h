/*
 * shim_vfs.h: force-included (-include) into fsops.c for the fsops_lib build. It first pulls
 * in every system header fsops.c uses, so their declarations keep the real names, then
 * redirects each POSIX file call fsops.c makes to a shim_* function in shim_vfs.c, which
 * runs it against vfs_core (a tmpfs root, the caller nobody:nogroup, errno set from the
 * negative VK_E* result). Function-like macros, so `struct stat` is left alone.
 * shim_vfs.c itself is compiled with SHIM_VFS_IMPL, which skips the redirections.
 */
#ifndef SHIM_VFS_H
#define SHIM_VFS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int shim_open(const char *path, int flags, ...);
int shim_close(int fd);
ssize_t shim_read(int fd, void *buf, size_t n);
ssize_t shim_write(int fd, const void *buf, size_t n);
ssize_t shim_pread(int fd, void *buf, size_t n, off_t off);
ssize_t shim_pwrite(int fd, const void *buf, size_t n, off_t off);
off_t shim_lseek(int fd, off_t off, int whence);
int shim_ftruncate(int fd, off_t len);
int shim_truncate(const char *path, off_t len);
int shim_fstat(int fd, struct stat *st);
int shim_stat(const char *path, struct stat *st);
int shim_lstat(const char *path, struct stat *st);
int shim_fsync(int fd);
int shim_fchmod(int fd, mode_t mode);
int shim_fcntl(int fd, int cmd, ...);
int shim_pipe(int fds[2]);
int shim_mkdir(const char *path, mode_t mode);
int shim_mkfifo(const char *path, mode_t mode);
int shim_rmdir(const char *path);
int shim_unlink(const char *path);
int shim_rename(const char *oldpath, const char *newpath);
int shim_link(const char *oldpath, const char *newpath);
int shim_symlink(const char *target, const char *path);
ssize_t shim_readlink(const char *path, char *buf, size_t size);
int shim_chmod(const char *path, mode_t mode);
int shim_access(const char *path, int amode);
mode_t shim_umask(mode_t mask);
DIR *shim_opendir(const char *path);
struct dirent *shim_readdir(DIR *d);
int shim_closedir(DIR *d);

#ifndef SHIM_VFS_IMPL
#define open(...) shim_open(__VA_ARGS__)
#define close(...) shim_close(__VA_ARGS__)
#define read(...) shim_read(__VA_ARGS__)
#define write(...) shim_write(__VA_ARGS__)
#define pread(...) shim_pread(__VA_ARGS__)
#define pwrite(...) shim_pwrite(__VA_ARGS__)
#define lseek(...) shim_lseek(__VA_ARGS__)
#define ftruncate(...) shim_ftruncate(__VA_ARGS__)
#define truncate(...) shim_truncate(__VA_ARGS__)
#define fstat(...) shim_fstat(__VA_ARGS__)
#define stat(...) shim_stat(__VA_ARGS__)
#define lstat(...) shim_lstat(__VA_ARGS__)
#define fsync(...) shim_fsync(__VA_ARGS__)
#define fchmod(...) shim_fchmod(__VA_ARGS__)
#define fcntl(...) shim_fcntl(__VA_ARGS__)
#define pipe(...) shim_pipe(__VA_ARGS__)
#define mkdir(...) shim_mkdir(__VA_ARGS__)
#define mkfifo(...) shim_mkfifo(__VA_ARGS__)
#define rmdir(...) shim_rmdir(__VA_ARGS__)
#define unlink(...) shim_unlink(__VA_ARGS__)
#define rename(...) shim_rename(__VA_ARGS__)
#define link(...) shim_link(__VA_ARGS__)
#define symlink(...) shim_symlink(__VA_ARGS__)
#define readlink(...) shim_readlink(__VA_ARGS__)
#define chmod(...) shim_chmod(__VA_ARGS__)
#define access(...) shim_access(__VA_ARGS__)
#define umask(...) shim_umask(__VA_ARGS__)
#define opendir(...) shim_opendir(__VA_ARGS__)
#define readdir(...) shim_readdir(__VA_ARGS__)
#define closedir(...) shim_closedir(__VA_ARGS__)
#endif

#endif
