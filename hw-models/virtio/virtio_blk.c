/*
 * hw-models/virtio: virtio-blk (the contract is in virtio_blk.h). The transport pops each
 * request and calls blk_request: it decodes the header, validates the whole request (framing,
 * type, features, ranges, read-only) before touching the backend, moves the data in
 * VIRTIO_BLK_CHUNK pieces, then writes the status byte last.
 */
#include "virtio_blk.h"

#include <string.h>

#include "veridian/errors.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le(uint8_t *p, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool negotiated(const struct virtio_blk *b, unsigned bit)
{
    return (b->vp.driver_features & VIRTIO_FEATURE(bit)) != 0;
}

/* [sector, sector + nsect) inside the disk, without overflow. */
static bool range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t nsect)
{
    return sector <= b->capacity && nsect <= b->capacity - sector;
}

static size_t chunk_len(uint64_t left)
{
    return left < VIRTIO_BLK_CHUNK ? (size_t)left : VIRTIO_BLK_CHUNK;
}

static int be_write(struct virtio_blk *b, uint64_t off, const void *buf, size_t len)
{
    if (b->be->readonly) {
        b->ro_writes++; /* never reached: every writer checks first (virtio_blk_check) */
        return -VK_EROFS;
    }
    int rc = b->be->write(b->be_ctx, off, buf, len);
    if (rc == 0)
        b->bytes_written += len;
    return rc;
}

/* IN: data_in bytes from sector into the chain's writable part; *done counts them. */
static uint8_t blk_in(struct virtio_blk *b, const struct virtq_elem *e, uint64_t sector,
                      uint64_t data_in, uint64_t *done)
{
    for (uint64_t off = 0; off < data_in; off += VIRTIO_BLK_CHUNK) {
        size_t n = chunk_len(data_in - off);
        if (b->be->read(b->be_ctx, sector * VIRTIO_BLK_SECTOR + off, b->bounce, n) < 0)
            return VIRTIO_BLK_S_IOERR;
        if (virtq_write(&b->vp.pci, e, off, b->bounce, n) < 0)
            return VIRTIO_BLK_S_IOERR;
        b->bytes_read += n;
        *done = off + n;
    }
    return VIRTIO_BLK_S_OK;
}

