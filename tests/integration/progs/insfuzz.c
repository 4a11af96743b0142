/*
 * insfuzz: the instruction fuzzer of issue #8 (containment). vrsim runs guest code natively in
 * its own address space, so any instruction sequence a faulty guest executes must end that
 * guest at worst, never vrsim.
 *
 *   insfuzz N SEED [FIRST [EXCLUDE]]
 *                             parent: runs FIRST .. FIRST+N-1, one child process each, one at
 *                             a time; prints "insfuzz: run I" before spawning run I (so when
 *                             vrsim dies, the last such line names the run that killed it)
 *                             and a histogram of how the children ended. EXCLUDE: snippet
 *                             names and rflags bits (ac,tf,df,nt) to leave out, to look past
 *                             a known crash
 *   insfuzz -c SEED I         child: run I (what the parent spawns; reproduces one run alone)
 *   insfuzz -d SEED I         print run I (code bytes, registers, flags) without running it
 *   insfuzz -s NAMES k|f|j    the named snippets alone, then a tail (see make_snip_run)
 *   (-c and -d take an optional EXCLUDE after I, like the parent's)
 *
 * A run is a function of (SEED, I) only. Run I executes sequence I/2 of seeded bytes in an
 * RWX section of this program (the loader maps W+X segments as asked) with random values in
 * every general register (rsp points into a scratch stack), the xmm registers and rflags
 * (AC, DF, TF, NT among the random bits); even runs end the sequence with a kernel call
 * (through the vDSO stub; into the stub past its call-number load; or jumping to it with a bad
 * stack) followed by process_exit(77), odd runs with a fault or nothing. The bytes are pure
 * random, or biased: one to three snippets of the instructions that touch state the host
 * relies on (wrfsbase/wrgsbase, %fs/%gs/%ss loads, popf with AC/TF/DF/NT, int $0x80, sysenter,
 * syscall, int3, icebp, ud2, far jmp/call/ret and iret to the 32-bit code segment 0x23,
 * privileged instructions, rdtsc/rdtscp/rdpid/cpuid/xgetbv, vzeroupper, AVX-512, ldmxcsr and
 * fldcw with exceptions unmasked, a pending x87 exception, fxrstor of random state), mixed
 * with random bytes.
 *
 * Before jumping, the child closes every handle it was started with, so random kernel calls
 * cannot write to the console or talk to vfs. The parent gives each child 50 ms of virtual
 * time (a child that loops through kernel calls is killed); the watchdog (vrsim
 * --watchdog-ms) ends children that spin without kernel calls. Every way a child ends is
 * fine; the test is that vrsim survives all of them and prints its digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vk.h"

#define CODE_SIZE 8192u
#define SEQ_ROOM 3072u /* bytes of a sequence before its tail */
#define STACK_SIZE 65536u
#define EXIT_TAIL 77 /* the exit code of a run that came back from its tail's kernel call */
#define CHILD_DEADLINE_NS 50000000ull

/* The code buffer: writable and executable, one section of its own. */
__asm__(".pushsection .insfuzz_code,\"awx\",@progbits\n"
        ".balign 4096\n"
        ".globl insfuzz_code\n"
        ".hidden insfuzz_code\n"
        "insfuzz_code:\n"
        ".fill 8192,1,0xcc\n"
        ".popsection\n");
extern unsigned char insfuzz_code[];

struct fuzz_regs {
    uint64_t gpr[16]; /* rax rbx rcx rdx rsi rdi rbp rsp r8 .. r15 */
    uint64_t rflags;
    uint64_t target;
    uint8_t xmm[16][16];
};
_Static_assert(__builtin_offsetof(struct fuzz_regs, rflags) == 128, "fuzz_regs.rflags");
_Static_assert(__builtin_offsetof(struct fuzz_regs, target) == 136, "fuzz_regs.target");
_Static_assert(__builtin_offsetof(struct fuzz_regs, xmm) == 144, "fuzz_regs.xmm");

/* noreturn void insfuzz_enter(const struct fuzz_regs *r): load every register from r and
 * jump to r->target; popfq comes last but one, so TF traps on the first fuzzed byte. */
