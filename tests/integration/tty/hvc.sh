#!/usr/bin/env bash
# /dev/hvc0 as a terminal (drivers/virtio-console runs os/lib/ldisc; the kernel's terminal
# object, os/kernel/terminal.c, decides whom its ^C may reach). sim/machines/console.toml with
# its virtio-console's host end in files (as hw/virtio_console.sh): the input file is the
# user's typing. progs/hvctty.c: isatty, TIOCGWINSZ (the machine file's 132x43),
# tcsetpgrp/tcgetpgrp; in canonical mode with echo the typed lines are read whole (erase
# applied) and echoed to hvc0's output; a ^C ends the program with SIGINT, a ^\ with SIGQUIT
# (the driver's uid could not kill it: the terminal's session could be signalled); a process of another session
# can neither take the terminal (ENOTTY) nor be put in its foreground (EPERM), and the ^C
# does not reach it. Job control (jobs): a background group's read gets SIGTTIN (EIO when
# ignored, EINTR with a handler), its write with TOSTOP, tcsetattr and tcsetpgrp SIGTTOU; put
# in the foreground and continued, the call goes on. ^Z (tstp) stops the foreground child,
# its parent sees it (WUNTRACED), SIGCONT resumes it. ttyname names hvc0 "/dev/hvc0".
# hvc0 starts raw, as the existing byte-pipe uses expect (hw tests).
. "$(dirname "$0")/../lib.sh"

SRCDIR="$(cd "$(dirname "$0")/../../.." && pwd)"
MACHINE="$SRCDIR/sim/machines/console.toml"
file_machine() { # $TMP/$1/m.toml with hvc0.in = $2 (printf format)
    mkdir -p "$TMP/$1"
    sed 's/^console = "null"$/console = "file"\noutput = "hvc0.out"\ninput = "hvc0.in"/' \
        "$MACHINE" >"$TMP/$1/m.toml"
    printf "$2" >"$TMP/$1/hvc0.in"
    echo "$TMP/$1/m.toml"
}
hvcout() { od -An -c "$TMP/$1/hvc0.out" | tr -s ' \n' ' '; }

setup_want="isatty: 1
winsize: 132 cols 43 rows
tcsetpgrp: 0
tcgetpgrp is my group: 1"

m=$(file_machine lines 'helx\177lo\nsecond line\n')
run_vrsim lines --machine "$m" "$TESTIMAGE" -- /test/hvctty lines 2
expect_eq "lines: status" "$(status lines)" 0
expect_eq "lines: a terminal; its size; the foreground group" "$(out lines | head -n 4)" \
    "$setup_want"
expect_eq "lines: canonical reads, erase applied" "$(out lines | grep '^line:')" \
    "line: [hello]
line: [second line]"
expect_eq "lines: echoed with erase and CR NL" "$(hvcout lines)" \
    "$(printf 'helx\b \blo\r\nsecond line\r\n' | od -An -c | tr -s ' \n' ' ')"
run_vrsim lines2 --machine "$m" "$TESTIMAGE" -- /test/hvctty lines 2
expect_eq "lines: one seed, one digest" "$(digest lines2)" "$(digest lines)"

m=$(file_machine int 'first\n\003never read\n')
run_vrsim int --machine "$m" "$TESTIMAGE" -- /test/hvctty sigint
expect_eq "^C: the program ends with SIGINT" "$(status int)" 130
expect_eq "^C: it flushed the unread line before it (no NOFLSH)" "$(out int | grep -c '^line:')" 0
expect_no_match "^C: the driver is still there" "$(err int)" 'hvc0: .*(exit|crash)'

m=$(file_machine quit 'x\034')
run_vrsim quit --machine "$m" "$TESTIMAGE" -- /test/hvctty sigint
expect_eq "^\\: the program ends with SIGQUIT" "$(status quit)" 131

