/*
 * Unit tests for os/lib/bootfs (vl_bootfs) and the mkbootfs tool: lookups by find and entry,
 * a round trip through an independent in-memory writer, refusal of every malformed variant
 * (bad header fields, truncation at every length, offsets and lengths out of range or
 * overflowing, misaligned data, names unterminated / outside the name table / malformed /
 * unsorted / duplicated), random mutations that must never crash, and mkbootfs run on temp
 * trees (determinism, modes, symlinks, error cases) and on existing images (--from/--add: the
 * result is byte-identical to packing the edited tree; bad input leaves no output). Teardown frees
 * the image buffer and removes temp trees; the ASan build checks for leaks and out-of-bounds reads.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/errors.h"
#include "vl_bootfs.h"

/* ---- an independent writer (does not use the encode helpers) ---- */

struct tfile {
    const char *name;
    uint32_t mode;
    const char *data;
    size_t len;
};

static uint8_t *img;
static size_t img_size;
static char tmpdir[256];

static void setup(void)
{
    img = NULL;
    img_size = 0;
    tmpdir[0] = '\0';
}

static void teardown(void)
{
    free(img);
    img = NULL;
    if (tmpdir[0]) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmpdir, tmpdir);
        ck_assert_int_eq(system(cmd), 0);
    }
}

static void put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t up4k(uint64_t v)
{
    return (v + 4095) & ~(uint64_t)4095;
}

/* Lays files out in the given order (callers pass them sorted unless testing the check). */
static void build(const struct tfile *f, size_t n)
{
    uint64_t names = 32 + 32 * (uint64_t)n, names_len = 0, cursor;

    for (size_t i = 0; i < n; i++)
        names_len += strlen(f[i].name) + 1;
    cursor = up4k(names + names_len);
    uint64_t total = cursor;
    for (size_t i = 0; i < n; i++)
        total = up4k(total + f[i].len);
    free(img);
    img_size = (size_t)total;
    img = calloc(1, img_size);
    ck_assert_ptr_nonnull(img);
    memcpy(img, "VRBOOTFS", 8);
    put(img + 8, 1, 4);
    put(img + 12, n, 4);
    put(img + 16, total, 8);
    uint64_t name_off = names;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = img + 32 + 32 * i;
        size_t nl = strlen(f[i].name);
        put(e, name_off, 8);
        put(e + 8, nl, 4);
        put(e + 12, f[i].mode, 4);
        put(e + 16, cursor, 8);
        put(e + 24, f[i].len, 8);
        memcpy(img + name_off, f[i].name, nl + 1);
        memcpy(img + cursor, f[i].data, f[i].len);
        name_off += nl + 1;
        cursor = up4k(cursor + f[i].len);
    }
}

/* Entry field offsets. */
enum { E_NAME_OFF = 0, E_NAME_LEN = 8, E_MODE = 12, E_DATA_OFF = 16, E_DATA_LEN = 24 };

static uint8_t *entry(size_t i)
{
    return img + 32 + 32 * i;
}

static const struct tfile sample[] = {
    {"bin-x/y", 0644, "dash sorts before slash", 23},
    {"bin/hello", 0755, "\177ELF hello", 10},
    {"bin/vsh", 0755, "shell", 5},
    {"etc/empty", 0644, "", 0},
    {"etc/motd", 0644, "Welcome to Veridian\n", 20},
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

static int open_img(struct vl_bootfs *fs)
{
    return vl_bootfs_open(fs, img, img_size);
}

/* ---- well-formed images ---- */

START_TEST(test_find_and_entry)
{
    struct vl_bootfs fs;
    struct vl_bootfs_file f;

    build(sample, NSAMPLE);
    ck_assert_int_eq(open_img(&fs), 0);
    ck_assert_uint_eq(fs.count, NSAMPLE);
    ck_assert_uint_eq(fs.size, img_size);
    for (uint32_t i = 0; i < NSAMPLE; i++) {
        ck_assert_int_eq(vl_bootfs_entry(&fs, i, &f), 0);
        ck_assert_str_eq(f.name, sample[i].name);
        ck_assert_uint_eq(f.name_len, strlen(sample[i].name));
        ck_assert_uint_eq(f.mode, sample[i].mode);
        ck_assert_uint_eq(f.size, sample[i].len);
        ck_assert_uint_eq(f.offset % 4096, 0);
        ck_assert_ptr_eq(f.data, img + f.offset);
        ck_assert_mem_eq(f.data, sample[i].data, sample[i].len);
    }
    ck_assert_int_eq(vl_bootfs_entry(&fs, NSAMPLE, &f), -VK_ENOENT);
    ck_assert_int_eq(vl_bootfs_entry(&fs, UINT32_MAX, &f), -VK_ENOENT);

    static const char *const hits[] = {"bin/hello",  "/bin/hello", "//bin/hello", "etc/motd",
                                       "/etc/empty", "bin-x/y",    "bin/vsh"};
    for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        ck_assert_int_eq(vl_bootfs_find(&fs, hits[i], &f), 0);
        ck_assert_str_eq(f.name, hits[i] + strspn(hits[i], "/"));
    }
    ck_assert_int_eq(vl_bootfs_find(&fs, "/etc/motd", &f), 0);
    ck_assert_mem_eq(f.data, "Welcome to Veridian\n", 20);

    static const char *const misses[] = {"",         "/",          "bin",        "bin/",
                                         "bin/hell", "bin/hello2", "bin/hello/", "a",
                                         "zzz",      "etc/motd\n", "Bin/hello"};
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        ck_assert_int_eq(vl_bootfs_find(&fs, misses[i], &f), -VK_ENOENT);
    ck_assert_int_eq(vl_bootfs_find(&fs, NULL, &f), -VK_ENOENT);
}
END_TEST

