#!/usr/bin/env bash
# `vrsim lspci` (issue 11, item 9) against Debian's real lspci: vrsim dumps the machine's
# configuration space (-xxx, -xxxx) and the real `lspci -F DUMP` must read it back and print
# the same listing as vrsim itself (plain, -n, -nn, -v, and the hex dumps byte for byte); -v
# shows edu's BAR where the firmware put it and its MSI capability; three edus get three BARs.
# Without a readable pci.ids the names are numbers (as lspci -n), never an error; a bad machine
# file is refused exactly as `vrsim run --machine` refuses it (exit status 2). Skipped (77)
# only when /usr/bin/lspci is absent (scripts/setup installs pciutils).
. "$(dirname "$0")/../lib.sh"
LSPCI=/usr/bin/lspci
if [ ! -x "$LSPCI" ]; then
    echo "SKIP: $LSPCI is absent (Debian package pciutils)"
    exit 77
fi

# vrsim_lspci NAME ARGS...: stdout, stderr and status in $TMP/NAME.*
vrsim_lspci() {
    local name=$1
    shift
    set +e
    "$VRSIM" lspci "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    echo $? >"$TMP/$name.status"
    set -e
}
# real_lspci NAME DUMP ARGS...: the real lspci on a dump (its stderr, e.g. about libkmod, and
# what it learns from the host's sysfs about drivers are not configuration space: left out).
# Also left out: lspci 3.9 reading a dump lists the upper half of a 64-bit BAR in register 5
# (virtio's BAR 4, at 0x100000000) once more as "I/O ports at 0000", a line no sysfs listing
# has and vrsim does not imitate.
real_lspci() {
    local name=$1 dump=$2
    shift 2
    "$LSPCI" -F "$dump" "$@" 2>/dev/null |
        grep -Ev '^\s+Kernel (driver in use|modules):|^\s+(Region 5: )?I/O ports at 0000$' \
            >"$TMP/$name.out" || true
}
no_sizes() { sed -E 's/ \[size=[0-9]+[KMGT]?\]//' "$TMP/$1.out"; }

# the default machine, numerically: the q35 host bridge, edu at 03.0, virtio-rng at 04.0,
# virtio-blk at 05.0, virtio-console at 06.0
vrsim_lspci n -n
expect_eq "lspci -n: status" "$(status n)" 0
expect_eq "lspci -n: the default machine" "$(out n)" "00:00.0 0600: 8086:29c0
00:03.0 00ff: 1234:11e8 (rev 10)
00:04.0 00ff: 1af4:1044 (rev 01)
00:05.0 0100: 1af4:1042 (rev 01)
00:06.0 0780: 1af4:1043 (rev 01)"

# the dumps, read back by the real lspci
vrsim_lspci dump3 -xxx
vrsim_lspci dump4 -xxxx
expect_eq "-xxx: status" "$(status dump3)" 0
expect_eq "-xxx: 5 functions x (1 + 16 lines + blank)" "$(wc -l <"$TMP/dump3.out")" 90
expect_eq "-xxxx: 5 functions x (1 + 256 lines + blank)" "$(wc -l <"$TMP/dump4.out")" 1290
for o in "" -n -nn -v -x -xxx; do
    # shellcheck disable=SC2086
    vrsim_lspci "ours$o" $o
    # shellcheck disable=SC2086
    real_lspci "real$o" "$TMP/dump3.out" $o
    expect_eq "lspci -F dump $o: status" "$(status "ours$o")" 0
    expect_eq "lspci -F dump $o: the real lspci lists what vrsim lists" \
        "$(out "real$o")" "$(no_sizes "ours$o")"
done
real_lspci real4 "$TMP/dump4.out" -xxxx
expect_eq "lspci -F dump -xxxx: the 4 KiB dump reads back byte for byte" \
    "$(out real4)" "$(out dump4)"
expect_match "lspci: edu is named by class" "$(out ours)" \
    '^00:00.0 Host bridge: .*'$'\n''00:03.0 Unclassified device \[00ff\]: .*(rev 10)$'

