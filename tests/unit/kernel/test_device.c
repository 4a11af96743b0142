/*
 * Device and DMA-domain objects (os/kernel/device.c) on the fake platform's two PCI functions:
 * every refusal of kcalls 35-48 (handle type, rights, sizes, alignment, ranges, BAR register
 * writes, absent functions, DMA overlap / out of the object / permission / quota) changes
 * nothing the platform sees; accesses reach the fake function and are traced with their own
 * kinds; interrupts reach the bound notification (and a wait_many), spurious ones do not;
 * device_reset resets and unbinds; a domain keeps a memory object alive after its process
 * closed its handles and exited, until revocation or the domain's death; the IOMMU fault log
 * keeps order and first_seq.
 */
#include <stdlib.h>

#include "kt.h"

#define RES_ALL (VK_RIGHT_MMIO | VK_RIGHT_IRQ | VK_RIGHT_DMA)
#define PAGE 4096ull

static struct kt T;

static void setup(void)
{
    kt_init(&T, 7);
}

static void teardown(void)
{
    kt_fini(&T);
}

struct ctx {
    uint32_t res, res_noirq, res_spawn; /* resource handles: all, MMIO only, SPAWN only */
    uint32_t notify_given;              /* a notification handle without SIGNAL */
    uint32_t drv_res;                   /* the dying driver's resource (DMA) */
    struct vk_process *p;
    int stage;
    long r[8];
};

static void run_one(void (*fn)(void *), struct ctx *c)
{
    c->p = kt_spawn(&T, "driver", fn, c);
    c->res = kt_give(&T, c->p, &T.m->spawner->o, RES_ALL, 0);
    c->res_noirq = kt_give(&T, c->p, &T.m->spawner->o, VK_RIGHT_MMIO, 0);
    c->res_spawn = kt_give(&T, c->p, &T.m->spawner->o, VK_RIGHT_SPAWN, 0);
    kt_run(&T);
}

static uint32_t pci_log_count(uint32_t op)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < T.m->npci_log && i < FAKE_PCI_LOG; i++)
        n += T.m->pci_log[i].op == op;
    return n;
}

static uint32_t open_dev(struct vk_kernel *k, uint32_t res, uint32_t bdf, uint32_t *slot)
{
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, res, bdf, U(slot)), 0);
    return *slot;
}

static uint32_t rights_of(struct vk_kernel *k, uint32_t h, uint64_t *id)
{
    struct vk_handle_info *info = (struct vk_handle_info *)((char *)kt_scratch(k) + 60000);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_INFO, h, U(info)), 0);
    if (id)
        *id = info->object_id;
    return info->rights;
}

/* ---- configuration space and opening ---- */

