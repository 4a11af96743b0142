/*
 * drivers/virtio-blk: the driver of a virtio block device (virtio 1.1, 5.2; 1af4:1042), serving
 * /dev/vda with the block protocol of veridian/devices.h (VBLK_OP_*) and the vfs file protocol
 * (read/write/pread/pwrite/lseek, a position per open badge, freed by its close notice). Written
 * against ddk.h and the virtio driver library (drivers/virtio) only, so the same binary drives
 * vrsim's model (hw-models/virtio/virtio_blk over sim/backends/blkimage) and QEMU's virtio-blk-pci.
 *
 * A request is one chain: the 16-byte header {type, reserved, sector} (device-readable), the
 * data (device-readable for OUT, DISCARD and WRITE_ZEROES; device-writable for IN and GET_ID),
 * and the status byte (device-writable). Header and status live in one small DMA buffer, the
 * data in another of VBLK_MAX_SECTORS * 512 bytes, copied from and to the client's IPC
 * buffers. Every request is checked before it reaches the device (decode, then invoke): the
 * count, the range against the capacity read at start, the client's buffer, read-only.
 *
 * Up to VBLK_SLOTS requests in flight (from several clients), each with its own slot of the
 * DMA buffers; while all are busy further messages are held (they queue in the kernel). A
 * deadline, renewed by each request, bounds the wait for the device. Outcomes: status OK -> 0;
 * IOERR -> EIO; UNSUPP -> ENOTSUP; any other status byte, a used length that does not cover the
 * status, garbage in the used ring (vdrv_vq_get -> -VK_EIO), DEVICE_NEEDS_RESET or a lost interrupt
 * -> EIO for every request in flight, and the driver resets the device and brings it up again; if
 * that fails it exits and devmgr resets the device and restarts it.
 *
 * Interrupts: MSI-X with two vectors (0: configuration change, 1: the request queue), else
 * (or with --intx) INTx, where the ISR byte says which.
 * Never: trust a value read from the device (configuration, status byte, used ring) without
 * a range check; hand the device a buffer outside the driver's DMA buffers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk.h"
#include "vdrv.h"
#include "veridian/devices.h"
#include "veridian/vfs_proto.h"

_Static_assert(VBLK_CORRUPT_ID == VDRV_GARBAGE_ID && VBLK_CORRUPT_LEN == VDRV_GARBAGE_LEN &&
                   VBLK_CORRUPT_IDX == VDRV_GARBAGE_IDX,
               "VBLK_OP_CORRUPT's kinds are the library's");

#define VBLK_DATA_BYTES (VBLK_MAX_SECTORS * VBLK_SECTOR)
#define VBLK_QUEUE_WANT 16u
#define VBLK_TIMEOUT_NS 1000000000ull /* 1 s: the device takes microseconds per request */
#define VBLK_VEC_CONFIG 0u
#define VBLK_VEC_QUEUE 1u
#define VBLK_MAX_OPENS 32u
#define VBLK_SLOTS 4u /* requests in flight at once */

/* virtio-blk's own (virtio 1.1, 5.2.3 and 5.2.6) */
#define VBLK_F_SIZE_MAX 1
#define VBLK_F_SEG_MAX 2
#define VBLK_F_RO 5
#define VBLK_F_BLK_SIZE 6
#define VBLK_F_FLUSH 9
#define VBLK_F_DISCARD 13
#define VBLK_F_WRITE_ZEROES 14
#define VBLK_T_IN 0u
#define VBLK_T_OUT 1u
#define VBLK_T_FLUSH 4u
#define VBLK_T_GET_ID 8u
#define VBLK_T_DISCARD 11u
#define VBLK_T_WRITE_ZEROES 13u
#define VBLK_S_OK 0u
#define VBLK_S_IOERR 1u
#define VBLK_S_UNSUPP 2u
#define VBLK_CFG_CAPACITY 0x00
#define VBLK_CFG_BLK_SIZE 0x14
#define VBLK_CFG_LEN 0x3c
#define VBLK_COMMON_CFGGENERATION 0x15 /* in the common configuration */

