/*
 * vl_bootfs: validation and lookup for boot-image archives; the format is documented in
 * vl_bootfs.h. Portable to the freestanding guest build: no libc beyond <stdint.h> and
 * <stddef.h> (not even <string.h>), no allocation, no globals. Every offset read from the
 * image is range-checked in vl_bootfs_open before anything else dereferences it; lookups then
 * rely on that validation.
 */
#include "vl_bootfs.h"

#include "veridian/errors.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

struct raw_entry {
    uint64_t name_off;
    uint32_t name_len;
    uint32_t mode;
    uint64_t data_off;
    uint64_t data_len;
};

static struct raw_entry read_entry(const uint8_t *base, uint32_t index)
{
    const uint8_t *p = base + VL_BOOTFS_HEADER_SIZE + (uint64_t)index * VL_BOOTFS_ENTRY_SIZE;
    struct raw_entry e = {
        .name_off = rd64(p),
        .name_len = rd32(p + 8),
        .mode = rd32(p + 12),
        .data_off = rd64(p + 16),
        .data_len = rd64(p + 24),
    };
    return e;
}

int vl_bootfs_name_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;

    for (size_t i = 0; i < n; i++) {
        uint8_t ca = (uint8_t)a[i], cb = (uint8_t)b[i];
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

int vl_bootfs_name_ok(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '\0')
            return 0;
        if (i == len || s[i] == '/') {
            size_t clen = i - start;
            if (clen == 0)
                return 0;
            if (s[start] == '.' && (clen == 1 || (clen == 2 && s[start + 1] == '.')))
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

int vl_bootfs_open(struct vl_bootfs *fs, const void *image, size_t len)
{
    const uint8_t *base = image;
    uint64_t image_size, entries_end, names_end;
    uint32_t count;

    if (!base || len < VL_BOOTFS_HEADER_SIZE)
        return -VK_EINVAL;
    /* One 64-bit compare for the magic (it also gives fuzzers a single comparison to solve). */
    if (rd64(base) != rd64((const uint8_t *)VL_BOOTFS_MAGIC))
        return -VK_EINVAL;
    if (rd32(base + 8) != VL_BOOTFS_VERSION || rd64(base + 24) != 0)
        return -VK_EINVAL;
    count = rd32(base + 12);
    image_size = rd64(base + 16);
    if (image_size < VL_BOOTFS_HEADER_SIZE || image_size > (uint64_t)len)
        return -VK_EINVAL;
    entries_end = VL_BOOTFS_HEADER_SIZE + (uint64_t)count * VL_BOOTFS_ENTRY_SIZE;
    if (entries_end > image_size)
        return -VK_EINVAL;

    /* Data ranges, and the end of the name table (the lowest data offset). */
    names_end = image_size;
    for (uint32_t i = 0; i < count; i++) {
        struct raw_entry e = read_entry(base, i);
        if (e.mode & ~0777u)
            return -VK_EINVAL;
        if (e.data_off % VL_BOOTFS_ALIGN != 0 || e.data_off < entries_end ||
            e.data_off > image_size || e.data_len > image_size - e.data_off)
            return -VK_EINVAL;
        if (e.data_off < names_end)
            names_end = e.data_off;
    }

    /* Names: inside the table, NUL-terminated, well formed, strictly increasing. */
    const char *prev = NULL;
    uint32_t prev_len = 0;
    for (uint32_t i = 0; i < count; i++) {
        struct raw_entry e = read_entry(base, i);
        if (e.name_off < entries_end || e.name_off >= names_end ||
            e.name_len >= names_end - e.name_off)
            return -VK_EINVAL;
        const char *name = (const char *)base + e.name_off;
        if (name[e.name_len] != '\0' || !vl_bootfs_name_ok(name, e.name_len))
            return -VK_EINVAL;
        if (prev && vl_bootfs_name_cmp(prev, prev_len, name, e.name_len) >= 0)
            return -VK_EINVAL;
        prev = name;
        prev_len = e.name_len;
    }

    fs->base = base;
    fs->size = image_size;
    fs->count = count;
    return 0;
}

static void fill_file(const struct vl_bootfs *fs, const struct raw_entry *e,
                      struct vl_bootfs_file *out)
{
    out->name = (const char *)fs->base + e->name_off;
    out->name_len = e->name_len;
    out->mode = e->mode;
    out->offset = e->data_off;
    out->size = e->data_len;
    out->data = fs->base + e->data_off;
}

int vl_bootfs_entry(const struct vl_bootfs *fs, uint32_t index, struct vl_bootfs_file *out)
{
    struct raw_entry e;

    if (index >= fs->count)
        return -VK_ENOENT;
    e = read_entry(fs->base, index);
    fill_file(fs, &e, out);
    return 0;
}

int vl_bootfs_find(const struct vl_bootfs *fs, const char *path, struct vl_bootfs_file *out)
{
    size_t len = 0;
    uint32_t lo = 0, hi = fs->count;

    if (!path)
        return -VK_ENOENT;
    while (*path == '/')
        path++;
    while (path[len] != '\0')
        len++;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct raw_entry e = read_entry(fs->base, mid);
        int c = vl_bootfs_name_cmp(path, len, (const char *)fs->base + e.name_off, e.name_len);
        if (c == 0) {
            fill_file(fs, &e, out);
            return 0;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -VK_ENOENT;
}

void vl_bootfs_encode_header(uint8_t out[VL_BOOTFS_HEADER_SIZE], uint32_t count,
                             uint64_t image_size)
{
    const char *magic = VL_BOOTFS_MAGIC;

    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)magic[i];
    wr32(out + 8, VL_BOOTFS_VERSION);
    wr32(out + 12, count);
    wr64(out + 16, image_size);
    wr64(out + 24, 0);
}

void vl_bootfs_encode_entry(uint8_t out[VL_BOOTFS_ENTRY_SIZE], uint64_t name_off, uint32_t name_len,
                            uint32_t mode, uint64_t data_off, uint64_t data_len)
{
    wr64(out, name_off);
    wr32(out + 8, name_len);
    wr32(out + 12, mode);
    wr64(out + 16, data_off);
    wr64(out + 24, data_len);
}
