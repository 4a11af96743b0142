/*
 * The file API's engines (libveridian/src/filecore.c): fopen modes against glibc's open
 * flags, READDIR record parsing against a record builder (valid batches round-trip; random
 * damage is refused or parsed within bounds, never read past the buffer: run it under the
 * ASan build too), I/O vector arithmetic against a byte-at-a-time reference, struct stat's
 * layout against glibc's, and the small mappings (errors, path lengths, deadlines).
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "libc_test.h"
#include "veridian/kcall.h"
#include "veridian/vfs_proto.h"

/* ---- fopen modes ---- */

START_TEST(test_fopen_modes)
{
    static const struct {
        const char *mode;
        int rw;
        int oflags;
    } cases[] = {
        {"r", VR_FMODE_READ, O_RDONLY},
        {"rb", VR_FMODE_READ, O_RDONLY},
        {"r+", VR_FMODE_READ | VR_FMODE_WRITE, O_RDWR},
        {"rb+", VR_FMODE_READ | VR_FMODE_WRITE, O_RDWR},
        {"r+b", VR_FMODE_READ | VR_FMODE_WRITE, O_RDWR},
        {"w", VR_FMODE_WRITE, O_WRONLY | O_CREAT | O_TRUNC},
        {"w+", VR_FMODE_READ | VR_FMODE_WRITE, O_RDWR | O_CREAT | O_TRUNC},
        {"wx", VR_FMODE_WRITE, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL},
        {"a", VR_FMODE_WRITE | VR_FMODE_APPEND, O_WRONLY | O_CREAT | O_APPEND},
        {"a+", VR_FMODE_READ | VR_FMODE_WRITE | VR_FMODE_APPEND, O_RDWR | O_CREAT | O_APPEND},
        {"re", VR_FMODE_READ, O_RDONLY | O_CLOEXEC},
        {"w+xe", VR_FMODE_READ | VR_FMODE_WRITE, O_RDWR | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC},
        {"rt", VR_FMODE_READ, O_RDONLY}, /* unknown characters are ignored, as glibc */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int of = -1;
        int rw = vr_fopen_mode(cases[i].mode, &of);
        ck_assert_msg(rw == cases[i].rw, "mode %s: rw %d", cases[i].mode, rw);
        ck_assert_msg(of == cases[i].oflags, "mode %s: oflags %o", cases[i].mode, of);
    }
    static const char *const bad[] = {"", "x", "+", "b", "R", "z+"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int of = 12345;
        ck_assert_int_eq(vr_fopen_mode(bad[i], &of), -VK_EINVAL);
        ck_assert_int_eq(of, 12345); /* untouched */
    }
}
END_TEST

/* ---- READDIR records ---- */

struct entry {
    uint64_t ino, next;
    uint8_t type;
    char name[256];
};

/* The reference layout: header, name, NUL, zero padding to 8. */
static size_t put_record(unsigned char *buf, size_t at, const struct entry *e)
{
    struct vfs_proto_dirent h;
    size_t nl = strlen(e->name);
    size_t reclen = (sizeof h + nl + 1 + 7) & ~(size_t)7;

    memset(&h, 0, sizeof h);
    h.ino = e->ino;
    h.next = e->next;
    h.reclen = (uint16_t)reclen;
    h.type = e->type;
    h.namelen = (uint16_t)nl;
    memset(buf + at, 0, reclen);
    memcpy(buf + at, &h, sizeof h);
    memcpy(buf + at + sizeof h, e->name, nl);
    return at + reclen;
}

static void random_entry(struct rng *r, struct entry *e)
{
    size_t nl = 1 + rng_below(r, rng_below(r, 4) ? 20 : 255);

    e->ino = rng_next(r);
    e->next = rng_next(r);
    e->type = (uint8_t)rng_below(r, 15);
    for (size_t i = 0; i < nl; i++)
        e->name[i] = (char)(1 + rng_below(r, 255));
    e->name[nl] = 0;
}

START_TEST(test_dirent_roundtrip)
{
    struct rng r = rng_seeded(11);
    static unsigned char buf[16384];
    static struct entry ents[64];

    for (int round = 0; round < 2000; round++) {
        size_t n = rng_below(&r, 30), len = 0;
        for (size_t i = 0; i < n; i++) {
            random_entry(&r, &ents[i]);
            len = put_record(buf, len, &ents[i]);
        }
        size_t pos = 0;
        struct vr_dirent_rec rec;
        for (size_t i = 0; i < n; i++) {
            REQUIRE(vr_dirent_next(buf, len, &pos, &rec) == 1);
            REQUIRE(rec.ino == ents[i].ino && rec.next == ents[i].next);
            REQUIRE(rec.type == ents[i].type);
            REQUIRE(rec.namelen == strlen(ents[i].name));
            REQUIRE(strcmp(rec.name, ents[i].name) == 0);
        }
        REQUIRE(pos == len);
        REQUIRE(vr_dirent_next(buf, len, &pos, &rec) == 0);
    }
}
END_TEST

