/*
 * vl_elf: reader and loader core for Veridian's OS programs, which are freestanding static-PIE
 * x86_64 ELF files (gcc -ffreestanding -nostdlib -fPIE -static-pie).
 *
 * Callers: vrsim's spawn path (through sim/loader) and, later, the real kernel. The library is
 * portable and built twice (vl_elf_host, vl_elf_guest): it uses no libc beyond memcpy/memset,
 * no allocation, no globals and no I/O.
 *
 * Contract:
 *  - vl_elf_parse() treats the file as hostile. It validates every header field, segment
 *    bound, dynamic entry and relocation (with overflow-safe arithmetic) and refuses anything
 *    the loader cannot run honestly: PT_INTERP, PT_TLS (the host owns %fs), DT_NEEDED, DT_REL,
 *    DT_RELR, PLT relocations, text relocations and every relocation type but
 *    R_X86_64_RELATIVE and R_X86_64_NONE. A refusal returns -VK_ENOEXEC with a message that
 *    names the fault; it never crashes, asserts or reads outside [file, file + len).
 *  - vl_elf_load() copies the segments of a parsed image into dest (info->span bytes), zeroes
 *    every byte the segments do not cover (gaps and bss), and applies the relocations for an
 *    image that will run at guest address `base`. It re-checks every bound it relies on, so
 *    an info/file mismatch is refused rather than turned into an out-of-bounds access. It is
 *    the one owner of relocation: crt0 does not relocate again.
 *  - All addresses in struct vl_elf_info are relative to the load base (the image is linked
 *    at 0). Nothing here knows about the arena, page protections or the aux vector.
 */
#ifndef VL_ELF_H
#define VL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define VL_ELF_MAX_LOADS 16
#define VL_ELF_MAX_SPAN (512ull * 1024 * 1024) /* bytes one image may occupy */
#define VL_ELF_PAGE 4096ull

/* struct vl_elf_load.prot */
#define VL_PROT_R 1u
#define VL_PROT_W 2u
#define VL_PROT_X 4u

/* System V aux vector tags the loader's callers emit (Veridian's own are in veridian/kcall.h).
 * Prefixed so they never collide with a host's <elf.h>. */
#define VL_AT_NULL 0
#define VL_AT_PHDR 3
#define VL_AT_PHENT 4
#define VL_AT_PHNUM 5
#define VL_AT_PAGESZ 6
#define VL_AT_BASE 7
#define VL_AT_ENTRY 9
#define VL_AT_RANDOM 25

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

#endif
