/*
 * vfsraw: talks the vfs protocol directly (no libc file API): open, read, write, stat,
 * readdir, mkdir, rename, unlink, pipes, devices, sessions and close notices. Prints one
 * line per check; exits with the number of failures.
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "expect.h"

static uint32_t ns;

/* One request; returns -errno or data[0]. */
static long req(uint32_t h, uint32_t op, const void *send, size_t slen, void *recv, size_t rlen,
                uint64_t d0, uint64_t d1, struct vk_msg *out)
{
    return vr_request(h, op, send, slen, recv, rlen, d0, d1, out);
}

static uint32_t late_writer_pipe;

static void late_writer(void *arg)
{
    (void)arg;
    vk_wait_many(NULL, 0, (uint64_t)vk_clock_get() + 5000000); /* 5 ms of virtual time */
    req(late_writer_pipe, VFS_OP_WRITE, "xyz", 3, NULL, 0, 0, 0, NULL);
}

static long open_(const char *path, uint64_t flags, uint64_t mode, uint32_t *h)
{
    struct vk_msg m;
    long rc = req(ns, VFS_OP_OPEN, path, strlen(path), NULL, 0, flags, mode, &m);
    if (rc >= 0)
        *h = m.handles[0];
    return rc < 0 ? rc : 0;
}

