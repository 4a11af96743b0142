/*
 * sim/backends/blkimage (the contract is in blkimage.h): the image file through pread/pwrite,
 * the overlay as an open-addressing map from block index to a 4 KiB copy or a zero mark.
 * Every mutating call first checks what it needs (range, read-only, budget, map room) and
 * only then changes anything.
 */
#include "blkimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/errors.h"

static const uint8_t zero_block[BLKIMAGE_BLOCK];

/* ---- host I/O ---- */

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -VK_EIO; /* an error, or the file shrank under us */
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -VK_EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* ---- the overlay map ---- */

static uint32_t slot_of(const struct blkimage *im, uint64_t index)
{
    return (uint32_t)((index * 0x9e3779b97f4a7c15ull) >> 32) & (im->cap - 1);
}

static struct blkimage_block *find(const struct blkimage *im, uint64_t index)
{
    if (!im->cap)
        return NULL;
    for (uint32_t s = slot_of(im, index);; s = (s + 1) & (im->cap - 1)) {
        if (im->map[s].index == index)
            return &im->map[s];
        if (im->map[s].index == BLKIMAGE_NO_BLOCK)
            return NULL;
    }
}

/* Room for `more` new entries at most half full: 0 or -VK_ENOMEM (nothing changed). */
static int reserve(struct blkimage *im, uint64_t more)
{
    uint64_t want = (uint64_t)im->count + more;
    uint64_t cap = im->cap ? im->cap : 64;
    while (cap < 2 * want)
        cap *= 2;
    if (cap == im->cap)
        return 0;
    if (cap > UINT32_MAX / 2 + 1)
        return -VK_ENOMEM;
    struct blkimage_block *m = malloc((size_t)cap * sizeof(*m));
    if (!m)
        return -VK_ENOMEM;
    for (uint64_t i = 0; i < cap; i++)
        m[i] = (struct blkimage_block){BLKIMAGE_NO_BLOCK, NULL};
    struct blkimage_block *old = im->map;
    uint32_t old_cap = im->cap;
    im->map = m;
    im->cap = (uint32_t)cap;
    for (uint32_t i = 0; i < old_cap; i++) {
        if (old[i].index == BLKIMAGE_NO_BLOCK)
            continue;
        uint32_t s = slot_of(im, old[i].index);
        while (m[s].index != BLKIMAGE_NO_BLOCK)
            s = (s + 1) & (im->cap - 1);
        m[s] = old[i];
    }
    free(old);
    return 0;
}

/* An entry for index (room reserved by the caller), zero-marked if new. */
static struct blkimage_block *insert(struct blkimage *im, uint64_t index)
{
    struct blkimage_block *b = find(im, index);
    if (b)
        return b;
    uint32_t s = slot_of(im, index);
    while (im->map[s].index != BLKIMAGE_NO_BLOCK)
        s = (s + 1) & (im->cap - 1);
    im->map[s] = (struct blkimage_block){index, NULL};
    im->count++;
    return &im->map[s];
}

/* Bytes of block index inside the image (the last block may be short). */
static size_t block_bytes(const struct blkimage *im, uint64_t index)
{
    uint64_t start = index * BLKIMAGE_BLOCK;
    return im->size - start < BLKIMAGE_BLOCK ? (size_t)(im->size - start) : BLKIMAGE_BLOCK;
}

/* Give entry b its own data: a copy of the file's block, or zeroes (it was zero-marked). The
 * caller checked the budget. */
static int materialize(struct blkimage *im, struct blkimage_block *b, bool from_file)
{
    uint8_t *d = calloc(1, BLKIMAGE_BLOCK);
    int rc;
    if (!d)
        return -VK_ENOMEM;
    if (from_file &&
        (rc = pread_full(im->fd, d, block_bytes(im, b->index), b->index * BLKIMAGE_BLOCK)) < 0) {
        free(d);
        return rc;
    }
    b->data = d;
    im->used += BLKIMAGE_BLOCK;
    return 0;
}

