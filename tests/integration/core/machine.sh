#!/usr/bin/env bash
# Machine files (issue 11, item 1): `vrsim machine` prints the default machine (edu at 03.0,
# virtio-rng at 04.0);
# a run with the default machine, named or by path, behaves as a run without --machine (same
# output, same trace digest); bad machine files are refused before anything starts (exit
# status 2, "vrsim: FILE:LINE:COL: what is wrong", no trace digest since no machine ran); a
# a virtio-net with an unknown wire is refused; the machine's memory is applied (--print-machine
# shows it held by the machine, and a process that gets 1 GiB on the default machine does not
# on a 512 MiB one).
. "$(dirname "$0")/../lib.sh"
SRCMACH="$(cd "$(dirname "$0")/../../../sim/machines" && pwd)/default.toml"
# the installed copy, next to the build's generated disk image (blk.img) it names
INSTMACH="$(cd "$(dirname "$VRSIM")/../machines" && pwd)/default.toml"

set +e
"$VRSIM" machine >"$TMP/dump.out" 2>&1
expect_eq "vrsim machine: status" "$?" 0
"$VRSIM" machine "$SRCMACH" >"$TMP/dump2.out" 2>&1
set -e
# the disk image's path is resolved from each file's directory: compare it by name
sed -i 's|image=[^ ]*/blk\.img|image=blk.img|' "$TMP/dump.out" "$TMP/dump2.out"
expect_eq "vrsim machine: the default machine" "$(cat "$TMP/dump.out")" "machine default
memory 2147483648 (2048 MiB)
pci 00:03.0 edu 1234:11e8 dma_mask=0xfffffff
pci 00:04.0 virtio-rng 1af4:1044
pci 00:05.0 virtio-blk 1af4:1042 image=blk.img readonly=false persist=false latency_ns=50000 block_size=512 serial=VRSIM-BLK-0001
pci 00:06.0 virtio-console 1af4:1043 console=null output= input= size=80x25"
expect_eq "vrsim machine FILE: the repo's default.toml is the installed one" \
    "$(cat "$TMP/dump2.out")" "$(cat "$TMP/dump.out")"

# the default machine changes nothing in a run
run_vrsim plain --seed 3 "$TESTIMAGE" -- /bin/hello
run_vrsim named --seed 3 --machine default "$TESTIMAGE" -- /bin/hello
run_vrsim bypath --seed 3 --machine "$INSTMACH" "$TESTIMAGE" -- /bin/hello
# a vrsim without the build's machines/ next to it has the built-in machine (no file at all)
mkdir -p "$TMP/alone/bin"
cp "$VRSIM" "$TMP/alone/bin/vrsim"
(cd "$TMP" && VRSIM="$TMP/alone/bin/vrsim" && run_vrsim builtin --seed 3 "$TESTIMAGE" -- /bin/hello)
expect_eq "alone: the built-in machine" "$(cd "$TMP" && "$TMP/alone/bin/vrsim" machine)" \
    "machine builtin
memory 2147483648 (2048 MiB)"
for r in named bypath builtin; do
    expect_eq "$r: status" "$(status $r)" "$(status plain)"
    expect_eq "$r: output" "$(out $r)" "$(out plain)"
done
# the built-in machine has no PCI devices, so devmgr (in the default services) finds none and
# starts no driver there: same output, another trace
for r in named bypath; do
    expect_eq "$r: same digest as without --machine" "$(digest $r)" "$(digest plain)"
done
expect_match "plain: hello ran" "$(out plain)" 'Hello'
expect_digest_line plain

# bad files: refused before anything starts
bad() { # NAME TEXT MESSAGE
    printf '%b' "$2" >"$TMP/$1.toml"
    run_vrsim "$1" --machine "$TMP/$1.toml" "$TESTIMAGE" -- /bin/hello
    expect_eq "$1: exit status" "$(status "$1")" 2
    expect_eq "$1: message" "$(err "$1")" "vrsim: $TMP/$1.toml:$3"
    expect_eq "$1: nothing ran" "$(out "$1")" ""
}
bad syntax 'memory = "2G"\nname = \n' "2:8: expected a value, found end of line"
bad unknown_key 'memory = "2G"\nmemroy = 1\n' \
    "2:10: unknown key 'memroy' (a machine has: name, memory, [[pci]])"
