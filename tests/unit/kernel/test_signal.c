/*
 * Signals in the kernel (signal.c), white-box on kernel threads: pending sets, masks and
 * signal_take's order and mask arithmetic, the attention word, default actions (terminate,
 * stop and continue, ignore), a blocked call ended with -VK_EINTR, the uid rule for kill,
 * process groups and sessions, and the bad arguments of every call.
 */
#include "kt.h"

#define SIGHUP 1
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGKILL_NUM 9
#define BIT(s) VK_SIG_BIT(s)

static struct kt T;
static long R[32];
static uint64_t V[32];
static struct vk_process *P[4];

static void setup(void)
{
    memset(R, 0, sizeof R);
    memset(V, 0, sizeof V);
    memset(P, 0, sizeof P);
    kt_init(&T, 1);
}

static void teardown(void)
{
    kt_fini(&T);
}

/* Installs a handler (a made-up user address: kernel threads never run it) for signo. */
static long handle(struct vk_kernel *k, int signo, uint32_t flags)
{
    struct vk_sigaction *a = kt_scratch(k);
    *a = (struct vk_sigaction){.handler = 0x1000u + (uint64_t)signo, .flags = flags};
    return kc(k, VK_NR_SIGNAL_ACTION, signo, U(a), 0);
}

static void masks(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_thread *t = k->cur;
    uint32_t self = t->proc->pid;
    struct vk_siginfo *si = (struct vk_siginfo *)((char *)kt_scratch(k) + 256);
    uint64_t *out = (uint64_t *)((char *)kt_scratch(k) + 512);
    (void)arg;
    R[0] = handle(k, SIGUSR1, 0);
    R[1] = kc(k, VK_NR_SIGNAL_MASK, VK_SIG_BLOCK, BIT(SIGUSR1), U(out));
    V[0] = *out; /* the mask before: empty */
    R[2] = kc(k, VK_NR_SIGNAL_SEND, self, SIGUSR1, 0);
    R[3] = kc(k, VK_NR_SIGNAL_SEND, self, SIGUSR1, 0); /* one instance */
    V[1] = t->attention;                               /* blocked: nothing to deliver */
    R[4] = kc(k, VK_NR_SIGNAL_TAKE, U(si));
    R[5] = kc(k, VK_NR_SIGNAL_PENDING, U(out));
    V[2] = *out;
    R[6] = kc(k, VK_NR_SIGNAL_MASK, VK_SIG_UNBLOCK, BIT(SIGUSR1), 0);
    V[3] = t->attention; /* deliverable now */
    R[7] = kc(k, VK_NR_SIGNAL_TAKE, U(si));
    V[4] = si->handler;
    V[5] = si->restore_mask;
    V[6] = t->sig_mask; /* the signal itself, while its handler runs */
    V[7] = (uint64_t)si->code;
    V[8] = si->pid;
    V[9] = t->attention;
    R[8] = kc(k, VK_NR_SIGNAL_TAKE, U(si)); /* nothing left */
    /* thread-directed first, then the lowest number */
    kc(k, VK_NR_SIGNAL_MASK, VK_SIG_SETMASK, 0, 0);
    handle(k, SIGHUP, VK_SA_NODEFER);
    handle(k, SIGUSR2, VK_SA_RESETHAND);
    kc(k, VK_NR_SIGNAL_MASK, VK_SIG_BLOCK, BIT(SIGHUP) | BIT(SIGUSR2), 0);
    kc(k, VK_NR_SIGNAL_SEND, self, SIGHUP, 0);
    kc(k, VK_NR_SIGNAL_SEND, t->tid, SIGUSR2, VK_SIGSEND_THREAD);
    kc(k, VK_NR_SIGNAL_MASK, VK_SIG_SETMASK, 0, 0);
    R[9] = kc(k, VK_NR_SIGNAL_TAKE, U(si));
    V[10] = (uint64_t)si->code;
    R[10] = kc(k, VK_NR_SIGNAL_TAKE, U(si));
    V[11] = t->sig_mask; /* NODEFER: SIGHUP not added; RESETHAND: SIGUSR2 still is */
    struct vk_sigaction *old = kt_scratch(k);
    kc(k, VK_NR_SIGNAL_ACTION, SIGUSR2, 0, U(old));
    V[12] = old->handler; /* reset to default */
    /* SIGKILL and SIGSTOP are never blocked */
    kc(k, VK_NR_SIGNAL_MASK, VK_SIG_SETMASK, ~0ull, 0);
    V[13] = t->sig_mask;
    /* ignoring drops what is pending */
    kc(k, VK_NR_SIGNAL_SEND, self, SIGUSR1, 0);
    V[14] = t->proc->sig_pending;
    struct vk_sigaction *ign = kt_scratch(k);
    *ign = (struct vk_sigaction){.handler = VK_SIG_IGN};
    kc(k, VK_NR_SIGNAL_ACTION, SIGUSR1, U(ign), 0);
    V[15] = t->proc->sig_pending;
    kc(k, VK_NR_SIGNAL_MASK, VK_SIG_SETMASK, 0, 0);
    /* bad arguments */
    R[11] = kc(k, VK_NR_SIGNAL_SEND, self, 65, 0);
    R[12] = kc(k, VK_NR_SIGNAL_SEND, self, 32, 0);
    R[13] = kc(k, VK_NR_SIGNAL_SEND, 99999, 0, 0);
    R[14] = kc(k, VK_NR_SIGNAL_SEND, t->tid + 1000, SIGUSR1, VK_SIGSEND_THREAD);
    R[15] = kc(k, VK_NR_SIGNAL_SEND, self, SIGUSR1, 2);
    R[16] = handle(k, 9, 0);
    R[17] = handle(k, SIGSTOP, 0);
    R[18] = kc(k, VK_NR_SIGNAL_ACTION, 0, 0, 0);
    R[19] = kc(k, VK_NR_SIGNAL_MASK, 3, 0, 0);
    R[20] = kc(k, VK_NR_SIGNAL_TAKE, 0x10);               /* no such address */
    R[21] = kc(k, VK_NR_SIGNAL_ACTION, SIGUSR1, 0, 0x10); /* nor here */
    R[22] = kc(k, VK_NR_SIGNAL_WAIT, k->now + 1000);      /* nothing comes: timed out */
}

