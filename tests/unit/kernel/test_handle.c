/*
 * Handle tables: staleness (generations never alias, retired slots), rights that only
 * shrink, badges set once, handle_info, rights enforcement at kernel calls, and output
 * handles reserved during decode (reserve, unreserve, commit; the machine's handle limit).
 */
#include "kt.h"

static struct kt T;
static long R[32];
static uint64_t V[32];

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

static void staleness(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[0]), 0, 0, 0, 0);
    R[0] = kc(k, VK_NR_HANDLE_CLOSE, h[0], 0, 0, 0, 0);
    R[1] = kc(k, VK_NR_NOTIFY_SIGNAL, h[0], 1, 0, 0, 0); /* stale */
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[1]), 0, 0, 0, 0);    /* reuses the slot... */
    V[0] =
        (h[0] & ((1u << VK_HANDLE_INDEX_BITS) - 1)) == (h[1] & ((1u << VK_HANDLE_INDEX_BITS) - 1));
    V[1] = h[0] != h[1]; /* ...with a new generation */
    R[2] = kc(k, VK_NR_NOTIFY_SIGNAL, h[0], 1, 0, 0, 0);
    R[3] = kc(k, VK_NR_NOTIFY_SIGNAL, h[1], 1, 0, 0, 0);
    R[4] = kc(k, VK_NR_HANDLE_CLOSE, 0, 0, 0, 0, 0);
    R[5] = kc(k, VK_NR_HANDLE_CLOSE, 0xffffffffu, 0, 0, 0, 0);
    kc(k, VK_NR_HANDLE_CLOSE, h[1], 0, 0, 0, 0);

    /* cycle one slot through every generation: it retires instead of wrapping */
    uint32_t first = 0, last = 0, idx0 = 0;
    long fails = 0;
    for (uint32_t i = 0; i < VK_HANDLE_GEN_MAX + 5; i++) {
        if (kc(k, VK_NR_NOTIFY_CREATE, U(&h[2]), 0, 0, 0, 0))
            fails++;
        if (i == 0) {
            first = h[2];
            idx0 = h[2] & ((1u << VK_HANDLE_INDEX_BITS) - 1);
        }
        last = h[2];
        kc(k, VK_NR_HANDLE_CLOSE, h[2], 0, 0, 0, 0);
    }
    V[2] = (uint64_t)fails;
    V[3] = (last & ((1u << VK_HANDLE_INDEX_BITS) - 1)) != idx0; /* moved on to a new slot */
    R[6] = kc(k, VK_NR_NOTIFY_SIGNAL, first, 1, 0, 0, 0);
    /* no value handed out by the retired slot works any more */
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[3]), 0, 0, 0, 0);
    long alias = 0;
    for (uint32_t g = 1; g <= VK_HANDLE_GEN_MAX; g++)
        if (kc(k, VK_NR_NOTIFY_SIGNAL, (g << VK_HANDLE_INDEX_BITS) | idx0, 1, 0, 0, 0) != -VK_EBADH)
            alias++;
    V[4] = (uint64_t)alias;
    kc(k, VK_NR_HANDLE_CLOSE, h[3], 0, 0, 0, 0);
}

