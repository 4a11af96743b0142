/*
 * Unit tests for sim/core/machfile (machine files): the default machine (sim/machines/
 * default.toml) parses to 2 GiB with edu at 03.0; every kind of error is refused with its exact
 * "file:line:col: message" (TOML syntax, unknown keys, wrong types, slots malformed, out of range,
 * used twice or without function 0, unknown models, bad property values, missing keys, memory
 * not a page multiple, zero or beyond the limit, too many devices, over-long strings); defaults
 * and relative paths; reserved models parse but are "not implemented yet"; the dump's format.
 * Then random mutations of the default file (bytes flipped, inserted, deleted, lines duplicated,
 * tokens spliced in) must never crash and always end either in a valid description (every
 * invariant re-checked) or in one clear message that starts with "file:LINE:COL: ". Each text is
 * handed over in a heap buffer of exactly its length, so ASan catches any over-read.
 * Files of several nodes ([[node]], [[link]]): the repo's two-node example, the defaults, and
 * every kind of error (unknown node, NIC linked twice or to itself, rates outside [0, 1], ...)
 * with its exact position and message.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/machfile.h"
#include "veridian/errors.h"

static struct vs_machine_desc *d;
static char err[512];

static void setup(void)
{
    d = calloc(1, sizeof *d);
    ck_assert_ptr_nonnull(d);
    err[0] = 0;
}

static void teardown(void)
{
    free(d);
    d = NULL;
}

static int parse_as(const char *file, const char *text, size_t n)
{
    char *buf = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, n);
    int rc = vs_machfile_parse(buf, n, file, d, err, sizeof err);
    free(buf);
    return rc;
}

static int parse(const char *text)
{
    return parse_as("m.toml", text, strlen(text));
}

static char *read_default(size_t *len)
{
    FILE *f = fopen(MACHINES_DIR "/default.toml", "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(1 << 16);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

START_TEST(default_machine)
{
    char path[] = MACHINES_DIR "/default.toml";
    ck_assert_int_eq(vs_machfile_load(path, d, err, sizeof err), 0);
    ck_assert_str_eq(d->name, "default");
    ck_assert_uint_eq(d->memory, 2ull << 30);
    ck_assert_uint_eq(d->npci, 4);
    ck_assert_uint_eq(d->pci[0].dev, 3);
    ck_assert_uint_eq(d->pci[0].fn, 0);
    ck_assert_str_eq(d->pci[0].model->name, "edu");
    ck_assert_uint_eq(d->pci[0].model->vendor, 0x1234);
    ck_assert_uint_eq(d->pci[0].model->device, 0x11e8);
    ck_assert_uint_eq(d->pci[0].props[0].num, 0x0fffffff);
    ck_assert_uint_eq(d->pci[1].dev, 4);
    ck_assert_str_eq(d->pci[1].model->name, "virtio-rng");
    ck_assert_uint_eq(d->pci[1].model->device, 0x1044);
    ck_assert_uint_eq(d->pci[2].dev, 5);
    ck_assert_str_eq(d->pci[2].model->name, "virtio-blk");
    ck_assert_uint_eq(d->pci[3].dev, 6);
    ck_assert_str_eq(d->pci[3].model->name, "virtio-console");
    ck_assert_int_eq(vs_machfile_check_implemented(d, err, sizeof err), 0);
}
END_TEST

START_TEST(unreadable)
{
    ck_assert_int_eq(vs_machfile_load("/nonexistent/m.toml", d, err, sizeof err), -VK_ENOENT);
    ck_assert_str_eq(err, "/nonexistent/m.toml: No such file or directory");
}
END_TEST

START_TEST(builtin_default)
{
    vs_machfile_default(d);
    ck_assert_uint_eq(d->memory, VS_MACH_MEMORY_DEFAULT);
    ck_assert_uint_eq(d->npci, 0);
}
END_TEST

static const struct {
    const char *text, *msg;
} bad[] = {
    /* TOML syntax: the parser's own message and position */
    {"memory = \n", "m.toml:1:10: expected a value, found end of line"},
    {"memory = \"2G\"\nmemory = \"1G\"\n",
     "m.toml:2:1: duplicate key 'memory': already defined as a string at 1:10"},
    /* unknown keys */
    {"memory = \"2G\"\nmemroy = 1\n",
     "m.toml:2:10: unknown key 'memroy' (a machine has: name, memory, [[pci]])"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma = 1\n",
     "m.toml:5:7: unknown key 'dma' for model edu (its properties: dma_mask)"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-rng\"\nx = 1\n",
     "m.toml:5:5: unknown key 'x' for model virtio-rng (it has no properties)"},
    {"memory = \"2G\"\n[extra]\n",
     "m.toml:2:1: unknown key 'extra' (a machine has: name, memory, [[pci]])"},
    /* wrong types */
    {"memory = true\n",
     "m.toml:1:10: 'memory' must be an integer or a string like \"2G\", not bool"},
    {"memory = \"2G\"\nname = 3\n", "m.toml:2:8: 'name' must be a string, not integer"},
    {"memory = \"2G\"\npci = 1\n",
     "m.toml:2:7: 'pci' must be an array of tables ([[pci]]), not integer"},
    {"memory = \"2G\"\npci = [1]\n",
     "m.toml:2:8: each 'pci' entry must be a table ([[pci]]), not integer"},
    {"memory = \"2G\"\n[[pci]]\nslot = 3\nmodel = \"edu\"\n",
     "m.toml:3:8: 'slot' must be a string, not integer"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = [\"edu\"]\n",
     "m.toml:4:9: 'model' must be a string, not array"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma_mask = \"0xff\"\n",
     "m.toml:5:12: edu property 'dma_mask' must be an integer, not string"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-blk\"\nimage = \"d\"\n"
     "readonly = \"yes\"\n",
     "m.toml:6:12: virtio-blk property 'readonly' must be a bool, not string"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-blk\"\nimage = 1\n",
     "m.toml:5:9: virtio-blk property 'image' must be a string, not integer"},
    /* slots */
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\n[[pci]]\nslot = \"3.0\"\n"
     "model = \"virtio-rng\"\n",
     "m.toml:6:8: slot 03.0 is used twice (first at line 2)"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"20.0\"\nmodel = \"edu\"\n",
     "m.toml:3:8: slot '20.0' is out of range: device 20 is beyond 1f"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.8\"\nmodel = \"edu\"\n",
     "m.toml:3:8: slot '03.8' is out of range: function 8 is beyond 7"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"00.0\"\nmodel = \"edu\"\n",
     "m.toml:3:8: slot '00.0' is out of range: device 00 is the host bridge's"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"003.0\"\nmodel = \"edu\"\n",
     "m.toml:3:8: slot '003.0' is not DD.F (device and function in hex, like \"03.0\")"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03\"\nmodel = \"edu\"\n",
     "m.toml:3:8: slot '03' is not DD.F (device and function in hex, like \"03.0\")"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"04.1\"\nmodel = \"edu\"\n",
     "m.toml:2:1: slot 04.1 has no function 0 beside it (04.0): enumeration would not find it"},
    /* models */
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"e1000\"\n",
     "m.toml:4:9: unknown model 'e1000' (known: edu, virtio-blk, virtio-net, virtio-console, "
     "virtio-rng)"},
    /* property values */
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma_mask = 0x1234\n",
     "m.toml:5:12: edu property 'dma_mask' must be 2^n - 1 (like 0x0fffffff), not 0x1234"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma_mask = 0\n",
     "m.toml:5:12: edu property 'dma_mask' must be 2^n - 1 (like 0x0fffffff), not 0"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-net\"\nmac = "
     "\"01:00:5e:00:00:01\"\n",
     "m.toml:5:7: virtio-net property 'mac' is a multicast address: '01:00:5e:00:00:01'"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-net\"\nmac = "
     "\"52:54:00:12:34\"\n",
     "m.toml:5:7: virtio-net property 'mac' is not a MAC address like 52:54:00:12:34:56: "
     "'52:54:00:12:34'"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-net\"\nwire = \"a b\"\n",
     "m.toml:5:8: virtio-net property 'wire' must be one of none, loopback, responder, not "
     "'a b'"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-console\"\nconsole = \"tty\"\n",
     "m.toml:5:11: virtio-console property 'console' must be one of stdio, null, file, not 'tty'"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-blk\"\nimage = \"\"\n",
     "m.toml:5:9: virtio-blk property 'image' is an empty path"},
    {"memory = \"2G\"\nname = \"my machine\"\n",
     "m.toml:2:8: name must be 1..63 of [A-Za-z0-9_.-], not 'my machine'"},
    {"memory = \"2G\"\nname = \"a\\u0000b\"\n", "m.toml:2:8: 'name' contains a NUL character"},
    /* missing keys */
    {"name = \"x\"\n", "m.toml:1:1: the machine has no 'memory' (like memory = \"2G\")"},
    {"memory = \"2G\"\n[[pci]]\nmodel = \"edu\"\n",
     "m.toml:2:1: this pci entry has no 'slot' (like slot = \"03.0\")"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\n", "m.toml:2:1: this pci entry has no 'model'"},
    {"memory = \"2G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"virtio-blk\"\n",
     "m.toml:2:1: model virtio-blk needs the property 'image' (disk image file)"},
    /* memory */
    {"memory = 4097\n", "m.toml:1:10: memory 4097 is not a multiple of the page size (4096 bytes)"},
    {"memory = \"1000\"\n",
     "m.toml:1:10: memory 1000 is not a multiple of the page size (4096 bytes)"},
    {"memory = 0\n", "m.toml:1:10: memory must be positive, not 0"},
    {"memory = -4096\n", "m.toml:1:10: memory must be positive, not -4096"},
    {"memory = \"0G\"\n", "m.toml:1:10: memory must be positive, not '0G'"},
    {"memory = \"2 G\"\n",
     "m.toml:1:10: memory '2 G' is not a size (bytes, or a number with K, M, G or T)"},
    {"memory = \"2GB\"\n",
     "m.toml:1:10: memory '2GB' is not a size (bytes, or a number with K, M, G or T)"},
    {"memory = \"1T\"\n",
     "m.toml:1:10: memory 1048576 MiB is more than this host can give a machine (at most 982016 "
     "MiB)"},
    {"memory = \"99999999999T\"\n",
     "m.toml:1:10: memory '99999999999T' is more than this host can give a machine (at most "
     "982016 MiB)"},
    {"memory = \"99999999999999999999999\"\n",
     "m.toml:1:10: memory '99999999999999999999999' is not a size (bytes, or a number with K, M, "
     "G or T)"},
};

