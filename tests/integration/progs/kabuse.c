/*
 * kabuse: hands the kernel malformed arguments from a real guest and checks each is
 * refused with the right error (never a crash, never a partial effect). Prints one line
 * per check; the exit status is the number of failures.
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

static long raw(uint32_t nr, long a0, long a1, long a2, long a3, long a4)
{
    vk_kcall_fn f =
        (vk_kcall_fn)(vr_kcall_page() + VK_KCALL_STUB_OFFSET + nr * VK_KCALL_STUB_STRIDE);
    return f(a0, a1, a2, a3, a4, 0);
}

int main(void)
{
    uint32_t out = vr_start_handle(VK_ROLE_STDOUT);
    uint32_t bootfs = vr_start_handle(VK_ROLE_BOOTFS);
    uint32_t spawner = vr_start_handle(VK_ROLE_SPAWNER);
    uintptr_t hole = ((uintptr_t)&main & ~((64ul << 20) - 1)) + (32ul << 20);
    char buf[64] = "x";

    /* bad handles */
    expect("close of handle 0", vk_handle_close(0), -VK_EBADH);
    expect("close of a made-up handle", vk_handle_close(0x7ffffff1), -VK_EBADH);
    expect("console write through a bad handle", vk_console_write(12345, buf, 1), -VK_EBADH);
    uint32_t n;
    vk_notify_create(&n);
    vk_handle_close(n);
    expect("stale handle after close", vk_notify_signal(n, 1), -VK_EBADH);
    expect("wrong object type", vk_console_write(bootfs, buf, 1), -VK_EWRONGTYPE);

    /* pointers outside our memory, or into a hole of it */
    expect("buffer at a low address", vk_console_write(out, (void *)0x10, 4), -VK_EFAULT);
    expect("buffer in an unmapped hole", vk_console_write(out, (void *)hole, 4), -VK_EFAULT);
    expect("buffer in the kernel-call page", vk_console_write(out, (void *)vr_kcall_page(), 4),
           -VK_EFAULT);
    expect("length that wraps around", vk_console_write(out, buf, (size_t)-8), -VK_EFAULT);
    expect("out pointer in a hole", vk_endpoint_create((uint32_t *)hole), -VK_EFAULT);
    expect("wait items outside memory", vk_wait_many((struct vk_wait *)0x1000, 1, 0), -VK_EFAULT);
    expect("thread entry outside memory",
           vk_thread_create((vk_thread_entry_fn)0x1000, 0, buf + 64, 0, &n), -VK_EFAULT);

    /* oversized or malformed requests */
    uint32_t ep;
    vk_endpoint_create(&ep);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.flags = 5; /* five handles: more than a message carries */
    expect("message with too many handles", vk_call(ep, &c, 0), -VK_EINVAL);
    c.msg.flags = 1;
    c.msg.handles[0] = 0x7ffffff1;
    expect("message carrying a bad handle", vk_call(ep, &c, 0), -VK_EBADH);
    c.msg.flags = 0; /* a reply's message is checked before its token */
    expect("reply with an unknown token", vk_reply(999, &c.msg), -VK_ESRCH);
    expect("msg_read with an unknown token", vk_msg_read(999, 0, buf, 8), -VK_ESRCH);
    struct vk_wait w[65];
    memset(w, 0, sizeof w);
    expect("wait on 65 objects", vk_wait_many(w, 65, 0), -VK_EINVAL);
    expect("empty memory object", vk_vmo_create(0, &n), -VK_EINVAL);
    expect("memory object of 1 TiB", vk_vmo_create(1ull << 40, &n), -VK_EINVAL);
    expect("unaligned futex", vk_futex_wait((uint32_t *)(buf + 1), 0, 0), -VK_EINVAL);
    expect("kernel call number 0", raw(0, 0, 0, 0, 0, 0), -VK_ENOSYS);
    expect("kernel call past the table", raw(VK_NR_COUNT - 1, 0, 0, 0, 0, 0) != -VK_ENOSYS, 1);

    /* rights */
    uint32_t weak;
    expect("dup with fewer rights", vk_handle_dup(out, VK_RIGHT_READ, &weak), 0);
    expect("dup asking for more rights", vk_handle_dup(weak, VK_RIGHT_WRITE, &n), -VK_EPERM);
    expect("write without WRITE", vk_console_write(weak, buf, 1), -VK_EPERM);
    uint64_t addr;
    expect("map the boot image writable", vk_vmo_map(bootfs, VK_RIGHT_READ | VK_RIGHT_WRITE, &addr),
           -VK_EPERM);
    uint32_t nospawn;
    vk_handle_dup(spawner, VK_RIGHT_DUP, &nospawn);
    struct vk_spawn s;
    memset(&s, 0, sizeof s);
    s.spawner = nospawn;
    s.image = bootfs;
    s.image_len = 64;
    expect("spawn without the SPAWN right", vk_spawn(&s, &n), -VK_EPERM);
    s.spawner = spawner;
    s.image_off = 1ull << 40;
    expect("spawn from beyond the image", vk_spawn(&s, &n), -VK_EINVAL);
    s.image_off = 0; /* the archive header: not an ELF */
    expect("spawn of something that is not an ELF", vk_spawn(&s, &n), -VK_ENOEXEC);
    expect("spawn with a bad argument block", vk_spawn((struct vk_spawn *)hole, &n), -VK_EFAULT);
    s.flags = 1ull << 40;
    expect("spawn with unknown flags", vk_spawn(&s, &n), -VK_EINVAL);

    /* memory is bounded: huge objects run into this process's quota, not the host
     * (tests/integration/core/memquota.sh has the per-process and machine limits in full) */
    uint32_t big[3];
    expect("512 MiB object", vk_vmo_create(512ull << 20, &big[0]), 0);
    expect("another", vk_vmo_create(512ull << 20, &big[1]), 0);
    expect("a third: over the process's quota", vk_vmo_create(512ull << 20, &big[2]), -VK_ENOMEM);
    vk_handle_close(big[0]);
    expect("room again after closing one", vk_vmo_create(512ull << 20, &big[2]), 0);
    vk_handle_close(big[1]);
    vk_handle_close(big[2]);

    return expect_summary("kabuse");
}
