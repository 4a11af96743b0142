/*
 * vrsim: the command line of the deterministic simulator.
 *
 *   vrsim run [options] [IMAGE] [-- PROGRAM ARGS...]
 *   vrsim machine [FILE]
 *   vrsim lspci [--machine FILE] [-n] [-v] [-x|-xxx|-xxxx]   (sim/lspci.c)
 *
 * Boots a machine from a boot image and runs PROGRAM (a path inside the image) on the
 * console; when it exits the machine shuts down and vrsim exits with its status. The last
 * line on stderr is always "trace-digest: <hex>", a hash of every traced event: two runs
 * with the same seed and inputs print the same digest.
 *
 * The machine's hardware comes from a machine file (sim/core/machfile.h): --machine FILE, or
 * the build's machines/default.toml next to the default image. A bad file is refused with
 * exit status 2 before anything starts; `vrsim machine FILE` checks one and prints it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/core/machine.h"
#include "sim/core/nodes.h"
#include "sim/gdb/gdbstub.h"
#include "sim/inspect/inspect.h"
#include "sim/lspci.h"
#include "sim/replay/diff.h"
#include "sim/replay/record.h"
#include "sim/trace/trace_bin.h"

static const char usage[] =
    "usage: vrsim run [options] [IMAGE] [-- PROGRAM [ARGS...]]\n"
    "       vrsim machine [FILE|NAME]\n"
    "       vrsim lspci [--machine FILE|NAME] [-n|-nn] [-v] [-x|-xxx|-xxxx]\n"
    "       vrsim replay [--no-verify] [--until N | --until-time NS] [--inspect-cmd S] LOG\n"
    "       vrsim diff [-C N] A.trace B.trace | --run 'RUN-ARGS' --run 'RUN-ARGS'\n"
    "       vrsim --help\n"
    "\n"
    "Boot a Veridian machine from IMAGE (default: the build's veridian.bootfs) and run\n"
    "PROGRAM, a path inside the image, on the console. The machine boots as usual: /sbin/init\n"
    "starts the services of /etc/services.toml, then PROGRAM (default: init's console\n"
    "program); when PROGRAM exits, the services stop and the machine shuts down.\n"
    "vrsim exits with the program's exit status (128+signal if it crashed). The console is\n"
    "a terminal when stdin is one (or with --tty): the guest's line discipline echoes,\n"
    "edits lines and turns ^C/^Z/^\\ into signals, and this terminal goes raw (Ctrl-A x\n"
    "quits); otherwise it is plain pipes (no echo, isatty() false in guests).\n"
    "\n"
    "vrsim machine checks a machine file and prints the machine it describes.\n"
    "vrsim lspci lists the machine's PCI functions as lspci does (vrsim lspci --help).\n"
    "vrsim replay re-runs a recording (--record) without host input: exit 0 the same run,\n"
    "1 diverged (the first differing event is named), 2 an unusable LOG.\n"
    "vrsim diff finds the first event where two runs differ (vrsim diff --help).\n"
    "\n"
    "options:\n"
    "  --machine FILE    the machine's hardware (memory, PCI devices; format in README);\n"
    "                    a NAME without '/' is the build's machines/NAME.toml\n"
    "                    (default: machines/default.toml)\n"
    "  --pcap LINK=FILE  capture the [[link]] named LINK of a machine file of several\n"
    "                    nodes into FILE (pcap, every frame as it enters the link)\n"
    "  --print-machine   print the machine (as vrsim machine does) to stderr before booting\n"
    "  --seed N          seed of every random choice in the run (default 1)\n"
    "  --backend vrsim|qemu  the devices: vrsim's models, or QEMU's on the veridian\n"
    "                    machine over qtest (default: $VRSIM_BACKEND, else vrsim)\n"
    "  --qemu PATH       QEMU for --backend qemu (default: $VERIDIAN_QEMU;\n"
    "                    scripts/build-qemu prints it)\n"
    "  --qemu-fault KIND[@DD.F]  --backend qemu: veridian-testdev spoils the first\n"
    "                    matching event: corrupt-used, corrupt-status, corrupt-data,\n"
    "                    drop-irq, dup-irq (of the function at slot DD.F, or any)\n"
    "  --chaos[=N]       preempt at random kernel calls (probability 1/N, default 4)\n"
    "  --trace FILE      write every event as Chrome trace JSON (opens in ui.perfetto.dev)\n"
    "  --trace-bin FILE  write every event as a binary trace (for vrsim diff; format in\n"
    "                    sim/trace/trace_bin.h)\n"
    "  --pace free|wall  let virtual time run free, or never ahead of the wall clock\n"
    "                    (default: wall on a terminal, free otherwise)\n"
    "  --watchdog-ms N   stop a guest that runs N ms of CPU without a kernel call\n"
    "                    (default 2000; 0 disables)\n"
    "  --max-kcalls N    stop the machine after N kernel calls (a deterministic bound on a\n"
    "                    run whose programs never end: fuzzing, mutation tests)\n"
    "  --kcall-ns N      virtual nanoseconds charged per kernel call (default 100)\n"
    "  --slice NS        a thread's time slice in virtual ns: one that makes kernel calls\n"
    "                    for that long without blocking is preempted (default 1000000;\n"
    "                    0: never)\n"
    "  --tty             the console is a terminal even when stdin is not one (tests that\n"
    "                    drive it through a pty or a pipe)\n"
    "  --no-init         run PROGRAM itself as the first process, without /sbin/init\n"
    "  --stats           print run statistics to stderr at exit\n"
    "  --record LOG      record the run's input from outside (console) into LOG for\n"
    "                    vrsim replay (format in sim/replay/record.h)\n"
    "  --gdb PORT|PATH   wait for gdb (target remote :PORT, or a unix socket PATH) before\n"
    "                    the first guest instruction; port 0 picks one and prints it;\n"
    "                    in gdb: set osabi none; set sysroot <dir of the guest ELFs>\n"
    "  --inspect-on-crash  stop at a crashing guest thread and open the inspector (on the\n"
    "                    terminal; without one, or with --inspect-cmd, run its script)\n"
    "  --inspect-cmd S   inspector commands ('ps; threads; handles 3; events 20'; help lists\n"
    "                    them) run at the crash, or at the end of the run, to stderr\n"
    "  --quiet           do not report crashed processes\n"
    "  --host-aslr       keep the host's address randomisation (by default vrsim re-runs\n"
    "                    itself without it, so host addresses a guest can read repeat)\n";

/* Names for the Perfetto view: kernel calls by their call name, with the result as an extra
 * member; other events by kind (the generic a0..a4 members carry their fields). */
