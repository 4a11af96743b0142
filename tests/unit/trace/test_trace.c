/*
 * Unit tests for sim/trace: the digest (against a reference one-shot XXH64 over the record
 * stream defined in trace.h, itself checked against published XXH64 vectors), sensitivity to
 * every field of every event, the ring, string interning, the JSON export (checked by a small
 * strict JSON validator here, and by Python's json module when python3 is installed), string
 * escaping, and a micro-benchmark of vs_trace_emit (printed, not asserted).
 * Every test frees its traces in teardown; the ASan build checks for leaks.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/trace/trace.h"
#include "veridian/errors.h"

static struct vs_trace tr, tr2;

static void setup(void)
{
    memset(&tr, 0, sizeof(tr));
    memset(&tr2, 0, sizeof(tr2));
}

static void teardown(void)
{
    vs_trace_fini(&tr);
    vs_trace_fini(&tr2);
    ck_assert_ptr_null(tr.ring);
    ck_assert_ptr_null(tr.log);
    ck_assert_ptr_null(tr.strtab.bytes);
}

/* ---- reference XXH64 (seed 0), straight from the specification ---- */

static uint64_t ref_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t ref_rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t ref_round(uint64_t acc, uint64_t in)
{
    return ref_rotl(acc + in * 0xC2B2AE3D27D4EB4Full, 31) * 0x9E3779B185EBCA87ull;
}

static uint64_t ref_xxh64(const uint8_t *p, size_t len)
{
    const uint64_t p1 = 0x9E3779B185EBCA87ull, p2 = 0xC2B2AE3D27D4EB4Full,
                   p3 = 0x165667B19E3779F9ull, p4 = 0x85EBCA77C2B2AE63ull,
                   p5 = 0x27D4EB2F165667C5ull;
    size_t i = 0;
    uint64_t h;

    if (len >= 32) {
        uint64_t v[4] = {p1 + p2, p2, 0, 0 - p1};
        for (; i + 32 <= len; i += 32)
            for (int l = 0; l < 4; l++)
                v[l] = ref_round(v[l], ref_rd64(p + i + 8 * l));
        h = ref_rotl(v[0], 1) + ref_rotl(v[1], 7) + ref_rotl(v[2], 12) + ref_rotl(v[3], 18);
        for (int l = 0; l < 4; l++)
            h = (h ^ ref_round(0, v[l])) * p1 + p4;
    } else {
        h = p5;
    }
    h += len;
    for (; i + 8 <= len; i += 8)
        h = ref_rotl(h ^ ref_round(0, ref_rd64(p + i)), 27) * p1 + p4;
    if (i + 4 <= len) {
        uint64_t w = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 | (uint64_t)p[i + 2] << 16 |
                     (uint64_t)p[i + 3] << 24;
        h = ref_rotl(h ^ w * p1, 23) * p2 + p3;
        i += 4;
    }
    for (; i < len; i++)
        h = ref_rotl(h ^ p[i] * p5, 11) * p1;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    h *= p3;
    return h ^ (h >> 32);
}

/* Record stream writer, following the definition in trace.h. */
struct stream {
    uint8_t buf[1 << 16];
    size_t len;
};

static void put64(struct stream *s, uint64_t v)
{
    ck_assert_uint_le(s->len + 8, sizeof(s->buf));
    for (int i = 0; i < 8; i++)
        s->buf[s->len++] = (uint8_t)(v >> (8 * i));
}

static void stream_event(struct stream *s, const struct vs_trace_event *e)
{
    put64(s, e->time);
    put64(s, e->kind | (uint64_t)e->pid << 32);
    put64(s, e->tid | (uint64_t)e->str << 32);
    for (int i = 0; i < 5; i++)
        put64(s, e->a[i]);
}

static void stream_string(struct stream *s, uint32_t id, const char *str, size_t len)
{
    put64(s, len);
    put64(s, (uint64_t)id << 32);
    put64(s, 0);
    put64(s, 0);
    memcpy(s->buf + s->len, str, len);
    s->len += len;
    while (s->len % 32)
        s->buf[s->len++] = 0;
}

