/*
 * vfs: the namespace server (/sbin/vfs), the IPC shell around the vfs library.
 *
 * init starts it first, handing it the receive end of the namespace endpoint
 * (VK_ROLE_SERVE), the boot image and the console. It builds the namespace: tmpfs at / and
 * /tmp, each top-level directory of the boot image mounted read-only at the same place
 * (/bin, /sbin, /etc, ...), devfs at /dev (null, zero, full, random, urandom, console, tty),
 * procfs at /proc (uptime, meminfo, mounts, kmsg regenerated when opened; services published by
 * init; /proc/<pid>/{status,cmdline,environ,cwd} announced by each process's libveridian with
 * VFS_OP_HELLO under the pid the kernel gives as sender, removed when its session goes;
 * /proc/self is the caller's), then signals readiness and serves veridian/vfs_proto.h.
 *
 * Badges name what a handle stands for: a session (credentials, cwd, umask) or an open file
 * description (VFS_BADGE_FILE). Both are minted with VK_MINT_TRACK_CLOSE: when the kernel
 * reports the last copy of a badge gone, the session or description is freed and its id can
 * be reused. Session 1 is init's own (uid 0, cwd /).
 *
 * Credentials: a session has real, effective and saved uid and gid (the effective ones are
 * its vfs_ctx's, what permission checks use). init sets each program's before handing the
 * session over; a SETUID then follows POSIX (a caller without effective uid 0 or CAP_SETUID
 * moves its effective ids among its real and saved ones only). Requests on a file handle
 * that need the caller's identity (FCHMOD) use the session of the calling process (the
 * kernel names it: sender_pid, matched to the session that process announced itself on),
 * never the opener's: a handle passed to another process carries no credentials.
 * /proc/<name> (and /proc/net/<name>) entries published with VFS_OP_PUBLISH belong to the uid that
 * created them (uid 0 only); only that uid rewrites them, and vfs's own entries and the /proc/<pid>
 * directories are nobody's to publish.
 *
 * Blocking: a read of an empty pipe, a write to a full one, or a waiting poll becomes a
 * pending request whose reply is deferred (see "waiting requests": indexed by pipe, a bounded
 * share per client). The server handles one message at a time: the library is
 * single-threaded. The server never trusts a request: lengths are bounded, paths checked, ids
 * validated, and a handle that stands for one of our own files (the directory of an *at()
 * call) counts only when the kernel unwrapped it, i.e. it was minted on our endpoint.
 * No request and no kernel error ends the server: a failed receive is logged and the loop
 * goes on; a full handle table fails the one request that needed a handle.
 *
 * Structure: all the server keeps is one struct vfs_server, made in main() and passed to
 * every function (no file-scope variables: a unit test runs nm on this object). Requests are
 * dispatched through two const tables, session_ops and file_ops ({opcode, minimum length,
 * decode flags, capability and handle checks, handler}); decode() does the argument checks
 * they name, once, in the protocol's order, before any handler runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg.h"
#include "rofs.h"
#include "veridian/caps.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "vfs.h"
#include "vl_bootfs.h"

#define CHUNK 65536u

enum dev_minor { DEV_NONE, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM };

struct ofile {
    int used;
    struct vfs_file *f;
    int dev;              /* enum dev_minor: served here, not by the library */
    struct vfs_cred cred; /* of the opener (FCHMOD checks the caller's session instead) */
    uint32_t pid, fd;     /* shown as /proc/<pid>/fd/<fd> (pid 0: not shown) */
    char *path;           /* ... pointing here (absolute) */
};

struct session {
    int used;
    uint32_t pid;         /* announced with VFS_OP_HELLO, 0 if not */
    uint32_t console_fds; /* which of its fds 0-2 are the console (HELLO) */
    struct vfs_ctx ctx;   /* ctx.cred: the effective uid and gid */
    uint32_t ruid, suid;  /* real and saved uid */
    uint32_t rgid, sgid;  /* real and saved gid */
};

/* A request waiting for a pipe (see "waiting requests"). */
struct pending {
    struct pending *next, *prev;   /* in its pipe's bucket, oldest first */
    struct pending *cnext, *cprev; /* in its client's list, oldest first */
    struct client *client;
    uint64_t pipe; /* vfs_pipe_id of the file's pipe */
    int active;    /* being tried (else waiting its client's turn) */
    uint64_t token;
    uint32_t op, id;
    uint64_t len, done, events;
    int look; /* poll: just look, do not wait */
    struct vk_msg msg;
};

/* /proc/<name> files published with VFS_OP_PUBLISH, and the uid each belongs to. */
struct published {
    char name[VFS_NAME_MAX + 1];
    uint32_t owner;
};

/* Device nodes registered by other servers: opens get a handle to them, minted here. */
struct device {
    uint64_t rdev;
    uint32_t endpoint; /* CALL|MINT|DUP|TRANSFER, unbadged */
};

/* One-shot readiness watches (VFS_OP_WATCH): a notification to signal when a file is ready.
 * The table grows as needed; each client (sender pid) may keep WATCH_PER_CLIENT, so none can
 * take the slots of another's poll(). */
#define WATCH_PER_CLIENT 256u
struct watch {
    int used;
    uint32_t file;   /* id */
    uint32_t notify; /* our handle to the client's notification */
    uint32_t events;
    uint64_t object; /* the notification's kernel object id, to match UNWATCH */
    uint64_t bits;
    uint64_t pipe; /* vfs_pipe_id of the file's pipe (0: not a pipe, ready at once) */
    uint32_t pid;  /* the client */
    uint32_t reserved;
};

/* Waiting requests (see "waiting requests" below for how they are kept). */
#define PARK_BUCKETS 256u /* pipes hash into this many FIFO lists */
#define PARK_ACTIVE 64u   /* a client's fair share: its requests that are tried */
#define PARK_PER_CLIENT                                                                            \
    512u                /* all its waiting requests (a process has at most 1024                    \
                         * threads, so the bound must be below that to matter) */
#define PARK_RECLAIM 8u /* probes of a client's oldest requests when at its limit */
#define CLIENT_BUCKETS 64u
#define SWEEP_MIN 256u
#define TOUCHED_MAX 16u

struct plist {
    struct pending *head, *tail;
};

struct client {
    uint32_t pid;
    uint32_t nactive, waiting; /* requests being tried; all of them */
    struct client *hnext;      /* in its hash chain */
    struct plist active, queued;
};

struct park {
    struct plist bucket[PARK_BUCKETS];
    struct client *clients[CLIENT_BUCKETS];
    size_t n, sweep_at;
    uint64_t touched[TOUCHED_MAX]; /* pipes the current message may have changed */
    unsigned ntouched;
    unsigned touched_all; /* bumped when touched[] overflowed: retry every bucket */
};
/* The server: everything it keeps between two messages, and the scratch space of the one
 * message being handled. One instance, made by main() and passed to every function; nothing
 * of the server lives in file-scope variables (a test checks that the object file has none). */
struct vfs_server {
    struct vfs *vfs;
    uint32_t ep;      /* the namespace endpoint we serve */
    uint32_t console; /* the kernel's console, handed out on opens of /dev/console */
    struct session *sessions;
    size_t nsessions, session_hint;
    struct ofile *files;
    size_t nfiles, file_hint;
    struct vfs_fs *procfs, *devfs;
    uint64_t rng[2]; /* /dev/random: xorshift128+, seeded from AT_RANDOM (the run's seed) */
    struct published *published;
    size_t npublished;
    struct device *devices;
    size_t ndevices;
    uint64_t device_opens;
    struct watch *watches;
    size_t nwatches;  /* allocated */
    size_t watch_top; /* watches[watch_top..] are all unused: the scans stop there */
    struct park park;
    /* the message being handled */
    uint32_t in_handles[VK_MSG_MAX_HANDLES]; /* handles that came with the request */
    uint32_t n_in;
    uint64_t args[VK_MSG_DATA_WORDS]; /* the request's data words; replies start zeroed */
    char path0[VFS_PROTO_PATH_MAX], path1[2 * VFS_PROTO_PATH_MAX]; /* its path(s) */
    char raw[16384];    /* what it sent: paths, HELLO's lists, PUBLISH's name and content */
    uint8_t buf[CHUNK]; /* data on its way between a client and a file */
};
_Static_assert(sizeof(((struct vfs_server *)0)->raw) > 3 * VFS_PROTO_PATH_MAX,
               "raw holds two paths of a request (get_paths)");

static int64_t clock_ns(void *arg)
{
    (void)arg;
    return vk_clock_get() + 1767225600000000000ll; /* 2026-01-01, as CLOCK_REALTIME */
}

static void proc_fd_rebuild(struct vfs_server *sv, uint32_t pid);

/* ---- ids ---- */

/* The lowest free id >= 1 of an array of structs that start with an `int used`. *hint is a
 * lower bound of the free ids (moved back when one is freed), so a scan rarely starts at 1:
 * ids stay the lowest free ones (deterministic) without an O(n) walk per open. */
static long slot_alloc(void **arr, size_t *n, size_t size, size_t *hint)
{
    char *a = *arr;
    for (size_t i = *hint > 1 ? *hint : 1; i < *n; i++) {
        if (!*(int *)(a + i * size)) {
            *hint = i + 1;
            return (long)i;
        }
    }
    size_t nn = *n ? *n * 2 : 16;
    char *na = realloc(a, nn * size);
    if (!na)
        return -VK_ENOMEM;
    memset(na + *n * size, 0, (nn - *n) * size);
    *arr = na;
    long idx = *n ? (long)*n : 1;
    *n = nn;
    *hint = (size_t)idx + 1;
    return idx;
}

static struct session *session_of(struct vfs_server *sv, uint64_t badge)
{
    if (badge & VFS_BADGE_FILE || badge >= sv->nsessions || !sv->sessions[badge].used)
        return NULL;
    return &sv->sessions[badge];
}

static struct ofile *file_of(struct vfs_server *sv, uint64_t badge)
{
    uint64_t id = badge & ~VFS_BADGE_FILE;
    if (!(badge & VFS_BADGE_FILE) || id >= sv->nfiles || !sv->files[id].used)
        return NULL;
    return &sv->files[id];
}

static long mint(struct vfs_server *sv, uint64_t badge, uint32_t *h)
{
    return vk_handle_mint(
        sv->ep, VK_RIGHT_CALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER | VK_MINT_TRACK_CLOSE, badge, h);
}

