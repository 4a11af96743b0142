/*
 * record: the LOG writer and reader and the input hook; the contract and the format are in
 * record.h. The reader walks and bounds every record of the whole file before the replay
 * uses any of it (as vl_bootfs_open does).
 */
#include "sim/replay/record.h"

#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <inttypes.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/kernel/kernel_internal.h"
#include "sim/core/machine.h"
#include "sim/inspect/inspect.h"
#include "sim/replay/diff.h"
#include "sim/trace/hash_image.h"
#include "sim/trace/trace_bin.h"

#define REC_MAX_PAYLOAD (1u << 31)

/* dl_iterate_phdr's callback: the main program's (the first object's) GNU build-id. */
static int build_id_of(struct dl_phdr_info *info, size_t size, void *data)
{
    uint64_t *h = data;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *nh = (const void *)p;
            size_t name = (nh->n_namesz + 3u) & ~3u, desc = (nh->n_descsz + 3u) & ~3u;
            if ((size_t)(end - p) - sizeof *nh < name ||
                (size_t)(end - p) - sizeof *nh - name < desc)
                break;
            const uint8_t *np = p + sizeof *nh;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(np, "GNU", 4) &&
                nh->n_descsz) {
                *h = vs_hash_fast(np + name, nh->n_descsz);
                return 1;
            }
            p = np + name + desc;
        }
    }
    return 1; /* the first object only: the program */
}

int vs_self_hash(uint64_t *h)
{
    *h = 0;
    dl_iterate_phdr(build_id_of, h);
    return *h ? 0 : vs_hash_file("/proc/self/exe", h);
}

int vs_hash_file(const char *path, uint64_t *h)
{
    /* read through a small buffer that stays in the cache (no mapping to build and tear
     * down) */
    static const size_t piece = 64 * 1024;
    struct vs_image_hash ih;
    int rc = 0;
    uint8_t *buf = malloc(piece);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (!buf || fd < 0) {
        rc = buf ? -errno : -ENOMEM;
        goto out;
    }
    vs_image_hash_init(&ih);
    for (;;) {
        ssize_t n = read(fd, buf, piece);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        vs_image_hash_update(&ih, buf, (size_t)n);
    }
    *h = vs_image_hash_final(&ih);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A record's checksum: FNV-1a 64 of its 8 header bytes XOR vs_hash_fast of its payload. */
static uint64_t record_sum(const uint8_t hdr[8], const void *payload, size_t len)
{
    return vs_fnv1a(VS_FNV_INIT, hdr, 8) ^ vs_hash_fast(payload, len);
}

/* One record: header, the payload in up to two parts, the checksum. A small record (an
 * input line) is put together on the stack and written at once; a big one is hashed as it
 * goes (no copy of the payload). */
static int write_rec(FILE *f, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
    uint8_t hdr[8], sum[8];
    struct vs_hash_stream hs;
    if (alen + blen >= REC_MAX_PAYLOAD)
        return -EFBIG;
    le32(hdr, type);
    le32(hdr + 4, (uint32_t)(alen + blen));
    if (alen + blen <= 1024) {
        uint8_t rec[8 + 1024 + 8];
        size_t n = alen + blen;
        memcpy(rec, hdr, 8);
        if (alen)
            memcpy(rec + 8, a, alen);
        if (blen)
            memcpy(rec + 8 + alen, b, blen);
        le64(rec + 8 + n, record_sum(hdr, rec + 8, n));
        return fwrite(rec, 1, 16 + n, f) == 16 + n ? 0 : -EIO;
    }
    vs_hash_stream_init(&hs);
    vs_hash_stream_update(&hs, a, alen);
    vs_hash_stream_update(&hs, b, blen);
    le64(sum, vs_fnv1a(VS_FNV_INIT, hdr, 8) ^ vs_hash_stream_final(&hs));
    if (fwrite(hdr, 1, 8, f) != 8 || (alen && fwrite(a, 1, alen, f) != alen) ||
        (blen && fwrite(b, 1, blen, f) != blen) || fwrite(sum, 1, 8, f) != 8)
        return -EIO;
    return 0;
}

int vs_record_start(struct vs_replay *r, const char *path, uint64_t image_hash,
                    uint64_t machine_hash, uint64_t vrsim_hash, int tty,
                    const struct vk_winsize *ws, int argc, char *const *argv, char *err,
                    size_t errlen)
{
    uint8_t fh[16], h[40];
    memset(r, 0, sizeof *r);
    r->recording = 1;
    r->log = fopen(path, "wb");
    if (!r->log) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -errno;
    }
    /* records go out in big writes; input typed on a terminal is flushed as it comes
     * (record_feed), so a vrsim that dies keeps what was typed for --no-verify */
    setvbuf(r->log, NULL, _IOFBF, 64u << 10);
    memcpy(fh, VS_REPLAY_MAGIC, 8);
    le32(fh + 8, VS_REPLAY_VERSION);
    le32(fh + 12, 0);
    le64(h, image_hash);
    le64(h + 8, machine_hash);
    le64(h + 16, vrsim_hash);
    le32(h + 24, (uint32_t)tty);
    le32(h + 28, (uint32_t)argc);
    le32(h + 32, (uint32_t)ws->rows | (uint32_t)ws->cols << 16);
    le32(h + 36, (uint32_t)ws->xpixel | (uint32_t)ws->ypixel << 16);
    size_t alen = 0;
    for (int i = 0; i < argc; i++)
        alen += strlen(argv[i]) + 1;
    char *args = malloc(alen ? alen : 1);
    if (!args) {
        fclose(r->log);
        r->log = NULL;
        return -ENOMEM;
    }
    size_t o = 0;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(args + o, argv[i], l);
        o += l;
    }
    int rc = fwrite(fh, 1, sizeof fh, r->log) != sizeof fh
                 ? -EIO
                 : write_rec(r->log, VS_REC_HEADER, h, sizeof h, args, alen);
    free(args);
    if (rc) {
        snprintf(err, errlen, "cannot write %s", path);
        fclose(r->log);
        r->log = NULL;
    }
    return rc;
}

