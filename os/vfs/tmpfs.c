/*
 * tmpfs: an in-memory filesystem behind the vfs_fs_ops interface.
 *
 * The generic layer (ops.c) has done every permission, type and name check before an op is
 * called; tmpfs only keeps the data consistent and never leaves an operation half done: any
 * allocation an op needs is made before the first change.
 *
 * Layout and invariants:
 *  - A node embeds its struct vfs_vnode; nlink counts names (directories: 2 + subdirectories,
 *    0 once removed). A node is freed when it has no names, no in-memory references and, for a
 *    directory, no child directory pinning it (a removed directory that is still someone's cwd
 *    keeps its parent for ".."). Everything is freed when the filesystem is destroyed.
 *  - Directories keep their entries in insertion order (a sequence number per entry, starting
 *    at 2: readdir cookies 0 and 1 are "." and "..") plus a hash of names for lookup. Sizes
 *    follow Linux tmpfs: 40 bytes for an empty directory plus 20 per entry.
 *  - Regular files store 4 KiB pages in a radix tree (64-way, height grows with the largest
 *    index) allocated on write; holes read as zeros; truncation frees the pages past the end
 *    and zeroes the tail of the last one. st_blocks is 8 per page.
 *  - Space: max_bytes bounds the pages (long symlinks, 128 bytes or more, take one page as on
 *    Linux). A write that runs out of space stores the pages that fit and returns that count,
 *    or -VK_ENOSPC if none did, like Linux tmpfs; existing data is never touched by a failure.
 */
#include "vfs_internal.h"

#include <stdlib.h>
#include <string.h>

#define TMPFS_FANOUT_SHIFT 6
#define TMPFS_FANOUT (1u << TMPFS_FANOUT_SHIFT)
#define TMPFS_DIRENT_SIZE 20 /* Linux BOGO_DIRENT_SIZE */
#define TMPFS_SHORT_SYMLINK 128

struct tmpfs {
    struct vfs_fs fs;
    uint64_t max_pages; /* 0: unlimited */
    uint64_t used_pages;
    uint64_t max_inodes;
    uint64_t used_inodes;
};

struct tmpfs_node;

struct tmpfs_dirent {
    struct tmpfs_dirent *hnext;
    struct tmpfs_node *node;
    uint64_t seq;
    uint32_t hash;
    uint16_t len;
    char name[];
};

struct tmpfs_radix {
    void *slot[TMPFS_FANOUT];
    uint32_t count;
};

struct tmpfs_node {
    struct vfs_vnode vn; /* first: a vnode pointer is a node pointer */
    union {
        struct {
            struct tmpfs_dirent **buckets;
            uint32_t nbuckets;
            struct tmpfs_dirent **order; /* by seq */
            size_t count, cap;
            uint64_t next_seq;
            struct tmpfs_node *parent; /* pinned; NULL for the root */
            uint32_t pins;             /* child directories whose parent this is */
        } dir;
        struct {
            void *root;
            unsigned height; /* the tree covers indices < 64^height */
            uint64_t pages;
        } file;
        struct {
            char *target; /* NUL-terminated */
            size_t len;
            bool page;
        } link;
    } u;
};

static struct tmpfs *to_tmpfs(struct vfs_fs *fs)
{
    return (struct tmpfs *)fs;
}

static struct tmpfs_node *to_node(struct vfs_vnode *vn)
{
    return (struct tmpfs_node *)vn;
}

static void touch_mc(struct tmpfs_node *n, int64_t now)
{
    n->vn.mtime = n->vn.ctime = now;
}

/* ---------------- pages ---------------- */

static bool page_reserve(struct tmpfs *t)
{
    if (t->max_pages && t->used_pages >= t->max_pages)
        return false;
    t->used_pages++;
    vfs_account_pages(t->fs.vfs, 1);
    return true;
}

static void page_release(struct tmpfs *t, uint64_t n)
{
    t->used_pages -= n;
    vfs_account_pages(t->fs.vfs, -(int64_t)n);
}

static uint64_t radix_span(unsigned height)
{
    /* indices covered by one slot at this height (height 1: one page) */
    return height <= 1 ? 1 : (uint64_t)1 << (TMPFS_FANOUT_SHIFT * (height - 1));
}

