/*
 * regscrub: reads every caller-saved register right after kernel calls return and checks
 * they hold nothing (the trampoline zeroes them so no host pointer leaks into a guest);
 * then prints the aux-vector values that must be deterministic: the kernel-call page's
 * fixed address and AT_RANDOM (derived from the run's seed).
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"

#define AT_RANDOM 25

int main(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    int bad = 0;
    uint64_t fn = vr_kcall_page() + VK_KCALL_STUB_OFFSET + VK_NR_GETPID * VK_KCALL_STUB_STRIDE;
    for (int i = 0; i < 8; i++) {
        uint64_t r[9], x[16];
        __asm__ volatile(
            "movq $-1, %%rcx; movq $-1, %%rdx; movq $-1, %%rsi; movq $-1, %%rdi\n\t"
            "movq $-1, %%r8; movq $-1, %%r9; movq $-1, %%r10\n\t"
            "pcmpeqd %%xmm0, %%xmm0; pcmpeqd %%xmm7, %%xmm7; pcmpeqd %%xmm15, %%xmm15\n\t"
            "call *%[fn]\n\t"
            "movq %%rcx, 0(%[r]); movq %%rdx, 8(%[r]); movq %%rsi, 16(%[r])\n\t"
            "movq %%rdi, 24(%[r]); movq %%r8, 32(%[r]); movq %%r9, 40(%[r])\n\t"
            "movq %%r10, 48(%[r]); movq %%r11, 56(%[r])\n\t"
            "movq %%xmm0, 0(%[x]); movq %%xmm1, 8(%[x]); movq %%xmm2, 16(%[x])\n\t"
            "movq %%xmm3, 24(%[x]); movq %%xmm4, 32(%[x]); movq %%xmm5, 40(%[x])\n\t"
            "movq %%xmm6, 48(%[x]); movq %%xmm7, 56(%[x]); movq %%xmm8, 64(%[x])\n\t"
            "movq %%xmm9, 72(%[x]); movq %%xmm10, 80(%[x]); movq %%xmm11, 88(%[x])\n\t"
            "movq %%xmm12, 96(%[x]); movq %%xmm13, 104(%[x]); movq %%xmm14, 112(%[x])\n\t"
            "movq %%xmm15, 120(%[x])\n\t"
            :
            : [fn] "r"(fn), [r] "b"(r), [x] "r"(x)
            : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2",
              "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
              "xmm13", "xmm14", "xmm15", "memory", "cc");
        for (int j = 0; j < 8; j++)
            bad += r[j] != 0;
        for (int j = 0; j < 16; j++)
            bad += x[j] != 0;
    }
    printf("regscrub: %d caller-saved registers not cleared\n", bad);

    char **e = envp;
    while (*e)
        e++;
    const uint64_t *aux = (const uint64_t *)(e + 1);
    for (; aux[0]; aux += 2) {
        if (aux[0] == AT_VERIDIAN_KCALL)
            printf("kcall page: 0x%llx\n", (unsigned long long)aux[1]);
        if (aux[0] == AT_RANDOM) {
            const unsigned char *b = (const unsigned char *)(uintptr_t)aux[1];
            printf("AT_RANDOM: ");
            for (int i = 0; i < 16; i++)
                printf("%02x", b[i]);
            printf("\n");
        }
    }
    return bad != 0;
}
