/*
 * Unit tests for sim/core/pcibus (a machine's PCI bus from its machine file): the default
 * machine builds, its host bridge (8086:29c0) and edu (1234:11e8 at 00:03.0) answer through
 * ECAM reads; the firmware placed edu's BAR aligned inside the 32-bit window, turned memory and
 * I/O decoding on (bus mastering off) and set the interrupt line, and MMIO at the BAR reaches
 * edu's registers; three edus get distinct, aligned, non-overlapping BARs, each routed to its own
 * device, identically on every build; the firmware pass alone, on devices with every BAR kind
 * (64-bit above 4 GiB and the memory, I/O from 0xc000, 32-bit packed at the window's top), and
 * a window too small; models are advanced in virtual time through the bus; a
 * declared but unimplemented model and an unsupported property are refused with the entry's
 * file:line:col, leaving nothing allocated; virtio-console's properties: console.toml's size
 * reaches the model, console = "stdio", a bad size, files with console = "null" and a missing
 * input file are refused; the input file is offered only once the driver is live.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw-models/edu/edu.h"
#include "hw-models/virtio/virtio_blk.h"
#include "hw-models/virtio/virtio_console.h"
#include "hw-models/virtio/virtio_net.h"
#include "hw-models/virtio/virtio_rng.h"
#include "sim/backends/vconsole.h"
#include "sim/core/machfile.h"
#include "sim/core/pcibus.h"
#include "veridian/errors.h"

static struct vs_machine_desc *d;
static struct vs_pcibus *b;
static char err[512];

static void setup(void)
{
    d = calloc(1, sizeof *d);
    b = calloc(1, sizeof *b);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(b);
    err[0] = 0;
}

static void teardown(void)
{
    vs_pcibus_fini(b);
    free(b);
    free(d);
}

static void parse(const char *text)
{
    ck_assert_int_eq(vs_machfile_parse(text, strlen(text), "m.toml", d, err, sizeof err), 0);
}

static uint64_t ecam_read(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(
        pci_host_mmio_read(&b->host, VS_PCI_ECAM_BASE + PCI_ECAM_OFFSET(0, dev, fn, reg), size, &v),
        0);
    return v;
}

static uint64_t mmio_read32(uint64_t addr)
{
    uint64_t v = 0;
    ck_assert_int_eq(pci_host_mmio_read(&b->host, addr, 4, &v), 0);
    return v;
}

/* BAR0's address as the firmware programmed it, read back through ECAM. */
static uint64_t bar0(unsigned dev)
{
    uint64_t lo = ecam_read(dev, 0, PCI_BASE_ADDRESS_0, 4);
    ck_assert_uint_eq(lo & 0xf, 0); /* 32-bit memory, not prefetchable */
    return lo & ~0xfull;
}

