/*
 * gdbstub: the GDB remote-serial-protocol stub; the contract is in gdbstub.h. Packets are
 * read and answered synchronously; every length, address and number in a packet is parsed
 * with bounds before use, and guest memory is reached only through /proc/self/mem inside
 * the arenas (an unmapped page is an error reply, never a host fault).
 */
#include "sim/gdb/gdbstub.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <ucontext.h>
#include <unistd.h>

#include "os/kernel/kernel_internal.h"
#include "sim/core/machine.h"

#define PKT_MAX 16384
#define BP_MAX 256
#define EFLAGS_TF 0x100ull
#define REGS_BYTES 536
#define REQ_MAGIC                                                                                  \
    0x5652455645525345ull /* a reverse request in the supervisor's memfd */ /* gdb's default amd64 \
                                                                               register set: GPRs, \
                                                                               x87, SSE */

struct gdb_bp {
    uint64_t addr;
    uint8_t saved;
};

struct vs_gdb {
    struct vk_machine *m;
    int listen_fd, fd, memfd;
    int noack;
    int detached;
    char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    /* the stop being served */
    struct vk_thread *stopped; /* NULL: none (before the start) */
    ucontext_t *uc;            /* its registers when it trapped, or NULL */
    uint32_t gtid;             /* thread chosen by Hg (0: the stopped one) */
    /* resumption */
    int stepping;          /* the stopped thread resumes with the trap flag */
    int libraries_changed; /* a program started: the next stop says so (library:) */
    /* gdb's breakpoints, and one of ours: a step into a kernel call stops at its return */
    struct gdb_bp bp[BP_MAX];
    uint32_t nbp;
    uint64_t tmp_addr;
    uint8_t tmp_saved, tmp_active;
    char in[PKT_MAX + 8], out[PKT_MAX + 8];
    char xml[PKT_MAX * 4]; /* the library list being sent */
    /* reverse execution (a replay only): stops are numbered from the first (0); each one's
     * resumption and breakpoints are kept, so a re-execution from the start takes the same
     * path. The supervisor (the process at the first stop) forks a session; a reverse
     * request (target stop, event count, history) goes to it through req_fd and the session
     * ends; it forks a new one that runs silently to the target stop. */
    int reversible;
    int req_fd;
    uint64_t stop_no, target;
    uint64_t shown_until; /* the console output up to this event was printed already */
    uint8_t *hist_how;    /* per stop: SERVE_CONTINUE or SERVE_STEP */
    uint64_t *hist_pc;    /* per stop: where (0 before a thread ran) */
    uint32_t *hist_nbp;   /* per stop: breakpoints then */
    uint64_t *hist_bp;    /* their addresses, stop after stop */
    size_t nhist, caphist, nhbp, caphbp;
    uint64_t *want_bp; /* the target stop's breakpoints (gdb's at the request) */
    uint32_t nwant;
    /* reverse-stepi after a continue: the instruction before is found by counting. A session
     * re-executes to the stop before (the continue's), steps refine_tid from there one
     * instruction at a time (each a stop of the history) until it is where the request was
     * made (the same thread, pc and event count); then the stop before that one is the
     * target of an ordinary request. */
    int refining;
    uint32_t refine_tid;
    uint64_t refine_pc, refine_events, refine_steps;
    uint64_t *refine_bp; /* gdb's breakpoints at the request, for the final target */
    uint32_t nrefine_bp;
    int quiet_fd[2], saved_fd[2]; /* console output silenced until the request's event */
};

static int in_arenas(uint64_t a, uint64_t len)
{
    uint64_t lo = VS_ARENA_BASE, hi = VS_ARENA_BASE + VS_ARENA_MAX_MACHINES * VS_ARENA_STRIDE;
    return a >= lo && len <= hi - a && a + len <= hi;
}

static int mem_read(struct vs_gdb *g, uint64_t a, void *buf, size_t len)
{
    if (!in_arenas(a, len))
        return -EFAULT;
    ssize_t n = pread(g->memfd, buf, len, (off_t)a);
    return n == (ssize_t)len ? 0 : -EFAULT;
}

static int mem_write(struct vs_gdb *g, uint64_t a, const void *buf, size_t len)
{
    if (!in_arenas(a, len))
        return -EFAULT;
    ssize_t n = pwrite(g->memfd, buf, len, (off_t)a);
    return n == (ssize_t)len ? 0 : -EFAULT;
}

/* ---- packets ---- */

static const char hexd[] = "0123456789abcdef";

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_byte(struct vs_gdb *g)
{
    unsigned char c;
    for (;;) {
        ssize_t n = read(g->fd, &c, 1);
        if (n == 1)
            return c;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

static int send_packet(struct vs_gdb *g, const char *data)
{
    size_t len = strlen(data);
    unsigned sum = 0;
    char tail[4];
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)data[i];
    tail[0] = '#';
    tail[1] = hexd[(sum >> 4) & 15];
    tail[2] = hexd[sum & 15];
    if (write_all(g->fd, "$", 1) || write_all(g->fd, data, len) || write_all(g->fd, tail, 3))
        return -EIO;
    if (g->noack)
        return 0;
    for (;;) { /* wait for the ack (a '-' asks for it again) */
        int c = read_byte(g);
        if (c < 0)
            return -EIO;
        if (c == '+')
            return 0;
        if (c == '-')
            return send_packet(g, data);
    }
}

/* Reads one packet into g->in (NUL-terminated). 0, or -EIO when gdb went away. */
static int recv_packet(struct vs_gdb *g)
{
    for (;;) {
        int c;
        do {
            c = read_byte(g);
            if (c < 0)
                return -EIO;
        } while (c != '$');
        size_t n = 0;
        unsigned sum = 0;
        int overflow = 0;
        while ((c = read_byte(g)) >= 0 && c != '#') {
            if (n < PKT_MAX)
                g->in[n++] = (char)c;
            else
                overflow = 1;
            sum += (unsigned)c;
        }
        if (c < 0)
            return -EIO;
        int h1 = hexval(read_byte(g)), h2 = hexval(read_byte(g));
        g->in[n] = 0;
        if (g->noack && !overflow)
            return 0;
        if (overflow || h1 < 0 || h2 < 0 || (unsigned)(h1 * 16 + h2) != (sum & 0xff)) {
            if (write_all(g->fd, "-", 1))
                return -EIO;
            continue;
        }
        if (write_all(g->fd, "+", 1))
            return -EIO;
        return 0;
    }
}

/* Parses hex digits at *p; 0 and *p moved, or -1 when there are none (or too many). */
static int parse_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    while (hexval(*s) >= 0) {
        if (++n > 16)
            return -1;
        x = x << 4 | (uint64_t)hexval(*s++);
    }
    if (!n)
        return -1;
    *v = x;
    *p = s;
    return 0;
}

