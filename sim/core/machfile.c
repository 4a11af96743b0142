/*
 * Machine files (contract and format: machfile.h). Validate the whole file, then trust it:
 * the TOML tree is walked once, every key checked against what the format allows and every
 * value against its type and range, and the description is only returned when all of it
 * holds. The first error ends the walk (one clear message, with the position in the file).
 */
#include "sim/core/machfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "vl_toml.h"

static const char *const console_choices[] = {"stdio", "null", "file", NULL};
static const char *const wire_choices[] = {"none", "loopback", "responder", NULL};

const struct vs_mach_model vs_mach_models[] = {
    {.name = "edu",
     .vendor = 0x1234,
     .device = 0x11e8,
     .implemented = 1,
     .nprops = 1,
     .props = {{.name = "dma_mask",
                .type = VS_MP_MASK,
                .def_int = 0x0fffffffull,
                .help = "DMA address mask, 2^n - 1"}}},
    {.name = "virtio-blk",
     .vendor = 0x1af4,
     .device = 0x1042,
     .implemented = 1,
     .nprops = 6,
     .props = {{.name = "image", .type = VS_MP_PATH, .required = 1, .help = "disk image file"},
               {.name = "readonly", .type = VS_MP_BOOL, .help = "refuse writes"},
               {.name = "persist", .type = VS_MP_BOOL, .help = "write through to the image"},
               {.name = "latency_ns",
                .type = VS_MP_UINT,
                .def_int = 50000,
                .max = 1000000000000ull,
                .help = "virtual time per request"},
               {.name = "block_size",
                .type = VS_MP_UINT,
                .def_int = 512,
                .max = 4096,
                .help = "512 or 4096"},
               {.name = "serial",
                .type = VS_MP_WORD,
                .def_str = "vrsim-blk",
                .help = "GET_ID's answer, at most 20 bytes"}}},
    {.name = "virtio-net",
     .vendor = 0x1af4,
     .device = 0x1041,
     .implemented = 1,
     .nprops = 5,
     .props =
         {{.name = "wire",
           .type = VS_MP_ENUM,
           .def_str = "none",
           .choices = wire_choices,
           .help = "host wire the NIC is plugged into"},
          {.name = "mac", .type = VS_MP_MAC, .def_str = "52:54:00:12:34:56", .help = "MAC address"},
          {.name = "pcap", .type = VS_MP_PATH, .help = "file the wire's frames go to"},
          {.name = "latency_ns",
           .type = VS_MP_UINT,
           .def_int = 100000,
           .max = 1000000000000ull,
           .help = "virtual time a frame spends on the wire"},
          {.name = "bad_every",
           .type = VS_MP_UINT,
           .max = 1000000,
           .help = "a bad frame before every Nth one to the NIC (0: none)"}}},
    {.name = "virtio-console",
     .vendor = 0x1af4,
     .device = 0x1043,
     .implemented = 1,
     .nprops = 4,
     .props = {{.name = "console",
                .type = VS_MP_ENUM,
                .def_str = "null",
                .choices = console_choices,
                .help = "host end"},
               {.name = "output", .type = VS_MP_PATH, .help = "file the output goes to"},
               {.name = "input", .type = VS_MP_PATH, .help = "file the input comes from"},
               {.name = "size", .type = VS_MP_WORD, .def_str = "80x25", .help = "COLSxROWS"}}},
    {.name = "virtio-rng", .vendor = 0x1af4, .device = 0x1044, .implemented = 1},
};
const size_t vs_mach_nmodels = sizeof vs_mach_models / sizeof vs_mach_models[0];

const struct vs_mach_model *vs_mach_model_find(const char *name)
{
    for (size_t i = 0; i < vs_mach_nmodels; i++)
        if (!strcmp(vs_mach_models[i].name, name))
            return &vs_mach_models[i];
    return NULL;
}

void vs_machfile_default(struct vs_machine_desc *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "builtin");
    d->memory = VS_MACH_MEMORY_DEFAULT;
}

/* ---- errors ---- */

struct mf_ctx {
    const char *file;
    char dir[VS_MACH_PATH_MAX]; /* the file's directory with a trailing '/', or "" */
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail_at(struct mf_ctx *c, const struct vl_toml_value *v, const char *fmt, ...)
{
    uint32_t line = 1, col = 1;
    if (v)
        vl_toml_pos(v, &line, &col);
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->errlen)
        snprintf(c->err, c->errlen, "%s:%u:%u: %s", c->file, line, col, msg);
    return -VK_EINVAL;
}

/* A string value, bounded: printable names go into messages and dumps. */
static int get_string(struct mf_ctx *c, const struct vl_toml_value *v, const char *key,
                      const char **s)
{
    size_t n;
    if (vl_toml_string(v, s, &n))
        return fail_at(c, v, "'%s' must be a string, not %s", key,
                       vl_toml_type_name(vl_toml_type_of(v)));
    if (n >= VS_MACH_STR_MAX)
        return fail_at(c, v, "'%s' is too long (%zu bytes, at most %u)", key, n,
                       (unsigned)VS_MACH_STR_MAX - 1);
    if (strlen(*s) != n)
        return fail_at(c, v, "'%s' contains a NUL character", key);
    return 0;
}

/* ---- memory ---- */

static int parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 0;
    if (*p == 'K')
        shift = 10;
    else if (*p == 'M')
        shift = 20;
    else if (*p == 'G')
        shift = 30;
    else if (*p == 'T')
        shift = 40;
    else if (*p)
        return -1;
    if (*p) {
        p++;
        if (!strcmp(p, "iB"))
            p += 2;
    }
    if (*p)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -2;
    *out = v << shift;
    return 0;
}

