#!/bin/bash
# vrsim run --trace-bin and vrsim diff (issue #16): the binary trace, the first differing
# event with its context, exit 0 same / 1 different / 2 bad input, damaged traces refused.
set -eu
. "$(dirname "$0")/../lib.sh"

run_vrsim a --seed 1 --trace-bin "$TMP/a.bin" "$TESTIMAGE" -- /test/pingpong 50
run_vrsim b --seed 2 --trace-bin "$TMP/b.bin" "$TESTIMAGE" -- /test/pingpong 50
run_vrsim a2 --seed 1 --trace-bin "$TMP/a2.bin" "$TESTIMAGE" -- /test/pingpong 50
expect_eq "run with --trace-bin: status" "$(status a)" 0
expect_digest_line a
expect_eq "a binary trace starts with its magic" "$(head -c 7 "$TMP/a.bin")" VRTRACE

set +e
"$VRSIM" diff "$TMP/a.bin" "$TMP/a2.bin" >"$TMP/same.out" 2>&1
expect_eq "same seed: diff exit 0" $? 0
expect_match "same seed: says same" "$(cat "$TMP/same.out")" \
    "^same: [0-9]+ events, digest $(digest a)$"

"$VRSIM" diff -C 3 "$TMP/a.bin" "$TMP/b.bin" >"$TMP/d.out" 2>&1
expect_eq "other seed: diff exit 1" $? 1
d=$(cat "$TMP/d.out")
expect_match "names the first differing event" "$(sed -n 1p "$TMP/d.out")" \
    '^first difference at event #[0-9]+ '
expect_eq "three events of context, then A and B" "$(sed -n '2,4s/^  #.*/ctx/p;5s/^A #.*/A/p;6s/^B #.*/B/p' "$TMP/d.out" | tr '\n' ' ')" "ctx ctx ctx A B "
expect_match "events are named: time, kind, process name, thread" "$d" \
    '#[0-9]+ t=[0-9]+\.[0-9]{9}s [a-z_]+ pid [0-9]+ \(/sbin/vfs\) tid [0-9]+ '
# the event number printed is the first one at which the traces differ: the context is equal
n=$(sed -n '1s/^first difference at event #\([0-9]*\) .*/\1/p' "$TMP/d.out")
expect_eq "A's line is event n" "$(sed -n '5s/^A #\([0-9]*\) .*/\1/p' "$TMP/d.out")" "$n"

# two runs given as command lines
"$VRSIM" diff --run "--seed 1 $TESTIMAGE -- /test/pingpong 50" \
    --run "--seed 2 $TESTIMAGE -- /test/pingpong 50" >"$TMP/r.out" 2>&1
expect_eq "two command lines, other seeds: exit 1" $? 1
expect_eq "same first difference as from the files" "$(grep '^[AB] ' "$TMP/r.out")" \
    "$(grep '^[AB] ' "$TMP/d.out")"
"$VRSIM" diff --run "--seed 3 $TESTIMAGE -- /test/pingpong 20" \
    --run "--seed 3 $TESTIMAGE -- /test/pingpong 20" >/dev/null 2>&1
expect_eq "two command lines, one seed: exit 0" $? 0
"$VRSIM" diff --run "--no-such-option" --run "--seed 1" >/dev/null 2>"$TMP/bad.err"
expect_eq "a run that refuses its arguments: exit 2" $? 2

# bad input: truncated, altered, not a trace, another version, missing
head -c 1000 "$TMP/a.bin" >"$TMP/trunc.bin"
"$VRSIM" diff "$TMP/a.bin" "$TMP/trunc.bin" >/dev/null 2>"$TMP/e1"
expect_eq "truncated: exit 2" $? 2
expect_match "truncated: says so" "$(cat "$TMP/e1")" 'trunc.bin: truncated'
cp "$TMP/a.bin" "$TMP/alt.bin"
printf 'X' | dd of="$TMP/alt.bin" bs=1 seek=5000 conv=notrunc 2>/dev/null
"$VRSIM" diff "$TMP/a.bin" "$TMP/alt.bin" >/dev/null 2>"$TMP/e2"
expect_eq "altered: exit 2" $? 2
expect_match "altered: checksum" "$(cat "$TMP/e2")" 'checksum mismatch'
cp "$TMP/a.bin" "$TMP/ver.bin"
printf '\x09' | dd of="$TMP/ver.bin" bs=1 seek=8 conv=notrunc 2>/dev/null
"$VRSIM" diff "$TMP/a.bin" "$TMP/ver.bin" >/dev/null 2>"$TMP/e3"
expect_eq "other version: exit 2" $? 2
expect_match "other version: says which" "$(cat "$TMP/e3")" 'version 9, this vrsim reads version 1'
"$VRSIM" diff "$TMP/a.bin" "$TESTIMAGE" >/dev/null 2>"$TMP/e4"
expect_eq "not a trace: exit 2" $? 2
expect_match "not a trace: says so" "$(cat "$TMP/e4")" 'not a vrsim binary trace'
"$VRSIM" diff "$TMP/a.bin" >/dev/null 2>&1
expect_eq "one file: usage, exit 2" $? 2
set -e
finish
