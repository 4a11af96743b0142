#!/usr/bin/env bash
# The device and DMA kernel calls against the default machine's edu (tests/integration/progs/
# kdev.c, run as the first process so it holds the root resource): enumeration, registers,
# MSI, DMA round trip, IOMMU faults, refusals. Then: one seed gives one digest with the
# device in the machine, and the trace export puts the device's events on its own track.
. "$(dirname "$0")/../lib.sh"
run_vrsim kdev --no-init --seed 5 --trace "$TMP/kdev.json" "$TESTIMAGE" -- /test/kdev
out kdev
expect_eq "kdev exit status (failures)" "$(status kdev)" 0
expect_no_match "no failed check" "$(out kdev)" '^FAIL'
expect_match "summary" "$(out kdev)" 'kdev: 0 failure\(s\)'
expect_eq "checks run" "$(out kdev | grep -c '^ok ')" 90
expect_eq "functions found" "$(out kdev | grep '^found' | tr '\n' ' ')" \
    "found 00:00.0 8086:29c0 found 00:03.0 1234:11e8 found 00:04.0 1af4:1044 found 00:05.0 1af4:1042 found 00:06.0 1af4:1043 "
expect_digest_line kdev

run_vrsim kdev2 --no-init --seed 5 "$TESTIMAGE" -- /test/kdev
expect_eq "same seed, same digest" "$(digest kdev2)" "$(digest kdev)"
run_vrsim kdev3 --no-init --seed 6 "$TESTIMAGE" -- /test/kdev
expect_eq "another seed passes too" "$(status kdev3)" 0

# the trace: edu's events on the track "pci 00:03.0", with readable arguments
json=$(cat "$TMP/kdev.json")
track=$(printf '%s' "$json" | grep -o '"name":"thread_name","args":{"name":"pci 00:03.0"}' | head -n 1)
expect_eq "edu has a track" "$track" '"name":"thread_name","args":{"name":"pci 00:03.0"}'
tid=$(printf '%s' "$json" | grep -o '"pid":[0-9]*,"tid":[0-9]*,"name":"thread_name","args":{"name":"pci 00:03.0"}' |
    head -n 1 | sed 's/,"name".*//')
expect_match "the track's pid/tid" "$tid" '^"pid":[0-9]+,"tid":[0-9]+$'
expect_match "mmio_read events on edu's track" "$json" \
    "$tid,\"name\":\"mmio_read\",\"args\":\\{[^}]*\"bdf\":\"00:03.0\"[^}]*\"bar\":0"
expect_match "iommu_fault events on edu's track" "$json" \
    "$tid,\"name\":\"iommu_fault\",\"args\":\\{[^}]*\"iova\":\"0x300000\"[^}]*\"reason\":\"unmapped\""
expect_match "irq events on edu's track" "$json" "$tid,\"name\":\"irq\""
expect_match "dma events on edu's track" "$json" "$tid,\"name\":\"dma\""
expect_match "the DMA without bus mastering is traced with -EPERM" "$json" \
    "$tid,\"name\":\"dma\",\"args\":\\{[^}]*\"result\":-1[,}]"
finish
