/*
 * vl_toml: TOML 1.0 parser (see vl_toml.h for the contract).
 *
 * One pass over the text with a recursive-descent parser for values; the recursion only
 * happens for arrays and inline tables, each level of which creates a container one level
 * deeper, so VL_TOML_MAX_DEPTH bounds it. Before parsing, the whole text is checked to be
 * UTF-8, so later code treats bytes >= 0x80 as opaque parts of valid characters.
 *
 * Redefinition rules are kept as flags on tables:
 *   T_IMPLICIT  created as a parent by a [header] or [[header]]: one later [header] may
 *               define it (then T_EXPLICIT); dotted keys may not add to it
 *   T_EXPLICIT  defined by a [header], or an element of an array of tables
 *   T_DOTTED    created by a dotted key (a.b = 1); only further dotted keys of the same
 *               section or inline table may add to it; headers may pass through it to
 *               define sub-tables but may not name it
 *   T_INLINE    an inline table: sealed, nothing may add to it or pass through it
 * and on arrays: A_TABLES for an array of tables ([[x]] appends to it, headers pass through
 * its last element); every other array is static (nothing may add to or pass through it).
 *
 * Errors: the innermost function that detects one records it (fail_*) and every caller
 * just propagates the negative return; parse_all then skips to the next line.
 * The parser never reads s[pos] without checking pos < len (helpers at(), cur_is() and
 * newline_at()).
 */
#include "vl_toml.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"

enum {
    T_IMPLICIT = 1u << 0,
    T_EXPLICIT = 1u << 1,
    T_DOTTED = 1u << 2,
    T_INLINE = 1u << 3,
    A_TABLES = 1u << 4,
};

/* Tables with this many keys or more get a hash index. */
#define INDEX_MIN 8u

struct vl_toml_kv {
    char *key; /* NUL-terminated copy; key_len is authoritative (keys may hold NUL) */
    size_t key_len;
    uint32_t hash;
    struct vl_toml_value *val;
};

struct vl_toml_value {
    uint8_t type;
    uint8_t flags;
    uint16_t depth; /* root table 0 */
    uint32_t line, col;
    union {
        struct {
            char *ptr;
            size_t len;
        } str;
        int64_t i;
        double f;
        int b;
        struct vl_toml_datetime dt;
        struct {
            struct vl_toml_value **items;
            size_t len, cap;
        } arr;
        struct {
            struct vl_toml_kv *kv;
            size_t len, cap;
            uint32_t *idx; /* entry index + 1, 0 empty; idx_cap a power of two or 0 */
            size_t idx_cap;
        } tab;
    } u;
};

/* One part of a (dotted) key: bare or literal parts point into the text, basic ones are
 * decoded into `owned`. */
struct keypart {
    const char *ptr;
    size_t len;
    size_t pos;
    char *owned;
};

struct parser {
    const char *s;
    size_t len, pos;
    struct vl_toml_value *root, *cur;
    struct vl_toml_value *sink; /* takes keys after a broken header (parse_all) */
    struct vl_toml_error *errs;
    size_t max_errs, nerrs;
    struct vl_toml_error spare; /* written when errs is full; never reported */
    size_t err_pos;             /* position of the last error, for resuming */
    int nomem;
    /* line:col cache: positions are mostly asked for in increasing order */
    size_t loc_pos;
    uint32_t loc_line, loc_col;
    /* keys being parsed, a stack: inline tables nest keys inside a key-value */
    struct keypart *keys;
    size_t nkeys, keys_cap;
};

/* ---- small helpers ---- */

static int at(const struct parser *p, size_t pos)
{
    return pos < p->len ? (unsigned char)p->s[pos] : -1;
}

static int cur_is(const struct parser *p, char c)
{
    return p->pos < p->len && p->s[p->pos] == c;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

static int is_bare(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
}

/* Characters of unquoted values: numbers, booleans, inf/nan, date-times. */
static int is_token(int c)
{
    return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* Control characters TOML refuses in comments and strings (tab is allowed). */
static int is_control(int c)
{
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
        p->pos++;
}

/* Length of the newline at pos (LF or CRLF), 0 if none. */
static size_t newline_at(const struct parser *p, size_t pos)
{
    if (at(p, pos) == '\n')
        return 1;
    if (at(p, pos) == '\r' && at(p, pos + 1) == '\n')
        return 2;
    return 0;
}

static void locate(struct parser *p, size_t pos, uint32_t *line, uint32_t *col)
{
    if (pos > p->len)
        pos = p->len;
    if (pos < p->loc_pos) {
        p->loc_pos = 0;
        p->loc_line = 1;
        p->loc_col = 1;
    }
    for (size_t q = p->loc_pos; q < pos; q++) {
        unsigned char c = (unsigned char)p->s[q];
        if (c == '\n') {
            p->loc_line++;
            p->loc_col = 1;
        } else if ((c & 0xc0) != 0x80) {
            p->loc_col++;
        }
    }
    p->loc_pos = pos;
    *line = p->loc_line;
    *col = p->loc_col;
}

/* ---- error messages (no stdio: a tiny appender) ---- */

struct msg {
    char *buf;
    size_t len, cap;
};

static void m_mem(struct msg *m, const char *s, size_t n)
{
    size_t room = m->cap - 1 - m->len;
    if (n > room)
        n = room;
    memcpy(m->buf + m->len, s, n);
    m->len += n;
    m->buf[m->len] = '\0';
}

static void m_str(struct msg *m, const char *s)
{
    m_mem(m, s, strlen(s));
}

static void m_uint(struct msg *m, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    m_mem(m, tmp + n, sizeof(tmp) - n);
}

static void m_hex(struct msg *m, uint32_t v, int digits)
{
    char tmp[8];
    for (int i = digits - 1; i >= 0; i--) {
        tmp[i] = "0123456789ABCDEF"[v & 15];
        v >>= 4;
    }
    m_mem(m, tmp, (size_t)digits);
}

static void m_pos(struct msg *m, uint32_t line, uint32_t col)
{
    m_uint(m, line);
    m_str(m, ":");
    m_uint(m, col);
}

/* Bytes of text for a message: printable ASCII and UTF-8 as is, the rest as '?', cut at
 * `max` bytes with "...". */
static void m_text(struct msg *m, const char *s, size_t n, size_t max)
{
    size_t i = 0;
    while (i < n && i < max) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            m_mem(m, is_control(c) || c == '\t' ? "?" : (const char *)&s[i], 1);
            i++;
            continue;
        }
        size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (i + k > n || i + k > max)
            break;
        m_mem(m, s + i, k);
        i += k;
    }
    if (i < n)
        m_str(m, "...");
}

/* Describes what is at pos: "end of input", "end of line", "'x'", "control character U+0007". */
static void m_found(struct msg *m, const struct parser *p, size_t pos)
{
    int c = at(p, pos);
    if (c < 0) {
        m_str(m, "end of input");
    } else if (newline_at(p, pos)) {
        m_str(m, "end of line");
    } else if (is_control(c)) {
        m_str(m, "control character U+");
        m_hex(m, (uint32_t)c, 4);
    } else {
        size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (pos + k > p->len)
            k = p->len - pos;
        m_str(m, "'");
        m_mem(m, p->s + pos, k);
        m_str(m, "'");
    }
}

