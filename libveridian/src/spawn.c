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
 * system() and popen() run their command with the shell, /bin/sh (else /bin/vsh), as
 * "sh -c command"; without one in the image system(NULL) is 0 and popen fails with ENOENT.
 */
#include "libc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* ---- system, popen: through the shell, /bin/sh (or /bin/vsh) from the boot image ---- */

static const char *shell_path(void)
{
    uint64_t off, size;
    if (vr_bootfs_find("/bin/sh", &off, &size) == 0)
        return "/bin/sh";
    if (vr_bootfs_find("/bin/vsh", &off, &size) == 0)
        return "/bin/vsh";
    return NULL;
}

/* POSIX's system: SIGCHLD blocked and SIGINT/SIGQUIT ignored while the command runs; the
 * child starts with the caller's mask and with SIGINT/SIGQUIT at their defaults. */
int system(const char *command)
{
    const char *sh = shell_path();
    if (!command)
        return sh != NULL;
    if (!sh)
        return 127 << 8; /* as if the shell could not run: "exit 127" */
    struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
    sigset_t chld, omask;
    sigemptyset(&ign.sa_mask);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &omask);
    sigaction(SIGINT, &ign, &oint);
    sigaction(SIGQUIT, &ign, &oquit);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t def;
    sigemptyset(&def);
    if (oint.sa_handler != SIG_IGN)
        sigaddset(&def, SIGINT);
    if (oquit.sa_handler != SIG_IGN)
        sigaddset(&def, SIGQUIT);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &omask);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
    pid_t pid;
    int st = -1, err = posix_spawn(&pid, sh, NULL, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    if (!err) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    sigaction(SIGINT, &oint, NULL);
    sigaction(SIGQUIT, &oquit, NULL);
    sigprocmask(SIG_SETMASK, &omask, NULL);
    if (err) {
        errno = err;
        return -1;
    }
    return st;
}

/* popen's children, by stream: pclose waits for the one its stream belongs to. */
static struct vr_lock popen_lock = VR_LOCK_INIT;
static struct popen_child {
    FILE *f;
    pid_t pid;
} popen_children[64];

FILE *popen(const char *command, const char *mode)
{
    const char *sh = shell_path();
    int rd = mode && mode[0] == 'r', p[2];
    if (!mode || (mode[0] != 'r' && mode[0] != 'w') || (mode[1] && strcmp(mode + 1, "e"))) {
        errno = EINVAL;
        return NULL;
    }
    if (!sh) {
        errno = ENOENT;
        return NULL;
    }
    if (pipe2(p, O_CLOEXEC) < 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[rd ? 1 : 0], rd ? 1 : 0);
    char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, sh, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[rd ? 1 : 0]);
    FILE *f = err ? NULL : fdopen(p[rd ? 0 : 1], rd ? "r" : "w");
    if (!f) {
        close(p[rd ? 0 : 1]);
        if (!err) {
            waitpid(pid, NULL, 0);
            err = ENOMEM;
        }
        errno = err;
        return NULL;
    }
    vr_lock_acquire(&popen_lock);
    for (size_t i = 0; i < sizeof popen_children / sizeof popen_children[0]; i++) {
        if (!popen_children[i].f) {
            popen_children[i] = (struct popen_child){f, pid};
            vr_lock_release(&popen_lock);
            return f;
        }
    }
    vr_lock_release(&popen_lock);
    fclose(f);
    waitpid(pid, NULL, 0);
    errno = EMFILE;
    return NULL;
}

int pclose(FILE *f)
{
    pid_t pid = -1;
    vr_lock_acquire(&popen_lock);
    for (size_t i = 0; i < sizeof popen_children / sizeof popen_children[0]; i++) {
        if (f && popen_children[i].f == f) {
            pid = popen_children[i].pid;
            popen_children[i].f = NULL;
        }
    }
    vr_lock_release(&popen_lock);
    if (pid < 0) {
        errno = ECHILD; /* not a stream of popen's */
        return -1;
    }
    fclose(f);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return st;
}
