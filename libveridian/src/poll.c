/*
 * poll() over the fd kinds. Each round first *looks* at every fd (the console: a
 * wait_many with deadline 0 on its input signal, always writable; a vfs file: VFS_OP_POLL
 * with data[1]=1, which never waits). When nothing is ready and the timeout allows, it
 * waits:
 *  - only kernel-waitable fds (the console): one vk_wait_many on their signals until the
 *    deadline, then look again;
 *  - exactly one vfs file and nothing kernel-waitable: one waiting VFS_OP_POLL whose call
 *    deadline is the poll deadline (vfs replies when the file becomes ready; the kernel ends
 *    the call with ETIMEDOUT at the deadline). Should vfs answer a waiting poll with nothing
 *    ready (it does not wait for O_NONBLOCK files), the rest of the wait retries as below
 *    instead of spinning;
 *  - anything else (several vfs files, or vfs files and the console): one notification for
 *    the whole call; each vfs file gets a one-shot watch on it (VFS_OP_WATCH: vfs signals the
 *    file's bit when it is ready), and one vk_wait_many waits for the notification and the
 *    kernel-waitable fds together; the watches left are dropped (VFS_OP_UNWATCH) and the
 *    fds looked at again. Should vfs refuse a watch (its table is full), that round falls
 *    back to sleeping 1 ms of virtual time between looks.
 *
 * Errors: nfds above the fd table size is EINVAL; an fd that is not open reports POLLNVAL;
 * a negative fd is skipped. A failure on one fd reports POLLNVAL for it when its handle went
 * stale (closed by another thread), else POLLERR (vfs gone).
 */
#include "libc.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include "core.h"

#define RETRY_NS 1000000ull /* the sleep between looks with several vfs files: 1 ms */
#define MAX_ITEMS 64u       /* the kernel's wait_many limit */

struct poll_plan {
    struct vk_wait items[MAX_ITEMS];
    unsigned nitems;
    unsigned nserver;    /* fds whose kind waits in its own poll (vfs files) */
    nfds_t server_index; /* the last of them */
    int overflow;        /* more kernel-waitable fds than items: fall back to retrying */
};

static uint32_t wanted(const struct pollfd *p)
{
    return (uint16_t)p->events | POLLERR | POLLHUP;
}

/* What a kind's poll result means for p: a stale handle (closed meanwhile) is POLLNVAL,
 * any other failure POLLERR. */
static short revents_of(const struct pollfd *p, long r)
{
    if (r < 0)
        return r == -VK_EBADF ? POLLNVAL : POLLERR;
    return (short)(r & (long)wanted(p));
}

/* One look at every fd: the number ready; the plan for waiting is filled on the way. */
static int look(struct pollfd *fds, nfds_t n, struct poll_plan *plan)
{
    int ready = 0;

    plan->nitems = plan->nserver = 0;
    plan->overflow = 0;
    for (nfds_t i = 0; i < n; i++) {
        struct pollfd *p = &fds[i];
        struct vr_fd e;

        p->revents = 0;
        if (p->fd < 0)
            continue;
        if (vr_fd_get(p->fd, &e) < 0) {
            p->revents = POLLNVAL;
            ready++;
            continue;
        }
        p->revents = revents_of(p, e.ops->poll(e.handle, wanted(p), 0));
        if (p->revents) {
            ready++;
            continue;
        }
        if (!e.ops->poll_item) {
            plan->nserver++;
            plan->server_index = i;
        } else if (plan->nitems < MAX_ITEMS) {
            plan->nitems +=
                (unsigned)e.ops->poll_item(e.handle, wanted(p), &plan->items[plan->nitems]);
        } else {
            plan->overflow = 1;
        }
    }
    return ready;
}

/* Watch (add) or unwatch every vfs file that is not ready, bit k for the k-th one, on the
 * notification *notify (made on first use; one per poll call, so threads never share one),
 * added to the plan's wait items. 0, or -VK_E* (add: the watches made so far are dropped). */
