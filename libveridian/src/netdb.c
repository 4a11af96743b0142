/*
 * Name and service translation (libveridian/src/netdb.c): getaddrinfo, freeaddrinfo,
 * gai_strerror, getnameinfo.
 *
 * There is no DNS: a host is a numeric address (IPv4 in inet_aton's forms, IPv6 with an
 * optional numeric %scope), a name of /etc/hosts (case-insensitive; every matching line, IPv6
 * before IPv4 as glibc's RFC 3484 sort puts them), or "localhost" when /etc/hosts does not
 * name it. A service is a number (strtoul's forms, as glibc reads it) or a name of
 * /etc/services, or of a small built-in table when that file is missing.
 *
 * The engine (vr_getaddrinfo, vr_getnameinfo; core.h) is pure: it takes the two files' text
 * (struct vr_netdb), writes results into a caller's array and returns an EAI_* code; its
 * checks and their order follow glibc's getaddrinfo (sysdeps/posix/getaddrinfo.c): the
 * tests compare it with glibc on the same queries (tests/unit/libc/test_netdb.c,
 * tests/diff/progs/netdb.c). The guest section reads the files, builds the addrinfo list
 * (one allocation per entry: address and canonical name inside it) and frees it.
 * AI_ADDRCONFIG is accepted and has no effect (the netstack always has loopback for both
 * families). Never touches the network.
 */
#include "core.h"

/* Text of one line of a hosts or services file: fields split on blanks, '#' starts a
 * comment. Fields point into the buffer and are not terminated: lengths in flen. */
#define NETDB_MAXFIELDS 16
struct netdb_line {
    const char *f[NETDB_MAXFIELDS];
    size_t flen[NETDB_MAXFIELDS];
    int n;
};

/* The next line of buf[0..len) from *pos, split; 0 at the end. */
static int netdb_next_line(const char *buf, size_t len, size_t *pos, struct netdb_line *l)
{
    if (!buf || *pos >= len)
        return 0;
    size_t i = *pos, end = i;
    while (end < len && buf[end] != '\n')
        end++;
    *pos = end + 1;
    l->n = 0;
    while (i < end) {
        while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
            i++;
        if (i >= end || buf[i] == '#')
            break;
        size_t s = i;
        while (i < end && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '#')
            i++;
        if (l->n < NETDB_MAXFIELDS) {
            l->f[l->n] = buf + s;
            l->flen[l->n] = i - s;
            l->n++;
        }
    }
    return 1;
}

static int field_eq(const char *f, size_t flen, const char *s, int nocase)
{
    size_t n = vr_strlen(s);

    if (n != flen)
        return 0;
    return nocase ? vr_strncasecmp(f, s, n) == 0 : vr_memcmp(f, s, n) == 0;
}

/* ---- services ---- */

/* Used only when /etc/services cannot be read (os/etc/services has more). */
static const char builtin_services[] = "echo 7/tcp\necho 7/udp\ndiscard 9/tcp\ndiscard 9/udp\n"
                                       "daytime 13/tcp\nftp 21/tcp\nssh 22/tcp\ntelnet 23/tcp\n"
                                       "smtp 25/tcp mail\ndomain 53/tcp\ndomain 53/udp\n"
                                       "http 80/tcp www\nntp 123/udp\nhttps 443/tcp\n"
                                       "https 443/udp\n";

static void services_text(const struct vr_netdb *db, const char **buf, size_t *len)
{
    if (db && db->services) {
        *buf = db->services;
        *len = db->services_len;
    } else {
        *buf = builtin_services;
        *len = sizeof builtin_services - 1;
    }
}

/* "80/tcp" -> 80 when the protocol matches; -1 otherwise. */
static int service_port(const char *f, size_t flen, const char *proto)
{
    unsigned port = 0;
    size_t i = 0;

    for (; i < flen && f[i] >= '0' && f[i] <= '9'; i++) {
        port = port * 10 + (unsigned)(f[i] - '0');
        if (port > 65535)
            return -1;
    }
    if (i == 0 || i >= flen || f[i] != '/')
        return -1;
    if (!field_eq(f + i + 1, flen - i - 1, proto, 0))
        return -1;
    return (int)port;
}

