/*
 * Unit tests for the os/vfs path walker (path.c) against a reference resolver.
 *
 * Each seed builds a random tree twice: in the library (directories with random modes and
 * owners, files, symlinks absolute/relative/dangling/looping/with trailing slashes, tmpfs
 * mounts, some stacked on others, some hiding what they cover) and in a plain model (struct
 * mnode). Then thousands of random paths (".", "..", "//", trailing slashes, over-long names
 * and paths, the empty path, absolute and relative, from random starting directories,
 * hidden ones included, and random context roots) are resolved by vfs_lookup and by
 * ref_walk, a deliberately naive recursive resolver that works on the path string; the two
 * must give the same vnode or the same error, with and without following a final symlink.
 * The reference is written from POSIX/Linux rules, not from path.c: no shared code.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_test.h"

enum { M_DIR, M_FILE, M_LINK };

struct mnode {
    int type;
    char *name;           /* NULL for filesystem roots */
    struct mnode *parent; /* NULL for filesystem roots */
    struct mnode **kids;
    int nkids, capkids;
    char *target;
    uint32_t mode, uid, gid;
    struct mnode *mounted; /* the root of the filesystem mounted on this directory */
    struct mnode *covered; /* for a mounted root: what it covers */
    struct vfs_vnode *vn;  /* a reference held by the model */
};

struct model {
    struct mnode **all;
    int n, cap;
    struct mnode *root;
    uint64_t rng;
};

static struct model M;

static uint64_t rnd(void)
{
    M.rng ^= M.rng << 13;
    M.rng ^= M.rng >> 7;
    M.rng ^= M.rng << 17;
    return M.rng;
}

static int rn(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

static struct mnode *mnode_new(int type, struct mnode *parent, const char *name)
{
    struct mnode *m = calloc(1, sizeof(*m));

    ck_assert_ptr_nonnull(m);
    m->type = type;
    m->parent = parent;
    if (name)
        m->name = strdup(name);
    if (parent) {
        if (parent->nkids == parent->capkids) {
            parent->capkids = parent->capkids ? parent->capkids * 2 : 4;
            parent->kids = realloc(parent->kids, sizeof(*parent->kids) * (size_t)parent->capkids);
        }
        parent->kids[parent->nkids++] = m;
    }
    if (M.n == M.cap) {
        M.cap = M.cap ? M.cap * 2 : 64;
        M.all = realloc(M.all, sizeof(*M.all) * (size_t)M.cap);
    }
    M.all[M.n++] = m;
    return m;
}

static struct mnode *kid(struct mnode *d, const char *name, size_t len)
{
    for (int i = 0; i < d->nkids; i++)
        if (strlen(d->kids[i]->name) == len && memcmp(d->kids[i]->name, name, len) == 0)
            return d->kids[i];
    return NULL;
}

static struct mnode *cross(struct mnode *n)
{
    while (n->mounted)
        n = n->mounted;
    return n;
}

/* ---------------- the reference resolver ---------------- */

struct ref {
    struct mnode *root;
    uint32_t uid, gid;
    int links_left;
};

static int ref_may_search(const struct ref *r, const struct mnode *d)
{
    uint32_t bits;

    if (r->uid == 0)
        return 1;
    if (d->uid == r->uid)
        bits = d->mode >> 6;
    else if (d->gid == r->gid)
        bits = d->mode >> 3;
    else
        bits = d->mode;
    return bits & 1;
}

/* "..": up one directory; out of a mounted root first to what it covers; never above the
 * root (and a mount whose covered directory is the root counts as the root). */
static struct mnode *ref_dotdot(const struct ref *r, struct mnode *cur)
{
    struct mnode *n = cur;

    if (cur == r->root)
        return cur;
    while (n->covered) {
        if (n->covered == r->root)
            return cur;
        n = n->covered;
    }
    if (!n->parent)
        return cur;
    return cross(n->parent);
}

static int ref_walk(struct ref *r, struct mnode *start, const char *path, int follow_last,
                    struct mnode **out)
{
    const char *comp[VFS_PATH_MAX];
    size_t len[VFS_PATH_MAX];
    int n = 0, trailing;
    struct mnode *cur = path[0] == '/' ? r->root : start;

    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        comp[n] = p;
        while (*p && *p != '/')
            p++;
        len[n] = (size_t)(p - comp[n]);
        n++;
    }
    trailing = n > 0 && path[strlen(path) - 1] == '/';
    for (int i = 0; i < n; i++) {
        int last = i == n - 1;
        struct mnode *child;
        if (cur->type != M_DIR)
            return -VK_ENOTDIR;
        if (!ref_may_search(r, cur))
            return -VK_EACCES;
        if (len[i] == 1 && comp[i][0] == '.')
            continue;
        if (len[i] == 2 && comp[i][0] == '.' && comp[i][1] == '.') {
            cur = ref_dotdot(r, cur);
            continue;
        }
        if (len[i] > VFS_NAME_MAX)
            return -VK_ENAMETOOLONG;
        child = kid(cur, comp[i], len[i]);
        if (!child)
            return -VK_ENOENT;
        child = cross(child);
        if (child->type == M_LINK && (!last || follow_last || trailing)) {
            struct mnode *res;
            int err;
            if (r->links_left == 0)
                return -VK_ELOOP;
            r->links_left--;
            err = ref_walk(r, cur, child->target, 1, &res);
            if (err)
                return err;
            cur = res;
        } else {
            cur = child;
        }
    }
    if (trailing && cur->type != M_DIR)
        return -VK_ENOTDIR;
    *out = cur;
    return 0;
}

