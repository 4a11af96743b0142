/*
 * Unit tests for os/vfs pipes: the ring buffer (atomic writes up to PIPE_BUF, partial larger
 * writes, EAGAIN, EOF once the last writer is gone, EPIPE once the last reader is gone,
 * wraparound against a reference byte stream), readiness bits, anonymous pipes as open files
 * (EBADF, ESPIPE, fstat, fchmod, close of either end), and FIFOs in tmpfs (ENXIO, buffers
 * shared by every open and freed with the last one). Teardown: the vfs_test leak check.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_test.h"

static struct vfs_pipe *pipe_new(void)
{
    struct vfs_pipe *p;

    ck_assert_int_eq(vfs_pipe_create(vt.vfs, &p), 0);
    vfs_pipe_attach(p, true, true);
    return p;
}

static void fill(uint8_t *buf, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(seed + i * 7);
}

START_TEST(test_roundtrip_and_eof)
{
    struct vfs_pipe *p = pipe_new();
    char buf[16];

    ck_assert_int_eq(vfs_pipe_read(p, buf, sizeof(buf)), -VK_EAGAIN);
    ck_assert_int_eq(vfs_pipe_write(p, "hello", 5), 5);
    ck_assert_uint_eq(vfs_pipe_bytes(p), 5);
    ck_assert_int_eq(vfs_pipe_read(p, buf, 3), 3);
    ck_assert_int_eq(memcmp(buf, "hel", 3), 0);
    ck_assert_int_eq(vfs_pipe_read(p, buf, 0), 0);
    vfs_pipe_detach(p, false, true); /* last writer gone: data first, then EOF */
    ck_assert_int_eq(vfs_pipe_read(p, buf, sizeof(buf)), 2);
    ck_assert_int_eq(memcmp(buf, "lo", 2), 0);
    ck_assert_int_eq(vfs_pipe_read(p, buf, sizeof(buf)), 0);
    ck_assert_int_eq(vfs_pipe_read(p, buf, sizeof(buf)), 0);
    vfs_pipe_detach(p, true, false);
    vfs_pipe_destroy(p);
}
END_TEST

START_TEST(test_epipe)
{
    struct vfs_pipe *p = pipe_new();
    char c = 'x';

    vfs_pipe_detach(p, true, false);
    ck_assert_int_eq(vfs_pipe_write(p, &c, 1), -VK_EPIPE);
    ck_assert_int_eq(vfs_pipe_write(p, &c, 0), 0); /* a null write succeeds, as on Linux */
    ck_assert_uint_eq(vfs_pipe_poll(p, false), VFS_POLLOUT | VFS_POLLERR);
    vfs_pipe_attach(p, true, false); /* a FIFO can get a reader again */
    ck_assert_int_eq(vfs_pipe_write(p, &c, 1), 1);
    vfs_pipe_detach(p, true, true);
    vfs_pipe_destroy(p);
}
END_TEST

