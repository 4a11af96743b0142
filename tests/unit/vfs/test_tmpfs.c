/*
 * Unit tests for os/vfs: tmpfs and the POSIX operations layer over it, mounts included.
 * Each test states the rule it checks; the expected errors are Linux's (tests/diff checks
 * the same against Linux itself for what an unprivileged process can do; these cover root,
 * other users, mounts, limits and the library-only calls). Every test ends with the
 * vfs_test leak check: no vnode, page, file, pipe or reference left behind.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_test.h"

#define R (&vt.rootctx)
#define U (&vt.user)

static int64_t rd_at(struct vfs_file *f, void *buf, size_t n, int64_t off)
{
    return vfs_pread(f, buf, n, off);
}

static void expect_data(struct vfs_ctx *ctx, const char *path, const char *data)
{
    char buf[256];
    struct vfs_file *f = vt_open(ctx, path, VFS_O_RDONLY, 0);
    int64_t n = vfs_read(f, buf, sizeof(buf));

    ck_assert_int_eq(n, (int64_t)strlen(data));
    ck_assert_int_eq(memcmp(buf, data, (size_t)n), 0);
    vfs_close(f);
}

static struct vfs_fs *new_tmpfs(uint64_t max_bytes, uint32_t mode)
{
    struct tmpfs_config cfg = {.max_bytes = max_bytes, .root_mode = mode};
    struct vfs_fs *fs;

    ck_assert_int_eq(tmpfs_create(vt.vfs, &cfg, &fs), 0);
    return fs;
}

/* ---------------- open ---------------- */

START_TEST(test_open_create_and_flags)
{
    struct vfs_file *f, *g;
    struct vfs_stat st;
    char buf[16];

    /* O_CREAT applies the umask; uid/gid from the caller */
    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    f = vt_open(U, "/a", VFS_O_RDWR | VFS_O_CREAT, 0666);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_uint_eq(st.mode, VFS_S_IFREG | 0644);
    ck_assert_uint_eq(st.uid, 1000);
    ck_assert_uint_eq(st.gid, 1000);
    ck_assert_uint_eq(st.nlink, 1);
    ck_assert_int_eq(st.size, 0);
    ck_assert_int_eq(st.blksize, 4096);
    vt_write_all(f, "hello", 5);
    vfs_close(f);
    /* a file created with mode 0 can still be written through the creating open */
    f = vt_open(U, "/z", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0);
    vt_write_all(f, "x", 1);
    vfs_close(f);
    ck_assert_int_eq(vfs_open(U, NULL, "/z", VFS_O_RDONLY, 0, &f), -VK_EACCES);
    /* O_EXCL on an existing name */
    ck_assert_int_eq(vfs_open(U, NULL, "/a", VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0644, &f),
                     -VK_EEXIST);
    /* O_EXCL without O_CREAT is ignored */
    f = vt_open(U, "/a", VFS_O_RDONLY | VFS_O_EXCL, 0);
    vfs_close(f);
    /* without O_CREAT: ENOENT */
    ck_assert_int_eq(vfs_open(U, NULL, "/nope", VFS_O_RDONLY, 0, &f), -VK_ENOENT);
    /* O_TRUNC truncates an existing file (and needs write permission even with O_RDONLY) */
    f = vt_open(U, "/a", VFS_O_RDONLY | VFS_O_TRUNC, 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, 0);
    ck_assert_int_eq(vfs_write(f, "x", 1), -VK_EBADF);
    vfs_close(f);
    vt_put_file(U, "/a", "hello");
    /* O_APPEND: every write goes to the end, whatever the offset */
    f = vt_open(U, "/a", VFS_O_RDWR | VFS_O_APPEND, 0);
    ck_assert_int_eq(vfs_lseek(f, 1, VFS_SEEK_SET), 1);
    vt_write_all(f, "12", 2);
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_CUR), 7);
    ck_assert_int_eq(vfs_pwrite(f, "3", 1, 0), 1); /* Linux: pwrite appends too */
    ck_assert_int_eq(rd_at(f, buf, sizeof(buf), 0), 8);
    ck_assert_int_eq(memcmp(buf, "hello123", 8), 0);
    vfs_file_set_flags(f, 0); /* fcntl(F_SETFL) drops O_APPEND */
    ck_assert_int_eq(vfs_pwrite(f, "H", 1, 0), 1);
    vfs_close(f);
    expect_data(U, "/a", "Hello123");
    /* access mode 3: permission for both, then good for neither */
    f = vt_open(U, "/a", VFS_O_ACCMODE, 0);
    ck_assert_int_eq(vfs_read(f, buf, 1), -VK_EBADF);
    ck_assert_int_eq(vfs_write(f, buf, 1), -VK_EBADF);
    vfs_close(f);
    /* a read-only open gives EBADF on write and vice versa */
    f = vt_open(U, "/a", VFS_O_RDONLY, 0);
    g = vt_open(U, "/a", VFS_O_WRONLY, 0);
    ck_assert_int_eq(vfs_write(f, "x", 1), -VK_EBADF);
    ck_assert_int_eq(vfs_read(g, buf, 1), -VK_EBADF);
    ck_assert_int_eq(vfs_ftruncate(f, 0), -VK_EINVAL);
    vfs_close(f);
    vfs_close(g);
    /* O_CREAT|O_DIRECTORY is EINVAL (Linux >= 6.4), before the path is even looked at */
    ck_assert_int_eq(vfs_open(U, NULL, "", VFS_O_CREAT | VFS_O_DIRECTORY, 0, &f), -VK_EINVAL);
    /* unknown flags are ignored, O_CLOEXEC kept for the shell */
    f = vt_open(U, "/a", VFS_O_RDONLY | VFS_O_CLOEXEC | 010000000, 0);
    ck_assert_uint_eq(vfs_file_flags(f) & VFS_O_CLOEXEC, VFS_O_CLOEXEC);
    vfs_close(f);
    /* NULL path */
    ck_assert_int_eq(vfs_open(U, NULL, NULL, VFS_O_RDONLY, 0, &f), -VK_EFAULT);
}
END_TEST

