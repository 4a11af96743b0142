/*
 * init's start-handle assembly (os/init/start.c), against a fake kernel that can fail any of
 * its calls: what a service, the namespace service and the console program get (roles, order,
 * the control badge), and that every result is checked: a failed call fails the assembly,
 * closes every handle made so far, and never lets a handle that was not made (the fake
 * writes garbage into the output of a failed call) reach the list or a close.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "os/init/svc.h"
#include "veridian/caps.h"
#include "veridian/init.h"
#include "veridian/kcall.h"

#define GARBAGE 0xdeadbeefu
#define FIRST_MADE 100u
#define MAX_MADE 64u

/* The fake kernel: handles FIRST_MADE, FIRST_MADE + 1, ... are made; calls are counted and
 * call number fail_at (1-based) fails, writing garbage to its output. */
struct fake {
    unsigned calls, fail_at;
    int live[MAX_MADE]; /* made and not closed */
    unsigned made, bad_closes;
    uint64_t last_badge;
    int session_none; /* the namespace does not run */
    int session_calls;
    int session_failed; /* the failed call was the session's */
};

static long make(struct fake *f, uint32_t *out)
{
    if (++f->calls == f->fail_at) {
        *out = GARBAGE;
        f->session_failed = 0;
        return -VK_ENOMEM;
    }
    ck_assert_uint_lt(f->made, MAX_MADE);
    f->live[f->made] = 1;
    *out = FIRST_MADE + f->made++;
    return 0;
}

static long f_dup(void *ctx, uint32_t h, uint32_t rights, uint32_t *out)
{
    (void)h;
    (void)rights;
    return make(ctx, out);
}

static long f_mint(void *ctx, uint64_t badge, uint32_t *out)
{
    ((struct fake *)ctx)->last_badge = badge;
    return make(ctx, out);
}

static long f_serve(void *ctx, uint32_t *out)
{
    return make(ctx, out);
}

static long f_session(void *ctx, uint32_t uid, uint32_t gid, uint32_t *out)
{
    struct fake *f = ctx;
    (void)uid;
    (void)gid;
    f->session_calls++;
    if (f->session_none) {
        *out = 0;
        return 0;
    }
    long rc = make(f, out);
    f->session_failed = rc != 0;
    return rc;
}

static void f_close(void *ctx, uint32_t h)
{
    struct fake *f = ctx;
    if (h < FIRST_MADE || h - FIRST_MADE >= f->made || !f->live[h - FIRST_MADE]) {
        f->bad_closes++; /* not made, or closed twice */
        return;
    }
    f->live[h - FIRST_MADE] = 0;
}

static const struct init_start_ops fake_ops = {
    .dup = f_dup, .mint_control = f_mint, .serve = f_serve, .session = f_session, .close = f_close};

static unsigned live(const struct fake *f)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->made; i++)
        n += f->live[i] != 0;
    return n;
}

static struct init_start_spec base(void)
{
    return (struct init_start_spec){.console_in = 1,
                                    .console_out = 2,
                                    .console_err = 3,
                                    .bootfs = 4,
                                    .root = 5,
                                    .uid = 60001,
                                    .gid = 60001};
}

/* Every handle in the list was made (or is one of ours, copied), every moved one is live. */
static void check_list(const struct fake *f, const struct init_start *st)
{
    for (size_t i = 0; i < st->n; i++) {
        uint32_t h = st->hs[i].handle;
        ck_assert_uint_ne(h, GARBAGE);
        if (st->hs[i].role & VK_START_MOVE) {
            ck_assert_uint_ge(h, FIRST_MADE);
            ck_assert(f->live[h - FIRST_MADE]);
        } else {
            ck_assert_uint_le(h, 5);
        }
    }
}

