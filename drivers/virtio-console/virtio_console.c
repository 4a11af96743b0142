/*
 * drivers/virtio-console: the driver of a virtio console (virtio 1.1, 5.3; 1af4:1043), one
 * port, serving /dev/hvc0: a second console beside the platform's. Written against ddk.h and
 * the virtio driver library (drivers/virtio) only, so the same binary drives vrsim's model
 * (hw-models/virtio/virtio_console) and QEMU's virtconsole.
 *
 * Protocol (veridian/devices.h, the vfs file protocol spoken directly with each client):
 *   VFS_OP_WRITE  up to HVC_CHUNK bytes of the send buffer go to the transmitq as one chain;
 *                 the reply (data[0] = count) comes when the device has taken them
 *   VFS_OP_READ   what the line discipline gives, at most the length asked (data[0] = count);
 *                 with nothing to give the read waits (up to HVC_READERS of them, answered in
 *                 arrival order) until input arrives; a read of 0 answers 0 at once
 *   VFS_OP_TTY    the terminal's controls (termios, foreground group, window size, isatty,
 *                 its name)
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
 * The terminal: input goes from the ring through the line discipline (os/lib/ldisc, as the
 * kernel's console) to the readers: as it arrives when the terminal echoes or makes signals
 * (ECHO, ISIG), else when a read wants it (a quiet raw terminal keeps it in the ring, so a
 * program that sets its modes first has them applied to all its input); echoes queue for the
 * transmitq and go out before the next client write; client writes go through output processing.
 * hvc0 starts raw (cfmakeraw's settings): a byte pipe for the programs that carry data over it, a
 * terminal with ICANON, ECHO, ISIG once a program sets them. ^C, ^\ and ^Z signal the terminal's
 * foreground group through the kernel's terminal object, which alone decides whom that may reach
 * (the session that made hvc0 its controlling terminal by a read, a tcsetattr or a tcsetpgrp of its
 * own: kcall.h "Terminals served by a process"), since the driver's uid may not signal its users.
 * A window-size change (configuration interrupt) sends SIGWINCH the same way. Job control is
 * the kernel's rule too (ACCESS): a read from a background group of the terminal's session
 * gets SIGTTIN, a write with TOSTOP, a tcsetattr or a tcsetpgrp SIGTTOU; the driver answers
 * EIO or EINTR as the kernel says, or holds the call (up to HVC_HELD) while the caller is
 * stopped and asks again every HVC_HOLD_POLL_NS of virtual time, so `fg` lets it go on.
 * Never: trust a length or index from the device (the library checks them, and a receive
 * length is bounded by the buffer); assert().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddk.h"
#include "os/lib/ldisc/vl_ldisc.h"
#include "vdrv.h"
#include "veridian/devices.h"
#include "veridian/kcall.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

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
#define HVC_ECHO_SIZE 1024u /* echoes waiting for the transmitq (more are dropped) */
#define HVC_SIGWINCH 28u
#define HVC_TTYNAME "/dev/hvc0" /* ttyname's answer (VK_CON_TTYNAME) */
#define HVC_SIGTTIN 21u
#define HVC_SIGTTOU 22u
#define HVC_HELD 8u                 /* calls of stopped background processes (more: EAGAIN) */
#define HVC_HOLD_POLL_NS 1000000ull /* how often a held call asks the kernel again: 1 ms */

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
    uint64_t read_start[HVC_READERS]; /* when each read began (VTIME) */
    unsigned nreaders;
    uint64_t read_wake;            /* the first reader's VTIME timer (virtual ns), or never */
    struct ddk_msg held[HVC_HELD]; /* calls whose caller job control stopped (VK_TERM_HOLD) */
    unsigned nheld;
    uint64_t held_wake; /* when they ask again, or never */
    bool tx_busy;
    bool tx_echo; /* the transmit in flight is echoes: no client waits for it */
    struct ddk_msg tx_cur;
    uint32_t tx_len;  /* bytes of the chain in flight */
    uint32_t tx_took; /* client bytes they stand for (output processing may add some) */
    uint64_t tx_deadline;
    bool recovering; /* no echo starts while the device is being reset */
    /* the terminal: line discipline, its echoes, and the kernel's terminal object (whom ^C
     * may signal: kcall.h "Terminals served by a process") */
    struct ddk_device *dev;
    struct vl_ldisc ld;
    uint32_t term;
    uint8_t echo[HVC_ECHO_SIZE];
    uint32_t echo_len;
    uint8_t wbuf[HVC_CHUNK];    /* a client's write before output processing */
    uint8_t rbuf[VL_LDISC_BUF]; /* a read's bytes from the discipline */
    uint32_t corrupt;
    uint64_t failed, rx_bytes, tx_bytes;
};

