# vsh against dash: every script of tests/integration/vsh/corpus runs under the host's dash
# and under /bin/vsh in vrsim, twice (as `vsh -c "$(cat FILE)"` and as `vsh FILE`, the file
# packed into a boot image at /corpus), with LC_ALL=C; stdout and the exit status must match.
# Skipped (77) without dash. CORPUS=glob narrows the run (CORPUS='quote-*').
# A script whose first line is "# needs: PROG..." runs only when every PROG is in the boot
# image's /bin (the utilities of os/bin: cat, grep, ls, sort... as they land); until then it
# is counted as skipped.
set -e
. "$(dirname "$0")/../lib.sh"
command -v dash >/dev/null || {
    echo "dash is not installed: skipped"
    exit 77
}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
root="$TMP/root"
cp -r "$TESTROOT" "$root"
mkdir -p "$root/corpus"
cp "$corpus"/*.sh "$root/corpus/"
"$MKBOOTFS" -o "$TMP/vsh.bootfs" "$root" >/dev/null
export LC_ALL=C
n=0
skipped=0
for f in "$corpus"/${CORPUS:-*}.sh; do
    name=$(basename "$f")
    needs=$(sed -n '1s/^# needs: //p' "$f")
    missing=
    for p in $needs; do
        [ -e "$TESTROOT/bin/$p" ] || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        skipped=$((skipped + 1))
        continue
    fi
    n=$((n + 1))
    work="$TMP/work"
    rm -rf "$work"
    mkdir -p "$work"
    set +e
    want=$(cd "$work" && TMPDIR="$work" dash "$f" 2>/dev/null </dev/null)
    want_st=$?
    got=$("$VRSIM" run "$TMP/vsh.bootfs" -- /bin/vsh -c "$(cat "$f")" 2>"$TMP/err" </dev/null)
    got_st=$?
    gotf=$("$VRSIM" run "$TMP/vsh.bootfs" -- /bin/vsh "/corpus/$name" 2>"$TMP/errf" </dev/null)
    gotf_st=$?
    set -e
    if [ "$got" != "$want" ] || [ "$got_st" != "$want_st" ]; then
        fail "$name (-c): status $got_st, want $want_st"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20
        grep -v '^init:\|^trace-digest' "$TMP/err" | head -5
    elif [ "$gotf" != "$want" ] || [ "$gotf_st" != "$want_st" ]; then
        fail "$name (file): status $gotf_st, want $want_st"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$gotf") | head -20
        grep -v '^init:\|^trace-digest' "$TMP/errf" | head -5
    fi
done
echo "$n scripts ($skipped skipped: their utilities are not in the image yet)"
[ "$n" -ge 150 ] || [ -n "${CORPUS:-}" ] || fail "the corpus has $n scripts, want >= 150"
finish
