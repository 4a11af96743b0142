/*
 * hw-models/virtio: virtio-net (the contract is in virtio_net.h). The transport pops each chain
 * and calls net_request; as with virtio-console, the receive queue is held back (its schedule
 * cleared) while no frame is queued, so a receive buffer is only popped with a frame for it.
 */
#include "virtio_net.h"

#include <string.h>

#include "veridian/errors.h"

#define NET_FEATURES (VIRTIO_FEATURE(VIRTIO_NET_F_MAC) | VIRTIO_FEATURE(VIRTIO_NET_F_STATUS))

static struct virtio_net *net_of(struct virtio_pci *vp)
{
    return vp->opaque;
}

bool virtio_net_live(const struct virtio_net *n)
{
    const struct virtio_pci *vp = &n->vp;
    return n->link_up && (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vp->broken &&
           vp->vq[VIRTIO_NET_RXQ].enabled;
}

static void net_fix_latency(struct virtio_net *n)
{
    if (!n->vp.latency)
        n->vp.latency = 1;
}

static void rx_drop_all(struct virtio_net *n)
{
    n->rx_dropped_reset += n->rx_count;
    n->rx_head = n->rx_count = 0;
}

/* ---- the queues ---- */

static int net_transmit(struct virtio_net *n, const struct virtq_elem *e, const char **why)
{
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    uint8_t frame[VIRTIO_NET_MAX_FRAME];
    if (e->nseg != e->nout) {
        *why = "virtio-net: device-writable buffer in the transmitq";
        return -VK_EIO;
    }
    if (e->out_len < VIRTIO_NET_HDR_LEN + VIRTIO_NET_MIN_FRAME ||
        e->out_len > VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME) {
        n->tx_dropped++; /* a runt or a giant: never put on the wire */
        return 0;
    }
    size_t len = (size_t)e->out_len - VIRTIO_NET_HDR_LEN;
    if (virtq_read(&n->vp.pci, e, 0, hdr, sizeof(hdr)) < 0 ||
        virtq_read(&n->vp.pci, e, VIRTIO_NET_HDR_LEN, frame, len) < 0) {
        *why = "virtio-net: transmit buffer not readable by the device (DMA refused)";
        return -VK_EIO;
    }
    if (hdr[VIRTIO_NET_HDR_FLAGS] || hdr[VIRTIO_NET_HDR_GSO_TYPE]) {
        n->tx_dropped++; /* asks for an offload that was never offered */
        return 0;
    }
    if (!n->link_up) {
        n->tx_link_down++;
        return 0;
    }
    n->tx_frames++;
    n->tx_bytes += len;
    if (n->backend->transmit(n->ctx, n->vp.now, frame, len) < 0)
        n->tx_errors++;
    return 0;
}

static int net_receive(struct virtio_net *n, const struct virtq_elem *e, uint32_t *written,
                       const char **why)
{
    uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
    if (e->nout) {
        *why = "virtio-net: device-readable buffer in the receiveq";
        return -VK_EIO;
    }
    if (!n->rx_count) /* the schedule is held back without frames; defensive only */
        return 0;
    const struct virtio_net_frame *f = &n->rx[n->rx_head];
    if (e->in_len < (uint64_t)VIRTIO_NET_HDR_LEN + f->len) {
        n->rx_small_buffer++; /* the frame is lost, the buffer comes back empty */
    } else {
        hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1;
        if (virtq_write(&n->vp.pci, e, 0, hdr, sizeof(hdr)) < 0 ||
            virtq_write(&n->vp.pci, e, VIRTIO_NET_HDR_LEN, f->data, f->len) < 0) {
            *why = "virtio-net: receive buffer not writable by the device (DMA refused)";
            return -VK_EIO; /* the frame stays queued */
        }
        *written = VIRTIO_NET_HDR_LEN + f->len;
        n->rx_delivered++;
        n->rx_bytes += f->len;
    }
    n->rx_head = (n->rx_head + 1) % VIRTIO_NET_RX_FRAMES;
    n->rx_count--;
    return 0;
}

static int net_request(struct virtio_pci *vp, unsigned q, const struct virtq_elem *e,
                       uint32_t *written, const char **why)
{
    struct virtio_net *n = net_of(vp);
    *written = 0;
    if (q == VIRTIO_NET_TXQ)
        return net_transmit(n, e, why);
    return net_receive(n, e, written, why);
}

/* ---- configuration ---- */

static void net_config_bytes(const struct virtio_net *n, uint8_t cfg[VIRTIO_NET_CFG_LEN])
{
    memset(cfg, 0, VIRTIO_NET_CFG_LEN);
    memcpy(cfg + VIRTIO_NET_CFG_MAC, n->mac, 6);
    cfg[VIRTIO_NET_CFG_STATUS] = n->link_up ? VIRTIO_NET_S_LINK_UP : 0;
    cfg[VIRTIO_NET_CFG_MAX_PAIRS] = 1;
}

static uint64_t net_config_read(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    uint8_t cfg[VIRTIO_NET_CFG_LEN];
    uint64_t v = 0;
    net_config_bytes(net_of(vp), cfg);
    for (unsigned i = 0; i < size; i++) /* the transport bounds off + size by config_len */
        v |= (uint64_t)cfg[off + i] << (8 * i);
    return v;
}

static void net_config_write(struct virtio_pci *vp, uint32_t off, unsigned size, uint64_t val)
{
    (void)off;
    (void)size;
    (void)val; /* VIRTIO_NET_F_CTRL_MAC_ADDR is not offered: the MAC is read-only */
    pci_guest_error(&vp->pci, "virtio-net: write to the read-only configuration");
}

static void net_reset(struct virtio_pci *vp)
{
    rx_drop_all(net_of(vp)); /* the old session's frames: gone with it */
}

static const struct virtio_device_ops net_ops = {
    .device_id = VIRTIO_ID_NET,
    .class_code = VIRTIO_NET_CLASS,
    .features = NET_FEATURES,
    .num_queues = 2,
    .queue_max = VIRTIO_NET_QUEUE_SIZE,
    .max_chain_bytes = VIRTIO_NET_MAX_CHAIN,
    .config_len = VIRTIO_NET_CFG_LEN,
    .reset = net_reset,
    .config_read = net_config_read,
    .config_write = net_config_write,
    .request = net_request,
};

/* ---- the platform's side ---- */

int virtio_net_init(struct virtio_net *n, const uint8_t mac[6],
                    const struct virtio_net_backend_ops *backend, void *ctx)
{
    if (!backend || !backend->transmit || !mac || (mac[0] & 1))
        return -VK_EINVAL;
    memset(n, 0, sizeof(*n));
    n->backend = backend;
    n->ctx = ctx;
    memcpy(n->mac, mac, 6);
    n->link_up = true;
    return virtio_pci_init(&n->vp, &net_ops, n);
}

void virtio_net_advance(struct virtio_net *n, uint64_t now)
{
    struct virtio_pci *vp = &n->vp;
    net_fix_latency(n);
    for (;;) {
        uint64_t t = virtio_pci_next_event(vp);
        if (t == VIRTIO_NO_EVENT || t > now)
            break;
        if (vp->due[VIRTIO_NET_RXQ] == t && !n->rx_count) {
            vp->due[VIRTIO_NET_RXQ] = VIRTIO_NO_EVENT; /* until a frame arrives */
            continue;
        }
        virtio_pci_advance(vp, t);
    }
    virtio_pci_advance(vp, now);
}

uint64_t virtio_net_next_event(const struct virtio_net *n)
{
    uint64_t t = VIRTIO_NO_EVENT;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
        if (q == VIRTIO_NET_RXQ && !n->rx_count)
            continue; /* a kick without frames: nothing will happen */
        if (n->vp.due[q] < t)
            t = n->vp.due[q];
    }
    return t;
}

