/*
 * gdbstub: a GDB remote-serial-protocol stub for vrsim (vrsim run --gdb PORT|PATH).
 *
 * The whole machine is one gdb "process"; every guest thread is a gdb thread (its tid). The
 * guest programs are gdb "libraries" (qXfer:libraries:read): each process with an absolute
 * name is listed by that name with its load base (the process's region start, where the
 * ELF's first segment lies), so `set sysroot <dir with the unstripped guest ELFs>` (the
 * build's testfs/ or rootfs/) and `set osabi none` give gdb the symbols. Software
 * breakpoints (Z0, int3 written through /proc/self/mem), single-step (the trap flag; a step
 * into a kernel call steps over it: at the trampoline the flag is cleared and a temporary
 * breakpoint waits at the call's return address), memory and register read/write, continue,
 * and stops at crashes with the signal.
 *
 * When it talks: at the start (before any guest instruction: gdb connects, the run waits),
 * inside the host's signal handler when a guest thread traps or faults (everything is
 * stopped there: one host thread runs the machine), and at the end (the exit status as a
 * W packet). Registers are the trapping thread's ucontext; other threads are in the kernel or
 * not started yet, and show their user stack pointer and the pc they will resume at.
 *
 * On a replay (vrsim replay --gdb) execution can go back: reverse-continue and reverse-stepi
 * re-execute from the start. The process at the first stop stays there as a supervisor and
 * forks the session; a reverse request (the target stop, the event reached, each stop's
 * resumption and breakpoints) goes back to it through a memfd and the session ends; a new
 * session re-executes silently (the same resumptions and breakpoints at each stop, console
 * output muted until the event already printed) and serves gdb from the target stop. A
 * reverse-stepi whose stop before was a continue first counts: a session re-executes to that
 * stop and single-steps the thread from there (each step a silent stop) until it is back at
 * the request's point (thread, pc, event count); the stop before that is then the target.
 *
 * Never: write outside the arenas, stop in host code (the trampoline clears the trap flag
 * through this module before host code runs), or change anything while gdb is not attached.
 */
#ifndef VS_GDBSTUB_H
#define VS_GDBSTUB_H

#include <stddef.h>

struct vk_machine;
struct vs_gdb;

/* Listens on where (a TCP port on 127.0.0.1, 0 picks one; or a unix socket path), says
 * where on stderr ("vrsim: gdb: listening on port N" / "... on PATH"), installs the
 * machine's trap hook. 0, or a negative errno with the reason in err. */
int vs_gdb_create(struct vs_gdb **out, struct vk_machine *m, const char *where, char *err,
                  size_t errlen);
/* Waits for gdb to connect and serves it until it continues the run. 0 or negative errno. */
int vs_gdb_attach(struct vs_gdb *g);
/* The run ended with status: tells gdb (W packet) and closes. */
void vs_gdb_exited(struct vs_gdb *g, int status);
void vs_gdb_destroy(struct vs_gdb *g);

#endif
