/*
 * vfspriv: least privilege in vfs, tried as an unprivileged program would (issue 9, items 2-4).
 *
 *   vfspriv forge       a badge minted on our own endpoint does not name another process's
 *                       open directory (no *at() escape from a chroot); real directory
 *                       handles still work as *at() bases
 *   vfspriv flood N     N times: a fresh session, an open whose deadline expires while vfs
 *                       works on it, the session closed; the kernel's handle count ends where
 *                       it started and another process's file calls all succeed meanwhile
 *   vfspriv park N [R]  N threads park blocking reads on one pipe (more than the old 256
 *                       slots); R of them (beyond this client's share) are refused with
 *                       EAGAIN, no other client's; another process's blocking read still
 *                       waits and succeeds; a request costs vfs a few kernel calls however
 *                       many wait; one write answers all
 *
 *   vfspriv fair N      N (> 64) of our reads wait on a pipe, then another client's: one
 *                       write of N + 1 bytes gives it the byte after our share of 64, not
 *                       the last one (requests beyond a share wait their turn)
 *   vfspriv watches N [K]  N watches (poll's way to wait for several files) on one pipe: K
 *                       kept (this client's share), the rest refused to it alone; another
 *                       process's poll over two pipes still gets its watches and wakes at
 *                       the write
 *
 * Helpers run as children: hold DIR (keep DIR open for a while), steady N (N ordinary file
 * calls), otherread (one blocking pipe read that a thread satisfies later), otherpoll (a
 * poll over two pipes, one written 5.3 ms later), fairread (one read of the pipe it is
 * given; exits with the byte).
 * Prints one line per check; exits with the number of failures.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "expect.h"

#define MS 1000000ull

static uint32_t ns;

static void sleep_ns(uint64_t ns_)
{
    vk_wait_many(NULL, 0, (uint64_t)vk_clock_get() + ns_);
}

/* A raw OPEN on session s: 0 and *h, or -errno. */
static long open_at(uint32_t s, uint32_t dir, const char *path, uint64_t flags, uint32_t *h,
                    uint64_t deadline)
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_OPEN;
    c.msg.data[0] = flags;
    c.msg.data[1] = 0644;
    if (dir) {
        c.msg.flags = 1;
        c.msg.handles[0] = dir;
        c.msg.data[3] = VFS_AT_DIR0;
    }
    c.send_buf = (uint64_t)(uintptr_t)path;
    c.send_len = strlen(path);
    long rc = vk_call(s, &c, deadline);
    if (rc)
        return rc;
    if (c.msg.opcode)
        return -(long)c.msg.opcode;
    *h = c.msg.handles[0];
    return 0;
}

static long new_session(uint32_t *h)
{
    struct vk_msg m;
    long rc = vr_request(ns, VFS_OP_SESSION, NULL, 0, NULL, 0, 0, 0, &m);
    if (rc >= 0)
        *h = m.handles[0];
    return rc < 0 ? rc : 0;
}

static long spawn(const char *const *av, uint32_t *proc)
{
    return vr_spawn_image("/test/vfspriv", av, NULL, NULL, 0, proc);
}

static int wait_exit(uint32_t proc)
{
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(proc, &pi);
    vk_handle_close(proc);
    return pi.exit_code;
}

/* A copy of h to send (a message moves the handles it carries). */
static uint32_t copy(uint32_t h)
{
    uint32_t c = 0;
    vk_handle_dup(h, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &c);
    return c;
}

static long read_all(uint32_t f, char *buf, size_t len)
{
    return vr_request(f, VFS_OP_PREAD, NULL, 0, buf, len, len, 0, NULL);
}

/* ---- item 2: forged badges ---- */

static int hold(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return 1;
    close(open("/tmp/held", O_WRONLY | O_CREAT, 0644));
    sleep_ns(1000 * MS); /* the directory stays open meanwhile */
    close(fd);
    return 0;
}

