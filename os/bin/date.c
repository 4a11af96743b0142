/*
 * date [-u] [-d @SECONDS] [+FORMAT]: the date and time (the simulated clock's, UTC: Veridian
 * has no time zones), formatted by strftime with FORMAT or "%a %b %e %H:%M:%S %Z %Y".
 * -d @N shows the time N seconds after the epoch instead of now. Exit 0; 1 for a bad option
 * or operand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

static const char usage[] = "[-u] [-d @SECONDS] [+FORMAT]";

int main(int argc, char **argv)
{
    util_init(argv);
    int c;
    time_t t = time(NULL);
    while ((c = getopt(argc, argv, "ud:")) != -1) {
        if (c == 'u')
            continue;
        if (c == 'd') {
            long v;
            if (optarg[0] != '@' || util_parse_long(optarg + 1, 10, &v))
                util_die(1, "invalid date '%s'", optarg);
            t = (time_t)v;
            continue;
        }
        util_usage(1, usage);
    }
    const char *fmt = "%a %b %e %H:%M:%S %Z %Y";
    if (optind < argc) {
        if (argv[optind][0] != '+' || optind + 1 < argc) {
            util_warn("invalid date '%s'", argv[optind]);
            util_usage(1, usage);
        }
        fmt = argv[optind] + 1;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[1024];
    size_t n = strftime(buf, sizeof buf, fmt, &tm);
    if (!n && *fmt)
        buf[0] = 0;
    /* strftime's %Z is "GMT" for gmtime: the system's zone is UTC */
    char *z = strstr(fmt, "%Z") ? strstr(buf, "GMT") : NULL;
    if (z)
        memcpy(z, "UTC", 3);
    puts(buf);
    return fflush(stdout) ? 1 : 0;
}
