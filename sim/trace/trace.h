/*
 * trace: the simulator's event trace.
 *
 * Every traced happening in a machine (kernel call, IPC, process and thread life cycle,
 * scheduling, timers, console output, marks) becomes one fixed-size struct vs_trace_event,
 * stamped with virtual time and emitted through vs_trace_emit. Each emit:
 *   - folds the event into a running 64-bit digest, so two runs can be compared for
 *     divergence by one number (run against run; never against a committed golden value);
 *   - stores it in a binary ring of the last N events for post-mortem dumps, or, when keep_all
 *     was asked for (vrsim --trace, --record, replay), appends it to a full in-memory log
 *     instead (the ring takes over only if the log cannot grow; vs_trace_event_at finds an
 *     event in either),
 *     which vs_trace_write_json exports as Chrome trace-event JSON that ui.perfetto.dev and
 *     chrome://tracing open.
 * Strings (process names, console text, mark labels) are interned once; events carry the id.
 * A watch (vs_trace_watch) calls back once, exactly where a replay asked to stop: right after
 * event number N is emitted, or right before the first event stamped later than a time.
 *
 * Digest definition (stable: changing it changes every digest). The digest is XXH64 with
 * seed 0 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md) of the "record
 * stream": the concatenation, in call order, of
 *   - one 64-byte record per emitted event: the little-endian u64 words
 *       time, kind | pid << 32, tid | str << 32, a[0], a[1], a[2], a[3], a[4]
 *     (on a little-endian host, exactly the bytes of struct vs_trace_event);
 *   - one record per newly interned string: a 32-byte header of little-endian u64 words
 *       len, 0 | id << 32, 0, 0
 *     (kind 0 marks it: events never use kind 0) followed by the string's bytes, zero-padded
 *     to a multiple of 32.
 * Every record is a whole number of XXH64 32-byte stripes, so the four XXH64 lanes are
 * updated in place on the hot path (8 multiply-rotate rounds, two per lane, the lanes
 * independent) and vs_trace_digest only runs XXH64's finalisation on a copy. XXH64's round
 * acc = rotl(acc + w * P2, 31) * P1 is a bijection in acc and in w, so a change in any one
 * field of any one event always changes that lane's state; the finaliser avalanches.
 *
 * Ownership and rules: a struct vs_trace belongs to one machine (no globals). The hot path
 * never allocates except to grow the keep_all log (amortised doubling) and never does I/O.
 * Bounds (a guest decides how many events and strings there are): the keep_all log holds at
 * most VS_TRACE_LOG_MAX events (later ones are counted in log_dropped, and the JSON says so);
 * the string table at most VS_TRACE_STR_MAX strings and VS_TRACE_STR_BYTES bytes (interning
 * a new string beyond that returns 0, which the kernel reports to a trace_mark as
 * -VK_ENOMEM). Both bounds depend only on the event stream: hitting them is deterministic.
 * Only vs_trace_write_json touches a FILE. Traced values must be deterministic: kernel
 * object ids and arena addresses, never host pointers.
 */
#ifndef VS_TRACE_H
#define VS_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vs_trace_kind {
    VS_TR_KCALL = 1, /* a[0] = call number, a[1..] = arguments/result (caller's choice) */
    VS_TR_IPC_SEND,
    VS_TR_IPC_RECV,
    VS_TR_IPC_REPLY,
    VS_TR_NOTIFY,
    VS_TR_PROC_SPAWN, /* pid = the new process, str = its name (names it in the JSON) */
    VS_TR_PROC_EXIT,
    VS_TR_THREAD_CREATE,
    VS_TR_THREAD_EXIT,
    VS_TR_SCHED,
    VS_TR_TIMER,
    VS_TR_CONSOLE,  /* str = the text */
    VS_TR_MARK,     /* str = the label */
    VS_TR_CFG_READ, /* devices: a[0] = bdf (os/kernel/ktrace.h says what the rest hold) */
    VS_TR_CFG_WRITE,
    VS_TR_MMIO_READ,
    VS_TR_MMIO_WRITE,
    VS_TR_PIO_READ,
    VS_TR_PIO_WRITE,
    VS_TR_DMA,
    VS_TR_DMA_MAP,
    VS_TR_DMA_UNMAP,
    VS_TR_IRQ,
    VS_TR_IOMMU_FAULT,
    VS_TR_SIGNAL, /* signals: os/kernel/ktrace.h */
    VS_TR_SIGNAL_TAKE,
    VS_TR_KIND_COUNT
};

/* The JSON export puts device events (VS_TR_CFG_READ..VS_TR_IOMMU_FAULT, a[0] = bdf) on one
 * track per device: thread bdf + 1 ("pci BB:DD.F") of this pseudo-process ("devices"), with
 * the fields by name and the process and thread that caused the event (from_pid, from_tid). */
#define VS_TRACE_DEVICE_PID 0x7fffffffu
#define VS_TRACE_LOG_MAX ((size_t)1 << 22)    /* events: 256 MiB */
#define VS_TRACE_STR_MAX (1u << 18)           /* interned strings */
#define VS_TRACE_STR_BYTES ((size_t)16 << 20) /* their bytes, NULs included */

