/*
 * init, PID 1: reads /etc/services.toml from the boot image, starts services in dependency
 * order with exactly the handles their capabilities grant, supervises them (restart
 * policies, exponential back-off, a restart limit per window after which a service has
 * failed and its dependents are stopped), serves the control channel that `svc` talks to,
 * runs the console program, and when that exits stops the services in reverse dependency
 * order and exits with its status.
 *
 * Usage: init [-- PROGRAM ARGS...]  (vrsim passes the program given after its own --;
 * without one, the console program is [init] console from services.toml).
 *
 * Credentials: init keeps uid 0 (its own vfs session, session 1); every other program gets a
 * session of its own set to the uid/gid its configuration names (users.c: /etc/passwd and
 * /etc/group from the boot image, else a distinct non-zero default), so that services cannot
 * overwrite each other's files or publish in init's name. The init handle a program gets is
 * badged VK_INIT_BADGE_CONTROL only if it holds CAP_SVC_CONTROL: START/STOP/RESTART check
 * that badge (the kernel's word), nothing in the message.
 *
 * A broken services.toml: init prints every problem with line:col, starts nothing from it,
 * and runs /sbin/emergency on the console if the image has one, else halts (exit 1).
 * init never trusts what it reads: every value is checked by config.c before use.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/init/svc.h"
#include "veridian/caps.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define CONFIG_PATH "/etc/services.toml"
#define PASSWD_PATH "/etc/passwd"
#define GROUP_PATH "/etc/group"
#define EMERGENCY_PATH "/sbin/emergency"
#define CONSOLE_BIT (1ull << 63)
#define MAX_DIAGS 32

struct rt {
    uint32_t state; /* enum vk_init_state */
    uint32_t proc;  /* process handle while it runs */
    uint32_t pid;
    uint32_t ready; /* our notification the service signals (readiness "notify") */
    uint32_t restarts;
    struct init_restarts window;
    uint64_t restart_at;
    uint64_t start_ns, ready_ns;
    uint32_t last_kind, last_signo;
    int32_t last_code;
    int stopping; /* a stop was asked for: do not restart */
    char reason[VK_INIT_REASON_MAX];
};

/* init's state: one instance, made by main() and passed to every function (no file-scope
 * variables: a unit test runs nm on this object). */
struct init_state {
    struct init_config cfg;
    struct rt rt[INIT_MAX_SERVICES];
    uint32_t order[INIT_MAX_SERVICES]; /* start order: dependencies first */
    uint32_t root, bootfs;             /* our root resource and the boot image */
    uint32_t console_in, console_out, console_err;
    uint32_t ctl, events; /* control endpoint; exit notification */
    uint32_t console_proc;
    uint32_t ns_session; /* our session with the namespace, once the vfs runs */
    int ns_service;      /* the namespace service's index, -1 if none */
    int console_done, console_status;
    int services_dirty; /* /proc/services needs publishing */
    char text[8192];    /* /proc/services as published */
};

static uint64_t now(void)
{
    return (uint64_t)vk_clock_get();
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    fputs(buf, stderr);
}

static void mark(const char *what, const char *name)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, "init: %s %s", what, name);
    vk_trace_mark(buf, (size_t)n);
}

static uint64_t exit_bit(uint32_t i)
{
    return 1ull << (i % 62 + 1);
}

static void set_state(struct init_state *init, uint32_t i, uint32_t state, const char *reason)
{
    init->services_dirty = 1;
    init->rt[i].state = state;
    snprintf(init->rt[i].reason, sizeof init->rt[i].reason, "%s", reason);
}

/* ---- the namespace ---- */

/* A session of its own for a program we start: a copy of ours (cwd /), whose real,
 * effective and saved ids we (uid 0) set to the program's before it gets the handle. 0 with
 * *out 0 when the namespace does not run; an error when it did not give one. */
static long new_session(struct init_state *init, uint32_t uid, uint32_t gid, uint32_t *out)
{
    *out = 0;
    if (!init->ns_session || init->ns_service < 0 ||
        init->rt[init->ns_service].state != VK_SVC_RUNNING)
        return 0;
    struct vk_msg m;
    long rc = vr_request(init->ns_session, VFS_OP_SESSION, NULL, 0, NULL, 0, 0, 0, &m);
    if (rc < 0)
        return rc;
    if (VK_MSG_NHANDLES(m.flags) != 1)
        return -VK_EIO;
    uint32_t h = m.handles[0];
    if ((rc = vr_request(h, VFS_OP_SETUID, NULL, 0, NULL, 0, uid, gid, NULL)) < 0) {
        logf_("init: cannot set uid %u gid %u on a session\n", uid, gid);
        vk_handle_close(h); /* no session rather than a root one */
        return rc;
    }
    *out = h;
    return 0;
}

