/*
 * The console object (veridian/kcall.h: console_write, console_read, and "the console as a
 * terminal"). Its bytes come from and go to the platform (platform.h, "console device").
 *
 * Two modes, chosen by the platform once before anything runs:
 *  - a byte stream (pipes, files): reads return what vk_plat_console_read gives, writes go
 *    out unchanged, no echo; console_ctl says ISATTY 0 and refuses the rest (-VK_ENOTTY).
 *  - a terminal (vk_console_attach_terminal): input runs through the line discipline
 *    (os/lib/ldisc) as soon as the platform has it (vk_console_input), whether or not anyone
 *    reads: echoes go straight to the console output, ^C/^\/^Z become signals to the
 *    foreground process group; reads take cooked lines or raw bytes (VMIN/VTIME in virtual
 *    time); writes go through output processing (ONLCR). The console keeps the foreground
 *    group and the session it is the terminal of (set by the first SETPGRP) and the window
 *    size the platform reports (a change sends SIGWINCH to the foreground group).
 *
 * Job control: a process of the console's session outside its foreground group that reads
 * gets SIGTTIN sent to its group (-VK_EIO when it ignores or blocks SIGTTIN); one that writes
 * with TOSTOP set, or changes the settings or the foreground group, gets SIGTTOU likewise
 * (unless it ignores or blocks SIGTTOU: then the call goes ahead), as on Linux. When the
 * signal stops the process the call waits for SIGCONT and checks again (Linux restarts it);
 * when a handler is to run the call returns -VK_EINTR. Processes of other sessions (or when
 * no session has claimed the console) are not checked.
 *
 * The discipline's queue is bounded (VL_LDISC_BUF): input it cannot take yet stays with the
 * platform (and in `held`) until a read makes room, so a paste is never lost.
 *
 * Output is paced in virtual time, as a terminal's flow control paces a writer on Linux: the
 * console drains CONSOLE_NS_PER_BYTE per byte behind a buffer of CONSOLE_TX_BUF bytes, and a
 * writer that is further ahead waits (vk_block) until the buffer has room. Writes never
 * block for long, but a program that writes without end (`yes`) sleeps most of its time and
 * leaves the CPU to the rest of the machine at a fine grain. The wait is not a place for
 * signals to fail a write: with a handler due, the write goes on unpaced (-VK_EINTR is
 * never returned for it); a killed writer stops.
 */

#include "kernel_internal.h"

#define CONSOLE_CHUNK 4096u
#define CONSOLE_NS_PER_BYTE 10u /* 100 MB/s of virtual time */
#define CONSOLE_TX_BUF 4096u
#define CON_SIG_INPUT (1ull << 62) /* pulsed on new input: wakes readers waiting for VMIN */

#define SIGTTIN_ 21u
#define SIGTTOU_ 22u
#define SIGWINCH_ 28u

static void con_echo(void *ctx, const char *buf, size_t len)
{
    struct vk_kernel *k = ctx;
    vk_plat_console_write(k, 0, buf, len);
}

static void con_signal(void *ctx, uint32_t signo)
{
    struct vk_kernel *k = ctx;
    if (k->console->pgrp)
        vk_signal_group(k, k->console->pgrp, signo, VK_SI_KERNEL);
}

static const struct vl_ldisc_ops con_ldisc_ops = {.echo = con_echo, .signal = con_signal};

void vk_console_attach_terminal(struct vk_kernel *k, const struct vk_winsize *ws)
{
    struct vk_console *con = k->console;
    con->terminal = 1;
    vl_ldisc_init(&con->ld, &con_ldisc_ops, k);
    if (ws)
        con->ws = *ws;
}

/* Readers and waiters see the discipline's state: READABLE while a read would return. */
static void update_readable(struct vk_kernel *k, struct vk_console *con)
{
    int r = con->hup || vl_ldisc_readable(&con->ld);
    vk_object_signal(k, &con->o, r ? VK_SIG_READABLE : 0, r ? 0 : VK_SIG_READABLE);
}

