/*
 * User and group ids: getuid, geteuid, getgid, getegid, setuid, seteuid, setgid, setegid.
 *
 * Credentials live in the process's vfs session (veridian/vfs_proto.h, VFS_OP_GETUID and
 * VFS_OP_SETUID), which vfs checks on every path call; init sets them before a program
 * starts. The POSIX rules are vfs's: an unprivileged process moves its effective id only
 * to its real or saved one. A process holding CAP_SETUID (VK_RIGHT_SETUID on its resource
 * handle, role VK_ROLE_SPAWNER) sends a duplicate of that handle with every set*id call, so
 * vfs treats it as privileged. A process without a session (init, early servers) has no
 * credentials: the get calls report 0 and the set calls fail with ENOSYS.
 */
#include "libc.h"

#include <errno.h>
#include <unistd.h>

#include "veridian/caps.h"
#include "veridian/vfs_proto.h"

/* data[0..5] of VFS_OP_GETUID: real, effective, saved uid; real, effective, saved gid. */
static uid_t get_id(unsigned which)
{
    uint32_t session = vr_vfs_session();
    struct vk_call c = {.msg = {.opcode = VFS_OP_GETUID}};

    if (!session || vr_vfs_call(session, &c, VK_DEADLINE_NEVER, 0) < 0)
        return 0;
    return (uid_t)c.msg.data[which];
}

static int set_id(uint64_t uid, uint64_t gid, uint64_t flags)
{
    uint32_t session = vr_vfs_session(), res = vr_start_handle(VK_ROLE_SPAWNER), dup;
    struct vk_handle_info hi;
    struct vk_call c = {.msg = {.opcode = VFS_OP_SETUID, .data = {uid, gid, flags}}};

    if (!session)
        return vr_posix(-VK_ENOSYS);
    if (res && !vk_handle_info(res, &hi) && (hi.rights & VK_RIGHT_SETUID) &&
        !vk_handle_dup(res, VK_RIGHT_SETUID | VK_RIGHT_TRANSFER, &dup)) {
        c.msg.flags = 1;
        c.msg.handles[0] = dup;
    }
    return (int)vr_posix(vr_vfs_call(session, &c, VK_DEADLINE_NEVER, 0));
}

uid_t getuid(void)
{
    return get_id(0);
}

uid_t geteuid(void)
{
    return get_id(1);
}

gid_t getgid(void)
{
    return (gid_t)get_id(3);
}

gid_t getegid(void)
{
    return (gid_t)get_id(4);
}

int setuid(uid_t uid)
{
    return set_id(uid, VFS_ID_KEEP, 0);
}

int seteuid(uid_t uid)
{
    return set_id(uid, VFS_ID_KEEP, VFS_SETID_EFFECTIVE);
}

int setgid(gid_t gid)
{
    return set_id(VFS_ID_KEEP, gid, 0);
}

int setegid(gid_t gid)
{
    return set_id(VFS_ID_KEEP, gid, VFS_SETID_EFFECTIVE);
}
