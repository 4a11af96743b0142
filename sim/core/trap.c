/*
 * Traps: how the host catches what guests do natively. CPU faults (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP) in guest code, SIGSYS from raw system calls through any gate (seccomp),
 * the trapped rdtsc/rdtscp/cpuid, and the CPU-time watchdog that stops a guest spinning
 * without kernel calls. (Fault injection, the deliberate kind, is another module.)
 *
 * A fault in a guest ends that process only. The handlers are entered through arch.S
 * (vs_sigfault_entry, vs_sigwd_entry), which put the host's FS base back first if a guest
 * had changed it, so no C code here ever runs with a guest's %fs. A handler never longjmps
 * or switches out: it rewrites the ucontext so that the return from the handler lands on the
 * thread's kernel stack at vs_fault_entry, and rt_sigreturn restores the signal mask and the
 * alternate stack for us. A fault inside the kernel's guest-memory copy becomes -EFAULT
 * (the handler moves rip to the copy's fixup). Any other fault is a host bug: it is
 * chained to the previous handler (ASan's, or the default action).
 *
 * rdtsc/rdtscp and cpuid are made to fault (PR_SET_TSC, ARCH_SET_CPUID) and answered here:
 * in a guest from virtual time and from vrsim's fixed CPU model, so a guest may use them
 * and a run stays deterministic; in host code (glibc's vDSO clock, ASan) by executing the
 * instruction for real with the trap lifted for that one instruction.
 *
 * This is the one module with process-wide state: signal dispositions, the alternate
 * signal stack, the seccomp filter, the TSC and CPUID traps and what the CPU offers belong
 * to the host process, not to a machine.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sim/core/machine.h"

#define ALTSTACK_SIZE (64u << 10)
#define WATCHDOG_TICK_MS 10u
#define WATCHDOG_SIGNAL SIGVTALRM

long vs_copy_user(void *dst, const void *src, size_t n);
extern const char vs_copy_user_fixup[], vs_copy_user_end[];
void vs_fault_entry(void);
long vs_kentry(void);
extern const char vs_kentry_end[];
void vs_sigfault_entry(int sig, siginfo_t *si, void *ucv);
void vs_sigwd_entry(int sig, siginfo_t *si, void *ucv);
void vs_on_fault(int sig, siginfo_t *si, void *ucv, int fs_foreign);
void vs_on_watchdog(int sig, siginfo_t *si, void *ucv, int fs_foreign);

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif
#define VS_UC_SIGCONTEXT_SS 0x2 /* asm/ucontext.h, which clashes with glibc's */
#define EFLAGS_DF (1L << 10)
#define EFLAGS_TF (1L << 8)
#define EFLAGS_AC (1L << 18)

/* Read by arch.S (see its contract). */
VS_HIDDEN uint64_t vs_host_fsbase;
VS_HIDDEN uint8_t vs_fsgsbase;
VS_HIDDEN uint8_t vs_scrub_level;

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
static struct sigaction previous[65];
static void *altstack;
static int host_ready;
static uint16_t host_cs, host_ss;
static int tsc_trapped, cpuid_trapped;
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
    g[REG_RSP] = (greg_t)t->plat.ktop;
    g[REG_RIP] = (greg_t)(uintptr_t)vs_fault_entry;
    g[REG_RBP] = 0;
    g[REG_EFL] &= ~(EFLAGS_DF | EFLAGS_TF | EFLAGS_AC);
    /* a far jump may have left the guest in 32-bit mode: return to 64-bit host code */
    g[REG_CSGSFS] = (greg_t)(((uint64_t)g[REG_CSGSFS] & ~0xffffull) | host_cs);
    if (uc->uc_flags & VS_UC_SIGCONTEXT_SS)
        g[REG_CSGSFS] =
            (greg_t)(((uint64_t)g[REG_CSGSFS] & ~(0xffffull << 48)) | ((uint64_t)host_ss << 48));
    if (uc->uc_mcontext.fpregs) { /* host defaults, and no x87 exception left pending */
        uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
        uc->uc_mcontext.fpregs->cwd = 0x37f;
        uc->uc_mcontext.fpregs->swd = 0;
    }
    t->plat.in_kernel = 1;
}

