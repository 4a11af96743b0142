/*
 * vrsim's QEMU backend (qtest.h): the qtest client, the firmware pass over QEMU's functions,
 * the VT-d domains in shared RAM, the watched MSI words, and the platform hooks.
 */
#include "sim/qtest/qtest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/kernel/platform.h"
#include "sim/core/pcibus.h"

#define QT_RAM (1ull << 30) /* QEMU's RAM: page tables and the pages drivers map */
#define QT_RAM_FIRST (1ull << 20)
#define QT_PAGE 4096ull
#define QT_ECAM 0xb0000000ull
#define QT_VTD 0xfed90000ull
#define QT_TESTDEV 0xfef00000ull
#define QT_MSI_DATA 0x5600u      /* MSI: the vector in the low bits */
#define QT_MSIX_DATA 0x56520000u /* MSI-X: | vector */
#define QT_MSIX_MAX 1000u        /* vectors with a watched word (word 1 + v) */
#define QT_FNS 32u

enum { QT_BAR_NONE, QT_BAR_MEM32, QT_BAR_MEM64, QT_BAR_IO };

struct qt_bar {
    uint64_t addr, size;
    int kind, prefetch;
};

struct qt_fn {
    uint32_t bdf;
    uint16_t vendor, device;
    uint32_t class_code;
    uint8_t revision, pin, line;
    struct qt_bar bar[6];
    uint8_t msi_cap, msi_64;
    uint16_t msi_nvec;
    uint8_t msi_shadow[16]; /* config bytes [msi_cap + 4, msi_cap + 4 + msi_len) */
    uint8_t msi_len;
    uint8_t msix_cap, msix_bar;
    uint32_t msix_off, msix_nvec;
    uint32_t (*msix_shadow)[3]; /* the driver's address low, high, data per vector */
    uint16_t command, msi_ctl, msix_ctl;
    int intx_level;
    uint64_t pml4;     /* the domain's top table (RAM address) */
    uint64_t msi_page; /* the watched words (RAM address) */
};

struct qt_page { /* one arena page a driver mapped, and its RAM page */
    uint64_t addr, phys;
    uint32_t refs;
};

struct qt_map {
    uint32_t bdf, perm;
    uint64_t iova, addr, len;
};

struct vs_qtest {
    struct vk_kernel *k;
    pid_t pid;
    int fd, memfd, dead;
    uint8_t *ram;
    char rbuf[8192];
    size_t rlen;
    uint64_t t0, qnow; /* kernel time at start; QEMU's virtual clock */
    uint64_t deadline; /* QEMU's next timer (its clock; UINT64_MAX: none) */
    uint32_t irq_events;
    int tlb_dirty;
    uint32_t nfn;
    struct qt_fn fn[QT_FNS];
    uint64_t next_page;
    uint64_t *free_pages;
    size_t nfree, capfree;
    struct qt_page *pages; /* sorted by addr */
    size_t npages, cappages;
    struct qt_map *maps;
    size_t nmaps, capmaps;
    uint64_t root;
    struct vl_timer timer;
    uint64_t cmds;
    int logfd; /* QEMU's stderr (an unlinked file): its end goes into failure messages */
    char log[512];
};

/* ---- the protocol ---- */

