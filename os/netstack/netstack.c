/*
 * os/netstack: the network stack service (issue 17, item 3): lwIP (NO_SYS, raw API) in one
 * single-threaded server, its interfaces from /etc/net.toml: the loopback interface (lwIP's,
 * 127.0.0.1 and ::1) and each [[interface]] whose device node opens (up to NS_MAX_IFS).
 *
 * /etc/net.toml:
 *   [[interface]]
 *   name = "en0"              # two characters and a digit as lwIP names them ("en", 0)
 *   device = "/dev/net0"      # a network device node (veridian/netdev.h)
 *   address = "10.0.2.15/24"  # static IPv4 address and prefix, or "dhcp" (lwIP's client:
 *                             # address, mask and gateway from the network's DHCP server)
 *   gateway = "10.0.2.2"      # optional: the default route, resolved (ARP) at start
 * A missing file means loopback only; a malformed one is reported and the interface skipped.
 *
 * Start-up: each interface's device node is opened (waiting up to 1 s for devmgr to publish
 * it), its MAC read (NETDEV_OP_INFO), the frame ring attached (NETDEV_OP_RING_ATTACH: frames
 * pass through shared memory, veridian/netdev.h), the interface added and brought up (an IPv6
 * link-local address too); DHCP interfaces wait (bounded) for their lease, which is logged
 * ("netstack: en0 dhcp: 10.0.2.15 mask 255.255.255.0 gateway 10.0.2.2"); each gateway is asked
 * for by ARP. The server logs each interface ("netstack: en0 10.0.2.15/24 mac
 * 52:54:00:12:34:56 link up") and publishes /proc/net/dev and /proc/net/if_inet. Readiness
 * goes to init before all that, as soon as /dev/net (the sockets, sock.c) is served (without
 * sockets: after it), so programs need not wait for the interfaces: their socket calls queue.
 *
 * The main loop (ns_step): take every frame waiting in each interface's RX ring into lwIP
 * (NS_RX_BUDGET per interface per pass, so one busy NIC cannot starve the rest), run lwIP's
 * timers, serve the sockets (sock.c: everything queued, parked calls timed out), ring each
 * driver's doorbell once if it asked for one (frames lwIP queued in the TX
 * ring, RX slots freed), republish /proc/net when the counters changed (at most every
 * NS_PUBLISH_NS), then sleep in one vk_wait_many on every interface's notification and the
 * sockets' endpoint until lwIP's next timer or the sockets' next deadline, and serve the
 * sockets again when it returns. Before sleeping it sets each RX ring's wait
 * flag and looks again, so a frame is never left waiting for a wake-up that will not come.
 * A burst of frames thus costs O(1) kernel calls: one wake-up and one doorbell.
 * TX: lwIP's linkoutput copies the frame into the TX ring; on a full ring it rings the
 * doorbell and waits (bounded, NS_TX_WAIT_NS) for the driver to free a slot, then drops and
 * counts (tx drop).
 * A driver that devmgr restarted: every second each interface probes its driver with another
 * RING_ATTACH (if_probe): EBUSY means the ring is still the driver's; a fresh ring means a new
 * driver instance, and it replaces the dead one (its counters go on).
 *
 * /proc/net/dev: Linux's format (a two-line header, then "  en0: rx bytes packets errs drop
 * fifo frame compressed multicast tx bytes packets errs drop fifo colls carrier compressed"),
 * lo from lwIP's MIB-2 counters, each NIC from ours (rx errs: ring slots the driver garbled;
 * rx drop: frames lwIP could not take and the driver's own drops; tx drop: a full ring).
 * /proc/net/if_inet: one line per interface: name, MAC, IPv4 address/prefix (or -), IPv6
 * link-local address (or -), flags (UP,BROADCAST,LOOPBACK,RUNNING,MULTICAST: comma-separated),
 * MTU. os/bin/ifconfig prints both.
 *
 * Never: trust a frame (lwIP checks every length and checksum) or the driver's ring indexes
 * and lengths (netdev.h's checks, counted); exit on a bad configuration line (that interface
 * is skipped).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "sock.h"
#include "veridian/caps.h"
#include "veridian/netdev.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "vl_toml.h"

#define NS_CONFIG "/etc/net.toml"
#define NS_MAX_IFS 4
#define NS_OPEN_TRIES 100
#define NS_CALL_NS 1000000000ull     /* a call to a driver answers within 1 s */
#define NS_WAIT_MAX_NS 1000000000ull /* one sleep lasts at most 1 s */
#define NS_GW_WAIT_NS 1000000000ull
#define NS_DHCP_WAIT_NS 10000000000ull /* lwIP's client: its first DISCOVER, then retries */
#define NS_TX_WAIT_NS 10000000ull      /* a full TX ring: wait this long for the driver */
#define NS_RX_BUDGET 64u               /* frames per interface per pass */
#define NS_PUBLISH_NS 100000000ull     /* /proc/net at most every 100 ms */
#define NS_WAIT_ITEMS (NS_MAX_IFS + 16)
#define NS_TEXT_MAX 4096
#define NS_PROBE_NS 1000000000ull     /* each interface's ring probe: every second */
#define NS_PROBE_CALL_NS 100000000ull /* a probe waits this long for a driver (re)starting */

