/*
 * Unit tests for sim/backends/netlink (the model of a link between two nodes): a clean link
 * delivers every frame after exactly its latency; bandwidth adds the serialisation delay and
 * serialises back-to-back frames one after the other; the queue bound drops (and counts) what
 * does not fit, and frees as frames leave; loss, duplication and reordering happen at their
 * rates over many frames (within a few standard deviations), the same fates for one seed and
 * other fates for another, each rate's choices independent of the others (four draws per
 * frame); the two directions keep their own queues; rates outside [0, 1] are refused.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/backends/netlink.h"

static struct vs_link l;

static uint64_t rate(double r)
{
    uint64_t v = 0;
    ck_assert_int_eq(vs_link_rate(r, &v), 0);
    return v;
}

START_TEST(test_clean_latency)
{
    struct vs_link_params p = {.latency_ns = 1000000};
    vs_link_init(&l, &p, 1);
    uint64_t when[2];
    for (uint64_t t = 0; t < 100; t++) {
        ck_assert_uint_eq(vs_link_send(&l, t & 1, t * 10, 60, when), 1);
        ck_assert_uint_eq(when[0], t * 10 + 1000000);
    }
    ck_assert_uint_eq(l.dir[0].frames + l.dir[1].frames, 100);
    ck_assert_uint_eq(l.dir[0].lost + l.dir[0].overrun + l.dir[0].duplicated, 0);
}
END_TEST

START_TEST(test_bandwidth_serialisation)
{
    /* 10 Mbit/s: 1250 bytes take 1 ms; 1 byte takes 800 ns */
    struct vs_link_params p = {.latency_ns = 5000, .bandwidth_bps = 10000000};
    vs_link_init(&l, &p, 1);
    ck_assert_uint_eq(vs_link_serialise_ns(&l, 1250), 1000000);
    ck_assert_uint_eq(vs_link_serialise_ns(&l, 1), 800);
    uint64_t when[2];
    /* three frames at once: back to back on the wire */
    for (unsigned i = 0; i < 3; i++) {
        ck_assert_uint_eq(vs_link_send(&l, 0, 100, 1250, when), 1);
        ck_assert_uint_eq(when[0], 100 + (i + 1) * 1000000ull + 5000);
    }
    /* the other direction has its own wire */
    ck_assert_uint_eq(vs_link_send(&l, 1, 100, 1250, when), 1);
    ck_assert_uint_eq(when[0], 100 + 1000000 + 5000);
    /* long after: no waiting */
    ck_assert_uint_eq(vs_link_send(&l, 0, 10000000, 125, when), 1);
    ck_assert_uint_eq(when[0], 10000000 + 100000 + 5000);
    /* unlimited bandwidth: no serialisation */
    struct vs_link_params q = {.latency_ns = 7};
    vs_link_init(&l, &q, 1);
    ck_assert_uint_eq(vs_link_serialise_ns(&l, 1514), 0);
}
END_TEST

START_TEST(test_queue_bound)
{
    struct vs_link_params p = {.latency_ns = 1000, .bandwidth_bps = 8000000, .queue = 4};
    vs_link_init(&l, &p, 1);
    uint64_t when[2];
    unsigned ok = 0;
    for (unsigned i = 0; i < 10; i++) /* 1000 bytes: 1 ms each */
        ok += vs_link_send(&l, 0, 0, 1000, when);
    ck_assert_uint_eq(ok, 4);
    ck_assert_uint_eq(l.dir[0].overrun, 6);
    ck_assert_uint_eq(l.dir[0].frames, 4);
    /* the first frame has left after 1 ms: one place is free, no more */
    ck_assert_uint_eq(vs_link_send(&l, 0, 1000000, 1000, when), 1);
    ck_assert_uint_eq(when[0], 5000000 + 1000); /* behind the other four */
    ck_assert_uint_eq(vs_link_send(&l, 0, 1000000, 1000, when), 0);
    ck_assert_uint_eq(l.dir[0].overrun, 7);
    /* the other direction is untouched */
    ck_assert_uint_eq(vs_link_send(&l, 1, 0, 1000, when), 1);
    /* the default bound, and the most */
    struct vs_link_params q = {.latency_ns = 1, .queue = 100000};
    vs_link_init(&l, &q, 1);
    ck_assert_uint_eq(l.p.queue, VS_LINK_QUEUE_MAX);
    struct vs_link_params d = {.latency_ns = 1};
    vs_link_init(&l, &d, 1);
    ck_assert_uint_eq(l.p.queue, VS_LINK_QUEUE_DEFAULT);
}
END_TEST

/* n frames with the given rates and seed: the fates as a string of 'l'ost, 'd'uplicated,
 * 'r'eordered, '.' plain; and the counts */
#define N 20000
static char fates[N + 1];

