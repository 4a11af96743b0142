/*
 * Terminals served by a process (terminal.c): a "driver" process holds a terminal object
 * and serves two clients, each a session of its own. The session and foreground group are
 * set only on behalf of a caller named by its reply token (SETPGRP for its own group: 0; for
 * the other session's terminal: -VK_ENOTTY; CLAIM by the other session: unchanged), SIGNAL
 * reaches the foreground group of the terminal's session and nobody else, needs the SIGNAL
 * right, and bad tokens, ops, signal numbers and handles fail.
 * Job control (test_access): ACCESS for a caller of the terminal's session outside the
 * foreground group: -VK_EIO for a blocked SIGTTIN, 0 for an ignored SIGTTOU, VK_TERM_HOLD once
 * SIGTTOU stopped its group (asked again while stopped: no second signal; continued but still
 * in the background: signalled again; in the foreground: 0), -VK_EINTR with a handler (the
 * call is abandoned); 0 for the foreground and for another session.
 */
#include "kt.h"

#define SIGUSR1 10
#define OP_SETPGRP 1 /* the clients' one request: "put my group in the foreground" */

struct term_ctx {
    struct kt t;
    struct vk_process *drv, *a, *b;
    uint32_t ep_a, ep_b;
    volatile int ready, served, done;
    long r[24];
    uint64_t v[8];
    uint64_t h_pending; /* H's pending signals after its call (H is reaped by the end) */
};

static struct term_ctx C;

static void setup(void)
{
    memset(&C, 0, sizeof C);
    kt_init(&C.t, 1);
}

static void teardown(void)
{
    kt_fini(&C.t);
}

static void driver(void *arg)
{
    struct vk_kernel *k = C.t.k;
    char *s = kt_scratch(k);
    uint32_t *out = (uint32_t *)s;
    struct vk_recv *r = (struct vk_recv *)(s + 256);
    (void)arg;
    C.r[0] = kc(k, VK_NR_TERMINAL_CREATE, U(out));
    uint32_t term = out[0];
    ck_assert_int_eq(kc(k, VK_NR_ENDPOINT_CREATE, U(out)), 0);
    uint32_t ep = out[0];
    struct vk_handle_entry *e;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, ep, VK_OBJ_ENDPOINT, 0, &e), 0);
    C.ep_a = kt_give(&C.t, C.a, e->obj, VK_RIGHT_CALL, 1);
    C.ep_b = kt_give(&C.t, C.b, e->obj, VK_RIGHT_CALL, 2);
    C.ready = 1;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER), 0);
        uint32_t pgid = (uint32_t)r->msg.data[0];
        if (r->badge == 1) { /* A first: the terminal becomes its session's */
            C.r[1] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, pgid, r->token);
            C.r[2] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, pgid, r->token + 99);
        } else { /* B: another session */
            C.r[3] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, pgid, r->token);
            C.r[4] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_CLAIM, 0, r->token);
        }
        r->msg.opcode = 0;
        ck_assert_int_eq(kc(k, VK_NR_REPLY, r->token, U(&r->msg)), 0);
    }
    C.r[5] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_GETPGRP, 0, 0);
    C.r[6] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SIGNAL, SIGUSR1, 0);
    C.r[7] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SIGNAL, 0, 0);
    C.r[8] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SIGNAL, 32, 0);
    C.r[9] = kc(k, VK_NR_TERMINAL_CTL, term, 99, 0, 0);
    C.r[10] = kc(k, VK_NR_TERMINAL_CTL, ep, VK_TERM_GETPGRP, 0, 0); /* not a terminal */
    ck_assert_int_eq(kc(k, VK_NR_HANDLE_DUP, term, VK_RIGHT_READ, U(out)), 0);
    C.r[11] = kc(k, VK_NR_TERMINAL_CTL, out[0], VK_TERM_SIGNAL, SIGUSR1, 0);
    C.r[12] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, 0, 0);
    C.r[13] = kc(k, VK_NR_TERMINAL_CREATE, 0); /* a bad output address */
    C.served = 1;
    KT_WAIT_FOR(k, C.done == 2);
}

static void client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    uintptr_t i = (uintptr_t)arg;
    char *s = kt_scratch(k);
    struct vk_call *c = (struct vk_call *)s;
    struct vk_sigaction *a = (struct vk_sigaction *)(s + 512);
    uint64_t *pend = (uint64_t *)(s + 768);
    *a = (struct vk_sigaction){.handler = 0x1000u};
    ck_assert_int_eq(kc(k, VK_NR_SIGNAL_ACTION, SIGUSR1, U(a), 0), 0);
    KT_WAIT_FOR(k, C.ready);
    if (i == 1)
        KT_WAIT_FOR(k, C.r[1] != 0 || C.r[2] != 0); /* A is served first */
    memset(c, 0, sizeof *c);
    c->msg.opcode = OP_SETPGRP;
    c->msg.data[0] = k->cur->proc->pgid;
    C.r[14 + i] = kc(k, VK_NR_CALL, i ? C.ep_b : C.ep_a, U(c), VK_DEADLINE_NEVER);
    KT_WAIT_FOR(k, C.served);
    ck_assert_int_eq(kc(k, VK_NR_SIGNAL_PENDING, U(pend)), 0);
    C.v[i] = *pend;
    C.v[2 + i] = k->cur->proc->sid;
    C.done++;
}

