/*
 * A machine's PCI bus (contract: pcibus.h). The build runs in the order a PC does it: the host
 * bridge, every model realized and plugged into its slot, then the firmware pass, which knows
 * the devices only through configuration space (BAR sizing protocol, command register,
 * interrupt line), exactly what SeaBIOS would see. Any failure unwinds everything built so far.
 */
#include "sim/core/pcibus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw-models/edu/edu.h"
#include "hw-models/virtio/virtio_blk.h"
#include "hw-models/virtio/virtio_console.h"
#include "hw-models/virtio/virtio_net.h"
#include "hw-models/virtio/virtio_rng.h"
#include "prng/vl_prng.h"
#include "sim/backends/blkimage.h"
#include "sim/backends/netwire.h"
#include "sim/backends/vconsole.h"
#include "veridian/errors.h"

/* ---- the model table ---- */

static int edu_model_init(void *state, const struct vs_mach_pci *entry, struct pci_device **dev,
                          char *err, size_t errlen)
{
    struct edu *e = state;
    /* machfile declares dma_mask (props[0]); our edu's mask is QEMU's fixed 28 bits, so any
     * other value would be silently ignored: refuse it instead. */
    if (entry->props[0].num != EDU_DMA_MASK) {
        snprintf(err, errlen,
                 "edu property 'dma_mask' = %#llx is not supported: the model's DMA mask is "
                 "fixed at %#llx (28 bits, as QEMU's edu)",
                 (unsigned long long)entry->props[0].num, (unsigned long long)EDU_DMA_MASK);
        return -VK_ENOTSUP;
    }
    int rc = edu_init(e);
    if (rc < 0) {
        snprintf(err, errlen, "edu: the model failed to realize (%d)", rc);
        return rc;
    }
    *dev = &e->pci;
    return 0;
}

static void edu_model_advance(void *state, uint64_t now)
{
    edu_advance(state, now);
}

static uint64_t edu_model_next_event(const void *state)
{
    uint64_t t = edu_next_event(state);
    return t == EDU_NO_EVENT ? VS_PCI_NO_EVENT : t;
}

/* virtio-rng: realized with seed 0; vs_pcibus_seed gives it the run's stream before use. */
static int rng_model_init(void *state, const struct vs_mach_pci *entry, struct pci_device **dev,
                          char *err, size_t errlen)
{
    struct virtio_rng *r = state;
    (void)entry; /* no properties */
    int rc = virtio_rng_init(r, 0);
    if (rc < 0) {
        snprintf(err, errlen, "virtio-rng: the model failed to realize (%d)", rc);
        return rc;
    }
    *dev = &r->vp.pci;
    return 0;
}

static void rng_model_seed(void *state, uint64_t seed)
{
    struct virtio_rng *r = state;
    r->seed = seed; /* before any request: the stream starts here */
    vl_prng_seed(&r->prng, seed);
    r->ncarry = 0;
}

static void rng_model_advance(void *state, uint64_t now)
{
    virtio_rng_advance(state, now);
}

static uint64_t rng_model_next_event(const void *state)
{
    uint64_t t = virtio_rng_next_event(state);
    return t == VIRTIO_NO_EVENT ? VS_PCI_NO_EVENT : t;
}

/* virtio-blk: the model over its image (sim/backends/blkimage), opened here, when the machine
 * is built: a missing or bad image refuses the machine before anything boots. Properties in
 * machfile.c's order: image, readonly, persist, latency_ns, block_size, serial. */
struct blk_model {
    struct virtio_blk blk;
    struct blkimage im;
    struct virtio_blk_backend_ops be;
};

static int blk_model_init(void *state, const struct vs_mach_pci *entry, struct pci_device **dev,
                          char *err, size_t errlen)
{
    struct blk_model *s = state;
    const struct vs_mach_prop *p = entry->props;
    struct virtio_blk_config_desc desc = {.latency_ns = p[3].num, .blk_size = (uint32_t)p[4].num};
    if (p[4].num != 512 && p[4].num != 4096) {
        snprintf(err, errlen, "virtio-blk property 'block_size' must be 512 or 4096, not %llu",
                 (unsigned long long)p[4].num);
        return -VK_EINVAL;
    }
    if (strlen(p[5].str) > VIRTIO_BLK_ID_BYTES) {
        snprintf(err, errlen, "virtio-blk property 'serial' is longer than %d bytes: '%s'",
                 VIRTIO_BLK_ID_BYTES, p[5].str);
        return -VK_EINVAL;
    }
    memcpy(desc.serial, p[5].str, strlen(p[5].str));
    if (desc.latency_ns == 0)
        desc.latency_ns = 1; /* 0 would mean the model's default: keep the file's meaning */
    struct blkimage_config cfg = {.path = p[0].str, .readonly = p[1].num, .persist = p[2].num};
    int rc = blkimage_open(&s->im, &cfg);
    if (rc < 0) {
        snprintf(err, errlen, "virtio-blk image: %s", s->im.error);
        return rc;
    }
    blkimage_backend(&s->im, &s->be);
    if ((rc = virtio_blk_init(&s->blk, &desc, &s->be, &s->im)) < 0) {
        snprintf(err, errlen, "virtio-blk: the model failed to realize over '%s' (%d)", p[0].str,
                 rc);
        blkimage_close(&s->im);
        return rc;
    }
    *dev = &s->blk.vp.pci;
    return 0;
}

