/*
 * select and pselect (POSIX <sys/select.h>) on poll's engine (poll.c): the fds of the three
 * sets become pollfds (read: POLLIN, write: POLLOUT, except: POLLPRI) and the results go back
 * into the sets as Linux reports them: readable on POLLIN, POLLHUP or POLLERR, writable on
 * POLLOUT or POLLERR, exceptional on POLLPRI. The result is the number of bits set.
 *
 * Errors (-1 with errno): nfds outside [0, FD_SETSIZE] or a bad timeout (negative; for
 * pselect also nanoseconds not below a second, while select adds microseconds up as Linux
 * does) is EINVAL; an fd in a set that is not open is
 * EBADF (the sets are then left as they were); a handler run during the wait is EINTR (never
 * restarted). select() stores the time not waited in *timeout (Linux's behaviour); pselect()
 * sets the signal mask for the wait only, so a signal it unblocks ends the wait (EINTR) even
 * when it arrived just before.
 */
#include "libc.h"

#include <poll.h>
#include <sys/select.h>

#include "core.h"

static int select_fds(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, uint64_t deadline,
                      const sigset_t *mask)
{
    if (nfds < 0 || nfds > FD_SETSIZE || deadline == VR_DEADLINE_BAD)
        return (int)vr_posix(-VK_EINVAL);
    struct pollfd pf[VR_FD_MAX];
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev =
            (short)((rd && FD_ISSET(fd, rd) ? POLLIN : 0) | (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
                    (ex && FD_ISSET(fd, ex) ? POLLPRI : 0));
        if (!ev)
            continue;
        if (fd >= VR_FD_MAX)
            return (int)vr_posix(-VK_EBADF); /* beyond the fd table: never open */
        pf[n++] = (struct pollfd){.fd = fd, .events = ev};
    }
    long rc = vr_poll_until(pf, n, deadline, mask);
    if (rc < 0)
        return (int)vr_posix(rc);
    for (nfds_t i = 0; i < n; i++)
        if (pf[i].revents & POLLNVAL)
            return (int)vr_posix(-VK_EBADF);
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        int fd = pf[i].fd;
        short r = pf[i].revents;
        struct {
            fd_set *set;
            short want, got;
        } s[3] = {{rd, POLLIN, POLLIN | POLLHUP | POLLERR},
                  {wr, POLLOUT, POLLOUT | POLLERR},
                  {ex, POLLPRI, POLLPRI}};
        for (int k = 0; k < 3; k++) {
            if (!(pf[i].events & s[k].want))
                continue;
            if (r & s[k].got) {
                count++;
            } else {
                FD_CLR(fd, s[k].set);
            }
        }
    }
    return count;
}

int select(int nfds, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex,
           struct timeval *restrict timeout)
{
    uint64_t deadline = VK_DEADLINE_NEVER;
    if (timeout) {
        if (timeout->tv_sec < 0 || timeout->tv_usec < 0)
            return (int)vr_posix(-VK_EINVAL);
        /* Linux takes a microsecond count of a second or more as it adds up; past 10^12 s
         * (no overflow below) the wait has no end that matters */
        struct timespec ts = {1000000000000ll, 0};
        if (timeout->tv_sec < 1000000000000ll)
            ts = (struct timespec){timeout->tv_sec + (time_t)(timeout->tv_usec / 1000000),
                                   (long)(timeout->tv_usec % 1000000) * 1000};
        deadline = vr_deadline_after_ts(&ts);
    }
    int rc = select_fds(nfds, rd, wr, ex, deadline, NULL);
    if (timeout && deadline != VK_DEADLINE_NEVER) {
        long now = vk_clock_get();
        uint64_t left = now >= 0 && (uint64_t)now < deadline ? deadline - (uint64_t)now : 0;
        timeout->tv_sec = (time_t)(left / 1000000000ull);
        timeout->tv_usec = (suseconds_t)(left % 1000000000ull / 1000);
    }
    return rc;
}

int pselect(int nfds, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex,
            const struct timespec *restrict timeout, const sigset_t *restrict mask)
{
    return select_fds(nfds, rd, wr, ex, vr_deadline_after_ts(timeout), mask);
}
