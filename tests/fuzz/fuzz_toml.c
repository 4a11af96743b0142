/*
 * libFuzzer harness for vl_toml: any byte string goes to vl_toml_parse_all (several errors)
 * and to vl_toml_parse (first error only). They must agree: both accept, or both refuse with
 * the same first error (position and message). An accepted tree is walked completely: every
 * table entry must be found again by key (the hash index against document order), every
 * string must be NUL-terminated after its length, every date-time field in range, nesting
 * within VL_TOML_MAX_DEPTH. Refusals must carry a position inside the document and a
 * terminated message. Aborts only on a broken invariant; ASan/UBSan catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vl_toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void walk(const struct vl_toml_value *v, size_t depth)
{
    const char *s;
    size_t n;
    struct vl_toml_datetime dt;
    uint32_t line, col;

    vl_toml_pos(v, &line, &col);
    check(line >= 1 && col >= 1);
    switch (vl_toml_type_of(v)) {
    case VL_TOML_TABLE:
        check(depth <= VL_TOML_MAX_DEPTH);
        for (size_t i = 0; i < vl_toml_table_len(v); i++) {
            const struct vl_toml_value *e = vl_toml_table_at(v, i, &s, &n);
            check(e != NULL && s[n] == '\0');
            check(vl_toml_table_getn(v, s, n) == e);
            walk(e, depth + 1);
        }
        check(vl_toml_table_at(v, vl_toml_table_len(v), NULL, NULL) == NULL);
        break;
    case VL_TOML_ARRAY:
        check(depth <= VL_TOML_MAX_DEPTH);
        for (size_t i = 0; i < vl_toml_array_len(v); i++)
            walk(vl_toml_array_at(v, i), depth + 1);
        check(vl_toml_array_at(v, vl_toml_array_len(v)) == NULL);
        break;
    case VL_TOML_STRING:
        check(vl_toml_string(v, &s, &n) == 0 && s[n] == '\0');
        break;
    case VL_TOML_INTEGER:
        check(vl_toml_int(v, NULL) == 0 && vl_toml_float(v, NULL) != 0);
        break;
    case VL_TOML_FLOAT:
        check(vl_toml_float(v, NULL) == 0);
        break;
    case VL_TOML_BOOL: {
        int b = -1;
        check(vl_toml_bool(v, &b) == 0 && (b == 0 || b == 1));
        break;
    }
    default:
        check(vl_toml_datetime(v, &dt) == 0);
        check(dt.year <= 9999 && dt.month <= 12 && dt.day <= 31 && dt.hour <= 23 &&
              dt.minute <= 59 && dt.second <= 60 && dt.nanosecond < 1000000000u &&
              dt.frac_digits <= 9 && dt.offset_minutes > -1440 && dt.offset_minutes < 1440);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct vl_toml_error errs[4], first;
    struct vl_toml_value *all = NULL, *one = NULL;
    size_t nerrs = 0, lines = 1;
    int rc_all, rc_one;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    rc_all = vl_toml_parse_all(text, size, &all, errs, 4, &nerrs);
    rc_one = vl_toml_parse(text, size, &one, &first);
    check((rc_all == 0) == (rc_one == 0));
    if (rc_all == 0) {
        check(nerrs == 0 && all != NULL && one != NULL);
        check(vl_toml_type_of(all) == VL_TOML_TABLE);
        walk(all, 0);
    } else {
        check(all == NULL && one == NULL && nerrs >= 1 && nerrs <= 4);
        for (size_t i = 0; i < nerrs; i++) {
            check(errs[i].line >= 1 && errs[i].line <= lines && errs[i].col >= 1);
            check(memchr(errs[i].msg, '\0', sizeof(errs[i].msg)) != NULL && errs[i].msg[0]);
        }
        check(first.line == errs[0].line && first.col == errs[0].col &&
              strcmp(first.msg, errs[0].msg) == 0);
    }
    vl_toml_free(all);
    vl_toml_free(one);
    return 0;
}
