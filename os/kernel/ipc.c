/*
 * Endpoint IPC: call / receive / reply with deferred reply tokens, msg_read / msg_write for
 * bulk data, handle transfer.
 *
 * A caller queues itself on the endpoint (FIFO) carrying a kernel copy of its request and
 * the objects of the handles it moves; a receiver takes the first caller, gets the handles
 * installed in its own table and a reply token (a per-process counter, never reused). The
 * caller then waits in AWAIT_REPLY, registered in the server process's pending table.
 * Whoever ends a wait early (deadline, kill) undoes the queueing via vk_ipc_thread_cancel,
 * so a server never replies to a thread that has gone. Handles in a message leave the
 * sender when the call is accepted; if the call then fails (timeout, peer death), they are
 * closed (Zircon's rule: simple and leak-free). Peer death: the last receive handle going
 * away fails queued and future calls with -VK_EPIPE; a server process dying fails the
 * calls it still owes a reply with -VK_EPIPE. reply_receive decodes both halves
 * (the receive handle and buffer, then the reply) before the reply goes out: on a bad
 * receive half nothing is replied.
 *
 * Unwrapping: a request's handle to the endpoint it is received on becomes a badge in the
 * vk_recv (kcall.h), never a handle, so servers can trust badges only they minted. A request
 * whose handles the receiver's table cannot take fails alone; the receiver goes on. A reply
 * to a caller that has gone closes the handles it carried (nothing a server minted for it
 * stays behind).
 */

#include "kernel_internal.h"

#define MSG_FLAGS_KNOWN 7u

static long deliver_closed(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t urecv);

long vk_sys_endpoint_create(struct vk_kernel *k, uint64_t out)
{
    struct vk_handle_resv resv;
    int rc = vk_handle_reserve_out(k, out, &resv);
    if (rc)
        return rc;
    struct vk_endpoint *ep = vk_object_new(k, VK_OBJ_ENDPOINT, sizeof *ep);
    if (!ep) {
        vk_handle_unreserve(k, &resv);
        return -VK_ENOMEM;
    }
    vk_list_init(&ep->callers);
    vk_list_init(&ep->receivers);
    vk_handle_commit_out(k, &resv, &ep->o,
                         VK_RIGHT_RECV | VK_RIGHT_CALL | VK_RIGHT_MINT | VK_RIGHT_DUP |
                             VK_RIGHT_TRANSFER | VK_RIGHT_WAIT,
                         0, NULL);
    vk_object_unref(k, &ep->o);
    return 0;
}

/* Validate the handles a message carries: present, transferable, no duplicates. */
static int check_msg_handles(struct vk_process *p, const struct vk_msg *m)
{
    if (m->flags & ~MSG_FLAGS_KNOWN)
        return -VK_EINVAL;
    uint32_t n = VK_MSG_NHANDLES(m->flags);
    if (n > VK_MSG_MAX_HANDLES)
        return -VK_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        struct vk_handle_entry *e;
        int rc = vk_handle_get(&p->handles, m->handles[i], 0, VK_RIGHT_TRANSFER, &e);
        if (rc)
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (m->handles[j] == m->handles[i])
                return -VK_EINVAL;
    }
    return 0;
}

/* Move a validated message's handles out of p's table into t's in-flight slots. */
static void take_msg_handles(struct vk_kernel *k, struct vk_process *p, struct vk_thread *t,
                             struct vk_msg *m)
{
    uint32_t n = VK_MSG_NHANDLES(m->flags);
    for (uint32_t i = 0; i < n; i++) {
        struct vk_handle_entry e;
        vk_handle_take(k, &p->handles, m->handles[i], &e);
        t->ipc_objs[i] = e.obj;
        t->ipc_rights[i] = e.rights;
        t->ipc_badges[i] = e.badge;
    }
    /* t->ipc_objs[n..] are NULL already: slots are cleared whenever objects leave them */
    vk_memset(m->handles, 0, sizeof m->handles);
}