/* Before the vfs starts: a fresh endpoint whose receive end goes to it, and our session. */
static long namespace_endpoint(struct init_state *init, uint32_t *serve)
{
    uint32_t e;
    long rc = vk_endpoint_create(&e);
    if (rc)
        return rc;
    if (init->ns_session)
        vk_handle_close(init->ns_session);
    init->ns_session = 0;
    if ((rc = vk_handle_mint(e, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, VFS_BADGE_ROOT_SESSION,
                             &init->ns_session))) {
        vk_handle_close(e);
        return rc;
    }
    *serve = e;
    return 0;
}

static const char *const state_names[] = {
    [VK_SVC_WAITING] = "waiting", [VK_SVC_STARTING] = "starting", [VK_SVC_RUNNING] = "running",
    [VK_SVC_BACKOFF] = "backoff", [VK_SVC_STOPPED] = "stopped",   [VK_SVC_FAILED] = "failed",
};

/* /proc/services: what `svc list` shows, for anyone who can read files. */
static void publish_services(struct init_state *init)
{
    if (!init->services_dirty || !init->ns_session || init->ns_service < 0 ||
        init->rt[init->ns_service].state != VK_SVC_RUNNING)
        return;
    char *text = init->text;
    size_t off = (size_t)snprintf(text, sizeof init->text, "services");
    off++; /* the NUL between the name and the content */
    off += (size_t)snprintf(text + off, sizeof init->text - off, "%-16s %-9s %5s %8s\n", "NAME",
                            "STATE", "PID", "RESTARTS");
    for (uint32_t i = 0; i < init->cfg.n && off < sizeof init->text - 64; i++)
        off += (size_t)snprintf(text + off, sizeof init->text - off, "%-16s %-9s %5u %8u\n",
                                init->cfg.svc[i].name, state_names[init->rt[i].state],
                                init->rt[i].pid, init->rt[i].restarts);
    if (vr_request(init->ns_session, VFS_OP_PUBLISH, text, off, NULL, 0, 0, 0, NULL) >= 0)
        init->services_dirty = 0;
}

/* ---- starting ---- */

/* The kernel calls of the start-handle assembly (start.c), over our state. */
static long op_dup(void *ctx, uint32_t h, uint32_t rights, uint32_t *out)
{
    (void)ctx;
    return vk_handle_dup(h, rights, out);
}

static long op_mint_control(void *ctx, uint64_t badge, uint32_t *out)
{
    struct init_state *init = ctx;
    return vk_handle_mint(init->ctl, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, badge, out);
}

static long op_serve(void *ctx, uint32_t *out)
{
    return namespace_endpoint(ctx, out);
}

static long op_session(void *ctx, uint32_t uid, uint32_t gid, uint32_t *out)
{
    return new_session(ctx, uid, gid, out);
}

static void op_close(void *ctx, uint32_t h)
{
    (void)ctx;
    vk_handle_close(h);
}

static const struct init_start_ops start_ops = {
    .dup = op_dup,
    .mint_control = op_mint_control,
    .serve = op_serve,
    .session = op_session,
    .close = op_close,
};

/* What every program we start shares: the console and our own handles. */
static struct init_start_spec start_spec(const struct init_state *init)
{
    return (struct init_start_spec){
        .console_in = init->console_in,
        .console_out = init->console_out,
        .console_err = init->console_err,
        .bootfs = init->bootfs,
        .root = init->root,
    };
}

/* Spawn path (in the boot image, at off/size) with the handles st holds: those we made move
 * to the child, or are closed when the spawn fails. The child runs as uid (the kernel's uid:
 * who it may signal) in a process group of its own, so a terminal's ^C reaches only the
 * console program's jobs and kill(0, ...) in a service reaches only that service. */