struct ns_if {
    struct netif nif;
    char name[8];
    char device[64]; /* its node */
    uint32_t dev;    /* the device's handle */
    uint8_t mac[6];
    ip4_addr_t addr, mask, gw;
    int has_gw, dhcp, up;
    uint64_t probe_at;   /* the next ring probe (if_probe) */
    unsigned reattaches; /* new rings from restarted drivers */
    /* the frame ring */
    struct netdev_ring_area *ring;
    struct netdev_ring rxr, txr; /* we consume rx, produce tx */
    uint32_t notify;             /* the driver signals NETDEV_RING_NOTIFY_BIT */
    uint32_t doorbell;           /* we signal NETDEV_RING_DOORBELL_BIT */
    uint64_t rx_drop, tx_errors, doorbells, wakeups;
};

struct netstack {
    struct ns_if ifs[NS_MAX_IFS];
    unsigned nifs;
    uint64_t last_publish;
    char text[NS_TEXT_MAX], last_dev[NS_TEXT_MAX], last_inet[NS_TEXT_MAX];
    int publish_failed;
    struct ns_sockets *socks; /* sock.c: the socket server, NULL without one */
};

void ns_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("netstack: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

uint64_t ns_now(void)
{
    long t = vk_clock_get();
    return t < 0 ? 0 : (uint64_t)t;
}

int ns_publish(const char *name, const char *text, size_t len, uint64_t deadline)
{
    size_t nl = strlen(name);
    uint32_t session = vr_start_handle(VK_ROLE_NSROOT), res = 0;
    char *msg = malloc(nl + 1 + len);
    if (!msg)
        return ENOMEM;
    long rc = session ? vk_handle_dup(vr_start_handle(VK_ROLE_SPAWNER),
                                      VK_RIGHT_IPC_CREATE | VK_RIGHT_TRANSFER, &res)
                      : -EBADF;
    if (rc) {
        free(msg);
        return (int)-rc;
    }
    memcpy(msg, name, nl + 1);
    memcpy(msg + nl + 1, text, len);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_PUBLISH;
    c.msg.flags = 1;
    c.msg.handles[0] = res;
    c.send_buf = (uint64_t)(uintptr_t)msg;
    c.send_len = nl + 1 + len;
    rc = vk_call(session, &c, deadline);
    free(msg);
    return rc ? (int)-rc : (int)c.msg.opcode;
}

/* ---- the device ---- */

static long dev_call(uint32_t h, struct vk_call *c, uint64_t timeout_ns, uint64_t *out)
{
    long rc = vk_call(h, c, ns_now() + timeout_ns);
    if (rc)
        return rc;
    if (out)
        memcpy(out, c->msg.data, sizeof c->msg.data);
    return c->msg.opcode ? -(long)c->msg.opcode : 0;
}

static long dev_open(const char *path, uint32_t *h)
{
    for (int tries = 0; tries < NS_OPEN_TRIES; tries++) {
        struct vk_msg rep;
        long rc = vr_request(vr_start_handle(VK_ROLE_NSROOT), VFS_OP_OPEN, path, strlen(path), NULL,
                             0, (uint64_t)O_RDWR, 0, &rep);
        if (rc >= 0 && VK_MSG_NHANDLES(rep.flags) >= 1) {
            *h = rep.handles[0];
            return 0;
        }
        if (rc != -VK_ENOENT)
            return rc < 0 ? rc : -VK_EIO;
        sleep_ms(10);
    }
    return -VK_ENOENT;
}

static void keep_counts(struct netdev_ring *r, const struct netdev_ring *was)
{
    r->frames = was->frames;
    r->bytes = was->bytes;
    r->bad_index = was->bad_index;
    r->bad_len = was->bad_len;
    r->full = was->full;
}

/* NETDEV_OP_RING_ATTACH: map the driver's ring and keep its notification and doorbell. The
 * reply is checked (numbers, handle types) before anything is used. */
static long ring_attach(struct ns_if *i, uint64_t timeout_ns)
{
    struct vk_call c;
    uint64_t d[VK_MSG_DATA_WORDS], addr = 0;
    struct vk_handle_info hi[3];
    memset(&c, 0, sizeof c);
    c.msg.opcode = NETDEV_OP_RING_ATTACH;
    long rc = dev_call(i->dev, &c, timeout_ns, d);
    unsigned nh = VK_MSG_NHANDLES(c.msg.flags);
    if (rc)
        return rc;
    rc = -VK_EINVAL;
    if (nh != 3 || d[0] != NETDEV_RING_BYTES || d[1] != NETDEV_RING_SLOTS ||
        d[2] != NETDEV_SLOT_SIZE || d[3] != NETDEV_RING_VERSION)
        goto out;
    for (unsigned k = 0; k < 3; k++)
        if (vk_handle_info(c.msg.handles[k], &hi[k]))
            goto out;
    if (hi[0].type != VK_OBJ_VMO || hi[1].type != VK_OBJ_NOTIFICATION ||
        hi[2].type != VK_OBJ_NOTIFICATION || !(hi[1].rights & VK_RIGHT_WAIT) ||
        !(hi[2].rights & VK_RIGHT_SIGNAL))
        goto out;
    if ((rc = vk_vmo_map(c.msg.handles[0], VK_RIGHT_READ | VK_RIGHT_WRITE, &addr)))
        goto out;
    struct netdev_ring_area *ring = (struct netdev_ring_area *)(uintptr_t)addr;
    if (ring->magic != NETDEV_RING_MAGIC || ring->slots != NETDEV_RING_SLOTS ||
        ring->slot_size != NETDEV_SLOT_SIZE) {
        vk_vmo_unmap(addr);
        rc = -VK_EINVAL;
        goto out;
    }
    i->ring = ring;
    struct netdev_ring rx_was = i->rxr, tx_was = i->txr; /* counters go on across rings */
    netdev_ring_init(&i->rxr, &i->ring->rx, i->ring->rx_slots, 0);
    netdev_ring_init(&i->txr, &i->ring->tx, i->ring->tx_slots, 1);
    keep_counts(&i->rxr, &rx_was);
    keep_counts(&i->txr, &tx_was);
    i->notify = c.msg.handles[1];
    i->doorbell = c.msg.handles[2];
    vk_handle_close(c.msg.handles[0]); /* the mapping stays */
    return 0;
out:
    for (unsigned k = 0; k < nh && k < VK_MSG_MAX_HANDLES; k++)
        if (c.msg.handles[k])
            vk_handle_close(c.msg.handles[k]);
    return rc;
}

/* After a batch: wake the driver once if it asked (TX frames queued, RX slots freed). */
static void if_flush(struct ns_if *i)
{
    int tx = netdev_ring_wake_consumer(&i->txr);
    int rx = netdev_ring_wake_producer(&i->rxr);
    if (tx || rx) {
        vk_notify_signal(i->doorbell, NETDEV_RING_DOORBELL_BIT);
        i->doorbells++;
    }
}

/* The TX ring is full: ring the doorbell, wait (bounded) until the driver frees a slot. */
static uint32_t tx_wait_space(struct ns_if *i)
{
    uint64_t end = ns_now() + NS_TX_WAIT_NS;
    uint32_t space;
    while (!(space = netdev_ring_arm_producer(&i->txr)) && ns_now() < end) {
        if_flush(i);
        struct vk_wait w = {.handle = i->notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
        if (vk_wait_many(&w, 1, end) < 0)
            break;
    }
    return space;
}

static err_t if_output(struct netif *nif, struct pbuf *p)
{
    struct ns_if *i = nif->state;
    if (p->tot_len > NETDEV_MAX_FRAME) {
        i->tx_errors++;
        return ERR_BUF;
    }
    if (!netdev_ring_space(&i->txr) && !tx_wait_space(i)) {
        i->txr.full++;
        return ERR_IF;
    }
    struct netdev_slot *s = netdev_ring_next(&i->txr);
    u16_t n = pbuf_copy_partial(p, s->frame, p->tot_len, 0);
    if (n != p->tot_len) {
        i->tx_errors++;
        return ERR_BUF;
    }
    if (n < 60) { /* the Ethernet minimum, zero-padded */
        memset(s->frame + n, 0, 60u - n);
        n = 60;
    }
    netdev_ring_produce(&i->txr, n);
    return ERR_OK;
}

static err_t if_init(struct netif *nif)
{
    struct ns_if *i = nif->state;
    memcpy(nif->hwaddr, i->mac, 6);
    nif->hwaddr_len = 6;
    nif->mtu = 1500;
    nif->name[0] = i->name[0];
    nif->name[1] = i->name[1];
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = if_output;
    return ERR_OK;
}

/* Frames waiting in the interface's RX ring into lwIP, at most budget: how many. */
static unsigned if_input(struct ns_if *i, unsigned budget)
{
    unsigned got = 0;
    const uint8_t *f;
    uint32_t len;
    while (got < budget && netdev_ring_peek(&i->rxr, &f, &len)) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (p)
            pbuf_take(p, f, (u16_t)len); /* copied before the slot goes back */
        netdev_ring_release(&i->rxr, len);
        got++;
        if (!p) {
            i->rx_drop++;
            continue;
        }
        if (i->nif.input(p, &i->nif) != ERR_OK)
            pbuf_free(p);
    }
    return got;
}

/* ---- /proc/net ---- */

#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (k < sizeof ns->text)                                                                   \
            k += (size_t)snprintf(ns->text + k, sizeof ns->text - k, __VA_ARGS__);                 \
    } while (0)

