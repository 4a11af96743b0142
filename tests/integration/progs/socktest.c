/*
 * BSD sockets end to end on one machine (tests/integration/net/sockets.sh): libveridian's
 * socket calls, the netstack service behind /dev/net, lwIP's loopback. One mode per run:
 *
 *   socktest basic        options, names, flags, shutdown, read/write/fstat on a socket
 *   socktest tcp BYTES    TCP echo of BYTES pseudo-random bytes (a writer thread, the echo
 *                         server in another), compared by checksum; IPv4 and IPv6
 *   socktest udp          UDP echo (sendto/recvfrom, connected UDP, sendmsg/recvmsg, IPv6)
 *   socktest refused      connect to a port nobody listens on: ECONNREFUSED
 *   socktest nonblock     non-blocking connect + poll + SO_ERROR (a listener, and nobody)
 *   socktest timeout ADDR blocking connect to ADDR:80 nobody answers: ETIMEDOUT in virtual
 *                         time (prints the seconds it took)
 *   socktest many N       N connections at once against one listener, each echoing its index
 *   socktest eacces       socket() without CAP_NET: EACCES
 *   socktest pollmix      poll over a socket and a pipe together
 *   socktest ping         ping sockets: an echo to 127.0.0.1 and to ::1
 *   socktest serve PORT   (two nodes) echo every connection on PORT, forever
 *   socktest send A PORT BYTES  (two nodes) TCP echo of BYTES through A:PORT, checksum compared
 *   socktest raw          a raw ICMP socket (needs CAP_NET_RAW): an echo to 127.0.0.1
 *   socktest limits       the fd table's limit on sockets; file calls and bad arguments that
 *                         netstack refuses (and survives)
 *   socktest kill         a child holding a connection is killed: the server sees the end,
 *                         netstack lives on, /proc/net/tcp loses the connection
 *   socktest hold PORT    (the child of "kill") connect to 127.0.0.1:PORT and wait
 *
 * Output: one "ok   ..." / "FAIL ..." line per check (expect.h) and a summary; exit status
 * the number of failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"

extern char **environ;

static struct sockaddr_in sin4(uint32_t addr, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(addr);
    return a;
}

static struct sockaddr_in6 sin6_loop(uint16_t port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    return a;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listener(int domain, uint16_t port, int backlog)
{
    int s = socket(domain, SOCK_STREAM, 0), one = 1;
    if (s < 0)
        return -1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (domain == AF_INET) {
        struct sockaddr_in a = sin4(INADDR_LOOPBACK, port);
        rc = bind(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = sin6_loop(port);
        rc = bind(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc || listen(s, backlog)) {
        close(s);
        return -1;
    }
    return s;
}

static int connect_to(int domain, uint16_t port)
{
    int s = socket(domain, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    int rc;
    if (domain == AF_INET) {
        struct sockaddr_in a = sin4(INADDR_LOOPBACK, port);
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = sin6_loop(port);
        rc = connect(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc) {
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return s;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = send(fd, p, n, 0);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- basic ---- */

