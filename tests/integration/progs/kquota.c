/*
 * kquota: quotas that keep one process from taking the machine (issue 8, part 4).
 *   kquota threads   a thread flood: 40,000 thread_create calls from one process stop at
 *                    the per-process limit with -VK_EAGAIN; another process can still be
 *                    spawned and create threads; hogs (children that flood too) fill the
 *                    machine until spawn fails with -VK_EAGAIN; killing one gives room back.
 *   kquota futex     futex keys: a waiter on a word of a memory object that is gone cannot
 *                    be woken by another process that got the same address for a new object
 *                    (its wait runs to its deadline); processes sharing an object do wake
 *                    each other; an address without a mapping is -VK_EFAULT.
 *   kquota growth    host structures a guest can make grow stop at their bound with an error
 *                    the guest sees: mappings of one object (-VK_ENOMEM), distinct trace
 *                    marks (-VK_ENOMEM, the trace's string table).
 * Helpers it spawns: "kquota worker N" (N threads that exit; exit 0 if all started),
 * "kquota hog" (floods, signals ready, sleeps), "kquota futex-b" / "kquota futex-c" (the
 * waiting processes of the futex test). One line per check; exit status = failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

#define ROLE_SYNC (VK_ROLE_USER + 1)
#define ROLE_VMO (VK_ROLE_USER + 2)
#define FLOOD_TRIES 40000
#define TSTACK 256
#define NSTACKS 2048

/* Small stacks for threads that only block: a thread past NSTACKS reuses one, which is safe
 * because a blocked thread never returns to user mode (it is killed in the kernel). */
static char stacks[NSTACKS][TSTACK] __attribute__((aligned(16)));
static volatile uint32_t never;

static void blocker(void *arg)
{
    (void)arg;
    for (;;)
        vk_futex_wait(&never, 0, VK_DEADLINE_NEVER);
}

static void quitter(void *arg)
{
    (void)arg;
    vk_thread_exit(0);
}

/* thread_create until it fails (or tries run out): the count created, *err the first error
 * and *other the number of later failures with a different error. */
static long flood(long tries, void (*fn)(void *), long *err, long *other)
{
    long made = 0;
    *err = 0;
    *other = 0;
    for (long i = 0; i < tries; i++) {
        uint32_t h;
        long rc = vk_thread_create(fn, 0, stacks[made % NSTACKS] + TSTACK, 0, &h);
        if (rc == 0) {
            made++;
            vk_handle_close(h);
        } else if (!*err) {
            *err = rc;
        } else if (rc != *err) {
            (*other)++;
        }
    }
    return made;
}

static void sleep_ms(uint64_t ms)
{
    vk_wait_many(NULL, 0, (uint64_t)vk_clock_get() + ms * 1000000);
}

static long wait_exit(uint32_t proc)
{
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(proc, &pi);
    return pi.exit_kind == VK_EXIT_NORMAL ? pi.exit_code : 128 + (long)pi.exit_kind;
}

/* Wait for bit on notification n and clear it. */
static void wait_bit(uint32_t n, uint64_t bit)
{
    struct vk_wait w = {.handle = n, .flags = VK_WAIT_CLEAR, .mask = bit};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
}

static long spawn(const char *const argv[], const struct vk_start_handle *extra, size_t n,
                  uint32_t *proc)
{
    return vr_spawn_image("/test/kquota", argv, NULL, extra, n, proc);
}

/* ---- threads ---- */

static int worker(long n)
{
    long made = 0;
    for (long i = 0; i < n; i++) {
        uint32_t h;
        if (vk_thread_create(quitter, 0, stacks[i % NSTACKS] + TSTACK, 0, &h) == 0) {
            made++;
            struct vk_wait w = {.handle = h, .mask = VK_SIG_EXITED};
            vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
            vk_handle_close(h);
        }
    }
    printf("worker: %ld of %ld threads\n", made, n);
    return made == n ? 0 : 1;
}

static _Noreturn void hog(void)
{
    long err, other;
    long made = flood(FLOOD_TRIES / 10, blocker, &err, &other);
    printf("hog: %ld threads, then %ld\n", made, err);
    fflush(stdout); /* it never exits: a pipe's stdout is fully buffered */
    vk_notify_signal(vr_start_handle(ROLE_SYNC), 1);
    for (;;)
        vk_wait_many(NULL, 0, VK_DEADLINE_NEVER);
}