static const char *dev_name(const struct netif *nif, char *buf, size_t len)
{
    if (nif->name[0] == 'l' && nif->name[1] == 'o')
        snprintf(buf, len, "lo");
    else
        snprintf(buf, len, "%c%c%u", nif->name[0], nif->name[1], (unsigned)nif->num);
    return buf;
}

static void text_dev(struct netstack *ns)
{
    size_t k = 0;
    char nm[8];
    APPEND("Inter-|   Receive                                                |  Transmit\n"
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
           "errs drop fifo colls carrier compressed\n");
    struct netif *lo = netif_find("lo0");
    if (lo) {
        const struct stats_mib2_netif_ctrs *m = &lo->mib2_counters;
        APPEND("%6s:%8lu %7lu %4lu %4lu %4u %5u %10u %9u %8lu %7lu %4lu %4lu %4u %5u %7u %10u\n",
               "lo", (unsigned long)m->ifinoctets,
               (unsigned long)(m->ifinucastpkts + m->ifinnucastpkts), (unsigned long)m->ifinerrors,
               (unsigned long)m->ifindiscards, 0u, 0u, 0u, 0u, (unsigned long)m->ifoutoctets,
               (unsigned long)(m->ifoutucastpkts + m->ifoutnucastpkts),
               (unsigned long)m->ifouterrors, (unsigned long)m->ifoutdiscards, 0u, 0u, 0u, 0u);
    }
    for (unsigned j = 0; j < ns->nifs; j++) {
        struct ns_if *i = &ns->ifs[j];
        uint64_t info[VK_MSG_DATA_WORDS] = {0};
        struct vk_call c;
        memset(&c, 0, sizeof c);
        c.msg.opcode = NETDEV_OP_INFO;
        if (dev_call(i->dev, &c, NS_CALL_NS, info))
            memset(info, 0, sizeof info);
        APPEND("%6s:%8llu %7llu %4llu %4llu %4u %5u %10u %9u %8llu %7llu %4llu %4llu %4u %5u %7u "
               "%10u\n",
               dev_name(&i->nif, nm, sizeof nm), (unsigned long long)i->rxr.bytes,
               (unsigned long long)i->rxr.frames,
               (unsigned long long)(i->rxr.bad_len + i->rxr.bad_index),
               (unsigned long long)(i->rx_drop + info[4]), 0u, 0u, 0u, 0u,
               (unsigned long long)i->txr.bytes, (unsigned long long)i->txr.frames,
               (unsigned long long)(i->tx_errors + i->txr.bad_index),
               (unsigned long long)i->txr.full, 0u, 0u, 0u, 0u);
    }
}

