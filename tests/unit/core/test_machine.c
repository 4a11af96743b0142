/*
 * Machines: two machines live in one host process (each with its own arena, kernel and
 * trace) without touching each other; a machine destroyed and made again comes back at the
 * same addresses and, with the same seed, repeats its run bit for bit.
 */
#include "kt.h"

struct worker {
    struct vk_kernel *k;
    long sum;
    uint64_t scratch;
};

static void worker_fn(void *arg)
{
    struct worker *w = arg;
    struct vk_kernel *k = w->k;
    uint32_t *h = kt_scratch(k);
    w->scratch = U(h);
    kc(k, VK_NR_NOTIFY_CREATE, U(h));
    for (int i = 0; i < 100; i++) {
        kc(k, VK_NR_NOTIFY_SIGNAL, h[0], 1);
        w->sum += kc(k, VK_NR_GETPID, 0) + i;
    }
    kc(k, VK_NR_HANDLE_CLOSE, h[0]);
}

static struct vk_machine *make(uint32_t index)
{
    struct vs_options o = {.seed = 9, .kcall_cost_ns = 100, .quiet = 1, .machine_index = index};
    struct vk_machine *m;
    ck_assert_int_eq(vs_machine_create(&m, &o), 0);
    return m;
}

START_TEST(test_two_machines)
{
    struct vk_machine *a = make(0), *b = make(1);
    ck_assert_uint_ne(a->arena.base, b->arena.base);
    struct worker wa = {.k = &a->k}, wb = {.k = &b->k};
    struct vk_process *p;
    ck_assert_int_eq(vk_process_create_kthread(&a->k, "a", worker_fn, &wa, &p), 0);
    ck_assert_int_eq(vk_process_create_kthread(&b->k, "b", worker_fn, &wb, &p), 0);
    vs_machine_run(a);
    vs_machine_run(b);
    ck_assert_int_eq(wa.sum, wb.sum);
    ck_assert_uint_eq(wa.scratch - a->arena.base, wb.scratch - b->arena.base);
    /* addresses differ between arenas, and they are part of the trace */
    ck_assert_uint_ne(vs_machine_digest(a), vs_machine_digest(b));
    uint64_t digest = vs_machine_digest(a);
    ck_assert_uint_eq(a->k.stats.objects_live, 2);
    ck_assert_uint_eq(b->k.stats.objects_live, 2);
    uint64_t first = wa.scratch;
    vs_machine_destroy(a);
    vs_machine_destroy(b);

    /* made again: the same addresses (the arena is a fixed region, not wherever mmap likes) */
    a = make(0);
    struct worker wc = {.k = &a->k};
    ck_assert_int_eq(vk_process_create_kthread(&a->k, "a", worker_fn, &wc, &p), 0);
    vs_machine_run(a);
    ck_assert_uint_eq(wc.scratch, first);
    ck_assert_uint_eq(vs_machine_digest(a), digest); /* same seed, same run, bit for bit */
    vs_machine_destroy(a);
}
END_TEST

START_TEST(test_arena_taken)
{
    struct vk_machine *a = make(2), *b;
    struct vs_options o = {.seed = 1, .quiet = 1, .machine_index = 2};
    /* the same index twice: the fixed range is in use, and creation says so */
    ck_assert_int_lt(vs_machine_create(&b, &o), 0);
    o.machine_index = VS_ARENA_MAX_MACHINES;
    ck_assert_int_lt(vs_machine_create(&b, &o), 0);
    vs_machine_destroy(a);
}
END_TEST

Suite *machine_suite(void);
Suite *machine_suite(void)
{
    Suite *s = suite_create("machine");
    TCase *tc = tcase_create("machine");
    tcase_add_test(tc, test_two_machines);
    tcase_add_test(tc, test_arena_taken);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(machine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
