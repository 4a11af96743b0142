/*
 * kfuzz N SEED: N kernel calls with random numbers and random arguments: handle values
 * (mostly stale or made up, some real), pointers (into our memory, into holes, outside it,
 * misaligned), sizes and deadlines (never far in the future, so nothing blocks for long).
 * The kernel must refuse what is wrong and survive; we must survive too (calls that would end
 * this process are skipped). Prints a histogram of results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv);
static char arena[65536] __attribute__((aligned(64)));
static uint32_t handles[64];
static unsigned nhandles;

static long arg(void)
{
    switch (next() % 10) {
    case 0:
        return 0;
    case 1:
        return (long)(next() % 64);
    case 2:
        return (long)handles[next() % (nhandles ? nhandles : 1)];
    case 3:
        return (long)(uintptr_t)(arena + next() % (sizeof arena - 256)); /* ours */
    case 4:
        return (long)(((uintptr_t)&main & ~((64ul << 20) - 1)) + (32ul << 20)); /* hole */
    case 5:
        return (long)(next() | 1ull << 63); /* far outside */
    case 6:
        return (long)vk_clock_get() + (long)(next() % 100000); /* a near deadline */
    case 7:
        return (long)(uintptr_t)(arena + 1 + next() % 100); /* misaligned */
    case 8:
        return -1;
    default:
        return (long)next();
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) | 1 : 88172645463325252ull;
    uint32_t h;
    if (!vk_endpoint_create(&h))
        handles[nhandles++] = h;
    if (!vk_notify_create(&h))
        handles[nhandles++] = h;
    if (!vk_vmo_create(4096, &h))
        handles[nhandles++] = h;
    /* signals: every catchable one ignored, so a random send, alarm or mask cannot end or
     * stop us; the calls still get random arguments below, within that rule */
    static const struct vk_sigaction ign = {.handler = VK_SIG_IGN};
    for (int s = 1; s <= 64; s++)
        if (s != 9 && s != 19)
            vk_signal_action(s, &ign, NULL);
    long hist[8] = {0};
    for (long i = 0; i < n; i++) {
        uint32_t nr = (uint32_t)(next() % (VK_NR_COUNT + 2));
        if (nr >= VK_NR_COUNT || nr == VK_NR_PROCESS_EXIT || nr == VK_NR_THREAD_EXIT ||
            nr == VK_NR_PROCESS_KILL || nr == VK_NR_THREAD_CREATE)
            continue; /* these end us, or start code at a random address */
        long a[6];
        for (int k = 0; k < 6; k++)
            a[k] = arg();
        /* blocking calls get a near deadline in their deadline slot */
        if (nr == VK_NR_CALL || nr == VK_NR_RECEIVE || nr == VK_NR_WAIT_MANY ||
            nr == VK_NR_FUTEX_WAIT)
            a[2] = (long)vk_clock_get() + (long)(next() % 1000000);
        if (nr == VK_NR_CONSOLE_READ)
            a[3] = (long)vk_clock_get() + 1000;
        if (nr == VK_NR_REPLY_RECEIVE)
            a[4] = (long)vk_clock_get() + 1000;
        if (nr == VK_NR_SIGNAL_ACTION && a[1])
            a[1] = (long)&ign; /* never a handler at a random address */
        if (nr == VK_NR_SIGNAL_SEND) {
            a[0] = (next() & 1) ? 0 : (long)vk_getpid(); /* never another process */
            if ((a[1] & 63) == 9 || (a[1] & 63) == 19)
                a[1] = 0;
        }
        if (nr == VK_NR_SIGNAL_WAIT)
            a[0] = (long)vk_clock_get() + (long)(next() % 1000000);
        if (nr == VK_NR_CONSOLE_WRITE && (next() & 1))
            a[2] &= 63; /* keep the console readable */
        vk_kcall_fn f =
            (vk_kcall_fn)(vr_kcall_page() + VK_KCALL_STUB_OFFSET + nr * VK_KCALL_STUB_STRIDE);
        long r = f(a[0], a[1], a[2], a[3], a[4], a[5]);
        /* new handles we were given become arguments for later calls */
        if ((nr == VK_NR_ENDPOINT_CREATE || nr == VK_NR_NOTIFY_CREATE || nr == VK_NR_HANDLE_DUP) &&
            r == 0 && nhandles < 64 &&
            (uintptr_t)a[nr == VK_NR_HANDLE_DUP ? 2 : 0] >= (uintptr_t)arena &&
            (uintptr_t)a[nr == VK_NR_HANDLE_DUP ? 2 : 0] < (uintptr_t)arena + sizeof arena - 4)
            memcpy(&handles[nhandles++], (void *)a[nr == VK_NR_HANDLE_DUP ? 2 : 0], 4);
        int bucket = r >= 0                                  ? 0
                     : r == -VK_EBADH                        ? 1
                     : r == -VK_EFAULT                       ? 2
                     : r == -VK_EINVAL                       ? 3
                     : r == -VK_EPERM || r == -VK_EWRONGTYPE ? 4
                     : r == -VK_ETIMEDOUT                    ? 5
                                                             : 6;
        hist[bucket]++;
    }
    printf("\nkfuzz: done: ok %ld, EBADH %ld, EFAULT %ld, EINVAL %ld, EPERM/EWRONGTYPE %ld, "
           "ETIMEDOUT %ld, other %ld\n",
           hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], hist[6]);
    return 0;
}