START_TEST(test_atomicity)
{
    struct vfs_pipe *p = pipe_new();
    uint8_t *big = malloc(VFS_PIPE_SIZE + 10000);

    fill(big, VFS_PIPE_SIZE + 10000, 1);
    /* leave PIPE_BUF - 1 bytes free */
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_SIZE - VFS_PIPE_BUF + 1),
                     VFS_PIPE_SIZE - VFS_PIPE_BUF + 1);
    ck_assert_uint_eq(vfs_pipe_space(p), VFS_PIPE_BUF - 1);
    ck_assert_uint_eq(vfs_pipe_poll(p, false), 0); /* a PIPE_BUF write would not fit */
    /* a write of PIPE_BUF bytes is all or nothing */
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_BUF), -VK_EAGAIN);
    ck_assert_uint_eq(vfs_pipe_bytes(p), VFS_PIPE_SIZE - VFS_PIPE_BUF + 1);
    /* a smaller one that fits goes in whole */
    ck_assert_int_eq(vfs_pipe_write(p, big, 100), 100);
    /* a larger-than-PIPE_BUF write is partial */
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_BUF + 1), VFS_PIPE_BUF - 101);
    ck_assert_uint_eq(vfs_pipe_space(p), 0);
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_BUF + 1), -VK_EAGAIN);
    ck_assert_int_eq(vfs_pipe_write(p, big, 1), -VK_EAGAIN);
    ck_assert_uint_eq(vfs_pipe_poll(p, true), VFS_POLLIN);
    /* exactly PIPE_BUF free: a PIPE_BUF write fits exactly */
    ck_assert_int_eq(vfs_pipe_read(p, big, VFS_PIPE_BUF), VFS_PIPE_BUF);
    ck_assert_uint_eq(vfs_pipe_poll(p, false), VFS_POLLOUT);
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_BUF), VFS_PIPE_BUF);
    /* a write bigger than the whole buffer into an empty pipe fills it */
    ck_assert_int_eq(vfs_pipe_read(p, big, VFS_PIPE_SIZE), VFS_PIPE_SIZE);
    ck_assert_int_eq(vfs_pipe_write(p, big, VFS_PIPE_SIZE + 10000), VFS_PIPE_SIZE);
    vfs_pipe_detach(p, true, true);
    vfs_pipe_destroy(p);
    free(big);
}
END_TEST

/* Random write/read sizes for a long time: the ring wraps many times; the bytes that come
 * out must be exactly the bytes that went in, in order. */
START_TEST(test_wraparound)
{
    struct vfs_pipe *p = pipe_new();
    uint8_t *in = malloc(VFS_PIPE_SIZE * 2), *out = malloc(VFS_PIPE_SIZE * 2);
    uint64_t wpos = 0, rpos = 0, x = 0x9e3779b97f4a7c15ull + (uint64_t)_i;

    for (int step = 0; step < 20000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = (size_t)(x % 9000);
        if ((x >> 32) & 1) {
            for (size_t i = 0; i < n; i++)
                in[i] = (uint8_t)((wpos + i) * 131 + (wpos + i) / 251);
            size_t space = vfs_pipe_space(p);
            int64_t r = vfs_pipe_write(p, in, n);
            if (n == 0)
                ck_assert_int_eq(r, 0);
            else if (n <= VFS_PIPE_BUF && n > space)
                ck_assert_int_eq(r, -VK_EAGAIN);
            else if (space == 0)
                ck_assert_int_eq(r, -VK_EAGAIN);
            else
                ck_assert_int_eq(r, (int64_t)(n < space ? n : space));
            if (r > 0)
                wpos += (uint64_t)r;
        } else {
            int64_t r = vfs_pipe_read(p, out, n);
            uint64_t avail = wpos - rpos;
            if (n == 0)
                ck_assert_int_eq(r, 0);
            else if (avail == 0)
                ck_assert_int_eq(r, -VK_EAGAIN);
            else
                ck_assert_int_eq(r, (int64_t)(n < avail ? n : avail));
            int64_t bad = -1;
            for (int64_t i = 0; i < r && bad < 0; i++)
                if (out[i] != (uint8_t)((rpos + (uint64_t)i) * 131 + (rpos + (uint64_t)i) / 251))
                    bad = i;
            ck_assert_int_eq(bad, -1);
            if (r > 0)
                rpos += (uint64_t)r;
        }
        if (vfs_pipe_bytes(p) != wpos - rpos)
            ck_abort_msg("step %d: %zu buffered, expected %llu", step, vfs_pipe_bytes(p),
                         (unsigned long long)(wpos - rpos));
    }
    ck_assert_uint_gt(wpos, 20 * VFS_PIPE_SIZE);
    vfs_pipe_detach(p, true, true);
    vfs_pipe_destroy(p);
    free(in);
    free(out);
}
END_TEST