static int parse_memory(struct mf_ctx *c, const struct vl_toml_value *v, uint64_t *out)
{
    uint64_t bytes;
    if (vl_toml_type_of(v) == VL_TOML_INTEGER) {
        int64_t i;
        vl_toml_int(v, &i);
        if (i <= 0)
            return fail_at(c, v, "memory must be positive, not %lld", (long long)i);
        bytes = (uint64_t)i;
    } else if (vl_toml_type_of(v) == VL_TOML_STRING) {
        const char *s;
        int rc = get_string(c, v, "memory", &s);
        if (rc)
            return rc;
        rc = parse_size(s, &bytes);
        if (rc == -2)
            return fail_at(c, v,
                           "memory '%s' is more than this host can give a machine (at "
                           "most %llu MiB)",
                           s, (unsigned long long)(VS_MACH_MEMORY_MAX >> 20));
        if (rc)
            return fail_at(c, v, "memory '%s' is not a size (bytes, or a number with K, M, G or T)",
                           s);
        if (!bytes)
            return fail_at(c, v, "memory must be positive, not '%s'", s);
    } else {
        return fail_at(c, v, "'memory' must be an integer or a string like \"2G\", not %s",
                       vl_toml_type_name(vl_toml_type_of(v)));
    }
    if (bytes % VS_MACH_PAGE)
        return fail_at(c, v, "memory %llu is not a multiple of the page size (%llu bytes)",
                       (unsigned long long)bytes, (unsigned long long)VS_MACH_PAGE);
    if (bytes > VS_MACH_MEMORY_MAX)
        return fail_at(c, v,
                       "memory %llu MiB is more than this host can give a machine (at most %llu "
                       "MiB)",
                       (unsigned long long)(bytes >> 20),
                       (unsigned long long)(VS_MACH_MEMORY_MAX >> 20));
    *out = bytes;
    return 0;
}

/* ---- pci entries ---- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int parse_slot(struct mf_ctx *c, const struct vl_toml_value *v, uint8_t *dev, uint8_t *fn)
{
    const char *s;
    int rc = get_string(c, v, "slot", &s);
    if (rc)
        return rc;
    /* "D.F" or "DD.F", hex; each part checked for range separately for a precise message */
    size_t n = strlen(s);
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || dot - s > 2 || n - (size_t)(dot - s) != 2 || hexval(s[0]) < 0 ||
        (dot - s == 2 && hexval(s[1]) < 0) || hexval(dot[1]) < 0)
        return fail_at(c, v, "slot '%s' is not DD.F (device and function in hex, like \"03.0\")",
                       s);
    unsigned d = (unsigned)hexval(s[0]);
    if (dot - s == 2)
        d = d * 16 + (unsigned)hexval(s[1]);
    unsigned f = (unsigned)hexval(dot[1]);
    if (d >= VS_MACH_PCI_DEVS)
        return fail_at(c, v, "slot '%s' is out of range: device %02x is beyond 1f", s, d);
    if (d == 0)
        return fail_at(c, v, "slot '%s' is out of range: device 00 is the host bridge's", s);
    if (f >= VS_MACH_PCI_FNS)
        return fail_at(c, v, "slot '%s' is out of range: function %x is beyond 7", s, f);
    *dev = (uint8_t)d;
    *fn = (uint8_t)f;
    return 0;
}

static int is_word(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

static int is_mac(const char *s, int *multicast)
{
    if (strlen(s) != 17)
        return 0;
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : hexval(s[i]) < 0)
            return 0;
    }
    *multicast = hexval(s[1]) & 1;
    return 1;
}

