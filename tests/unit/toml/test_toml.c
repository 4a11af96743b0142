/*
 * Unit tests for os/lib/toml (vl_toml), through its C API: init's services.toml shape, every
 * accessor (including NULL and wrong-type chaining), values of every type and their edge
 * cases (embedded NUL, int64 limits, leap days, second 60, fractions), exact line:col and
 * wording of errors, parse_all collecting several errors and stopping when full, the nesting
 * limit (arrays, inline tables, dotted keys, headers), the redefinition rules, and two
 * reference models checked on random inputs: integers and floats against strtoll/strtod on the
 * same literal, and big tables (hash index) against a linear list. Random mutations of valid
 * documents must never crash. Every document is handed over in a heap buffer of exactly its
 * length (no NUL after it) and freed before the tree is used, so ASan catches over-reads and
 * any pointer into the text; teardown frees the tree and the sanitizer build checks for leaks.
 * The toml-test corpus is run separately (run_corpus.py, CTest toml_corpus).
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "vl_toml.h"

static struct vl_toml_value *root;
static struct vl_toml_error err;

static void setup(void)
{
    root = NULL;
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    vl_toml_free(root);
    root = NULL;
}

/* Parses n bytes from an exact-size heap copy, freed before returning. */
static int parse_mem(const char *text, size_t n)
{
    char *buf = malloc(n ? n : 1);
    int rc;
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, n);
    vl_toml_free(root);
    root = NULL;
    memset(&err, 0, sizeof(err));
    rc = vl_toml_parse(buf, n, &root, &err);
    free(buf);
    if (rc == 0)
        ck_assert_ptr_nonnull(root);
    else
        ck_assert_ptr_null(root);
    return rc;
}

static int parse(const char *text)
{
    return parse_mem(text, strlen(text));
}

#define ck_parses(text)                                                                            \
    do {                                                                                           \
        int rc_ = parse(text);                                                                     \
        ck_assert_msg(rc_ == 0, "refused: %s\n  at %u:%u: %s", (text), err.line, err.col,          \
                      err.msg);                                                                    \
    } while (0)

#define ck_refuses(text)                                                                           \
    do {                                                                                           \
        ck_assert_msg(parse(text) == -VK_EINVAL, "accepted: %s", (text));                          \
        ck_assert_msg(err.msg[0] && err.line > 0 && err.col > 0, "no position/message");           \
    } while (0)

/* The error must be at line:col and its message must contain `part`. */
#define ck_error_at(text, l, c, part)                                                              \
    do {                                                                                           \
        ck_refuses(text);                                                                          \
        ck_assert_msg(err.line == (l) && err.col == (c), "error at %u:%u, want %u:%u (%s)",        \
                      err.line, err.col, (unsigned)(l), (unsigned)(c), err.msg);                   \
        ck_assert_msg(strstr(err.msg, (part)) != NULL, "message '%s' lacks '%s'", err.msg,         \
                      (part));                                                                     \
    } while (0)

static const char *str_of(const struct vl_toml_value *v)
{
    const char *s = NULL;
    ck_assert_int_eq(vl_toml_string(v, &s, NULL), 0);
    return s;
}

static int64_t int_of(const struct vl_toml_value *v)
{
    int64_t i = 0;
    ck_assert_int_eq(vl_toml_int(v, &i), 0);
    return i;
}

static double float_of(const struct vl_toml_value *v)
{
    double d = 0;
    ck_assert_int_eq(vl_toml_float(v, &d), 0);
    return d;
}

/* ---- init's schema ---- */

static const char services_toml[] = "[[services]]\n"
                                    "name = \"vfs\"\n"
                                    "path = \"/sbin/vfs\"\n"
                                    "restart_policy = \"always\"\n"
                                    "capabilities = [\"CAP_FS_MOUNT\", \"CAP_IPC_CREATE\"]\n"
                                    "\n"
                                    "[[services]]\n"
                                    "name = \"netstack\"\n"
                                    "path = \"/sbin/netstack\"\n"
                                    "depends_on = [\"devmgr\"]\n"
                                    "restart_policy = \"on-failure\"\n"
                                    "capabilities = [\"CAP_NET_ADMIN\", \"CAP_NET_RAW\"]\n"
                                    "args = [\"--verbose\"]\n"
                                    "env = { LOG = \"debug\" }\n"
                                    "readiness = \"notify\"\n";

