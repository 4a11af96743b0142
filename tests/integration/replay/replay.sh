#!/bin/bash
# vrsim run --record / vrsim replay (issue #16): an interactive session typed through a pty
# with pauses replays to the same digest with no host input; one changed input byte is
# refused by a plain replay (exit 2) and named as the first differing event by --no-verify
# (exit 1); truncated, garbled, other-version LOGs and a LOG of another image are refused
# with clear errors; --until stops at an event with the inspector; recording does not change
# a run's digest.
set -eu
. "$(dirname "$0")/../lib.sh"

# pty_run OUT INPUTS CMD...: CMD on a pty; INPUTS are '|'-separated chunks (escapes allowed)
# typed byte by byte, with pauses between bytes and between chunks
cat >"$TMP/typist.py" <<'PY'
import os, pty, select, sys, time
out_path, inputs, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
pump(0.5)
for chunk in inputs.split("|"):
    for ch in chunk.encode().decode("unicode_escape").encode("latin-1"):
        os.write(fd, bytes([ch]))
        pump(0.02)
    pump(0.3)
pump(1.0)
_, st = os.waitpid(pid, 0)
open(out_path, "wb").write(out)
sys.exit(os.waitstatus_to_exitcode(st))
PY
set +e
timeout 60 python3 "$TMP/typist.py" "$TMP/session.out" 'hello\r|world\r|\x01x' \
    "$VRSIM" run --record "$TMP/s.log" "$TESTIMAGE" -- /test/readline
echo $? >"$TMP/session.status"
set -e
expect_match "pty session: the program saw the typed lines" "$(cat "$TMP/session.out")" '1: HELLO'
expect_match "pty session: typed with pauses" "$(cat "$TMP/session.out")" '2: WORLD'
recorded=$(tr -d '\r' <"$TMP/session.out" | sed -n 's/^trace-digest: //p')
expect_match "pty session: a digest" "$recorded" '^[0-9a-f]{16}$'

# replay: no host input at all (stdin is /dev/null), the same digest
"$VRSIM" replay "$TMP/s.log" >"$TMP/r.out" 2>"$TMP/r.err" </dev/null && rs=0 || rs=$?
expect_eq "replay: exit 0" "$rs" 0
expect_eq "replay: the recorded digest" "$(tail -n 1 "$TMP/r.err" | sed -n 's/^trace-digest: //p')" "$recorded"
expect_match "replay: says so" "$(cat "$TMP/r.err")" 'vrsim: replay: same run: [0-9]+ events'
expect_match "replay: the same output" "$(cat "$TMP/r.out")" '1: HELLO'

# a terminal's size and its changes (SIGWINCH) are inputs too: recorded and replayed
python3 "$(dirname "$0")/../tty/ptydrive.py" --rows 30 --cols 90 \
    '[("wait","waiting"),("resize",40,120),("wait","winch"),("send","x\r\x04")]' -- \
    "$VRSIM" run --record "$TMP/w.log" --no-init "$TESTIMAGE" -- /test/ttytest winch \
    >"$TMP/w.pty" 2>&1 || true
expect_match "winch: the program saw the new size" "$(cat "$TMP/w.pty")" 'winch 40 120'
"$VRSIM" replay "$TMP/w.log" >"$TMP/wr.out" 2>"$TMP/wr.err" </dev/null && rs=0 || rs=$?
expect_eq "winch replay: exit 0" "$rs" 0
expect_match "winch replay: the size change replayed" "$(cat "$TMP/wr.out")" 'winch 40 120'
expect_match "winch replay: same run" "$(cat "$TMP/wr.err")" 'vrsim: replay: same run'

# one input byte changed: refused; with --no-verify, replayed and the difference named
# the first input record's first byte (typed byte by byte, each byte is a record of its own):
# records are u32 type, u32 length, payload, u64 checksum; an input's bytes follow 24 bytes
off=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
o = 16
while o < len(b):
    t, n = struct.unpack_from("<II", b, o)
    if t == 2 and n > 24:
        print(o + 8 + 24)
        break
    o += 16 + n
