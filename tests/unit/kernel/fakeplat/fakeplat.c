/*
 * The fake platform (fakeplat.h): every function of os/kernel/platform.h, in plain host C.
 */
#include "fakeplat.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "os/kernel/platform.h"

#define SLOT_PROCPAGE_OFF (FAKE_SLOT_SIZE - FAKE_PAGE - FAKE_USTACK_SIZE - 2 * FAKE_PAGE)
#define SLOT_STACK_OFF (FAKE_SLOT_SIZE - FAKE_PAGE - FAKE_USTACK_SIZE)
#define HOST_STACK_SIZE (256u << 10)

struct fake_thread {
    pthread_t th;
    sem_t go;
    struct vk_thread *t;
};

static struct fake_machine *machine_of(struct vk_kernel *k)
{
    return k->platform;
}

static void *host(uint64_t a)
{
    return (void *)(uintptr_t)a;
}

/* ---- threads: one host thread each, one baton ---- */

static void *thread_main(void *arg)
{
    struct fake_thread *ft = arg;
    sem_wait(&ft->go);
    struct vk_thread *t = ft->t;
    struct vk_kernel *k = t->kernel;
    if (t->killed)
        vk_thread_exit_current(k, t->proc->exit.exit_code);
    if (!t->kfn) { /* no guest code runs here: such a thread ends as a crash would */
        struct vk_proc_info why = {.exit_kind = VK_EXIT_FAULT, .exit_code = 128 + 4, .signo = 4};
        vk_process_exit_current(k, &why);
    }
    t->kfn(t->karg);
    vk_thread_exit_current(k, 0);
}

int vk_plat_thread_init(struct vk_kernel *k, struct vk_thread *t)
{
    struct fake_machine *m = machine_of(k);
    struct fake_thread *ft = calloc(1, sizeof *ft);
    if (!ft)
        return -VK_ENOMEM;
    ft->t = t;
    sem_init(&ft->go, 0, 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, HOST_STACK_SIZE);
    int rc = pthread_create(&ft->th, &a, thread_main, ft);
    pthread_attr_destroy(&a);
    if (rc) {
        sem_destroy(&ft->go);
        free(ft);
        return -VK_ENOMEM;
    }
    t->plat.host = ft;
    m->stacks_made++;
    if (++m->stacks_live > m->stacks_peak)
        m->stacks_peak = m->stacks_live;
    return 0;
}

void vk_plat_thread_release(struct vk_kernel *k, struct vk_thread *t)
{
    struct fake_machine *m = machine_of(k);
    struct fake_thread *ft = t->plat.host;
    if (!ft)
        return;
    pthread_join(ft->th, NULL); /* it died (vk_plat_switch with dying set) */
    sem_destroy(&ft->go);
    free(ft);
    t->plat.host = NULL;
    m->stacks_live--;
}

void vk_plat_switch(struct vk_kernel *k, struct vk_thread *from, struct vk_thread *to, int dying)
{
    struct fake_machine *m = machine_of(k);
    sem_t *mine = from ? &((struct fake_thread *)from->plat.host)->go : m->idle;
    sem_t *next = to ? &((struct fake_thread *)to->plat.host)->go : m->idle;
    if (to && to->proc->self_addr)
        memcpy(host(to->proc->self_addr), &to->self_value, 8);
    sem_post(next);
    if (dying)
        pthread_exit(NULL);
    while (sem_wait(mine))
        ;
}

void vk_plat_kcall_enter(struct vk_kernel *k, struct vk_thread *t)
{
    (void)t;
    vk_kernel_charge(k, 100);
}

/* ---- guest memory ---- */

/* Is [a, a + len) present (and writable when write) for process p? */
static int present(struct fake_machine *m, struct vk_process *p, uint64_t a, uint64_t len,
                   int write)
{
    uint64_t end = a + len;
    if (end < a)
        return 0;
    if (p && p->base) {
        uint64_t pp = p->base + SLOT_PROCPAGE_OFF, st = p->base + SLOT_STACK_OFF;
        if ((a >= pp && end <= pp + FAKE_PAGE) || (a >= st && end <= st + FAKE_USTACK_SIZE))
            return 1;
    }
    for (uint32_t i = 0; i < m->npages; i++) {
        const struct fake_pages *g = &m->pages[i];
        if (a >= g->addr && end <= g->addr + g->size)
            return !write || g->writable;
    }
    return 0;
}