# -v: edu's BAR where the firmware put it (SeaBIOS: the top of the 32-bit window, packed with
# virtio-rng's 4 KiB MSI-X BAR above it, aligned to edu's 1 MiB) and its MSI
expect_match "lspci -F dump -v: edu's BAR" "$(out real-v)" \
    $'\tMemory at fea00000 \\(32-bit, non-prefetchable\\)'
expect_match "lspci -F dump -v: edu's MSI" "$(out real-v)" \
    $'\tCapabilities: \\[40\\] MSI: Enable- Count=1/1 Maskable\\+ 64bit\\+'
expect_match "lspci -F dump -v: decoding on, IRQ of slot 3 INTA" "$(out real-v)" \
    $'\tFlags: fast devsel, IRQ 11'
expect_match "vrsim lspci -v: the size the model gave" "$(out ours-v)" \
    $'\tMemory at fea00000 \\(32-bit, non-prefetchable\\) \\[size=1M\\]'
expect_match "lspci -F dump -v: virtio-rng's vendor capabilities" "$(out real-v)" \
    $'\tCapabilities: \\[40\\] Vendor Specific Information: VirtIO: CommonCfg'
expect_match "vrsim lspci -v: virtio-rng's BARs" "$(out ours-v)" \
    $'\tMemory at 100000000 \\(64-bit, prefetchable\\) \\[size=16K\\]'

# three edus: three distinct BARs, the same listing both ways
printf 'memory = "1G"\n[[pci]]\nslot = "03.0"\nmodel = "edu"\n[[pci]]\nslot = "04.0"\nmodel = "edu"\n[[pci]]\nslot = "05.0"\nmodel = "edu"\n' \
    >"$TMP/three.toml"
vrsim_lspci three -v --machine "$TMP/three.toml"
vrsim_lspci three-dump -xxx --machine "$TMP/three.toml"
real_lspci three-real "$TMP/three-dump.out" -v
expect_eq "three edus: status" "$(status three)" 0
expect_eq "three edus: the real lspci agrees" "$(out three-real)" "$(no_sizes three)"
expect_eq "three edus: three distinct BARs" \
    "$(grep -o 'Memory at [0-9a-f]*' "$TMP/three-real.out" | sort -u | wc -l)" 3

# no pci.ids: numbers, as lspci -n prints them; a corrupt one: numbers too, and a warning
vrsim_lspci noids -i "$TMP/none.ids"
expect_eq "no pci.ids: status" "$(status noids)" 0
expect_eq "no pci.ids: numeric IDs" "$(out noids)" "$(out n)"
printf 'zz not an id list\n' >"$TMP/bad.ids"
vrsim_lspci badids -nn -i "$TMP/bad.ids"
expect_eq "corrupt pci.ids: status" "$(status badids)" 0
expect_eq "corrupt pci.ids: numeric IDs" "$(out badids)" "$(out n)"
expect_match "corrupt pci.ids: said so" "$(err badids)" 'pci.ids: .*line 1'

# a bad machine file: the same refusal as vrsim run --machine
bad() { # NAME TEXT
    printf '%b' "$2" >"$TMP/$1.toml"
    vrsim_lspci "$1" --machine "$TMP/$1.toml"
    run_vrsim "$1-run" --machine "$TMP/$1.toml" "$TESTIMAGE" -- /bin/hello
    expect_eq "$1: exit status 2" "$(status "$1")" 2
    expect_eq "$1: as vrsim run" "$(err "$1")" "$(err "$1-run")"
    expect_match "$1: file:line:col" "$(err "$1")" "^vrsim: $TMP/$1.toml:[0-9]+:[0-9]+: "
    expect_eq "$1: nothing listed" "$(out "$1")" ""
}
bad syntax 'memory = "2G"\nname = \n'
bad unknown_model 'memory = "2G"\n[[pci]]\nslot = "03.0"\nmodel = "e1000"\n'
bad net_wire 'memory = "2G"\n[[pci]]\nslot = "03.0"\nmodel = "virtio-net"\nwire = "bogus"\n'
vrsim_lspci missing --machine "$TMP/missing.toml"
expect_eq "missing machine file: exit status 2" "$(status missing)" 2
vrsim_lspci badopt -q
expect_eq "unknown option: exit status 2" "$(status badopt)" 2

finish
