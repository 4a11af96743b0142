/*
 * struct timespec, shared by <time.h> and <sys/stat.h> (POSIX has both define it).
 */
#ifndef _BITS_TIMESPEC_H
#define _BITS_TIMESPEC_H

#include <bits/types.h>

struct timespec {
    time_t tv_sec;
    long tv_nsec;
};

#endif
