/*
 * Unit tests for sim/backends/blkimage: the copy-on-write overlay (the image file unchanged
 * byte for byte after writes and zeroing; reads see the writes; zeroing whole and partial
 * blocks), persist writing through to the file, the overlay budget (refused writes change
 * nothing), read-only images, range checks, images refused at open with the file named, the
 * export, and a seeded random loop against a reference array. Images are temporary files.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/backends/blkimage.h"
#include "veridian/errors.h"

#define B BLKIMAGE_BLOCK
#define IMG_SIZE (16 * B + 1536) /* the last block is short */

static char dir[256];
static char img_path[300];
static uint8_t orig[IMG_SIZE];
static uint8_t ref[IMG_SIZE];
static struct blkimage im;

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(close(fd), 0);
}

static void read_file(const char *path, void *data, size_t len)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)len);
    ck_assert_int_eq(read(fd, data, len), (ssize_t)len);
    close(fd);
}

/* The image file is byte for byte what the test created. */
static void file_unchanged(void)
{
    static uint8_t now[IMG_SIZE];
    read_file(img_path, now, IMG_SIZE);
    ck_assert_mem_eq(now, orig, IMG_SIZE);
}

/* The disk as blkimage shows it equals ref. */
static void matches_ref(void)
{
    static uint8_t got[IMG_SIZE];
    memset(got, 0x77, sizeof(got));
    ck_assert_int_eq(blkimage_read(&im, 0, got, IMG_SIZE), 0);
    ck_assert_mem_eq(got, ref, IMG_SIZE);
}

static void open_image(bool readonly, bool persist, uint64_t budget)
{
    struct blkimage_config c = {img_path, readonly, persist, budget};
    ck_assert_msg(blkimage_open(&im, &c) == 0, "%s", im.error);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/blkimage.XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(img_path, sizeof(img_path), "%s/disk.img", dir);
    for (unsigned i = 0; i < IMG_SIZE; i++)
        orig[i] = (uint8_t)(i * 7 + i / 512 + 1);
    memcpy(ref, orig, IMG_SIZE);
    write_file(img_path, orig, IMG_SIZE);
    memset(&im, 0, sizeof(im));
    im.fd = -1;
}

static void teardown(void)
{
    char p[320];
    blkimage_close(&im);
    unlink(img_path);
    snprintf(p, sizeof(p), "%s/export.img", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/bad.img", dir);
    unlink(p);
    rmdir(dir);
}

static void write_ref(uint64_t off, size_t len, uint8_t seed)
{
    uint8_t buf[3 * B];
    ck_assert_uint_le(len, sizeof(buf));
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 3);
    ck_assert_int_eq(blkimage_write(&im, off, buf, len), 0);
    memcpy(ref + off, buf, len);
}

START_TEST(open_refuses_bad_images)
{
    char bad[320];
    uint8_t junk[1000] = {0};
    snprintf(bad, sizeof(bad), "%s/bad.img", dir);
    write_file(bad, junk, sizeof(junk));
    struct blkimage_config c = {.path = bad};
    ck_assert_int_eq(blkimage_open(&im, &c), -VK_EINVAL);
    ck_assert_ptr_nonnull(strstr(im.error, bad));
    ck_assert_ptr_nonnull(strstr(im.error, "multiple of 512"));
    unlink(bad);
    ck_assert_int_eq(blkimage_open(&im, &c), -VK_ENOENT);
    ck_assert_ptr_nonnull(strstr(im.error, bad));
    c.path = dir; /* a directory */
    ck_assert_int_eq(blkimage_open(&im, &c), -VK_EINVAL);
    ck_assert_ptr_nonnull(strstr(im.error, "not a regular file"));
    open_image(false, false, 0);
    ck_assert_uint_eq(im.size, IMG_SIZE);
    struct virtio_blk_backend_ops ops;
    blkimage_backend(&im, &ops);
    ck_assert_uint_eq(ops.size, IMG_SIZE);
    ck_assert_int_eq(ops.readonly, 0);
    matches_ref();
}
END_TEST