/* Starts an error at pos; the caller appends the message and returns -VK_EINVAL. */
static void err_begin(struct parser *p, size_t pos, struct msg *m)
{
    struct vl_toml_error *e = p->nerrs < p->max_errs ? &p->errs[p->nerrs++] : &p->spare;
    locate(p, pos, &e->line, &e->col);
    e->msg[0] = '\0';
    m->buf = e->msg;
    m->len = 0;
    m->cap = sizeof(e->msg);
    p->err_pos = pos;
}

static int fail(struct parser *p, size_t pos, const char *text)
{
    struct msg m;
    err_begin(p, pos, &m);
    m_str(&m, text);
    return -VK_EINVAL;
}

/* "expected <what>, found <what is at pos>" */
static int fail_expected(struct parser *p, size_t pos, const char *what)
{
    struct msg m;
    err_begin(p, pos, &m);
    m_str(&m, "expected ");
    m_str(&m, what);
    m_str(&m, ", found ");
    m_found(&m, p, pos);
    return -VK_EINVAL;
}

static int fail_nomem(struct parser *p)
{
    p->nomem = 1;
    fail(p, p->pos, "out of memory");
    return -VK_ENOMEM;
}

static int fail_depth(struct parser *p, size_t pos)
{
    struct msg m;
    err_begin(p, pos, &m);
    m_str(&m, "tables and arrays nest too deeply (more than ");
    m_uint(&m, VL_TOML_MAX_DEPTH);
    m_str(&m, " levels)");
    return -VK_EINVAL;
}

/* ---- values ---- */

static struct vl_toml_value *value_new(struct parser *p, enum vl_toml_type type, size_t pos,
                                       uint32_t depth)
{
    struct vl_toml_value *v = malloc(sizeof(*v));
    if (!v) {
        fail_nomem(p);
        return NULL;
    }
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    v->depth = (uint16_t)depth;
    locate(p, pos, &v->line, &v->col);
    return v;
}

/* A new table or array at `depth`, refused beyond the nesting limit. */
static struct vl_toml_value *container_new(struct parser *p, enum vl_toml_type type, size_t pos,
                                           uint32_t depth, uint8_t flags, int *rc)
{
    struct vl_toml_value *v;
    if (depth > VL_TOML_MAX_DEPTH) {
        *rc = fail_depth(p, pos);
        return NULL;
    }
    v = value_new(p, type, pos, depth);
    if (!v) {
        *rc = -VK_ENOMEM;
        return NULL;
    }
    v->flags = flags;
    *rc = 0;
    return v;
}

void vl_toml_free(struct vl_toml_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case VL_TOML_STRING:
        free(v->u.str.ptr);
        break;
    case VL_TOML_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            vl_toml_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case VL_TOML_TABLE:
        for (size_t i = 0; i < v->u.tab.len; i++) {
            free(v->u.tab.kv[i].key);
            vl_toml_free(v->u.tab.kv[i].val);
        }
        free(v->u.tab.kv);
        free(v->u.tab.idx);
        break;
    default:
        break;
    }
    free(v);
}

static int array_push(struct parser *p, struct vl_toml_value *a, struct vl_toml_value *item)
{
    if (a->u.arr.len == a->u.arr.cap) {
        size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
        struct vl_toml_value **items;
        if (cap > SIZE_MAX / sizeof(*items))
            return fail_nomem(p);
        items = realloc(a->u.arr.items, cap * sizeof(*items));
        if (!items)
            return fail_nomem(p);
        a->u.arr.items = items;
        a->u.arr.cap = cap;
    }
    a->u.arr.items[a->u.arr.len++] = item;
    return 0;
}

static uint32_t key_hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

static struct vl_toml_kv *table_find(const struct vl_toml_value *t, const char *k, size_t n,
                                     uint32_t h)
{
    const struct vl_toml_kv *kv = t->u.tab.kv;
    if (t->u.tab.idx_cap) {
        size_t mask = t->u.tab.idx_cap - 1;
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            uint32_t slot = t->u.tab.idx[i];
            if (!slot)
                return NULL;
            const struct vl_toml_kv *e = &kv[slot - 1];
            if (e->hash == h && e->key_len == n && memcmp(e->key, k, n) == 0)
                return (struct vl_toml_kv *)e;
        }
    }
    for (size_t i = 0; i < t->u.tab.len; i++) {
        if (kv[i].hash == h && kv[i].key_len == n && memcmp(kv[i].key, k, n) == 0)
            return (struct vl_toml_kv *)&kv[i];
    }
    return NULL;
}

static int table_reindex(struct vl_toml_value *t, size_t cap)
{
    uint32_t *idx;
    if (cap > SIZE_MAX / sizeof(*idx))
        return -VK_ENOMEM;
    idx = malloc(cap * sizeof(*idx));
    if (!idx)
        return -VK_ENOMEM;
    memset(idx, 0, cap * sizeof(*idx));
    for (size_t e = 0; e < t->u.tab.len; e++) {
        size_t i = t->u.tab.kv[e].hash & (cap - 1);
        while (idx[i])
            i = (i + 1) & (cap - 1);
        idx[i] = (uint32_t)(e + 1);
    }
    free(t->u.tab.idx);
    t->u.tab.idx = idx;
    t->u.tab.idx_cap = cap;
    return 0;
}

/* Adds key -> v (the key must not be there yet); on failure nothing changes and the caller
 * still owns v. */
static int table_add(struct parser *p, struct vl_toml_value *t, const char *k, size_t n,
                     struct vl_toml_value *v)
{
    struct vl_toml_kv *e;
    char *key;

    if (t->u.tab.len >= UINT32_MAX - 1)
        return fail_nomem(p);
    if (t->u.tab.len == t->u.tab.cap) {
        size_t cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
        struct vl_toml_kv *kv;
        if (cap > SIZE_MAX / sizeof(*kv))
            return fail_nomem(p);
        kv = realloc(t->u.tab.kv, cap * sizeof(*kv));
        if (!kv)
            return fail_nomem(p);
        t->u.tab.kv = kv;
        t->u.tab.cap = cap;
    }
    key = malloc(n + 1);
    if (!key)
        return fail_nomem(p);
    memcpy(key, k, n);
    key[n] = '\0';
    e = &t->u.tab.kv[t->u.tab.len++];
    e->key = key;
    e->key_len = n;
    e->hash = key_hash(k, n);
    e->val = v;
    if (t->u.tab.len >= INDEX_MIN) {
        size_t cap = t->u.tab.idx_cap;
        if (t->u.tab.len * 2 > cap) {
            while (t->u.tab.len * 2 > cap)
                cap = cap ? cap * 2 : 16;
            if (table_reindex(t, cap)) {
                t->u.tab.len--;
                free(key);
                return fail_nomem(p);
            }
        } else {
            size_t i = e->hash & (cap - 1);
            while (t->u.tab.idx[i])
                i = (i + 1) & (cap - 1);
            t->u.tab.idx[i] = (uint32_t)t->u.tab.len;
        }
    }
    return 0;
}

/* ---- growable byte buffer for decoded strings ---- */

struct sbuf {
    char *ptr;
    size_t len, cap;
};