static void test_threads(void)
{
    long err, other;
    long made = flood(FLOOD_TRIES, blocker, &err, &other);
    printf("flood: %ld threads created of %d tries\n", made, FLOOD_TRIES);
    expect("one process stops at its limit", made, VK_PROCESS_THREADS_MAX - 1);
    expect("with -VK_EAGAIN", err, -VK_EAGAIN);
    expect("every later try fails the same way", other, 0);
    sleep_ms(1); /* the flood's threads all start and block */

    uint32_t proc;
    const char *wargv[] = {"kquota", "worker", "100", NULL};
    expect("another process can still be spawned", spawn(wargv, NULL, 0, &proc), 0);
    expect("and create its threads", wait_exit(proc), 0);
    vk_handle_close(proc);

    /* hogs until the machine is full */
    uint32_t sync;
    vk_notify_create(&sync);
    struct vk_start_handle sh[] = {{sync, ROLE_SYNC}};
    const char *hargv[] = {"kquota", "hog", NULL};
    uint32_t hogs[16];
    int nhogs = 0;
    long rc = 0;
    while (nhogs < 16 && (rc = spawn(hargv, sh, 1, &hogs[nhogs])) == 0) {
        wait_bit(sync, 1);
        nhogs++;
    }
    printf("hogs: %d spawned, then %ld\n", nhogs, rc);
    expect("the machine fills up: spawn fails", rc, -VK_EAGAIN);
    uint32_t th;
    expect("and so does thread_create",
           vk_thread_create(quitter, 0, stacks[0] + TSTACK, 0, &th) == -VK_EAGAIN, 1);
    expect("the hogs took what the machine had", nhogs >= 2 && nhogs < 16, 1);

    /* room again once a hog is gone */
    vk_process_kill(hogs[0]);
    wait_exit(hogs[0]);
    sleep_ms(1);
    const char *w10[] = {"kquota", "worker", "10", NULL};
    expect("after a hog is killed, spawn works again", spawn(w10, NULL, 0, &proc), 0);
    expect("and its threads run", wait_exit(proc), 0);
    vk_handle_close(proc);
    for (int i = 0; i < nhogs; i++) {
        vk_process_kill(hogs[i]);
        vk_handle_close(hogs[i]);
    }
    vk_handle_close(sync);
}

/* ---- futexes ---- */

#define VMO_SIZE (64u * 1024u)

static volatile int waiting;
static long wait_result;
static uint64_t wait_addr;

static void futex_waiter(void *arg)
{
    (void)arg;
    waiting = 1;
    wait_result = vk_futex_wait((volatile uint32_t *)(uintptr_t)wait_addr, 0,
                                (uint64_t)vk_clock_get() + 50000000); /* 50 ms */
    vk_thread_exit(0);
}

/* The waiting side: a thread waits on word `off` of the memory object we were given; then,
 * for futex-b, the object is unmapped and closed (so it is freed) while the wait goes on.
 * Signals bit 1 on the sync notification, waits for the thread, prints its result. Exit 0
 * if the result is `want`. */
