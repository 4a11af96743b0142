/*
 * vs_stack: builds a new process's initial stack in the System V x86_64 layout.
 *
 * Called by vrsim's spawn path after the image is loaded (sim/loader). A pure function: it
 * writes only inside the stack area it is given, makes no host calls, and places no host
 * pointer on the guest stack (every address it writes is a guest address).
 *
 * Layout, from guest_top down: argv strings then envp strings (NUL-terminated), each blob at
 * a 16-byte aligned address, then at the final sp (16-byte aligned):
 *   argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL, aux pairs, blob pairs, AT_NULL pair.
 * Every byte between sp and guest_top that is not data is zeroed, so the stack's content is a
 * deterministic function of the spec.
 */
#ifndef VS_STACK_H
#define VS_STACK_H

#include <stddef.h>
#include <stdint.h>

struct vs_aux {
    uint64_t type, value;
};

/* Bytes placed on the stack; the aux pair (type, guest address of the copy) is emitted. */
struct vs_blob {
    uint64_t type;
    const void *data;
    size_t len;
};

struct vs_stack_spec {
    const char *const *argv;
    size_t argc;
    const char *const *envp;
    size_t envc;
    const struct vs_aux *aux; /* plain aux pairs (AT_PHDR, AT_ENTRY, AT_VERIDIAN_KCALL...) */
    size_t naux;
    const struct vs_blob *blobs; /* AT_RANDOM (16 bytes), AT_VERIDIAN_HANDLES, ... */
    size_t nblobs;
};

/* The stack occupies guest addresses [guest_top - size, guest_top); host_top is where
 * guest_top is in host memory (equal in vrsim, different in unit tests). On success *sp_out
 * is the guest sp (16-byte aligned, pointing at argc) and 0 is returned. -VK_E2BIG: it does
 * not fit (nothing is written then). -VK_EINVAL: a NULL pointer where data is required, or
 * size > guest_top. */
int vs_stack_build(const struct vs_stack_spec *spec, uint8_t *host_top, uint64_t guest_top,
                   size_t size, uint64_t *sp_out);

#endif
