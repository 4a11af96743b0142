#!/usr/bin/env bash
# /dev/vda end to end (issue 12, items 2 and 4): the machine sim/machines/blk.toml has
# virtio-blk at 00:05.0 over the build's generated 1 MiB image (sim/mkblkimg.c: sector n holds a
# known pattern); devmgr binds drivers/virtio-blk to it. Reading sectors gives the image's bytes;
# writes read back in the same run while the image file stays unchanged (copy-on-write overlay;
# cmp); with persist = true the file changes exactly where written; a read-only image refuses
# writes (EROFS from the driver, IOERR from the device, which offers VIRTIO_BLK_F_RO); flush;
# discard and write-zeroes read back zeros; GET_ID gives the serial; a request beyond the
# capacity fails (EINVAL from the driver, EIO from the device); garbage from the device fails
# that request with EIO, the driver resets the device and the next request works; two runs give
# one digest; a missing image is refused before boot with the file's position and name.
. "$(dirname "$0")/../lib.sh"

MACHDIR=$(dirname "$IMAGE")/machines
M="$TMP/m"
mkdir -p "$M"
cp "$MACHDIR/blk.toml" "$MACHDIR/blk.img" "$M/"
cp "$MACHDIR/blk.img" "$TMP/pristine.img"

# machine NAME EXTRA: a copy of blk.toml whose virtio-blk entry gets the lines EXTRA and its
# own copy of the image (NAME.img); prints the file's path.
machine() {
    cp "$MACHDIR/blk.img" "$M/$1.img"
    sed "s|^image = \"blk.img\".*|image = \"$1.img\"\n$2|" "$MACHDIR/blk.toml" >"$M/$1.toml"
    echo "$M/$1.toml"
}
# The image's bytes (sectors S..S+N-1 of FILE), 32 a line in hex, as blktest prints them.
image_hex() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
f, s, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open(f, "rb").read()[s * 512:(s + n) * 512]
print("\n".join(b[i:i + 32].hex() for i in range(0, len(b), 32)))
PY
}
# The pattern mkblkimg promises for sector n, 32 bytes a line.
pattern_hex() {
    python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
b = n.to_bytes(8, "little") + b"VBLKTEST" + bytes((n * 37 + i * 13 + (n >> 8)) & 0xff
                                                 for i in range(16, 512))
print("\n".join(b[i:i + 32].hex() for i in range(0, 512, 32)))
PY
}

# ---- the machine ----
expect_eq "the generated image: 1 MiB" "$(stat -c %s "$M/blk.img")" 1048576
expect_eq "the generated image: sector 0 is the pattern" "$(image_hex "$M/blk.img" 0 1)" \
    "$(pattern_hex 0)"
expect_eq "the generated image: sector 1234 is the pattern" "$(image_hex "$M/blk.img" 1234 1)" \
    "$(pattern_hex 1234)"
set +e
lspci=$("$VRSIM" lspci --machine "$MACHDIR/blk.toml" 2>&1)
lspci_rc=$?
lspci_n=$("$VRSIM" lspci -n --machine "$MACHDIR/blk.toml" 2>&1)
set -e
expect_eq "lspci --machine blk.toml: status" "$lspci_rc" 0
expect_match "lspci: the block device at 05.0" "$lspci" \
    '00:05\.0 SCSI storage controller: Red Hat, Inc\. Virtio 1\.0 block device'
expect_match "lspci -n: 1af4:1042" "$lspci_n" '00:05\.0 0100: 1af4:1042'

run_vrsim list --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /bin/devlist
expect_match "devlist: virtio-blk at 00:05.0, bound to vda, running" "$(out list)" \
    '00:05\.0 +1af4:1042 .* +vda +running'
expect_match "devlist: rng still bound" "$(out list)" '00:04\.0 +1af4:1044 .* +hwrng +running'

# ---- reads, INFO, GET_ID ----
run_vrsim rd --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest info id \
    read 0 1 read 7 3 read 2047 1
expect_eq "read: status" "$(status rd)" 0
expect_eq "info: capacity, block size, features" "$(out rd | sed -n 1p)" \
    "info: capacity 2048 block 512 ro 0 flush 1 discard 1 wzero 1"
expect_eq "GET_ID: the machine file's serial" "$(out rd | sed -n 2p)" \
    "id: 'VRSIM-BLK-0001' (14 bytes)"
expect_eq "read 0 1 7 3 2047 1: the image's bytes" "$(out rd | sed -n '3,$p')" \
    "$(image_hex "$M/blk.img" 0 1; image_hex "$M/blk.img" 7 3; image_hex "$M/blk.img" 2047 1)"
