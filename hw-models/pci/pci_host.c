/*
 * The PCI Express host bridge: ECAM (bus/device/function/register -> configuration space) and
 * bus 0, which routes MMIO and port I/O to the device and BAR that own the address.
 *
 * Routing follows the stored configuration, nothing cached: an address belongs to the first
 * device (in devfn order) with decoding enabled for that space and a BAR containing it, so a
 * driver that programs two BARs to overlap gets a deterministic winner, never a crash. An
 * address nobody owns is a master abort: reads give all-ones, writes are dropped, both are
 * counted. The contract is in pci.h.
 */
#include "pci.h"

#include <string.h>

#include "veridian/errors.h"

static uint64_t ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static int bridge_realize(struct pci_device *dev)
{
    const struct pci_host *host = dev->opaque;
    pci_set_ids(dev, host->vendor, host->device, 0x060000, 0);
    return 0;
}

static const struct pci_device_ops bridge_ops = {.realize = bridge_realize};

int pci_host_init(struct pci_host *host, const struct pci_host_ops *ops, void *ctx,
                  uint64_t ecam_base, unsigned ecam_buses, uint16_t vendor, uint16_t device)
{
    if (ecam_buses == 0 || ecam_buses > 256 || (ecam_base & ((1ull << 20) - 1)) ||
        ecam_base + (uint64_t)ecam_buses * (1ull << 20) - 1 < ecam_base)
        return -VK_EINVAL;
    memset(host, 0, sizeof(*host));
    host->ops = ops;
    host->ctx = ctx;
    host->ecam_base = ecam_base;
    host->ecam_buses = ecam_buses;
    host->vendor = vendor;
    host->device = device;
    int rc = pci_device_realize(&host->bridge, &bridge_ops, host);
    if (rc < 0)
        return rc;
    return pci_host_attach(host, &host->bridge, PCI_DEVFN(0, 0));
}

