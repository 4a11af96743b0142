/*
 * drivers/virtio-net: the driver of a virtio network device (virtio 1.1, 5.1; 1af4:1041), one
 * queue pair, serving /dev/net0 with the frame protocol of veridian/netdev.h (one frame per
 * message, or the frame ring it shares with its client, the netstack). Written against
 * ddk.h and the virtio driver library (drivers/virtio) only, so the same binary drives vrsim's
 * model (hw-models/virtio/virtio_net) and QEMU's virtio-net-pci.
 *
 * Features: VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS when offered; no offload, no mergeable
 * buffers: each receive buffer holds the 12-byte virtio_net_hdr and a whole frame, each
 * transmitted frame goes out behind a zeroed header.
 *
 * Receive: NET_RX_BUFS buffers of NET_RX_BUF bytes (one DMA area the device writes) are kept
 * posted while the driver's frame queue (or, once a ring is attached, the RX ring) has room for
 * every posted buffer to complete; each completion's frame goes there, in order. A completion too
 * short to hold the header and an Ethernet header, or longer than a frame, is dropped and counted
 * (the device's length is bounded by the buffer in any case). A client that does not read stops the
 * device (frames then wait in the device, which drops and counts what does not fit, as a NIC does).
 * Transmit: NET_TX_BUFS DMA buffers the device reads; buffer 0 is for VFS_OP_WRITE (one write in
 * flight: while it runs, further messages are held, they queue in the kernel), the others for
 * frames taken from the TX ring. A deadline bounds every transmission: a lost interrupt fails
 * the write with EIO (ring frames in flight are lost, counted in failed).
 *
 * The frame ring (veridian/netdev.h): at NETDEV_OP_RING_ATTACH the driver creates the memory
 * object, a notification for its client and a doorbell (ddk_doorbell: bit 63 of its interrupt
 * notification, handle_interrupt(NETDEV_RING_DOORBELL_VECTOR)). It produces into the RX ring
 * from receive completions and consumes the TX ring into its transmit buffers while any is
 * free; it signals the client once per batch, and only when the client asked (its wait flag);
 * when it finds the TX ring empty, or the RX ring too full to post every receive buffer, it
 * sets its own wait flag and is woken by the doorbell. So a burst of frames costs one signal
 * and one device notification, whatever its length. The ring is detached (and its frames
 * forgotten) when the open file that attached it is closed.
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
#include "veridian/vk.h"

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
#define NET_TX_BUFS 32u  /* buffer 0: VFS_OP_WRITE; 1..: frames from the TX ring */
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
    bool tx_inflight[NET_TX_BUFS]; /* the cookies of transmit chains */
    unsigned ntx;
    bool tx_busy; /* buffer 0 carries a VFS_OP_WRITE: tx_cur waits for its reply */
    struct ddk_msg tx_cur;
    uint32_t tx_len;
    uint64_t rx_frames, tx_frames, dropped, failed;
    bool recovering;
    /* the frame ring, while attached */
    struct netdev_ring_area *ring;
    uint64_t ring_badge;
    uint32_t ring_vmo, ring_notify;
    struct netdev_ring rxr, txr; /* we produce rx, consume tx */
    uint64_t ring_notifies, ring_doorbells;
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

/* Room for received frames: in the RX ring (when it cannot take every receive buffer, ask the
 * client for a doorbell once it frees slots) or in the frame queue. */
static uint32_t rx_room(struct net *n)
{
    if (!n->ring)
        return NET_FRAMES - n->f_count;
    uint32_t room = netdev_ring_space(&n->rxr);
    if (room < NET_RX_BUFS)
        room = netdev_ring_arm_producer(&n->rxr);
    return room;
}

