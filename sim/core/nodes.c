/*
 * Several nodes in one vrsim (contract: nodes.h): the machines, the links between their NICs
 * (a link end is a node's netwire, or a responder of the link's own), the lockstep loop, and
 * the links' time-ordered captures.
 */
#include "sim/core/nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/hw.h"
#include "sim/trace/trace_bin.h"

struct vs_node {
    struct vk_machine *m;
    char name[VS_MACH_NAME_MAX];
    int last; /* what vs_machine_run_until said last (VS_RUN_*) */
    int done;
};

struct vs_pcap_rec {
    uint64_t when, seq;
    uint32_t len;
    uint8_t *data;
};

struct vs_node_link;

struct vs_link_end {
    struct vs_node_link *l;
    unsigned side;        /* frames from this end travel in direction side */
    uint32_t node;        /* VS_LINK_RESPONDER: the responder below */
    struct vs_netwire *w; /* the node's NIC's wire */
    struct vs_netwire *resp;
};

struct vs_node_link {
    struct vs_nodes *net;
    char name[VS_MACH_NAME_MAX];
    struct vs_link model;
    struct vs_link_end end[2];
    struct vs_netwire *cap; /* the capture (a wire of kind none with a pcap file), or NULL */
    struct vs_pcap_rec *pending;
    uint32_t npending, cappending;
    uint64_t seq;
    uint64_t digest, late, cap_dropped;
};

struct vs_nodes {
    uint32_t n, nlinks;
    struct vs_node node[VS_NODES_MAX];
    struct vs_node_link link[VS_LINKS_MAX];
    uint64_t lookahead;
    uint32_t watchdog_ms;
    uint64_t steps, skips; /* lockstep steps run, jumps of every idle node to a timer */
};

/* ---- capture, in time order ---- */

