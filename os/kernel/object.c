/*
 * Kernel objects: allocation with sequential ids, reference counting, and signals.
 *
 * An object lives while handles or kernel references hold it; the last unref destroys it
 * through its type's destructor. Signals are a 64-bit word per object; changing them wakes
 * the threads observing it in wait_many/receive whose mask now matches. Observers are
 * woken in the order they started waiting (list order), never by host pointer.
 */

#include "kernel_internal.h"

void vk_object_init(struct vk_kernel *k, struct vk_object *o, uint32_t type)
{
    o->type = type;
    o->refs = 1;
    o->id = ++k->next_object_id;
    o->signals = 0;
    vk_list_init(&o->observers);
    k->stats.objects_live++;
}

void *vk_object_new(struct vk_kernel *k, uint32_t type, size_t size)
{
    struct vk_object *o = vk_plat_alloc(size);
    if (!o)
        return NULL;
    vk_object_init(k, o, type);
    return o;
}

void vk_object_ref(struct vk_object *o)
{
    o->refs++;
}

static void object_destroy(struct vk_kernel *k, struct vk_object *o)
{
    switch (o->type) {
    case VK_OBJ_ENDPOINT:
        vk_endpoint_destroy(k, (struct vk_endpoint *)o);
        break;
    case VK_OBJ_NOTIFICATION:
        vk_notification_destroy(k, (struct vk_notification *)o);
        break;
    case VK_OBJ_VMO:
        vk_vmo_destroy(k, (struct vk_vmo *)o);
        break;
    case VK_OBJ_DEVICE:
        vk_device_destroy(k, (struct vk_device *)o);
        break;
    case VK_OBJ_DMA_DOMAIN:
        vk_dma_domain_destroy(k, (struct vk_dma_domain *)o);
        break;
    case VK_OBJ_PROCESS:
        vk_process_destroy(k, (struct vk_process *)o);
        return; /* frees itself */
    case VK_OBJ_THREAD:
        vk_thread_destroy(k, VK_CONTAINER_OF(o, struct vk_thread, o));
        return;
    default:
        break;
    }
    k->stats.objects_live--;
    vk_plat_free(o);
}

void vk_object_unref(struct vk_kernel *k, struct vk_object *o)
{
    if (--o->refs == 0)
        object_destroy(k, o);
}

void vk_object_signal(struct vk_kernel *k, struct vk_object *o, uint64_t set, uint64_t clear)
{
    o->signals = (o->signals & ~clear) | set;
    if (!set)
        return;
    for (struct vk_list *l = o->observers.next; l != &o->observers; l = l->next) {
        struct vk_observer *ob = VK_CONTAINER_OF(l, struct vk_observer, link);
        if (o->signals & ob->mask)
            vk_wake(k, ob->thread, (long)ob->index);
    }
}
