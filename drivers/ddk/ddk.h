/*
 * The driver kit: the only contract a driver sees. A driver is an ops table (init, interrupt,
 * message, and an optional deadline handler) handed to ddk_main, which runs the loop:
 *
 *   wait_many over { the interrupt notification (bit v = vector v), the driver's /dev
 *   endpoint (unless messages are held) } until the driver's deadline
 *     -> handle_interrupt(vector) for each vector that fired, then
 *     -> handle_message(msg) for one request (or close notice) from a client, or
 *     -> handle_deadline() when the deadline passed first.
 *
 * The kit itself answers DDK_OP_PROBE (veridian/devices.h: the driver's handles and the
 * refusals it gets), so tests can check what devmgr gave any driver.
 *
 * One thread, no locks: every callback runs to completion in the loop. A driver that cannot
 * answer a request at once (it waits for its device) keeps the message, holds further
 * messages (ddk_hold_messages: they queue in the kernel), sets a deadline, and replies from
 * handle_interrupt or handle_deadline: a lost interrupt fails the operation instead of
 * hanging it.
 *
 * Every hardware access goes through the kernel-call page (libveridian's vk_device_* and
 * vk_dma_* wrappers): in vrsim each is a traced call into the device model, and the same
 * driver binary runs on other backends. No #ifdef in a driver, none here.
 *
 * Handles: the driver starts with its device (DDK_ROLE_DEVICE), its DMA domain
 * (DDK_ROLE_DOMAIN) and the receive end of its endpoint (DDK_ROLE_SERVE), from devmgr
 * (veridian/devices.h). ddk_main refuses to run without the first and the last.
 *
 * Errors: functions return 0 or a negative VK_E* code. Register reads return the value the
 * bus gave, all-ones when the access was refused (like a master abort on real hardware); the
 * refusal is counted (ddk_access_errors) and the last code kept (ddk_last_error).
 */
#ifndef DDK_H
#define DDK_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/devices.h"
#include "veridian/kcall.h"

struct ddk_device; /* opaque: one per driver process, made by ddk_main */

enum ddk_msg_kind {
    DDK_MSG_CALL = 1,   /* a request: reply to it exactly once (ddk_reply) */
    DDK_MSG_CLOSED = 2, /* the client with this badge closed its last handle: no reply */
};

/* A message as the driver sees it: the request (opcode, data) and what to reply with. */
struct ddk_msg {
    uint32_t kind; /* enum ddk_msg_kind */
    uint32_t opcode;
    uint64_t data[VK_MSG_DATA_WORDS]; /* in: the request's; out: the reply's */
    uint64_t badge;                   /* which open of the node (vfs mints one per open) */
    uint64_t token;                   /* reply token (kernel's) */
    uint64_t send_len;                /* bytes the client sent (ddk_msg_read) */
    uint64_t recv_len;                /* bytes the client can take (ddk_msg_write) */
};

struct ddk_driver_ops {
    const char *name;
    /* Bring the device up (after ddk_main opened the handles). 0, or a negative code: the
     * driver exits with status 1 and devmgr restarts it. */
    int (*init)(struct ddk_device *dev);
    void (*handle_interrupt)(struct ddk_device *dev, unsigned vector);
    void (*handle_message)(struct ddk_device *dev, struct ddk_msg *msg);
    /* optional: the deadline set with ddk_set_deadline passed (it is cleared first) */
    void (*handle_deadline)(struct ddk_device *dev);
};

/* Run the driver: never returns unless starting failed (then returns 1 for main). */
int ddk_main(const struct ddk_driver_ops *ops, int argc, char **argv);

/* The driver's own state, kept for it. */
void ddk_set_priv(struct ddk_device *dev, void *priv);
void *ddk_priv(const struct ddk_device *dev);
/* The node's name (argv[1], e.g. "edu"). */
const char *ddk_name(const struct ddk_device *dev);
/* Is `flag` among the driver's arguments after its name (drivers.toml `args`)? */
int ddk_has_arg(const struct ddk_device *dev, const char *flag);
/* IDs, class, BARs and interrupt capabilities of the function, as the kernel reported them
 * at start. */
