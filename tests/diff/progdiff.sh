#!/usr/bin/env bash
# progdiff.sh HOST_BINARY NAME: the differential check of one program of progs/: runs the
# host build (against glibc, TZ=UTC) and /test/NAME in vrsim (against libveridian, seed 1)
# and compares their standard output and exit status. Env: VRSIM, TESTIMAGE (as for the
# integration tests); DIFF_BIN (the host helpers' directory, for the programs that spawn) is
# passed on to the host run, with DIFF_TMP, a scratch directory (on Veridian the programs use
# /test and /tmp).
set -u
: "${VRSIM:?}" "${TESTIMAGE:?}"
host=$1 name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/scratch"
DIFF_TMP="$tmp/scratch" TZ=UTC timeout 120 "$host" >"$tmp/host.out" 2>"$tmp/host.err" </dev/null
hs=$?
timeout 120 "$VRSIM" run --seed 1 "$TESTIMAGE" -- "/test/$name" >"$tmp/vr.out" 2>"$tmp/vr.err" </dev/null
vs=$?
fails=0
if ! diff -u --label "host $name" --label "veridian $name" "$tmp/host.out" "$tmp/vr.out"; then
    echo "FAIL: $name: outputs differ"
    fails=1
fi
if [ "$hs" != "$vs" ]; then
    echo "FAIL: $name: exit status host $hs, veridian $vs"
    fails=1
fi
if [ "$fails" -ne 0 ]; then
    echo "--- host stderr"; cat "$tmp/host.err"
    echo "--- veridian stderr"; tail -n 20 "$tmp/vr.err"
    exit 1
fi
echo "ok: $name: same output ($(wc -l <"$tmp/host.out") lines) and status $hs"
