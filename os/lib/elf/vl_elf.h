/*
 * vl_elf: the program loader of Veridian, in one module. OS programs are freestanding
 * static-PIE x86_64 ELF files (gcc -ffreestanding -nostdlib -fPIE -static-pie); this module
 * turns one such file, plus the start arguments, into the bytes of a new process: its image,
 * the protection of every image page, and its initial stack with the aux vector.
 *
 * Callers: vrsim's spawn path (vk_plat_proc_load in sim/core/arena.c) and, later, the real
 * kernel. Both only provide memory and apply what this module computes: reserve the image
 * (info.span bytes, writable), vl_elf_load() into it, set each run of vl_elf_protect_plan()
 * with their own page-table call, and give vl_elf_start_stack() the host view of the stack
 * area; then start a thread at base + info.entry with the sp it returned.
 *
 * Pure and portable, built twice (vl_elf_host, vl_elf_guest): no libc headers, no libc calls
 * but the memcpy/memset the compiler's builtins lower to, no allocation, no globals, no host
 * call, no I/O. Every function returns 0 or a negative VK_E* code (veridian/errors.h), never
 * a host errno.
 *
 * What it validates:
 *  - vl_elf_parse() treats the file as hostile. It validates every header field, segment
 *    bound, dynamic entry and relocation (with overflow-safe arithmetic) and refuses anything
 *    the loader cannot run honestly: PT_INTERP, PT_TLS (the host owns %fs), DT_NEEDED, DT_REL,
 *    DT_RELR, PLT relocations, text relocations and every relocation type but
 *    R_X86_64_RELATIVE and R_X86_64_NONE. A refusal returns -VK_ENOEXEC with a message that
 *    names the fault; it never crashes, asserts or reads outside [file, file + len).
 *  - vl_elf_load() and vl_elf_protect_plan() re-check every bound of the info they are given
 *    (it could come from another file, or be corrupted), so a mismatch is refused before the
 *    first write instead of turning into an out-of-bounds access.
 *  - vl_elf_stack_build() checks the whole layout with overflow-checked arithmetic before it
 *    writes: -VK_E2BIG when it does not fit, and then nothing is written.
 *
 * What it writes, and nothing else:
 *  - vl_elf_load(): exactly the info->span bytes at dest: the segments, zero in every byte
 *    they do not cover (gaps and bss), and the relocated words for an image running at guest
 *    address `base`. It is the one owner of relocation: crt0 does not relocate again.
 *  - vl_elf_protect_plan(): the plan it is given.
 *  - vl_elf_stack_build() / vl_elf_start_stack(): the bytes between the returned sp and the
 *    top of the stack area (strings, blobs, vectors and zeroed padding), nothing below sp.
 *
 * What it never does: map, protect or allocate memory (the caller does, from the plan); hold
 * or place a host pointer in guest memory (every address it writes is a guest address: in
 * vrsim the host and guest addresses of the arena are equal, in the real kernel and in unit
 * tests they differ); read host time or randomness (AT_RANDOM's bytes come from the caller,
 * who derives them from the run's seed). The output is a function of the inputs alone.
 *
 * All addresses in struct vl_elf_info and in a plan are relative to the load base (the image
 * is linked at 0).
 */
#ifndef VL_ELF_H
#define VL_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"

#define VL_ELF_MAX_LOADS 16
#define VL_ELF_MAX_SPAN (512ull * 1024 * 1024) /* bytes one image may occupy */
#define VL_ELF_PAGE 4096ull

/* struct vl_elf_load.prot, struct vl_elf_run.prot */
#define VL_PROT_R 1u
#define VL_PROT_W 2u
#define VL_PROT_X 4u

/* System V aux vector tags the loader emits (Veridian's own, AT_VERIDIAN_*, are in
 * veridian/kcall.h). Prefixed so they never collide with a host's <elf.h>. */
#define VL_AT_NULL 0
#define VL_AT_PHDR 3
#define VL_AT_PHENT 4
#define VL_AT_PHNUM 5
#define VL_AT_PAGESZ 6
#define VL_AT_BASE 7
#define VL_AT_ENTRY 9
#define VL_AT_RANDOM 25

/* ---- the image ---- */

struct vl_elf_load {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t prot; /* VL_PROT_* */
    uint32_t reserved;
};

struct vl_elf_info {
    uint64_t entry;      /* relative to the load base */
    uint64_t span;       /* page-rounded end of the highest PT_LOAD: bytes the image needs */
    uint64_t phdr_vaddr; /* relative address of the program headers in memory (AT_PHDR) */
    uint32_t phnum, phentsize;
    uint32_t nloads;
    struct vl_elf_load loads[VL_ELF_MAX_LOADS]; /* sorted by vaddr, non-overlapping */
    uint64_t rela_vaddr, rela_count;            /* validated R_X86_64_RELATIVE (and NONE) table */
    uint64_t relro_vaddr, relro_size;           /* PT_GNU_RELRO, 0 if none */
    uint64_t rela_offset;                       /* file offset of the relocation table */
    uint64_t max_align; /* largest PT_LOAD p_align, at least VL_ELF_PAGE; a base that is a
                           multiple of it keeps every link-time alignment */
};

