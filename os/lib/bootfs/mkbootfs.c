/*
 * mkbootfs: packs a directory tree into a boot image (format: vl_bootfs.h).
 *
 *     mkbootfs -o OUT ROOTDIR
 *
 * Every regular file under ROOTDIR (recursively, symlinks followed) becomes an entry named by
 * its path relative to ROOTDIR; entries are sorted bytewise by name, each file's data starts
 * on a 4096-byte boundary and the image is padded to a multiple of 4096. The output depends
 * only on the names, contents and owner-execute bits of the files: mode is 0755 when the owner
 * may execute the file, else 0644; no timestamps, owners or directory order, so identical
 * trees give byte-identical images. Other file types (fifos, sockets, devices) are skipped
 * with a warning. Unreadable files, dangling symlinks and symlink loops are errors.
 *
 * The image is written to a temporary file next to OUT, checked with vl_bootfs_open, and
 * renamed over OUT, so OUT is either the old image or the complete new one.
 * Host tool: ordinary libc, exits 0 on success, 1 with a message on stderr on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vl_bootfs.h"

struct mk_file {
    char *name; /* relative to the root, '/'-separated */
    size_t name_len;
    char *path; /* host path to read */
    uint64_t size;
    uint32_t mode;
    uint64_t data_off;
};

struct mk_list {
    struct mk_file *files;
    size_t count, cap;
};

/* Directories on the current walk path, to catch loops made of directory symlinks. */
struct mk_ancestor {
    dev_t dev;
    ino_t ino;
    const struct mk_ancestor *parent;
};

static void mk_error(const char *fmt, ...)
{
    va_list ap;

    fputs("mkbootfs: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);

    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static int list_add(struct mk_list *l, char *name, char *path, const struct stat *st)
{
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct mk_file *n = realloc(l->files, ncap * sizeof(*n));
        if (!n)
            return -1;
        l->files = n;
        l->cap = ncap;
    }
    l->files[l->count++] = (struct mk_file){
        .name = name,
        .name_len = strlen(name),
        .path = path,
        .size = (uint64_t)st->st_size,
        .mode = (st->st_mode & S_IXUSR) ? 0755 : 0644,
    };
    return 0;
}

static void list_free(struct mk_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->files[i].name);
        free(l->files[i].path);
    }
    free(l->files);
}

static int walk(struct mk_list *l, const char *dir, const char *rel, const struct mk_ancestor *anc);

/* Handles one directory entry: a file is added, a directory walked. 0 or -1 (reported). */
static int visit(struct mk_list *l, const char *dir, const char *rel, const char *entry,
                 const struct mk_ancestor *anc)
{
    struct stat st, lst;
    char *path = join(dir, entry);
    char *name = rel[0] ? join(rel, entry) : strdup(entry);
    int rc = -1;

    if (!path || !name) {
        mk_error("out of memory");
        goto out;
    }
    if (stat(path, &st) != 0) {
        if (errno == ELOOP)
            mk_error("%s: symlink loop", path);
        else if (errno == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            mk_error("%s: dangling symlink", path);
        else
            mk_error("%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        for (const struct mk_ancestor *a = anc; a; a = a->parent) {
            if (a->dev == st.st_dev && a->ino == st.st_ino) {
                mk_error("%s: symlink loop (leads back to an enclosing directory)", path);
                goto out;
            }
        }
        struct mk_ancestor me = {.dev = st.st_dev, .ino = st.st_ino, .parent = anc};
        rc = walk(l, path, name, &me);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        mk_error("warning: %s: not a regular file, skipped", path);
        rc = 0;
        goto out;
    }
    if (access(path, R_OK) != 0) {
        mk_error("%s: %s", path, strerror(errno));
        goto out;
    }
    if (list_add(l, name, path, &st) != 0) {
        mk_error("out of memory");
        goto out;
    }
    return 0; /* the list owns name and path now */
out:
    free(path);
    free(name);
    return rc;
}

static int walk(struct mk_list *l, const char *dir, const char *rel, const struct mk_ancestor *anc)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int rc = 0;

    if (!d) {
        mk_error("%s: %s", dir, strerror(errno));
        return -1;
    }
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno) {
                mk_error("%s: %s", dir, strerror(errno));
                rc = -1;
            }
            break;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (visit(l, dir, rel, de->d_name, anc) != 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    return rc;
}

static int file_cmp(const void *a, const void *b)
{
    const struct mk_file *fa = a, *fb = b;

    return vl_bootfs_name_cmp(fa->name, fa->name_len, fb->name, fb->name_len);
}

static uint64_t align_up(uint64_t v)
{
    return (v + VL_BOOTFS_ALIGN - 1) & ~(uint64_t)(VL_BOOTFS_ALIGN - 1);
}

static int write_all(int fd, const void *buf, size_t len, const char *what)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            mk_error("%s: write: %s", what, n < 0 ? strerror(errno) : "short write");
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_zeros(int fd, uint64_t len, const char *what)
{
    static const uint8_t zeros[4096];

    while (len > 0) {
        size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
        if (write_all(fd, zeros, n, what) != 0)
            return -1;
        len -= n;
    }
    return 0;
}

