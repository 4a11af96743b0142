/*
 * Unit tests for the driver side of split virtqueues (drivers/virtio/vdrv_ring.c), against a
 * fake device: a test memory holding the rings, and a tiny device that reads the available
 * ring and writes used elements the way the spec says (or, for the malicious cases, garbage).
 *
 * Fixed cases: layout and alignment, a chain's descriptors and flags, completion returning the
 * cookie and length, free descriptors coming back, ENOSPC; every garbage kind the library must
 * refuse (used index ahead of the chains in flight, id out of range, id of a free descriptor,
 * id of a non-head descriptor, a length beyond the chain's writable bytes, a completion
 * repeated), each failing with EIO, the queue then broken until re-initialised, and the
 * in-flight cookies handed back. Random sequences of add / well-behaved completions in any
 * order, checked against a reference list of what is in flight, with vdrv_vq_check after every
 * step.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vdrv_ring.h"
#include "veridian/errors.h"

#define IOVA 0x100000ull

static _Alignas(16) uint8_t mem[16384];

struct fake_dev {
    struct vdrv_vq *vq;
    uint16_t last_avail, used_idx;
};

static uint16_t rd16(uint64_t off)
{
    uint16_t v;
    memcpy(&v, mem + off, 2);
    return v;
}

static void wr16(uint64_t off, uint16_t v)
{
    memcpy(mem + off, &v, 2);
}

static void wr32(uint64_t off, uint32_t v)
{
    memcpy(mem + off, &v, 4);
}

/* The device takes the next available head (-1 if none). */
static int dev_pop(struct fake_dev *d)
{
    struct vdrv_vq *vq = d->vq;
    if (rd16(vq->avail_off + 2) == d->last_avail)
        return -1;
    uint16_t head = rd16(vq->avail_off + 4 + 2u * (d->last_avail & (vq->size - 1u)));
    d->last_avail++;
    return head;
}

/* The device writes a used element and publishes it. */
static void dev_push(struct fake_dev *d, uint32_t id, uint32_t len)
{
    struct vdrv_vq *vq = d->vq;
    uint64_t e = vq->used_off + 4 + 8u * (d->used_idx & (vq->size - 1u));
    wr32(e, id);
    wr32(e + 4, len);
    d->used_idx++;
    wr16(vq->used_off + 2, d->used_idx);
}

static struct vdrv_desc desc(const struct vdrv_vq *vq, uint16_t i)
{
    struct vdrv_desc x;
    memcpy(&x, mem + vq->desc_off + 16u * i, sizeof x);
    return x;
}

static int cookies[VDRV_VQ_MAX];

static void setup(struct vdrv_vq *vq, struct fake_dev *d, uint16_t size)
{
    memset(mem, 0xa5, sizeof mem); /* init must zero what it uses */
    ck_assert_int_eq(vdrv_vq_init(vq, size, mem, IOVA), 0);
    memset(d, 0, sizeof *d);
    d->vq = vq;
    ck_assert_int_eq(vdrv_vq_check(vq), 0);
}

START_TEST(test_layout)
{
    uint64_t d, a, u, t;
    vdrv_vq_layout(16, &d, &a, &u, &t);
    ck_assert_uint_eq(d, 0);
    ck_assert_uint_eq(a, 256);
    ck_assert_uint_eq(u % 4, 0);
    ck_assert_uint_ge(u, a + 6 + 32);
    ck_assert_uint_eq(t, u + 6 + 8 * 16);
    vdrv_vq_layout(256, &d, &a, &u, &t);
    ck_assert_uint_le(t, sizeof mem);
    struct vdrv_vq vq;
    ck_assert_int_eq(vdrv_vq_init(&vq, 0, mem, IOVA), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_init(&vq, 12, mem, IOVA), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_init(&vq, 512, mem, IOVA), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_init(&vq, 8, mem, IOVA), 0);
    ck_assert_uint_eq(vdrv_vq_desc_iova(&vq), IOVA);
    ck_assert_uint_eq(vdrv_vq_avail_iova(&vq), IOVA + vq.avail_off);
    ck_assert_uint_eq(vdrv_vq_used_iova(&vq), IOVA + vq.used_off);
    ck_assert_uint_eq(vdrv_vq_used_iova(&vq) % 4, 0);
}
END_TEST

