/*
 * drivers/virtio-console: the driver of a virtio console (virtio 1.1, 5.3; 1af4:1043), one
 * port, serving /dev/hvc0: a second console beside the platform's. Written against ddk.h and
 * the virtio driver library (drivers/virtio) only, so the same binary drives vrsim's model
 * (hw-models/virtio/virtio_console) and QEMU's virtconsole.
 *
 * Protocol (veridian/devices.h, the vfs file protocol spoken directly with each client):
 *   VFS_OP_WRITE  up to HVC_CHUNK bytes of the send buffer go to the transmitq as one chain;
 *                 the reply (data[0] = count) comes when the device has taken them
 *   VFS_OP_READ   the bytes received so far, at most the length asked (data[0] = count); with
 *                 none the read waits (up to HVC_READERS of them, answered in arrival order)
 *                 until input arrives; a read of 0 answers 0 at once
 *   HVC_OP_INFO   the terminal size (VIRTIO_CONSOLE_F_SIZE) and the driver's counters
 *   HVC_OP_CORRUPT  test only: garbage in the transmitq's used ring before the next completion,
 *                 or (HWRNG_CORRUPT_DESC) the next write's buffer made device-writable: the
 *                 device refuses it (DEVICE_NEEDS_RESET and a configuration interrupt)
 *   HVC_OP_MISBEHAVE  test only: data[0] = VDEV_MISBEHAVE_*: arms the device's own malicious
 *                 behaviour (the model's test hooks; elsewhere a guest error, nothing happens)
 *   anything else -> ENOSYS
 *
 * Receive: HVC_RX_BUFS buffers of HVC_RX_BUF bytes (one DMA page the device writes) are kept
 * posted in the receiveq; each completion's bytes go to the driver's input ring, in order, and
 * the buffer is posted again only while the ring has room for every posted buffer to complete
 * full: a client that does not read stops the device (its input waits in the device and the
 * host), input is never dropped by the driver.
 * Transmit: one write in flight (one chain, one DMA buffer the device reads); while it runs,
 * further messages are held (they queue in the kernel) and a deadline bounds the wait: a lost
 * interrupt fails the write with EIO.
 *
 * Interrupts: MSI-X with three vectors (0: configuration change, 1: receiveq, 2: transmitq),
 * else (or with --intx, drivers.toml `args`) INTx: vector 0, the ISR byte says which.
 * Recovery: garbage in either used ring (vdrv_vq_get -> -VK_EIO), DEVICE_NEEDS_RESET, or a lost
 * interrupt fail the write in flight with EIO, then the driver resets the device and brings it
 * up again (the bytes already in the input ring, and those the receiveq completed validly before
 * the reset, stay readable); if that fails the driver exits and devmgr resets the device and
 * restarts it. Input lost to garbage in the receiveq is never skipped silently: the reads
 * waiting then fail with EIO, or, when none waits, the read that reaches the gap in the input
 * ring does (once); the reads around it are unaffected, and so are reads across any other reset.
 * Never: trust a length or index from the device (the library checks them, and a receive
 * length is bounded by the buffer); assert().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk.h"
#include "vdrv.h"
#include "veridian/devices.h"
#include "veridian/vfs_proto.h"

_Static_assert(HWRNG_CORRUPT_ID == VDRV_GARBAGE_ID && HWRNG_CORRUPT_LEN == VDRV_GARBAGE_LEN &&
                   HWRNG_CORRUPT_IDX == VDRV_GARBAGE_IDX,
               "HVC_OP_CORRUPT's kinds are the library's");

#define HVC_F_SIZE (1ull << 0) /* VIRTIO_CONSOLE_F_SIZE */
#define HVC_RXQ 0u
#define HVC_TXQ 1u
#define HVC_QUEUE_WANT 16u
#define HVC_RX_BUFS 8u
#define HVC_RX_BUF 512u
#define HVC_IN_SIZE 16384u /* the driver's input ring */
#define HVC_READERS 8u
#define HVC_TIMEOUT_NS 100000000ull /* 100 ms for the device to take a write */
#define HVC_VEC_CONFIG 0u
#define HVC_VEC_RX 1u
#define HVC_VEC_TX 2u