static void run(double loss, double dup, double reorder, uint64_t seed)
{
    struct vs_link_params p = {.latency_ns = 1000,
                               .loss = rate(loss),
                               .duplicate = rate(dup),
                               .reorder = rate(reorder),
                               .reorder_ns = 500000};
    vs_link_init(&l, &p, seed);
    for (unsigned i = 0; i < N; i++) {
        uint64_t when[2], now = (uint64_t)i * 1000;
        unsigned n = vs_link_send(&l, 0, now, 100, when);
        fates[i] = n == 0                             ? 'l'
                   : when[0] > now + 1000             ? (n == 2 ? 'D' : 'r')
                   : n == 2 && when[1] == when[0] + 1 ? 'd'
                                                      : '.';
    }
    fates[N] = 0;
}

static void near_rate(uint64_t count, double r)
{
    double expect = r * N, sd = sqrt(N * r * (1 - r));
    ck_assert_msg(fabs((double)count - expect) <= 5 * sd + 1, "count %llu, expected %.0f +- %.0f",
                  (unsigned long long)count, expect, 5 * sd);
}

START_TEST(test_rates)
{
    run(0.2, 0.05, 0.1, 42);
    near_rate(l.dir[0].lost, 0.2);
    near_rate(l.dir[0].duplicated, 0.8 * 0.05); /* a lost frame is not duplicated */
    near_rate(l.dir[0].reordered, 0.8 * 0.1);
    ck_assert_uint_eq(l.dir[0].frames, N);
    /* a reordered frame arrives after frames sent later: the reordering is real */
    run(0, 0, 0.5, 42);
    near_rate(l.dir[0].reordered, 0.5);
    /* rates 0 and 1 */
    run(1, 0, 0, 42);
    ck_assert_uint_eq(l.dir[0].lost, N);
    run(0, 1, 0, 42);
    ck_assert_uint_eq(l.dir[0].duplicated, N);
    run(0, 0, 0, 42);
    ck_assert_uint_eq(l.dir[0].lost + l.dir[0].duplicated + l.dir[0].reordered, 0);
}
END_TEST

START_TEST(test_seeded)
{
    static char a[N + 1], b[N + 1];
    run(0.2, 0.05, 0.1, 7);
    memcpy(a, fates, sizeof a);
    run(0.2, 0.05, 0.1, 7);
    ck_assert_str_eq(fates, a); /* one seed, one set of fates */
    run(0.2, 0.05, 0.1, 8);
    ck_assert_str_ne(fates, a); /* another seed, others */
    /* links of one run get streams of their own */
    ck_assert_uint_ne(vs_link_seed(7, 0), vs_link_seed(7, 1));
    ck_assert_uint_eq(vs_link_seed(7, 1), vs_link_seed(7, 1));
    ck_assert_uint_ne(vs_link_seed(7, 0), vs_link_seed(8, 0));
    /* the loss choices do not move when another rate changes (four draws per frame) */
    run(0.2, 0, 0, 7);
    memcpy(b, fates, sizeof b);
    run(0.2, 0.3, 0.3, 7);
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(fates[i] == 'l', b[i] == 'l');
}
END_TEST

START_TEST(test_rate_range)
{
    uint64_t r;
    ck_assert_int_eq(vs_link_rate(-0.01, &r), -1);
    ck_assert_int_eq(vs_link_rate(1.01, &r), -1);
    ck_assert_int_eq(vs_link_rate(NAN, &r), -1);
    ck_assert_int_eq(vs_link_rate(1.0, &r), 0);
    ck_assert_uint_eq(r, VS_LINK_RATE_ONE);
    ck_assert_int_eq(vs_link_rate(0.0, &r), 0);
    ck_assert_uint_eq(r, 0);
    /* latency 0 is taken as 1: a frame never arrives the instant it was sent */
    struct vs_link_params p = {0};
    vs_link_init(&l, &p, 1);
    uint64_t when[2];
    ck_assert_uint_eq(vs_link_send(&l, 0, 5, 60, when), 1);
    ck_assert_uint_eq(when[0], 6);
}
END_TEST

START_TEST(test_jitter_bounded)
{
    struct vs_link_params p = {.latency_ns = 1000, .jitter_ns = 300};
    vs_link_init(&l, &p, 3);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < 5000; i++) {
        uint64_t when[2];
        ck_assert_uint_eq(vs_link_send(&l, 0, 0, 60, when), 1);
        lo = when[0] < lo ? when[0] : lo;
        hi = when[0] > hi ? when[0] : hi;
    }
    ck_assert_uint_eq(lo, 1000);
    ck_assert_uint_eq(hi, 1300);
}
END_TEST

static Suite *netlink_suite(void)
{
    Suite *s = suite_create("netlink");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_clean_latency);
    tcase_add_test(tc, test_bandwidth_serialisation);
    tcase_add_test(tc, test_queue_bound);
    tcase_add_test(tc, test_rates);
    tcase_add_test(tc, test_seeded);
    tcase_add_test(tc, test_rate_range);
    tcase_add_test(tc, test_jitter_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(netlink_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
