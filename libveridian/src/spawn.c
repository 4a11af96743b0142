/*
 * posix_spawn and posix_spawnp: the one way to start a program (no fork).
 *
 * The image: a path in the boot image (vr_bootfs_find); posix_spawnp tries each PATH entry
 * (glibc's default "/bin:/usr/bin" when PATH is unset) and spawns the first that exists. A
 * missing program is ENOENT, returned (never through errno, as POSIX says).
 *
 * The child's fds: a copy of our fd table on which the file actions run, in order: open
 * (done here with O_CLOEXEC, the result put at the action's fd; our own fd is closed after
 * the spawn), close (of a closed fd: ignored, as glibc), dup2 (to itself: clears
 * FD_CLOEXEC), chdir (addchdir_np: the directory is opened here, later opens are relative
 * to it, and it travels as VK_ROLE_CWD; the child's start-up changes to it). Then every FD_CLOEXEC
 * fd is dropped, and what is left travels as start handles: fds 0-2 with the standard roles, fd n
 * >= 3 with role VR_ROLE_FD(n), which the child's start-up (fd.c) turns back into the same fds. The
 * kernel takes at most VK_SPAWN_MAX_HANDLES start handles: more open fds fail with E2BIG (an open
 * fd is never dropped silently). A failing action fails the spawn with its errno.
 *
 * Attributes: SETPGROUP, SETSIGMASK and SETSIGDEF are the kernel's (vk_spawn's job-control
 * fields: the child starts that way); SETSID, RESETIDS and the scheduler flags are accepted
 * and stored, not enforced (no sessions on spawn, one uid per process, one scheduler class).
 * Unknown flags are EINVAL.
 *
 * The child is recorded for waitpid (wait.c); its pid is the kernel's.
 *
 * system() and popen() need a shell and there is none yet: system(NULL) says so (0),
 * system(cmd) and popen fail with ENOSYS.
 */
#include "libc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FA_OPEN, FA_CLOSE, FA_DUP2, FA_CHDIR };

struct __spawn_action {
    int kind;
    int fd, newfd;
    int oflag;
    mode_t mode;
    char *path;
};

#define SPAWN_FLAGS_ALL                                                                            \
    (POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |                        \
     POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER |               \
     POSIX_SPAWN_USEVFORK | POSIX_SPAWN_SETSID)

/* ---- file actions ---- */

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
    memset(fa, 0, sizeof *fa);
    return 0;
}

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
    for (int i = 0; i < fa->__used; i++)
        free(fa->__actions[i].path);
    free(fa->__actions);
    memset(fa, 0, sizeof *fa);
    return 0;
}

static int fa_add(posix_spawn_file_actions_t *fa, const struct __spawn_action *a)
{
    if (a->fd < 0 || a->fd >= VR_FD_MAX || a->newfd < 0 || a->newfd >= VR_FD_MAX)
        return EBADF;
    if (fa->__used == fa->__allocated) {
        int cap = fa->__allocated ? fa->__allocated * 2 : 8;
        struct __spawn_action *n = realloc(fa->__actions, (size_t)cap * sizeof *n);
        if (!n)
            return ENOMEM;
        fa->__actions = n;
        fa->__allocated = cap;
    }
    fa->__actions[fa->__used++] = *a;
    return 0;
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *restrict fa, int fd,
                                     const char *restrict path, int oflag, mode_t mode)
{
    struct __spawn_action a = {FA_OPEN, fd, fd, oflag, mode, NULL};

    if (fd < 0 || fd >= VR_FD_MAX)
        return EBADF;
    if (!(a.path = strdup(path)))
        return ENOMEM;
    int rc = fa_add(fa, &a);
    if (rc)
        free(a.path);
    return rc;
}

int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
    return fa_add(fa, &(struct __spawn_action){FA_CLOSE, fd, fd, 0, 0, NULL});
}

int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
    return fa_add(fa, &(struct __spawn_action){FA_DUP2, fd, newfd, 0, 0, NULL});
}

int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *restrict fa,
                                         const char *restrict path)
{
    struct __spawn_action a = {FA_CHDIR, 0, 0, 0, 0, NULL};

    if (!(a.path = strdup(path)))
        return ENOMEM;
    int rc = fa_add(fa, &a);
    if (rc)
        free(a.path);
    return rc;
}

/* ---- attributes ---- */

int posix_spawnattr_init(posix_spawnattr_t *attr)
{
    memset(attr, 0, sizeof *attr);
    return 0;
}