void vk_ipc_drop_objects(struct vk_kernel *k, struct vk_thread *t)
{
    for (uint32_t i = 0; i < VK_MSG_MAX_HANDLES; i++) {
        if (t->ipc_objs[i])
            vk_handle_drop_moved(k, t->ipc_objs[i], t->ipc_rights[i], t->ipc_badges[i]);
        t->ipc_objs[i] = NULL;
    }
}

/* A handle in a request is unwrapped when it names the very endpoint the request is received
 * on (and cannot receive from it): the receiver learns its badge instead of getting a handle
 * (seL4's rule), so a server can tell its own badges from ones a client minted elsewhere. */
static int unwraps(const struct vk_thread *t, uint32_t i, const struct vk_endpoint *self)
{
    return self && t->ipc_objs[i] == &self->o && !(t->ipc_rights[i] & VK_RIGHT_RECV);
}

/* Install t's in-flight objects into table `to`, writing the values into t->ipc_msg; those
 * `self` unwraps stay in flight (value 0, bit i of *unwrapped) for the caller to drop once the
 * delivery is certain. All or nothing: on failure nothing is installed and the objects stay
 * in flight. */
static int install_msg_handles(struct vk_kernel *k, struct vk_handle_table *to, struct vk_thread *t,
                               const struct vk_endpoint *self, uint32_t *unwrapped)
{
    uint32_t n = VK_MSG_NHANDLES(t->ipc_msg.flags), mask = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (unwraps(t, i, self)) {
            mask |= 1u << i;
            t->ipc_msg.handles[i] = 0;
            continue;
        }
        int rc = vk_handle_install_moved(k, to, t->ipc_objs[i], t->ipc_rights[i], t->ipc_badges[i],
                                         &t->ipc_msg.handles[i]);
        if (rc) {
            while (i--) {
                struct vk_handle_entry e;
                if (!(mask & (1u << i)))
                    vk_handle_take(k, to, t->ipc_msg.handles[i], &e);
                t->ipc_msg.handles[i] = 0;
            }
            return rc;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (!(mask & (1u << i)))
            t->ipc_objs[i] = NULL;
    if (unwrapped)
        *unwrapped = mask;
    return 0;
}

/* Take installed handles back out of `from` (a failed delivery): undo install_msg_handles. */
static void uninstall_msg_handles(struct vk_kernel *k, struct vk_handle_table *from,
                                  struct vk_thread *t, uint32_t unwrapped)
{
    uint32_t n = VK_MSG_NHANDLES(t->ipc_msg.flags);
    for (uint32_t i = 0; i < n; i++) {
        if (!(unwrapped & (1u << i))) {
            struct vk_handle_entry e;
            vk_handle_take(k, from, t->ipc_msg.handles[i], &e);
            t->ipc_objs[i] = e.obj;
        }
        t->ipc_msg.handles[i] = 0;
    }
}

static void ep_update_readable(struct vk_kernel *k, struct vk_endpoint *ep)
{
    if (vk_list_empty(&ep->callers) && !ep->nclosed)
        vk_object_signal(k, &ep->o, 0, VK_SIG_READABLE);
    else if (!(ep->o.signals & VK_SIG_READABLE))
        vk_object_signal(k, &ep->o, VK_SIG_READABLE, 0);
}

static void ep_wake_receiver(struct vk_kernel *k, struct vk_endpoint *ep)
{
    if (vk_list_empty(&ep->receivers))
        return;
    struct vk_thread *r = VK_CONTAINER_OF(ep->receivers.next, struct vk_thread, ipc_link);
    vk_wake(k, r, 0);
}

static struct vk_pending_reply *pending_find(struct vk_process *p, uint64_t token)
{
    for (uint32_t i = 0; i < p->npending; i++)
        if (p->pending[i].token == token)
            return &p->pending[i];
    return NULL;
}

struct vk_thread *vk_ipc_caller(struct vk_process *server, uint64_t token)
{
    struct vk_pending_reply *r = pending_find(server, token);
    return r ? r->caller : NULL;
}

static void pending_remove(struct vk_process *p, struct vk_pending_reply *r)
{
    *r = p->pending[--p->npending];
}

static int pending_add(struct vk_process *p, uint64_t token, struct vk_thread *caller)
{
    if (p->npending == p->cappending) {
        uint32_t cap = p->cappending ? p->cappending * 2 : 8;
        struct vk_pending_reply *n = vk_plat_realloc(p->pending, cap * sizeof *n);
        if (!n)
            return -VK_ENOMEM;
        p->pending = n;
        p->cappending = cap;
    }
    p->pending[p->npending++] = (struct vk_pending_reply){token, caller};
    return 0;
}

/* A caller's wait ends early: take it off whatever it is queued on. */
void vk_ipc_thread_cancel(struct vk_kernel *k, struct vk_thread *t)
{
    if (t->ipc_state == VK_IPC_QUEUED) {
        vk_list_del(&t->ipc_link);
        ep_update_readable(k, t->ipc_ep);
        vk_ipc_drop_objects(k, t);
        t->ipc_state = VK_IPC_NONE;
    } else if (t->ipc_state == VK_IPC_AWAIT_REPLY) {
        struct vk_pending_reply *r = pending_find(t->ipc_server, t->ipc_token);
        if (r)
            pending_remove(t->ipc_server, r);
        t->ipc_state = VK_IPC_NONE;
    } else if (vk_list_linked(&t->ipc_link)) {
        vk_list_del(&t->ipc_link); /* a receiver */
    }
}

long vk_sys_call(struct vk_kernel *k, uint32_t h, uint64_t ucall, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&p->handles, h, VK_OBJ_ENDPOINT, VK_RIGHT_CALL, &e);
    if (rc)
        return rc;
    struct vk_call c;
    rc = vk_copy_in(k, &c, ucall, sizeof c);
    if (rc)
        return rc;
    if ((rc = check_msg_handles(p, &c.msg)))
        return rc;
    if (vk_uaccess_ok(p, c.send_buf, c.send_len, VK_RIGHT_READ) ||
        vk_uaccess_ok(p, c.recv_buf, c.recv_len, VK_RIGHT_WRITE) ||
        vk_uprobe_write(k, ucall, sizeof c)) /* the reply must land after the server acted */
        return -VK_EFAULT;
    struct vk_endpoint *ep = (struct vk_endpoint *)e->obj;
    if (ep->dead)
        return -VK_EPIPE;

    /* invoke */
    k->stats.ipc_calls++;
    t->ipc_badge = e->badge;
    vk_object_ref(&ep->o);
    take_msg_handles(k, p, t, &c.msg);
    t->ipc_msg = c.msg;
    t->ipc_ep = ep;
    t->send_buf = c.send_buf;
    t->send_len = c.send_len;
    t->recv_buf = c.recv_buf;
    t->recv_len = c.recv_len;
    t->ipc_state = VK_IPC_QUEUED;
    vk_list_add_tail(&ep->callers, &t->ipc_link);
    vk_trace(k, VK_TR_IPC_SEND, ep->o.id, c.msg.opcode, e->badge, c.msg.flags, c.send_len);
    ep_update_readable(k, ep);
    ep_wake_receiver(k, ep);

    long r = vk_block(k, deadline);
    if (t->ipc_state == VK_IPC_DONE)
        r = t->wake_result;
    else
        vk_ipc_thread_cancel(k, t); /* e.g. vk_block refused to block */
    t->ipc_state = VK_IPC_NONE;
    t->ipc_ep = NULL;
    vk_object_unref(k, &ep->o);
    if (r) {
        vk_ipc_drop_objects(k, t);
        return r;
    }
    if ((rc = install_msg_handles(k, &p->handles, t, NULL, NULL))) {
        vk_ipc_drop_objects(k, t);
        return rc;
    }
    rc = vk_copy_out(k, ucall + offsetof(struct vk_call, msg), &t->ipc_msg, sizeof t->ipc_msg);
    t->kcall_traced = rc == 0; /* the send and the server's reply events tell it all */
    if (rc) {
        for (uint32_t i = 0; i < VK_MSG_NHANDLES(t->ipc_msg.flags); i++)
            vk_handle_close(k, &p->handles, t->ipc_msg.handles[i]);
    }
    return rc;
}