/* ---- the input hooks ---- */

static void record_feed(struct vk_machine *m, const char *b, size_t n, int notify)
{
    struct vs_replay *r = m->replay;
    uint8_t h[24];
    uint32_t flags = notify < 0 ? 2u : (n == 0 ? 1u : 0u) | (notify > 0 ? 4u : 0u);
    le64(h, vs_trace_count(&m->trace));
    le64(h + 8, m->k.now);
    le32(h + 16, flags);
    le32(h + 20, (uint32_t)n);
    if (r->log &&
        (write_rec(r->log, VS_REC_INPUT, h, sizeof h, b, n) || (m->con.tty && fflush(r->log))))
        fprintf(stderr, "vrsim: --record: cannot write the LOG\n");
}

static void record_resize(struct vk_machine *m, const struct vk_winsize *ws)
{
    struct vs_replay *r = m->replay;
    uint8_t h[24];
    le64(h, vs_trace_count(&m->trace));
    le64(h + 8, m->k.now);
    le32(h + 16, (uint32_t)ws->rows | (uint32_t)ws->cols << 16);
    le32(h + 20, (uint32_t)ws->xpixel | (uint32_t)ws->ypixel << 16);
    if (r->log && write_rec(r->log, VS_REC_RESIZE, h, sizeof h, NULL, 0))
        fprintf(stderr, "vrsim: --record: cannot write the LOG\n");
}

/* What the console backend did at this point of the recorded run, again: every record of
 * this event count (a feed is an event: the next record is due at the next count). */
static int replay_wait(struct vk_machine *m, uint64_t until)
{
    struct vs_replay *r = m->replay;
    struct vs_console *c = &m->con;
    int any = 0;
    (void)until;
    while (r->next_in < r->nin) {
        const struct vs_rec_input *in = &r->in[r->next_in];
        uint64_t events = vs_trace_count(&m->trace);
        if (events < in->events)
            break; /* not yet: the recorded run went on (timers) before it arrived */
        if (events > in->events)
            r->early = 1; /* asked later than recorded: it has diverged already */
        r->next_in++;
        any = 1;
        if (in->now > m->k.now)
            m->k.now = in->now;
        if (in->type == VS_REC_RESIZE) {
            struct vk_winsize ws = {(uint16_t)in->flags, (uint16_t)(in->flags >> 16),
                                    (uint16_t)in->n, (uint16_t)(in->n >> 16)};
            vk_console_resize(&m->k, &ws);
            break; /* the backend's wait returned here */
        }
        if (in->flags & 2) {
            m->stop = 1;
            continue;
        }
        int notify = (in->flags & 4) != 0;
        vs_input_fed(m, (const char *)in->bytes, in->n, notify);
        if (in->n) {
            if (c->len + in->n > c->cap) {
                size_t cap = c->cap ? c->cap : 4096;
                while (cap < c->len + in->n)
                    cap *= 2;
                char *nb = realloc(c->buf, cap);
                if (!nb) {
                    c->eof = 1;
                    notify = 1;
                } else {
                    c->buf = nb;
                    c->cap = cap;
                }
            }
            if (!c->eof) {
                memcpy(c->buf + c->len, in->bytes, in->n);
                c->len += in->n;
            }
        } else {
            c->eof = 1;
            notify = 1;
        }
        if (notify)
            vk_console_input(&m->k);
        if (notify)
            break; /* the backend's wait returned here */
    }
    return any;
}