static void blk_model_fini(void *state)
{
    struct blk_model *s = state;
    blkimage_flush(&s->im);
    blkimage_close(&s->im);
}

static void blk_model_advance(void *state, uint64_t now)
{
    struct blk_model *s = state;
    virtio_blk_advance(&s->blk, now);
}

static uint64_t blk_model_next_event(const void *state)
{
    const struct blk_model *s = state;
    uint64_t t = virtio_blk_next_event(&s->blk);
    return t == VIRTIO_NO_EVENT ? VS_PCI_NO_EVENT : t;
}

/* virtio-console: the model and its host end (sim/backends/vconsole); properties as in
 * machfile.c: console ("null" | "file"; "stdio" is not implemented yet), output, input, size
 * ("COLSxROWS"). The input is fed after every advance, and next_event asks for one at once
 * while input waits and the model has room for it (the driver just went live, or took some). */
struct vcon_model {
    struct virtio_console con;
    struct vs_vconsole host;
};

static int vcon_parse_size(const char *s, uint16_t *cols, uint16_t *rows)
{
    unsigned long v[2];
    for (int i = 0; i < 2; i++) {
        char *end;
        if (*s < '0' || *s > '9')
            return -1;
        v[i] = strtoul(s, &end, 10);
        if (v[i] == 0 || v[i] > 0xffff || *end != (i ? '\0' : 'x'))
            return -1;
        s = end + 1;
    }
    *cols = (uint16_t)v[0];
    *rows = (uint16_t)v[1];
    return 0;
}

static int vcon_model_init(void *state, const struct vs_mach_pci *entry, struct pci_device **dev,
                           char *err, size_t errlen)
{
    struct vcon_model *m = state;
    const char *mode = entry->props[0].str, *out = entry->props[1].str, *in = entry->props[2].str;
    uint16_t cols, rows;
    int rc;
    if (vcon_parse_size(entry->props[3].str, &cols, &rows)) {
        snprintf(err, errlen,
                 "virtio-console property 'size' must be COLSxROWS (1..65535 each, like 80x25), "
                 "not '%s'",
                 entry->props[3].str);
        return -VK_EINVAL;
    }
    if (!strcmp(mode, "stdio")) {
        snprintf(err, errlen,
                 "virtio-console: console = \"stdio\" is not implemented yet "
                 "(\"file\" or \"null\")");
        return -VK_ENOTSUP;
    }
    if (!strcmp(mode, "null") && (*out || *in)) {
        snprintf(err, errlen, "virtio-console: 'output' and 'input' need console = \"file\"");
        return -VK_EINVAL;
    }
    if ((rc = vs_vconsole_open(&m->host, out, in, err, errlen)))
        return rc;
    if ((rc = virtio_console_init(&m->con, cols, rows, vs_vconsole_backend(), &m->host))) {
        snprintf(err, errlen, "virtio-console: the model failed to realize (%d)", rc);
        vs_vconsole_close(&m->host);
        return rc;
    }
    *dev = &m->con.vp.pci;
    return 0;
}

static void vcon_model_fini(void *state)
{
    struct vcon_model *m = state;
    vs_vconsole_close(&m->host);
}

static void vcon_model_advance(void *state, uint64_t now)
{
    struct vcon_model *m = state;
    virtio_console_advance(&m->con, now);
    vs_vconsole_feed(&m->host, &m->con);
}

