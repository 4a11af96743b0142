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

/* Signal sets (glibc's size: 1024 bits). Kept for posix_spawnattr and for when the kernel
 * delivers signals; nothing masks anything yet. */
typedef struct {
    unsigned long __val[1024 / (8 * sizeof(unsigned long))];
} sigset_t;

int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);

/* What waitid reports (the fields POSIX names; not glibc's layout). */
typedef struct {
    int si_signo;
    int si_errno;
    int si_code;
    int si_pid;
    unsigned int si_uid;
    int si_status;
} siginfo_t;

/* si_code for SIGCHLD */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

#endif