/* 64 bytes. str is an id from vs_trace_intern, or 0 for none. kind 0 is reserved. */
struct vs_trace_event {
    uint64_t time; /* virtual ns */
    uint32_t kind;
    uint32_t pid;
    uint32_t tid;
    uint32_t str;
    uint64_t a[5];
};

_Static_assert(sizeof(struct vs_trace_event) == 64, "trace events are 64 bytes");

/* One interned string: bytes at strtab.bytes + off, len bytes plus a NUL. */
struct vs_trace_str {
    uint64_t off;
    uint64_t hash;
    uint32_t len;
};

struct vs_trace_strtab {
    char *bytes; /* all strings, each followed by a NUL */
    size_t bytes_len, bytes_cap;
    struct vs_trace_str *strs; /* strs[id - 1] */
    uint32_t count, cap;
    uint32_t *index;     /* open addressing on hash: slot = id, 0 = empty */
    uint32_t index_mask; /* index size - 1; index size 0 when nothing interned */
};

struct vs_trace {
    uint64_t lane[4];            /* XXH64 accumulators over the record stream */
    uint64_t stream_len;         /* bytes of record stream folded so far */
    uint64_t count;              /* events emitted */
    struct vs_trace_event *ring; /* ring[i & ring_mask] holds event number i */
    uint32_t ring_mask;
    int slow_path; /* keep_all or a watch: vs_trace_emit goes out of line (first cache line) */
    int keep_all;
    struct vs_trace_event *log; /* keep_all only: every event, in order */
    size_t log_len, log_cap;
    uint64_t log_dropped; /* events the log could not hold (allocation failed) */
    struct vs_trace_strtab strtab;
    /* the watch (vs_trace_watch): UINT64_MAX when none */
    uint64_t watch_count; /* fires when count reaches this (after an event is emitted) */
    uint64_t watch_time;  /* fires before an event with a later time is emitted */
    void (*watch_fn)(void *ctx);
    void *watch_ctx;
};

/* ring_events must be a power of two (>= 1). keep_all != 0 keeps every event for JSON export.
 * 0, -VK_EINVAL or -VK_ENOMEM. */
int vs_trace_init(struct vs_trace *t, uint32_t ring_events, int keep_all);
void vs_trace_fini(struct vs_trace *t);

/* Interns len bytes (any bytes, NUL included). Returns the same id for the same bytes; ids
 * are 1, 2, 3... in order of first use, so they are deterministic. A new string's bytes are
 * folded into the digest. Returns 0 (no string) if the table is full (VS_TRACE_STR_MAX,
 * VS_TRACE_STR_BYTES), memory runs out or len >= 2^32 - 1. */
uint32_t vs_trace_intern(struct vs_trace *t, const char *s, size_t len);

/* The bytes of string id (NUL-terminated; *len gets the length when len is not NULL), or NULL
 * for an unknown id. The pointer is valid until the next vs_trace_intern or vs_trace_fini. */
const char *vs_trace_string(const struct vs_trace *t, uint32_t id, size_t *len);

/* ---- the hot path, inline: an event built on the caller's stack then never makes a round
 * trip through memory (a wide reload of freshly written fields stalls on store forwarding,
 * which alone costs more than the digest). Internal names start with vs_trace__. ---- */

#define VS_TRACE__P1 0x9E3779B185EBCA87ull /* XXH64's PRIME64_1 */
#define VS_TRACE__P2 0xC2B2AE3D27D4EB4Full /* XXH64's PRIME64_2 */

static inline uint64_t vs_trace__round(uint64_t acc, uint64_t w)
{
    acc += w * VS_TRACE__P2;
    return ((acc << 31) | (acc >> 33)) * VS_TRACE__P1;
}

/* Folds one 32-byte stripe (four little-endian words) into the lanes. */
static inline void vs_trace__stripe(uint64_t lane[4], uint64_t w0, uint64_t w1, uint64_t w2,
                                    uint64_t w3)
{
    lane[0] = vs_trace__round(lane[0], w0);
    lane[1] = vs_trace__round(lane[1], w1);
    lane[2] = vs_trace__round(lane[2], w2);
    lane[3] = vs_trace__round(lane[3], w3);
}

/* Field by field on purpose: a struct copy becomes 16-byte loads of the caller's fresh 8-byte
 * stores, which cannot be store-forwarded; single fields come straight from registers. */
static inline void vs_trace__store(struct vs_trace_event *r, const struct vs_trace_event *e)
{
    r->time = e->time;
    r->kind = e->kind;
    r->pid = e->pid;
    r->tid = e->tid;
    r->str = e->str;
    r->a[0] = e->a[0];
    r->a[1] = e->a[1];
    r->a[2] = e->a[2];
    r->a[3] = e->a[3];
    r->a[4] = e->a[4];
}

