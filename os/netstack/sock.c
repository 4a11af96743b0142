/*
 * os/netstack/sock.c: BSD socket semantics over lwIP's raw API, served over IPC
 * (veridian/net_proto.h has the protocol; sock.h the hooks netstack.c's main loop calls).
 *
 * State: one struct ns_sockets (the endpoint, a table of socket slots, the parked calls, a
 * bounce buffer). A slot is a socket: its lwIP PCB (TCP, UDP, or raw for ping sockets), what
 * arrived and was not read yet (TCP: a pbuf chain; datagrams: a queue with their senders), a
 * listener's queue of connections not accepted yet, options, the calls parked on it and the
 * poll watches. A slot's handle badge carries a generation, so a close notice or a request for
 * a slot that was freed and reused never reaches the new socket.
 *
 * lwIP's callbacks (from netif input, loopback polling, timers) only change a slot and then
 * "kick" it: every parked call of the slot is tried again in order (the first read that still
 * cannot finish keeps later reads waiting, likewise writes, so bytes never overtake), and
 * the watches whose events are ready are signalled. Handlers are written once for both: a
 * call returns NS_WAIT when it would block, and is parked (or fails with EAGAIN when the
 * socket or call is non-blocking).
 *
 * Flow control: TCP data is acknowledged to lwIP (tcp_recved) only when a client reads it, so
 * lwIP's window bounds what a slow reader makes netstack keep; a send takes what
 * tcp_sndbuf() allows and waits for tcp_sent() for the rest. Datagrams beyond SO_RCVBUF are
 * dropped, as Linux does.
 *
 * Never: trust a length, address or option from a client (each is bounded before use); wait
 * for a client (replies to callers that left just fail); keep a pbuf after its socket closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock.h"

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "veridian/caps.h"
#include "veridian/net_proto.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

/* handler results beside counts and -errno (never sent) */
#define NS_WAIT (-0x10000)        /* would block: park the call */
#define NS_REPLIED (-0x10001)     /* the handler replied itself */
#define NS_BOUNCE (64u * 1024u)   /* bytes moved per msg_read/msg_write */
#define NS_PARK_PER_SOCK 64u      /* parked calls on one socket; beyond, the oldest ends */
#define NS_DGRAM_MAX 65507u       /* the largest UDP payload (IPv4) */
#define NS_RCVBUF_DEFAULT 212992  /* Linux's default SO_RCVBUF / SO_SNDBUF */
#define NS_PUBLISH_NS 10000000ull /* /proc/net/{tcp,udp} at most every 10 ms of virtual time */
#define NS_PROC_MAX 65536u
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* Linux's: the peer closed its end */
#endif

enum ns_kind { NS_TCP = 1, NS_UDP = 2, NS_PING = 3, NS_RAW = 4 };
enum ns_state { ST_NEW = 0, ST_LISTEN, ST_CONNECTING, ST_CONNECTED, ST_DEAD };

struct ns_park {
    struct ns_park *next;
    uint64_t token;
    uint32_t op, pid;
    uint64_t d[VK_MSG_DATA_WORDS];
    uint64_t send_len, recv_len;
    uint64_t done; /* a send's bytes taken so far */
    uint64_t deadline;
};

struct ns_watch {
    struct ns_watch *next;
    uint32_t notify;
    uint32_t events;
    uint64_t bits;
    uint64_t object; /* the notification's kernel object: UNWATCH sends another handle to it */
};

struct ns_dgram {
    struct ns_dgram *next;
    struct pbuf *p;
    ip_addr_t addr;
    u16_t port;
};

struct ns_sockets;

struct ns_sock {
    struct ns_sockets *S;
    int used;
    uint32_t gen;
    uint32_t slot;
    int domain, type, proto, kind;
    uint32_t pid; /* who created (or accepted) it */
    int state;
    int error; /* SO_ERROR: pending, cleared when read */
    int dead;  /* errno every later call on a dead connection gets */
    int nonblock;
    int has_handle;
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
        struct raw_pcb *raw;
    } pcb;
    /* TCP receive */
    struct pbuf *rx;
    size_t rx_len;
    int rx_eof;
    /* datagram receive */
    struct ns_dgram *dq, **dq_tail;
    size_t dq_bytes;
    /* a listener's connections not accepted yet (slot numbers), and its limit */
    uint32_t *acq;
    unsigned acq_n, acq_cap;
    int parent; /* a queued connection: its listener's slot, else -1 */
    int shut_rd, shut_wr;
    int connect_pending; /* a non-blocking connect whose outcome no connect() reported yet */
    /* options */
    int reuseaddr, keepalive, nodelay, broadcast, v6only, linger_on, linger_s;
    int rcvbuf, sndbuf;
    uint64_t rcvtimeo, sndtimeo; /* ns, 0: none */
    u16_t ping_id;
    /* addresses kept for getsockname/getpeername once the PCB is gone */
    ip_addr_t local, peer;
    u16_t lport, pport;
    int has_peer;
    struct ns_park *parked;
    unsigned nparked;
    struct ns_watch *watches;
    int kicking, kick_again;
};

struct ns_sockets {
    uint32_t ep;
    struct ns_sock **socks; /* slots, each allocated once and reused */
    uint32_t nsocks, cap;
    unsigned nparked, nwatches, live;
    u16_t next_ping_id;
    uint8_t *bounce;
    uint64_t next_publish;
    int dirty, publish_failed;
    char *proc_text, *proc_last[2];
};

static int err_to_errno(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return ENOBUFS;
    case ERR_TIMEOUT:
        return ETIMEDOUT;
    case ERR_RTE:
        return ENETUNREACH;
    case ERR_INPROGRESS:
        return EINPROGRESS;
    case ERR_WOULDBLOCK:
        return EAGAIN;
    case ERR_USE:
        return EADDRINUSE;
    case ERR_ALREADY:
        return EALREADY;
    case ERR_ISCONN:
        return EISCONN;
    case ERR_CONN:
    case ERR_CLSD:
        return ENOTCONN;
    case ERR_ABRT:
        return ECONNABORTED;
    case ERR_RST:
        return ECONNRESET;
    case ERR_IF:
        return EIO;
    default:
        return EINVAL;
    }
}

/* ---- slots ---- */

static struct ns_sock *slot_of(struct ns_sockets *S, uint32_t slot)
{
    return slot < S->nsocks && S->socks[slot]->used ? S->socks[slot] : NULL;
}

/* lwIP's callbacks get the slot itself as their argument (NULL once detached) */
static struct ns_sock *sock_of_arg(void *arg)
{
    struct ns_sock *s = arg;
    return s && s->used ? s : NULL;
}

static uint64_t badge_of(const struct ns_sock *s)
{
    return NET_BADGE_SOCKET | ((uint64_t)s->gen << 16) | s->slot;
}

static struct ns_sock *sock_by_badge(struct ns_sockets *S, uint64_t badge)
{
    if (!(badge & NET_BADGE_SOCKET) || (badge & (VFS_BADGE_FILE | VFS_BADGE_DEVICE)))
        return NULL;
    uint32_t slot = (uint32_t)(badge & 0xffff);
    struct ns_sock *s = slot_of(S, slot);
    return s && s->has_handle && badge_of(s) == badge ? s : NULL;
}

static unsigned sockets_of(struct ns_sockets *S, uint32_t pid)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < S->nsocks; i++)
        n += S->socks[i]->used && S->socks[i]->pid == pid;
    return n;
}

static struct ns_sock *slot_new(struct ns_sockets *S, int domain, int type, int proto, uint32_t pid,
                                int *err)
{
    if (S->live >= NET_SOCKETS_MAX) {
        *err = ENFILE;
        return NULL;
    }
    if (pid && sockets_of(S, pid) >= NET_SOCKETS_PER_PID) {
        *err = EMFILE;
        return NULL;
    }
    uint32_t i = 0;
    while (i < S->nsocks && S->socks[i]->used)
        i++;
    if (i == S->nsocks) {
        if (S->nsocks == S->cap) {
            uint32_t cap = S->cap ? 2 * S->cap : 64;
            struct ns_sock **n = realloc(S->socks, cap * sizeof *n);
            if (!n) {
                *err = ENOBUFS;
                return NULL;
            }
            S->socks = n;
            S->cap = cap;
        }
        if (!(S->socks[i] = calloc(1, sizeof **S->socks))) {
            *err = ENOBUFS;
            return NULL;
        }
        S->nsocks++;
    }
    struct ns_sock *s = S->socks[i];
    uint32_t gen = s->gen + 1;
    memset(s, 0, sizeof *s);
    s->S = S;
    s->used = 1;
    s->gen = gen & 0xffffffffu;
    s->slot = i;
    s->domain = domain;
    s->type = type;
    s->proto = proto;
    s->pid = pid;
    s->parent = -1;
    s->rcvbuf = s->sndbuf = NS_RCVBUF_DEFAULT;
    s->dq_tail = &s->dq;
    S->live++;
    S->dirty = 1;
    return s;
}

