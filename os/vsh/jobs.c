/*
 * vsh: jobs and signals. The job table (background commands and stopped foreground ones),
 * waiting for children (stops included: ^Z), traps on real signals, and the builtins jobs, fg,
 * bg, wait and kill.
 *
 * Process groups: a background job gets a group of its own (POSIX_SPAWN_SETPGROUP), so the
 * terminal's ^C and ^Z never reach it; a foreground command stays in the shell's group, where
 * the line discipline's SIGINT/SIGTSTP reach it. The interactive shell itself catches SIGINT
 * (the command line is abandoned, the shell stays) and ignores SIGTSTP, SIGTTOU and SIGQUIT;
 * its children get every signal's default back (POSIX_SPAWN_SETSIGDEF) except what a trap ''
 * ignores. Handing the terminal to a job's own group (tcsetpgrp) waits for the console's tty.
 *
 * The one piece of file-scope state in vsh: the signal handler's "pending" flags (a handler
 * has no other way to reach the shell). Traps run between commands, never in the handler.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsh.h"

static volatile sig_atomic_t pending[VSH_NSIG];
static volatile sig_atomic_t any_pending;

static void on_signal(int sig)
{
    if (sig > 0 && sig < VSH_NSIG)
        pending[sig] = 1;
    any_pending = 1;
}

static const char *const signames[VSH_NSIG] = {
    "EXIT", "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS",
};

const char *sig_name(int sig)
{
    return sig >= 0 && sig < VSH_NSIG && signames[sig] ? signames[sig] : NULL;
}

int sig_number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end)
        return v >= 0 && v < VSH_NSIG ? (int)v : -1;
    if (!strncmp(s, "SIG", 3))
        s += 3;
    for (int i = 0; i < VSH_NSIG; i++)
        if (signames[i] && !strcmp(signames[i], s))
            return i;
    return -1;
}

static void set_disposition(int sig, void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* what the shell does on SIG when no trap says otherwise */
static void (*base_disposition(struct vsh *sh, int sig))(int)
{
    if (sh->interactive) {
        if (sig == SIGINT)
            return on_signal;
        if (sig == SIGTSTP || sig == SIGTTOU || sig == SIGTTIN || sig == SIGQUIT)
            return SIG_IGN;
    }
    return SIG_DFL;
}

void signals_init(struct vsh *sh)
{
    for (int s = 1; s < VSH_NSIG; s++) {
        void (*h)(int) = base_disposition(sh, s);
        if (h != SIG_DFL)
            set_disposition(s, h);
    }
}

static void apply_trap(struct vsh *sh, int sig)
{
    const char *action = sh->traps[sig];
    if (!action)
        set_disposition(sig, base_disposition(sh, sig));
    else if (!*action)
        set_disposition(sig, SIG_IGN);
    else
        set_disposition(sig, on_signal);
}

