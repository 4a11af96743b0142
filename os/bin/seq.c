/*
 * seq [-w] [-s SEP] [FIRST [INCREMENT]] LAST: the numbers from FIRST (1) by INCREMENT (1)
 * up to LAST, one a line (or separated by SEP). As GNU seq without -f: printed with as many
 * decimals as FIRST or INCREMENT has; -w pads with leading zeros to equal width. Exit 0;
 * 1 for a bad number or a zero increment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static int decimals(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || strpbrk(s, "eE"))
        return 0;
    return (int)strspn(dot + 1, "0123456789");
}

static double number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end) {
        util_warn("invalid floating point argument: '%s'", s);
        util_usage(1, "[-w] [-s SEP] [FIRST [INCREMENT]] LAST");
    }
    return v;
}

int main(int argc, char **argv)
{
    util_init(argv);
    const char *sep = "\n";
    int width = 0, c;
    /* negative numbers are operands, not options */
    while (optind < argc && argv[optind][0] == '-' && argv[optind][1] &&
           !(argv[optind][1] >= '0' && argv[optind][1] <= '9') && argv[optind][1] != '.' &&
           (c = getopt(argc, argv, "ws:")) != -1) {
        if (c == 'w')
            width = 1;
        else if (c == 's')
            sep = optarg;
        else
            util_usage(1, "[-w] [-s SEP] [FIRST [INCREMENT]] LAST");
    }
    int n = argc - optind;
    if (n < 1 || n > 3) {
        if (n < 1)
            util_warn("missing operand");
        util_usage(1, "[-w] [-s SEP] [FIRST [INCREMENT]] LAST");
    }
    char **a = argv + optind;
    double first = n > 1 ? number(a[0]) : 1, inc = n > 2 ? number(a[1]) : 1,
           last = number(a[n - 1]);
    if (inc == 0)
        util_die(1, "invalid Zero increment value: '%s'", a[1]);
    int prec = 0;
    if (n > 1)
        prec = decimals(a[0]);
    if (n > 2 && decimals(a[1]) > prec)
        prec = decimals(a[1]);
    int w = 0;
    if (width) {
        char b[64];
        int l1 = snprintf(b, sizeof b, "%.*f", prec, first);
        int l2 = snprintf(b, sizeof b, "%.*f", prec, last);
        w = l1 > l2 ? l1 : l2;
    }
    int printed = 0;
    for (long i = 0;; i++) {
        double v = first + (double)i * inc;
        if (inc > 0 ? v > last + 1e-9 * (inc < 1 ? inc : 1)
                    : v < last - 1e-9 * (-inc < 1 ? -inc : 1))
            break;
        if (printed)
            fputs(sep, stdout);
        if (width && v >= 0)
            printf("%0*.*f", w, prec, v);
        else if (width)
            printf("-%0*.*f", w - 1, prec, -v);
        else
            printf("%.*f", prec, v);
        printed = 1;
    }
    if (printed)
        putchar('\n');
    return fflush(stdout) ? 1 : 0;
}