int vk_plat_copy_in(struct vk_kernel *k, struct vk_process *p, void *dst, uint64_t uaddr,
                    size_t len)
{
    if (!len)
        return 0;
    if (!present(machine_of(k), p, uaddr, len, 0))
        return -VK_EFAULT;
    memcpy(dst, host(uaddr), len);
    return 0;
}

int vk_plat_copy_out(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, const void *src,
                     size_t len)
{
    if (!len)
        return 0;
    if (!present(machine_of(k), p, uaddr, len, 1))
        return -VK_EFAULT;
    memcpy(host(uaddr), src, len);
    return 0;
}

int vk_plat_copy_between(struct vk_kernel *k, struct vk_process *dp, uint64_t daddr,
                         struct vk_process *sp, uint64_t saddr, size_t len)
{
    if (!len)
        return 0;
    if (!present(machine_of(k), dp, daddr, len, 1) || !present(machine_of(k), sp, saddr, len, 0))
        return -VK_EFAULT;
    memmove(host(daddr), host(saddr), len);
    return 0;
}

int vk_plat_probe_write(struct vk_kernel *k, struct vk_process *p, uint64_t uaddr, uint64_t len)
{
    return present(machine_of(k), p, uaddr, len, 1) ? 0 : -VK_EFAULT;
}

