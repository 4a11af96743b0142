/*
 * kdecode: decode, then invoke. Kernel calls that create something (a process, a thread, an
 * object, a tracked badge) or send something (a reply) must check every argument and every
 * output first: a call that fails must have done nothing. Three families:
 *   - spawn and the other handle-creating calls with an output pointer in an unmapped hole or
 *     on a read-only page, or with a full handle table: the error, and no child ever ran (the
 *     exit notification stays clear, the process count does not move, and the child would
 *     print "kdecode-child ran: TAG", which the script looks for);
 *   - reply_receive with a bad receive half: the error, and the caller was not replied; a
 *     call whose struct cannot take the reply and a console_read whose buffer cannot take the
 *     input are refused before anything is sent or taken;
 *   - handle arguments with high register bits set: -VK_EBADH for every handle-taking call,
 *     never the handle in the low half.
 * Standard input must hold the line "input". "kdecode child TAG" is the child: it prints its line
 * and exits with 7. One line per check; the exit status is the number of failures.
 */
#include <stdio.h>
#include <string.h>

#include "veridian/vk.h"
#include "expect.h"

#define WIDE (1ull << 32)

static uint32_t bootfs, spawner;
static uint64_t img_off, img_len;
static uintptr_t hole; /* inside our own region, never mapped */
static const char rodata[64] = "read-only";

static long raw(uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    vk_kcall_fn f =
        (vk_kcall_fn)(vr_kcall_page() + VK_KCALL_STUB_OFFSET + nr * VK_KCALL_STUB_STRIDE);
    return f((long)a0, (long)a1, (long)a2, (long)a3, (long)a4, 0);
}

static uint64_t live_processes(void)
{
    struct vk_kernel_info ki;
    vk_kernel_info(&ki);
    return ki.processes;
}

static uint64_t live_objects(void)
{
    struct vk_kernel_info ki;
    vk_kernel_info(&ki);
    return ki.objects;
}

static void sleep_ms(uint64_t ms)
{
    vk_wait_many(NULL, 0, (uint64_t)vk_clock_get() + ms * 1000000);
}

/* Spawn "kdecode child TAG" with exit notification bit 1 on notify; the child's handle goes
 * to *out (a guest pointer, maybe bad). */
static long spawn_child(const char *tag, uint32_t notify, uint32_t *out)
{
    const char *argv[] = {"kdecode", "child", tag, NULL};
    uint32_t so = vr_start_handle(VK_ROLE_STDOUT);
    struct vk_start_handle hs[] = {{so, VK_ROLE_STDOUT}};
    struct vk_spawn s;
    memset(&s, 0, sizeof s);
    s.spawner = spawner;
    s.image = bootfs;
    s.image_off = img_off;
    s.image_len = img_len;
    s.name = (uint64_t)(uintptr_t) "kdecode-child";
    s.argv = (uint64_t)(uintptr_t)argv;
    s.handles = (uint64_t)(uintptr_t)hs;
    s.nhandles = 1;
    s.exit_notify = notify;
    s.exit_bits = 1;
    return vk_spawn(&s, out);
}

/* 0 if no bit of the notification is set (polls). */
static long notified(uint32_t n)
{
    struct vk_wait w = {.handle = n, .mask = ~0ull};
    return vk_wait_many(&w, 1, 0) == 0;
}

/* The id the kernel gives the next object: object ids are sequential, so a failed call that
 * created and destroyed something shows in the gap. */
static uint64_t next_object_id(void)
{
    uint32_t n;
    struct vk_handle_info hi;
    vk_notify_create(&n);
    vk_handle_info(n, &hi);
    vk_handle_close(n);
    return hi.object_id + 1;
}

static volatile int thread_ran;
static char tstack[4096] __attribute__((aligned(16)));

static void thread_body(void *arg)
{
    (void)arg;
    thread_ran = 1;
    vk_thread_exit(0);
}

/* ---- spawn and the handle-creating calls ---- */

