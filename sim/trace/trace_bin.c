/*
 * trace_bin: writes and reads the binary trace file; the format is in trace_bin.h. The
 * reader bounds every size against the file's real length before allocating or copying
 * (as vl_bootfs_open does), then checks the checksum and every event's string id.
 * x86-64 only (as vrsim): events are written as the little-endian bytes of the struct.
 */
#include "sim/trace/trace_bin.h"

#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"

uint64_t vs_fnv1a(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t hash_merge(const uint64_t lane[4], uint64_t h)
{
    for (int k = 0; k < 4; k++)
        h = (h ^ vs_trace__round(0, lane[k])) * VS_TRACE__P1 + 0x85EBCA77C2B2AE63ull;
    h ^= h >> 33;
    h *= VS_TRACE__P2;
    h ^= h >> 29;
    return h;
}

static void hash_stripes(uint64_t lane[4], const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 32 <= n; i += 32) { /* x86-64: memcpy loads are the LE words */
        uint64_t w[4];
        memcpy(w, b + i, 32);
        vs_trace__stripe(lane, w[0], w[1], w[2], w[3]);
    }
}

uint64_t vs_hash_fast(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint64_t lane[4] = {VS_TRACE__P1 + VS_TRACE__P2, VS_TRACE__P2, 0, 0 - VS_TRACE__P1};
    size_t whole = len & ~(size_t)31;
    hash_stripes(lane, b, whole);
    return hash_merge(lane, vs_fnv1a(VS_FNV_INIT ^ len, b + whole, len - whole));
}

void vs_hash_stream_init(struct vs_hash_stream *s)
{
    memset(s, 0, sizeof *s);
    s->lane[0] = VS_TRACE__P1 + VS_TRACE__P2;
    s->lane[1] = VS_TRACE__P2;
    s->lane[3] = 0 - VS_TRACE__P1;
}

void vs_hash_stream_update(struct vs_hash_stream *s, const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t fill = (size_t)(s->len & 31);
    s->len += len;
    if (fill) { /* complete the stripe in buf first */
        size_t take = 32 - fill < len ? 32 - fill : len;
        memcpy(s->buf + fill, b, take);
        b += take;
        len -= take;
        if (fill + take < 32)
            return;
        hash_stripes(s->lane, s->buf, 32);
    }
    size_t whole = len & ~(size_t)31;
    hash_stripes(s->lane, b, whole);
    memcpy(s->buf, b + whole, len - whole);
}

uint64_t vs_hash_stream_final(const struct vs_hash_stream *s)
{
    return hash_merge(s->lane, vs_fnv1a(VS_FNV_INIT ^ s->len, s->buf, (size_t)(s->len & 31)));
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* The string section's checksum and size (one pass) or its bytes (write != NULL). */
static int strings_pass(const struct vs_trace *t, FILE *write, uint64_t *h, uint64_t *bytes)
{
    for (uint32_t id = 1; id <= t->strtab.count; id++) {
        size_t len;
        const char *s = vs_trace_string(t, id, &len);
        uint8_t lb[4];
        put_le32(lb, (uint32_t)len);
        if (h) {
            *h = vs_fnv1a(*h, lb, 4);
            *h = vs_fnv1a(*h, s, len);
        }
        *bytes += 4 + len;
        if (write && (fwrite(lb, 1, 4, write) != 4 || fwrite(s, 1, len, write) != len))
            return -VK_EIO;
    }
    return 0;
}

uint64_t vs_trace_bin_size(const struct vs_trace *t)
{
    uint64_t sbytes = 0;
    strings_pass(t, NULL, NULL, &sbytes);
    return VS_TRACE_BIN_HEADER + sbytes + (uint64_t)t->log_len * sizeof *t->log;
}

int vs_trace_write_bin(const struct vs_trace *t, FILE *f)
{
    uint64_t h = VS_FNV_INIT, sbytes = 0;
    uint8_t hdr[VS_TRACE_BIN_HEADER];

    if (!t->keep_all)
        return -VK_EINVAL;
    strings_pass(t, NULL, &h, &sbytes);
    h ^= vs_hash_fast(t->log, t->log_len * sizeof *t->log);
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, VS_TRACE_BIN_MAGIC, 8);
    put_le32(hdr + 8, VS_TRACE_BIN_VERSION);
    put_le32(hdr + 12, VS_TRACE_BIN_HEADER);
    put_le64(hdr + 16, t->log_len);
    put_le64(hdr + 24, t->strtab.count);
    put_le64(hdr + 32, sbytes);
    put_le64(hdr + 40, vs_trace_digest(t));
    put_le64(hdr + 48, t->log_dropped);
    put_le64(hdr + 56, h);
    if (fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr)
        return -VK_EIO;
    uint64_t sb2 = 0;
    if (strings_pass(t, f, NULL, &sb2))
        return -VK_EIO;
    if (t->log_len && fwrite(t->log, sizeof *t->log, t->log_len, f) != t->log_len)
        return -VK_EIO;
    if (fflush(f) == EOF || ferror(f))
        return -VK_EIO;
    return 0;
}

