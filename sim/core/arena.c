/*
 * The arena: all guest memory of a machine lives in one region reserved at a fixed host
 * address (VS_ARENA_BASE + index * VS_ARENA_STRIDE), so guest addresses, and the traces
 * that contain them, repeat across runs and hosts.
 *
 * Layout: [0, 64 MiB) the vDSO page (kernel-call table and stubs) at the base;
 * then VS_SLOTS process slots of 64 MiB (image at the start, the process page, a guard
 * page and the main stack at the top, a guard page between slots); then the region for
 * memory objects, each followed by a guard page. Everything not in use is PROT_NONE.
 *
 * Memory objects are placed by a free-extent allocator (extent.h): first fit by address, a
 * freed object (with its guard page) merged with the free space on both sides, so space
 * freed at one size serves any other size. Released pages are protected and read as zero:
 * small objects are cleared by hand and stay resident (warm for the next object at that
 * address), large ones go back to the host with MADV_DONTNEED (clearing them would first
 * fault in every page of a huge, never-touched object). The machine's limits on memory
 * objects (its memory: the machine file's, VS_MEMORY_QUOTA bytes by default; and
 * VS_MEMORY_OBJECTS_MAX objects) keep the host's memory and mapping count out of a guest's
 * reach; the kernel adds its per-process limits on top.
 * Allocation decisions depend only on the sequence of requests: deterministic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "os/kernel/platform.h"
#include "sim/core/machine.h"
#include "vl_elf.h"

extern const unsigned char vs_stub_tmpl[], vs_stub_tmpl_end[];
long vs_kentry(void);

#define ARENA_SIZE (VS_ARENA_STRIDE)
#define SLOT_PROCPAGE_OFF (VS_SLOT_SIZE - VS_PAGE - VS_USTACK_SIZE - 2 * VS_PAGE)
#define SLOT_STACK_OFF (VS_SLOT_SIZE - VS_PAGE - VS_USTACK_SIZE)
#define SLOT_IMAGE_MAX (SLOT_PROCPAGE_OFF - VS_PAGE)

static uint64_t slot_base(const struct vs_arena *a, uint32_t slot)
{
    return a->base + VS_SLOT_REGION + (uint64_t)slot * VS_SLOT_SIZE;
}

uint64_t vs_arena_vdso(const struct vs_arena *a)
{
    return a->base;
}

static int vdso_init(struct vs_arena *a)
{
    unsigned char *v = (unsigned char *)(uintptr_t)a->base;
    if (mprotect(v, VS_PAGE, PROT_READ | PROT_WRITE))
        return -errno;
    struct vk_kcall_page hdr = {
        .magic = VK_KCALL_MAGIC, .version = VK_KCALL_VERSION, .nr_count = VK_NR_COUNT};
    memcpy(v, &hdr, sizeof hdr);
    size_t n = (size_t)(vs_stub_tmpl_end - vs_stub_tmpl);
    uint64_t entry = (uint64_t)(uintptr_t)vs_kentry;
    for (uint32_t nr = 0; nr < VK_NR_COUNT; nr++) {
        unsigned char *s = v + VK_KCALL_STUB_OFFSET + nr * VK_KCALL_STUB_STRIDE;
        memcpy(s, vs_stub_tmpl, n);
        memcpy(s + 1, &nr, 4);
        memcpy(s + 7, &entry, 8);
    }
    if (mprotect(v, VS_PAGE, PROT_READ | PROT_EXEC))
        return -errno;
    return 0;
}

int vs_arena_init(struct vs_arena *a, uint32_t index, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (index >= VS_ARENA_MAX_MACHINES) {
        snprintf(err, errlen, "arena: machine index %u out of range", index);
        return -EINVAL;
    }
    a->base = VS_ARENA_BASE + (uint64_t)index * VS_ARENA_STRIDE;
    a->size = ARENA_SIZE;
    void *p = mmap((void *)(uintptr_t)a->base, a->size, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)(uintptr_t)a->base) {
        int e = p == MAP_FAILED ? errno : EEXIST;
        if (p != MAP_FAILED)
            munmap(p, a->size);
        snprintf(err, errlen,
                 "arena: cannot reserve %llu GiB at 0x%llx (%s); vrsim needs this fixed address "
                 "range free so that guest addresses repeat across runs",
                 (unsigned long long)(a->size >> 30), (unsigned long long)a->base, strerror(e));
        return -e;
    }
    int rc = vdso_init(a);
    if (rc) {
        snprintf(err, errlen, "arena: vDSO page: %s", strerror(-rc));
        munmap(p, a->size);
        return rc;
    }
    a->free_slots = calloc(VS_SLOTS, sizeof *a->free_slots);
    if (!a->free_slots) {
        munmap(p, a->size);
        return -ENOMEM;
    }
    rc = vs_extents_init(&a->vmo_space, a->base + VS_VMO_REGION_OFF, a->size - VS_VMO_REGION_OFF);
    if (rc) {
        free(a->free_slots);
        munmap(p, a->size);
        return rc;
    }
    return 0;
}

void vs_arena_fini(struct vs_arena *a)
{
    if (a->base)
        munmap((void *)(uintptr_t)a->base, a->size);
    free(a->free_slots);
    vs_extents_fini(&a->vmo_space);
    memset(a, 0, sizeof *a);
}

/* ---- process regions ---- */