static struct stream ref_stream;

START_TEST(test_xxh64_reference_vectors)
{
    /* Published XXH64 (seed 0) values. */
    ck_assert_uint_eq(ref_xxh64((const uint8_t *)"", 0), 0xEF46DB3751D8E999ull);
    ck_assert_uint_eq(ref_xxh64((const uint8_t *)"a", 1), 0xD24EC4F1A98C6E5Bull);
    ck_assert_uint_eq(ref_xxh64((const uint8_t *)"abc", 3), 0x44BC2CF5AD770999ull);
    const char *s = "Nobody inspects the spammish repetition";
    ck_assert_uint_eq(ref_xxh64((const uint8_t *)s, strlen(s)), 0xFBCEA83C8A378BF1ull);
}
END_TEST

static struct vs_trace_event make_event(uint64_t seed)
{
    struct vs_trace_event e;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;

    e.time = x % 100000000;
    e.kind = (uint32_t)(1 + x % (VS_TR_KIND_COUNT - 1));
    e.pid = (uint32_t)(x >> 40) % 50;
    e.tid = (uint32_t)(x >> 20) % 200;
    e.str = 0;
    for (int i = 0; i < 5; i++) {
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9ull;
        e.a[i] = x;
    }
    return e;
}

START_TEST(test_digest_matches_definition)
{
    ck_assert_int_eq(vs_trace_init(&tr, 16, 0), 0);
    ref_stream.len = 0;
    /* Empty trace: XXH64 of nothing. */
    ck_assert_uint_eq(vs_trace_digest(&tr), 0xEF46DB3751D8E999ull);

    static const char *names[] = {"init", "a somewhat longer string, over one stripe long",
                                  "exactly thirty-two bytes long!!!", ""};
    for (int i = 0; i < 40; i++) {
        struct vs_trace_event e = make_event((uint64_t)i);
        if (i % 10 == 3) {
            const char *n = names[i / 10];
            e.str = vs_trace_intern(&tr, n, strlen(n));
            ck_assert_uint_eq(e.str, (uint32_t)(i / 10 + 1));
            stream_string(&ref_stream, e.str, n, strlen(n));
        }
        vs_trace_emit(&tr, &e);
        stream_event(&ref_stream, &e);
        ck_assert_uint_eq(vs_trace_digest(&tr), ref_xxh64(ref_stream.buf, ref_stream.len));
    }
    ck_assert_uint_eq(vs_trace_count(&tr), 40);
    /* Re-interning a known string adds nothing to the stream. */
    ck_assert_uint_eq(vs_trace_intern(&tr, "init", 4), 1);
    ck_assert_uint_eq(vs_trace_digest(&tr), ref_xxh64(ref_stream.buf, ref_stream.len));
}
END_TEST

enum { NEV = 6 };

static uint64_t digest_of(const struct vs_trace_event *ev, int n, uint32_t ring, int keep)
{
    struct vs_trace t;
    ck_assert_int_eq(vs_trace_init(&t, ring, keep), 0);
    for (int i = 0; i < n; i++)
        vs_trace_emit(&t, &ev[i]);
    uint64_t d = vs_trace_digest(&t);
    vs_trace_fini(&t);
    return d;
}