static void hex_encode(char *dst, const void *src, size_t len)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < len; i++) {
        dst[2 * i] = hexd[s[i] >> 4];
        dst[2 * i + 1] = hexd[s[i] & 15];
    }
    dst[2 * len] = 0;
}

static int hex_decode(void *dst, const char *src, size_t len)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < len; i++) {
        int a = hexval(src[2 * i]), b = a < 0 ? -1 : hexval(src[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        d[i] = (uint8_t)(a << 4 | b);
    }
    return 0;
}

/* ---- threads and registers ---- */

static struct vk_thread *find_thread(struct vs_gdb *g, uint32_t tid)
{
    struct vk_kernel *k = &g->m->k;
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        for (struct vk_list *tl = p->threads.next; tl != &p->threads; tl = tl->next) {
            struct vk_thread *t = VK_CONTAINER_OF(tl, struct vk_thread, proc_link);
            if (t->tid == tid && t->state != VK_T_DEAD)
                return t;
        }
    }
    return NULL;
}

static struct vk_thread *reg_thread(struct vs_gdb *g)
{
    struct vk_thread *t = g->gtid ? find_thread(g, g->gtid) : NULL;
    return t ? t : g->stopped;
}

/* gdb's amd64 order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 (8 bytes each), rip (8), eflags,
 * cs ss ds es fs gs (4 each), st0..st7 (10 each), fctrl fstat ftag fiseg fioff foseg fooff fop
 * (4 each), xmm0..xmm15 (16 each), mxcsr (4). */
static const int greg_of[16] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI,
                                REG_RBP, REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15};

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void regs_get(struct vs_gdb *g, struct vk_thread *t, uint8_t r[REGS_BYTES])
{
    memset(r, 0, REGS_BYTES);
    put32(r + 164 + 80, 0x37f);             /* fctrl */
    put32(r + 164 + 80 + 32 + 256, 0x1f80); /* mxcsr */
    put32(r + 140, 0x33);                   /* cs */
    put32(r + 144, 0x2b);                   /* ss */
    if (t && t == g->stopped && g->uc) {
        const greg_t *gr = g->uc->uc_mcontext.gregs;
        for (int i = 0; i < 16; i++)
            memcpy(r + 8 * i, &gr[greg_of[i]], 8);
        memcpy(r + 128, &gr[REG_RIP], 8);
        put32(r + 136, (uint32_t)gr[REG_EFL]);
        const struct _libc_fpstate *fp = g->uc->uc_mcontext.fpregs;
        if (fp) {
            for (int i = 0; i < 8; i++)
                memcpy(r + 164 + 10 * i, &fp->_st[i], 10);
            put32(r + 244, fp->cwd);
            put32(r + 248, fp->swd);
            put32(r + 252, fp->ftw);
            put32(r + 272, fp->fop);
            for (int i = 0; i < 16; i++)
                memcpy(r + 276 + 16 * i, &fp->_xmm[i], 16);
            put32(r + 532, fp->mxcsr);
        }
        return;
    }
    if (!t)
        return;
    uint64_t pc = 0, sp = 0;
    if (t->state == VK_T_NEW || (!t->kcalls && !t->plat.usp)) { /* not started yet */
        pc = t->entry;
        sp = t->entry_sp;
        memcpy(r + 8 * 5, &t->entry_arg, 8); /* rdi */
    } else if (t->plat.usp) { /* in a kernel call: its return address is on its stack */
        sp = t->plat.usp;
        if (mem_read(g, sp, &pc, 8) == 0)
            sp += 8;
    }
    memcpy(r + 8 * 7, &sp, 8);
    memcpy(r + 128, &pc, 8);
    put32(r + 136, 0x202);
}

static int regs_set(struct vs_gdb *g, const uint8_t r[REGS_BYTES])
{
    if (!g->uc || reg_thread(g) != g->stopped)
        return -EPERM; /* only the trapped thread has registers to write */
    greg_t *gr = g->uc->uc_mcontext.gregs;
    for (int i = 0; i < 16; i++)
        memcpy(&gr[greg_of[i]], r + 8 * i, 8);
    memcpy(&gr[REG_RIP], r + 128, 8);
    uint32_t fl;
    memcpy(&fl, r + 136, 4);
    /* the guest's own flags only: never AC/DF games with host code, TF is ours */
    gr[REG_EFL] = (greg_t)(((uint64_t)gr[REG_EFL] & ~0xcd5ull) | (fl & 0xcd5u));
    return 0;
}