/* Keep receive buffers posted while the frame queue (or ring) could take all of them. */
static int post_rx(struct ddk_device *dev, struct net *n)
{
    unsigned added = 0;
    uint32_t room = rx_room(n);
    for (unsigned i = 0; i < NET_RX_BUFS; i++) {
        if (n->posted[i])
            continue;
        if (n->nposted + 1u > room)
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

static void tx_deadline(struct ddk_device *dev, struct net *n)
{
    ddk_set_deadline(dev, n->ntx ? ddk_now() + NET_TIMEOUT_NS : VK_DEADLINE_NEVER);
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
    ddk_hold_messages(dev, 0);
}

/* Put buffer i (its frame already at NET_HDR) on the transmitq: 0 or a negative code. */
static int tx_add(struct net *n, unsigned i, uint32_t len)
{
    uint8_t *buf = (uint8_t *)n->txbuf.va + i * NET_RX_BUF;
    memset(buf, 0, NET_HDR); /* no offload asked for */
    struct vdrv_buf b = {
        .iova = n->txbuf.iova + i * NET_RX_BUF, .len = NET_HDR + len, .write = false};
    int rc = vdrv_vq_add(&n->txq.vq, &b, 1, &n->tx_inflight[i]);
    if (rc)
        return rc;
    n->tx_inflight[i] = true;
    n->ntx++;
    return 0;
}

static void ring_notify(struct net *n)
{
    vk_notify_signal(n->ring_notify, NETDEV_RING_NOTIFY_BIT);
    n->ring_notifies++;
}

static void recover(struct ddk_device *dev, struct net *n, const char *why);

/* Frames from the TX ring onto the transmitq while a buffer is free; one device notification
 * for the lot. */
static void tx_pump(struct ddk_device *dev, struct net *n)
{
    unsigned added = 0;
    if (!n->ring)
        return;
    for (unsigned i = 1; i < NET_TX_BUFS; i++) {
        const uint8_t *f;
        uint32_t len;
        if (n->tx_inflight[i])
            continue;
        if (!netdev_ring_peek(&n->txr, &f, &len) &&
            (!netdev_ring_arm_consumer(&n->txr) || !netdev_ring_peek(&n->txr, &f, &len)))
            break;
        memcpy((uint8_t *)n->txbuf.va + i * NET_RX_BUF + NET_HDR, f, len);
        netdev_ring_release(&n->txr, len);
        if (tx_add(n, i, len)) {
            n->failed++; /* the queue is full: cannot be, it has more descriptors than buffers */
            break;
        }
        added++;
    }
    if (netdev_ring_wake_producer(&n->txr))
        ring_notify(n);
    if (!added)
        return;
    ddk_dma_sync(dev, &n->txbuf, 1);
    ddk_dma_sync(dev, &n->txq.mem, 1);
    tx_deadline(dev, n);
    if (vdrv_notify(&n->vd, &n->txq))
        recover(dev, n, "the notification was refused");
}

/* Move the receiveq's completed buffers into the frame queue, in order: 0, or -1 when the
 * device answered with garbage. */
static int rx_take(struct ddk_device *dev, struct net *n)
{
    void *cookie;
    uint32_t len;
    int got;
    unsigned produced = 0;
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
        if (n->ring) {
            if (netdev_ring_push(&n->rxr, src + NET_HDR, len - NET_HDR)) {
                n->dropped++; /* the client moved its tail backwards: the ring is "full" */
                continue;
            }
            produced++;
        } else {
            struct net_frame *f = &n->frames[(n->f_head + n->f_count) % NET_FRAMES];
            f->len = (uint16_t)(len - NET_HDR);
            memcpy(f->data, src + NET_HDR, f->len); /* room: posting kept it */
            n->f_count++;
        }
        n->rx_frames++;
    }
    if (produced && netdev_ring_wake_consumer(&n->rxr))
        ring_notify(n);
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
    for (unsigned i = 1; i < NET_TX_BUFS; i++)
        n->failed += n->tx_inflight[i]; /* ring frames lost with the device's state */
    memset(n->tx_inflight, 0, sizeof n->tx_inflight);
    n->ntx = 0;
    tx_deadline(dev, n);
    memset(n->posted, 0, sizeof n->posted);
    n->nposted = 0;
    vdrv_restarted(&n->vd, net_start(dev, n));
    if (!n->recovering) { /* frames the ring still holds go out now (once: no loop) */
        n->recovering = true;
        tx_pump(dev, n);
        n->recovering = false;
    }
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
    int got;
    ddk_dma_sync(dev, &n->txq.mem, 0);
    while ((got = vdrv_vq_get(&n->txq.vq, &cookie, &len)) == 1) {
        unsigned i = (unsigned)((bool *)cookie - n->tx_inflight);
        if (i >= NET_TX_BUFS || !n->tx_inflight[i]) { /* cannot be: our cookie */
            got = -1;
            break;
        }
        n->tx_inflight[i] = false;
        n->ntx--;
        if (i == 0)
            tx_finish(dev, n, 0);
        else
            n->tx_frames++;
    }
    if (got < 0) {
        recover(dev, n, n->txq.vq.error ? n->txq.vq.error : "transmit used ring garbage");
        return;
    }
    tx_deadline(dev, n);
    tx_pump(dev, n);
}

static void net_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct net *n = ddk_priv(dev);
    bool rx = false, tx = false, config = false;
    if (vector == NETDEV_RING_DOORBELL_VECTOR) { /* the client: TX ring filled, RX slots freed */
        n->ring_doorbells++;
        tx_pump(dev, n);
        if (n->ring && post_rx(dev, n))
            recover(dev, n, "the receive buffers could not be posted");
        return;
    }
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
    if (n->ntx)
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
    int rc = tx_add(n, 0, (uint32_t)got);
    if (rc) {
        ddk_reply(dev, m, rc == -VK_ENOSPC ? -VK_EIO : rc);
        return;
    }
    ddk_dma_sync(dev, &n->txbuf, 1);
    n->tx_cur = *m;
    n->tx_len = (uint32_t)got;
    n->tx_busy = true;
    ddk_hold_messages(dev, 1);
    tx_deadline(dev, n);
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

static void ring_detach(struct net *n)
{
    vk_vmo_unmap((uint64_t)(uintptr_t)n->ring);
    vk_handle_close(n->ring_vmo);
    vk_handle_close(n->ring_notify);
    n->ring = NULL;
    n->ring_vmo = n->ring_notify = 0;
}

/* NETDEV_OP_RING_ATTACH: a fresh ring, its notification and our doorbell to the client. */
static void op_ring_attach(struct ddk_device *dev, struct net *n, struct ddk_msg *m)
{
    uint32_t give[3] = {0, 0, 0};
    uint64_t addr = 0;
    long rc;
    if (n->ring) {
        ddk_reply(dev, m, -VK_EBUSY);
        return;
    }
    if ((rc = vk_vmo_create(NETDEV_RING_BYTES, &n->ring_vmo)))
        goto fail;
    if ((rc = vk_vmo_map(n->ring_vmo, VK_RIGHT_READ | VK_RIGHT_WRITE, &addr)))
        goto fail_vmo;
    if ((rc = vk_notify_create(&n->ring_notify)))
        goto fail_map;
    if ((rc = vk_handle_dup(n->ring_vmo,
                            VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MAP | VK_RIGHT_TRANSFER,
                            &give[0])) ||
        (rc = vk_handle_dup(n->ring_notify, VK_RIGHT_WAIT | VK_RIGHT_TRANSFER, &give[1])) ||
        (rc = ddk_doorbell(dev, &give[2])))
        goto fail_give;
    struct netdev_ring_area *a = (struct netdev_ring_area *)(uintptr_t)addr;
    a->magic = NETDEV_RING_MAGIC;
    a->version = NETDEV_RING_VERSION;
    a->slots = NETDEV_RING_SLOTS;
    a->slot_size = NETDEV_SLOT_SIZE;
    memset(m->data, 0, sizeof m->data);
    m->data[0] = NETDEV_RING_BYTES;
    m->data[1] = NETDEV_RING_SLOTS;
    m->data[2] = NETDEV_SLOT_SIZE;
    m->data[3] = NETDEV_RING_VERSION;
    if ((rc = ddk_reply_handles(dev, m, give, 3))) {
        if (rc == -VK_ESRCH) /* the client left: the handles went with the reply */
            memset(give, 0, sizeof give);
        goto fail_give;
    }
    n->ring = a;
    n->ring_badge = m->badge;
    netdev_ring_init(&n->rxr, &a->rx, a->rx_slots, 1);
    netdev_ring_init(&n->txr, &a->tx, a->tx_slots, 0);
    netdev_ring_arm_consumer(&n->txr); /* the client's first frames ring the doorbell */
    while (n->f_count) {               /* frames that waited for a read go first */
        struct net_frame *f = &n->frames[n->f_head];
        netdev_ring_push(&n->rxr, f->data, f->len);
        n->f_head = (n->f_head + 1) % NET_FRAMES;
        n->f_count--;
    }
    if (post_rx(dev, n))
        recover(dev, n, "the receive buffers could not be posted");
    return;
fail_give:
    for (unsigned i = 0; i < 3; i++)
        if (give[i])
            vk_handle_close(give[i]);
    vk_handle_close(n->ring_notify);
fail_map:
    vk_vmo_unmap(addr);
fail_vmo:
    vk_handle_close(n->ring_vmo);
fail:
    n->ring_vmo = n->ring_notify = 0;
    if (m->token)
        ddk_reply(dev, m, rc);
}

static void net_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct net *n = ddk_priv(dev);
    if (m->kind == DDK_MSG_CLOSED) {
        if (n->ring && m->badge == n->ring_badge)
            ring_detach(n);
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
    case NETDEV_OP_RING_ATTACH:
        op_ring_attach(dev, n, m);
        return;
    case NETDEV_OP_RING_INFO:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = n->rxr.frames;
        m->data[1] = n->txr.frames;
        m->data[2] = n->ring_notifies;
        m->data[3] = n->ring_doorbells;
        m->data[4] = n->txr.bad_len;
        m->data[5] = n->txr.bad_index + n->rxr.bad_index;
        ddk_reply(dev, m, 0);
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
        (rc = ddk_dma_alloc(dev, NET_TX_BUFS * NET_RX_BUF, VK_DMA_READ, &n->txbuf)))
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
