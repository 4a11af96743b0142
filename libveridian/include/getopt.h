/*
 * getopt and getopt_long (POSIX getopt; getopt_long as in glibc, without argument
 * permutation: parsing stops at the first operand, as POSIXLY_CORRECT glibc does).
 * The state is the usual globals optarg, optind, opterr, optopt; set optind = 0 (or 1) to
 * parse a new vector from the start. Declared here only, not in <unistd.h> as POSIX has it:
 * a program's own variable named optind (vsh's getopts) would shadow a global there and
 * break -Wshadow -Werror builds.
 */
#ifndef _GETOPT_H
#define _GETOPT_H

extern char *optarg;
extern int optind, opterr, optopt;

int getopt(int argc, char *const argv[], const char *optstring);

#define no_argument 0
#define required_argument 1
#define optional_argument 2

struct option {
    const char *name;
    int has_arg;
    int *flag;
    int val;
};

int getopt_long(int argc, char *const argv[], const char *optstring, const struct option *longopts,
                int *longindex);

#endif
