/*
 * uname [-asnrvmo]: the system's names. Veridian has no uname() call: the names are fixed
 * here (kernel "Veridian", release from the build, machine x86_64), the node name comes from
 * /etc/hostname when the image has one. -a prints all; no option is -s. Exit 0, 1 for a bad
 * option.
 */
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    char node[64] = "veridian";
    FILE *f = fopen("/etc/hostname", "r");
    if (f) {
        if (fgets(node, sizeof node, f))
            node[strcspn(node, "\n")] = 0;
        fclose(f);
    }
    const char *fields[] = {"Veridian", node, "0.1", "#1 vrsim", "x86_64", "Veridian"};
    const char letters[] = "snrvmo";
    int want[6] = {0}, any = 0, c;
    while ((c = getopt(argc, argv, "asnrvmoip")) != -1) {
        const char *l = strchr(letters, c);
        if (c == 'a') {
            for (int i = 0; i < 6; i++)
                want[i] = 1;
        } else if (c == 'i' || c == 'p') {
            want[4] = 1; /* hardware platform and processor: the machine */
        } else if (l && c != '?') {
            want[l - letters] = 1;
        } else {
            util_usage(1, "[-asnrvmo]");
        }
        any = 1;
    }
    if (optind < argc) {
        util_warn("extra operand '%s'", argv[optind]);
        util_usage(1, "[-asnrvmo]");
    }
    if (!any)
        want[0] = 1;
    int first = 1;
    for (int i = 0; i < 6; i++)
        if (want[i]) {
            printf(first ? "%s" : " %s", fields[i]);
            first = 0;
        }
    putchar('\n');
    return 0;
}