static int mode_basic(void)
{
    int l = listener(AF_INET, 7000, 4);
    expect("listen on 127.0.0.1:7000", l >= 0, 1);
    int type = 0, v = 0;
    socklen_t len = sizeof type;
    expect("SO_TYPE is SOCK_STREAM",
           getsockopt(l, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM, 1);
    len = sizeof v;
    expect("SO_ACCEPTCONN on a listener",
           getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1, 1);
    len = sizeof v;
    expect("SO_REUSEADDR reads back",
           getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v == 1, 1);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    expect("SOCK_CLOEXEC sets FD_CLOEXEC", fcntl(c, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    struct stat st;
    expect("fstat: S_IFSOCK", fstat(c, &st) == 0 && S_ISSOCK(st.st_mode), 1);
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 7000), got;
    expect("connect", connect(c, (struct sockaddr *)&a, sizeof a), 0);
    expect("connect again: EISCONN",
           connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == EISCONN, 1);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &plen);
    expect("accept", s >= 0, 1);
    expect("accept: peer address length", plen, sizeof peer);
    len = sizeof got;
    expect("getpeername of the client",
           getpeername(c, (struct sockaddr *)&got, &len) == 0 && got.sin_port == htons(7000) &&
               got.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
           1);
    len = sizeof got;
    expect("getsockname of the client = accept's peer",
           getsockname(c, (struct sockaddr *)&got, &len) == 0 && got.sin_port == peer.sin_port &&
               ntohs(got.sin_port) != 0,
           1);
    v = 1;
    expect("TCP_NODELAY set", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), 0);
    v = 0;
    len = sizeof v;
    expect("TCP_NODELAY reads back",
           getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1, 1);
    v = 1;
    expect("SO_KEEPALIVE set", setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v), 0);
    v = 4096;
    expect("SO_RCVBUF set", setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
    len = sizeof v;
    expect("SO_RCVBUF reads back doubled (Linux)",
           getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v == 8192, 1);
    len = sizeof v;
    expect("SO_ERROR is 0", getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0, 1);
    expect("write() on a socket", write(c, "hello", 5), 5);
    char buf[64];
    expect("read() on a socket", read(s, buf, sizeof buf), 5);
    expect("the bytes", memcmp(buf, "hello", 5), 0);
    /* SO_RCVTIMEO: a blocking recv gives up in virtual time */
    struct timeval tv = {0, 250000};
    expect("SO_RCVTIMEO set", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    long t0 = now_ms();
    expect("recv with SO_RCVTIMEO: EAGAIN", recv(s, buf, sizeof buf, 0) == -1 && errno == EAGAIN,
           1);
    long dt = now_ms() - t0;
    expect("... after 250 ms of virtual time", dt >= 250 && dt < 400, 1);
    struct timeval tv2;
    len = sizeof tv2;
    expect("SO_RCVTIMEO reads back",
           getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &len) == 0 && tv2.tv_usec == 250000, 1);
    /* O_NONBLOCK through fcntl, and MSG_DONTWAIT */
    int fl = fcntl(s, F_GETFL);
    expect("F_SETFL O_NONBLOCK", fcntl(s, F_SETFL, fl | O_NONBLOCK), 0);
    expect("F_GETFL has O_NONBLOCK", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, 1);
    expect("non-blocking recv: EAGAIN", recv(s, buf, sizeof buf, 0) == -1 && errno == EAGAIN, 1);
    expect("MSG_DONTWAIT: EAGAIN", recv(c, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN,
           1);
    /* MSG_PEEK leaves the bytes */
    send(c, "xyz", 3, 0);
    struct pollfd p = {s, POLLIN, 0};
    poll(&p, 1, 1000);
    expect("MSG_PEEK", recv(s, buf, sizeof buf, MSG_PEEK), 3);
    expect("then recv", recv(s, buf, sizeof buf, 0), 3);
    /* shutdown(SHUT_WR): the peer reads end of file, and can still send */
    expect("shutdown SHUT_WR", shutdown(c, SHUT_WR), 0);
    expect("send after SHUT_WR: EPIPE", send(c, "a", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, 1);
    fcntl(s, F_SETFL, fl);
    expect("peer reads EOF", recv(s, buf, sizeof buf, 0), 0);
    expect("peer still sends", send(s, "back", 4, 0), 4);
    expect("half-closed side still receives", recv(c, buf, sizeof buf, 0), 4);
    /* errors of the calls themselves */
    expect("recv on a non-socket: ENOTSOCK", recv(0, buf, 1, 0) == -1 && errno == ENOTSOCK, 1);
    expect("AF_UNIX: EAFNOSUPPORT", socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT,
           1);
    expect("bad type: ESOCKTNOSUPPORT", socket(AF_INET, 9, 0) == -1 && errno == ESOCKTNOSUPPORT, 1);
    expect("bad protocol: EPROTONOSUPPORT",
           socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT, 1);
    expect("SOCK_RAW without CAP_NET_RAW: EPERM",
           socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) == -1 && errno == EPERM, 1);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in far = sin4(0x0a000263, 9);
    expect("bind to an address not ours: EADDRNOTAVAIL",
           bind(u, (struct sockaddr *)&far, sizeof far) == -1 && errno == EADDRNOTAVAIL, 1);
    int l2 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in same = sin4(INADDR_LOOPBACK, 7000);
    expect("bind to a port in use: EADDRINUSE",
           bind(l2, (struct sockaddr *)&same, sizeof same) == -1 && errno == EADDRINUSE, 1);
    expect("listen on UDP: EOPNOTSUPP", listen(u, 1) == -1 && errno == EOPNOTSUPP, 1);
    expect("getpeername unconnected: ENOTCONN",
           getpeername(l2, (struct sockaddr *)&got, &len) == -1 && errno == ENOTCONN, 1);
    int d = dup(c);
    close(c);
    expect("a dup keeps the socket", send(d, "k", 1, 0) == -1 && errno == EPIPE, 1);
    close(d);
    close(s);
    close(l);
    close(l2);
    close(u);
    return expect_summary("socktest basic");
}

/* ---- tcp echo ---- */

struct echo_arg {
    int fd;
    size_t bytes;
    uint32_t seed;
};

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void *echo_server(void *arg)
{
    struct echo_arg *e = arg;
    int s = accept(e->fd, NULL, NULL);
    static char buf[16384];
    ssize_t n;
    while (s >= 0 && (n = recv(s, buf, sizeof buf, 0)) > 0)
        if (write_all(s, buf, (size_t)n))
            break;
    close(s);
    return NULL;
}

static void *writer(void *arg)
{
    struct echo_arg *e = arg;
    static char buf[8192];
    uint32_t x = e->seed;
    size_t left = e->bytes;
    while (left) {
        size_t n = left < sizeof buf ? left : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)next_rand(&x);
        if (write_all(e->fd, buf, n))
            return (void *)1;
        left -= n;
    }
    shutdown(e->fd, SHUT_WR);
    return NULL;
}

