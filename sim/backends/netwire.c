/*
 * The wire of a virtio-net NIC (contract: netwire.h): a bounded, time-ordered queue of frames
 * on their way to the NIC, a tiny ARP/ICMP peer, and a pcap writer (plain POSIX writes,
 * unbuffered, so the file is complete whenever the run stops).
 */
#include "sim/backends/netwire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "veridian/errors.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ARP_LEN 28
#define IP_PROTO_ICMP 1
#define ICMP_ECHO 8
#define ICMP_ECHOREPLY 0

static const uint8_t peer_mac[6] = VS_NETWIRE_PEER_MAC;

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

uint32_t vs_inet_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

/* ---- pcap ---- */

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -VK_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void pcap_record(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len)
{
    uint8_t rec[16];
    if (w->pcap_fd < 0)
        return;
    le32(rec, (uint32_t)(when / 1000000000ull));
    le32(rec + 4, (uint32_t)(when % 1000000000ull));
    le32(rec + 8, (uint32_t)len);
    le32(rec + 12, (uint32_t)len);
    if (write_all(w->pcap_fd, rec, sizeof rec) || write_all(w->pcap_fd, frame, len))
        w->pcap_errors++;
}

static int pcap_open(struct vs_netwire *w, const char *path, char *err, size_t errlen)
{
    uint8_t hdr[24];
    w->pcap_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->pcap_fd < 0) {
        snprintf(err, errlen, "virtio-net: cannot create the pcap file %s: %s", path,
                 strerror(errno));
        return -VK_EIO;
    }
    le32(hdr, 0xa1b23c4du); /* nanosecond timestamps */
    hdr[4] = 2;             /* version 2.4, little-endian */
    hdr[5] = 0;
    hdr[6] = 4;
    hdr[7] = 0;
    le32(hdr + 8, 0);      /* thiszone */
    le32(hdr + 12, 0);     /* sigfigs */
    le32(hdr + 16, 65535); /* snaplen */
    le32(hdr + 20, 1);     /* LINKTYPE_ETHERNET */
    if (write_all(w->pcap_fd, hdr, sizeof hdr)) {
        snprintf(err, errlen, "virtio-net: cannot write the pcap file %s", path);
        close(w->pcap_fd);
        w->pcap_fd = -1;
        return -VK_EIO;
    }
    return 0;
}

/* ---- the queue towards the NIC ---- */

static void enqueue(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len)
{
    if (w->q_count == VS_NETWIRE_QUEUE || len < VIRTIO_NET_MIN_FRAME ||
        len > VIRTIO_NET_MAX_FRAME) {
        w->overrun++;
        return;
    }
    /* in time order: a link's reordering and jitter may put a frame before queued ones */
    uint32_t at = w->q_count;
    while (at > 0 && w->q[(w->q_head + at - 1) % VS_NETWIRE_QUEUE].when > when) {
        w->q[(w->q_head + at) % VS_NETWIRE_QUEUE] = w->q[(w->q_head + at - 1) % VS_NETWIRE_QUEUE];
        at--;
    }
    struct vs_netwire_frame *f = &w->q[(w->q_head + at) % VS_NETWIRE_QUEUE];
    f->when = when;
    f->len = (uint16_t)len;
    memcpy(f->data, frame, len);
    w->q_count++;
}

/* ---- the responder ---- */

static size_t respond_arp(struct vs_netwire *w, const uint8_t *f, size_t len, uint8_t *r)
{
    const uint8_t *a = f + ETH_HLEN;
    if (len < ETH_HLEN + ARP_LEN) {
        w->malformed++;
        return 0;
    }
    /* Ethernet/IPv4, request, for our address */
    if (get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4 || get16(a + 6) != 1 ||
        get32(a + 24) != VS_NETWIRE_PEER_IP) {
        w->ignored++;
        return 0;
    }
    memset(r, 0, 60);
    memcpy(r, a + 8, 6); /* to the sender's hardware address */
    memcpy(r + 6, peer_mac, 6);
    put16(r + 12, ETH_P_ARP);
    uint8_t *ra = r + ETH_HLEN;
    put16(ra, 1);
    put16(ra + 2, ETH_P_IP);
    ra[4] = 6;
    ra[5] = 4;
    put16(ra + 6, 2); /* reply */
    memcpy(ra + 8, peer_mac, 6);
    put32(ra + 14, VS_NETWIRE_PEER_IP);
    memcpy(ra + 18, a + 8, 10); /* the requester's hardware and protocol address */
    return 60;                  /* padded to the Ethernet minimum */
}