static long new_session(struct vfs_server *sv, const struct vfs_ctx *from, uint32_t *h)
{
    long id =
        slot_alloc((void **)&sv->sessions, &sv->nsessions, sizeof *sv->sessions, &sv->session_hint);
    if (id < 0)
        return id;
    struct session *s = &sv->sessions[id];
    s->ctx = *from;
    if (s->ctx.cwd)
        vfs_vnode_ref(s->ctx.cwd);
    if (s->ctx.root)
        vfs_vnode_ref(s->ctx.root);
    s->used = 1;
    long rc = h ? mint(sv, (uint64_t)id, h) : 0;
    if (rc) {
        if (s->ctx.cwd)
            vfs_vnode_put(s->ctx.cwd);
        if (s->ctx.root)
            vfs_vnode_put(s->ctx.root);
        s->used = 0;
        if ((size_t)id < sv->session_hint)
            sv->session_hint = (size_t)id;
    }
    return rc ? rc : id;
}

static void session_free(struct vfs_server *sv, struct session *s)
{
    if (s->pid) {
        char p[16];
        snprintf(p, sizeof p, "%u", s->pid);
        rofs_remove_path(sv->procfs, p);
    }
    if (s->ctx.cwd)
        vfs_vnode_put(s->ctx.cwd);
    if (s->ctx.root)
        vfs_vnode_put(s->ctx.root);
    if ((size_t)(s - sv->sessions) < sv->session_hint)
        sv->session_hint = (size_t)(s - sv->sessions);
    memset(s, 0, sizeof *s);
}

/* The session the process `pid` announced itself on (VFS_OP_HELLO), or NULL. */
static struct session *session_of_pid(struct vfs_server *sv, uint32_t pid)
{
    for (size_t i = 1; pid && i < sv->nsessions; i++)
        if (sv->sessions[i].used && sv->sessions[i].pid == pid)
            return &sv->sessions[i];
    return NULL;
}

static long new_file(struct vfs_server *sv, struct vfs_file *f, int dev,
                     const struct vfs_cred *cred, uint32_t *h)
{
    long id = slot_alloc((void **)&sv->files, &sv->nfiles, sizeof *sv->files, &sv->file_hint);
    if (id < 0)
        return id;
    long rc = mint(sv, VFS_BADGE_FILE | (uint64_t)id, h);
    if (rc) {
        if ((size_t)id < sv->file_hint)
            sv->file_hint = (size_t)id;
        return rc;
    }
    sv->files[id] = (struct ofile){.used = 1, .f = f, .dev = dev, .cred = *cred};
    return id;
}

/* ---- request helpers ---- */

/* The path(s) of a request: one, or two separated by a NUL. */
static long get_paths(struct vfs_server *sv, const struct vk_recv *r, int two)
{
    /* a second path may be up to twice the limit: the library reports its ENAMETOOLONG in
     * Linux's order, after resolving the first */
    if (r->send_len >= VFS_PROTO_PATH_MAX * (two ? 3 : 1))
        return -VK_ENAMETOOLONG;
    char *raw = sv->raw;
    long n = vk_msg_read(r->token, 0, raw, r->send_len);
    if (n < 0)
        return n;
    raw[n] = 0;
    size_t l0 = strnlen(raw, (size_t)n);
    if (l0 >= VFS_PROTO_PATH_MAX)
        return -VK_ENAMETOOLONG;
    memcpy(sv->path0, raw, l0 + 1);
    if (!strncmp(sv->path0, "/proc/self", 10) && (sv->path0[10] == '/' || !sv->path0[10])) {
        char rest[VFS_PROTO_PATH_MAX];
        snprintf(rest, sizeof rest, "%s", sv->path0 + 10);
        if ((size_t)snprintf(sv->path0, sizeof sv->path0, "/proc/%u%s", r->sender_pid, rest) >=
            sizeof sv->path0)
            return -VK_ENAMETOOLONG;
    }
    if (!strncmp(sv->path0, "/proc/", 6) && sv->path0[6] >= '1' && sv->path0[6] <= '9')
        proc_fd_rebuild(sv, (uint32_t)strtoul(sv->path0 + 6, NULL, 10));
    if (two) {
        if ((long)l0 >= n)
            return -VK_EINVAL;
        const char *p1 = raw + l0 + 1;
        size_t l1 = strnlen(p1, (size_t)(n - (long)l0 - 1));
        if (l1 >= sizeof sv->path1)
            return -VK_ENAMETOOLONG;
        memcpy(sv->path1, p1, l1);
        sv->path1[l1] = 0;
    } else if (l0 != (size_t)n) {
        return -VK_EINVAL; /* a NUL inside the path */
    }
    return 0;
}

/* The directory a handle in the message stands for: one of our open files of a directory,
 * as the kernel unwrapped it (vk_recv.unwrapped: a handle minted on our endpoint, so the
 * badge is ours). Any other handle, a client's endpoint with a badge it chose included, is
 * -VK_EBADF: it names nothing of ours. */
static long dir_arg(struct vfs_server *sv, const struct vk_recv *r, unsigned which,
                    struct vfs_vnode **dir)
{
    *dir = NULL;
    if (!(sv->args[3] & (which ? VFS_AT_DIR1 : VFS_AT_DIR0)))
        return 0;
    if (which >= sv->n_in || !(r->unwrapped & (1u << which)))
        return -VK_EBADF;
    struct ofile *of = file_of(sv, r->handle_badges[which]);
    if (!of || !vfs_file_vnode(of->f))
        return -VK_EBADF;
    *dir = vfs_file_vnode(of->f);
    return 0;
}

static void to_proto(const struct vfs_stat *st, struct vfs_proto_stat *p)
{
    *p = (struct vfs_proto_stat){st->dev,      st->ino,      st->mode,    st->nlink,   st->uid,
                                 st->gid,      st->rdev,     st->size,    st->blksize, st->blocks,
                                 st->atime_ns, st->mtime_ns, st->ctime_ns};
}

static long reply_stat(const struct vk_recv *r, const struct vfs_stat *st)
{
    struct vfs_proto_stat p;
    to_proto(st, &p);
    if (r->recv_len < sizeof p)
        return -VK_EINVAL;
    return vk_msg_write(r->token, 0, &p, sizeof p) < 0 ? -VK_EFAULT : 0;
}

static int dev_of(struct vfs_vnode *vn)
{
    if (!vn || (vn->mode & VFS_S_IFMT) != VFS_S_IFCHR)
        return DEV_NONE;
    switch (vn->rdev) {
    case (1 << 8) | 3:
        return DEV_NULL;
    case (1 << 8) | 5:
        return DEV_ZERO;
    case (1 << 8) | 7:
        return DEV_FULL;
    case (1 << 8) | 8:
    case (1 << 8) | 9:
        return DEV_RANDOM;
    default:
        return -1; /* the console, or a node some server registered */
    }
}

static int is_console(struct vfs_vnode *vn)
{
    return vn && (vn->mode & VFS_S_IFMT) == VFS_S_IFCHR &&
           (vn->rdev == ((5 << 8) | 1) || vn->rdev == ((5 << 8) | 0));
}

/* ---- procfs ---- */

/* /proc/kmsg: the kernel log (os/kernel/klog.c), formatted by kmsg.c */
static void proc_kmsg(struct vfs_server *sv)
{
    size_t cap = VK_KLOG_RECORDS * 160;
    struct vk_klog_record *recs = malloc(VK_KLOG_RECORDS * sizeof *recs);
    char *text = malloc(cap);
    long n = recs && text ? vk_klog_read(0, recs, VK_KLOG_RECORDS) : -VK_ENOMEM;
    if (n >= 0) {
        size_t len = vfs_kmsg_format(recs, (size_t)n, text, cap);
        rofs_set_file(sv->procfs, "kmsg", 0444, text, len);
    }
    free(recs);
    free(text);
}

static void proc_refresh(struct vfs_server *sv)
{
    char b[2048];
    int64_t now = vk_clock_get();
    int n = snprintf(b, sizeof b, "%lld.%02lld 0.00\n", (long long)(now / 1000000000),
                     (long long)(now / 10000000 % 100));
    rofs_set_file(sv->procfs, "uptime", 0444, b, (size_t)n);
    struct vk_kernel_info ki;
    if (vk_kernel_info(&ki) == 0) {
        struct vfs_stats st;
        vfs_get_stats(sv->vfs, &st);
        n = snprintf(b, sizeof b,
                     "MemObjects:     %8llu kB\nTmpfsPages:     %8llu kB\nKernelObjects:  %8llu\n"
                     "Handles:        %8llu\nProcesses:      %8llu\nOpenFiles:      %8llu\n",
                     (unsigned long long)(ki.memory_object_bytes / 1024),
                     (unsigned long long)(st.pages * VFS_PAGE_SIZE / 1024),
                     (unsigned long long)ki.objects, (unsigned long long)ki.handles,
                     (unsigned long long)ki.processes, (unsigned long long)st.files);
        rofs_set_file(sv->procfs, "meminfo", 0444, b, (size_t)n);
    }
    struct vfs_ctx root = {.vfs = sv->vfs};
    size_t off = 0;
    for (struct vfs_mount *m = vfs_mount_next(sv->vfs, NULL); m && off < sizeof b - 256;
         m = vfs_mount_next(sv->vfs, m)) {
        struct vfs_mount_info mi;
        vfs_mount_get_info(m, &mi);
        char at[512];
        if (vfs_getcwd(&root, mi.root, at, sizeof at) < 0)
            snprintf(at, sizeof at, "?");
        const char *type = at[0] == '/' && !strcmp(at, "/proc") ? "proc"
                           : !strcmp(at, "/dev")                ? "devfs"
                           : mi.flags & VFS_MNT_RDONLY          ? "bootfs"
                                                                : "tmpfs";
        off += (size_t)snprintf(b + off, sizeof b - off, "%s %s %s %s 0 0\n", type, at, type,
                                mi.flags & VFS_MNT_RDONLY ? "ro" : "rw");
    }
    rofs_set_file(sv->procfs, "mounts", 0444, b, off);
    proc_kmsg(sv);
}