START_TEST(test_services_shape)
{
    const struct vl_toml_value *svcs, *vfs, *net, *caps, *env;
    const char *key;
    size_t key_len;
    uint32_t line, col;

    ck_parses(services_toml);
    ck_assert_int_eq(vl_toml_type_of(root), VL_TOML_TABLE);
    ck_assert_uint_eq(vl_toml_table_len(root), 1);
    svcs = vl_toml_table_get(root, "services");
    ck_assert_int_eq(vl_toml_type_of(svcs), VL_TOML_ARRAY);
    ck_assert_uint_eq(vl_toml_array_len(svcs), 2);

    vfs = vl_toml_array_at(svcs, 0);
    ck_assert_int_eq(vl_toml_type_of(vfs), VL_TOML_TABLE);
    ck_assert_uint_eq(vl_toml_table_len(vfs), 4);
    ck_assert_str_eq(str_of(vl_toml_table_get(vfs, "name")), "vfs");
    ck_assert_str_eq(str_of(vl_toml_table_get(vfs, "path")), "/sbin/vfs");
    ck_assert_str_eq(str_of(vl_toml_table_get(vfs, "restart_policy")), "always");
    caps = vl_toml_table_get(vfs, "capabilities");
    ck_assert_uint_eq(vl_toml_array_len(caps), 2);
    ck_assert_str_eq(str_of(vl_toml_array_at(caps, 0)), "CAP_FS_MOUNT");
    ck_assert_str_eq(str_of(vl_toml_array_at(caps, 1)), "CAP_IPC_CREATE");
    ck_assert_ptr_null(vl_toml_table_get(vfs, "depends_on"));

    net = vl_toml_array_at(svcs, 1);
    ck_assert_uint_eq(vl_toml_table_len(net), 8);
    /* document order */
    static const char *const order[] = {"name",         "path", "depends_on", "restart_policy",
                                        "capabilities", "args", "env",        "readiness"};
    for (size_t i = 0; i < 8; i++) {
        ck_assert_ptr_nonnull(vl_toml_table_at(net, i, &key, &key_len));
        ck_assert_str_eq(key, order[i]);
        ck_assert_uint_eq(key_len, strlen(order[i]));
    }
    ck_assert_ptr_null(vl_toml_table_at(net, 8, &key, &key_len));
    ck_assert_str_eq(str_of(vl_toml_table_get(net, "name")), "netstack");
    ck_assert_str_eq(str_of(vl_toml_array_at(vl_toml_table_get(net, "depends_on"), 0)), "devmgr");
    ck_assert_str_eq(str_of(vl_toml_array_at(vl_toml_table_get(net, "capabilities"), 1)),
                     "CAP_NET_RAW");
    ck_assert_str_eq(str_of(vl_toml_array_at(vl_toml_table_get(net, "args"), 0)), "--verbose");
    env = vl_toml_table_get(net, "env");
    ck_assert_int_eq(vl_toml_type_of(env), VL_TOML_TABLE);
    ck_assert_uint_eq(vl_toml_table_len(env), 1);
    ck_assert_str_eq(str_of(vl_toml_table_get(env, "LOG")), "debug");
    ck_assert_str_eq(str_of(vl_toml_table_get(net, "readiness")), "notify");

    /* positions, for init's messages */
    vl_toml_pos(vl_toml_table_get(net, "env"), &line, &col);
    ck_assert_uint_eq(line, 14);
    ck_assert_uint_eq(col, 7);
    vl_toml_pos(net, &line, &col);
    ck_assert_uint_eq(line, 7);
    ck_assert_uint_eq(col, 1);
}
END_TEST

/* ---- accessors ---- */

