/*
 * Unit tests for vl_elf (os/lib/elf/vl_elf.c): parsing and loading real static-PIE fixtures
 * built by this directory's CMakeLists.txt, one test per refusal (each a copy of a valid fixture
 * with one thing broken, or a tiny ELF built here), truncation at every length, and seeded
 * random mutations checked against a naive reference loader and a page-by-page reference of
 * the protection plan. The initial stack has its own suite (test_elf_stack.c).
 *
 * The test side uses the host's <elf.h> to find and mutate fields; vl_elf itself never sees it.
 * Every buffer a test allocates hangs off `t` and is freed by the teardown.
 */
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "vl_elf.h"

Suite *elf_suite(void);

#define BASE 0x200000400000ull /* a page-aligned guest address, as vrsim's arena would give */
#define ERRLEN 256

struct elf_test {
    uint8_t *file; /* a private, mutable copy of the fixture */
    size_t len;
    uint8_t *dest; /* load destination, span bytes */
    struct vl_elf_info info;
    char err[ERRLEN];
};

static struct elf_test t;

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    ck_assert_msg(f != NULL, "cannot open fixture %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_gt(n, 0);
    rewind(f);
    buf = malloc((size_t)n);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void use_fixture(const char *path)
{
    free(t.file);
    t.file = read_file(path, &t.len);
}

static void setup(void)
{
    memset(&t, 0, sizeof(t));
    use_fixture(VL_FIXTURE_RELOC);
}

static void teardown(void)
{
    free(t.file);
    free(t.dest);
    memset(&t, 0, sizeof(t));
}

/* ---- views into the fixture copy (host <elf.h> layout; malloc'd buffers are aligned) ---- */

static Elf64_Ehdr *ehdr(void)
{
    return (Elf64_Ehdr *)t.file;
}

static Elf64_Phdr *phdr(unsigned i)
{
    ck_assert_uint_lt(i, ehdr()->e_phnum);
    return (Elf64_Phdr *)(t.file + ehdr()->e_phoff) + i;
}

static Elf64_Phdr *find_phdr(uint32_t type, unsigned nth)
{
    for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
        if (phdr(i)->p_type == type && nth-- == 0)
            return phdr(i);
    }
    ck_abort_msg("fixture has no program header of type %u", type);
    return NULL;
}

static Elf64_Dyn *find_dyn(int64_t tag)
{
    Elf64_Phdr *d = find_phdr(PT_DYNAMIC, 0);
    Elf64_Dyn *dyn = (Elf64_Dyn *)(t.file + d->p_offset);

    for (size_t i = 0; i < d->p_filesz / sizeof(*dyn); i++) {
        if (dyn[i].d_tag == tag)
            return &dyn[i];
    }
    ck_abort_msg("fixture has no dynamic tag %ld", (long)tag);
    return NULL;
}

/* The relocation table, located through a parse of the pristine file. */
static Elf64_Rela *rela(size_t *count)
{
    struct vl_elf_info info;

    ck_assert_int_eq(vl_elf_parse(t.file, t.len, &info, t.err, ERRLEN), 0);
    ck_assert_uint_gt(info.rela_count, 0);
    *count = info.rela_count;
    return (Elf64_Rela *)(t.file + info.rela_offset);
}

static uint64_t sym_value(const char *name)
{
    Elf64_Shdr *sh = (Elf64_Shdr *)(t.file + ehdr()->e_shoff);

    for (unsigned i = 0; i < ehdr()->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB)
            continue;
        Elf64_Sym *sym = (Elf64_Sym *)(t.file + sh[i].sh_offset);
        const char *str = (const char *)t.file + sh[sh[i].sh_link].sh_offset;
        for (size_t j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
            if (strcmp(str + sym[j].st_name, name) == 0)
                return sym[j].st_value;
        }
    }
    ck_abort_msg("fixture has no symbol %s", name);
    return 0;
}

static uint64_t load_word(uint64_t vaddr)
{
    uint64_t v;

    ck_assert_uint_le(vaddr + 8, t.info.span);
    memcpy(&v, t.dest + vaddr, 8);
    return v;
}

static void parse_ok(void)
{
    int rc = vl_elf_parse(t.file, t.len, &t.info, t.err, ERRLEN);
    ck_assert_msg(rc == 0, "parse failed: %s", t.err);
}

static void load_ok(uint64_t base)
{
    int rc;

    free(t.dest);
    t.dest = malloc(t.info.span);
    ck_assert_ptr_nonnull(t.dest);
    memset(t.dest, 0xaa, t.info.span);
    rc = vl_elf_load(&t.info, t.file, t.len, t.dest, base, t.err, ERRLEN);
    ck_assert_msg(rc == 0, "load failed: %s", t.err);
}

static void expect_refused(const char *what)
{
    struct vl_elf_info zero;
    int rc = vl_elf_parse(t.file, t.len, &t.info, t.err, ERRLEN);

    ck_assert_int_eq(rc, -VK_ENOEXEC);
    ck_assert_msg(strstr(t.err, what) != NULL, "message \"%s\" lacks \"%s\"", t.err, what);
    memset(&zero, 0, sizeof(zero));
    ck_assert_msg(memcmp(&t.info, &zero, sizeof(zero)) == 0, "info not zeroed on failure");
}

/* ---- reference model: the naive loader, for differential checks ---- */

