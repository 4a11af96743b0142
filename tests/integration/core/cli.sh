#!/usr/bin/env bash
# The command line: help, bad options, missing programs and images, bad boot images,
# console input from a pipe, and the trace file.
. "$(dirname "$0")/../lib.sh"
"$VRSIM" --help >"$TMP/help" 2>&1 && pass "--help exits 0" || fail "--help status"
expect_match "--help names run" "$(cat "$TMP/help")" 'usage: vrsim run'
run_vrsim badopt --bogus -- /bin/true
expect_eq "unknown option status" "$(status badopt)" 2
expect_match "unknown option message" "$(err badopt)" "unknown option '--bogus'"
run_vrsim badseed --seed x -- /bin/true
expect_eq "bad seed status" "$(status badseed)" 2
run_vrsim noprog "$IMAGE" -- /bin/nonesuch
expect_eq "missing program status" "$(status noprog)" 127
expect_match "missing program message" "$(err noprog)" '/bin/nonesuch: no such program in the boot image'
run_vrsim noimg "$TMP/none.bootfs" -- /bin/true
expect_eq "missing image status" "$(status noimg)" 1
expect_match "missing image message" "$(err noimg)" 'none.bootfs: No such file'
head -c 100 "$IMAGE" >"$TMP/trunc.bootfs"
run_vrsim trunc "$TMP/trunc.bootfs" -- /bin/true
expect_match "truncated image refused" "$(err trunc)" 'not a valid boot image'
expect_digest_line trunc

printf 'abc\nsecond line\nno newline at end' >"$TMP/input"
run_vrsim_input rl "$TMP/input" "$TESTIMAGE" -- /test/readline
expect_eq "piped input, line by line" "$(out rl)" "1: ABC
2: SECOND LINE
3: NO NEWLINE AT ENDreadline: 3 lines"
run_vrsim_input rl2 "$TMP/input" "$TESTIMAGE" -- /test/readline
expect_eq "piped input: same digest" "$(digest rl2)" "$(digest rl)"

run_vrsim tr --trace "$TMP/t.json" "$IMAGE" -- /bin/hello
expect_eq "traced run status" "$(status tr)" 0
python3 - "$TMP/t.json" <<'PY' && pass "trace JSON loads and names the process" || fail "trace JSON"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
assert any(e.get("name") == "console_write" for e in ev), "no console_write kcall"
assert any(e.get("ph") == "M" and "/bin/hello" in json.dumps(e) for e in ev), "no process name"
assert all("ts" in e for e in ev if e.get("ph") != "M")
PY
run_vrsim notr "$IMAGE" -- /bin/hello
expect_eq "tracing does not change the run" "$(digest tr)" "$(digest notr)"
# --max-kcalls: a program that never ends (yes) is stopped deterministically, digest printed
run_vrsim mk1 --max-kcalls 20000 "$IMAGE" -- /bin/yes
run_vrsim mk2 --max-kcalls 20000 "$IMAGE" -- /bin/yes
expect_match "--max-kcalls: says why it stopped" "$(err mk1)" 'kernel-call budget \(--max-kcalls\) is spent'
expect_eq "--max-kcalls: the console program was ended (SIGTERM)" "$(status mk1)" 143
expect_eq "--max-kcalls: one digest per seed" "$(digest mk1)" "$(digest mk2)"
run_vrsim mk0 --max-kcalls 0 "$IMAGE" -- /bin/true
expect_eq "--max-kcalls 0: refused" "$(status mk0)" 2
finish