/* In the control buffer, per slot (CTL_SLOT bytes each): the header at 0, a discard/write-zeroes
 * segment at 16, the status at 32. */
#define CTL_SLOT 64u
#define CTL_HDR 0u
#define CTL_SEG 16u
#define CTL_STATUS 32u
#define CTL_STATUS_POISON 0xa5u /* what the device must overwrite */

/* The position of one open of /dev/vda (vfs mints a badge per open). */
struct vblk_open {
    uint64_t badge;
    uint64_t off;
    bool used;
};

/* One request in flight: the client's message, what it asked, and its part of the DMA buffers
 * (control bytes at ctl, data at data: VBLK_MAX_SECTORS sectors). */
struct vblk_req {
    bool busy;
    struct ddk_msg msg;
    uint32_t type;
    uint32_t bytes; /* data bytes of the request */
    /* a file operation (vfs protocol): the slice of the data that is the client's and the open
     * whose position moves by it (NULL for pread/pwrite and the block protocol) */
    bool file;
    uint32_t skip, len;
    struct vblk_open *pos;
    uint8_t *ctl, *data;
    uint64_t ctl_iova, data_iova;
};

struct vblk {
    struct vdrv_dev vd;
    struct vdrv_queue q;
    struct ddk_dma_buf ctl, data;
    bool msix;
    uint64_t capacity; /* sectors */
    uint32_t blk_size;
    struct vblk_req req[VBLK_SLOTS];
    unsigned nbusy, max_busy;
    struct vblk_open opens[VBLK_MAX_OPENS];
    uint32_t corrupt;
    bool crash; /* test only: die with the next write in flight (VBLK_OP_CRASH) */
    uint64_t served, failed;
};

static uint32_t dev_cfg_read32(struct vblk *b, uint32_t off)
{
    return ddk_mmio_read32(b->vd.dev, b->vd.device.bar, b->vd.device.off + off);
}

/* The capacity, consistent with itself: the two halves read within one config_generation
 * (virtio 1.1, 2.4.1), at most four tries; 0 or -VK_EIO for garbage or a device that keeps
 * changing it. */
static int read_capacity(struct vblk *b, uint64_t *cap)
{
    for (int tries = 0; tries < 4; tries++) {
        uint8_t gen = ddk_mmio_read8(b->vd.dev, b->vd.common.bar,
                                     b->vd.common.off + VBLK_COMMON_CFGGENERATION);
        uint64_t c = dev_cfg_read32(b, VBLK_CFG_CAPACITY) |
                     (uint64_t)dev_cfg_read32(b, VBLK_CFG_CAPACITY + 4) << 32;
        if (gen != ddk_mmio_read8(b->vd.dev, b->vd.common.bar,
                                  b->vd.common.off + VBLK_COMMON_CFGGENERATION))
            continue;
        if (c > (UINT64_MAX >> 9))
            break;
        *cap = c;
        return 0;
    }
    return -VK_EIO;
}