static bool range_ok(const struct blkimage *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

/* ---- the public calls ---- */

int blkimage_open(struct blkimage *im, const struct blkimage_config *cfg)
{
    struct stat st;
    int rc;
    memset(im, 0, sizeof(*im));
    im->fd = -1;
    if (!cfg || !cfg->path) {
        snprintf(im->error, sizeof(im->error), "blkimage: no image path");
        return -VK_EINVAL;
    }
    im->readonly = cfg->readonly;
    im->persist = cfg->persist && !cfg->readonly;
    im->budget = cfg->overlay_budget ? cfg->overlay_budget : BLKIMAGE_DEFAULT_BUDGET;
    im->fd = open(cfg->path, (im->persist ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (im->fd < 0) {
        rc = errno == ENOENT ? -VK_ENOENT : errno == EACCES ? -VK_EACCES : -VK_EIO;
        snprintf(im->error, sizeof(im->error), "blkimage: %s: cannot open%s: %s", cfg->path,
                 im->persist ? " for writing (persist)" : "", strerror(errno));
        goto fail;
    }
    if (fstat(im->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = -VK_EINVAL;
        snprintf(im->error, sizeof(im->error), "blkimage: %s: not a regular file", cfg->path);
        goto fail_fd;
    }
    if (st.st_size % 512) {
        rc = -VK_EINVAL;
        snprintf(im->error, sizeof(im->error),
                 "blkimage: %s: size %lld is not a multiple of 512 bytes", cfg->path,
                 (long long)st.st_size);
        goto fail_fd;
    }
    im->size = (uint64_t)st.st_size;
    if (!(im->path = strdup(cfg->path))) {
        rc = -VK_ENOMEM;
        snprintf(im->error, sizeof(im->error), "blkimage: %s: out of memory", cfg->path);
        goto fail_fd;
    }
    return 0;

fail_fd:
    close(im->fd);
fail:
    im->fd = -1;
    return rc;
}

void blkimage_close(struct blkimage *im)
{
    for (uint32_t i = 0; i < im->cap; i++)
        free(im->map[i].data);
    free(im->map);
    free(im->path);
    if (im->fd >= 0)
        close(im->fd);
    im->map = NULL;
    im->path = NULL;
    im->cap = im->count = 0;
    im->used = 0;
    im->fd = -1;
}

int blkimage_read(struct blkimage *im, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;
    if (!range_ok(im, off, len))
        return -VK_EINVAL;
    if (im->persist)
        return pread_full(im->fd, buf, len, off);
    while (len) {
        uint64_t index = off / BLKIMAGE_BLOCK;
        size_t in = (size_t)(off % BLKIMAGE_BLOCK);
        size_t n = BLKIMAGE_BLOCK - in < len ? BLKIMAGE_BLOCK - in : len;
        const struct blkimage_block *b = find(im, index);
        int rc;
        if (!b) {
            if ((rc = pread_full(im->fd, p, n, off)) < 0)
                return rc;
        } else if (b->data) {
            memcpy(p, b->data + in, n);
        } else {
            memset(p, 0, n);
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* Whether [off, off + len) covers all of block index's bytes in the image. */
static bool covers(const struct blkimage *im, uint64_t off, uint64_t len, uint64_t index)
{
    uint64_t start = index * BLKIMAGE_BLOCK;
    return off <= start && off + len >= start + block_bytes(im, index);
}

/* Admit a change of a non-empty range before any of it is made: the blocks that need new data
 * (for a write every block without data; for zeroing only a partial block (the first or the
 * last) without an entry: zero-marked and data blocks need nothing) must fit the overlay's
 * budget (else -VK_ENOSPC, counted as a refusal), and the entries the range lacks are
 * reserved (reserve's error otherwise). */
static int admit(struct blkimage *im, uint64_t off, uint64_t len, bool zeroing)
{
    uint64_t first = off / BLKIMAGE_BLOCK, last = (off + len - 1) / BLKIMAGE_BLOCK;
    uint64_t need = 0, absent = 0;
    for (uint64_t index = first; index <= last; index++) {
        const struct blkimage_block *b = find(im, index);
        if (!b)
            absent++;
        if (!zeroing)
            need += !b || !b->data;
        else if (!b && !covers(im, off, len, index))
            need++;
    }
    if (need > (im->budget - im->used) / BLKIMAGE_BLOCK) {
        im->refusals++;
        return -VK_ENOSPC;
    }
    return reserve(im, absent);
}

int blkimage_write(struct blkimage *im, uint64_t off, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    int rc;
    if (!range_ok(im, off, len))
        return -VK_EINVAL;
    if (im->readonly)
        return -VK_EROFS;
    if (im->persist)
        return pwrite_full(im->fd, buf, len, off);
    if (!len)
        return 0;
    if ((rc = admit(im, off, len, false)) < 0)
        return rc;
    while (len) {
        uint64_t index = off / BLKIMAGE_BLOCK;
        size_t in = (size_t)(off % BLKIMAGE_BLOCK);
        size_t n = BLKIMAGE_BLOCK - in < len ? BLKIMAGE_BLOCK - in : len;
        struct blkimage_block *b = find(im, index);
        bool from_file = !b;
        if (!b)
            b = insert(im, index);
        if (!b->data && (rc = materialize(im, b, from_file)) < 0)
            return rc; /* host trouble (memory, I/O): the blocks before this one are written */
        memcpy(b->data + in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int blkimage_zero(struct blkimage *im, uint64_t off, uint64_t len)
{
    int rc;
    if (!range_ok(im, off, len))
        return -VK_EINVAL;
    if (im->readonly)
        return -VK_EROFS;
    if (im->persist) {
        for (uint64_t done = 0; done < len; done += BLKIMAGE_BLOCK) {
            size_t n = len - done < BLKIMAGE_BLOCK ? (size_t)(len - done) : BLKIMAGE_BLOCK;
            if ((rc = pwrite_full(im->fd, zero_block, n, off + done)) < 0)
                return rc;
        }
        return 0;
    }
    if (!len)
        return 0;
    if ((rc = admit(im, off, len, true)) < 0)
        return rc;
    while (len) {
        uint64_t index = off / BLKIMAGE_BLOCK;
        uint64_t start = index * BLKIMAGE_BLOCK;
        size_t in = (size_t)(off - start);
        size_t n = BLKIMAGE_BLOCK - in < len ? BLKIMAGE_BLOCK - in : (size_t)len;
        bool full = covers(im, off, n, index);
        struct blkimage_block *b = find(im, index);
        if (full) {
            b = insert(im, index);
            if (b->data) {
                free(b->data);
                b->data = NULL;
                im->used -= BLKIMAGE_BLOCK;
            }
        } else if (!b || b->data) {
            if (!b) {
                b = insert(im, index);
                if ((rc = materialize(im, b, true)) < 0)
                    return rc;
            }
            memset(b->data + in, 0, n);
        } /* else zero-marked already */
        off += n;
        len -= n;
    }
    return 0;
}

int blkimage_flush(struct blkimage *im)
{
    if (im->persist && fsync(im->fd) < 0)
        return -VK_EIO;
    return 0;
}

int blkimage_export(struct blkimage *im, const char *path)
{
    uint8_t buf[BLKIMAGE_BLOCK];
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -VK_EIO;
    for (uint64_t off = 0; off < im->size && rc == 0; off += BLKIMAGE_BLOCK) {
        size_t n = im->size - off < BLKIMAGE_BLOCK ? (size_t)(im->size - off) : BLKIMAGE_BLOCK;
        if ((rc = blkimage_read(im, off, buf, n)) == 0)
            rc = pwrite_full(fd, buf, n, off);
    }
    if (close(fd) < 0 && rc == 0)
        rc = -VK_EIO;
    return rc;
}

/* ---- the model's backend ops ---- */

static int be_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    return blkimage_read(ctx, off, buf, len);
}

static int be_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    return blkimage_write(ctx, off, buf, len);
}

static int be_flush(void *ctx)
{
    return blkimage_flush(ctx);
}

static int be_zero(void *ctx, uint64_t off, uint64_t len)
{
    return blkimage_zero(ctx, off, len);
}

void blkimage_backend(struct blkimage *im, struct virtio_blk_backend_ops *ops)
{
    *ops = (struct virtio_blk_backend_ops){
        .read = be_read,
        .write = be_write,
        .flush = be_flush,
        .discard = be_zero,
        .write_zeroes = be_zero,
        .size = im->size,
        .readonly = im->readonly,
    };
}