int main(void)
{
    char buf[512];
    uint32_t f, g;
    ns = vr_start_handle(VK_ROLE_NSROOT);
    expect("have a session", ns != 0, 1);

    /* the boot image, read-only */
    expect("open /etc/motd", open_("/etc/motd", 0, 0, &f), 0);
    long n = req(f, VFS_OP_READ, NULL, 0, buf, sizeof buf - 1, sizeof buf - 1, 0, NULL);
    buf[n > 0 ? n : 0] = 0;
    expect("read motd", !strncmp(buf, "Welcome to Veridian", 19), 1);
    expect("motd is read-only", open_("/etc/motd", 1 /*O_WRONLY*/, 0, &g), -30 /*EROFS*/);
    vk_handle_close(f);
    expect("no such file", open_("/etc/nonesuch", 0, 0, &g), -2);
    expect("path through a file", open_("/etc/motd/x", 0, 0, &g), -20);

    /* tmpfs */
    expect("create /tmp/a", open_("/tmp/a", 0102 /*O_RDWR|O_CREAT*/, 0644, &f), 0);
    expect("write", req(f, VFS_OP_WRITE, "hello, tmpfs", 12, NULL, 0, 0, 0, NULL), 12);
    expect("pread", req(f, VFS_OP_PREAD, NULL, 0, buf, 5, 5, 7, NULL), 5);
    expect("pread bytes", !memcmp(buf, "tmpfs", 5), 1);
    struct vfs_proto_stat st;
    expect("fstat", req(f, VFS_OP_FSTAT, NULL, 0, &st, sizeof st, 0, 0, NULL), 0);
    expect("size", st.size, 12);
    expect("mode", st.mode, 0100644);
    expect("O_EXCL on it", open_("/tmp/a", 0302, 0644, &g), -17);
    expect("mkdir /tmp/d", req(ns, VFS_OP_MKDIR, "/tmp/d", 6, NULL, 0, 0755, 0, NULL), 0);
    expect("rename", req(ns, VFS_OP_RENAME, "/tmp/a\0/tmp/d/b", 15, NULL, 0, 0, 0, NULL), 0);
    expect("stat renamed", req(ns, VFS_OP_STAT, "/tmp/d/b", 8, &st, sizeof st, 0, 0, NULL), 0);
    expect("rmdir non-empty", req(ns, VFS_OP_UNLINK, "/tmp/d", 6, NULL, 0, 0x200, 0, NULL), -39);
    expect("unlink while open", req(ns, VFS_OP_UNLINK, "/tmp/d/b", 8, NULL, 0, 0, 0, NULL), 0);
    expect("still readable", req(f, VFS_OP_PREAD, NULL, 0, buf, 5, 5, 0, NULL), 5);
    vk_handle_close(f);

    /* readdir of /bin */
    expect("open /bin", open_("/bin", 0200000 /*O_DIRECTORY*/, 0, &f), 0);
    char dirbuf[4096];
    long cnt = req(f, VFS_OP_READDIR, NULL, 0, dirbuf, sizeof dirbuf, 0, 0, NULL);
    int saw_hello = 0, saw_dot = 0;
    for (long i = 0, off = 0; i < cnt; i++) {
        struct vfs_proto_dirent *de = (struct vfs_proto_dirent *)(dirbuf + off);
        const char *name = (const char *)(de + 1);
        saw_hello |= !strcmp(name, "hello");
        saw_dot |= !strcmp(name, ".");
        off += de->reclen;
    }
    expect("readdir lists hello and .", saw_hello && saw_dot, 1);
    expect("read a directory", req(f, VFS_OP_READ, NULL, 0, buf, 10, 10, 0, NULL), -21);
    vk_handle_close(f);

    /* devices */
    expect("open /dev/zero", open_("/dev/zero", 0, 0, &f), 0);
    memset(buf, 1, 16);
    expect("read zeros", req(f, VFS_OP_READ, NULL, 0, buf, 16, 16, 0, NULL), 16);
    expect("zeros", buf[0] == 0 && buf[15] == 0, 1);
    vk_handle_close(f);
    expect("open /dev/urandom", open_("/dev/urandom", 0, 0, &f), 0);
    unsigned char rnd[8];
    expect("read random", req(f, VFS_OP_READ, NULL, 0, rnd, 8, 8, 0, NULL), 8);
    printf("urandom: %02x%02x%02x%02x%02x%02x%02x%02x\n", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
           rnd[5], rnd[6], rnd[7]);
    vk_handle_close(f);
    expect("open /dev/full", open_("/dev/full", 1, 0, &f), 0);
    expect("write /dev/full", req(f, VFS_OP_WRITE, "x", 1, NULL, 0, 0, 0, NULL), -28);
    vk_handle_close(f);
    struct vk_msg m;
    expect("open /dev/console", req(ns, VFS_OP_OPEN, "/dev/console", 12, NULL, 0, 2, 0, &m) >= 0,
           1);
    expect("it is the console", m.data[1], VFS_OPEN_CONSOLE);
    expect("console write", vk_console_write(m.handles[0], "console ok\n", 11), 11);
    vk_handle_close(m.handles[0]);

    /* pipes: EOF after the writer goes (close notice), non-blocking EAGAIN */
    expect("pipe", req(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 04000 /*O_NONBLOCK*/, 0, &m), 0);
    uint32_t rd = m.handles[0], wr = m.handles[1];
    expect("empty pipe: EAGAIN", req(rd, VFS_OP_READ, NULL, 0, buf, 8, 8, 0, NULL), -11);
    expect("pipe write", req(wr, VFS_OP_WRITE, "abc", 3, NULL, 0, 0, 0, NULL), 3);
    expect("poll readable", req(rd, VFS_OP_POLL, NULL, 0, NULL, 0, 1, 1, NULL), 1);
    expect("pipe read", req(rd, VFS_OP_READ, NULL, 0, buf, 8, 8, 0, NULL), 3);
    vk_handle_close(wr);
    expect("EOF after writer closed", req(rd, VFS_OP_READ, NULL, 0, buf, 8, 8, 0, NULL), 0);
    vk_handle_close(rd);

    /* blocking pipes: a read waits in vfs (deferred reply) until a writer writes; a read that
     * gives up at its deadline leaves the data for the next reader */
    expect("blocking pipe", req(ns, VFS_OP_PIPE, NULL, 0, NULL, 0, 0, 0, &m), 0);
    rd = m.handles[0];
    late_writer_pipe = m.handles[1];
    uint32_t th;
    vr_thread_start(late_writer, NULL, 16384, &th);
    expect("blocking read waits for the writer", req(rd, VFS_OP_READ, NULL, 0, buf, 8, 8, 0, NULL),
           3);
    expect("the writer's bytes", !memcmp(buf, "xyz", 3), 1);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = VFS_OP_READ;
    c.msg.data[0] = 8;
    c.recv_buf = (uint64_t)(uintptr_t)buf;
    c.recv_len = 8;
    expect("read with a deadline times out", vk_call(rd, &c, (uint64_t)vk_clock_get() + 1000000),
           -VK_ETIMEDOUT);
    expect("write after the timeout",
           req(late_writer_pipe, VFS_OP_WRITE, "q", 1, NULL, 0, 0, 0, NULL), 1);
    expect("the next read gets it", req(rd, VFS_OP_READ, NULL, 0, buf, 8, 8, 0, NULL), 1);
    vk_handle_close(rd);
    expect("write without a reader: EPIPE",
           req(late_writer_pipe, VFS_OP_WRITE, "q", 1, NULL, 0, 0, 0, NULL), -32);
    vk_handle_close(late_writer_pipe);

    /* sessions: a new one starts at our cwd; chdir is per session */
    expect("chdir /tmp", req(ns, VFS_OP_CHDIR, "/tmp", 4, NULL, 0, 0, 0, NULL), 0);
    expect("session", req(ns, VFS_OP_SESSION, NULL, 0, NULL, 0, 0, 0, &m), 0);
    uint32_t s2 = m.handles[0];
    n = req(s2, VFS_OP_GETCWD, NULL, 0, buf, sizeof buf, 0, 0, NULL);
    expect("child session cwd", n > 0 && !strcmp(buf, "/tmp"), 1);
    expect("chdir in the child", req(s2, VFS_OP_CHDIR, "/etc", 4, NULL, 0, 0, 0, NULL), 0);
    n = req(ns, VFS_OP_GETCWD, NULL, 0, buf, sizeof buf, 0, 0, NULL);
    expect("our cwd unchanged", n > 0 && !strcmp(buf, "/tmp"), 1);
    vk_handle_close(s2);
    expect("relative open from cwd", open_("d", 0200000, 0, &f), 0);
    vk_handle_close(f);
    expect("bad opcode", req(ns, 999, NULL, 0, NULL, 0, 0, 0, NULL), -38);
    expect("path too long", req(ns, VFS_OP_STAT, buf, 5000, NULL, 0, 0, 0, NULL), -36);

    /* procfs */
    static const char hello[] = "/test/vfsraw\0arg\0\0HOME=/\0";
    expect("hello", req(ns, VFS_OP_HELLO, hello, sizeof hello - 1, NULL, 0, 0, 0, NULL), 0);
    expect("open /proc/self/cmdline", open_("/proc/self/cmdline", 0, 0, &f), 0);
    n = req(f, VFS_OP_READ, NULL, 0, buf, sizeof buf, sizeof buf, 0, NULL);
    expect("cmdline", n == 17 && !memcmp(buf, "/test/vfsraw\0arg\0", 17), 1);
    vk_handle_close(f);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)vk_getpid());
    expect("open /proc/<pid>/status", open_(path, 0, 0, &f), 0);
    n = req(f, VFS_OP_READ, NULL, 0, buf, sizeof buf - 1, sizeof buf - 1, 0, NULL);
    buf[n > 0 ? n : 0] = 0;
    expect("status names us", strstr(buf, "Name:\tvfsraw\n") != NULL, 1);
    vk_handle_close(f);
    n = req(ns, VFS_OP_READLINK, "/proc/self/cwd", 14, buf, sizeof buf, 0, 0, NULL);
    expect("cwd link", n == 4 && !memcmp(buf, "/tmp", 4), 1);
    expect("open /proc/mounts", open_("/proc/mounts", 0, 0, &f), 0);
    n = req(f, VFS_OP_READ, NULL, 0, buf, sizeof buf - 1, sizeof buf - 1, 0, NULL);
    buf[n > 0 ? n : 0] = 0;
    expect("mounts lists / and /bin", strstr(buf, "tmpfs / tmpfs rw") && strstr(buf, " /bin "), 1);
    vk_handle_close(f);
    expect("open /proc/services", open_("/proc/services", 0, 0, &f), 0);
    n = req(f, VFS_OP_READ, NULL, 0, buf, sizeof buf - 1, sizeof buf - 1, 0, NULL);
    buf[n > 0 ? n : 0] = 0;
    expect("services lists vfs running", strstr(buf, "vfs              running") != NULL, 1);
    vk_handle_close(f);
    expect("uptime", open_("/proc/uptime", 0, 0, &f), 0);
    vk_handle_close(f);
    expect("procfs is read-only", open_("/proc/uptime", 1, 0, &f), -30);

    /* credentials: drop root, then be refused */
    expect("setuid nobody", req(ns, VFS_OP_SETUID, NULL, 0, NULL, 0, 65534, 65534, NULL), 0);
    expect("mkdir in / as nobody", req(ns, VFS_OP_MKDIR, "/x", 2, NULL, 0, 0755, 0, NULL), -13);
    expect("no way back to root", req(ns, VFS_OP_SETUID, NULL, 0, NULL, 0, 0, 0, NULL), -1);
    expect("publish as nobody", req(ns, VFS_OP_PUBLISH, "x\0y", 3, NULL, 0, 0, 0, NULL), -1);
    expect("/tmp is for everyone", open_("/tmp/nobody", 0101, 0600, &f), 0);
    vk_handle_close(f);

    /* chroot: a session can narrow its own view */
    expect("mkdir /tmp/jail", req(ns, VFS_OP_MKDIR, "/tmp/jail", 9, NULL, 0, 0755, 0, NULL), 0);
    expect("chroot", req(ns, VFS_OP_CHROOT, "/tmp/jail", 9, NULL, 0, 0, 0, NULL), 0);
    n = req(ns, VFS_OP_GETCWD, NULL, 0, buf, sizeof buf, 0, 0, NULL);
    expect("cwd is the new root", n == 2 && !strcmp(buf, "/"), 1);
    expect("create /x inside", open_("/x", 0101, 0600, &f), 0);
    vk_handle_close(f);
    expect("/.. stays inside", req(ns, VFS_OP_STAT, "/../../x", 8, &st, sizeof st, 0, 0, NULL), 0);
    expect("/etc is out of reach", open_("/etc/motd", 0, 0, &f), -2);

    return expect_summary("vfsraw");
}
