/* POSIX <sys/time.h>: gettimeofday on the virtual clock (CLOCK_REALTIME, see <time.h>). */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H

#include <bits/types.h>
#include <time.h>

struct timeval {
    time_t tv_sec;
    suseconds_t tv_usec;
};

struct timezone {
    int tz_minuteswest;
    int tz_dsttime;
};

/* tz, if given, gets UTC (0, 0). */
int gettimeofday(struct timeval *restrict tv, void *restrict tz);

#endif
