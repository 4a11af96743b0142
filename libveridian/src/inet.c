/*
 * Internet address text (libveridian/src/inet.c): inet_pton, inet_ntop, inet_aton,
 * inet_addr, inet_ntoa and the htons family.
 *
 * The engines (vr_inet_*, core.h) are pure: they read text of a given length and write
 * network-order bytes, or format bytes into a caller's buffer, and report errors as return
 * values. They reproduce glibc's behaviour exactly, which tests/unit/libc/test_inet.c checks
 * against glibc itself on random and malformed inputs:
 *   - inet_pton (AF_INET) takes exactly four decimal parts of 0..255 without leading zeros;
 *   - inet_pton (AF_INET6) takes up to four hex digits per group, one "::", and a dotted
 *     IPv4 tail where at least four bytes remain; nothing else (no scope, no spaces);
 *   - inet_ntop (AF_INET6) lowercase, no leading zeros, the longest run of two or more zero
 *     groups (the first of equals) as "::", and the IPv4 tail for ::a.b.c.d and
 *     ::ffff:a.b.c.d (RFC 4291's compatible and mapped forms, as BIND's code decides them);
 *   - inet_aton takes 1 to 4 parts (a, a.b, a.b.c, a.b.c.d; the last part fills the
 *     remaining bytes), each decimal, octal (0...) or hex (0x...), followed by the end of the
 *     string or by a space and anything.
 * The guest section (VERIDIAN_GUEST) maps these onto the POSIX names and sets errno.
 */
#include "core.h"

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vr_inet_pton4(const char *s, size_t len, uint8_t out[4])
{
    uint8_t tmp[4] = {0};
    int part = 0, octets = 0, saw_digit = 0;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            unsigned v = tmp[part] * 10u + (unsigned)(c - '0');
            if (saw_digit && tmp[part] == 0)
                return 0; /* a leading zero */
            if (v > 255)
                return 0;
            tmp[part] = (uint8_t)v;
            if (!saw_digit) {
                if (++octets > 4)
                    return 0;
                saw_digit = 1;
            }
        } else if (c == '.' && saw_digit) {
            if (octets == 4)
                return 0;
            part++;
            saw_digit = 0;
        } else {
            return 0;
        }
    }
    if (octets < 4)
        return 0;
    vr_memcpy(out, tmp, 4);
    return 1;
}

int vr_inet_pton6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t tmp[16] = {0};
    size_t tp = 0, colonp = (size_t)-1, i = 0, curtok, xdigits = 0;
    unsigned val = 0;

    if (len == 0)
        return 0;
    if (s[0] == ':') {
        /* a leading colon must begin "::" */
        if (len < 2 || s[1] != ':')
            return 0;
        i = 1;
    }
    curtok = i;
    while (i < len) {
        char c = s[i++];
        int d = hex_value((unsigned char)c);
        if (d >= 0) {
            if (xdigits == 4)
                return 0;
            val = (val << 4) | (unsigned)d;
            xdigits++;
            continue;
        }
        if (c == ':') {
            curtok = i;
            if (xdigits == 0) {
                if (colonp != (size_t)-1)
                    return 0;
                colonp = tp;
                continue;
            }
            if (i == len)
                return 0; /* a trailing single colon */
            if (tp + 2 > 16)
                return 0;
            tmp[tp++] = (uint8_t)(val >> 8);
            tmp[tp++] = (uint8_t)val;
            xdigits = 0;
            val = 0;
            continue;
        }
        if (c == '.' && tp + 4 <= 16 && vr_inet_pton4(s + curtok, len - curtok, tmp + tp) > 0) {
            tp += 4;
            xdigits = 0;
            i = len;
            break;
        }
        return 0;
    }
    if (xdigits > 0) {
        if (tp + 2 > 16)
            return 0;
        tmp[tp++] = (uint8_t)(val >> 8);
        tmp[tp++] = (uint8_t)val;
    }
    if (colonp != (size_t)-1) {
        if (tp == 16)
            return 0; /* "::" standing for no group at all */
        size_t n = tp - colonp;
        vr_memmove(tmp + 16 - n, tmp + colonp, n);
        vr_memset(tmp + colonp, 0, 16 - n - colonp);
        tp = 16;
    }
    if (tp != 16)
        return 0;
    vr_memcpy(out, tmp, 16);
    return 1;
}

int vr_inet_ntop4(const uint8_t a[4], char *buf, size_t size)
{
    char tmp[16];
    int n = vr_snformat(tmp, sizeof tmp, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);

    if ((size_t)n >= size)
        return -VK_ENOSPC;
    vr_memcpy(buf, tmp, (size_t)n + 1);
    return n;
}