static int forge(void)
{
    char buf[64];
    expect("mkdir /tmp/victim", mkdir("/tmp/victim", 0755), 0);
    expect("mkdir /tmp/jail", mkdir("/tmp/jail", 0755), 0);
    int fd = open("/tmp/victim/secret", O_WRONLY | O_CREAT, 0600);
    expect("write the secret", write(fd, "s3cret", 6), 6);
    close(fd);

    /* another process opens the victim directory and keeps it */
    uint32_t victim;
    const char *av[] = {"/test/vfspriv", "hold", "/tmp/victim", NULL};
    expect("spawn the holder", spawn(av, &victim), 0);
    struct stat st;
    for (int i = 0; i < 1000 && stat("/tmp/held", &st); i++)
        sleep_ns(MS / 10);
    expect("the holder has it open", stat("/tmp/held", &st), 0);

    /* a session jailed in /tmp/jail */
    uint32_t jail = 0, h;
    expect("new session", new_session(&jail), 0);
    expect("chroot /tmp/jail", vr_request(jail, VFS_OP_CHROOT, "/tmp/jail", 9, NULL, 0, 0, 0, NULL),
           0);
    expect("jailed: /tmp/victim/secret is not there",
           open_at(jail, 0, "/tmp/victim/secret", 0, &h, VK_DEADLINE_NEVER), -2);

    /* the attack: our own endpoint, badged as vfs's open-file ids, as the *at() directory */
    uint32_t mine;
    expect("endpoint of our own", vk_endpoint_create(&mine), 0);
    long opened = 0, ebadf = 0;
    for (uint64_t id = 1; id <= 64; id++) {
        uint32_t forged;
        if (vk_handle_mint(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, VFS_BADGE_FILE | id, &forged))
            continue;
        long rc = open_at(jail, forged, "secret", 0, &h, VK_DEADLINE_NEVER);
        if (rc == 0) {
            long n = read_all(h, buf, sizeof buf);
            if (n == 6 && !memcmp(buf, "s3cret", 6))
                printf("escaped through file id %llu: read the secret\n", (unsigned long long)id);
            vk_handle_close(h);
            opened++;
        } else if (rc == -9) {
            ebadf++;
        }
    }
    expect("forged badges open nothing", opened, 0);
    expect("each is EBADF", ebadf, 64);
    uint32_t plain;
    vk_handle_mint(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, 0, &plain);
    expect("a foreign endpoint is no directory",
           open_at(jail, plain, "secret", 0, &h, VK_DEADLINE_NEVER), -9);
    uint32_t ses;
    vk_handle_dup(jail, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &ses);
    expect("a session is no directory", open_at(jail, ses, "secret", 0, &h, VK_DEADLINE_NEVER), -9);
    vk_handle_close(mine);

    /* ordinary use: a directory we opened ourselves is a good *at() base */
    int dfd = open("/tmp/victim", O_RDONLY | O_DIRECTORY);
    expect("open our own /tmp/victim", dfd >= 0, 1);
    int sfd = openat(dfd, "secret", O_RDONLY);
    expect("openat(secret) through it", sfd >= 0, 1);
    memset(buf, 0, sizeof buf);
    expect("reads the secret", read(sfd, buf, sizeof buf), 6);
    close(sfd);
    close(dfd);
    uint32_t jd, sf;
    expect("open /tmp/jail raw", open_at(ns, 0, "/tmp/jail", 0200000, &jd, VK_DEADLINE_NEVER), 0);
    expect("a real directory handle works in the jailed session",
           open_at(jail, copy(jd), "made-here", 0102, &sf, VK_DEADLINE_NEVER), 0);
    vk_handle_close(sf);
    expect("...and the file is in the jail", stat("/tmp/jail/made-here", &st), 0);
    expect("again through another session",
           open_at(ns, copy(jd), "made-here", 0, &sf, VK_DEADLINE_NEVER), 0);
    vk_handle_close(sf);
    vk_handle_close(jd);
    vk_handle_close(jail);
    expect("the holder is fine", wait_exit(victim), 0);
    return expect_summary("vfspriv forge");
}

