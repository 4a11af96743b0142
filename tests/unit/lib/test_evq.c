/*
 * Unit tests for os/lib/evq (vl_evq): ordering by (time, insertion), ties, cancel anywhere, re-add,
 * empty queue, fini disarming, and a randomized comparison against a sorted-array reference
 * model over thousands of add/re-add/cancel/pop operations with many equal times.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "vl_evq.h"
#include "veridian/errors.h"

static struct vl_evq q;

static void setup(void)
{
    ck_assert_int_eq(vl_evq_init(&q, realloc, free), 0);
}

static void teardown(void)
{
    vl_evq_fini(&q);
    ck_assert_ptr_null(q.heap);
}

/* Checks the heap property and the index back-links of every queued timer. */
static void check_heap(const struct vl_evq *eq)
{
    for (uint32_t i = 0; i < eq->count; i++) {
        const struct vl_timer *t = eq->heap[i];
        ck_assert_uint_eq(t->heap_index, i);
        ck_assert_uint_ne(t->armed, 0);
        if (i > 0) {
            const struct vl_timer *p = eq->heap[(i - 1) / 2];
            ck_assert(p->time < t->time || (p->time == t->time && p->seq < t->seq));
        }
    }
}

START_TEST(test_empty)
{
    ck_assert_ptr_null(vl_evq_peek(&q));
    ck_assert_ptr_null(vl_evq_pop(&q));
    struct vl_timer t;
    vl_timer_init(&t, NULL, NULL);
    vl_evq_cancel(&q, &t); /* not armed: no-op */
    ck_assert_uint_eq(q.count, 0);
    ck_assert_uint_eq(t.armed, 0);
}
END_TEST

START_TEST(test_order_and_ties)
{
    struct vl_timer t[8];
    static const uint64_t times[8] = {50, 10, 30, 10, 10, 50, 0, 30};
    static const int expect[8] = {6, 1, 3, 4, 2, 7, 0, 5};

    for (int i = 0; i < 8; i++) {
        vl_timer_init(&t[i], NULL, &t[i]);
        ck_assert_int_eq(vl_evq_add(&q, &t[i], times[i]), 0);
        ck_assert_uint_eq(t[i].armed, 1);
    }
    check_heap(&q);
    ck_assert_ptr_eq(vl_evq_peek(&q), &t[6]);
    for (int i = 0; i < 8; i++) {
        struct vl_timer *p = vl_evq_pop(&q);
        ck_assert_ptr_eq(p, &t[expect[i]]);
        ck_assert_uint_eq(p->armed, 0);
        check_heap(&q);
    }
    ck_assert_ptr_null(vl_evq_pop(&q));
}
END_TEST

START_TEST(test_cancel_middle)
{
    struct vl_timer t[10];

    for (int i = 0; i < 10; i++) {
        vl_timer_init(&t[i], NULL, NULL);
        ck_assert_int_eq(vl_evq_add(&q, &t[i], (uint64_t)(i * 7 % 10)), 0);
    }
    vl_evq_cancel(&q, &t[4]); /* time 8 */
    vl_evq_cancel(&q, &t[0]); /* time 0: the root */
    vl_evq_cancel(&q, &t[9]); /* time 3 */
    vl_evq_cancel(&q, &t[9]); /* again: no-op */
    ck_assert_uint_eq(t[4].armed, 0);
    ck_assert_uint_eq(q.count, 7);
    check_heap(&q);
    uint64_t last = 0;
    int n = 0;
    for (struct vl_timer *p; (p = vl_evq_pop(&q)) != NULL; n++) {
        ck_assert(p != &t[4] && p != &t[0] && p != &t[9]);
        ck_assert_uint_ge(p->time, last);
        last = p->time;
    }
    ck_assert_int_eq(n, 7);
}
END_TEST

START_TEST(test_readd_moves)
{
    struct vl_timer a, b, c;

    vl_timer_init(&a, NULL, NULL);
    vl_timer_init(&b, NULL, NULL);
    vl_timer_init(&c, NULL, NULL);
    ck_assert_int_eq(vl_evq_add(&q, &a, 100), 0);
    ck_assert_int_eq(vl_evq_add(&q, &b, 100), 0);
    ck_assert_int_eq(vl_evq_add(&q, &c, 200), 0);
    /* Re-adding a at the same time puts it behind b: a re-add counts as a new insertion. */
    ck_assert_int_eq(vl_evq_add(&q, &a, 100), 0);
    ck_assert_uint_eq(q.count, 3);
    /* Move c earlier than everything, then b later than everything. */
    ck_assert_int_eq(vl_evq_add(&q, &c, 5), 0);
    ck_assert_int_eq(vl_evq_add(&q, &b, 300), 0);
    check_heap(&q);
    ck_assert_ptr_eq(vl_evq_pop(&q), &c);
    ck_assert_ptr_eq(vl_evq_pop(&q), &a);
    ck_assert_ptr_eq(vl_evq_pop(&q), &b);
    ck_assert_ptr_null(vl_evq_pop(&q));
    /* A popped timer can be armed again. */
    ck_assert_int_eq(vl_evq_add(&q, &a, 1), 0);
    ck_assert_ptr_eq(vl_evq_peek(&q), &a);
}
END_TEST

