/*
 * lwIP's platform hooks for the host fuzz harness (fuzz_netframe.c): the netstack's port.c
 * for the host. Time is the harness's counter (fuzz_netframe_advance), LWIP_RAND a fixed
 * sequence, diagnostics dropped, an lwIP assertion aborts (the fuzzer reports it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lwip/opt.h"
#include "lwip/sys.h"

void fuzz_netframe_advance(uint32_t ms);

static uint32_t now_ms, rand_state = 0x6e657473u;

void fuzz_netframe_advance(uint32_t ms)
{
    now_ms += ms;
}

u32_t sys_now(void)
{
    return now_ms;
}

uint32_t vns_rand(void)
{
    rand_state = rand_state * 1664525u + 1013904223u;
    return rand_state;
}

void vns_diag(const char *fmt, ...)
{
    (void)fmt;
}

void vns_assert(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
    abort();
}
