#!/usr/bin/env bash
# BSD sockets on one machine (issue 17, items 3 and 4): libveridian's socket calls against the
# netstack service (started by init from the default services.toml, serving /dev/net), over
# lwIP's loopback. /test/socktest checks each mode itself (tests/integration/progs/socktest.c):
# options and names, 1 MiB of TCP echo with a checksum (and IPv6), UDP echo (connected UDP,
# vectors, IPv6), connection refused, non-blocking connect + poll + SO_ERROR, 100 connections
# at once, poll over a socket and a pipe, ping sockets, limits and refused calls, a client
# killed mid-connection (netstack survives, /proc/net/tcp loses the connection), EACCES without
# CAP_NET, raw sockets with CAP_NET_RAW, and a connect to an address nobody answers through the
# NIC of a machine on a `wire = "none"` link: ETIMEDOUT in virtual time; and 1 MiB of TCP echo
# between two nodes on a wire with 5% loss and reordering. Two runs with one seed give one digest.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "$(dirname "$TESTROOT")/rootfs/sbin/netstack" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi

mode() { # NAME MODE [ARG] [vrsim args...]: runs socktest MODE, expects its summary line
    local name=$1 m=$2 arg=${3:-}
    shift 3 || shift $#
    run_vrsim "$name" --seed 3 "$@" "$TESTIMAGE" -- /test/socktest "$m" $arg
    expect_eq "$m: status" "$(status "$name")" 0
    expect_match "$m: no failed check" "$(out "$name")" "^socktest $m: 0 failure\(s\)$"
    expect_no_match "$m: nothing failed" "$(out "$name")" '^FAIL'
    expect_no_match "$m: netstack neither asserted nor crashed" "$(err "$name")" \
        'lwip: assertion|netstack\).*(crash|killed|watchdog)|init: netstack (exited|died|failed)'
    expect_match "$m: netstack served to the end" "$(err "$name")" 'init: stopped netstack'
}

mode basic basic ""
mode tcp tcp 1048576
expect_match "tcp: 1 MiB echoed, checksum equal" "$(out tcp)" \
    '^tcp echo: 1048576 bytes crc32 ([0-9a-f]{8}) want \1$'
mode udp udp ""
mode refused refused ""
mode nonblock nonblock ""
mode many many 100
expect_match "many: 100 connections" "$(out many)" '^many: 100 connections$'
mode pollmix pollmix ""
mode ping ping ""
mode kill kill ""
mode limits limits ""

# determinism: the same seed, the same run
run_vrsim tcp2 --seed 3 "$TESTIMAGE" -- /test/socktest tcp 1048576
expect_eq "tcp again: same output" "$(out tcp2)" "$(out tcp)"
expect_eq "tcp again: same trace digest" "$(digest tcp2)" "$(digest tcp)"
run_vrsim many2 --seed 3 "$TESTIMAGE" -- /test/socktest many 100
expect_eq "many again: same trace digest" "$(digest many2)" "$(digest many)"

# a connect nobody answers: the NIC on a wire with nobody on it, SYN retries, ETIMEDOUT
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "none"\n' >"$TMP/none.toml"
mode timeout timeout 10.0.2.99 --machine "$TMP/none.toml"
expect_match "timeout: in virtual time" "$(out timeout)" '^connect gave up after [0-9]+ s of virtual time$'

# without CAP_NET: socket() is EACCES (a console program whose capabilities do not list it)
image=$(make_image nocap "$VFS_SERVICE
[[services]]
name = \"netstack\"
path = \"/sbin/netstack\"
depends_on = [\"vfs\"]
readiness = \"notify\"
capabilities = [\"CAP_NET_ADMIN\", \"CAP_IPC_CREATE\"]
")
run_vrsim nocap --seed 3 "$image" -- /test/socktest eacces
expect_eq "eacces: status" "$(status nocap)" 0
expect_match "eacces: socket() refused" "$(out nocap)" '^ok   socket without CAP_NET: EACCES$'

# two nodes on one wire with 5% loss and reordering: 1 MiB of TCP echo between the netstacks of
# two machines (socktest serve on a, socktest send on b), checksum compared; the pcap opens in
# tshark with no malformed packet and no bad checksum
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"
printf '[[interface]]\nname = "en0"\ndevice = "/dev/net0"\naddress = "10.0.0.1/24"\n' >"$TMP/a-net.toml"
printf '[[interface]]\nname = "en0"\ndevice = "/dev/net0"\naddress = "10.0.0.2/24"\n' >"$TMP/b-net.toml"
cat >"$TMP/two.toml" <<EOF
[[node]]
name = "b"
memory = "1G"
argv = ["/test/socktest", "send", "10.0.0.1", "40000", "1048576"]
files = { "/etc/net.toml" = "b-net.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0b"

[[node]]
name = "a"
memory = "1G"
argv = ["/test/socktest", "serve", "40000"]
files = { "/etc/net.toml" = "a-net.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0a"

[[link]]
name = "ab"
ends = ["b.net0", "a.net0"]
latency_ns = 1000000
loss = 0.05
reorder = 0.05
EOF
run_vrsim wire --seed 1 --machine "$TMP/two.toml" --pcap "ab=$PCAPS/sockets-wire.pcap" "$TESTIMAGE"
expect_eq "wire: status" "$(status wire)" 0
expect_match "wire: 1 MiB echoed over a lossy wire, checksum equal" "$(out wire)" \
    '^send: 1048576 bytes echoed over the wire, crc32 ([0-9a-f]{8}) want \1, '
run_vrsim wire2 --seed 1 --machine "$TMP/two.toml" "$TESTIMAGE"
expect_eq "wire again: same trace digest" "$(digest wire2)" "$(digest wire)"
if command -v tshark >/dev/null; then
    expect_eq "wire pcap: nothing malformed, no bad checksum" \
        "$(tshark -r "$PCAPS/sockets-wire.pcap" -o tcp.check_checksum:TRUE \
            -o ip.check_checksum:TRUE \
            -Y '_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0' \
            2>/dev/null | wc -l)" 0
fi

# with CAP_NET_RAW too: raw sockets (the request and the reply, with their IP headers)
raw=$(make_image raw "$(services_without nothing | sed 's/^console_caps = .*/console_caps = ["CAP_NET", "CAP_NET_RAW"]/')")
run_vrsim raw --seed 3 "$raw" -- /test/socktest raw
expect_eq "raw: status" "$(status raw)" 0
expect_match "raw: no failed check" "$(out raw)" '^socktest raw: 0 failure\(s\)$'

finish
