/*
 * initstress NAME COUNT: while init restarts service NAME over and over, take a snapshot of
 * the kernel's live objects, handles, processes and memory, and of init's heap, after 20
 * restarts and again after 20 + COUNT; they must be equal (no leak per restart). Prints both
 * snapshots; exits 0 when they match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veridian/init.h"
#include "veridian/vk.h"

struct snap {
    struct vk_kernel_info k;
    uint64_t heap, mapped;
};

static uint32_t init_h;

static long call(uint32_t op, const char *name, void *buf, size_t len, struct vk_msg *out)
{
    long rc = vr_request(init_h, op, name, name ? strlen(name) : 0, buf, len, 0, 0, out);
    return rc > 0 ? 0 : rc;
}

/* Wait until NAME has restarted at least n times and is running again. */
static int wait_restarts(const char *name, uint32_t n)
{
    for (;;) {
        struct vk_init_status st;
        if (call(VK_INIT_STATUS, name, &st, sizeof st, NULL))
            return -1;
        if (st.restarts >= n && st.state == VK_SVC_RUNNING)
            return 0;
        if (st.state == VK_SVC_FAILED || st.state == VK_SVC_STOPPED)
            return -1;
        struct timespec d = {0, 200000};
        nanosleep(&d, NULL);
    }
}

static void take(struct snap *s)
{
    struct vk_msg m;
    call(VK_INIT_STATS, NULL, NULL, 0, &m);
    s->heap = m.data[0];
    s->mapped = m.data[1];
    vk_kernel_info(&s->k);
}

static void show(const char *when, const struct snap *s)
{
    printf("%s: objects %llu handles %llu processes %llu memory %llu init-heap %llu/%llu\n", when,
           (unsigned long long)s->k.objects, (unsigned long long)s->k.handles,
           (unsigned long long)s->k.processes, (unsigned long long)s->k.memory_object_bytes,
           (unsigned long long)s->heap, (unsigned long long)s->mapped);
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "crasher";
    uint32_t count = argc > 2 ? (uint32_t)atol(argv[2]) : 1000;
    init_h = vr_start_handle(VK_ROLE_INIT);
    struct snap a, b;
    if (wait_restarts(name, 20)) {
        printf("initstress: %s did not get to 20 restarts\n", name);
        return 1;
    }
    take(&a);
    if (wait_restarts(name, 20 + count)) {
        printf("initstress: %s did not get to %u restarts\n", name, 20 + count);
        return 1;
    }
    take(&b);
    show("after 20 restarts", &a);
    show("after more restarts", &b);
    int same = a.k.objects == b.k.objects && a.k.handles == b.k.handles &&
               a.k.processes == b.k.processes &&
               a.k.memory_object_bytes == b.k.memory_object_bytes && a.heap == b.heap &&
               a.mapped == b.mapped;
    printf("initstress: %u restarts: %s\n", count, same ? "no growth" : "GROWTH");
    return same ? 0 : 1;
}