START_TEST(test_chain_and_complete)
{
    struct vdrv_vq vq;
    struct fake_dev d;
    setup(&vq, &d, 8);
    struct vdrv_buf b[3] = {
        {.iova = 0x1000, .len = 16, .write = false},
        {.iova = 0x2000, .len = 512, .write = true},
        {.iova = 0x3000, .len = 1, .write = true},
    };
    ck_assert_int_eq(vdrv_vq_add(&vq, b, 3, &cookies[1]), 0);
    ck_assert_uint_eq(vq.num_free, 5);
    int head = dev_pop(&d);
    ck_assert_int_ge(head, 0);
    struct vdrv_desc x = desc(&vq, (uint16_t)head);
    ck_assert_uint_eq(x.addr, 0x1000);
    ck_assert_uint_eq(x.len, 16);
    ck_assert_uint_eq(x.flags, VDRV_DESC_F_NEXT);
    x = desc(&vq, x.next);
    ck_assert_uint_eq(x.addr, 0x2000);
    ck_assert_uint_eq(x.flags, VDRV_DESC_F_NEXT | VDRV_DESC_F_WRITE);
    x = desc(&vq, x.next);
    ck_assert_uint_eq(x.addr, 0x3000);
    ck_assert_uint_eq(x.flags, VDRV_DESC_F_WRITE);
    ck_assert(vdrv_vq_need_notify(&vq));

    void *c = NULL;
    uint32_t len = 0;
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), 0); /* nothing used yet */
    dev_push(&d, (uint32_t)head, 513);               /* all the writable bytes */
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), 1);
    ck_assert_ptr_eq(c, &cookies[1]);
    ck_assert_uint_eq(len, 513);
    ck_assert_uint_eq(vq.num_free, 8);
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), 0);
    ck_assert_int_eq(vdrv_vq_check(&vq), 0);
}
END_TEST

START_TEST(test_add_refusals)
{
    struct vdrv_vq vq;
    struct fake_dev d;
    setup(&vq, &d, 4);
    struct vdrv_buf w = {.iova = 0x1000, .len = 8, .write = true};
    struct vdrv_buf r = {.iova = 0x1000, .len = 8, .write = false};
    struct vdrv_buf bad[2] = {w, r}; /* readable after writable */
    struct vdrv_buf zero = {.iova = 0x1000, .len = 0, .write = true};
    struct vdrv_buf five[5] = {w, w, w, w, w};
    ck_assert_int_eq(vdrv_vq_add(&vq, bad, 2, NULL), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_add(&vq, &zero, 1, NULL), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_add(&vq, &w, 0, NULL), -VK_EINVAL);
    ck_assert_int_eq(vdrv_vq_add(&vq, five, 5, NULL), -VK_ENOSPC);
    ck_assert_int_eq(vdrv_vq_add(&vq, five, 4, NULL), 0);
    ck_assert_int_eq(vdrv_vq_add(&vq, &w, 1, NULL), -VK_ENOSPC);
    ck_assert_int_eq(vdrv_vq_check(&vq), 0);
}
END_TEST

/* Garbage from the device: kind selects what it writes after one honest pop. */
enum garbage {
    G_IDX_AHEAD,  /* used index beyond the chains in flight */
    G_IDX_WRAP,   /* used index far behind (wraps to a huge count) */
    G_ID_RANGE,   /* id >= size */
    G_ID_HUGE,    /* id with high bits (a 32-bit field) */
    G_ID_FREE,    /* id of a descriptor that is free */
    G_ID_NOTHEAD, /* id of the second descriptor of a chain in flight */
    G_LEN,        /* length beyond the chain's writable bytes */
    G_LEN_RO,     /* any length for a chain with no writable bytes */
    G_REPEAT,     /* the same head completed twice */
    G_COUNT,
};

START_TEST(test_garbage)
{
    struct vdrv_vq vq;
    struct fake_dev d;
    setup(&vq, &d, 8);
    struct vdrv_buf two[2] = {
        {.iova = 0x1000, .len = 64, .write = false},
        {.iova = 0x2000, .len = 100, .write = true},
    };
    struct vdrv_buf ro = {.iova = 0x3000, .len = 64, .write = false};
    ck_assert_int_eq(vdrv_vq_add(&vq, two, 2, &cookies[0]), 0);
    ck_assert_int_eq(vdrv_vq_add(&vq, &ro, 1, &cookies[1]), 0);
    int h0 = dev_pop(&d), h1 = dev_pop(&d);
    ck_assert_int_ge(h0, 0);
    ck_assert_int_ge(h1, 0);
    uint16_t second = desc(&vq, (uint16_t)h0).next;
    uint16_t free_one = vq.free_head;
    void *c = NULL;
    uint32_t len = 0;
    switch ((enum garbage)_i) {
    case G_IDX_AHEAD:
        dev_push(&d, (uint32_t)h0, 10);
        wr16(vq.used_off + 2, 3); /* three used, two in flight */
        break;
    case G_IDX_WRAP:
        wr16(vq.used_off + 2, 0xfff0);
        break;
    case G_ID_RANGE:
        dev_push(&d, 8, 0);
        break;
    case G_ID_HUGE:
        dev_push(&d, 0x10000u | (uint32_t)h0, 0);
        break;
    case G_ID_FREE:
        dev_push(&d, free_one, 0);
        break;
    case G_ID_NOTHEAD:
        dev_push(&d, second, 0);
        break;
    case G_LEN:
        dev_push(&d, (uint32_t)h0, 101);
        break;
    case G_LEN_RO:
        dev_push(&d, (uint32_t)h1, 1);
        break;
    case G_REPEAT:
        dev_push(&d, (uint32_t)h0, 100);
        dev_push(&d, (uint32_t)h0, 100);
        ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), 1); /* the first is honest */
        ck_assert_ptr_eq(c, &cookies[0]);
        break;
    default:
        ck_abort();
    }
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), -VK_EIO);
    ck_assert(vq.broken);
    ck_assert_ptr_nonnull(vq.error);
    /* broken until re-initialised: no add, no get, and the shadow is intact */
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), -VK_EIO);
    ck_assert_int_eq(vdrv_vq_add(&vq, &ro, 1, NULL), -VK_EIO);
    ck_assert_int_eq(vdrv_vq_check(&vq), 0);
    /* the driver fails what was in flight, then starts over after the device reset */
    int n = 0;
    while (vdrv_vq_take_inflight(&vq, &c) == 1) {
        ck_assert(c == &cookies[0] || c == &cookies[1]);
        n++;
    }
    ck_assert_int_eq(n, _i == G_REPEAT ? 1 : 2);
    ck_assert_uint_eq(vq.num_free, 8);
    ck_assert_int_eq(vdrv_vq_check(&vq), 0);
    setup(&vq, &d, 8);
    ck_assert_int_eq(vdrv_vq_add(&vq, two, 2, &cookies[2]), 0);
    dev_push(&d, (uint32_t)dev_pop(&d), 100);
    ck_assert_int_eq(vdrv_vq_get(&vq, &c, &len), 1);
    ck_assert_ptr_eq(c, &cookies[2]);
}
END_TEST