START_TEST(test_session_rule)
{
    C.a = kt_spawn(&C.t, "a", client, (void *)0);
    C.b = kt_spawn(&C.t, "b", client, (void *)1);
    uint32_t a_pgid = C.a->pgid, a_sid = C.a->sid;
    ck_assert_uint_ne(C.a->sid, C.b->sid); /* two sessions */
    C.drv = kt_spawn(&C.t, "driver", driver, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], 0);                    /* A's group, for A */
    ck_assert_int_eq(C.r[2], -VK_ESRCH);            /* no such call */
    ck_assert_int_eq(C.r[3], -VK_ENOTTY);           /* B may not take A's terminal */
    ck_assert_int_eq(C.r[4], (long)a_sid);          /* nor claim it */
    ck_assert_int_eq(C.r[5], (long)a_pgid);         /* the foreground is A's */
    ck_assert_int_eq(C.r[6], 1);                    /* one process signalled: A */
    ck_assert_uint_eq(C.v[0], VK_SIG_BIT(SIGUSR1)); /* A has it pending (handled) */
    ck_assert_uint_eq(C.v[1], 0);                   /* B has nothing */
    ck_assert_int_eq(C.r[7], -VK_EINVAL);
    ck_assert_int_eq(C.r[8], -VK_EINVAL);
    ck_assert_int_eq(C.r[9], -VK_EINVAL);
    ck_assert_int_eq(C.r[10], -VK_EWRONGTYPE);
    ck_assert_int_eq(C.r[11], -VK_EPERM); /* no SIGNAL right */
    ck_assert_int_eq(C.r[12], -VK_EINVAL);
    ck_assert_int_eq(C.r[13], -VK_EFAULT);
    ck_assert_int_eq(C.r[14], 0);
    ck_assert_int_eq(C.r[15], 0);
}
END_TEST

#define SIGCONT_ 18
#define SIGTTIN_ 21
#define SIGTTOU_ 22

/* ACCESS: clients A (foreground), B and H (background groups of A's session), D (a session
 * of its own); B calls twice. */
static void access_driver(void *arg)
{
    struct vk_kernel *k = C.t.k;
    char *s = kt_scratch(k);
    uint32_t *out = (uint32_t *)s;
    struct vk_recv *r = (struct vk_recv *)(s + 256);
    (void)arg;
    ck_assert_int_eq(kc(k, VK_NR_TERMINAL_CREATE, U(out)), 0);
    uint32_t term = out[0];
    ck_assert_int_eq(kc(k, VK_NR_ENDPOINT_CREATE, U(out)), 0);
    uint32_t ep = out[0];
    struct vk_handle_entry *e;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, ep, VK_OBJ_ENDPOINT, 0, &e), 0);
    C.ep_a = kt_give(&C.t, C.a, e->obj, VK_RIGHT_CALL, 1);
    C.ep_b = kt_give(&C.t, C.b, e->obj, VK_RIGHT_CALL, 2);
    C.v[6] = kt_give(&C.t, (struct vk_process *)C.v[4], e->obj, VK_RIGHT_CALL, 3);
    C.v[7] = kt_give(&C.t, (struct vk_process *)C.v[5], e->obj, VK_RIGHT_CALL, 4);
    C.ready = 1;
    int b_calls = 0;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER), 0);
        uint64_t tok = r->token;
        if (r->badge == 1) { /* A: the terminal becomes its session's, A in the foreground */
            C.r[0] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, C.a->pgid, tok);
            C.r[1] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTIN_, tok);
            C.ready = 2;
        } else if (r->badge == 2 && b_calls++ == 0) { /* B, SIGTTIN blocked, SIGTTOU ignored */
            C.r[2] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTIN_, tok);
            C.r[3] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTOU_, tok);
            C.r[4] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, 23, tok);
            C.r[5] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTIN_, tok + 99);
        } else if (r->badge == 2) { /* B, SIGTTOU at its default: stop */
            C.r[6] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTOU_, tok);
            C.r[16] = C.b->stopped;
            C.r[7] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTOU_, tok);
            C.r[17] = C.b->stops;
            vk_signal_process(k, C.b, SIGCONT_, VK_SI_KERNEL); /* `bg` */
            C.r[8] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTOU_, tok);
            C.r[18] = C.b->stops;
            C.r[9] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_SETPGRP, C.b->pgid, tok);
            vk_signal_process(k, C.b, SIGCONT_, VK_SI_KERNEL); /* `fg` */
            C.r[10] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTOU_, tok);
        } else if (r->badge == 3) { /* H: a SIGTTIN handler */
            C.r[11] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTIN_, tok);
        } else { /* D: another session */
            C.r[12] = kc(k, VK_NR_TERMINAL_CTL, term, VK_TERM_ACCESS, SIGTTIN_, tok);
        }
        r->msg.opcode = 0;
        kc(k, VK_NR_REPLY, tok, U(&r->msg)); /* H's call is gone: its reply fails */
        if (r->badge == 2 && b_calls == 1)
            C.ready = 3;
    }
    C.served = 1;
    KT_WAIT_FOR(k, C.done == 4);
}

