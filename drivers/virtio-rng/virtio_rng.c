/*
 * drivers/virtio-rng: the driver of a virtio entropy device (virtio 1.1, 5.4; 1af4:1044),
 * serving /dev/hwrng. Written against ddk.h and the virtio driver library (drivers/virtio)
 * only, so the same binary drives vrsim's model (hw-models/virtio/virtio_rng) and QEMU's.
 *
 * Protocol (the vfs file protocol, veridian/vfs_proto.h, spoken directly with each client):
 *   VFS_OP_READ   data[0] = length -> up to min(length, VRNG_CHUNK) bytes from the device in
 *                 the receive buffer, data[0] = count (the device may return fewer than asked;
 *                 a read of 0 bytes answers 0 at once)
 *   HWRNG_OP_INFO  (test and diagnostics) data[0] = requests served, data[1] = device resets
 *                 the driver did, data[2] = requests failed with EIO, data[3] = interrupts
 *   HWRNG_OP_CORRUPT  test only: data[0] = HWRNG_CORRUPT_* — before the driver reads the used
 *                 ring for the next completion it scribbles that garbage into the ring (the
 *                 ring is device-writable memory: this is what a malicious device could have
 *                 written), so tests reach the library's checks through the real data path;
 *                 HWRNG_CORRUPT_DESC instead makes the next request break the protocol (a
 *                 device-readable buffer): the device answers DEVICE_NEEDS_RESET
 *   anything else -> ENOSYS
 *
 * One request in flight: one queue entry, one DMA buffer of VRNG_CHUNK bytes the device
 * writes. While it runs, further messages are held (they queue in the kernel) and a deadline
 * bounds the wait: a lost interrupt fails the read with EIO.
 *
 * Interrupts: MSI-X with two vectors (0: configuration change, 1: the request queue), else
 * (or with the argument --intx, drivers.toml `args`) INTx: vector 0, the ISR byte says which.
 * Recovery: garbage in the used ring (vdrv_vq_get -> -VK_EIO), DEVICE_NEEDS_RESET, or a lost
 * interrupt fail the read in progress with EIO, then the driver resets the device and brings it up
 * again; if that fails the driver exits and devmgr resets the device and restarts it.
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
               "HWRNG_OP_CORRUPT's kinds are the library's");

#define VRNG_CHUNK HWRNG_CHUNK
#define VRNG_QUEUE_WANT 16u
#define VRNG_TIMEOUT_NS 100000000ull /* 100 ms: the device takes microseconds */
#define VRNG_VEC_CONFIG 0u
#define VRNG_VEC_QUEUE 1u

struct vrng {
    struct vdrv_dev vd;
    struct vdrv_queue q;
    struct ddk_dma_buf buf;
    bool msix;
    bool busy;
    struct ddk_msg cur;
    uint32_t corrupt;
    uint64_t served, failed;
};

/* Bring the device up from reset: features, the queue, vectors, DRIVER_OK. */
static int vrng_start(struct vrng *r)
{
    int rc;
    if ((rc = vdrv_reset(&r->vd)) || (rc = vdrv_negotiate(&r->vd, 0, NULL)))
        return rc;
    if (r->msix && (rc = vdrv_config_vector(&r->vd, VRNG_VEC_CONFIG)))
        return rc;
    if ((rc = vdrv_queue_setup(&r->vd, &r->q, 0, VRNG_QUEUE_WANT,
                               r->msix ? VRNG_VEC_QUEUE : VDRV_NO_VECTOR)))
        return rc;
    return vdrv_driver_ok(&r->vd);
}

static void finish(struct ddk_device *dev, struct vrng *r, long status)
{
    if (!r->busy)
        return;
    if (status < 0)
        r->failed++;
    else
        r->served++;
    ddk_reply(dev, &r->cur, status);
    r->busy = false;
    ddk_set_deadline(dev, VK_DEADLINE_NEVER);
    ddk_hold_messages(dev, 0);
}

/* Something is wrong with the device: fail the read, reset, start again (or give up). */
static void recover(struct ddk_device *dev, struct vrng *r, const char *why)
{
    void *cookie;
    ddk_log(dev, "%s: the read fails with EIO, resetting the device", why);
    finish(dev, r, -VK_EIO);
    while (vdrv_vq_take_inflight(&r->q.vq, &cookie) == 1)
        ; /* one request at a time: it was r->cur, answered above */
    vdrv_restarted(&r->vd, vrng_start(r));
}