static int parse_prop(struct mf_ctx *c, const struct vl_toml_value *v,
                      const struct vs_mach_model *m, const struct vs_mach_prop_desc *pd,
                      struct vs_mach_prop *p)
{
    const char *s = NULL;
    int rc;
    p->set = 1;
    switch (pd->type) {
    case VS_MP_BOOL: {
        int b;
        if (vl_toml_bool(v, &b))
            return fail_at(c, v, "%s property '%s' must be a bool, not %s", m->name, pd->name,
                           vl_toml_type_name(vl_toml_type_of(v)));
        p->num = (uint64_t)b;
        return 0;
    }
    case VS_MP_MASK: {
        int64_t i;
        if (vl_toml_int(v, &i))
            return fail_at(c, v, "%s property '%s' must be an integer, not %s", m->name, pd->name,
                           vl_toml_type_name(vl_toml_type_of(v)));
        /* TOML integers are signed 64-bit: -1 stands for the all-ones mask */
        uint64_t u = (uint64_t)i;
        if (u == 0 || (u & (u + 1)))
            return fail_at(c, v, "%s property '%s' must be 2^n - 1 (like 0x0fffffff), not %#llx",
                           m->name, pd->name, (unsigned long long)u);
        p->num = u;
        return 0;
    }
    case VS_MP_UINT: {
        int64_t i;
        if (vl_toml_int(v, &i))
            return fail_at(c, v, "%s property '%s' must be an integer, not %s", m->name, pd->name,
                           vl_toml_type_name(vl_toml_type_of(v)));
        if (i < 0 || (uint64_t)i > pd->max)
            return fail_at(c, v, "%s property '%s' must be in 0..%llu, not %lld", m->name, pd->name,
                           (unsigned long long)pd->max, (long long)i);
        p->num = (uint64_t)i;
        return 0;
    }
    default:
        break;
    }
    if (vl_toml_type_of(v) != VL_TOML_STRING)
        return fail_at(c, v, "%s property '%s' must be a string, not %s", m->name, pd->name,
                       vl_toml_type_name(vl_toml_type_of(v)));
    if ((rc = get_string(c, v, pd->name, &s)))
        return rc;
    switch (pd->type) {
    case VS_MP_PATH:
        if (!*s)
            return fail_at(c, v, "%s property '%s' is an empty path", m->name, pd->name);
        if (snprintf(p->str, sizeof p->str, "%s%s", s[0] == '/' ? "" : c->dir, s) >=
            (int)sizeof p->str)
            return fail_at(c, v, "%s property '%s': the path is too long", m->name, pd->name);
        return 0;
    case VS_MP_WORD:
        if (!is_word(s))
            return fail_at(c, v, "%s property '%s' must be 1..63 of [A-Za-z0-9_.-], not '%s'",
                           m->name, pd->name, s);
        break;
    case VS_MP_ENUM: {
        int ok = 0;
        char list[128] = "";
        for (const char *const *ch = pd->choices; *ch; ch++) {
            ok |= !strcmp(*ch, s);
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     ch == pd->choices ? "" : ", ", *ch);
        }
        if (!ok)
            return fail_at(c, v, "%s property '%s' must be one of %s, not '%s'", m->name, pd->name,
                           list, s);
        break;
    }
    case VS_MP_MAC: {
        int mc = 0;
        if (!is_mac(s, &mc))
            return fail_at(c, v,
                           "%s property '%s' is not a MAC address like 52:54:00:12:34:56: "
                           "'%s'",
                           m->name, pd->name, s);
        if (mc)
            return fail_at(c, v, "%s property '%s' is a multicast address: '%s'", m->name, pd->name,
                           s);
        break;
    }
    default:
        return fail_at(c, v, "internal: property type %d", (int)pd->type);
    }
    snprintf(p->str, sizeof p->str, "%s", s);
    return 0;
}

static void list_models(char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; i < vs_mach_nmodels; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
                 vs_mach_models[i].name);
}

static int parse_pci(struct mf_ctx *c, const struct vl_toml_value *t, struct vs_mach_pci *e)
{
    memset(e, 0, sizeof *e);
    vl_toml_pos(t, &e->line, &e->col);
    if (vl_toml_type_of(t) != VL_TOML_TABLE)
        return fail_at(c, t, "each 'pci' entry must be a table ([[pci]]), not %s",
                       vl_toml_type_name(vl_toml_type_of(t)));
    const struct vl_toml_value *slot = vl_toml_table_get(t, "slot");
    const struct vl_toml_value *model = vl_toml_table_get(t, "model");
    int rc;
    if (!slot)
        return fail_at(c, t, "this pci entry has no 'slot' (like slot = \"03.0\")");
    if (!model)
        return fail_at(c, t, "this pci entry has no 'model'");
    if ((rc = parse_slot(c, slot, &e->dev, &e->fn)))
        return rc;
    const char *name;
    if ((rc = get_string(c, model, "model", &name)))
        return rc;
    e->model = vs_mach_model_find(name);
    if (!e->model) {
        char list[256];
        list_models(list, sizeof list);
        return fail_at(c, model, "unknown model '%s' (known: %s)", name, list);
    }
    const struct vs_mach_model *m = e->model;
    /* every other key is one of the model's properties */
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        size_t klen;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, &klen);
        if (!strcmp(key, "slot") || !strcmp(key, "model"))
            continue;
        uint32_t j;
        for (j = 0; j < m->nprops; j++)
            if (strlen(key) == klen && !strcmp(key, m->props[j].name))
                break;
        if (j == m->nprops) {
            char list[160] = "";
            for (uint32_t k = 0; k < m->nprops; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                         m->props[k].name);
            return fail_at(c, v, "unknown key '%.64s' for model %s (%s%s)", key, m->name,
                           m->nprops ? "its properties: " : "it has no properties", list);
        }
        if ((rc = parse_prop(c, v, m, &m->props[j], &e->props[j])))
            return rc;
    }
    for (uint32_t j = 0; j < m->nprops; j++) {
        const struct vs_mach_prop_desc *pd = &m->props[j];
        struct vs_mach_prop *p = &e->props[j];
        if (p->set)
            continue;
        if (pd->required)
            return fail_at(c, t, "model %s needs the property '%s' (%s)", m->name, pd->name,
                           pd->help);
        p->num = pd->def_int;
        if (pd->def_str)
            snprintf(p->str, sizeof p->str, "%s", pd->def_str);
    }
    return 0;
}

static int cmp_slot(const void *a, const void *b)
{
    const struct vs_mach_pci *x = a, *y = b;
    return (x->dev * 8 + x->fn) - (y->dev * 8 + y->fn);
}

/* One key of a machine (the file's top level, or a [[node]] table): 1 handled, 0 not a machine
 * key, or a negative errno. */