/* Move what the platform has into the discipline, as far as it has room. */
static void pump(struct vk_kernel *k, struct vk_console *con)
{
    int fed = 0;
    for (;;) {
        if (con->nheld) {
            size_t n = vl_ldisc_input(&con->ld, con->held, con->nheld, k->now);
            fed |= n != 0;
            vk_memmove(con->held, con->held + n, con->nheld - n);
            con->nheld -= (uint32_t)n;
            if (con->nheld)
                break; /* full: the rest waits for a read */
        }
        if (con->hup)
            break;
        long r = vk_plat_console_read(k, con->held, sizeof con->held);
        if (r == 0)
            con->hup = 1;
        if (r <= 0)
            break;
        con->nheld = (uint32_t)r;
    }
    if (fed || con->hup) { /* wake readers (they decide: VMIN, VTIME), then set READABLE */
        vk_object_signal(k, &con->o, CON_SIG_INPUT, 0);
        vk_object_signal(k, &con->o, 0, CON_SIG_INPUT);
    }
    update_readable(k, con);
}

void vk_console_input(struct vk_kernel *k)
{
    struct vk_console *con = k->console;
    if (con->terminal)
        pump(k, con);
    else
        vk_object_signal(k, &con->o, VK_SIG_READABLE, 0);
}

void vk_console_resize(struct vk_kernel *k, const struct vk_winsize *ws)
{
    struct vk_console *con = k->console;
    if (con->ws.rows == ws->rows && con->ws.cols == ws->cols && con->ws.xpixel == ws->xpixel &&
        con->ws.ypixel == ws->ypixel)
        return;
    con->ws = *ws;
    if (con->terminal && con->pgrp)
        vk_signal_group(k, con->pgrp, SIGWINCH_, VK_SI_KERNEL);
}

/* The console becomes the terminal of the session that uses it first as one (a read, a
 * SETATTR or a SETPGRP), with the user's group in the foreground: Linux's controlling
 * terminal, acquired at first use since processes get the console at spawn, not by open. */
static void claim(struct vk_console *con, struct vk_process *p)
{
    if (con->terminal && !con->sid && p->sid) {
        con->sid = p->sid;
        con->pgrp = p->pgid;
    }
}

void vk_console_foreground(struct vk_kernel *k, struct vk_process *p)
{
    claim(k->console, p);
}

/* Job control for the current thread on the console (see the top): 0 to go ahead, else the
 * call's result. A process that the signal stops waits here, and checks again once it is
 * continued (Linux restarts the call), so `fg` lets a stopped background read go on. */
static int job_check(struct vk_kernel *k, struct vk_console *con, struct vk_thread *t,
                     uint32_t signo)
{
    struct vk_process *p = t->proc;
    while (con->terminal && con->sid && p->sid == con->sid && p->pgid != con->pgrp) {
        int ignored = p->sigactions[signo - 1].handler == VK_SIG_IGN ||
                      (t->sig_mask & VK_SIG_BIT(signo)) != 0;
        if (ignored)
            return signo == SIGTTIN_ ? -VK_EIO : 0;
        vk_signal_group(k, p->pgid, signo, VK_SI_KERNEL);
        if (!p->stopped || t->killed)
            return t->killed ? -VK_ECANCELED : -VK_EINTR; /* a handler runs first */
        vk_signal_park(k);
        if (t->killed)
            return -VK_ECANCELED;
    }
    return 0;
}

/* Output pacing (see the top): n bytes take their place on the line behind what was written
 * before (so writers go out in turn: none is starved by a faster one), and the writer waits
 * until that place is within the buffer. 0 to write now, or -VK_ECANCELED (killed). */
