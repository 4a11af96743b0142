/*
 * drivers/virtio-net: the driver of a virtio network device (virtio 1.1, 5.1; 1af4:1041), one
 * queue pair, serving /dev/net0 with the frame protocol of veridian/netdev.h. Written against
 * ddk.h and the virtio driver library (drivers/virtio) only, so the same binary drives vrsim's
 * model (hw-models/virtio/virtio_net) and QEMU's virtio-net-pci.
 *
 * Features: VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS when offered; no offload, no mergeable
 * buffers: each receive buffer holds the 12-byte virtio_net_hdr and a whole frame, each
 * transmitted frame goes out behind a zeroed header.
 *
 * Receive: NET_RX_BUFS buffers of NET_RX_BUF bytes (one DMA area the device writes) are kept
 * posted while the driver's frame queue has room for every posted buffer to complete; each
 * completion's frame goes to that queue, in order. A completion too short to hold the header
 * and an Ethernet header, or longer than a frame, is dropped and counted (the device's length
 * is bounded by the buffer in any case). A client that does not read stops the device (frames
 * then wait in the device, which drops and counts what does not fit, as a NIC does).
 * Transmit: one frame in flight (one chain, one DMA buffer the device reads); while it runs,
 * further messages are held (they queue in the kernel) and a deadline bounds the wait: a lost
 * interrupt fails the write with EIO.
 *
 * Interrupts: MSI-X with three vectors (0: configuration change, 1: receiveq, 2: transmitq),
 * else (or with --intx) INTx: vector 0, the ISR byte says which. A configuration interrupt
 * re-reads the link status. Recovery: garbage in a used ring, DEVICE_NEEDS_RESET or a lost
 * interrupt fail the write in flight with EIO, then the driver resets the device and brings it
 * up again (the frames already queued stay readable; frames are datagrams: a loss is a loss,
 * never reported to a read); if that fails the driver exits and devmgr restarts it.
 * Never: trust a length or index from the device; assert().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk.h"
#include "vdrv.h"
#include "veridian/netdev.h"
#include "veridian/vfs_proto.h"

#define NET_F_MAC (1ull << 5)
#define NET_F_STATUS (1ull << 16)
#define NET_CFG_STATUS 6
#define NET_S_LINK_UP 1
#define NET_HDR 12u
#define NET_HDR_NUM_BUFFERS 10
#define NET_RXQ 0u
#define NET_TXQ 1u
#define NET_QUEUE_WANT 64u
#define NET_RX_BUFS 32u
#define NET_RX_BUF 2048u /* >= NET_HDR + NETDEV_MAX_FRAME */
#define NET_FRAMES 64u   /* the driver's queue of received frames */
#define NET_TIMEOUT_NS 100000000ull
#define NET_VEC_CONFIG 0u
#define NET_VEC_RX 1u
#define NET_VEC_TX 2u

_Static_assert(NET_RX_BUF >= NET_HDR + NETDEV_MAX_FRAME, "a receive buffer holds a frame");

struct net_frame {
    uint16_t len;
    uint8_t data[NETDEV_MAX_FRAME];
};

struct net {
    struct vdrv_dev vd;
    struct vdrv_queue rxq, txq;
    struct ddk_dma_buf rxbuf, txbuf;
    bool msix;
    uint8_t mac[6];
    bool link_up;
    bool posted[NET_RX_BUFS];
    unsigned nposted;
    struct net_frame frames[NET_FRAMES];
    uint32_t f_head, f_count;
    struct ddk_msg readers[NETDEV_READERS];
    unsigned nreaders;
    bool tx_busy;
    struct ddk_msg tx_cur;
    uint32_t tx_len;
    uint64_t rx_frames, tx_frames, dropped, failed;
};

static void read_config(struct net *n, uint64_t features)
{
    const struct vdrv_region *d = &n->vd.device;
    n->link_up = true; /* without VIRTIO_NET_F_STATUS the link is taken as up */
    if (!d->present || d->len < 8)
        return;
    if (features & NET_F_MAC)
        for (unsigned i = 0; i < 6; i++)
            n->mac[i] = ddk_mmio_read8(n->vd.dev, d->bar, d->off + i);
    if (features & NET_F_STATUS) {
        uint16_t s = ddk_mmio_read16(n->vd.dev, d->bar, d->off + NET_CFG_STATUS);
        n->link_up = s != 0xffff && (s & NET_S_LINK_UP);
    }
}

