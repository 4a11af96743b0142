/*
 * pthreads' threads: create/join/detach/exit/self/equal, attributes, thread-specific data
 * and pthread_once. The synchronization objects are in pthread_sync.c, semaphores in sem.c.
 *
 * A thread's block (struct __pthread) holds its control block first (the kernel's self value
 * points at it, so errno and TSD are per thread), then its result, kernel handle and stack
 * allocation. `dstate` is the join protocol and a futex word: JOINABLE -> EXITED when the
 * thread ends (joiners wait for that), JOINABLE -> DETACHED on pthread_detach; an exiting
 * thread that finds DETACHED puts itself on the zombie list instead. A block is freed only
 * once the kernel reports its thread EXITED (its stack is no longer in use): by the joiner,
 * or, for zombies, by the next pthread_create/join/detach of another thread.
 *
 * The main thread's block is static; a thread started with the native vr_thread_start gets
 * one the first time it asks (never freed). The last thread to pthread_exit ends the process
 * with exit(0), so stdio is flushed as when main returns (a native thread that once called
 * a pthread function counts as live until the process ends: it never calls pthread_exit).
 */
#include "libc.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

enum { JOINABLE = 0, EXITED = 1, DETACHED = 2 };

struct __pthread {
    struct vr_tcb tcb; /* first: the self value points here */
    void *(*fn)(void *);
    void *arg;
    void *result;
    uint32_t dstate; /* JOINABLE/EXITED/DETACHED: a futex word */
    uint32_t handle; /* the kernel thread; 0 for the main thread */
    void *mem;       /* this block and the stack, from malloc */
    struct __pthread *next_zombie;
    struct {
        void *value;
        uint32_t gen; /* the key generation the value was set under */
    } tsd[PTHREAD_KEYS_MAX];
};

static struct __pthread main_thread = {.handle = 0};
static struct vr_lock zombie_lock = VR_LOCK_INIT;
static struct __pthread *zombies;
static uint32_t live_threads = 1; /* threads that may still call pthread_exit */

/* The keys: a destructor per slot, whether the slot is in use, and its generation, bumped
 * when the key is deleted. A pthread_key_t is gen * PTHREAD_KEYS_MAX + slot, and a thread's
 * value counts only under the generation it was set with: a key created in a deleted key's
 * slot starts at NULL in every thread without visiting them. */
static struct vr_lock key_lock = VR_LOCK_INIT;
static struct {
    uint32_t used;
    uint32_t gen;
    void (*destructor)(void *);
} keys[PTHREAD_KEYS_MAX];

pthread_t pthread_self(void)
{
    struct vr_tcb *t = vr_tcb_current();

    if (t->pthread)
        return t->pthread;
    if (t == &vr_main_tcb) {
        main_thread.dstate = JOINABLE;
        t->pthread = &main_thread;
        return &main_thread;
    }
    /* a native thread (vr_thread_start): give it a block of its own */
    struct __pthread *p = calloc(1, sizeof *p);
    if (!p)
        vr_fatal("pthread_self: out of memory\n");
    p->dstate = DETACHED;
    __atomic_add_fetch(&live_threads, 1, __ATOMIC_RELAXED);
    t->pthread = p;
    return p;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

/* Wait for the kernel thread to be gone, then give its handle and memory back. */
static void reclaim(struct __pthread *p)
{
    struct vk_wait w = {.handle = p->handle, .mask = VK_SIG_EXITED};

    while (vk_wait_many(&w, 1, VK_DEADLINE_NEVER) == -VK_EINTR)
        ;
    vk_handle_close(p->handle);
    free(p->mem);
}

static void reap_zombies(void)
{
    struct __pthread *list;

    if (!__atomic_load_n(&zombies, __ATOMIC_ACQUIRE))
        return;
    vr_lock_acquire(&zombie_lock);
    list = zombies;
    zombies = NULL;
    vr_lock_release(&zombie_lock);
    while (list) {
        struct __pthread *next = list->next_zombie;
        reclaim(list);
        list = next;
    }
}

static void run_tsd_destructors(struct __pthread *self)
{
    for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
        int ran = 0;
        for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
            void *v = self->tsd[k].value;
            void (*d)(void *) = keys[k].used ? keys[k].destructor : NULL;
            if (!v || !d || self->tsd[k].gen != keys[k].gen)
                continue;
            self->tsd[k].value = NULL;
            d(v);
            ran = 1;
        }
        if (!ran)
            break;
    }
}

