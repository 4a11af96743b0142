/*
 * Notifications, wait_many and futexes.
 *
 * A notification is a 64-bit signal word: signal ORs bits in, a wait with VK_WAIT_CLEAR
 * (or a receive on the endpoint it is bound to) takes them out. wait_many waits for any of
 * up to VK_WAIT_MAX objects' signals under a mask, with an absolute deadline; it is what
 * poll, nanosleep and timeouts are built on.
 *
 * Futex words live in guest memory and are keyed by what holds them, never by address alone
 * (an address is reused once its memory object is gone): (memory object id, offset) for a
 * word in a mapped object, (process id, address) for one in the process's own region. Ids
 * are never reused and process and object ids share one counter, so keys never collide.
 * Waiters hang in a fixed table of buckets hashed from the key (no host pointer in the hash,
 * no allocation); within a bucket they are in arrival order, and wake goes through the
 * bucket in that order, so who is woken is deterministic.
 */

#include "kernel_internal.h"

#define VK_WAIT_MAX 64u

long vk_sys_notify_create(struct vk_kernel *k, uint64_t out)
{
    struct vk_handle_resv resv;
    int rc = vk_handle_reserve_out(k, out, &resv);
    if (rc)
        return rc;
    struct vk_notification *n = vk_object_new(k, VK_OBJ_NOTIFICATION, sizeof *n);
    if (!n) {
        vk_handle_unreserve(k, &resv);
        return -VK_ENOMEM;
    }
    vk_handle_commit_out(k, &resv, &n->o,
                         VK_RIGHT_SIGNAL | VK_RIGHT_WAIT | VK_RIGHT_MINT | VK_RIGHT_DUP |
                             VK_RIGHT_TRANSFER,
                         0, NULL);
    vk_object_unref(k, &n->o);
    return 0;
}

void vk_notification_raise(struct vk_kernel *k, struct vk_notification *n, uint64_t bits)
{
    vk_object_signal(k, &n->o, bits, 0);
    if (n->bound && !vk_list_empty(&n->bound->receivers)) {
        struct vk_thread *r = VK_CONTAINER_OF(n->bound->receivers.next, struct vk_thread, ipc_link);
        vk_wake(k, r, 0);
    }
}

long vk_sys_notify_signal(struct vk_kernel *k, uint32_t h, uint64_t bits)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&k->cur->proc->handles, h, VK_OBJ_NOTIFICATION, VK_RIGHT_SIGNAL, &e);
    if (rc)
        return rc;
    if (!bits)
        return -VK_EINVAL;
    vk_trace(k, VK_TR_NOTIFY, e->obj->id, bits, 0, 0, 0);
    vk_notification_raise(k, (struct vk_notification *)e->obj, bits);
    return 0;
}

long vk_sys_notify_bind(struct vk_kernel *k, uint32_t hn, uint32_t he)
{
    struct vk_process *p = k->cur->proc;
    struct vk_handle_entry *en, *ee;
    int rc = vk_handle_get(&p->handles, hn, VK_OBJ_NOTIFICATION, VK_RIGHT_WAIT, &en);
    if (rc)
        return rc;
    if ((rc = vk_handle_get(&p->handles, he, VK_OBJ_ENDPOINT, VK_RIGHT_RECV, &ee)))
        return rc;
    struct vk_notification *n = (struct vk_notification *)en->obj;
    struct vk_endpoint *ep = (struct vk_endpoint *)ee->obj;
    if (n->bound || ep->bound)
        return -VK_EBUSY;
    vk_object_ref(&n->o);
    ep->bound = n;
    n->bound = ep; /* weak: cleared when the endpoint goes */
    if (n->o.signals)
        vk_notification_raise(k, n, 0);
    return 0;
}

void vk_notification_destroy(struct vk_kernel *k, struct vk_notification *n)
{
    (void)k;
    (void)n; /* a bound notification is kept alive by its endpoint, so nothing to undo */
}

/* What a handle must allow to be waited on, by object type. */
static int wait_rights_ok(const struct vk_handle_entry *e)
{
    switch (e->obj->type) {
    case VK_OBJ_NOTIFICATION:
    case VK_OBJ_PROCESS:
    case VK_OBJ_THREAD:
        return (e->rights & VK_RIGHT_WAIT) != 0;
    case VK_OBJ_ENDPOINT:
        return (e->rights & (VK_RIGHT_RECV | VK_RIGHT_CALL)) != 0;
    case VK_OBJ_CONSOLE:
        return (e->rights & VK_RIGHT_READ) != 0;
    default:
        return 0;
    }
}