expect_no_match "the driver is silent when all goes well" "$(err rd)" 'vda:'
expect_digest_line rd
run_vrsim rd2 --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest info id \
    read 0 1 read 7 3 read 2047 1
expect_eq "two runs, one output" "$(out rd2)" "$(out rd)"
expect_eq "two runs, one digest" "$(digest rd2)" "$(digest rd)"

# ---- writes: the overlay ----
run_vrsim wr --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest \
    write 10 2 0xab verify 10 2 0xab read 12 1 write 100 128 0x5c verify 100 128 0x5c \
    write 9 1 0 verify 9 1 0 flush stats
expect_eq "write: status" "$(status wr)" 0
expect_eq "write, read back in the same run" "$(out wr | grep -v '^[0-9a-f]\{64\}$')" \
    "write 10 2 171: ok
verify 10 2 171: ok
write 100 128 92: ok
verify 100 128 92: ok
write 9 1 0: ok
verify 9 1 0: ok
flush: ok
stats: served 8 resets 1 failed 0"
expect_eq "write: the sector after is untouched" "$(out wr | grep '^[0-9a-f]\{64\}$')" \
    "$(image_hex "$M/blk.img" 12 1)"
if cmp -s "$M/blk.img" "$TMP/pristine.img"; then
    pass "overlay: the image file is unchanged after the run (cmp)"
else
    fail "overlay: the image file changed"
fi
run_vrsim wr2 --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest read 10 1
expect_eq "overlay: the next run reads the image's bytes again" "$(out wr2)" \
    "$(image_hex "$M/blk.img" 10 1)"

# ---- the file interface: open/lseek/read/write/pread through vfs ----
bytes_hex() { # FILE OFF LEN
    python3 - "$1" "$2" "$3" <<'PY'
import sys
f, o, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open(f, "rb").read()[o:o + n]
print("\n".join(b[i:i + 32].hex() for i in range(0, len(b), 32)))
PY
}
run_vrsim file --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest fsize \
    fread 1000 100 fread 4096 200000 fpread 1048000 1000 fpread 2000000 10 \
    fwrite 1024 1024 0x3c fread 1000 2100 fwrite 1000 512 1 fwrite 1048576 512 1 \
    fwrite 1048064 1024 0x77 fpread 1047552 1024
expect_eq "file: status" "$(status file)" 0
expect_eq "file: size, reads at any offset, aligned writes, the end" \
    "$(out file | grep -v '^[0-9a-f]*$')" "fsize: 1048576
fpread 1048000 1000: 576 bytes
fpread 2000000 10: 0 bytes
fwrite 1024 1024 60: 1024 bytes, now at 2048
fwrite 1000 512 1: Invalid argument
fwrite 1048576 512 1: No space left on device
fwrite 1048064 1024 119: 512 bytes, now at 1048576
fpread 1047552 1024: 1024 bytes"
expect_eq "file: the bytes read are the image's, the written ones read back" \
    "$(out file | grep '^[0-9a-f]*$')" \
    "$(bytes_hex "$M/blk.img" 1000 100; bytes_hex "$M/blk.img" 4096 200000
       bytes_hex "$M/blk.img" 1048000 576
       python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); b=b[1000:1024]+b"\x3c"*1024+b[2048:3100]; print("\n".join(b[i:i+32].hex() for i in range(0,len(b),32)))' "$M/blk.img"
       python3 -c 'import sys; b=open(sys.argv[1],"rb").read()[1047552:1048064]+b"\x77"*512; print("\n".join(b[i:i+32].hex() for i in range(0,len(b),32)))' "$M/blk.img")"
if cmp -s "$M/blk.img" "$TMP/pristine.img"; then
    pass "file: the image file is unchanged after the run (cmp)"
else
    fail "file: the image file changed"
fi

# ---- persist ----
pm=$(machine persist "persist = true")
run_vrsim per --machine "$pm" --seed 7 "$TESTIMAGE" -- /test/blktest write 10 2 0xab flush
expect_eq "persist: the run" "$(out per)" "write 10 2 171: ok
flush: ok"
if cmp -s "$M/persist.img" "$TMP/pristine.img"; then
    fail "persist: the image file did not change"
else
    pass "persist: the image file changed"
fi
expect_eq "persist: sectors 10 and 11 hold the bytes written" \
    "$(python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); print(b[5120:6144] == b"\xab"*1024, b[:5120] == open(sys.argv[2],"rb").read()[:5120], b[6144:] == open(sys.argv[2],"rb").read()[6144:])' "$M/persist.img" "$TMP/pristine.img")" \
    "True True True"