START_TEST(test_poll)
{
    struct vfs_pipe *p = pipe_new();
    char c = 0;

    ck_assert_uint_eq(vfs_pipe_poll(p, true), 0);
    ck_assert_uint_eq(vfs_pipe_poll(p, false), VFS_POLLOUT);
    vfs_pipe_write(p, &c, 1);
    ck_assert_uint_eq(vfs_pipe_poll(p, true), VFS_POLLIN);
    vfs_pipe_detach(p, false, true);
    ck_assert_uint_eq(vfs_pipe_poll(p, true), VFS_POLLIN | VFS_POLLHUP);
    vfs_pipe_read(p, &c, 1);
    ck_assert_uint_eq(vfs_pipe_poll(p, true), VFS_POLLHUP);
    ck_assert_uint_eq(vfs_pipe_readers(p), 1);
    ck_assert_uint_eq(vfs_pipe_writers(p), 0);
    vfs_pipe_detach(p, true, false);
    vfs_pipe_destroy(p);
}
END_TEST

START_TEST(test_pipe_files)
{
    struct vfs_file *rd, *wr, *rd2;
    struct vfs_stat st;
    char buf[8];

    ck_assert_int_eq(vfs_pipe_open(&vt.user, VFS_O_CLOEXEC | VFS_O_APPEND, &rd, &wr), -VK_EINVAL);
    ck_assert_int_eq(vfs_pipe_open(&vt.user, VFS_O_NONBLOCK, &rd, &wr), 0);
    ck_assert_ptr_null(vfs_file_vnode(rd));
    ck_assert_ptr_eq(vfs_file_pipe(rd), vfs_file_pipe(wr));
    ck_assert_uint_eq(vfs_file_flags(rd) & VFS_O_NONBLOCK, VFS_O_NONBLOCK);
    ck_assert_int_eq(vfs_write(rd, "x", 1), -VK_EBADF);
    ck_assert_int_eq(vfs_read(wr, buf, 1), -VK_EBADF);
    ck_assert_int_eq(vfs_pread(rd, buf, 1, 0), -VK_ESPIPE);
    ck_assert_int_eq(vfs_pwrite(wr, "x", 1, 0), -VK_ESPIPE);
    ck_assert_int_eq(vfs_pread(rd, buf, 1, -1), -VK_EINVAL);
    ck_assert_int_eq(vfs_lseek(rd, 0, VFS_SEEK_CUR), -VK_ESPIPE);
    ck_assert_int_eq(vfs_lseek(rd, 0, 7), -VK_EINVAL);
    ck_assert_int_eq(vfs_ftruncate(wr, 0), -VK_EINVAL);
    ck_assert_int_eq(vfs_fsync(wr), -VK_EINVAL);
    ck_assert_int_eq(vfs_readdir(rd, &(struct vfs_dirent){0}), -VK_ENOTDIR);
    ck_assert_int_eq(vfs_fstat(rd, &st), 0);
    ck_assert_uint_eq(st.mode, VFS_S_IFIFO | 0600);
    ck_assert_uint_eq(st.uid, 1000);
    ck_assert_int_eq(vfs_fchmod(&vt.user, wr, 0640), 0); /* one inode for both ends */
    ck_assert_int_eq(vfs_fstat(rd, &st), 0);
    ck_assert_uint_eq(st.mode, VFS_S_IFIFO | 0640);
    ck_assert_int_eq(vfs_fchmod(&vt.rootctx, wr, 0600), 0);
    ck_assert_uint_eq(vfs_file_poll(wr), VFS_POLLOUT);
    ck_assert_uint_eq(vfs_file_poll(rd), 0);
    ck_assert_int_eq(vfs_read(rd, buf, 1), -VK_EAGAIN);
    ck_assert_int_eq(vfs_write(wr, "abc", 3), 3);
    ck_assert_uint_eq(vfs_file_poll(rd), VFS_POLLIN);
    /* a dup keeps the reader alive */
    rd2 = vfs_file_dup(rd);
    vfs_close(rd);
    ck_assert_int_eq(vfs_write(wr, "d", 1), 1);
    ck_assert_int_eq(vfs_read(rd2, buf, sizeof(buf)), 4);
    ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
    vfs_close(rd2);
    ck_assert_int_eq(vfs_write(wr, "e", 1), -VK_EPIPE);
    ck_assert_uint_eq(vfs_file_poll(wr), VFS_POLLOUT | VFS_POLLERR);
    vfs_close(wr);

    /* closing the writer: the reader drains, then sees EOF */
    ck_assert_int_eq(vfs_pipe_open(&vt.user, 0, &rd, &wr), 0);
    ck_assert_int_eq(vfs_write(wr, "zz", 2), 2);
    vfs_close(wr);
    ck_assert_uint_eq(vfs_file_poll(rd), VFS_POLLIN | VFS_POLLHUP);
    ck_assert_int_eq(vfs_read(rd, buf, sizeof(buf)), 2);
    ck_assert_int_eq(vfs_read(rd, buf, sizeof(buf)), 0);
    vfs_close(rd);
}
END_TEST

