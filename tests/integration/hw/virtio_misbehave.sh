#!/usr/bin/env bash
# Malicious virtio devices (issue 12, "Must show"): the models' test hooks (hw-models/virtio/
# virtio_pci.h, VIRTIO_MISBEHAVE_*: armed by the driver on a test opcode, VBLK_OP_MISBEHAVE /
# HWRNG_OP_MISBEHAVE) make the device itself send queue interrupts without work, answer with
# garbage in its used ring (id, length, index), or change its configuration (virtio-blk: the
# capacity halves) with a request in flight. Each time the drivers fail the affected operation
# cleanly (EIO, and a device reset for garbage), never crash, and the next operation works.
# virtio-blk on sim/machines/blk.toml, virtio-rng on the default machine.
. "$(dirname "$0")/../lib.sh"

MACHDIR=$(dirname "$IMAGE")/machines
M="$TMP/m"
mkdir -p "$M"
cp "$MACHDIR/blk.toml" "$MACHDIR/blk.img" "$M/"
cp "$MACHDIR/blk.img" "$TMP/pristine.img"

bt() { # NAME ARGS...: /test/blktest on the blk machine
    local name=$1
    shift
    run_vrsim "$name" --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest "$@"
}
no_crash() { # NAME
    expect_eq "$1: status" "$(status "$1")" 0
    expect_no_match "$1: no driver died" "$(err "$1")" 'killed by|restart'
}

# ---- virtio-blk: interrupts without work ----
V4="verify 5 1 0x11 verify 5 1 0x11 verify 5 1 0x11 verify 5 1 0x11"
# shellcheck disable=SC2086
bt calm write 5 1 0x11 $V4 irqs stats
# shellcheck disable=SC2086
bt spur write 5 1 0x11 misbehave spurious $V4 irqs stats
no_crash spur
calm_irqs=$(out calm | sed -n 's/^irqs: //p')
spur_irqs=$(out spur | sed -n 's/^irqs: //p')
expect_eq "spurious: the driver got 3 interrupts more than without" "$((spur_irqs - calm_irqs))" 3
expect_eq "spurious: every request works, nothing is reset" "$(out spur | grep -v '^irqs')" \
    "write 5 1 17: ok
misbehave spurious: ok
verify 5 1 17: ok
verify 5 1 17: ok
verify 5 1 17: ok
verify 5 1 17: ok
stats: served 5 resets 1 failed 0"
bt spur-par misbehave spurious parallel 4 20 stats
no_crash spur-par
expect_eq "spurious, four clients in flight: every round works" "$(out spur-par)" \
    "misbehave spurious: ok
parallel 4 20: 80 rounds ok, 0 bad; most in flight 4
stats: served 160 resets 1 failed 0"

# ---- virtio-blk: garbage in the device's used ring ----
for kind in usedid usedlen usedidx; do
    bt "$kind" write 5 1 0x11 misbehave "$kind" verify 5 1 0x11 verify 5 1 0x11 write 6 1 0x12 \
        verify 6 1 0x12 stats
    no_crash "$kind"
    expect_eq "device garbage $kind: EIO, the device reset, the next requests work" \
        "$(out "$kind")" "write 5 1 17: ok
misbehave $kind: ok
verify 5 1 17: Input/output error
verify 5 1 17: ok
write 6 1 18: ok
verify 6 1 18: ok
stats: served 4 resets 2 failed 1"
    expect_match "device garbage $kind: the driver says why" "$(err "$kind")" \
        'vda: used (id out of range|length beyond|index ahead).*: the request fails with EIO, resetting the device'
done
bt usedidx-par misbehave usedidx parallel 4 20 stats
no_crash usedidx-par
expect_match "device garbage with four requests in flight: they fail, the rest work" \
    "$(out usedidx-par)" 'parallel 4 20: (7[6-9]) rounds ok, ([1-4]) bad; most in flight 4'

# ---- virtio-blk: the capacity halves with a request in flight ----
bt cfg info write 1500 1 0x22 misbehave config read 1500 1 info read 1500 1 fsize \
    write 1000 1 0x33 verify 1000 1 0x33 verify 1023 1 0 fpread 524000 1000 stats
no_crash cfg
expect_eq "config change: the request in flight fails (EIO), the new capacity rules after" \
    "$(out cfg | grep -v '^[0-9a-f]*$')" \
    "info: capacity 2048 block 512 ro 0 flush 1 discard 1 wzero 1
write 1500 1 34: ok
misbehave config: ok
read 1500 1: Input/output error
info: capacity 1024 block 512 ro 0 flush 1 discard 1 wzero 1
read 1500 1: Invalid argument
fsize: 524288
write 1000 1 51: ok
verify 1000 1 51: ok
verify 1023 1 0: byte 0 is 255
fpread 524000 1000: 288 bytes
stats: served 5 resets 1 failed 2"
expect_match "config change: the driver noticed" "$(err cfg)" \
    'vda: the capacity changed from 2048 to 1024 sectors'
expect_no_match "config change: no reset for a resize" "$(err cfg)" 'resetting the device'
bt cfg-par misbehave config parallel 4 10 info
no_crash cfg-par
expect_match "config change under four clients: their sectors are gone, cleanly" "$(out cfg-par)" \
    'parallel 4 10: 0 rounds ok, 40 bad; most in flight [1-4]'
expect_match "config change under four clients: the new capacity" "$(out cfg-par)" \
    'info: capacity 1024 '
if cmp -s "$M/blk.img" "$TMP/pristine.img"; then
    pass "the image file is unchanged (overlay)"
else
    fail "the image file changed"
fi

# ---- virtio-rng (the default machine): the same misbehaviours ----
for kind in spurious config usedid usedlen usedidx; do
    run_vrsim "rng-$kind" --seed 7 "$TESTIMAGE" -- /test/hwrngtest misbehave "$kind"
    no_crash "rng-$kind"
done
ok4="read 0: ok (16 bytes)
read 1: ok (16 bytes)
read 2: ok (16 bytes)
read 3: ok (16 bytes)"
expect_eq "rng spurious: three interrupts more than reads, every read works" \
    "$(out rng-spurious)" "read before: ok
$ok4
info: served 5 resets 1 failed 0 irqs 8"
expect_eq "rng config change (no configuration): one configuration interrupt, reads work" \
    "$(out rng-config)" "read before: ok
$ok4
info: served 5 resets 1 failed 0 irqs 6"
for kind in usedid usedlen usedidx; do
    expect_eq "rng device garbage $kind: that read fails with EIO, the device reset, the next work" \
        "$(out "rng-$kind")" "read before: ok
read 0: Input/output error (0 bytes)
read 1: ok (16 bytes)
read 2: ok (16 bytes)
read 3: ok (16 bytes)
info: served 4 resets 2 failed 1 irqs 5"
    expect_match "rng device garbage $kind: the driver says why" "$(err "rng-$kind")" \
        'hwrng: used .*: the read fails with EIO, resetting the device'
done

# ---- determinism ----
bt usedid-2 write 5 1 0x11 misbehave usedid verify 5 1 0x11 verify 5 1 0x11 write 6 1 0x12 \
    verify 6 1 0x12 stats
expect_eq "device garbage: one seed, one digest" "$(digest usedid-2)" "$(digest usedid)"
finish