static bool radix_covers(unsigned height, uint64_t idx)
{
    if (height == 0)
        return false;
    if (TMPFS_FANOUT_SHIFT * height >= 64)
        return true;
    return idx < ((uint64_t)1 << (TMPFS_FANOUT_SHIFT * height));
}

static void *radix_get(struct tmpfs_node *n, uint64_t idx)
{
    void *node = n->u.file.root;

    if (!radix_covers(n->u.file.height, idx))
        return NULL;
    for (unsigned h = n->u.file.height; node && h > 0; h--) {
        uint64_t span = radix_span(h);
        node = ((struct tmpfs_radix *)node)->slot[(idx / span) % TMPFS_FANOUT];
    }
    return node;
}

/* The page at idx, allocated (zeroed) if absent: -ENOSPC / -ENOMEM. A failure may leave
 * empty interior nodes behind; radix_trim frees them. */
static int radix_get_or_alloc(struct tmpfs *t, struct tmpfs_node *n, uint64_t idx, uint8_t **out)
{
    struct tmpfs_radix *node;
    unsigned i;

    while (!radix_covers(n->u.file.height, idx)) {
        if (n->u.file.root) {
            struct tmpfs_radix *top = calloc(1, sizeof(*top));
            if (!top)
                return -VK_ENOMEM;
            top->slot[0] = n->u.file.root;
            top->count = 1;
            n->u.file.root = top;
        }
        n->u.file.height++;
    }
    if (!n->u.file.root) {
        n->u.file.root = calloc(1, sizeof(struct tmpfs_radix));
        if (!n->u.file.root)
            return -VK_ENOMEM;
    }
    node = n->u.file.root;
    for (unsigned h = n->u.file.height; h > 1; h--) {
        i = (unsigned)((idx / radix_span(h)) % TMPFS_FANOUT);
        if (!node->slot[i]) {
            struct tmpfs_radix *child = calloc(1, sizeof(*child));
            if (!child)
                return -VK_ENOMEM;
            node->slot[i] = child;
            node->count++;
        }
        node = node->slot[i];
    }
    i = (unsigned)(idx % TMPFS_FANOUT);
    if (!node->slot[i]) {
        uint8_t *page;
        if (!page_reserve(t))
            return -VK_ENOSPC;
        page = calloc(1, VFS_PAGE_SIZE);
        if (!page) {
            page_release(t, 1);
            return -VK_ENOMEM;
        }
        node->slot[i] = page;
        node->count++;
        n->u.file.pages++;
        n->vn.blocks = (int64_t)n->u.file.pages * (VFS_PAGE_SIZE / 512);
    }
    *out = node->slot[i];
    return 0;
}

/* Frees every page with index >= first under node (of height h covering base..). Returns true
 * when node became empty (and was freed). */
static bool radix_trim(struct tmpfs *t, struct tmpfs_node *n, struct tmpfs_radix *node, unsigned h,
                       uint64_t base, uint64_t first)
{
    uint64_t span = radix_span(h);

    for (unsigned i = 0; i < TMPFS_FANOUT; i++) {
        uint64_t lo = base + span * i;
        if (!node->slot[i])
            continue;
        if (span > 1 && lo + span <= first)
            continue;
        if (h == 1) {
            if (lo < first)
                continue;
            free(node->slot[i]);
            node->slot[i] = NULL;
            node->count--;
            n->u.file.pages--;
            page_release(t, 1);
        } else if (radix_trim(t, n, node->slot[i], h - 1, lo, first)) {
            node->slot[i] = NULL;
            node->count--;
        }
    }
    if (node->count == 0) {
        free(node);
        return true;
    }
    return false;
}

static void radix_truncate(struct tmpfs *t, struct tmpfs_node *n, uint64_t first)
{
    if (n->u.file.root && radix_trim(t, n, n->u.file.root, n->u.file.height, 0, first)) {
        n->u.file.root = NULL;
        n->u.file.height = 0;
    }
    n->vn.blocks = (int64_t)n->u.file.pages * (VFS_PAGE_SIZE / 512);
}