static int parse_machine_key(struct mf_ctx *c, const char *key, const struct vl_toml_value *v,
                             struct vs_machine_desc *d, int *have_memory)
{
    int rc;
    if (!strcmp(key, "name")) {
        const char *s;
        if ((rc = get_string(c, v, "name", &s)))
            return rc;
        if (!is_word(s))
            return fail_at(c, v, "name must be 1..63 of [A-Za-z0-9_.-], not '%s'", s);
        snprintf(d->name, sizeof d->name, "%s", s);
    } else if (!strcmp(key, "memory")) {
        if ((rc = parse_memory(c, v, &d->memory)))
            return rc;
        *have_memory = 1;
    } else if (!strcmp(key, "pci")) {
        if (vl_toml_type_of(v) != VL_TOML_ARRAY)
            return fail_at(c, v, "'pci' must be an array of tables ([[pci]]), not %s",
                           vl_toml_type_name(vl_toml_type_of(v)));
        size_t n = vl_toml_array_len(v);
        for (size_t j = 0; j < n; j++) {
            const struct vl_toml_value *t = vl_toml_array_at(v, j);
            if (d->npci == VS_MACH_PCI_MAX)
                return fail_at(c, t, "too many pci devices (at most %u)", VS_MACH_PCI_MAX);
            struct vs_mach_pci *e = &d->pci[d->npci];
            if ((rc = parse_pci(c, t, e)))
                return rc;
            for (uint32_t k = 0; k < d->npci; k++)
                if (d->pci[k].dev == e->dev && d->pci[k].fn == e->fn)
                    return fail_at(c, vl_toml_table_get(t, "slot"),
                                   "slot %02x.%x is used twice (first at line %u)", e->dev, e->fn,
                                   d->pci[k].line);
            d->npci++;
        }
    } else {
        return 0;
    }
    return 1;
}

/* What holds for a whole machine once its keys are read: function 0 beside every function,
 * then the slots in order. */
static int finish_machine(struct mf_ctx *c, struct vs_machine_desc *d)
{
    /* enumeration probes function 0 first: a function without it would never be found */
    for (uint32_t k = 0; k < d->npci; k++) {
        const struct vs_mach_pci *e = &d->pci[k];
        if (e->fn == 0)
            continue;
        uint32_t j;
        for (j = 0; j < d->npci; j++)
            if (d->pci[j].dev == e->dev && d->pci[j].fn == 0)
                break;
        if (j == d->npci) {
            if (c->errlen)
                snprintf(c->err, c->errlen,
                         "%s:%u:%u: slot %02x.%x has no function 0 beside it (%02x.0): "
                         "enumeration would not find it",
                         c->file, e->line, e->col, e->dev, e->fn, e->dev);
            return -VK_EINVAL;
        }
    }
    qsort(d->pci, d->npci, sizeof d->pci[0], cmp_slot);
    return 0;
}

static int parse_root(struct mf_ctx *c, const struct vl_toml_value *root, struct vs_machine_desc *d)
{
    int rc, have_memory = 0;
    for (size_t i = 0; i < vl_toml_table_len(root); i++) {
        const char *key;
        size_t klen;
        const struct vl_toml_value *v = vl_toml_table_at(root, i, &key, &klen);
        if (strlen(key) != klen)
            return fail_at(c, v, "unknown key (with a NUL character)");
        if ((rc = parse_machine_key(c, key, v, d, &have_memory)) < 0)
            return rc;
        if (!rc && (!strcmp(key, "node") || !strcmp(key, "link")))
            return fail_at(c, v,
                           "[[%s]] makes a file of several nodes: vrsim run and vrsim machine "
                           "read it, not this command",
                           key);
        if (!rc)
            return fail_at(c, v, "unknown key '%.64s' (a machine has: name, memory, [[pci]])", key);
    }
    if (!have_memory)
        return fail_at(c, NULL, "the machine has no 'memory' (like memory = \"2G\")");
    return finish_machine(c, d);
}

/* The context of one file's parse (its name, its directory for relative paths, where errors
 * go) and its TOML tree in *root; 0, or the parser's error with "FILE:LINE:COL: what" in err. */
static int mf_begin(struct mf_ctx *c, const char *text, size_t len, const char *file, char *err,
                    size_t errlen, struct vl_toml_value **root)
{
    memset(c, 0, sizeof *c);
    c->file = file ? file : "<machine>";
    c->err = err;
    c->errlen = errlen;
    if (errlen)
        err[0] = 0;
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (slash && (size_t)(slash - file) + 2 <= sizeof c->dir) {
        memcpy(c->dir, file, (size_t)(slash - file) + 1);
        c->dir[slash - file + 1] = 0;
    }
    struct vl_toml_error te;
    int rc = vl_toml_parse(text, len, root, &te);
    if (rc && errlen)
        snprintf(err, errlen, "%s:%u:%u: %s", c->file, te.line, te.col, te.msg);
    return rc;
}

int vs_machfile_parse(const char *text, size_t len, const char *file, struct vs_machine_desc *d,
                      char *err, size_t errlen)
{
    struct mf_ctx c;
    struct vl_toml_value *root = NULL;
    int rc = mf_begin(&c, text, len, file, err, errlen, &root);
    memset(d, 0, sizeof *d);
    snprintf(d->file, sizeof d->file, "%s", c.file);
    if (rc)
        return rc;
    rc = parse_root(&c, root, d);
    vl_toml_free(root);
    if (rc) {
        memset(d, 0, sizeof *d);
        snprintf(d->file, sizeof d->file, "%s", c.file);
    } else if (!d->name[0]) {
        snprintf(d->name, sizeof d->name, "unnamed");
    }
    return rc;
}

