#!/usr/bin/env bash
# Simulated wires between nodes (issue 17, item 5): one vrsim runs two machines of one machine
# file ([[node]] tables) joined by a [[link]] (sim/core/nodes.h, sim/backends/netlink.h).
# Node a runs the netstack service as 10.0.0.1/24 (its services.toml and net.toml laid over
# the test image by the node's files = {...}); node b, the first node (vrsim's console), runs
# /test/netping as 10.0.0.2 pinging a: a's lwIP answers ARP and every echo. The round trip is
# twice the link's latency plus the nodes' own work, and the serialisation delay of both
# frames on a link with a bandwidth. With 20% loss some pings go unanswered: the same ones in
# two runs with one seed, others with another seed. Two runs with one seed print one combined
# trace digest. The link's pcap (--pcap LINK=FILE, under build/test-pcaps/) passes tshark. A
# link end can be the wire's responder (ARP/ICMP, and DHCP for netstack). Bad files and
# options are refused with exit status 2 and a message naming what is wrong.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "${TESTROOT:-}/test/netping" ] || [ ! -x "$(dirname "$TESTROOT")/rootfs/sbin/netstack" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"

printf '%s\n' "$VFS_SERVICE" '[[services]]
name = "devmgr"
path = "/sbin/devmgr"
depends_on = ["vfs"]
readiness = "notify"
capabilities = ["CAP_SPAWN", "CAP_IPC_CREATE", "CAP_DEVICE", "CAP_DMA"]

[[services]]
name = "netstack"
path = "/sbin/netstack"
depends_on = ["devmgr"]
readiness = "notify"
capabilities = ["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_CREATE"]' >"$TMP/a-services.toml"
printf '[[interface]]\nname = "en0"\ndevice = "/dev/net0"\naddress = "10.0.0.1/24"\n' \
    >"$TMP/a-net.toml"
# the nodes whose /test/netping drives the NIC itself run without the netstack service
printf '%s\n' "$VFS_SERVICE" '[[services]]
name = "devmgr"
path = "/sbin/devmgr"
depends_on = ["vfs"]
readiness = "notify"
capabilities = ["CAP_SPAWN", "CAP_IPC_CREATE", "CAP_DEVICE", "CAP_DMA"]' >"$TMP/b-services.toml"

