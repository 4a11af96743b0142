#!/usr/bin/env bash
# devmgr (issue 11, item 6): it enumerates the default machine's PCI bus and starts the edu
# driver (and virtio-rng's, issue 12) (/proc/devices and devlist show it bound and running, /dev/edu exists); it publishes
# /proc/devices and /proc/iommu without being root (vfs takes its CAP_IPC_CREATE right); a
# drivers.toml with a syntax error is refused with file:line:col and no driver starts; a
# driver holds only the handles devmgr gave it, and the kernel refuses it everything else.
. "$(dirname "$0")/../lib.sh"

run_vrsim list --seed 5 "$TESTIMAGE" -- /bin/devlist
expect_eq "devlist: status" "$(status list)" 0
expect_match "devlist: edu at 00:03.0, bound and running" "$(out list)" \
    '00:03\.0 +1234:11e8 +00ff00 unclassified +edu +running +0 '
expect_match "devlist: the host bridge at 00:00.0, no driver" "$(out list)" \
    '00:00\.0 +8086:29c0 +060000 host bridge +- +unbound'
expect_match "devlist: virtio-rng at 00:04.0, bound to hwrng and running" "$(out list)" \
    '00:04\.0 +1af4:1044 +00ff00 unclassified +hwrng +running +0 '
expect_eq "devlist: the default machine has five functions" "$(out list | grep -c '^00:')" 5
expect_eq "devlist: every function of the default machine, each once" \
    "$(out list | grep -c '^00:')" "$(out list | grep '^00:' | sort -u | wc -l)"
expect_no_match "devmgr is silent when all goes well" "$(err list)" 'devmgr:'

# /proc/devices: published by devmgr, which runs as its own uid, not root
run_vrsim proc --seed 5 "$TESTIMAGE" -- /test/edutest proc devices
expect_match "/proc/devices: header" "$(out proc)" '^bdf +vendor device class +driver +state'
expect_match "/proc/devices: edu bound" "$(out proc)" '00:03\.0 1234 +11e8 +00ff00 edu +running +0 '
run_vrsim iommu --seed 5 "$TESTIMAGE" -- /test/edutest proc iommu
expect_match "/proc/iommu: the edu's domain with the driver's three buffers" "$(out iommu)" \
    '00:03\.0 3 12288 0 0'
expect_match "/proc/iommu: an empty fault log" "$(out iommu)" 'fault log \(0\)'

# the driver holds exactly what devmgr gave it: its device (no KILL, no DUP), its domain (MAP),
# its endpoint's receive end, the console for diagnostics; nothing else (no spawner, no
# session, no boot image), and the kernel refuses it every other device, the bus, the fault
# log, a reset and DMA beyond its domain
run_vrsim probe --seed 5 "$TESTIMAGE" -- /test/edutest probe
expect_eq "probe: status" "$(status probe)" 0
expect_eq "probe: the driver's handles, exactly" "$(out probe)" \
"handle role=0x101 type=8 rights=read|write|transfer|mmio|irq
handle role=0x102 type=9 rights=map|transfer
handle role=0x103 type=3 rights=recv|transfer
handle role=0x2 type=6 rights=write|transfer
handle role=0x3 type=6 rights=write|transfer
refused: 0x7f of 0x7f"

# a drivers.toml with a syntax error: refused with file:line:col, nothing bound
root="$TMP/root-bad"
cp -r "$TESTROOT" "$root"
printf '[[driver]]\nname = "edu"\npath = "/sbin/drivers/edu"\nvendor = 0x1234\ndevice = = 1\n' \
    >"$root/etc/drivers.toml"
"$MKBOOTFS" -o "$TMP/bad.bootfs" "$root" >/dev/null
run_vrsim bad --seed 5 "$TMP/bad.bootfs" -- /bin/devlist
expect_match "bad drivers.toml: file:line:col and what" "$(err bad)" \
    'devmgr: /etc/drivers\.toml:5:10: .+'
expect_match "bad drivers.toml: the devices are listed, none bound" "$(out bad)" \
    '00:03\.0 +1234:11e8 +00ff00 unclassified +- +unbound'
expect_digest_line bad
# a driver that dies at every start (here /test/crash, started as "ill": ud2) is restarted
# with a doubling back-off (10, 20, 40, 80, 160 ms of virtual time), then given up on
root="$TMP/root-crashy"
cp -r "$TESTROOT" "$root"
printf '[[driver]]\nname = "ill"\npath = "/test/crash"\nvendor = 0x1234\ndevice = 0x11e8\n' \
    >"$root/etc/drivers.toml"
"$MKBOOTFS" -o "$TMP/crashy.bootfs" "$root" >/dev/null
run_vrsim crashy --seed 5 "$TMP/crashy.bootfs" -- /test/edutest proc devices 1000
expect_match "crashy driver: five restarts, then failed" "$(out crashy)" \
    '00:03\.0 1234 +11e8 +00ff00 ill +failed +5 '
expect_match "crashy driver: devmgr says it gave up" "$(err crashy)" \
    'devmgr: ill \(00:03\.0\): driver failed 6 times: giving up'
expect_eq "crashy driver: six starts" "$(err crashy | grep -c 'pid [0-9]* (ill) killed by SIGILL')" 6
finish
