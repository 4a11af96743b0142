/*
 * C11/POSIX <time.h>, on the kernel's virtual clock. CLOCK_MONOTONIC is virtual time since
 * boot; CLOCK_REALTIME is a fixed epoch (2026-01-01T00:00:00Z) plus virtual time, so runs
 * are reproducible. The CPU-time clocks read virtual time too (the simulator charges each
 * kernel call, not each instruction). There are no signals, so sleeps are never interrupted.
 */
#ifndef _TIME_H
#define _TIME_H

#include <stddef.h>

#include <bits/timespec.h>
#include <bits/types.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define TIME_UTC 1

/* 2026-01-01T00:00:00Z, the Unix time at which virtual time 0 lies */
#define VR_REALTIME_EPOCH 1767225600L

int clock_gettime(clockid_t clk, struct timespec *ts);
int clock_getres(clockid_t clk, struct timespec *res);
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *out);
int timespec_get(struct timespec *ts, int base);

#endif
