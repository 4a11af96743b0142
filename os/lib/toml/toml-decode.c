/*
 * toml-decode: the toml-test decoder interface over vl_toml. Reads a TOML document from stdin
 * (or the file named by the only argument) and prints it as toml-test's tagged JSON on
 * stdout: every leaf is {"type": "<type>", "value": "<text>"}, arrays are JSON arrays, tables
 * are JSON objects with keys in document order. On an invalid document it prints every error
 * (up to 20) as "toml-decode: <input>:line:col: message" on stderr, nothing on stdout, and
 * exits 1; exit 2 is for usage and I/O errors.
 *
 * Run by tests/unit/toml/run_corpus.py over the toml-test corpus, and by hand to see what the
 * parser makes of a file. Floats are printed with the fewest digits that read back to the same
 * double, and as inf, -inf, nan; date-times keep the fraction digits as written (up to 9).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl_toml.h"

#define MAX_ERRORS 20

static void put_json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void format_float(double d, char *buf, size_t size)
{
    if (d != d) {
        snprintf(buf, size, "nan");
        return;
    }
    if (d != 0 && d * 0.5 == d) {
        snprintf(buf, size, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static void format_datetime(enum vl_toml_type t, const struct vl_toml_datetime *dt, char *buf,
                            size_t size)
{
    size_t n = 0;
    if (t != VL_TOML_TIME_LOCAL)
        n += (size_t)snprintf(buf + n, size - n, "%04u-%02u-%02u", dt->year, dt->month, dt->day);
    if (t == VL_TOML_DATE_LOCAL)
        return;
    if (t != VL_TOML_TIME_LOCAL)
        n += (size_t)snprintf(buf + n, size - n, "T");
    n += (size_t)snprintf(buf + n, size - n, "%02u:%02u:%02u", dt->hour, dt->minute, dt->second);
    if (dt->frac_digits) {
        uint32_t frac = dt->nanosecond;
        for (unsigned k = dt->frac_digits; k < 9; k++)
            frac /= 10;
        n += (size_t)snprintf(buf + n, size - n, ".%0*" PRIu32, (int)dt->frac_digits, frac);
    }
    if (t == VL_TOML_DATETIME) {
        int off = dt->offset_minutes;
        if (off == 0)
            snprintf(buf + n, size - n, "Z");
        else
            snprintf(buf + n, size - n, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
                     abs(off) % 60);
    }
}

static void put_value(FILE *f, const struct vl_toml_value *v)
{
    enum vl_toml_type t = vl_toml_type_of(v);
    char buf[64];
    const char *s;
    size_t n;

    switch (t) {
    case VL_TOML_TABLE:
        fputc('{', f);
        for (size_t i = 0; i < vl_toml_table_len(v); i++) {
            const struct vl_toml_value *e = vl_toml_table_at(v, i, &s, &n);
            if (i)
                fputc(',', f);
            put_json_string(f, s, n);
            fputc(':', f);
            put_value(f, e);
        }
        fputc('}', f);
        return;
    case VL_TOML_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < vl_toml_array_len(v); i++) {
            if (i)
                fputc(',', f);
            put_value(f, vl_toml_array_at(v, i));
        }
        fputc(']', f);
        return;
    case VL_TOML_STRING:
        vl_toml_string(v, &s, &n);
        fputs("{\"type\":\"string\",\"value\":", f);
        put_json_string(f, s, n);
        fputc('}', f);
        return;
    case VL_TOML_INTEGER: {
        int64_t i;
        vl_toml_int(v, &i);
        snprintf(buf, sizeof(buf), "%" PRId64, i);
        break;
    }
    case VL_TOML_FLOAT: {
        double d;
        vl_toml_float(v, &d);
        format_float(d, buf, sizeof(buf));
        break;
    }
    case VL_TOML_BOOL: {
        int b;
        vl_toml_bool(v, &b);
        snprintf(buf, sizeof(buf), "%s", b ? "true" : "false");
        break;
    }
    default: {
        struct vl_toml_datetime dt;
        vl_toml_datetime(v, &dt);
        format_datetime(t, &dt, buf, sizeof(buf));
        break;
    }
    }
    fprintf(f, "{\"type\":\"%s\",\"value\":\"%s\"}", vl_toml_type_name(t), buf);
}

static int read_all(FILE *in, char **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(in)) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = "<stdin>";
    FILE *in = stdin;
    struct vl_toml_error errs[MAX_ERRORS];
    struct vl_toml_value *root;
    size_t len, nerrs;
    char *text;
    int rc;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: toml-decode [file.toml]  (default: stdin)\n");
        return 2;
    }
    if (argc == 2) {
        name = argv[1];
        in = fopen(name, "rb");
        if (!in) {
            perror(name);
            return 2;
        }
    }
    rc = read_all(in, &text, &len);
    if (in != stdin)
        fclose(in);
    if (rc) {
        fprintf(stderr, "toml-decode: cannot read %s\n", name);
        return 2;
    }
    rc = vl_toml_parse_all(text, len, &root, errs, MAX_ERRORS, &nerrs);
    free(text);
    if (rc) {
        for (size_t i = 0; i < nerrs; i++)
            fprintf(stderr, "toml-decode: %s:%u:%u: %s\n", name, errs[i].line, errs[i].col,
                    errs[i].msg);
        if (nerrs == MAX_ERRORS)
            fprintf(stderr, "toml-decode: stopped after %d errors\n", MAX_ERRORS);
        return 1;
    }
    put_value(stdout, root);
    fputc('\n', stdout);
    vl_toml_free(root);
    return fflush(stdout) == 0 ? 0 : 2;
}