static int namer(void *ctx, const struct vs_trace_event *e, char *name, size_t len, char *args,
                 size_t alen)
{
    (void)ctx;
    if (e->kind == VS_TR_KCALL) {
        snprintf(name, len, "%s", vk_kcall_name((uint32_t)e->a[0]));
        snprintf(args, alen, "\"ret\":%lld", (long long)e->a[4]);
        return 0;
    }
    const char *n = vs_trace_kind_name(e->kind);
    if (!n)
        n = "event";
    snprintf(name, len, "%s", n);
    if (alen)
        args[0] = 0;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !*s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static void default_image(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0; /* .../build/bin */
            snprintf(buf, len, "%s/../veridian.bootfs", exe);
            if (access(buf, R_OK) == 0)
                return;
        }
    }
    snprintf(buf, len, "build/veridian.bootfs");
}

/* The build's machines directory (next to the default image), with NAME.toml. */
static void machine_path(const char *name, char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0; /* .../build/bin */
            snprintf(buf, len, "%s/../machines/%s.toml", exe, name);
            if (access(buf, R_OK) == 0)
                return;
        }
    }
    snprintf(buf, len, "build/machines/%s.toml", name);
}

/* Read the machine: FILE, NAME (the build's machines/NAME.toml) or, when arg is NULL, the
 * default machine if the build has one (else the built-in default). Returns 0, or prints why
 * not and returns nonzero. */
