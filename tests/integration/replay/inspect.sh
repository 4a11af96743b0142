#!/bin/bash
# The inspector (issue #16): vrsim run --inspect-on-crash / --inspect-cmd, read-only (the
# digest is the run's own), processes, threads, handles with rights, memory objects,
# endpoints with queued callers, devices, the last events; bad commands said, not fatal.
set -eu
. "$(dirname "$0")/../lib.sh"

run_vrsim plain --seed 4 "$TESTIMAGE" -- /test/crash null
run_vrsim c --seed 4 --inspect-on-crash \
    --inspect-cmd 'ps; threads; handles 1; vmos; maps 1; endpoints; devices; events 5; time; nope; handles 999' \
    "$TESTIMAGE" -- /test/crash null
e=$(err c)
expect_eq "crash status unchanged" "$(status c)" 139
expect_eq "inspecting changes nothing: same digest" "$(digest c)" "$(digest plain)"
expect_digest_line c
expect_match "stops at the crash, before the process ends" "$e" \
    'vrsim: inspector: pid [0-9]+ \(/test/crash\) tid [0-9]+ killed by SIGSEGV'
expect_match "ps lists the crashing process as running" "$e" \
    '[0-9]+ +1 +[0-9]+ +1000 running +1 +[0-9]+ /test/crash'
expect_match "ps lists init" "$e" '^ +1 +0 +1 +0 running .* /sbin/init$'
expect_match "threads: the crashing thread is current" "$e" 'running .* <- current'
expect_match "threads: blocked ones" "$e" 'blocked'
expect_match "handles of init, with rights" "$e" '0x[0-9a-f]{8} endpoint +[0-9]+ 0x[0-9a-f]+ +[a-z,]*call'
expect_match "memory objects with sizes and owners" "$e" '[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ (yes|no) +[0-9]+'
expect_match "init's address space" "$e" 'pid 1 \(/sbin/init\): region 0x[0-9a-f]+-0x[0-9a-f]+'
expect_match "endpoints with receivers" "$e" 'receivers \(tid/pid\): [0-9]+/2\(/sbin/vfs\)'
expect_match "devices: the PCI functions" "$e" '00:03.0 edu'
expect_match "devices: the kernel's device objects" "$e" 'device [0-9]+ 00:03.0 1234:11e8'
expect_eq "events 5: five events" "$(printf '%s\n' "$e" | grep -c '^#[0-9]* t=')" 5
expect_match "time" "$e" '^time [0-9]+\.[0-9]{9}s  events [0-9]+  digest [0-9a-f]{16}$'
expect_match "an unknown command is said" "$e" "unknown command 'nope'"
expect_match "a missing process is said" "$e" 'no process 999'
expect_match "the crash report still follows" "$e" 'vrsim: pid [0-9]+ \(/test/crash\) killed by SIGSEGV'

# --inspect-cmd alone: at the end of the run, everything still alive; a queued caller shows
run_vrsim end --inspect-cmd 'ps; endpoints' "$TESTIMAGE" -- /test/pingpong 10
expect_eq "end: status" "$(status end)" 0
expect_match "end: stops at the end of the run" "$(err end)" 'vrsim: inspector: the run is ending'
expect_match "end: what is still alive is listed" "$(err end)" ' edu$'
run_vrsim end2 "$TESTIMAGE" -- /test/pingpong 10
expect_eq "end: same digest as without" "$(digest end)" "$(digest end2)"

# without a terminal and without a script: the default view
run_vrsim def --inspect-on-crash "$TESTIMAGE" -- /test/crash div
expect_match "default script: ps and events" "$(err def)" '\(inspect\) ps.*'
expect_match "default script: the crash" "$(err def)" 'killed by SIGFPE'
finish