__asm__(".text\n"
        ".globl insfuzz_enter\n"
        ".hidden insfuzz_enter\n"
        ".type insfuzz_enter,@function\n"
        "insfuzz_enter:\n"
        "    movq %rdi, %rax\n"
        "    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        "    movdqu 144+16*\\n(%rax), %xmm\\n\n"
        "    .endr\n"
        "    movq 56(%rax), %rsp\n"
        "    pushq 136(%rax)\n"
        "    pushq 128(%rax)\n"
        "    movq 8(%rax), %rbx\n"
        "    movq 16(%rax), %rcx\n"
        "    movq 24(%rax), %rdx\n"
        "    movq 32(%rax), %rsi\n"
        "    movq 40(%rax), %rdi\n"
        "    movq 48(%rax), %rbp\n"
        "    movq 64(%rax), %r8\n"
        "    movq 72(%rax), %r9\n"
        "    movq 80(%rax), %r10\n"
        "    movq 88(%rax), %r11\n"
        "    movq 96(%rax), %r12\n"
        "    movq 104(%rax), %r13\n"
        "    movq 112(%rax), %r14\n"
        "    movq 120(%rax), %r15\n"
        "    movq 0(%rax), %rax\n"
        "    popfq\n"
        "    ret\n"
        ".size insfuzz_enter, .-insfuzz_enter\n");
_Noreturn void insfuzz_enter(const struct fuzz_regs *r);

/* The biased snippets, assembled by gas (never executed in place: copied into the code
 * buffer). Offsets from snip_base, so the table needs no relocation. rdrand and rdseed are
 * left out: their values cannot be made deterministic, and they touch no host state. */