/* --until / --until-time reached: the inspector on the machine as it is there, then the run
 * stops. Reached from the trace's watch (right after event N; right before the first event
 * later than T) or from a kernel call's entry (one that would end after T: its work has not
 * begun), whichever comes first. */
static void until_reached(struct vk_machine *m)
{
    struct vs_replay *r = m->replay;
    if (r->until_hit)
        return;
    r->until_hit = 1;
    m->on_until = NULL;
    vs_trace_watch(&m->trace, UINT64_MAX, UINT64_MAX, NULL, NULL);
    struct vs_inspect_cfg cfg = {.script = r->inspect_script, .out = stderr};
    struct vs_inspect_cfg *saved = m->inspect;
    uint64_t now = m->k.now, count = vs_trace_count(&m->trace);
    m->inspect = &cfg;
    if (r->until_events != UINT64_MAX && count == r->until_events + 1) {
        fprintf(stderr, "vrsim: replay: stopped after event #%" PRIu64 ", time %" PRIu64 " ns\n",
                r->until_events, now);
    } else {
        /* the clock as it reads at that instant: what ran before ended by then, what runs
         * next ends later (the clock moves by whole kernel calls, so it may lag T) */
        m->k.now = r->until_ns;
        fprintf(stderr,
                "vrsim: replay: stopped at time %" PRIu64 " ns, after event #%" PRIu64
                " (the next one is later)\n",
                r->until_ns, count - 1);
    }
    if (cfg.script)
        vs_inspect_exec(m, cfg.script, stderr);
    else
        vs_inspect_exec(m, "time; ps; threads; events 20", stderr);
    m->k.now = now;
    m->inspect = saved;
    m->stop = 1;
}

static void until_watch(void *ctx)
{
    until_reached(ctx);
}

void vs_replay_install(struct vs_replay *r, struct vk_machine *m)
{
    m->replay = r;
    if (r->recording) {
        m->on_feed = record_feed;
        m->on_resize = record_resize;
    } else {
        m->input_wait = replay_wait;
        m->opt.pace = VS_PACE_FREE;
        if (r->tty) /* the terminal's size as it was at the start */
            vk_console_resize(&m->k, &r->ws);
        if (r->until_events != UINT64_MAX || r->until_ns != UINT64_MAX) {
            vs_trace_watch(&m->trace, r->until_events, r->until_ns, until_watch, m);
            m->until_events = UINT64_MAX;
            m->until_ns = r->until_ns;
            m->on_until = r->until_ns != UINT64_MAX ? until_reached : NULL;
        }
    }
}

/* The TRACE record's payload goes from the machine's event log straight into the LOG
 * through this stream, which hashes it on the way (no copy of the trace in memory). */
struct trace_sink {
    FILE *log;
    struct vs_hash_stream hs;
    uint64_t n;
};

static ssize_t trace_sink_write(void *cookie, const char *b, size_t n)
{
    struct trace_sink *s = cookie;
    if (fwrite(b, 1, n, s->log) != n)
        return -1;
    vs_hash_stream_update(&s->hs, b, n);
    s->n += n;
    return (ssize_t)n;
}

static int write_trace_rec(FILE *log, const struct vs_trace *t)
{
    uint64_t len = vs_trace_bin_size(t);
    uint8_t hdr[8], sum[8];
    if (len >= REC_MAX_PAYLOAD)
        return -EFBIG;
    le32(hdr, VS_REC_TRACE);
    le32(hdr + 4, (uint32_t)len);
    if (fwrite(hdr, 1, 8, log) != 8)
        return -EIO;
    struct trace_sink s = {.log = log};
    vs_hash_stream_init(&s.hs);
    FILE *f = fopencookie(&s, "w", (cookie_io_functions_t){.write = trace_sink_write});
    if (!f)
        return -ENOMEM;
    setvbuf(f, NULL, _IONBF, 0); /* the LOG's own buffer is enough */
    int rc = vs_trace_write_bin(t, f);
    if (fclose(f) && !rc)
        rc = -EIO;
    if (!rc && s.n != len)
        rc = -EIO; /* the size said in the header must be the size written */
    le64(sum, vs_fnv1a(VS_FNV_INIT, hdr, 8) ^ vs_hash_stream_final(&s.hs));
    if (!rc && fwrite(sum, 1, 8, log) != 8)
        rc = -EIO;
    return rc;
}