/* Out of line: grows the keep_all log (amortised doubling) and appends e; when it cannot
 * (VS_TRACE_LOG_MAX, no memory), e and every later event go to the ring instead (so the log
 * holds events 0 .. log_len - 1 and the ring the last ones). */
void vs_trace__log_grow(struct vs_trace *t, const struct vs_trace_event *e);
/* Out of line: vs_trace_emit with the full log (keep_all) or a watch armed. */
void vs_trace__emit_slow(struct vs_trace *t, struct vs_trace_event e);

/* Arms the one watch: fn(ctx) is called once, from inside vs_trace_emit, right after event
 * number `event` (numbered from 0) has been emitted, or right before the first event whose
 * time is later than `time`, whichever comes first (UINT64_MAX: not that condition). It may
 * read everything (the event is in the ring) but must not emit. */
void vs_trace_watch(struct vs_trace *t, uint64_t event, uint64_t time, void (*fn)(void *ctx),
                    void *ctx);

/* Hot path: digest and ring; with the full log (keep_all, which then replaces the ring) or
 * a watch, out of line, so the common case pays one branch for both. No allocation but the
 * log's growth, no I/O. */
__attribute__((always_inline)) static inline void vs_trace_emit(struct vs_trace *t,
                                                                const struct vs_trace_event *e)
{
    if (__builtin_expect(t->slow_path, 0)) { /* the full log, or a watch: out of line */
        vs_trace__emit_slow(t, *e);          /* by value: e's address does not escape */
        return;
    }
    vs_trace__stripe(t->lane, e->time, e->kind | (uint64_t)e->pid << 32,
                     e->tid | (uint64_t)e->str << 32, e->a[0]);
    vs_trace__stripe(t->lane, e->a[1], e->a[2], e->a[3], e->a[4]);
    t->stream_len += 64;
    vs_trace__store(&t->ring[t->count & t->ring_mask], e);
    t->count++;
}

uint64_t vs_trace_digest(const struct vs_trace *t);
uint64_t vs_trace_count(const struct vs_trace *t);

/*
 * Names one event for the JSON export. On entry name and args_json are empty strings of
 * capacity len and args_len (VS_TRACE_NAME_MAX, VS_TRACE_ARGS_MAX). The namer may write
 *   - name: plain text (the writer escapes it); left empty, the default kind name is used;
 *   - args_json: extra members for the event's "args" object, as raw JSON text without braces
 *     (e.g. "\"path\":\"/etc/motd\",\"fd\":3"), appended after the numeric fields; it must be
 *     valid JSON: use vs_trace_json_escape for strings.
 * Returns 0 to write the event, > 0 to leave it out, < 0 to stop the export with that error.
 */
typedef int (*vs_trace_namer)(void *ctx, const struct vs_trace_event *e, char *name, size_t len,
                              char *args_json, size_t args_len);

#define VS_TRACE_NAME_MAX 128
#define VS_TRACE_ARGS_MAX 1024

/*
 * Writes {"displayTimeUnit":"ns","otherData":{"events","digest","dropped"},"traceEvents":[...]}
 * with one "ph":"i" (thread-scoped instant) event per trace event: "ts" in microseconds of
 * virtual time (ns / 1000, exact, three decimals), "pid", "tid", "name" and "args"
 * {"a0".."a4", "str" when the event has a string, then the namer's extra members}; plus a
 * "ph":"M" process_name metadata event before every VS_TR_PROC_SPAWN that carries a name (even
 * when the namer leaves the spawn event out). Values above 2^53 (beyond exact JSON numbers)
 * are written as "0x..." strings. Exports the full log when keep_all, else the ring (the last
 * events only: processes spawned before the ring's window stay unnamed).
 * namer may be NULL (default names: "kcall", "ipc_send", ...).
 * 0, -VK_EIO on a write error, the namer's negative error, or -VK_ENOMEM after writing a
 * complete, valid file when the keep_all log had dropped events (the file lacks them).
 */
int vs_trace_write_json(const struct vs_trace *t, FILE *f, vs_trace_namer namer, void *ctx);

/* Escapes len bytes as the inside of a JSON string (quotes, backslash, control characters,
 * invalid UTF-8 as U+FFFD) into dst (capacity cap, always NUL-terminated when cap > 0, never
 * cut inside an escape). Returns the length the whole escape needs, like snprintf. */
size_t vs_trace_json_escape(char *dst, size_t cap, const char *s, size_t len);

/* Default name of a kind ("kcall", ...), or NULL for an unknown kind. */
const char *vs_trace_kind_name(uint32_t kind);

/* Ring (or log) access for post-mortem dumps: copies the last min(n, count, events held)
 * events into out, oldest first, and returns how many. */
size_t vs_trace_last(const struct vs_trace *t, struct vs_trace_event *out, size_t n);

/* Event number i (from 0) if it is still held (in the keep_all log, or in the ring's window
 * of the last events), else NULL. Valid until the next emit. */
const struct vs_trace_event *vs_trace_event_at(const struct vs_trace *t, uint64_t i);

#endif