int vr_netdb_service_port(const struct vr_netdb *db, const char *name, const char *proto)
{
    const char *buf;
    size_t len, pos = 0;
    struct netdb_line l;

    services_text(db, &buf, &len);
    while (netdb_next_line(buf, len, &pos, &l)) {
        if (l.n < 2)
            continue;
        int port = service_port(l.f[1], l.flen[1], proto);
        if (port < 0)
            continue;
        for (int i = 0; i < l.n; i++)
            if (i != 1 && field_eq(l.f[i], l.flen[i], name, 0))
                return port;
    }
    return -1;
}

int vr_netdb_service_name(const struct vr_netdb *db, int port, const char *proto, char *out,
                          size_t size)
{
    const char *buf;
    size_t len, pos = 0;
    struct netdb_line l;

    services_text(db, &buf, &len);
    while (netdb_next_line(buf, len, &pos, &l)) {
        if (l.n < 2 || service_port(l.f[1], l.flen[1], proto) != port)
            continue;
        if (l.flen[0] >= size)
            return -VK_ENOSPC;
        vr_memcpy(out, l.f[0], l.flen[0]);
        out[l.flen[0]] = '\0';
        return 0;
    }
    return -VK_ENOENT;
}

/* ---- hosts ---- */

/* A hosts-file address field: family and bytes; 0 when it is not an address. */
static int hosts_addr(const char *f, size_t flen, uint8_t addr[16])
{
    if (vr_inet_pton4(f, flen, addr))
        return VR_AF_INET;
    if (vr_inet_pton6(f, flen, addr))
        return VR_AF_INET6;
    return 0;
}

/* Adds to out[] every address of family fam (or both) that /etc/hosts gives name; the
 * first matching line's first name into canon. Returns the new count. */
static int hosts_by_name(const struct vr_netdb *db, const char *name, int fam,
                         struct vr_addrinfo *out, int n, int max, char *canon, size_t csize)
{
    size_t pos = 0;
    struct netdb_line l;

    while (db && netdb_next_line(db->hosts, db->hosts_len, &pos, &l)) {
        uint8_t addr[16];
        int f;
        if (l.n < 2 || !(f = hosts_addr(l.f[0], l.flen[0], addr)))
            continue;
        if (fam != VR_AF_UNSPEC && f != fam)
            continue;
        int hit = 0;
        for (int i = 1; i < l.n && !hit; i++)
            hit = field_eq(l.f[i], l.flen[i], name, 1);
        if (!hit || n >= max)
            continue;
        if (canon && canon[0] == '\0' && l.flen[1] < csize) {
            vr_memcpy(canon, l.f[1], l.flen[1]);
            canon[l.flen[1]] = '\0';
        }
        vr_memset(&out[n], 0, sizeof out[n]);
        out[n].family = f;
        vr_memcpy(out[n].addr, addr, f == VR_AF_INET ? 4 : 16);
        n++;
    }
    return n;
}

int vr_netdb_host_name(const struct vr_netdb *db, int family, const uint8_t *addr, char *out,
                       size_t size)
{
    size_t pos = 0;
    struct netdb_line l;

    while (db && netdb_next_line(db->hosts, db->hosts_len, &pos, &l)) {
        uint8_t a[16];
        if (l.n < 2 || hosts_addr(l.f[0], l.flen[0], a) != family)
            continue;
        if (vr_memcmp(a, addr, family == VR_AF_INET ? 4 : 16) != 0)
            continue;
        if (l.flen[1] >= size)
            return -VK_ENOSPC;
        vr_memcpy(out, l.f[1], l.flen[1]);
        out[l.flen[1]] = '\0';
        return 0;
    }
    return -VK_ENOENT;
}

/* ---- getaddrinfo ---- */

