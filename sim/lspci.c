/*
 * `vrsim lspci [--machine FILE|NAME] [-n|-nn] [-v] [-x|-xxx|-xxxx] [-i IDS]`: the functions of a
 * machine's PCI bus in the words of Debian's lspci (pciutils 3.x): the same one-line listing,
 * the same -v details for what our models have (flags, BARs, expansion ROM, capabilities), and
 * the same hex dump, byte for byte, so that the real `lspci -F DUMP` reads a dump back and
 * lists the same devices (tests/integration/core/lspci.sh holds the two against each other).
 *
 * The machine is built as `vrsim run` builds it (sim/core/pcibus: models, firmware BAR
 * placement) and then read only through ECAM, as a driver would. Names come from libpci's
 * pci.ids (sim/lspci_names.c); without it numbers are printed, never an error. A bad machine
 * file is refused exactly as `vrsim run --machine` refuses it (file:line:col, exit status 2).
 * What a live lspci learns from the host OS rather than from configuration space (kernel
 * drivers, NUMA nodes, IOMMU groups) does not exist here; BAR sizes are known (the model says
 * them) and are printed like a live lspci does.
 */
#include "sim/lspci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/pcibus.h"

struct lspci_opts {
    const char *machine;
    const char *ids;
    int numeric; /* -n count */
    int verbose; /* -v count (1 supported) */
    int hex;     /* -x count */
};

struct lspci_fn {
    uint8_t devfn;
    uint8_t cfg[PCI_CONFIG_SPACE_SIZE];
    uint64_t bar_size[PCI_NUM_BARS];
};

