/*
 * Host end of the simulated console: the host terminal or plain pipes, and the wall clock
 * for --pace wall.
 *
 * This is one of the few modules that touches the host clock and host I/O; whatever it
 * feeds into the simulation is delivered at a virtual time chosen by the idle loop. All
 * console input enters the simulation in one place, console_feed (the bytes, or their end),
 * which is where a recording of the run's inputs belongs (issue 16); window-size changes
 * enter in one other, console_resize.
 *
 * When the console is a terminal (vrsim's stdin is one, or --tty) the kernel's line
 * discipline does echo, editing and signal characters, so the host terminal goes fully raw
 * (no echo, no ICRNL, no OPOST, no ISIG). It is restored by vs_console_close, at exit, and
 * on the fatal signals a user or a harness sends (SIGTERM, SIGHUP, SIGINT, SIGQUIT,
 * SIGABRT): those handlers restore it and re-raise the signal. A terminal wants input all
 * the time (typed-ahead keys are echoed and ^C works while nobody reads). A host SIGWINCH
 * only sets a flag; the idle loop's next poll reads the new size (TIOCGWINSZ) and hands it
 * to the kernel, at that virtual time. Ctrl-A x leaves vrsim while the host terminal is raw.
 *
 * With pipes, input is handed to guests line by line (see vk_plat_console_read), so how the
 * host chunks a pipe never changes a run.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
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

/* What the signal handlers and the exit hook need to put the host terminal back: per host
 * process (one host terminal), like trap.c's handler state. */
static struct {
    volatile sig_atomic_t active;
    int fd;
    struct termios saved;
} host_tty;
static volatile sig_atomic_t winch_seen;

static void restore_host_tty(void)
{
    if (host_tty.active) {
        tcsetattr(host_tty.fd, TCSAFLUSH, &host_tty.saved);
        host_tty.active = 0;
    }
}

static void fatal_signal(int sig)
{
    restore_host_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void winch_signal(int sig)
{
    (void)sig;
    winch_seen = 1;
}

static void install_host_handlers(void)
{
    static int installed;
    if (installed)
        return;
    installed = 1;
    atexit(restore_host_tty);
    static const int fatal[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = fatal_signal;
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction old;
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup and friends: keep ignoring */
        sigaction(fatal[i], &sa, NULL);
    }
    sa.sa_handler = winch_signal; /* no SA_RESTART: the idle loop's poll returns at once */
    sigaction(SIGWINCH, &sa, NULL);
}

int vs_console_open(struct vs_console *c, int terminal)
{
    memset(c, 0, sizeof *c);
    c->in_fd = STDIN_FILENO;
    c->out_fd = STDOUT_FILENO;
    c->err_fd = STDERR_FILENO;
    c->tty = terminal;
    c->wall_start_ns = wall_ns();
    if (!terminal)
        return 0;
    c->want = 1; /* a terminal always takes input: see the top */
    if (!isatty(c->in_fd) || host_tty.active || tcgetattr(c->in_fd, &c->saved_termios))
        return 0;
    struct termios raw = c->saved_termios;
    raw.c_iflag &=
        ~(unsigned)(IGNBRK | BRKINT | PARMRK | INPCK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_oflag &= ~(unsigned)OPOST;
    raw.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    host_tty.fd = c->in_fd;
    host_tty.saved = c->saved_termios;
    install_host_handlers();
    if (tcsetattr(c->in_fd, TCSAFLUSH, &raw) == 0) {
        c->raw_active = 1;
        host_tty.active = 1;
    }
    return 0;
}

void vs_console_release_host(struct vs_console *c)
{
    if (c->raw_active)
        restore_host_tty();
    c->raw_active = 0;
}

void vs_console_close(struct vs_console *c)
{
    vs_console_release_host(c);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

void vs_console_winsize(const struct vs_console *c, struct vk_winsize *ws)
{
    struct winsize w;
    if (c->tty && ioctl(c->in_fd, TIOCGWINSZ, &w) == 0 && w.ws_row && w.ws_col) {
        *ws = (struct vk_winsize){w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel};
        return;
    }
    *ws = (struct vk_winsize){24, 80, 0, 0};
}

/* The one way console input enters the simulation: n bytes (or, n 0, the end of input) at
 * the current virtual time; the kernel hears of it when notify is set (pipes: at a line's
 * end, so how the host chunked the pipe never shows). Out of memory ends the input. */
static void console_feed(struct vk_machine *m, const char *b, size_t n, int notify)
{
    struct vs_console *c = &m->con;
    vs_input_fed(m, b, n, notify); /* traced, and recorded when recording */
    if (!n || append(c, b, n)) {
        c->eof = 1;
        notify = 1;
    }
    if (notify)
        vk_console_input(&m->k);
}

/* The one way a window-size change enters the simulation. */
static void console_resize(struct vk_machine *m)
{
    struct vk_winsize ws;
    vs_console_winsize(&m->con, &ws);
    vs_input_resized(m, &ws); /* recorded when recording */
    vk_console_resize(&m->k, &ws);
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
        if (winch_seen && c->tty) {
            winch_seen = 0;
            if (m->opt.pace == VS_PACE_WALL) {
                uint64_t el = vs_wall_elapsed_ns(c);
                if (el > k->now)
                    k->now = el;
            }
            console_resize(m);
            return 1;
        }
        int timeout = -1;
        if (until == VS_INPUT_POLL) {
            if (!want || !c->tty)
                return 0; /* a look only, and only at a terminal (machine.h) */
            timeout = 0;
        } else if (until != VK_DEADLINE_NEVER && m->opt.pace == VS_PACE_WALL) {
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
        size_t keep = 0;
        if (n > 0) {
            keep = c->raw_active ? filter_escape(m, b, (size_t)n) : (size_t)n;
            if (!keep && !m->stop)
                continue; /* all of it was vrsim's own escape */
            if (keep && !c->tty && !memchr(b, '\n', keep) && !m->stop) {
                console_feed(m, b, keep, 0);
                if (!c->eof)
                    continue; /* pipes: deliver whole lines only */
                return 1;
            }
        }
        if (m->opt.pace == VS_PACE_WALL) {
            uint64_t el = vs_wall_elapsed_ns(c);
            if (el > k->now)
                k->now = el;
        }
        if (keep || n <= 0)
            console_feed(m, b, keep, 1);
        return 1;
    }
}