static void open_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    /* enumeration through the resource: needs MMIO */
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res_spawn, FAKE_BDF_A, 0, 4), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 0, 4), 0x11e81234);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 2, 2), 0x11e8);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, 0x08, 0, 4), 0xffffffffl);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, 0x08, 0, 2), 0xffff);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, 0x10000, 0, 4), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 2, 4), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 0, 3), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 4096, 1), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, c->res, FAKE_BDF_A, 4092, 4), 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_CFG_READ);
    ck_assert_uint_eq(T.m->trace_last.a[0], FAKE_BDF_A);
    ck_assert_uint_eq(T.m->trace_last.a[1], 4092);
    uint32_t reads = pci_log_count(FAKE_CFG_READ);
    ck_assert_uint_eq(reads, 5); /* the refused ones never reached the platform */

    /* device_open */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, c->res, 0x08, U(h)), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, c->res, 0x10000, U(h)), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, c->res_spawn, FAKE_BDF_A, U(h)), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, c->res, FAKE_BDF_A, 8), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_NOTIFY_CREATE, U(&h[9])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, h[9], FAKE_BDF_A, U(h)), -VK_EWRONGTYPE);
    uint64_t live = k->stats.objects_live;
    uint32_t d0 = open_dev(k, c->res, FAKE_BDF_A, &h[0]);
    uint32_t d1 = open_dev(k, c->res_noirq, FAKE_BDF_A, &h[1]);
    ck_assert_uint_eq(k->stats.objects_live, live + 1); /* one object per function */
    uint64_t id0, id1;
    uint32_t base = VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MMIO | VK_RIGHT_KILL | VK_RIGHT_DUP |
                    VK_RIGHT_TRANSFER;
    ck_assert_uint_eq(rights_of(k, d0, &id0), base | VK_RIGHT_IRQ);
    ck_assert_uint_eq(rights_of(k, d1, &id1), base);
    ck_assert_uint_eq(id0, id1);
    /* a device handle is not a resource, and is not waitable */
    ck_assert_int_eq(kc(k, VK_NR_PCI_CONFIG_READ, d0, FAKE_BDF_A, 0, 4), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_OPEN, d0, FAKE_BDF_B, U(h)), -VK_EWRONGTYPE);
    struct vk_wait *w = (struct vk_wait *)&h[100];
    w[0] = (struct vk_wait){.handle = d0, .mask = 1};
    ck_assert_int_eq(kc(k, VK_NR_WAIT_MANY, U(w), 1, 0), -VK_EWRONGTYPE);

    /* device_info: the platform's view, its stray fields not passed on */
    struct vk_device_info *info = (struct vk_device_info *)&h[200];
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, d0, U(info)), 0);
    ck_assert_uint_eq(info->bdf, FAKE_BDF_A);
    ck_assert_uint_eq(info->vendor, 0x1234);
    ck_assert_uint_eq(info->device, 0x11e8);
    ck_assert_uint_eq(info->bars[0].kind, VK_BAR_MEM32);
    ck_assert_uint_eq(info->bars[0].size, 4096);
    ck_assert_uint_eq(info->bars[1].kind, VK_BAR_NONE);
    ck_assert_uint_eq(info->reserved0, 0);
    ck_assert_uint_eq(info->irqs, 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, d0, 8), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, h[9], U(info)), -VK_EWRONGTYPE);

    /* configuration through the device */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_READ, d0, 0, 2), 0x1234);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_READ, d0, 1, 2), -VK_EINVAL);
    uint32_t writes = pci_log_count(FAKE_CFG_WRITE);
    for (uint32_t off = 0x10; off < 0x28; off += 4)
        ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, off, 4, 0xffffffff), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x27, 1, 0xff), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x30, 4, 0xffffffff), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x32, 2, 0xffff), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x42, 4, 1), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x1000, 1, 1), -VK_EINVAL);
    ck_assert_uint_eq(pci_log_count(FAKE_CFG_WRITE), writes); /* nothing reached the device */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x04, 2, 0x10006), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x28, 4, 0xabcd), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, d0, 0x34, 1, 0x40), 0);
    ck_assert_uint_eq(pci_log_count(FAKE_CFG_WRITE), writes + 3);
    ck_assert_uint_eq(fake_pci(T.m, FAKE_BDF_A)->cfg[4], 6); /* cut to the size */
    ck_assert_uint_eq(fake_pci(T.m, FAKE_BDF_A)->cfg[6], 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_CFG_WRITE);
    /* rights: a READ-only duplicate may read, not write */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, d0, VK_RIGHT_READ, U(&h[2])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_READ, h[2], 0, 4), 0x11e81234);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_WRITE, h[2], 0x04, 2, 0), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, d0, VK_RIGHT_WRITE, U(&h[3])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_CONFIG_READ, h[3], 0, 4), -VK_EPERM);
    c->r[0] = 1;
}

