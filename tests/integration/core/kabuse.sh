#!/usr/bin/env bash
# Malformed kernel-call arguments from a real guest: each gives its error, nothing crashes.
. "$(dirname "$0")/../lib.sh"
run_vrsim kabuse "$TESTIMAGE" -- /test/kabuse
out kabuse
expect_eq "kabuse exit status (failures)" "$(status kabuse)" 0
expect_no_match "no failed check" "$(out kabuse)" '^FAIL'
expect_match "summary" "$(out kabuse)" 'kabuse: 0 failure\(s\)'
expect_eq "checks run" "$(out kabuse | grep -c '^ok ')" 35
finish