START_TEST(test_empty_archive)
{
    struct vl_bootfs fs;
    struct vl_bootfs_file f;

    build(NULL, 0);
    ck_assert_int_eq(open_img(&fs), 0);
    ck_assert_uint_eq(fs.count, 0);
    ck_assert_int_eq(vl_bootfs_find(&fs, "bin/hello", &f), -VK_ENOENT);
    ck_assert_int_eq(vl_bootfs_entry(&fs, 0, &f), -VK_ENOENT);
    /* The bare 32-byte header is a valid empty image as well. */
    put(img + 16, 32, 8);
    ck_assert_int_eq(vl_bootfs_open(&fs, img, 32), 0);
}
END_TEST

START_TEST(test_many_files)
{
    enum { N = 400 };
    static char names[N][24];
    static struct tfile files[N];
    struct vl_bootfs fs;
    struct vl_bootfs_file f;

    /* Names generated in sorted order: "d%02d/f%04d". */
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "d%02d/f%04d", i / 20, i);
        files[i] = (struct tfile){names[i], 0644, names[i], strlen(names[i])};
    }
    build(files, N);
    ck_assert_int_eq(open_img(&fs), 0);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(vl_bootfs_find(&fs, names[i], &f), 0);
        ck_assert_mem_eq(f.data, names[i], strlen(names[i]));
        char miss[32];
        snprintf(miss, sizeof(miss), "%sx", names[i]);
        ck_assert_int_eq(vl_bootfs_find(&fs, miss, &f), -VK_ENOENT);
    }
}
END_TEST

START_TEST(test_encoders_match_format)
{
    uint8_t h[32], e[32];

    build(sample, NSAMPLE);
    vl_bootfs_encode_header(h, NSAMPLE, img_size);
    ck_assert_mem_eq(h, img, 32);
    for (size_t i = 0; i < NSAMPLE; i++) {
        const uint8_t *x = entry(i);
        vl_bootfs_encode_entry(e, get(x, 8), (uint32_t)get(x + 8, 4), (uint32_t)get(x + 12, 4),
                               get(x + 16, 8), get(x + 24, 8));
        ck_assert_mem_eq(e, x, 32);
    }
    ck_assert_int_lt(vl_bootfs_name_cmp("bin-x", 5, "bin/a", 5), 0);
    ck_assert_int_lt(vl_bootfs_name_cmp("bin", 3, "bin/a", 5), 0);
    ck_assert_int_gt(vl_bootfs_name_cmp("\xff", 1, "a", 1), 0);
    ck_assert_int_eq(vl_bootfs_name_cmp("ab", 2, "ab", 2), 0);
}
END_TEST

/* ---- malformed images ---- */

static void expect_einval(const char *what)
{
    struct vl_bootfs fs = {.base = NULL, .size = 77, .count = 77};
    ck_assert_msg(open_img(&fs) == -VK_EINVAL, "accepted: %s", what);
    ck_assert_uint_eq(fs.count, 77); /* untouched on failure */
}

/* Applies one corruption to a fresh sample image and expects refusal. */
#define CORRUPT(what, stmt)                                                                        \
    do {                                                                                           \
        build(sample, NSAMPLE);                                                                    \
        stmt;                                                                                      \
        expect_einval(what);                                                                       \
    } while (0)

