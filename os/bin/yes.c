/*
 * yes [STRING...]: the strings joined by spaces (or "y"), one a line, until the output
 * fails (the reader went away). Writes in large blocks. A write to the console never blocks;
 * the kernel's time slicing (os/kernel/sched.c) keeps `yes` from starving the rest of the
 * machine and lets ^C reach it, so it needs no sched_yield of its own.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    util_init(argv);
    size_t len = 0;
    for (int i = 1; i < argc; i++)
        len += strlen(argv[i]) + 1;
    if (argc < 2)
        len = 2;
    char *line = malloc(len + 1);
    if (!line)
        return 1;
    if (argc < 2) {
        strcpy(line, "y\n");
    } else {
        line[0] = 0;
        for (int i = 1; i < argc; i++) {
            strcat(line, argv[i]);
            strcat(line, i + 1 < argc ? " " : "\n");
        }
    }
    size_t copies = len >= 4096 ? 1 : 4096 / len;
    char *block = malloc(copies * len);
    if (!block)
        return 1;
    for (size_t i = 0; i < copies; i++)
        memcpy(block + i * len, line, len);
    while (util_write_all(1, block, copies * len) == 0)
        ;
    return 1;
}
