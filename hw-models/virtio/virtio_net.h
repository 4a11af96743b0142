/*
 * hw-models/virtio: virtio-net, the network device (virtio 1.1, 5.1), 1af4:1041, class 0x020000.
 * Pure C11: no host I/O, no globals, no allocation, no host time.
 *
 * Who calls it: the machine embeds a struct virtio_net, calls virtio_net_init with the MAC and
 * a backend (a const ops table and its context: "the wire", in sim/backends: a pcap file, a
 * responder, a link to another node), attaches &n->vp.pci to its pci_host and drives time with
 * virtio_net_advance/virtio_net_next_event, as for virtio-console. Frames from the wire are
 * pushed with virtio_net_receive at the device's current time (the platform advances first).
 *
 * One queue pair: receiveq (queue 0, wire to driver) and transmitq (queue 1, driver to wire),
 * VIRTIO_NET_QUEUE_SIZE entries each. Features offered: VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS
 * only (with the transport's VERSION_1, ACCESS_PLATFORM, INDIRECT_DESC). No checksum or
 * segmentation offload and no mergeable buffers: every frame carries its own checksums and
 * fits one buffer. Configuration (struct virtio_net_config, 10 bytes, little-endian, read-only):
 * mac[6], status (VIRTIO_NET_S_LINK_UP), max_virtqueue_pairs (1; meaningful only with MQ).
 *
 * Every buffer starts with struct virtio_net_hdr (12 bytes in virtio 1.x, num_buffers
 * included). A frame is an Ethernet frame without FCS, VIRTIO_NET_MIN_FRAME (14: a header) to
 * VIRTIO_NET_MAX_FRAME (1514: MTU 1500, no VLAN tag) bytes.
 *
 * Transmit: a chain of device-readable buffers only (a writable one is a violation, like a DMA
 * fault on the chain, or a chain beyond VIRTIO_NET_MAX_CHAIN bytes: NEEDS_RESET via the
 * transport). Frames that are the driver's mistake but not a ring's (a header with flags or
 * gso_type set: offloads not negotiated; a frame shorter or longer than the limits) are dropped
 * and counted (tx_dropped) and the chain completes: the wire never sees a malformed frame from
 * us and the device does not stop. While the link is down frames are dropped and counted too
 * (tx_link_down). Otherwise the frame goes to backend->transmit with the device's time.
 *
 * Receive: frames from the wire (virtio_net_receive) wait in a bounded queue of
 * VIRTIO_NET_RX_FRAMES frames. A frame is refused and counted when it is truncated or
 * oversized (rx_bad_len), when the link is down or the driver not live (rx_not_live), or when
 * the queue is full (rx_overrun: a NIC without buffers drops). Queued frames fill receive
 * buffers in order, one per latency (at least 1 ns): the header (zeros but num_buffers = 1)
 * then the frame, and the used length is 12 + the frame's length. A receive chain must hold
 * device-writable buffers only (else a violation, nothing written). A chain too small for the
 * header and the frame drops the frame (rx_small_buffer) and completes with 0 bytes written.
 * With no frame queued a kick on receiveq is absorbed (the buffers wait for frames).
 *
 * Link: virtio_net_set_link(up) changes status; with VIRTIO_NET_F_STATUS accepted the device
 * bumps config_generation and raises the configuration interrupt. Down drops queued frames.
 * Reset drops queued frames (counted in rx_dropped_reset); the MAC and link stay.
 *
 * Invariants (virtio_net_check): the transport's; the frame queue within its bounds and every
 * queued frame within the frame limits; every frame accepted is delivered, queued or dropped
 * (rx_accepted == rx_delivered + queued + rx_small_buffer + rx_dropped_reset). Never: assert()
 * on anything a driver or the wire gives; host I/O; a memory access except through the
 * transport's virtq_read/virtq_write.
 */
#ifndef HW_MODELS_VIRTIO_NET_H
#define HW_MODELS_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

#define VIRTIO_ID_NET 1
#define VIRTIO_NET_CLASS 0x020000
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_QUEUE_SIZE 256

/* struct virtio_net_config */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_MAX_PAIRS 8
#define VIRTIO_NET_CFG_LEN 10

/* struct virtio_net_hdr (virtio 1.x: num_buffers always present) */
#define VIRTIO_NET_HDR_FLAGS 0
#define VIRTIO_NET_HDR_GSO_TYPE 1
#define VIRTIO_NET_HDR_NUM_BUFFERS 10
#define VIRTIO_NET_HDR_LEN 12

#define VIRTIO_NET_MIN_FRAME 14u    /* an Ethernet header */
#define VIRTIO_NET_MAX_FRAME 1514u  /* MTU 1500 + the header; no FCS, no VLAN tag */
#define VIRTIO_NET_MAX_CHAIN 65536u /* ours: the longest chain (bytes) a buffer may have */
#define VIRTIO_NET_RX_FRAMES 64u    /* ours: frames from the wire the device holds */

/* The wire, supplied by the platform. */
struct virtio_net_backend_ops {
    /* One frame (VIRTIO_NET_MIN_FRAME..VIRTIO_NET_MAX_FRAME bytes) the driver sent, at virtual
     * time now. 0 or -errno (the frame is lost and counted in tx_errors). */
    int (*transmit)(void *ctx, uint64_t now, const uint8_t *frame, size_t len);
};

struct virtio_net_frame {
    uint16_t len;
    uint8_t data[VIRTIO_NET_MAX_FRAME];
};

struct virtio_net {
    struct virtio_pci vp;
    const struct virtio_net_backend_ops *backend;
    void *ctx;
    uint8_t mac[6];
    bool link_up;
    struct virtio_net_frame rx[VIRTIO_NET_RX_FRAMES]; /* the receive queue (a ring) */
    uint32_t rx_head, rx_count;
    /* counters since init */
    uint64_t tx_frames, tx_bytes, tx_errors, tx_dropped, tx_link_down;
    uint64_t rx_accepted, rx_delivered, rx_bytes;
    uint64_t rx_bad_len, rx_not_live, rx_overrun, rx_small_buffer, rx_dropped_reset;
};

/* mac the MAC address (unicast), backend (with transmit) and ctx the wire. The link starts up.
 * 0 or -VK_EINVAL. */
int virtio_net_init(struct virtio_net *n, const uint8_t mac[6],
                    const struct virtio_net_backend_ops *backend, void *ctx);
void virtio_net_advance(struct virtio_net *n, uint64_t now);
uint64_t virtio_net_next_event(const struct virtio_net *n);
int virtio_net_check(const struct virtio_net *n);
/* A frame from the wire: 0 queued, else -VK_EINVAL (bad length), -VK_EAGAIN (queue full) or
 * -VK_ENXIO (link down or driver not live); every refusal is counted. */
int virtio_net_receive(struct virtio_net *n, const uint8_t *frame, size_t len);
/* The driver can take frames now (DRIVER_OK, receiveq enabled, not broken, link up). */
bool virtio_net_live(const struct virtio_net *n);
void virtio_net_set_link(struct virtio_net *n, bool up);

#endif