START_TEST(test_accessors_and_types)
{
    const struct vl_toml_value *v;
    struct vl_toml_datetime dt;
    const char *s;
    size_t n;
    int64_t i;
    double d;
    int b;

    ck_parses("s = 'lit'\ni = -42\nf = 6.5e-1\nb = true\nodt = 1979-05-27T07:32:00.5-07:30\n"
              "ldt = 1979-05-27 07:32:00\nld = 2000-02-29\nlt = 23:59:60.123456789123\n"
              "a = [1, 'two', [3.0], {x = 4}]\nt.u = {}\n");
    static const struct {
        const char *key;
        enum vl_toml_type type;
        const char *name;
    } types[] = {
        {"s", VL_TOML_STRING, "string"},
        {"i", VL_TOML_INTEGER, "integer"},
        {"f", VL_TOML_FLOAT, "float"},
        {"b", VL_TOML_BOOL, "bool"},
        {"odt", VL_TOML_DATETIME, "datetime"},
        {"ldt", VL_TOML_DATETIME_LOCAL, "datetime-local"},
        {"ld", VL_TOML_DATE_LOCAL, "date-local"},
        {"lt", VL_TOML_TIME_LOCAL, "time-local"},
        {"a", VL_TOML_ARRAY, "array"},
        {"t", VL_TOML_TABLE, "table"},
    };
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        v = vl_toml_table_get(root, types[k].key);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(vl_toml_type_of(v), types[k].type);
        ck_assert_str_eq(vl_toml_type_name(types[k].type), types[k].name);
    }
    ck_assert_str_eq(vl_toml_type_name((enum vl_toml_type)99), "?");

    ck_assert_int_eq(vl_toml_string(vl_toml_table_get(root, "s"), &s, &n), 0);
    ck_assert_str_eq(s, "lit");
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "i")), -42);
    ck_assert(float_of(vl_toml_table_get(root, "f")) == 0.65);
    ck_assert_int_eq(vl_toml_bool(vl_toml_table_get(root, "b"), &b), 0);
    ck_assert_int_eq(b, 1);

    ck_assert_int_eq(vl_toml_datetime(vl_toml_table_get(root, "odt"), &dt), 0);
    ck_assert_uint_eq(dt.year, 1979);
    ck_assert_uint_eq(dt.month, 5);
    ck_assert_uint_eq(dt.day, 27);
    ck_assert_uint_eq(dt.hour, 7);
    ck_assert_uint_eq(dt.minute, 32);
    ck_assert_uint_eq(dt.second, 0);
    ck_assert_uint_eq(dt.nanosecond, 500000000);
    ck_assert_uint_eq(dt.frac_digits, 1);
    ck_assert_int_eq(dt.offset_minutes, -(7 * 60 + 30));
    ck_assert_int_eq(vl_toml_datetime(vl_toml_table_get(root, "ldt"), &dt), 0);
    ck_assert_uint_eq(dt.hour, 7);
    ck_assert_uint_eq(dt.frac_digits, 0);
    ck_assert_int_eq(dt.offset_minutes, 0);
    ck_assert_int_eq(vl_toml_datetime(vl_toml_table_get(root, "ld"), &dt), 0);
    ck_assert_uint_eq(dt.year, 2000);
    ck_assert_uint_eq(dt.month, 2);
    ck_assert_uint_eq(dt.day, 29);
    ck_assert_uint_eq(dt.hour, 0);
    ck_assert_int_eq(vl_toml_datetime(vl_toml_table_get(root, "lt"), &dt), 0);
    ck_assert_uint_eq(dt.year, 0);
    ck_assert_uint_eq(dt.hour, 23);
    ck_assert_uint_eq(dt.second, 60);
    ck_assert_uint_eq(dt.nanosecond, 123456789); /* truncated, not rounded */
    ck_assert_uint_eq(dt.frac_digits, 9);

    v = vl_toml_table_get(root, "a");
    ck_assert_uint_eq(vl_toml_array_len(v), 4);
    ck_assert_int_eq(int_of(vl_toml_array_at(v, 0)), 1);
    ck_assert_str_eq(str_of(vl_toml_array_at(v, 1)), "two");
    ck_assert(float_of(vl_toml_array_at(vl_toml_array_at(v, 2), 0)) == 3.0);
    ck_assert_int_eq(int_of(vl_toml_table_get(vl_toml_array_at(v, 3), "x")), 4);
    ck_assert_ptr_null(vl_toml_array_at(v, 4));
    ck_assert_uint_eq(vl_toml_table_len(vl_toml_table_get(vl_toml_table_get(root, "t"), "u")), 0);

    /* NULL and wrong types: 0 / NULL / -VK_EINVAL, outputs untouched */
    i = 7;
    ck_assert_int_eq(vl_toml_int(NULL, &i), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_int(vl_toml_table_get(root, "s"), &i), -VK_EINVAL);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(vl_toml_string(vl_toml_table_get(root, "i"), &s, &n), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_float(vl_toml_table_get(root, "i"), &d), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_bool(vl_toml_table_get(root, "nope"), &b), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_datetime(vl_toml_table_get(root, "s"), &dt), -VK_EINVAL);
    ck_assert_uint_eq(vl_toml_table_len(NULL), 0);
    ck_assert_uint_eq(vl_toml_table_len(vl_toml_table_get(root, "a")), 0);
    ck_assert_uint_eq(vl_toml_array_len(root), 0);
    ck_assert_ptr_null(vl_toml_array_at(root, 0));
    ck_assert_ptr_null(vl_toml_table_get(NULL, "x"));
    ck_assert_ptr_null(vl_toml_table_get(root, NULL));
    ck_assert_ptr_null(vl_toml_table_get(vl_toml_table_get(root, "a"), "x"));
    ck_assert_ptr_null(vl_toml_table_at(NULL, 0, NULL, NULL));
    ck_assert_ptr_nonnull(vl_toml_table_at(root, 0, NULL, NULL));
    ck_assert_ptr_null(vl_toml_table_get(vl_toml_table_get(NULL, "a"), "b"));
    vl_toml_free(NULL);
}
END_TEST