START_TEST(test_staleness)
{
    kt_spawn(&T, "p", staleness, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_int_eq(R[1], -VK_EBADH);
    ck_assert_uint_eq(V[0], 1);
    ck_assert_uint_eq(V[1], 1);
    ck_assert_int_eq(R[2], -VK_EBADH);
    ck_assert_int_eq(R[3], 0);
    ck_assert_int_eq(R[4], -VK_EBADH);
    ck_assert_int_eq(R[5], -VK_EBADH);
    ck_assert_uint_eq(V[2], 0);
    ck_assert_uint_eq(V[3], 1);
    ck_assert_int_eq(R[6], -VK_EBADH);
    ck_assert_uint_eq(V[4], 0);
}
END_TEST

static void rights(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    struct vk_handle_info *hi = (struct vk_handle_info *)(h + 64);
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[0]), 0, 0, 0, 0);
    R[0] = kc(k, VK_NR_HANDLE_INFO, h[0], U(hi), 0, 0, 0);
    V[0] = hi->type;
    V[1] = hi->rights;
    /* fewer rights: fine; more: refused */
    R[1] = kc(k, VK_NR_HANDLE_DUP, h[0], VK_RIGHT_WAIT, U(&h[1]), 0, 0);
    R[2] = kc(k, VK_NR_HANDLE_DUP, h[1], VK_RIGHT_WAIT | VK_RIGHT_SIGNAL, U(&h[2]), 0, 0);
    R[3] = kc(k, VK_NR_HANDLE_DUP, h[1], VK_RIGHT_WAIT, U(&h[2]), 0, 0); /* h[1] lacks DUP */
    R[4] = kc(k, VK_NR_NOTIFY_SIGNAL, h[1], 1, 0, 0, 0);                 /* lacks SIGNAL */
    /* badges: minted once, kept by dup, never re-minted */
    R[5] = kc(k, VK_NR_HANDLE_MINT, h[0], VK_RIGHT_SIGNAL | VK_RIGHT_DUP | VK_RIGHT_MINT, 42,
              U(&h[3]));
    R[6] = kc(k, VK_NR_HANDLE_DUP, h[3], VK_RIGHT_SIGNAL, U(&h[4]), 0, 0);
    kc(k, VK_NR_HANDLE_INFO, h[4], U(hi), 0, 0, 0);
    V[2] = hi->badge;
    V[3] = hi->rights;
    R[7] = kc(k, VK_NR_HANDLE_MINT, h[3], VK_RIGHT_SIGNAL, 43, U(&h[5]));
    /* wrong types and missing rights at other calls */
    kc(k, VK_NR_VMO_CREATE, 4096, U(&h[6]), 0, 0, 0);
    R[8] = kc(k, VK_NR_NOTIFY_SIGNAL, h[6], 1, 0, 0, 0);
    R[9] = kc(k, VK_NR_HANDLE_MINT, h[6], VK_RIGHT_READ, 1, U(&h[7]));
    kc(k, VK_NR_HANDLE_DUP, h[6], VK_RIGHT_READ | VK_RIGHT_MAP, U(&h[7]), 0, 0);
    uint64_t *addr = (uint64_t *)(h + 128);
    R[10] = kc(k, VK_NR_VMO_MAP, h[7], VK_RIGHT_READ | VK_RIGHT_WRITE, U(addr), 0, 0);
    R[11] = kc(k, VK_NR_VMO_MAP, h[7], VK_RIGHT_READ, U(addr), 0, 0);
    R[12] = kc(k, VK_NR_VMO_UNMAP, *addr, 0, 0, 0, 0);
    R[13] = kc(k, VK_NR_HANDLE_INFO, h[0], 0x1000, 0, 0, 0); /* bad out pointer */
    for (int i = 0; i < 8; i++)
        kc(k, VK_NR_HANDLE_CLOSE, h[i], 0, 0, 0, 0);
}

