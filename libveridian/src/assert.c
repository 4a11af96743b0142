/*
 * The failure half of assert(): "file:line: function: Assertion `expr' failed." on stderr,
 * written in one piece without stdio or malloc (either may be what broke), then abort.
 */
#include "libc.h"

#include <assert.h>

#include "core.h"

void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
{
    char msg[512];

    vr_snformat(msg, sizeof msg, "%s:%u: %s: Assertion `%s' failed.\n", file, line, func, expr);
    vr_fatal(msg);
}