int vk_plat_proc_region_alloc(struct vk_kernel *k, struct vk_process *p)
{
    (void)k;
    void *r = mmap(NULL, FAKE_SLOT_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return -VK_ENOMEM;
    p->base = (uint64_t)(uintptr_t)r;
    p->limit = p->base + FAKE_SLOT_SIZE - FAKE_PAGE;
    p->self_addr = p->base + SLOT_PROCPAGE_OFF;
    return 0;
}

void vk_plat_proc_region_free(struct vk_kernel *k, struct vk_process *p)
{
    (void)k;
    if (!p->base)
        return;
    munmap(host(p->base), FAKE_SLOT_SIZE);
    p->base = p->limit = p->self_addr = 0;
}

uint64_t fake_proc_scratch(const struct vk_process *p, size_t *len)
{
    *len = FAKE_USTACK_SIZE;
    return p->base + SLOT_STACK_OFF;
}

int vk_plat_map(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint32_t prot,
                uint64_t *uaddr)
{
    (void)k, (void)p, (void)prot;
    *uaddr = v->addr; /* one address in every process, as on vrsim */
    return 0;
}

void vk_plat_unmap(struct vk_kernel *k, struct vk_process *p, struct vk_vmo *v, uint64_t uaddr)
{
    (void)k, (void)p, (void)v, (void)uaddr;
}

int vk_plat_pages_alloc(struct vk_kernel *k, uint64_t size, uint64_t *addr)
{
    struct fake_machine *m = machine_of(k);
    if (size == 0 || size > FAKE_MEMORY_QUOTA - m->pages_in_use ||
        m->npages >= FAKE_MEMORY_OBJECTS_MAX)
        return -VK_ENOMEM;
    if (m->npages == m->cappages) {
        uint32_t cap = m->cappages ? m->cappages * 2 : 64;
        struct fake_pages *n = realloc(m->pages, cap * sizeof *n);
        if (!n)
            return -VK_ENOMEM;
        m->pages = n;
        m->cappages = cap;
    }
    void *r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (r == MAP_FAILED)
        return -VK_ENOMEM;
    *addr = (uint64_t)(uintptr_t)r;
    m->pages[m->npages++] = (struct fake_pages){*addr, size, 1};
    m->pages_in_use += size;
    return 0;
}

void vk_plat_pages_free(struct vk_kernel *k, uint64_t addr, uint64_t size)
{
    struct fake_machine *m = machine_of(k);
    for (uint32_t i = 0; i < m->npages; i++) {
        if (m->pages[i].addr == addr) {
            m->pages[i] = m->pages[--m->npages];
            break;
        }
    }
    munmap(host(addr), size);
    m->pages_in_use -= size;
}

uint64_t vk_plat_pages_in_use(struct vk_kernel *k)
{
    return machine_of(k)->pages_in_use;
}

int vk_plat_pages_protect(struct vk_kernel *k, uint64_t addr, uint64_t size, int writable)
{
    struct fake_machine *m = machine_of(k);
    (void)size;
    for (uint32_t i = 0; i < m->npages; i++)
        if (m->pages[i].addr == addr)
            m->pages[i].writable = writable;
    return 0;
}

const void *vk_plat_vmo_bytes(struct vk_kernel *k, struct vk_vmo *v, uint64_t off, uint64_t len)
{
    (void)k;
    if (off > v->size || len > v->size - off)
        return NULL;
    return host(v->addr + off);
}

int vk_plat_proc_load(struct vk_kernel *k, struct vk_process *p, struct vk_load_args *a, char *err,
                      size_t errlen)
{
    (void)k, (void)p, (void)a;
    snprintf(err, errlen, "the fake platform loads no programs");
    return -VK_ENOEXEC;
}

/* ---- trace ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

void vk_plat_trace_emit(struct vk_kernel *k, const struct vk_trace_event *e)
{
    struct fake_machine *m = machine_of(k);
    m->trace_events++;
    if (e->kind < VK_TR_KIND_COUNT)
        m->trace_kinds[e->kind]++;
    m->trace_last = *e;
    m->trace_digest = fnv(m->trace_digest, e, sizeof *e);
}

uint32_t vk_plat_trace_intern(struct vk_kernel *k, const char *s, size_t len)
{
    struct fake_machine *m = machine_of(k);
    for (uint32_t i = 0; i < m->nstrings; i++)
        if (m->string_lens[i] == len && !memcmp(m->strings[i], s, len))
            return i + 1;
    if (m->nstrings == FAKE_STRINGS_MAX)
        return 0;
    char *c = malloc(len + 1);
    if (!c)
        return 0;
    memcpy(c, s, len);
    c[len] = 0;
    m->strings[m->nstrings] = c;
    m->string_lens[m->nstrings] = len;
    return ++m->nstrings;
}

/* ---- PCI functions and the IOMMU ---- */

struct fake_pci_func *fake_pci(struct fake_machine *m, uint32_t bdf)
{
    if (bdf == FAKE_BDF_A)
        return &m->pci[0];
    if (bdf == FAKE_BDF_B)
        return &m->pci[1];
    return NULL;
}

static void pci_record(struct fake_machine *m, uint32_t op, uint32_t bdf, uint32_t bar,
                       uint64_t off, uint32_t size, uint64_t val)
{
    if (m->npci_log < FAKE_PCI_LOG)
        m->pci_log[m->npci_log] = (struct fake_pci_access){op, bdf, bar, size, off, val};
    m->npci_log++;
}

static void pci_func_init(struct fake_pci_func *f, uint32_t bdf, uint16_t device)
{
    memset(f, 0, sizeof *f);
    f->info.bdf = bdf;
    f->info.vendor = 0x1234;
    f->info.device = device;
    f->info.class_code = 0x00ff00;
    memcpy(&f->cfg[0], &f->info.vendor, 2);
    memcpy(&f->cfg[2], &f->info.device, 2);
    f->bar_value = 0x1122334455667788ull;
}

static void pci_init(struct fake_machine *m)
{
    pci_func_init(&m->pci[0], FAKE_BDF_A, 0x11e8);
    m->pci[0].info.bars[0] = (struct vk_bar_info){.size = 4096, .kind = VK_BAR_MEM32};
    m->pci[0].info.msi_vectors = 1;
    pci_func_init(&m->pci[1], FAKE_BDF_B, 0x5678);
    m->pci[1].info.bars[0] = (struct vk_bar_info){.size = 32, .kind = VK_BAR_IO};
    m->pci[1].info.bars[2] = (struct vk_bar_info){.size = 16384, .kind = VK_BAR_MEM64};
    m->pci[1].info.intx_pin = 1;
}

int vk_plat_pci_info(struct vk_kernel *k, uint32_t bdf, struct vk_device_info *info)
{
    struct fake_pci_func *f = fake_pci(machine_of(k), bdf);
    if (!f)
        return -VK_ENOENT;
    *info = f->info;
    info->reserved0 = 0xdead; /* the kernel must not pass these on */
    info->irqs = 77;
    return 0;
}

int vk_plat_pci_config_read(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                            uint32_t *val)
{
    struct fake_machine *m = machine_of(k);
    struct fake_pci_func *f = fake_pci(m, bdf);
    *val = ~0u;
    if (f && off + size <= sizeof f->cfg) {
        *val = 0;
        memcpy(val, &f->cfg[off], size);
    }
    pci_record(m, FAKE_CFG_READ, bdf, 0, off, size, *val);
    return 0;
}

int vk_plat_pci_config_write(struct vk_kernel *k, uint32_t bdf, uint32_t off, uint32_t size,
                             uint32_t val)
{
    struct fake_machine *m = machine_of(k);
    struct fake_pci_func *f = fake_pci(m, bdf);
    if (f && off + size <= sizeof f->cfg)
        memcpy(&f->cfg[off], &val, size);
    pci_record(m, FAKE_CFG_WRITE, bdf, 0, off, size, val);
    return 0;
}

int vk_plat_pci_bar_read(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                         uint32_t size, uint64_t *val)
{
    struct fake_machine *m = machine_of(k);
    struct fake_pci_func *f = fake_pci(m, bdf);
    pci_record(m, FAKE_BAR_READ, bdf, bar, off, size, 0);
    if (!f || f->bar_fail) {
        *val = ~0ull;
        return f ? f->bar_fail : -VK_ENOENT;
    }
    *val = f->bar_value;
    return 0;
}

int vk_plat_pci_bar_write(struct vk_kernel *k, uint32_t bdf, uint32_t bar, uint64_t off,
                          uint32_t size, uint64_t val)
{
    struct fake_machine *m = machine_of(k);
    struct fake_pci_func *f = fake_pci(m, bdf);
    pci_record(m, FAKE_BAR_WRITE, bdf, bar, off, size, val);
    if (!f)
        return -VK_ENOENT;
    return f->bar_fail;
}

int vk_plat_pci_reset(struct vk_kernel *k, uint32_t bdf)
{
    struct fake_machine *m = machine_of(k);
    struct fake_pci_func *f = fake_pci(m, bdf);
    pci_record(m, FAKE_RESET, bdf, 0, 0, 0, 0);
    if (!f)
        return -VK_ENOENT;
    f->resets++;
    return 0;
}

int vk_plat_dma_map(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                    uint32_t perm)
{
    struct fake_machine *m = machine_of(k);
    if (m->dma_map_fail)
        return m->dma_map_fail;
    if (!m->dma && !(m->dma = calloc(FAKE_DMA_MAPS, sizeof *m->dma)))
        return -VK_ENOMEM;
    if (m->ndma == FAKE_DMA_MAPS)
        return -VK_ENOMEM;
    m->dma[m->ndma++] = (struct fake_dma_map){bdf, perm, iova, addr, len};
    return 0;
}

void vk_plat_dma_unmap(struct vk_kernel *k, uint32_t bdf, uint64_t iova, uint64_t len)
{
    struct fake_machine *m = machine_of(k);
    for (uint32_t i = 0; i < m->ndma; i++) {
        if (m->dma[i].bdf == bdf && m->dma[i].iova == iova && m->dma[i].len == len) {
            m->dma[i] = m->dma[--m->ndma];
            return;
        }
    }
    vk_plat_panic("fake platform: unmap of a range the kernel never mapped");
}

static const struct fake_dma_map *dma_find(struct fake_machine *m, uint32_t bdf, uint64_t iova)
{
    for (uint32_t i = 0; i < m->ndma; i++)
        if (m->dma[i].bdf == bdf && iova >= m->dma[i].iova && iova - m->dma[i].iova < m->dma[i].len)
            return &m->dma[i];
    return NULL;
}

uint64_t fake_dma_translate(struct fake_machine *m, uint32_t bdf, uint64_t iova)
{
    const struct fake_dma_map *d = dma_find(m, bdf, iova);
    return d ? d->addr + (iova - d->iova) : 0;
}

int fake_dma(struct fake_machine *m, uint32_t bdf, uint64_t iova, uint64_t len, uint32_t access)
{
    const struct fake_dma_map *d = dma_find(m, bdf, iova);
    uint32_t reason = 0;
    if (!d || len > d->len - (iova - d->iova))
        reason = VK_IOMMU_UNMAPPED;
    else if (!(d->perm & access))
        reason = VK_IOMMU_PERM;
    if (reason) {
        vk_device_iommu_fault(&m->k, bdf, iova, len, access, reason);
        vk_device_dma(&m->k, bdf, iova, len, access, -VK_EFAULT);
        return -VK_EFAULT;
    }
    vk_device_dma(&m->k, bdf, iova, len, access, 0);
    return 0;
}

void fake_msi(struct fake_machine *m, uint32_t bdf, uint64_t addr, uint32_t data)
{
    vk_device_msi(&m->k, bdf, addr, data);
}

void fake_intx(struct fake_machine *m, uint32_t bdf)
{
    vk_device_intx(&m->k, bdf);
}

/* ---- console, reports ---- */

long vk_plat_console_write(struct vk_kernel *k, int err_stream, const void *buf, size_t len)
{
    struct fake_machine *m = k->platform;
    (void)err_stream;
    size_t n = len < FAKE_CON_OUT - m->con_out_len ? len : FAKE_CON_OUT - m->con_out_len;
    memcpy(m->con_out + m->con_out_len, buf, n);
    m->con_out_len += n;
    return (long)len;
}

long vk_plat_console_read(struct vk_kernel *k, void *buf, size_t len)
{
    struct fake_machine *m = k->platform;
    if (!m->con_live || (!m->con_in_len && m->con_hup))
        return 0; /* end of input */
    if (!m->con_in_len)
        return -VK_EAGAIN;
    size_t n = len < m->con_in_len ? len : m->con_in_len;
    memcpy(buf, m->con_in, n);
    memmove(m->con_in, m->con_in + n, m->con_in_len - n);
    m->con_in_len -= n;
    return (long)n;
}

void fake_console_type(struct fake_machine *m, const char *keys, size_t n)
{
    if (n > sizeof m->con_in - m->con_in_len)
        abort(); /* the test's own mistake */
    memcpy(m->con_in + m->con_in_len, keys, n);
    m->con_in_len += n;
    vk_console_input(&m->k);
}

void fake_console_hangup(struct fake_machine *m)
{
    m->con_hup = 1;
    vk_console_input(&m->k);
}

void vk_plat_console_want_input(struct vk_kernel *k, int want)
{
    (void)k, (void)want;
}

void vk_plat_report_exit(struct vk_kernel *k, struct vk_process *p)
{
    (void)k, (void)p;
}

void vk_plat_process_exited(struct vk_kernel *k, struct vk_process *p)
{
    (void)k, (void)p;
}

/* ---- kernel memory, panic ---- */

void *vk_plat_alloc(size_t size)
{
    return calloc(1, size);
}

void *vk_plat_realloc(void *ptr, size_t size)
{
    return realloc(ptr, size);
}

void vk_plat_free(void *ptr)
{
    free(ptr);
}

_Noreturn void vk_plat_panic(const char *why)
{
    fprintf(stderr, "fake platform: kernel panic: %s\n", why);
    abort();
}

/* ---- the machine ---- */

int fake_machine_create(struct fake_machine **out, uint64_t seed)
{
    struct fake_machine *m = calloc(1, sizeof *m);
    if (!m)
        return -VK_ENOMEM;
    m->trace_digest = 0xcbf29ce484222325ull;
    m->idle = malloc(sizeof(sem_t));
    if (!m->idle) {
        free(m);
        return -VK_ENOMEM;
    }
    sem_init(m->idle, 0, 0);
    pci_init(m);
    struct vk_config cfg = {.seed = seed, .quiet = 1};
    int rc = vk_kernel_init(&m->k, &cfg, m);
    if (rc)
        goto fail;
    m->spawner = vk_object_new(&m->k, VK_OBJ_RESOURCE, sizeof *m->spawner);
    if (!m->spawner) {
        vk_kernel_fini(&m->k);
        rc = -VK_ENOMEM;
        goto fail;
    }
    *out = m;
    return 0;
fail:
    sem_destroy(m->idle);
    free(m->idle);
    free(m);
    return rc;
}

void fake_machine_destroy(struct fake_machine *m)
{
    if (!m)
        return;
    vk_object_unref(&m->k, &m->spawner->o);
    vk_kernel_fini(&m->k);
    for (uint32_t i = 0; i < m->nstrings; i++)
        free(m->strings[i]);
    free(m->pages);
    free(m->dma);
    sem_destroy(m->idle);
    free(m->idle);
    free(m);
}

void fake_machine_run(struct fake_machine *m)
{
    struct vk_kernel *k = &m->k;
    int shutting_down = 0;
    for (;;) {
        vk_kernel_reap(k);
        struct vk_thread *t = vk_pick_next(k);
        if (t) {
            vk_switch_to(k, NULL, t, 0);
            continue;
        }
        if (shutting_down)
            break;
        if (vk_kernel_fire_timers(k))
            continue;
        /* every thread blocked and nothing can wake one: end what is left, as vrsim does */
        shutting_down = 1;
        struct vk_proc_info why = {.exit_kind = VK_EXIT_KILLED, .exit_code = 128 + 15, .signo = 15};
        for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next)
            vk_process_kill(k, VK_CONTAINER_OF(l, struct vk_process, link), &why);
    }
    vk_kernel_reap(k);
}