#define VR_AI_KNOWN                                                                                \
    (VR_AI_PASSIVE | VR_AI_CANONNAME | VR_AI_NUMERICHOST | VR_AI_V4MAPPED | VR_AI_ALL |            \
     VR_AI_ADDRCONFIG | VR_AI_NUMERICSERV | VR_AI_GNU_IDN)
/* glibc's AI_IDN, AI_CANONIDN and two deprecated IDN flags: accepted, and mean nothing
 * without IDN (names here are ASCII) */
#define VR_AI_GNU_IDN 0x03c0

/* glibc's table of socket types (gaih_inet_typeproto), the kinds we have. */
struct gai_type {
    int socktype, protocol;
    int is_default;
    int any_protocol; /* raw: takes the hints' protocol, and never a service */
    const char *name;
};
static const struct gai_type gai_types[] = {
    {VR_SOCK_STREAM, VR_IPPROTO_TCP, 1, 0, "tcp"},
    {VR_SOCK_DGRAM, VR_IPPROTO_UDP, 1, 0, "udp"},
    {VR_SOCK_RAW, 0, 1, 1, "raw"},
};
#define GAI_NTYPES (int)(sizeof gai_types / sizeof gai_types[0])

struct gai_serv {
    int socktype, protocol, port;
};

static int gai_type_ok(const struct gai_type *t, const struct vr_gai_hints *h)
{
    if (h->socktype != 0 && h->socktype != t->socktype)
        return 0;
    return h->protocol == 0 || t->any_protocol || h->protocol == t->protocol;
}

/* strtoul(s, &end, 10) as glibc's getaddrinfo reads a service, truncated to its int: the
 * number, or -1 when s is not all number (or the int is negative: glibc then looks the
 * text up as a name). */
static long gai_service_number(const char *s)
{
    const char *p = s;
    int neg = 0, digits = 0, overflow = 0;
    uint64_t v = 0;

    while (vr_isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (v > (UINT64_MAX - 9) / 10)
            overflow = 1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (!digits)
        return *s ? -1 : 0; /* strtoul's end is then s itself */
    if (*p != '\0')
        return -1;
    if (overflow)
        v = UINT64_MAX;
    else if (neg)
        v = (uint64_t)0 - v;
    int32_t num = (int32_t)(uint32_t)v;
    return num < 0 ? -2 : num;
}

/* The (socktype, protocol, port) tuples for the service; count or a negative EAI code. */
static int gai_services(const struct vr_netdb *db, const char *service,
                        const struct vr_gai_hints *h, struct gai_serv *out)
{
    const struct gai_type *tp = NULL;
    long num = -1;
    int n = 0;

    if (h->socktype || h->protocol) {
        for (int i = 0; i < GAI_NTYPES && !tp; i++)
            if (gai_type_ok(&gai_types[i], h))
                tp = &gai_types[i];
        if (!tp)
            return h->socktype ? VR_EAI_SOCKTYPE : VR_EAI_SERVICE;
    }
    if (service) {
        num = gai_service_number(service);
        if (tp && tp->any_protocol)
            return VR_EAI_SERVICE;
        if (num < 0) {
            if (tp) {
                int port = vr_netdb_service_port(db, service, tp->name);
                if (port < 0)
                    return VR_EAI_SERVICE;
                out[0] = (struct gai_serv){tp->socktype, tp->protocol, port};
                return 1;
            }
            for (int i = 0; i < GAI_NTYPES; i++) {
                const struct gai_type *t = &gai_types[i];
                if (t->any_protocol || !gai_type_ok(t, h))
                    continue;
                int port = vr_netdb_service_port(db, service, t->name);
                if (port >= 0)
                    out[n++] = (struct gai_serv){t->socktype, t->protocol, port};
            }
            return n ? n : VR_EAI_SERVICE;
        }
    }
    int port = num < 0 ? 0 : (int)(uint16_t)num;
    if (tp) {
        out[0] =
            (struct gai_serv){tp->socktype, tp->any_protocol ? h->protocol : tp->protocol, port};
        return 1;
    }
    for (int i = 0; i < GAI_NTYPES; i++)
        if (gai_types[i].is_default)
            out[n++] = (struct gai_serv){gai_types[i].socktype, gai_types[i].protocol, port};
    return n;
}

/* A numeric IPv6 host with an optional "%N" scope (numeric only: we name no interface):
 * 1, 0 when it is not one, -1 when the address is but the scope is not a number. */
static int gai_parse6(const char *node, uint8_t addr[16], uint32_t *scope)
{
    const char *pct = vr_strchr(node, '%');
    size_t len = pct ? (size_t)(pct - node) : vr_strlen(node);

    if (!vr_inet_pton6(node, len, addr))
        return 0;
    *scope = 0;
    if (pct) {
        uint64_t v = 0;
        const char *p = pct + 1;
        if (*p == '\0')
            return -1;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > 0xffffffffu)
                return -1;
        }
        *scope = (uint32_t)v;
    }
    return 1;
}

