/*
 * trace_bin: the binary trace file (vrsim run --trace-bin FILE) and its reader (vrsim diff).
 *
 * Format, version 1, every integer little-endian:
 *   header, 64 bytes:
 *     magic "VRTRACE\0" (8 bytes), u32 version (1), u32 header length (64),
 *     u64 events, u64 strings, u64 string bytes (the size of the string section),
 *     u64 digest (the run's trace digest), u64 dropped (events the run could not keep),
 *     u64 checksum: FNV-1a 64 of the string section XOR vs_hash_fast of the event section
 *   strings: `strings` records, ids 1, 2, 3... in order: u32 length, then the bytes
 *   events: `events` records of 64 bytes, struct vs_trace_event's fields in order
 *     (u64 time, u32 kind, u32 pid, u32 tid, u32 str, u64 a[5])
 * A reader validates the whole file (sizes, the checksum, string ids of events) before it
 * trusts any of it: a truncated or altered file is refused with a reason.
 *
 * The writer needs the machine's full event log (struct vs_trace.keep_all). Only these
 * functions touch files; nothing here runs on the trace's hot path.
 */
#ifndef VS_TRACE_BIN_H
#define VS_TRACE_BIN_H

#include <stdint.h>
#include <stdio.h>

#include "trace.h"

#define VS_TRACE_BIN_MAGIC "VRTRACE"
#define VS_TRACE_BIN_VERSION 1u
#define VS_TRACE_BIN_HEADER 64u

/* A trace read back from a file. */
struct vs_trace_file {
    struct vs_trace_event *ev;
    uint64_t nev;
    char *strbytes;    /* every string, each followed by a NUL */
    uint64_t *stroff;  /* stroff[id - 1]: offset of string id in strbytes */
    uint32_t *strlen_; /* strlen_[id - 1] */
    uint64_t nstr;
    uint64_t digest, dropped;
};

/* Writes t's full log (keep_all) to f. 0, -VK_EINVAL (no full log) or -VK_EIO. */
int vs_trace_write_bin(const struct vs_trace *t, FILE *f);
/* The bytes vs_trace_write_bin writes for t (a record's length, known before writing). */
uint64_t vs_trace_bin_size(const struct vs_trace *t);

/* Reads and validates a whole file. 0, or -VK_E* with the reason in err. */
int vs_trace_read_bin(FILE *f, struct vs_trace_file *out, char *err, size_t errlen);
void vs_trace_file_free(struct vs_trace_file *tf);

/* String id of a read trace (NUL-terminated), or NULL for 0/unknown. */
const char *vs_trace_file_string(const struct vs_trace_file *tf, uint32_t id, size_t *len);

/* A fast 64-bit hash of len bytes (checksums, file identity; not cryptographic): four XXH64
 * lanes over the 32-byte stripes as little-endian words (XXH64's initial lanes and round),
 * FNV-1a over the tail seeded with VS_FNV_INIT ^ len, then each lane merged as XXH64 merges
 * (h = (h ^ round(0, lane)) * P1 + P4) and mixed (h ^= h >> 33; h *= P2; h ^= h >> 29). */
uint64_t vs_hash_fast(const void *p, size_t len);

/* vs_hash_fast over bytes that come in pieces (a record written straight to a file): init,
 * update with each piece in order, final gives what vs_hash_fast gives for their
 * concatenation. */
struct vs_hash_stream {
    uint64_t lane[4];
    uint64_t len;    /* bytes so far */
    uint8_t buf[32]; /* the stripe being filled: len % 32 bytes */
};
void vs_hash_stream_init(struct vs_hash_stream *s);
void vs_hash_stream_update(struct vs_hash_stream *s, const void *p, size_t len);
uint64_t vs_hash_stream_final(const struct vs_hash_stream *s);

/* FNV-1a 64 over len bytes, continuing from h (start with VS_FNV_INIT). */
#define VS_FNV_INIT 0xcbf29ce484222325ull
uint64_t vs_fnv1a(uint64_t h, const void *p, size_t len);

#endif