/* ---- addresses: Linux's sockaddr bytes <-> lwIP's ---- */

static int addr_in(const struct ns_sock *s, const void *raw, uint64_t len, ip_addr_t *ip,
                   u16_t *port)
{
    uint8_t b[NET_ADDR_MAX];
    sa_family_t fam;
    if (len < sizeof fam || len > NET_ADDR_MAX)
        return -EINVAL;
    memset(b, 0, sizeof b);
    memcpy(b, raw, len);
    memcpy(&fam, b, sizeof fam);
    if (fam == AF_INET) {
        struct sockaddr_in sin;
        if (len < sizeof sin)
            return -EINVAL;
        if (s->domain != AF_INET)
            return -EAFNOSUPPORT;
        memcpy(&sin, b, sizeof sin);
        ip_addr_set_ip4_u32_val(*ip, sin.sin_addr.s_addr);
        *port = ntohs(sin.sin_port);
        return 0;
    }
    if (fam == AF_INET6) {
        struct sockaddr_in6 sin6;
        if (len < sizeof sin6 - sizeof sin6.sin6_scope_id)
            return -EINVAL;
        if (s->domain != AF_INET6)
            return -EAFNOSUPPORT;
        memcpy(&sin6, b, sizeof sin6);
        *port = ntohs(sin6.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
            ip_addr_set_ip4_u32_val(*ip, sin6.sin6_addr.s6_addr32[3]);
            return 0;
        }
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr) && !s->v6only) {
            ip_addr_copy(*ip, *IP_ANY_TYPE);
            return 0;
        }
        IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
        memcpy(ip_2_ip6(ip)->addr, &sin6.sin6_addr, 16);
        ip6_addr_clear_zone(ip_2_ip6(ip));
        return 0;
    }
    if (fam == AF_UNSPEC)
        return -EAFNOSUPPORT;
    return -EAFNOSUPPORT;
}

/* The address in words (NET_ADDR_WORDS of them): its length. */
static uint64_t addr_out(const struct ns_sock *s, const ip_addr_t *ip, u16_t port, uint64_t *w)
{
    memset(w, 0, NET_ADDR_MAX);
    if (s->domain == AF_INET) {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        if (ip && IP_IS_V4(ip))
            sin.sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
        memcpy(w, &sin, sizeof sin);
        return sizeof sin;
    }
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
        sin6.sin6_addr.s6_addr32[2] = htonl(0xffff);
        sin6.sin6_addr.s6_addr32[3] = ip4_addr_get_u32(ip_2_ip4(ip));
    } else if (ip && IP_IS_V6(ip)) {
        memcpy(&sin6.sin6_addr, ip_2_ip6(ip)->addr, 16);
    }
    memcpy(w, &sin6, sizeof sin6);
    return sizeof sin6;
}

/* Is ip one of our interfaces' addresses (or any, or loopback)? */
static int addr_is_local(const ip_addr_t *ip)
{
    struct netif *n;
    if (ip_addr_isany(ip))
        return 1;
    if (IP_IS_V4(ip)) {
        if (ip4_addr_isloopback(ip_2_ip4(ip)))
            return 1;
        NETIF_FOREACH(n)
        {
            if (ip4_addr_cmp(netif_ip4_addr(n), ip_2_ip4(ip)))
                return 1;
        }
        return 0;
    }
    if (ip6_addr_isloopback(ip_2_ip6(ip)))
        return 1;
    NETIF_FOREACH(n)
    {
        if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
            return 1;
    }
    return 0;
}

/* ---- readiness and waking ---- */

static unsigned readiness(const struct ns_sock *s)
{
    unsigned r = 0;
    if (s->error)
        r |= POLLERR;
    if (s->kind == NS_TCP) {
        if (s->state == ST_LISTEN)
            return r | (s->acq_n ? POLLIN : 0);
        if (s->rx_len || s->rx_eof || s->shut_rd || s->dead)
            r |= POLLIN | POLLRDNORM;
        if (s->rx_eof)
            r |= POLLRDHUP;
        if (s->state == ST_CONNECTED && !s->shut_wr && s->pcb.tcp && tcp_sndbuf(s->pcb.tcp) > 0 &&
            tcp_sndqueuelen(s->pcb.tcp) < TCP_SND_QUEUELEN / 2)
            r |= POLLOUT | POLLWRNORM;
        if (s->dead || s->state == ST_NEW || (s->rx_eof && s->shut_wr))
            r |= POLLHUP;
        if (s->dead || s->state == ST_NEW)
            r |= POLLOUT | POLLWRNORM;
        return r;
    }
    if (s->dq)
        r |= POLLIN | POLLRDNORM;
    if (!s->shut_wr)
        r |= POLLOUT | POLLWRNORM;
    return r;
}

struct ns_call {
    uint64_t token;
    uint32_t op, pid;
    uint64_t d[VK_MSG_DATA_WORDS];
    uint64_t send_len, recv_len;
    uint64_t done;
    int parked; /* being retried from the park */
    uint64_t out[VK_MSG_DATA_WORDS];
    uint32_t out_h[VK_MSG_MAX_HANDLES];
    unsigned out_nh;
    int out_set; /* out[] is the reply's data (else data[0] = the result) */
    uint32_t in_h[VK_MSG_MAX_HANDLES];
    unsigned in_nh;
};

static long dispatch(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c);
static void sock_free(struct ns_sockets *S, struct ns_sock *s);

/* Send the call's reply; 0, or -VK_ESRCH when the caller left (its handles are closed). */
static long finish(struct ns_call *c, long rc)
{
    struct vk_msg m;
    memset(&m, 0, sizeof m);
    if (rc < 0) {
        m.opcode = (uint32_t)-rc;
    } else {
        if (c->out_set)
            memcpy(m.data, c->out, sizeof m.data);
        else
            m.data[0] = (uint64_t)rc;
        for (unsigned i = 0; i < c->out_nh; i++)
            m.handles[i] = c->out_h[i];
        m.flags = c->out_nh;
    }
    return vk_reply(c->token, &m);
}

static int op_is_read(uint32_t op)
{
    return op == VFS_OP_READ || op == NET_OP_RECVFROM || op == NET_OP_ACCEPT;
}

static int op_is_write(uint32_t op)
{
    return op == VFS_OP_WRITE || op == NET_OP_SENDTO || op == NET_OP_CONNECT;
}

static void park_drop(struct ns_sockets *S, struct ns_sock *s, struct ns_park **pp)
{
    struct ns_park *p = *pp;
    *pp = p->next;
    free(p);
    s->nparked--;
    S->nparked--;
}

static void call_from_park(struct ns_call *c, const struct ns_park *p)
{
    memset(c, 0, sizeof *c);
    c->token = p->token;
    c->op = p->op;
    c->pid = p->pid;
    memcpy(c->d, p->d, sizeof c->d);
    c->send_len = p->send_len;
    c->recv_len = p->recv_len;
    c->done = p->done;
    c->parked = 1;
}

static void watches_fire(struct ns_sockets *S, struct ns_sock *s)
{
    unsigned r = readiness(s);
    for (struct ns_watch **pw = &s->watches; *pw;) {
        struct ns_watch *w = *pw;
        if (r & (w->events | POLLERR | POLLHUP)) {
            vk_notify_signal(w->notify, w->bits);
            vk_handle_close(w->notify);
            *pw = w->next;
            free(w);
            S->nwatches--;
        } else {
            pw = &w->next;
        }
    }
}

/* Retry the socket's parked calls (in order, reads and writes each kept in sequence) and
 * signal its ready watches. Safe to call from lwIP callbacks and from itself. */
static void kick(struct ns_sockets *S, struct ns_sock *s)
{
    S->dirty = 1;
    if (s->kicking) {
        s->kick_again = 1;
        return;
    }
    s->kicking = 1;
    do {
        s->kick_again = 0;
        int reads_blocked = 0, writes_blocked = 0;
        for (struct ns_park **pp = &s->parked; *pp && s->used;) {
            struct ns_park *p = *pp;
            if ((op_is_read(p->op) && reads_blocked) || (op_is_write(p->op) && writes_blocked)) {
                pp = &p->next;
                continue;
            }
            struct ns_call c;
            call_from_park(&c, p);
            long rc = dispatch(S, s, &c);
            if (rc == NS_WAIT) {
                p->done = c.done;
                reads_blocked |= op_is_read(p->op);
                writes_blocked |= op_is_write(p->op);
                pp = &p->next;
                continue;
            }
            if (rc != NS_REPLIED)
                finish(&c, rc);
            park_drop(S, s, pp);
        }
        if (s->used)
            watches_fire(S, s);
    } while (s->kick_again && s->used);
    s->kicking = 0;
}

