/*
 * Host-side fault handling for guests: SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP in guest code,
 * SIGSYS from raw `syscall` instructions (seccomp), and the CPU-time watchdog that stops a
 * guest spinning without kernel calls.
 *
 * A fault in a guest ends that process only. The handler never longjmps or switches out:
 * it rewrites the ucontext so that the return from the handler lands on the thread's
 * kernel stack at vs_fault_entry, and rt_sigreturn restores the signal mask and the
 * alternate stack for us. A fault inside the kernel's guest-memory copy becomes -EFAULT
 * (the handler moves rip to the copy's fixup). Any other fault is a host bug: it is
 * chained to the previous handler (ASan's, or the default action).
 *
 * This is the one module with process-wide state: signal dispositions, the alternate
 * signal stack and the seccomp filter belong to the host process, not to a machine.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sim/core/machine.h"

#define ALTSTACK_SIZE (64u << 10)
#define WATCHDOG_TICK_MS 10u
#define WATCHDOG_SIGNAL SIGVTALRM

long vs_copy_user(void *dst, const void *src, size_t n);
long vs_zero_user(void *dst, size_t n);
extern const char vs_copy_user_fixup[], vs_copy_user_end[];
extern const char vs_zero_user_fixup[], vs_zero_user_end[];
void vs_fault_entry(void);

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
static struct sigaction previous[65];
static void *altstack;
static int host_ready;
static timer_t watchdog_timer;
static uint32_t watchdog_strikes_max;

static int in_arenas(uint64_t a)
{
    return a - VS_ARENA_BASE < (uint64_t)VS_ARENA_MAX_MACHINES * VS_ARENA_STRIDE;
}

static void chain(int sig)
{
    sigaction(sig, &previous[sig], NULL); /* the instruction faults again, under it */
}

/* Send the thread to vs_fault_entry on its kernel stack when the handler returns. */
static void redirect(ucontext_t *uc, struct vk_thread *t)
{
    greg_t *g = uc->uc_mcontext.gregs;
    g[REG_RSP] = (greg_t)t->ktop;
    g[REG_RIP] = (greg_t)(uintptr_t)vs_fault_entry;
    g[REG_RBP] = 0;
    g[REG_EFL] &= ~((1L << 10) | (1L << 8) | (1L << 18)); /* DF, TF, AC */
    if (uc->uc_mcontext.fpregs) {
        uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
        uc->uc_mcontext.fpregs->cwd = 0x37f;
    }
    t->in_kernel = 1;
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
    struct vk_thread *t = vs_cur;
    if (t && t->in_kernel) {
        if ((sig == SIGSEGV || sig == SIGBUS) && in_arenas(addr)) {
            if (pc >= (uint64_t)(uintptr_t)vs_copy_user &&
                pc < (uint64_t)(uintptr_t)vs_copy_user_end) {
                uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)vs_copy_user_fixup;
                return;
            }
            if (pc >= (uint64_t)(uintptr_t)vs_zero_user &&
                pc < (uint64_t)(uintptr_t)vs_zero_user_end) {
                uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)vs_zero_user_fixup;
                return;
            }
        }
        chain(sig);
        return;
    }
    if (!t) {
        chain(sig);
        return;
    }
    /* a guest fault: the thread was running guest code */
    memset(&t->fault, 0, sizeof t->fault);
    t->fault.exit_kind = sig == SIGSYS ? VK_EXIT_SYSCALL : VK_EXIT_FAULT;
    t->fault.signo = (uint32_t)sig;
    t->fault.exit_code = 128 + sig;
    t->fault.fault_pc = pc;
    t->fault.fault_addr = sig == SIGSYS ? pc : addr;
    redirect(uc, t);
}

static void on_watchdog(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    struct vk_thread *t = vs_cur;
    (void)sig;
    (void)si;
    if (!t || t->in_kernel)
        return; /* never stop host code */
    if (t->kcalls != t->plat.wd_seen) {
        t->plat.wd_seen = t->kcalls;
        t->plat.wd_strikes = 0;
        return;
    }
    if (++t->plat.wd_strikes < watchdog_strikes_max)
        return;
    memset(&t->fault, 0, sizeof t->fault);
    t->fault.exit_kind = VK_EXIT_WATCHDOG;
    t->fault.signo = 0;
    t->fault.exit_code = 128 + 9;
    t->fault.fault_pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    redirect(uc, t);
}

/* Raw syscalls from the arenas trap (SIGSYS); everything else is allowed. */
static int seccomp_install(void)
{
    _Static_assert((VS_ARENA_BASE & 0xffffffffull) == 0, "filter compares the high word");
    uint32_t lo = (uint32_t)(VS_ARENA_BASE >> 32);
    uint32_t hi = (uint32_t)((VS_ARENA_BASE + VS_ARENA_MAX_MACHINES * VS_ARENA_STRIDE) >> 32);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return -errno;
    return 0;
}

int vs_host_init(FILE *err)
{
    if (host_ready)
        return 0;
    altstack = malloc(ALTSTACK_SIZE);
    if (!altstack)
        return -ENOMEM;
    stack_t ss = {.ss_sp = altstack, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL)) {
        fprintf(err, "vrsim: sigaltstack: %s\n", strerror(errno));
        return -errno;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        int s = fault_signals[i];
        if (sigaction(s, &sa, &previous[s]))
            return -errno;
        if (previous[s].sa_handler == SIG_IGN)
            previous[s].sa_handler = SIG_DFL;
    }
    sa.sa_sigaction = on_watchdog;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    if (sigaction(WATCHDOG_SIGNAL, &sa, NULL))
        return -errno;
    int rc = seccomp_install();
    if (rc) {
        fprintf(err, "vrsim: seccomp filter: %s\n", strerror(-rc));
        return rc;
    }
    host_ready = 1;
    return 0;
}

int vs_watchdog_start(uint32_t budget_ms)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = WATCHDOG_SIGNAL;
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &watchdog_timer))
        return -errno;
    watchdog_strikes_max = budget_ms / WATCHDOG_TICK_MS;
    if (watchdog_strikes_max < 2)
        watchdog_strikes_max = 2;
    struct itimerspec its = {{0, WATCHDOG_TICK_MS * 1000000L}, {0, WATCHDOG_TICK_MS * 1000000L}};
    return timer_settime(watchdog_timer, 0, &its, NULL) ? -errno : 0;
}

void vs_watchdog_stop(void)
{
    timer_delete(watchdog_timer);
}

int vs_host_signal_state_ok(char *why, size_t len)
{
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        if (sigismember(&m, fault_signals[i])) {
            snprintf(why, len, "signal %d is blocked", fault_signals[i]);
            return 0;
        }
    }
    if (sigismember(&m, WATCHDOG_SIGNAL)) {
        snprintf(why, len, "the watchdog signal is blocked");
        return 0;
    }
    stack_t ss;
    sigaltstack(NULL, &ss);
    if (ss.ss_sp != altstack || ss.ss_flags != 0) {
        snprintf(why, len, "alternate signal stack changed (flags %d)", ss.ss_flags);
        return 0;
    }
    snprintf(why, len, "ok");
    return 1;
}
