/*
 * basename STRING [SUFFIX]: STRING without its directories (and without SUFFIX when it
 * ends with it and is not all of it), as POSIX describes. Exit 0; 1 with a usage message
 * for a wrong number of operands.
 */
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (argc - i < 1 || argc - i > 2)
        util_usage(1, "STRING [SUFFIX]");
    char *s = argv[i];
    size_t len = strlen(s);
    while (len > 1 && s[len - 1] == '/')
        len--;
    s[len] = 0;
    if (len > 1 || s[0] != '/') {
        char *slash = strrchr(s, '/');
        if (slash)
            s = slash + 1;
        if (argc - i == 2) {
            size_t sl = strlen(argv[i + 1]), l = strlen(s);
            if (sl < l && !strcmp(s + l - sl, argv[i + 1]))
                s[l - sl] = 0;
        }
    }
    puts(s);
    return 0;
}