/* Write a NUL-separated list as /proc/<pid>/<name>. */
static void proc_hello(struct vfs_server *sv, struct session *s, const struct vk_recv *r)
{
    char *raw = sv->raw;
    size_t len = r->send_len < sizeof sv->raw ? (size_t)r->send_len : sizeof sv->raw;
    long n = vk_msg_read(r->token, 0, raw, len);
    if (n < 0)
        return;
    /* cmdline ends at the first empty string */
    size_t cl = 0;
    while (cl < (size_t)n && !(raw[cl] == 0 && (cl == 0 || raw[cl - 1] == 0)))
        cl++;
    char path[64], status[256];
    uint32_t pid = r->sender_pid;
    snprintf(path, sizeof path, "%u/cmdline", pid);
    rofs_set_file(sv->procfs, path, 0444, raw, cl);
    snprintf(path, sizeof path, "%u/environ", pid);
    rofs_set_file(sv->procfs, path, 0400, raw + (cl < (size_t)n ? cl + 1 : cl),
                  cl + 1 < (size_t)n ? (size_t)n - cl - 1 : 0);
    const char *name = raw, *slash = memchr(raw, '/', strnlen(raw, cl));
    while (slash) {
        name = slash + 1;
        slash = strchr(name, '/');
    }
    int sl = snprintf(status, sizeof status,
                      "Name:\t%.64s\nState:\tR (running)\nPid:\t%u\n"
                      "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
                      n ? name : "?", pid, s->ruid, s->ctx.cred.uid, s->suid, s->ctx.cred.uid,
                      s->rgid, s->ctx.cred.gid, s->sgid, s->ctx.cred.gid);
    snprintf(path, sizeof path, "%u/status", pid);
    rofs_set_file(sv->procfs, path, 0444, status, (size_t)sl);
    s->pid = pid;
    s->console_fds = (uint32_t)sv->args[0] & 7;
}

/* /proc/<pid>/fd is built when someone looks (a path under /proc/<pid>), from what vfs
 * already knows: the console fds the process announced and the files it opened, so opens
 * and closes pay nothing for it. */
static void proc_fd_rebuild(struct vfs_server *sv, uint32_t pid)
{
    struct session *owner = NULL;
    for (size_t i = 1; i < sv->nsessions && !owner; i++)
        if (sv->sessions[i].used && sv->sessions[i].pid == pid)
            owner = &sv->sessions[i];
    if (!owner)
        return;
    char path[48];
    snprintf(path, sizeof path, "%u/fd", pid);
    if (rofs_empty_dir(sv->procfs, path))
        rofs_add_dir(sv->procfs, path);
    for (unsigned fd = 0; fd < 3; fd++) {
        if (owner->console_fds & (1u << fd)) {
            snprintf(path, sizeof path, "%u/fd/%u", pid, fd);
            rofs_set_symlink(sv->procfs, path, "/dev/console");
        }
    }
    for (size_t i = 1; i < sv->nfiles; i++) {
        if (sv->files[i].used && sv->files[i].pid == pid && sv->files[i].path) {
            snprintf(path, sizeof path, "%u/fd/%u", pid, sv->files[i].fd);
            rofs_set_symlink(sv->procfs, path, sv->files[i].path);
        }
    }
}

/* Remember that the file is fd `fd` of the session's process, opened by `path`. */
static void proc_fd_note(struct vfs_server *sv, struct session *s, struct ofile *of, uint32_t fd,
                         const char *path)
{
    char target[2 * VFS_PROTO_PATH_MAX];
    if (path[0] == '/') {
        snprintf(target, sizeof target, "%s", path);
    } else {
        struct vfs_vnode *root = s->ctx.cwd ? NULL : vfs_root(sv->vfs);
        int64_t n = vfs_getcwd(&s->ctx, s->ctx.cwd ? s->ctx.cwd : root, target, sizeof target);
        if (root)
            vfs_vnode_put(root);
        if (n <= 0)
            return;
        snprintf(target + n - 1, sizeof target - (size_t)n + 1, "%s%s", n > 2 ? "/" : "", path);
    }
    size_t len = strlen(target);
    if (!(of->path = malloc(len + 1)))
        return;
    memcpy(of->path, target, len + 1);
    of->pid = s->pid;
    of->fd = fd;
}

static void proc_cwd(struct vfs_server *sv, struct session *s)
{
    if (!s->pid)
        return;
    char cwd[VFS_PROTO_PATH_MAX], path[32];
    struct vfs_vnode *root = s->ctx.cwd ? NULL : vfs_root(sv->vfs);
    if (vfs_getcwd(&s->ctx, s->ctx.cwd ? s->ctx.cwd : root, cwd, sizeof cwd) > 0) {
        snprintf(path, sizeof path, "%u/cwd", s->pid);
        rofs_set_symlink(sv->procfs, path, cwd);
    }
    if (root)
        vfs_vnode_put(root);
}

/* ---- request tables ----
 *
 * A request is looked up by opcode in a const table (session_ops for a session badge,
 * file_ops for an open file's): what the request must carry, checked once by decode() in a
 * fixed order, then the handler over the server's state. The order is the protocol's (it
 * decides which error a request with several faults gets): the capability handle, then
 * handles[0], then the data words, then the sent bytes, then the path(s), then the
 * directories of *at() calls. Handlers see only decoded requests; what they check is what
 * depends on the state (a file, a session, the library's answer).
 */
#define REQ_PATH 1u  /* one path in the sent bytes: sv->path0 */
#define REQ_PATH2 2u /* two, "first\0second": sv->path0, sv->path1 */
#define REQ_DIR0 4u  /* data[3] & VFS_AT_DIR0: handles[0] is the first path's directory */
#define REQ_DIR1 8u  /* data[3] & VFS_AT_DIR1: handles[1] is the second path's directory */
#define REQ_LEN0                                                                                   \
    16u              /* data[0] is a length: negative is EINVAL (before the paths: Linux's order)  \
                      */
#define REQ_ARG1 32u /* data[1] must not be 0 (EINVAL) */
#define REQ_H0_UNBADGED 64u /* handles[0] (h0_type) must carry no badge (EINVAL) */

/* A decoded request. */
struct vfs_req {
    struct vk_recv *r;
    const uint64_t *a;        /* its data words (sv->args) */
    uint64_t *d;              /* the reply's data words (r->msg.data, zeroed) */
    struct vfs_vnode *dir[2]; /* REQ_DIR0/1: the directories of its paths (NULL: the cwd) */
    struct vk_handle_info h0; /* h0_type: what handles[0] is */
};

#define REQ_DEFERRED 1 /* a file handler parked the request: no reply now */

struct vfs_req_op {
    uint32_t opcode;
    uint32_t min_send; /* bytes the request must send, else EINVAL */
    uint32_t decode;   /* REQ_* */
    uint32_t cap;      /* handles[1] must be a resource handle with this right, else EPERM */
    uint32_t h0_type;  /* VK_OBJ_*: handles[0] must be one, with all of h0_rights, else EINVAL */
    uint32_t h0_rights;
    /* one of the two, as the table is for sessions or for open files: 0 or a negative errno
     * for the reply (file handlers: or REQ_DEFERRED) */
    long (*session)(struct vfs_server *sv, struct session *s, struct vfs_req *q);
    long (*file)(struct vfs_server *sv, struct ofile *of, struct vfs_req *q);
};

/* The entry for opcode in table t (n entries, sorted by opcode), or NULL. A dense table is
 * indexed directly; a gap in the numbering costs a scan. */
static const struct vfs_req_op *op_find(const struct vfs_req_op *t, size_t n, uint32_t opcode)
{
    size_t i = (size_t)(opcode - t[0].opcode);
    if (opcode >= t[0].opcode && i < n && t[i].opcode == opcode)
        return &t[i];
    for (i = 0; i < n; i++)
        if (t[i].opcode == opcode)
            return &t[i];
    return NULL;
}

/* Check what op says the request carries and fill q: 0, or the error to reply with. */
static long decode(struct vfs_server *sv, const struct vfs_req_op *op, struct vk_recv *r,
                   struct vfs_req *q)
{
    *q = (struct vfs_req){.r = r, .a = sv->args, .d = r->msg.data};
    struct vk_handle_info hi;
    long rc;
    if (op->cap && (sv->n_in < 2 || vk_handle_info(sv->in_handles[1], &hi) ||
                    hi.type != VK_OBJ_RESOURCE || !(hi.rights & op->cap)))
        return -VK_EPERM; /* the capability is missing */
    if (op->h0_type &&
        (sv->n_in < 1 || vk_handle_info(sv->in_handles[0], &q->h0) || q->h0.type != op->h0_type ||
         (q->h0.rights & op->h0_rights) != op->h0_rights ||
         (op->decode & REQ_H0_UNBADGED && q->h0.badge)))
        return -VK_EINVAL;
    if ((op->decode & REQ_LEN0 && (int64_t)q->a[0] < 0) || (op->decode & REQ_ARG1 && !q->a[1]))
        return -VK_EINVAL;
    if (r->send_len < op->min_send)
        return -VK_EINVAL;
    if (op->decode & (REQ_PATH | REQ_PATH2) &&
        (rc = get_paths(sv, r, (op->decode & REQ_PATH2) != 0)))
        return rc;
    if (op->decode & REQ_DIR0 && (rc = dir_arg(sv, r, 0, &q->dir[0])))
        return rc;
    if (op->decode & REQ_DIR1 && (rc = dir_arg(sv, r, 1, &q->dir[1])))
        return rc;
    return 0;
}

/* ---- session requests ---- */

