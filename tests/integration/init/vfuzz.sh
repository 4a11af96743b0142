#!/usr/bin/env bash
# Random requests to vfs (opcodes, data, paths, buffers, handles): it answers or refuses each
# and keeps working; the same seed repeats the run.
. "$(dirname "$0")/../lib.sh"
for s in 1 2 4; do
    run_vrsim "v$s" --quiet "$TESTIMAGE" -- /test/vfuzz 3000 "$s"
    out "v$s" | tail -n 1
    expect_eq "seed $s: status" "$(status "v$s")" 0
    expect_match "seed $s: vfs still works" "$(out "v$s" | tail -n 1)" 'vfs still works$'
done
run_vrsim v1b --quiet "$TESTIMAGE" -- /test/vfuzz 3000 1
expect_eq "same seed, same run" "$(digest v1b)" "$(digest v1)"
finish