static int load_machine(const char *arg, struct vs_machine_desc *d)
{
    char path[PATH_MAX + 64], err[512];
    if (!arg) {
        machine_path("default", path, sizeof path);
        if (access(path, F_OK)) {
            vs_machfile_default(d);
            return 0;
        }
    } else if (!strchr(arg, '/') && access(arg, F_OK)) {
        machine_path(arg, path, sizeof path);
    } else {
        snprintf(path, sizeof path, "%s", arg);
    }
    if (vs_machfile_load(path, d, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err);
        return -1;
    }
    return 0;
}

/* A file of several nodes (machfile.h: [[node]]): 1 read into nd, 0 not such a file (or no
 * file: the single-machine path reads and judges it), -1 a bad one (said why). */
static int load_nodes(const char *arg, struct vs_net_desc *nd)
{
    char path[PATH_MAX + 64], err[512];
    if (!arg)
        return 0;
    if (!strchr(arg, '/') && access(arg, F_OK))
        machine_path(arg, path, sizeof path);
    else
        snprintf(path, sizeof path, "%s", arg);
    if (access(path, R_OK))
        return 0;
    if (vs_netfile_load(path, nd, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err);
        return -1;
    }
    return nd->nnodes ? 1 : 0;
}

/* vrsim run with a file of several nodes (sim/core/nodes.h). */
static int run_nodes(const struct vs_net_desc *nd, struct vs_options *opt, const char *image,
                     char **argv, int argc, const struct vs_nodes_pcap *pcaps, int npcaps,
                     int stats, int print_machine)
{
    struct vs_nodes *net;
    uint64_t t0 = vs_host_ns();
    opt->pace = VS_PACE_FREE; /* lockstep in virtual time: no node waits for the wall clock */
    if (vs_host_init(stderr))
        return 1;
    if (print_machine)
        vs_netfile_print(nd, stderr);
    int status =
        vs_nodes_create(&net, nd, opt, image, (const char *const *)argv, argc, pcaps, npcaps);
    if (status)
        return status;
    status = vs_nodes_run(net);
    struct vk_machine *m = vs_nodes_main(net);
    vs_console_release_host(&m->con);
    fflush(stdout);
    if (stats) {
        fprintf(stderr, "vrsim-stats: host_ms=%.3f\n", (double)(vs_host_ns() - t0) / 1e6);
        vs_nodes_print_stats(net, stderr);
    }
    if (m->con.err_midline)
        fputc('\n', stderr);
    vs_nodes_print_digests(net, stderr);
    vs_nodes_destroy(net);
    return status;
}

static int cmd_machine(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: vrsim machine [FILE|NAME]\n");
        return 2;
    }
    struct vs_net_desc *nd = malloc(sizeof *nd);
    if (!nd)
        return 1;
    int multi = load_nodes(argc ? argv[0] : NULL, nd);
    if (multi) {
        if (multi > 0)
            vs_netfile_print(nd, stdout);
        free(nd);
        return multi > 0 ? 0 : 2;
    }
    free(nd);
    struct vs_machine_desc *d = malloc(sizeof *d);
    if (!d)
        return 1;
    int status = load_machine(argc ? argv[0] : NULL, d) ? 2 : 0;
    if (!status)
        vs_machfile_print(d, stdout);
    free(d);
    return status;
}

/* A hash of the machine as vrsim built it (its printed form) and of the inputs its files
 * give it: the contents of every disk image and console input file (a run reads them, so a
 * replay needs the same bytes; a disk's writes go to an overlay, so the file does not change
 * under a run unless it persists). An unreadable file hashes as 0. */
