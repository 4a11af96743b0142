/*
 * libFuzzer harness for the vfs library: the input is a little program of operations on a
 * tmpfs namespace (mkdir, symlink, open/create, rename, link, unlink, rmdir, stat, chdir),
 * each taking paths cut from the input (any bytes, so '/', '.', "..", long names and NULs
 * all occur). Nothing may crash, leak or break the library's invariants: at the end every
 * file is closed and the namespace must destroy cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take_path(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    size_t n = 0;
    while (*p < end && **p != 0xff && n < cap - 1)
        out[n++] = (char)*(*p)++;
    if (*p < end)
        (*p)++; /* the separator */
    out[n] = 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vfs_config cfg = {0};
    struct vfs *v;
    struct vfs_fs *root;
    struct tmpfs_config tc = {.max_bytes = 1 << 20, .root_mode = 0777};
    if (vfs_create(&cfg, &v) || tmpfs_create(v, &tc, &root) || vfs_mount_root(v, root, 0))
        abort();
    struct vfs_ctx ctx = {
        .vfs = v, .cred = {(uint32_t)(size & 1) ? 0 : 1000, 1000, 0, NULL}, .umask = 022};
    struct vfs_vnode *cwd = NULL;
    struct vfs_file *open_files[8] = {0};
    static char a[5000], b[5000];
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        uint8_t op = *p++;
        take_path(&p, end, a, sizeof a);
        struct vfs_stat st;
        struct vfs_vnode *vn;
        struct vfs_file *f;
        switch (op % 12) {
        case 0:
            vfs_mkdir(&ctx, NULL, a, 0755);
            break;
        case 1:
            take_path(&p, end, b, sizeof b);
            vfs_symlink(&ctx, a, NULL, b);
            break;
        case 2:
            if (!vfs_open(&ctx, NULL, a, (uint32_t)(op >> 4) * 0101, 0644, &f)) {
                int slot = op & 7;
                if (open_files[slot])
                    vfs_close(open_files[slot]);
                open_files[slot] = f;
                vfs_write(f, a, strlen(a));
            }
            break;
        case 3:
            take_path(&p, end, b, sizeof b);
            vfs_rename(&ctx, NULL, a, NULL, b);
            break;
        case 4:
            take_path(&p, end, b, sizeof b);
            vfs_link(&ctx, NULL, a, NULL, b, 0);
            break;
        case 5:
            vfs_unlink(&ctx, NULL, a);
            break;
        case 6:
            vfs_rmdir(&ctx, NULL, a);
            break;
        case 7:
            vfs_stat(&ctx, NULL, a, &st);
            vfs_lstat(&ctx, NULL, a, &st);
            break;
        case 8:
            if (!vfs_chdir(&ctx, NULL, a, &vn)) {
                if (cwd)
                    vfs_vnode_put(cwd);
                cwd = ctx.cwd = vn;
            }
            break;
        case 9:
            vfs_readlink(&ctx, NULL, a, b, sizeof b);
            break;
        case 10:
            vfs_truncate(&ctx, NULL, a, (int64_t)(op >> 4) * 1000);
            break;
        default:
            vfs_access(&ctx, NULL, a, op >> 5 & 7, 0);
            break;
        }
    }
    for (int i = 0; i < 8; i++)
        if (open_files[i])
            vfs_close(open_files[i]);
    if (cwd)
        vfs_vnode_put(cwd);
    if (vfs_destroy(v))
        abort(); /* a reference leaked somewhere */
    return 0;
}
