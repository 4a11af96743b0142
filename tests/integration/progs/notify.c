/*
 * notify: process-level IPC from real guests. Spawns children and waits for them through
 * an exit notification (bits chosen by the parent), binds that notification to an
 * endpoint so one receive returns either a call or the exit, passes an endpoint to a child
 * as a start handle and serves its call (server and client in different processes), and
 * checks the child's view of its handles. Prints one line per check; exits with the number
 * of failures.
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

static int child(const char *mode)
{
    uint32_t ep = vr_start_handle(VK_ROLE_USER + 1);
    struct vk_handle_info hi;
    if (!strcmp(mode, "client")) {
        vk_handle_info(ep, &hi);
        if (hi.type != VK_OBJ_ENDPOINT || (hi.rights & VK_RIGHT_RECV) || hi.badge != 77)
            return 10;
        struct vk_call c;
        memset(&c, 0, sizeof c);
        c.msg.opcode = 9;
        c.msg.data[0] = 1000;
        long rc = vk_call(ep, &c, VK_DEADLINE_NEVER);
        return rc ? 11 : (int)(c.msg.data[0] - 1000);
    }
    return 20 + (int)strlen(mode);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child(argv[1]);
    uint32_t n, ep, send, proc;
    struct vk_proc_info pi;
    expect("notification", vk_notify_create(&n), 0);
    expect("endpoint", vk_endpoint_create(&ep), 0);

    /* a child's exit raises the bits we chose on our notification */
    const char *av1[] = {"/test/notify", "abc", NULL};
    expect("spawn with an exit notification",
           vr_spawn_image_notify("/test/notify", av1, NULL, 0, 0, n, 0x100, &proc), 0);
    struct vk_wait w = {.handle = n, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
    expect("wait on the notification", vk_wait_many(&w, 1, VK_DEADLINE_NEVER), 0);
    expect("the exit bits", (long)w.observed, 0x100);
    expect("bits cleared by the wait", vk_wait_many(&w, 1, 0), -VK_ETIMEDOUT);
    vk_process_info(proc, &pi);
    expect("child's exit code", pi.exit_code, 23);
    expect("process handle says exited", pi.state, VK_PROC_EXITED);
    vk_handle_close(proc);

    /* a client in another process, served here through a badged handle moved to it; its
     * exit then arrives through the notification bound to the same endpoint */
    expect("bind notification to endpoint", vk_notify_bind(n, ep), 0);
    expect("mint a badged send handle",
           vk_handle_mint(ep, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, 77, &send), 0);
    struct vk_start_handle extra = {send, (VK_ROLE_USER + 1) | VK_START_MOVE};
    const char *av2[] = {"/test/notify", "client", NULL};
    expect("spawn client",
           vr_spawn_image_notify("/test/notify", av2, NULL, &extra, 1, n, 0x200, &proc), 0);
    expect("moved handle left us", vk_handle_close(send), -VK_EBADH);
    struct vk_recv r;
    expect("receive the client's call", vk_receive(ep, &r, VK_DEADLINE_NEVER), 0);
    expect("it is a call", r.kind, VK_RECV_CALL);
    expect("with the badge we minted", (long)r.badge, 77);
    vk_process_info(proc, &pi);
    expect("from the child", r.sender_pid, pi.pid);
    r.msg.data[0] += 42;
    expect("reply", vk_reply(r.token, &r.msg), 0);
    expect("receive the exit", vk_receive(ep, &r, VK_DEADLINE_NEVER), 0);
    expect("as a notification", r.kind, VK_RECV_NOTIFY);
    expect("with the exit bits", (long)r.notify_bits, 0x200);
    vk_process_info(proc, &pi);
    expect("client saw our reply", pi.exit_code, 42);
    expect("bits taken by the receive", vk_receive(ep, &r, 0), -VK_ETIMEDOUT);
    return expect_summary("notify");
}
