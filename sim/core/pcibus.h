/*
 * sim/core/pcibus: a machine's PCI bus built from its machine file. Owns one pci_host (ECAM,
 * bus 0, a q35-like host bridge 8086:29c0 at 00.0), an instance of the model named by every
 * [[pci]] entry (built through a const table of model constructors), and the firmware's work:
 * BAR placement and the command and interrupt-line registers, done through configuration-space
 * writes as SeaBIOS does them. Pure C11 over host memory: no host I/O, no globals, no host time.
 *
 * Who calls it: vrsim's platform (sim/core/hw.c) builds the bus of the machine it runs and
 * forwards the kernel's config/BAR accesses and the passage of virtual time to it; `vrsim
 * lspci` builds one to list it; the unit tests (tests/unit/core/test_pcibus.c).
 *
 * The firmware's layout (deterministic: it depends on the machine description only):
 *  - ECAM at VS_PCI_ECAM_BASE, one bus (1 MiB), as q35's MCFG (0xb0000000);
 *  - every BAR is sized with the sizing protocol (write all-ones, read back) and aligned to its
 *    size. 32-bit memory BARs are packed, largest first, at the top of the 32-bit window
 *    [VS_PCI_MMIO32_BASE, VS_PCI_MMIO32_END) (SeaBIOS's order: equal sizes by slot, then BAR);
 *    64-bit memory BARs upwards from vs_pcibus_mmio64_base (above 4 GiB and above the
 *    machine's memory, as q35 lays memory out); I/O BARs upwards from port VS_PCI_IO_BASE. A window
 * too small refuses the machine;
 *  - the command register gets memory and I/O decoding (bus mastering stays off: the driver
 *    turns it on), the interrupt line register the IRQ SeaBIOS gives that slot and pin on q35
 *    (10, 10, 11, 11 rotating with slot + pin); no pin, no line.
 *
 * Invariants: every device of the description is attached at its slot with its BARs placed and
 * decoding on, or the build failed and the bus holds nothing (vs_pcibus_fini is then a no-op,
 * as it is on a zeroed struct). Never: an assert on the machine file's content; a model the
 * table does not know (refused with the entry's file:line:col, as vs_machfile_check_implemented).
 */
#ifndef VS_PCIBUS_H
#define VS_PCIBUS_H

#include <stddef.h>
#include <stdint.h>

#include "hw-models/pci/pci.h"
#include "sim/core/machfile.h"

#define VS_PCI_ECAM_BASE 0xb0000000ull
#define VS_PCI_ECAM_BUSES 1u
#define VS_PCI_MMIO32_BASE 0xc0000000ull
#define VS_PCI_MMIO32_END 0xfec00000ull /* the IOAPIC: the window ends below it */
/* 64-bit BARs: from 4 GiB plus the memory q35 puts above 4 GiB (all of it beyond the first
 * 2 GiB once the machine has 2.75 GiB or more), rounded up to 1 GiB (vs_pcibus_mmio64_base). */
#define VS_PCI_MMIO64_BASE 0x100000000ull
#define VS_PCI_MMIO64_END (1ull << 46)
#define VS_PCI_Q35_LOWMEM 0x80000000ull
#define VS_PCI_Q35_LOWMEM_LIMIT 0xb0000000ull
#define VS_PCI_IO_BASE 0xc000u
#define VS_PCI_IO_END 0x10000u
#define VS_PCI_HOST_VENDOR 0x8086 /* q35's MCH */
#define VS_PCI_HOST_DEVICE 0x29c0
#define VS_PCI_NO_EVENT UINT64_MAX

/*
 * A model constructor, one row per implemented model (vs_pci_models). init builds the model in
 * state (state_size zeroed bytes) from its machine-file entry and returns its realized PCI
 * function through *dev (0), or a negative errno with a message (without position: the caller
 * prefixes the entry's file:line:col). fini releases what init took (may be NULL); advance
 * brings the model to virtual time now; next_event is its earliest pending work or
 * VS_PCI_NO_EVENT (both may be NULL for a model without timed work). seed (may be NULL) gives
 * a model whose behaviour is random its own stream (vs_pcibus_seed), before any guest runs.
 */