START_TEST(test_strings_and_nul)
{
    const char *s;
    size_t n;

    ck_parses(
        "a = \"x\\u0000y\"\n\"k\\u0000\" = 1\nb = \"\\b\\t\\n\\f\\r\\\"\\\\\\u00e9\\U0001F600\"\n"
        "c = \"\"\"\n  one \\\n    two\r\n  three\"\"\"\nd = '''\nC:\\raw\\ ''\"'''\ne = \"\"\n"
        "f = \"tab\there\"\n");
    ck_assert_int_eq(vl_toml_string(vl_toml_table_get(root, "a"), &s, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(s, "x\0y", 4);                   /* and NUL-terminated after len */
    ck_assert_ptr_null(vl_toml_table_get(root, "k")); /* NUL is part of the key */
    ck_assert_int_eq(int_of(vl_toml_table_getn(root, "k\0", 2)), 1);
    ck_assert_str_eq(str_of(vl_toml_table_get(root, "b")),
                     "\b\t\n\f\r\"\\\xc3\xa9\xf0\x9f\x98\x80");
    ck_assert_str_eq(str_of(vl_toml_table_get(root, "c")), "  one two\n  three");
    ck_assert_str_eq(str_of(vl_toml_table_get(root, "d")), "C:\\raw\\ ''\"");
    ck_assert_int_eq(vl_toml_string(vl_toml_table_get(root, "e"), &s, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(s, "");
    ck_assert_str_eq(str_of(vl_toml_table_get(root, "f")), "tab\there");

    /* NUL bytes in the document itself are refused */
    ck_assert_int_eq(parse_mem("a = \"x\0y\"", 9), -VK_EINVAL);
    ck_assert_uint_eq(err.col, 7);
    ck_assert_ptr_nonnull(strstr(err.msg, "U+0000"));
    ck_assert_int_eq(parse_mem("a = 1\0", 6), -VK_EINVAL);
    ck_assert_int_eq(parse_mem("# \0\n", 4), -VK_EINVAL);

    ck_refuses("a = \"\\uD800\"");
    ck_refuses("a = \"\\U00110000\"");
    ck_refuses("a = \"\\e\"");
    ck_refuses("a = \"\\x41\"");
    ck_refuses("a = \"\\u12\"");
    ck_refuses("a = \"\"\"x\\ y\"\"\"");
    ck_refuses("a = '\x7f'");
    ck_refuses("a = \"\"\"a\rb\"\"\"");
    ck_refuses("a = \"\"\"aaa\"\"\"\"\"\""); /* six quotes: at most 2 + 3 */
    ck_parses("a = \"\"\"aaa\"\"\"\"\"");
    ck_assert_str_eq(str_of(vl_toml_table_get(root, "a")), "aaa\"\"");
    /* UTF-8 is checked everywhere, including literal strings and comments */
    ck_refuses("a = '\xc0\xaf'");       /* overlong */
    ck_refuses("a = \"\xed\xa0\x80\""); /* surrogate */
    ck_refuses("# \xf4\x90\x80\x80\n"); /* > U+10FFFF */
    ck_refuses("a = 'x\xe2\x82'");      /* truncated */
    ck_parses("\xef\xbb\xbf"
              "a = 'caf\xc3\xa9'\r\n# \xe2\x82\xac\r\n");
    ck_refuses("a = 1\n\xef\xbb\xbf"); /* BOM only at the start */
}
END_TEST

START_TEST(test_numbers)
{
    double d;

    ck_parses("a = 9_223_372_036_854_775_807\nb = -9223372036854775808\nc = 0x7fff_FFFF_ffff_ffff\n"
              "d = 0o777\ne = 0b1010\nf = +0\ng = -0\nh = 1_000\n");
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "a")), INT64_MAX);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "b")), INT64_MIN);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "c")), INT64_MAX);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "d")), 0777);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "e")), 10);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "f")), 0);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "g")), 0);
    ck_assert_int_eq(int_of(vl_toml_table_get(root, "h")), 1000);

    ck_parses("a = inf\nb = -inf\nc = +nan\nd = -0.0\ne = 1e-400\nf = 0e0\ng = 1E+0_2\n"
              "h = 3.141_592\n");
    ck_assert(isinf(float_of(vl_toml_table_get(root, "a"))));
    d = float_of(vl_toml_table_get(root, "b"));
    ck_assert(isinf(d) && d < 0);
    ck_assert(isnan(float_of(vl_toml_table_get(root, "c"))));
    d = float_of(vl_toml_table_get(root, "d"));
    ck_assert(d == 0 && signbit(d));
    ck_assert(float_of(vl_toml_table_get(root, "e")) == 0);
    ck_assert(float_of(vl_toml_table_get(root, "g")) == 100);
    ck_assert(float_of(vl_toml_table_get(root, "h")) == 3.141592);

    static const char *const bad[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "0x8000000000000000",
        "01",
        "-01",
        "+0x1",
        "0X1",
        "0x",
        "0b2",
        "0o8",
        "1__0",
        "_1",
        "1_",
        "0x_1",
        "1.",
        ".5",
        "1.e5",
        "1e",
        "1e_1",
        "1_.0",
        "1._0",
        "1e1_",
        "00.5",
        "+-1",
        "1e400",
        "-1e400",
        "inf_",
        "Inf",
        "NaN",
        "+",
        "1.2.3",
        "0xg",
        "1a",
        "++1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char doc[64];
        snprintf(doc, sizeof(doc), "x = %s\n", bad[i]);
        ck_error_at(doc, 1, 5, "");
    }
}
END_TEST

START_TEST(test_datetimes)
{
    static const char *const good[] = {
        "2000-02-29",
        "2004-02-29",
        "1900-02-28",
        "0000-01-01 00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2016-12-31T23:59:60Z",
        "1979-05-27t07:32:00z",
        "1979-05-27T07:32:00+23:59",
        "00:00:00",
        "1979-05-27T07:32:00.999999999999",
    };
    static const char *const bad[] = {
        "2001-02-29",
        "1900-02-29",
        "2000-02-30",
        "2000-04-31",
        "2000-13-01",
        "2000-00-01",
        "2000-01-00",
        "2000-01-32",
        "2000-01-01T24:00:00",
        "2000-01-01T00:60:00",
        "2000-01-01T00:00:61",
        "12:00",
        "1:00:00",
        "2000-1-01",
        "2000-01-01T",
        "2000-01-01T00:00",
        "2000-01-01T00:00:00+24:00",
        "2000-01-01T00:00:00+01",
        "2000-01-01T00:00:00.",
        "00:00:00Z",
        "00:00:00+01:00",
        "2000-01-01X00:00:00",
        "2000-01-0100:00:00",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char doc[64];
        snprintf(doc, sizeof(doc), "x = %s\n", good[i]);
        ck_parses(doc);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char doc[64];
        snprintf(doc, sizeof(doc), "x = %s\n", bad[i]);
        ck_refuses(doc);
    }
    ck_error_at("x = 2001-02-29\n", 1, 5, "day 29 is out of range (01-28");
    ck_error_at("x = 2000-01-01T00:00\n", 1, 5, "expected seconds");
}
END_TEST

