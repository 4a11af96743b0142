/*
 * trace: digest finalisation, string table, the keep_all log's growth and the Chrome/Perfetto
 * JSON writer. See trace.h for the contract and the exact digest definition; the hot path
 * (vs_trace_emit) is inline in trace.h. Only vs_trace_write_json does I/O.
 */
#include "sim/trace/trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"

/* ---- XXH64 (seed 0) ---- */

#define P1 VS_TRACE__P1
#define P2 VS_TRACE__P2
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t w)
{
    return vs_trace__round(acc, w);
}

static inline uint64_t xxh_merge(uint64_t h, uint64_t v)
{
    return (h ^ xxh_round(0, v)) * P1 + P4;
}

static inline uint64_t xxh_avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void lanes_init(uint64_t lane[4])
{
    lane[0] = P1 + P2;
    lane[1] = P2;
    lane[2] = 0;
    lane[3] = 0 - P1;
}

/* XXH64's convergence of the four lanes (inputs of 32 bytes or more). */
static uint64_t lanes_merge(const uint64_t lane[4])
{
    uint64_t h = rotl64(lane[0], 1) + rotl64(lane[1], 7);

    h += rotl64(lane[2], 12) + rotl64(lane[3], 18);
    for (int i = 0; i < 4; i++)
        h = xxh_merge(h, lane[i]);
    return h;
}

/* XXH64's finalisation with no tail bytes (every record is whole stripes). */
static uint64_t lanes_final(const uint64_t lane[4], uint64_t total_len)
{
    uint64_t h = total_len >= 32 ? lanes_merge(lane) : P5; /* P5 + seed 0 */

    return xxh_avalanche(h + total_len);
}

