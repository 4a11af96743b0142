/*
 * time_fmt: calendar conversions of fixed timestamps (no clock is read): gmtime_r fields,
 * strftime with the common conversions, timegm/mktime normalizing out-of-range fields,
 * ISO weeks around new year, asctime, 300 pseudo-random timestamps (+-1000 years) and
 * out-of-range timegm inputs, and strftime's result when the buffer is too small.
 * Zones: gmtime's tm_zone is "GMT" on both sides; localtime is not compared (the host's
 * TZ is its own).
 */
#include <string.h>
#include <time.h>

#include "check.h"

static const time_t stamps[] = {
    0,          /* 1970-01-01 Thursday */
    951782400,  /* 2000-02-29 */
    1000000000, /* 2001-09-09 01:46:40 */
    1234567890,
    1767225600, /* 2026-01-01, Veridian's CLOCK_REALTIME epoch */
    1767225599,
    1704067199, /* 2023-12-31 23:59:59 (ISO week 52) */
    1735603200, /* 2024-12-31 (ISO week 1 of 2025) */
    1609459200, /* 2021-01-01 (ISO week 53 of 2020) */
    2147483647,
    4102444800, /* 2100-01-01 */
    -1,
    -86400 * 365L,
    -2208988800L,  /* 1900-01-01 */
    253402300799L, /* 9999-12-31 23:59:59 */
};

int main(void)
{
    char buf[512];
    struct tm tm;

    for (size_t i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
        time_t t = stamps[i];
        CHECK(gmtime_r(&t, &tm) == &tm);
        printf("%ld: %d-%d-%d %d:%d:%d wday %d yday %d dst %d\n", (long)t, tm.tm_year, tm.tm_mon,
               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday, tm.tm_isdst);
        size_t n = strftime(buf, sizeof buf,
                            "%Y-%m-%d %H:%M:%S|%a %A %b %B|%e|%j|%Z %z|%s|%%|%C %y|%D|%F|%T|%R|"
                            "%I %l %p|%k|%u %w|%U %W %V %G %g|%c|%x %X|%r|%h|%n%t.",
                            &tm);
        CHECK(n == strlen(buf));
        printf("  %s\n", buf);
        struct tm copy = tm;
        CHECK(timegm(&copy) == t);
        CHECK(asctime_r(&tm, buf) != NULL);
        printf("  asctime %s", buf);
    }

    /* timegm normalizes: month 13, day 0, negative seconds, minute 75 */
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 125;
    tm.tm_mon = 12;
    tm.tm_mday = 0;
    tm.tm_hour = 25;
    tm.tm_min = 75;
    tm.tm_sec = -10;
    time_t t = timegm(&tm);
    strftime(buf, sizeof buf, "%F %T %a yday %j", &tm);
    printf("normalized: %ld %s\n", (long)t, buf);
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 100;
    tm.tm_mon = -14;
    tm.tm_mday = 400;
    t = timegm(&tm);
    strftime(buf, sizeof buf, "%F %T", &tm);
    printf("normalized: %ld %s\n", (long)t, buf);

    /* pseudo-random timestamps over +-1000 years and random out-of-range fields for timegm
     * (a fixed LCG: the same list on both sides) */
    unsigned long long x = 12345;
    for (int i = 0; i < 300; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        time_t r = (time_t)((long long)((x >> 20) % 63113904000ULL) - 31556952000LL);
        gmtime_r(&r, &tm);
        strftime(buf, sizeof buf, "%F %T %a %j %U %W %V %G %u %s", &tm);
        printf("r %ld %s\n", (long)r, buf);
        memset(&tm, 0, sizeof tm);
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        tm.tm_year = (int)((x >> 33) % 400) - 100;
        tm.tm_mon = (int)((x >> 20) % 100) - 50;
        tm.tm_mday = (int)((x >> 40) % 1000) - 500;
        tm.tm_hour = (int)((x >> 10) % 200) - 100;
        tm.tm_min = (int)((x >> 50) % 2000) - 1000;
        tm.tm_sec = (int)((x >> 5) % 20000) - 10000;
        r = timegm(&tm);
        strftime(buf, sizeof buf, "%F %T %a %j", &tm);
        printf("n %ld %s\n", (long)r, buf);
    }

    /* too small: 0 */
    t = 1767225600;
    gmtime_r(&t, &tm);
    CHECK(strftime(buf, 10, "%Y-%m-%d", &tm) == 0);
    CHECK(strftime(buf, 11, "%Y-%m-%d", &tm) == 10);
    const char *empty = "";
    CHECK(strftime(buf, sizeof buf, empty, &tm) == 0);
    printf("strftime fits: %s\n", buf[0] ? "?" : "(empty)");
    return done("time_fmt");
}
