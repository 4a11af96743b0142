/*
 * privtest MODE: least privilege among services (tests/integration/init/privilege.sh).
 *   operator  (CAP_SVC_CONTROL) writes /tmp/op-file, restarts service "victim", is ready
 *   mallory   (no capabilities) tries what it must not: stop vfs, restart victim, publish
 *             /proc/services, setuid(0), overwrite the operator's file; then is ready
 *   dropper   (user root) drops its effective uid to 1000 and back (saved uid 0), then
 *             drops for good
 *   sharer    (CAP_SPAWN, CAP_SETUID) opens /tmp/shared, passes the handle to a child that
 *             becomes another uid and tries to fchmod it; then chmods it itself
 *   child     (spawned by sharer) the handle is start handle VK_ROLE_USER + 1
 *   check     (the console program) vfs still serves, the files and /proc/services are
 *             intact, and the console program itself is refused too
 * Each prints "ok   MODE: what" or "FAIL ..." lines (expect.h); services then signal
 * readiness and run; check and child exit with their failure count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/init.h"
#include "veridian/vfs_proto.h"
#include "veridian/vk.h"
#include "expect.h"

static const char *mode;

static void check(const char *what, long got, long want)
{
    char line[128];
    snprintf(line, sizeof line, "%s: %s", mode, what);
    expect(line, got, want);
}

static long init_call(uint32_t op, const char *name, struct vk_init_status *st)
{
    return vr_request(vr_start_handle(VK_ROLE_INIT), op, name, strlen(name), st,
                      st ? sizeof *st : 0, 0, 0, NULL);
}

static uint32_t init_state(const char *name)
{
    struct vk_init_status st;
    return init_call(VK_INIT_STATUS, name, &st) < 0 ? 0 : st.state;
}

static long publish(const char *name, const char *text)
{
    char buf[256];
    size_t n = strlen(name) + 1, t = strlen(text);
    memcpy(buf, name, n);
    memcpy(buf + n, text, t);
    return vr_request(vr_start_handle(VK_ROLE_NSROOT), VFS_OP_PUBLISH, buf, n + t, NULL, 0, 0, 0,
                      NULL);
}

static long read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return n;
}

static long err(long rc)
{
    return rc < 0 ? -errno : rc;
}

static _Noreturn void serve(void)
{
    fflush(stdout);
    vr_service_ready();
    for (;;)
        vk_wait_many(NULL, 0, VK_DEADLINE_NEVER);
}

static void operator(void)
{
    int fd = open("/tmp/op-file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check("create /tmp/op-file", fd >= 0, 1);
    check("write it", write(fd, "operator", 8), 8);
    close(fd);
    struct vk_init_status st;
    init_call(VK_INIT_STATUS, "victim", &st);
    uint32_t pid = st.pid;
    check("restart victim (CAP_SVC_CONTROL)", init_call(VK_INIT_RESTART, "victim", NULL), 0);
    init_call(VK_INIT_STATUS, "victim", &st);
    check("victim runs again, as a new process", st.pid != pid && st.pid != 0, 1);
}

static void mallory(void)
{
    check("stop vfs", init_call(VK_INIT_STOP, "vfs", NULL), -VK_EPERM);
    check("restart victim", init_call(VK_INIT_RESTART, "victim", NULL), -VK_EPERM);
    check("start victim", init_call(VK_INIT_START, "victim", NULL), -VK_EPERM);
    check("status is open to all", init_state("vfs"), VK_SVC_RUNNING);
    check("publish /proc/services", publish("services", "vfs stopped\n"), -VK_EPERM);
    check("publish a new /proc entry", publish("mallory", "x"), -VK_EPERM);
    char pid[16];
    snprintf(pid, sizeof pid, "%u", (unsigned)getpid());
    check("publish over its own /proc/<pid>", publish(pid, "x"), -VK_EPERM);
    check("uid is its own", getuid() >= 60000 && getuid() == geteuid(), 1);
    check("setuid(0)", err(setuid(0)), -EPERM);
    check("seteuid(0)", err(seteuid(0)), -EPERM);
    check("setgid(0)", err(setgid(0)), -EPERM);
    check("setuid(own uid)", setuid(getuid()), 0);
    check("overwrite the operator's file", err(open("/tmp/op-file", O_WRONLY | O_TRUNC)), -EACCES);
    check("remove it (sticky /tmp)", err(unlink("/tmp/op-file")), -EPERM);
    check("chmod it", err(chmod("/tmp/op-file", 0666)), -EPERM);
    check("vfs still answers", access("/etc/motd", R_OK), 0);
}

static void dropper(void)
{
    check("starts as root", getuid() == 0 && geteuid() == 0, 1);
    check("seteuid(1000)", seteuid(1000), 0);
    check("effective 1000, real 0", geteuid() == 1000 && getuid() == 0, 1);
    check("mkdir in / as 1000", err(mkdir("/dropped", 0755)), -EACCES);
    check("seteuid(0): back to the saved uid", seteuid(0), 0);
    check("mkdir in / as root again", mkdir("/dropped", 0755), 0);
    check("setuid(1000) for good", setuid(1000), 0);
    check("all of them 1000", getuid() == 1000 && geteuid() == 1000, 1);
    check("no way back", err(seteuid(0)), -EPERM);
}

static void sharer(void)
{
    uint32_t ns = vr_start_handle(VK_ROLE_NSROOT), f = 0;
    struct vk_msg m;
    long rc = vr_request(ns, VFS_OP_OPEN, "/tmp/shared", 11, NULL, 0, O_RDWR | O_CREAT, 0644, &m);
    check("create /tmp/shared", rc >= 0 && VK_MSG_NHANDLES(m.flags) == 1, 1);
    f = m.handles[0];
    uint32_t dup = 0, proc = 0;
    vk_handle_dup(f, VK_RIGHT_CALL | VK_RIGHT_TRANSFER, &dup);
    struct vk_start_handle extra = {dup, (VK_ROLE_USER + 1) | VK_START_MOVE};
    const char *argv[] = {"/test/privtest", "child", NULL};
    check("spawn the child", vr_spawn_image("/test/privtest", argv, NULL, &extra, 1, &proc), 0);
    struct vk_wait w = {.handle = proc, .mask = VK_SIG_EXITED};
    vk_wait_many(&w, 1, VK_DEADLINE_NEVER);
    struct vk_proc_info pi;
    vk_process_info(proc, &pi);
    check("the child's checks passed", pi.exit_code, 0);
    check("the owner fchmods its file",
          vr_request(f, VFS_OP_FCHMOD, NULL, 0, NULL, 0, 0600, 0, NULL), 0);
    struct stat st;
    check("mode is 0600", stat("/tmp/shared", &st) == 0 && (st.st_mode & 0777) == 0600, 1);
}

static int child(void)
{
    uint32_t f = vr_start_handle(VK_ROLE_USER + 1);
    check("got the handle", f != 0, 1);
    check("setuid(60100) with CAP_SETUID", setuid(60100), 0);
    check("now 60100", getuid() == 60100 && geteuid() == 60100, 1);
    check("fchmod a file another uid opened",
          vr_request(f, VFS_OP_FCHMOD, NULL, 0, NULL, 0, 0666, 0, NULL), -VK_EPERM);
    struct stat st;
    check("mode unchanged", stat("/tmp/shared", &st) == 0 && (st.st_mode & 0777) == 0644, 1);
    check("the handle still writes", vr_request(f, VFS_OP_WRITE, "x", 1, NULL, 0, 0, 0, NULL), 1);
    return failures;
}

static int console_check(void)
{
    char buf[2048];
    check("uid 1000 by default", getuid() == 1000 && geteuid() == 1000, 1);
    check("stop vfs", init_call(VK_INIT_STOP, "vfs", NULL), -VK_EPERM);
    check("vfs running", init_state("vfs"), VK_SVC_RUNNING);
    check("victim running", init_state("victim"), VK_SVC_RUNNING);
    check("read /tmp/op-file", read_file("/tmp/op-file", buf, sizeof buf), 8);
    check("operator's words intact", strcmp(buf, "operator"), 0);
    check("read /proc/services", read_file("/proc/services", buf, sizeof buf) > 0, 1);
    check("init's /proc/services intact", strstr(buf, "vfs              running") != NULL, 1);
    check("publish /proc/services", publish("services", "x"), -VK_EPERM);
    struct stat st;
    check("/proc/services belongs to root", stat("/proc/services", &st) == 0 && st.st_uid == 0, 1);
    check("/dropped exists", stat("/dropped", &st) == 0 && st.st_uid == 0, 1);
    return expect_summary("privtest");
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "check";
    if (!strcmp(mode, "operator"))
        operator();
    else if (!strcmp(mode, "mallory"))
        mallory();
    else if (!strcmp(mode, "dropper"))
        dropper();
    else if (!strcmp(mode, "sharer"))
        sharer();
    else if (!strcmp(mode, "child"))
        return child();
    else
        return console_check();
    serve();
}
