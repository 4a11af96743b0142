/*
 * Small protocols of the hardware side: how devmgr hands a driver its device (start roles),
 * /dev/edu (drivers/edu, the driver of QEMU's educational device) and /dev/hwrng (below).
 *
 * Start roles. devmgr (os/devmgr) spawns each driver with exactly three handles, by role:
 *   DDK_ROLE_DEVICE   the PCI function's device object: READ|WRITE|MMIO|IRQ (no KILL: only
 *                     devmgr resets the device; no DUP)
 *   DDK_ROLE_DOMAIN   the function's DMA domain: MAP only (no KILL, no DUP)
 *   DDK_ROLE_SERVE    the receive end (RECV) of the endpoint behind /dev/<name>, which devmgr
 *                     registered with vfs on the driver's behalf
 * and, for diagnostics, the console as stdout/stderr (WRITE only). No spawner, no session (a
 * driver names nothing in the file namespace), no boot image. argv[1] is the node's name.
 *
 * /dev/edu. A client opens /dev/edu (vfs returns a handle to the driver's endpoint, badged
 * per open) and calls it with the opcodes below. As in the vfs protocol the reply's opcode is
 * 0 or a positive errno (EIO: the device reported a DMA error or a lost interrupt; EBUSY:
 * never, requests queue) and data[0] the result.
 *   EDU_OP_FACT     data[0] = n -> data[0] = n! mod 2^32 (the factorial unit, its interrupt)
 *   EDU_OP_DMA      1..EDU_PROTO_DMA_MAX bytes in the send buffer -> the same bytes in the
 *                   receive buffer, having gone RAM -> device buffer -> another RAM buffer
 *                   by two interrupt-driven DMA transfers; data[0] = count
 *   EDU_OP_INFO     -> data[0] = IOVA of the driver's canary page (mapped device-read-only),
 *                   data[1] = an IOVA mapped to nothing, data[2] = FNV-1a hash of the canary,
 *                   data[3] = DMA transfers done, data[4] = DMA errors seen, data[5] = irqs
 *   EDU_OP_DMA_RAW  test only: data[0] = iova, data[1] = len, data[2] = EDU_RAW_* direction:
 *                   points the device at any IOVA (a driver aiming at memory it was not given)
 *   EDU_OP_CRASH    test only: starts a 4 KiB DMA into the driver's buffer and dies (a CPU
 *                   fault) while it is pending; there is no reply
 */
#ifndef VERIDIAN_DEVICES_H
#define VERIDIAN_DEVICES_H

#include <stdint.h>

#include "veridian/kcall.h"

#define DDK_ROLE_DEVICE (VK_ROLE_USER + 1)
#define DDK_ROLE_DOMAIN (VK_ROLE_USER + 2)
#define DDK_ROLE_SERVE (VK_ROLE_USER + 3)

/* Rights devmgr gives a driver. TRANSFER as well, because spawn takes only handles with
 * TRANSFER and the child gets the rights as they are; without DUP the driver can still only
 * give its one copy away (to whom? it holds no other endpoint than its own). */
#define DDK_DEVICE_RIGHTS                                                                          \
    (VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_MMIO | VK_RIGHT_IRQ | VK_RIGHT_TRANSFER)
#define DDK_DOMAIN_RIGHTS (VK_RIGHT_MAP | VK_RIGHT_TRANSFER)
#define DDK_SERVE_RIGHTS (VK_RIGHT_RECV | VK_RIGHT_TRANSFER)

/* Every driver's endpoint (the DDK answers it, not the driver): the driver's start handles
 * (struct ddk_probe_handle each, in the receive buffer; data[0] = how many) and, in data[1],
 * DDK_PROBE_* bits for the refusals the kernel gave when the DDK tried, with each of those
 * handles, what a driver must not be able to do. Tests use it to check what devmgr gave. */
#define DDK_OP_PROBE 0xdd00u
#define DDK_PROBE_NO_CONFIG 0x01u  /* pci_config_read of the host bridge (00:00.0): refused */
#define DDK_PROBE_NO_OPEN 0x02u    /* device_open of 00:00.0: refused */
#define DDK_PROBE_NO_DOMAIN 0x04u  /* dma_domain_open of 00:00.0: refused */
#define DDK_PROBE_NO_RESET 0x08u   /* device_reset of its own device: refused (no KILL) */
#define DDK_PROBE_NO_DUP 0x10u     /* handle_dup of the device and domain: refused */
#define DDK_PROBE_NO_FAULTS 0x20u  /* iommu_faults (the machine's log): refused */
#define DDK_PROBE_IOVA_RANGE 0x40u /* dma_map beyond VK_IOVA_LIMIT in its domain: refused */
#define DDK_PROBE_ALL 0x7fu

