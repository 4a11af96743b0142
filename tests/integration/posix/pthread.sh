#!/usr/bin/env bash
# pthread invariants under --chaos: the differential programs of tests/diff/progs (mutex
# exclusion over a non-atomic counter, condvar producer/consumer and ping-pong with no lost
# wake-ups, rwlock readers-vs-writers, semaphores, barriers, once, TSD destructors, thread
# reclaim beyond the kernel's thread limit (pt_many), join values, mutex error cases, the
# process outliving its main thread) run with preemption at random kernel calls, seeds 1..SEEDS
# (default 10; the stress test stress.posix.pthread runs 100) alternating --chaos=4 and
# --chaos=2. Each run must pass its checks and print what the plain run prints; one seed run
# twice gives one trace digest.
. "$(dirname "$0")/../lib.sh"
SEEDS=${SEEDS:-10}
for p in pt_mutex pt_cond pt_rwlock pt_sem pt_misc pt_many pt_exit; do
    run_vrsim "$p-plain" --seed 1 "$TESTIMAGE" -- "/test/$p"
    expect_eq "$p: plain run status" "$(status "$p-plain")" 0
    expect_eq "$p: plain run checks" "$(out "$p-plain" | tail -n 1)" "$p: ok"
    bad=0
    for s in $(seq 1 "$SEEDS"); do
        chaos=$((s % 2 ? 4 : 2))
        run_vrsim "$p-$s" --seed "$s" --chaos="$chaos" "$TESTIMAGE" -- "/test/$p"
        if [ "$(status "$p-$s")" != 0 ] || ! cmp -s "$TMP/$p-plain.out" "$TMP/$p-$s.out"; then
            fail "$p: seed $s --chaos=$chaos: status $(status "$p-$s")"
            diff "$TMP/$p-plain.out" "$TMP/$p-$s.out" | head -n 10
            bad=$((bad + 1))
        fi
    done
    expect_eq "$p: $SEEDS chaos seeds" "$bad" 0
    run_vrsim "$p-again" --seed 2 --chaos=2 "$TESTIMAGE" -- "/test/$p"
    expect_eq "$p: seed 2 repeats its digest" "$(digest "$p-again")" "$(digest "$p-2")"
done
finish