/* A DHCP server for one client (RFC 2131, just enough for lwIP's client): DISCOVER gets an
 * OFFER and REQUEST an ACK of VS_NETWIRE_DHCP_IP/24, router and server 10.0.2.2, a day's
 * lease; sent to the client's MAC and to 255.255.255.255 from 10.0.2.2:67 to port 68. */
static size_t respond_dhcp(struct vs_netwire *w, const uint8_t *udp, size_t ulen, uint8_t *r)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    const uint8_t *b = udp + 8;
    size_t blen = ulen - 8;
    if (blen < 240 || b[0] != 1 || b[1] != 1 || b[2] != 6 || memcmp(b + 236, cookie, 4)) {
        w->malformed++;
        return 0;
    }
    int type = 0;
    for (size_t o = 240; o < blen && b[o] != 255;) { /* options: bounded by blen */
        if (b[o] == 0) {
            o++;
            continue;
        }
        if (o + 2 > blen || o + 2 + b[o + 1] > blen)
            break;
        if (b[o] == 53 && b[o + 1] == 1)
            type = b[o + 2];
        o += 2 + (size_t)b[o + 1];
    }
    if (type != 1 && type != 3) { /* DISCOVER, REQUEST; the rest (RELEASE...) needs nothing */
        w->ignored++;
        return 0;
    }
    const size_t bootp = 236 + 4 + 3 + 6 + 6 + 6 + 6 + 6 + 1, rlen = ETH_HLEN + 20 + 8 + bootp;
    memset(r, 0, rlen);
    memcpy(r, b + 28, 6); /* chaddr */
    memcpy(r + 6, peer_mac, 6);
    put16(r + 12, ETH_P_IP);
    uint8_t *ip = r + ETH_HLEN, *u = ip + 20, *o = u + 8;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + 8 + bootp));
    ip[8] = 64;
    ip[9] = 17;
    put32(ip + 12, VS_NETWIRE_PEER_IP);
    put32(ip + 16, 0xffffffffu);
    put16(ip + 10, (uint16_t)~vs_inet_sum(ip, 20, 0));
    put16(u, 67);
    put16(u + 2, 68);
    put16(u + 4, (uint16_t)(8 + bootp));
    o[0] = 2; /* BOOTREPLY */
    o[1] = 1;
    o[2] = 6;
    memcpy(o + 4, b + 4, 4);           /* xid */
    memcpy(o + 10, b + 10, 2);         /* flags */
    put32(o + 16, VS_NETWIRE_DHCP_IP); /* yiaddr */
    put32(o + 20, VS_NETWIRE_PEER_IP); /* siaddr */
    memcpy(o + 28, b + 28, 16);        /* chaddr */
    memcpy(o + 236, cookie, 4);
    uint8_t *p = o + 240;
    *p++ = 53, *p++ = 1, *p++ = type == 1 ? 2 : 5; /* OFFER, ACK */
    *p++ = 54, *p++ = 4, put32(p, VS_NETWIRE_PEER_IP), p += 4;
    *p++ = 51, *p++ = 4, put32(p, 86400), p += 4;
    *p++ = 1, *p++ = 4, put32(p, 0xffffff00u), p += 4;
    *p++ = 3, *p++ = 4, put32(p, VS_NETWIRE_PEER_IP), p += 4;
    *p++ = 255;
    /* the UDP checksum over the pseudo header */
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = 17;
    put16(ph + 10, (uint16_t)(8 + bootp));
    uint16_t cs = (uint16_t)~vs_inet_sum(u, 8 + bootp, vs_inet_sum(ph, sizeof ph, 0));
    put16(u + 6, cs ? cs : 0xffff);
    w->dhcp_replies++;
    return rlen;
}