' "$TMP/s.log")
expect_eq "the first input byte is the h of hello" "$(dd if="$TMP/s.log" bs=1 skip="$off" count=1 2>/dev/null)" h
cp "$TMP/s.log" "$TMP/m.log"
printf 'j' | dd of="$TMP/m.log" bs=1 seek="$off" conv=notrunc 2>/dev/null
"$VRSIM" replay "$TMP/m.log" >/dev/null 2>"$TMP/m1.err" </dev/null && rs=0 || rs=$?
expect_eq "altered LOG: refused, exit 2" "$rs" 2
expect_match "altered LOG: checksum named" "$(cat "$TMP/m1.err")" 'record [0-9]+ at offset [0-9]+ fails its checksum'
"$VRSIM" replay --no-verify "$TMP/m.log" >"$TMP/m2.out" 2>"$TMP/m2.err" </dev/null && rs=0 || rs=$?
expect_eq "altered LOG, --no-verify: diverged, exit 1" "$rs" 1
expect_match "--no-verify: the changed input reached the program" "$(cat "$TMP/m2.out")" '1: JELLO'
m2=$(cat "$TMP/m2.err")
expect_match "--no-verify: says it diverged" "$m2" 'vrsim: replay: DIVERGED'
expect_match "--no-verify: names the first differing event" "$m2" \
    'first difference at event #[0-9]+ \(A: recorded \(expected\)'
expect_match "--no-verify: expected: the recorded input event" "$m2" \
    '^A #[0-9]+ t=[0-9.]+s console pid 0 tid 0 a0=0x0 a1=0x1 '
expect_match "--no-verify: found: the input event as replayed" "$m2" \
    '^B #[0-9]+ t=[0-9.]+s console pid 0 tid 0 a0=0x0 a1=0x1 '

# bad LOGs
head -c -5 "$TMP/s.log" >"$TMP/t.log" # the end record cut short, wherever the records fall
"$VRSIM" replay "$TMP/t.log" >/dev/null 2>"$TMP/t.err" </dev/null && rs=0 || rs=$?
expect_eq "truncated: exit 2" "$rs" 2
expect_match "truncated: says so" "$(cat "$TMP/t.err")" 'is truncated'
cp "$TMP/s.log" "$TMP/g.log"
printf 'XX' | dd of="$TMP/g.log" bs=1 seek=0 conv=notrunc 2>/dev/null
"$VRSIM" replay "$TMP/g.log" >/dev/null 2>"$TMP/g.err" </dev/null && rs=0 || rs=$?
expect_eq "garbled: exit 2" "$rs" 2
expect_match "garbled: not a recording" "$(cat "$TMP/g.err")" 'is not a vrsim recording'
cp "$TMP/s.log" "$TMP/v.log"
printf '\x07' | dd of="$TMP/v.log" bs=1 seek=8 conv=notrunc 2>/dev/null
"$VRSIM" replay "$TMP/v.log" >/dev/null 2>"$TMP/v.err" </dev/null && rs=0 || rs=$?
expect_eq "other version: exit 2" "$rs" 2
expect_match "other version: says which" "$(cat "$TMP/v.err")" 'is a version 7 recording; this vrsim replays version 2'
"$VRSIM" replay "$TMP/none.log" >/dev/null 2>"$TMP/n.err" </dev/null && rs=0 || rs=$?
expect_eq "missing LOG: exit 2" "$rs" 2

# a LOG of another image: recorded with a copy, which then changes
cp "$TESTIMAGE" "$TMP/img.bootfs"
printf 'a\nb\n' >"$TMP/in"
run_vrsim_input p "$TMP/in" --record "$TMP/p.log" "$TMP/img.bootfs" -- /test/readline
run_vrsim_input q "$TMP/in" "$TMP/img.bootfs" -- /test/readline
expect_eq "recording changes no digest" "$(digest p)" "$(digest q)"
"$VRSIM" replay "$TMP/p.log" >/dev/null 2>&1 </dev/null && rs=0 || rs=$?
expect_eq "piped input: replay exit 0" "$rs" 0
# one byte changed, the same size (in the middle of the image, in a program the run never
# starts): the image hash covers every byte
cp "$TMP/img.bootfs" "$TMP/img0.bootfs"
size=$(stat -c %s "$TMP/img.bootfs")
printf '\x5a' | dd of="$TMP/img.bootfs" bs=1 seek=$((size / 2 + 13)) conv=notrunc 2>/dev/null
expect_eq "one byte changed: same size" "$(stat -c %s "$TMP/img.bootfs")" "$size"
expect_eq "one byte changed: one byte differs" "$(cmp -l "$TMP/img0.bootfs" "$TMP/img.bootfs" | wc -l)" 1
"$VRSIM" replay "$TMP/p.log" >/dev/null 2>"$TMP/i1.err" </dev/null && rs=0 || rs=$?
expect_eq "another image (one byte): exit 2" "$rs" 2
expect_match "another image (one byte): says so" "$(cat "$TMP/i1.err")" 'recorded with another image than'
cp "$TMP/img0.bootfs" "$TMP/img.bootfs"
printf 'x' >>"$TMP/img.bootfs"
"$VRSIM" replay "$TMP/p.log" >/dev/null 2>"$TMP/i.err" </dev/null && rs=0 || rs=$?
expect_eq "another image: exit 2" "$rs" 2
expect_match "another image: says so" "$(cat "$TMP/i.err")" 'recorded with another image than'