static unsigned prefix_len(const ip4_addr_t *mask)
{
    return (unsigned)__builtin_popcount(ip4_addr_get_u32(mask));
}

static void inet_line(struct netstack *ns, size_t *kp, const struct netif *nif, const uint8_t *mac)
{
    size_t k = *kp;
    char nm[8], a4[40] = "-", a6[48] = "-";
    if (!ip4_addr_isany_val(*netif_ip4_addr(nif)))
        snprintf(a4, sizeof a4, "%s/%u", ip4addr_ntoa(netif_ip4_addr(nif)),
                 prefix_len(netif_ip4_netmask(nif)));
    if (!ip6_addr_isinvalid(netif_ip6_addr_state(nif, 0)))
        snprintf(a6, sizeof a6, "%s", ip6addr_ntoa(netif_ip6_addr(nif, 0)));
    for (char *c = a6; *c; c++) /* lwIP writes hex digits in capitals, Linux does not */
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    int lo = nif->name[0] == 'l' && nif->name[1] == 'o';
    APPEND("%s %02x:%02x:%02x:%02x:%02x:%02x %s %s %s%s%s%s%s %u\n", dev_name(nif, nm, sizeof nm),
           mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], a4, a6, netif_is_up(nif) ? "UP" : "DOWN",
           (nif->flags & NETIF_FLAG_BROADCAST) ? ",BROADCAST" : "", lo ? ",LOOPBACK" : "",
           netif_is_up(nif) && netif_is_link_up(nif) ? ",RUNNING" : "",
           (nif->flags & NETIF_FLAG_MLD6) ? ",MULTICAST" : "", lo && !nif->mtu ? 65536u : nif->mtu);
    *kp = k;
}

