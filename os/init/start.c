/*
 * The start handles of a program init starts: one assembly for services and the console
 * program (init.c calls it from spawn_service and start_console).
 *
 * What a program gets, in this order: the console as stdin, stdout and stderr (copies), a
 * read-only copy of the boot image (VK_ROLE_BOOTFS), a resource handle with exactly the rights
 * its capabilities grant (VK_ROLE_SPAWNER, only when it has some), a send handle to init's
 * control endpoint badged with its number and, with CAP_SVC_CONTROL, VK_INIT_BADGE_CONTROL
 * (VK_ROLE_INIT), then either the namespace endpoint's receive end and the console
 * (VK_ROLE_SERVE, VK_ROLE_CONSOLE: the namespace service) or a session of its own
 * (VK_ROLE_NSROOT, when the namespace runs), and a SIGNAL right to its readiness notification
 * (VK_ROLE_READY) when it has one.
 *
 * Every kernel call's result is checked: on any failure the handles made so far are closed
 * and the error returned, so no program ever gets a handle that was not made (the console
 * program used to get an uninitialised one when a copy failed). One exception, by design: a
 * program whose session cannot be made starts without one (as before the namespace runs),
 * never with init's. The kernel calls come through an ops table, so that a unit test can fail
 * each of them in turn (tests/unit/init).
 */
#include <string.h>

#include "os/init/svc.h"
#include "veridian/caps.h"

static void add(struct init_start *st, uint32_t h, uint32_t role, int owned)
{
    st->hs[st->n++] = (struct vk_start_handle){h, role | (owned ? VK_START_MOVE : 0)};
    if (owned)
        st->owned[st->nowned++] = h;
}

long init_start_assemble(const struct init_start_ops *ops, void *ctx,
                         const struct init_start_spec *sp, struct init_start *st)
{
    uint32_t h;
    long rc;
    memset(st, 0, sizeof *st);
    add(st, sp->console_in, VK_ROLE_STDIN, 0);
    add(st, sp->console_out, VK_ROLE_STDOUT, 0);
    add(st, sp->console_err, VK_ROLE_STDERR, 0);
    if ((rc = ops->dup(ctx, sp->bootfs, VK_RIGHT_READ | VK_RIGHT_MAP | VK_RIGHT_TRANSFER, &h)))
        goto fail;
    add(st, h, VK_ROLE_BOOTFS, 1);
    if (sp->resource_rights) { /* exactly the rights its capabilities grant */
        uint32_t res = sp->resource_rights | VK_RIGHT_DUP | VK_RIGHT_TRANSFER;
        if ((rc = ops->dup(ctx, sp->root, res, &h)))
            goto fail;
        add(st, h, VK_ROLE_SPAWNER, 1);
    }
    uint64_t badge = sp->control_badge;
    if (sp->caps & VK_RIGHT_SVC_CONTROL)
        badge |= VK_INIT_BADGE_CONTROL;
    if ((rc = ops->mint_control(ctx, badge, &h)))
        goto fail;
    add(st, h, VK_ROLE_INIT, 1);
    if (sp->is_namespace) {
        if ((rc = ops->serve(ctx, &h)))
            goto fail;
        add(st, h, VK_ROLE_SERVE, 1);
        add(st, sp->console_out, VK_ROLE_CONSOLE, 0);
    } else if (ops->session(ctx, sp->uid, sp->gid, &h) == 0 && h) {
        add(st, h, VK_ROLE_NSROOT, 1); /* none (or none to be had): it starts without one */
    }
    if (sp->ready) {
        if ((rc = ops->dup(ctx, sp->ready, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, &h)))
            goto fail;
        add(st, h, VK_ROLE_READY, 1);
    }
    return 0;
fail:
    init_start_release(ops, ctx, st);
    return rc;
}

void init_start_release(const struct init_start_ops *ops, void *ctx, struct init_start *st)
{
    while (st->nowned)
        ops->close(ctx, st->owned[--st->nowned]);
    st->n = 0;
}