START_TEST(test_masks_and_take)
{
    kt_spawn(&T, "masks", masks, NULL);
    kt_run(&T);
    for (int i = 0; i <= 3; i++)
        ck_assert_int_eq(R[i], 0);
    ck_assert_uint_eq(V[0], 0);
    ck_assert_uint_eq(V[1], 0);
    ck_assert_int_eq(R[4], 0);
    ck_assert_int_eq(R[5], 0);
    ck_assert_uint_eq(V[2], BIT(SIGUSR1));
    ck_assert_uint_eq(V[3], 1);
    ck_assert_int_eq(R[7], SIGUSR1);
    ck_assert_uint_eq(V[4], 0x1000u + SIGUSR1);
    ck_assert_uint_eq(V[5], 0);
    ck_assert_uint_eq(V[6], BIT(SIGUSR1));
    ck_assert_int_eq((int64_t)V[7], VK_SI_USER);
    ck_assert_uint_ne(V[8], 0);
    ck_assert_uint_eq(V[9], 0);
    ck_assert_int_eq(R[8], 0);
    ck_assert_int_eq(R[9], SIGUSR2); /* thread-directed, though SIGHUP's number is lower */
    ck_assert_int_eq((int32_t)V[10], VK_SI_TKILL);
    ck_assert_int_eq(R[10], SIGHUP);
    ck_assert_uint_eq(V[11], BIT(SIGUSR2));
    ck_assert_uint_eq(V[12], VK_SIG_DFL);
    ck_assert_uint_eq(V[13], ~0ull & ~(BIT(9) | BIT(SIGSTOP)));
    ck_assert_uint_eq(V[14], BIT(SIGUSR1));
    ck_assert_uint_eq(V[15], 0);
    ck_assert_int_eq(R[11], -VK_EINVAL);
    ck_assert_int_eq(R[12], -VK_EINVAL);
    ck_assert_int_eq(R[13], -VK_ESRCH);
    ck_assert_int_eq(R[14], -VK_ESRCH);
    ck_assert_int_eq(R[15], -VK_EINVAL);
    ck_assert_int_eq(R[16], -VK_EINVAL);
    ck_assert_int_eq(R[17], -VK_EINVAL);
    ck_assert_int_eq(R[18], -VK_EINVAL);
    ck_assert_int_eq(R[19], -VK_EINVAL);
    ck_assert_int_eq(R[20], -VK_EFAULT);
    ck_assert_int_eq(R[21], -VK_EFAULT);
    ck_assert_int_eq(R[22], -VK_ETIMEDOUT);
}
END_TEST

/* Waits in wait_many (forever, or for arg ns), recording what the wait returned. */
static void waiter(void *arg)
{
    struct vk_kernel *k = T.k;
    uintptr_t i = (uintptr_t)arg;
    if (i == 1)
        handle(k, SIGUSR1, 0);
    R[10 + i] = kc(k, VK_NR_WAIT_MANY, 0, 0, i == 2 ? k->now + 2000000 : VK_DEADLINE_NEVER);
    V[10 + i] = k->now;
}

