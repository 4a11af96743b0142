/*
 * ifconfig [-a] [INTERFACE]: the network interfaces as net-tools' ifconfig shows them, read
 * from what the netstack publishes: /proc/net/if_inet (name, MAC, IPv4 address/prefix, IPv6
 * link-local address, flags, MTU; os/netstack/netstack.c has the format) and /proc/net/dev
 * (Linux's counters). Without arguments the interfaces that are up, with -a all of them, with
 * a name that one (up or not); in name order, as net-tools lists them. Read-only: no
 * configuration is changed (addresses come from /etc/net.toml).
 * Exit 0; 1 when the netstack published nothing or the interface does not exist (net-tools'
 * "NAME: error fetching interface information: Device not found").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define IF_MAX 16
#define TEXT_MAX 8192

enum {
    IFF_UP = 0x1,
    IFF_BROADCAST = 0x2,
    IFF_LOOPBACK = 0x8,
    IFF_RUNNING = 0x40,
    IFF_MULTICAST = 0x1000
};

struct iface {
    char name[16], mac[18], inet[40], inet6[48], flagnames[64];
    unsigned flags, mtu;
    unsigned long long rx[8], tx[8]; /* /proc/net/dev's columns */
};

static size_t slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        util_die(1, "%s: %s (is the netstack running?)", path, strerror(errno));
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = 0;
    return n;
}

static unsigned flag_bits(const char *names)
{
    static const struct {
        const char *name;
        unsigned bit;
    } t[] = {{"UP", IFF_UP},
             {"BROADCAST", IFF_BROADCAST},
             {"LOOPBACK", IFF_LOOPBACK},
             {"RUNNING", IFF_RUNNING},
             {"MULTICAST", IFF_MULTICAST}};
    unsigned bits = 0;
    char copy[64];
    snprintf(copy, sizeof copy, "%s", names);
    for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
            if (!strcmp(w, t[i].name))
                bits |= t[i].bit;
    return bits;
}

static int read_ifaces(struct iface *ifs)
{
    static char text[TEXT_MAX];
    int n = 0;
    slurp("/proc/net/if_inet", text, sizeof text);
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < IF_MAX;
         l = strtok_r(NULL, "\n", &save)) {
        struct iface *i = &ifs[n];
        memset(i, 0, sizeof *i);
        char *w[6], *save2 = NULL;
        int nw = 0;
        for (char *t = strtok_r(l, " ", &save2); t && nw < 6; t = strtok_r(NULL, " ", &save2))
            w[nw++] = t;
        if (nw != 6)
            continue;
        snprintf(i->name, sizeof i->name, "%s", w[0]);
        snprintf(i->mac, sizeof i->mac, "%s", w[1]);
        snprintf(i->inet, sizeof i->inet, "%s", w[2]);
        snprintf(i->inet6, sizeof i->inet6, "%s", w[3]);
        snprintf(i->flagnames, sizeof i->flagnames, "%s", w[4]);
        i->mtu = (unsigned)strtoul(w[5], NULL, 10);
        if (!strcmp(i->flagnames, "DOWN"))
            i->flagnames[0] = 0;
        else if (!strncmp(i->flagnames, "DOWN,", 5))
            memmove(i->flagnames, i->flagnames + 5, strlen(i->flagnames + 5) + 1);
        i->flags = flag_bits(i->flagnames);
        n++;
    }
    slurp("/proc/net/dev", text, sizeof text);
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(l, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *name = l + strspn(l, " ");
        for (int k = 0; k < n; k++) {
            if (strcmp(ifs[k].name, name))
                continue;
            char *p = colon + 1;
            for (int c = 0; c < 16; c++)
                (c < 8 ? ifs[k].rx : ifs[k].tx)[c % 8] = strtoull(p, &p, 10);
        }
    }
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct iface *)a)->name, ((const struct iface *)b)->name);
}

