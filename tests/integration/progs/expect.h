/*
 * The check helpers of the integration test programs: one line per check ("ok   what" or
 * "FAIL what: got X, want Y"), then "<prog>: N failure(s)", and N as the exit status; the
 * scripts in tests/integration/ match those lines.
 */
#ifndef VERIDIAN_TEST_EXPECT_H
#define VERIDIAN_TEST_EXPECT_H

#include <stdio.h>

static int failures;

static inline void expect(const char *what, long got, long want)
{
    if (got == want) {
        printf("ok   %s\n", what);
    } else {
        printf("FAIL %s: got %ld, want %ld\n", what, got, want);
        failures++;
    }
}

/* The summary line; the number of failures, for main to return. */
static inline int expect_summary(const char *prog)
{
    printf("%s: %d failure(s)\n", prog, failures);
    return failures;
}

#endif