START_TEST(test_open_config)
{
    struct ctx c = {0};
    run_one(open_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
}
END_TEST

/* ---- BAR accesses ---- */

static void bar_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    uint64_t *out = (uint64_t *)&h[64];
    uint32_t a = open_dev(k, c->res, FAKE_BDF_A, &h[0]);
    uint32_t b = open_dev(k, c->res, FAKE_BDF_B, &h[1]);
    /* the fast path: the value itself, cut to the size */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 0, 4, 0), 0x55667788);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 6, 2, 0), 0x7788);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_MMIO_READ);
    ck_assert_uint_eq(T.m->trace_last.a[0], FAKE_BDF_A);
    ck_assert_uint_eq(T.m->trace_last.a[2], 6);
    ck_assert_uint_eq(T.m->trace_last.a[3], 2);
    ck_assert_uint_eq(T.m->trace_last.a[4], 0x7788);
    uint64_t kcall_events = T.m->trace_kinds[VK_TR_KCALL];
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 4088, 8, U(out)), 0);
    ck_assert_uint_eq(*out, 0x1122334455667788ull);
    ck_assert_uint_eq(T.m->trace_kinds[VK_TR_KCALL], kcall_events); /* its own event only */
    uint32_t accesses = T.m->npci_log;
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 0, 8, 0), -VK_EINVAL); /* 8: needs out */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 0, 3, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 2, 4, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 4096, 1, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 4092, 8, U(out)), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, ~0ull - 3, 4, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 1, 0, 4, 0), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 6, 0, 4, 0), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 1ull << 32, 0, 4, 0), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 0, 8, 16), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, a, 0, 1, 2, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, a, 2, 0, 4, 0), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, b, 0, 32, 1, 0), -VK_EINVAL);
    ck_assert_uint_eq(T.m->npci_log, accesses); /* none of these reached the device */
    /* without MMIO */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, a, VK_RIGHT_READ | VK_RIGHT_WRITE, U(&h[2])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, h[2], 0, 0, 4, 0), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, h[2], 0, 0, 4, 0), -VK_EPERM);
    ck_assert_uint_eq(T.m->npci_log, accesses);
    /* writes reach the device, cut to the size */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, a, 0, 8, 2, 0x12345), 0);
    struct fake_pci_access *l = &T.m->pci_log[accesses];
    ck_assert_uint_eq(l->op, FAKE_BAR_WRITE);
    ck_assert_uint_eq(l->off, 8);
    ck_assert_uint_eq(l->val, 0x2345);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_MMIO_WRITE);
    /* the I/O BAR of B is traced as port I/O, its 64-bit BAR 2 as MMIO */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, b, 0, 4, 4, 7), 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_PIO_WRITE);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, b, 0, 31, 1, 0), 0x88);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_PIO_READ);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, b, 2, 16376, 8, U(out)), 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_MMIO_READ);
    ck_assert_uint_eq(T.m->trace_last.a[1], 2);
    /* the platform's failure: passed on, and traced in the size field */
    fake_pci(T.m, FAKE_BDF_A)->bar_fail = -VK_EIO;
    *out = 5;
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_READ, a, 0, 0, 4, U(out)), -VK_EIO);
    ck_assert_uint_eq(*out, 5);
    ck_assert_uint_eq(T.m->trace_last.a[3], 4 | (uint64_t)VK_EIO << 32);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_MMIO_WRITE, a, 0, 0, 4, 1), -VK_EIO);
    c->r[0] = 1;
}

