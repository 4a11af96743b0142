/*
 * vrsim's x86_64 mechanics: coroutine switch, kernel-call trampoline, first entry into a
 * guest, fault entry, signal-handler entries, and the guest-memory copy routine with its
 * fault fixup.
 *
 * Contract with C (sim/core/switch.c, trap.c):
 *  - struct vk_thread starts with its platform part, struct vk_plat_thread
 *    (sim/core/plat/vk_plat_thread.h), which starts with
 *    { uint64_t usp; uint64_t ktop; uint8_t in_kernel; } at offsets 0, 8, 16 (static asserts
 *    in switch.c).
 *  - vs_cur is a plain global pointer to the running simulated thread, not thread-local:
 *    a guest can change the FS base (wrfsbase, a segment load), so nothing that runs before
 *    the FS base is checked may reach host state through %fs. One host thread runs guests.
 *  - vs_host_fsbase is the FS base of that host thread; vs_fsgsbase says whether rdfsbase and
 *    wrfsbase may be used (CPU and kernel support, found at start-up); vs_scrub_level says
 *    which vector state the CPU has (0 SSE, 1 AVX, 2 AVX-512).
 *  - vs_kdispatch(a0..a5, nr) is the C dispatcher; nr arrives as the 7th (stack) argument.
 *  - vs_kentry_refuse(why) ends the current guest: its FS base was not the host's, or it
 *    left an unmasked x87 exception pending; it never returns.
 *  - vs_on_fault/vs_on_watchdog are the C signal handlers, reached through
 *    vs_sigfault_entry/vs_sigwd_entry with a 4th argument: 1 if the FS base was foreign.
 * Never: run host code on a guest stack, run C code with a guest's FS base or EFLAGS.AC, or
 * return to a guest with host values in any register it can read (they would leak host
 * addresses into guest state and traces).
 */
#define T_USP 0
#define T_KTOP 8
#define T_INKERNEL 16
#define EFLAGS_AC 0x40000
#define VS_KENTRY_BADFS 1 /* enum vs_kentry_refusal, switch.c */
#define VS_KENTRY_X87 2

    .hidden vs_cur, vs_host_fsbase, vs_fsgsbase, vs_scrub_level

/* Every SSE register the guest can read after we return to it: zeroed, so no host value
 * (a pointer) leaks into guest state. */
.macro ZERO_XMM
    .irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    pxor  %xmm\r, %xmm\r
    .endr
.endm

    .text

/* void vs_switch(void **save_sp, void *new_sp): callee-saved GPRs + MXCSR + x87 CW. */
    .globl vs_switch
    .hidden vs_switch
    .type vs_switch,@function
vs_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq  $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq  %rsp, (%rdi)
    movq  %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq  $8, %rsp
    popq  %r15
    popq  %r14
    popq  %r13
    popq  %r12
    popq  %rbx
    popq  %rbp
    ret
    .size vs_switch, .-vs_switch

/* First activation of a coroutine: vs_switch "returns" here with rbx = fn, r12 = arg. */
    .globl vs_coro_entry
    .hidden vs_coro_entry
    .type vs_coro_entry,@function
vs_coro_entry:
    movq  %r12, %rdi
    xorl  %ebp, %ebp
    call  *%rbx
    ud2
    .size vs_coro_entry, .-vs_coro_entry

/* Kernel-call trampoline, reached from a vDSO stub with eax = call number and the six
 * arguments in rdi, rsi, rdx, rcx, r8, r9 (the stub clobbers r11 only). Trusts nothing the
 * guest can change: DF and AC are cleared (AC is given back on return: it is the guest's),
 * and the FS base is compared with the host's (a compare, not a write: wrfsbase costs more
 * than the whole check). On return every register the guest can read holds zero, its own
 * callee-saved values, or the result in rax. */
    .globl vs_kentry
    .hidden vs_kentry
    .type vs_kentry,@function
    .p2align 6                          /* its layout moves an IPC round trip by ~25 ns */
vs_kentry:
    movq  vs_cur(%rip), %r11
    movq  %rsp, T_USP(%r11)
    movq  T_KTOP(%r11), %rsp          /* 16-aligned */
    movb  $1, T_INKERNEL(%r11)
    cld
    pushfq                            /* the guest's flags, for AC on the way back */
    testl $EFLAGS_AC, (%rsp)
    jnz   .Lkentry_ac
.Lkentry_flags_ok:
    testb $1, vs_fsgsbase(%rip)
    jz    .Lkentry_fs_ok
    rdfsbase %r10
    cmpq  vs_host_fsbase(%rip), %r10
    jne   .Lkentry_badfs