static void reference_load(const struct vl_elf_info *info, const uint8_t *file, uint8_t *dest,
                           uint64_t base)
{
    memset(dest, 0, info->span);
    for (uint32_t i = 0; i < info->nloads; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        memcpy(dest + l->vaddr, file + l->offset, l->filesz);
    }
    for (uint64_t i = 0; i < info->rela_count; i++) {
        Elf64_Rela r;
        memcpy(&r, file + info->rela_offset + i * sizeof(r), sizeof(r));
        if (ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE) {
            uint64_t v = base + (uint64_t)r.r_addend;
            memcpy(dest + r.r_offset, &v, 8);
        }
    }
}

/* The protection of one page, as the arena computed it before the plan existed: the union of
 * the flags of every segment whose memory image touches the page. */
static uint32_t reference_prot(const struct vl_elf_info *info, uint64_t page)
{
    uint32_t prot = 0;

    for (uint32_t i = 0; i < info->nloads; i++) {
        const struct vl_elf_load *l = &info->loads[i];
        if (page * 4096 < l->vaddr + l->memsz && (page + 1) * 4096 > l->vaddr)
            prot |= l->prot;
    }
    return prot;
}

/* The plan is well formed (ascending, adjacent runs covering [0, span), neighbours differ)
 * and gives every page the reference's protection. Returns the number of runs. */
static uint32_t check_plan(const struct vl_elf_info *info)
{
    struct vl_elf_plan plan;
    uint64_t at = 0;

    memset(&plan, 0xa5, sizeof(plan));
    ck_assert_int_eq(vl_elf_protect_plan(info, &plan), 0);
    ck_assert_uint_ge(plan.nruns, 1);
    ck_assert_uint_le(plan.nruns, VL_ELF_MAX_RUNS);
    for (uint32_t i = 0; i < plan.nruns; i++) {
        const struct vl_elf_run *r = &plan.runs[i];
        ck_assert_uint_eq(r->offset, at);
        ck_assert_uint_gt(r->size, 0);
        ck_assert_uint_eq(r->size % 4096, 0);
        ck_assert_uint_eq(r->prot & ~(VL_PROT_R | VL_PROT_W | VL_PROT_X), 0);
        if (i > 0)
            ck_assert_uint_ne(r->prot, plan.runs[i - 1].prot);
        for (uint64_t pg = r->offset / 4096; pg < (r->offset + r->size) / 4096; pg++)
            ck_assert_msg(reference_prot(info, pg) == r->prot, "page %lu: plan %u, reference %u",
                          (unsigned long)pg, r->prot, reference_prot(info, pg));
        at += r->size;
    }
    ck_assert_uint_eq(at, info->span);
    return plan.nruns;
}

/* Parse (and on success load and compare with the reference, and check the protection plan)
 * a possibly broken file. Returns 1 if it was accepted. */
static int parse_and_load_any(const uint8_t *file, size_t len, uint64_t base)
{
    struct vl_elf_info info;
    char err[ERRLEN];
    uint8_t *dest, *ref;
    int rc = vl_elf_parse(file, len, &info, err, sizeof(err));

    ck_assert(rc == 0 || rc == -VK_ENOEXEC);
    ck_assert_uint_lt(strlen(err), sizeof(err));
    if (rc != 0) {
        ck_assert_msg(err[0] != '\0', "refusal without a message");
        return 0;
    }
    ck_assert_uint_le(info.span, VL_ELF_MAX_SPAN);
    if (info.span > (16u << 20))
        return 1; /* valid but too big to be worth loading here */
    dest = malloc(info.span);
    ref = malloc(info.span);
    ck_assert(dest != NULL && ref != NULL);
    memset(dest, 0x5a, info.span);
    rc = vl_elf_load(&info, file, len, dest, base, err, sizeof(err));
    ck_assert_msg(rc == 0, "parsed but failed to load: %s", err);
    reference_load(&info, file, ref, base);
    ck_assert_msg(memcmp(dest, ref, info.span) == 0, "load differs from the reference");
    check_plan(&info);
    free(dest);
    free(ref);
    return 1;
}

/* ---- a tiny ELF builder for shapes the fixtures do not have ---- */

#define MINI_CODE 0x800 /* file offset of the one instruction (ud2) */

/* nloads PT_LOADs at 0, 0x1000, ...; all map the first page of the file; the first is R+X
 * and holds the entry. No PT_DYNAMIC: nothing to relocate. */
static void build_mini(unsigned nloads)
{
    size_t len = 0x1000;
    Elf64_Ehdr *e;

    ck_assert_uint_le(sizeof(Elf64_Ehdr) + nloads * sizeof(Elf64_Phdr), MINI_CODE);
    free(t.file);
    t.file = calloc(1, len);
    ck_assert_ptr_nonnull(t.file);
    t.len = len;
    e = ehdr();
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_DYN;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = MINI_CODE;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = (uint16_t)nloads;
    for (unsigned i = 0; i < nloads; i++) {
        Elf64_Phdr *p = phdr(i);
        p->p_type = PT_LOAD;
        p->p_flags = i == 0 ? (PF_R | PF_X) : (PF_R | PF_W);
        p->p_offset = 0;
        p->p_vaddr = p->p_paddr = (uint64_t)i * 0x1000;
        p->p_filesz = p->p_memsz = 0x1000;
        p->p_align = 0x1000;
    }
    t.file[MINI_CODE] = 0x0f;
    t.file[MINI_CODE + 1] = 0x0b;
}

/* ================================ valid images ================================ */

