#!/usr/bin/env bash
# libveridian's clocks on virtual time (progs/clocks.c): the realtime epoch, sleeps, timed
# waits ending at their deadlines, gettimeofday/time/times; the same under --chaos.
. "$(dirname "$0")/../lib.sh"
run_vrsim plain "$TESTIMAGE" -- /test/clocks
expect_eq "clocks: status" "$(status plain)" 0
expect_eq "clocks: summary" "$(out plain | tail -n 1)" "clocks: 0 failure(s)"
out plain | grep FAIL || true
for s in 1 2 3; do
    run_vrsim "chaos$s" --seed "$s" --chaos "$TESTIMAGE" -- /test/clocks
    expect_eq "clocks --chaos seed $s" "$(out "chaos$s" | tail -n 1)" "clocks: 0 failure(s)"
done
finish
