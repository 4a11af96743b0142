/*
 * IPC semantics of the kernel: call/receive/reply, badges, deferred replies, bulk data,
 * handle transfer with rights reduction, peer death, deadlines and bad arguments.
 * Threads record what they saw in a shared struct; the assertions run after the machine
 * has stopped.
 */
#include "kt.h"

struct ipc_ctx {
    struct kt t;
    struct vk_process *srv, *cli;
    uint32_t ep_srv, ep_cli, ep_cli2, ep_srv2;
    volatile int ready, done;
    long r[16];
    uint64_t v[16];
};

static struct ipc_ctx C;

static void setup(void)
{
    memset(&C, 0, sizeof C);
    kt_init(&C.t, 1);
}

static void teardown(void)
{
    kt_fini(&C.t);
}

/* The server creates an endpoint and hands the client a badged send handle. */
static uint32_t make_endpoint_for_client(struct vk_kernel *k, uint64_t badge)
{
    uint32_t *out = kt_scratch(k);
    ck_assert_int_eq(kc(k, VK_NR_ENDPOINT_CREATE, U(out), 0, 0, 0, 0), 0);
    C.ep_srv = *out;
    struct vk_handle_entry *e;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, C.ep_srv, VK_OBJ_ENDPOINT, 0, &e), 0);
    C.ep_cli = kt_give(&C.t, C.cli, e->obj, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, badge);
    C.ready = 1;
    return C.ep_srv;
}

/* ---- basic call / receive / reply ---- */

static void echo_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0xbad6e);
    struct vk_recv *r = (struct vk_recv *)((char *)kt_scratch(k) + 256);
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = r->badge;
    C.v[1] = r->sender_pid;
    C.v[2] = r->msg.opcode;
    r->msg.data[0] += 1;
    r->msg.opcode = 77;
    C.r[1] = kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    C.r[2] = kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0); /* a token is one-shot */
}

static void echo_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    struct vk_call *c = kt_scratch(k);
    memset(c, 0, sizeof *c);
    c->msg.opcode = 5;
    c->msg.data[0] = 41;
    C.r[3] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    C.v[3] = c->msg.data[0];
    C.v[4] = c->msg.opcode;
}

START_TEST(test_call_receive_reply)
{
    C.cli = kt_spawn(&C.t, "client", echo_client, NULL);
    uint32_t cli_pid = C.cli->pid; /* the process object is gone after the run */
    C.srv = kt_spawn(&C.t, "server", echo_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_uint_eq(C.v[0], 0xbad6e); /* badge of the handle the client used */
    ck_assert_uint_eq(C.v[1], cli_pid);
    ck_assert_uint_eq(C.v[2], 5);
    ck_assert_int_eq(C.r[1], 0);
    ck_assert_int_eq(C.r[2], -VK_ESRCH);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_uint_eq(C.v[3], 42);
    ck_assert_uint_eq(C.v[4], 77);
}
END_TEST

/* ---- deferred replies: answer the second caller first ---- */

static void deferring_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    struct vk_recv *r1 = (struct vk_recv *)((char *)kt_scratch(k) + 256);
    struct vk_recv *r2 = r1 + 1;
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r1), VK_DEADLINE_NEVER, 0, 0);
    C.r[1] = kc(k, VK_NR_RECEIVE, ep, U(r2), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = r1->token != r2->token;
    r2->msg.data[0] *= 10;
    r1->msg.data[0] *= 10;
    C.r[2] = kc(k, VK_NR_REPLY, r2->token, U(&r2->msg), 0, 0, 0);
    kc(k, VK_NR_THREAD_YIELD, 0, 0, 0, 0, 0);
    C.r[3] = kc(k, VK_NR_REPLY, r1->token, U(&r1->msg), 0, 0, 0);
}

static void caller_n(void *arg)
{
    struct vk_kernel *k = C.t.k;
    long n = (long)(intptr_t)arg;
    KT_WAIT_FOR(k, C.ready);
    struct vk_call *c = (struct vk_call *)((char *)kt_scratch(k) + 1024 * n);
    memset(c, 0, sizeof *c);
    c->msg.data[0] = (uint64_t)n;
    C.r[4 + n] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    C.v[4 + n] = c->msg.data[0];
    C.v[8 + n] = C.t.k->now;
}

START_TEST(test_deferred_reply)
{
    C.cli = kt_spawn(&C.t, "clients", caller_n, (void *)1);
    ck_assert_int_eq(vk_thread_create_kthread(C.t.k, C.cli, caller_n, (void *)2, NULL), 0);
    C.srv = kt_spawn(&C.t, "server", deferring_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], 0);
    ck_assert_uint_eq(C.v[0], 1);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_int_eq(C.r[5], 0);
    ck_assert_int_eq(C.r[6], 0);
    ck_assert_uint_eq(C.v[5], 10);
    ck_assert_uint_eq(C.v[6], 20);
}
END_TEST

/* ---- bulk data through msg_read / msg_write ---- */

