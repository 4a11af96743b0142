/*
 * free [-k|-b]: memory in use, from /proc/meminfo: the bytes of all memory objects (process
 * images, stacks, heaps, shared buffers) and those of tmpfs files. The simulated machine has
 * no fixed total (memory comes from the host's arena up to the quotas), so total and free
 * are shown as "-". Units KiB (default, -k) or bytes (-b). Exit 0; 1 when /proc/meminfo
 * cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static unsigned long long field(const char *text, const char *name)
{
    const char *p = strstr(text, name);
    return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int bytes = 0, c;
    while ((c = getopt(argc, argv, "kbh")) != -1) {
        if (c == 'b')
            bytes = 1;
        else if (c == 'k')
            bytes = 0;
        else if (c == '?')
            util_usage(1, "[-k|-b]");
    }
    FILE *f = fopen("/proc/meminfo", "r");
    char text[1024];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (!f)
        util_die(1, "/proc/meminfo: %s", strerror(errno));
    fclose(f);
    text[n] = 0;
    unsigned long long mem = field(text, "MemObjects:"), tmpfs = field(text, "TmpfsPages:");
    unsigned long long mul = bytes ? 1024 : 1;
    printf("%-7s %12s %12s %12s\n", "", "total", "used", "free");
    printf("%-7s %12s %12llu %12s\n", "Mem:", "-", mem * mul, "-");
    printf("%-7s %12s %12llu %12s\n", "Tmpfs:", "-", tmpfs * mul, "-");
    printf("Processes: %llu, kernel objects: %llu, handles: %llu\n", field(text, "Processes:"),
           field(text, "KernelObjects:"), field(text, "Handles:"));
    return fflush(stdout) ? 1 : 0;
}