static long pace(struct vk_kernel *k, struct vk_console *con, size_t n)
{
    const uint64_t ahead = (uint64_t)CONSOLE_TX_BUF * CONSOLE_NS_PER_BYTE;
    if (con->drained_at < k->now)
        con->drained_at = k->now;
    uint64_t start = con->drained_at;
    con->drained_at += (uint64_t)n * CONSOLE_NS_PER_BYTE;
    while (start > k->now + ahead) {
        long r = vk_block(k, start - ahead);
        if (r == -VK_ECANCELED)
            return r;
        if (r == -VK_EINTR)
            break; /* a handler is due: write unpaced rather than fail */
    }
    return 0;
}

long vk_sys_console_write(struct vk_kernel *k, uint32_t h, uint64_t ubuf, uint64_t len)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_CONSOLE, VK_RIGHT_WRITE, &e);
    if (rc)
        return rc;
    if (vk_uaccess_ok(k->cur->proc, ubuf, len, VK_RIGHT_READ))
        return -VK_EFAULT;
    struct vk_console *con = (struct vk_console *)e->obj;
    if ((con->ld.t.lflag & VL_TOSTOP) && (rc = job_check(k, con, k->cur, SIGTTOU_)))
        return rc;
    char buf[CONSOLE_CHUNK / 2];
    uint8_t out[CONSOLE_CHUNK];
    uint64_t done = 0;
    while (done < len) {
        size_t n = len - done < sizeof buf ? (size_t)(len - done) : sizeof buf;
        long pr = pace(k, con, n);
        if (pr)
            return done ? (long)done : pr;
        if ((rc = vk_plat_copy_in(k, k->cur->proc, buf, ubuf + done, n)))
            return done ? (long)done : rc;
        vk_trace(k, VK_TR_CONSOLE, e->badge, n, (uint64_t)(unsigned char)buf[0], 0, 0);
        if (!con->terminal) {
            long w = vk_plat_console_write(k, e->badge == 2, buf, n);
            if (w < 0)
                return done ? (long)done : w;
            done += (uint64_t)w;
            continue;
        }
        size_t used = 0;
        while (used < n) { /* out holds 2 bytes per input byte: one pass per chunk */
            size_t took;
            size_t m = vl_ldisc_output(&con->ld, (const uint8_t *)buf + used, n - used, out,
                                       sizeof out, &took);
            long w = vk_plat_console_write(k, e->badge == 2, out, m);
            if (w < 0)
                return done ? (long)done : w;
            used += took;
            done += took;
        }
    }
    return (long)done;
}

/* A read of the byte stream: what the platform has (it hands pipes over line by line). */
static long read_stream(struct vk_kernel *k, struct vk_console *con, char *buf, size_t len,
                        uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    long r;
    for (;;) {
        r = vk_plat_console_read(k, buf, len);
        if (r != -VK_EAGAIN)
            break;
        struct vk_observer ob = {.thread = t, .mask = VK_SIG_READABLE, .index = 0};
        vk_list_add_tail(&con->o.observers, &ob.link);
        vk_plat_console_want_input(k, 1);
        r = vk_block(k, deadline);
        vk_plat_console_want_input(k, 0);
        vk_list_del(&ob.link);
        if (r < 0)
            break;
    }
    return r;
}

/* A read of the terminal: through the line discipline, VTIME's timer in virtual time. */
static long read_terminal(struct vk_kernel *k, struct vk_console *con, char *buf, size_t len,
                          uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    uint64_t start = k->now;
    long r;
    for (;;) {
        pump(k, con);
        uint64_t wake;
        r = vl_ldisc_read(&con->ld, (uint8_t *)buf, len, start, k->now, &wake);
        if (r != -VK_EAGAIN)
            break;
        if (con->hup) {
            r = 0; /* the terminal went away: end of file once the queue is empty */
            break;
        }
        uint64_t until = wake < deadline ? wake : deadline;
        struct vk_observer ob = {.thread = t, .mask = CON_SIG_INPUT, .index = 0};
        vk_list_add_tail(&con->o.observers, &ob.link);
        vk_plat_console_want_input(k, 1);
        r = vk_block(k, until);
        vk_plat_console_want_input(k, 0);
        vk_list_del(&ob.link);
        if (r == -VK_ETIMEDOUT && until < deadline)
            continue; /* VTIME ran out: the discipline decides what that returns */
        if (r < 0)
            break;
    }
    pump(k, con); /* the read made room */
    return r;
}

