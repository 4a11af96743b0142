/*
 * Unit tests for vsh's line editor (os/vsh/lineedit.c): key sequences as a terminal in raw
 * mode sends them (characters, CSI and SS3 escapes, control keys) go in, and the edited line,
 * the cursor, the result (more, done, end of file, interrupt) and what is echoed come out.
 * History browsing with up/down keeps the line being edited; nothing overflows LE_MAX.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lineedit.h"

static struct lineedit le;
static struct le_out out;
static char *hist[] = {"first cmd", "second cmd", "echo third"};

static void setup(void)
{
    memset(&out, 0, sizeof out);
    le_start(&le, "$ ", hist, 3, &out);
}

static void teardown(void) {}

/* feeds every byte of KEYS; returns the last result */
static enum le_result feed(const char *keys)
{
    enum le_result r = LE_MORE;
    for (const char *k = keys; *k; k++) {
        out.len = 0;
        r = le_feed(&le, (unsigned char)*k, &out);
    }
    return r;
}

static const char *line(void)
{
    le.line[le.len] = 0;
    return le.line;
}

START_TEST(test_prompt_and_echo)
{
    ck_assert_uint_eq(out.len, 2);
    ck_assert(!memcmp(out.buf, "$ ", 2));
    out.len = 0;
    ck_assert_int_eq(le_feed(&le, 'a', &out), LE_MORE);
    ck_assert_uint_eq(out.len, 1);
    ck_assert_int_eq(out.buf[0], 'a');
    ck_assert_int_eq(feed("bc\r"), LE_DONE);
    ck_assert_str_eq(line(), "abc");
    ck_assert_uint_eq(out.len, 2); /* \r\n */
}
END_TEST

START_TEST(test_left_right_insert)
{
    feed("acd");
    feed("\x1b[D\x1b[D"); /* left, left */
    ck_assert_uint_eq(le.cur, 1);
    feed("b");
    ck_assert_str_eq(line(), "abcd");
    feed("\x1b[C\x1b[C\x1b[C"); /* right past the end stays at the end */
    ck_assert_uint_eq(le.cur, 4);
    feed("e");
    ck_assert_str_eq(line(), "abcde");
}
END_TEST

START_TEST(test_backspace)
{
    feed("abc\x7f");
    ck_assert_str_eq(line(), "ab");
    feed("\x1b[D\x08"); /* left, ^H deletes 'a' */
    ck_assert_str_eq(line(), "b");
    ck_assert_uint_eq(le.cur, 0);
    feed("\x7f\x7f"); /* at the start: nothing */
    ck_assert_str_eq(line(), "b");
}
END_TEST

START_TEST(test_home_end)
{
    feed("world");
    feed("\x1b[H");
    ck_assert_uint_eq(le.cur, 0);
    feed("hello ");
    ck_assert_str_eq(line(), "hello world");
    feed("\x1b[F!");
    ck_assert_str_eq(line(), "hello world!");
    feed("\x01"); /* ^A */
    ck_assert_uint_eq(le.cur, 0);
    feed("\x05"); /* ^E */
    ck_assert_uint_eq(le.cur, le.len);
    feed("\x1b[1~");
    ck_assert_uint_eq(le.cur, 0);
    feed("\x1b[4~");
    ck_assert_uint_eq(le.cur, le.len);
    feed("\x1bOH");
    ck_assert_uint_eq(le.cur, 0);
}
END_TEST

START_TEST(test_kill_keys)
{
    feed("one two three");
    feed("\x17"); /* ^W */
    ck_assert_str_eq(line(), "one two ");
    feed("\x17");
    ck_assert_str_eq(line(), "one ");
    feed("xyz\x1b[D\x1b[D\x0b"); /* ^K from 'y' */
    ck_assert_str_eq(line(), "one x");
    feed("\x15"); /* ^U */
    ck_assert_str_eq(line(), "");
    feed("abc\x1b[D\x15"); /* ^U keeps what is after the cursor */
    ck_assert_str_eq(line(), "c");
    ck_assert_uint_eq(le.cur, 0);
}
END_TEST

START_TEST(test_delete_key)
{
    feed("abc\x1b[H\x1b[3~");
    ck_assert_str_eq(line(), "bc");
}
END_TEST

START_TEST(test_history_up_down)
{
    feed("draft");
    feed("\x1b[A");
    ck_assert_str_eq(line(), "echo third");
    feed("\x1b[A\x1b[A");
    ck_assert_str_eq(line(), "first cmd");
    feed("\x1b[A"); /* past the oldest: stays */
    ck_assert_str_eq(line(), "first cmd");
    feed("\x1b[B");
    ck_assert_str_eq(line(), "second cmd");
    feed("\x1b[B\x1b[B"); /* back to the line being edited */
    ck_assert_str_eq(line(), "draft");
    feed("\x1b[A x\r");
    ck_assert_str_eq(line(), "echo third x");
}
END_TEST

START_TEST(test_eof_and_interrupt)
{
    ck_assert_int_eq(feed("\x04"), LE_EOF);
    memset(&out, 0, sizeof out);
    le_start(&le, "$ ", hist, 3, &out);
    ck_assert_int_eq(feed("abc\x04"), LE_MORE); /* ^D with text: delete under the cursor */
    ck_assert_str_eq(line(), "abc");
    ck_assert_int_eq(feed("\x03"), LE_INTR);
    ck_assert_str_eq(line(), "");
}
END_TEST

START_TEST(test_redraw_output)
{
    feed("ab\x1b[D");
    out.len = 0;
    le_feed(&le, 'X', &out);
    out.buf[out.len] = 0;
    /* CR, prompt, line, erase to the end, cursor back over "b" */
    ck_assert_str_eq(out.buf, "\r$ aXb\x1b[K\x1b[1D");
}
END_TEST

START_TEST(test_long_line)
{
    for (int i = 0; i < LE_MAX + 100; i++) {
        out.len = 0;
        le_feed(&le, 'x', &out);
    }
    ck_assert_uint_eq(le.len, LE_MAX - 1);
    ck_assert_int_eq(feed("\n"), LE_DONE);
    ck_assert_uint_eq(strlen(line()), LE_MAX - 1);
}
END_TEST

START_TEST(test_unknown_controls_ignored)
{
    feed("a\x1b[Zb\x07\x1b[99~c");
    ck_assert_str_eq(line(), "abc");
}
END_TEST

static Suite *lineedit_suite(void)
{
    Suite *s = suite_create("lineedit");
    TCase *tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_prompt_and_echo);
    tcase_add_test(tc, test_left_right_insert);
    tcase_add_test(tc, test_backspace);
    tcase_add_test(tc, test_home_end);
    tcase_add_test(tc, test_kill_keys);
    tcase_add_test(tc, test_delete_key);
    tcase_add_test(tc, test_history_up_down);
    tcase_add_test(tc, test_eof_and_interrupt);
    tcase_add_test(tc, test_redraw_output);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_unknown_controls_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lineedit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
