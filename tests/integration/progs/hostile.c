/*
 * hostile MODE: change CPU state the host relies on, then enter the host (a kernel call, a
 * fault, the watchdog), for the containment tests (tests/integration/core/containment.sh).
 * vrsim must survive every mode; the guest either goes on or dies with a clear report.
 *   fsbase-kcall  wrfsbase, then a kernel call            (killed: changed its FS base)
 *   fsbase-fault  wrfsbase, then ud2                       (killed: changed its FS base)
 *   fsbase-spin   wrfsbase, then spin                      (killed by the watchdog's tick)
 *   fssel         load %fs with the user data selector     (its base is 0: killed)
 *   fsnull        load %fs with a null selector            (the base may stay: either way)
 *   ac            set EFLAGS.AC and DF, then kernel calls  (they work; AC is still set)
 *   acfault       set EFLAGS.AC, then ud2 (the signal handler runs with the guest's flags)
 *   x87           leave an unmasked x87 exception pending, then a kernel call
 *                 (killed by SIGFPE: the host's next x87 instruction would have taken it)
 *   jmpstub       jump (not call) to a kernel-call stub with rsp pointing nowhere: the
 *                 trampoline's return faults (killed by SIGSEGV, reported without a host pc)
 *   int80         int $0x80, the i386 system call gate     (killed: raw host syscall)
 *   sysenter      sysenter                                 (killed)
 *   far           far return into 32-bit code              (killed by SIGSEGV)
 *   fpu           unmask every SSE and x87 exception, flush to zero, round up; then kernel
 *                 calls that run host code (they work: the host runs no floating point in
 *                 them, and a switch saves and restores each thread's MXCSR and control word)
 *   tscspin       spin on rdtsc without kernel calls: the guest is mostly inside vrsim's
 *                 trap handler, so the watchdog's ticks land there (stopped by the watchdog;
 *                 the host's signal mask stays whole)
 *   probe         rdtsc, rdtscp, cpuid and the kernel-call page: print what a guest sees
 *   vectors       every vector and mask register after kernel calls: count what is not ours
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"

static void wrfsbase(uint64_t v)
{
    __asm__ volatile("wrfsbase %0" ::"r"(v) : "memory");
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static int probe(void)
{
    uint64_t t1 = rdtsc(), t2 = rdtsc();
    uint32_t lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    printf("rdtsc: %llu %llu rdtscp: %llu aux %u\n", (unsigned long long)t1, (unsigned long long)t2,
           (unsigned long long)((uint64_t)hi << 32 | lo), aux);
    uint32_t r[4];
    char vendor[13] = {0}, brand[49] = {0};
    cpuid(0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    printf("cpuid 0: max %u vendor %s\n", r[0], vendor);
    cpuid(1, r);
    printf("cpuid 1: %08x %08x %08x %08x\n", r[0], r[1], r[2], r[3]);
    for (uint32_t l = 0; l < 3; l++) {
        cpuid(0x80000002u + l, r);
        memcpy(brand + 16 * l, r, 16);
    }
    printf("cpuid brand: %s\n", brand);
    printf("kcall page: %016llx\n",
           (unsigned long long)fnv((const unsigned char *)vr_kcall_page(), 4096));
    return t2 > t1 ? 0 : 1;
}

/* Nonzero 64-bit words in every vector register the CPU has (as XCR0 says: xgetbv is not
 * trapped) and in the mask registers, right after a kernel call that ran host code. */
static int vectors_after(const char *what, long (*kcall)(void))
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    int avx512 = (lo & 0xe6) == 0xe6, avx = (lo & 6) == 6;
    static uint64_t z[32][8], k[8];
    memset(z, 0, sizeof z);
    memset(k, 0, sizeof k);
    kcall();
    if (avx512) {
        __asm__ volatile(
#define S(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%0)\n\t"
            S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
                S(16) S(17) S(18) S(19) S(20) S(21) S(22) S(23) S(24) S(25) S(26) S(27) S(28) S(29)
                    S(30) S(31)
#undef S
                        ::"r"(z)
            : "memory");
        __asm__ volatile("kmovw %%k0, 0(%0); kmovw %%k1, 8(%0); kmovw %%k2, 16(%0)\n\t"
                         "kmovw %%k3, 24(%0); kmovw %%k4, 32(%0); kmovw %%k5, 40(%0)\n\t"
                         "kmovw %%k6, 48(%0); kmovw %%k7, 56(%0)" ::"r"(k)
                         : "memory");
    } else if (avx) {
        __asm__ volatile(
#define S(n) "vmovdqu %%ymm" #n ", " #n "*64(%0)\n\t"
            S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
                ::"r"(z)
            : "memory");
    }
    int bad = 0;
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 8; j++)
            bad += z[i][j] != 0;
    for (int i = 0; i < 8; i++)
        bad += k[i] != 0;
    printf("vectors after %s: %d nonzero words (%s)\n", what, bad,
           avx512 ? "avx512"
           : avx  ? "avx"
                  : "sse");
    return bad;
}

