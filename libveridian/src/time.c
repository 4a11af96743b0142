/*
 * Clocks and sleeping on the kernel's virtual clock (VK_NR_CLOCK_GET, ns since boot).
 * CLOCK_REALTIME is VR_REALTIME_EPOCH (2026-01-01T00:00:00Z) plus virtual time, so every
 * run sees the same dates. Sleeping is a wait on nothing (VK_NR_WAIT_MANY with no items)
 * until an absolute deadline; deadlines saturate at VK_DEADLINE_NEVER.
 */
#include "libc.h"

#include <errno.h>
#include <time.h>

#define NS_PER_SEC 1000000000ull

static long now_ns(clockid_t clk, uint64_t *out)
{
    long t;

    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        break;
    default:
        return -VK_EINVAL;
    }
    t = vk_clock_get();
    if (t < 0)
        return t;
    *out = (uint64_t)t;
    if (clk == CLOCK_REALTIME)
        *out += (uint64_t)VR_REALTIME_EPOCH * NS_PER_SEC;
    return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    uint64_t ns;
    long rc = now_ns(clk, &ns);

    if (rc < 0)
        return (int)vr_posix(rc);
    ts->tv_sec = (time_t)(ns / NS_PER_SEC);
    ts->tv_nsec = (long)(ns % NS_PER_SEC);
    return 0;
}

int clock_getres(clockid_t clk, struct timespec *res)
{
    uint64_t ns;
    long rc = now_ns(clk, &ns);

    if (rc < 0)
        return (int)vr_posix(rc);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

/* req as ns, saturated; -VK_EINVAL when it is not a valid timespec. */
static long timespec_ns(const struct timespec *req, uint64_t *out)
{
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)NS_PER_SEC)
        return -VK_EINVAL;
    if ((uint64_t)req->tv_sec > (VK_DEADLINE_NEVER - NS_PER_SEC) / NS_PER_SEC)
        *out = VK_DEADLINE_NEVER;
    else
        *out = (uint64_t)req->tv_sec * NS_PER_SEC + (uint64_t)req->tv_nsec;
    return 0;
}

long vr_abs_deadline(int clk, const struct timespec *abs, uint64_t *out)
{
    uint64_t ns, offset = 0;

    if (clk == CLOCK_REALTIME)
        offset = (uint64_t)VR_REALTIME_EPOCH * NS_PER_SEC;
    else if (clk != CLOCK_MONOTONIC)
        return -VK_EINVAL;
    if (abs->tv_nsec < 0 || abs->tv_nsec >= (long)NS_PER_SEC)
        return -VK_EINVAL;
    if (abs->tv_sec < 0) {
        *out = 0;
        return 0;
    }
    timespec_ns(abs, &ns);
    if (ns == VK_DEADLINE_NEVER)
        *out = ns;
    else
        *out = ns > offset ? ns - offset : 0;
    return 0;
}

/* Sleep until the kernel's clock reaches deadline (in its own, boot-relative ns). */
static long sleep_until(uint64_t deadline)
{
    long rc = vk_wait_many(NULL, 0, deadline);

    return rc == -VK_ETIMEDOUT || rc >= 0 ? 0 : rc;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
    uint64_t now, ns, deadline;
    long rc;

    if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
        return EINVAL;
    if ((rc = timespec_ns(req, &ns)) < 0 || (rc = now_ns(clk, &now)) < 0)
        return (int)-rc;
    if (flags & TIMER_ABSTIME) {
        /* the kernel's clock is boot-relative: take the realtime epoch off */
        uint64_t offset = clk == CLOCK_REALTIME ? (uint64_t)VR_REALTIME_EPOCH * NS_PER_SEC : 0;
        if (ns <= now)
            return 0;
        deadline = ns == VK_DEADLINE_NEVER ? ns : ns - offset;
    } else {
        uint64_t base =
            now - (clk == CLOCK_REALTIME ? (uint64_t)VR_REALTIME_EPOCH * NS_PER_SEC : 0);
        deadline = ns > VK_DEADLINE_NEVER - base ? VK_DEADLINE_NEVER : base + ns;
    }
    rc = sleep_until(deadline);
    if (rc == -VK_EINTR && rem && !(flags & TIMER_ABSTIME)) {
        uint64_t t = (uint64_t)vk_clock_get(), left = deadline > t ? deadline - t : 0;
        rem->tv_sec = (time_t)(left / NS_PER_SEC);
        rem->tv_nsec = (long)(left % NS_PER_SEC);
    }
    if (rc < 0)
        return (int)-rc;
    if (rem) {
        rem->tv_sec = 0;
        rem->tv_nsec = 0;
    }
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);

    if (rc) {
        errno = rc;
        return -1;
    }
    return 0;
}

time_t time(time_t *out)
{
    struct timespec ts = {0, 0};

    clock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

int timespec_get(struct timespec *ts, int base)
{
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) < 0)
        return 0;
    return base;
}