START_TEST(test_parse_fixture)
{
    Elf64_Phdr *first = find_phdr(PT_LOAD, 0);
    unsigned nloads = 0;

    parse_ok();
    ck_assert_uint_eq(t.info.entry, sym_value("_start"));
    ck_assert_uint_eq(t.info.entry, ehdr()->e_entry);
    ck_assert_uint_eq(t.info.phnum, ehdr()->e_phnum);
    ck_assert_uint_eq(t.info.phentsize, 56);
    ck_assert_uint_eq(t.info.phdr_vaddr, first->p_vaddr + ehdr()->e_phoff - first->p_offset);
    ck_assert_uint_eq(t.info.span, (sym_value("_end") + 4095) & ~4095ull);
    ck_assert_uint_eq(t.info.max_align, 4096);
    for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
        Elf64_Phdr *p = phdr(i);
        if (p->p_type != PT_LOAD)
            continue;
        struct vl_elf_load *l = &t.info.loads[nloads++];
        ck_assert_uint_eq(l->vaddr, p->p_vaddr);
        ck_assert_uint_eq(l->memsz, p->p_memsz);
        ck_assert_uint_eq(l->offset, p->p_offset);
        ck_assert_uint_eq(l->filesz, p->p_filesz);
        ck_assert_uint_eq(l->prot, ((p->p_flags & PF_R) ? VL_PROT_R : 0) |
                                       ((p->p_flags & PF_W) ? VL_PROT_W : 0) |
                                       ((p->p_flags & PF_X) ? VL_PROT_X : 0));
    }
    ck_assert_uint_eq(t.info.nloads, nloads);
    ck_assert_uint_eq(t.info.rela_vaddr, find_dyn(DT_RELA)->d_un.d_ptr);
    ck_assert_uint_eq(t.info.rela_count, find_dyn(DT_RELASZ)->d_un.d_val / 24);
    ck_assert_uint_ge(t.info.rela_count, 5); /* 3 table entries + 2 pointers */
    ck_assert_uint_eq(t.info.relro_size, 0); /* linked with -z norelro */
}
END_TEST

START_TEST(test_load_relocates)
{
    static const char *const want[] = {"alpha", "beta", "gamma"};
    uint64_t table = sym_value("vl_fixture_table"), bss = sym_value("vl_fixture_bss");

    parse_ok();
    load_ok(BASE);
    for (int i = 0; i < 3; i++) {
        uint64_t p = load_word(table + 8 * (uint64_t)i);
        ck_assert_uint_ge(p, BASE);
        ck_assert_uint_lt(p - BASE, t.info.span);
        ck_assert_str_eq((const char *)t.dest + (p - BASE), want[i]);
    }
    ck_assert_uint_eq(load_word(sym_value("vl_fixture_ptr")), BASE + sym_value("vl_fixture_value"));
    ck_assert_uint_eq(load_word(sym_value("vl_fixture_bss_ptr")), BASE + bss + 16);
    for (uint64_t i = 0; i < 10000; i++)
        ck_assert_msg(t.dest[bss + i] == 0, ".bss byte %lu not zeroed", (unsigned long)i);
    ck_assert_mem_eq(t.dest + t.info.entry, "\x0f\x0b", 2); /* ud2 */
}
END_TEST

START_TEST(test_load_matches_reference)
{
    static const uint64_t bases[] = {0, 0x1000, BASE, 0xfffffffffff00000ull};
    uint8_t *ref;

    parse_ok();
    ref = malloc(t.info.span);
    ck_assert_ptr_nonnull(ref);
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        load_ok(bases[i]); /* fills dest with 0xaa first: every gap must come out zeroed */
        reference_load(&t.info, t.file, ref, bases[i]);
        ck_assert_msg(memcmp(t.dest, ref, t.info.span) == 0, "base %#lx differs",
                      (unsigned long)bases[i]);
    }
    free(ref);
}
END_TEST

START_TEST(test_relro_fixture)
{
    uint64_t ro, rw, buf;

    use_fixture(VL_FIXTURE_RELRO);
    ro = sym_value("vl_fixture_ro_table");
    rw = sym_value("vl_fixture_rw");
    buf = sym_value("vl_fixture_buf");
    parse_ok();
    ck_assert_uint_gt(t.info.relro_size, 0);
    ck_assert_uint_eq(t.info.relro_vaddr, find_phdr(PT_GNU_RELRO, 0)->p_vaddr);
    ck_assert_uint_le(t.info.relro_vaddr, ro);
    ck_assert_uint_le(ro + 16, t.info.relro_vaddr + t.info.relro_size);
    load_ok(BASE);
    ck_assert_uint_eq(load_word(ro), BASE + sym_value("vl_fixture_one"));
    ck_assert_str_eq((const char *)t.dest + (load_word(ro + 8) - BASE), "two");
    ck_assert_uint_eq(load_word(rw), BASE + buf);
    ck_assert_uint_eq(load_word(rw + 8), BASE + buf + 8);
}
END_TEST

/* A relocation inside PT_GNU_RELRO is accepted even if its PT_LOAD is read-only; one outside
 * it in the same read-only segment is a text relocation. */
START_TEST(test_relro_allows_relocation)
{
    Elf64_Phdr *rw = NULL;
    size_t n;
    Elf64_Rela *r;

    use_fixture(VL_FIXTURE_RELRO);
    for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
        if (phdr(i)->p_type == PT_LOAD && (phdr(i)->p_flags & PF_W))
            rw = phdr(i);
    }
    ck_assert_ptr_nonnull(rw);
    r = rela(&n);
    rw->p_flags &= ~PF_W;
    for (size_t i = 0; i < n; i++) {
        if (r[i].r_offset >= sym_value("vl_fixture_rw")) /* .data, after RELRO */
            r[i].r_info = ELF64_R_INFO(0, R_X86_64_NONE);
    }
    parse_ok();
    r[n - 1].r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
    r[n - 1].r_offset = sym_value("vl_fixture_rw");
    expect_refused("read-only segment");
}
END_TEST

