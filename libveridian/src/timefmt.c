/*
 * Calendar time in UTC (there are no time zones): gmtime/localtime, timegm/mktime,
 * strftime with the C locale's conversions, asctime/ctime, and gettimeofday, times and
 * clock on the virtual clock (time.c). Days are converted with Howard Hinnant's
 * days-from-civil algorithm (proleptic Gregorian, any year an int holds).
 * localtime's zone is "UTC" and gmtime's "GMT", both offset 0, as glibc's without TZ.
 */
#include "libc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static const char *const wday_name[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const mon_name[12] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static int is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static struct tm *to_tm(time_t t, struct tm *out, const char *zone)
{
    long long days = t / 86400, secs = t % 86400;
    long long y;
    unsigned m, d;

    if (secs < 0) {
        secs += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    if (y - 1900 > INT_MAX || y - 1900 < INT_MIN) {
        errno = EOVERFLOW;
        return NULL;
    }
    out->tm_year = (int)(y - 1900);
    out->tm_mon = (int)m - 1;
    out->tm_mday = (int)d;
    out->tm_hour = (int)(secs / 3600);
    out->tm_min = (int)(secs / 60 % 60);
    out->tm_sec = (int)(secs % 60);
    out->tm_wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    out->tm_yday = (int)(days - days_from_civil(y, 1, 1));
    out->tm_isdst = 0;
    out->tm_gmtoff = 0;
    out->tm_zone = zone;
    return out;
}

struct tm *gmtime_r(const time_t *t, struct tm *out)
{
    return to_tm(*t, out, "GMT");
}

struct tm *localtime_r(const time_t *t, struct tm *out)
{
    return to_tm(*t, out, "UTC");
}

/* One per thread would need TLS; like glibc, these share one static result. */
static struct tm static_tm;

struct tm *gmtime(const time_t *t)
{
    return gmtime_r(t, &static_tm);
}

struct tm *localtime(const time_t *t)
{
    return localtime_r(t, &static_tm);
}

/* Fields normalized (out-of-range values carried), the time; tm rewritten. */
static time_t from_tm(struct tm *tm, const char *zone)
{
    long long mon = tm->tm_mon, year = (long long)tm->tm_year + 1900;
    long long carry = mon >= 0 ? mon / 12 : -((11 - mon) / 12);
    year += carry;
    mon -= carry * 12;
    long long days = days_from_civil(year, (unsigned)mon + 1, 1) + (long long)tm->tm_mday - 1;
    long long t =
        days * 86400 + (long long)tm->tm_hour * 3600 + (long long)tm->tm_min * 60 + tm->tm_sec;
    time_t tt = (time_t)t;
    if (!to_tm(tt, tm, zone))
        return (time_t)-1;
    return tt;
}

time_t timegm(struct tm *tm)
{
    return from_tm(tm, "GMT");
}

time_t mktime(struct tm *tm)
{
    return from_tm(tm, "UTC");
}

double difftime(time_t a, time_t b)
{
    return (double)a - (double)b;
}

/* ISO 8601 week-based year and week of tm. */
static void iso_week(const struct tm *tm, long long *year, int *week)
{
    long long y = (long long)tm->tm_year + 1900;
    int wday = (tm->tm_wday + 6) % 7; /* Monday 0 */
    int w = (tm->tm_yday - wday + 10) / 7;

    if (w < 1) {
        y--;
        int prev_len = is_leap(y) ? 366 : 365;
        w = (tm->tm_yday + prev_len - wday + 10) / 7;
    } else {
        int len = is_leap(y) ? 366 : 365;
        if (tm->tm_yday - wday + 3 >= len) {
            /* Thursday of this week is in the next year */
            y++;
            w = 1;
        }
    }
    *year = y;
    *week = w;
}

struct out {
    char *buf;
    size_t max, len;
    int overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= o->max) {
        o->overflow = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putnum(struct out *o, long long v, int width, char pad)
{
    char tmp[32];
    int n = pad == '0' ? snprintf(tmp, sizeof tmp, "%0*lld", width, v)
                       : snprintf(tmp, sizeof tmp, "%*lld", width, v);
    put(o, tmp, (size_t)n);
}

static void format(struct out *o, const char *fmt, const struct tm *tm)
{
    for (const char *p = fmt; *p && !o->overflow; p++) {
        if (*p != '%') {
            put(o, p, 1);
            continue;
        }
        p++;
        if (*p == 'E' || *p == 'O') /* the alternative forms are the C locale's own */
            p++;
        long long year = (long long)tm->tm_year + 1900, iy;
        int hour12 = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12, week;
        switch (*p) {
        case 'a':
            put(o, (unsigned)tm->tm_wday < 7 ? wday_name[tm->tm_wday] : "?", 3);
            break;
        case 'A':
            puts_(o, (unsigned)tm->tm_wday < 7 ? wday_name[tm->tm_wday] : "?");
            break;
        case 'b':
        case 'h':
            put(o, (unsigned)tm->tm_mon < 12 ? mon_name[tm->tm_mon] : "?", 3);
            break;
        case 'B':
            puts_(o, (unsigned)tm->tm_mon < 12 ? mon_name[tm->tm_mon] : "?");
            break;
        case 'c':
            format(o, "%a %b %e %H:%M:%S %Y", tm);
            break;
        case 'C':
            putnum(o, year >= 0 ? year / 100 : -((99 - year) / 100), 2, '0');
            break;
        case 'd':
            putnum(o, tm->tm_mday, 2, '0');
            break;
        case 'D':
            format(o, "%m/%d/%y", tm);
            break;
        case 'e':
            putnum(o, tm->tm_mday, 2, ' ');
            break;
        case 'F':
            format(o, "%Y-%m-%d", tm);
            break;
        case 'g':
            iso_week(tm, &iy, &week);
            putnum(o, ((iy % 100) + 100) % 100, 2, '0');
            break;
        case 'G':
            iso_week(tm, &iy, &week);
            putnum(o, iy, 1, '0');
            break;
        case 'H':
            putnum(o, tm->tm_hour, 2, '0');
            break;
        case 'I':
            putnum(o, hour12, 2, '0');
            break;
        case 'j':
            putnum(o, tm->tm_yday + 1, 3, '0');
            break;
        case 'k':
            putnum(o, tm->tm_hour, 2, ' ');
            break;
        case 'l':
            putnum(o, hour12, 2, ' ');
            break;
        case 'm':
            putnum(o, tm->tm_mon + 1, 2, '0');
            break;
        case 'M':
            putnum(o, tm->tm_min, 2, '0');
            break;
        case 'n':
            put(o, "\n", 1);
            break;
        case 'p':
            puts_(o, tm->tm_hour < 12 ? "AM" : "PM");
            break;
        case 'P':
            puts_(o, tm->tm_hour < 12 ? "am" : "pm");
            break;
        case 'r':
            format(o, "%I:%M:%S %p", tm);
            break;
        case 'R':
            format(o, "%H:%M", tm);
            break;
        case 's': {
            struct tm copy = *tm;
            putnum(o, (long long)timegm(&copy), 1, '0');
            break;
        }
        case 'S':
            putnum(o, tm->tm_sec, 2, '0');
            break;
        case 't':
            put(o, "\t", 1);
            break;
        case 'T':
            format(o, "%H:%M:%S", tm);
            break;
        case 'u':
            putnum(o, tm->tm_wday ? tm->tm_wday : 7, 1, '0');
            break;
        case 'U':
            putnum(o, (tm->tm_yday + 7 - tm->tm_wday) / 7, 2, '0');
            break;
        case 'V':
            iso_week(tm, &iy, &week);
            putnum(o, week, 2, '0');
            break;
        case 'w':
            putnum(o, tm->tm_wday, 1, '0');
            break;
        case 'W':
            putnum(o, (tm->tm_yday + 7 - (tm->tm_wday + 6) % 7) / 7, 2, '0');
            break;
        case 'x':
            format(o, "%m/%d/%y", tm);
            break;
        case 'X':
            format(o, "%H:%M:%S", tm);
            break;
        case 'y':
            putnum(o, ((year % 100) + 100) % 100, 2, '0');
            break;
        case 'Y':
            putnum(o, year, 1, '0');
            break;
        case 'z': {
            long off = tm->tm_gmtoff;
            char sign = off < 0 ? '-' : '+';
            if (off < 0)
                off = -off;
            put(o, &sign, 1);
            putnum(o, off / 3600 * 100 + off / 60 % 60, 4, '0');
            break;
        }
        case 'Z':
            puts_(o, tm->tm_zone ? tm->tm_zone : "GMT");
            break;
        case '%':
            put(o, "%", 1);
            break;
        case '\0':
            p--; /* a lone '%' at the end: copied as is */
            put(o, "%", 1);
            break;
        default: /* unknown: copied as is, as glibc does */
            put(o, p - 1, 2);
            break;
        }
    }
}

size_t strftime(char *restrict buf, size_t max, const char *restrict fmt,
                const struct tm *restrict tm)
{
    struct out o = {.buf = buf, .max = max, .len = 0, .overflow = 0};

    if (max == 0)
        return 0;
    format(&o, fmt, tm);
    if (o.overflow)
        return 0;
    buf[o.len] = 0;
    return o.len;
}

char *asctime_r(const struct tm *restrict tm, char *restrict buf)
{
    /* the C standard's format, in a 26-byte buffer */
    if (strftime(buf, 26, "%a %b %e %H:%M:%S %Y\n", tm) == 0)
        return NULL;
    return buf;
}

static char static_asc[32];

char *asctime(const struct tm *tm)
{
    return asctime_r(tm, static_asc);
}

char *ctime_r(const time_t *t, char *buf)
{
    struct tm tm;

    return localtime_r(t, &tm) ? asctime_r(&tm, buf) : NULL;
}

char *ctime(const time_t *t)
{
    return ctime_r(t, static_asc);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
        return -1;
    if (tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    if (tz) {
        struct timezone *z = tz;
        z->tz_minuteswest = 0;
        z->tz_dsttime = 0;
    }
    return 0;
}

clock_t times(struct tms *buf)
{
    long ns = vk_clock_get();

    if (ns < 0)
        return (clock_t)vr_posix(ns);
    clock_t ticks = (clock_t)(ns / (1000000000L / VR_CLK_TCK));
    if (buf) {
        buf->tms_utime = ticks;
        buf->tms_stime = 0;
        buf->tms_cutime = 0;
        buf->tms_cstime = 0;
    }
    return ticks;
}

clock_t clock(void)
{
    long ns = vk_clock_get();

    return ns < 0 ? (clock_t)-1 : (clock_t)(ns / 1000);
}