/* ---- rdtsc, rdtscp, cpuid ---- */

/* vrsim's CPU model, what cpuid answers in a guest: an x86-64-v2 CPU (SSE up to SSE4.2,
 * POPCNT, CMPXCHG16B; no AVX, no XSAVE) named "VeridianvCPU", one core, TSC at 1 GHz (a TSC
 * tick is a virtual nanosecond). Fixed, so guests see the same CPU on every host. */
#define CPU_MAX_LEAF 7u
#define CPU_MAX_EXT_LEAF 0x80000004u
#define CPU_LEAF1_ECX ((1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23))
#define CPU_LEAF1_EDX                                                                              \
    ((1u << 0) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 19) | (1u << 23) | (1u << 24) |       \
     (1u << 25) | (1u << 26))
#define CPU_EXT1_ECX (1u << 0)                 /* LAHF/SAHF */
#define CPU_EXT1_EDX ((1u << 20) | (1u << 29)) /* NX, long mode */
static const char cpu_brand[48] = "Veridian vrsim x86-64-v2 CPU";

void vs_cpu_model(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    (void)sub;
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf == 0) {
        r[0] = CPU_MAX_LEAF;
        memcpy(&r[1], "Veri", 4); /* ebx, edx, ecx spell the vendor */
        memcpy(&r[3], "dian", 4);
        memcpy(&r[2], "vCPU", 4);
    } else if (leaf == 1) {
        r[0] = 0x600;   /* family 6, model 0, stepping 0 */
        r[1] = 0x10800; /* 64-byte clflush lines, one logical CPU, APIC id 0 */
        r[2] = CPU_LEAF1_ECX;
        r[3] = CPU_LEAF1_EDX;
    } else if (leaf == 0x80000000u) {
        r[0] = CPU_MAX_EXT_LEAF;
    } else if (leaf == 0x80000001u) {
        r[2] = CPU_EXT1_ECX;
        r[3] = CPU_EXT1_EDX;
    } else if (leaf >= 0x80000002u && leaf <= 0x80000004u) {
        memcpy(r, cpu_brand + (leaf - 0x80000002u) * 16, 16);
    }
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static uint64_t host_rdtsc(int rdtscp, uint32_t *aux)
{
    uint32_t lo, hi, c = 0;
    if (rdtscp)
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
    else
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    *aux = c;
    return (uint64_t)hi << 32 | lo;
}

enum trapped_insn { INSN_NONE, INSN_RDTSC, INSN_RDTSCP, INSN_CPUID };

/* Which trapped instruction a general-protection fault stopped at, and its length. The
 * bytes are readable: the CPU just fetched them. */
static enum trapped_insn trapped_at(const siginfo_t *si, uint64_t pc, unsigned *len)
{
    if (si->si_code != SI_KERNEL || !(tsc_trapped | cpuid_trapped))
        return INSN_NONE;
    const unsigned char *b = (const unsigned char *)(uintptr_t)pc;
    if (b[0] != 0x0f)
        return INSN_NONE;
    if (b[1] == 0x31 && tsc_trapped) {
        *len = 2;
        return INSN_RDTSC;
    }
    if (b[1] == 0x01 && b[2] == 0xf9 && tsc_trapped) {
        *len = 3;
        return INSN_RDTSCP;
    }
    if (b[1] == 0xa2 && cpuid_trapped) {
        *len = 2;
        return INSN_CPUID;
    }
    return INSN_NONE;
}

/* Answer a trapped instruction in the saved context and step over it. A guest gets virtual
 * time and the CPU model (each rdtsc costs one kernel call's virtual time, so a loop that
 * waits on the TSC sees it move); host code gets the real thing. */