struct ddk_probe_handle {
    uint32_t role; /* enum vk_role or DDK_ROLE_* */
    uint32_t type; /* enum vk_obj_type */
    uint32_t rights;
    uint32_t reserved;
};

enum edu_proto_op {
    EDU_OP_FACT = 0x100,
    EDU_OP_DMA = 0x101,
    EDU_OP_INFO = 0x102,
    EDU_OP_DMA_RAW = 0x180,
    EDU_OP_CRASH = 0x181,
};

#define EDU_PROTO_DMA_MAX 4096u
#define EDU_RAW_TO_DEVICE 0u /* the device reads memory at iova */
#define EDU_RAW_TO_RAM 1u    /* the device writes memory at iova */

/* /dev/hwrng (drivers/virtio-rng): the vfs file protocol (VFS_OP_READ: bytes from the device,
 * at most HWRNG_CHUNK per read) plus two opcodes of its own:
 *   HWRNG_OP_INFO     -> data[0] = reads served, data[1] = device resets the driver did,
 *                     data[2] = reads failed with EIO, data[3] = interrupts delivered
 *   HWRNG_OP_CORRUPT  test only: data[0] = HWRNG_CORRUPT_*: the driver scribbles that garbage
 *                     into its used ring before taking the next completion (what a malicious
 *                     device could write there), or (HWRNG_CORRUPT_DESC) breaks its next
 *                     request itself: that read must fail with EIO and the driver reset the
 *                     device, and the next read work */
#define HWRNG_CHUNK 4096u
enum hwrng_proto_op {
    HWRNG_OP_INFO = 0x7200,
    HWRNG_OP_CORRUPT = 0x7201,
    HWRNG_OP_MISBEHAVE = 0x7202, /* test only: data[0] = VDEV_MISBEHAVE_* (below) */
};
#define HWRNG_CORRUPT_NONE 0u
#define HWRNG_CORRUPT_ID 1u  /* the used id out of range */
#define HWRNG_CORRUPT_LEN 2u /* the used length beyond the buffer */
#define HWRNG_CORRUPT_IDX 3u /* the used index far ahead of the buffers in flight */
#define HWRNG_CORRUPT_DESC                                                                         \
    4u /* the driver itself breaks the protocol (a device-readable buffer                          \
          in its next request): the device sets DEVICE_NEEDS_RESET and                             \
          sends a configuration interrupt */

/* /dev/vda (drivers/virtio-blk): a block protocol by 512-byte sector (whatever the device's
 * block size), several requests in flight (from several clients); data through the IPC
 * buffers (at most VBLK_MAX_SECTORS per request). Replies: 0 or a negative code.
 *   VBLK_OP_INFO     -> data[0] = capacity in sectors, data[1] = the device's block size,
 *                    data[2] = VBLK_INFO_* flags, data[3] = requests served, data[4] = device
 *                    resets the driver did, data[5] = requests failed
 *   VBLK_OP_READ     data[0] = sector, data[1] = count -> count * 512 bytes into the receive
 *                    buffer (which must hold them), data[0] = bytes
 *   VBLK_OP_WRITE    data[0] = sector, data[1] = count; count * 512 bytes from the send buffer;
 *                    EROFS on a read-only device
 *   VBLK_OP_FLUSH    the device's write cache to the image
 *   VBLK_OP_DISCARD, VBLK_OP_WRITE_ZEROES   data[0] = sector, data[1] = count: reads back zeros;
 *                    ENOTSUP when the device does not offer it, EROFS when read-only
 *   VBLK_OP_GET_ID   -> the serial (up to 20 bytes, NUL-padded by the device) into the receive
 *                    buffer, data[0] = its length without padding
 *   VBLK_OP_CORRUPT  test only: data[0] = VBLK_CORRUPT_*: garbage the driver finds before it
 *                    takes the next completion (as a malicious device could write it), or
 *                    (VBLK_CORRUPT_DESC) a protocol violation in its next request
 *   VBLK_OP_STATS    -> data[0] = the most requests the driver had in flight at once,
 *                    data[1] = interrupts delivered
 *   VBLK_OP_CRASH    test only: the driver dies right after handing its next VBLK_OP_WRITE to
 *                    the device (devmgr resets the device and restarts the driver)
 *   VBLK_OP_MISBEHAVE  test only: data[0] = VDEV_MISBEHAVE_* (below): the driver arms the
 *                    device's own malicious behaviour (a model built with its test hooks;
 *                    elsewhere the write is a guest error and nothing happens)
 * A count of 0, a range beyond the capacity, or a buffer too small: EINVAL (checked by the
 * driver; with VBLK_RAW in data[2] (test only) the driver passes a range as it is, and a write to
 * a read-only device, and the device answers).
 * The vfs file protocol too (veridian/vfs_proto.h, so open/read/write/lseek/pread/pwrite work):
 * a file of capacity * 512 bytes with a position per open; reads at any offset and length,
 * writes of whole sectors only (EINVAL otherwise), ENOSPC at the end, at most
 * VBLK_MAX_SECTORS per request (a short count).
 * The device answering IOERR: EIO; UNSUPP: ENOTSUP. Garbage from the device (used ring, an
 * unknown status) or DEVICE_NEEDS_RESET: EIO, and the driver resets the device. */