START_TEST(test_open_types)
{
    struct vfs_file *f;
    struct vfs_dirent de;
    char buf[8];

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    vt_put_file(R, "/d/f", "data");
    ck_assert_int_eq(vfs_symlink(R, "f", NULL, "/d/l"), 0);
    ck_assert_int_eq(vfs_symlink(R, "d", NULL, "/ld"), 0);
    /* directories: read-only opens only */
    ck_assert_int_eq(vfs_open(R, NULL, "/d", VFS_O_WRONLY, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d", VFS_O_RDWR, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d", VFS_O_RDONLY | VFS_O_TRUNC, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d", VFS_O_RDONLY | VFS_O_CREAT, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d/", VFS_O_RDONLY | VFS_O_CREAT, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/new/", VFS_O_RDONLY | VFS_O_CREAT, 0, &f), -VK_EISDIR);
    ck_assert_int_eq(vfs_open(R, NULL, ".", VFS_O_RDONLY | VFS_O_CREAT, 0, &f), -VK_EISDIR);
    f = vt_open(R, "/d", VFS_O_RDONLY, 0);
    ck_assert_int_eq(vfs_read(f, buf, 1), -VK_EISDIR);
    ck_assert_int_eq(vfs_pread(f, buf, 1, 0), -VK_EISDIR);
    ck_assert_int_eq(vfs_ftruncate(f, 0), -VK_EINVAL);
    vfs_close(f);
    /* O_DIRECTORY: only directories */
    ck_assert_int_eq(vfs_open(R, NULL, "/d/f", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), -VK_ENOTDIR);
    f = vt_open(R, "/ld", VFS_O_RDONLY | VFS_O_DIRECTORY, 0);
    ck_assert_int_eq(vfs_readdir(f, &de), 1);
    vfs_close(f);
    /* a file with a trailing slash is ENOTDIR; a path through a file too */
    ck_assert_int_eq(vfs_open(R, NULL, "/d/f/", VFS_O_RDONLY, 0, &f), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d/f/x", VFS_O_RDONLY, 0, &f), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_open(R, NULL, "/d/f/x", VFS_O_RDONLY | VFS_O_CREAT, 0, &f), -VK_ENOTDIR);
    /* O_NOFOLLOW on a final symlink: ELOOP; ENOTDIR wins with O_DIRECTORY; a trailing slash
     * follows anyway */
    ck_assert_int_eq(vfs_open(R, NULL, "/d/l", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0, &f), -VK_ELOOP);
    ck_assert_int_eq(
        vfs_open(R, NULL, "/ld", VFS_O_RDONLY | VFS_O_NOFOLLOW | VFS_O_DIRECTORY, 0, &f),
        -VK_ENOTDIR);
    f = vt_open(R, "/ld/", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0);
    vfs_close(f);
    f = vt_open(R, "/ld/f", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0); /* only the last one counts */
    vfs_close(f);
    /* O_CREAT|O_EXCL never follows: the symlink itself exists */
    ck_assert_int_eq(vfs_symlink(R, "target", NULL, "/dangling"), 0);
    ck_assert_int_eq(
        vfs_open(R, NULL, "/dangling", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644, &f),
        -VK_EEXIST);
    /* O_CREAT alone creates the target of a dangling symlink */
    f = vt_open(R, "/dangling", VFS_O_WRONLY | VFS_O_CREAT, 0600);
    vfs_close(f);
    ck_assert_uint_eq(vt_stat(R, "/target").mode, VFS_S_IFREG | 0600);
    /* ... but not through a trailing slash in the link */
    ck_assert_int_eq(vfs_symlink(R, "t2/", NULL, "/dangling2"), 0);
    ck_assert_int_eq(vfs_open(R, NULL, "/dangling2", VFS_O_WRONLY | VFS_O_CREAT, 0600, &f),
                     -VK_EISDIR);
}
END_TEST

START_TEST(test_open_permissions)
{
    struct vfs_file *f;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    vt_put_file(R, "/d/ro", "r");
    ck_assert_int_eq(vfs_chmod(R, NULL, "/d/ro", 0444, 0), 0);
    vt_put_file(R, "/d/none", "n");
    ck_assert_int_eq(vfs_chmod(R, NULL, "/d/none", 0, 0), 0);
    /* others: read of 0444 yes, write no; 0 no */
    f = vt_open(U, "/d/ro", VFS_O_RDONLY, 0);
    vfs_close(f);
    ck_assert_int_eq(vfs_open(U, NULL, "/d/ro", VFS_O_WRONLY, 0, &f), -VK_EACCES);
    ck_assert_int_eq(vfs_open(U, NULL, "/d/none", VFS_O_RDONLY, 0, &f), -VK_EACCES);
    /* root reads and writes anything */
    f = vt_open(R, "/d/none", VFS_O_RDWR, 0);
    vfs_close(f);
    /* creating needs write+search on the directory, even when the name exists it does not */
    ck_assert_int_eq(vfs_open(U, NULL, "/d/new", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -VK_EACCES);
    f = vt_open(U, "/d/ro", VFS_O_RDONLY | VFS_O_CREAT, 0644);
    vfs_close(f);
    /* name too long is reported before the missing permission */
    {
        char name[300];
        memset(name, 'n', 256);
        strcpy(name + 256, "");
        char path[310] = "/d/";
        strcat(path, name);
        ck_assert_int_eq(vfs_open(U, NULL, path, VFS_O_WRONLY | VFS_O_CREAT, 0644, &f),
                         -VK_ENAMETOOLONG);
    }
    /* search permission on a directory */
    ck_assert_int_eq(vfs_chmod(R, NULL, "/d", 0700, 0), 0);
    ck_assert_int_eq(vfs_open(U, NULL, "/d/ro", VFS_O_RDONLY, 0, &f), -VK_EACCES);
    /* group permission through a supplementary group */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/g", 0750), 0);
    ck_assert_int_eq(vfs_open(U, NULL, "/g/x", VFS_O_RDONLY, 0, &f), -VK_EACCES);
    {
        struct vfs_vnode *g = vt_lookup(R, "/g");
        g->gid = 2000; /* no chown in the library yet: set it directly */
        vfs_vnode_put(g);
    }
    ck_assert_int_eq(vfs_open(U, NULL, "/g/x", VFS_O_RDONLY, 0, &f), -VK_ENOENT);
}
END_TEST

/* ---------------- read, write, seek, sparse ---------------- */

START_TEST(test_rw_seek_sparse)
{
    struct vfs_file *f;
    struct vfs_stat st;
    struct vfs_stats stats;
    uint8_t buf[9000];

    f = vt_open(R, "/s", VFS_O_RDWR | VFS_O_CREAT, 0644);
    /* a write far out leaves a hole: one page allocated, zeros read back */
    ck_assert_int_eq(vfs_lseek(f, 1 << 20, VFS_SEEK_SET), 1 << 20);
    vt_write_all(f, "end", 3);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, (1 << 20) + 3);
    ck_assert_int_eq(st.blocks, 8);
    vfs_get_stats(vt.vfs, &stats);
    ck_assert_uint_eq(stats.pages, 1);
    memset(buf, 0xff, sizeof(buf));
    ck_assert_int_eq(rd_at(f, buf, 9000, 4000), 9000);
    for (int i = 0; i < 9000; i++)
        if (buf[i])
            ck_abort_msg("hole byte %d is %d", i, buf[i]);
    ck_assert_int_eq(rd_at(f, buf, 100, (1 << 20) + 1), 2);
    ck_assert_int_eq(memcmp(buf, "nd", 2), 0);
    ck_assert_int_eq(rd_at(f, buf, 100, (1 << 20) + 3), 0);
    ck_assert_int_eq(rd_at(f, buf, 100, 1ll << 40), 0);
    /* a write across a page boundary takes two pages */
    memset(buf, 'a', sizeof(buf));
    ck_assert_int_eq(vfs_pwrite(f, buf, 10, 4090), 10);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 24);
    /* zero-length writes change nothing, even far away */
    ck_assert_int_eq(vfs_pwrite(f, buf, 0, 1ll << 50), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, (1 << 20) + 3);
    /* lseek */
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_END), (1 << 20) + 3);
    ck_assert_int_eq(vfs_lseek(f, -3, VFS_SEEK_CUR), 1 << 20);
    ck_assert_int_eq(vfs_lseek(f, -(1 << 21), VFS_SEEK_CUR), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_CUR), 1 << 20); /* unchanged by the failure */
    ck_assert_int_eq(vfs_lseek(f, -1, VFS_SEEK_SET), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(f, INT64_MAX, VFS_SEEK_END), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(f, 0, 5), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(f, 1ll << 50, VFS_SEEK_SET), 1ll << 50); /* past EOF is fine */
    ck_assert_int_eq(vfs_read(f, buf, 10), 0);
    /* SEEK_DATA / SEEK_HOLE: data in pages 0-1 and 256 */
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_DATA), 4090 - 4090 % 4096);
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_HOLE), 8192);
    ck_assert_int_eq(vfs_lseek(f, 8192, VFS_SEEK_DATA), 1 << 20);
    ck_assert_int_eq(vfs_lseek(f, (1 << 20) + 1, VFS_SEEK_HOLE), (1 << 20) + 3);
    ck_assert_int_eq(vfs_lseek(f, (1 << 20) + 3, VFS_SEEK_DATA), -VK_ENXIO);
    ck_assert_int_eq(vfs_lseek(f, -1, VFS_SEEK_DATA), -VK_ENXIO);
    /* negative and overflowing positions */
    ck_assert_int_eq(vfs_pread(f, buf, 1, -1), -VK_EINVAL);
    ck_assert_int_eq(vfs_pwrite(f, buf, 1, -1), -VK_EINVAL);
    ck_assert_int_eq(vfs_pwrite(f, buf, 2, INT64_MAX - 1), -VK_EINVAL);
    ck_assert_int_eq(vfs_pwrite(f, buf, 1, INT64_MAX), -VK_EINVAL);
    ck_assert_int_eq(vfs_pwrite(f, buf, 1, INT64_MAX - 1), 1); /* the very last byte */
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, INT64_MAX);
    ck_assert_int_eq(st.blocks, 32);
    ck_assert_int_eq(vfs_pwrite(f, buf, 1, INT64_MAX - 1), 1);
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_END), INT64_MAX);
    ck_assert_int_eq(vfs_write(f, buf, 1), -VK_EINVAL); /* the offset would overflow */
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_SET), 0);
    vfs_file_set_flags(f, VFS_O_APPEND);
    ck_assert_int_eq(vfs_write(f, buf, 1), -VK_EFBIG); /* appending at the largest size */
    vfs_file_set_flags(f, 0);
    ck_assert_int_eq(vfs_ftruncate(f, 3), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 8);
    vfs_close(f);
}
END_TEST

START_TEST(test_truncate)
{
    struct vfs_file *f;
    struct vfs_stat st;
    uint8_t buf[8192];

    f = vt_open(R, "/t", VFS_O_RDWR | VFS_O_CREAT, 0644);
    memset(buf, 'x', sizeof(buf));
    vt_write_all(f, buf, 8192);
    /* shrink inside a page: the tail is zeroed, so growing again reads zeros */
    ck_assert_int_eq(vfs_ftruncate(f, 5000), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, 5000);
    ck_assert_int_eq(st.blocks, 16);
    ck_assert_int_eq(vfs_ftruncate(f, 8192), 0);
    ck_assert_int_eq(rd_at(f, buf, 8192, 0), 8192);
    ck_assert_uint_eq(buf[4999], 'x');
    for (int i = 5000; i < 8192; i++)
        if (buf[i])
            ck_abort_msg("byte %d not zero after shrink and grow", i);
    /* shrink to a page boundary frees the page */
    ck_assert_int_eq(vfs_ftruncate(f, 4096), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 8);
    /* grow: no pages, sparse */
    ck_assert_int_eq(vfs_truncate(R, NULL, "/t", 1ll << 40), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, 1ll << 40);
    ck_assert_int_eq(st.blocks, 8);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/t", 0), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 0);
    /* the file offset is not moved by truncation */
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_CUR), 8192);
    vfs_close(f);
    /* bad inputs */
    ck_assert_int_eq(vfs_truncate(R, NULL, "/t", -1), -VK_EINVAL);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/", 0), -VK_EISDIR);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/fifo", VFS_S_IFIFO | 0666, 0), 0);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/fifo", 0), -VK_EINVAL);
    ck_assert_int_eq(vfs_truncate(U, NULL, "/t", 0), -VK_EACCES);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/missing", 0), -VK_ENOENT);
    ck_assert_int_eq(vfs_symlink(R, "t", NULL, "/lt"), 0);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/lt", 7), 0); /* follows */
    ck_assert_int_eq(vt_stat(R, "/t").size, 7);
}
END_TEST

/* Random writes, pwrites, truncates and reads against a byte-array model. */
START_TEST(test_random_data_model)
{
    enum { MAX = 5 * 4096 + 300 };
    uint8_t *model = calloc(1, MAX), *buf = malloc(MAX);
    int64_t size = 0;
    uint64_t x = 12345 + (uint64_t)_i * 7919;
    struct vfs_file *f = vt_open(R, "/m", VFS_O_RDWR | VFS_O_CREAT, 0644);

    for (int step = 0; step < 3000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int op = (int)(x >> 60) % 4;
        int64_t off = (int64_t)((x >> 20) % MAX);
        size_t len = (size_t)((x >> 40) % 5000);
        if (off + (int64_t)len > MAX)
            len = (size_t)(MAX - off);
        if (op == 0) {
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)(x >> (i % 56));
            ck_assert_int_eq(vfs_pwrite(f, buf, len, off), (int64_t)len);
            memcpy(model + off, buf, len);
            if (len && off + (int64_t)len > size)
                size = off + (int64_t)len;
        } else if (op == 1) {
            ck_assert_int_eq(vfs_ftruncate(f, off), 0);
            if (off < size)
                memset(model + off, 0, (size_t)(size - off));
            size = off;
        } else {
            int64_t want =
                off >= size ? 0 : (size - off < (int64_t)len ? size - off : (int64_t)len);
            ck_assert_int_eq(vfs_pread(f, buf, len, off), want);
            if (memcmp(buf, model + off, (size_t)want) != 0)
                ck_abort_msg("step %d: data differs at %lld", step, (long long)off);
        }
    }
    vfs_close(f);
    free(model);
    free(buf);
}
END_TEST

/* ---------------- space limits ---------------- */

