#!/usr/bin/env bash
# /dev/hvc0 end to end (issue 12, items 3 and 4): sim/machines/console.toml has virtio-console
# at 00:06.0; `vrsim lspci` shows it; devmgr binds drivers/virtio-console to it (devlist). With
# console = "file" (a copy of the machine file in $TMP), text written to /dev/hvc0 lands in the
# output file byte for byte (also 64 KiB in one write(2) loop, checked against the pattern
# recomputed here), the input file's bytes are read back from /dev/hvc0 in order (200000 bytes
# echoed back: cmp'd against the input; far more than the model's and the driver's buffers, so
# flow control is crossed many times), the terminal size of the machine file is what the driver
# reports (HVC_OP_INFO), one seed gives one digest. Garbage in the transmitq's used ring (each
# kind, injected through the driver's test opcode) fails that write with EIO, the driver resets
# the device, the next write works; so does a DEVICE_NEEDS_RESET (the driver breaks a write on
# purpose: the device refuses it, with a guest error, and sends a configuration interrupt). The driver also runs on INTx (drivers.toml args).
. "$(dirname "$0")/../lib.sh"

SRCDIR="$(cd "$(dirname "$0")/../../.." && pwd)"
MACHINE="$SRCDIR/sim/machines/console.toml"

# $TMP/$1/m.toml: the console machine with its host end in files hvc0.out and hvc0.in there
file_machine() {
    mkdir -p "$TMP/$1"
    sed 's/^console = "null"$/console = "file"\noutput = "hvc0.out"\ninput = "hvc0.in"/' \
        "$MACHINE" >"$TMP/$1/m.toml"
    : >"$TMP/$1/hvc0.in"
    echo "$TMP/$1/m.toml"
}

expect_match "lspci: the console at 00:06.0" "$("$VRSIM" lspci --machine "$MACHINE")" \
    '^00:06\.0 Communication controller: Red Hat, Inc\. Virtio 1\.0 console'
expect_match "lspci -n: 1af4:1043, class 0780" "$("$VRSIM" lspci -n --machine "$MACHINE")" \
    '00:06\.0 0780: 1af4:1043'

run_vrsim list --machine "$MACHINE" "$TESTIMAGE" -- /bin/devlist
expect_match "devlist: virtio-console at 00:06.0, bound to hvc0, running" "$(out list)" \
    '00:06\.0 +1af4:1043 +078000 .* +hvc0 +running +0 '
expect_no_match "the driver is silent when all goes well" "$(err list)" 'hvc0:'

# the size from the machine file (console.toml: 132x43; the property's default: 80x25)
run_vrsim size --machine "$MACHINE" "$TESTIMAGE" -- /test/hvctest info
expect_eq "info: the machine file's size" "$(out size)" \
    "info: cols 132 rows 43 resets 1 failed 0 received 0 sent 0"
m=$(file_machine dflt)
sed -i '/^size = /d' "$m"
run_vrsim size80 --machine "$m" "$TESTIMAGE" -- /test/hvctest info
expect_match "info: the default size" "$(out size80)" '^info: cols 80 rows 25 '

# output: text, then 64 KiB
m=$(file_machine text)
run_vrsim text --machine "$m" "$TESTIMAGE" -- /test/hvctest write "hello, hvc0"
expect_eq "write: status" "$(status text)" 0
expect_eq "write: the output file holds the text, byte for byte" "$(od -An -c "$TMP/text/hvc0.out")" \
    "$(printf 'hello, hvc0' | od -An -c)"
expect_no_match "write: not on the main console" "$(out text)" 'hello, hvc0'
m=$(file_machine big)
run_vrsim big --machine "$m" "$TESTIMAGE" -- /test/hvctest pattern 65536
expect_eq "64 KiB: status" "$(status big)" 0
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 256) & 255 for i in range(65536)))' \
    >"$TMP/pattern.bin"
expect_eq "64 KiB: the output file is the pattern" \
    "$(cmp "$TMP/big/hvc0.out" "$TMP/pattern.bin" && echo same)" same
expect_digest_line big

# input: read in order; echoed back byte for byte; one seed, one digest
m=$(file_machine rd)
printf 'line one\nline two\n' >"$TMP/rd/hvc0.in"
run_vrsim rd --machine "$m" "$TESTIMAGE" -- /test/hvctest read 18
expect_eq "read: status" "$(status rd)" 0
expect_eq "read: the input file's bytes, in order" "$(out rd)" \
    "$(od -An -v -tx1 "$TMP/rd/hvc0.in" | tr -d ' \n')"
python3 -c 'import random, sys; r = random.Random(12); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(200000)))' \
    >"$TMP/in.bin"
