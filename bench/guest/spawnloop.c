/* spawnloop N [PROGRAM]: spawn PROGRAM (default /bin/true) and wait for it, N times. */
#include <stdio.h>
#include <stdlib.h>

#include "veridian/vk.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    const char *prog = argc > 2 ? argv[2] : "/bin/true";
    const char *av[] = {prog, NULL};
    for (long i = 0; i < n; i++) {
        uint32_t p;
        long rc = vr_spawn_image(prog, av, NULL, 0, 0, &p);
        if (rc) {
            printf("spawnloop: spawn failed: %ld\n", rc);
            return 1;
        }
        struct vk_wait w = {.handle = p, .mask = VK_SIG_EXITED};
        vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
        struct vk_proc_info pi;
        vk_process_info(p, &pi);
        vk_handle_close(p);
        if (pi.exit_code != 0) {
            printf("spawnloop: child exited with %d\n", pi.exit_code);
            return 1;
        }
    }
    return 0;
}