START_TEST(test_enospc)
{
    struct vfs_fs *fs = new_tmpfs(4 * 4096 + 100, 0777); /* 4 pages */
    struct vfs_file *f, *g;
    struct vfs_stat st;
    uint8_t buf[3 * 4096], back[3 * 4096];
    struct vfs_vnode *mnt;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/small", 0755), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/small", fs, 0), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 13);
    f = vt_open(R, "/small/a", VFS_O_RDWR | VFS_O_CREAT, 0644);
    vt_write_all(f, buf, 3 * 4096);
    /* two more pages wanted, one left: Linux writes the page that fits */
    g = vt_open(R, "/small/b", VFS_O_RDWR | VFS_O_CREAT, 0644);
    ck_assert_int_eq(vfs_write(g, buf, 8000), 4096);
    ck_assert_int_eq(vfs_write(g, buf, 10), -VK_ENOSPC);
    ck_assert_int_eq(vfs_fstat(g, &st), 0);
    ck_assert_int_eq(st.size, 4096);
    /* writing inside pages that exist still works when full */
    ck_assert_int_eq(vfs_pwrite(g, "zz", 2, 10), 2);
    /* a write that straddles an existing page and a missing one stops at the boundary */
    ck_assert_int_eq(vfs_pwrite(f, buf, 100, 3 * 4096 - 50), 50);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.size, 3 * 4096);
    /* existing data intact */
    ck_assert_int_eq(rd_at(f, back, sizeof(back), 0), (int64_t)sizeof(back));
    ck_assert_int_eq(memcmp(back, buf, 3 * 4096 - 50), 0);
    ck_assert_int_eq(memcmp(back + 3 * 4096 - 50, buf, 50), 0);
    /* a long symlink needs a page too; a short one does not */
    ck_assert_int_eq(vfs_symlink(R, "short", NULL, "/small/s"), 0);
    {
        char target[200];
        memset(target, 't', 199);
        target[199] = '\0';
        ck_assert_int_eq(vfs_symlink(R, target, NULL, "/small/l"), -VK_ENOSPC);
        ck_assert_int_eq(vfs_lstat(R, NULL, "/small/l", &st), -VK_ENOENT);
        /* growing with truncate allocates nothing, so it works */
        ck_assert_int_eq(vfs_ftruncate(g, 1 << 20), 0);
        /* freeing a page makes room */
        ck_assert_int_eq(vfs_ftruncate(f, 4096), 0);
        ck_assert_int_eq(vfs_symlink(R, target, NULL, "/small/l"), 0);
        ck_assert_int_eq(vt_stat(R, "/small/l").blocks, 8);
        ck_assert_int_eq(vt_stat(R, "/small/s").blocks, 0);
    }
    ck_assert_int_eq(vfs_write(f, buf, 4096), 4096);
    ck_assert_int_eq(vfs_write(f, buf, 1), -VK_ENOSPC);
    /* busy while files are open; unmount frees every page */
    ck_assert_int_eq(vfs_umount(R, NULL, "/small"), -VK_EBUSY);
    vfs_close(f);
    vfs_close(g);
    mnt = vt_lookup(R, "/small");
    ck_assert_int_eq(vfs_umount(R, NULL, "/small"), -VK_EBUSY); /* mnt is a reference */
    vfs_vnode_put(mnt);
    ck_assert_int_eq(vfs_umount(R, NULL, "/small"), 0);
    {
        struct vfs_stats s;
        vfs_get_stats(vt.vfs, &s);
        ck_assert_uint_eq(s.pages, 0);
    }
}
END_TEST

START_TEST(test_inode_limit)
{
    struct tmpfs_config cfg = {.max_inodes = 3, .root_mode = 0755};
    struct vfs_fs *fs;
    struct vfs_file *f;

    ck_assert_int_eq(tmpfs_create(vt.vfs, &cfg, &fs), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m", 0755), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/m", fs, 0), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m/a", 0755), 0);
    ck_assert_int_eq(vfs_symlink(R, "x", NULL, "/m/b"), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m/c", 0755), -VK_ENOSPC);
    ck_assert_int_eq(vfs_open(R, NULL, "/m/c", VFS_O_RDWR | VFS_O_CREAT, 0644, &f), -VK_ENOSPC);
    ck_assert_int_eq(vfs_link(R, NULL, "/m/b", NULL, "/m/c", 0), 0); /* a name, not an inode */
    ck_assert_int_eq(vfs_unlink(R, NULL, "/m/b"), 0);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/m/c"), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m/c", 0755), 0);
}
END_TEST

/* ---------------- names ---------------- */

START_TEST(test_unlink_while_open)
{
    struct vfs_file *f, *g;
    struct vfs_stat st;
    struct vfs_stats before, after;
    char buf[16];

    vt_put_file(R, "/u", "still here");
    f = vt_open(R, "/u", VFS_O_RDWR, 0);
    vfs_get_stats(vt.vfs, &before);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/u"), 0);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/u", &st), -VK_ENOENT);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_uint_eq(st.nlink, 0);
    ck_assert_int_eq(rd_at(f, buf, sizeof(buf), 0), 10);
    ck_assert_int_eq(memcmp(buf, "still here", 10), 0);
    ck_assert_int_eq(vfs_pwrite(f, "S", 1, 0), 1);
    /* a new file with the same name is a different file */
    vt_put_file(R, "/u", "new");
    ck_assert_int_eq(rd_at(f, buf, 1, 0), 1);
    ck_assert_int_eq(buf[0], 'S');
    /* no new names for a file without any (AT_EMPTY_PATH on the vnode) */
    ck_assert_int_eq(vfs_link(R, vfs_file_vnode(f), "", NULL, "/again", VFS_AT_EMPTY_PATH),
                     -VK_ENOENT);
    g = vfs_file_dup(f);
    vfs_close(f);
    vfs_get_stats(vt.vfs, &after);
    ck_assert_uint_eq(after.vnodes, before.vnodes + 1); /* + the new /u */
    vfs_close(g);
    vfs_get_stats(vt.vfs, &after);
    ck_assert_uint_eq(after.vnodes, before.vnodes); /* the old one is gone now */
    ck_assert_uint_eq(after.pages, before.pages);
}
END_TEST

START_TEST(test_hard_links)
{
    struct vfs_stat st;
    struct vfs_fs *fs = new_tmpfs(0, 0755);

    vt_put_file(R, "/f", "data");
    vt.now = 5000;
    ck_assert_int_eq(vfs_link(R, NULL, "/f", NULL, "/g", 0), 0);
    st = vt_stat(R, "/f");
    ck_assert_uint_eq(st.nlink, 2);
    ck_assert_int_eq(st.ctime_ns, 5000);
    ck_assert_uint_eq(vt_stat(R, "/g").ino, st.ino);
    expect_data(R, "/g", "data");
    ck_assert_int_eq(vfs_unlink(R, NULL, "/f"), 0);
    ck_assert_uint_eq(vt_stat(R, "/g").nlink, 1);
    expect_data(R, "/g", "data");
    /* errors */
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "/g", 0), -VK_EEXIST);
    ck_assert_int_eq(vfs_link(R, NULL, "/missing", NULL, "/h", 0), -VK_ENOENT);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    ck_assert_int_eq(vfs_link(R, NULL, "/d", NULL, "/h", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_link(R, NULL, "/d/", NULL, "/h", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_link(R, NULL, "/g/", NULL, "/h", 0), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "/h/", 0), -VK_ENOENT);
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "/d/.", 0), -VK_EEXIST);
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "", 0), -VK_ENOENT);
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "/h", 0x1), -VK_EINVAL);
    /* someone else's file: the protected-hardlink check (EPERM) comes before the directory's
     * permission (EACCES) */
    ck_assert_int_eq(vfs_link(U, NULL, "/g", NULL, "/d/h", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/mnt", 0755), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/mnt", fs, 0), 0);
    ck_assert_int_eq(vfs_link(R, NULL, "/g", NULL, "/mnt/g", 0), -VK_EXDEV);
    /* link() does not follow a final symlink; AT_SYMLINK_FOLLOW does */
    ck_assert_int_eq(vfs_symlink(R, "g", NULL, "/sl"), 0);
    ck_assert_int_eq(vfs_link(R, NULL, "/sl", NULL, "/sl2", 0), 0);
    ck_assert_uint_eq(vt_stat(R, "/sl2").mode & VFS_S_IFMT, VFS_S_IFLNK);
    ck_assert_uint_eq(vt_stat(R, "/sl").nlink, 2);
    ck_assert_int_eq(vfs_link(R, NULL, "/sl", NULL, "/g2", VFS_AT_SYMLINK_FOLLOW), 0);
    ck_assert_uint_eq(vt_stat(R, "/g").nlink, 2);
    /* protected hardlinks: someone else's file needs read and write permission */
    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/g", 0644, 0), 0);
    ck_assert_int_eq(vfs_link(U, NULL, "/g", NULL, "/ug", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/g", 0666, 0), 0);
    ck_assert_int_eq(vfs_link(U, NULL, "/g", NULL, "/ug", 0), 0);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/g", 04666, 0), 0); /* never a set-uid file */
    ck_assert_int_eq(vfs_link(U, NULL, "/g", NULL, "/ug2", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_umount(R, NULL, "/mnt"), 0);
}
END_TEST

START_TEST(test_mkdir_rmdir)
{
    struct vfs_stat st;
    struct vfs_fs *fs = new_tmpfs(0, 0755);
    char name[300];

    ck_assert_uint_eq(vt_stat(R, "/").nlink, 2);
    ck_assert_int_eq(vt_stat(R, "/").size, 40);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0777), 0);
    st = vt_stat(R, "/d");
    ck_assert_uint_eq(st.mode, VFS_S_IFDIR | 0755);
    ck_assert_uint_eq(st.nlink, 2);
    ck_assert_uint_eq(vt_stat(R, "/").nlink, 3);
    ck_assert_int_eq(vt_stat(R, "/").size, 60);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d/e/", 04777), 0);        /* trailing slash is fine */
    ck_assert_uint_eq(vt_stat(R, "/d/e").mode, VFS_S_IFDIR | 0755); /* no set-uid on dirs */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d/s", 01777), 0);
    ck_assert_uint_eq(vt_stat(R, "/d/s").mode, VFS_S_IFDIR | 01755);
    /* errors */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), -VK_EEXIST);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/", 0755), -VK_EEXIST);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d/.", 0755), -VK_EEXIST);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d/..", 0755), -VK_EEXIST);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "", 0755), -VK_ENOENT);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/x/y", 0755), -VK_ENOENT);
    vt_put_file(R, "/f", "");
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/f/y", 0755), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/f/", 0755), -VK_EEXIST);
    ck_assert_int_eq(vfs_symlink(R, "nowhere", NULL, "/dl"), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/dl", 0755), -VK_EEXIST); /* never follows */
    ck_assert_int_eq(vfs_mkdir(U, NULL, "/u", 0755), -VK_EACCES);
    memset(name, 'n', 256);
    name[0] = '/';
    name[256] = '\0';
    ck_assert_int_eq(vfs_mkdir(R, NULL, name, 0755), 0); /* 255 bytes */
    name[256] = 'n';
    name[257] = '\0';
    ck_assert_int_eq(vfs_mkdir(R, NULL, name, 0755), -VK_ENAMETOOLONG);
    /* rmdir */
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/d"), -VK_ENOTEMPTY);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/d/."), -VK_EINVAL);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/d/e/.."), -VK_ENOTEMPTY);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/"), -VK_EBUSY);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/f"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/dl"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/nope"), -VK_ENOENT);
    ck_assert_int_eq(vfs_rmdir(U, NULL, "/d/e"), -VK_EACCES);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/d/e/"), 0);
    ck_assert_uint_eq(vt_stat(R, "/d").nlink, 3);
    ck_assert_int_eq(vfs_unlinkat(R, NULL, "/d/s", VFS_AT_REMOVEDIR), 0);
    ck_assert_int_eq(vfs_unlinkat(R, NULL, "/d", 0), -VK_EISDIR);
    ck_assert_int_eq(vfs_unlinkat(R, NULL, "/d", 0x8), -VK_EINVAL);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/d"), 0);
    ck_assert_uint_eq(vt_stat(R, "/").nlink, 3);
    /* a mount point cannot be removed */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/mnt", 0755), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/mnt", fs, 0), 0);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/mnt"), -VK_EBUSY);
    ck_assert_int_eq(vfs_umount(R, NULL, "/mnt"), 0);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/mnt"), 0);
}
END_TEST