static uint64_t machine_hash(const struct vs_machine_desc *d)
{
    char *text = NULL;
    size_t len = 0;
    uint64_t h = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        vs_machfile_print(d, f);
        if (fclose(f) == 0)
            h = vs_fnv1a(VS_FNV_INIT, text, len);
    }
    free(text);
    for (uint32_t i = 0; i < d->npci; i++) {
        const struct vs_mach_model *mod = d->pci[i].model;
        for (uint32_t j = 0; mod && j < mod->nprops; j++) {
            const struct vs_mach_prop_desc *pd = &mod->props[j];
            const char *path = d->pci[i].props[j].str;
            if (pd->type != VS_MP_PATH || !path[0] ||
                (strcmp(pd->name, "image") && strcmp(pd->name, "input")))
                continue;
            uint64_t fh = 0;
            vs_hash_file(path, &fh);
            h = vs_fnv1a(h, &fh, sizeof fh);
        }
    }
    return h;
}

/* rp: NULL for a plain run; a loaded recording for vrsim replay. */
static int cmd_run(int argc, char **argv, struct vs_replay *rp)
{
    uint64_t t0 = vs_host_ns();
    struct vs_options opt = {.seed = 1, .watchdog_ms = 2000, .kcall_cost_ns = 100};
    opt.pace = isatty(STDIN_FILENO) ? VS_PACE_WALL : VS_PACE_FREE;
    opt.terminal = isatty(STDIN_FILENO);
    const char *trace_path = NULL, *image = NULL, *machine = NULL, *trace_bin = NULL;
    const char *backend = getenv("VRSIM_BACKEND"), *qemu = getenv("VERIDIAN_QEMU");
    int stats = 0, no_init = 0, print_machine = 0, i;
    struct vs_inspect_cfg inspect = {0};
    const char *gdb_where = NULL, *record_path = NULL;
    struct vs_replay rec;
    int recording = 0;
    struct vs_gdb *gdb = NULL;
    int inspecting = 0;
    struct vs_nodes_pcap pcaps[VS_LINKS_MAX * 2];
    int npcaps = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v;
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            if (parse_u64(argv[++i], &opt.seed)) {
                fprintf(stderr, "vrsim: --seed needs a non-negative integer, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--tty")) {
            opt.terminal = 1;
        } else if (!strcmp(a, "--chaos")) {
            opt.chaos = 4;
        } else if (!strncmp(a, "--chaos=", 8)) {
            if (parse_u64(a + 8, &v) || v < 1 || v > 1000000) {
                fprintf(stderr, "vrsim: --chaos=N needs N in 1..1000000\n");
                return 2;
            }
            opt.chaos = (uint32_t)v;
        } else if (!strcmp(a, "--backend") && i + 1 < argc) {
            backend = argv[++i];
        } else if (!strcmp(a, "--qemu") && i + 1 < argc) {
            qemu = argv[++i];
        } else if (!strcmp(a, "--qemu-fault") && i + 1 < argc) {
            opt.qemu_fault = argv[++i];
        } else if (!strcmp(a, "--machine") && i + 1 < argc) {
            machine = argv[++i];
        } else if (!strcmp(a, "--pcap") && i + 1 < argc) {
            char *eq = strchr(argv[++i], '=');
            if (!eq || eq == argv[i] || !eq[1] || npcaps == (int)(sizeof pcaps / sizeof pcaps[0])) {
                fprintf(stderr,
                        "vrsim: --pcap needs LINK=FILE (a [[link]] of the machine file), "
                        "not '%s'\n",
                        argv[i]);
                return 2;
            }
            *eq = 0; /* argv is ours to split */
            pcaps[npcaps++] = (struct vs_nodes_pcap){argv[i], eq + 1};
        } else if (!strcmp(a, "--print-machine")) {
            print_machine = 1;
        } else if (!strcmp(a, "--trace") && i + 1 < argc) {
            trace_path = argv[++i];
            opt.keep_trace = 1;
        } else if (!strcmp(a, "--trace-bin") && i + 1 < argc) {
            trace_bin = argv[++i];
            opt.keep_trace = 1;
        } else if (!strcmp(a, "--pace") && i + 1 < argc) {
            const char *p = argv[++i];
            if (!strcmp(p, "free"))
                opt.pace = VS_PACE_FREE;
            else if (!strcmp(p, "wall"))
                opt.pace = VS_PACE_WALL;
            else {
                fprintf(stderr, "vrsim: --pace is free or wall, not '%s'\n", p);
                return 2;
            }
        } else if (!strcmp(a, "--watchdog-ms") && i + 1 < argc) {
            if (parse_u64(argv[++i], &v) || v > 3600000) {
                fprintf(stderr, "vrsim: --watchdog-ms needs 0..3600000\n");
                return 2;
            }
            opt.watchdog_ms = (uint32_t)v;
        } else if (!strcmp(a, "--max-kcalls") && i + 1 < argc) {
            if (parse_u64(argv[++i], &v) || v == 0) {
                fprintf(stderr, "vrsim: --max-kcalls needs a count > 0\n");
                return 2;
            }
            opt.max_kcalls = v;
        } else if (!strcmp(a, "--kcall-ns") && i + 1 < argc) {
            if (parse_u64(argv[++i], &v) || v > 1000000) {
                fprintf(stderr, "vrsim: --kcall-ns needs 0..1000000\n");
                return 2;
            }
            opt.kcall_cost_ns = v;
        } else if (!strcmp(a, "--slice") && i + 1 < argc) {
            if (parse_u64(argv[++i], &v)) {
                fprintf(stderr, "vrsim: --slice needs a number of virtual ns\n");
                return 2;
            }
            opt.slice_ns = v ? v : VS_SLICE_NEVER;
        } else if (!strcmp(a, "--no-init")) {
            no_init = 1;
        } else if (!strcmp(a, "--record") && i + 1 < argc && !rp) {
            record_path = argv[++i];
            opt.keep_trace = 1;
            opt.hash_bootfs = 1;
        } else if (!strcmp(a, "--gdb") && i + 1 < argc) {
            gdb_where = argv[++i];
        } else if (!strcmp(a, "--inspect-on-crash")) {
            inspect.on_crash = 1;
            inspecting = 1;
        } else if (!strcmp(a, "--inspect-cmd") && i + 1 < argc) {
            inspect.script = argv[++i];
            inspecting = 1;
        } else if (!strcmp(a, "--stats")) {
            stats = 1;
        } else if (!strcmp(a, "--quiet")) {
            opt.quiet = 1;
        } else if (!strcmp(a, "--host-aslr")) {
            /* handled by main() before anything else */
        } else if (a[0] == '-') {
            fprintf(stderr, "vrsim: unknown option '%s' (see vrsim --help)\n", a);
            return 2;
        } else if (!image) {
            image = a;
        } else {
            fprintf(stderr, "vrsim: unexpected argument '%s' (put the program after --)\n", a);
            return 2;
        }
    }
    if (backend && *backend && strcmp(backend, "vrsim")) {
        if (strcmp(backend, "qemu")) {
            fprintf(stderr, "vrsim: --backend is vrsim or qemu, not '%s'\n", backend);
            return 2;
        }
        opt.qemu = qemu ? qemu : "";
    }
    if (rp) {
        opt.keep_trace = 1; /* the verdict compares the whole trace with the recorded one */
        opt.hash_bootfs = 1;
        opt.terminal = (int)rp->tty; /* the console as it was: a terminal or pipes */
    }
    char defimg[PATH_MAX + 32];
    if (!image) {
        default_image(defimg, sizeof defimg);
        image = defimg;
    }
    /* the machine file first: a bad one is refused before anything starts */
    char err[512];
    struct vs_net_desc *nd = malloc(sizeof *nd);
    if (!nd)
        return 1;
    int multi = load_nodes(machine, nd);
    if (multi) {
        int status = 2;
        if (multi > 0 && (rp || record_path || gdb_where || inspecting || trace_path || trace_bin ||
                          opt.qemu || no_init))
            fprintf(stderr, "vrsim: a machine file of several nodes runs without --record, "
                            "replay, --gdb, --inspect-*, --trace, --trace-bin, --backend qemu "
                            "and --no-init (not supported yet)\n");
        else if (multi > 0)
            status =
                run_nodes(nd, &opt, image, argv + i, argc - i, pcaps, npcaps, stats, print_machine);
        free(nd);
        return status;
    }
    free(nd);
    if (npcaps) {
        fprintf(stderr,
                "vrsim: --pcap %s=...: the machine file has no [[link]] (a NIC's own "
                "capture is its pcap property)\n",
                pcaps[0].link);
        return 2;
    }
    struct vs_machine_desc *desc = malloc(sizeof *desc);
    if (!desc)
        return 1;
    if (load_machine(machine, desc)) {
        free(desc);
        return 2;
    }
    if (vs_machfile_check_implemented(desc, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err);
        free(desc);
        return 2;
    }
    opt.desc = desc;
    if (vs_host_init(stderr)) {
        free(desc);
        return 1;
    }
    struct vk_machine *m;
    int rc0 = vs_machine_create(&m, &opt);
    free(desc); /* the machine keeps its own copy */
    if (rc0)
        return 1;
    int status = 1;
    if (inspecting)
        vs_inspect_install(m, &inspect);
    if (rp && rp->gdb_where)
        gdb_where = rp->gdb_where;
    if (gdb_where && vs_gdb_create(&gdb, m, gdb_where, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err); /* refused before anything is loaded */
        status = 2;
        goto out;
    }
    if (print_machine) /* what the machine holds, not what the file said */
        vs_machfile_print(&m->desc, stderr);
    if (vs_machine_load_bootfs(m, image, err, sizeof err)) {
        fprintf(stderr, "vrsim: %s\n", err);
        goto out;
    }
    if (record_path || rp) {
        uint64_t ih = m->bootfs_hash; /* hashed as it was read (opt.hash_bootfs) */
        uint64_t vh = 0, mh = machine_hash(&m->desc);
        vs_self_hash(&vh);
        if (rp) {
            if (rp->image_hash != ih) {
                fprintf(stderr,
                        "vrsim: replay: the LOG was recorded with another image than %s "
                        "(hash %016llx, this one %016llx)\n",
                        image, (unsigned long long)rp->image_hash, (unsigned long long)ih);
                status = 2;
                goto out;
            }
            if (rp->machine_hash != mh) {
                fprintf(stderr, "vrsim: replay: the LOG was recorded on another machine (its "
                                "description, or the contents of its disk images or input "
                                "files, differ)\n");
                status = 2;
                goto out;
            }
            if (rp->vrsim_hash != vh)
                fprintf(stderr, "vrsim: replay: warning: the LOG was recorded by another vrsim "
                                "build: the replay may diverge\n");
            vs_replay_install(rp, m);
        } else {
            /* the command line without --record LOG: what replay runs again */
            char **rargv = calloc((size_t)argc + 1, sizeof *rargv);
            int rargc = 0;
            for (int j = 0; rargv && j < argc; j++) {
                if (!strcmp(argv[j], "--")) {
                    while (j < argc)
                        rargv[rargc++] = argv[j++];
                    break;
                }
                if (!strcmp(argv[j], "--record")) {
                    j++;
                    continue;
                }
                rargv[rargc++] = argv[j];
            }
            int rc1 = rargv ? vs_record_start(&rec, record_path, ih, mh, vh, m->con.tty,
                                              &m->k.console->ws, rargc, rargv, err, sizeof err)
                            : -ENOMEM;
            free(rargv);
            if (rc1) {
                fprintf(stderr, "vrsim: --record: %s\n", err);
                status = 2;
                goto out;
            }
            recording = 1;
            vs_replay_install(&rec, m);
        }
    }
    /* boot: /sbin/init (told which program goes on the console), or the program itself */
    const char *prog = i < argc ? argv[i] : NULL;
    int rc = -VK_ENOENT;
    if (!no_init) {
        const char **iargv = calloc((size_t)(argc - i) + 3, sizeof *iargv);
        size_t n = 0;
        if (!iargv)
            goto out;
        iargv[n++] = "/sbin/init";
        if (prog) {
            iargv[n++] = "--";
            for (int a = i; a < argc; a++)
                iargv[n++] = argv[a];
        }
        rc = vs_machine_spawn(m, "/sbin/init", iargv, n, 1, NULL, err, sizeof err);
        free(iargv);
        if (rc && rc != -VK_ENOENT) {
            fprintf(stderr, "vrsim: cannot start /sbin/init: %s\n", err);
            status = 127;
            goto out;
        }
    }
    if (rc == -VK_ENOENT) { /* no init in the image (or --no-init): PROGRAM is the first process */
        if (!prog) {
            fprintf(stderr, "vrsim: the image has no /sbin/init; name a program after -- "
                            "(e.g. vrsim run -- /bin/hello)\n");
            goto out;
        }
        struct vk_process *p;
        if (vs_machine_spawn(m, prog, (const char *const *)&argv[i], (size_t)(argc - i), 1, &p, err,
                             sizeof err)) {
            fprintf(stderr, "vrsim: cannot start %s: %s\n", prog, err);
            status = 127;
            goto out;
        }
        vk_console_foreground(&m->k, p); /* on a terminal, ^C reaches it from the start */
    }
    if (gdb && vs_gdb_attach(gdb)) {
        fprintf(stderr, "vrsim: gdb: no connection\n");
        status = 2;
        goto out;
    }
    status = vs_machine_run(m);
    vs_console_release_host(&m->con); /* --stats and the digest on a cooked terminal */
    vs_gdb_exited(gdb, status);
    if (recording && vs_record_finish(&rec, m, status))
        fprintf(stderr, "vrsim: --record: cannot write %s\n", record_path);
    if (rp && rp->until_hit)
        status = 0; /* stopped where asked: no verdict */
    else if (rp)
        status = vs_replay_verdict(rp, m, status, stderr);
    uint64_t t1 = vs_host_ns();
    if (trace_path) {
        FILE *f = fopen(trace_path, "w");
        if (!f || vs_trace_write_json(&m->trace, f, namer, NULL) || fclose(f)) {
            fprintf(stderr, "vrsim: cannot write trace %s: %s\n", trace_path, strerror(errno));
            status = status ? status : 1;
        }
    }
    if (trace_bin) {
        FILE *f = fopen(trace_bin, "wb");
        int werr = !f || vs_trace_write_bin(&m->trace, f);
        if ((f && fclose(f)) || werr) {
            fprintf(stderr, "vrsim: cannot write trace %s: %s\n", trace_bin, strerror(errno));
            status = status ? status : 1;
        }
    }
    if (stats) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        char sigstate[128];
        int sig_ok = vs_host_signal_state_ok(sigstate, sizeof sigstate);
        struct vk_stats *s = &m->k.stats;
        fprintf(stderr,
                "vrsim-stats: host_ms=%.3f virtual_ns=%llu kcalls=%llu switches=%llu spawns=%llu "
                "exits=%llu faults=%llu ipc_calls=%llu objects_live=%llu handles_live=%llu "
                "pages_in_use=%llu peak_rss_kb=%ld events=%llu host_signals=%s%s%s\n",
                (double)(t1 - t0) / 1e6, (unsigned long long)m->k.now,
                (unsigned long long)s->kcalls, (unsigned long long)s->switches,
                (unsigned long long)s->spawns, (unsigned long long)s->exits,
                (unsigned long long)s->faults, (unsigned long long)s->ipc_calls,
                (unsigned long long)s->objects_live, (unsigned long long)s->handles_live,
                (unsigned long long)m->arena.pages_in_use, ru.ru_maxrss,
                (unsigned long long)vs_trace_count(&m->trace), sig_ok ? "ok" : "BROKEN",
                sig_ok ? "" : ":", sig_ok ? "" : sigstate);
    }