/* Keep receive buffers posted while the frame queue could take all of them. */
static int post_rx(struct ddk_device *dev, struct net *n)
{
    unsigned added = 0;
    for (unsigned i = 0; i < NET_RX_BUFS; i++) {
        if (n->posted[i])
            continue;
        if (n->f_count + n->nposted + 1u > NET_FRAMES)
            break;
        struct vdrv_buf b = {
            .iova = n->rxbuf.iova + i * NET_RX_BUF, .len = NET_RX_BUF, .write = true};
        int rc = vdrv_vq_add(&n->rxq.vq, &b, 1, &n->posted[i]);
        if (rc)
            return rc;
        n->posted[i] = true;
        n->nposted++;
        added++;
    }
    if (!added)
        return 0;
    ddk_dma_sync(dev, &n->rxq.mem, 1);
    return vdrv_notify(&n->vd, &n->rxq);
}

static int net_start(struct ddk_device *dev, struct net *n)
{
    uint64_t got = 0;
    int rc;
    if ((rc = vdrv_reset(&n->vd)) || (rc = vdrv_negotiate(&n->vd, NET_F_MAC | NET_F_STATUS, &got)))
        return rc;
    if (n->msix && (rc = vdrv_config_vector(&n->vd, NET_VEC_CONFIG)))
        return rc;
    if ((rc = vdrv_queue_setup(&n->vd, &n->rxq, NET_RXQ, NET_QUEUE_WANT,
                               n->msix ? NET_VEC_RX : VDRV_NO_VECTOR)) ||
        (rc = vdrv_queue_setup(&n->vd, &n->txq, NET_TXQ, NET_QUEUE_WANT,
                               n->msix ? NET_VEC_TX : VDRV_NO_VECTOR)))
        return rc;
    if ((rc = vdrv_driver_ok(&n->vd)))
        return rc;
    read_config(n, got);
    return post_rx(dev, n);
}

static void tx_finish(struct ddk_device *dev, struct net *n, long status)
{
    if (!n->tx_busy)
        return;
    if (status < 0) {
        n->failed++;
    } else {
        n->tx_frames++;
        memset(n->tx_cur.data, 0, sizeof n->tx_cur.data);
        n->tx_cur.data[0] = n->tx_len;
    }
    ddk_reply(dev, &n->tx_cur, status);
    n->tx_busy = false;
    ddk_set_deadline(dev, VK_DEADLINE_NEVER);
    ddk_hold_messages(dev, 0);
}

/* Move the receiveq's completed buffers into the frame queue, in order: 0, or -1 when the
 * device answered with garbage. */
static int rx_take(struct ddk_device *dev, struct net *n)
{
    void *cookie;
    uint32_t len;
    int got;
    ddk_dma_sync(dev, &n->rxq.mem, 0);
    while ((got = vdrv_vq_get(&n->rxq.vq, &cookie, &len)) == 1) {
        unsigned i = (unsigned)((bool *)cookie - n->posted);
        if (i >= NET_RX_BUFS || !n->posted[i] || len > NET_RX_BUF) /* cannot be: our cookie */
            return -1;
        n->posted[i] = false;
        n->nposted--;
        if (len < NET_HDR + NETDEV_MIN_FRAME || len > NET_HDR + NETDEV_MAX_FRAME) {
            n->dropped++; /* the device's mistake, or a frame it returned empty */
            continue;
        }
        ddk_dma_sync(dev, &n->rxbuf, 0);
        const uint8_t *src = (const uint8_t *)n->rxbuf.va + i * NET_RX_BUF;
        struct net_frame *f = &n->frames[(n->f_head + n->f_count) % NET_FRAMES];
        f->len = (uint16_t)(len - NET_HDR);
        memcpy(f->data, src + NET_HDR, f->len); /* room: posting kept it */
        n->f_count++;
        n->rx_frames++;
    }
    return got < 0 ? -1 : 0;
}

