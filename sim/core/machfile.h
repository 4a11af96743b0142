/*
 * Machine files: what hardware a vrsim machine has, read from TOML (os/lib/toml) and checked
 * whole before anything boots. Called by vrsim (`vrsim run --machine FILE`, `vrsim machine
 * FILE`) and by the tests; holds no global state and never touches a machine itself: the result
 * is a plain description (struct vs_machine_desc) that vs_machine_create applies.
 *
 * Format (sim/machines/default.toml is the example):
 *
 *   name = "default"          # optional string
 *   memory = "2G"             # the machine's memory (guest memory quota): an integer of bytes
 *                             # or a string with a K, M, G or T suffix (KiB, MiB... also
 *                             # accepted); a positive multiple of the 4 KiB page and at most
 *                             # VS_MACH_MEMORY_MAX (what the arena can hold)
 *   [[pci]]                   # one per device, at most VS_MACH_PCI_MAX
 *   slot = "03.0"             # "DD.F" in hex as lspci prints it (bus 0): device 01..1f,
 *                             # function 0..7 (device 00 is the host bridge's); each slot once,
 *                             # and a function > 0 only beside function 0 of the same device
 *   model = "edu"             # a name from the model table (vs_mach_models)
 *   dma_mask = 0x0fffffff     # the model's properties, plain keys beside slot and model
 *
 * Models and their properties (host backends are properties):
 *   edu             1234:11e8  dma_mask: integer, 2^n - 1 with n in 1..64 (default 0x0fffffff)
 *   virtio-blk      1af4:1042  image: path of the disk image file (required; relative to the
 *                              machine file's directory; opened when the machine is built),
 *                              readonly: bool (default false), persist: bool, writes go to the
 *                              file (default false: a copy-on-write overlay in memory),
 *                              latency_ns: virtual ns per request, 0..10^12 (default 50000;
 *                              0 is taken as 1: the model's 0 means its default), block_size:
 *                              512 or 4096 (default 512), serial: GET_ID's answer, 1..20 of
 *                              [A-Za-z0-9_.-] (default "vrsim-blk")
 *   virtio-net      1af4:1041  wire: the host wire, "none" (default), "loopback" or
 *                              "responder" (sim/backends/netwire.h), mac:
 *                              "xx:xx:xx:xx:xx:xx", unicast (default 52:54:00:12:34:56),
 *                              pcap: path of a capture file (unset: none), latency_ns:
 *                              virtual ns a frame spends on the wire, 0..10^12 (default
 *                              100000; 0 is taken as 1), bad_every: a bad frame before every
 *                              Nth one to the NIC, 0..10^6 (default 0: none; the robustness
 *                              tests' hostile wire)
 *   virtio-console  1af4:1043  console: "null" (default), "file" or "stdio" (refused when
 *                              instantiated: not implemented yet); output, input: paths (with
 *                              "file"; unset: discarded, none); size: "COLSxROWS" ("80x25")
 *   virtio-rng      1af4:1044  (none; its bytes come from the run's seed)
 * Every model above is implemented. A model may be reserved in the table (implemented = 0;
 * none is today): the parser accepts it (so a file can be written and checked), `vrsim machine`
 * prints it, and instantiating a machine that has one (vs_machfile_check_implemented, `vrsim
 * run`) is refused as "not implemented yet".
 *
 * Errors: the first thing wrong, as "FILE:LINE:COL: what is wrong" (TOML syntax errors with
 * the parser's own position; a bad value at that value; an unknown key at its value; a
 * missing key at its table). Unreadable files: "FILE: reason". Nothing in the text is
 * trusted: every type, range and size is checked, strings are bounded (VS_MACH_STR_MAX).
 */
#ifndef VS_MACHFILE_H
#define VS_MACHFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VS_MACH_PCI_MAX 32    /* devices in one machine */
#define VS_MACH_PROPS_MAX 6   /* properties of one model */
#define VS_MACH_STR_MAX 256   /* bytes of a string value, NUL included */
#define VS_MACH_NAME_MAX 64   /* the machine's name, NUL included */
#define VS_MACH_PATH_MAX 1024 /* a resolved path, NUL included */
#define VS_MACH_PCI_DEVS 32u  /* devices 0..31 on the bus; 0 is the host bridge */
#define VS_MACH_PCI_FNS 8u
#define VS_MACH_PAGE 4096ull
/* The most memory a machine may be given: the arena's memory-object region (sim/core/arena.c:
 * 1 TiB per machine less the vDSO and the process slots, 65 GiB). */
