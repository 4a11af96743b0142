/*
 * Boot: the boot image (bootfs) read from a host file into a read-only memory object, and
 * the first programs spawned from it with the console, the boot image and the spawn right
 * (vrsim's run command, init, tests). The image is validated whole (vl_bootfs_open) before
 * anything uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/kernel/platform.h"
#include "sim/core/machine.h"
#include "sim/trace/hash_image.h"
#include "veridian/caps.h"
#include "vl_bootfs.h"

int vs_machine_load_bootfs(struct vk_machine *m, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    int rc = 0;
    struct vk_vmo *v = st.st_size > 0 ? vk_vmo_create_kernel(&m->k, (uint64_t)st.st_size, 1) : NULL;
    if (!v) {
        snprintf(err, errlen, "%s: empty or too large for a boot image", path);
        close(fd);
        return -EINVAL;
    }
    /* when hashed, read in pieces that are hashed while they are still in the cache */
    size_t done = 0, piece = m->opt.hash_bootfs ? (size_t)256 << 10 : (size_t)st.st_size;
    struct vs_image_hash h;
    vs_image_hash_init(&h);
    while (done < (size_t)st.st_size) {
        size_t want = (size_t)st.st_size - done < piece ? (size_t)st.st_size - done : piece;
        ssize_t r = read(fd, (char *)(uintptr_t)v->addr + done, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: short read", path);
            rc = -EIO;
            break;
        }
        if (m->opt.hash_bootfs)
            vs_image_hash_update(&h, (char *)(uintptr_t)v->addr + done, (size_t)r);
        done += (size_t)r;
    }
    m->bootfs_hash = m->opt.hash_bootfs ? vs_image_hash_final(&h) : 0;
    close(fd);
    struct vl_bootfs fs;
    if (!rc && vl_bootfs_open(&fs, (const void *)(uintptr_t)v->addr, done)) {
        snprintf(err, errlen, "%s: not a valid boot image", path);
        rc = -EINVAL;
    }
    if (rc) {
        vk_object_unref(&m->k, &v->o);
        return rc;
    }
    vk_plat_pages_protect(&m->k, v->addr, v->size, 0);
    m->bootfs = v;
    m->bootfs_len = done;
    return 0;
}

/* ---- a boot image with host files laid over it (multi-node machine files: files = {...}) ---- */

struct ov_entry {
    const char *name; /* without the leading '/' */
    size_t name_len;
    uint32_t mode;
    const void *data;
    uint64_t len;
};

