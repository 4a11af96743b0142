/*
 * The kernel log (os/kernel/klog.c): process starts and exits land in the ring with their
 * pid, name and exit code; KLOG_WRITE needs a resource handle with SPAWN, cuts long text and
 * keeps one record one line; KLOG_READ copies from a sequence number, checks the whole
 * destination first (-VK_EFAULT, nothing copied), and the ring keeps the last
 * VK_KLOG_RECORDS records once it wraps.
 */
#include <stdlib.h>

#include "kt.h"

static struct kt T;

struct ctx {
    struct vk_process *p;
    uint32_t res_spawn, res_mmio;
    long r[16];
    struct vk_klog_record rec[4];
};

static void setup(void)
{
    kt_init(&T, 1);
}

static void teardown(void)
{
    kt_fini(&T);
}

static void exits_7(void *arg)
{
    (void)arg;
    kc(T.k, VK_NR_PROCESS_EXIT, 7);
}

static void writer_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    char *text = kt_scratch(k);
    strcpy(text, "init: start vfs");
    c->r[0] = kc(k, VK_NR_KLOG_WRITE, c->res_mmio, U(text), strlen(text)); /* no SPAWN */
    c->r[1] = kc(k, VK_NR_KLOG_WRITE, 12345, U(text), strlen(text));       /* no handle */
    c->r[2] = kc(k, VK_NR_KLOG_WRITE, c->res_spawn, U(text), strlen(text));
    /* a long text with a newline: cut to one line of VK_KLOG_TEXT - 1 bytes */
    memset(text, 'x', 200);
    text[5] = '\n';
    c->r[3] = kc(k, VK_NR_KLOG_WRITE, c->res_spawn, U(text), 200);
    c->r[4] = kc(k, VK_NR_KLOG_WRITE, c->res_spawn, 0x10, 5); /* bad pointer */
    /* read back the last two records from a sequence number */
    struct vk_klog_record *buf = (void *)(text + 256);
    uint64_t seq = k->klog_seq;
    c->r[5] = kc(k, VK_NR_KLOG_READ, seq - 2, U(buf), 4);
    memcpy(c->rec, buf, 2 * sizeof *buf);
    c->r[6] = kc(k, VK_NR_KLOG_READ, 0, 0x10, 4);         /* unwritable destination */
    c->r[7] = kc(k, VK_NR_KLOG_READ, seq + 5, U(buf), 4); /* nothing new */
}

START_TEST(test_process_events)
{
    struct vk_process *p = kt_spawn(&T, "worker", exits_7, NULL);
    uint32_t pid = p->pid;
    uint64_t before = T.k->klog_seq;
    kt_run(&T);
    struct vk_kernel *k = T.k;
    ck_assert_uint_eq(k->klog_seq, before + 1); /* the start was logged at spawn */
    int starts = 0, exits = 0;
    for (uint64_t s = 0; s < k->klog_seq; s++) {
        const struct vk_klog_record *r = &k->klog[s % VK_KLOG_RECORDS];
        ck_assert_uint_eq(r->seq, s);
        if (r->pid != pid)
            continue;
        if (r->kind == VK_KLOG_START) {
            starts++;
            ck_assert_str_eq(r->text, "worker");
        } else if (r->kind == VK_KLOG_EXIT) {
            exits++;
            ck_assert_int_eq(r->code, 7);
            ck_assert_uint_eq(r->exit_kind, VK_EXIT_NORMAL);
            ck_assert_str_eq(r->text, "worker");
        }
    }
    ck_assert_int_eq(starts, 1);
    ck_assert_int_eq(exits, 1);
}
END_TEST

START_TEST(test_write_and_read)
{
    struct ctx c = {0};
    c.p = kt_spawn(&T, "init", writer_fn, &c);
    c.res_spawn = kt_give(&T, c.p, &T.m->spawner->o, VK_RIGHT_SPAWN, 0);
    c.res_mmio = kt_give(&T, c.p, &T.m->spawner->o, VK_RIGHT_MMIO, 0);
    uint32_t pid = c.p->pid; /* the process object is gone after the run */
    kt_run(&T);
    ck_assert_int_eq(c.r[0], -VK_EPERM);
    ck_assert_int_eq(c.r[1], -VK_EBADH);
    ck_assert_int_eq(c.r[2], 0);
    ck_assert_int_eq(c.r[3], 0);
    ck_assert_int_eq(c.r[4], -VK_EFAULT);
    ck_assert_int_eq(c.r[5], 2);
    ck_assert_uint_eq(c.rec[0].kind, VK_KLOG_SERVICE);
    ck_assert_str_eq(c.rec[0].text, "init: start vfs");
    ck_assert_uint_eq(c.rec[0].pid, pid);
    ck_assert_uint_eq(c.rec[1].seq, c.rec[0].seq + 1);
    ck_assert_uint_eq(strlen(c.rec[1].text), VK_KLOG_TEXT - 1);
    ck_assert_ptr_null(strchr(c.rec[1].text, '\n'));
    ck_assert_int_eq(c.rec[1].text[5], ' ');
    ck_assert_int_eq(c.r[6], -VK_EFAULT);
    ck_assert_int_eq(c.r[7], 0);
}
END_TEST

static void flood_fn(void *arg)
{
    struct ctx *c = arg;
    struct vk_kernel *k = T.k;
    char *text = kt_scratch(k);
    for (int i = 0; i < 300; i++) {
        int n = 0;
        for (int v = i;; v /= 10) {
            text[n++] = (char)('0' + v % 10);
            if (v < 10)
                break;
        }
        kc(k, VK_NR_KLOG_WRITE, c->res_spawn, U(text), n);
    }
    struct vk_klog_record *buf = (void *)(text + 256);
    c->r[0] = kc(k, VK_NR_KLOG_READ, 0, U(buf), VK_KLOG_RECORDS + 10);
    c->r[1] = (long)buf[0].seq;
    c->r[2] = (long)k->klog_seq;
    c->r[3] = (long)buf[c->r[0] - 1].seq;
}

START_TEST(test_ring_wraps)
{
    struct ctx c = {0};
    c.p = kt_spawn(&T, "flood", flood_fn, &c);
    c.res_spawn = kt_give(&T, c.p, &T.m->spawner->o, VK_RIGHT_SPAWN, 0);
    kt_run(&T);
    ck_assert_int_eq(c.r[0], VK_KLOG_RECORDS);                /* max is capped to the ring */
    ck_assert_int_eq(c.r[1], c.r[2] - (long)VK_KLOG_RECORDS); /* the oldest kept */
    ck_assert_int_eq(c.r[3], c.r[2] - 1);                     /* up to the newest */
}
END_TEST

Suite *klog_suite(void);
Suite *klog_suite(void)
{
    Suite *s = suite_create("klog");
    TCase *tc = tcase_create("klog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_process_events);
    tcase_add_test(tc, test_write_and_read);
    tcase_add_test(tc, test_ring_wraps);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(klog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