# ---- several requests in flight (six client threads, four slots in the driver) ----
run_vrsim par --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest parallel 6 50 \
    corrupt idx parallel 4 20 stats
expect_eq "parallel: every round reads back its write; garbage fails every request in flight" \
    "$(out par)" "parallel 6 50: 300 rounds ok, 0 bad; most in flight 4
corrupt idx: ok
parallel 4 20: 76 rounds ok, 4 bad; most in flight 4
stats: served 752 resets 2 failed 4"
run_vrsim par-chaos --machine "$M/blk.toml" --seed 8 --chaos "$TESTIMAGE" -- /test/blktest \
    parallel 6 50
expect_eq "parallel under --chaos" "$(out par-chaos)" \
    "parallel 6 50: 300 rounds ok, 0 bad; most in flight 4"
run_vrsim par-chaos2 --machine "$M/blk.toml" --seed 8 --chaos "$TESTIMAGE" -- /test/blktest \
    parallel 6 50
expect_eq "parallel under --chaos: one seed, one digest" "$(digest par-chaos2)" \
    "$(digest par-chaos)"

# ---- crash safety: the driver dies with a write in flight in the middle of 1000 writes ----
cm=$(machine crash "persist = true")
run_vrsim crash --machine "$cm" --seed 7 --trace "$TMP/crash.json" "$TESTIMAGE" -- \
    /test/blktest crashwrites 1000 500 stats
expect_eq "crash: status" "$(status crash)" 0
expect_eq "crash: the write in flight fails, every acknowledged write reads back" "$(out crash)" \
    "write 500 (sector 1052): Broken pipe
crashwrites: 1000 writes, 999 acknowledged, 1 failed, every acknowledged write read back
stats: served 563 resets 1 failed 0"
expect_match "crash: the driver died" "$(err crash)" \
    'pid [0-9]+ \(vda\) killed by SIGILL'
expect_match "crash: devmgr reset the device" "$(cat "$TMP/crash.json")" '"name": *"device_reset"'
expect_eq "crash: the persisted file holds every acknowledged write, nothing else changed" \
    "$(python3 - "$M/crash.img" "$TMP/pristine.img" <<'PY'
import sys
img, old = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
ok = img[:1000 * 512] == old[:1000 * 512] and img[1064 * 512:] == old[1064 * 512:]
for s in range(64):
    last = max(i for i in range(1000) if i % 64 == s and i != 500)
    ok = ok and img[(1000 + s) * 512:(1001 + s) * 512] == bytes([last % 251 + 1]) * 512
print(ok)
PY
)" True

# ---- read-only ----
rm=$(machine ro "readonly = true")
run_vrsim ro --machine "$rm" --seed 7 "$TESTIMAGE" -- /test/blktest info write 10 1 1 \
    writeraw 10 1 1 discard 10 1 wzero 10 1 read 10 1 stats
expect_eq "read-only: status" "$(status ro)" 0
expect_eq "read-only: the device offers RO, writes are refused, reads work" \
    "$(out ro | grep -v '^[0-9a-f]\{64\}$')" \
    "info: capacity 2048 block 512 ro 1 flush 1 discard 1 wzero 1
write 10 1 1: Read-only file system
writeraw 10 1 1: Input/output error
discard 10 1: Read-only file system
wzero 10 1: Read-only file system
stats: served 1 resets 1 failed 4"
expect_eq "read-only: the sector is the image's" "$(out ro | grep '^[0-9a-f]\{64\}$')" \
    "$(image_hex "$M/ro.img" 10 1)"
if cmp -s "$M/ro.img" "$TMP/pristine.img"; then
    pass "read-only: the image file is unchanged"
else
    fail "read-only: the image file changed"
fi

# ---- discard, write zeroes ----
run_vrsim zero --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest \
    verify 20 4 0 discard 20 4 verify 20 4 0 wzero 30 3 verify 30 3 0 read 33 1
expect_eq "discard/write zeroes: read back zeros" "$(out zero | grep -v '^[0-9a-f]\{64\}$')" \
    "verify 20 4 0: byte 0 is 20
discard 20 4: ok
verify 20 4 0: ok
wzero 30 3: ok
verify 30 3 0: ok"
expect_eq "write zeroes: the sector after is untouched" "$(out zero | grep '^[0-9a-f]\{64\}$')" \
    "$(image_hex "$M/blk.img" 33 1)"