int vk_plat_proc_region_alloc(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_machine *m = k->platform;
    struct vs_arena *a = &m->arena;
    uint32_t slot;
    if (a->nfree_slots)
        slot = a->free_slots[--a->nfree_slots];
    else if (a->next_slot < VS_SLOTS)
        slot = a->next_slot++;
    else
        return -VK_ENOMEM;
    uint64_t b = slot_base(a, slot);
    if (mprotect((void *)(uintptr_t)(b + SLOT_PROCPAGE_OFF), VS_PAGE, PROT_READ | PROT_WRITE) ||
        mprotect((void *)(uintptr_t)(b + SLOT_STACK_OFF), VS_USTACK_SIZE, PROT_READ | PROT_WRITE)) {
        a->free_slots[a->nfree_slots++] = slot;
        return -VK_ENOMEM;
    }
    p->slot = slot;
    p->base = b;
    p->limit = b + VS_SLOT_SIZE - VS_PAGE;
    p->self_addr = b + SLOT_PROCPAGE_OFF;
    a->slot_span[slot] = 0;
    return 0;
}

void vk_plat_proc_region_free(struct vk_kernel *k, struct vk_process *p)
{
    struct vk_machine *m = k->platform;
    struct vs_arena *a = &m->arena;
    if (!p->base)
        return;
    uint64_t b = p->base;
    uint64_t span = a->slot_span[p->slot];
    if (span) {
        mprotect((void *)(uintptr_t)b, span, PROT_READ | PROT_WRITE);
        memset((void *)(uintptr_t)b, 0, span);
        mprotect((void *)(uintptr_t)b, span, PROT_NONE);
    }
    memset((void *)(uintptr_t)(b + SLOT_PROCPAGE_OFF), 0, VS_PAGE);
    memset((void *)(uintptr_t)(b + SLOT_STACK_OFF), 0, VS_USTACK_SIZE);
    mprotect((void *)(uintptr_t)(b + SLOT_PROCPAGE_OFF), VS_PAGE, PROT_NONE);
    mprotect((void *)(uintptr_t)(b + SLOT_STACK_OFF), VS_USTACK_SIZE, PROT_NONE);
    a->slot_span[p->slot] = 0;
    a->free_slots[a->nfree_slots++] = p->slot;
    p->base = p->limit = p->self_addr = 0;
}

/* ---- process images: vl_elf computes, the arena maps ---- */

static int prot_of(uint32_t f)
{
    return (f & VL_PROT_R ? PROT_READ : 0) | (f & VL_PROT_W ? PROT_WRITE : 0) |
           (f & VL_PROT_X ? PROT_EXEC : 0);
}

static int apply_plan(uint64_t base, const struct vl_elf_plan *plan)
{
    for (uint32_t i = 0; i < plan->nruns; i++) {
        const struct vl_elf_run *r = &plan->runs[i];
        if (mprotect((void *)(uintptr_t)(base + r->offset), r->size, prot_of(r->prot)))
            return -VK_ENOMEM; /* the host's mapping limit: the image cannot be mapped */
    }
    return 0;
}

/* The image at the start of the process's slot, the initial stack at the top of its main
 * stack. Everything about the ELF file and the stack's content is vl_elf's; this function only
 * makes memory accessible, protects it as planned and picks the guest addresses. */