long vk_sys_console_read(struct vk_kernel *k, uint32_t h, uint64_t ubuf, uint64_t len,
                         uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&t->proc->handles, h, VK_OBJ_CONSOLE, VK_RIGHT_READ, &e);
    if (rc)
        return rc;
    if (vk_uaccess_ok(t->proc, ubuf, len, VK_RIGHT_WRITE) ||
        vk_uprobe_write(k, ubuf, len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK))
        return -VK_EFAULT; /* input taken from the console must reach the guest */
    if (len == 0)
        return 0;
    struct vk_console *con = (struct vk_console *)e->obj;
    claim(con, t->proc);
    if ((rc = job_check(k, con, t, SIGTTIN_)))
        return rc;
    vk_object_ref(&con->o);
    char buf[CONSOLE_CHUNK];
    size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
    long r = con->terminal ? read_terminal(k, con, buf, n, deadline)
                           : read_stream(k, con, buf, n, deadline);
    vk_object_unref(k, &con->o);
    if (r > 0 && (rc = vk_copy_out(k, ubuf, buf, (size_t)r)))
        return rc;
    return r;
}

/* Whether some running process of session sid is in group pgid. */
static int group_in_session(struct vk_kernel *k, uint32_t pgid, uint32_t sid)
{
    for (struct vk_list *l = k->procs.next; l != &k->procs; l = l->next) {
        struct vk_process *p = VK_CONTAINER_OF(l, struct vk_process, link);
        if (p->state != VK_PROC_EXITED && p->pgid == pgid && p->sid == sid)
            return 1;
    }
    return 0;
}

long vk_sys_console_ctl(struct vk_kernel *k, uint32_t h, uint64_t op, uint64_t arg)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&p->handles, h, VK_OBJ_CONSOLE, 0, &e);
    if (rc)
        return rc;
    struct vk_console *con = (struct vk_console *)e->obj;
    if (op < VK_CON_GETATTR || op > VK_CON_FLUSH)
        return -VK_EINVAL;
    if (op == VK_CON_ISATTY)
        return con->terminal;
    if (!con->terminal)
        return -VK_ENOTTY;
    switch (op) {
    case VK_CON_GETATTR:
        return vk_copy_out(k, arg, &con->ld.t, sizeof con->ld.t);
    case VK_CON_SETATTR: {
        struct vk_termios nt;
        if (!(e->rights & VK_RIGHT_WRITE))
            return -VK_EPERM;
        if ((rc = vk_copy_in(k, &nt, arg, sizeof nt)))
            return rc;
        claim(con, p);
        if ((rc = job_check(k, con, t, SIGTTOU_)))
            return rc;
        vl_ldisc_set_termios(&con->ld, &nt);
        update_readable(k, con);
        return 0;
    }
    case VK_CON_GETPGRP:
        return con->pgrp;
    case VK_CON_SETPGRP:
        if (arg == 0 || arg > 0x7fffffffu)
            return -VK_EINVAL;
        if (con->sid && con->sid != p->sid)
            return -VK_ENOTTY; /* the terminal of another session */
        if (!group_in_session(k, (uint32_t)arg, p->sid))
            return -VK_EPERM;
        claim(con, p);
        if ((rc = job_check(k, con, t, SIGTTOU_)))
            return rc;
        con->sid = p->sid;
        con->pgrp = (uint32_t)arg;
        return 0;
    case VK_CON_GETWINSZ:
        return vk_copy_out(k, arg, &con->ws, sizeof con->ws);
    case VK_CON_FLUSH:
        if (arg > 2)
            return -VK_EINVAL;
        if (arg != 1) {
            vl_ldisc_flush(&con->ld);
            update_readable(k, con);
        }
        return 0;
    default:
        return -VK_EINVAL;
    }
}