static long op_open(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vk_recv *r = q->r;
    long rc;
    if (!strncmp(sv->path0, "/proc/", 6))
        proc_refresh(sv);
    struct vfs_file *f;
    rc = vfs_open(&s->ctx, q->dir[0], sv->path0, (uint32_t)q->a[0], (uint32_t)q->a[1], &f);
    if (rc)
        return rc;
    struct vfs_vnode *vn = vfs_file_vnode(f);
    uint32_t h;
    memset(&r->msg.data, 0, sizeof r->msg.data);
    r->msg.data[0] = vn ? vn->mode : 0;
    if (is_console(vn)) { /* the console is the kernel's: hand out the handle itself */
        vfs_close(f);
        if ((rc = vk_handle_dup(sv->console,
                                VK_RIGHT_READ | VK_RIGHT_WRITE | VK_RIGHT_WAIT | VK_RIGHT_DUP |
                                    VK_RIGHT_TRANSFER,
                                &h)))
            return rc;
        r->msg.data[1] = VFS_OPEN_CONSOLE;
    } else {
        int dev = dev_of(vn);
        for (size_t i = 0; dev < 0 && i < sv->ndevices; i++) {
            if (sv->devices[i].rdev == vn->rdev) { /* its server talks to the client directly */
                vfs_close(f);
                if ((rc = vk_handle_mint(sv->devices[i].endpoint,
                                         VK_RIGHT_CALL | VK_RIGHT_DUP | VK_RIGHT_TRANSFER |
                                             VK_MINT_TRACK_CLOSE,
                                         VFS_BADGE_DEVICE | ++sv->device_opens, &h)))
                    return rc;
                r->msg.flags = 1;
                r->msg.handles[0] = h;
                return 0;
            }
        }
        if (dev < 0) {
            vfs_close(f);
            return -VK_ENXIO; /* a device no server has claimed */
        }
        long id = new_file(sv, f, dev, &s->ctx.cred, &h);
        if (id < 0) {
            vfs_close(f);
            return id;
        }
        if (s->pid && q->a[2] && q->a[2] <= 65536) {
            proc_fd_note(sv, s, &sv->files[id], (uint32_t)(q->a[2] - 1), sv->path0);
            if (!strncmp(sv->path0, "/proc/", 6)) /* a listing of /proc/<pid>/fd shows itself */
                proc_fd_rebuild(sv, s->pid);
        }
    }
    r->msg.flags = 1;
    r->msg.handles[0] = h;
    return 0;
}

static long op_pipe(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_file *rd, *wr;
    long rc = vfs_pipe_open(&s->ctx, (uint32_t)q->a[0], &rd, &wr);
    if (rc)
        return rc;
    uint32_t h0, h1;
    long id0 = new_file(sv, rd, DEV_NONE, &s->ctx.cred, &h0);
    if (id0 < 0) {
        vfs_close(rd);
        vfs_close(wr);
        return id0;
    }
    long id1 = new_file(sv, wr, DEV_NONE, &s->ctx.cred, &h1);
    if (id1 < 0) {
        vk_handle_close(h0); /* the close notice frees rd */
        vfs_close(wr);
        return id1;
    }
    q->r->msg.flags = 2;
    q->r->msg.handles[0] = h0;
    q->r->msg.handles[1] = h1;
    return 0;
}

static long op_mount(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    if (q->a[0] != VFS_FS_TMPFS)
        return -VK_ENODEV;
    struct vfs_fs *fs;
    struct tmpfs_config tc = {.max_bytes = 64u << 20, .root_mode = 01777};
    long rc = tmpfs_create(sv->vfs, &tc, &fs);
    if (rc)
        return rc;
    if ((rc = vfs_mount(&s->ctx, q->dir[0], sv->path0, fs, (uint32_t)q->a[1] & VFS_MNT_RDONLY)))
        vfs_fs_destroy(fs);
    return rc;
}

static long op_umount(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_umount(&s->ctx, q->dir[0], sv->path0);
}

static long op_register(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    (void)s;
    const char *name = sv->path0;
    if (!name[0] || strchr(name, '/') || name[0] == '.' || strlen(name) > VFS_NAME_MAX)
        return -VK_EINVAL;
    struct device *nd = realloc(sv->devices, (sv->ndevices + 1) * sizeof *nd);
    if (!nd)
        return -VK_ENOMEM;
    sv->devices = nd;
    uint64_t rdev = (200ull << 8) | sv->ndevices; /* major 200: servers' devices */
    long rc = rofs_add_dev(sv->devfs, name, VFS_S_IFCHR | 0666, rdev);
    if (rc)
        return rc;
    sv->devices[sv->ndevices].rdev = rdev;
    sv->devices[sv->ndevices].endpoint = sv->in_handles[0];
    sv->ndevices++;
    sv->in_handles[0] = 0; /* kept: not closed with the request's other handles */
    (void)q;
    return 0;
}

/* PUBLISH "name\0content": /proc/name, owned by the uid that created it (uid 0, or a caller
 * that sends its resource handle with VK_RIGHT_IPC_CREATE: CAP_IPC_CREATE services such as
 * devmgr publish without running as root); vfs's own entries and /proc/<pid> (a process
 * announces its own, with HELLO) are no one's to publish. */
static int has_capability(struct vfs_server *sv, uint32_t right);

static long op_publish(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    static const char *const own[] = {"self", "uptime", "meminfo", "mounts"};
    struct vk_recv *r = q->r;
    char *raw = sv->raw;
    uint32_t uid = s->ctx.cred.uid;
    if (r->send_len >= sizeof sv->raw)
        return -VK_E2BIG;
    long n = vk_msg_read(r->token, 0, raw, r->send_len);
    if (n < 0)
        return n;
    raw[n] = 0;
    size_t nl = strlen(raw);
    /* one directory level is allowed: net/ (netstack's /proc/net/tcp, udp, dev) */
    const char *leaf = strncmp(raw, "net/", 4) ? raw : raw + 4;
    if (!nl || nl >= (size_t)n || nl > VFS_NAME_MAX || !leaf[0] || strchr(leaf, '/') ||
        leaf[0] == '.')
        return -VK_EINVAL;
    if (strspn(raw, "0123456789") == nl)
        return -VK_EPERM; /* /proc/<pid> */
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!strcmp(raw, own[i]))
            return -VK_EPERM;
    struct published *p = NULL;
    for (size_t i = 0; i < sv->npublished && !p; i++)
        if (!strcmp(sv->published[i].name, raw))
            p = &sv->published[i];
    if (p ? p->owner != uid : uid != 0 && !has_capability(sv, VK_RIGHT_IPC_CREATE))
        return -VK_EPERM;
    if (!p) {
        struct published *np = realloc(sv->published, (sv->npublished + 1) * sizeof *np);
        if (!np)
            return -VK_ENOMEM;
        sv->published = np;
        p = &sv->published[sv->npublished];
        memcpy(p->name, raw, nl + 1);
        p->owner = uid;
    }
    if (leaf != raw)
        rofs_add_dir(sv->procfs, "net"); /* made on first use (EEXIST after); never removed */
    long rc = rofs_set_file(sv->procfs, raw, 0444, raw + nl + 1, (size_t)n - nl - 1);
    if (!rc && p == &sv->published[sv->npublished])
        sv->npublished++;
    return rc;
}

/* Does a request carry a resource handle with `right` (a capability the kernel vouches
 * for: resources are made only by the kernel, and rights only shrink)? */
static int has_capability(struct vfs_server *sv, uint32_t right)
{
    struct vk_handle_info hi;
    for (uint32_t i = 0; i < sv->n_in && i < VK_MSG_MAX_HANDLES; i++)
        if (sv->in_handles[i] && !vk_handle_info(sv->in_handles[i], &hi) &&
            hi.type == VK_OBJ_RESOURCE && (hi.rights & right))
            return 1;
    return 0;
}

/* SETUID: data[0] = uid, data[1] = gid (VFS_ID_KEEP: unchanged), data[2] = VFS_SETID_*.
 * POSIX setuid()/setgid() (seteuid()/setegid() with VFS_SETID_EFFECTIVE): a privileged
 * caller (effective uid 0, or CAP_SETUID: its resource handle in the message) sets the real,
 * effective and saved id (only the effective one with VFS_SETID_EFFECTIVE); anyone else only
 * the effective id, and only to its real or saved one. Both ids are checked before either
 * changes, against the privilege the session had when the call came. */
static long op_setuid(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_cred *c = &s->ctx.cred;
    uint64_t uid = q->a[0], gid = q->a[1];
    int effective = (q->a[2] & VFS_SETID_EFFECTIVE) != 0;
    int priv = c->uid == 0 || has_capability(sv, VK_RIGHT_SETUID);
    if (q->a[2] & ~(uint64_t)VFS_SETID_EFFECTIVE)
        return -VK_EINVAL;
    if ((uid != VFS_ID_KEEP && uid > 0xfffffffeu) || (gid != VFS_ID_KEEP && gid > 0xfffffffeu))
        return -VK_EINVAL;
    /* unprivileged: to the real or saved id (seteuid also to the effective one, a no-op) */
    if (!priv &&
        ((uid != VFS_ID_KEEP && uid != s->ruid && uid != s->suid &&
          !(effective && uid == c->uid)) ||
         (gid != VFS_ID_KEEP && gid != s->rgid && gid != s->sgid && !(effective && gid == c->gid))))
        return -VK_EPERM;
    if (gid != VFS_ID_KEEP) {
        if (priv && !effective)
            s->rgid = s->sgid = (uint32_t)gid;
        c->gid = (uint32_t)gid;
    }
    if (uid != VFS_ID_KEEP) {
        if (priv && !effective)
            s->ruid = s->suid = (uint32_t)uid;
        c->uid = (uint32_t)uid;
    }
    return 0;
}

static long op_stat(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_stat st;
    long rc = vfs_fstatat(&s->ctx, q->dir[0], sv->path0, &st, (int)q->a[0]);
    return rc ? rc : reply_stat(q->r, &st);
}

static long op_access(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_access(&s->ctx, q->dir[0], sv->path0, (int)q->a[0], (int)q->a[1]);
}

static long op_mkdir(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_mkdir(&s->ctx, q->dir[0], sv->path0, (uint32_t)q->a[0]);
}

static long op_mknod(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_mknod(&s->ctx, q->dir[0], sv->path0, (uint32_t)q->a[0], q->a[1]);
}

static long op_unlink(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_unlinkat(&s->ctx, q->dir[0], sv->path0, (int)q->a[0]);
}

static long op_rename(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_rename(&s->ctx, q->dir[0], sv->path0, q->dir[1], sv->path1);
}

static long op_link(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_link(&s->ctx, q->dir[0], sv->path0, q->dir[1], sv->path1, (int)q->a[0]);
}

static long op_symlink(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_symlink(&s->ctx, sv->path0, q->dir[0], sv->path1);
}

static long op_readlink(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    size_t cap = q->r->recv_len < sizeof sv->path1 ? (size_t)q->r->recv_len : sizeof sv->path1;
    if (!cap)
        return -VK_EINVAL;
    int64_t n = vfs_readlink(&s->ctx, q->dir[0], sv->path0, sv->path1, cap);
    if (n < 0)
        return n;
    q->d[0] = (uint64_t)n;
    return vk_msg_write(q->r->token, 0, sv->path1, (size_t)n) < 0 ? -VK_EFAULT : 0;
}