static int sb_put(struct parser *p, struct sbuf *b, const char *src, size_t n)
{
    if (n + 1 > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 32;
        char *np;
        while (n + 1 > cap - b->len) {
            if (cap > SIZE_MAX / 2)
                return fail_nomem(p);
            cap *= 2;
        }
        np = realloc(b->ptr, cap);
        if (!np)
            return fail_nomem(p);
        b->ptr = np;
        b->cap = cap;
    }
    memcpy(b->ptr + b->len, src, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

/* Makes sure an empty string has a buffer too. */
static int sb_finish(struct parser *p, struct sbuf *b)
{
    return b->ptr ? 0 : sb_put(p, b, "", 0);
}

/* ---- comments, line ends ---- */

/* At '#': the comment up to (not including) the line end. */
static int parse_comment(struct parser *p)
{
    p->pos++;
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '\n' || newline_at(p, p->pos))
            return 0;
        if (is_control(c)) {
            struct msg m;
            err_begin(p, p->pos, &m);
            m_str(&m, "control character U+");
            m_hex(&m, c, 4);
            m_str(&m, c == '\r' ? " (carriage return without line feed)" : "");
            m_str(&m, " is not allowed in a comment");
            return -VK_EINVAL;
        }
        p->pos++;
    }
    return 0;
}

/* Whitespace, then an optional comment, then a newline or the end of input. */
static int expect_eol(struct parser *p, const char *after)
{
    int rc;
    size_t nl;

    skip_ws(p);
    if (cur_is(p, '#')) {
        rc = parse_comment(p);
        if (rc)
            return rc;
    }
    if (p->pos >= p->len)
        return 0;
    nl = newline_at(p, p->pos);
    if (nl) {
        p->pos += nl;
        return 0;
    }
    {
        struct msg m;
        err_begin(p, p->pos, &m);
        m_str(&m, "expected end of line after ");
        m_str(&m, after);
        m_str(&m, ", found ");
        m_found(&m, p, p->pos);
    }
    return -VK_EINVAL;
}

/* Inside arrays: whitespace, comments and newlines in any number. */
static int skip_ws_nl(struct parser *p)
{
    for (;;) {
        skip_ws(p);
        if (cur_is(p, '#')) {
            int rc = parse_comment(p);
            if (rc)
                return rc;
            continue;
        }
        size_t nl = newline_at(p, p->pos);
        if (!nl)
            return 0;
        p->pos += nl;
    }
}

/* ---- strings ---- */

static void utf8_put(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        *n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        *n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        *n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        *n = 4;
    }
}

static int fail_unterminated(struct parser *p, size_t open, int multi, char q)
{
    struct msg m;
    uint32_t line, col;
    locate(p, open, &line, &col);
    err_begin(p, p->pos, &m);
    m_str(&m, "unterminated ");
    m_str(&m, multi ? "multi-line " : "");
    m_str(&m, q == '"' ? "string" : "literal string");
    m_str(&m, " (opened at ");
    m_pos(&m, line, col);
    m_str(&m, "): expected ");
    m_str(&m, q == '"' ? (multi ? "'\"\"\"'" : "'\"'") : (multi ? "\"'''\"" : "\"'\""));
    m_str(&m, ", found ");
    m_found(&m, p, p->pos);
    return -VK_EINVAL;
}

/* After a backslash at p->pos - 1 in a basic string. */
static int parse_escape(struct parser *p, struct sbuf *b, int multi)
{
    size_t bs = p->pos - 1;
    static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
    int e = at(p, p->pos);
    const char *hit = e > 0 ? memchr(from, e, sizeof(from) - 1) : NULL;
    char out[4];
    size_t n;

    if (hit) {
        p->pos++;
        return sb_put(p, b, &to[hit - from], 1);
    }
    if (e == 'u' || e == 'U') {
        int digits = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 1; i <= digits; i++) {
            int h = at(p, p->pos + (size_t)i);
            if (!is_hex(h)) {
                struct msg m;
                err_begin(p, p->pos + (size_t)i, &m);
                m_str(&m, "expected ");
                m_uint(&m, (uint64_t)digits);
                m_str(&m,
                      e == 'u' ? " hex digits after \\u, found " : " hex digits after \\U, found ");
                m_found(&m, p, p->pos + (size_t)i);
                return -VK_EINVAL;
            }
            cp = cp << 4 | (uint32_t)hex_val(h);
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            struct msg m;
            err_begin(p, bs, &m);
            m_str(&m, "escape \\");
            m_mem(&m, p->s + p->pos, (size_t)digits + 1);
            m_str(&m, " is not a Unicode scalar value (U+0000..U+D7FF or U+E000..U+10FFFF)");
            return -VK_EINVAL;
        }
        p->pos += (size_t)digits + 1;
        utf8_put(out, &n, cp);
        return sb_put(p, b, out, n);
    }
    if (multi && (e == ' ' || e == '\t' || e == '\r' || e == '\n')) {
        /* line-ending backslash: only whitespace may follow it on its line */
        size_t q = p->pos;
        while (at(p, q) == ' ' || at(p, q) == '\t')
            q++;
        if (newline_at(p, q)) {
            for (;;) {
                if (at(p, q) == ' ' || at(p, q) == '\t')
                    q++;
                else if (newline_at(p, q))
                    q += newline_at(p, q);
                else
                    break;
            }
            p->pos = q;
            return 0;
        }
        return fail(p, bs,
                    "a backslash followed by whitespace must end the line (line-ending "
                    "backslash); use \\\\ for a backslash");
    }
    {
        struct msg m;
        err_begin(p, bs, &m);
        if (e < 0 || newline_at(p, p->pos)) {
            m_str(&m, "expected an escape after '\\', found ");
            m_found(&m, p, p->pos);
        } else {
            m_str(&m, "invalid escape sequence '\\");
            if (e > 0x20 && e < 0x7f)
                m_mem(&m, p->s + p->pos, 1);
            else
                m_str(&m, "?");
            m_str(&m, "' (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)");
        }
    }
    return -VK_EINVAL;
}

/*
 * A string at p->pos (quote q: '"' basic, '\'' literal), single-line or multi-line (three
 * quotes), decoded into b.
 */
static int parse_string(struct parser *p, struct sbuf *b)
{
    size_t open = p->pos;
    char q = p->s[p->pos];
    int multi = at(p, open + 1) == q && at(p, open + 2) == q;
    int rc;

    p->pos += multi ? 3 : 1;
    if (multi)
        p->pos += newline_at(p, p->pos); /* a newline right after the opening is trimmed */
    for (;;) {
        size_t run = p->pos;
        int c;
        /* copy runs of plain characters at once */
        while (p->pos < p->len) {
            unsigned char u = (unsigned char)p->s[p->pos];
            if (u == (unsigned char)q || (u == '\\' && q == '"') || is_control(u))
                break;
            p->pos++;
        }
        if (p->pos > run) {
            rc = sb_put(p, b, p->s + run, p->pos - run);
            if (rc)
                return rc;
        }
        c = at(p, p->pos);
        if (c < 0)
            return fail_unterminated(p, open, multi, q);
        if (c == q) {
            size_t n = 0;
            if (!multi) {
                p->pos++;
                return 0;
            }
            while (at(p, p->pos + n) == q)
                n++;
            if (n < 3) {
                rc = sb_put(p, b, p->s + p->pos, n);
                if (rc)
                    return rc;
                p->pos += n;
                continue;
            }
            if (n > 5) {
                struct msg m;
                err_begin(p, p->pos + 5, &m);
                m_str(&m, "too many quotes: at most two may come right before the closing ");
                m_str(&m, q == '"' ? "'\"\"\"'" : "\"'''\"");
                return -VK_EINVAL;
            }
            rc = sb_put(p, b, p->s + p->pos, n - 3);
            if (rc)
                return rc;
            p->pos += n;
            return 0;
        }
        if (c == '\\') {
            p->pos++;
            rc = parse_escape(p, b, multi);
            if (rc)
                return rc;
            continue;
        }
        /* a control character */
        if (newline_at(p, p->pos)) {
            if (!multi)
                return fail_unterminated(p, open, multi, q);
            p->pos += newline_at(p, p->pos);
            rc = sb_put(p, b, "\n", 1);
            if (rc)
                return rc;
            continue;
        }
        {
            struct msg m;
            err_begin(p, p->pos, &m);
            m_str(&m, "control character U+");
            m_hex(&m, (uint32_t)c, 4);
            m_str(&m, c == '\r' ? " (carriage return without line feed)" : "");
            m_str(&m, q == '"' ? " must be escaped in a string"
                               : " is not allowed in a literal string");
            return -VK_EINVAL;
        }
    }
}

