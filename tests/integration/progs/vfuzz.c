/*
 * vfuzz N SEED: N requests to vfs with random opcodes, data words, paths (random bytes,
 * dots, slashes, long runs), buffers and handles: to our session, to files we opened and to
 * handles it gave us. The handles a request carries are copies of those, forgeries (our own
 * endpoint minted with badges vfs uses: file ids, session ids), plain handles to a foreign
 * endpoint and a notification (for WATCH); deadlines are sometimes so short that they expire
 * while vfs works on the request. vfs must answer every one (or refuse it) and keep working:
 * at the end a plain open/write/read round trip must still succeed, and once everything we
 * hold is closed the kernel holds as many handles as before the storm (nothing vfs minted or
 * received stays behind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

#define MS 1000000ull

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char path[9000], buf[70000];
static uint32_t targets[32];
static unsigned ntargets;

/* A handle for a request to carry: a copy of a target, a forged badge, a foreign endpoint or
 * a notification. 0 if none could be made. */
static uint32_t random_handle(uint32_t mine, uint32_t notify)
{
    uint32_t h = 0;
    switch (next() % 5) {
    case 0: /* forged: badges vfs hands out, minted on our own endpoint */
        vk_handle_mint(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER,
                       next() % 2 ? VFS_BADGE_FILE | (next() % 64) : next() % 8, &h);
        break;
    case 1: /* a foreign endpoint, no badge */
        vk_handle_mint(mine, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, 0, &h);
        break;
    case 2:
        vk_handle_dup(notify, VK_RIGHT_SIGNAL | VK_RIGHT_TRANSFER, &h);
        break;
    default:
        vk_handle_dup(targets[next() % ntargets], VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &h);
        break;
    }
    return h;
}

static uint64_t kernel_handles(void)
{
    struct vk_kernel_info ki;
    vk_kernel_info(&ki);
    return ki.handles;
}

static size_t random_path(void)
{
    static const char *parts[] = {"/",    "tmp", "a",    "..", ".",   "//",   "b/", "proc",
                                  "self", "dev", "null", "x",  "etc", "motd", "bin"};
    size_t n = 0, want = next() % 40;
    if (next() % 50 == 0)
        want = 5000; /* too long */
    while (n < want && n < sizeof path - 16) {
        if (next() % 8 == 0)
            path[n++] = (char)(next() & 0xff);
        else {
            const char *p = parts[next() % (sizeof parts / sizeof parts[0])];
            size_t l = strlen(p);
            memcpy(path + n, p, l);
            n += l;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
    uint32_t ns = vr_start_handle(VK_ROLE_NSROOT), pristine;
    struct vk_msg m;
    /* a session kept out of the storm for the final check: random requests may legitimately
     * chroot, chdir or setuid the one they hit */
    if (vr_request(ns, VFS_OP_SESSION, NULL, 0, NULL, 0, 0, 0, &m) < 0)
        return 1;
    pristine = m.handles[0];
    /* one round trip first: vfs's one-time set-up is done before we count */
    vr_request(pristine, VFS_OP_UMASK, NULL, 0, NULL, 0, 022, 0, NULL);
    uint64_t handles_before = kernel_handles();
    uint32_t mine, notify;
    if (vk_endpoint_create(&mine) || vk_notify_create(&notify))
        return 1;
    targets[ntargets++] = ns;
    long answered = 0, refused = 0;
    for (long i = 0; i < n; i++) {
        struct vk_call c;
        memset(&c, 0, sizeof c);
        c.msg.opcode = (uint32_t)(next() % 50);
        for (int k = 0; k < 6; k++)
            c.msg.data[k] = next() % 4 ? next() % 0x10000 : next();
        size_t plen = random_path();
        c.send_buf = (uint64_t)(uintptr_t)path;
        c.send_len = next() % 4 ? plen : next() % sizeof path;
        c.recv_buf = (uint64_t)(uintptr_t)buf;
        c.recv_len = next() % 4 ? next() % 512 : next() % sizeof buf;
        uint32_t to = targets[next() % ntargets];
        if (next() % 5 == 0) { /* handles for the server to make sense of */
            uint32_t nh = 1 + (uint32_t)(next() % 2);
            for (uint32_t k = 0; k < nh; k++)
                if ((c.msg.handles[c.msg.flags] = random_handle(mine, notify)))
                    c.msg.flags++;
            c.msg.data[3] = next() % 4;
        }
        /* never wait long: a blocking pipe read or poll would wait for nobody; sometimes so
         * short that the deadline passes while vfs works on the request */
        uint64_t wait = next() % 4 ? 2 * MS : 100 + next() % 1200;
        long rc = vk_call(to, &c, (uint64_t)vk_clock_get() + wait);
        if (rc < 0) /* a refused call leaves its handles with us */
            for (uint32_t k = 0; k < VK_MSG_NHANDLES(c.msg.flags); k++)
                vk_handle_close(c.msg.handles[k]);
        if (rc == 0 && c.msg.opcode == 0)
            answered++;
        else
            refused++;
        for (uint32_t k = 0; k < VK_MSG_NHANDLES(c.msg.flags) && rc == 0; k++) {
            if (ntargets < 32)
                targets[ntargets++] = c.msg.handles[k];
            else
                vk_handle_close(c.msg.handles[k]);
        }
        if (next() % 16 == 0 && ntargets > 1) { /* close one of the files */
            unsigned k = 1 + (unsigned)(next() % (ntargets - 1));
            vk_handle_close(targets[k]);
            targets[k] = targets[--ntargets];
        }
    }
    /* still working? */
    struct vk_call c;
    memset(&c, 0, sizeof c);
    const char *p = "/tmp/vfuzz-ok";
    c.msg.opcode = VFS_OP_OPEN;
    c.msg.data[0] = 0102; /* O_RDWR|O_CREAT */
    c.msg.data[1] = 0644;
    c.send_buf = (uint64_t)(uintptr_t)p;
    c.send_len = strlen(p);
    long rc = vk_call(pristine, &c, VK_DEADLINE_NEVER);
    int ok = rc == 0 && c.msg.opcode == 0 &&
             vr_request(c.msg.handles[0], VFS_OP_WRITE, "alive", 5, NULL, 0, 0, 0, NULL) == 5 &&
             vr_request(c.msg.handles[0], VFS_OP_PREAD, NULL, 0, buf, 5, 5, 0, NULL) == 5 &&
             !memcmp(buf, "alive", 5);
    vk_handle_close(c.msg.handles[0]);
    /* everything we hold goes; vfs then holds what it held before (watches fire on close:
     * two round trips let it see every close notice and drop them) */
    for (unsigned k = 1; k < ntargets; k++)
        vk_handle_close(targets[k]);
    vk_handle_close(mine);
    vk_handle_close(notify);
    for (int k = 0; k < 2; k++)
        vr_request(pristine, VFS_OP_UMASK, NULL, 0, NULL, 0, 022, 0, NULL);
    long leaked = (long)(kernel_handles() - handles_before);
    printf("vfuzz: %ld requests: %ld answered, %ld refused; %ld handles left over; vfs %s\n", n,
           answered, refused, leaked, ok && !leaked ? "still works" : "BROKEN");
    return ok && !leaked ? 0 : 1;
}
