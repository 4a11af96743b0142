/*
 * ln [-s] [-f] TARGET [LINK], ln [-s] [-f] TARGET... DIRECTORY: make hard links, or symbolic
 * links with -s (TARGET is stored as given); -f removes an existing LINK first. Without
 * LINK the link is made in the current directory under TARGET's last component. Exit 0, or
 * 1 when one failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-s] [-f] TARGET [LINK] | [-s] [-f] TARGET... DIRECTORY";

int main(int argc, char **argv)
{
    util_init(argv);
    int sym = 0, force = 0, c, status = 0;
    while ((c = getopt(argc, argv, "sfn")) != -1) {
        if (c == 's')
            sym = 1;
        else if (c == 'f')
            force = 1;
        else if (c != 'n')
            util_usage(1, usage);
    }
    int n = argc - optind;
    if (n < 1) {
        util_warn("missing file operand");
        util_usage(1, usage);
    }
    const char *dest = n == 1 ? "." : argv[argc - 1];
    struct stat st;
    int dest_dir = n == 1 || (stat(dest, &st) == 0 && S_ISDIR(st.st_mode));
    if (n > 2 && !dest_dir)
        util_die(1, "target '%s' is not a directory", dest);
    int last = n == 1 ? argc : argc - 1;
    for (int i = optind; i < last; i++) {
        char *to = util_target(dest, dest_dir, argv[i]);
        if (force)
            unlink(to);
        if ((sym ? symlink(argv[i], to) : link(argv[i], to)) != 0) {
            if (sym)
                util_warn("failed to create symbolic link '%s': %s", to, strerror(errno));
            else
                util_warn("failed to create hard link '%s' => '%s': %s", to, argv[i],
                          strerror(errno));
            status = 1;
        }
        free(to);
    }
    return status;
}