/* Bring the device up from reset: features, configuration, the queue, vectors, DRIVER_OK. */
static int vblk_start(struct vblk *b)
{
    uint64_t want = 1ull << VBLK_F_SIZE_MAX | 1ull << VBLK_F_SEG_MAX | 1ull << VBLK_F_RO |
                    1ull << VBLK_F_BLK_SIZE | 1ull << VBLK_F_FLUSH | 1ull << VBLK_F_DISCARD |
                    1ull << VBLK_F_WRITE_ZEROES;
    int rc;
    if ((rc = vdrv_reset(&b->vd)) || (rc = vdrv_negotiate(&b->vd, want, NULL)))
        return rc;
    if (!b->vd.device.present || b->vd.device.len < VBLK_CFG_LEN) {
        ddk_log(b->vd.dev, "no device configuration of %u bytes", VBLK_CFG_LEN);
        return -VK_ENODEV;
    }
    uint64_t cap = UINT64_MAX;
    uint32_t bs = 512;
    if (b->vd.features & (1ull << VBLK_F_BLK_SIZE))
        bs = dev_cfg_read32(b, VBLK_CFG_BLK_SIZE);
    if (read_capacity(b, &cap) || bs < 512 || bs > 65536 || (bs & (bs - 1))) {
        ddk_log(b->vd.dev, "garbage in the configuration: capacity %llu, block size %u",
                (unsigned long long)cap, bs);
        return -VK_EIO;
    }
    b->capacity = cap;
    b->blk_size = bs;
    if (b->msix && (rc = vdrv_config_vector(&b->vd, VBLK_VEC_CONFIG)))
        return rc;
    if ((rc = vdrv_queue_setup(&b->vd, &b->q, 0, VBLK_QUEUE_WANT,
                               b->msix ? VBLK_VEC_QUEUE : VDRV_NO_VECTOR)))
        return rc;
    return vdrv_driver_ok(&b->vd);
}

static bool has(const struct vblk *b, unsigned bit)
{
    return b->vd.features & (1ull << bit);
}

/* A free slot: there is one whenever a message arrives (messages are held while all are busy). */
static struct vblk_req *free_slot(struct vblk *b)
{
    for (unsigned i = 0; i < VBLK_SLOTS; i++)
        if (!b->req[i].busy)
            return &b->req[i];
    return NULL;
}

static void finish(struct ddk_device *dev, struct vblk *b, struct vblk_req *r, long status)
{
    if (!r->busy)
        return;
    if (status < 0)
        b->failed++;
    else
        b->served++;
    if (status < 0)
        memset(r->msg.data, 0, sizeof r->msg.data);
    ddk_reply(dev, &r->msg, status);
    r->busy = false;
    b->nbusy--;
    if (b->nbusy == 0)
        ddk_set_deadline(dev, VK_DEADLINE_NEVER);
    ddk_hold_messages(dev, 0);
}

/* Something is wrong with the device: fail the request, reset, start again (or give up). */
static void recover(struct ddk_device *dev, struct vblk *b, const char *why)
{
    void *cookie;
    ddk_log(dev, "%s: the request fails with EIO, resetting the device", why);
    while (vdrv_vq_take_inflight(&b->q.vq, &cookie) == 1)
        ; /* their slots are failed below */
    for (unsigned i = 0; i < VBLK_SLOTS; i++)
        finish(dev, b, &b->req[i], -VK_EIO);
    vdrv_restarted(&b->vd, vblk_start(b));
}

static void complete_one(struct ddk_device *dev, struct vblk *b, struct vblk_req *r, uint32_t len)
{
    ddk_dma_sync(dev, &b->ctl, 0);
    if (b->corrupt == VBLK_CORRUPT_STATUS) {
        r->ctl[CTL_STATUS] = 0x7f;
        b->corrupt = VBLK_CORRUPT_NONE;
    }
    uint8_t status = ((volatile uint8_t *)r->ctl)[CTL_STATUS];
    if (status == VBLK_S_IOERR) {
        finish(dev, b, r, -VK_EIO);
        return;
    }
    if (status == VBLK_S_UNSUPP) {
        finish(dev, b, r, -VK_ENOTSUP);
        return;
    }
    uint32_t want = (r->type == VBLK_T_IN || r->type == VBLK_T_GET_ID) ? r->bytes + 1 : 1;
    if (status != VBLK_S_OK || len != want) {
        ddk_log(dev, "status %u, used length %u (want %u)", status, len, want);
        recover(dev, b, "garbage in a completion");
        return;
    }
    memset(r->msg.data, 0, sizeof r->msg.data);
    if (r->type == VBLK_T_IN) {
        ddk_dma_sync(dev, &b->data, 0);
        uint32_t skip = r->file ? r->skip : 0, n0 = r->file ? r->len : r->bytes;
        long n = ddk_msg_write(dev, &r->msg, 0, r->data + skip, n0);
        if (n < 0) {
            finish(dev, b, r, n);
            return;
        }
        r->msg.data[0] = (uint64_t)n;
        if (r->pos)
            r->pos->off += (uint64_t)n;
    } else if (r->type == VBLK_T_OUT && r->file) {
        r->msg.data[0] = r->len;
        if (r->pos)
            r->pos->off += r->len;
    } else if (r->type == VBLK_T_GET_ID) {
        ddk_dma_sync(dev, &b->data, 0);
        const char *id = (const char *)r->data;
        uint32_t n = 0;
        while (n < VBLK_ID_BYTES && id[n])
            n++;
        long w = ddk_msg_write(dev, &r->msg, 0, id, VBLK_ID_BYTES);
        if (w < 0) {
            finish(dev, b, r, w);
            return;
        }
        r->msg.data[0] = n;
    }
    finish(dev, b, r, 0);
}