#define VBLK_SECTOR 512u
#define VBLK_MAX_SECTORS 128u /* 64 KiB per request */
#define VBLK_ID_BYTES 20u
#define VBLK_RAW 1u
#define VBLK_INFO_RO 1u
#define VBLK_INFO_FLUSH 2u
#define VBLK_INFO_DISCARD 4u
#define VBLK_INFO_WRITE_ZEROES 8u
enum vblk_proto_op {
    VBLK_OP_INFO = 0x7300,
    VBLK_OP_READ = 0x7301,
    VBLK_OP_WRITE = 0x7302,
    VBLK_OP_FLUSH = 0x7303,
    VBLK_OP_DISCARD = 0x7304,
    VBLK_OP_WRITE_ZEROES = 0x7305,
    VBLK_OP_GET_ID = 0x7306,
    VBLK_OP_CORRUPT = 0x7307,
    VBLK_OP_CRASH = 0x7308,
    VBLK_OP_STATS = 0x7309,
    VBLK_OP_MISBEHAVE = 0x730a,
};
#define VBLK_CORRUPT_NONE 0u
#define VBLK_CORRUPT_ID 1u     /* the used id out of range */
#define VBLK_CORRUPT_LEN 2u    /* the used length beyond the chain's writable bytes */
#define VBLK_CORRUPT_IDX 3u    /* the used index far ahead of the buffers in flight */
#define VBLK_CORRUPT_STATUS 4u /* a status byte that is not OK, IOERR or UNSUPP */
/* the driver breaks its next request itself (its status byte device-readable): the device
 * sets DEVICE_NEEDS_RESET and sends a configuration interrupt */
#define VBLK_CORRUPT_DESC 5u

/* /dev/hvc0 (drivers/virtio-console): the vfs file protocol (VFS_OP_WRITE: the send buffer's
 * bytes, at most HVC_CHUNK per write, go to the device's transmitq, data[0] = count, once the
 * device took them; VFS_OP_READ: the bytes received so far, at most length, data[0] = count;
 * with none it waits until some arrive; input the device spoiled and the driver had to drop
 * fails the read that reaches it with EIO, once) plus three opcodes of its own:
 *   HVC_OP_INFO     -> data[0] = cols, data[1] = rows (the terminal size from the device, 0 if
 *                   it offers none), data[2] = device resets the driver did, data[3] =
 *                   operations failed with EIO, data[4] = bytes received, data[5] = bytes sent
 *   HVC_OP_CORRUPT  test only: data[0] = HWRNG_CORRUPT_ID, _LEN or _IDX: the driver scribbles
 *                   that garbage into its transmitq's used ring before taking the next
 *                   completion; HWRNG_CORRUPT_DESC: it makes the next write's buffer
 *                   device-writable (the device sets DEVICE_NEEDS_RESET): either way that
 *                   write fails with EIO, the driver resets the device, the next write works
 *   HVC_OP_MISBEHAVE  test only: data[0] = VDEV_MISBEHAVE_*: the driver arms the device's own
 *                   malicious behaviour (as VBLK_OP_MISBEHAVE) */
#define HVC_CHUNK 16384u
enum hvc_proto_op {
    HVC_OP_INFO = 0x7300,
    HVC_OP_CORRUPT = 0x7301,
    HVC_OP_MISBEHAVE = 0x7302, /* test only: data[0] = VDEV_MISBEHAVE_* (below) */
};

/* A virtio model's test hooks (hw-models/virtio/virtio_pci.h: VIRTIO_MISBEHAVE_*, the same
 * values): a malicious device, armed by a 32-bit write of one of these at VDEV_MISBEHAVE_REG in
 * the device-specific configuration region. For VBLK_OP_MISBEHAVE, HWRNG_OP_MISBEHAVE and
 * HVC_OP_MISBEHAVE. */
#define VDEV_MISBEHAVE_REG 0xffcu
#define VDEV_MISBEHAVE_SPURIOUS 1u /* queue interrupts without used buffers */
#define VDEV_MISBEHAVE_USED_ID 2u  /* the next used element's id beyond the queue */
#define VDEV_MISBEHAVE_USED_LEN 3u /* its length 0xfffffff0 */
#define VDEV_MISBEHAVE_USED_IDX 4u /* the used index 100 ahead */
/* the configuration changes (virtio-blk: the capacity halves) with the next request in flight,
 * and a configuration interrupt */
#define VDEV_MISBEHAVE_CONFIG 5u

#endif