/* Random adds and honest completions in any order, against a list of what is in flight. */
START_TEST(test_random)
{
    struct vdrv_vq vq;
    struct fake_dev d;
    uint16_t size = (uint16_t)(1u << (1 + _i % 8));
    setup(&vq, &d, size);
    srand(1234u + (unsigned)_i);
    struct {
        int head;
        int cookie;
        uint32_t in;
    } popped[VDRV_VQ_MAX];
    int npopped = 0;
    int inflight = 0, next_cookie = 0;
    for (int step = 0; step < 4000; step++) {
        int op = rand() % 3;
        if (op == 0) { /* add a chain */
            struct vdrv_buf b[8];
            unsigned n = 1u + (unsigned)rand() % 8u, nout = (unsigned)rand() % (n + 1u);
            uint32_t in = 0;
            for (unsigned k = 0; k < n; k++) {
                b[k] = (struct vdrv_buf){.iova = 0x10000u * (k + 1),
                                         .len = 1u + (uint32_t)rand() % 4096u,
                                         .write = k >= nout};
                if (b[k].write)
                    in += b[k].len;
            }
            int c = next_cookie % VDRV_VQ_MAX;
            uint16_t before = vq.num_free;
            int rc = vdrv_vq_add(&vq, b, n, &cookies[c]);
            if (n > before) {
                ck_assert_int_eq(rc, -VK_ENOSPC);
            } else {
                ck_assert_int_eq(rc, 0);
                ck_assert_uint_eq(
                    vq.in_len[vq.avail_idx ? rd16(vq.avail_off + 4 +
                                                  2u * ((vq.avail_idx - 1u) & (size - 1u)))
                                           : 0],
                    in);
                next_cookie++;
                inflight++;
            }
        } else if (op == 1) { /* the device takes what is available */
            int h;
            while ((h = dev_pop(&d)) >= 0) {
                ck_assert_int_lt(npopped, VDRV_VQ_MAX);
                popped[npopped].head = h;
                popped[npopped].cookie = -1;
                popped[npopped++].in = vq.in_len[h];
            }
        } else if (npopped) { /* completes one of them, in any order, then the driver takes it */
            int k = rand() % npopped;
            uint32_t len = popped[k].in ? (uint32_t)rand() % (popped[k].in + 1u) : 0;
            void *want = vq.cookie[popped[k].head];
            dev_push(&d, (uint32_t)popped[k].head, len);
            popped[k] = popped[--npopped];
            void *c;
            uint32_t got;
            ck_assert_int_eq(vdrv_vq_get(&vq, &c, &got), 1);
            ck_assert_ptr_eq(c, want);
            ck_assert_uint_eq(got, len);
            inflight--;
        }
        ck_assert_int_eq(vdrv_vq_check(&vq), 0);
        ck_assert_int_eq(vq.nchains, inflight);
        ck_assert(!vq.broken);
    }
}
END_TEST

static Suite *ring_suite(void)
{
    Suite *s = suite_create("vdrv_ring");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_chain_and_complete);
    tcase_add_test(tc, test_add_refusals);
    tcase_add_loop_test(tc, test_garbage, 0, G_COUNT);
    tcase_add_loop_test(tc, test_random, 0, 16);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ring_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