/* Take every completion the device posted. */
static void complete(struct ddk_device *dev, struct vblk *b)
{
    for (;;) {
        void *cookie;
        uint32_t len;
        if (b->corrupt && b->corrupt < VBLK_CORRUPT_STATUS && b->nbusy) {
            /* test only: STATUS garbage goes on the completed request's slot, in complete_one */
            vdrv_test_corrupt_used(&b->q.vq, b->corrupt, VBLK_DATA_BYTES * 4);
            b->corrupt = VBLK_CORRUPT_NONE;
        }
        ddk_dma_sync(dev, &b->q.mem, 0);
        int got = vdrv_vq_get(&b->q.vq, &cookie, &len);
        if (got < 0) {
            recover(dev, b, b->q.vq.error ? b->q.vq.error : "used ring garbage");
            return;
        }
        if (got == 0)
            return; /* no more (or an interrupt without work) */
        struct vblk_req *r = cookie;
        if (!r->busy)
            continue; /* a completion nobody waits for (its request already failed) */
        complete_one(dev, b, r, len);
        if (b->q.vq.broken || !b->nbusy)
            return;
    }
}

/* A configuration interrupt without NEEDS_RESET: the device changed its configuration (a
 * resize). Requests are checked against the new capacity from now on; those in flight are the
 * device's to judge (beyond the new end: IOERR -> EIO). */
static void config_changed(struct ddk_device *dev, struct vblk *b)
{
    uint64_t cap;
    if (read_capacity(b, &cap)) {
        recover(dev, b, "garbage in the changed configuration");
        return;
    }
    if (cap != b->capacity)
        ddk_log(dev, "the capacity changed from %llu to %llu sectors",
                (unsigned long long)b->capacity, (unsigned long long)cap);
    b->capacity = cap;
}

static void vblk_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct vblk *b = ddk_priv(dev);
    bool queue = false, config = false;
    if (b->msix) {
        queue = vector == VBLK_VEC_QUEUE;
        config = vector == VBLK_VEC_CONFIG;
    } else {
        uint8_t isr = vdrv_isr(&b->vd);
        if (isr == 0xff)
            return;
        queue = isr & VDRV_ISR_QUEUE;
        config = isr & VDRV_ISR_CONFIG;
    }
    if (config) {
        uint8_t s = vdrv_status(&b->vd);
        if (s == 0xff || (s & VDRV_S_NEEDS_RESET)) {
            recover(dev, b, "the device needs a reset");
            return;
        }
        config_changed(dev, b);
    }
    if (queue)
        complete(dev, b);
}

static void vblk_deadline(struct ddk_device *dev)
{
    struct vblk *b = ddk_priv(dev);
    if (b->nbusy)
        recover(dev, b, "no interrupt from the device in time");
}

/* Publish one request (decoded already, its data in r's slot) and wait for its interrupt;
 * 0, or the request was answered already (refused by the ring, or the device was reset). */