/* ---- item 3: callers that give up ---- */

static int steady(long n)
{
    long bad = 0;
    char buf[16];
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/motd", O_RDONLY);
        if (fd < 0 || read(fd, buf, 7) != 7)
            bad++;
        close(fd);
        int p[2];
        if (pipe(p) || write(p[1], "x", 1) != 1 || read(p[0], buf, 1) != 1)
            bad++;
        close(p[0]);
        close(p[1]);
        sleep_ns(20000);
    }
    printf("steady: %ld rounds, %ld failed\n", n, bad);
    return bad != 0;
}

static uint64_t handles_now(void)
{
    struct vk_kernel_info ki;
    vk_kernel_info(&ki);
    return ki.handles;
}

static int flood(long n)
{
    uint32_t h, s = 0;
    /* one of each first: whatever vfs sets up once is there before we count */
    expect("warm-up open", open_at(ns, 0, "/tmp/flood", 0102, &h, VK_DEADLINE_NEVER), 0);
    vk_handle_close(h);
    expect("round trip", vr_request(ns, VFS_OP_UMASK, NULL, 0, NULL, 0, 022, 0, NULL), 022);
    uint64_t before = handles_now();
    uint32_t other;
    const char *av[] = {"/test/vfspriv", "steady", "2000", NULL};
    expect("spawn a steady client", spawn(av, &other), 0);
    long ok = 0, timedout = 0, failed = 0;
    for (long i = 0; i < n; i++) {
        if (new_session(&s)) {
            failed++;
            continue;
        }
        /* 100 ns after the call's own cost to ~1 us: before, while and after vfs works */
        uint64_t d = 100 + (uint64_t)(i % 64) * 16;
        long rc = open_at(s, 0, "/tmp/flood", 2, &h, (uint64_t)vk_clock_get() + d);
        if (rc == 0) {
            ok++;
            vk_handle_close(h);
        } else if (rc == -VK_ETIMEDOUT) {
            timedout++;
        } else {
            failed++;
        }
        vk_handle_close(s); /* disconnect */
    }
    printf("flood: %ld rounds: %ld opened, %ld timed out, %ld failed otherwise\n", n, ok, timedout,
           failed);
    expect("no other failure", failed, 0);
    expect("some timed out", timedout > n / 10, 1);
    expect("the steady client never failed", wait_exit(other), 0);
    /* close notices are taken before calls: one round trip and vfs has seen them all */
    expect("round trip", vr_request(ns, VFS_OP_UMASK, NULL, 0, NULL, 0, 022, 0, NULL), 022);
    uint64_t after = handles_now();
    printf("handles: %llu before, %llu after\n", (unsigned long long)before,
           (unsigned long long)after);
    expect("handle count as before", (long)(after - before), 0);
    expect("vfs still opens", open_at(ns, 0, "/tmp/flood", 2, &h, VK_DEADLINE_NEVER), 0);
    vk_handle_close(h);
    return expect_summary("vfspriv flood");
}

/* ---- item 4: many parked requests ---- */

static uint32_t park_rd, other_wr;
static volatile long park_done, park_got, park_eagain;

static void parked_reader(void *arg)
{
    char c;
    (void)arg;
    long rc = vr_request(park_rd, VFS_OP_READ, NULL, 0, &c, 1, 1, 0, NULL);
    if (rc == 1)
        park_got++;
    else if (rc == -VK_EAGAIN)
        park_eagain++;
    park_done++;
}

static void late_writer(void *arg)
{
    (void)arg;
    sleep_ns(MS);
    vr_request(other_wr, VFS_OP_WRITE, "y", 1, NULL, 0, 0, 0, NULL);
}

static int otherread(void)
{
    struct vk_msg m;
    if (vr_request(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 0, 0, &m) < 0)
        return 2;
    other_wr = m.handles[1];
    uint32_t th;
    vr_thread_start(late_writer, NULL, 16384, &th);
    char c = 0;
    long rc = vr_request(m.handles[0], VFS_OP_READ, NULL, 0, &c, 1, 1, 0, NULL);
    printf("otherread: blocking read: %ld%s\n", rc, rc == 1 && c == 'y' ? " (y)" : "");
    return rc == 1 && c == 'y' ? 0 : 1;
}

