/*
 * vl_elf: parse, load and relocate an ELF64 static PIE, and plan its page protections (see
 * vl_elf.h for the module's contract; the initial stack is in vl_elf_stack.c).
 *
 * Every multi-byte field is decoded explicitly as little-endian from a byte pointer that has
 * already been bounds-checked, so neither the file's alignment nor the host's struct layout
 * matters. Every sum of two file-controlled values is checked for overflow before it is used
 * as a bound: the helper range_in() is the one place that decides "inside".
 *
 * Portable: no libc headers at all (the guest build may not have libveridian's yet); copies
 * and fills go through the compiler's builtins, which lower to memcpy/memset calls that the
 * host libc or libveridian provide. No globals, no allocation, no output except *err.
 */
#include "vl_elf.h"

#include <stddef.h>
#include <stdint.h>

#include "veridian/errors.h"

/* ---- ELF constants (our own: the guest build has no <elf.h>) ---- */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PN_XNUM 0xffff

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define DYN_SIZE 16u
#define RELA_SIZE 24u

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_RELRO 0x6474e552u

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define DT_NULL 0
#define DT_NEEDED 1
#define DT_PLTRELSZ 2
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_RELSZ 18
#define DT_JMPREL 23
#define DT_TEXTREL 22
#define DT_FLAGS 30
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#define DF_TEXTREL 4u

#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

/* ---- decoded (host-order) forms of the on-disk structures ---- */
struct vl_elf64_ehdr {
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff;
    uint16_t ehsize, phentsize, phnum;
};

struct vl_elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

struct vl_elf64_rela {
    uint64_t offset, info, addend;
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void decode_ehdr(const uint8_t *p, struct vl_elf64_ehdr *e)
{
    e->type = rd16(p + 16);
    e->machine = rd16(p + 18);
    e->version = rd32(p + 20);
    e->entry = rd64(p + 24);
    e->phoff = rd64(p + 32);
    e->ehsize = rd16(p + 52);
    e->phentsize = rd16(p + 54);
    e->phnum = rd16(p + 56);
}

static void decode_phdr(const uint8_t *p, struct vl_elf64_phdr *ph)
{
    ph->type = rd32(p);
    ph->flags = rd32(p + 4);
    ph->offset = rd64(p + 8);
    ph->vaddr = rd64(p + 16);
    ph->filesz = rd64(p + 32);
    ph->memsz = rd64(p + 40);
    ph->align = rd64(p + 48);
}

static void decode_rela(const uint8_t *p, struct vl_elf64_rela *r)
{
    r->offset = rd64(p);
    r->info = rd64(p + 8);
    r->addend = rd64(p + 16);
}

/* [off, off + size) lies inside [0, limit), without overflow. */
static int range_in(uint64_t off, uint64_t size, uint64_t limit)
{
    return off <= limit && size <= limit - off;
}

/* [a, a + asize) lies inside [b, b + bsize), without overflow. */
static int range_within(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
    return a >= b && range_in(a - b, asize, bsize);
}

/* ---- error messages: a tiny formatter, since there is no stdio here ----
 * %u: next number in decimal; %x: next number as 0x-hex; %s: the string; %%: a '%'. */
struct vl_elf_msg {
    char *buf;
    size_t cap, len;
};

static void msg_putc(struct vl_elf_msg *m, char c)
{
    if (m->len + 1 < m->cap)
        m->buf[m->len++] = c;
}

static void msg_putnum(struct vl_elf_msg *m, uint64_t v, unsigned radix)
{
    char tmp[20];
    int n = 0;

    if (radix == 16) {
        msg_putc(m, '0');
        msg_putc(m, 'x');
    }
    do {
        tmp[n++] = "0123456789abcdef"[v % radix];
        v /= radix;
    } while (v != 0);
    while (n > 0)
        msg_putc(m, tmp[--n]);
}

#define ELF_NUMS(...) ((const uint64_t[]){__VA_ARGS__})

static int elf_fail(char *err, size_t errlen, const char *fmt, const uint64_t *nums,
                    const char *str)
{
    struct vl_elf_msg m = {err, errlen, 0};

    if (err == NULL || errlen == 0)
        return -VK_ENOEXEC;
    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%' || f[1] == '\0') {
            msg_putc(&m, *f);
            continue;
        }
        f++;
        if (*f == 'u' || *f == 'x') {
            msg_putnum(&m, nums ? *nums++ : 0, *f == 'x' ? 16 : 10);
        } else if (*f == 's') {
            for (const char *s = str ? str : "?"; *s != '\0'; s++)
                msg_putc(&m, *s);
        } else {
            msg_putc(&m, *f);
        }
    }
    err[m.len] = '\0';
    return -VK_ENOEXEC;
}

