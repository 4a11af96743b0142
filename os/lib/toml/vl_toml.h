/*
 * vl_toml: a TOML 1.0 parser producing a document tree, shared by init (/etc/services.toml),
 * the simulator (machine descriptions, fault plans) and host tools (toml-decode). Built twice
 * (vl_toml_host, vl_toml_guest): portable C using only <stddef.h>, <stdint.h>, <string.h> and
 * <stdlib.h> (malloc/realloc/free/strtod); no stdio, no locale, no globals.
 *
 * The text comes from files, so nothing in it is trusted: the whole of TOML 1.0 is checked
 * (UTF-8, control characters, every escape, number and date-time syntax and ranges, and every
 * rule against redefining keys and tables), the input need not be NUL-terminated (only `len`
 * bytes are read), and nesting is bounded (VL_TOML_MAX_DEPTH levels of tables and arrays,
 * counted from the root table, which also bounds the recursion of the parser, of
 * vl_toml_free and of any walker). A refusal carries line:col and says what was expected.
 *
 * The tree is owned by the caller of vl_toml_parse and freed with vl_toml_free(root); values
 * inside it are borrowed and stay valid until then. Tables keep their keys in document order
 * (a table created implicitly by a header or a dotted key takes the place of its first
 * mention). Strings and keys are UTF-8, may contain NUL (from "\u0000"), and are also
 * NUL-terminated for convenience. CRLF inside multi-line strings is returned as LF.
 *
 * Choices where TOML leaves room: seconds may be 60 (RFC 3339 leap second) in any time;
 * fractional seconds beyond nanoseconds are truncated; a float literal too large for a
 * double (1e400) is refused rather than rounded to infinity; a UTF-8 byte order mark is
 * accepted at the very start only.
 */
#ifndef VL_TOML_H
#define VL_TOML_H

#include <stddef.h>
#include <stdint.h>

/* Most tables and arrays one inside another, counting the root table as level 0. */
#define VL_TOML_MAX_DEPTH 128

enum vl_toml_type {
    VL_TOML_STRING,
    VL_TOML_INTEGER,
    VL_TOML_FLOAT,
    VL_TOML_BOOL,
    VL_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    VL_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
    VL_TOML_DATE_LOCAL,     /* 1979-05-27 */
    VL_TOML_TIME_LOCAL,     /* 07:32:00 */
    VL_TOML_ARRAY,
    VL_TOML_TABLE,
};

struct vl_toml_value; /* opaque; only reached through the accessors below */

/* Fields a type does not have are 0: no date in a local time, no time in a local date. */
struct vl_toml_datetime {
    uint16_t year;          /* 0..9999 */
    uint8_t month, day;     /* 1..12, 1..days in that month (Feb 29 only in leap years) */
    uint8_t hour, minute;   /* 0..23, 0..59 */
    uint8_t second;         /* 0..60 */
    uint8_t frac_digits;    /* digits of the fraction as written, at most 9; 0: none */
    uint32_t nanosecond;    /* the fraction, truncated to nanoseconds */
    int16_t offset_minutes; /* VL_TOML_DATETIME: east of UTC, -1439..1439; Z is 0 */
};

struct vl_toml_error {
    uint32_t line, col; /* 1-based; col counts UTF-8 characters (a tab is one) */
    char msg[160];      /* NUL-terminated, e.g. "expected '=' after key, found 'x'" */
};

/*
 * Parse a whole document of `len` bytes. Returns 0 with *out set to the root table, or
 * -VK_EINVAL (malformed document) / -VK_ENOMEM with *out NULL and *err describing the first
 * error. text may be NULL when len is 0.
 */
int vl_toml_parse(const char *text, size_t len, struct vl_toml_value **out,
                  struct vl_toml_error *err);

/*
 * Same, but after an error the parser skips to the next line and goes on, so up to max_errs
 * errors are reported in document order (init prints them all). *nerrs (may be NULL) gets the
 * number of entries filled in errs; parsing stops when errs is full. On any error *out is NULL.
 * A document that is not valid UTF-8 is reported (every bad sequence) without parsing further.
 */
int vl_toml_parse_all(const char *text, size_t len, struct vl_toml_value **out,
                      struct vl_toml_error *errs, size_t max_errs, size_t *nerrs);

/* Free a tree returned by the parser (the root only; NULL is fine). */
void vl_toml_free(struct vl_toml_value *v);

/* v must not be NULL. */
enum vl_toml_type vl_toml_type_of(const struct vl_toml_value *v);
/* "string", "integer", "float", "bool", "datetime", "datetime-local", "date-local",
 * "time-local", "array", "table" (toml-test's names); "?" for anything else. */
const char *vl_toml_type_name(enum vl_toml_type t);
/* Where the value starts in the document; for a table, its header or first key mention. */
void vl_toml_pos(const struct vl_toml_value *v, uint32_t *line, uint32_t *col);

/*
 * Tables. Each accessor takes NULL or a value of another type and then returns 0 / NULL, so
 * lookups chain: vl_toml_string(vl_toml_table_get(svc, "name"), &s, &n).
 */
size_t vl_toml_table_len(const struct vl_toml_value *t);
const struct vl_toml_value *vl_toml_table_get(const struct vl_toml_value *t, const char *key);
const struct vl_toml_value *vl_toml_table_getn(const struct vl_toml_value *t, const char *key,
                                               size_t key_len);
/* The i-th entry in document order; *key / *key_len (each may be NULL) get its key. */
const struct vl_toml_value *vl_toml_table_at(const struct vl_toml_value *t, size_t i,
                                             const char **key, size_t *key_len);

/* Arrays (static arrays and arrays of tables alike). */
size_t vl_toml_array_len(const struct vl_toml_value *a);
const struct vl_toml_value *vl_toml_array_at(const struct vl_toml_value *a, size_t i);

/*
 * Leaves: 0 and the value, or -VK_EINVAL (outputs untouched) when v is NULL or of another
 * type. vl_toml_string's len may be NULL; *s stays valid until the tree is freed.
 * vl_toml_datetime accepts all four date-time types.
 */
int vl_toml_string(const struct vl_toml_value *v, const char **s, size_t *len);
int vl_toml_int(const struct vl_toml_value *v, int64_t *out);
int vl_toml_float(const struct vl_toml_value *v, double *out);
int vl_toml_bool(const struct vl_toml_value *v, int *out);
int vl_toml_datetime(const struct vl_toml_value *v, struct vl_toml_datetime *out);

#endif