static void complete(struct ddk_device *dev, struct vrng *r)
{
    void *cookie;
    uint32_t len;
    if (r->corrupt && r->corrupt != HWRNG_CORRUPT_DESC && r->busy) {
        vdrv_test_corrupt_used(&r->q.vq, r->corrupt, VRNG_CHUNK * 16);
        r->corrupt = HWRNG_CORRUPT_NONE;
    }
    ddk_dma_sync(dev, &r->q.mem, 0);
    int got = vdrv_vq_get(&r->q.vq, &cookie, &len);
    if (got < 0) {
        recover(dev, r, r->q.vq.error ? r->q.vq.error : "used ring garbage");
        return;
    }
    if (got == 0)
        return; /* an interrupt without work: nothing to do */
    if (!r->busy)
        return; /* a completion nobody waits for (its read already failed) */
    ddk_dma_sync(dev, &r->buf, 0);
    long n = ddk_msg_write(dev, &r->cur, 0, r->buf.va, len);
    memset(r->cur.data, 0, sizeof r->cur.data);
    r->cur.data[0] = n < 0 ? 0 : (uint64_t)n;
    finish(dev, r, n < 0 ? n : 0);
}

static void vrng_interrupt(struct ddk_device *dev, unsigned vector)
{
    struct vrng *r = ddk_priv(dev);
    bool queue = false, config = false;
    if (r->msix) {
        queue = vector == VRNG_VEC_QUEUE;
        config = vector == VRNG_VEC_CONFIG;
    } else {
        uint8_t isr = vdrv_isr(&r->vd);
        if (isr == 0xff)
            return; /* the read was refused: nothing to acknowledge */
        queue = isr & VDRV_ISR_QUEUE;
        config = isr & VDRV_ISR_CONFIG;
    }
    if (config) {
        uint8_t s = vdrv_status(&r->vd);
        if (s == 0xff || (s & VDRV_S_NEEDS_RESET)) {
            recover(dev, r, "the device needs a reset");
            return;
        }
    }
    if (queue)
        complete(dev, r);
}

static void vrng_deadline(struct ddk_device *dev)
{
    struct vrng *r = ddk_priv(dev);
    if (r->busy)
        recover(dev, r, "no interrupt from the device in time");
}

static void op_read(struct ddk_device *dev, struct vrng *r, struct ddk_msg *m)
{
    uint64_t want = m->data[0] < m->recv_len ? m->data[0] : m->recv_len;
    if (want > VRNG_CHUNK)
        want = VRNG_CHUNK;
    if (want == 0) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    }
    struct vdrv_buf b = {.iova = r->buf.iova, .len = (uint32_t)want, .write = true};
    int rc = vdrv_vq_add(&r->q.vq, &b, 1, r);
    if (rc) {
        ddk_reply(dev, m, rc == -VK_ENOSPC ? -VK_EIO : rc);
        return;
    }
    if (r->corrupt == HWRNG_CORRUPT_DESC) { /* test only: the buffer becomes device-readable */
        vdrv_test_flip_write(&r->q.vq, 0);
        r->corrupt = HWRNG_CORRUPT_NONE;
    }
    r->cur = *m;
    r->busy = true;
    ddk_hold_messages(dev, 1);
    ddk_set_deadline(dev, ddk_now() + VRNG_TIMEOUT_NS);
    ddk_dma_sync(dev, &r->q.mem, 1);
    if (vdrv_notify(&r->vd, &r->q))
        recover(dev, r, "the notification was refused");
}

static void vrng_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct vrng *r = ddk_priv(dev);
    if (m->kind != DDK_MSG_CALL)
        return;
    switch (m->opcode) {
    case VFS_OP_READ:
        op_read(dev, r, m);
        return;
    case HWRNG_OP_INFO:
        memset(m->data, 0, sizeof m->data);
        m->data[0] = r->served;
        m->data[1] = r->vd.resets;
        m->data[2] = r->failed;
        m->data[3] = ddk_irq_count(dev);
        ddk_reply(dev, m, 0);
        return;
    case HWRNG_OP_MISBEHAVE: /* test only: the device's own test hooks */
        if (vdrv_test_misbehave(&r->vd, m->data[0])) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    case HWRNG_OP_CORRUPT:
        if (m->data[0] > HWRNG_CORRUPT_DESC) {
            ddk_reply(dev, m, -VK_EINVAL);
            return;
        }
        r->corrupt = (uint32_t)m->data[0];
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, 0);
        return;
    default:
        ddk_reply(dev, m, -VK_ENOSYS);
        return;
    }
}

static int vrng_init(struct ddk_device *dev)
{
    struct vrng *r = calloc(1, sizeof *r); /* lives as long as the driver */
    int rc;
    if (!r)
        return -VK_ENOMEM;
    ddk_set_priv(dev, r);
    if ((rc = vdrv_probe(&r->vd, dev)))
        return rc;
    if ((rc = ddk_dma_alloc(dev, VRNG_CHUNK, VK_DMA_WRITE, &r->buf)))
        return rc;
    if ((rc = vdrv_irq_setup(&r->vd, 2, &r->msix)))
        return rc;
    return vdrv_started(&r->vd, vrng_start(r));
}

static const struct ddk_driver_ops vrng_ops = {
    .name = "virtio-rng",
    .init = vrng_init,
    .handle_interrupt = vrng_interrupt,
    .handle_message = vrng_message,
    .handle_deadline = vrng_deadline,
};

int main(int argc, char **argv)
{
    return ddk_main(&vrng_ops, argc, argv);
}
