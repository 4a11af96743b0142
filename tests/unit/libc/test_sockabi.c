/*
 * libveridian's socket headers (sys/socket.h, netinet/in.h, netinet/tcp.h, netdb.h) against
 * glibc's: every constant, structure size and member offset of sockabi_list.h has Linux's
 * value, so programs and differential tests see the same numbers on both systems (the values
 * cross the socket protocol to netstack as they are). The Veridian side is sockabi_vr.c,
 * compiled against libveridian/include alone.
 */
#include <check.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sockabi.h"

extern const struct sockabi_fact vr_sockabi[];

#define X SOCKABI_X
#define S SOCKABI_S
#define O SOCKABI_O
static const struct sockabi_fact glibc_sockabi[] = {
#include "sockabi_list.h"
    {0, 0}};

START_TEST(same_facts)
{
    size_t n = 0;
    for (; glibc_sockabi[n].name; n++) {
        ck_assert_ptr_nonnull(vr_sockabi[n].name);
        ck_assert_str_eq(vr_sockabi[n].name, glibc_sockabi[n].name);
        if (vr_sockabi[n].value != glibc_sockabi[n].value)
            ck_abort_msg("%s: libveridian %ld, glibc %ld", glibc_sockabi[n].name,
                         vr_sockabi[n].value, glibc_sockabi[n].value);
    }
    ck_assert_ptr_null(vr_sockabi[n].name);
    ck_assert_uint_gt(n, 100);
}
END_TEST

START_TEST(byte_order)
{
    /* the inline conversions of netinet/in.h are glibc's: a round trip and the order */
    extern unsigned vr_sockabi_htons(unsigned);
    extern unsigned long vr_sockabi_htonl(unsigned long);
    ck_assert_uint_eq(vr_sockabi_htons(0x1234), htons(0x1234));
    ck_assert_uint_eq(vr_sockabi_htonl(0x12345678ul), htonl(0x12345678u));
}
END_TEST

static Suite *sockabi_suite(void)
{
    Suite *s = suite_create("sockabi");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, same_facts);
    tcase_add_test(tc, byte_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sockabi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
