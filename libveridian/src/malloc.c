/*
 * malloc and friends: the process heap, an engine heap (heap.c) whose page source is
 * memory objects (VK_NR_VMO_CREATE + VK_NR_VMO_MAP, read/write; unmapped and closed when
 * the heap gives a mapping back), behind one vr_lock. The heap starts on first use, its
 * check secret taken from AT_RANDOM. A bad free() or a corrupted heap ends the process
 * with a message on stderr (vr_fatal), never silently.
 */
#include "libc.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static struct vr_lock heap_lock = VR_LOCK_INIT;
static struct vr_heap heap;
static int heap_ready;

static int vmo_map(void *ctx, size_t size, void **addr, uint64_t *tag)
{
    uint32_t h;
    uint64_t a;
    long rc;

    (void)ctx;
    rc = vk_vmo_create(size, &h);
    if (rc < 0)
        return (int)rc;
    rc = vk_vmo_map(h, VK_RIGHT_READ | VK_RIGHT_WRITE, &a);
    if (rc < 0) {
        vk_handle_close(h);
        return (int)rc;
    }
    *addr = (void *)(uintptr_t)a;
    *tag = h;
    return 0;
}

static void vmo_unmap(void *ctx, void *addr, size_t size, uint64_t tag)
{
    (void)ctx;
    (void)size;
    vk_vmo_unmap((uint64_t)(uintptr_t)addr);
    vk_handle_close((uint32_t)tag);
}

static void heap_corrupt(void *ctx, const char *what, const void *ptr)
{
    char msg[128];

    (void)ctx;
    vr_snformat(msg, sizeof msg, "malloc: %s (%p)\n", what, ptr);
    vr_fatal(msg);
}

static const struct vr_heap_source_ops vmo_source = {
    .map = vmo_map,
    .unmap = vmo_unmap,
    .corrupt = heap_corrupt,
};

static void lock_heap(void)
{
    vr_lock_acquire(&heap_lock);
    if (!heap_ready) {
        uint64_t secret = 0x5eed5eed5eed5eedull;
        if (vr_at_random)
            memcpy(&secret, vr_at_random, sizeof secret);
        vr_heap_init(&heap, &vmo_source, NULL, secret);
        heap_ready = 1;
    }
}

static void unlock_heap(void)
{
    vr_lock_release(&heap_lock);
}

void *malloc(size_t size)
{
    lock_heap();
    void *p = vr_heap_alloc(&heap, size);
    unlock_heap();
    if (!p)
        errno = ENOMEM;
    return p;
}

void *calloc(size_t n, size_t size)
{
    lock_heap();
    void *p = vr_heap_calloc(&heap, n, size);
    unlock_heap();
    if (!p)
        errno = ENOMEM;
    return p;
}

void *realloc(void *p, size_t size)
{
    lock_heap();
    void *q = vr_heap_realloc(&heap, p, size);
    unlock_heap();
    if (!q && size)
        errno = ENOMEM;
    return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;

    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

void free(void *p)
{
    if (!p)
        return;
    lock_heap();
    vr_heap_free(&heap, p);
    unlock_heap();
}

void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    lock_heap();
    void *p = vr_heap_alloc_aligned(&heap, align, size);
    unlock_heap();
    if (!p)
        errno = ENOMEM;
    return p;
}

void *memalign(size_t align, size_t size)
{
    return aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    lock_heap();
    void *p = vr_heap_alloc_aligned(&heap, align, size);
    unlock_heap();
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    lock_heap();
    size_t n = vr_heap_usable_size(&heap, p);
    unlock_heap();
    return n;
}

void vr_malloc_stats(size_t *in_use, size_t *mapped)
{
    struct vr_heap_stats st;
    lock_heap();
    vr_heap_get_stats(&heap, &st);
    unlock_heap();
    if (in_use)
        *in_use = st.in_use;
    if (mapped)
        *mapped = st.mapped;
}