START_TEST(test_mini_elf)
{
    build_mini(1);
    parse_ok();
    ck_assert_uint_eq(t.info.nloads, 1);
    ck_assert_uint_eq(t.info.span, 0x1000);
    ck_assert_uint_eq(t.info.rela_count, 0);
    ck_assert_uint_eq(t.info.phdr_vaddr, 64);
    load_ok(BASE);
    ck_assert_mem_eq(t.dest, t.file, 0x1000);
    build_mini(VL_ELF_MAX_LOADS);
    parse_ok();
    ck_assert_uint_eq(t.info.nloads, VL_ELF_MAX_LOADS);
}
END_TEST

START_TEST(test_short_err_buffer)
{
    char small[9];

    memset(small, 'Z', sizeof(small));
    t.file[0] = 0;
    ck_assert_int_eq(vl_elf_parse(t.file, t.len, &t.info, small, 8), -VK_ENOEXEC);
    ck_assert_str_eq(small, "bad mag");
    ck_assert_int_eq(small[8], 'Z');
    ck_assert_int_eq(vl_elf_parse(t.file, t.len, &t.info, NULL, 0), -VK_ENOEXEC);
    ck_assert_int_eq(vl_elf_parse(NULL, 0, &t.info, t.err, ERRLEN), -VK_ENOEXEC);
    ck_assert_int_eq(vl_elf_parse(t.file, t.len, NULL, t.err, ERRLEN), -VK_ENOEXEC);
}
END_TEST

/* ================================ refusals: header ================================ */

START_TEST(test_bad_magic)
{
    t.file[1] = 'X';
    expect_refused("bad magic");
}
END_TEST

START_TEST(test_bad_class)
{
    t.file[EI_CLASS] = ELFCLASS32;
    expect_refused("ELF class 1 is not supported, only ELFCLASS64");
}
END_TEST

START_TEST(test_bad_endianness)
{
    t.file[EI_DATA] = ELFDATA2MSB;
    expect_refused("only little-endian");
}
END_TEST

START_TEST(test_bad_ident_version)
{
    t.file[EI_VERSION] = 2;
    expect_refused("e_ident is not EV_CURRENT");
}
END_TEST

START_TEST(test_bad_version)
{
    ehdr()->e_version = 0;
    expect_refused("e_version is not EV_CURRENT");
}
END_TEST

START_TEST(test_type_exec)
{
    ehdr()->e_type = ET_EXEC;
    expect_refused("ET_EXEC");
}
END_TEST

START_TEST(test_type_rel)
{
    ehdr()->e_type = ET_REL;
    expect_refused("ELF type 1 is not supported");
}
END_TEST

START_TEST(test_bad_machine)
{
    ehdr()->e_machine = EM_386;
    expect_refused("ELF machine 3 is not supported");
}
END_TEST

START_TEST(test_bad_phentsize)
{
    ehdr()->e_phentsize = 32;
    expect_refused("e_phentsize is 32");
}
END_TEST

START_TEST(test_no_phdrs)
{
    ehdr()->e_phnum = 0;
    expect_refused("no program headers");
}
END_TEST

START_TEST(test_truncated_header)
{
    t.len = 63;
    expect_refused("truncated ELF header");
}
END_TEST

START_TEST(test_truncated_phdrs)
{
    t.len = ehdr()->e_phoff + 56 * ehdr()->e_phnum - 1;
    expect_refused("truncated program headers");
}
END_TEST

START_TEST(test_phoff_overflow)
{
    ehdr()->e_phoff = UINT64_MAX - 8;
    expect_refused("truncated program headers");
}
END_TEST

/* ================================ refusals: segments ================================ */

START_TEST(test_no_load)
{
    for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
        if (phdr(i)->p_type == PT_LOAD)
            phdr(i)->p_type = PT_NULL;
    }
    expect_refused("no PT_LOAD segment");
}
END_TEST

START_TEST(test_interp)
{
    find_phdr(PT_GNU_STACK, 0)->p_type = PT_INTERP;
    expect_refused("PT_INTERP segment");
}
END_TEST

START_TEST(test_tls)
{
    find_phdr(PT_GNU_STACK, 0)->p_type = PT_TLS;
    expect_refused("PT_TLS segment: thread-local storage is not supported (the host owns %fs)");
}
END_TEST

START_TEST(test_too_many_loads)
{
    build_mini(VL_ELF_MAX_LOADS + 1);
    expect_refused("too many PT_LOAD segments (more than 16)");
}
END_TEST

START_TEST(test_overlapping_loads)
{
    Elf64_Phdr *text = find_phdr(PT_LOAD, 1), *ro = find_phdr(PT_LOAD, 2);

    ro->p_vaddr = text->p_vaddr + (ro->p_offset - text->p_offset) % 4096; /* keep congruence */
    expect_refused("overlaps the previous segment");
}
END_TEST

START_TEST(test_unsorted_loads)
{
    find_phdr(PT_LOAD, 2)->p_vaddr = 0;
    expect_refused("is not sorted");
}
END_TEST

START_TEST(test_filesz_over_memsz)
{
    Elf64_Phdr *p = find_phdr(PT_LOAD, 0);

    p->p_memsz = p->p_filesz - 1;
    expect_refused("p_filesz 0x");
}
END_TEST