START_TEST(test_bad_header)
{
    struct vl_bootfs fs;

    CORRUPT("magic", img[0] = 'X');
    CORRUPT("magic last byte", img[7] = 's');
    CORRUPT("version 0", put(img + 8, 0, 4));
    CORRUPT("version 2", put(img + 8, 2, 4));
    CORRUPT("reserved", put(img + 24, 1, 8));
    CORRUPT("reserved high", img[31] = 0x80);
    CORRUPT("image_size > len", put(img + 16, img_size + 1, 8));
    CORRUPT("image_size huge", put(img + 16, UINT64_MAX, 8));
    CORRUPT("image_size < header", put(img + 16, 31, 8));
    CORRUPT("count huge", put(img + 12, UINT32_MAX, 4));
    CORRUPT("count past image", put(img + 12, img_size / 32, 4));
    build(sample, NSAMPLE);
    ck_assert_int_eq(vl_bootfs_open(&fs, NULL, img_size), -VK_EINVAL);
    ck_assert_int_eq(vl_bootfs_open(&fs, img, 0), -VK_EINVAL);
}
END_TEST

START_TEST(test_bad_entries)
{
    const uint64_t names_start = 32 + 32 * NSAMPLE;

    /* Data ranges. */
    CORRUPT("data_off misaligned", put(entry(1) + E_DATA_OFF, get(entry(1) + 16, 8) + 1, 8));
    CORRUPT("data_off past end", put(entry(4) + E_DATA_OFF, up4k(img_size + 1), 8));
    CORRUPT("data_len past end", put(entry(4) + E_DATA_LEN, img_size, 8));
    CORRUPT("data_off + len overflows",
            (put(entry(1) + E_DATA_OFF, 4096, 8), put(entry(1) + E_DATA_LEN, UINT64_MAX - 100, 8)));
    CORRUPT("data_off + len overflows exactly",
            put(entry(2) + E_DATA_LEN, UINT64_MAX - get(entry(2) + E_DATA_OFF, 8) + 1, 8));
    CORRUPT("data_off inside header", put(entry(0) + E_DATA_OFF, 0, 8));
    CORRUPT("mode with type bits", put(entry(0) + E_MODE, 0100644, 4));
    CORRUPT("mode setuid", put(entry(0) + E_MODE, 04755, 4));

    /* Names: range, termination, table bounds. */
    CORRUPT("name_off past end", put(entry(0) + E_NAME_OFF, img_size + 5, 8));
    CORRUPT("name_off huge", put(entry(0) + E_NAME_OFF, UINT64_MAX, 8));
    CORRUPT("name_off + len overflows",
            (put(entry(0) + E_NAME_OFF, UINT64_MAX - 2, 8), put(entry(0) + E_NAME_LEN, 10, 4)));
    CORRUPT("name_len huge", put(entry(4) + E_NAME_LEN, UINT32_MAX, 4));
    CORRUPT("name inside entries", put(entry(0) + E_NAME_OFF, names_start - 8, 8));
    CORRUPT("name inside header", put(entry(0) + E_NAME_OFF, 0, 8));
    CORRUPT("name in file data", put(entry(0) + E_NAME_OFF, get(entry(4) + E_DATA_OFF, 8), 8));
    CORRUPT("name_len 0", put(entry(0) + E_NAME_LEN, 0, 4));
    CORRUPT("unterminated (len too short)", put(entry(1) + E_NAME_LEN, 8, 4));
    CORRUPT("NUL inside (len too long)", put(entry(0) + E_NAME_LEN, 8, 4));
    CORRUPT("NUL terminator overwritten", img[get(entry(1), 8) + 9] = 'x');
    /* The last name's NUL sits right before the lowest data offset: move data down onto it. */
    {
        build(sample, NSAMPLE);
        uint64_t last_name_end = get(entry(NSAMPLE - 1), 8) + strlen(sample[NSAMPLE - 1].name);
        uint64_t first_data = get(entry(0) + E_DATA_OFF, 8);
        ck_assert_uint_eq(first_data, up4k(last_name_end + 1));
        /* Stretch the last name to reach the table end exactly (no room for the NUL). */
        memset(img + last_name_end, 'z', first_data - last_name_end);
        put(entry(NSAMPLE - 1) + E_NAME_LEN, first_data - get(entry(NSAMPLE - 1), 8), 4);
        expect_einval("name runs to the end of the table");
    }
}
END_TEST