static uint32_t crc32_update(uint32_t c, const unsigned char *p, size_t n)
{
    c = ~c;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void tcp_echo(int domain, uint16_t port, size_t bytes)
{
    char what[96];
    int l = listener(domain, port, 1);
    struct echo_arg srv = {l, 0, 0};
    pthread_t ts, tw;
    pthread_create(&ts, NULL, echo_server, &srv);
    int c = connect_to(domain, port);
    snprintf(what, sizeof what, "tcp%s: connect", domain == AF_INET ? "" : "6");
    expect(what, c >= 0, 1);
    if (c < 0)
        printf("tcp%s: connect: %s\n", domain == AF_INET ? "" : "6", strerror(errno));
    struct echo_arg w = {c, bytes, 12345};
    pthread_create(&tw, NULL, writer, &w);
    uint32_t x = 12345, want = 0, got = 0;
    size_t total = 0;
    static unsigned char buf[16384], ref[16384];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            ref[i] = (unsigned char)next_rand(&x);
        got = crc32_update(got, buf, (size_t)n);
        want = crc32_update(want, ref, (size_t)n);
        total += (size_t)n;
    }
    if (n < 0)
        printf("tcp%s: recv: %s\n", domain == AF_INET ? "" : "6", strerror(errno));
    pthread_join(tw, NULL);
    pthread_join(ts, NULL);
    snprintf(what, sizeof what, "tcp%s: %zu bytes echoed", domain == AF_INET ? "" : "6", bytes);
    expect(what, (long)total, (long)bytes);
    printf("tcp%s echo: %zu bytes crc32 %08x want %08x\n", domain == AF_INET ? "" : "6", total, got,
           want);
    snprintf(what, sizeof what, "tcp%s: checksum", domain == AF_INET ? "" : "6");
    expect(what, got == want, 1);
    close(c);
    close(l);
}

static int mode_tcp(size_t bytes)
{
    long t0 = now_ms();
    tcp_echo(AF_INET, 7001, bytes);
    printf("virtual ms: %ld\n", now_ms() - t0);
    tcp_echo(AF_INET6, 7002, bytes / 16);
    return expect_summary("socktest tcp");
}

/* ---- udp ---- */