static uint64_t kcalls_now(void)
{
    struct vk_kernel_info ki;
    vk_kernel_info(&ki);
    return ki.kcalls;
}

/* n readers park; refused of them are over this client's share (its own excess) */
static int park(long n, long refused)
{
    struct vk_msg m;
    expect("pipe", vr_request(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 0, 0, &m), 0);
    park_rd = m.handles[0];
    uint32_t wr = m.handles[1];
    long started = 0;
    for (long i = 0; i < n; i++) {
        uint32_t th;
        if (vr_thread_start(parked_reader, NULL, 8192, &th) == 0)
            started++;
    }
    expect("reader threads", started, n);
    sleep_ns(10 * MS); /* all of them wait in vfs now */
    expect("refused: only beyond our own share", park_eagain, refused);
    expect("the others wait", park_done, refused);
    /* a request costs vfs a few kernel calls, not one per waiting request */
    uint64_t k0 = kcalls_now();
    for (int i = 0; i < 100; i++)
        vr_request(ns, VFS_OP_UMASK, NULL, 0, NULL, 0, 022, 0, NULL);
    uint64_t per = (kcalls_now() - k0) / 100;
    printf("kernel calls per request with %ld waiting: %llu\n", n - refused,
           (unsigned long long)per);
    expect("no rescan per message", per < 8, 1);
    uint32_t other;
    const char *av[] = {"/test/vfspriv", "otherread", NULL};
    expect("spawn another client", spawn(av, &other), 0);
    expect("its blocking read waited and succeeded", wait_exit(other), 0);
    static char bytes[65536];
    memset(bytes, 'x', sizeof bytes);
    long waiting = n - refused;
    expect("one write for all",
           vr_request(wr, VFS_OP_WRITE, bytes, (size_t)waiting, NULL, 0, 0, 0, NULL), waiting);
    for (int i = 0; i < 1000 && park_done < n; i++)
        sleep_ns(MS / 10);
    expect("all answered", park_done, n);
    expect("each waiting one got its byte", park_got, waiting);
    return expect_summary("vfspriv park");
}

/* ---- turns: a client's requests beyond its share wait behind other clients' ---- */

static int fairread(void)
{
    uint32_t h = vr_start_handle(VK_ROLE_USER + 1);
    unsigned char c = 0;
    long rc = vr_request(h, VFS_OP_READ, NULL, 0, &c, 1, 1, 0, NULL);
    printf("fairread: %ld, byte %u\n", rc, c);
    return rc == 1 ? c : 255;
}

/* n of our reads wait on a pipe, then another client's; one write of n + 1 distinct bytes:
 * the other client gets the byte after our fair share (64), not the last one */
static int fair(long n)
{
    struct vk_msg m;
    expect("pipe", vr_request(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 0, 0, &m), 0);
    park_rd = m.handles[0];
    uint32_t wr = m.handles[1];
    for (long i = 0; i < n; i++) {
        uint32_t th;
        vr_thread_start(parked_reader, NULL, 8192, &th);
    }
    sleep_ns(10 * MS);
    uint32_t other, copy_rd = copy(park_rd);
    struct vk_start_handle extra = {copy_rd, (VK_ROLE_USER + 1) | VK_START_MOVE};
    const char *av[] = {"/test/vfspriv", "fairread", NULL};
    expect("spawn another client", vr_spawn_image("/test/vfspriv", av, NULL, &extra, 1, &other), 0);
    sleep_ns(10 * MS); /* its read waits behind ours */
    static unsigned char bytes[256];
    for (long i = 0; i <= n; i++)
        bytes[i] = (unsigned char)i;
    expect("one write", vr_request(wr, VFS_OP_WRITE, bytes, (size_t)n + 1, NULL, 0, 0, 0, NULL),
           n + 1);
    expect("the other client's turn came after our share", wait_exit(other), 64);
    for (int i = 0; i < 1000 && park_done < n; i++)
        sleep_ns(MS / 10);
    expect("ours all answered", park_got, n);
    return expect_summary("vfspriv fair");
}

