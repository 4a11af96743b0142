/*
 * diff: the divergence finder; the contract is in diff.h. The two traces are read and
 * validated whole (trace_bin.c) before any comparison; a run given as a command line is
 * vrsim itself (/proc/self/exe) run with --trace-bin into a temporary file, its console on
 * /dev/null.
 */
#include "sim/replay/diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <wordexp.h>

#include "os/kernel/kernel.h"

#define PID_NAMES_MAX (1u << 20)

static const char diff_usage[] =
    "usage: vrsim diff [-C N] A.trace B.trace\n"
    "       vrsim diff [-C N] --run 'RUN-ARGS' --run 'RUN-ARGS'\n"
    "\n"
    "Compares two binary traces (vrsim run --trace-bin FILE), or two runs given as the\n"
    "arguments of `vrsim run` (e.g. --run '--seed 1 -- /bin/hello' --run '--seed 2 -- "
    "/bin/hello'),\n"
    "event by event, and prints the first event that differs with the N events before it\n"
    "(default 8). Exit status: 0 the same, 1 different, 2 bad input.\n";

/* Names of pids as the spawn events so far gave them (one table per trace). */
struct pid_names {
    const struct vs_trace_file *tf;
    uint32_t *str; /* str[pid]: string id of its name, 0 unknown */
    uint32_t cap;
};

/* A spawn event (os/kernel/process.c) names the new process a[0]; a[0] = 0 is a refusal. */
static void pid_names_see(struct pid_names *pn, const struct vs_trace_event *e)
{
    uint64_t pid = e->a[0];
    if (e->kind != VS_TR_PROC_SPAWN || !e->str || !pid || pid >= PID_NAMES_MAX)
        return;
    if (pid >= pn->cap) {
        uint32_t ncap = pn->cap ? pn->cap : 64;
        while (ncap <= pid)
            ncap *= 2;
        uint32_t *n = realloc(pn->str, ncap * sizeof *n);
        if (!n)
            return; /* names are a courtesy */
        memset(n + pn->cap, 0, (ncap - pn->cap) * sizeof *n);
        pn->str = n;
        pn->cap = ncap;
    }
    pn->str[pid] = e->str;
}

static const char *pid_names_get(void *ctx, uint32_t pid)
{
    struct pid_names *pn = ctx;
    if (pid >= pn->cap || !pn->str[pid])
        return NULL;
    return vs_trace_file_string(pn->tf, pn->str[pid], NULL);
}

/* Up to 60 bytes of s, C-escaped, quoted. */
static void quote(char *dst, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    if (cap < 8)
        return;
    dst[o++] = '"';
    for (size_t i = 0; i < len && o + 6 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 60) {
            o += (size_t)snprintf(dst + o, cap - o, "...");
            break;
        }
        if (c == '\n')
            o += (size_t)snprintf(dst + o, cap - o, "\\n");
        else if (c == '"' || c == '\\')
            o += (size_t)snprintf(dst + o, cap - o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    if (o + 2 <= cap) {
        dst[o++] = '"';
        dst[o] = 0;
    } else {
        dst[cap - 1] = 0;
    }
}

void vs_event_describe(const struct vs_trace_event *e, uint64_t index, const char *str,
                       size_t strlen_, vs_pid_namer names, void *ctx, char *buf, size_t len)
{
    const char *kind = vs_trace_kind_name(e->kind);
    const char *pname = names ? names(ctx, e->pid) : NULL;
    char kbuf[32], fields[200], q[100];

    if (!kind) {
        snprintf(kbuf, sizeof kbuf, "kind_%" PRIu32, e->kind);
        kind = kbuf;
    }
    if (e->kind == VS_TR_KCALL)
        snprintf(fields, sizeof fields,
                 "%s(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ") = %" PRId64,
                 vk_kcall_name((uint32_t)e->a[0]), e->a[1], e->a[2], e->a[3], (int64_t)e->a[4]);
    else
        snprintf(fields, sizeof fields,
                 "a0=0x%" PRIx64 " a1=0x%" PRIx64 " a2=0x%" PRIx64 " a3=0x%" PRIx64
                 " a4=0x%" PRIx64,
                 e->a[0], e->a[1], e->a[2], e->a[3], e->a[4]);
    q[0] = 0;
    if (str)
        quote(q, sizeof q, str, strlen_);
    snprintf(buf, len,
             "#%" PRIu64 " t=%" PRIu64 ".%09" PRIu64 "s %s pid %" PRIu32 "%s%s%s tid %" PRIu32
             " %s%s%s",
             index, e->time / 1000000000u, e->time % 1000000000u, kind, e->pid, pname ? " (" : "",
             pname ? pname : "", pname ? ")" : "", e->tid, fields, str ? " str=" : "", q);
}

static void describe(const struct vs_trace_file *tf, struct pid_names *pn, uint64_t i, char *buf,
                     size_t len)
{
    const struct vs_trace_event *e = &tf->ev[i];
    size_t sl = 0;
    const char *s = vs_trace_file_string(tf, e->str, &sl);
    vs_event_describe(e, i, s, sl, pid_names_get, pn, buf, len);
}

static int same_event(const struct vs_trace_file *a, const struct vs_trace_file *b, uint64_t i)
{
    const struct vs_trace_event *x = &a->ev[i], *y = &b->ev[i];
    if (x->time != y->time || x->kind != y->kind || x->pid != y->pid || x->tid != y->tid ||
        memcmp(x->a, y->a, sizeof x->a))
        return 0;
    size_t lx = 0, ly = 0;
    const char *sx = vs_trace_file_string(a, x->str, &lx);
    const char *sy = vs_trace_file_string(b, y->str, &ly);
    if (!sx || !sy)
        return !sx && !sy;
    return lx == ly && memcmp(sx, sy, lx) == 0;
}

