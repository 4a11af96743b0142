/*
 * sockbench MODE N: socket costs, one source for both sides. Built for Veridian
 * (/test/sockbench, timed by run.py from vrsim's host time, so netstack's work counts) and for
 * Linux (bench/linux_sockbench, which prints its own ns per operation).
 *   socket   N times socket(AF_INET, SOCK_STREAM) + close
 *   connect  N times a TCP connect + accept + close of both ends over loopback (127.0.0.1)
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int bench_socket(long n)
{
    for (long i = 0; i < n; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0)
            return 1;
        close(s);
    }
    return 0;
}

static int bench_connect(long n)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    socklen_t len = sizeof a;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 16) ||
        getsockname(l, (struct sockaddr *)&a, &len))
        return 1;
    for (long i = 0; i < n; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a))
            return 2;
        int s = accept(l, NULL, NULL);
        if (s < 0)
            return 3;
        /* the server closes first (its TIME_WAIT), as a request/response server does; the
         * client's close then resets nothing */
        close(s);
        close(c);
    }
    close(l);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "socket";
    long n = argc > 2 ? atol(argv[2]) : 1000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = strcmp(mode, "connect") ? bench_socket(n) : bench_connect(n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc)
        return rc;
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n);
    return 0;
}
