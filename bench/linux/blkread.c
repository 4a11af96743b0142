/* Linux reference for blkbench: N pread(2)s of 4 KiB at the same seeded offsets of the same
 * image file (build/machines/blk.img; the page cache holds it after the first pass, as the
 * simulated device holds its image in host memory). Prints ns per read.
 * Usage: blkread IMAGE N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../guest/blkbench_offsets.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    long n = atol(argv[2]);
    static char buf[BLKBENCH_IO];
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)BLKBENCH_IO || n < 1)
        return 1;
    uint64_t state = BLKBENCH_SEED, blocks = (uint64_t)st.st_size / BLKBENCH_IO;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        off_t off = (off_t)blkbench_next(&state, blocks);
        if (pread(fd, buf, sizeof buf, off) != (ssize_t)sizeof buf)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
    return 0;
}