static const char *reloc_type_name(uint64_t type)
{
    static const char *const names[] = {
        [1] = "R_X86_64_64",         [2] = "R_X86_64_PC32",        [3] = "R_X86_64_GOT32",
        [4] = "R_X86_64_PLT32",      [5] = "R_X86_64_COPY",        [6] = "R_X86_64_GLOB_DAT",
        [7] = "R_X86_64_JUMP_SLOT",  [9] = "R_X86_64_GOTPCREL",    [10] = "R_X86_64_32",
        [11] = "R_X86_64_32S",       [16] = "R_X86_64_DTPMOD64",   [17] = "R_X86_64_DTPOFF64",
        [18] = "R_X86_64_TPOFF64",   [24] = "R_X86_64_PC64",       [36] = "R_X86_64_TLSDESC",
        [37] = "R_X86_64_IRELATIVE", [38] = "R_X86_64_RELATIVE64",
    };

    if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
        return names[type];
    return "unknown";
}

/* ---- checks shared by parse and load ---- */

/* The load whose file-backed bytes contain [vaddr, vaddr + size), or NULL. */
static const struct vl_elf_load *file_backed_load(const struct vl_elf_info *info, uint64_t vaddr,
                                                  uint64_t size)
{
    for (uint32_t i = 0; i < info->nloads && i < VL_ELF_MAX_LOADS; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        if (range_within(vaddr, size, l->vaddr, l->filesz))
            return l;
    }
    return NULL;
}

/* The load whose memory image contains [vaddr, vaddr + size), or NULL. */
static const struct vl_elf_load *memory_load(const struct vl_elf_info *info, uint64_t vaddr,
                                             uint64_t size)
{
    for (uint32_t i = 0; i < info->nloads && i < VL_ELF_MAX_LOADS; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        if (range_within(vaddr, size, l->vaddr, l->memsz))
            return l;
    }
    return NULL;
}

/* Relocation number `index`: only NONE and RELATIVE, whose 8-byte target must be in a
 * writable PT_LOAD or in PT_GNU_RELRO (which parse has proved is inside a PT_LOAD). */
static int check_reloc(const struct vl_elf_info *info, uint64_t index,
                       const struct vl_elf64_rela *r, char *err, size_t errlen)
{
    uint64_t type = r->info & 0xffffffffu;
    const struct vl_elf_load *l;

    if (type == R_X86_64_NONE)
        return 0;
    if (type != R_X86_64_RELATIVE)
        return elf_fail(err, errlen,
                        "relocation %u: type %u (%s) is not supported, only R_X86_64_RELATIVE",
                        ELF_NUMS(index, type), reloc_type_name(type));
    l = memory_load(info, r->offset, 8);
    if (l == NULL || !range_in(r->offset, 8, info->span))
        return elf_fail(err, errlen,
                        "relocation %u: target %x is outside the image (no PT_LOAD holds its "
                        "8 bytes)",
                        ELF_NUMS(index, r->offset), NULL);
    if ((l->prot & VL_PROT_W) == 0 &&
        !(info->relro_size != 0 && range_within(r->offset, 8, info->relro_vaddr, info->relro_size)))
        return elf_fail(err, errlen,
                        "relocation %u: target %x is in a read-only segment (text relocation)",
                        ELF_NUMS(index, r->offset), NULL);
    return 0;
}

/* ---- parse ---- */