/* The first index >= idx that is present (want) or absent (!want); UINT64_MAX if none. */
static uint64_t radix_scan(struct tmpfs_radix *node, unsigned h, uint64_t base, uint64_t idx,
                           bool want)
{
    uint64_t span = radix_span(h);

    for (unsigned i = 0; i < TMPFS_FANOUT; i++) {
        uint64_t lo = base + span * i;
        if (lo + span <= idx)
            continue;
        if (!node->slot[i]) {
            if (!want)
                return lo > idx ? lo : idx;
            continue;
        }
        if (h == 1) {
            if (want)
                return lo;
            continue;
        }
        uint64_t r = radix_scan(node->slot[i], h - 1, lo, idx, want);
        if (r != UINT64_MAX)
            return r;
    }
    return UINT64_MAX;
}

/* ---------------- nodes ---------------- */

static void node_free_contents(struct tmpfs *t, struct tmpfs_node *n)
{
    switch (n->vn.mode & VFS_S_IFMT) {
    case VFS_S_IFREG:
        radix_truncate(t, n, 0);
        break;
    case VFS_S_IFLNK:
        if (n->u.link.page)
            page_release(t, 1);
        free(n->u.link.target);
        break;
    case VFS_S_IFDIR:
        free(n->u.dir.buckets);
        free(n->u.dir.order);
        break;
    default:
        break;
    }
}

static void node_free(struct tmpfs *t, struct tmpfs_node *n)
{
    node_free_contents(t, n);
    t->used_inodes--;
    vfs_vnode_fini(&n->vn);
    free(n);
}

/* Frees n if nothing needs it any more, then its parent if that was the last thing pinning
 * a removed directory. */
static void node_maybe_free(struct tmpfs *t, struct tmpfs_node *n)
{
    while (n && n->vn.refs == 0 && n->vn.nlink == 0 &&
           !(vfs_s_isdir(n->vn.mode) && n->u.dir.pins)) {
        struct tmpfs_node *parent = NULL;
        if (vfs_s_isdir(n->vn.mode) && n->u.dir.parent) {
            parent = n->u.dir.parent;
            parent->u.dir.pins--;
        }
        node_free(t, n);
        n = parent;
    }
}

static int node_alloc(struct tmpfs *t, const struct vfs_attr *attr, struct tmpfs_node **out)
{
    struct tmpfs_node *n;

    if (t->max_inodes && t->used_inodes >= t->max_inodes)
        return -VK_ENOSPC;
    n = calloc(1, sizeof(*n));
    if (!n)
        return -VK_ENOMEM;
    vfs_vnode_init(&t->fs, &n->vn, attr);
    t->used_inodes++;
    if (vfs_s_isdir(attr->mode)) {
        n->u.dir.next_seq = 2;
        n->vn.nlink = 2;
        n->vn.size = 2 * TMPFS_DIRENT_SIZE;
    } else {
        n->vn.nlink = 1;
    }
    *out = n;
    return 0;
}

