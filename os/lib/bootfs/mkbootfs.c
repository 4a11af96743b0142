/*
 * mkbootfs: packs files into a boot image (format: vl_bootfs.h).
 *
 *     mkbootfs -o OUT ROOTDIR
 *     mkbootfs -o OUT [--from IMAGE] [--add NAME=FILE]... [ROOTDIR]
 *
 * The image's entries come from up to three layers, later ones replacing earlier entries of
 * the same name: every entry of an existing image IMAGE (--from; its data and modes are kept),
 * every regular file under ROOTDIR (recursively, symlinks followed; named by its path relative
 * to ROOTDIR), and each --add (the host file FILE, symlinks followed, as entry NAME; leading
 * slashes of NAME are ignored, so "/bin/x=./x" and "bin/x=./x" are the same). Naming one entry
 * twice with --add, or making a name both a file and a directory ("bin/x" and "bin/x/y"), is an
 * error. This is how programs built outside the tree get into an image: start from the build's
 * veridian.bootfs and add or replace files, without a copy of its tree.
 *
 * Entries are sorted bytewise by name, each file's data starts on a 4096-byte boundary and the
 * image is padded to a multiple of 4096. The output depends only on the names, contents and
 * modes of the entries: a host file's mode is 0755 when the owner may execute it, else 0644;
 * no timestamps, owners, directory or argument order, so identical inputs give byte-identical
 * images (and --from A --add x=F gives the bytes of packing A's tree with F at x). Other file
 * types under ROOTDIR (fifos, sockets, devices) are skipped with a warning. Unreadable files,
 * dangling symlinks, symlink loops, a --from image that does not validate (vl_bootfs_open) and
 * a malformed --add are errors.
 *
 * The image is written to a temporary file next to OUT, checked with vl_bootfs_open, and
 * renamed over OUT, so OUT is either the old image or the complete new one (OUT may be the
 * --from image itself: that image is read into memory first).
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

/* Where an entry comes from, in the order the layers apply (a later one replaces). */
enum mk_origin { MK_FROM, MK_TREE, MK_ADD };

struct mk_file {
    char *name; /* relative to the root, '/'-separated */
    size_t name_len;
    char *path;          /* host path to read, or NULL when data is set */
    const uint8_t *data; /* the bytes inside the --from image, or NULL */
    uint64_t size;
    uint32_t mode;
    enum mk_origin origin;
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

/* Appends f; the list owns f.name and f.path from then on, also on failure (-1). */
static int list_push(struct mk_list *l, struct mk_file f)
{
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct mk_file *n = realloc(l->files, ncap * sizeof(*n));
        if (!n) {
            free(f.name);
            free(f.path);
            return -1;
        }
        l->files = n;
        l->cap = ncap;
    }
    f.name_len = strlen(f.name);
    l->files[l->count++] = f;
    return 0;
}

