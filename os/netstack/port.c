/*
 * os/netstack: lwIP's platform hooks for a Veridian guest (arch/cc.h declares them): sys_now()
 * from the kernel's virtual clock, LWIP_RAND() from the run's seed, diagnostics and lwIP's own
 * assertions on stderr.
 *
 * Who calls it: lwIP (NO_SYS = 1), inside the one thread of the process that runs it (the
 * netstack server, or a test program). lwIP calls these hooks without a context argument, so
 * the generator's state is the one process-wide variable of this file; it is seeded from
 * AT_RANDOM (derived from the run's seed in vrsim) on first use, so TCP's initial sequence
 * numbers, ports and DHCP transaction ids are a function of the seed.
 * Never: host time or host randomness (there is none to reach from a guest anyway).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/sys.h"
#include "prng/vl_prng.h"
#include "veridian/vk.h"

static struct vl_prng vns_prng;
static int vns_prng_seeded;

uint32_t vns_rand(void)
{
    if (!vns_prng_seeded) {
        const unsigned char *r = vr_auxv_random();
        uint64_t seed = 0x6e657473u; /* "nets": without AT_RANDOM, still deterministic */
        if (r)
            memcpy(&seed, r + 8, sizeof seed);
        vl_prng_seed(&vns_prng, seed);
        vns_prng_seeded = 1;
    }
    return (uint32_t)(vl_prng_next(&vns_prng) >> 32);
}

void vns_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void vns_assert(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", msg, file, line);
    abort();
}

u32_t sys_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts))
        return 0;
    return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