START_TEST(test_dirent_malformed)
{
    unsigned char buf[512];
    struct entry e = {.ino = 7, .next = 3, .type = 8, .name = "hello"};
    struct vr_dirent_rec rec;
    struct vfs_proto_dirent h;
    size_t len = put_record(buf, 0, &e), pos;

    ck_assert_uint_eq(len, 32);
#define PARSE_AFTER(mutate)                                                                        \
    do {                                                                                           \
        len = put_record(buf, 0, &e);                                                              \
        memcpy(&h, buf, sizeof h);                                                                 \
        mutate;                                                                                    \
        memcpy(buf, &h, sizeof h);                                                                 \
        pos = 0;                                                                                   \
    } while (0)
    PARSE_AFTER(h.reclen = 24);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* no room for name */
    PARSE_AFTER(h.reclen = 36);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* not 8-aligned */
    PARSE_AFTER(h.reclen = 40);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* past the end */
    PARSE_AFTER(h.namelen = 0);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* empty name */
    PARSE_AFTER(h.namelen = 256);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* too long */
    PARSE_AFTER(h.namelen = 4);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* no NUL after name */
    PARSE_AFTER(buf[sizeof h + 2] = 0);
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* NUL inside */
    PARSE_AFTER((void)0);
    pos = 4;
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* misaligned pos */
    pos = 0;
    ck_assert_int_eq(vr_dirent_next(buf, 16, &pos, &rec), -VK_EIO); /* header cut */
    pos = 40;
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), -VK_EIO); /* pos beyond len */
    pos = 0;
    ck_assert_int_eq(vr_dirent_next(buf, len, &pos, &rec), 1);
    ck_assert_str_eq(rec.name, "hello");
#undef PARSE_AFTER
}
END_TEST

/* Random damage: every record accepted lies inside the buffer, ends in its name's NUL, and
 * the walk always ends (each step advances by at least one header). Exactly sized heap
 * buffers let ASan catch any read past the end. */
START_TEST(test_dirent_random_damage)
{
    struct rng r = rng_seeded(12);
    struct entry e;

    for (int round = 0; round < 20000; round++) {
        size_t cap = 8 + rng_below(&r, 600), len = 0;
        unsigned char *tmp = calloc(1, cap + 300);
        while (len + 300 < cap + 300 && rng_below(&r, 8)) {
            random_entry(&r, &e);
            len = put_record(tmp, len, &e);
        }
        len = len < cap ? len : cap;
        unsigned char *buf = malloc(len ? len : 1);
        memcpy(buf, tmp, len);
        for (int k = rng_below(&r, 4); k > 0 && len; k--)
            buf[rng_below(&r, len)] = (unsigned char)rng_next(&r);
        size_t pos = 0, steps = 0;
        struct vr_dirent_rec rec;
        int rc;
        while ((rc = vr_dirent_next(buf, len, &pos, &rec)) == 1) {
            REQUIRE(pos <= len && rec.reclen >= 32);
            REQUIRE((const unsigned char *)rec.name + rec.namelen < buf + len);
            REQUIRE(rec.name[rec.namelen] == 0 && strlen(rec.name) == rec.namelen);
            REQUIRE(++steps <= len / 32);
        }
        REQUIRE(rc == 0 || rc == -VK_EIO);
        free(buf);
        free(tmp);
    }
}
END_TEST

/* ---- I/O vectors ---- */

START_TEST(test_iov_total_limits)
{
    struct vr_iovec v[3] = {{NULL, 5}, {NULL, 0}, {NULL, 7}};
    size_t total = 99;

    ck_assert_int_eq(vr_iov_total(v, 3, &total), 0);
    ck_assert_uint_eq(total, 12);
    ck_assert_int_eq(vr_iov_total(v, 0, &total), 0);
    ck_assert_uint_eq(total, 0);
    ck_assert_int_eq(vr_iov_total(v, -1, &total), -VK_EINVAL);
    ck_assert_int_eq(vr_iov_total(v, VR_IOV_MAX + 1, &total), -VK_EINVAL);
    v[0].len = (size_t)SSIZE_MAX;
    v[2].len = 0;
    ck_assert_int_eq(vr_iov_total(v, 3, &total), 0);
    v[2].len = 1;
    ck_assert_int_eq(vr_iov_total(v, 3, &total), -VK_EINVAL);
    v[0].len = SIZE_MAX;
    ck_assert_int_eq(vr_iov_total(v, 1, &total), -VK_EINVAL);
}
END_TEST

