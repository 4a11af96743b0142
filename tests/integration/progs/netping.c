/*
 * netping: lwIP in a guest on a real (simulated) NIC, the first end-to-end network test
 * (tests/integration/net/ping.sh): /dev/net0 (drivers/virtio-net on vrsim's virtio-net model)
 * becomes an lwIP Ethernet interface with 10.0.2.15/24; the program pings the wire's responder
 * at 10.0.2.2 (sim/backends/netwire: it answers ARP and ICMP echo). ARP resolves first; each
 * echo reply is matched by id and sequence, and the round trip is printed in virtual time.
 *   netping [COUNT [SIZE [LOCAL PEER]]]   (default 3 pings of 56 bytes, 10.0.2.15 -> 10.0.2.2;
 *   LOCAL and PEER dotted quads, on one /24: two nodes on a link, tests/integration/net/wire.sh)
 * Output: "mac 52:54:00:12:34:56 link up", one "N bytes from 10.0.2.2: icmp_seq=S time=T us"
 * per reply, "sent S received R bad B corrupt C" (bad: wrong id or sequence; corrupt: a broken
 * ICMP checksum, dropped), the driver's counters; exit 0 when every ping was answered.
 * Then lwIP's drop counters ("lwip: link drop D ip drop X chkerr C lenerr L icmp chkerr I"):
 * what a hostile wire's bad frames cost (tests/integration/net/badframes.sh).
 * Frames are read with a deadline (virtual time), so a silent wire ends the program, not hangs it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devopen.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "veridian/netdev.h"

#define PING_ID 0x7665
#define FRAME_WAIT_NS 50000000ull /* 50 ms per read */

static uint32_t nic;
static uint64_t info[VK_MSG_DATA_WORDS];
static unsigned replies, bad, corrupt;
static uint64_t sent_at;

static err_t nic_output(struct netif *nif, struct pbuf *p)
{
    uint8_t frame[NETDEV_MAX_FRAME];
    (void)nif;
    if (p->tot_len > sizeof frame)
        return ERR_BUF;
    u16_t n = pbuf_copy_partial(p, frame, sizeof frame, 0);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_WRITE;
    c.send_buf = (uint64_t)(uintptr_t)frame;
    c.send_len = n < 60 ? 60 : n; /* pad to the Ethernet minimum (the rest is zeros) */
    if (n < 60)
        memset(frame + n, 0, 60 - n);
    long rc = devopen_call(nic, &c, 1000000000ull, NULL);
    if (rc) {
        printf("netping: write: %s\n", strerror((int)-rc));
        return ERR_IF;
    }
    return ERR_OK;
}

static err_t nic_init(struct netif *nif)
{
    for (int i = 0; i < 6; i++)
        nif->hwaddr[i] = (uint8_t)(info[0] >> (8 * i));
    nif->hwaddr_len = 6;
    nif->mtu = 1500;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = nic_output;
    return ERR_OK;
}

/* One frame from the NIC into lwIP, waiting at most FRAME_WAIT_NS: 1, 0 (none in time). */
static int nic_input(struct netif *nif)
{
    static uint8_t frame[NETDEV_MAX_FRAME];
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_READ;
    c.msg.data[0] = sizeof frame;
    c.recv_buf = (uint64_t)(uintptr_t)frame;
    c.recv_len = sizeof frame;
    uint64_t out[VK_MSG_DATA_WORDS];
    long rc = devopen_call(nic, &c, FRAME_WAIT_NS, out);
    if (rc == -VK_EAGAIN) { /* the driver's reader slots hold our timed-out reads */
        devopen_sleep_ms(10);
        return 0;
    }
    if (rc)
        return 0;
    size_t n = (size_t)out[0];
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
    if (!p)
        return 0;
    pbuf_take(p, frame, (u16_t)n);
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
    return 1;
}

