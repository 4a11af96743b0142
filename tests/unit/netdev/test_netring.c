/*
 * unit.netdev.netring: the frame ring of veridian/netdev.h (shared by drivers/virtio-net and
 * os/netstack), both sides in one process over one area: order and contents across the 32-bit
 * index wrap, a full ring, the wake-up flags, and a peer that lies (an index out of range, a
 * slot length out of range): counted, dropped, never a read or write outside the area. A
 * randomized run checks producer and consumer against a plain FIFO model.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/netdev.h"

static struct netdev_ring_area *area;
static struct netdev_ring prod, cons;

static void setup(void)
{
    area = calloc(1, sizeof *area);
    ck_assert_ptr_nonnull(area);
    netdev_ring_init(&prod, &area->tx, area->tx_slots, 1);
    netdev_ring_init(&cons, &area->tx, area->tx_slots, 0);
}

static void teardown(void)
{
    free(area);
    area = NULL;
}

/* Both sides start at index start (as after 2^32 - k frames). */
static void start_at(uint32_t start)
{
    atomic_store(&area->tx.head, start);
    atomic_store(&area->tx.tail, start);
    netdev_ring_init(&prod, &area->tx, area->tx_slots, 1);
    netdev_ring_init(&cons, &area->tx, area->tx_slots, 0);
}

static void fill(uint8_t *f, uint32_t len, uint32_t seq)
{
    for (uint32_t i = 0; i < len; i++)
        f[i] = (uint8_t)(seq * 31u + i);
}

static int check_frame(const uint8_t *f, uint32_t len, uint32_t seq)
{
    for (uint32_t i = 0; i < len; i++)
        if (f[i] != (uint8_t)(seq * 31u + i))
            return 0;
    return 1;
}

START_TEST(wraps_around)
{
    uint8_t f[NETDEV_MAX_FRAME], g[NETDEV_MAX_FRAME];
    start_at(UINT32_MAX - 100u);
    uint32_t sent = 0, got = 0;
    for (int round = 0; round < 50; round++) {
        uint32_t batch = 1u + (uint32_t)round % NETDEV_RING_SLOTS;
        for (uint32_t k = 0; k < batch; k++, sent++) {
            uint32_t len = NETDEV_MIN_FRAME + (sent * 97u) % (NETDEV_MAX_FRAME - NETDEV_MIN_FRAME);
            fill(f, len, sent);
            ck_assert_int_eq(netdev_ring_push(&prod, f, len), 0);
        }
        uint32_t n;
        while ((n = netdev_ring_pop(&cons, g, sizeof g))) {
            ck_assert_uint_eq(n, NETDEV_MIN_FRAME +
                                     (got * 97u) % (NETDEV_MAX_FRAME - NETDEV_MIN_FRAME));
            ck_assert(check_frame(g, n, got));
            got++;
        }
        ck_assert_uint_eq(got, sent);
    }
    ck_assert(atomic_load(&area->tx.head) < 2000u); /* it did wrap */
    ck_assert_uint_eq(prod.bad_index + cons.bad_index + cons.bad_len + prod.full, 0);
    ck_assert_uint_eq(cons.frames, sent);
}
END_TEST

START_TEST(full_ring)
{
    uint8_t f[64] = {0};
    start_at(UINT32_MAX - 3u);
    for (uint32_t k = 0; k < NETDEV_RING_SLOTS; k++)
        ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_uint_eq(netdev_ring_space(&prod), 0);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), -1);
    ck_assert_uint_eq(prod.full, 1);
    ck_assert_uint_eq(prod.bad_index, 0);
    ck_assert_uint_eq(netdev_ring_avail(&cons), NETDEV_RING_SLOTS);
    ck_assert_uint_eq(netdev_ring_pop(&cons, f, sizeof f), sizeof f);
    ck_assert_uint_eq(netdev_ring_space(&prod), 1);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_uint_eq(netdev_ring_avail(&cons), NETDEV_RING_SLOTS);
    /* lengths the producer itself refuses */
    ck_assert_int_eq(netdev_ring_push(&prod, f, NETDEV_MIN_FRAME - 1), -1);
}
END_TEST

START_TEST(wake_flags)
{
    uint8_t f[60] = {0};
    ck_assert_uint_eq(netdev_ring_arm_consumer(&cons), 0); /* empty: the consumer may sleep */
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_int_eq(netdev_ring_wake_consumer(&prod), 1); /* one signal for the batch */
    ck_assert_int_eq(netdev_ring_wake_consumer(&prod), 0);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_int_eq(netdev_ring_wake_consumer(&prod), 0); /* the consumer did not ask again */
    ck_assert_uint_eq(netdev_ring_arm_consumer(&cons), 3); /* armed, but frames are there */
    while (netdev_ring_pop(&cons, f, sizeof f))
        ;
    /* the producer side: full, asks; the consumer frees and wakes it once */
    for (uint32_t k = 0; k < NETDEV_RING_SLOTS; k++)
        ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    ck_assert_uint_eq(netdev_ring_arm_producer(&prod), 0);
    ck_assert_int_eq(netdev_ring_wake_producer(&cons), 1);
    ck_assert_int_eq(netdev_ring_wake_producer(&cons), 0);
}
END_TEST

/* The producer lies about head: the consumer reads nothing beyond the ring, resynchronises,
 * counts; frames produced afterwards arrive. */
