/*
 * inspect: the inspector, a read-only view of a stopped machine (vrsim run --inspect-on-crash,
 * --inspect-cmd 'ps; handles 3'; later replay's --until). Commands, separated by ';' or
 * newlines:
 *   help                  the commands
 *   time                  virtual time, events so far, the digest so far
 *   ps                    processes: pid, parent, group, uid, state, threads, handles, name
 *   threads [PID]         threads: tid, pid, state, IPC state, kernel calls, what it waits on
 *   handles PID           a process's handles: value, object type and id, rights, badge
 *   vmos [PID]            memory objects (all reachable from handles and mappings, or PID's)
 *   maps PID              a process's address space: its region and its mappings
 *   endpoints             endpoints with their waiting receivers and queued callers
 *   devices               the PCI functions (model, ids) and the kernel's device objects
 *   events [N]            the last N trace events (default 20), named
 * It reads the kernel's structures (white-box: os/kernel/kernel_internal.h) and never changes
 * them: no allocation in the kernel, no kernel call, no trace event; so inspecting a run does
 * not change its digest. It runs on whatever stack the stop happened on (a kernel stack of
 * 64 KiB): no large locals.
 */
#ifndef VS_INSPECT_H
#define VS_INSPECT_H

#include <stdio.h>

struct vk_machine;
struct vk_thread;

/* Runs a script of commands against m, writing to out. 0, or -VK_EINVAL when a command was
 * unknown or malformed (said on out; the others still run). */
int vs_inspect_exec(struct vk_machine *m, const char *script, FILE *out);

/* Interactive: a prompt on out, commands read from in until "continue" (or "c"), "quit" or
 * EOF. 0 to continue the run, 1 when asked to quit. */
int vs_inspect_repl(struct vk_machine *m, FILE *in, FILE *out);

/* What vrsim run hooks into the machine's stop points (machine.h, on_crash/on_stop). */
struct vs_inspect_cfg {
    const char *script; /* NULL: interactive on the terminal when stdin is one, else the
                           default script */
    int on_crash;       /* stop at a crashing thread (else at the end of the run) */
    FILE *out;
};
/* Installs the hooks on m (cfg must outlive the run). */
void vs_inspect_install(struct vk_machine *m, struct vs_inspect_cfg *cfg);

#endif