/* ---- keys ---- */

static void keys_pop(struct parser *p, size_t base)
{
    while (p->nkeys > base)
        free(p->keys[--p->nkeys].owned);
}

static int keys_push(struct parser *p, const struct keypart *k)
{
    if (p->nkeys == p->keys_cap) {
        size_t cap = p->keys_cap ? p->keys_cap * 2 : 16;
        struct keypart *nk;
        if (cap > SIZE_MAX / sizeof(*nk))
            return fail_nomem(p);
        nk = realloc(p->keys, cap * sizeof(*nk));
        if (!nk)
            return fail_nomem(p);
        p->keys = nk;
        p->keys_cap = cap;
    }
    p->keys[p->nkeys++] = *k;
    return 0;
}

static int parse_simple_key(struct parser *p)
{
    struct keypart k = {.pos = p->pos};
    int c = at(p, p->pos);
    int rc;

    if (c == '"' || c == '\'') {
        struct sbuf b = {0};
        if (at(p, p->pos + 1) == c && at(p, p->pos + 2) == c)
            return fail(p, p->pos, "a key cannot be a multi-line string");
        if (c == '\'') {
            /* literal: the text itself, checked by the string parser */
            size_t start = p->pos + 1;
            rc = parse_string(p, &b);
            free(b.ptr);
            if (rc)
                return rc;
            k.ptr = p->s + start;
            k.len = p->pos - 1 - start;
        } else {
            rc = parse_string(p, &b);
            if (!rc)
                rc = sb_finish(p, &b);
            if (rc) {
                free(b.ptr);
                return rc;
            }
            k.ptr = k.owned = b.ptr;
            k.len = b.len;
        }
    } else if (c >= 0 && is_bare(c)) {
        size_t start = p->pos;
        while (p->pos < p->len && is_bare((unsigned char)p->s[p->pos]))
            p->pos++;
        k.ptr = p->s + start;
        k.len = p->pos - start;
    } else {
        return fail_expected(p, p->pos, "a key (bare key or quoted string)");
    }
    rc = keys_push(p, &k);
    if (rc)
        free(k.owned);
    return rc;
}

/* A key, possibly dotted, pushed part by part on the key stack. */
static int parse_key(struct parser *p)
{
    size_t parts = 0;
    for (;;) {
        int rc;
        if (++parts > VL_TOML_MAX_DEPTH)
            return fail_depth(p, p->pos);
        rc = parse_simple_key(p);
        if (rc)
            return rc;
        size_t save = p->pos;
        skip_ws(p);
        if (!cur_is(p, '.')) {
            p->pos = save;
            return 0;
        }
        p->pos++;
        skip_ws(p);
    }
}

/* The parts [from, to] as a dotted path for a message; parts that are not bare are quoted. */
static void m_keypath(struct msg *m, const struct parser *p, size_t from, size_t to)
{
    for (size_t i = from; i <= to; i++) {
        const struct keypart *k = &p->keys[i];
        int bare = k->len > 0;
        for (size_t j = 0; j < k->len && bare; j++)
            bare = is_bare((unsigned char)k->ptr[j]);
        if (i > from)
            m_str(m, ".");
        m_str(m, bare ? "" : "\"");
        m_text(m, k->ptr, k->len, 40);
        m_str(m, bare ? "" : "\"");
    }
}

/* What v is, for messages: "an inline table", "an integer", ... */
static void m_describe(struct msg *m, const struct vl_toml_value *v)
{
    if (v->type == VL_TOML_TABLE) {
        m_str(m, v->flags & T_INLINE     ? "an inline table"
                 : v->flags & T_DOTTED   ? "a table (by dotted keys)"
                 : v->flags & T_IMPLICIT ? "a table (implicitly, by a header)"
                                         : "a table (by a header)");
    } else if (v->type == VL_TOML_ARRAY) {
        m_str(m, v->flags & A_TABLES ? "an array of tables" : "a static array");
    } else {
        m_str(m, v->type == VL_TOML_INTEGER ? "an " : "a ");
        m_str(m, vl_toml_type_name((enum vl_toml_type)v->type));
    }
}

/* "<lead>'<path>'<mid><what v is> at L:C" */
static int fail_defined(struct parser *p, size_t k, size_t base, const struct vl_toml_value *v,
                        const char *lead, const char *mid)
{
    struct msg m;
    err_begin(p, p->keys[k].pos, &m);
    m_str(&m, lead);
    m_str(&m, "'");
    m_keypath(&m, p, base, k);
    m_str(&m, "'");
    m_str(&m, mid);
    m_describe(&m, v);
    m_str(&m, " at ");
    m_pos(&m, v->line, v->col);
    return -VK_EINVAL;
}

static struct vl_toml_kv *find_part(const struct parser *p, const struct vl_toml_value *t, size_t k)
{
    const struct keypart *kp = &p->keys[k];
    return table_find(t, kp->ptr, kp->len, key_hash(kp->ptr, kp->len));
}

/* A new table under t named by key part k. */
static int add_table(struct parser *p, struct vl_toml_value *t, size_t k, size_t pos, uint8_t flags,
                     struct vl_toml_value **out)
{
    int rc;
    struct vl_toml_value *nt =
        container_new(p, VL_TOML_TABLE, pos, (uint32_t)t->depth + 1, flags, &rc);
    if (!nt)
        return rc;
    rc = table_add(p, t, p->keys[k].ptr, p->keys[k].len, nt);
    if (rc) {
        vl_toml_free(nt);
        return rc;
    }
    *out = nt;
    return 0;
}

/* ---- scalars ---- */

static int fail_token(struct parser *p, size_t start, const char *tok, size_t n, const char *what,
                      const char *why)
{
    struct msg m;
    err_begin(p, start, &m);
    m_str(&m, "invalid ");
    m_str(&m, what);
    m_str(&m, " '");
    m_text(&m, tok, n, 40);
    m_str(&m, "': ");
    m_str(&m, why);
    return -VK_EINVAL;
}

/* Digits with single underscores between them, from tok[*i]; radix 10, 16, 8 or 2. Returns 0
 * or a reason. */
static const char *scan_digits(const char *tok, size_t n, size_t *i, int radix)
{
    size_t start = *i;
    while (*i < n) {
        int c = (unsigned char)tok[*i];
        int ok = radix == 16 ? is_hex(c) : radix == 10 ? is_digit(c) : c >= '0' && c < '0' + radix;
        if (ok) {
            (*i)++;
            continue;
        }
        if (c == '_') {
            if (*i == start || *i + 1 >= n || tok[*i - 1] == '_')
                return "'_' must be between two digits";
            (*i)++;
            continue;
        }
        break;
    }
    if (*i == start)
        return radix == 16  ? "expected a hex digit"
               : radix == 8 ? "expected an octal digit"
               : radix == 2 ? "expected a binary digit"
                            : "expected a digit";
    if (tok[*i - 1] == '_')
        return "'_' must be between two digits";
    return NULL;
}