/* after an in-process subshell that changed traps: the dispositions follow the restored table */
void traps_resync(struct vsh *sh)
{
    for (int s = 1; s < VSH_NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            apply_trap(sh, s);
}

/* trap ACTION SIG: NULL resets, "" ignores, anything else is caught */
int trap_install(struct vsh *sh, int sig, const char *action)
{
    if (sig == SIGKILL || sig == SIGSTOP)
        return -1;
    sh->trap_changes++;
    free(sh->traps[sig]);
    sh->traps[sig] = action ? vsh_strdup(action) : NULL;
    if (sig)
        apply_trap(sh, sig);
    return 0;
}

/* the signals a spawned child gets back at their default: all but the ones trapped with '' */
void child_sigdefaults(struct vsh *sh, sigset_t *set)
{
    sigemptyset(set);
    for (int s = 1; s < VSH_NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP && !(sh->traps[s] && !sh->traps[s][0]))
            sigaddset(set, s);
}

/* runs the traps of the signals that arrived; an untrapped SIGINT sets sh->got_intr, which
 * stays until the command ends (the caller clears it) */
int signals_run_pending(struct vsh *sh)
{
    if (!any_pending)
        return sh->got_intr;
    any_pending = 0;
    int intr = sh->got_intr;
    for (int s = 1; s < VSH_NSIG; s++) {
        if (!pending[s])
            continue;
        pending[s] = 0;
        if (sh->traps[s] && sh->traps[s][0])
            run_trap(sh, s);
        else if (s == SIGINT)
            intr = 1;
    }
    sh->got_intr = intr;
    return intr;
}

/* ---- the job table ---- */

static struct job *job_new(struct vsh *sh)
{
    int id = 1;
    for (struct job *j = sh->jobs; j; j = j->next)
        if (j->id >= id)
            id = j->id + 1;
    struct job *j = vsh_alloc(sizeof *j);
    j->id = id;
    struct job **pp = &sh->jobs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    return j;
}

static void job_free(struct vsh *sh, struct job *j)
{
    for (struct job **pp = &sh->jobs; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    free(j->pids);
    free(j->done);
    free(j->name);
    free(j);
}

static struct job *job_of_pid(struct vsh *sh, long pid)
{
    for (struct job *j = sh->jobs; j; j = j->next)
        for (int i = 0; i < j->npids; i++)
            if (j->pids[i] == pid)
                return j;
    return NULL;
}

struct job *job_add(struct vsh *sh, const long *pids, int n, const char *name, int state)
{
    struct job *j = job_new(sh);
    j->pids = vsh_alloc((size_t)n * sizeof *j->pids);
    j->done = vsh_alloc((size_t)n * sizeof *j->done);
    memcpy(j->pids, pids, (size_t)n * sizeof *pids);
    j->npids = n;
    j->name = vsh_strdup(name ? name : "");
    j->state = state;
    return j;
}

static int status_of(int ws)
{
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws))
        return 128 + WTERMSIG(ws);
    if (WIFSTOPPED(ws))
        return 128 + WSTOPSIG(ws);
    return 1;
}

static void job_line(struct vsh *sh, struct job *j, const char *state, int fd)
{
    char buf[600];
    struct job *last = NULL;
    for (struct job *k = sh->jobs; k; k = k->next)
        last = k;
    snprintf(buf, sizeof buf, "[%d]%c  %-22s %s\n", j->id, j == last ? '+' : ' ', state, j->name);
    out_str(fd, buf);
}

static const char *state_text(struct job *j, char *buf, size_t len)
{
    if (j->state == JOB_RUNNING)
        return "Running";
    if (j->state == JOB_STOPPED)
        return "Stopped";
    int st = j->status;
    if (st > 128 && sig_name(st - 128)) {
        snprintf(buf, len, "%s", strsignal(st - 128));
        return buf;
    }
    if (st) {
        snprintf(buf, len, "Done(%d)", st);
        return buf;
    }
    return "Done";
}

/* records a reaped child in its job */
static void job_reaped(struct vsh *sh, long pid, int ws)
{
    struct job *j = job_of_pid(sh, pid);
    if (!j)
        return;
    if (WIFSTOPPED(ws)) {
        j->state = JOB_STOPPED;
        return;
    }
    if (WIFCONTINUED(ws)) {
        j->state = JOB_RUNNING;
        return;
    }
    int alive = 0;
    for (int i = 0; i < j->npids; i++) {
        if (j->pids[i] == pid)
            j->done[i] = 1;
        alive += !j->done[i];
    }
    if (pid == j->pids[j->npids - 1])
        j->status = status_of(ws);
    if (!alive)
        j->state = JOB_DONE;
}

/* reaps whatever finished without blocking; interactive shells say which jobs ended */
void jobs_poll(struct vsh *sh, int notify)
{
    int ws;
    pid_t pid;
    while (sh->jobs && (pid = waitpid(-1, &ws, WNOHANG | WUNTRACED | WCONTINUED)) > 0)
        job_reaped(sh, pid, ws);
    if (!notify)
        return;
    for (struct job *j = sh->jobs, *n; j; j = n) {
        n = j->next;
        if (j->state != JOB_DONE || !j->notify)
            continue;
        char buf[64];
        job_line(sh, j, state_text(j, buf, sizeof buf), 2);
        job_free(sh, j);
    }
}

