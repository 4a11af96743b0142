/*
 * <signal.h>: signal numbers and dispositions. Veridian's kernel delivers no signals yet:
 * signal() records a disposition and returns the previous one, so programs that ignore
 * SIGPIPE (and then see EPIPE from write, which is what happens in any case) run unchanged.
 */
#ifndef _SIGNAL_H
#define _SIGNAL_H

typedef void (*sighandler_t)(int);
typedef int sig_atomic_t;

#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGSYS 31
#define NSIG 65

sighandler_t signal(int sig, sighandler_t handler);

#endif