int vs_record_finish(struct vs_replay *r, struct vk_machine *m, int status)
{
    uint8_t h[24];
    int rc = 0;
    if (!r->log)
        return -EIO;
    le64(h, vs_trace_count(&m->trace));
    le64(h + 8, vs_trace_digest(&m->trace));
    le32(h + 16, (uint32_t)status);
    le32(h + 20, 0);
    rc = write_rec(r->log, VS_REC_END, h, sizeof h, NULL, 0);
    if (!rc)
        rc = write_trace_rec(r->log, &m->trace);
    if (fclose(r->log) && !rc)
        rc = -EIO;
    r->log = NULL;
    return rc;
}

/* ---- reading ---- */

#define BAD(...)                                                                                   \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -VK_EINVAL;                                                                         \
    } while (0)

static int parse_header(struct vs_replay *r, const uint8_t *p, uint32_t n, char *err, size_t errlen)
{
    if (n < 40)
        BAD("the header record is too short");
    r->image_hash = rd64(p);
    r->machine_hash = rd64(p + 8);
    r->vrsim_hash = rd64(p + 16);
    r->tty = rd32(p + 24) != 0;
    uint32_t argc = rd32(p + 28), w0 = rd32(p + 32), w1 = rd32(p + 36);
    r->ws =
        (struct vk_winsize){(uint16_t)w0, (uint16_t)(w0 >> 16), (uint16_t)w1, (uint16_t)(w1 >> 16)};
    if (argc > n - 40 || argc > 4096)
        BAD("the header names %u arguments", argc);
    r->argv = calloc((size_t)argc + 1, sizeof *r->argv);
    if (!r->argv)
        BAD("out of memory");
    const uint8_t *s = p + 40, *end = p + n;
    for (uint32_t i = 0; i < argc; i++) {
        const uint8_t *z = memchr(s, 0, (size_t)(end - s));
        if (!z)
            BAD("argument %u of the recorded command line is not terminated", i);
        r->argv[i] = (char *)s;
        s = z + 1;
    }
    r->argc = (int)argc;
    return 0;
}

