/*
 * spchild: the child the sp_* differential programs spawn (built for the host and as
 * /test/spchild). argv[1] says what to do:
 *   exit N         exit with status N
 *   crash          write through a null pointer (SIGSEGV)
 *   say WORDS...   print the words on stdout, one line
 *   env NAME...    print NAME=value or NAME unset, one line each
 *   fd N TEXT      write TEXT and a newline to fd N (an fd the parent passed)
 *   closed N...    print for each fd N whether it is open
 *   cat            copy stdin to stdout
 *   ppid PID       exit 0 if getppid() is PID, else 1
 *   args ...       print argc and every argv[i]
 *   cwd            print the last component of the working directory
 *   sleep          sleep in 10 ms steps until a signal ends it (exit 0 after ~100 s)
 *   raise N        raise(N), then exit 0 (if it survived)
 *   spew           write to stdout until a write fails (SIGPIPE on a pipe with no reader)
 *   badhandler     a SIGUSR1 handler that writes through a null pointer, then raise it
 *   mask           exit 0 if SIGUSR1 is blocked and SIGUSR2's action is ignore, else 1
 *   pgrp           exit 0 if the child leads its own process group, else 1
 *   exec ARGS...   execv this program with ARGS (spchild ARGS...)
 *   execpid        execv "spchild pid <our pid>"
 *   pid N          exit 0 if getpid() is N, else 1
 *   execfds        open fd 3 (inherited) and fd 4 (O_CLOEXEC), then exec "closed 3 4"
 *   execbad        execv a path that does not exist: print the error, exit 5
 *   execsig        handle SIGUSR1, ignore SIGUSR2, block SIGHUP, then exec "sigstate"
 *   sigstate       print SIGUSR1's and SIGUSR2's actions and whether SIGHUP is blocked
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include "spawn.h"
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    const char *cmd = argv[1];
    if (!strcmp(cmd, "exit") && argc > 2)
        return atoi(argv[2]);
    if (!strcmp(cmd, "crash")) {
        volatile int *p = NULL;
        *p = 1;
        return 101;
    }
    if (!strcmp(cmd, "say")) {
        for (int i = 2; i < argc; i++)
            printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
        return 0;
    }
    if (!strcmp(cmd, "env")) {
        for (int i = 2; i < argc; i++) {
            const char *v = getenv(argv[i]);
            if (v)
                printf("%s=%s\n", argv[i], v);
            else
                printf("%s unset\n", argv[i]);
        }
        return 0;
    }
    if (!strcmp(cmd, "fd") && argc > 3) {
        int fd = atoi(argv[2]);
        size_t n = strlen(argv[3]);
        if (write(fd, argv[3], n) != (ssize_t)n || write(fd, "\n", 1) != 1)
            return 2;
        return 0;
    }
    if (!strcmp(cmd, "closed")) {
        for (int i = 2; i < argc; i++) {
            int fd = atoi(argv[i]);
            int r = fcntl(fd, F_GETFD);
            printf("fd %d: %s\n", fd, r < 0 && errno == EBADF ? "closed" : "open");
        }
        return 0;
    }
    if (!strcmp(cmd, "cat")) {
        char buf[256];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) > 0)
            if (write(1, buf, (size_t)n) != n)
                return 2;
        return n < 0 ? 3 : 0;
    }
    if (!strcmp(cmd, "ppid") && argc > 2)
        return getppid() == (pid_t)atoi(argv[2]) ? 0 : 1;
    if (!strcmp(cmd, "cwd")) {
        char buf[1024];
        if (!getcwd(buf, sizeof buf))
            return 2;
        const char *slash = strrchr(buf, '/');
        printf("cwd: %s\n", slash ? slash + 1 : buf);
        return 0;
    }
    if (!strcmp(cmd, "args")) {
        printf("argc %d\n", argc);
        for (int i = 0; i < argc; i++)
            printf("argv[%d] %s\n", i, i == 0 ? "(name)" : argv[i]);
        return 0;
    }
    if (!strcmp(cmd, "sleep")) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        for (int i = 0; i < 10000; i++)
            nanosleep(&ts, NULL);
        return 0;
    }
    if (!strcmp(cmd, "raise") && argc > 2) {
        raise(atoi(argv[2]));
        return 0;
    }
    if (!strcmp(cmd, "spew")) {
        for (;;)
            if (write(1, "spew\n", 5) < 0)
                return 3;
    }
    if (!strcmp(cmd, "badhandler")) {
        signal(SIGUSR1, (void (*)(int))0x10);
        raise(SIGUSR1);
        return 0;
    }
    if (!strcmp(cmd, "mask")) {
        sigset_t m;
        struct sigaction sa;
        sigprocmask(SIG_SETMASK, NULL, &m);
        sigaction(SIGUSR2, NULL, &sa);
        return sigismember(&m, SIGUSR1) == 1 && sa.sa_handler == SIG_IGN ? 0 : 1;
    }
    if (!strcmp(cmd, "pgrp"))
        return getpgid(0) == getpid() ? 0 : 1;
    if (!strcmp(cmd, "exec") && argc > 2) {
        argv[1] = (char *)"spchild";
        execv(child_path(), argv + 1);
        return 4;
    }
    if (!strcmp(cmd, "execpid")) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", (int)getpid());
        char *args[] = {(char *)"spchild", (char *)"pid", buf, NULL};
        execv(child_path(), args);
        return 4;
    }
    if (!strcmp(cmd, "pid") && argc > 2)
        return getpid() == (pid_t)atoi(argv[2]) ? 0 : 1;
    if (!strcmp(cmd, "execfds")) {
        if (dup2(open("/dev/null", O_RDONLY), 3) != 3 ||
            dup2(open("/dev/null", O_RDONLY), 4) != 4 || fcntl(4, F_SETFD, FD_CLOEXEC))
            return 6;
        char *args[] = {(char *)"spchild", (char *)"closed", (char *)"3", (char *)"4", NULL};
        execv(child_path(), args);
        return 4;
    }
    if (!strcmp(cmd, "execbad")) {
        char *args[] = {(char *)"nothing", NULL};
        execv("/nonexistent/program", args);
        printf("exec failed: %s\n", strerror(errno));
        return 5;
    }
    if (!strcmp(cmd, "execsig")) {
        sigset_t m;
        signal(SIGUSR1, (void (*)(int))exit);
        signal(SIGUSR2, SIG_IGN);
        sigemptyset(&m);
        sigaddset(&m, SIGHUP);
        sigprocmask(SIG_BLOCK, &m, NULL);
        char *args[] = {(char *)"spchild", (char *)"sigstate", NULL};
        execv(child_path(), args);
        return 4;
    }
    if (!strcmp(cmd, "sigstate")) {
        struct sigaction a1, a2;
        sigset_t m;
        sigaction(SIGUSR1, NULL, &a1);
        sigaction(SIGUSR2, NULL, &a2);
        sigprocmask(SIG_SETMASK, NULL, &m);
        printf("SIGUSR1 %s, SIGUSR2 %s, SIGHUP %s\n",
               a1.sa_handler == SIG_DFL ? "default" : "handled",
               a2.sa_handler == SIG_IGN ? "ignored" : "not ignored",
               sigismember(&m, SIGHUP) ? "blocked" : "not blocked");
        return 0;
    }
    return 100;
}
