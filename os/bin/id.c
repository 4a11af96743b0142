/*
 * id [-u | -g | -G] [-n] [-r]: the caller's user and group ids, with names from /etc/passwd
 * and /etc/group: "uid=1000(user) gid=1000(user) groups=1000(user)". -u, -g, -G print one
 * number (a name with -n; the real id with -r). Veridian has no supplementary groups: the
 * group list is the effective group. Exit 0; 1 for a bad option.
 */
#include <stdio.h>
#include <unistd.h>

#include "util/util.h"

static void with_name(const char *key, unsigned id, int group)
{
    char name[64];
    int ok = (group ? util_group_name(id, name, sizeof name)
                    : util_user_name(id, name, sizeof name)) == 0;
    printf(ok ? "%s=%u(%s)" : "%s=%u", key, id, name);
}

int main(int argc, char **argv)
{
    util_init(argv);
    int which = 0, names = 0, real = 0, c;
    while ((c = getopt(argc, argv, "ugGnr")) != -1) {
        switch (c) {
        case 'u':
        case 'g':
        case 'G':
            if (which && which != c)
                util_die(1, "cannot print \"only\" of more than one choice");
            which = c;
            break;
        case 'n':
            names = 1;
            break;
        case 'r':
            real = 1;
            break;
        default:
            util_usage(1, "[-u | -g | -G] [-n] [-r]");
        }
    }
    if (optind < argc)
        util_die(1, "%s: no such user", argv[optind]);
    if ((names || real) && !which)
        util_die(1, "printing only names or real IDs requires -u, -g, or -G");
    unsigned uid = real ? getuid() : geteuid(), gid = real ? getgid() : getegid();
    if (which) {
        unsigned v = which == 'u' ? uid : gid;
        char name[64];
        if (names && (which == 'u' ? util_user_name(v, name, sizeof name)
                                   : util_group_name(v, name, sizeof name)) == 0)
            puts(name);
        else
            printf("%u\n", v);
        return 0;
    }
    with_name("uid", getuid(), 0);
    if (geteuid() != getuid()) {
        putchar(' ');
        with_name("euid", geteuid(), 0);
    }
    putchar(' ');
    with_name("gid", getgid(), 1);
    if (getegid() != getgid()) {
        putchar(' ');
        with_name("egid", getegid(), 1);
    }
    putchar(' ');
    with_name("groups", getegid(), 1);
    putchar('\n');
    return 0;
}