START_TEST(test_unlink)
{
    vt_put_file(R, "/f", "x");
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/d"), -VK_EISDIR);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/d/"), -VK_EISDIR);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/f/"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/g/"), -VK_ENOENT);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/g"), -VK_ENOENT);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/d/.."), -VK_EISDIR);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/"), -VK_EISDIR);
    ck_assert_int_eq(vfs_unlink(R, NULL, ""), -VK_ENOENT);
    ck_assert_int_eq(vfs_unlink(U, NULL, "/f"), -VK_EACCES);
    ck_assert_int_eq(vfs_symlink(R, "f", NULL, "/l"), 0);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/l"), 0); /* the link, not the target */
    ck_assert_uint_eq(vt_stat(R, "/f").nlink, 1);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/f"), 0);
    ck_assert_int_eq(vt_stat(R, "/").size, 60);
}
END_TEST

START_TEST(test_sticky)
{
    struct vfs_ctx other = vt.user;

    other.cred.uid = 1001;
    other.cred.ngroups = 0;
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/tmp", 01777), 0);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/tmp", 01777, 0), 0);
    vt_put_file(U, "/tmp/mine", "m");
    vt_put_file(&other, "/tmp/theirs", "t");
    ck_assert_int_eq(vfs_unlink(U, NULL, "/tmp/theirs"), -VK_EPERM);
    ck_assert_int_eq(vfs_rename(U, NULL, "/tmp/theirs", NULL, "/tmp/x"), -VK_EPERM);
    ck_assert_int_eq(vfs_rename(U, NULL, "/tmp/mine", NULL, "/tmp/theirs"), -VK_EPERM);
    ck_assert_int_eq(vfs_rename(U, NULL, "/tmp/mine", NULL, "/tmp/mine2"), 0);
    ck_assert_int_eq(vfs_unlink(U, NULL, "/tmp/mine2"), 0);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/tmp/theirs"), 0); /* root may */
    /* the directory's owner may too */
    ck_assert_int_eq(vfs_mkdir(U, NULL, "/tmp/ud", 0777), 0);
    ck_assert_int_eq(vfs_chmod(U, NULL, "/tmp/ud", 01777, 0), 0);
    vt_put_file(&other, "/tmp/ud/t", "t");
    ck_assert_int_eq(vfs_unlink(U, NULL, "/tmp/ud/t"), 0);
    ck_assert_int_eq(vfs_rmdir(&other, NULL, "/tmp/ud"), -VK_EPERM);
    ck_assert_int_eq(vfs_rmdir(U, NULL, "/tmp/ud"), 0);
}
END_TEST

START_TEST(test_rename_rules)
{
    struct vfs_fs *fs = new_tmpfs(0, 0755);
    struct vfs_file *f;
    struct vfs_stat st;
    struct vfs_stats before, after;
    char buf[8];

    vt_put_file(R, "/a", "A");
    vt_put_file(R, "/b", "B");
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/e", 0755), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/full", 0755), 0);
    vt_put_file(R, "/full/x", "x");
    /* over an existing file: atomic replace; the old target lives while open */
    f = vt_open(R, "/b", VFS_O_RDONLY, 0);
    vfs_get_stats(vt.vfs, &before);
    vt.now = 7000;
    ck_assert_int_eq(vfs_rename(R, NULL, "/a", NULL, "/b"), 0);
    expect_data(R, "/b", "A");
    ck_assert_int_eq(vfs_lstat(R, NULL, "/a", &st), -VK_ENOENT);
    ck_assert_int_eq(vfs_read(f, buf, 8), 1);
    ck_assert_int_eq(buf[0], 'B');
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_uint_eq(st.nlink, 0);
    vfs_close(f);
    vfs_get_stats(vt.vfs, &after);
    ck_assert_uint_eq(after.vnodes, before.vnodes - 1);
    ck_assert_int_eq(vt_stat(R, "/").mtime_ns, 7000);
    ck_assert_int_eq(vt_stat(R, "/b").ctime_ns, 7000);
    /* a name onto itself, or onto another link of the same file: nothing happens */
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/b"), 0);
    ck_assert_int_eq(vfs_link(R, NULL, "/b", NULL, "/b2", 0), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/b2"), 0);
    ck_assert_uint_eq(vt_stat(R, "/b").nlink, 2);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/b2"), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/d", NULL, "/d"), 0);
    /* directories: over an empty one yes, a full one no */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d/sub", 0755), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/d", NULL, "/e"), 0);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/e/sub", &st), 0);
    ck_assert_uint_eq(vt_stat(R, "/").nlink, 4); /* /, e, full + .. of each */
    ck_assert_int_eq(vfs_rename(R, NULL, "/e", NULL, "/full"), -VK_ENOTEMPTY);
    /* type mismatches */
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/e"), -VK_EISDIR);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e", NULL, "/b"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/c/"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b/", NULL, "/c"), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/", NULL, "/e2/"), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e2", NULL, "/e"), 0);
    /* into its own subtree: EINVAL; over an ancestor: ENOTEMPTY */
    ck_assert_int_eq(vfs_rename(R, NULL, "/e", NULL, "/e/sub/x"), -VK_EINVAL);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e", NULL, "/e/x"), -VK_EINVAL);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/sub", NULL, "/e/sub/y"), -VK_EINVAL);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/e/sub/deep", 0755), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/sub/deep", NULL, "/e"), -VK_ENOTEMPTY);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/sub/deep", NULL, "/e/sub"), -VK_ENOTEMPTY);
    /* moving a directory between parents fixes nlink and ".." */
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/sub/deep", NULL, "/full/deep"), 0);
    ck_assert_uint_eq(vt_stat(R, "/e/sub").nlink, 2);
    ck_assert_uint_eq(vt_stat(R, "/full").nlink, 3);
    ck_assert_uint_eq(vt_stat(R, "/full/deep/..").ino, vt_stat(R, "/full").ino);
    /* dots and roots */
    ck_assert_int_eq(vfs_rename(R, NULL, "/e/.", NULL, "/z"), -VK_EBUSY);
    ck_assert_int_eq(vfs_rename(R, NULL, "/z", NULL, "/e/.."), -VK_EBUSY);
    ck_assert_int_eq(vfs_rename(R, NULL, "/", NULL, "/z"), -VK_EBUSY);
    ck_assert_int_eq(vfs_rename(R, NULL, "/missing", NULL, "/z"), -VK_ENOENT);
    ck_assert_int_eq(vfs_rename(R, NULL, "", NULL, "/z"), -VK_ENOENT);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, ""), -VK_ENOENT);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/nodir/z"), -VK_ENOENT);
    /* across mounts, and mount points themselves */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/mnt", 0755), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/mnt", fs, 0), 0);
    ck_assert_int_eq(vfs_rename(R, NULL, "/b", NULL, "/mnt/b"), -VK_EXDEV);
    ck_assert_int_eq(vfs_rename(R, NULL, "/mnt", NULL, "/mnt2"), -VK_EBUSY);
    ck_assert_int_eq(vfs_rename(R, NULL, "/e", NULL, "/mnt"), -VK_EBUSY);
    ck_assert_int_eq(vfs_umount(R, NULL, "/mnt"), 0);
    /* permissions: write+search on both parents; a moved directory needs write on itself */
    ck_assert_int_eq(vfs_rename(U, NULL, "/b", NULL, "/c"), -VK_EACCES);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/full", 0777, 0), 0);
    ck_assert_int_eq(vfs_rename(U, NULL, "/full/deep", NULL, "/deep"), -VK_EACCES);
    ck_assert_int_eq(vfs_rename(U, NULL, "/full/deep", NULL, "/full/deep2"), 0);
    ck_assert_int_eq(vfs_rename(U, NULL, "/b", NULL, "/c"), 0);
}
END_TEST

/* ---------------- symlinks ---------------- */

