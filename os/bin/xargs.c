/*
 * xargs [-0rt] [-n MAX] [-I REPLACE] [-d DELIM] [COMMAND [ARG...]]: run COMMAND (echo by
 * default) with the items read from standard input as arguments. Items are separated by
 * blanks and newlines and may be quoted ('...', "...", backslash), or by NUL with -0, or by
 * DELIM with -d; -n gives at most MAX items per command, -I one command per input line with
 * REPLACE in the arguments replaced by it; -r runs nothing when there are no items; -t
 * prints each command on stderr first. Exit 0; 123 if a command exited 1-125; 124 if one
 * exited 255; 125 if one was killed; 126/127 when COMMAND could not be run / was not found;
 * 1 for a bad option or unmatched quote.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-0rt] [-n MAX] [-I REPLACE] [-d DELIM] [COMMAND [ARG...]]";

static int trace, status;

/* Runs argv; returns -1 when xargs must stop (255, signal, cannot run). */
static int run(char **argv)
{
    if (trace) {
        for (char **a = argv; *a; a++)
            fprintf(stderr, a == argv ? "%s" : " %s", *a);
        fputc('\n', stderr);
    }
    fflush(stdout);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc) {
        util_warn("%s: %s", argv[0], strerror(rc));
        status = rc == ENOENT ? 127 : 126;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(st)) {
        util_warn("%s: terminated by signal %d", argv[0], WTERMSIG(st));
        status = 125;
        return -1;
    }
    int code = WEXITSTATUS(st);
    if (code == 255) {
        util_warn("%s: exited with status 255; aborting", argv[0]);
        status = 124;
        return -1;
    }
    if (code)
        status = 123;
    return 0;
}

struct reader {
    int delim; /* -1: blanks and quotes */
    int eof;
};

/* The next item (heap), or NULL at the end; with lines=1 a whole line (for -I). */
static char *next_item(struct reader *r, int lines)
{
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    int c, quote = 0, have = 0;
    if (!s)
        util_die(1, "out of memory");
    while ((c = getchar()) != EOF) {
        if (n + 2 >= cap && !(s = realloc(s, cap *= 2)))
            util_die(1, "out of memory");
        if (r->delim >= 0) {
            if (c == r->delim)
                break;
            s[n++] = (char)c;
            have = 1;
            continue;
        }
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\n') {
                util_die(1,
                         "unmatched %s quote; by default quotes are special to xargs "
                         "unless you use the -0 option",
                         quote == '\'' ? "single" : "double");
            } else {
                s[n++] = (char)c;
            }
            continue;
        }
        if (c == '\n' || (!lines && (c == ' ' || c == '\t'))) {
            if (have)
                break;
            continue;
        }
        if (lines && !have && (c == ' ' || c == '\t'))
            continue; /* -I: leading blanks are ignored */
        have = 1;
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '\\') {
            int d = getchar();
            if (d == EOF)
                break;
            s[n++] = (char)d;
        } else {
            s[n++] = (char)c;
        }
    }
    if (quote)
        util_die(1,
                 "unmatched %s quote; by default quotes are special to xargs unless you use "
                 "the -0 option",
                 quote == '\'' ? "single" : "double");
    if (!have && c == EOF) {
        free(s);
        return NULL;
    }
    s[n] = 0;
    return s;
}

static char *replace(const char *arg, const char *pat, const char *with)
{
    size_t pl = strlen(pat), wl = strlen(with), cap = strlen(arg) + 1;
    for (const char *p = strstr(arg, pat); p && pl; p = strstr(p + pl, pat))
        cap += wl;
    char *out = malloc(cap), *o = out;
    while (*arg) {
        if (pl && !strncmp(arg, pat, pl)) {
            memcpy(o, with, wl);
            o += wl;
            arg += pl;
        } else {
            *o++ = *arg++;
        }
    }
    *o = 0;
    return out;
}

int main(int argc, char **argv)
{
    util_init(argv);
    long max = 0;
    int no_empty = 0, c;
    const char *repl = NULL;
    struct reader r = {-1, 0};
    while ((c = getopt(argc, argv, "+0rtn:I:d:")) != -1) {
        switch (c) {
        case '0':
            r.delim = 0;
            break;
        case 'r':
            no_empty = 1;
            break;
        case 't':
            trace = 1;
            break;
        case 'n':
            if (util_parse_long(optarg, 10, &max) || max < 1)
                util_die(1, "value %s for -%c option should be >= 1", optarg, c);
            break;
        case 'I':
            repl = optarg;
            break;
        case 'd':
            if (strlen(optarg) == 2 && optarg[0] == '\\' && optarg[1] == 'n')
                r.delim = '\n';
            else if (strlen(optarg) != 1)
                util_die(1, "invalid input delimiter specification %s", optarg);
            else
                r.delim = (unsigned char)optarg[0];
            break;
        default:
            util_usage(1, usage);
        }
    }
    char *echo_argv[] = {"echo", NULL};
    char **cmd = optind < argc ? argv + optind : echo_argv;
    int ncmd = optind < argc ? argc - optind : 1;
    if (repl) {
        char *item;
        while ((item = next_item(&r, 1))) {
            char **a = calloc((size_t)ncmd + 1, sizeof *a);
            for (int i = 0; i < ncmd; i++)
                a[i] = replace(cmd[i], repl, item);
            int rc = run(a);
            for (int i = 0; i < ncmd; i++)
                free(a[i]);
            free(a);
            free(item);
            if (rc < 0)
                return status;
        }
        return status;
    }
    size_t cap = 256, n = 0;
    char **items = malloc(cap * sizeof *items);
    int ran = 0;
    for (;;) {
        char *item = next_item(&r, 0);
        if (item) {
            if (n + 1 >= cap)
                items = realloc(items, (cap *= 2) * sizeof *items);
            items[n++] = item;
        }
        if ((!item && (n || (!ran && !no_empty))) || (max && (long)n == max) || n >= 4096) {
            char **a = calloc((size_t)ncmd + n + 1, sizeof *a);
            memcpy(a, cmd, (size_t)ncmd * sizeof *a);
            memcpy(a + ncmd, items, n * sizeof *a);
            int rc = run(a);
            free(a);
            for (size_t i = 0; i < n; i++)
                free(items[i]);
            n = 0;
            ran = 1;
            if (rc < 0)
                return status;
        }
        if (!item)
            break;
    }
    return status;
}