static void access_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    uintptr_t i = (uintptr_t)arg;
    char *s = kt_scratch(k);
    struct vk_call *c = (struct vk_call *)s;
    struct vk_sigaction *a = (struct vk_sigaction *)(s + 512);
    KT_WAIT_FOR(k, C.ready >= (i == 0 ? 1 : 2));
    if (i == 1) { /* B */
        *a = (struct vk_sigaction){.handler = VK_SIG_IGN};
        ck_assert_int_eq(kc(k, VK_NR_SIGNAL_ACTION, SIGTTOU_, U(a), 0), 0);
        k->cur->sig_mask |= VK_SIG_BIT(SIGTTIN_);
        memset(c, 0, sizeof *c);
        C.r[19] = kc(k, VK_NR_CALL, C.ep_b, U(c), VK_DEADLINE_NEVER);
        KT_WAIT_FOR(k, C.ready == 3);
        *a = (struct vk_sigaction){.handler = VK_SIG_DFL};
        ck_assert_int_eq(kc(k, VK_NR_SIGNAL_ACTION, SIGTTOU_, U(a), 0), 0);
    }
    if (i == 2) { /* H */
        *a = (struct vk_sigaction){.handler = 0x1000u};
        ck_assert_int_eq(kc(k, VK_NR_SIGNAL_ACTION, SIGTTIN_, U(a), 0), 0);
        KT_WAIT_FOR(k, C.ready == 3);
    }
    memset(c, 0, sizeof *c);
    uint32_t ep = i == 0 ? C.ep_a : i == 1 ? C.ep_b : (uint32_t)C.v[6 + i - 2];
    C.r[20 + i] = kc(k, VK_NR_CALL, ep, U(c), VK_DEADLINE_NEVER);
    if (i == 2)
        C.h_pending = k->cur->proc->sig_pending;
    C.done++;
}

START_TEST(test_access)
{
    C.a = kt_spawn(&C.t, "a", access_client, (void *)0);
    C.b = kt_spawn(&C.t, "b", access_client, (void *)1);
    struct vk_process *h = kt_spawn(&C.t, "h", access_client, (void *)2);
    struct vk_process *d = kt_spawn(&C.t, "d", access_client, (void *)3);
    C.v[4] = (uint64_t)(uintptr_t)h;
    C.v[5] = (uint64_t)(uintptr_t)d;
    C.b->sid = h->sid = C.a->sid; /* background groups of A's session */
    ck_assert_uint_ne(C.b->pgid, C.a->pgid);
    ck_assert_uint_ne(h->pgid, C.a->pgid);
    ck_assert_uint_ne(d->sid, C.a->sid);
    C.drv = kt_spawn(&C.t, "driver", access_driver, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], 0);            /* the foreground reads */
    ck_assert_int_eq(C.r[2], -VK_EIO);      /* SIGTTIN blocked */
    ck_assert_int_eq(C.r[3], 0);            /* SIGTTOU ignored: go on */
    ck_assert_int_eq(C.r[4], -VK_EINVAL);   /* neither SIGTTIN nor SIGTTOU */
    ck_assert_int_eq(C.r[5], -VK_ESRCH);    /* no such call */
    ck_assert_int_eq(C.r[6], VK_TERM_HOLD); /* SIGTTOU stopped B */
    ck_assert_int_eq(C.r[16], 1);
    ck_assert_int_eq(C.r[7], VK_TERM_HOLD); /* still stopped */
    ck_assert_int_eq(C.r[17], 1);           /* ... and not signalled again */
    ck_assert_int_eq(C.r[8], VK_TERM_HOLD); /* continued in the background: stopped again */
    ck_assert_int_eq(C.r[18], 2);
    ck_assert_int_eq(C.r[9], 0);
    ck_assert_int_eq(C.r[10], 0);         /* in the foreground: go on */
    ck_assert_int_eq(C.r[11], -VK_EINTR); /* a handler is due */
    ck_assert_int_eq(C.r[22], -VK_EINTR); /* and H's call was abandoned */
    ck_assert_int_eq(C.r[12], 0);         /* another session: not checked */
    ck_assert_int_eq(C.r[19], 0);
    ck_assert_int_eq(C.r[21], 0);
    ck_assert_int_eq(C.r[20], 0);
    ck_assert_int_eq(C.r[23], 0);
    ck_assert_uint_eq(C.h_pending & VK_SIG_BIT(SIGTTIN_), VK_SIG_BIT(SIGTTIN_));
}
END_TEST

Suite *terminal_suite(void);
Suite *terminal_suite(void)
{
    Suite *s = suite_create("terminal");
    TCase *tc = tcase_create("terminal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_session_rule);
    tcase_add_test(tc, test_access);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(terminal_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
