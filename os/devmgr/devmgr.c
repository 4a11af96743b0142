/*
 * devmgr: the device manager service (services.toml: CAP_SPAWN, CAP_IPC_CREATE, CAP_DEVICE,
 * CAP_DMA). It
 *   - enumerates PCI bus 0 through configuration reads on its resource (every device, every
 *     function of a multi-function device) and keeps the list;
 *   - matches (vendor, device, class) against /etc/drivers.toml (argv[1] names another file;
 *     rules.h), refusing a bad file with file:line:col before starting anything;
 *   - for each matched function opens its device object and DMA domain, creates the driver's
 *     endpoint, registers /dev/<name> with vfs on the driver's behalf (its IPC_CREATE right,
 *     nothing more, goes with the request), and spawns the driver with exactly the handles of
 *     veridian/devices.h: device (no KILL), domain (MAP), the endpoint's receive end, and the
 *     console to write diagnostics to. No spawner (a driver starts nothing), no session (it
 *     names no file), no boot image;
 *   - supervises: when a driver exits abnormally it resets the device (its own KILL handle)
 *     and revokes the domain (dma_unmap of everything) before anything else happens, so no
 *     transfer the dead driver started can land in memory reused later; then restarts it
 *     after a back-off in virtual time (DM_BACKOFF_NS doubling, at most DM_RESTARTS_MAX,
 *     then the device stays "failed"). The endpoint and the /dev node outlive the driver:
 *     clients' requests queue until the next one receives;
 *   - publishes /proc/devices and /proc/iommu (VFS_OP_PUBLISH with its IPC_CREATE right) when
 *     they change, checked at every event and on a tick of DM_TICK_NS that runs while things
 *     change: after DM_TICK_QUIET ticks without a change it stops until the next driver
 *     event, so an otherwise idle machine becomes idle (vrsim ends a run where every thread
 *     waits forever; a tick forever would turn that into a hang). Interrupt and fault counts
 *     that change after the ticks stopped show at the next driver event.
 * Silent when all goes well (its output is the console's); errors go to stderr.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "veridian/caps.h"
#include "veridian/devices.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define DM_DEVS_MAX 64u /* functions on bus 0 we track (32 devices x 8 functions would be 256) */
#define DM_TICK_NS 50000000ull    /* 50 ms: /proc refresh */
#define DM_TICK_QUIET 20u         /* ticks without a change before the tick stops */
#define DM_BACKOFF_NS 10000000ull /* 10 ms, doubling per restart */
#define DM_RESTARTS_MAX 5u
#define DM_FAULTS_KEPT 32u
#define DM_TEXT_MAX 8192u
#define DM_FILE_MAX 65536u

enum dm_state { DM_UNBOUND, DM_RUNNING, DM_RESTARTING, DM_FAILED, DM_EXITED, DM_ERROR };
static const char *const dm_state_names[] = {"unbound", "running", "restarting",
                                             "failed",  "exited",  "error"};

struct dm_dev {
    uint32_t bdf;
    uint16_t vendor, device;
    uint32_t class_code;
    int rule;                   /* index in rules, -1: no driver */
    char name[DEVMGR_NAME_MAX]; /* its node: the rule's name, numbered when several match */
    enum dm_state state;
    uint32_t dev, dom, ep, proc; /* handles (0: none) */
    uint32_t restarts;
    uint64_t restart_at;
    struct vk_device_info info;
    struct vk_dma_info dma;
};

struct devmgr {
    uint32_t res, session, notify, bootfs;
    const char *file;
    struct devmgr_rule rules[DEVMGR_RULES_MAX];
    size_t nrules;
    struct dm_dev devs[DM_DEVS_MAX];
    size_t ndevs;
    struct vk_iommu_fault faults[DM_FAULTS_KEPT]; /* ring of the newest */
    uint64_t next_seq, nfaults;
    unsigned publish_failed;
    unsigned quiet; /* ticks in a row that changed nothing */
    char text[DM_TEXT_MAX], last_devices[DM_TEXT_MAX], last_iommu[DM_TEXT_MAX];
};

static void bdf_str(uint32_t bdf, char out[8])
{
    snprintf(out, 8, "%02x:%02x.%x", (bdf >> 8) & 0xff, (bdf >> 3) & 0x1f, bdf & 7);
}

/* ---- configuration ---- */

