#!/usr/bin/env bash
# No guest instruction kills vrsim (issue #8, parts 1 and 2): a guest that changes its FS
# base, sets EFLAGS.AC, uses a 32-bit system-call gate or far-jumps into 32-bit code dies
# with a clear report (or goes on), and vrsim prints its digest and exits normally. rdtsc,
# cpuid and the kernel-call page read the same in every run; no vector or mask register
# holds a host value after a kernel call.
. "$(dirname "$0")/../lib.sh"
hostile() { # NAME MODE [vrsim args...]
    local name=$1 mode=$2
    shift 2
    run_vrsim "$name" --watchdog-ms 100 "$@" "$TESTIMAGE" -- /test/hostile "$mode"
    expect_digest_line "$name"
}
killed() { # MODE STATUS REGEX
    hostile "$1" "$1"
    expect_eq "$1: exit status" "$(status "$1")" "$2"
    expect_match "$1: report" "$(err "$1")" "$3"
    expect_no_match "$1: did not go on" "$(out "$1")" 'still running'
}
fsre='pid [0-9]+ \(/test/hostile\) killed: changed its FS base \(not supported: %fs belongs to the host\)'
killed fsbase-kcall 139 "$fsre near pc 0x2000[0-9a-f]+"
killed fsbase-fault 139 "$fsre"
killed fsbase-spin 139 "$fsre"
killed fssel 139 "$fsre"
killed acfault 132 'killed by SIGILL at pc 0x2000[0-9a-f]+'
killed x87 136 'killed by SIGFPE at pc 0x2000[0-9a-f]+'
killed jmpstub 139 'killed by SIGSEGV at pc 0x0, '
killed int80 159 'killed: raw host syscall instruction at pc 0x2000[0-9a-f]+'
killed far 139 'killed by SIGSEGV at pc 0x1000'
# sysenter is #UD on AMD and a 32-bit system call on Intel: killed either way
hostile sysenter sysenter
expect_match "sysenter: killed" "$(status sysenter)" '^(132|159)$'
# a null selector clears the FS base on some CPUs and not on others: either is fine
hostile fsnull fsnull
if [ "$(status fsnull)" = 0 ]; then
    expect_match "fsnull: went on" "$(out fsnull)" 'the kernel call returned'
else
    expect_eq "fsnull: exit status" "$(status fsnull)" 139
    expect_match "fsnull: report" "$(err fsnull)" "$fsre"
fi

# a watchdog tick inside a trap handler must not stop the handler (it would leave its signal
# blocked: the next fault of that kind would kill vrsim)
hostile tscspin tscspin --stats
expect_eq "tscspin: exit status" "$(status tscspin)" 137
expect_match "tscspin: stopped by the watchdog" "$(err tscspin)" 'stopped by the watchdog'
expect_match "tscspin: host signal state intact" "$(err tscspin)" 'host_signals=ok'

hostile ac ac
expect_eq "ac: exit status" "$(status ac)" 0
expect_match "ac: kernel calls work with AC set, and AC is the guest's again after them" \
    "$(out ac)" 'ac: kcalls returned [0-9]+ 2999 [0-9]+, AC still set after them'

hostile fpu fpu
expect_eq "fpu: exit status" "$(status fpu)" 0
expect_match "fpu: kernel calls work with every FP exception unmasked" "$(out fpu)" \
    'fpu: kcalls returned 2999, MXCSR kept'

# rdtsc from virtual time, cpuid from the fixed model, the stub page: one seed, one run
hostile probe1 probe --seed 5
hostile probe2 probe --seed 5
expect_eq "probe: exit status" "$(status probe1)" 0
expect_eq "probe: same output in two runs" "$(out probe1)" "$(out probe2)"
expect_eq "probe: same digest in two runs" "$(digest probe1)" "$(digest probe2)"
expect_match "probe: rdtsc counts virtual nanoseconds" "$(out probe1)" \
    'rdtsc: ([0-9]+) [0-9]+ rdtscp: [0-9]+ aux 0'
expect_match "probe: cpuid is vrsim's CPU model" "$(out probe1)" 'cpuid 0: max 7 vendor VeridianvCPU'
expect_match "probe: brand" "$(out probe1)" 'cpuid brand: Veridian vrsim x86-64-v2 CPU'
hostile probe3 probe --seed 5 --host-aslr
expect_eq "probe: rdtsc and cpuid do not depend on host ASLR" \
    "$(out probe3 | grep -v 'kcall page')" "$(out probe1 | grep -v 'kcall page')"
expect_eq "probe: the digest does not depend on host ASLR" "$(digest probe3)" "$(digest probe1)"

for aslr in "" --host-aslr; do
    hostile "vectors$aslr" vectors $aslr
    expect_eq "vectors $aslr: exit status" "$(status "vectors$aslr")" 0
    expect_eq "vectors $aslr: only zeros after kernel calls" \
        "$(out "vectors$aslr" | grep -c ': 0 nonzero words')" 3
done
finish