START_TEST(test_symlinks)
{
    char buf[5000], target[4200];
    struct vfs_stat st;

    ck_assert_int_eq(vfs_symlink(R, "some/where", NULL, "/l"), 0);
    st = vt_stat(R, "/l");
    ck_assert_uint_eq(st.mode, VFS_S_IFLNK | 0777);
    ck_assert_int_eq(st.size, 10);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/l", buf, sizeof(buf)), 10);
    ck_assert_int_eq(memcmp(buf, "some/where", 10), 0);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/l", buf, 4), 4); /* truncated, no NUL */
    ck_assert_int_eq(memcmp(buf, "some", 4), 0);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/l", buf, 0), -VK_EINVAL);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/", buf, 10), -VK_EINVAL);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/l/", buf, 10), -VK_ENOENT);
    ck_assert_int_eq(vfs_readlink(R, NULL, "", buf, 10), -VK_ENOENT);
    {
        struct vfs_vnode *l;
        ck_assert_int_eq(vfs_lookup(R, NULL, "/l", VFS_AT_SYMLINK_NOFOLLOW, &l), 0);
        ck_assert_int_eq(vfs_readlink(R, l, "", buf, 10), 10); /* readlinkat(fd, "") */
        vfs_vnode_put(l);
    }
    ck_assert_int_eq(vfs_symlink(R, "", NULL, "/e"), -VK_ENOENT);
    ck_assert_int_eq(vfs_symlink(R, "x", NULL, "/l"), -VK_EEXIST);
    ck_assert_int_eq(vfs_symlink(R, "x", NULL, "/new/"), -VK_ENOENT);
    ck_assert_int_eq(vfs_symlink(U, "x", NULL, "/u"), -VK_EACCES);
    memset(target, 't', 4095);
    target[4095] = '\0';
    ck_assert_int_eq(vfs_symlink(R, target, NULL, "/long"), 0);
    ck_assert_int_eq(vfs_readlink(R, NULL, "/long", buf, sizeof(buf)), 4095);
    ck_assert_int_eq(vt_stat(R, "/long").blocks, 8);
    target[4095] = 't';
    target[4096] = '\0';
    ck_assert_int_eq(vfs_symlink(R, target, NULL, "/toolong"), -VK_ENAMETOOLONG);
    /* following: relative from the link's directory; the mode of a link is not checked */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    vt_put_file(R, "/d/f", "F");
    ck_assert_int_eq(vfs_symlink(R, "f", NULL, "/d/rel"), 0);
    ck_assert_int_eq(vfs_symlink(R, "/d/f", NULL, "/abs"), 0);
    ck_assert_int_eq(vfs_symlink(R, "../d/rel", NULL, "/d/up"), 0);
    expect_data(R, "/d/rel", "F");
    expect_data(R, "/abs", "F");
    expect_data(R, "/d/up", "F");
    ck_assert_int_eq(vfs_chmod(R, NULL, "/d/rel", 0, VFS_AT_SYMLINK_NOFOLLOW), -VK_ENOTSUP);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/d/rel", 0600, 0), 0); /* the target */
    ck_assert_uint_eq(vt_stat(R, "/d/f").mode, VFS_S_IFREG | 0600);
    /* loops */
    ck_assert_int_eq(vfs_symlink(R, "loop2", NULL, "/loop1"), 0);
    ck_assert_int_eq(vfs_symlink(R, "loop1", NULL, "/loop2"), 0);
    ck_assert_int_eq(vfs_stat(R, NULL, "/loop1", &st), -VK_ELOOP);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/loop1", &st), 0);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/loop1/", &st), -VK_ELOOP);
}
END_TEST

/* A chain of n links to a file: 40 is fine, 41 is ELOOP. */
START_TEST(test_symlink_limit)
{
    char name[32], next[32];
    struct vfs_stat st;

    vt_put_file(R, "/l0", "end");
    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof(name), "/l%d", i);
        snprintf(next, sizeof(next), "l%d", i - 1);
        ck_assert_int_eq(vfs_symlink(R, next, NULL, name), 0);
    }
    ck_assert_int_eq(vfs_stat(R, NULL, "/l40", &st), 0);
    ck_assert_int_eq(vfs_stat(R, NULL, "/l41", &st), -VK_ELOOP);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/l41", &st), 0);
    /* the count is per resolution, across nesting: 20 + 21 through a middle component */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/dir", 0755), 0);
    ck_assert_int_eq(vfs_symlink(R, "dir", NULL, "/m0"), 0);
    for (int i = 1; i <= 20; i++) {
        snprintf(name, sizeof(name), "/m%d", i);
        snprintf(next, sizeof(next), "m%d", i - 1);
        ck_assert_int_eq(vfs_symlink(R, next, NULL, name), 0);
    }
    ck_assert_int_eq(vfs_symlink(R, "/l19", NULL, "/dir/x"), 0);
    ck_assert_int_eq(vfs_stat(R, NULL, "/m19/x", &st), 0);         /* 20 + 1 + 19 = 40 */
    ck_assert_int_eq(vfs_stat(R, NULL, "/m20/x", &st), -VK_ELOOP); /* 41 */
}
END_TEST

/* ---------------- paths ---------------- */

START_TEST(test_path_limits)
{
    char *path = malloc(VFS_PATH_MAX + 10);
    struct vfs_stat st;
    size_t n = 0;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/a", 0755), 0);
    /* "a/a/.../." of exactly 4095 bytes resolves; 4096 is too long */
    while (n + 2 <= VFS_PATH_MAX - 2) {
        memcpy(path + n, "./", 2);
        n += 2;
    }
    path[n++] = 'a';
    path[n] = '\0';
    ck_assert_uint_eq(n, VFS_PATH_MAX - 1);
    ck_assert_int_eq(vfs_stat(R, NULL, path, &st), 0);
    path[n++] = '/';
    path[n] = '\0';
    ck_assert_int_eq(vfs_stat(R, NULL, path, &st), -VK_ENAMETOOLONG);
    ck_assert_int_eq(vfs_stat(R, NULL, "", &st), -VK_ENOENT);
    ck_assert_int_eq(vfs_fstatat(R, NULL, "", &st, VFS_AT_EMPTY_PATH), 0);
    ck_assert_uint_eq(st.ino, vt_stat(R, "/").ino);
    ck_assert_int_eq(vfs_fstatat(R, NULL, "/", &st, 0x4000), -VK_EINVAL);
    ck_assert_int_eq(vfs_stat(R, NULL, "////a//.//", &st), 0);
    ck_assert_int_eq(vfs_stat(R, NULL, "/..", &st), 0);
    ck_assert_uint_eq(st.ino, vt_stat(R, "/").ino);
    ck_assert_int_eq(vfs_stat(R, NULL, "/../../a/../..", &st), 0);
    ck_assert_uint_eq(st.ino, vt_stat(R, "/").ino);
    free(path);
}
END_TEST

START_TEST(test_at_calls)
{
    struct vfs_vnode *d, *f;
    struct vfs_stat st;
    struct vfs_file *file;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    d = vt_lookup(R, "/d");
    ck_assert_int_eq(vfs_mkdir(R, d, "sub", 0755), 0);
    ck_assert_int_eq(vfs_open(R, d, "sub/f", VFS_O_CREAT | VFS_O_WRONLY, 0644, &file), 0);
    vfs_close(file);
    ck_assert_int_eq(vfs_fstatat(R, d, "sub/f", &st, 0), 0);
    ck_assert_int_eq(vfs_fstatat(R, d, "/d/sub/f", &st, 0), 0); /* absolute ignores dir */
    ck_assert_int_eq(vfs_rename(R, d, "sub/f", d, "g"), 0);
    ck_assert_int_eq(vfs_link(R, d, "g", NULL, "/h", 0), 0);
    ck_assert_int_eq(vfs_unlinkat(R, d, "g", 0), 0);
    ck_assert_int_eq(vfs_unlinkat(R, d, "sub", VFS_AT_REMOVEDIR), 0);
    f = vt_lookup(R, "/h");
    ck_assert_int_eq(vfs_fstatat(R, f, "x", &st, 0), -VK_ENOTDIR); /* dir is not one */
    ck_assert_int_eq(vfs_fstatat(R, f, "/h", &st, 0), 0);
    ck_assert_int_eq(vfs_fstatat(R, f, "", &st, VFS_AT_EMPTY_PATH), 0);
    ck_assert_uint_eq(st.mode & VFS_S_IFMT, VFS_S_IFREG);
    ck_assert_int_eq(vfs_access(R, f, "", VFS_R_OK, VFS_AT_EMPTY_PATH), 0);
    ck_assert_int_eq(vfs_open_vnode(R, f, VFS_O_RDWR | VFS_O_TRUNC, &file), 0);
    vfs_close(file);
    ck_assert_int_eq(vfs_open_vnode(U, f, VFS_O_RDWR, &file), -VK_EACCES);
    ck_assert_int_eq(vfs_open_vnode(R, f, VFS_O_CREAT, &file), -VK_EINVAL);
    ck_assert_int_eq(vfs_open_vnode(R, d, VFS_O_RDONLY | VFS_O_DIRECTORY, &file), 0);
    vfs_close(file);
    ck_assert_int_eq(vfs_open_vnode(R, f, VFS_O_RDONLY | VFS_O_DIRECTORY, &file), -VK_ENOTDIR);
    vfs_vnode_put(f);
    vfs_vnode_put(d);
}
END_TEST

/* ---------------- permissions, modes, times ---------------- */