/* waits for the foreground children PIDS; a stop (^Z) turns them into a stopped job */
int wait_fg(struct vsh *sh, const long *pids, int n, const char *name)
{
    int status = 0;
    int *done = vsh_alloc((size_t)n * sizeof *done);
    int left = n;
    while (left) {
        int ws;
        pid_t r = waitpid(-1, &ws, WUNTRACED);
        if (r < 0) {
            if (errno == EINTR) {
                signals_run_pending(sh);
                continue;
            }
            break;
        }
        int k = -1;
        for (int i = 0; i < n; i++)
            if (pids[i] == r)
                k = i;
        if (k < 0) {
            job_reaped(sh, r, ws); /* a background job's child */
            continue;
        }
        if (WIFSTOPPED(ws)) {
            /* ^Z: what is left of the command becomes a stopped job */
            long rest[64];
            int m = 0;
            for (int i = 0; i < n && m < 64; i++)
                if (!done[i])
                    rest[m++] = pids[i];
            struct job *j = job_add(sh, rest, m, name, JOB_STOPPED);
            j->notify = sh->interactive;
            j->last_pid = pids[n - 1];
            if (sh->interactive) {
                out_str(2, "\n");
                job_line(sh, j, "Stopped", 2);
            }
            free(done);
            return 128 + WSTOPSIG(ws);
        }
        done[k] = 1;
        left--;
        if (k == n - 1)
            status = status_of(ws);
    }
    free(done);
    if (status == 128 + SIGINT && sh->interactive)
        out_str(2, "\n");
    return status;
}

int wait_child(struct vsh *sh, long pid)
{
    return wait_fg(sh, &pid, 1, "");
}

/* ---- builtins ---- */

/* %N, %%, %+, %-, or a pid */
static struct job *job_arg(struct vsh *sh, const char *a, long *pid)
{
    *pid = 0;
    if (a[0] != '%') {
        char *end;
        long v = strtol(a, &end, 10);
        if (!*a || *end)
            return NULL;
        *pid = v;
        return job_of_pid(sh, v);
    }
    struct job *last = NULL;
    for (struct job *j = sh->jobs; j; j = j->next)
        last = j;
    if (!a[1] || !strcmp(a, "%%") || !strcmp(a, "%+"))
        return last;
    char *end;
    long id = strtol(a + 1, &end, 10);
    if (*end)
        return NULL;
    for (struct job *j = sh->jobs; j; j = j->next)
        if (j->id == id)
            return j;
    return NULL;
}

static int bi_jobs(struct vsh *sh, int argc, char **argv)
{
    int pflag = argc > 1 && !strcmp(argv[1], "-p");
    jobs_poll(sh, 0);
    for (struct job *j = sh->jobs, *n; j; j = n) {
        n = j->next;
        if (pflag) {
            char buf[32];
            snprintf(buf, sizeof buf, "%ld\n", j->pids[0]);
            out_str(1, buf);
        } else {
            char buf[64];
            job_line(sh, j, state_text(j, buf, sizeof buf), 1);
        }
        if (j->state == JOB_DONE)
            job_free(sh, j);
    }
    return 0;
}

static int bi_fg(struct vsh *sh, int argc, char **argv)
{
    long pid;
    struct job *j = job_arg(sh, argc > 1 ? argv[1] : "%%", &pid);
    if (!j) {
        sh_error(sh, "%s: %s: no such job", argv[0], argc > 1 ? argv[1] : "current");
        return 2;
    }
    int bg = !strcmp(argv[0], "bg");
    for (int i = 0; i < j->npids; i++)
        if (!j->done[i])
            kill((pid_t)j->pids[i], SIGCONT);
    if (bg) {
        j->state = JOB_RUNNING;
        char buf[600];
        snprintf(buf, sizeof buf, "[%d] %s &\n", j->id, j->name);
        out_str(1, buf);
        return 0;
    }
    out_str(1, j->name);
    out_str(1, "\n");
    long pids[64];
    int n = 0;
    for (int i = 0; i < j->npids && n < 64; i++)
        if (!j->done[i])
            pids[n++] = j->pids[i];
    if (j->state == JOB_DONE || !n) {
        int st = j->status;
        job_free(sh, j);
        return st;
    }
    char *name = vsh_strdup(j->name);
    job_free(sh, j);
    int st = wait_fg(sh, pids, n, name);
    free(name);
    return st;
}