START_TEST(test_iov_gather_scatter)
{
    struct rng r = rng_seeded(13);
    unsigned char src[2048], flat[2048], ref[2048], bufs[16][128];
    struct vr_iovec v[16];

    for (int round = 0; round < 5000; round++) {
        int n = (int)rng_below(&r, 17);
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            v[i].base = bufs[i];
            v[i].len = rng_below(&r, 4) ? rng_below(&r, 129) : 0;
            for (size_t k = 0; k < v[i].len; k++)
                bufs[i][k] = (unsigned char)rng_next(&r);
            total += v[i].len;
        }
        size_t t;
        REQUIRE(vr_iov_total(v, n, &t) == 0 && t == total);
        /* gather against byte-at-a-time */
        size_t k = 0;
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < v[i].len; j++)
                ref[k++] = bufs[i][j];
        vr_iov_gather(v, n, flat);
        REQUIRE(memcmp(flat, ref, total) == 0);
        /* scatter a shorter, equal or longer source */
        size_t len = rng_below(&r, total + 20);
        for (size_t j = 0; j < len; j++)
            src[j] = (unsigned char)rng_next(&r);
        unsigned char before[16][128];
        memcpy(before, bufs, sizeof bufs);
        size_t placed = vr_iov_scatter(v, n, src, len);
        REQUIRE(placed == (len < total ? len : total));
        k = 0;
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < v[i].len; j++, k++)
                REQUIRE(bufs[i][j] == (k < placed ? src[k] : before[i][j]));
    }
}
END_TEST

/* ---- stat ---- */

START_TEST(test_stat_layout)
{
    ck_assert_uint_eq(sizeof(struct vr_stat), sizeof(struct stat));
    ck_assert_uint_eq(offsetof(struct vr_stat, dev), offsetof(struct stat, st_dev));
    ck_assert_uint_eq(offsetof(struct vr_stat, ino), offsetof(struct stat, st_ino));
    ck_assert_uint_eq(offsetof(struct vr_stat, nlink), offsetof(struct stat, st_nlink));
    ck_assert_uint_eq(offsetof(struct vr_stat, mode), offsetof(struct stat, st_mode));
    ck_assert_uint_eq(offsetof(struct vr_stat, uid), offsetof(struct stat, st_uid));
    ck_assert_uint_eq(offsetof(struct vr_stat, gid), offsetof(struct stat, st_gid));
    ck_assert_uint_eq(offsetof(struct vr_stat, rdev), offsetof(struct stat, st_rdev));
    ck_assert_uint_eq(offsetof(struct vr_stat, size), offsetof(struct stat, st_size));
    ck_assert_uint_eq(offsetof(struct vr_stat, blksize), offsetof(struct stat, st_blksize));
    ck_assert_uint_eq(offsetof(struct vr_stat, blocks), offsetof(struct stat, st_blocks));
    ck_assert_uint_eq(offsetof(struct vr_stat, atim), offsetof(struct stat, st_atim));
    ck_assert_uint_eq(offsetof(struct vr_stat, mtim), offsetof(struct stat, st_mtim));
    ck_assert_uint_eq(offsetof(struct vr_stat, ctim), offsetof(struct stat, st_ctim));
}
END_TEST

START_TEST(test_stat_convert)
{
    struct vfs_proto_stat in = {
        .dev = 3,
        .ino = 42,
        .mode = 0100644,
        .nlink = 2,
        .uid = 1000,
        .gid = 100,
        .rdev = 0x501,
        .size = 12345,
        .blksize = 4096,
        .blocks = 32,
        .atime_ns = 1500000000ll,
        .mtime_ns = -1,
        .ctime_ns = -2000000000ll,
    };
    struct stat st;

    memset(&st, 0xa5, sizeof st);
    vr_stat_from_proto(&in, (struct vr_stat *)&st);
    ck_assert_uint_eq(st.st_dev, 3);
    ck_assert_uint_eq(st.st_ino, 42);
    ck_assert_uint_eq(st.st_mode, 0100644);
    ck_assert_uint_eq(st.st_nlink, 2);
    ck_assert_uint_eq(st.st_uid, 1000);
    ck_assert_uint_eq(st.st_gid, 100);
    ck_assert_uint_eq(st.st_rdev, 0x501);
    ck_assert_int_eq(st.st_size, 12345);
    ck_assert_int_eq(st.st_blksize, 4096);
    ck_assert_int_eq(st.st_blocks, 32);
    ck_assert_int_eq(st.st_atim.tv_sec, 1);
    ck_assert_int_eq(st.st_atim.tv_nsec, 500000000);
    ck_assert_int_eq(st.st_mtim.tv_sec, -1); /* -1 ns: one second back, 999999999 ns on */
    ck_assert_int_eq(st.st_mtim.tv_nsec, 999999999);
    ck_assert_int_eq(st.st_ctim.tv_sec, -2);
    ck_assert_int_eq(st.st_ctim.tv_nsec, 0);
}
END_TEST