static int mode_udp(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0), cl = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = sin4(INADDR_LOOPBACK, 7100), from;
    expect("udp: bind", bind(srv, (struct sockaddr *)&sa, sizeof sa), 0);
    expect("udp: sendto", sendto(cl, "ping!", 5, 0, (struct sockaddr *)&sa, sizeof sa), 5);
    char buf[2048];
    socklen_t fl = sizeof from;
    expect("udp: recvfrom", recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 5);
    expect("udp: sender's family and length", from.sin_family == AF_INET && fl == sizeof from, 1);
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    getsockname(cl, (struct sockaddr *)&me, &ml);
    expect("udp: sender's port is the client's", from.sin_port == me.sin_port && me.sin_port != 0,
           1);
    expect("udp: echo back", sendto(srv, buf, 5, 0, (struct sockaddr *)&from, fl), 5);
    expect("udp: client receives the echo", recv(cl, buf, sizeof buf, 0), 5);
    expect("udp: same bytes", memcmp(buf, "ping!", 5), 0);
    /* a datagram larger than the buffer: truncated, MSG_TRUNC says so */
    char big[1400];
    memset(big, 'b', sizeof big);
    sendto(cl, big, sizeof big, 0, (struct sockaddr *)&sa, sizeof sa);
    expect("udp: truncated recv", recv(srv, buf, 100, 0), 100);
    sendto(cl, big, sizeof big, 0, (struct sockaddr *)&sa, sizeof sa);
    expect("udp: MSG_TRUNC gives the full length", recv(srv, buf, 100, MSG_TRUNC),
           (long)sizeof big);
    /* connected UDP: send/recv without addresses; datagrams from others are filtered */
    expect("udp: connect", connect(cl, (struct sockaddr *)&sa, sizeof sa), 0);
    expect("udp: send on a connected socket", send(cl, "conn", 4, 0), 4);
    expect("udp: server gets it", recv(srv, buf, sizeof buf, 0), 4);
    int other = socket(AF_INET, SOCK_DGRAM, 0);
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* it is bound to any address */
    sendto(other, "stranger", 8, 0, (struct sockaddr *)&me, sizeof me);
    sendto(srv, "friend", 6, 0, (struct sockaddr *)&me, sizeof me);
    expect("udp: a connected socket only hears its peer", recv(cl, buf, sizeof buf, 0), 6);
    /* sendmsg / recvmsg with vectors */
    struct iovec iv[2] = {{"ab", 2}, {"cde", 3}};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = iv;
    mh.msg_iovlen = 2;
    expect("udp: sendmsg", sendmsg(cl, &mh, 0), 5);
    char r1[3], r2[8];
    struct iovec ov[2] = {{r1, 3}, {r2, 8}};
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = ov;
    mh.msg_iovlen = 2;
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    expect("udp: recvmsg", recvmsg(srv, &mh, 0), 5);
    expect("udp: recvmsg scattered", memcmp(r1, "abc", 3) == 0 && memcmp(r2, "de", 2) == 0, 1);
    expect("udp: recvmsg address", mh.msg_namelen == sizeof from && from.sin_port == me.sin_port,
           1);
    /* IPv6 */
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0), c6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6 = sin6_loop(7101), f6;
    expect("udp6: bind ::1", bind(s6, (struct sockaddr *)&a6, sizeof a6), 0);
    expect("udp6: sendto", sendto(c6, "six", 3, 0, (struct sockaddr *)&a6, sizeof a6), 3);
    socklen_t l6 = sizeof f6;
    expect("udp6: recvfrom", recvfrom(s6, buf, sizeof buf, 0, (struct sockaddr *)&f6, &l6), 3);
    expect("udp6: from ::1", f6.sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&f6.sin6_addr), 1);
    close(s6);
    close(c6);
    close(other);
    close(cl);
    close(srv);
    return expect_summary("socktest udp");
}

/* ---- refused, non-blocking, timeout ---- */

static int mode_refused(void)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 7200);
    expect("connect to a closed port: ECONNREFUSED",
           connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED, 1);
    close(c);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = sin6_loop(7200);
    expect("connect6 to a closed port: ECONNREFUSED",
           connect(c6, (struct sockaddr *)&a6, sizeof a6) == -1 && errno == ECONNREFUSED, 1);
    close(c6);
    return expect_summary("socktest refused");
}

static int mode_nonblock(void)
{
    int l = listener(AF_INET, 7300, 4);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 7300);
    int rc = connect(c, (struct sockaddr *)&a, sizeof a);
    expect("non-blocking connect: EINPROGRESS", rc == -1 && errno == EINPROGRESS, 1);
    /* Linux: EALREADY while the handshake runs; over loopback it may be done already, and then
     * the first connect after it reports 0 */
    rc = connect(c, (struct sockaddr *)&a, sizeof a);
    expect("connect again meanwhile: EALREADY or 0", rc == 0 || errno == EALREADY, 1);
    struct pollfd p = {c, POLLOUT, 0};
    expect("poll: writable once connected", poll(&p, 1, 5000), 1);
    expect("poll: POLLOUT", p.revents & (POLLOUT | POLLERR), POLLOUT);
    int err = -1;
    socklen_t len = sizeof err;
    expect("SO_ERROR: 0", getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, 1);
    int s = accept(l, NULL, NULL);
    expect("accepted", s >= 0, 1);
    /* non-blocking accept with nothing queued */
    fcntl(l, F_SETFL, O_NONBLOCK);
    expect("non-blocking accept: EAGAIN", accept(l, NULL, NULL) == -1 && errno == EAGAIN, 1);
    close(s);
    close(c);
    /* to nobody: the error comes through poll and SO_ERROR */
    c = socket(AF_INET, SOCK_STREAM, 0);
    fcntl(c, F_SETFL, O_NONBLOCK);
    a = sin4(INADDR_LOOPBACK, 7301);
    rc = connect(c, (struct sockaddr *)&a, sizeof a);
    expect("non-blocking connect to nobody: EINPROGRESS", rc == -1 && errno == EINPROGRESS, 1);
    p = (struct pollfd){c, POLLOUT, 0};
    expect("poll: ready", poll(&p, 1, 5000), 1);
    expect("poll: POLLERR", (p.revents & POLLERR) != 0, 1);
    len = sizeof err;
    expect("SO_ERROR: ECONNREFUSED",
           getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNREFUSED, 1);
    len = sizeof err;
    expect("SO_ERROR is cleared by reading it",
           getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, 1);
    close(c);
    close(l);
    return expect_summary("socktest nonblock");
}

