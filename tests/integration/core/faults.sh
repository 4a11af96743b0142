#!/usr/bin/env bash
# Each kind of guest fault ends that process only, is reported with pc and fault address,
# and gives a shell-style exit status; vrsim itself carries on.
. "$(dirname "$0")/../lib.sh"
check_fault() { # MODE STATUS REGEX [extra vrsim args]
    local mode=$1 want=$2 re=$3
    shift 3
    run_vrsim "$mode" "$@" "$TESTIMAGE" -- /test/crash "$mode"
    expect_eq "$mode: exit status" "$(status "$mode")" "$want"
    expect_match "$mode: report" "$(err "$mode")" "$re"
    expect_digest_line "$mode"
}
check_fault null 139 'pid [0-9]+ \(/test/crash\) killed by SIGSEGV at pc 0x2000[0-9a-f]+, fault address 0x0$'
check_fault ill 132 'killed by SIGILL at pc 0x2000[0-9a-f]+'
check_fault div 136 'killed by SIGFPE at pc 0x2000[0-9a-f]+'
check_fault stack 139 'killed by SIGSEGV at pc 0x2000[0-9a-f]+, fault address 0x2000[0-9a-f]+'
check_fault wild 139 'killed by SIGSEGV'
check_fault syscall 159 'killed: raw host syscall instruction at pc 0x2000[0-9a-f]+'
check_fault spin 137 'stopped by the watchdog: spinning without kernel calls at pc 0x2000' \
    --watchdog-ms 200
expect_eq "spin printed before it spun" "$(out spin)" "spinning"
run_vrsim hole "$TESTIMAGE" -- /test/crash hole
expect_eq "hole: status" "$(status hole)" 0
expect_eq "hole: EFAULT, not a crash" "$(out hole)" "hole: EFAULT"
# a crash is deterministic too: same seed, same digest
run_vrsim null2 "$TESTIMAGE" -- /test/crash null
expect_eq "crash digest repeats" "$(digest null2)" "$(digest null)"
finish
