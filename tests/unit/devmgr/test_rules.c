/*
 * Unit tests for devmgr's driver table (os/devmgr/rules.c): the shipped /etc/drivers.toml,
 * matching by vendor/device/class (first rule wins, class under its mask), and refusals with
 * file:line:col (TOML syntax errors, unknown keys, wrong types, out-of-range IDs, missing or
 * duplicate names, rules that match nothing).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "veridian/errors.h"

static struct devmgr_rule rules[DEVMGR_RULES_MAX];
static size_t n;
static char err[256];

static int parse(const char *text)
{
    err[0] = 0;
    return devmgr_rules_parse("drivers.toml", text, strlen(text), rules, DEVMGR_RULES_MAX, &n, err,
                              sizeof err);
}

START_TEST(test_shipped)
{
    FILE *f = fopen(SOURCE_DIR "/os/etc/drivers.toml", "r");
    ck_assert_ptr_nonnull(f);
    static char text[65536];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    ck_assert_int_eq(parse(text), 0);
    ck_assert_uint_ge(n, 1);
    int i = devmgr_match(rules, n, 0x1234, 0x11e8, 0x00ff00);
    ck_assert_int_ge(i, 0);
    ck_assert_str_eq(rules[i].name, "edu");
    ck_assert_str_eq(rules[i].path, "/sbin/drivers/edu");
    ck_assert_int_eq(devmgr_match(rules, n, 0x1b36, 0x0008, 0x060000), -1); /* host bridge */
}
END_TEST

START_TEST(test_match)
{
    ck_assert_int_eq(parse("[[driver]]\nname = \"a\"\npath = \"/a\"\nvendor = 0x1234\n"
                           "device = 0x1\n"
                           "[[driver]]\nname = \"b\"\npath = \"/b\"\nvendor = 0x1234\n"
                           "[[driver]]\nname = \"net\"\npath = \"/n\"\nclass = 0x020000\n"
                           "class_mask = 0xffff00\n"),
                     0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(devmgr_match(rules, n, 0x1234, 0x1, 0), 0);
    ck_assert_int_eq(devmgr_match(rules, n, 0x1234, 0x2, 0), 1); /* any device of the vendor */
    ck_assert_int_eq(devmgr_match(rules, n, 0x8086, 0x100e, 0x020000), 2);
    ck_assert_int_eq(devmgr_match(rules, n, 0x8086, 0x100e, 0x020001), 2); /* prog-if masked */
    ck_assert_int_eq(devmgr_match(rules, n, 0x8086, 0x100e, 0x020100), -1);
    ck_assert_int_eq(devmgr_match(rules, n, 0x1235, 0x1, 0), -1);
    ck_assert_uint_eq(rules[0].nargs, 0);
    ck_assert_int_eq(parse("[[driver]]\nname = \"a\"\npath = \"/a\"\nvendor = 1\n"
                           "args = [\"--intx\", \"x\"]\n"),
                     0);
    ck_assert_uint_eq(rules[0].nargs, 2);
    ck_assert_str_eq(rules[0].args[0], "--intx");
    ck_assert_str_eq(rules[0].args[1], "x");
    ck_assert_int_eq(parse(""), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(devmgr_match(rules, n, 0x1234, 0x1, 0), -1);
}
END_TEST

static const struct {
    const char *text, *want;
} bad[] = {
    {"[[driver]]\nname = \"edu\"\npath = \"/sbin/drivers/edu\"\nvendor = 0x1234\ndevice = \n",
     "drivers.toml:5:"},
    {"[[driver]]\nname = \"edu\"\npath = \"/e\"\nvendor = 0x1234\ncolour = 3\n",
     "drivers.toml:5:10: unknown key 'colour'"},
    {"[[driver]]\nname = \"edu\"\npath = \"/e\"\nvendor = \"0x1234\"\n",
     "drivers.toml:4:10: vendor: expected an integer, found string"},
    {"[[driver]]\nname = \"edu\"\npath = \"/e\"\nvendor = 0x12345\n",
     "drivers.toml:4:10: vendor: 74565 is out of range"},
    {"[[driver]]\nname = \"Edu!\"\npath = \"/e\"\nvendor = 1\n", "drivers.toml:2:8: name:"},
    {"[[driver]]\nname = \"e\"\npath = \"e\"\nvendor = 1\n", "drivers.toml:3:8: path:"},
    {"[[driver]]\nname = \"e\"\nvendor = 1\n", "drivers.toml:1:1: a driver needs name and path"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\n", "drivers.toml:1:1: driver e: needs vendor"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\ndevice = 1\nclass = 2\n",
     "drivers.toml:1:1: driver e: device needs vendor"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\nvendor = 1\n[[driver]]\nname = \"e\"\n"
     "path = \"/f\"\nvendor = 2\n",
     "drivers.toml:5:1: driver name 'e' used twice"},
    {"drivers = 1\n", "drivers.toml:1:11: unknown key 'drivers'"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\nvendor = 1\nargs = \"-v\"\n",
     "drivers.toml:5:8: args: expected an array of strings, found string"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\nvendor = 1\nargs = [\"a\", 2]\n",
     "drivers.toml:5:14: args: expected strings"},
    {"[[driver]]\nname = \"e\"\npath = \"/e\"\nvendor = 1\nargs = "
     "[\"1\",\"2\",\"3\",\"4\",\"5\"]\n",
     "drivers.toml:5:8: args: at most 4 strings"},
};

START_TEST(test_refusals)
{
    ck_assert_int_eq(parse(bad[_i].text), -VK_EINVAL);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(!strncmp(err, bad[_i].want, strlen(bad[_i].want)), "got [%s], want [%s...]", err,
                  bad[_i].want);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("devmgr_rules");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_shipped);
    tcase_add_test(tc, test_match);
    tcase_add_loop_test(tc, test_refusals, 0, sizeof bad / sizeof bad[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rules_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