int posix_spawnattr_destroy(posix_spawnattr_t *attr)
{
    (void)attr;
    return 0;
}

int posix_spawnattr_getflags(const posix_spawnattr_t *restrict attr, short *restrict flags)
{
    *flags = attr->__flags;
    return 0;
}

int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)
{
    if (flags & ~SPAWN_FLAGS_ALL)
        return EINVAL;
    attr->__flags = flags;
    return 0;
}

int posix_spawnattr_getpgroup(const posix_spawnattr_t *restrict attr, pid_t *restrict pgroup)
{
    *pgroup = attr->__pgrp;
    return 0;
}

int posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup)
{
    attr->__pgrp = pgroup;
    return 0;
}

int posix_spawnattr_getsigmask(const posix_spawnattr_t *restrict attr, sigset_t *restrict sigmask)
{
    *sigmask = attr->__ss;
    return 0;
}

int posix_spawnattr_setsigmask(posix_spawnattr_t *restrict attr, const sigset_t *restrict sigmask)
{
    attr->__ss = *sigmask;
    return 0;
}

int posix_spawnattr_getsigdefault(const posix_spawnattr_t *restrict attr,
                                  sigset_t *restrict sigdefault)
{
    *sigdefault = attr->__sd;
    return 0;
}

int posix_spawnattr_setsigdefault(posix_spawnattr_t *restrict attr,
                                  const sigset_t *restrict sigdefault)
{
    attr->__sd = *sigdefault;
    return 0;
}

/* ---- spawning ---- */

struct spawn_state {
    struct vr_fd fds[VR_FD_MAX]; /* the child's table */
    int opened[VR_FD_MAX];       /* our fds opened by FA_OPEN, closed after the spawn */
    int nopened;
    int cwd; /* the child's cwd: AT_FDCWD, or our fd of the last FA_CHDIR's directory */
};

/* Run the file actions on st->fds: 0 or a positive errno. */
static int run_actions(struct spawn_state *st, const posix_spawn_file_actions_t *fa)
{
    for (int i = 0; fa && i < fa->__used; i++) {
        const struct __spawn_action *a = &fa->__actions[i];
        switch (a->kind) {
        case FA_OPEN: {
            if (st->nopened == VR_FD_MAX)
                return EMFILE;
            int fd = openat(st->cwd, a->path, a->oflag | O_CLOEXEC, a->mode);
            if (fd < 0)
                return errno;
            st->opened[st->nopened++] = fd;
            struct vr_fd e;
            if (vr_fd_get(fd, &e) < 0)
                return EBADF;
            e.fdflags = (a->oflag & O_CLOEXEC) ? VR_FD_CLOEXEC : 0;
            st->fds[a->fd] = e;
            break;
        }
        case FA_CLOSE:
            st->fds[a->fd] = (struct vr_fd){0};
            break;
        case FA_DUP2:
            if (!st->fds[a->fd].ops)
                return EBADF;
            st->fds[a->newfd] = st->fds[a->fd];
            st->fds[a->newfd].fdflags = 0;
            break;
        case FA_CHDIR: {
            if (st->nopened == VR_FD_MAX)
                return EMFILE;
            int fd = openat(st->cwd, a->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0)
                return errno;
            st->opened[st->nopened++] = fd;
            st->cwd = fd;
            break;
        }
        default:
            return EINVAL;
        }
    }
    return 0;
}