void vs_trace_file_free(struct vs_trace_file *tf)
{
    free(tf->ev);
    free(tf->strbytes);
    free(tf->stroff);
    free(tf->strlen_);
    memset(tf, 0, sizeof *tf);
}

const char *vs_trace_file_string(const struct vs_trace_file *tf, uint32_t id, size_t *len)
{
    if (id == 0 || id > tf->nstr)
        return NULL;
    if (len)
        *len = tf->strlen_[id - 1];
    return tf->strbytes + tf->stroff[id - 1];
}

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        rc = (code);                                                                               \
        goto out;                                                                                  \
    } while (0)

int vs_trace_read_bin(FILE *f, struct vs_trace_file *out, char *err, size_t errlen)
{
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    for (;;) { /* the whole file: sizes are checked against what is really there */
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            uint8_t *n = realloc(buf, ncap);
            if (!n)
                FAIL(-VK_ENOMEM, "out of memory reading the trace");
            buf = n;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        FAIL(-VK_EIO, "read error");
    if (len < VS_TRACE_BIN_HEADER || memcmp(buf, VS_TRACE_BIN_MAGIC, 8))
        FAIL(-VK_EINVAL, "not a vrsim binary trace (no VRTRACE header)");
    uint32_t version = get_le32(buf + 8), hlen = get_le32(buf + 12);
    if (version != VS_TRACE_BIN_VERSION)
        FAIL(-VK_EINVAL, "binary trace version %u, this vrsim reads version %u", version,
             VS_TRACE_BIN_VERSION);
    if (hlen != VS_TRACE_BIN_HEADER)
        FAIL(-VK_EINVAL, "bad header length %u", hlen);
    uint64_t nev = get_le64(buf + 16), nstr = get_le64(buf + 24), sbytes = get_le64(buf + 32);
    uint64_t body = len - VS_TRACE_BIN_HEADER;
    if (sbytes > body || nev > (body - sbytes) / sizeof(struct vs_trace_event) ||
        nev * sizeof(struct vs_trace_event) != body - sbytes || nstr > sbytes / 4)
        FAIL(-VK_EINVAL,
             "truncated or padded: header says %llu events and %llu string bytes, "
             "the file has %llu bytes after the header",
             (unsigned long long)nev, (unsigned long long)sbytes, (unsigned long long)body);
    if ((vs_fnv1a(VS_FNV_INIT, buf + VS_TRACE_BIN_HEADER, sbytes) ^
         vs_hash_fast(buf + VS_TRACE_BIN_HEADER + sbytes, body - sbytes)) != get_le64(buf + 56))
        FAIL(-VK_EINVAL, "checksum mismatch: the trace was altered or damaged");
    out->digest = get_le64(buf + 40);
    out->dropped = get_le64(buf + 48);
    out->nstr = nstr;
    out->nev = nev;
    out->strbytes = malloc(sbytes + 1);
    out->stroff = calloc(nstr ? nstr : 1, sizeof *out->stroff);
    out->strlen_ = calloc(nstr ? nstr : 1, sizeof *out->strlen_);
    out->ev = malloc(nev ? nev * sizeof *out->ev : 1);
    if (!out->strbytes || !out->stroff || !out->strlen_ || !out->ev)
        FAIL(-VK_ENOMEM, "out of memory reading the trace");
    const uint8_t *p = buf + VS_TRACE_BIN_HEADER, *end = p + sbytes;
    uint64_t off = 0;
    for (uint64_t i = 0; i < nstr; i++) {
        if (end - p < 4)
            FAIL(-VK_EINVAL, "string %llu runs past its section", (unsigned long long)i + 1);
        uint32_t sl = get_le32(p);
        p += 4;
        if ((uint64_t)(end - p) < sl)
            FAIL(-VK_EINVAL, "string %llu runs past its section", (unsigned long long)i + 1);
        memcpy(out->strbytes + off, p, sl);
        out->strbytes[off + sl] = 0; /* fits: each string gave up 4 length bytes, needs 1 */
        out->stroff[i] = off;
        out->strlen_[i] = sl;
        off += sl + 1;
        p += sl;
    }
    if (p != end)
        FAIL(-VK_EINVAL, "string section has %llu bytes left over", (unsigned long long)(end - p));
    if (nev)
        memcpy(out->ev, end, nev * sizeof *out->ev);
    for (uint64_t i = 0; i < nev; i++) {
        if (out->ev[i].str > nstr || out->ev[i].kind == 0)
            FAIL(-VK_EINVAL, "event %llu is malformed (kind %u, string %u)", (unsigned long long)i,
                 out->ev[i].kind, out->ev[i].str);
    }
out:
    free(buf);
    if (rc)
        vs_trace_file_free(out);
    return rc;
}
