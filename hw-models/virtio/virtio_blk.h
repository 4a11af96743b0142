/*
 * hw-models/virtio: virtio-blk, the block device (virtio 1.1, 5.2), 1af4:1042, class 0x010000.
 * Pure C11: no host I/O, no globals, no allocation, no host time.
 *
 * Who calls it: the machine embeds a struct virtio_blk, opens a storage backend (e.g.
 * sim/backends/blkimage.c) and describes it in a struct virtio_blk_backend_ops, calls
 * virtio_blk_init with a configuration (block size, serial, latency, queue size), attaches
 * &b->vp.pci to its pci_host and drives virtual time with virtio_blk_advance /
 * virtio_blk_next_event (the transport serves one request per latency, in order).
 *
 * Features offered: SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH, RO (exactly when the backend is
 * read-only), DISCARD (when the backend can discard and the configuration allows it),
 * WRITE_ZEROES (unless the configuration turns it off), plus the transport's. One request
 * queue. Configuration space (struct virtio_blk_config, 60 bytes, little-endian, read-only:
 * writes are guest errors): capacity in 512-byte sectors, size_max, seg_max, blk_size, the
 * discard and write-zeroes limits; geometry and topology read as 0 (not offered).
 *
 * A request (with VERSION_1 the framing is free, so the chain is read as bytes): the readable
 * part is the 16-byte header {le32 type, le32 reserved, le64 sector} then the data for OUT,
 * DISCARD and WRITE_ZEROES; the writable part is the data for IN and GET_ID then the status
 * byte, its last byte. Outcomes:
 *  - no writable byte at all, or the status byte refused by the host's DMA: the request cannot
 *    be completed, so it is a protocol violation (DEVICE_NEEDS_RESET, as QEMU's virtio_error);
 *  - header shorter than 16 bytes: IOERR;
 *  - unknown type, or DISCARD/WRITE_ZEROES not negotiated: UNSUPP;
 *  - IN: readable part must be exactly the header, data length a multiple of 512;
 *    OUT: writable part exactly the status byte, data length a multiple of 512;
 *    FLUSH, GET_ID: readable part exactly the header; FLUSH: writable part exactly 1 byte;
 *    DISCARD/WRITE_ZEROES: writable part exactly 1 byte, data a non-zero multiple of the
 *    16-byte segment {le64 sector, le32 num_sectors, le32 flags}; else IOERR;
 *  - more segments than max_*_seg, or an unknown flag (UNMAP for DISCARD): UNSUPP;
 *  - a sector range beyond capacity, a segment above max_*_sectors, a discard not aligned to
 *    discard_sector_alignment: IOERR (every segment is checked before any is applied);
 *  - OUT, DISCARD, WRITE_ZEROES on a read-only device: IOERR, nothing written;
 *  - a data buffer the host's DMA refuses, or a backend error: IOERR.
 * The status byte is written first (IOERR, reserving it: if the host refuses it the request
 * is refused before anything is done) and last with the outcome; nothing outside the chain's
 * writable part is ever written, and only the status byte is written for a request refused
 * before its data phase. GET_ID writes
 * the 20-byte serial (NUL-padded; fewer bytes if the data area is shorter). Data moves through
 * a VIRTIO_BLK_CHUNK bounce buffer in the state: never a buffer sized by a driver's length.
 * The used length is the bytes written from the start of the writable part without a gap (all
 * of it on success, 0 or 1 on a refusal).
 *
 * Invariants (virtio_blk_check): the transport's; capacity * 512 == backend size (less after
 * the test hook VIRTIO_MISBEHAVE_CONFIG halved it); RO offered
 * iff the backend is read-only; every completed request counted under exactly one status; no
 * byte written to a read-only backend.
 */
#ifndef HW_MODELS_VIRTIO_BLK_H
#define HW_MODELS_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

#define VIRTIO_ID_BLOCK 2
#define VIRTIO_BLK_CLASS 0x010000

/* feature bits */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* request types and status */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1u

