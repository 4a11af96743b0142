/*
 * ping [-46q] [-c COUNT] [-i SECS] [-W SECS] [-s SIZE] HOST: ICMP echo, in iputils' format.
 *
 * Uses a "ping socket" as Linux's unprivileged ping does (SOCK_DGRAM with IPPROTO_ICMP, or
 * IPPROTO_ICMPV6 for an IPv6 host): the program writes the echo request's ICMP header and
 * data, the stack fills in the identifier (and the checksum) and hands back only matching
 * replies, without the IP header. One request every -i SECS (default 1, fractions allowed),
 * COUNT of them (default: until interrupted); after the last one, replies are awaited for
 * -W SECS (default 10) at most, and no longer once every request is answered. Each reply
 * prints "N bytes from ADDR: icmp_seq=S [ttl=T ]time=X ms" (ttl when the stack reports it
 * with IP_RECVTTL; "(DUP!)" for a repeated one), SIGINT ends early, and the summary is
 * iputils' ("--- HOST ping statistics ---", transmitted, received, loss, time, then
 * min/avg/max/mdev when anything came back). Times come from CLOCK_MONOTONIC: virtual
 * time in vrsim. The payload is SIZE bytes (default 56) of a fixed pattern, checked in
 * every reply ("wrong data" is reported).
 * Exit status: 0 when a reply came back, 1 when none did, 2 on errors (usage, unknown host,
 * no socket).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#ifndef IP_RECVTTL
#define IP_RECVTTL 12 /* Linux's value: asked for, and used when the stack answers */
#endif

#define PING_MAXSIZE 65507
#define PING_RING 4096 /* send times kept for this many sequence numbers */

struct icmp_echo {
    uint8_t type, code;
    uint16_t cksum, id, seq;
};