/* Byte offset and size of register n in the g layout, or -1. */
static int reg_slot(uint64_t n, int *size)
{
    if (n < 17) {
        *size = 8;
        return (int)n * 8;
    }
    if (n < 24) {
        *size = 4;
        return 136 + (int)(n - 17) * 4;
    }
    if (n < 32) {
        *size = 10;
        return 164 + (int)(n - 24) * 10;
    }
    if (n < 40) {
        *size = 4;
        return 244 + (int)(n - 32) * 4;
    }
    if (n < 56) {
        *size = 16;
        return 276 + (int)(n - 40) * 16;
    }
    if (n == 56) {
        *size = 4;
        return 532;
    }
    return -1;
}

/* ---- breakpoints ---- */

static struct gdb_bp *bp_find(struct vs_gdb *g, uint64_t addr)
{
    for (uint32_t i = 0; i < g->nbp; i++)
        if (g->bp[i].addr == addr)
            return &g->bp[i];
    return NULL;
}

static int bp_insert(struct vs_gdb *g, uint64_t addr)
{
    uint8_t old, cc = 0xcc;
    if (bp_find(g, addr))
        return 0;
    if (g->nbp == BP_MAX || mem_read(g, addr, &old, 1))
        return -EFAULT;
    if (g->tmp_active && g->tmp_addr == addr)
        old = g->tmp_saved;
    else if (mem_write(g, addr, &cc, 1))
        return -EFAULT;
    g->bp[g->nbp++] = (struct gdb_bp){.addr = addr, .saved = old};
    return 0;
}

static int bp_remove(struct vs_gdb *g, uint64_t addr)
{
    struct gdb_bp *b = bp_find(g, addr);
    if (!b)
        return 0;
    if (!(g->tmp_active && g->tmp_addr == addr))
        mem_write(g, addr, &b->saved, 1);
    *b = g->bp[--g->nbp];
    return 0;
}

static void tmp_remove(struct vs_gdb *g)
{
    if (!g->tmp_active)
        return;
    if (!bp_find(g, g->tmp_addr))
        mem_write(g, g->tmp_addr, &g->tmp_saved, 1);
    g->tmp_active = 0;
}

static void tmp_insert(struct vs_gdb *g, uint64_t addr)
{
    uint8_t old, cc = 0xcc;
    tmp_remove(g);
    struct gdb_bp *b = bp_find(g, addr);
    if (b) {
        old = b->saved;
    } else if (mem_read(g, addr, &old, 1) || mem_write(g, addr, &cc, 1)) {
        return;
    }
    g->tmp_addr = addr;
    g->tmp_saved = old;
    g->tmp_active = 1;
}

/* Memory as the program has it: our int3s hidden (gdb hides its own, which it knows). */
static int mem_read_clean(struct vs_gdb *g, uint64_t a, uint8_t *buf, size_t len)
{
    if (mem_read(g, a, buf, len))
        return -EFAULT;
    if (g->tmp_active && g->tmp_addr - a < len && !bp_find(g, g->tmp_addr))
        buf[g->tmp_addr - a] = g->tmp_saved;
    return 0;
}

/* ---- the library list ---- */

static size_t libraries_xml(struct vs_gdb *g, char *buf, size_t cap)
{
    struct vk_kernel *k = &g->m->k;
    size_t o = (size_t)snprintf(buf, cap, "<library-list>");
    for (struct vk_list *l = k->procs.next; l != &k->procs && o < cap; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->name[0] != '/' || !p->base || p->state == VK_PROC_EXITED)
            continue;
        char name[sizeof p->name * 6];
        size_t n = 0;
        for (const char *s = p->name; *s && n + 7 < sizeof name; s++) { /* XML-escaped */
            if (*s == '&' || *s == '<' || *s == '>' || *s == '"')
                n += (size_t)snprintf(name + n, sizeof name - n, "&#%d;", *s);
            else
                name[n++] = *s;
        }
        name[n] = 0;
        o += (size_t)snprintf(buf + o, cap - o,
                              "<library name=\"%s\"><segment address=\"0x%" PRIx64 "\"/></library>",
                              name, p->base);
    }
    if (o < cap)
        o += (size_t)snprintf(buf + o, cap - o, "</library-list>");
    return o < cap ? o : cap;
}

static const char target_xml[] = "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM "
                                 "\"gdb-target.dtd\"><target><architecture>i386:x86-64"
                                 "</architecture><osabi>none</osabi></target>";

/* qXfer:OBJECT:read:ANNEX:OFF,LEN over a whole document. */
static void xfer_reply(struct vs_gdb *g, const char *doc, size_t len, const char *args)
{
    uint64_t off, n;
    const char *p = args;
    if (parse_hex(&p, &off) || *p++ != ',' || parse_hex(&p, &n) || *p) {
        send_packet(g, "E01");
        return;
    }
    if (n > PKT_MAX / 2)
        n = PKT_MAX / 2;
    if (off >= len) {
        send_packet(g, "l");
        return;
    }
    size_t take = len - off < n ? (size_t)(len - off) : (size_t)n;
    g->out[0] = take < len - off ? 'm' : 'l';
    memcpy(g->out + 1, doc + off, take); /* XML: no '$', '#' or '}' to escape */
    g->out[1 + take] = 0;
    send_packet(g, g->out);
}

/* ---- stop replies ---- */

/* Linux signal number -> gdb's. */
static int gdb_signal(int sig)
{
    switch (sig) {
    case SIGBUS:
        return 10;
    case SIGSYS:
        return 12;
    case SIGKILL:
        return 9;
    default:
        return sig; /* SIGILL 4, SIGTRAP 5, SIGFPE 8, SIGSEGV 11 agree */
    }
}

static void send_stop(struct vs_gdb *g, int sig, int swbreak)
{
    char buf[96];
    snprintf(buf, sizeof buf, "T%02xthread:%x;%s%s", gdb_signal(sig) & 0xff,
             g->stopped ? g->stopped->tid : 1, swbreak ? "swbreak:;" : "",
             g->libraries_changed ? "library:;" : "");
    g->libraries_changed = 0;
    send_packet(g, buf);
}

