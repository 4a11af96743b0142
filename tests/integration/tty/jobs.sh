# Job control on the console through a pty: a guest plays the shell (ttyjob: its own group,
# posix_spawn into a new group, tcsetpgrp, waitpid WUNTRACED). ^C ends the sleeping
# foreground job with SIGINT, ^Z stops it and `fg` (tcsetpgrp + SIGCONT) lets it finish its
# sleep; a background job that reads gets SIGTTIN, stops, and reads once brought to the
# foreground; ^\ sends SIGQUIT. The shell has the terminal again after each.
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

pty intr '[("wait","started"),("send","\x03")]' --no-init "$TESTIMAGE" -- /test/ttyjob /test/sleepy 60000
s=$(screen intr)
expect_has "^C is echoed" "$s" '^C'
expect_has "^C ends the sleeping job with SIGINT" "$s" 'ttyjob: job killed by signal 2'
expect_has "^C: the shell has the terminal again" "$s" 'foreground is the shell again: 1'
expect_eq "^C: the shell itself lives on" "$(pty_status intr)" 0

pty susp '[("wait","started"),("send","\x1a")]' --no-init "$TESTIMAGE" -- /test/ttyjob /test/sleepy 1500
s=$(screen susp)
expect_has "^Z stops the job with SIGTSTP" "$s" 'ttyjob: job stopped by signal 20'
expect_has "fg: the job finishes its sleep" "$s" 'sleepy: slept 1500 ms of virtual time'
expect_has "fg: and exits" "$s" 'ttyjob: job exited 0'

pty quit '[("wait","started"),("send","\x1c")]' --no-init "$TESTIMAGE" -- /test/ttyjob /test/sleepy 60000
expect_has "^\\ ends the job with SIGQUIT" "$(screen quit)" 'ttyjob: job killed by signal 3'

pty bgread '[("wait","stopped"),("send","hi\r\x04")]' --no-init "$TESTIMAGE" -- /test/ttyjob --bg /test/ttytest lines
s=$(screen bgread)
expect_has "a background read stops the job with SIGTTIN" "$s" 'ttyjob: job stopped by signal 21'
expect_has "in the foreground the read goes on" "$s" 'got 3 [hi\\n]'
expect_has "bgread: and the job ends" "$s" 'ttyjob: job exited 0'

# A program alone on the console (no shell): ^C ends vrsim's program, status 128+2
pty alone '[("wait","fd 2"),("send","abc\x03")]' --no-init "$TESTIMAGE" -- /test/ttytest both
expect_eq "alone: ^C ends the console program" "$(pty_status alone)" 130
expect_eq "alone: host terminal restored" "$(pty_restored alone)" 1
# A program alone that never touches the terminal (vrsim gives it the foreground): ^C ends it
pty alonesleep '[("send","x"),("wait","x"),("send","\x03")]' --no-init "$TESTIMAGE" -- /test/sleepy 60000
expect_eq "alone, sleeping: ^C ends it" "$(pty_status alonesleep)" 130
expect_has "alone, sleeping: typed keys and ^C are echoed" "$(screen alonesleep)" 'x^C'
# The same under init: init gives the console program's group the foreground, so ^C reaches a
# console program that never touched the terminal, and only it (the services live on)
pty initsleep '[("wait","started netstack"),("send","x"),("wait","x"),("send","\x03")]' "$TESTIMAGE" -- /test/sleepy 60000
expect_eq "under init, sleeping: ^C ends the console program" "$(pty_status initsleep)" 130
expect_has "under init: the services are stopped in order afterwards" "$(screen initsleep)" 'init: stopped vfs'
finish
