/*
 * vfuzz N SEED: N requests to vfs with random opcodes, data words, paths (random bytes,
 * dots, slashes, long runs), buffers and handles: to our session, to files we opened and to
 * handles it gave us. vfs must answer every one (or refuse it) and keep working: at the end a
 * plain open/write/read round trip must still succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"

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
        uint32_t dup;
        if (next() % 6 == 0 && vk_handle_dup(targets[next() % ntargets],
                                             VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &dup) == 0) {
            c.msg.flags = 1; /* a handle for the server to make sense of */
            c.msg.handles[0] = dup;
            c.msg.data[3] = next() % 4;
        }
        /* never wait long: a blocking pipe read or poll would wait for nobody */
        long rc = vk_call(to, &c, (uint64_t)vk_clock_get() + 2000000);
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
    printf("vfuzz: %ld requests: %ld answered, %ld refused; vfs %s\n", n, answered, refused,
           ok ? "still works" : "BROKEN");
    return ok ? 0 : 1;
}