/* ---- errors ---- */

START_TEST(test_error_positions)
{
    ck_error_at("a = 1\nb = \n", 2, 5, "expected a value, found end of line");
    ck_error_at("a = 1\nb = ", 2, 5, "expected a value, found end of input");
    ck_error_at("[table\nx = 1\n", 1, 7, "expected '.' or ']' to close the table header");
    ck_error_at("[[aot]\n", 1, 7, "expected ']]'");
    ck_error_at("a = \"abc\nb = 1\n", 1, 9, "unterminated string (opened at 1:5)");
    ck_error_at("a = '''x\n", 2, 1, "unterminated multi-line literal string (opened at 1:5)");
    ck_error_at("a = 1\na = 2\n", 2, 1, "duplicate key 'a': already defined as an integer at 1:5");
    ck_error_at("key value\n", 1, 5, "expected '=' after the key, found 'v'");
    ck_error_at("a = 1 2\n", 1, 7, "expected end of line after the value, found '2'");
    ck_error_at("a = [1 2]\n", 1, 8, "expected ',' or ']' after an array element, found '2'");
    ck_error_at("t = {a = 1\n}\n", 1, 11, "expected ',' or '}' (an inline table must be on one");
    ck_error_at("t = {a = 1,}\n", 1, 11, "trailing comma");
    ck_error_at("a = \"x\\qy\"\n", 1, 7, "invalid escape sequence '\\q'");
    ck_error_at("a = \"\\u00\"\n", 1, 10, "expected 4 hex digits after \\u, found '\"'");
    ck_error_at("x = yes\n", 1, 5, "expected a value, found 'yes'");
    ck_error_at("x = 0x_1\n", 1, 5, "invalid integer '0x_1': '_' must be between two digits");
    ck_error_at("x = 07\n", 1, 5, "leading zeros");
    ck_error_at("# fine\n  \tx = 1 # \x01\n", 2, 12, "control character U+0001");
    ck_error_at("a = 1\r\n\rb = 2\n", 2, 1, "carriage return");
    /* columns count characters, not bytes: two 2-byte characters before the error */
    ck_error_at("k = \"\xc3\xa9\xc3\xa9\" x\n", 1, 10, "found 'x'");
    ck_error_at("k = '\xe2\x82\xac' \xe2\x82\xac\n", 1, 9, "found '\xe2\x82\xac'");
    ck_error_at("a = 1\nb = 'ok'\nc = \"\xff\"\n", 3, 6, "invalid UTF-8 (byte 0xFF)");
    ck_error_at("[a]\nx = 1\n[a]\n", 3, 2,
                "cannot define table 'a': already defined as a table "
                "(by a header) at 1:1");
    ck_error_at("a.b = 1\na.b.c = 2\n", 2, 3,
                "cannot add to 'a.b' with dotted keys: it is defined as an integer at 1:7");
    ck_error_at("a = {}\n[a.b]\n", 2, 2, "cannot add to 'a': it is defined as an inline table");
    ck_error_at("a = [1]\n[[a]]\n", 2, 3, "already defined as a static array at 1:5");
    ck_error_at("\"\"\"k\"\"\" = 1\n", 1, 1, "a key cannot be a multi-line string");
    ck_error_at("= 1\n", 1, 1, "expected a key (bare key or quoted string), found '='");
    ck_error_at("[]\n", 1, 2, "expected a key");
}
END_TEST

