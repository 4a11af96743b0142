/*
 * inspect: the inspector's commands over a stopped machine; the contract is in inspect.h.
 * Every command walks the kernel's own structures (the process list, handle tables, thread
 * lists, endpoint queues, the device table) read-only. Objects reachable from several
 * handles are listed once (by object id, which is deterministic).
 */
#include "sim/inspect/inspect.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/kernel/kernel_internal.h"
#include "sim/core/hw.h"
#include "sim/core/machine.h"
#include "sim/replay/diff.h"

static const char *const default_script = "time; ps; threads; endpoints; events 20";

static const char *obj_type_name(uint32_t t)
{
    static const char *const names[] = {
        [VK_OBJ_NONE] = "none",
        [VK_OBJ_PROCESS] = "process",
        [VK_OBJ_THREAD] = "thread",
        [VK_OBJ_ENDPOINT] = "endpoint",
        [VK_OBJ_NOTIFICATION] = "notification",
        [VK_OBJ_VMO] = "vmo",
        [VK_OBJ_CONSOLE] = "console",
        [VK_OBJ_RESOURCE] = "resource",
        [VK_OBJ_DEVICE] = "device",
        [VK_OBJ_DMA_DOMAIN] = "dma_domain",
        [VK_OBJ_TERMINAL] = "terminal",
    };
    return t < sizeof names / sizeof names[0] && names[t] ? names[t] : "?";
}

static void rights_str(uint32_t r, char *buf, size_t len)
{
    static const char *const names[] = {"read",  "write", "map",    "call", "recv",
                                        "dup",   "xfer",  "signal", "wait", "mint",
                                        "spawn", "kill",  "mmio",   "irq",  "dma"};
    size_t o = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (r & (1u << i))
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "", names[i]);
    }
    if (r & 0x00ff8000u)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%scaps=0x%x", o ? "," : "",
                              (r & 0x00ff8000u) >> 15);
    if (r & VK_HANDLE_TRACKED)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%stracked", o ? "," : "");
    if (!o)
        snprintf(buf, len, "-");
}

static const char *thread_state_name(uint8_t s)
{
    static const char *const n[] = {"new", "runnable", "running", "blocked", "dead"};
    return s < 5 ? n[s] : "?";
}

static const char *proc_state_name(uint32_t s)
{
    return s == VK_PROC_RUNNING   ? "running"
           : s == VK_PROC_EXITED  ? "exited"
           : s == VK_PROC_STOPPED ? "stopped"
                                  : "?";
}

#define FOR_PROCS(k, p)                                                                            \
    for (struct vk_list *l_ = (k)->procs.next;                                                     \
         l_ != &(k)->procs && ((p) = VK_CONTAINER_OF(l_, struct vk_process, link)); l_ = l_->next)
#define FOR_THREADS(p, t)                                                                          \
    for (struct vk_list *tl_ = (p)->threads.next;                                                  \
         tl_ != &(p)->threads && ((t) = VK_CONTAINER_OF(tl_, struct vk_thread, proc_link));        \
         tl_ = tl_->next)

static uint32_t handles_live(const struct vk_handle_table *t)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->high && i < t->cap; i++)
        n += t->slots[i].obj != NULL;
    return n;
}

static void cmd_time(struct vk_machine *m, FILE *out)
{
    fprintf(out, "time %" PRIu64 ".%09" PRIu64 "s  events %" PRIu64 "  digest %016" PRIx64 "\n",
            m->k.now / 1000000000u, m->k.now % 1000000000u, vs_trace_count(&m->trace),
            vs_trace_digest(&m->trace));
}

static void cmd_ps(struct vk_machine *m, FILE *out)
{
    struct vk_process *p;
    fprintf(out, "%5s %5s %5s %5s %-8s %4s %5s %s\n", "PID", "PPID", "PGID", "UID", "STATE", "THR",
            "HNDL", "NAME");
    FOR_PROCS(&m->k, p)
    {
        fprintf(out, "%5u %5u %5u %5u %-8s %4u %5u %s\n", p->pid, p->parent ? p->parent->pid : 0,
                p->pgid, p->uid, proc_state_name(p->state), p->nthreads, handles_live(&p->handles),
                p->name);
    }
}