START_TEST(test_bar_access)
{
    struct ctx c = {0};
    run_one(bar_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
}
END_TEST

/* ---- interrupts ---- */

static void irq_waiter(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    struct vk_wait *w = kt_scratch(k);
    KT_WAIT_FOR(k, c->stage == 1);
    w[0] = (struct vk_wait){.handle = c->notify_given, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
    c->stage = 2;
    c->r[1] = kc(k, VK_NR_WAIT_MANY, U(w), 1, VK_DEADLINE_NEVER);
    c->r[2] = (long)w[0].observed;
    c->stage = 3;
}

static void irq_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    struct vk_device_info *info = (struct vk_device_info *)&h[200];
    uint32_t a = open_dev(k, c->res, FAKE_BDF_A, &h[0]);
    uint32_t b = open_dev(k, c->res, FAKE_BDF_B, &h[1]);
    uint32_t anoirq = open_dev(k, c->res_noirq, FAKE_BDF_A, &h[2]);
    ck_assert_int_eq(kc(k, VK_NR_NOTIFY_CREATE, U(&h[3])), 0);
    uint32_t n = h[3];
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, n, VK_RIGHT_WAIT, U(&h[4])), 0);
    /* refusals */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, anoirq, 0, n, 4), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, a, 0, h[4], 4), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, a, VK_IRQ_INTX + 1, n, 4), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, a, 0, a, 4), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, n, 0, n, 4), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, a, 0, n | 1ull << 32, 4), -VK_EBADH);
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, 0); /* nothing bound yet */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, a, 0, n, 4), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, b, VK_IRQ_INTX, n, 0x100), 0);

    /* a waiter on the notification wakes on the MSI */
    struct vk_handle_entry *e;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, n, 0, 0, &e), 0);
    struct vk_object *no = e->obj;
    struct vk_process *wp = kt_spawn(&T, "waiter", irq_waiter, c); /* not ours to keep */
    c->notify_given = kt_give(&T, wp, no, VK_RIGHT_WAIT, 0);
    c->stage = 1;
    KT_WAIT_FOR(k, c->stage == 2);
    kc(k, VK_NR_THREAD_YIELD, 0); /* let it block */
    ck_assert_int_eq(c->stage, 2);
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_IRQ);
    ck_assert_uint_eq(T.m->trace_last.a[1], 0);
    ck_assert_uint_eq(T.m->trace_last.a[2], no->id);
    ck_assert_uint_eq(T.m->trace_last.a[3], 4);
    KT_WAIT_FOR(k, c->stage == 3);
    ck_assert_int_eq(c->r[1], 0);
    ck_assert_int_eq(c->r[2], 4);
    /* spurious: another address, an unbound vector, data out of range: never delivered */
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS + 4, 0);
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, 1);
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, VK_IRQ_VECTORS);
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, VK_IRQ_INTX); /* INTx is no MSI data */
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_IRQ);
    ck_assert_uint_eq(T.m->trace_last.a[2], 0);
    ck_assert_uint_eq(no->signals, 0);
    fake_intx(T.m, FAKE_BDF_B);
    ck_assert_uint_eq(no->signals, 0x100);
    fake_msi(T.m, 0x08, VK_MSI_ADDRESS, 0); /* no device object: traced only */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, a, U(info)), 0);
    ck_assert_uint_eq(info->irqs, 1);
    ck_assert_uint_eq(info->spurious, 5);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, b, U(info)), 0);
    ck_assert_uint_eq(info->irqs, 1);
    ck_assert_uint_eq(info->spurious, 0);

    /* bits 0 unbinds (the notification argument is not looked at) */
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_IRQ_BIND, b, VK_IRQ_INTX, 0, 0), 0);
    fake_intx(T.m, FAKE_BDF_B);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, b, U(info)), 0);
    ck_assert_uint_eq(info->spurious, 1);

    /* the binding holds the notification: closing every handle keeps it */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, n), 0);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, h[4]), 0);
    KT_WAIT_FOR(k, no->refs == 1); /* the waiter exited: only the binding holds it */
    /* reset: needs KILL; resets the function and drops the bindings */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, a, VK_RIGHT_IRQ | VK_RIGHT_MMIO, U(&h[5])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_RESET, h[5]), -VK_EPERM);
    ck_assert_uint_eq(fake_pci(T.m, FAKE_BDF_A)->resets, 0);
    uint64_t live = k->stats.objects_live;
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_RESET, a), 0);
    ck_assert_uint_eq(fake_pci(T.m, FAKE_BDF_A)->resets, 1);
    ck_assert_uint_eq(k->stats.objects_live, live - 1); /* the notification went with it */
    fake_msi(T.m, FAKE_BDF_A, VK_MSI_ADDRESS, 0);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, a, U(info)), 0);
    ck_assert_uint_eq(info->irqs, 1);
    ck_assert_uint_eq(info->spurious, 6);
    c->r[0] = 1;
}