/* struct virtio_blk_config: offsets */
#define VIRTIO_BLK_CFG_CAPACITY 0x00
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08
#define VIRTIO_BLK_CFG_SEG_MAX 0x0c
#define VIRTIO_BLK_CFG_GEOMETRY 0x10
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14
#define VIRTIO_BLK_CFG_TOPOLOGY 0x18
#define VIRTIO_BLK_CFG_WRITEBACK 0x20
#define VIRTIO_BLK_CFG_NUM_QUEUES 0x22
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 0x24
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 0x28
#define VIRTIO_BLK_CFG_DISCARD_ALIGN 0x2c
#define VIRTIO_BLK_CFG_MAX_WZ_SECTORS 0x30
#define VIRTIO_BLK_CFG_MAX_WZ_SEG 0x34
#define VIRTIO_BLK_CFG_WZ_MAY_UNMAP 0x38
#define VIRTIO_BLK_CFG_LEN 0x3c

#define VIRTIO_BLK_SECTOR 512u
#define VIRTIO_BLK_HDR_SIZE 16u
#define VIRTIO_BLK_SEG_SIZE 16u /* struct virtio_blk_discard_write_zeroes */
#define VIRTIO_BLK_ID_BYTES 20

/* ours */
#define VIRTIO_BLK_DEFAULT_QUEUE_SIZE 128
#define VIRTIO_BLK_DEFAULT_LATENCY_NS 50000ull /* 50 us per request */
#define VIRTIO_BLK_SIZE_MAX 65536u             /* the largest data segment a driver may use */
#define VIRTIO_BLK_MAX_SEGS 32u                /* max_discard_seg, max_write_zeroes_seg */
#define VIRTIO_BLK_MAX_DZ_SECTORS 65536u       /* max_discard/write_zeroes_sectors: 32 MiB */
#define VIRTIO_BLK_CHUNK 4096u                 /* the bounce buffer */

/* Storage, supplied by the platform. read/write/discard/write_zeroes: byte ranges inside
 * [0, size) (the model checks them), 0 or a negative errno. discard and write_zeroes may be
 * NULL: no DISCARD offered; write zeroes through write. flush may be NULL (nothing to do). */
struct virtio_blk_backend_ops {
    int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
    int (*flush)(void *ctx);
    int (*discard)(void *ctx, uint64_t off, uint64_t len);
    int (*write_zeroes)(void *ctx, uint64_t off, uint64_t len);
    uint64_t size; /* bytes, a multiple of 512 */
    int readonly;
};

/* The device's properties; a NULL description or a 0 field takes the default. */
struct virtio_blk_config_desc {
    uint32_t blk_size;                /* 512 or 4096 (default 512) */
    uint64_t latency_ns;              /* per request (default VIRTIO_BLK_DEFAULT_LATENCY_NS) */
    uint16_t queue_size;              /* power of two <= VIRTQ_MAX_SIZE (default 128) */
    char serial[VIRTIO_BLK_ID_BYTES]; /* GET_ID's answer, NUL-padded */
    bool no_discard, no_write_zeroes; /* do not offer these */
};

struct virtio_blk {
    struct virtio_pci vp;
    struct virtio_device_ops ops; /* this instance's (features depend on the backend) */
    const struct virtio_blk_backend_ops *be;
    void *be_ctx;
    uint64_t capacity; /* sectors */
    uint32_t blk_size;
    char serial[VIRTIO_BLK_ID_BYTES];
    uint8_t config[VIRTIO_BLK_CFG_LEN];
    uint64_t status_count[3]; /* completed requests by status (OK, IOERR, UNSUPP) */
    uint64_t handled;         /* requests the handler saw, violations included */
    uint64_t refused;         /* of those, protocol violations (no status byte possible) */
    uint64_t bytes_read, bytes_written, ro_writes;
    uint64_t capacity_changes; /* test hooks: VIRTIO_MISBEHAVE_CONFIG shrank the disk */
    uint8_t bounce[VIRTIO_BLK_CHUNK];
};

/* 0, or -VK_EINVAL for a bad description or backend (size not a multiple of 512, no
 * read/write, blk_size not 512/4096, queue size not a power of two <= VIRTQ_MAX_SIZE). */
int virtio_blk_init(struct virtio_blk *b, const struct virtio_blk_config_desc *desc,
                    const struct virtio_blk_backend_ops *be, void *ctx);
void virtio_blk_advance(struct virtio_blk *b, uint64_t now);
uint64_t virtio_blk_next_event(const struct virtio_blk *b);
int virtio_blk_check(const struct virtio_blk *b);

#endif