int vs_replay_load(struct vs_replay *r, const char *path, int no_verify, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->until_events = r->until_ns = UINT64_MAX;
    FILE *f = fopen(path, "rb");
    if (!f)
        BAD("cannot open %s: %s", path, strerror(errno));
    size_t cap = 0;
    for (;;) {
        if (cap - r->len < 65536) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(r->buf, ncap);
            if (!nb) {
                fclose(f);
                BAD("out of memory reading %s", path);
            }
            r->buf = nb;
            cap = ncap;
        }
        size_t got = fread(r->buf + r->len, 1, cap - r->len, f);
        r->len += got;
        if (!got)
            break;
    }
    int ferr = ferror(f);
    fclose(f);
    if (ferr)
        BAD("read error on %s", path);
    if (r->len < 16 || memcmp(r->buf, VS_REPLAY_MAGIC, 8))
        BAD("%s is not a vrsim recording (no VRREPLAY header)", path);
    uint32_t version = rd32(r->buf + 8);
    if (version != VS_REPLAY_VERSION)
        BAD("%s is a version %u recording; this vrsim replays version %u", path, version,
            VS_REPLAY_VERSION);
    size_t off = 16, nrec = 0, capin = 0;
    int header = 0;
    while (off < r->len) {
        if (r->len - off < 16) {
            if (no_verify) {
                r->damaged = 1;
                break;
            }
            BAD("%s is truncated: record %zu at offset %zu is cut short", path, nrec, off);
        }
        const uint8_t *p = r->buf + off;
        uint32_t type = rd32(p), n = rd32(p + 4);
        if (n > r->len - off - 16) {
            if (no_verify) {
                r->damaged = 1;
                break;
            }
            BAD("%s is truncated: record %zu at offset %zu needs %u bytes, %zu are left", path,
                nrec, off, n, r->len - off - 16);
        }
        uint64_t sum = record_sum(p, p + 8, n);
        if (sum != rd64(p + 8 + n)) {
            if (!no_verify)
                BAD("%s: record %zu at offset %zu fails its checksum (the LOG was altered or "
                    "damaged; --no-verify replays it anyway)",
                    path, nrec, off);
            r->damaged = 1;
        }
        const uint8_t *pl = p + 8;
        if (type == VS_REC_HEADER && !header) {
            int rc = parse_header(r, pl, n, err, errlen);
            if (rc)
                return rc;
            header = 1;
        } else if ((type == VS_REC_INPUT && n >= 24 && rd32(pl + 20) == n - 24) ||
                   (type == VS_REC_RESIZE && n == 24)) {
            if (r->nin == capin) {
                capin = capin ? capin * 2 : 64;
                struct vs_rec_input *ni = realloc(r->in, capin * sizeof *ni);
                if (!ni)
                    BAD("out of memory");
                r->in = ni;
            }
            r->in[r->nin++] =
                (struct vs_rec_input){.type = type,
                                      .events = rd64(pl),
                                      .now = rd64(pl + 8),
                                      .flags = rd32(pl + 16),
                                      .n = type == VS_REC_INPUT ? n - 24 : rd32(pl + 20),
                                      .bytes = pl + 24};
        } else if (type == VS_REC_END && n == 24) {
            r->have_end = 1;
            r->end_events = rd64(pl);
            r->end_digest = rd64(pl + 8);
            r->end_status = (int32_t)rd32(pl + 16);
        } else if (type == VS_REC_TRACE) {
            r->trace = pl;
            r->trace_len = n;
        } else if (!no_verify) {
            BAD("%s: record %zu at offset %zu is malformed (type %u, %u bytes)", path, nrec, off,
                type, n);
        }
        off += 16 + (size_t)n;
        nrec++;
    }
    if (!header)
        BAD("%s has no header record", path);
    if (!r->have_end && !no_verify)
        BAD("%s is incomplete: the recorded run has no end record (was vrsim stopped?)", path);
    return 0;
}

int vs_replay_verdict(struct vs_replay *r, struct vk_machine *m, int status, FILE *out)
{
    uint64_t digest = vs_trace_digest(&m->trace), events = vs_trace_count(&m->trace);
    if (r->have_end && digest == r->end_digest && events == r->end_events &&
        status == r->end_status && !r->early) {
        fprintf(out,
                "vrsim: replay: same run: %" PRIu64 " events, digest %016" PRIx64
                ", exit status %d\n",
                events, digest, status);
        return 0;
    }
    fprintf(out,
            "vrsim: replay: DIVERGED (recorded: %" PRIu64 " events, digest %016" PRIx64
            ", status %d; replayed: %" PRIu64 " events, digest %016" PRIx64 ", status %d)\n",
            r->end_events, r->end_digest, r->end_status, events, digest, status);
    struct vs_trace_file rec, now;
    char err[256], *tb = NULL;
    size_t tlen = 0;
    FILE *f = r->trace ? fmemopen((void *)r->trace, r->trace_len, "rb") : NULL;
    int ok = f && vs_trace_read_bin(f, &rec, err, sizeof err) == 0;
    if (f)
        fclose(f);
    if (!ok) {
        fprintf(out, "vrsim: replay: the LOG has no usable trace to name the event\n");
        return 1;
    }
    FILE *mem = open_memstream(&tb, &tlen);
    if (mem && vs_trace_write_bin(&m->trace, mem) == 0 && fclose(mem) == 0) {
        mem = NULL;
        FILE *g = fmemopen(tb, tlen, "rb");
        if (g && vs_trace_read_bin(g, &now, err, sizeof err) == 0) {
            vs_diff_compare("recorded (expected)", &rec, "replayed (found)", &now, 8, out);
            vs_trace_file_free(&now);
        } else {
            fprintf(out, "vrsim: replay: cannot read the replay's own trace: %s\n", err);
        }
        if (g)
            fclose(g);
    }
    if (mem)
        fclose(mem);
    free(tb);
    vs_trace_file_free(&rec);
    return 1;
}

void vs_replay_fini(struct vs_replay *r)
{
    if (r->log)
        fclose(r->log);
    free(r->argv);
    free(r->in);
    free(r->buf);
    memset(r, 0, sizeof *r);
}
