/*
 * The small arithmetic parts of <stdlib.h> and <inttypes.h>: abs, div and their wider
 * forms, and rand. rand is a 64-bit LCG (Knuth's MMIX constants) returning its top 31 bits:
 * deterministic from srand's seed (1 by default), shared by all threads under a lock.
 */
#include "libc.h"

#include <inttypes.h>
#include <stdlib.h>

static struct vr_lock rand_lock = VR_LOCK_INIT;
static uint64_t rand_state = 1;

int abs(int j)
{
    return j < 0 ? -j : j;
}

long labs(long j)
{
    return j < 0 ? -j : j;
}

long long llabs(long long j)
{
    return j < 0 ? -j : j;
}

intmax_t imaxabs(intmax_t j)
{
    return j < 0 ? -j : j;
}

div_t div(int num, int den)
{
    return (div_t){num / den, num % den};
}

ldiv_t ldiv(long num, long den)
{
    return (ldiv_t){num / den, num % den};
}

lldiv_t lldiv(long long num, long long den)
{
    return (lldiv_t){num / den, num % den};
}

imaxdiv_t imaxdiv(intmax_t num, intmax_t den)
{
    return (imaxdiv_t){num / den, num % den};
}

static uint64_t lcg_next(uint64_t s)
{
    return s * 6364136223846793005ull + 1442695040888963407ull;
}

int rand(void)
{
    vr_lock_acquire(&rand_lock);
    rand_state = lcg_next(rand_state);
    int r = (int)(rand_state >> 33);
    vr_lock_release(&rand_lock);
    return r;
}

int rand_r(unsigned int *seed)
{
    /* only 32 bits of state: a 32-bit LCG, top bits */
    *seed = *seed * 1103515245u + 12345u;
    return (int)(*seed >> 1);
}

void srand(unsigned int seed)
{
    vr_lock_acquire(&rand_lock);
    rand_state = seed;
    vr_lock_release(&rand_lock);
}