struct ping {
    int fd, family, quiet;
    long count; /* 0: until interrupted */
    long long interval_us, linger_us;
    size_t size;
    char name[256], addr[INET6_ADDRSTRLEN];
    struct sockaddr_storage to;
    socklen_t tolen;
    long sent, received, dups, errors;
    long long tmin, tmax, tsum, tsum2; /* microseconds */
    long long sent_at[PING_RING];
    uint8_t seen[65536 / 8];
    uint8_t packet[sizeof(struct icmp_echo) + PING_MAXSIZE];
    uint8_t reply[sizeof(struct icmp_echo) + PING_MAXSIZE + 1];
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "1", "0.2", ".5" seconds to microseconds; -1 when malformed. */
static long long parse_secs(const char *s)
{
    long long whole = 0, frac = 0, scale = 100000;
    const char *p = s;

    if (!*p)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 1000000)
            return -1;
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    if (*p || (p == s))
        return -1;
    return whole * 1000000 + frac;
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

static int send_one(struct ping *pg)
{
    struct icmp_echo h = {pg->family == AF_INET6 ? 128 : 8, 0, 0, 0,
                          htons((uint16_t)(pg->sent + 1))};
    uint8_t *pkt = pg->packet;

    memcpy(pkt, &h, sizeof h);
    for (size_t i = 0; i < pg->size; i++)
        pkt[sizeof h + i] = (uint8_t)(i + 8);
    if (pg->family == AF_INET) {
        uint16_t c = checksum(pkt, sizeof h + pg->size);
        memcpy(pkt + 2, &c, 2);
    }
    pg->sent_at[(pg->sent + 1) % PING_RING] = now_us();
    pg->sent++;
    ssize_t r = sendto(pg->fd, pkt, sizeof h + pg->size, 0, (struct sockaddr *)&pg->to, pg->tolen);
    if (r < 0) {
        util_warn("sendto: %s", strerror(errno));
        pg->errors++;
        return -1;
    }
    return 0;
}

static void print_time(long long t)
{
    if (t >= 100000 - 50)
        printf(" time=%lld ms", (t + 500) / 1000);
    else if (t >= 10000 - 5)
        printf(" time=%lld.%01lld ms", (t + 50) / 1000, ((t + 50) % 1000) / 100);
    else if (t >= 1000)
        printf(" time=%lld.%02lld ms", (t + 5) / 1000, ((t + 5) % 1000) / 10);
    else
        printf(" time=%lld.%03lld ms", t / 1000, t % 1000);
}

/* Reads one reply (the socket is readable). */
static void receive_one(struct ping *pg)
{
    uint8_t *buf = pg->reply;
    union {
        struct cmsghdr align;
        char bytes[128];
    } cbuf;
    struct sockaddr_storage from;
    struct iovec iov = {buf, sizeof pg->reply};
    struct msghdr m = {0};

    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf.bytes;
    m.msg_controllen = sizeof cbuf.bytes;
    ssize_t n = recvmsg(pg->fd, &m, MSG_DONTWAIT);
    long long at = now_us();
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            util_warn("recvmsg: %s", strerror(errno));
            pg->errors++;
        }
        return;
    }
    struct icmp_echo h;
    if ((size_t)n < sizeof h)
        return; /* too short to be anything */
    memcpy(&h, buf, sizeof h);
    if (h.type != (pg->family == AF_INET6 ? 129 : 0))
        return;
    uint16_t seq = ntohs(h.seq);
    if (seq == 0 || seq > pg->sent || pg->sent - seq >= PING_RING)
        return; /* not one of ours in flight */
    int ttl = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == 52 /* IPV6_HOPLIMIT */))
            memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    long long t = at - pg->sent_at[seq % PING_RING];
    int dup = (pg->seen[seq / 8] >> (seq % 8)) & 1;
    pg->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
    if (dup) {
        pg->dups++;
    } else {
        pg->received++;
        if (pg->received == 1 || t < pg->tmin)
            pg->tmin = t;
        if (t > pg->tmax)
            pg->tmax = t;
        pg->tsum += t;
        pg->tsum2 += t * t;
    }
    int wrong = (size_t)n != sizeof h + pg->size;
    for (size_t i = 0; !wrong && i < pg->size; i++)
        wrong = buf[sizeof h + i] != (uint8_t)(i + 8);
    if (pg->quiet)
        return;
    printf("%zd bytes from ", n);
    if (strcmp(pg->name, pg->addr) != 0)
        printf("%s (%s)", pg->name, pg->addr);
    else
        printf("%s", pg->addr);
    printf(": icmp_seq=%u", seq);
    if (ttl >= 0)
        printf(" ttl=%d", ttl);
    print_time(t);
    if (dup)
        printf(" (DUP!)");
    if (wrong)
        printf(" (wrong data)");
    printf("\n");
    fflush(stdout);
}

