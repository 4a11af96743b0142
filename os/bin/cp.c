/*
 * cp [-r|-R] SOURCE DEST, cp [-r|-R] SOURCE... DIRECTORY: copy files (mode kept, less the
 * umask for new files); -r copies directories recursively, symbolic links inside as links.
 * A directory without -r is skipped with a message. Exit 0, or 1 when something failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

static const char usage[] = "[-r] SOURCE DEST | [-r] SOURCE... DIRECTORY";

int main(int argc, char **argv)
{
    util_init(argv);
    int recursive = 0, c, status = 0;
    while ((c = getopt(argc, argv, "rRpPf")) != -1) {
        if (c == 'r' || c == 'R')
            recursive = 1;
        else if (c == '?')
            util_usage(1, usage);
    }
    int n = argc - optind;
    if (n < 2) {
        util_warn(n ? "missing destination file operand after '%s'" : "missing file operand",
                  n ? argv[optind] : "");
        util_usage(1, usage);
    }
    const char *dest = argv[argc - 1];
    struct stat st;
    int dest_dir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
    if (n > 2 && !dest_dir)
        util_die(1, "target '%s' is not a directory", dest);
    for (int i = optind; i < argc - 1; i++) {
        char *to = util_target(dest, dest_dir, argv[i]);
        struct stat ss, ds;
        if (!stat(argv[i], &ss) && !stat(to, &ds) && ss.st_dev == ds.st_dev &&
            ss.st_ino == ds.st_ino) {
            util_warn("'%s' and '%s' are the same file", argv[i], to);
            status = 1;
        } else {
            status |= util_copy_path(argv[i], to, recursive);
        }
        free(to);
    }
    return status;
}
