/*
 * sandbox_veridian: fsops_enter_root for the Veridian build of fsops (the vrsim half of the
 * differential test). Mirrors sandbox_host.c with the session's own calls: drop to nobody
 * (VFS_OP_SETUID), create ROOTDIR as nobody (in /tmp, which is world-writable), and make it
 * the session's root and cwd (VFS_OP_CHROOT). Root's permission bypass would otherwise hide
 * differences from Linux.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define NOBODY 65534

int fsops_enter_root(const char *dir);

static long session_call(uint32_t op, const char *path, uint64_t d0, uint64_t d1)
{
    long rc = vr_request(vr_start_handle(VK_ROLE_NSROOT), op, path, path ? strlen(path) : 0, NULL,
                         0, d0, d1, NULL);
    return rc > 0 ? 0 : rc;
}

int fsops_enter_root(const char *dir)
{
    if (!vr_start_handle(VK_ROLE_NSROOT))
        return -2; /* no namespace: cannot run here */
    long rc = session_call(VFS_OP_SETUID, NULL, NOBODY, NOBODY);
    if (!rc && mkdir(dir, 0755))
        return -1;
    if (!rc)
        rc = session_call(VFS_OP_CHROOT, dir, 0, 0);
    if (!rc && session_call(VFS_OP_SETUID, NULL, 0, 0) == 0)
        rc = -VK_EPERM; /* the drop must be irreversible */
    if (rc) {
        errno = (int)-rc;
        return -1;
    }
    return 0;
}
