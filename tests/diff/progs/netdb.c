/*
 * netdb: address text and name translation, printed line by line so that the host (glibc)
 * and Veridian (libveridian's inet.c, netdb.c) must agree on every answer: inet_pton and
 * inet_ntop of both families over fixed and pseudo-random inputs (malformed ones included),
 * inet_aton/inet_addr/inet_ntoa, getaddrinfo over numeric hosts and services with every
 * family, socket type and flag combination (and "localhost" as IPv4, which both systems'
 * /etc/hosts name), its error codes and their gai_strerror texts, and getnameinfo with
 * numeric hosts and the well-known services both /etc/services name (7, 22, 80).
 * Nothing depends on the host's network: no name outside /etc/hosts, no reverse lookup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"

static uint64_t rng_state = 0x6e6574646221ull;

static uint64_t rnd(uint64_t n)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) % n;
}

static void random_text(char *s, size_t max, const char *alphabet)
{
    size_t n = rnd(max), k = strlen(alphabet);

    for (size_t i = 0; i < n; i++)
        s[i] = alphabet[rnd(k)];
    s[n] = '\0';
}

static void show_pton(const char *s)
{
    unsigned char a[16];
    char out[64];

    int r4 = inet_pton(AF_INET, s, a);
    printf("pton4 \"%s\" %d %s\n", s, r4, r4 == 1 ? inet_ntop(AF_INET, a, out, sizeof out) : "");
    int r6 = inet_pton(AF_INET6, s, a);
    printf("pton6 \"%s\" %d %s\n", s, r6, r6 == 1 ? inet_ntop(AF_INET6, a, out, sizeof out) : "");
    struct in_addr in;
    int ra = inet_aton(s, &in);
    printf("aton \"%s\" %d %s %08x\n", s, ra, ra ? inet_ntoa(in) : "",
           (unsigned)ntohl(inet_addr(s)));
}

static const char *fixed_texts[] = {
    "",
    "0.0.0.0",
    "255.255.255.255",
    "1.2.3.4",
    "01.2.3.4",
    "1.2.3",
    "1.2.3.4.",
    "1.2.3.256",
    "1.2.3.-1",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4 junk",
    "127.1",
    "0x7f.1",
    "0x7f.0.0.010",
    "4294967295",
    "4294967296",
    "08",
    "0x",
    "0xg",
    "1..2",
    ".1.2.3",
    "::",
    "::1",
    "1::",
    ":::",
    "::ffff:1.2.3.4",
    "::ffff:0.0.0.0",
    "::1.2.3.4",
    "::0.0.0.1",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1::2::3",
    "12345::",
    "1:",
    ":1",
    ":1::",
    "1:2:3:4:5:6:7::",
    "::2:3:4:5:6:7:8",
    "FE80::ABCD",
    "fe80::1%1",
    "2001:db8::1:0:0:1",
    "2001:db8:0:0:1:0:0:1",
    "1:0:0:2:0:0:0:3",
    "::ffff:1.2.3",
    "::01.2.3.4",
    "0:0:0:0:0:ffff:1.2.3.4",
    "0::0",
    "1.2.3.4::",
};

static void texts(void)
{
    char s[64];

    for (size_t i = 0; i < sizeof fixed_texts / sizeof fixed_texts[0]; i++)
        show_pton(fixed_texts[i]);
    for (int i = 0; i < 1500; i++) {
        switch (rnd(4)) {
        case 0:
            random_text(s, 40, "0123456789abcdefABCDEF:.");
            break;
        case 1:
            random_text(s, 20, "0123456789.:x ");
            break;
        case 2:
            random_text(s, 30, "0f:.1");
            break;
        default:
            random_text(s, 16, "0123456789.");
        }
        show_pton(s);
    }
    /* every address shape through inet_ntop, and buffers one byte short */
    for (int i = 0; i < 1500; i++) {
        unsigned char a[16];
        char out[64];
        for (int j = 0; j < 16; j++)
            a[j] = (unsigned char)rnd(256);
        int kind = (int)rnd(5);
        if (kind == 0) {
            memset(a, 0, 10);
            a[10] = a[11] = 0xff;
        } else if (kind == 1) {
            memset(a, 0, 12);
        } else {
            for (int g = 0; g < 8; g++)
                if (rnd(2))
                    a[2 * g] = a[2 * g + 1] = 0;
        }
        const char *t = inet_ntop(AF_INET6, a, out, sizeof out);
        size_t len = strlen(t);
        printf("ntop6 %s", t);
        CHECK(inet_ntop(AF_INET6, a, out, (socklen_t)len + 1) != NULL);
        const char *shorter = inet_ntop(AF_INET6, a, out, (socklen_t)len);
        printf(" short:%s\n", shorter ? "ok" : (errno == ENOSPC ? "ENOSPC" : "other"));
    }
    unsigned char a[4] = {1, 2, 3, 4};
    char out[16];
    errno = 0;
    printf("ntop4 size 7: %s %d\n", inet_ntop(AF_INET, a, out, 7) ? "ok" : "NULL", errno == ENOSPC);
    errno = 0;
    printf("pton family 99: %d %d\n", inet_pton(99, "1.2.3.4", a), errno == EAFNOSUPPORT);
    errno = 0;
    printf("ntop family 99: %s %d\n", inet_ntop(99, a, out, sizeof out) ? "ok" : "NULL",
           errno == EAFNOSUPPORT);
}

