/*
 * svcdemo MODE [ARGS]: a service for init's tests.
 *   ready [MS [CODE]]  signal readiness, then run until killed (or exit with CODE after MS)
 *   slow MS            wait MS of virtual time, then signal readiness and run
 *   crash [MS]         signal readiness, wait MS (default 1), then dereference NULL
 *   exit CODE [MS]     exit with CODE after MS (default 0)
 *   caps               report the resource rights we were given, try to spawn /bin/true,
 *                      signal readiness, run
 * It prints one line when it starts ("svcdemo NAME: MODE") if SVCDEMO_VERBOSE is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veridian/caps.h"
#include "veridian/init.h"
#include "veridian/vk.h"

static void sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

static void ready(void)
{
    vr_service_ready(); /* -VK_ENOENT when init did not ask for readiness: fine */
}

static _Noreturn void run_forever(void)
{
    for (;;)
        vk_wait_many(NULL, 0, VK_DEADLINE_NEVER);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ready";
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
    if (getenv("SVCDEMO_VERBOSE"))
        printf("svcdemo %s: %s\n", getenv("SVCDEMO_VERBOSE"), mode);
    if (!strcmp(mode, "ready")) {
        ready();
        if (a) {
            sleep_ms(a);
            return (int)b;
        }
        run_forever();
    } else if (!strcmp(mode, "slow")) {
        sleep_ms(a);
        ready();
        run_forever();
    } else if (!strcmp(mode, "crash")) {
        ready();
        sleep_ms(a ? a : 1);
        volatile int *volatile p = 0;
        *p = 1;
    } else if (!strcmp(mode, "exit")) {
        sleep_ms(b);
        return (int)a;
    } else if (!strcmp(mode, "caps")) {
        uint32_t res = vr_start_handle(VK_ROLE_SPAWNER);
        struct vk_handle_info hi = {0};
        if (res)
            vk_handle_info(res, &hi);
        printf("caps: resource %s, spawn %s, fs_mount %s, net_raw %s\n", res ? "yes" : "no",
               hi.rights & VK_RIGHT_SPAWN ? "yes" : "no",
               hi.rights & VK_RIGHT_FS_MOUNT ? "yes" : "no",
               hi.rights & VK_RIGHT_NET_RAW ? "yes" : "no");
        const char *av[] = {"/bin/true", NULL};
        uint32_t p;
        long rc = vr_spawn_image("/bin/true", av, NULL, NULL, 0, &p);
        printf("caps: spawn /bin/true: %s\n", rc == 0 ? "allowed" : strerror((int)-rc));
        fflush(stdout);
        ready();
        run_forever();
    }
    fprintf(stderr, "svcdemo: unknown mode %s\n", mode);
    return 2;
}