static int check_ident(const uint8_t *p, size_t len, char *err, size_t errlen)
{
    if (len < EHDR_SIZE)
        return elf_fail(err, errlen, "truncated ELF header: file is %u bytes, the header is 64",
                        ELF_NUMS(len), NULL);
    if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
        return elf_fail(err, errlen, "bad magic: not an ELF file", NULL, NULL);
    if (p[EI_CLASS] != ELFCLASS64)
        return elf_fail(err, errlen, "ELF class %u is not supported, only ELFCLASS64",
                        ELF_NUMS(p[EI_CLASS]), NULL);
    if (p[EI_DATA] != ELFDATA2LSB)
        return elf_fail(err, errlen,
                        "ELF data encoding %u is not supported, only little-endian "
                        "(ELFDATA2LSB)",
                        ELF_NUMS(p[EI_DATA]), NULL);
    if (p[EI_VERSION] != EV_CURRENT)
        return elf_fail(err, errlen, "ELF version %u in e_ident is not EV_CURRENT (1)",
                        ELF_NUMS(p[EI_VERSION]), NULL);
    return 0;
}

static int check_ehdr(const struct vl_elf64_ehdr *e, size_t len, char *err, size_t errlen)
{
    if (e->version != EV_CURRENT)
        return elf_fail(err, errlen, "ELF version %u in e_version is not EV_CURRENT (1)",
                        ELF_NUMS(e->version), NULL);
    if (e->type == ET_EXEC)
        return elf_fail(err, errlen,
                        "ELF type 2 (ET_EXEC) is not supported: link a static PIE "
                        "(-static-pie), type ET_DYN",
                        NULL, NULL);
    if (e->type != ET_DYN)
        return elf_fail(err, errlen, "ELF type %u is not supported, only ET_DYN (static PIE)",
                        ELF_NUMS(e->type), NULL);
    if (e->machine != EM_X86_64)
        return elf_fail(err, errlen, "ELF machine %u is not supported, only EM_X86_64 (62)",
                        ELF_NUMS(e->machine), NULL);
    if (e->ehsize < EHDR_SIZE)
        return elf_fail(err, errlen, "e_ehsize is %u, less than the 64-byte ELF64 header",
                        ELF_NUMS(e->ehsize), NULL);
    if (e->phentsize != PHDR_SIZE)
        return elf_fail(err, errlen, "e_phentsize is %u, expected 56 (Elf64_Phdr)",
                        ELF_NUMS(e->phentsize), NULL);
    if (e->phnum == 0)
        return elf_fail(err, errlen, "no program headers (e_phnum is 0)", NULL, NULL);
    if (e->phnum == PN_XNUM)
        return elf_fail(err, errlen, "too many program headers (e_phnum is PN_XNUM)", NULL, NULL);
    if (!range_in(e->phoff, (uint64_t)e->phnum * PHDR_SIZE, len))
        return elf_fail(err, errlen,
                        "truncated program headers: %u headers at offset %x need %u bytes, "
                        "the file has %u",
                        ELF_NUMS(e->phnum, e->phoff, (uint64_t)e->phnum * PHDR_SIZE, len), NULL);
    return 0;
}

