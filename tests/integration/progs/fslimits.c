/*
 * fslimits [mount]: file system limits and privileges through the POSIX API.
 *   (no argument)  /tmp's size limit gives ENOSPC without losing what is stored; mounting
 *                  without CAP_FS_MOUNT is refused
 *   mount          (run as a service with CAP_FS_MOUNT) mount a tmpfs on /mnt, then be ready
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "expect.h"

static long mount_tmpfs(const char *at, int with_caps)
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_MOUNT;
    c.msg.data[0] = VFS_FS_TMPFS;
    uint32_t res = 0, mine = vr_start_handle(VK_ROLE_SPAWNER);
    struct vk_handle_info hi;
    if (with_caps && mine && !vk_handle_info(mine, &hi))
        vk_handle_dup(mine, hi.rights, &res);
    if (res) {
        c.msg.flags = 2;
        c.msg.handles[0] = 0;
    }
    /* handles[1] carries the resource: send our own session dup in slot 0 as a filler */
    if (res && vk_handle_dup(vr_start_handle(VK_ROLE_NSROOT), VK_RIGHT_CALL | VK_RIGHT_TRANSFER,
                             &c.msg.handles[0]))
        return -1;
    c.msg.handles[1] = res;
    c.send_buf = (uint64_t)(uintptr_t)at;
    c.send_len = strlen(at);
    long rc = vk_call(vr_start_handle(VK_ROLE_NSROOT), &c, VK_DEADLINE_NEVER);
    return rc ? rc : -(long)c.msg.opcode;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "mount")) {
        mkdir("/mnt", 0755);
        long rc = mount_tmpfs("/mnt", 1);
        printf("mounter: mount /mnt: %s\n", rc ? strerror((int)-rc) : "ok");
        fflush(stdout);
        vr_service_ready();
        for (;;)
            vk_wait_many(NULL, 0, VK_DEADLINE_NEVER);
    }
    /* ENOSPC: /tmp holds 64 MiB */
    int keep = open("/tmp/keep", O_WRONLY | O_CREAT, 0644);
    expect("small file", write(keep, "precious", 8), 8);
    close(keep);
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    int fd = open("/tmp/big", O_WRONLY | O_CREAT, 0644);
    long total = 0, n;
    int err = 0;
    while ((n = write(fd, chunk, sizeof chunk)) > 0)
        total += n;
    err = errno;
    expect("filling /tmp ends in ENOSPC", n == -1 && err == ENOSPC, 1);
    expect("about 64 MiB went in", total > (60l << 20) && total <= (64l << 20), 1);
    struct stat st;
    fstat(fd, &st);
    expect("the file keeps what was written", st.st_size, total);
    close(fd);
    char buf[16] = "";
    fd = open("/tmp/keep", O_RDONLY);
    expect("earlier data intact", read(fd, buf, sizeof buf), 8);
    expect("same bytes", !memcmp(buf, "precious", 8), 1);
    close(fd);
    expect("unlink frees the space", unlink("/tmp/big"), 0);
    fd = open("/tmp/big2", O_WRONLY | O_CREAT, 0644);
    expect("room again", write(fd, chunk, sizeof chunk), (long)sizeof chunk);
    close(fd);
    /* mounting needs CAP_FS_MOUNT: the console program does not have it */
    mkdir("/tmp/m", 0755);
    expect("mount without CAP_FS_MOUNT", mount_tmpfs("/tmp/m", 0), -VK_EPERM);
    expect("mount with our (spawn-only) resource", mount_tmpfs("/tmp/m", 1), -VK_EPERM);
    /* a service with CAP_FS_MOUNT mounted /mnt (when configured) */
    if (access("/mnt", F_OK) == 0) {
        fd = open("/mnt/f", O_WRONLY | O_CREAT, 0644);
        expect("write on the mounted tmpfs", write(fd, "m", 1), 1);
        close(fd);
        FILE *f = fopen("/proc/mounts", "r");
        char line[128];
        int seen = 0;
        while (f && fgets(line, sizeof line, f))
            seen |= !strncmp(line, "tmpfs /mnt tmpfs rw", 19);
        if (f)
            fclose(f);
        expect("/proc/mounts lists /mnt", seen, 1);
    }
    return expect_summary("fslimits");
}
