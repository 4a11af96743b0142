/*
 * Native helpers above the raw kernel calls: start a thread with its own stack and control
 * block, and spawn a program from the boot image with the standard start handles.
 * posix_spawn (spawn.c) builds on vr_spawn_image_flags, pthreads on vr_thread_start.
 *
 * A child's standard handles: stdin/stdout/stderr are copies of the handles behind our fds
 * 0, 1 and 2 (a closed or FD_CLOEXEC fd passes nothing), so redirections and pipes carry
 * over, and console handles work as before; the boot image and the spawner are our start
 * handles; and when we have a vfs session, the child gets a new one of its own
 * (VFS_OP_SESSION: same cwd, credentials and umask), moved into it as VK_ROLE_NSROOT. A
 * role the caller passes in `extra` replaces ours; with VR_SPAWN_OWN_FDS our fds 0-2 are not
 * passed at all (extra says what the child's fds are).
 */
#include "libc.h"

#include <stdlib.h>
#include <string.h>

#include "vl_bootfs.h"
#include "veridian/vfs_proto.h"

uintptr_t vr_kcall_page(void)
{
    return __veridian_kcall_page;
}

struct thread_block {
    struct vr_tcb tcb; /* first: the self value points here */
    void (*fn)(void *);
    void *arg;
};

static void thread_entry(void *p)
{
    struct thread_block *b = p;
    b->fn(b->arg);
    vk_thread_exit(0);
}

long vr_thread_start(void (*fn)(void *), void *arg, size_t stack_size, uint32_t *handle)
{
    if (stack_size < 4096)
        stack_size = 4096;
    stack_size = (stack_size + 15) & ~(size_t)15;
    /* The block stays allocated after the thread exits: joining and reclaiming stacks is
     * pthreads' job. */
    char *mem = malloc(sizeof(struct thread_block) + 16 + stack_size);
    if (!mem)
        return -VK_ENOMEM;
    struct thread_block *b = (struct thread_block *)mem;
    memset(b, 0, sizeof *b);
    b->tcb.self = &b->tcb;
    b->fn = fn;
    b->arg = arg;
    uintptr_t top = ((uintptr_t)mem + sizeof *b + 16 + stack_size) & ~(uintptr_t)15;
    long rc = vk_thread_create(thread_entry, b, (void *)top, &b->tcb, handle);
    if (rc)
        free(mem);
    return rc;
}

static struct vl_bootfs boot;
static int boot_ready;

static long bootfs_open(void)
{
    if (boot_ready)
        return 0;
    uint32_t h = vr_start_handle(VK_ROLE_BOOTFS);
    if (!h)
        return -VK_ENOENT;
    uint64_t addr;
    long rc = vk_vmo_map(h, VK_RIGHT_READ, &addr);
    if (rc)
        return rc;
    uint64_t size;
    memcpy(&size, (const void *)(uintptr_t)(addr + 16), 8); /* header: image_size */
    if (vl_bootfs_open(&boot, (const void *)(uintptr_t)addr, (size_t)size))
        return -VK_EIO;
    boot_ready = 1;
    return 0;
}

long vr_bootfs_find(const char *path, uint64_t *offset, uint64_t *size)
{
    long rc = bootfs_open();
    if (rc)
        return rc;
    struct vl_bootfs_file f;
    if (vl_bootfs_find(&boot, path, &f))
        return -VK_ENOENT;
    *offset = f.offset;
    *size = f.size;
    return 0;
}

const void *vr_bootfs_file(const char *path, size_t *size)
{
    struct vl_bootfs_file f;
    if (bootfs_open() || vl_bootfs_find(&boot, path, &f))
        return NULL;
    *size = (size_t)f.size;
    return f.data;
}

long vr_spawn_image(const char *path, const char *const argv[], const char *const envp[],
                    const struct vk_start_handle *extra, size_t nextra, uint32_t *proc_out)
{
    return vr_spawn_image_notify(path, argv, envp, extra, nextra, 0, 0, proc_out);
}

static int in_extra(const struct vk_start_handle *extra, size_t nextra, uint32_t role)
{
    for (size_t i = 0; i < nextra; i++)
        if ((extra[i].role & ~VK_START_MOVE) == role)
            return 1;
    return 0;
}

long vr_spawn_image_notify(const char *path, const char *const argv[], const char *const envp[],
                           const struct vk_start_handle *extra, size_t nextra, uint32_t notify,
                           uint64_t bits, uint32_t *proc_out)
{
    return vr_spawn_image_flags(path, argv, envp, extra, nextra, notify, bits, 0, NULL, proc_out);
}

