/* blkbench N: N pread(2)s of 4 KiB at seeded random 4 KiB-aligned offsets of /dev/vda (through
 * vfs and drivers/virtio-blk; the offsets as bench/linux/blkread.c draws them). Waits up to 1 s
 * of virtual time for devmgr to publish /dev/vda. Exit status 1 on any failed or short read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "blkbench_offsets.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    static char buf[BLKBENCH_IO];
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        fd = open("/dev/vda", O_RDONLY);
        if (fd < 0) {
            struct timespec ts = {0, 10000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (fd < 0) {
        fprintf(stderr, "blkbench: /dev/vda never appeared\n");
        return 1;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < (off_t)BLKBENCH_IO)
        return 1;
    uint64_t state = BLKBENCH_SEED, blocks = (uint64_t)size / BLKBENCH_IO;
    for (long i = 0; i < n; i++) {
        off_t off = (off_t)blkbench_next(&state, blocks);
        if (pread(fd, buf, sizeof buf, off) != (ssize_t)sizeof buf) {
            fprintf(stderr, "blkbench: pread at %lld failed\n", (long long)off);
            return 1;
        }
    }
    return 0;
}