static int mode_timeout(const char *addr)
{
    unsigned long a, b, cc, d;
    char *q;
    a = strtoul(addr, &q, 10);
    b = strtoul(q + 1, &q, 10);
    cc = strtoul(q + 1, &q, 10);
    d = strtoul(q + 1, &q, 10);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = sin4((uint32_t)(a << 24 | b << 16 | cc << 8 | d), 80);
    long t0 = now_ms();
    int rc = connect(c, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    long dt = now_ms() - t0;
    expect("connect to nobody: ETIMEDOUT", rc == -1 && e == ETIMEDOUT, 1);
    printf("connect gave up after %ld s of virtual time\n", dt / 1000);
    expect("after SYN retries (more than 10 s of virtual time)", dt > 10000, 1);
    /* SO_SNDTIMEO bounds a blocking connect: EINPROGRESS (Linux) */
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {1, 0};
    setsockopt(c2, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    t0 = now_ms();
    rc = connect(c2, (struct sockaddr *)&sa, sizeof sa);
    e = errno;
    dt = now_ms() - t0;
    expect("connect with SO_SNDTIMEO 1 s: EINPROGRESS", rc == -1 && e == EINPROGRESS, 1);
    expect("... after 1 s", dt >= 1000 && dt < 1500, 1);
    close(c2);
    close(c);
    return expect_summary("socktest timeout");
}

/* ---- many ---- */

static int mode_many(int n)
{
    if (n < 1 || n > 120)
        return 2;
    int l = listener(AF_INET, 7400, 128);
    expect("many: listen", l >= 0, 1);
    int cl[120], sv[120], ok = 0, conn = 0;
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 7400);
    for (int i = 0; i < n; i++) { /* all connects in flight at once */
        cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int rc = connect(cl[i], (struct sockaddr *)&a, sizeof a);
        conn += rc == 0 || errno == EINPROGRESS;
    }
    expect("many: connects started", conn, n);
    int acc = 0;
    for (int i = 0; i < n; i++)
        acc += (sv[i] = accept(l, NULL, NULL)) >= 0;
    expect("many: accepted", acc, n);
    for (int i = 0; i < n; i++) {
        struct pollfd p = {cl[i], POLLOUT, 0};
        poll(&p, 1, 5000);
        int fl = fcntl(cl[i], F_GETFL);
        fcntl(cl[i], F_SETFL, fl & ~O_NONBLOCK);
        char m[16];
        int k = snprintf(m, sizeof m, "conn %d", i);
        send(cl[i], m, (size_t)k, 0);
    }
    /* each server side echoes what it got; each client checks it is its own */
    for (int i = 0; i < n; i++) {
        char m[32];
        ssize_t k = recv(sv[i], m, sizeof m, 0);
        if (k > 0)
            send(sv[i], m, (size_t)k, 0);
    }
    int seen[120] = {0};
    for (int i = 0; i < n; i++) {
        char m[32], want[16];
        ssize_t k = recv(cl[i], m, sizeof m - 1, 0);
        int w = snprintf(want, sizeof want, "conn %d", i);
        if (k == w && !memcmp(m, want, (size_t)w) && !seen[i]) {
            seen[i] = 1;
            ok++;
        }
    }
    expect("many: every connection echoed its own bytes", ok, n);
    for (int i = 0; i < n; i++) {
        close(cl[i]);
        close(sv[i]);
    }
    close(l);
    printf("many: %d connections\n", n);
    return expect_summary("socktest many");
}

/* ---- limits and abuse ---- */

static int mode_limits(void)
{
    static int fds[300];
    int n = 0;
    while (n < 300 && (fds[n] = socket(AF_INET, SOCK_STREAM, 0)) >= 0)
        n++;
    expect("limits: the fd table ends socket() with EMFILE", n < 300 && errno == EMFILE, 1);
    printf("limits: %d TCP sockets open at once\n", n);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    /* UDP sockets take one of lwIP's UDP PCBs each (MEMP_NUM_UDP_PCB): ENOBUFS beyond */
    n = 0;
    while (n < 300 && (fds[n] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0)
        n++;
    expect("limits: lwIP's UDP PCBs end socket() with ENOBUFS", n < 300 && errno == ENOBUFS, 1);
    printf("limits: %d UDP sockets open at once\n", n);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    expect("limits: sockets again once they are closed", s >= 0, 1);
    close(s);
    /* the control node itself, opened as a file: netstack refuses file calls on it */
    int ctl = open("/dev/net", O_RDWR);
    expect("abuse: /dev/net opens", ctl >= 0, 1);
    char buf[16];
    expect("abuse: read on /dev/net: EINVAL", read(ctl, buf, sizeof buf) == -1 && errno == EINVAL,
           1);
    expect("abuse: write on /dev/net: EINVAL", write(ctl, "x", 1) == -1 && errno == EINVAL, 1);
    struct stat st;
    expect("abuse: fstat on /dev/net: EINVAL", fstat(ctl, &st) == -1 && errno == EINVAL, 1);
    close(ctl);
    /* file calls that make no sense on a socket */
    s = socket(AF_INET, SOCK_STREAM, 0);
    expect("abuse: lseek on a socket: ESPIPE", lseek(s, 0, SEEK_SET) == -1 && errno == ESPIPE, 1);
    expect("abuse: pread on a socket: ESPIPE", pread(s, buf, 1, 0) == -1 && errno == ESPIPE, 1);
    expect("abuse: ftruncate on a socket: EINVAL", ftruncate(s, 0) == -1 && errno == EINVAL, 1);
    struct sockaddr_storage big;
    memset(&big, 0, sizeof big);
    big.ss_family = AF_INET;
    expect("abuse: address longer than sockaddr_storage: EINVAL",
           bind(s, (struct sockaddr *)&big, sizeof big + 1) == -1 && errno == EINVAL, 1);
    big.ss_family = 77;
    expect("abuse: unknown family: EAFNOSUPPORT",
           connect(s, (struct sockaddr *)&big, sizeof big) == -1 && errno == EAFNOSUPPORT, 1);
    char opt[64] = {0};
    expect("abuse: option longer than netstack takes: EINVAL",
           setsockopt(s, SOL_SOCKET, SO_LINGER, opt, sizeof opt) == -1 && errno == EINVAL, 1);
    expect("abuse: option of an unknown level: ENOPROTOOPT",
           setsockopt(s, 9999, 1, opt, sizeof(int)) == -1 && errno == ENOPROTOOPT, 1);
    close(s);
    s = socket(AF_INET, SOCK_STREAM, 0);
    expect("abuse: netstack still serves", s >= 0, 1);
    close(s);
    return expect_summary("socktest limits");
}

/* ---- capabilities ---- */

static int mode_eacces(void)
{
    errno = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    expect("socket without CAP_NET: EACCES", s == -1 && errno == EACCES, 1);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    expect("udp socket without CAP_NET: EACCES", s == -1 && errno == EACCES, 1);
    return expect_summary("socktest eacces");
}

/* ---- poll over a socket and a pipe ---- */

static int mode_pollmix(void)
{
    int l = listener(AF_INET, 7500, 1);
    int c = connect_to(AF_INET, 7500);
    int s = accept(l, NULL, NULL);
    int pp[2];
    expect("pollmix: pipe", pipe(pp), 0);
    struct pollfd p[3] = {{s, POLLIN, 0}, {pp[0], POLLIN, 0}, {l, POLLIN, 0}};
    expect("pollmix: nothing ready", poll(p, 3, 100), 0);
    write(pp[1], "p", 1);
    expect("pollmix: the pipe is ready", poll(p, 3, 1000), 1);
    expect("pollmix: ... only the pipe", p[1].revents == POLLIN && p[0].revents == 0, 1);
    char ch;
    read(pp[0], &ch, 1);
    send(c, "s", 1, 0);
    expect("pollmix: the socket is ready", poll(p, 3, 1000), 1);
    expect("pollmix: ... only the socket", p[0].revents == POLLIN && p[1].revents == 0, 1);
    recv(s, &ch, 1, 0);
    /* a wait that a socket ends: a thread-free way is a second connection to the listener */
    int c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 7500);
    connect(c2, (struct sockaddr *)&a, sizeof a);
    expect("pollmix: the listener becomes readable",
           poll(p, 3, 1000) == 1 && p[2].revents == POLLIN, 1);
    /* the peer closes: POLLIN (end of file) on the socket */
    close(c);
    expect("pollmix: peer closed -> readable", poll(p, 2, 1000) == 1 && (p[0].revents & POLLIN), 1);
    expect("pollmix: and EOF", recv(s, &ch, 1, 0), 0);
    /* poll with one socket only and a timeout */
    struct pollfd q = {s, POLLOUT, 0};
    expect("pollmix: a connected socket is writable", poll(&q, 1, 0) == 1 && (q.revents & POLLOUT),
           1);
    close(c2);
    close(s);
    close(l);
    close(pp[0]);
    close(pp[1]);
    return expect_summary("socktest pollmix");
}

/* ---- ping sockets (SOCK_DGRAM + IPPROTO_ICMP, as Linux's) ---- */

static int ping_once(int domain, int seq)
{
    int s = socket(domain, SOCK_DGRAM, domain == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
    if (s < 0)
        return -1;
    unsigned char req[64], rep[128];
    memset(req, 0, sizeof req);
    req[0] = domain == AF_INET ? 8 : 128; /* echo request */
    req[7] = (unsigned char)seq;
    for (int i = 8; i < (int)sizeof req; i++)
        req[i] = (unsigned char)i;
    int rc;
    if (domain == AF_INET) {
        struct sockaddr_in a = sin4(INADDR_LOOPBACK, 0);
        rc = (int)sendto(s, req, sizeof req, 0, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = sin6_loop(0);
        rc = (int)sendto(s, req, sizeof req, 0, (struct sockaddr *)&a, sizeof a);
    }
    if (rc != (int)sizeof req) {
        close(s);
        return -2;
    }
    struct pollfd p = {s, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) {
        close(s);
        return -3;
    }
    ssize_t n = recv(s, rep, sizeof rep, 0);
    close(s);
    if (n != (ssize_t)sizeof req || rep[0] != (domain == AF_INET ? 0 : 129) || rep[7] != seq ||
        memcmp(rep + 8, req + 8, sizeof req - 8))
        return -4;
    return 0;
}

static int mode_ping(void)
{
    expect("ping 127.0.0.1 through a ping socket", ping_once(AF_INET, 1), 0);
    expect("ping ::1 through an ICMPv6 ping socket", ping_once(AF_INET6, 2), 0);
    return expect_summary("socktest ping");
}

/* ---- raw sockets (CAP_NET_RAW) ---- */

static uint16_t inet_sum(const unsigned char *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static int mode_raw(void)
{
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    expect("raw: socket with CAP_NET_RAW", s >= 0, 1);
    if (s < 0)
        return expect_summary("socktest raw");
    unsigned char req[40], rep[128];
    memset(req, 0, sizeof req);
    req[0] = 8; /* echo request, id 0x4242, seq 7: a raw socket sends it as it is */
    req[4] = req[5] = 0x42;
    req[7] = 7;
    for (int i = 8; i < (int)sizeof req; i++)
        req[i] = (unsigned char)i;
    uint16_t sum = inet_sum(req, sizeof req);
    req[2] = (unsigned char)(sum >> 8);
    req[3] = (unsigned char)sum;
    struct sockaddr_in a = sin4(INADDR_LOOPBACK, 0);
    expect("raw: sendto", sendto(s, req, sizeof req, 0, (struct sockaddr *)&a, sizeof a),
           (long)sizeof req);
    /* every ICMP packet comes up, with its IP header: our request, then the stack's reply */
    int got_req = 0, got_rep = 0;
    for (int k = 0; k < 4 && !got_rep; k++) {
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, 2000) != 1)
            break;
        ssize_t n = recv(s, rep, sizeof rep, 0);
        if (n < 20 || rep[0] != 0x45 || n != 20 + (ssize_t)sizeof req)
            continue;
        got_req |= rep[20] == 8;
        got_rep |= rep[20] == 0 && rep[24] == 0x42 && rep[27] == 7 &&
                   !memcmp(rep + 28, req + 8, sizeof req - 8);
    }
    expect("raw: sees the request with its IPv4 header", got_req, 1);
    expect("raw: sees the echo reply", got_rep, 1);
    close(s);
    return expect_summary("socktest raw");
}

/* ---- two nodes: an echo server and a client over a simulated wire ---- */

static int parse_v4(const char *addr, uint32_t *out)
{
    char *q;
    unsigned long a = strtoul(addr, &q, 10), b = strtoul(q + 1, &q, 10);
    unsigned long c = strtoul(q + 1, &q, 10), d = strtoul(q + 1, &q, 10);
    *out = (uint32_t)(a << 24 | b << 16 | c << 8 | d);
    return 0;
}

static int mode_serve(int port)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = sin4(INADDR_ANY, (uint16_t)port);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4))
        return 1;
    for (;;) { /* echo each connection to its end, until the machine stops */
        struct echo_arg e = {l, 0, 0};
        echo_server(&e);
    }
}

