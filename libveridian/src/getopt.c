/*
 * getopt, getopt_long: command-line option parsing for programs (POSIX getopt semantics).
 *
 * getopt scans argv from optind: "-abc" is three options, "-ofile" or "-o file" gives optarg
 * for an option followed by ':' in optstring, "--" ends the options (and is skipped), "-" and
 * the first operand stop the scan. An unknown option or a missing argument returns '?' (or
 * ':' for a missing argument when optstring starts with ':'), sets optopt and, when opterr
 * is non-zero and optstring does not start with ':', prints the message POSIX gives on
 * stderr. A leading '+' in optstring is accepted and ignored (we never permute).
 * getopt_long adds "--name", "--name=value" and "--name value" (required_argument), and
 * unambiguous prefixes of a long name.
 *
 * The state is process-global by POSIX design (optind and friends); the position inside a
 * cluster of short options is kept with it and reset when optind is set to 0 or 1 by the
 * caller (glibc's convention for starting again).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *optarg;
int optind = 1, opterr = 1, optopt;

static int getopt_pos;    /* index inside argv[optind] of the next short option, 0: none */
static int getopt_last_i; /* optind when getopt_pos was set, to detect a reset by the caller */

static const char *prog_name(char *const argv[])
{
    return argv[0] ? argv[0] : "?";
}

static int short_opt(int argc, char *const argv[], const char *optstring)
{
    int colon = optstring[0] == ':';
    const char *arg = argv[optind];
    int c = (unsigned char)arg[getopt_pos];
    const char *spec = c == ':' ? NULL : strchr(optstring, c);
    getopt_pos++;
    int at_end = arg[getopt_pos] == 0;
    if (!spec) {
        optopt = c;
        if (opterr && !colon)
            fprintf(stderr, "%s: invalid option -- '%c'\n", prog_name(argv), c);
        if (at_end) {
            optind++;
            getopt_pos = 0;
        }
        return '?';
    }
    if (spec[1] == ':') {
        if (!at_end) {
            optarg = (char *)arg + getopt_pos;
            optind++;
        } else if (spec[2] == ':') {
            optarg = NULL; /* optional argument: only when attached */
            optind++;
        } else if (optind + 1 < argc) {
            optarg = argv[optind + 1];
            optind += 2;
        } else {
            optopt = c;
            optind++;
            getopt_pos = 0;
            if (opterr && !colon)
                fprintf(stderr, "%s: option requires an argument -- '%c'\n", prog_name(argv), c);
            return colon ? ':' : '?';
        }
        getopt_pos = 0;
        return c;
    }
    if (at_end) {
        optind++;
        getopt_pos = 0;
    }
    return c;
}

static int long_opt(int argc, char *const argv[], const char *optstring,
                    const struct option *longopts, int *longindex)
{
    int colon = optstring[0] == ':';
    const char *name = argv[optind] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int found = -1, ambiguous = 0;
    for (int i = 0; longopts[i].name; i++) {
        if (strncmp(longopts[i].name, name, len))
            continue;
        if (strlen(longopts[i].name) == len) {
            found = i;
            ambiguous = 0;
            break;
        }
        if (found >= 0)
            ambiguous = 1;
        else
            found = i;
    }
    optind++;
    if (found < 0 || ambiguous) {
        optopt = 0;
        if (opterr && !colon)
            fprintf(stderr, "%s: %s option '--%.*s'\n", prog_name(argv),
                    ambiguous ? "ambiguous" : "unrecognized", (int)len, name);
        return '?';
    }
    const struct option *o = &longopts[found];
    optarg = NULL;
    if (eq) {
        if (o->has_arg == no_argument) {
            optopt = o->val;
            if (opterr && !colon)
                fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", prog_name(argv),
                        o->name);
            return '?';
        }
        optarg = (char *)eq + 1;
    } else if (o->has_arg == required_argument) {
        if (optind >= argc) {
            optopt = o->val;
            if (opterr && !colon)
                fprintf(stderr, "%s: option '--%s' requires an argument\n", prog_name(argv),
                        o->name);
            return colon ? ':' : '?';
        }
        optarg = argv[optind++];
    }
    if (longindex)
        *longindex = found;
    if (o->flag) {
        *o->flag = o->val;
        return 0;
    }
    return o->val;
}

int getopt_long(int argc, char *const argv[], const char *optstring, const struct option *longopts,
                int *longindex)
{
    if (optind <= 0) {
        optind = 1;
        getopt_pos = 0;
    }
    if (getopt_pos && getopt_last_i != optind)
        getopt_pos = 0; /* the caller moved optind */
    if (*optstring == '+' || *optstring == '-')
        optstring++;
    optarg = NULL;
    if (!getopt_pos) {
        if (optind >= argc || !argv[optind] || argv[optind][0] != '-' || !argv[optind][1])
            return -1;
        if (!strcmp(argv[optind], "--")) {
            optind++;
            return -1;
        }
        if (longopts && argv[optind][1] == '-')
            return long_opt(argc, argv, optstring, longopts, longindex);
        getopt_pos = 1;
    }
    int c = short_opt(argc, argv, optstring);
    getopt_last_i = optind;
    return c;
}

int getopt(int argc, char *const argv[], const char *optstring)
{
    return getopt_long(argc, argv, optstring, NULL, NULL);
}
