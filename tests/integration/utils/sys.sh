#!/usr/bin/env bash
# The system utilities, which have no GNU twin on the host: uname, id, date, ps, kill, dmesg
# (the kernel log: process starts, exits, crashes and init's service events, through
# /proc/kmsg), mount/umount (refused without CAP_FS_MOUNT), df, free, sleep; their usage
# errors and exit statuses.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
uname -a
uname -s -m
uname -q
id -u
id -un
id -g
id
id -z
date -d @86400 '+%F %T %Z'
date -d @0
date -d x
date +%Y-%m-%d
ps
ps -f
ps -x
/test/crash
sleep 2
dmesg
dmesg -x
mount
mount -t tmpfs none /tmp
umount /tmp
mount -t ext4 none /tmp
df
df /tmp /bin
df /nothing
free
free -b
kill -l
kill -l 9 137 term
kill -s KILL 99999
kill -BOGUS 1
kill
kill -0 abc
sleep
sleep 1x
S
run_guest sys "$TMP/script"
expect_eq "utilrun status" "$(status sys)" 0
o=$(out sys)
section() { # the transcript of one command line
    printf '%s\n' "$o" | awk -v c="\$ $1" '$0 == c { on = 1; print; next } /^\$ / { on = 0 } on'
}
expect_eq "uname -a" "$(section 'uname -a')" $'$ uname -a\nVeridian veridian 0.1 #1 vrsim x86_64 Veridian\n[exit 0]'
expect_eq "uname -s -m" "$(section 'uname -s -m')" $'$ uname -s -m\nVeridian x86_64\n[exit 0]'
expect_eq "uname -q: usage, 1" "$(section 'uname -q')" $'$ uname -q\n[stderr]\n[exit 1]'
expect_eq "id -u: the console user" "$(section 'id -u')" $'$ id -u\n1000\n[exit 0]'
expect_eq "id -un: its name" "$(section 'id -un')" $'$ id -un\nuser\n[exit 0]'
expect_re "id" "$(section 'id')" 'euid=1000\(user\).* groups=1000\(user\)'
expect_eq "id -z: usage" "$(section 'id -z')" $'$ id -z\n[stderr]\n[exit 1]'
expect_eq "date -d @86400" "$(section "date -d @86400 '+%F %T %Z'")" \
    $'$ date -d @86400 \'+%F %T %Z\'\n1970-01-02 00:00:00 UTC\n[exit 0]'
expect_eq "date -d @0" "$(section 'date -d @0')" $'$ date -d @0\nThu Jan  1 00:00:00 UTC 1970\n[exit 0]'
expect_eq "date -d x" "$(section 'date -d x')" $'$ date -d x\n[stderr]\n[exit 1]'
expect_re "date +%Y-%m-%d" "$(section 'date +%Y-%m-%d')" $'\n[0-9]{4}-[0-9]{2}-[0-9]{2}\n\\[exit 0\\]'
expect_re "ps: header and itself" "$(section 'ps')" $'  PID  PPID  PGID   UID CMD\n.*\n *[0-9]+ .* 1000 ps\n'
expect_re "ps: init, vfs and a driver from the kernel log" "$(section 'ps')" \
    $'\n +1 +0 +1 +0 init\n +2 +1 +2 +[0-9]+ vfs\n(.*\n)* +[0-9]+ +3 +3 +[0-9]+ hvc0\n'
expect_re "ps -f: full paths from the kernel log" "$(section 'ps -f')" $'\n +1 +0 +1 +0 /sbin/init\n'
expect_re "ps -f: command lines" "$(section 'ps -f')" \
    '/test/utilrun -s /utdata/in -w /tmp/w /utscript/script'
expect_eq "ps -x: usage" "$(section 'ps -x')" $'$ ps -x\n[stderr]\n[exit 1]'
expect_eq "a crash's status" "$(section '/test/crash')" $'$ /test/crash\n[exit 139]'
d=$(section dmesg)
expect_re "dmesg: init starts" "$d" $'\n\\[    0\\.000000\\] pid 1 \\(/sbin/init\\) started\n'
expect_re "dmesg: init's service events" "$d" $'\n\\[ *[0-9.]+\\] init: start vfs\n'
expect_re "dmesg: readiness" "$d" $'\n\\[ *[0-9.]+\\] init: ready devmgr\n'
expect_re "dmesg: a program's start and exit" "$d" \
    $'pid ([0-9]+) \\(/bin/uname\\) started by pid [0-9]+\n\\[ *[0-9.]+\\] pid [0-9]+ \\(/bin/uname\\) exited with status 0\n'