#define SNIPPETS(X)                                                                                \
    X(wrfsbase, "wrfsbase %rax")                                                                   \
    X(wrfsbase0, "xorl %eax, %eax; wrfsbase %rax")                                                 \
    X(wrgsbase, "wrgsbase %rbx")                                                                   \
    X(wrgsbase0, "xorl %eax, %eax; wrgsbase %rax")                                                 \
    X(rdfsbase, "rdfsbase %rdi")                                                                   \
    X(fs_null, "xorl %eax, %eax; movl %eax, %fs")                                                  \
    X(fs_null3, "movl $3, %eax; movl %eax, %fs")                                                   \
    X(fs_data, "movl $0x2b, %eax; movl %eax, %fs")                                                 \
    X(fs_code32, "movl $0x23, %eax; movl %eax, %fs")                                               \
    X(fs_rand, "movl %ecx, %fs")                                                                   \
    X(gs_null, "xorl %eax, %eax; movl %eax, %gs")                                                  \
    X(gs_data, "movl $0x2b, %eax; movl %eax, %gs")                                                 \
    X(ds_null, "xorl %eax, %eax; movl %eax, %ds; movl %eax, %es")                                  \
    X(es_data, "movl $0x2b, %eax; movl %eax, %es")                                                 \
    X(ss_data, "movl $0x2b, %eax; movl %eax, %ss")                                                 \
    X(ss_null, "xorl %eax, %eax; movl %eax, %ss")                                                  \
    X(fs_read, "movq %fs:0, %rsi; movq %fs:0x28, %rdx")                                            \
    X(popf_ac, "pushfq; orl $0x40000, (%rsp); popfq")                                              \
    X(popf_tf, "pushfq; orl $0x100, (%rsp); popfq")                                                \
    X(popf_df, "pushfq; orl $0x400, (%rsp); popfq")                                                \
    X(popf_nt, "pushfq; orl $0x4000, (%rsp); popfq")                                               \
    X(popf_all, "pushfq; orl $0x44500, (%rsp); popfq")                                             \
    X(popf_id, "pushfq; xorl $0x200000, (%rsp); popfq")                                            \
    X(std, "std")                                                                                  \
    X(int80, "int $0x80")                                                                          \
    X(int80_getpid, "movl $20, %eax; int $0x80")                                                   \
    X(int80_exit, "movl $1, %eax; xorl %ebx, %ebx; int $0x80")                                     \
    X(sysenter, "sysenter")                                                                        \
    X(syscall, "syscall")                                                                          \
    X(syscall_getpid, "movl $39, %eax; syscall")                                                   \
    X(syscall_x32, "movl $0x40000027, %eax; syscall")                                              \
    X(int3, "int3")                                                                                \
    X(int_3, "int $3")                                                                             \
    X(icebp, ".byte 0xf1")                                                                         \
    X(int_2e, "int $0x2e")                                                                         \
    X(int_ff, "int $0xff")                                                                         \
    X(ud2, "ud2")                                                                                  \
    X(ud1, "ud1 %eax, %eax")                                                                       \
    X(lret32, "pushq $0x23; pushq $0x1000; lretq")                                                 \
    X(lret32_here, "pushq $0x23; pushq %rbx; lretq")                                               \
    X(lret64, "pushq $0x33; leaq 1f(%rip), %rax; pushq %rax; lretq; 1:")                           \
    X(lret_data, "pushq $0x2b; pushq $0x1000; lretq")                                              \
    X(ljmp32, "subq $16, %rsp; movl $0x1000, (%rsp); movw $0x23, 4(%rsp); ljmpl *(%rsp)")          \
    X(lcall32, "subq $16, %rsp; movl $0x1000, (%rsp); movw $0x23, 4(%rsp); lcalll *(%rsp)")        \
    X(ljmp64, "subq $16, %rsp; leaq 1f(%rip), %rax; movq %rax, (%rsp); movw $0x33, 8(%rsp); "      \
              "rex64 ljmp *(%rsp); 1:")                                                            \
    X(iret32, "movq %rsp, %rax; pushq $0x2b; pushq %rax; pushfq; pushq $0x23; pushq $0x1000; "     \
              "iretq")                                                                             \
    X(iret64, "movq %rsp, %rax; pushq $0x2b; pushq %rax; pushfq; pushq $0x33; "                    \
              "leaq 1f(%rip), %rax; pushq %rax; iretq; 1:")                                        \
    X(iret_tf, "movq %rsp, %rax; pushq $0x2b; pushq %rax; pushfq; orl $0x4500, (%rsp); "           \
               "pushq $0x33; leaq 1f(%rip), %rax; pushq %rax; iretq; 1:")                          \
    X(iret_ac, "movq %rsp, %rax; pushq $0x2b; pushq %rax; pushfq; orl $0x40000, (%rsp); "          \
               "pushq $0x33; leaq 1f(%rip), %rax; pushq %rax; iretq; 1:")                          \
    X(hlt, "hlt")                                                                                  \
    X(cli, "cli")                                                                                  \
    X(sti, "sti")                                                                                  \
    X(in, "inb $0x80, %al")                                                                        \
    X(out, "outb %al, $0x80")                                                                      \
    X(movcr, "movq %cr0, %rax")                                                                    \
    X(rdmsr, "xorl %ecx, %ecx; rdmsr")                                                             \
    X(sgdt, "sgdt (%rsp)")                                                                         \
    X(rdtsc, "rdtsc")                                                                              \
    X(rdtscp, "rdtscp")                                                                            \
    X(rdpid, "rdpid %rax")                                                                         \
    X(rdpmc, "xorl %ecx, %ecx; rdpmc")                                                             \
    X(cpuid0, "xorl %eax, %eax; cpuid")                                                            \
    X(cpuid7, "movl $7, %eax; xorl %ecx, %ecx; cpuid")                                             \
    X(cpuid_rand, "cpuid")                                                                         \
    X(xgetbv, "xorl %ecx, %ecx; xgetbv")                                                           \
    X(xsetbv, "xorl %ecx, %ecx; xsetbv")                                                           \
    X(wrpkru, "xorl %ecx, %ecx; xorl %edx, %edx; movl $0xc, %eax; wrpkru")                         \
    X(vzeroupper, "vzeroupper")                                                                    \
    X(vzeroall, "vzeroall")                                                                        \
    X(ymm_dirty, "vpcmpeqd %ymm0, %ymm0, %ymm0; vpcmpeqd %ymm15, %ymm15, %ymm15")                  \
    X(zmm_hi, "vpternlogd $0xff, %zmm31, %zmm31, %zmm31; vpternlogd $0xff, %zmm16, %zmm16, "       \
              "%zmm16")                                                                            \
    X(zmm_load, "vmovdqu64 (%rsp), %zmm17")                                                        \
    X(kmask, "movq $-1, %rax; kmovq %rax, %k1; kmovq %rax, %k7")                                   \
    X(mxcsr_unmasked, "pushq $0; ldmxcsr (%rsp); popq %rax")                                       \
    X(mxcsr_ftz, "pushq $0xff80; ldmxcsr (%rsp); popq %rax")                                       \
    X(mxcsr_bad, "pushq $0x10000; ldmxcsr (%rsp); popq %rax")                                      \
    X(mxcsr_divz, "pushq $0; ldmxcsr (%rsp); popq %rax; xorps %xmm1, %xmm1; divss %xmm1, %xmm0")   \
    X(fpu_unmasked, "pushq $0x40; fldcw (%rsp); popq %rax")                                        \
    X(fpu_pending, "fninit; pushq $0x40; fldcw (%rsp); popq %rax; fldz; fld1; fdivp")              \
    X(fpu_stack, "fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1")                           \
    X(fxrstor_rand, "andq $-16, %rsp; subq $512, %rsp; fxrstor64 (%rsp)")                          \
    X(xrstor_rand, "andq $-64, %rsp; subq $1024, %rsp; movl $-1, %eax; movl $-1, %edx; "           \
                   "xrstor64 (%rsp)")                                                              \
    X(emms, "emms")                                                                                \
    X(rsp_zero, "xorl %esp, %esp")                                                                 \
    X(rsp_high, "movabsq $0x7ffffffff000, %rsp")                                                   \
    X(rsp_odd, "orq $7, %rsp")                                                                     \
    X(enter_big, "enter $0xffff, $31")                                                             \
    X(lock_bad, ".byte 0xf0, 0x90")                                                                \
    X(xabort, "xbegin 1f; xabort $1; 1:")                                                          \
    X(umwait, "xorl %eax, %eax; xorl %edx, %edx; umwait %ecx")                                     \
    X(clflush, "clflush (%rsp)")