static void set_name(size_t i, const char *name)
{
    uint64_t off = get(entry(i), 8);
    size_t n = strlen(name);
    memcpy(img + off, name, n + 1);
    put(entry(i) + E_NAME_LEN, n, 4);
}

START_TEST(test_bad_names_and_order)
{
    static const struct tfile two[] = {
        {"aaaaaaaa/bbbb", 0644, "1", 1},
        {"cccccccc/dddd", 0644, "2", 1},
    };
    static const char *const bad[] = {"/aaaaaaa", "aaaaaaa/", "aa//aaaa", "./aaaaaa", "aaa/./aa",
                                      "aaaa/..",  "../aaaaa", ".",        ".."};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build(two, 2);
        set_name(0, bad[i]);
        expect_einval(bad[i]);
    }
    /* Well-formed names that only look odd are fine. */
    static const char *const good[] = {"...", ".a", "a..", "a/.b/c", "a b"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct vl_bootfs fs;
        build(two, 2);
        set_name(0, good[i]);
        ck_assert_msg(open_img(&fs) == 0, "refused: %s", good[i]);
    }

    static const struct tfile unsorted[] = {
        {"etc/motd", 0644, "m", 1},
        {"bin/hello", 0755, "h", 1},
    };
    build(unsorted, 2);
    expect_einval("unsorted");
    static const struct tfile dup[] = {
        {"bin/hello", 0755, "a", 1},
        {"bin/hello", 0755, "b", 1},
    };
    build(dup, 2);
    expect_einval("duplicate");
    static const struct tfile prefix_wrong[] = {
        {"bin/hello", 0755, "a", 1},
        {"bin/hell", 0755, "b", 1},
    };
    build(prefix_wrong, 2);
    expect_einval("longer name before its prefix");
    /* Two entries sharing one name string are duplicates too. */
    build(sample, NSAMPLE);
    put(entry(2) + E_NAME_OFF, get(entry(1), 8), 8);
    put(entry(2) + E_NAME_LEN, get(entry(1) + 8, 4), 4);
    expect_einval("shared name");
}
END_TEST

/* Largest end of any file's data: the image is valid exactly when it reaches that far. */
static uint64_t data_end(size_t n)
{
    uint64_t end = 32;
    for (size_t i = 0; i < n; i++) {
        uint64_t e = get(entry(i) + E_DATA_OFF, 8) + get(entry(i) + E_DATA_LEN, 8);
        end = e > end ? e : end;
    }
    return end;
}

START_TEST(test_truncation_every_length)
{
    struct vl_bootfs fs;
    const struct tfile *set = _i == 0 ? sample : NULL;
    size_t n = _i == 0 ? NSAMPLE : 0;

    build(set, n);
    const uint64_t need = data_end(n);
    const size_t full = img_size;
    for (size_t len = 0; len < full; len++) {
        /* Shorter buffer, header unchanged: always refused. */
        uint8_t *copy = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, img, len);
        ck_assert_int_eq(vl_bootfs_open(&fs, copy, len), -VK_EINVAL);
        /* Header patched to claim the shorter size: valid exactly when the data still fits. */
        if (len >= 32) {
            put(copy + 16, len, 8);
            int rc = vl_bootfs_open(&fs, copy, len);
            ck_assert_int_eq(rc, len >= need ? 0 : -VK_EINVAL);
        }
        free(copy);
    }
    ck_assert_int_eq(vl_bootfs_open(&fs, img, full), 0);
}
END_TEST

/* ---- random corruption: never crash; whatever is accepted is safe to use ---- */

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_accepted(const uint8_t *base, size_t len, const struct vl_bootfs *fs)
{
    struct vl_bootfs_file f, g;
    unsigned sum = 0;

    ck_assert_uint_le(fs->size, len);
    for (uint32_t i = 0; i < fs->count; i++) {
        ck_assert_int_eq(vl_bootfs_entry(fs, i, &f), 0);
        ck_assert((const uint8_t *)f.name >= base);
        ck_assert((const uint8_t *)f.name + f.name_len < base + fs->size);
        ck_assert_uint_eq(strlen(f.name), f.name_len);
        ck_assert_uint_le(f.offset + f.size, fs->size);
        for (uint64_t k = 0; k < f.size; k += 511)
            sum += ((const uint8_t *)f.data)[k];
        ck_assert_int_eq(vl_bootfs_find(fs, f.name, &g), 0);
        ck_assert_ptr_eq(g.name, f.name);
    }
    (void)sum;
}

