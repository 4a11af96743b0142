# The window size: TIOCGWINSZ answers the host terminal's size, and a change of the host
# window reaches the foreground program as SIGWINCH (seen at vrsim's next input poll) with
# the new size.
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

pty info --rows 33 --cols 101 '[("wait","tcgetpgrp")]' --no-init "$TESTIMAGE" -- /test/ttytest info
expect_has "winsize: from the host terminal" "$(screen info)" 'winsize 33 101'
expect_has "settings: Linux defaults" "$(screen info)" 'icanon 1 echo 1 isig 1 opost 1 verase 127 vintr 3'

pty winch --rows 30 --cols 90 '[("wait","waiting"),("resize",40,120),("wait","winch"),("resize",41,121),("wait","winch 41"),("send","x\r\x04")]' \
    --no-init "$TESTIMAGE" -- /test/ttytest winch
s=$(screen winch)
expect_has "SIGWINCH with the new size" "$s" 'winch 40 120'
expect_has "SIGWINCH again" "$s" 'winch 41 121'
expect_has "reads go on after it" "$s" 'got 2 [x\\n]'
expect_eq "winch: exit status" "$(pty_status winch)" 0
finish