START_TEST(errors)
{
    const char *text = bad[_i].text, *msg = bad[_i].msg;
    int rc = parse(text);
    if (rc != -VK_EINVAL || strcmp(err, msg))
        ck_abort_msg("case %d: rc %d, message\n  [%s]\nwant\n  [%s]", _i, rc, err, msg);
    /* nothing half-filled is left behind */
    ck_assert_uint_eq(d->npci, 0);
    ck_assert_uint_eq(d->memory, 0);
}
END_TEST

START_TEST(too_long)
{
    char text[1024];
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = 0;
    snprintf(text, sizeof text, "memory = \"2G\"\nname = \"%s\"\n", name);
    ck_assert_int_eq(parse(text), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:2:8: 'name' is too long (299 bytes, at most 255)");
}
END_TEST

START_TEST(too_many)
{
    static char text[1 << 14];
    size_t n = (size_t)snprintf(text, sizeof text, "memory = \"2G\"\n");
    for (unsigned i = 0; i < VS_MACH_PCI_MAX + 1; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "[[pci]]\nslot = \"%02x.%x\"\nmodel = "
                              "\"edu\"\n",
                              1 + i / 8, i % 8);
    ck_assert_int_eq(parse(text), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:98:1: too many pci devices (at most 32)");
    /* 32 is fine, and they come out sorted by slot */
    text[0] = 0;
    n = (size_t)snprintf(text, sizeof text, "memory = \"2G\"\n");
    for (int i = VS_MACH_PCI_MAX - 1; i >= 0; i--)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "[[pci]]\nslot = \"%02x.%x\"\nmodel = "
                              "\"edu\"\n",
                              1 + i / 8, i % 8);
    ck_assert_int_eq(parse(text), 0);
    ck_assert_uint_eq(d->npci, VS_MACH_PCI_MAX);
    for (unsigned i = 0; i < VS_MACH_PCI_MAX; i++) {
        ck_assert_uint_eq(d->pci[i].dev, 1 + i / 8);
        ck_assert_uint_eq(d->pci[i].fn, i % 8);
    }
}
END_TEST

START_TEST(values_and_defaults)
{
    const char *text = "name = \"lab-1\"\nmemory = \"64MiB\"\n"
                       "[[pci]]\nslot = \"1f.0\"\nmodel = \"virtio-blk\"\nimage = \"disk.img\"\n"
                       "[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\ndma_mask = -1\n"
                       "[[pci]]\nslot = \"1f.1\"\nmodel = \"virtio-blk\"\nimage = \"/abs/d.img\"\n"
                       "readonly = true\n"
                       "[[pci]]\nslot = \"05.0\"\nmodel = \"virtio-net\"\n"
                       "[[pci]]\nslot = \"06.0\"\nmodel = \"virtio-console\"\nconsole = \"stdio\"\n"
                       "[[pci]]\nslot = \"A.0\"\nmodel = \"virtio-rng\"\n";
    ck_assert_int_eq(parse_as("lab/m.toml", text, strlen(text)), 0);
    ck_assert_str_eq(d->name, "lab-1");
    ck_assert_uint_eq(d->memory, 64ull << 20);
    ck_assert_uint_eq(d->npci, 6);
    /* sorted: 03.0 05.0 06.0 0a.0 1f.0 1f.1 */
    ck_assert_str_eq(d->pci[0].model->name, "edu");
    ck_assert_uint_eq(d->pci[0].props[0].num, UINT64_MAX);
    ck_assert_str_eq(d->pci[1].props[0].str, "none");
    ck_assert_str_eq(d->pci[1].props[1].str, "52:54:00:12:34:56");
    ck_assert_str_eq(d->pci[2].props[0].str, "stdio");
    ck_assert_uint_eq(d->pci[3].dev, 0x0a);
    ck_assert_str_eq(d->pci[4].props[0].str, "lab/disk.img"); /* from the file's directory */
    ck_assert_uint_eq(d->pci[4].props[1].num, 0);
    ck_assert_str_eq(d->pci[5].props[0].str, "/abs/d.img");
    ck_assert_uint_eq(d->pci[5].props[1].num, 1);
    /* sizes in every spelling */
    ck_assert_int_eq(parse("memory = 8192\n"), 0);
    ck_assert_uint_eq(d->memory, 8192);
    ck_assert_int_eq(parse("memory = \"4K\"\n"), 0);
    ck_assert_uint_eq(d->memory, 4096);
    ck_assert_int_eq(parse("memory = \"3G\"\n"), 0);
    ck_assert_uint_eq(d->memory, 3ull << 30);
    ck_assert_int_eq(parse("memory = \"959G\"\n"), 0);
    ck_assert_uint_eq(d->memory, 959ull << 30);
    ck_assert_int_eq(parse("memory = \"960G\"\n"), -VK_EINVAL);
    ck_assert_str_eq(d->name, "");
    ck_assert_int_eq(parse("memory = \"1G\"\n"), 0);
    ck_assert_str_eq(d->name, "unnamed");
}
END_TEST

START_TEST(every_model_implemented)
{
    /* none is reserved today: a machine with one of each model may be instantiated */
    const char *text = "memory = \"1G\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\n"
                       "[[pci]]\nslot = \"04.0\"\nmodel = \"virtio-net\"\n"
                       "pcap = \"net.pcap\"\nlatency_ns = 7\n";
    ck_assert_int_eq(parse(text), 0);
    ck_assert_int_eq(vs_machfile_check_implemented(d, err, sizeof err), 0);
    ck_assert_uint_eq(d->pci[1].props[3].num, 7);
    for (size_t i = 0; i < vs_mach_nmodels; i++)
        ck_assert_int_eq(vs_mach_models[i].implemented, 1);
}
END_TEST

START_TEST(blk_properties)
{
    const char *text =
        "memory = \"1G\"\n[[pci]]\nslot = \"05.0\"\nmodel = \"virtio-blk\"\nimage = \"d.img\"\n"
        "[[pci]]\nslot = \"06.0\"\nmodel = \"virtio-blk\"\nimage = \"e.img\"\n"
        "persist = true\nlatency_ns = 0\nblock_size = 4096\nserial = \"S-1\"\n";
    ck_assert_int_eq(parse(text), 0);
    ck_assert_int_eq(vs_machfile_check_implemented(d, err, sizeof err), 0);
    ck_assert_int_eq(vs_mach_model_find("virtio-blk")->implemented, 1);
    /* defaults: readonly, persist false; 50 us; 512; "vrsim-blk" */
    ck_assert_uint_eq(d->pci[0].props[1].num, 0);
    ck_assert_uint_eq(d->pci[0].props[2].num, 0);
    ck_assert_uint_eq(d->pci[0].props[3].num, 50000);
    ck_assert_uint_eq(d->pci[0].props[4].num, 512);
    ck_assert_str_eq(d->pci[0].props[5].str, "vrsim-blk");
    ck_assert_uint_eq(d->pci[1].props[2].num, 1);
    ck_assert_uint_eq(d->pci[1].props[3].num, 0);
    ck_assert_uint_eq(d->pci[1].props[4].num, 4096);
    ck_assert_str_eq(d->pci[1].props[5].str, "S-1");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    vs_machfile_print(d, f);
    fclose(f);
    ck_assert_msg(strstr(buf, "pci 00:06.0 virtio-blk 1af4:1042 image=e.img readonly=false "
                              "persist=true latency_ns=0 block_size=4096 serial=S-1\n"),
                  "%s", buf);
    free(buf);
    const char *head =
        "memory = \"1G\"\n[[pci]]\nslot = \"05.0\"\nmodel = \"virtio-blk\"\nimage = \"d.img\"\n";
    char t[256];
    snprintf(t, sizeof t, "%slatency_ns = -1\n", head);
    ck_assert_int_eq(parse(t), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:6:14: virtio-blk property 'latency_ns' must be in "
                          "0..1000000000000, not -1");
    snprintf(t, sizeof t, "%sblock_size = \"512\"\n", head);
    ck_assert_int_eq(parse(t), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:6:14: virtio-blk property 'block_size' must be an integer, not "
                          "string");
    snprintf(t, sizeof t, "%sserial = \"a b\"\n", head);
    ck_assert_int_eq(parse(t), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:6:10: virtio-blk property 'serial' must be 1..63 of "
                          "[A-Za-z0-9_.-], not 'a b'");
    snprintf(t, sizeof t, "%scache = 1\n", head);
    ck_assert_int_eq(parse(t), -VK_EINVAL);
    ck_assert_str_eq(err, "m.toml:6:9: unknown key 'cache' for model virtio-blk (its properties: "
                          "image, readonly, persist, latency_ns, block_size, serial)");
}
END_TEST

START_TEST(dump)
{
    const char *text =
        "name = \"t\"\nmemory = \"16M\"\n[[pci]]\nslot = \"04.0\"\nmodel = "
        "\"virtio-net\"\nwire = \"loopback\"\n[[pci]]\nslot = \"03.0\"\nmodel = \"edu\"\n";
    ck_assert_int_eq(parse(text), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    vs_machfile_print(d, f);
    fclose(f);
    ck_assert_str_eq(buf, "machine t\n"
                          "memory 16777216 (16 MiB)\n"
                          "pci 00:03.0 edu 1234:11e8 dma_mask=0xfffffff\n"
                          "pci 00:04.0 virtio-net 1af4:1041 wire=loopback "
                          "mac=52:54:00:12:34:56 pcap= latency_ns=100000 bad_every=0\n");
    free(buf);
}
END_TEST

/* ---- random mutations of the default machine ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static const char *const tokens[] = {
    "[[pci]]\n",
    "slot = ",
    "model = ",
    "\"edu\"",
    "\"virtio-blk\"",
    "\"03.0\"",
    "\"1f.7\"",
    "\"00.0\"",
    "memory = ",
    "\"4K\"",
    "\"1T\"",
    "4097",
    "-1",
    "0x0fffffff",
    "true",
    "image = ",
    "\"\"",
    "\n",
    "=",
    "[pci]\n",
    "name = ",
    "dma_mask = ",
    "\"\\u0000\"",
    "# c\n",
    "{}",
    "[",
    "\"",
    "'",
    "mac = \"01:00:00:00:00:00\"\n",
    "readonly = 1\n",
    "console = \"stdio\"\n",
};

static void check_valid(const struct vs_machine_desc *m)
{
    if (!m->memory || m->memory % VS_MACH_PAGE || m->memory > VS_MACH_MEMORY_MAX)
        ck_abort_msg("bad memory %llu accepted", (unsigned long long)m->memory);
    if (m->npci > VS_MACH_PCI_MAX)
        ck_abort_msg("npci %u", m->npci);
    for (uint32_t i = 0; i < m->npci; i++) {
        const struct vs_mach_pci *e = &m->pci[i];
        if (!e->model || e->dev == 0 || e->dev >= VS_MACH_PCI_DEVS || e->fn >= VS_MACH_PCI_FNS)
            ck_abort_msg("bad slot accepted");
        if (i && e->dev * 8 + e->fn <= m->pci[i - 1].dev * 8 + m->pci[i - 1].fn)
            ck_abort_msg("slots not sorted or used twice");
        int has_fn0 = 0;
        for (uint32_t j = 0; j < m->npci; j++)
            has_fn0 |= m->pci[j].dev == e->dev && m->pci[j].fn == 0;
        if (!has_fn0)
            ck_abort_msg("function without function 0 accepted");
        for (uint32_t j = 0; j < e->model->nprops; j++)
            if (e->model->props[j].type == VS_MP_MASK) {
                uint64_t u = e->props[j].num;
                if (!u || (u & (u + 1)))
                    ck_abort_msg("bad mask accepted");
            }
    }
}

static int well_formed_error(const char *e)
{
    /* "m.toml:LINE:COL: text" */
    if (strncmp(e, "m.toml:", 7))
        return 0;
    const char *p = e + 7;
    for (int part = 0; part < 2; part++) {
        if (*p < '1' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p++ != ':')
            return 0;
    }
    return p[0] == ' ' && p[1] && p[1] != ' ';
}

START_TEST(mutations)
{
    size_t base_len;
    char *base = read_default(&base_len);
    char *buf = malloc(1 << 16);
    ck_assert_ptr_nonnull(buf);
    rng_state = 0x6d61636866696c65ull;
    unsigned valid = 0, refused = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = base_len;
        memcpy(buf, base, n);
        int edits = 1 + (int)(rnd() % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? rnd() % (n + 1) : 0;
            switch (rnd() % 5) {
            case 0: /* flip a byte */
                if (at < n)
                    buf[at] = (char)rnd();
                break;
            case 1: /* delete a run */
                if (at < n) {
                    size_t k = 1 + rnd() % 8;
                    if (k > n - at)
                        k = n - at;
                    memmove(buf + at, buf + at + k, n - at - k);
                    n -= k;
                }
                break;
            case 2: { /* splice in a token */
                const char *t = tokens[rnd() % (sizeof tokens / sizeof tokens[0])];
                size_t k = strlen(t);
                if (n + k < (1 << 16)) {
                    memmove(buf + at + k, buf + at, n - at);
                    memcpy(buf + at, t, k);
                    n += k;
                }
                break;
            }
            case 3: /* duplicate the whole text (every key twice, a second [[pci]]) */
                if (2 * n < (1 << 16)) {
                    memcpy(buf + n, buf, n);
                    n *= 2;
                }
                break;
            default: /* insert a printable byte */
                if (n + 1 < (1 << 16)) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (char)(32 + rnd() % 95);
                    n++;
                }
            }
        }
        int rc = parse_as("m.toml", buf, n);
        if (rc == 0) {
            check_valid(d);
            valid++;
        } else {
            if (rc != -VK_EINVAL || !well_formed_error(err))
                ck_abort_msg("iteration %d: rc %d, message [%s]", iter, rc, err);
            refused++;
        }
    }
    /* both outcomes happen often enough for the test to mean something */
    ck_assert_uint_gt(valid, 500);
    ck_assert_uint_gt(refused, 5000);
    free(buf);
    free(base);
}
END_TEST