int vk_plat_proc_load(struct vk_kernel *k, struct vk_process *p, struct vk_load_args *la, char *err,
                      size_t errlen)
{
    struct vk_machine *m = k->platform;
    struct vl_elf_info info;
    struct vl_elf_plan plan;
    int rc = vl_elf_parse(la->image, la->len, &info, err, errlen);
    if (rc)
        return rc;
    if (info.span > SLOT_IMAGE_MAX) {
        snprintf(err, errlen, "image needs %llu bytes, more than the %llu a process slot holds",
                 (unsigned long long)info.span, (unsigned long long)SLOT_IMAGE_MAX);
        return -VK_ENOEXEC;
    }
    if ((rc = vl_elf_protect_plan(&info, &plan)))
        return rc;
    void *dest = (void *)(uintptr_t)p->base;
    if (mprotect(dest, info.span, PROT_READ | PROT_WRITE))
        return -VK_ENOMEM;
    m->arena.slot_span[p->slot] = info.span;
    if ((rc = vl_elf_load(&info, la->image, la->len, dest, p->base, err, errlen)))
        return rc;
    if ((rc = apply_plan(p->base, &plan)))
        return rc;

    struct vl_elf_start start = {
        .argv = la->argv,
        .argc = la->argc,
        .envp = la->envp,
        .envc = la->envc,
        .base = p->base,
        .kcall = vs_arena_vdso(&m->arena),
        .self = p->self_addr,
        .pid = p->pid,
        .ppid = la->ppid,
        .handles = la->handles,
        .nhandles = la->nhandles,
    };
    vl_prng_fill(&k->seed_prng, start.random, sizeof start.random);
    uint64_t top = p->base + SLOT_STACK_OFF + VS_USTACK_SIZE;
    rc = vl_elf_start_stack(&info, &start, (uint8_t *)(uintptr_t)top, top, VS_USTACK_SIZE / 2,
                            &la->sp);
    if (rc) {
        snprintf(err, errlen, "%s",
                 rc == -VK_E2BIG ? "arguments and environment do not fit on the initial stack"
                                 : "invalid arguments, environment or handles for the new process");
        return rc;
    }
    la->entry = p->base + info.entry;
    return 0;
}

/* ---- pages for memory objects ---- */

int vk_plat_pages_alloc(struct vk_kernel *k, uint64_t size, uint64_t *addr)
{
    struct vk_machine *m = k->platform;
    struct vs_arena *a = &m->arena;
    uint64_t at;
    /* the machine's memory: guests cannot take the host's memory or its mappings */
    if (size == 0 || size > a->quota - a->pages_in_use || a->objects_live >= VS_MEMORY_OBJECTS_MAX)
        return -VK_ENOMEM;
    if (vs_extents_alloc(&a->vmo_space, size + VS_PAGE, &at)) /* a guard page after each */
        return -VK_ENOMEM;
    if (mprotect((void *)(uintptr_t)at, size, PROT_READ | PROT_WRITE)) {
        vs_extents_free(&a->vmo_space, at, size + VS_PAGE);
        return -VK_ENOMEM;
    }
    a->pages_in_use += size;
    a->objects_live++;
    *addr = at;
    return 0;
}

void vk_plat_pages_free(struct vk_kernel *k, uint64_t addr, uint64_t size)
{
    struct vk_machine *m = k->platform;
    struct vs_arena *a = &m->arena;
    if (size <= VS_RECYCLE_ZERO_MAX) {
        /* small: clear it ourselves and keep the pages warm for the next object */
        mprotect((void *)(uintptr_t)addr, size, PROT_READ | PROT_WRITE);
        memset((void *)(uintptr_t)addr, 0, size);
    } else {
        /* large: give the pages back (they read as zero when touched again); clearing them
         * by hand would first make every page of a huge, never-touched object resident */
        madvise((void *)(uintptr_t)addr, size, MADV_DONTNEED);
    }
    mprotect((void *)(uintptr_t)addr, size, PROT_NONE);
    a->pages_in_use -= size;
    a->objects_live--;
    /* cannot fail for a range vk_plat_pages_alloc handed out */
    vs_extents_free(&a->vmo_space, addr, size + VS_PAGE);
}

uint64_t vk_plat_pages_in_use(struct vk_kernel *k)
{
    return ((struct vk_machine *)k->platform)->arena.pages_in_use;
}

int vk_plat_pages_protect(struct vk_kernel *k, uint64_t addr, uint64_t size, int writable)
{
    (void)k;
    return mprotect((void *)(uintptr_t)addr, size, PROT_READ | (writable ? PROT_WRITE : 0))
               ? -VK_ENOMEM
               : 0;
}
