/*
 * POSIX <sys/select.h>: select and pselect over the same fds poll() serves (the console,
 * vfs files, sockets), with glibc's FD_SETSIZE and fd_set layout. select() leaves the time
 * not waited in *timeout, as Linux does; pselect() never changes its timeout.
 */
#ifndef _SYS_SELECT_H
#define _SYS_SELECT_H

#include <signal.h>
#include <sys/time.h>
#include <time.h>

#define FD_SETSIZE 1024
#define __VR_NFDBITS (8 * (int)sizeof(long))

typedef struct {
    long fds_bits[FD_SETSIZE / (8 * sizeof(long))];
} fd_set;

#define FD_ZERO(s)                                                                                 \
    do {                                                                                           \
        for (unsigned __i = 0; __i < sizeof(fd_set) / sizeof(long); __i++)                         \
            (s)->fds_bits[__i] = 0;                                                                \
    } while (0)
#define FD_SET(fd, s) ((void)((s)->fds_bits[(fd) / __VR_NFDBITS] |= (1l << ((fd) % __VR_NFDBITS))))
#define FD_CLR(fd, s) ((void)((s)->fds_bits[(fd) / __VR_NFDBITS] &= ~(1l << ((fd) % __VR_NFDBITS))))
#define FD_ISSET(fd, s) (((s)->fds_bits[(fd) / __VR_NFDBITS] & (1l << ((fd) % __VR_NFDBITS))) != 0)

int select(int nfds, fd_set *restrict readfds, fd_set *restrict writefds,
           fd_set *restrict exceptfds, struct timeval *restrict timeout);
int pselect(int nfds, fd_set *restrict readfds, fd_set *restrict writefds,
            fd_set *restrict exceptfds, const struct timespec *restrict timeout,
            const sigset_t *restrict sigmask);

#endif
