/*
 * The protocol of a network device (/dev/net0, drivers/virtio-net): Ethernet frames, one per
 * message, over the vfs file protocol (veridian/vfs_proto.h) spoken directly with the driver,
 * plus an opcode of its own. Its client is the netstack (and test programs).
 *
 *   VFS_OP_WRITE  the send buffer is one Ethernet frame without FCS, NETDEV_MIN_FRAME..
 *                 NETDEV_MAX_FRAME bytes (else EINVAL); the reply (data[0] = length) comes once
 *                 the device took it. The driver adds the checksums of nothing: the frame must
 *                 carry its own (no offload is negotiated).
 *   VFS_OP_READ   the oldest frame received, at most the length asked (data[0] = bytes given,
 *                 data[1] = the frame's length: larger when the buffer was too short, the rest
 *                 is dropped); with none the read waits until one arrives (NETDEV_READERS
 *                 reads may wait, in arrival order; more get EAGAIN).
 *   NETDEV_OP_INFO  -> data[0] = the MAC (byte 0 in bits 0-7, ... byte 5 in bits 40-47),
 *                 data[1] = link up (1) or down (0), data[2] = frames received, data[3] =
 *                 frames sent, data[4] = frames dropped (received while the driver's queue was
 *                 full, or malformed), data[5] = device resets the driver did
 * Frames are copied once each way through the client's buffer (msg_read/msg_write); shared
 * memory rings between netstack and driver are the next step (issue 17, item 1).
 */
#ifndef VERIDIAN_NETDEV_H
#define VERIDIAN_NETDEV_H

#define NETDEV_MIN_FRAME 14u
#define NETDEV_MAX_FRAME 1514u
#define NETDEV_READERS 8u

enum netdev_proto_op {
    NETDEV_OP_INFO = 0x7400,
};

#endif