static int do_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    static const uint32_t std_roles[3] = {VK_ROLE_STDIN, VK_ROLE_STDOUT, VK_ROLE_STDERR};
    static const char *const no_env[] = {NULL};
    struct vk_start_handle hs[VK_SPAWN_MAX_HANDLES];
    uint64_t off, size, bits;
    uint32_t notify, proc;
    size_t n = 0;
    int err = 0;
    long rc;

    if (attr && (attr->__flags & ~SPAWN_FLAGS_ALL))
        return EINVAL;
    struct spawn_state *st = calloc(1, sizeof *st);
    if (!st)
        return ENOMEM;
    st->cwd = AT_FDCWD;
    for (int fd = 0; fd < VR_FD_MAX; fd++)
        vr_fd_get(fd, &st->fds[fd]);
    /* the actions first, as glibc's child runs them before exec: their errors come first */
    if ((err = run_actions(st, fa)))
        goto out;
    if ((rc = vr_bootfs_find(path, &off, &size)) < 0) {
        err = rc == -VK_ENOENT ? ENOENT : (int)-rc;
        goto out;
    }
    for (int fd = 0; fd < VR_FD_MAX; fd++) {
        if (!st->fds[fd].ops || (st->fds[fd].fdflags & VR_FD_CLOEXEC))
            continue;
        if (n == VK_SPAWN_MAX_HANDLES) {
            err = E2BIG;
            goto out;
        }
        hs[n++] =
            (struct vk_start_handle){st->fds[fd].handle, fd < 3 ? std_roles[fd] : VR_ROLE_FD(fd)};
    }
    if (st->cwd != AT_FDCWD) {
        struct vr_fd e;
        if (n == VK_SPAWN_MAX_HANDLES) {
            err = E2BIG;
            goto out;
        }
        if (vr_fd_get(st->cwd, &e) < 0) {
            err = EBADF;
            goto out;
        }
        hs[n++] = (struct vk_start_handle){e.handle, VK_ROLE_CWD};
    }
    if ((rc = vr_child_notify(&notify, &bits)) < 0) {
        err = (int)-rc;
        goto out;
    }
    struct vr_spawn_job job = {0, 0, 0, 0};
    if (attr && (attr->__flags & POSIX_SPAWN_SETPGROUP)) {
        if (attr->__pgrp < 0) {
            err = EINVAL;
            goto out;
        }
        job.flags |= VK_SPAWN_PGID;
        job.pgid = (uint32_t)attr->__pgrp;
    }
    if (attr && (attr->__flags & POSIX_SPAWN_SETSIGMASK)) {
        job.flags |= VK_SPAWN_SIGMASK;
        job.sigmask = (uint64_t)attr->__ss.__val[0];
    }
    if (attr && (attr->__flags & POSIX_SPAWN_SETSIGDEF)) {
        job.flags |= VK_SPAWN_SIGDEF;
        job.sigdefault = (uint64_t)attr->__sd.__val[0];
    }
    rc = vr_spawn_image_flags(path, (const char *const *)argv,
                              envp ? (const char *const *)envp : no_env, hs, n, notify, bits,
                              VR_SPAWN_OWN_FDS, &job, &proc);
    if (rc < 0) {
        err = (int)-rc;
        goto out;
    }
    rc = vr_child_add(proc, bits);
    if (rc < 0) {
        err = (int)-rc;
        goto out;
    }
    if (pid)
        *pid = (pid_t)rc;
out:
    for (int i = 0; i < st->nopened; i++)
        close(st->opened[i]);
    free(st);
    return err;
}

int posix_spawn(pid_t *restrict pid, const char *restrict path,
                const posix_spawn_file_actions_t *file_actions,
                const posix_spawnattr_t *restrict attrp, char *const argv[restrict],
                char *const envp[restrict])
{
    return do_spawn(pid, path, file_actions, attrp, argv, envp);
}

int vr_path_find(const char *file, char *buf, size_t cap)
{
    if (!file || !*file)
        return ENOENT;
    if (strchr(file, '/')) {
        if (strlen(file) >= cap)
            return ENAMETOOLONG;
        memcpy(buf, file, strlen(file) + 1);
        return 0;
    }
    const char *p = getenv("PATH");
    if (!p)
        p = "/bin:/usr/bin";
    size_t flen = strlen(file);
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        uint64_t off, size;
        if (dlen && dlen + 1 + flen < cap) { /* an empty entry (the cwd): not searched */
            memcpy(buf, p, dlen);
            buf[dlen] = '/';
            memcpy(buf + dlen + 1, file, flen + 1);
            if (vr_bootfs_find(buf, &off, &size) == 0)
                return 0;
        }
        if (!end)
            return ENOENT;
        p = end + 1;
    }
}

int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                 const posix_spawn_file_actions_t *file_actions,
                 const posix_spawnattr_t *restrict attrp, char *const argv[restrict],
                 char *const envp[restrict])
{
    char buf[4096];
    int err = vr_path_find(file, buf, sizeof buf);
    return err ? err : do_spawn(pid, buf, file_actions, attrp, argv, envp);
}

/* ---- system, popen: they need /bin/sh, which does not exist yet ---- */

int system(const char *command)
{
    if (!command)
        return 0; /* no shell */
    errno = ENOSYS;
    return -1;
}

FILE *popen(const char *command, const char *mode)
{
    (void)command, (void)mode;
    errno = ENOSYS;
    return NULL;
}

int pclose(FILE *f)
{
    (void)f;
    errno = ECHILD; /* never a stream of popen's */
    return -1;
}