static int parse_number(struct parser *p, size_t start, const char *tok, size_t n,
                        struct vl_toml_value *v)
{
    size_t i = 0, int_start;
    int neg = 0, sign = 0, is_float = 0;
    const char *why;

    if (tok[0] == '+' || tok[0] == '-') {
        neg = tok[0] == '-';
        sign = 1;
        i = 1;
    }
    if (i + 1 < n && tok[i] == '0' &&
        (tok[i + 1] == 'x' || tok[i + 1] == 'o' || tok[i + 1] == 'b')) {
        int radix = tok[i + 1] == 'x' ? 16 : tok[i + 1] == 'o' ? 8 : 2;
        uint64_t acc = 0;
        if (sign)
            return fail_token(p, start, tok, n, "integer",
                              "hexadecimal, octal and binary integers take no sign");
        i += 2;
        if (i < n && tok[i] == '_')
            return fail_token(p, start, tok, n, "integer", "'_' must be between two digits");
        why = scan_digits(tok, n, &i, radix);
        if (why)
            return fail_token(p, start, tok, n, "integer", why);
        if (i != n)
            return fail_token(p, start, tok, n, "integer", "unexpected character after digits");
        for (size_t j = 2; j < n; j++) {
            if (tok[j] == '_')
                continue;
            if (acc > (uint64_t)INT64_MAX / (uint64_t)radix)
                return fail_token(p, start, tok, n, "integer",
                                  "out of range for a 64-bit signed integer");
            acc = acc * (uint64_t)radix + (uint64_t)hex_val((unsigned char)tok[j]);
            if (acc > (uint64_t)INT64_MAX)
                return fail_token(p, start, tok, n, "integer",
                                  "out of range for a 64-bit signed integer");
        }
        v->type = VL_TOML_INTEGER;
        v->u.i = (int64_t)acc;
        return 0;
    }

    int_start = i;
    if (i < n && tok[i] == '_')
        return fail_token(p, start, tok, n, "number", "'_' must be between two digits");
    why = scan_digits(tok, n, &i, 10);
    if (why)
        return fail_token(p, start, tok, n, "number", why);
    if (tok[int_start] == '0' && i - int_start > 1)
        return fail_token(p, start, tok, n, "number", "leading zeros are not allowed");
    if (i < n && tok[i] == '.') {
        is_float = 1;
        i++;
        if (i < n && tok[i] == '_')
            return fail_token(p, start, tok, n, "float", "'_' must be between two digits");
        why = scan_digits(tok, n, &i, 10);
        if (why)
            return fail_token(p, start, tok, n, "float",
                              "a decimal point must have digits on both sides");
    }
    if (i < n && (tok[i] == 'e' || tok[i] == 'E')) {
        is_float = 1;
        i++;
        if (i < n && (tok[i] == '+' || tok[i] == '-'))
            i++;
        if (i < n && tok[i] == '_')
            return fail_token(p, start, tok, n, "float", "'_' must be between two digits");
        why = scan_digits(tok, n, &i, 10);
        if (why)
            return fail_token(p, start, tok, n, "float", "expected digits in the exponent");
    }
    if (i != n) {
        return fail_token(p, start, tok, n, is_float ? "float" : "number", "unexpected character");
    }

    if (!is_float) {
        uint64_t acc = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t j = int_start; j < n; j++) {
            if (tok[j] == '_')
                continue;
            unsigned d = (unsigned)(tok[j] - '0');
            if (acc > (limit - d) / 10)
                return fail_token(p, start, tok, n, "integer",
                                  "out of range for a 64-bit signed integer");
            acc = acc * 10 + d;
        }
        v->type = VL_TOML_INTEGER;
        v->u.i = neg ? (int64_t)(0 - acc) : (int64_t)acc;
        return 0;
    }

    /* strtod on a copy without underscores (and NUL-terminated: the text may not be) */
    {
        char small[64];
        char *buf = n < sizeof(small) ? small : malloc(n + 1);
        char *end;
        size_t k = 0;
        int whole;
        double d;
        if (!buf)
            return fail_nomem(p);
        for (size_t j = 0; j < n; j++) {
            if (tok[j] != '_')
                buf[k++] = tok[j];
        }
        buf[k] = '\0';
        d = strtod(buf, &end);
        whole = (size_t)(end - buf) == k;
        if (buf != small)
            free(buf);
        if (!whole)
            return fail_token(p, start, tok, n, "float", "not a number");
        if (d != 0 && d * 0.5 == d)
            return fail_token(p, start, tok, n, "float", "too large for a 64-bit float");
        v->type = VL_TOML_FLOAT;
        v->u.f = d;
        return 0;
    }
}

static int two_digits(const char *t, size_t n, size_t i, unsigned *out)
{
    if (i + 2 > n || !is_digit((unsigned char)t[i]) || !is_digit((unsigned char)t[i + 1]))
        return 0;
    *out = (unsigned)(t[i] - '0') * 10 + (unsigned)(t[i + 1] - '0');
    return 1;
}

static unsigned days_in_month(unsigned y, unsigned mo)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[mo - 1];
}

static int fail_range(struct parser *p, size_t start, const char *tok, size_t n, const char *field,
                      unsigned val, const char *range)
{
    struct msg m;
    err_begin(p, start, &m);
    m_str(&m, "invalid date-time '");
    m_text(&m, tok, n, 40);
    m_str(&m, "': ");
    m_str(&m, field);
    m_str(&m, " ");
    m_uint(&m, val);
    m_str(&m, " is out of range (");
    m_str(&m, range);
    m_str(&m, ")");
    return -VK_EINVAL;
}

/* HH:MM:SS[.frac] at tok[*i] */
static int parse_time(struct parser *p, size_t start, const char *tok, size_t n, size_t *i,
                      struct vl_toml_datetime *dt)
{
    unsigned h, mi, s;
    if (!two_digits(tok, n, *i, &h) || *i + 2 >= n || tok[*i + 2] != ':' ||
        !two_digits(tok, n, *i + 3, &mi))
        return fail_token(p, start, tok, n, "date-time", "expected a time HH:MM:SS");
    if (*i + 5 >= n || tok[*i + 5] != ':' || !two_digits(tok, n, *i + 6, &s))
        return fail_token(p, start, tok, n, "date-time",
                          "expected seconds (a time is HH:MM:SS, seconds are required)");
    if (h > 23)
        return fail_range(p, start, tok, n, "hour", h, "00-23");
    if (mi > 59)
        return fail_range(p, start, tok, n, "minute", mi, "00-59");
    if (s > 60)
        return fail_range(p, start, tok, n, "second", s, "00-60");
    dt->hour = (uint8_t)h;
    dt->minute = (uint8_t)mi;
    dt->second = (uint8_t)s;
    *i += 8;
    if (*i < n && tok[*i] == '.') {
        size_t d0 = ++*i;
        while (*i < n && is_digit((unsigned char)tok[*i])) {
            if (*i - d0 < 9) {
                dt->nanosecond = dt->nanosecond * 10 + (uint32_t)(tok[*i] - '0');
                dt->frac_digits++;
            }
            (*i)++;
        }
        if (*i == d0)
            return fail_token(p, start, tok, n, "date-time",
                              "expected digits after the decimal point of the seconds");
        for (unsigned k = dt->frac_digits; k < 9; k++)
            dt->nanosecond *= 10;
    }
    return 0;
}

