/* hello: the first program. Prints a greeting and its arguments on the console. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("Hello from Veridian!\n");
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    return 0;
}