static int load(const char *path, struct vs_trace_file *tf)
{
    char err[256];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vrsim diff: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = vs_trace_read_bin(f, tf, err, sizeof err);
    fclose(f);
    if (rc) {
        fprintf(stderr, "vrsim diff: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* Runs `vrsim run --trace-bin OUT ARGS...` (ARGS split as a shell would, no substitution). */
static int run_to_trace(const char *args, const char *out)
{
    wordexp_t we;
    if (wordexp(args, &we, WRDE_NOCMD | WRDE_UNDEF)) {
        fprintf(stderr, "vrsim diff: cannot parse the command line '%s'\n", args);
        return -1;
    }
    char **argv = calloc(we.we_wordc + 5, sizeof *argv);
    if (!argv) {
        wordfree(&we);
        return -1;
    }
    size_t n = 0;
    argv[n++] = "vrsim";
    argv[n++] = "run";
    argv[n++] = "--trace-bin";
    argv[n++] = (char *)out;
    for (size_t i = 0; i < we.we_wordc; i++)
        argv[n++] = we.we_wordv[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int st = 0, rc = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        fprintf(stderr, "vrsim diff: cannot run vrsim: %s\n", strerror(errno));
        rc = -1;
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
        fprintf(stderr, "vrsim diff: `vrsim run %s` refused its arguments (exit 2)\n", args);
        rc = -1;
    } else if (WIFSIGNALED(st)) {
        fprintf(stderr, "vrsim diff: `vrsim run %s` died of signal %d\n", args, WTERMSIG(st));
        rc = -1;
    }
    free(argv);
    wordfree(&we);
    return rc;
}

int vs_diff_compare(const char *na, const struct vs_trace_file *a, const char *nb,
                    const struct vs_trace_file *b, uint64_t context, FILE *out)
{
    struct pid_names pa = {.tf = a}, pb = {.tf = b};
    uint64_t n = a->nev < b->nev ? a->nev : b->nev, i;
    char line[512];
    int status = 0;

    for (i = 0; i < n; i++) {
        if (!same_event(a, b, i))
            break;
        pid_names_see(&pa, &a->ev[i]);
        pid_names_see(&pb, &b->ev[i]);
    }
    if (i == n && a->nev == b->nev) {
        fprintf(out, "same: %" PRIu64 " events, digest %016" PRIx64 "\n", a->nev, a->digest);
        goto out;
    }
    status = 1;
    fprintf(out,
            "first difference at event #%" PRIu64 " (A: %s, %" PRIu64 " events; B: %s, %" PRIu64
            " events)\n",
            i, na, a->nev, nb, b->nev);
    uint64_t from = i > context ? i - context : 0;
    for (uint64_t j = from; j < i; j++) {
        describe(a, &pa, j, line, sizeof line);
        fprintf(out, "  %s\n", line);
    }
    if (i < a->nev) {
        pid_names_see(&pa, &a->ev[i]);
        describe(a, &pa, i, line, sizeof line);
        fprintf(out, "A %s\n", line);
    } else {
        fprintf(out, "A (ends: no event #%" PRIu64 ")\n", i);
    }
    if (i < b->nev) {
        pid_names_see(&pb, &b->ev[i]);
        describe(b, &pb, i, line, sizeof line);
        fprintf(out, "B %s\n", line);
    } else {
        fprintf(out, "B (ends: no event #%" PRIu64 ")\n", i);
    }
out:
    free(pa.str);
    free(pb.str);
    return status;
}

int vs_diff_main(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *runs[2] = {NULL, NULL};
    int nfiles = 0, nruns = 0, status = 2;
    uint64_t context = 8;
    char tmp[2][64] = {"", ""};
    struct vs_trace_file tf[2];

    memset(tf, 0, sizeof tf);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(diff_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "-C") && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno || *end || !*argv[i] || v > 100000) {
                fprintf(stderr, "vrsim diff: -C needs 0..100000\n");
                return 2;
            }
            context = v;
        } else if (!strcmp(argv[i], "--run") && i + 1 < argc && nruns < 2) {
            runs[nruns++] = argv[++i];
        } else if (argv[i][0] != '-' && nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            fputs(diff_usage, stderr);
            return 2;
        }
    }
    if (nfiles + nruns != 2 || (nruns && nfiles)) {
        fputs(diff_usage, stderr);
        return 2;
    }
    for (int i = 0; i < nruns; i++) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp[i], sizeof tmp[i], "%.40s/vrsim-diff-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmp[i]);
        if (fd < 0) {
            fprintf(stderr, "vrsim diff: cannot create a temporary file: %s\n", strerror(errno));
            tmp[i][0] = 0;
            goto out;
        }
        close(fd);
        if (run_to_trace(runs[i], tmp[i]))
            goto out;
        files[i] = tmp[i];
    }
    if (load(files[0], &tf[0]) || load(files[1], &tf[1]))
        goto out;
    status = vs_diff_compare(nruns ? runs[0] : files[0], &tf[0], nruns ? runs[1] : files[1], &tf[1],
                             context, stdout);
out:
    vs_trace_file_free(&tf[0]);
    vs_trace_file_free(&tf[1]);
    for (int i = 0; i < 2; i++)
        if (tmp[i][0])
            unlink(tmp[i]);
    return status;
}
