/*
 * sim/backends/vconsole: the host end of virtio-console (hw-models/virtio/virtio_console), a
 * second console whose output goes to a host file and whose input comes from one.
 *
 * Who calls it: the machine's PCI model table (sim/core/pcibus.c), for a virtio-console entry
 * of the machine file: vs_vconsole_open with the entry's output and input paths (either may be
 * NULL or ""), vs_vconsole_backend for the ops table the model writes through, vs_vconsole_feed
 * after every advance of the model, vs_vconsole_close when the machine goes away.
 *
 * Output: every byte the driver transmits is written to the output file at once, in order
 * (created or truncated at open; no buffering, so the file is complete whenever the run stops);
 * without an output file the bytes are discarded. A host write error fails the model's write
 * (it counts it) and is remembered in out_errors.
 *
 * Input: the whole input file is read at open (at most VS_VCONSOLE_INPUT_MAX bytes, else the
 * open fails) and offered to the model from boot on, in order, as fast as it accepts it
 * (virtio_console_input takes what fits while the driver is live; the rest waits for the next
 * feed). Deterministic: what is delivered, and when, depends only on the file's bytes and
 * the guest; no host time, nothing read from the host after open.
 *
 * Errors: 0 or a negative VK_E* code, with a message naming the file in err.
 * Never: read the host while the simulation runs; drop or reorder input.
 */
#ifndef SIM_BACKENDS_VCONSOLE_H
#define SIM_BACKENDS_VCONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "hw-models/virtio/virtio_console.h"

#define VS_VCONSOLE_INPUT_MAX (16u << 20) /* bytes of an input file */

struct vs_vconsole {
    int out_fd;             /* -1: output discarded */
    uint8_t *in;            /* the input file's bytes (NULL when none) */
    size_t in_len, in_done; /* bytes in it, bytes the model accepted */
    uint64_t out_bytes, out_errors;
};

int vs_vconsole_open(struct vs_vconsole *h, const char *out_path, const char *in_path, char *err,
                     size_t errlen);
void vs_vconsole_close(struct vs_vconsole *h);
const struct virtio_console_backend_ops *vs_vconsole_backend(void);
/* Offer the model as much of the remaining input as it takes now. */
void vs_vconsole_feed(struct vs_vconsole *h, struct virtio_console *c);
/* Is input still waiting to be accepted? */
int vs_vconsole_pending(const struct vs_vconsole *h);

#endif
