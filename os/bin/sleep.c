/*
 * sleep NUMBER[SUFFIX]...: wait for the sum of the durations (virtual time in vrsim);
 * NUMBER may have decimals, SUFFIX is s (default), m, h or d. Exit 0; 1 with a usage
 * message for a missing or bad operand.
 */
#include <stdlib.h>
#include <time.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    if (argc < 2) {
        util_warn("missing operand");
        util_usage(1, "NUMBER[SUFFIX]...");
    }
    double total = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        double v = strtod(argv[i], &end);
        double mul = 1;
        if (*end && !end[1]) {
            switch (*end) {
            case 's':
                mul = 1;
                end++;
                break;
            case 'm':
                mul = 60;
                end++;
                break;
            case 'h':
                mul = 3600;
                end++;
                break;
            case 'd':
                mul = 86400;
                end++;
                break;
            default:
                break;
            }
        }
        if (end == argv[i] || *end || v < 0) {
            util_warn("invalid time interval '%s'", argv[i]);
            util_usage(1, "NUMBER[SUFFIX]...");
        }
        total += v * mul;
    }
    struct timespec ts = {(time_t)total, (long)((total - (double)(time_t)total) * 1e9)};
    while (nanosleep(&ts, &ts))
        ;
    return 0;
}