/* ---- the conversation ---- */

enum { SERVE_CONTINUE, SERVE_STEP, SERVE_DETACH, SERVE_REVERSE };

static void thread_list(struct vs_gdb *g)
{
    struct vk_kernel *k = &g->m->k;
    size_t o = 0;
    g->out[o++] = 'm';
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        for (struct vk_list *tl = p->threads.next; tl != &p->threads; tl = tl->next) {
            struct vk_thread *t = VK_CONTAINER_OF(tl, struct vk_thread, proc_link);
            if (t->state == VK_T_DEAD || o + 12 > PKT_MAX)
                continue;
            o += (size_t)snprintf(g->out + o, PKT_MAX - o, "%s%x", o > 1 ? "," : "", t->tid);
        }
    }
    g->out[o] = 0;
    send_packet(g, o > 1 ? g->out : "l");
}

static int serve(struct vs_gdb *g, int sig, int swbreak)
{
    uint8_t regs[REGS_BYTES];
    send_stop(g, sig, swbreak);
    for (;;) {
        if (recv_packet(g))
            return SERVE_DETACH;
        const char *p = g->in + 1;
        uint64_t a, n;
        switch (g->in[0]) {
        case '?':
            send_stop(g, sig, swbreak);
            continue;
        case 'g':
            regs_get(g, reg_thread(g), regs);
            hex_encode(g->out, regs, sizeof regs);
            send_packet(g, g->out);
            continue;
        case 'G':
            if (strlen(p) < 2 * 164 || hex_decode(regs, p, 164)) {
                send_packet(g, "E01");
                continue;
            }
            send_packet(g, regs_set(g, regs) ? "E01" : "OK");
            continue;
        case 'p': {
            int size, off;
            if (parse_hex(&p, &a) || (off = reg_slot(a, &size)) < 0) {
                send_packet(g, "E01");
                continue;
            }
            regs_get(g, reg_thread(g), regs);
            hex_encode(g->out, regs + off, (size_t)size);
            send_packet(g, g->out);
            continue;
        }
        case 'P': {
            int size, off;
            if (parse_hex(&p, &a) || *p++ != '=' || (off = reg_slot(a, &size)) < 0 || off >= 164 ||
                strlen(p) != (size_t)size * 2) {
                send_packet(g, "E01");
                continue;
            }
            regs_get(g, reg_thread(g), regs);
            if (hex_decode(regs + off, p, (size_t)size)) {
                send_packet(g, "E01");
                continue;
            }
            send_packet(g, regs_set(g, regs) ? "E01" : "OK");
            continue;
        }
        case 'm': {
            uint8_t buf[PKT_MAX / 2];
            if (parse_hex(&p, &a) || *p++ != ',' || parse_hex(&p, &n) || n > sizeof buf / 2) {
                send_packet(g, "E01");
                continue;
            }
            if (mem_read_clean(g, a, buf, (size_t)n)) {
                send_packet(g, "E14");
                continue;
            }
            hex_encode(g->out, buf, (size_t)n);
            send_packet(g, g->out);
            continue;
        }
        case 'M': {
            uint8_t buf[PKT_MAX / 2];
            if (parse_hex(&p, &a) || *p++ != ',' || parse_hex(&p, &n) || *p++ != ':' ||
                n > sizeof buf || strlen(p) != n * 2 || hex_decode(buf, p, (size_t)n)) {
                send_packet(g, "E01");
                continue;
            }
            send_packet(g, mem_write(g, a, buf, (size_t)n) ? "E14" : "OK");
            continue;
        }
        case 'Z':
        case 'z':
            if (g->in[1] != '0' || g->in[2] != ',') {
                send_packet(g, ""); /* software breakpoints only */
                continue;
            }
            p = g->in + 3;
            if (parse_hex(&p, &a)) {
                send_packet(g, "E01");
                continue;
            }
            if (g->in[0] == 'Z')
                send_packet(g, bp_insert(g, a) ? "E14" : "OK");
            else
                send_packet(g, bp_remove(g, a) ? "E14" : "OK");
            continue;
        case 'H':
            if (g->in[1] == 'g') {
                p = g->in + 2;
                if (*p == '-' || parse_hex(&p, &a))
                    a = 0;
                g->gtid = (uint32_t)a;
            }
            send_packet(g, "OK");
            continue;
        case 'T':
            send_packet(g, parse_hex(&p, &a) == 0 && find_thread(g, (uint32_t)a) ? "OK" : "E01");
            continue;
        case 'c':
            return SERVE_CONTINUE;
        case 'b':
            /* bs: one instruction back (after a continue, found by counting steps: see
             * refining); bc: back to the last earlier stop at a breakpoint */
            if ((g->in[1] == 'c' || g->in[1] == 's') && g->reversible)
                return SERVE_REVERSE;
            send_packet(g, "E01");
            continue;
        case 's':
            return SERVE_STEP;
        case 'C':
        case 'S':
            return g->in[0] == 'S' ? SERVE_STEP : SERVE_CONTINUE; /* the signal is dropped */
        case 'D':
            send_packet(g, "OK");
            return SERVE_DETACH;
        case 'k':
            g->m->stop = 1;
            return SERVE_DETACH;
        case 'v':
            if (!strncmp(g->in, "vCont?", 6)) {
                send_packet(g, "vCont;c;C;s;S");
            } else if (!strncmp(g->in, "vCont;", 6)) {
                char act = g->in[6];
                return act == 's' || act == 'S' ? SERVE_STEP : SERVE_CONTINUE;
            } else if (!strncmp(g->in, "vKill", 5)) {
                send_packet(g, "OK");
                g->m->stop = 1;
                return SERVE_DETACH;
            } else {
                send_packet(g, "");
            }
            continue;
        case 'q':
            break;
        case 'Q':
            if (!strcmp(g->in, "QStartNoAckMode")) {
                send_packet(g, "OK");
                g->noack = 1;
            } else {
                send_packet(g, "");
            }
            continue;
        default:
            send_packet(g, "");
            continue;
        }
        /* q packets */
        if (!strncmp(g->in, "qSupported", 10)) {
            snprintf(g->out, PKT_MAX,
                     "PacketSize=%x;qXfer:libraries:read+;qXfer:features:read+;swbreak+;"
                     "QStartNoAckMode+;vContSupported+%s",
                     PKT_MAX, g->reversible ? ";ReverseContinue+;ReverseStep+" : "");
            send_packet(g, g->out);
        } else if (!strncmp(g->in, "qXfer:features:read:target.xml:", 31)) {
            xfer_reply(g, target_xml, sizeof target_xml - 1, g->in + 31);
        } else if (!strncmp(g->in, "qXfer:libraries:read::", 22)) {
            size_t len = libraries_xml(g, g->xml, sizeof g->xml);
            xfer_reply(g, g->xml, len, g->in + 22);
        } else if (!strcmp(g->in, "qfThreadInfo")) {
            thread_list(g);
        } else if (!strcmp(g->in, "qsThreadInfo")) {
            send_packet(g, "l");
        } else if (!strcmp(g->in, "qC")) {
            snprintf(g->out, PKT_MAX, "QC%x", g->stopped ? g->stopped->tid : 1);
            send_packet(g, g->out);
        } else if (!strcmp(g->in, "qAttached")) {
            send_packet(g, "1");
        } else if (!strncmp(g->in, "qThreadExtraInfo,", 17)) {
            p = g->in + 17;
            struct vk_thread *t = parse_hex(&p, &a) ? NULL : find_thread(g, (uint32_t)a);
            char info[128];
            static const char *const st[] = {"new", "runnable", "running", "blocked", "dead"};
            snprintf(info, sizeof info, "pid %u %s, %s", t ? t->proc->pid : 0,
                     t ? t->proc->name : "?", t && t->state < 5 ? st[t->state] : "?");
            hex_encode(g->out, info, strlen(info));
            send_packet(g, g->out);
        } else if (!strncmp(g->in, "qSymbol", 7)) {
            send_packet(g, "OK");
        } else {
            send_packet(g, "");
        }
    }
}