int vs_machfile_load(const char *path, struct vs_machine_desc *d, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= (1u << 20)) { /* a machine file is a few lines */
                snprintf(err, errlen, "%s: too large for a machine file (over 1 MiB)", path);
                rc = -VK_EFBIG;
                goto out;
            }
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = -VK_ENOMEM;
                snprintf(err, errlen, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        rc = -VK_EIO;
        snprintf(err, errlen, "%s: read error", path);
        goto out;
    }
    rc = vs_machfile_parse(buf, len, path, d, err, errlen);
out:
    free(buf);
    fclose(f);
    return rc;
}

int vs_machfile_check_implemented(const struct vs_machine_desc *d, char *err, size_t errlen)
{
    for (uint32_t k = 0; k < d->npci; k++) {
        const struct vs_mach_pci *e = &d->pci[k];
        if (!e->model->implemented) {
            snprintf(err, errlen, "%s:%u:%u: model '%s' (slot %02x.%x) is not implemented yet",
                     d->file, e->line, e->col, e->model->name, e->dev, e->fn);
            return -VK_ENOSYS;
        }
    }
    return 0;
}

void vs_machfile_print(const struct vs_machine_desc *d, FILE *f)
{
    fprintf(f, "machine %s\n", d->name);
    fprintf(f, "memory %llu (%llu MiB)\n", (unsigned long long)d->memory,
            (unsigned long long)(d->memory >> 20));
    for (uint32_t k = 0; k < d->npci; k++) {
        const struct vs_mach_pci *e = &d->pci[k];
        const struct vs_mach_model *m = e->model;
        fprintf(f, "pci 00:%02x.%x %s %04x:%04x%s", e->dev, e->fn, m->name, m->vendor, m->device,
                m->implemented ? "" : " (not implemented yet)");
        for (uint32_t j = 0; j < m->nprops; j++) {
            const struct vs_mach_prop_desc *pd = &m->props[j];
            const struct vs_mach_prop *p = &e->props[j];
            if (pd->type == VS_MP_BOOL)
                fprintf(f, " %s=%s", pd->name, p->num ? "true" : "false");
            else if (pd->type == VS_MP_MASK)
                fprintf(f, " %s=%#llx", pd->name, (unsigned long long)p->num);
            else if (pd->type == VS_MP_UINT)
                fprintf(f, " %s=%llu", pd->name, (unsigned long long)p->num);
            else
                fprintf(f, " %s=%s", pd->name, p->str);
        }
        fputc('\n', f);
    }
}

/* ---- several nodes: [[node]] and [[link]] ---- */

static int get_word(struct mf_ctx *c, const struct vl_toml_value *v, const char *key, char *out,
                    size_t outlen)
{
    const char *s;
    int rc = get_string(c, v, key, &s);
    if (rc)
        return rc;
    if (!is_word(s))
        return fail_at(c, v, "'%s' must be 1..63 of [A-Za-z0-9_.-], not '%s'", key, s);
    snprintf(out, outlen, "%s", s);
    return 0;
}

static int get_path(struct mf_ctx *c, const struct vl_toml_value *v, const char *key, char *out,
                    size_t outlen)
{
    const char *s;
    int rc = get_string(c, v, key, &s);
    if (rc)
        return rc;
    if (!*s)
        return fail_at(c, v, "'%s' is an empty path", key);
    if (snprintf(out, outlen, "%s%s", s[0] == '/' ? "" : c->dir, s) >= (int)outlen)
        return fail_at(c, v, "'%s': the path is too long", key);
    return 0;
}

static int get_uint(struct mf_ctx *c, const struct vl_toml_value *v, const char *key, uint64_t lo,
                    uint64_t hi, uint64_t *out)
{
    int64_t i;
    if (vl_toml_int(v, &i))
        return fail_at(c, v, "'%s' must be an integer, not %s", key,
                       vl_toml_type_name(vl_toml_type_of(v)));
    if (i < 0 || (uint64_t)i < lo || (uint64_t)i > hi)
        return fail_at(c, v, "'%s' must be in %llu..%llu, not %lld", key, (unsigned long long)lo,
                       (unsigned long long)hi, (long long)i);
    *out = (uint64_t)i;
    return 0;
}

static int get_rate(struct mf_ctx *c, const struct vl_toml_value *v, const char *key, double *out)
{
    double f;
    int64_t i;
    if (vl_toml_type_of(v) == VL_TOML_INTEGER && !vl_toml_int(v, &i))
        f = (double)i;
    else if (vl_toml_float(v, &f))
        return fail_at(c, v, "'%s' must be a number in [0, 1], not %s", key,
                       vl_toml_type_name(vl_toml_type_of(v)));
    if (!(f >= 0.0 && f <= 1.0))
        return fail_at(c, v, "'%s' is a rate: it must be in [0, 1], not %g", key, f);
    *out = f;
    return 0;
}

