#!/usr/bin/env bash
# posix_spawn and waitpid at scale (progs/spawnmany.c): 100 children alive at once, each
# reaped once with its own status, no leaked handles, an orphan outliving its parent; the
# same under --chaos, and one seed gives one trace.
. "$(dirname "$0")/../lib.sh"
run_vrsim plain "$TESTIMAGE" -- /test/spawnmany
expect_eq "spawnmany: status" "$(status plain)" 0
expect_eq "spawnmany: summary" "$(out plain | grep '^spawnmany:')" "spawnmany: 0 failure(s)"
expect_eq "spawnmany: the orphan printed" \
    "$(out plain | grep -c '^orphan: still running after its parent.s exit$')" 1
out plain | grep FAIL || true
run_vrsim again "$TESTIMAGE" -- /test/spawnmany
expect_eq "spawnmany: one trace per seed" "$(digest again)" "$(digest plain)"
for s in 1 2 3; do
    run_vrsim "chaos$s" --seed "$s" --chaos "$TESTIMAGE" -- /test/spawnmany
    expect_eq "spawnmany --chaos seed $s" "$(out "chaos$s" | grep '^spawnmany:')" \
        "spawnmany: 0 failure(s)"
done
finish