static int ref_lookup(struct mnode *root, uint32_t uid, uint32_t gid, struct mnode *start,
                      const char *path, int follow, struct mnode **out)
{
    struct ref r = {.root = root, .uid = uid, .gid = gid, .links_left = VFS_SYMLOOP_MAX};

    if (strlen(path) >= VFS_PATH_MAX)
        return -VK_ENAMETOOLONG;
    if (!path[0])
        return -VK_ENOENT;
    if (path[0] != '/' && start->type != M_DIR)
        return -VK_ENOTDIR;
    return ref_walk(&r, start, path, follow, out);
}

/* ---------------- random trees and paths ---------------- */

static const char *const names[] = {"a", "b", "c", "d", "e", "x", "long"};

static char longname[VFS_NAME_MAX + 2];

static const char *random_name(void)
{
    int k = rn(40);

    if (k == 0)
        return longname + 1; /* 255 bytes: the longest legal name */
    return names[rn(6)];
}

/* A random path into buf: components are names, ".", "..", empty ones ("//"). */
static void random_path(char *buf, size_t size, int maxdepth)
{
    size_t n = 0;
    int depth = 1 + rn(maxdepth);

    buf[0] = '\0';
    if (rn(3) == 0)
        buf[n++] = '/';
    for (int i = 0; i < depth && n + VFS_NAME_MAX + 3 < size; i++) {
        const char *c;
        int k = rn(20);
        if (k < 11)
            c = names[rn(6)];
        else if (k < 13)
            c = ".";
        else if (k < 17)
            c = "..";
        else if (k < 18)
            c = "";
        else if (k < 19)
            c = longname; /* 256 bytes: too long */
        else
            c = longname + 1;
        if (i)
            buf[n++] = '/';
        memcpy(buf + n, c, strlen(c));
        n += strlen(c);
    }
    if (rn(6) == 0)
        buf[n++] = '/';
    buf[n] = '\0';
}

/* A path that mostly follows real names from start (or the root when absolute), so that
 * resolutions go deep and often succeed; sprinkled with ".", "..", "//" and a trailing '/'. */
static void guided_path(char *buf, size_t size, struct mnode *start, struct mnode *root)
{
    size_t n = 0;
    int depth = 1 + rn(8);
    struct mnode *cur = start;

    if (rn(3) == 0) {
        buf[n++] = '/';
        cur = root;
    }
    for (int i = 0; i < depth && n + VFS_NAME_MAX + 4 < size; i++) {
        const char *c;
        int k = rn(12);
        struct mnode *d = cur ? cross(cur) : NULL;
        if (d && d->type == M_DIR && d->nkids && k < 8) {
            struct mnode *next = d->kids[rn(d->nkids)];
            c = next->name;
            cur = next->type == M_DIR ? next : NULL;
        } else if (k < 9) {
            c = ".";
        } else if (k < 11) {
            c = "..";
            cur = cur && cur->parent ? cur->parent : NULL;
        } else {
            c = "";
        }
        if (i)
            buf[n++] = '/';
        memcpy(buf + n, c, strlen(c));
        n += strlen(c);
    }
    if (rn(5) == 0)
        buf[n++] = '/';
    buf[n] = '\0';
}

static struct mnode *random_dir(void)
{
    for (;;) {
        struct mnode *m = M.all[rn(M.n)];
        if (m->type == M_DIR)
            return m;
    }
}

static const uint32_t dir_modes[] = {0755, 0755, 0755, 0711, 0700, 0644, 0750, 0};

static struct vfs_vnode *child_vnode(struct mnode *d, const char *name)
{
    struct vfs_vnode *vn;

    ck_assert_int_eq(vfs_lookup(&vt.rootctx, d->vn, name, VFS_AT_SYMLINK_NOFOLLOW, &vn), 0);
    return vn;
}