/* Copies exactly f->size bytes of f->path to fd; a file that changed size is an error. */
static int copy_file(int fd, const struct mk_file *f, const char *out)
{
    static uint8_t buf[1 << 16];
    uint64_t left = f->size;
    int in = open(f->path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (in < 0) {
        mk_error("%s: %s", f->path, strerror(errno));
        return -1;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            mk_error("%s: read: %s", f->path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if ((uint64_t)n > left) {
            mk_error("%s: file grew while being packed", f->path);
            goto out;
        }
        if (write_all(fd, buf, (size_t)n, out) != 0)
            goto out;
        left -= (uint64_t)n;
    }
    if (left != 0) {
        mk_error("%s: file shrank while being packed", f->path);
        goto out;
    }
    rc = 0;
out:
    close(in);
    return rc;
}

/* Lays the files out and writes the whole image to fd. Returns the image size or 0. */
static uint64_t write_image(int fd, struct mk_list *l, const char *out)
{
    uint8_t rec[VL_BOOTFS_ENTRY_SIZE];
    uint64_t names_off = VL_BOOTFS_HEADER_SIZE + (uint64_t)l->count * VL_BOOTFS_ENTRY_SIZE;
    uint64_t names_len = 0, cursor, image_size;

    if (l->count > UINT32_MAX) {
        mk_error("too many files");
        return 0;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (l->files[i].name_len >= UINT32_MAX) {
            mk_error("%s: name too long", l->files[i].path);
            return 0;
        }
        names_len += l->files[i].name_len + 1;
    }
    cursor = align_up(names_off + names_len);
    for (size_t i = 0; i < l->count; i++) {
        l->files[i].data_off = cursor;
        cursor = align_up(cursor + l->files[i].size);
    }
    image_size = cursor;

    vl_bootfs_encode_header(rec, (uint32_t)l->count, image_size);
    if (write_all(fd, rec, VL_BOOTFS_HEADER_SIZE, out) != 0)
        return 0;
    uint64_t name_off = names_off;
    for (size_t i = 0; i < l->count; i++) {
        const struct mk_file *f = &l->files[i];
        vl_bootfs_encode_entry(rec, name_off, (uint32_t)f->name_len, f->mode, f->data_off, f->size);
        if (write_all(fd, rec, VL_BOOTFS_ENTRY_SIZE, out) != 0)
            return 0;
        name_off += f->name_len + 1;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (write_all(fd, l->files[i].name, l->files[i].name_len + 1, out) != 0)
            return 0;
    }
    uint64_t pos = names_off + names_len;
    for (size_t i = 0; i < l->count; i++) {
        const struct mk_file *f = &l->files[i];
        if (write_zeros(fd, f->data_off - pos, out) != 0 || copy_file(fd, f, out) != 0)
            return 0;
        pos = f->data_off + f->size;
    }
    if (write_zeros(fd, image_size - pos, out) != 0)
        return 0;
    return image_size;
}

/* Reads the new image back through the same validator every consumer uses. */
static int verify_image(int fd, uint64_t size, const struct mk_list *l, const char *out)
{
    struct vl_bootfs fs;
    struct vl_bootfs_file f;
    void *map;
    int rc = -1;

    if (size > SIZE_MAX) {
        mk_error("%s: image too large for this host", out);
        return -1;
    }
    map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        mk_error("%s: mmap: %s", out, strerror(errno));
        return -1;
    }
    if (vl_bootfs_open(&fs, map, (size_t)size) != 0 || fs.count != l->count) {
        mk_error("%s: internal error: the image does not validate", out);
        goto out;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (vl_bootfs_entry(&fs, (uint32_t)i, &f) != 0 || f.size != l->files[i].size ||
            strcmp(f.name, l->files[i].name) != 0) {
            mk_error("%s: internal error: entry %zu does not read back", out, i);
            goto out;
        }
    }
    rc = 0;
out:
    munmap(map, (size_t)size);
    return rc;
}

static void usage(FILE *f)
{
    fputs("usage: mkbootfs -o OUT ROOTDIR\n"
          "Packs every regular file under ROOTDIR into the boot image OUT (see vl_bootfs.h).\n",
          f);
}

int main(int argc, char **argv)
{
    const char *out = NULL, *root;
    struct mk_list list = {0};
    struct stat st;
    char *tmp = NULL;
    int fd = -1, opt, status = 1;
    uint64_t size;

    while ((opt = getopt(argc, argv, "ho:")) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (!out || optind != argc - 1) {
        usage(stderr);
        return 1;
    }
    root = argv[optind];
    if (stat(root, &st) != 0) {
        mk_error("%s: %s", root, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        mk_error("%s: not a directory", root);
        return 1;
    }
    struct mk_ancestor top = {.dev = st.st_dev, .ino = st.st_ino, .parent = NULL};
    if (walk(&list, root, "", &top) != 0)
        goto out;
    if (list.count)
        qsort(list.files, list.count, sizeof(list.files[0]), file_cmp);
    for (size_t i = 1; i < list.count; i++) {
        if (file_cmp(&list.files[i - 1], &list.files[i]) == 0) {
            mk_error("%s: duplicate name", list.files[i].name);
            goto out;
        }
    }

    size_t olen = strlen(out);
    tmp = malloc(olen + sizeof(".tmp.XXXXXX"));
    if (!tmp) {
        mk_error("out of memory");
        goto out;
    }
    memcpy(tmp, out, olen);
    memcpy(tmp + olen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    fd = mkstemp(tmp);
    if (fd < 0) {
        mk_error("%s: cannot create a temporary file next to it: %s", out, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, 0644) != 0) {
        mk_error("%s: chmod: %s", tmp, strerror(errno));
        goto out;
    }
    size = write_image(fd, &list, tmp);
    if (size == 0 || verify_image(fd, size, &list, tmp) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        mk_error("%s: close: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, out) != 0) {
        mk_error("rename %s -> %s: %s", tmp, out, strerror(errno));
        goto out;
    }
    status = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp && status != 0)
        unlink(tmp);
    free(tmp);
    list_free(&list);
    return status;
}
