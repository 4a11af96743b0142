/*
 * touch [-c] FILE...: create missing files (empty, mode 0666 less the umask) and mark
 * existing ones modified now. Veridian's file protocol has no utimensat yet, so an existing
 * file's modification time is updated by rewriting its first byte in place (or truncating
 * an empty file to zero), which changes no content; -a/-m are accepted and mean the same.
 * -c: do not create. Exit 0, or 1 when one could not be touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static int touch(const char *path, int create)
{
    struct stat st;
    if (stat(path, &st)) {
        if (errno != ENOENT || !create) {
            if (errno == ENOENT)
                return 0;
            util_warn("cannot touch '%s': %s", path, strerror(errno));
            return 1;
        }
        int fd = open(path, O_WRONLY | O_CREAT, 0666);
        if (fd < 0) {
            util_warn("cannot touch '%s': %s", path, strerror(errno));
            return 1;
        }
        close(fd);
        return 0;
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode))
        return 0; /* nothing to rewrite: directories and devices keep their times */
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        util_warn("cannot touch '%s': %s", path, strerror(errno));
        return 1;
    }
    char b;
    int rc = 0;
    if (st.st_size == 0)
        rc = ftruncate(fd, 0);
    else if (pread(fd, &b, 1, 0) == 1)
        rc = pwrite(fd, &b, 1, 0) == 1 ? 0 : -1;
    if (rc)
        util_warn("cannot touch '%s': %s", path, strerror(errno));
    close(fd);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int create = 1, c, status = 0;
    while ((c = getopt(argc, argv, "cam")) != -1) {
        if (c == 'c')
            create = 0;
        else if (c == '?')
            util_usage(1, "[-c] FILE...");
    }
    if (optind >= argc) {
        util_warn("missing file operand");
        util_usage(1, "[-c] FILE...");
    }
    for (int i = optind; i < argc; i++)
        status |= touch(argv[i], create);
    return status;
}
