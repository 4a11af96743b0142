/*
 * polltest: poll() over several pipes wakes when one becomes ready, at that
 * virtual instant (not at the next polling tick), and times out when none does.
 */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "veridian/vk.h"
#include "expect.h"

static int a[2], b[2];

static long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void late_write(void *arg)
{
    (void)arg;
    struct timespec d = {0, 5300000}; /* 5.3 ms */
    nanosleep(&d, NULL);
    write(b[1], "x", 1);
}

int main(void)
{
    pipe(a);
    pipe(b);
    uint32_t th;
    vr_thread_start(late_write, NULL, 16384, &th);
    struct pollfd p[2] = {{a[0], POLLIN, 0}, {b[0], POLLIN, 0}};
    long t0 = now_us();
    int r = poll(p, 2, 1000);
    long dt = now_us() - t0;
    expect("one fd ready", r, 1);
    expect("the late pipe", p[1].revents, POLLIN);
    expect("the other pipe", p[0].revents, 0);
    expect("woken at the write, not a tick later", dt >= 5300 && dt < 5400, 1);
    char c;
    read(b[0], &c, 1);
    t0 = now_us();
    r = poll(p, 2, 20);
    dt = now_us() - t0;
    expect("nothing ready: timeout", r, 0);
    expect("after 20 ms", dt >= 20000 && dt < 20100, 1);
    close(a[1]);
    expect("writer gone: POLLHUP", poll(p, 2, 1000), 1);
    expect("on that pipe", p[0].revents & POLLHUP, POLLHUP);
    return expect_summary("polltest");
}