START_TEST(test_access_and_root)
{
    vt_put_file(R, "/f", "x");
    ck_assert_int_eq(vfs_chmod(R, NULL, "/f", 0640, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/f", VFS_F_OK, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/f", VFS_R_OK, 0), -VK_EACCES);
    ck_assert_int_eq(vfs_access(R, NULL, "/f", VFS_R_OK | VFS_W_OK, 0), 0);
    /* root may not execute a file without any execute bit */
    ck_assert_int_eq(vfs_access(R, NULL, "/f", VFS_X_OK, 0), -VK_EACCES);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/f", 0601, 0), 0);
    ck_assert_int_eq(vfs_access(R, NULL, "/f", VFS_X_OK, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/f", VFS_X_OK, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/f", 8, 0), -VK_EINVAL);
    ck_assert_int_eq(vfs_access(U, NULL, "/f", 0, 0x4), -VK_EINVAL);
    ck_assert_int_eq(vfs_access(U, NULL, "/missing", 0, 0), -VK_ENOENT);
    /* root searches any directory */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/closed", 0), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/closed/in", 0), 0);
    ck_assert_int_eq(vfs_access(R, NULL, "/closed/in", VFS_X_OK | VFS_R_OK | VFS_W_OK, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/closed/in", VFS_F_OK, 0), -VK_EACCES);
    /* owner bits are used by the owner even when others have more */
    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    vt_put_file(U, "/mine", "m");
    ck_assert_int_eq(vfs_chmod(U, NULL, "/mine", 0077, 0), 0);
    ck_assert_int_eq(vfs_access(U, NULL, "/mine", VFS_R_OK, 0), -VK_EACCES);
}
END_TEST

START_TEST(test_chmod_and_setid)
{
    struct vfs_file *f;
    struct vfs_stat st;

    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    vt_put_file(R, "/rootfile", "r");
    ck_assert_int_eq(vfs_chmod(U, NULL, "/rootfile", 0777, 0), -VK_EPERM);
    vt_put_file(U, "/f", "x");
    vt.now = 9000;
    ck_assert_int_eq(vfs_chmod(U, NULL, "/f", 07777, 0), 0);
    st = vt_stat(U, "/f");
    ck_assert_uint_eq(st.mode, VFS_S_IFREG | 07777);
    ck_assert_int_eq(st.ctime_ns, 9000);
    /* a write by the owner (not root) drops set-uid and set-gid (group-executable) */
    f = vt_open(U, "/f", VFS_O_WRONLY, 0);
    vt_write_all(f, "y", 1);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_uint_eq(st.mode, VFS_S_IFREG | 01777);
    ck_assert_int_eq(vfs_fchmod(U, f, 02745), 0); /* set-gid without group-exec stays */
    vt_write_all(f, "y", 1);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_uint_eq(st.mode, VFS_S_IFREG | 02745);
    vfs_close(f);
    /* truncate too; root keeps them */
    ck_assert_int_eq(vfs_chmod(U, NULL, "/f", 04755, 0), 0);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/f", 0), 0);
    ck_assert_uint_eq(vt_stat(U, "/f").mode, VFS_S_IFREG | 04755);
    ck_assert_int_eq(vfs_truncate(U, NULL, "/f", 0), 0);
    ck_assert_uint_eq(vt_stat(U, "/f").mode, VFS_S_IFREG | 0755);
    /* set-gid for a group one is not in is dropped by chmod */
    {
        struct vfs_vnode *vn = vt_lookup(U, "/f");
        vn->gid = 3000;
        vfs_vnode_put(vn);
    }
    ck_assert_int_eq(vfs_chmod(U, NULL, "/f", 02755, 0), 0);
    ck_assert_uint_eq(vt_stat(U, "/f").mode, VFS_S_IFREG | 0755);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/f", 02755, 0), 0);
    ck_assert_uint_eq(vt_stat(U, "/f").mode, VFS_S_IFREG | 02755);
    ck_assert_int_eq(vfs_chmod(U, NULL, "/f", 0644, 0x8), -VK_EINVAL);
}
END_TEST

START_TEST(test_setgid_directory)
{
    struct vfs_file *f;
    struct vfs_vnode *d;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/sg", 0777), 0);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/sg", 02777, 0), 0);
    d = vt_lookup(R, "/sg");
    d->gid = 4000;
    vfs_vnode_put(d);
    /* new entries take the directory's group; new directories inherit set-gid */
    f = vt_open(U, "/sg/f", VFS_O_WRONLY | VFS_O_CREAT, 02775);
    vfs_close(f);
    ck_assert_uint_eq(vt_stat(U, "/sg/f").gid, 4000);
    /* ... and a set-gid file for a group the creator is not in loses the bit */
    ck_assert_uint_eq(vt_stat(U, "/sg/f").mode, VFS_S_IFREG | 0755);
    ck_assert_int_eq(vfs_mkdir(U, NULL, "/sg/d", 0755), 0);
    ck_assert_uint_eq(vt_stat(U, "/sg/d").gid, 4000);
    ck_assert_uint_eq(vt_stat(U, "/sg/d").mode, VFS_S_IFDIR | 02755);
    ck_assert_int_eq(vfs_symlink(U, "x", NULL, "/sg/l"), 0);
    ck_assert_uint_eq(vt_stat(U, "/sg/l").gid, 4000);
    f = vt_open(R, "/sg/rootf", VFS_O_WRONLY | VFS_O_CREAT, 02775);
    vfs_close(f);
    ck_assert_uint_eq(vt_stat(U, "/sg/rootf").mode, VFS_S_IFREG | 02755);
}
END_TEST

START_TEST(test_timestamps)
{
    struct vfs_file *f;
    struct vfs_stat st;
    char c;

    vt.now = 100;
    f = vt_open(R, "/f", VFS_O_RDWR | VFS_O_CREAT, 0644);
    st = vt_stat(R, "/f");
    ck_assert_int_eq(st.atime_ns, 100);
    ck_assert_int_eq(st.mtime_ns, 100);
    ck_assert_int_eq(st.ctime_ns, 100);
    ck_assert_int_eq(vt_stat(R, "/").mtime_ns, 100);
    vt.now = 200;
    vt_write_all(f, "x", 1);
    st = vt_stat(R, "/f");
    ck_assert_int_eq(st.mtime_ns, 200);
    ck_assert_int_eq(st.ctime_ns, 200);
    ck_assert_int_eq(st.atime_ns, 100);
    vt.now = 300;
    ck_assert_int_eq(vfs_pread(f, &c, 1, 0), 1);
    st = vt_stat(R, "/f");
    ck_assert_int_eq(st.atime_ns, 300);
    ck_assert_int_eq(st.mtime_ns, 200);
    vt.now = 400;
    ck_assert_int_eq(vfs_ftruncate(f, 10), 0);
    ck_assert_int_eq(vt_stat(R, "/f").mtime_ns, 400);
    vfs_close(f);
    vt.now = 500;
    ck_assert_int_eq(vfs_chmod(R, NULL, "/f", 0600, 0), 0);
    st = vt_stat(R, "/f");
    ck_assert_int_eq(st.ctime_ns, 500);
    ck_assert_int_eq(st.mtime_ns, 400);
    vt.now = 600;
    ck_assert_int_eq(vfs_unlink(R, NULL, "/f"), 0);
    st = vt_stat(R, "/");
    ck_assert_int_eq(st.mtime_ns, 600);
    ck_assert_int_eq(st.ctime_ns, 600);
}
END_TEST

/* ---------------- directories ---------------- */

START_TEST(test_readdir)
{
    struct vfs_file *f;
    struct vfs_dirent de;
    const char *names[] = {"zeta", "alpha", "mid", "beta"};
    char seen[8][16];
    int n = 0;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/d", 0755), 0);
    for (int i = 0; i < 4; i++) {
        char p[32];
        snprintf(p, sizeof(p), "/d/%s", names[i]);
        vt_put_file(R, p, "");
    }
    f = vt_open(R, "/d", VFS_O_RDONLY | VFS_O_DIRECTORY, 0);
    ck_assert_int_eq(vfs_readdir(f, &de), 1);
    ck_assert_str_eq(de.name, ".");
    ck_assert_uint_eq(de.type, VFS_DT_DIR);
    ck_assert_uint_eq(de.ino, vt_stat(R, "/d").ino);
    ck_assert_int_eq(vfs_readdir(f, &de), 1);
    ck_assert_str_eq(de.name, "..");
    ck_assert_uint_eq(de.ino, vt_stat(R, "/").ino);
    /* insertion order, and a listing continues across changes: an entry removed before it
     * is reached is not listed, one added later is, the rest exactly once */
    ck_assert_int_eq(vfs_readdir(f, &de), 1);
    ck_assert_str_eq(de.name, "zeta");
    ck_assert_uint_eq(de.type, VFS_DT_REG);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/d/mid"), 0);
    vt_put_file(R, "/d/new", "");
    while (vfs_readdir(f, &de) == 1)
        strcpy(seen[n++], de.name);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(seen[0], "alpha");
    ck_assert_str_eq(seen[1], "beta");
    ck_assert_str_eq(seen[2], "new");
    ck_assert_int_eq(vfs_readdir(f, &de), 0);
    /* rewind */
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_SET), 0);
    ck_assert_int_eq(vfs_readdir(f, &de), 1);
    ck_assert_str_eq(de.name, ".");
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_END), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(f, -5, VFS_SEEK_CUR), -VK_EINVAL);
    vfs_close(f);
    /* readdir of a mount root: ".." is itself (its own filesystem's view) */
    {
        uint64_t cookie = 1;
        struct vfs_vnode *root = vt_lookup(R, "/");
        ck_assert_int_eq(vfs_readdir_vnode(root, &cookie, &de), 1);
        ck_assert_str_eq(de.name, "..");
        ck_assert_uint_eq(de.ino, root->ino);
        vfs_vnode_put(root);
    }
    f = vt_open(R, "/d/new", VFS_O_RDONLY, 0);
    ck_assert_int_eq(vfs_readdir(f, &de), -VK_ENOTDIR);
    vfs_close(f);
}
END_TEST

START_TEST(test_big_directory)
{
    char path[64];
    struct vfs_file *f;
    struct vfs_dirent de;
    int count = 0, last = -1;

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/big", 0755), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf(path, sizeof(path), "/big/entry%d", i);
        ck_assert_int_eq(vfs_mkdir(R, NULL, path, 0755), 0);
    }
    ck_assert_uint_eq(vt_stat(R, "/big").nlink, 3002);
    ck_assert_int_eq(vt_stat(R, "/big").size, 40 + 20 * 3000);
    for (int i = 0; i < 3000; i += 2) {
        snprintf(path, sizeof(path), "/big/entry%d", i);
        ck_assert_int_eq(vfs_rmdir(R, NULL, path), 0);
    }
    for (int i = 0; i < 3000; i++) {
        struct vfs_stat st;
        snprintf(path, sizeof(path), "/big/entry%d", i);
        if (vfs_lstat(R, NULL, path, &st) != (i % 2 ? 0 : -VK_ENOENT))
            ck_abort_msg("lookup of %s", path);
    }
    f = vt_open(R, "/big", VFS_O_RDONLY, 0);
    while (vfs_readdir(f, &de) == 1) {
        int n;
        if (de.name[0] == '.')
            continue;
        n = atoi(de.name + 5);
        if (n % 2 != 1 || n <= last)
            ck_abort_msg("%s after entry%d", de.name, last);
        last = n;
        count++;
    }
    vfs_close(f);
    ck_assert_int_eq(count, 1500);
}
END_TEST

/* Deep trees are created relative to a cwd and freed without recursion. */
START_TEST(test_deep_tree)
{
    struct vfs_ctx c = vt.rootctx;
    struct vfs_vnode *cwd = vfs_root(vt.vfs), *next;
    char buf[64];

    for (int i = 0; i < 20000; i++) {
        ck_assert_int_eq(vfs_mkdir(&c, cwd, "d", 0755) | vfs_chdir(&c, cwd, "d", &next), 0);
        vfs_vnode_put(cwd);
        cwd = next;
    }
    c.cwd = cwd;
    ck_assert_int_eq(vfs_getcwd(&c, cwd, buf, sizeof(buf)), -VK_ENAMETOOLONG);
    vt_put_file(&c, "leaf", "deep");
    vfs_vnode_put(cwd);
}
END_TEST

