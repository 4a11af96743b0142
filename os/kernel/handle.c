/*
 * Per-process handle tables.
 *
 * A handle value is (generation << VK_HANDLE_INDEX_BITS) | index. A slot's generation
 * advances every time the slot is freed, so a stale value fails with -VK_EBADH and never
 * names a newer object; a slot whose generation would pass VK_HANDLE_GEN_MAX is retired
 * for good instead of wrapping. Free slots are reused last-freed-first, which is
 * deterministic. Rights only ever shrink (dup/mint check subsets); badges are set once.
 *
 * A kernel call that hands a new handle to the guest reserves its slot and probes the guest
 * word during decode (vk_handle_reserve_out), then commits after it acted: the commit cannot
 * fail, so the call never reports failure for something it did. A reserved slot has no
 * object (lookups fail with -VK_EBADH) and is on no free list. All tables of a machine
 * together hold at most VK_MACHINE_HANDLES_MAX handles (reserved ones included).
 */

#include "kernel_internal.h"

#define INDEX_MASK ((1u << VK_HANDLE_INDEX_BITS) - 1u)
#define MAX_SLOTS (1u << VK_HANDLE_INDEX_BITS)

int vk_handles_init(struct vk_handle_table *t)
{
    vk_memset(t, 0, sizeof *t);
    return 0;
}

static uint32_t value_of(uint32_t index, uint32_t gen)
{
    return (gen << VK_HANDLE_INDEX_BITS) | index;
}

static int grow(struct vk_handle_table *t)
{
    uint32_t cap = t->cap ? t->cap * 2 : 16;
    if (cap > MAX_SLOTS)
        cap = MAX_SLOTS;
    if (cap <= t->cap)
        return -VK_ENOSPC;
    struct vk_handle_entry *s = vk_plat_realloc(t->slots, cap * sizeof *s);
    if (!s)
        return -VK_ENOMEM;
    vk_memset(s + t->cap, 0, (cap - t->cap) * sizeof *s);
    t->slots = s;
    t->cap = cap;
    return 0;
}

uint32_t vk_handle_slots_free(const struct vk_handle_table *t)
{
    return MAX_SLOTS - t->used; /* upper bound; retired slots are rare */
}

/* Take a slot for a new handle (counted as live); *fresh tells whether it came from high. */
static int slot_take(struct vk_kernel *k, struct vk_handle_table *t, uint32_t *idx, uint32_t *fresh)
{
    if (k->stats.handles_live >= VK_MACHINE_HANDLES_MAX)
        return -VK_ENOMEM;
    if (t->free_head) {
        *idx = t->free_head - 1;
        t->free_head = t->slots[*idx].next_free;
        *fresh = 0;
    } else {
        if (t->high == t->cap) {
            int rc = grow(t);
            if (rc)
                return rc;
        }
        *idx = t->high++;
        t->slots[*idx].gen = 1;
        *fresh = 1;
    }
    t->slots[*idx].next_free = 0;
    t->used++;
    k->stats.handles_live++;
    return 0;
}

/* Put obj into the taken slot idx; returns the handle value. */
static uint32_t slot_fill(struct vk_kernel *k, struct vk_handle_table *t, uint32_t idx,
                          struct vk_object *obj, uint32_t rights, uint64_t badge, int moved)
{
    struct vk_handle_entry *e = &t->slots[idx];
    e->obj = obj;
    e->rights = rights;
    e->badge = badge;
    e->next_free = 0;
    if (!moved) {
        vk_object_ref(obj);
        if (obj->type == VK_OBJ_ENDPOINT && (rights & VK_RIGHT_RECV))
            ((struct vk_endpoint *)obj)->receiver_handles++;
        if (obj->type == VK_OBJ_ENDPOINT && (rights & VK_HANDLE_TRACKED))
            vk_endpoint_track(k, (struct vk_endpoint *)obj, badge, +1);
    }
    return value_of(idx, e->gen);
}

static int install(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                   uint32_t rights, uint64_t badge, uint32_t *out, int moved)
{
    uint32_t idx, fresh;
    int rc = slot_take(k, t, &idx, &fresh);
    if (rc)
        return rc;
    *out = slot_fill(k, t, idx, obj, rights, badge, moved);
    return 0;
}

int vk_handle_install(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                      uint32_t rights, uint64_t badge, uint32_t *out)
{
    return install(k, t, obj, rights, badge, out, 0);
}

int vk_handle_install_moved(struct vk_kernel *k, struct vk_handle_table *t, struct vk_object *obj,
                            uint32_t rights, uint64_t badge, uint32_t *out)
{
    return install(k, t, obj, rights, badge, out, 1);
}

int vk_uprobe_write(struct vk_kernel *k, uint64_t uaddr, uint64_t len)
{
    if (vk_uaccess_ok(k->cur->proc, uaddr, len, VK_RIGHT_WRITE))
        return -VK_EFAULT;
    if (len == 0)
        return 0;
    return vk_plat_probe_write(k, k->cur->proc, uaddr, len) ? -VK_EFAULT : 0;
}

int vk_handle_reserve_out(struct vk_kernel *k, uint64_t uaddr, struct vk_handle_resv *r)
{
    if (vk_uprobe_write(k, uaddr, sizeof(uint32_t)))
        return -VK_EFAULT;
    r->t = &k->cur->proc->handles;
    r->uaddr = uaddr;
    return slot_take(k, r->t, &r->idx, &r->fresh);
}