out:
    fflush(stdout);
    vs_console_release_host(&m->con);
    if (m->con.err_midline) /* the digest stays a line of its own, whatever guests wrote */
        fputc('\n', stderr);
    fprintf(stderr, "trace-digest: %016llx\n", (unsigned long long)vs_machine_digest(m));
    vs_gdb_destroy(gdb);
    if (recording)
        vs_replay_fini(&rec);
    vs_machine_destroy(m);
    return status;
}

static int cmd_replay(int argc, char **argv)
{
    static const char rusage_[] =
        "usage: vrsim replay [--no-verify] [--until N | --until-time NS] [--inspect-cmd S] "
        "[--gdb PORT|PATH] LOG\n";
    int no_verify = 0;
    uint64_t until_events = UINT64_MAX, until_ns = UINT64_MAX;
    const char *log = NULL, *script = NULL, *gdb_replay = NULL;
    char err[512];
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--no-verify")) {
            no_verify = 1;
        } else if (!strcmp(argv[i], "--until") && i + 1 < argc) {
            if (parse_u64(argv[++i], &until_events)) {
                fprintf(stderr, "vrsim: --until needs an event number\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--until-time") && i + 1 < argc) {
            if (parse_u64(argv[++i], &until_ns)) {
                fprintf(stderr, "vrsim: --until-time needs virtual nanoseconds\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--inspect-cmd") && i + 1 < argc) {
            script = argv[++i];
        } else if (!strcmp(argv[i], "--gdb") && i + 1 < argc) {
            gdb_replay = argv[++i];
        } else if (argv[i][0] != '-' && !log) {
            log = argv[i];
        } else if (!strcmp(argv[i], "--host-aslr")) {
            /* main() */
        } else {
            fputs(rusage_, stderr);
            return 2;
        }
    }
    if (!log) {
        fputs(rusage_, stderr);
        return 2;
    }
    struct vs_replay r;
    if (vs_replay_load(&r, log, no_verify, err, sizeof err)) {
        fprintf(stderr, "vrsim: replay: %s\n", err);
        vs_replay_fini(&r);
        return 2;
    }
    if (r.damaged)
        fprintf(stderr, "vrsim: replay: warning: the LOG is damaged; replaying it anyway "
                        "(--no-verify)\n");
    r.until_events = until_events;
    r.until_ns = until_ns;
    r.inspect_script = script;
    r.gdb_where = gdb_replay;
    int status = cmd_run(r.argc, r.argv, &r);
    vs_replay_fini(&r);
    return status;
}

