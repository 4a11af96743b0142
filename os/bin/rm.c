/*
 * rm [-f] [-r|-R] FILE...: remove files; -r removes directories and their contents (depth
 * first), -f ignores missing files and a missing operand. "." and ".." are refused. Exit
 * 0, or 1 when something could not be removed.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int force = 0, recursive = 0, c, status = 0;
    while ((c = getopt(argc, argv, "frRi")) != -1) {
        if (c == 'f')
            force = 1;
        else if (c == 'r' || c == 'R')
            recursive = 1;
        else if (c != 'i')
            util_usage(1, "[-f] [-r] FILE...");
    }
    if (optind >= argc && !force) {
        util_warn("missing operand");
        util_usage(1, "[-f] [-r] FILE...");
    }
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i], *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (!strcmp(base, ".") || !strcmp(base, "..")) {
            util_warn("refusing to remove '.' or '..' directory: skipping '%s'", path);
            status = 1;
            continue;
        }
        struct stat st;
        if (lstat(path, &st)) {
            if (!(force && errno == ENOENT)) {
                util_warn("cannot remove '%s': %s", path, strerror(errno));
                status = 1;
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (!recursive) {
                util_warn("cannot remove '%s': Is a directory", path);
                status = 1;
            } else {
                status |= util_remove_tree(path);
            }
            continue;
        }
        if (unlink(path)) {
            util_warn("cannot remove '%s': %s", path, strerror(errno));
            status = 1;
        }
    }
    return status;
}
