/*
 * The checks of the differential programs (tests/diff/progs): each program is built for the
 * host against glibc and for Veridian against libveridian, and both runs must print the
 * same lines and exit with the same status. So output is deterministic: results and
 * invariants, never addresses, times or interleavings. CHECK prints "FAIL <what>" (and
 * counts it) only when the condition is false; done() prints the summary and returns the
 * failure count for main.
 */
#ifndef DIFF_CHECK_H
#define DIFF_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                 \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

/* CHECK_RC(call, want): an int result (an errno number for pthread calls). */
#define CHECK_RC(call, want)                                                                       \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (want)) {                                                                       \
            printf("FAIL %s:%d: %s = %d, want %d\n", __FILE__, __LINE__, #call, rc_, (want));      \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static inline int done(const char *prog)
{
    printf("%s: %s\n", prog, check_failures ? "FAILED" : "ok");
    fflush(stdout);
    return check_failures ? 1 : 0;
}

#endif
