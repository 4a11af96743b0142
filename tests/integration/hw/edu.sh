#!/usr/bin/env bash
# /dev/edu end to end (issue 11, items 5-7): a test program computes 12! through the edu
# driver (interrupt driven, MSI) and round-trips 4 KiB of patterned bytes through the device's
# DMA engine; a driver that points the device at memory it was not given gets IOMMU faults
# (the operation fails with EIO, a read-only canary keeps its bytes, the faults are in the
# trace and in /proc/iommu); a driver that dies with a DMA pending is restarted by devmgr
# after a device reset and a revocation of its domain (/proc/devices: restarts 1), and the
# next request works; the driver also runs on INTx; two runs with one seed give one digest.
. "$(dirname "$0")/../lib.sh"

run_vrsim fact --seed 11 "$TESTIMAGE" -- /test/edutest fact 12
expect_eq "fact 12: status" "$(status fact)" 0
expect_eq "fact 12: from the device" "$(out fact)" "fact(12) = 479001600"

run_vrsim dma --seed 11 "$TESTIMAGE" -- /test/edutest dma 4096
expect_eq "dma 4096: status" "$(status dma)" 0
expect_eq "dma 4096: the bytes came back" "$(out dma)" "dma 4096 bytes: round trip ok"

run_vrsim fault --seed 11 --trace "$TMP/fault.json" "$TESTIMAGE" -- /test/edutest fault
expect_eq "fault: status (the canary is unchanged)" "$(status fault)" 0
expect_match "fault: a write to an unmapped iova fails" "$(out fault)" \
    'dma_raw write to an unmapped iova: Input/output error'
expect_match "fault: a read from an unmapped iova fails" "$(out fault)" \
    'dma_raw read from an unmapped iova: Input/output error'
expect_match "fault: a write to the read-only canary fails" "$(out fault)" \
    'dma_raw write to the read-only canary: Input/output error'
expect_match "fault: canary unchanged" "$(out fault)" 'canary unchanged'
expect_match "fault: the driver saw three DMA errors" "$(out fault)" 'driver saw 3 dma errors'
expect_match "fault: /proc/iommu counts them for the domain" "$(out fault)" '00:03\.0 3 12288 3 0'
expect_match "fault: /proc/iommu logs an unmapped write" "$(out fault)" \
    '00:03\.0 0x[0-9a-f]+ 4096 write unmapped'
expect_match "fault: /proc/iommu logs an unmapped read" "$(out fault)" \
    '00:03\.0 0x[0-9a-f]+ 4096 read unmapped'
expect_match "fault: /proc/iommu logs the permission fault" "$(out fault)" \
    '00:03\.0 0x[0-9a-f]+ 4096 write permission'
expect_eq "fault: three iommu_fault events in the trace" \
    "$(grep -o '"name": *"iommu_fault"' "$TMP/fault.json" | wc -l)" 3

run_vrsim crash --seed 11 --trace "$TMP/crash.json" "$TESTIMAGE" -- /test/edutest crash
expect_eq "crash: status" "$(status crash)" 0
expect_match "crash: the driver died with a DMA pending" "$(out crash)" \
    'crash request: no reply \(the driver died\)'
expect_match "crash: the restarted driver computes 5!" "$(out crash)" 'fact\(5\) = 120'
expect_match "crash: /proc/devices shows one restart" "$(out crash)" \
    '00:03\.0 1234 +11e8 +00ff00 edu +running +1 '
# devmgr reset the device before anything else: the transfer the dead driver started never
# happened (without the reset it lands 100 ms later in the restarted driver's new buffer at
# the same IOVA), and nothing faulted after the revocation
expect_eq "crash: the dead driver's DMA never happened (no dma event in the trace)" \
    "$(grep -o '"name": *"dma"' "$TMP/crash.json" | wc -l)" 0
expect_match "crash: devmgr reset the device" "$(cat "$TMP/crash.json")" '"name": *"device_reset"'
expect_match "crash: no IOMMU fault" "$(out crash)" \
    '00:03\.0 1234 +11e8 +00ff00 edu +running +1 +[0-9]+ 0$'
expect_no_match "crash: reset and revocation succeeded" "$(err crash)" 'devmgr: .*error'

# the same driver on the legacy INTx line (drivers.toml args = ["--intx"]): the interrupts
# arrive as vector 64 (VK_IRQ_INTX), bound, not spurious
root="$TMP/root-intx"
cp -r "$TESTROOT" "$root"
printf '[[driver]]\nname = "edu"\npath = "/sbin/drivers/edu"\nvendor = 0x1234\ndevice = 0x11e8\nargs = ["--intx"]\n' \
    >"$root/etc/drivers.toml"
"$MKBOOTFS" -o "$TMP/intx.bootfs" "$root" >/dev/null
run_vrsim intx --seed 11 --trace "$TMP/intx.json" "$TMP/intx.bootfs" -- /test/edutest dma 4096
expect_eq "intx: dma 4096 round trip" "$(out intx)" "dma 4096 bytes: round trip ok"
expect_eq "intx: two interrupts on the INTx line, delivered" "$(python3 - "$TMP/intx.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(sum(1 for e in ev if e.get("name") == "irq" and e["args"].get("vector") == 64
          and not e["args"].get("spurious")))
PY
)" 2

run_vrsim again --seed 11 "$TESTIMAGE" -- /test/edutest crash
expect_eq "determinism: same output" "$(out again)" "$(out crash)"
expect_eq "determinism: one seed, one digest (devices in the machine)" "$(digest again)" \
    "$(digest crash)"
run_vrsim dma2 --seed 11 "$TESTIMAGE" -- /test/edutest dma 4096
expect_eq "determinism: dma run twice, one digest" "$(digest dma2)" "$(digest dma)"
expect_digest_line crash
finish