START_TEST(test_irq)
{
    struct ctx c = {0};
    run_one(irq_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
}
END_TEST

/* ---- DMA mappings ---- */

static struct vk_dma_map *dmap(uint32_t *h, uint64_t off, uint64_t iova, uint64_t len,
                               uint32_t perm)
{
    struct vk_dma_map *m = (struct vk_dma_map *)&h[256];
    *m = (struct vk_dma_map){.vmo_off = off, .iova = iova, .len = len, .perm = perm};
    return m;
}

static void map_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    struct vk_dma_info *di = (struct vk_dma_info *)&h[300];
    const uint32_t RW = VK_DMA_READ | VK_DMA_WRITE;
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res_noirq, FAKE_BDF_A, U(h)), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, 0x08, U(h)), -VK_ENOENT);
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, FAKE_BDF_A, 8), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, FAKE_BDF_A, U(&h[0])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, FAKE_BDF_A, U(&h[1])), 0);
    uint32_t dom = h[0];
    uint64_t id0, id1;
    ck_assert_uint_eq(rights_of(k, h[0], &id0),
                      VK_RIGHT_MAP | VK_RIGHT_KILL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER);
    rights_of(k, h[1], &id1);
    ck_assert_uint_eq(id0, id1);
    uint32_t dev = open_dev(k, c->res, FAKE_BDF_A, &h[2]);
    ck_assert_int_eq(kc(k, VK_NR_VMO_CREATE, 4 * PAGE, U(&h[3])), 0);
    uint32_t v = h[3];
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, v, VK_RIGHT_READ, U(&h[4])), 0);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, v, VK_RIGHT_WRITE, U(&h[5])), 0);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, dom, VK_RIGHT_KILL, U(&h[6])), 0);
    uint32_t vro = h[4], vwo = h[5], domnomap = h[6];

    /* refusals: nothing reaches the IOMMU */
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dev, v, U(dmap(h, 0, 0, PAGE, RW))), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, dom, U(dmap(h, 0, 0, PAGE, RW))), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, domnomap, v, U(dmap(h, 0, 0, PAGE, RW))), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v | 1ull << 32, U(dmap(h, 0, 0, PAGE, RW))),
                     -VK_EBADH);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, 8), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, vro, U(dmap(h, 0, 0, PAGE, RW))), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, vwo, U(dmap(h, 0, 0, PAGE, VK_DMA_WRITE))),
                     -VK_EPERM); /* the device writes, and it needs READ too */
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, PAGE, 0))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, PAGE, 4))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, 0, RW))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, 100, RW))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 8, PAGE, RW))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 8, 0, PAGE, RW))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, 5 * PAGE, RW))), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 3 * PAGE, 0, 2 * PAGE, RW))),
                     -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, ~0ull << 12, 0, 2 * PAGE, RW))),
                     -VK_EINVAL);
    ck_assert_int_eq(
        kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, VK_IOVA_LIMIT - PAGE, 2 * PAGE, RW))),
        -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, ~0ull << 12, 2 * PAGE, RW))),
                     -VK_EINVAL);
    dmap(h, 0, 0, PAGE, RW)->reserved = 1;
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(&h[256])), -VK_EINVAL);
    T.m->dma_map_fail = -VK_ENOMEM; /* the platform's tables are full: nothing mapped */
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0, PAGE, RW))), -VK_ENOMEM);
    T.m->dma_map_fail = 0;
    ck_assert_uint_eq(T.m->ndma, 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, dom, U(di)), 0);
    ck_assert_uint_eq(di->mappings, 0);
    ck_assert_uint_eq(di->bytes, 0);

    /* maps, overlaps */
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, PAGE, 0x10000, 2 * PAGE, RW))), 0);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_DMA_MAP);
    ck_assert_uint_eq(T.m->trace_last.a[1], 0x10000);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, vro, U(dmap(h, 0, 0x20000, PAGE, VK_DMA_READ))), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0x11000, PAGE, RW))), -VK_EEXIST);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0xf000, 2 * PAGE, RW))), -VK_EEXIST);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0xe000, 4 * PAGE, RW))), -VK_EEXIST);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0xf000, PAGE, RW))), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, v, U(dmap(h, 0, 0x12000, PAGE, RW))), 0);
    ck_assert_uint_eq(T.m->ndma, 4);
    struct vk_handle_entry *ev;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, v, 0, 0, &ev), 0);
    uint64_t vaddr = ((struct vk_vmo *)ev->obj)->addr;
    ck_assert_uint_eq(fake_dma_translate(T.m, FAKE_BDF_A, 0x11008), vaddr + 2 * PAGE + 8);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, dom, U(di)), 0);
    ck_assert_uint_eq(di->bdf, FAKE_BDF_A);
    ck_assert_uint_eq(di->mappings, 4);
    ck_assert_uint_eq(di->bytes, 5 * PAGE);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, dev, U(di)), -VK_EWRONGTYPE);

    /* unmap: whole mappings only */
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, domnomap, 0, VK_IOVA_LIMIT), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0x10000, PAGE), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0x10800, PAGE), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0, 0), -VK_EINVAL);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0, VK_IOVA_LIMIT + PAGE), -VK_EINVAL);
    ck_assert_uint_eq(T.m->ndma, 4);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0x40000, PAGE), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0xf000, 4 * PAGE), 4 * PAGE);
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_DMA_UNMAP);
    ck_assert_uint_eq(T.m->trace_last.a[3], 4 * PAGE);
    ck_assert_uint_eq(T.m->ndma, 1);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, dom, U(di)), 0);
    ck_assert_uint_eq(di->mappings, 1);
    ck_assert_uint_eq(di->revoked, 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, dom, 0, VK_IOVA_LIMIT), PAGE);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, dom, U(di)), 0);
    ck_assert_uint_eq(di->mappings, 0);
    ck_assert_uint_eq(di->bytes, 0);
    ck_assert_uint_eq(di->revoked, PAGE);

    /* the quota: VK_DMA_MAPPINGS_MAX mappings per domain */
    ck_assert_int_eq(kc(k, VK_NR_VMO_CREATE, (VK_DMA_MAPPINGS_MAX + 1) * PAGE, U(&h[7])), 0);
    for (uint64_t i = 0; i < VK_DMA_MAPPINGS_MAX; i++)
        ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, h[7], U(dmap(h, i * PAGE, i * PAGE, PAGE, RW))),
                         0);
    uint64_t i = VK_DMA_MAPPINGS_MAX;
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, dom, h[7], U(dmap(h, i * PAGE, i * PAGE, PAGE, RW))),
                     -VK_ENOMEM);
    ck_assert_uint_eq(T.m->ndma, VK_DMA_MAPPINGS_MAX);
    /* the domain dies with its handles: everything is unmapped */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, h[0]), 0);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, h[1]), 0);
    ck_assert_uint_eq(T.m->ndma, VK_DMA_MAPPINGS_MAX);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, domnomap), 0);
    ck_assert_uint_eq(T.m->ndma, 0);
    c->r[0] = 1;
}

