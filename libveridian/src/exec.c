/*
 * The exec family: execve, execv, execvp, execvpe, execl, execlp, execle. The kernel replaces
 * the process's image in place (process_exec: same pid, parent, group, session; see
 * veridian/kcall.h "exec"). What the new image starts with is what a spawned child gets,
 * minus nothing it had: every fd without FD_CLOEXEC (fds 0-2 with their standard roles, fd
 * n >= 3 as VR_ROLE_FD(n)), the vfs session (so the cwd and credentials carry over), and the
 * start handles this program was given for roles it cannot have made itself (boot image,
 * spawner, console, init's endpoints...). Every other handle is closed by the kernel. Only
 * images in the boot archive can be run, as for posix_spawn. On failure exec returns -1 with
 * errno and the caller is unchanged.
 */
#include "libc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_fd_role(uint32_t role)
{
    return role == VK_ROLE_STDIN || role == VK_ROLE_STDOUT || role == VK_ROLE_STDERR ||
           role == VK_ROLE_CWD || role == VK_ROLE_NSROOT || role >= VR_ROLE_FD_BASE;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    static const uint32_t std_roles[3] = {VK_ROLE_STDIN, VK_ROLE_STDOUT, VK_ROLE_STDERR};
    static const char *const no_env[] = {NULL};
    struct vk_start_handle hs[VK_SPAWN_MAX_HANDLES];
    size_t n = 0, nstart;
    uint64_t off, size;
    long rc = vr_bootfs_find(path, &off, &size);
    if (rc < 0)
        return (int)vr_posix(rc == -VK_ENOENT ? -VK_ENOENT : rc);
    for (int fd = 0; fd < VR_FD_MAX; fd++) {
        struct vr_fd e;
        if (vr_fd_get(fd, &e) < 0 || (e.fdflags & VR_FD_CLOEXEC))
            continue;
        if (n == VK_SPAWN_MAX_HANDLES)
            return (int)vr_posix(-VK_E2BIG);
        hs[n++] = (struct vk_start_handle){e.handle, fd < 3 ? std_roles[fd] : VR_ROLE_FD(fd)};
    }
    if (vr_vfs_session() && n < VK_SPAWN_MAX_HANDLES)
        hs[n++] = (struct vk_start_handle){vr_vfs_session(), VK_ROLE_NSROOT};
    const struct vk_start_handle *start = vr_start_handles(&nstart);
    for (size_t i = 0; i < nstart; i++) {
        struct vk_handle_info hi;
        uint32_t role = start[i].role & ~VK_START_MOVE;
        if (is_fd_role(role) || vk_handle_info(start[i].handle, &hi) < 0)
            continue; /* the fds are above; a start handle it closed is gone */
        if (n == VK_SPAWN_MAX_HANDLES)
            return (int)vr_posix(-VK_E2BIG);
        hs[n++] = (struct vk_start_handle){start[i].handle, role};
    }
    struct vk_spawn s = {
        .spawner = vr_start_handle(VK_ROLE_SPAWNER),
        .image = vr_start_handle(VK_ROLE_BOOTFS),
        .image_off = off,
        .image_len = size,
        .name = (uint64_t)(uintptr_t)path,
        .argv = (uint64_t)(uintptr_t)argv,
        .envp = (uint64_t)(uintptr_t)(envp ? envp : (char *const *)no_env),
        .handles = (uint64_t)(uintptr_t)hs,
        .nhandles = (uint32_t)n,
    };
    return (int)vr_posix(vk__kcall(VK_NR_PROCESS_EXEC, (long)&s, 0, 0, 0, 0));
}

int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
    char buf[4096];
    int err = vr_path_find(file, buf, sizeof buf);
    if (err) {
        errno = err;
        return -1;
    }
    return execve(buf, argv, envp);
}

int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

/* The l forms: the arguments up to the NULL (and for execle the environment after it). */
static int exec_list(const char *file, const char *arg0, va_list ap, int kind)
{
    size_t n = 1;
    va_list count;
    va_copy(count, ap);
    while (va_arg(count, const char *))
        n++;
    va_end(count);
    char **argv = malloc((n + 1) * sizeof *argv);
    if (!argv)
        return (int)vr_posix(-VK_ENOMEM);
    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *);
    char *const *envp = kind == 'e' ? va_arg(ap, char *const *) : environ;
    int rc = kind == 'p' ? execvp(file, argv) : execve(file, argv, envp);
    free(argv);
    return rc;
}

int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(path, arg, ap, 0);
    va_end(ap);
    return rc;
}

int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(file, arg, ap, 'p');
    va_end(ap);
    return rc;
}

int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(path, arg, ap, 'e');
    va_end(ap);
    return rc;
}
