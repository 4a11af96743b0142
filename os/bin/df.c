/*
 * df [-k] [DIR...]: the mounted file systems and the space their files use. Veridian's file
 * protocol has no statfs yet: "Used" is the sum of the sizes of the files of each mount
 * (found by walking it, staying on its device), rounded up to 1 KiB per file; sizes and
 * free space are not known and shown as "-". With DIRs, the mounts holding them. Exit 0;
 * 1 when /proc/mounts or a DIR cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

struct usage {
    dev_t dev;
    unsigned long long kib;
};

static int add_up(const char *path, const struct stat *st, enum util_phase phase, int depth,
                  void *arg)
{
    (void)path;
    struct usage *u = arg;
    if (phase != UTIL_PRE || !st)
        return 0;
    if (depth > 0 && st->st_dev != u->dev)
        return 1; /* another mount */
    if (!S_ISDIR(st->st_mode))
        u->kib += ((unsigned long long)st->st_size + 1023) / 1024;
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int c, status = 0;
    while ((c = getopt(argc, argv, "kPh")) != -1)
        if (c == '?')
            util_usage(1, "[-k] [DIR...]");
    dev_t want[64];
    int nwant = 0;
    for (int i = optind; i < argc && nwant < 64; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            util_warn("%s: %s", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        want[nwant++] = st.st_dev;
    }
    if (optind < argc && !nwant)
        return status;
    FILE *f = fopen("/proc/mounts", "r");
    if (!f)
        util_die(1, "/proc/mounts: %s", strerror(errno));
    printf("%-12s %10s %10s %10s %4s %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Use%",
           "Mounted on");
    char *line = NULL, *fl[6];
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        if (util_fields(line, fl, 6) < 4)
            continue;
        const char *src = fl[0], *dir = fl[1], *type = fl[2];
        struct stat st;
        if (stat(dir, &st))
            continue;
        int shown = !nwant;
        for (int i = 0; i < nwant; i++)
            shown |= want[i] == st.st_dev;
        if (!shown)
            continue;
        struct usage u = {st.st_dev, 0};
        if (strcmp(type, "proc") && strcmp(type, "devfs"))
            util_walk(dir, 1, add_up, &u);
        printf("%-12s %10s %10llu %10s %4s %s\n", src, "-", u.kib, "-", "-", dir);
    }
    free(line);
    fclose(f);
    return fflush(stdout) ? 1 : status;
}