/* ---------------- directories ---------------- */

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static struct tmpfs_dirent *dir_find(struct tmpfs_node *d, const char *name, size_t len)
{
    uint32_t h;

    if (!d->u.dir.nbuckets)
        return NULL;
    h = name_hash(name, len);
    for (struct tmpfs_dirent *e = d->u.dir.buckets[h & (d->u.dir.nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

/* Makes room for one more entry so that dir_insert cannot fail. */
static int dir_reserve(struct tmpfs_node *d)
{
    if (d->u.dir.count + 1 > d->u.dir.cap) {
        size_t cap = d->u.dir.cap ? d->u.dir.cap * 2 : 8;
        struct tmpfs_dirent **order = realloc(d->u.dir.order, cap * sizeof(*order));
        if (!order)
            return -VK_ENOMEM;
        d->u.dir.order = order;
        d->u.dir.cap = cap;
    }
    if (d->u.dir.count + 1 > d->u.dir.nbuckets) {
        uint32_t nb = d->u.dir.nbuckets ? d->u.dir.nbuckets * 2 : 8;
        struct tmpfs_dirent **b = calloc(nb, sizeof(*b));
        if (!b)
            return -VK_ENOMEM;
        for (size_t i = 0; i < d->u.dir.count; i++) {
            struct tmpfs_dirent *e = d->u.dir.order[i];
            e->hnext = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
        free(d->u.dir.buckets);
        d->u.dir.buckets = b;
        d->u.dir.nbuckets = nb;
    }
    return 0;
}

static struct tmpfs_dirent *dirent_new(const char *name, size_t len)
{
    struct tmpfs_dirent *e = malloc(sizeof(*e) + len + 1);

    if (!e)
        return NULL;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->len = (uint16_t)len;
    e->hash = name_hash(name, len);
    e->hnext = NULL;
    e->node = NULL;
    e->seq = 0;
    return e;
}

/* Needs dir_reserve first. */
static void dir_insert(struct tmpfs_node *d, struct tmpfs_dirent *e, struct tmpfs_node *child)
{
    struct tmpfs_dirent **bucket = &d->u.dir.buckets[e->hash & (d->u.dir.nbuckets - 1)];

    e->node = child;
    e->seq = d->u.dir.next_seq++;
    e->hnext = *bucket;
    *bucket = e;
    d->u.dir.order[d->u.dir.count++] = e;
    d->vn.size += TMPFS_DIRENT_SIZE;
}

static size_t dir_index_of_seq(struct tmpfs_node *d, uint64_t seq)
{
    size_t lo = 0, hi = d->u.dir.count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->u.dir.order[mid]->seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void dir_remove(struct tmpfs_node *d, struct tmpfs_dirent *e)
{
    struct tmpfs_dirent **pp = &d->u.dir.buckets[e->hash & (d->u.dir.nbuckets - 1)];
    size_t i;

    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    i = dir_index_of_seq(d, e->seq);
    memmove(&d->u.dir.order[i], &d->u.dir.order[i + 1],
            (d->u.dir.count - i - 1) * sizeof(d->u.dir.order[0]));
    d->u.dir.count--;
    d->vn.size -= TMPFS_DIRENT_SIZE;
}

/* ---------------- ops ---------------- */

static int tmpfs_lookup(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode **out)
{
    struct tmpfs_node *d = to_node(dir), *n;

    if (len == 2 && name[0] == '.' && name[1] == '.') {
        n = d->u.dir.parent ? d->u.dir.parent : d;
    } else {
        struct tmpfs_dirent *e = dir_find(d, name, len);
        if (!e)
            return -VK_ENOENT;
        n = e->node;
    }
    vfs_vnode_ref(&n->vn);
    *out = &n->vn;
    return 0;
}

/* Allocates the node and the entry for name in d; commits nothing. */
static int prepare_entry(struct tmpfs *t, struct tmpfs_node *d, const char *name, size_t len,
                         const struct vfs_attr *attr, struct tmpfs_node **np,
                         struct tmpfs_dirent **ep)
{
    int err = dir_reserve(d);

    if (err)
        return err;
    *ep = dirent_new(name, len);
    if (!*ep)
        return -VK_ENOMEM;
    err = node_alloc(t, attr, np);
    if (err) {
        free(*ep);
        return err;
    }
    return 0;
}

static void commit_entry(struct tmpfs_node *d, struct tmpfs_dirent *e, struct tmpfs_node *n,
                         struct vfs_vnode **out)
{
    dir_insert(d, e, n);
    if (vfs_s_isdir(n->vn.mode)) {
        n->u.dir.parent = d;
        d->u.dir.pins++;
        d->vn.nlink++;
    }
    touch_mc(d, n->vn.ctime);
    vfs_vnode_ref(&n->vn);
    *out = &n->vn;
}

static int tmpfs_create_op(struct vfs_vnode *dir, const char *name, size_t len,
                           const struct vfs_attr *attr, struct vfs_vnode **out)
{
    struct tmpfs *t = to_tmpfs(dir->fs);
    struct tmpfs_node *n;
    struct tmpfs_dirent *e;
    int err = prepare_entry(t, to_node(dir), name, len, attr, &n, &e);

    if (err)
        return err;
    commit_entry(to_node(dir), e, n, out);
    return 0;
}

static int tmpfs_symlink(struct vfs_vnode *dir, const char *name, size_t len, const char *target,
                         size_t target_len, const struct vfs_attr *attr, struct vfs_vnode **out)
{
    struct tmpfs *t = to_tmpfs(dir->fs);
    struct tmpfs_node *n;
    struct tmpfs_dirent *e;
    char *copy;
    int err;

    copy = malloc(target_len + 1);
    if (!copy)
        return -VK_ENOMEM;
    memcpy(copy, target, target_len);
    copy[target_len] = '\0';
    err = prepare_entry(t, to_node(dir), name, len, attr, &n, &e);
    if (err) {
        free(copy);
        return err;
    }
    if (target_len >= TMPFS_SHORT_SYMLINK) {
        if (!page_reserve(t)) {
            free(copy);
            free(e);
            node_free(t, n);
            return -VK_ENOSPC;
        }
        n->u.link.page = true;
        n->vn.blocks = VFS_PAGE_SIZE / 512;
    }
    n->u.link.target = copy;
    n->u.link.len = target_len;
    n->vn.size = (int64_t)target_len;
    commit_entry(to_node(dir), e, n, out);
    return 0;
}

static int tmpfs_link(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn)
{
    struct tmpfs_node *d = to_node(dir);
    struct tmpfs_dirent *e;
    int64_t now = vfs_now(dir->fs->vfs);
    int err = dir_reserve(d);

    if (err)
        return err;
    e = dirent_new(name, len);
    if (!e)
        return -VK_ENOMEM;
    dir_insert(d, e, to_node(vn));
    vn->nlink++;
    vn->ctime = now;
    touch_mc(d, now);
    return 0;
}

static int tmpfs_unlink(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn)
{
    struct tmpfs_node *d = to_node(dir);
    struct tmpfs_dirent *e = dir_find(d, name, len);
    int64_t now = vfs_now(dir->fs->vfs);

    if (!e || &e->node->vn != vn)
        return -VK_ENOENT;
    dir_remove(d, e);
    free(e);
    vn->nlink--;
    vn->ctime = now;
    touch_mc(d, now);
    node_maybe_free(to_tmpfs(dir->fs), to_node(vn));
    return 0;
}

static int tmpfs_rmdir(struct vfs_vnode *dir, const char *name, size_t len, struct vfs_vnode *vn)
{
    struct tmpfs_node *d = to_node(dir), *n = to_node(vn);
    struct tmpfs_dirent *e = dir_find(d, name, len);
    int64_t now = vfs_now(dir->fs->vfs);

    if (!e || e->node != n)
        return -VK_ENOENT;
    if (n->u.dir.count)
        return -VK_ENOTEMPTY;
    dir_remove(d, e);
    free(e);
    n->vn.nlink = 0;
    n->vn.ctime = now;
    d->vn.nlink--;
    touch_mc(d, now);
    node_maybe_free(to_tmpfs(dir->fs), n);
    return 0;
}

static int tmpfs_rename(struct vfs_vnode *odir, const char *oname, size_t olen,
                        struct vfs_vnode *ndir, const char *nname, size_t nlen)
{
    struct tmpfs *t = to_tmpfs(odir->fs);
    struct tmpfs_node *od = to_node(odir), *nd = to_node(ndir), *src, *tgt = NULL;
    struct tmpfs_dirent *eo = dir_find(od, oname, olen), *en = dir_find(nd, nname, nlen), *fresh;
    int64_t now = vfs_now(t->fs.vfs);
    int err;

    if (!eo)
        return -VK_ENOENT;
    src = eo->node;
    if (en) {
        tgt = en->node;
        if (tgt == src)
            return 0;
        if (vfs_s_isdir(tgt->vn.mode) && tgt->u.dir.count)
            return -VK_ENOTEMPTY;
    }
    err = dir_reserve(nd);
    if (err)
        return err;
    fresh = dirent_new(nname, nlen);
    if (!fresh)
        return -VK_ENOMEM;
    /* nothing can fail from here on */
    if (tgt) {
        dir_remove(nd, en);
        free(en);
        tgt->vn.ctime = now;
        if (vfs_s_isdir(tgt->vn.mode)) {
            tgt->vn.nlink = 0;
            nd->vn.nlink--;
        } else {
            tgt->vn.nlink--;
        }
    }
    dir_remove(od, eo);
    free(eo);
    dir_insert(nd, fresh, src);
    if (vfs_s_isdir(src->vn.mode) && od != nd) {
        od->vn.nlink--;
        nd->vn.nlink++;
        od->u.dir.pins--;
        nd->u.dir.pins++;
        src->u.dir.parent = nd;
    }
    src->vn.ctime = now;
    touch_mc(od, now);
    touch_mc(nd, now);
    if (tgt)
        node_maybe_free(t, tgt);
    return 0;
}

static int64_t tmpfs_read(struct vfs_vnode *vn, void *buf, size_t len, int64_t off)
{
    struct tmpfs_node *n = to_node(vn);
    uint8_t *dst = buf;
    uint64_t pos = (uint64_t)off, end;
    size_t done = 0;

    if (off >= vn->size)
        return 0;
    end = (uint64_t)vn->size;
    if (len > end - pos)
        len = (size_t)(end - pos);
    while (done < len) {
        uint64_t idx = pos / VFS_PAGE_SIZE;
        size_t in = (size_t)(pos % VFS_PAGE_SIZE), n_ = VFS_PAGE_SIZE - in;
        uint8_t *page = radix_get(n, idx);
        if (n_ > len - done)
            n_ = len - done;
        if (page)
            memcpy(dst + done, page + in, n_);
        else
            memset(dst + done, 0, n_);
        done += n_;
        pos += n_;
    }
    return (int64_t)done;
}

static int64_t tmpfs_write(struct vfs_vnode *vn, const void *buf, size_t len, int64_t off)
{
    struct tmpfs *t = to_tmpfs(vn->fs);
    struct tmpfs_node *n = to_node(vn);
    const uint8_t *src = buf;
    uint64_t pos = (uint64_t)off;
    size_t done = 0;
    int err = 0;

    while (done < len) {
        uint64_t idx = pos / VFS_PAGE_SIZE;
        size_t in = (size_t)(pos % VFS_PAGE_SIZE), n_ = VFS_PAGE_SIZE - in;
        uint8_t *page;
        err = radix_get_or_alloc(t, n, idx, &page);
        if (err)
            break;
        if (n_ > len - done)
            n_ = len - done;
        memcpy(page + in, src + done, n_);
        done += n_;
        pos += n_;
    }
    if (done == 0)
        return err ? err : 0;
    if ((int64_t)pos > vn->size)
        vn->size = (int64_t)pos;
    touch_mc(n, vfs_now(t->fs.vfs));
    return (int64_t)done;
}

static int tmpfs_truncate(struct vfs_vnode *vn, int64_t size)
{
    struct tmpfs *t = to_tmpfs(vn->fs);
    struct tmpfs_node *n = to_node(vn);

    if (size < vn->size) {
        uint64_t keep = ((uint64_t)size + VFS_PAGE_SIZE - 1) / VFS_PAGE_SIZE;
        radix_truncate(t, n, keep);
        if (size % VFS_PAGE_SIZE) {
            uint8_t *page = radix_get(n, (uint64_t)size / VFS_PAGE_SIZE);
            if (page)
                memset(page + size % VFS_PAGE_SIZE, 0, VFS_PAGE_SIZE - size % VFS_PAGE_SIZE);
        }
    }
    vn->size = size;
    touch_mc(n, vfs_now(t->fs.vfs));
    return 0;
}

static int tmpfs_readdir(struct vfs_vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
    struct tmpfs_node *d = to_node(dir);
    size_t i = dir_index_of_seq(d, *cookie < 2 ? 2 : *cookie);
    struct tmpfs_dirent *e;

    if (i >= d->u.dir.count)
        return 0;
    e = d->u.dir.order[i];
    out->ino = e->node->vn.ino;
    out->type = vfs_mode_to_dt(e->node->vn.mode);
    out->namelen = e->len;
    memcpy(out->name, e->name, e->len + 1);
    *cookie = e->seq + 1;
    out->next = *cookie;
    return 1;
}

static int tmpfs_readlink(struct vfs_vnode *vn, const char **target, size_t *len)
{
    struct tmpfs_node *n = to_node(vn);

    *target = n->u.link.target;
    *len = n->u.link.len;
    return 0;
}

static int64_t tmpfs_seek_data(struct vfs_vnode *vn, int64_t off, bool hole)
{
    struct tmpfs_node *n = to_node(vn);
    uint64_t idx = (uint64_t)off / VFS_PAGE_SIZE, r = UINT64_MAX;
    uint64_t end_idx = ((uint64_t)vn->size + VFS_PAGE_SIZE - 1) / VFS_PAGE_SIZE;
    int64_t pos;

    if (off >= vn->size)
        return -VK_ENXIO;
    if (n->u.file.root && radix_covers(n->u.file.height, idx))
        r = radix_scan(n->u.file.root, n->u.file.height, 0, idx, !hole);
    if (hole && r == UINT64_MAX) {
        /* no hole inside the tree: the first index past what it covers (or idx itself) */
        r = idx;
        if (n->u.file.root && radix_covers(n->u.file.height, idx))
            r = TMPFS_FANOUT_SHIFT * n->u.file.height >= 64
                    ? UINT64_MAX
                    : (uint64_t)1 << (TMPFS_FANOUT_SHIFT * n->u.file.height);
    }
    if (!hole) {
        if (r == UINT64_MAX || r >= end_idx)
            return -VK_ENXIO;
        pos = (int64_t)(r * VFS_PAGE_SIZE);
        return pos > off ? pos : off;
    }
    if (r >= end_idx)
        return vn->size;
    pos = (int64_t)(r * VFS_PAGE_SIZE);
    if (pos < off)
        pos = off;
    return pos < vn->size ? pos : vn->size;
}

static void tmpfs_inactive(struct vfs_vnode *vn)
{
    node_maybe_free(to_tmpfs(vn->fs), to_node(vn));
}

/* Frees the whole tree without recursion (directories can nest deeper than any stack). */
static void tmpfs_destroy(struct vfs_fs *fs)
{
    struct tmpfs *t = to_tmpfs(fs);
    struct tmpfs_node *cur = to_node(fs->root);

    while (cur) {
        if (cur->u.dir.count) {
            struct tmpfs_dirent *e = cur->u.dir.order[cur->u.dir.count - 1];
            struct tmpfs_node *child = e->node;
            dir_remove(cur, e);
            free(e);
            if (vfs_s_isdir(child->vn.mode)) {
                cur = child;
                continue;
            }
            if (--child->vn.nlink == 0)
                node_free(t, child);
            continue;
        }
        struct tmpfs_node *parent = cur->u.dir.parent;
        node_free(t, cur);
        cur = parent;
    }
    free(t);
}

static const struct vfs_fs_ops tmpfs_ops = {
    .lookup = tmpfs_lookup,
    .create = tmpfs_create_op,
    .symlink = tmpfs_symlink,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rmdir = tmpfs_rmdir,
    .rename = tmpfs_rename,
    .read = tmpfs_read,
    .write = tmpfs_write,
    .truncate = tmpfs_truncate,
    .readdir = tmpfs_readdir,
    .readlink = tmpfs_readlink,
    .seek_data = tmpfs_seek_data,
    .inactive = tmpfs_inactive,
    .destroy = tmpfs_destroy,
};

int tmpfs_create(struct vfs *vfs, const struct tmpfs_config *cfg, struct vfs_fs **out)
{
    struct tmpfs *t = calloc(1, sizeof(*t));
    struct tmpfs_node *root;
    struct vfs_attr attr = {
        .mode = VFS_S_IFDIR | (cfg ? cfg->root_mode & VFS_S_IALLUGO : 0755),
        .uid = cfg ? cfg->root_uid : 0,
        .gid = cfg ? cfg->root_gid : 0,
    };
    int err;

    if (!t)
        return -VK_ENOMEM;
    vfs_fs_init(vfs, &t->fs, &tmpfs_ops);
    if (cfg) {
        t->max_pages = cfg->max_bytes / VFS_PAGE_SIZE;
        if (cfg->max_bytes && !t->max_pages)
            t->max_pages = 1; /* a tiny limit still means "limited", not "unlimited" */
        t->max_inodes = cfg->max_inodes;
    }
    err = node_alloc(t, &attr, &root);
    if (err) {
        vfs->stats.filesystems--;
        free(t);
        return err;
    }
    t->fs.root = &root->vn;
    *out = &t->fs;
    return 0;
}