static void emulate(ucontext_t *uc, struct vk_thread *guest, enum trapped_insn insn, unsigned len)
{
    greg_t *g = uc->uc_mcontext.gregs;
    uint32_t r[4];
    if (insn == INSN_CPUID) {
        uint32_t leaf = (uint32_t)g[REG_RAX], sub = (uint32_t)g[REG_RCX];
        if (guest) {
            vs_cpu_model(leaf, sub, r);
        } else {
            syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
            host_cpuid(leaf, sub, r);
            syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
        }
        g[REG_RAX] = r[0];
        g[REG_RBX] = r[1];
        g[REG_RCX] = r[2];
        g[REG_RDX] = r[3];
    } else {
        uint64_t tsc;
        uint32_t aux = 0;
        if (guest) {
            struct vk_kernel *k = guest->kernel;
            k->now += ((struct vk_machine *)k->platform)->kcall_cost_ns;
            tsc = k->now;
        } else {
            prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
            tsc = host_rdtsc(insn == INSN_RDTSCP, &aux);
            prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
        }
        g[REG_RAX] = (greg_t)(uint32_t)tsc;
        g[REG_RDX] = (greg_t)(tsc >> 32);
        if (insn == INSN_RDTSCP)
            g[REG_RCX] = aux;
    }
    g[REG_RIP] += len;
}

/* ---- the handlers ---- */

static void guest_dies(ucontext_t *uc, struct vk_thread *t, uint32_t kind, int sig, uint64_t pc,
                       uint64_t addr)
{
    memset(&t->fault, 0, sizeof t->fault);
    t->fault.exit_kind = kind;
    t->fault.signo = (uint32_t)sig;
    t->fault.exit_code = 128 + sig;
    t->fault.fault_pc = pc;
    t->fault.fault_addr = addr;
    redirect(uc, t);
}

void vs_on_fault(int sig, siginfo_t *si, void *ucv, int fs_foreign)
{
    ucontext_t *uc = ucv;
    uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
    struct vk_thread *t = vs_cur;
    unsigned len = 0;
    enum trapped_insn insn = sig == SIGSEGV ? trapped_at(si, pc, &len) : INSN_NONE;
    if (!t || t->plat.in_kernel) {
        if (t && (sig == SIGSEGV || sig == SIGBUS) && in_arenas(addr)) {
            if (pc >= (uint64_t)(uintptr_t)vs_copy_user &&
                pc < (uint64_t)(uintptr_t)vs_copy_user_end) {
                uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)vs_copy_user_fixup;
                return;
            }
        }
        if (insn != INSN_NONE) {
            emulate(uc, NULL, insn, len);
            return;
        }
        chain(sig);
        return;
    }
    /* the thread was running guest code */
    if (fs_foreign) {
        guest_dies(uc, t, VK_EXIT_FSBASE, SIGSEGV, pc, 0);
        return;
    }
    if (insn != INSN_NONE) {
        emulate(uc, t, insn, len);
        return;
    }
    struct vk_machine *vm = t->kernel->platform;
    if (vm->on_trap && vm->on_trap(vm, t, sig, uc)) /* a debugger's breakpoint or step */
        return;
    if (pc >= (uint64_t)(uintptr_t)vs_kentry && pc < (uint64_t)(uintptr_t)vs_kentry_end)
        pc = 0; /* the trampoline's return to a guest stack that is not there: no host address
                 * in the report (it would differ from run to run with --host-aslr) */
    if (sig == SIGSYS)
        guest_dies(uc, t, VK_EXIT_SYSCALL, sig, pc, pc);
    else
        guest_dies(uc, t, VK_EXIT_FAULT, sig, pc, addr);
}

void vs_on_watchdog(int sig, siginfo_t *si, void *ucv, int fs_foreign)
{
    ucontext_t *uc = ucv;
    struct vk_thread *t = vs_cur;
    uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    (void)sig;
    (void)si;
    /* never stop host code: not the kernel, and not a fault handler that the tick
     * interrupted (it runs with in_kernel clear; sent to vs_fault_entry it would never
     * return, and the signal it handles would stay blocked: the next such fault would kill
     * vrsim). Guest code runs in the arenas. */
    if (!t || t->plat.in_kernel || !in_arenas(pc))
        return;
    if (fs_foreign) {
        guest_dies(uc, t, VK_EXIT_FSBASE, SIGSEGV, pc, 0);
        return;
    }
    if (t->kcalls != t->plat.wd_seen) {
        t->plat.wd_seen = t->kcalls;
        t->plat.wd_strikes = 0;
        return;
    }
    if (++t->plat.wd_strikes < watchdog_strikes_max)
        return;
    guest_dies(uc, t, VK_EXIT_WATCHDOG, SIGKILL, pc, 0);
    t->fault.signo = 0; /* no signal of the guest's: the host stopped it */
}

