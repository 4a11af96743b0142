/*
 * gdbprog N: the gdb stub's test subject (tests/integration/replay/gdb.sh). Calls
 * square_sum(i) for i = 1..N, each with a local the debugger prints, and a kernel call in
 * between (write) that a single step steps over; prints the total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

long square_sum(long n);
__attribute__((noinline)) long square_sum(long n)
{
    volatile long acc = 0;
    for (long i = 1; i <= n; i++)
        acc += i * i;
    return acc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 3, total = 0;
    for (long i = 1; i <= n; i++) {
        total += square_sum(i);
        write(1, ".", 1);
    }
    printf("\ngdbprog: total %ld\n", total);
    return 0;
}