struct vs_pci_model {
    const char *name;
    size_t state_size;
    int (*init)(void *state, const struct vs_mach_pci *entry, struct pci_device **dev, char *err,
                size_t errlen);
    void (*fini)(void *state);
    void (*advance)(void *state, uint64_t now);
    uint64_t (*next_event)(const void *state);
    void (*seed)(void *state, uint64_t seed);
};

extern const struct vs_pci_model vs_pci_models[];
extern const size_t vs_pci_nmodels;
const struct vs_pci_model *vs_pci_model_find(const char *name);

struct vs_pcibus_fn {
    const struct vs_pci_model *model;
    void *state; /* host allocation of model->state_size bytes */
    struct pci_device *dev;
};

/* What the firmware pass used: [mmio32_lo, VS_PCI_MMIO32_END), [mmio64_base, mmio64_hi),
 * [VS_PCI_IO_BASE, io_hi); failed names the window that was too small (PCI_BAR_NONE if none). */
struct vs_pci_layout {
    uint64_t mmio32_lo, mmio64_base, mmio64_hi;
    uint32_t io_hi;
    enum pci_bar_kind failed;
};

struct vs_pcibus {
    struct pci_host host;
    uint32_t nfn;
    struct vs_pcibus_fn fn[VS_MACH_PCI_MAX]; /* in the description's (slot) order */
    struct vs_pci_layout layout;
};

/* The firmware pass over every function attached to host but the host bridge: BARs sized,
 * placed and programmed, decoding on, interrupt lines set (the layout above), for a machine
 * with this much memory. 0, -VK_ENOSPC (a window too small: nothing was programmed) or
 * -VK_ENOMEM. vs_pcibus_build calls it; exposed for tests with devices of every BAR kind. */
int vs_pci_firmware(struct pci_host *host, uint64_t memory, struct vs_pci_layout *lay);

/* Build the bus of d (every model implemented, every BAR placed, decoding on). ops/ctx are the
 * platform's hooks for every device (DMA, MSI, INTx, guest errors; may be NULL). 0, or a
 * negative errno with err holding "file:line:col: what is wrong" (or "file: what is wrong" for
 * the machine as a whole) and nothing left allocated. b need not be initialised. */
int vs_pcibus_build(struct vs_pcibus *b, const struct vs_machine_desc *d,
                    const struct pci_host_ops *ops, void *ctx, char *err, size_t errlen);
/* Free every model; b is zeroed (a second fini is harmless). */
void vs_pcibus_fini(struct vs_pcibus *b);

/* The function at bdf (bus << 8 | devfn), the host bridge included; NULL if absent. */
struct pci_device *vs_pcibus_device(struct vs_pcibus *b, uint32_t bdf);
/* The model name of the function at bdf ("host-bridge" for 00:00.0), NULL if absent. */
const char *vs_pcibus_model_name(const struct vs_pcibus *b, uint32_t bdf);
/* The model's state (e.g. struct edu *) of the function at bdf, NULL if absent or the bridge. */
void *vs_pcibus_model_state(const struct vs_pcibus *b, uint32_t bdf);

/* The wire (sim/backends/netwire) of the bus's nth virtio-net NIC in slot order (the node's
 * "netN" in a multi-node machine file), NULL if there are not that many. */
struct vs_netwire;
struct vs_netwire *vs_pcibus_netwire(struct vs_pcibus *b, uint32_t n);

/* Give every model that takes a seed its own stream, derived from the run's seed and the
 * function's bdf (vs_pcibus_stream_seed): one seed, the same bytes; another device added to
 * the machine does not move a model's stream; nothing shared with the kernel's PRNG. vrsim's
 * platform calls it once after vs_pcibus_build; without it the models run with seed 0. */
void vs_pcibus_seed(struct vs_pcibus *b, uint64_t run_seed);
uint64_t vs_pcibus_stream_seed(uint64_t run_seed, uint32_t bdf);

/* Where 64-bit BARs start for a machine with this much memory. */
uint64_t vs_pcibus_mmio64_base(uint64_t memory);

/* Bring every model to virtual time now, and the earliest pending work of all of them. */
void vs_pcibus_advance(struct vs_pcibus *b, uint64_t now);
uint64_t vs_pcibus_next_event(const struct vs_pcibus *b);

#endif