/* System calls trap (SIGSYS) when their instruction is in the arenas, and whatever the
 * instruction pointer when they come through a 32-bit gate (int $0x80, sysenter, or
 * syscall from 32-bit code): vrsim itself makes only x86_64 system calls, so every other
 * kind is a guest's. Everything else is allowed. */
static int seccomp_install(void)
{
    _Static_assert((VS_ARENA_BASE & 0xffffffffull) == 0, "filter compares the high word");
    uint32_t lo = (uint32_t)(VS_ARENA_BASE >> 32);
    uint32_t hi = (uint32_t)((VS_ARENA_BASE + VS_ARENA_MAX_MACHINES * VS_ARENA_STRIDE) >> 32);
    struct sock_filter f[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3), /* else 5 */
        /* 2 */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2), /* below the arenas: 6 */
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, hi, 1, 0), /* above: 6, inside: 5 */
        /* 5 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        /* 6 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return -errno;
    return 0;
}

/* What the CPU and kernel offer: FSGSBASE for the FS-base check, the vector state to scrub
 * on every return to a guest, the host's code and stack selectors. */
static void cpu_probe(void)
{
    uint32_t r[4];
    if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) {
        uint64_t base;
        __asm__ volatile("rdfsbase %0" : "=r"(base));
        vs_host_fsbase = base;
        vs_fsgsbase = 1;
    }
    host_cpuid(1, 0, r);
    if (r[2] & (1u << 27)) { /* OSXSAVE: XCR0 says which state the kernel enabled */
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 0xe6) == 0xe6)
            vs_scrub_level = 2; /* opmask, ZMM_Hi256, Hi16_ZMM */
        else if ((lo & 0x6) == 0x6)
            vs_scrub_level = 1; /* SSE, AVX */
    }
    __asm__ volatile("mov %%cs, %0" : "=r"(host_cs));
    __asm__ volatile("mov %%ss, %0" : "=r"(host_ss));
}

/* Make rdtsc/rdtscp and cpuid fault, so guests can be answered deterministically; say so
 * when the host cannot. The CPU model claims x86-64-v2: warn if this CPU lacks part of it. */
static void traps_install(FILE *err)
{
    uint32_t r[4];
    host_cpuid(1, 0, r);
    if ((r[2] & CPU_LEAF1_ECX) != CPU_LEAF1_ECX || (r[3] & CPU_LEAF1_EDX) != CPU_LEAF1_EDX)
        fprintf(err, "vrsim: warning: this CPU lacks features of vrsim's CPU model "
                     "(x86-64-v2): guests that use them will fault\n");
    tsc_trapped = prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) == 0;
    if (!tsc_trapped)
        fprintf(err,
                "vrsim: warning: cannot trap rdtsc here (%s): guests that read the TSC "
                "see the host's and are not deterministic\n",
                strerror(errno));
    cpuid_trapped = syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0;
    if (!cpuid_trapped)
        fprintf(err, "vrsim: warning: this host has no CPUID faulting: cpuid in guests "
                     "returns the host's values\n");
}

int vs_host_init(FILE *err)
{
    if (host_ready)
        return 0;
    cpu_probe();
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
    sa.sa_sigaction = vs_sigfault_entry;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, WATCHDOG_SIGNAL); /* no watchdog tick inside a fault handler */
    for (size_t i = 0; i < sizeof fault_signals / sizeof fault_signals[0]; i++) {
        int s = fault_signals[i];
        if (sigaction(s, &sa, &previous[s]))
            return -errno;
        if (previous[s].sa_handler == SIG_IGN)
            previous[s].sa_handler = SIG_DFL;
    }
    sa.sa_sigaction = vs_sigwd_entry;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    if (sigaction(WATCHDOG_SIGNAL, &sa, NULL))
        return -errno;
    int rc = seccomp_install();
    if (rc) {
        fprintf(err, "vrsim: seccomp filter: %s\n", strerror(-rc));
        return rc;
    }
    traps_install(err);
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
