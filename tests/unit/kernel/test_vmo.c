/*
 * Memory-object accounting: an object is charged to the process that created it until the
 * object is destroyed, also after its handle went elsewhere and after its creator exited
 * (the dead creator's process object lives exactly as long as its objects); the per-process
 * limits (bytes, objects) give -VK_ENOMEM to the process at its limit only; two processes at
 * their limits reach the machine's limits, and a third then gets -VK_ENOMEM too.
 */
#include <stdlib.h>

#include "kt.h"

#define MIB (1ull << 20)

struct charge {
    struct kt *t;
    struct vk_process *creator, *holder;
    struct vk_vmo *v;
    uint32_t hv;
    int given;
    long rc[8];
    uint64_t bytes_after_exit, count_after_exit, objects_freed;
};

static void creator_fn(void *arg)
{
    struct charge *c = arg;
    struct vk_kernel *k = c->t->k;
    uint32_t *h = kt_scratch(k);
    c->rc[0] = kc(k, VK_NR_VMO_CREATE, 512 * MIB, U(h));
    struct vk_handle_entry *e;
    ck_assert_int_eq(vk_handle_get(&k->cur->proc->handles, h[0], VK_OBJ_VMO, 0, &e), 0);
    c->v = (struct vk_vmo *)e->obj;
    c->rc[1] = kc(k, VK_NR_VMO_CREATE, 768 * MIB, U(h + 1)); /* 1.25 GiB: over */
    c->hv = kt_give(c->t, c->holder, &c->v->o, VK_RIGHT_READ | VK_RIGHT_MAP, 0);
    c->rc[2] = kc(k, VK_NR_HANDLE_CLOSE, h[0]);
    c->given = 1;
    /* returns: the creator exits while the holder still has the object */
}

static void holder_fn(void *arg)
{
    struct charge *c = arg;
    struct vk_kernel *k = c->t->k;
    uint32_t *h = kt_scratch(k);
    KT_WAIT_FOR(k, c->given && c->creator->state == VK_PROC_EXITED);
    /* the creator is gone, its charge is not */
    ck_assert_ptr_eq(c->v->owner, c->creator);
    c->bytes_after_exit = c->creator->vmo_bytes;
    c->count_after_exit = c->creator->vmo_count;
    /* and the holder is not charged: 768 MiB of its own fit */
    c->rc[3] = kc(k, VK_NR_VMO_CREATE, 768 * MIB, U(h));
    c->rc[4] = kc(k, VK_NR_HANDLE_CLOSE, h[0]);
    uint64_t before = k->stats.objects_live;
    c->rc[5] = kc(k, VK_NR_HANDLE_CLOSE, c->hv); /* the object dies, and the creator with it */
    c->objects_freed = before - k->stats.objects_live;
}

START_TEST(test_charge_outlives_creator)
{
    struct kt t;
    kt_init(&t, 3);
    struct charge c = {.t = &t};
    c.holder = kt_spawn(&t, "holder", holder_fn, &c);
    c.creator = kt_spawn(&t, "creator", creator_fn, &c);
    kt_run(&t);
    ck_assert_int_eq(c.rc[0], 0);
    ck_assert_int_eq(c.rc[1], -VK_ENOMEM);
    ck_assert_int_eq(c.rc[2], 0);
    ck_assert_uint_eq(c.bytes_after_exit, 512 * MIB);
    ck_assert_uint_eq(c.count_after_exit, 1);
    ck_assert_int_eq(c.rc[3], 0);
    ck_assert_int_eq(c.rc[4], 0);
    ck_assert_int_eq(c.rc[5], 0);
    ck_assert_uint_eq(c.objects_freed, 2); /* the object and the dead creator's process */
    ck_assert_uint_eq(kt_pages_bytes(&t), 0);
    ck_assert_uint_eq(kt_pages_objects(&t), 0);
    kt_fini(&t); /* nothing else left behind */
}
END_TEST

/* Three processes take turns: each creates objects of one size until refused. */
struct fill {
    struct kt *t;
    uint64_t size;
    int turn;
    uint32_t got[3];
    long last[3];
};

struct filler {
    struct fill *f;
    int who;
};

static void fill_fn(void *arg)
{
    struct filler *me = arg;
    struct fill *f = me->f;
    struct vk_kernel *k = f->t->k;
    uint32_t *h = kt_scratch(k);
    KT_WAIT_FOR(k, f->turn == me->who);
    long rc;
    while ((rc = kc(k, VK_NR_VMO_CREATE, f->size, U(h))) == 0)
        f->got[me->who]++;
    f->last[me->who] = rc;
    f->turn++;
    /* hold everything until all three have tried */
    KT_WAIT_FOR(k, f->turn == 3);
}

static void run_fill(struct fill *f, uint64_t seed)
{
    struct kt t;
    struct filler fl[3];
    kt_init(&t, seed);
    f->t = &t;
    for (int i = 0; i < 3; i++) {
        fl[i] = (struct filler){f, i};
        kt_spawn(&t, "filler", fill_fn, &fl[i]);
    }
    kt_run(&t);
    ck_assert_uint_eq(kt_pages_objects(&t), 0);
    ck_assert_uint_eq(kt_pages_bytes(&t), 0);
    kt_fini(&t);
}

START_TEST(test_process_and_machine_bytes)
{
    struct fill f = {.size = 256 * MIB};
    run_fill(&f, 4);
    /* 1 GiB each for the first two: the machine's 2 GiB; nothing for the third */
    ck_assert_uint_eq(f.got[0], 4);
    ck_assert_uint_eq(f.got[1], 4);
    ck_assert_uint_eq(f.got[2], 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(f.last[i], -VK_ENOMEM);
}
END_TEST

START_TEST(test_process_and_machine_objects)
{
    struct fill f = {.size = 4096};
    run_fill(&f, 5);
    ck_assert_uint_eq(f.got[0], VK_PROC_VMO_MAX);
    ck_assert_uint_eq(f.got[1], KT_MEMORY_OBJECTS_MAX - VK_PROC_VMO_MAX);
    ck_assert_uint_eq(f.got[2], 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(f.last[i], -VK_ENOMEM);
}
END_TEST

Suite *vmo_suite(void);

Suite *vmo_suite(void)
{
    Suite *s = suite_create("vmo");
    TCase *tc = tcase_create("accounting");
    tcase_add_test(tc, test_charge_outlives_creator);
    tcase_add_test(tc, test_process_and_machine_bytes);
    tcase_add_test(tc, test_process_and_machine_objects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vmo_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
