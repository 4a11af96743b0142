#!/usr/bin/env bash
# A malicious virtio-console (issue 12, "Must show"): the model's test hooks (hw-models/virtio/
# virtio_pci.h, VIRTIO_MISBEHAVE_*), armed through the driver's test opcode HVC_OP_MISBEHAVE, make
# the device send queue interrupts without work, answer with garbage in a used ring (id, length,
# index), or raise a configuration interrupt with a request in flight; once with a write in
# flight (tx: the input, 200 bytes, all taken in at boot), once with the input flowing into
# reads (rx: 40000 bytes, more than the driver's ring holds). Each time the affected operation
# fails with EIO and the driver resets the device, or nothing is affected; the driver never
# dies; the next write and read work. Input the device spoils is lost, never silently: the read
# that reaches the gap fails with EIO (the rest of the input, before and after it, is read back
# unchanged), whether or not a read was waiting when the garbage came. A reset for garbage in
# the transmitq fails the write only: a read waiting is unaffected. One seed, one digest.
# On sim/machines/console.toml with its host end in files (as virtio_console.sh).
. "$(dirname "$0")/../lib.sh"

SRCDIR="$(cd "$(dirname "$0")/../../.." && pwd)"
MACHINE="$SRCDIR/sim/machines/console.toml"

file_machine() { # NAME: $TMP/NAME/m.toml, host end hvc0.out and hvc0.in there
    mkdir -p "$TMP/$1"
    sed 's/^console = "null"$/console = "file"\noutput = "hvc0.out"\ninput = "hvc0.in"/' \
        "$MACHINE" >"$TMP/$1/m.toml"
    echo "$TMP/$1/m.toml"
}
no_crash() { # NAME
    expect_eq "$1: status" "$(status "$1")" 0
    expect_no_match "$1: no driver died" "$(err "$1")" 'killed by|restart|exiting'
}
python3 -c 'import random, sys; r = random.Random(5); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(40000)))' \
    >"$TMP/in.bin"
head -c 200 "$TMP/in.bin" >"$TMP/in200.bin"

tx() { # NAME KIND [mtxr]: the misbehaviour with a write in flight (and a read: mtxr)
    local m
    m=$(file_machine "$1")
    cp "$TMP/in200.bin" "$TMP/$1/hvc0.in"
    run_vrsim "$1" --seed 7 --machine "$m" "$TESTIMAGE" -- /test/hvctest "${3:-mtx}" "$2"
    no_crash "$1"
}
rx() { # NAME KIND CHUNK: the misbehaviour with the input flowing (armed with the ring full)
    local m
    m=$(file_machine "$1")
    cp "$TMP/in.bin" "$TMP/$1/hvc0.in"
    run_vrsim "$1" --seed 7 --machine "$m" "$TESTIMAGE" -- /test/hvctest mrx "$2" 100 "$3"
    no_crash "$1"
}
# NAME GAP: what was read back is the input less GAP bytes after the first 16384 (the ring full)
read_back_with_gap() {
    expect_eq "$1: read back: the input, less $2 bytes at the EIO" "$(python3 -c '
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); g = int(sys.argv[3])
print("same" if b == a[:16384] + a[16384 + g:] else "differs")' "$TMP/in.bin" "$TMP/$1/hvc0.out" "$2")" same
}

# ---- interrupts without work, a configuration interrupt mid-request: nothing is affected ----
for kind in spurious config; do
    tx "tx-$kind" "$kind"
    expect_eq "tx $kind: every write and read works, no reset" "$(out "tx-$kind")" \
        "write before: ok (7 bytes)
read before: ok (100 bytes)
misbehave $kind: ok
write during: ok (7 bytes)
read after: ok (100 bytes)
write after: ok (6 bytes)
info: cols 132 rows 43 resets 1 failed 0 received 200 sent 20"
    expect_eq "tx $kind: the output" "$(cat "$TMP/tx-$kind/hvc0.out")" "before