/* Flips one bit of one field of one event; every such change must move the digest. */
START_TEST(test_digest_every_field)
{
    struct vs_trace_event ev[NEV];
    for (int i = 0; i < NEV; i++)
        ev[i] = make_event(100 + (uint64_t)i);
    const uint64_t base = digest_of(ev, NEV, 4, 0);

    ck_assert_uint_eq(digest_of(ev, NEV, 4, 0), base);
    ck_assert_uint_eq(digest_of(ev, NEV, 1024, 1), base); /* ring size and log do not matter */
    ck_assert_uint_ne(digest_of(ev, NEV - 1, 4, 0), base);

    for (int i = 0; i < NEV; i++) {
        for (int field = 0; field < 9; field++) {
            for (int bit = 0; bit < 64; bit += 7) {
                struct vs_trace_event mod[NEV];
                memcpy(mod, ev, sizeof(mod));
                switch (field) {
                case 0:
                    mod[i].time ^= 1ull << bit;
                    break;
                case 1:
                    mod[i].kind ^= 1u << (bit % 32);
                    break;
                case 2:
                    mod[i].pid ^= 1u << (bit % 32);
                    break;
                case 3:
                    mod[i].tid ^= 1u << (bit % 32);
                    break;
                case 4:
                    mod[i].str ^= 1u << (bit % 32);
                    break;
                default:
                    mod[i].a[field - 5] ^= 1ull << bit;
                    break;
                }
                ck_assert_uint_ne(digest_of(mod, NEV, 4, 0), base);
            }
        }
    }
    /* Order matters too. */
    struct vs_trace_event sw[NEV];
    memcpy(sw, ev, sizeof(sw));
    sw[2] = ev[3];
    sw[3] = ev[2];
    ck_assert_uint_ne(digest_of(sw, NEV, 4, 0), base);
}
END_TEST

START_TEST(test_digest_strings)
{
    struct vs_trace_event e = make_event(1);
    uint64_t d[4];
    static const char *const strs[4] = {"hello", "hellp", "hello!", "hello"};

    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(vs_trace_init(&tr, 8, 0), 0);
        e.str = vs_trace_intern(&tr, strs[i], strlen(strs[i]));
        ck_assert_uint_eq(e.str, 1);
        vs_trace_emit(&tr, &e);
        d[i] = vs_trace_digest(&tr);
        vs_trace_fini(&tr);
    }
    ck_assert_uint_ne(d[0], d[1]);
    ck_assert_uint_ne(d[0], d[2]);
    ck_assert_uint_ne(d[1], d[2]);
    ck_assert_uint_eq(d[0], d[3]);
}
END_TEST

START_TEST(test_init_rejects)
{
    ck_assert_int_eq(vs_trace_init(&tr, 0, 0), -VK_EINVAL);
    ck_assert_int_eq(vs_trace_init(&tr, 3, 0), -VK_EINVAL);
    ck_assert_int_eq(vs_trace_init(&tr, 1000, 1), -VK_EINVAL);
    ck_assert_int_eq(vs_trace_init(&tr, 1, 0), 0);
}
END_TEST

START_TEST(test_ring_last_n)
{
    struct vs_trace_event out[32];

    ck_assert_int_eq(vs_trace_init(&tr, 8, 0), 0);
    ck_assert_uint_eq(vs_trace_last(&tr, out, 8), 0);
    for (uint64_t i = 0; i < 5; i++) {
        struct vs_trace_event e = make_event(i);
        e.time = i;
        vs_trace_emit(&tr, &e);
    }
    ck_assert_uint_eq(vs_trace_last(&tr, out, 32), 5);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(out[i].time, (uint64_t)i);
    for (uint64_t i = 5; i < 21; i++) {
        struct vs_trace_event e = make_event(i);
        e.time = i;
        vs_trace_emit(&tr, &e);
    }
    ck_assert_uint_eq(vs_trace_last(&tr, out, 32), 8);
    for (int i = 0; i < 8; i++) {
        struct vs_trace_event want = make_event((uint64_t)(13 + i));
        want.time = (uint64_t)(13 + i);
        ck_assert_mem_eq(&out[i], &want, sizeof(want));
    }
    ck_assert_uint_eq(vs_trace_last(&tr, out, 3), 3);
    ck_assert_uint_eq(out[0].time, 18);
    ck_assert_uint_eq(out[2].time, 20);
    ck_assert_uint_eq(vs_trace_count(&tr), 21);
}
END_TEST

