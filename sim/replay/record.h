/*
 * record: recording a run's inputs from outside (vrsim run --record LOG) and replaying them
 * (vrsim replay LOG).
 *
 * A run is a function of the image, the machine, the seed and the console input; the LOG
 * holds the input with the point it arrived at (the trace's event count and virtual time),
 * and enough to check the rest: hashes of the image, the machine description and the vrsim
 * binary, the run's command line; at the end the exit status, the digest and the full event
 * trace, so a replay that diverges names the first event that differs.
 *
 * Where input is taken: where the console backend feeds it into the simulation
 * (console_feed and console_resize in sim/backends/console.c call vs_input_fed and
 * vs_input_resized, whose recorder hooks write it): the bytes (or their end) and whether the
 * kernel was told, window-size changes, a stop asked from the terminal (Ctrl-A x), each with
 * the trace's event count and the virtual time. A replay does what the backend did at the
 * same event counts (the idle loop's input_wait hook in place of vs_console_wait), so the
 * kernel's line discipline sees the same bytes at the same points. Disk images are not
 * copied into the LOG: the machine's hash covers their contents, so a LOG replays only beside
 * the same disks (another is refused). Not recorded yet: network frames.
 *
 * LOG format, version 2, little-endian: "VRREPLAY" (8 bytes), u32 version, u32 0; then
 * records: u32 type, u32 length, length bytes of payload, u64 checksum (FNV-1a 64 of the 8
 * header bytes XOR vs_hash_fast (sim/trace/trace_bin.h) of the payload). Types:
 *   1 HEADER  u64 image hash (vs_hash_image, sim/trace/hash_image.h, of the boot image),
 *             u64 machine hash (of its printed description and vs_hash_image of each disk
 *             image and input file it names), u64 vrsim hash (vs_self_hash: its build-id),
 *             u32 console is a terminal,
 *             u32 argc, u16 rows, cols, xpixel, ypixel (the terminal's size at the start),
 *             then argc NUL-terminated arguments of `vrsim run` (without --record)
 *   2 INPUT   u64 event count, u64 virtual time, u32 flags (1 end of input, 2 stop, 4 the
 *             kernel is told), u32 n, n bytes
 *   5 RESIZE  u64 event count, u64 virtual time, u16 rows, cols, xpixel, ypixel
 *   3 END     u64 event count, u64 digest, i32 exit status, u32 0
 *   4 TRACE   a binary trace (sim/trace/trace_bin.h) of the whole run
 * Version 1 hashed the image with vs_hash_fast; version 2 hashes with vs_hash_image, whose
 * values differ, so a version 1 LOG is refused as another version.
 *
 * Cost (the recording overhead bench/run.py measures, goal < 10% host time): the image is
 * hashed with vs_hash_image as it is read (vs_options.hash_bootfs), while its bytes are in
 * the cache; records are checksummed as they are written (no copy) into a 64 KiB buffer,
 * flushed per input only when the console is a terminal; the trace, which the machine keeps
 * anyway for the verdict (in its full log, which then replaces the ring), is written once at
 * the end straight from that log.
 * A LOG is validated whole before a replay starts: a truncated record, a bad checksum or
 * another version is refused (exit 2) unless --no-verify, which replays the records that
 * parse (how one studies a divergence).
 */
#ifndef VS_REPLAY_RECORD_H
#define VS_REPLAY_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "veridian/kcall.h"

struct vk_machine;

#define VS_REPLAY_MAGIC "VRREPLAY"
#define VS_REPLAY_VERSION 2u

enum vs_replay_rec { VS_REC_HEADER = 1, VS_REC_INPUT, VS_REC_END, VS_REC_TRACE, VS_REC_RESIZE };

struct vs_rec_input { /* an INPUT or a RESIZE record (then flags, n: its two words) */
    uint32_t type;
    uint64_t events, now;
    uint32_t flags, n;
    const uint8_t *bytes;
};

struct vs_replay {
    int recording;
    FILE *log; /* recording */
    /* replaying: the LOG's records */
    uint8_t *buf;
    size_t len;
    uint64_t image_hash, machine_hash, vrsim_hash;
    uint32_t tty;
    struct vk_winsize ws; /* the terminal's size at the start */
    int argc;
    char **argv;
    struct vs_rec_input *in;
    size_t nin, next_in;
    int have_end;
    uint64_t end_events, end_digest;
    int32_t end_status;
    const uint8_t *trace;
    size_t trace_len;
    int damaged; /* --no-verify accepted records that failed their checks */
    int early;   /* input was asked for at another point than recorded */
    /* --until N (stop right after event #N) / --until-time T (stop at the last point with
     * virtual time <= T: before the first event or kernel call that would end later) */
    uint64_t until_events, until_ns;
    int until_hit;
    const char *inspect_script;
    const char *gdb_where; /* vrsim replay --gdb */
};

/* vs_hash_image of a file's bytes: 0 and *h, or -errno. */
int vs_hash_file(const char *path, uint64_t *h);
/* This vrsim's identity: vs_hash_fast of its GNU build-id (the linker's hash of the whole
 * binary, read from memory), or vs_hash_file of /proc/self/exe when it has none. */
int vs_self_hash(uint64_t *h);

/* Recording: opens LOG and writes the header. */
int vs_record_start(struct vs_replay *r, const char *path, uint64_t image_hash,
                    uint64_t machine_hash, uint64_t vrsim_hash, int tty,
                    const struct vk_winsize *ws, int argc, char *const *argv, char *err,
                    size_t errlen);
/* Installs the input hook on m (recording or replaying). */
void vs_replay_install(struct vs_replay *r, struct vk_machine *m);
/* Recording: END and TRACE records; closes LOG. 0 or -errno. */
int vs_record_finish(struct vs_replay *r, struct vk_machine *m, int status);

/* Replaying: reads and checks LOG. 0, or -VK_EINVAL with err saying why. */
int vs_replay_load(struct vs_replay *r, const char *path, int no_verify, char *err, size_t errlen);
/* Replaying: compares the run with the recording and says so on out. 0 same, 1 diverged. */
int vs_replay_verdict(struct vs_replay *r, struct vk_machine *m, int status, FILE *out);
void vs_replay_fini(struct vs_replay *r);

#endif