static void bulk_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    char *s = kt_scratch(k);
    struct vk_recv *r = (struct vk_recv *)(s + 256);
    char *buf = s + 4096;
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = r->send_len;
    C.v[1] = r->recv_len;
    C.r[1] = kc(k, VK_NR_MSG_READ, r->token, 6, U(buf), 100); /* "world" + NUL */
    C.v[2] = !strcmp(buf, "world");
    C.r[2] = kc(k, VK_NR_MSG_READ, r->token, 13, U(buf), 1); /* past the end */
    strcpy(buf, "reply-bytes");
    C.r[3] = kc(k, VK_NR_MSG_WRITE, r->token, 0, U(buf), 12);
    C.r[4] = kc(k, VK_NR_MSG_WRITE, r->token, 0, U(buf), 1000);            /* clipped to recv_len */
    C.r[5] = kc(k, VK_NR_MSG_READ, r->token, 0, U(s) - 4096 * 4096ull, 4); /* not our memory */
    kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    C.r[6] = kc(k, VK_NR_MSG_READ, r->token, 0, U(buf), 4); /* token used up */
}

static void bulk_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    char *s = kt_scratch(k);
    struct vk_call *c = (struct vk_call *)s;
    memset(c, 0, sizeof *c);
    strcpy(s + 512, "hello world");
    memset(s + 1024, 0, 64);
    c->send_buf = U(s + 512);
    c->send_len = 12;
    c->recv_buf = U(s + 1024);
    c->recv_len = 16;
    C.r[7] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    C.v[3] = !strcmp(s + 1024, "reply-bytes");
}

START_TEST(test_bulk_data)
{
    C.cli = kt_spawn(&C.t, "client", bulk_client, NULL);
    C.srv = kt_spawn(&C.t, "server", bulk_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_uint_eq(C.v[0], 12);
    ck_assert_uint_eq(C.v[1], 16);
    ck_assert_int_eq(C.r[1], 6);
    ck_assert_uint_eq(C.v[2], 1);
    ck_assert_int_eq(C.r[2], -VK_EINVAL);
    ck_assert_int_eq(C.r[3], 12);
    ck_assert_int_eq(C.r[4], 16);
    ck_assert_int_eq(C.r[5], -VK_EFAULT);
    ck_assert_int_eq(C.r[6], -VK_ESRCH);
    ck_assert_int_eq(C.r[7], 0);
    ck_assert_uint_eq(C.v[3], 1);
}
END_TEST

/* ---- handle transfer, rights reduction ---- */

static void transfer_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    struct vk_recv *r = (struct vk_recv *)((char *)kt_scratch(k) + 256);
    struct vk_handle_info *hi = (struct vk_handle_info *)((char *)kt_scratch(k) + 1024);
    for (int i = 0; i < 2; i++) {
        C.r[i] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
        C.v[i] = VK_MSG_NHANDLES(r->msg.flags);
        uint32_t h = r->msg.handles[0];
        kc(k, VK_NR_HANDLE_INFO, h, U(hi), 0, 0, 0);
        C.v[2 + i] = hi->rights;
        /* signal through the received handle: allowed only if SIGNAL survived */
        C.r[2 + i] = kc(k, VK_NR_NOTIFY_SIGNAL, h, 0x10, 0, 0, 0);
        r->msg.flags = 0;
        kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    }
}

static void transfer_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    char *s = kt_scratch(k);
    uint32_t *n = (uint32_t *)(s + 2048), *weak = n + 1;
    struct vk_call *c = (struct vk_call *)s;
    struct vk_wait *w = (struct vk_wait *)(s + 3072);
    kc(k, VK_NR_NOTIFY_CREATE, U(n), 0, 0, 0, 0);
    /* a copy without SIGNAL: the server must not be able to signal through it */
    C.r[8] = kc(k, VK_NR_HANDLE_DUP, *n, VK_RIGHT_WAIT | VK_RIGHT_TRANSFER, U(weak), 0);
    /* rights never grow */
    C.r[9] = kc(k, VK_NR_HANDLE_DUP, *weak, VK_RIGHT_WAIT | VK_RIGHT_SIGNAL, U(weak + 1), 0);
    uint32_t full;
    kc(k, VK_NR_HANDLE_DUP, *n, VK_RIGHT_SIGNAL | VK_RIGHT_WAIT | VK_RIGHT_TRANSFER, U(weak + 1),
       0);
    full = weak[1];
    memset(c, 0, sizeof *c);
    c->msg.flags = 1;
    c->msg.handles[0] = *weak;
    C.r[10] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    C.r[11] = kc(k, VK_NR_HANDLE_CLOSE, *weak, 0, 0, 0, 0); /* moved away: gone here */
    memset(c, 0, sizeof *c);
    c->msg.flags = 1;
    c->msg.handles[0] = full;
    C.r[12] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    w->handle = *n;
    w->flags = VK_WAIT_CLEAR;
    w->mask = ~0ull;
    C.r[13] = kc(k, VK_NR_WAIT_MANY, U(w), 1, 0, 0, 0);
    C.v[8] = w->observed;
}