static long spawn_with(struct init_state *init, const char *path, uint64_t off, uint64_t size,
                       const char *const *argv, char *const *envp, struct init_start *st,
                       uint64_t exit_bits, uint32_t uid, uint32_t *proc)
{
    struct vk_spawn sp = {
        .spawner = init->root,
        .image = init->bootfs,
        .image_off = off,
        .image_len = size,
        .name = (uint64_t)(uintptr_t)path,
        .argv = (uint64_t)(uintptr_t)argv,
        .envp = (uint64_t)(uintptr_t)envp,
        .handles = (uint64_t)(uintptr_t)st->hs,
        .nhandles = (uint32_t)st->n,
        .exit_notify = init->events,
        .exit_bits = exit_bits,
        .flags = VK_SPAWN_UID | VK_SPAWN_PGID,
        .uid = uid,
        .pgid = 0,
    };
    long rc = vk_spawn(&sp, proc);
    if (rc == 0)
        st->nowned = 0; /* moved to the child */
    init_start_release(&start_ops, init, st);
    return rc;
}

static long spawn_service(struct init_state *init, uint32_t i)
{
    struct init_service *s = &init->cfg.svc[i];
    struct rt *r = &init->rt[i];
    uint64_t off, size;
    long rc = vr_bootfs_find(s->path, &off, &size);
    if (rc)
        return rc;
    if (s->ready_notify && !r->ready && (rc = vk_notify_create(&r->ready)))
        return rc;
    struct init_start_spec sp = start_spec(init);
    sp.resource_rights = s->rights & VK_CAP_RIGHTS_ALL;
    sp.control_badge = i + 1;
    sp.caps = s->rights;
    sp.is_namespace = s->is_namespace;
    sp.uid = s->uid;
    sp.gid = s->gid;
    sp.ready = s->ready_notify ? r->ready : 0;
    struct init_start st;
    if ((rc = init_start_assemble(&start_ops, init, &sp, &st)))
        return rc;
    const char *argv[INIT_MAX_ARGS + 2];
    argv[0] = s->path;
    for (size_t a = 0; a < s->nargs; a++)
        argv[a + 1] = s->args[a];
    argv[s->nargs + 1] = NULL;
    if ((rc = spawn_with(init, s->path, off, size, argv, s->env, &st, exit_bit(i), s->uid,
                         &r->proc)))
        return rc;
    struct vk_proc_info pi;
    vk_process_info(r->proc, &pi);
    r->pid = pi.pid;
    return 0;
}

static void became_ready(struct init_state *init, uint32_t i)
{
    init->rt[i].ready_ns = now();
    set_state(init, i, VK_SVC_RUNNING, "ready");
    mark("ready", init->cfg.svc[i].name);
}

static int deps_running(struct init_state *init, uint32_t i)
{
    for (size_t j = 0; j < init->cfg.svc[i].ndeps; j++)
        if (init->rt[init->cfg.svc[i].deps[j]].state != VK_SVC_RUNNING)
            return 0;
    return 1;
}

static void start(struct init_state *init, uint32_t i)
{
    struct rt *r = &init->rt[i];
    r->start_ns = now();
    r->ready_ns = 0;
    r->stopping = 0;
    mark("start", init->cfg.svc[i].name);
    long rc = spawn_service(init, i);
    if (rc) {
        char why[VK_INIT_REASON_MAX];
        snprintf(why, sizeof why, "cannot start %s: %s", init->cfg.svc[i].path, strerror((int)-rc));
        logf_("init: %s: %s\n", init->cfg.svc[i].name, why);
        set_state(init, i, VK_SVC_FAILED, why);
        return;
    }
    logf_("init: started %s (pid %u)\n", init->cfg.svc[i].name, r->pid);
    if (init->cfg.svc[i].ready_notify)
        set_state(init, i, VK_SVC_STARTING, "waiting for readiness");
    else
        became_ready(init, i);
}

/* Start every waiting service whose dependencies are all running; independent services
 * start together, without waiting for each other's readiness. */
static void reconcile(struct init_state *init)
{
    for (size_t k = 0; k < init->cfg.n; k++) {
        uint32_t i = init->order[k];
        if (init->rt[i].state == VK_SVC_WAITING && deps_running(init, i))
            start(init, i);
    }
}