static int parse_node(struct mf_ctx *c, const struct vl_toml_value *t, struct vs_node_desc *n)
{
    int rc, have_memory = 0, have_name = 0;
    memset(n, 0, sizeof *n);
    vl_toml_pos(t, &n->line, &n->col);
    snprintf(n->m.file, sizeof n->m.file, "%s", c->file);
    if (vl_toml_type_of(t) != VL_TOML_TABLE)
        return fail_at(c, t, "each 'node' entry must be a table ([[node]]), not %s",
                       vl_toml_type_name(vl_toml_type_of(t)));
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        size_t klen;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, &klen);
        if (strlen(key) != klen)
            return fail_at(c, v, "unknown key (with a NUL character)");
        have_name |= !strcmp(key, "name");
        if ((rc = parse_machine_key(c, key, v, &n->m, &have_memory)) < 0)
            return rc;
        if (rc)
            continue;
        if (!strcmp(key, "image")) {
            if ((rc = get_path(c, v, "image", n->image, sizeof n->image)))
                return rc;
        } else if (!strcmp(key, "argv")) {
            if (vl_toml_type_of(v) != VL_TOML_ARRAY)
                return fail_at(c, v, "'argv' must be an array of strings, not %s",
                               vl_toml_type_name(vl_toml_type_of(v)));
            size_t na = vl_toml_array_len(v);
            if (na == 0 || na > VS_NODE_ARGV_MAX)
                return fail_at(c, v, "'argv' must hold 1..%u strings (the program first)",
                               VS_NODE_ARGV_MAX);
            for (size_t j = 0; j < na; j++) {
                const char *s;
                if ((rc = get_string(c, vl_toml_array_at(v, j), "argv", &s)))
                    return rc;
                snprintf(n->argv[j], sizeof n->argv[j], "%s", s);
            }
            if (n->argv[0][0] != '/')
                return fail_at(c, v,
                               "argv's program must be a path in the image, like "
                               "\"/bin/hello\", not '%s'",
                               n->argv[0]);
            n->argc = (uint32_t)na;
        } else if (!strcmp(key, "files")) {
            if (vl_toml_type_of(v) != VL_TOML_TABLE)
                return fail_at(c, v,
                               "'files' must be a table of \"/path/in/image\" = \"host "
                               "file\", not %s",
                               vl_toml_type_name(vl_toml_type_of(v)));
            for (size_t j = 0; j < vl_toml_table_len(v); j++) {
                const char *g;
                size_t glen;
                const struct vl_toml_value *h = vl_toml_table_at(v, j, &g, &glen);
                if (n->nfiles == VS_NODE_FILES_MAX)
                    return fail_at(c, h, "too many files (at most %u)", VS_NODE_FILES_MAX);
                if (strlen(g) != glen || g[0] != '/' || glen < 2 || glen >= VS_MACH_STR_MAX)
                    return fail_at(c, h,
                                   "a file's name must be an absolute path in the image, "
                                   "like \"/etc/net.toml\", not '%.64s'",
                                   g);
                struct vs_node_file *f = &n->files[n->nfiles++];
                snprintf(f->guest, sizeof f->guest, "%s", g);
                if ((rc = get_path(c, h, "files", f->host, sizeof f->host)))
                    return rc;
            }
        } else {
            return fail_at(c, v,
                           "unknown key '%.64s' (a node has: name, memory, image, argv, files, "
                           "[[node.pci]])",
                           key);
        }
    }
    if (!have_name)
        return fail_at(c, t, "this node has no 'name' (like name = \"a\")");
    if (!have_memory)
        n->m.memory = VS_MACH_MEMORY_DEFAULT;
    return finish_machine(c, &n->m);
}

/* "node.netN": the node's index and N, or the responder. */
static int parse_end(struct mf_ctx *c, const struct vl_toml_value *v, const struct vs_net_desc *nd,
                     struct vs_link_end_desc *e)
{
    const char *s;
    int rc = get_string(c, v, "ends", &s);
    if (rc)
        return rc;
    if (!strcmp(s, "responder")) {
        e->node = VS_LINK_RESPONDER;
        e->nic = 0;
        return 0;
    }
    const char *dot = strrchr(s, '.');
    char *end;
    if (!dot || strncmp(dot, ".net", 4) || dot[4] < '0' || dot[4] > '9')
        return fail_at(c, v,
                       "a link end is \"NODE.netN\" (NODE's Nth virtio-net, from 0) or "
                       "\"responder\", not '%s'",
                       s);
    unsigned long nic = strtoul(dot + 4, &end, 10);
    if (*end || nic >= VS_MACH_PCI_MAX)
        return fail_at(c, v, "'%s': no such NIC number", s);
    for (uint32_t i = 0; i < nd->nnodes; i++) {
        const struct vs_node_desc *n = &nd->node[i];
        if (strlen(n->m.name) != (size_t)(dot - s) || strncmp(n->m.name, s, (size_t)(dot - s)))
            continue;
        uint32_t have = 0;
        for (uint32_t k = 0; k < n->m.npci; k++)
            have += !strcmp(n->m.pci[k].model->name, "virtio-net");
        if (nic >= have)
            return fail_at(c, v, "'%s': node %s has %u virtio-net NIC%s", s, n->m.name, have,
                           have == 1 ? "" : "s");
        e->node = i;
        e->nic = (uint32_t)nic;
        return 0;
    }
    return fail_at(c, v, "'%s': unknown node '%.*s'", s, (int)(dot - s), s);
}

/* The machine-file entry of node n's nic-th virtio-net (its wire property: index 0). */
static const struct vs_mach_pci *node_nic(const struct vs_node_desc *n, uint32_t nic)
{
    for (uint32_t k = 0; k < n->m.npci; k++)
        if (!strcmp(n->m.pci[k].model->name, "virtio-net") && nic-- == 0)
            return &n->m.pci[k];
    return NULL;
}