START_TEST(test_handle_transfer)
{
    C.cli = kt_spawn(&C.t, "client", transfer_client, NULL);
    C.srv = kt_spawn(&C.t, "server", transfer_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[8], 0);
    ck_assert_int_eq(C.r[9], -VK_EPERM);
    ck_assert_int_eq(C.r[10], 0);
    ck_assert_int_eq(C.r[11], -VK_EBADH);
    ck_assert_int_eq(C.r[12], 0);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_uint_eq(C.v[0], 1);
    ck_assert_uint_eq(C.v[2], VK_RIGHT_WAIT | VK_RIGHT_TRANSFER);
    ck_assert_int_eq(C.r[2], -VK_EPERM);
    ck_assert_uint_eq(C.v[3], VK_RIGHT_SIGNAL | VK_RIGHT_WAIT | VK_RIGHT_TRANSFER);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_int_eq(C.r[13], 0);
    ck_assert_uint_eq(C.v[8], 0x10);
}
END_TEST

/* ---- bad messages are refused and lose nothing ---- */

static void badmsg_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    char *s = kt_scratch(k);
    uint32_t *h = (uint32_t *)(s + 2048);
    struct vk_call *c = (struct vk_call *)s;
    kc(k, VK_NR_ENDPOINT_CREATE, U(h), 0, 0, 0, 0);
    kc(k, VK_NR_NOTIFY_CREATE, U(h + 1), 0, 0, 0, 0);
    kc(k, VK_NR_HANDLE_DUP, h[1], VK_RIGHT_WAIT, U(h + 2), 0); /* no TRANSFER */
    memset(c, 0, sizeof *c);
    c->msg.flags = 5; /* more than VK_MSG_MAX_HANDLES */
    C.r[0] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    c->msg.flags = 2;
    c->msg.handles[0] = c->msg.handles[1] = h[1]; /* the same handle twice */
    C.r[1] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    c->msg.flags = 1;
    c->msg.handles[0] = h[2]; /* not transferable */
    C.r[2] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    c->msg.handles[0] = 0x7fffffff; /* not a handle */
    C.r[3] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    c->msg.flags = 0x100; /* unknown flag bits */
    C.r[4] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    c->msg.flags = 0;
    c->send_buf = 0x1000; /* not our memory */
    c->send_len = 16;
    C.r[5] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
    C.r[6] = kc(k, VK_NR_CALL, h[0], 0x10, 0, 0, 0);              /* struct outside memory */
    C.r[7] = kc(k, VK_NR_CALL, h[1], U(c), 0, 0, 0);              /* a notification */
    C.r[8] = kc(k, VK_NR_CALL, h[0] + (1u << 14), U(c), 0, 0, 0); /* stale generation */
    /* the refused calls moved nothing: the notification handle is still ours */
    C.r[9] = kc(k, VK_NR_NOTIFY_SIGNAL, h[1], 1, 0, 0, 0);
    /* a hole inside our own region (no image here: below the stack is unmapped) */
    uint64_t hole = k->cur->proc->base + 4096;
    C.r[10] = kc(k, VK_NR_RECEIVE, h[0], hole, 0, 0, 0);
    C.r[11] = kc(k, 999, 0, 0, 0, 0, 0);
    /* with valid arguments and no receiver, a zero deadline only polls */
    c->send_buf = 0;
    c->send_len = 0;
    C.r[12] = kc(k, VK_NR_CALL, h[0], U(c), 0, 0, 0);
}

START_TEST(test_bad_messages)
{
    C.cli = kt_spawn(&C.t, "client", badmsg_client, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], -VK_EINVAL);
    ck_assert_int_eq(C.r[1], -VK_EINVAL);
    ck_assert_int_eq(C.r[2], -VK_EPERM);
    ck_assert_int_eq(C.r[3], -VK_EBADH);
    ck_assert_int_eq(C.r[4], -VK_EINVAL);
    ck_assert_int_eq(C.r[5], -VK_EFAULT);
    ck_assert_int_eq(C.r[6], -VK_EFAULT);
    ck_assert_int_eq(C.r[7], -VK_EWRONGTYPE);
    ck_assert_int_eq(C.r[8], -VK_EBADH);
    ck_assert_int_eq(C.r[9], 0);
    ck_assert_int_eq(C.r[10], -VK_EFAULT);
    ck_assert_int_eq(C.r[11], -VK_ENOSYS);
    ck_assert_int_eq(C.r[12], -VK_ETIMEDOUT);
}
END_TEST

/* ---- peer death ---- */

static void dying_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    struct vk_recv *r = (struct vk_recv *)((char *)kt_scratch(k) + 256);
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    /* exit while owing a reply */
    struct vk_proc_info why = {.exit_kind = VK_EXIT_NORMAL, .exit_code = 3};
    vk_process_exit_current(k, &why);
}

static void orphaned_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    struct vk_call *c = kt_scratch(k);
    memset(c, 0, sizeof *c);
    C.r[1] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    /* the server is gone with its receive handle: later calls fail at once */
    C.r[2] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
}

START_TEST(test_peer_death_owed_reply)
{
    C.cli = kt_spawn(&C.t, "client", orphaned_client, NULL);
    C.srv = kt_spawn(&C.t, "server", dying_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], -VK_EPIPE);
    ck_assert_int_eq(C.r[2], -VK_EPIPE);
}
END_TEST

static void closing_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    /* let the client queue its call, then drop the only receive handle */
    KT_WAIT_FOR(k, C.done);
    C.r[0] = kc(k, VK_NR_HANDLE_CLOSE, ep, 0, 0, 0, 0);
}