#define DELIVER_NEXT 1 /* deliver(): that caller failed; try the next message */

/* Fail a queued caller's call with rc (it is not delivered): its handles are closed. */
static void fail_caller(struct vk_kernel *k, struct vk_thread *c, long rc)
{
    vk_list_del(&c->ipc_link);
    vk_ipc_drop_objects(k, c);
    c->ipc_state = VK_IPC_DONE;
    vk_wake(k, c, rc);
}

/* Deliver the first queued caller of ep to the current thread. Its handles to ep are
 * unwrapped (badges in the vk_recv, objects dropped); when the receiver's table cannot take
 * the others, that call fails with the reason and the receiver goes on (DELIVER_NEXT): one
 * request's handles never stop a server from receiving the next. */
static long deliver(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t urecv)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    struct vk_thread *c = VK_CONTAINER_OF(ep->callers.next, struct vk_thread, ipc_link);
    uint32_t unwrapped;
    int rc = install_msg_handles(k, &p->handles, c, ep, &unwrapped);
    if (rc) {
        fail_caller(k, c, rc);
        ep_update_readable(k, ep);
        return DELIVER_NEXT;
    }
    uint64_t token = ++p->next_token;
    struct vk_recv r = {
        .msg = c->ipc_msg,
        .badge = c->ipc_badge,
        .token = token,
        .send_len = c->send_len,
        .recv_len = c->recv_len,
        .kind = VK_RECV_CALL,
        .sender_pid = c->proc->pid,
        .notify_bits = 0,
        .unwrapped = unwrapped,
        .reserved = 0,
        .handle_badges = {0},
    };
    for (uint32_t i = 0; i < VK_MSG_MAX_HANDLES; i++)
        if (unwrapped & (1u << i))
            r.handle_badges[i] = c->ipc_badges[i];
    if ((rc = pending_add(p, token, c)) || (rc = vk_copy_out(k, urecv, &r, sizeof r))) {
        struct vk_pending_reply *pr = pending_find(p, token);
        if (pr)
            pending_remove(p, pr);
        uninstall_msg_handles(k, &p->handles, c, unwrapped);
        return rc;
    }
    vk_list_del(&c->ipc_link);
    c->ipc_state = VK_IPC_AWAIT_REPLY;
    c->ipc_server = p;
    c->ipc_token = token;
    ep_update_readable(k, ep);
    vk_trace(k, VK_TR_IPC_RECV, ep->o.id, r.msg.opcode, c->tid, token, 0);
    t->kcall_traced = 1;
    for (uint32_t i = 0; i < VK_MSG_MAX_HANDLES; i++) {
        if (unwrapped & (1u << i)) { /* last: a close notice it causes comes after the call */
            vk_handle_drop_moved(k, c->ipc_objs[i], c->ipc_rights[i], c->ipc_badges[i]);
            c->ipc_objs[i] = NULL;
        }
    }
    return 0;
}

