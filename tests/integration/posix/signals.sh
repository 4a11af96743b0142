#!/usr/bin/env bash
# Signals as only Veridian's kernel shows them (progs/sigperm.c): kill obeys uids (EPERM
# for init and vfs from the console program), orphans go to init, the watchdog's SIGKILL
# cannot be caught; SA_SIGINFO's si_pid/si_uid/si_code, kill(-1) (our child, not us, not
# init), a handler that faults (SIGSEGV, reported, the rest goes on); the POSIX behaviour
# is the differential tests' (tests/diff/progs/sig_*).
# One seed gives one trace; --chaos runs agree.
. "$(dirname "$0")/../lib.sh"
run_vrsim plain --watchdog-ms 200 "$TESTIMAGE" -- /test/sigperm
expect_eq "sigperm: status" "$(status plain)" 0
expect_eq "sigperm: summary" "$(out plain | grep '^sigperm:')" "sigperm: 0 failure(s)"
expect_eq "no handler ran in the spinner" "$(out plain | grep -c 'handler ran')" 0
expect_match "a faulting handler: a clear report of the crash" "$(err plain)" \
    'vrsim: pid [0-9]+ \(/test/sigperm\) killed by SIGSEGV at pc 0x[0-9a-f]+, fault address 0x0'
out plain | grep FAIL || true
run_vrsim again --watchdog-ms 200 "$TESTIMAGE" -- /test/sigperm
expect_eq "one trace per seed" "$(digest again)" "$(digest plain)"
for s in 1 2; do
    run_vrsim "chaos$s" --watchdog-ms 200 --seed "$s" --chaos "$TESTIMAGE" -- /test/sigperm
    expect_eq "sigperm --chaos seed $s" "$(out "chaos$s" | grep '^sigperm:')" \
        "sigperm: 0 failure(s)"
done
finish
