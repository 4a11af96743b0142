/*
 * cat [-u] [FILE...]: the files (or standard input, also for "-") one after another on
 * standard output. -u is accepted (output is never buffered beyond a read). Exit 0, or 1 if a
 * file could not be read (cat goes on with the others).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int c, status = 0;
    while ((c = getopt(argc, argv, "u")) != -1)
        if (c != 'u')
            util_usage(1, "[-u] [FILE...]");
    char *stdin_only[] = {"-", NULL};
    char **files = optind < argc ? argv + optind : stdin_only;
    for (; *files; files++) {
        int fd = strcmp(*files, "-") ? open(*files, O_RDONLY) : 0;
        if (fd < 0) {
            util_warn_errno(*files);
            status = 1;
            continue;
        }
        if (util_copy_fd(fd, 1)) {
            util_warn_errno(*files);
            status = 1;
        }
        if (fd)
            close(fd);
    }
    return status;
}