struct hvc {
    struct vdrv_dev vd;
    struct vdrv_queue rxq, txq;
    struct ddk_dma_buf rxbuf, txbuf;
    bool msix;
    uint16_t cols, rows;
    bool posted[HVC_RX_BUFS];
    unsigned nposted;
    uint8_t in[HVC_IN_SIZE];
    uint32_t in_head, in_len;
    bool gap;        /* input was lost (garbage in the receiveq) after gap_at bytes of in[] */
    uint32_t gap_at; /* ... the read that reaches it fails with EIO, once */
    struct ddk_msg readers[HVC_READERS];
    unsigned nreaders;
    bool tx_busy;
    struct ddk_msg tx_cur;
    uint32_t tx_len;
    uint32_t corrupt;
    uint64_t failed, rx_bytes, tx_bytes;
};

static void read_size(struct hvc *h, uint64_t features)
{
    h->cols = h->rows = 0;
    if (!(features & HVC_F_SIZE) || !h->vd.device.present || h->vd.device.len < 4)
        return;
    uint16_t c = ddk_mmio_read16(h->vd.dev, h->vd.device.bar, h->vd.device.off);
    uint16_t r = ddk_mmio_read16(h->vd.dev, h->vd.device.bar, h->vd.device.off + 2);
    if (c == 0xffff && r == 0xffff)
        return; /* the reads were refused */
    h->cols = c;
    h->rows = r;
}

/* Keep receive buffers posted while the input ring could take all of them full. */
static int post_rx(struct ddk_device *dev, struct hvc *h)
{
    unsigned added = 0;
    for (unsigned i = 0; i < HVC_RX_BUFS; i++) {
        if (h->posted[i])
            continue;
        if (h->in_len + (h->nposted + 1u) * HVC_RX_BUF > HVC_IN_SIZE)
            break;
        struct vdrv_buf b = {
            .iova = h->rxbuf.iova + i * HVC_RX_BUF, .len = HVC_RX_BUF, .write = true};
        int rc = vdrv_vq_add(&h->rxq.vq, &b, 1, &h->posted[i]);
        if (rc)
            return rc;
        h->posted[i] = true;
        h->nposted++;
        added++;
    }
    if (!added)
        return 0;
    ddk_dma_sync(dev, &h->rxq.mem, 1);
    return vdrv_notify(&h->vd, &h->rxq);
}

/* Bring the device up from reset: features, both queues, vectors, DRIVER_OK, receive buffers. */
static int hvc_start(struct ddk_device *dev, struct hvc *h)
{
    uint64_t got = 0;
    int rc;
    if ((rc = vdrv_reset(&h->vd)) || (rc = vdrv_negotiate(&h->vd, HVC_F_SIZE, &got)))
        return rc;
    if (h->msix && (rc = vdrv_config_vector(&h->vd, HVC_VEC_CONFIG)))
        return rc;
    if ((rc = vdrv_queue_setup(&h->vd, &h->rxq, HVC_RXQ, HVC_QUEUE_WANT,
                               h->msix ? HVC_VEC_RX : VDRV_NO_VECTOR)) ||
        (rc = vdrv_queue_setup(&h->vd, &h->txq, HVC_TXQ, HVC_QUEUE_WANT,
                               h->msix ? HVC_VEC_TX : VDRV_NO_VECTOR)))
        return rc;
    if ((rc = vdrv_driver_ok(&h->vd)))
        return rc;
    read_size(h, got);
    return post_rx(dev, h);
}