START_TEST(test_parse_all)
{
    static const char doc[] = "a = 1\n"
                              "b = \n" /* 2:5 */
                              "c = 3\n"
                              "[t\n"            /* 4:3 */
                              "x = 1\n"         /* goes to the discarded table */
                              "a = 2\n"         /* not a duplicate of the root's a */
                              "d = [1,\n2 3]\n" /* 8:3 */
                              "e = tru\n";      /* 9:5 */
    struct vl_toml_error errs[8];
    size_t n = 99;
    struct vl_toml_value *out = (struct vl_toml_value *)&n;

    ck_assert_int_eq(vl_toml_parse_all(doc, sizeof(doc) - 1, &out, errs, 8, &n), -VK_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(errs[0].line, 2);
    ck_assert_uint_eq(errs[0].col, 5);
    ck_assert_uint_eq(errs[1].line, 4);
    ck_assert_uint_eq(errs[1].col, 3);
    ck_assert_uint_eq(errs[2].line, 8);
    ck_assert_uint_eq(errs[2].col, 3);
    ck_assert_ptr_nonnull(strstr(errs[2].msg, "expected ',' or ']'"));
    ck_assert_uint_eq(errs[3].line, 9);
    ck_assert_uint_eq(errs[3].col, 5);

    /* stops when errs is full */
    ck_assert_int_eq(vl_toml_parse_all(doc, sizeof(doc) - 1, &out, errs, 2, &n), -VK_EINVAL);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(errs[1].line, 4);

    /* no room for messages at all: still refused */
    ck_assert_int_eq(vl_toml_parse_all(doc, sizeof(doc) - 1, &out, NULL, 0, &n), -VK_EINVAL);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(vl_toml_parse("a = \xff", 5, &out, NULL), -VK_EINVAL);

    /* every bad UTF-8 sequence is reported, and parsing stops there */
    ck_assert_int_eq(vl_toml_parse_all("a = '\xff'\nb = '\xc3'\nc = ", 19, &out, errs, 8, &n),
                     -VK_EINVAL);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(errs[1].line, 2);
    ck_assert_uint_eq(errs[1].col, 6);

    /* a valid document through parse_all */
    ck_assert_int_eq(vl_toml_parse_all(services_toml, sizeof(services_toml) - 1, &out, errs, 8, &n),
                     0);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_nonnull(out);
    vl_toml_free(out);

    /* bad arguments */
    ck_assert_int_eq(vl_toml_parse_all("a = 1", 5, NULL, errs, 8, &n), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_parse_all(NULL, 3, &out, errs, 8, &n), -VK_EINVAL);
    ck_assert_int_eq(vl_toml_parse_all(NULL, 0, &out, errs, 8, &n), 0);
    ck_assert_uint_eq(vl_toml_table_len(out), 0);
    vl_toml_free(out);
}
END_TEST

/* ---- nesting limit ---- */

static char *repeat_doc(const char *head, const char *open, size_t n, const char *mid,
                        const char *close, const char *tail)
{
    size_t len = strlen(head) + n * (strlen(open) + strlen(close)) + strlen(mid) + strlen(tail);
    char *doc = malloc(len + 1), *p = doc;
    ck_assert_ptr_nonnull(doc);
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", open);
    p += sprintf(p, "%s", mid);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", close);
    sprintf(p, "%s", tail);
    return doc;
}

START_TEST(test_depth_limit)
{
    char *doc;
    const struct vl_toml_value *v;
    size_t depth;

    /* a = [...]: a's array is level 1, so 128 brackets fit and 129 do not */
    doc = repeat_doc("a = ", "[", VL_TOML_MAX_DEPTH, "1", "]", "\n");
    ck_parses(doc);
    free(doc);
    for (v = vl_toml_table_get(root, "a"), depth = 0; vl_toml_type_of(v) == VL_TOML_ARRAY;
         v = vl_toml_array_at(v, 0))
        depth++;
    ck_assert_uint_eq(depth, VL_TOML_MAX_DEPTH);
    ck_assert_int_eq(int_of(v), 1);

    doc = repeat_doc("a = ", "[", VL_TOML_MAX_DEPTH + 1, "1", "]", "\n");
    ck_error_at(doc, 1, 4 + VL_TOML_MAX_DEPTH + 1, "nest too deeply (more than 128 levels)");
    free(doc);
    doc = repeat_doc("a = ", "{b = ", VL_TOML_MAX_DEPTH + 1, "1", "}", "\n");
    ck_error_at(doc, 1, 5 + 5 * VL_TOML_MAX_DEPTH, "nest too deeply");
    free(doc);
    /* deep enough to overflow a recursive parser's stack: still a clean error */
    doc = repeat_doc("a = ", "[", 100000, "", "]", "\n");
    ck_refuses(doc);
    free(doc);

    /* dotted keys and headers count too */
    doc = repeat_doc("", "k.", VL_TOML_MAX_DEPTH - 1, "k = 1", "", "\n");
    ck_parses(doc);
    free(doc);
    doc = repeat_doc("", "k.", VL_TOML_MAX_DEPTH, "k = 1", "", "\n");
    ck_refuses(doc);
    ck_assert_ptr_nonnull(strstr(err.msg, "nest too deeply"));
    free(doc);
    doc = repeat_doc("[", "k.", VL_TOML_MAX_DEPTH - 1, "k", "", "]\n");
    ck_parses(doc);
    free(doc);
    doc = repeat_doc("[", "k.", VL_TOML_MAX_DEPTH, "k", "", "]\n");
    ck_refuses(doc);
    free(doc);
    doc = repeat_doc("[", "k.", 5000, "k", "", "]\n");
    ck_refuses(doc);
    free(doc);
    /* levels add up across headers, dotted keys and values */
    doc = repeat_doc("[", "k.", 63, "k", "", "]\n");
    {
        char *doc2 = repeat_doc(doc, "j.", 63, "j = ", "", "[[1]]\n");
        ck_refuses(doc2);
        free(doc2);
        doc2 = repeat_doc(doc, "j.", 63, "j = ", "", "[1]\n");
        ck_parses(doc2);
        free(doc2);
    }
    free(doc);
}
END_TEST

/* ---- redefinition rules ---- */

START_TEST(test_redefinition_rules)
{
    static const char *const good[] = {
        "[a.b.c]\nanswer = 42\n[a]\nbetter = 43\n", /* super-table after its sub-table */
        "[a]\nbetter = 43\n[a.b.c]\nanswer = 42\n",
        "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nx = 1\n",
        "[fruit]\napple.color = 'red'\n[[fruit.apple.seeds]]\nsize = 2\n",
        "a.b.c = 1\na.b.d = 2\na.e = 3\n",
        "[[a.b]]\nx = 1\n[a]\ny = 2\n",
        "[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n",
        "[[a]]\n[[a.b]]\n[[a.b]]\n[[a]]\n[[a.b]]\n",
        "t = {a.b = 1, a.c = 2}\n",
        "a = [{b = 1}, {b = 1}]\n",
        "[a]\n[b]\n[a.c]\n",
        "\"a\" = 1\nb.'a' = 2\n",
        "[\"a.b\"]\n[a.b]\n",
        "''.x = 1\nx.'' = 2\n[c]\n\"\".'' = 3\n",
    };
    static const char *const bad[] = {
        "a = 1\na = 2\n",
        "a = 1\n'a' = 2\n",
        "a = 1\n\"\\u0061\" = 2\n",
        "[a]\n[a]\n",
        "[a.b]\n[a]\n[a]\n",
        "[a]\nb = 1\n[a.b]\n",
        "a = 1\n[a.b.c]\n",
        "[fruit]\napple.color = 'red'\n[fruit.apple]\n",
        "[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n",
        "[fruit]\napple.color = 'red'\n[[fruit.apple]]\n",
        "a.b = 1\n[a]\n",
        "[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n",
        "[a.b]\nz = 9\n[a]\nb.t = 1\n",
        "[a.b.c]\n[a]\nb.x = 1\n", /* dotted keys may not add to a header's implicit table */
        "[[a.b]]\n[a]\nb.y = 2\n",
        "a = {}\n[a.b]\n",
        "a = {}\na.b = 1\n",
        "a = {b = {}}\n[a.b.c]\n",
        "a.b = 0\na = {}\n",
        "t = {a = 1, a = 2}\n",
        "t = {a = {b = 1}, a.c = 2}\n",
        "t = {a.b = 1, a = 2}\n",
        "a = [{b = 1}]\n[a.c]\n",
        "a = []\n[[a]]\n",
        "[a]\n[[a]]\n",
        "[[a]]\n[a]\n",
        "[[a.b]]\n[[a]]\n",
        "[[fruit]]\n[[fruit.variety]]\n[fruit.variety]\n",
        "a = true\n[[a]]\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_parses(good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_refuses(bad[i]);

    /* order and nesting of what the good ones built */
    ck_parses("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n");
    ck_assert_int_eq(
        int_of(vl_toml_table_get(
            vl_toml_table_get(vl_toml_array_at(vl_toml_table_get(root, "a"), 1), "b"), "x")),
        2);
    ck_parses("[a.b.c]\nanswer = 42\n[a]\nbetter = 43\n");
    {
        const char *key;
        const struct vl_toml_value *a = vl_toml_table_get(root, "a");
        ck_assert_ptr_nonnull(vl_toml_table_at(a, 0, &key, NULL));
        ck_assert_str_eq(key, "b");
        ck_assert_ptr_nonnull(vl_toml_table_at(a, 1, &key, NULL));
        ck_assert_str_eq(key, "better");
    }
}
END_TEST

/* ---- reference models on random inputs ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* splitmix64: fixed seed, same sequence every run */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double pow10i(int e)
{
    double d = 1;
    for (; e > 0; e--)
        d *= 10;
    for (; e < 0; e++)
        d /= 10;
    return d;
}

/* Inserts '_' between random digit pairs of s (digits only, from index `from`). */
static void add_underscores(const char *s, size_t from, char *out)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        out[o++] = s[i];
        if (i >= from && s[i + 1] && rnd() % 4 == 0)
            out[o++] = '_';
    }
    out[o] = '\0';
}