static long park(struct ns_sockets *S, struct ns_sock *s, const struct ns_call *c)
{
    if (S->nparked >= NET_PARKED_MAX)
        return -ENOBUFS;
    if (s->nparked >= NS_PARK_PER_SOCK) { /* the oldest ends: its caller most likely left */
        struct ns_call old;
        call_from_park(&old, s->parked);
        finish(&old, -EAGAIN);
        park_drop(S, s, &s->parked);
    }
    struct ns_park *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOBUFS;
    p->token = c->token;
    p->op = c->op;
    p->pid = c->pid;
    memcpy(p->d, c->d, sizeof p->d);
    p->send_len = c->send_len;
    p->recv_len = c->recv_len;
    p->done = c->done;
    uint64_t t = 0;
    if (c->op == VFS_OP_POLL)
        t = c->d[2] ? c->d[2] : VK_DEADLINE_NEVER;
    else
        t = op_is_read(c->op) ? s->rcvtimeo : s->sndtimeo;
    if (c->op != VFS_OP_POLL)
        t = t ? ns_now() + t : VK_DEADLINE_NEVER;
    p->deadline = t;
    struct ns_park **pp = &s->parked;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    s->nparked++;
    S->nparked++;
    return 0;
}

/* ---- lwIP callbacks ---- */

static void tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        return;
    }
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static void cb_err(void *arg, err_t err)
{
    struct ns_sock *s = sock_of_arg(arg);
    if (!s)
        return;
    struct ns_sockets *S = s->S;
    s->pcb.tcp = NULL; /* lwIP freed it */
    int e;
    if (s->state == ST_CONNECTING)
        e = err == ERR_RST ? ECONNREFUSED : err == ERR_ABRT ? ETIMEDOUT : err_to_errno(err);
    else
        e = err == ERR_ABRT ? ETIMEDOUT : err_to_errno(err);
    s->state = ST_DEAD;
    s->dead = e;
    s->error = e;
    kick(S, s);
}

static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)err;
    if (!s) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p && s->rx && s->rx_len + p->tot_len > 0xffff)
        return ERR_MEM; /* a pbuf chain counts in 16 bits: lwIP keeps it (refused data) and
                           offers it again once a read made room */
    if (!p) {
        s->rx_eof = 1;
    } else if (s->shut_rd) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
    } else {
        s->rx_len += p->tot_len;
        if (s->rx)
            pbuf_cat(s->rx, p);
        else
            s->rx = p;
    }
    kick(s->S, s);
    return ERR_OK;
}

static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)pcb, (void)len;
    if (s)
        kick(s->S, s);
    return ERR_OK;
}

static void tcp_setup(struct ns_sock *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, cb_recv);
    tcp_sent(pcb, cb_sent);
    tcp_err(pcb, cb_err);
}

static err_t cb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)err;
    if (!s)
        return ERR_OK;
    s->state = ST_CONNECTED;
    ip_addr_copy(s->local, pcb->local_ip);
    s->lport = pcb->local_port;
    kick(s->S, s);
    return ERR_OK;
}

static err_t cb_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct ns_sock *l = sock_of_arg(arg);
    if (err != ERR_OK || !newpcb)
        return ERR_VAL;
    if (!l || l->state != ST_LISTEN || l->acq_n >= l->acq_cap) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    struct ns_sockets *S = l->S;
    int e;
    uint32_t lslot = l->slot;
    struct ns_sock *c = slot_new(S, l->domain, l->type, l->proto, l->pid, &e);
    if (!c) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    c->kind = NS_TCP;
    c->state = ST_CONNECTED;
    c->parent = (int)lslot;
    c->nodelay = l->nodelay;
    c->keepalive = l->keepalive;
    c->rcvbuf = l->rcvbuf;
    c->sndbuf = l->sndbuf;
    c->rcvtimeo = l->rcvtimeo;
    c->sndtimeo = l->sndtimeo;
    c->v6only = l->v6only;
    tcp_setup(c, newpcb);
    if (c->nodelay)
        tcp_nagle_disable(newpcb);
    if (c->keepalive)
        ip_set_option(newpcb, SOF_KEEPALIVE);
    ip_addr_copy(c->local, newpcb->local_ip);
    c->lport = newpcb->local_port;
    ip_addr_copy(c->peer, newpcb->remote_ip);
    c->pport = newpcb->remote_port;
    c->has_peer = 1;
    l->acq[l->acq_n++] = c->slot;
    kick(S, l);
    return ERR_OK;
}

static void udp_enqueue(struct ns_sockets *S, struct ns_sock *s, struct pbuf *p,
                        const ip_addr_t *addr, u16_t port)
{
    struct ns_dgram *d;
    if (s->dq_bytes + p->tot_len > (size_t)s->rcvbuf || !(d = calloc(1, sizeof *d))) {
        pbuf_free(p); /* a full receive queue drops, as Linux's does */
        return;
    }
    d->p = p;
    ip_addr_copy(d->addr, *addr);
    d->port = port;
    *s->dq_tail = d;
    s->dq_tail = &d->next;
    s->dq_bytes += p->tot_len;
    kick(S, s);
}

static void cb_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)pcb;
    if (!s || s->shut_rd) {
        pbuf_free(p);
        return;
    }
    udp_enqueue(s->S, s, p, addr, port);
}

/* Ping sockets see the echo replies that carry their id, without the IP header. */
static u8_t cb_raw(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)pcb;
    if (!s)
        return 0;
    u16_t hlen = IP_IS_V6(addr) ? IP6_HLEN : (u16_t)(IPH_HL_BYTES((struct ip_hdr *)p->payload));
    uint8_t h[4];
    if (p->tot_len < hlen + 8 || pbuf_copy_partial(p, h, 4, hlen) != 4)
        return 0;
    uint8_t want = IP_IS_V6(addr) ? ICMP6_TYPE_EREP : ICMP_ER;
    u16_t id;
    if (h[0] != want || pbuf_copy_partial(p, &id, 2, hlen + 4) != 2 || id != htons(s->ping_id))
        return 0;
    if (pbuf_remove_header(p, hlen))
        return 0;
    udp_enqueue(s->S, s, p, addr, 0);
    return 1;
}

/* Raw sockets see a copy of every packet of their protocol (the stack goes on with the
 * original, as Linux's): IPv4 with its IP header, IPv6 without (Linux's raw semantics). */
static u8_t cb_rawsock(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    struct ns_sock *s = sock_of_arg(arg);
    (void)pcb;
    if (!s || s->shut_rd)
        return 0;
    struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
    if (!q)
        return 0;
    if (IP_IS_V6(addr) && (q->tot_len < IP6_HLEN || pbuf_remove_header(q, IP6_HLEN))) {
        pbuf_free(q);
        return 0;
    }
    udp_enqueue(s->S, s, q, addr, 0);
    return 0;
}

/* ---- the calls ---- */

static long tcp_try_send(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c, uint64_t len,
                         int flags)
{
    if (s->shut_wr)
        return -EPIPE;
    if (s->dead) {
        if (c->done)
            return (long)c->done;
        int e = s->error ? s->error : EPIPE; /* the error once, then EPIPE (Linux) */
        s->error = 0;
        return -e;
    }
    if (s->state == ST_CONNECTING)
        return (s->nonblock || (flags & MSG_DONTWAIT)) ? -EAGAIN : NS_WAIT;
    if (s->state != ST_CONNECTED || !s->pcb.tcp)
        return -EPIPE; /* never connected, or listening: Linux's EPIPE */
    struct tcp_pcb *pcb = s->pcb.tcp;
    while (c->done < len) {
        uint64_t room = tcp_sndbuf(pcb);
        if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
            room = 0;
        if (!room)
            break;
        uint64_t n = len - c->done;
        if (n > room)
            n = room;
        if (n > NS_BOUNCE)
            n = NS_BOUNCE;
        long got = vk_msg_read(c->token, c->done, S->bounce, n);
        if (got <= 0)
            return c->done ? (long)c->done : got == 0 ? -EFAULT : -EFAULT;
        err_t e = tcp_write(pcb, S->bounce, (u16_t)got,
                            TCP_WRITE_FLAG_COPY |
                                (c->done + (uint64_t)got < len ? TCP_WRITE_FLAG_MORE : 0));
        if (e == ERR_MEM)
            break;
        if (e != ERR_OK)
            return c->done ? (long)c->done : -err_to_errno(e);
        c->done += (uint64_t)got;
    }
    tcp_output(pcb);
    if (c->done == len)
        return (long)len;
    if (s->nonblock || (flags & MSG_DONTWAIT))
        return c->done ? (long)c->done : -EAGAIN;
    return NS_WAIT;
}

