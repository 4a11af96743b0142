/*
 * rmdir [-p] DIR...: remove empty directories; -p also removes each parent named in DIR
 * once it is empty. Exit 0, or 1 when one could not be removed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int parents = 0, c, status = 0;
    while ((c = getopt(argc, argv, "p")) != -1) {
        if (c == 'p')
            parents = 1;
        else
            util_usage(1, "[-p] DIR...");
    }
    if (optind >= argc) {
        util_warn("missing operand");
        util_usage(1, "[-p] DIR...");
    }
    for (int i = optind; i < argc; i++) {
        char *path = argv[i];
        for (;;) {
            if (rmdir(path)) {
                util_warn("failed to remove '%s': %s", path, strerror(errno));
                status = 1;
                break;
            }
            if (!parents)
                break;
            char *slash = strrchr(path, '/');
            while (slash && slash > path && slash[1] == 0) {
                *slash = 0;
                slash = strrchr(path, '/');
            }
            if (!slash || slash == path)
                break;
            while (slash > path && slash[-1] == '/')
                slash--;
            *slash = 0;
        }
    }
    return status;
}
