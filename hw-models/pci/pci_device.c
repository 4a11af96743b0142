/*
 * The PCI device shape: configuration space with write and W1C masks, the type-0 header and
 * its BAR sizing protocol, capability lists (MSI, MSI-X, PCI Express, extended), INTx, and the
 * BAR access path with the MSI-X table and PBA. The contract is in pci.h.
 *
 * Why masks: a write to configuration space is applied byte by byte as
 * new = (old & ~wmask) | (val & wmask), then new &= ~(val & w1cmask). The BAR sizing protocol
 * falls out of it: a BAR's write mask is its size mask, so writing all-ones reads back
 * ~(size - 1) with the read-only flag bits. Every side effect (BAR decoding, INTx, pending
 * MSI/MSI-X delivery) is recomputed from the stored bytes after each write, never from the
 * written value, so no sequence of writes can reach a state the bytes do not describe.
 */
#include "pci.h"

#include <string.h>

#include "veridian/errors.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

void pci_guest_error(struct pci_device *dev, const char *what)
{
    dev->guest_errors++;
    if (dev->host && dev->host->ops && dev->host->ops->guest_error)
        dev->host->ops->guest_error(dev->host->ctx, dev, what);
}

static uint16_t command(const struct pci_device *dev)
{
    return rd16(&dev->config[PCI_COMMAND]);
}

/* ---- identification and header ---- */

void pci_set_ids(struct pci_device *dev, uint16_t vendor, uint16_t device, uint32_t class_code,
                 uint8_t revision)
{
    wr16(&dev->config[PCI_VENDOR_ID], vendor);
    wr16(&dev->config[PCI_DEVICE_ID], device);
    dev->config[PCI_REVISION_ID] = revision;
    dev->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    wr16(&dev->config[PCI_CLASS_DEVICE], (uint16_t)(class_code >> 8));
}

int pci_set_subsystem(struct pci_device *dev, uint16_t vendor, uint16_t id)
{
    wr16(&dev->config[PCI_SUBSYSTEM_VENDOR_ID], vendor);
    wr16(&dev->config[PCI_SUBSYSTEM_ID], id);
    return 0;
}

int pci_set_intx_pin(struct pci_device *dev, int pin)
{
    if (pin < 0 || pin > 4)
        return -VK_EINVAL;
    dev->config[PCI_INTERRUPT_PIN] = (uint8_t)pin;
    return 0;
}

/* ---- BARs ---- */

static void bar_masks(enum pci_bar_kind kind, uint64_t size, uint32_t *lo, uint32_t *hi)
{
    uint64_t m = ~(size - 1);
    *hi = (uint32_t)(m >> 32);
    *lo = (uint32_t)m & (kind == PCI_BAR_IO ? ~0x3u : ~0xfu);
}