static long dgram_send(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c, uint64_t len,
                       const ip_addr_t *to, u16_t port)
{
    if (s->shut_wr)
        return -EPIPE;
    if (len > NS_DGRAM_MAX)
        return -EMSGSIZE;
    struct pbuf *p = pbuf_alloc(s->kind == NS_UDP ? PBUF_TRANSPORT : PBUF_IP, (u16_t)len, PBUF_RAM);
    if (!p)
        return -ENOBUFS;
    if (len && vk_msg_read(c->token, 0, p->payload, len) != (long)len) {
        pbuf_free(p);
        return -EFAULT;
    }
    err_t e;
    if (s->kind == NS_UDP) {
        if (to)
            e = udp_sendto(s->pcb.udp, p, to, port);
        else if (s->has_peer)
            e = udp_send(s->pcb.udp, p);
        else
            e = ERR_CONN;
    } else if (s->kind == NS_RAW) { /* the payload as given; lwIP adds the IP header */
        const ip_addr_t *dst = to ? to : s->has_peer ? &s->peer : NULL;
        e = dst ? raw_sendto(s->pcb.raw, p, dst) : ERR_CONN;
    } else {
        /* a ping socket: an echo request; its id becomes the socket's, the checksum ours */
        uint8_t want = s->domain == AF_INET6 ? ICMP6_TYPE_EREQ : ICMP_ECHO;
        if (len < 8 || ((uint8_t *)p->payload)[0] != want || ((uint8_t *)p->payload)[1] != 0) {
            pbuf_free(p);
            return -EINVAL;
        }
        u16_t id = htons(s->ping_id);
        memcpy((uint8_t *)p->payload + 4, &id, 2);
        if (s->domain == AF_INET) {
            memset((uint8_t *)p->payload + 2, 0, 2);
            u16_t sum = inet_chksum(p->payload, (u16_t)len);
            memcpy((uint8_t *)p->payload + 2, &sum, 2);
        }
        const ip_addr_t *dst = to ? to : s->has_peer ? &s->peer : NULL;
        e = dst ? raw_sendto(s->pcb.raw, p, dst) : ERR_CONN;
    }
    pbuf_free(p);
    if (e == ERR_CONN)
        return -EDESTADDRREQ;
    if (e != ERR_OK)
        return -err_to_errno(e);
    S->dirty = 1;
    return (long)len;
}

static long op_send(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    int flags = c->op == NET_OP_SENDTO ? (int)c->d[0] : 0;
    uint64_t len = c->send_len;
    if (s->kind == NS_TCP) {
        return tcp_try_send(S, s, c, len, flags);
    }
    ip_addr_t to;
    u16_t port = 0;
    if (c->op == NET_OP_SENDTO && c->d[1]) {
        long rc = addr_in(s, &c->d[2], c->d[1], &to, &port);
        if (rc)
            return rc;
        if (s->kind == NS_UDP && !port)
            return -EINVAL;
        return dgram_send(S, s, c, len, &to, port);
    }
    return dgram_send(S, s, c, len, NULL, 0);
}

static void rx_consume(struct ns_sock *s, size_t n)
{
    size_t left = n;
    while (left && s->rx) {
        u16_t k = (u16_t)(left > 0xffff ? 0xffff : left);
        if (k > s->rx->tot_len)
            k = s->rx->tot_len;
        s->rx = pbuf_free_header(s->rx, k);
        left -= k;
    }
    s->rx_len -= n;
    if (s->pcb.tcp) {
        size_t m = n;
        while (m) {
            u16_t k = (u16_t)(m > 0xffff ? 0xffff : m);
            tcp_recved(s->pcb.tcp, k);
            m -= k;
        }
    }
}

static long op_recv(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    int flags = c->op == NET_OP_RECVFROM ? (int)c->d[0] : 0;
    uint64_t want = c->op == VFS_OP_READ ? c->d[0] : c->recv_len;
    if (want > c->recv_len)
        want = c->recv_len;
    int nb = s->nonblock || (flags & MSG_DONTWAIT);
    if (s->kind == NS_TCP) {
        if (s->state == ST_LISTEN || s->state == ST_NEW)
            return -ENOTCONN;
        if (!s->rx_len) {
            if (s->error && s->dead) { /* the connection's error once, then end of file */
                int e = s->error;
                s->error = 0;
                return -e;
            }
            if (s->rx_eof || s->shut_rd || s->dead)
                return 0;
            if (!want)
                return 0;
            return nb ? -EAGAIN : NS_WAIT;
        }
        uint64_t n = want < s->rx_len ? want : s->rx_len;
        if (n > NS_BOUNCE)
            n = NS_BOUNCE;
        u16_t got = pbuf_copy_partial(s->rx, S->bounce, (u16_t)(n > 0xffff ? 0xffff : n), 0);
        if (got && vk_msg_write(c->token, 0, S->bounce, got) != got)
            return -EFAULT;
        if (!(flags & MSG_PEEK))
            rx_consume(s, got);
        if (c->op == NET_OP_RECVFROM) {
            c->out_set = 1;
            c->out[0] = got;
            c->out[1] = addr_out(s, &s->peer, s->pport, &c->out[2]);
        }
        return got;
    }
    struct ns_dgram *d = s->dq;
    if (!d) {
        if (s->shut_rd)
            return 0;
        if (s->error) {
            int e = s->error;
            s->error = 0;
            return -e;
        }
        return nb ? -EAGAIN : NS_WAIT;
    }
    u16_t full = d->p->tot_len;
    uint64_t n = want < full ? want : full;
    u16_t got = pbuf_copy_partial(d->p, S->bounce, (u16_t)n, 0);
    if (got && vk_msg_write(c->token, 0, S->bounce, got) != got)
        return -EFAULT;
    c->out_set = 1;
    c->out[0] = (flags & MSG_TRUNC) ? full : got;
    c->out[1] = addr_out(s, &d->addr, d->port, &c->out[2]);
    if (got < full)
        c->out[1] |= (uint64_t)MSG_TRUNC << 32;
    if (!(flags & MSG_PEEK)) {
        s->dq = d->next;
        if (!s->dq)
            s->dq_tail = &s->dq;
        s->dq_bytes -= full;
        pbuf_free(d->p);
        free(d);
    }
    return (long)c->out[0];
}

static long ensure_pcb(struct ns_sock *s)
{
    u8_t type = s->domain == AF_INET ? IPADDR_TYPE_V4
                : s->v6only          ? IPADDR_TYPE_V6
                                     : IPADDR_TYPE_ANY;
    if (s->kind == NS_TCP && !s->pcb.tcp && s->state == ST_NEW) {
        struct tcp_pcb *pcb = tcp_new_ip_type(type);
        if (!pcb)
            return -ENOBUFS;
        tcp_setup(s, pcb);
        if (s->reuseaddr)
            ip_set_option(pcb, SOF_REUSEADDR);
        if (s->keepalive)
            ip_set_option(pcb, SOF_KEEPALIVE);
        if (s->nodelay)
            tcp_nagle_disable(pcb);
    }
    return 0;
}

static long op_bind(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S;
    ip_addr_t ip;
    u16_t port;
    long rc = addr_in(s, &c->d[1], c->d[0], &ip, &port);
    if (rc)
        return rc;
    if (!addr_is_local(&ip))
        return -EADDRNOTAVAIL;
    err_t e;
    if (s->kind == NS_TCP) {
        if (s->state != ST_NEW || (s->pcb.tcp && s->pcb.tcp->local_port))
            return -EINVAL;
        if ((rc = ensure_pcb(s)))
            return rc;
        e = tcp_bind(s->pcb.tcp, &ip, port);
        if (e == ERR_OK) {
            ip_addr_copy(s->local, s->pcb.tcp->local_ip);
            s->lport = s->pcb.tcp->local_port;
        }
    } else if (s->kind == NS_UDP) {
        if (s->pcb.udp->local_port)
            return -EINVAL;
        e = udp_bind(s->pcb.udp, &ip, port);
        if (e == ERR_OK) {
            ip_addr_copy(s->local, s->pcb.udp->local_ip);
            s->lport = s->pcb.udp->local_port;
        }
    } else {
        e = raw_bind(s->pcb.raw, &ip);
        if (e == ERR_OK) {
            ip_addr_copy(s->local, ip);
            if (port)
                s->ping_id = port;
        }
    }
    S->dirty = 1;
    return e == ERR_OK ? 0 : -err_to_errno(e);
}

