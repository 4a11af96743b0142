#!/usr/bin/env bash
# Random kernel calls with random arguments from a real guest: the kernel refuses, nothing
# crashes, vrsim finishes, and the same seed repeats the run exactly.
. "$(dirname "$0")/../lib.sh"
for s in 1 2 4; do
    run_vrsim "k$s" --no-init --quiet "$TESTIMAGE" -- /test/kfuzz 30000 "$s"
    expect_eq "seed $s: status" "$(status "k$s")" 0
    expect_match "seed $s: survived" "$(out "k$s" | tail -n 1)" '^kfuzz: done: ok [0-9]+, EBADH [1-9]'
    expect_digest_line "k$s"
done
run_vrsim k1b --no-init --quiet "$TESTIMAGE" -- /test/kfuzz 30000 1
expect_eq "same seed, same run" "$(digest k1b)" "$(digest k1)"
finish