static void check_roles(const struct init_start *st, const uint32_t *roles, size_t n)
{
    ck_assert_uint_eq(st->n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(st->hs[i].role & ~VK_START_MOVE, roles[i]);
}

START_TEST(test_service)
{
    struct fake f = {0};
    struct init_start st;
    struct init_start_spec sp = base();
    sp.resource_rights = VK_RIGHT_FS_MOUNT;
    sp.caps = VK_RIGHT_FS_MOUNT | VK_RIGHT_SVC_CONTROL;
    sp.control_badge = 3;
    sp.ready = 9;
    ck_assert_int_eq(init_start_assemble(&fake_ops, &f, &sp, &st), 0);
    static const uint32_t roles[] = {VK_ROLE_STDIN,  VK_ROLE_STDOUT,  VK_ROLE_STDERR,
                                     VK_ROLE_BOOTFS, VK_ROLE_SPAWNER, VK_ROLE_INIT,
                                     VK_ROLE_NSROOT, VK_ROLE_READY};
    check_roles(&st, roles, sizeof roles / sizeof roles[0]);
    check_list(&f, &st);
    ck_assert_uint_eq(f.last_badge, 3 | VK_INIT_BADGE_CONTROL);
    ck_assert_uint_eq(st.nowned, 5);
    ck_assert_uint_eq(live(&f), 5);
    init_start_release(&fake_ops, &f, &st); /* the spawn failed */
    ck_assert_uint_eq(live(&f), 0);
    ck_assert_uint_eq(f.bad_closes, 0);
}
END_TEST

START_TEST(test_namespace_and_console)
{
    struct fake f = {0};
    struct init_start st;
    struct init_start_spec sp = base();
    sp.is_namespace = 1;
    sp.control_badge = 1;
    ck_assert_int_eq(init_start_assemble(&fake_ops, &f, &sp, &st), 0);
    static const uint32_t ns[] = {VK_ROLE_STDIN, VK_ROLE_STDOUT, VK_ROLE_STDERR, VK_ROLE_BOOTFS,
                                  VK_ROLE_INIT,  VK_ROLE_SERVE,  VK_ROLE_CONSOLE};
    check_roles(&st, ns, sizeof ns / sizeof ns[0]);
    check_list(&f, &st);
    ck_assert_uint_eq(f.last_badge, 1); /* no CAP_SVC_CONTROL: no control bit */
    ck_assert_int_eq(f.session_calls, 0);
    st.nowned = 0; /* spawned: moved */
    init_start_release(&fake_ops, &f, &st);

    /* the console program before the namespace runs: the spawn right, no session */
    struct fake g = {.session_none = 1};
    sp = base();
    sp.resource_rights = VK_RIGHT_SPAWN;
    ck_assert_int_eq(init_start_assemble(&fake_ops, &g, &sp, &st), 0);
    static const uint32_t con[] = {VK_ROLE_STDIN,  VK_ROLE_STDOUT,  VK_ROLE_STDERR,
                                   VK_ROLE_BOOTFS, VK_ROLE_SPAWNER, VK_ROLE_INIT};
    check_roles(&st, con, sizeof con / sizeof con[0]);
    check_list(&g, &st);
    ck_assert_int_eq(g.session_calls, 1);
}
END_TEST

/* Fail each call in turn, for each kind of program: the assembly fails (a failed session
 * excepted: the program starts without one) and leaves nothing behind. */
START_TEST(test_every_failure)
{
    for (int kind = 0; kind < 3; kind++) {
        struct init_start_spec sp = base();
        if (kind == 0) { /* a service with everything */
            sp.resource_rights = VK_RIGHT_NET_RAW;
            sp.caps = VK_RIGHT_NET_RAW;
            sp.ready = 9;
        } else if (kind == 1) { /* the namespace */
            sp.is_namespace = 1;
            sp.ready = 9;
        } else { /* the console program */
            sp.resource_rights = VK_RIGHT_SPAWN;
        }
        struct fake all = {0};
        struct init_start st;
        ck_assert_int_eq(init_start_assemble(&fake_ops, &all, &sp, &st), 0);
        unsigned ncalls = all.calls;
        ck_assert_uint_ge(ncalls, 3);
        for (unsigned k = 1; k <= ncalls; k++) {
            struct fake f = {.fail_at = k};
            memset(&st, 0x5a, sizeof st);
            long rc = init_start_assemble(&fake_ops, &f, &sp, &st);
            if (f.session_failed) { /* it starts without a session */
                ck_assert_int_eq(rc, 0);
                for (size_t i = 0; i < st.n; i++)
                    ck_assert_uint_ne(st.hs[i].role & ~VK_START_MOVE, VK_ROLE_NSROOT);
                check_list(&f, &st);
                init_start_release(&fake_ops, &f, &st);
            } else {
                ck_assert_int_eq(rc, -VK_ENOMEM);
                ck_assert_uint_eq(st.n, 0);
                ck_assert_uint_eq(st.nowned, 0);
            }
            ck_assert_msg(live(&f) == 0, "kind %d, call %u failed: %u handles leaked", kind, k,
                          live(&f));
            ck_assert_msg(f.bad_closes == 0, "kind %d, call %u failed: a handle not made closed",
                          kind, k);
        }
    }
}
END_TEST

static Suite *start_suite(void)
{
    Suite *s = suite_create("start");
    TCase *tc = tcase_create("start");
    tcase_add_test(tc, test_service);
    tcase_add_test(tc, test_namespace_and_console);
    tcase_add_test(tc, test_every_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(start_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