#define VS_MACH_MEMORY_MAX ((1ull << 40) - (65ull << 30))
#define VS_MACH_MEMORY_DEFAULT (2ull << 30) /* a machine without a file: VS_MEMORY_QUOTA */

enum vs_mach_prop_type {
    VS_MP_BOOL,
    VS_MP_MASK, /* integer 2^n - 1, n in 1..64 */
    VS_MP_PATH, /* a host file; relative paths are taken from the machine file's directory */
    VS_MP_WORD, /* a string of [A-Za-z0-9_.-], 1..63 bytes */
    VS_MP_ENUM, /* one of choices */
    VS_MP_MAC,  /* "xx:xx:xx:xx:xx:xx", unicast */
    VS_MP_UINT, /* integer 0..max */
};

struct vs_mach_prop_desc {
    const char *name;
    enum vs_mach_prop_type type;
    int required;
    uint64_t def_int; /* BOOL, MASK, UINT */
    uint64_t max;     /* UINT */
    const char *def_str;
    const char *const *choices; /* ENUM: NULL-terminated */
    const char *help;
};

struct vs_mach_model {
    const char *name;
    uint16_t vendor, device;
    int implemented; /* 0: reserved (accepted by the parser, refused when instantiated) */
    uint32_t nprops;
    struct vs_mach_prop_desc props[VS_MACH_PROPS_MAX];
};

/* The known models, a const table; vs_mach_model_find returns NULL for an unknown name. */
extern const struct vs_mach_model vs_mach_models[];
extern const size_t vs_mach_nmodels;
const struct vs_mach_model *vs_mach_model_find(const char *name);

struct vs_mach_prop {
    int set;                    /* written in the file (else the default) */
    uint64_t num;               /* BOOL, MASK, UINT */
    char str[VS_MACH_PATH_MAX]; /* PATH (resolved), WORD, ENUM, MAC */
};

struct vs_mach_pci {
    uint8_t dev, fn;
    const struct vs_mach_model *model;
    uint32_t line, col;                           /* the entry's [[pci]] header, for later errors */
    struct vs_mach_prop props[VS_MACH_PROPS_MAX]; /* indexed like model->props */
};

struct vs_machine_desc {
    char name[VS_MACH_NAME_MAX];
    char file[VS_MACH_STR_MAX]; /* as given (messages) */
    uint64_t memory;            /* bytes, page multiple */
    uint32_t npci;
    struct vs_mach_pci pci[VS_MACH_PCI_MAX]; /* sorted by slot */
};

/*
 * Several nodes in one file (one vrsim runs them all, sim/core/nodes.h): a file with [[node]]
 * tables. Its top level then holds only name, [[node]] and [[link]]:
 *
 *   [[node]]                  # 1..VS_NODES_MAX; the first is the run's main node
 *   name = "a"                # required, 1..63 of [A-Za-z0-9_.-], unique, not "responder"
 *   memory = "1G"             # as a machine's (default 2G)
 *   image = "a.bootfs"        # its boot image (default: the one vrsim run names)
 *   argv = ["/test/sleepy", "60000"]   # its console program (default: the command line's
 *                             # program for the first node, init's console program for others)
 *   files = { "/etc/net.toml" = "a-net.toml" }  # host files laid over the node's boot image
 *                             # (replaced or added), at most VS_NODE_FILES_MAX
 *   [[node.pci]]              # its devices, as a machine's [[pci]]; its virtio-net NICs are
 *   slot = "07.0"             # NODE.net0, NODE.net1... in slot order
 *   model = "virtio-net"
 *   mac = "52:54:00:00:00:0a"
 *
 *   [[link]]                  # 0..VS_LINKS_MAX
 *   name = "ab"               # for --pcap NAME=FILE (default "linkN", N its index from 0)
 *   ends = ["a.net0", "b.net0"]  # two NICs (each on one link at most, with no wire of its
 *                             # own), or a NIC and "responder" (netwire's ARP/ICMP/DHCP peer)
 *   latency_ns = 100000       # 1..10^12 (default 100000)
 *   bandwidth_bps = 0         # 0..10^12 bits/s, 0: unlimited (default)
 *   loss = 0.0                # rates in [0, 1]: loss, duplicate, reorder (default 0)
 *   reorder_ns = 0            # a reordered frame's extra delay (0: latency_ns)
 *   jitter_ns = 0             # extra delay uniform in [0, jitter_ns]
 *   queue = 64                # frames waiting to be serialised, 1..256
 *   bad_every = 0             # a bad frame before every Nth delivered (behind the capture)
 *   pcap = "ab.pcap"          # capture of the link (--pcap NAME=FILE overrides)
 * The link model is sim/backends/netlink.h. Errors as above (unknown node, NIC linked twice, a
 * rate outside [0, 1], ... at the offending value).
 */