START_TEST(test_segment_past_eof)
{
    Elf64_Phdr *p = find_phdr(PT_LOAD, 3);

    p->p_filesz = t.len - p->p_offset + 1;
    p->p_memsz = p->p_filesz + 0x10000;
    expect_refused("is outside the file");
}
END_TEST

START_TEST(test_segment_offset_overflow)
{
    Elf64_Phdr *p = find_phdr(PT_LOAD, 1);

    p->p_offset = UINT64_MAX - 1; /* offset + filesz wraps to a small number */
    p->p_vaddr = (UINT64_MAX - 1) & 0xfff;
    p->p_align = 1;
    expect_refused("is outside the file");
}
END_TEST

START_TEST(test_span_too_big)
{
    find_phdr(PT_LOAD, 3)->p_memsz = VL_ELF_MAX_SPAN;
    expect_refused("image size limit");
}
END_TEST

START_TEST(test_vaddr_overflow)
{
    Elf64_Phdr *p = find_phdr(PT_LOAD, 3);

    p->p_vaddr = UINT64_MAX - 0xfff + (p->p_offset & 0xfff);
    expect_refused("image size limit");
}
END_TEST

START_TEST(test_misaligned_load)
{
    find_phdr(PT_LOAD, 1)->p_vaddr += 8;
    expect_refused("not congruent");
}
END_TEST

START_TEST(test_align_not_power_of_two)
{
    find_phdr(PT_LOAD, 1)->p_align = 0x3000;
    expect_refused("not a power of two");
}
END_TEST

START_TEST(test_entry_outside)
{
    ehdr()->e_entry = 0x10000000;
    expect_refused("entry point 0x10000000 is outside every executable PT_LOAD");
}
END_TEST

START_TEST(test_entry_not_executable)
{
    ehdr()->e_entry = find_phdr(PT_LOAD, 2)->p_vaddr; /* .rodata */
    expect_refused("outside every executable PT_LOAD");
}
END_TEST

START_TEST(test_phdrs_not_loaded)
{
    size_t n = 56u * ehdr()->e_phnum;
    uint8_t *f = realloc(t.file, t.len + n);

    ck_assert_ptr_nonnull(f);
    t.file = f;
    memcpy(f + t.len, f + ehdr()->e_phoff, n);
    ehdr()->e_phoff = t.len;
    t.len += n;
    expect_refused("AT_PHDR");
}
END_TEST

START_TEST(test_relro_outside)
{
    use_fixture(VL_FIXTURE_RELRO);
    find_phdr(PT_GNU_RELRO, 0)->p_vaddr = 0x10000000;
    expect_refused("PT_GNU_RELRO");
}
END_TEST

/* ================================ refusals: dynamic ================================ */

START_TEST(test_dynamic_outside)
{
    find_phdr(PT_DYNAMIC, 0)->p_vaddr = 0x10000000;
    expect_refused("PT_DYNAMIC at 0x10000000 is not inside");
}
END_TEST

START_TEST(test_dynamic_past_eof)
{
    find_phdr(PT_DYNAMIC, 0)->p_offset = t.len - 8;
    expect_refused("PT_DYNAMIC: file range");
}
END_TEST

START_TEST(test_two_dynamic)
{
    *find_phdr(PT_GNU_STACK, 0) = *find_phdr(PT_DYNAMIC, 0);
    expect_refused("more than one PT_DYNAMIC");
}
END_TEST

START_TEST(test_dynamic_unterminated)
{
    Elf64_Phdr *d = find_phdr(PT_DYNAMIC, 0);
    Elf64_Dyn *dyn = (Elf64_Dyn *)(t.file + d->p_offset);

    for (size_t i = 0; i < d->p_filesz / sizeof(*dyn); i++) {
        if (dyn[i].d_tag == DT_NULL)
            dyn[i].d_tag = DT_DEBUG;
    }
    expect_refused("no DT_NULL terminator");
}
END_TEST

START_TEST(test_textrel)
{
    find_dyn(DT_DEBUG)->d_tag = DT_TEXTREL;
    expect_refused("DT_TEXTREL");
}
END_TEST

START_TEST(test_flags_textrel)
{
    Elf64_Dyn *d = find_dyn(DT_DEBUG);

    d->d_tag = DT_FLAGS;
    d->d_un.d_val = DF_BIND_NOW | DF_TEXTREL;
    expect_refused("DT_FLAGS has DF_TEXTREL");
}
END_TEST

START_TEST(test_flags_ok)
{
    Elf64_Dyn *d = find_dyn(DT_DEBUG);

    d->d_tag = DT_FLAGS;
    d->d_un.d_val = DF_BIND_NOW;
    parse_ok();
}
END_TEST

START_TEST(test_relr)
{
    find_dyn(DT_DEBUG)->d_tag = 36; /* DT_RELR: not in every <elf.h> yet */
    expect_refused("DT_RELR");
}
END_TEST

START_TEST(test_rel)
{
    find_dyn(DT_DEBUG)->d_tag = DT_REL;
    expect_refused("DT_REL: REL-format relocations are not supported");
}
END_TEST

START_TEST(test_needed)
{
    find_dyn(DT_DEBUG)->d_tag = DT_NEEDED;
    expect_refused("DT_NEEDED");
}
END_TEST

START_TEST(test_jmprel)
{
    find_dyn(DT_DEBUG)->d_tag = DT_JMPREL;
    expect_refused("DT_JMPREL: PLT relocations");
}
END_TEST

START_TEST(test_duplicate_rela)
{
    Elf64_Dyn *d = find_dyn(DT_DEBUG);

    *d = *find_dyn(DT_RELASZ);
    expect_refused("DT_RELASZ appears twice");
}
END_TEST

