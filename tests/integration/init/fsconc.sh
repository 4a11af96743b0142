#!/usr/bin/env bash
# Several processes create, append and rename in one directory under --chaos: nothing
# written is lost or torn, and the directory ends consistent.
. "$(dirname "$0")/../lib.sh"
for s in 1 2 3 4; do
    run_vrsim "c$s" --chaos --seed "$s" "$TESTIMAGE" -- /test/fsconc 4 25
    out "c$s"
    expect_eq "seed $s: status" "$(status "c$s")" 0
    expect_match "seed $s: all there" "$(out "c$s")" \
        '^fsconc: 4 workers x 25 rounds: 100 log lines, 100 files, 0 strays, 0 problems$'
done
expect_ne "different seeds, different runs" "$(digest c1)" "$(digest c2)"
finish