static void submit(struct ddk_device *dev, struct vblk *b, struct vblk_req *r, struct ddk_msg *m,
                   uint32_t type, uint64_t sector, uint32_t bytes, bool seg)
{
    uint8_t *ctl = r->ctl;
    uint32_t hdr[2] = {type, 0};
    memcpy(ctl + CTL_HDR, hdr, sizeof hdr);
    memcpy(ctl + CTL_HDR + 8, &sector, 8);
    ctl[CTL_STATUS] = CTL_STATUS_POISON;
    struct vdrv_buf bufs[3];
    unsigned n = 0;
    bufs[n++] = (struct vdrv_buf){.iova = r->ctl_iova + CTL_HDR, .len = 16, .write = false};
    if (seg) /* the one discard/write-zeroes segment, written by the caller at CTL_SEG */
        bufs[n++] = (struct vdrv_buf){.iova = r->ctl_iova + CTL_SEG, .len = 16, .write = false};
    else if (bytes)
        bufs[n++] = (struct vdrv_buf){.iova = r->data_iova,
                                      .len = bytes,
                                      .write = type == VBLK_T_IN || type == VBLK_T_GET_ID};
    bufs[n++] = (struct vdrv_buf){.iova = r->ctl_iova + CTL_STATUS, .len = 1, .write = true};
    ddk_dma_sync(dev, &b->ctl, 1);
    if (bytes && !seg)
        ddk_dma_sync(dev, &b->data, 1);
    int rc = vdrv_vq_add(&b->q.vq, bufs, n, r);
    if (rc) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, rc == -VK_ENOSPC ? -VK_EIO : rc);
        b->failed++;
        return;
    }
    if (b->corrupt == VBLK_CORRUPT_DESC) {     /* test only: the status becomes device-readable */
        vdrv_test_flip_write(&b->q.vq, n - 1); /* the last: the status byte */
        b->corrupt = VBLK_CORRUPT_NONE;
    }
    r->msg = *m;
    r->type = type;
    r->bytes = seg ? 0 : bytes;
    r->file = false;
    r->pos = NULL;
    r->busy = true;
    if (++b->nbusy > b->max_busy)
        b->max_busy = b->nbusy;
    if (b->nbusy == VBLK_SLOTS)
        ddk_hold_messages(dev, 1);
    ddk_set_deadline(dev, ddk_now() + VBLK_TIMEOUT_NS);
    ddk_dma_sync(dev, &b->q.mem, 1);
    if (vdrv_notify(&b->vd, &b->q))
        recover(dev, b, "the notification was refused");
}

/* The range of a READ/WRITE/DISCARD/WRITE_ZEROES: 0, or the code to answer with. */
static long check_range(const struct vblk *b, const struct ddk_msg *m, uint64_t max)
{
    uint64_t sector = m->data[0], count = m->data[1];
    if (count == 0 || count > max)
        return -VK_EINVAL;
    if (m->data[2] & VBLK_RAW)
        return 0; /* test: the device judges the range */
    if (sector > b->capacity || count > b->capacity - sector)
        return -VK_EINVAL;
    return 0;
}

static void op_rw(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m, bool write)
{
    long rc = check_range(b, m, VBLK_MAX_SECTORS);
    uint64_t bytes = m->data[1] * VBLK_SECTOR;
    if (!rc && write && has(b, VBLK_F_RO) && !(m->data[2] & VBLK_RAW))
        rc = -VK_EROFS;
    if (!rc && (write ? m->send_len : m->recv_len) < bytes)
        rc = -VK_EINVAL;
    if (!rc && write) {
        long n = ddk_msg_read(dev, m, 0, free_slot(b)->data, bytes);
        rc = n < 0 ? n : (uint64_t)n != bytes ? -VK_EINVAL : 0;
    }
    if (rc) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, rc);
        b->failed++;
        return;
    }
    struct vblk_req *r = free_slot(b);
    submit(dev, b, r, m, write ? VBLK_T_OUT : VBLK_T_IN, m->data[0], (uint32_t)bytes, false);
    if (write && b->crash && r->busy) {
        /* test only: devmgr must reset the device and restart us; the client's write was
         * never acknowledged, and every one before it must be in the image */
        ddk_log(dev, "crashing with a write in flight (VBLK_OP_CRASH)");
        __builtin_trap();
    }
}