expect_re "dmesg: an exit status" "$d" 'pid [0-9]+ \(/bin/uname\) exited with status 1'
expect_re "dmesg: a crash" "$d" 'pid [0-9]+ \(/test/crash\) crashed: signal 11 at pc 0x[0-9a-f]+, address'
expect_re "dmesg: time moves (sleep 2)" "$d" $'\n\\[    2\\.[0-9]{6}\\] pid [0-9]+ \\(/bin/dmesg\\) started'
expect_eq "dmesg -x: usage" "$(section 'dmesg -x')" $'$ dmesg -x\n[stderr]\n[exit 1]'
expect_re "mount: the table" "$(section 'mount')" $'\ntmpfs on /tmp type tmpfs \\(rw\\)\n(.*\n)*bootfs on /bin type bootfs \\(ro\\)\n(.*\n)*proc on /proc type proc \\(ro\\)\n'
expect_eq "mount without CAP_FS_MOUNT" "$(section 'mount -t tmpfs none /tmp')" \
    $'$ mount -t tmpfs none /tmp\n[stderr]\n[exit 32]'
expect_eq "umount without CAP_FS_MOUNT" "$(section 'umount /tmp')" $'$ umount /tmp\n[stderr]\n[exit 32]'
expect_eq "mount -t ext4" "$(section 'mount -t ext4 none /tmp')" $'$ mount -t ext4 none /tmp\n[stderr]\n[exit 32]'
expect_re "df: the work files count in /tmp" "$(section 'df')" $'\ntmpfs +- +[1-9][0-9]* +- +- /tmp\n'
expect_re "df DIR...: those mounts" "$(section 'df /tmp /bin')" \
    $'Mounted on\ntmpfs .* /tmp\nbootfs .* /bin\n\\[exit 0\\]'
expect_re "df: a missing DIR" "$(section 'df /nothing')" $'\\[stderr\\]\n\\[exit 1\\]'
expect_re "free" "$(section 'free')" $'\nMem: +- +[1-9][0-9]* +-\nTmpfs: +- +[0-9]+ +-\nProcesses: [0-9]+'
expect_re "kill -l" "$(section 'kill -l')" $'HUP INT QUIT ILL TRAP ABRT BUS FPE\nKILL USR1 SEGV'
expect_eq "kill -l NUMBER/NAME" "$(section 'kill -l 9 137 term')" $'$ kill -l 9 137 term\nKILL\nKILL\n15\n[exit 0]'
expect_eq "kill: no such process" "$(section 'kill -s KILL 99999')" $'$ kill -s KILL 99999\n[stderr]\n[exit 1]'
expect_eq "kill: bad signal" "$(section 'kill -BOGUS 1')" $'$ kill -BOGUS 1\n[stderr]\n[exit 1]'
expect_eq "kill: no operand" "$(section 'kill')" $'$ kill\n[stderr]\n[exit 1]'
expect_eq "kill: bad pid" "$(section 'kill -0 abc')" $'$ kill -0 abc\n[stderr]\n[exit 1]'
expect_eq "sleep: no operand" "$(section 'sleep')" $'$ sleep\n[stderr]\n[exit 1]'
expect_eq "sleep: bad interval" "$(section 'sleep 1x')" $'$ sleep 1x\n[stderr]\n[exit 1]'
run_guest sys2 "$TMP/script"
expect_eq "one seed, one trace" "$(digest sys2)" "$(digest sys)"

# yes writing to the console must not starve the machine (yes never yields: the kernel's
# time slices and the console's output pacing keep it fair): with yes as a service, the
# console program still runs and the machine shuts down. Output is capped: a starved run floods it until the timeout.
img=$(make_image noisy "$VFS_SERVICE
[[services]]
name = \"noisy\"
path = \"/bin/yes\"
args = [\"noise\"]
depends_on = [\"vfs\"]
")
set +e
timeout 20 "$VRSIM" run "$img" -- /bin/echo the console program ran 2>"$TMP/noisy.err" </dev/null |
    head -c 4000000 >"$TMP/noisy.out"
st=${PIPESTATUS[0]}
set -e
expect_eq "yes as a service: the run ends" "$st" 0
expect_eq "yes as a service: the console program ran" \
    "$(grep -c '^the console program ran$' "$TMP/noisy.out")" 1
finish