static void answer_readers(struct ddk_device *dev, struct net *n)
{
    while (n->nreaders && n->f_count) {
        struct ddk_msg *m = &n->readers[0];
        struct net_frame *f = &n->frames[n->f_head];
        uint64_t want = m->data[0] < m->recv_len ? m->data[0] : m->recv_len;
        uint32_t give = want < f->len ? (uint32_t)want : f->len;
        long rc = ddk_msg_write(dev, m, 0, f->data, give);
        if (rc < 0) {
            ddk_reply(dev, m, rc); /* the client's buffer: its problem, the frame stays */
        } else {
            memset(m->data, 0, sizeof m->data);
            m->data[0] = give;
            m->data[1] = f->len;
            ddk_reply(dev, m, 0);
            n->f_head = (n->f_head + 1) % NET_FRAMES;
            n->f_count--;
        }
        memmove(&n->readers[0], &n->readers[1], --n->nreaders * sizeof n->readers[0]);
    }
}

static void recover(struct ddk_device *dev, struct net *n, const char *why)
{
    void *cookie;
    ddk_log(dev, "%s: failing the write in flight with EIO, resetting the device", why);
    tx_finish(dev, n, -VK_EIO);
    rx_take(dev, n); /* what completed validly before the garbage stays readable */
    answer_readers(dev, n);
    while (vdrv_vq_take_inflight(&n->rxq.vq, &cookie) == 1)
        ;
    while (vdrv_vq_take_inflight(&n->txq.vq, &cookie) == 1)
        ;
    memset(n->posted, 0, sizeof n->posted);
    n->nposted = 0;
    vdrv_restarted(&n->vd, net_start(dev, n));
}

static void serve_readers(struct ddk_device *dev, struct net *n)
{
    answer_readers(dev, n);
    if (post_rx(dev, n))
        recover(dev, n, "the receive buffers could not be posted");
}

static void rx_complete(struct ddk_device *dev, struct net *n)
{
    if (rx_take(dev, n) < 0) {
        recover(dev, n, n->rxq.vq.error ? n->rxq.vq.error : "receive used ring garbage");
        return;
    }
    serve_readers(dev, n);
}

static void tx_complete(struct ddk_device *dev, struct net *n)
{
    void *cookie;
    uint32_t len;
    ddk_dma_sync(dev, &n->txq.mem, 0);
    int got = vdrv_vq_get(&n->txq.vq, &cookie, &len);
    if (got < 0) {
        recover(dev, n, n->txq.vq.error ? n->txq.vq.error : "transmit used ring garbage");
        return;
    }
    if (got == 1)
        tx_finish(dev, n, 0);
}

static void net_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct net *n = ddk_priv(dev);
    bool rx = false, tx = false, config = false;
    if (n->msix) {
        rx = vector == NET_VEC_RX;
        tx = vector == NET_VEC_TX;
        config = vector == NET_VEC_CONFIG;
    } else {
        uint8_t isr = vdrv_isr(&n->vd);
        if (isr == 0xff)
            return;
        rx = tx = isr & VDRV_ISR_QUEUE;
        config = isr & VDRV_ISR_CONFIG;
    }
    if (config) {
        uint8_t s = vdrv_status(&n->vd);
        if (s == 0xff || (s & VDRV_S_NEEDS_RESET)) {
            recover(dev, n, "the device needs a reset");
            return;
        }
        read_config(n, n->vd.features);
    }
    if (tx)
        tx_complete(dev, n);
    if (rx)
        rx_complete(dev, n);
}

static void net_deadline(struct ddk_device *dev)
{
    struct net *n = ddk_priv(dev);
    if (n->tx_busy)
        recover(dev, n, "the device did not take a frame in time");
}