static void show_gai(const char *node, const char *service, const struct addrinfo *hints)
{
    struct addrinfo *res = NULL;
    int r = getaddrinfo(node, service, hints, &res);

    printf("gai %s %s", node ? node : "NULL", service ? service : "NULL");
    if (hints)
        printf(" [%#x %d %d %d]", hints->ai_flags, hints->ai_family, hints->ai_socktype,
               hints->ai_protocol);
    if (r) {
        printf(": %d %s\n", r, gai_strerror(r));
        return;
    }
    printf(":\n");
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char host[NI_MAXHOST], serv[NI_MAXSERV];
        int e = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, serv, sizeof serv,
                            NI_NUMERICHOST | NI_NUMERICSERV);
        printf("  %d %d %d len %u %s %s canon %s flags %#x\n", ai->ai_family, ai->ai_socktype,
               ai->ai_protocol, (unsigned)ai->ai_addrlen, e ? "?" : host, e ? "?" : serv,
               ai->ai_canonname ? ai->ai_canonname : "NULL", ai->ai_flags);
    }
    freeaddrinfo(res);
}

static void lookups(void)
{
    static const int families[] = {AF_UNSPEC, AF_INET, AF_INET6, 1};
    static const int types[] = {0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, 99};
    static const int protos[] = {0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
    static const char *nodes[] = {"127.0.0.1",        "::1",       "1.2",           "0x7f.1",
                                  "::ffff:10.0.2.15", "10.0.2.15", "2001:db8::1%5", "fe80::1%",
                                  "1.2.3.4 ",         "256.1.1.1", "::g",           NULL};
    static const char *services[] = {
        NULL, "", "80", "0", "65535", "65536", " 8080", "+7", "99999999999999999999", "8o"};
    static const int flags[] = {0,           AI_PASSIVE,           AI_CANONNAME,   AI_NUMERICHOST,
                                AI_V4MAPPED, AI_V4MAPPED | AI_ALL, AI_NUMERICSERV, 0x10000};

    show_gai(NULL, NULL, NULL);
    show_gai("127.0.0.1", NULL, NULL);
    show_gai("::1", "80", NULL);
    for (int i = 0; i < 1200; i++) {
        struct addrinfo h = {0};
        h.ai_family = families[rnd(8) ? rnd(3) : 3];
        h.ai_socktype = types[rnd(10) ? rnd(4) : 4];
        h.ai_protocol = protos[rnd(4)];
        h.ai_flags = flags[rnd(8)] | (rnd(3) ? 0 : AI_NUMERICHOST);
        const char *node = nodes[rnd(12)];
        const char *service = services[rnd(10)];
        if (!node) {
            h.ai_flags &= ~AI_CANONNAME;
            if (h.ai_family == AF_UNSPEC) /* glibc orders the two by the host's routes */
                h.ai_family = AF_INET;
        }
        if (service && !strcmp(service, "8o"))
            h.ai_flags |= AI_NUMERICSERV; /* names only from both systems' /etc/services */
        show_gai(node, service, &h);
    }
    struct addrinfo h = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    show_gai("localhost", "http", &h);
    h.ai_flags = AI_CANONNAME;
    show_gai("localhost", "80", &h);
    h.ai_socktype = 0;
    show_gai("127.0.0.1", "echo", &h);
    h.ai_flags = AI_NUMERICHOST;
    show_gai("localhost", "80", &h);
    for (int e = -11; e < 0; e++)
        printf("gai_strerror %d %s\n", e, gai_strerror(e));
}

static void show_gni(int family, const char *text, int port, int flags, socklen_t hostlen,
                     socklen_t servlen)
{
    struct sockaddr_in6 sa6 = {0};
    struct sockaddr_in sa4 = {0};
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    struct sockaddr *sa;
    socklen_t len;

    if (family == AF_INET6) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, text, &sa6.sin6_addr);
        sa = (struct sockaddr *)&sa6;
        len = sizeof sa6;
    } else {
        sa4.sin_family = (sa_family_t)family;
        sa4.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, text, &sa4.sin_addr);
        sa = (struct sockaddr *)&sa4;
        len = sizeof sa4;
    }
    int r =
        getnameinfo(sa, len, hostlen ? host : NULL, hostlen, servlen ? serv : NULL, servlen, flags);
    printf("gni %d %s %d %#x %u %u: %d", family, text, port, flags, (unsigned)hostlen,
           (unsigned)servlen, r);
    if (r == 0)
        printf(" %s %s", hostlen ? host : "-", servlen ? serv : "-");
    printf("\n");
}

static void names(void)
{
    static const char *v4[] = {"1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.2.15"};
    static const char *v6[] = {"::1", "::", "::ffff:1.2.3.4", "2001:db8::1", "fe80::1:2"};
    static const int ports[] = {0, 7, 22, 80, 12345, 65535};
    static const socklen_t hostlens[] = {NI_MAXHOST, 0, 8, 7, 1};
    static const socklen_t servlens[] = {NI_MAXSERV, 0, 3, 2, 6};

    for (int i = 0; i < 400; i++) {
        int fam = rnd(2) ? AF_INET : AF_INET6; /* glibc formats AF_UNIX too: not ours */
        const char *t = fam == AF_INET6 ? v6[rnd(5)] : v4[rnd(4)];
        int fl = NI_NUMERICHOST | (rnd(3) ? 0 : NI_NUMERICSERV) | (rnd(3) ? 0 : NI_DGRAM);
        show_gni(fam, t, ports[rnd(6)], fl, hostlens[rnd(5)], servlens[rnd(5)]);
    }
    show_gni(AF_INET, "1.2.3.4", 80, NI_NUMERICHOST | 0x1000, NI_MAXHOST, NI_MAXSERV);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char host[64];
    printf("gni short salen: %d\n",
           getnameinfo((struct sockaddr *)&sa, 4, host, sizeof host, NULL, 0, NI_NUMERICHOST));
}

int main(void)
{
    texts();
    lookups();
    names();
    return done("netdb");
}