START_TEST(test_relaent)
{
    find_dyn(DT_RELAENT)->d_un.d_val = 16;
    expect_refused("DT_RELAENT is 16, expected 24");
}
END_TEST

START_TEST(test_relaent_missing)
{
    find_dyn(DT_RELAENT)->d_tag = DT_DEBUG;
    expect_refused("DT_RELA without DT_RELAENT");
}
END_TEST

START_TEST(test_relasz_missing)
{
    find_dyn(DT_RELASZ)->d_tag = DT_DEBUG;
    expect_refused("DT_RELA without DT_RELASZ");
}
END_TEST

START_TEST(test_relasz_not_multiple)
{
    find_dyn(DT_RELASZ)->d_un.d_val += 1;
    expect_refused("is not a multiple of DT_RELAENT (24)");
}
END_TEST

START_TEST(test_rela_outside)
{
    find_dyn(DT_RELA)->d_un.d_ptr = 0x10000000;
    expect_refused("relocation table");
}
END_TEST

START_TEST(test_relasz_too_big)
{
    find_dyn(DT_RELASZ)->d_un.d_val = 24ull * 1000000;
    expect_refused("relocation table");
}
END_TEST

START_TEST(test_relasz_overflow)
{
    find_dyn(DT_RELASZ)->d_un.d_val = UINT64_MAX - UINT64_MAX % 24;
    expect_refused("relocation table");
}
END_TEST

/* ================================ refusals: relocations ================================ */

START_TEST(test_reloc_jump_slot)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[3].r_info = ELF64_R_INFO(0, R_X86_64_JUMP_SLOT);
    expect_refused("relocation 3: type 7 (R_X86_64_JUMP_SLOT) is not supported, only "
                   "R_X86_64_RELATIVE");
}
END_TEST

START_TEST(test_reloc_unknown_type)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[0].r_info = ELF64_R_INFO(0, 200);
    expect_refused("relocation 0: type 200 (unknown)");
}
END_TEST

START_TEST(test_reloc_none_is_skipped)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[0].r_info = ELF64_R_INFO(0, R_X86_64_NONE);
    r[0].r_offset = UINT64_MAX; /* never looked at */
    parse_ok();
    load_ok(BASE);
}
END_TEST

START_TEST(test_reloc_outside)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[n - 1].r_offset = 0x10000000;
    expect_refused("target 0x10000000 is outside the image");
}
END_TEST

START_TEST(test_reloc_straddles_end)
{
    size_t n;
    Elf64_Rela *r = rela(&n);
    Elf64_Phdr *rw = find_phdr(PT_LOAD, 3);

    r[0].r_offset = rw->p_vaddr + rw->p_memsz - 4; /* last 4 bytes of .bss + 4 beyond */
    expect_refused("outside the image");
}
END_TEST

START_TEST(test_reloc_offset_overflow)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[1].r_offset = UINT64_MAX - 3;
    expect_refused("relocation 1: target");
}
END_TEST

START_TEST(test_reloc_in_text)
{
    size_t n;
    Elf64_Rela *r = rela(&n);

    r[2].r_offset = 0x100; /* the first, read-only PT_LOAD (headers, .rela.dyn) */
    expect_refused("relocation 2: target");
    ck_assert_ptr_nonnull(strstr(t.err, "read-only segment (text relocation)"));
}
END_TEST

/* ================================ protection plan ================================ */

/* The fixture's four PT_LOADs (headers and relocations R, text R+X, read-only data R, data
 * and bss R+W) on pages of their own: one run each, with the segment's flags. */
START_TEST(test_plan_fixture)
{
    struct vl_elf_plan plan;

    parse_ok();
    ck_assert_uint_eq(check_plan(&t.info), 4);
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), 0);
    for (unsigned i = 0; i < 4; i++) {
        Elf64_Phdr *p = find_phdr(PT_LOAD, i);
        ck_assert_uint_eq(plan.runs[i].offset, p->p_vaddr & ~4095ull);
        ck_assert_uint_eq(plan.runs[i].prot, ((p->p_flags & PF_R) ? VL_PROT_R : 0) |
                                                 ((p->p_flags & PF_W) ? VL_PROT_W : 0) |
                                                 ((p->p_flags & PF_X) ? VL_PROT_X : 0));
    }
    use_fixture(VL_FIXTURE_RELRO);
    parse_ok();
    check_plan(&t.info);
}
END_TEST

/* Segments that share pages and leave gaps: a shared page gets the union, a gap no access. */
START_TEST(test_plan_shared_pages_and_gaps)
{
    struct vl_elf_plan plan;

    build_mini(3);
    phdr(0)->p_memsz = 0x1800; /* R+X, pages 0-1 */
    phdr(1)->p_vaddr = 0x1800; /* R+W, pages 1-2: page 1 is shared */
    phdr(1)->p_offset = 0x800;
    phdr(1)->p_filesz = 0x800;
    phdr(1)->p_memsz = 0x1000;
    phdr(2)->p_vaddr = 0x5000; /* R+W after a gap of pages 3-4 */
    parse_ok();
    ck_assert_uint_eq(t.info.span, 0x6000);
    ck_assert_uint_eq(check_plan(&t.info), 5);
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), 0);
    ck_assert_uint_eq(plan.runs[0].prot, VL_PROT_R | VL_PROT_X);
    ck_assert_uint_eq(plan.runs[1].prot, VL_PROT_R | VL_PROT_W | VL_PROT_X);
    ck_assert_uint_eq(plan.runs[2].prot, VL_PROT_R | VL_PROT_W);
    ck_assert_uint_eq(plan.runs[3].prot, 0);
    ck_assert_uint_eq(plan.runs[3].offset, 0x3000);
    ck_assert_uint_eq(plan.runs[3].size, 0x2000);
    ck_assert_uint_eq(plan.runs[4].prot, VL_PROT_R | VL_PROT_W);
}
END_TEST