static void thread_waits(const struct vk_thread *t, char *buf, size_t len)
{
    buf[0] = 0;
    if (t->ipc_state == VK_IPC_QUEUED && t->ipc_ep)
        snprintf(buf, len, "call queued on endpoint %" PRIu64, t->ipc_ep->o.id);
    else if (t->ipc_state == VK_IPC_AWAIT_REPLY)
        snprintf(buf, len, "reply from pid %u", t->ipc_server ? t->ipc_server->pid : 0);
    else if (t->futex_link.next && t->state == VK_T_BLOCKED)
        snprintf(buf, len, "futex object %" PRIu64 " +0x%" PRIx64, t->futex_obj, t->futex_off);
    else if (t->parked)
        snprintf(buf, len, "stopped (parked)");
    else if (t->state == VK_T_BLOCKED)
        snprintf(buf, len, "wait/receive/sleep");
}

static int cmd_threads(struct vk_machine *m, FILE *out, long pid)
{
    struct vk_process *p;
    struct vk_thread *t;
    char w[96];
    int found = pid < 0;
    fprintf(out, "%5s %5s %-9s %-11s %8s %s\n", "TID", "PID", "STATE", "IPC", "KCALLS",
            "WAITING FOR");
    FOR_PROCS(&m->k, p)
    {
        if (pid >= 0 && p->pid != (uint64_t)pid)
            continue;
        found = 1;
        FOR_THREADS(p, t)
        {
            static const char *const ipc[] = {"-", "queued", "await-reply", "done"};
            thread_waits(t, w, sizeof w);
            fprintf(out, "%5u %5u %-9s %-11s %8" PRIu64 " %s%s\n", t->tid, p->pid,
                    thread_state_name(t->state), t->ipc_state < 4 ? ipc[t->ipc_state] : "?",
                    t->kcalls, w, t == m->k.cur ? " <- current" : "");
        }
    }
    if (!found) {
        fprintf(out, "no process %ld\n", pid);
        return -VK_EINVAL;
    }
    return 0;
}

static int cmd_handles(struct vk_machine *m, FILE *out, long pid)
{
    struct vk_process *p = pid >= 0 ? vk_process_find(&m->k, (uint32_t)pid) : NULL;
    char r[160];
    if (!p) {
        fprintf(out, "no process %ld\n", pid);
        return -VK_EINVAL;
    }
    fprintf(out, "handles of pid %u (%s):\n%10s %-12s %6s %-18s %s\n", p->pid, p->name, "HANDLE",
            "TYPE", "OBJECT", "BADGE", "RIGHTS");
    const struct vk_handle_table *ht = &p->handles;
    for (uint32_t i = 0; i < ht->high && i < ht->cap; i++) {
        const struct vk_handle_entry *e = &ht->slots[i];
        if (!e->obj)
            continue;
        rights_str(e->rights, r, sizeof r);
        fprintf(out, "0x%08x %-12s %6" PRIu64 " 0x%-16" PRIx64 " %s\n",
                (e->gen << VK_HANDLE_INDEX_BITS) | i, obj_type_name(e->obj->type), e->obj->id,
                e->badge, r);
    }
    return 0;
}

/* The distinct objects of one type reachable from handles (and, for memory objects, from
 * mappings) of every process or of one; sorted by id. Caller frees. */
static int by_id(const void *a, const void *b)
{
    const struct vk_object *x = *(const struct vk_object *const *)a;
    const struct vk_object *y = *(const struct vk_object *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct objset {
    struct vk_object **v;
    size_t n, cap;
};

static void objset_add(struct objset *s, struct vk_object *o)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        struct vk_object **n = realloc(s->v, ncap * sizeof *n);
        if (!n)
            return;
        s->v = n;
        s->cap = ncap;
    }
    s->v[s->n++] = o;
}

static void objset_collect(struct vk_machine *m, struct objset *s, uint32_t type, long pid)
{
    struct vk_process *p;
    FOR_PROCS(&m->k, p)
    {
        if (pid >= 0 && p->pid != (uint64_t)pid)
            continue;
        for (uint32_t i = 0; i < p->handles.high && i < p->handles.cap; i++) {
            struct vk_object *o = p->handles.slots[i].obj;
            if (o && o->type == type)
                objset_add(s, o);
        }
        if (type == VK_OBJ_VMO)
            for (uint32_t i = 0; i < p->nmaps; i++)
                if (p->maps[i].vmo)
                    objset_add(s, &p->maps[i].vmo->o);
    }
    if (type == VK_OBJ_VMO && pid < 0 && m->bootfs)
        objset_add(s, &m->bootfs->o);
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, by_id);
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!w || s->v[w - 1] != s->v[i])
            s->v[w++] = s->v[i];
    s->n = w;
}