static int load_rules(struct devmgr *dm)
{
    int fd = open(dm->file, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "devmgr: %s: cannot open\n", dm->file);
        return -1;
    }
    char *text = malloc(DM_FILE_MAX);
    ssize_t n = text ? read(fd, text, DM_FILE_MAX) : -1;
    close(fd);
    if (n < 0 || n == (ssize_t)DM_FILE_MAX) {
        fprintf(stderr, "devmgr: %s: cannot read (or larger than %u bytes)\n", dm->file,
                DM_FILE_MAX - 1);
        free(text);
        return -1;
    }
    char err[256];
    int rc = devmgr_rules_parse(dm->file, text, (size_t)n, dm->rules, DEVMGR_RULES_MAX, &dm->nrules,
                                err, sizeof err);
    free(text);
    if (rc) {
        fprintf(stderr, "devmgr: %s\n", rc == -VK_ENOMEM ? "out of memory" : err);
        return -1;
    }
    return 0;
}

/* ---- enumeration ---- */

static long cfg(struct devmgr *dm, uint32_t bdf, uint32_t off, uint32_t size)
{
    return vk_pci_config_read(dm->res, bdf, off, size);
}

/* The node of the function: the rule's name for the first function it matches; the next ones
 * are numbered on from the name's trailing number ("net0": net1, net2...; "edu": edu1...). */
static void dev_name(struct devmgr *dm, struct dm_dev *x)
{
    unsigned before = 0;
    if (x->rule < 0)
        return;
    const char *rn = dm->rules[x->rule].name;
    for (struct dm_dev *y = dm->devs; y < x; y++)
        before += y->rule == x->rule;
    size_t base = strlen(rn);
    while (base && rn[base - 1] >= '0' && rn[base - 1] <= '9')
        base--;
    unsigned first = base < strlen(rn) ? (unsigned)strtoul(rn + base, NULL, 10) : 0;
    if (!before)
        snprintf(x->name, sizeof x->name, "%s", rn);
    else
        snprintf(x->name, sizeof x->name, "%.*s%u", (int)base, rn, first + before);
}

static int enumerate(struct devmgr *dm)
{
    for (uint32_t d = 0; d < 32; d++) {
        uint32_t nfn = 1;
        for (uint32_t fn = 0; fn < nfn; fn++) {
            uint32_t bdf = VK_BDF(0, d, fn);
            long id = cfg(dm, bdf, 0x00, 4);
            if (id < 0) {
                fprintf(stderr, "devmgr: configuration read: error %ld\n", -id);
                return (int)id;
            }
            if (fn == 0) {
                long hdr = cfg(dm, bdf, 0x0e, 1);
                if (id != 0xffffffffl && hdr >= 0 && (hdr & 0x80))
                    nfn = 8; /* multi-function: functions 1..7 may be there too */
            }
            if (id == 0xffffffffl || (id & 0xffff) == 0xffff)
                continue;
            if (dm->ndevs == DM_DEVS_MAX) {
                fprintf(stderr, "devmgr: more than %u functions: the rest are ignored\n",
                        DM_DEVS_MAX);
                return 0;
            }
            long cls = cfg(dm, bdf, 0x08, 4);
            struct dm_dev *x = &dm->devs[dm->ndevs++];
            *x = (struct dm_dev){.bdf = bdf,
                                 .vendor = (uint16_t)id,
                                 .device = (uint16_t)(id >> 16),
                                 .class_code = cls < 0 ? 0 : (uint32_t)cls >> 8};
            x->rule = devmgr_match(dm->rules, dm->nrules, x->vendor, x->device, x->class_code);
            dev_name(dm, x);
        }
    }
    return 0;
}

/* ---- drivers ---- */

/* A copy of our resource with only IPC_CREATE, for vfs to check (it keeps nothing else). */
static long ipc_create_right(struct devmgr *dm, uint32_t *out)
{
    return vk_handle_dup(dm->res, VK_RIGHT_IPC_CREATE | VK_RIGHT_TRANSFER, out);
}