static int rec_cmp(const void *a, const void *b)
{
    const struct vs_pcap_rec *x = a, *y = b;
    if (x->when != y->when)
        return x->when < y->when ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void capture(struct vs_node_link *l, uint64_t when, const uint8_t *frame, size_t len)
{
    if (!l->cap)
        return;
    if (l->npending == l->cappending) {
        uint32_t cap = l->cappending ? l->cappending * 2 : 64;
        struct vs_pcap_rec *p = realloc(l->pending, cap * sizeof *p);
        if (!p) {
            l->cap_dropped++;
            return;
        }
        l->pending = p;
        l->cappending = cap;
    }
    uint8_t *d = malloc(len ? len : 1);
    if (!d) {
        l->cap_dropped++;
        return;
    }
    memcpy(d, frame, len);
    l->pending[l->npending++] = (struct vs_pcap_rec){when, l->seq++, (uint32_t)len, d};
}

/* Write the records up to time upto (no record before it can come any more), in order. */
static void capture_flush(struct vs_node_link *l, uint64_t upto)
{
    if (!l->npending)
        return;
    qsort(l->pending, l->npending, sizeof *l->pending, rec_cmp);
    uint32_t k = 0;
    for (; k < l->npending && l->pending[k].when <= upto; k++) {
        vs_netwire_capture(l->cap, l->pending[k].when, l->pending[k].data, l->pending[k].len);
        free(l->pending[k].data);
    }
    memmove(l->pending, l->pending + k, (l->npending - k) * sizeof *l->pending);
    l->npending -= k;
}

/* ---- frames across a link ---- */

static void deliver(struct vs_link_end *to, uint64_t when, const uint8_t *frame, size_t len);

/* A frame enters the link at end `from` at time now: captured, then its fate. */
static void link_send(struct vs_link_end *from, uint64_t now, const uint8_t *frame, size_t len)
{
    struct vs_node_link *l = from->l;
    uint64_t when[2], h = vs_fnv1a(VS_FNV_INIT, frame, len);
    capture(l, now, frame, len);
    unsigned n = vs_link_send(&l->model, from->side, now, len, when);
    uint64_t fate[5] = {now, from->side, len, h, n};
    l->digest = vs_fnv1a(l->digest, fate, sizeof fate);
    l->digest = vs_fnv1a(l->digest, when, n * sizeof when[0]);
    for (unsigned i = 0; i < n; i++)
        deliver(&l->end[1 - from->side], when[i], frame, len);
}

static void deliver(struct vs_link_end *to, uint64_t when, const uint8_t *frame, size_t len)
{
    struct vs_node_link *l = to->l;
    if (to->node == VS_LINK_RESPONDER) {
        /* the responder answers as the frame arrives; its reply travels back */
        uint8_t reply[VIRTIO_NET_MAX_FRAME];
        size_t rlen = vs_netwire_respond(to->resp, frame, len, reply);
        if (rlen) {
            to->resp->answered++;
            link_send(to, when, reply, rlen);
        }
        return;
    }
    struct vk_machine *m = l->net->node[to->node].m;
    if (when < m->k.now) { /* only with a latency below the kernel-call cost (nodes.h) */
        l->late++;
        when = m->k.now;
    }
    vs_netwire_inject(to->w, when, frame, len);
    vs_hw_rearm(m->hw);
}

/* The NIC's transmit hook (netwire kind link). */
static void nic_tx(void *ctx, uint64_t now, const uint8_t *frame, size_t len)
{
    link_send(ctx, now, frame, len);
}

/* ---- building ---- */

static int find_link_pcap(const struct vs_nodes_pcap *pcaps, int npcaps, const char *name)
{
    for (int i = npcaps - 1; i >= 0; i--)
        if (!strcmp(pcaps[i].link, name))
            return i;
    return -1;
}

static int build_links(struct vs_nodes *net, const struct vs_net_desc *nd,
                       const struct vs_options *opt, const struct vs_nodes_pcap *pcaps, int npcaps)
{
    char err[512];
    for (int i = 0; i < npcaps; i++) {
        uint32_t j;
        for (j = 0; j < nd->nlinks && strcmp(nd->link[j].name, pcaps[i].link); j++)
            ;
        if (j == nd->nlinks) {
            fprintf(stderr, "vrsim: --pcap %s=%s: %s has no link named '%s'\n", pcaps[i].link,
                    pcaps[i].file, nd->file, pcaps[i].link);
            return 2;
        }
    }
    net->lookahead = VK_DEADLINE_NEVER;
    for (uint32_t i = 0; i < nd->nlinks; i++) {
        const struct vs_link_desc *d = &nd->link[i];
        struct vs_node_link *l = &net->link[i];
        l->net = net;
        snprintf(l->name, sizeof l->name, "%s", d->name);
        struct vs_link_params p = {
            .latency_ns = d->latency_ns,
            .bandwidth_bps = d->bandwidth_bps,
            .jitter_ns = d->jitter_ns,
            .reorder_ns = d->reorder_ns,
            .queue = d->queue,
        };
        vs_link_rate(d->loss, &p.loss);
        vs_link_rate(d->duplicate, &p.duplicate);
        vs_link_rate(d->reorder, &p.reorder);
        vs_link_init(&l->model, &p, vs_link_seed(opt->seed, i));
        l->digest = VS_FNV_INIT;
        int pi = find_link_pcap(pcaps, npcaps, d->name);
        const char *pcap = pi >= 0 ? pcaps[pi].file : d->pcap;
        if (pcap[0]) {
            l->cap = malloc(sizeof *l->cap);
            if (!l->cap || vs_netwire_open(l->cap, "none", pcap, 1, err, sizeof err)) {
                fprintf(stderr, "vrsim: link %s: %s\n", d->name, l->cap ? err : "out of memory");
                free(l->cap);
                l->cap = NULL;
                return 1;
            }
        }
        for (unsigned s = 0; s < 2; s++) {
            struct vs_link_end *e = &l->end[s];
            e->l = l;
            e->side = s;
            e->node = d->end[s].node;
            if (e->node == VS_LINK_RESPONDER) {
                e->resp = malloc(sizeof *e->resp);
                if (!e->resp || vs_netwire_open(e->resp, "responder", NULL, 1, err, sizeof err)) {
                    fprintf(stderr, "vrsim: link %s: out of memory\n", d->name);
                    return 1;
                }
                continue;
            }
            struct vk_machine *m = net->node[e->node].m;
            e->w = m->hw ? vs_pcibus_netwire(&m->hw->bus, d->end[s].nic) : NULL;
            if (!e->w) {
                fprintf(stderr, "vrsim: link %s: %s.net%u has no model (--backend qemu?)\n",
                        d->name, net->node[e->node].name, d->end[s].nic);
                return 2;
            }
            vs_netwire_attach(e->w, nic_tx, e);
            e->w->bad_every = d->bad_every;
        }
        if (d->end[0].node != VS_LINK_RESPONDER && d->end[1].node != VS_LINK_RESPONDER &&
            d->latency_ns < net->lookahead)
            net->lookahead = d->latency_ns;
        net->nlinks++;
    }
    uint64_t cost = opt->kcall_cost_ns ? opt->kcall_cost_ns : 100;
    if (net->lookahead < cost)
        net->lookahead = cost; /* progress: a node can always make one kernel call */
    return 0;
}

static int boot_node(struct vs_nodes *net, uint32_t i, const struct vs_node_desc *d,
                     const char *image, const char *const *argv, int argc)
{
    struct vk_machine *m = net->node[i].m;
    char err[512];
    const char *img = d->image[0] ? d->image : image;
    if (vs_machine_load_bootfs_overlay(m, img, d->files, d->nfiles, err, sizeof err)) {
        fprintf(stderr, "vrsim: node %s: %s\n", d->m.name, err);
        return 1;
    }
    const char *iargv[VS_NODE_ARGV_MAX + 64];
    size_t n = 0;
    iargv[n++] = "/sbin/init";
    if (d->argc) {
        iargv[n++] = "--";
        for (uint32_t j = 0; j < d->argc; j++)
            iargv[n++] = d->argv[j];
    } else if (i == 0 && argc > 0) {
        iargv[n++] = "--";
        for (int j = 0; j < argc && n < sizeof iargv / sizeof iargv[0]; j++)
            iargv[n++] = argv[j];
    }
    if (vs_machine_spawn(m, "/sbin/init", iargv, n, 1, NULL, err, sizeof err)) {
        fprintf(stderr, "vrsim: node %s: cannot start /sbin/init: %s\n", d->m.name, err);
        return 127;
    }
    return 0;
}

/* The first node runs with the run's seed (as one machine would); every other node with a
 * seed of its own derived from it, so two nodes of one image do not make the same choices. */
static uint64_t node_seed(uint64_t run_seed, uint32_t index)
{
    if (index == 0)
        return run_seed;
    uint64_t s = run_seed ^ 0x6e6f646500000000ull ^ ((uint64_t)index << 16); /* "node" */
    return vl_splitmix64_next(&s);
}

int vs_nodes_create(struct vs_nodes **out, const struct vs_net_desc *nd,
                    const struct vs_options *opt, const char *image, const char *const *argv,
                    int argc, const struct vs_nodes_pcap *pcaps, int npcaps)
{
    char err[512];
    struct vs_nodes *net = calloc(1, sizeof *net);
    int rc;
    if (!net)
        return 1;
    net->watchdog_ms = opt->watchdog_ms;
    for (uint32_t i = 0; i < nd->nnodes; i++) {
        const struct vs_node_desc *d = &nd->node[i];
        if (vs_machfile_check_implemented(&d->m, err, sizeof err)) {
            fprintf(stderr, "vrsim: %s\n", err);
            rc = 2;
            goto fail;
        }
        struct vs_options o = *opt;
        o.machine_index = i;
        o.seed = node_seed(opt->seed, i);
        o.desc = &d->m;
        o.terminal = i == 0 ? opt->terminal : 0;
        snprintf(net->node[i].name, sizeof net->node[i].name, "%s", d->m.name);
        if (vs_machine_create(&net->node[i].m, &o)) {
            rc = 1;
            goto fail;
        }
        net->n++;
        struct vk_machine *m = net->node[i].m;
        if (i > 0) { /* only the first node reads vrsim's stdin; the others' lines say whose */
            m->con.in_fd = -1;
            m->con.eof = 1;
            snprintf(m->con.prefix, sizeof m->con.prefix, "[%s] ", d->m.name);
        }
    }
    if ((rc = build_links(net, nd, opt, pcaps, npcaps)))
        goto fail;
    for (uint32_t i = 0; i < nd->nnodes; i++)
        if ((rc = boot_node(net, i, &nd->node[i], image, argv, argc)))
            goto fail;
    *out = net;
    return 0;
fail:
    vs_nodes_destroy(net);
    return rc;
}

/* ---- the lockstep loop ---- */

static uint64_t min_now(const struct vs_nodes *net, uint32_t except)
{
    uint64_t t = VK_DEADLINE_NEVER;
    for (uint32_t i = 0; i < net->n; i++)
        if (i != except && !net->node[i].done && net->node[i].m->k.now < t)
            t = net->node[i].m->k.now;
    return t;
}

static void flush_captures(struct vs_nodes *net, uint64_t upto)
{
    for (uint32_t i = 0; i < net->nlinks; i++)
        capture_flush(&net->link[i], upto);
}

/* When every live node is idle, jump them all to the earliest timer of any; 0 if there is
 * none (nothing can ever happen again), 1 otherwise (or when no node is live). */
static int skip_idle(struct vs_nodes *net)
{
    uint64_t e = VK_DEADLINE_NEVER;
    uint32_t live = 0;
    for (uint32_t i = 0; i < net->n; i++) {
        if (net->node[i].done)
            continue;
        live++;
        if (net->node[i].last != VS_RUN_IDLE)
            return 1;
        uint64_t t = vk_kernel_next_timer(&net->node[i].m->k);
        if (t < e)
            e = t;
    }
    if (!live) /* every node has ended: nothing to skip, nothing stuck */
        return 1;
    if (e == VK_DEADLINE_NEVER)
        return 0;
    for (uint32_t i = 0; i < net->n; i++) {
        struct vs_node *n = &net->node[i];
        if (n->done)
            continue;
        if (n->m->k.now < e)
            n->m->k.now = e;
        n->last = VS_RUN_HORIZON;
    }
    net->skips++;
    return 1;
}

int vs_nodes_run(struct vs_nodes *net)
{
    if (net->watchdog_ms)
        vs_watchdog_start(net->watchdog_ms);
    while (!net->node[0].done) {
        uint32_t pick = UINT32_MAX;
        for (uint32_t i = 0; i < net->n; i++)
            if (!net->node[i].done &&
                (pick == UINT32_MAX || net->node[i].m->k.now < net->node[pick].m->k.now))
                pick = i;
        struct vs_node *n = &net->node[pick];
        uint64_t others = min_now(net, pick);
        uint64_t horizon =
            others == VK_DEADLINE_NEVER || others > VK_DEADLINE_NEVER - net->lookahead
                ? VK_DEADLINE_NEVER
                : others + net->lookahead;
        n->last = vs_machine_run_until(n->m, horizon);
        net->steps++;
        if (n->last == VS_RUN_DONE)
            n->done = 1;
        flush_captures(net, min_now(net, UINT32_MAX));
        if (!skip_idle(net)) {
            if (!n->m->opt.quiet)
                fprintf(stderr, "vrsim: every thread of every node is blocked and nothing can "
                                "wake one: stopping\n");
            for (uint32_t i = 0; i < net->n; i++)
                net->node[i].m->stop = 1;
            for (uint32_t i = 0; i < net->n; i++)
                net->node[i].last = VS_RUN_HORIZON;
        }
    }
    /* the first node's console program has ended: so does every other node */
    for (uint32_t i = 1; i < net->n; i++) {
        struct vs_node *n = &net->node[i];
        if (n->done)
            continue;
        n->m->stop = 1;
        vs_machine_run_until(n->m, VK_DEADLINE_NEVER);
        n->done = 1;
    }
    flush_captures(net, VK_DEADLINE_NEVER);
    if (net->watchdog_ms)
        vs_watchdog_stop();
    return vs_machine_exit_status(net->node[0].m);
}

struct vk_machine *vs_nodes_main(struct vs_nodes *net)
{
    return net->node[0].m;
}

void vs_nodes_print_digests(struct vs_nodes *net, FILE *f)
{
    uint64_t all = VS_FNV_INIT;
    for (uint32_t i = 0; i < net->n; i++) {
        uint64_t d = vs_machine_digest(net->node[i].m);
        fprintf(f, "vrsim: node %s trace-digest %016llx\n", net->node[i].name,
                (unsigned long long)d);
        all = vs_fnv1a(all, &d, sizeof d);
    }
    for (uint32_t i = 0; i < net->nlinks; i++) {
        uint64_t d = net->link[i].digest;
        fprintf(f, "vrsim: link %s digest %016llx\n", net->link[i].name, (unsigned long long)d);
        all = vs_fnv1a(all, &d, sizeof d);
    }
    fprintf(f, "trace-digest: %016llx\n", (unsigned long long)all);
}

void vs_nodes_print_stats(struct vs_nodes *net, FILE *f)
{
    fprintf(f, "vrsim-stats: nodes=%u links=%u lookahead_ns=%llu steps=%llu idle_skips=%llu\n",
            net->n, net->nlinks, (unsigned long long)net->lookahead, (unsigned long long)net->steps,
            (unsigned long long)net->skips);
    for (uint32_t i = 0; i < net->n; i++) {
        struct vk_machine *m = net->node[i].m;
        fprintf(f, "vrsim-stats: node %s virtual_ns=%llu kcalls=%llu events=%llu\n",
                net->node[i].name, (unsigned long long)m->k.now,
                (unsigned long long)m->k.stats.kcalls,
                (unsigned long long)vs_trace_count(&m->trace));
    }
    for (uint32_t i = 0; i < net->nlinks; i++) {
        const struct vs_node_link *l = &net->link[i];
        for (unsigned d = 0; d < 2; d++) {
            const struct vs_link_dir *x = &l->model.dir[d];
            fprintf(f,
                    "vrsim-stats: link %s dir %u frames=%llu bytes=%llu lost=%llu "
                    "duplicated=%llu reordered=%llu overrun=%llu late=%llu\n",
                    l->name, d, (unsigned long long)x->frames, (unsigned long long)x->bytes,
                    (unsigned long long)x->lost, (unsigned long long)x->duplicated,
                    (unsigned long long)x->reordered, (unsigned long long)x->overrun,
                    (unsigned long long)l->late);
        }
    }
}

void vs_nodes_destroy(struct vs_nodes *net)
{
    if (!net)
        return;
    for (uint32_t i = 0; i < VS_LINKS_MAX; i++) {
        struct vs_node_link *l = &net->link[i];
        for (uint32_t k = 0; k < l->npending; k++)
            free(l->pending[k].data);
        free(l->pending);
        if (l->cap) {
            vs_netwire_close(l->cap);
            free(l->cap);
        }
        for (unsigned s = 0; s < 2; s++)
            free(l->end[s].resp);
    }
    for (uint32_t i = 0; i < net->n; i++)
        vs_machine_destroy(net->node[i].m);
    free(net);
}