static void set_attrs(struct mnode *m)
{
    m->uid = rn(3) == 0 ? 1000 : 0;
    m->gid = rn(4) == 0 ? 1000 : 0;
    if (m->type == M_DIR)
        m->mode = dir_modes[rn(8)];
    else
        m->mode = m->type == M_LINK ? 0777 : 0644;
    m->vn->uid = m->uid;
    m->vn->gid = m->gid;
    m->vn->mode = (m->vn->mode & VFS_S_IFMT) | m->mode;
}

static void build_tree(int ops)
{
    char target[600];

    M.root = mnode_new(M_DIR, NULL, NULL);
    M.root->vn = vfs_root(vt.vfs);
    M.root->mode = 0755;
    for (int i = 0; i < ops; i++) {
        struct mnode *d = random_dir(), *m;
        const char *name = random_name();
        int k = rn(20);
        if (k < 2) {
            /* mount a tmpfs on d (stacking on whatever is mounted there already) */
            struct mnode *top = cross(d);
            struct tmpfs_config cfg = {.root_mode = dir_modes[rn(8)]};
            struct vfs_fs *fs;
            if (top == M.root)
                continue;
            ck_assert_int_eq(tmpfs_create(vt.vfs, &cfg, &fs), 0);
            ck_assert_int_eq(vfs_mount(&vt.rootctx, top->vn, ".", fs, 0), 0);
            m = mnode_new(M_DIR, NULL, NULL);
            m->vn = fs->root;
            vfs_vnode_ref(m->vn);
            m->mode = cfg.root_mode;
            m->covered = top;
            top->mounted = m;
            continue;
        }
        if (kid(d, name, strlen(name)))
            continue;
        if (k < 9) {
            ck_assert_int_eq(vfs_mkdir(&vt.rootctx, d->vn, name, 0755), 0);
            m = mnode_new(M_DIR, d, name);
        } else if (k < 12) {
            struct vfs_file *f;
            ck_assert_int_eq(
                vfs_open(&vt.rootctx, d->vn, name, VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), 0);
            vfs_close(f);
            m = mnode_new(M_FILE, d, name);
        } else {
            int t = rn(10);
            if (t == 0)
                snprintf(target, sizeof(target), "%s", name); /* itself */
            else if (t == 1)
                snprintf(target, sizeof(target), "/");
            else
                random_path(target, sizeof(target), 4);
            if (!target[0])
                snprintf(target, sizeof(target), ".");
            ck_assert_int_eq(vfs_symlink(&vt.rootctx, target, d->vn, name), 0);
            m = mnode_new(M_LINK, d, name);
            m->target = strdup(target);
        }
        m->vn = child_vnode(d, name);
        set_attrs(m);
    }
}

/* Drops the model's references, unmounts everything the tree mounted (newest first, through
 * each mount's root, which the mount itself keeps alive) and frees the model. */
static void release_model(void)
{
    for (int i = 0; i < M.n; i++)
        vfs_vnode_put(M.all[i]->vn);
    for (int i = M.n - 1; i >= 0; i--)
        if (M.all[i]->covered)
            ck_assert_int_eq(vfs_umount(&vt.rootctx, M.all[i]->vn, "."), 0);
    for (int i = 0; i < M.n; i++) {
        free(M.all[i]->name);
        free(M.all[i]->kids);
        free(M.all[i]->target);
        free(M.all[i]);
    }
    free(M.all);
    memset(&M, 0, sizeof(M));
}

static void describe(const struct mnode *m, char *buf, size_t size)
{
    char tmp[4096];

    buf[0] = '\0';
    while (m) {
        const char *name = m->name ? m->name : (m->covered ? "<mnt>" : "");
        snprintf(tmp, sizeof(tmp), "/%.20s%s", name, buf);
        snprintf(buf, size, "%s", tmp);
        m = m->parent ? m->parent : m->covered;
    }
}