START_TEST(test_keep_all_log)
{
    ck_assert_int_eq(vs_trace_init(&tr, 2, 1), 0);
    for (uint64_t i = 0; i < 10000; i++) {
        struct vs_trace_event e = make_event(i);
        e.time = i;
        vs_trace_emit(&tr, &e);
    }
    ck_assert_uint_eq(tr.log_len, 10000);
    ck_assert_uint_eq(tr.log_dropped, 0);
    for (uint64_t i = 0; i < 10000; i += 999)
        ck_assert_uint_eq(tr.log[i].time, i);
    /* with the log, the ring (2 events) is not where the last events are read from */
    struct vs_trace_event out[50];
    ck_assert_uint_eq(vs_trace_last(&tr, out, 50), 50);
    ck_assert_uint_eq(out[0].time, 9950);
    ck_assert_uint_eq(out[49].time, 9999);
    for (uint64_t i = 0; i < 10000; i += 777)
        ck_assert_uint_eq(vs_trace_event_at(&tr, i)->time, i);
    ck_assert_ptr_null(vs_trace_event_at(&tr, 10000));
}
END_TEST

/* The watch fires once: right after event N (it is the last one held), or right before the
 * first event later than T (the last one held is the one before it); with or without the
 * full log; emitting goes on unchanged after it (the digest equals an unwatched trace's). */
static uint64_t watch_seen_count, watch_seen_last, watch_calls;
static void watch_cb(void *ctx)
{
    struct vs_trace *t = ctx;
    struct vs_trace_event last;
    watch_calls++;
    watch_seen_count = vs_trace_count(t);
    watch_seen_last = vs_trace_last(t, &last, 1) ? last.time : UINT64_MAX;
}

START_TEST(test_watch)
{
    for (int keep = 0; keep < 2; keep++) {
        for (int by_time = 0; by_time < 2; by_time++) {
            struct vs_trace w, plain;
            ck_assert_int_eq(vs_trace_init(&w, 64, keep), 0);
            ck_assert_int_eq(vs_trace_init(&plain, 64, keep), 0);
            watch_calls = 0;
            /* times 0, 10, 20, ...: event 37 at 370; the first later than 375 is #38 */
            vs_trace_watch(&w, by_time ? UINT64_MAX : 37, by_time ? 375 : UINT64_MAX, watch_cb, &w);
            for (uint64_t i = 0; i < 100; i++) {
                struct vs_trace_event e = make_event(i);
                e.time = i * 10;
                vs_trace_emit(&w, &e);
                vs_trace_emit(&plain, &e);
            }
            ck_assert_uint_eq(watch_calls, 1);
            ck_assert_uint_eq(watch_seen_count, 38);
            ck_assert_uint_eq(watch_seen_last, 370);
            ck_assert_uint_eq(vs_trace_digest(&w), vs_trace_digest(&plain));
            ck_assert_int_eq(w.slow_path, keep);
            vs_trace_fini(&w);
            vs_trace_fini(&plain);
        }
    }
}
END_TEST

/* Without the log, vs_trace_event_at finds the ring's window only. */
START_TEST(test_event_at_ring)
{
    ck_assert_int_eq(vs_trace_init(&tr, 8, 0), 0);
    for (uint64_t i = 0; i < 20; i++) {
        struct vs_trace_event e = make_event(i);
        e.time = i;
        vs_trace_emit(&tr, &e);
    }
    ck_assert_ptr_null(vs_trace_event_at(&tr, 11));
    for (uint64_t i = 12; i < 20; i++)
        ck_assert_uint_eq(vs_trace_event_at(&tr, i)->time, i);
    ck_assert_ptr_null(vs_trace_event_at(&tr, 20));
}
END_TEST

/* The string table is bounded: new strings past VS_TRACE_STR_BYTES get no id (0), known
 * ones still do; the table never grew past the bound. */
START_TEST(test_intern_bounded)
{
    static char big[4096];
    ck_assert_int_eq(vs_trace_init(&tr, 8, 0), 0);
    uint32_t n = 0, last = 0;
    for (;; n++) {
        snprintf(big, sizeof big, "%08u", n);
        uint32_t id = vs_trace_intern(&tr, big, sizeof big - 1);
        if (!id)
            break;
        last = id;
    }
    ck_assert_uint_eq(n, VS_TRACE_STR_BYTES / sizeof big);
    ck_assert_uint_le(tr.strtab.bytes_cap, VS_TRACE_STR_BYTES);
    snprintf(big, sizeof big, "%08u", 0u);
    ck_assert_uint_eq(vs_trace_intern(&tr, big, sizeof big - 1), 1); /* known: found */
    ck_assert_uint_eq(vs_trace_intern(&tr, "new", 3), 0);
    ck_assert_uint_eq(last, n);
}
END_TEST