#define SNIP_ASM(name, text) "snip_" #name ":\n" text "\n"
#define SNIP_OFF(name, text) ".long snip_" #name " - snip_base\n"
#define SNIP_NAME(name, text) #name,
#define SNIP_COUNT(name, text) +1

__asm__(
    ".pushsection .rodata\n.balign 8\nsnip_base:\n" SNIPPETS(SNIP_ASM) "snip_end:\n.popsection\n");
__asm__(".pushsection .rodata\n.balign 4\nsnip_table:\n" SNIPPETS(
    SNIP_OFF) ".long snip_end - snip_base\n.popsection\n");

extern const unsigned char snip_base[];
extern const uint32_t snip_table[];
static const char *const snip_names[] = {SNIPPETS(SNIP_NAME)};
#define NSNIPS (0 SNIPPETS(SNIP_COUNT))

/* ---- the run's random choices ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix64(r->s);
}

static uint32_t below(struct rng *r, uint32_t n)
{
    return (uint32_t)(rnd(r) % n);
}

static unsigned char scratch_stack[STACK_SIZE] __attribute__((aligned(64)));
static unsigned char scratch_data[4096] __attribute__((aligned(64)));

static uint64_t stub(uint32_t nr)
{
    return vr_kcall_page() + VK_KCALL_STUB_OFFSET + (uint64_t)nr * VK_KCALL_STUB_STRIDE;
}

static uint64_t reg_value(struct rng *r)
{
    switch (below(r, 14)) {
    case 0:
        return 0;
    case 1:
        return (uint64_t)-1;
    case 2:
        return below(r, 4096);
    case 3:
        return (uint64_t)(uintptr_t)(scratch_data + below(r, sizeof scratch_data));
    case 4:
        return (uint64_t)(uintptr_t)(scratch_stack + below(r, STACK_SIZE));
    case 5:
        return (uint64_t)(uintptr_t)(insfuzz_code + below(r, CODE_SIZE));
    case 6:
        return stub(below(r, VK_NR_COUNT + 2));
    case 7:
        return vr_kcall_page() + below(r, 1u << 20); /* the vDSO page and the hole after it */
    case 8:
        return 0x8000000000000000ull + below(r, 4096); /* non-canonical */
    case 9:
        return 0xffffffff81000000ull; /* kernel half */
    case 10: {
        static const uint64_t sel[] = {0x0, 0x3, 0x10, 0x23, 0x2b, 0x33, 0x53, 0xffff};
        return sel[below(r, 8)];
    }
    case 11:
        return 1ull << below(r, 64);
    default:
        return rnd(r);
    }
}

struct emit {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct emit *e, const void *b, size_t n)
{
    if (e->n + n <= e->cap) {
        memcpy(e->p + e->n, b, n);
        e->n += n;
    }
}

static void put8(struct emit *e, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put(e, &b, 1);
}

static void put_imm(struct emit *e, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(e, (unsigned)(v >> (8 * i)));
}

