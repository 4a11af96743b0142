#!/usr/bin/env bash
# Boot-image mutation test (issue #8): mutated copies of the default boot image (directory,
# ELF headers, program headers, dynamic section, relocations, code, services.toml, blind
# flips and truncation; tests/stress/bootmut.py), each run by vrsim with a time limit. Any
# exit with the digest line is fine (a refused image, a guest killed by a signal); vrsim
# killed by a signal, hung, without its digest or with a sanitizer report is a failure, kept
# under build*/bootmut-failures/ with the command that reproduces it.
# 1000 images on the plain vrsim, 300 on the ASan+UBSan one; BOOTMUT_COUNT/BOOTMUT_SEED
# override.
. "$(dirname "$0")/../lib.sh"
: "${IMAGE:?}"
count=1000
if [[ "$VRSIM" == *build-asan* ]] || ldd "$VRSIM" 2>/dev/null | grep -q libasan; then
    count=300
fi
count=${BOOTMUT_COUNT:-$count}
seed=${BOOTMUT_SEED:-1}
set +e
python3 "$(dirname "$0")/../../stress/bootmut.py" --vrsim "$VRSIM" --image "$IMAGE" \
    --count "$count" --seed "$seed" --jobs "$(nproc)" --timeout 20 --watchdog-ms 50 \
    >"$TMP/bootmut.out" 2>&1
rc=$?
set -e
cat "$TMP/bootmut.out"
expect_eq "bootmut: $count mutated images, no host crash, hang or missing digest" "$rc" 0
expect_match "bootmut: summary" "$(tail -n 1 "$TMP/bootmut.out")" \
    "^bootmut: $count images .* 0 failure\(s\)$"
finish