static long op_listen(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    if (s->kind != NS_TCP)
        return -EOPNOTSUPP;
    int64_t backlog = (int64_t)c->d[0];
    if (backlog < 1)
        backlog = 1;
    if (backlog > 255)
        backlog = 255;
    if (s->state == ST_LISTEN) { /* Linux: a second listen changes the backlog */
        if ((unsigned)backlog + 1 > s->acq_cap) {
            uint32_t *n = realloc(s->acq, ((size_t)backlog + 1) * sizeof *n);
            if (!n)
                return -ENOBUFS;
            s->acq = n;
            s->acq_cap = (unsigned)backlog + 1;
        }
        return 0;
    }
    if (s->state != ST_NEW)
        return -EINVAL;
    long rc = ensure_pcb(s);
    if (rc)
        return rc;
    if (!s->pcb.tcp->local_port) {
        err_t e = tcp_bind(s->pcb.tcp, s->domain == AF_INET ? IP4_ADDR_ANY : IP_ANY_TYPE, 0);
        if (e != ERR_OK)
            return -err_to_errno(e);
    }
    uint32_t *q = calloc((size_t)backlog + 1, sizeof *q);
    if (!q)
        return -ENOBUFS;
    err_t e;
    struct tcp_pcb *lp = tcp_listen_with_backlog_and_err(s->pcb.tcp, (u8_t)backlog, &e);
    if (!lp) {
        free(q);
        return -err_to_errno(e);
    }
    s->pcb.tcp = lp; /* the old PCB is gone */
    s->acq = q;
    s->acq_cap = (unsigned)backlog + 1; /* Linux queues backlog + 1 */
    s->state = ST_LISTEN;
    ip_addr_copy(s->local, lp->local_ip);
    s->lport = lp->local_port;
    tcp_arg(lp, s);
    tcp_accept(lp, cb_accept);
    S->dirty = 1;
    return 0;
}

static long op_accept(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    if (s->kind != NS_TCP)
        return -EOPNOTSUPP;
    if (s->state != ST_LISTEN)
        return -EINVAL;
    if (!s->acq_n)
        return s->nonblock ? -EAGAIN : NS_WAIT;
    uint32_t slot = s->acq[0];
    struct ns_sock *n = S->socks[slot];
    uint32_t h;
    long rc = vk_handle_mint(S->ep,
                             VK_RIGHT_CALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER | VK_MINT_TRACK_CLOSE,
                             NET_BADGE_SOCKET | ((uint64_t)n->gen << 16) | n->slot, &h);
    if (rc)
        return rc == -VK_EAGAIN ? -ENFILE : -ENOBUFS;
    memmove(s->acq, s->acq + 1, (s->acq_n - 1) * sizeof *s->acq);
    s->acq_n--;
    n->has_handle = 1;
    n->parent = -1;
    n->pid = c->pid;
    n->nonblock = (c->d[0] & SOCK_NONBLOCK) != 0;
    c->out_set = 1;
    c->out[0] = addr_out(n, &n->peer, n->pport, &c->out[1]);
    c->out_h[0] = h;
    c->out_nh = 1;
    /* the reply goes out here, so that a caller that left puts the connection back */
    if (finish(c, 0) < 0) {
        n->has_handle = 0;
        n->gen++; /* the close notice of the handle the kernel just closed is stale */
        n->parent = (int)s->slot;
        memmove(s->acq + 1, s->acq, s->acq_n * sizeof *s->acq);
        s->acq[0] = slot;
        s->acq_n++;
        return NS_REPLIED; /* replied (or tried): nothing more to do */
    }
    S->dirty = 1;
    return NS_REPLIED;
}

static long op_connect(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    ip_addr_t ip;
    u16_t port;
    if (s->kind != NS_TCP) {
        uint64_t len = c->d[0];
        sa_family_t fam = 0;
        if (len >= sizeof fam)
            memcpy(&fam, &c->d[1], sizeof fam);
        if (fam == AF_UNSPEC && len >= sizeof fam) { /* dissolve the association */
            if (s->kind == NS_UDP)
                udp_disconnect(s->pcb.udp);
            s->has_peer = 0;
            return 0;
        }
        long rc = addr_in(s, &c->d[1], len, &ip, &port);
        if (rc)
            return rc;
        err_t e =
            s->kind == NS_UDP ? udp_connect(s->pcb.udp, &ip, port) : raw_connect(s->pcb.raw, &ip);
        if (e != ERR_OK)
            return -err_to_errno(e);
        ip_addr_copy(s->peer, ip);
        s->pport = port;
        s->has_peer = 1;
        if (s->kind == NS_UDP) {
            ip_addr_copy(s->local, s->pcb.udp->local_ip);
            s->lport = s->pcb.udp->local_port;
        }
        S->dirty = 1;
        return 0;
    }
    if (c->parked) { /* a blocking connect waiting for its outcome */
        if (s->state == ST_CONNECTING)
            return NS_WAIT;
        if (s->state == ST_CONNECTED)
            return 0;
        int e = s->error ? s->error : s->dead ? s->dead : ECONNABORTED;
        s->error = 0;
        return -e;
    }
    switch (s->state) {
    case ST_CONNECTING:
        return -EALREADY;
    case ST_CONNECTED: /* Linux: the first connect after a non-blocking one completed is 0 */
        if (s->connect_pending) {
            s->connect_pending = 0;
            return 0;
        }
        return -EISCONN;
    case ST_LISTEN:
        return -EISCONN;
    case ST_DEAD:
        s->connect_pending = 0;
        if (s->error) {
            int e = s->error;
            s->error = 0;
            return -e;
        }
        return -ECONNABORTED;
    default:
        break;
    }
    long rc = addr_in(s, &c->d[1], c->d[0], &ip, &port);
    if (rc)
        return rc;
    if (!port)
        return -ECONNREFUSED;
    if ((rc = ensure_pcb(s)))
        return rc;
    ip_addr_copy(s->peer, ip);
    s->pport = port;
    s->has_peer = 1;
    err_t e = tcp_connect(s->pcb.tcp, &ip, port, cb_connected);
    if (e != ERR_OK)
        return -err_to_errno(e);
    ip_addr_copy(s->local, s->pcb.tcp->local_ip);
    s->lport = s->pcb.tcp->local_port;
    s->state = ST_CONNECTING;
    S->dirty = 1;
    s->connect_pending = s->nonblock;
    return s->nonblock ? -EINPROGRESS : NS_WAIT;
}

static long op_shutdown(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    int how = (int)c->d[0];
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (s->kind == NS_TCP && s->state != ST_CONNECTED && s->state != ST_CONNECTING &&
        !(s->state == ST_DEAD && s->has_peer))
        return -ENOTCONN;
    if (s->kind != NS_TCP && !s->has_peer)
        return -ENOTCONN;
    if (how != SHUT_WR)
        s->shut_rd = 1;
    if (how != SHUT_RD && !s->shut_wr) {
        s->shut_wr = 1;
        if (s->kind == NS_TCP && s->pcb.tcp && s->state == ST_CONNECTED) {
            tcp_shutdown(s->pcb.tcp, 0, 1);
            tcp_output(s->pcb.tcp);
        }
    }
    kick(S, s);
    return 0;
}

static long op_getname(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S;
    c->out_set = 1;
    if (c->d[0]) {
        if (!s->has_peer || (s->kind == NS_TCP && s->state != ST_CONNECTED))
            return -ENOTCONN;
        c->out[0] = addr_out(s, &s->peer, s->pport, &c->out[1]);
        return 0;
    }
    ip_addr_t ip = s->local;
    u16_t port = s->lport;
    if (s->kind == NS_TCP && s->pcb.tcp) {
        ip_addr_copy(ip, s->pcb.tcp->local_ip);
        port = s->pcb.tcp->local_port;
    } else if (s->kind == NS_UDP && s->pcb.udp) {
        ip_addr_copy(ip, s->pcb.udp->local_ip);
        port = s->pcb.udp->local_port;
    } else if (s->kind == NS_PING) {
        port = s->ping_id;
    }
    c->out[0] = addr_out(s, &ip, port, &c->out[1]);
    return 0;
}

static long opt_int(const struct ns_call *c, int *v)
{
    if (c->d[2] < sizeof(int))
        return -EINVAL;
    memcpy(v, &c->d[3], sizeof *v);
    return 0;
}

static long opt_time(const struct ns_call *c, uint64_t *ns)
{
    int64_t tv[2];
    if (c->d[2] < sizeof tv)
        return -EINVAL;
    memcpy(tv, &c->d[3], sizeof tv);
    if (tv[1] < 0 || tv[1] >= 1000000)
        return -EDOM;
    if (tv[0] < 0)
        *ns = 0;
    else
        *ns = (uint64_t)tv[0] * 1000000000ull + (uint64_t)tv[1] * 1000ull;
    return 0;
}