static int parse_link(struct mf_ctx *c, const struct vl_toml_value *t, struct vs_net_desc *nd,
                      uint32_t index)
{
    struct vs_link_desc *l = &nd->link[index];
    int rc, have_ends = 0;
    memset(l, 0, sizeof *l);
    vl_toml_pos(t, &l->line, &l->col);
    snprintf(l->name, sizeof l->name, "link%u", index);
    l->latency_ns = 100000;
    l->queue = 64;
    if (vl_toml_type_of(t) != VL_TOML_TABLE)
        return fail_at(c, t, "each 'link' entry must be a table ([[link]]), not %s",
                       vl_toml_type_name(vl_toml_type_of(t)));
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        size_t klen;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, &klen);
        uint64_t u;
        rc = 0;
        if (strlen(key) != klen) {
            return fail_at(c, v, "unknown key (with a NUL character)");
        } else if (!strcmp(key, "name")) {
            rc = get_word(c, v, "name", l->name, sizeof l->name);
        } else if (!strcmp(key, "ends")) {
            if (vl_toml_type_of(v) != VL_TOML_ARRAY || vl_toml_array_len(v) != 2)
                return fail_at(c, v, "'ends' must be two strings, like [\"a.net0\", \"b.net0\"]");
            for (size_t j = 0; j < 2 && !rc; j++)
                rc = parse_end(c, vl_toml_array_at(v, j), nd, &l->end[j]);
            if (!rc && l->end[0].node == VS_LINK_RESPONDER && l->end[1].node == VS_LINK_RESPONDER)
                return fail_at(c, v, "a link joins at least one node's NIC, not two responders");
            have_ends = 1;
        } else if (!strcmp(key, "latency_ns")) {
            rc = get_uint(c, v, key, 1, 1000000000000ull, &l->latency_ns);
        } else if (!strcmp(key, "bandwidth_bps")) {
            rc = get_uint(c, v, key, 0, 1000000000000ull, &l->bandwidth_bps);
        } else if (!strcmp(key, "jitter_ns")) {
            rc = get_uint(c, v, key, 0, 1000000000000ull, &l->jitter_ns);
        } else if (!strcmp(key, "reorder_ns")) {
            rc = get_uint(c, v, key, 0, 1000000000000ull, &l->reorder_ns);
        } else if (!strcmp(key, "queue")) {
            if (!(rc = get_uint(c, v, key, 1, VS_NODE_LINK_QUEUE_MAX, &u)))
                l->queue = (uint32_t)u;
        } else if (!strcmp(key, "bad_every")) {
            rc = get_uint(c, v, key, 0, 1000000, &l->bad_every);
        } else if (!strcmp(key, "loss")) {
            rc = get_rate(c, v, key, &l->loss);
        } else if (!strcmp(key, "duplicate")) {
            rc = get_rate(c, v, key, &l->duplicate);
        } else if (!strcmp(key, "reorder")) {
            rc = get_rate(c, v, key, &l->reorder);
        } else if (!strcmp(key, "pcap")) {
            rc = get_path(c, v, key, l->pcap, sizeof l->pcap);
        } else {
            return fail_at(c, v,
                           "unknown key '%.64s' (a link has: name, ends, latency_ns, "
                           "bandwidth_bps, loss, duplicate, reorder, reorder_ns, jitter_ns, "
                           "queue, bad_every, pcap)",
                           key);
        }
        if (rc)
            return rc;
    }
    if (!have_ends)
        return fail_at(c, t, "this link has no 'ends' (like ends = [\"a.net0\", \"b.net0\"])");
    /* each NIC on one link at most, and only a NIC with no wire of its own */
    const struct vl_toml_value *ends = vl_toml_table_get(t, "ends");
    for (uint32_t j = 0; j < 2; j++) {
        const struct vs_link_end_desc *e = &l->end[j];
        if (e->node == VS_LINK_RESPONDER)
            continue;
        const struct vs_node_desc *n = &nd->node[e->node];
        const struct vs_mach_pci *p = node_nic(n, e->nic);
        if (p && p->props[0].set && strcmp(p->props[0].str, "none"))
            return fail_at(c, vl_toml_array_at(ends, j),
                           "%s.net%u has wire = \"%s\" (line %u): a linked NIC's wire is the "
                           "link",
                           n->m.name, e->nic, p->props[0].str, p->line);
        if (j == 1 && l->end[0].node == e->node && l->end[0].nic == e->nic)
            return fail_at(c, vl_toml_array_at(ends, j), "%s.net%u is linked to itself", n->m.name,
                           e->nic);
        for (uint32_t k = 0; k < index; k++)
            for (uint32_t x = 0; x < 2; x++)
                if (nd->link[k].end[x].node == e->node && nd->link[k].end[x].nic == e->nic)
                    return fail_at(c, vl_toml_array_at(ends, j),
                                   "%s.net%u is linked twice (first by link %s at line %u)",
                                   n->m.name, e->nic, nd->link[k].name, nd->link[k].line);
    }
    for (uint32_t k = 0; k < index; k++)
        if (!strcmp(nd->link[k].name, l->name))
            return fail_at(c, vl_toml_table_get(t, "name"),
                           "link name '%s' is used twice (first at line %u)", l->name,
                           nd->link[k].line);
    return 0;
}