static void put_movabs(struct emit *e, unsigned opcode_reg, uint64_t v) /* 49 bb = r11 */
{
    put8(e, opcode_reg >> 8);
    put8(e, opcode_reg & 0xff);
    put_imm(e, v, 8);
}

#define MOVABS_R11 0x49bbu
#define MOVABS_RSP 0x48bcu

static void put_random(struct emit *e, struct rng *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(e, (unsigned)rnd(r));
}

/* Snippets and flags left out of a run (insfuzz ... EXCLUDE): a comma-separated list of
 * snippet names and of "ac", "tf", "df", "nt" (rflags bits), to look past a known crash. */
static unsigned char snip_excluded[NSNIPS];
static uint64_t flags_excluded;

static int excluded_parse(const char *list)
{
    static const struct {
        const char *name;
        uint64_t bit;
    } fl[] = {{"ac", 0x40000}, {"tf", 0x100}, {"df", 0x400}, {"nt", 0x4000}};
    while (list && *list) {
        size_t n = strcspn(list, ",");
        int found = 0;
        for (int k = 0; k < NSNIPS; k++)
            if (strlen(snip_names[k]) == n && !strncmp(snip_names[k], list, n))
                found = snip_excluded[k] = 1;
        for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++)
            if (strlen(fl[k].name) == n && !strncmp(fl[k].name, list, n)) {
                flags_excluded |= fl[k].bit;
                found = 1;
            }
        if (!found) {
            printf("insfuzz: unknown snippet or flag '%.*s'\n", (int)n, list);
            return -1;
        }
        list += n + (list[n] == ',');
    }
    return 0;
}

static int snip_find(const char *name)
{
    for (int k = 0; k < NSNIPS; k++)
        if (!strcmp(snip_names[k], name))
            return k;
    return -1;
}

static void put_snip_k(struct emit *e, int k)
{
    put(e, snip_base + snip_table[k], snip_table[k + 1] - snip_table[k]);
}

static int put_snip(struct emit *e, struct rng *r)
{
    int k = (int)below(r, NSNIPS);
    for (int tries = 0; snip_excluded[k] && tries < 64; tries++)
        k = (int)below(r, NSNIPS);
    put_snip_k(e, k);
    return k;
}

/* The kernel calls a tail makes: cheap, plus some that act on random arguments. */
static const uint32_t tail_nrs[] = {
    VK_NR_CLOCK_GET,   VK_NR_GETPID,      VK_NR_THREAD_YIELD, VK_NR_HANDLE_CLOSE,
    VK_NR_HANDLE_INFO, VK_NR_VMO_CREATE,  VK_NR_TRACE_MARK,   VK_NR_FUTEX_WAKE,
    VK_NR_WAIT_MANY,   VK_NR_KERNEL_INFO, VK_NR_SPAWN,        VK_NR_THREAD_CREATE,
    VK_NR_CLOCK_GET,   VK_NR_GETPID,      VK_NR_CLOCK_GET,    VK_NR_GETPID,
};

/* Kernel-call tail: returns a description. */
static const char *put_kcall_tail(struct emit *e, struct rng *r)
{
    uint32_t nr = tail_nrs[below(r, sizeof tail_nrs / sizeof tail_nrs[0])];
    const char *what;
    switch (below(r, 8)) {
    case 0: /* into the stub past its call-number load: eax is whatever the bytes left */
        if (below(r, 2)) {
            static const uint32_t nrs[] = {VK_NR_COUNT, VK_NR_COUNT + 1, 0xffffffffu,
                                           0x80000000u, VK_NR_GETPID,    0};
            put8(e, 0xb8); /* mov $imm32, %eax */
            put_imm(e, nrs[below(r, 6)], 4);
        }
        put_movabs(e, MOVABS_R11, stub(nr) + 5);
        put(e, "\x41\xff\xd3", 3); /* call *%r11 */
        what = "call stub+5";
        break;
    case 1: { /* jump to the stub (no return address) with a bad stack: the top of the code
               * buffer, non-canonical, the unmapped page after the vDSO, near zero */
        uint64_t sps[] = {(uint64_t)(uintptr_t)(insfuzz_code + CODE_SIZE - 8),
                          0x8000000000000000ull, vr_kcall_page() + 8192, 8};
        uint64_t sp = sps[below(r, 4)];
        put_movabs(e, MOVABS_RSP, sp);
        put_movabs(e, MOVABS_R11, stub(nr));
        put(e, "\x41\xff\xe3", 3); /* jmp *%r11 */
        what = "jmp stub, bad rsp";
        break;
    }
    default:
        put_movabs(e, MOVABS_R11, stub(nr));
        put(e, "\x41\xff\xd3", 3); /* call *%r11 */
        what = "call stub";
        break;
    }
    /* back from the kernel: a second entry with whatever state is left, then exit(77) */
    put8(e, 0xbf);
    put_imm(e, EXIT_TAIL, 4); /* mov $77, %edi */
    put_movabs(e, MOVABS_R11, stub(VK_NR_PROCESS_EXIT));
    put(e, "\x41\xff\xd3", 3);
    put(e, "\x0f\x0b", 2);
    return what;
}