START_TEST(test_rights)
{
    kt_spawn(&T, "p", rights, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_uint_eq(V[0], VK_OBJ_NOTIFICATION);
    ck_assert_uint_eq(V[1], VK_RIGHT_SIGNAL | VK_RIGHT_WAIT | VK_RIGHT_MINT | VK_RIGHT_DUP |
                                VK_RIGHT_TRANSFER);
    ck_assert_int_eq(R[1], 0);
    ck_assert_int_eq(R[2], -VK_EPERM);
    ck_assert_int_eq(R[3], -VK_EPERM);
    ck_assert_int_eq(R[4], -VK_EPERM);
    ck_assert_int_eq(R[5], 0);
    ck_assert_int_eq(R[6], 0);
    ck_assert_uint_eq(V[2], 42);
    ck_assert_uint_eq(V[3], VK_RIGHT_SIGNAL);
    ck_assert_int_eq(R[7], -VK_EPERM);
    ck_assert_int_eq(R[8], -VK_EWRONGTYPE);
    ck_assert_int_eq(R[9], -VK_EPERM); /* vmo handles carry no MINT right */
    ck_assert_int_eq(R[10], -VK_EPERM);
    ck_assert_int_eq(R[11], 0);
    ck_assert_int_eq(R[12], 0);
    ck_assert_int_eq(R[13], -VK_EFAULT);
}
END_TEST

/* Output handles reserved while decoding: the reservation takes a slot and probes the guest
 * word; giving it back leaves the table exactly as it was; a commit hands out the value a
 * plain install would have. */
static void reserve(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_handle_table *t = &k->cur->proc->handles;
    (void)arg;
    uint32_t *h = kt_scratch(k);
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[0]));
    kc(k, VK_NR_NOTIFY_CREATE, U(&h[1]));
    kc(k, VK_NR_HANDLE_CLOSE, h[1]); /* its slot is on the free list */
    struct vk_handle_table before = *t;
    uint64_t live = k->stats.handles_live;
    struct vk_handle_resv r1, r2;
    R[0] = vk_handle_reserve_out(k, U(&h[2]), &r1); /* from the free list */
    R[1] = vk_handle_reserve_out(k, U(&h[3]), &r2); /* a never used slot */
    V[0] = r1.fresh == 0 && r2.fresh == 1;
    /* a reserved slot is no handle yet, under any generation */
    struct vk_handle_entry *e;
    long found = 0;
    for (uint32_t g = 0; g < 4; g++)
        found += vk_handle_get(t, (g << VK_HANDLE_INDEX_BITS) | r1.idx, 0, 0, &e) == 0;
    V[1] = (uint64_t)found;
    V[2] = k->stats.handles_live - live;
    vk_handle_unreserve(k, &r2);
    vk_handle_unreserve(k, &r1);
    V[3] = t->free_head == before.free_head && t->high == before.high && t->used == before.used &&
           k->stats.handles_live == live;
    /* bad output words: nothing taken */
    uint32_t *hole = (uint32_t *)(uintptr_t)(k->cur->proc->base + (32ull << 20));
    R[2] = vk_handle_reserve_out(k, 0x1000, &r1);
    R[3] = vk_handle_reserve_out(k, U(hole), &r1); /* passes the range check, not the probe */
    V[4] = t->used == before.used && k->stats.handles_live == live;
    /* commit: the value a plain create gets next, written to the guest */
    R[4] = vk_handle_reserve_out(k, U(&h[2]), &r1);
    struct vk_object *o = vk_object_new(k, VK_OBJ_NOTIFICATION, sizeof(struct vk_notification));
    uint32_t v;
    vk_handle_commit_out(k, &r1, o, VK_RIGHT_SIGNAL, 0, &v);
    vk_object_unref(k, o);
    V[5] = v == h[2] && (v & ((1u << VK_HANDLE_INDEX_BITS) - 1)) == (h[1] & 0x3fffu);
    R[5] = kc(k, VK_NR_NOTIFY_SIGNAL, h[2], 1);
    /* the machine's handle limit */
    uint64_t saved = k->stats.handles_live;
    k->stats.handles_live = VK_MACHINE_HANDLES_MAX;
    R[6] = kc(k, VK_NR_NOTIFY_CREATE, U(&h[3]));
    R[7] = kc(k, VK_NR_HANDLE_DUP, h[0], VK_RIGHT_WAIT, U(&h[3]));
    k->stats.handles_live = saved;
    R[8] = kc(k, VK_NR_HANDLE_DUP, h[0], VK_RIGHT_WAIT, U(&h[3]));
    kc(k, VK_NR_HANDLE_CLOSE, h[0]);
    kc(k, VK_NR_HANDLE_CLOSE, h[2]);
    kc(k, VK_NR_HANDLE_CLOSE, h[3]);
}

START_TEST(test_reserve)
{
    kt_spawn(&T, "p", reserve, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_int_eq(R[1], 0);
    ck_assert_uint_eq(V[0], 1);
    ck_assert_uint_eq(V[1], 0);
    ck_assert_uint_eq(V[2], 2);
    ck_assert_uint_eq(V[3], 1);
    ck_assert_int_eq(R[2], -VK_EFAULT);
    ck_assert_int_eq(R[3], -VK_EFAULT);
    ck_assert_uint_eq(V[4], 1);
    ck_assert_int_eq(R[4], 0);
    ck_assert_uint_eq(V[5], 1);
    ck_assert_int_eq(R[5], 0);
    ck_assert_int_eq(R[6], -VK_ENOMEM);
    ck_assert_int_eq(R[7], -VK_ENOMEM);
    ck_assert_int_eq(R[8], 0);
}
END_TEST

Suite *handle_suite(void);
Suite *handle_suite(void)
{
    Suite *s = suite_create("handle");
    TCase *tc = tcase_create("handle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_staleness);
    tcase_add_test(tc, test_rights);
    tcase_add_test(tc, test_reserve);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(handle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
