#!/usr/bin/env bash
# The device integration tests (tests/integration/hw: edu, virtio_rng, virtio_blk,
# virtio_console) run unchanged, same scripts and driver binaries, with --backend qemu
# (VRSIM_BACKEND=qemu): vrsim's devices replaced by QEMU's on the veridian machine. Every
# failing check must be a known difference listed in conformance.txt (with why), and every
# listed check must still fail (a fixed difference leaves the list). Label `qemu`.
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
VERIDIAN_QEMU=${VERIDIAN_QEMU:-$("$root/scripts/build-qemu")}
export VERIDIAN_QEMU VRSIM_BACKEND=qemu

for t in edu virtio_rng virtio_blk virtio_console; do
    log="$TMP/$t.log"
    bash "$root/tests/integration/hw/$t.sh" >"$log" 2>&1
    expect_match "$t: the script ran to its end" "$(tail -n 1 "$log")" \
        '^(all checks passed|[0-9]+ check\(s\) failed)$'
    got=$(grep '^FAIL: ' "$log" | sed -E 's/^FAIL: //; s/: (got \[|\[|both are \[).*//' | sort)
    want=$(awk -F'\t' -v t="$t" '$1 == t { print $2 }' "$here/conformance.txt" | sort)
    unexpected=$(comm -23 <(printf '%s\n' "$got") <(printf '%s\n' "$want") | sed '/^$/d')
    fixed=$(comm -13 <(printf '%s\n' "$got") <(printf '%s\n' "$want") | sed '/^$/d')
    expect_eq "$t: no failure beyond the known differences" "$unexpected" ""
    expect_eq "$t: every known difference still shows (else drop it from conformance.txt)" \
        "$fixed" ""
    expect_match "$t: most checks pass on QEMU" "$(grep -c '^ok: ' "$log")" '^[1-9][0-9]+$'
    if [ -n "$unexpected" ]; then
        printf '%s\n' "$unexpected" | head -n 5 | while IFS= read -r c; do
            grep -F "FAIL: $c" "$log" | head -n 1 | cut -c1-400
        done
    fi
done
finish