/* ---- files of several nodes ---- */

#define NODE_A "[[node]]\nname = \"a\"\n[[node.pci]]\nslot = \"07.0\"\nmodel = \"virtio-net\"\n"
#define NODE_B "[[node]]\nname = \"b\"\n[[node.pci]]\nslot = \"07.0\"\nmodel = \"virtio-net\"\n"

static struct vs_net_desc *nd;

static int parse_nodes(const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, n);
    if (!nd)
        nd = calloc(1, sizeof *nd);
    ck_assert_ptr_nonnull(nd);
    int rc = vs_netfile_parse(buf, n, "dir/n.toml", nd, err, sizeof err);
    free(buf);
    return rc;
}

START_TEST(nodes_example)
{
    char path[] = MACHINES_DIR "/two-node.toml";
    nd = calloc(1, sizeof *nd);
    ck_assert_ptr_nonnull(nd);
    ck_assert_int_eq(vs_netfile_load(path, nd, err, sizeof err), 0);
    ck_assert_str_eq(nd->name, "two-node");
    ck_assert_uint_eq(nd->nnodes, 2);
    ck_assert_str_eq(nd->node[0].m.name, "b");
    ck_assert_uint_eq(nd->node[0].argc, 5);
    ck_assert_str_eq(nd->node[0].argv[3], "10.0.0.2");
    ck_assert_str_eq(nd->node[1].m.name, "a");
    ck_assert_uint_eq(nd->node[1].m.memory, 1ull << 30);
    ck_assert_uint_eq(nd->node[1].nfiles, 2);
    ck_assert_str_eq(nd->node[1].files[1].guest, "/etc/net.toml");
    ck_assert_str_eq(nd->node[1].files[1].host, MACHINES_DIR "/two-node/a-net.toml");
    ck_assert_uint_eq(nd->nlinks, 1);
    ck_assert_str_eq(nd->link[0].name, "ab");
    ck_assert_uint_eq(nd->link[0].end[0].node, 0);
    ck_assert_uint_eq(nd->link[0].end[1].node, 1);
    ck_assert_uint_eq(nd->link[0].latency_ns, 1000000);
    /* a plain machine file has no nodes: the single-machine parser reads it */
    char def[] = MACHINES_DIR "/default.toml";
    ck_assert_int_eq(vs_netfile_load(def, nd, err, sizeof err), 0);
    ck_assert_uint_eq(nd->nnodes, 0);
    free(nd);
    nd = NULL;
}
END_TEST