static const char *put_fault_tail(struct emit *e, struct rng *r)
{
    switch (below(r, 6)) {
    case 0:
        put(e, "\x0f\x0b", 2);
        return "ud2";
    case 1:
        put(e, "\x48\x8b\x04\x25\x00\x00\x00\x00", 8); /* mov 0, %rax */
        return "null load";
    case 2:
        put8(e, 0xf4);
        return "hlt";
    case 3:
        put_movabs(e, MOVABS_R11, below(r, 2) ? 0x8000000000000000ull : vr_kcall_page() + 8192);
        put(e, "\x41\xff\xe3", 3);
        return "jmp to a bad address";
    case 4:
        put(e, "\x31\xc9\xf7\xf1", 4); /* xor %ecx,%ecx; div %ecx */
        return "divide by zero";
    default:
        return "none";
    }
}

struct run {
    struct fuzz_regs regs;
    size_t len;           /* bytes of the sequence and its tail */
    int snips[3], nsnips; /* which snippets (biased runs) */
    size_t nrandom;
    const char *mode, *tail;
};

/* Run index: sequence index/2 (its bytes, registers, flags), tail by parity. */
static void make_run(uint64_t seed, uint64_t index, struct run *out)
{
    struct rng r = {mix64(seed * 0x100000001b3ull ^ mix64(index / 2 + 1))};
    struct emit e = {insfuzz_code, 0, SEQ_ROOM};
    memset(out, 0, sizeof *out);

    /* the rest of the buffer: int3, or random bytes for stray jumps to land in */
    int rand_fill = below(&r, 4) == 0;
    for (size_t i = 0; i < CODE_SIZE; i++)
        insfuzz_code[i] = rand_fill ? (unsigned char)rnd(&r) : 0xcc;

    switch (below(&r, 8)) {
    case 0:
    case 1:
    case 2: /* pure random bytes */
        out->mode = "random";
        out->nrandom = 1 + below(&r, below(&r, 4) ? 16 : 256);
        put_random(&e, &r, out->nrandom);
        break;
    case 3:
    case 4:
    case 5: /* biased: snippets only */
        out->mode = "snippets";
        out->nsnips = 1 + (int)below(&r, 3);
        for (int i = 0; i < out->nsnips; i++)
            out->snips[i] = put_snip(&e, &r);
        break;
    default: /* snippets mixed with random bytes */
        out->mode = "mixed";
        out->nsnips = 1 + (int)below(&r, 3);
        for (int i = 0; i < out->nsnips; i++) {
            size_t n = below(&r, 6);
            put_random(&e, &r, n);
            out->nrandom += n;
            out->snips[i] = put_snip(&e, &r);
        }
        break;
    }
    /* registers, flags, vectors: drawn before the tail so both tails of a sequence share them */
    for (int i = 0; i < 16; i++)
        out->regs.gpr[i] = reg_value(&r);
    uint64_t sp = (uint64_t)(uintptr_t)(scratch_stack + STACK_SIZE / 2) + below(&r, 4096);
    if (below(&r, 4))
        sp &= ~15ull;
    out->regs.gpr[7] = sp;
    uint64_t fl = 0x202;
    static const uint64_t bits[] = {0x1,   0x4,   0x10,    0x40,   0x80,
                                    0x800, 0x400, 0x40000, 0x4000, 0x200000};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (below(&r, 4) == 0)
            fl |= bits[i];
    if (below(&r, 16) == 0)
        fl |= 0x100; /* TF: traps on the first byte, so rarely */
    out->regs.rflags = fl & ~flags_excluded;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j += 8) {
            uint64_t v = below(&r, 4) ? rnd(&r) : reg_value(&r);
            memcpy(&out->regs.xmm[i][j], &v, 8);
        }
    for (size_t i = 0; i < sizeof scratch_data; i += 8) {
        uint64_t v = reg_value(&r);
        memcpy(scratch_data + i, &v, 8);
    }
    for (size_t i = STACK_SIZE / 2 - 4096; i < STACK_SIZE / 2 + 8192; i += 8) {
        uint64_t v = below(&r, 2) ? reg_value(&r) : 0;
        memcpy(scratch_stack + i, &v, 8);
    }
    e.cap = CODE_SIZE;
    out->tail = index % 2 == 0 ? put_kcall_tail(&e, &r) : put_fault_tail(&e, &r);
    out->len = e.n;
    out->regs.target = (uint64_t)(uintptr_t)insfuzz_code;
}

