/*
 * Memory objects, mappings and guest-memory access checks.
 *
 * The platform places a memory object's pages and maps them into a process
 * (vk_plat_map: vrsim maps every object at one address in all processes, a real kernel
 * wherever the process's page tables have room); the kernel keeps each process's mapping
 * list, which it consults for every guest address it is handed. The check is the API-level
 * enforcement of capabilities; the platform's copies catch holes that a range check cannot
 * see (unmapped pages inside a process's own region) with -VK_EFAULT.
 *
 * Accounting: an object created by a process is charged to it (vmo_bytes, vmo_count) from
 * creation until destruction, and holds a reference to it for that long, so the charge
 * follows the creator and not the handles: passing objects to others does not escape the
 * limits (VK_PROC_VMO_BYTES_MAX, VK_PROC_VMO_MAX in kcall.h). The platform enforces the
 * machine's limits in vk_plat_pages_alloc. Objects the kernel makes for itself (the boot
 * image) have no owner.
 */

#include "kernel_internal.h"

#define VMO_MAX_SIZE (1ull << 32)
#define PAGE 4096ull

int vk_uaccess_ok(struct vk_process *p, uint64_t addr, uint64_t len, uint32_t prot)
{
    if (len == 0)
        return 0;
    uint64_t end = addr + len;
    if (end < addr)
        return -VK_EFAULT;
    if (addr >= p->base && end <= p->limit)
        return 0;
    for (uint32_t i = 0; i < p->nmaps; i++) {
        const struct vk_mapping *m = &p->maps[i];
        if (addr >= m->start && end <= m->end)
            return (m->prot & prot) == prot ? 0 : -VK_EFAULT;
    }
    return -VK_EFAULT;
}

int vk_copy_in(struct vk_kernel *k, void *dst, uint64_t uaddr, size_t len)
{
    if (vk_uaccess_ok(k->cur->proc, uaddr, len, VK_RIGHT_READ))
        return -VK_EFAULT;
    return len ? vk_plat_copy_in(k, k->cur->proc, dst, uaddr, len) : 0;
}

int vk_copy_out(struct vk_kernel *k, uint64_t uaddr, const void *src, size_t len)
{
    if (vk_uaccess_ok(k->cur->proc, uaddr, len, VK_RIGHT_WRITE))
        return -VK_EFAULT;
    return len ? vk_plat_copy_out(k, k->cur->proc, uaddr, src, len) : 0;
}

int vk_map_add(struct vk_process *p, uint64_t start, uint64_t end, uint32_t prot,
               struct vk_vmo *vmo)
{
    if (p->nmaps >= VK_PROCESS_MAPPINGS_MAX)
        return -VK_ENOMEM; /* the mapping list is bounded (kcall.h) */
    if (p->nmaps == p->capmaps) {
        uint32_t cap = p->capmaps ? p->capmaps * 2 : 8;
        struct vk_mapping *m = vk_plat_realloc(p->maps, cap * sizeof *m);
        if (!m)
            return -VK_ENOMEM;
        p->maps = m;
        p->capmaps = cap;
    }
    p->maps[p->nmaps++] = (struct vk_mapping){start, end, prot, 0, vmo};
    if (vmo) {
        vk_object_ref(&vmo->o);
        vmo->mappings++;
    }
    return 0;
}

static void map_remove(struct vk_kernel *k, struct vk_process *p, uint32_t i)
{
    struct vk_vmo *v = p->maps[i].vmo;
    if (v)
        vk_plat_unmap(k, p, v, p->maps[i].start);
    vk_memmove(&p->maps[i], &p->maps[i + 1], (p->nmaps - i - 1) * sizeof p->maps[0]);
    p->nmaps--;
    if (v) {
        v->mappings--;
        vk_object_unref(k, &v->o);
    }
}

void vk_maps_release(struct vk_kernel *k, struct vk_process *p)
{
    while (p->nmaps)
        map_remove(k, p, p->nmaps - 1);
    vk_plat_free(p->maps);
    p->maps = NULL;
    p->capmaps = 0;
}