static int mode_send(const char *addr, int port, size_t bytes)
{
    uint32_t ip;
    parse_v4(addr, &ip);
    int c = -1;
    for (int tries = 0; tries < 50 && c < 0; tries++) { /* the server's node may still boot */
        c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = sin4(ip, (uint16_t)port);
        if (connect(c, (struct sockaddr *)&a, sizeof a)) {
            close(c);
            c = -1;
            sleep_ms(100);
        }
    }
    expect("send: connect", c >= 0, 1);
    if (c < 0)
        return expect_summary("socktest send");
    long t0 = now_ms();
    struct echo_arg w = {c, bytes, 12345};
    pthread_t tw;
    pthread_create(&tw, NULL, writer, &w);
    uint32_t x = 12345, want = 0, got = 0;
    size_t total = 0;
    static unsigned char buf[16384], ref[16384];
    ssize_t n;
    while ((n = recv(c, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            ref[i] = (unsigned char)next_rand(&x);
        got = crc32_update(got, buf, (size_t)n);
        want = crc32_update(want, ref, (size_t)n);
        total += (size_t)n;
    }
    pthread_join(tw, NULL);
    expect("send: every byte came back", (long)total, (long)bytes);
    expect("send: checksum", got == want, 1);
    printf("send: %zu bytes echoed over the wire, crc32 %08x want %08x, %ld ms of virtual time\n",
           total, got, want, now_ms() - t0);
    close(c);
    return expect_summary("socktest send");
}

/* ---- a client killed mid-connection ---- */

static int count_state(const char *st)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[256];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        /* "  sl: local rem st ...": the fourth field */
        char *p = line;
        for (int k = 0; k < 3; k++) {
            p += strspn(p, " ");
            p += strcspn(p, " ");
        }
        p += strspn(p, " ");
        if (!strncmp(p, st, 2) && p[2] == ' ')
            n++;
    }
    fclose(f);
    return n;
}