static u8_t on_icmp(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    unsigned *expect = arg;
    struct icmp_echo_hdr h;
    uint8_t ihl = (uint8_t)((((uint8_t *)p->payload)[0] & 0xf) * 4);
    if (pbuf_copy_partial(p, &h, sizeof h, ihl) != sizeof h || h.type != ICMP_ER)
        return 0;
    /* the raw PCB sees the packet before lwIP's ICMP looks at it (and lwIP checks the checksum
     * of echo requests only): check it here, as ping does; a broken one is counted, not used */
    static uint8_t msg[1600];
    u16_t mlen = pbuf_copy_partial(p, msg, sizeof msg, ihl);
    if (mlen != p->tot_len - ihl || inet_chksum(msg, mlen) != 0) {
        corrupt++;
        pbuf_free(p);
        return 1;
    }
    unsigned seq = lwip_ntohs(h.seqno);
    if (lwip_ntohs(h.id) != PING_ID || seq != *expect) {
        bad++;
    } else {
        uint64_t us = ((uint64_t)vk_clock_get() - sent_at) / 1000;
        printf("%u bytes from %s: icmp_seq=%u time=%llu us\n", p->tot_len - ihl, ipaddr_ntoa(addr),
               seq, (unsigned long long)us);
        replies++;
    }
    pbuf_free(p);
    return 1;
}

int main(int argc, char **argv)
{
    unsigned count = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 3;
    unsigned size = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 56;
    if (size > 1472)
        size = 1472;
    nic = devopen_handle("netping", "/dev/net0", O_RDWR);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = NETDEV_OP_INFO;
    if (devopen_call(nic, &c, 1000000000ull, info)) {
        printf("netping: NETDEV_OP_INFO failed\n");
        return 1;
    }
    printf("mac %02x:%02x:%02x:%02x:%02x:%02x link %s\n", (unsigned)(info[0] & 0xff),
           (unsigned)(info[0] >> 8 & 0xff), (unsigned)(info[0] >> 16 & 0xff),
           (unsigned)(info[0] >> 24 & 0xff), (unsigned)(info[0] >> 32 & 0xff),
           (unsigned)(info[0] >> 40 & 0xff), info[1] ? "up" : "down");

    lwip_init();
    static struct netif nif;
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 10, 0, 2, 15);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 2, 2);
    if (argc > 4 && (!ip4addr_aton(argv[3], &ip) || !ip4addr_aton(argv[4], &gw))) {
        printf("netping: LOCAL and PEER are addresses like 10.0.0.2\n");
        return 2;
    }
    netif_add(&nif, &ip, &mask, &gw, NULL, nic_init, ethernet_input);
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);

    unsigned expect = 0;
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    raw_recv(pcb, on_icmp, &expect);
    ip_addr_t peer;
    ip_addr_copy_from_ip4(peer, gw);
    for (unsigned seq = 1; seq <= count; seq++) {
        struct pbuf *p =
            pbuf_alloc(PBUF_IP, (u16_t)(sizeof(struct icmp_echo_hdr) + size), PBUF_RAM);
        struct icmp_echo_hdr *h = p->payload;
        h->type = ICMP_ECHO;
        h->code = 0;
        h->chksum = 0;
        h->id = lwip_htons(PING_ID);
        h->seqno = lwip_htons((u16_t)seq);
        for (unsigned i = 0; i < size; i++)
            ((uint8_t *)(h + 1))[i] = (uint8_t)(i + seq);
        h->chksum = inet_chksum(h, p->len);
        expect = seq;
        sent_at = (uint64_t)vk_clock_get();
        unsigned before = replies;
        raw_sendto(pcb, p, &peer);
        pbuf_free(p);
        for (int tries = 0; tries < 20 && replies == before; tries++) {
            nic_input(&nif);
            sys_check_timeouts();
        }
        if (replies == before)
            printf("no reply to icmp_seq=%u\n", seq);
    }
    memset(&c, 0, sizeof c);
    c.msg.opcode = NETDEV_OP_INFO;
    devopen_call(nic, &c, 1000000000ull, info);
    printf("sent %u received %u bad %u corrupt %u\n", count, replies, bad, corrupt);
    printf("driver: rx %llu tx %llu dropped %llu resets %llu\n", (unsigned long long)info[2],
           (unsigned long long)info[3], (unsigned long long)info[4], (unsigned long long)info[5]);
    printf("lwip: link drop %u ip drop %u chkerr %u lenerr %u icmp chkerr %u\n",
           (unsigned)lwip_stats.link.drop, (unsigned)lwip_stats.ip.drop,
           (unsigned)lwip_stats.ip.chkerr, (unsigned)lwip_stats.ip.lenerr,
           (unsigned)lwip_stats.icmp.chkerr);
    return replies == count && !bad ? 0 : 1;
}