for run in echo1 echo2; do
    m=$(file_machine "$run")
    cp "$TMP/in.bin" "$TMP/$run/hvc0.in"
    run_vrsim "$run" --seed 3 --machine "$m" "$TESTIMAGE" -- /test/hvctest echo 200000
    expect_eq "$run: status" "$(status "$run")" 0
    expect_eq "$run: 200000 bytes read and written back unchanged" \
        "$(cmp "$TMP/$run/hvc0.out" "$TMP/in.bin" && echo same)" same
done
expect_eq "echo: one seed, one digest" "$(digest echo2)" "$(digest echo1)"
# a slow reader (300-byte reads, 1 ms apart): the driver's input ring fills, it stops posting
# receive buffers, the model's ring fills, the host end keeps the rest; nothing lost or reordered
m=$(file_machine slow)
head -c 60000 "$TMP/in.bin" >"$TMP/slow/hvc0.in"
run_vrsim slow --seed 3 --machine "$m" "$TESTIMAGE" -- /test/hvctest echo 60000 300 1
expect_eq "slow reader: status" "$(status slow)" 0
expect_eq "slow reader: 60000 bytes unchanged" \
    "$(cmp "$TMP/slow/hvc0.out" "$TMP/slow/hvc0.in" && echo same)" same
expect_digest_line echo1

# garbage from the device: the write fails with EIO, the device is reset, the next one works
for kind in id len idx; do
    m=$(file_machine "bad-$kind")
    run_vrsim "bad-$kind" --machine "$m" "$TESTIMAGE" -- /test/hvctest corrupt "$kind"
    expect_eq "garbage $kind: status" "$(status "bad-$kind")" 0
    expect_eq "garbage $kind: the write before, EIO, then a write after the reset" \
        "$(out "bad-$kind")" "write before: ok (7 bytes)
write with garbage ($kind): Input/output error
write after: ok (6 bytes)
info: cols 132 rows 43 resets 2 failed 1 received 0 sent 13"
    expect_match "garbage $kind: the driver says why and resets" "$(err "bad-$kind")" \
        'hvc0: used .*: failing the waiting operations with EIO, resetting the device'
    # the device did take the broken write's bytes: only its completion was garbage
    expect_eq "garbage $kind: the output" "$(cat "$TMP/bad-$kind/hvc0.out")" "before
garbage
after"
done

# the driver breaks a write itself (a device-writable buffer in the transmitq): the device
# refuses it with DEVICE_NEEDS_RESET and a configuration interrupt, sends none of its bytes; the
# write fails with EIO, the driver resets the device, the next write works
m=$(file_machine bad-desc)
run_vrsim bad-desc --machine "$m" --trace "$TMP/desc.json" "$TESTIMAGE" -- /test/hvctest corrupt desc
expect_eq "needs reset: status" "$(status bad-desc)" 0
expect_eq "needs reset: the write fails with EIO, the next one works" "$(out bad-desc)" \
    "write before: ok (7 bytes)
write with garbage (desc): Input/output error
write after: ok (6 bytes)
info: cols 132 rows 43 resets 2 failed 1 received 0 sent 13"
expect_match "needs reset: the driver saw it" "$(err bad-desc)" \
    'hvc0: the device needs a reset: failing the waiting operations with EIO, resetting the device'
expect_match "needs reset: the model logged the guest error" "$(cat "$TMP/desc.json")" \
    'guest error: pci 00:06\.0: virtio-console: device-writable buffer in the transmitq'
expect_eq "needs reset: the refused write's bytes were not sent" "$(cat "$TMP/bad-desc/hvc0.out")" \
    "before
after"

# INTx: the ISR byte says a used buffer is there; the same echo
root="$TMP/root-intx"
cp -r "$TESTROOT" "$root"
sed -i 's|^path = "/sbin/drivers/virtio-console"$|&\nargs = ["--intx"]|' "$root/etc/drivers.toml"
"$MKBOOTFS" -o "$TMP/intx.bootfs" "$root" >/dev/null
m=$(file_machine intx)
cp "$TMP/in.bin" "$TMP/intx/hvc0.in"
run_vrsim intx --seed 3 --machine "$m" "$TMP/intx.bootfs" -- /test/hvctest echo 200000
expect_eq "intx: status" "$(status intx)" 0
expect_eq "intx: echoed unchanged" "$(cmp "$TMP/intx/hvc0.out" "$TMP/in.bin" && echo same)" same
expect_match "intx: the driver said so" "$(err intx)" 'hvc0: no MSI-X with three vectors .*: using INTx'
finish
