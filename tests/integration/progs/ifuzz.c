/*
 * ifuzz N SEED: N random requests on init's control channel (opcodes, names, buffer sizes,
 * handles: copies of our init handle, forgeries minted on an endpoint of our own, plain
 * foreign endpoints, a notification), some with deadlines so short that they expire while
 * init works on them. init must answer each (or refuse it) and keep serving: at the end LIST
 * works and names every service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/init.h"
#include "veridian/vk.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) | 1 : 0x2545f4914f6cdd1dull;
    uint32_t init = vr_start_handle(VK_ROLE_INIT);
    static const char *names[] = {
        "vfs", "a", "b", "nosuch", "", "vfs\nx", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    static char buf[20000];
    uint32_t mine, notify;
    if (vk_endpoint_create(&mine) || vk_notify_create(&notify))
        return 1;
    long answered = 0, refused = 0;
    for (long i = 0; i < n; i++) {
        struct vk_call c;
        memset(&c, 0, sizeof c);
        /* start/stop/restart only of services that exist harmlessly: a, b */
        c.msg.opcode = (uint32_t)(next() % 10);
        const char *name = names[next() % (sizeof names / sizeof names[0])];
        if ((c.msg.opcode == VK_INIT_STOP || c.msg.opcode == VK_INIT_RESTART) &&
            !strcmp(name, "vfs"))
            name = "a";
        for (int k = 0; k < 6; k++)
            c.msg.data[k] = next();
        c.send_buf = (uint64_t)(uintptr_t)name;
        c.send_len = next() % 8 ? strlen(name) : next() % 64;
        c.recv_buf = (uint64_t)(uintptr_t)buf;
        c.recv_len = next() % sizeof buf;
        uint32_t nh = next() % 4 == 0 ? 1 + (uint32_t)(next() % 3) : 0;
        for (uint32_t k = 0; k < nh; k++) {
            uint32_t h = 0;
            switch (next() % 4) {
            case 0: /* a forgery: init's own badge values, on our endpoint */
                vk_handle_mint(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, next() % 4, &h);
                break;
            case 1:
                vk_handle_dup(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &h);
                break;
            case 2:
                vk_handle_dup(notify, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, &h);
                break;
            default:
                vk_handle_dup(init, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &h);
                break;
            }
            if (h)
                c.msg.handles[c.msg.flags++] = h;
        }
        /* mostly patient; sometimes the deadline passes while init works on the request */
        uint64_t wait = next() % 4 ? 100000000 : 100 + next() % 2000;
        long rc = vk_call(init, &c, (uint64_t)vk_clock_get() + wait);
        if (rc < 0) /* a refused call leaves its handles with us */
            for (uint32_t k = 0; k < VK_MSG_NHANDLES(c.msg.flags); k++)
                vk_handle_close(c.msg.handles[k]);
        if (rc == 0 && c.msg.opcode == 0)
            answered++;
        else
            refused++;
    }
    struct vk_init_status st[16];
    struct vk_msg m;
    long rc = vr_request(init, VK_INIT_LIST, NULL, 0, st, sizeof st, 0, 0, &m);
    int ok = rc >= 0 && m.data[0] == 3 && !strcmp(st[0].name, "vfs");
    printf("ifuzz: %ld requests: %ld answered, %ld refused; init %s\n", n, answered, refused,
           ok ? "still serves" : "BROKEN");
    return ok ? 0 : 1;
}
