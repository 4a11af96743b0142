/*
 * net_select: select, pselect and ppoll over pipes and sockets together, the same program
 * against glibc on Linux and against libveridian in vrsim. Each line is a call's result, the
 * sets' bits after it, or errno's name; never a time or a port. Covers: nothing ready with a
 * zero and a short timeout (the time left comes back as zero), a readable pipe, a writable
 * one, end of file as readable, a listening socket with a connection to accept, a connected
 * socket's data, EBADF for a closed fd, EINVAL for bad nfds and timeouts, and pselect/ppoll
 * ending with EINTR when the mask they wait with unblocks a pending signal.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static const char *ename(int e)
{
    switch (e) {
    case EBADF:
        return "EBADF";
    case EINVAL:
        return "EINVAL";
    case EINTR:
        return "EINTR";
    default:
        return "other";
    }
}

/* "what: rc [r:bits] [w:bits]" for fds a and b */
static void show(const char *what, int rc, fd_set *r, fd_set *w, int a, int b)
{
    if (rc < 0) {
        printf("%s: -1 %s\n", what, ename(errno));
        return;
    }
    printf("%s: %d", what, rc);
    if (r)
        printf(" r:%d%d", FD_ISSET(a, r), FD_ISSET(b, r));
    if (w)
        printf(" w:%d%d", FD_ISSET(a, w), FD_ISSET(b, w));
    printf("\n");
}

static volatile sig_atomic_t handled;
static void on_usr1(int s)
{
    (void)s;
    handled++;
}

int main(void)
{
    int p[2], q[2];
    CHECK(pipe(p) == 0 && pipe(q) == 0);
    fd_set r, w;
    struct timeval tv = {0, 0};

    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    int n = p[0] > q[0] ? p[0] : q[0];
    show("empty pipes, zero timeout", select(n + 1, &r, NULL, NULL, &tv), &r, NULL, p[0], q[0]);

    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    tv = (struct timeval){0, 50000};
    show("empty pipes, 50 ms", select(n + 1, &r, NULL, NULL, &tv), &r, NULL, p[0], q[0]);
    printf("time left: %ld %ld\n", (long)tv.tv_sec, (long)tv.tv_usec);

    CHECK(write(q[1], "x", 1) == 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    n = p[1] > n ? p[1] : n;
    show("q has a byte, p's write end", select(n + 1, &r, &w, NULL, NULL), &r, &w, p[0], q[0]);
    printf("p[1] writable: %d\n", FD_ISSET(p[1], &w));

    char c;
    CHECK(read(q[0], &c, 1) == 1);
    close(q[1]);
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    show("q at end of file", select(q[0] + 1, &r, NULL, NULL, NULL), &r, NULL, p[0], q[0]);

    /* sockets beside the pipe */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0);
    CHECK(getsockname(l, (struct sockaddr *)&a, &al) == 0);
    FD_ZERO(&r);
    FD_SET(l, &r);
    FD_SET(p[0], &r);
    n = l > p[0] ? l : p[0];
    tv = (struct timeval){0, 0};
    show("listener, nobody yet", select(n + 1, &r, NULL, NULL, &tv), &r, NULL, l, p[0]);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == 0);
    FD_ZERO(&r);
    FD_SET(l, &r);
    FD_SET(p[0], &r);
    show("listener, a connection waits", select(n + 1, &r, NULL, NULL, NULL), &r, NULL, l, p[0]);
    int t = accept(l, NULL, NULL);
    CHECK(t >= 0);
    CHECK(write(s, "hello", 5) == 5);
    FD_ZERO(&r);
    FD_SET(t, &r);
    FD_SET(p[0], &r);
    FD_ZERO(&w);
    FD_SET(s, &w);
    n = t > p[0] ? t : p[0];
    n = s > n ? s : n;
    show("accepted socket has data, client writable", select(n + 1, &r, &w, NULL, NULL), &r, &w, t,
         p[0]);
    printf("client writable: %d\n", FD_ISSET(s, &w));

    /* errors */
    FD_ZERO(&r);
    FD_SET(60, &r);
    show("a closed fd", select(61, &r, NULL, NULL, NULL), NULL, NULL, 0, 0);
    show("nfds -1", select(-1, NULL, NULL, NULL, NULL), NULL, NULL, 0, 0);
    tv = (struct timeval){0, -1};
    show("-1 us", select(0, NULL, NULL, NULL, &tv), NULL, NULL, 0, 0);
    tv = (struct timeval){0, 1000100};
    show("1000100 us, nothing to wait for", select(0, NULL, NULL, NULL, &tv), NULL, NULL, 0, 0);
    struct timespec bad = {0, 1000000000L};
    show("pselect 1e9 ns", pselect(0, NULL, NULL, NULL, &bad, NULL), NULL, NULL, 0, 0);

    /* pselect/ppoll: SIGUSR1 blocked and pending, waited for with a mask that lets it in */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sigset_t block, open;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, &open) == 0);
    raise(SIGUSR1);
    printf("handled before: %d\n", (int)handled);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec sec = {1, 0};
    show("pselect, the mask lets SIGUSR1 in", pselect(p[0] + 1, &r, NULL, NULL, &sec, &open), NULL,
         NULL, 0, 0);
    printf("handled after pselect: %d\n", (int)handled);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("SIGUSR1 blocked again: %d\n", sigismember(&now, SIGUSR1));
    raise(SIGUSR1);
    struct pollfd pf = {.fd = p[0], .events = POLLIN};
    show("ppoll, the mask lets SIGUSR1 in", ppoll(&pf, 1, &sec, &open), NULL, NULL, 0, 0);
    printf("handled after ppoll: %d\n", (int)handled);
    struct timespec zero = {0, 0};
    show("ppoll, nothing ready", ppoll(&pf, 1, &zero, NULL), NULL, NULL, 0, 0);

    close(s);
    close(t);
    close(l);
    return done("net_select");
}
