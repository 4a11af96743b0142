# Helpers for the utilities' tests (tests/integration/utils/*.sh), sourced after ../lib.sh.
#
# Each test writes a SCRIPT of command lines (see tests/integration/progs/utilrun.c for the
# syntax) and calls compare_with_host NAME SCRIPT: the same lines run
#   - in vrsim, by /test/utilrun in a work directory copied from the generated inputs
#     (gen_inputs.py), all in one vrsim run;
#   - on the host, under bash with the GNU tools (bash builtins disabled so that echo,
#     printf, test, [, true, false and kill are the GNU programs), in a copy of the same
#     inputs, LC_ALL=C;
# and the two transcripts (stdout, whether stderr was written, exit status per line) must be
# identical. run_guest NAME SCRIPT runs only the guest half, for checks without a GNU twin.
UTILS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LC_ALL=C TZ=UTC

# the boot image: the test image plus /utdata (inputs) and /utscript
utils_image() { # NAME SCRIPT -> prints the image path
    local name=$1 script=$2 root="$TMP/root-$1"
    rm -rf "$root"
    cp -r "$TESTROOT" "$root"
    python3 "$UTILS_DIR/gen_inputs.py" "$root/utdata/in"
    mkdir -p "$root/utscript"
    cp "$script" "$root/utscript/script"
    "$MKBOOTFS" -o "$TMP/$name.bootfs" "$root" >/dev/null
    echo "$TMP/$name.bootfs"
}

run_guest() { # NAME SCRIPT: transcript in $TMP/NAME.out
    local image
    image=$(utils_image "$1" "$2")
    run_vrsim "$1" "$image" -- /test/utilrun -s /utdata/in -w /tmp/w /utscript/script
}

# The host half: prints the transcript of SCRIPT run in a fresh copy of the inputs.
host_run() { # SCRIPT
    local script=$1 work="$TMP/hostw.$$" line st
    rm -rf "$work" "$TMP/host.out" "$TMP/host.err"
    python3 "$UTILS_DIR/gen_inputs.py" "$work"
    (
        set +e
        cd "$work" || exit 1
        while IFS= read -r line; do
            case "$line" in '' | '#'*) continue ;; esac
            case "${line#"${line%%[! 	]*}"}" in '' | '#'*) continue ;; esac
            printf '$ %s\n' "$line"
            bash -c "enable -n echo printf test [ true false kill; $line" \
                >"$TMP/host.out" 2>"$TMP/host.err" </dev/null
            st=$?
            case "$line" in
            *' > '*) ;;
            *)
                cat "$TMP/host.out"
                if [ -s "$TMP/host.out" ] && [ "$(tail -c 1 "$TMP/host.out" | od -An -c | tr -d ' ')" != '\n' ]; then
                    echo '[no newline]'
                fi
                ;;
            esac
            if [ -s "$TMP/host.err" ]; then echo '[stderr]'; fi
            echo "[exit $st]"
        done <"$script"
    )
    rm -rf "$work"
}

compare_with_host() { # NAME SCRIPT
    local name=$1 script=$2
    run_guest "$name" "$script"
    expect_eq "$name: utilrun exit status" "$(status "$name")" 0
    host_run "$script" >"$TMP/$name.host"
    if [ -n "${UTILS_KEEP:-}" ]; then # a directory to keep both transcripts in, for debugging
        cp "$TMP/$name.host" "$UTILS_KEEP/$name.host"
        cp "$TMP/$name.out" "$UTILS_KEEP/$name.out"
        cp "$TMP/$name.err" "$UTILS_KEEP/$name.err"
    fi
    if diff -u "$TMP/$name.host" "$TMP/$name.out" >"$TMP/$name.diff"; then
        pass "$name: $(grep -c '^\$ ' "$TMP/$name.out") command lines match GNU"
    else
        fail "$name: the transcript differs from GNU's (--- host, +++ vrsim):"
        cat "$TMP/$name.diff"
    fi
}

# expect_re WHAT TEXT ERE: the ERE matches somewhere in the whole TEXT, newlines included
# (lib.sh's expect_match greps line by line, which a pattern spanning lines cannot use).
expect_re() {
    if [[ $2 =~ $3 ]]; then pass "$1"; else fail "$1: [$2] does not match /$3/"; fi
}
