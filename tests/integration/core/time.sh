#!/usr/bin/env bash
# Virtual time: with --pace free a long sleep costs no host time; with --pace wall virtual
# time never runs ahead of the wall clock.
. "$(dirname "$0")/../lib.sh"
run_vrsim free --pace free "$TESTIMAGE" -- /test/sleepy 30000
expect_eq "free: 30 s of virtual sleep" "$(out free)" "sleepy: slept 30000 ms of virtual time"
expect_eq "free: status" "$(status free)" 0
start=$(date +%s%N)
run_vrsim wall --pace wall "$TESTIMAGE" -- /test/sleepy 300
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "wall: slept" "$(out wall)" "sleepy: slept 300 ms of virtual time"
if [ "$elapsed_ms" -ge 300 ]; then pass "wall: took at least 300 ms (${elapsed_ms} ms)"; else
    fail "wall: virtual time ran ahead of the wall clock (${elapsed_ms} ms)"; fi
finish
