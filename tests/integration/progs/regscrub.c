/*
 * regscrub: reads every caller-saved register right after kernel calls return and checks
 * they hold nothing (the trampoline zeroes them so no host pointer leaks into a guest);
 * then prints the aux-vector values that must be deterministic: the kernel-call page's
 * fixed address and AT_RANDOM (derived from the run's seed). Last, a new thread's first
 * instruction stores every vector and mask register (zmm0-31 and k0-7 where the host has
 * AVX-512, else ymm0-15) before anything else runs: whatever host code ran before the
 * switch must leave nothing there. (No path of today's vrsim runs host code with wide
 * vectors between a thread's creation and its first switch, so this guards the contract of
 * vs_enter_user rather than reproducing a leak: with xmm0-15 cleared only, it passes too.)
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"

#define AT_RANDOM 25

/* What the new thread found at its first instruction, and which registers it could read. */
unsigned char rs_entry_regs[32 * 64 + 8 * 8] __attribute__((aligned(64)));
unsigned char rs_have_avx512;
static volatile uint32_t rs_done;
static unsigned char rs_stack[16384] __attribute__((aligned(16)));

void rs_thread_entry(void *arg);
_Noreturn void rs_thread_main(void *arg);

/* The entry: before any instruction that could touch a vector register, store them all. */
__asm__(".text\n"
        ".globl rs_thread_entry\n"
        ".type rs_thread_entry,@function\n"
        "rs_thread_entry:\n"
        "    leaq rs_entry_regs(%rip), %rax\n"
        "    cmpb $0, rs_have_avx512(%rip)\n"
        "    je 1f\n"
        "    .irp "
        "n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "    vmovdqu64 %zmm\\n, \\n*64(%rax)\n"
        "    .endr\n"
        "    .irp n,0,1,2,3,4,5,6,7\n"
        "    kmovq %k\\n, 2048+\\n*8(%rax)\n"
        "    .endr\n"
        "    jmp rs_thread_main\n"
        "1:  .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    vmovdqu %ymm\\n, \\n*64(%rax)\n"
        "    .endr\n"
        "    jmp rs_thread_main\n"
        ".size rs_thread_entry, .-rs_thread_entry\n");

_Noreturn void rs_thread_main(void *arg)
{
    (void)arg;
    __atomic_store_n(&rs_done, 1, __ATOMIC_SEQ_CST);
    vk_futex_wake(&rs_done, 1);
    vk_thread_exit(0);
}

/* A new thread's vector registers at its first instruction: the number of nonzero bytes,
 * or -1 when the host has no AVX (nothing to check beyond what the kernel calls cover). */
static int new_thread_dirty(void)
{
    uint32_t lo, hi;
    /* vrsim's CPUID shows an x86-64-v2 CPU; XCR0 (xgetbv is not trapped) says what the host
     * really keeps: bits 1-2 SSE/AVX, 5-7 AVX-512. */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6)
        return -1;
    rs_have_avx512 = (lo & 0xe0) == 0xe0;
    uint32_t h;
    if (vk_thread_create((vk_thread_entry_fn)rs_thread_entry, 0, rs_stack + sizeof rs_stack, 0,
                         &h) < 0)
        return -2;
    printf("new thread: created\n");
    fflush(stdout);
    while (!__atomic_load_n(&rs_done, __ATOMIC_SEQ_CST))
        vk_futex_wait(&rs_done, 0, VK_DEADLINE_NEVER);
    vk_handle_close(h);
    size_t n = rs_have_avx512 ? sizeof rs_entry_regs : 16 * 64;
    int dirty = 0;
    for (size_t i = 0; i < n; i++)
        dirty += rs_entry_regs[i] != 0;
    return dirty;
}

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
    int dirty = new_thread_dirty();
    if (dirty == -1)
        printf("new thread: no AVX on this host, nothing to check\n");
    else
        printf("new thread: %d vector register bytes not cleared (%s)\n", dirty,
               rs_have_avx512 ? "zmm0-31, k0-7" : "ymm0-15");
    return bad != 0 || dirty > 0 || dirty == -2;
}
