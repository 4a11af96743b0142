/*
 * ttytest MODE: the console as a terminal, for tests/integration/tty (driven through a pty).
 *   info   isatty and ttyname of 0/1/2, the window size, the settings, the foreground group
 *   lines  read() lines until end of file, each shown as "got N [TEXT]" (escapes for controls)
 *   both   info, then lines
 *   raw    cfmakeraw, then each key read shown as "key 0xNN" until 'q'; the settings restored
 *   vtime  VMIN 0 VTIME 5: one read that times out, "timeout N" with the virtual ms it took
 *   winch  as lines, and each SIGWINCH (it interrupts the read) shown as "winch ROWS COLS"
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void show(const char *tag, const char *b, long n)
{
    printf("%s %ld [", tag, n);
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("]\n");
    fflush(stdout);
}

static int info(void)
{
    for (int fd = 0; fd < 3; fd++) {
        char name[32];
        int r = ttyname_r(fd, name, sizeof name);
        printf("fd %d isatty %d ttyname %s\n", fd, isatty(fd), r ? strerror(r) : name);
    }
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        printf("winsize %u %u\n", ws.ws_row, ws.ws_col);
    else
        printf("winsize: %s\n", strerror(errno));
    struct termios t;
    if (tcgetattr(0, &t) == 0)
        printf("icanon %d echo %d isig %d opost %d verase %d vintr %d\n", !!(t.c_lflag & ICANON),
               !!(t.c_lflag & ECHO), !!(t.c_lflag & ISIG), !!(t.c_oflag & OPOST), t.c_cc[VERASE],
               t.c_cc[VINTR]);
    else
        printf("tcgetattr: %s\n", strerror(errno));
    pid_t pg = tcgetpgrp(0);
    printf("tcgetpgrp %s\n", pg < 0 ? strerror(errno) : "ok");
    fflush(stdout);
    return 0;
}

static int lines(void)
{
    char b[256];
    long n;
    while ((n = read(0, b, sizeof b)) > 0)
        show("got", b, n);
    printf(n == 0 ? "eof\n" : "read error\n");
    return n == 0 ? 0 : 1;
}

static int raw(void)
{
    struct termios saved, t;
    if (tcgetattr(0, &saved)) {
        printf("tcgetattr: %s\n", strerror(errno));
        return 1;
    }
    t = saved;
    cfmakeraw(&t);
    if (tcsetattr(0, TCSANOW, &t))
        return 1;
    printf("raw mode\r\n");
    fflush(stdout);
    for (;;) {
        char c;
        if (read(0, &c, 1) != 1)
            break;
        printf("key 0x%02x\r\n", (unsigned char)c);
        fflush(stdout);
        if (c == 'q')
            break;
    }
    tcsetattr(0, TCSANOW, &saved);
    printf("restored\n");
    return 0;
}

static int vtime(void)
{
    struct termios saved, t;
    if (tcgetattr(0, &saved))
        return 1;
    t = saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 5;
    tcsetattr(0, TCSANOW, &t);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    char c;
    long n = read(0, &c, 1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    tcsetattr(0, TCSANOW, &saved);
    printf("timeout %ld read %ld\n", ms / 100 * 100, n);
    return 0;
}

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
    (void)sig;
    winched = 1;
}

static int winch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch; /* no SA_RESTART: the read ends with EINTR */
    sigaction(SIGWINCH, &sa, NULL);
    printf("waiting\n");
    fflush(stdout);
    for (;;) {
        char b[256];
        long n = read(0, b, sizeof b);
        if (n < 0 && errno == EINTR && winched) {
            winched = 0;
            struct winsize ws;
            ioctl(0, TIOCGWINSZ, &ws);
            printf("winch %u %u\n", ws.ws_row, ws.ws_col);
            fflush(stdout);
            continue;
        }
        if (n <= 0)
            break;
        show("got", b, n);
    }
    printf("eof\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "info";
    if (!strcmp(mode, "info"))
        return info();
    if (!strcmp(mode, "lines"))
        return lines();
    if (!strcmp(mode, "both"))
        return info() || lines();
    if (!strcmp(mode, "raw"))
        return raw();
    if (!strcmp(mode, "vtime"))
        return vtime();
    if (!strcmp(mode, "winch"))
        return winch();
    fprintf(stderr, "ttytest: unknown mode %s\n", mode);
    return 2;
}