/* VL_ELF_MAX_LOADS segments alternating R+X and R+W, each sharing its first page with the one
 * before (that page is R+W+X) and holding one page of its own: the shared and the own pages
 * alternate, every one a run of its own, the most runs an image can need. */
START_TEST(test_plan_most_runs)
{
    build_mini(VL_ELF_MAX_LOADS);
    phdr(0)->p_memsz = 0x2800; /* pages 0-2 */
    for (unsigned i = 1; i < VL_ELF_MAX_LOADS; i++) {
        Elf64_Phdr *p = phdr(i);
        p->p_vaddr = p->p_paddr = 0x2800 + (uint64_t)(i - 1) * 0x2000; /* pages 2i to 2i + 2 */
        p->p_offset = 0x800;
        p->p_filesz = 0x800;
        p->p_memsz = 0x2000;
        p->p_flags = (i % 2) ? (PF_R | PF_W) : (PF_R | PF_X);
    }
    parse_ok();
    ck_assert_uint_eq(check_plan(&t.info), 2 * VL_ELF_MAX_LOADS - 1);
}
END_TEST

/* An info parse cannot have produced is refused and the plan zeroed, not read past. */
START_TEST(test_plan_refuses_bad_info)
{
    struct vl_elf_plan plan, zero;
    struct vl_elf_info good;

    memset(&zero, 0, sizeof(zero));
    parse_ok();
    good = t.info;
    ck_assert_int_eq(vl_elf_protect_plan(NULL, &plan), -VK_EINVAL);
    ck_assert_int_eq(vl_elf_protect_plan(&good, NULL), -VK_EINVAL);
    t.info.nloads = 0;
    t.info.span = 0;
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    ck_assert_mem_eq(&plan, &zero, sizeof(plan));
    t.info = good;
    t.info.nloads = VL_ELF_MAX_LOADS + 1;
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    t.info = good;
    t.info.span -= 8;
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    t.info = good;
    t.info.span -= 4096; /* the last segment no longer fits */
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    t.info = good;
    t.info.loads[1].vaddr = t.info.loads[0].vaddr; /* overlapping */
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    t.info = good;
    t.info.loads[2].memsz = UINT64_MAX; /* overflowing */
    ck_assert_int_eq(vl_elf_protect_plan(&t.info, &plan), -VK_EINVAL);
    ck_assert_mem_eq(&plan, &zero, sizeof(plan));
    ck_assert_uint_eq(check_plan(&good), 4);
}
END_TEST

/* ================================ robustness ================================ */

START_TEST(test_load_refuses_bad_args)
{
    parse_ok();
    load_ok(BASE); /* allocates t.dest, span bytes */
    ck_assert_int_eq(vl_elf_load(&t.info, t.file, t.len, t.dest, BASE + 8, t.err, ERRLEN),
                     -VK_ENOEXEC);
    ck_assert_ptr_nonnull(strstr(t.err, "not page aligned"));
    /* the file it was parsed from, cut short: refused, not read past the end */
    ck_assert_int_eq(vl_elf_load(&t.info, t.file, 100, t.dest, BASE, t.err, ERRLEN), -VK_ENOEXEC);
    ck_assert_ptr_nonnull(strstr(t.err, "does not match the file"));
    ck_assert_int_eq(vl_elf_load(NULL, t.file, t.len, t.dest, BASE, t.err, ERRLEN), -VK_ENOEXEC);
    /* a relocation table that no longer fits the file */
    t.info.rela_offset = t.len - 8;
    ck_assert_int_eq(vl_elf_load(&t.info, t.file, t.len, t.dest, BASE, t.err, ERRLEN), -VK_ENOEXEC);
    ck_assert_ptr_nonnull(strstr(t.err, "relocation table outside the file"));
}
END_TEST

START_TEST(test_truncation_every_length)
{
    size_t accepted = 0;

    for (size_t len = 0; len < t.len; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, t.file, len);
        accepted += (size_t)parse_and_load_any(copy, len, BASE);
        free(copy);
    }
    /* what follows the last segment (symbols, section headers) is not needed to load */
    ck_assert_uint_eq(accepted,
                      t.len - (find_phdr(PT_LOAD, 3)->p_offset + find_phdr(PT_LOAD, 3)->p_filesz));
    ck_assert_int_eq(vl_elf_parse(t.file, t.len, &t.info, t.err, ERRLEN), 0);
}
END_TEST

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Seeded random corruption of the parts the parser reads (headers, dynamic section,
 * relocations), each result parsed and, when accepted, loaded and compared to the reference. */