static int settled(struct init_state *init)
{
    for (size_t i = 0; i < init->cfg.n; i++)
        if (init->rt[i].state == VK_SVC_WAITING || init->rt[i].state == VK_SVC_STARTING) {
            /* waiting on a dependency that will never run counts as settled */
            if (init->rt[i].state == VK_SVC_WAITING) {
                int blocked = 0;
                for (size_t j = 0; j < init->cfg.svc[i].ndeps; j++) {
                    uint32_t st = init->rt[init->cfg.svc[i].deps[j]].state;
                    blocked |= st == VK_SVC_FAILED || st == VK_SVC_STOPPED;
                }
                if (blocked)
                    continue;
            }
            return 0;
        }
    return 1;
}

/* ---- stopping ---- */

static void kill_and_wait(uint32_t proc)
{
    vk_process_kill(proc);
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
}

static void record_exit(struct init_state *init, uint32_t i)
{
    struct rt *r = &init->rt[i];
    struct vk_proc_info pi;
    vk_process_info(r->proc, &pi);
    r->last_kind = pi.exit_kind;
    r->last_code = pi.exit_code;
    r->last_signo = pi.signo;
    vk_handle_close(r->proc);
    r->proc = 0;
    r->pid = 0;
}

static void stop_one(struct init_state *init, uint32_t i, const char *reason)
{
    struct rt *r = &init->rt[i];
    r->stopping = 1;
    if (r->proc) {
        kill_and_wait(r->proc);
        record_exit(init, i);
        logf_("init: stopped %s\n", init->cfg.svc[i].name);
    }
    set_state(init, i, VK_SVC_STOPPED, reason);
}

/* Stop service i's dependents (reverse order: dependents of dependents first). */
static void stop_dependents(struct init_state *init, uint32_t i, const char *reason)
{
    uint8_t dep[INIT_MAX_SERVICES];
    init_graph_dependents(&init->cfg, i, dep);
    for (size_t k = init->cfg.n; k-- > 0;) {
        uint32_t s = init->order[k];
        if (dep[s] && init->rt[s].state != VK_SVC_STOPPED && init->rt[s].state != VK_SVC_FAILED)
            stop_one(init, s, reason);
    }
}

static void exited(struct init_state *init, uint32_t i)
{
    struct rt *r = &init->rt[i];
    struct init_service *s = &init->cfg.svc[i];
    record_exit(init, i);
    char why[VK_INIT_REASON_MAX];
    if (r->last_kind == VK_EXIT_NORMAL)
        snprintf(why, sizeof why, "exited with status %d", r->last_code);
    else if (r->last_kind == VK_EXIT_FAULT)
        snprintf(why, sizeof why, "crashed (signal %u)", r->last_signo);
    else
        snprintf(why, sizeof why, "killed (exit kind %u)", r->last_kind);
    mark("exited", s->name);
    if (r->stopping) {
        set_state(init, i, VK_SVC_STOPPED, why);
        return;
    }
    if (!init_policy_restart(s->policy, r->last_kind, r->last_code)) {
        logf_("init: %s %s; restart policy keeps it down\n", s->name, why);
        set_state(init, i, VK_SVC_STOPPED, why);
        return;
    }
    if (!init_restart_record(&r->window, now(), init->cfg.restart_limit,
                             init->cfg.restart_window_ns)) {
        char msg[VK_INIT_REASON_MAX];
        snprintf(msg, sizeof msg, "%s; restarted too often (%u in %llu ms)", why,
                 init->cfg.restart_limit,
                 (unsigned long long)(init->cfg.restart_window_ns / 1000000));
        logf_("init: %s failed: %s\n", s->name, msg);
        set_state(init, i, VK_SVC_FAILED, msg);
        mark("failed", s->name);
        snprintf(msg, sizeof msg, "dependency %s failed", s->name);
        stop_dependents(init, i, msg);
        return;
    }
    r->restarts++;
    r->restart_at =
        now() + init_backoff_ns(init->cfg.backoff_base_ns, init->cfg.backoff_cap_ns, r->restarts);
    set_state(init, i, VK_SVC_BACKOFF, why);
}

