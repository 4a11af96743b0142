/*
 * Ending a process: atexit/at_quick_exit handlers (32 without allocating, more from
 * malloc), exit (handlers in reverse order of registration, including ones registered
 * while exiting, then stdio flushed, then VK_NR_PROCESS_EXIT), quick_exit, _Exit, and
 * abort: "abort() called" on stderr and exit status 134 (128 + SIGABRT, as a shell shows a
 * process killed by SIGABRT); there are no signals to raise, and stdio is not flushed
 * (abort may come from a corrupted heap or a broken stream).
 */
#include "libc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define HANDLERS_PER_BLOCK 32

struct handler_block {
    struct handler_block *prev; /* older block */
    int count;
    void (*fn[HANDLERS_PER_BLOCK])(void);
};

struct handler_list {
    struct vr_lock lock;
    struct handler_block first;
    struct handler_block *top;
};

static struct handler_list at_exit = {VR_LOCK_INIT, {NULL, 0, {NULL}}, NULL};
static struct handler_list at_quick = {VR_LOCK_INIT, {NULL, 0, {NULL}}, NULL};

static int push_handler(struct handler_list *l, void (*fn)(void))
{
    int rc = 0;

    vr_lock_acquire(&l->lock);
    if (!l->top)
        l->top = &l->first;
    if (l->top->count == HANDLERS_PER_BLOCK) {
        struct handler_block *b = calloc(1, sizeof *b);
        if (!b) {
            rc = -1;
            goto out;
        }
        b->prev = l->top;
        l->top = b;
    }
    l->top->fn[l->top->count++] = fn;
out:
    vr_lock_release(&l->lock);
    return rc;
}

/* Pop and call handlers until none is left; the lock is not held during a call. */
static void run_handlers(struct handler_list *l)
{
    for (;;) {
        void (*fn)(void) = NULL;
        vr_lock_acquire(&l->lock);
        while (l->top && l->top->count == 0 && l->top->prev)
            l->top = l->top->prev; /* blocks are not freed: we are exiting */
        if (l->top && l->top->count)
            fn = l->top->fn[--l->top->count];
        vr_lock_release(&l->lock);
        if (!fn)
            return;
        fn();
    }
}

int atexit(void (*fn)(void))
{
    return push_handler(&at_exit, fn);
}

int at_quick_exit(void (*fn)(void))
{
    return push_handler(&at_quick, fn);
}

void exit(int status)
{
    run_handlers(&at_exit);
    vr_stdio_flush_all();
    vk_process_exit(status);
}

void quick_exit(int status)
{
    run_handlers(&at_quick);
    vk_process_exit(status);
}

void _Exit(int status)
{
    vk_process_exit(status);
}

void abort(void)
{
    static const char msg[] = "abort() called\n";

    write(STDERR_FILENO, msg, sizeof msg - 1);
    vk_process_exit(134);
}

void vr_fatal(const char *msg)
{
    write(STDERR_FILENO, msg, vr_strlen(msg));
    abort();
}
