/*
 * hw-models/virtio: virtio-console (the contract is in virtio_console.h). The transport pops
 * each chain and calls con_request; the receive queue is held back (its schedule cleared) while
 * the input ring is empty, so a receive buffer is only ever popped when there is input for it.
 */
#include "virtio_console.h"

#include <string.h>

#include "veridian/errors.h"

#define CON_FEATURES                                                                               \
    (VIRTIO_FEATURE(VIRTIO_CONSOLE_F_SIZE) | VIRTIO_FEATURE(VIRTIO_CONSOLE_F_EMERG_WRITE))

static struct virtio_console *con_of(struct virtio_pci *vp)
{
    return vp->opaque;
}

/* The driver can take input: DRIVER_OK, receiveq enabled, not waiting for a reset. */
static bool con_live(const struct virtio_console *c)
{
    const struct virtio_pci *vp = &c->vp;
    return (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vp->broken &&
           vp->vq[VIRTIO_CONSOLE_RXQ].enabled;
}

/* One request per latency, and at least 1 ns: the receive queue is looked at once per step. */
static void con_fix_latency(struct virtio_console *c)
{
    if (!c->vp.latency)
        c->vp.latency = 1;
}

static void con_backend_write(struct virtio_console *c, const uint8_t *buf, size_t len)
{
    if (c->backend->write(c->ctx, buf, len) < 0)
        c->tx_errors++;
}

/* ---- the queues ---- */

static int con_transmit(struct virtio_console *c, const struct virtq_elem *e, const char **why)
{
    uint8_t chunk[VIRTIO_CONSOLE_CHUNK];
    if (e->nseg != e->nout) {
        *why = "virtio-console: device-writable buffer in the transmitq";
        return -VK_EIO;
    }
    for (uint64_t off = 0; off < e->out_len; off += sizeof(chunk)) {
        size_t n = e->out_len - off < sizeof(chunk) ? (size_t)(e->out_len - off) : sizeof(chunk);
        if (virtq_read(&c->vp.pci, e, off, chunk, n) < 0) {
            *why = "virtio-console: transmit buffer not readable by the device (DMA refused)";
            return -VK_EIO;
        }
        c->tx_bytes += n;
        con_backend_write(c, chunk, n);
    }
    return 0;
}

/* Copy n bytes of the ring, starting off bytes after its head, into buf. */
static void ring_peek(const struct virtio_console *c, uint32_t off, uint8_t *buf, size_t n)
{
    uint32_t at = (c->in_head + off) % VIRTIO_CONSOLE_INPUT_SIZE;
    size_t first = VIRTIO_CONSOLE_INPUT_SIZE - at < n ? VIRTIO_CONSOLE_INPUT_SIZE - at : n;
    memcpy(buf, c->in + at, first);
    memcpy(buf + first, c->in, n - first);
}

static int con_receive(struct virtio_console *c, const struct virtq_elem *e, uint32_t *written,
                       const char **why)
{
    uint8_t chunk[VIRTIO_CONSOLE_CHUNK];
    if (e->nout) {
        *why = "virtio-console: device-readable buffer in the receiveq";
        return -VK_EIO;
    }
    if (!e->in_len) {
        *why = "virtio-console: receive buffer without a device-writable byte";
        return -VK_EIO;
    }
    uint32_t total = e->in_len < c->in_len ? (uint32_t)e->in_len : c->in_len;
    for (uint32_t off = 0; off < total; off += sizeof(chunk)) {
        size_t n = total - off < sizeof(chunk) ? total - off : sizeof(chunk);
        ring_peek(c, off, chunk, n);
        if (virtq_write(&c->vp.pci, e, off, chunk, n) < 0) {
            *why = "virtio-console: receive buffer not writable by the device (DMA refused)";
            return -VK_EIO;
        }
    }
    /* all written: only now is the input taken */
    c->in_head = (c->in_head + total) % VIRTIO_CONSOLE_INPUT_SIZE;
    c->in_len -= total;
    c->rx_bytes += total;
    if (!total)
        c->rx_empty++;
    *written = total;
    return 0;
}

static int con_request(struct virtio_pci *vp, unsigned q, const struct virtq_elem *e,
                       uint32_t *written, const char **why)
{
    struct virtio_console *c = con_of(vp);
    *written = 0;
    if (q == VIRTIO_CONSOLE_TXQ)
        return con_transmit(c, e, why);
    return con_receive(c, e, written, why);
}

/* ---- configuration ---- */

static void con_config_bytes(const struct virtio_console *c, uint8_t cfg[VIRTIO_CONSOLE_CFG_LEN])
{
    memset(cfg, 0, VIRTIO_CONSOLE_CFG_LEN);
    cfg[VIRTIO_CONSOLE_CFG_COLS] = (uint8_t)c->cols;
    cfg[VIRTIO_CONSOLE_CFG_COLS + 1] = (uint8_t)(c->cols >> 8);
    cfg[VIRTIO_CONSOLE_CFG_ROWS] = (uint8_t)c->rows;
    cfg[VIRTIO_CONSOLE_CFG_ROWS + 1] = (uint8_t)(c->rows >> 8);
    cfg[VIRTIO_CONSOLE_CFG_MAX_NR_PORTS] = 1; /* emerg_wr reads 0 */
}

static uint64_t con_config_read(struct virtio_pci *vp, uint32_t off, unsigned size)
{
    uint8_t cfg[VIRTIO_CONSOLE_CFG_LEN];
    uint64_t v = 0;
    con_config_bytes(con_of(vp), cfg);
    for (unsigned i = 0; i < size; i++) /* the transport bounds off + size by config_len */
        v |= (uint64_t)cfg[off + i] << (8 * i);
    return v;
}

static void con_config_write(struct virtio_pci *vp, uint32_t off, unsigned size, uint64_t val)
{
    struct virtio_console *c = con_of(vp);
    if (off != VIRTIO_CONSOLE_CFG_EMERG_WR || size != 4) {
        pci_guest_error(&vp->pci, "virtio-console: write to a read-only configuration field");
        return;
    }
    uint8_t ch = (uint8_t)val;
    c->emerg_bytes++;
    con_backend_write(c, &ch, 1);
}

static void con_reset(struct virtio_pci *vp)
{
    struct virtio_console *c = con_of(vp);
    c->input_dropped += c->in_len; /* the old session's input: gone with it */
    c->in_head = c->in_len = 0;
}

static const struct virtio_device_ops con_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .class_code = VIRTIO_CONSOLE_CLASS,
    .features = CON_FEATURES,
    .num_queues = 2,
    .queue_max = VIRTIO_CONSOLE_QUEUE_SIZE,
    .max_chain_bytes = VIRTIO_CONSOLE_MAX_CHAIN,
    .config_len = VIRTIO_CONSOLE_CFG_LEN,
    .reset = con_reset,
    .config_read = con_config_read,
    .config_write = con_config_write,
    .request = con_request,
};

