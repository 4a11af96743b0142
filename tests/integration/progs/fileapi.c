/*
 * fileapi: libveridian's POSIX file API against the real vfs server: open and its flags,
 * read/write/pread/pwrite/readv/writev/lseek, dup/dup2/fcntl, the stat family, directories
 * and *at() calls, links, permissions and umask, the working directory, readdir, pipes
 * (EOF, EPIPE, O_NONBLOCK, poll, a writer thread waking a reader), stdio streams, and a
 * child started with a pipe as its stdout and a session of its own. Bad input too: bad fds,
 * flags, types, names and paths. Prints one line per check ("ok   what" or
 * "FAIL what: got X, want Y") and exits with the number of failures.
 *
 * Usage: fileapi [BASE]   works in BASE/fileapi (BASE defaults to /tmp) and removes it after.
 *        fileapi child    the child half of the spawn check (started by the parent).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "veridian/vk.h"
#include "expect.h"

static char top[256]; /* BASE/fileapi, our working directory */

/* A call that must fail with errno want (its result is -1). */
static void expect_err(const char *what, long rc, int want)
{
    int e = errno;

    if (rc == -1 && e == want) {
        printf("ok   %s\n", what);
    } else {
        printf("FAIL %s: got %ld (errno %d), want -1 (errno %d)\n", what, rc, rc == -1 ? e : 0,
               want);
        failures++;
    }
}

static void expect_str(const char *what, const char *got, const char *want)
{
    if (got && !strcmp(got, want)) {
        printf("ok   %s\n", what);
    } else {
        printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got ? got : "(null)", want);
        failures++;
    }
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

static long put_file(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    long n = write(fd, text, strlen(text));
    close(fd);
    return n;
}

/* ---- files ---- */