static int ov_cmp(const void *a, const void *b)
{
    const struct ov_entry *x = a, *y = b;
    return vl_bootfs_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

static int read_host_file(const char *path, void **out, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -EIO;
    }
    size_t n = (size_t)st.st_size, done = 0;
    char *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    while (done < n) {
        ssize_t r = read(fd, buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    close(fd);
    if (done != n) {
        free(buf);
        snprintf(err, errlen, "%s: short read", path);
        return -EIO;
    }
    *out = buf;
    *len = n;
    return 0;
}

int vs_machine_load_bootfs_overlay(struct vk_machine *m, const char *path,
                                   const struct vs_node_file *files, uint32_t nfiles, char *err,
                                   size_t errlen)
{
    if (!nfiles)
        return vs_machine_load_bootfs(m, path, err, errlen);
    void *base = NULL, *data[VS_NODE_FILES_MAX] = {0};
    size_t base_len = 0, data_len[VS_NODE_FILES_MAX] = {0};
    struct ov_entry *ents = NULL;
    struct vl_bootfs fs;
    int rc = read_host_file(path, &base, &base_len, err, errlen);
    if (rc)
        return rc;
    if (vl_bootfs_open(&fs, base, base_len)) {
        snprintf(err, errlen, "%s: not a valid boot image", path);
        rc = -EINVAL;
        goto out;
    }
    ents = calloc((size_t)fs.count + nfiles, sizeof *ents);
    if (!ents) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < fs.count; i++) {
        struct vl_bootfs_file f;
        if (vl_bootfs_entry(&fs, i, &f))
            continue;
        ents[n++] = (struct ov_entry){f.name, f.name_len, f.mode, f.data, f.size};
    }
    for (uint32_t j = 0; j < nfiles && j < VS_NODE_FILES_MAX; j++) {
        const char *g = files[j].guest;
        while (*g == '/')
            g++;
        if (!vl_bootfs_name_ok(g, strlen(g))) {
            snprintf(err, errlen, "'%s' is not a path a boot image can hold", files[j].guest);
            rc = -EINVAL;
            goto out;
        }
        if ((rc = read_host_file(files[j].host, &data[j], &data_len[j], err, errlen)))
            goto out;
        struct ov_entry e = {g, strlen(g), 0644, data[j], data_len[j]};
        uint32_t k;
        for (k = 0; k < n; k++)
            if (!ov_cmp(&ents[k], &e))
                break;
        if (k < n) {
            e.mode = ents[k].mode; /* a replaced file keeps its mode */
            ents[k] = e;
        } else {
            ents[n++] = e;
        }
    }
    qsort(ents, n, sizeof *ents, ov_cmp);
    /* layout as mkbootfs's: header, entries, names, then every file's data page-aligned */
    uint64_t names_at = VL_BOOTFS_HEADER_SIZE + (uint64_t)n * VL_BOOTFS_ENTRY_SIZE, at = names_at;
    for (uint32_t k = 0; k < n; k++)
        at += ents[k].name_len + 1;
    uint64_t data_at = (at + VL_BOOTFS_ALIGN - 1) & ~(uint64_t)(VL_BOOTFS_ALIGN - 1),
             size = data_at;
    for (uint32_t k = 0; k < n; k++)
        size += (ents[k].len + VL_BOOTFS_ALIGN - 1) & ~(uint64_t)(VL_BOOTFS_ALIGN - 1);
    struct vk_vmo *v = vk_vmo_create_kernel(&m->k, size, 1);
    if (!v) {
        snprintf(err, errlen, "%s with its files: too large for a boot image", path);
        rc = -ENOMEM;
        goto out;
    }
    uint8_t *img = (uint8_t *)(uintptr_t)v->addr;
    memset(img, 0, (size_t)size);
    vl_bootfs_encode_header(img, n, size);
    uint64_t name_off = names_at, off = data_at;
    for (uint32_t k = 0; k < n; k++) {
        vl_bootfs_encode_entry(img + VL_BOOTFS_HEADER_SIZE + (uint64_t)k * VL_BOOTFS_ENTRY_SIZE,
                               name_off, (uint32_t)ents[k].name_len, ents[k].mode, off,
                               ents[k].len);
        memcpy(img + name_off, ents[k].name, ents[k].name_len);
        name_off += ents[k].name_len + 1;
        memcpy(img + off, ents[k].data, (size_t)ents[k].len);
        off += (ents[k].len + VL_BOOTFS_ALIGN - 1) & ~(uint64_t)(VL_BOOTFS_ALIGN - 1);
    }
    if (vl_bootfs_open(&fs, img, (size_t)size)) { /* our own invariant: the reader's view */
        snprintf(err, errlen, "%s with its files: the image built is not valid", path);
        vk_object_unref(&m->k, &v->o);
        rc = -EINVAL;
        goto out;
    }
    vk_plat_pages_protect(&m->k, v->addr, v->size, 0);
    m->bootfs = v;
    m->bootfs_len = (size_t)size;
    rc = 0;
out:
    for (uint32_t j = 0; j < VS_NODE_FILES_MAX; j++)
        free(data[j]);
    free(ents);
    free(base);
    return rc;
}

int vs_machine_spawn(struct vk_machine *m, const char *path, const char *const *argv, size_t argc,
                     int console, struct vk_process **out, char *err, size_t errlen)
{
    struct vk_kernel *k = &m->k;
    if (!m->bootfs) {
        snprintf(err, errlen, "no boot image loaded");
        return -VK_ENOENT;
    }
    struct vl_bootfs fs;
    struct vl_bootfs_file f;
    if (vl_bootfs_open(&fs, (const void *)(uintptr_t)m->bootfs->addr, m->bootfs_len) ||
        vl_bootfs_find(&fs, path, &f)) {
        snprintf(err, errlen, "%s: no such program in the boot image", path);
        return -VK_ENOENT;
    }
    const uint32_t con_rights =
        VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_WAIT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER;
    struct vk_start_handle hs[] = {
        {0, VK_ROLE_STDIN},  {0, VK_ROLE_STDOUT},  {0, VK_ROLE_STDERR},
        {0, VK_ROLE_BOOTFS}, {0, VK_ROLE_SPAWNER},
    };
    struct vk_object *objs[] = {&k->console->o, &k->console->o, &k->console->o, &m->bootfs->o,
                                &m->spawner->o};
    uint32_t rights[] = {con_rights, con_rights, con_rights,
                         VK_RIGHT_READ | VK_RIGHT_MAP | VK_RIGHT_DUP | VK_RIGHT_TRANSFER,
                         VK_CAP_RIGHTS_ALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER};
    uint64_t badges[] = {0, 1, 2, 0, 0};
    const char *envp[] = {"PATH=/bin:/sbin", "HOME=/", "TERM=vt100", NULL};
    struct vk_process *p;
    int rc = vk_process_create(k, path, f.data, f.size, argv, argc, envp, 3, NULL, hs, objs, rights,
                               badges, 5, &p, err, errlen);
    if (rc)
        return rc;
    if (console) {
        vk_object_ref(&p->o);
        m->console_proc = p;
    }
    if (out)
        *out = p;
    return 0;
}