START_TEST(test_dma_map)
{
    struct ctx c = {0};
    run_one(map_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
    ck_assert_uint_eq(kt_pages_objects(&T), 0);
}
END_TEST

/* A driver maps a memory object and dies; devmgr's domain handle keeps it alive. */
static void dying_driver(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->drv_res, FAKE_BDF_B, U(&h[0])), 0);
    ck_assert_int_eq(kc(k, VK_NR_VMO_CREATE, 2 * PAGE, U(&h[1])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, h[0], h[1],
                        U(dmap(h, 0, 0x100000, 2 * PAGE, VK_DMA_READ | VK_DMA_WRITE))),
                     0);
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_CLOSE, h[1]), 0);
    c->stage = 1;
    /* exits with the domain handle open: process death closes it */
}

static void devmgr_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    struct vk_dma_info *di = (struct vk_dma_info *)&h[300];
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, FAKE_BDF_B, U(&h[0])), 0);
    struct vk_process *drv = kt_spawn(&T, "drv", dying_driver, c);
    c->drv_res = kt_give(&T, drv, &T.m->spawner->o, VK_RIGHT_DMA, 0);
    KT_WAIT_FOR(k, c->stage == 1 && drv->state == VK_PROC_EXITED);
    /* the driver is gone; the memory the device may write is not */
    ck_assert_uint_eq(kt_pages_objects(&T), 1);
    uint64_t addr = fake_dma_translate(T.m, FAKE_BDF_B, 0x101000);
    ck_assert_uint_ne(addr, 0);
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_B, 0x101000, 64, VK_DMA_WRITE), 0);
    memset((void *)(uintptr_t)addr, 0x5a, 64); /* the device's write lands in live memory */
    ck_assert_uint_eq(T.m->trace_last.kind, VK_TR_DMA);
    ck_assert_uint_eq(T.m->trace_last.a[3], VK_DMA_WRITE);
    /* revocation frees it */
    ck_assert_int_eq(kc(k, VK_NR_DMA_UNMAP, h[0], 0, VK_IOVA_LIMIT), 2 * PAGE);
    ck_assert_uint_eq(kt_pages_objects(&T), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, h[0], U(di)), 0);
    ck_assert_uint_eq(di->revoked, 2 * PAGE);
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_B, 0x101000, 64, VK_DMA_WRITE), -VK_EFAULT);
    c->r[0] = 1;
}