int pci_host_attach(struct pci_host *host, struct pci_device *dev, uint8_t devfn)
{
    if (!dev->realized)
        return -VK_EINVAL;
    if (host->slots[devfn] || dev->host)
        return -VK_EBUSY;
    dev->host = host;
    dev->bus = 0;
    dev->devfn = devfn;
    host->slots[devfn] = dev;
    unsigned i = host->nattached++;
    for (; i > 0 && host->attached[i - 1]->devfn > devfn; i--)
        host->attached[i] = host->attached[i - 1];
    host->attached[i] = dev;
    /* function 0 of a device with other functions says so in its header type */
    uint8_t fn0 = devfn & ~7u;
    if (host->slots[fn0]) {
        for (unsigned f = 1; f < 8; f++) {
            if (host->slots[fn0 + f]) {
                host->slots[fn0]->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI;
                host->slots[fn0]->reset_cfg[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI;
                break;
            }
        }
    }
    return 0;
}

struct pci_device *pci_host_device(struct pci_host *host, uint8_t bus, uint8_t devfn)
{
    return bus == 0 ? host->slots[devfn] : NULL;
}

void pci_host_reset(struct pci_host *host)
{
    for (unsigned i = 0; i < host->nattached; i++)
        pci_device_reset(host->attached[i]);
}

uint64_t pci_host_ecam_size(const struct pci_host *host)
{
    return (uint64_t)host->ecam_buses << 20;
}

/* ---- ECAM ---- */

static bool ecam_decode(const struct pci_host *host, uint64_t addr, uint8_t *bus, uint8_t *devfn,
                        uint32_t *reg)
{
    if (addr < host->ecam_base || addr - host->ecam_base >= pci_host_ecam_size(host))
        return false;
    uint64_t off = addr - host->ecam_base;
    *bus = (uint8_t)(off >> 20);
    *devfn = (uint8_t)(off >> 12);
    *reg = (uint32_t)(off & 0xfff);
    return true;
}

static bool ecam_size_ok(uint32_t reg, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && reg % size == 0;
}

static void host_bad_access(struct pci_host *host, const char *what)
{
    host->bad_accesses++;
    if (host->ops && host->ops->guest_error)
        host->ops->guest_error(host->ctx, NULL, what);
}

/* ---- routing ---- */

static struct pci_device *route(struct pci_host *host, bool io, uint64_t addr, int *bar,
                                uint64_t *off)
{
    for (unsigned s = 0; s < host->nattached; s++) {
        struct pci_device *dev = host->attached[s];
        uint16_t cmd = (uint16_t)(dev->config[PCI_COMMAND] | (dev->config[PCI_COMMAND + 1] << 8));
        if (!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
            continue;
        for (int i = 0; i < PCI_NUM_BARS; i++) {
            const struct pci_bar *b = &dev->bars[i];
            if (b->kind == PCI_BAR_NONE || (b->kind == PCI_BAR_IO) != io)
                continue;
            if (addr >= b->addr && addr - b->addr < b->size) {
                *bar = i;
                *off = addr - b->addr;
                return dev;
            }
        }
    }
    return NULL;
}

int pci_host_mmio_read(struct pci_host *host, uint64_t addr, unsigned size, uint64_t *val)
{
    uint8_t bus, devfn;
    uint32_t reg;
    *val = ones(size > 8 ? 8 : size);
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        host_bad_access(host, "MMIO read: bad size");
        return -VK_EINVAL;
    }
    if (ecam_decode(host, addr, &bus, &devfn, &reg)) {
        if (!ecam_size_ok(reg, size)) {
            host_bad_access(host, "ECAM read: bad size or alignment");
            return -VK_EINVAL;
        }
        struct pci_device *dev = pci_host_device(host, bus, devfn);
        if (!dev) {
            host->unassigned_reads++;
            return 0;
        }
        uint32_t v;
        int rc = pci_config_read(dev, reg, size, &v);
        *val = v;
        return rc;
    }
    int bar;
    uint64_t off;
    struct pci_device *dev = route(host, false, addr, &bar, &off);
    if (!dev) {
        host->unassigned_reads++;
        return 0;
    }
    return pci_bar_read(dev, bar, off, size, val);
}

int pci_host_mmio_write(struct pci_host *host, uint64_t addr, unsigned size, uint64_t val)
{
    uint8_t bus, devfn;
    uint32_t reg;
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        host_bad_access(host, "MMIO write: bad size");
        return -VK_EINVAL;
    }
    if (ecam_decode(host, addr, &bus, &devfn, &reg)) {
        if (!ecam_size_ok(reg, size)) {
            host_bad_access(host, "ECAM write: bad size or alignment");
            return -VK_EINVAL;
        }
        struct pci_device *dev = pci_host_device(host, bus, devfn);
        if (!dev) {
            host->unassigned_writes++;
            return 0;
        }
        return pci_config_write(dev, reg, size, (uint32_t)val);
    }
    int bar;
    uint64_t off;
    struct pci_device *dev = route(host, false, addr, &bar, &off);
    if (!dev) {
        host->unassigned_writes++;
        return 0;
    }
    return pci_bar_write(dev, bar, off, size, val);
}

int pci_host_pio_read(struct pci_host *host, uint32_t port, unsigned size, uint32_t *val)
{
    *val = (uint32_t)ones(size > 4 ? 4 : size);
    if (size != 1 && size != 2 && size != 4) {
        host_bad_access(host, "port read: bad size");
        return -VK_EINVAL;
    }
    int bar;
    uint64_t off, v;
    struct pci_device *dev = route(host, true, port, &bar, &off);
    if (!dev) {
        host->unassigned_reads++;
        return 0;
    }
    int rc = pci_bar_read(dev, bar, off, size, &v);
    *val = (uint32_t)v;
    return rc;
}

int pci_host_pio_write(struct pci_host *host, uint32_t port, unsigned size, uint32_t val)
{
    if (size != 1 && size != 2 && size != 4) {
        host_bad_access(host, "port write: bad size");
        return -VK_EINVAL;
    }
    int bar;
    uint64_t off;
    struct pci_device *dev = route(host, true, port, &bar, &off);
    if (!dev) {
        host->unassigned_writes++;
        return 0;
    }
    return pci_bar_write(dev, bar, off, size, val);
}