START_TEST(test_intern_ids)
{
    char buf[32];

    ck_assert_int_eq(vs_trace_init(&tr, 8, 0), 0);
    ck_assert_int_eq(vs_trace_init(&tr2, 64, 1), 0);
    ck_assert_ptr_null(vs_trace_string(&tr, 0, NULL));
    ck_assert_ptr_null(vs_trace_string(&tr, 1, NULL));
    ck_assert_uint_eq(vs_trace_intern(&tr, "init", 4), 1);
    ck_assert_uint_eq(vs_trace_intern(&tr, "vfs", 3), 2);
    ck_assert_uint_eq(vs_trace_intern(&tr, "init", 4), 1);
    ck_assert_uint_eq(vs_trace_intern(&tr, "ini", 3), 3);  /* a prefix is another string */
    ck_assert_uint_eq(vs_trace_intern(&tr, "a\0b", 3), 4); /* embedded NUL */
    ck_assert_uint_eq(vs_trace_intern(&tr, "a\0c", 3), 5);
    ck_assert_uint_eq(vs_trace_intern(&tr, "", 0), 6);
    ck_assert_uint_eq(vs_trace_intern(&tr, "", 0), 6);
    size_t len;
    const char *s = vs_trace_string(&tr, 4, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_mem_eq(s, "a\0b", 4); /* and NUL-terminated */

    /* Thousands of strings (index growth); the same sequence gives the same ids and digest
     * in another trace regardless of its ring size. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(buf, sizeof(buf), "proc-%d", (i * 7919) % 3000);
            uint32_t id1 = vs_trace_intern(&tr, buf, (size_t)n);
            uint32_t id2 = vs_trace_intern(&tr2, buf, (size_t)n);
            ck_assert_uint_ne(id1, 0);
            ck_assert_uint_eq(id1, id2 + 6); /* tr has six earlier strings */
            s = vs_trace_string(&tr, id1, &len);
            ck_assert_uint_eq(len, (size_t)n);
            ck_assert_mem_eq(s, buf, len);
        }
    }
    ck_assert_uint_eq(tr2.strtab.count, 3000);
    ck_assert_uint_eq(tr.strtab.count, 3006);
}
END_TEST

/* ---- a strict little JSON validator (RFC 8259 grammar) ---- */

struct jp {
    const char *p, *end;
    int depth;
};

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int jp_value(struct jp *j);

static int jp_string(struct jp *j)
{
    if (j->p >= j->end || *j->p != '"')
        return 0;
    for (j->p++; j->p < j->end; j->p++) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (++j->p >= j->end)
                return 0;
            if (*j->p == 'u') {
                for (int i = 0; i < 4; i++) {
                    if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p))
                        return 0;
                }
            } else if (!strchr("\"\\/bfnrt", *j->p)) {
                return 0;
            }
        }
    }
    return 0;
}

static int jp_digits(struct jp *j)
{
    const char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static int jp_number(struct jp *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!jp_digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jp_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!jp_digits(j))
            return 0;
    }
    return 1;
}

static int jp_container(struct jp *j, char close, int object)
{
    if (++j->depth > 64)
        return 0;
    j->p++;
    jp_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        jp_ws(j);
        if (object) {
            if (!jp_string(j))
                return 0;
            jp_ws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return 0;
        }
        if (!jp_value(j))
            return 0;
        jp_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p++ != close)
            return 0;
        j->depth--;
        return 1;
    }
}