bad wrong_type 'memory = true\n' \
    "1:10: 'memory' must be an integer or a string like \"2G\", not bool"
bad twice 'memory = "2G"\n[[pci]]\nslot = "03.0"\nmodel = "edu"\n[[pci]]\nslot = "03.0"\nmodel = "edu"\n' \
    "6:8: slot 03.0 is used twice (first at line 2)"
bad range 'memory = "2G"\n[[pci]]\nslot = "20.0"\nmodel = "edu"\n' \
    "3:8: slot '20.0' is out of range: device 20 is beyond 1f"
bad model 'memory = "2G"\n[[pci]]\nslot = "03.0"\nmodel = "e1000"\n' \
    "4:9: unknown model 'e1000' (known: edu, virtio-blk, virtio-net, virtio-console, virtio-rng)"
bad prop 'memory = "2G"\n[[pci]]\nslot = "03.0"\nmodel = "edu"\ndma_mask = 0x1234\n' \
    "5:12: edu property 'dma_mask' must be 2^n - 1 (like 0x0fffffff), not 0x1234"
bad page 'memory = 4097\n' "1:10: memory 4097 is not a multiple of the page size (4096 bytes)"
bad huge 'memory = "2T"\n' \
    "1:10: memory 2097152 MiB is more than this host can give a machine (at most 982016 MiB)"
bad net_wire 'memory = "2G"\n[[pci]]\nslot = "04.0"\nmodel = "virtio-net"\nwire = "bogus"\n' \
    "5:8: virtio-net property 'wire' must be one of none, loopback, responder, not 'bogus'"

run_vrsim missing --machine "$TMP/nonexistent.toml" "$TESTIMAGE" -- /bin/hello
expect_eq "missing file: exit status" "$(status missing)" 2
expect_eq "missing file: message" "$(err missing)" \
    "vrsim: $TMP/nonexistent.toml: No such file or directory"
set +e
"$VRSIM" machine "$TMP/twice.toml" >"$TMP/mtwice.out" 2>&1
expect_eq "vrsim machine on a bad file: status" "$?" 2
set -e
expect_eq "vrsim machine on a bad file: message" "$(cat "$TMP/mtwice.out")" \
    "vrsim: $TMP/twice.toml:6:8: slot 03.0 is used twice (first at line 2)"
# a model's properties are listed
printf 'memory = "2G"\n[[pci]]\nslot = "04.0"\nmodel = "virtio-net"\n' >"$TMP/net_ok.toml"
set +e
"$VRSIM" machine "$TMP/net_ok.toml" >"$TMP/mres.out" 2>&1
expect_eq "vrsim machine, virtio-net: status" "$?" 0
set -e
expect_match "vrsim machine, virtio-net: listed" "$(cat "$TMP/mres.out")" \
    '^pci 00:04.0 virtio-net 1af4:1041 wire=none mac=52:54:00:12:34:56 pcap= latency_ns=100000 bad_every=0'

# the machine's memory is the guest memory quota
printf 'name = "small"\nmemory = "512M"\n[[pci]]\nslot = "03.0"\nmodel = "edu"\n' >"$TMP/small.toml"
run_vrsim big --seed 5 --print-machine "$TESTIMAGE" -- /test/memquota frag
run_vrsim small --seed 5 --print-machine --machine "$TMP/small.toml" "$TESTIMAGE" -- \
    /test/memquota frag
expect_match "default machine: 2 GiB in the machine" "$(err big)" '^memory 2147483648 \(2048 MiB\)$'
expect_match "small machine: 512 MiB in the machine" "$(err small)" '^memory 536870912 \(512 MiB\)$'
expect_match "small machine: its slot in the machine" "$(err small)" '^pci 00:03.0 edu 1234:11e8'
expect_match "default machine: 1 GiB allocates" "$(out big)" 'memquota: 0 failure\(s\)'
expect_match "small machine: 1 GiB does not" "$(out small)" \
    'FAIL afterwards another process allocates 1 GiB'
expect_digest_line small
finish