int vr_inet_ntop6(const uint8_t a[16], char *buf, size_t size)
{
    char tmp[sizeof "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"];
    unsigned words[8];
    int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
    size_t n = 0;

    for (int i = 0; i < 8; i++)
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (int i = 0; i < 8; i++) {
        if (words[i] == 0) {
            if (cur_base < 0) {
                cur_base = i;
                cur_len = 1;
            } else {
                cur_len++;
            }
        } else if (cur_base >= 0) {
            if (best_base < 0 || cur_len > best_len) {
                best_base = cur_base;
                best_len = cur_len;
            }
            cur_base = -1;
        }
    }
    if (cur_base >= 0 && (best_base < 0 || cur_len > best_len)) {
        best_base = cur_base;
        best_len = cur_len;
    }
    if (best_base >= 0 && best_len < 2)
        best_base = -1;

    for (int i = 0; i < 8; i++) {
        if (best_base >= 0 && i >= best_base && i < best_base + best_len) {
            if (i == best_base)
                tmp[n++] = ':';
            continue;
        }
        if (i != 0)
            tmp[n++] = ':';
        /* the IPv4 tail of a compatible (::a.b.c.d) or mapped (::ffff:a.b.c.d) address */
        if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            int r = vr_inet_ntop4(a + 12, tmp + n, sizeof tmp - n);
            if (r < 0)
                return r;
            n += (size_t)r;
            break;
        }
        n += (size_t)vr_snformat(tmp + n, sizeof tmp - n, "%x", words[i]);
    }
    if (best_base >= 0 && best_base + best_len == 8)
        tmp[n++] = ':';
    tmp[n] = '\0';
    if (n >= size)
        return -VK_ENOSPC;
    vr_memcpy(buf, tmp, n + 1);
    return (int)n;
}

/* One part of an inet_aton address, C-style base; *end after it. 0 when it overflows. */
static int aton_part(const char *s, const char **end, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (s[0] == '0') {
        base = 8;
        if ((s[1] == 'x' || s[1] == 'X') && hex_value((unsigned char)s[2]) >= 0) {
            base = 16;
            s += 2;
        }
    }
    for (;; s++) {
        int d = hex_value((unsigned char)*s);
        if (d < 0 || (unsigned)d >= base)
            break;
        v = v * base + (unsigned)d;
        if (v > 0xffffffffu)
            return 0;
    }
    *end = s;
    *out = v;
    return 1;
}

int vr_inet_aton(const char *s, uint32_t *addr)
{
    static const uint32_t max[4] = {0xffffffffu, 0xffffffu, 0xffffu, 0xffu};
    uint32_t res = 0;
    uint64_t val = 0;
    int parts = 0;

    for (;;) {
        if (*s < '0' || *s > '9')
            return 0;
        if (!aton_part(s, &s, &val))
            return 0;
        if (*s != '.')
            break;
        if (parts > 2 || val > 0xff)
            return 0;
        res |= (uint32_t)val << (24 - 8 * parts);
        parts++;
        s++;
    }
    if (*s != '\0' && !vr_isspace((unsigned char)*s))
        return 0;
    if (val > max[parts])
        return 0;
    if (addr)
        *addr = res | (uint32_t)val;
    return 1;
}

#ifdef VERIDIAN_GUEST
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

int inet_pton(int af, const char *restrict src, void *restrict dst)
{
    if (af == AF_INET)
        return vr_inet_pton4(src, strlen(src), dst);
    if (af == AF_INET6)
        return vr_inet_pton6(src, strlen(src), dst);
    errno = EAFNOSUPPORT;
    return -1;
}

const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size)
{
    int r;

    if (af == AF_INET)
        r = vr_inet_ntop4(src, dst, size);
    else if (af == AF_INET6)
        r = vr_inet_ntop6(src, dst, size);
    else {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    if (r < 0) {
        errno = -r;
        return NULL;
    }
    return dst;
}

int inet_aton(const char *cp, struct in_addr *inp)
{
    uint32_t a;

    if (!vr_inet_aton(cp, &a))
        return 0;
    if (inp)
        inp->s_addr = htonl(a);
    return 1;
}

in_addr_t inet_addr(const char *cp)
{
    uint32_t a;

    return vr_inet_aton(cp, &a) ? htonl(a) : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
    /* POSIX lets inet_ntoa use one static buffer (not thread-safe, as glibc's is not) */
    static char buf[INET_ADDRSTRLEN];

    vr_inet_ntop4((const uint8_t *)&in.s_addr, buf, sizeof buf);
    return buf;
}
#endif