static void queued_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    struct vk_call *c = kt_scratch(k);
    memset(c, 0, sizeof *c);
    C.done = 1;
    C.r[1] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
}

START_TEST(test_peer_death_queued)
{
    C.cli = kt_spawn(&C.t, "client", queued_client, NULL);
    C.srv = kt_spawn(&C.t, "server", closing_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], -VK_EPIPE);
}
END_TEST

/* ---- deadlines and kills ---- */

static void timeout_thread(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    kc(k, VK_NR_ENDPOINT_CREATE, U(h), 0, 0, 0, 0);
    uint64_t t0 = k->now;
    C.r[0] = kc(k, VK_NR_RECEIVE, h[0], U(h + 16), t0 + 5000000, 0, 0);
    C.v[0] = k->now - t0;
    /* sleeping is a wait on nothing with a deadline */
    t0 = k->now;
    C.r[1] = kc(k, VK_NR_WAIT_MANY, 0, 0, t0 + 30000000000ull, 0, 0);
    C.v[1] = k->now - t0;
}

START_TEST(test_deadlines)
{
    kt_spawn(&C.t, "sleeper", timeout_thread, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], -VK_ETIMEDOUT);
    ck_assert_uint_ge(C.v[0], 5000000);
    ck_assert_uint_lt(C.v[0], 5001000);
    ck_assert_int_eq(C.r[1], -VK_ETIMEDOUT);
    ck_assert_uint_ge(C.v[1], 30000000000ull); /* 30 virtual seconds, instantly */
}
END_TEST

static void blocked_victim(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    kc(k, VK_NR_ENDPOINT_CREATE, U(h), 0, 0, 0, 0);
    C.ready = 1;
    C.r[0] = kc(k, VK_NR_RECEIVE, h[0], U(h + 16), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = 1; /* never reached: a killed thread does not return to its program */
}

static void killer(void *arg)
{
    struct vk_kernel *k = C.t.k;
    struct vk_process *victim = arg;
    KT_WAIT_FOR(k, C.ready);
    uint32_t h =
        kt_give(&C.t, k->cur->proc, &victim->o, VK_RIGHT_KILL | VK_RIGHT_READ | VK_RIGHT_WAIT, 0);
    struct vk_proc_info *pi = kt_scratch(k);
    struct vk_wait *w = (struct vk_wait *)(pi + 1);
    C.r[1] = kc(k, VK_NR_PROCESS_KILL, h, 0, 0, 0, 0);
    *w = (struct vk_wait){.handle = h, .mask = VK_SIG_EXITED};
    C.r[3] = kc(k, VK_NR_WAIT_MANY, U(w), 1, VK_DEADLINE_NEVER);
    C.r[2] = kc(k, VK_NR_PROCESS_INFO, h, U(pi), 0, 0, 0);
    C.v[1] = pi->state;
    C.v[2] = pi->exit_kind;
}

START_TEST(test_kill_blocked)
{
    struct vk_process *v = kt_spawn(&C.t, "victim", blocked_victim, NULL);
    kt_spawn(&C.t, "killer", killer, v);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[1], 0);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_uint_eq(C.v[0], 0);
    ck_assert_uint_eq(C.v[1], VK_PROC_EXITED);
    ck_assert_uint_eq(C.v[2], VK_EXIT_KILLED);
}
END_TEST

/* ---- futex ---- */

static void futex_waiter(void *arg)
{
    struct vk_kernel *k = C.t.k;
    long i = (long)(intptr_t)arg;
    uint32_t *word = (uint32_t *)(uintptr_t)C.v[15];
    C.r[i] = kc(k, VK_NR_FUTEX_WAIT, U(word), 0, VK_DEADLINE_NEVER, 0, 0);
    C.v[i] = *word;
}

static void futex_main(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *word = kt_scratch(k);
    *word = 0;
    C.v[15] = U(word);
    C.r[5] = kc(k, VK_NR_FUTEX_WAIT, U(word), 1, 0, 0, 0); /* value differs: EAGAIN */
    C.r[6] = kc(k, VK_NR_FUTEX_WAIT, U(word) + 1, 0, 0, 0, 0);
    vk_thread_create_kthread(k, k->cur->proc, futex_waiter, (void *)1, NULL);
    vk_thread_create_kthread(k, k->cur->proc, futex_waiter, (void *)2, NULL);
    for (int i = 0; i < 4; i++)
        kc(k, VK_NR_THREAD_YIELD, 0, 0, 0, 0, 0);
    *word = 7;
    C.r[7] = kc(k, VK_NR_FUTEX_WAKE, U(word), 1, 0, 0, 0);
    C.r[8] = kc(k, VK_NR_FUTEX_WAKE, U(word), 10, 0, 0, 0);
}

START_TEST(test_futex)
{
    kt_spawn(&C.t, "futex", futex_main, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[5], -VK_EAGAIN);
    ck_assert_int_eq(C.r[6], -VK_EINVAL);
    ck_assert_int_eq(C.r[7], 1);
    ck_assert_int_eq(C.r[8], 1);
    ck_assert_int_eq(C.r[1], 0);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_uint_eq(C.v[1], 7);
    ck_assert_uint_eq(C.v[2], 7);
}
END_TEST