/* The end of QEMU's stderr, one line, in q->log. */
static const char *qt_log(struct vs_qtest *q)
{
    q->log[0] = '\0';
    if (q->logfd < 0)
        return q->log;
    off_t end = lseek(q->logfd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof q->log - 1 ? end - (off_t)sizeof q->log + 1 : 0;
    ssize_t n = pread(q->logfd, q->log, sizeof q->log - 1, from);
    q->log[n > 0 ? n : 0] = '\0';
    for (char *c = q->log; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return q->log;
}

static void qt_lost(struct vs_qtest *q, const char *why)
{
    if (!q->dead)
        fprintf(stderr, "vrsim: qemu backend: %s (QEMU said: %s)\n", why, qt_log(q));
    q->dead = 1;
}

/* One line from QEMU into line (NUL-terminated, without the newline): 0, or -VK_EIO. */
static int qt_line(struct vs_qtest *q, char *line, size_t len)
{
    for (;;) {
        char *nl = memchr(q->rbuf, '\n', q->rlen);
        if (nl) {
            size_t n = (size_t)(nl - q->rbuf);
            size_t c = n < len - 1 ? n : len - 1;
            memcpy(line, q->rbuf, c);
            line[c] = '\0';
            memmove(q->rbuf, nl + 1, q->rlen - n - 1);
            q->rlen -= n + 1;
            return 0;
        }
        if (q->rlen == sizeof q->rbuf)
            q->rlen = 0; /* a line longer than any reply: dropped */
        ssize_t r = read(q->fd, q->rbuf + q->rlen, sizeof q->rbuf - q->rlen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            qt_lost(q, "QEMU closed the qtest connection");
            return -VK_EIO;
        }
        q->rlen += (size_t)r;
    }
}

/* Send one command, wait for its reply ("OK [value]"): 0 with *val (if given), or -VK_EIO. */
static int qt_cmd(struct vs_qtest *q, uint64_t *val, const char *fmt, ...)
{
    char cmd[160], line[256];
    if (q->dead)
        return -VK_EIO;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd - 1)
        return -VK_EINVAL;
    cmd[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = send(q->fd, cmd + off, (size_t)(n - off), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            qt_lost(q, "cannot write to QEMU");
            return -VK_EIO;
        }
        off += (int)w;
    }
    for (;;) {
        if (qt_line(q, line, sizeof line))
            return -VK_EIO;
        if (!strncmp(line, "IRQ ", 4)) {
            /* PCI interrupts reach the IOAPIC at GSI 16-23 (ICH9's PIRQs); the rest is
             * the platform's own (the RTC, the PIT) */
            const char *num = strrchr(line, ' ');
            if (num && strtoul(num + 1, NULL, 10) >= 16)
                q->irq_events++;
            continue;
        }
        if (!strncmp(line, "OK", 2)) {
            if (val)
                *val = strtoull(line + 2, NULL, 0);
            break;
        }
        cmd[n - 1] = '\0';
        char why[sizeof cmd + sizeof line + 16];
        snprintf(why, sizeof why, "'%s' failed: %s", cmd, line);
        qt_lost(q, why);
        return -VK_EIO;
    }
    q->cmds++;
    return 0;
}

static const char *const rd_cmd[9] = {[1] = "readb", [2] = "readw", [4] = "readl", [8] = "readq"};
static const char *const wr_cmd[9] = {
    [1] = "writeb", [2] = "writew", [4] = "writel", [8] = "writeq"};
static const char *const in_cmd[5] = {[1] = "inb", [2] = "inw", [4] = "inl"};
static const char *const out_cmd[5] = {[1] = "outb", [2] = "outw", [4] = "outl"};

static int qt_read(struct vs_qtest *q, uint64_t addr, uint32_t size, uint64_t *val)
{
    return qt_cmd(q, val, "%s 0x%llx", rd_cmd[size], (unsigned long long)addr);
}

static int qt_write(struct vs_qtest *q, uint64_t addr, uint32_t size, uint64_t val)
{
    return qt_cmd(q, NULL, "%s 0x%llx 0x%llx", wr_cmd[size], (unsigned long long)addr,
                  (unsigned long long)val);
}

static uint64_t ecam(uint32_t bdf, uint32_t off)
{
    return QT_ECAM + ((uint64_t)bdf << 12) + off;
}

static int cfg_rd(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size, uint32_t *val)
{
    uint64_t v = ~0ull;
    int rc = qt_read(q, ecam(bdf, off), size, &v);
    *val = (uint32_t)v;
    return rc;
}

static int cfg_wr(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size, uint32_t val)
{
    return qt_write(q, ecam(bdf, off), size, val);
}

/* ---- RAM pages and the VT-d domains ---- */

static uint64_t page_alloc(struct vs_qtest *q)
{
    uint64_t p;
    if (q->nfree)
        p = q->free_pages[--q->nfree];
    else if (q->next_page + QT_PAGE <= QT_RAM)
        p = (q->next_page += QT_PAGE) - QT_PAGE;
    else
        return 0;
    memset(q->ram + p, 0, QT_PAGE);
    return p;
}

static void page_free(struct vs_qtest *q, uint64_t p)
{
    if (q->nfree == q->capfree) {
        size_t cap = q->capfree ? q->capfree * 2 : 256;
        uint64_t *n = realloc(q->free_pages, cap * sizeof *n);
        if (!n)
            return; /* the page is lost to the pool, nothing else */
        q->free_pages = n;
        q->capfree = cap;
    }
    q->free_pages[q->nfree++] = p;
}

static uint64_t *pte(struct vs_qtest *q, uint64_t table, uint64_t iova, int level)
{
    return (uint64_t *)(q->ram + table) + ((iova >> (12 + 9 * level)) & 511);
}

/* The leaf entry of iova in fn's domain, the tables made on the way if make. */
static uint64_t *leaf(struct vs_qtest *q, struct qt_fn *f, uint64_t iova, int make)
{
    uint64_t t = f->pml4;
    for (int level = 3; level > 0; level--) {
        uint64_t *e = pte(q, t, iova, level);
        if (!(*e & 3)) {
            if (!make)
                return NULL;
            uint64_t p = page_alloc(q);
            if (!p)
                return NULL;
            *e = p | 3;
        }
        t = *e & ~0xfffull;
    }
    return pte(q, t, iova, 0);
}

static struct qt_fn *fn_of(struct vs_qtest *q, uint32_t bdf)
{
    for (uint32_t i = 0; i < q->nfn; i++)
        if (q->fn[i].bdf == bdf)
            return &q->fn[i];
    return NULL;
}

static size_t page_find(const struct vs_qtest *q, uint64_t addr)
{
    size_t lo = 0, hi = q->npages;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (q->pages[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The RAM page of arena page addr, one more reference (made on first use); 0 if none left. */
static uint64_t page_get(struct vs_qtest *q, uint64_t addr)
{
    size_t i = page_find(q, addr);
    if (i < q->npages && q->pages[i].addr == addr) {
        q->pages[i].refs++;
        return q->pages[i].phys;
    }
    if (q->npages == q->cappages) {
        size_t cap = q->cappages ? q->cappages * 2 : 256;
        struct qt_page *n = realloc(q->pages, cap * sizeof *n);
        if (!n)
            return 0;
        q->pages = n;
        q->cappages = cap;
    }
    uint64_t phys = page_alloc(q);
    if (!phys)
        return 0;
    memmove(&q->pages[i + 1], &q->pages[i], (q->npages - i) * sizeof q->pages[0]);
    q->pages[i] = (struct qt_page){.addr = addr, .phys = phys, .refs = 1};
    q->npages++;
    memcpy(q->ram + phys, (const void *)(uintptr_t)addr, QT_PAGE);
    return phys;
}

static void page_put(struct vs_qtest *q, uint64_t addr)
{
    size_t i = page_find(q, addr);
    if (i >= q->npages || q->pages[i].addr != addr || --q->pages[i].refs)
        return;
    page_free(q, q->pages[i].phys);
    memmove(&q->pages[i], &q->pages[i + 1], (q->npages - i - 1) * sizeof q->pages[0]);
    q->npages--;
}

static void sync_to_qemu(struct vs_qtest *q)
{
    for (size_t i = 0; i < q->npages; i++)
        memcpy(q->ram + q->pages[i].phys, (const void *)(uintptr_t)q->pages[i].addr, QT_PAGE);
}

static void sync_from_qemu(struct vs_qtest *q)
{
    for (size_t i = 0; i < q->npages; i++)
        memcpy((void *)(uintptr_t)q->pages[i].addr, q->ram + q->pages[i].phys, QT_PAGE);
}

/* Global context-cache and IOTLB invalidation (register based). */
static int vtd_invalidate(struct vs_qtest *q)
{
    int rc = qt_write(q, QT_VTD + 0x28, 8, 1ull << 63 | 1ull << 61);
    if (!rc)
        rc = qt_write(q, QT_VTD + 0xf8, 8, 1ull << 63 | 1ull << 60);
    if (!rc)
        q->tlb_dirty = 0;
    return rc;
}

/* ---- interrupts, faults, time: after QEMU ran ---- */

static void scan_msi(struct vs_qtest *q)
{
    for (uint32_t i = 0; i < q->nfn; i++) {
        struct qt_fn *f = &q->fn[i];
        uint32_t *w = (uint32_t *)(q->ram + f->msi_page);
        if (!f->msi_page)
            continue;
        if (w[0]) {
            uint32_t v = w[0] & 0x1f;
            w[0] = 0;
            uint64_t addr = 0;
            uint32_t data;
            memcpy(&addr, f->msi_shadow, 4);
            if (f->msi_64) {
                uint32_t hi;
                memcpy(&hi, f->msi_shadow + 4, 4);
                addr |= (uint64_t)hi << 32;
            }
            uint16_t d16;
            memcpy(&d16, f->msi_shadow + (f->msi_64 ? 8 : 4), 2);
            data = d16 | v;
            vk_device_msi(q->k, f->bdf, addr, data);
        }
        for (uint32_t v = 0; v < f->msix_nvec && v < QT_MSIX_MAX; v++) {
            if (!w[1 + v])
                continue;
            w[1 + v] = 0;
            vk_device_msi(q->k, f->bdf, (uint64_t)f->msix_shadow[v][1] << 32 | f->msix_shadow[v][0],
                          f->msix_shadow[v][2]);
        }
    }
}

static int intx_live(const struct qt_fn *f)
{
    return f->pin && !(f->command & (1u << 10)) && !(f->msi_ctl & 1) && !(f->msix_ctl & 0x8000);
}

static void scan_intx(struct vs_qtest *q)
{
    for (uint32_t i = 0; i < q->nfn; i++) {
        struct qt_fn *f = &q->fn[i];
        uint32_t st = 0;
        if (!intx_live(f)) {
            f->intx_level = 0;
            continue;
        }
        if (cfg_rd(q, f->bdf, 0x06, 2, &st))
            return;
        int level = !!(st & 0x8);
        if (level && !f->intx_level)
            vk_device_intx(q->k, f->bdf);
        f->intx_level = level;
    }
}

static void scan_faults(struct vs_qtest *q)
{
    uint64_t fsts = 0, lo = 0, hi = 0;
    if (qt_read(q, QT_VTD + 0x34, 4, &fsts) || !(fsts & 2))
        return;
    if (qt_read(q, QT_VTD + 0x220, 8, &lo) || qt_read(q, QT_VTD + 0x228, 8, &hi))
        return;
    qt_write(q, QT_VTD + 0x22c, 4, 0x80000000u); /* F: the record is free again */
    qt_write(q, QT_VTD + 0x34, 4, 1);            /* PFO */
    if (!(hi & (1ull << 63)))
        return;
    uint32_t bdf = (uint32_t)(hi & 0xffff);
    uint64_t iova = lo & ~0xfffull;
    uint32_t access = hi & (1ull << 62) ? VK_DMA_READ : VK_DMA_WRITE;
    uint32_t reason = 1; /* unmapped, unless one of the domain's ranges holds the page */
    for (size_t i = 0; i < q->nmaps; i++) {
        const struct qt_map *m = &q->maps[i];
        if (m->bdf == bdf && iova >= m->iova && iova - m->iova < m->len)
            reason = 2;
    }
    vk_device_iommu_fault(q->k, bdf, iova, QT_PAGE, access, reason);
}

static void qt_rearm(struct vs_qtest *q)
{
    uint64_t lo = 0, hi = 0;
    if (qt_read(q, QT_TESTDEV + 0x20, 4, &lo) || qt_read(q, QT_TESTDEV + 0x24, 4, &hi))
        return;
    if (lo == 0xffffffffu && hi == 0xffffffffu) {
        q->deadline = UINT64_MAX;
        vk_kernel_timer_cancel(q->k, &q->timer);
        return;
    }
    q->deadline = hi << 32 | lo;
    uint64_t when = q->t0 + q->deadline;
    if (when < q->k->now)
        when = q->k->now;
    if (q->timer.armed && q->timer.time == when)
        return;
    (void)vk_kernel_timer_add(q->k, &q->timer, when);
}

/* Before an access: the driver's pages into RAM, tables current, QEMU at the kernel's time.
 * A read that no timer of QEMU's is due for leaves QEMU's clock behind (nothing of a device
 * changes with the clock alone); a write may start timed work, so it always brings it up.
 * Returns 0 (1 if QEMU's clock moved), or -VK_EIO. */
static int qt_begin(struct vs_qtest *q, int write)
{
    if (q->dead)
        return -VK_EIO;
    sync_to_qemu(q);
    if (q->tlb_dirty && vtd_invalidate(q))
        return -VK_EIO;
    uint64_t target = q->k->now > q->t0 ? q->k->now - q->t0 : 0;
    if (target > q->qnow && (write || target >= q->deadline)) {
        uint64_t now = 0;
        if (qt_cmd(q, &now, "clock_step %llu", (unsigned long long)(target - q->qnow)))
            return -VK_EIO;
        q->qnow = target;
        return 1;
    }
    return 0;
}

/* After an access: work QEMU does off its loop completed (ran: QEMU may have done some), the
 * pages back into the arena, interrupts and faults reported, the timer re-armed. */
static void qt_end(struct vs_qtest *q, int ran)
{
    if (q->dead)
        return;
    if (ran)
        qt_write(q, QT_TESTDEV + 0x08, 4, 1);
    sync_from_qemu(q);
    if (ran) {
        scan_faults(q);
        scan_msi(q);
    }
    if (q->irq_events) {
        q->irq_events = 0;
        scan_intx(q);
    }
    if (ran)
        qt_rearm(q);
}

static void qt_timer_fire(void *ctx, struct vl_timer *t)
{
    struct vs_qtest *q = ctx;
    (void)t;
    int rc = qt_begin(q, 1);
    if (rc >= 0)
        qt_end(q, 1);
}

/* ---- the firmware pass: BARs, decoding, interrupt lines, capabilities ---- */

struct qt_req {
    struct qt_fn *f;
    int bar;
};

static int req_cmp(const void *pa, const void *pb)
{
    const struct qt_req *a = pa, *b = pb;
    uint64_t sa = a->f->bar[a->bar].size, sb = b->f->bar[b->bar].size;
    if (sa != sb)
        return sa < sb ? 1 : -1;
    if (a->f->bdf != b->f->bdf)
        return a->f->bdf < b->f->bdf ? -1 : 1;
    return a->bar < b->bar ? -1 : a->bar > b->bar;
}

static int probe_fn(struct vs_qtest *q, struct qt_fn *f)
{
    uint32_t b = f->bdf, v = 0;
    int rc = 0;
    rc |= cfg_rd(q, b, 0x08, 4, &v);
    f->class_code = v >> 8;
    f->revision = (uint8_t)v;
    rc |= cfg_rd(q, b, 0x3d, 1, &v);
    f->pin = (uint8_t)v;
    for (int i = 0; i < 6 && !rc; i++) {
        uint32_t orig = 0, m = 0, hi = 0;
        uint32_t reg = 0x10 + 4u * (uint32_t)i;
        rc |= cfg_rd(q, b, reg, 4, &orig);
        rc |= cfg_wr(q, b, reg, 4, 0xffffffffu);
        rc |= cfg_rd(q, b, reg, 4, &m);
        rc |= cfg_wr(q, b, reg, 4, orig);
        if (rc || m == 0)
            continue;
        struct qt_bar *bar = &f->bar[i];
        if (orig & 1) {
            bar->kind = QT_BAR_IO;
            bar->size = (uint64_t)(~(m & ~3u) & 0xffff) + 1;
            continue;
        }
        uint64_t mask = m & ~0xfull;
        bar->prefetch = !!(orig & 8);
        bar->kind = QT_BAR_MEM32;
        if ((orig & 6) == 4 && i < 5) {
            rc |= cfg_rd(q, b, reg + 4, 4, &orig);
            rc |= cfg_wr(q, b, reg + 4, 4, 0xffffffffu);
            rc |= cfg_rd(q, b, reg + 4, 4, &hi);
            rc |= cfg_wr(q, b, reg + 4, 4, orig);
            mask |= (uint64_t)hi << 32;
            bar->kind = QT_BAR_MEM64;
        } else {
            mask |= 0xffffffff00000000ull;
        }
        bar->size = ~mask + 1;
        if (bar->kind == QT_BAR_MEM64)
            i++;
    }
    /* capabilities */
    uint32_t st = 0, ptr = 0;
    rc |= cfg_rd(q, b, 0x06, 2, &st);
    if (!rc && (st & 0x10))
        rc |= cfg_rd(q, b, 0x34, 1, &ptr);
    for (int guard = 0; !rc && ptr >= 0x40 && ptr < 0x100 && guard < 48; guard++) {
        uint32_t id = 0, next = 0, ctl = 0;
        rc |= cfg_rd(q, b, ptr, 1, &id);
        rc |= cfg_rd(q, b, ptr + 1, 1, &next);
        rc |= cfg_rd(q, b, ptr + 2, 2, &ctl);
        if (id == 0x05) {
            f->msi_cap = (uint8_t)ptr;
            f->msi_64 = !!(ctl & 0x80);
            f->msi_nvec = (uint16_t)(1u << ((ctl >> 1) & 7));
            f->msi_len = f->msi_64 ? 10 : 6;
        } else if (id == 0x11) {
            uint32_t t = 0;
            rc |= cfg_rd(q, b, ptr + 4, 4, &t);
            f->msix_cap = (uint8_t)ptr;
            f->msix_nvec = (ctl & 0x7ff) + 1;
            f->msix_bar = (uint8_t)(t & 7);
            f->msix_off = t & ~7u;
        }
        ptr = next & 0xfc;
    }
    return rc ? -VK_EIO : 0;
}

/* Requests of one kind (sorted, largest first) from base upwards, as vrsim's firmware pass
 * (sim/core/pcibus.c) places them: 0, or -VK_ENOSPC. */
static int assign_up(struct qt_req *r, size_t n, int kind, uint64_t base, uint64_t end)
{
    uint64_t at = base;
    for (size_t k = 0; k < n; k++) {
        struct qt_bar *bar = &r[k].f->bar[r[k].bar];
        if (bar->kind != kind)
            continue;
        at = (at + bar->size - 1) & ~(bar->size - 1);
        if (at < base || at > end || bar->size > end - at)
            return -VK_ENOSPC;
        bar->addr = at;
        at += bar->size;
    }
    return 0;
}

/* vrsim's layout (pcibus.h): 32-bit BARs packed at the top of the 32-bit window, aligned to the
 * largest; 64-bit BARs upwards from vs_pcibus_mmio64_base; I/O upwards from VS_PCI_IO_BASE. */
static int firmware(struct vs_qtest *q, uint64_t memory, char *err, size_t errlen)
{
    struct qt_req req[QT_FNS * 6];
    size_t n = 0;
    for (uint32_t i = 0; i < q->nfn; i++)
        for (int b = 0; b < 6; b++)
            if (q->fn[i].bar[b].kind != QT_BAR_NONE)
                req[n++] = (struct qt_req){&q->fn[i], b};
    qsort(req, n, sizeof req[0], req_cmp);
    uint64_t sum = 0, align = 1;
    for (size_t k = 0; k < n; k++) {
        const struct qt_bar *bar = &req[k].f->bar[req[k].bar];
        if (bar->kind != QT_BAR_MEM32)
            continue;
        sum += bar->size;
        align = bar->size > align ? bar->size : align;
    }
    uint64_t base =
        sum > VS_PCI_MMIO32_END - VS_PCI_MMIO32_BASE ? 0 : (VS_PCI_MMIO32_END - sum) & ~(align - 1);
    const char *full = NULL;
    if (base < VS_PCI_MMIO32_BASE || assign_up(req, n, QT_BAR_MEM32, base, VS_PCI_MMIO32_END))
        full = "32-bit MMIO";
    else if (assign_up(req, n, QT_BAR_MEM64, vs_pcibus_mmio64_base(memory), VS_PCI_MMIO64_END))
        full = "64-bit MMIO";
    else if (assign_up(req, n, QT_BAR_IO, VS_PCI_IO_BASE, VS_PCI_IO_END))
        full = "I/O";
    if (full) {
        snprintf(err, errlen, "qemu backend: the %s window is too small", full);
        return -VK_ENOSPC;
    }
    for (size_t i = 0; i < n; i++) {
        const struct qt_bar *bar = &req[i].f->bar[req[i].bar];
        uint32_t reg = 0x10 + 4u * (uint32_t)req[i].bar;
        int rc = cfg_wr(q, req[i].f->bdf, reg, 4, (uint32_t)bar->addr | (bar->kind == QT_BAR_IO));
        if (!rc && bar->kind == QT_BAR_MEM64)
            rc = cfg_wr(q, req[i].f->bdf, reg + 4, 4, (uint32_t)(bar->addr >> 32));
        if (rc)
            return rc;
    }
    static const uint8_t q35_irqs[8] = {10, 10, 11, 11, 10, 10, 11, 11};
    for (uint32_t i = 0; i < q->nfn; i++) {
        struct qt_fn *f = &q->fn[i];
        if (!f->bdf)
            continue; /* the host bridge keeps what it has */
        f->command = 0x3;
        int rc = cfg_wr(q, f->bdf, 0x04, 2, f->command);
        if (!rc && f->pin >= 1 && f->pin <= 4) {
            f->line = q35_irqs[(f->pin - 1 + (f->bdf >> 3)) & 7];
            rc = cfg_wr(q, f->bdf, 0x3c, 1, f->line);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Root and context tables, one domain per function with its MSI page mapped; translation on. */
static int vtd_setup(struct vs_qtest *q, char *err, size_t errlen)
{
    q->next_page = QT_RAM_FIRST;
    q->root = page_alloc(q);
    uint64_t ctx = page_alloc(q);
    if (!q->root || !ctx)
        return -VK_ENOMEM;
    uint64_t *root = (uint64_t *)(q->ram + q->root);
    root[0] = ctx | 1;
    for (uint32_t i = 0; i < q->nfn; i++) {
        struct qt_fn *f = &q->fn[i];
        f->pml4 = page_alloc(q);
        f->msi_page = page_alloc(q);
        if (!f->pml4 || !f->msi_page)
            return -VK_ENOMEM;
        uint64_t *e = leaf(q, f, VS_QT_MSI_IOVA, 1);
        if (!e)
            return -VK_ENOMEM;
        *e = f->msi_page | 3;
        uint64_t *ce = (uint64_t *)(q->ram + ctx) + 2 * (f->bdf & 0xff);
        ce[0] = f->pml4 | 1;                              /* present, second-level translation */
        ce[1] = 2 | (uint64_t)((f->bdf & 0xff) + 1) << 8; /* 48-bit, 4 levels; domain id */
    }
    uint64_t gsts = 0;
    int rc = qt_write(q, QT_VTD + 0x20, 8, q->root);
    if (!rc)
        rc = qt_write(q, QT_VTD + 0x18, 4, 1u << 30); /* SRTP */
    if (!rc)
        rc = vtd_invalidate(q);
    if (!rc)
        rc = qt_write(q, QT_VTD + 0x18, 4, 1u << 31); /* TE */
    if (!rc)
        rc = qt_read(q, QT_VTD + 0x1c, 4, &gsts);
    if (!rc && !(gsts & (1u << 31))) {
        snprintf(err, errlen, "qemu backend: intel-iommu did not enable translation");
        return -VK_EIO;
    }
    return rc;
}

/* ---- start and stop ---- */

static const char *prop_str(const struct vs_mach_pci *p, const char *name)
{
    for (uint32_t i = 0; i < p->model->nprops; i++)
        if (!strcmp(p->model->props[i].name, name))
            return p->props[i].set || p->model->props[i].def_str ? p->props[i].str : NULL;
    return NULL;
}

static uint64_t prop_num(const struct vs_mach_pci *p, const char *name)
{
    for (uint32_t i = 0; i < p->model->nprops; i++)
        if (!strcmp(p->model->props[i].name, name))
            return p->props[i].num;
    return 0;
}

struct qt_args {
    char *v[40];
    int n;
    char buf[4][1024];
};

static int qt_spawn(struct vs_qtest *q, const struct vs_machine_desc *d, const char *qemu,
                    char *err, size_t errlen)
{
    struct qt_args a = {.n = 0};
    char machine[512] = "veridian,memory-backend=ram0", seed[32], drive[1200] = "", con[1200] = "";
    for (uint32_t i = 0; i < d->npci; i++) {
        const struct vs_mach_pci *p = &d->pci[i];
        const char *name = p->model->name;
        if (!strcmp(name, "virtio-blk")) {
            const char *img = prop_str(p, "image"), *serial = prop_str(p, "serial");
            snprintf(drive, sizeof drive, "if=none,id=vblk,format=raw,file=%s,%s", img ? img : "",
                     prop_num(p, "readonly")  ? "readonly=on"
                     : prop_num(p, "persist") ? "snapshot=off"
                                              : "snapshot=on");
            size_t l = strlen(machine);
            snprintf(
                machine + l, sizeof machine - l, ",blk=vblk%s%s,blk-block-size=%llu",
                serial ? ",blk-serial=" : "", serial ? serial : "",
                (unsigned long long)(prop_num(p, "block_size") ? prop_num(p, "block_size") : 512));
        } else if (!strcmp(name, "virtio-console")) {
            const char *kind = prop_str(p, "console"), *out = prop_str(p, "output");
            if (kind && !strcmp(kind, "file") && out)
                snprintf(con, sizeof con, "file,id=vcon,path=%s", out);
            else
                snprintf(con, sizeof con, "null,id=vcon");
            size_t l = strlen(machine);
            snprintf(machine + l, sizeof machine - l, ",con=vcon");
        }
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)(q->k->cfg.seed & 0x7fffffffu));
    char *fixed[] = {(char *)qemu,
                     "-machine",
                     machine,
                     "-accel",
                     "qtest",
                     "-chardev",
                     "socket,id=qtest,fd=3",
                     "-qtest",
                     "chardev:qtest",
                     "-qtest-log",
                     "/dev/null",
                     "-object",
                     "memory-backend-file,id=ram0,size=1G,mem-path=/proc/self/fd/4,share=on",
                     "-m",
                     "1G",
                     "-display",
                     "none",
                     "-nodefaults",
                     "-serial",
                     "null",
                     "-L",
                     "/usr/share/seabios",
                     "-L",
                     "/usr/share/qemu",
                     "-seed",
                     seed};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        a.v[a.n++] = fixed[i];
    if (drive[0]) {
        a.v[a.n++] = "-drive";
        a.v[a.n++] = drive;
    }
    if (con[0]) {
        a.v[a.n++] = "-chardev";
        a.v[a.n++] = con;
    }
    a.v[a.n] = NULL;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        snprintf(err, errlen, "qemu backend: socketpair: %s", strerror(errno));
        return -VK_EIO;
    }
    char logpath[] = "/tmp/vrsim-qemu-XXXXXX";
    int logfd = mkstemp(logpath);
    if (logfd >= 0)
        unlink(logpath);
    q->logfd = logfd;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* vrsim traps the TSC and CPUID for its guests (trap.c): not for QEMU */
        prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
        syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int s = fcntl(sv[1], F_DUPFD, 10), m = fcntl(q->memfd, F_DUPFD, 10);
        if (s < 0 || m < 0 || dup2(s, 3) < 0 || dup2(m, 4) < 0)
            _exit(127);
        if (logfd >= 0)
            dup2(logfd, 2);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        for (int fd = 5; fd < 1024; fd++)
            close(fd);
        execv(qemu, a.v);
        _exit(127);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        snprintf(err, errlen, "qemu backend: fork: %s", strerror(errno));
        return -VK_EIO;
    }
    q->pid = pid;
    q->fd = sv[0];
    return 0;
}

static const uint16_t model_ids[][3] = {
    /* vrsim's model (vs_mach_model) -> the veridian machine's device at that slot */
    {0x1234, 0x11e8, 3}, /* edu */
    {0x1af4, 0x1044, 4}, /* virtio-rng */
    {0x1af4, 0x1042, 5}, /* virtio-blk */
    {0x1af4, 0x1043, 6}, /* virtio-console */
};

int vs_qtest_create(struct vs_qtest **out, struct vk_kernel *k, const struct vs_machine_desc *d,
                    const char *qemu, char *err, size_t errlen)
{
    int rc = -VK_ENOMEM;
    struct vs_qtest *q = calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory for the qemu backend");
        return -VK_ENOMEM;
    }
    q->k = k;
    q->fd = q->memfd = q->logfd = -1;
    q->t0 = k->now;
    vl_timer_init(&q->timer, qt_timer_fire, q);
    if (!qemu || !*qemu || access(qemu, X_OK)) {
        snprintf(err, errlen,
                 "qemu backend: no QEMU binary ('%s'): build it with scripts/build-qemu and set "
                 "VERIDIAN_QEMU or --qemu",
                 qemu ? qemu : "");
        rc = -VK_ENOENT;
        goto fail;
    }
    q->memfd = memfd_create("veridian-qemu-ram", 0);
    if (q->memfd < 0 || ftruncate(q->memfd, (off_t)QT_RAM)) {
        snprintf(err, errlen, "qemu backend: memfd: %s", strerror(errno));
        rc = -VK_EIO;
        goto fail;
    }
    q->ram = mmap(NULL, QT_RAM, PROT_READ | PROT_WRITE, MAP_SHARED, q->memfd, 0);
    if (q->ram == MAP_FAILED) {
        q->ram = NULL;
        snprintf(err, errlen, "qemu backend: mmap: %s", strerror(errno));
        rc = -VK_EIO;
        goto fail;
    }
    q->fn[q->nfn++].bdf = 0; /* the host bridge (q35's MCH, as vrsim's 00:00.0) */
    for (uint32_t i = 0; i < d->npci; i++) {
        const struct vs_mach_pci *p = &d->pci[i];
        int ok = 0;
        for (size_t m = 0; m < sizeof model_ids / sizeof model_ids[0]; m++)
            ok |= p->model->vendor == model_ids[m][0] && p->model->device == model_ids[m][1] &&
                  p->dev == model_ids[m][2] && p->fn == 0;
        if (!ok) {
            snprintf(err, errlen,
                     "%s:%u:%u: the veridian QEMU machine has no '%s' at slot %02x.%x (it has "
                     "edu 03.0, virtio-rng 04.0, virtio-blk 05.0, virtio-console 06.0)",
                     d->file, p->line, p->col, p->model->name, p->dev, p->fn);
            rc = -VK_EINVAL;
            goto fail;
        }
        q->fn[q->nfn++].bdf = (uint32_t)p->dev << 3 | p->fn;
    }
    if ((rc = qt_spawn(q, d, qemu, err, errlen)))
        goto fail;
    uint64_t id = 0;
    if (qt_read(q, QT_TESTDEV, 4, &id) || id != 0x56525444) {
        snprintf(err, errlen, "qemu backend: QEMU did not start the veridian machine (%s)",
                 qt_log(q));
        rc = -VK_EIO;
        goto fail;
    }
    /* ECAM at 0xb0000000 (q35's PCIEXBAR, as firmware sets it), the IOAPIC's inputs watched */
    rc = qt_cmd(q, NULL, "outl 0xcf8 0x80000060");
    rc = rc ? rc : qt_cmd(q, NULL, "outl 0xcfc 0x%x", (unsigned)(QT_ECAM | 1));
    rc = rc ? rc : qt_cmd(q, NULL, "irq_intercept_in ioapic");
    for (uint32_t i = 0; !rc && i < q->nfn; i++) {
        uint32_t idv = 0;
        rc = cfg_rd(q, q->fn[i].bdf, 0, 4, &idv);
        q->fn[i].vendor = (uint16_t)idv;
        q->fn[i].device = (uint16_t)(idv >> 16);
        if (!rc)
            rc = probe_fn(q, &q->fn[i]);
        if (!rc && q->fn[i].msix_nvec) {
            q->fn[i].msix_shadow = calloc(q->fn[i].msix_nvec, sizeof q->fn[i].msix_shadow[0]);
            if (!q->fn[i].msix_shadow)
                rc = -VK_ENOMEM;
        }
    }
    if (!rc)
        rc = firmware(q, d->memory, err, errlen);
    if (!rc)
        rc = vtd_setup(q, err, errlen);
    if (!rc)
        qt_rearm(q); /* QEMU's first timer, and the kernel's for it */
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "qemu backend: setting QEMU's machine up failed (%d: %s)", rc,
                     qt_log(q));
        goto fail;
    }
    *out = q;
    return 0;
fail:
    vs_qtest_destroy(q);
    return rc;
}

void vs_qtest_destroy(struct vs_qtest *q)
{
    if (!q)
        return;
    vk_kernel_timer_cancel(q->k, &q->timer);
    if (q->fd >= 0)
        close(q->fd);
    if (q->pid > 0) {
        kill(q->pid, SIGTERM);
        while (waitpid(q->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (q->ram)
        munmap(q->ram, QT_RAM);
    if (q->memfd >= 0)
        close(q->memfd);
    if (q->logfd >= 0)
        close(q->logfd);
    for (uint32_t i = 0; i < q->nfn; i++)
        free(q->fn[i].msix_shadow);
    free(q->free_pages);
    free(q->pages);
    free(q->maps);
    free(q);
}

/* ---- the platform hooks ---- */

int vs_qtest_pci_info(struct vs_qtest *q, uint32_t bdf, struct vk_device_info *info)
{
    const struct qt_fn *f = fn_of(q, bdf);
    if (!f)
        return -VK_ENOENT;
    memset(info, 0, sizeof *info);
    info->bdf = bdf;
    info->vendor = f->vendor;
    info->device = f->device;
    info->class_code = f->class_code;
    info->revision = f->revision;
    info->intx_pin = f->pin;
    info->msi_vectors = f->msi_cap ? f->msi_nvec : 0;
    info->msix_vectors = (uint16_t)f->msix_nvec;
    for (int i = 0; i < 6; i++) {
        const struct qt_bar *b = &f->bar[i];
        if (b->kind == QT_BAR_NONE)
            continue;
        info->bars[i].size = b->size;
        info->bars[i].kind = b->kind == QT_BAR_MEM32   ? VK_BAR_MEM32
                             : b->kind == QT_BAR_MEM64 ? VK_BAR_MEM64
                                                       : VK_BAR_IO;
        info->bars[i].prefetch = (uint8_t)b->prefetch;
    }
    return 0;
}

/* The MSI message QEMU's device is given: the watched word, the vector in the data. */
static int msi_program(struct vs_qtest *q, struct qt_fn *f)
{
    uint32_t c = f->msi_cap;
    int rc = cfg_wr(q, f->bdf, c + 4, 4, (uint32_t)VS_QT_MSI_IOVA);
    if (!rc && f->msi_64)
        rc = cfg_wr(q, f->bdf, c + 8, 4, (uint32_t)(VS_QT_MSI_IOVA >> 32));
    if (!rc)
        rc = cfg_wr(q, f->bdf, c + (f->msi_64 ? 12 : 8), 2, QT_MSI_DATA);
    return rc;
}

int vs_qtest_config_read(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size,
                         uint32_t *val)
{
    struct qt_fn *f = fn_of(q, bdf);
    *val = ~0u;
    if (!f || (size != 1 && size != 2 && size != 4) || off + size > 4096)
        return 0;
    int ran = qt_begin(q, 0);
    if (ran < 0)
        return ran;
    int rc = cfg_rd(q, bdf, off, size, val);
    if (!rc && f->msi_cap) {
        uint32_t lo = f->msi_cap + 4u;
        for (uint32_t i = 0; i < size; i++)
            if (off + i >= lo && off + i < lo + f->msi_len) {
                *val &= ~(0xffu << (8 * i));
                *val |= (uint32_t)f->msi_shadow[off + i - lo] << (8 * i);
            }
    }
    qt_end(q, ran);
    if (rc)
        *val = ~0u;
    return rc;
}

int vs_qtest_config_write(struct vs_qtest *q, uint32_t bdf, uint32_t off, uint32_t size,
                          uint32_t val)
{
    struct qt_fn *f = fn_of(q, bdf);
    if (!f || (size != 1 && size != 2 && size != 4) || off + size > 4096)
        return 0;
    int ran = qt_begin(q, 1);
    if (ran < 0)
        return ran;
    int rc = 0;
    uint32_t lo = f->msi_cap + 4u;
    int msg = f->msi_cap && off < lo + f->msi_len && off + size > lo;
    for (uint32_t i = 0; i < size; i++) {
        uint32_t o = off + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (msg && o >= lo && o < lo + f->msi_len)
            f->msi_shadow[o - lo] = b; /* the driver's message: kept, not given to QEMU */
        else if (msg)
            rc |= cfg_wr(q, bdf, o, 1, b);
        /* the state the bridge follows */
        if (o == 0x04)
            f->command = (uint16_t)((f->command & 0xff00) | b);
        else if (o == 0x05)
            f->command = (uint16_t)((f->command & 0x00ff) | b << 8);
        else if (f->msi_cap && o == f->msi_cap + 2u)
            f->msi_ctl = (uint16_t)((f->msi_ctl & 0xff00) | b);
        else if (f->msix_cap && o == f->msix_cap + 3u)
            f->msix_ctl = (uint16_t)((f->msix_ctl & 0x00ff) | b << 8);
    }
    if (msg)
        rc |= msi_program(q, f);
    else
        rc = cfg_wr(q, bdf, off, size, val);
    qt_end(q, 1);
    (void)ran;
    return rc ? -VK_EIO : 0;
}

static int bar_addr(const struct qt_fn *f, uint32_t bar, uint64_t off, uint32_t size,
                    uint64_t *addr)
{
    if (bar >= 6 || f->bar[bar].kind == QT_BAR_NONE)
        return -VK_ENOENT;
    if ((size != 1 && size != 2 && size != 4 && size != 8) || off >= f->bar[bar].size ||
        size > f->bar[bar].size - off || (f->bar[bar].kind == QT_BAR_IO && size == 8))
        return -VK_EINVAL;
    *addr = f->bar[bar].addr + off;
    return 0;
}

/* The MSI-X table entry (and field offset in it) an access falls in, or -1. */
static int msix_entry(const struct qt_fn *f, uint32_t bar, uint64_t off, uint32_t *field)
{
    if (!f->msix_nvec || bar != f->msix_bar || off < f->msix_off ||
        off - f->msix_off >= (uint64_t)f->msix_nvec * 16)
        return -1;
    *field = (uint32_t)((off - f->msix_off) & 15);
    return (int)((off - f->msix_off) / 16);
}

int vs_qtest_bar_read(struct vs_qtest *q, uint32_t bdf, uint32_t bar, uint64_t off, uint32_t size,
                      uint64_t *val)
{
    struct qt_fn *f = fn_of(q, bdf);
    uint64_t addr = 0;
    uint32_t field = 0;
    *val = ~0ull;
    if (!f)
        return -VK_ENOENT;
    int rc = bar_addr(f, bar, off, size, &addr);
    if (rc)
        return rc;
    int e = msix_entry(f, bar, off, &field);
    if (e >= 0 && field < 12 && (size == 4 || size == 8) && !(field & 3)) {
        uint64_t v = f->msix_shadow[e][field / 4];
        if (size == 8)
            v |= (uint64_t)(field < 8 ? f->msix_shadow[e][field / 4 + 1] : 0) << 32;
        *val = v;
        return 0;
    }
    int ran = qt_begin(q, 0);
    if (ran < 0)
        return ran;
    if (f->bar[bar].kind == QT_BAR_IO)
        rc = qt_cmd(q, val, "%s 0x%llx", in_cmd[size], (unsigned long long)addr);
    else
        rc = qt_read(q, addr, size, val);
    qt_end(q, ran);
    if (rc)
        *val = ~0ull;
    return rc ? -VK_EIO : 0;
}

int vs_qtest_bar_write(struct vs_qtest *q, uint32_t bdf, uint32_t bar, uint64_t off, uint32_t size,
                       uint64_t val)
{
    struct qt_fn *f = fn_of(q, bdf);
    uint64_t addr = 0;
    uint32_t field = 0;
    if (!f)
        return -VK_ENOENT;
    int rc = bar_addr(f, bar, off, size, &addr);
    if (rc)
        return rc;
    if ((rc = qt_begin(q, 1)) < 0)
        return rc;
    int e = msix_entry(f, bar, off, &field);
    if (e >= 0 && field < 12 && (size == 4 || size == 8) && !(field & 3)) {
        f->msix_shadow[e][field / 4] = (uint32_t)val;
        if (size == 8 && field < 8)
            f->msix_shadow[e][field / 4 + 1] = (uint32_t)(val >> 32);
        uint64_t base = f->bar[bar].addr + f->msix_off + (uint64_t)e * 16;
        uint64_t word = VS_QT_MSI_IOVA + 4ull * (1u + (uint32_t)e);
        rc = qt_write(q, base, 4, (uint32_t)word);
        rc = rc ? rc : qt_write(q, base + 4, 4, (uint32_t)(word >> 32));
        rc = rc ? rc : qt_write(q, base + 8, 4, QT_MSIX_DATA | (uint32_t)e);
        if (size == 8 && field == 8) /* data and control */
            rc = rc ? rc : qt_write(q, base + 12, 4, (uint32_t)(val >> 32));
    } else if (f->bar[bar].kind == QT_BAR_IO) {
        rc = qt_cmd(q, NULL, "%s 0x%llx 0x%llx", out_cmd[size], (unsigned long long)addr,
                    (unsigned long long)val);
    } else {
        rc = qt_write(q, addr, size, val);
    }
    qt_end(q, 1);
    return rc ? -VK_EIO : 0;
}

int vs_qtest_reset(struct vs_qtest *q, uint32_t bdf)
{
    struct qt_fn *f = fn_of(q, bdf);
    if (!f)
        return -VK_ENOENT;
    int rc = qt_begin(q, 1);
    if (rc < 0)
        return rc;
    rc = qt_write(q, QT_TESTDEV + 0x18, 4, bdf & 0xff);
    /* what the firmware set up comes back (as vrsim's platform does after an FLR) */
    for (int i = 0; !rc && i < 6; i++) {
        const struct qt_bar *b = &f->bar[i];
        if (b->kind == QT_BAR_NONE)
            continue;
        rc = cfg_wr(q, bdf, 0x10 + 4u * (uint32_t)i, 4, (uint32_t)b->addr | (b->kind == QT_BAR_IO));
        if (!rc && b->kind == QT_BAR_MEM64)
            rc = cfg_wr(q, bdf, 0x14 + 4u * (uint32_t)i, 4, (uint32_t)(b->addr >> 32));
    }
    if (!rc && f->line)
        rc = cfg_wr(q, bdf, 0x3c, 1, f->line);
    f->command = 0x3;
    f->msi_ctl = f->msix_ctl = 0;
    f->intx_level = 0;
    memset(f->msi_shadow, 0, sizeof f->msi_shadow);
    if (f->msix_shadow)
        memset(f->msix_shadow, 0, f->msix_nvec * sizeof f->msix_shadow[0]);
    if (!rc)
        rc = cfg_wr(q, bdf, 0x04, 2, f->command);
    memset(q->ram + f->msi_page, 0, QT_PAGE);
    qt_end(q, 1);
    return rc ? -VK_EIO : 0;
}

int vs_qtest_dma_map(struct vs_qtest *q, uint32_t bdf, uint64_t iova, uint64_t addr, uint64_t len,
                     uint32_t perm)
{
    struct qt_fn *f = fn_of(q, bdf);
    if (!f)
        return -VK_ENOMEM;
    if (iova < VS_QT_MSI_IOVA + QT_PAGE && VS_QT_MSI_IOVA < iova + len)
        return -VK_ENOMEM; /* the watched page's place in every domain */
    if (q->nmaps == q->capmaps) {
        size_t cap = q->capmaps ? q->capmaps * 2 : 16;
        struct qt_map *n = realloc(q->maps, cap * sizeof *n);
        if (!n)
            return -VK_ENOMEM;
        q->maps = n;
        q->capmaps = cap;
    }
    uint64_t bits = (perm & VK_DMA_READ ? 1u : 0u) | (perm & VK_DMA_WRITE ? 2u : 0u);
    for (uint64_t o = 0; o < len; o += QT_PAGE) {
        uint64_t *e = leaf(q, f, iova + o, 1);
        uint64_t phys = e ? page_get(q, addr + o) : 0;
        if (!phys) {
            for (uint64_t u = 0; u < o; u += QT_PAGE) {
                uint64_t *x = leaf(q, f, iova + u, 0);
                if (x)
                    *x = 0;
                page_put(q, addr + u);
            }
            q->tlb_dirty = 1;
            return -VK_ENOMEM;
        }
        *e = phys | bits;
    }
    q->maps[q->nmaps++] =
        (struct qt_map){.bdf = bdf, .perm = perm, .iova = iova, .addr = addr, .len = len};
    return 0;
}

void vs_qtest_dma_unmap(struct vs_qtest *q, uint32_t bdf, uint64_t iova, uint64_t len)
{
    struct qt_fn *f = fn_of(q, bdf);
    for (size_t i = 0; f && i < q->nmaps; i++) {
        struct qt_map *m = &q->maps[i];
        if (m->bdf != bdf || m->iova != iova || m->len != len)
            continue;
        for (uint64_t o = 0; o < len; o += QT_PAGE) {
            uint64_t *e = leaf(q, f, iova + o, 0);
            if (e)
                *e = 0;
            page_put(q, m->addr + o);
        }
        memmove(m, m + 1, (q->nmaps - i - 1) * sizeof *m);
        q->nmaps--;
        q->tlb_dirty = 1;
        return;
    }
}

int vs_qtest_fault(struct vs_qtest *q, uint32_t kind, uint32_t devfn)
{
    int rc = qt_write(q, QT_TESTDEV + 0x10, 4, devfn);
    return rc ? rc : qt_write(q, QT_TESTDEV + 0x0c, 4, kind);
}

int vs_qtest_fault_spec(struct vs_qtest *q, const char *spec, char *err, size_t errlen)
{
    static const char *const kinds[] = {"corrupt-used", "corrupt-status", "corrupt-data",
                                        "drop-irq", "dup-irq"};
    const char *at = strchr(spec, '@');
    size_t len = at ? (size_t)(at - spec) : strlen(spec);
    uint32_t devfn = 0xffff;
    unsigned dev = 0, fn = 0;
    char extra;
    if (at && (sscanf(at + 1, "%x.%x%c", &dev, &fn, &extra) != 2 || dev > 31 || fn > 7)) {
        snprintf(err, errlen, "--qemu-fault: '%s' is not a slot (DD.F)", at + 1);
        return -VK_EINVAL;
    }
    if (at)
        devfn = dev << 3 | fn;
    for (uint32_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i]) == len && !strncmp(kinds[i], spec, len)) {
            int rc = vs_qtest_fault(q, i + 1, devfn);
            if (rc)
                snprintf(err, errlen, "--qemu-fault: QEMU refused it");
            return rc;
        }
    snprintf(err, errlen,
             "--qemu-fault: '%.*s' is not corrupt-used, corrupt-status, corrupt-data, drop-irq "
             "or dup-irq",
             (int)len, spec);
    return -VK_EINVAL;
}

uint64_t vs_qtest_commands(const struct vs_qtest *q)
{
    return q->cmds;
}