static void text_inet(struct netstack *ns)
{
    static const uint8_t zero[6];
    size_t k = 0;
    struct netif *lo = netif_find("lo0");
    if (lo)
        inet_line(ns, &k, lo, zero);
    for (unsigned j = 0; j < ns->nifs; j++)
        inet_line(ns, &k, &ns->ifs[j].nif, ns->ifs[j].mac);
}

/* /proc/net/<name> <- ns->text when it changed since last time. */
static void publish(struct netstack *ns, const char *name, char *last)
{
    if (!strcmp(ns->text, last))
        return;
    size_t tl = strlen(ns->text);
    memcpy(last, ns->text, tl + 1);
    int e = ns_publish(name, ns->text, tl, ns_now() + NS_CALL_NS);
    if (e && !ns->publish_failed++)
        ns_log("publish /proc/%s: %s", name, strerror(e));
}

static void publish_all(struct netstack *ns)
{
    ns->last_publish = ns_now();
    text_dev(ns);
    publish(ns, "net/dev", ns->last_dev);
    text_inet(ns);
    publish(ns, "net/if_inet", ns->last_inet);
}

/* ---- a driver that devmgr restarted ---- */

/* Every NS_PROBE_NS each interface asks its driver for a ring again. The usual answer is EBUSY:
 * the ring we hold is still the driver's. A driver that crashed and was restarted by devmgr
 * (the endpoint and the /dev node outlive it, its ring does not) has none, so it answers with a
 * fresh ring, which replaces the dead one (frames in the old one are lost, as on a NIC reset).
 * A driver that does not answer within NS_PROBE_CALL_NS (not restarted yet) is asked again at
 * the next probe. One IPC per interface per second; deterministic like everything here. */