static void tx_finish(struct ddk_device *dev, struct hvc *h, long status)
{
    if (!h->tx_busy)
        return;
    if (status < 0) {
        h->failed++;
    } else {
        h->tx_bytes += h->tx_len;
        memset(h->tx_cur.data, 0, sizeof h->tx_cur.data);
        h->tx_cur.data[0] = h->tx_len;
    }
    ddk_reply(dev, &h->tx_cur, status);
    h->tx_busy = false;
    ddk_set_deadline(dev, VK_DEADLINE_NEVER);
    ddk_hold_messages(dev, 0);
}

/* Move the receiveq's completed buffers into the input ring, in order: 0, or -1 when the
 * device answered with garbage (those bytes, and whatever it completed after them, are lost). */
static int rx_take(struct ddk_device *dev, struct hvc *h)
{
    void *cookie;
    uint32_t len;
    int got;
    ddk_dma_sync(dev, &h->rxq.mem, 0);
    while ((got = vdrv_vq_get(&h->rxq.vq, &cookie, &len)) == 1) {
        unsigned i = (unsigned)((bool *)cookie - h->posted);
        if (i >= HVC_RX_BUFS || !h->posted[i] || len > HVC_RX_BUF) /* cannot be: our cookie */
            return -1;
        h->posted[i] = false;
        h->nposted--;
        ddk_dma_sync(dev, &h->rxbuf, 0);
        const uint8_t *src = (const uint8_t *)h->rxbuf.va + i * HVC_RX_BUF;
        for (uint32_t k = 0; k < len; k++) /* room: posting kept it */
            h->in[(h->in_head + h->in_len + k) % HVC_IN_SIZE] = src[k];
        h->in_len += len;
        h->rx_bytes += len;
    }
    return got < 0 ? -1 : 0;
}

/* Answer waiting reads from the input ring, oldest first; the read that reaches a gap (input
 * lost) fails with EIO instead, and the bytes after the gap go to the next reads. */
static void answer_readers(struct ddk_device *dev, struct hvc *h)
{
    while (h->nreaders && (h->in_len || (h->gap && h->gap_at == 0))) {
        struct ddk_msg *m = &h->readers[0];
        if (h->gap && h->gap_at == 0) {
            h->gap = false;
            h->failed++;
            ddk_reply(dev, m, -VK_EIO);
            memmove(&h->readers[0], &h->readers[1], --h->nreaders * sizeof h->readers[0]);
            continue;
        }
        uint32_t avail = h->gap ? h->gap_at : h->in_len;
        uint64_t want = m->data[0] < m->recv_len ? m->data[0] : m->recv_len;
        uint32_t n = want < avail ? (uint32_t)want : avail;
        uint32_t first = HVC_IN_SIZE - h->in_head < n ? HVC_IN_SIZE - h->in_head : n;
        long rc = ddk_msg_write(dev, m, 0, h->in + h->in_head, first);
        if (rc >= 0 && n > first)
            rc = ddk_msg_write(dev, m, first, h->in, n - first);
        if (rc < 0) {
            ddk_reply(dev, m, rc); /* the client's buffer: its problem, the input stays */
        } else {
            h->in_head = (h->in_head + n) % HVC_IN_SIZE;
            h->in_len -= n;
            if (h->gap)
                h->gap_at -= n;
            memset(m->data, 0, sizeof m->data);
            m->data[0] = n;
            ddk_reply(dev, m, 0);
        }
        memmove(&h->readers[0], &h->readers[1], --h->nreaders * sizeof h->readers[0]);
    }
}

/* Something is wrong with the device: fail the write in flight, keep the input it completed,
 * reset, start again (or exit). Reads wait on: the ones waiting fail with EIO only when input
 * was lost (rx_lost: garbage in the receiveq), else the first read to reach the loss does. */