START_TEST(test_fini_disarms)
{
    struct vl_evq q2;
    struct vl_timer t[100];

    ck_assert_int_eq(vl_evq_init(&q2, realloc, free), 0);
    for (int i = 0; i < 100; i++) {
        vl_timer_init(&t[i], NULL, NULL);
        ck_assert_int_eq(vl_evq_add(&q2, &t[i], (uint64_t)(99 - i)), 0);
    }
    ck_assert_uint_ge(q2.cap, 100);
    vl_evq_fini(&q2);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(t[i].armed, 0);
}
END_TEST

static int fired;

static void count_fire(void *ctx, struct vl_timer *t)
{
    ck_assert_ptr_eq(ctx, t);
    fired++;
}

START_TEST(test_callback_fields_kept)
{
    struct vl_timer t;

    vl_timer_init(&t, count_fire, &t);
    fired = 0;
    ck_assert_int_eq(vl_evq_add(&q, &t, 42), 0);
    struct vl_timer *p = vl_evq_pop(&q);
    ck_assert_uint_eq(p->time, 42);
    p->fn(p->ctx, p);
    ck_assert_int_eq(fired, 1);
}
END_TEST

/* ---- randomized comparison against a reference model ---- */

enum { POOL = 300, OPS = 20000 };

/* Reference: every armed timer with its key; pop = linear scan for the minimum key. */
struct ref_entry {
    int armed;
    uint64_t time, seq;
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64*: local to the test so it does not depend on the module under test. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int ref_min(const struct ref_entry *ref)
{
    int best = -1;
    for (int i = 0; i < POOL; i++) {
        if (!ref[i].armed)
            continue;
        if (best < 0 || ref[i].time < ref[best].time ||
            (ref[i].time == ref[best].time && ref[i].seq < ref[best].seq))
            best = i;
    }
    return best;
}

/* At most VL_EVQ_MAX timers are armed: one more is refused (and left unarmed); moving an
 * armed one still works; room comes back after a pop. */
START_TEST(test_bounded)
{
    struct vl_timer *t = calloc(VL_EVQ_MAX + 1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    for (uint32_t i = 0; i < VL_EVQ_MAX; i++)
        ck_assert_int_eq(vl_evq_add(&q, &t[i], 1000 + i), 0);
    ck_assert_int_eq(vl_evq_add(&q, &t[VL_EVQ_MAX], 5), -VK_ENOMEM);
    ck_assert_uint_eq(t[VL_EVQ_MAX].armed, 0);
    ck_assert_int_eq(vl_evq_add(&q, &t[7], 1), 0); /* re-adding an armed timer needs no room */
    ck_assert_ptr_eq(vl_evq_pop(&q), &t[7]);
    ck_assert_int_eq(vl_evq_add(&q, &t[VL_EVQ_MAX], 5), 0);
    ck_assert_ptr_eq(vl_evq_peek(&q), &t[VL_EVQ_MAX]);
    vl_evq_fini(&q);
    free(t);
    ck_assert_int_eq(vl_evq_init(&q, realloc, free), 0);
}
END_TEST

START_TEST(test_random_vs_reference)
{
    static struct vl_timer t[POOL];
    static struct ref_entry ref[POOL];
    uint64_t seq = 0, now = 0;
    int armed = 0;

    rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
    for (int i = 0; i < POOL; i++) {
        vl_timer_init(&t[i], NULL, NULL);
        ref[i].armed = 0;
    }
    for (int op = 0; op < OPS; op++) {
        uint64_t r = rng_next();
        int i = (int)(rng_next() % POOL);
        switch (r % 8) {
        case 0:
        case 1:
        case 2:
        case 3: { /* add or re-add, small time range: many ties */
            uint64_t when = now + rng_next() % 16;
            ck_assert_int_eq(vl_evq_add(&q, &t[i], when), 0);
            armed += !ref[i].armed;
            ref[i] = (struct ref_entry){.armed = 1, .time = when, .seq = seq++};
            break;
        }
        case 4:
        case 5: /* cancel (possibly not armed) */
            vl_evq_cancel(&q, &t[i]);
            armed -= ref[i].armed;
            ref[i].armed = 0;
            break;
        default: { /* pop */
            int want = ref_min(ref);
            struct vl_timer *p = vl_evq_pop(&q);
            if (want < 0) {
                ck_assert_ptr_null(p);
                break;
            }
            ck_assert_ptr_eq(p, &t[want]);
            ck_assert_uint_eq(p->time, ref[want].time);
            ref[want].armed = 0;
            armed--;
            now = p->time;
            break;
        }
        }
        ck_assert_uint_eq(q.count, (uint32_t)armed);
        for (int k = 0; k < POOL; k += 37)
            ck_assert_uint_eq(t[k].armed != 0, ref[k].armed);
        if (op % 256 == 0)
            check_heap(&q);
    }
    /* Drain: the rest comes out in reference order. */
    for (int want; (want = ref_min(ref)) >= 0;) {
        ck_assert_ptr_eq(vl_evq_pop(&q), &t[want]);
        ref[want].armed = 0;
    }
    ck_assert_ptr_null(vl_evq_pop(&q));
}
END_TEST

Suite *evq_suite(void);

Suite *evq_suite(void)
{
    Suite *s = suite_create("evq");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_order_and_ties);
    tcase_add_test(tc, test_cancel_middle);
    tcase_add_test(tc, test_readd_moves);
    tcase_add_test(tc, test_fini_disarms);
    tcase_add_test(tc, test_callback_fields_kept);
    tcase_add_test(tc, test_bounded);
    tcase_add_loop_test(tc, test_random_vs_reference, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(evq_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