START_TEST(bad_head_from_peer)
{
    uint8_t f[100];
    start_at(UINT32_MAX - 10u);
    fill(f, sizeof f, 1);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    uint32_t lie = prod.idx + NETDEV_RING_SLOTS; /* one more than could be there */
    atomic_store(&area->tx.head, lie);
    ck_assert_uint_eq(netdev_ring_avail(&cons), 0);
    ck_assert_uint_eq(cons.bad_index, 1);
    ck_assert_uint_eq(atomic_load(&area->tx.tail), lie); /* dropped: resynchronised there */
    ck_assert_uint_eq(netdev_ring_pop(&cons, f, sizeof f), 0);
    /* a head behind the tail (it moved backwards) */
    atomic_store(&area->tx.head, lie - 5u);
    ck_assert_uint_eq(netdev_ring_avail(&cons), 0);
    ck_assert_uint_eq(cons.bad_index, 2);
    /* an honest producer at the consumer's index goes on */
    atomic_store(&area->tx.head, cons.idx);
    prod.idx = cons.idx;
    fill(f, sizeof f, 7);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    uint8_t g[NETDEV_MAX_FRAME];
    ck_assert_uint_eq(netdev_ring_pop(&cons, g, sizeof g), sizeof f);
    ck_assert(check_frame(g, sizeof f, 7));
}
END_TEST

/* The consumer lies about tail: the producer takes the ring as full and never overwrites. */
START_TEST(bad_tail_from_peer)
{
    uint8_t f[60] = {0};
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), 0);
    atomic_store(&area->tx.tail, prod.idx + 1u); /* ahead of head */
    ck_assert_uint_eq(netdev_ring_space(&prod), 0);
    ck_assert_int_eq(netdev_ring_push(&prod, f, sizeof f), -1);
    ck_assert_uint_eq(prod.bad_index, 2);
    ck_assert_uint_eq(prod.full, 1);
    atomic_store(&area->tx.tail, prod.idx - NETDEV_RING_SLOTS - 1u); /* too far behind */
    ck_assert_uint_eq(netdev_ring_space(&prod), 0);
    atomic_store(&area->tx.tail, prod.idx - 1u); /* honest again */
    ck_assert_uint_eq(netdev_ring_space(&prod), NETDEV_RING_SLOTS - 1u);
}
END_TEST

/* Slot lengths out of range are counted and dropped; the frames around them arrive. */
START_TEST(bad_len_from_peer)
{
    static const uint32_t bad[] = {0, NETDEV_MIN_FRAME - 1, NETDEV_MAX_FRAME + 1, 4096, UINT32_MAX};
    uint8_t f[NETDEV_MAX_FRAME];
    uint32_t seq = 0;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        fill(f, 80, seq);
        ck_assert_int_eq(netdev_ring_push(&prod, f, 80), 0);
        seq++;
        netdev_ring_produce(&prod, bad[k]); /* the slot's length is a lie */
    }
    const uint8_t *p;
    uint32_t n;
    for (uint32_t s = 0; s < seq; s++) {
        ck_assert_int_eq(netdev_ring_peek(&cons, &p, &n), 1);
        ck_assert_uint_eq(n, 80);
        ck_assert(check_frame(p, n, s));
        ck_assert(p >= (const uint8_t *)area && p + n <= (const uint8_t *)(area + 1));
        netdev_ring_release(&cons, n);
    }
    ck_assert_int_eq(netdev_ring_peek(&cons, &p, &n), 0);
    ck_assert_uint_eq(cons.bad_len, sizeof bad / sizeof bad[0]);
    ck_assert_uint_eq(cons.frames, seq);
}
END_TEST

/* Random pushes and pops (random batch sizes and lengths) against a FIFO of sequence numbers. */
START_TEST(random_against_model)
{
    uint32_t model_seq[NETDEV_RING_SLOTS], model_len[NETDEV_RING_SLOTS];
    uint32_t mhead = 0, mtail = 0, seq = 0;
    uint8_t f[NETDEV_MAX_FRAME];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    start_at(UINT32_MAX - 1000u);
    for (int step = 0; step < 20000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x & 1) {
            uint32_t len = NETDEV_MIN_FRAME + (uint32_t)(x >> 8) % 200u;
            fill(f, len, seq);
            int rc = netdev_ring_push(&prod, f, len);
            if (mhead - mtail == NETDEV_RING_SLOTS) {
                ck_assert_int_eq(rc, -1);
            } else {
                ck_assert_int_eq(rc, 0);
                model_seq[mhead % NETDEV_RING_SLOTS] = seq;
                model_len[mhead % NETDEV_RING_SLOTS] = len;
                mhead++;
                seq++;
            }
        } else {
            uint32_t n = netdev_ring_pop(&cons, f, sizeof f);
            if (mhead == mtail) {
                ck_assert_uint_eq(n, 0);
            } else {
                ck_assert_uint_eq(n, model_len[mtail % NETDEV_RING_SLOTS]);
                ck_assert(check_frame(f, n, model_seq[mtail % NETDEV_RING_SLOTS]));
                mtail++;
            }
        }
        ck_assert_uint_eq(netdev_ring_avail(&cons), mhead - mtail);
    }
    ck_assert_uint_eq(prod.bad_index + cons.bad_index + cons.bad_len, 0);
}
END_TEST

static Suite *netring_suite(void)
{
    Suite *s = suite_create("netring");
    TCase *tc = tcase_create("ring");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, wraps_around);
    tcase_add_test(tc, full_ring);
    tcase_add_test(tc, wake_flags);
    tcase_add_test(tc, bad_head_from_peer);
    tcase_add_test(tc, bad_tail_from_peer);
    tcase_add_test(tc, bad_len_from_peer);
    tcase_add_test(tc, random_against_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(netring_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
