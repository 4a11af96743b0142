/*
 * Processes and threads: the thread quotas (per process, per machine: -VK_EAGAIN, nothing
 * created), the kernel-stack pool behind them (never more stacks than the machine's limit,
 * reused after reaping), and room coming back once threads are gone.
 */
#include "kt.h"

static struct kt T;
static long R[16];
static uint64_t V[16];

static void setup(void)
{
    memset(R, 0, sizeof R);
    memset(V, 0, sizeof V);
    kt_init(&T, 1);
}

static void teardown(void)
{
    kt_fini(&T);
}

/* Sleeps 1 ms of virtual time, then ends. */
static void sleeper(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 1000000);
}

/* Threads for p until the kernel says no: the count created; *rc the refusal. */
static long fill(struct vk_process *p, long *rc)
{
    long n = 0;
    while ((*rc = vk_thread_create_kthread(T.k, p, sleeper, NULL, NULL)) == 0)
        n++;
    return n;
}

START_TEST(test_thread_quota)
{
    struct vk_kernel *k = T.k;
    struct vk_process *p[4];
    long made[4], rc[4];
    for (int i = 0; i < 4; i++) {
        p[i] = kt_spawn(&T, "filler", sleeper, NULL);
        made[i] = fill(p[i], &rc[i]);
    }
    /* one process stops at its own limit; four fill the machine exactly */
    ck_assert_int_eq(made[0], VK_PROCESS_THREADS_MAX - 1);
    ck_assert_int_eq(rc[0], -VK_EAGAIN);
    ck_assert_uint_eq(k->nthreads, VK_MACHINE_THREADS_MAX);
    ck_assert_int_eq(rc[3], -VK_EAGAIN);
    struct vk_process *q;
    ck_assert_int_eq(vk_process_create_kthread(k, "one more", sleeper, NULL, &q), -VK_EAGAIN);
    uint64_t objects = k->stats.objects_live;
    ck_assert_int_eq(vk_thread_create_kthread(k, p[0], sleeper, NULL, NULL), -VK_EAGAIN);
    ck_assert_uint_eq(k->stats.objects_live, objects); /* a refusal creates nothing */
#ifdef KT_PLATFORM_SIM
    ck_assert_uint_eq(T.m->kstacks.next, VS_KSTACKS);
#else
    ck_assert_uint_eq(T.m->stacks_live, VK_MACHINE_THREADS_MAX);
#endif
    kt_run(&T);
    /* all gone and reaped: every stack is back in the pool, none was made twice */
    ck_assert_uint_eq(k->nthreads, 0);
#ifdef KT_PLATFORM_SIM
    ck_assert_uint_eq(T.m->kstacks.nfree, VS_KSTACKS);
    ck_assert_uint_eq(T.m->kstacks.next, VS_KSTACKS);
#else
    ck_assert_uint_eq(T.m->stacks_live, 0);
#endif
    /* and there is room again */
    kt_spawn(&T, "again", sleeper, NULL);
#ifdef KT_PLATFORM_SIM
    ck_assert_uint_eq(T.m->kstacks.nfree, VS_KSTACKS - 1);
#else
    ck_assert_uint_eq(T.m->stacks_live, 1);
#endif
    kt_run(&T);
}
END_TEST

/* A thread that exits gives its stack back before the next one is made: a process that
 * starts and ends threads one at a time uses two stacks however long it goes on. */
static void serial(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    long fails = 0;
    for (uint32_t i = 0; i < 3 * VK_MACHINE_THREADS_MAX; i++) {
        if (vk_thread_create_kthread(k, k->cur->proc, sleeper, NULL, NULL))
            fails++;
        kc(k, VK_NR_WAIT_MANY, 0, 0, k->now + 2000000); /* it sleeps 1 ms and ends */
    }
    R[0] = fails;
#ifdef KT_PLATFORM_SIM
    V[0] = ((struct vk_machine *)k->platform)->kstacks.next; /* stacks ever made */
#else
    V[0] = ((struct fake_machine *)k->platform)->stacks_peak; /* most alive at once */
#endif
}

START_TEST(test_stack_reuse)
{
    kt_spawn(&T, "serial", serial, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_uint_le(V[0], 2);
}
END_TEST

Suite *process_suite(void);
Suite *process_suite(void)
{
    Suite *s = suite_create("process");
    TCase *tc = tcase_create("process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_thread_quota);
    tcase_add_test(tc, test_stack_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(process_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