static long op_setopt(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    int level = (int)c->d[0], name = (int)c->d[1], v = 0;
    long rc;
    (void)S;
    if (c->d[2] > NET_OPT_MAX)
        return -EINVAL;
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO:
            return opt_time(c, &s->rcvtimeo);
        case SO_SNDTIMEO:
            return opt_time(c, &s->sndtimeo);
        case SO_LINGER: {
            int l[2];
            if (c->d[2] < sizeof l)
                return -EINVAL;
            memcpy(l, &c->d[3], sizeof l);
            s->linger_on = l[0] != 0;
            s->linger_s = l[1] < 0 ? 0 : l[1];
            return 0;
        }
        default:
            break;
        }
        if ((rc = opt_int(c, &v)))
            return rc;
        switch (name) {
        case SO_REUSEADDR:
        case SO_REUSEPORT:
            s->reuseaddr = v != 0;
            if (s->kind == NS_TCP && s->pcb.tcp) {
                if (v)
                    ip_set_option(s->pcb.tcp, SOF_REUSEADDR);
                else
                    ip_reset_option(s->pcb.tcp, SOF_REUSEADDR);
            }
            return 0;
        case SO_KEEPALIVE:
            s->keepalive = v != 0;
            if (s->kind == NS_TCP && s->pcb.tcp && s->state != ST_LISTEN) {
                if (v)
                    ip_set_option(s->pcb.tcp, SOF_KEEPALIVE);
                else
                    ip_reset_option(s->pcb.tcp, SOF_KEEPALIVE);
            }
            return 0;
        case SO_BROADCAST:
            s->broadcast = v != 0;
            if (s->kind == NS_UDP) {
                if (v)
                    ip_set_option(s->pcb.udp, SOF_BROADCAST);
                else
                    ip_reset_option(s->pcb.udp, SOF_BROADCAST);
            }
            return 0;
        case SO_RCVBUF:
        case SO_SNDBUF: { /* Linux doubles what it is given (bookkeeping), with a floor */
            int64_t d = 2 * (int64_t)v;
            int floor = name == SO_RCVBUF ? 2304 : 4608;
            int val = d < floor ? floor : d > 4 * 1024 * 1024 ? 4 * 1024 * 1024 : (int)d;
            *(name == SO_RCVBUF ? &s->rcvbuf : &s->sndbuf) = val;
            return 0;
        }
        case SO_DEBUG:
        case SO_DONTROUTE:
        case SO_OOBINLINE:
        case SO_RCVLOWAT:
            return 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_TCP) {
        if (s->kind != NS_TCP)
            return -EOPNOTSUPP;
        if ((rc = opt_int(c, &v)))
            return rc;
        switch (name) {
        case TCP_NODELAY:
            s->nodelay = v != 0;
            if (s->pcb.tcp && s->state != ST_LISTEN) {
                if (v)
                    tcp_nagle_disable(s->pcb.tcp);
                else
                    tcp_nagle_enable(s->pcb.tcp);
            }
            return 0;
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
        case TCP_KEEPCNT:
            return v < 1 ? -EINVAL : 0;
        default:
            return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_IPV6 && s->domain == AF_INET6) {
        if ((rc = opt_int(c, &v)))
            return rc;
        if (name == IPV6_V6ONLY) {
            if (s->kind == NS_TCP ? s->state != ST_NEW || s->pcb.tcp : s->lport)
                return -EINVAL;
            s->v6only = v != 0;
            return 0;
        }
        return name == IPV6_UNICAST_HOPS || name == IPV6_MULTICAST_HOPS ? 0 : -ENOPROTOOPT;
    }
    if (level == IPPROTO_IP && s->domain == AF_INET) {
        if ((rc = opt_int(c, &v)))
            return rc;
        return name == IP_TTL || name == IP_TOS ? 0 : -ENOPROTOOPT;
    }
    return -ENOPROTOOPT;
}

static long op_getopt(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    int level = (int)c->d[0], name = (int)c->d[1], v;
    (void)S;
    c->out_set = 1;
    memset(c->out, 0, sizeof c->out);
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO:
        case SO_SNDTIMEO: {
            uint64_t t = name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;
            int64_t tv[2] = {(int64_t)(t / 1000000000ull), (int64_t)(t % 1000000000ull / 1000ull)};
            memcpy(&c->out[1], tv, sizeof tv);
            c->out[0] = sizeof tv;
            return 0;
        }
        case SO_LINGER: {
            int l[2] = {s->linger_on, s->linger_s};
            memcpy(&c->out[1], l, sizeof l);
            c->out[0] = sizeof l;
            return 0;
        }
        case SO_ERROR:
            v = s->error;
            s->error = 0;
            break;
        case SO_TYPE:
            v = s->type;
            break;
        case SO_PROTOCOL:
            v = s->proto ? s->proto : s->kind == NS_TCP ? IPPROTO_TCP : IPPROTO_UDP;
            break;
        case SO_DOMAIN:
            v = s->domain;
            break;
        case SO_ACCEPTCONN:
            v = s->state == ST_LISTEN;
            break;
        case SO_REUSEADDR:
        case SO_REUSEPORT:
            v = s->reuseaddr;
            break;
        case SO_KEEPALIVE:
            v = s->keepalive;
            break;
        case SO_BROADCAST:
            v = s->broadcast;
            break;
        case SO_RCVBUF:
            v = s->rcvbuf;
            break;
        case SO_SNDBUF:
            v = s->sndbuf;
            break;
        case SO_DEBUG:
        case SO_DONTROUTE:
        case SO_OOBINLINE:
            v = 0;
            break;
        case SO_RCVLOWAT:
        case SO_SNDLOWAT:
            v = 1;
            break;
        default:
            return -ENOPROTOOPT;
        }
    } else if (level == IPPROTO_TCP) {
        if (s->kind != NS_TCP)
            return -EOPNOTSUPP;
        if (name == TCP_NODELAY)
            v = s->nodelay;
        else if (name == TCP_MAXSEG)
            v = TCP_MSS;
        else
            return -ENOPROTOOPT;
    } else if (level == IPPROTO_IPV6 && s->domain == AF_INET6 && name == IPV6_V6ONLY) {
        v = s->v6only;
    } else if (level == IPPROTO_IP && s->domain == AF_INET && name == IP_TTL) {
        v = 64;
    } else {
        return -ENOPROTOOPT;
    }
    memcpy(&c->out[1], &v, sizeof v);
    c->out[0] = sizeof v;
    return 0;
}

static long op_poll(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S;
    unsigned want = (unsigned)c->d[0] | POLLERR | POLLHUP;
    unsigned r = readiness(s) & want;
    if (r || c->d[1] == 1)
        return r;
    return NS_WAIT;
}

static long op_watch(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    struct vk_handle_info hi;
    if (c->in_nh < 1 || !c->in_h[0] || vk_handle_info(c->in_h[0], &hi) ||
        hi.type != VK_OBJ_NOTIFICATION)
        return -EINVAL;
    if (c->op == VFS_OP_UNWATCH) {
        for (struct ns_watch **pw = &s->watches; *pw; pw = &(*pw)->next) {
            struct ns_watch *w = *pw;
            if (w->object == hi.object_id && w->bits == c->d[1]) {
                vk_handle_close(w->notify);
                *pw = w->next;
                free(w);
                S->nwatches--;
                break;
            }
        }
        return 0;
    }
    unsigned events = (unsigned)c->d[0];
    if (readiness(s) & (events | POLLERR | POLLHUP)) {
        vk_notify_signal(c->in_h[0], c->d[1]);
        return 0;
    }
    if (S->nwatches >= NET_WATCHES_MAX)
        return -EAGAIN;
    struct ns_watch *w = calloc(1, sizeof *w);
    if (!w)
        return -EAGAIN;
    w->notify = c->in_h[0];
    c->in_h[0] = 0; /* kept */
    w->events = events;
    w->bits = c->d[1];
    w->object = hi.object_id;
    w->next = s->watches;
    s->watches = w;
    S->nwatches++;
    return 0;
}

static long op_getfl(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S, (void)c;
    return O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
}

static long op_setfl(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S;
    s->nonblock = (c->d[0] & O_NONBLOCK) != 0;
    return 0;
}

static long op_fstat(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S;
    struct vfs_proto_stat st;
    memset(&st, 0, sizeof st);
    st.mode = 0140777; /* S_IFSOCK */
    st.nlink = 1;
    st.ino = badge_of(s) & 0xffffffffffffull;
    st.blksize = 4096;
    if (c->recv_len < sizeof st)
        return -EFAULT;
    if (vk_msg_write(c->token, 0, &st, sizeof st) != (long)sizeof st)
        return -EFAULT;
    return 0;
}

static long op_espipe(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    (void)S, (void)s, (void)c;
    return -ESPIPE;
}

typedef long (*ns_handler)(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c);