if cmp -s "$M/blk.img" "$TMP/pristine.img"; then
    pass "discard/write zeroes: the image file is unchanged"
else
    fail "discard/write zeroes: the image file changed"
fi

# ---- beyond the capacity ----
run_vrsim cap --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest \
    read 2047 2 read 2048 1 readraw 2047 2 writeraw 2048 1 7 wzero 2040 9 read 0 0 read 0 129 \
    stats
expect_eq "beyond the capacity: refused" "$(out cap)" \
    "read 2047 2: Invalid argument
read 2048 1: Invalid argument
readraw 2047 2: Input/output error
writeraw 2048 1 7: Input/output error
wzero 2040 9: Invalid argument
read 0 0: Invalid argument
read 0 129: Invalid argument
stats: served 0 resets 1 failed 7"

# ---- garbage from the device ----
for kind in id len idx status desc; do
    run_vrsim "bad-$kind" --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest \
        write 5 1 0x11 corrupt "$kind" verify 5 1 0x11 verify 5 1 0x11 stats
    expect_eq "garbage $kind: EIO, the device reset, the next request works" \
        "$(out "bad-$kind")" "write 5 1 17: ok
corrupt $kind: ok
verify 5 1 17: Input/output error
verify 5 1 17: ok
stats: served 2 resets 2 failed 1"
    expect_match "garbage $kind: the driver says why and resets" "$(err "bad-$kind")" \
        'vda: .*: the request fails with EIO, resetting the device'
done
expect_match "garbage id: named" "$(err bad-id)" 'used id out of range'
expect_match "garbage status: named" "$(err bad-status)" 'status 127'
expect_match "needs reset: the driver saw it" "$(err bad-desc)" \
    'vda: the device needs a reset: the request fails with EIO, resetting the device'
run_vrsim bad-again --machine "$M/blk.toml" --seed 7 "$TESTIMAGE" -- /test/blktest \
    write 5 1 0x11 corrupt idx verify 5 1 0x11 verify 5 1 0x11 stats
expect_eq "garbage: one seed, one digest" "$(digest bad-again)" "$(digest bad-idx)"

# ---- INTx: the ISR byte says a used buffer is there; same bytes as with MSI-X ----
root="$TMP/root-intx"
cp -r "$TESTROOT" "$root"
sed -i 's|^path = "/sbin/drivers/virtio-blk"$|&\nargs = ["--intx"]|' "$root/etc/drivers.toml"
expect_match "intx: drivers.toml has the argument" "$(cat "$root/etc/drivers.toml")" \
    'virtio-blk"'$'\n''args = \["--intx"\]'
"$MKBOOTFS" -o "$TMP/intx.bootfs" "$root" >/dev/null
run_vrsim intx --machine "$M/blk.toml" --seed 7 "$TMP/intx.bootfs" -- /test/blktest info id \
    read 0 1 read 7 3 read 2047 1
expect_eq "intx: the same answers" "$(out intx)" "$(out rd)"
expect_match "intx: the driver said so" "$(err intx)" 'vda: no MSI-X with two vectors .*: using INTx'
run_vrsim intx-bad --machine "$M/blk.toml" --seed 7 "$TMP/intx.bootfs" -- /test/blktest \
    write 5 1 0x11 corrupt desc verify 5 1 0x11 verify 5 1 0x11 stats
expect_eq "intx: needs reset, EIO, the next request works" "$(out intx-bad)" "$(out bad-desc)"

# ---- 4096-byte blocks ----
bm=$(machine big "block_size = 4096")
run_vrsim big --machine "$bm" --seed 7 "$TESTIMAGE" -- /test/blktest info read 3 1
expect_eq "block_size 4096: INFO" "$(out big | sed -n 1p)" \
    "info: capacity 2048 block 4096 ro 0 flush 1 discard 1 wzero 1"
expect_eq "block_size 4096: reads by 512-byte sector still" "$(out big | sed -n '2,$p')" \
    "$(image_hex "$M/big.img" 3 1)"

# ---- a missing image: refused before boot ----
mm=$(machine missing "")
rm -f "$M/missing.img"
run_vrsim missing --machine "$mm" --seed 7 "$TESTIMAGE" -- /test/blktest info
expect_eq "missing image: refused by vrsim (status 1, as any machine that cannot be built)" \
    "$(status missing)" 1
expect_match "missing image: the entry's position and the file's name" "$(err missing)" \
    "missing\.toml:17:1: .*$M/missing\.img: cannot open: No such file or directory"
expect_eq "missing image: nothing ran" "$(out missing)" ""
finish