static size_t respond_ip(struct vs_netwire *w, const uint8_t *f, size_t len, uint8_t *r)
{
    const uint8_t *ip = f + ETH_HLEN;
    size_t avail = len - ETH_HLEN;
    if (avail < 20 || (ip[0] >> 4) != 4) {
        w->malformed++;
        return 0;
    }
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = get16(ip + 2);
    if (ihl < 20 || tot < ihl || tot > avail || vs_inet_sum(ip, ihl, 0) != 0xffff) {
        w->malformed++; /* truncated, or a broken header checksum */
        return 0;
    }
    if (ip[9] == 17 && tot - ihl >= 8 && get16(ip + ihl + 2) == 67 && get16(ip + ihl + 4) >= 8 &&
        get16(ip + ihl + 4) <= tot - ihl)
        return respond_dhcp(w, ip + ihl, get16(ip + ihl + 4), r);
    if (get32(ip + 16) != VS_NETWIRE_PEER_IP || ip[9] != IP_PROTO_ICMP ||
        (get16(ip + 6) & 0x3fff)) { /* not ours, not ICMP, or a fragment */
        w->ignored++;
        return 0;
    }
    const uint8_t *icmp = ip + ihl;
    size_t ilen = tot - ihl;
    if (ilen < 8 || vs_inet_sum(icmp, ilen, 0) != 0xffff) {
        w->malformed++;
        return 0;
    }
    if (icmp[0] != ICMP_ECHO || icmp[1] != 0) {
        w->ignored++;
        return 0;
    }
    /* the reply: addresses swapped, a fresh 20-byte header, the echo's body unchanged */
    size_t rlen = ETH_HLEN + 20 + ilen;
    if (rlen > VIRTIO_NET_MAX_FRAME) {
        w->malformed++;
        return 0;
    }
    memcpy(r, f + 6, 6);
    memcpy(r + 6, peer_mac, 6);
    put16(r + 12, ETH_P_IP);
    uint8_t *rip = r + ETH_HLEN;
    memset(rip, 0, 20);
    rip[0] = 0x45;
    put16(rip + 2, (uint16_t)(20 + ilen));
    put16(rip + 4, get16(ip + 4)); /* the request's identification */
    rip[8] = 64;
    rip[9] = IP_PROTO_ICMP;
    put32(rip + 12, VS_NETWIRE_PEER_IP);
    memcpy(rip + 16, ip + 12, 4);
    put16(rip + 10, (uint16_t)~vs_inet_sum(rip, 20, 0));
    uint8_t *ricmp = rip + 20;
    memcpy(ricmp, icmp, ilen);
    ricmp[0] = ICMP_ECHOREPLY;
    put16(ricmp + 2, 0);
    put16(ricmp + 2, (uint16_t)~vs_inet_sum(ricmp, ilen, 0));
    if (rlen < 60) {
        memset(r + rlen, 0, 60 - rlen);
        rlen = 60;
    }
    return rlen;
}

size_t vs_netwire_respond(struct vs_netwire *w, const uint8_t *frame, size_t len,
                          uint8_t reply[VIRTIO_NET_MAX_FRAME])
{
    if (len < ETH_HLEN || len > VIRTIO_NET_MAX_FRAME) {
        w->malformed++;
        return 0;
    }
    int bcast = !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6);
    if (!bcast && memcmp(frame, peer_mac, 6)) {
        w->ignored++;
        return 0;
    }
    switch (get16(frame + 12)) {
    case ETH_P_ARP:
        return respond_arp(w, frame, len, reply);
    case ETH_P_IP:
        return respond_ip(w, frame, len, reply); /* broadcast: DHCP only */
    default:
        w->ignored++;
        return 0;
    }
}

/* ---- the hostile wire ---- */

size_t vs_netwire_make_bad(enum vs_netwire_bad kind, const uint8_t *frame, size_t len, uint8_t *out)
{
    const uint8_t *ip = frame + ETH_HLEN;
    int v4 = len >= ETH_HLEN + 20 && get16(frame + 12) == ETH_P_IP && (ip[0] >> 4) == 4;
    size_t ihl = v4 ? (size_t)(ip[0] & 0xf) * 4 : 0;
    switch (kind) {
    case VS_NETWIRE_BAD_TRUNCATED:
        memcpy(out, frame, len < 10 ? len : 10);
        return len < 10 ? len : 10; /* not even an Ethernet header */
    case VS_NETWIRE_BAD_OVERSIZED:
        memcpy(out, frame, len);
        memset(out + len, 0xee, VIRTIO_NET_MAX_FRAME + 16 - len);
        return VIRTIO_NET_MAX_FRAME + 16;
    case VS_NETWIRE_BAD_IP_SHORT:
        if (!v4)
            return 0;
        memcpy(out, frame, ETH_HLEN + 12); /* the header stops before the addresses */
        return ETH_HLEN + 12;
    case VS_NETWIRE_BAD_IP_CSUM:
        if (!v4)
            return 0;
        memcpy(out, frame, len);
        out[ETH_HLEN + 10] ^= 0x5a; /* the header checksum */
        return len;
    case VS_NETWIRE_BAD_L4_CSUM: {
        if (!v4 || ihl < 20 || len < ETH_HLEN + ihl + 8)
            return 0;
        size_t at = ip[9] == IP_PROTO_ICMP ? 2 : ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : 0;
        if (!at || len < ETH_HLEN + ihl + at + 2)
            return 0;
        memcpy(out, frame, len);
        out[ETH_HLEN + ihl + at] ^= 0x5a;
        out[ETH_HLEN + ihl + at + 1] ^= 0xa5;
        return len;
    }
    case VS_NETWIRE_BAD_KINDS:
        break;
    }
    return 0;
}

