/*
 * memquota: the memory-object allocator and its quotas, from real guests (issue 8, part 4).
 *
 *   memquota frag    creates, maps, touches and closes objects of 10,000 distinct sizes
 *                    (half up to 20 MiB, half from 256 MiB: over a TiB in all, more than
 *                    the whole arena), keeping a few small ones alive in between; every one
 *                    must succeed and read as zero. Then another process allocates 1 GiB.
 *                    Prints a hash of every address it was given (the same in every run).
 *   memquota limit   runs into its own limits (bytes, then objects) and gets -ENOMEM, while
 *                    a child process can still allocate.
 *   memquota charge  an object stays charged to its creator after its handle moved to a
 *                    child (the creator stays at its limit, the child is not charged), until
 *                    the object is destroyed.
 *   memquota big M   (child) allocates, maps and touches an object of M MiB.
 *   memquota churn N K  creates, maps, touches and closes N objects of K KiB (a timing loop
 *                    for the allocator's hot path: compare host_ms of two N with --stats).
 *   memquota holder  (child of charge) maps the object it was given, allocates for itself,
 *                    and waits for the parent's signal before it exits.
 *
 * Prints one line per check; exits with the number of failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

#define MIB (1ull << 20)
#define PAGE 4096ull
#define MARK 0x5a5a5a5a5a5a5a5aull

static uint64_t addr_hash = 0xcbf29ce484222325ull; /* FNV-1a over every mapped address */

/* Create, map, check zero and mark three words (first, middle, last), unmap; the handle is
 * kept in *h (or closed when h is NULL). 0 or the failing call's error. */
static long touch_object(uint64_t size, uint32_t *h)
{
    uint32_t v;
    uint64_t a;
    long rc = vk_vmo_create(size, &v);
    if (rc)
        return rc;
    if ((rc = vk_vmo_map(v, VK_RIGHT_READ | VK_RIGHT_WRITE, &a))) {
        vk_handle_close(v);
        return rc;
    }
    addr_hash = (addr_hash ^ a) * 0x100000001b3ull;
    volatile uint64_t *w[3] = {(uint64_t *)(uintptr_t)a,
                               (uint64_t *)(uintptr_t)(a + (size / 2 & ~7ull)),
                               (uint64_t *)(uintptr_t)(a + size - 8)};
    for (int i = 0; i < 3; i++) {
        if (*w[i] != 0)
            rc = -1000; /* memory of an earlier object, not cleared */
        *w[i] = MARK;
    }
    vk_vmo_unmap(a);
    if (h)
        *h = v;
    else
        vk_handle_close(v);
    return rc;
}

static long wait_child(uint32_t proc)
{
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    struct vk_proc_info pi;
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    vk_process_info(proc, &pi);
    vk_handle_close(proc);
    return pi.exit_kind == VK_EXIT_NORMAL ? pi.exit_code : 1000 + (long)pi.exit_kind;
}

static long run_child(const char *const *argv, const struct vk_start_handle *hs, size_t nhs)
{
    uint32_t proc;
    long rc = vr_spawn_image("/test/memquota", argv, NULL, hs, nhs, &proc);
    return rc ? rc : wait_child(proc);
}

static int frag(void)
{
    uint32_t keep[100];
    int nkeep = 0;
    long bad = 0, first_rc = 0, first_i = -1;
    uint64_t total = 0;
    for (long i = 0; i < 10000; i++) {
        /* distinct page counts: 1..5000 pages, and 256 MiB + 0..4999 pages */
        uint64_t size = i % 2 ? 256 * MIB + (uint64_t)(i / 2) * PAGE : (uint64_t)(i / 2 + 1) * PAGE;
        long rc = touch_object(size, NULL);
        if (rc) {
            if (!bad++) {
                first_rc = rc;
                first_i = i;
            }
            continue;
        }
        total += size;
        if (i % 100 == 0 && nkeep < 100) { /* a small long-lived one between the freed ones */
            bad += touch_object(2 * PAGE + (uint64_t)nkeep * PAGE, &keep[nkeep]) != 0;
            nkeep++;
        }
    }
    if (bad)
        printf("frag: %ld failure(s), the first at object %ld: %ld\n", bad, first_i, first_rc);
    printf("frag: addresses %016llx\n", (unsigned long long)addr_hash);
    expect("10,000 objects of distinct sizes, each created, zero and closed", bad, 0);
    expect("more bytes than the arena holds went through", total > (1ull << 40), 1);
    for (int i = 0; i < nkeep; i++)
        vk_handle_close(keep[i]);
    const char *av[] = {"/test/memquota", "big", "1024", NULL};
    expect("afterwards another process allocates 1 GiB", run_child(av, NULL, 0), 0);
    return expect_summary("memquota");
}