/* ---- futex keys: (memory object, offset) or (process, address), never the address ---- */

static void fk_private_waiter(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *word = (uint32_t *)((char *)kt_scratch(k) + 512);
    C.v[4] = U(word);
    C.r[1] = kc(k, VK_NR_FUTEX_WAIT, U(word), 0, k->now + 5000000);
}

static void fk_owner(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    uint64_t *addr = (uint64_t *)(h + 8);
    kc(k, VK_NR_VMO_CREATE, 65536, U(&h[0]));
    kc(k, VK_NR_VMO_MAP, h[0], VK_RIGHT_READ | VK_RIGHT_WRITE, U(addr));
    C.v[0] = *addr;
    struct vk_handle_entry *e;
    vk_handle_get(&k->cur->proc->handles, h[0], VK_OBJ_VMO, 0, &e);
    C.ep_cli = kt_give(&C.t, C.cli, e->obj, VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MAP, 0);
    vk_thread_create_kthread(k, k->cur->proc, fk_private_waiter, NULL, NULL);
    C.ready = 1;
    C.r[0] = kc(k, VK_NR_FUTEX_WAIT, *addr, 0, k->now + 5000000);
    kc(k, VK_NR_HANDLE_CLOSE, h[0]);
}

static void fk_other(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    uint64_t *addr = kt_scratch(k);
    kc(k, VK_NR_VMO_MAP, C.ep_cli, VK_RIGHT_READ | VK_RIGHT_WRITE, U(addr));
    C.v[1] = *addr;
    for (int i = 0; i < 4; i++)
        kc(k, VK_NR_THREAD_YIELD, 0);
    C.r[2] = kc(k, VK_NR_FUTEX_WAKE, *addr, 10);
    C.r[3] = kc(k, VK_NR_FUTEX_WAKE, C.v[4], 10); /* the owner's own memory: not ours */
    kc(k, VK_NR_HANDLE_CLOSE, C.ep_cli);
}

START_TEST(test_futex_shared)
{
    C.cli = kt_spawn(&C.t, "other", fk_other, NULL);
    kt_spawn(&C.t, "owner", fk_owner, NULL);
    kt_run(&C.t);
    ck_assert_uint_eq(C.v[0], C.v[1]); /* one object, one address */
    ck_assert_int_eq(C.r[2], 1);       /* a sharer wakes the waiter on the object... */
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[3], -VK_EFAULT); /* ...and cannot reach the private word */
    ck_assert_int_eq(C.r[1], -VK_ETIMEDOUT);
}
END_TEST

static void fk_gone_waiter(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    C.ready = 1;
    C.r[4] = kc(k, VK_NR_FUTEX_WAIT, C.v[2], 0, k->now + 5000000);
}

static void fk_gone(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    uint64_t *addr = (uint64_t *)(h + 8);
    kc(k, VK_NR_VMO_CREATE, 65536, U(&h[0]));
    kc(k, VK_NR_VMO_MAP, h[0], VK_RIGHT_READ | VK_RIGHT_WRITE, U(addr));
    C.v[2] = *addr;
    vk_thread_create_kthread(k, k->cur->proc, fk_gone_waiter, NULL, NULL);
    KT_WAIT_FOR(k, C.ready);
    kc(k, VK_NR_THREAD_YIELD, 0); /* the waiter is blocked now */
    kc(k, VK_NR_VMO_UNMAP, *addr);
    kc(k, VK_NR_HANDLE_CLOSE, h[0]); /* the object is freed; its address is free again */
    C.done = 1;
    kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 10000000);
}

static void fk_newcomer(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.done);
    uint32_t *h = kt_scratch(k);
    uint64_t *addr = (uint64_t *)(h + 8);
    kc(k, VK_NR_VMO_CREATE, 65536, U(&h[0]));
    kc(k, VK_NR_VMO_MAP, h[0], VK_RIGHT_READ | VK_RIGHT_WRITE, U(addr));
    C.v[3] = *addr;
    C.r[5] = kc(k, VK_NR_FUTEX_WAKE, *addr, 10);
    kc(k, VK_NR_HANDLE_CLOSE, h[0]);
}

START_TEST(test_futex_reused_address)
{
    kt_spawn(&C.t, "gone", fk_gone, NULL);
    kt_spawn(&C.t, "newcomer", fk_newcomer, NULL);
    kt_run(&C.t);
    ck_assert_uint_eq(C.v[2], C.v[3]); /* the new object got the old one's address */
    ck_assert_int_eq(C.r[5], 0);       /* but not its waiters */
    ck_assert_int_eq(C.r[4], -VK_ETIMEDOUT);
}
END_TEST

/* ---- close notices for tracked badges ---- */