static long op_chmod(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_chmod(&s->ctx, q->dir[0], sv->path0, (uint32_t)q->a[0], (int)q->a[1]);
}

static long op_truncate(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    return vfs_truncate(&s->ctx, q->dir[0], sv->path0, (int64_t)q->a[0]);
}

static long op_chdir(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_ctx *ctx = &s->ctx;
    struct vfs_vnode *nd, *d0 = q->dir[0];
    long rc = vfs_chdir(ctx, d0, sv->path0[0] || !d0 ? sv->path0 : ".", &nd);
    if (rc)
        return rc;
    if (ctx->cwd)
        vfs_vnode_put(ctx->cwd);
    ctx->cwd = nd;
    proc_cwd(sv, s);
    return 0;
}

static long op_getcwd(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_ctx *ctx = &s->ctx;
    struct vfs_vnode *cwd = ctx->cwd ? ctx->cwd : ctx->root;
    struct vfs_vnode *root = NULL;
    if (!cwd)
        cwd = root = vfs_root(sv->vfs);
    size_t cap = q->r->recv_len < sizeof sv->path1 ? (size_t)q->r->recv_len : sizeof sv->path1;
    int64_t n = vfs_getcwd(ctx, cwd, sv->path1, cap);
    if (root)
        vfs_vnode_put(root);
    if (n < 0)
        return n;
    q->d[0] = (uint64_t)n;
    return vk_msg_write(q->r->token, 0, sv->path1, (size_t)n) < 0 ? -VK_EFAULT : 0;
}

static long op_umask(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    (void)sv;
    uint32_t old = s->ctx.umask;
    s->ctx.umask = (uint32_t)q->a[0] & 0777;
    q->d[0] = old;
    return 0;
}

static long op_session(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    uint32_t h;
    long rc = new_session(sv, &s->ctx, &h);
    if (rc < 0)
        return rc;
    q->r->msg.flags = 1;
    q->r->msg.handles[0] = h;
    return 0;
}

static long op_hello(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    if (s->pid && s->pid != q->r->sender_pid)
        return -VK_EBUSY; /* a session belongs to one process */
    proc_hello(sv, s, q->r);
    proc_cwd(sv, s);
    return 0;
}

static long op_chroot(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    struct vfs_ctx *ctx = &s->ctx;
    struct vfs_vnode *nd;
    long rc = vfs_chdir(ctx, q->dir[0], sv->path0, &nd);
    if (rc)
        return rc;
    if (ctx->root)
        vfs_vnode_put(ctx->root);
    if (ctx->cwd)
        vfs_vnode_put(ctx->cwd);
    vfs_vnode_ref(nd);
    ctx->root = nd;
    ctx->cwd = nd;
    return 0;
}

static long op_getuid(struct vfs_server *sv, struct session *s, struct vfs_req *q)
{
    (void)sv;
    q->d[0] = s->ruid;
    q->d[1] = s->ctx.cred.uid;
    q->d[2] = s->suid;
    q->d[3] = s->rgid;
    q->d[4] = s->ctx.cred.gid;
    q->d[5] = s->sgid;
    return 0;
}

#define AT_PATH (REQ_PATH | REQ_DIR0) /* a path, maybe relative to a directory handle */
#define AT_PATH2 (REQ_PATH2 | REQ_DIR0 | REQ_DIR1)

/* Requests on a session (veridian/vfs_proto.h), by opcode. */
static const struct vfs_req_op session_ops[] = {
    {VFS_OP_OPEN, 0, AT_PATH, 0, 0, 0, op_open, NULL},
    {VFS_OP_STAT, 0, AT_PATH, 0, 0, 0, op_stat, NULL},
    {VFS_OP_ACCESS, 0, AT_PATH, 0, 0, 0, op_access, NULL},
    {VFS_OP_MKDIR, 0, AT_PATH, 0, 0, 0, op_mkdir, NULL},
    {VFS_OP_MKNOD, 0, AT_PATH, 0, 0, 0, op_mknod, NULL},
    {VFS_OP_UNLINK, 0, AT_PATH, 0, 0, 0, op_unlink, NULL},
    {VFS_OP_RENAME, 0, AT_PATH2, 0, 0, 0, op_rename, NULL},
    {VFS_OP_LINK, 0, AT_PATH2, 0, 0, 0, op_link, NULL},
    {VFS_OP_SYMLINK, 0, REQ_PATH2 | REQ_DIR0, 0, 0, 0, op_symlink, NULL},
    {VFS_OP_READLINK, 0, AT_PATH, 0, 0, 0, op_readlink, NULL},
    {VFS_OP_CHMOD, 0, AT_PATH, 0, 0, 0, op_chmod, NULL},
    {VFS_OP_TRUNCATE, 0, REQ_LEN0 | AT_PATH, 0, 0, 0, op_truncate, NULL},
    {VFS_OP_CHDIR, 0, AT_PATH, 0, 0, 0, op_chdir, NULL},
    {VFS_OP_GETCWD, 0, 0, 0, 0, 0, op_getcwd, NULL},
    {VFS_OP_UMASK, 0, 0, 0, 0, 0, op_umask, NULL},
    {VFS_OP_PIPE, 0, 0, 0, 0, 0, op_pipe, NULL},
    {VFS_OP_SESSION, 0, 0, 0, 0, 0, op_session, NULL},
    {VFS_OP_MOUNT, 0, AT_PATH, VK_RIGHT_FS_MOUNT, 0, 0, op_mount, NULL},
    {VFS_OP_UMOUNT, 0, AT_PATH, VK_RIGHT_FS_MOUNT, 0, 0, op_umount, NULL},
    {VFS_OP_PUBLISH, 1, 0, 0, 0, 0, op_publish, NULL},
    {VFS_OP_HELLO, 0, 0, 0, 0, 0, op_hello, NULL},
    {VFS_OP_SETUID, 0, 0, 0, 0, 0, op_setuid, NULL},
    {VFS_OP_CHROOT, 0, AT_PATH, 0, 0, 0, op_chroot, NULL},
    {VFS_OP_REGISTER, 0, REQ_PATH | REQ_H0_UNBADGED, VK_RIGHT_IPC_CREATE, VK_OBJ_ENDPOINT,
     VK_RIGHT_CALL | VK_RIGHT_MINT | VK_RIGHT_DUP, op_register, NULL},
    {VFS_OP_GETUID, 0, 0, 0, 0, 0, op_getuid, NULL},
};

static long session_request(struct vfs_server *sv, struct session *s, struct vk_recv *r)
{
    const struct vfs_req_op *op =
        op_find(session_ops, sizeof session_ops / sizeof session_ops[0], r->msg.opcode);
    struct vfs_req q;
    if (!op || !op->session)
        return -VK_ENOSYS;
    long rc = decode(sv, op, r, &q);
    return rc ? rc : op->session(sv, s, &q);
}

/* ---- file requests ---- */

static int64_t dev_read(struct vfs_server *sv, int dev, void *b, size_t len)
{
    switch (dev) {
    case DEV_NULL:
        return 0;
    case DEV_RANDOM: {
        uint8_t *p = b;
        for (size_t i = 0; i < len; i++) {
            uint64_t x = sv->rng[0], y = sv->rng[1];
            sv->rng[0] = y;
            x ^= x << 23;
            sv->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
            p[i] = (uint8_t)((sv->rng[1] + y) >> 24);
        }
        return (int64_t)len;
    }
    default: /* zero, full */
        memset(b, 0, len);
        return (int64_t)len;
    }
}

/* Move up to len bytes from the file to the caller's receive buffer at done; 0 when complete,
 * -VK_EAGAIN when a pipe is empty (and nothing was moved yet), else an error. */
static long do_read(struct vfs_server *sv, struct ofile *of, struct pending *p, int positional,
                    int64_t off)
{
    uint64_t want = p->len;
    if (want == 0 && !of->dev) /* nothing to move, but the library still checks the call */
        return positional ? vfs_pread(of->f, sv->buf, 0, off) : vfs_read(of->f, sv->buf, 0);
    while (p->done < want) {
        size_t n = want - p->done < CHUNK ? (size_t)(want - p->done) : CHUNK;
        int64_t got;
        if (of->dev)
            got = dev_read(sv, of->dev, sv->buf, n);
        else if (positional)
            got = vfs_pread(of->f, sv->buf, n, off + (int64_t)p->done);
        else
            got = vfs_read(of->f, sv->buf, n);
        if (got < 0)
            return p->done ? 0 : got;
        if (got == 0)
            break;
        if (vk_msg_write(p->token, p->done, sv->buf, (size_t)got) != got)
            return -VK_EFAULT;
        p->done += (uint64_t)got;
        if ((size_t)got < n || !vfs_file_vnode(of->f) || of->dev == DEV_NULL)
            break; /* short read, pipe: return what there is */
    }
    return 0;
}

static long do_write(struct vfs_server *sv, struct ofile *of, struct pending *p, int positional,
                     int64_t off)
{
    if (p->len == 0 && !of->dev)
        return positional ? vfs_pwrite(of->f, sv->buf, 0, off) : vfs_write(of->f, sv->buf, 0);
    while (p->done < p->len) {
        size_t n = p->len - p->done < CHUNK ? (size_t)(p->len - p->done) : CHUNK;
        long got = vk_msg_read(p->token, p->done, sv->buf, n);
        if (got <= 0)
            return got < 0 ? got : -VK_EFAULT;
        int64_t w;
        if (of->dev == DEV_FULL)
            w = -VK_ENOSPC;
        else if (of->dev)
            w = got;
        else if (positional)
            w = vfs_pwrite(of->f, sv->buf, (size_t)got, off + (int64_t)p->done);
        else
            w = vfs_write(of->f, sv->buf, (size_t)got);
        if (w < 0)
            return p->done ? 0 : w;
        p->done += (uint64_t)w;
        if (w < got)
            return vfs_file_vnode(of->f) ? 0 : -VK_EAGAIN; /* pipe full: wait for the rest */
    }
    return 0;
}

