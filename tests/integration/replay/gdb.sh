#!/bin/bash
# vrsim run --gdb (issue #16) driven by Debian's gdb in batch mode: connect, symbols from the
# unstripped guest ELF (qXfer:libraries), break on a guest function by name, continue, print
# a local and an argument, step and next (over a kernel call), stepi across the kernel-call
# trampoline, a stop at a crash with its signal, the exit status; a unix socket as well as a
# port; a debugged run has the digest of an undebugged one. Skipped (77) without gdb.
set -eu
. "$(dirname "$0")/../lib.sh"
command -v gdb >/dev/null || { echo "gdb is not installed (scripts/setup installs it)"; exit 77; }

# gdb_session NAME WHERE GDB-COMMANDS vrsim-run-args...: vrsim in the background listening
# on WHERE (0: a port it picks), gdb in batch mode on it; $TMP/NAME.gdb is gdb's output.
gdb_session() {
    local name=$1 where=$2 cmds=$3 target
    shift 3
    set +e
    "$VRSIM" "${SUB:-run}" --gdb "$where" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
    local pid=$!
    for _ in $(seq 100); do
        grep -q 'gdb: listening' "$TMP/$name.err" 2>/dev/null && break
        sleep 0.1
    done
    if [ "$where" = 0 ]; then
        target=":$(sed -n 's/^vrsim: gdb: listening on port //p' "$TMP/$name.err")"
    else
        target=$where
    fi
    printf '%s\n' "$cmds" >"$TMP/$name.cmds"
    timeout 120 gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off' \
        -ex 'set osabi none' -ex "set sysroot $TESTROOT" -ex "target remote $target" \
        -ex sharedlibrary -x "$TMP/$name.cmds" >"$TMP/$name.gdb" 2>&1
    wait $pid
    echo $? >"$TMP/$name.status"
    set -e
}

run_vrsim plain --no-init "$TESTIMAGE" -- /test/gdbprog 3
gdb_session s 0 'break square_sum
continue
print n
next
next
next
print acc
continue
print n
finish
next
next
next
delete
continue' --no-init "$TESTIMAGE" -- /test/gdbprog 3
g=$(cat "$TMP/s.gdb")
expect_match "symbols from the guest ELF" "$g" 'Breakpoint 1 at 0x[0-9a-f]+: file .*gdbprog.c, line [0-9]+'
expect_match "stops at the breakpoint by name" "$g" 'Breakpoint 1, square_sum \(n=n@entry=1\) at .*gdbprog.c'
expect_match "prints an argument" "$g" '\$1 = 1'
expect_match "steps by line" "$g" $'\n''15[[:space:]]+acc \+= i \* i;'
expect_match "prints a local after steps" "$g" '\$2 = 1'
expect_match "continue: the breakpoint again, next call" "$g" 'Breakpoint 1, square_sum \(n=n@entry=2\)'
expect_match "finish returns to main" "$g" 'Value returned is \$[0-9]+ = 5'
expect_match "next over write (a kernel call) to the loop" "$g" $'\n''22[[:space:]]+for \(long i = 1; i <= n; i\+\+\) \{'
expect_match "the run ends, gdb sees its exit" "$g" 'exited normally'
expect_eq "the program's output" "$(out s)" "$(out plain)"
expect_eq "exit status" "$(status s)" 0
expect_eq "a debugged run has the same digest" "$(digest s)" "$(digest plain)"

# stepi across the kernel-call trampoline: step instructions until the vDSO stub (below the
# program's image), then through it: the step from its jump lands after the call
gdb_session si 0 'break console_write
continue
set $n = 0
while ($pc >= 0x200001000000 && $n < 2000)
  stepi
  set $n = $n + 1
end
x/i $pc
stepi
x/i $pc
stepi
x/i $pc
stepi
bt 1
delete
continue' --no-init "$TESTIMAGE" -- /test/gdbprog 1
si=$(cat "$TMP/si.gdb")
expect_match "stepi reaches the kernel-call stub's jump" "$si" 'jmp +\*%r11'
expect_match "one more stepi comes back after the call, in guest code" "$si" \
    $'jmp +\\*%r11\n(0x[0-9a-f]+ in )?console_write|jmp +\\*%r11\n[0-9]+\t'
expect_match "the frame after the call" "$si" '#0 +(0x[0-9a-f]+ in )?(vk__kcall|console_write) '
expect_no_match "never stops in host code" "$si" 'vs_kentry|vs_scrub'
expect_eq "stepi: exit status" "$(status si)" 0

# a crash stops with its signal, then the run goes on to the crash's end; a unix socket
gdb_session c "$TMP/gdb.sock" 'continue
print $pc == &main + 0 || 1
continue' --no-init "$TESTIMAGE" -- /test/crash null
expect_match "crash: stops with SIGSEGV" "$(cat "$TMP/c.gdb")" 'Program received signal SIGSEGV'
expect_match "crash: at the faulting line" "$(cat "$TMP/c.gdb")" '\*p = 42;'
expect_match "crash: the exit status" "$(cat "$TMP/c.gdb")" 'exited with code 0213'
expect_eq "crash: vrsim's status" "$(status c)" 139
expect_match "crash: reported as usual" "$(err c)" 'killed by SIGSEGV'
[ ! -e "$TMP/gdb.sock" ] && pass "the unix socket is removed" || fail "the unix socket stays"