m=$(file_machine sess 'x\003')
run_vrsim sess --machine "$m" "$TESTIMAGE" -- /test/hvctty session
expect_eq "session: status" "$(status sess)" 0
o=$(out sess)
expect_has() { if printf '%s' "$2" | grep -Fq -- "$3"; then pass "$1"; else fail "$1: [$2] lacks [$3]"; fi; }
expect_has "session: the child is in a session of its own" "$o" "child: own session: 1"
expect_has "session: hvc0 is a terminal to it too" "$o" "child: isatty: 1"
expect_has "session: another session cannot take the terminal" "$o" \
    "child: tcsetpgrp: -1 (Inappropriate ioctl for device)"
expect_has "session: nor be put in its foreground" "$o" \
    "tcsetpgrp(the other session's group): -1 (Operation not permitted)"
expect_has "session: ^C reached the terminal's session" "$o" "parent: SIGINT seen: 1"
expect_has "session: not the other session" "$o" "child: alive after the ^C"
expect_has "session: which ends normally" "$o" "parent: child exited 0"
expect_eq "session: x and ^C echoed" "$(cat "$TMP/sess/hvc0.out")" "x^C"

# ttyname: hvc0's server names it; the console (here a pipe) keeps its answer
m=$(file_machine name '')
run_vrsim name --machine "$m" "$TESTIMAGE" -- /test/hvctty ttyname
expect_eq "ttyname: status" "$(status name)" 0
expect_eq "ttyname: hvc0, the console as before, ERANGE" "$(out name | tail -n 3)" \
    "ttyname(hvc0): /dev/hvc0
ttyname(stdout): Inappropriate ioctl for device
ttyname_r(hvc0, 5 bytes): Numerical result out of range"

# job control: background access to hvc0 gets SIGTTIN/SIGTTOU (the kernel's rule, ACCESS)
m=$(file_machine jobs 'fg line\n')
run_vrsim jobs --machine "$m" "$TESTIMAGE" -- /test/hvctty jobs
expect_eq "jobs: status" "$(status jobs)" 0
expect_eq "jobs: SIGTTIN, EIO, EINTR, SIGTTOU; fg and SIGCONT let the call go on" \
    "$(out jobs | tail -n +5)" "read: stopped by 21
read: read [fg line]
read: result 8 (ok)
read: foreground again: 0
read: exited 0
readign: result -1 (Input/output error)
readign: exited 0
readh: result -1 (Interrupted system call), handler ran
readh: exited 0
write: stopped by 22
write: result 9 (ok)
write: foreground again: 0
write: exited 0
setattr: stopped by 22
setattr: result 0 (ok)
setattr: foreground again: 0
setattr: exited 0
setpgrp: stopped by 22
setpgrp: result 0 (ok)
setpgrp: foreground again: 0
setpgrp: exited 0"
expect_eq "jobs: the background write went out once continued" "$(cat "$TMP/jobs/hvc0.out")" \
    "$(printf 'fg line\r\nbg write\r\n')"
run_vrsim jobs2 --machine "$m" "$TESTIMAGE" -- /test/hvctty jobs
expect_eq "jobs: one seed, one digest" "$(digest jobs2)" "$(digest jobs)"

# ^Z stops the foreground program; its parent sees it stopped; SIGCONT resumes it
m=$(file_machine tstp '\032after\n')
run_vrsim tstp --machine "$m" "$TESTIMAGE" -- /test/hvctty tstp
expect_eq "^Z: status" "$(status tstp)" 0
expect_eq "^Z: stopped by SIGTSTP, continued, reads on" "$(out tstp | tail -n +5)" \
    "tstp: child in the foreground: 1
tstp: stopped: 1, by 20
tstp: child read [after]
tstp: exited 0"

# the byte pipe is unchanged: raw by default (no echo, binary passes)
m=$(file_machine raw 'a\003b\r\n')
run_vrsim raw --machine "$m" "$TESTIMAGE" -- /test/hvctest read 5
expect_eq "raw by default: bytes unchanged" "$(out raw)" "6103620d0a"
expect_eq "raw by default: no echo" "$(stat -c %s "$TMP/raw/hvc0.out")" 0
finish