/* One-shot XXH64 (seed 0), for the string table's index. */
static uint64_t xxh64(const uint8_t *p, size_t len)
{
    const uint8_t *end = p + len;
    uint64_t h;

    if (len >= 32) {
        uint64_t lane[4];
        lanes_init(lane);
        for (; end - p >= 32; p += 32)
            vs_trace__stripe(lane, load_le64(p), load_le64(p + 8), load_le64(p + 16),
                             load_le64(p + 24));
        h = lanes_merge(lane);
    } else {
        h = P5;
    }
    h += len;
    for (; end - p >= 8; p += 8)
        h = rotl64(h ^ xxh_round(0, load_le64(p)), 27) * P1 + P4;
    if (end - p >= 4) {
        h = rotl64(h ^ (uint64_t)load_le32(p) * P1, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl64(h ^ *p * P5, 11) * P1;
    return xxh_avalanche(h);
}

/* ---- init / fini ---- */

int vs_trace_init(struct vs_trace *t, uint32_t ring_events, int keep_all)
{
    memset(t, 0, sizeof(*t));
    if (ring_events == 0 || (ring_events & (ring_events - 1)) != 0 ||
        ring_events > (1u << 31) / sizeof(struct vs_trace_event))
        return -VK_EINVAL;
    t->ring = aligned_alloc(64, (size_t)ring_events * sizeof(struct vs_trace_event));
    if (!t->ring)
        return -VK_ENOMEM;
    t->ring_mask = ring_events - 1;
    t->keep_all = keep_all != 0;
    t->slow_path = t->keep_all;
    t->watch_count = t->watch_time = UINT64_MAX;
    lanes_init(t->lane);
    return 0;
}

void vs_trace_watch(struct vs_trace *t, uint64_t event, uint64_t time, void (*fn)(void *ctx),
                    void *ctx)
{
    t->watch_count = event == UINT64_MAX ? UINT64_MAX : event + 1;
    t->watch_time = time;
    t->watch_fn = fn;
    t->watch_ctx = ctx;
    t->slow_path = t->keep_all || t->watch_count != UINT64_MAX || t->watch_time != UINT64_MAX;
}

/* Disarms the watch, then calls it. */
static void watch_fire(struct vs_trace *t)
{
    void (*fn)(void *) = t->watch_fn;
    t->watch_count = t->watch_time = UINT64_MAX;
    t->watch_fn = NULL;
    t->slow_path = t->keep_all;
    if (fn)
        fn(t->watch_ctx);
}

void vs_trace__emit_slow(struct vs_trace *t, struct vs_trace_event ev)
{
    const struct vs_trace_event *e = &ev;
    if (e->time > t->watch_time)
        watch_fire(t); /* before the first event later than the watched time */
    vs_trace__stripe(t->lane, e->time, e->kind | (uint64_t)e->pid << 32,
                     e->tid | (uint64_t)e->str << 32, e->a[0]);
    vs_trace__stripe(t->lane, e->a[1], e->a[2], e->a[3], e->a[4]);
    t->stream_len += 64;
    if (t->keep_all) { /* the log holds every event: the ring is not needed beside it */
        if (t->log_len < t->log_cap)
            vs_trace__store(&t->log[t->log_len++], e);
        else
            vs_trace__log_grow(t, e);
    } else {
        vs_trace__store(&t->ring[t->count & t->ring_mask], e);
    }
    t->count++;
    if (t->count >= t->watch_count)
        watch_fire(t); /* right after the watched event */
}

void vs_trace_fini(struct vs_trace *t)
{
    free(t->ring);
    free(t->log);
    free(t->strtab.bytes);
    free(t->strtab.strs);
    free(t->strtab.index);
    memset(t, 0, sizeof(*t));
}

/* ---- hot path ---- */

void vs_trace__log_grow(struct vs_trace *t, const struct vs_trace_event *e)
{
    size_t ncap = t->log_cap ? t->log_cap * 2 : 4096;
    struct vs_trace_event *nlog;

    /* once an event could not be kept, none after it is: log[i] stays event number i */
    if (t->log_dropped || ncap > VS_TRACE_LOG_MAX ||
        !(nlog = realloc(t->log, ncap * sizeof(*nlog)))) {
        t->log_dropped++;
        t->ring[t->count & t->ring_mask] = *e;
        return;
    }
    t->log = nlog;
    t->log_cap = ncap;
    t->log[t->log_len++] = *e;
}

uint64_t vs_trace_digest(const struct vs_trace *t)
{
    return lanes_final(t->lane, t->stream_len);
}

uint64_t vs_trace_count(const struct vs_trace *t)
{
    return t->count;
}

const struct vs_trace_event *vs_trace_event_at(const struct vs_trace *t, uint64_t i)
{
    if (i >= t->count)
        return NULL;
    if (t->keep_all && i < t->log_len)
        return &t->log[i];
    /* the ring: every event when not keep_all, else those the log could not take */
    if (t->count - i > (uint64_t)t->ring_mask + 1 || (t->keep_all && i < t->log_len))
        return NULL;
    return &t->ring[i & t->ring_mask];
}

size_t vs_trace_last(const struct vs_trace *t, struct vs_trace_event *out, size_t n)
{
    size_t have = 0;

    while (have < n && have < t->count && vs_trace_event_at(t, t->count - 1 - have))
        have++;
    for (size_t i = 0; i < have; i++)
        out[i] = *vs_trace_event_at(t, t->count - have + i);
    return have;
}

/* ---- string table ---- */

static int strtab_reindex(struct vs_trace_strtab *st, uint32_t size)
{
    uint32_t *index = calloc(size, sizeof(*index));

    if (!index)
        return -VK_ENOMEM;
    for (uint32_t id = 1; id <= st->count; id++) {
        uint32_t slot = (uint32_t)st->strs[id - 1].hash & (size - 1);
        while (index[slot])
            slot = (slot + 1) & (size - 1);
        index[slot] = id;
    }
    free(st->index);
    st->index = index;
    st->index_mask = size - 1;
    return 0;
}

/* Makes room for one more string of len bytes (plus NUL). */
static int strtab_reserve(struct vs_trace_strtab *st, size_t len)
{
    if (st->count >= VS_TRACE_STR_MAX || len + 1 > VS_TRACE_STR_BYTES - st->bytes_len)
        return -VK_ENOMEM; /* the table's bound */
    if (st->count == st->cap) {
        uint32_t ncap = st->cap ? st->cap * 2 : 64;
        struct vs_trace_str *n;
        if (st->cap >= UINT32_MAX / 4 || !(n = realloc(st->strs, (size_t)ncap * sizeof(*n))))
            return -VK_ENOMEM;
        st->strs = n;
        st->cap = ncap;
    }
    if (st->bytes_cap - st->bytes_len < len + 1) {
        size_t ncap = st->bytes_cap ? st->bytes_cap : 4096;
        char *n;
        while (ncap - st->bytes_len < len + 1) {
            if (ncap > SIZE_MAX / 2)
                return -VK_ENOMEM;
            ncap *= 2;
        }
        if (!(n = realloc(st->bytes, ncap)))
            return -VK_ENOMEM;
        st->bytes = n;
        st->bytes_cap = ncap;
    }
    /* Keep the index at most half full (count + 1 entries after this insert). */
    if (!st->index || (uint64_t)(st->count + 1) * 2 > (uint64_t)st->index_mask + 1) {
        uint32_t size = st->index ? (st->index_mask + 1) * 2 : 128;
        if (size == 0 || strtab_reindex(st, size))
            return -VK_ENOMEM;
    }
    return 0;
}

/* Folds a new string's record (header stripe + zero-padded content stripes) into the digest. */
static void fold_string(struct vs_trace *t, uint32_t id, const uint8_t *s, size_t len)
{
    uint8_t last[32];
    size_t whole = len & ~(size_t)31;

    vs_trace__stripe(t->lane, len, (uint64_t)id << 32, 0, 0);
    for (size_t off = 0; off < whole; off += 32) {
        const uint8_t *p = s + off;
        vs_trace__stripe(t->lane, load_le64(p), load_le64(p + 8), load_le64(p + 16),
                         load_le64(p + 24));
    }
    if (len > whole) {
        memset(last, 0, sizeof(last));
        memcpy(last, s + whole, len - whole);
        vs_trace__stripe(t->lane, load_le64(last), load_le64(last + 8), load_le64(last + 16),
                         load_le64(last + 24));
    }
    t->stream_len += 32 + ((len + 31) & ~(uint64_t)31);
}

uint32_t vs_trace_intern(struct vs_trace *t, const char *s, size_t len)
{
    struct vs_trace_strtab *st = &t->strtab;
    uint64_t hash;
    uint32_t slot, id;

    if (len >= UINT32_MAX)
        return 0;
    hash = xxh64((const uint8_t *)s, len);
    if (st->index) {
        for (slot = (uint32_t)hash & st->index_mask; (id = st->index[slot]) != 0;
             slot = (slot + 1) & st->index_mask) {
            const struct vs_trace_str *e = &st->strs[id - 1];
            if (e->hash == hash && e->len == len && memcmp(st->bytes + e->off, s, len) == 0)
                return id;
        }
    }
    if (strtab_reserve(st, len))
        return 0;
    id = ++st->count;
    st->strs[id - 1] =
        (struct vs_trace_str){.off = st->bytes_len, .hash = hash, .len = (uint32_t)len};
    if (len)
        memcpy(st->bytes + st->bytes_len, s, len);
    st->bytes[st->bytes_len + len] = '\0';
    st->bytes_len += len + 1;
    for (slot = (uint32_t)hash & st->index_mask; st->index[slot];
         slot = (slot + 1) & st->index_mask)
        ;
    st->index[slot] = id;
    fold_string(t, id, (const uint8_t *)s, len);
    return id;
}

const char *vs_trace_string(const struct vs_trace *t, uint32_t id, size_t *len)
{
    const struct vs_trace_strtab *st = &t->strtab;

    if (id == 0 || id > st->count)
        return NULL;
    if (len)
        *len = st->strs[id - 1].len;
    return st->bytes + st->strs[id - 1].off;
}

/* ---- JSON ---- */

static const char *const kind_names[VS_TR_KIND_COUNT] = {
    [VS_TR_KCALL] = "kcall",
    [VS_TR_IPC_SEND] = "ipc_send",
    [VS_TR_IPC_RECV] = "ipc_recv",
    [VS_TR_IPC_REPLY] = "ipc_reply",
    [VS_TR_NOTIFY] = "notify",
    [VS_TR_PROC_SPAWN] = "proc_spawn",
    [VS_TR_PROC_EXIT] = "proc_exit",
    [VS_TR_THREAD_CREATE] = "thread_create",
    [VS_TR_THREAD_EXIT] = "thread_exit",
    [VS_TR_SCHED] = "sched",
    [VS_TR_TIMER] = "timer",
    [VS_TR_CONSOLE] = "console",
    [VS_TR_MARK] = "mark",
    [VS_TR_CFG_READ] = "cfg_read",
    [VS_TR_CFG_WRITE] = "cfg_write",
    [VS_TR_MMIO_READ] = "mmio_read",
    [VS_TR_MMIO_WRITE] = "mmio_write",
    [VS_TR_PIO_READ] = "pio_read",
    [VS_TR_PIO_WRITE] = "pio_write",
    [VS_TR_DMA] = "dma",
    [VS_TR_DMA_MAP] = "dma_map",
    [VS_TR_DMA_UNMAP] = "dma_unmap",
    [VS_TR_IRQ] = "irq",
    [VS_TR_IOMMU_FAULT] = "iommu_fault",
    [VS_TR_SIGNAL] = "signal",
    [VS_TR_SIGNAL_TAKE] = "signal_take",
};

const char *vs_trace_kind_name(uint32_t kind)
{
    return kind < VS_TR_KIND_COUNT ? kind_names[kind] : NULL;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not one. */
static size_t utf8_seq_len(const uint8_t *s, size_t len)
{
    uint8_t c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0; /* no overlong forms */
    else if (c == 0xED)
        hi = 0x9F; /* no surrogates */
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F; /* nothing above U+10FFFF */
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    }
    return n;
}

/* Escapes the character at s: writes at most 7 bytes to out, returns their count, and sets
 * *used to the input bytes consumed. */
static size_t escape_unit(const uint8_t *s, size_t len, size_t *used, char out[7])
{
    static const char hex[] = "0123456789abcdef";
    static const char plain[] = "\"\\\n\r\t\b\f", named[] = "\"\\nrtbf";
    uint8_t c = s[0];

    *used = 1;
    const char *e = c ? strchr(plain, c) : NULL;
    if (e) { /* the two-character escapes */
        out[0] = '\\';
        out[1] = named[e - plain];
        return 2;
    }
    if (c < 0x20 || c == 0x7f) {
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    size_t n = utf8_seq_len(s, len);
    if (n == 0) {
        memcpy(out, "\\ufffd", 6);
        return 6;
    }
    memcpy(out, s, n);
    *used = n;
    return n;
}

size_t vs_trace_json_escape(char *dst, size_t cap, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t need = 0, put = 0, used;
    char unit[7];
    int full = 0;

    while (len > 0) {
        size_t n = escape_unit(p, len, &used, unit);
        if (!full && cap > 0 && put + n < cap) {
            memcpy(dst + put, unit, n);
            put += n;
        } else {
            full = 1;
        }
        need += n;
        p += used;
        len -= used;
    }
    if (cap > 0)
        dst[put] = '\0';
    return need;
}

struct json_out {
    FILE *f;
    int err;
    int first;              /* no traceEvents element written yet */
    int devices_named;      /* the devices' pseudo-process has its name */
    uint8_t *device_tracks; /* bit per bdf: its track has its name (NULL: none get names) */
};

/* Starts an element of the traceEvents array. */
static void jo_next(struct json_out *jo)
{
    if (fputs(jo->first ? "\n" : ",\n", jo->f) == EOF)
        jo->err = 1;
    jo->first = 0;
}

static void jo_puts(struct json_out *jo, const char *s)
{
    if (fputs(s, jo->f) == EOF)
        jo->err = 1;
}

static void jo_escaped(struct json_out *jo, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t used;
    char unit[7];

    while (len > 0) {
        size_t n = escape_unit(p, len, &used, unit);
        if (fwrite(unit, 1, n, jo->f) != n)
            jo->err = 1;
        p += used;
        len -= used;
    }
}

/* Integers up to 2^53 as numbers; larger ones as hex strings (JSON readers use doubles). */
static void jo_u64(struct json_out *jo, uint64_t v)
{
    int r;

    if (v <= (1ull << 53))
        r = fprintf(jo->f, "%" PRIu64, v);
    else
        r = fprintf(jo->f, "\"0x%" PRIx64 "\"", v);
    if (r < 0)
        jo->err = 1;
}

static void write_process_name(const struct vs_trace *t, struct json_out *jo,
                               const struct vs_trace_event *e)
{
    size_t len;
    const char *name = vs_trace_string(t, e->str, &len);

    if (!name)
        return;
    jo_next(jo);
    if (fprintf(jo->f,
                "{\"ph\":\"M\",\"pid\":%" PRIu32 ",\"tid\":0,\"name\":\"process_name\","
                "\"args\":{\"name\":\"",
                e->pid) < 0)
        jo->err = 1;
    jo_escaped(jo, name, len);
    jo_puts(jo, "\"}}");
}

/* ---- devices: one track each, in a pseudo-process of their own ---- */

static int device_event(const struct vs_trace_event *e)
{
    return e->kind >= VS_TR_CFG_READ && e->kind <= VS_TR_IOMMU_FAULT && e->a[0] <= 0xffff;
}

/* Names the devices' process and bdf's track the first time an event of it is written. */
static void write_device_track(struct json_out *jo, uint32_t bdf)
{
    if (!jo->device_tracks || (jo->device_tracks[bdf >> 3] & (1u << (bdf & 7))))
        return;
    jo->device_tracks[bdf >> 3] |= (uint8_t)(1u << (bdf & 7));
    if (!jo->devices_named) {
        jo->devices_named = 1;
        jo_next(jo);
        if (fprintf(jo->f,
                    "{\"ph\":\"M\",\"pid\":%u,\"tid\":0,\"name\":\"process_name\","
                    "\"args\":{\"name\":\"devices\"}}",
                    VS_TRACE_DEVICE_PID) < 0)
            jo->err = 1;
    }
    jo_next(jo);
    if (fprintf(jo->f,
                "{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_name\","
                "\"args\":{\"name\":\"pci %02x:%02x.%x\"}}",
                VS_TRACE_DEVICE_PID, bdf + 1, bdf >> 8, (bdf >> 3) & 31, bdf & 7) < 0)
        jo->err = 1;
}

static const char *access_name(uint64_t a)
{
    return a == 1 ? "read" : a == 2 ? "write" : a == 3 ? "read-write" : "none";
}

/* The event's fields by name (os/kernel/ktrace.h says what a[1..4] hold per kind). */
static void device_args(const struct vs_trace_event *e, char *buf, size_t len)
{
    static const char *const reasons[] = {"none", "unmapped", "permission", "range", "target"};
    uint32_t bdf = (uint32_t)e->a[0];
    int n = snprintf(buf, len, "\"bdf\":\"%02x:%02x.%x\",\"from_pid\":%u,\"from_tid\":%u,",
                     bdf >> 8, (bdf >> 3) & 31, bdf & 7, e->pid, e->tid);
    if (n < 0 || (size_t)n >= len)
        return;
    buf += n;
    len -= (size_t)n;
    switch (e->kind) {
    case VS_TR_CFG_READ:
    case VS_TR_CFG_WRITE:
        snprintf(buf, len,
                 "\"offset\":\"0x%" PRIx64 "\",\"size\":%" PRIu64 ",\"value\":\"0x%" PRIx64
                 "\",\"result\":%" PRId64,
                 e->a[1], e->a[2], e->a[3], (int64_t)e->a[4]);
        break;
    case VS_TR_MMIO_READ:
    case VS_TR_MMIO_WRITE:
    case VS_TR_PIO_READ:
    case VS_TR_PIO_WRITE:
        snprintf(buf, len,
                 "\"bar\":%" PRIu64 ",\"offset\":\"0x%" PRIx64 "\",\"size\":%" PRIu64
                 ",\"value\":\"0x%" PRIx64 "\",\"result\":%" PRId64,
                 e->a[1], e->a[2], e->a[3] & 0xffffffffu, e->a[4], -(int64_t)(e->a[3] >> 32));
        break;
    case VS_TR_DMA:
        snprintf(buf, len,
                 "\"iova\":\"0x%" PRIx64 "\",\"len\":%" PRIu64
                 ",\"access\":\"%s\",\"result\":%" PRId64,
                 e->a[1], e->a[2], access_name(e->a[3]), (int64_t)e->a[4]);
        break;
    case VS_TR_DMA_MAP:
        snprintf(buf, len,
                 "\"iova\":\"0x%" PRIx64 "\",\"len\":%" PRIu64
                 ",\"perm\":\"%s\",\"memory_object\":%" PRIu64,
                 e->a[1], e->a[2], access_name(e->a[3]), e->a[4]);
        break;
    case VS_TR_DMA_UNMAP:
        snprintf(buf, len,
                 "\"iova\":\"0x%" PRIx64 "\",\"len\":\"0x%" PRIx64 "\",\"unmapped\":%" PRIu64,
                 e->a[1], e->a[2], e->a[3]);
        break;
    case VS_TR_IRQ:
        snprintf(buf, len,
                 "\"vector\":%" PRIu64 ",\"notification\":%" PRIu64 ",\"bits\":\"0x%" PRIx64
                 "\",\"spurious\":%s",
                 e->a[1], e->a[2], e->a[3], e->a[2] ? "false" : "true");
        break;
    case VS_TR_IOMMU_FAULT:
        snprintf(buf, len,
                 "\"iova\":\"0x%" PRIx64 "\",\"len\":%" PRIu64
                 ",\"access\":\"%s\",\"reason\":\"%s\"",
                 e->a[1], e->a[2], access_name(e->a[3]), e->a[4] < 5 ? reasons[e->a[4]] : "other");
        break;
    default:
        buf[-1] = 0; /* no trailing comma */
        break;
    }
}

static int write_event(const struct vs_trace *t, struct json_out *jo,
                       const struct vs_trace_event *e, vs_trace_namer namer, void *ctx)
{
    char name[VS_TRACE_NAME_MAX];
    char args[VS_TRACE_ARGS_MAX];
    const char *s;
    size_t len;

    int rc = 0;

    name[0] = '\0';
    args[0] = '\0';
    if (namer) {
        rc = namer(ctx, e, name, sizeof(name), args, sizeof(args));
        if (rc < 0)
            return rc;
        name[sizeof(name) - 1] = '\0';
        args[sizeof(args) - 1] = '\0';
    }
    /* The process keeps its name even when the namer leaves the spawn event itself out. */
    if (e->kind == VS_TR_PROC_SPAWN)
        write_process_name(t, jo, e);
    if (rc > 0)
        return 0;
    uint32_t pid = e->pid, tid = e->tid;
    int device = device_event(e);
    if (device) { /* on the device's track; who caused it goes into the args */
        write_device_track(jo, (uint32_t)e->a[0]);
        pid = VS_TRACE_DEVICE_PID;
        tid = (uint32_t)e->a[0] + 1;
    }
    jo_next(jo);
    if (fprintf(jo->f,
                "{\"ph\":\"i\",\"s\":\"t\",\"ts\":%" PRIu64 ".%03u,\"pid\":%" PRIu32
                ",\"tid\":%" PRIu32 ",\"name\":\"",
                e->time / 1000, (unsigned)(e->time % 1000), pid, tid) < 0)
        jo->err = 1;
    if (name[0]) {
        jo_escaped(jo, name, strlen(name));
    } else if ((s = vs_trace_kind_name(e->kind)) != NULL) {
        jo_puts(jo, s);
    } else if (fprintf(jo->f, "kind_%" PRIu32, e->kind) < 0) {
        jo->err = 1;
    }
    jo_puts(jo, "\",\"args\":{");
    for (int i = 0; i < 5; i++) {
        char key[8] = {',', '"', 'a', (char)('0' + i), '"', ':', '\0'};
        jo_puts(jo, i == 0 ? key + 1 : key);
        jo_u64(jo, e->a[i]);
    }
    if (e->str) {
        jo_puts(jo, ",\"str\":\"");
        if ((s = vs_trace_string(t, e->str, &len)) != NULL)
            jo_escaped(jo, s, len);
        jo_puts(jo, "\"");
    }
    if (device) {
        char dargs[VS_TRACE_ARGS_MAX];
        device_args(e, dargs, sizeof dargs);
        jo_puts(jo, ",");
        jo_puts(jo, dargs);
    }
    if (args[0]) {
        jo_puts(jo, ",");
        jo_puts(jo, args);
    }
    jo_puts(jo, "}}");
    return 0;
}

int vs_trace_write_json(const struct vs_trace *t, FILE *f, vs_trace_namer namer, void *ctx)
{
    struct json_out jo = {.f = f, .err = 0, .first = 1};
    jo.device_tracks = calloc(1, 0x10000 / 8); /* without it device tracks stay unnamed */
    uint64_t ring_size = (uint64_t)t->ring_mask + 1;
    uint64_t n, first;
    int rc = 0;

    /* otherData: free-form run information that trace viewers show as metadata. */
    if (fprintf(f,
                "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"events\":\"%" PRIu64
                "\",\"digest\":\"0x%016" PRIx64 "\",\"dropped\":\"%" PRIu64 "\"},\"traceEvents\":[",
                t->count, vs_trace_digest(t), t->log_dropped) < 0)
        jo.err = 1;
    if (t->keep_all) {
        n = t->log_len;
        first = 0;
    } else {
        n = t->count < ring_size ? t->count : ring_size;
        first = t->count - n;
    }
    for (uint64_t i = 0; i < n && !jo.err; i++) {
        const struct vs_trace_event *e =
            t->keep_all ? &t->log[i] : &t->ring[(first + i) & t->ring_mask];
        rc = write_event(t, &jo, e, namer, ctx);
        if (rc < 0) {
            free(jo.device_tracks);
            return rc;
        }
    }
    free(jo.device_tracks);
    jo_puts(&jo, "\n]}\n");
    if (jo.err || ferror(f) || fflush(f) == EOF)
        return -VK_EIO;
    return t->keep_all && t->log_dropped ? -VK_ENOMEM : 0;
}