static void recover(struct ddk_device *dev, struct hvc *h, const char *why, bool rx_lost)
{
    void *cookie;
    ddk_log(dev, "%s: failing the waiting operations with EIO, resetting the device", why);
    tx_finish(dev, h, -VK_EIO);
    if (!rx_lost && rx_take(dev, h) < 0)
        rx_lost = true;
    answer_readers(dev, h);
    if (rx_lost && h->nreaders) { /* in[] is empty: the loss is here, these reads report it */
        for (unsigned i = 0; i < h->nreaders; i++) {
            h->failed++;
            ddk_reply(dev, &h->readers[i], -VK_EIO);
        }
        h->nreaders = 0;
    } else if (rx_lost && !h->gap) { /* (with a gap pending, its EIO reports this loss too) */
        h->gap = true;
        h->gap_at = h->in_len;
    }
    while (vdrv_vq_take_inflight(&h->rxq.vq, &cookie) == 1)
        ;
    while (vdrv_vq_take_inflight(&h->txq.vq, &cookie) == 1)
        ;
    memset(h->posted, 0, sizeof h->posted);
    h->nposted = 0;
    vdrv_restarted(&h->vd, hvc_start(dev, h));
}

/* Answer waiting reads from the input ring, then repost receive buffers. */
static void serve_readers(struct ddk_device *dev, struct hvc *h)
{
    answer_readers(dev, h);
    if (post_rx(dev, h))
        recover(dev, h, "the receive buffers could not be posted", false);
}

static void rx_complete(struct ddk_device *dev, struct hvc *h)
{
    if (rx_take(dev, h) < 0) {
        recover(dev, h, h->rxq.vq.error ? h->rxq.vq.error : "receive used ring garbage", true);
        return;
    }
    serve_readers(dev, h);
}

static void tx_complete(struct ddk_device *dev, struct hvc *h)
{
    void *cookie;
    uint32_t len;
    if (h->corrupt && h->corrupt != HWRNG_CORRUPT_DESC && h->tx_busy) {
        vdrv_test_corrupt_used(&h->txq.vq, h->corrupt, HVC_CHUNK);
        h->corrupt = HWRNG_CORRUPT_NONE;
    }
    ddk_dma_sync(dev, &h->txq.mem, 0);
    int got = vdrv_vq_get(&h->txq.vq, &cookie, &len);
    if (got < 0) {
        recover(dev, h, h->txq.vq.error ? h->txq.vq.error : "transmit used ring garbage", false);
        return;
    }
    if (got == 1)
        tx_finish(dev, h, 0);
}

static void hvc_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct hvc *h = ddk_priv(dev);
    bool rx = false, tx = false, config = false;
    if (h->msix) {
        rx = vector == HVC_VEC_RX;
        tx = vector == HVC_VEC_TX;
        config = vector == HVC_VEC_CONFIG;
    } else {
        uint8_t isr = vdrv_isr(&h->vd);
        if (isr == 0xff)
            return;
        rx = tx = isr & VDRV_ISR_QUEUE;
        config = isr & VDRV_ISR_CONFIG;
    }
    if (config) {
        uint8_t s = vdrv_status(&h->vd);
        if (s == 0xff || (s & VDRV_S_NEEDS_RESET)) {
            recover(dev, h, "the device needs a reset", false);
            return;
        }
        read_size(h, h->vd.features);
    }
    if (tx)
        tx_complete(dev, h);
    if (rx)
        rx_complete(dev, h);
}

static void hvc_deadline(struct ddk_device *dev)
{
    struct hvc *h = ddk_priv(dev);
    if (h->tx_busy)
        recover(dev, h, "the device did not take a write in time", false);
}