static int hist_push(struct vs_gdb *g, int how, uint64_t pc)
{
    if (g->nhist == g->caphist) {
        size_t n = g->caphist ? g->caphist * 2 : 256;
        uint8_t *a = realloc(g->hist_how, n);
        if (a)
            g->hist_how = a;
        uint32_t *b = realloc(g->hist_nbp, n * sizeof *b);
        if (b)
            g->hist_nbp = b;
        uint64_t *c = realloc(g->hist_pc, n * sizeof *c);
        if (c)
            g->hist_pc = c;
        if (!a || !b || !c)
            return -ENOMEM;
        g->caphist = n;
    }
    g->hist_pc[g->nhist] = pc;
    if (g->caphbp - g->nhbp < g->nbp) {
        size_t n = g->caphbp ? g->caphbp : 256;
        while (n - g->nhbp < g->nbp)
            n *= 2;
        uint64_t *c = realloc(g->hist_bp, n * sizeof *c);
        if (!c)
            return -ENOMEM;
        g->hist_bp = c;
        g->caphbp = n;
    }
    g->hist_how[g->nhist] = (uint8_t)how;
    g->hist_nbp[g->nhist++] = g->nbp;
    for (uint32_t i = 0; i < g->nbp; i++)
        g->hist_bp[g->nhbp++] = g->bp[i].addr;
    return 0;
}

/* Exactly these breakpoints inserted. */
static void bp_set(struct vs_gdb *g, const uint64_t *addr, uint32_t n)
{
    while (g->nbp)
        bp_remove(g, g->bp[0].addr);
    for (uint32_t i = 0; i < n; i++)
        bp_insert(g, addr[i]);
}

/* A reverse request: to the supervisor, then this session ends (no output: its future is
 * re-executed). Layout: u64 magic, target, events, nhist, nhbp, nbp, noack, refine, refine's
 * tid, pc and event count, 0; how[]; nbp[]; pc[]; bp[]; gdb's bp[] (for the target). */