static long deliver_notification(struct vk_kernel *k, struct vk_notification *n, uint64_t urecv)
{
    struct vk_recv r;
    vk_memset(&r, 0, sizeof r);
    r.kind = VK_RECV_NOTIFY;
    r.notify_bits = n->o.signals;
    int rc = vk_copy_out(k, urecv, &r, sizeof r);
    if (rc)
        return rc;
    vk_object_signal(k, &n->o, 0, r.notify_bits);
    vk_trace(k, VK_TR_NOTIFY, n->o.id, r.notify_bits, 1, 0, 0);
    return 0;
}

/* The receive half's decode: the handle and the output struct, probed so that a hole fails
 * now, not after a message was taken. */
static int receive_decode(struct vk_kernel *k, uint32_t h, uint64_t urecv, struct vk_endpoint **ep)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_ENDPOINT, VK_RIGHT_RECV, &e);
    if (rc)
        return rc;
    if (vk_uprobe_write(k, urecv, sizeof(struct vk_recv)))
        return -VK_EFAULT;
    *ep = (struct vk_endpoint *)e->obj;
    return 0;
}

/* Always inlined: a thread blocks in here, and the calls that block must have the same depth
 * below the dispatcher as vk_sys_call (vk_sys_* -> vk_block) so that the returns after a
 * switch between caller and server stay predicted (~30 ns per round trip otherwise). */
