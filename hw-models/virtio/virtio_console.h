/*
 * hw-models/virtio: virtio-console, the console device (virtio 1.1, 5.3), 1af4:1043, class
 * 0x078000. Pure C11: no host I/O, no globals, no allocation, no host time.
 *
 * Who calls it: the machine embeds a struct virtio_console, calls virtio_console_init with the
 * terminal size and a backend (a const ops table and its context: the platform's console, a
 * file, a pipe; sim/backends does the host I/O), attaches &c->vp.pci to its pci_host and drives
 * time with virtio_console_advance/virtio_console_next_event, as for virtio-rng. Input from the
 * host is pushed with virtio_console_input, a resize with virtio_console_set_size; both act at
 * the device's current time (the last advance), so the platform advances first.
 *
 * One port, no multiport: receiveq (queue 0, host to driver) and transmitq (queue 1, driver to
 * host), 64 entries each. Features offered: VIRTIO_CONSOLE_F_SIZE (cols and rows in the
 * configuration) and VIRTIO_CONSOLE_F_EMERG_WRITE (a 32-bit write of emerg_wr sends its low
 * byte to the backend at any time, before negotiation and while the device needs a reset, as
 * the spec allows). Configuration (struct virtio_console_config, 12 bytes, little-endian):
 * cols, rows, max_nr_ports (1; valid only with multiport, which is not offered), emerg_wr
 * (reads 0). Every other configuration write is a guest error.
 *
 * Transmit: each chain must hold device-readable buffers only; its bytes go to backend->write
 * in order, in chunks of at most VIRTIO_CONSOLE_CHUNK bytes read with pci_dma_read, and the
 * chain completes with 0 bytes written. A backend error is counted (tx_errors) and the chain
 * still completes: the driver cannot do better than a UART whose line is down. A DMA fault in
 * the middle of a chain is a violation; the chunks before it have reached the backend.
 *
 * Receive: input is a bounded ring of VIRTIO_CONSOLE_INPUT_SIZE bytes. virtio_console_input
 * accepts bytes only while the driver is live (DRIVER_OK, receiveq enabled, no NEEDS_RESET) and
 * only as many as the ring has room for; it returns the count accepted and the platform keeps
 * the rest (flow control, never a silent drop; virtio_console_input_room says how much fits).
 * Accepted bytes fill the driver's receive buffers in order, one buffer per latency (vp.latency,
 * at least 1 ns), each with as many bytes as it holds and the ring has; a buffer is never
 * completed empty. With no buffer posted the input waits, and a kick on receiveq resumes it.
 * With no input, a kick on receiveq is absorbed (the buffers wait for input). Each receive
 * chain must hold device-writable buffers only; the data is written with pci_dma_write in
 * chunks and taken from the ring only once all of it is written.
 *
 * Violations (the transport's NEEDS_RESET path: no used entry, no byte of guest memory
 * written, no byte sent): a device-writable buffer in the transmitq, a device-readable one in
 * the receiveq, a receive chain with no writable byte; both directions are checked before any
 * data moves. A buffer the host refuses to let the device read (transmit) or write (receive)
 * is a violation too, found as the data moves: the chunks before the refused one have been
 * sent (transmit) or written into the chain (receive, and the input stays in the ring).
 *
 * Reset (status 0 or a PCI reset): the queues are the transport's; the model drops the input
 * still in the ring (counted in input_dropped): the new driver session starts with no stale
 * input, and the platform's later input is accepted once the driver is live again. The size
 * stays (it is the host terminal's).
 *
 * Size: virtio_console_set_size changes cols/rows; when they differ it bumps config_generation
 * and, if the driver accepted VIRTIO_CONSOLE_F_SIZE (FEATURES_OK with it), raises the
 * configuration-change interrupt.
 *
 * Invariants (virtio_console_check): the transport's; the ring within its bounds; every byte
 * accepted is delivered, still in the ring, or dropped by a reset; no receive buffer completed
 * empty. Never: assert() on anything a driver writes; host I/O; a memory access except
 * through the transport's virtq_read/virtq_write.
 */
#ifndef HW_MODELS_VIRTIO_CONSOLE_H
#define HW_MODELS_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_CONSOLE_CLASS 0x078000
#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define VIRTIO_CONSOLE_RXQ 0 /* receiveq of port 0 */
#define VIRTIO_CONSOLE_TXQ 1 /* transmitq of port 0 */
#define VIRTIO_CONSOLE_QUEUE_SIZE 64

/* struct virtio_console_config */
#define VIRTIO_CONSOLE_CFG_COLS 0
#define VIRTIO_CONSOLE_CFG_ROWS 2
#define VIRTIO_CONSOLE_CFG_MAX_NR_PORTS 4
#define VIRTIO_CONSOLE_CFG_EMERG_WR 8
#define VIRTIO_CONSOLE_CFG_LEN 12

#define VIRTIO_CONSOLE_MAX_CHAIN 65536u /* ours: the longest chain (bytes) a buffer may have */
#define VIRTIO_CONSOLE_INPUT_SIZE 4096u /* ours: bytes of input the device holds */
#define VIRTIO_CONSOLE_CHUNK 256u       /* ours: bytes moved per DMA and per backend write */

/* The host end, supplied by the platform. */
struct virtio_console_backend_ops {
    /* len (1..VIRTIO_CONSOLE_CHUNK) bytes the driver transmitted, in order. 0 or -errno (the
     * bytes are lost to the host and counted in tx_errors). */
    int (*write)(void *ctx, const uint8_t *buf, size_t len);
};

struct virtio_console {
    struct virtio_pci vp;
    const struct virtio_console_backend_ops *backend;
    void *ctx;
    uint16_t cols, rows;
    uint8_t in[VIRTIO_CONSOLE_INPUT_SIZE]; /* the input ring */
    uint32_t in_head, in_len;              /* first byte's index, bytes held */
    /* counters since init */
    uint64_t tx_bytes, tx_errors;           /* transmitted (given to the backend), failed writes */
    uint64_t emerg_bytes;                   /* sent through emerg_wr */
    uint64_t input_accepted, input_refused; /* by virtio_console_input */
    uint64_t rx_bytes, input_dropped;       /* delivered to the driver, dropped by resets */
    uint64_t rx_empty;                      /* receive buffers completed empty: always 0 */
};

/* cols/rows the initial size; backend (with write) and ctx the host end. 0 or -VK_EINVAL. */
int virtio_console_init(struct virtio_console *c, uint16_t cols, uint16_t rows,
                        const struct virtio_console_backend_ops *backend, void *ctx);
void virtio_console_advance(struct virtio_console *c, uint64_t now);
uint64_t virtio_console_next_event(const struct virtio_console *c);
int virtio_console_check(const struct virtio_console *c);
/* Push up to len bytes of host input: returns how many were accepted (0 while the driver is
 * not live); the caller keeps the rest and offers them again later. */
size_t virtio_console_input(struct virtio_console *c, const uint8_t *buf, size_t len);
/* How many bytes virtio_console_input would accept now. */
size_t virtio_console_input_room(const struct virtio_console *c);
/* The host terminal's size changed. */
void virtio_console_set_size(struct virtio_console *c, uint16_t cols, uint16_t rows);

#endif