START_TEST(test_random_mutations)
{
    struct vl_bootfs fs;
    int accepted = 0;

    build(sample, NSAMPLE);
    const size_t meta = 32 + 32 * NSAMPLE + 64; /* header, entries, names */
    uint8_t *work = malloc(img_size);
    ck_assert_ptr_nonnull(work);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(work, img, img_size);
        int flips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < flips; k++) {
            size_t pos = rnd() % 8 ? rnd() % meta : rnd() % img_size;
            work[pos] = rnd() % 3 ? (uint8_t)rnd() : work[pos] ^ (uint8_t)(1u << (rnd() % 8));
        }
        size_t len = rnd() % 16 ? img_size : (size_t)(rnd() % img_size);
        if (vl_bootfs_open(&fs, work, len) == 0) {
            accepted++;
            check_accepted(work, len, &fs);
        }
    }
    free(work);
    ck_assert_int_gt(accepted, 0); /* mutations of file data or padding stay valid */

    /* Pure noise after a valid header prefix. */
    uint8_t noise[4096];
    for (int iter = 0; iter < 5000; iter++) {
        for (size_t k = 0; k < sizeof(noise); k++)
            noise[k] = (uint8_t)rnd();
        memcpy(noise, "VRBOOTFS\x01\0\0\0", 12);
        noise[12] = (uint8_t)(rnd() % 4);
        memset(noise + 13, 0, 3);
        put(noise + 16, 32 + rnd() % 4064, 8);
        memset(noise + 24, 0, 8);
        if (vl_bootfs_open(&fs, noise, sizeof(noise)) == 0)
            check_accepted(noise, sizeof(noise), &fs);
    }
}
END_TEST

/* ---- mkbootfs ---- */

