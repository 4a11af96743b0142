/*
 * os/netstack: the network stack service (issue 17, item 3), first stage: lwIP (NO_SYS, raw
 * API) in one single-threaded server, its interfaces from /etc/net.toml: the loopback
 * interface (lwIP's, 127.0.0.1 and ::1) and each [[interface]] whose device node opens.
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
 * it), its MAC read (NETDEV_OP_INFO), the interface added and brought up (an IPv6 link-local
 * address too), and the gateway asked for by ARP; the server logs each interface ("netstack:
 * en0 10.0.2.15/24 mac 52:54:00:12:34:56" and "netstack: en0 gateway 10.0.2.2 is at ...").
 * Readiness goes to init before all that, as soon as /dev/net is served (without sockets:
 * after it). Then it runs lwIP: frames from the device (one read at a time, bounded by lwIP's
 * next timer) in, lwIP's timers, frames out. lwIP answers ARP, ICMP echo and ND on its own.
 *
 * Sockets: sock.c serves them on /dev/net (veridian/net_proto.h); the loop below serves its
 * endpoint between device reads and lwIP's timers.
 * Not there yet (the next stages of the issue): /proc/net/dev, several devices at once (each read
 * waits on one device), frames through shared memory instead of one copy per message.
 * Never: trust a frame (lwIP checks every length and checksum); exit on a bad configuration
 * line (that interface is skipped).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
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
#include "veridian/netdev.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "vl_toml.h"

#define NS_CONFIG "/etc/net.toml"
#define NS_MAX_IFS 4
#define NS_OPEN_TRIES 100
#define NS_READ_MAX_NS 1000000000ull /* one read waits at most 1 s */
#define NS_GW_WAIT_NS 1000000000ull
#define NS_DHCP_WAIT_NS 10000000000ull /* lwIP's client: its first DISCOVER, then retries */
#define NS_SOCK_SLICE_NS 1000000ull    /* with a device: socket requests wait at most 1 ms */

struct ns_if {
    struct netif nif;
    char name[8];
    uint32_t dev; /* the device's handle */
    uint8_t mac[6];
    ip4_addr_t addr, mask, gw;
    int has_gw, dhcp;
    uint64_t tx_errors;
};

struct netstack {
    struct ns_if ifs[NS_MAX_IFS];
    unsigned nifs;
    struct ns_sockets *socks; /* sock.c: the socket server, NULL without one */
};

static void ns_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ns_log(const char *fmt, ...)
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

/* ---- the device ---- */

