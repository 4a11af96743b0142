/*
 * sandbox_host: fsops_enter_root for fsops_host, the Linux half of the differential test.
 *
 * Creates ROOTDIR (which must not exist), gives it to nobody (65534:65534), chroots into it
 * and drops to nobody, so that absolute paths and ".." at the top behave as on a real root
 * and permission checks apply (root would bypass them). Needs to start as root (CI does);
 * otherwise it reports -2 and the test is skipped. Linux-only calls live here so that
 * fsops.c stays strictly POSIX.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOBODY 65534

int fsops_enter_root(const char *dir);

int fsops_enter_root(const char *dir)
{
    if (geteuid() != 0) {
        fprintf(stderr, "fsops_host: must start as root to chroot and drop to uid %d\n", NOBODY);
        return -2;
    }
    if (mkdir(dir, 0755) < 0 || chown(dir, NOBODY, NOBODY) < 0 || chroot(dir) < 0 ||
        chdir("/") < 0 || setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
        return -1;
    if (setuid(0) == 0) { /* the drop must be irreversible */
        errno = EPERM;
        return -1;
    }
    return 0;
}