static long op_readdir(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    struct vk_recv *r = q->r;
    uint64_t off = 0, count = 0;
    struct vfs_dirent de;
    for (;;) {
        int64_t pos = vfs_lseek(of->f, 0, VFS_SEEK_CUR);
        int rc = vfs_readdir(of->f, &de);
        if (rc < 0)
            return count ? 0 : rc;
        if (rc == 0)
            break;
        size_t reclen = (sizeof(struct vfs_proto_dirent) + de.namelen + 1 + 7) & ~(size_t)7;
        if (off + reclen > r->recv_len) {
            vfs_lseek(of->f, pos, VFS_SEEK_SET); /* it stays for the next call */
            if (!count)
                return -VK_EINVAL;
            break;
        }
        uint8_t rec[sizeof(struct vfs_proto_dirent) + VFS_NAME_MAX + 8];
        memset(rec, 0, reclen);
        struct vfs_proto_dirent h = {de.ino, de.next, (uint16_t)reclen, de.type, 0, de.namelen, 0};
        memcpy(rec, &h, sizeof h);
        memcpy(rec + sizeof h, de.name, de.namelen);
        if (vk_msg_write(r->token, off, rec, reclen) < 0)
            return -VK_EFAULT;
        off += reclen;
        count++;
    }
    r->msg.data[0] = count;
    return 0;
}

static uint32_t poll_of(struct ofile *of)
{
    return of->dev ? VFS_POLLIN | VFS_POLLOUT : vfs_file_poll(of->f);
}

/* Try (or retry) a request that may block. 1: done, reply filled; 0: still blocked. */
static int attempt(struct vfs_server *sv, struct ofile *of, struct pending *p, long *rc)
{
    int blocking = !(vfs_file_flags(of->f) & VFS_O_NONBLOCK) && !of->dev;
    switch (p->op) {
    case VFS_OP_READ:
        *rc = do_read(sv, of, p, 0, 0);
        break;
    case VFS_OP_WRITE:
        *rc = do_write(sv, of, p, 0, 0);
        break;
    case VFS_OP_POLL: { /* poll waits whatever O_NONBLOCK says */
        uint32_t ev = poll_of(of) & ((uint32_t)p->events | VFS_POLLERR | VFS_POLLHUP);
        if (!ev && !of->dev && !p->look)
            return 0;
        p->msg.data[0] = ev;
        *rc = 0;
        return 1;
    }
    default:
        *rc = -VK_ENOSYS;
        return 1;
    }
    if (*rc == -VK_EAGAIN && blocking)
        return 0;
    if (*rc == -VK_EAGAIN && p->done)
        *rc = 0;
    p->msg.data[0] = p->done;
    return 1;
}

static void reply(uint64_t token, struct vk_msg *m, long rc)
{
    m->opcode = (uint32_t)(rc < 0 ? -rc : 0);
    if (rc < 0)
        m->flags = 0;
    vk_reply(token, m);
}

static void watch_drop(struct vfs_server *sv, struct watch *w)
{
    vk_handle_close(w->notify);
    w->used = 0;
    while (sv->watch_top && !sv->watches[sv->watch_top - 1].used)
        sv->watch_top--;
}

static int touched_pipe(struct vfs_server *sv, uint64_t id);

/* WATCH, UNWATCH: handles[0] is a notification (decode checked it is, with SIGNAL). */
static long op_watch(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    int add = q->r->msg.opcode == VFS_OP_WATCH;
    uint32_t pid = q->r->sender_pid;
    const struct vk_handle_info hi = q->h0;
    uint32_t id = (uint32_t)(of - sv->files);
    size_t free_slot = sv->watch_top, mine = 0;
    for (size_t i = 0; i < sv->watch_top; i++) {
        struct watch *w = &sv->watches[i];
        if (!w->used) {
            free_slot = free_slot < i ? free_slot : i;
            continue;
        }
        if (!add && w->file == id && w->object == hi.object_id && w->bits == sv->args[1])
            watch_drop(sv, w);
        else
            mine += w->pid == pid;
    }
    if (!add)
        return 0;
    if (mine >= WATCH_PER_CLIENT)
        return -VK_EAGAIN; /* this client's share; poll() falls back to looking again */
    if (free_slot == sv->nwatches) {
        size_t n = sv->nwatches ? sv->nwatches * 2 : 64;
        struct watch *nw = realloc(sv->watches, n * sizeof *nw);
        if (!nw)
            return -VK_ENOMEM;
        memset(nw + sv->nwatches, 0, (n - sv->nwatches) * sizeof *nw);
        sv->watches = nw;
        sv->nwatches = n;
    }
    struct vfs_pipe *pp = vfs_file_pipe(of->f);
    sv->watches[free_slot] = (struct watch){1,
                                            id,
                                            sv->in_handles[0],
                                            (uint32_t)sv->args[0],
                                            hi.object_id,
                                            sv->args[1],
                                            pp ? vfs_pipe_id(pp) : 0,
                                            pid,
                                            0};
    sv->in_handles[0] = 0; /* kept until the watch fires or is dropped */
    if (free_slot >= sv->watch_top)
        sv->watch_top = free_slot + 1;
    return 0;
}

/* Fire the watches whose files are ready; drop those whose file is gone. Only a pipe the
 * message touched (or a file that is no pipe) can have become ready or gone. */
static void check_watches(struct vfs_server *sv)
{
    for (size_t i = 0; i < sv->watch_top; i++) {
        struct watch *w = &sv->watches[i];
        if (!w->used || (w->pipe && !touched_pipe(sv, w->pipe)))
            continue;
        struct ofile *of = w->file < sv->nfiles ? &sv->files[w->file] : NULL;
        uint32_t ev =
            of && of->used ? poll_of(of) & (w->events | VFS_POLLERR | VFS_POLLHUP) : VFS_POLLERR;
        if (!ev)
            continue;
        vk_notify_signal(w->notify, w->bits);
        watch_drop(sv, w);
    }
}

/* ---- waiting requests ----
 *
 * Only pipes make requests wait, so waiting requests are indexed by pipe (its id hashed to a
 * FIFO bucket): after a message only the pipes it touched are retried, and only requests
 * that can progress cost kernel calls (a probe that the caller still waits, so no pipe data
 * is consumed for nobody, then the work and the reply).
 *
 * Fair share: a client (sender pid) has at most PARK_ACTIVE requests being tried; the rest
 * of its requests wait their turn (kept, not tried) and each takes its place at the back of
 * its pipe's queue when one of the client's active requests is done, so a client with many
 * requests on a pipe does not get ahead of others on it. A client keeps at most
 * PARK_PER_CLIENT in all (its memory here is bounded); what it asks beyond that fails with
 * EAGAIN for it alone. No client's requests make another's fail.
 *
 * Callers that gave up (deadline, death) are found when their request would be attempted,
 * when their client reaches its limit (its oldest few are probed), or by a sweep of all
 * waiting requests each time their number has doubled since the last sweep (amortised O(1)
 * probes per request). Closing a file answers its waiters with EBADF. The limits (PARK_*) and
 * struct park are defined at the top, with the server's state.
 */

/* The two lists an entry is on: its pipe's bucket (next/prev), its client's (cnext/cprev). */
static void bucket_add(struct vfs_server *sv, struct pending *p)
{
    struct plist *l = &sv->park.bucket[p->pipe % PARK_BUCKETS];
    p->next = NULL;
    p->prev = l->tail;
    *(l->tail ? &l->tail->next : &l->head) = p;
    l->tail = p;
}

static void bucket_del(struct vfs_server *sv, struct pending *p)
{
    struct plist *l = &sv->park.bucket[p->pipe % PARK_BUCKETS];
    *(p->prev ? &p->prev->next : &l->head) = p->next;
    *(p->next ? &p->next->prev : &l->tail) = p->prev;
}

static void clist_add(struct plist *l, struct pending *p)
{
    p->cnext = NULL;
    p->cprev = l->tail;
    *(l->tail ? &l->tail->cnext : &l->head) = p;
    l->tail = p;
}

static void clist_del(struct plist *l, struct pending *p)
{
    *(p->cprev ? &p->cprev->cnext : &l->head) = p->cnext;
    *(p->cnext ? &p->cnext->cprev : &l->tail) = p->cprev;
}

/* Remember that the current message may have changed pipe `id` (retried after it). */
static void touch_pipe(struct vfs_server *sv, uint64_t id)
{
    struct park *ps = &sv->park;
    for (unsigned i = 0; i < ps->ntouched; i++)
        if (ps->touched[i] == id)
            return;
    if (ps->ntouched < TOUCHED_MAX)
        ps->touched[ps->ntouched++] = id;
    else
        ps->touched_all++;
}

static void touch(struct vfs_server *sv, struct ofile *of)
{
    struct vfs_pipe *pp = of && of->f ? vfs_file_pipe(of->f) : NULL;
    if (pp)
        touch_pipe(sv, vfs_pipe_id(pp));
}

static int touched_pipe(struct vfs_server *sv, uint64_t id)
{
    struct park *ps = &sv->park;
    if (ps->touched_all)
        return 1;
    for (unsigned i = 0; i < ps->ntouched; i++)
        if (ps->touched[i] == id)
            return 1;
    return 0;
}

static struct client **client_slot(struct vfs_server *sv, uint32_t pid)
{
    struct client **c = &sv->park.clients[pid % CLIENT_BUCKETS];
    while (*c && (*c)->pid != pid)
        c = &(*c)->hnext;
    return c;
}

/* Still waiting for our reply? (A zero-length msg_write to a gone caller is -VK_ESRCH.) */
static int caller_gone(struct vfs_server *sv, const struct pending *p)
{
    return vk_msg_write(p->token, 0, sv->buf, 0) == -VK_ESRCH;
}

/* Forget p (answered, or its caller gone). When it was being tried, the client's next
 * queued request takes its turn: to the back of its pipe's queue, its pipe retried. 1 when
 * that was the client's last request (the client is freed too). */
static int unpark(struct vfs_server *sv, struct pending *p)
{
    struct client *c = p->client;
    bucket_del(sv, p);
    clist_del(p->active ? &c->active : &c->queued, p);
    c->nactive -= p->active != 0;
    if (p->active && c->queued.head) {
        struct pending *q = c->queued.head;
        clist_del(&c->queued, q);
        clist_add(&c->active, q);
        q->active = 1;
        c->nactive++;
        bucket_del(sv, q);
        bucket_add(sv, q);
        touch_pipe(sv, q->pipe);
    }
    sv->park.n--;
    free(p);
    if (--c->waiting)
        return 0;
    *client_slot(sv, c->pid) = c->hnext;
    free(c);
    return 1;
}