const struct vk_device_info *ddk_info(const struct ddk_device *dev);

/* ---- configuration space (off + size <= 4096, aligned; BAR registers are the platform's) */
uint8_t ddk_config_read8(struct ddk_device *dev, uint32_t off);
uint16_t ddk_config_read16(struct ddk_device *dev, uint32_t off);
uint32_t ddk_config_read32(struct ddk_device *dev, uint32_t off);
int ddk_config_write8(struct ddk_device *dev, uint32_t off, uint8_t v);
int ddk_config_write16(struct ddk_device *dev, uint32_t off, uint16_t v);
int ddk_config_write32(struct ddk_device *dev, uint32_t off, uint32_t v);
/* The offset of the first standard capability with this ID (PCI_CAP_ID_*), or 0. The list
 * is walked with bounds: a looping or out-of-range list ends the walk. */
uint32_t ddk_find_capability(struct ddk_device *dev, uint8_t id);
/* Set (on != 0) or clear bus mastering in the command register. */
int ddk_bus_master(struct ddk_device *dev, int on);

/* ---- BARs: memory (MMIO) and I/O (port) BARs by number and offset ---- */
/* 0 and *out, or -VK_ENOENT when the BAR does not exist. */
int ddk_bar_info(const struct ddk_device *dev, unsigned bar, struct vk_bar_info *out);
uint8_t ddk_mmio_read8(struct ddk_device *dev, unsigned bar, uint64_t off);
uint16_t ddk_mmio_read16(struct ddk_device *dev, unsigned bar, uint64_t off);
uint32_t ddk_mmio_read32(struct ddk_device *dev, unsigned bar, uint64_t off);
uint64_t ddk_mmio_read64(struct ddk_device *dev, unsigned bar, uint64_t off);
int ddk_mmio_write8(struct ddk_device *dev, unsigned bar, uint64_t off, uint8_t v);
int ddk_mmio_write16(struct ddk_device *dev, unsigned bar, uint64_t off, uint16_t v);
int ddk_mmio_write32(struct ddk_device *dev, unsigned bar, uint64_t off, uint32_t v);
int ddk_mmio_write64(struct ddk_device *dev, unsigned bar, uint64_t off, uint64_t v);
uint8_t ddk_pio_read8(struct ddk_device *dev, unsigned bar, uint32_t off);
uint16_t ddk_pio_read16(struct ddk_device *dev, unsigned bar, uint32_t off);
uint32_t ddk_pio_read32(struct ddk_device *dev, unsigned bar, uint32_t off);
int ddk_pio_write8(struct ddk_device *dev, unsigned bar, uint32_t off, uint8_t v);
int ddk_pio_write16(struct ddk_device *dev, unsigned bar, uint32_t off, uint16_t v);
int ddk_pio_write32(struct ddk_device *dev, unsigned bar, uint32_t off, uint32_t v);
/* Refused accesses so far, and the code of the last one (0 if none). */
uint64_t ddk_access_errors(const struct ddk_device *dev);
long ddk_last_error(const struct ddk_device *dev);

/* ---- DMA buffers ---- */
struct ddk_dma_buf {
    void *va;      /* where the driver reads and writes it */
    uint64_t iova; /* what the device is told */
    uint64_t size; /* bytes, a multiple of 4 KiB */
    uint32_t vmo;  /* the memory object behind it */
    uint32_t perm; /* VK_DMA_READ (the device reads) | VK_DMA_WRITE (the device writes) */
};

/* The device addresses only IOVAs <= mask (e.g. edu: 2^28 - 1); 0: the whole IOVA space. */
void ddk_dma_set_mask(struct ddk_device *dev, uint64_t mask);
/* A zeroed buffer of size bytes (rounded up to pages): a memory object, mapped into the
 * driver and into the device's domain at an IOVA below the mask. Turns bus mastering on. */
