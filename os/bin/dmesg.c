/*
 * dmesg: the kernel log, as /proc/kmsg shows it: one line per event, "[seconds] event", for
 * process starts, exits and crashes and the service events init writes (the kernel keeps the
 * last VK_KLOG_RECORDS, os/kernel/klog.c). Exit 0; 1 when /proc/kmsg cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int c;
    while ((c = getopt(argc, argv, "")) != -1)
        util_usage(1, "");
    if (optind < argc)
        util_usage(1, "");
    int fd = open("/proc/kmsg", O_RDONLY);
    if (fd < 0 || util_copy_fd(fd, 1)) {
        util_warn("read kernel buffer failed: %s", strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}
