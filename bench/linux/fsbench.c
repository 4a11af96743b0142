/* Linux reference for fsbench: the same calls on tmpfs (/dev/shm). Prints ns per call.
 * Usage: fsbench OP N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *op = argc > 1 ? argv[1] : "open";
    long n = argc > 2 ? atol(argv[2]) : 100000;
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/fsbench.%d", (int)getpid());
    static char buf[4096];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
        return 1;
    struct stat st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        if (!strcmp(op, "open")) {
            int f = open(path, O_RDONLY);
            if (f < 0 || close(f))
                return 1;
        } else if (!strcmp(op, "stat")) {
            if (stat(path, &st))
                return 1;
        } else if (pread(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) {
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    unlink(path);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
    return 0;
}