static void check_exits(struct init_state *init)
{
    for (uint32_t i = 0; i < init->cfg.n; i++) {
        if (!init->rt[i].proc)
            continue;
        struct vk_proc_info pi;
        if (vk_process_info(init->rt[i].proc, &pi) == 0 && pi.state == VK_PROC_EXITED)
            exited(init, i);
    }
    if (init->console_proc) {
        struct vk_proc_info pi;
        if (vk_process_info(init->console_proc, &pi) == 0 && pi.state == VK_PROC_EXITED) {
            init->console_status = pi.exit_code;
            init->console_done = 1;
            vk_handle_close(init->console_proc);
            init->console_proc = 0;
        }
    }
}

static void restart_due(struct init_state *init)
{
    for (uint32_t i = 0; i < init->cfg.n; i++) {
        if (init->rt[i].state == VK_SVC_BACKOFF && init->rt[i].restart_at <= now()) {
            if (deps_running(init, i))
                start(init, i);
            else
                set_state(init, i, VK_SVC_WAITING, "waiting for its dependencies");
        }
    }
}

/* ---- control channel ---- */

static int find_service(struct init_state *init, const char *name)
{
    for (size_t i = 0; i < init->cfg.n; i++)
        if (!strcmp(init->cfg.svc[i].name, name))
            return (int)i;
    return -1;
}

static void fill_status(struct init_state *init, uint32_t i, struct vk_init_status *st)
{
    memset(st, 0, sizeof *st);
    snprintf(st->name, sizeof st->name, "%s", init->cfg.svc[i].name);
    st->state = init->rt[i].state;
    st->pid = init->rt[i].pid;
    st->restarts = init->rt[i].restarts;
    st->last_exit_kind = init->rt[i].last_kind;
    st->last_exit_code = init->rt[i].last_code;
    st->last_signo = init->rt[i].last_signo;
    st->start_time_ns = init->rt[i].start_ns;
    st->ready_time_ns = init->rt[i].ready_ns;
    snprintf(st->reason, sizeof st->reason, "%s", init->rt[i].reason);
}

static void start_with_dependencies(struct init_state *init, uint32_t i)
{
    for (size_t j = 0; j < init->cfg.svc[i].ndeps; j++) {
        uint32_t d = init->cfg.svc[i].deps[j];
        if (init->rt[d].state == VK_SVC_STOPPED || init->rt[d].state == VK_SVC_FAILED)
            start_with_dependencies(init, d);
    }
    if (init->rt[i].state == VK_SVC_STOPPED || init->rt[i].state == VK_SVC_FAILED) {
        memset(&init->rt[i].window, 0, sizeof init->rt[i].window);
        set_state(init, i, VK_SVC_WAITING, "start requested");
    }
}

static long control(struct init_state *init, struct vk_recv *r)
{
    char name[VK_INIT_NAME_MAX] = "";
    int idx = -1;
    uint32_t op = r->msg.opcode;
    /* changing what runs takes CAP_SVC_CONTROL: the badge of the handle the call came
     * through, as the kernel reports it */
    if ((op == VK_INIT_START || op == VK_INIT_STOP || op == VK_INIT_RESTART) &&
        !(r->badge & VK_INIT_BADGE_CONTROL))
        return -VK_EPERM;
    if (op >= VK_INIT_STATUS && op <= VK_INIT_RESTART) {
        if (r->send_len == 0 || r->send_len >= sizeof name)
            return -VK_EINVAL;
        long n = vk_msg_read(r->token, 0, name, r->send_len);
        if (n < 0)
            return n;
        name[n] = 0;
        if ((idx = find_service(init, name)) < 0)
            return -VK_ENOENT;
    }
    struct vk_init_status st;
    switch (op) {
    case VK_INIT_LIST: {
        uint64_t count = 0;
        for (uint32_t i = 0; i < init->cfg.n; i++) {
            if ((i + 1) * sizeof st > r->recv_len)
                break;
            fill_status(init, i, &st);
            long w = vk_msg_write(r->token, i * sizeof st, &st, sizeof st);
            if (w < 0)
                return w;
            count++;
        }
        r->msg.data[0] = count;
        r->msg.data[1] = init->cfg.n;
        return 0;
    }
    case VK_INIT_STATUS:
        fill_status(init, (uint32_t)idx, &st);
        if (r->recv_len < sizeof st)
            return -VK_EINVAL;
        r->msg.data[0] = 1;
        return vk_msg_write(r->token, 0, &st, sizeof st) < 0 ? -VK_EFAULT : 0;
    case VK_INIT_STOP:
        stop_dependents(init, (uint32_t)idx, "stopped with its dependency");
        stop_one(init, (uint32_t)idx, "stopped by request");
        return 0;
    case VK_INIT_RESTART:
        stop_one(init, (uint32_t)idx, "restart requested");
        /* fall through */
    case VK_INIT_START:
        start_with_dependencies(init, (uint32_t)idx);
        reconcile(init);
        return 0;
    case VK_INIT_STATS: {
        size_t in_use, mapped;
        vr_malloc_stats(&in_use, &mapped);
        r->msg.data[0] = in_use;
        r->msg.data[1] = mapped;
        return 0;
    }
    default:
        return -VK_ENOSYS;
    }
}