#define VS_NODES_MAX 8u
#define VS_LINKS_MAX 16u
#define VS_NODE_ARGV_MAX 16u
#define VS_NODE_FILES_MAX 8u
#define VS_NODE_LINK_QUEUE_MAX 256u
#define VS_LINK_RESPONDER UINT32_MAX

struct vs_node_file {
    char guest[VS_MACH_STR_MAX]; /* absolute path in the image */
    char host[VS_MACH_PATH_MAX]; /* resolved */
};

struct vs_node_desc {
    struct vs_machine_desc m;     /* its name is the node's */
    char image[VS_MACH_PATH_MAX]; /* "": the run's image */
    uint32_t argc;                /* 0: the default program */
    char argv[VS_NODE_ARGV_MAX][VS_MACH_STR_MAX];
    uint32_t nfiles;
    struct vs_node_file files[VS_NODE_FILES_MAX];
    uint32_t line, col;
};

struct vs_link_end_desc {
    uint32_t node; /* index into nodes, or VS_LINK_RESPONDER */
    uint32_t nic;  /* N of netN */
};

struct vs_link_desc {
    char name[VS_MACH_NAME_MAX];
    struct vs_link_end_desc end[2];
    uint64_t latency_ns, bandwidth_bps, jitter_ns, reorder_ns, bad_every;
    double loss, duplicate, reorder;
    uint32_t queue;
    char pcap[VS_MACH_PATH_MAX]; /* "": none */
    uint32_t line, col;
};

struct vs_net_desc {
    char name[VS_MACH_NAME_MAX];
    char file[VS_MACH_STR_MAX];
    uint32_t nnodes; /* 0: the file has no [[node]]: a plain machine file */
    uint32_t nlinks;
    struct vs_node_desc node[VS_NODES_MAX];
    struct vs_link_desc link[VS_LINKS_MAX];
};

/* Parse a file with [[node]] tables into nd (0); a file without them gives 0 with
 * nd->nnodes 0 (read it with vs_machfile_parse). Errors as vs_machfile_parse's. */
int vs_netfile_parse(const char *text, size_t len, const char *file, struct vs_net_desc *nd,
                     char *err, size_t errlen);
int vs_netfile_load(const char *path, struct vs_net_desc *nd, char *err, size_t errlen);
/* `vrsim machine` for a file of nodes: each node as vs_machfile_print, then the links. */
void vs_netfile_print(const struct vs_net_desc *nd, FILE *f);

/* The description of a machine without a file: VS_MACH_MEMORY_DEFAULT, no devices. */
void vs_machfile_default(struct vs_machine_desc *d);

/*
 * Parse and check a machine file's text (len bytes, need not be NUL-terminated). `file` names
 * it in messages and its directory anchors relative paths. Returns 0 with *d filled, or
 * -VK_EINVAL (a bad file) / -VK_ENOMEM with err holding "file:line:col: what is wrong".
 */
int vs_machfile_parse(const char *text, size_t len, const char *file, struct vs_machine_desc *d,
                      char *err, size_t errlen);
/* Read and parse a file; an unreadable file is -VK_ENOENT etc. with "file: reason". */
int vs_machfile_load(const char *path, struct vs_machine_desc *d, char *err, size_t errlen);
/* 0 if every model in d is implemented, else -VK_ENOSYS with "file:line:col: model 'x' is not
 * implemented yet" for the first that is not. */
int vs_machfile_check_implemented(const struct vs_machine_desc *d, char *err, size_t errlen);
/* A stable, line-per-fact dump (`vrsim machine FILE`): memory and every slot with all of its
 * properties, defaults included. */
void vs_machfile_print(const struct vs_machine_desc *d, FILE *f);

#endif
