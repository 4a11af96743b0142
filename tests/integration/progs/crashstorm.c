/*
 * crashstorm N: spawns N children from the boot image that crash in rotating ways (NULL
 * write, ud2, divide by zero, stack overflow, rsp=0, raw syscall), two at a time, while a
 * pingpong pair runs beside them; checks every child's exit report, then that pingpong
 * finished correctly. Prints a summary; exits non-zero on any surprise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"

struct kind {
    const char *mode;
    uint32_t exit_kind, signo;
};

static const struct kind kinds[] = {
    {"null", VK_EXIT_FAULT, 11},  {"ill", VK_EXIT_FAULT, 4},   {"div", VK_EXIT_FAULT, 8},
    {"stack", VK_EXIT_FAULT, 11}, {"wild", VK_EXIT_FAULT, 11}, {"syscall", VK_EXIT_SYSCALL, 31},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static int check(uint32_t h, const struct kind *k, long *bad)
{
    struct vk_proc_info pi;
    long rc = vk_process_info(h, &pi);
    vk_handle_close(h);
    if (rc || pi.state != VK_PROC_EXITED || pi.exit_kind != k->exit_kind || pi.signo != k->signo ||
        pi.exit_code != (int32_t)(128 + k->signo)) {
        if (*bad < 5)
            printf("crashstorm: %s: rc %ld state %u kind %u signo %u code %d\n", k->mode, rc,
                   pi.state, pi.exit_kind, pi.signo, pi.exit_code);
        (*bad)++;
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    long counts[NKINDS] = {0}, bad = 0;
    uint32_t pp;
    const char *ppargv[] = {"/test/pingpong", "200000", NULL};
    if (vr_spawn_image("/test/pingpong", ppargv, NULL, 0, 0, &pp)) {
        printf("crashstorm: cannot start pingpong\n");
        return 1;
    }
    uint32_t live[2] = {0, 0};
    const struct kind *live_kind[2] = {0, 0};
    for (long i = 0; i < n || live[0] || live[1];) {
        for (int s = 0; s < 2; s++) {
            if (live[s] || i >= n)
                continue;
            const struct kind *k = &kinds[i % NKINDS];
            const char *av[] = {"/test/crash", k->mode, NULL};
            if (vr_spawn_image("/test/crash", av, NULL, 0, 0, &live[s])) {
                printf("crashstorm: spawn %ld failed\n", i);
                return 1;
            }
            live_kind[s] = k;
            counts[i % NKINDS]++;
            i++;
        }
        struct vk_wait w[2];
        int nw = 0, idx[2];
        for (int s = 0; s < 2; s++)
            if (live[s]) {
                idx[nw] = s;
                w[nw++] = (struct vk_wait){.handle = live[s], .mask = VK_SIG_EXITED};
            }
        long f = vk_wait_many(w, (size_t)nw, VK_DEADLINE_NEVER);
        if (f < 0) {
            printf("crashstorm: wait failed: %ld\n", f);
            return 1;
        }
        for (int j = 0; j < nw; j++) {
            if (w[j].observed) {
                int s = idx[j];
                check(live[s], live_kind[s], &bad);
                live[s] = 0;
            }
        }
    }
    struct vk_wait w = {.handle = pp, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(pp, &pi);
    printf("crashstorm: %ld crashes (", n);
    for (size_t k = 0; k < NKINDS; k++)
        printf("%s%s %ld", k ? ", " : "", kinds[k].mode, counts[k]);
    printf("), %ld unexpected; pingpong %s\n", bad,
           pi.exit_kind == VK_EXIT_NORMAL && pi.exit_code == 0 ? "ok" : "FAILED");
    return bad || pi.exit_code != 0;
}
