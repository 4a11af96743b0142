/*
 * libFuzzer harness for vl_elf: every input is parsed; an accepted one is loaded into a
 * buffer of exactly info.span bytes (so ASan sees any write past the image) at a fixed,
 * page-aligned base. Invariants checked beyond "no crash": a refusal returns -VK_ENOEXEC with
 * a non-empty message; an accepted image loads; the info it reports is self-consistent.
 * Built only in the clang fuzz tree (tests/fuzz/CMakeLists.txt, -DVERIDIAN_FUZZ=ON).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "vl_elf.h"

#define FUZZ_BASE 0x200000400000ull
#define FUZZ_MAX_SPAN (16ull << 20) /* valid, but not worth allocating per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vl_elf_info info;
    char err[256];
    uint8_t *dest;
    int rc = vl_elf_parse(data, size, &info, err, sizeof(err));

    if (rc != 0) {
        if (rc != -VK_ENOEXEC || err[0] == '\0' || strlen(err) >= sizeof(err))
            abort();
        return 0;
    }
    if (info.nloads == 0 || info.nloads > VL_ELF_MAX_LOADS || info.span == 0 ||
        info.span > VL_ELF_MAX_SPAN || info.span % VL_ELF_PAGE != 0 || info.entry >= info.span)
        abort();
    if (info.span > FUZZ_MAX_SPAN)
        return 0;
    dest = malloc(info.span);
    if (dest == NULL)
        return 0;
    rc = vl_elf_load(&info, data, size, dest, FUZZ_BASE, err, sizeof(err));
    free(dest);
    if (rc != 0)
        abort(); /* parse accepted what load refuses */
    return 0;
}