static long watch_all(struct pollfd *fds, nfds_t n, struct poll_plan *plan, int add,
                      uint32_t *notify)
{
    long rc = 0;
    unsigned k = 0;
    if (add && !*notify && (rc = vk_notify_create(notify)))
        return rc;
    uint32_t poll_notify = *notify;
    for (nfds_t i = 0; i < n && rc == 0; i++) {
        struct vr_fd e;
        if (fds[i].fd < 0 || fds[i].revents || vr_fd_get(fds[i].fd, &e) < 0 || e.ops->poll_item)
            continue;
        rc = vr_vfs_watch(e.handle, poll_notify, wanted(&fds[i]), 1ull << (k++ % 63), add);
    }
    if (add && rc) {
        watch_all(fds, n, plan, 0, notify);
        return rc;
    }
    if (add)
        plan->items[plan->nitems++] =
            (struct vk_wait){.handle = poll_notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
    return rc;
}

static uint64_t now_ns(void)
{
    long t = vk_clock_get();
    return t < 0 ? 0 : (uint64_t)t;
}

static long poll_wait(struct pollfd *fds, nfds_t n, uint64_t deadline, uint32_t *notify);

static long poll_fds(struct pollfd *fds, nfds_t n, uint64_t deadline)
{
    uint32_t notify = 0;
    long rc = poll_wait(fds, n, deadline, &notify);
    if (notify)
        vk_handle_close(notify);
    return rc;
}

/* deadline: 0 looks once, VK_DEADLINE_NEVER waits without end */
static long poll_wait(struct pollfd *fds, nfds_t n, uint64_t deadline, uint32_t *notify)
{
    struct poll_plan plan;
    int server_waits = 1; /* a waiting VFS_OP_POLL really waits */

    if (n > VR_FD_MAX)
        return -VK_EINVAL;
    for (;;) {
        int ready = look(fds, n, &plan);
        if (ready || deadline == 0)
            return ready;
        uint64_t now = now_ns();
        if (now >= deadline)
            return 0;
        if (plan.nserver == 1 && plan.nitems == 0 && !plan.overflow && server_waits) {
            struct pollfd *p = &fds[plan.server_index];
            struct vr_fd e;
            if (vr_fd_get(p->fd, &e) < 0)
                continue; /* closed meanwhile: the next look says POLLNVAL */
            long r = e.ops->poll(e.handle, wanted(p), deadline);
            if (r == -VK_ETIMEDOUT)
                return 0;
            p->revents = revents_of(p, r);
            if (p->revents)
                return 1;
            server_waits = 0; /* answered with nothing ready: retry from now on */
            continue;
        }
        uint64_t until = deadline;
        int watched = plan.nserver && !plan.overflow && plan.nitems < MAX_ITEMS &&
                      watch_all(fds, n, &plan, 1, notify) == 0;
        if ((plan.nserver && !watched) || plan.overflow)
            until = deadline - now > RETRY_NS ? now + RETRY_NS : deadline;
        long rc = vk_wait_many(plan.nitems ? plan.items : NULL, plan.nitems, until);
        if (watched)
            watch_all(fds, n, &plan, 0, notify);
        if (rc < 0 && rc != -VK_ETIMEDOUT)
            return rc;
    }
}

long vr_poll_until(struct pollfd *fds, nfds_t n, uint64_t deadline, const void *mask)
{
    struct vr_tcb *self = vr_tcb_current();
    sigset_t old;
    unsigned handled = self->sig_handled;
    long rc;
    self->sig_norestart++;
    if (mask && pthread_sigmask(SIG_SETMASK, (const sigset_t *)mask, &old)) {
        rc = -VK_EINVAL;
    } else if (mask && self->sig_handled != handled) {
        rc = -VK_EINTR; /* a signal the new mask lets through ran its handler already */
    } else {
        rc = poll_fds(fds, n, deadline);
    }
    self->sig_norestart--;
    if (mask && rc != -VK_EINVAL)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

uint64_t vr_deadline_after_ts(const struct timespec *ts)
{
    if (!ts)
        return VK_DEADLINE_NEVER;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
        return VR_DEADLINE_BAD;
    if (!ts->tv_sec && !ts->tv_nsec)
        return 0;
    uint64_t now = now_ns();
    if ((uint64_t)ts->tv_sec >= (VK_DEADLINE_NEVER - now) / 1000000000ull)
        return VK_DEADLINE_NEVER;
    uint64_t ns = (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
    return ns > VK_DEADLINE_NEVER - now ? VK_DEADLINE_NEVER : now + ns;
}

/* Never restarted after a handler (POSIX): the vfs calls inside give EINTR back. */
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    uint64_t deadline = timeout == 0 ? 0 : vr_deadline_after_ms(now_ns(), timeout);
    return (int)vr_posix(vr_poll_until(fds, n, deadline, NULL));
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
    uint64_t deadline = vr_deadline_after_ts(timeout);
    if (deadline == VR_DEADLINE_BAD)
        return (int)vr_posix(-VK_EINVAL);
    return (int)vr_posix(vr_poll_until(fds, n, deadline, mask));
}