static long register_node(struct devmgr *dm, struct dm_dev *x)
{
    uint32_t give = 0, res = 0;
    long rc;
    if ((rc = vk_handle_dup(x->ep, VK_RIGHT_CALL | VK_RIGHT_MINT | VK_RIGHT_DUP | VK_RIGHT_TRANSFER,
                            &give)))
        return rc;
    if ((rc = ipc_create_right(dm, &res))) {
        vk_handle_close(give);
        return rc;
    }
    const char *name = x->name;
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_REGISTER;
    c.msg.flags = 2;
    c.msg.handles[0] = give;
    c.msg.handles[1] = res;
    c.send_buf = (uint64_t)(uintptr_t)name;
    c.send_len = strlen(name);
    rc = vk_call(dm->session, &c, VK_DEADLINE_NEVER);
    return rc ? rc : c.msg.opcode ? -(long)c.msg.opcode : 0;
}

/* Open the function's objects and its node, once: they outlive every driver instance. */
static long attach(struct devmgr *dm, struct dm_dev *x)
{
    long rc;
    if ((rc = vk_device_open(dm->res, x->bdf, &x->dev)) ||
        (rc = vk_dma_domain_open(dm->res, x->bdf, &x->dom)) || (rc = vk_endpoint_create(&x->ep)))
        return rc;
    return register_node(dm, x);
}

static long spawn_driver(struct devmgr *dm, struct dm_dev *x, size_t idx)
{
    const struct devmgr_rule *r = &dm->rules[x->rule];
    uint64_t off, size;
    long rc = vr_bootfs_find(r->path, &off, &size);
    if (rc)
        return rc;
    struct vk_start_handle hs[5];
    uint32_t n = 0;
    static const uint32_t roles[3] = {DDK_ROLE_DEVICE, DDK_ROLE_DOMAIN, DDK_ROLE_SERVE};
    const uint32_t src[3] = {x->dev, x->dom, x->ep};
    const uint32_t rights[3] = {DDK_DEVICE_RIGHTS, DDK_DOMAIN_RIGHTS, DDK_SERVE_RIGHTS};
    for (int i = 0; i < 3; i++) {
        uint32_t h;
        if ((rc = vk_handle_dup(src[i], rights[i], &h)))
            goto out;
        hs[n++] = (struct vk_start_handle){h, roles[i] | VK_START_MOVE};
    }
    uint32_t con = vr_start_handle(VK_ROLE_STDERR), h;
    if (con && !vk_handle_dup(con, VK_RIGHT_WRITE | VK_RIGHT_TRANSFER, &h)) {
        hs[n++] = (struct vk_start_handle){h, VK_ROLE_STDOUT | VK_START_MOVE};
        if (!vk_handle_dup(con, VK_RIGHT_WRITE | VK_RIGHT_TRANSFER, &h))
            hs[n++] = (struct vk_start_handle){h, VK_ROLE_STDERR | VK_START_MOVE};
    }
    const char *argv[3 + DEVMGR_ARGS_MAX] = {r->path, x->name};
    for (uint32_t i = 0; i < r->nargs; i++)
        argv[2 + i] = r->args[i];
    const char *envp[] = {NULL};
    struct vk_spawn s = {
        .spawner = dm->res,
        .image = dm->bootfs,
        .image_off = off,
        .image_len = size,
        .name = (uint64_t)(uintptr_t)x->name,
        .argv = (uint64_t)(uintptr_t)argv,
        .envp = (uint64_t)(uintptr_t)envp,
        .handles = (uint64_t)(uintptr_t)hs,
        .nhandles = n,
        .exit_notify = dm->notify,
        .exit_bits = 1ull << idx,
    };
    rc = vk_spawn(&s, &x->proc);
    if (rc >= 0) {
        x->state = DM_RUNNING;
        return 0;
    }
out:
    for (uint32_t i = 0; i < n; i++)
        vk_handle_close(hs[i].handle); /* a failed spawn moved nothing */
    return rc;
}

static void start_all(struct devmgr *dm)
{
    char b[8];
    for (size_t i = 0; i < dm->ndevs; i++) {
        struct dm_dev *x = &dm->devs[i];
        if (x->rule < 0)
            continue;
        long rc = attach(dm, x);
        if (!rc)
            rc = spawn_driver(dm, x, i);
        if (rc) {
            bdf_str(x->bdf, b);
            fprintf(stderr, "devmgr: %s (%s): cannot start its driver: error %ld\n", x->name, b,
                    -rc);
            x->state = DM_ERROR;
        }
    }
}

