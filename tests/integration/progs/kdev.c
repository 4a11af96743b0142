/*
 * kdev: the device and DMA kernel calls (35-48) against the default machine's hardware, with
 * raw kernel calls and no driver kit: run as the first process (vrsim run --no-init), so its
 * spawner start handle is the machine's root resource (MMIO, IRQ, DMA).
 *   - enumeration of bus 0 through pci_config_read finds the host bridge (00:00.0) and the
 *     edu device (00:03.0) and nothing else;
 *   - edu's registers: identification, liveness, 12! by polling the status, 10! with its MSI
 *     (programmed through configuration writes, bound to a notification, waited for);
 *   - DMA: 4 KiB RAM -> device -> RAM between two memory objects mapped in edu's domain; a
 *     transfer to an unmapped IOVA and one into a read-only mapping set edu's DMA error bit,
 *     change no memory, and show in iommu_faults in order;
 *   - refusals: a device handle without MMIO, a BAR register write, a BAR the device lacks, an
 *     unaligned access, a mapping beyond its memory object.
 * One line per check; the exit status is the number of failures.
 * "kdev reads N" only opens edu and reads its identification register N times (the traced
 * MMIO read's cost, timed from outside); "kdev dmas N" runs the register and interrupt checks,
 * then N 4 KiB edu DMAs, alternating RAM -> device and device -> RAM, each waited for by its
 * MSI (the DMA engine's cost per transfer, timed from outside).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

#define EDU VK_BDF(0, 3, 0)
#define SECOND 1000000000ull

static uint32_t res, dev, notify;

static long rd(uint64_t off)
{
    return vk_device_mmio_read(dev, 0, off, 4, NULL);
}

static long wr(uint64_t off, uint64_t v)
{
    return vk_device_mmio_write(dev, 0, off, 4, v);
}

/* Wait for the notification's bit 1 (edu's MSI vector 0), with a deadline. */
static long wait_irq(void)
{
    struct vk_wait w = {.handle = notify, .flags = VK_WAIT_CLEAR, .mask = 1};
    long r = vk_wait_many(&w, 1, (uint64_t)vk_clock_get() + 2 * SECOND);
    return r == 0 ? (long)w.observed : r;
}

/* Run one edu DMA (cmd without the start bit) and wait for its completion interrupt. */
static long edu_dma(uint64_t src, uint64_t dst, uint64_t cnt, uint64_t cmd)
{
    vk_device_mmio_write(dev, 0, 0x80, 8, src);
    vk_device_mmio_write(dev, 0, 0x88, 8, dst);
    vk_device_mmio_write(dev, 0, 0x90, 8, cnt);
    wr(0x98, cmd | 1 | 4);
    long r = wait_irq();
    wr(0x64, 0x100); /* acknowledge */
    return r;
}

static void enumerate(void)
{
    int found = 0, host = 0, edu = 0, rng = 0, blk = 0, con = 0;
    for (uint32_t d = 0; d < 32; d++) {
        for (uint32_t f = 0; f < 8; f++) {
            long id = vk_pci_config_read(res, VK_BDF(0, d, f), 0, 4);
            if (id < 0 || id == 0xffffffffl)
                continue;
            printf("found 00:%02x.%x %04lx:%04lx\n", d, f, (unsigned long)id & 0xffff,
                   (unsigned long)id >> 16);
            found++;
            host += d == 0 && f == 0 && id == 0x29c08086l;
            edu += d == 3 && f == 0 && id == 0x11e81234l;
            rng += d == 4 && f == 0 && id == 0x10441af4l;
            blk += d == 5 && f == 0 && id == 0x10421af4l;
            con += d == 6 && f == 0 && id == 0x10431af4l;
        }
    }
    expect("enumeration finds five functions", found, 5);
    expect("00:00.0 is the host bridge", host, 1);
    expect("00:03.0 is edu", edu, 1);
    expect("00:04.0 is virtio-rng", rng, 1);
    expect("00:05.0 is virtio-blk", blk, 1);
    expect("00:06.0 is virtio-console", con, 1);
    expect("config read of bus 1", vk_pci_config_read(res, VK_BDF(1, 0, 0), 0, 4), 0xffffffffl);
}

