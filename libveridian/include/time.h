/*
 * C11/POSIX <time.h>, on the kernel's virtual clock. CLOCK_MONOTONIC is virtual time since
 * boot; CLOCK_REALTIME is a fixed epoch (2026-01-01T00:00:00Z) plus virtual time, so runs
 * are reproducible. The CPU-time clocks read virtual time too (the simulator charges each
 * kernel call, not each instruction). There are no signals, so sleeps are never interrupted.
 * Calendar functions (src/timefmt.c) know only UTC: localtime is gmtime with the zone named
 * "UTC" (gmtime's is "GMT", as glibc's), mktime is timegm; strftime is the C locale's.
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

#define CLOCKS_PER_SEC 1000000L

struct tm {
    int tm_sec;
    int tm_min;
    int tm_hour;
    int tm_mday;
    int tm_mon;
    int tm_year; /* since 1900 */
    int tm_wday; /* 0 = Sunday */
    int tm_yday;
    int tm_isdst;
    long tm_gmtoff;
    const char *tm_zone;
};

int clock_gettime(clockid_t clk, struct timespec *ts);
int clock_getres(clockid_t clk, struct timespec *res);
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *out);
int timespec_get(struct timespec *ts, int base);
clock_t clock(void);
double difftime(time_t a, time_t b);

struct tm *gmtime_r(const time_t *t, struct tm *out);
struct tm *gmtime(const time_t *t);
struct tm *localtime_r(const time_t *t, struct tm *out);
struct tm *localtime(const time_t *t);
time_t timegm(struct tm *tm);
time_t mktime(struct tm *tm);
size_t strftime(char *restrict buf, size_t max, const char *restrict fmt,
                const struct tm *restrict tm);
char *asctime_r(const struct tm *restrict tm, char *restrict buf);
char *asctime(const struct tm *tm);
char *ctime_r(const time_t *t, char *buf);
char *ctime(const time_t *t);

#endif
