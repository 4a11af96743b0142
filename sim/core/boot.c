/*
 * Boot: the boot image (bootfs) read from a host file into a read-only memory object, and
 * the first programs spawned from it with the console, the boot image and the spawn right
 * (vrsim's run command, init, tests). The image is validated whole (vl_bootfs_open) before
 * anything uses it.
 */
#include <errno.h>
#include <fcntl.h>
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