static int msi_cap(void)
{
    long p = vk_device_config_read(dev, 0x34, 1);
    for (int i = 0; i < 48 && p >= 0x40; i++) {
        if (vk_device_config_read(dev, (uint32_t)p, 1) == 0x05)
            return (int)p;
        p = vk_device_config_read(dev, (uint32_t)p + 1, 1);
    }
    return 0;
}

static void registers(void)
{
    expect("device_open edu", vk_device_open(res, EDU, &dev), 0);
    uint32_t none;
    expect("device_open of an absent function", vk_device_open(res, VK_BDF(0, 7, 0), &none),
           -VK_ENOENT);
    struct vk_device_info info;
    expect("device_info", vk_device_info(dev, &info), 0);
    expect("info: vendor", info.vendor, 0x1234);
    expect("info: device", info.device, 0x11e8);
    expect("info: bar 0 is 32-bit memory", info.bars[0].kind, VK_BAR_MEM32);
    expect("info: bar 0 is 1 MiB", (long)info.bars[0].size, 1 << 20);
    expect("info: msi vectors", info.msi_vectors, 1);
    long cmd = vk_device_config_read(dev, 0x04, 2);
    expect("memory decoding is on, bus mastering off", cmd & 6, 2);
    expect("enable bus mastering", vk_device_config_write(dev, 0x04, 2, (uint32_t)cmd | 4), 0);

    expect("identification", rd(0x00), 0x010000ed);
    expect("liveness write", wr(0x04, 0x12345678), 0);
    expect("liveness reads NOT", rd(0x04), 0xedcba987l);
    uint64_t v = 0;
    expect("8-byte read with out", vk_device_mmio_read(dev, 0, 0x80, 8, &v), 0);
    expect("factorial: write 12", wr(0x08, 12), 0);
    int polls = 0;
    while ((rd(0x20) & 1) && polls < 100000)
        polls++;
    expect("factorial finishes while polled", polls > 0 && polls < 100000, 1);
    expect("12! = 479001600", rd(0x08), 479001600);
}

static void interrupts(void)
{
    int cap = msi_cap();
    expect("edu has an MSI capability", cap >= 0x40, 1);
    expect("notify_create", vk_notify_create(&notify), 0);
    expect("bind MSI vector 0", vk_device_irq_bind(dev, 0, notify, 1), 0);
    expect("MSI address", vk_device_config_write(dev, (uint32_t)cap + 4, 4, 0xfee00000u), 0);
    expect("MSI address high", vk_device_config_write(dev, (uint32_t)cap + 8, 4, 0), 0);
    expect("MSI data 0", vk_device_config_write(dev, (uint32_t)cap + 12, 2, 0), 0);
    long flags = vk_device_config_read(dev, (uint32_t)cap + 2, 2);
    expect("MSI enable", vk_device_config_write(dev, (uint32_t)cap + 2, 2, (uint32_t)flags | 1), 0);
    expect("raise on factorial", wr(0x20, 0x80), 0);
    expect("factorial: write 10", wr(0x08, 10), 0);
    expect("the MSI reaches the notification", wait_irq(), 1);
    expect("10! = 3628800", rd(0x08), 3628800);
    expect("interrupt status", rd(0x24), 1);
    wr(0x64, 1);
    expect("acknowledged", rd(0x24), 0);
}