static void if_probe(struct ns_if *i)
{
    struct netdev_ring_area *old = i->ring;
    uint32_t old_notify = i->notify, old_doorbell = i->doorbell;
    i->probe_at = ns_now() + NS_PROBE_NS;
    long rc = ring_attach(i, NS_PROBE_CALL_NS);
    if (rc == -VK_EBUSY)
        return;
    if (rc) {
        ns_log("%s: the driver of %s does not answer (%s): asking again in 1 s", i->name, i->device,
               strerror((int)-rc));
        return;
    }
    vk_vmo_unmap((uint64_t)(uintptr_t)old);
    vk_handle_close(old_notify);
    vk_handle_close(old_doorbell);
    i->reattaches++;
    ns_log("%s: %s has a new driver: ring attached again", i->name, i->device);
}

/* ---- running ---- */

/* One pass of the main loop, sleeping at most until deadline (see the contract). */
static void ns_step(struct netstack *ns, uint64_t deadline)
{
    struct vk_wait w[NS_WAIT_ITEMS];
    unsigned more = 0;
    for (unsigned k = 0; k < ns->nifs; k++)
        if (if_input(&ns->ifs[k], NS_RX_BUDGET) == NS_RX_BUDGET)
            more = 1;
    netif_poll_all(); /* the loopback interface's queue (NO_SYS: polled here) */
    sys_check_timeouts();
    ns_sock_serve(ns->socks); /* everything queued; parked calls timed out */
    unsigned nsock = 0;
    if (ns->socks)
        ns_sock_wait_item(ns->socks, &w[ns->nifs + nsock++]);
    for (unsigned k = 0; k < ns->nifs; k++)
        if_flush(&ns->ifs[k]);
    if (ns->last_publish && ns_now() - ns->last_publish >= NS_PUBLISH_NS)
        publish_all(ns);
    uint64_t now = ns_now();
    uint64_t wake = now + (uint64_t)sys_timeouts_sleeptime() * 1000000ull;
    if (wake > now + NS_WAIT_MAX_NS)
        wake = now + NS_WAIT_MAX_NS;
    if (ns->last_publish && wake > ns->last_publish + NS_PUBLISH_NS)
        wake = ns->last_publish + NS_PUBLISH_NS;
    uint64_t sd = ns_sock_deadline(ns->socks);
    if (wake > sd)
        wake = sd;
    if (wake > deadline)
        wake = deadline;
    for (unsigned k = 0; k < ns->nifs; k++) {
        w[k] = (struct vk_wait){.handle = ns->ifs[k].notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
        if (netdev_ring_arm_consumer(&ns->ifs[k].rxr))
            more = 1; /* a frame came in after all: no sleep */
    }
    if (more)
        wake = 0;
    long rc = vk_wait_many(w, ns->nifs + nsock, wake);
    if (rc >= 0)
        for (unsigned k = 0; k < ns->nifs; k++)
            ns->ifs[k].wakeups += w[k].observed != 0;
    for (unsigned k = 0; k < ns->nifs; k++)
        if (ns_now() >= ns->ifs[k].probe_at)
            if_probe(&ns->ifs[k]);
    ns_sock_serve(ns->socks);
    for (unsigned k = 0; k < ns->nifs; k++)
        if_flush(&ns->ifs[k]); /* what the sockets sent goes out now */
}

static void run_for(struct netstack *ns, uint64_t ns_time)
{
    uint64_t end = ns_now() + ns_time;
    while (ns_now() < end)
        ns_step(ns, end);
}

/* ---- configuration ---- */

static int get_str(const struct vl_toml_value *t, const char *key, const char **s)
{
    size_t n;
    const struct vl_toml_value *v = vl_toml_table_get(t, key);
    return v && !vl_toml_string(v, s, &n) && strlen(*s) == n ? 0 : -1;
}

static int parse_prefix(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!ip4addr_aton(buf, addr))
        return -1;
    long len = slash ? strtol(slash + 1, NULL, 10) : 24;
    if (len < 0 || len > 32)
        return -1;
    ip4_addr_set_u32(mask, len ? lwip_htonl(0xffffffffu << (32 - len)) : 0);
    return 0;
}