START_TEST(test_random_mutations)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t *copy = malloc(t.len);
    size_t hot_end, dyn_off, dyn_len, accepted = 0;
    const int iters = 10000;

    ck_assert_ptr_nonnull(copy);
    parse_ok();
    hot_end = ehdr()->e_phoff + 56u * ehdr()->e_phnum;
    if (hot_end < t.info.rela_offset + 24 * t.info.rela_count)
        hot_end = t.info.rela_offset + 24 * t.info.rela_count;
    dyn_off = find_phdr(PT_DYNAMIC, 0)->p_offset;
    dyn_len = find_phdr(PT_DYNAMIC, 0)->p_filesz;
    for (int iter = 0; iter < iters; iter++) {
        int changes = 1 + (int)(xorshift(&seed) % 4);
        memcpy(copy, t.file, t.len);
        for (int k = 0; k < changes; k++) {
            uint64_t r = xorshift(&seed);
            size_t at = (r & 1) ? (r >> 8) % hot_end : dyn_off + (r >> 8) % dyn_len;
            if ((r >> 40) & 1)
                copy[at] = (uint8_t)(r >> 48); /* a random byte */
            else
                copy[at] ^= (uint8_t)(1u << ((r >> 56) % 8)); /* one flipped bit */
        }
        accepted += (size_t)parse_and_load_any(copy, t.len, BASE);
    }
    free(copy);
    /* both outcomes must be common, or the mutations are not exercising anything */
    ck_assert_msg(accepted > iters / 20 && accepted < iters - iters / 20, "%zu of %d accepted",
                  accepted, iters);
}
END_TEST

Suite *elf_suite(void)
{
    Suite *s = suite_create("elf");
    TCase *valid = tcase_create("valid");
    TCase *header = tcase_create("header");
    TCase *segments = tcase_create("segments");
    TCase *dynamic = tcase_create("dynamic");
    TCase *relocs = tcase_create("relocations");
    TCase *plan = tcase_create("protection plan");
    TCase *robust = tcase_create("robustness");
    TCase *all[] = {valid, header, segments, dynamic, relocs, plan, robust};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        tcase_add_checked_fixture(all[i], setup, teardown);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(valid, test_parse_fixture);
    tcase_add_test(valid, test_load_relocates);
    tcase_add_test(valid, test_load_matches_reference);
    tcase_add_test(valid, test_relro_fixture);
    tcase_add_test(valid, test_relro_allows_relocation);
    tcase_add_test(valid, test_mini_elf);
    tcase_add_test(valid, test_short_err_buffer);

    tcase_add_test(header, test_bad_magic);
    tcase_add_test(header, test_bad_class);
    tcase_add_test(header, test_bad_endianness);
    tcase_add_test(header, test_bad_ident_version);
    tcase_add_test(header, test_bad_version);
    tcase_add_test(header, test_type_exec);
    tcase_add_test(header, test_type_rel);
    tcase_add_test(header, test_bad_machine);
    tcase_add_test(header, test_bad_phentsize);
    tcase_add_test(header, test_no_phdrs);
    tcase_add_test(header, test_truncated_header);
    tcase_add_test(header, test_truncated_phdrs);
    tcase_add_test(header, test_phoff_overflow);

    tcase_add_test(segments, test_no_load);
    tcase_add_test(segments, test_interp);
    tcase_add_test(segments, test_tls);
    tcase_add_test(segments, test_too_many_loads);
    tcase_add_test(segments, test_overlapping_loads);
    tcase_add_test(segments, test_unsorted_loads);
    tcase_add_test(segments, test_filesz_over_memsz);
    tcase_add_test(segments, test_segment_past_eof);
    tcase_add_test(segments, test_segment_offset_overflow);
    tcase_add_test(segments, test_span_too_big);
    tcase_add_test(segments, test_vaddr_overflow);
    tcase_add_test(segments, test_misaligned_load);
    tcase_add_test(segments, test_align_not_power_of_two);
    tcase_add_test(segments, test_entry_outside);
    tcase_add_test(segments, test_entry_not_executable);
    tcase_add_test(segments, test_phdrs_not_loaded);
    tcase_add_test(segments, test_relro_outside);

    tcase_add_test(dynamic, test_dynamic_outside);
    tcase_add_test(dynamic, test_dynamic_past_eof);
    tcase_add_test(dynamic, test_two_dynamic);
    tcase_add_test(dynamic, test_dynamic_unterminated);
    tcase_add_test(dynamic, test_textrel);
    tcase_add_test(dynamic, test_flags_textrel);
    tcase_add_test(dynamic, test_flags_ok);
    tcase_add_test(dynamic, test_relr);
    tcase_add_test(dynamic, test_rel);
    tcase_add_test(dynamic, test_needed);
    tcase_add_test(dynamic, test_jmprel);
    tcase_add_test(dynamic, test_duplicate_rela);
    tcase_add_test(dynamic, test_relaent);
    tcase_add_test(dynamic, test_relaent_missing);
    tcase_add_test(dynamic, test_relasz_missing);
    tcase_add_test(dynamic, test_relasz_not_multiple);
    tcase_add_test(dynamic, test_rela_outside);
    tcase_add_test(dynamic, test_relasz_too_big);
    tcase_add_test(dynamic, test_relasz_overflow);

    tcase_add_test(relocs, test_reloc_jump_slot);
    tcase_add_test(relocs, test_reloc_unknown_type);
    tcase_add_test(relocs, test_reloc_none_is_skipped);
    tcase_add_test(relocs, test_reloc_outside);
    tcase_add_test(relocs, test_reloc_straddles_end);
    tcase_add_test(relocs, test_reloc_offset_overflow);
    tcase_add_test(relocs, test_reloc_in_text);

    tcase_add_test(plan, test_plan_fixture);
    tcase_add_test(plan, test_plan_shared_pages_and_gaps);
    tcase_add_test(plan, test_plan_most_runs);
    tcase_add_test(plan, test_plan_refuses_bad_info);

    tcase_add_test(robust, test_load_refuses_bad_args);
    tcase_add_test(robust, test_truncation_every_length);
    tcase_add_test(robust, test_random_mutations);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(elf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
