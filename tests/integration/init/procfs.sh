#!/usr/bin/env bash
# /proc as a process sees it: its fds (the listing includes the directory fd itself, as on
# Linux), cwd, status, cmdline (NUL-separated: printed up to the first), the mount table.
. "$(dirname "$0")/../lib.sh"
run_vrsim p "$TESTIMAGE" -- /test/procfs arg1
out p
expect_eq "status" "$(status p)" 0
expect_eq "what /proc shows" "$(out p)" "opened fd 3
/proc/self/fd/1 -> /dev/console
/proc/self/fd/3 -> /etc/motd
/proc/self/cwd -> /etc
/proc/self/fd/3: No such file or directory
/proc/self/status: Name:	procfs
/proc/self/status: State:	R (running)
/proc/self/cmdline: /test/procfs
/proc/mounts: tmpfs / tmpfs rw 0 0
fds: 0 1 2 3"
finish