__attribute__((always_inline)) static inline long
receive_invoke(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t urecv, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    vk_object_ref(&ep->o);
    long r;
    for (;;) {
        if (ep->bound && ep->bound->o.signals) {
            r = deliver_notification(k, ep->bound, urecv);
            break;
        }
        if (ep->nclosed) {
            r = deliver_closed(k, ep, urecv);
            break;
        }
        if (!vk_list_empty(&ep->callers)) {
            r = deliver(k, ep, urecv);
            if (r == DELIVER_NEXT)
                continue;
            break;
        }
        vk_list_add_tail(&ep->receivers, &t->ipc_link);
        r = vk_block(k, deadline);
        if (vk_list_linked(&t->ipc_link))
            vk_list_del(&t->ipc_link);
        if (r)
            break;
    }
    vk_object_unref(k, &ep->o);
    return r;
}

long vk_sys_receive(struct vk_kernel *k, uint32_t h, uint64_t urecv, uint64_t deadline)
{
    struct vk_endpoint *ep;
    int rc = receive_decode(k, h, urecv, &ep);
    return rc ? rc : receive_invoke(k, ep, urecv, deadline);
}

/* The reply's decode: the token, and the message with the handles it carries. */
static int reply_decode(struct vk_kernel *k, uint64_t token, uint64_t umsg, struct vk_msg *m,
                        struct vk_pending_reply **pr)
{
    struct vk_process *p = k->cur->proc;
    int rc = vk_copy_in(k, m, umsg, sizeof *m);
    if (rc)
        return rc;
    if ((rc = check_msg_handles(p, m)))
        return rc;
    return (*pr = pending_find(p, token)) ? 0 : -VK_ESRCH;
}

/* A reply to a caller that has gone (deadline, kill) or never was: what it carries would
 * have been closed with the caller, so it is closed now, and no server keeps handles it
 * minted for a caller that left. */
static void reply_drop(struct vk_kernel *k, const struct vk_msg *m)
{
    struct vk_process *p = k->cur->proc;
    for (uint32_t i = 0; i < VK_MSG_NHANDLES(m->flags); i++)
        vk_handle_close(k, &p->handles, m->handles[i]);
}

static void reply_invoke(struct vk_kernel *k, struct vk_pending_reply *pr, struct vk_msg *m,
                         uint64_t token)
{
    struct vk_process *p = k->cur->proc;
    struct vk_thread *c = pr->caller;
    pending_remove(p, pr);
    take_msg_handles(k, p, c, m);
    c->ipc_msg = *m;
    c->ipc_state = VK_IPC_DONE;
    vk_trace(k, VK_TR_IPC_REPLY, token, m->opcode, c->tid, m->flags, 0);
    vk_wake(k, c, 0);
    k->cur->kcall_traced = 1;
}

long vk_sys_reply(struct vk_kernel *k, uint64_t token, uint64_t umsg)
{
    struct vk_pending_reply *pr;
    struct vk_msg m;
    int rc = reply_decode(k, token, umsg, &m, &pr);
    if (rc == -VK_ESRCH)
        reply_drop(k, &m);
    if (rc)
        return rc;
    reply_invoke(k, pr, &m, token);
    return 0;
}

long vk_sys_reply_receive(struct vk_kernel *k, uint64_t token, uint64_t umsg, uint32_t h,
                          uint64_t urecv, uint64_t deadline)
{
    struct vk_endpoint *ep;
    struct vk_pending_reply *pr;
    struct vk_msg m;
    int rc = receive_decode(k, h, urecv, &ep);
    if (rc)
        return rc;
    rc = reply_decode(k, token, umsg, &m, &pr);
    if (rc && rc != -VK_ESRCH)
        return rc;
    for (uint32_t i = 0; i < VK_MSG_NHANDLES(m.flags); i++)
        if (m.handles[i] == h)
            return -VK_EINVAL; /* the reply would take away the handle we receive on */
    if (rc) {                  /* the caller has gone: its handles go, and the server hears ESRCH */
        reply_drop(k, &m);
        return rc;
    }
    reply_invoke(k, pr, &m, token);
    return receive_invoke(k, ep, urecv, deadline);
}