during
after"
    rx "rx-$kind" "$kind" 4096
    expect_eq "rx $kind: every read works, no reset" "$(out "rx-$kind")" "misbehave $kind: ok
read: 40000 bytes
info: cols 132 rows 43 resets 1 failed 0 received 40000 sent 40000"
    expect_eq "rx $kind: the input read back unchanged" \
        "$(cmp "$TMP/rx-$kind/hvc0.out" "$TMP/in.bin" && echo same)" same
done
expect_no_match "spurious, config: the driver is silent" "$(err tx-spurious; err rx-spurious;
    err tx-config; err rx-config)" 'hvc0:'

# ---- garbage in the used ring ----
for kind in usedid usedlen usedidx; do
    # the transmitq's completion: that write fails with EIO, the device is reset, the input
    # already taken stays readable, the next write works
    tx "tx-$kind" "$kind"
    expect_eq "tx $kind: the write fails with EIO, the rest works" "$(out "tx-$kind")" \
        "write before: ok (7 bytes)
read before: ok (100 bytes)
misbehave $kind: ok
write during: Input/output error
read after: ok (100 bytes)
write after: ok (6 bytes)
info: cols 132 rows 43 resets 2 failed 1 received 200 sent 13"
    expect_match "tx $kind: the driver says why and resets" "$(err "tx-$kind")" \
        'hvc0: used (id out of range|length beyond|index ahead).*: failing the waiting operations with EIO, resetting the device'
    # the device did take the spoiled write's bytes: only its completion was garbage
    expect_eq "tx $kind: the output" "$(cat "$TMP/tx-$kind/hvc0.out")" "before
during
after"
    # the receiveq's completion: the input in it (and what the device completed after it) is
    # lost; the read at the gap fails with EIO, once, the reads before and after it work. With
    # whole-ring reads a read waits when the garbage comes; with 100-byte reads none does and
    # the EIO waits in the ring for the reader to reach the gap.
    for chunk in 16384 100; do
        rx "rx-$kind-$chunk" "$kind" "$chunk"
        expect_eq "rx $kind, reads of $chunk: EIO at the gap, once, the rest read" \
            "$(out "rx-$kind-$chunk")" "misbehave $kind: ok
read: Input/output error after 16384 bytes
read: 35392 bytes
info: cols 132 rows 43 resets 2 failed 1 received 35392 sent 35392"
        read_back_with_gap "rx-$kind-$chunk" 4608
        expect_match "rx $kind, reads of $chunk: the driver says why and resets" \
            "$(err "rx-$kind-$chunk")" \
            'hvc0: used (id out of range|length beyond|index ahead).*: failing the waiting operations with EIO, resetting the device'
    done
done

# ---- a read waiting (no input to come) while the write is in flight: the read is never failed,
# whatever happens to the write (it times out after 10 s of virtual time, as with no misbehaviour)
for kind in spurious config usedid usedlen usedidx; do
    tx "txr-$kind" "$kind" mtxr
    case $kind in
    spurious | config) w="ok (7 bytes)" r="resets 1 failed 0" sent=14 ;;
    *) w="Input/output error" r="resets 2 failed 1" sent=7 ;;
    esac
    expect_eq "tx $kind, a read waiting: only the write is affected" "$(out "txr-$kind")" \
        "write before: ok (7 bytes)
read before: ok (200 bytes)
misbehave $kind: ok
write during: $w
info: cols 132 rows 43 $r received 200 sent $sent
read in flight: Connection timed out"
done

# ---- determinism ----
tx tx-usedid-2 usedid
expect_eq "tx garbage: one seed, one digest" "$(digest tx-usedid-2)" "$(digest tx-usedid)"
rx rx-usedid-100-2 usedid 100
expect_eq "rx garbage: one seed, one digest" "$(digest rx-usedid-100-2)" "$(digest rx-usedid-100)"
expect_digest_line rx-usedid-100
finish
