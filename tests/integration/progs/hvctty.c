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
 *   hvctty jobs        job control: the parent owns hvc0 (foreground, TOSTOP set for the
 *                      write) and spawns, each in a background group of its session, a child
 *                      that reads (SIGTTIN stops it), reads ignoring SIGTTIN (EIO), reads with
 *                      a SIGTTIN handler (EINTR), writes (SIGTTOU), tcsetattr (SIGTTOU) or
 *                      tcsetpgrp (SIGTTOU); a stopped child (WUNTRACED) is put in the foreground
 *                      and continued, and its call goes on: "WHAT: stopped by N" lines, the
 *                      child's own result, "WHAT: exited N"
 *   hvctty bgchild FD WHAT  (a jobs child) as above
 *   hvctty tstp        a child in a group of its own is put in the foreground, sets canonical
 *                      mode with signals: the ^Z waiting in the input stops it (SIGTSTP); the
 *                      parent sees it stopped (WUNTRACED), continues it (SIGCONT), and it
 *                      reads the line after the ^Z
 *   hvctty ttyname     ttyname and ttyname_r of hvc0, of stdout (the console), ERANGE
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

static void on_ttin(int s)
{
    (void)s;
    got_int = 1;
}

/* Spawn "hvctty ARGS..." in a group of its own (the session's background) with the job
 * control signals at their defaults. */
static pid_t spawn_bg(char **argv)
{
    posix_spawnattr_t a;
    sigset_t def;
    pid_t pid;
    posix_spawnattr_init(&a);
    sigemptyset(&def);
    sigaddset(&def, SIGTTIN);
    sigaddset(&def, SIGTTOU);
    sigaddset(&def, SIGTSTP);
    posix_spawnattr_setsigdefault(&a, &def);
    posix_spawnattr_setpgroup(&a, 0);
    posix_spawnattr_setflags(&a, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&pid, "/test/hvctty", NULL, &a, argv, environ);
    posix_spawnattr_destroy(&a);
    if (rc) {
        printf("spawn: %s\n", strerror(rc));
        return -1;
    }
    return pid;
}

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    else
        printf("%s: status %#x\n", what, st);
    fflush(stdout);
}

static int bgchild(int fd, const char *what)
{
    char buf[64];
    struct termios t;
    ssize_t r = 0;
    alarm(5); /* a call that never ends (no job control) fails the test, not hangs it */
    if (!strcmp(what, "readign"))
        signal(SIGTTIN, SIG_IGN);
    if (!strcmp(what, "readh")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_ttin;
        sigaction(SIGTTIN, &sa, NULL);
    }
    if (!strncmp(what, "read", 4)) {
        r = read(fd, buf, sizeof buf - 1);
        if (r > 0) {
            buf[r] = 0;
            buf[strcspn(buf, "\n")] = 0;
            printf("%s: read [%s]\n", what, buf);
        }
    } else if (!strcmp(what, "write")) {
        r = write(fd, "bg write\n", 9);
    } else if (!strcmp(what, "setattr")) {
        r = tcgetattr(fd, &t) ? -1 : tcsetattr(fd, TCSANOW, &t);
    } else if (!strcmp(what, "setpgrp")) {
        r = tcsetpgrp(fd, getpgrp());
    }
    printf("%s: result %ld (%s)%s\n", what, (long)r, r < 0 ? strerror(errno) : "ok",
           got_int ? ", handler ran" : "");
    fflush(stdout);
    return 0;
}