static uint64_t vcon_model_next_event(const void *state)
{
    const struct vcon_model *m = state;
    /* at once: the feed at that advance takes at least one byte (room > 0), so this ends */
    if (vs_vconsole_pending(&m->host) && virtio_console_input_room(&m->con))
        return m->con.vp.now; /* the platform clamps it to its present */
    uint64_t t = virtio_console_next_event(&m->con);
    return t == VIRTIO_NO_EVENT ? VS_PCI_NO_EVENT : t;
}

/* virtio-net: the model and its wire (sim/backends/netwire); properties as in machfile.c:
 * wire ("none" | "loopback" | "responder"), mac, pcap, latency_ns, bad_every. The wire and the NIC
 * are advanced together, so frames and the NIC's own work happen in time order. */
struct vnet_model {
    struct virtio_net net;
    struct vs_netwire wire;
};

static int vnet_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char end;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

static int vnet_model_init(void *state, const struct vs_mach_pci *entry, struct pci_device **dev,
                           char *err, size_t errlen)
{
    struct vnet_model *m = state;
    const struct vs_mach_prop *p = entry->props;
    uint8_t mac[6];
    int rc;
    if (vnet_parse_mac(p[1].str, mac)) { /* machfile checked it: defensive only */
        snprintf(err, errlen, "virtio-net property 'mac' is not a MAC address: '%s'", p[1].str);
        return -VK_EINVAL;
    }
    if ((rc = vs_netwire_open(&m->wire, p[0].str, p[2].str, p[3].num, err, errlen)))
        return rc;
    m->wire.bad_every = p[4].num;
    if ((rc = virtio_net_init(&m->net, mac, vs_netwire_backend(), &m->wire))) {
        snprintf(err, errlen, "virtio-net: the model failed to realize (%d)", rc);
        vs_netwire_close(&m->wire);
        return rc;
    }
    *dev = &m->net.vp.pci;
    return 0;
}

static void vnet_model_fini(void *state)
{
    struct vnet_model *m = state;
    vs_netwire_close(&m->wire);
}

static void vnet_model_advance(void *state, uint64_t now)
{
    struct vnet_model *m = state;
    vs_netwire_advance(&m->wire, &m->net, now);
}

static uint64_t vnet_model_next_event(const void *state)
{
    const struct vnet_model *m = state;
    uint64_t t = virtio_net_next_event(&m->net), tw = vs_netwire_next_event(&m->wire);
    if (tw < t)
        t = tw;
    return t == VIRTIO_NO_EVENT ? VS_PCI_NO_EVENT : t;
}

const struct vs_pci_model vs_pci_models[] = {
    {.name = "edu",
     .state_size = sizeof(struct edu),
     .init = edu_model_init,
     .advance = edu_model_advance,
     .next_event = edu_model_next_event},
    {.name = "virtio-rng",
     .state_size = sizeof(struct virtio_rng),
     .init = rng_model_init,
     .advance = rng_model_advance,
     .next_event = rng_model_next_event,
     .seed = rng_model_seed},
    {.name = "virtio-blk",
     .state_size = sizeof(struct blk_model),
     .init = blk_model_init,
     .fini = blk_model_fini,
     .advance = blk_model_advance,
     .next_event = blk_model_next_event},
    {.name = "virtio-console",
     .state_size = sizeof(struct vcon_model),
     .init = vcon_model_init,
     .fini = vcon_model_fini,
     .advance = vcon_model_advance,
     .next_event = vcon_model_next_event},
    {.name = "virtio-net",
     .state_size = sizeof(struct vnet_model),
     .init = vnet_model_init,
     .fini = vnet_model_fini,
     .advance = vnet_model_advance,
     .next_event = vnet_model_next_event},
};
const size_t vs_pci_nmodels = sizeof vs_pci_models / sizeof vs_pci_models[0];

const struct vs_pci_model *vs_pci_model_find(const char *name)
{
    for (size_t i = 0; i < vs_pci_nmodels; i++)
        if (!strcmp(vs_pci_models[i].name, name))
            return &vs_pci_models[i];
    return NULL;
}

/* ---- firmware: BAR placement ---- */

struct bar_req {
    struct pci_device *dev;
    int bar;
    enum pci_bar_kind kind;
    uint64_t size;
    uint64_t addr;
};

static uint32_t cfg_read32(struct pci_device *dev, uint32_t off)
{
    uint32_t v = ~0u;
    pci_config_read(dev, off, 4, &v);
    return v;
}

/* The sizing protocol on BAR i: write all-ones, read the mask back, restore. Fills r and
 * returns how many BAR registers it spans (1 or 2), 0 when the BAR is not implemented. */
