/*
 * POSIX <sys/times.h>: times() in clock ticks of 1/100 s (sysconf(_SC_CLK_TCK) on Linux).
 * The simulator charges virtual time per kernel call, so the process's user time is its
 * virtual time since boot, system time 0, and children's times 0 (no wait reporting yet).
 */
#ifndef _SYS_TIMES_H
#define _SYS_TIMES_H

#include <bits/types.h>

#define VR_CLK_TCK 100

struct tms {
    clock_t tms_utime;
    clock_t tms_stime;
    clock_t tms_cutime;
    clock_t tms_cstime;
};

clock_t times(struct tms *buf);

#endif