static void dump(uint64_t seed, uint64_t index)
{
    static struct run run;
    static const char *const names[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    make_run(seed, index, &run);
    printf("insfuzz: run %llu (seed %llu): %s, %zu random byte(s), tail: %s\n",
           (unsigned long long)index, (unsigned long long)seed, run.mode, run.nrandom, run.tail);
    for (int i = 0; i < run.nsnips; i++)
        printf("  snippet: %s\n", snip_names[run.snips[i]]);
    printf("  code (%zu bytes at %p):", run.len, (void *)insfuzz_code);
    for (size_t i = 0; i < run.len; i++)
        printf("%s%02x", i % 32 ? " " : "\n   ", insfuzz_code[i]);
    printf("\n  rflags %#llx\n", (unsigned long long)run.regs.rflags);
    for (int i = 0; i < 16; i++)
        printf("  %-3s 0x%016llx%s", names[i], (unsigned long long)run.regs.gpr[i],
               i % 4 == 3 ? "\n" : "");
}

/* insfuzz -s NAME[,NAME...] k|f|j: the named snippets alone, then a getpid kernel call and
 * exit(77) (k), ud2 (f), or a jump (no return address) to the getpid stub with rsp on an
 * unmapped page (j); zeroed registers, rsp in the scratch stack and rflags 0x202 before the
 * snippets: the minimal form of a run, to tell which snippet a crash needs. */
static int make_snip_run(const char *list, const char *tail, struct run *out)
{
    struct emit e = {insfuzz_code, 0, CODE_SIZE};
    char name[32];
    memset(out, 0, sizeof *out);
    memset(insfuzz_code, 0xcc, CODE_SIZE);
    while (*list) {
        size_t n = strcspn(list, ",");
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), list);
        int k = snip_find(name);
        if (k < 0) {
            printf("insfuzz: unknown snippet '%s'\n", name);
            return -1;
        }
        put_snip_k(&e, k);
        list += n + (list[n] == ',');
    }
    if (tail[0] == 'j') { /* jump to the stub with rsp in the unmapped page after the vDSO */
        put_movabs(&e, MOVABS_RSP, vr_kcall_page() + 8192);
        put_movabs(&e, MOVABS_R11, stub(VK_NR_GETPID));
        put(&e, "\x41\xff\xe3", 3);
    }
    if (tail[0] == 'k') {
        put_movabs(&e, MOVABS_R11, stub(VK_NR_GETPID));
        put(&e, "\x41\xff\xd3", 3);
        put8(&e, 0xbf);
        put_imm(&e, EXIT_TAIL, 4);
        put_movabs(&e, MOVABS_R11, stub(VK_NR_PROCESS_EXIT));
        put(&e, "\x41\xff\xd3", 3);
    }
    put(&e, "\x0f\x0b", 2);
    out->regs.gpr[7] = (uint64_t)(uintptr_t)(scratch_stack + STACK_SIZE / 2);
    out->regs.rflags = 0x202;
    out->regs.target = (uint64_t)(uintptr_t)insfuzz_code;
    out->len = e.n;
    return 0;
}

static _Noreturn void enter_closed(const struct run *run)
{
    /* nothing to write to, nobody to talk to: close what we were started with */
    size_t n = 0;
    const struct vk_start_handle *hs = vr_start_handles(&n);
    for (size_t i = 0; i < n; i++)
        vk_handle_close(hs[i].handle);
    insfuzz_enter(&run->regs);
}

static _Noreturn void child(uint64_t seed, uint64_t index)
{
    static struct run run;
    make_run(seed, index, &run);
    enter_closed(&run);
}