/* Probe up to max of the oldest requests on list l (a client's), dropping those whose caller
 * has gone. 1 when the client itself went (its last request). */
static int reclaim_list(struct vfs_server *sv, struct plist *l, size_t max)
{
    struct pending *p = l->head, *next;
    for (size_t i = 0; p && i < max; i++, p = next) {
        next = p->cnext;
        if (caller_gone(sv, p) && unpark(sv, p))
            return 1;
    }
    return 0;
}

static int reclaim(struct vfs_server *sv, struct client *c, size_t max)
{
    return reclaim_list(sv, &c->active, max) || reclaim_list(sv, &c->queued, max);
}

static void sweep(struct vfs_server *sv)
{
    struct park *ps = &sv->park;
    for (unsigned b = 0; b < CLIENT_BUCKETS; b++) {
        for (struct client *c = ps->clients[b], *next; c; c = next) {
            next = c->hnext;
            reclaim(sv, c, c->waiting);
        }
    }
    ps->sweep_at = ps->n * 2 > SWEEP_MIN ? ps->n * 2 : SWEEP_MIN;
}

/* Keep a copy of *w waiting on of's pipe for client pid: 0, -VK_EAGAIN (the client has
 * PARK_PER_CLIENT waiting already), -VK_ENOMEM. */
static long park(struct vfs_server *sv, struct ofile *of, const struct pending *w, uint32_t pid)
{
    struct park *ps = &sv->park;
    struct vfs_pipe *pp = vfs_file_pipe(of->f);
    if (!pp)
        return -VK_EAGAIN; /* only pipes wait */
    if (ps->n >= ps->sweep_at)
        sweep(sv);
    struct client **slot = client_slot(sv, pid), *c = *slot;
    if (c && c->waiting >= PARK_PER_CLIENT) {
        reclaim(sv, c, PARK_RECLAIM);
        slot = client_slot(sv, pid);
        c = *slot;
        if (c && c->waiting >= PARK_PER_CLIENT)
            return -VK_EAGAIN;
    }
    struct pending *p = malloc(sizeof *p);
    if (!p)
        return -VK_ENOMEM;
    if (!c) {
        if (!(c = calloc(1, sizeof *c))) {
            free(p);
            return -VK_ENOMEM;
        }
        c->pid = pid;
        *slot = c;
    }
    *p = *w;
    p->pipe = vfs_pipe_id(pp);
    p->id = (uint32_t)(of - sv->files);
    p->client = c;
    p->active = c->nactive < PARK_ACTIVE;
    bucket_add(sv, p);
    clist_add(p->active ? &c->active : &c->queued, p);
    c->nactive += p->active != 0;
    c->waiting++;
    ps->n++;
    return 0;
}

/* Could p progress now? Decided from the pipe's state, without kernel calls. */
static int can_progress(struct ofile *of, const struct pending *p)
{
    struct vfs_pipe *pp = vfs_file_pipe(of->f);
    switch (p->op) {
    case VFS_OP_READ:
        return vfs_pipe_bytes(pp) || !vfs_pipe_writers(pp);
    case VFS_OP_WRITE:
        return vfs_pipe_space(pp) || !vfs_pipe_readers(pp);
    default:
        return (poll_of(of) & ((uint32_t)p->events | VFS_POLLERR | VFS_POLLHUP)) != 0;
    }
}

/* Retry the active requests in bucket b waiting on pipe `pipe` (any pipe: all of them),
 * oldest first, while any of them progresses or goes. */
static void retry_bucket(struct vfs_server *sv, unsigned b, uint64_t pipe, int any)
{
    for (int progress = 1; progress;) {
        progress = 0;
        for (struct pending *p = sv->park.bucket[b].head, *next; p; p = next) {
            next = p->next; /* stays valid: unpark frees only p (a turn moves to the tail) */
            struct ofile *of = &sv->files[p->id];
            if ((!any && p->pipe != pipe) || !p->active || !can_progress(of, p))
                continue;
            uint64_t done = p->done;
            long rc;
            if (caller_gone(sv, p)) {
                unpark(sv, p);
                progress = 1;
            } else if (attempt(sv, of, p, &rc)) {
                reply(p->token, &p->msg, rc);
                unpark(sv, p);
                progress = 1;
            } else if (p->done != done) {
                progress = 1;
            }
        }
    }
}

static void retry_touched(struct vfs_server *sv)
{
    struct park *ps = &sv->park;
    unsigned all_done = 0;
    for (unsigned i = 0;;) {
        for (; i < ps->ntouched; i++) /* turns taken meanwhile may add pipes */
            retry_bucket(sv, (unsigned)(ps->touched[i] % PARK_BUCKETS), ps->touched[i], 0);
        if (ps->touched_all == all_done)
            break;
        all_done = ps->touched_all;
        for (unsigned b = 0; b < PARK_BUCKETS; b++)
            retry_bucket(sv, b, 0, 1);
    }
}

/* of is being closed: its waiters get EBADF (the description they used is gone). They are
 * collected first: a turn taken when one goes may move others within the bucket. */
static void drop_waiters(struct vfs_server *sv, struct ofile *of)
{
    struct vfs_pipe *pp = of->f ? vfs_file_pipe(of->f) : NULL;
    if (!pp)
        return;
    uint64_t pipe = vfs_pipe_id(pp);
    uint32_t id = (uint32_t)(of - sv->files);
    struct plist *l = &sv->park.bucket[pipe % PARK_BUCKETS];
    size_t n = 0;
    for (struct pending *p = l->head; p; p = p->next)
        n += p->pipe == pipe && p->id == id;
    struct pending **v = n ? malloc(n * sizeof *v) : NULL;
    if (n && !v) { /* no memory for the list: one at a time, from the front each time */
        for (struct pending *p = l->head; p;) {
            if (p->pipe == pipe && p->id == id) {
                reply(p->token, &p->msg, -VK_EBADF);
                unpark(sv, p);
                p = l->head;
            } else {
                p = p->next;
            }
        }
        return;
    }
    size_t k = 0;
    for (struct pending *p = l->head; p && k < n; p = p->next)
        if (p->pipe == pipe && p->id == id)
            v[k++] = p;
    for (size_t i = 0; i < k; i++) {
        reply(v[i]->token, &v[i]->msg, -VK_EBADF);
        unpark(sv, v[i]);
    }
    free(v);
}

/* READ, WRITE, POLL: answered now, or parked until the pipe can progress. */
static long maybe_block(struct vfs_server *sv, struct ofile *of, struct vfs_req *q,
                        struct pending *p)
{
    long rc;
    if (!attempt(sv, of, p, &rc) && (rc = park(sv, of, p, q->r->sender_pid)) == 0)
        return REQ_DEFERRED;
    q->r->msg = p->msg;
    return rc;
}

/* The request as it may wait: its reply token and message (data zeroed). */
static struct pending pending_of(const struct vk_recv *r)
{
    return (struct pending){.token = r->token, .op = r->msg.opcode, .msg = r->msg};
}

static long op_read(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct pending p = pending_of(q->r);
    p.len = q->a[0] < q->r->recv_len ? q->a[0] : q->r->recv_len;
    return maybe_block(sv, of, q, &p);
}

static long op_pread(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct pending p = pending_of(q->r);
    p.len = q->a[0] < q->r->recv_len ? q->a[0] : q->r->recv_len;
    long rc = do_read(sv, of, &p, 1, (int64_t)q->a[1]);
    q->d[0] = p.done;
    return rc;
}

static long op_write(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct pending p = pending_of(q->r);
    p.len = q->r->send_len;
    return maybe_block(sv, of, q, &p);
}

static long op_pwrite(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct pending p = pending_of(q->r);
    p.len = q->r->send_len;
    long rc = do_write(sv, of, &p, 1, (int64_t)q->a[1]);
    q->d[0] = p.done;
    return rc;
}

static long op_poll(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct pending p = pending_of(q->r);
    p.events = q->a[0];
    p.look = q->a[1] != 0;
    return maybe_block(sv, of, q, &p);
}

static long op_lseek(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    int64_t o = of->dev ? 0 : vfs_lseek(of->f, (int64_t)q->a[0], (int)q->a[1]);
    q->d[0] = (uint64_t)o;
    return o < 0 ? o : 0;
}

static long op_fstat(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    struct vfs_stat st;
    long rc = vfs_fstat(of->f, &st);
    return rc ? rc : reply_stat(q->r, &st);
}

static long op_ftruncate(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    return vfs_ftruncate(of->f, (int64_t)q->a[0]);
}

static long op_fsync(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    (void)q;
    return of->dev ? 0 : vfs_fsync(of->f);
}

/* FCHMOD: as the caller, whoever opened the file. */
static long op_fchmod(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    struct session *caller = session_of_pid(sv, q->r->sender_pid);
    if (!caller)
        return -VK_EPERM;
    struct vfs_ctx ctx = {.vfs = sv->vfs, .cred = caller->ctx.cred};
    return vfs_fchmod(&ctx, of->f, (uint32_t)q->a[0]);
}

static long op_getfl(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    q->d[0] = vfs_file_flags(of->f);
    return 0;
}

static long op_setfl(struct vfs_server *sv, struct ofile *of, struct vfs_req *q)
{
    (void)sv;
    vfs_file_set_flags(of->f, (uint32_t)q->a[0]);
    return 0;
}

#define NOTIFY VK_OBJ_NOTIFICATION, VK_RIGHT_SIGNAL /* h0_type, h0_rights: WATCH's handle */

