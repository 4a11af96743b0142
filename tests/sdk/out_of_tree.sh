#!/usr/bin/env bash
# The SDK, used the way a driver or test author outside this repo uses it: copy build/sdk and
# the example project (tests/sdk/example) to a temp dir, build the program there three ways
# (CMake find_package(Veridian); make with pkg-config; one cc command line with pkg-config),
# check that nothing in the SDK or the compile commands points back into the tree, pack the
# programs into a copy of veridian.bootfs with the SDK's mkbootfs --from/--add (adding
# /bin/sdkhello* and replacing /bin/hello), and run them in vrsim checking what they print,
# their exit status and that one seed gives one digest.
# Environment (from CTest): VRSIM, IMAGE, SDK, EXAMPLE, CMAKE, CMAKE_GENERATOR.
set -euo pipefail
: "${SDK:?}" "${EXAMPLE:?}" "${IMAGE:?}"
CMAKE=${CMAKE:-cmake}
TESTIMAGE=${TESTIMAGE:-$IMAGE}
tree=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../integration/lib.sh
source "$tree/tests/integration/lib.sh"

# Only copies from here on: a moved SDK must work (its paths are relative to itself).
sdk=$TMP/sdk
src=$TMP/src
cp -r "$SDK" "$sdk"
cp -r "$EXAMPLE" "$src"
rm -f "$src/sdkhello-pc"
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig

for f in include/stdio.h include/veridian/vk.h include/veridian/kcall.h lib/libveridian.a \
    lib/pkgconfig/veridian.pc lib/cmake/Veridian/VeridianConfig.cmake bin/mkbootfs; do
    if [ -e "$sdk/$f" ]; then pass "sdk has $f"; else fail "sdk lacks $f"; fi
done
expect_eq "no text file in the SDK names the source tree" \
    "$(grep -rlI -- "$tree" "$sdk" || true)" ""

# 1. CMake: find_package(Veridian) through CMAKE_PREFIX_PATH, nothing else.
build_log() { # NAME COMMAND...: runs a build step, shows its log on failure
    local name=$1
    shift
    if "$@" >"$TMP/$name.log" 2>&1; then
        pass "$name"
    else
        cat "$TMP/$name.log"
        fail "$name"
    fi
}
build_log "cmake configure" "$CMAKE" -S "$src" -B "$TMP/cm" -G "${CMAKE_GENERATOR:-Unix Makefiles}" \
    -DCMAKE_PREFIX_PATH="$sdk" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
build_log "cmake build" "$CMAKE" --build "$TMP/cm"
expect_eq "cmake compile commands do not use the source tree" \
    "$(grep -c -- "$tree" "$TMP/cm/compile_commands.json" || true)" "0"
expect_match "cmake compile commands carry the freestanding flags" \
    "$(cat "$TMP/cm/compile_commands.json")" '-ffreestanding .*-fPIE .*-nostdinc.*-DVERIDIAN_GUEST=1|-DVERIDIAN_GUEST=1.*-ffreestanding .*-fPIE .*-nostdinc'

# 2. make + pkg-config (tests/sdk/example/Makefile).
build_log "make with pkg-config" make -C "$src" sdkhello-pc

# 3. One cc command line, as in the README.
cc=$(pkg-config --variable=cc veridian)
# shellcheck disable=SC2046
build_log "cc with pkg-config" "$cc" $(pkg-config --cflags veridian) '-DSDKHELLO_HOW="cc"' \
    -o "$TMP/sdkhello-cc" "$src/sdkhello.c" $(pkg-config --libs veridian)

# Pack into the default image: three new programs and one replaced.
build_log "mkbootfs --from --add" "$sdk/bin/mkbootfs" -o "$TMP/sdk.bootfs" --from "$IMAGE" \
    --add /bin/sdkhello="$TMP/cm/sdkhello" --add /bin/sdkhello-pc="$src/sdkhello-pc" \
    --add /bin/sdkhello-cc="$TMP/sdkhello-cc" --add /bin/hello="$TMP/cm/sdkhello"

expected() { # HOW
    printf '%s\n' "sdkhello: built with $1" "arg 1: one" "arg 2: two words" "heap: 99999" \
        "tmpfs: round trip" "kcall: handle_close(bad) = -VK_EBADH"
}
for p in sdkhello:cmake sdkhello-pc:pkg-config sdkhello-cc:cc hello:cmake; do
    prog=${p%%:*} how=${p#*:}
    run_vrsim "$prog" --seed 5 "$TMP/sdk.bootfs" -- "/bin/$prog" one "two words"
    expect_eq "/bin/$prog prints" "$(out "$prog")" "$(expected "$how")"
    expect_eq "/bin/$prog exit status" "$(status "$prog")" 42
    expect_digest_line "$prog"
done
run_vrsim again --seed 5 "$TMP/sdk.bootfs" -- /bin/sdkhello one "two words"
expect_eq "one seed, one digest" "$(digest again)" "$(digest sdkhello)"
# The rest of the image is untouched: the services still start and /bin/true still runs.
run_vrsim svc "$TMP/sdk.bootfs" -- /bin/svc list
expect_eq "svc list exit status" "$(status svc)" 0
expect_match "svc list shows vfs running" "$(out svc)" 'vfs'
finish