START_TEST(default_machine)
{
    ck_assert_int_eq(vs_machfile_load(MACHINES_DIR "/default.toml", d, err, sizeof err), 0);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    /* the host bridge, q35's MCH */
    ck_assert_uint_eq(ecam_read(0, 0, PCI_VENDOR_ID, 4), 0x29c08086u);
    ck_assert_uint_eq(ecam_read(0, 0, PCI_REVISION_ID, 4) >> 8, 0x060000u);
    ck_assert_str_eq(vs_pcibus_model_name(b, 0), "host-bridge");
    /* edu at 00:03.0 */
    ck_assert_uint_eq(ecam_read(3, 0, PCI_VENDOR_ID, 4), 0x11e81234u);
    ck_assert_uint_eq(ecam_read(3, 0, PCI_VENDOR_ID, 2), EDU_VENDOR_ID);
    ck_assert_uint_eq(ecam_read(3, 0, PCI_DEVICE_ID, 2), EDU_DEVICE_ID);
    ck_assert_uint_eq(ecam_read(3, 0, PCI_REVISION_ID, 4), (EDU_CLASS << 8) | EDU_REVISION);
    uint32_t bdf = PCI_DEVFN(3, 0);
    ck_assert_str_eq(vs_pcibus_model_name(b, bdf), "edu");
    struct pci_device *dev = vs_pcibus_device(b, bdf);
    ck_assert_ptr_nonnull(dev);
    ck_assert_ptr_eq(dev, &((struct edu *)vs_pcibus_model_state(b, bdf))->pci);
    ck_assert_ptr_eq(vs_pcibus_device(b, 0), &b->host.bridge);
    /* virtio-rng at 00:04.0 */
    ck_assert_uint_eq(ecam_read(4, 0, PCI_VENDOR_ID, 4), 0x10441af4u);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(4, 0)), "virtio-rng");
    ck_assert_ptr_eq(vs_pcibus_device(b, PCI_DEVFN(4, 0)),
                     &((struct virtio_rng *)vs_pcibus_model_state(b, PCI_DEVFN(4, 0)))->vp.pci);
    /* virtio-blk at 00:05.0, virtio-console at 00:06.0 */
    ck_assert_uint_eq(ecam_read(5, 0, PCI_VENDOR_ID, 4), 0x10421af4u);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(5, 0)), "virtio-blk");
    ck_assert_uint_eq(ecam_read(6, 0, PCI_VENDOR_ID, 4), 0x10431af4u);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(6, 0)), "virtio-console");
    /* nothing elsewhere */
    ck_assert_ptr_null(vs_pcibus_device(b, PCI_DEVFN(7, 0)));
    ck_assert_ptr_null(vs_pcibus_device(b, 0x100 | bdf));
    ck_assert_ptr_null(vs_pcibus_model_name(b, PCI_DEVFN(7, 0)));
    ck_assert_uint_eq(ecam_read(7, 0, PCI_VENDOR_ID, 4), 0xffffffffu);
    ck_assert_int_eq(pci_device_check(dev), 0);
}
END_TEST

START_TEST(bars_placed)
{
    ck_assert_int_eq(vs_machfile_load(MACHINES_DIR "/default.toml", d, err, sizeof err), 0);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    uint64_t a = bar0(3);
    ck_assert_uint_eq(a % EDU_BAR_SIZE, 0);
    ck_assert_uint_ge(a, VS_PCI_MMIO32_BASE);
    ck_assert_uint_le(a + EDU_BAR_SIZE, VS_PCI_MMIO32_END);
    /* SeaBIOS's placement: the packed block (edu's 1 MiB, then virtio-rng's 4 KiB MSI-X BAR)
     * at the top of the window, aligned to its largest BAR */
    ck_assert_uint_eq(a,
                      (VS_PCI_MMIO32_END - EDU_BAR_SIZE - 0x1000) & ~(uint64_t)(EDU_BAR_SIZE - 1));
    ck_assert_uint_eq(vs_pcibus_device(b, PCI_DEVFN(4, 0))->bars[1].addr, a + EDU_BAR_SIZE);
    ck_assert_uint_eq(vs_pcibus_device(b, PCI_DEVFN(4, 0))->bars[4].addr,
                      vs_pcibus_mmio64_base(d->memory));
    struct pci_device *dev = vs_pcibus_device(b, PCI_DEVFN(3, 0));
    ck_assert_uint_eq(dev->bars[0].addr, a);
    /* decoding on, bus mastering left to the driver */
    uint64_t cmd = ecam_read(3, 0, PCI_COMMAND, 2);
    ck_assert_uint_eq(cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO),
                      PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    ck_assert_uint_eq(cmd & PCI_COMMAND_MASTER, 0);
    /* INTA of slot 3 on q35: PIRQD, IRQ 11 */
    ck_assert_uint_eq(ecam_read(3, 0, PCI_INTERRUPT_PIN, 1), 1);
    ck_assert_uint_eq(ecam_read(3, 0, PCI_INTERRUPT_LINE, 1), 11);
    /* MMIO at the BAR reaches edu */
    ck_assert_uint_eq(mmio_read32(a + EDU_REG_ID), EDU_ID_VALUE);
    ck_assert_int_eq(pci_host_mmio_write(&b->host, a + EDU_REG_LIVENESS, 4, 0x12345678), 0);
    ck_assert_uint_eq(mmio_read32(a + EDU_REG_LIVENESS), ~0x12345678u);
    /* the sizing protocol still works after placement, and restores the address */
    ck_assert_int_eq(pci_host_mmio_write(
                         &b->host, VS_PCI_ECAM_BASE + PCI_ECAM_OFFSET(0, 3, 0, PCI_BASE_ADDRESS_0),
                         4, 0xffffffff),
                     0);
    ck_assert_uint_eq(ecam_read(3, 0, PCI_BASE_ADDRESS_0, 4), (uint32_t) ~(EDU_BAR_SIZE - 1));
    ck_assert_uint_eq(b->host.unassigned_reads, 0);
}
END_TEST