int pci_register_bar(struct pci_device *dev, int bar, enum pci_bar_kind kind, uint64_t size,
                     bool prefetch)
{
    if (bar < 0 || bar >= PCI_NUM_BARS || dev->bars[bar].kind != PCI_BAR_NONE)
        return -VK_EINVAL;
    if (bar > 0 && dev->bars[bar - 1].kind == PCI_BAR_MEM64)
        return -VK_EBUSY; /* the upper half of a 64-bit BAR */
    if (!is_pow2(size))
        return -VK_EINVAL;
    uint32_t flags;
    switch (kind) {
    case PCI_BAR_IO:
        if (size < 4 || size > 256 || prefetch)
            return -VK_EINVAL;
        flags = PCI_BASE_ADDRESS_SPACE_IO;
        break;
    case PCI_BAR_MEM32:
        if (size < 16 || size > (1ull << 31))
            return -VK_EINVAL;
        flags = prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0;
        break;
    case PCI_BAR_MEM64:
        if (size < 16 || size > (1ull << 62) || bar == PCI_NUM_BARS - 1 ||
            dev->bars[bar + 1].kind != PCI_BAR_NONE)
            return -VK_EINVAL;
        flags = PCI_BASE_ADDRESS_MEM_TYPE_64 | (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
        break;
    default:
        return -VK_EINVAL;
    }
    uint32_t lo, hi;
    bar_masks(kind, size, &lo, &hi);
    unsigned off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
    wr32(&dev->config[off], flags);
    wr32(&dev->wmask[off], lo);
    if (kind == PCI_BAR_MEM64) {
        wr32(&dev->config[off + 4], 0);
        wr32(&dev->wmask[off + 4], hi);
    }
    dev->bars[bar] = (struct pci_bar){.kind = kind, .prefetch = prefetch, .size = size};
    return 0;
}

/* The address a BAR's register holds, flag bits stripped. */
static uint64_t bar_decode(const struct pci_device *dev, int bar)
{
    unsigned off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
    uint32_t lo = rd32(&dev->config[off]);
    switch (dev->bars[bar].kind) {
    case PCI_BAR_IO:
        return lo & ~0x3u;
    case PCI_BAR_MEM32:
        return lo & ~0xfu;
    case PCI_BAR_MEM64:
        return (lo & ~0xfu) | ((uint64_t)rd32(&dev->config[off + 4]) << 32);
    default:
        return 0;
    }
}

static bool bar_enabled(const struct pci_device *dev, int bar)
{
    uint16_t cmd = command(dev);
    switch (dev->bars[bar].kind) {
    case PCI_BAR_IO:
        return cmd & PCI_COMMAND_IO;
    case PCI_BAR_MEM32:
    case PCI_BAR_MEM64:
        return cmd & PCI_COMMAND_MEMORY;
    default:
        return false;
    }
}

/* ---- capabilities ---- */

int pci_add_capability(struct pci_device *dev, uint8_t id, uint8_t size)
{
    unsigned len = ((unsigned)size + 3u) & ~3u;
    unsigned off = dev->cap_next;
    if (size < 2 || off < PCI_CAP_FIRST || off + len > PCI_STD_CONFIG_SIZE)
        return -VK_ENOSPC;
    dev->config[off] = id;
    dev->config[off + 1] = 0;
    if (dev->config[PCI_CAPABILITY_LIST] == 0) {
        dev->config[PCI_CAPABILITY_LIST] = (uint8_t)off;
    } else {
        unsigned p = dev->config[PCI_CAPABILITY_LIST];
        for (int n = 0; dev->config[p + 1] && n < PCI_MAX_CAPS; n++)
            p = dev->config[p + 1];
        dev->config[p + 1] = (uint8_t)off;
    }
    dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    dev->cap_next = (uint16_t)(off + len);
    return (int)off;
}

int pci_add_ext_capability(struct pci_device *dev, uint16_t id, uint8_t version, uint16_t size)
{
    unsigned len = ((unsigned)size + 3u) & ~3u;
    unsigned off = dev->ext_cap_next;
    if (size < 4 || version > 0xf || off < PCI_EXT_CAP_FIRST || off + len > PCI_CONFIG_SPACE_SIZE)
        return -VK_ENOSPC;
    wr32(&dev->config[off], (uint32_t)id | ((uint32_t)version << 16));
    if (dev->ext_cap_last) {
        unsigned p = dev->ext_cap_last;
        wr32(&dev->config[p], rd32(&dev->config[p]) | ((uint32_t)off << 20));
    }
    dev->ext_cap_last = (uint16_t)off;
    dev->ext_cap_next = (uint16_t)(off + len);
    return (int)off;
}

int pci_msi_init(struct pci_device *dev, unsigned nvec)
{
    if (!is_pow2(nvec) || nvec > 32 || dev->msi_cap)
        return -VK_EINVAL;
    int off = pci_add_capability(dev, PCI_CAP_ID_MSI, PCI_MSI_CAP_SIZE);
    if (off < 0)
        return off;
    unsigned mmc = 0;
    while ((1u << mmc) < nvec)
        mmc++;
    uint8_t *c = &dev->config[off], *w = &dev->wmask[off];
    wr16(c + PCI_MSI_FLAGS, (uint16_t)(PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (mmc << 1)));
    wr16(w + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    wr32(w + PCI_MSI_ADDRESS_LO, ~0x3u);
    wr32(w + PCI_MSI_ADDRESS_HI, ~0u);
    wr16(w + PCI_MSI_DATA_64, 0xffff);
    wr32(w + PCI_MSI_MASK_64, nvec == 32 ? ~0u : (1u << nvec) - 1);
    dev->msi_cap = (uint16_t)off;
    dev->msi_nvec = (uint8_t)nvec;
    return off;
}

static bool msix_region_ok(const struct pci_device *dev, int bar, uint32_t off, uint64_t len)
{
    if (bar < 0 || bar >= PCI_NUM_BARS || (off & 7))
        return false;
    const struct pci_bar *b = &dev->bars[bar];
    if (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64)
        return false;
    return off < b->size && len <= b->size - off;
}

int pci_msix_init(struct pci_device *dev, unsigned nvec, int table_bar, uint32_t table_off,
                  int pba_bar, uint32_t pba_off)
{
    if (nvec == 0 || nvec > PCI_MSIX_MAX_VECTORS || dev->msix.cap)
        return -VK_EINVAL;
    uint64_t tlen = (uint64_t)nvec * PCI_MSIX_ENTRY_SIZE, plen = ((nvec + 63u) / 64u) * 8u;
    if (!msix_region_ok(dev, table_bar, table_off, tlen) ||
        !msix_region_ok(dev, pba_bar, pba_off, plen))
        return -VK_EINVAL;
    if (table_bar == pba_bar && table_off < pba_off + plen && pba_off < table_off + tlen)
        return -VK_EINVAL; /* table and PBA overlap */
    int off = pci_add_capability(dev, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
    if (off < 0)
        return off;
    uint8_t *c = &dev->config[off];
    wr16(c + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
    dev->wmask[off + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE) >> 8;
    wr32(c + PCI_MSIX_TABLE, table_off | (uint32_t)table_bar);
    wr32(c + PCI_MSIX_PBA, pba_off | (uint32_t)pba_bar);
    dev->msix.cap = (uint16_t)off;
    dev->msix.nvec = (uint16_t)nvec;
    dev->msix.table_bar = (uint8_t)table_bar;
    dev->msix.pba_bar = (uint8_t)pba_bar;
    dev->msix.table_off = table_off;
    dev->msix.pba_off = pba_off;
    return off;
}

int pci_pcie_init(struct pci_device *dev)
{
    if (dev->exp_cap)
        return -VK_EINVAL;
    int off = pci_add_capability(dev, PCI_CAP_ID_EXP, PCI_EXP_CAP_SIZE);
    if (off < 0)
        return off;
    uint8_t *c = &dev->config[off], *w = &dev->wmask[off], *w1c = &dev->w1cmask[off];
    wr16(c + PCI_EXP_FLAGS, 0x0002);      /* version 2, PCI Express endpoint */
    wr32(c + PCI_EXP_DEVCAP, 0x00008000); /* 128-byte payload, role-based error reporting */
    wr16(c + PCI_EXP_DEVCTL, 0x2810);     /* relaxed ordering, 512-byte read requests */
    wr16(w + PCI_EXP_DEVCTL, 0x7cff);     /* error reporting, payload, read size (no FLR) */
    wr16(w1c + PCI_EXP_DEVSTA, 0x000f);   /* error detected bits */
    wr32(c + PCI_EXP_LNKCAP, 0x00000011); /* x1 at 2.5 GT/s */
    wr16(w + PCI_EXP_LNKCTL, 0x01c3);     /* ASPM control, RCB, common clock, ext synch */
    wr16(c + PCI_EXP_LNKSTA, 0x0011);     /* x1 at 2.5 GT/s */
    dev->exp_cap = (uint16_t)off;
    return off;
}

/* ---- the capability walker (over raw bytes: it trusts nothing) ---- */

/* The size of a capability we know, so that a walker can check it fits; 2 for the others. */
static unsigned cap_size(const uint8_t *cfg, unsigned off, uint8_t id)
{
    switch (id) {
    case PCI_CAP_ID_MSI: {
        uint16_t f = rd16(&cfg[off + PCI_MSI_FLAGS]);
        unsigned n = (f & PCI_MSI_FLAGS_64BIT) ? 0x0e : 0x0a;
        return (f & PCI_MSI_FLAGS_MASKBIT) ? n + 0x0a : n;
    }
    case PCI_CAP_ID_MSIX:
        return PCI_MSIX_CAP_SIZE;
    case PCI_CAP_ID_EXP:
        return PCI_EXP_CAP_SIZE;
    default:
        return 2;
    }
}

int pci_cap_walk(const uint8_t *cfg, size_t cfg_len, struct pci_cap_entry *out, int max)
{
    uint8_t seen[PCI_CONFIG_SPACE_SIZE / 4];
    int n = 0;
    if (!cfg || (cfg_len != PCI_STD_CONFIG_SIZE && cfg_len != PCI_CONFIG_SPACE_SIZE))
        return -VK_EINVAL;
    memset(seen, 0, sizeof(seen));
    if (rd16(&cfg[PCI_STATUS]) & PCI_STATUS_CAP_LIST) {
        unsigned p = cfg[PCI_CAPABILITY_LIST];
        while (p) {
            /* p <= 0xfc keeps the id and next bytes inside the header */
            if (p < PCI_CAP_FIRST || p > 0xfc || (p & 3) || seen[p / 4])
                return -VK_EINVAL;
            seen[p / 4] = 1;
            if (p + cap_size(cfg, p, cfg[p]) > PCI_STD_CONFIG_SIZE)
                return -VK_EINVAL;
            if (n < max && out)
                out[n] = (struct pci_cap_entry){.off = (uint16_t)p, .id = cfg[p]};
            n++;
            p = cfg[p + 1];
        }
    }
    if (cfg_len == PCI_CONFIG_SPACE_SIZE) {
        uint32_t hdr = rd32(&cfg[PCI_EXT_CAP_FIRST]);
        unsigned p = PCI_EXT_CAP_FIRST;
        while (hdr != 0 && hdr != ~0u) {
            if (p < PCI_EXT_CAP_FIRST || p > PCI_CONFIG_SPACE_SIZE - 4 || (p & 3) || seen[p / 4])
                return -VK_EINVAL;
            seen[p / 4] = 1;
            if (n < max && out)
                out[n] = (struct pci_cap_entry){
                    .off = (uint16_t)p, .id = (uint16_t)(hdr & 0xffff), .extended = true};
            n++;
            p = hdr >> 20;
            if (!p)
                break;
            if (p < PCI_EXT_CAP_FIRST || p > PCI_CONFIG_SPACE_SIZE - 4 || (p & 3))
                return -VK_EINVAL;
            hdr = rd32(&cfg[p]);
        }
    }
    return n;
}

int pci_find_capability(const uint8_t *cfg, size_t cfg_len, uint8_t id)
{
    struct pci_cap_entry caps[PCI_MAX_CAPS];
    int n = pci_cap_walk(cfg, cfg_len, caps, PCI_MAX_CAPS);
    if (n < 0)
        return n;
    for (int i = 0; i < n && i < PCI_MAX_CAPS; i++)
        if (!caps[i].extended && caps[i].id == id)
            return caps[i].off;
    return 0;
}

/* ---- interrupts ---- */

bool pci_msi_enabled(const struct pci_device *dev)
{
    return dev->msi_cap &&
           (rd16(&dev->config[dev->msi_cap + PCI_MSI_FLAGS]) & PCI_MSI_FLAGS_ENABLE);
}

bool pci_msix_enabled(const struct pci_device *dev)
{
    return dev->msix.cap &&
           (rd16(&dev->config[dev->msix.cap + PCI_MSIX_FLAGS]) & PCI_MSIX_FLAGS_ENABLE);
}

bool pci_msix_pending(const struct pci_device *dev, unsigned vector)
{
    return vector < dev->msix.nvec && ((dev->msix.pba >> vector) & 1);
}

static void intx_update(struct pci_device *dev)
{
    bool on = dev->intx_level && dev->config[PCI_INTERRUPT_PIN] &&
              !(command(dev) & PCI_COMMAND_INTX_DISABLE) && !pci_msi_enabled(dev) &&
              !pci_msix_enabled(dev);
    if (dev->intx_level)
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        dev->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    if (on == dev->intx_asserted)
        return;
    dev->intx_asserted = on;
    if (dev->host && dev->host->ops && dev->host->ops->intx)
        dev->host->ops->intx(dev->host->ctx, dev, dev->config[PCI_INTERRUPT_PIN], on);
}

int pci_set_irq(struct pci_device *dev, bool level)
{
    if (!dev->config[PCI_INTERRUPT_PIN])
        return -VK_EINVAL;
    dev->intx_level = level;
    intx_update(dev);
    return 0;
}

/* A message is a memory write: without bus mastering it cannot leave the device. */
static bool msg_can_send(const struct pci_device *dev)
{
    return command(dev) & PCI_COMMAND_MASTER;
}

static void msg_send(struct pci_device *dev, uint64_t addr, uint32_t data)
{
    if (dev->host && dev->host->ops && dev->host->ops->msi)
        dev->host->ops->msi(dev->host->ctx, dev, addr, data);
}

static unsigned msi_allocated(const struct pci_device *dev)
{
    uint16_t f = rd16(&dev->config[dev->msi_cap + PCI_MSI_FLAGS]);
    unsigned mmc = (f & PCI_MSI_FLAGS_QMASK) >> 1, mme = (f & PCI_MSI_FLAGS_QSIZE) >> 4;
    return 1u << (mme < mmc ? mme : mmc);
}

static void msi_send(struct pci_device *dev, unsigned vector)
{
    const uint8_t *c = &dev->config[dev->msi_cap];
    uint64_t addr = rd32(c + PCI_MSI_ADDRESS_LO) | ((uint64_t)rd32(c + PCI_MSI_ADDRESS_HI) << 32);
    uint32_t data = rd16(c + PCI_MSI_DATA_64);
    data = (data & ~(msi_allocated(dev) - 1)) | vector;
    msg_send(dev, addr, data);
}

int pci_msi_notify(struct pci_device *dev, unsigned vector)
{
    if (!pci_msi_enabled(dev) || vector >= msi_allocated(dev))
        return -VK_EINVAL;
    uint8_t *c = &dev->config[dev->msi_cap];
    if (rd32(c + PCI_MSI_MASK_64) & (1u << vector)) {
        wr32(c + PCI_MSI_PENDING_64, rd32(c + PCI_MSI_PENDING_64) | (1u << vector));
        return 0;
    }
    if (!msg_can_send(dev)) {
        pci_guest_error(dev, "MSI with bus mastering disabled");
        return -VK_EPERM;
    }
    msi_send(dev, vector);
    return 0;
}

static void msi_service(struct pci_device *dev)
{
    if (!pci_msi_enabled(dev) || !msg_can_send(dev))
        return;
    uint8_t *c = &dev->config[dev->msi_cap];
    uint32_t ready = rd32(c + PCI_MSI_PENDING_64) & ~rd32(c + PCI_MSI_MASK_64);
    for (unsigned v = 0; v < msi_allocated(dev); v++) {
        if (!(ready & (1u << v)))
            continue;
        wr32(c + PCI_MSI_PENDING_64, rd32(c + PCI_MSI_PENDING_64) & ~(1u << v));
        msi_send(dev, v);
    }
}

static bool msix_masked(const struct pci_device *dev, unsigned vector)
{
    uint16_t f = rd16(&dev->config[dev->msix.cap + PCI_MSIX_FLAGS]);
    const uint8_t *e = &dev->msix.table[vector * PCI_MSIX_ENTRY_SIZE];
    return (f & PCI_MSIX_FLAGS_MASKALL) ||
           (rd32(e + PCI_MSIX_ENTRY_CTRL) & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void msix_send(struct pci_device *dev, unsigned vector)
{
    const uint8_t *e = &dev->msix.table[vector * PCI_MSIX_ENTRY_SIZE];
    msg_send(dev, rd32(e) | ((uint64_t)rd32(e + 4) << 32), rd32(e + 8));
}

int pci_msix_notify(struct pci_device *dev, unsigned vector)
{
    if (!pci_msix_enabled(dev) || vector >= dev->msix.nvec)
        return -VK_EINVAL;
    if (msix_masked(dev, vector)) {
        dev->msix.pba |= 1ull << vector;
        return 0;
    }
    if (!msg_can_send(dev)) {
        pci_guest_error(dev, "MSI-X with bus mastering disabled");
        return -VK_EPERM;
    }
    msix_send(dev, vector);
    return 0;
}

static void msix_service(struct pci_device *dev)
{
    if (!pci_msix_enabled(dev) || !msg_can_send(dev))
        return;
    for (unsigned v = 0; v < dev->msix.nvec; v++) {
        if (!((dev->msix.pba >> v) & 1) || msix_masked(dev, v))
            continue;
        dev->msix.pba &= ~(1ull << v);
        msix_send(dev, v);
    }
}

static void msix_reset_table(struct pci_device *dev)
{
    memset(dev->msix.table, 0, sizeof(dev->msix.table));
    for (unsigned v = 0; v < dev->msix.nvec; v++)
        wr32(&dev->msix.table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL],
             PCI_MSIX_ENTRY_CTRL_MASKBIT);
    dev->msix.pba = 0;
}

/* Everything that follows from the stored bytes, recomputed after each change. */
static void config_changed(struct pci_device *dev)
{
    for (int i = 0; i < PCI_NUM_BARS; i++)
        dev->bars[i].addr = bar_decode(dev, i);
    intx_update(dev);
    msi_service(dev);
    msix_service(dev);
}

/* ---- configuration space accesses ---- */

static bool cfg_access_ok(uint32_t off, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && off % size == 0 &&
           off < PCI_CONFIG_SPACE_SIZE && size <= PCI_CONFIG_SPACE_SIZE - off;
}

int pci_config_read(struct pci_device *dev, uint32_t off, unsigned size, uint32_t *val)
{
    if (!cfg_access_ok(off, size)) {
        *val = (uint32_t)ones(size > 4 ? 4 : size);
        pci_guest_error(dev, "config read: bad offset or size");
        return -VK_EINVAL;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)dev->config[off + i] << (8 * i);
    if (dev->ops && dev->ops->config_read)
        dev->ops->config_read(dev, off, size, &v);
    *val = v & (uint32_t)ones(size);
    return 0;
}

int pci_config_write(struct pci_device *dev, uint32_t off, unsigned size, uint32_t val)
{
    if (!cfg_access_ok(off, size)) {
        pci_guest_error(dev, "config write: bad offset or size");
        return -VK_EINVAL;
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i)), *c = &dev->config[off + i];
        *c = (uint8_t)((*c & ~dev->wmask[off + i]) | (b & dev->wmask[off + i]));
        *c &= (uint8_t) ~(b & dev->w1cmask[off + i]);
    }
    if (dev->ops && dev->ops->config_write)
        dev->ops->config_write(dev, off, size, val);
    config_changed(dev);
    return 0;
}

/* ---- BAR accesses ---- */

enum msix_region { MSIX_NONE, MSIX_TABLE, MSIX_PBA };

static enum msix_region msix_region(const struct pci_device *dev, int bar, uint64_t off,
                                    uint64_t *rel)
{
    const struct pci_msix *m = &dev->msix;
    if (!m->cap)
        return MSIX_NONE;
    uint64_t tlen = (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE, plen = ((m->nvec + 63u) / 64u) * 8u;
    if (bar == m->table_bar && off >= m->table_off && off - m->table_off < tlen) {
        *rel = off - m->table_off;
        return MSIX_TABLE;
    }
    if (bar == m->pba_bar && off >= m->pba_off && off - m->pba_off < plen) {
        *rel = off - m->pba_off;
        return MSIX_PBA;
    }
    return MSIX_NONE;
}

/* Checks common to reads and writes; 0, 1 (not decoded: all-ones/drop) or -VK_EINVAL. */
static int bar_access_check(struct pci_device *dev, int bar, uint64_t off, unsigned size,
                            const char **why)
{
    if (bar < 0 || bar >= PCI_NUM_BARS || dev->bars[bar].kind == PCI_BAR_NONE) {
        *why = "BAR access: no such BAR";
        return -VK_EINVAL;
    }
    const struct pci_bar *b = &dev->bars[bar];
    if ((size != 1 && size != 2 && size != 4 && size != 8) || off % size || off >= b->size ||
        size > b->size - off || (b->kind == PCI_BAR_IO && size > 4)) {
        *why = "BAR access: bad offset or size";
        return -VK_EINVAL;
    }
    if (!bar_enabled(dev, bar)) {
        dev->undecoded_accesses++;
        return 1;
    }
    return 0;
}

static bool ops_size_ok(const struct pci_device *dev, unsigned size)
{
    unsigned lo = dev->ops && dev->ops->min_access ? dev->ops->min_access : 1;
    unsigned hi = dev->ops && dev->ops->max_access ? dev->ops->max_access : 8;
    return size >= lo && size <= hi;
}

/* The front shared by BAR reads and writes: the checks (a failure is reported as a guest error
 * and returned), then where the access goes: 1 for nowhere (decoding is off: a read gives
 * all-ones, a write is dropped), 0 with *r the MSI-X table or PBA (*rel the offset in it), or
 * MSIX_NONE for the model, each with its access sizes checked. */
static int bar_route(struct pci_device *dev, int bar, uint64_t off, unsigned size, bool write,
                     enum msix_region *r, uint64_t *rel)
{
    const char *why = "";
    int rc = bar_access_check(dev, bar, off, size, &why);
    if (rc < 0) {
        pci_guest_error(dev, why);
        return rc;
    }
    if (rc > 0)
        return 1;
    *r = msix_region(dev, bar, off, rel);
    if (*r != MSIX_NONE && size != 4 && size != 8) {
        pci_guest_error(dev, "MSI-X table/PBA access not 4 or 8 bytes");
        return -VK_EINVAL;
    }
    if (*r == MSIX_NONE && !ops_size_ok(dev, size)) {
        pci_guest_error(dev, write ? "BAR write: access size not supported by the device"
                                   : "BAR read: access size not supported by the device");
        return -VK_EINVAL;
    }
    return 0;
}

int pci_bar_read(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t *val)
{
    enum msix_region r;
    uint64_t rel;
    *val = ones(size);
    int rc = bar_route(dev, bar, off, size, false, &r, &rel);
    if (rc)
        return rc < 0 ? rc : 0;
    if (r != MSIX_NONE) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            uint64_t byte = r == MSIX_TABLE ? dev->msix.table[rel + i]
                                            : (dev->msix.pba >> (8 * (rel + i))) & 0xff;
            v |= byte << (8 * i);
        }
        *val = v;
        return 0;
    }
    if (dev->ops && dev->ops->mmio_read)
        *val = dev->ops->mmio_read(dev, bar, off, size) & ones(size);
    return 0;
}

int pci_bar_write(struct pci_device *dev, int bar, uint64_t off, unsigned size, uint64_t val)
{
    enum msix_region r;
    uint64_t rel;
    int rc = bar_route(dev, bar, off, size, true, &r, &rel);
    if (rc)
        return rc < 0 ? rc : 0;
    if (r == MSIX_PBA) {
        pci_guest_error(dev, "MSI-X PBA is read-only");
        return 0;
    }
    if (r == MSIX_TABLE) {
        for (unsigned i = 0; i < size; i++)
            dev->msix.table[rel + i] = (uint8_t)(val >> (8 * i));
        /* message address bits 1:0 and the reserved vector control bits read as zero */
        uint8_t *e = &dev->msix.table[(rel / PCI_MSIX_ENTRY_SIZE) * PCI_MSIX_ENTRY_SIZE];
        e[0] &= (uint8_t)~0x3u;
        wr32(e + PCI_MSIX_ENTRY_CTRL, rd32(e + PCI_MSIX_ENTRY_CTRL) & PCI_MSIX_ENTRY_CTRL_MASKBIT);
        msix_service(dev);
        return 0;
    }
    if (dev->ops && dev->ops->mmio_write)
        dev->ops->mmio_write(dev, bar, off, size, val & ones(size));
    return 0;
}

/* ---- DMA ---- */

static int dma_check(struct pci_device *dev)
{
    if (!(command(dev) & PCI_COMMAND_MASTER)) {
        pci_guest_error(dev, "DMA with bus mastering disabled");
        return -VK_EPERM;
    }
    return 0;
}

int pci_dma_read(struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    int rc = dma_check(dev);
    if (rc < 0)
        return rc;
    if (!dev->host || !dev->host->ops || !dev->host->ops->dma_read)
        return -VK_EFAULT;
    return dev->host->ops->dma_read(dev->host->ctx, dev, iova, buf, len);
}

int pci_dma_write(struct pci_device *dev, uint64_t iova, const void *buf, size_t len)
{
    int rc = dma_check(dev);
    if (rc < 0)
        return rc;
    if (!dev->host || !dev->host->ops || !dev->host->ops->dma_write)
        return -VK_EFAULT;
    return dev->host->ops->dma_write(dev->host->ctx, dev, iova, buf, len);
}

/* ---- life cycle ---- */

int pci_device_realize(struct pci_device *dev, const struct pci_device_ops *ops, void *opaque)
{
    memset(dev, 0, sizeof(*dev));
    dev->ops = ops;
    dev->opaque = opaque;
    dev->cap_next = PCI_CAP_FIRST;
    dev->ext_cap_next = PCI_EXT_CAP_FIRST;
    wr16(&dev->wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                       PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                                       PCI_COMMAND_INTX_DISABLE);
    wr16(&dev->w1cmask[PCI_STATUS], PCI_STATUS_W1C);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    if (ops && ops->realize) {
        int rc = ops->realize(dev);
        if (rc < 0)
            return rc;
    }
    msix_reset_table(dev);
    config_changed(dev);
    int rc = pci_device_check(dev);
    if (rc < 0)
        return rc;
    memcpy(dev->reset_cfg, dev->config, sizeof(dev->config));
    dev->realized = true;
    return 0;
}

void pci_device_reset(struct pci_device *dev)
{
    memcpy(dev->config, dev->reset_cfg, sizeof(dev->config));
    msix_reset_table(dev);
    dev->intx_level = false;
    config_changed(dev);
    if (dev->ops && dev->ops->reset)
        dev->ops->reset(dev);
}

/* Bits that change without a driver write: the interrupt status and MSI pending bits. */
static uint8_t dynamic_bits(const struct pci_device *dev, unsigned off)
{
    unsigned pend = dev->msi_cap + (unsigned)PCI_MSI_PENDING_64;
    if (off == PCI_STATUS)
        return PCI_STATUS_INTERRUPT;
    if (dev->msi_cap && off >= pend && off < pend + 4)
        return 0xff;
    return 0;
}

int pci_device_check(const struct pci_device *dev)
{
    if (pci_cap_walk(dev->config, PCI_CONFIG_SPACE_SIZE, NULL, 0) < 0)
        return -VK_EINVAL;
    if (!(dev->config[PCI_STATUS] & PCI_STATUS_CAP_LIST) && dev->config[PCI_CAPABILITY_LIST])
        return -VK_EINVAL;
    for (unsigned i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
        if (dev->wmask[i] & dev->w1cmask[i])
            return -VK_EINVAL;
        uint8_t ro = (uint8_t) ~(dev->wmask[i] | dev->w1cmask[i] | dynamic_bits(dev, i));
        if (dev->realized && (dev->config[i] & ro) != (dev->reset_cfg[i] & ro))
            return -VK_EINVAL;
    }
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const struct pci_bar *b = &dev->bars[i];
        if (b->kind == PCI_BAR_NONE)
            continue;
        if (!is_pow2(b->size) || (b->addr & (b->size - 1)) || b->addr != bar_decode(dev, i))
            return -VK_EINVAL;
    }
    for (unsigned v = 0; v < dev->msix.nvec; v++) {
        const uint8_t *e = &dev->msix.table[v * PCI_MSIX_ENTRY_SIZE];
        if ((e[0] & 3) || (rd32(e + PCI_MSIX_ENTRY_CTRL) & ~PCI_MSIX_ENTRY_CTRL_MASKBIT))
            return -VK_EINVAL;
    }
    if (dev->msix.nvec < 64 && (dev->msix.pba >> dev->msix.nvec))
        return -VK_EINVAL;
    return 0;
}