START_TEST(test_domain_keeps_memory)
{
    struct ctx c = {0};
    run_one(devmgr_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
    ck_assert_uint_eq(T.m->ndma, 0);
}
END_TEST

/* ---- the IOMMU fault log ---- */

static void fault_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    struct vk_iommu_fault *f = (struct vk_iommu_fault *)&h[1024];
    struct vk_dma_info *di = (struct vk_dma_info *)&h[300];
    struct vk_device_info *info = (struct vk_device_info *)&h[400];
    ck_assert_int_eq(kc(k, VK_NR_DMA_DOMAIN_OPEN, c->res, FAKE_BDF_A, U(&h[0])), 0);
    uint32_t dev = open_dev(k, c->res, FAKE_BDF_A, &h[1]);
    ck_assert_int_eq(kc(k, VK_NR_VMO_CREATE, PAGE, U(&h[2])), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_MAP, h[0], h[2], U(dmap(h, 0, 0x5000, PAGE, VK_DMA_READ))), 0);
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_A, 0x5000, 16, VK_DMA_READ), 0);
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_A, 0x9000, 16, VK_DMA_WRITE), -VK_EFAULT);
    k->now += 10;
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_A, 0x5000, 16, VK_DMA_WRITE), -VK_EFAULT);
    ck_assert_int_eq(fake_dma(T.m, FAKE_BDF_B, 0x5000, 8, VK_DMA_READ), -VK_EFAULT);
    ck_assert_uint_eq(T.m->trace_kinds[VK_TR_IOMMU_FAULT], 3);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res_noirq, 0, U(f), 8), -VK_EPERM);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, h[0], 0, U(f), 8), -VK_EWRONGTYPE);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 0, 8, 8), -VK_EFAULT);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 0, U(f), 8), 3);
    ck_assert_uint_eq(f[0].seq, 0);
    ck_assert_uint_eq(f[0].iova, 0x9000);
    ck_assert_uint_eq(f[0].bdf, FAKE_BDF_A);
    ck_assert_uint_eq(f[0].access, VK_DMA_WRITE);
    ck_assert_uint_eq(f[0].reason, VK_IOMMU_UNMAPPED);
    ck_assert_uint_eq(f[1].seq, 1);
    ck_assert_uint_eq(f[1].reason, VK_IOMMU_PERM);
    ck_assert_uint_eq(f[1].time, f[0].time + 10);
    ck_assert_uint_eq(f[1].len, 16);
    ck_assert_uint_eq(f[2].bdf, FAKE_BDF_B);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 1, U(f), 8), 2);
    ck_assert_uint_eq(f[0].seq, 1);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 0, U(f), 1), 1);
    ck_assert_uint_eq(f[0].seq, 0);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 3, U(f), 8), 0);
    ck_assert_int_eq(kc(k, VK_NR_DMA_INFO, h[0], U(di)), 0);
    ck_assert_uint_eq(di->faults, 2);
    ck_assert_int_eq(kc(k, VK_NR_DEVICE_INFO, dev, U(info)), 0);
    ck_assert_uint_eq(info->faults, 2);
    /* the ring keeps the last VK_IOMMU_FAULT_LOG: older sequence numbers are gone */
    for (uint32_t i = 0; i < 300; i++)
        fake_dma(T.m, FAKE_BDF_A, 0x100000 + i * PAGE, 4, VK_DMA_READ);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 0, U(f), 1000), VK_IOMMU_FAULT_LOG);
    ck_assert_uint_eq(f[0].seq, 303 - VK_IOMMU_FAULT_LOG);
    ck_assert_uint_eq(f[VK_IOMMU_FAULT_LOG - 1].seq, 302);
    ck_assert_uint_eq(f[VK_IOMMU_FAULT_LOG - 1].iova, 0x100000 + 299 * PAGE);
    ck_assert_int_eq(kc(k, VK_NR_IOMMU_FAULTS, c->res, 300, U(f), 1000), 3);
    c->r[0] = 1;
}

START_TEST(test_fault_log)
{
    struct ctx c = {0};
    run_one(fault_fn, &c);
    ck_assert_int_eq(c.r[0], 1);
}
END_TEST

Suite *device_suite(void);
Suite *device_suite(void)
{
    Suite *s = suite_create("device");
    TCase *tc = tcase_create("device");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_open_config);
    tcase_add_test(tc, test_bar_access);
    tcase_add_test(tc, test_irq);
    tcase_add_test(tc, test_dma_map);
    tcase_add_test(tc, test_domain_keeps_memory);
    tcase_add_test(tc, test_fault_log);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(device_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