static void op_zero(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m, bool discard)
{
    long rc = check_range(b, m, UINT32_MAX);
    if (!rc && !has(b, discard ? VBLK_F_DISCARD : VBLK_F_WRITE_ZEROES))
        rc = -VK_ENOTSUP;
    if (!rc && has(b, VBLK_F_RO))
        rc = -VK_EROFS;
    if (rc) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, rc);
        b->failed++;
        return;
    }
    struct vblk_req *r = free_slot(b);
    uint8_t *seg = r->ctl + CTL_SEG;
    uint64_t sector = m->data[0];
    uint32_t num = (uint32_t)m->data[1], flags = 0;
    memcpy(seg, &sector, 8);
    memcpy(seg + 8, &num, 4);
    memcpy(seg + 12, &flags, 4);
    submit(dev, b, r, m, discard ? VBLK_T_DISCARD : VBLK_T_WRITE_ZEROES, 0, 16, true);
}

/* ---- the vfs file protocol: /dev/vda as a file of capacity * 512 bytes ---- */

static struct vblk_open *find_open(struct vblk *b, uint64_t badge, bool create)
{
    struct vblk_open *free_slot = NULL;
    for (unsigned i = 0; i < VBLK_MAX_OPENS; i++) {
        if (b->opens[i].used && b->opens[i].badge == badge)
            return &b->opens[i];
        if (!b->opens[i].used && !free_slot)
            free_slot = &b->opens[i];
    }
    if (!create || !free_slot)
        return NULL;
    *free_slot = (struct vblk_open){.badge = badge, .off = 0, .used = true};
    return free_slot;
}

static void reply_now(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m, long rc,
                      uint64_t d0)
{
    memset(m->data, 0, sizeof m->data);
    m->data[0] = d0;
    if (rc < 0)
        b->failed++;
    ddk_reply(dev, m, rc);
}

/* read/pread: any offset and length (the sectors that cover them are read, the slice copied
 * out); at most VBLK_MAX_SECTORS sectors per request (a short count), 0 at the end. */
static void file_read(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m, uint64_t off,
                      struct vblk_open *pos)
{
    uint64_t size = b->capacity * VBLK_SECTOR;
    uint64_t len = m->data[0] < m->recv_len ? m->data[0] : m->recv_len;
    if (off >= size || len == 0) {
        reply_now(dev, b, m, 0, 0);
        return;
    }
    uint64_t skip = off % VBLK_SECTOR;
    if (len > size - off)
        len = size - off;
    if (len > VBLK_MAX_SECTORS * VBLK_SECTOR - skip)
        len = VBLK_MAX_SECTORS * VBLK_SECTOR - skip;
    uint64_t first = off / VBLK_SECTOR, end = (off + len + VBLK_SECTOR - 1) / VBLK_SECTOR;
    struct vblk_req *r = free_slot(b);
    submit(dev, b, r, m, VBLK_T_IN, first, (uint32_t)((end - first) * VBLK_SECTOR), false);
    if (r->busy) {
        r->file = true;
        r->skip = (uint32_t)skip;
        r->len = (uint32_t)len;
        r->pos = pos;
    }
}

/* write/pwrite: whole sectors only (EINVAL otherwise: no read-modify-write), ENOSPC at the end,
 * at most VBLK_MAX_SECTORS per request (a short count). */