START_TEST(test_numbers_against_libc)
{
    for (int iter = 0; iter < 3000; iter++) {
        uint64_t r = rnd();
        int64_t want = (int64_t)(rnd() >> (rnd() % 64));
        char lit[96], doc[256];
        double dwant;

        if (r % 5 == 4)
            want = -want;
        switch (r % 4) {
        case 0:
            snprintf(lit, sizeof(lit), "%" PRId64, want);
            break;
        case 1:
            want = want < 0 ? -(want + 1) : want;
            snprintf(lit, sizeof(lit), "0x%" PRIx64, (uint64_t)want);
            break;
        case 2:
            want = want < 0 ? -(want + 1) : want;
            snprintf(lit, sizeof(lit), "0o%" PRIo64, (uint64_t)want);
            break;
        default: {
            want = want < 0 ? -(want + 1) : want;
            size_t o = 2;
            int started = 0;
            strcpy(lit, "0b");
            for (int bit = 63; bit >= 0; bit--) {
                int b = (int)(((uint64_t)want >> bit) & 1);
                if (b || started || bit == 0) {
                    lit[o++] = (char)('0' + b);
                    started = 1;
                }
            }
            lit[o] = '\0';
        }
        }
        {
            char us[192];
            size_t from = lit[0] == '-' ? 1 : (r % 4) ? 2 : 0;
            add_underscores(lit, from, us);
            snprintf(doc, sizeof(doc), "x = %s\n", us);
        }
        ck_parses(doc);
        ck_assert_msg(int_of(vl_toml_table_get(root, "x")) == want, "%s", doc);

        /* floats: the same literal through strtod */
        snprintf(lit, sizeof(lit), "%.*e", (int)(rnd() % 17),
                 (double)(int64_t)rnd() / (double)(rnd() | 1) * pow10i((int)(rnd() % 80) - 40));
        dwant = strtod(lit, NULL);
        snprintf(doc, sizeof(doc), "x = %s\n", lit);
        ck_parses(doc);
        ck_assert_msg(float_of(vl_toml_table_get(root, "x")) == dwant, "%s", doc);
    }
}
END_TEST