static int futex_side(uint64_t off, int drop, long want, const char *who)
{
    uint32_t v = vr_start_handle(ROLE_VMO), sync = vr_start_handle(ROLE_SYNC);
    uint64_t addr;
    if (!v || !sync || vk_vmo_map(v, VK_RIGHT_READ | VK_RIGHT_WRITE, &addr)) {
        printf("%s: no memory object\n", who);
        return 2;
    }
    wait_addr = addr + off;
    uint32_t th;
    if (vk_thread_create(futex_waiter, 0, stacks[0] + TSTACK, 0, &th))
        return 3;
    while (!waiting)
        vk_thread_yield();
    vk_thread_yield(); /* it is blocked in futex_wait now */
    if (drop) {
        vk_vmo_unmap(addr);
        vk_handle_close(v);
    }
    vk_notify_signal(sync, 1);
    struct vk_wait w = {.handle = th, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    printf("%s: the waiter got %ld\n", who, wait_result);
    return wait_result == want ? 0 : 1;
}

static void test_futex(void)
{
    uint32_t sync, v, proc;
    uint64_t x;
    vk_notify_create(&sync);

    /* B waits on an object nobody else holds, then lets it go: its address is free again */
    vk_vmo_create(VMO_SIZE, &v);
    vk_vmo_map(v, VK_RIGHT_READ, &x);
    vk_vmo_unmap(x);
    struct vk_start_handle bh[] = {{sync, ROLE_SYNC}, {v, ROLE_VMO | VK_START_MOVE}};
    const char *bargv[] = {"kquota", "futex-b", NULL};
    expect("spawn the waiter B", spawn(bargv, bh, 2, &proc), 0);
    wait_bit(sync, 1);
    uint32_t mine[64];
    int nmine = 0;
    uint64_t y = 0;
    while (nmine < 64 && vk_vmo_create(VMO_SIZE, &mine[nmine]) == 0) {
        vk_vmo_map(mine[nmine++], VK_RIGHT_READ | VK_RIGHT_WRITE, &y);
        if (y == x)
            break;
    }
    expect("a new object of ours got B's old address", y == x, 1);
    expect("waking that address reaches none of B's waiters",
           vk_futex_wake((volatile uint32_t *)(uintptr_t)x, 100), 0);
    expect("B's wait ran to its deadline", wait_exit(proc), 0);
    vk_handle_close(proc);
    for (int i = 0; i < nmine; i++)
        vk_handle_close(mine[i]); /* their mappings stay: fine, we exit soon */

    /* C shares an object with us: a wake through our mapping reaches its waiter */
    uint64_t z;
    vk_vmo_create(VMO_SIZE, &v);
    vk_vmo_map(v, VK_RIGHT_READ | VK_RIGHT_WRITE, &z);
    struct vk_start_handle ch[] = {{sync, ROLE_SYNC}, {v, ROLE_VMO}};
    const char *cargv[] = {"kquota", "futex-c", NULL};
    expect("spawn the waiter C", spawn(cargv, ch, 2, &proc), 0);
    wait_bit(sync, 1);
    expect("a wake on the shared object reaches C's waiter",
           vk_futex_wake((volatile uint32_t *)(uintptr_t)(z + 8), 100), 1);
    expect("C's wait ended by the wake", wait_exit(proc), 0);
    vk_handle_close(proc);
    vk_handle_close(v);

    uintptr_t hole = ((uintptr_t)&never & ~((64ul << 20) - 1)) + (32ul << 20);
    expect("wake on an unmapped hole of our region", vk_futex_wake((uint32_t *)hole, 1),
           -VK_EFAULT);
    expect("wake outside our memory", vk_futex_wake((uint32_t *)0x1000, 1), -VK_EFAULT);
    vk_vmo_unmap(y);
    expect("wake on an object we unmapped", vk_futex_wake((uint32_t *)(uintptr_t)(y + 4096), 1),
           -VK_EFAULT);
    vk_handle_close(sync);
}

/* ---- host structures a guest can make grow: mappings, trace strings ---- */

/* A 256-byte trace mark, distinct for every i. */
static long long_mark(long i)
{
    char mark[256];
    memset(mark, 'm', sizeof mark);
    int n = snprintf(mark, sizeof mark, "mark %ld", i);
    mark[n] = 'm';
    return vk_trace_mark(mark, sizeof mark);
}

static void test_growth(void)
{
    uint32_t v;
    vk_vmo_create(4096, &v);
    long made = 0, rc = 0, other = 0;
    uint64_t addr = 0;
    for (int i = 0; i < 5000; i++) {
        long r = vk_vmo_map(v, VK_RIGHT_READ, &addr);
        if (r == 0)
            made++;
        else if (!rc)
            rc = r;
        else if (r != rc)
            other++;
    }
    printf("maps: %ld mappings of one object, then %ld\n", made, rc);
    expect("mapping one object again and again stops", rc, -VK_ENOMEM);
    expect("near the limit", made > (long)VK_PROCESS_MAPPINGS_MAX - 64, 1);
    expect("every later try fails the same way", other, 0);
    vk_vmo_unmap(addr);
    expect("one unmapped makes room for one", vk_vmo_map(v, VK_RIGHT_READ, &addr), 0);
    vk_handle_close(v);

    /* distinct marks until the trace's string table is full; known ones still work */
    long marks = 0;
    rc = 0;
    for (long i = 0; i < 200000; i++) {
        if ((rc = long_mark(i)) != 0)
            break;
        marks++;
    }
    printf("marks: %ld distinct marks, then %ld\n", marks, rc);
    expect("distinct trace marks stop", rc, -VK_ENOMEM);
    expect("a known mark still goes in", long_mark(0), 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "worker") && argc > 2)
        return worker(atol(argv[2]));
    if (!strcmp(mode, "hog"))
        hog();
    if (!strcmp(mode, "futex-b"))
        return futex_side(0, 1, -VK_ETIMEDOUT, "futex-b");
    if (!strcmp(mode, "futex-c"))
        return futex_side(8, 0, 0, "futex-c");
    if (!strcmp(mode, "threads"))
        test_threads();
    else if (!strcmp(mode, "futex"))
        test_futex();
    else if (!strcmp(mode, "growth"))
        test_growth();
    else
        printf("usage: kquota threads|futex|growth\n");
    return expect_summary("kquota");
}
