/*
 * net_basic: BSD socket calls over loopback, the same program against glibc on Linux and
 * against libveridian in vrsim (netstack); each line is a call's result (and errno), never a
 * port number, an address of a host-chosen port or a time. Ports are the kernel's choice
 * (bind to port 0), so the host run needs no free fixed port.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

/* "what: rc" or "what: -1 ENAME" */
static void show(const char *what, long rc)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {{EAGAIN, "EAGAIN"},
                 {EINPROGRESS, "EINPROGRESS"},
                 {EALREADY, "EALREADY"},
                 {EISCONN, "EISCONN"},
                 {ENOTCONN, "ENOTCONN"},
                 {ECONNREFUSED, "ECONNREFUSED"},
                 {EADDRINUSE, "EADDRINUSE"},
                 {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
                 {EAFNOSUPPORT, "EAFNOSUPPORT"},
                 {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
                 {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
                 {EOPNOTSUPP, "EOPNOTSUPP"},
                 {ENOPROTOOPT, "ENOPROTOOPT"},
                 {EINVAL, "EINVAL"},
                 {EPIPE, "EPIPE"},
                 {ENOTSOCK, "ENOTSOCK"},
                 {EBADF, "EBADF"},
                 {EDESTADDRREQ, "EDESTADDRREQ"},
                 {EMSGSIZE, "EMSGSIZE"}};
    if (rc >= 0) {
        printf("%s: %ld\n", what, rc);
        return;
    }
    int e = errno;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].e == e) {
            printf("%s: -1 %s\n", what, names[i].name);
            return;
        }
    }
    printf("%s: -1 errno %d\n", what, e);
}

static struct sockaddr_in loop4(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int opt(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len))
        return -1000 - errno;
    return v;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len))
        return 0;
    return ntohs(a.sin_port);
}

