/* readline: echo each line of console input upper-cased, until end of input. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        for (char *p = line; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        printf("%d: %s", ++n, line);
    }
    printf("readline: %d lines\n", n);
    return 0;
}