static int parse_nodes(struct mf_ctx *c, const struct vl_toml_value *root, struct vs_net_desc *nd)
{
    int rc;
    const struct vl_toml_value *nodes = NULL, *links = NULL;
    for (size_t i = 0; i < vl_toml_table_len(root); i++) {
        const char *key;
        size_t klen;
        const struct vl_toml_value *v = vl_toml_table_at(root, i, &key, &klen);
        if (strlen(key) != klen) {
            return fail_at(c, v, "unknown key (with a NUL character)");
        } else if (!strcmp(key, "name")) {
            if ((rc = get_word(c, v, "name", nd->name, sizeof nd->name)))
                return rc;
        } else if (!strcmp(key, "node")) {
            nodes = v;
        } else if (!strcmp(key, "link")) {
            links = v;
        } else {
            return fail_at(c, v,
                           "unknown key '%.64s' (a file with [[node]] tables has: name, "
                           "[[node]], [[link]]; memory and [[node.pci]] go in each node)",
                           key);
        }
    }
    if (vl_toml_type_of(nodes) != VL_TOML_ARRAY)
        return fail_at(c, nodes, "'node' must be an array of tables ([[node]])");
    if (vl_toml_array_len(nodes) == 0 || vl_toml_array_len(nodes) > VS_NODES_MAX)
        return fail_at(c, nodes, "a file has 1..%u nodes", VS_NODES_MAX);
    for (size_t j = 0; j < vl_toml_array_len(nodes); j++) {
        const struct vl_toml_value *t = vl_toml_array_at(nodes, j);
        struct vs_node_desc *n = &nd->node[nd->nnodes];
        if ((rc = parse_node(c, t, n)))
            return rc;
        if (!strcmp(n->m.name, "responder"))
            return fail_at(c, vl_toml_table_get(t, "name"),
                           "'responder' names the wire's responder: not a node name");
        for (uint32_t k = 0; k < nd->nnodes; k++)
            if (!strcmp(nd->node[k].m.name, n->m.name))
                return fail_at(c, vl_toml_table_get(t, "name"),
                               "node name '%s' is used twice (first at line %u)", n->m.name,
                               nd->node[k].line);
        nd->nnodes++;
    }
    if (links) {
        if (vl_toml_type_of(links) != VL_TOML_ARRAY)
            return fail_at(c, links, "'link' must be an array of tables ([[link]])");
        if (vl_toml_array_len(links) > VS_LINKS_MAX)
            return fail_at(c, links, "too many links (at most %u)", VS_LINKS_MAX);
        for (size_t j = 0; j < vl_toml_array_len(links); j++) {
            if ((rc = parse_link(c, vl_toml_array_at(links, j), nd, nd->nlinks)))
                return rc;
            nd->nlinks++;
        }
    }
    return 0;
}

int vs_netfile_parse(const char *text, size_t len, const char *file, struct vs_net_desc *nd,
                     char *err, size_t errlen)
{
    struct mf_ctx c;
    struct vl_toml_value *root = NULL;
    int rc = mf_begin(&c, text, len, file, err, errlen, &root);
    memset(nd, 0, sizeof *nd);
    snprintf(nd->file, sizeof nd->file, "%s", c.file);
    if (rc)
        return rc;
    if (vl_toml_table_get(root, "node")) {
        rc = parse_nodes(&c, root, nd);
        if (!rc && !nd->name[0])
            snprintf(nd->name, sizeof nd->name, "unnamed");
    }
    vl_toml_free(root);
    if (rc) {
        memset(nd, 0, sizeof *nd);
        snprintf(nd->file, sizeof nd->file, "%s", c.file);
    }
    return rc;
}

int vs_netfile_load(const char *path, struct vs_net_desc *nd, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    char *buf = malloc(1u << 20);
    size_t len = buf ? fread(buf, 1, 1u << 20, f) : 0;
    int rc;
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -VK_ENOMEM;
    } else if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -VK_EIO;
    } else if (len == 1u << 20) {
        snprintf(err, errlen, "%s: too large for a machine file (over 1 MiB)", path);
        rc = -VK_EFBIG;
    } else {
        rc = vs_netfile_parse(buf, len, path, nd, err, errlen);
    }
    free(buf);
    fclose(f);
    return rc;
}

void vs_netfile_print(const struct vs_net_desc *nd, FILE *f)
{
    fprintf(f, "nodes %s: %u\n", nd->name, nd->nnodes);
    for (uint32_t i = 0; i < nd->nnodes; i++) {
        const struct vs_node_desc *n = &nd->node[i];
        fprintf(f, "node %s image=%s argv=", n->m.name, n->image[0] ? n->image : "(run's)");
        if (!n->argc)
            fprintf(f, "(run's)");
        for (uint32_t j = 0; j < n->argc; j++)
            fprintf(f, "%s%s", j ? "," : "", n->argv[j]);
        for (uint32_t j = 0; j < n->nfiles; j++)
            fprintf(f, " file %s=%s", n->files[j].guest, n->files[j].host);
        fputc('\n', f);
        vs_machfile_print(&n->m, f);
    }
    for (uint32_t i = 0; i < nd->nlinks; i++) {
        const struct vs_link_desc *l = &nd->link[i];
        fprintf(f, "link %s", l->name);
        for (uint32_t j = 0; j < 2; j++) {
            if (l->end[j].node == VS_LINK_RESPONDER)
                fprintf(f, " responder");
            else
                fprintf(f, " %s.net%u", nd->node[l->end[j].node].m.name, l->end[j].nic);
        }
        fprintf(f,
                " latency_ns=%llu bandwidth_bps=%llu loss=%g duplicate=%g reorder=%g "
                "reorder_ns=%llu jitter_ns=%llu queue=%u bad_every=%llu pcap=%s\n",
                (unsigned long long)l->latency_ns, (unsigned long long)l->bandwidth_bps, l->loss,
                l->duplicate, l->reorder, (unsigned long long)l->reorder_ns,
                (unsigned long long)l->jitter_ns, l->queue, (unsigned long long)l->bad_every,
                l->pcap[0] ? l->pcap : "(none)");
    }
}