static void cmd_vmos(struct vk_machine *m, FILE *out, long pid)
{
    struct objset s = {0};
    objset_collect(m, &s, VK_OBJ_VMO, pid);
    fprintf(out, "%6s %12s %5s %4s %-3s %s\n", "ID", "SIZE", "REFS", "MAPS", "RO", "OWNER");
    for (size_t i = 0; i < s.n; i++) {
        const struct vk_vmo *v = (const struct vk_vmo *)s.v[i];
        fprintf(out, "%6" PRIu64 " %12" PRIu64 " %5u %4u %-3s %u%s%s%s\n", v->o.id, v->size,
                v->o.refs, v->mappings, v->readonly ? "yes" : "no", v->owner ? v->owner->pid : 0,
                v->owner ? " (" : "", v->owner ? v->owner->name : "", v->owner ? ")" : "");
    }
    fprintf(out,
            "%zu memory objects; arena: %" PRIu64 " bytes in %u live objects, quota %" PRIu64 "\n",
            s.n, m->arena.pages_in_use, m->arena.objects_live, m->arena.quota);
    free(s.v);
}

static int cmd_maps(struct vk_machine *m, FILE *out, long pid)
{
    struct vk_process *p = pid >= 0 ? vk_process_find(&m->k, (uint32_t)pid) : NULL;
    if (!p) {
        fprintf(out, "no process %ld\n", pid);
        return -VK_EINVAL;
    }
    fprintf(out, "pid %u (%s): region 0x%" PRIx64 "-0x%" PRIx64 " self 0x%" PRIx64 "\n", p->pid,
            p->name, p->base, p->limit, p->self_addr);
    for (uint32_t i = 0; i < p->nmaps; i++) {
        const struct vk_mapping *mp = &p->maps[i];
        fprintf(out, "  0x%" PRIx64 "-0x%" PRIx64 " %c%c ", mp->start, mp->end,
                mp->prot & VK_RIGHT_READ ? 'r' : '-', mp->prot & VK_RIGHT_WRITE ? 'w' : '-');
        if (mp->vmo)
            fprintf(out, "vmo %" PRIu64 "\n", mp->vmo->o.id);
        else
            fprintf(out, "image\n");
    }
    return 0;
}

static void list_threads(FILE *out, const struct vk_list *head)
{
    int any = 0;
    for (const struct vk_list *l = head->next; l != head; l = l->next) {
        const struct vk_thread *t = VK_CONTAINER_OF(l, struct vk_thread, ipc_link);
        fprintf(out, " %u/%u(%s)", t->tid, t->proc ? t->proc->pid : 0,
                t->proc ? t->proc->name : "?");
        any = 1;
    }
    if (!any)
        fprintf(out, " -");
}

static void cmd_endpoints(struct vk_machine *m, FILE *out)
{
    struct objset s = {0};
    objset_collect(m, &s, VK_OBJ_ENDPOINT, -1);
    for (size_t i = 0; i < s.n; i++) {
        const struct vk_endpoint *ep = (const struct vk_endpoint *)s.v[i];
        fprintf(out, "endpoint %" PRIu64 ": refs %u, receiver handles %u%s", ep->o.id, ep->o.refs,
                ep->receiver_handles, ep->dead ? ", dead" : "");
        if (ep->bound)
            fprintf(out, ", bound notification %" PRIu64, ep->bound->o.id);
        if (ep->nclosed)
            fprintf(out, ", %u close notices", ep->nclosed);
        fprintf(out, "\n  receivers (tid/pid):");
        list_threads(out, &ep->receivers);
        fprintf(out, "\n  queued callers (tid/pid):");
        list_threads(out, &ep->callers);
        fprintf(out, "\n");
    }
    if (!s.n)
        fprintf(out, "no endpoints\n");
    free(s.v);
}

