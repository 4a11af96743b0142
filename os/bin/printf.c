/*
 * printf FORMAT [ARGUMENT...]: format the arguments as POSIX printf(1) does. Conversions
 * %d %i %o %u %x %X %c %s %b %e %E %f %F %g %G %a %A %% with flags, width and precision
 * (also '*'); escapes \\ \a \b \f \n \r \t \v \" \' \NNN in FORMAT, and %b's argument with
 * \0NNN and \c (stop). The format is reused while arguments remain; missing arguments are
 * "" or 0; a numeric argument 'c or "c is the character's code. Exit 0, or 1 when an
 * argument was not a valid number (it is still printed as far as it was read).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int status;
static char **args;
static int nargs, argi;

static const char *next_arg(void)
{
    return argi < nargs ? args[argi++] : NULL;
}

static void check_end(const char *arg, const char *end)
{
    if (end == arg) {
        util_warn("'%s': expected a numeric value", arg);
        status = 1;
    } else if (*end) {
        util_warn("'%s': value not completely converted", arg);
        status = 1;
    } else if (errno == ERANGE) {
        util_warn("'%s': %s", arg, strerror(ERANGE));
        status = 1;
    }
}

static long long arg_signed(void)
{
    const char *a = next_arg();
    if (!a || !*a)
        return 0;
    if (*a == '\'' || *a == '"')
        return (unsigned char)a[1];
    char *end;
    errno = 0;
    long long v = strtoll(a, &end, 0);
    check_end(a, end);
    return v;
}

static unsigned long long arg_unsigned(void)
{
    const char *a = next_arg();
    if (!a || !*a)
        return 0;
    if (*a == '\'' || *a == '"')
        return (unsigned char)a[1];
    char *end;
    errno = 0;
    unsigned long long v;
    if (*a == '-')
        v = (unsigned long long)strtoll(a, &end, 0);
    else
        v = strtoull(a, &end, 0);
    check_end(a, end);
    return v;
}

static double arg_double(void)
{
    const char *a = next_arg();
    if (!a || !*a)
        return 0;
    if (*a == '\'' || *a == '"')
        return (unsigned char)a[1];
    char *end;
    errno = 0;
    double v = strtod(a, &end);
    check_end(a, end);
    return v;
}

/* One escape at s (after the backslash); returns the characters consumed. stop: \c seen. */
static int escape(const char *s, int in_b, int *stop)
{
    int c = *s;
    switch (c) {
    case 'a':
        putchar('\a');
        return 1;
    case 'b':
        putchar('\b');
        return 1;
    case 'f':
        putchar('\f');
        return 1;
    case 'n':
        putchar('\n');
        return 1;
    case 'r':
        putchar('\r');
        return 1;
    case 't':
        putchar('\t');
        return 1;
    case 'v':
        putchar('\v');
        return 1;
    case '\\':
        putchar('\\');
        return 1;
    case '"':
        putchar('"');
        return 1;
    case '\'':
        putchar('\'');
        return 1;
    case 'c':
        if (in_b) {
            *stop = 1;
            return 1;
        }
        break;
    default:
        break;
    }
    if (c >= '0' && c <= '7') {
        int n = 0, v = 0, max = 3;
        if (in_b && c == '0') {
            n = 1; /* \0NNN in %b */
            max = 4;
        }
        while (n < max && s[n] >= '0' && s[n] <= '7')
            v = v * 8 + (s[n++] - '0');
        putchar(v & 0xff);
        return n;
    }
    putchar('\\');
    if (!c)
        return 0;
    putchar(c);
    return 1;
}

/* Runs the format once; returns 1 when output must stop (\c in %b). */
static int run(const char *f)
{
    for (const char *p = f; *p; p++) {
        if (*p == '\\') {
            int stop = 0;
            p += escape(p + 1, 0, &stop);
            continue;
        }
        if (*p != '%') {
            putchar(*p);
            continue;
        }
        if (p[1] == '%') {
            putchar('%');
            p++;
            continue;
        }
        char spec[64];
        size_t sl = 0;
        spec[sl++] = '%';
        p++;
        while (*p && strchr("-+ #0", *p) && sl < 20)
            spec[sl++] = *p++;
        if (*p == '*') {
            sl += (size_t)snprintf(spec + sl, sizeof spec - sl, "%d", (int)arg_signed());
            p++;
        } else {
            while (isdigit((unsigned char)*p) && sl < 40)
                spec[sl++] = *p++;
        }
        if (*p == '.') {
            spec[sl++] = *p++;
            if (*p == '*') {
                sl += (size_t)snprintf(spec + sl, sizeof spec - sl, "%d", (int)arg_signed());
                p++;
            } else {
                while (isdigit((unsigned char)*p) && sl < 55)
                    spec[sl++] = *p++;
            }
        }
        while (*p && strchr("hlLqjzt", *p))
            p++; /* length modifiers mean nothing here */
        int conv = *p;
        if (!conv) {
            util_warn("%%: missing format character");
            status = 1;
            return 1;
        }
        switch (conv) {
        case 'd':
        case 'i':
            spec[sl++] = 'l';
            spec[sl++] = 'l';
            spec[sl++] = 'd';
            spec[sl] = 0;
            printf(spec, arg_signed());
            break;
        case 'o':
        case 'u':
        case 'x':
        case 'X':
            spec[sl++] = 'l';
            spec[sl++] = 'l';
            spec[sl++] = (char)conv;
            spec[sl] = 0;
            printf(spec, arg_unsigned());
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            spec[sl++] = (char)conv;
            spec[sl] = 0;
            printf(spec, arg_double());
            break;
        case 'c': {
            /* an empty or missing argument is a NUL character, as GNU printf */
            const char *a = next_arg();
            spec[sl++] = 'c';
            spec[sl] = 0;
            printf(spec, a && *a ? *a : 0);
            break;
        }
        case 's': {
            const char *a = next_arg();
            spec[sl++] = 's';
            spec[sl] = 0;
            printf(spec, a ? a : "");
            break;
        }
        case 'b': {
            const char *a = next_arg();
            if (!a)
                break;
            for (; *a; a++) {
                if (*a == '\\') {
                    int stop = 0;
                    a += escape(a + 1, 1, &stop);
                    if (stop)
                        return 1;
                } else {
                    putchar(*a);
                }
            }
            break;
        }
        default:
            util_warn("%%%c: invalid conversion specification", conv);
            status = 1;
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc) {
        util_warn("missing operand");
        util_usage(1, "FORMAT [ARGUMENT...]");
    }
    const char *fmt = argv[i];
    args = argv + i + 1;
    nargs = argc - i - 1;
    do {
        int before = argi;
        if (run(fmt))
            break;
        if (argi == before) {
            if (nargs)
                util_warn("warning: ignoring excess arguments, starting with '%s'", args[0]);
            break; /* the format takes no arguments: once */
        }
    } while (argi < nargs);
    return fflush(stdout) ? 1 : status;
}