_Noreturn void pthread_exit(void *result)
{
    struct __pthread *self = pthread_self();
    uint32_t expected = JOINABLE;

    run_tsd_destructors(self);
    self->result = result;
    if (__atomic_sub_fetch(&live_threads, 1, __ATOMIC_ACQ_REL) == 0)
        exit(0); /* the last thread: end the process as main's return would */
    if (self == &main_thread || !self->mem) {
        /* the main thread's (or a native thread's) block is not ours to free */
        __atomic_store_n(&self->dstate, EXITED, __ATOMIC_RELEASE);
        vk_futex_wake(&self->dstate, UINT32_MAX);
        vk_thread_exit(0);
    }
    if (__atomic_compare_exchange_n(&self->dstate, &expected, EXITED, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        vk_futex_wake(&self->dstate, UINT32_MAX);
    } else {
        /* detached: the next reaper frees us once the kernel says we are gone */
        vr_lock_acquire(&zombie_lock);
        self->next_zombie = zombies;
        __atomic_store_n(&zombies, self, __ATOMIC_RELEASE);
        vr_lock_release(&zombie_lock);
    }
    vk_thread_exit(0);
}

static void thread_entry(void *arg)
{
    struct __pthread *self = arg;

    pthread_exit(self->fn(self->arg));
}

int pthread_attr_init(pthread_attr_t *attr)
{
    attr->stacksize = PTHREAD_STACK_DEFAULT;
    attr->detachstate = PTHREAD_CREATE_JOINABLE;
    attr->initialized = 1;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
    attr->initialized = 0;
    return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
    if (size < PTHREAD_STACK_MIN || size > ((size_t)1 << 40))
        return EINVAL;
    attr->stacksize = size;
    return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
    *size = attr->stacksize;
    return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
    if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
        return EINVAL;
    attr->detachstate = state;
    return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
    *state = attr->detachstate;
    return 0;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    size_t stack = attr ? attr->stacksize : PTHREAD_STACK_DEFAULT;
    int detached = attr && attr->detachstate == PTHREAD_CREATE_DETACHED;
    size_t block = (sizeof(struct __pthread) + 63) & ~(size_t)63;
    struct __pthread *p;
    char *mem;
    long rc;

    pthread_self(); /* the creator has a block (and the main thread is counted) */
    reap_zombies();
    stack = (stack + 63) & ~(size_t)63;
    mem = malloc(block + stack);
    if (!mem)
        return EAGAIN;
    p = (struct __pthread *)mem;
    memset(p, 0, sizeof *p);
    p->tcb.self = &p->tcb;
    p->tcb.pthread = p;
    p->fn = fn;
    p->arg = arg;
    p->mem = mem;
    p->dstate = detached ? DETACHED : JOINABLE;
    __atomic_add_fetch(&live_threads, 1, __ATOMIC_RELAXED);
    uintptr_t top = ((uintptr_t)mem + block + stack) & ~(uintptr_t)15;
    rc = vk_thread_create(thread_entry, p, (void *)top, &p->tcb, &p->handle);
    if (rc < 0) {
        __atomic_sub_fetch(&live_threads, 1, __ATOMIC_RELAXED);
        free(mem);
        return rc == -VK_ENOMEM || rc == -VK_EAGAIN ? EAGAIN : (int)-rc;
    }
    *thread = p;
    return 0;
}

int pthread_join(pthread_t t, void **result)
{
    uint32_t s;

    if (t == pthread_self())
        return EDEADLK;
    reap_zombies();
    while ((s = __atomic_load_n(&t->dstate, __ATOMIC_ACQUIRE)) == JOINABLE)
        vk_futex_wait(&t->dstate, JOINABLE, VK_DEADLINE_NEVER);
    if (s != EXITED)
        return EINVAL;
    if (result)
        *result = t->result;
    if (t->mem)
        reclaim(t);
    return 0;
}

int pthread_detach(pthread_t t)
{
    uint32_t expected = JOINABLE;

    if (__atomic_compare_exchange_n(&t->dstate, &expected, DETACHED, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        reap_zombies();
        return 0;
    }
    if (expected == DETACHED)
        return EINVAL;
    /* it has already ended: nobody will join it, so reclaim it now */
    if (t->mem)
        reclaim(t);
    return 0;
}

int sched_yield(void)
{
    vk_thread_yield();
    return 0;
}

/* ---- thread-specific data ---- */

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
    vr_lock_acquire(&key_lock);
    for (unsigned k = 0; k < PTHREAD_KEYS_MAX; k++) {
        if (keys[k].used)
            continue;
        keys[k].used = 1;
        keys[k].destructor = destructor;
        *key = keys[k].gen * PTHREAD_KEYS_MAX + k;
        vr_lock_release(&key_lock);
        return 0;
    }
    vr_lock_release(&key_lock);
    return EAGAIN;
}

/* The slot of a live key, or -1. */
static int key_slot(pthread_key_t key)
{
    unsigned k = key % PTHREAD_KEYS_MAX;

    if (!keys[k].used || keys[k].gen != key / PTHREAD_KEYS_MAX)
        return -1;
    return (int)k;
}

int pthread_key_delete(pthread_key_t key)
{
    int rc = EINVAL;

    vr_lock_acquire(&key_lock);
    int k = key_slot(key);
    if (k >= 0) {
        keys[k].used = 0;
        keys[k].destructor = NULL;
        /* generations wrap after 2^32 / PTHREAD_KEYS_MAX reuses of one slot */
        keys[k].gen = (keys[k].gen + 1) % (UINT32_MAX / PTHREAD_KEYS_MAX);
        rc = 0;
    }
    vr_lock_release(&key_lock);
    return rc;
}

void *pthread_getspecific(pthread_key_t key)
{
    int k = key_slot(key);
    struct __pthread *self;

    if (k < 0)
        return NULL;
    self = pthread_self();
    return self->tsd[k].gen == keys[k].gen ? self->tsd[k].value : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
    int k = key_slot(key);
    struct __pthread *self;

    if (k < 0)
        return EINVAL;
    self = pthread_self();
    self->tsd[k].value = (void *)value;
    self->tsd[k].gen = keys[k].gen;
    return 0;
}

/* ---- once ---- */

enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2, ONCE_WAITED = 3 };

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    uint32_t s = __atomic_load_n(&once->state, __ATOMIC_ACQUIRE);

    while (s != ONCE_DONE) {
        if (s == ONCE_NEW) {
            if (!__atomic_compare_exchange_n(&once->state, &s, ONCE_RUNNING, 0, __ATOMIC_ACQUIRE,
                                             __ATOMIC_ACQUIRE))
                continue;
            fn();
            if (__atomic_exchange_n(&once->state, ONCE_DONE, __ATOMIC_RELEASE) == ONCE_WAITED)
                vk_futex_wake(&once->state, UINT32_MAX);
            return 0;
        }
        if (s == ONCE_RUNNING && !__atomic_compare_exchange_n(&once->state, &s, ONCE_WAITED, 0,
                                                              __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
            continue;
        vk_futex_wait(&once->state, ONCE_WAITED, VK_DEADLINE_NEVER);
        s = __atomic_load_n(&once->state, __ATOMIC_ACQUIRE);
    }
    return 0;
}