static const char three_edus[] = "memory = \"1G\"\n"
                                 "[[pci]]\nslot = \"05.0\"\nmodel = \"edu\"\n"
                                 "[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\n"
                                 "[[pci]]\nslot = \"04.0\"\nmodel = \"edu\"\n";

START_TEST(several_edus)
{
    parse(three_edus);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    uint64_t a[3];
    for (unsigned i = 0; i < 3; i++) {
        a[i] = bar0(3 + i);
        ck_assert_uint_eq(a[i] % EDU_BAR_SIZE, 0);
        ck_assert_uint_ge(a[i], VS_PCI_MMIO32_BASE);
        ck_assert_uint_le(a[i] + EDU_BAR_SIZE, VS_PCI_MMIO32_END);
        for (unsigned j = 0; j < i; j++)
            ck_assert(a[i] + EDU_BAR_SIZE <= a[j] || a[j] + EDU_BAR_SIZE <= a[i]);
        ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(3 + i, 0)), "edu");
    }
    /* equal sizes go in slot order, upwards from the bottom of the packed block */
    ck_assert_uint_eq(a[1], a[0] + EDU_BAR_SIZE);
    ck_assert_uint_eq(a[2], a[1] + EDU_BAR_SIZE);
    /* each BAR reaches its own device */
    for (unsigned i = 0; i < 3; i++)
        ck_assert_int_eq(pci_host_mmio_write(&b->host, a[i] + EDU_REG_LIVENESS, 4, 0x100 + i), 0);
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_uint_eq(mmio_read32(a[i] + EDU_REG_LIVENESS), ~(0x100u + i));
        struct edu *e = vs_pcibus_model_state(b, PCI_DEVFN(3 + i, 0));
        ck_assert_uint_eq(e->pci.bars[0].addr, a[i]);
    }
    /* the same file, the same layout */
    struct vs_pcibus *b2 = calloc(1, sizeof *b2);
    ck_assert_ptr_nonnull(b2);
    ck_assert_int_eq(vs_pcibus_build(b2, d, NULL, NULL, err, sizeof err), 0);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(vs_pcibus_device(b2, PCI_DEVFN(3 + i, 0))->bars[0].addr, a[i]);
    vs_pcibus_fini(b2);
    vs_pcibus_fini(b2); /* harmless */
    free(b2);
}
END_TEST

START_TEST(time_passes)
{
    parse(three_edus);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(vs_pcibus_next_event(b), VS_PCI_NO_EVENT);
    uint64_t a4 = bar0(4);
    vs_pcibus_advance(b, 5000);
    ck_assert_int_eq(pci_host_mmio_write(&b->host, a4 + EDU_REG_FACT, 4, 5), 0);
    ck_assert_uint_eq(vs_pcibus_next_event(b), 5000 + EDU_FACT_DELAY_NS);
    vs_pcibus_advance(b, 5000 + EDU_FACT_DELAY_NS - 1);
    ck_assert_uint_eq(mmio_read32(a4 + EDU_REG_STATUS) & EDU_STATUS_COMPUTING, 1);
    vs_pcibus_advance(b, 5000 + EDU_FACT_DELAY_NS);
    ck_assert_uint_eq(mmio_read32(a4 + EDU_REG_STATUS) & EDU_STATUS_COMPUTING, 0);
    ck_assert_uint_eq(mmio_read32(a4 + EDU_REG_FACT), 120);
    ck_assert_uint_eq(vs_pcibus_next_event(b), VS_PCI_NO_EVENT);
}
END_TEST