static void op_write(struct ddk_device *dev, struct hvc *h, struct ddk_msg *m)
{
    uint64_t n = m->send_len < HVC_CHUNK ? m->send_len : HVC_CHUNK;
    long got = n ? ddk_msg_read(dev, m, 0, h->txbuf.va, (size_t)n) : 0;
    if (got <= 0) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, got);
        return;
    }
    struct vdrv_buf b = {.iova = h->txbuf.iova, .len = (uint32_t)got, .write = false};
    ddk_dma_sync(dev, &h->txbuf, 1);
    int rc = vdrv_vq_add(&h->txq.vq, &b, 1, h);
    if (rc) {
        ddk_reply(dev, m, rc == -VK_ENOSPC ? -VK_EIO : rc);
        return;
    }
    if (h->corrupt == HWRNG_CORRUPT_DESC) { /* test only: the buffer becomes device-writable */
        vdrv_test_flip_write(&h->txq.vq, 0);
        h->corrupt = HWRNG_CORRUPT_NONE;
    }
    h->tx_cur = *m;
    h->tx_len = (uint32_t)got;
    h->tx_busy = true;
    ddk_hold_messages(dev, 1);
    ddk_set_deadline(dev, ddk_now() + HVC_TIMEOUT_NS);
    ddk_dma_sync(dev, &h->txq.mem, 1);
    if (vdrv_notify(&h->vd, &h->txq))
        recover(dev, h, "the notification was refused", false);
}

static void op_read(struct ddk_device *dev, struct hvc *h, struct ddk_msg *m)
{
    if (m->data[0] == 0 || m->recv_len == 0) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    }
    if (h->nreaders == HVC_READERS) {
        ddk_reply(dev, m, -VK_EAGAIN);
        return;
    }
    h->readers[h->nreaders++] = *m;
    serve_readers(dev, h);
}

static void hvc_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct hvc *h = ddk_priv(dev);
    if (m->kind == DDK_MSG_CLOSED) { /* its reads cannot be waiting: the client is gone */
        for (unsigned i = 0; i < h->nreaders;)
            if (h->readers[i].badge == m->badge)
                memmove(&h->readers[i], &h->readers[i + 1],
                        (--h->nreaders - i) * sizeof h->readers[0]);
            else
                i++;
        return;
    }
    if (m->kind != DDK_MSG_CALL)
        return;
    switch (m->opcode) {
    case VFS_OP_WRITE:
        op_write(dev, h, m);
        return;
    case VFS_OP_READ:
        op_read(dev, h, m);
        return;
    case HVC_OP_INFO:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = h->cols;
        m->data[1] = h->rows;
        m->data[2] = h->vd.resets;
        m->data[3] = h->failed;
        m->data[4] = h->rx_bytes;
        m->data[5] = h->tx_bytes;
        ddk_reply(dev, m, 0);
        return;
    case HVC_OP_CORRUPT:
        if (m->data[0] < HWRNG_CORRUPT_ID || m->data[0] > HWRNG_CORRUPT_DESC) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        h->corrupt = (uint32_t)m->data[0];
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    case HVC_OP_MISBEHAVE: /* test only: the device's own test hooks */
        if (vdrv_test_misbehave(&h->vd, m->data[0])) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    default:
        ddk_reply(dev, m, -VK_ENOSYS);
        return;
    }
}

static int hvc_init(struct ddk_device *dev)
{
    struct hvc *h = calloc(1, sizeof *h); /* lives as long as the driver */
    int rc;
    if (!h)
        return -VK_ENOMEM;
    ddk_set_priv(dev, h);
    if ((rc = vdrv_probe(&h->vd, dev)))
        return rc;
    if ((rc = ddk_dma_alloc(dev, HVC_RX_BUFS * HVC_RX_BUF, VK_DMA_WRITE, &h->rxbuf)) ||
        (rc = ddk_dma_alloc(dev, HVC_CHUNK, VK_DMA_READ, &h->txbuf)))
        return rc;
    if ((rc = vdrv_irq_setup(&h->vd, 3, &h->msix)))
        return rc;
    return vdrv_started(&h->vd, hvc_start(dev, h));
}

static const struct ddk_driver_ops hvc_ops = {
    .name = "virtio-console",
    .init = hvc_init,
    .handle_interrupt = hvc_interrupt,
    .handle_message = hvc_message,
    .handle_deadline = hvc_deadline,
};

int main(int argc, char **argv)
{
    return ddk_main(&hvc_ops, argc, argv);
}