void vk_handle_commit_out(struct vk_kernel *k, struct vk_handle_resv *r, struct vk_object *obj,
                          uint32_t rights, uint64_t badge, uint32_t *h)
{
    uint32_t v = slot_fill(k, r->t, r->idx, obj, rights, badge, 0);
    /* probed writable during decode, and nothing since could unmap it */
    vk_plat_copy_out(k, k->cur->proc, r->uaddr, &v, sizeof v);
    if (h)
        *h = v;
}

void vk_handle_unreserve(struct vk_kernel *k, struct vk_handle_resv *r)
{
    struct vk_handle_table *t = r->t;
    t->used--;
    k->stats.handles_live--;
    if (r->fresh && r->idx == t->high - 1) {
        t->high--;
        return;
    }
    /* its generation was never published: the slot goes back as it was taken */
    t->slots[r->idx].next_free = t->free_head;
    t->free_head = r->idx + 1;
}

int vk_handle_install_out(struct vk_kernel *k, struct vk_object *obj, uint32_t rights,
                          uint64_t badge, uint64_t uaddr, uint32_t *h)
{
    struct vk_handle_resv r;
    int rc = vk_handle_reserve_out(k, uaddr, &r);
    if (rc)
        return rc;
    vk_handle_commit_out(k, &r, obj, rights, badge, h);
    return 0;
}

int vk_handle_get(struct vk_handle_table *t, uint32_t h, uint32_t type, uint32_t rights,
                  struct vk_handle_entry **out)
{
    uint32_t idx = h & INDEX_MASK, gen = h >> VK_HANDLE_INDEX_BITS;
    if (idx >= t->high || gen == 0)
        return -VK_EBADH;
    struct vk_handle_entry *e = &t->slots[idx];
    if (!e->obj || e->gen != gen)
        return -VK_EBADH;
    if (type && e->obj->type != type)
        return -VK_EWRONGTYPE;
    if ((e->rights & rights) != rights)
        return -VK_EPERM;
    *out = e;
    return 0;
}

static void release_slot(struct vk_handle_table *t, uint32_t idx)
{
    struct vk_handle_entry *e = &t->slots[idx];
    e->obj = NULL;
    e->rights = 0;
    e->badge = 0;
    t->used--;
    if (e->gen >= VK_HANDLE_GEN_MAX)
        return; /* retired: never reused, so old values can never alias */
    e->gen++;
    e->next_free = t->free_head;
    t->free_head = idx + 1;
}

/* Side effects of a handle going away that depend on its rights, not just the object. */
static void handle_dropped(struct vk_kernel *k, struct vk_object *o, uint32_t rights,
                           uint64_t badge)
{
    if (o->type == VK_OBJ_ENDPOINT && (rights & VK_HANDLE_TRACKED))
        vk_endpoint_track(k, (struct vk_endpoint *)o, badge, -1);
    if (o->type == VK_OBJ_ENDPOINT && (rights & VK_RIGHT_RECV))
        vk_endpoint_receiver_gone(k, (struct vk_endpoint *)o);
}

void vk_handle_drop_moved(struct vk_kernel *k, struct vk_object *obj, uint32_t rights,
                          uint64_t badge)
{
    handle_dropped(k, obj, rights, badge);
    vk_object_unref(k, obj);
}

int vk_handle_take(struct vk_kernel *k, struct vk_handle_table *t, uint32_t h,
                   struct vk_handle_entry *out)
{
    struct vk_handle_entry *e;
    int rc = vk_handle_get(t, h, 0, 0, &e);
    if (rc)
        return rc;
    *out = *e;
    release_slot(t, h & INDEX_MASK);
    k->stats.handles_live--;
    return 0;
}

int vk_handle_close(struct vk_kernel *k, struct vk_handle_table *t, uint32_t h)
{
    struct vk_handle_entry e;
    int rc = vk_handle_take(k, t, h, &e);
    if (rc)
        return rc;
    handle_dropped(k, e.obj, e.rights, e.badge);
    vk_object_unref(k, e.obj);
    return 0;
}

void vk_handles_close_except(struct vk_kernel *k, struct vk_handle_table *t, const uint32_t *keep,
                             size_t nkeep)
{
    for (uint32_t i = 0; i < t->high; i++) {
        struct vk_handle_entry *e = &t->slots[i];
        if (!e->obj)
            continue;
        uint32_t h = value_of(i, e->gen), kept = 0;
        for (size_t j = 0; j < nkeep && !kept; j++)
            kept = keep[j] == h;
        if (!kept)
            vk_handle_close(k, t, h);
    }
}

void vk_handles_close_all(struct vk_kernel *k, struct vk_handle_table *t)
{
    for (uint32_t i = 0; i < t->high; i++) {
        struct vk_handle_entry *e = &t->slots[i];
        if (!e->obj)
            continue;
        struct vk_object *o = e->obj;
        uint32_t rights = e->rights;
        uint64_t badge = e->badge;
        release_slot(t, i);
        k->stats.handles_live--;
        handle_dropped(k, o, rights, badge);
        vk_object_unref(k, o);
    }
    vk_plat_free(t->slots);
    vk_memset(t, 0, sizeof *t);
}