static void tracking_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    struct vk_recv *r = (struct vk_recv *)(h + 64);
    kc(k, VK_NR_ENDPOINT_CREATE, U(h));
    struct vk_handle_entry *e;
    vk_handle_get(&k->cur->proc->handles, h[0], VK_OBJ_ENDPOINT, 0, &e);
    /* badge 5 tracked, badge 6 not; reserved badges cannot be tracked */
    C.r[0] = kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_RIGHT_DUP | VK_MINT_TRACK_CLOSE, 5,
                U(&h[1]));
    C.r[1] = kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_MINT_TRACK_CLOSE, 0, U(&h[2]));
    kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL, 6, U(&h[2]));
    /* hand both to the client (as spawn would: copies), drop ours */
    struct vk_handle_entry *e5, *e6;
    vk_handle_get(&k->cur->proc->handles, h[1], 0, 0, &e5);
    vk_handle_get(&k->cur->proc->handles, h[2], 0, 0, &e6);
    C.ep_cli = kt_give(&C.t, C.cli, e5->obj, e5->rights, 5);
    C.ep_cli2 = kt_give(&C.t, C.cli, e6->obj, e6->rights, 6);
    kc(k, VK_NR_HANDLE_CLOSE, h[1]);
    kc(k, VK_NR_HANDLE_CLOSE, h[2]);
    C.ready = 1;
    (void)e;
    C.r[2] = kc(k, VK_NR_RECEIVE, h[0], U(r), VK_DEADLINE_NEVER);
    C.v[2] = r->kind;
    C.v[3] = r->badge;
    C.v[8] = C.done;
    KT_WAIT_FOR(k, C.done == 3);
    C.r[3] = kc(k, VK_NR_RECEIVE, h[0], U(r), k->now + 1000000); /* badge 6: no notice */
}

static void tracking_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    uint32_t *h = kt_scratch(k);
    struct vk_handle_info *hi = (struct vk_handle_info *)(h + 16);
    C.r[5] = kc(k, VK_NR_HANDLE_DUP, C.ep_cli, VK_RIGHT_CALL, U(&h[0]));
    kc(k, VK_NR_HANDLE_INFO, h[0], U(hi));
    C.v[12] = hi->rights; /* the tracking bit is not a right anyone sees */
    C.done = 1;
    kc(k, VK_NR_HANDLE_CLOSE, C.ep_cli);            /* the copy keeps badge 5 alive */
    kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 1000000); /* a wrong notice would be taken now */
    C.done = 2;
    kc(k, VK_NR_HANDLE_CLOSE, h[0]); /* last one: notice */
    kc(k, VK_NR_HANDLE_CLOSE, C.ep_cli2);
    C.done = 3;
}

START_TEST(test_close_notices)
{
    C.cli = kt_spawn(&C.t, "client", tracking_client, NULL);
    C.srv = kt_spawn(&C.t, "server", tracking_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[1], -VK_EINVAL);
    ck_assert_int_eq(C.r[5], 0);
    ck_assert_uint_eq(C.v[12], VK_RIGHT_CALL);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_uint_eq(C.v[2], VK_RECV_CLOSED);
    ck_assert_uint_eq(C.v[3], 5);
    ck_assert_uint_ge(C.v[8], 2);            /* only after the last copy went */
    ck_assert_int_eq(C.r[3], -VK_ETIMEDOUT); /* untracked badge 6: nothing */
}
END_TEST

/* ---- unwrapping: a handle to the receiving endpoint arrives as a trusted badge ---- */

static void unwrap_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0x5e55);
    struct vk_handle_entry *e;
    vk_handle_get(&k->cur->proc->handles, ep, VK_OBJ_ENDPOINT, 0, &e);
    C.ep_srv2 = kt_give(&C.t, C.cli, e->obj, VK_RIGHT_RECV | VK_RIGHT_TRANSFER, 0);
    C.ep_cli2 = kt_give(&C.t, C.cli, e->obj, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, 0x5e55);
    C.v[14] = kt_give(&C.t, C.cli, e->obj, VK_RIGHT_TRANSFER | VK_HANDLE_TRACKED, 0x7777);
    struct vk_recv *r = (struct vk_recv *)((char *)kt_scratch(k) + 256);
    struct vk_handle_info *hi = (struct vk_handle_info *)((char *)kt_scratch(k) + 1024);
    C.v[15] = k->cur->proc->handles.used;
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = VK_MSG_NHANDLES(r->msg.flags);
    C.v[1] = r->unwrapped;
    C.v[2] = r->handle_badges[0];
    C.v[3] = r->msg.handles[0];
    C.v[4] = r->handle_badges[1];
    C.r[1] = kc(k, VK_NR_HANDLE_INFO, r->msg.handles[1], U(hi), 0, 0, 0);
    C.v[5] = hi->badge; /* the forged one: an ordinary handle to another endpoint */
    C.v[6] = hi->type;
    C.v[7] = k->cur->proc->handles.used - C.v[15]; /* only the foreign handle was installed */
    kc(k, VK_NR_HANDLE_CLOSE, r->msg.handles[1], 0, 0, 0, 0);
    r->msg.flags = 0;
    C.r[2] = kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    /* a receive handle to ourselves is never unwrapped: it arrives as a handle */
    C.r[3] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[8] = r->unwrapped;
    C.v[9] = r->msg.handles[0] != 0;
    kc(k, VK_NR_HANDLE_CLOSE, r->msg.handles[0], 0, 0, 0, 0);
    r->msg.flags = 0;
    kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    /* the last copy of a tracked badge, unwrapped: its close notice comes after the call */
    C.r[7] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[10] = r->kind;
    C.v[11] = r->handle_badges[0];
    r->msg.flags = 0;
    kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    C.r[8] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[12] = r->kind;
    C.v[13] = r->badge;
}