int virtio_net_receive(struct virtio_net *n, const uint8_t *frame, size_t len)
{
    struct virtio_pci *vp = &n->vp;
    if (!frame || len < VIRTIO_NET_MIN_FRAME || len > VIRTIO_NET_MAX_FRAME) {
        n->rx_bad_len++;
        return -VK_EINVAL;
    }
    if (!virtio_net_live(n)) {
        n->rx_not_live++;
        return -VK_ENXIO;
    }
    if (n->rx_count == VIRTIO_NET_RX_FRAMES) {
        n->rx_overrun++;
        return -VK_EAGAIN;
    }
    struct virtio_net_frame *f = &n->rx[(n->rx_head + n->rx_count) % VIRTIO_NET_RX_FRAMES];
    memcpy(f->data, frame, len);
    f->len = (uint16_t)len;
    n->rx_count++;
    n->rx_accepted++;
    if (vp->due[VIRTIO_NET_RXQ] == VIRTIO_NO_EVENT) {
        net_fix_latency(n);
        vp->due[VIRTIO_NET_RXQ] = vp->now + vp->latency; /* live: the queue can run */
    }
    return 0;
}

void virtio_net_set_link(struct virtio_net *n, bool up)
{
    struct virtio_pci *vp = &n->vp;
    if (up == n->link_up)
        return;
    n->link_up = up;
    if (!up)
        rx_drop_all(n);
    if ((vp->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        (vp->driver_features & VIRTIO_FEATURE(VIRTIO_NET_F_STATUS)))
        virtio_pci_config_changed(vp); /* generation and the configuration interrupt */
    else
        vp->config_generation++;
}

int virtio_net_check(const struct virtio_net *n)
{
    if (n->rx_head >= VIRTIO_NET_RX_FRAMES || n->rx_count > VIRTIO_NET_RX_FRAMES)
        return -VK_EINVAL;
    for (uint32_t i = 0; i < n->rx_count; i++) {
        uint16_t len = n->rx[(n->rx_head + i) % VIRTIO_NET_RX_FRAMES].len;
        if (len < VIRTIO_NET_MIN_FRAME || len > VIRTIO_NET_MAX_FRAME)
            return -VK_EINVAL;
    }
    if (n->rx_accepted != n->rx_delivered + n->rx_count + n->rx_small_buffer + n->rx_dropped_reset)
        return -VK_EINVAL;
    if (n->mac[0] & 1)
        return -VK_EINVAL;
    return virtio_pci_check(&n->vp);
}
