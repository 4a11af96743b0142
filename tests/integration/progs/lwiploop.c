/*
 * lwIP inside a Veridian guest, over the loopback interface only (tests/integration/net/
 * lwip_loopback.sh): lwIP 2.1.3 from Debian's source with our lwipopts.h (NO_SYS, raw API),
 * sys_now() on the virtual clock, LWIP_RAND from the seed. The program is its own peer:
 *   tcp   a listener on 127.0.0.1:7 and a client sending BYTES (default 1 MiB) of a seeded
 *         pattern; the server checks every byte in order and the totals (FNV-1a) match
 *   tcp6  the same over [::1]
 *   udp   N datagrams of different sizes to itself, each compared
 *   ping  ICMP echo to 127.0.0.1 through a raw PCB: lwIP's ICMP answers, ids and data match
 *   refused  a connect to a port nobody listens on fails with ERR_RST (connection refused)
 * Prints one line per check ("tcp: 1048576 bytes, fnv ... ok") and "lwiploop: ok"; exit 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

static uint8_t pattern(uint32_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

static void pump(int rounds)
{
    for (int i = 0; i < rounds; i++) {
        netif_poll_all();
        sys_check_timeouts();
    }
}

/* ---- TCP ---- */

struct tcp_run {
    uint32_t total, sent, recvd;
    uint64_t fnv_tx, fnv_rx;
    int bad, closed, connected, err;
    struct tcp_pcb *client, *server;
};

static uint64_t fnv(uint64_t h, uint8_t b)
{
    return (h ^ b) * 0x100000001b3ull;
}

