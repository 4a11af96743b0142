#!/usr/bin/env bash
# veridian-testdev's fault injection through the QEMU backend (vrsim run --qemu-fault, issue
# 15): QEMU's virtio-blk spoils one event and the unchanged driver and test program notice:
# a used-ring id and a status byte the driver refuses (EIO, device reset, the next requests
# work), a data block only the test's end-to-end compare catches (virtio-blk has no checksum),
# a dropped interrupt the driver recovers from by its timeout, a doubled one it ignores.
# Each run twice with one seed: one digest. Label `qemu`.
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../../.." && pwd)
VERIDIAN_QEMU=${VERIDIAN_QEMU:-$("$root/scripts/build-qemu")}
export VERIDIAN_QEMU
M=$(dirname "$VRSIM")/../machines
ops=(write 5 1 0x11 verify 5 1 0x11 verify 5 1 0x11 stats)
bt() { # NAME FAULT
    run_vrsim "$1" --backend qemu --qemu-fault "$2" --machine "$M/blk.toml" --seed 7 \
        "$TESTIMAGE" -- /test/blktest "${ops[@]}"
}

bt calm drop-irq@1f.7 # armed for a function that has none: nothing happens
expect_eq "no fault: status" "$(status calm)" 0
expect_eq "no fault: every request works" "$(out calm)" "write 5 1 17: ok
verify 5 1 17: ok
verify 5 1 17: ok
stats: served 3 resets 1 failed 0"

refused="write 5 1 17: Input/output error
verify 5 1 17: ok
verify 5 1 17: ok
stats: served 2 resets 2 failed 1"
bt used corrupt-used@05.0
expect_eq "used-ring id: the write fails, the device is reset, the rest works" "$(out used)" \
    "$refused"
expect_match "used-ring id: the driver says why" "$(err used)" \
    'vda: used id out of range: the request fails with EIO, resetting the device'

bt status corrupt-status@05.0
expect_eq "status byte: the write fails, the device is reset, the rest works" "$(out status)" \
    "$refused"
expect_match "status byte: the driver sees the status" "$(err status)" 'vda: status 240, '
expect_match "status byte: the driver says why" "$(err status)" \
    'vda: garbage in a completion: the request fails with EIO'

bt data corrupt-data@05.0
expect_eq "data block: only the end-to-end compare sees it, the next read is right" \
    "$(out data)" "write 5 1 17: ok
verify 5 1 17: byte 0 is 238
verify 5 1 17: ok
stats: served 3 resets 1 failed 0"
expect_no_match "data block: the driver saw nothing" "$(err data)" 'vda: '

bt drop drop-irq@05.0
expect_eq "dropped interrupt: the driver's timeout fails the request, the rest works" \
    "$(out drop)" "$refused"
expect_match "dropped interrupt: the driver says why" "$(err drop)" \
    'vda: no interrupt from the device in time'

bt dup dup-irq@05.0
expect_eq "doubled interrupt: nothing fails" "$(out dup)" "$(out calm)"

bt drop2 drop-irq@05.0
expect_eq "dropped interrupt: one seed, one digest" "$(digest drop2)" "$(digest drop)"
bt data2 corrupt-data@05.0
expect_eq "data block: one seed, one digest" "$(digest data2)" "$(digest data)"

run_vrsim badfault --backend qemu --qemu-fault melt@05.0 --machine "$M/blk.toml" "$TESTIMAGE" \
    -- /test/blktest stats
expect_eq "an unknown fault: refused" "$(status badfault)" 1
expect_match "an unknown fault: says which" "$(err badfault)" "'melt' is not corrupt-used"
run_vrsim noqemu --backend qemu --qemu /nonexistent/qemu "$TESTIMAGE" -- /test/blktest stats
expect_eq "no QEMU: refused" "$(status noqemu)" 1
expect_match "no QEMU: says how to get one" "$(err noqemu)" 'scripts/build-qemu'
run_vrsim badbackend --backend bochs "$TESTIMAGE" -- /test/blktest stats
expect_eq "an unknown backend: a usage error" "$(status badbackend)" 2
finish