static _Noreturn void reverse_request(struct vs_gdb *g, int step)
{
    /* bs: the stop before when that one stepped here; after a continue, the stop before is
     * re-executed and stepped from (refine) to find the instruction before this one. bc: the
     * last earlier stop at one of gdb's breakpoints, else the beginning */
    uint64_t target = g->stop_no ? g->stop_no - 1 : 0;
    uint64_t refine = 0, rpc = g->uc ? (uint64_t)g->uc->uc_mcontext.gregs[REG_RIP] : 0;
    if (!step) {
        while (target > 0 && !bp_find(g, g->hist_pc[target]))
            target--;
    } else if (g->stop_no > 0 && g->hist_how[target] != SERVE_STEP && g->stopped && g->uc) {
        refine = 1;
    }
    /* refining needs the target stop's own breakpoints too: its entry is sent */
    size_t nh = (size_t)target + (size_t)refine, nb = 0;
    for (size_t i = 0; i < nh; i++)
        nb += g->hist_nbp[i];
    uint64_t shown = vs_trace_count(&g->m->trace); /* output so far was all printed */
    if (g->shown_until > shown)
        shown = g->shown_until;
    const uint64_t *want = g->refining ? g->refine_bp : NULL;
    uint32_t nwant = g->refining ? g->nrefine_bp : g->nbp;
    uint64_t hdr[12] = {REQ_MAGIC,
                        target,
                        shown,
                        nh,
                        nb,
                        nwant,
                        (uint64_t)g->noack,
                        refine,
                        refine ? g->stopped->tid : 0,
                        rpc,
                        vs_trace_count(&g->m->trace),
                        0};
    off_t o = 0;
    int ok = pwrite(g->req_fd, hdr, sizeof hdr, o) == (ssize_t)sizeof hdr;
    o += sizeof hdr;
    ok = ok && (nh == 0 || pwrite(g->req_fd, g->hist_how, nh, o) == (ssize_t)nh);
    o += (off_t)nh;
    ok = ok && (nh == 0 || pwrite(g->req_fd, g->hist_nbp, nh * 4, o) == (ssize_t)(nh * 4));
    o += (off_t)(nh * 4);
    ok = ok && (nh == 0 || pwrite(g->req_fd, g->hist_pc, nh * 8, o) == (ssize_t)(nh * 8));
    o += (off_t)(nh * 8);
    ok = ok && (nb == 0 || pwrite(g->req_fd, g->hist_bp, nb * 8, o) == (ssize_t)(nb * 8));
    o += (off_t)(nb * 8);
    for (uint32_t i = 0; ok && i < nwant; i++, o += 8)
        ok = pwrite(g->req_fd, want ? &want[i] : &g->bp[i].addr, 8, o) == 8;
    _exit(ok ? 0 : 70);
}

/* The refining session's stop (see struct vs_gdb): 1 to step on silently; at the request's
 * stop, a request for the stop before it (does not return); 0 to give up counting and serve
 * gdb here (another thread than the one to step, or a step budget spent: the stop before
 * the continue is then the answer, as gdb is told by where it is). */
static int refine_stop(struct vs_gdb *g, struct vk_thread *t, ucontext_t *uc)
{
    uint64_t pc = uc ? (uint64_t)uc->uc_mcontext.gregs[REG_RIP] : 0;
    if (!t || t->tid != g->refine_tid || g->refine_steps++ > 5000000u) {
        g->refining = 0;
        if (g->stop_no == g->target) { /* served here, with gdb's breakpoints */
            free(g->want_bp);
            g->want_bp = g->refine_bp;
            g->nwant = g->nrefine_bp;
            g->refine_bp = NULL;
            return 0;
        }
        bp_set(g, g->refine_bp, g->nrefine_bp);
        return 0;
    }
    if (g->stop_no == g->target) { /* the continue's stop: its breakpoints, and step */
        size_t first = 0;
        for (size_t i = 0; i < g->stop_no; i++)
            first += g->hist_nbp[i];
        bp_set(g, g->hist_bp + first, g->hist_nbp[g->stop_no]);
        g->nhist = g->stop_no; /* the history from here on is this session's */
        g->nhbp = first;
        return 1;
    }
    if (uc && pc == g->refine_pc && vs_trace_count(&g->m->trace) == g->refine_events) {
        g->stopped = t;
        g->uc = uc;
        reverse_request(g, 1); /* the stop before this one stepped here: exact */
    }
    return 1;
}

/* Serves a stop and applies gdb's answer to the trapped context. */
static void stop_and_serve(struct vs_gdb *g, struct vk_thread *t, ucontext_t *uc, int sig,
                           int swbreak)
{
    int how;
    /* host code runs now, inside a guest's trap: marked so, or a trap it takes (an rdtsc of
     * the allocator's) would be answered as the guest's and charge it virtual time */
    uint8_t in_kernel = t ? t->plat.in_kernel : 0;
    if (t)
        t->plat.in_kernel = 1;
    g->stopped = t;
    g->uc = uc;
    g->gtid = 0;
    if (g->stop_no < g->target) { /* re-executing towards a reverse target: as it went */
        size_t first = 0;
        for (size_t i = 0; i < g->stop_no; i++)
            first += g->hist_nbp[i];
        how = g->hist_how[g->stop_no];
        bp_set(g, g->hist_bp + first, g->hist_nbp[g->stop_no]);
        g->libraries_changed = 0; /* gdb knew of them then: a silent stop says nothing */
        g->stop_no++;
    } else if (g->refining && refine_stop(g, t, uc)) {
        how = SERVE_STEP; /* counting instructions towards the request's stop: silently */
        g->libraries_changed = 0;
        uint64_t pc = uc ? (uint64_t)uc->uc_mcontext.gregs[REG_RIP] : 0;
        if (hist_push(g, how, pc))
            g->refining = 0; /* out of memory: the next stop is served as it is */
        g->stop_no++;
    } else {
        if (g->stop_no == g->target && g->want_bp) { /* arrived: gdb's breakpoints now */
            bp_set(g, g->want_bp, g->nwant);
            free(g->want_bp);
            g->want_bp = NULL;
            g->nhist = g->stop_no; /* the history from here on is this session's */
            size_t nb = 0;
            for (size_t i = 0; i < g->nhist; i++)
                nb += g->hist_nbp[i];
            g->nhbp = nb;
        }
        how = serve(g, sig, swbreak);
        if (how == SERVE_REVERSE)
            reverse_request(g, g->in[1] == 's');
        uint64_t pc = uc ? (uint64_t)uc->uc_mcontext.gregs[REG_RIP] : 0;
        if (g->reversible && how != SERVE_DETACH && hist_push(g, how, pc))
            g->reversible = 0;
        g->stop_no++;
    }
    g->stepping = how == SERVE_STEP && uc;
    if (uc) {
        greg_t *fl = &uc->uc_mcontext.gregs[REG_EFL];
        *fl = g->stepping ? (greg_t)((uint64_t)*fl | EFLAGS_TF)
                          : (greg_t)((uint64_t)*fl & ~EFLAGS_TF);
    } else if (how == SERVE_STEP && t && (t->state == VK_T_NEW || (!t->kcalls && !t->plat.usp))) {
        tmp_insert(g, t->entry); /* a step before the first instruction: stop there */
    }
    if (how == SERVE_DETACH) {
        while (g->nbp)
            bp_remove(g, g->bp[0].addr);
        tmp_remove(g);
        g->detached = 1;
        if (uc)
            uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
    }
    g->stopped = NULL;
    g->uc = NULL;
    if (t)
        t->plat.in_kernel = in_kernel;
}