static int bar_probe(struct pci_device *dev, int i, struct bar_req *r)
{
    uint32_t reg = PCI_BASE_ADDRESS_0 + 4u * (uint32_t)i;
    uint32_t orig = cfg_read32(dev, reg);
    pci_config_write(dev, reg, 4, ~0u);
    uint32_t m = cfg_read32(dev, reg);
    pci_config_write(dev, reg, 4, orig);
    memset(r, 0, sizeof *r);
    r->dev = dev;
    r->bar = i;
    if (orig & PCI_BASE_ADDRESS_SPACE_IO) {
        m &= ~3u;
        if (!m)
            return 0;
        if (!(m & 0xffff0000u)) /* 16-bit decoders read the upper half as zero */
            m |= 0xffff0000u;
        r->kind = PCI_BAR_IO;
        r->size = (uint64_t)(uint32_t)(~m + 1u);
        return 1;
    }
    uint64_t mask = m & ~0xfull;
    int span = 1;
    if ((orig & 0x6u) == PCI_BASE_ADDRESS_MEM_TYPE_64 && i + 1 < PCI_NUM_BARS) {
        uint32_t hreg = reg + 4;
        uint32_t horig = cfg_read32(dev, hreg);
        pci_config_write(dev, hreg, 4, ~0u);
        mask |= (uint64_t)cfg_read32(dev, hreg) << 32;
        pci_config_write(dev, hreg, 4, horig);
        r->kind = PCI_BAR_MEM64;
        span = 2;
    } else {
        if (mask)
            mask |= 0xffffffff00000000ull;
        r->kind = PCI_BAR_MEM32;
    }
    if (!mask)
        return 0;
    r->size = ~mask + 1;
    if (!r->size || (r->size & (r->size - 1))) /* not a size mask: ignore the BAR */
        return 0;
    return span;
}

/* Largest first, then by slot and BAR: SeaBIOS's order, and a total one (deterministic). */
static int bar_cmp(const void *pa, const void *pb)
{
    const struct bar_req *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    if (a->dev->devfn != b->dev->devfn)
        return a->dev->devfn < b->dev->devfn ? -1 : 1;
    return a->bar < b->bar ? -1 : a->bar > b->bar;
}

uint64_t vs_pcibus_mmio64_base(uint64_t memory)
{
    uint64_t high = memory >= VS_PCI_Q35_LOWMEM_LIMIT ? memory - VS_PCI_Q35_LOWMEM : 0;
    uint64_t base = VS_PCI_MMIO64_BASE + high;
    return (base + (1ull << 30) - 1) & ~((1ull << 30) - 1);
}

/* Assign the requests of one kind (sorted, largest first) from base upwards; 0 or -ENOSPC. */
static int assign_up(struct bar_req *r, size_t n, enum pci_bar_kind kind, uint64_t base,
                     uint64_t end, uint64_t *hi)
{
    uint64_t at = base;
    for (size_t k = 0; k < n; k++) {
        if (r[k].kind != kind)
            continue;
        at = (at + r[k].size - 1) & ~(r[k].size - 1);
        if (at < base || at > end || r[k].size > end - at)
            return -VK_ENOSPC;
        r[k].addr = at;
        at += r[k].size;
    }
    *hi = at;
    return 0;
}

/* 32-bit memory: the packed block sits at the top of the window, aligned to its largest BAR. */
static int assign_top(struct bar_req *r, size_t n, uint64_t *lo)
{
    uint64_t sum = 0, align = 1;
    for (size_t k = 0; k < n; k++) {
        if (r[k].kind != PCI_BAR_MEM32)
            continue;
        if (r[k].size > VS_PCI_MMIO32_END - VS_PCI_MMIO32_BASE - sum)
            return -VK_ENOSPC;
        sum += r[k].size;
        if (r[k].size > align)
            align = r[k].size;
    }
    uint64_t base = (VS_PCI_MMIO32_END - sum) & ~(align - 1);
    if (base < VS_PCI_MMIO32_BASE)
        return -VK_ENOSPC;
    uint64_t hi;
    *lo = base;
    return assign_up(r, n, PCI_BAR_MEM32, base, VS_PCI_MMIO32_END, &hi);
}

