/* yieldloop N: two threads each yield N times; with both runnable, every yield is a
 * scheduling decision and usually a thread switch (the benchmark divides by the count). */
#include <stdlib.h>

#include "veridian/vk.h"

static long n;

static void spin_yield(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        vk_thread_yield();
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 1000;
    uint32_t h;
    if (vr_thread_start(spin_yield, NULL, 16 * 1024, &h))
        return 1;
    spin_yield(NULL);
    struct vk_wait w = {.handle = h, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    return 0;
}