/* A host file (st from stat, so symlinks are followed) as entry name. */
static int list_add(struct mk_list *l, char *name, char *path, const struct stat *st,
                    enum mk_origin origin)
{
    return list_push(l, (struct mk_file){
                            .name = name,
                            .path = path,
                            .size = (uint64_t)st->st_size,
                            .mode = (st->st_mode & S_IXUSR) ? 0755 : 0644,
                            .origin = origin,
                        });
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
    if (list_add(l, name, path, &st, MK_TREE) != 0) {
        mk_error("out of memory");
        return -1; /* list_add freed name and path */
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

/* Name order, then layer order, so the entry that wins is the last of its run. */
static int file_layer_cmp(const void *a, const void *b)
{
    const struct mk_file *fa = a, *fb = b;
    int c = file_cmp(a, b);

    if (c != 0)
        return c;
    return fa->origin < fb->origin ? -1 : fa->origin > fb->origin;
}

/* Reads the whole file at path into *buf (malloc'd; *len bytes). 0 or -1 (reported). */
static int read_whole(const char *path, uint8_t **buf, size_t *len)
{
    struct stat st;
    uint8_t *b = NULL;
    size_t size, got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

    if (fd < 0) {
        mk_error("%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        mk_error("%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        mk_error("%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > SIZE_MAX - 1) {
        mk_error("%s: too large", path);
        goto out;
    }
    size = (size_t)st.st_size;
    b = malloc(size ? size : 1);
    if (!b) {
        mk_error("out of memory");
        goto out;
    }
    while (got < size) {
        ssize_t n = read(fd, b + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            mk_error("%s: read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) {
            mk_error("%s: file shrank while being read", path);
            goto out;
        }
        got += (size_t)n;
    }
    *buf = b;
    *len = size;
    b = NULL;
    rc = 0;
out:
    free(b);
    close(fd);
    return rc;
}

/* --from: every entry of the image in buf (which must outlive the list). 0 or -1 (reported). */
static int add_from_image(struct mk_list *l, const char *path, const uint8_t *buf, size_t len)
{
    struct vl_bootfs fs;
    struct vl_bootfs_file f;

    if (vl_bootfs_open(&fs, buf, len) != 0) {
        mk_error("%s: not a valid boot image (bad magic, version, size, entry, name or offset)",
                 path);
        return -1;
    }
    for (uint32_t i = 0; i < fs.count; i++) {
        char *name;

        if (vl_bootfs_entry(&fs, i, &f) != 0) {
            mk_error("%s: entry %u does not read back", path, i);
            return -1;
        }
        name = strdup(f.name);
        if (!name || list_push(l, (struct mk_file){.name = name,
                                                   .data = f.data,
                                                   .size = f.size,
                                                   .mode = f.mode,
                                                   .origin = MK_FROM}) != 0) {
            mk_error("out of memory");
            return -1;
        }
    }
    return 0;
}

/* --add NAME=FILE. 0 or -1 (reported). */
static int add_spec(struct mk_list *l, const char *spec)
{
    const char *eq = strchr(spec, '='), *name = spec, *file;
    struct stat st, lst;
    char *n = NULL, *p = NULL;

    if (!eq) {
        mk_error("--add %s: expected NAME=FILE", spec);
        return -1;
    }
    file = eq + 1;
    while (name < eq && *name == '/')
        name++;
    if (!vl_bootfs_name_ok(name, (size_t)(eq - name))) {
        mk_error("--add %s: bad name '%.*s' (a path like /bin/x: no empty, '.' or '..' "
                 "component, no trailing '/')",
                 spec, (int)(eq - spec), spec);
        return -1;
    }
    if (!*file) {
        mk_error("--add %s: expected NAME=FILE", spec);
        return -1;
    }
    if (stat(file, &st) != 0) {
        if (errno == ENOENT && lstat(file, &lst) == 0 && S_ISLNK(lst.st_mode))
            mk_error("--add %s: %s: dangling symlink", spec, file);
        else
            mk_error("--add %s: %s: %s", spec, file, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        mk_error("--add %s: %s: not a regular file", spec, file);
        return -1;
    }
    if (access(file, R_OK) != 0) {
        mk_error("--add %s: %s: %s", spec, file, strerror(errno));
        return -1;
    }
    n = strndup(name, (size_t)(eq - name));
    p = strdup(file);
    if (!n || !p) {
        free(n);
        free(p);
        mk_error("out of memory");
        return -1;
    }
    if (list_add(l, n, p, &st, MK_ADD) != 0) {
        mk_error("out of memory");
        return -1;
    }
    return 0;
}

/*
 * Sorts the list and applies the layers: of the entries with one name the last layer's wins;
 * two with one name in one layer (only --add can) and a name that is a file and also has
 * entries under it are errors. 0 or -1 (reported).
 */
static int resolve(struct mk_list *l)
{
    size_t w = 0;

    if (l->count)
        qsort(l->files, l->count, sizeof(l->files[0]), file_layer_cmp);
    for (size_t i = 0; i < l->count; i++) {
        struct mk_file *f = &l->files[i];
        if (i + 1 < l->count && file_cmp(f, &l->files[i + 1]) == 0) {
            if (f->origin == l->files[i + 1].origin) {
                mk_error("%s: %s", f->name,
                         f->origin == MK_ADD ? "given twice with --add" : "duplicate name");
                /* keep the rest owned by the list: move the survivors down first */
                for (size_t k = i; k < l->count; k++)
                    l->files[w++] = l->files[k];
                l->count = w;
                return -1;
            }
            free(f->name);
            free(f->path);
            continue;
        }
        l->files[w++] = *f;
    }
    l->count = w;
    for (size_t i = 0; i < l->count; i++) {
        const struct mk_file *f = &l->files[i];
        for (size_t k = 1; k < f->name_len; k++) {
            if (f->name[k] != '/')
                continue;
            struct mk_file key = {.name = f->name, .name_len = k};
            if (bsearch(&key, l->files, l->count, sizeof(l->files[0]), file_cmp)) {
                mk_error("%s: '%.*s' is a file, so it cannot also be a directory", f->name, (int)k,
                         f->name);
                return -1;
            }
        }
    }
    return 0;
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

/* Copies exactly f->size bytes of f->path (or f->data) to fd; a file that changed size is an
 * error. */
static int copy_file(int fd, const struct mk_file *f, const char *out)
{
    static uint8_t buf[1 << 16];
    uint64_t left = f->size;
    int in, rc = -1;

    if (f->data)
        return f->size > SIZE_MAX ? -1 : write_all(fd, f->data, (size_t)f->size, out);
    in = open(f->path, O_RDONLY | O_CLOEXEC);
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
            mk_error("%s: name too long", l->files[i].name);
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
          "       mkbootfs -o OUT [--from IMAGE] [--add NAME=FILE]... [ROOTDIR]\n"
          "Packs into the boot image OUT (see vl_bootfs.h) the entries of IMAGE, then every\n"
          "regular file under ROOTDIR, then each FILE as entry NAME (e.g. /bin/x=./x); a later\n"
          "source replaces an entry of the same name.\n",
          f);
}

/* Writes the list as OUT through a temporary file next to it. 0 or -1 (reported). */
static int write_out(struct mk_list *l, const char *out)
{
    size_t olen = strlen(out);
    char *tmp = malloc(olen + sizeof(".tmp.XXXXXX"));
    uint64_t size;
    int fd = -1, rc = -1;

    if (!tmp) {
        mk_error("out of memory");
        return -1;
    }
    memcpy(tmp, out, olen);
    memcpy(tmp + olen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    fd = mkstemp(tmp);
    if (fd < 0) {
        mk_error("%s: cannot create a temporary file next to it: %s", out, strerror(errno));
        free(tmp);
        return -1;
    }
    if (fchmod(fd, 0644) != 0) {
        mk_error("%s: chmod: %s", tmp, strerror(errno));
        goto out;
    }
    size = write_image(fd, l, tmp);
    if (size == 0 || verify_image(fd, size, l, tmp) != 0)
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
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"add", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *root = NULL, *from = NULL;
    const char **adds = NULL;
    size_t nadds = 0;
    struct mk_list list = {0};
    struct stat st;
    uint8_t *from_buf = NULL;
    size_t from_len = 0;
    int opt, status = 1;

    adds = calloc((size_t)argc, sizeof(*adds));
    if (!adds) {
        mk_error("out of memory");
        return 1;
    }
    while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            if (from) {
                mk_error("--from given twice");
                goto out;
            }
            from = optarg;
            break;
        case 'a':
            adds[nadds++] = optarg;
            break;
        case 'h':
            usage(stdout);
            status = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    if (optind == argc - 1)
        root = argv[optind];
    if (!out || optind < argc - 1 || (!root && !from && nadds == 0)) {
        usage(stderr);
        goto out;
    }
    /* Check every input before anything is written. */
    if (from && (read_whole(from, &from_buf, &from_len) != 0 ||
                 add_from_image(&list, from, from_buf, from_len) != 0))
        goto out;
    if (root) {
        if (stat(root, &st) != 0) {
            mk_error("%s: %s", root, strerror(errno));
            goto out;
        }
        if (!S_ISDIR(st.st_mode)) {
            mk_error("%s: not a directory", root);
            goto out;
        }
        struct mk_ancestor top = {.dev = st.st_dev, .ino = st.st_ino, .parent = NULL};
        if (walk(&list, root, "", &top) != 0)
            goto out;
    }
    for (size_t i = 0; i < nadds; i++) {
        if (add_spec(&list, adds[i]) != 0)
            goto out;
    }
    if (resolve(&list) != 0 || write_out(&list, out) != 0)
        goto out;
    status = 0;
out:
    list_free(&list);
    free(from_buf);
    free(adds);
    return status;
}