static int jp_value(struct jp *j)
{
    jp_ws(j);
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{':
        return jp_container(j, '}', 1);
    case '[':
        return jp_container(j, ']', 0);
    case '"':
        return jp_string(j);
    case 't':
        return j->end - j->p >= 4 && !memcmp(j->p, "true", 4) && (j->p += 4);
    case 'f':
        return j->end - j->p >= 5 && !memcmp(j->p, "false", 5) && (j->p += 5);
    case 'n':
        return j->end - j->p >= 4 && !memcmp(j->p, "null", 4) && (j->p += 4);
    default:
        return jp_number(j);
    }
}

static int json_valid(const char *s, size_t len)
{
    struct jp j = {.p = s, .end = s + len, .depth = 0};
    if (!jp_value(&j))
        return 0;
    jp_ws(&j);
    return j.p == j.end;
}

START_TEST(test_json_validator_self_check)
{
    static const char *good[] = {"{}", "[]", "{\"a\":[1,-2.5e3,true,null,\"x\\u0041\"]}", "0"};
    static const char *bad[] = {"{",    "[1,]",    "{\"a\" 1}", "\"a\nb\"", "01",
                                "[1.]", "\"\\x\"", "{} x",      "{'a':1}"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(json_valid(good[i], strlen(good[i])), "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!json_valid(bad[i], strlen(bad[i])), "%s", bad[i]);
}
END_TEST

/* ---- JSON export ---- */

static char *read_file(FILE *f, size_t *len)
{
    long n;
    char *buf;

    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static const char nasty[] =
    "say \"hi\" \\ back\\slash\n\ttab\r\b\f\x01\x1f\x7f caf\xc3\xa9 bad\xff end";
#define NASTY_ESCAPED                                                                              \
    "say \\\"hi\\\" \\\\ back\\\\slash\\n\\ttab\\r\\b\\f\\u0001\\u001f\\u007f "                    \
    "caf\xc3\xa9 bad\\ufffd end"

static int python_ok(void)
{
    return system("command -v python3 >/dev/null 2>&1") == 0;
}

static int test_namer(void *ctx, const struct vs_trace_event *e, char *name, size_t len, char *args,
                      size_t args_len)
{
    struct vs_trace *t = ctx;
    if (e->kind == VS_TR_TIMER)
        return 1; /* leave timers out */
    if (e->kind == VS_TR_KCALL) {
        snprintf(name, len, "kcall \"%u\"", (unsigned)e->a[0]);
        size_t n = (size_t)snprintf(args, args_len, "\"what\":\"");
        size_t sl;
        const char *s = vs_trace_string(t, e->str, &sl);
        n += vs_trace_json_escape(args + n, args_len - n, s ? s : "", s ? sl : 0);
        snprintf(args + n, args_len - n, "\"");
    }
    return 0;
}

static int failing_namer(void *ctx, const struct vs_trace_event *e, char *name, size_t len,
                         char *args, size_t args_len)
{
    (void)ctx, (void)e, (void)name, (void)len, (void)args, (void)args_len;
    return -VK_ECANCELED;
}

static void emit_sample(struct vs_trace *t)
{
    struct vs_trace_event e;

    memset(&e, 0, sizeof(e));
    e.kind = VS_TR_PROC_SPAWN;
    e.pid = 3;
    e.time = 1234567; /* 1234.567 us */
    e.str = vs_trace_intern(t, nasty, sizeof(nasty) - 1);
    vs_trace_emit(t, &e);
    e.kind = VS_TR_KCALL;
    e.tid = 7;
    e.time = 2000000;
    e.a[0] = 42;
    e.a[1] = UINT64_MAX; /* beyond 2^53: a hex string */
    e.a[2] = 1ull << 53;
    vs_trace_emit(t, &e);
    e.kind = VS_TR_TIMER;
    e.str = 0;
    e.time = 2000001;
    vs_trace_emit(t, &e);
    e.kind = 99; /* unknown kind */
    e.time = 5;
    vs_trace_emit(t, &e);
}

START_TEST(test_json_export)
{
    FILE *f;
    size_t len;
    char *text;

    ck_assert_int_eq(vs_trace_init(&tr, 4, 1), 0);
    emit_sample(&tr);

    /* Default naming. */
    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vs_trace_write_json(&tr, f, NULL, NULL), 0);
    text = read_file(f, &len);
    fclose(f);
    ck_assert_msg(json_valid(text, len), "invalid JSON:\n%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\"traceEvents\":["));
    ck_assert_ptr_nonnull(strstr(text, "{\"ph\":\"M\",\"pid\":3,\"tid\":0,"
                                       "\"name\":\"process_name\","
                                       "\"args\":{\"name\":\"" NASTY_ESCAPED "\"}}"));
    ck_assert_ptr_nonnull(
        strstr(text, "\"ts\":1234.567,\"pid\":3,\"tid\":0,\"name\":\"proc_spawn\""));
    ck_assert_ptr_nonnull(
        strstr(text, "\"ts\":2000.000,\"pid\":3,\"tid\":7,\"name\":\"kcall\","
                     "\"args\":{\"a0\":42,\"a1\":\"0xffffffffffffffff\","
                     "\"a2\":9007199254740992,\"a3\":0,\"a4\":0,\"str\":\"" NASTY_ESCAPED "\"}"));
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"timer\""));
    ck_assert_ptr_nonnull(strstr(text, "\"ts\":0.005,"));
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"kind_99\""));
    free(text);

    /* A namer: custom names and args, events left out, errors passed through. */
    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vs_trace_write_json(&tr, f, test_namer, &tr), 0);
    text = read_file(f, &len);
    fclose(f);
    ck_assert_msg(json_valid(text, len), "invalid JSON:\n%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"kcall \\\"42\\\"\""));
    ck_assert_ptr_nonnull(strstr(text, ",\"what\":\"" NASTY_ESCAPED "\"}}"));
    ck_assert_ptr_null(strstr(text, "\"timer\""));
    free(text);

    if (python_ok()) {
        /* An independent parser agrees and decodes the escapes back to the original bytes
         * (the invalid 0xff byte becomes U+FFFD). */
        char path[64], cmd[512];
        int fd;
        snprintf(path, sizeof(path), "/tmp/test_trace_XXXXXX");
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        FILE *out = fdopen(fd, "w");
        ck_assert_ptr_nonnull(out);
        ck_assert_int_eq(vs_trace_write_json(&tr, out, test_namer, &tr), 0);
        fclose(out);
        snprintf(
            cmd, sizeof(cmd),
            "python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding=\"utf-8\"));"
            "ev=d[\"traceEvents\"]; m=[e for e in ev if e[\"ph\"]==\"M\"];"
            "want=\"say \\\"hi\\\" \\\\ back\\\\slash\\n\\ttab\\r\\b\\f\\x01\\x1f\\x7f caf\\xe9 "
            "bad\\ufffd end\";"
            "assert m[0][\"args\"][\"name\"]==want, repr(m[0]);"
            "assert any(e.get(\"name\")==\"kcall \\\"42\\\"\" for e in ev)' %s",
            path);
        int rc = system(cmd);
        unlink(path);
        ck_assert_int_eq(rc, 0);
    }

    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vs_trace_write_json(&tr, f, failing_namer, NULL), -VK_ECANCELED);
    fclose(f);
}
END_TEST

