# Helpers for integration tests: sourced by each test script. CTest passes VRSIM, IMAGE
# (the default boot image) and TESTIMAGE (default image + /test programs).
set -u
: "${VRSIM:?}" "${TESTIMAGE:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

# run_vrsim NAME [vrsim-run args...]: runs vrsim, keeps stdout/stderr/status in $TMP/NAME.*
run_vrsim() {
    local name=$1
    shift
    set +e
    "$VRSIM" run "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    echo $? >"$TMP/$name.status"
    set -e
}
run_vrsim_input() { # NAME INPUTFILE args...
    local name=$1 input=$2
    shift 2
    set +e
    "$VRSIM" run "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" <"$input"
    echo $? >"$TMP/$name.status"
    set -e
}
out() { cat "$TMP/$1.out"; }
err() { cat "$TMP/$1.err"; }
status() { cat "$TMP/$1.status"; }
digest() { tail -n 1 "$TMP/$1.err" | sed -n 's/^trace-digest: //p'; }

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
pass() { echo "ok: $*"; }
expect_eq() { # WHAT GOT WANT
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got [$2], want [$3]"; fi
}
expect_ne() {
    if [ "$2" != "$3" ]; then pass "$1"; else fail "$1: both are [$2]"; fi
}
expect_match() { # WHAT TEXT REGEX
    if printf '%s' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1: [$2] does not match /$3/"; fi
}
expect_no_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then fail "$1: [$2] matches /$3/"; else pass "$1"; fi
}
# The last stderr line of every run is the trace digest.
expect_digest_line() {
    expect_match "$1: last stderr line is the trace digest" "$(tail -n 1 "$TMP/$1.err")" \
        '^trace-digest: [0-9a-f]{16}$'
}
finish() {
    if [ "$fails" -ne 0 ]; then
        echo "$fails check(s) failed"
        exit 1
    fi
    echo "all checks passed"
}

# The vfs service stanza for make_image's services.toml (the namespace; everything after it
# depends on it).
VFS_SERVICE='[[services]]
name = "vfs"
path = "/sbin/vfs"
namespace = true
readiness = "notify"
'
# services_without NAME: the test image's /etc/services.toml without service NAME's
# [[services]] block (e.g. netstack, for tests whose own program drives the NIC)
services_without() {
    awk -v n="$1" '
        /^\[\[services\]\]/ { if (blk != "" && !drop) printf "%s", blk; blk = $0 "\n"; drop = 0; next }
        blk != "" { blk = blk $0 "\n"; if ($0 ~ "^name = \"" n "\"") drop = 1; next }
        { print }
        END { if (blk != "" && !drop) printf "%s", blk }' "$TESTROOT/etc/services.toml"
}
# make_image NAME SERVICES_TOML: a boot image with everything in the test image and the given
# /etc/services.toml; prints its path.
make_image() {
    local name=$1 toml=$2 root="$TMP/root-$1"
    rm -rf "$root"
    cp -r "$TESTROOT" "$root"
    printf '%s\n' "$toml" >"$root/etc/services.toml"
    "$MKBOOTFS" -o "$TMP/$name.bootfs" "$root" >/dev/null
    echo "$TMP/$name.bootfs"
}
# marks NAME: the init marks ("init: start x", ...) of a run's trace file $TMP/NAME.json, one
# per line as "TIME_US MARK"
marks() {
    python3 - "$TMP/$1.json" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e.get("name") == "mark":
        s = e.get("args", {}).get("str", "")
        if isinstance(s, str) and s.startswith("init: "):
            print(e["ts"], s[6:])
PY
}