static long dev_call(uint32_t h, struct vk_call *c, uint64_t timeout_ns, uint64_t *out)
{
    long rc = vk_call(h, c, (uint64_t)vk_clock_get() + timeout_ns);
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

static err_t if_output(struct netif *nif, struct pbuf *p)
{
    struct ns_if *i = nif->state;
    uint8_t frame[NETDEV_MAX_FRAME];
    u16_t n = pbuf_copy_partial(p, frame, sizeof frame, 0);
    if (n != p->tot_len)
        return ERR_BUF;
    if (n < 60) { /* the Ethernet minimum, zero-padded */
        memset(frame + n, 0, 60 - n);
        n = 60;
    }
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_WRITE;
    c.send_buf = (uint64_t)(uintptr_t)frame;
    c.send_len = n;
    if (dev_call(i->dev, &c, NS_READ_MAX_NS, NULL)) {
        i->tx_errors++;
        return ERR_IF;
    }
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

/* One frame from the interface's device into lwIP, waiting at most timeout_ns: 1 or 0. */
static int if_input(struct ns_if *i, uint64_t timeout_ns)
{
    static uint8_t frame[NETDEV_MAX_FRAME];
    uint64_t out[VK_MSG_DATA_WORDS];
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_READ;
    c.msg.data[0] = sizeof frame;
    c.recv_buf = (uint64_t)(uintptr_t)frame;
    c.recv_len = sizeof frame;
    long rc = dev_call(i->dev, &c, timeout_ns, out);
    if (rc == -VK_EAGAIN) { /* the driver's reader slots still hold timed-out reads */
        sleep_ms(1);
        return 0;
    }
    if (rc || out[0] > sizeof frame)
        return 0;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)out[0], PBUF_POOL);
    if (!p)
        return 0;
    pbuf_take(p, frame, (u16_t)out[0]);
    if (i->nif.input(p, &i->nif) != ERR_OK)
        pbuf_free(p);
    return 1;
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
    if (get_str(t, "name", &name) || strlen(name) != 3 || get_str(t, "device", &device) ||
        get_str(t, "address", &address) ||
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
    long rc = dev_open(device, &i->dev);
    if (rc) {
        ns_log("%s: cannot open %s: %s", name, device, strerror((int)-rc));
        return;
    }
    uint64_t info[VK_MSG_DATA_WORDS];
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = NETDEV_OP_INFO;
    if ((rc = dev_call(i->dev, &c, NS_READ_MAX_NS, info))) {
        ns_log("%s: %s does not answer NETDEV_OP_INFO: %s", name, device, strerror((int)-rc));
        return;
    }
    for (int b = 0; b < 6; b++)
        i->mac[b] = (uint8_t)(info[0] >> (8 * b));
    if (!netif_add(&i->nif, &i->addr, &i->mask, i->has_gw ? &i->gw : IP4_ADDR_ANY4, i, if_init,
                   ethernet_input)) {
        ns_log("%s: lwIP refused the interface", name);
        return;
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
    ns->nifs++;
    ns_log("%s %s mac %02x:%02x:%02x:%02x:%02x:%02x link %s", name, address, i->mac[0], i->mac[1],
           i->mac[2], i->mac[3], i->mac[4], i->mac[5], info[1] ? "up" : "down");
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

/* ---- running ---- */

static void run_for(struct netstack *ns, uint64_t ns_time)
{
    uint64_t end = (uint64_t)vk_clock_get() + ns_time;
    while ((uint64_t)vk_clock_get() < end) {
        uint64_t wait = (uint64_t)sys_timeouts_sleeptime() * 1000000ull;
        uint64_t left = end - (uint64_t)vk_clock_get();
        if (wait > left)
            wait = left;
        if (wait > NS_READ_MAX_NS)
            wait = NS_READ_MAX_NS;
        /* sockets: serve what is queued; wake up for their next timeout */
        ns_sock_serve(ns->socks);
        uint64_t now = (uint64_t)vk_clock_get(), sd = ns_sock_deadline(ns->socks);
        if (sd != VK_DEADLINE_NEVER)
            wait = sd <= now ? 0 : sd - now < wait ? sd - now : wait;
        if (ns->nifs) {
            /* the device is read synchronously: wait on it in slices, so that socket requests
             * are served between them */
            if (ns->socks && wait > NS_SOCK_SLICE_NS)
                wait = NS_SOCK_SLICE_NS;
            if_input(&ns->ifs[0], wait ? wait : 1000000ull);
        } else if (ns->socks) {
            struct vk_wait w;
            ns_sock_wait_item(ns->socks, &w);
            if (wait)
                vk_wait_many(&w, 1, now + wait);
        } else {
            sleep_ms((long)(wait / 1000000ull) + 1);
        }
        sys_check_timeouts();
        ns_sock_serve(ns->socks);
    }
}

/* DHCP interfaces: wait (bounded) for a lease; its router becomes the gateway. */
static void wait_leases(struct netstack *ns)
{
    for (unsigned k = 0; k < ns->nifs; k++) {
        struct ns_if *i = &ns->ifs[k];
        if (!i->dhcp)
            continue;
        uint64_t end = (uint64_t)vk_clock_get() + NS_DHCP_WAIT_NS;
        while (!dhcp_supplied_address(&i->nif) && (uint64_t)vk_clock_get() < end)
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
        uint64_t end = (uint64_t)vk_clock_get() + NS_GW_WAIT_NS;
        while (etharp_find_addr(&i->nif, &i->gw, &mac, &ip) < 0 && (uint64_t)vk_clock_get() < end)
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
    if (!ns.socks)
        vr_service_ready();
    for (;;)
        run_for(&ns, NS_READ_MAX_NS);
}