static void cmd_devices(struct vk_machine *m, FILE *out)
{
    const struct vs_pcibus *b = m->hw ? &m->hw->bus : NULL;
    fprintf(out, "PCI functions:\n");
    for (uint32_t bdf = 0; b && bdf < 256; bdf++) {
        const char *name = vs_pcibus_model_name(b, bdf);
        if (name)
            fprintf(out, "  %02x:%02x.%x %s\n", bdf >> 8, (bdf >> 3) & 31, bdf & 7, name);
    }
    if (m->hw)
        fprintf(out,
                "  dma transfers %" PRIu64 ", dma faults %" PRIu64 ", guest errors %" PRIu64 "\n",
                m->hw->dmas, m->hw->dma_faults, m->hw->guest_errors);
    fprintf(out, "kernel device objects:\n");
    int any = 0;
    for (unsigned i = 0; i < VK_KERNEL_DEVICES_MAX; i++) {
        const struct vk_device *d = m->k.devices[i];
        if (!d)
            continue;
        any = 1;
        fprintf(out,
                "  device %" PRIu64 " %02x:%02x.%x %04x:%04x class %06x irqs %" PRIu64
                " spurious %" PRIu64 " faults %" PRIu64 "\n",
                d->o.id, d->bdf >> 8, (d->bdf >> 3) & 31, d->bdf & 7, d->info.vendor,
                d->info.device, d->info.class_code, d->info.irqs, d->info.spurious, d->info.faults);
        for (unsigned v = 0; v <= VK_IRQ_VECTORS; v++)
            if (d->irq[v].n)
                fprintf(out, "    vector %u -> notification %" PRIu64 " bits 0x%" PRIx64 "\n", v,
                        d->irq[v].n->o.id, d->irq[v].bits);
        const struct vk_dma_domain *dom = m->k.domains[i];
        (void)dom;
    }
    for (unsigned i = 0; i < VK_KERNEL_DEVICES_MAX; i++) {
        const struct vk_dma_domain *dom = m->k.domains[i];
        if (!dom)
            continue;
        any = 1;
        fprintf(out,
                "  dma domain %" PRIu64 " %02x:%02x.%x: %u mappings, %" PRIu64
                " bytes, faults %" PRIu64 "\n",
                dom->o.id, dom->bdf >> 8, (dom->bdf >> 3) & 31, dom->bdf & 7, dom->nmaps,
                dom->bytes, dom->faults);
    }
    if (!any)
        fprintf(out, "  none open\n");
}

static const char *live_name(void *ctx, uint32_t pid)
{
    struct vk_machine *m = ctx;
    struct vk_process *p;
    FOR_PROCS(&m->k, p)
    {
        if (p->pid == pid)
            return p->name;
    }
    return NULL;
}

static void cmd_events(struct vk_machine *m, FILE *out, long n)
{
    struct vs_trace_event ev[64];
    char line[512];
    uint64_t total = vs_trace_count(&m->trace);
    if (n < 0)
        n = 20;
    /* the ring in chunks of 64 (small stack), oldest first */
    uint64_t want = (uint64_t)n, ring = (uint64_t)m->trace.ring_mask + 1;
    if (want > total)
        want = total;
    if (want > ring)
        want = ring;
    while (want > 0 && !vs_trace_event_at(&m->trace, total - want))
        want--; /* only what the trace still holds */
    for (uint64_t idx = total - want; idx < total; idx++) {
        const struct vs_trace_event *e = vs_trace_event_at(&m->trace, idx);
        size_t sl = 0;
        const char *s = vs_trace_string(&m->trace, e->str, &sl);
        vs_event_describe(e, idx, s, sl, live_name, m, line, sizeof line);
        fprintf(out, "%s\n", line);
    }
    (void)ev;
}

static const char help_text[] =
    "commands (';' between them): time | ps | threads [PID] | handles PID | vmos [PID] |\n"
    "  maps PID | endpoints | devices | events [N] | help; interactive: continue, quit\n";