static long mark(void);

static long spawn_child(void)
{
    const char *argv[] = {"/test/crash", "ok", NULL};
    uint32_t h;
    return vr_spawn_image("/test/crash", argv, NULL, NULL, 0, &h);
}

static long write_long(void)
{
    static char line[3000];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 2] = '\n';
    return vk_console_write(vr_start_handle(VK_ROLE_STDOUT), line, strlen(line));
}

static long mark(void)
{
    static const char m[] = "a trace mark with a string the host copies with its own memcpy";
    return vk_trace_mark(m, sizeof m - 1);
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "probe";
    printf("%s: start\n", m);
    fflush(stdout);
    if (!strcmp(m, "fsbase-kcall")) {
        wrfsbase(0x1234000);
        vk_getpid();
    } else if (!strcmp(m, "fsbase-fault")) {
        wrfsbase(0);
        __asm__ volatile("ud2");
    } else if (!strcmp(m, "fsbase-spin")) {
        wrfsbase(0x5000);
        for (;;)
            __asm__ volatile("" ::: "memory");
    } else if (!strcmp(m, "fssel")) {
        __asm__ volatile("movl $0x2b, %%eax; movl %%eax, %%fs" ::: "rax", "memory");
        vk_getpid();
    } else if (!strcmp(m, "fsnull")) {
        __asm__ volatile("xorl %%eax, %%eax; movl %%eax, %%fs" ::: "rax", "memory");
        vk_getpid();
        printf("fsnull: the kernel call returned\n");
        return 0;
    } else if (!strcmp(m, "ac")) {
        uint64_t flags;
        __asm__ volatile("pushfq; orl $0x40000, (%%rsp); popfq" ::: "memory", "cc");
        long pid = vk_getpid();
        long w = write_long() + mark(); /* host code copies odd lengths: unaligned accesses */
        __asm__ volatile("std; pushfq; popq %0; cld" : "=r"(flags)::"memory", "cc");
        long pid2 = vk_getpid();
        __asm__ volatile("pushfq; andl $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
        printf("ac: kcalls returned %ld %ld %ld, AC %s after them\n", pid, w, pid2,
               flags & 0x40000 ? "still set" : "lost");
        return 0;
    } else if (!strcmp(m, "acfault")) {
        __asm__ volatile("pushfq; orl $0x40000, (%%rsp); popfq; ud2" ::: "memory", "cc");
    } else if (!strcmp(m, "x87")) {
        uint16_t cw = 0x340; /* every exception unmasked */
        __asm__ volatile("fninit; fldcw %0; fldz; fld1; fdivp" ::"m"(cw));
        vk_getpid();
    } else if (!strcmp(m, "jmpstub")) {
        uint64_t fn = vr_kcall_page() + VK_KCALL_STUB_OFFSET + VK_NR_GETPID * VK_KCALL_STUB_STRIDE;
        __asm__ volatile("movq $0x1000, %%rsp; jmp *%0" ::"r"(fn) : "memory");
    } else if (!strcmp(m, "int80")) {
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        printf("int80 returned %ld\n", r);
    } else if (!strcmp(m, "sysenter")) {
        __asm__ volatile("sysenter" ::: "memory");
        printf("sysenter returned\n");
    } else if (!strcmp(m, "far")) {
        __asm__ volatile("pushq $0x23; pushq $0x1000; lretq" ::: "memory");
        printf("far returned\n");
    } else if (!strcmp(m, "fpu")) {
        uint32_t mxcsr = 0x8000 | 0x4000 | 0x40; /* FTZ, round up, DAZ; no exception masked */
        uint16_t cw = 0x0b40;                    /* round up, no exception masked */
        __asm__ volatile("ldmxcsr %0; fldcw %1" ::"m"(mxcsr), "m"(cw));
        long r = spawn_child() + write_long() + mark();
        uint32_t after;
        __asm__ volatile("stmxcsr %0" : "=m"(after));
        uint32_t def = 0x1f80;
        uint16_t defcw = 0x37f;
        __asm__ volatile("ldmxcsr %0; fldcw %1" ::"m"(def), "m"(defcw));
        printf("fpu: kcalls returned %ld, MXCSR %s\n", r,
               (after & ~0x3fu) == mxcsr ? "kept" : "changed");
        return 0;
    } else if (!strcmp(m, "tscspin")) {
        volatile uint64_t sink = 0;
        for (;;)
            sink += rdtsc();
    } else if (!strcmp(m, "probe")) {
        return probe();
    } else if (!strcmp(m, "vectors")) {
        int bad = vectors_after("spawn", spawn_child) + vectors_after("console write", write_long) +
                  vectors_after("trace mark", mark);
        return bad != 0;
    } else {
        fprintf(stderr, "hostile: unknown mode %s\n", m);
        return 2;
    }
    printf("%s: still running\n", m);
    return 3;
}
