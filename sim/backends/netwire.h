/*
 * sim/backends/netwire: "the wire" a virtio-net NIC (hw-models/virtio/virtio_net) is plugged
 * into, and its capture as a pcap file.
 *
 * Who calls it: the machine's PCI model table (sim/core/pcibus.c), for a virtio-net entry of
 * the machine file: vs_netwire_open with the entry's wire kind, pcap path and latency,
 * vs_netwire_backend for the ops table the model transmits through, vs_netwire_next_event and
 * vs_netwire_deliver from the model's advance, vs_netwire_close when the machine goes away.
 *
 * Kinds (the machine file's `wire`):
 *   none       nothing is plugged in: transmitted frames are counted and go nowhere.
 *   loopback   every transmitted frame comes back to the NIC latency ns later.
 *   responder  a simulated peer host (VS_NETWIRE_PEER_IP, VS_NETWIRE_PEER_MAC): it answers an
 *              ARP request for its address and an ICMPv4 echo request to it, latency ns later,
 *              with correct checksums, and is a DHCP server for one client (DISCOVER ->
 *              OFFER, REQUEST -> ACK of 10.0.2.15/24, router 10.0.2.2). Anything else, and
 *              anything malformed (a truncated or checksum-broken IPv4 header or ICMP
 *              message, a short BOOTP message), is counted and ignored.
 * Hostile wire (bad_every = N > 0, for the robustness tests): before every Nth frame delivered
 * to the NIC the wire delivers a bad one made from it, behind the capture point (it is not in
 * the pcap), the kinds in turn (enum vs_netwire_bad): truncated below an Ethernet header,
 * oversized beyond a frame, an IPv4 header cut short, an IPv4 header checksum broken, a
 * transport (ICMP/TCP/UDP) checksum broken. The first two the NIC refuses and counts; the rest
 * it delivers, and the stack must drop and count them. Each kind is counted in bad_sent[].
 * Frames on their way to the NIC wait in a bounded queue (VS_NETWIRE_QUEUE frames, in time
 * order); a frame that does not fit is dropped and counted, like a switch port's overrun.
 *
 *   link       (not a machine-file value: set by the multi-node runner, sim/core/nodes.c, for a
 *              NIC a [[link]] joins) every transmitted frame goes to the link's transmit hook
 *              (vs_netwire_attach); frames from the link come in through vs_netwire_inject at
 *              their arrival time. The capture is then the link's, not the wire's (pcap_fd -1);
 *              bad_every works as above, behind the link's capture point.
 *
 * Capture (pcap): every frame the NIC transmits, at its virtual transmit time, and every frame
 * delivered to the NIC, at its virtual delivery time (before the NIC accepts or refuses it),
 * one record each, in time order. Format: pcap with nanosecond timestamps (magic 0xa1b23c4d),
 * link type 1 (Ethernet), snap length 65535; timestamps are virtual time since boot.
 *
 * Deterministic: no host time, no host input; the pcap is output only. Errors: 0 or a negative
 * VK_E* code, with a message in err. Never: trust a frame's contents (every length and offset is
 * bounded before use); write outside the frame buffers.
 */
#ifndef SIM_BACKENDS_NETWIRE_H
#define SIM_BACKENDS_NETWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "hw-models/virtio/virtio_net.h"

#define VS_NETWIRE_QUEUE 128u
#define VS_NETWIRE_PEER_IP 0x0a000202u /* 10.0.2.2 */
#define VS_NETWIRE_DHCP_IP 0x0a00020fu /* 10.0.2.15: what the DHCP server hands out */
#define VS_NETWIRE_PEER_MAC                                                                        \
    {                                                                                              \
        0x52, 0x55, 0x0a, 0x00, 0x02, 0x02                                                         \
    }

enum vs_netwire_kind {
    VS_NETWIRE_NONE,
    VS_NETWIRE_LOOPBACK,
    VS_NETWIRE_RESPONDER,
    VS_NETWIRE_LINK
};