/* The kernel-call stubs hold vrsim's entry address and %fs:0 the host thread's control
 * block: host addresses a guest can read. They repeat from run to run only without address
 * randomisation, so `vrsim run` re-executes itself with it off (personality
 * ADDR_NO_RANDOMIZE, as rr does for its tracees) unless --host-aslr asks to keep it. If that
 * cannot be done the run goes on, randomised. */
static void run_without_aslr(int argc, char **argv)
{
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--host-aslr"))
            return;
    int pers = personality(0xffffffff);
    if (pers == -1 || (pers & ADDR_NO_RANDOMIZE))
        return;
    if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
        return;
    execv("/proc/self/exe", argv);
    personality((unsigned long)pers);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "machine"))
        return cmd_machine(argc - 2, argv + 2);
    if (!strcmp(argv[1], "lspci"))
        return vs_lspci_main(argc - 2, argv + 2, load_machine);
    if (!strcmp(argv[1], "diff"))
        return vs_diff_main(argc - 2, argv + 2);
    if (!strcmp(argv[1], "run")) {
        run_without_aslr(argc, argv);
        return cmd_run(argc - 2, argv + 2, NULL);
    }
    if (!strcmp(argv[1], "replay")) {
        run_without_aslr(argc, argv);
        return cmd_replay(argc - 2, argv + 2);
    }
    fprintf(stderr, "vrsim: unknown command '%s' (see vrsim --help)\n", argv[1]);
    return 2;
}