static void gai_map4(struct vr_addrinfo *a)
{
    uint8_t v4[4];

    vr_memcpy(v4, a->addr, 4);
    vr_memset(a->addr, 0, 16);
    a->addr[10] = a->addr[11] = 0xff;
    vr_memcpy(a->addr + 12, v4, 4);
    a->family = VR_AF_INET6;
}

/* glibc's RFC 3484 precedence (rule 6) for the default policy table. */
static int gai_precedence(const struct vr_addrinfo *a)
{
    const uint8_t *x = a->addr;
    static const uint8_t loop6[16] = {[15] = 1};

    if (a->family == VR_AF_INET)
        return 35;
    if (vr_memcmp(x, loop6, 16) == 0)
        return 50;
    if (x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0 && x[4] == 0 && x[5] == 0 && x[6] == 0 &&
        x[7] == 0 && x[8] == 0 && x[9] == 0) {
        if (x[10] == 0xff && x[11] == 0xff)
            return 35;
        if (x[10] == 0 && x[11] == 0)
            return 1;
    }
    if (x[0] == 0x20 && x[1] == 0x02)
        return 30;
    if (x[0] == 0x20 && x[1] == 0x01 && x[2] == 0 && x[3] == 0)
        return 5;
    if ((x[0] & 0xfe) == 0xfc)
        return 3;
    if ((x[0] == 0xfe && (x[1] & 0xc0) == 0xc0) || (x[0] == 0x3f && x[1] == 0xfe))
        return 1;
    return 40;
}

/* The host's addresses into addrs; count or a negative EAI code. */
static int gai_hosts(const struct vr_netdb *db, const char *node, const struct vr_gai_hints *h,
                     struct vr_addrinfo *addrs, int max, char *canon, size_t csize)
{
    int fam = h->family, n = 0;

    if (!node) {
        static const uint8_t loop4[4] = {127, 0, 0, 1}, loop6[16] = {[15] = 1};
        int passive = h->flags & VR_AI_PASSIVE;
        if (fam != VR_AF_INET) {
            vr_memset(&addrs[n], 0, sizeof addrs[n]);
            addrs[n].family = VR_AF_INET6;
            if (!passive)
                vr_memcpy(addrs[n].addr, loop6, 16);
            n++;
        }
        if (fam != VR_AF_INET6) {
            vr_memset(&addrs[n], 0, sizeof addrs[n]);
            addrs[n].family = VR_AF_INET;
            if (!passive)
                vr_memcpy(addrs[n].addr, loop4, 4);
            n++;
        }
        return n;
    }