int ddk_dma_alloc(struct ddk_device *dev, uint64_t size, uint32_t perm, struct ddk_dma_buf *out);
/* Make the driver's writes visible to the device before starting it (to_device) or the
 * device's visible to the driver after it finished (!to_device). In vrsim (coherent, one
 * CPU) a fence; on real hardware the cache maintenance the platform needs. */
void ddk_dma_sync(struct ddk_device *dev, const struct ddk_dma_buf *buf, int to_device);
/* Unmap from the domain first (the device loses it), then from the driver; frees. */
int ddk_dma_free(struct ddk_device *dev, struct ddk_dma_buf *buf);

/* ---- interrupts ---- */
enum ddk_irq_kind {
    DDK_IRQ_ANY = 0, /* MSI-X, else MSI, else INTx */
    DDK_IRQ_MSIX = 1,
    DDK_IRQ_MSI = 2,
    DDK_IRQ_INTX = 3,
};
/* Program the device's interrupts of that kind (MSI/MSI-X: address VK_MSI_ADDRESS, data =
 * vector; up to want vectors, at least 1) and bind each vector to bit `vector` of the DDK's
 * notification (INTx: vector 0). Returns the number of vectors (> 0) or a negative code. */
int ddk_irq_enable(struct ddk_device *dev, enum ddk_irq_kind kind, unsigned want);
/* Wait (outside the loop, e.g. in init) until one of the vectors in mask fires or the
 * absolute deadline passes: the bits that fired (cleared), or -VK_ETIMEDOUT. */
long ddk_irq_wait(struct ddk_device *dev, uint64_t mask, uint64_t deadline);
/* Interrupts delivered to the driver so far. */
uint64_t ddk_irq_count(const struct ddk_device *dev);
/* A handle (SIGNAL|TRANSFER) to the driver's notification for a peer (the netstack's frame
 * ring, veridian/netdev.h) to wake the driver with: signalling bit v runs handle_interrupt(v)
 * in the loop like an interrupt. The peer can signal any bit: a driver treats every vector as
 * a hint to look at its rings and registers, never as proof that something happened. */
int ddk_doorbell(struct ddk_device *dev, uint32_t *out);

/* ---- time and the loop ---- */
uint64_t ddk_now(void); /* virtual ns */
/* Absolute deadline for handle_deadline; VK_DEADLINE_NEVER clears it. */
void ddk_set_deadline(struct ddk_device *dev, uint64_t deadline);
/* Hold (1) or resume (0) the delivery of messages; interrupts and deadlines go on. */
void ddk_hold_messages(struct ddk_device *dev, int hold);

/* ---- messages ---- */
/* Bytes from the client's send buffer / into its receive buffer: the count, or a negative
 * code. */
long ddk_msg_read(struct ddk_device *dev, const struct ddk_msg *msg, uint64_t off, void *buf,
                  size_t len);
long ddk_msg_write(struct ddk_device *dev, const struct ddk_msg *msg, uint64_t off, const void *buf,
                   size_t len);
/* Reply once: status 0 sends msg->data as the result, a negative code sends that errno. */
int ddk_reply(struct ddk_device *dev, struct ddk_msg *msg, long status);
/* Reply with msg->data and n (<= VK_MSG_MAX_HANDLES) handles moved to the client (each needs
 * TRANSFER). Refused for the message itself (-VK_EINVAL, -VK_EFAULT, -VK_EBADH, -VK_EPERM): the
 * handles stay the driver's and the message may be answered again; the caller gone
 * (-VK_ESRCH): the handles are closed. */
int ddk_reply_handles(struct ddk_device *dev, struct ddk_msg *msg, const uint32_t *handles,
                      unsigned n);

/* A line on the driver's stderr (the console devmgr gave it), prefixed with the driver's
 * name. */
void ddk_log(const struct ddk_device *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