enum {
    H_TAIL,
    H_EXIT,
    H_SEGV,
    H_BUS,
    H_ILL,
    H_FPE,
    H_TRAP,
    H_SIGOTHER,
    H_SYSCALL,
    H_WATCHDOG,
    H_KILLED,
    H_OTHER,
    H_COUNT
};
static const char *const h_names[H_COUNT] = {"tail-exit", "other-exit", "SIGSEGV", "SIGBUS",
                                             "SIGILL",    "SIGFPE",     "SIGTRAP", "other-sig",
                                             "syscall",   "watchdog",   "killed",  "other"};

static int bucket(const struct vk_proc_info *pi)
{
    switch (pi->exit_kind) {
    case VK_EXIT_NORMAL:
        return pi->exit_code == EXIT_TAIL ? H_TAIL : H_EXIT;
    case VK_EXIT_FAULT:
        return pi->signo == 11  ? H_SEGV
               : pi->signo == 7 ? H_BUS
               : pi->signo == 4 ? H_ILL
               : pi->signo == 8 ? H_FPE
               : pi->signo == 5 ? H_TRAP
                                : H_SIGOTHER;
    case VK_EXIT_SYSCALL:
        return H_SYSCALL;
    case VK_EXIT_WATCHDOG:
        return H_WATCHDOG;
    case VK_EXIT_KILLED:
        return H_KILLED;
    default:
        return H_OTHER;
    }
}

int main(int argc, char **argv)
{
    if (argc >= 4 && (!strcmp(argv[1], "-c") || !strcmp(argv[1], "-d"))) {
        uint64_t seed = strtoull(argv[2], NULL, 0), index = strtoull(argv[3], NULL, 0);
        if (argc > 4 && excluded_parse(argv[4]))
            return 2;
        if (argv[1][1] == 'd') {
            dump(seed, index);
            return 0;
        }
        child(seed, index);
    }
    if (argc == 4 && !strcmp(argv[1], "-s")) {
        static struct run run;
        if (make_snip_run(argv[2], argv[3], &run))
            return 2;
        enter_closed(&run);
    }
    if (argc < 3 || argv[1][0] == '-') {
        printf("usage: insfuzz N SEED [FIRST [EXCLUDE]] | insfuzz -c|-d SEED I [EXCLUDE] | "
               "insfuzz -s SNIPPET[,SNIPPET...] k|f|j\n");
        return 2;
    }
    uint64_t nruns = strtoull(argv[1], NULL, 0), seed = strtoull(argv[2], NULL, 0);
    uint64_t first = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
    const char *excl = argc > 4 ? argv[4] : "";
    if (excluded_parse(excl))
        return 2;
    const char *self = argv[0] && argv[0][0] == '/' ? argv[0] : "/test/insfuzz";
    long hist[H_COUNT] = {0};
    long spawn_failed = 0;
    char sseed[24], sidx[24];
    snprintf(sseed, sizeof sseed, "%llu", (unsigned long long)seed);
    for (uint64_t i = first; i < first + nruns; i++) {
        printf("insfuzz: run %llu\n", (unsigned long long)i);
        fflush(stdout);
        snprintf(sidx, sizeof sidx, "%llu", (unsigned long long)i);
        const char *av[] = {self, "-c", sseed, sidx, excl, NULL};
        uint32_t h;
        long rc = vr_spawn_image(self, av, NULL, NULL, 0, &h);
        if (rc) {
            printf("insfuzz: run %llu: spawn failed: %ld\n", (unsigned long long)i, rc);
            spawn_failed++;
            continue;
        }
        struct vk_wait w = {.handle = h, .mask = VK_SIG_EXITED};
        if (vk_wait_many(&w, 1, (uint64_t)vk_clock_get() + CHILD_DEADLINE_NS) < 0) {
            vk_process_kill(h); /* looping through kernel calls, or blocked */
            vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
        }
        struct vk_proc_info pi;
        if (vk_process_info(h, &pi) == 0)
            hist[bucket(&pi)]++;
        else
            hist[H_OTHER]++;
        vk_handle_close(h);
    }
    printf("insfuzz: done: %llu runs (seed %llu, first %llu):", (unsigned long long)nruns,
           (unsigned long long)seed, (unsigned long long)first);
    for (int k = 0; k < H_COUNT; k++)
        printf(" %s %ld", h_names[k], hist[k]);
    printf("; spawn failures %ld\n", spawn_failed);
    return spawn_failed != 0;
}