static void if_up(struct netstack *ns, const struct vl_toml_value *t, unsigned k)
{
    struct ns_if *i = &ns->ifs[ns->nifs];
    const char *name, *device, *address, *gateway;
    memset(i, 0, sizeof *i);
    if (get_str(t, "name", &name) || strlen(name) != 3 || name[2] < '0' || name[2] > '9' ||
        get_str(t, "device", &device) || get_str(t, "address", &address) ||
        (!(i->dhcp = !strcmp(address, "dhcp")) && parse_prefix(address, &i->addr, &i->mask))) {
        ns_log("%s: interface %u needs name (like \"en0\"), device and address (like "
               "\"10.0.2.15/24\"): skipped",
               NS_CONFIG, k);
        return;
    }
    if (!get_str(t, "gateway", &gateway)) {
        if (!ip4addr_aton(gateway, &i->gw)) {
            ns_log("%s: %s: gateway '%s' is not an IPv4 address: skipped", NS_CONFIG, name,
                   gateway);
            return;
        }
        i->has_gw = 1;
    }
    snprintf(i->name, sizeof i->name, "%s", name);
    snprintf(i->device, sizeof i->device, "%s", device);
    long rc = dev_open(device, &i->dev);
    if (rc) {
        ns_log("%s: cannot open %s: %s", name, device, strerror((int)-rc));
        return;
    }
    uint64_t info[VK_MSG_DATA_WORDS];
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = NETDEV_OP_INFO;
    if ((rc = dev_call(i->dev, &c, NS_CALL_NS, info))) {
        ns_log("%s: %s does not answer NETDEV_OP_INFO: %s", name, device, strerror((int)-rc));
        goto fail;
    }
    if ((rc = ring_attach(i, NS_CALL_NS))) {
        ns_log("%s: %s: no frame ring: %s", name, device, strerror((int)-rc));
        goto fail;
    }
    for (int b = 0; b < 6; b++)
        i->mac[b] = (uint8_t)(info[0] >> (8 * b));
    if (!netif_add(&i->nif, &i->addr, &i->mask, i->has_gw ? &i->gw : IP4_ADDR_ANY4, i, if_init,
                   ethernet_input)) {
        ns_log("%s: lwIP refused the interface", name);
        goto fail; /* the ring stays mapped: harmless, the driver forgets it at close */
    }
    i->nif.num = (u8_t)(name[2] - '0');
    netif_create_ip6_linklocal_address(&i->nif, 1);
    if (i->has_gw && !netif_default)
        netif_set_default(&i->nif);
    netif_set_up(&i->nif);
    if (info[1])
        netif_set_link_up(&i->nif);
    if (i->dhcp && dhcp_start(&i->nif) != ERR_OK)
        ns_log("%s: lwIP's DHCP client did not start", name);
    i->up = 1;
    i->probe_at = ns_now() + NS_PROBE_NS;
    ns->nifs++;
    ns_log("%s %s mac %02x:%02x:%02x:%02x:%02x:%02x link %s", name, address, i->mac[0], i->mac[1],
           i->mac[2], i->mac[3], i->mac[4], i->mac[5], info[1] ? "up" : "down");
    return;
fail:
    vk_handle_close(i->dev);
    if (i->notify)
        vk_handle_close(i->notify);
    if (i->doorbell)
        vk_handle_close(i->doorbell);
}