/* net-tools' "(1.2 KB)": decimal units, one decimal. */
static void scaled(char *buf, size_t len, unsigned long long bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, units[u]);
}

static unsigned long parse_ip4(const char *s)
{
    unsigned long v = 0;
    for (int k = 0; k < 4; k++) {
        char *end;
        v = v << 8 | (strtoul(s, &end, 10) & 255);
        s = *end == '.' ? end + 1 : end;
    }
    return v;
}

static const char *ip4_str(char *buf, size_t len, unsigned long v)
{
    snprintf(buf, len, "%lu.%lu.%lu.%lu", v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255);
    return buf;
}

static void show(const struct iface *i)
{
    char b1[32], b2[32];
    printf("%s: flags=%u<%s>  mtu %u\n", i->name, i->flags, i->flagnames, i->mtu);
    if (strcmp(i->inet, "-")) {
        char addr[40];
        snprintf(addr, sizeof addr, "%s", i->inet);
        char *slash = strchr(addr, '/');
        unsigned prefix = slash ? (unsigned)strtoul(slash + 1, NULL, 10) : 32;
        if (slash)
            *slash = 0;
        unsigned long a = parse_ip4(addr);
        unsigned long mask = prefix ? (0xfffffffful << (32 - prefix)) & 0xfffffffful : 0;
        printf("        inet %s  netmask %s", addr, ip4_str(b1, sizeof b1, mask));
        if (i->flags & IFF_BROADCAST)
            printf("  broadcast %s", ip4_str(b2, sizeof b2, (a | ~mask) & 0xfffffffful));
        printf("\n");
    }
    if (strcmp(i->inet6, "-")) {
        int link = !strncmp(i->inet6, "fe80:", 5);
        printf("        inet6 %s  prefixlen %u  scopeid %s\n", i->inet6, link ? 64u : 128u,
               link ? "0x20<link>" : "0x10<host>");
    }
    if (i->flags & IFF_LOOPBACK)
        printf("        loop  txqueuelen 1000  (Local Loopback)\n");
    else
        printf("        ether %s  txqueuelen 1000  (Ethernet)\n", i->mac);
    scaled(b1, sizeof b1, i->rx[0]);
    printf("        RX packets %llu  bytes %llu (%s)\n", i->rx[1], i->rx[0], b1);
    printf("        RX errors %llu  dropped %llu  overruns %llu  frame %llu\n", i->rx[2], i->rx[3],
           i->rx[4], i->rx[5]);
    scaled(b2, sizeof b2, i->tx[0]);
    printf("        TX packets %llu  bytes %llu (%s)\n", i->tx[1], i->tx[0], b2);
    printf("        TX errors %llu  dropped %llu overruns %llu  carrier %llu  collisions %llu\n",
           i->tx[2], i->tx[3], i->tx[4], i->tx[6], i->tx[5]);
    printf("\n");
}

int main(int argc, char **argv)
{
    static struct iface ifs[IF_MAX];
    int all = 0, c;
    util_init(argv);
    while ((c = getopt(argc, argv, "a")) != -1) {
        if (c == 'a')
            all = 1;
        else
            util_usage(1, "[-a] [INTERFACE]");
    }
    if (argc - optind > 1)
        util_usage(1, "[-a] [INTERFACE]");
    int n = read_ifaces(ifs);
    qsort(ifs, (size_t)n, sizeof ifs[0], by_name);
    if (optind < argc) {
        for (int k = 0; k < n; k++)
            if (!strcmp(ifs[k].name, argv[optind])) {
                show(&ifs[k]);
                return fflush(stdout) ? 1 : 0;
            }
        fprintf(stderr, "%s: error fetching interface information: Device not found\n",
                argv[optind]);
        return 1;
    }
    for (int k = 0; k < n; k++)
        if (all || (ifs[k].flags & IFF_UP))
            show(&ifs[k]);
    return fflush(stdout) ? 1 : 0;
}