/* virtio-rng's stream: from the run's seed and its bdf only (vs_pcibus_seed). */
static uint64_t rng_first(struct vs_pcibus *bus, unsigned slot, uint64_t run_seed)
{
    vs_pcibus_seed(bus, run_seed);
    struct virtio_rng *r = vs_pcibus_model_state(bus, PCI_DEVFN(slot, 0));
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->seed, vs_pcibus_stream_seed(run_seed, PCI_DEVFN(slot, 0)));
    struct vl_prng p = r->prng; /* the model's generator, not advanced */
    return vl_prng_next(&p);
}

START_TEST(rng_seeded)
{
    parse("memory = \"1G\"\n[[pci]]\nslot = \"04.0\"\nmodel = \"virtio-rng\"\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    uint64_t s7 = rng_first(b, 4, 7), s8 = rng_first(b, 4, 8);
    ck_assert_uint_ne(s7, s8);
    ck_assert_uint_eq(rng_first(b, 4, 7), s7);
    /* another device in the machine does not move it; another slot does */
    struct vs_pcibus *b2 = calloc(1, sizeof *b2);
    ck_assert_ptr_nonnull(b2);
    ck_assert_int_eq(vs_machfile_load(MACHINES_DIR "/default.toml", d, err, sizeof err), 0);
    ck_assert_int_eq(vs_pcibus_build(b2, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(rng_first(b2, 4, 7), s7);
    vs_pcibus_fini(b2);
    parse("memory = \"1G\"\n[[pci]]\nslot = \"05.0\"\nmodel = \"virtio-rng\"\n");
    ck_assert_int_eq(vs_pcibus_build(b2, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_ne(rng_first(b2, 5, 7), s7);
    vs_pcibus_fini(b2);
    free(b2);
    /* apart from the kernel's streams, which start from vl_prng_seed(run seed) */
    struct vl_prng k;
    vl_prng_seed(&k, 7);
    ck_assert_uint_ne(vs_pcibus_stream_seed(7, PCI_DEVFN(4, 0)), 7);
    ck_assert_uint_ne(vl_prng_next(&k), s7);
}
END_TEST

START_TEST(net_wire_properties)
{
    /* virtio-net: the machine file's MAC and wire reach the model */
    parse("memory = \"1G\"\n[[pci]]\nslot = \"04.0\"\nmodel = \"virtio-net\"\n"
          "mac = \"52:54:00:aa:bb:cc\"\nwire = \"responder\"\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(4, 0)), "virtio-net");
    const struct virtio_net *n = vs_pcibus_model_state(b, PCI_DEVFN(4, 0));
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(n->mac[3], 0xaa);
    ck_assert_uint_eq(n->mac[5], 0xcc);
    vs_pcibus_fini(b);
}
END_TEST

/* virtio-console: the machine file's properties reach the model and its host end. */
struct vcon_state { /* pcibus.c's struct vcon_model */
    struct virtio_console con;
    struct vs_vconsole host;
};

static int build_console(const char *props)
{
    char text[1024];
    snprintf(text, sizeof text,
             "memory = \"1G\"\n[[pci]]\nslot = \"06.0\"\nmodel = \"virtio-console\"\n%s", props);
    parse(text);
    return vs_pcibus_build(b, d, NULL, NULL, err, sizeof err);
}

START_TEST(console_properties)
{
    ck_assert_int_eq(vs_machfile_load(MACHINES_DIR "/console.toml", d, err, sizeof err), 0);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    struct vcon_state *m = vs_pcibus_model_state(b, PCI_DEVFN(6, 0));
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(6, 0)), "virtio-console");
    ck_assert_uint_eq(m->con.cols, 132);
    ck_assert_uint_eq(m->con.rows, 43);
    ck_assert_int_eq(m->host.out_fd, -1); /* null: discarded */
    ck_assert_uint_eq(m->host.in_len, 0);
    vs_pcibus_fini(b);

    ck_assert_int_eq(build_console("console = \"stdio\"\n"), -VK_ENOTSUP);
    ck_assert_msg(strstr(err, "m.toml:2:1: virtio-console: console = \"stdio\" is not implemented"),
                  "%s", err);
    ck_assert_uint_eq(b->nfn, 0);
    static const char *const bad_sizes[] = {"80x0", "80", "x25", "80x25x", "70000x1", "0x0"};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        char p[64];
        snprintf(p, sizeof p, "size = \"%s\"\n", bad_sizes[i]);
        ck_assert_int_eq(build_console(p), -VK_EINVAL);
        ck_assert_msg(strstr(err, "property 'size' must be COLSxROWS"), "%s: %s", bad_sizes[i],
                      err);
        ck_assert_uint_eq(b->nfn, 0);
    }
    ck_assert_int_eq(build_console("output = \"/tmp/x\"\n"), -VK_EINVAL);
    ck_assert_msg(strstr(err, "need console = \"file\""), "%s", err);
    ck_assert_int_eq(build_console("console = \"file\"\ninput = \"/nonexistent/vcon-test.in\"\n"),
                     -VK_ENOENT);
    ck_assert_msg(strstr(err, "cannot open the input file /nonexistent/vcon-test.in"), "%s", err);
    ck_assert_uint_eq(b->nfn, 0);
}
END_TEST

START_TEST(console_input_waits_for_the_driver)
{
    char dir[] = "/tmp/vcon-XXXXXX", props[512], in[64], out[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    FILE *f = fopen(in, "w");
    ck_assert_ptr_nonnull(f);
    fputs("typed ahead", f);
    fclose(f);
    snprintf(props, sizeof props, "console = \"file\"\noutput = \"%s\"\ninput = \"%s\"\n", out, in);
    ck_assert_int_eq(build_console(props), 0);
    struct vcon_state *m = vs_pcibus_model_state(b, PCI_DEVFN(6, 0));
    ck_assert_uint_eq(m->host.in_len, 11);
    ck_assert_int_ge(m->host.out_fd, 0);
    /* no driver: nothing is taken, nothing is scheduled, nothing is lost */
    ck_assert_uint_eq(vs_pcibus_next_event(b), VS_PCI_NO_EVENT);
    vs_pcibus_advance(b, 1000000);
    ck_assert_uint_eq(m->host.in_done, 0);
    ck_assert_uint_eq(m->con.input_accepted, 0);
    ck_assert_uint_eq(m->con.input_refused, 11);
    vs_pcibus_fini(b);
    ck_assert_int_eq(unlink(in), 0);
    ck_assert_int_eq(unlink(out), 0); /* created (empty) at open */
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(dma_mask_refused)
{
    parse("memory = \"1G\"\n"
          "[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\n"
          "[[pci]]\nslot = \"04.0\"\nmodel = \"edu\"\ndma_mask = 0xffffffff\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_ENOTSUP);
    ck_assert_msg(!strncmp(err, "m.toml:5:1: edu property 'dma_mask' = 0xffffffff is not supported",
                           strlen("m.toml:5:1: edu property 'dma_mask' = 0xffffffff is not "
                                  "supported")),
                  "%s", err);
    ck_assert_uint_eq(b->nfn, 0);
    /* the default value, written out, is fine */
    parse("memory = \"1G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma_mask = 0x0fffffff\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
}
END_TEST

/* virtio-blk: the image is opened when the machine is built; a missing or bad image, a bad
 * block size or serial is refused before anything boots, with the entry's position. */
static void write_image(const char *path, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < len; i++)
        fputc((int)(i * 7 & 0xff), f);
    ck_assert_int_eq(fclose(f), 0);
}

static void blk_machine(const char *image, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text,
             "memory = \"1G\"\n[[pci]]\nslot = \"05.0\"\nmodel = \"virtio-blk\"\n"
             "image = \"%s\"\n%s",
             image, extra);
    parse(text);
}

START_TEST(blk_image)
{
    char dir[] = "/tmp/test_pcibus_XXXXXX", img[64], odd[64], none[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(img, sizeof img, "%s/disk.img", dir);
    snprintf(odd, sizeof odd, "%s/odd.img", dir);
    snprintf(none, sizeof none, "%s/none.img", dir);
    write_image(img, 64 * 1024);
    write_image(odd, 1000);

    blk_machine(img, "readonly = true\nserial = \"SN-1\"\nblock_size = 4096\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_str_eq(vs_pcibus_model_name(b, PCI_DEVFN(5, 0)), "virtio-blk");
    ck_assert_uint_eq(ecam_read(5, 0, PCI_VENDOR_ID, 4), 0x10421af4u);
    const struct virtio_blk *vb = vs_pcibus_model_state(b, PCI_DEVFN(5, 0));
    ck_assert_ptr_nonnull(vb);
    ck_assert_uint_eq(vb->capacity, 128);
    ck_assert_uint_eq(vb->blk_size, 4096);
    ck_assert_str_eq(vb->serial, "SN-1");
    ck_assert(vb->ops.features & VIRTIO_FEATURE(VIRTIO_BLK_F_RO));
    ck_assert_int_eq(virtio_blk_check(vb), 0);
    vs_pcibus_fini(b);
    blk_machine(img, "latency_ns = 7\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    vb = vs_pcibus_model_state(b, PCI_DEVFN(5, 0));
    ck_assert(!(vb->ops.features & VIRTIO_FEATURE(VIRTIO_BLK_F_RO)));
    ck_assert_uint_eq(vb->vp.latency, 7);
    ck_assert_str_eq(vb->serial, "vrsim-blk");
    vs_pcibus_fini(b);

    char want[512];
    blk_machine(none, "");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_ENOENT);
    snprintf(want, sizeof want,
             "m.toml:2:1: virtio-blk image: blkimage: %s: cannot open: No such file or directory",
             none);
    ck_assert_str_eq(err, want);
    ck_assert_uint_eq(b->nfn, 0);
    blk_machine(odd, "");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_EINVAL);
    snprintf(want, sizeof want,
             "m.toml:2:1: virtio-blk image: blkimage: %s: size 1000 is not a multiple of 512 "
             "bytes",
             odd);
    ck_assert_str_eq(err, want);
    blk_machine(dir, "");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_EINVAL);
    ck_assert_msg(strstr(err, "m.toml:2:1: ") == err && strstr(err, "not a regular file"), "%s",
                  err);
    blk_machine(img, "block_size = 1024\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:2:1: virtio-blk property 'block_size' must be 512 or 4096, not "
                          "1024");
    blk_machine(img, "serial = \"123456789012345678901\"\n");
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:2:1: virtio-blk property 'serial' is longer than 20 bytes: "
                          "'123456789012345678901'");
    unlink(img);
    unlink(odd);
    rmdir(dir);
}
END_TEST

START_TEST(empty_machine)
{
    vs_machfile_default(d);
    ck_assert_int_eq(vs_pcibus_build(b, d, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(ecam_read(0, 0, PCI_VENDOR_ID, 4), 0x29c08086u);
    ck_assert_uint_eq(b->host.nattached, 1);
    ck_assert_uint_eq(vs_pcibus_next_event(b), VS_PCI_NO_EVENT);
}
END_TEST

START_TEST(mmio64_base)
{
    ck_assert_uint_eq(vs_pcibus_mmio64_base(1ull << 30), 1ull << 32);
    ck_assert_uint_eq(vs_pcibus_mmio64_base(2ull << 30), 1ull << 32);
    /* q35: 2 GiB stay low once the machine has 2.75 GiB, the rest goes above 4 GiB */
    ck_assert_uint_eq(vs_pcibus_mmio64_base(3ull << 30), 5ull << 30);
    ck_assert_uint_eq(vs_pcibus_mmio64_base((3ull << 30) + 4096), 6ull << 30);
    ck_assert_uint_ge(vs_pcibus_mmio64_base(VS_MACH_MEMORY_MAX),
                      4ull * (1ull << 30) + VS_MACH_MEMORY_MAX - (2ull << 30));
}
END_TEST

/* A device of every BAR kind, for the firmware pass alone (no model in the table has them). */
struct fake_bars {
    enum pci_bar_kind kind[PCI_NUM_BARS];
    uint64_t size[PCI_NUM_BARS];
    bool prefetch[PCI_NUM_BARS];
};

static int fake_realize(struct pci_device *dev)
{
    const struct fake_bars *f = dev->opaque;
    pci_set_ids(dev, 0x1b36, 0x0005, 0x00ff00, 0);
    pci_set_intx_pin(dev, 2);
    for (int i = 0; i < PCI_NUM_BARS; i++)
        if (f->kind[i] != PCI_BAR_NONE &&
            pci_register_bar(dev, i, f->kind[i], f->size[i], f->prefetch[i]) < 0)
            return -VK_EINVAL;
    return 0;
}

static uint64_t fake_read(struct pci_device *dev, int bar, uint64_t off, unsigned size)
{
    (void)size;
    return (uint64_t)dev->devfn << 16 | (uint64_t)bar << 8 | (off & 0xff);
}

static const struct pci_device_ops fake_ops = {
    .realize = fake_realize, .mmio_read = fake_read, .min_access = 1, .max_access = 8};

static void fake_attach(struct pci_device *dev, const struct fake_bars *f, unsigned slot)
{
    memset(dev, 0, sizeof *dev);
    ck_assert_int_eq(pci_device_realize(dev, &fake_ops, (void *)f), 0);
    ck_assert_int_eq(pci_host_attach(&b->host, dev, PCI_DEVFN(slot, 0)), 0);
}

/* Every BAR kind: 64-bit above 4 GiB and the high memory, I/O from 0xc000, 32-bit at the top
 * of the window; all aligned, largest first, disjoint; and each reaches its device. */
START_TEST(every_bar_kind)
{
    static const struct fake_bars fa = {
        .kind = {PCI_BAR_MEM64, PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64},
        .size = {16ull << 20, 0, 256, 4096, 8ull << 30},
        .prefetch = {true, false, false, false, true}};
    static const struct fake_bars fb = {.kind = {PCI_BAR_IO, PCI_BAR_MEM32},
                                        .size = {32, 64 << 10}};
    struct pci_device *da = calloc(1, sizeof *da), *db = calloc(1, sizeof *db);
    ck_assert(da && db);
    ck_assert_int_eq(pci_host_init(&b->host, NULL, NULL, VS_PCI_ECAM_BASE, 1, VS_PCI_HOST_VENDOR,
                                   VS_PCI_HOST_DEVICE),
                     0);
    fake_attach(da, &fa, 6);
    fake_attach(db, &fb, 4);
    struct vs_pci_layout lay;
    ck_assert_int_eq(vs_pci_firmware(&b->host, 3ull << 30, &lay), 0);
    ck_assert_int_eq(lay.failed, PCI_BAR_NONE);
    /* 64-bit: from 5 GiB (3 GiB of memory: 1 GiB above 4 GiB), the 8 GiB BAR first */
    ck_assert_uint_eq(lay.mmio64_base, 5ull << 30);
    ck_assert_uint_eq(da->bars[4].addr, 8ull << 30);
    ck_assert_uint_eq(da->bars[0].addr, 16ull << 30);
    ck_assert_uint_eq(lay.mmio64_hi, (16ull << 30) + (16ull << 20));
    /* the BAR registers hold them (upper halves included) */
    uint32_t lo = 0, hi = 0;
    pci_config_read(da, PCI_BASE_ADDRESS_0 + 16, 4, &lo);
    pci_config_read(da, PCI_BASE_ADDRESS_0 + 20, 4, &hi);
    ck_assert_uint_eq(((uint64_t)hi << 32) | (lo & ~0xfu), 8ull << 30);
    ck_assert_uint_eq(lo & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
    /* I/O: 256 bytes at 0xc000, then 32 */
    ck_assert_uint_eq(da->bars[2].addr, 0xc000);
    ck_assert_uint_eq(db->bars[0].addr, 0xc100);
    ck_assert_uint_eq(lay.io_hi, 0xc120);
    /* 32-bit: 64 KiB + 4 KiB packed at the top, aligned to 64 KiB */
    ck_assert_uint_eq(db->bars[1].addr, 0xfebe0000u);
    ck_assert_uint_eq(da->bars[3].addr, 0xfebf0000u);
    ck_assert_uint_eq(lay.mmio32_lo, 0xfebe0000u);
    /* decoding on for both, bus mastering off; INTB of slots 4 and 6 */
    for (int k = 0; k < 2; k++) {
        struct pci_device *dev = k ? db : da;
        uint32_t cmd = 0, line = 0;
        pci_config_read(dev, PCI_COMMAND, 2, &cmd);
        ck_assert_uint_eq(cmd & 7, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
        pci_config_read(dev, PCI_INTERRUPT_LINE, 1, &line);
        ck_assert_uint_eq(line, k ? 10 : 11); /* (2 - 1 + 4) & 7 = 5 -> 10; (1 + 6) = 7 -> 11 */
    }
    /* each address reaches its BAR */
    uint64_t v = 0;
    ck_assert_int_eq(pci_host_mmio_read(&b->host, (8ull << 30) + 0x10, 4, &v), 0);
    ck_assert_uint_eq(v, (uint64_t)PCI_DEVFN(6, 0) << 16 | 4 << 8 | 0x10);
    ck_assert_int_eq(pci_host_mmio_read(&b->host, (16ull << 30) + 0x34, 4, &v), 0);
    ck_assert_uint_eq(v, (uint64_t)PCI_DEVFN(6, 0) << 16 | 0 << 8 | 0x34);
    ck_assert_int_eq(pci_host_mmio_read(&b->host, 0xfebe0000u + 8, 4, &v), 0);
    ck_assert_uint_eq(v, (uint64_t)PCI_DEVFN(4, 0) << 16 | 1 << 8 | 8);
    uint32_t p = 0;
    ck_assert_int_eq(pci_host_pio_read(&b->host, 0xc104, 4, &p), 0);
    ck_assert_uint_eq(p, (uint32_t)PCI_DEVFN(4, 0) << 16 | 0 << 8 | 4);
    ck_assert_int_eq(pci_device_check(da), 0);
    ck_assert_int_eq(pci_device_check(db), 0);
    memset(&b->host, 0, sizeof b->host);
    free(da);
    free(db);
}
END_TEST

/* A window too small refuses the machine and programs nothing. */
START_TEST(window_too_small)
{
    static const struct fake_bars big = {.kind = {PCI_BAR_MEM32}, .size = {1ull << 31}};
    struct pci_device *dev = calloc(1, sizeof *dev);
    ck_assert_ptr_nonnull(dev);
    ck_assert_int_eq(pci_host_init(&b->host, NULL, NULL, VS_PCI_ECAM_BASE, 1, VS_PCI_HOST_VENDOR,
                                   VS_PCI_HOST_DEVICE),
                     0);
    fake_attach(dev, &big, 3);
    struct vs_pci_layout lay;
    ck_assert_int_eq(vs_pci_firmware(&b->host, 1ull << 30, &lay), -VK_ENOSPC);
    ck_assert_int_eq(lay.failed, PCI_BAR_MEM32);
    uint32_t cmd = 1, bar = 1;
    pci_config_read(dev, PCI_COMMAND, 2, &cmd);
    pci_config_read(dev, PCI_BASE_ADDRESS_0, 4, &bar);
    ck_assert_uint_eq(cmd, 0);
    ck_assert_uint_eq(bar, 0);
    memset(&b->host, 0, sizeof b->host);
    free(dev);
}
END_TEST

Suite *pcibus_suite(void);

Suite *pcibus_suite(void)
{
    Suite *s = suite_create("pcibus");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, default_machine);
    tcase_add_test(tc, bars_placed);
    tcase_add_test(tc, several_edus);
    tcase_add_test(tc, time_passes);
    tcase_add_test(tc, rng_seeded);
    tcase_add_test(tc, net_wire_properties);
    tcase_add_test(tc, dma_mask_refused);
    tcase_add_test(tc, console_properties);
    tcase_add_test(tc, console_input_waits_for_the_driver);
    tcase_add_test(tc, empty_machine);
    tcase_add_test(tc, mmio64_base);
    tcase_add_test(tc, every_bar_kind);
    tcase_add_test(tc, window_too_small);
    tcase_add_test(tc, blk_image);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pcibus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