static void load_config(struct netstack *ns)
{
    static char text[16384];
    struct vl_toml_error err;
    struct vl_toml_value *root = NULL;
    FILE *f = fopen(NS_CONFIG, "r");
    if (!f) {
        ns_log("no %s: loopback only", NS_CONFIG);
        return;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    if (vl_toml_parse(text, n, &root, &err)) {
        ns_log("%s:%u:%u: %s: loopback only", NS_CONFIG, err.line, err.col, err.msg);
        return;
    }
    const struct vl_toml_value *ifs = vl_toml_table_get(root, "interface");
    for (size_t k = 0; ifs && k < vl_toml_array_len(ifs) && ns->nifs < NS_MAX_IFS; k++)
        if_up(ns, vl_toml_array_at(ifs, k), (unsigned)k);
    vl_toml_free(root);
}

/* DHCP interfaces: wait (bounded) for a lease; its router becomes the gateway. */
static void wait_leases(struct netstack *ns)
{
    for (unsigned k = 0; k < ns->nifs; k++) {
        struct ns_if *i = &ns->ifs[k];
        if (!i->dhcp)
            continue;
        uint64_t end = ns_now() + NS_DHCP_WAIT_NS;
        while (!dhcp_supplied_address(&i->nif) && ns_now() < end)
            run_for(ns, 10000000ull);
        if (!dhcp_supplied_address(&i->nif)) {
            ns_log("%s dhcp: no lease", i->name);
            continue;
        }
        ip4_addr_copy(i->addr, *netif_ip4_addr(&i->nif));
        ip4_addr_copy(i->mask, *netif_ip4_netmask(&i->nif));
        ip4_addr_copy(i->gw, *netif_ip4_gw(&i->nif));
        i->has_gw = !ip4_addr_isany_val(i->gw);
        if (i->has_gw && !netif_default)
            netif_set_default(&i->nif);
        char a[16], m[16];
        snprintf(a, sizeof a, "%s", ip4addr_ntoa(&i->addr));
        snprintf(m, sizeof m, "%s", ip4addr_ntoa(&i->mask));
        ns_log("%s dhcp: %s mask %s gateway %s", i->name, a, m, ip4addr_ntoa(&i->gw));
    }
}

static void resolve_gateways(struct netstack *ns)
{
    for (unsigned k = 0; k < ns->nifs; k++) {
        struct ns_if *i = &ns->ifs[k];
        struct eth_addr *mac = NULL;
        const ip4_addr_t *ip = NULL;
        if (!i->has_gw)
            continue;
        etharp_request(&i->nif, &i->gw);
        uint64_t end = ns_now() + NS_GW_WAIT_NS;
        while (etharp_find_addr(&i->nif, &i->gw, &mac, &ip) < 0 && ns_now() < end)
            run_for(ns, 10000000ull);
        if (etharp_find_addr(&i->nif, &i->gw, &mac, &ip) >= 0 && mac)
            ns_log("%s gateway %s is at %02x:%02x:%02x:%02x:%02x:%02x", i->name,
                   ip4addr_ntoa(&i->gw), mac->addr[0], mac->addr[1], mac->addr[2], mac->addr[3],
                   mac->addr[4], mac->addr[5]);
        else
            ns_log("%s gateway %s does not answer ARP", i->name, ip4addr_ntoa(&i->gw));
    }
}

int main(void)
{
    static struct netstack ns;
    lwip_init();
    /* ready once /dev/net is served (loopback works from here): programs started after us
     * need not wait for the interfaces, whose socket calls queue until they are configured */
    ns.socks = ns_sock_create();
    if (ns.socks)
        vr_service_ready();
    load_config(&ns);
    wait_leases(&ns);
    resolve_gateways(&ns);
    publish_all(&ns);
    if (!ns.socks)
        vr_service_ready();
    for (;;)
        ns_step(&ns, VK_DEADLINE_NEVER);
}