/* A driver is gone: stop its device and take back what the device could reach, then decide. */
static void driver_exited(struct devmgr *dm, struct dm_dev *x, uint64_t now)
{
    (void)dm;
    struct vk_proc_info pi;
    memset(&pi, 0, sizeof pi);
    vk_process_info(x->proc, &pi);
    vk_handle_close(x->proc);
    x->proc = 0;
    long rr = vk_device_reset(x->dev);
    long ru = vk_dma_unmap(x->dom, 0, VK_IOVA_LIMIT);
    char b[8];
    bdf_str(x->bdf, b);
    if (rr < 0 || ru < 0)
        fprintf(stderr, "devmgr: %s (%s): reset: error %ld, revoke: error %ld\n", x->name, b, -rr,
                ru < 0 ? -ru : 0);
    if (pi.exit_kind == VK_EXIT_NORMAL && pi.exit_code == 0) {
        x->state = DM_EXITED;
        return;
    }
    if (x->restarts >= DM_RESTARTS_MAX) {
        fprintf(stderr, "devmgr: %s (%s): driver failed %u times: giving up\n", x->name, b,
                x->restarts + 1);
        x->state = DM_FAILED;
        return;
    }
    x->restart_at = now + (DM_BACKOFF_NS << x->restarts);
    x->restarts++;
    x->state = DM_RESTARTING;
}

/* ---- /proc ---- */

static void refresh(struct devmgr *dm)
{
    for (size_t i = 0; i < dm->ndevs; i++) {
        struct dm_dev *x = &dm->devs[i];
        if (x->dev)
            vk_device_info(x->dev, &x->info);
        if (x->dom)
            vk_dma_info(x->dom, &x->dma);
    }
    struct vk_iommu_fault buf[16];
    for (int rounds = 0; rounds < 16; rounds++) {
        long n = vk_iommu_faults(dm->res, dm->next_seq, buf, 16);
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++) {
            dm->faults[dm->nfaults % DM_FAULTS_KEPT] = buf[i];
            dm->nfaults++;
            dm->next_seq = buf[i].seq + 1;
        }
        if (n < 16)
            break;
    }
}

/* 1 when text differs from what was last published (then it is published), else 0. A
 * refused publication is not retried until the text changes (no tick keeps trying). */
static int publish(struct devmgr *dm, const char *name, const char *text, char *last)
{
    if (!strcmp(text, last))
        return 0;
    size_t nl = strlen(name), tl = strlen(text);
    memcpy(last, text, tl + 1);
    char *msg = malloc(nl + 1 + tl);
    uint32_t res;
    if (!msg || ipc_create_right(dm, &res)) {
        free(msg);
        return 1;
    }
    memcpy(msg, name, nl + 1);
    memcpy(msg + nl + 1, text, tl);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_PUBLISH;
    c.msg.flags = 1;
    c.msg.handles[0] = res;
    c.send_buf = (uint64_t)(uintptr_t)msg;
    c.send_len = nl + 1 + tl;
    long rc = vk_call(dm->session, &c, VK_DEADLINE_NEVER);
    free(msg);
    if (rc || c.msg.opcode) {
        if (!dm->publish_failed++)
            fprintf(stderr, "devmgr: publish /proc/%s: %s\n", name,
                    strerror(rc ? (int)-rc : (int)c.msg.opcode));
        return 1;
    }
    return 1;
}

#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (k < sizeof dm->text)                                                                   \
            k += (size_t)snprintf(dm->text + k, sizeof dm->text - k, __VA_ARGS__);                 \
    } while (0)

static const char *access_name(unsigned a)
{
    return a == VK_DMA_READ ? "read" : a == VK_DMA_WRITE ? "write" : "?";
}

