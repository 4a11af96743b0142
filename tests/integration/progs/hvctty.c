/*
 * hvctty: /dev/hvc0 as a terminal (drivers/virtio-console's line discipline; the kernel's
 * terminal object decides whom its ^C reaches: kcall.h "Terminals served by a process").
 * Results go to stdout (the main console); hvc0's own output (echoes) to its output file.
 *   hvctty lines N     isatty, the window size, tcsetpgrp(own group) and tcgetpgrp; then
 *                      the terminal in canonical mode with echo and signals (Linux's
 *                      defaults), N lines read and printed as "line: [TEXT]"
 *   hvctty sigint      as lines, reading on: the ^C in the input ends it (SIGINT, no
 *                      handler; the console program's status 130)
 *   hvctty session     the parent claims hvc0 (tcsetpgrp), spawns a child that makes a new
 *                      session (setsid) and tries to take it (ENOTTY), the parent tries to
 *                      put the child's group in the foreground (EPERM); then the parent sets
 *                      signals on: the ^C in the input reaches the parent's handler, not the
 *                      child, which says it is alive after it and exits 0
 *   hvctty child FD    (the session child) as above, on fd FD
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "devopen.h"

extern char **environ;
static volatile sig_atomic_t got_int;

static void on_int(int s)
{
    (void)s;
    got_int = 1;
}

static void sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) && errno == EINTR)
        ;
}

static void say(const char *fmt, long v)
{
    printf(fmt, v);
    fflush(stdout);
}

/* Canonical mode, echo, signals, CR to NL and NL to CR NL on output (stty sane). */
static int make_sane(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t))
        return -1;
    t.c_iflag |= ICRNL;
    t.c_oflag |= OPOST | ONLCR;
    t.c_lflag |= ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | ISIG | IEXTEN;
    return tcsetattr(fd, TCSANOW, &t);
}

static int setup(int fd)
{
    struct winsize ws;
    say("isatty: %ld\n", isatty(fd));
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
        printf("winsize: %u cols %u rows\n", ws.ws_col, ws.ws_row);
    else
        printf("winsize: %s\n", strerror(errno));
    say("tcsetpgrp: %ld\n", tcsetpgrp(fd, getpgrp()));
    say("tcgetpgrp is my group: %ld\n", tcgetpgrp(fd) == getpgrp());
    return 0;
}

static int read_lines(int fd, int n)
{
    char buf[256];
    for (int i = 0; i < n; i++) {
        ssize_t r = read(fd, buf, sizeof buf - 1);
        if (r < 0) {
            printf("read: %s\n", strerror(errno));
            return 1;
        }
        buf[r] = 0;
        if (r && buf[r - 1] == '\n')
            buf[r - 1] = 0;
        printf("line: [%s]\n", buf);
        fflush(stdout);
    }
    return 0;
}

static int child(int fd)
{
    setsid(); /* posix_spawn's POSIX_SPAWN_SETSID is not enforced (libveridian spawn.c) */
    say("child: own session: %ld\n", getsid(0) == getpid());
    say("child: isatty: %ld\n", isatty(fd));
    int r = tcsetpgrp(fd, getpgrp());
    printf("child: tcsetpgrp: %d (%s)\n", r, r ? strerror(errno) : "ok");
    fflush(stdout);
    sleep_ms(20);
    printf("child: alive after the ^C\n");
    return 0;
}

static int session(int fd)
{
    char fds[16];
    snprintf(fds, sizeof fds, "%d", fd);
    char *argv[] = {"hvctty", "child", fds, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/test/hvctty", NULL, NULL, argv, environ);
    if (rc) {
        printf("spawn: %s\n", strerror(rc));
        return 1;
    }
    sleep_ms(5); /* the child has tried by now */
    int r = tcsetpgrp(fd, pid);
    printf("tcsetpgrp(the other session's group): %d (%s)\n", r, r ? strerror(errno) : "ok");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_int;
    sigaction(SIGINT, &sa, NULL);
    if (make_sane(fd)) {
        printf("tcsetattr: %s\n", strerror(errno));
        return 1;
    }
    int st;
    while (waitpid(pid, &st, 0) != pid)
        if (errno != EINTR)
            return 1;
    printf("parent: SIGINT seen: %d\n", (int)got_int);
    printf("parent: child %s %d\n", WIFEXITED(st) ? "exited" : "killed by signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child"))
        return child(atoi(argv[2]));
    int fd = devopen_fd("hvctty", "/dev/hvc0", O_RDWR);
    if (fd < 0)
        return 1;
    setup(fd);
    if (argc == 2 && !strcmp(argv[1], "session"))
        return session(fd);
    if (make_sane(fd)) {
        printf("tcsetattr: %s\n", strerror(errno));
        return 1;
    }
    if (argc == 3 && !strcmp(argv[1], "lines"))
        return read_lines(fd, atoi(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "sigint")) {
        read_lines(fd, 100);
        return 1;
    }
    fprintf(stderr, "usage: hvctty lines N | sigint | session\n");
    return 2;
}