static const struct {
    uint32_t op;
    ns_handler fn;
} ns_ops[] = {
    {VFS_OP_READ, op_recv},       {VFS_OP_WRITE, op_send},    {VFS_OP_PREAD, op_espipe},
    {VFS_OP_PWRITE, op_espipe},   {VFS_OP_LSEEK, op_espipe},  {VFS_OP_FSTAT, op_fstat},
    {VFS_OP_GETFL, op_getfl},     {VFS_OP_SETFL, op_setfl},   {VFS_OP_POLL, op_poll},
    {VFS_OP_WATCH, op_watch},     {VFS_OP_UNWATCH, op_watch}, {NET_OP_BIND, op_bind},
    {NET_OP_LISTEN, op_listen},   {NET_OP_ACCEPT, op_accept}, {NET_OP_CONNECT, op_connect},
    {NET_OP_SENDTO, op_send},     {NET_OP_RECVFROM, op_recv}, {NET_OP_SHUTDOWN, op_shutdown},
    {NET_OP_GETNAME, op_getname}, {NET_OP_GETOPT, op_getopt}, {NET_OP_SETOPT, op_setopt},
};

static long dispatch(struct ns_sockets *S, struct ns_sock *s, struct ns_call *c)
{
    for (size_t i = 0; i < sizeof ns_ops / sizeof ns_ops[0]; i++) {
        if (ns_ops[i].op == c->op)
            return ns_ops[i].fn(S, s, c);
    }
    return -EINVAL;
}

/* ---- creating and closing sockets ---- */

static long op_socket(struct ns_sockets *S, struct ns_call *c, int *created)
{
    int domain = (int)c->d[0], type = (int)(c->d[1] & 0xf), proto = (int)c->d[2];
    uint32_t rights = 0;
    struct vk_handle_info hi;
    *created = 0;
    if (c->d[1] & ~(uint64_t)(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (domain != AF_INET && domain != AF_INET6)
        return -EAFNOSUPPORT;
    if (c->in_nh >= 1 && c->in_h[0] && !vk_handle_info(c->in_h[0], &hi) &&
        hi.type == VK_OBJ_RESOURCE)
        rights = hi.rights;
    int kind;
    if (type == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP))
        kind = NS_TCP;
    else if (type == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP))
        kind = NS_UDP;
    else if (type == SOCK_DGRAM && ((domain == AF_INET && proto == IPPROTO_ICMP) ||
                                    (domain == AF_INET6 && proto == IPPROTO_ICMPV6)))
        kind = NS_PING;
    else if (type == SOCK_RAW && (proto <= 0 || proto > 255 || proto == IPPROTO_RAW))
        return -EPROTONOSUPPORT; /* no IP_HDRINCL sockets */
    else if (type == SOCK_RAW && !(rights & VK_RIGHT_NET_RAW))
        return (rights & VK_RIGHT_NET) ? -EPERM : -EACCES;
    else if (type == SOCK_RAW)
        kind = NS_RAW;
    else if (type == SOCK_STREAM || type == SOCK_DGRAM)
        return -EPROTONOSUPPORT;
    else
        return -ESOCKTNOSUPPORT;
    if (!(rights & VK_RIGHT_NET))
        return -EACCES;
    int err;
    struct ns_sock *s = slot_new(S, domain, type, proto, c->pid, &err);
    if (!s)
        return -err;
    s->kind = kind;
    s->nonblock = (c->d[1] & SOCK_NONBLOCK) != 0;
    u8_t iptype = domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
    void *arg = s;
    if (kind == NS_UDP) {
        if (!(s->pcb.udp = udp_new_ip_type(iptype)))
            goto nobufs;
        udp_recv(s->pcb.udp, cb_udp, arg);
    } else if (kind == NS_PING) {
        u8_t p = domain == AF_INET ? IP_PROTO_ICMP : IP6_NEXTH_ICMP6;
        if (!(s->pcb.raw = raw_new_ip_type(domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6, p)))
            goto nobufs;
        if (domain == AF_INET6) { /* ICMPv6's checksum covers a pseudo-header: lwIP's job */
            s->pcb.raw->chksum_reqd = 1;
            s->pcb.raw->chksum_offset = 2;
        }
        raw_recv(s->pcb.raw, cb_raw, arg);
        s->ping_id = (u16_t)(++S->next_ping_id ? S->next_ping_id : ++S->next_ping_id);
    } else if (kind == NS_RAW) {
        if (!(s->pcb.raw = raw_new_ip_type(domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6,
                                           (u8_t)proto)))
            goto nobufs;
        if (domain == AF_INET6 && proto == IPPROTO_ICMPV6) { /* Linux computes this one */
            s->pcb.raw->chksum_reqd = 1;
            s->pcb.raw->chksum_offset = 2;
        }
        raw_recv(s->pcb.raw, cb_rawsock, arg);
    }
    uint32_t h;
    long rc = vk_handle_mint(S->ep,
                             VK_RIGHT_CALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER | VK_MINT_TRACK_CLOSE,
                             badge_of(s), &h);
    if (rc) {
        sock_free(S, s);
        return rc == -VK_EAGAIN ? -ENFILE : -ENOBUFS;
    }
    s->has_handle = 1;
    c->out_h[0] = h;
    c->out_nh = 1;
    *created = 1;
    return 0;
nobufs:
    sock_free(S, s);
    return -ENOBUFS;
}

