/*
 * mount [-t tmpfs] [-o ro] [SOURCE] DIR: mount a new tmpfs on DIR (the only file system a
 * program can mount today; SOURCE is ignored, "none" or "tmpfs" by custom). Needs
 * CAP_FS_MOUNT: the caller's resource handle (its spawner role) goes with the request and
 * vfs checks its FS_MOUNT right. Without operands: the mount table (/proc/mounts) as
 * "SOURCE on DIR type TYPE (OPTIONS)". Also umount DIR (the same program under that name,
 * or "mount -u DIR"). Exit 0; 1 for a usage error; 32 when the mount failed (util-linux's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

static long request(uint32_t op, const char *dir, uint32_t flags)
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = VFS_FS_TMPFS;
    c.msg.data[1] = flags;
    uint32_t res = 0, mine = vr_start_handle(VK_ROLE_SPAWNER);
    struct vk_handle_info hi;
    if (mine && !vk_handle_info(mine, &hi))
        vk_handle_dup(mine, hi.rights, &res);
    if (res) {
        /* handles[1] carries the resource; a session dup fills slot 0 */
        if (vk_handle_dup(vr_start_handle(VK_ROLE_NSROOT), VK_RIGHT_CALL | VK_RIGHT_TRANSFER,
                          &c.msg.handles[0]))
            return -VK_ENOMEM;
        c.msg.handles[1] = res;
        c.msg.flags = 2;
    }
    c.send_buf = (uint64_t)(uintptr_t)dir;
    c.send_len = strlen(dir);
    long rc = vk_call(vr_start_handle(VK_ROLE_NSROOT), &c, VK_DEADLINE_NEVER);
    return rc ? rc : -(long)c.msg.opcode;
}

static int show(void)
{
    FILE *f = fopen("/proc/mounts", "r");
    if (!f)
        util_die(1, "/proc/mounts: %s", strerror(errno));
    char *line = NULL, *fl[6];
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        if (util_fields(line, fl, 6) >= 4)
            printf("%s on %s type %s (%s)\n", fl[0], fl[1], fl[2], fl[3]);
    free(line);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int unmount = !strcmp(util_name(), "umount"), c;
    uint32_t flags = 0;
    const char *usage = unmount ? "DIR" : "[-t tmpfs] [-o ro] [SOURCE] DIR | -u DIR";
    while ((c = getopt(argc, argv, unmount ? "" : "t:o:u")) != -1) {
        switch (c) {
        case 't':
            if (strcmp(optarg, "tmpfs"))
                util_die(32, "unknown filesystem type '%s'", optarg);
            break;
        case 'o':
            if (!strcmp(optarg, "ro"))
                flags |= 1;
            else if (strcmp(optarg, "rw"))
                util_die(1, "unsupported option '%s'", optarg);
            break;
        case 'u':
            unmount = 1;
            break;
        default:
            util_usage(1, usage);
        }
    }
    int n = argc - optind;
    if (!unmount && n == 0)
        return show();
    if (n < 1 || n > (unmount ? 1 : 2))
        util_usage(1, usage);
    const char *dir = argv[argc - 1];
    long rc = request(unmount ? VFS_OP_UMOUNT : VFS_OP_MOUNT, dir, flags);
    if (rc) {
        util_warn("%s: %s", dir, strerror((int)-rc));
        return 32;
    }
    return 0;
}