/* The caller's side of a bulk copy: its process and the address in its buffer; the length
 * (cut to the buffer) or -VK_E*. */
static long bulk_target(struct vk_kernel *k, uint64_t token, uint64_t off, uint64_t len,
                        uint64_t ubuf, uint32_t prot, int server_reads, struct vk_process **peer,
                        uint64_t *peer_addr)
{
    struct vk_process *p = k->cur->proc;
    struct vk_pending_reply *pr = pending_find(p, token);
    if (!pr)
        return -VK_ESRCH;
    struct vk_thread *c = pr->caller;
    uint64_t base = server_reads ? c->send_buf : c->recv_buf;
    uint64_t size = server_reads ? c->send_len : c->recv_len;
    if (off > size)
        return -VK_EINVAL;
    uint64_t n = len < size - off ? len : size - off;
    if (vk_uaccess_ok(p, ubuf, n, prot))
        return -VK_EFAULT;
    *peer = c->proc;
    *peer_addr = base + off;
    return (long)n;
}

long vk_sys_msg_read(struct vk_kernel *k, uint64_t token, uint64_t off, uint64_t ubuf, uint64_t len)
{
    struct vk_process *peer;
    uint64_t src;
    long n = bulk_target(k, token, off, len, ubuf, VK_RIGHT_WRITE, 1, &peer, &src);
    if (n <= 0)
        return n;
    if (vk_plat_copy_between(k, k->cur->proc, ubuf, peer, src, (size_t)n))
        return -VK_EFAULT;
    return n;
}

long vk_sys_msg_write(struct vk_kernel *k, uint64_t token, uint64_t off, uint64_t ubuf,
                      uint64_t len)
{
    struct vk_process *peer;
    uint64_t dst;
    long n = bulk_target(k, token, off, len, ubuf, VK_RIGHT_READ, 0, &peer, &dst);
    if (n <= 0)
        return n;
    if (vk_plat_copy_between(k, peer, dst, k->cur->proc, ubuf, (size_t)n))
        return -VK_EFAULT;
    return n;
}

/* ---- close notices for tracked badges ---- */

#define BADGE_EMPTY 0ull
#define BADGE_DELETED (~0ull)

static struct vk_badge_count *badge_slot(struct vk_endpoint *ep, uint64_t badge, int insert)
{
    if (!ep->tracked_cap)
        return NULL;
    uint32_t mask = ep->tracked_cap - 1;
    uint64_t h = badge * 0x9E3779B97F4A7C15ull;
    struct vk_badge_count *tomb = NULL;
    for (uint32_t i = (uint32_t)(h >> 32) & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
        struct vk_badge_count *b = &ep->tracked[i];
        if (b->badge == badge && b->count)
            return b;
        if (b->badge == BADGE_DELETED && !tomb)
            tomb = b;
        if (b->badge == BADGE_EMPTY)
            return insert ? (tomb ? tomb : b) : NULL;
    }
    return insert ? tomb : NULL;
}

static int badge_grow(struct vk_endpoint *ep)
{
    uint32_t cap = ep->tracked_cap ? ep->tracked_cap * 2 : 16;
    struct vk_badge_count *old = ep->tracked;
    uint32_t oldcap = ep->tracked_cap;
    ep->tracked = vk_plat_alloc(cap * sizeof *ep->tracked);
    if (!ep->tracked) {
        ep->tracked = old;
        return -VK_ENOMEM;
    }
    ep->tracked_cap = cap;
    ep->tracked_used = 0;
    for (uint32_t i = 0; i < oldcap; i++) {
        if (old[i].count) {
            *badge_slot(ep, old[i].badge, 1) = old[i];
            ep->tracked_used++;
        }
    }
    vk_plat_free(old);
    return 0;
}

