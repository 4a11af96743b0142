#!/usr/bin/env bash
# The blk tool (os/bin/blk.c, issue 12 item 4) on /dev/vda of sim/machines/blk.toml: info; read
# as a hex dump and raw (-r: cmp with the image's bytes); write a seeded pattern over ranges
# that cross its 128-sector requests, with persist = true, then verify them in the next run
# (the host recomputes the pattern and checks the persisted file: the ranges hold it, every
# other byte is the old image's); verify finds the first differing sector (exit 1); flush;
# discard reads back zeros; the overlay leaves the image unchanged; usage errors exit 2.
. "$(dirname "$0")/../lib.sh"

MACHDIR=$(dirname "$IMAGE")/machines
M="$TMP/m"
mkdir -p "$M"
cp "$MACHDIR/blk.toml" "$MACHDIR/blk.img" "$M/"
cp "$MACHDIR/blk.img" "$TMP/pristine.img"
cp "$MACHDIR/blk.img" "$M/persist.img"
sed 's|^image = "blk.img".*|image = "persist.img"\npersist = true|' "$MACHDIR/blk.toml" \
    >"$M/persist.toml"

blk() { # NAME MACHINE ARGS...: one run of /bin/blk
    local name=$1 mach=$2
    shift 2
    run_vrsim "$name" --quiet --machine "$mach" --seed 7 "$TESTIMAGE" -- /bin/blk "$@"
}
# pattern SEED SECTOR COUNT FILE: the bytes blk writes (its contract) into FILE
pattern() {
    python3 - "$@" <<'PY'
import sys
seed, s0, n, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
M = (1 << 64) - 1
b = bytearray()
for s in range(s0, s0 + n):
    for i in range(64):
        z = (seed + (s * 64 + i) * 0x9e3779b97f4a7c15) & M
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
        b += (z ^ (z >> 31)).to_bytes(8, "little")
open(out, "wb").write(b)
PY
}

# ---- info, usage ----
blk info "$M/blk.toml" info /dev/vda
expect_eq "info: status" "$(status info)" 0
expect_eq "info: the device" "$(out info)" "capacity: 2048 sectors (1048576 bytes)
block size: 512
read-only: no
flush: yes
discard: yes
write zeroes: yes
serial: VRSIM-BLK-0001"
for bad in "" "frob /dev/vda" "read /dev/vda 1" "read /dev/vda x 1" "read /dev/vda 1 0" \
    "write /dev/vda 1 2" "verify /dev/vda 1 2 3 4" "flush" "read -r /dev/vda" \
    "discard /dev/vda 1 -1" "read /dev/vda 18446744073709551615 2"; do
    # shellcheck disable=SC2086
    blk usage "$M/blk.toml" $bad
    expect_eq "usage: blk $bad: exit 2" "$(status usage)" 2
    expect_match "usage: blk $bad: the message" "$(err usage)" '^usage: blk info DEV'
done
blk nodev "$M/blk.toml" info /dev/nosuch
expect_eq "a missing device: exit 1" "$(status nodev)" 1
expect_match "a missing device: named" "$(err nodev)" 'blk: /dev/nosuch: No such file'

# ---- reads: the image's bytes ----
blk rd "$M/blk.toml" read /dev/vda 7 2
expect_eq "read: status" "$(status rd)" 0
expect_eq "read 7 2: a hex dump of the image's bytes at their offsets" "$(out rd)" \
    "$(python3 - "$M/blk.img" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
for o in range(7 * 512, 9 * 512, 16):
    print(f"{o:08x}: " + " ".join(f"{x:02x}" for x in b[o:o + 16]))
PY
)"
blk raw "$M/blk.toml" read -r /dev/vda 0 2048
expect_eq "read -r: status" "$(status raw)" 0
if cmp -s "$TMP/raw.out" "$M/blk.img"; then
    pass "read -r 0 2048: the whole image, byte for byte (cmp)"
else
    fail "read -r 0 2048: not the image's bytes"
fi
blk beyond "$M/blk.toml" read /dev/vda 2040 9
expect_eq "read beyond the capacity: exit 1" "$(status beyond)" 1
expect_match "read beyond the capacity: why" "$(err beyond)" \
    'blk: read at sector 2040: Invalid argument'

