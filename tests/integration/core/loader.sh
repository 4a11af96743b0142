#!/usr/bin/env bash
# A malformed program in the boot image is refused with a message naming the fault.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$TMP/root/bin"
python3 - "$TESTIMAGE" "$TMP/root/bin" <<'PY'
import struct, sys
# pull /bin/hello out of the boot image (format: os/lib/bootfs/vl_bootfs.h)
img = open(sys.argv[1], "rb").read()
count = struct.unpack_from("<I", img, 12)[0]
for i in range(count):
    name_off, name_len, mode, data_off, data_len = struct.unpack_from("<QIIQQ", img, 32 + 32 * i)
    if img[name_off:name_off + name_len] == b"bin/hello":
        elf = bytearray(img[data_off:data_off + data_len])
def put(name, data):
    open(sys.argv[2] + "/" + name, "wb").write(data)
    import os; os.chmod(sys.argv[2] + "/" + name, 0o755)
put("good", elf)
bad = bytearray(elf); bad[18:20] = struct.pack("<H", 183); put("machine", bad)   # EM_AARCH64
bad = bytearray(elf); bad[0:4] = b"\x7fELG"; put("magic", bad)
put("short", elf[:40])
bad = bytearray(elf); bad[4] = 1; put("class", bad)                                # ELFCLASS32
PY
"$(dirname "$VRSIM")/mkbootfs" -o "$TMP/bad.bootfs" "$TMP/root"
run_vrsim good "$TMP/bad.bootfs" -- /bin/good
expect_eq "intact copy runs" "$(out good)" "Hello from Veridian!"
for b in machine magic short class; do
    run_vrsim "$b" "$TMP/bad.bootfs" -- "/bin/$b"
    expect_eq "$b: refused" "$(status "$b")" 127
    expect_match "$b: message" "$(err "$b")" "cannot start /bin/$b: "
    expect_digest_line "$b"
    echo "  $(head -n 1 "$TMP/$b.err")"
done
expect_match "machine named" "$(err machine)" '[Mm]achine'
expect_match "magic named" "$(err magic)" '[Mm]agic'
finish
