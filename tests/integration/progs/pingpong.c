/*
 * pingpong [N]: two threads of one process do N IPC round trips through an endpoint
 * (call / reply_receive), then print the sum of the replies. The determinism tests run it
 * twice with one seed and compare trace digests; the benchmarks time it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"

static uint32_t ep;

static void server(void *arg)
{
    (void)arg;
    struct vk_recv r;
    long rc = vk_receive(ep, &r, VK_DEADLINE_NEVER);
    while (rc == 0 && r.msg.opcode != 0) {
        r.msg.data[0] += 1;
        rc = vk_reply_receive(r.token, &r.msg, ep, &r, VK_DEADLINE_NEVER);
    }
    if (rc == 0)
        vk_reply(r.token, &r.msg);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    if (vk_endpoint_create(&ep)) {
        printf("pingpong: endpoint_create failed\n");
        return 1;
    }
    uint32_t th;
    if (vr_thread_start(server, NULL, 64 * 1024, &th)) {
        printf("pingpong: thread start failed\n");
        return 1;
    }
    uint64_t sum = 0;
    struct vk_call c;
    for (long i = 0; i < n; i++) {
        memset(&c.msg, 0, sizeof c.msg);
        c.send_len = c.recv_len = 0;
        c.msg.opcode = 1;
        c.msg.data[0] = (uint64_t)i;
        long rc = vk_call(ep, &c, VK_DEADLINE_NEVER);
        if (rc || c.msg.data[0] != (uint64_t)i + 1) {
            printf("pingpong: bad reply at %ld (rc %ld)\n", i, rc);
            return 1;
        }
        sum += c.msg.data[0];
    }
    memset(&c, 0, sizeof c);
    vk_call(ep, &c, VK_DEADLINE_NEVER); /* opcode 0: stop */
    struct vk_wait w = {.handle = th, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    printf("pingpong: %ld round trips, sum=%llu\n", n, (unsigned long long)sum);
    return 0;
}