static void sender(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 1000); /* let the others block */
    R[0] = kc(k, VK_NR_SIGNAL_SEND, P[0]->pid, SIGTERM, 0);
    R[1] = kc(k, VK_NR_SIGNAL_SEND, P[1]->pid, SIGUSR1, 0);
    R[2] = kc(k, VK_NR_SIGNAL_SEND, P[2]->pid, SIGSTOP, 0);
    V[0] = P[2]->stopped;
    R[3] = kc(k, VK_NR_SIGNAL_SEND, P[2]->pid, SIGCHLD, 0); /* ignored by default */
    kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 5000000);         /* its wait ends meanwhile: it parks */
    V[1] = P[2]->stopped;
    V[2] = VK_CONTAINER_OF(P[2]->threads.next, struct vk_thread, proc_link)->parked;
    V[3] = P[2]->stops;
    R[4] = kc(k, VK_NR_SIGNAL_SEND, P[2]->pid, SIGCONT, 0);
    V[4] = P[2]->continues;
    /* the uid rule: an ordinary user cannot signal root's process */
    k->cur->proc->uid = 1000;
    P[3]->uid = 0;
    R[5] = kc(k, VK_NR_SIGNAL_SEND, P[3]->pid, SIGTERM, 0);
    R[6] = kc(k, VK_NR_SIGNAL_SEND, P[3]->pid, 0, 0);
    R[7] = kc(k, VK_NR_SIGNAL_SEND, -(int64_t)P[3]->pgid, SIGTERM, 0);
    P[3]->uid = 1000;
    R[8] = kc(k, VK_NR_SIGNAL_SEND, -(int64_t)P[3]->pgid, SIGKILL_NUM, 0);
}

START_TEST(test_actions)
{
    struct vk_kernel *k = T.k;
    for (uintptr_t i = 0; i < 4; i++)
        P[i] = kt_spawn(&T, "waiter", waiter, (void *)i);
    kt_spawn(&T, "sender", sender, NULL);
    kt_run(&T);
    (void)k;
    for (int i = 0; i <= 4; i++)
        ck_assert_int_eq(R[i], 0);
    ck_assert_int_eq(R[11], -VK_EINTR);     /* the handled signal ended its wait */
    ck_assert_uint_eq(V[0], 1);             /* stopped at once */
    ck_assert_uint_eq(V[1], 1);             /* and still, its wait over */
    ck_assert_uint_eq(V[2], 1);             /* parked on its way out */
    ck_assert_int_eq(R[12], -VK_ETIMEDOUT); /* the wait ended as it would have */
    ck_assert_uint_eq(V[3], 1);
    ck_assert_uint_eq(V[4], 1);
    ck_assert_uint_ge(V[12], 5000000); /* it ran on only after SIGCONT */
    ck_assert_int_eq(R[5], -VK_EPERM);
    ck_assert_int_eq(R[6], -VK_EPERM);
    ck_assert_int_eq(R[7], -VK_EPERM);
    ck_assert_int_eq(R[8], 0);
}
END_TEST

static void groups(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_process *p = k->cur->proc;
    struct vk_proc_ids *ids = kt_scratch(k);
    (void)arg;
    R[0] = kc(k, VK_NR_PROCESS_IDS, 0, U(ids));
    V[0] = ids->pid == p->pid && ids->pgid == p->pid && ids->sid == p->pid && ids->ppid == 0 &&
           ids->tid == k->cur->tid;
    R[1] = kc(k, VK_NR_PROCESS_SETSID, 0);             /* a group leader already */
    R[2] = kc(k, VK_NR_PROCESS_SETPGID, 0, 0);         /* a session leader cannot move */
    R[3] = kc(k, VK_NR_PROCESS_SETPGID, 99999, 0);     /* no such process */
    R[4] = kc(k, VK_NR_PROCESS_SETPGID, P[1]->pid, 0); /* not our child */
    R[5] = kc(k, VK_NR_PROCESS_IDS, 99999, U(ids));
    R[6] = kc(k, VK_NR_PROCESS_SETUID, 0, 0); /* no resource handle */
}

START_TEST(test_groups)
{
    P[0] = kt_spawn(&T, "groups", groups, NULL);
    P[1] = kt_spawn(&T, "other", waiter, (void *)3);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_uint_eq(V[0], 1);
    ck_assert_int_eq(R[1], -VK_EPERM);
    ck_assert_int_eq(R[2], -VK_EPERM);
    ck_assert_int_eq(R[3], -VK_ESRCH);
    ck_assert_int_eq(R[4], -VK_ESRCH);
    ck_assert_int_eq(R[5], -VK_ESRCH);
    ck_assert_int_lt(R[6], 0);
}
END_TEST

Suite *signal_suite(void);
Suite *signal_suite(void)
{
    Suite *s = suite_create("signal");
    TCase *tc = tcase_create("signal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_masks_and_take);
    tcase_add_test(tc, test_actions);
    tcase_add_test(tc, test_groups);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(signal_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