# a disk is an input too: a LOG recorded with one disk image is refused with another
mkdir -p "$TMP/blk"
sed 's|^image = .*|image = "disk.img"|' "$(dirname "$VRSIM")/../machines/blk.toml" >"$TMP/blk/m.toml"
cp "$(dirname "$VRSIM")/../machines/blk.img" "$TMP/blk/disk.img"
: >"$TMP/empty"
run_vrsim_input d "$TMP/empty" --record "$TMP/d.log" --machine "$TMP/blk/m.toml" "$TESTIMAGE" -- /test/blktest read 5 1
expect_eq "disk: the recorded run works" "$(status d)" 0
"$VRSIM" replay "$TMP/d.log" >/dev/null 2>&1 </dev/null && rs=0 || rs=$?
expect_eq "disk: replay with the same disk: exit 0" "$rs" 0
printf 'X' | dd of="$TMP/blk/disk.img" bs=1 seek=2560 conv=notrunc 2>/dev/null
"$VRSIM" replay "$TMP/d.log" >/dev/null 2>"$TMP/d.err" </dev/null && rs=0 || rs=$?
expect_eq "disk: replay with a changed disk: exit 2" "$rs" 2
expect_match "disk: says so" "$(cat "$TMP/d.err")" 'recorded on another machine'

# --until N: stops right after event #N, exactly: the inspector's last event is #N and the
# event count is N + 1 (not the first kernel call after it)
"$VRSIM" replay --until 300 --inspect-cmd 'ps; time; events 2' "$TMP/s.log" >/dev/null 2>"$TMP/u.err" </dev/null && rs=0 || rs=$?
expect_eq "--until: exit 0" "$rs" 0
u=$(cat "$TMP/u.err")
expect_match "--until: stopped right after event #300" "$u" 'vrsim: replay: stopped after event #300, time [0-9]+ ns'
expect_match "--until: the inspector's ps" "$u" '/sbin/init'
expect_eq "--until: two events listed" "$(printf '%s\n' "$u" | grep -c '^#[0-9]* t=')" 2
expect_eq "--until: the last event listed is #300" \
    "$(printf '%s\n' "$u" | grep '^#[0-9]* t=' | tail -n 1 | sed 's/ .*//')" '#300'
expect_match "--until: 301 events so far" "$u" '^time [0-9.]+s  events 301 '
for n in 0 1 299 1000; do
    "$VRSIM" replay --until $n --inspect-cmd 'events 1' "$TMP/s.log" >/dev/null 2>"$TMP/un.err" </dev/null || true
    expect_eq "--until $n: the last event is #$n" \
        "$(grep '^#[0-9]* t=' "$TMP/un.err" | tail -n 1 | sed 's/ .*//')" "#$n"
done

# --until-time T: stops at the last point at or before T: every event stamped <= T has
# happened, none later, and the clock reads T. Event times from the inspector: the last event
# at its instant (the next is later), then T = its time and T between it and the next.
"$VRSIM" replay --until 400 --inspect-cmd 'events 400' "$TMP/s.log" >/dev/null 2>"$TMP/ev.err" </dev/null || true
read -r en et ef < <(python3 -c '
import re, sys
ev = [(int(m.group(1)), round(float(m.group(2)) * 1e9)) for m in
      re.finditer(r"^#(\d+) t=([0-9.]+)s", open(sys.argv[1]).read(), re.M)]
for (n, t), (n2, t2) in zip(ev, ev[1:]):
    if n > 150 and t2 - t >= 2:
        print(n, t, t2)
        break
' "$TMP/ev.err")
expect_match "--until-time: a gap between two events found" "$en $et $ef" '^[0-9]+ [0-9]+ [0-9]+$'
for t in "$et" "$((ef - 1))"; do
    "$VRSIM" replay --until-time "$t" --inspect-cmd 'time; events 1' "$TMP/s.log" >/dev/null 2>"$TMP/ut.err" </dev/null && rs=0 || rs=$?
    ut=$(cat "$TMP/ut.err")
    expect_eq "--until-time $t: exit 0" "$rs" 0
    expect_match "--until-time $t: says where" "$ut" "vrsim: replay: stopped at time $t ns, after event #$en "
    expect_eq "--until-time $t: the last event is #$en (t=$et ns)" \
        "$(grep '^#[0-9]* t=' "$TMP/ut.err" | tail -n 1 | sed 's/ .*//')" "#$en"
    expect_match "--until-time $t: the clock reads $t ns" "$ut" \
        "^time $(printf '%d.%09d' $((t / 1000000000)) $((t % 1000000000)))s  events $((en + 1)) "
done
finish