/* The machine's trap hook (machine.h on_trap): 1 when the trap was the debugger's. */
static int on_trap(struct vk_machine *m, struct vk_thread *t, int sig, void *ucv)
{
    struct vs_gdb *g = m->gdb;
    ucontext_t *uc = ucv;
    greg_t *gr = uc->uc_mcontext.gregs;
    uint64_t pc = (uint64_t)gr[REG_RIP];
    if (!g || g->detached || g->fd < 0)
        return 0;
    if (sig != SIGTRAP) { /* a crash: gdb sees it first, then the thread dies */
        stop_and_serve(g, t, uc, sig, 0);
        return 0;
    }
    int ours = g->tmp_active && pc - 1 == g->tmp_addr;
    int gdbs = bp_find(g, pc - 1) != NULL;
    if (ours || gdbs) { /* an int3 of ours: the pc goes back onto the breakpoint */
        gr[REG_RIP] = (greg_t)(pc - 1);
        if (ours)
            tmp_remove(g);
        stop_and_serve(g, t, uc, SIGTRAP, gdbs);
        return 1;
    }
    if (g->stepping && (uint64_t)gr[REG_EFL] & EFLAGS_TF) {
        if (!in_arenas(pc, 1)) {
            /* stepped into the kernel-call trampoline: no trap in host code; stop where the
             * call returns to (the address on top of the guest's stack) */
            uint64_t ret;
            gr[REG_EFL] &= ~(greg_t)EFLAGS_TF;
            g->stepping = 0;
            if (mem_read(g, (uint64_t)gr[REG_RSP], &ret, 8) == 0)
                tmp_insert(g, ret);
            return 1;
        }
        stop_and_serve(g, t, uc, SIGTRAP, 0);
        return 1;
    }
    stop_and_serve(g, t, uc, SIGTRAP, 0); /* the program's own int3 */
    return 1;
}

/* A program's main thread starts: gdb learns of the new library (its symbols, pending
 * breakpoints) at a stop before the first instruction; gdb continues by itself. */
static void on_thread_start(struct vk_machine *m, struct vk_thread *t)
{
    struct vs_gdb *g = m->gdb;
    if (!g || g->detached || g->fd < 0 || t->proc->name[0] != '/' || t->proc->nthreads != 1)
        return;
    g->libraries_changed = 1;
    stop_and_serve(g, t, NULL, SIGTRAP, 0);
}

int vs_gdb_create(struct vs_gdb **out, struct vk_machine *m, const char *where, char *err,
                  size_t errlen)
{
    struct vs_gdb *g = calloc(1, sizeof *g);
    int rc;
    if (!g)
        return -ENOMEM;
    g->m = m;
    g->fd = g->listen_fd = g->req_fd = -1;
    g->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    if (g->memfd < 0) {
        rc = -errno;
        snprintf(err, errlen, "gdb: cannot open /proc/self/mem: %s", strerror(errno));
        goto fail;
    }
    char *end;
    unsigned long port = strtoul(where, &end, 10);
    if (*where && !*end) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t sl = sizeof sa;
        int one = 1;
        if (port > 65535) {
            rc = -EINVAL;
            snprintf(err, errlen, "gdb: port %lu is out of range", port);
            goto fail;
        }
        g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (g->listen_fd < 0 ||
            setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
            bind(g->listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(g->listen_fd, 1) ||
            getsockname(g->listen_fd, (struct sockaddr *)&sa, &sl)) {
            rc = -errno;
            snprintf(err, errlen, "gdb: cannot listen on port %lu: %s", port, strerror(errno));
            goto fail;
        }
        fprintf(stderr, "vrsim: gdb: listening on port %u\n", ntohs(sa.sin_port));
    } else {
        struct sockaddr_un su = {.sun_family = AF_UNIX};
        if (strlen(where) >= sizeof su.sun_path) {
            rc = -ENAMETOOLONG;
            snprintf(err, errlen, "gdb: socket path too long: %s", where);
            goto fail;
        }
        strcpy(su.sun_path, where);
        g->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (g->listen_fd < 0 || bind(g->listen_fd, (struct sockaddr *)&su, sizeof su) ||
            listen(g->listen_fd, 1)) {
            rc = -errno;
            snprintf(err, errlen, "gdb: cannot listen on %s: %s", where, strerror(errno));
            goto fail;
        }
        strcpy(g->unix_path, where);
        fprintf(stderr, "vrsim: gdb: listening on %s\n", where);
    }
    fflush(stderr);
    m->gdb = g;
    m->on_trap = on_trap;
    m->on_thread_start = on_thread_start;
    *out = g;
    return 0;
fail:
    vs_gdb_destroy(g);
    return rc;
}

/* Output comes back at the event where the session that asked to reverse had stopped. */
static void output_back(struct vk_machine *m)
{
    struct vs_gdb *g = m->gdb;
    m->con.out_fd = g->saved_fd[0];
    m->con.err_fd = g->saved_fd[1];
}

/* The supervisor: stays at the first stop, forks sessions and re-forks one for each reverse
 * request; exits with the last session's status. Returns in a session. */
