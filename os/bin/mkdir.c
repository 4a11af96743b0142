/*
 * mkdir [-p] [-m MODE] DIR...: make directories (mode 0777 less the umask, or the octal
 * MODE). -p makes missing parents and accepts existing directories. Exit 0, or 1 when one
 * could not be made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

static int make(char *path, mode_t mode, int parents)
{
    struct stat st;
    if (parents) {
        for (char *p = path + 1; *p; p++) {
            if (*p != '/' || p[-1] == '/')
                continue;
            *p = 0;
            int rc = mkdir(path, 0777);
            int e = errno;
            if (rc && !(e == EEXIST && !stat(path, &st) && S_ISDIR(st.st_mode))) {
                util_warn("cannot create directory '%s': %s", path, strerror(e));
                *p = '/';
                return 1;
            }
            *p = '/';
        }
    }
    if (mkdir(path, mode)) {
        int e = errno;
        if (parents && e == EEXIST && !stat(path, &st) && S_ISDIR(st.st_mode))
            return 0;
        util_warn("cannot create directory '%s': %s", path, strerror(e));
        return 1;
    }
    if (mode & ~0777)
        chmod(path, mode);
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int parents = 0, c, status = 0;
    mode_t mode = 0777;
    while ((c = getopt(argc, argv, "pm:")) != -1) {
        if (c == 'p') {
            parents = 1;
        } else if (c == 'm') {
            char *end;
            long m = strtol(optarg, &end, 8);
            if (*end || m < 0 || m > 07777)
                util_die(1, "invalid mode '%s'", optarg);
            mode = (mode_t)m;
            umask(0);
        } else {
            util_usage(1, "[-p] [-m MODE] DIR...");
        }
    }
    if (optind >= argc) {
        util_warn("missing operand");
        util_usage(1, "[-p] [-m MODE] DIR...");
    }
    for (int i = optind; i < argc; i++)
        status |= make(argv[i], mode, parents);
    return status;
}