/* Requests on an open file (veridian/vfs_proto.h), by opcode. */
static const struct vfs_req_op file_ops[] = {
    {VFS_OP_READ, 0, 0, 0, 0, 0, NULL, op_read},
    {VFS_OP_WRITE, 0, 0, 0, 0, 0, NULL, op_write},
    {VFS_OP_PREAD, 0, 0, 0, 0, 0, NULL, op_pread},
    {VFS_OP_PWRITE, 0, 0, 0, 0, 0, NULL, op_pwrite},
    {VFS_OP_LSEEK, 0, 0, 0, 0, 0, NULL, op_lseek},
    {VFS_OP_FSTAT, 0, 0, 0, 0, 0, NULL, op_fstat},
    {VFS_OP_FTRUNCATE, 0, 0, 0, 0, 0, NULL, op_ftruncate},
    {VFS_OP_FSYNC, 0, 0, 0, 0, 0, NULL, op_fsync},
    {VFS_OP_READDIR, 0, 0, 0, 0, 0, NULL, op_readdir},
    {VFS_OP_FCHMOD, 0, 0, 0, 0, 0, NULL, op_fchmod},
    {VFS_OP_GETFL, 0, 0, 0, 0, 0, NULL, op_getfl},
    {VFS_OP_SETFL, 0, 0, 0, 0, 0, NULL, op_setfl},
    {VFS_OP_POLL, 0, 0, 0, 0, 0, NULL, op_poll},
    {VFS_OP_WATCH, 0, REQ_ARG1, 0, NOTIFY, NULL, op_watch},
    {VFS_OP_UNWATCH, 0, REQ_ARG1, 0, NOTIFY, NULL, op_watch},
};

/* 1 when the request was answered (or dropped), 0 when it was deferred. */
static int file_request(struct vfs_server *sv, struct ofile *of, struct vk_recv *r)
{
    touch(sv, of);
    const struct vfs_req_op *op =
        op_find(file_ops, sizeof file_ops / sizeof file_ops[0], r->msg.opcode);
    struct vfs_req q;
    long rc = -VK_ENOSYS;
    if (op && op->file && !(rc = decode(sv, op, r, &q)) &&
        (rc = op->file(sv, of, &q)) == REQ_DEFERRED)
        return 0;
    reply(r->token, &r->msg, rc);
    return 1;
}

static void closed(struct vfs_server *sv, uint64_t badge)
{
    struct ofile *of = file_of(sv, badge);
    if (of) {
        touch(sv, of); /* the peers of a pipe end see EOF or EPIPE */
        drop_waiters(sv, of);
        free(of->path);
        vfs_close(of->f);
        if ((size_t)(of - sv->files) < sv->file_hint)
            sv->file_hint = (size_t)(of - sv->files);
        memset(of, 0, sizeof *of);
        return;
    }
    struct session *s = session_of(sv, badge);
    if (s && badge != VFS_BADGE_ROOT_SESSION)
        session_free(sv, s);
}

/* ---- the namespace at start ---- */

static int mount_boot_image(struct vfs_server *sv, struct vfs_ctx *ctx)
{
    uint32_t bootfs = vr_start_handle(VK_ROLE_BOOTFS);
    uint64_t addr, size;
    struct vl_bootfs bfs;
    if (!bootfs || vk_vmo_map(bootfs, VK_RIGHT_READ, &addr))
        return -VK_ENOENT;
    memcpy(&size, (const void *)(uintptr_t)(addr + 16), 8);
    if (vl_bootfs_open(&bfs, (const void *)(uintptr_t)addr, (size_t)size))
        return -VK_EIO;
    /* one read-only filesystem per top-level directory, mounted at the same name */
    char top[VFS_NAME_MAX + 2] = "";
    struct vfs_fs *fs = NULL;
    for (uint32_t i = 0; i <= bfs.count; i++) {
        struct vl_bootfs_file f = {0};
        const char *slash = NULL;
        if (i < bfs.count) {
            vl_bootfs_entry(&bfs, i, &f);
            slash = memchr(f.name, '/', f.name_len);
            if (!slash)
                continue; /* files at the top level are not mounted */
        }
        size_t tl = slash ? (size_t)(slash - f.name) : 0;
        if (fs && (!slash || tl != strlen(top) || memcmp(f.name, top, tl))) {
            char at[VFS_NAME_MAX + 3];
            snprintf(at, sizeof at, "/%s", top);
            int rc = vfs_mkdir(ctx, NULL, at, 0755);
            if ((rc && rc != -VK_EEXIST) || (rc = vfs_mount(ctx, NULL, at, fs, VFS_MNT_RDONLY))) {
                vfs_fs_destroy(fs);
                return rc;
            }
            fs = NULL;
        }
        if (!slash)
            break;
        if (!fs) {
            if (tl > VFS_NAME_MAX || rofs_create_fs(sv->vfs, &fs))
                return -VK_ENOMEM;
            memcpy(top, f.name, tl);
            top[tl] = 0;
        }
        char rel[VFS_PROTO_PATH_MAX];
        snprintf(rel, sizeof rel, "%.*s", (int)(f.name_len - tl - 1), slash + 1);
        rofs_add_file(fs, rel, f.mode, f.data, f.size);
    }
    return 0;
}

static int make_devfs(struct vfs_server *sv, struct vfs_ctx *ctx)
{
    struct vfs_fs *fs;
    if (rofs_create_fs(sv->vfs, &fs))
        return -VK_ENOMEM;
    sv->devfs = fs;
    static const struct {
        const char *name;
        uint32_t perm, major, minor;
    } nodes[] = {
        {"null", 0666, 1, 3},    {"zero", 0666, 1, 5},    {"full", 0666, 1, 7},
        {"random", 0666, 1, 8},  {"urandom", 0666, 1, 9}, {"tty", 0666, 5, 0},
        {"console", 0600, 5, 1},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        rofs_add_dev(fs, nodes[i].name, VFS_S_IFCHR | nodes[i].perm,
                     ((uint64_t)nodes[i].major << 8) | nodes[i].minor);
    int rc = vfs_mkdir(ctx, NULL, "/dev", 0755);
    if ((rc && rc != -VK_EEXIST) || (rc = vfs_mount(ctx, NULL, "/dev", fs, 0))) {
        vfs_fs_destroy(fs);
        return rc;
    }
    return 0;
}

static int build_namespace(struct vfs_server *sv)
{
    struct vfs_config cfg = {.clock = clock_ns};
    struct vfs_fs *root, *tmp;
    struct tmpfs_config rc_root = {.max_bytes = 256u << 20, .root_mode = 0755};
    struct tmpfs_config rc_tmp = {.max_bytes = 64u << 20, .root_mode = 01777};
    int rc;
    if ((rc = vfs_create(&cfg, &sv->vfs)) || (rc = tmpfs_create(sv->vfs, &rc_root, &root)) ||
        (rc = vfs_mount_root(sv->vfs, root, 0)))
        return rc;
    struct vfs_ctx ctx = {.vfs = sv->vfs, .cred = {0, 0, 0, NULL}, .umask = 022};
    if ((rc = vfs_mkdir(&ctx, NULL, "/tmp", 01777)) ||
        (rc = tmpfs_create(sv->vfs, &rc_tmp, &tmp)) || (rc = vfs_mount(&ctx, NULL, "/tmp", tmp, 0)))
        return rc;
    if ((rc = mount_boot_image(sv, &ctx)) || (rc = make_devfs(sv, &ctx)))
        return rc;
    if ((rc = rofs_create_fs(sv->vfs, &sv->procfs)))
        return rc;
    if ((rc = vfs_mkdir(&ctx, NULL, "/proc", 0555)) ||
        (rc = vfs_mount(&ctx, NULL, "/proc", sv->procfs, VFS_MNT_RDONLY)))
        return rc;
    proc_refresh(sv);
    /* session 1: init's */
    long id = new_session(sv, &ctx, NULL);
    return id == (long)VFS_BADGE_ROOT_SESSION ? 0 : -VK_EIO;
}

/* One message: a close notice, or a request answered now or parked. */
static void handle_message(struct vfs_server *sv, struct vk_recv *r)
{
    if (r->kind == VK_RECV_CLOSED) {
        closed(sv, r->badge);
    } else if (r->kind == VK_RECV_CALL) {
        /* take the request's handles aside: replies carry only what we put in them */
        sv->n_in = VK_MSG_NHANDLES(r->msg.flags);
        memcpy(sv->in_handles, r->msg.handles, sizeof sv->in_handles);
        r->msg.flags = 0;
        memset(r->msg.handles, 0, sizeof r->msg.handles);
        memcpy(sv->args, r->msg.data, sizeof sv->args);
        memset(r->msg.data, 0, sizeof r->msg.data);
        struct session *s = session_of(sv, r->badge);
        struct ofile *of = file_of(sv, r->badge);
        if (s)
            reply(r->token, &r->msg, session_request(sv, s, r));
        else if (of)
            file_request(sv, of, r);
        else
            reply(r->token, &r->msg, -VK_EBADF);
        for (uint32_t i = 0; i < sv->n_in; i++)
            if (sv->in_handles[i])
                vk_handle_close(sv->in_handles[i]);
        sv->n_in = 0;
    }
    retry_touched(sv);
    check_watches(sv);
    sv->park.ntouched = 0;
    sv->park.touched_all = 0;
}

int main(void)
{
    struct vfs_server *sv = calloc(1, sizeof *sv);
    if (!sv) {
        fprintf(stderr, "vfs: no memory for the server's state\n");
        return 1;
    }
    sv->park.sweep_at = SWEEP_MIN;
    sv->ep = vr_start_handle(VK_ROLE_SERVE);
    sv->console = vr_start_handle(VK_ROLE_CONSOLE);
    if (!sv->console)
        sv->console = vr_start_handle(VK_ROLE_STDOUT);
    if (!sv->ep) {
        fprintf(stderr, "vfs: no endpoint to serve (VK_ROLE_SERVE): started outside init?\n");
        return 1;
    }
    const unsigned char *seed = vr_auxv_random(); /* AT_RANDOM: from the run's seed */
    if (seed)
        memcpy(sv->rng, seed, sizeof sv->rng);
    sv->rng[0] |= 1;
    int rc = build_namespace(sv);
    if (rc) {
        fprintf(stderr, "vfs: cannot build the namespace: %s\n", strerror(-rc));
        return 1;
    }
    vr_service_ready();
    struct vk_recv r;
    uint64_t receive_errors = 0; /* bit e: -e was reported */
    for (;;) {
        long rrc = vk_receive(sv->ep, &r, VK_DEADLINE_NEVER);
        if (rrc) {
            /* nothing was taken (the kernel fails a request it cannot deliver to its caller,
             * not to us): say so once per kind of error and go on serving */
            if (rrc < 0 && rrc > -64 && !(receive_errors & (1ull << -rrc))) {
                receive_errors |= 1ull << -rrc;
                fprintf(stderr, "vfs: receive: %s (going on)\n", strerror((int)-rrc));
            }
            continue;
        }
        handle_message(sv, &r);
    }
}