    uint32_t v4;
    vr_memset(&addrs[0], 0, sizeof addrs[0]);
    if (vr_inet_aton(node, &v4) && !vr_strpbrk(node, " \t\n\v\f\r")) {
        addrs[0].family = VR_AF_INET;
        addrs[0].addr[0] = (uint8_t)(v4 >> 24);
        addrs[0].addr[1] = (uint8_t)(v4 >> 16);
        addrs[0].addr[2] = (uint8_t)(v4 >> 8);
        addrs[0].addr[3] = (uint8_t)v4;
        if (fam == VR_AF_INET6) {
            if (!(h->flags & VR_AI_V4MAPPED))
                return VR_EAI_ADDRFAMILY;
            gai_map4(&addrs[0]);
        }
        goto numeric;
    }
    int v6 = gai_parse6(node, addrs[0].addr, &addrs[0].scope);
    if (v6) {
        static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
        addrs[0].family = VR_AF_INET6;
        if (fam == VR_AF_INET) {
            /* as glibc: a mapped address asked for as IPv4 is its IPv4 address */
            if (vr_memcmp(addrs[0].addr, mapped, 12) != 0)
                return VR_EAI_ADDRFAMILY;
            vr_memmove(addrs[0].addr, addrs[0].addr + 12, 4);
            vr_memset(addrs[0].addr + 4, 0, 12);
            addrs[0].family = VR_AF_INET;
            addrs[0].scope = 0;
        }
        if (v6 < 0)
            return VR_EAI_NONAME; /* glibc checks the family first */
        goto numeric;
    }
    if (h->flags & VR_AI_NUMERICHOST)
        return VR_EAI_NONAME;

    if (canon)
        canon[0] = '\0';
    if (fam == VR_AF_INET6) {
        n = hosts_by_name(db, node, VR_AF_INET6, addrs, 0, max, canon, csize);
        if ((h->flags & VR_AI_V4MAPPED) && (n == 0 || (h->flags & VR_AI_ALL))) {
            int m = hosts_by_name(db, node, VR_AF_INET, addrs, n, max, canon, csize);
            for (int i = n; i < m; i++)
                gai_map4(&addrs[i]);
            n = m;
        }
    } else {
        n = hosts_by_name(db, node, fam, addrs, 0, max, canon, csize);
    }
    if (n == 0 && vr_strcasecmp(node, "localhost") == 0) {
        struct vr_gai_hints local = *h;
        local.flags &= ~VR_AI_PASSIVE;
        n = gai_hosts(db, NULL, &local, addrs, max, NULL, 0);
        if (canon && csize > sizeof "localhost" - 1)
            vr_strcpy(canon, "localhost");
    }
    if (n == 0)
        return VR_EAI_NONAME;
    /* stable: by precedence, then file order */
    for (int i = 1; i < n; i++) {
        struct vr_addrinfo t = addrs[i];
        int j = i, p = gai_precedence(&t);
        while (j > 0 && gai_precedence(&addrs[j - 1]) < p) {
            addrs[j] = addrs[j - 1];
            j--;
        }
        addrs[j] = t;
    }
    return n;

numeric:
    /* glibc's canonical name of a numeric host is the text itself */
    if (canon) {
        size_t len = vr_strlen(node);
        if (len >= csize)
            return VR_EAI_OVERFLOW;
        vr_memcpy(canon, node, len + 1);
    }
    return 1;
}

int vr_getaddrinfo(const struct vr_netdb *db, const char *node, const char *service,
                   const struct vr_gai_hints *hints, struct vr_addrinfo *out, int max, char *canon,
                   size_t csize)
{
    /* glibc's default hints: AI_V4MAPPED | AI_ADDRCONFIG (reported in every ai_flags) */
    static const struct vr_gai_hints none = {VR_AI_V4MAPPED | VR_AI_ADDRCONFIG, VR_AF_UNSPEC, 0, 0};
    const struct vr_gai_hints *h = hints ? hints : &none;
    struct vr_addrinfo addrs[VR_GAI_MAXADDR];
    struct gai_serv servs[GAI_NTYPES];

    if (canon && csize)
        canon[0] = '\0';
    if (!node && !service)
        return VR_EAI_NONAME;
    if (h->flags & ~VR_AI_KNOWN)
        return VR_EAI_BADFLAGS;
    if ((h->flags & VR_AI_CANONNAME) && !node)
        return VR_EAI_BADFLAGS;
    if (h->family != VR_AF_UNSPEC && h->family != VR_AF_INET && h->family != VR_AF_INET6)
        return VR_EAI_FAMILY;
    if (service && service[0] == '\0')
        service = NULL;
    if (service && gai_service_number(service) == -1 && (h->flags & VR_AI_NUMERICSERV))
        return VR_EAI_NONAME;

    int ns = gai_services(db, service, h, servs);
    if (ns < 0)
        return ns;
    int na = gai_hosts(db, node, h, addrs, VR_GAI_MAXADDR, canon, csize);
    if (na < 0)
        return na;
    if (!(h->flags & VR_AI_CANONNAME) && canon && csize)
        canon[0] = '\0';

    int n = 0;
    for (int a = 0; a < na; a++)
        for (int s = 0; s < ns; s++) {
            if (n >= max)
                return n;
            out[n] = addrs[a];
            out[n].socktype = servs[s].socktype;
            out[n].protocol = servs[s].protocol;
            out[n].port = (uint16_t)servs[s].port;
            n++;
        }
    return n;
}