void vk_endpoint_track(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t badge, int delta)
{
    if (badge == BADGE_EMPTY || badge == BADGE_DELETED)
        return; /* reserved keys: vk_sys_handle_mint refuses them for tracking */
    struct vk_badge_count *b = badge_slot(ep, badge, 0);
    if (delta > 0) {
        if (!b) {
            if ((ep->tracked_used + 1) * 4 > ep->tracked_cap * 3 && badge_grow(ep))
                return; /* out of host memory: this badge goes untracked */
            b = badge_slot(ep, badge, 1);
            b->badge = badge;
            b->count = 0;
            ep->tracked_used++;
        }
        b->count++;
        return;
    }
    if (!b || --b->count)
        return;
    b->badge = BADGE_DELETED;
    ep->tracked_used--;
    if (ep->dead)
        return;
    if (ep->nclosed == ep->capclosed) {
        uint32_t cap = ep->capclosed ? ep->capclosed * 2 : 16;
        uint64_t *q = vk_plat_realloc(ep->closed, cap * sizeof *q);
        if (!q)
            return;
        ep->closed = q;
        ep->capclosed = cap;
    }
    ep->closed[ep->nclosed++] = badge;
    vk_trace(k, VK_TR_IPC_SEND, ep->o.id, 0, badge, 0, (uint64_t)-1);
    ep_update_readable(k, ep);
    ep_wake_receiver(k, ep);
}

int vk_endpoint_track_room(struct vk_endpoint *ep, uint64_t badge)
{
    if (ep->tracked_used + ep->nclosed < VK_ENDPOINT_TRACKED_MAX || badge_slot(ep, badge, 0))
        return 0;
    return -VK_EAGAIN;
}

static long deliver_closed(struct vk_kernel *k, struct vk_endpoint *ep, uint64_t urecv)
{
    struct vk_recv r;
    vk_memset(&r, 0, sizeof r);
    r.kind = VK_RECV_CLOSED;
    r.badge = ep->closed[0];
    int rc = vk_copy_out(k, urecv, &r, sizeof r);
    if (rc)
        return rc;
    vk_memmove(ep->closed, ep->closed + 1, (ep->nclosed - 1) * sizeof ep->closed[0]);
    ep->nclosed--;
    ep_update_readable(k, ep);
    vk_trace(k, VK_TR_IPC_RECV, ep->o.id, 0, 0, r.badge, (uint64_t)-1);
    k->cur->kcall_traced = 1;
    return 0;
}

static void fail_callers(struct vk_kernel *k, struct vk_endpoint *ep)
{
    while (!vk_list_empty(&ep->callers)) {
        struct vk_thread *c = VK_CONTAINER_OF(ep->callers.next, struct vk_thread, ipc_link);
        fail_caller(k, c, -VK_EPIPE);
    }
    ep_update_readable(k, ep);
}

void vk_endpoint_receiver_gone(struct vk_kernel *k, struct vk_endpoint *ep)
{
    if (--ep->receiver_handles)
        return;
    ep->dead = 1;
    fail_callers(k, ep);
    vk_object_signal(k, &ep->o, VK_SIG_PEER_CLOSED, 0);
}

void vk_endpoint_destroy(struct vk_kernel *k, struct vk_endpoint *ep)
{
    fail_callers(k, ep);
    vk_plat_free(ep->tracked);
    vk_plat_free(ep->closed);
    if (ep->bound) {
        ep->bound->bound = NULL;
        vk_object_unref(k, &ep->bound->o);
        ep->bound = NULL;
    }
}

void vk_ipc_process_exit(struct vk_kernel *k, struct vk_process *p)
{
    while (p->npending) {
        struct vk_thread *c = p->pending[p->npending - 1].caller;
        p->npending--;
        c->ipc_state = VK_IPC_DONE;
        vk_wake(k, c, -VK_EPIPE);
    }
    vk_plat_free(p->pending);
    p->pending = NULL;
    p->cappending = 0;
}