static void file_write(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m, uint64_t off,
                       struct vblk_open *pos)
{
    uint64_t size = b->capacity * VBLK_SECTOR, len = m->send_len;
    if (has(b, VBLK_F_RO)) {
        reply_now(dev, b, m, -VK_EROFS, 0);
        return;
    }
    if (len == 0) {
        reply_now(dev, b, m, 0, 0);
        return;
    }
    if (off % VBLK_SECTOR || len % VBLK_SECTOR) {
        reply_now(dev, b, m, -VK_EINVAL, 0);
        return;
    }
    if (off >= size) {
        reply_now(dev, b, m, -VK_ENOSPC, 0);
        return;
    }
    if (len > size - off)
        len = size - off;
    if (len > VBLK_MAX_SECTORS * VBLK_SECTOR)
        len = VBLK_MAX_SECTORS * VBLK_SECTOR;
    struct vblk_req *r = free_slot(b);
    long n = ddk_msg_read(dev, m, 0, r->data, len);
    if (n < 0 || (uint64_t)n != len) {
        reply_now(dev, b, m, n < 0 ? n : -VK_EINVAL, 0);
        return;
    }
    submit(dev, b, r, m, VBLK_T_OUT, off / VBLK_SECTOR, (uint32_t)len, false);
    if (r->busy) {
        r->file = true;
        r->len = (uint32_t)len;
        r->pos = pos;
    }
}

static void file_lseek(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m,
                       struct vblk_open *pos)
{
    int64_t delta = (int64_t)m->data[0];
    uint64_t base;
    switch (m->data[1]) {
    case 0: /* SEEK_SET */
        base = 0;
        break;
    case 1: /* SEEK_CUR */
        base = pos->off;
        break;
    case 2: /* SEEK_END */
        base = b->capacity * VBLK_SECTOR;
        break;
    default:
        reply_now(dev, b, m, -VK_EINVAL, 0);
        return;
    }
    if ((delta < 0 && (uint64_t) - (delta + 1) >= base) ||
        (delta > 0 && (uint64_t)delta > INT64_MAX - base)) {
        reply_now(dev, b, m, -VK_EINVAL, 0);
        return;
    }
    pos->off = base + (uint64_t)delta;
    reply_now(dev, b, m, 0, pos->off);
}

/* 1 when m was a file operation (answered or started), 0 when it is not one. */
static int file_message(struct ddk_device *dev, struct vblk *b, struct ddk_msg *m)
{
    bool positioned =
        m->opcode == VFS_OP_READ || m->opcode == VFS_OP_WRITE || m->opcode == VFS_OP_LSEEK;
    if (!positioned && m->opcode != VFS_OP_PREAD && m->opcode != VFS_OP_PWRITE)
        return 0;
    struct vblk_open *pos = positioned ? find_open(b, m->badge, true) : NULL;
    if (positioned && !pos) {
        reply_now(dev, b, m, -VK_EMFILE, 0);
        return 1;
    }
    switch (m->opcode) {
    case VFS_OP_READ:
        file_read(dev, b, m, pos->off, pos);
        break;
    case VFS_OP_PREAD:
        file_read(dev, b, m, m->data[1], NULL);
        break;
    case VFS_OP_WRITE:
        file_write(dev, b, m, pos->off, pos);
        break;
    case VFS_OP_PWRITE:
        file_write(dev, b, m, m->data[1], NULL);
        break;
    default:
        file_lseek(dev, b, m, pos);
        break;
    }
    return 1;
}

