#!/usr/bin/env bash
# vsh as a person uses it, on a terminal (vrsim on a pty, the default boot): ^C ends
# `sleep 100` and the prompt returns (status 130); ^Z stops a job, `jobs` lists it, `fg`
# resumes it to its end; up-arrow recalls the last line for editing; exit ends the machine.
# Each wait is on output the typed line itself does not contain (arithmetic results), so
# every key goes in after the shell has really got there.
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tty/pty.lib"
pty session '[("wait","/ $ "),
  ("send","echo $((6*7)); sleep 100\r"),("wait","42\r\n"),("send","\x03"),("wait","^C"),
  ("send","echo st=$?\r"),("wait","st=130"),
  ("send","echo $((2+3)); sleep 3\r"),("wait","5\r\n"),("send","\x1a"),("wait","Stopped"),
  ("send","jobs\r"),("wait","jobs\r\r\n[1]"),
  ("send","fg\r"),("wait","fg\r\r\nsleep 3"),("send","echo fg=$?\r"),("wait","fg=0"),
  ("send","echo $((7*11))\r"),("wait","77\r\n"),("send","\x1b[A\x7f\x7f\x7f2))\r"),("wait","84"),
  ("send","exit 3\r")]' "$IMAGE"
s=$(screen session)
expect_has "^C is echoed and ends sleep 100" "$s" 'st=130'
expect_has "^Z stops the job" "$s" 'Stopped'
expect_has "jobs lists the stopped job" "$s" '[1]+  Stopped'
expect_has "fg resumes it to its end" "$s" 'fg=0'
expect_has "up-arrow recalls the line for editing (7*11 -> 7*12)" "$s" '84'
expect_eq "exit ends the machine with its status" "$(pty_status session)" 3
expect_eq "the host terminal is restored" "$(pty_restored session)" 1
# Lines typed ahead are kept: the editor enters raw mode without flushing input (a ^C typed
# ahead while the editor reads is its key: it drops the line being edited, not what follows)
printf 'echo a\r\x03echo b\rexit 3\r' | "$VRSIM" run --tty "$IMAGE" >"$TMP/ahead.out" 2>&1 && st=0 || st=$?
expect_eq "typed-ahead lines run: status" "$st" 3
expect_has "typed-ahead lines run: the second line's output" "$(tr -d '\r' <"$TMP/ahead.out")" $'\nb\n'
finish
