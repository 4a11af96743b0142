/*
 * clocks: libveridian's time functions against the virtual clock, which only a run in
 * vrsim can check exactly (the differential time_fmt covers the calendar against glibc).
 * CLOCK_REALTIME is VR_REALTIME_EPOCH + CLOCK_MONOTONIC; sleeps (nanosleep, usleep,
 * sleep, clock_nanosleep absolute) advance virtual time by at least what was asked and
 * less than 1 ms more; gettimeofday, time and times agree with the clocks; timed waits
 * (cond, mutex, semaphore) end at their deadline; bad arguments give EINVAL.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"

static long long ns_of(const struct timespec *ts)
{
    return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ns_of(&ts);
}

/* 1 when a step took at least want ns and less than want + 1 ms */
static int took(long long start, long long want)
{
    long long d = mono() - start;
    return d >= want && d < want + 1000000;
}

static struct timespec abs_after(clockid_t clk, long long ns)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    long long t = ns_of(&ts) + ns;
    ts.tv_sec = (time_t)(t / 1000000000LL);
    ts.tv_nsec = (long)(t % 1000000000LL);
    return ts;
}

int main(void)
{
    struct timespec rt, mt, res, req;
    long long start;

    clock_gettime(CLOCK_MONOTONIC, &mt);
    clock_gettime(CLOCK_REALTIME, &rt);
    long long diff = ns_of(&rt) - ns_of(&mt);
    expect("realtime = epoch + monotonic (within 1 ms)",
           diff >= (long long)VR_REALTIME_EPOCH * 1000000000LL &&
               diff < (long long)VR_REALTIME_EPOCH * 1000000000LL + 1000000,
           1);
    expect("clock_getres: 1 ns", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_nsec == 1, 1);
    errno = 0;
    expect("clock_gettime bad clock", clock_gettime(99, &rt), -1);
    expect("  EINVAL", errno, EINVAL);

    time_t now = time(NULL);
    struct tm tm;
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %Z", localtime_r(&now, &tm));
    expect("today is 2026-01-01 UTC", strcmp(buf, "2026-01-01 UTC"), 0);

    struct timeval tv;
    expect("gettimeofday", gettimeofday(&tv, NULL), 0);
    expect("gettimeofday agrees with time()", tv.tv_sec - now >= 0 && tv.tv_sec - now <= 1, 1);

    start = mono();
    req.tv_sec = 1;
    req.tv_nsec = 500000000;
    expect("nanosleep 1.5 s", nanosleep(&req, NULL), 0);
    expect("  took 1.5 s", took(start, 1500000000LL), 1);
    req.tv_nsec = 1000000000;
    errno = 0;
    expect("nanosleep bad tv_nsec", nanosleep(&req, NULL), -1);
    expect("  EINVAL", errno, EINVAL);
    start = mono();
    expect("usleep 2500", usleep(2500), 0);
    expect("  took 2.5 ms", took(start, 2500000), 1);
    start = mono();
    expect("sleep 2", (long)sleep(2), 0);
    expect("  took 2 s", took(start, 2000000000LL), 1);
    start = mono();
    req = abs_after(CLOCK_REALTIME, 300000000);
    expect("clock_nanosleep absolute realtime",
           clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL), 0);
    expect("  took 0.3 s", took(start, 300000000), 1);

    struct tms t;
    clock_t ticks = times(&t);
    expect("times: ticks of 10 ms since boot", ticks == mono() / 10000000, 1);
    expect("  utime is the ticks", t.tms_utime == ticks && t.tms_stime == 0, 1);

    /* timed waits end at their deadline on both clocks */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_condattr_t ca;
    pthread_cond_t cm;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cm, &ca);
    pthread_mutex_lock(&m);
    start = mono();
    req = abs_after(CLOCK_REALTIME, 250000000);
    expect("cond_timedwait realtime", pthread_cond_timedwait(&c, &m, &req), ETIMEDOUT);
    expect("  took 0.25 s", took(start, 250000000), 1);
    start = mono();
    req = abs_after(CLOCK_MONOTONIC, 40000000);
    expect("cond_timedwait monotonic", pthread_cond_timedwait(&cm, &m, &req), ETIMEDOUT);
    expect("  took 40 ms", took(start, 40000000), 1);
    pthread_mutex_unlock(&m);

    sem_t s;
    sem_init(&s, 0, 0);
    start = mono();
    req = abs_after(CLOCK_REALTIME, 70000000);
    expect("sem_timedwait", sem_timedwait(&s, &req), -1);
    expect("  ETIMEDOUT", errno, ETIMEDOUT);
    expect("  took 70 ms", took(start, 70000000), 1);
    return expect_summary("clocks");
}