static void dma(void)
{
    uint32_t dom, va, vb;
    uint64_t a = 0, b = 0;
    expect("dma_domain_open", vk_dma_domain_open(res, EDU, &dom), 0);
    expect("vmo a", vk_vmo_create(4096, &va), 0);
    expect("vmo b", vk_vmo_create(4096, &vb), 0);
    expect("map a", vk_vmo_map(va, VK_RIGHT_READ | VK_RIGHT_WRITE, &a), 0);
    expect("map b", vk_vmo_map(vb, VK_RIGHT_READ | VK_RIGHT_WRITE, &b), 0);
    unsigned char *pa = (unsigned char *)(uintptr_t)a, *pb = (unsigned char *)(uintptr_t)b;
    for (int i = 0; i < 4096; i++) {
        pa[i] = (unsigned char)(i * 7 + 3);
        pb[i] = 0xee;
    }
    struct vk_dma_map ma = {.vmo_off = 0, .iova = 0x100000, .len = 4096, .perm = VK_DMA_READ};
    struct vk_dma_map mb = {.vmo_off = 0, .iova = 0x200000, .len = 4096, .perm = VK_DMA_WRITE};
    expect("dma_map a (device reads)", vk_dma_map(dom, va, &ma), 0);
    expect("dma_map b (device writes)", vk_dma_map(dom, vb, &mb), 0);
    struct vk_dma_map big = {.vmo_off = 0, .iova = 0x400000, .len = 8192, .perm = VK_DMA_READ};
    expect("dma_map beyond the vmo", vk_dma_map(dom, va, &big), -VK_EINVAL);

    expect("RAM -> device completes", edu_dma(0x100000, 0x40000, 4096, 0), 1);
    expect("device -> RAM completes", edu_dma(0x40000, 0x200000, 4096, 2), 1);
    expect("no DMA error", rd(0x20) & 2, 0);
    expect("4 KiB round trip", memcmp(pa, pb, 4096), 0);

    memset(pb, 0x11, 4096);
    unsigned char copy[4096];
    memcpy(copy, pa, sizeof copy);
    long faults0 = 0;
    struct vk_iommu_fault f[8];
    faults0 = vk_iommu_faults(res, 0, f, 8);
    expect("no fault yet", faults0, 0);
    expect("DMA to an unmapped IOVA completes", edu_dma(0x40000, 0x300000, 4096, 2), 1);
    expect("DMA error bit", rd(0x20) & 2, 2);
    wr(0x20, 0x82); /* write 1 clears it (the interrupt enable stays) */
    expect("DMA error bit cleared", rd(0x20) & 2, 0);
    expect("DMA into a read-only mapping completes", edu_dma(0x40000, 0x100000, 4096, 2), 1);
    expect("DMA error bit again", rd(0x20) & 2, 2);
    expect("read-only memory unchanged", memcmp(pa, copy, 4096), 0);
    int same = 1;
    for (int i = 0; i < 4096; i++)
        same &= pb[i] == 0x11;
    expect("other memory unchanged", same, 1);
    expect("two faults logged", vk_iommu_faults(res, 0, f, 8), 2);
    expect("fault 0: seq", (long)f[0].seq, 0);
    expect("fault 0: iova", (long)f[0].iova, 0x300000);
    expect("fault 0: device", f[0].bdf, EDU);
    expect("fault 0: device writes", f[0].access, VK_DMA_WRITE);
    expect("fault 0: unmapped", f[0].reason, VK_IOMMU_UNMAPPED);
    expect("fault 1: iova", (long)f[1].iova, 0x100000);
    expect("fault 1: permission", f[1].reason, VK_IOMMU_PERM);
    expect("faults from seq 1", vk_iommu_faults(res, 1, f, 8), 1);
    expect("... is fault 1", (long)f[0].seq, 1);
    struct vk_dma_info di;
    expect("dma_info", vk_dma_info(dom, &di), 0);
    expect("dma_info: mappings", di.mappings, 2);
    expect("dma_info: faults", (long)di.faults, 2);
    struct vk_device_info info;
    vk_device_info(dev, &info);
    expect("device_info: faults", (long)info.faults, 2);
    expect("device_info: interrupts delivered", (long)info.irqs, 5);
    expect("revoke", vk_dma_unmap(dom, 0, VK_IOVA_LIMIT), 8192);
}

