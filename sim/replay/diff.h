/*
 * diff: the divergence finder (vrsim diff). Compares two binary traces (sim/trace/trace_bin.h),
 * or two runs given as vrsim-run command lines that it runs itself with --trace-bin, event by
 * event, and prints the first event that differs with the events before it, named: number,
 * virtual time, kind, process (name), thread, fields. Strings are compared by content, not
 * by id. Exit status: 0 the same, 1 different, 2 bad input (a file refused, a run that could
 * not be started).
 */
#ifndef VS_REPLAY_DIFF_H
#define VS_REPLAY_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "sim/trace/trace_bin.h"

/* vrsim diff ARGS... (argv without "diff"). */
int vs_diff_main(int argc, char **argv);

/* Compares two read traces; prints "same: ..." or the first difference with `context` events
 * before it (A's and B's versions of it) on out. 0 same, 1 different. */
int vs_diff_compare(const char *na, const struct vs_trace_file *a, const char *nb,
                    const struct vs_trace_file *b, uint64_t context, FILE *out);

/* One event in words, for the diff, the inspector and replay reports:
 * "#N t=S.NNNNNNNNNs kind pid P (name) tid T fields". names maps pid -> name (may be NULL). */
typedef const char *(*vs_pid_namer)(void *ctx, uint32_t pid);
void vs_event_describe(const struct vs_trace_event *e, uint64_t index, const char *str,
                       size_t strlen_, vs_pid_namer names, void *ctx, char *buf, size_t len);

#endif