static int bi_wait(struct vsh *sh, int argc, char **argv)
{
    if (argc == 1) {
        for (;;) {
            int ws;
            pid_t r = waitpid(-1, &ws, 0);
            if (r < 0) {
                if (errno == EINTR) {
                    /* a trapped signal ends the wait with 128+N */
                    for (int s = 1; s < VSH_NSIG; s++)
                        if (pending[s] && sh->traps[s]) {
                            signals_run_pending(sh);
                            return 128 + s;
                        }
                    signals_run_pending(sh);
                    continue;
                }
                break;
            }
            job_reaped(sh, r, ws);
        }
        for (struct job *j = sh->jobs, *n; j; j = n) {
            n = j->next;
            if (j->state == JOB_DONE)
                job_free(sh, j);
        }
        return 0;
    }
    int st = 0;
    for (int i = 1; i < argc; i++) {
        long pid;
        struct job *j = job_arg(sh, argv[i], &pid);
        if (!j && !pid) {
            sh_error(sh, "wait: %s: no such job", argv[i]);
            st = 127;
            continue;
        }
        if (!j) {
            /* not ours (or long gone) */
            int ws;
            pid_t r = waitpid((pid_t)pid, &ws, 0);
            st = r == (pid_t)pid ? status_of(ws) : 127;
            continue;
        }
        while (j->state != JOB_DONE) {
            int ws;
            pid_t r = waitpid(-1, &ws, 0);
            if (r < 0) {
                if (errno == EINTR) {
                    signals_run_pending(sh);
                    continue;
                }
                break;
            }
            job_reaped(sh, r, ws);
        }
        st = j->status;
        job_free(sh, j);
    }
    return st;
}

static int bi_kill(struct vsh *sh, int argc, char **argv)
{
    int sig = SIGTERM, i = 1;
    if (i < argc && !strcmp(argv[i], "-l")) {
        if (i + 1 < argc) {
            long v = strtol(argv[i + 1], NULL, 10);
            if (v > 128)
                v -= 128;
            const char *nm = sig_name((int)v);
            if (!nm || !v) {
                sh_error(sh, "kill: %s: bad signal", argv[i + 1]);
                return 1;
            }
            out_str(1, nm);
            out_str(1, "\n");
            return 0;
        }
        struct sbuf b = {0};
        for (int s = 1; s < VSH_NSIG; s++)
            if (sig_name(s)) {
                sb_puts(&b, sig_name(s));
                sb_putc(&b, '\n');
            }
        out_str(1, b.s);
        sb_free(&b);
        return 0;
    }
    if (i < argc && (!strcmp(argv[i], "-s") || !strcmp(argv[i], "-n"))) {
        if (i + 1 >= argc) {
            sh_error(sh, "kill: %s needs a signal", argv[i]);
            return 2;
        }
        sig = sig_number(argv[i + 1]);
        i += 2;
    } else if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--")) {
        sig = sig_number(argv[i] + 1);
        i++;
    }
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (sig < 0) {
        sh_error(sh, "kill: bad signal");
        return 2;
    }
    if (i >= argc) {
        sh_error(sh, "kill: usage: kill [-s sig | -signal] pid | %%job ...");
        return 2;
    }
    int rc = 0;
    for (; i < argc; i++) {
        long pid;
        struct job *j = job_arg(sh, argv[i], &pid);
        if (argv[i][0] == '%') {
            if (!j) {
                sh_error(sh, "kill: %s: no such job", argv[i]);
                rc = 1;
                continue;
            }
            for (int k = 0; k < j->npids; k++)
                if (!j->done[k] && kill((pid_t)j->pids[k], sig) < 0)
                    rc = 1;
            if (sig == SIGCONT)
                j->state = JOB_RUNNING;
            continue;
        }
        char *end;
        pid = strtol(argv[i], &end, 10);
        if (!*argv[i] || *end) {
            sh_error(sh, "kill: %s: arguments must be process or job IDs", argv[i]);
            rc = 1;
            continue;
        }
        if (kill((pid_t)pid, sig) < 0) {
            sh_error(sh, "kill: (%ld) - %s", pid, strerror(errno));
            rc = 1;
        }
    }
    return rc;
}

const struct builtin job_builtins[] = {
    {"bg", bi_fg, 0},     {"fg", bi_fg, 0},     {"jobs", bi_jobs, 0},
    {"kill", bi_kill, 0}, {"wait", bi_wait, 0}, {NULL, NULL, 0},
};
