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

struct fake_pages { /* a memory object's pages */
    uint64_t addr, size;
    int writable;
};

struct fake_machine {
    struct vk_kernel k;
    struct vk_resource *spawner; /* like vrsim's: the machine's own object */
    void *idle;                  /* the idle loop's baton (sem_t) */
    uint64_t trace_events, trace_digest;
    char *strings[FAKE_STRINGS_MAX];
    size_t string_lens[FAKE_STRINGS_MAX];
    uint32_t nstrings;
    struct fake_pages *pages;
    uint32_t npages, cappages;
    uint64_t pages_in_use;
    uint32_t stacks_made, stacks_live; /* host threads created, and not yet released */
    uint32_t stacks_peak;              /* the most that were alive at once */
};

int fake_machine_create(struct fake_machine **out, uint64_t seed);
void fake_machine_destroy(struct fake_machine *m);
/* Run until no thread can run any more, then kill what is left (as vrsim does). */
void fake_machine_run(struct fake_machine *m);
/* The unused main stack of a kernel-thread process, as a guest (= host) address. */
uint64_t fake_proc_scratch(const struct vk_process *p, size_t *len);

#endif