static int jobs(int fd)
{
    static const char *const whats[] = {"read", "readign", "readh", "write", "setattr", "setpgrp"};
    char fds[16];
    struct termios t;
    snprintf(fds, sizeof fds, "%d", fd);
    signal(SIGTTOU, SIG_IGN); /* as a shell: it takes the terminal back from the background */
    for (unsigned i = 0; i < sizeof whats / sizeof whats[0]; i++) {
        if (!strcmp(whats[i], "write") && tcgetattr(fd, &t) == 0) {
            t.c_lflag |= TOSTOP;
            tcsetattr(fd, TCSANOW, &t);
        }
        char *argv[] = {"hvctty", "bgchild", fds, (char *)whats[i], NULL};
        pid_t pid = spawn_bg(argv);
        int st;
        if (pid < 0)
            return 1;
        if (waitpid(pid, &st, WUNTRACED) != pid)
            return 1;
        if (WIFSTOPPED(st)) {
            printf("%s: stopped by %d\n", whats[i], WSTOPSIG(st));
            fflush(stdout);
            tcsetpgrp(fd, pid);
            kill(pid, SIGCONT);
            if (waitpid(pid, &st, 0) != pid)
                return 1;
            printf("%s: foreground again: %d\n", whats[i], tcsetpgrp(fd, getpgrp()));
        }
        report(whats[i], st);
    }
    return 0;
}

static int tstp(int fd)
{
    char fds[16];
    snprintf(fds, sizeof fds, "%d", fd);
    signal(SIGTTOU, SIG_IGN);
    char *argv[] = {"hvctty", "bgchild", fds, "tstp", NULL};
    pid_t pid = spawn_bg(argv);
    int st;
    if (pid < 0)
        return 1;
    say("tstp: child in the foreground: %ld\n", tcsetpgrp(fd, pid) == 0);
    if (waitpid(pid, &st, WUNTRACED) != pid)
        return 1;
    printf("tstp: stopped: %d, by %d\n", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
    fflush(stdout);
    kill(pid, SIGCONT);
    if (waitpid(pid, &st, 0) != pid)
        return 1;
    report("tstp", st);
    return 0;
}

/* The tstp child: waits until it is the foreground, then turns on the discipline. */
static int tstp_child(int fd)
{
    char buf[64];
    alarm(5);
    while (tcgetpgrp(fd) != getpgrp())
        sleep_ms(1);
    if (make_sane(fd))
        return 3;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    if (r < 0)
        return 4;
    buf[r] = 0;
    buf[strcspn(buf, "\n")] = 0;
    printf("tstp: child read [%s]\n", buf);
    fflush(stdout);
    return 0;
}

static int names(int fd)
{
    char small[5];
    char *n = ttyname(fd);
    printf("ttyname(hvc0): %s\n", n ? n : strerror(errno));
    n = ttyname(1);
    printf("ttyname(stdout): %s\n", n ? n : strerror(errno));
    printf("ttyname_r(hvc0, 5 bytes): %s\n", strerror(ttyname_r(fd, small, sizeof small)));
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
    if (argc == 4 && !strcmp(argv[1], "bgchild") && !strcmp(argv[3], "tstp"))
        return tstp_child(atoi(argv[2]));
    if (argc == 4 && !strcmp(argv[1], "bgchild"))
        return bgchild(atoi(argv[2]), argv[3]);
    int fd = devopen_fd("hvctty", "/dev/hvc0", O_RDWR);
    if (fd < 0)
        return 1;
    setup(fd);
    if (argc == 2 && !strcmp(argv[1], "session"))
        return session(fd);
    if (argc == 2 && !strcmp(argv[1], "ttyname"))
        return names(fd);
    if (argc == 2 && !strcmp(argv[1], "tstp"))
        return tstp(fd);
    if (make_sane(fd)) {
        printf("tcsetattr: %s\n", strerror(errno));
        return 1;
    }
    if (argc == 3 && !strcmp(argv[1], "lines"))
        return read_lines(fd, atoi(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "jobs"))
        return jobs(fd);
    if (argc == 2 && !strcmp(argv[1], "sigint")) {
        read_lines(fd, 100);
        return 1;
    }
    fprintf(stderr, "usage: hvctty lines N | sigint | session | jobs | tstp | ttyname\n");
    return 2;
}
