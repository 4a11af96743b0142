/*
 * nc [-46kNuvz] [-w SECS] [-s ADDR] HOST PORT            connect (TCP, or UDP with -u)
 * nc -l [-46kNuv] [-w SECS] [-s ADDR] [-p PORT] [HOST] [PORT]   listen for one peer
 *
 * Netcat as OpenBSD's: standard input goes to the socket and the socket to standard output,
 * both at once through poll. -l listens (the port as an operand or with -p; HOST or -s
 * names the address to bind, default any); -k goes back to listening after a peer leaves
 * (TCP: the next connection; UDP: the next sender). -u is UDP: a client sends each read of
 * standard input as one datagram; a UDP listener talks to the sender of the first datagram.
 * A client binds to -s's address and -p's port when given. -z only checks that a TCP connection can
 * be made (or, for UDP, that a datagram can be sent) and closes it. -w SECS bounds the connection
 * attempt and ends a session idle for that long. -N shuts the socket's write side down at standard
 * input's end (so a peer reading to end of file sees it); without it the write side stays open. -v
 * reports connections on standard error.
 *
 * A session ends when the peer closes its side (everything it sent has been written out);
 * standard input's end alone does not end it (the peer may still answer), except for a UDP
 * client, where there is no end to wait for: then -w's idle time, or at once without -w (a
 * UDP listener receives until -w's idle time, or for ever).
 * Exit status: 0 success, 1 any failure (usage, resolution, connection, I/O).
 * Host and port go through getaddrinfo (numeric, /etc/hosts, /etc/services names); each
 * address is tried in turn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

struct nc_opts {
    int family;
    int listen, keep, udp, zero, verbose, shut_on_eof;
    long wait_ms; /* -w, -1 for none */
    const char *host, *port, *source, *source_port;
};

static const char nc_usage[] =
    "[-46kNuvz] [-w secs] [-s source] host port\n"
    "       nc -l [-46kNuv] [-w secs] [-s source] [-p port] [host] [port]";

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN], serv[16];

    if (getnameinfo(sa,
                    sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in),
                    host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%s %s", host, serv);
}

/* connect with a deadline (-w): non-blocking connect, then poll for the outcome. */
static int connect_wait(int fd, const struct sockaddr *sa, socklen_t len, long wait_ms)
{
    if (wait_ms < 0)
        return connect(fd, sa, len);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return connect(fd, sa, len);
    int r = connect(fd, sa, len);
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd p = {fd, POLLOUT, 0};
        int n;
        do
            n = poll(&p, 1, (int)wait_ms);
        while (n < 0 && errno == EINTR);
        if (n == 0) {
            errno = ETIMEDOUT;
            r = -1;
        } else if (n > 0) {
            int err = 0;
            socklen_t el = sizeof err;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                err = errno;
            errno = err;
            r = err ? -1 : 0;
        } else {
            r = -1;
        }
    }
    int saved = errno;
    fcntl(fd, F_SETFL, fl);
    errno = saved;
    return r;
}

static struct addrinfo *resolve(const struct nc_opts *o, const char *host, const char *port,
                                int passive)
{
    struct addrinfo hints = {0}, *res = NULL;

    hints.ai_family = o->family;
    hints.ai_socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r) {
        util_warn("getaddrinfo for host \"%s\" port %s: %s", host ? host : "", port ? port : "",
                  gai_strerror(r));
        return NULL;
    }
    return res;
}