long vk_sys_wait_many(struct vk_kernel *k, uint64_t uitems, uint64_t n, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    struct vk_process *p = t->proc;
    if (n > VK_WAIT_MAX)
        return -VK_EINVAL;
    struct vk_wait items[VK_WAIT_MAX];
    struct vk_object *objs[VK_WAIT_MAX];
    int rc;
    if (n && (rc = vk_copy_in(k, items, uitems, n * sizeof items[0])))
        return rc;
    /* written back at the end, after VK_WAIT_CLEAR took the bits: must not fail then */
    if (n && vk_uprobe_write(k, uitems, n * sizeof items[0]))
        return -VK_EFAULT;
    int console = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct vk_handle_entry *e;
        if ((rc = vk_handle_get(&p->handles, items[i].handle, 0, 0, &e)))
            return rc;
        if (!wait_rights_ok(e))
            return e->obj->type == VK_OBJ_VMO || e->obj->type == VK_OBJ_RESOURCE ||
                           e->obj->type == VK_OBJ_DEVICE || e->obj->type == VK_OBJ_DMA_DOMAIN
                       ? -VK_EWRONGTYPE
                       : -VK_EPERM;
        if (items[i].flags & ~VK_WAIT_CLEAR)
            return -VK_EINVAL;
        if ((items[i].flags & VK_WAIT_CLEAR) && e->obj->type != VK_OBJ_NOTIFICATION)
            return -VK_EINVAL;
        objs[i] = e->obj;
        console |= e->obj->type == VK_OBJ_CONSOLE;
    }
    for (uint32_t i = 0; i < n; i++)
        vk_object_ref(objs[i]);

    struct vk_observer obs[VK_WAIT_MAX];
    long r;
    for (;;) {
        long fired = -1;
        for (uint32_t i = 0; i < n; i++) {
            items[i].observed = objs[i]->signals & items[i].mask;
            if (items[i].observed && fired < 0)
                fired = i;
        }
        if (fired >= 0) {
            r = fired;
            break;
        }
        for (uint32_t i = 0; i < n; i++) {
            obs[i] = (struct vk_observer){.thread = t, .mask = items[i].mask, .index = i};
            vk_list_add_tail(&objs[i]->observers, &obs[i].link);
        }
        if (console)
            vk_plat_console_want_input(k, 1);
        r = vk_block(k, deadline);
        if (console)
            vk_plat_console_want_input(k, 0);
        for (uint32_t i = 0; i < n; i++)
            vk_list_del(&obs[i].link);
        if (r < 0)
            break;
    }
    if (r >= 0) {
        for (uint32_t i = 0; i < n; i++)
            if ((items[i].flags & VK_WAIT_CLEAR) && items[i].observed)
                vk_object_signal(k, objs[i], 0, items[i].observed);
    }
    for (uint32_t i = 0; i < n; i++)
        vk_object_unref(k, objs[i]);
    if (n && (rc = vk_copy_out(k, uitems, items, n * sizeof items[0])))
        return rc;
    return r;
}

/* The key of the futex word at uaddr as the current process sees it; prot is the access the
 * caller needs. -VK_EINVAL (unaligned), -VK_EFAULT (no such mapping). */
static int futex_key(struct vk_process *p, uint64_t uaddr, uint32_t prot, uint64_t *obj,
                     uint64_t *off)
{
    if (uaddr & 3)
        return -VK_EINVAL;
    if (uaddr >= p->base && uaddr + 4 <= p->limit) {
        *obj = p->o.id;
        *off = uaddr;
        return 0;
    }
    for (uint32_t i = 0; i < p->nmaps; i++) {
        const struct vk_mapping *m = &p->maps[i];
        if (uaddr < m->start || uaddr + 4 > m->end)
            continue;
        if ((m->prot & prot) != prot)
            return -VK_EFAULT;
        *obj = m->vmo ? m->vmo->o.id : p->o.id;
        *off = m->vmo ? uaddr - m->start : uaddr;
        return 0;
    }
    return -VK_EFAULT;
}

static struct vk_list *futex_bucket(struct vk_kernel *k, uint64_t obj, uint64_t off)
{
    uint64_t h = (obj * 0x9E3779B97F4A7C15ull) ^ (off >> 2);
    h *= 0xC2B2AE3D27D4EB4Full;
    return &k->futex_buckets[h >> 56 & (VK_FUTEX_BUCKETS - 1)];
}

long vk_sys_futex_wait(struct vk_kernel *k, uint64_t uaddr, uint32_t expected, uint64_t deadline)
{
    struct vk_thread *t = k->cur;
    uint64_t obj, off;
    int rc = futex_key(t->proc, uaddr, VK_RIGHT_READ, &obj, &off);
    if (rc)
        return rc;
    uint32_t v;
    if ((rc = vk_copy_in(k, &v, uaddr, 4)))
        return rc;
    if (v != expected)
        return -VK_EAGAIN;
    t->futex_obj = obj;
    t->futex_off = off;
    vk_list_add_tail(futex_bucket(k, obj, off), &t->futex_link);
    long r = vk_block(k, deadline);
    if (vk_list_linked(&t->futex_link))
        vk_list_del(&t->futex_link);
    return r;
}

long vk_sys_futex_wake(struct vk_kernel *k, uint64_t uaddr, uint64_t count)
{
    uint64_t obj, off;
    uint32_t v;
    int rc = futex_key(k->cur->proc, uaddr, VK_RIGHT_READ, &obj, &off);
    if (rc || (rc = vk_copy_in(k, &v, uaddr, 4))) /* a hole in our region has no mapping */
        return rc;
    struct vk_list *b = futex_bucket(k, obj, off);
    long woken = 0;
    struct vk_list *l = b->next;
    while (l != b && (uint64_t)woken < count) {
        struct vk_thread *w = VK_CONTAINER_OF(l, struct vk_thread, futex_link);
        l = l->next;
        if (w->futex_obj != obj || w->futex_off != off)
            continue;
        vk_list_del(&w->futex_link);
        vk_wake(k, w, 0);
        woken++;
    }
    return woken;
}