START_TEST(overlay_reads_see_writes_file_unchanged)
{
    open_image(false, false, 0);
    write_ref(100, 50, 1);              /* inside block 0 */
    write_ref(B - 10, 30, 2);           /* across blocks 0 and 1 */
    write_ref(3 * B, B, 3);             /* one whole block */
    write_ref(5 * B + 7, 2 * B + 5, 4); /* three blocks */
    write_ref(IMG_SIZE - 700, 700, 5);  /* the short last block, to the end */
    write_ref(100, 10, 6);              /* again over an overlay block */
    matches_ref();
    file_unchanged();
    ck_assert_uint_eq(im.used, 7 * B); /* blocks 0, 1, 3, 5, 6, 7 and 16 */
    /* a read of a piece across overlay and file blocks */
    uint8_t piece[2 * B];
    ck_assert_int_eq(blkimage_read(&im, 2 * B + 5, piece, sizeof(piece)), 0);
    ck_assert_mem_eq(piece, ref + 2 * B + 5, sizeof(piece));
    /* the same through the backend ops */
    struct virtio_blk_backend_ops ops;
    blkimage_backend(&im, &ops);
    ck_assert_int_eq(ops.write(&im, 9 * B, "abcd", 4), 0);
    memcpy(ref + 9 * B, "abcd", 4);
    ck_assert_int_eq(ops.flush(&im), 0);
    matches_ref();
    file_unchanged();
    /* the export is the merged disk */
    char p[320];
    static uint8_t exported[IMG_SIZE];
    snprintf(p, sizeof(p), "%s/export.img", dir);
    ck_assert_int_eq(blkimage_export(&im, p), 0);
    read_file(p, exported, IMG_SIZE);
    ck_assert_mem_eq(exported, ref, IMG_SIZE);
    /* closing and reopening: the overlay is gone, the file as it was */
    blkimage_close(&im);
    open_image(false, false, 0);
    memcpy(ref, orig, IMG_SIZE);
    matches_ref();
}
END_TEST

START_TEST(zeroing)
{
    open_image(false, false, 0);
    write_ref(2 * B, B, 9); /* block 2 gets data */
    struct virtio_blk_backend_ops ops;
    blkimage_backend(&im, &ops);
    /* whole blocks 1-3 (block 2's data is freed), a piece of 5, the short last block */
    ck_assert_int_eq(ops.discard(&im, B, 3 * B), 0);
    memset(ref + B, 0, 3 * B);
    ck_assert_uint_eq(im.used, 0);
    ck_assert_int_eq(ops.write_zeroes(&im, 5 * B + 512, 1024), 0);
    memset(ref + 5 * B + 512, 0, 1024);
    ck_assert_uint_eq(im.used, B); /* copy on write of block 5 */
    ck_assert_int_eq(blkimage_zero(&im, 16 * B, 1536), 0);
    memset(ref + 16 * B, 0, 1536);
    matches_ref();
    /* writing into a zero-marked block: zeroes around the write, not the file's bytes */
    write_ref(2 * B + 100, 10, 3);
    matches_ref();
    /* partial zeroing of a zero-marked block needs no data */
    uint64_t used = im.used;
    ck_assert_int_eq(blkimage_zero(&im, 3 * B + 8, 8), 0);
    ck_assert_uint_eq(im.used, used);
    matches_ref();
    file_unchanged();
    ck_assert_int_eq(blkimage_zero(&im, 0, 0), 0);
}
END_TEST

START_TEST(persist_writes_through)
{
    open_image(false, true, 0);
    write_ref(B - 10, 30, 2);
    write_ref(IMG_SIZE - 700, 700, 5);
    ck_assert_int_eq(blkimage_zero(&im, 4 * B + 512, 2 * B), 0);
    memset(ref + 4 * B + 512, 0, 2 * B);
    ck_assert_int_eq(blkimage_flush(&im), 0);
    matches_ref();
    ck_assert_uint_eq(im.count, 0); /* no overlay */
    ck_assert_uint_eq(im.used, 0);
    static uint8_t now[IMG_SIZE];
    read_file(img_path, now, IMG_SIZE);
    ck_assert_mem_eq(now, ref, IMG_SIZE);
}
END_TEST

START_TEST(budget_refusal)
{
    open_image(false, false, 2 * B);
    write_ref(0, 10, 1);
    write_ref(5 * B, 10, 2);
    ck_assert_uint_eq(im.used, 2 * B);
    uint8_t buf[2 * B];
    memset(buf, 0xab, sizeof(buf));
    ck_assert_int_eq(blkimage_write(&im, 7 * B, buf, 1), -VK_ENOSPC);
    /* across an overlay block and a new one: refused as a whole */
    ck_assert_int_eq(blkimage_write(&im, 5 * B + 100, buf, B), -VK_ENOSPC);
    /* partial zeroing of a file block needs a copy: refused too */
    ck_assert_int_eq(blkimage_zero(&im, 9 * B, 512), -VK_ENOSPC);
    ck_assert_uint_eq(im.refusals, 3);
    matches_ref();
    /* blocks already in the overlay can be rewritten */
    write_ref(5 * B + 100, 200, 3);
    /* zeroing whole blocks costs nothing and frees data */
    ck_assert_int_eq(blkimage_zero(&im, 5 * B, B), 0);
    memset(ref + 5 * B, 0, B);
    ck_assert_uint_eq(im.used, B);
    write_ref(7 * B, 1, 4);
    matches_ref();
    file_unchanged();
}
END_TEST