static int parse_datetime(struct parser *p, size_t start, const char *tok, size_t n,
                          struct vl_toml_value *v)
{
    struct vl_toml_datetime *dt = &v->u.dt;
    size_t i = 0;
    unsigned y1, y2, mo, d;
    int rc;

    memset(dt, 0, sizeof(*dt));
    if (n >= 3 && tok[2] == ':') {
        rc = parse_time(p, start, tok, n, &i, dt);
        if (rc)
            return rc;
        if (i != n)
            return fail_token(p, start, tok, n, "local time", "unexpected text after the time");
        v->type = VL_TOML_TIME_LOCAL;
        return 0;
    }
    if (!two_digits(tok, n, 0, &y1) || !two_digits(tok, n, 2, &y2) || n < 5 || tok[4] != '-' ||
        !two_digits(tok, n, 5, &mo) || n < 8 || tok[7] != '-' || !two_digits(tok, n, 8, &d))
        return fail_token(p, start, tok, n, "date-time",
                          "expected a date YYYY-MM-DD (with leading zeros) or a time HH:MM:SS");
    dt->year = (uint16_t)(y1 * 100 + y2);
    if (mo < 1 || mo > 12)
        return fail_range(p, start, tok, n, "month", mo, "01-12");
    if (d < 1 || d > days_in_month(dt->year, mo)) {
        struct msg m;
        err_begin(p, start, &m);
        m_str(&m, "invalid date-time '");
        m_text(&m, tok, n, 40);
        m_str(&m, "': day ");
        m_uint(&m, d);
        m_str(&m, " is out of range (01-");
        m_uint(&m, days_in_month(dt->year, mo));
        m_str(&m, " in that month)");
        return -VK_EINVAL;
    }
    dt->month = (uint8_t)mo;
    dt->day = (uint8_t)d;
    i = 10;
    if (i == n) {
        v->type = VL_TOML_DATE_LOCAL;
        return 0;
    }
    if (tok[i] != 'T' && tok[i] != 't' && tok[i] != ' ')
        return fail_token(p, start, tok, n, "date-time",
                          "expected 'T' or a space between the date and the time");
    i++;
    rc = parse_time(p, start, tok, n, &i, dt);
    if (rc)
        return rc;
    if (i == n) {
        v->type = VL_TOML_DATETIME_LOCAL;
        return 0;
    }
    if (tok[i] == 'Z' || tok[i] == 'z') {
        i++;
    } else if (tok[i] == '+' || tok[i] == '-') {
        unsigned oh, om;
        if (!two_digits(tok, n, i + 1, &oh) || i + 3 >= n || tok[i + 3] != ':' ||
            !two_digits(tok, n, i + 4, &om))
            return fail_token(p, start, tok, n, "date-time", "expected an offset Z or +HH:MM");
        if (oh > 23)
            return fail_range(p, start, tok, n, "offset hour", oh, "00-23");
        if (om > 59)
            return fail_range(p, start, tok, n, "offset minute", om, "00-59");
        dt->offset_minutes = (int16_t)((tok[i] == '-' ? -1 : 1) * (int)(oh * 60 + om));
        i += 6;
    } else {
        return fail_token(p, start, tok, n, "date-time",
                          "expected an offset (Z or +HH:MM) or the end of the value");
    }
    if (i != n)
        return fail_token(p, start, tok, n, "date-time", "unexpected text after the offset");
    v->type = VL_TOML_DATETIME;
    return 0;
}

/* An unquoted value: boolean, number, inf/nan or date-time. */
static int parse_bare_value(struct parser *p, uint32_t depth, struct vl_toml_value **out)
{
    size_t start = p->pos, end = p->pos, n;
    const char *tok = p->s + start;
    struct vl_toml_value *v;
    int rc = 0, dateish;

    while (end < p->len && is_token((unsigned char)p->s[end]))
        end++;
    /* a date, a space, then a time: one value */
    if (end - start == 10 && tok[4] == '-' && at(p, end) == ' ' && is_digit(at(p, end + 1)) &&
        is_digit(at(p, end + 2)) && at(p, end + 3) == ':') {
        end++;
        while (end < p->len && is_token((unsigned char)p->s[end]))
            end++;
    }
    n = end - start;
    v = value_new(p, VL_TOML_BOOL, start, depth);
    if (!v)
        return -VK_ENOMEM;

    dateish = memchr(tok, ':', n) != NULL;
    if (!dateish && is_digit((unsigned char)tok[0])) {
        size_t k = 0;
        while (k < n && is_digit((unsigned char)tok[k]))
            k++;
        dateish = k < n && tok[k] == '-';
    }
    if (n == 4 && memcmp(tok, "true", 4) == 0) {
        v->u.b = 1;
    } else if (n == 5 && memcmp(tok, "false", 5) == 0) {
        v->u.b = 0;
    } else if ((n == 3 || (n == 4 && (tok[0] == '+' || tok[0] == '-'))) &&
               (memcmp(tok + n - 3, "inf", 3) == 0 || memcmp(tok + n - 3, "nan", 3) == 0)) {
        double f = tok[n - 3] == 'i' ? __builtin_inf() : __builtin_nan("");
        v->type = VL_TOML_FLOAT;
        v->u.f = tok[0] == '-' ? -f : f;
    } else if (dateish) {
        rc = parse_datetime(p, start, tok, n, v);
    } else if (n > 0 && (is_digit((unsigned char)tok[0]) || tok[0] == '+' || tok[0] == '-' ||
                         tok[0] == '.' || tok[0] == '_')) {
        rc = parse_number(p, start, tok, n, v);
    } else {
        struct msg m;
        err_begin(p, start, &m);
        if (n == 0) {
            m_str(&m, "expected a value, found ");
            m_found(&m, p, start);
        } else {
            m_str(&m, "expected a value, found '");
            m_text(&m, tok, n, 40);
            m_str(&m, "' (strings must be quoted; booleans are true and false)");
        }
        rc = -VK_EINVAL;
    }
    if (rc) {
        free(v);
        return rc;
    }
    p->pos = end;
    *out = v;
    return 0;
}

/* ---- arrays, inline tables, key-values ---- */

static int parse_value(struct parser *p, uint32_t depth, struct vl_toml_value **out);

static int parse_array(struct parser *p, uint32_t depth, struct vl_toml_value **out)
{
    int rc;
    struct vl_toml_value *a = container_new(p, VL_TOML_ARRAY, p->pos, depth, 0, &rc);
    if (!a)
        return rc;
    p->pos++;
    for (;;) {
        struct vl_toml_value *item;
        rc = skip_ws_nl(p);
        if (rc)
            goto fail;
        if (cur_is(p, ']'))
            break;
        rc = parse_value(p, depth + 1, &item);
        if (rc)
            goto fail;
        rc = array_push(p, a, item);
        if (rc) {
            vl_toml_free(item);
            goto fail;
        }
        rc = skip_ws_nl(p);
        if (rc)
            goto fail;
        if (cur_is(p, ',')) {
            p->pos++;
            continue;
        }
        if (cur_is(p, ']'))
            break;
        rc = fail_expected(p, p->pos, "',' or ']' after an array element");
        goto fail;
    }
    p->pos++;
    *out = a;
    return 0;
fail:
    vl_toml_free(a);
    return rc;
}

