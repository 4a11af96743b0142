#!/usr/bin/env bash
# The QEMU backend is deterministic (issue 15): two runs with one seed give one trace digest,
# for a driver of each kind (edu: MSI and a timed DMA; virtio-rng; virtio-blk: MSI-X, block
# I/O drained by QUIESCE; virtio-console), and the digest is not vrsim's own (the devices
# are QEMU's). Label `qemu`.
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../../.." && pwd)
VERIDIAN_QEMU=${VERIDIAN_QEMU:-$("$root/scripts/build-qemu")}
export VERIDIAN_QEMU
M=$(dirname "$VRSIM")/../machines
twice() { # NAME ARGS...
    local name=$1
    shift
    run_vrsim "$name" --backend qemu "$@"
    run_vrsim "$name-2" --backend qemu "$@"
    expect_eq "$name: status" "$(status "$name")" 0
    expect_eq "$name: the second run's status" "$(status "$name-2")" 0
    expect_match "$name: a digest" "$(digest "$name")" '^[0-9a-f]{16}$'
    expect_eq "$name: one seed, one digest" "$(digest "$name-2")" "$(digest "$name")"
}
twice edu --seed 3 "$TESTIMAGE" -- /test/edutest dma 4096
twice rng --seed 3 "$TESTIMAGE" -- /test/hwrngtest read 64
twice blk --machine "$M/blk.toml" --seed 3 "$TESTIMAGE" -- /test/blktest write 9 4 0x5a \
    verify 9 4 0x5a parallel 3 10 stats
twice blk-chaos --chaos --machine "$M/blk.toml" --seed 4 "$TESTIMAGE" -- /test/blktest \
    parallel 4 20 stats
twice con --machine "$M/console.toml" --seed 3 "$TESTIMAGE" -- /test/hvctest write hello info
run_vrsim vrsim --seed 3 "$TESTIMAGE" -- /test/edutest dma 4096
expect_ne "edu: QEMU's run is not vrsim's" "$(digest vrsim)" "$(digest edu)"
run_vrsim rng-4 --backend qemu --seed 4 "$TESTIMAGE" -- /test/hwrngtest read 64
expect_ne "rng: another seed, other bytes" "$(out rng-4)" "$(out rng)"
finish