static void test_files(void)
{
    char buf[64];
    struct stat st;

    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    expect("open O_CREAT gives a new fd", fd >= 3, 1);
    expect("write", write(fd, "hello world\n", 12), 12);
    expect("fstat", fstat(fd, &st), 0);
    expect("fstat: regular file", S_ISREG(st.st_mode), 1);
    expect("fstat: size", (long)st.st_size, 12);
    expect("fstat: mode after umask 022", (long)(st.st_mode & 07777), 0644);
    expect("fstat: one link", (long)st.st_nlink, 1);
    expect("fstat: blksize", st.st_blksize > 0, 1);
    expect("read on O_WRONLY", read(fd, buf, 1) == -1 && errno == EBADF, 1);
    expect("close", close(fd), 0);
    expect_err("close twice", close(fd), EBADF);

    fd = open("a.txt", O_RDONLY);
    expect("open O_RDONLY", fd >= 0, 1);
    memset(buf, 0, sizeof buf);
    expect("read 5", read(fd, buf, 5), 5);
    expect_str("read data", buf, "hello");
    expect("lseek SEEK_CUR", lseek(fd, 0, SEEK_CUR), 5);
    memset(buf, 0, sizeof buf);
    expect("pread at 6", pread(fd, buf, 5, 6), 5);
    expect_str("pread data", buf, "world");
    expect("pread leaves the offset", lseek(fd, 0, SEEK_CUR), 5);
    expect("lseek SEEK_END", lseek(fd, 0, SEEK_END), 12);
    expect("read at EOF", read(fd, buf, sizeof buf), 0);
    expect("lseek SEEK_SET", lseek(fd, 3, SEEK_SET), 3);
    expect_err("lseek before 0", lseek(fd, -10, SEEK_SET), EINVAL);
    expect_err("lseek with a bad whence", lseek(fd, 0, 42), EINVAL);
    expect_err("write on O_RDONLY", write(fd, "x", 1), EBADF);
    expect_err("pread at a negative offset", pread(fd, buf, 1, -1), EINVAL);
    close(fd);

    expect_err("O_EXCL on an existing file", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644),
               EEXIST);
    expect_err("open a missing file", open("missing", O_RDONLY), ENOENT);
    expect_err("open with an empty path", open("", O_RDONLY), ENOENT);
    expect_err("open with a NULL path", open(NULL, O_RDONLY), EFAULT);

    fd = open("a.txt", O_WRONLY | O_APPEND);
    expect("O_APPEND: write goes to the end", write(fd, "more\n", 5), 5);
    expect("O_APPEND: size", file_size("a.txt"), 17);
    close(fd);
    fd = open("a.txt", O_RDWR | O_TRUNC);
    expect("O_TRUNC empties", file_size("a.txt"), 0);

    expect("pwrite past the end", pwrite(fd, "XY", 2, 100), 2);
    expect("size after pwrite", file_size("a.txt"), 102);
    memset(buf, 7, sizeof buf);
    expect("pread in the hole", pread(fd, buf, 4, 50), 4);
    expect("the hole reads zeros", buf[0] == 0 && buf[3] == 0, 1);
    expect("ftruncate", ftruncate(fd, 10), 0);
    expect("size after ftruncate", file_size("a.txt"), 10);
    expect("truncate by path", truncate("a.txt", 3), 0);
    expect("size after truncate", file_size("a.txt"), 3);
    expect_err("truncate to a negative length", truncate("a.txt", -1), EINVAL);
    expect("fsync", fsync(fd), 0);

    /* vectored I/O */
    expect("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    expect("writev", writev(fd, wv, 3), 5);
    char r1[2], r2[10];
    struct iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    lseek(fd, 0, SEEK_SET);
    expect("readv", readv(fd, rv, 2), 5);
    expect("readv scatters", !memcmp(r1, "ab", 2) && !memcmp(r2, "cde", 3), 1);
    expect_err("readv with a negative count", readv(fd, rv, -1), EINVAL);
    expect_err("writev with 1025 elements", writev(fd, wv, 1025), EINVAL);
    expect_err("writev on a bad fd", writev(99, wv, 1), EBADF);

    /* dup and friends share the description */
    int fd2 = dup(fd);
    expect("dup", fd2 > fd, 1);
    lseek(fd, 1, SEEK_SET);
    expect("dup shares the offset", lseek(fd2, 0, SEEK_CUR), 1);
    expect("close the original", close(fd), 0);
    expect("the duplicate still reads", pread(fd2, buf, 2, 0), 2);
    expect("dup2 onto itself", dup2(fd2, fd2), fd2);
    expect("dup2 onto 50", dup2(fd2, 50), 50);
    expect("dup2 onto an open fd", dup2(fd2, 50), 50);
    expect("dup2 clears FD_CLOEXEC", fcntl(50, F_GETFD), 0);
    expect_err("dup2 from a bad fd", dup2(77, 51), EBADF);
    expect_err("dup2 onto an fd beyond the table", dup2(fd2, 100000), EBADF);
    expect_err("dup3 onto itself", dup3(fd2, fd2, 0), EINVAL);
    expect_err("dup3 with bad flags", dup3(fd2, 52, 1), EINVAL);
    expect("dup3 O_CLOEXEC", dup3(fd2, 52, O_CLOEXEC), 52);
    expect("dup3 sets FD_CLOEXEC", fcntl(52, F_GETFD), FD_CLOEXEC);
    expect("F_DUPFD from 20", fcntl(fd2, F_DUPFD, 20), 20);
    expect("F_DUPFD_CLOEXEC", fcntl(fd2, F_DUPFD_CLOEXEC, 20), 21);
    expect("F_GETFD after F_DUPFD_CLOEXEC", fcntl(21, F_GETFD), FD_CLOEXEC);
    expect("F_SETFD 0", fcntl(21, F_SETFD, 0), 0);
    expect("F_GETFD after F_SETFD", fcntl(21, F_GETFD), 0);
    expect_err("F_DUPFD with a negative minimum", fcntl(fd2, F_DUPFD, -1), EINVAL);
    expect_err("F_DUPFD beyond the table", fcntl(fd2, F_DUPFD, 100000), EINVAL);
    int fl = fcntl(fd2, F_GETFL);
    expect("F_GETFL access mode", fl & O_ACCMODE, O_RDWR);
    expect("F_SETFL O_APPEND", fcntl(fd2, F_SETFL, fl | O_APPEND), 0);
    expect("F_GETFL shows O_APPEND", (fcntl(50, F_GETFL) & O_APPEND) != 0, 1);
    expect_err("fcntl with an unknown command", fcntl(fd2, 9999), EINVAL);
    expect_err("fcntl on a bad fd", fcntl(123, F_GETFD), EBADF);
    close(20);
    close(21);
    close(50);
    close(52);
    close(fd2);

    fd = open("a.txt", O_RDONLY | O_CLOEXEC);
    expect("O_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
    expect("F_GETFL hides O_CLOEXEC", fcntl(fd, F_GETFL) & O_CLOEXEC, 0);
    close(fd);

    /* bad descriptors */
    expect_err("read on fd -1", read(-1, buf, 1), EBADF);
    expect_err("write on fd 200", write(200, buf, 1), EBADF);
    expect_err("lseek on a closed fd", lseek(77, 0, SEEK_SET), EBADF);
    expect_err("fstat on a closed fd", fstat(99, &st), EBADF);
    expect_err("close of fd -5", close(-5), EBADF);
    expect_err("dup of a closed fd", dup(123), EBADF);
    expect_err("ftruncate on a closed fd", ftruncate(88, 0), EBADF);
    expect_err("fsync on fd 4000", fsync(4000), EBADF);
}

/* ---- directories and names ---- */

static void test_dirs(void)
{
    char buf[64], name[300];
    struct stat st;

    expect("mkdir", mkdir("d", 0755), 0);
    expect_err("mkdir twice", mkdir("d", 0755), EEXIST);
    expect("stat a directory", stat("d", &st) == 0 && S_ISDIR(st.st_mode), 1);
    int dfd = open("d", O_RDONLY);
    expect("open a directory", dfd >= 0, 1);
    expect_err("read a directory", read(dfd, buf, sizeof buf), EISDIR);
    close(dfd);
    expect_err("open a directory for writing", open("d", O_WRONLY), EISDIR);
    expect_err("O_DIRECTORY on a file", open("a.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
    expect_err("a path through a file", open("a.txt/x", O_RDONLY), ENOTDIR);
    expect_err("mkdir through a file", mkdir("a.txt/sub", 0755), ENOTDIR);
    expect_err("rmdir of a file", rmdir("a.txt"), ENOTDIR);
    expect_err("unlink of a directory", unlink("d"), EISDIR);
    expect_err("stat of a missing file", stat("nope", &st), ENOENT);
    expect_err("stat through a missing directory", stat("nope/x", &st), ENOENT);
    expect("put d/f", put_file("d/f", "x"), 1);
    expect_err("rmdir of a non-empty directory", rmdir("d"), ENOTEMPTY);
    expect_err("rmdir of .", rmdir("d/."), EINVAL);

    memset(name, 'n', 256);
    name[256] = 0;
    expect_err("a 256-byte name", open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    name[255] = 0;
    expect("a 255-byte name", put_file(name, "y"), 1);
    expect("unlink the 255-byte name", unlink(name), 0);
    char *longpath = malloc(5000);
    memset(longpath, 'a', 4999);
    longpath[4999] = 0;
    for (int i = 100; i < 4999; i += 100)
        longpath[i] = '/';
    expect_err("a 4999-byte path", stat(longpath, &st), ENAMETOOLONG);
    expect_err("truncate: a negative length before the path", truncate(longpath, -1), EINVAL);
    longpath[4096] = 0;
    expect_err("a 4096-byte path", stat(longpath, &st), ENAMETOOLONG);
    longpath[4095] = 0;
    expect_err("a 4095-byte path reaches vfs", stat(longpath, &st), ENOENT);
    free(longpath);

    /* mkfifo / mknod */
    expect("mkfifo", mkfifo("fifo", 0644), 0);
    expect("lstat a fifo", lstat("fifo", &st) == 0 && S_ISFIFO(st.st_mode), 1);
    expect("unlink the fifo", unlink("fifo"), 0);
    expect("remove a file", remove("d/f"), 0);
    expect("remove a directory", remove("d"), 0);
    expect_err("remove a missing name", remove("d"), ENOENT);
}

/* ---- *at() calls with real directory fds ---- */

static void test_at(void)
{
    char buf[64], abs[300];
    struct stat st;

    expect("mkdir at/", mkdir("at", 0755), 0);
    int dfd = open("at", O_RDONLY | O_DIRECTORY);
    expect("open at/ O_DIRECTORY", dfd >= 0, 1);
    int fd = openat(dfd, "in.txt", O_CREAT | O_WRONLY, 0600);
    expect("openat relative to a directory fd", fd >= 0, 1);
    write(fd, "abc", 3);
    close(fd);
    expect("fstatat", fstatat(dfd, "in.txt", &st, 0) == 0 && st.st_size == 3, 1);
    expect("the file is where the fd said", file_size("at/in.txt"), 3);
    expect("fstatat AT_EMPTY_PATH on the fd", fstatat(dfd, "", &st, AT_EMPTY_PATH), 0);
    expect("... is the directory", S_ISDIR(st.st_mode), 1);
    expect_err("fstatat with bad flags", fstatat(dfd, "in.txt", &st, 0x4), EINVAL);
    expect("faccessat", faccessat(dfd, "in.txt", R_OK | W_OK, 0), 0);
    expect_err("faccessat with a bad mode", faccessat(dfd, "in.txt", 8, 0), EINVAL);
    expect("mkdirat", mkdirat(dfd, "sub", 0700), 0);
    expect("stat the new directory", stat("at/sub", &st) == 0 && S_ISDIR(st.st_mode), 1);
    expect("renameat: first path relative to the fd", renameat(dfd, "in.txt", AT_FDCWD, "moved"),
           0);
    expect("moved to the cwd", file_size("moved"), 3);
    expect("renameat: second path relative to the fd", renameat(AT_FDCWD, "moved", dfd, "back"), 0);
    expect("back in at/", file_size("at/back"), 3);
    expect("linkat between two fds", linkat(dfd, "back", dfd, "hard", 0), 0);
    expect("both names count", stat("at/hard", &st) == 0 ? (long)st.st_nlink : -1, 2);
    expect_err("linkat with bad flags", linkat(dfd, "back", dfd, "h2", 0x1), EINVAL);
    expect("symlinkat", symlinkat("back", dfd, "sym"), 0);
    memset(buf, 0, sizeof buf);
    expect("readlinkat", readlinkat(dfd, "sym", buf, sizeof buf), 4);
    expect_str("readlinkat target", buf, "back");
    expect("fstatat AT_SYMLINK_NOFOLLOW",
           fstatat(dfd, "sym", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), 1);
    expect("fstatat follows", fstatat(dfd, "sym", &st, 0) == 0 && S_ISREG(st.st_mode), 1);
    expect("fchmodat", fchmodat(dfd, "back", 0640, 0), 0);
    expect("mode after fchmodat", stat("at/back", &st) == 0 ? (long)(st.st_mode & 07777) : -1,
           0640);
    expect("mknodat a fifo", mknodat(dfd, "p", S_IFIFO | 0600, 0), 0);
    expect("unlinkat a file", unlinkat(dfd, "p", 0), 0);
    expect("unlinkat AT_REMOVEDIR", unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
    expect_err("unlinkat with bad flags", unlinkat(dfd, "hard", 0x1), EINVAL);
    expect_err("unlinkat AT_REMOVEDIR on a file", unlinkat(dfd, "hard", AT_REMOVEDIR), ENOTDIR);

    /* absolute paths ignore the directory, even a bad one */
    snprintf(abs, sizeof abs, "%s/at/back", top);
    fd = openat(999, abs, O_RDONLY);
    expect("openat: absolute path with a bad dirfd", fd >= 0, 1);
    close(fd);
    expect_err("openat: relative path with a bad dirfd", openat(999, "back", O_RDONLY), EBADF);
    fd = open("at/back", O_RDONLY);
    expect_err("openat relative to a file", openat(fd, "x", O_RDONLY), ENOTDIR);
    expect_err("mkdirat relative to a file", mkdirat(fd, "x", 0755), ENOTDIR);
    close(fd);
    expect("fchdir", fchdir(dfd), 0);
    expect("relative paths start there now", file_size("back"), 3);
    expect("chdir ..", chdir(".."), 0);
    fd = open("a.txt", O_RDONLY);
    expect_err("fchdir to a file", fchdir(fd), ENOTDIR);
    close(fd);
    expect_err("fchdir to a bad fd", fchdir(444), EBADF);
    close(dfd);
}

/* ---- links, symlinks, permissions, umask ---- */

static void test_links(void)
{
    char buf[64];
    struct stat st;

    expect("put c.txt", put_file("c.txt", "content\n"), 8);
    expect("rename", rename("c.txt", "c2.txt"), 0);
    expect_err("the old name is gone", stat("c.txt", &st), ENOENT);
    expect("the new name is there", file_size("c2.txt"), 8);
    expect("rename over an existing file", rename("c2.txt", "a.txt"), 0);
    expect("a.txt has the content", file_size("a.txt"), 8);
    expect("mkdir e", mkdir("e", 0755), 0);
    expect_err("rename a directory over a file", rename("e", "a.txt"), ENOTDIR);
    expect_err("rename a file over a directory", rename("a.txt", "e"), EISDIR);
    expect_err("rename a directory into itself", rename("e", "e/x"), EINVAL);
    expect_err("rename a missing name", rename("nope", "x"), ENOENT);
    expect("link", link("a.txt", "b.txt"), 0);
    expect("nlink 2", stat("a.txt", &st) == 0 ? (long)st.st_nlink : -1, 2);
    expect_err("link to an existing name", link("a.txt", "b.txt"), EEXIST);
    expect_err("link a directory", link("e", "e2"), EPERM);
    expect("unlink one name", unlink("b.txt"), 0);
    expect("nlink 1", stat("a.txt", &st) == 0 ? (long)st.st_nlink : -1, 1);

    expect("symlink", symlink("a.txt", "s"), 0);
    memset(buf, 0, sizeof buf);
    expect("readlink", readlink("s", buf, sizeof buf), 5);
    expect_str("readlink target", buf, "a.txt");
    expect("readlink truncates", readlink("s", buf, 2), 2);
    expect_err("readlink with size 0", readlink("s", buf, 0), EINVAL);
    expect_err("readlink of a file", readlink("a.txt", buf, sizeof buf), EINVAL);
    expect("lstat sees the link", lstat("s", &st) == 0 && S_ISLNK(st.st_mode), 1);
    expect("stat follows it", stat("s", &st) == 0 && S_ISREG(st.st_mode), 1);
    expect_err("O_NOFOLLOW on a symlink", open("s", O_RDONLY | O_NOFOLLOW), ELOOP);
    expect("a symlink to itself", symlink("loop", "loop"), 0);
    expect_err("following it", stat("loop", &st), ELOOP);
    expect_err("symlink over an existing name", symlink("x", "s"), EEXIST);
    expect("dangling symlink", symlink("nowhere", "dangle"), 0);
    expect_err("stat through it", stat("dangle", &st), ENOENT);

    expect("access R_OK|W_OK", access("a.txt", R_OK | W_OK), 0);
    expect_err("access of a missing file", access("nope", F_OK), ENOENT);
    expect_err("access with a bad mode", access("a.txt", 0x10), EINVAL);
    expect("chmod", chmod("a.txt", 0600), 0);
    expect("mode after chmod", stat("a.txt", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0600);
    int fd = open("a.txt", O_RDONLY);
    expect("fchmod", fchmod(fd, 0640), 0);
    expect("mode after fchmod", fstat(fd, &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0640);
    close(fd);
    expect_err("fchmod on a bad fd", fchmod(-1, 0644), EBADF);

    expect("umask returns the old mask", umask(077), 022);
    fd = open("private", O_CREAT | O_WRONLY, 0666);
    expect("a new file gets 0666 & ~077", fstat(fd, &st) == 0 ? (long)(st.st_mode & 0777) : -1,
           0600);
    close(fd);
    expect("mkdir under umask 077", mkdir("pdir", 0777), 0);
    expect("... gives 0700", stat("pdir", &st) == 0 ? (long)(st.st_mode & 0777) : -1, 0700);
    expect("umask back", umask(022), 077);
    rmdir("pdir");
    unlink("private");
    unlink("s");
    unlink("loop");
    unlink("dangle");
    rmdir("e");
}

/* ---- the working directory ---- */

static void test_cwd(void)
{
    char buf[512], want[600];

    expect_str("getcwd", getcwd(buf, sizeof buf), top);
    expect("mkdir w/sub", mkdir("w", 0755) == 0 && mkdir("w/sub", 0755) == 0, 1);
    expect("chdir w/sub", chdir("w/sub"), 0);
    snprintf(want, sizeof want, "%s/w/sub", top);
    expect_str("getcwd after chdir", getcwd(buf, sizeof buf), want);
    char *dyn = getcwd(NULL, 0);
    expect_str("getcwd(NULL, 0) allocates", dyn, want);
    free(dyn);
    expect_err("getcwd into 2 bytes", getcwd(buf, 2) ? 0 : -1, ERANGE);
    expect_err("getcwd into 0 bytes", getcwd(buf, 0) ? 0 : -1, EINVAL);
    expect("chdir ../..", chdir("../.."), 0);
    expect_str("getcwd back", getcwd(buf, sizeof buf), top);
    expect_err("chdir to a file", chdir("a.txt"), ENOTDIR);
    expect_err("chdir to a missing directory", chdir("nope"), ENOENT);
    expect("rmdir w/sub", rmdir("w/sub"), 0);
    expect("rmdir w", rmdir("w"), 0);
}

/* ---- readdir ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "entry-NNN-..." -> 1 and NNN */
static int entry_number(const char *name, int *k)
{
    if (strncmp(name, "entry-", 6))
        return 0;
    *k = atoi(name + 6);
    return 1;
}

static void test_readdir(void)
{
    char *names[200];
    size_t n = 0;

    mkdir("list", 0755);
    put_file("list/zeta", "");
    put_file("list/alpha", "");
    mkdir("list/beta", 0755);
    put_file("list/mid", "");
    DIR *d = opendir("list");
    expect("opendir", d != NULL, 1);
    if (!d)
        return;
    struct dirent *e;
    int types_ok = 1;
    errno = 0;
    while ((e = readdir(d)) && n < 200) {
        names[n++] = strdup(e->d_name);
        if (!strcmp(e->d_name, "beta") && e->d_type != DT_DIR)
            types_ok = 0;
        if (!strcmp(e->d_name, "alpha") && e->d_type != DT_REG)
            types_ok = 0;
    }
    expect("readdir ends without an error", errno, 0);
    qsort(names, n, sizeof names[0], cmp_str);
    char joined[256] = "";
    for (size_t i = 0; i < n; i++) {
        strcat(joined, names[i]);
        strcat(joined, i + 1 < n ? " " : "");
        free(names[i]);
    }
    expect_str("readdir lists every entry (sorted here)", joined, ". .. alpha beta mid zeta");
    expect("d_type", types_ok, 1);
    rewinddir(d);
    n = 0;
    while (readdir(d))
        n++;
    expect("rewinddir starts over", (long)n, 6);
    expect("dirfd", dirfd(d) >= 0, 1);
    expect("closedir", closedir(d), 0);
    errno = 0;
    expect_err("opendir of a file", opendir("a.txt") ? 0 : -1, ENOTDIR);
    expect_err("opendir of a missing directory", opendir("nope") ? 0 : -1, ENOENT);
    int fd = open("a.txt", O_RDONLY);
    expect_err("fdopendir of a file", fdopendir(fd) ? 0 : -1, ENOTDIR);
    close(fd);

    /* many long names: several READDIR batches, telldir/seekdir */
    mkdir("many", 0755);
    char path[128];
    for (int i = 0; i < 120; i++) {
        snprintf(path, sizeof path, "many/entry-%03d-with-a-rather-long-name-to-fill-batches", i);
        put_file(path, "");
    }
    d = opendir("many");
    long count = 0, seen_sum = 0, mark = -1, after_mark = -1;
    while ((e = readdir(d))) {
        count++;
        int k;
        if (entry_number(e->d_name, &k))
            seen_sum += k;
        if (count == 50)
            mark = telldir(d);
        else if (count == 51)
            after_mark = (long)e->d_ino;
    }
    expect("120 entries and . and ..", count, 122);
    expect("every entry once", seen_sum, 119L * 120 / 2);
    seekdir(d, mark);
    e = readdir(d);
    expect("seekdir to telldir's place", e ? (long)e->d_ino : -1, after_mark);
    closedir(d);
    for (int i = 0; i < 120; i++) {
        snprintf(path, sizeof path, "many/entry-%03d-with-a-rather-long-name-to-fill-batches", i);
        unlink(path);
    }
    expect("rmdir many", rmdir("many"), 0);
    unlink("list/zeta");
    unlink("list/alpha");
    unlink("list/mid");
    rmdir("list/beta");
    expect("rmdir list", rmdir("list"), 0);
}

/* ---- pipes and poll ---- */

static int late_fd;

static void late_writer(void *arg)
{
    (void)arg;
    usleep(5000); /* 5 ms of virtual time */
    write(late_fd, "late", 4);
}

static void test_pipes(void)
{
    int p[2], q[2];
    char buf[64];
    struct stat st;

    expect("pipe", pipe(p), 0);
    expect("pipe ends are fds", p[0] >= 0 && p[1] >= 0 && p[0] != p[1], 1);
    expect("fstat: a fifo", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    expect("poll an empty pipe, timeout 0", poll(&pf, 1, 0), 0);
    expect("poll an empty pipe, timeout 5 ms", poll(&pf, 1, 5), 0);
    expect("write to the pipe", write(p[1], "ping", 4), 4);
    expect("poll: readable", poll(&pf, 1, 0), 1);
    expect("revents POLLIN", pf.revents, POLLIN);
    pf = (struct pollfd){p[1], POLLOUT, 0};
    expect("poll: writable", poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT, 1);
    memset(buf, 0, sizeof buf);
    expect("read from the pipe", read(p[0], buf, sizeof buf), 4);
    expect_str("pipe data", buf, "ping");
    expect_err("lseek on a pipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
    expect_err("pread on a pipe", pread(p[0], buf, 1, 0), ESPIPE);
    expect_err("write to the read end", write(p[0], "x", 1), EBADF);

    /* a dup keeps the write end open */
    int w2 = dup(p[1]);
    expect("close the write end", close(p[1]), 0);
    expect("write through the dup", write(w2, "x", 1), 1);
    expect("read it", read(p[0], buf, sizeof buf), 1);
    expect("close the dup", close(w2), 0);
    expect("EOF once every writer is gone", read(p[0], buf, sizeof buf), 0);
    pf = (struct pollfd){p[0], POLLIN, 0};
    expect("poll at EOF", poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), 1);
    close(p[0]);

    expect("pipe q", pipe(q), 0);
    close(q[0]);
    signal(SIGPIPE, SIG_IGN); /* as on Linux: else SIGPIPE ends us (signals.c tests that) */
    expect_err("write without readers", write(q[1], "x", 1), EPIPE);
    pf = (struct pollfd){q[1], POLLOUT, 0};
    expect("poll: POLLERR without readers", poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR), 1);
    close(q[1]);

    /* non-blocking */
    expect("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    expect("pipe2 O_CLOEXEC", fcntl(p[0], F_GETFD), FD_CLOEXEC);
    expect("F_GETFL has O_NONBLOCK", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0, 1);
    expect_err("empty non-blocking read", read(p[0], buf, sizeof buf), EAGAIN);
    pf = (struct pollfd){p[0], POLLIN, 0};
    expect("poll an empty non-blocking pipe, 5 ms", poll(&pf, 1, 5), 0);
    static char chunk[4096];
    long total = 0, rc;
    while ((rc = write(p[1], chunk, sizeof chunk)) > 0 && total < (1 << 20))
        total += rc;
    expect_err("a full non-blocking pipe", rc, EAGAIN);
    expect("it took at least 4096 bytes", total >= 4096, 1);
    pf = (struct pollfd){p[1], POLLOUT, 0};
    expect("poll: a full pipe is not writable", poll(&pf, 1, 0), 0);
    expect("drain one chunk", read(p[0], chunk, sizeof chunk), 4096);
    expect("poll: writable again", poll(&pf, 1, 0), 1);
    close(p[0]);
    close(p[1]);
    expect_err("pipe2 with bad flags", pipe2(p, 0x1), EINVAL);

    /* poll several pipes; a writer thread wakes a blocked poll and a blocked read */
    pipe(p);
    pipe(q);
    struct pollfd two[3] = {{p[0], POLLIN, 0}, {q[0], POLLIN, 0}, {-1, POLLIN, 0}};
    expect("poll two empty pipes, 3 ms", poll(two, 3, 3), 0);
    write(q[1], "z", 1);
    expect("poll two pipes, one ready", poll(two, 3, 50), 1);
    expect("the right one", two[0].revents == 0 && two[1].revents == POLLIN, 1);
    struct pollfd bad = {12345, POLLIN, 0};
    expect("poll a closed fd", poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL, 1);
    uint32_t th;
    late_fd = p[1];
    expect("start a writer thread", vr_thread_start(late_writer, NULL, 16384, &th), 0);
    pf = (struct pollfd){p[0], POLLIN, 0};
    expect("poll waits for the writer", poll(&pf, 1, -1) == 1 && pf.revents == POLLIN, 1);
    expect("read what it wrote", read(p[0], buf, sizeof buf), 4);
    expect("start another", vr_thread_start(late_writer, NULL, 16384, &th), 0);
    expect("a blocking read waits for it", read(p[0], buf, sizeof buf), 4);
    expect("and two pipes wait for it", vr_thread_start(late_writer, NULL, 16384, &th), 0);
    read(q[0], buf, 1);
    expect("poll two pipes until the writer", poll(two, 2, 1000) == 1 && two[0].revents, 1);
    read(p[0], buf, sizeof buf);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* ---- stdio ---- */

static void test_stdio(void)
{
    char line[64];

    FILE *f = fopen("s.txt", "w");
    expect("fopen w", f != NULL, 1);
    if (!f)
        return;
    for (int i = 1; i <= 3; i++)
        fprintf(f, "line %d\n", i);
    expect("nothing written before the flush", file_size("s.txt"), 0);
    expect("fclose", fclose(f), 0);
    expect("the file after fclose", file_size("s.txt"), 21);

    f = fopen("s.txt", "r");
    expect_str("fgets 1", fgets(line, sizeof line, f), "line 1\n");
    expect("ftell", ftell(f), 7);
    expect_str("fgets 2", fgets(line, sizeof line, f), "line 2\n");
    expect("fseek to 0", fseek(f, 0, SEEK_SET), 0);
    expect_str("fgets after fseek", fgets(line, sizeof line, f), "line 1\n");
    expect("fseek SEEK_CUR", fseek(f, 7, SEEK_CUR), 0);
    expect_str("fgets after SEEK_CUR", fgets(line, sizeof line, f), "line 3\n");
    expect("fseek from the end", fseek(f, -7, SEEK_END), 0);
    expect_str("fgets the last line", fgets(line, sizeof line, f), "line 3\n");
    expect("fgets at EOF", fgets(line, sizeof line, f) == NULL && feof(f), 1);
    rewind(f);
    expect("rewind clears EOF", feof(f), 0);
    expect("fgetc after rewind", fgetc(f), 'l');
    expect("ungetc", ungetc('L', f), 'L');
    expect("ftell counts the push-back", ftell(f), 0);
    fpos_t pos;
    expect("fgetpos", fgetpos(f, &pos), 0);
    fgets(line, sizeof line, f);
    expect("fsetpos", fsetpos(f, &pos), 0);
    expect("fgetc after fsetpos", fgetc(f), 'l');
    expect_err("fseek with a bad whence", fseek(f, 0, 7), EINVAL);
    expect("fputs on a read-only stream fails", fputs("x", f), EOF);
    fclose(f);

    f = fopen("s.txt", "a");
    expect("fopen a", f != NULL, 1);
    fputs("tail\n", f);
    expect("ftell in append mode", ftell(f), 26);
    fclose(f);
    expect("appended", file_size("s.txt"), 26);

    f = fopen("s.txt", "r+");
    expect_str("r+: read a line", fgets(line, sizeof line, f), "line 1\n");
    expect("r+: switch to writing", fputs("LINE", f), 0);
    expect("r+: fseek back", fseek(f, 0, SEEK_SET), 0);
    fgets(line, sizeof line, f);
    expect_str("r+: the write landed after the line", fgets(line, sizeof line, f), "LINE 2\n");
    fclose(f);

    f = fopen("s.txt", "w+");
    expect("w+ truncates", file_size("s.txt"), 0);
    fprintf(f, "%s %d", "round", 42);
    rewind(f);
    char word[16];
    int num = 0;
    expect("w+ reads back", fgets(word, sizeof word, f) != NULL, 1);
    num = atoi(word + 6);
    expect_str("w+ text", word, "round 42");
    expect("w+ number", num, 42);
    expect("fileno", fileno(f) >= 0, 1);
    fclose(f);

    expect_err("fopen wx on an existing file", fopen("s.txt", "wx") ? 0 : -1, EEXIST);
    expect_err("fopen with a bad mode", fopen("s.txt", "z") ? 0 : -1, EINVAL);
    expect_err("fopen r of a missing file", fopen("nope", "r") ? 0 : -1, ENOENT);
    f = fopen("s.txt", "re");
    expect("fopen e sets FD_CLOEXEC", fcntl(fileno(f), F_GETFD), FD_CLOEXEC);
    fclose(f);
    int fd = open("s.txt", O_RDONLY);
    expect_err("fdopen w on a read-only fd", fdopen(fd, "w") ? 0 : -1, EINVAL);
    f = fdopen(fd, "r");
    expect("fdopen r", f != NULL, 1);
    expect_str("fdopen reads", fgets(line, sizeof line, f), "round 42");
    f = freopen("a.txt", "r", f);
    expect("freopen", f != NULL, 1);
    expect_str("freopen reads the new file", fgets(line, sizeof line, f), "content\n");
    expect("fclose after freopen", fclose(f), 0);
    expect("remove s.txt", remove("s.txt"), 0);
}

/* ---- a child with a pipe for stdout and its own session ---- */

static void test_child(void)
{
    int p[2];
    char buf[512], want[600];

    expect("pipe for the child", pipe(p), 0);
    fflush(stdout);
    int saved = dup(1);
    int moved = dup2(p[1], 1); /* nothing may print until stdout is back */
    close(p[1]);
    const char *const av[] = {"/test/fileapi", "child", NULL};
    uint32_t proc = 0;
    long rc = vr_spawn_image("/test/fileapi", av, NULL, NULL, 0, &proc);
    dup2(saved, 1);
    close(saved);
    expect("stdout to the pipe", moved, 1);
    expect("spawn the child", rc, 0);
    if (rc)
        return;
    size_t got = 0;
    long n;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    expect("the pipe reaches EOF when the child is gone", n, 0);
    close(p[0]);
    snprintf(want, sizeof want, "child cwd=%s a.txt=8\n", top);
    expect_str("the child wrote to our pipe, from our cwd", buf, want);
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info info;
    vk_process_info(proc, &info);
    expect("the child's status", info.exit_code, 7);
    vk_handle_close(proc);
}

static int child_main(void)
{
    char cwd[512];

    if (!getcwd(cwd, sizeof cwd))
        return 1;
    printf("child cwd=%s a.txt=%ld\n", cwd, file_size("a.txt"));
    if (chdir("/") < 0) /* our own session: the parent's cwd does not move */
        return 2;
    return 7;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child_main();
    const char *base = argc > 1 ? argv[1] : "/tmp";
    snprintf(top, sizeof top, "%s/fileapi", base);
    umask(022);
    expect("mkdir the work directory", mkdir(top, 0755), 0);
    expect("chdir into it", chdir(top), 0);

    /* start-up announced us (VFS_OP_HELLO): /proc/self is this process */
    char cmdline[64] = "";
    int pfd = open("/proc/self/cmdline", O_RDONLY);
    expect("open /proc/self/cmdline", pfd >= 0, 1);
    expect("cmdline holds argv[0] and its NUL", read(pfd, cmdline, sizeof cmdline - 1) >= 14, 1);
    expect_str("cmdline", cmdline, "/test/fileapi");
    close(pfd);

    test_files();
    test_dirs();
    test_at();
    test_links();
    test_cwd();
    test_readdir();
    test_pipes();
    test_stdio();
    test_child();

    char buf[512];
    expect_str("our cwd after the child moved its own", getcwd(buf, sizeof buf), top);
    unlink("a.txt");
    unlink("at/back");
    unlink("at/hard");
    unlink("at/sym");
    rmdir("at");
    chdir(base);
    expect("the work directory is empty again", rmdir(top), 0);
    return expect_summary("fileapi");
}