static long long isqrt(long long v)
{
    long long r = 0;

    if (v <= 0)
        return 0;
    for (long long bit = 1LL << 62; bit; bit >>= 2) {
        if (bit > v)
            continue;
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

static int run(struct ping *pg)
{
    long long start = now_us(), next = start, last_event = start, deadline = -1;

    printf("PING %s (%s) %zu(%zu) bytes of data.\n", pg->name, pg->addr, pg->size,
           pg->size + 8 + (pg->family == AF_INET6 ? 40 : 20));
    fflush(stdout);
    while (!interrupted) {
        long long now = now_us();
        if ((!pg->count || pg->sent < pg->count) && now >= next) {
            send_one(pg);
            last_event = now;
            next += pg->interval_us;
            if (pg->count && pg->sent == pg->count)
                deadline = now + pg->linger_us;
            continue;
        }
        if (pg->count && pg->sent == pg->count &&
            (pg->received + pg->errors >= pg->count || now >= deadline))
            break;
        long long until = (pg->count && pg->sent == pg->count) ? deadline : next;
        long long wait = until - now;
        struct pollfd p = {pg->fd, POLLIN, 0};
        int r = poll(&p, 1, wait > 0 ? (int)((wait + 999) / 1000) : 0);
        if (r > 0) {
            receive_one(pg);
            last_event = now_us();
        }
    }
    long long elapsed = (last_event - start) / 1000;
    printf("\n--- %s ping statistics ---\n", pg->name);
    printf("%ld packets transmitted, %ld received,", pg->sent, pg->received);
    if (pg->dups)
        printf(" +%ld duplicates,", pg->dups);
    if (pg->errors)
        printf(" +%ld errors,", pg->errors);
    printf(" %ld%% packet loss, time %lldms\n",
           pg->sent ? (pg->sent - pg->received) * 100 / pg->sent : 0, elapsed);
    if (pg->received) {
        long long avg = pg->tsum / pg->received;
        long long mdev = isqrt(pg->tsum2 / pg->received - avg * avg);
        printf("rtt min/avg/max/mdev = %lld.%03lld/%lld.%03lld/%lld.%03lld/%lld.%03lld ms\n",
               pg->tmin / 1000, pg->tmin % 1000, avg / 1000, avg % 1000, pg->tmax / 1000,
               pg->tmax % 1000, mdev / 1000, mdev % 1000);
    }
    fflush(stdout);
    return pg->received ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct ping pg;
    static const char usage[] = "[-46q] [-c count] [-i interval] [-W timeout] [-s size] host";
    int family = AF_UNSPEC, c;
    long v;

    util_init(argv);
    pg.interval_us = 1000000;
    pg.linger_us = 10000000;
    pg.size = 56;
    while ((c = getopt(argc, argv, "46c:i:qs:W:")) != -1) {
        switch (c) {
        case '4':
            family = AF_INET;
            break;
        case '6':
            family = AF_INET6;
            break;
        case 'c':
            if (util_parse_long(optarg, 10, &v) || v < 1 || v > 1000000000)
                util_die(2, "invalid argument: '%s'", optarg);
            pg.count = v;
            break;
        case 'i':
            pg.interval_us = parse_secs(optarg);
            if (pg.interval_us < 0)
                util_die(2, "bad timing interval: %s", optarg);
            break;
        case 'q':
            pg.quiet = 1;
            break;
        case 's':
            if (util_parse_long(optarg, 10, &v) || v < 0 || v > PING_MAXSIZE)
                util_die(2, "invalid argument: '%s': out of range: 0 <= value <= %d", optarg,
                         PING_MAXSIZE);
            pg.size = (size_t)v;
            break;
        case 'W':
            pg.linger_us = parse_secs(optarg);
            if (pg.linger_us < 0)
                util_die(2, "bad linger time: %s", optarg);
            break;
        default:
            util_usage(2, usage);
        }
    }
    if (argc - optind != 1)
        util_usage(2, usage);
    const char *host = argv[optind];

    struct addrinfo hints = {0}, *res;
    hints.ai_family = family;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_CANONNAME;
    int r = getaddrinfo(host, NULL, &hints, &res);
    if (r)
        util_die(2, "%s: %s", host, gai_strerror(r));
    pg.family = res->ai_family;
    memcpy(&pg.to, res->ai_addr, res->ai_addrlen);
    pg.tolen = res->ai_addrlen;
    snprintf(pg.name, sizeof pg.name, "%s", host);
    getnameinfo(res->ai_addr, res->ai_addrlen, pg.addr, sizeof pg.addr, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);

    pg.fd = socket(pg.family, SOCK_DGRAM, pg.family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    if (pg.fd < 0)
        util_die(2, "socket: %s", strerror(errno));
    int one = 1;
    if (pg.family == AF_INET)
        setsockopt(pg.fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    else
        setsockopt(pg.fd, IPPROTO_IPV6, 51 /* IPV6_RECVHOPLIMIT */, &one, sizeof one);

    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    return run(&pg);
}
