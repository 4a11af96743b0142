/*
 * Address text and name translation (libveridian/src/inet.c, netdb.c): fixed expectations,
 * then the engines against glibc itself on many random and malformed inputs: inet_pton and
 * inet_ntop for both families, inet_aton, and getaddrinfo/getnameinfo for numeric hosts and
 * services (glibc's answers for names depend on the host's files, so names are checked
 * against a fixed hosts and services text instead).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "libc_test.h"

/* ---- fixed expectations ---- */

static const char *ntop6_of(const char *text)
{
    static char buf[64];
    uint8_t a[16];

    if (!vr_inet_pton6(text, strlen(text), a))
        return "(invalid)";
    if (vr_inet_ntop6(a, buf, sizeof buf) < 0)
        return "(enospc)";
    return buf;
}

START_TEST(test_pton6_fixed)
{
    ck_assert_str_eq(ntop6_of("::"), "::");
    ck_assert_str_eq(ntop6_of("::1"), "::1");
    ck_assert_str_eq(ntop6_of("1::"), "1::");
    ck_assert_str_eq(ntop6_of("0:0:0:0:0:0:0:1"), "::1");
    ck_assert_str_eq(ntop6_of("2001:DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    ck_assert_str_eq(ntop6_of("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    ck_assert_str_eq(ntop6_of("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
    ck_assert_str_eq(ntop6_of("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
    ck_assert_str_eq(ntop6_of("::ffff:0102:0304"), "::ffff:1.2.3.4");
    ck_assert_str_eq(ntop6_of("::1.2.3.4"), "::1.2.3.4");
    ck_assert_str_eq(ntop6_of("::0.0.0.1"), "::1");
    ck_assert_str_eq(ntop6_of("fe80::0001:0:0"), "fe80::1:0:0");
    ck_assert_str_eq(ntop6_of("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
    ck_assert_str_eq(ntop6_of("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
    ck_assert_str_eq(ntop6_of(":::"), "(invalid)");
    ck_assert_str_eq(ntop6_of("1:2:3:4:5:6:7:8:9"), "(invalid)");
    ck_assert_str_eq(ntop6_of("1::2::3"), "(invalid)");
    ck_assert_str_eq(ntop6_of("12345::"), "(invalid)");
    ck_assert_str_eq(ntop6_of(":1::"), "(invalid)");
    ck_assert_str_eq(ntop6_of("1:"), "(invalid)");
    ck_assert_str_eq(ntop6_of("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
    ck_assert_str_eq(ntop6_of("1:2:3:4:5:6:7:8::"), "(invalid)");
    ck_assert_str_eq(ntop6_of("::1.2.3"), "(invalid)");
    ck_assert_str_eq(ntop6_of("::01.2.3.4"), "(invalid)");
    ck_assert_str_eq(ntop6_of(""), "(invalid)");
}
END_TEST

START_TEST(test_pton4_aton_fixed)
{
    uint8_t a[4];
    uint32_t v;
    char buf[16];

    ck_assert_int_eq(vr_inet_pton4("1.2.3.4", 7, a), 1);
    ck_assert_int_eq(vr_inet_ntop4(a, buf, sizeof buf), 7);
    ck_assert_str_eq(buf, "1.2.3.4");
    ck_assert_int_eq(vr_inet_ntop4(a, buf, 7), -VK_ENOSPC);
    ck_assert_int_eq(vr_inet_pton4("01.2.3.4", 8, a), 0);
    ck_assert_int_eq(vr_inet_pton4("1.2.3.256", 9, a), 0);
    ck_assert_int_eq(vr_inet_pton4("1.2.3", 5, a), 0);
    ck_assert_int_eq(vr_inet_pton4("1.2.3.4.", 8, a), 0);
    ck_assert_int_eq(vr_inet_pton4("0.0.0.0", 7, a), 1);

    ck_assert_int_eq(vr_inet_aton("127.1", &v), 1);
    ck_assert_uint_eq(v, 0x7f000001);
    ck_assert_int_eq(vr_inet_aton("0x7f.0.0.010", &v), 1);
    ck_assert_uint_eq(v, 0x7f000008);
    ck_assert_int_eq(vr_inet_aton("4294967295", &v), 1);
    ck_assert_uint_eq(v, 0xffffffff);
    ck_assert_int_eq(vr_inet_aton("4294967296", &v), 0);
    ck_assert_int_eq(vr_inet_aton("1.2.3.4 junk", &v), 1);
    ck_assert_int_eq(vr_inet_aton("1.2.3.4x", &v), 0);
    ck_assert_int_eq(vr_inet_aton("1.256", &v), 1);
    ck_assert_int_eq(vr_inet_aton("256.1", &v), 0);
    ck_assert_int_eq(vr_inet_aton("08", &v), 0);
    ck_assert_int_eq(vr_inet_aton("", &v), 0);
    ck_assert_int_eq(vr_inet_aton("1..2", &v), 0);
}
END_TEST

/* ---- against glibc ---- */

static void random_text(struct rng *r, char *s, size_t max, const char *alphabet)
{
    size_t n = rng_below(r, max), k = strlen(alphabet);

    for (size_t i = 0; i < n; i++)
        s[i] = alphabet[rng_below(r, k)];
    s[n] = '\0';
}

/* A random address, with runs of zero groups and mapped/compatible prefixes often. */
static void random_addr6(struct rng *r, uint8_t a[16])
{
    for (int i = 0; i < 16; i++)
        a[i] = (uint8_t)rng_next(r);
    int kind = (int)rng_below(r, 6);
    if (kind == 0) {
        memset(a, 0, 10);
        a[10] = a[11] = 0xff;
    } else if (kind == 1) {
        memset(a, 0, 12);
    } else {
        for (int g = 0; g < 8; g++)
            if (rng_below(r, 2))
                a[2 * g] = a[2 * g + 1] = 0;
            else if (rng_below(r, 3) == 0)
                a[2 * g] = 0;
    }
}

START_TEST(test_inet_vs_glibc)
{
    struct rng r = rng_seeded(17);
    char s[64], ours[64], theirs[64];

    for (int i = 0; i < 200000; i++) {
        uint8_t a[16], b[16];
        /* formatting: every random address, and every buffer size near its length */
        random_addr6(&r, a);
        const char *g = inet_ntop(AF_INET6, a, theirs, sizeof theirs);
        REQUIRE(g);
        REQUIRE(vr_inet_ntop6(a, ours, sizeof ours) == (int)strlen(theirs));
        if (strcmp(ours, theirs) != 0)
            ck_abort_msg("ntop6: ours %s, glibc %s", ours, theirs);
        size_t sz = strlen(theirs) + 1 - rng_below(&r, 2);
        REQUIRE((vr_inet_ntop6(a, ours, sz) >= 0) ==
                (inet_ntop(AF_INET6, a, theirs, (socklen_t)sz) != NULL));
        REQUIRE(vr_inet_ntop4(a, ours, sizeof ours) >= 0);
        REQUIRE(strcmp(ours, inet_ntop(AF_INET, a, theirs, sizeof theirs)) == 0);

        /* parsing: random text over the addresses' alphabets, and mutated real addresses */
        switch (rng_below(&r, 4)) {
        case 0:
            random_text(&r, s, 40, "0123456789abcdefABCDEF:.");
            break;
        case 1:
            random_text(&r, s, 20, "0123456789.:x ");
            break;
        case 2:
            random_text(&r, s, 30, "0f:.1");
            break;
        default:
            inet_ntop(AF_INET6, a, s, sizeof s);
            if (rng_below(&r, 2)) {
                size_t n = strlen(s);
                s[rng_below(&r, n)] = ":.0g"[rng_below(&r, 4)];
            }
        }
        memset(a, 0xaa, 16);
        memset(b, 0xaa, 16);
        int want = inet_pton(AF_INET6, s, b);
        if (vr_inet_pton6(s, strlen(s), a) != want)
            ck_abort_msg("pton6(\"%s\"): glibc %d", s, want);
        REQUIRE(!want || memcmp(a, b, 16) == 0);
        want = inet_pton(AF_INET, s, b);
        if (vr_inet_pton4(s, strlen(s), a) != want)
            ck_abort_msg("pton4(\"%s\"): glibc %d", s, want);
        REQUIRE(!want || memcmp(a, b, 4) == 0);

        random_text(&r, s, 24, "0123456789.xXaAfFg \t-+");
        struct in_addr in;
        uint32_t v;
        want = inet_aton(s, &in);
        if (vr_inet_aton(s, &v) != want)
            ck_abort_msg("aton(\"%s\"): glibc %d", s, want);
        REQUIRE(!want || htonl(v) == in.s_addr);
    }
}
END_TEST

/* getaddrinfo with numeric hosts and services: ours and glibc's results, entry by entry. */
static void gai_compare(const char *node, const char *service, const struct addrinfo *hints)
{
    struct vr_addrinfo out[64];
    char canon[256];
    struct vr_gai_hints h = {0, 0, 0, 0};
    struct addrinfo *res = NULL;

    if (hints)
        h = (struct vr_gai_hints){hints->ai_flags, hints->ai_family, hints->ai_socktype,
                                  hints->ai_protocol};
    int n = vr_getaddrinfo(NULL, node, service, hints ? &h : NULL, out, 64, canon, sizeof canon);
    int want = getaddrinfo(node, service, hints, &res);
    if (want != 0) {
        if (n != want)
            ck_abort_msg("getaddrinfo(%s, %s, flags %#x family %d type %d proto %d): ours %d, "
                         "glibc %d",
                         node ? node : "NULL", service ? service : "NULL",
                         hints ? hints->ai_flags : 0, hints ? hints->ai_family : 0,
                         hints ? hints->ai_socktype : 0, hints ? hints->ai_protocol : 0, n, want);
        return;
    }
    int i = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next, i++) {
        if (i >= n)
            ck_abort_msg("getaddrinfo(%s, %s): ours has %d entries, glibc more",
                         node ? node : "NULL", service ? service : "NULL", n);
        REQUIRE(ai->ai_family == out[i].family);
        REQUIRE(ai->ai_socktype == out[i].socktype);
        REQUIRE(ai->ai_protocol == out[i].protocol);
        if (ai->ai_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
            REQUIRE(ntohs(sin->sin_port) == out[i].port);
            REQUIRE(memcmp(&sin->sin_addr, out[i].addr, 4) == 0);
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;
            REQUIRE(ntohs(sin6->sin6_port) == out[i].port);
            REQUIRE(memcmp(&sin6->sin6_addr, out[i].addr, 16) == 0);
            REQUIRE(sin6->sin6_scope_id == out[i].scope);
        }
        if (i == 0)
            if (strcmp(ai->ai_canonname ? ai->ai_canonname : "", canon) != 0)
                ck_abort_msg("getaddrinfo(%s): canonical name ours \"%s\", glibc \"%s\"", node,
                             canon, ai->ai_canonname);
    }
    if (i != n)
        ck_abort_msg("getaddrinfo(%s, %s): ours %d entries, glibc %d", node ? node : "NULL",
                     service ? service : "NULL", n, i);
    freeaddrinfo(res);
}

START_TEST(test_getaddrinfo_vs_glibc)
{
    struct rng r = rng_seeded(23);
    static const int families[] = {AF_UNSPEC, AF_INET, AF_INET6, 1, 99};
    static const int types[] = {0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW};
    static const int protos[] = {0, 0, IPPROTO_TCP, IPPROTO_UDP, 1};
    static const int flags[] = {AI_PASSIVE, AI_CANONNAME,   AI_V4MAPPED,
                                AI_ALL,     AI_NUMERICSERV, 0x800};
    static const char *services[] = {NULL,
                                     "",
                                     "80",
                                     "0",
                                     "65535",
                                     "65536",
                                     " 8080",
                                     "+7",
                                     "-1",
                                     "4294967295",
                                     "12a",
                                     "0x10",
                                     "99999999999999999999"};
    char node[64];

    gai_compare("127.0.0.1", "80", NULL);
    gai_compare(NULL, NULL, NULL);
    for (int i = 0; i < 30000; i++) {
        struct addrinfo hints = {0};
        hints.ai_family = families[rng_below(&r, 5) ? rng_below(&r, 3) : rng_below(&r, 5)];
        hints.ai_socktype = types[rng_below(&r, 4)];
        hints.ai_protocol = protos[rng_below(&r, 5)];
        hints.ai_flags = AI_NUMERICHOST;
        for (int f = 0; f < 6; f++)
            if (rng_below(&r, f == 5 ? 30 : 4) == 0)
                hints.ai_flags |= flags[f];
        const char *nodep = node;
        int kind = (int)rng_below(&r, 6);
        if (kind == 0) {
            uint8_t a[16];
            random_addr6(&r, a);
            inet_ntop(AF_INET6, a, node, sizeof node);
        } else if (kind == 1) {
            random_text(&r, node, 20, "0123456789.x");
        } else if (kind == 2) {
            random_text(&r, node, 24, "0123456789abcdef:.%");
        } else if (kind == 3) {
            snprintf(node, sizeof node, "%u.%u.%u.%u", (unsigned)rng_below(&r, 300),
                     (unsigned)rng_below(&r, 256), (unsigned)rng_below(&r, 256),
                     (unsigned)rng_below(&r, 256));
        } else if (kind == 4) {
            nodep = NULL;
            hints.ai_flags &= ~AI_CANONNAME;
            if (hints.ai_family == AF_UNSPEC) /* glibc sorts the two by the host's routes */
                hints.ai_family = AF_INET;
        } else {
            random_text(&r, node, 12, "0123456789. ");
        }
        const char *serv = services[rng_below(&r, 13)];
        if (serv && !(hints.ai_flags & AI_NUMERICSERV) && serv[0] &&
            !strchr("0123456789 +-", serv[0]))
            hints.ai_flags |= AI_NUMERICSERV; /* no lookups in the host's /etc/services */
        if (serv && !strcmp(serv, "12a"))
            hints.ai_flags |= AI_NUMERICSERV;
        if (serv && (!strcmp(serv, "-1") || !strcmp(serv, "4294967295")) &&
            !(hints.ai_flags & AI_NUMERICSERV))
            continue; /* glibc looks those up by name: checked below on a fixed text */
        gai_compare(nodep, serv, &hints);
    }
}
END_TEST

static const char hosts_text[] = "# test hosts\n127.0.0.1\tlocalhost\n"
                                 "::1 localhost ip6-localhost\n"
                                 "10.0.2.15  node1.example node1   # the first node\n"
                                 "10.0.2.16 node2\n10.0.2.17 node2\nbad-line\n"
                                 "fe80::1 node3\n";
static const char services_text[] = "http 80/tcp www\nhttp 80/udp\necho 7/tcp\necho 7/udp\n"
                                    "ssh 22/tcp\n#ftp 21/tcp\n";

static int gai(const char *node, const char *serv, int flags, int family, int type,
               struct vr_addrinfo *out, char *canon)
{
    struct vr_netdb db = {hosts_text, sizeof hosts_text - 1, services_text,
                          sizeof services_text - 1};
    struct vr_gai_hints h = {flags, family, type, 0};

    return vr_getaddrinfo(&db, node, serv, &h, out, 16, canon, 64);
}

START_TEST(test_getaddrinfo_names)
{
    struct vr_addrinfo out[16];
    char canon[64];

    /* localhost: ::1 first (precedence), then 127.0.0.1; three socket types each */
    ck_assert_int_eq(gai("localhost", NULL, AI_CANONNAME, AF_UNSPEC, 0, out, canon), 6);
    ck_assert_int_eq(out[0].family, AF_INET6);
    ck_assert_int_eq(out[0].addr[15], 1);
    ck_assert_int_eq(out[3].family, AF_INET);
    ck_assert_int_eq(out[3].addr[0], 127);
    ck_assert_str_eq(canon, "localhost");
    ck_assert_int_eq(gai("LOCALHOST", "http", 0, AF_INET, SOCK_STREAM, out, canon), 1);
    ck_assert_int_eq(out[0].port, 80);
    ck_assert_str_eq(canon, "");
    /* an alias gives the line's first name as the canonical one */
    ck_assert_int_eq(gai("node1", "www", AI_CANONNAME, AF_UNSPEC, SOCK_STREAM, out, canon), 1);
    ck_assert_str_eq(canon, "node1.example");
    ck_assert_int_eq(out[0].addr[3], 15);
    ck_assert_int_eq(out[0].port, 80);
    /* every line of a name, in file order */
    ck_assert_int_eq(gai("node2", "7", 0, AF_INET, SOCK_DGRAM, out, canon), 2);
    ck_assert_int_eq(out[0].addr[3], 16);
    ck_assert_int_eq(out[1].addr[3], 17);
    /* names by protocol: http on tcp and udp, ssh only on tcp */
    ck_assert_int_eq(gai("node1", "http", 0, AF_INET, 0, out, canon), 2);
    ck_assert_int_eq(out[1].socktype, SOCK_DGRAM);
    ck_assert_int_eq(gai("node1", "ssh", 0, AF_INET, 0, out, canon), 1);
    ck_assert_int_eq(gai("node1", "ssh", 0, AF_INET, SOCK_DGRAM, out, canon), EAI_SERVICE);
    ck_assert_int_eq(gai("node1", "ftp", 0, AF_INET, 0, out, canon), EAI_SERVICE);
    ck_assert_int_eq(gai("node1", "http", AI_NUMERICSERV, AF_INET, 0, out, canon), EAI_NONAME);
    ck_assert_int_eq(gai("node1", "-1", 0, AF_INET, 0, out, canon), EAI_SERVICE);
    /* v4-only names under AF_INET6: only with AI_V4MAPPED */
    ck_assert_int_eq(gai("node2", NULL, 0, AF_INET6, SOCK_STREAM, out, canon), EAI_NONAME);
    ck_assert_int_eq(gai("node2", NULL, AI_V4MAPPED, AF_INET6, SOCK_STREAM, out, canon), 2);
    ck_assert_int_eq(out[0].addr[11], 0xff);
    ck_assert_int_eq(out[0].addr[15], 16);
    ck_assert_int_eq(
        gai("localhost", NULL, AI_V4MAPPED | AI_ALL, AF_INET6, SOCK_STREAM, out, canon), 2);
    ck_assert_int_eq(gai("node3", NULL, 0, AF_INET, 0, out, canon), EAI_NONAME);
    ck_assert_int_eq(gai("nowhere", NULL, 0, AF_UNSPEC, 0, out, canon), EAI_NONAME);
    ck_assert_int_eq(gai("node1", NULL, AI_NUMERICHOST, AF_UNSPEC, 0, out, canon), EAI_NONAME);
    ck_assert_int_eq(gai("node1", NULL, AI_ADDRCONFIG, AF_INET, SOCK_STREAM, out, canon), 1);
    ck_assert_int_eq(gai("bad-line", NULL, 0, AF_UNSPEC, 0, out, canon), EAI_NONAME);

    /* no hosts file at all: localhost still resolves */
    struct vr_netdb empty = {0};
    struct vr_gai_hints h = {0, AF_INET, SOCK_STREAM, 0};
    ck_assert_int_eq(vr_getaddrinfo(&empty, "localhost", "echo", &h, out, 16, canon, 64), 1);
    ck_assert_int_eq(out[0].addr[0], 127);
    ck_assert_int_eq(out[0].port, 7);
    /* the output array's size bounds the answer */
    ck_assert_int_eq(vr_getaddrinfo(&empty, "localhost", NULL, NULL, out, 4, canon, 64), 4);
}
END_TEST

static int gni(int family, const char *addr, int port, int flags, char *host, size_t hl, char *serv,
               size_t sl)
{
    struct vr_netdb db = {hosts_text, sizeof hosts_text - 1, services_text,
                          sizeof services_text - 1};
    uint8_t a[16];

    if (family == AF_INET)
        vr_inet_pton4(addr, strlen(addr), a);
    else
        vr_inet_pton6(addr, strlen(addr), a);
    return vr_getnameinfo(&db, family, a, 0, port, host, hl, serv, sl, flags);
}

START_TEST(test_getnameinfo)
{
    char host[64], serv[32];

    ck_assert_int_eq(gni(AF_INET, "127.0.0.1", 80, 0, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "localhost");
    ck_assert_str_eq(serv, "http");
    ck_assert_int_eq(gni(AF_INET6, "::1", 7, NI_DGRAM, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "localhost");
    ck_assert_str_eq(serv, "echo");
    ck_assert_int_eq(gni(AF_INET, "10.0.2.17", 22, NI_DGRAM, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "node2");
    ck_assert_str_eq(serv, "22");
    ck_assert_int_eq(
        gni(AF_INET, "127.0.0.1", 80, NI_NUMERICHOST | NI_NUMERICSERV, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_str_eq(serv, "80");
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, 0, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "1.2.3.4");
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, NI_NAMEREQD, host, 64, serv, 32), EAI_NONAME);
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, NI_NAMEREQD, NULL, 0, serv, 32), 0);
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, 0, host, 7, serv, 32), EAI_OVERFLOW);
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, 0, host, 8, serv, 32), 0);
    ck_assert_int_eq(gni(AF_INET, "127.0.0.1", 80, 0, host, 9, serv, 32), EAI_OVERFLOW);
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 8080, NI_NUMERICHOST, host, 64, serv, 4),
                     EAI_OVERFLOW);
    ck_assert_int_eq(gni(AF_INET, "1.2.3.4", 80, 0x100, host, 64, serv, 32), EAI_BADFLAGS);
    ck_assert_int_eq(gni(AF_INET6, "::ffff:1.2.3.4", 0, 0, host, 64, serv, 32), 0);
    ck_assert_str_eq(host, "::ffff:1.2.3.4");
    ck_assert_str_eq(serv, "0");
    ck_assert_int_eq(gni(AF_INET6, "fe80::1", 0, 0, host, 64, NULL, 0), 0);
    ck_assert_str_eq(host, "node3");
    uint8_t a[16] = {0xfe, 0x80, [15] = 1};
    ck_assert_int_eq(vr_getnameinfo(NULL, AF_INET6, a, 3, 0, host, 64, NULL, 0, NI_NUMERICHOST), 0);
    ck_assert_str_eq(host, "fe80::1%3");
    ck_assert_int_eq(vr_getnameinfo(NULL, 1, a, 0, 0, host, 64, NULL, 0, 0), EAI_FAMILY);
}
END_TEST

START_TEST(test_gai_strerror)
{
    /* glibc's messages, except for two it has none for */
    for (int e = -11; e < 0; e++)
        ck_assert_str_eq(vr_gai_strerror(e), gai_strerror(e));
    ck_assert_str_eq(vr_gai_strerror(EAI_OVERFLOW), "Argument buffer overflow");
    ck_assert_str_eq(vr_gai_strerror(0), "Success");
    ck_assert_str_eq(vr_gai_strerror(-1000), "Unknown error");
}
END_TEST

static Suite *inet_suite(void)
{
    Suite *s = suite_create("inet");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_pton6_fixed);
    tcase_add_test(tc, test_pton4_aton_fixed);
    tcase_add_test(tc, test_inet_vs_glibc);
    tcase_add_test(tc, test_getaddrinfo_vs_glibc);
    tcase_add_test(tc, test_getaddrinfo_names);
    tcase_add_test(tc, test_getnameinfo);
    tcase_add_test(tc, test_gai_strerror);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(inet_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
