#!/usr/bin/env bash
# A program that never blocks, alone on the console as a terminal (progs/spinner.c): the
# kernel's time slicing looks at the terminal's keys at the end of each slice, so ^C ends a
# loop of kernel calls, and a `yes`-like loop of console writes that never yields, and
# Ctrl-A x stops vrsim under them (without slicing each one would spin until the pty
# harness killed it).
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

pty kc '[("wait","spinning"),("send","\x03")]' --no-init "$TESTIMAGE" -- /test/spinner kcalls
expect_eq "^C ends a loop of kernel calls" "$(pty_status kc)" 130
expect_has "^C is echoed" "$(screen kc)" '^C'
expect_eq "kcalls: host terminal restored" "$(pty_restored kc)" 1

pty yes '[("wait","y\r\ny\r\n"),("send","\x03")]' --no-init --slice 20000 "$TESTIMAGE" -- /test/spinner write
expect_eq "^C ends a loop of console writes that never yields" "$(pty_status yes)" 130

pty stop '[("wait","spinning"),("send","\x01x")]' --no-init "$TESTIMAGE" -- /test/spinner kcalls
expect_match "Ctrl-A x stops vrsim under a spinning program" "$(pty_status stop)" '^[0-9]+$'
expect_ne "Ctrl-A x: not killed by the harness" "$(pty_status stop)" 137
expect_eq "Ctrl-A x: host terminal restored" "$(pty_restored stop)" 1
finish