static int parse_keyval(struct parser *p, struct vl_toml_value *tbl);

static int parse_inline_table(struct parser *p, uint32_t depth, struct vl_toml_value **out)
{
    int rc;
    struct vl_toml_value *t = container_new(p, VL_TOML_TABLE, p->pos, depth, T_INLINE, &rc);
    if (!t)
        return rc;
    p->pos++;
    skip_ws(p);
    if (!cur_is(p, '}')) {
        for (;;) {
            skip_ws(p);
            rc = parse_keyval(p, t);
            if (rc)
                goto fail;
            skip_ws(p);
            if (cur_is(p, ',')) {
                p->pos++;
                skip_ws(p);
                if (cur_is(p, '}')) {
                    rc = fail(p, p->pos - 1, "a trailing comma is not allowed in an inline table");
                    goto fail;
                }
                continue;
            }
            if (cur_is(p, '}'))
                break;
            rc = fail_expected(p, p->pos,
                               newline_at(p, p->pos)
                                   ? "',' or '}' (an inline table must be on one line)"
                                   : "',' or '}' in an inline table");
            goto fail;
        }
    }
    p->pos++;
    *out = t;
    return 0;
fail:
    vl_toml_free(t);
    return rc;
}

static int parse_value(struct parser *p, uint32_t depth, struct vl_toml_value **out)
{
    int c = at(p, p->pos);
    int rc;

    if (c == '"' || c == '\'') {
        struct sbuf b = {0};
        struct vl_toml_value *v = value_new(p, VL_TOML_STRING, p->pos, depth);
        if (!v)
            return -VK_ENOMEM;
        rc = parse_string(p, &b);
        if (!rc)
            rc = sb_finish(p, &b);
        if (rc) {
            free(b.ptr);
            free(v);
            return rc;
        }
        v->u.str.ptr = b.ptr;
        v->u.str.len = b.len;
        *out = v;
        return 0;
    }
    if (c == '[')
        return parse_array(p, depth, out);
    if (c == '{')
        return parse_inline_table(p, depth, out);
    if (c >= 0 && is_token(c))
        return parse_bare_value(p, depth, out);
    return fail_expected(p, p->pos, "a value");
}

/* key = value into tbl (the current section's table or an inline table being built). */
static int parse_keyval(struct parser *p, struct vl_toml_value *tbl)
{
    size_t base = p->nkeys, last;
    struct vl_toml_value *t = tbl, *v = NULL;
    struct vl_toml_kv *kv;
    int rc;

    rc = parse_key(p);
    if (rc)
        goto out;
    last = p->nkeys - 1;
    skip_ws(p);
    if (!cur_is(p, '=')) {
        rc = fail_expected(p, p->pos, "'=' after the key");
        goto out;
    }
    p->pos++;
    skip_ws(p);

    /* dotted keys walk (or create) tables defined by dotted keys, and nothing else */
    for (size_t k = base; k < last; k++) {
        kv = find_part(p, t, k);
        if (!kv) {
            rc = add_table(p, t, k, p->keys[k].pos, T_DOTTED, &t);
            if (rc)
                goto out;
            continue;
        }
        if (kv->val->type == VL_TOML_TABLE && (kv->val->flags & T_DOTTED)) {
            t = kv->val;
            continue;
        }
        rc = fail_defined(p, k, base, kv->val, "cannot add to ",
                          " with dotted keys: it is defined as ");
        goto out;
    }
    kv = find_part(p, t, last);
    if (kv) {
        rc = fail_defined(p, last, base, kv->val, "duplicate key ", ": already defined as ");
        goto out;
    }
    rc = parse_value(p, (uint32_t)t->depth + 1, &v);
    if (rc)
        goto out;
    rc = table_add(p, t, p->keys[last].ptr, p->keys[last].len, v);
    if (rc)
        vl_toml_free(v);
out:
    keys_pop(p, base);
    return rc;
}

/* ---- headers ---- */

/* Walks the key parts of a [header] or [[header]] and makes the table it names current. */
static int define_table(struct parser *p, size_t base, int aot, size_t start)
{
    size_t last = p->nkeys - 1;
    struct vl_toml_value *t = p->root, *v;
    struct vl_toml_kv *kv;
    int rc;

    for (size_t k = base; k < last; k++) {
        kv = find_part(p, t, k);
        if (!kv) {
            rc = add_table(p, t, k, p->keys[k].pos, T_IMPLICIT, &t);
            if (rc)
                return rc;
            continue;
        }
        v = kv->val;
        if (v->type == VL_TOML_TABLE && !(v->flags & T_INLINE)) {
            t = v;
            continue;
        }
        if (v->type == VL_TOML_ARRAY && (v->flags & A_TABLES) && v->u.arr.len) {
            t = v->u.arr.items[v->u.arr.len - 1];
            continue;
        }
        return fail_defined(p, k, base, v, "cannot add to ", ": it is defined as ");
    }
    kv = find_part(p, t, last);
    v = kv ? kv->val : NULL;
    if (aot) {
        struct vl_toml_value *arr = v, *elem;
        if (!v) {
            arr = container_new(p, VL_TOML_ARRAY, start, (uint32_t)t->depth + 1, A_TABLES, &rc);
            if (!arr)
                return rc;
            rc = table_add(p, t, p->keys[last].ptr, p->keys[last].len, arr);
            if (rc) {
                vl_toml_free(arr);
                return rc;
            }
        } else if (v->type != VL_TOML_ARRAY || !(v->flags & A_TABLES)) {
            return fail_defined(p, last, base, v, "cannot define array of tables ",
                                ": already defined as ");
        }
        elem = container_new(p, VL_TOML_TABLE, start, (uint32_t)arr->depth + 1, T_EXPLICIT, &rc);
        if (!elem)
            return rc;
        rc = array_push(p, arr, elem);
        if (rc) {
            vl_toml_free(elem);
            return rc;
        }
        p->cur = elem;
        return 0;
    }
    if (!v) {
        rc = add_table(p, t, last, start, T_EXPLICIT, &p->cur);
        return rc;
    }
    if (v->type == VL_TOML_TABLE && v->flags == T_IMPLICIT) {
        v->flags = T_EXPLICIT;
        locate(p, start, &v->line, &v->col);
        p->cur = v;
        return 0;
    }
    return fail_defined(p, last, base, v, "cannot define table ", ": already defined as ");
}

static int parse_header(struct parser *p)
{
    size_t start = p->pos, base = p->nkeys;
    int aot = 0, rc;

    p->pos++;
    if (cur_is(p, '[')) {
        aot = 1;
        p->pos++;
    }
    skip_ws(p);
    rc = parse_key(p);
    if (rc)
        goto out;
    skip_ws(p);
    if (!cur_is(p, ']')) {
        rc = fail_expected(p, p->pos,
                           aot ? "'.' or ']]' to close the array-of-tables header"
                               : "'.' or ']' to close the table header");
        goto out;
    }
    p->pos++;
    if (aot) {
        if (!cur_is(p, ']')) {
            rc = fail_expected(p, p->pos, "']]' to close the array-of-tables header");
            goto out;
        }
        p->pos++;
    }
    rc = define_table(p, base, aot, start);
out:
    keys_pop(p, base);
    return rc;
}

/* ---- document ---- */