START_TEST(test_fifo)
{
    struct vfs_file *r1, *r2, *w, *rw;
    struct vfs_stats st;
    char buf[8];

    ck_assert_int_eq(vfs_mknod(&vt.rootctx, NULL, "/f", VFS_S_IFIFO | 0666, 0), 0);
    ck_assert_uint_eq(vt_stat(&vt.rootctx, "/f").mode, VFS_S_IFIFO | 0644);
    /* a writer with O_NONBLOCK and no reader: ENXIO, and nothing stays allocated */
    ck_assert_int_eq(vfs_open(&vt.user, NULL, "/f", VFS_O_WRONLY | VFS_O_NONBLOCK, 0, &w),
                     -VK_EACCES); /* permissions first */
    ck_assert_int_eq(vfs_open(&vt.rootctx, NULL, "/f", VFS_O_WRONLY | VFS_O_NONBLOCK, 0, &w),
                     -VK_ENXIO);
    vfs_get_stats(vt.vfs, &st);
    ck_assert_uint_eq(st.pipes, 0);
    ck_assert_uint_eq(st.files, 0);
    /* permissions apply: the fifo is 0644 and owned by root */
    ck_assert_int_eq(vfs_open(&vt.user, NULL, "/f", VFS_O_RDWR, 0, &rw), -VK_EACCES);
    ck_assert_int_eq(vfs_open(&vt.rootctx, NULL, "/f", VFS_O_ACCMODE, 0, &rw), -VK_EINVAL);
    /* O_TRUNC is ignored on a fifo */
    r1 = vt_open(&vt.rootctx, "/f", VFS_O_RDONLY | VFS_O_NONBLOCK | VFS_O_TRUNC, 0);
    ck_assert_uint_eq(vfs_file_poll(r1), VFS_POLLHUP); /* no writer yet */
    r2 = vt_open(&vt.user, "/f", VFS_O_RDONLY, 0);
    ck_assert_ptr_eq(vfs_file_pipe(r1), vfs_file_pipe(r2));
    ck_assert_int_eq(vfs_read(r1, buf, 1), 0); /* no writer: EOF */
    w = vt_open(&vt.rootctx, "/f", VFS_O_WRONLY | VFS_O_NONBLOCK, 0);
    ck_assert_uint_eq(vfs_pipe_readers(vfs_file_pipe(w)), 2);
    ck_assert_int_eq(vfs_read(r1, buf, 1), -VK_EAGAIN);
    ck_assert_int_eq(vfs_write(w, "hi", 2), 2);
    ck_assert_int_eq(vfs_read(r2, buf, 1), 1);
    ck_assert_int_eq(vfs_read(r1, buf, 1), 1);
    ck_assert_int_eq(vfs_lseek(r1, 0, VFS_SEEK_SET), -VK_ESPIPE);
    ck_assert_int_eq(vfs_pread(r1, buf, 1, 0), -VK_ESPIPE);
    vfs_close(r1);
    vfs_close(r2);
    ck_assert_int_eq(vfs_write(w, "x", 1), -VK_EPIPE);
    ck_assert_int_eq(vfs_write(w, "x", 1), -VK_EPIPE);
    /* unlinked while open: still works, and goes away with the last close */
    ck_assert_int_eq(vfs_unlink(&vt.rootctx, NULL, "/f"), 0);
    rw = NULL;
    vfs_close(w);
    vfs_get_stats(vt.vfs, &st);
    ck_assert_uint_eq(st.pipes, 0);

    /* O_RDWR is both ends; data left when everyone closes is discarded */
    ck_assert_int_eq(vfs_mknod(&vt.rootctx, NULL, "/g", VFS_S_IFIFO | 0600, 0), 0);
    rw = vt_open(&vt.rootctx, "/g", VFS_O_RDWR, 0);
    ck_assert_uint_eq(vfs_file_poll(rw), VFS_POLLOUT);
    ck_assert_int_eq(vfs_write(rw, "abc", 3), 3);
    ck_assert_uint_eq(vfs_file_poll(rw), VFS_POLLIN | VFS_POLLOUT);
    vfs_close(rw);
    rw = vt_open(&vt.rootctx, "/g", VFS_O_RDWR, 0);
    ck_assert_int_eq(vfs_read(rw, buf, sizeof(buf)), -VK_EAGAIN);
    vfs_close(rw);
}
END_TEST