/* Binds a client's fd to -s's address and -p's port. 0, or -1 after a message. */
static int bind_source(const struct nc_opts *o, int fd, int family)
{
    if (!o->source && !o->source_port)
        return 0;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = family;
    hints.ai_socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int r = getaddrinfo(o->source, o->source_port, &hints, &res);
    if (r) {
        util_warn("%s: %s", o->source ? o->source : o->source_port, gai_strerror(r));
        return -1;
    }
    r = bind(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (r < 0) {
        util_warn_errno("bind");
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *buf, size_t len, int sock)
{
    while (len) {
        ssize_t w = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* The session: stdin -> sock, sock -> stdout, until the peer's end (or idle -w). For a UDP
 * listener whose peer is not yet known, peer_known is 0 and the first datagram names it. */
static int pump(const struct nc_opts *o, int sock, int peer_known)
{
    static char buf[16384];
    int in_open = 1, status = 0;
    long long last = now_ms();

    for (;;) {
        struct pollfd p[2] = {{sock, POLLIN, 0}, {0, POLLIN, 0}};
        nfds_t n = (in_open && peer_known) ? 2 : 1;
        int timeout = -1;
        if (o->udp && !in_open && o->wait_ms < 0 && !o->listen)
            break; /* a UDP client: nothing to wait for after stdin's end */
        if (o->wait_ms >= 0) {
            long long left = last + o->wait_ms - now_ms();
            if (left <= 0)
                break;
            timeout = (int)left;
        }
        int r = poll(p, n, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            util_warn_errno("poll");
            return 1;
        }
        if (r == 0)
            continue; /* the deadline is checked above */
        last = now_ms();
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got;
            if (o->udp && !peer_known) {
                struct sockaddr_storage from;
                socklen_t fl = sizeof from;
                got = recvfrom(sock, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
                if (got >= 0) {
                    if (connect(sock, (struct sockaddr *)&from, fl) < 0) {
                        util_warn_errno("connect");
                        return 1;
                    }
                    if (o->verbose) {
                        char d[80];
                        describe((struct sockaddr *)&from, d, sizeof d);
                        util_warn("Connection received on %s", d);
                    }
                    peer_known = 1;
                }
            } else {
                got = recv(sock, buf, sizeof buf, 0);
            }
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                if (errno == ECONNREFUSED && o->udp)
                    continue; /* an ICMP answer to an earlier datagram */
                util_warn_errno("read from socket");
                status = 1;
                break;
            }
            if (got == 0 && !o->udp)
                break; /* the peer's end */
            if (write_all(1, buf, (size_t)got, 0) < 0) {
                util_warn_errno("write");
                status = 1;
                break;
            }
        }
        if (n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = read(0, buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                if (got < 0)
                    util_warn_errno("read");
                in_open = 0;
                if (o->shut_on_eof && !o->udp)
                    shutdown(sock, SHUT_WR);
                continue;
            }
            if (write_all(sock, buf, (size_t)got, 1) < 0) {
                util_warn_errno("write to socket");
                status = 1;
                break;
            }
        }
    }
    return status;
}

static int client(const struct nc_opts *o)
{
    struct addrinfo *res = resolve(o, o->host, o->port, 0);
    int status = 1;

    if (!res)
        return 1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            if (!ai->ai_next)
                util_warn_errno("socket");
            continue;
        }
        if (bind_source(o, fd, ai->ai_family) < 0) {
            close(fd);
            break;
        }
        if (connect_wait(fd, ai->ai_addr, ai->ai_addrlen, o->wait_ms) < 0) {
            int e = errno;
            char d[80];
            describe(ai->ai_addr, d, sizeof d);
            if (o->verbose || !ai->ai_next)
                util_warn("connect to %s (%s) failed: %s", d, o->udp ? "udp" : "tcp", strerror(e));
            close(fd);
            continue;
        }
        if (o->verbose || o->zero) {
            if (o->verbose)
                util_warn("Connection to %s %s port [%s/*] succeeded!", o->host, o->port,
                          o->udp ? "udp" : "tcp");
        }
        status = o->zero ? 0 : pump(o, fd, 1);
        close(fd);
        break;
    }
    freeaddrinfo(res);
    return status;
}

static int server(const struct nc_opts *o)
{
    struct addrinfo *res = resolve(o, o->host, o->port, 1);
    int lfd = -1, status = 1;

    if (!res)
        return 1;
    for (struct addrinfo *ai = res; ai && lfd < 0; ai = ai->ai_next) {
        lfd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (lfd < 0)
            continue;
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || (!o->udp && listen(lfd, 16) < 0)) {
            if (!ai->ai_next)
                util_warn_errno("bind");
            close(lfd);
            lfd = -1;
        }
    }
    freeaddrinfo(res);
    if (lfd < 0)
        return 1;
    if (o->verbose) {
        struct sockaddr_storage me;
        socklen_t ml = sizeof me;
        char d[80] = "?";
        if (getsockname(lfd, (struct sockaddr *)&me, &ml) == 0)
            describe((struct sockaddr *)&me, d, sizeof d);
        util_warn("Listening on %s", d);
    }
    do {
        if (o->udp) {
            status = pump(o, lfd, 0);
            if (o->keep) {
                /* forget the peer: an AF_UNSPEC connect dissolves the association */
                struct sockaddr none = {.sa_family = AF_UNSPEC};
                connect(lfd, &none, sizeof none);
            }
            continue;
        }
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = accept(lfd, (struct sockaddr *)&peer, &pl);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            util_warn_errno("accept");
            status = 1;
            break;
        }
        if (o->verbose) {
            char d[80];
            describe((struct sockaddr *)&peer, d, sizeof d);
            util_warn("Connection received on %s", d);
        }
        status = pump(o, fd, 1);
        close(fd);
    } while (o->keep);
    close(lfd);
    return status;
}

/* A numeric port must fit 16 bits (getaddrinfo would wrap it); names pass through. */
static void check_port(const char *port)
{
    long v;

    if (port && port[0] >= '0' && port[0] <= '9' && (util_parse_long(port, 10, &v) || v > 65535))
        util_die(1, "port number invalid: %s", port);
}

int main(int argc, char **argv)
{
    struct nc_opts o = {.family = AF_UNSPEC, .wait_ms = -1};
    const char *pflag = NULL;
    int c;

    util_init(argv);
    while ((c = getopt(argc, argv, "46klNp:s:uvw:z")) != -1) {
        switch (c) {
        case '4':
            o.family = AF_INET;
            break;
        case '6':
            o.family = AF_INET6;
            break;
        case 'k':
            o.keep = 1;
            break;
        case 'l':
            o.listen = 1;
            break;
        case 'N':
            o.shut_on_eof = 1;
            break;
        case 'p':
            pflag = optarg;
            break;
        case 's':
            o.source = optarg;
            break;
        case 'u':
            o.udp = 1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'w': {
            long secs;
            if (util_parse_long(optarg, 10, &secs) || secs < 0 || secs > 86400)
                util_die(1, "timeout invalid: %s", optarg);
            o.wait_ms = secs * 1000;
            break;
        }
        case 'z':
            o.zero = 1;
            break;
        default:
            util_usage(1, nc_usage);
        }
    }
    int nargs = argc - optind;
    if (o.listen) {
        if (o.zero)
            util_die(1, "cannot use -z and -l");
        if (nargs > 2 || (nargs == 2 && pflag) || (nargs == 0 && !pflag))
            util_usage(1, nc_usage);
        o.port = pflag;
        if (nargs == 2) {
            o.host = argv[optind];
            o.port = argv[optind + 1];
        } else if (nargs == 1 && pflag) {
            o.host = argv[optind];
        } else if (nargs == 1) {
            o.port = argv[optind];
        }
        if (!o.host)
            o.host = o.source;
        check_port(o.port);
        return server(&o);
    }
    if (nargs != 2 || o.keep)
        util_usage(1, nc_usage);
    o.source_port = pflag;
    o.host = argv[optind];
    o.port = argv[optind + 1];
    check_port(o.port);
    check_port(o.source_port);
    return client(&o);
}