static int add_load(struct vl_elf_info *out, uint32_t idx, const struct vl_elf64_phdr *ph,
                    size_t len, char *err, size_t errlen)
{
    struct vl_elf_load *l;
    uint64_t page_align;

    if (out->nloads == VL_ELF_MAX_LOADS)
        return elf_fail(err, errlen, "too many PT_LOAD segments (more than %u)",
                        ELF_NUMS(VL_ELF_MAX_LOADS), NULL);
    if (ph->filesz > ph->memsz)
        return elf_fail(err, errlen, "PT_LOAD segment %u: p_filesz %x is larger than p_memsz %x",
                        ELF_NUMS(idx, ph->filesz, ph->memsz), NULL);
    if (!range_in(ph->offset, ph->filesz, len))
        return elf_fail(err, errlen,
                        "PT_LOAD segment %u: file range (offset %x, size %x) is outside the "
                        "file (%u bytes)",
                        ELF_NUMS(idx, ph->offset, ph->filesz, len), NULL);
    if (!range_in(ph->vaddr, ph->memsz, VL_ELF_MAX_SPAN))
        return elf_fail(err, errlen,
                        "PT_LOAD segment %u: address range (vaddr %x, size %x) goes past the "
                        "image size limit %x",
                        ELF_NUMS(idx, ph->vaddr, ph->memsz, VL_ELF_MAX_SPAN), NULL);
    if (ph->align > 1) {
        if ((ph->align & (ph->align - 1)) != 0)
            return elf_fail(err, errlen, "PT_LOAD segment %u: p_align %x is not a power of two",
                            ELF_NUMS(idx, ph->align), NULL);
        /* The spec wants congruence modulo p_align; a mapping loader needs it modulo the
         * page, and ld -n/-N output has p_align below a page: check the smaller. */
        page_align = ph->align < VL_ELF_PAGE ? ph->align : VL_ELF_PAGE;
        if ((ph->vaddr - ph->offset) % page_align != 0)
            return elf_fail(err, errlen,
                            "PT_LOAD segment %u: p_vaddr %x and p_offset %x are not congruent "
                            "modulo %x",
                            ELF_NUMS(idx, ph->vaddr, ph->offset, page_align), NULL);
        if (ph->align > out->max_align)
            out->max_align = ph->align;
    }
    if (out->nloads > 0) {
        const struct vl_elf_load *prev = &out->loads[out->nloads - 1];
        if (ph->vaddr < prev->vaddr)
            return elf_fail(err, errlen,
                            "PT_LOAD segment %u at %x is not sorted: it comes after one at %x",
                            ELF_NUMS(idx, ph->vaddr, prev->vaddr), NULL);
        if (ph->vaddr < prev->vaddr + prev->memsz)
            return elf_fail(err, errlen,
                            "PT_LOAD segment %u at %x overlaps the previous segment "
                            "(%x..%x)",
                            ELF_NUMS(idx, ph->vaddr, prev->vaddr, prev->vaddr + prev->memsz), NULL);
    }
    l = &out->loads[out->nloads++];
    l->vaddr = ph->vaddr;
    l->memsz = ph->memsz;
    l->offset = ph->offset;
    l->filesz = ph->filesz;
    l->prot = ((ph->flags & PF_R) ? VL_PROT_R : 0) | ((ph->flags & PF_W) ? VL_PROT_W : 0) |
              ((ph->flags & PF_X) ? VL_PROT_X : 0);
    l->reserved = 0;
    return 0;
}

/* Where the program headers are in memory, for AT_PHDR: PT_PHDR if present, otherwise the
 * PT_LOAD whose file bytes contain them (ld puts them in the first one). */
static int find_phdrs(struct vl_elf_info *out, const struct vl_elf64_ehdr *e,
                      const struct vl_elf64_phdr *pt_phdr, char *err, size_t errlen)
{
    uint64_t size = (uint64_t)e->phnum * PHDR_SIZE;

    if (pt_phdr != NULL) {
        if (memory_load(out, pt_phdr->vaddr, size) == NULL)
            return elf_fail(err, errlen, "PT_PHDR at %x (%u bytes) is not inside a PT_LOAD segment",
                            ELF_NUMS(pt_phdr->vaddr, size), NULL);
        out->phdr_vaddr = pt_phdr->vaddr;
        return 0;
    }
    for (uint32_t i = 0; i < out->nloads; i++) {
        const struct vl_elf_load *l = &out->loads[i];
        if (range_within(e->phoff, size, l->offset, l->filesz)) {
            out->phdr_vaddr = l->vaddr + (e->phoff - l->offset);
            return 0;
        }
    }
    return elf_fail(err, errlen,
                    "program headers (file offset %x) are not inside any PT_LOAD segment, so "
                    "AT_PHDR cannot point at them",
                    ELF_NUMS(e->phoff), NULL);
}

struct vl_elf_dyn_state {
    uint64_t rela, relasz, relaent;
    int have_rela, have_relasz, have_relaent;
};

static int dyn_set(uint64_t *slot, int *have, uint64_t val, const char *name, char *err,
                   size_t errlen)
{
    if (*have)
        return elf_fail(err, errlen, "PT_DYNAMIC: %s appears twice", NULL, name);
    *have = 1;
    *slot = val;
    return 0;
}