long vr_spawn_image_flags(const char *path, const char *const argv[], const char *const envp[],
                          const struct vk_start_handle *extra, size_t nextra, uint32_t notify,
                          uint64_t bits, unsigned flags, const struct vr_spawn_job *job,
                          uint32_t *proc_out)
{
    long rc = bootfs_open();
    if (rc)
        return rc;
    struct vl_bootfs_file f;
    if (vl_bootfs_find(&boot, path, &f))
        return -VK_ENOENT;
    struct vk_start_handle hs[VK_SPAWN_MAX_HANDLES];
    size_t n = 0;
    static const uint32_t std_roles[3] = {VK_ROLE_STDIN, VK_ROLE_STDOUT, VK_ROLE_STDERR};
    for (int fd = 0; fd < 3 && !(flags & VR_SPAWN_OWN_FDS); fd++) {
        struct vr_fd e;
        if (!in_extra(extra, nextra, std_roles[fd]) && vr_fd_get(fd, &e) == 0 &&
            !(e.fdflags & VR_FD_CLOEXEC))
            hs[n++] = (struct vk_start_handle){e.handle, std_roles[fd]};
    }
    static const uint32_t roles[] = {VK_ROLE_BOOTFS, VK_ROLE_SPAWNER};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        uint32_t h = vr_start_handle(roles[i]);
        if (h && !in_extra(extra, nextra, roles[i]))
            hs[n++] = (struct vk_start_handle){h, roles[i]};
    }
    if (nextra > VK_SPAWN_MAX_HANDLES - 1 - n)
        return -VK_E2BIG;
    uint32_t session = 0;
    if (vr_vfs_session() && !in_extra(extra, nextra, VK_ROLE_NSROOT)) {
        struct vk_call c = {.msg = {.opcode = VFS_OP_SESSION}};
        if ((rc = vr_vfs_call(vr_vfs_session(), &c, VK_DEADLINE_NEVER, 1)) < 0)
            return rc;
        session = c.msg.handles[0];
        hs[n++] = (struct vk_start_handle){session, VK_ROLE_NSROOT | VK_START_MOVE};
    }
    memcpy(hs + n, extra, nextra * sizeof *extra);
    n += nextra;
    struct vk_spawn s = {
        .spawner = vr_start_handle(VK_ROLE_SPAWNER),
        .image = vr_start_handle(VK_ROLE_BOOTFS),
        .image_off = f.offset,
        .image_len = f.size,
        .name = (uint64_t)(uintptr_t)path,
        .argv = (uint64_t)(uintptr_t)argv,
        .envp = (uint64_t)(uintptr_t)(envp ? envp : (const char *const *)environ),
        .handles = (uint64_t)(uintptr_t)hs,
        .nhandles = (uint32_t)n,
        .exit_notify = notify,
        .exit_bits = bits,
    };
    if (job) {
        s.flags = job->flags;
        s.pgid = job->pgid;
        s.sigmask = job->sigmask;
        s.sigdefault = job->sigdefault;
    }
    rc = vk_spawn(&s, proc_out);
    if (rc < 0 && session)
        vk_handle_close(session); /* a failed spawn leaves moved handles with us */
    return rc;
}

long vr_service_ready(void)
{
    uint32_t h = vr_start_handle(VK_ROLE_READY);
    return h ? vk_notify_signal(h, 1 /* VK_INIT_READY_BIT */) : -VK_ENOENT;
}

long vr_request(uint32_t h, uint32_t op, const void *send, size_t send_len, void *recv,
                size_t recv_len, uint64_t d0, uint64_t d1, struct vk_msg *reply)
{
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = op;
    c.msg.data[0] = d0;
    c.msg.data[1] = d1;
    c.send_buf = (uint64_t)(uintptr_t)send;
    c.send_len = send ? send_len : 0;
    c.recv_buf = (uint64_t)(uintptr_t)recv;
    c.recv_len = recv ? recv_len : 0;
    long rc = vk_call(h, &c, VK_DEADLINE_NEVER);
    if (reply)
        *reply = c.msg;
    if (rc)
        return rc;
    return c.msg.opcode ? -(long)c.msg.opcode : (long)c.msg.data[0];
}

const unsigned char *vr_auxv_random(void)
{
    return vr_at_random;
}