static void op_write(struct ddk_device *dev, struct net *n, struct ddk_msg *m)
{
    if (m->send_len < NETDEV_MIN_FRAME || m->send_len > NETDEV_MAX_FRAME) {
        ddk_reply(dev, m, -VK_EINVAL);
        return;
    }
    uint8_t *buf = n->txbuf.va;
    long got = ddk_msg_read(dev, m, 0, buf + NET_HDR, (size_t)m->send_len);
    if (got < 0 || (uint64_t)got != m->send_len) {
        ddk_reply(dev, m, got < 0 ? got : -VK_EFAULT);
        return;
    }
    memset(buf, 0, NET_HDR); /* no offload asked for */
    struct vdrv_buf b = {.iova = n->txbuf.iova, .len = NET_HDR + (uint32_t)got, .write = false};
    ddk_dma_sync(dev, &n->txbuf, 1);
    int rc = vdrv_vq_add(&n->txq.vq, &b, 1, n);
    if (rc) {
        ddk_reply(dev, m, rc == -VK_ENOSPC ? -VK_EIO : rc);
        return;
    }
    n->tx_cur = *m;
    n->tx_len = (uint32_t)got;
    n->tx_busy = true;
    ddk_hold_messages(dev, 1);
    ddk_set_deadline(dev, ddk_now() + NET_TIMEOUT_NS);
    ddk_dma_sync(dev, &n->txq.mem, 1);
    if (vdrv_notify(&n->vd, &n->txq))
        recover(dev, n, "the notification was refused");
}

static void op_read(struct ddk_device *dev, struct net *n, struct ddk_msg *m)
{
    if (m->data[0] == 0 || m->recv_len == 0) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    }
    if (n->nreaders == NETDEV_READERS) {
        ddk_reply(dev, m, -VK_EAGAIN);
        return;
    }
    n->readers[n->nreaders++] = *m;
    serve_readers(dev, n);
}

static void net_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct net *n = ddk_priv(dev);
    if (m->kind == DDK_MSG_CLOSED) {
        for (unsigned i = 0; i < n->nreaders;)
            if (n->readers[i].badge == m->badge)
                memmove(&n->readers[i], &n->readers[i + 1],
                        (--n->nreaders - i) * sizeof n->readers[0]);
            else
                i++;
        return;
    }
    if (m->kind != DDK_MSG_CALL)
        return;
    switch (m->opcode) {
    case VFS_OP_WRITE:
        op_write(dev, n, m);
        return;
    case VFS_OP_READ:
        op_read(dev, n, m);
        return;
    case NETDEV_OP_INFO: {
        uint64_t mac = 0;
        for (unsigned i = 0; i < 6; i++)
            mac |= (uint64_t)n->mac[i] << (8 * i);
        memset(m->data, 0, sizeof m->data);
        m->data[0] = mac;
        m->data[1] = n->link_up;
        m->data[2] = n->rx_frames;
        m->data[3] = n->tx_frames;
        m->data[4] = n->dropped;
        m->data[5] = n->vd.resets;
        ddk_reply(dev, m, 0);
        return;
    }
    default:
        ddk_reply(dev, m, -VK_ENOSYS);
        return;
    }
}

static int net_init(struct ddk_device *dev)
{
    struct net *n = calloc(1, sizeof *n); /* lives as long as the driver */
    int rc;
    if (!n)
        return -VK_ENOMEM;
    ddk_set_priv(dev, n);
    if ((rc = vdrv_probe(&n->vd, dev)))
        return rc;
    if ((rc = ddk_dma_alloc(dev, NET_RX_BUFS * NET_RX_BUF, VK_DMA_WRITE, &n->rxbuf)) ||
        (rc = ddk_dma_alloc(dev, NET_RX_BUF, VK_DMA_READ, &n->txbuf)))
        return rc;
    if ((rc = vdrv_irq_setup(&n->vd, 3, &n->msix)))
        return rc;
    return vdrv_started(&n->vd, net_start(dev, n));
}

static const struct ddk_driver_ops net_ops = {
    .name = "virtio-net",
    .init = net_init,
    .handle_interrupt = net_interrupt,
    .handle_message = net_message,
    .handle_deadline = net_deadline,
};

int main(int argc, char **argv)
{
    return ddk_main(&net_ops, argc, argv);
}
