/*
 * sim/core/nodes: several machines (nodes) in one vrsim, joined by simulated links
 * (sim/backends/netlink), run in conservative lockstep in virtual time. Built from a machine
 * file with [[node]] and [[link]] tables (sim/core/machfile.h); vrsim's run command uses it
 * when the file has nodes.
 *
 * Lockstep: every node has its own virtual clock (its kernel's now). The runner always runs
 * the node whose clock is lowest (the first in file order among equals), up to the horizon
 * min(every other live node's clock) + lookahead, lookahead being the smallest latency of the
 * links joining two nodes (at least the cost of one kernel call): no frame sent by another node
 * after that node's present can arrive before it, so no node ever receives a frame in its
 * past. A node stops at the horizon at a kernel-call boundary (machine.h horizon) or when it is
 * idle (its clock then is the horizon). When every node is idle, all jump to the earliest
 * timer of any node. A frame crosses a link as a timed event: the link model gives its arrival
 * times, and it waits in the far NIC's wire queue (netwire) whose timer wakes that node. A
 * frame that would arrive in the far node's past (only possible with a link latency below the
 * kernel-call cost) is delivered at its present and counted as late.
 *
 * Randomness: each link's PRNG is seeded from the run's seed and the link's index; the first
 * node runs with the run's seed itself (as it would alone), every other node with a seed
 * derived from the run's and its index (its kernel's choices, its virtio-rng's bytes, lwIP's
 * LWIP_RAND). One seed, one run.
 *
 * Output: the first node's console is vrsim's stdout/stderr as for one machine; every other
 * node's console lines go to the same stdout/stderr, each prefixed "[NAME] ", and only the
 * first node reads vrsim's stdin. The run ends when the first node's console program exits
 * (vrsim's exit status is its); every other node is then stopped as a machine is at its end.
 * A node whose own console program ends earlier shuts down alone. When every thread of every
 * node waits and nothing can wake one, every node is stopped (as one machine would be).
 *
 * Digests: each node's trace digest (vs_nodes_digest_node), each link's digest of every frame
 * it carried (time, direction, bytes, fate), and one combined digest over both, in file order:
 * vrsim prints the per-node and per-link ones as "vrsim: node NAME trace-digest X" / "vrsim:
 * link NAME digest X" and the combined one as the usual last line "trace-digest: X".
 *
 * Capture: a link with a pcap file records every frame that enters it (from either end, at its
 * send time), before loss, duplication, reordering and bad frames, in time order (records are
 * held until every node's clock has passed them, then written sorted).
 *
 * Never: let one node's guest reach another node's memory or objects (frames are copied);
 * block the host on anything but the first node's console input.
 */
#ifndef VS_NODES_H
#define VS_NODES_H

#include <stdint.h>

#include "sim/backends/netlink.h"
#include "sim/backends/netwire.h"
#include "sim/core/machine.h"

struct vs_nodes;

struct vs_nodes_pcap { /* --pcap LINK=FILE */
    const char *link, *file;
};

/* Build every node (machine, boot image with its files, hardware) and link, and boot them:
 * /sbin/init on each with the node's console program (argv from the file; for the first node
 * without one, prog/argc; for the others, init's default). opt is the run's options
 * (machine_index, desc and terminal are set per node). 0 with *out, or an exit status for vrsim
 * (2: the command line or the file is at fault, 1 otherwise) with the message on stderr. */
int vs_nodes_create(struct vs_nodes **out, const struct vs_net_desc *nd,
                    const struct vs_options *opt, const char *image, const char *const *argv,
                    int argc, const struct vs_nodes_pcap *pcaps, int npcaps);
/* Run to the end (above); the first node's exit status. */
int vs_nodes_run(struct vs_nodes *net);
/* The first node's machine (its console is vrsim's). */
struct vk_machine *vs_nodes_main(struct vs_nodes *net);
/* Print the per-node and per-link digests and the combined one (the last line) to f. */
void vs_nodes_print_digests(struct vs_nodes *net, FILE *f);
/* --stats: each node's and link's figures. */
void vs_nodes_print_stats(struct vs_nodes *net, FILE *f);
void vs_nodes_destroy(struct vs_nodes *net);

#endif