int vs_pci_firmware(struct pci_host *host, uint64_t memory, struct vs_pci_layout *lay)
{
    struct bar_req *req = calloc((size_t)PCI_HOST_SLOTS * PCI_NUM_BARS, sizeof *req);
    size_t n = 0;
    int rc;
    memset(lay, 0, sizeof *lay);
    if (!req)
        return -VK_ENOMEM;
    for (unsigned k = 0; k < host->nattached; k++) {
        struct pci_device *dev = host->attached[k];
        for (int i = 0; dev != &host->bridge && i < PCI_NUM_BARS;) {
            int span = bar_probe(dev, i, &req[n]);
            if (span > 0)
                n++;
            i += span > 0 ? span : 1;
        }
    }
    qsort(req, n, sizeof req[0], bar_cmp);

    lay->mmio64_base = vs_pcibus_mmio64_base(memory);
    uint64_t io_hi;
    lay->failed = PCI_BAR_MEM32;
    if ((rc = assign_top(req, n, &lay->mmio32_lo)) < 0)
        goto out;
    lay->failed = PCI_BAR_MEM64;
    if ((rc = assign_up(req, n, PCI_BAR_MEM64, lay->mmio64_base, VS_PCI_MMIO64_END,
                        &lay->mmio64_hi)) < 0)
        goto out;
    lay->failed = PCI_BAR_IO;
    if ((rc = assign_up(req, n, PCI_BAR_IO, VS_PCI_IO_BASE, VS_PCI_IO_END, &io_hi)) < 0)
        goto out;
    lay->io_hi = (uint32_t)io_hi;
    lay->failed = PCI_BAR_NONE;

    for (size_t k = 0; k < n; k++) {
        uint32_t reg = PCI_BASE_ADDRESS_0 + 4u * (uint32_t)req[k].bar;
        pci_config_write(req[k].dev, reg, 4, (uint32_t)req[k].addr);
        if (req[k].kind == PCI_BAR_MEM64)
            pci_config_write(req[k].dev, reg + 4, 4, (uint32_t)(req[k].addr >> 32));
    }

    /* q35's PIRQ routing as SeaBIOS programs it: slot + pin rotate over these lines. */
    static const uint8_t q35_irqs[8] = {10, 10, 11, 11, 10, 10, 11, 11};
    for (unsigned k = 0; k < host->nattached; k++) {
        struct pci_device *dev = host->attached[k];
        uint32_t cmd = 0, pin = 0;
        if (dev == &host->bridge)
            continue;
        pci_config_read(dev, PCI_COMMAND, 2, &cmd);
        pci_config_write(dev, PCI_COMMAND, 2, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
        pci_config_read(dev, PCI_INTERRUPT_PIN, 1, &pin);
        if (pin >= 1 && pin <= 4)
            pci_config_write(dev, PCI_INTERRUPT_LINE, 1,
                             q35_irqs[(pin - 1 + (uint32_t)(dev->devfn >> 3)) & 7]);
    }
out:
    free(req);
    return rc;
}

/* ---- the bus ---- */

int vs_pcibus_build(struct vs_pcibus *b, const struct vs_machine_desc *d,
                    const struct pci_host_ops *ops, void *ctx, char *err, size_t errlen)
{
    char msg[256];
    int rc;
    memset(b, 0, sizeof *b);
    if ((rc = vs_machfile_check_implemented(d, err, errlen)) < 0)
        return rc;
    rc = pci_host_init(&b->host, ops, ctx, VS_PCI_ECAM_BASE, VS_PCI_ECAM_BUSES, VS_PCI_HOST_VENDOR,
                       VS_PCI_HOST_DEVICE);
    if (rc < 0) {
        snprintf(err, errlen, "%s: the PCI host bridge failed to initialise (%d)", d->file, rc);
        goto fail;
    }
    for (uint32_t k = 0; k < d->npci && k < VS_MACH_PCI_MAX; k++) {
        const struct vs_mach_pci *e = &d->pci[k];
        const struct vs_pci_model *m = vs_pci_model_find(e->model->name);
        struct vs_pcibus_fn *f = &b->fn[b->nfn];
        if (!m) {
            snprintf(err, errlen, "%s:%u:%u: model '%s' (slot %02x.%x) is not implemented yet",
                     d->file, e->line, e->col, e->model->name, e->dev, e->fn);
            rc = -VK_ENOSYS;
            goto fail;
        }
        if (!(f->state = calloc(1, m->state_size))) {
            snprintf(err, errlen, "%s:%u:%u: out of memory for model '%s'", d->file, e->line,
                     e->col, m->name);
            rc = -VK_ENOMEM;
            goto fail;
        }
        f->model = m;
        b->nfn++;
        msg[0] = 0;
        if ((rc = m->init(f->state, e, &f->dev, msg, sizeof msg)) < 0) {
            snprintf(err, errlen, "%s:%u:%u: %s", d->file, e->line, e->col, msg);
            f->dev = NULL; /* not realized: fini only frees the state */
            goto fail;
        }
        if ((rc = pci_host_attach(&b->host, f->dev, PCI_DEVFN(e->dev, e->fn))) < 0) {
            snprintf(err, errlen, "%s:%u:%u: slot %02x.%x cannot take the device (%d)", d->file,
                     e->line, e->col, e->dev, e->fn, rc);
            goto fail;
        }
    }
    if ((rc = vs_pci_firmware(&b->host, d->memory, &b->layout)) < 0) {
        snprintf(err, errlen, "%s: the machine's %s BARs do not fit in the firmware's window",
                 d->file,
                 b->layout.failed == PCI_BAR_IO      ? "I/O"
                 : b->layout.failed == PCI_BAR_MEM64 ? "64-bit memory"
                                                     : "32-bit memory");
        goto fail;
    }
    return 0;
fail:
    vs_pcibus_fini(b);
    return rc;
}

void vs_pcibus_fini(struct vs_pcibus *b)
{
    for (uint32_t k = b->nfn; k-- > 0;) {
        struct vs_pcibus_fn *f = &b->fn[k];
        if (f->dev && f->model->fini)
            f->model->fini(f->state);
        free(f->state);
    }
    memset(b, 0, sizeof *b);
}

static const struct vs_pcibus_fn *find_fn(const struct vs_pcibus *b, uint32_t bdf)
{
    for (uint32_t k = 0; k < b->nfn; k++)
        if (b->fn[k].dev && b->fn[k].dev->host && b->fn[k].dev->devfn == (bdf & 0xff) &&
            (bdf >> 8) == 0)
            return &b->fn[k];
    return NULL;
}

struct pci_device *vs_pcibus_device(struct vs_pcibus *b, uint32_t bdf)
{
    if (bdf > 0xffff || !b->host.ecam_buses)
        return NULL;
    return pci_host_device(&b->host, (uint8_t)(bdf >> 8), (uint8_t)bdf);
}

const char *vs_pcibus_model_name(const struct vs_pcibus *b, uint32_t bdf)
{
    if (b->host.ecam_buses && bdf == 0)
        return "host-bridge";
    const struct vs_pcibus_fn *f = find_fn(b, bdf);
    return f ? f->model->name : NULL;
}

void *vs_pcibus_model_state(const struct vs_pcibus *b, uint32_t bdf)
{
    const struct vs_pcibus_fn *f = find_fn(b, bdf);
    return f ? f->state : NULL;
}

struct vs_netwire *vs_pcibus_netwire(struct vs_pcibus *b, uint32_t n)
{
    for (uint32_t i = 0; i < b->nfn; i++) {
        if (strcmp(b->fn[i].model->name, "virtio-net"))
            continue;
        if (n-- == 0)
            return &((struct vnet_model *)b->fn[i].state)->wire;
    }
    return NULL;
}

/* Two SplitMix64 rounds: a tag keeps the streams apart from anything else seeded with the
 * run's seed (the kernel's vl_prng_seed(seed)), the bdf apart from each other. */
uint64_t vs_pcibus_stream_seed(uint64_t run_seed, uint32_t bdf)
{
    uint64_t x = run_seed ^ 0x7063692d64657673ull; /* "pci-devs" */
    uint64_t y = vl_splitmix64_next(&x) + bdf;
    return vl_splitmix64_next(&y);
}

void vs_pcibus_seed(struct vs_pcibus *b, uint64_t run_seed)
{
    for (uint32_t k = 0; k < b->nfn; k++) {
        const struct vs_pcibus_fn *f = &b->fn[k];
        if (f->dev && f->model->seed)
            f->model->seed(f->state, vs_pcibus_stream_seed(run_seed, (uint32_t)f->dev->bus << 8 |
                                                                         f->dev->devfn));
    }
}

void vs_pcibus_advance(struct vs_pcibus *b, uint64_t now)
{
    for (uint32_t k = 0; k < b->nfn; k++)
        if (b->fn[k].model->advance)
            b->fn[k].model->advance(b->fn[k].state, now);
}

uint64_t vs_pcibus_next_event(const struct vs_pcibus *b)
{
    uint64_t t = VS_PCI_NO_EVENT;
    for (uint32_t k = 0; k < b->nfn; k++) {
        if (!b->fn[k].model->next_event)
            continue;
        uint64_t u = b->fn[k].model->next_event(b->fn[k].state);
        if (u < t)
            t = u;
    }
    return t;
}