/* ---- getnameinfo ---- */

#define VR_NI_KNOWN                                                                                \
    (VR_NI_NUMERICHOST | VR_NI_NUMERICSERV | VR_NI_NOFQDN | VR_NI_NAMEREQD | VR_NI_DGRAM)

int vr_getnameinfo(const struct vr_netdb *db, int family, const uint8_t *addr, uint32_t scope,
                   int port, char *host, size_t hostlen, char *serv, size_t servlen, int flags)
{
    if (flags & ~VR_NI_KNOWN)
        return VR_EAI_BADFLAGS;
    if (family != VR_AF_INET && family != VR_AF_INET6)
        return VR_EAI_FAMILY;
    if ((flags & VR_NI_NAMEREQD) && !(host && hostlen) && !(serv && servlen))
        return VR_EAI_NONAME;

    if (host && hostlen) {
        int done = 0;
        if (!(flags & VR_NI_NUMERICHOST)) {
            int r = vr_netdb_host_name(db, family, addr, host, hostlen);
            if (r == -VK_ENOSPC)
                return VR_EAI_OVERFLOW;
            done = r == 0;
            if (!done && family == VR_AF_INET) {
                static const uint8_t loop4[4] = {127, 0, 0, 1};
                if (vr_memcmp(addr, loop4, 4) == 0 && (!db || !db->hosts)) {
                    if (hostlen <= sizeof "localhost" - 1)
                        return VR_EAI_OVERFLOW;
                    vr_strcpy(host, "localhost");
                    done = 1;
                }
            }
            if (!done && (flags & VR_NI_NAMEREQD))
                return VR_EAI_NONAME;
        }
        if (!done) {
            char tmp[VR_INET6_ADDRSTRLEN + 12];
            int r = family == VR_AF_INET ? vr_inet_ntop4(addr, tmp, sizeof tmp)
                                         : vr_inet_ntop6(addr, tmp, sizeof tmp);
            if (r < 0)
                return VR_EAI_OVERFLOW;
            if (family == VR_AF_INET6 && scope)
                vr_snformat(tmp + r, sizeof tmp - (size_t)r, "%%%u", (unsigned)scope);
            size_t len = vr_strlen(tmp);
            if (len >= hostlen)
                return VR_EAI_OVERFLOW;
            vr_memcpy(host, tmp, len + 1);
        }
    }
    if (serv && servlen) {
        int r = -1;
        if (!(flags & VR_NI_NUMERICSERV))
            r = vr_netdb_service_name(db, port, (flags & VR_NI_DGRAM) ? "udp" : "tcp", serv,
                                      servlen);
        if (r == -VK_ENOSPC)
            return VR_EAI_OVERFLOW;
        if (r != 0) {
            char tmp[8];
            int len = vr_snformat(tmp, sizeof tmp, "%d", port);
            if ((size_t)len >= servlen)
                return VR_EAI_OVERFLOW;
            vr_memcpy(serv, tmp, (size_t)len + 1);
        }
    }
    return 0;
}