START_TEST(test_walker_vs_reference)
{
    static char path[VFS_PATH_MAX + 64];
    struct vfs_ctx ctx = vt.rootctx;
    int compared = 0, ok = 0;

    memset(&M, 0, sizeof(M));
    M.rng = 0x243f6a8885a308d3ull ^ ((uint64_t)_i * 0x9e3779b97f4a7c15ull);
    memset(longname, 'L', VFS_NAME_MAX + 1);
    longname[VFS_NAME_MAX + 1] = '\0';
    build_tree(30 + rn(60));
    /* half the seeds as root, half as a user; some with a context root inside the tree */
    if (_i % 2) {
        ctx.cred.uid = 1000;
        ctx.cred.gid = 1000;
    }
    for (int q = 0; q < 400; q++) {
        struct mnode *start = rn(10) == 0 ? M.all[rn(M.n)] : random_dir();
        /* a context root inside the tree, sometimes one that a mount now covers (Linux: ".."
         * from the mount on it stays put, and "/" still shows what the mount hides) */
        struct mnode *root = rn(4) ? M.root : rn(2) ? cross(random_dir()) : random_dir();
        struct mnode *want = NULL;
        struct vfs_vnode *got = NULL;
        int follow = rn(2), err_ref, err_lib;
        int special = rn(50);
        if (special == 0) {
            path[0] = '\0';
        } else if (special == 1) {
            memset(path, 'a', VFS_PATH_MAX); /* 4096 bytes: too long */
            for (int i = 1; i < VFS_PATH_MAX; i += 2)
                path[i] = '/';
            path[VFS_PATH_MAX] = '\0';
            path[VFS_PATH_MAX - (rn(2) ? 0 : 1)] = '\0'; /* or 4095: fine */
        } else if (rn(2)) {
            guided_path(path, sizeof(path), start, root);
        } else {
            random_path(path, sizeof(path), 10);
        }
        ctx.root = root->vn;
        err_ref = ref_lookup(root, ctx.cred.uid, ctx.cred.gid, start, path, follow, &want);
        err_lib = vfs_lookup(&ctx, start->vn, path, follow ? 0 : VFS_AT_SYMLINK_NOFOLLOW, &got);
        if (err_ref != err_lib || (!err_lib && got != want->vn)) {
            char s[4096], w[4096] = "-";
            describe(start, s, sizeof(s));
            if (want)
                describe(want, w, sizeof(w));
            ck_abort_msg("seed %d query %d: path '%.300s' from %s, %s, uid %u: reference %d "
                         "(%s), library %d%s",
                         _i, q, path, s, follow ? "follow" : "nofollow", ctx.cred.uid, err_ref, w,
                         err_lib, !err_lib && !err_ref ? " (another vnode)" : "");
        }
        ok += err_lib == 0;
        compared++;
        vfs_vnode_put(got);
    }
    ck_assert_int_eq(compared, 400);
    ck_assert_int_gt(ok, 0);
    release_model();
}
END_TEST

/* The same walker sits behind every path-taking call: spot-check that the parent walk used by
 * mkdir/unlink/rename agrees with the reference about the parent. */
START_TEST(test_parent_walk_vs_reference)
{
    static char path[VFS_PATH_MAX + 64];
    struct vfs_ctx ctx = vt.rootctx;

    memset(&M, 0, sizeof(M));
    M.rng = 0x13198a2e03707344ull ^ ((uint64_t)_i * 0x9e3779b97f4a7c15ull);
    memset(longname, 'L', VFS_NAME_MAX + 1);
    longname[VFS_NAME_MAX + 1] = '\0';
    build_tree(40 + rn(40));
    for (int q = 0; q < 200; q++) {
        struct mnode *start = random_dir(), *parent = NULL;
        char dirpart[VFS_PATH_MAX + 64];
        struct vfs_stat st;
        int err_ref, err_lib;
        size_t n;
        random_path(path, sizeof(path), 6);
        /* "PATH/newname": the reference resolves PATH (following, as a middle component is);
         * mkdir must fail exactly as that walk does, or create in the right directory */
        n = strlen(path);
        snprintf(dirpart, sizeof(dirpart), "%s", path);
        if (n && path[n - 1] != '/')
            strcat(path, "/");
        strcat(path, "zz_new");
        err_ref = dirpart[0] ? ref_lookup(M.root, 0, 0, start, dirpart, 1, &parent) : 0;
        if (!dirpart[0])
            parent = start;
        if (!err_ref && parent->type != M_DIR)
            err_ref = -VK_ENOTDIR;
        err_lib = vfs_mkdir(&ctx, start->vn, path, 0755);
        if (err_ref != err_lib)
            ck_abort_msg("seed %d: mkdir '%.300s': reference %d, library %d", _i, path, err_ref,
                         err_lib);
        if (!err_lib) {
            /* it must be in the directory the reference found */
            ck_assert_int_eq(vfs_lstat(&ctx, parent->vn, "zz_new", &st), 0);
            ck_assert_int_eq(vfs_rmdir(&ctx, parent->vn, "zz_new"), 0);
        }
    }
    release_model();
}
END_TEST

Suite *path_suite(void);

Suite *path_suite(void)
{
    Suite *s = suite_create("vfs_path");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, vt_setup, vt_teardown);
    tcase_add_loop_test(tc, test_walker_vs_reference, 0, 300);
    tcase_add_loop_test(tc, test_parent_walk_vs_reference, 0, 100);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(path_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