# under init: the program starts after gdb attached; its symbols arrive when it starts (a
# library event), and a pending breakpoint by name takes effect there
run_vrsim iplain "$TESTIMAGE" -- /test/gdbprog 2
gdb_session i 0 'set breakpoint pending on
break square_sum
continue
print n
info sharedlibrary
delete
continue' "$TESTIMAGE" -- /test/gdbprog 2
ig=$(cat "$TMP/i.gdb")
expect_match "under init: the pending breakpoint hits in the program" "$ig" \
    'hit Breakpoint 1, square_sum \(n=n@entry=1\) at .*gdbprog.c'
expect_match "under init: every program is a library" "$ig" '/sbin/init'
expect_match "under init: the program too" "$ig" 'Yes +.*/test/gdbprog'
expect_eq "under init: exit status" "$(status i)" 0
expect_eq "under init: the digest of an undebugged run" "$(digest i)" "$(digest iplain)"

# on a replay: reverse-continue to the previous breakpoint hit and reverse-stepi (by
# re-executing from the start: the replay is exact), then forward again; output once
run_vrsim rec --record "$TMP/g.log" --no-init "$TESTIMAGE" -- /test/gdbprog 3
SUB=replay gdb_session rv 0 'break square_sum
continue
continue
print n
reverse-continue
print n
next
next
stepi
info registers rip
stepi
reverse-stepi
info registers rip
continue
print n
delete
continue' "$TMP/g.log"
rv=$(cat "$TMP/rv.gdb")
expect_match "replay: the second hit" "$rv" '\$1 = 2'
expect_match "reverse-continue: back at the first hit" "$rv" \
    $'\n\\$2 = 1'
first_rip=$(printf '%s\n' "$rv" | sed -n 's/^rip  *\(0x[0-9a-f]*\) .*/\1/p' | sed -n 1p)
second_rip=$(printf '%s\n' "$rv" | sed -n 's/^rip  *\(0x[0-9a-f]*\) .*/\1/p' | sed -n 2p)
expect_match "reverse-stepi: a pc" "$second_rip" '^0x[0-9a-f]+$'
expect_eq "reverse-stepi: one instruction back, where the stepi before was" "$second_rip" "$first_rip"
expect_match "forward again after reversing: the next hit" "$rv" $'\n\\$3 = 2'
expect_match "replay under gdb ends as the recording" "$(err rv)" 'vrsim: replay: same run'
expect_eq "output printed once despite re-execution" "$(out rv)" "$(out rec)"
expect_eq "replay under gdb: the recorded digest" "$(digest rv)" "$(digest rec)"

# reverse-stepi after a continue: one instruction back, found by re-executing to the stop
# before and counting steps from there (the call to square_sum, not the breakpoint again);
# mixed with stepi, reverse-continue and continue
SUB=replay gdb_session rs 0 'break square_sum
continue
continue
print n
reverse-stepi
print $pc
x/i $pc
stepi
print n
reverse-stepi
reverse-stepi
print $pc
stepi
x/i $pc
reverse-continue
print n
continue
continue
print n
reverse-stepi
x/i $pc
reverse-continue
print n
reverse-stepi
x/i $pc
delete
continue' "$TMP/g.log"
rs=$(cat "$TMP/rs.gdb")
pcs=$(printf '%s\n' "$rs" | sed -n 's/^\$[0-9]* = (void (\*)()) \(0x[0-9a-f]*\) .*/\1/p')
call_pc=$(printf '%s\n' "$pcs" | sed -n 1p)
before_pc=$(printf '%s\n' "$pcs" | sed -n 2p)
expect_match "reverse-stepi after continue: at the call to square_sum in main" "$rs" \
    $'\\$2 = \\(void \\(\\*\\)\\(\\)\\) 0x[0-9a-f]+ <main\\+[0-9]+>\n=> 0x[0-9a-f]+ <main\\+[0-9]+>:\tcall +0x[0-9a-f]+ <square_sum>'
expect_match "stepi from there: the breakpoint, the same call" "$rs" $'\n\\$3 = 2'
expect_match "two reverse-stepi: the instruction before the call" "$before_pc" '^0x[0-9a-f]+$'
[ -n "$before_pc" ] && [ $((before_pc)) -lt $((call_pc)) ] && [ $((call_pc - before_pc)) -le 15 ] &&
    pass "two reverse-stepi: one instruction before the call ($before_pc < $call_pc)" ||
    fail "two reverse-stepi: one instruction before the call ($before_pc, $call_pc)"
expect_match "stepi forward from it: the call again" \
    "$(printf '%s\n' "$rs" | grep -A 2 "^\\\$4 = (void (\\*)()) $before_pc " | tail -n 1)" "^=> $call_pc <main"
expect_match "then reverse-continue: the first hit" "$rs" $'\n\\$5 = 1'
expect_match "continue twice: the third hit" "$rs" $'\n\\$6 = 3'
expect_eq "reverse-stepi after those continues: at the call" \
    "$(printf '%s\n' "$rs" | grep -c "^=> $call_pc <main+[0-9]*>:"$'\t'"call")" 4
expect_match "reverse-continue after reverse-stepi: the second hit" "$rs" $'\n\\$7 = 2'
expect_match "replay (reverse-stepi) ends as the recording" "$(err rs)" 'vrsim: replay: same run'
expect_eq "reverse-stepi: output printed once" "$(out rs)" "$(out rec)"

# a bad --gdb address is refused
run_vrsim bad --gdb 99999 --no-init "$TESTIMAGE" -- /test/gdbprog 1
expect_eq "bad port: exit 2" "$(status bad)" 2
expect_match "bad port: says why" "$(err bad)" 'port 99999 is out of range'
finish