static int mode_kill(const char *self)
{
    int l = listener(AF_INET, 7600, 4);
    char port[8] = "7600";
    char *argv[] = {(char *)self, "hold", port, NULL};
    pid_t pid;
    expect("kill: spawn the holder", posix_spawn(&pid, self, NULL, NULL, argv, environ), 0);
    int s = accept(l, NULL, NULL);
    expect("kill: accepted the holder", s >= 0, 1);
    char ch;
    expect("kill: the holder says hello", recv(s, &ch, 1, 0), 1);
    sleep_ms(50);
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        fputs(line, stdout);
    if (f)
        fclose(f);
    expect("kill: /proc/net/tcp has a listener", count_state("0A"), 1);
    expect("kill: /proc/net/tcp has the connection (both ends)", count_state("01"), 2);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    expect("kill: the holder died of SIGKILL", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
           1);
    expect("kill: the server sees the end", recv(s, &ch, 1, 0), 0);
    close(s);
    sleep_ms(100);
    expect("kill: no connection left established", count_state("01"), 0);
    /* netstack still serves */
    int c = connect_to(AF_INET, 7600);
    int s2 = accept(l, NULL, NULL);
    expect("kill: netstack still serves connections", c >= 0 && s2 >= 0, 1);
    close(c);
    close(s2);
    close(l);
    sleep_ms(100);
    expect("kill: the listener is gone from /proc/net/tcp", count_state("0A"), 0);
    return expect_summary("socktest kill");
}

