/*
 * mv SOURCE DEST, mv SOURCE... DIRECTORY: rename files and directories; across file
 * systems (EXDEV) copy the tree and remove the source. Exit 0, or 1 when one failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "SOURCE DEST | SOURCE... DIRECTORY";

int main(int argc, char **argv)
{
    util_init(argv);
    int c, status = 0;
    while ((c = getopt(argc, argv, "fi")) != -1)
        if (c == '?')
            util_usage(1, usage);
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
        struct stat ss;
        if (lstat(argv[i], &ss)) {
            util_warn("cannot stat '%s': %s", argv[i], strerror(errno));
            status = 1;
        } else if (rename(argv[i], to)) {
            if (errno == EXDEV) {
                if (util_copy_path(argv[i], to, 1) || util_remove_tree(argv[i]))
                    status = 1;
            } else {
                util_warn("cannot move '%s' to '%s': %s", argv[i], to, strerror(errno));
                status = 1;
            }
        }
        free(to);
    }
    return status;
}
