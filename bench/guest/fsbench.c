/* fsbench OP N: N times open+close, stat, or a 4 KiB read of one file (in /tmp). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *op = argc > 1 ? argv[1] : "open";
    long n = argc > 2 ? atol(argv[2]) : 1000;
    static char buf[4096];
    int fd = open("/tmp/fsbench", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
        return 1;
    struct stat st;
    for (long i = 0; i < n; i++) {
        if (!strcmp(op, "open")) {
            int f = open("/tmp/fsbench", O_RDONLY);
            if (f < 0 || close(f))
                return 1;
        } else if (!strcmp(op, "stat")) {
            if (stat("/tmp/fsbench", &st))
                return 1;
        } else if (pread(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) {
            return 1;
        }
    }
    return 0;
}
