/*
 * sdkhello: a Veridian program built outside the tree with nothing but build/sdk (see
 * tests/sdk/out_of_tree.sh, which copies this directory elsewhere and builds it there with
 * CMake and with pkg-config). It exercises what a driver or test author's program relies on:
 * stdio on the console, arguments, the heap, a file on tmpfs, a native kernel call from
 * veridian/vk.h and an ABI header from os/include, and its exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <veridian/errors.h>
#include <veridian/vk.h>

int main(int argc, char **argv)
{
    char line[64];
    FILE *f;
    char *p;

    printf("sdkhello: built with %s\n", SDKHELLO_HOW);
    for (int i = 1; i < argc; i++)
        printf("arg %d: %s\n", i, argv[i]);
    p = malloc(100000);
    if (!p)
        return 1;
    memset(p, 'v', 99999);
    p[99999] = '\0';
    printf("heap: %zu\n", strlen(p));
    free(p);
    f = fopen("/tmp/sdkhello.txt", "w");
    if (!f || fputs("round trip\n", f) < 0 || fclose(f) != 0)
        return 2;
    f = fopen("/tmp/sdkhello.txt", "r");
    if (!f || !fgets(line, sizeof(line), f) || fclose(f) != 0)
        return 3;
    printf("tmpfs: %s", line);
    printf("kcall: handle_close(bad) = %s\n",
           vk_handle_close(0xffffff) == -VK_EBADH ? "-VK_EBADH" : "unexpected");
    return 42;
}
