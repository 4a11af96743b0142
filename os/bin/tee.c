/*
 * tee [-a] [FILE...]: standard input to standard output and to every FILE (truncated, or
 * appended to with -a). A file that cannot be opened or written is reported and dropped;
 * exit 1 then, else 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int append = 0, c, status = 0;
    while ((c = getopt(argc, argv, "ai")) != -1) {
        if (c == 'a')
            append = 1;
        else if (c != 'i')
            util_usage(1, "[-a] [FILE...]");
    }
    int n = argc - optind + 1;
    int *fds = malloc((size_t)n * sizeof *fds);
    const char **names = malloc((size_t)n * sizeof *names);
    if (!fds || !names)
        return 1;
    fds[0] = 1;
    names[0] = "standard output";
    for (int i = 1; i < n; i++) {
        names[i] = argv[optind + i - 1];
        fds[i] = open(names[i], O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666);
        if (fds[i] < 0) {
            util_warn_errno(names[i]);
            status = 1;
        }
    }
    static char buf[16384];
    for (;;) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            util_warn_errno("standard input");
            status = 1;
            break;
        }
        if (r == 0)
            break;
        for (int i = 0; i < n; i++)
            if (fds[i] >= 0 && util_write_all(fds[i], buf, (size_t)r)) {
                util_warn_errno(names[i]);
                status = 1;
                if (i)
                    close(fds[i]);
                fds[i] = -1;
            }
    }
    for (int i = 1; i < n; i++)
        if (fds[i] >= 0 && close(fds[i])) {
            util_warn_errno(names[i]);
            status = 1;
        }
    return status;
}
