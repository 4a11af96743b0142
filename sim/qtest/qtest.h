/*
 * sim/qtest: vrsim's QEMU backend (`vrsim run --backend qemu`, issue 15). The kernel's device
 * hooks (os/kernel/platform.h, "devices") go to the devices of a QEMU child process running
 * the `veridian` machine (hw-models/qemu) under the qtest accelerator, over the qtest
 * protocol (one text command, one reply: readl/writel, inl/outl, clock_step; "IRQ raise N"
 * lines from irq_intercept_in come in between). sim/core/hw.c forwards every hook here when
 * the machine was built with this backend.
 *
 * Memory: QEMU's RAM is a memfd (memory-backend-file, share=on) this process maps too. The
 * bridge programs QEMU's intel-iommu (register-based: root and context tables, 4-level
 * second-level tables written straight into that RAM) with one domain per function, so a
 * driver's IOVAs mean in QEMU what they mean to vrsim's IOMMU. Each arena page a driver maps
 * gets one RAM page; around every QEMU operation the mapped pages are copied arena -> RAM
 * before and RAM -> arena after (QEMU's devices only run inside an operation: no ioeventfd,
 * block AIO drained by veridian-testdev's QUIESCE register, edu's factorial synchronous).
 * IOMMU faults are read from VT-d's fault recording register and reported to the kernel.
 *
 * Interrupts: MSI and MSI-X messages the driver programs are kept (reads give them back) and
 * QEMU's device is given instead a per-function watched RAM word (libqos's way) at
 * VS_QT_MSI_IOVA, mapped in every domain; a written word is reported as the driver's
 * message (two messages between two looks at the word are one: a doubled interrupt is not
 * seen). INTx: irq_intercept_in on the IOAPIC; a change on a PCI GSI (16-23, one per slot
 * here) is attributed by the functions' interrupt-status bits (rising edges reported).
 *
 * Firmware: the bridge does SeaBIOS's part over qtest (ECAM enabled, BARs placed with vrsim's
 * layout, decoding on, interrupt lines) and shows the host bridge and the machine file's
 * functions only (QEMU's ICH9 functions at 1f.x are hidden). A function-level reset is
 * veridian-testdev's RESET register, then the firmware's registers are restored.
 *
 * Time: QEMU's virtual clock is the kernel's (minus the time at start), advanced with
 * clock_step before every write and before a read once a QEMU timer is due (a read changes
 * nothing timed); a kernel timer is armed at QEMU's next timer deadline (veridian-testdev's
 * DEADLINE register), so device work happens at its virtual time. After a write or a step,
 * veridian-testdev's QUIESCE completes block I/O, then faults, MSIs and INTx are collected.
 * Determinism: one seed, one sequence of commands, one reply sequence (-seed for QEMU's
 * random numbers; no host time in anything the kernel sees).
 *
 * Never: assert on what a driver or QEMU says (a lost QEMU fails accesses with -VK_EIO).
 */
#ifndef VS_QTEST_H
#define VS_QTEST_H

#include <stddef.h>
#include <stdint.h>

#include "os/kernel/kernel.h"
#include "sim/core/machfile.h"

struct vs_qtest;

/* Where the watched MSI words are in every function's domain (above any IOVA the driver kit
 * hands out; a driver's mapping there is refused with -VK_ENOMEM). */
#define VS_QT_MSI_IOVA 0x800000000000ull

/* Start QEMU (binary qemu) with the veridian machine holding the devices of d, for kernel k
 * (the run's seed in k->cfg.seed). 0, or a negative errno with err saying why. */
int vs_qtest_create(struct vs_qtest **out, struct vk_kernel *k, const struct vs_machine_desc *d,
                    const char *qemu, char *err, size_t errlen);
void vs_qtest_destroy(struct vs_qtest *q);

/* The platform hooks, with platform.h's contracts. */
int vs_qtest_pci_info(struct vs_qtest *q, uint32_t bdf, struct vk_device_info *info);
int vs_qtest_config_read(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size,
                         uint32_t *val);
int vs_qtest_config_write(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size,
                          uint32_t val);
int vs_qtest_bar_read(struct vs_qtest *q, uint32_t bdf, uint32_t bar, uint64_t off, uint32_t size,
                      uint64_t *val);
int vs_qtest_bar_write(struct vs_qtest *q, uint32_t bdf, uint32_t bar, uint64_t off, uint32_t size,
                       uint64_t val);
int vs_qtest_reset(struct vs_qtest *q, uint32_t bdf);
int vs_qtest_dma_map(struct vs_qtest *q, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                     uint32_t perm);
void vs_qtest_dma_unmap(struct vs_qtest *q, uint32_t bdf, uint64_t iova, uint64_t len);

/* veridian-testdev's fault injection (enum in hw-models/qemu's veridian-fault.h): arm kind
 * for the next matching event of function devfn (0xffff: any). 0 or -VK_EIO. */
int vs_qtest_fault(struct vs_qtest *q, uint32_t kind, uint32_t devfn);
/* The same from `vrsim run --qemu-fault KIND[@DD.F]`: KIND is corrupt-used, corrupt-status,
 * corrupt-data, drop-irq or dup-irq. 0, or -VK_EINVAL / -VK_EIO with err saying why. */
int vs_qtest_fault_spec(struct vs_qtest *q, const char *spec, char *err, size_t errlen);

/* How many qtest commands the bridge sent (no host time here: reading the clock traps in
 * vrsim, and timings belong to scripts/bench). */
uint64_t vs_qtest_commands(const struct vs_qtest *q);

#endif