START_TEST(readonly_and_ranges)
{
    open_image(true, true, 0); /* read-only wins over persist: the file is not opened for write */
    ck_assert(!im.persist);
    uint8_t buf[16] = {1};
    ck_assert_int_eq(blkimage_write(&im, 0, buf, 16), -VK_EROFS);
    ck_assert_int_eq(blkimage_zero(&im, 0, 512), -VK_EROFS);
    struct virtio_blk_backend_ops ops;
    blkimage_backend(&im, &ops);
    ck_assert_int_eq(ops.readonly, 1);
    ck_assert_int_eq(ops.read(&im, 512, buf, 16), 0);
    ck_assert_mem_eq(buf, orig + 512, 16);
    ck_assert_int_eq(blkimage_read(&im, IMG_SIZE - 8, buf, 16), -VK_EINVAL);
    ck_assert_int_eq(blkimage_read(&im, UINT64_MAX - 4, buf, 16), -VK_EINVAL);
    ck_assert_int_eq(blkimage_read(&im, IMG_SIZE, buf, 0), 0);
    blkimage_close(&im);
    open_image(false, false, 0);
    ck_assert_int_eq(blkimage_write(&im, IMG_SIZE - 8, buf, 16), -VK_EINVAL);
    ck_assert_int_eq(blkimage_zero(&im, 512, UINT64_MAX - 100), -VK_EINVAL);
    ck_assert_uint_eq(im.count, 0);
    matches_ref();
    file_unchanged();
}
END_TEST

/* The ops plug into the model: capacity from the image, RO offered for a read-only one. */
START_TEST(backend_for_the_model)
{
    static struct virtio_blk b;
    struct virtio_blk_backend_ops ops;
    open_image(true, false, 0);
    blkimage_backend(&im, &ops);
    ck_assert_int_eq(virtio_blk_init(&b, NULL, &ops, &im), 0);
    ck_assert_uint_eq(b.capacity, IMG_SIZE / 512);
    ck_assert(b.vp.device_features & VIRTIO_FEATURE(VIRTIO_BLK_F_RO));
    ck_assert(b.vp.device_features & VIRTIO_FEATURE(VIRTIO_BLK_F_DISCARD));
    ck_assert_int_eq(virtio_blk_check(&b), 0);
    blkimage_close(&im);
    open_image(false, false, 0);
    blkimage_backend(&im, &ops);
    ck_assert_int_eq(virtio_blk_init(&b, NULL, &ops, &im), 0);
    ck_assert(!(b.vp.device_features & VIRTIO_FEATURE(VIRTIO_BLK_F_RO)));
}
END_TEST

START_TEST(random_against_reference)
{
    uint64_t s = 0x1234567u + (uint64_t)_i;
#define RND() (s ^= s << 13, s ^= s >> 7, s ^= s << 17, s)
    open_image(false, false, 6 * B);
    unsigned refused = 0;
    for (int it = 0; it < 3000; it++) {
        uint64_t off = RND() % IMG_SIZE;
        uint64_t len = RND() % (2 * B + 100);
        if (len > IMG_SIZE - off)
            len = IMG_SIZE - off;
        uint8_t buf[2 * B + 100];
        switch (RND() % 3) {
        case 0: {
            for (uint64_t i = 0; i < len; i++)
                buf[i] = (uint8_t)RND();
            int rc = blkimage_write(&im, off, buf, (size_t)len);
            ck_assert(rc == 0 || rc == -VK_ENOSPC);
            if (rc == 0)
                memcpy(ref + off, buf, len);
            refused += rc != 0;
            break;
        }
        case 1: {
            int rc = blkimage_zero(&im, off, len);
            ck_assert(rc == 0 || rc == -VK_ENOSPC);
            if (rc == 0)
                memset(ref + off, 0, len);
            refused += rc != 0;
            break;
        }
        default:
            ck_assert_int_eq(blkimage_read(&im, off, buf, (size_t)len), 0);
            ck_assert_mem_eq(buf, ref + off, len);
        }
        ck_assert_uint_le(im.used, 6 * B);
        ck_assert_uint_le(im.count, IMG_SIZE / B + 1);
    }
    matches_ref();
    file_unchanged();
    ck_assert_uint_gt(refused, 0);
    ck_assert_uint_eq(refused, im.refusals);
#undef RND
}
END_TEST

static Suite *blkimage_suite(void)
{
    Suite *s = suite_create("blkimage");
    TCase *tc = tcase_create("overlay");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, open_refuses_bad_images);
    tcase_add_test(tc, overlay_reads_see_writes_file_unchanged);
    tcase_add_test(tc, zeroing);
    tcase_add_test(tc, persist_writes_through);
    tcase_add_test(tc, budget_refusal);
    tcase_add_test(tc, readonly_and_ranges);
    tcase_add_test(tc, backend_for_the_model);
    tcase_add_loop_test(tc, random_against_reference, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(blkimage_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
