/*
 * libFuzzer harness for the netstack's frame input (issue 17): frames from the wire go into
 * lwIP (our lwipopts.h, built for the host in the fuzz tree) through an Ethernet interface at
 * 10.0.2.15/24, exactly as the netstack feeds what /dev/net0 gives it: ethernet_input, then
 * ARP, IPv4/IPv6 (reassembly included), ICMP, ND, UDP and TCP. Listening TCP (80) and UDP (7)
 * PCBs, an echoing UDP handler and an accepting TCP handler take the input past the first
 * checks. Input: a sequence of frames, each a 2-byte little-endian length then that many bytes
 * (a length beyond the input takes the rest); between frames virtual time moves 100 ms and
 * lwIP's timers run. Frames the stack sends go nowhere (counted). lwIP keeps its state across
 * inputs, as the netstack does across frames; its memory is its own static pools.
 * Never: a crash, an lwIP assertion (LWIP_PLATFORM_ASSERT aborts), a sanitizer report.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_netframe_advance(uint32_t ms); /* lwip_host_port.c */

static struct netif nif;
static int ready;
static unsigned long sent;

static err_t out(struct netif *n, struct pbuf *p)
{
    (void)n;
    (void)p;
    sent++;
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(n->hwaddr, mac, 6);
    n->hwaddr_len = 6;
    n->mtu = 1500;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    n->output = etharp_output;
    n->output_ip6 = ethip6_output;
    n->linkoutput = out;
    return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static err_t tcp_rx(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p) {
        tcp_close(pcb);
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    if (p->len && tcp_sndbuf(pcb) >= p->len)
        tcp_write(pcb, p->payload, p->len, TCP_WRITE_FLAG_COPY);
    pbuf_free(p);
    return ERR_OK;
}

static err_t tcp_acc(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    tcp_recv(pcb, tcp_rx);
    return ERR_OK;
}

static void setup(void)
{
    ip4_addr_t ip, mask, gw;
    lwip_init();
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    netif_add(&nif, &ip, &mask, &gw, NULL, nif_init, ethernet_input);
    netif_create_ip6_linklocal_address(&nif, 1);
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);
    udp_bind(u, IP_ANY_TYPE, 7);
    udp_recv(u, udp_echo, NULL);
    struct tcp_pcb *t = tcp_new_ip_type(IPADDR_TYPE_ANY);
    tcp_bind(t, IP_ANY_TYPE, 80);
    t = tcp_listen(t);
    tcp_accept(t, tcp_acc);
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    while (size >= 2) {
        size_t len = (size_t)data[0] | (size_t)data[1] << 8;
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        if (len > 0xffff - 64)
            len = 0xffff - 64;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (p) {
            pbuf_take(p, data, (u16_t)len);
            if (nif.input(p, &nif) != ERR_OK)
                pbuf_free(p);
        }
        data += len;
        size -= len;
        fuzz_netframe_advance(100);
        sys_check_timeouts();
    }
    return 0;
}