START_TEST(test_json_ring_only)
{
    FILE *f;
    size_t len;
    char *text;

    ck_assert_int_eq(vs_trace_init(&tr, 2, 0), 0);
    for (uint64_t i = 1; i <= 5; i++) {
        struct vs_trace_event e = make_event(i);
        e.time = i * 1000;
        vs_trace_emit(&tr, &e);
    }
    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vs_trace_write_json(&tr, f, NULL, NULL), 0);
    text = read_file(f, &len);
    fclose(f);
    ck_assert(json_valid(text, len));
    ck_assert_ptr_null(strstr(text, "\"ts\":3.000,"));
    ck_assert_ptr_nonnull(strstr(text, "\"ts\":4.000,"));
    ck_assert_ptr_nonnull(strstr(text, "\"ts\":5.000,"));
    free(text);

    /* An empty trace is a valid, empty trace too. */
    ck_assert_int_eq(vs_trace_init(&tr2, 2, 1), 0);
    f = tmpfile();
    ck_assert_int_eq(vs_trace_write_json(&tr2, f, NULL, NULL), 0);
    text = read_file(f, &len);
    fclose(f);
    ck_assert(json_valid(text, len));
    free(text);
}
END_TEST

START_TEST(test_json_escape_buffer)
{
    char buf[256];

    ck_assert_uint_eq(vs_trace_json_escape(buf, sizeof(buf), nasty, sizeof(nasty) - 1),
                      strlen(NASTY_ESCAPED));
    ck_assert_str_eq(buf, NASTY_ESCAPED);
    /* Truncation never cuts an escape in half and always terminates. */
    for (size_t cap = 1; cap < 12; cap++) {
        memset(buf, 'X', sizeof(buf));
        ck_assert_uint_eq(vs_trace_json_escape(buf, cap, "a\"\x01", 3), 9);
        size_t n = strlen(buf);
        ck_assert_uint_lt(n, cap);
        ck_assert(n == 0 || n == 1 || n == 3 || n == 9);
    }
    ck_assert_uint_eq(vs_trace_json_escape(NULL, 0, "\\", 1), 2);
    /* UTF-8 edge cases: overlong, surrogate, above U+10FFFF, truncated sequence. */
    vs_trace_json_escape(buf, sizeof(buf), "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82", 11);
    ck_assert_str_eq(buf, "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                          "\\ufffd\\ufffd");
    vs_trace_json_escape(buf, sizeof(buf), "\xe2\x82\xac\xf0\x9f\x98\x80", 7);
    ck_assert_str_eq(buf, "\xe2\x82\xac\xf0\x9f\x98\x80");
}
END_TEST

/* Best of a few rounds of 1M emits of an event built on the stack each time, as callers do. */
static double bench_emit(struct vs_trace *t)
{
    enum { N = 1000000 };
    double best = 1e30;

    for (int round = 0; round < 3; round++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (uint64_t i = 0; i < N; i++) {
            struct vs_trace_event e = {
                .time = i, .kind = VS_TR_KCALL, .pid = 3, .tid = 7, .a = {i, 1, 2, 3, 4}};
            vs_trace_emit(t, &e);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
        best = ns / N < best ? ns / N : best;
    }
    return best;
}

START_TEST(test_emit_benchmark)
{
    ck_assert_int_eq(vs_trace_init(&tr, 4096, 0), 0);
    ck_assert_int_eq(vs_trace_init(&tr2, 4096, 1), 0);
    double ring_only = bench_emit(&tr), keep_all = bench_emit(&tr2);
    fprintf(stderr, "vs_trace_emit: %.2f ns/event (ring 4096), %.2f ns/event (keep_all)\n",
            ring_only, keep_all);
    ck_assert_uint_eq(vs_trace_digest(&tr), vs_trace_digest(&tr2));
    ck_assert_uint_eq(tr2.log_len, 3000000);
}
END_TEST

Suite *trace_suite(void);

Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_xxh64_reference_vectors);
    tcase_add_test(tc, test_digest_matches_definition);
    tcase_add_test(tc, test_digest_every_field);
    tcase_add_test(tc, test_digest_strings);
    tcase_add_test(tc, test_init_rejects);
    tcase_add_test(tc, test_ring_last_n);
    tcase_add_test(tc, test_keep_all_log);
    tcase_add_test(tc, test_event_at_ring);
    tcase_add_test(tc, test_watch);
    tcase_add_test(tc, test_intern_ids);
    tcase_add_test(tc, test_intern_bounded);
    tcase_add_test(tc, test_json_validator_self_check);
    tcase_add_test(tc, test_json_export);
    tcase_add_test(tc, test_json_ring_only);
    tcase_add_test(tc, test_json_escape_buffer);
    tcase_add_test(tc, test_emit_benchmark);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
