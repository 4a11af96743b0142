#!/usr/bin/env bash
# IPC between real processes (exit notifications, bound notifications, badged handles moved
# to a child), register scrubbing after kernel calls, and seed-derived aux vector values.
. "$(dirname "$0")/../lib.sh"
run_vrsim notify "$TESTIMAGE" -- /test/notify
out notify
expect_eq "notify: status" "$(status notify)" 0
expect_match "notify: summary" "$(out notify)" 'notify: 0 failure\(s\)'
expect_no_match "notify: no failed check" "$(out notify)" '^FAIL'

run_vrsim rs1 --seed 11 "$TESTIMAGE" -- /test/regscrub
run_vrsim rs2 --seed 11 "$TESTIMAGE" -- /test/regscrub
run_vrsim rs3 --seed 12 "$TESTIMAGE" -- /test/regscrub
out rs1
expect_eq "regscrub: status" "$(status rs1)" 0
expect_match "registers cleared" "$(out rs1)" 'regscrub: 0 caller-saved registers not cleared'
expect_match "a new thread's first instruction sees cleared vector registers" "$(out rs1)" \
    'new thread: (0 vector register bytes not cleared|no AVX on this host)'
expect_match "kernel-call page at the arena base" "$(out rs1)" 'kcall page: 0x200000000000$'
expect_eq "AT_RANDOM: same seed, same bytes" "$(out rs1 | grep AT_RANDOM)" "$(out rs2 | grep AT_RANDOM)"
expect_ne "AT_RANDOM: other seed, other bytes" "$(out rs1 | grep AT_RANDOM)" "$(out rs3 | grep AT_RANDOM)"
finish