.Lkentry_fs_ok:
    pushq %rax                          /* 7th argument: nr */
    fnstsw %ax                          /* an unmasked x87 exception left pending would fire */
    testb $0xbf, %al                    /* at the host's next x87 instruction: any flag set? */
    jnz   .Lkentry_x87_flags
.Lkentry_call:
    call  vs_kdispatch
    testl $EFLAGS_AC, 8(%rsp)
    jnz   .Lkentry_ret_ac
.Lkentry_ret:
    movq  vs_cur(%rip), %r11
    movb  $0, T_INKERNEL(%r11)
    movq  T_USP(%r11), %rsp
    xorl  %ecx, %ecx
    xorl  %edx, %edx
    xorl  %esi, %esi
    xorl  %edi, %edi
    xorl  %r8d, %r8d
    xorl  %r9d, %r9d
    xorl  %r10d, %r10d
    xorl  %r11d, %r11d
    jmp   vs_scrub_vectors

.Lkentry_ac:
    pushq (%rsp)
    andl  $~EFLAGS_AC, (%rsp)
    popfq                               /* AC clear; the saved copy below keeps it */
    jmp   .Lkentry_flags_ok
.Lkentry_ret_ac:
    addq  $8, %rsp
    popfq                               /* AC (and the guest's other flags) back */
    jmp   .Lkentry_ret
.Lkentry_badfs:
    xorl  %r10d, %r10d
    movl  %r10d, %fs                    /* a null selector first, so no descriptor reloads it */
    movq  vs_host_fsbase(%rip), %r10
    wrfsbase %r10
    movl  $VS_KENTRY_BADFS, %edi
    subq  $8, %rsp                      /* 16-aligned for the call */
    call  vs_kentry_refuse
    ud2
.Lkentry_x87_flags:                     /* flags (ax) & ~masks (control word): pending? */
    fnstcw -8(%rsp)                     /* below rsp is ours: signals use the alt stack */
    movzwl -8(%rsp), %r10d
    notl  %r10d
    andl  %r10d, %eax
    testb $0x3f, %al
    jz    .Lkentry_call
    movl  $VS_KENTRY_X87, %edi
    call  vs_kentry_refuse              /* rsp is 16-aligned: flags and nr are pushed */
    ud2
    .size vs_kentry, .-vs_kentry

/* Clear the vector state the CPU has, per vs_scrub_level, and return (to the guest, from
 * vs_kentry; rax is preserved). Host code (glibc's string routines above all) leaves host
 * pointers and strings in ymm upper halves, zmm16-31 and the mask registers. */
    .type vs_scrub_vectors,@function
    .p2align 5
vs_scrub_vectors:
    cmpb  $1, vs_scrub_level(%rip)
    jae   1f
    ZERO_XMM
    ret
1:  vzeroall                            /* ymm/zmm 0-15, whole */
    ja    2f
    ret
2:  .irp r, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    vpxord %zmm\r, %zmm\r, %zmm\r
    .endr
    .irp r, 0, 1, 2, 3, 4, 5, 6, 7
    kxorw %k\r, %k\r, %k\r
    .endr
    ret
    .size vs_scrub_vectors, .-vs_scrub_vectors
    .globl vs_kentry_end
    .hidden vs_kentry_end
vs_kentry_end:                          /* the trampoline's code ends here (trap.c) */

/* noreturn void vs_enter_user(uint64_t entry, uint64_t usp, uint64_t arg):
 * leave the kernel stack for a guest's first instruction with a deterministic register
 * state: everything zero except rsp and rdi (= arg), MXCSR 0x1f80, x87 reset; the vector
 * and mask registers cleared as on every return to a guest (vs_scrub_vectors). */
    .globl vs_enter_user
    .hidden vs_enter_user
    .type vs_enter_user,@function
vs_enter_user:
    call  vs_scrub_vectors              /* on the kernel stack: every vector and mask register */
    movq  vs_cur(%rip), %r11
    movb  $0, T_INKERNEL(%r11)
    movq  %rdi, %r11
    movq  %rdx, %rdi
    movq  %rsi, %rsp
    subq  $8, %rsp
    movl  $0x1f80, (%rsp)
    ldmxcsr (%rsp)
    fninit
    addq  $8, %rsp
    xorl  %eax, %eax
    xorl  %ebx, %ebx
    xorl  %ecx, %ecx
    xorl  %edx, %edx
    xorl  %esi, %esi
    xorl  %ebp, %ebp
    xorl  %r8d, %r8d
    xorl  %r9d, %r9d
    xorl  %r10d, %r10d
    xorl  %r12d, %r12d
    xorl  %r13d, %r13d
    xorl  %r14d, %r14d
    xorl  %r15d, %r15d
    cld
    jmp   *%r11
    .size vs_enter_user, .-vs_enter_user