# ---- write (persisted), then verify in the next run; the host checks the file ----
blk w1 "$M/persist.toml" write /dev/vda 100 300 12345
expect_eq "write 100 300: status" "$(status w1)" 0
expect_eq "write 100 300: said so" "$(out w1)" "write: 300 sectors from 100"
blk w2 "$M/persist.toml" write /dev/vda 2047 1 7
expect_eq "write 2047 1 (the last sector): status" "$(status w2)" 0
blk w3 "$M/persist.toml" write /dev/vda 0 1 0xffffffffffffffff
expect_eq "write 0 1, the largest seed: status" "$(status w3)" 0
pattern 12345 100 300 "$TMP/p1"
pattern 7 2047 1 "$TMP/p2"
pattern 18446744073709551615 0 1 "$TMP/p3"
expect_eq "the persisted file: the patterns where written, the old bytes elsewhere" \
    "$(python3 - "$M/persist.img" "$TMP/pristine.img" "$TMP/p1" "$TMP/p2" "$TMP/p3" <<'PY'
import sys
img, old = open(sys.argv[1], "rb").read(), bytearray(open(sys.argv[2], "rb").read())
p1, p2, p3 = (open(f, "rb").read() for f in sys.argv[3:6])
old[100 * 512:400 * 512] = p1
old[2047 * 512:] = p2
old[:512] = p3
print(len(img), img == bytes(old), len(set(p1)) > 200)
PY
)" "1048576 True True"
blk v1 "$M/persist.toml" verify /dev/vda 100 300 12345
expect_eq "verify 100 300 in the next run: status" "$(status v1)" 0
expect_eq "verify 100 300: said so" "$(out v1)" "verify: 300 sectors from 100 match pattern 12345"
blk v2 "$M/persist.toml" verify /dev/vda 250 20 12345
expect_eq "verify a piece of the range: status" "$(status v2)" 0
blk v3 "$M/persist.toml" verify /dev/vda 2047 1 7
expect_eq "verify the last sector: status" "$(status v3)" 0
blk v4 "$M/persist.toml" verify /dev/vda 0 1 18446744073709551615
expect_eq "verify sector 0, the largest seed: status" "$(status v4)" 0
blk bad1 "$M/persist.toml" verify /dev/vda 100 300 12346
expect_eq "verify with another seed: exit 1" "$(status bad1)" 1
expect_match "verify with another seed: the first sector" "$(out bad1)" \
    '^verify: sector 100 differs at byte 0 '
blk bad2 "$M/persist.toml" verify /dev/vda 390 20 12345
expect_eq "verify past the written range: exit 1" "$(status bad2)" 1
expect_match "verify past the written range: sector 400 is the first to differ" "$(out bad2)" \
    '^verify: sector 400 differs at byte 0 '
# one byte changed on the host, in the middle of the second 128-sector request
python3 - "$M/persist.img" <<'PY'
import sys
f = open(sys.argv[1], "r+b")
f.seek(300 * 512 + 77)
b = f.read(1)
f.seek(300 * 512 + 77)
f.write(bytes([b[0] ^ 0x40]))
PY
blk bad3 "$M/persist.toml" verify /dev/vda 100 300 12345
expect_eq "verify after the host changed one byte: exit 1" "$(status bad3)" 1
expect_match "verify: that sector and byte" "$(out bad3)" '^verify: sector 300 differs at byte 77 '

# ---- flush, discard ----
blk fl "$M/persist.toml" flush /dev/vda
expect_eq "flush" "$(status fl) $(out fl)" "0 flush: ok"
blk dc "$M/persist.toml" discard /dev/vda 120 8
expect_eq "discard 120 8" "$(status dc) $(out dc)" "0 discard: 8 sectors from 120"
expect_eq "discard: the persisted sectors read as zeros" \
    "$(python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); print(b[120*512:128*512] == bytes(4096))' "$M/persist.img")" \
    "True"
blk dcv "$M/persist.toml" verify /dev/vda 119 2 12345
expect_match "verify: the discarded sector is the first to differ" "$(out dcv)" \
    '^verify: sector 120 differs'

# ---- the overlay: write and flush leave the image file as it was ----
blk ov "$M/blk.toml" write /dev/vda 0 2048 99
expect_eq "overlay write of the whole disk: status" "$(status ov)" 0
if cmp -s "$M/blk.img" "$TMP/pristine.img"; then
    pass "overlay: the image file is unchanged (cmp)"
else
    fail "overlay: the image file changed"
fi
blk ov2 "$M/blk.toml" write /dev/vda 0 2049 99
expect_eq "write beyond the capacity: exit 1" "$(status ov2)" 1
expect_match "write beyond the capacity: the failing request" "$(err ov2)" \
    'blk: write at sector 2048: Invalid argument'

# ---- one seed, one digest ----
run_vrsim d1 --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /bin/blk verify /dev/vda 0 4 1
run_vrsim d2 --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /bin/blk verify /dev/vda 0 4 1
expect_digest_line d1
expect_eq "two runs, one digest" "$(digest d2)" "$(digest d1)"
finish
