/*
 * Host end of the simulated console: the host terminal (raw mode when stdin is a tty) or
 * plain pipes, and the wall clock for --pace wall.
 *
 * This is one of the few modules that touches the host clock and host I/O; whatever it
 * feeds into the simulation is delivered at a virtual time chosen by the idle loop. With
 * pipes, input is handed to guests line by line (see vk_plat_console_read), so how the
 * host chunks a pipe never changes a run. In raw tty mode Ctrl-A x leaves vrsim.
 */
#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim/core/machine.h"

static uint64_t wall_ns(void);

uint64_t vs_host_ns(void)
{
    return wall_ns();
}

/* Through the system call, not the vDSO: the vDSO reads the TSC, and vrsim traps rdtsc
 * (trap.c) to answer guests from virtual time; a host read would cost a signal. */
static uint64_t wall_ns(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vs_wall_elapsed_ns(const struct vs_console *c)
{
    return wall_ns() - c->wall_start_ns;
}

int vs_console_open(struct vs_console *c, int pace_wall)
{
    memset(c, 0, sizeof *c);
    c->in_fd = STDIN_FILENO;
    c->out_fd = STDOUT_FILENO;
    c->err_fd = STDERR_FILENO;
    c->tty = isatty(c->in_fd);
    c->wall_start_ns = wall_ns();
    (void)pace_wall;
    if (c->tty && tcgetattr(c->in_fd, &c->saved_termios) == 0) {
        struct termios raw = c->saved_termios;
        raw.c_iflag &= ~(unsigned)(BRKINT | INPCK | ISTRIP | IXON); /* keep ICRNL: Enter is \n */
        raw.c_lflag &= ~(unsigned)(ECHO | ICANON | IEXTEN | ISIG);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(c->in_fd, TCSAFLUSH, &raw) == 0)
            c->raw_active = 1;
    }
    return 0;
}

void vs_console_close(struct vs_console *c)
{
    if (c->raw_active)
        tcsetattr(c->in_fd, TCSAFLUSH, &c->saved_termios);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

static int append(struct vs_console *c, const char *b, size_t n)
{
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        while (cap < c->len + n)
            cap *= 2;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return -ENOMEM;
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, b, n);
    c->len += n;
    return 0;
}

/* In raw mode, Ctrl-A x stops vrsim; Ctrl-A Ctrl-A sends one Ctrl-A. */
static size_t filter_escape(struct vk_machine *m, char *b, size_t n)
{
    struct vs_console *c = &m->con;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (c->escape_pending) {
            c->escape_pending = 0;
            if (b[i] == 'x') {
                m->stop = 1;
                continue;
            }
            if (b[i] != 1)
                b[o++] = 1;
            b[o++] = b[i];
        } else if (b[i] == 1) {
            c->escape_pending = 1;
        } else {
            b[o++] = b[i];
        }
    }
    return o;
}

int vs_console_wait(struct vk_machine *m, uint64_t until)
{
    struct vs_console *c = &m->con;
    struct vk_kernel *k = &m->k;
    int want = c->want && !c->eof;
    for (;;) {
        int timeout = -1;
        if (until != VK_DEADLINE_NEVER && m->opt.pace == VS_PACE_WALL) {
            uint64_t el = vs_wall_elapsed_ns(c);
            if (el >= until)
                return 0;
            uint64_t ms = (until - el + 999999) / 1000000;
            timeout = ms > 60000 ? 60000 : (int)ms;
        } else if (until != VK_DEADLINE_NEVER && !want) {
            return 0; /* free pace: virtual time simply jumps */
        } else if (until != VK_DEADLINE_NEVER && c->tty) {
            timeout = 0; /* free pace on a terminal: don't hold timers for typing */
        }
        if (!want) {
            struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pfd = {c->in_fd, POLLIN, 0};
        int r = poll(&pfd, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return 0;
        char b[4096];
        ssize_t n = read(c->in_fd, b, sizeof b);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            c->eof = 1;
        } else {
            size_t keep = c->raw_active ? filter_escape(m, b, (size_t)n) : (size_t)n;
            if (append(c, b, keep))
                c->eof = 1;
            if (!c->tty && !memchr(b, '\n', keep) && !m->stop)
                continue; /* pipes: deliver whole lines only */
        }
        if (m->opt.pace == VS_PACE_WALL) {
            uint64_t el = vs_wall_elapsed_ns(c);
            if (el > k->now)
                k->now = el;
        }
        vk_object_signal(k, &k->console->o, VK_SIG_READABLE, 0);
        return 1;
    }
}
