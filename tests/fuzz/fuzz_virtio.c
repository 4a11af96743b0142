/*
 * libFuzzer harness for hw-models/virtio (virtio-rng on the modern PCI transport): the input
 * is a little program of driver actions (BAR 4 and configuration-space reads and writes, the
 * MSI-X table, memory writes into the rings and buffers, kicks, a shortcut that brings the
 * device up with a queue, and steps of virtual time). The platform's memory is 36 KiB at
 * address 0: [0, 0x8000) read/write, [0x8000, 0x9000) read-only; everything else is a DMA
 * fault the model must survive. Every eight actions and at the end the model's invariants must
 * hold, and at the end the read-only page must be unchanged. Nothing may crash, assert or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "virtio_rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_SIZE 0x9000u
#define RW_END 0x8000u

struct fz {
    uint8_t mem[MEM_SIZE];
    uint64_t msis, dma_faults;
};

static int fz_dma_read(void *ctx, struct pci_device *dev, uint64_t iova, void *buf, size_t len)
{
    struct fz *f = ctx;
    (void)dev;
    if (iova >= MEM_SIZE || len > MEM_SIZE - iova) {
        f->dma_faults++;
        return -VK_EFAULT;
    }
    memcpy(buf, &f->mem[iova], len);
    return 0;
}

static int fz_dma_write(void *ctx, struct pci_device *dev, uint64_t iova, const void *buf,
                        size_t len)
{
    struct fz *f = ctx;
    (void)dev;
    if (iova >= RW_END || len > RW_END - iova) {
        f->dma_faults++;
        return -VK_EACCES;
    }
    memcpy(&f->mem[iova], buf, len);
    return 0;
}

static void fz_msi(void *ctx, struct pci_device *dev, uint64_t addr, uint32_t d)
{
    (void)dev;
    (void)addr;
    (void)d;
    ((struct fz *)ctx)->msis++;
}

static const struct pci_host_ops fz_ops = {
    .dma_read = fz_dma_read,
    .dma_write = fz_dma_write,
    .msi = fz_msi,
};

struct cursor {
    const uint8_t *p, *end;
};

static uint64_t take(struct cursor *c, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n && c->p < c->end; i++)
        v |= (uint64_t)*c->p++ << (8 * i);
    return v;
}

static unsigned access_size(uint64_t b)
{
    static const unsigned sizes[4] = {1, 2, 4, 8};
    return sizes[b & 3];
}

static void common_wr(struct pci_device *d, uint32_t off, unsigned size, uint64_t v)
{
    (void)pci_bar_write(d, VIRTIO_PCI_BAR, off, size, v);
}

/* The usual bring-up, with the queue size and ring addresses from the input. */
static void bring_up(struct pci_device *d, struct cursor *c)
{
    common_wr(d, VIRTIO_PCI_COMMON_STATUS, 1, 0);
    common_wr(d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    common_wr(d, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    common_wr(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    common_wr(d, VIRTIO_PCI_COMMON_GF, 4, take(c, 1) & 1 ? 1u << VIRTIO_F_INDIRECT_DESC : 0);
    common_wr(d, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    common_wr(d, VIRTIO_PCI_COMMON_GF, 4, 1); /* VERSION_1 */
    common_wr(d, VIRTIO_PCI_COMMON_STATUS, 1,
              VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 2, 1u << (take(c, 1) % 7));
    common_wr(d, VIRTIO_PCI_COMMON_Q_DESC, 8, take(c, 2) & 0x7ff0);
    common_wr(d, VIRTIO_PCI_COMMON_Q_AVAIL, 8, take(c, 2) & 0x7ffe);
    common_wr(d, VIRTIO_PCI_COMMON_Q_USED, 8, take(c, 2) & 0x7ffc);
    common_wr(d, VIRTIO_PCI_COMMON_Q_MSIX, 2, take(c, 1) % 3);
    common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    common_wr(d, VIRTIO_PCI_COMMON_STATUS, 1,
              VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
                  VIRTIO_CONFIG_S_DRIVER_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz f;
    static struct virtio_rng r;
    static struct pci_host host;
    static uint8_t ro_snap[MEM_SIZE - RW_END];
    struct cursor c = {data, data + size};
    uint64_t now = 0, v;
    uint32_t v32;

    static uint8_t pattern[MEM_SIZE];
    if (!pattern[1]) {
        for (unsigned i = 0; i < MEM_SIZE; i++)
            pattern[i] = (uint8_t)(i * 31 + 7);
        memcpy(ro_snap, &pattern[RW_END], sizeof(ro_snap));
    }
    memcpy(f.mem, pattern, MEM_SIZE);
    f.msis = f.dma_faults = 0;
    if (pci_host_init(&host, &fz_ops, &f, 0xb0000000ull, 1, 0x8086, 0x29c0) < 0 ||
        virtio_rng_init(&r, take(&c, 8)) < 0 || pci_host_attach(&host, &r.vp.pci, 8) < 0)
        abort();
    struct pci_device *d = &r.vp.pci;
    (void)pci_config_write(d, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    for (unsigned step = 0; c.p < c.end; step++) {
        uint8_t op = (uint8_t)take(&c, 1);
        switch (op % 10) {
        case 0: { /* BAR 4 write */
            uint32_t off = (uint32_t)take(&c, 2) % VIRTIO_PCI_BAR_SIZE;
            unsigned sz = access_size(take(&c, 1));
            (void)pci_bar_write(d, VIRTIO_PCI_BAR, off & ~(sz - 1), sz, take(&c, sz));
            break;
        }
        case 1: { /* BAR 4 read */
            uint32_t off = (uint32_t)take(&c, 2) % VIRTIO_PCI_BAR_SIZE;
            unsigned sz = access_size(take(&c, 1));
            (void)pci_bar_read(d, VIRTIO_PCI_BAR, off & ~(sz - 1), sz, &v);
            break;
        }
        case 2: { /* configuration write, mostly into the capabilities */
            uint32_t off = (uint32_t)take(&c, 1);
            unsigned sz = access_size(take(&c, 1) % 3);
            (void)pci_config_write(d, off & ~(sz - 1), sz, (uint32_t)take(&c, sz));
            break;
        }
        case 3: { /* configuration read */
            uint32_t off = (uint32_t)take(&c, 1);
            unsigned sz = access_size(take(&c, 1) % 3);
            (void)pci_config_read(d, off & ~(sz - 1), sz, &v32);
            break;
        }
        case 4: { /* the driver writes memory (rings, descriptors, tables) */
            uint32_t addr = (uint32_t)take(&c, 2) % RW_END;
            unsigned n = (unsigned)take(&c, 1) % 32;
            for (unsigned i = 0; i < n && addr + i < RW_END; i++)
                f.mem[addr + i] = (uint8_t)take(&c, 1);
            break;
        }
        case 5: /* time passes */
            now += take(&c, 2) * 100;
            virtio_rng_advance(&r, now);
            break;
        case 6:
            bring_up(d, &c);
            break;
        case 7: /* kick */
            (void)pci_bar_write(d, VIRTIO_PCI_BAR, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
            break;
        case 8: { /* MSI-X: enable, table entries */
            uint32_t off = (uint32_t)take(&c, 1) % 32;
            (void)pci_config_write(d, d->msix.cap + PCI_MSIX_FLAGS, 2,
                                   take(&c, 1) & 1 ? PCI_MSIX_FLAGS_ENABLE : 0);
            (void)pci_bar_write(d, VIRTIO_PCI_MSIX_BAR, off & ~3u, 4, take(&c, 4));
            break;
        }
        default: /* a function-level reset now and then */
            if (take(&c, 1) == 0x5a)
                pci_device_reset(d);
            break;
        }
        /* the full check walks all of configuration space: every few steps and at the end */
        if (step % 8 == 7 && virtio_rng_check(&r) < 0)
            abort();
    }
    virtio_rng_advance(&r, now + 1000000000ull);
    if (virtio_rng_check(&r) < 0 || memcmp(ro_snap, &f.mem[RW_END], sizeof(ro_snap)))
        abort();
    return 0;
}