static void supervise(struct vs_gdb *g)
{
    struct vk_machine *m = g->m;
    g->req_fd = memfd_create("vrsim-gdb-reverse", MFD_CLOEXEC);
    if (g->req_fd < 0)
        return; /* no reverse execution, the rest works */
    g->reversible = 1;
    for (;;) {
        uint64_t zero[12] = {0};
        if (pwrite(g->req_fd, zero, sizeof zero, 0) != (ssize_t)sizeof zero)
            _exit(70);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            _exit(71);
        if (pid == 0) { /* /proc/self/mem opened before the fork is the supervisor's memory */
            close(g->memfd);
            g->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
            return;
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR)
                _exit(72);
        uint64_t hdr[12];
        if (pread(g->req_fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
            hdr[0] != REQ_MAGIC) /* the session ended: so does vrsim */
            _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        /* next session: re-execute from here to the target stop, silently until the event
         * the previous session had reached */
        uint64_t nh = hdr[3], nb = hdr[4], nw = hdr[5];
        if (nh > (1u << 24) || nb > (1u << 26) || nw > BP_MAX)
            _exit(73);
        free(g->hist_how);
        free(g->hist_nbp);
        free(g->hist_pc);
        free(g->hist_bp);
        free(g->want_bp);
        g->hist_how = malloc(nh + 1);
        g->hist_nbp = malloc((nh + 1) * 4);
        g->hist_pc = malloc((nh + 1) * 8);
        g->hist_bp = malloc((nb + 1) * 8);
        g->want_bp = malloc((nw + 1) * 8);
        if (!g->hist_how || !g->hist_nbp || !g->hist_pc || !g->hist_bp || !g->want_bp)
            _exit(74);
        off_t o = sizeof hdr;
        if (pread(g->req_fd, g->hist_how, nh, o) != (ssize_t)nh ||
            pread(g->req_fd, g->hist_nbp, nh * 4, o + (off_t)nh) != (ssize_t)(nh * 4) ||
            pread(g->req_fd, g->hist_pc, nh * 8, o + (off_t)(nh * 5)) != (ssize_t)(nh * 8) ||
            pread(g->req_fd, g->hist_bp, nb * 8, o + (off_t)(nh * 13)) != (ssize_t)(nb * 8) ||
            pread(g->req_fd, g->want_bp, nw * 8, o + (off_t)(nh * 13 + nb * 8)) !=
                (ssize_t)(nw * 8))
            _exit(75);
        g->noack = hdr[6] != 0;
        g->nhist = g->caphist = nh;
        g->nhbp = g->caphbp = nb;
        g->nwant = (uint32_t)nw;
        g->target = hdr[1];
        g->shown_until = hdr[2];
        free(g->refine_bp);
        g->refine_bp = NULL;
        g->refining = hdr[7] != 0 && nh == hdr[1] + 1;
        g->refine_steps = 0;
        if (g->refining) { /* gdb's breakpoints wait for the final target */
            g->refine_tid = (uint32_t)hdr[8];
            g->refine_pc = hdr[9];
            g->refine_events = hdr[10];
            g->refine_bp = g->want_bp;
            g->nrefine_bp = g->nwant;
            g->want_bp = NULL;
            g->nwant = 0;
        }
        if (g->quiet_fd[0] <= 0) {
            g->quiet_fd[0] = open("/dev/null", O_WRONLY | O_CLOEXEC);
            g->saved_fd[0] = m->con.out_fd;
            g->saved_fd[1] = m->con.err_fd;
        }
        if (g->quiet_fd[0] >= 0 && hdr[2] > vs_trace_count(&m->trace)) {
            m->con.out_fd = m->con.err_fd = g->quiet_fd[0];
            m->until_events = hdr[2];
            m->until_ns = UINT64_MAX;
            m->on_until = output_back;
        }
    }
}

int vs_gdb_attach(struct vs_gdb *g)
{
    do
        g->fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    while (g->fd < 0 && errno == EINTR);
    if (g->fd < 0)
        return -errno;
    if (g->m->replay) /* a replay re-executes exactly: reverse execution by re-running */
        supervise(g);
    /* the first stop: before any guest instruction, at the first thread */
    struct vk_thread *first = NULL;
    struct vk_kernel *k = &g->m->k;
    if (!vk_list_empty(&k->procs)) {
        struct vk_process *p = VK_CONTAINER_OF(k->procs.next, struct vk_process, link);
        if (!vk_list_empty(&p->threads))
            first = VK_CONTAINER_OF(p->threads.next, struct vk_thread, proc_link);
    }
    stop_and_serve(g, first, NULL, SIGTRAP, 0);
    return 0;
}

void vs_gdb_exited(struct vs_gdb *g, int status)
{
    char buf[16];
    if (!g || g->fd < 0 || g->detached)
        return;
    snprintf(buf, sizeof buf, "W%02x", status & 0xff);
    send_packet(g, buf);
}

void vs_gdb_destroy(struct vs_gdb *g)
{
    if (!g)
        return;
    if (g->m && g->m->gdb == g) {
        g->m->gdb = NULL;
        g->m->on_trap = NULL;
        g->m->on_thread_start = NULL;
    }
    if (g->fd >= 0)
        close(g->fd);
    if (g->listen_fd >= 0)
        close(g->listen_fd);
    if (g->unix_path[0])
        unlink(g->unix_path);
    if (g->memfd >= 0)
        close(g->memfd);
    if (g->req_fd >= 0)
        close(g->req_fd);
    free(g->hist_how);
    free(g->hist_nbp);
    free(g->hist_pc);
    free(g->hist_bp);
    free(g->want_bp);
    free(g->refine_bp);
    free(g);
}
