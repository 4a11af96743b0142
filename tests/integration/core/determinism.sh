#!/usr/bin/env bash
# Same seed, same inputs: the same run, bit for bit (trace digest); --chaos with other
# seeds gives other interleavings.
. "$(dirname "$0")/../lib.sh"
run_vrsim pp1 --seed 5 "$TESTIMAGE" -- /test/pingpong 3000
run_vrsim pp2 --seed 5 "$TESTIMAGE" -- /test/pingpong 3000
expect_eq "pingpong status" "$(status pp1)" 0
expect_eq "pingpong output" "$(out pp1)" "pingpong: 3000 round trips, sum=4501500"
expect_eq "pingpong: same seed, same digest" "$(digest pp1)" "$(digest pp2)"
run_vrsim ppc1 --seed 5 --chaos "$TESTIMAGE" -- /test/pingpong 3000
run_vrsim ppc2 --seed 5 --chaos "$TESTIMAGE" -- /test/pingpong 3000
expect_eq "chaos pingpong still correct" "$(out ppc1)" "pingpong: 3000 round trips, sum=4501500"
expect_eq "chaos: same seed, same digest" "$(digest ppc1)" "$(digest ppc2)"

for s in 1 2 3; do
    run_vrsim "il$s" --seed $s --chaos "$TESTIMAGE" -- /test/interleave 4 12
    run_vrsim "il${s}b" --seed $s --chaos "$TESTIMAGE" -- /test/interleave 4 12
    expect_eq "interleave seed $s repeats" "$(out "il$s")" "$(out "il${s}b")"
    expect_eq "interleave seed $s digest repeats" "$(digest "il$s")" "$(digest "il${s}b")"
    expect_eq "interleave seed $s: every step ran" \
        "$(out "il$s" | sed 's/interleave: //' | tr -d '\n' | wc -c)" 48
done
expect_ne "seeds 1 and 2 interleave differently" "$(out il1)" "$(out il2)"
expect_ne "seeds 2 and 3 interleave differently" "$(out il2)" "$(out il3)"
expect_ne "seeds 1 and 2: different digests" "$(digest il1)" "$(digest il2)"

# the whole trace, not just its digest, is identical
run_vrsim t1 --seed 4 --chaos --trace "$TMP/t1.json" "$TESTIMAGE" -- /test/interleave 3 20
run_vrsim t2 --seed 4 --chaos --trace "$TMP/t2.json" "$TESTIMAGE" -- /test/interleave 3 20
if cmp -s "$TMP/t1.json" "$TMP/t2.json"; then pass "identical trace files"; else
    fail "trace files differ"; fi
finish