static void serve_control(struct init_state *init)
{
    struct vk_recv r;
    while (vk_receive(init->ctl, &r, 0) == 0) {
        long rc = control(init, &r);
        for (uint32_t h = 0; h < VK_MSG_NHANDLES(r.msg.flags); h++)
            vk_handle_close(r.msg.handles[h]);
        r.msg.opcode = (uint32_t)(rc < 0 ? -rc : 0);
        r.msg.flags = 0;
        vk_reply(r.token, &r.msg);
    }
}

/* ---- the main loop ---- */

static uint64_t next_deadline(struct init_state *init)
{
    uint64_t d = VK_DEADLINE_NEVER;
    for (uint32_t i = 0; i < init->cfg.n; i++)
        if (init->rt[i].state == VK_SVC_BACKOFF && init->rt[i].restart_at < d)
            d = init->rt[i].restart_at;
    return d;
}

static void wait_events(struct init_state *init)
{
    struct vk_wait w[INIT_MAX_SERVICES + 2];
    uint32_t who[INIT_MAX_SERVICES + 2];
    size_t n = 0;
    w[n++] = (struct vk_wait){.handle = init->ctl, .mask = VK_SIG_READABLE};
    w[n++] = (struct vk_wait){.handle = init->events, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
    for (uint32_t i = 0; i < init->cfg.n && n < 64; i++) {
        if (init->rt[i].state == VK_SVC_STARTING && init->rt[i].ready) {
            who[n] = i;
            w[n++] = (struct vk_wait){
                .handle = init->rt[i].ready, .flags = VK_WAIT_CLEAR, .mask = VK_INIT_READY_BIT};
        }
    }
    long f = vk_wait_many(w, n, next_deadline(init));
    if (f < 0)
        return; /* a deadline: restarts are due */
    for (size_t k = 2; k < n; k++)
        if (w[k].observed && init->rt[who[k]].state == VK_SVC_STARTING)
            became_ready(init, who[k]);
}

static void start_console(struct init_state *init, char **argv, size_t argc)
{
    if (!argc) {
        logf_("init: no console program ([init] console in %s, or vrsim run -- PROGRAM)\n",
              CONFIG_PATH);
        return;
    }
    uint64_t off, size;
    if (vr_bootfs_find(argv[0], &off, &size)) {
        logf_("init: %s: no such program in the boot image\n", argv[0]);
        init->console_done = 1;
        init->console_status = 127;
        return;
    }
    /* the console program may start programs: it gets the spawn right, and what
     * [init] console_caps grants */
    struct init_start_spec sp = start_spec(init);
    sp.resource_rights = VK_RIGHT_SPAWN | (init->cfg.console_rights & VK_CAP_RIGHTS_ALL);
    sp.control_badge = 0;
    sp.caps = init->cfg.console_rights;
    sp.uid = init->cfg.console_uid;
    sp.gid = init->cfg.console_gid;
    struct init_start st;
    long rc = init_start_assemble(&start_ops, init, &sp, &st);
    if (!rc)
        rc = spawn_with(init, argv[0], off, size, (const char *const *)argv, environ, &st,
                        CONSOLE_BIT, init->cfg.console_uid, &init->console_proc);
    if (rc) {
        logf_("init: cannot start %s: %s\n", argv[0], strerror((int)-rc));
        init->console_done = 1;
        init->console_status = 127;
        return;
    }
    /* a terminal's foreground is the console program's group (its own, pgid = pid), so ^C
     * reaches it even before it reads; on a plain byte stream this is -VK_ENOTTY: nothing */
    struct vk_proc_info pi;
    if (init->console_in && vk_process_info(init->console_proc, &pi) == 0)
        vk_console_ctl(init->console_in, VK_CON_SETPGRP, pi.pid);
}

static void shutdown_services(struct init_state *init)
{
    for (size_t k = init->cfg.n; k-- > 0;) {
        uint32_t i = init->order[k];
        if (init->rt[i].proc)
            stop_one(init, i, "shutdown");
    }
}

static int emergency(struct init_state *init)
{
    uint64_t off, size;
    if (vr_bootfs_find(EMERGENCY_PATH, &off, &size)) {
        logf_("init: halting: %s is invalid and the image has no %s\n", CONFIG_PATH,
              EMERGENCY_PATH);
        return 1;
    }
    logf_("init: starting the emergency console %s\n", EMERGENCY_PATH);
    char *argv[] = {EMERGENCY_PATH, NULL};
    start_console(init, argv, 1);
    while (!init->console_done) {
        struct vk_wait w = {.handle = init->events, .flags = VK_WAIT_CLEAR, .mask = CONSOLE_BIT};
        vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
        check_exits(init);
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct init_state *init = calloc(1, sizeof *init);
    if (!init) {
        logf_("init: no memory for its state\n");
        return 1;
    }
    init->ns_service = -1;
    init->services_dirty = 1;
    init->root = vr_start_handle(VK_ROLE_SPAWNER);
    init->bootfs = vr_start_handle(VK_ROLE_BOOTFS);
    init->console_in = vr_start_handle(VK_ROLE_STDIN);
    init->console_out = vr_start_handle(VK_ROLE_STDOUT);
    init->console_err = vr_start_handle(VK_ROLE_STDERR);
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (vk_endpoint_create(&init->ctl) || vk_notify_create(&init->events)) {
        logf_("init: cannot create the control channel\n");
        return 1;
    }

    size_t len = 0;
    const char *text = vr_bootfs_file(CONFIG_PATH, &len);
    struct init_diag diags[MAX_DIAGS];
    size_t nd = 0;
    if (text) {
        nd = init_config_parse(&init->cfg, text, len, diags, MAX_DIAGS);
        if (!nd)
            nd = init_graph_check(&init->cfg, init->order, diags, MAX_DIAGS);
    } else {
        init_config_parse(&init->cfg, "", 0, diags, MAX_DIAGS); /* defaults, no services */
    }
    if (!nd) { /* who each program runs as */
        size_t plen = 0, glen = 0;
        const char *passwd = vr_bootfs_file(PASSWD_PATH, &plen);
        const char *group = vr_bootfs_file(GROUP_PATH, &glen);
        nd = init_users_resolve(&init->cfg, passwd, plen, group, glen, diags, MAX_DIAGS);
        if (nd)
            init_config_free(&init->cfg);
    }
    if (nd) {
        for (size_t i = 0; i < nd && i < MAX_DIAGS; i++)
            logf_("init: %s:%u:%u: %s\n", CONFIG_PATH, diags[i].line, diags[i].col, diags[i].msg);
        if (nd > MAX_DIAGS)
            logf_("init: ... and %zu more\n", nd - MAX_DIAGS);
        logf_("init: %s has %zu error(s): no service started\n", CONFIG_PATH, nd);
        return emergency(init);
    }

    for (uint32_t i = 0; i < init->cfg.n; i++) {
        set_state(init, i, VK_SVC_WAITING, "waiting for its dependencies");
        if (init->cfg.svc[i].is_namespace)
            init->ns_service = (int)i;
    }
    reconcile(init);

    /* the console program: from our argv (after --), else [init] console */
    char **cargv = NULL;
    size_t cargc = 0;
    for (int a = 1; a < argc; a++)
        if (!strcmp(argv[a], "--")) {
            cargv = &argv[a + 1];
            cargc = (size_t)(argc - a - 1);
            break;
        }
    if (!cargv && init->cfg.nconsole) {
        cargv = init->cfg.console;
        cargc = init->cfg.nconsole;
    }
    int console_started = 0;
    for (;;) {
        publish_services(init);
        if (!console_started && settled(init)) {
            start_console(init, cargv, cargc);
            console_started = 1;
        }
        if (init->console_done)
            break;
        wait_events(init);
        check_exits(init);
        serve_control(init);
        restart_due(init);
        reconcile(init);
    }
    shutdown_services(init);
    return init->console_status;
}