static void unwrap_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    char *s = kt_scratch(k);
    uint32_t *h = (uint32_t *)(s + 2048);
    struct vk_call *c = (struct vk_call *)s;
    kc(k, VK_NR_ENDPOINT_CREATE, U(h), 0, 0, 0, 0); /* our own endpoint, badge of our choice */
    kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_RIGHT_TRANSFER, 0x5e55, U(h + 1));
    h[2] = C.ep_cli2;
    memset(c, 0, sizeof *c);
    c->msg.flags = 2;
    c->msg.handles[0] = h[2]; /* the server's own badge */
    c->msg.handles[1] = h[1]; /* a forgery of it */
    C.r[4] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    C.r[5] = kc(k, VK_NR_HANDLE_CLOSE, h[2], 0, 0, 0, 0); /* moved */
    memset(c, 0, sizeof *c);
    c->msg.flags = 1;
    c->msg.handles[0] = C.ep_srv2;
    C.r[6] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    memset(c, 0, sizeof *c);
    c->msg.flags = 1;
    c->msg.handles[0] = (uint32_t)C.v[14];
    C.r[9] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    kc(k, VK_NR_HANDLE_CLOSE, h[0], 0, 0, 0, 0);
}

START_TEST(test_unwrap_own_badges)
{
    C.cli = kt_spawn(&C.t, "client", unwrap_client, NULL);
    C.srv = kt_spawn(&C.t, "server", unwrap_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_uint_eq(C.v[0], 2);
    ck_assert_uint_eq(C.v[1], 1); /* handles[0] only */
    ck_assert_uint_eq(C.v[2], 0x5e55);
    ck_assert_uint_eq(C.v[3], 0);
    ck_assert_uint_eq(C.v[4], 0);
    ck_assert_int_eq(C.r[1], 0);
    ck_assert_uint_eq(C.v[5], 0x5e55);
    ck_assert_uint_eq(C.v[6], VK_OBJ_ENDPOINT);
    ck_assert_uint_eq(C.v[7], 1);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_int_eq(C.r[4], 0);
    ck_assert_int_eq(C.r[5], -VK_EBADH);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_uint_eq(C.v[8], 0);
    ck_assert_uint_eq(C.v[9], 1);
    ck_assert_int_eq(C.r[6], 0);
    ck_assert_int_eq(C.r[9], 0);
    ck_assert_int_eq(C.r[7], 0);
    ck_assert_uint_eq(C.v[10], VK_RECV_CALL);
    ck_assert_uint_eq(C.v[11], 0x7777);
    ck_assert_int_eq(C.r[8], 0);
    ck_assert_uint_eq(C.v[12], VK_RECV_CLOSED);
    ck_assert_uint_eq(C.v[13], 0x7777);
}
END_TEST

/* ---- a reply to a caller that gave up closes what it carries ---- */

static void late_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    char *s = kt_scratch(k);
    struct vk_recv *r = (struct vk_recv *)(s + 256);
    uint32_t *n = (uint32_t *)(s + 2048);
    C.r[0] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    kc(k, VK_NR_NOTIFY_CREATE, U(n), 0, 0, 0, 0); /* minted for the caller... */
    KT_WAIT_FOR(k, C.done);                       /* ...who gives up meanwhile */
    uint32_t before = k->cur->proc->handles.used;
    r->msg.flags = 1;
    r->msg.handles[0] = n[0];
    C.r[1] = kc(k, VK_NR_REPLY, r->token, 0x10, 0, 0, 0); /* a bad message: nothing happens */
    C.r[2] = kc(k, VK_NR_NOTIFY_SIGNAL, n[0], 1, 0, 0, 0);
    C.r[3] = kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
    C.r[4] = kc(k, VK_NR_NOTIFY_SIGNAL, n[0], 1, 0, 0, 0); /* closed by the failed reply */
    C.v[0] = before - k->cur->proc->handles.used;
}

static void impatient_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.ready);
    struct vk_call *c = kt_scratch(k);
    memset(c, 0, sizeof *c);
    C.r[5] = kc(k, VK_NR_CALL, C.ep_cli, U(c), k->now + 100000, 0, 0);
    C.done = 1;
}

START_TEST(test_reply_to_gone_caller)
{
    C.cli = kt_spawn(&C.t, "client", impatient_client, NULL);
    C.srv = kt_spawn(&C.t, "server", late_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], 0);
    ck_assert_int_eq(C.r[5], -VK_ETIMEDOUT);
    ck_assert_int_eq(C.r[1], -VK_EFAULT);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_int_eq(C.r[3], -VK_ESRCH);
    ck_assert_int_eq(C.r[4], -VK_EBADH);
    ck_assert_uint_eq(C.v[0], 1);
}
END_TEST

/* ---- a receiver with a full table fails that one call and receives the next ---- */

