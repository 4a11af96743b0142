#!/usr/bin/env bash
# poll() over several pipes waits on one notification that vfs signals.
. "$(dirname "$0")/../lib.sh"
run_vrsim p "$TESTIMAGE" -- /test/polltest
out p
expect_eq "status" "$(status p)" 0
expect_match "summary" "$(out p)" 'polltest: 0 failure\(s\)'
finish
