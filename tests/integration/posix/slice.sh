#!/usr/bin/env bash
# Time slicing (os/kernel/sched.c): a thread that only makes kernel calls that never block is
# preempted when its slice of virtual time is used up, so it cannot starve the rest of the
# machine. progs/spinner.c: a parent sleeps 1 ms of virtual time five times while its child
# spins on console writes (`yes` without sched_yield) or on other kernel calls; the parent
# wakes each time (without slicing it never would: --max-kcalls turns that hang into a
# failure), then ends the child with SIGTERM. The child wrote all along. One seed, one digest;
# --chaos and a short --slice agree; --slice 0 turns slicing off (the hang is back).
. "$(dirname "$0")/../lib.sh"

BUDGET=(--max-kcalls 3000000)
want="pair: tick 1
pair: tick 2
pair: tick 3
pair: tick 4
pair: tick 5
pair: child killed by signal 15"

run_vrsim write "${BUDGET[@]}" "$TESTIMAGE" -- /test/spinner pair write 5
expect_eq "spinning writer: the parent wakes five times, then ends it" \
    "$(out write | grep '^pair:')" "$want"
expect_eq "spinning writer: status" "$(status write)" 0
n=$(out write | grep -c '^y$' || true)
expect_match "spinning writer: it wrote meanwhile ($n lines)" "$n" '^[0-9]{4,}$'
expect_no_match "spinning writer: no budget stop" "$(err write)" 'kernel-call budget'
run_vrsim write2 "${BUDGET[@]}" "$TESTIMAGE" -- /test/spinner pair write 5
expect_eq "spinning writer: one seed, one digest" "$(digest write2)" "$(digest write)"
expect_eq "spinning writer: the same output" "$(out write2 | md5sum)" "$(out write | md5sum)"
run_vrsim seed2 --seed 2 "${BUDGET[@]}" "$TESTIMAGE" -- /test/spinner pair write 5
expect_eq "spinning writer, seed 2" "$(out seed2 | grep '^pair:')" "$want"

run_vrsim kc "${BUDGET[@]}" "$TESTIMAGE" -- /test/spinner pair kcalls 5
expect_eq "spinning on kernel calls: the parent wakes five times" "$(out kc | grep '^pair:')" \
    "$want"
run_vrsim short --slice 20000 "${BUDGET[@]}" "$TESTIMAGE" -- /test/spinner pair kcalls 5
expect_eq "--slice 20000 ns" "$(out short | grep '^pair:')" "$want"
for s in 1 2 3; do
    run_vrsim "chaos$s" --seed "$s" --chaos "${BUDGET[@]}" "$TESTIMAGE" -- \
        /test/spinner pair kcalls 5
    expect_eq "--chaos seed $s" "$(out "chaos$s" | grep '^pair:')" "$want"
done

# without slicing the parent never runs again: the budget stops the machine
run_vrsim off --slice 0 --max-kcalls 200000 "$TESTIMAGE" -- /test/spinner pair kcalls 5
expect_eq "--slice 0: the parent starves" "$(out off | grep -c '^pair: tick' || true)" 0
expect_match "--slice 0: the budget stops it" "$(err off)" 'kernel-call budget'
finish