/* OUT: data_out bytes after the header to sector. */
static uint8_t blk_out(struct virtio_blk *b, const struct virtq_elem *e, uint64_t sector,
                       uint64_t data_out)
{
    for (uint64_t off = 0; off < data_out; off += VIRTIO_BLK_CHUNK) {
        size_t n = chunk_len(data_out - off);
        if (virtq_read(&b->vp.pci, e, VIRTIO_BLK_HDR_SIZE + off, b->bounce, n) < 0)
            return VIRTIO_BLK_S_IOERR;
        if (be_write(b, sector * VIRTIO_BLK_SECTOR + off, b->bounce, n) < 0)
            return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

static uint8_t blk_get_id(struct virtio_blk *b, const struct virtq_elem *e, uint64_t data_in,
                          uint64_t *done)
{
    size_t n = data_in < VIRTIO_BLK_ID_BYTES ? (size_t)data_in : VIRTIO_BLK_ID_BYTES;
    if (n && virtq_write(&b->vp.pci, e, 0, b->serial, n) < 0)
        return VIRTIO_BLK_S_IOERR;
    *done = n;
    return VIRTIO_BLK_S_OK;
}

static int zero_range(struct virtio_blk *b, uint64_t off, uint64_t len)
{
    if (b->be->write_zeroes) {
        int rc = b->be->write_zeroes(b->be_ctx, off, len);
        if (rc == 0)
            b->bytes_written += len;
        return rc;
    }
    memset(b->bounce, 0, sizeof(b->bounce));
    for (uint64_t done = 0; done < len; done += VIRTIO_BLK_CHUNK) {
        int rc = be_write(b, off + done, b->bounce, chunk_len(len - done));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* DISCARD and WRITE_ZEROES: decode and check every segment, then apply them in order. */
static uint8_t blk_discard_wz(struct virtio_blk *b, const struct virtq_elem *e, uint32_t type,
                              uint64_t data_in, uint64_t data_out)
{
    bool wz = type == VIRTIO_BLK_T_WRITE_ZEROES;
    uint8_t raw[VIRTIO_BLK_MAX_SEGS * VIRTIO_BLK_SEG_SIZE];
    uint32_t allowed_flags = wz ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
    uint64_t align = b->blk_size / VIRTIO_BLK_SECTOR;

    if (!negotiated(b, wz ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD))
        return VIRTIO_BLK_S_UNSUPP;
    if (data_in || !data_out || data_out % VIRTIO_BLK_SEG_SIZE)
        return VIRTIO_BLK_S_IOERR;
    if (data_out / VIRTIO_BLK_SEG_SIZE > VIRTIO_BLK_MAX_SEGS)
        return VIRTIO_BLK_S_UNSUPP;
    unsigned nseg = (unsigned)(data_out / VIRTIO_BLK_SEG_SIZE);
    if (virtq_read(&b->vp.pci, e, VIRTIO_BLK_HDR_SIZE, raw, (size_t)data_out) < 0)
        return VIRTIO_BLK_S_IOERR;
    for (unsigned i = 0; i < nseg; i++) {
        if (le32(raw + i * VIRTIO_BLK_SEG_SIZE + 12) & ~allowed_flags)
            return VIRTIO_BLK_S_UNSUPP;
    }
    if (b->be->readonly)
        return VIRTIO_BLK_S_IOERR;
    for (unsigned i = 0; i < nseg; i++) {
        const uint8_t *s = raw + i * VIRTIO_BLK_SEG_SIZE;
        uint64_t sector = le64(s);
        uint32_t n = le32(s + 8);
        if (n > VIRTIO_BLK_MAX_DZ_SECTORS || !range_ok(b, sector, n))
            return VIRTIO_BLK_S_IOERR;
        if (!wz && sector % align)
            return VIRTIO_BLK_S_IOERR;
    }
    for (unsigned i = 0; i < nseg; i++) {
        const uint8_t *s = raw + i * VIRTIO_BLK_SEG_SIZE;
        uint64_t off = le64(s) * VIRTIO_BLK_SECTOR;
        uint64_t len = (uint64_t)le32(s + 8) * VIRTIO_BLK_SECTOR;
        int rc = wz ? zero_range(b, off, len) : b->be->discard(b->be_ctx, off, len);
        if (rc < 0)
            return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

/* Everything but the status byte: the status, *done = bytes written from the writable part's
 * start without a gap. */
static uint8_t blk_serve(struct virtio_blk *b, const struct virtq_elem *e, uint64_t *done)
{
    uint8_t hdr[VIRTIO_BLK_HDR_SIZE];
    uint64_t data_in = e->in_len - 1;
    if (e->out_len < VIRTIO_BLK_HDR_SIZE)
        return VIRTIO_BLK_S_IOERR;
    if (virtq_read(&b->vp.pci, e, 0, hdr, sizeof(hdr)) < 0)
        return VIRTIO_BLK_S_IOERR;
    uint32_t type = le32(hdr);
    uint64_t sector = le64(hdr + 8);
    uint64_t data_out = e->out_len - VIRTIO_BLK_HDR_SIZE;

    switch (type) {
    case VIRTIO_BLK_T_IN:
        if (data_out || data_in % VIRTIO_BLK_SECTOR ||
            !range_ok(b, sector, data_in / VIRTIO_BLK_SECTOR))
            return VIRTIO_BLK_S_IOERR;
        return blk_in(b, e, sector, data_in, done);
    case VIRTIO_BLK_T_OUT:
        if (data_in || data_out % VIRTIO_BLK_SECTOR || b->be->readonly ||
            !range_ok(b, sector, data_out / VIRTIO_BLK_SECTOR))
            return VIRTIO_BLK_S_IOERR;
        return blk_out(b, e, sector, data_out);
    case VIRTIO_BLK_T_FLUSH:
        if (data_in || data_out)
            return VIRTIO_BLK_S_IOERR;
        if (b->be->flush && b->be->flush(b->be_ctx) < 0)
            return VIRTIO_BLK_S_IOERR;
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_GET_ID:
        if (data_out)
            return VIRTIO_BLK_S_IOERR;
        return blk_get_id(b, e, data_in, done);
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        return blk_discard_wz(b, e, type, data_in, data_out);
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static int blk_request(struct virtio_pci *vp, unsigned q, const struct virtq_elem *e,
                       uint32_t *written, const char **why)
{
    struct virtio_blk *b = vp->opaque;
    uint64_t done = 0;
    (void)q;
    b->handled++;
    if (!e->in_len) {
        b->refused++;
        *why = "virtio-blk: request without a device-writable status byte";
        return -VK_EIO;
    }
    /* Reserve the output before acting: a request whose status byte the host refuses is
     * refused before the backend sees it (IOERR stays there should anything fail later). */
    uint64_t status_off = e->in_len - 1;
    uint8_t st = VIRTIO_BLK_S_IOERR;
    if (virtq_write(&vp->pci, e, status_off, &st, 1) < 0) {
        b->refused++;
        *why = "virtio-blk: status byte not writable by the device (DMA refused)";
        return -VK_EIO;
    }
    st = blk_serve(b, e, &done);
    /* written again even for IOERR: a data buffer may alias the status byte */
    if (virtq_write(&vp->pci, e, status_off, &st, 1) < 0) {
        b->refused++; /* the IOMMU changed under us: the outcome cannot be reported */
        *why = "virtio-blk: status byte not writable by the device (DMA refused)";
        return -VK_EIO;
    }
    b->status_count[st]++;
    *written = (uint32_t)(done == status_off ? e->in_len : done);
    return 0;
}

static uint64_t blk_config_read(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    const struct virtio_blk *b = vp->opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)b->config[off + i] << (8 * i);
    return v;
}

/* Test hooks (VIRTIO_MISBEHAVE_CONFIG): the disk shrinks to half its capacity, as a resize
 * by the host would; requests are judged against the new capacity from now on. */
static void blk_misbehave_config(struct virtio_pci *vp)
{
    struct virtio_blk *b = vp->opaque;
    b->capacity /= 2;
    b->capacity_changes++;
    put_le(b->config + VIRTIO_BLK_CFG_CAPACITY, b->capacity, 8);
}

static void blk_reset(struct virtio_pci *vp)
{
    (void)vp; /* requests complete synchronously: nothing is in flight across a reset */
}

static void blk_build_config(struct virtio_blk *b, uint32_t seg_max)
{
    uint8_t *c = b->config;
    uint64_t align = b->blk_size / VIRTIO_BLK_SECTOR;
    put_le(c + VIRTIO_BLK_CFG_CAPACITY, b->capacity, 8);
    put_le(c + VIRTIO_BLK_CFG_SIZE_MAX, VIRTIO_BLK_SIZE_MAX, 4);
    put_le(c + VIRTIO_BLK_CFG_SEG_MAX, seg_max, 4);
    put_le(c + VIRTIO_BLK_CFG_BLK_SIZE, b->blk_size, 4);
    put_le(c + VIRTIO_BLK_CFG_NUM_QUEUES, 1, 2);
    if (b->ops.features & VIRTIO_FEATURE(VIRTIO_BLK_F_DISCARD)) {
        put_le(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DZ_SECTORS, 4);
        put_le(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_SEGS, 4);
        put_le(c + VIRTIO_BLK_CFG_DISCARD_ALIGN, align, 4);
    }
    if (b->ops.features & VIRTIO_FEATURE(VIRTIO_BLK_F_WRITE_ZEROES)) {
        put_le(c + VIRTIO_BLK_CFG_MAX_WZ_SECTORS, VIRTIO_BLK_MAX_DZ_SECTORS, 4);
        put_le(c + VIRTIO_BLK_CFG_MAX_WZ_SEG, VIRTIO_BLK_MAX_SEGS, 4);
        c[VIRTIO_BLK_CFG_WZ_MAY_UNMAP] = 0;
    }
}

int virtio_blk_init(struct virtio_blk *b, const struct virtio_blk_config_desc *desc,
                    const struct virtio_blk_backend_ops *be, void *ctx)
{
    struct virtio_blk_config_desc d;
    int rc;
    if (desc)
        d = *desc;
    else
        memset(&d, 0, sizeof(d));
    if (!d.blk_size)
        d.blk_size = VIRTIO_BLK_SECTOR;
    if (!d.latency_ns)
        d.latency_ns = VIRTIO_BLK_DEFAULT_LATENCY_NS;
    if (!d.queue_size)
        d.queue_size = VIRTIO_BLK_DEFAULT_QUEUE_SIZE;
    if (!be || !be->read || !be->write || be->size % VIRTIO_BLK_SECTOR ||
        (d.blk_size != 512 && d.blk_size != 4096) || d.queue_size > VIRTQ_MAX_SIZE ||
        (d.queue_size & (d.queue_size - 1)))
        return -VK_EINVAL;

    memset(b, 0, sizeof(*b));
    b->be = be;
    b->be_ctx = ctx;
    b->capacity = be->size / VIRTIO_BLK_SECTOR;
    b->blk_size = d.blk_size;
    memcpy(b->serial, d.serial, sizeof(b->serial));

    uint32_t seg_max = d.queue_size > 2 ? d.queue_size - 2u : 1u;
    uint64_t f = VIRTIO_FEATURE(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_FEATURE(VIRTIO_BLK_F_SEG_MAX) |
                 VIRTIO_FEATURE(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH);
    if (be->readonly)
        f |= VIRTIO_FEATURE(VIRTIO_BLK_F_RO);
    if (be->discard && !d.no_discard)
        f |= VIRTIO_FEATURE(VIRTIO_BLK_F_DISCARD);
    if (!d.no_write_zeroes)
        f |= VIRTIO_FEATURE(VIRTIO_BLK_F_WRITE_ZEROES);
    b->ops = (struct virtio_device_ops){
        .device_id = VIRTIO_ID_BLOCK,
        .class_code = VIRTIO_BLK_CLASS,
        .features = f,
        .num_queues = 1,
        .queue_max = d.queue_size,
        /* header, status and discard segments ride in the slack */
        .max_chain_bytes = (uint64_t)seg_max * VIRTIO_BLK_SIZE_MAX + VIRTIO_BLK_CHUNK,
        .config_len = VIRTIO_BLK_CFG_LEN,
        .reset = blk_reset,
        .config_read = blk_config_read,
        .request = blk_request,
        .misbehave_config = blk_misbehave_config,
    };
    blk_build_config(b, seg_max);
    if ((rc = virtio_pci_init(&b->vp, &b->ops, b)) < 0)
        return rc;
    b->vp.latency = d.latency_ns;
    return 0;
}

void virtio_blk_advance(struct virtio_blk *b, uint64_t now)
{
    virtio_pci_advance(&b->vp, now);
}

uint64_t virtio_blk_next_event(const struct virtio_blk *b)
{
    return virtio_pci_next_event(&b->vp);
}

int virtio_blk_check(const struct virtio_blk *b)
{
    uint64_t completed = 0;
    for (unsigned i = 0; i < 3; i++)
        completed += b->status_count[i];
    if (b->capacity * VIRTIO_BLK_SECTOR != b->be->size &&
        !(b->capacity_changes && b->capacity * VIRTIO_BLK_SECTOR < b->be->size))
        return -VK_EINVAL;
    if (!!(b->vp.device_features & VIRTIO_FEATURE(VIRTIO_BLK_F_RO)) != !!b->be->readonly)
        return -VK_EINVAL;
    if (completed + b->refused != b->handled || b->vp.requests > completed ||
        b->refused > b->vp.violations)
        return -VK_EINVAL;
    if (b->ro_writes || (b->be->readonly && b->bytes_written))
        return -VK_EINVAL;
    return virtio_pci_check(&b->vp);
}