const char *vr_gai_strerror(int err)
{
    switch (err) {
    case 0:
        return "Success"; /* glibc: "Unknown error" */
    case VR_EAI_BADFLAGS:
        return "Bad value for ai_flags";
    case VR_EAI_NONAME:
        return "Name or service not known";
    case VR_EAI_AGAIN:
        return "Temporary failure in name resolution";
    case VR_EAI_FAIL:
        return "Non-recoverable failure in name resolution";
    case VR_EAI_NODATA:
        return "No address associated with hostname";
    case VR_EAI_FAMILY:
        return "ai_family not supported";
    case VR_EAI_SOCKTYPE:
        return "ai_socktype not supported";
    case VR_EAI_SERVICE:
        return "Servname not supported for ai_socktype";
    case VR_EAI_ADDRFAMILY:
        return "Address family for hostname not supported";
    case VR_EAI_MEMORY:
        return "Memory allocation failure";
    case VR_EAI_SYSTEM:
        return "System error";
    case VR_EAI_OVERFLOW:
        return "Argument buffer overflow"; /* glibc has no message for it */
    default:
        return "Unknown error";
    }
}

#ifdef VERIDIAN_GUEST
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(AI_PASSIVE == VR_AI_PASSIVE && AI_CANONNAME == VR_AI_CANONNAME &&
                   AI_NUMERICHOST == VR_AI_NUMERICHOST && AI_V4MAPPED == VR_AI_V4MAPPED &&
                   AI_ALL == VR_AI_ALL && AI_ADDRCONFIG == VR_AI_ADDRCONFIG &&
                   AI_NUMERICSERV == VR_AI_NUMERICSERV,
               "AI_* as the engine's");
_Static_assert(NI_NUMERICHOST == VR_NI_NUMERICHOST && NI_NUMERICSERV == VR_NI_NUMERICSERV &&
                   NI_NOFQDN == VR_NI_NOFQDN && NI_NAMEREQD == VR_NI_NAMEREQD &&
                   NI_DGRAM == VR_NI_DGRAM,
               "NI_* as the engine's");
_Static_assert(EAI_NONAME == VR_EAI_NONAME && EAI_OVERFLOW == VR_EAI_OVERFLOW &&
                   EAI_FAMILY == VR_EAI_FAMILY && EAI_SERVICE == VR_EAI_SERVICE &&
                   EAI_SOCKTYPE == VR_EAI_SOCKTYPE && EAI_BADFLAGS == VR_EAI_BADFLAGS &&
                   EAI_MEMORY == VR_EAI_MEMORY && EAI_SYSTEM == VR_EAI_SYSTEM,
               "EAI_* as the engine's");
_Static_assert(AF_INET == VR_AF_INET && AF_INET6 == VR_AF_INET6 && AF_UNSPEC == VR_AF_UNSPEC &&
                   SOCK_STREAM == VR_SOCK_STREAM && SOCK_DGRAM == VR_SOCK_DGRAM &&
                   SOCK_RAW == VR_SOCK_RAW,
               "families and socket types as the engine's");