static void client_push(struct tcp_run *r)
{
    uint8_t buf[1024];
    while (r->sent < r->total) {
        u16_t room = tcp_sndbuf(r->client);
        uint32_t n = r->total - r->sent;
        if (n > sizeof buf)
            n = sizeof buf;
        if (n > room)
            n = room;
        if (!n)
            break;
        for (uint32_t i = 0; i < n; i++) {
            buf[i] = pattern(r->sent + i);
            r->fnv_tx = fnv(r->fnv_tx, buf[i]);
        }
        if (tcp_write(r->client, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        r->sent += n;
    }
    tcp_output(r->client);
    if (r->sent == r->total && !r->closed) {
        tcp_close(r->client);
        r->closed = 1;
    }
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    struct tcp_run *r = arg;
    if (!r->closed)
        client_push(r);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    struct tcp_run *r = arg;
    r->connected = err == ERR_OK;
    client_push(r);
    return ERR_OK;
}

static void on_client_err(void *arg, err_t err)
{
    struct tcp_run *r = arg;
    r->err = err;
    r->client = NULL;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcp_run *r = arg;
    (void)err;
    if (!p) { /* the peer closed: so do we */
        tcp_close(pcb);
        r->server = NULL;
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next) {
        const uint8_t *d = q->payload;
        for (u16_t i = 0; i < q->len; i++) {
            r->bad += d[i] != pattern(r->recvd);
            r->fnv_rx = fnv(r->fnv_rx, d[i]);
            r->recvd++;
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_run *r = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    r->server = pcb;
    tcp_arg(pcb, r);
    tcp_recv(pcb, on_recv);
    return ERR_OK;
}

static void tcp_test(const char *name, const ip_addr_t *addr, uint32_t bytes)
{
    struct tcp_run r = {
        .total = bytes, .fnv_tx = 0xcbf29ce484222325ull, .fnv_rx = 0xcbf29ce484222325ull};
    struct tcp_pcb *l = tcp_new_ip_type(IP_GET_TYPE(addr));
    check(l && tcp_bind(l, addr, 7) == ERR_OK, "tcp bind");
    l = tcp_listen(l);
    tcp_arg(l, &r);
    tcp_accept(l, on_accept);
    r.client = tcp_new_ip_type(IP_GET_TYPE(addr));
    tcp_arg(r.client, &r);
    tcp_sent(r.client, on_sent);
    tcp_err(r.client, on_client_err);
    check(tcp_connect(r.client, addr, 7, on_connected) == ERR_OK, "tcp connect");
    for (int i = 0; i < 200000 && (r.recvd < r.total || r.server); i++)
        pump(1);
    tcp_close(l);
    check(r.connected, "tcp connected");
    check(r.recvd == r.total && !r.bad && r.fnv_rx == r.fnv_tx, "tcp data");
    printf("%s: %u bytes, fnv %016llx %s\n", name, (unsigned)r.recvd, (unsigned long long)r.fnv_rx,
           r.recvd == r.total && !r.bad ? "ok" : "BAD");
}

/* ---- connection refused ---- */

static void refused_test(void)
{
    struct tcp_run r = {0};
    ip_addr_t a;
    IP_ADDR4(&a, 127, 0, 0, 1);
    r.client = tcp_new();
    tcp_arg(r.client, &r);
    tcp_err(r.client, on_client_err);
    check(tcp_connect(r.client, &a, 9, on_connected) == ERR_OK, "refused: connect queued");
    for (int i = 0; i < 1000 && r.client; i++)
        pump(1);
    check(r.err == ERR_RST && !r.connected, "refused: ERR_RST");
    printf("refused: err %d %s\n", r.err, r.err == ERR_RST ? "ok" : "BAD");
}

/* ---- UDP ---- */

struct udp_run {
    unsigned got, bad;
};

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    (void)pcb;
    (void)addr;
    (void)port;
    struct udp_run *u = arg;
    uint8_t buf[2048];
    u16_t n = pbuf_copy_partial(p, buf, sizeof buf, 0);
    unsigned want = 1 + u->got * 97 % 1400;
    u->bad += n != want;
    for (u16_t i = 0; i < n; i++)
        u->bad += buf[i] != pattern(i + u->got);
    u->got++;
    pbuf_free(p);
}

static void udp_test(void)
{
    struct udp_run u = {0};
    ip_addr_t a;
    IP_ADDR4(&a, 127, 0, 0, 1);
    struct udp_pcb *rx = udp_new(), *tx = udp_new();
    check(udp_bind(rx, &a, 5353) == ERR_OK, "udp bind");
    udp_recv(rx, on_udp, &u);
    for (unsigned k = 0; k < 50; k++) {
        unsigned n = 1 + k * 97 % 1400;
        struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
        for (unsigned i = 0; i < n; i++)
            ((uint8_t *)p->payload)[i] = pattern(i + k);
        check(udp_sendto(tx, p, &a, 5353) == ERR_OK, "udp send");
        pbuf_free(p);
        pump(4);
    }
    check(u.got == 50 && !u.bad, "udp data");
    printf("udp: %u datagrams %s\n", u.got, u.got == 50 && !u.bad ? "ok" : "BAD");
    udp_remove(rx);
    udp_remove(tx);
}

/* ---- ICMP echo through a raw PCB ---- */

struct ping_run {
    unsigned replies, bad;
};

static u8_t on_icmp(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    (void)addr;
    struct ping_run *r = arg;
    struct icmp_echo_hdr h;
    uint8_t ihl = (uint8_t)((((uint8_t *)p->payload)[0] & 0xf) * 4);
    if (pbuf_copy_partial(p, &h, sizeof h, ihl) != sizeof h || h.type != ICMP_ER)
        return 0; /* not a reply (our own request on its way in): lwIP's ICMP answers it */
    r->bad += lwip_ntohs(h.id) != 0x7665 || lwip_ntohs(h.seqno) != r->replies + 1;
    r->replies++;
    pbuf_free(p);
    return 1;
}

static void ping_test(void)
{
    struct ping_run r = {0};
    ip_addr_t a;
    IP_ADDR4(&a, 127, 0, 0, 1);
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    raw_recv(pcb, on_icmp, &r);
    raw_bind(pcb, IP_ADDR_ANY);
    for (u16_t seq = 1; seq <= 3; seq++) {
        struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 56, PBUF_RAM);
        struct icmp_echo_hdr *h = p->payload;
        h->type = ICMP_ECHO;
        h->code = 0;
        h->chksum = 0;
        h->id = lwip_htons(0x7665);
        h->seqno = lwip_htons(seq);
        memset(h + 1, 0xa5, 56);
        h->chksum = inet_chksum(h, p->len);
        check(raw_sendto(pcb, p, &a) == ERR_OK, "ping send");
        pbuf_free(p);
        pump(4);
    }
    check(r.replies == 3 && !r.bad, "ping replies");
    printf("ping: %u replies %s\n", r.replies, r.replies == 3 && !r.bad ? "ok" : "BAD");
    raw_remove(pcb);
}

int main(int argc, char **argv)
{
    uint32_t bytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1u << 20;
    lwip_init();
    check(netif_default != NULL || netif_list != NULL, "loopback interface");
    ip_addr_t a4, a6;
    IP_ADDR4(&a4, 127, 0, 0, 1);
    ip_addr_copy_from_ip6(a6, *IP6_ADDR_ANY6);
    ip6addr_aton("::1", ip_2_ip6(&a6));
    IP_SET_TYPE_VAL(a6, IPADDR_TYPE_V6);
    tcp_test("tcp", &a4, bytes);
    tcp_test("tcp6", &a6, bytes / 4);
    refused_test();
    udp_test();
    ping_test();
    printf("lwiploop: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
