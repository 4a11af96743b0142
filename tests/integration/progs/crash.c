/*
 * crash MODE: misbehave in one way, for the fault-isolation tests.
 *   null     write through a NULL pointer          (SIGSEGV)
 *   ill      execute ud2                           (SIGILL)
 *   div      divide by zero                        (SIGFPE)
 *   stack    recurse without end: stack overflow   (SIGSEGV on the guard page)
 *   wild     set rsp to 0 and push                 (SIGSEGV)
 *   syscall  a raw host `syscall` instruction      (killed: SIGSYS)
 *   spin     loop forever without kernel calls     (stopped by the watchdog)
 *   hole     hand the kernel a pointer into an unmapped hole of our memory: -EFAULT, exit 0
 *   ok       exit 0
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static long recurse(volatile long *p)
{
    volatile long pad[64];
    pad[0] = *p;
    return recurse(pad) + pad[1];
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "null";
    if (!strcmp(m, "null")) {
        volatile int *volatile p = 0;
        *p = 42;
    } else if (!strcmp(m, "ill")) {
        __asm__ volatile("ud2");
    } else if (!strcmp(m, "div")) {
        volatile long z = 0, x = 7 / z;
        (void)x;
    } else if (!strcmp(m, "stack")) {
        volatile long v = 1;
        recurse(&v);
    } else if (!strcmp(m, "wild")) {
        __asm__ volatile("xorl %%esp, %%esp; pushq $1" ::: "memory");
    } else if (!strcmp(m, "syscall")) {
        long r;
        __asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
        printf("syscall returned %ld\n", r);
    } else if (!strcmp(m, "spin")) {
        printf("spinning\n");
        fflush(stdout);
        for (;;)
            __asm__ volatile("" ::: "memory");
    } else if (!strcmp(m, "hole")) {
        /* 32 MiB into our own region: between the image and the stack, never mapped */
        uintptr_t hole = ((uintptr_t)&main & ~((64ul << 20) - 1)) + (32ul << 20);
        long r = vk_console_write(vr_start_handle(VK_ROLE_STDOUT), (const void *)hole, 16);
        printf("hole: %s\n", r == -VK_EFAULT ? "EFAULT" : "unexpected");
        return r == -VK_EFAULT ? 0 : 1;
    } else if (!strcmp(m, "ok")) {
        return 0;
    } else {
        fprintf(stderr, "crash: unknown mode %s\n", m);
        return 2;
    }
    printf("crash: survived %s?!\n", m);
    return 3;
}