/* A whole small file into a fresh heap buffer; NULL when it cannot be read. */
static char *netdb_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, n = 0;
    char *buf = NULL;

    if (fd < 0)
        return NULL;
    for (;;) {
        if (n == cap || !buf) {
            if (n >= (1u << 20))
                break; /* a megabyte of hosts is enough */
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

static void netdb_open(struct vr_netdb *db, int hosts, int services)
{
    int saved = errno;

    memset(db, 0, sizeof *db);
    if (hosts)
        db->hosts = netdb_read_file("/etc/hosts", &db->hosts_len);
    if (services)
        db->services = netdb_read_file("/etc/services", &db->services_len);
    errno = saved;
}

static void netdb_close(struct vr_netdb *db)
{
    free((char *)db->hosts);
    free((char *)db->services);
}

/* One entry: the addrinfo, its address and (on the first) the canonical name together. */
struct ai_entry {
    struct addrinfo ai;
    union {
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } sa;
    char canon[];
};

int getaddrinfo(const char *restrict node, const char *restrict service,
                const struct addrinfo *restrict hints, struct addrinfo **restrict res)
{
    struct vr_gai_hints h = {AI_V4MAPPED | AI_ADDRCONFIG, AF_UNSPEC, 0, 0};
    struct vr_addrinfo out[VR_GAI_MAXADDR * 3];
    char canon[NI_MAXHOST];
    struct vr_netdb db;

    if (hints)
        h = (struct vr_gai_hints){hints->ai_flags, hints->ai_family, hints->ai_socktype,
                                  hints->ai_protocol};
    int numeric_host = !node || (h.flags & AI_NUMERICHOST);
    int numeric_serv = !service || (h.flags & AI_NUMERICSERV);
    netdb_open(&db, !numeric_host, !numeric_serv);
    int n = vr_getaddrinfo(&db, node, service, &h, out, (int)(sizeof out / sizeof out[0]), canon,
                           sizeof canon);
    netdb_close(&db);
    if (n < 0)
        return n;

    struct addrinfo *head = NULL, **tail = &head;
    for (int i = 0; i < n; i++) {
        size_t clen = (i == 0 && (h.flags & AI_CANONNAME) && canon[0]) ? strlen(canon) + 1 : 0;
        struct ai_entry *e = calloc(1, sizeof *e + clen);
        if (!e) {
            freeaddrinfo(head);
            return EAI_MEMORY;
        }
        e->ai.ai_flags = h.flags;
        e->ai.ai_family = out[i].family;
        e->ai.ai_socktype = out[i].socktype;
        e->ai.ai_protocol = out[i].protocol;
        e->ai.ai_addr = (struct sockaddr *)&e->sa;
        if (out[i].family == AF_INET) {
            e->sa.in.sin_family = AF_INET;
            e->sa.in.sin_port = htons(out[i].port);
            memcpy(&e->sa.in.sin_addr, out[i].addr, 4);
            e->ai.ai_addrlen = sizeof e->sa.in;
        } else {
            e->sa.in6.sin6_family = AF_INET6;
            e->sa.in6.sin6_port = htons(out[i].port);
            memcpy(&e->sa.in6.sin6_addr, out[i].addr, 16);
            e->sa.in6.sin6_scope_id = out[i].scope;
            e->ai.ai_addrlen = sizeof e->sa.in6;
        }
        if (clen) {
            memcpy(e->canon, canon, clen);
            e->ai.ai_canonname = e->canon;
        }
        *tail = &e->ai;
        tail = &e->ai.ai_next;
    }
    *res = head;
    return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
    while (res) {
        struct addrinfo *next = res->ai_next;
        free(res); /* the entry's first member: one allocation */
        res = next;
    }
}

const char *gai_strerror(int err)
{
    return vr_gai_strerror(err);
}

int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host,
                socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags)
{
    const uint8_t *addr;
    uint32_t scope = 0;
    int port, family;

    if (!sa || salen < sizeof(sa_family_t))
        return EAI_FAMILY;
    family = sa->sa_family;
    if (family == AF_INET) {
        if (salen < sizeof(struct sockaddr_in))
            return EAI_FAMILY;
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        addr = (const uint8_t *)&in->sin_addr;
        port = ntohs(in->sin_port);
    } else if (family == AF_INET6) {
        if (salen < sizeof(struct sockaddr_in6))
            return EAI_FAMILY;
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        addr = (const uint8_t *)&in6->sin6_addr;
        port = ntohs(in6->sin6_port);
        scope = in6->sin6_scope_id;
    } else {
        return EAI_FAMILY;
    }
    struct vr_netdb db;
    netdb_open(&db, host && hostlen && !(flags & NI_NUMERICHOST),
               serv && servlen && !(flags & NI_NUMERICSERV));
    int r = vr_getnameinfo(&db, family, addr, scope, port, host, hostlen, serv, servlen, flags);
    netdb_close(&db);
    return r;
}
#endif