/* One command: 0, -VK_EINVAL (unknown or malformed), or 1 for continue / 2 for quit. */
static int exec_one(struct vk_machine *m, char *cmd, FILE *out)
{
    char *words[4] = {0};
    int n = 0;
    for (char *w = strtok(cmd, " \t\r"); w && n < 4; w = strtok(NULL, " \t\r"))
        words[n++] = w;
    if (!n)
        return 0;
    long arg = -1;
    if (n > 1) {
        char *end;
        arg = strtol(words[1], &end, 0);
        if (*end || arg < 0) {
            fprintf(out, "inspect: '%s' is not a number\n", words[1]);
            return -VK_EINVAL;
        }
    }
    const char *c = words[0];
    if (!strcmp(c, "help") || !strcmp(c, "?"))
        fputs(help_text, out);
    else if (!strcmp(c, "time"))
        cmd_time(m, out);
    else if (!strcmp(c, "ps"))
        cmd_ps(m, out);
    else if (!strcmp(c, "threads"))
        return cmd_threads(m, out, arg);
    else if (!strcmp(c, "handles") && n == 2)
        return cmd_handles(m, out, arg);
    else if (!strcmp(c, "vmos"))
        cmd_vmos(m, out, arg);
    else if (!strcmp(c, "maps") && n == 2)
        return cmd_maps(m, out, arg);
    else if (!strcmp(c, "endpoints"))
        cmd_endpoints(m, out);
    else if (!strcmp(c, "devices"))
        cmd_devices(m, out);
    else if (!strcmp(c, "events"))
        cmd_events(m, out, arg);
    else if (!strcmp(c, "continue") || !strcmp(c, "c"))
        return 1;
    else if (!strcmp(c, "quit") || !strcmp(c, "q"))
        return 2;
    else {
        fprintf(out, "inspect: unknown command '%s' (help lists them)\n", c);
        return -VK_EINVAL;
    }
    return 0;
}

int vs_inspect_exec(struct vk_machine *m, const char *script, FILE *out)
{
    char cmd[256];
    int rc = 0;
    const char *p = script;
    while (*p) {
        size_t len = strcspn(p, ";\n");
        if (len >= sizeof cmd) {
            fprintf(out, "inspect: command too long\n");
            rc = -VK_EINVAL;
        } else {
            memcpy(cmd, p, len);
            cmd[len] = 0;
            fprintf(out, "(inspect) %s\n", cmd[0] == ' ' ? cmd + strspn(cmd, " ") : cmd);
            if (exec_one(m, cmd, out) < 0)
                rc = -VK_EINVAL;
        }
        p += len;
        if (*p)
            p++;
    }
    fflush(out);
    return rc;
}

int vs_inspect_repl(struct vk_machine *m, FILE *in, FILE *out)
{
    char line[256];
    fputs(help_text, out);
    for (;;) {
        fputs("(inspect) ", out);
        fflush(out);
        if (!fgets(line, sizeof line, in))
            return 0;
        line[strcspn(line, "\n")] = 0;
        int rc = exec_one(m, line, out);
        if (rc == 1)
            return 0;
        if (rc == 2)
            return 1;
    }
}

static void stop_here(struct vk_machine *m, const char *why)
{
    struct vs_inspect_cfg *cfg = m->inspect;
    FILE *out = cfg->out ? cfg->out : stderr;
    fprintf(out, "vrsim: inspector: %s\n", why);
    if (cfg->script) {
        vs_inspect_exec(m, cfg->script, out);
        return;
    }
    FILE *tty = isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL; /* a person is there */
    if (tty) {
        int quit = vs_inspect_repl(m, tty, tty);
        fclose(tty);
        if (quit)
            m->stop = 1;
        return;
    }
    vs_inspect_exec(m, default_script, out);
}

static void on_crash(struct vk_machine *m, struct vk_thread *t)
{
    struct vs_inspect_cfg *cfg = m->inspect;
    char why[256], desc[160];
    if (!cfg->on_crash)
        return;
    vs_exit_describe(&t->fault, desc, sizeof desc);
    snprintf(why, sizeof why, "pid %u (%s) tid %u %s", t->proc->pid, t->proc->name, t->tid, desc);
    stop_here(m, why);
}

static void on_stop(struct vk_machine *m)
{
    struct vs_inspect_cfg *cfg = m->inspect;
    if (cfg->on_crash)
        return;
    stop_here(m, "the run is ending");
}

void vs_inspect_install(struct vk_machine *m, struct vs_inspect_cfg *cfg)
{
    m->inspect = cfg;
    m->on_crash = on_crash;
    m->on_stop = on_stop;
}
