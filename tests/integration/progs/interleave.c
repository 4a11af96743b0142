/*
 * interleave [THREADS] [STEPS]: each thread appends its letter to a shared log and yields,
 * STEPS times; the log shows the interleaving the scheduler chose. Same seed: same log;
 * another seed (with --chaos): another log.
 */
#include <stdio.h>
#include <stdlib.h>

#include "veridian/vk.h"

static char log_buf[4096];
static volatile int log_len;
static int steps;

static void worker(void *arg)
{
    char letter = (char)(uintptr_t)arg;
    for (int i = 0; i < steps; i++) {
        if (log_len < (int)sizeof log_buf - 1)
            log_buf[log_len++] = letter;
        vk_getpid(); /* a kernel call: a preemption point under --chaos */
        if (i % 3 == 2)
            vk_thread_yield();
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    steps = argc > 2 ? atoi(argv[2]) : 10;
    if (n < 1 || n > 26 || steps < 1 || n * steps > 4000) {
        fprintf(stderr, "interleave: 1..26 threads, at most 4000 steps in all\n");
        return 2;
    }
    struct vk_wait w[26];
    for (int i = 0; i < n; i++) {
        uint32_t h;
        if (vr_thread_start(worker, (void *)(uintptr_t)('A' + i), 32 * 1024, &h))
            return 1;
        w[i] = (struct vk_wait){.handle = h, .mask = VK_SIG_EXITED};
    }
    for (int i = 0; i < n; i++)
        vk_wait_many(&w[i], 1, VK_DEADLINE_NEVER);
    log_buf[log_len] = 0;
    printf("interleave: %s\n", log_buf);
    return 0;
}
