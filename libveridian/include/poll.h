/*
 * POSIX <poll.h> with Linux's values. Works on the console and on vfs files (pipes, regular
 * files, directories); see src/poll.c for how several vfs files are waited for.
 */
#ifndef _POLL_H
#define _POLL_H

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200

typedef unsigned long nfds_t;

struct pollfd {
    int fd;
    short events;
    short revents;
};

int poll(struct pollfd *fds, nfds_t n, int timeout);

/* Linux's ppoll: a timespec timeout (NULL: none) and, when mask is not NULL, the thread's
 * signal mask for the wait only. */
struct timespec;
#include <signal.h>
int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask);

#endif