static const char *reason_name(unsigned r)
{
    static const char *const names[] = {"?", "unmapped", "permission", "range", "target"};
    return r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static int publish_all(struct devmgr *dm)
{
    size_t k = 0;
    char b[8];
    APPEND("bdf     vendor device class  driver   state      restarts irqs faults\n");
    for (size_t i = 0; i < dm->ndevs; i++) {
        const struct dm_dev *x = &dm->devs[i];
        bdf_str(x->bdf, b);
        APPEND("%s %04x   %04x   %06x %-8s %-10s %u %llu %llu\n", b, x->vendor, x->device,
               x->class_code, x->rule < 0 ? "-" : x->name, dm_state_names[x->state], x->restarts,
               (unsigned long long)x->info.irqs, (unsigned long long)x->info.faults);
    }
    int changed = publish(dm, "devices", dm->text, dm->last_devices);

    k = 0;
    APPEND("domain  mappings bytes faults revoked\n");
    for (size_t i = 0; i < dm->ndevs; i++) {
        const struct dm_dev *x = &dm->devs[i];
        if (!x->dom)
            continue;
        bdf_str(x->bdf, b);
        APPEND("%s %u %llu %llu %llu\n", b, x->dma.mappings, (unsigned long long)x->dma.bytes,
               (unsigned long long)x->dma.faults, (unsigned long long)x->dma.revoked);
    }
    APPEND("fault log (%llu):\nseq time_ns bdf iova len access reason\n",
           (unsigned long long)dm->nfaults);
    uint64_t first = dm->nfaults > DM_FAULTS_KEPT ? dm->nfaults - DM_FAULTS_KEPT : 0;
    for (uint64_t i = first; i < dm->nfaults; i++) {
        const struct vk_iommu_fault *f = &dm->faults[i % DM_FAULTS_KEPT];
        bdf_str(f->bdf, b);
        APPEND("%llu %llu %s %#llx %llu %s %s\n", (unsigned long long)f->seq,
               (unsigned long long)f->time, b, (unsigned long long)f->iova,
               (unsigned long long)f->len, access_name(f->access), reason_name(f->reason));
    }
    changed |= publish(dm, "iommu", dm->text, dm->last_iommu);
    return changed;
}

/* ---- the loop ---- */

static void supervise(struct devmgr *dm)
{
    uint64_t next_tick = (uint64_t)vk_clock_get() + DM_TICK_NS;
    for (;;) {
        uint64_t deadline = dm->quiet < DM_TICK_QUIET ? next_tick : VK_DEADLINE_NEVER;
        for (size_t i = 0; i < dm->ndevs; i++)
            if (dm->devs[i].state == DM_RESTARTING && dm->devs[i].restart_at < deadline)
                deadline = dm->devs[i].restart_at;
        struct vk_wait w = {.handle = dm->notify, .flags = VK_WAIT_CLEAR, .mask = ~0ull};
        long rc = vk_wait_many(&w, 1, deadline);
        if (rc < 0 && rc != -VK_ETIMEDOUT) {
            fprintf(stderr, "devmgr: wait: error %ld\n", -rc);
            return;
        }
        uint64_t now = (uint64_t)vk_clock_get();
        int event = 0;
        for (size_t i = 0; rc >= 0 && i < dm->ndevs; i++) {
            if ((w.observed >> i) & 1 && dm->devs[i].proc) {
                driver_exited(dm, &dm->devs[i], now);
                event = 1;
            }
        }
        for (size_t i = 0; i < dm->ndevs; i++) {
            struct dm_dev *x = &dm->devs[i];
            if (x->state != DM_RESTARTING || x->restart_at > now)
                continue;
            event = 1;
            long src = spawn_driver(dm, x, i);
            if (src) {
                char b[8];
                bdf_str(x->bdf, b);
                fprintf(stderr, "devmgr: %s (%s): restart failed: error %ld\n", x->name, b, -src);
                x->state = DM_ERROR;
            }
        }
        if (now >= next_tick || event)
            next_tick = now + DM_TICK_NS;
        refresh(dm);
        if (publish_all(dm) || event)
            dm->quiet = 0;
        else if (dm->quiet < DM_TICK_QUIET)
            dm->quiet++;
    }
}

int main(int argc, char **argv)
{
    struct devmgr *dm = calloc(1, sizeof *dm);
    if (!dm)
        return 1;
    dm->file = argc > 1 ? argv[1] : "/etc/drivers.toml";
    dm->res = vr_start_handle(VK_ROLE_SPAWNER);
    dm->session = vr_start_handle(VK_ROLE_NSROOT);
    dm->bootfs = vr_start_handle(VK_ROLE_BOOTFS);
    if (!dm->res || !dm->session || !dm->bootfs) {
        fprintf(stderr, "devmgr: needs its resource, a session and the boot image\n");
        return 1;
    }
    if (vk_notify_create(&dm->notify))
        return 1;
    int rules_ok = load_rules(dm) == 0; /* a bad file: the devices are listed, none bound */
    if (enumerate(dm) == 0 && rules_ok)
        start_all(dm);
    refresh(dm);
    publish_all(dm);
    vr_service_ready();
    supervise(dm);
    return 1;
}
