/*
 * echo [-neE] [STRING...]: the strings, separated by spaces, and a newline. As GNU echo:
 * -n no newline, -e interpret backslash escapes (\\ \a \b \c \e \f \n \r \t \v \0NNN \xHH),
 * -E do not (the default). Options are only recognised before the first string and only
 * when made of these letters (so "echo -x" prints "-x"). Exit 0, or 1 on a write error.
 */
#include <stdio.h>
#include <string.h>

/* Writes s with escapes interpreted; returns 1 when \c asked to stop all output. */
static int put_escaped(const char *s)
{
    for (; *s; s++) {
        if (*s != '\\' || !s[1]) {
            putchar(*s);
            continue;
        }
        int c = *++s;
        switch (c) {
        case 'a':
            putchar('\a');
            break;
        case 'b':
            putchar('\b');
            break;
        case 'c':
            return 1;
        case 'e':
            putchar(27);
            break;
        case 'f':
            putchar('\f');
            break;
        case 'n':
            putchar('\n');
            break;
        case 'r':
            putchar('\r');
            break;
        case 't':
            putchar('\t');
            break;
        case 'v':
            putchar('\v');
            break;
        case '\\':
            putchar('\\');
            break;
        case '0': {
            int v = 0;
            for (int i = 0; i < 3 && s[1] >= '0' && s[1] <= '7'; i++)
                v = v * 8 + (*++s - '0');
            putchar(v);
            break;
        }
        case 'x': {
            int v = 0, n = 0;
            while (n < 2 &&
                   ((s[1] >= '0' && s[1] <= '9') || ((s[1] | 32) >= 'a' && (s[1] | 32) <= 'f'))) {
                int d = *++s;
                v = v * 16 + (d <= '9' ? d - '0' : (d | 32) - 'a' + 10);
                n++;
            }
            if (!n) {
                putchar('\\');
                putchar('x');
            } else {
                putchar(v);
            }
            break;
        }
        default:
            putchar('\\');
            putchar(c);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int newline = 1, escapes = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strspn(argv[i] + 1, "neE") != strlen(argv[i] + 1))
            break;
        for (const char *p = argv[i] + 1; *p; p++)
            if (*p == 'n')
                newline = 0;
            else
                escapes = *p == 'e';
    }
    for (int first = i; i < argc; i++) {
        if (i > first)
            putchar(' ');
        if (escapes ? put_escaped(argv[i]) : (fputs(argv[i], stdout), 0)) {
            newline = 0;
            break;
        }
    }
    if (newline)
        putchar('\n');
    return fflush(stdout) ? 1 : 0;
}