static int mode_hold(int port)
{
    int c = connect_to(AF_INET, (uint16_t)port);
    if (c < 0)
        return 1;
    send(c, "h", 1, 0);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: socktest MODE [ARG]\n");
        return 2;
    }
    const char *m = argv[1];
    if (!strcmp(m, "basic"))
        return mode_basic();
    if (!strcmp(m, "tcp"))
        return mode_tcp(argc > 2 ? (size_t)atol(argv[2]) : 1048576);
    if (!strcmp(m, "udp"))
        return mode_udp();
    if (!strcmp(m, "refused"))
        return mode_refused();
    if (!strcmp(m, "nonblock"))
        return mode_nonblock();
    if (!strcmp(m, "timeout") && argc > 2)
        return mode_timeout(argv[2]);
    if (!strcmp(m, "many"))
        return mode_many(argc > 2 ? atoi(argv[2]) : 100);
    if (!strcmp(m, "eacces"))
        return mode_eacces();
    if (!strcmp(m, "pollmix"))
        return mode_pollmix();
    if (!strcmp(m, "ping"))
        return mode_ping();
    if (!strcmp(m, "serve") && argc > 2)
        return mode_serve(atoi(argv[2]));
    if (!strcmp(m, "send") && argc > 4)
        return mode_send(argv[2], atoi(argv[3]), (size_t)atol(argv[4]));
    if (!strcmp(m, "raw"))
        return mode_raw();
    if (!strcmp(m, "limits"))
        return mode_limits();
    if (!strcmp(m, "kill"))
        return mode_kill(argv[0]);
    if (!strcmp(m, "hold") && argc > 2)
        return mode_hold(atoi(argv[2]));
    fprintf(stderr, "socktest: unknown mode %s\n", m);
    return 2;
}