static void test_outputs(void)
{
    uint32_t n, h = 0xdeadbeef;
    vk_notify_create(&n);
    uint64_t procs = live_processes(), objs = live_objects(), id = next_object_id();
    expect("spawn, output in an unmapped hole", spawn_child("hole", n, (uint32_t *)hole),
           -VK_EFAULT);
    expect("spawn, output on a read-only page", spawn_child("rodata", n, (uint32_t *)rodata),
           -VK_EFAULT);
    expect("spawn, output outside our memory", spawn_child("low", n, (uint32_t *)0x1000),
           -VK_EFAULT);
    expect("no process was created", (long)(live_processes() - procs), 0);
    expect("no object was left behind", (long)(live_objects() - objs), 0);

    void *top = tstack + sizeof tstack;
    expect("thread_create, output in a hole",
           vk_thread_create(thread_body, 0, top, 0, (uint32_t *)hole), -VK_EFAULT);
    expect("thread_create, stack in a hole",
           vk_thread_create(thread_body, 0, (void *)(hole + 4096), 0, &h), -VK_EFAULT);
    expect("and its output word was left alone", h, 0xdeadbeef);
    expect("endpoint_create, output read-only", vk_endpoint_create((uint32_t *)rodata), -VK_EFAULT);
    expect("notify_create, output in a hole", vk_notify_create((uint32_t *)hole), -VK_EFAULT);
    expect("vmo_create, output in a hole", vk_vmo_create(4096, (uint32_t *)hole), -VK_EFAULT);
    expect("none of them created anything, even for a moment", (long)(next_object_id() - id), 1);
    uint32_t ep;
    vk_endpoint_create(&ep);
    expect("tracked mint, output in a hole",
           vk_handle_mint(ep, VK_RIGHT_CALL | VK_MINT_TRACK_CLOSE, 42, (uint32_t *)hole),
           -VK_EFAULT);
    struct vk_recv r;
    expect("and no close notice for that badge", vk_receive(ep, &r, 0), -VK_ETIMEDOUT);
    expect("only the endpoint is new", (long)(live_objects() - objs), 1);
    vk_handle_close(ep);

    /* a full handle table */
    uint32_t so = vr_start_handle(VK_ROLE_STDOUT), d;
    static uint32_t dups[1u << VK_HANDLE_INDEX_BITS];
    uint32_t nd = 0;
    long rc;
    while ((rc = vk_handle_dup(so, VK_RIGHT_WRITE, &d)) == 0)
        dups[nd++] = d;
    expect("the table fills up", rc, -VK_ENOSPC);
    objs = live_objects();
    expect("spawn with a full table", spawn_child("full", n, &h), -VK_ENOSPC);
    expect("thread_create with a full table", vk_thread_create(thread_body, 0, top, 0, &h),
           -VK_ENOSPC);
    expect("endpoint_create with a full table", vk_endpoint_create(&h), -VK_ENOSPC);
    expect("notify_create with a full table", vk_notify_create(&h), -VK_ENOSPC);
    expect("vmo_create with a full table", vk_vmo_create(4096, &h), -VK_ENOSPC);
    expect("no process was created (full)", (long)(live_processes() - procs), 0);
    expect("no object was left behind (full)", (long)(live_objects() - objs), 0);
    for (uint32_t i = 0; i < nd; i++)
        vk_handle_close(dups[i]);

    /* give a wrongly created child or thread every chance to run */
    sleep_ms(20);
    expect("no child ever ran: its exit notification is clear", notified(n), 0);
    expect("no thread ever ran", thread_ran, 0);

    /* the control: a good spawn runs its child, which the same checks see */
    uint32_t child;
    expect("a good spawn", spawn_child("control", n, &child), 0);
    struct vk_wait w = {.handle = child, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(child, &pi);
    expect("its child ran and exited with 7", pi.exit_code, 7);
    expect("and its exit notification is set", notified(n), 1);
    vk_handle_close(child);
    vk_handle_close(n);
}

/* ---- reply_receive: the receive half is checked before anything is replied ---- */

static uint32_t rr_ep, rr_ep_call;
static long rr_got[8];

static void rr_server(void *arg)
{
    (void)arg;
    struct vk_recv r;
    if (vk_receive(rr_ep, &r, VK_DEADLINE_NEVER)) {
        rr_got[0] = -1;
        vk_thread_exit(1);
    }
    uint64_t token = r.token;
    struct vk_msg m;
    memset(&m, 0, sizeof m);
    m.opcode = 100; /* a reply that must never arrive */
    rr_got[0] = vk_reply_receive(token, &m, 12345, &r, 0);
    rr_got[1] = (long)raw(VK_NR_REPLY_RECEIVE, token, (uint64_t)(uintptr_t)&m, rr_ep | WIDE,
                          (uint64_t)(uintptr_t)&r, 0);
    rr_got[2] = vk_reply_receive(token, &m, rr_ep_call, &r, 0);
    rr_got[3] = vk_reply_receive(token, &m, rr_ep, (struct vk_recv *)hole, 0);
    rr_got[4] = vk_reply_receive(token, &m, rr_ep, (struct vk_recv *)rodata, 0);
    m.flags = 1;
    m.handles[0] = rr_ep; /* the reply would carry away the handle we receive on */
    rr_got[5] = vk_reply_receive(token, &m, rr_ep, &r, 0);
    memset(&m, 0, sizeof m);
    m.opcode = 200;
    rr_got[6] = vk_reply(token, &m); /* the token is still pending: nothing was replied */
    vk_thread_exit(0);
}

static char rr_stack[16384] __attribute__((aligned(16)));

static void test_reply_receive(void)
{
    vk_endpoint_create(&rr_ep);
    vk_handle_dup(rr_ep, VK_RIGHT_CALL, &rr_ep_call);
    uint32_t th;
    if (vk_thread_create(rr_server, 0, rr_stack + sizeof rr_stack, 0, &th))
        expect("server thread", 1, 0);
    /* a call whose struct is read-only could not take its reply: refused before it is sent
     * (else the server would see it, act on it, and the reply would be lost) */
    static const struct vk_call ro_call = {.msg = {.opcode = 1}};
    expect("call with a read-only call struct", vk_call(rr_ep_call, (struct vk_call *)&ro_call, 0),
           -VK_EFAULT);
    struct vk_call c;
    memset(&c, 0, sizeof c);
    c.msg.opcode = 1;
    long rc = vk_call(rr_ep_call, &c, VK_DEADLINE_NEVER);
    struct vk_wait w = {.handle = th, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    expect("reply_receive, bad receive handle", rr_got[0], -VK_EBADH);
    expect("reply_receive, receive handle with high bits", rr_got[1], -VK_EBADH);
    expect("reply_receive, receive handle without RECV", rr_got[2], -VK_EPERM);
    expect("reply_receive, receive buffer in a hole", rr_got[3], -VK_EFAULT);
    expect("reply_receive, receive buffer read-only", rr_got[4], -VK_EFAULT);
    expect("reply_receive, reply carrying the receive handle", rr_got[5], -VK_EINVAL);
    expect("the token was still pending after all of them", rr_got[6], 0);
    expect("the caller got one reply", rc, 0);
    expect("and it was the good one", c.msg.opcode, 200);
    vk_handle_close(th);
    vk_handle_close(rr_ep_call);
    vk_handle_close(rr_ep);
}

/* ---- console_read: input taken from the console must reach the guest ---- */

static void test_console_read(void)
{
    uint32_t si = vr_start_handle(VK_ROLE_STDIN);
    char buf[16];
    memset(buf, 0, sizeof buf);
    expect("console_read into a read-only buffer",
           vk_console_read(si, (void *)rodata, 16, VK_DEADLINE_NEVER), -VK_EFAULT);
    expect("console_read into a hole", vk_console_read(si, (void *)hole, 16, VK_DEADLINE_NEVER),
           -VK_EFAULT);
    expect("the input is still there", vk_console_read(si, buf, sizeof buf, VK_DEADLINE_NEVER), 6);
    expect("all of it", !strcmp(buf, "input\n"), 1);
}

/* ---- handle arguments with high bits set ---- */

static void test_wide_handles(void)
{
    uint32_t so = vr_start_handle(VK_ROLE_STDOUT), si = vr_start_handle(VK_ROLE_STDIN);
    uint32_t h, ep, n, v, child;
    vk_handle_dup(so, VK_RIGHT_WRITE | VK_RIGHT_DUP, &h);
    vk_endpoint_create(&ep);
    vk_notify_create(&n);
    vk_vmo_create(4096, &v);
    expect("a child to point at", spawn_child("wide", 0, &child), 0);
    uint64_t out = 0;
    char buf[128];
    memset(buf, 0, sizeof buf);
    uint64_t b = (uint64_t)(uintptr_t)buf, o = (uint64_t)(uintptr_t)&out;

    expect("handle_close", raw(VK_NR_HANDLE_CLOSE, h | WIDE, 0, 0, 0, 0), -VK_EBADH);
    expect("handle_close, top bit", raw(VK_NR_HANDLE_CLOSE, h | 1ull << 63, 0, 0, 0, 0), -VK_EBADH);
    expect("handle_close, all high bits",
           raw(VK_NR_HANDLE_CLOSE, h | 0xffffffff00000000ull, 0, 0, 0, 0), -VK_EBADH);
    struct vk_handle_info hi;
    expect("the handle is still there", vk_handle_info(h, &hi), 0);
    expect("handle_dup", raw(VK_NR_HANDLE_DUP, h | WIDE, VK_RIGHT_WRITE, o, 0, 0), -VK_EBADH);
    expect("handle_mint", raw(VK_NR_HANDLE_MINT, ep | WIDE, VK_RIGHT_CALL, 5, o, 0), -VK_EBADH);
    expect("handle_info", raw(VK_NR_HANDLE_INFO, h | WIDE, b, 0, 0, 0), -VK_EBADH);
    expect("call", raw(VK_NR_CALL, ep | WIDE, b, 0, 0, 0), -VK_EBADH);
    expect("receive", raw(VK_NR_RECEIVE, ep | WIDE, b, 0, 0, 0), -VK_EBADH);
    expect("reply_receive", raw(VK_NR_REPLY_RECEIVE, 1, b, ep | WIDE, b, 0), -VK_EBADH);
    expect("notify_signal", raw(VK_NR_NOTIFY_SIGNAL, n | WIDE, 1, 0, 0, 0), -VK_EBADH);
    expect("and nothing was signalled", notified(n), 0);
    expect("notify_bind, notification", raw(VK_NR_NOTIFY_BIND, n | WIDE, ep, 0, 0, 0), -VK_EBADH);
    expect("notify_bind, endpoint", raw(VK_NR_NOTIFY_BIND, n, ep | WIDE, 0, 0, 0), -VK_EBADH);
    expect("vmo_map", raw(VK_NR_VMO_MAP, v | WIDE, VK_RIGHT_READ, o, 0, 0), -VK_EBADH);
    expect("process_info", raw(VK_NR_PROCESS_INFO, child | WIDE, b, 0, 0, 0), -VK_EBADH);
    expect("process_kill", raw(VK_NR_PROCESS_KILL, child | WIDE, 0, 0, 0, 0), -VK_EBADH);
    expect("console_write", raw(VK_NR_CONSOLE_WRITE, so | WIDE, b, 1, 0, 0), -VK_EBADH);
    expect("console_read", raw(VK_NR_CONSOLE_READ, si | WIDE, b, 1, 0, 0), -VK_EBADH);
    expect("no output was written", (long)out, 0);
    struct vk_wait w = {.handle = child, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(child, &pi);
    expect("the child was not killed", pi.exit_code, 7);
    vk_handle_close(child);
    vk_handle_close(v);
    vk_handle_close(n);
    vk_handle_close(ep);
    vk_handle_close(h);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "child")) {
        printf("kdecode-child ran: %s\n", argv[2]);
        return 7;
    }
    bootfs = vr_start_handle(VK_ROLE_BOOTFS);
    spawner = vr_start_handle(VK_ROLE_SPAWNER);
    hole = ((uintptr_t)&main & ~((64ul << 20) - 1)) + (32ul << 20);
    if (vr_bootfs_find("/test/kdecode", &img_off, &img_len)) {
        printf("FAIL /test/kdecode is not in the boot image\n");
        return 1;
    }
    test_outputs();
    test_reply_receive();
    test_console_read();
    test_wide_handles();
    return expect_summary("kdecode");
}