/* ---- the platform's side ---- */

int virtio_console_init(struct virtio_console *c, uint16_t cols, uint16_t rows,
                        const struct virtio_console_backend_ops *backend, void *ctx)
{
    if (!backend || !backend->write)
        return -VK_EINVAL;
    memset(c, 0, sizeof(*c));
    c->backend = backend;
    c->ctx = ctx;
    c->cols = cols;
    c->rows = rows;
    return virtio_pci_init(&c->vp, &con_ops, c);
}

void virtio_console_advance(struct virtio_console *c, uint64_t now)
{
    struct virtio_pci *vp = &c->vp;
    con_fix_latency(c);
    /* Step event by event, so that the receive queue is served only with input to give: a
     * receive buffer the transport pops must be completed, and never empty. */
    for (;;) {
        uint64_t t = virtio_pci_next_event(vp);
        if (t == VIRTIO_NO_EVENT || t > now)
            break;
        if (vp->due[VIRTIO_CONSOLE_RXQ] == t && !c->in_len) {
            vp->due[VIRTIO_CONSOLE_RXQ] = VIRTIO_NO_EVENT; /* until input arrives */
            continue;
        }
        virtio_pci_advance(vp, t);
    }
    virtio_pci_advance(vp, now);
}

uint64_t virtio_console_next_event(const struct virtio_console *c)
{
    uint64_t t = VIRTIO_NO_EVENT;
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
        if (q == VIRTIO_CONSOLE_RXQ && !c->in_len)
            continue; /* a kick without input: nothing will happen */
        if (c->vp.due[q] < t)
            t = c->vp.due[q];
    }
    return t;
}

size_t virtio_console_input_room(const struct virtio_console *c)
{
    return con_live(c) ? VIRTIO_CONSOLE_INPUT_SIZE - c->in_len : 0;
}

size_t virtio_console_input(struct virtio_console *c, const uint8_t *buf, size_t len)
{
    struct virtio_pci *vp = &c->vp;
    size_t room = virtio_console_input_room(c);
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++)
        c->in[(c->in_head + c->in_len + i) % VIRTIO_CONSOLE_INPUT_SIZE] = buf[i];
    c->in_len += (uint32_t)n;
    c->input_accepted += n;
    c->input_refused += len - n;
    if (n && vp->due[VIRTIO_CONSOLE_RXQ] == VIRTIO_NO_EVENT) {
        con_fix_latency(c);
        vp->due[VIRTIO_CONSOLE_RXQ] = vp->now + vp->latency; /* con_live: the queue can run */
    }
    return n;
}

void virtio_console_set_size(struct virtio_console *c, uint16_t cols, uint16_t rows)
{
    struct virtio_pci *vp = &c->vp;
    if (cols == c->cols && rows == c->rows)
        return;
    c->cols = cols;
    c->rows = rows;
    if ((vp->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
        (vp->driver_features & VIRTIO_FEATURE(VIRTIO_CONSOLE_F_SIZE)))
        virtio_pci_config_changed(vp); /* generation and the configuration interrupt */
    else
        vp->config_generation++;
}

int virtio_console_check(const struct virtio_console *c)
{
    if (c->in_head >= VIRTIO_CONSOLE_INPUT_SIZE || c->in_len > VIRTIO_CONSOLE_INPUT_SIZE)
        return -VK_EINVAL;
    if (c->input_accepted != c->rx_bytes + c->in_len + c->input_dropped)
        return -VK_EINVAL;
    if (c->rx_empty)
        return -VK_EINVAL;
    return virtio_pci_check(&c->vp);
}