static int dyn_entry(struct vl_elf_dyn_state *st, uint64_t tag, uint64_t val, char *err,
                     size_t errlen)
{
    switch (tag) {
    case DT_NEEDED:
        return elf_fail(err, errlen,
                        "DT_NEEDED: shared-library dependencies are not supported (link with "
                        "-static-pie)",
                        NULL, NULL);
    case DT_REL:
    case DT_RELSZ:
        if (tag == DT_RELSZ && val == 0)
            return 0;
        return elf_fail(err, errlen, "DT_REL: REL-format relocations are not supported, only RELA",
                        NULL, NULL);
    case DT_JMPREL:
    case DT_PLTRELSZ:
        if (tag == DT_PLTRELSZ && val == 0)
            return 0;
        return elf_fail(err, errlen,
                        "DT_JMPREL: PLT relocations are not supported (build with -fno-plt, "
                        "link with -static-pie)",
                        NULL, NULL);
    case DT_TEXTREL:
        return elf_fail(err, errlen,
                        "DT_TEXTREL: relocations in read-only text are not supported (build "
                        "with -fPIE)",
                        NULL, NULL);
    case DT_FLAGS:
        if (val & DF_TEXTREL)
            return elf_fail(err, errlen,
                            "DT_FLAGS has DF_TEXTREL: relocations in read-only text are not "
                            "supported (build with -fPIE)",
                            NULL, NULL);
        return 0;
    case DT_RELR:
    case DT_RELRSZ:
    case DT_RELRENT:
        return elf_fail(err, errlen,
                        "DT_RELR: packed relative relocations are not supported (link without "
                        "-z pack-relative-relocs)",
                        NULL, NULL);
    case DT_RELA:
        return dyn_set(&st->rela, &st->have_rela, val, "DT_RELA", err, errlen);
    case DT_RELASZ:
        return dyn_set(&st->relasz, &st->have_relasz, val, "DT_RELASZ", err, errlen);
    case DT_RELAENT:
        return dyn_set(&st->relaent, &st->have_relaent, val, "DT_RELAENT", err, errlen);
    default:
        return 0; /* DT_INIT_ARRAY, DT_FLAGS_1, DT_DEBUG, symbol tables...: not ours to run */
    }
}