static void vblk_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct vblk *b = ddk_priv(dev);
    if (m->kind == DDK_MSG_CLOSED) {
        struct vblk_open *o = find_open(b, m->badge, false);
        if (o)
            o->used = false;
        return;
    }
    if (m->kind != DDK_MSG_CALL)
        return;
    if (!free_slot(b)) { /* cannot happen: messages are held while every slot is busy */
        reply_now(dev, b, m, -VK_EBUSY, 0);
        return;
    }
    if (file_message(dev, b, m))
        return;
    switch (m->opcode) {
    case VBLK_OP_INFO:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = b->capacity;
        m->data[1] = b->blk_size;
        m->data[2] = (has(b, VBLK_F_RO) ? VBLK_INFO_RO : 0) |
                     (has(b, VBLK_F_FLUSH) ? VBLK_INFO_FLUSH : 0) |
                     (has(b, VBLK_F_DISCARD) ? VBLK_INFO_DISCARD : 0) |
                     (has(b, VBLK_F_WRITE_ZEROES) ? VBLK_INFO_WRITE_ZEROES : 0);
        m->data[3] = b->served;
        m->data[4] = b->vd.resets;
        m->data[5] = b->failed;
        ddk_reply(dev, m, 0);
        return;
    case VBLK_OP_READ:
    case VBLK_OP_WRITE:
        op_rw(dev, b, m, m->opcode == VBLK_OP_WRITE);
        return;
    case VBLK_OP_FLUSH:
        if (!has(b, VBLK_F_FLUSH)) { /* no write cache: nothing to flush */
            memset(m->data, 0, sizeof m->data);
            ddk_reply(dev, m, 0);
            return;
        }
        submit(dev, b, free_slot(b), m, VBLK_T_FLUSH, 0, 0, false);
        return;
    case VBLK_OP_DISCARD:
    case VBLK_OP_WRITE_ZEROES:
        op_zero(dev, b, m, m->opcode == VBLK_OP_DISCARD);
        return;
    case VBLK_OP_GET_ID:
        if (m->recv_len < VBLK_ID_BYTES) {
            memset(m->data, 0, sizeof m->data);
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        submit(dev, b, free_slot(b), m, VBLK_T_GET_ID, 0, VBLK_ID_BYTES, false);
        return;
    case VBLK_OP_STATS:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = b->max_busy;
        m->data[1] = ddk_irq_count(dev);
        ddk_reply(dev, m, 0);
        return;
    case VBLK_OP_CRASH:
        b->crash = true;
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    case VBLK_OP_MISBEHAVE: /* test only: the device's own test hooks */
        memset(m->data + 1, 0, sizeof m->data - sizeof m->data[0]);
        if (vdrv_test_misbehave(&b->vd, m->data[0])) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        m->data[0] = 0;
        ddk_reply(dev, m, 0);
        return;
    case VBLK_OP_CORRUPT:
        memset(m->data + 1, 0, sizeof m->data - sizeof m->data[0]);
        if (m->data[0] > VBLK_CORRUPT_DESC) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        b->corrupt = (uint32_t)m->data[0];
        m->data[0] = 0;
        ddk_reply(dev, m, 0);
        return;
    default:
        ddk_reply(dev, m, -VK_ENOSYS);
        return;
    }
}

static int vblk_init(struct ddk_device *dev)
{
    struct vblk *b = calloc(1, sizeof *b); /* lives as long as the driver */
    int rc;
    if (!b)
        return -VK_ENOMEM;
    ddk_set_priv(dev, b);
    if ((rc = vdrv_probe(&b->vd, dev)))
        return rc;
    if ((rc = ddk_dma_alloc(dev, 4096, VK_DMA_READ | VK_DMA_WRITE, &b->ctl)) ||
        (rc = ddk_dma_alloc(dev, VBLK_SLOTS * VBLK_DATA_BYTES, VK_DMA_READ | VK_DMA_WRITE,
                            &b->data)))
        return rc;
    for (unsigned i = 0; i < VBLK_SLOTS; i++) {
        struct vblk_req *r = &b->req[i];
        r->ctl = (uint8_t *)b->ctl.va + i * CTL_SLOT;
        r->ctl_iova = b->ctl.iova + i * CTL_SLOT;
        r->data = (uint8_t *)b->data.va + i * VBLK_DATA_BYTES;
        r->data_iova = b->data.iova + i * VBLK_DATA_BYTES;
    }
    if ((rc = vdrv_irq_setup(&b->vd, 2, &b->msix)))
        return rc;
    return vdrv_started(&b->vd, vblk_start(b));
}

static const struct ddk_driver_ops vblk_ops = {
    .name = "virtio-blk",
    .init = vblk_init,
    .handle_interrupt = vblk_interrupt,
    .handle_message = vblk_message,
    .handle_deadline = vblk_deadline,
};

int main(int argc, char **argv)
{
    return ddk_main(&vblk_ops, argc, argv);
}
