/*
 * devecho [NAME]: a device server: registers /dev/NAME with vfs (needs CAP_IPC_CREATE) and
 * serves the vfs file protocol itself: WRITE stores bytes, READ returns
 * "echo:<bytes> opens=<n> closes=<m>". Opens are counted by the distinct per-open badges vfs
 * mints; closes by the kernel's close notices. Without CAP_IPC_CREATE it reports the refusal.
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "echo";
    uint32_t ep, give;
    if (vk_endpoint_create(&ep) ||
        vk_handle_dup(ep, VK_RIGHT_CALL | VK_RIGHT_MINT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER, &give))
        return 1;
    uint32_t res = 0, mine = vr_start_handle(VK_ROLE_SPAWNER);
    struct vk_handle_info hi;
    if (mine && vk_handle_info(mine, &hi) == 0)
        vk_handle_dup(mine, hi.rights, &res); /* a copy to show vfs our rights */
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_REGISTER;
    c.msg.flags = res ? 2 : 1;
    c.msg.handles[0] = give;
    c.msg.handles[1] = res;
    c.send_buf = (uint64_t)(uintptr_t)name;
    c.send_len = strlen(name);
    long rc = vk_call(vr_start_handle(VK_ROLE_NSROOT), &c, VK_DEADLINE_NEVER);
    if (rc || c.msg.opcode) {
        printf("devecho: register /dev/%s: %s\n", name,
               strerror(rc ? (int)-rc : (int)c.msg.opcode));
        fflush(stdout);
        vr_service_ready();
        for (;;)
            vk_wait_many(NULL, 0, VK_DEADLINE_NEVER);
    }
    vr_service_ready();
    char data[256] = "", out[320];
    size_t len = 0;
    uint64_t seen[64];
    unsigned opens = 0, closes = 0;
    struct vk_recv r;
    for (;;) {
        if (vk_receive(ep, &r, VK_DEADLINE_NEVER))
            return 1;
        if (r.kind == VK_RECV_CLOSED) {
            closes++;
            continue;
        }
        int known = 0;
        for (unsigned i = 0; i < opens && i < 64; i++)
            known |= seen[i] == r.badge;
        if (!known && opens < 64)
            seen[opens++] = r.badge;
        r.msg.flags = 0;
        if (r.msg.opcode == VFS_OP_WRITE) {
            long n = vk_msg_read(r.token, 0, data, r.send_len < 255 ? r.send_len : 255);
            len = n > 0 ? (size_t)n : 0;
            data[len] = 0;
            r.msg.opcode = 0;
            r.msg.data[0] = len;
        } else if (r.msg.opcode == VFS_OP_READ) {
            int n = snprintf(out, sizeof out, "echo:%s opens=%u closes=%u", data, opens, closes);
            size_t m = (size_t)n < r.recv_len ? (size_t)n : r.recv_len;
            vk_msg_write(r.token, 0, out, m);
            r.msg.opcode = 0;
            r.msg.data[0] = m;
        } else {
            r.msg.opcode = VK_ENOSYS;
        }
        vk_reply(r.token, &r.msg);
    }
}
