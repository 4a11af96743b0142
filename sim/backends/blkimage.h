/*
 * sim/backends/blkimage: the host end of virtio-blk, a disk image file with a copy-on-write
 * overlay in host memory.
 *
 * Who calls it: the machine, when its file asks for a virtio-blk disk: blkimage_open with the
 * image's path and options, blkimage_backend to get the struct virtio_blk_backend_ops that
 * hw-models/virtio/virtio_blk.c stores through, blkimage_close at the end of the run (and
 * blkimage_export if the run's disk should be looked at from the host, e.g. with cmp).
 *
 * By default the image file is opened read-only and is never changed by a run: replays and
 * parallel sweeps need unchanged inputs. Writes land in the overlay, a sparse map of 4 KiB
 * blocks (BLKIMAGE_BLOCK) each holding a full copy of its block (filled from the file on the
 * first write: copy on write) or marked all-zero (discard and write zeroes, which cost no
 * data). Reads merge the overlay over the file. The overlay's data is bounded by a budget: a
 * write or zeroing that would need more fails with -VK_ENOSPC before it changes anything (the
 * model reports IOERR). The map itself holds at most one entry per block of the image.
 * With persist, writes and zeroing go to the file itself (opened read-write), flush is fsync
 * and there is no overlay. A read-only image refuses writes and zeroing with -VK_EROFS (the
 * model offers VIRTIO_BLK_F_RO).
 *
 * The image must be a regular file whose size is a multiple of 512: anything else is refused
 * at open with a message naming the file in im->error. Deterministic: no host time, no host
 * randomness; the map's layout depends only on the sequence of calls. Never: write the image
 * file without persist; trust an offset or length (every range is checked against the size,
 * overflow-safe).
 */
#ifndef SIM_BACKENDS_BLKIMAGE_H
#define SIM_BACKENDS_BLKIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_blk.h"

#define BLKIMAGE_BLOCK 4096u
#define BLKIMAGE_DEFAULT_BUDGET (64ull << 20) /* overlay data: 64 MiB */

struct blkimage_config {
    const char *path;
    bool readonly;           /* the disk is read-only */
    bool persist;            /* write through to the file instead of the overlay */
    uint64_t overlay_budget; /* bytes of overlay data blocks; 0 = BLKIMAGE_DEFAULT_BUDGET */
};

/* One overlay block: data NULL means all zero. index BLKIMAGE_NO_BLOCK marks a free slot. */
struct blkimage_block {
    uint64_t index;
    uint8_t *data;
};
#define BLKIMAGE_NO_BLOCK UINT64_MAX

struct blkimage {
    int fd;
    char *path;
    uint64_t size; /* bytes, a multiple of 512 */
    bool readonly, persist;
    uint64_t budget;            /* overlay data bytes allowed */
    uint64_t used;              /* overlay data bytes held (BLKIMAGE_BLOCK per data block) */
    struct blkimage_block *map; /* open addressing, linear probing, cap a power of two */
    uint32_t cap, count;        /* slots, entries */
    uint64_t refusals;          /* writes refused for the budget */
    char error[256];            /* why blkimage_open failed */
};

/* 0, or a negative errno with im->error set (the file cannot be opened, is not a regular file,
 * its size is not a multiple of 512). im needs no blkimage_close after a failure. */
int blkimage_open(struct blkimage *im, const struct blkimage_config *cfg);
void blkimage_close(struct blkimage *im);

/* Byte ranges inside [0, size): 0, -VK_EINVAL out of range, -VK_EROFS, -VK_ENOSPC (over the
 * overlay budget), -VK_ENOMEM, -VK_EIO (host I/O failed). */
int blkimage_read(struct blkimage *im, uint64_t off, void *buf, size_t len);
int blkimage_write(struct blkimage *im, uint64_t off, const void *buf, size_t len);
int blkimage_zero(struct blkimage *im, uint64_t off, uint64_t len);
int blkimage_flush(struct blkimage *im);

/* The disk as the guest sees it (file merged with the overlay) into a new file at path. */
int blkimage_export(struct blkimage *im, const char *path);

/* The ops virtio_blk_init takes, with im as their ctx (discard and write zeroes both zero). */
void blkimage_backend(struct blkimage *im, struct virtio_blk_backend_ops *ops);

#endif
