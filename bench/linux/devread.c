/* Linux references for a driver's register access from user space. Usage:
 *   devread config N   ns per 4-byte pread of a PCI function's configuration space through
 *                      sysfs (the first function under /sys/bus/pci/devices): how a Linux
 *                      process reads device registers without mapping a BAR; prints "nan"
 *                      when the host has no PCI in sysfs (containers)
 *   devread syscall N  ns per getppid(): the bare cost of one kernel crossing
 *   devread copy N     ns per 4 KiB pread from /dev/zero: a kernel-mediated 4 KiB transfer,
 *                      beside a device's 4 KiB DMA */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int first_config(void)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    if (!d)
        return -1;
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && (!best[0] || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    closedir(d);
    if (!best[0])
        return -1;
    char path[512];
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/config", best);
    return open(path, O_RDONLY);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "syscall";
    long n = argc > 2 ? atol(argv[2]) : 100000;
    int fd = -1;
    static char buf[4096];
    if (!strcmp(what, "config") && (fd = first_config()) < 0) {
        printf("nan\n");
        return 0;
    }
    if (!strcmp(what, "copy") && (fd = open("/dev/zero", O_RDONLY)) < 0) {
        perror("devread: /dev/zero");
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        if (!strcmp(what, "config"))
            (void)!pread(fd, buf, 4, 0);
        else if (!strcmp(what, "copy"))
            (void)!pread(fd, buf, sizeof buf, 0);
        else
            syscall(SYS_getppid);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%.1f\n", ns / (double)n);
    return 0;
}