/* Signal handler entries (SA_SIGINFO; rdi, rsi, rdx = sig, info, ucontext): before any C
 * code runs, clear AC (Linux clears DF and TF for a handler, not AC), put the host's FS base
 * back if a guest changed it, and tell the handler so in a 4th argument. The handlers never
 * restore the guest's FS base: whatever returns into guest code leaves the host's. */
.macro SIG_ENTRY name, handler
    .globl \name
    .hidden \name
    .type \name,@function
\name:
    pushfq
    andl  $~EFLAGS_AC, (%rsp)
    popfq
    xorl  %ecx, %ecx
    testb $1, vs_fsgsbase(%rip)
    jz    1f
    rdfsbase %rax
    cmpq  vs_host_fsbase(%rip), %rax
    je    1f
    xorl  %eax, %eax
    movl  %eax, %fs
    movq  vs_host_fsbase(%rip), %rax
    wrfsbase %rax
    movl  $1, %ecx
1:  jmp   \handler
    .size \name, .-\name
.endm
    SIG_ENTRY vs_sigfault_entry, vs_on_fault
    SIG_ENTRY vs_sigwd_entry, vs_on_watchdog

/* Where a faulting guest thread resumes after the signal handler rewrote its ucontext:
 * rsp = the thread's kernel-stack top, in_kernel already set. */
    .globl vs_fault_entry
    .hidden vs_fault_entry
    .type vs_fault_entry,@function
vs_fault_entry:
    xorl  %ebp, %ebp
    call  vs_thread_fault
    ud2
    .size vs_fault_entry, .-vs_fault_entry

/* long vs_copy_user(void *dst, const void *src, size_t n): 0, or -14 (EFAULT) when a guest
 * page is missing: the fault handler moves rip to vs_copy_user_fixup. */
    .globl vs_copy_user, vs_copy_user_fixup, vs_copy_user_end
    .hidden vs_copy_user, vs_copy_user_fixup, vs_copy_user_end
    .type vs_copy_user,@function
vs_copy_user:
    cmpq  $128, %rdx
    ja    2f
    /* small copies (messages, structs): 16 bytes at a time, then 8, then bytes; rep movsb's
     * start-up costs more than the whole copy at these sizes */
    cmpq  $16, %rdx
    jb    5f
0:  movdqu (%rsi), %xmm0
    movdqu %xmm0, (%rdi)
    addq  $16, %rsi
    addq  $16, %rdi
    subq  $16, %rdx
    cmpq  $16, %rdx
    jae   0b
5:  cmpq  $8, %rdx
    jb    1f
    movq  (%rsi), %rax
    movq  %rax, (%rdi)
    addq  $8, %rsi
    addq  $8, %rdi
    subq  $8, %rdx
1:  testq %rdx, %rdx
    jz    3f
4:  movb  (%rsi), %al
    movb  %al, (%rdi)
    incq  %rsi
    incq  %rdi
    decq  %rdx
    jnz   4b
3:  xorl  %eax, %eax
    ret
2:  movq  %rdx, %rcx
    rep movsb
    xorl  %eax, %eax
    ret

/* long vs_probe_user(void *addr): 0 if the byte at addr can be written, else -14: writes it
 * with its own value (one host thread: nothing changes). Inside vs_copy_user's range, so the
 * same fixup turns a fault into -14. */
    .globl vs_probe_user
    .hidden vs_probe_user
vs_probe_user:
    orb   $0, (%rdi)
    xorl  %eax, %eax
    ret
vs_copy_user_fixup:
    movq  $-14, %rax
    ret
vs_copy_user_end:
    .size vs_copy_user, .-vs_copy_user

/* Template of one vDSO stub (32 bytes apart): mov $nr,%eax; movabs $vs_kentry,%r11; jmp *%r11 */
    .section .rodata
    .globl vs_stub_tmpl, vs_stub_tmpl_end
    .hidden vs_stub_tmpl, vs_stub_tmpl_end
vs_stub_tmpl:
    .byte 0xb8                  /* mov imm32, %eax */
    .long 0
    .byte 0x49, 0xbb            /* movabs imm64, %r11 */
    .quad 0
    .byte 0x41, 0xff, 0xe3      /* jmp *%r11 */
vs_stub_tmpl_end:

    .section .note.GNU-stack,"",@progbits