static struct vk_vmo *vmo_new(struct vk_kernel *k, uint64_t size, int readonly,
                              struct vk_process *owner)
{
    if (size == 0 || size > VMO_MAX_SIZE)
        return NULL;
    size = (size + PAGE - 1) & ~(PAGE - 1);
    struct vk_vmo *v = vk_object_new(k, VK_OBJ_VMO, sizeof *v);
    if (!v)
        return NULL;
    if (vk_plat_pages_alloc(k, size, &v->addr)) {
        v->size = 0;
        vk_object_unref(k, &v->o);
        return NULL;
    }
    v->size = size;
    v->readonly = readonly;
    if (owner) {
        vk_object_ref(&owner->o);
        owner->vmo_bytes += size;
        owner->vmo_count++;
        v->owner = owner;
    }
    return v;
}

struct vk_vmo *vk_vmo_create_kernel(struct vk_kernel *k, uint64_t size, int readonly)
{
    return vmo_new(k, size, readonly, NULL);
}

void vk_vmo_destroy(struct vk_kernel *k, struct vk_vmo *v)
{
    if (v->size)
        vk_plat_pages_free(k, v->addr, v->size);
    struct vk_process *owner = v->owner;
    if (owner) {
        owner->vmo_bytes -= v->size;
        owner->vmo_count--;
        v->owner = NULL;
        vk_object_unref(k, &owner->o);
    }
}

long vk_sys_vmo_create(struct vk_kernel *k, uint64_t size, uint64_t out)
{
    if (size == 0 || size > VMO_MAX_SIZE)
        return -VK_EINVAL;
    struct vk_process *p = k->cur->proc;
    uint64_t rounded = (size + PAGE - 1) & ~(PAGE - 1);
    if (p->vmo_count >= VK_PROC_VMO_MAX || rounded > VK_PROC_VMO_BYTES_MAX - p->vmo_bytes)
        return -VK_ENOMEM;      /* this process's share of the machine */
    struct vk_handle_resv resv; /* before the object exists: a failed call allocates nothing */
    int rc = vk_handle_reserve_out(k, out, &resv);
    if (rc)
        return rc;
    struct vk_vmo *v = vmo_new(k, size, 0, p);
    if (!v) {
        vk_handle_unreserve(k, &resv);
        return -VK_ENOMEM;
    }
    vk_handle_commit_out(
        k, &resv, &v->o,
        VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MAP | VK_RIGHT_DUP | VK_RIGHT_TRANSFER, 0, NULL);
    vk_object_unref(k, &v->o);
    return 0;
}

long vk_sys_vmo_map(struct vk_kernel *k, uint32_t h, uint32_t prot, uint64_t out)
{
    struct vk_process *p = k->cur->proc;
    if (!prot || (prot & ~(VK_RIGHT_READ | VK_RIGHT_WRITE)))
        return -VK_EINVAL;
    struct vk_handle_entry *e;
    int rc = vk_handle_get(&p->handles, h, VK_OBJ_VMO, VK_RIGHT_MAP | prot, &e);
    if (rc)
        return rc;
    struct vk_vmo *v = (struct vk_vmo *)e->obj;
    if (v->readonly && (prot & VK_RIGHT_WRITE))
        return -VK_EPERM;
    if (vk_uaccess_ok(p, out, 8, VK_RIGHT_WRITE))
        return -VK_EFAULT;
    uint64_t at;
    if ((rc = vk_plat_map(k, p, v, prot | VK_RIGHT_READ, &at)))
        return rc;
    if ((rc = vk_map_add(p, at, at + v->size, prot | VK_RIGHT_READ, v))) {
        vk_plat_unmap(k, p, v, at);
        return rc;
    }
    if ((rc = vk_copy_out(k, out, &at, 8)))
        map_remove(k, p, p->nmaps - 1);
    return rc;
}

long vk_sys_vmo_unmap(struct vk_kernel *k, uint64_t addr)
{
    struct vk_process *p = k->cur->proc;
    for (uint32_t i = p->nmaps; i-- > 0;) {
        if (p->maps[i].vmo && p->maps[i].start == addr) {
            map_remove(k, p, i);
            return 0;
        }
    }
    return -VK_EINVAL;
}