START_TEST(nodes_defaults)
{
    ck_assert_int_eq(parse_nodes(NODE_A NODE_B
                                 "[[link]]\nends = [\"a.net0\", \"b.net0\"]\n"
                                 "[[link]]\nends = [\"responder\", \"nobody.net0\"]\n"),
                     -VK_EINVAL);
    ck_assert_int_eq(parse_nodes(NODE_A
                                 "[[node.pci]]\nslot = \"08.0\"\nmodel = \"virtio-net\"\n" NODE_B
                                 "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nloss = 0.25\n"
                                 "[[link]]\nends = [\"responder\", \"a.net1\"]\nloss = 1\n"
                                 "pcap = \"x.pcap\"\n"),
                     0);
    ck_assert_uint_eq(nd->nnodes, 2);
    ck_assert_uint_eq(nd->node[0].m.memory, VS_MACH_MEMORY_DEFAULT);
    ck_assert_uint_eq(nd->node[0].argc, 0);
    ck_assert_str_eq(nd->link[0].name, "link0");
    ck_assert_str_eq(nd->link[1].name, "link1");
    ck_assert_uint_eq(nd->link[0].latency_ns, 100000);
    ck_assert_uint_eq(nd->link[0].queue, 64);
    ck_assert(nd->link[0].loss == 0.25);
    ck_assert(nd->link[1].loss == 1.0);
    ck_assert_uint_eq(nd->link[1].end[0].node, VS_LINK_RESPONDER);
    ck_assert_uint_eq(nd->link[1].end[1].node, 0);
    ck_assert_uint_eq(nd->link[1].end[1].nic, 1);
    ck_assert_str_eq(nd->link[1].pcap, "dir/x.pcap");
    free(nd);
    nd = NULL;
}
END_TEST