static void refusals(void)
{
    uint32_t ro;
    expect("dup without MMIO", vk_handle_dup(dev, VK_RIGHT_READ | VK_RIGHT_WRITE, &ro), 0);
    expect("MMIO read without MMIO", vk_device_mmio_read(ro, 0, 0, 4, NULL), -VK_EPERM);
    expect("MMIO write without MMIO", vk_device_mmio_write(ro, 0, 4, 4, 1), -VK_EPERM);
    expect("BAR register write", vk_device_config_write(dev, 0x10, 4, 0xffffffffu), -VK_EPERM);
    expect("ROM register write", vk_device_config_write(dev, 0x30, 4, 0xffffffffu), -VK_EPERM);
    expect("bar 1", vk_device_mmio_read(dev, 1, 0, 4, NULL), -VK_ENOENT);
    expect("unaligned", vk_device_mmio_read(dev, 0, 2, 4, NULL), -VK_EINVAL);
    expect("beyond the BAR", vk_device_mmio_read(dev, 0, 1 << 20, 4, NULL), -VK_EINVAL);
    expect("8 bytes on the fast path", vk_device_mmio_read(dev, 0, 0, 8, NULL), -VK_EINVAL);
    expect("still alive", rd(0x00), 0x010000ed);
    expect("reset", vk_device_reset(dev), 0);
    expect("reset: bus mastering off", vk_device_config_read(dev, 0x04, 2) & 4, 0);
    expect("reset: the BAR still decodes", rd(0x00), 0x010000ed);
    expect("reset: the factorial register is cleared", rd(0x08), 0);
    /* a DMA without bus mastering: refused, the error bit says so, the trace shows it */
    vk_device_mmio_write(dev, 0, 0x80, 8, 0x40000);
    vk_device_mmio_write(dev, 0, 0x88, 8, 0x200000);
    vk_device_mmio_write(dev, 0, 0x90, 8, 64);
    wr(0x98, 1 | 2);
    expect("sleep past the DMA", vk_wait_many(NULL, 0, (uint64_t)vk_clock_get() + SECOND / 2),
           -VK_ETIMEDOUT);
    expect("DMA without bus mastering: error bit", rd(0x20) & 2, 2);
    expect("... and the command completed", rd(0x98) & 1, 0);
}

int main(int argc, char **argv)
{
    res = vr_start_handle(VK_ROLE_SPAWNER);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "reads")) {
        long n = atol(argv[2]), bad = 0;
        if (vk_device_open(res, EDU, &dev))
            return 1;
        for (long i = 0; i < n; i++)
            bad += rd(0x00) != 0x010000ed;
        printf("kdev: %ld reads, %ld wrong\n", n, bad);
        return bad != 0;
    }
    if (argc == 3 && !strcmp(argv[1], "dmas")) {
        long n = atol(argv[2]), bad = 0;
        uint32_t dom, vmo;
        registers();
        interrupts();
        struct vk_dma_map m = {.iova = 0x100000, .len = 4096, .perm = VK_DMA_READ | VK_DMA_WRITE};
        if (vk_dma_domain_open(res, EDU, &dom) || vk_vmo_create(4096, &vmo) ||
            vk_dma_map(dom, vmo, &m))
            return 1;
        for (long i = 0; i < n; i++)
            bad += edu_dma(i & 1 ? 0x40000 : 0x100000, i & 1 ? 0x100000 : 0x40000, 4096,
                           i & 1 ? 2 : 0) != 1;
        printf("kdev: %ld DMAs, %ld failed\n", n, bad);
        return bad != 0;
    }
    enumerate();
    registers();
    interrupts();
    dma();
    refusals();
    return expect_summary("kdev");
}
