#!/usr/bin/env bash
# Configuration space, model against QEMU (issue 15's conformance report, access level): the
# 256 bytes of every function as a driver reads them (/test/cfgdump, dword config reads through
# the kernel), on vrsim's models and on QEMU's veridian machine. Every dword that differs must
# be listed in config-diff.txt with both values and why; every listed one must still differ.
# Label `qemu`.
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
VERIDIAN_QEMU=${VERIDIAN_QEMU:-$("$root/scripts/build-qemu")}
export VERIDIAN_QEMU
run_vrsim model --no-init --seed 1 "$TESTIMAGE" -- /test/cfgdump
run_vrsim qemu --no-init --backend qemu --seed 1 "$TESTIMAGE" -- /test/cfgdump
expect_eq "model: status" "$(status model)" 0
expect_eq "qemu: status" "$(status qemu)" 0
expect_eq "the same functions on both" "$(out qemu | cut -c1-7 | uniq)" \
    "$(out model | cut -c1-7 | uniq)"
diff=$(python3 - "$TMP/model.out" "$TMP/qemu.out" <<'PY'
import sys
def dwords(path):
    d = {}
    for line in open(path):
        bdf, rest = line.split(" ", 1)
        off, data = rest.split(":", 1)
        b = data.split()
        for i in range(0, 16, 4):
            d[(bdf, int(off, 16) + i)] = "".join(reversed(b[i:i + 4]))
    return d
m, q = dwords(sys.argv[1]), dwords(sys.argv[2])
for k in sorted(set(m) | set(q)):
    if m.get(k) != q.get(k):
        print(f"{k[0]}\t{k[1]:03x}\t{m.get(k)}\t{q.get(k)}")
PY
)
want=$(grep -v '^#' "$here/config-diff.txt" | cut -f1-4)
expect_eq "the differences are the listed ones" "$diff" "$want"
if [ "$diff" != "$want" ]; then
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$diff") | head -n 20
fi
finish