/* Before an honest frame, now and then a bad one made from it (not captured). */
static void maybe_bad(struct vs_netwire *w, struct virtio_net *n, const uint8_t *frame, size_t len)
{
    uint8_t bad[VIRTIO_NET_MAX_FRAME + 16];
    if (!w->bad_every || ++w->since_bad < w->bad_every)
        return;
    w->since_bad = 0;
    for (unsigned tries = 0; tries < VS_NETWIRE_BAD_KINDS; tries++) {
        enum vs_netwire_bad k = (enum vs_netwire_bad)w->bad_next;
        w->bad_next = (w->bad_next + 1) % VS_NETWIRE_BAD_KINDS;
        size_t blen = vs_netwire_make_bad(k, frame, len, bad);
        if (blen) {
            w->bad_sent[k]++;
            virtio_net_receive(n, bad, blen); /* refusals are the NIC's to count */
            return;
        }
    }
}

/* ---- the NIC's side ---- */

static int wire_transmit(void *ctx, uint64_t now, const uint8_t *frame, size_t len)
{
    struct vs_netwire *w = ctx;
    uint8_t reply[VIRTIO_NET_MAX_FRAME];
    size_t rlen;
    w->tx_frames++;
    pcap_record(w, now, frame, len);
    switch (w->kind) {
    case VS_NETWIRE_LOOPBACK:
        enqueue(w, now + w->latency, frame, len);
        break;
    case VS_NETWIRE_RESPONDER:
        if ((rlen = vs_netwire_respond(w, frame, len, reply)) > 0) {
            w->answered++;
            enqueue(w, now + w->latency, reply, rlen);
        }
        break;
    case VS_NETWIRE_LINK:
        w->link_tx(w->link_ctx, now, frame, len);
        break;
    case VS_NETWIRE_NONE:
        break;
    }
    return 0;
}

static const struct virtio_net_backend_ops wire_ops = {.transmit = wire_transmit};

const struct virtio_net_backend_ops *vs_netwire_backend(void)
{
    return &wire_ops;
}

uint64_t vs_netwire_next_event(const struct vs_netwire *w)
{
    return w->q_count ? w->q[w->q_head].when : UINT64_MAX;
}

void vs_netwire_advance(struct vs_netwire *w, struct virtio_net *n, uint64_t now)
{
    for (;;) {
        uint64_t tw = vs_netwire_next_event(w), tn = virtio_net_next_event(n);
        if (tw <= now && tw <= tn) {
            struct vs_netwire_frame *f = &w->q[w->q_head];
            virtio_net_advance(n, tw);
            maybe_bad(w, n, f->data, f->len);
            pcap_record(w, tw, f->data, f->len);
            if (virtio_net_receive(n, f->data, f->len) == 0)
                w->delivered++;
            else
                w->refused++;
            w->q_head = (w->q_head + 1) % VS_NETWIRE_QUEUE;
            w->q_count--;
        } else if (tn != VIRTIO_NO_EVENT && tn <= now) {
            virtio_net_advance(n, tn);
        } else {
            break;
        }
    }
    virtio_net_advance(n, now);
}

int vs_netwire_open(struct vs_netwire *w, const char *kind, const char *pcap_path,
                    uint64_t latency_ns, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->pcap_fd = -1;
    w->latency = latency_ns ? latency_ns : 1;
    if (!strcmp(kind, "none")) {
        w->kind = VS_NETWIRE_NONE;
    } else if (!strcmp(kind, "loopback")) {
        w->kind = VS_NETWIRE_LOOPBACK;
    } else if (!strcmp(kind, "responder")) {
        w->kind = VS_NETWIRE_RESPONDER;
    } else {
        snprintf(err, errlen,
                 "virtio-net property 'wire' must be \"none\", \"loopback\" or \"responder\", "
                 "not '%s'",
                 kind);
        return -VK_EINVAL;
    }
    if (pcap_path && *pcap_path)
        return pcap_open(w, pcap_path, err, errlen);
    return 0;
}

void vs_netwire_capture(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len)
{
    pcap_record(w, when, frame, len);
}

void vs_netwire_attach(struct vs_netwire *w, vs_netwire_link_fn tx, void *ctx)
{
    w->kind = VS_NETWIRE_LINK;
    w->link_tx = tx;
    w->link_ctx = ctx;
}

void vs_netwire_inject(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len)
{
    enqueue(w, when, frame, len);
}

void vs_netwire_close(struct vs_netwire *w)
{
    if (w->pcap_fd >= 0)
        close(w->pcap_fd);
    w->pcap_fd = -1;
}
