/*
 * A small fake platform for the kernel's unit tests: the portable kernel (os/kernel, built
 * freestanding against this directory's vk_plat_thread.h) runs on it without vrsim: no
 * arena at a fixed address, no coroutines in assembly, no signal handlers or seccomp filter
 * in the test process.
 *
 * Kernel threads only (vk_process_create_kthread): each simulated thread is carried by a host
 * thread, and exactly one of them (or the idle loop, on the test's own thread) runs at a time:
 * vk_plat_switch hands a baton (a semaphore per thread) to the next, so the run is as
 * deterministic as the kernel's seeded choices. Programs cannot be loaded (-VK_ENOEXEC).
 *
 * Guest memory is host memory at the same addresses (a test reads what the kernel wrote), but
 * "present" as on vrsim: a process region is 64 MiB of which only the process page and the
 * 256 KiB main stack are there (the rest is a hole: copies fail with -VK_EFAULT), and memory
 * objects are present, writable unless protected read-only. The machine's memory-object
 * limits are vrsim's numbers (FAKE_MEMORY_QUOTA, FAKE_MEMORY_OBJECTS_MAX). Trace events are
 * counted and folded into a digest (FNV-1a), strings interned in a small table.
 *
 * PCI: two fake functions (FAKE_BDF_A 00:03.0 with a 4 KiB memory BAR 0 and MSI, FAKE_BDF_B
 * 00:04.0 with a 32-byte I/O BAR 0 and a 64-bit 16 KiB memory BAR 2, INTA), every other bdf
 * absent. Their configuration space is a plain 4 KiB array per function; BAR reads return
 * bar_value (or fail with bar_fail); every access the kernel makes is recorded in pci_log
 * (the test checks what reached the "hardware"). The IOMMU is a table of the mappings the
 * kernel asked for; fake_dma() plays a device transfer through it: a transfer inside one
 * mapping with the permission is reported with vk_device_dma, anything else is an IOMMU fault
 * (vk_device_iommu_fault). fake_msi/fake_intx are the device's interrupts.
 *
 * Console: end of input and output dropped, unless a test makes it live (con_live): then
 * fake_console_type queues keys and the output is kept (con_out).
 */
#ifndef KT_FAKEPLAT_H
#define KT_FAKEPLAT_H

#include <stddef.h>
#include <stdint.h>

#include "os/kernel/kernel.h"

#define FAKE_SLOT_SIZE (64ull << 20)
#define FAKE_PAGE 4096ull
#define FAKE_USTACK_SIZE (256ull << 10)
#define FAKE_MEMORY_QUOTA (2ull << 30)
#define FAKE_MEMORY_OBJECTS_MAX 16384u
#define FAKE_STRINGS_MAX 4096u
#define FAKE_CON_OUT 8192u

struct fake_pages { /* a memory object's pages */
    uint64_t addr, size;
    int writable;
};

#define FAKE_BDF_A 0x18u /* 00:03.0 */
#define FAKE_BDF_B 0x20u /* 00:04.0 */
#define FAKE_PCI_FUNCS 2u
#define FAKE_PCI_LOG 64u
#define FAKE_DMA_MAPS 8192u

enum fake_pci_op { FAKE_CFG_READ = 1, FAKE_CFG_WRITE, FAKE_BAR_READ, FAKE_BAR_WRITE, FAKE_RESET };

struct fake_pci_access {
    uint32_t op; /* enum fake_pci_op */
    uint32_t bdf, bar, size;
    uint64_t off, val;
};

struct fake_pci_func {
    struct vk_device_info info;
    uint8_t cfg[4096];
    uint64_t bar_value; /* what BAR reads return */
    int bar_fail;       /* a negative errno BAR accesses fail with, or 0 */
    uint32_t resets;
};

struct fake_dma_map {
    uint32_t bdf, perm;
    uint64_t iova, addr, len;
};

struct fake_machine {
    struct vk_kernel k;
    struct vk_resource *spawner; /* like vrsim's: the machine's own object */
    void *idle;                  /* the idle loop's baton (sem_t) */
    uint64_t trace_events, trace_digest;
    uint64_t trace_kinds[VK_TR_KIND_COUNT]; /* events per kind */
    struct vk_trace_event trace_last;       /* the latest event */
    char *strings[FAKE_STRINGS_MAX];
    size_t string_lens[FAKE_STRINGS_MAX];
    uint32_t nstrings;
    struct fake_pages *pages;
    uint32_t npages, cappages;
    uint64_t pages_in_use;
    uint32_t stacks_made, stacks_live; /* host threads created, and not yet released */
    uint32_t stacks_peak;              /* the most that were alive at once */
    struct fake_pci_func pci[FAKE_PCI_FUNCS];
    struct fake_pci_access pci_log[FAKE_PCI_LOG]; /* the first FAKE_PCI_LOG accesses */
    uint32_t npci_log;                            /* accesses made (may exceed the log) */
    struct fake_dma_map *dma;                     /* the fake IOMMU's mappings */
    uint32_t ndma;
    int dma_map_fail; /* vk_plat_dma_map fails with it (a negative errno), or 0 */
    /* the console: with con_live, input is what fake_console_type queued (-VK_EAGAIN when
     * there is none, 0 after fake_console_hangup); without it, end of input at once. Output
     * is kept in con_out (the first FAKE_CON_OUT bytes). */
    int con_live, con_hup;
    char con_in[4096];
    size_t con_in_len;
    char con_out[FAKE_CON_OUT];
    size_t con_out_len;
};

/* Keys typed on the console (queued, then vk_console_input, as a platform does), and its end. */
void fake_console_type(struct fake_machine *m, const char *keys, size_t n);
void fake_console_hangup(struct fake_machine *m);

int fake_machine_create(struct fake_machine **out, uint64_t seed);
void fake_machine_destroy(struct fake_machine *m);
/* Run until no thread can run any more, then kill what is left (as vrsim does). */
void fake_machine_run(struct fake_machine *m);
/* The unused main stack of a kernel-thread process, as a guest (= host) address. */
uint64_t fake_proc_scratch(const struct vk_process *p, size_t *len);
/* The fake function with bdf, or NULL. */
struct fake_pci_func *fake_pci(struct fake_machine *m, uint32_t bdf);
/* A device's DMA of len bytes at iova (access VK_DMA_READ: it reads memory; VK_DMA_WRITE)
 * through the fake IOMMU: 0 and traced, or -VK_EFAULT and an IOMMU fault. */
int fake_dma(struct fake_machine *m, uint32_t bdf, uint64_t iova, uint64_t len, uint32_t access);
/* The host address iova maps to in bdf's domain, or 0. */
uint64_t fake_dma_translate(struct fake_machine *m, uint32_t bdf, uint64_t iova);
void fake_msi(struct fake_machine *m, uint32_t bdf, uint64_t addr, uint32_t data);
void fake_intx(struct fake_machine *m, uint32_t bdf);

#endif