static uint16_t rd16(const uint8_t *c, unsigned off)
{
    return (uint16_t)(c[off] | c[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *c, unsigned off)
{
    return (uint32_t)rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;
}

static char flag(unsigned v, unsigned bit)
{
    return (v & bit) ? '+' : '-';
}

/* Read a function's configuration space through ECAM, dword by dword, as a driver would. */
static void snapshot(struct vs_pcibus *b, struct pci_device *dev, struct lspci_fn *f)
{
    f->devfn = dev->devfn;
    for (unsigned off = 0; off < PCI_CONFIG_SPACE_SIZE; off += 4) {
        uint64_t v = ~0ull;
        pci_host_mmio_read(
            &b->host, b->host.ecam_base + PCI_ECAM_OFFSET(0, dev->devfn >> 3, dev->devfn & 7, off),
            4, &v);
        for (unsigned i = 0; i < 4; i++)
            f->cfg[off + i] = (uint8_t)(v >> (8 * i));
    }
    for (int i = 0; i < PCI_NUM_BARS; i++)
        f->bar_size[i] = dev->bars[i].size;
}

static void show_slot(const struct lspci_fn *f)
{
    printf("%02x:%02x.%d", 0, f->devfn >> 3, f->devfn & 7);
}

static void show_terse(struct vs_pci_names *n, const struct lspci_fn *f, int verbose)
{
    char cbuf[256], dbuf[256];
    const uint8_t *c = f->cfg;
    unsigned cls = rd16(c, PCI_CLASS_DEVICE);
    show_slot(f);
    printf(
        " %s: %s", vs_pci_names_class(n, cbuf, sizeof cbuf, cls),
        vs_pci_names_device(n, dbuf, sizeof dbuf, rd16(c, PCI_VENDOR_ID), rd16(c, PCI_DEVICE_ID)));
    if (c[PCI_REVISION_ID])
        printf(" (rev %02x)", c[PCI_REVISION_ID]);
    if (verbose) {
        unsigned pi = c[PCI_CLASS_PROG];
        const char *x = vs_pci_names_progif(n, dbuf, sizeof dbuf, cls, pi);
        if (pi || x) {
            printf(" (prog-if %02x", pi);
            if (x)
                printf(" [%s]", x);
            putchar(')');
        }
    }
    putchar('\n');
    if (verbose && (c[PCI_HEADER_TYPE] & 0x7f) == 0) {
        unsigned sv = rd16(c, PCI_SUBSYSTEM_VENDOR_ID), sd = rd16(c, PCI_SUBSYSTEM_ID);
        if (sv && sv != 0xffff)
            printf("\tSubsystem: %s\n",
                   vs_pci_names_subsystem(n, dbuf, sizeof dbuf, rd16(c, PCI_VENDOR_ID),
                                          rd16(c, PCI_DEVICE_ID), sv, sd));
    }
}

static void show_size(uint64_t x)
{
    static const char *const suffix[] = {"", "K", "M", "G", "T"};
    unsigned i = 0;
    if (!x)
        return;
    while (i < 4 && x >= 1024) {
        x /= 1024;
        i++;
    }
    printf(" [size=%u%s]", (unsigned)x, suffix[i]);
}

static void show_bases(const struct lspci_fn *f)
{
    const uint8_t *c = f->cfg;
    unsigned cmd = rd16(c, PCI_COMMAND);
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        uint32_t flg = rd32(c, PCI_BASE_ADDRESS_0 + 4u * (unsigned)i);
        uint64_t size = f->bar_size[i];
        if (flg == 0xffffffffu)
            flg = 0;
        if (!flg && !size)
            continue;
        putchar('\t');
        if (flg & PCI_BASE_ADDRESS_SPACE_IO) {
            uint32_t a = flg & ~3u;
            printf("I/O ports at ");
            if (a || (cmd & PCI_COMMAND_IO))
                printf("%04x", a);
            else
                printf("<unassigned>");
            if (!(cmd & PCI_COMMAND_IO))
                printf(" [disabled]");
        } else {
            unsigned t = flg & 0x6u;
            uint64_t a = flg & ~0xfull;
            int bad = 0;
            uint32_t hi = 0;
            printf("Memory at ");
            if (t == PCI_BASE_ADDRESS_MEM_TYPE_64) {
                if (i == PCI_NUM_BARS - 1) {
                    printf("<invalid-64bit-slot>");
                    bad = 1;
                } else {
                    hi = rd32(c, PCI_BASE_ADDRESS_0 + 4u * (unsigned)++i);
                    a |= (uint64_t)hi << 32;
                }
            }
            if (!bad) {
                if (a)
                    printf("%08llx", (unsigned long long)a);
                else
                    printf("<unassigned>");
            }
            printf(" (%s, %sprefetchable)",
                   t == 0   ? "32-bit"
                   : t == 4 ? "64-bit"
                   : t == 2 ? "low-1M"
                            : "type 3",
                   (flg & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "" : "non-");
            if (!(cmd & PCI_COMMAND_MEMORY))
                printf(" [disabled]");
        }
        show_size(size);
        putchar('\n');
    }
    uint32_t rom = rd32(c, PCI_ROM_ADDRESS);
    if (rom && rom != 0xffffffffu) {
        printf("\tExpansion ROM at ");
        if (rom & ~0x7ffu)
            printf("%08x", rom & ~0x7ffu);
        else
            printf("<unassigned>");
        if (!(rom & 1))
            printf(" [disabled]");
        else if (!(cmd & PCI_COMMAND_MEMORY))
            printf(" [disabled by cmd]");
        putchar('\n');
    }
}

static const char *express_type(unsigned type)
{
    static const char *const names[] = {
        [0x0] = "Endpoint",
        [0x1] = "Legacy Endpoint",
        [0x4] = "Root Port",
        [0x5] = "Upstream Port",
        [0x6] = "Downstream Port",
        [0x7] = "PCI-Express to PCI/PCI-X Bridge",
        [0x8] = "PCI/PCI-X to PCI-Express Bridge",
        [0x9] = "Root Complex Integrated Endpoint",
        [0xa] = "Root Complex Event Collector",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

static void show_vendor_cap(const struct lspci_fn *f, unsigned where, unsigned cap)
{
    const uint8_t *c = f->cfg;
    unsigned len = cap & 0xff, type = cap >> 8;
    unsigned vendor = rd16(c, PCI_VENDOR_ID), device = rd16(c, PCI_DEVICE_ID);
    printf("Vendor Specific Information: ");
    if (vendor == 0x1af4 && device >= 0x1000 && device <= 0x107f && len >= 16 &&
        where + len <= PCI_STD_CONFIG_SIZE) {
        static const char *const names[] = {"<unknown>", "CommonCfg", "Notify", "ISR", "DeviceCfg"};
        printf("VirtIO: %s\n", type < 5 ? names[type] : names[0]);
        return;
    }
    printf("Len=%02x <?>\n", len);
}

static void show_ext_caps(const struct lspci_fn *f)
{
    const uint8_t *c = f->cfg;
    uint8_t seen[PCI_CONFIG_SPACE_SIZE / 4] = {0};
    unsigned where = PCI_EXT_CAP_FIRST;
    do {
        uint32_t h = rd32(c, where);
        if (!h || h == 0xffffffffu)
            break;
        printf("\tCapabilities: [%03x] ", where);
        if (seen[where / 4]++) {
            printf("<chain looped>\n");
            break;
        }
        unsigned id = h & 0xffff;
        switch (id) {
        case 0x0001:
            printf("Advanced Error Reporting\n");
            break;
        case 0x000b:
            printf("Vendor Specific Information: ID=%04x Rev=%u Len=%03x <?>\n",
                   rd32(c, where + 4) & 0xffff, (rd32(c, where + 4) >> 16) & 0xf,
                   rd32(c, where + 4) >> 20);
            break;
        default:
            printf("Extended Capability ID %#02x\n", id);
            break;
        }
        where = (h >> 20) & ~3u;
    } while (where >= PCI_EXT_CAP_FIRST && where < PCI_CONFIG_SPACE_SIZE);
}

static void show_caps(const struct lspci_fn *f)
{
    const uint8_t *c = f->cfg;
    uint8_t seen[PCI_STD_CONFIG_SIZE] = {0};
    int express = 0;
    if (!(rd16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return;
    unsigned where = c[PCI_CAPABILITY_LIST] & ~3u;
    while (where) {
        printf("\tCapabilities: [%02x] ", where);
        if (where + 4 > PCI_STD_CONFIG_SIZE) {
            printf("<access denied>\n");
            break;
        }
        if (seen[where]++) {
            printf("<chain looped>\n");
            break;
        }
        unsigned id = c[where], next = c[where + 1] & ~3u, cap = rd16(c, where + 2);
        switch (id) {
        case 0x00:
            printf("Null\n");
            break;
        case 0x01:
            printf("Power Management version %d\n", cap & 7);
            break;
        case PCI_CAP_ID_MSI:
            printf("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
                   flag(cap, PCI_MSI_FLAGS_ENABLE), 1 << ((cap & PCI_MSI_FLAGS_QSIZE) >> 4),
                   1 << ((cap & PCI_MSI_FLAGS_QMASK) >> 1), flag(cap, PCI_MSI_FLAGS_MASKBIT),
                   flag(cap, PCI_MSI_FLAGS_64BIT));
            break;
        case 0x09:
            show_vendor_cap(f, where, cap);
            break;
        case PCI_CAP_ID_EXP: {
            unsigned type = (cap >> 4) & 0xf;
            const char *t = express_type(type);
            if (!t)
                printf("Express Unknown type %u", type);
            else if (type == 0x4 || type == 0x6) /* ports say whether they have a slot */
                printf("Express %s (Slot%c)", t, flag(cap, 0x0100));
            else
                printf("Express %s", t);
            printf(", MSI %02x\n", (cap >> 9) & 0x1f);
            express = 1;
            break;
        }
        case PCI_CAP_ID_MSIX:
            printf("MSI-X: Enable%c Count=%d Masked%c\n", flag(cap, PCI_MSIX_FLAGS_ENABLE),
                   (cap & PCI_MSIX_FLAGS_QSIZE) + 1, flag(cap, PCI_MSIX_FLAGS_MASKALL));
            break;
        case 0xff:
            printf("<chain broken>\n");
            return;
        default:
            printf("Capability ID %#02x [%04x]\n", id, cap);
            break;
        }
        where = next;
    }
    if (express)
        show_ext_caps(f);
}

static void show_verbose(struct vs_pci_names *n, const struct lspci_fn *f)
{
    const uint8_t *c = f->cfg;
    unsigned status = rd16(c, PCI_STATUS), cmd = rd16(c, PCI_COMMAND);
    unsigned htype = c[PCI_HEADER_TYPE] & 0x7f, bist = c[0x0f], irq = c[PCI_INTERRUPT_LINE];
    show_terse(n, f, 1);
    if (htype != 0) { /* our models are all type 0 functions */
        printf("\t!!! Unknown header type %02x\n", htype);
        return;
    }
    if (rd16(c, PCI_CLASS_DEVICE) == 0x0604)
        printf("\t!!! Invalid class %04x for header type %02x\n", 0x0604, htype);
    printf("\tFlags: ");
    if (cmd & PCI_COMMAND_MASTER)
        printf("bus master, ");
    if (cmd & 0x0020)
        printf("VGA palette snoop, ");
    if (cmd & 0x0080)
        printf("stepping, ");
    if (cmd & 0x0200)
        printf("fast Back2Back, ");
    if (status & 0x0020)
        printf("66MHz, ");
    if (status & 0x0040)
        printf("user-definable features, ");
    unsigned devsel = status & 0x0600;
    printf("%s devsel", devsel == 0       ? "fast"
                        : devsel == 0x200 ? "medium"
                        : devsel == 0x400 ? "slow"
                                          : "??");
    if (cmd & PCI_COMMAND_MASTER)
        printf(", latency %d", c[0x0d]);
    if (irq)
        printf(", IRQ %u", irq);
    putchar('\n');
    if (bist & 0x80) {
        if (bist & 0x40)
            printf("\tBIST is running\n");
        else
            printf("\tBIST result: %02x\n", bist & 0x0f);
    }
    show_bases(f);
    show_caps(f);
}

static void show_hex(const struct lspci_fn *f, int hex)
{
    unsigned cnt = hex >= 4 ? PCI_CONFIG_SPACE_SIZE : hex >= 3 ? PCI_STD_CONFIG_SIZE : 64;
    for (unsigned i = 0; i < cnt; i++) {
        if (!(i & 15))
            printf("%02x:", i);
        printf(" %02x", f->cfg[i]);
        if ((i & 15) == 15)
            putchar('\n');
    }
}

static const char lspci_usage[] =
    "usage: vrsim lspci [--machine FILE|NAME] [-n|-nn] [-v] [-x|-xxx|-xxxx] [-i IDS]\n"
    "List the PCI functions of a machine (default: the build's default machine) like lspci:\n"
    "  -n     numeric IDs (-nn: names and numbers)\n"
    "  -v     details: flags, BARs, capabilities\n"
    "  -x     hex dump of the standard header (64 bytes; -xxx 256, -xxxx 4096), readable by\n"
    "         the real `lspci -F FILE`\n"
    "  -i IDS the PCI ID database (default: libpci's pci.ids)\n";

static int parse_opts(int argc, char **argv, struct lspci_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--machine") || !strcmp(a, "-i")) && i + 1 < argc) {
            if (a[1] == 'i')
                o->ids = argv[++i];
            else
                o->machine = argv[++i];
            continue;
        }
        if (!strncmp(a, "--machine=", 10)) {
            o->machine = a + 10;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(lspci_usage, stdout);
            return 1;
        }
        if (a[0] != '-' || !a[1] || a[1] == '-')
            goto bad;
        for (const char *p = a + 1; *p; p++) {
            if (*p == 'n')
                o->numeric++;
            else if (*p == 'v')
                o->verbose++;
            else if (*p == 'x')
                o->hex++;
            else
                goto bad;
        }
    }
    if (o->verbose > 1) {
        fprintf(stderr, "vrsim lspci: -vv is not supported: use -v, or the real lspci -vv -F on "
                        "a `vrsim lspci -xxx` dump\n");
        return -1;
    }
    return 0;
bad:
    fputs(lspci_usage, stderr);
    return -1;
}

int vs_lspci_main(int argc, char **argv, vs_lspci_load_fn load)
{
    struct lspci_opts o = {0};
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;

    int status = 1;
    char err[512];
    struct vs_machine_desc *d = malloc(sizeof *d);
    struct vs_pcibus *b = calloc(1, sizeof *b);
    struct lspci_fn *f = malloc(sizeof *f);
    struct vs_pci_names *n = NULL;
    if (!d || !b || !f)
        goto out;
    if (load(o.machine, d)) {
        status = 2;
        goto out;
    }
    if (vs_pcibus_build(b, d, NULL, NULL, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err);
        status = 2;
        goto out_bus;
    }
    if (!(n = vs_pci_names_open(o.numeric, o.ids)))
        goto out_bus;
    for (unsigned k = 0; k < b->host.nattached; k++) {
        snapshot(b, b->host.attached[k], f);
        if (o.verbose)
            show_verbose(n, f);
        else
            show_terse(n, f, 0);
        if (o.hex)
            show_hex(f, o.hex);
        if (o.verbose || o.hex)
            putchar('\n');
    }
    status = fflush(stdout) ? 1 : 0;
    vs_pci_names_close(n);
out_bus:
    vs_pcibus_fini(b);
out:
    free(f);
    free(b);
    free(d);
    return status;
}