static void sock_free(struct ns_sockets *S, struct ns_sock *s)
{
    while (s->parked) {
        struct ns_call c;
        call_from_park(&c, s->parked);
        finish(&c, -EBADF);
        park_drop(S, s, &s->parked);
    }
    while (s->watches) {
        struct ns_watch *w = s->watches;
        s->watches = w->next;
        vk_handle_close(w->notify);
        free(w);
        S->nwatches--;
    }
    for (unsigned i = 0; i < s->acq_n; i++) /* connections nobody accepted: reset */
        sock_free(S, S->socks[s->acq[i]]);
    free(s->acq);
    s->acq = NULL;
    s->acq_n = 0;
    if (s->kind == NS_TCP && s->pcb.tcp) {
        struct tcp_pcb *pcb = s->pcb.tcp;
        tcp_detach(pcb);
        if (pcb->state == LISTEN)
            tcp_close(pcb);
        else if (s->rx_len || (s->linger_on && s->linger_s == 0) || pcb->state == CLOSED ||
                 tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
    } else if (s->kind == NS_UDP && s->pcb.udp) {
        udp_remove(s->pcb.udp);
    } else if ((s->kind == NS_PING || s->kind == NS_RAW) && s->pcb.raw) {
        raw_remove(s->pcb.raw);
    }
    if (s->rx)
        pbuf_free(s->rx);
    while (s->dq) {
        struct ns_dgram *d = s->dq;
        s->dq = d->next;
        pbuf_free(d->p);
        free(d);
    }
    uint32_t gen = s->gen;
    memset(s, 0, sizeof *s);
    s->S = S;
    s->gen = gen + 1;
    S->live--;
    S->dirty = 1;
}

/* ---- serving ---- */

static void serve_call(struct ns_sockets *S, struct vk_recv *r)
{
    struct ns_call c;
    memset(&c, 0, sizeof c);
    c.token = r->token;
    c.op = r->msg.opcode;
    c.pid = r->sender_pid;
    memcpy(c.d, r->msg.data, sizeof c.d);
    c.send_len = r->send_len;
    c.recv_len = r->recv_len;
    c.in_nh = VK_MSG_NHANDLES(r->msg.flags);
    if (c.in_nh > VK_MSG_MAX_HANDLES)
        c.in_nh = VK_MSG_MAX_HANDLES;
    memcpy(c.in_h, r->msg.handles, sizeof c.in_h);
    long rc;
    struct ns_sock *s = NULL;
    if (r->badge & NET_BADGE_SOCKET) {
        s = sock_by_badge(S, r->badge);
        rc = s ? dispatch(S, s, &c) : -EBADF;
    } else if (c.op == NET_OP_SOCKET) {
        int created;
        rc = op_socket(S, &c, &created);
    } else {
        rc = -EINVAL; /* the control handle serves nothing else */
    }
    for (unsigned i = 0; i < c.in_nh; i++)
        if (c.in_h[i])
            vk_handle_close(c.in_h[i]);
    if (rc == NS_WAIT) {
        long prc = park(S, s, &c);
        if (prc)
            finish(&c, prc);
        return;
    }
    if (rc == NS_REPLIED)
        return;
    finish(&c, rc);
    if (s && s->used && c.op != VFS_OP_POLL && c.op != NET_OP_GETOPT && c.op != NET_OP_GETNAME)
        kick(S, s); /* a call may have made the socket ready for others */
}

static void serve_closed(struct ns_sockets *S, uint64_t badge)
{
    struct ns_sock *s = sock_by_badge(S, badge);
    if (s)
        sock_free(S, s);
}

static void expire(struct ns_sockets *S)
{
    uint64_t now = ns_now();
    for (uint32_t i = 0; i < S->nsocks; i++) {
        struct ns_sock *s = S->socks[i];
        if (!s->used)
            continue;
        for (struct ns_park **pp = &s->parked; *pp;) {
            struct ns_park *p = *pp;
            if (p->deadline > now) {
                pp = &p->next;
                continue;
            }
            struct ns_call c;
            call_from_park(&c, p);
            long rc = p->op == NET_OP_CONNECT ? -EINPROGRESS
                      : p->done               ? (long)p->done
                      : p->op == VFS_OP_POLL  ? 0
                                              : -EAGAIN;
            finish(&c, rc);
            park_drop(S, s, pp);
        }
    }
}

uint64_t ns_sock_deadline(const struct ns_sockets *S)
{
    uint64_t d = VK_DEADLINE_NEVER;
    if (!S)
        return d;
    for (uint32_t i = 0; i < S->nsocks; i++)
        for (const struct ns_park *p = S->socks[i]->used ? S->socks[i]->parked : NULL; p;
             p = p->next)
            if (p->deadline < d)
                d = p->deadline;
    if (S->dirty && S->next_publish < d)
        d = S->next_publish;
    for (struct netif *n = netif_list; n; n = n->next)
        if (n->loop_first)
            return 0;
    return d;
}

void ns_sock_wait_item(const struct ns_sockets *S, struct vk_wait *item)
{
    memset(item, 0, sizeof *item);
    item->handle = S->ep;
    item->mask = VK_SIG_READABLE;
}

/* ---- /proc/net/tcp and /proc/net/udp (Linux's format) ---- */

static const uint8_t linux_tcp_state[] = {
    [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
    [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
    [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
};

static uint32_t v4_of(const ip_addr_t *ip)
{
    return ip && IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
}

static size_t proc_line(char *b, size_t cap, size_t k, unsigned sl, const ip_addr_t *l, u16_t lp,
                        const ip_addr_t *r, u16_t rp, unsigned st, unsigned txq, unsigned rxq,
                        uint64_t inode)
{
    if (k >= cap)
        return k;
    int n = snprintf(b + k, cap - k,
                     "%4u: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 1 "
                     "0000000000000000 100 0 0 10 0\n",
                     sl, (unsigned)v4_of(l), lp, (unsigned)v4_of(r), rp, st, txq, rxq, 0u, 0,
                     (unsigned long)inode);
    return n > 0 ? k + (size_t)n : k;
}

static struct ns_sock *owner_of(struct ns_sockets *S, const void *pcb)
{
    for (uint32_t i = 0; i < S->nsocks; i++)
        if (S->socks[i]->used && (const void *)S->socks[i]->pcb.tcp == pcb)
            return S->socks[i];
    return NULL;
}

static size_t proc_tcp(struct ns_sockets *S, char *b, size_t cap)
{
    size_t k =
        (size_t)snprintf(b, cap,
                         "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                         "retrnsmt   uid  timeout inode\n");
    unsigned sl = 0;
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        if (IP_IS_V6_VAL(l->local_ip))
            continue;
        struct ns_sock *s = owner_of(S, l);
        k = proc_line(b, cap, k, sl++, &l->local_ip, l->local_port, NULL, 0, 10, 0,
                      s ? s->acq_n : 0, s ? badge_of(s) & 0xffffffff : 0);
    }
    struct tcp_pcb *lists[] = {tcp_active_pcbs, tcp_tw_pcbs};
    for (int li = 0; li < 2; li++) {
        for (struct tcp_pcb *p = lists[li]; p; p = p->next) {
            if (IP_IS_V6_VAL(p->local_ip))
                continue;
            struct ns_sock *s = owner_of(S, p);
            unsigned txq = (unsigned)(TCP_SND_BUF - tcp_sndbuf(p));
            k = proc_line(b, cap, k, sl++, &p->local_ip, p->local_port, &p->remote_ip,
                          p->remote_port, p->state <= TIME_WAIT ? linux_tcp_state[p->state] : 7,
                          txq, s ? (unsigned)s->rx_len : 0, s ? badge_of(s) & 0xffffffff : 0);
        }
    }
    return k < cap ? k : cap - 1;
}

static size_t proc_udp(struct ns_sockets *S, char *b, size_t cap)
{
    size_t k = (size_t)snprintf(b, cap,
                                "   sl  local_address rem_address   st tx_queue rx_queue tr "
                                "tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
    unsigned sl = 0;
    for (struct udp_pcb *p = udp_pcbs; p; p = p->next) {
        if (IP_IS_V6_VAL(p->local_ip))
            continue;
        struct ns_sock *s = owner_of(S, p);
        k = proc_line(b, cap, k, sl++, &p->local_ip, p->local_port, &p->remote_ip, p->remote_port,
                      (p->flags & UDP_FLAGS_CONNECTED) ? 1 : 7, 0, s ? (unsigned)s->dq_bytes : 0,
                      s ? badge_of(s) & 0xffffffff : 0);
    }
    return k < cap ? k : cap - 1;
}

static void publish(struct ns_sockets *S, const char *name, char *text, size_t len, char **last)
{
    if (*last && !strcmp(*last, text))
        return;
    int e = ns_publish(name, text, len, VK_DEADLINE_NEVER);
    if (e && !S->publish_failed++)
        ns_log("publish /proc/%s: %s", name, strerror(e));
    free(*last);
    *last = strdup(text);
}

static void publish_proc(struct ns_sockets *S)
{
    uint64_t now = ns_now();
    if (!S->dirty || now < S->next_publish)
        return;
    S->dirty = 0;
    S->next_publish = now + NS_PUBLISH_NS;
    size_t n = proc_tcp(S, S->proc_text, NS_PROC_MAX);
    publish(S, "net/tcp", S->proc_text, n, &S->proc_last[0]);
    n = proc_udp(S, S->proc_text, NS_PROC_MAX);
    publish(S, "net/udp", S->proc_text, n, &S->proc_last[1]);
}

void ns_sock_serve(struct ns_sockets *S)
{
    if (!S)
        return;
    for (int round = 0; round < 1024; round++) {
        struct vk_recv r;
        int busy = 0;
        if (vk_receive(S->ep, &r, 0) == 0) {
            busy = 1;
            if (r.kind == VK_RECV_CALL)
                serve_call(S, &r);
            else if (r.kind == VK_RECV_CLOSED)
                serve_closed(S, r.badge);
        }
        for (struct netif *n = netif_list; n; n = n->next) {
            if (n->loop_first) {
                netif_poll(n);
                busy = 1;
            }
        }
        if (!busy)
            break;
    }
    expire(S);
    publish_proc(S);
}

struct ns_sockets *ns_sock_create(void)
{
    struct ns_sockets *S = calloc(1, sizeof *S);
    uint32_t give = 0, res = 0;
    long rc = -VK_ENOMEM;
    if (!S || !(S->bounce = malloc(NS_BOUNCE)) || !(S->proc_text = malloc(NS_PROC_MAX)))
        goto fail;
    if ((rc = vk_endpoint_create(&S->ep)))
        goto fail;
    uint32_t session = vr_start_handle(VK_ROLE_NSROOT), spawner = vr_start_handle(VK_ROLE_SPAWNER);
    rc = -VK_EPERM;
    if (!session || !spawner)
        goto fail;
    if ((rc = vk_handle_dup(S->ep, VK_RIGHT_CALL | VK_RIGHT_MINT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER,
                            &give)))
        goto fail;
    if ((rc = vk_handle_dup(spawner, VK_RIGHT_IPC_CREATE | VK_RIGHT_TRANSFER, &res))) {
        vk_handle_close(give);
        goto fail;
    }
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_REGISTER;
    c.msg.flags = 2;
    c.msg.handles[0] = give;
    c.msg.handles[1] = res;
    c.send_buf = (uint64_t)(uintptr_t)NET_DEVICE_NAME;
    c.send_len = strlen(NET_DEVICE_NAME);
    rc = vk_call(session, &c, VK_DEADLINE_NEVER);
    if (!rc && c.msg.opcode)
        rc = -(long)c.msg.opcode;
    if (rc)
        goto fail;
    S->dirty = 1;
    publish_proc(S); /* /proc/net/{tcp,udp} exist from readiness on */
    return S;
fail:
    ns_log("no sockets: cannot serve %s: %s", NET_DEVICE_PATH, strerror((int)-rc));
    if (S) {
        if (S->ep)
            vk_handle_close(S->ep);
        free(S->bounce);
        free(S->proc_text);
        free(S);
    }
    return NULL;
}