static int limit(void)
{
    uint32_t h[5];
    int n = 0;
    long rc = 0;
    while (n < 5 && (rc = vk_vmo_create(300 * MIB, &h[n])) == 0)
        n++;
    expect("300 MiB objects until the process limit: three fit in 1 GiB", n, 3);
    expect("the next one is refused", rc, -VK_ENOMEM);
    const char *av[] = {"/test/memquota", "big", "512", NULL};
    expect("meanwhile another process allocates 512 MiB", run_child(av, NULL, 0), 0);
    for (int i = 0; i < n; i++)
        vk_handle_close(h[i]);
    expect("room again after closing them", touch_object(768 * MIB, NULL), 0);

    /* the object count: small objects until the limit */
    static uint32_t small[VK_PROC_VMO_MAX + 1];
    uint32_t k = 0;
    while (k <= VK_PROC_VMO_MAX && (rc = vk_vmo_create(PAGE, &small[k])) == 0)
        k++;
    expect("4 KiB objects until the process limit",
           k <= VK_PROC_VMO_MAX && k + 16 > VK_PROC_VMO_MAX, 1);
    expect("the next one is refused", rc, -VK_ENOMEM);
    const char *av2[] = {"/test/memquota", "big", "4", NULL};
    expect("meanwhile another process allocates", run_child(av2, NULL, 0), 0);
    for (uint32_t i = 0; i < k; i++)
        vk_handle_close(small[i]);
    expect("room again after closing them", touch_object(PAGE, NULL), 0);
    return expect_summary("memquota");
}

static int charge(void)
{
    uint32_t v, n, sig;
    uint64_t a;
    expect("768 MiB object", vk_vmo_create(768 * MIB, &v), 0);
    expect("map it", vk_vmo_map(v, VK_RIGHT_READ | VK_RIGHT_WRITE, &a), 0);
    *(volatile uint64_t *)(uintptr_t)a = MARK;
    vk_vmo_unmap(a);
    expect("512 MiB more: over the limit", touch_object(512 * MIB, NULL), -VK_ENOMEM);
    expect("notification", vk_notify_create(&n), 0);
    expect("a copy for the child", vk_handle_dup(n, VK_RIGHT_WAIT | VK_RIGHT_TRANSFER, &sig), 0);
    struct vk_start_handle hs[2] = {{v, (VK_ROLE_USER + 1) | VK_START_MOVE},
                                    {sig, (VK_ROLE_USER + 2) | VK_START_MOVE}};
    const char *av[] = {"/test/memquota", "holder", NULL};
    uint32_t proc;
    expect("spawn the holder with the object moved to it",
           vr_spawn_image("/test/memquota", av, NULL, hs, 2, &proc), 0);
    expect("the object's handle is gone from here", vk_handle_close(v), -VK_EBADH);
    expect("still charged here: 512 MiB more is still over", touch_object(512 * MIB, NULL),
           -VK_ENOMEM);
    vk_notify_signal(n, 1);
    expect("the holder's checks", wait_child(proc), 0);
    expect("the object died with the holder: 512 MiB fits again", touch_object(512 * MIB, NULL), 0);
    return expect_summary("memquota");
}

static int holder(void)
{
    uint32_t v = vr_start_handle(VK_ROLE_USER + 1), sig = vr_start_handle(VK_ROLE_USER + 2);
    uint64_t a = 0;
    expect("holder: map the object it was given", vk_vmo_map(v, VK_RIGHT_READ, &a), 0);
    expect("holder: it holds what the creator wrote",
           a && *(volatile uint64_t *)(uintptr_t)a == MARK, 1);
    /* 768 + 512 MiB would be over the holder's limit, were the object charged to it */
    expect("holder: 512 MiB of its own", touch_object(512 * MIB, NULL), 0);
    struct vk_wait w = {.handle = sig, .mask = 1};
    expect("holder: wait for the creator's checks", vk_wait_many(&w, 1, VK_DEADLINE_NEVER), 0);
    return failures;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "frag"))
        return frag();
    if (!strcmp(mode, "limit"))
        return limit();
    if (!strcmp(mode, "charge"))
        return charge();
    if (!strcmp(mode, "holder"))
        return holder();
    if (!strcmp(mode, "big") && argc > 2) {
        long rc = touch_object((uint64_t)atol(argv[2]) * MIB, NULL);
        if (rc)
            printf("big %s MiB: %ld\n", argv[2], rc);
        return rc != 0;
    }
    if (!strcmp(mode, "churn") && argc > 3) {
        long n = atol(argv[2]), bad = 0;
        for (long i = 0; i < n; i++)
            bad += touch_object((uint64_t)atol(argv[3]) << 10, NULL) != 0;
        return bad != 0;
    }
    printf("usage: memquota frag|limit|charge\n");
    return 2;
}