static int parse_rela(struct vl_elf_info *out, const uint8_t *p, const struct vl_elf_dyn_state *st,
                      char *err, size_t errlen)
{
    const struct vl_elf_load *l;

    if (!st->have_rela) {
        if (st->have_relasz && st->relasz != 0)
            return elf_fail(err, errlen, "DT_RELASZ is %u but there is no DT_RELA",
                            ELF_NUMS(st->relasz), NULL);
        return 0;
    }
    if (!st->have_relasz)
        return elf_fail(err, errlen, "DT_RELA without DT_RELASZ", NULL, NULL);
    if (!st->have_relaent)
        return elf_fail(err, errlen, "DT_RELA without DT_RELAENT", NULL, NULL);
    if (st->relaent != RELA_SIZE)
        return elf_fail(err, errlen, "DT_RELAENT is %u, expected 24 (Elf64_Rela)",
                        ELF_NUMS(st->relaent), NULL);
    if (st->relasz % RELA_SIZE != 0)
        return elf_fail(err, errlen, "DT_RELASZ %u is not a multiple of DT_RELAENT (24)",
                        ELF_NUMS(st->relasz), NULL);
    l = file_backed_load(out, st->rela, st->relasz);
    if (l == NULL)
        return elf_fail(err, errlen,
                        "relocation table (DT_RELA %x, DT_RELASZ %u) is outside the image's "
                        "file-backed PT_LOAD segments",
                        ELF_NUMS(st->rela, st->relasz), NULL);
    out->rela_vaddr = st->rela;
    out->rela_count = st->relasz / RELA_SIZE;
    out->rela_offset = l->offset + (st->rela - l->vaddr);
    for (uint64_t i = 0; i < out->rela_count; i++) {
        struct vl_elf64_rela r;
        int rc;
        decode_rela(p + out->rela_offset + i * RELA_SIZE, &r);
        rc = check_reloc(out, i, &r, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int parse_dynamic(struct vl_elf_info *out, const uint8_t *p, size_t len,
                         const struct vl_elf64_phdr *dyn, char *err, size_t errlen)
{
    struct vl_elf_dyn_state st = {0};
    const struct vl_elf_load *l;
    uint64_t n;
    int rc, terminated = 0;

    if (!range_in(dyn->offset, dyn->filesz, len))
        return elf_fail(err, errlen,
                        "PT_DYNAMIC: file range (offset %x, size %x) is outside the file",
                        ELF_NUMS(dyn->offset, dyn->filesz), NULL);
    if (dyn->filesz % DYN_SIZE != 0)
        return elf_fail(err, errlen, "PT_DYNAMIC: size %u is not a multiple of 16 (Elf64_Dyn)",
                        ELF_NUMS(dyn->filesz), NULL);
    l = file_backed_load(out, dyn->vaddr, dyn->filesz);
    if (l == NULL || dyn->offset - l->offset != dyn->vaddr - l->vaddr)
        return elf_fail(err, errlen,
                        "PT_DYNAMIC at %x is not inside the file-backed part of a PT_LOAD "
                        "segment at the matching file offset",
                        ELF_NUMS(dyn->vaddr), NULL);
    n = dyn->filesz / DYN_SIZE;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *d = p + dyn->offset + i * DYN_SIZE;
        uint64_t tag = rd64(d), val = rd64(d + 8);
        if (tag == DT_NULL) {
            terminated = 1;
            break;
        }
        rc = dyn_entry(&st, tag, val, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (!terminated)
        return elf_fail(err, errlen, "PT_DYNAMIC has no DT_NULL terminator", NULL, NULL);
    return parse_rela(out, p, &st, err, errlen);
}

static int record_once(struct vl_elf64_phdr *slot, int *have, const struct vl_elf64_phdr *ph,
                       const char *name, char *err, size_t errlen)
{
    if (*have)
        return elf_fail(err, errlen, "more than one %s segment", NULL, name);
    *have = 1;
    *slot = *ph;
    return 0;
}

static int parse(const uint8_t *p, size_t len, struct vl_elf_info *out, char *err, size_t errlen)
{
    struct vl_elf64_ehdr e;
    struct vl_elf64_phdr ph, dyn = {0}, relro = {0}, phdr_seg = {0};
    int have_dyn = 0, have_relro = 0, have_phdr = 0, rc;
    const struct vl_elf_load *last, *text;

    if (p == NULL)
        return elf_fail(err, errlen, "no file (NULL)", NULL, NULL);
    rc = check_ident(p, len, err, errlen);
    if (rc != 0)
        return rc;
    decode_ehdr(p, &e);
    rc = check_ehdr(&e, len, err, errlen);
    if (rc != 0)
        return rc;
    out->phnum = e.phnum;
    out->phentsize = e.phentsize;
    out->max_align = VL_ELF_PAGE;

    for (uint32_t i = 0; i < e.phnum; i++) {
        decode_phdr(p + e.phoff + (uint64_t)i * PHDR_SIZE, &ph);
        rc = 0;
        switch (ph.type) {
        case PT_LOAD:
            rc = add_load(out, i, &ph, len, err, errlen);
            break;
        case PT_INTERP:
            return elf_fail(err, errlen,
                            "PT_INTERP segment: a dynamic linker is not supported (link with "
                            "-static-pie)",
                            NULL, NULL);
        case PT_TLS:
            return elf_fail(err, errlen,
                            "PT_TLS segment: thread-local storage is not supported (the host "
                            "owns %%fs)",
                            NULL, NULL);
        case PT_DYNAMIC:
            rc = record_once(&dyn, &have_dyn, &ph, "PT_DYNAMIC", err, errlen);
            break;
        case PT_GNU_RELRO:
            rc = record_once(&relro, &have_relro, &ph, "PT_GNU_RELRO", err, errlen);
            break;
        case PT_PHDR:
            rc = record_once(&phdr_seg, &have_phdr, &ph, "PT_PHDR", err, errlen);
            break;
        default:
            break; /* PT_NULL, PT_NOTE, PT_GNU_STACK, PT_GNU_EH_FRAME...: nothing to load */
        }
        if (rc != 0)
            return rc;
    }
    if (out->nloads == 0)
        return elf_fail(err, errlen, "no PT_LOAD segment", NULL, NULL);

    last = &out->loads[out->nloads - 1];
    /* last->vaddr + memsz <= VL_ELF_MAX_SPAN, a page multiple: the rounding cannot overflow */
    out->span = (last->vaddr + last->memsz + VL_ELF_PAGE - 1) & ~(VL_ELF_PAGE - 1);

    text = file_backed_load(out, e.entry, 1);
    if (text == NULL || (text->prot & VL_PROT_X) == 0)
        return elf_fail(err, errlen, "entry point %x is outside every executable PT_LOAD segment",
                        ELF_NUMS(e.entry), NULL);
    out->entry = e.entry;

    rc = find_phdrs(out, &e, have_phdr ? &phdr_seg : NULL, err, errlen);
    if (rc != 0)
        return rc;
    if (have_relro && relro.memsz != 0) {
        if (memory_load(out, relro.vaddr, relro.memsz) == NULL)
            return elf_fail(err, errlen,
                            "PT_GNU_RELRO (vaddr %x, size %x) is not inside a PT_LOAD segment",
                            ELF_NUMS(relro.vaddr, relro.memsz), NULL);
        out->relro_vaddr = relro.vaddr;
        out->relro_size = relro.memsz;
    }
    if (have_dyn)
        return parse_dynamic(out, p, len, &dyn, err, errlen);
    return 0;
}

int vl_elf_parse(const void *file, size_t len, struct vl_elf_info *out, char *err, size_t errlen)
{
    int rc;

    if (err != NULL && errlen != 0)
        err[0] = '\0';
    if (out == NULL)
        return elf_fail(err, errlen, "no output structure (NULL)", NULL, NULL);
    __builtin_memset(out, 0, sizeof(*out));
    rc = parse(file, len, out, err, errlen);
    if (rc != 0)
        __builtin_memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- load ---- */

static int inconsistent(char *err, size_t errlen, const char *what)
{
    return elf_fail(err, errlen,
                    "ELF info does not match the file (%s): pass the file it was parsed from", NULL,
                    what);
}

/* The segment table of an info from anywhere: sorted, non-overlapping, inside span. */
static int loads_consistent(const struct vl_elf_info *info)
{
    uint64_t cursor = 0;

    if (info->nloads == 0 || info->nloads > VL_ELF_MAX_LOADS || info->span > VL_ELF_MAX_SPAN ||
        info->span % VL_ELF_PAGE != 0)
        return 0;
    for (uint32_t i = 0; i < info->nloads; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        if (l->vaddr < cursor || l->filesz > l->memsz || !range_in(l->vaddr, l->memsz, info->span))
            return 0;
        cursor = l->vaddr + l->memsz;
    }
    return 1;
}

/* Decode, then act: every bound the copy and the relocation rely on is re-checked (the info
 * could come from another file) before the first byte of dest is written. */
static int check_image(const struct vl_elf_info *info, const uint8_t *p, size_t len, char *err,
                       size_t errlen)
{
    if (!loads_consistent(info))
        return inconsistent(err, errlen, "segment bounds");
    for (uint32_t i = 0; i < info->nloads; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        if (!range_in(l->offset, l->filesz, len))
            return inconsistent(err, errlen, "segment outside the file");
    }
    if (info->rela_count == 0)
        return 0;
    if (info->rela_offset > len || info->rela_count > (len - info->rela_offset) / RELA_SIZE)
        return inconsistent(err, errlen, "relocation table outside the file");
    for (uint64_t i = 0; i < info->rela_count; i++) {
        struct vl_elf64_rela r;
        int rc;
        decode_rela(p + info->rela_offset + i * RELA_SIZE, &r);
        rc = check_reloc(info, i, &r, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void copy_segments(const struct vl_elf_info *info, const uint8_t *p, uint8_t *dest)
{
    uint64_t cursor = 0;

    for (uint32_t i = 0; i < info->nloads; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        __builtin_memset(dest + cursor, 0, l->vaddr - cursor);
        __builtin_memcpy(dest + l->vaddr, p + l->offset, l->filesz);
        __builtin_memset(dest + l->vaddr + l->filesz, 0, l->memsz - l->filesz);
        cursor = l->vaddr + l->memsz;
    }
    __builtin_memset(dest + cursor, 0, info->span - cursor);
}

/* R_X86_64_RELATIVE: B + A, modulo 2^64, stored little-endian. */
static void apply_relocs(const struct vl_elf_info *info, const uint8_t *p, uint8_t *dest,
                         uint64_t base)
{
    for (uint64_t i = 0; i < info->rela_count; i++) {
        struct vl_elf64_rela r;
        decode_rela(p + info->rela_offset + i * RELA_SIZE, &r);
        if ((r.info & 0xffffffffu) == R_X86_64_RELATIVE)
            wr64(dest + r.offset, base + r.addend);
    }
}

int vl_elf_load(const struct vl_elf_info *info, const void *file, size_t len, void *dest,
                uint64_t base, char *err, size_t errlen)
{
    int rc;

    if (err != NULL && errlen != 0)
        err[0] = '\0';
    if (info == NULL || file == NULL || dest == NULL)
        return elf_fail(err, errlen, "NULL argument to vl_elf_load", NULL, NULL);
    if (base % VL_ELF_PAGE != 0)
        return elf_fail(err, errlen, "load base %x is not page aligned", ELF_NUMS(base), NULL);
    rc = check_image(info, file, len, err, errlen);
    if (rc != 0)
        return rc;
    copy_segments(info, file, dest);
    apply_relocs(info, file, dest, base);
    return 0;
}

/* ---- page protections ---- */

/* The pages segment l touches: [*first, *end), empty when *first == *end. */
static void load_pages(const struct vl_elf_load *l, uint64_t *first, uint64_t *end)
{
    *first = l->vaddr / VL_ELF_PAGE;
    *end = (l->vaddr + l->memsz + VL_ELF_PAGE - 1) / VL_ELF_PAGE;
}

static uint32_t page_prot(const struct vl_elf_info *info, uint64_t page)
{
    uint32_t prot = 0;

    for (uint32_t i = 0; i < info->nloads; i++) {
        uint64_t first, end;
        load_pages(&info->loads[i], &first, &end);
        if (first <= page && page < end)
            prot |= info->loads[i].prot & (VL_PROT_R | VL_PROT_W | VL_PROT_X);
    }
    return prot;
}

int vl_elf_protect_plan(const struct vl_elf_info *info, struct vl_elf_plan *plan)
{
    uint64_t cuts[2 * VL_ELF_MAX_LOADS + 2]; /* page numbers where the protection may change */
    uint32_t ncuts = 0;

    if (plan == NULL)
        return -VK_EINVAL;
    __builtin_memset(plan, 0, sizeof(*plan));
    if (info == NULL || !loads_consistent(info))
        return -VK_EINVAL;
    cuts[ncuts++] = 0;
    cuts[ncuts++] = info->span / VL_ELF_PAGE;
    for (uint32_t i = 0; i < info->nloads; i++) {
        load_pages(&info->loads[i], &cuts[ncuts], &cuts[ncuts + 1]);
        ncuts += 2;
    }
    for (uint32_t i = 1; i < ncuts; i++) { /* insertion sort: at most 34 numbers */
        uint64_t c = cuts[i];
        uint32_t j = i;
        for (; j > 0 && cuts[j - 1] > c; j--)
            cuts[j] = cuts[j - 1];
        cuts[j] = c;
    }
    /* between two neighbouring cuts every page has the same protection */
    for (uint32_t i = 0; i + 1 < ncuts; i++) {
        struct vl_elf_run *last = plan->nruns ? &plan->runs[plan->nruns - 1] : NULL;
        uint32_t prot;
        if (cuts[i] == cuts[i + 1])
            continue;
        prot = page_prot(info, cuts[i]);
        if (last != NULL && last->prot == prot) {
            last->size += (cuts[i + 1] - cuts[i]) * VL_ELF_PAGE;
            continue;
        }
        /* ncuts - 1 intervals at most: plan->runs has room (VL_ELF_MAX_RUNS) */
        plan->runs[plan->nruns].offset = cuts[i] * VL_ELF_PAGE;
        plan->runs[plan->nruns].size = (cuts[i + 1] - cuts[i]) * VL_ELF_PAGE;
        plan->runs[plan->nruns].prot = prot;
        plan->nruns++;
    }
    return 0;
}