static void full_server(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t ep = make_endpoint_for_client(k, 0);
    char *s = kt_scratch(k);
    struct vk_recv *r = (struct vk_recv *)(s + 256);
    uint32_t *out = (uint32_t *)(s + 2048);
    long rc;
    while ((rc = kc(k, VK_NR_HANDLE_DUP, ep, VK_RIGHT_CALL, U(out), 0)) == 0)
        continue; /* fill the table; our exit empties it */
    C.r[0] = rc;
    C.done = 1;
    C.r[1] = kc(k, VK_NR_RECEIVE, ep, U(r), VK_DEADLINE_NEVER, 0, 0);
    C.v[0] = r->msg.data[0]; /* the second call, without handles */
    kc(k, VK_NR_REPLY, r->token, U(&r->msg), 0, 0, 0);
}

static void full_client(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    KT_WAIT_FOR(k, C.done);
    char *s = kt_scratch(k);
    uint32_t *n = (uint32_t *)(s + 2048);
    struct vk_call *c = (struct vk_call *)s;
    kc(k, VK_NR_NOTIFY_CREATE, U(n), 0, 0, 0, 0);
    memset(c, 0, sizeof *c);
    c->msg.flags = 1;
    c->msg.handles[0] = n[0];
    c->msg.data[0] = 1;
    C.r[2] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
    memset(c, 0, sizeof *c);
    c->msg.data[0] = 2;
    C.r[3] = kc(k, VK_NR_CALL, C.ep_cli, U(c), VK_DEADLINE_NEVER, 0, 0);
}

START_TEST(test_receiver_table_full)
{
    C.cli = kt_spawn(&C.t, "client", full_client, NULL);
    C.srv = kt_spawn(&C.t, "server", full_server, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], -VK_ENOSPC);
    ck_assert_int_eq(C.r[2], -VK_ENOSPC); /* that call alone fails */
    ck_assert_int_eq(C.r[1], 0);          /* and the server receives the next */
    ck_assert_uint_eq(C.v[0], 2);
    ck_assert_int_eq(C.r[3], 0);
}
END_TEST

/* ---- an endpoint's close notices are bounded: minting new tracked badges stops ---- */

static void track_flood(void *arg)
{
    struct vk_kernel *k = C.t.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    struct vk_recv *r = (struct vk_recv *)(h + 64);
    kc(k, VK_NR_ENDPOINT_CREATE, U(&h[0]));
    long made = 0, rc = 0;
    for (uint64_t b = 1; b <= VK_ENDPOINT_TRACKED_MAX + 10; b++) {
        if ((rc = kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_MINT_TRACK_CLOSE, b, U(&h[1]))))
            break;
        made++;
        kc(k, VK_NR_HANDLE_CLOSE, h[1]); /* a close notice waits for the receiver */
    }
    C.r[0] = made;
    C.r[1] = rc;
    C.r[2] = kc(k, VK_NR_RECEIVE, h[0], U(r), 0); /* taking one makes room for one */
    C.v[0] = r->kind;
    C.r[3] =
        kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_MINT_TRACK_CLOSE, 1u << 30, U(&h[1]));
    C.r[4] =
        kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL | VK_MINT_TRACK_CLOSE, 1u << 31, U(&h[2]));
    C.r[5] = kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_CALL, 1u << 31, U(&h[2])); /* untracked */
    kc(k, VK_NR_HANDLE_CLOSE, h[2]);
    kc(k, VK_NR_HANDLE_CLOSE, h[1]);
    kc(k, VK_NR_HANDLE_CLOSE, h[0]);
}

START_TEST(test_close_notices_bounded)
{
    kt_spawn(&C.t, "flood", track_flood, NULL);
    kt_run(&C.t);
    ck_assert_int_eq(C.r[0], VK_ENDPOINT_TRACKED_MAX);
    ck_assert_int_eq(C.r[1], -VK_EAGAIN);
    ck_assert_int_eq(C.r[2], 0);
    ck_assert_uint_eq(C.v[0], VK_RECV_CLOSED);
    ck_assert_int_eq(C.r[3], 0);
    ck_assert_int_eq(C.r[4], -VK_EAGAIN);
    ck_assert_int_eq(C.r[5], 0);
}
END_TEST

Suite *ipc_suite(void);
Suite *ipc_suite(void)
{
    Suite *s = suite_create("ipc");
    TCase *tc = tcase_create("ipc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_call_receive_reply);
    tcase_add_test(tc, test_deferred_reply);
    tcase_add_test(tc, test_bulk_data);
    tcase_add_test(tc, test_handle_transfer);
    tcase_add_test(tc, test_bad_messages);
    tcase_add_test(tc, test_peer_death_owed_reply);
    tcase_add_test(tc, test_peer_death_queued);
    tcase_add_test(tc, test_deadlines);
    tcase_add_test(tc, test_kill_blocked);
    tcase_add_test(tc, test_futex);
    tcase_add_test(tc, test_futex_shared);
    tcase_add_test(tc, test_futex_reused_address);
    tcase_add_test(tc, test_close_notices_bounded);
    tcase_add_test(tc, test_close_notices);
    tcase_add_test(tc, test_unwrap_own_badges);
    tcase_add_test(tc, test_reply_to_gone_caller);
    tcase_add_test(tc, test_receiver_table_full);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ipc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
