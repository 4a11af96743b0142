/*
 * dirname STRING: STRING without its last component ("." when there is no slash, "/" for
 * the root), as POSIX describes. Exit 0; 1 with a usage message for a wrong operand count.
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
    if (argc - i != 1)
        util_usage(1, "STRING");
    char *s = argv[i];
    size_t len = strlen(s);
    while (len > 1 && s[len - 1] == '/')
        len--;
    while (len > 0 && s[len - 1] != '/')
        len--;
    if (len == 0) {
        puts(s[0] == '/' ? "/" : ".");
        return 0;
    }
    while (len > 1 && s[len - 1] == '/')
        len--;
    s[len] = 0;
    puts(s);
    return 0;
}
