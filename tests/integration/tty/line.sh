# The console as a terminal, canonical mode, typed through a pty (issue 13 item 3): a line is
# echoed as typed and read whole, erase shows as "\b \b", ^U erases the line, ^W a word, ^D
# at a line start is end of file; the host terminal is put back as it was. Then the same
# program on pipes: no echo, no line editing, isatty false.
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

pty typed '[("wait","fd 2"),("send","hello world\r"),("wait","got"),("send","ab\x7fc\r"),("wait","got 3"),("send","one two\x17three\r"),("wait","three\\n"),("send","xyz\x15ok\r"),("wait","[ok"),("send","\x04")]' \
    --no-init "$TESTIMAGE" -- /test/ttytest both
s=$(screen typed)
expect_eq "typed: exit status" "$(pty_status typed)" 0
expect_has "typed: isatty on the console" "$s" 'fd 0 isatty 1 ttyname /dev/console'
expect_has "typed: the line is echoed, then read whole" "$s" 'hello world\r\ngot 12 [hello world\\n]'
expect_has "typed: erase shows as backspace-space-backspace" "$s" 'ab\x08 \x08c\r\ngot 3 [ac\\n]'
expect_has "typed: ^W erases the word" "$s" 'one two\x08 \x08\x08 \x08\x08 \x08three\r\ngot 10 [one three\\n]'
expect_has "typed: ^U erases the line" "$s" 'xyz\x08 \x08\x08 \x08\x08 \x08ok\r\ngot 3 [ok\\n]'
expect_has "typed: ^D at a line start is end of file" "$s" 'eof\r\n'
expect_lacks "typed: ^D is not echoed" "$s" '^D'
expect_eq "typed: the host terminal is restored" "$(pty_restored typed)" 1

# ^D after text ends that read without a newline; the next ^D is end of file
pty partial '[("wait","fd 2"),("send","abc\x04"),("wait","got 3"),("send","\x04")]' \
    --no-init "$TESTIMAGE" -- /test/ttytest both
expect_has "partial: ^D pushes the line without itself" "$(screen partial)" 'got 3 [abc]'
expect_has "partial: then end of file" "$(screen partial)" 'eof'

# The same through init (the console program claims the terminal when it reads)
pty init '[("wait","fd 2"),("send","via init\r"),("wait","got"),("send","\x04")]' \
    "$TESTIMAGE" -- /test/ttytest both
expect_has "init: typed line read" "$(screen init)" 'got 9 [via init\\n]'
expect_eq "init: exit status" "$(pty_status init)" 0

# Pipes: no echo, no editing, not a terminal
printf 'ab\177c\nx\n' >"$TMP/in"
run_vrsim_input pipe "$TMP/in" --no-init "$TESTIMAGE" -- /test/ttytest both
expect_eq "pipe: not a terminal, bytes as they came" "$(out pipe)" "$(printf '%s\n' \
    'fd 0 isatty 0 ttyname Inappropriate ioctl for device' \
    'fd 1 isatty 0 ttyname Inappropriate ioctl for device' \
    'fd 2 isatty 0 ttyname Inappropriate ioctl for device' \
    'winsize: Inappropriate ioctl for device' 'tcgetattr: Inappropriate ioctl for device' \
    'tcgetpgrp Inappropriate ioctl for device' 'got 5 [ab\x7fc\n]' 'got 2 [x\n]' 'eof')"

# --tty on a pipe: a terminal fed by a script, deterministic (one digest for two runs)
run_vrsim_input script1 "$TMP/in" --tty --no-init "$TESTIMAGE" -- /test/ttytest lines
run_vrsim_input script2 "$TMP/in" --tty --no-init "$TESTIMAGE" -- /test/ttytest lines
expect_eq "--tty pipe: echo and editing" "$(out script1 | od -An -c | tr -s ' ')" "$(printf 'ab\b \bc\r\nx\r\ngot 3 [ac\\n]\r\ngot 2 [x\\n]\r\neof\r\n' | od -An -c | tr -s ' ')"
expect_eq "--tty pipe: deterministic" "$(digest script1)" "$(digest script2)"
finish