START_TEST(test_removed_cwd)
{
    struct vfs_ctx c = vt.rootctx;
    struct vfs_vnode *d;
    struct vfs_file *f;
    struct vfs_stat st;
    struct vfs_dirent de;
    char buf[64];

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/p", 0755), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/p/d", 0755), 0);
    ck_assert_int_eq(vfs_chdir(R, NULL, "/p/d", &d), 0);
    c.cwd = d;
    ck_assert_int_eq(vfs_getcwd(&c, d, buf, sizeof(buf)), 5);
    ck_assert_str_eq(buf, "/p/d");
    ck_assert_int_eq(vfs_getcwd(&c, d, buf, 4), -VK_ERANGE);
    f = vt_open(&c, ".", VFS_O_RDONLY, 0);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/p/d"), 0);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/p"), 0); /* the parent can go too */
    ck_assert_int_eq(vfs_stat(&c, NULL, ".", &st), 0);
    ck_assert_uint_eq(st.nlink, 0);
    ck_assert_int_eq(vfs_open(&c, NULL, "x", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -VK_ENOENT);
    ck_assert_int_eq(vfs_mkdir(&c, NULL, "x", 0755), -VK_ENOENT);
    ck_assert_int_eq(vfs_symlink(&c, "t", NULL, "x"), -VK_ENOENT);
    ck_assert_int_eq(vfs_stat(&c, NULL, "x", &st), -VK_ENOENT);
    ck_assert_int_eq(vfs_getcwd(&c, d, buf, sizeof(buf)), -VK_ENOENT);
    ck_assert_int_eq(vfs_readdir(f, &de), -VK_ENOENT);
    /* ".." still leads to the (removed) parent, then to the root */
    ck_assert_int_eq(vfs_stat(&c, NULL, "..", &st), 0);
    ck_assert_uint_eq(st.nlink, 0);
    ck_assert_int_eq(vfs_stat(&c, NULL, "../..", &st), 0);
    ck_assert_uint_eq(st.ino, vt_stat(R, "/").ino);
    vfs_close(f);
    vfs_vnode_put(d);
}
END_TEST

/* ---------------- mounts ---------------- */

START_TEST(test_mounts)
{
    struct vfs_fs *a = new_tmpfs(0, 0755), *b = new_tmpfs(0, 0700);
    struct vfs_stat st, st2;
    struct vfs_ctx c = vt.rootctx;
    struct vfs_vnode *cwd;
    struct vfs_file *f;
    char buf[64];

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m", 0755), 0);
    vt_put_file(R, "/m/under", "hidden");
    vt_put_file(R, "/file", "");
    /* only root mounts, only on directories */
    ck_assert_int_eq(vfs_mount(U, NULL, "/m", a, 0), -VK_EPERM);
    ck_assert_int_eq(vfs_mount(R, NULL, "/file", a, 0), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_mount(R, NULL, "/nope", a, 0), -VK_ENOENT);
    ck_assert_int_eq(vfs_mount(R, NULL, "/", a, 0), -VK_EBUSY);
    ck_assert_int_eq(vfs_mount(R, NULL, "/m", a, 0), 0);
    ck_assert_int_eq(vfs_mount(R, NULL, "/m", a, 0), -VK_EBUSY); /* already mounted */
    /* the mount hides what was there */
    ck_assert_int_eq(vfs_stat(R, NULL, "/m/under", &st), -VK_ENOENT);
    vt_put_file(R, "/m/on-a", "A");
    st = vt_stat(R, "/m");
    ck_assert_uint_eq(st.ino, 1); /* a's root */
    ck_assert_uint_ne(st.dev, vt_stat(R, "/").dev);
    /* ".." from a mount root goes back across */
    st = vt_stat(R, "/m/..");
    ck_assert_uint_eq(st.ino, vt_stat(R, "/").ino);
    ck_assert_uint_eq(st.dev, vt_stat(R, "/").dev);
    /* stacking: b over a; umount reveals a */
    ck_assert_int_eq(vfs_mount(R, NULL, "/m/", b, 0), 0);
    ck_assert_uint_eq(vt_stat(R, "/m").mode, VFS_S_IFDIR | 0700);
    ck_assert_int_eq(vfs_stat(R, NULL, "/m/on-a", &st), -VK_ENOENT);
    st = vt_stat(R, "/m/../file");
    ck_assert_uint_eq(st.ino, vt_stat(R, "/file").ino);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m/on-a"), -VK_ENOENT);
    ck_assert_int_eq(vfs_umount(R, NULL, "/file"), -VK_EINVAL);
    ck_assert_int_eq(vfs_umount(R, NULL, "/"), -VK_EBUSY);
    ck_assert_int_eq(vfs_umount(U, NULL, "/m"), -VK_EPERM);
    /* a cwd inside keeps it busy */
    ck_assert_int_eq(vfs_chdir(R, NULL, "/m", &cwd), 0);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m"), -VK_EBUSY);
    c.cwd = cwd;
    ck_assert_int_eq(vfs_getcwd(&c, cwd, buf, sizeof(buf)), 3);
    ck_assert_str_eq(buf, "/m");
    vfs_vnode_put(cwd);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m"), 0);
    expect_data(R, "/m/on-a", "A");
    /* a mount below keeps the one above busy */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m/inner", 0755), 0);
    b = new_tmpfs(0, 0755);
    ck_assert_int_eq(vfs_mount(R, NULL, "/m/inner", b, 0), 0);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m"), -VK_EBUSY);
    /* an open file below keeps it busy */
    f = vt_open(R, "/m/inner/x", VFS_O_CREAT | VFS_O_RDWR, 0644);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m/inner"), -VK_EBUSY);
    vfs_close(f);
    /* getcwd across two mounts */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/m/inner/deeper", 0755), 0);
    ck_assert_int_eq(vfs_chdir(R, NULL, "/m/inner/deeper", &cwd), 0);
    ck_assert_int_eq(vfs_getcwd(&c, cwd, buf, sizeof(buf)), 16);
    ck_assert_str_eq(buf, "/m/inner/deeper");
    st = vt_stat(R, "/m/inner/deeper/../..");
    st2 = vt_stat(R, "/m");
    ck_assert_uint_eq(st.ino, st2.ino);
    ck_assert_uint_eq(st.dev, st2.dev);
    /* a context rooted inside: ".." stops there, absolute paths start there */
    c.root = vt_lookup(R, "/m/inner");
    c.cwd = cwd;
    ck_assert_int_eq(vfs_getcwd(&c, cwd, buf, sizeof(buf)), 8);
    ck_assert_str_eq(buf, "/deeper");
    st = vt_stat(&c, "/../../..");
    ck_assert_uint_eq(st.ino, 1);
    ck_assert_uint_eq(st.dev, vt_stat(R, "/m/inner").dev);
    ck_assert_int_eq(vfs_stat(&c, NULL, "/x", &st), 0);
    vfs_vnode_put(c.root);
    vfs_vnode_put(cwd);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m/inner"), 0);
    ck_assert_int_eq(vfs_umount(R, NULL, "/m"), 0);
    expect_data(R, "/m/under", "hidden");
    /* mount listing */
    {
        struct vfs_mount *m = vfs_mount_next(vt.vfs, NULL);
        struct vfs_mount_info mi;
        vfs_mount_get_info(m, &mi);
        ck_assert_ptr_null(mi.covered);
        ck_assert_ptr_null(vfs_mount_next(vt.vfs, m));
    }
}
END_TEST