/* ---- small mappings ---- */

START_TEST(test_vfs_status)
{
    ck_assert_int_eq(vr_vfs_status(0, 0), 0);
    ck_assert_int_eq(vr_vfs_status(0, VK_ENOENT), -VK_ENOENT);
    ck_assert_int_eq(vr_vfs_status(0, 39 /* ENOTEMPTY */), -39);
    ck_assert_int_eq(vr_vfs_status(0, 4095), -4095);
    ck_assert_int_eq(vr_vfs_status(0, 4096), -VK_EIO);
    ck_assert_int_eq(vr_vfs_status(0, UINT32_MAX), -VK_EIO);
    ck_assert_int_eq(vr_vfs_status(-VK_EBADH, 0), -VK_EBADF);
    ck_assert_int_eq(vr_vfs_status(-VK_EWRONGTYPE, 7), -VK_EBADF);
    ck_assert_int_eq(vr_vfs_status(-VK_EPERM, 0), -VK_EBADF);
    ck_assert_int_eq(vr_vfs_status(-VK_EPIPE, 0), -VK_EIO);
    ck_assert_int_eq(vr_vfs_status(-VK_ETIMEDOUT, 0), -VK_ETIMEDOUT);
    ck_assert_int_eq(vr_vfs_status(-VK_EFAULT, 0), -VK_EFAULT);
    ck_assert_int_eq(vr_vfs_status(-VK_ENOMEM, 0), -VK_ENOMEM);
}
END_TEST

START_TEST(test_path_length)
{
    static char p[VFS_PROTO_PATH_MAX + 2];

    ck_assert_int_eq(vr_path_length(NULL), -VK_EFAULT);
    ck_assert_int_eq(vr_path_length(""), 0);
    ck_assert_int_eq(vr_path_length("/tmp/x"), 6);
    memset(p, 'a', VFS_PROTO_PATH_MAX - 1);
    ck_assert_int_eq(vr_path_length(p), VFS_PROTO_PATH_MAX - 1);
    p[VFS_PROTO_PATH_MAX - 1] = 'a';
    ck_assert_int_eq(vr_path_length(p), -VK_ENAMETOOLONG);
    p[VFS_PROTO_PATH_MAX] = 'a';
    ck_assert_int_eq(vr_path_length(p), -VK_ENAMETOOLONG);
}
END_TEST

START_TEST(test_deadline)
{
    ck_assert_uint_eq(vr_deadline_after_ms(100, -1), VK_DEADLINE_NEVER);
    ck_assert_uint_eq(vr_deadline_after_ms(100, INT_MIN), VK_DEADLINE_NEVER);
    ck_assert_uint_eq(vr_deadline_after_ms(100, 0), 100);
    ck_assert_uint_eq(vr_deadline_after_ms(100, 5), 5000100);
    ck_assert_uint_eq(vr_deadline_after_ms(0, INT_MAX), (uint64_t)INT_MAX * 1000000ull);
    ck_assert_uint_eq(vr_deadline_after_ms(UINT64_MAX - 10, 1), VK_DEADLINE_NEVER);
    ck_assert_uint_eq(vr_deadline_after_ms(5, LONG_MAX), VK_DEADLINE_NEVER);
    ck_assert_uint_eq(vr_deadline_after_ms(UINT64_MAX - 1000000, 1), VK_DEADLINE_NEVER);
}
END_TEST

static Suite *filecore_suite(void)
{
    Suite *s = suite_create("filecore");
    TCase *tc = tcase_create("filecore");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fopen_modes);
    tcase_add_test(tc, test_dirent_roundtrip);
    tcase_add_test(tc, test_dirent_malformed);
    tcase_add_test(tc, test_dirent_random_damage);
    tcase_add_test(tc, test_iov_total_limits);
    tcase_add_test(tc, test_iov_gather_scatter);
    tcase_add_test(tc, test_stat_layout);
    tcase_add_test(tc, test_stat_convert);
    tcase_add_test(tc, test_vfs_status);
    tcase_add_test(tc, test_path_length);
    tcase_add_test(tc, test_deadline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(filecore_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
