/*
 * The kernel-call table (dispatch.c): every number below VK_NR_COUNT but 0 has a row with
 * its name, unknown numbers fail with -VK_ENOSYS and are traced as "invalid", a handle
 * argument with high bits set is no handle (-VK_EBADH) while the same bits in a non-handle
 * argument are the argument's own, and virtual time moves by the platform's charge per call.
 */
#include <stdlib.h>

#include "kt.h"

static struct kt T;
static long R[16];

static void setup(void)
{
    kt_init(&T, 1);
    memset(R, 0, sizeof R);
}

static void teardown(void)
{
    kt_fini(&T);
}

START_TEST(test_names)
{
    ck_assert_str_eq(vk_kcall_name(0), "invalid");
    ck_assert_str_eq(vk_kcall_name(VK_NR_COUNT), "invalid");
    ck_assert_str_eq(vk_kcall_name(~0u), "invalid");
    ck_assert_str_eq(vk_kcall_name(VK_NR_CALL), "call");
    ck_assert_str_eq(vk_kcall_name(VK_NR_REPLY_RECEIVE), "reply_receive");
    ck_assert_str_eq(vk_kcall_name(VK_NR_KERNEL_INFO), "kernel_info");
    ck_assert_str_eq(vk_kcall_name(VK_NR_PCI_CONFIG_READ), "pci_config_read");
    ck_assert_str_eq(vk_kcall_name(VK_NR_DEVICE_MMIO_READ), "device_mmio_read");
    ck_assert_str_eq(vk_kcall_name(VK_NR_DEVICE_IRQ_BIND), "device_irq_bind");
    ck_assert_str_eq(vk_kcall_name(VK_NR_DMA_MAP), "dma_map");
    ck_assert_str_eq(vk_kcall_name(VK_NR_IOMMU_FAULTS), "iommu_faults");
    for (uint32_t nr = 1; nr < VK_NR_COUNT; nr++) /* a number without a row is a bug */
        ck_assert_str_ne(vk_kcall_name(nr), "invalid");
}
END_TEST

static void caller(void *arg)
{
    struct vk_kernel *k = T.k;
    uint32_t *h = kt_scratch(k);
    (void)arg;
    R[0] = kc(k, 0, 0);
    R[1] = kc(k, VK_NR_COUNT, 0);
    R[2] = kc(k, 0x7fffffff, 0);
    R[3] = kc(k, VK_NR_NOTIFY_CREATE, U(h));
    /* the handle with bit 32 set: refused before the call looks at the table */
    R[4] = kc(k, VK_NR_NOTIFY_SIGNAL, h[0] | (1ull << 32), 1);
    R[5] = kc(k, VK_NR_NOTIFY_SIGNAL, h[0], 1);
    /* notify_bind: both arguments are handles */
    R[6] = kc(k, VK_NR_NOTIFY_BIND, h[0], h[0] | (1ull << 40));
    /* reply_receive: only the third argument is a handle; a wide token is just unknown */
    R[7] = kc(k, VK_NR_REPLY_RECEIVE, 1ull << 40, 0, h[0] | (1ull << 33), 0, 0);
    uint64_t t0 = k->now;
    kc(k, VK_NR_GETPID, 0);
    R[8] = (long)(k->now - t0);
    R[9] = kc(k, VK_NR_HANDLE_CLOSE, h[0]);
}

START_TEST(test_decode)
{
    kt_spawn(&T, "caller", caller, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], -VK_ENOSYS);
    ck_assert_int_eq(R[1], -VK_ENOSYS);
    ck_assert_int_eq(R[2], -VK_ENOSYS);
    ck_assert_int_eq(R[3], 0);
    ck_assert_int_eq(R[4], -VK_EBADH);
    ck_assert_int_eq(R[5], 0);
    ck_assert_int_eq(R[6], -VK_EBADH);
    ck_assert_int_eq(R[7], -VK_EBADH);
    ck_assert_int_gt(R[8], 0); /* the platform charged the call */
    ck_assert_int_eq(R[9], 0);
}
END_TEST

Suite *dispatch_suite(void);
Suite *dispatch_suite(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("dispatch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_decode);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dispatch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