START_TEST(test_big_tables_against_list)
{
    /* 3000 keys in one table (hash index) plus a reference list of what was written */
    enum { N = 3000 };
    size_t cap = (size_t)N * 40, len = 0;
    char *doc = malloc(cap);
    static char names[N][24];
    ck_assert_ptr_nonnull(doc);
    for (int i = 0; i < N; i++) {
        /* keys that differ in their last bytes only, some quoted, some with NUL */
        if (i % 7 == 0)
            snprintf(names[i], sizeof(names[i]), "q%d\\u0000", i);
        else
            snprintf(names[i], sizeof(names[i]), "key-%d", (i * 7919) % 100003);
        len += (size_t)snprintf(doc + len, cap - len, "\"%s\" = %d\n", names[i], i);
    }
    ck_assert_int_eq(parse_mem(doc, len), 0);
    ck_assert_uint_eq(vl_toml_table_len(root), N);
    for (int i = 0; i < N; i++) {
        char want[24];
        size_t wlen;
        const char *key;
        size_t key_len;
        const struct vl_toml_value *v = vl_toml_table_at(root, (size_t)i, &key, &key_len);
        if (i % 7 == 0) {
            wlen = (size_t)snprintf(want, sizeof(want), "q%d", i) + 1; /* with its NUL */
        } else {
            wlen = (size_t)snprintf(want, sizeof(want), "%s", names[i]);
        }
        ck_assert_uint_eq(key_len, wlen);
        ck_assert_mem_eq(key, want, wlen);
        ck_assert_int_eq(int_of(v), i);
        ck_assert_ptr_eq(vl_toml_table_getn(root, want, wlen), v);
    }
    ck_assert_ptr_null(vl_toml_table_get(root, "key-"));
    ck_assert_ptr_null(vl_toml_table_getn(root, "q0", 2));
    /* a duplicate at the end is still found through the index */
    len += (size_t)snprintf(doc + len, cap - len, "\"%s\" = 0\n", names[N / 2]);
    ck_assert_int_eq(parse_mem(doc, len), -VK_EINVAL);
    ck_assert_uint_eq(err.line, N + 1);
    ck_assert_ptr_nonnull(strstr(err.msg, "duplicate key"));
    free(doc);
}
END_TEST

/* ---- robustness ---- */

static void walk(const struct vl_toml_value *v)
{
    const char *s;
    size_t n;
    switch (vl_toml_type_of(v)) {
    case VL_TOML_TABLE:
        for (size_t i = 0; i < vl_toml_table_len(v); i++) {
            const struct vl_toml_value *e = vl_toml_table_at(v, i, &s, &n);
            ck_assert_ptr_eq(vl_toml_table_getn(v, s, n), e);
            walk(e);
        }
        break;
    case VL_TOML_ARRAY:
        for (size_t i = 0; i < vl_toml_array_len(v); i++)
            walk(vl_toml_array_at(v, i));
        break;
    case VL_TOML_STRING:
        ck_assert_int_eq(vl_toml_string(v, &s, &n), 0);
        ck_assert_int_eq(s[n], '\0');
        break;
    default:
        break;
    }
}

START_TEST(test_random_mutations)
{
    static const char *const seeds[] = {
        services_toml,
        "a = \"\"\"x\\\n y\"\"\"\nb = '''z'''\nc = [1, 2.5, 1979-05-27T07:32:00Z, {d.e = 'f'}]\n"
        "[t.u]\n'v' = 0x1f\n[[w]]\nx = -inf\n",
        "k = { a = [ [ 1 ], [ 'x' ] ], b.c = 07:32:00.5 }\n# comment \xc3\xa9\n[x]\ny = 2e-3\n",
    };
    static const char tokens[] = "[]{}=.,\"'#\\\n\r\t ab1_-+:eTZ\x7f\xc3\xa9";
    char buf[512];

    for (int iter = 0; iter < 30000; iter++) {
        const char *seed = seeds[rnd() % 3];
        size_t n = strlen(seed);
        int edits = 1 + (int)(rnd() % 4);
        memcpy(buf, seed, n);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? rnd() % n : 0;
            switch (rnd() % 4) {
            case 0: /* replace a byte */
                if (n)
                    buf[at] = tokens[rnd() % (sizeof(tokens) - 1)];
                break;
            case 1: /* insert a byte */
                if (n < sizeof(buf) - 1) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = rnd() % 8 ? tokens[rnd() % (sizeof(tokens) - 1)] : (char)rnd();
                    n++;
                }
                break;
            case 2: /* delete a byte */
                if (n) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            default: /* truncate */
                n = at;
                break;
            }
        }
        if (parse_mem(buf, n) == 0)
            walk(root);
        else
            ck_assert(err.msg[0] != '\0' && err.line >= 1 && err.col >= 1);
    }
}
END_TEST

Suite *toml_suite(void);

Suite *toml_suite(void)
{
    Suite *s = suite_create("toml");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_services_shape);
    tcase_add_test(tc, test_accessors_and_types);
    tcase_add_test(tc, test_strings_and_nul);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_datetimes);
    tcase_add_test(tc, test_error_positions);
    tcase_add_test(tc, test_parse_all);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_redefinition_rules);
    tcase_add_test(tc, test_numbers_against_libc);
    tcase_add_test(tc, test_big_tables_against_list);
    tcase_add_test(tc, test_random_mutations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(toml_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