/* Validate everything. Returns 0, or -VK_ENOEXEC with a message naming the fault in err
 * (NUL-terminated, truncated to errlen; err may be NULL). On failure *out is zeroed. */
int vl_elf_parse(const void *file, size_t len, struct vl_elf_info *out, char *err, size_t errlen);

/* Copy the segments of `file` (the one `info` was parsed from) into dest, which holds
 * info->span bytes, zero what the segments do not cover, and apply the relocations for an
 * image running at `base` (page aligned). Returns 0, or -VK_ENOEXEC with err filled. */
int vl_elf_load(const struct vl_elf_info *info, const void *file, size_t len, void *dest,
                uint64_t base, char *err, size_t errlen);

/* ---- page protections ---- */

/* Each PT_LOAD touches an interval of pages; a page's protection is the union of the flags of
 * the segments touching it (0 for a page none touches: a gap stays inaccessible). That
 * function changes only at the two ends of each interval: at most 2 * VL_ELF_MAX_LOADS + 1
 * runs. PT_GNU_RELRO is not applied (Veridian's programs link with -z norelro). */
#define VL_ELF_MAX_RUNS (2 * VL_ELF_MAX_LOADS + 1)

struct vl_elf_run {
    uint64_t offset, size; /* relative to the load base, page multiples, size > 0 */
    uint32_t prot;         /* VL_PROT_*, 0 for no access */
    uint32_t reserved;
};

struct vl_elf_plan {
    uint32_t nruns;
    struct vl_elf_run runs[VL_ELF_MAX_RUNS]; /* ascending, adjacent, covering [0, span);
                                                neighbours differ in prot */
};

/* Plan the protections of the image `info` describes, to be applied after vl_elf_load().
 * Returns 0, or -VK_EINVAL (plan zeroed) for an info that parse cannot have produced. */
int vl_elf_protect_plan(const struct vl_elf_info *info, struct vl_elf_plan *plan);

/* ---- the initial stack and the aux vector ---- */

struct vl_elf_aux {
    uint64_t type, value;
};

/* Bytes placed on the stack; the aux pair (type, guest address of the copy) is emitted. */
struct vl_elf_blob {
    uint64_t type;
    const void *data;
    size_t len;
};

struct vl_elf_stack_spec {
    const char *const *argv;
    size_t argc;
    const char *const *envp;
    size_t envc;
    const struct vl_elf_aux *aux; /* plain aux pairs (AT_PHDR, AT_ENTRY, AT_VERIDIAN_KCALL...) */
    size_t naux;
    const struct vl_elf_blob *blobs; /* AT_RANDOM (16 bytes), AT_VERIDIAN_HANDLES, ... */
    size_t nblobs;
};

/* The System V x86_64 initial stack, any aux vector. The stack occupies guest addresses
 * [guest_top - size, guest_top); host_top is where guest_top is in the caller's memory.
 * Layout, from guest_top down: argv strings then envp strings (NUL-terminated), each blob at
 * a 16-byte aligned address, then at the final sp (16-byte aligned):
 *   argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL, aux pairs, blob pairs, AT_NULL pair.
 * Every byte between sp and guest_top that is not data is zeroed, so the stack's content is a
 * deterministic function of the spec. On success *sp_out is the guest sp (pointing at argc)
 * and 0 is returned. -VK_E2BIG: it does not fit (nothing is written then). -VK_EINVAL: a NULL
 * pointer where data is required, or size > guest_top. */
int vl_elf_stack_build(const struct vl_elf_stack_spec *spec, uint8_t *host_top, uint64_t guest_top,
                       size_t size, uint64_t *sp_out);

/* What a new Veridian process starts with, beyond its image. */
struct vl_elf_start {
    const char *const *argv;
    size_t argc;
    const char *const *envp;
    size_t envc;
    uint64_t base;  /* guest address the image was loaded at (vl_elf_load's base) */
    uint64_t kcall; /* AT_VERIDIAN_KCALL: the kernel-call page */
    uint64_t self;  /* AT_VERIDIAN_SELF: the per-thread self word */
    uint64_t pid;   /* AT_VERIDIAN_PID */
    uint64_t ppid;  /* AT_VERIDIAN_PPID: the spawner's pid, 0 for none */
    const struct vk_start_handle *handles; /* AT_VERIDIAN_HANDLES, AT_VERIDIAN_NHANDLES */
    size_t nhandles;
    uint8_t random[16]; /* AT_RANDOM: from the run's seed, never from the host */
};

/* The initial stack of a Veridian process: vl_elf_stack_build() with the aux vector of
 * `info` loaded at start->base, in this order: AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ,
 * AT_ENTRY, AT_VERIDIAN_KCALL, AT_VERIDIAN_SELF, AT_VERIDIAN_NHANDLES, AT_VERIDIAN_PID,
 * AT_VERIDIAN_PPID, then the blobs AT_RANDOM and (only when nhandles > 0) AT_VERIDIAN_HANDLES. Same
 * returns as vl_elf_stack_build(); -VK_EINVAL also for a NULL info or start. The entry point is
 * start->base + info->entry. */
int vl_elf_start_stack(const struct vl_elf_info *info, const struct vl_elf_start *start,
                       uint8_t *host_top, uint64_t guest_top, size_t size, uint64_t *sp_out);

#endif