static void read_size(struct hvc *h, uint64_t features)
{
    uint16_t oc = h->cols, orow = h->rows;
    h->cols = h->rows = 0;
    if (!(features & HVC_F_SIZE) || !h->vd.device.present || h->vd.device.len < 4)
        return;
    uint16_t c = ddk_mmio_read16(h->vd.dev, h->vd.device.bar, h->vd.device.off);
    uint16_t r = ddk_mmio_read16(h->vd.dev, h->vd.device.bar, h->vd.device.off + 2);
    if (c == 0xffff && r == 0xffff)
        return; /* the reads were refused */
    h->cols = c;
    h->rows = r;
    if ((oc || orow) && (c != oc || r != orow) && h->term)
        vk_terminal_ctl(h->term, VK_TERM_SIGNAL, HVC_SIGWINCH, 0);
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

static void recover(struct ddk_device *dev, struct hvc *h, const char *why, bool rx_lost);

/* One deadline serves the three timers: the transmit in flight, the first read's VTIME, and
 * the held calls' next question. */
static void arm_deadline(struct ddk_device *dev, struct hvc *h)
{
    uint64_t d = h->tx_busy ? h->tx_deadline : VK_DEADLINE_NEVER;
    if (h->held_wake < d)
        d = h->held_wake;
    ddk_set_deadline(dev, h->read_wake < d ? h->read_wake : d);
}

/* Job control for m's caller (kcall.h "Terminals served by a process", ACCESS): true when m
 * is not to be served now, having been answered (EIO, EINTR) or held while its caller is
 * stopped; held calls are dispatched again every HVC_HOLD_POLL_NS (release_held). */
static bool job_control(struct ddk_device *dev, struct hvc *h, struct ddk_msg *m, uint32_t signo)
{
    long rc = vk_terminal_ctl(h->term, VK_TERM_ACCESS, signo, m->token);
    if (rc == 0)
        return false;
    if (rc == VK_TERM_HOLD && h->nheld < HVC_HELD) {
        h->held[h->nheld++] = *m;
        h->held_wake = ddk_now() + HVC_HOLD_POLL_NS;
        arm_deadline(dev, h);
        return true;
    }
    memset(m->data, 0, sizeof m->data);
    ddk_reply(dev, m, rc == VK_TERM_HOLD ? -VK_EAGAIN : rc);
    return true;
}

/* Put len bytes of txbuf in the transmitq as one chain; messages wait until it completes. */
static void tx_start(struct ddk_device *dev, struct hvc *h, uint32_t len, bool echo)
{
    struct vdrv_buf b = {.iova = h->txbuf.iova, .len = len, .write = false};
    ddk_dma_sync(dev, &h->txbuf, 1);
    int rc = vdrv_vq_add(&h->txq.vq, &b, 1, h);
    if (rc) {
        if (!echo)
            ddk_reply(dev, &h->tx_cur, rc == -VK_ENOSPC ? -VK_EIO : rc);
        return;
    }
    if (h->corrupt == HWRNG_CORRUPT_DESC && !echo) { /* test only: device-writable buffer */
        vdrv_test_flip_write(&h->txq.vq, 0);
        h->corrupt = HWRNG_CORRUPT_NONE;
    }
    h->tx_len = len;
    h->tx_echo = echo;
    h->tx_busy = true;
    h->tx_deadline = ddk_now() + HVC_TIMEOUT_NS;
    ddk_hold_messages(dev, 1);
    arm_deadline(dev, h);
    ddk_dma_sync(dev, &h->txq.mem, 1);
    if (vdrv_notify(&h->vd, &h->txq))
        recover(dev, h, "the notification was refused", false);
}

/* Echoes go out whenever the transmitq is free: before the next client write. */
static void tx_kick(struct ddk_device *dev, struct hvc *h)
{
    if (h->tx_busy || !h->echo_len || h->recovering)
        return;
    uint32_t n = h->echo_len < HVC_CHUNK ? h->echo_len : HVC_CHUNK;
    memcpy(h->txbuf.va, h->echo, n);
    memmove(h->echo, h->echo + n, h->echo_len - n);
    h->echo_len -= n;
    tx_start(dev, h, n, true);
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
        h->tx_cur.data[0] = h->tx_took;
    }
    if (!h->tx_echo)
        ddk_reply(dev, &h->tx_cur, status);
    h->tx_busy = false;
    arm_deadline(dev, h);
    ddk_hold_messages(dev, 0);
    tx_kick(dev, h);
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

/* Move input from the ring into the line discipline, as far as it takes it and never past
 * a gap (input lost): echoes and signal characters take effect here. */
static void pump(struct hvc *h)
{
    for (;;) {
        uint32_t avail = h->gap ? h->gap_at : h->in_len;
        uint32_t first = HVC_IN_SIZE - h->in_head < avail ? HVC_IN_SIZE - h->in_head : avail;
        if (!first)
            return;
        uint32_t took = (uint32_t)vl_ldisc_input(&h->ld, h->in + h->in_head, first, ddk_now());
        h->in_head = (h->in_head + took) % HVC_IN_SIZE;
        h->in_len -= took;
        if (h->gap)
            h->gap_at -= took;
        if (took < first)
            return; /* the discipline is full of unread input */
    }
}

static void pop_reader(struct hvc *h)
{
    --h->nreaders;
    memmove(&h->readers[0], &h->readers[1], h->nreaders * sizeof h->readers[0]);
    memmove(&h->read_start[0], &h->read_start[1], h->nreaders * sizeof h->read_start[0]);
}

/* Answer waiting reads through the line discipline, oldest first; the read that reaches a
 * gap (input lost) fails with EIO instead, and the bytes after the gap go to the next reads. */
static void answer_readers(struct ddk_device *dev, struct hvc *h)
{
    h->read_wake = VK_DEADLINE_NEVER;
    while (h->nreaders) {
        struct ddk_msg *m = &h->readers[0];
        pump(h);
        uint64_t want = m->data[0] < m->recv_len ? m->data[0] : m->recv_len;
        if (want > sizeof h->rbuf)
            want = sizeof h->rbuf;
        uint64_t wake = VK_DEADLINE_NEVER;
        long n = vl_ldisc_read(&h->ld, h->rbuf, (size_t)want, h->read_start[0], ddk_now(), &wake);
        if (n == -VK_EAGAIN && h->gap && h->gap_at == 0) {
            h->gap = false;
            h->failed++;
            ddk_reply(dev, m, -VK_EIO);
            pop_reader(h);
            continue;
        }
        if (n == -VK_EAGAIN) {
            h->read_wake = wake;
            break;
        }
        long rc = n > 0 ? ddk_msg_write(dev, m, 0, h->rbuf, (size_t)n) : 0;
        if (rc < 0) {
            ddk_reply(dev, m, rc); /* the client's buffer: its problem (those bytes are gone) */
        } else {
            memset(m->data, 0, sizeof m->data);
            m->data[0] = (uint64_t)n;
            ddk_reply(dev, m, 0);
        }
        pop_reader(h);
    }
    if (h->ld.t.lflag & (VL_ISIG | VL_ECHO))
        pump(h); /* echoes and signal characters take effect as input arrives */
    arm_deadline(dev, h);
    tx_kick(dev, h);
}

/* Something is wrong with the device: fail the write in flight, keep the input it completed,
 * reset, start again (or exit). Reads wait on: the ones waiting fail with EIO only when input
 * was lost (rx_lost: garbage in the receiveq), else the first read to reach the loss does. */
static void recover(struct ddk_device *dev, struct hvc *h, const char *why, bool rx_lost)
{
    void *cookie;
    ddk_log(dev, "%s: failing the waiting operations with EIO, resetting the device", why);
    h->recovering = true;
    tx_finish(dev, h, -VK_EIO);
    if (!rx_lost && rx_take(dev, h) < 0)
        rx_lost = true;
    answer_readers(dev, h);
    if (rx_lost && h->nreaders) { /* nothing to read: the loss is here, these reads report it */
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
    h->recovering = false;
    tx_kick(dev, h);
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

static void hvc_message(struct ddk_device *dev, struct ddk_msg *m);

/* The held calls ask again (job_control): each is dispatched anew, and held again while its
 * caller is still stopped; while a transmit runs (messages wait) they wait too. */
static void release_held(struct ddk_device *dev, struct hvc *h)
{
    struct ddk_msg again[HVC_HELD];
    unsigned n = h->nheld;
    if (!n || ddk_now() < h->held_wake)
        return;
    memcpy(again, h->held, n * sizeof again[0]);
    h->nheld = 0;
    h->held_wake = VK_DEADLINE_NEVER;
    for (unsigned i = 0; i < n; i++) {
        if (h->tx_busy) {
            h->held[h->nheld++] = again[i];
            h->held_wake = ddk_now() + HVC_HOLD_POLL_NS;
        } else {
            hvc_message(dev, &again[i]);
        }
    }
    arm_deadline(dev, h);
}

static void hvc_deadline(struct ddk_device *dev)
{
    struct hvc *h = ddk_priv(dev);
    release_held(dev, h);
    if (h->tx_busy && ddk_now() >= h->tx_deadline)
        recover(dev, h, "the device did not take a write in time", false);
    serve_readers(dev, h); /* VTIME ran out, maybe */
}

/* A client's write: its bytes through output processing (OPOST) into one chain; the reply
 * (when the device took them) counts the client's bytes that went, maybe fewer than sent. */
static void op_write(struct ddk_device *dev, struct hvc *h, struct ddk_msg *m)
{
    if ((h->ld.t.lflag & VL_TOSTOP) && job_control(dev, h, m, HVC_SIGTTOU))
        return;
    uint64_t n = m->send_len < HVC_CHUNK ? m->send_len : HVC_CHUNK;
    long got = n ? ddk_msg_read(dev, m, 0, h->wbuf, (size_t)n) : 0;
    if (got <= 0) {
        memset(m->data, 0, sizeof m->data);
        ddk_reply(dev, m, got);
        return;
    }
    size_t took;
    size_t out = vl_ldisc_output(&h->ld, h->wbuf, (size_t)got, h->txbuf.va, HVC_CHUNK, &took);
    if (!out) { /* all of it dropped by output processing (ONOCR): nothing to send */
        memset(m->data, 0, sizeof m->data);
        m->data[0] = took;
        ddk_reply(dev, m, 0);
        return;
    }
    h->tx_cur = *m;
    h->tx_took = (uint32_t)took;
    tx_start(dev, h, (uint32_t)out, false);
}

/* The terminal's controls (VFS_OP_TTY: the console_ctl ops). Setting the session or the
 * foreground group is the kernel's to allow, for the caller behind m (its reply token). */
static void op_tty(struct ddk_device *dev, struct hvc *h, struct ddk_msg *m)
{
    uint64_t op = m->data[0], arg = m->data[1];
    long rc = 0;
    uint64_t ret = 0;
    struct vk_termios t;
    struct vk_winsize ws;
    if ((op == VK_CON_SETATTR || op == VK_CON_SETPGRP) && job_control(dev, h, m, HVC_SIGTTOU))
        return;
    switch (op) {
    case VK_CON_ISATTY:
        ret = 1;
        break;
    case VK_CON_GETATTR:
        rc = ddk_msg_write(dev, m, 0, &h->ld.t, sizeof h->ld.t);
        break;
    case VK_CON_SETATTR:
        rc = ddk_msg_read(dev, m, 0, &t, sizeof t);
        if (rc >= 0 && rc != (long)sizeof t)
            rc = -VK_EINVAL;
        if (rc >= 0) {
            vk_terminal_ctl(h->term, VK_TERM_CLAIM, 0, m->token);
            vl_ldisc_set_termios(&h->ld, &t);
            rc = 0;
        }
        break;
    case VK_CON_GETPGRP:
        rc = vk_terminal_ctl(h->term, VK_TERM_GETPGRP, 0, 0);
        ret = rc > 0 ? (uint64_t)rc : 0;
        break;
    case VK_CON_SETPGRP:
        rc = vk_terminal_ctl(h->term, VK_TERM_SETPGRP, arg, m->token);
        break;
    case VK_CON_GETWINSZ:
        memset(&ws, 0, sizeof ws);
        ws.cols = h->cols;
        ws.rows = h->rows;
        rc = ddk_msg_write(dev, m, 0, &ws, sizeof ws);
        break;
    case VK_CON_TTYNAME:
        rc = ddk_msg_write(dev, m, 0, HVC_TTYNAME, sizeof HVC_TTYNAME);
        break;
    case VK_CON_FLUSH:
        if (arg > 2)
            rc = -VK_EINVAL;
        else if (arg != 1)
            vl_ldisc_flush(&h->ld);
        break;
    default:
        rc = -VK_EINVAL;
        break;
    }
    memset(m->data, 0, sizeof m->data);
    m->data[0] = ret;
    ddk_reply(dev, m, rc < 0 ? rc : 0);
    if (op == VK_CON_SETATTR || op == VK_CON_FLUSH)
        serve_readers(dev, h); /* a mode change may make a read return */
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
    vk_terminal_ctl(h->term, VK_TERM_CLAIM, 0, m->token); /* a first read claims, as Linux's */
    if (job_control(dev, h, m, HVC_SIGTTIN))
        return;
    h->read_start[h->nreaders] = ddk_now();
    h->readers[h->nreaders++] = *m;
    serve_readers(dev, h);
}

static void hvc_message(struct ddk_device *dev, struct ddk_msg *m)
{
    struct hvc *h = ddk_priv(dev);
    if (m->kind == DDK_MSG_CLOSED) { /* its reads cannot be waiting: the client is gone */
        for (unsigned i = 0; i < h->nheld;)
            if (h->held[i].badge == m->badge) {
                --h->nheld;
                memmove(&h->held[i], &h->held[i + 1], (h->nheld - i) * sizeof h->held[0]);
            } else {
                i++;
            }
        for (unsigned i = 0; i < h->nreaders;)
            if (h->readers[i].badge == m->badge) {
                --h->nreaders;
                memmove(&h->readers[i], &h->readers[i + 1],
                        (h->nreaders - i) * sizeof h->readers[0]);
                memmove(&h->read_start[i], &h->read_start[i + 1],
                        (h->nreaders - i) * sizeof h->read_start[0]);
            } else {
                i++;
            }
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
    case VFS_OP_TTY:
        op_tty(dev, h, m);
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

/* The line discipline's ends: echoes queue for the transmitq; signal characters go to the
 * terminal's foreground group, as the kernel allows (terminal.c). */
static void hvc_echo(void *ctx, const char *buf, size_t len)
{
    struct hvc *h = ctx;
    size_t room = HVC_ECHO_SIZE - h->echo_len;
    size_t n = len < room ? len : room; /* a terminal that cannot keep up loses echoes */
    memcpy(h->echo + h->echo_len, buf, n);
    h->echo_len += (uint32_t)n;
}

static void hvc_signal(void *ctx, uint32_t signo)
{
    struct hvc *h = ctx;
    vk_terminal_ctl(h->term, VK_TERM_SIGNAL, signo, 0);
}

static const struct vl_ldisc_ops hvc_ldisc_ops = {.echo = hvc_echo, .signal = hvc_signal};

/* hvc0 starts raw (cfmakeraw's settings, no echo): a byte pipe, as its clients that carry
 * data expect; a program that wants a terminal sets ICANON, ECHO, ISIG (tcsetattr). */
static void hvc_ldisc_init(struct hvc *h)
{
    struct vk_termios t;
    vl_ldisc_init(&h->ld, &hvc_ldisc_ops, h);
    t = h->ld.t;
    t.iflag &= ~(VL_IGNBRK | VL_BRKINT | VL_ISTRIP | VL_INLCR | VL_IGNCR | VL_ICRNL | VL_IXON);
    t.oflag &= ~VL_OPOST;
    t.lflag &= ~(VL_ECHO | VL_ECHONL | VL_ICANON | VL_ISIG | VL_IEXTEN);
    t.cc[VL_VMIN] = 1;
    t.cc[VL_VTIME] = 0;
    vl_ldisc_set_termios(&h->ld, &t);
}

static int hvc_init(struct ddk_device *dev)
{
    struct hvc *h = calloc(1, sizeof *h); /* lives as long as the driver */
    int rc;
    if (!h)
        return -VK_ENOMEM;
    ddk_set_priv(dev, h);
    h->dev = dev;
    h->read_wake = VK_DEADLINE_NEVER;
    h->held_wake = VK_DEADLINE_NEVER;
    hvc_ldisc_init(h);
    long trc = vk_terminal_create(&h->term);
    if (trc < 0)
        return (int)trc;
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
