#!/usr/bin/env bash
# Quotas (issue 8, part 4): a thread flood from one process stops at its limit with -EAGAIN
# and leaves the machine usable for others; hogs fill the machine to its limit, vrsim stays up
# and prints its digest, and killing one gives room back; futex wakes reach only waiters on
# the same memory object (B's wait runs to its deadline; C, sharing with us, is woken); a
# process's mappings and the trace's string table stop growing with an error in the guest.
. "$(dirname "$0")/../lib.sh"
run_vrsim threads "$TESTIMAGE" -- /test/kquota threads
out threads
expect_eq "threads: exit status (failures)" "$(status threads)" 0
expect_no_match "threads: no failed check" "$(out threads)" '^FAIL'
expect_match "threads: summary" "$(out threads)" 'kquota: 0 failure\(s\)'
expect_eq "threads: checks run" "$(out threads | grep -c '^ok ')" 10
expect_match "threads: the flood stopped at the limit" "$(out threads)" \
    'flood: 1023 threads created of 40000 tries'
expect_match "threads: the worker ran all its threads" "$(out threads)" 'worker: 100 of 100'
expect_match "threads: the last hog ran into the machine's limit" "$(out threads)" \
    'hog: [0-9]+ threads, then -11'
expect_no_match "threads: vrsim reported nothing abnormal" "$(err threads)" 'vrsim: '
expect_digest_line threads
run_vrsim threads2 "$TESTIMAGE" -- /test/kquota threads
expect_eq "threads: one seed, one digest" "$(digest threads2)" "$(digest threads)"

run_vrsim futex "$TESTIMAGE" -- /test/kquota futex
out futex
expect_eq "futex: exit status (failures)" "$(status futex)" 0
expect_no_match "futex: no failed check" "$(out futex)" '^FAIL'
expect_match "futex: summary" "$(out futex)" 'kquota: 0 failure\(s\)'
expect_eq "futex: checks run" "$(out futex | grep -c '^ok ')" 10
expect_match "futex: B timed out" "$(out futex)" 'futex-b: the waiter got -110'
expect_match "futex: C was woken" "$(out futex)" 'futex-c: the waiter got 0'
expect_digest_line futex

run_vrsim growth "$TESTIMAGE" -- /test/kquota growth
out growth
expect_eq "growth: exit status (failures)" "$(status growth)" 0
expect_no_match "growth: no failed check" "$(out growth)" '^FAIL'
expect_match "growth: summary" "$(out growth)" 'kquota: 0 failure\(s\)'
expect_eq "growth: checks run" "$(out growth | grep -c '^ok ')" 6
expect_digest_line growth
finish