START_TEST(test_readonly_mount)
{
    struct vfs_fs *fs = new_tmpfs(0, 0777);
    struct vfs_file *f;
    struct vfs_stat st;
    char buf[4];

    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro", 0755), 0);
    /* fill it while writable, then remount read-only (not under a file open for writing) */
    ck_assert_int_eq(vfs_mount(R, NULL, "/ro", fs, 0), 0);
    vt_put_file(R, "/ro/f", "data");
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro/d", 0777), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/ro/fifo", VFS_S_IFIFO | 0666, 0), 0);
    f = vt_open(R, "/ro/f", VFS_O_RDWR, 0);
    ck_assert_int_eq(vfs_remount(R, NULL, "/ro", VFS_MNT_RDONLY), -VK_EBUSY);
    vfs_close(f);
    f = vt_open(R, "/ro/fifo", VFS_O_RDWR, 0); /* a FIFO does not count */
    ck_assert_int_eq(vfs_remount(U, NULL, "/ro", VFS_MNT_RDONLY), -VK_EPERM);
    ck_assert_int_eq(vfs_remount(R, NULL, "/ro/d", VFS_MNT_RDONLY), -VK_EINVAL);
    ck_assert_int_eq(vfs_remount(R, NULL, "/ro", VFS_MNT_RDONLY), 0);
    vfs_close(f);
    expect_data(R, "/ro/f", "data");
    ck_assert_int_eq(vfs_open(R, NULL, "/ro/f", VFS_O_WRONLY, 0, &f), -VK_EROFS);
    ck_assert_int_eq(vfs_open(R, NULL, "/ro/f", VFS_O_RDONLY | VFS_O_TRUNC, 0, &f), -VK_EROFS);
    ck_assert_int_eq(vfs_open(R, NULL, "/ro/g", VFS_O_RDONLY | VFS_O_CREAT, 0644, &f), -VK_EROFS);
    f = vt_open(R, "/ro/f", VFS_O_RDONLY | VFS_O_CREAT, 0644); /* exists: fine */
    ck_assert_int_eq(vfs_read(f, buf, 4), 4);
    vfs_close(f);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro/x", 0755), -VK_EROFS);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro/d", 0755), -VK_EEXIST); /* EEXIST wins */
    ck_assert_int_eq(vfs_symlink(R, "t", NULL, "/ro/l"), -VK_EROFS);
    ck_assert_int_eq(vfs_link(R, NULL, "/ro/f", NULL, "/ro/h", 0), -VK_EROFS);
    ck_assert_int_eq(vfs_unlink(R, NULL, "/ro/f"), -VK_EROFS);
    ck_assert_int_eq(vfs_rmdir(R, NULL, "/ro/d"), -VK_EROFS);
    ck_assert_int_eq(vfs_rename(R, NULL, "/ro/f", NULL, "/ro/g"), -VK_EROFS);
    ck_assert_int_eq(vfs_truncate(R, NULL, "/ro/f", 0), -VK_EROFS);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/ro/f", 0600, 0), -VK_EROFS);
    ck_assert_int_eq(vfs_access(R, NULL, "/ro/f", VFS_W_OK, 0), -VK_EROFS);
    ck_assert_int_eq(vfs_access(U, NULL, "/ro/f", VFS_W_OK, 0), -VK_EROFS); /* before EACCES */
    ck_assert_int_eq(vfs_access(R, NULL, "/ro/f", VFS_R_OK, 0), 0);
    /* a FIFO on a read-only mount still opens for writing */
    ck_assert_int_eq(vfs_access(R, NULL, "/ro/fifo", VFS_W_OK, 0), 0);
    f = vt_open(R, "/ro/fifo", VFS_O_RDWR, 0);
    vfs_close(f);
    ck_assert_int_eq(vfs_lstat(R, NULL, "/ro/d", &st), 0);
    ck_assert_int_eq(vfs_remount(R, NULL, "/ro", 0), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro/x", 0755), 0);
    ck_assert_int_eq(vfs_umount(R, NULL, "/ro"), 0);
    /* mounted read-only from the start */
    fs = new_tmpfs(0, 0777);
    ck_assert_int_eq(vfs_mount(R, NULL, "/ro", fs, VFS_MNT_RDONLY), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/ro/x", 0755), -VK_EROFS);
    {
        struct vfs_mount *m = vfs_mount_next(vt.vfs, vfs_mount_next(vt.vfs, NULL));
        struct vfs_mount_info mi;
        vfs_mount_get_info(m, &mi);
        ck_assert_uint_eq(mi.flags, VFS_MNT_RDONLY);
        ck_assert_ptr_eq(mi.fs, fs);
    }
    ck_assert_int_eq(vfs_umount(R, NULL, "/ro"), 0);
}
END_TEST

START_TEST(test_unmounted_fs_and_destroy)
{
    struct vfs_fs *fs = new_tmpfs(0, 0755);
    struct vfs_file *f;
    struct vfs_vnode *vn;

    /* vfs_destroy refuses while something is left */
    ck_assert_int_eq(vfs_destroy(vt.vfs), -VK_EBUSY); /* fs is not mounted yet */
    vfs_fs_destroy(fs);
    f = vt_open(R, "/f", VFS_O_CREAT | VFS_O_RDWR, 0644);
    ck_assert_int_eq(vfs_destroy(vt.vfs), -VK_EBUSY);
    vfs_close(f);
    vn = vt_lookup(R, "/f");
    ck_assert_int_eq(vfs_destroy(vt.vfs), -VK_EBUSY);
    vfs_vnode_put(vn);
}
END_TEST

/* Corners found by coverage: d_type of every node type, SEEK_HOLE with no hole in the page
 * tree, truncation skipping whole subtrees, the per-call I/O cap, chdir/getcwd edges, tiny
 * size limits, protected-hardlink cases, mount and lookup edges. */
START_TEST(test_edges)
{
    struct vfs_file *f;
    struct vfs_dirent de;
    struct vfs_stat st;
    struct vfs_vnode *vn;
    char buf[64];
    int types = 0;

    /* every type shows up in readdir with its DT_ */
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/t", 0755), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/t/blk", VFS_S_IFBLK | 0600, 7), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/t/chr", VFS_S_IFCHR | 0600, 7), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/t/fifo", VFS_S_IFIFO | 0600, 0), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/t/sock", VFS_S_IFSOCK | 0600, 0), 0);
    ck_assert_int_eq(vfs_mknod(R, NULL, "/t/reg", VFS_S_IFREG | 0600, 0), 0);
    ck_assert_int_eq(vfs_symlink(R, "reg", NULL, "/t/lnk"), 0);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/t/dir", 0755), 0);
    f = vt_open(R, "/t", VFS_O_RDONLY, 0);
    ck_assert_uint_eq(vfs_file_poll(f), VFS_POLLIN | VFS_POLLOUT);
    while (vfs_readdir(f, &de) == 1) {
        static const struct {
            const char *name;
            uint8_t type;
        } want[] = {{"blk", VFS_DT_BLK},   {"chr", VFS_DT_CHR}, {"fifo", VFS_DT_FIFO},
                    {"sock", VFS_DT_SOCK}, {"reg", VFS_DT_REG}, {"lnk", VFS_DT_LNK},
                    {"dir", VFS_DT_DIR}};
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
            if (strcmp(de.name, want[i].name) == 0) {
                ck_assert_uint_eq(de.type, want[i].type);
                types++;
            }
    }
    ck_assert_int_eq(types, 7);
    ck_assert_int_eq(vfs_lseek(f, INT64_MAX, VFS_SEEK_SET), INT64_MAX);
    ck_assert_int_eq(vfs_lseek(f, 1, VFS_SEEK_CUR), -VK_EINVAL);
    vfs_close(f);
    /* writing to a device node through tmpfs: no driver here */
    f = vt_open(R, "/t/chr", VFS_O_WRONLY, 0);
    ck_assert_int_eq(vfs_write(f, "x", 1), -VK_ENXIO);
    vfs_close(f);

    /* 64 pages fill the first level of the page tree: the hole is at the end of the file */
    f = vt_open(R, "/dense", VFS_O_RDWR | VFS_O_CREAT, 0644);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(vfs_pwrite(f, "d", 1, (int64_t)i * 4096), 1);
    ck_assert_int_eq(vfs_lseek(f, 0, VFS_SEEK_HOLE), 63 * 4096 + 1);
    ck_assert_int_eq(vfs_ftruncate(f, 70 * 4096), 0);
    ck_assert_int_eq(vfs_lseek(f, 10, VFS_SEEK_HOLE), 64 * 4096);
    ck_assert_int_eq(vfs_lseek(f, 64 * 4096 + 5, VFS_SEEK_HOLE), 64 * 4096 + 5);
    ck_assert_int_eq(vfs_lseek(f, 64 * 4096 + 5, VFS_SEEK_DATA), -VK_ENXIO);
    /* a page far out: truncating between keeps the whole first subtree, frees the far page */
    ck_assert_int_eq(vfs_pwrite(f, "far", 3, 100 * 4096), 3);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 65 * 8);
    ck_assert_int_eq(vfs_ftruncate(f, 80 * 4096), 0);
    ck_assert_int_eq(vfs_fstat(f, &st), 0);
    ck_assert_int_eq(st.blocks, 64 * 8);
    /* one call moves at most VFS_MAX_RW bytes, whatever length is asked for */
    ck_assert_int_eq(vfs_pread(f, buf, (size_t)1 << 40, 80 * 4096 - 10), 10);
    ck_assert_int_eq(vfs_pread(f, buf, (size_t)INT64_MAX, 80 * 4096 - 10), -VK_EINVAL);
    ck_assert_int_eq(vfs_pread(f, buf, (size_t)INT64_MAX + 1, 0), -VK_EINVAL);
    vfs_close(f);

    /* chdir: only searchable directories; getcwd of the root */
    ck_assert_int_eq(vfs_chdir(R, NULL, "/dense", &vn), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_mkdir(R, NULL, "/closed", 0700), 0);
    ck_assert_int_eq(vfs_chdir(U, NULL, "/closed", &vn), -VK_EACCES);
    ck_assert_int_eq(vfs_lookup(R, NULL, "/", 0x2, &vn), -VK_EINVAL);
    ck_assert_int_eq(vfs_getcwd(R, vt.root, buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, "/");

    /* protected hardlinks: set-gid executables and non-regular files of others */
    ck_assert_int_eq(vfs_chmod(R, NULL, "/", 0777, 0), 0);
    vt_put_file(R, "/sgx", "");
    ck_assert_int_eq(vfs_chmod(R, NULL, "/sgx", 02676, 0), 0);
    ck_assert_int_eq(vfs_link(U, NULL, "/sgx", NULL, "/l1", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_chmod(R, NULL, "/t/fifo", 0666, 0), 0);
    ck_assert_int_eq(vfs_link(U, NULL, "/t/fifo", NULL, "/l2", 0), -VK_EPERM);
    ck_assert_int_eq(vfs_link(R, NULL, "/t/fifo", NULL, "/l2", 0), 0);

    /* mount edges: the root can be mounted once; no mount on a removed directory */
    {
        struct vfs_fs *fs = new_tmpfs(100, 0755); /* under a page: still one page */
        struct vfs_ctx c = vt.rootctx;
        ck_assert_int_eq(vfs_mount_root(vt.vfs, fs, 0), -VK_EBUSY);
        ck_assert_int_eq(vfs_mkdir(R, NULL, "/gone", 0755), 0);
        ck_assert_int_eq(vfs_chdir(R, NULL, "/gone", &vn), 0);
        ck_assert_int_eq(vfs_rmdir(R, NULL, "/gone"), 0);
        c.cwd = vn;
        ck_assert_int_eq(vfs_mount(&c, NULL, ".", fs, 0), -VK_ENOENT);
        vfs_vnode_put(vn);
        ck_assert_int_eq(vfs_mount(R, NULL, "/t", fs, 0), 0);
        f = vt_open(R, "/t/x", VFS_O_RDWR | VFS_O_CREAT, 0644);
        ck_assert_int_eq(vfs_write(f, buf, 10), 10);
        ck_assert_int_eq(vfs_pwrite(f, buf, 10, 4096), -VK_ENOSPC);
        vfs_close(f);
        ck_assert_int_eq(vfs_umount(R, NULL, "/t"), 0);
    }
    /* a namespace with nothing mounted resolves nothing */
    {
        struct vfs *empty;
        struct vfs_ctx c = {0};
        ck_assert_int_eq(vfs_create(NULL, &empty), 0);
        c.vfs = empty;
        ck_assert_ptr_null(vfs_root(empty));
        ck_assert_int_eq(vfs_lookup(&c, NULL, "/", 0, &vn), -VK_ENOENT);
        ck_assert_int_eq(vfs_now(empty), 0);
        ck_assert_int_eq(vfs_destroy(empty), 0);
    }
}
END_TEST

Suite *tmpfs_suite(void);

Suite *tmpfs_suite(void)
{
    Suite *s = suite_create("vfs_tmpfs");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, vt_setup, vt_teardown);
    tcase_add_test(tc, test_open_create_and_flags);
    tcase_add_test(tc, test_open_types);
    tcase_add_test(tc, test_open_permissions);
    tcase_add_test(tc, test_rw_seek_sparse);
    tcase_add_test(tc, test_truncate);
    tcase_add_loop_test(tc, test_random_data_model, 0, 4);
    tcase_add_test(tc, test_enospc);
    tcase_add_test(tc, test_inode_limit);
    tcase_add_test(tc, test_unlink_while_open);
    tcase_add_test(tc, test_hard_links);
    tcase_add_test(tc, test_mkdir_rmdir);
    tcase_add_test(tc, test_unlink);
    tcase_add_test(tc, test_sticky);
    tcase_add_test(tc, test_rename_rules);
    tcase_add_test(tc, test_symlinks);
    tcase_add_test(tc, test_symlink_limit);
    tcase_add_test(tc, test_path_limits);
    tcase_add_test(tc, test_at_calls);
    tcase_add_test(tc, test_access_and_root);
    tcase_add_test(tc, test_chmod_and_setid);
    tcase_add_test(tc, test_setgid_directory);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_readdir);
    tcase_add_test(tc, test_big_directory);
    tcase_add_test(tc, test_deep_tree);
    tcase_add_test(tc, test_removed_cwd);
    tcase_add_test(tc, test_mounts);
    tcase_add_test(tc, test_readonly_mount);
    tcase_add_test(tc, test_unmounted_fs_and_destroy);
    tcase_add_test(tc, test_edges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tmpfs_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