#ifdef MKBOOTFS_PATH

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/test_bootfs_XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void write_tree_file(const char *rel, const char *data, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void mkdir_tree(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

static int run_mkbootfs(const char *root_rel, const char *out_rel)
{
    char cmd[1536];
    snprintf(cmd, sizeof(cmd), "'%s' -o '%s/%s' '%s/%s' 2>'%s/stderr.txt'", MKBOOTFS_PATH, tmpdir,
             out_rel, tmpdir, root_rel, tmpdir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint8_t *slurp(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int exists(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    return access(path, F_OK) == 0;
}

/* The same tree, created in two different orders: directory order must not matter. */
static void populate(const char *root, int reverse)
{
    static const char *const dirs[2][5] = {{"", "/bin", "/etc", "/a", "/a/b"},
                                           {"", "/etc", "/a", "/a/b", "/bin"}};
    static const char *const files[][2] = {
        {"/bin/hello", "#!hello\n"}, {"/etc/motd", "Welcome\n"}, {"/a/b/deep", "deep data"},
        {"/etc/empty", ""},          {"/bin-x", "dash"},
    };
    char p[256];

    for (int k = 0; k < 5; k++) {
        snprintf(p, sizeof(p), "%s%s", root, dirs[reverse][k]);
        mkdir_tree(p);
    }
    for (int k = 0; k < 5; k++) {
        int j = reverse ? 4 - k : k;
        snprintf(p, sizeof(p), "%s%s", root, files[j][0]);
        write_tree_file(p, files[j][1], j == 0 ? 0755 : 0644);
    }
}

START_TEST(test_mkbootfs_roundtrip)
{
    struct vl_bootfs fs;
    struct vl_bootfs_file f;
    size_t n1, n2, n3;

    make_tmpdir();
    populate("r1", 0);
    populate("r2", 1);
    /* A symlink to a file is followed and packed as a regular file. */
    char link[512];
    snprintf(link, sizeof(link), "%s/r1/etc/motd-link", tmpdir);
    ck_assert_int_eq(symlink("motd", link), 0);
    snprintf(link, sizeof(link), "%s/r2/etc/motd-link", tmpdir);
    ck_assert_int_eq(symlink("motd", link), 0);

    ck_assert_int_eq(run_mkbootfs("r1", "one.img"), 0);
    ck_assert_int_eq(run_mkbootfs("r1", "two.img"), 0);
    ck_assert_int_eq(run_mkbootfs("r2", "three.img"), 0);
    uint8_t *one = slurp("one.img", &n1), *two = slurp("two.img", &n2),
            *three = slurp("three.img", &n3);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(two);
    ck_assert_ptr_nonnull(three);
    ck_assert_uint_eq(n1, n2);
    ck_assert_uint_eq(n1, n3);
    ck_assert_mem_eq(one, two, n1);
    ck_assert_mem_eq(one, three, n1);
    ck_assert_uint_eq(n1 % 4096, 0);

    ck_assert_int_eq(vl_bootfs_open(&fs, one, n1), 0);
    ck_assert_uint_eq(fs.count, 6);
    static const char *const order[] = {"a/b/deep",  "bin-x",    "bin/hello",
                                        "etc/empty", "etc/motd", "etc/motd-link"};
    for (uint32_t i = 0; i < 6; i++) {
        ck_assert_int_eq(vl_bootfs_entry(&fs, i, &f), 0);
        ck_assert_str_eq(f.name, order[i]);
        ck_assert_uint_eq(f.offset % 4096, 0);
    }
    ck_assert_int_eq(vl_bootfs_find(&fs, "/bin/hello", &f), 0);
    ck_assert_uint_eq(f.mode, 0755);
    ck_assert_uint_eq(f.size, 8);
    ck_assert_mem_eq(f.data, "#!hello\n", 8);
    ck_assert_int_eq(vl_bootfs_find(&fs, "etc/motd-link", &f), 0);
    ck_assert_uint_eq(f.mode, 0644);
    ck_assert_mem_eq(f.data, "Welcome\n", 8);
    ck_assert_int_eq(vl_bootfs_find(&fs, "etc/empty", &f), 0);
    ck_assert_uint_eq(f.size, 0);
    ck_assert_int_eq(vl_bootfs_find(&fs, "a/b/deep", &f), 0);
    ck_assert_mem_eq(f.data, "deep data", 9);
    free(one);
    free(two);
    free(three);

    /* An empty tree gives a valid empty image; no temp files are left behind. */
    mkdir_tree("empty");
    ck_assert_int_eq(run_mkbootfs("empty", "empty.img"), 0);
    one = slurp("empty.img", &n1);
    ck_assert_ptr_nonnull(one);
    ck_assert_int_eq(vl_bootfs_open(&fs, one, n1), 0);
    ck_assert_uint_eq(fs.count, 0);
    free(one);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp", tmpdir);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(test_mkbootfs_errors)
{
    char path[512];

    make_tmpdir();
    /* A symlink pointing at itself. */
    mkdir_tree("loop");
    write_tree_file("loop/ok", "x", 0644);
    snprintf(path, sizeof(path), "%s/loop/self", tmpdir);
    ck_assert_int_eq(symlink("self", path), 0);
    ck_assert_int_ne(run_mkbootfs("loop", "loop.img"), 0);
    ck_assert(!exists("loop.img"));
    size_t n;
    char *err = (char *)slurp("stderr.txt", &n);
    ck_assert_ptr_nonnull(err);
    err[n] = '\0';
    ck_assert_msg(strstr(err, "symlink loop") != NULL, "%s", err);
    free(err);

    /* A directory symlink leading back up the tree. */
    mkdir_tree("dirloop");
    mkdir_tree("dirloop/sub");
    snprintf(path, sizeof(path), "%s/dirloop/sub/up", tmpdir);
    ck_assert_int_eq(symlink("..", path), 0);
    ck_assert_int_ne(run_mkbootfs("dirloop", "dirloop.img"), 0);
    ck_assert(!exists("dirloop.img"));

    /* A dangling symlink. */
    mkdir_tree("dangling");
    snprintf(path, sizeof(path), "%s/dangling/gone", tmpdir);
    ck_assert_int_eq(symlink("nowhere", path), 0);
    ck_assert_int_ne(run_mkbootfs("dangling", "dangling.img"), 0);
    ck_assert(!exists("dangling.img"));

    /* An unreadable file (root reads everything, so only as another user). */
    if (geteuid() != 0) {
        mkdir_tree("unreadable");
        write_tree_file("unreadable/secret", "s", 0000);
        ck_assert_int_ne(run_mkbootfs("unreadable", "unreadable.img"), 0);
        ck_assert(!exists("unreadable.img"));
    }

    /* A missing root and bad usage. */
    ck_assert_int_ne(run_mkbootfs("missing", "missing.img"), 0);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "'%s' >/dev/null 2>&1", MKBOOTFS_PATH);
    ck_assert_int_ne(system(cmd), 0);

    /* A failed run leaves an existing image alone. */
    mkdir_tree("good");
    write_tree_file("good/f", "data", 0644);
    ck_assert_int_eq(run_mkbootfs("good", "keep.img"), 0);
    size_t before_len;
    uint8_t *before = slurp("keep.img", &before_len);
    ck_assert_int_ne(run_mkbootfs("loop", "keep.img"), 0);
    size_t after_len;
    uint8_t *after = slurp("keep.img", &after_len);
    ck_assert_ptr_nonnull(after);
    ck_assert_uint_eq(before_len, after_len);
    ck_assert_mem_eq(before, after, before_len);
    free(before);
    free(after);
}
END_TEST

/* Runs mkbootfs with args (shell words) inside tmpdir; stderr to tmpdir/stderr.txt. */
static int run_mk(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s 2>stderr.txt", tmpdir, MKBOOTFS_PATH, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void expect_stderr(const char *needle)
{
    size_t n;
    char *err = (char *)slurp("stderr.txt", &n);
    ck_assert_ptr_nonnull(err);
    err[n] = '\0';
    ck_assert_msg(strstr(err, needle) != NULL, "stderr [%s] lacks [%s]", err, needle);
    free(err);
}

static void expect_same_file(const char *a, const char *b)
{
    size_t na, nb;
    uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb);
    ck_assert_ptr_nonnull(pa);
    ck_assert_ptr_nonnull(pb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(pa, pb, na);
    free(pa);
    free(pb);
}

START_TEST(test_mkbootfs_from_add)
{
    make_tmpdir();
    populate("base", 0);
    ck_assert_int_eq(run_mkbootfs("base", "base.img"), 0);
    /* The same tree edited by hand: one file replaced (and made non-executable), one added
     * in a new directory, one added executable. */
    populate("edited", 0);
    write_tree_file("edited/bin/hello", "replaced", 0644);
    mkdir_tree("edited/new");
    write_tree_file("edited/new/prog",
                    "\x7f"
                    "ELF",
                    0755);
    write_tree_file("edited/etc/services.toml", "[[services]]\n", 0644);
    ck_assert_int_eq(run_mkbootfs("edited", "edited.img"), 0);
    write_tree_file("hello2", "replaced", 0644);
    write_tree_file("prog",
                    "\x7f"
                    "ELF",
                    0755);
    write_tree_file("svc", "[[services]]\n", 0644);

    /* --from + --add gives the bytes of packing the edited tree, whatever the order of the
     * --add options and with or without a leading '/'. */
    ck_assert_int_eq(run_mk("-o out1.img --from base.img --add /bin/hello=hello2 "
                            "--add /new/prog=./prog --add etc/services.toml=svc"),
                     0);
    expect_same_file("out1.img", "edited.img");
    ck_assert_int_eq(run_mk("--add etc/services.toml=svc --add new/prog=prog -o out2.img "
                            "--add bin/hello=hello2 --from base.img"),
                     0);
    expect_same_file("out2.img", "edited.img");

    /* --from alone re-packs the image unchanged; --add alone starts from nothing. */
    ck_assert_int_eq(run_mk("-o same.img --from base.img"), 0);
    expect_same_file("same.img", "base.img");
    ck_assert_int_eq(run_mk("-o one.img --add /bin/prog=prog"), 0);
    size_t n;
    uint8_t *one = slurp("one.img", &n);
    struct vl_bootfs fs;
    struct vl_bootfs_file f;
    ck_assert_int_eq(vl_bootfs_open(&fs, one, n), 0);
    ck_assert_uint_eq(fs.count, 1);
    ck_assert_int_eq(vl_bootfs_find(&fs, "bin/prog", &f), 0);
    ck_assert_uint_eq(f.mode, 0755);
    ck_assert_mem_eq(f.data,
                     "\x7f"
                     "ELF",
                     4);
    free(one);

    /* A ROOTDIR layer over --from, with --add over both. */
    mkdir_tree("overlay");
    mkdir_tree("overlay/bin");
    write_tree_file("overlay/bin/hello", "from overlay", 0755);
    ck_assert_int_eq(run_mk("-o layered.img --from base.img --add etc/motd=svc overlay"), 0);
    one = slurp("layered.img", &n);
    ck_assert_int_eq(vl_bootfs_open(&fs, one, n), 0);
    ck_assert_uint_eq(fs.count, 5);
    ck_assert_int_eq(vl_bootfs_find(&fs, "bin/hello", &f), 0);
    ck_assert_uint_eq(f.size, 12);
    ck_assert_mem_eq(f.data, "from overlay", 12);
    ck_assert_int_eq(vl_bootfs_find(&fs, "etc/motd", &f), 0);
    ck_assert_mem_eq(f.data, "[[services]]\n", 13);
    ck_assert_int_eq(vl_bootfs_find(&fs, "a/b/deep", &f), 0);
    ck_assert_mem_eq(f.data, "deep data", 9);
    free(one);

    /* OUT may be the --from image itself. */
    ck_assert_int_eq(run_mk("-o base.img --from base.img --add /bin/hello=hello2 "
                            "--add /new/prog=./prog --add etc/services.toml=svc"),
                     0);
    expect_same_file("base.img", "edited.img");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp", tmpdir);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(test_mkbootfs_from_add_errors)
{
    make_tmpdir();
    populate("base", 0);
    ck_assert_int_eq(run_mkbootfs("base", "base.img"), 0);
    write_tree_file("f", "data", 0644);
    static const struct {
        const char *args, *err;
    } bad[] = {
        {"-o out.img --from missing.img", "missing.img: No such file"},
        {"-o out.img --from base --add x=f", "base: not a regular file"},
        {"-o out.img --from trunc.img", "trunc.img: not a valid boot image"},
        {"-o out.img --from magic.img", "magic.img: not a valid boot image"},
        {"-o out.img --from empty.img", "empty.img: not a valid boot image"},
        {"-o out.img --from base.img --add x=missing", "missing: No such file"},
        {"-o out.img --from base.img --add x=base", "base: not a regular file"},
        {"-o out.img --from base.img --add x", "expected NAME=FILE"},
        {"-o out.img --from base.img --add x=", "expected NAME=FILE"},
        {"-o out.img --from base.img --add =f", "bad name"},
        {"-o out.img --from base.img --add /=f", "bad name"},
        {"-o out.img --from base.img --add ../x=f", "bad name"},
        {"-o out.img --from base.img --add a//b=f", "bad name"},
        {"-o out.img --from base.img --add a/./b=f", "bad name"},
        {"-o out.img --from base.img --add bin/=f", "bad name"},
        {"-o out.img --from base.img --add bin/x=f --add /bin/x=f", "given twice"},
        {"-o out.img --from base.img --add bin/hello/x=f", "'bin/hello' is a file"},
        {"-o out.img --from base.img --add a/b=f", "'a/b' is a file"},
        {"-o out.img --from base.img --from base.img", "--from given twice"},
        {"-o out.img --from base.img base missing", "usage"},
        {"-o out.img", "usage"},
        {"--from base.img --add x=f", "usage"},
    };

    /* Corrupt images: truncated, wrong magic, empty. */
    size_t n;
    uint8_t *img_bytes = slurp("base.img", &n);
    ck_assert_ptr_nonnull(img_bytes);
    char path[512];
    snprintf(path, sizeof(path), "%s/trunc.img", tmpdir);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(img_bytes, 1, n - 1, f), n - 1);
    fclose(f);
    img_bytes[0] ^= 0xff;
    snprintf(path, sizeof(path), "%s/magic.img", tmpdir);
    f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(img_bytes, 1, n, f), n);
    fclose(f);
    free(img_bytes);
    write_tree_file("empty.img", "", 0644);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(run_mk(bad[i].args) != 0, "%s succeeded", bad[i].args);
        expect_stderr(bad[i].err);
        ck_assert_msg(!exists("out.img"), "%s left out.img", bad[i].args);
    }
    /* A failed run leaves an existing OUT alone, also when OUT is the --from image. */
    ck_assert_int_eq(run_mk("-o keep.img --from base.img"), 0);
    ck_assert_int_ne(run_mk("-o keep.img --from keep.img --add x=missing"), 0);
    expect_same_file("keep.img", "base.img");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp", tmpdir);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

#endif /* MKBOOTFS_PATH */

Suite *bootfs_suite(void);

Suite *bootfs_suite(void)
{
    Suite *s = suite_create("bootfs");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_find_and_entry);
    tcase_add_test(tc, test_empty_archive);
    tcase_add_test(tc, test_many_files);
    tcase_add_test(tc, test_encoders_match_format);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_bad_entries);
    tcase_add_test(tc, test_bad_names_and_order);
    tcase_add_loop_test(tc, test_truncation_every_length, 0, 2);
    tcase_add_test(tc, test_random_mutations);
#ifdef MKBOOTFS_PATH
    tcase_add_test(tc, test_mkbootfs_roundtrip);
    tcase_add_test(tc, test_mkbootfs_errors);
    tcase_add_test(tc, test_mkbootfs_from_add);
    tcase_add_test(tc, test_mkbootfs_from_add_errors);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootfs_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