static void tcp(void)
{
    char buf[64];
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    printf("SO_TYPE %d SO_ERROR %d SO_ACCEPTCONN %d\n", opt(l, SOL_SOCKET, SO_TYPE),
           opt(l, SOL_SOCKET, SO_ERROR), opt(l, SOL_SOCKET, SO_ACCEPTCONN));
    printf("SO_REUSEADDR %d SO_KEEPALIVE %d TCP_NODELAY %d\n", opt(l, SOL_SOCKET, SO_REUSEADDR),
           opt(l, SOL_SOCKET, SO_KEEPALIVE), opt(l, IPPROTO_TCP, TCP_NODELAY));
    printf("SO_DOMAIN %d SO_PROTOCOL %d\n", opt(l, SOL_SOCKET, SO_DOMAIN),
           opt(l, SOL_SOCKET, SO_PROTOCOL));
    int v = 4096;
    setsockopt(l, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    printf("SO_RCVBUF after 4096: %d\n", opt(l, SOL_SOCKET, SO_RCVBUF));
    printf("unknown option: %d\n", opt(l, SOL_SOCKET, 9999));
    struct sockaddr_in a = loop4(0), got;
    socklen_t len = sizeof got;
    show("getsockname unbound", getsockname(l, (struct sockaddr *)&got, &len));
    printf("  family %d port %d addr %08x len %u\n", got.sin_family, ntohs(got.sin_port),
           ntohl(got.sin_addr.s_addr), len);
    show("recv never connected", recv(l, buf, sizeof buf, 0));
    show("send never connected", send(l, "x", 1, MSG_NOSIGNAL));
    show("accept not listening", accept(l, NULL, NULL));
    show("getpeername unconnected", getpeername(l, (struct sockaddr *)&got, &len));
    show("bind 127.0.0.1:0", bind(l, (struct sockaddr *)&a, sizeof a));
    show("bind again", bind(l, (struct sockaddr *)&a, sizeof a));
    show("listen", listen(l, 8));
    show("listen again", listen(l, 16));
    printf("SO_ACCEPTCONN %d\n", opt(l, SOL_SOCKET, SO_ACCEPTCONN));
    uint16_t port = port_of(l);
    CHECK(port != 0);
    a = loop4(port);
    int l2 = socket(AF_INET, SOCK_STREAM, 0);
    show("bind to the listener's port", bind(l2, (struct sockaddr *)&a, sizeof a));
    close(l2);
    show("send on a listener", send(l, "x", 1, MSG_NOSIGNAL));
    show("connect a listener", connect(l, (struct sockaddr *)&a, sizeof a));

    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("connect", connect(c, (struct sockaddr *)&a, sizeof a));
    show("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in peer, me;
    socklen_t plen = sizeof peer, mlen = sizeof me;
    int s = accept(l, (struct sockaddr *)&peer, &plen);
    CHECK(s >= 0);
    getsockname(c, (struct sockaddr *)&me, &mlen);
    printf("accept peer = client's name: %d (len %u)\n",
           peer.sin_port == me.sin_port && peer.sin_addr.s_addr == me.sin_addr.s_addr, plen);
    len = sizeof got;
    show("getpeername", getpeername(c, (struct sockaddr *)&got, &len));
    printf("  = the listener: %d\n",
           got.sin_port == a.sin_port && got.sin_addr.s_addr == a.sin_addr.s_addr);
    show("send", send(c, "hello", 5, 0));
    struct pollfd p = {s, POLLIN, 0};
    show("poll POLLIN", poll(&p, 1, 5000));
    printf("  revents %#x\n", p.revents);
    show("recv MSG_PEEK", recv(s, buf, 2, MSG_PEEK));
    show("recv", recv(s, buf, sizeof buf, 0));
    show("recv MSG_DONTWAIT empty", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    struct timeval tv = {0, 100000};
    show("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    show("recv timing out", recv(s, buf, sizeof buf, 0));
    show("write", write(s, "abc", 3));
    show("read", read(c, buf, sizeof buf));
    show("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    show("send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
    show("peer reads EOF", recv(s, buf, sizeof buf, 0));
    show("peer sends", send(s, "back", 4, 0));
    show("half-closed receives", recv(c, buf, sizeof buf, 0));
    show("shutdown bad how", shutdown(c, 7));
    p = (struct pollfd){s, POLLIN | POLLOUT, 0};
    show("poll peer", poll(&p, 1, 0));
    printf("  revents %#x\n", p.revents & (POLLIN | POLLOUT | POLLERR));
    close(s);
    close(c);

    /* non-blocking connect, accept */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("O_NONBLOCK from SOCK_NONBLOCK", (fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
    show("non-blocking connect", connect(c, (struct sockaddr *)&a, sizeof a));
    p = (struct pollfd){c, POLLOUT, 0};
    show("poll POLLOUT", poll(&p, 1, 5000));
    printf("  revents %#x SO_ERROR %d\n", p.revents, opt(c, SOL_SOCKET, SO_ERROR));
    s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(s >= 0);
    printf("accept4 flags: nonblock %d cloexec %d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0,
           (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
    show("recv non-blocking empty", recv(s, buf, sizeof buf, 0));
    close(s);
    close(c);
    fcntl(l, F_SETFL, O_NONBLOCK);
    show("accept non-blocking empty", accept(l, NULL, NULL));
    close(l);

    /* refused: the port of a socket that is closed again */
    l = socket(AF_INET, SOCK_STREAM, 0);
    a = loop4(0);
    bind(l, (struct sockaddr *)&a, sizeof a);
    a = loop4(port_of(l));
    close(l);
    c = socket(AF_INET, SOCK_STREAM, 0);
    show("connect to a closed port", connect(c, (struct sockaddr *)&a, sizeof a));
    printf("SO_ERROR after %d\n", opt(c, SOL_SOCKET, SO_ERROR));
    close(c);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("non-blocking connect to a closed port", connect(c, (struct sockaddr *)&a, sizeof a));
    p = (struct pollfd){c, POLLOUT, 0};
    show("poll", poll(&p, 1, 5000));
    int first = opt(c, SOL_SOCKET, SO_ERROR), then = opt(c, SOL_SOCKET, SO_ERROR);
    printf("  POLLERR %d SO_ERROR ECONNREFUSED %d then %d\n", (p.revents & POLLERR) != 0,
           first == ECONNREFUSED, then);
    close(c);
}

static void udp(void)
{
    char buf[2048];
    int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
    printf("udp SO_TYPE %d\n", opt(s, SOL_SOCKET, SO_TYPE));
    struct sockaddr_in a = loop4(0), from;
    show("udp bind", bind(s, (struct sockaddr *)&a, sizeof a));
    a = loop4(port_of(s));
    show("udp listen", listen(s, 1));
    show("udp send unconnected", send(c, "x", 1, 0));
    show("udp sendto", sendto(c, "ping", 4, 0, (struct sockaddr *)&a, sizeof a));
    socklen_t fl = sizeof from;
    show("udp recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    printf("  from the client's port: %d len %u\n", ntohs(from.sin_port) == port_of(c), fl);
    char big[1000];
    memset(big, 'z', sizeof big);
    sendto(c, big, sizeof big, 0, (struct sockaddr *)&a, sizeof a);
    show("udp recv truncated", recv(s, buf, 10, 0));
    sendto(c, big, sizeof big, 0, (struct sockaddr *)&a, sizeof a);
    show("udp recv MSG_TRUNC", recv(s, buf, 10, MSG_TRUNC));
    sendto(c, big, 20, 0, (struct sockaddr *)&a, sizeof a);
    struct iovec iv = {buf, 10};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iv;
    mh.msg_iovlen = 1;
    show("udp recvmsg truncated", recvmsg(s, &mh, 0));
    printf("  MSG_TRUNC in msg_flags %d\n", (mh.msg_flags & MSG_TRUNC) != 0);
    show("udp recv empty, non-blocking", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("udp connect", connect(c, (struct sockaddr *)&a, sizeof a));
    show("udp send connected", send(c, "abc", 3, 0));
    show("udp recv", recv(s, buf, sizeof buf, 0));
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    show("udp getpeername", getpeername(c, (struct sockaddr *)&got, &len));
    struct sockaddr unspec;
    memset(&unspec, 0, sizeof unspec);
    unspec.sa_family = AF_UNSPEC;
    show("udp disconnect (AF_UNSPEC)", connect(c, &unspec, sizeof unspec));
    len = sizeof got;
    show("udp getpeername after", getpeername(c, (struct sockaddr *)&got, &len));
    show("udp shutdown unconnected", shutdown(c, SHUT_RDWR));
    close(s);
    close(c);
}

static void errors(void)
{
    show("socket bad type", socket(AF_INET, 9, 0));
    show("socket stream/udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    show("socket dgram/tcp", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    show("socket bad flags", socket(AF_INET, SOCK_STREAM | 0x100000, 0));
    show("recv on a pipe", recv(1, NULL, 0, 0) < 0 && errno == ENOTSOCK ? -1 : 0);
    show("getsockopt bad fd", getsockopt(999, SOL_SOCKET, SO_TYPE, NULL, NULL));
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in far = loop4(9);
    far.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1, TEST-NET-1: not ours */
    show("bind to an address not ours", bind(s, (struct sockaddr *)&far, sizeof far));
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    show("bind an AF_INET socket to AF_INET6", bind(s, (struct sockaddr *)&six, sizeof six));
    show("bind with a short address", bind(s, (struct sockaddr *)&far, 4));
    close(s);
}

int main(void)
{
    tcp();
    udp();
    errors();
    return done("net_basic");
}
