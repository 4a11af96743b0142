/*
 * _start, the entry point of every Veridian program.
 *
 * The loader has already applied all relocations (R_X86_64_RELATIVE only) and enters here
 * with rsp pointing at the initial stack: argc, argv[0..argc-1], NULL, envp..., NULL,
 * auxv pairs (type, value) ending with AT_NULL. Registers other than rsp carry nothing.
 * crt0 never relocates and uses no TLS: it clears rbp (end of the frame chain), hands the
 * stack pointer to __vr_start_c (start.c) and aligns rsp for the call as the SysV ABI
 * wants (16 bytes at the call instruction). __vr_start_c does not return; ud2 if it did.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    movq %rsp, %rdi
    andq $-16, %rsp
    call __vr_start_c
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