# two_nodes FILE COUNT LINK-KEYS...: b pings a COUNT times over link "ab"
two_nodes() {
    local f=$1 count=$2
    shift 2
    cat >"$f" <<EOF
name = "two"
[[node]]
name = "b"
memory = "1G"
argv = ["/test/netping", "$count", "56", "10.0.0.2", "10.0.0.1"]
files = { "/etc/services.toml" = "b-services.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0b"

[[node]]
name = "a"
memory = "1G"
argv = ["/test/sleepy", "600000"]
files = { "/etc/services.toml" = "a-services.toml", "/etc/net.toml" = "a-net.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0a"

[[link]]
name = "ab"
ends = ["b.net0", "a.net0"]
EOF
    printf '%s\n' "$@" >>"$f"
}
rtts() { out "$1" | sed -n 's/^64 bytes from 10\.0\.0\.1: icmp_seq=\([0-9]*\) time=\([0-9]*\) us$/\2/p'; }

# ---- a clean link of 1 ms ----
two_nodes "$TMP/clean.toml" 5 "latency_ns = 1000000"
run_vrsim c1 --seed 1 --machine "$TMP/clean.toml" --pcap "ab=$PCAPS/wire.pcap" "$TESTIMAGE"
expect_eq "clean: status" "$(status c1)" 0
expect_match "clean: b's NIC" "$(out c1)" '^mac 52:54:00:00:00:0b link up$'
expect_eq "clean: five replies from a" "$(rtts c1 | wc -l)" 5
expect_match "clean: summary" "$(out c1)" '^sent 5 received 5 bad 0 corrupt 0$'
expect_match "clean: a's netstack came up, its lines marked [a]" "$(err c1)" \
    '\[a\] netstack: en0 10\.0\.0\.1/24 mac 52:54:00:00:00:0a link up'
expect_no_match "clean: a's output is not unmarked" "$(err c1)" '^netstack:'
# round trip: 2 x 1 ms on the wire, plus what the nodes' drivers and stacks take (< 100 us)
ok=1
for t in $(rtts c1 | tail -n 4); do [ "$t" -ge 2000 ] && [ "$t" -lt 2100 ] || ok=0; done
expect_eq "clean: round trip is 2 x latency (+ the nodes' work): $(rtts c1 | tr '\n' ' ')" "$ok" 1
expect_match "clean: per-node and per-link digests" "$(err c1)" \
    'vrsim: node b trace-digest [0-9a-f]{16}.*'
expect_match "clean: link digest" "$(err c1)" 'vrsim: link ab digest [0-9a-f]{16}'
expect_digest_line c1
run_vrsim c2 --seed 1 --machine "$TMP/clean.toml" "$TESTIMAGE"
expect_eq "clean again: same output" "$(out c2)" "$(out c1)"
expect_eq "clean again: same combined digest" "$(digest c2)" "$(digest c1)"

# ---- bandwidth: 10 Mbit/s adds 98 bytes x 8 / 10^7 s = 78.4 us per frame, each way ----
two_nodes "$TMP/bw.toml" 5 "latency_ns = 1000000" "bandwidth_bps = 10000000"
run_vrsim bw --seed 1 --machine "$TMP/bw.toml" "$TESTIMAGE"
expect_eq "bandwidth: status" "$(status bw)" 0
d=$(($(rtts bw | tail -n 1) - $(rtts c1 | tail -n 1)))
expect_eq "bandwidth: the round trip grows by two serialisation delays (156.8 us): $d" \
    "$([ "$d" -ge 156 ] && [ "$d" -le 158 ] && echo yes)" yes

# ---- 20% loss: which pings are lost is the seed's ----
two_nodes "$TMP/loss.toml" 20 "latency_ns = 1000000" "loss = 0.2"
run_vrsim l1 --seed 1 --machine "$TMP/loss.toml" --pcap "ab=$PCAPS/wire-loss.pcap" --stats \
    "$TESTIMAGE"
run_vrsim l2 --seed 1 --machine "$TMP/loss.toml" "$TESTIMAGE"
run_vrsim l3 --seed 3 --machine "$TMP/loss.toml" "$TESTIMAGE"
lost() { out "$1" | grep -c '^no reply to icmp_seq='; }
lostseqs() { out "$1" | sed -n 's/^no reply to icmp_seq=//p' | tr '\n' ' '; }
expect_eq "loss: some replies lost (status 1)" "$(status l1)" 1
expect_eq "loss: some, not all: $(lost l1) of 20" \
    "$([ "$(lost l1)" -ge 1 ] && [ "$(lost l1)" -le 15 ] && echo yes)" yes
expect_match "loss: the link's counters (--stats)" "$(err l1)" \
    'vrsim-stats: link ab dir 0 frames=[0-9]+ bytes=[0-9]+ lost=[1-9][0-9]* duplicated=0 reordered=0 overrun=0 late=0'
expect_eq "loss: one seed, the same losses" "$(lostseqs l2)" "$(lostseqs l1)"
expect_eq "loss: one seed, the same count" "$(lost l2)" "$(lost l1)"
expect_eq "loss: one seed, one digest" "$(digest l2)" "$(digest l1)"
expect_ne "loss: another seed, other losses ($(lostseqs l1)/ $(lostseqs l3))" \
    "$(lostseqs l3)" "$(lostseqs l1)"
expect_ne "loss: another seed, another count ($(lost l1), $(lost l3))" "$(lost l3)" "$(lost l1)"
expect_ne "loss: another seed, another digest" "$(digest l3)" "$(digest l1)"

# ---- duplication and reordering: every frame twice, half of them 1 ms late ----
two_nodes "$TMP/dup.toml" 5 "latency_ns = 1000000" "duplicate = 1" "reorder = 0.5"
run_vrsim dup --seed 1 --machine "$TMP/dup.toml" --stats "$TESTIMAGE"
expect_match "duplicate: every reply arrives, and again (netping counts the copies as bad)" \
    "$(out dup)" '^sent 5 received 5 bad [1-9][0-9]* corrupt 0$'
expect_match "duplicate: the link duplicated every frame" "$(err dup)" \
    'link ab dir 0 frames=([0-9]+) bytes=[0-9]+ lost=0 duplicated=\1 reordered=[1-9]'
expect_match "reorder: a reordered frame is reorder_ns (= latency) late" "$(rtts dup | tail -n 4 | sort -n | tail -n 1)" \
    '^[34]0[0-9][0-9]$'

# ---- the pcaps in tshark ----
if command -v tshark >/dev/null; then
    ts() {
        local f=$1
        shift
        tshark -r "$f" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "$@" 2>/dev/null
    }
    # (each node also announces its own address: lwIP's gratuitous ARP)
    expect_eq "pcap: b's ARP request for a, a's reply" \
        "$(ts "$PCAPS/wire.pcap" -Y '(arp.opcode == 1 && arp.src.proto_ipv4 == 10.0.0.2 && arp.dst.proto_ipv4 == 10.0.0.1) || (arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.0.1)' | wc -l)" 2
    expect_eq "pcap: five echo requests" "$(ts "$PCAPS/wire.pcap" -Y 'icmp.type == 8' | wc -l)" 5
    expect_eq "pcap: five echo replies" \
        "$(ts "$PCAPS/wire.pcap" -Y 'icmp.type == 0 && icmp.resp_to' | wc -l)" 5
    expect_eq "pcap: time order" \
        "$(ts "$PCAPS/wire.pcap" -T fields -e frame.time_epoch | sort -c -n && echo sorted)" sorted
    # a reply leaves a 1 ms after its request left b
    expect_match "pcap: a's reply 1 ms (+ a's work) after b's request" \
        "$(ts "$PCAPS/wire.pcap" -Y 'icmp.type == 0' -T fields -e icmp.resptime | tail -n 1)" \
        '^1\.0[0-9]+$'
    for p in wire.pcap wire-loss.pcap; do
        expect_eq "pcap $p: nothing malformed, no bad checksum" \
            "$(ts "$PCAPS/$p" -Y '_ws.malformed || ip.checksum.status == 0 || icmp.checksum.status == 0' | wc -l)" 0
        expect_no_match "pcap $p: expert info has no error" "$(ts "$PCAPS/$p" -z expert -q)" \
            'Errors|Malformed'
    done
    expect_no_match "pcap wire.pcap: no warning either" "$(ts "$PCAPS/wire.pcap" -z expert -q)" 'Warns'
    # every frame is captured as it entered the link: the lost ones too
    expect_eq "pcap: the lossy link shows all 20 requests" \
        "$(ts "$PCAPS/wire-loss.pcap" -Y 'icmp.type == 8' | wc -l)" 20
else
    echo "note: tshark missing (scripts/setup installs it): the pcaps were not checked"
fi

# ---- a hostile link: bad frames before every 2nd frame delivered, to both nodes, behind the
# capture point; every ping is still answered and neither node crashes ----
two_nodes "$TMP/hostile.toml" 6 "latency_ns = 300000" "bad_every = 2" \
    "pcap = \"$PCAPS/wire-hostile.pcap\""
run_vrsim h --seed 4 --machine "$TMP/hostile.toml" "$TESTIMAGE"
expect_eq "hostile link: status" "$(status h)" 0
expect_match "hostile link: every ping answered" "$(out h)" '^sent 6 received 6 bad 0 corrupt [0-9]+$'
expect_match "hostile link: b's lwIP dropped bad frames" "$(out h)" \
    '^lwip: link drop [0-9]+ ip drop [0-9]+ chkerr [0-9]+ lenerr [1-9]'
expect_no_match "hostile link: no crash on either node" "$(err h)" 'killed|crash|fault|restart'
if command -v tshark >/dev/null; then
    expect_eq "hostile link pcap: only honest frames" \
        "$(tshark -r "$PCAPS/wire-hostile.pcap" -o ip.check_checksum:TRUE -Y '_ws.malformed || ip.checksum.status == 0 || icmp.checksum.status == 0' 2>/dev/null | wc -l)" 0
fi

# ---- vrsim machine prints a file of nodes ----
"$VRSIM" machine "$TMP/clean.toml" >"$TMP/print.out" 2>&1
expect_match "vrsim machine: the nodes" "$(cat "$TMP/print.out")" '^node a image=\(run.s\) argv=/test/sleepy,600000 file /etc/services.toml='
expect_match "vrsim machine: the link" "$(cat "$TMP/print.out")" '^link ab b\.net0 a\.net0 latency_ns=1000000 '

# ---- a responder at a link's end: ARP and ICMP for 10.0.2.2 ----
cat >"$TMP/resp.toml" <<EOF
[[node]]
name = "c"
memory = "1G"
files = { "/etc/services.toml" = "b-services.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
[[link]]
ends = ["c.net0", "responder"]
latency_ns = 500000
pcap = "$PCAPS/wire-responder.pcap"
EOF
run_vrsim r --seed 1 --machine "$TMP/resp.toml" "$TESTIMAGE" -- /test/netping 3
expect_eq "responder: status" "$(status r)" 0
expect_match "responder: summary" "$(out r)" '^sent 3 received 3 bad 0 corrupt 0$'
expect_match "responder: round trip of 2 x 500 us" "$(out r | grep icmp_seq=3)" 'time=10[0-9][0-9] us$'
expect_match "responder: the default link name" "$(err r)" 'vrsim: link link0 digest'
expect_no_match "responder: no false 'blocked' report at the end" "$(err r)" 'every thread of every node'
if command -v tshark >/dev/null; then
    expect_eq "responder pcap: 3 requests and 3 replies" \
        "$(tshark -r "$PCAPS/wire-responder.pcap" -Y icmp 2>/dev/null | wc -l)" 6
fi

# ---- DHCP from the responder on a link: netstack with address = "dhcp" ----
printf '[[interface]]\nname = "en0"\ndevice = "/dev/net0"\naddress = "dhcp"\n' >"$TMP/dhcp-net.toml"
cat >"$TMP/dhcp.toml" <<EOF
[[node]]
name = "d"
image = "$TESTIMAGE"
argv = ["/test/sleepy", "5000"]
files = { "/etc/services.toml" = "a-services.toml", "/etc/net.toml" = "dhcp-net.toml" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
[[link]]
ends = ["responder", "d.net0"]
latency_ns = 200000
EOF
# the node's own image (the run's, the default image, has no /test/sleepy)
run_vrsim dh --seed 3 --machine "$TMP/dhcp.toml" "$IMAGE"
expect_eq "dhcp over a link: status" "$(status dh)" 0
expect_match "dhcp over a link: leased" "$(err dh)" \
    'netstack: en0 dhcp: 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2'

# ---- bad input: exit 2 and what is wrong ----
bad() { # NAME WANT-REGEX: the file $TMP/NAME.toml is refused
    run_vrsim "bad-$1" --machine "$TMP/$1.toml" "$TESTIMAGE"
    expect_eq "bad $1: exit 2" "$(status "bad-$1")" 2
    expect_match "bad $1: says why" "$(err "bad-$1")" "$2"
}
two_nodes "$TMP/unknown.toml" 1 '[[link]]' 'ends = ["a.net0", "c.net0"]'
sed -i '0,/ends = \["b.net0", "a.net0"\]/s//ends = ["b.net0", "zz.net0"]/' "$TMP/unknown.toml"
bad unknown "unknown.toml:[0-9]+:[0-9]+: 'zz\.net0': unknown node 'zz'"
two_nodes "$TMP/twice.toml" 1 '[[link]]' 'ends = ["a.net0", "responder"]'
bad twice "twice.toml:[0-9]+:[0-9]+: a\.net0 is linked twice \(first by link ab"
two_nodes "$TMP/rate.toml" 1 "loss = 1.5"
bad rate "rate.toml:[0-9]+:[0-9]+: 'loss' is a rate: it must be in \[0, 1\], not 1\.5"
two_nodes "$TMP/negrate.toml" 1 "reorder = -0.1"
bad negrate "'reorder' is a rate: it must be in \[0, 1\]"
two_nodes "$TMP/nonic.toml" 1
sed -i 's/"a.net0"\]/"a.net1"]/' "$TMP/nonic.toml"
bad nonic "'a\.net1': node a has 1 virtio-net NIC"
two_nodes "$TMP/key.toml" 1 "speed = 3"
bad key "unknown key 'speed' \(a link has: name, ends"
printf '[[node]]\nname = "x"\nmemory = "1G"\n[[node]]\nname = "x"\n' >"$TMP/dupname.toml"
bad dupname "node name 'x' is used twice"
printf 'memory = "1G"\n[[node]]\nname = "x"\n' >"$TMP/mixed.toml"
bad mixed "unknown key 'memory' \(a file with \[\[node\]\] tables has"
run_vrsim badpcap --machine "$TMP/clean.toml" --pcap "nolink=$TMP/x.pcap" "$TESTIMAGE"
expect_eq "bad --pcap link: exit 2" "$(status badpcap)" 2
expect_match "bad --pcap link: says why" "$(err badpcap)" "has no link named 'nolink'"
run_vrsim badpcap2 --pcap "x=$TMP/x.pcap" "$TESTIMAGE" -- /test/sleepy 1
expect_eq "--pcap on a machine without links: exit 2" "$(status badpcap2)" 2

finish