START_TEST(test_socket_and_device_nodes)
{
    struct vfs_file *f;
    struct vfs_stat st;

    ck_assert_int_eq(vfs_mknod(&vt.rootctx, NULL, "/s", VFS_S_IFSOCK | 0777, 0), 0);
    ck_assert_int_eq(vfs_open(&vt.rootctx, NULL, "/s", VFS_O_RDWR, 0, &f), -VK_ENXIO);
    ck_assert_int_eq(vfs_mknod(&vt.user, NULL, "/c", VFS_S_IFCHR | 0666, 0x0501), -VK_EACCES);
    ck_assert_int_eq(vfs_mknod(&vt.rootctx, NULL, "/c", VFS_S_IFCHR | 0666, 0x0501), 0);
    ck_assert_int_eq(vfs_chmod(&vt.rootctx, NULL, "/", 0777, 0), 0);
    ck_assert_int_eq(vfs_mknod(&vt.user, NULL, "/b", VFS_S_IFBLK | 0666, 1), -VK_EPERM);
    ck_assert_int_eq(vfs_mknod(&vt.user, NULL, "/d", VFS_S_IFDIR | 0666, 1), -VK_EPERM);
    ck_assert_int_eq(vfs_mknod(&vt.user, NULL, "/d", 0170000, 1), -VK_EINVAL);
    ck_assert_int_eq(vfs_mknod(&vt.user, NULL, "/r", 0640, 1), 0); /* type 0: regular */
    st = vt_stat(&vt.user, "/r");
    ck_assert_uint_eq(st.mode, VFS_S_IFREG | 0640);
    ck_assert_uint_eq(st.rdev, 0);
    st = vt_stat(&vt.user, "/c");
    ck_assert_uint_eq(st.mode, VFS_S_IFCHR | 0644);
    ck_assert_uint_eq(st.rdev, 0x0501);
    /* a device opens (the shell routes it to a driver); tmpfs itself has no data for it */
    /* O_TRUNC asks for write permission even where it truncates nothing */
    ck_assert_int_eq(vfs_open(&vt.user, NULL, "/c", VFS_O_RDONLY | VFS_O_TRUNC, 0, &f), -VK_EACCES);
    f = vt_open(&vt.rootctx, "/c", VFS_O_RDONLY | VFS_O_TRUNC, 0);
    ck_assert_int_eq(vfs_read(f, &st, 1), -VK_ENXIO);
    vfs_close(f);
}
END_TEST

Suite *pipe_suite(void);

Suite *pipe_suite(void)
{
    Suite *s = suite_create("vfs_pipe");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, vt_setup, vt_teardown);
    tcase_add_test(tc, test_roundtrip_and_eof);
    tcase_add_test(tc, test_epipe);
    tcase_add_test(tc, test_atomicity);
    tcase_add_loop_test(tc, test_wraparound, 0, 4);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_pipe_files);
    tcase_add_test(tc, test_fifo);
    tcase_add_test(tc, test_socket_and_device_nodes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pipe_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