/* ---- watches (poll over several files): a share per client too ---- */

static int poll_fds[2][2];

static void late_poll_write(void *arg)
{
    (void)arg;
    sleep_ns(5300000); /* 5.3 ms */
    write(poll_fds[1][1], "z", 1);
}

static int otherpoll(void)
{
    if (pipe(poll_fds[0]) || pipe(poll_fds[1]))
        return 2;
    uint32_t th;
    vr_thread_start(late_poll_write, NULL, 16384, &th);
    struct pollfd p[2] = {{poll_fds[0][0], POLLIN, 0}, {poll_fds[1][0], POLLIN, 0}};
    uint64_t t0 = (uint64_t)vk_clock_get();
    int r = poll(p, 2, 1000);
    uint64_t dt = (uint64_t)vk_clock_get() - t0;
    printf("otherpoll: %d ready after %llu us\n", r, (unsigned long long)(dt / 1000));
    /* woken by its watch at the write, not by a 1 ms look when vfs refused the watches */
    return r == 1 && p[1].revents == POLLIN && dt >= 5300000 && dt < 5400000 ? 0 : 1;
}

static int watches_(long n, long accepted)
{
    struct vk_msg m;
    expect("pipe", vr_request(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 0, 0, &m), 0);
    uint32_t notify;
    expect("notification", vk_notify_create(&notify), 0);
    long ok = 0, eagain = 0;
    for (long i = 0; i < n; i++) {
        struct vk_call c;
        memset(&c, 0, sizeof c);
        c.msg.opcode = VFS_OP_WATCH;
        c.msg.flags = 1;
        vk_handle_dup(notify, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, &c.msg.handles[0]);
        c.msg.data[0] = POLLIN;
        c.msg.data[1] = 1ull << (i % 63);
        long rc = vk_call(m.handles[0], &c, VK_DEADLINE_NEVER);
        ok += rc == 0 && c.msg.opcode == 0;
        eagain += rc == 0 && c.msg.opcode == 11;
    }
    expect("watches kept", ok, accepted);
    expect("refused beyond our share", eagain, n - accepted);
    uint32_t other;
    const char *av[] = {"/test/vfspriv", "otherpoll", NULL};
    expect("spawn another client", spawn(av, &other), 0);
    expect("its poll over two pipes woke at the write", wait_exit(other), 0);
    return expect_summary("vfspriv watches");
}

int main(int argc, char **argv)
{
    ns = vr_start_handle(VK_ROLE_NSROOT);
    const char *mode = argc > 1 ? argv[1] : "";
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (!strcmp(mode, "hold") && argc > 2)
        return hold(argv[2]);
    if (!strcmp(mode, "steady"))
        return steady(n);
    if (!strcmp(mode, "otherread"))
        return otherread();
    if (!strcmp(mode, "otherpoll"))
        return otherpoll();
    if (!strcmp(mode, "fairread"))
        return fairread();
    if (!ns) {
        printf("vfspriv: no session\n");
        return 1;
    }
    if (!strcmp(mode, "forge"))
        return forge();
    if (!strcmp(mode, "flood") && n > 0)
        return flood(n);
    if (!strcmp(mode, "park") && n > 0 && n <= 65536)
        return park(n, argc > 3 ? atol(argv[3]) : 0);
    if (!strcmp(mode, "fair") && n > 64 && n < 255)
        return fair(n);
    if (!strcmp(mode, "watches") && n > 0)
        return watches_(n, argc > 3 ? atol(argv[3]) : n);
    printf("usage: vfspriv forge | flood N | park N [REFUSED] | fair N | watches N [KEPT]\n");
    return 2;
}