/* A linked wire's transmit hook: a frame the NIC sent at now (the runner's link end ctx). */
typedef void (*vs_netwire_link_fn)(void *ctx, uint64_t now, const uint8_t *frame, size_t len);
enum vs_netwire_bad {
    VS_NETWIRE_BAD_TRUNCATED,
    VS_NETWIRE_BAD_OVERSIZED,
    VS_NETWIRE_BAD_IP_SHORT,
    VS_NETWIRE_BAD_IP_CSUM,
    VS_NETWIRE_BAD_L4_CSUM,
    VS_NETWIRE_BAD_KINDS
};

struct vs_netwire_frame {
    uint64_t when;
    uint16_t len;
    uint8_t data[VIRTIO_NET_MAX_FRAME];
};

struct vs_netwire {
    enum vs_netwire_kind kind;
    uint64_t latency; /* ns, at least 1 */
    int pcap_fd;      /* -1: no capture */
    struct vs_netwire_frame q[VS_NETWIRE_QUEUE];
    uint32_t q_head, q_count;
    vs_netwire_link_fn link_tx; /* VS_NETWIRE_LINK: where transmitted frames go */
    void *link_ctx;
    uint64_t bad_every; /* 0: an honest wire */
    uint64_t since_bad;
    unsigned bad_next; /* enum vs_netwire_bad */
    uint64_t bad_sent[VS_NETWIRE_BAD_KINDS];
    /* counters since open */
    uint64_t dhcp_replies;
    uint64_t tx_frames, delivered, refused, overrun, answered, ignored, malformed, pcap_errors;
};

/* kind: "none", "loopback" or "responder"; pcap_path NULL or "" for no capture (else created
 * or truncated); latency_ns 0 is taken as 1. */
int vs_netwire_open(struct vs_netwire *w, const char *kind, const char *pcap_path,
                    uint64_t latency_ns, char *err, size_t errlen);
void vs_netwire_close(struct vs_netwire *w);
/* Plug the wire into a link: it becomes VS_NETWIRE_LINK, its frames go to tx(ctx, ...). */
void vs_netwire_attach(struct vs_netwire *w, vs_netwire_link_fn tx, void *ctx);
/* A frame from the link arrives at the NIC at virtual time when (kept in time order among the
 * queued frames, after those of the same time); a full queue or a frame of impossible length
 * drops it (counted as overrun). */
void vs_netwire_inject(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len);
/* One pcap record of frame at when, if the wire has a capture file (a link's capture). */
void vs_netwire_capture(struct vs_netwire *w, uint64_t when, const uint8_t *frame, size_t len);
/* The ops table whose ctx is a struct vs_netwire. */
const struct virtio_net_backend_ops *vs_netwire_backend(void);
/* When the next frame reaches the NIC, UINT64_MAX if none is on its way. */
uint64_t vs_netwire_next_event(const struct vs_netwire *w);
/* Bring the NIC and the wire to time now together: frames and the NIC's own work in time
 * order (a frame the NIC sends on the way may come back before now). */
void vs_netwire_advance(struct vs_netwire *w, struct virtio_net *n, uint64_t now);
/* The bad frame of kind made from frame (len bytes) into out: its length (0: this frame cannot
 * carry that kind, e.g. no IPv4 in it; the caller tries the next kind). out holds
 * VIRTIO_NET_MAX_FRAME + 16 bytes. Exposed for tests. */
size_t vs_netwire_make_bad(enum vs_netwire_bad kind, const uint8_t *frame, size_t len,
                           uint8_t *out);
/* Answer of the responder to one frame: the reply's length (0: no reply) in reply. Exposed for
 * tests; never reads beyond len. */
size_t vs_netwire_respond(struct vs_netwire *w, const uint8_t *frame, size_t len,
                          uint8_t reply[VIRTIO_NET_MAX_FRAME]);
/* The Internet checksum (RFC 1071) of len bytes, folded, not complemented, starting at sum. */
uint32_t vs_inet_sum(const uint8_t *p, size_t len, uint32_t sum);

#endif