/* One line of the document (or several, for multi-line values). */
static int parse_statement(struct parser *p)
{
    int rc;

    skip_ws(p);
    if (p->pos >= p->len)
        return 0;
    if (cur_is(p, '[')) {
        rc = parse_header(p);
        if (rc) {
            if (!p->sink) {
                int rc2;
                p->sink = container_new(p, VL_TOML_TABLE, 0, 0, T_EXPLICIT, &rc2);
                if (!p->sink)
                    return rc2;
            }
            p->cur = p->sink;
            return rc;
        }
        return expect_eol(p, "the table header");
    }
    if (cur_is(p, '#') || newline_at(p, p->pos))
        return expect_eol(p, "a comment");
    if (cur_is(p, '\r'))
        return fail(p, p->pos, "carriage return without line feed");
    rc = parse_keyval(p, p->cur);
    if (rc)
        return rc;
    return expect_eol(p, "the value");
}

/* Length of the UTF-8 sequence at s[i] (no overlongs, no surrogates, <= U+10FFFF), 0 if
 * it is not one. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t len)
{
    unsigned char c = s[i];
    size_t k;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (k > len - i)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[i + j] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* Reports every invalid UTF-8 sequence (until errs is full). */
static void check_utf8(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t i = 0;

    while (i < p->len && p->nerrs < p->max_errs) {
        size_t k = utf8_len(s, i, p->len);
        if (k) {
            i += k;
            continue;
        }
        struct msg m;
        err_begin(p, i, &m);
        m_str(&m, "invalid UTF-8 (byte 0x");
        m_hex(&m, s[i], 2);
        m_str(&m, "): a TOML document must be UTF-8");
        i++;
        while (i < p->len && (s[i] & 0xc0) == 0x80)
            i++;
    }
}

int vl_toml_parse_all(const char *text, size_t len, struct vl_toml_value **out,
                      struct vl_toml_error *errs, size_t max_errs, size_t *nerrs)
{
    struct vl_toml_error scratch; /* when the caller wants no messages */
    struct parser p;
    int rc;

    if (nerrs)
        *nerrs = 0;
    if (!out)
        return -VK_EINVAL;
    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.s = text;
    p.len = len;
    p.errs = errs && max_errs ? errs : &scratch;
    p.max_errs = errs && max_errs ? max_errs : 1;
    p.loc_line = p.loc_col = 1;
    if (!text && len) {
        fail(&p, 0, "no input");
        goto done;
    }
    check_utf8(&p);
    if (p.nerrs)
        goto done;
    p.root = container_new(&p, VL_TOML_TABLE, 0, 0, T_EXPLICIT, &rc);
    if (!p.root)
        goto done;
    p.cur = p.root;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p.pos = 3;
    while (p.pos < p.len) {
        if (parse_statement(&p) == 0)
            continue;
        if (p.nomem || p.nerrs >= p.max_errs)
            break;
        /* resume on the line after the error */
        if (p.pos < p.err_pos)
            p.pos = p.err_pos;
        while (p.pos < p.len && p.s[p.pos] != '\n')
            p.pos++;
        if (p.pos < p.len)
            p.pos++;
    }
done:
    keys_pop(&p, 0);
    free(p.keys);
    vl_toml_free(p.sink);
    if (nerrs && p.errs == errs)
        *nerrs = p.nerrs;
    if (p.nerrs) {
        vl_toml_free(p.root);
        return p.nomem ? -VK_ENOMEM : -VK_EINVAL;
    }
    *out = p.root;
    return 0;
}

int vl_toml_parse(const char *text, size_t len, struct vl_toml_value **out,
                  struct vl_toml_error *err)
{
    return vl_toml_parse_all(text, len, out, err, 1, NULL);
}

/* ---- accessors ---- */

enum vl_toml_type vl_toml_type_of(const struct vl_toml_value *v)
{
    return (enum vl_toml_type)v->type;
}

const char *vl_toml_type_name(enum vl_toml_type t)
{
    static const char *const names[] = {
        [VL_TOML_STRING] = "string",         [VL_TOML_INTEGER] = "integer",
        [VL_TOML_FLOAT] = "float",           [VL_TOML_BOOL] = "bool",
        [VL_TOML_DATETIME] = "datetime",     [VL_TOML_DATETIME_LOCAL] = "datetime-local",
        [VL_TOML_DATE_LOCAL] = "date-local", [VL_TOML_TIME_LOCAL] = "time-local",
        [VL_TOML_ARRAY] = "array",           [VL_TOML_TABLE] = "table",
    };
    if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
        return "?";
    return names[t];
}

void vl_toml_pos(const struct vl_toml_value *v, uint32_t *line, uint32_t *col)
{
    if (line)
        *line = v ? v->line : 0;
    if (col)
        *col = v ? v->col : 0;
}

size_t vl_toml_table_len(const struct vl_toml_value *t)
{
    return t && t->type == VL_TOML_TABLE ? t->u.tab.len : 0;
}

const struct vl_toml_value *vl_toml_table_getn(const struct vl_toml_value *t, const char *key,
                                               size_t key_len)
{
    const struct vl_toml_kv *kv;
    if (!t || t->type != VL_TOML_TABLE || (!key && key_len))
        return NULL;
    if (!key)
        key = "";
    kv = table_find(t, key, key_len, key_hash(key, key_len));
    return kv ? kv->val : NULL;
}

const struct vl_toml_value *vl_toml_table_get(const struct vl_toml_value *t, const char *key)
{
    return key ? vl_toml_table_getn(t, key, strlen(key)) : NULL;
}

const struct vl_toml_value *vl_toml_table_at(const struct vl_toml_value *t, size_t i,
                                             const char **key, size_t *key_len)
{
    if (!t || t->type != VL_TOML_TABLE || i >= t->u.tab.len)
        return NULL;
    if (key)
        *key = t->u.tab.kv[i].key;
    if (key_len)
        *key_len = t->u.tab.kv[i].key_len;
    return t->u.tab.kv[i].val;
}

size_t vl_toml_array_len(const struct vl_toml_value *a)
{
    return a && a->type == VL_TOML_ARRAY ? a->u.arr.len : 0;
}

const struct vl_toml_value *vl_toml_array_at(const struct vl_toml_value *a, size_t i)
{
    if (!a || a->type != VL_TOML_ARRAY || i >= a->u.arr.len)
        return NULL;
    return a->u.arr.items[i];
}

int vl_toml_string(const struct vl_toml_value *v, const char **s, size_t *len)
{
    if (!v || v->type != VL_TOML_STRING)
        return -VK_EINVAL;
    if (s)
        *s = v->u.str.ptr;
    if (len)
        *len = v->u.str.len;
    return 0;
}

int vl_toml_int(const struct vl_toml_value *v, int64_t *out)
{
    if (!v || v->type != VL_TOML_INTEGER)
        return -VK_EINVAL;
    if (out)
        *out = v->u.i;
    return 0;
}

int vl_toml_float(const struct vl_toml_value *v, double *out)
{
    if (!v || v->type != VL_TOML_FLOAT)
        return -VK_EINVAL;
    if (out)
        *out = v->u.f;
    return 0;
}

int vl_toml_bool(const struct vl_toml_value *v, int *out)
{
    if (!v || v->type != VL_TOML_BOOL)
        return -VK_EINVAL;
    if (out)
        *out = v->u.b;
    return 0;
}

int vl_toml_datetime(const struct vl_toml_value *v, struct vl_toml_datetime *out)
{
    if (!v || v->type < VL_TOML_DATETIME || v->type > VL_TOML_TIME_LOCAL)
        return -VK_EINVAL;
    if (out)
        *out = v->u.dt;
    return 0;
}
