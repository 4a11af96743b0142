/*
 * Restart decisions: policy, exponential back-off, and the restart limit per window.
 */
#include "os/init/svc.h"
#include "veridian/kcall.h"

int init_policy_restart(int policy, uint32_t exit_kind, int32_t exit_code)
{
    switch (policy) {
    case INIT_ALWAYS:
        return 1;
    case INIT_ON_FAILURE:
        return exit_kind != VK_EXIT_NORMAL || exit_code != 0;
    default:
        return 0;
    }
}

uint64_t init_backoff_ns(uint64_t base, uint64_t cap, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t d = base;
    for (uint32_t i = 1; i < n && d < cap; i++)
        d = d > cap / 2 ? cap : d * 2;
    return d < cap ? d : cap;
}

int init_restart_record(struct init_restarts *r, uint64_t now, uint32_t limit, uint64_t window)
{
    const uint32_t ring = sizeof r->times / sizeof r->times[0];
    r->times[r->count % ring] = now;
    r->count++;
    if (limit == 0)
        return 1; /* no limit */
    if (limit >= ring)
        limit = ring - 1;
    if (r->count <= limit)
        return 1;
    /* the restart `limit` places back: inside the window means limit+1 restarts in it */
    uint64_t then = r->times[(r->count - 1 - limit) % ring];
    return now - then >= window;
}