static const struct {
    const char *text, *msg;
} bad_nodes[] = {
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"c.net0\"]\n",
     "dir/n.toml:12:19: 'c.net0': unknown node 'c'"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\n[[link]]\nends = [\"responder\", "
                   "\"a.net0\"]\n",
     "dir/n.toml:14:22: a.net0 is linked twice (first by link link0 at line 11)"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nloss = 1.5\n",
     "dir/n.toml:13:8: 'loss' is a rate: it must be in [0, 1], not 1.5"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nduplicate = -0.5\n",
     "dir/n.toml:13:13: 'duplicate' is a rate: it must be in [0, 1], not -0.5"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nreorder = \"some\"\n",
     "dir/n.toml:13:11: 'reorder' must be a number in [0, 1], not string"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"a.net0\"]\n",
     "dir/n.toml:12:19: a.net0 is linked to itself"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net2\", \"b.net0\"]\n",
     "dir/n.toml:12:9: 'a.net2': node a has 1 virtio-net NIC"},
    {NODE_A NODE_B "[[link]]\nends = [\"a\", \"b.net0\"]\n",
     "dir/n.toml:12:9: a link end is \"NODE.netN\" (NODE's Nth virtio-net, from 0) or "
     "\"responder\", not 'a'"},
    {NODE_A NODE_B "[[link]]\nends = [\"responder\", \"responder\"]\n",
     "dir/n.toml:12:8: a link joins at least one node's NIC, not two responders"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\"]\n",
     "dir/n.toml:12:8: 'ends' must be two strings, like [\"a.net0\", \"b.net0\"]"},
    {NODE_A NODE_B "[[link]]\nlatency_ns = 5\n",
     "dir/n.toml:11:1: this link has no 'ends' (like ends = [\"a.net0\", \"b.net0\"])"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nlatency_ns = 0\n",
     "dir/n.toml:13:14: 'latency_ns' must be in 1..1000000000000, not 0"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nqueue = 1000\n",
     "dir/n.toml:13:9: 'queue' must be in 1..256, not 1000"},
    {NODE_A NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\nspeed = 1\n",
     "dir/n.toml:13:9: unknown key 'speed' (a link has: name, ends, latency_ns, bandwidth_bps, "
     "loss, duplicate, reorder, reorder_ns, jitter_ns, queue, bad_every, pcap)"},
    {"[[node]]\nname = \"a\"\n[[node.pci]]\nslot = \"07.0\"\nmodel = \"virtio-net\"\nwire = "
     "\"loopback\"\n" NODE_B "[[link]]\nends = [\"a.net0\", \"b.net0\"]\n",
     "dir/n.toml:13:9: a.net0 has wire = \"loopback\" (line 3): a linked NIC's wire is the link"},
    {NODE_A NODE_A, "dir/n.toml:7:8: node name 'a' is used twice (first at line 1)"},
    {"[[node]]\nname = \"responder\"\n",
     "dir/n.toml:2:8: 'responder' names the wire's responder: not a node name"},
    {"[[node]]\nmemory = \"1G\"\n", "dir/n.toml:1:1: this node has no 'name' (like name = \"a\")"},
    {"memory = \"1G\"\n[[node]]\nname = \"a\"\n",
     "dir/n.toml:1:10: unknown key 'memory' (a file with [[node]] tables has: name, [[node]], "
     "[[link]]; memory and [[node.pci]] go in each node)"},
    {"[[node]]\nname = \"a\"\nargv = []\n",
     "dir/n.toml:3:8: 'argv' must hold 1..16 strings (the program first)"},
    {"[[node]]\nname = \"a\"\nargv = [\"sleepy\"]\n",
     "dir/n.toml:3:8: argv's program must be a path in the image, like \"/bin/hello\", not "
     "'sleepy'"},
    {"[[node]]\nname = \"a\"\nfiles = { \"etc/x\" = \"x\" }\n",
     "dir/n.toml:3:21: a file's name must be an absolute path in the image, like "
     "\"/etc/net.toml\", not 'etc/x'"},
    {"[[node]]\nname = \"a\"\ncolour = 1\n",
     "dir/n.toml:3:10: unknown key 'colour' (a node has: name, memory, image, argv, files, "
     "[[node.pci]])"},
    {"node = 1\n", "dir/n.toml:1:8: 'node' must be an array of tables ([[node]])"},
};

START_TEST(node_errors)
{
    ck_assert_int_eq(parse_nodes(bad_nodes[_i].text), -VK_EINVAL);
    ck_assert_str_eq(err, bad_nodes[_i].msg);
    ck_assert_uint_eq(nd->nnodes, 0); /* nothing half-parsed is handed out */
    free(nd);
    nd = NULL;
}
END_TEST

Suite *machfile_suite(void);

Suite *machfile_suite(void)
{
    Suite *s = suite_create("machfile");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, default_machine);
    tcase_add_test(tc, unreadable);
    tcase_add_test(tc, builtin_default);
    tcase_add_loop_test(tc, errors, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, too_long);
    tcase_add_test(tc, too_many);
    tcase_add_test(tc, values_and_defaults);
    tcase_add_test(tc, every_model_implemented);
    tcase_add_test(tc, dump);
    tcase_add_test(tc, blk_properties);
    tcase_add_test(tc, mutations);
    tcase_add_test(tc, nodes_example);
    tcase_add_test(tc, nodes_defaults);
    tcase_add_loop_test(tc, node_errors, 0, (int)(sizeof bad_nodes / sizeof bad_nodes[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(machfile_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
