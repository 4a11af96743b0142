#!/usr/bin/env bash
# The first end-to-end network test (issue 17, items 1 and 3): a machine with a virtio-net NIC
# on a wire whose responder answers ARP and ICMP echo for 10.0.2.2 (sim/backends/netwire).
# devmgr binds drivers/virtio-net to it (/dev/net0); /test/netping runs lwIP on /dev/net0
# (10.0.2.15/24): ARP resolves, every echo is answered with its id, sequence and data, the
# round trip is virtual time (the same in every run). One seed gives one trace digest. The
# wire's pcap (kept in build/test-pcaps/) opens in tshark with the ARP exchange and every
# request and reply, and with no malformed packet and no bad checksum. On a wire with nobody
# on it (wire = "none") the pings go unanswered and netping says so and fails (no hang).
. "$(dirname "$0")/../lib.sh"
if [ ! -x "${TESTROOT:-}/test/netping" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
# /test/netping runs lwIP on the NIC itself: an image without the netstack service
NONET=$(make_image nonet "$(services_without netstack)")
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"
machine() { # NAME WIRE PCAP
    printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "%s"\n' "$2" \
        >"$TMP/$1.toml"
    [ -z "$3" ] || printf 'pcap = "%s"\n' "$3" >>"$TMP/$1.toml"
}

machine resp responder "$PCAPS/ping.pcap"
run_vrsim a --seed 1 --machine "$TMP/resp.toml" "$NONET" -- /test/netping 5 100
expect_eq "ping: status" "$(status a)" 0
expect_match "ping: the NIC's MAC and link" "$(out a)" '^mac 52:54:00:12:34:56 link up$'
expect_eq "ping: five replies" "$(out a | grep -cE '^108 bytes from 10\.0\.2\.2: icmp_seq=[1-5] time=[0-9]+ us$')" 5
expect_match "ping: summary" "$(out a)" '^sent 5 received 5 bad 0 corrupt 0$'
expect_match "ping: the driver's counters" "$(out a)" '^driver: rx 6 tx [0-9]+ dropped 0 resets 1$'
expect_no_match "ping: the driver is silent when all goes well" "$(err a)" 'virtio-net:'
expect_digest_line a

run_vrsim b --seed 1 --machine "$TMP/resp.toml" "$NONET" -- /test/netping 5 100
expect_eq "ping again: same output" "$(out b)" "$(out a)"
expect_eq "ping again: same trace digest" "$(digest b)" "$(digest a)"

if command -v tshark >/dev/null; then
    ts() { tshark -r "$PCAPS/ping.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        "$@" 2>/dev/null; }
    expect_eq "pcap: ARP request and reply" "$(ts -Y 'arp.dst.proto_ipv4 == 10.0.2.2 || arp.src.proto_ipv4 == 10.0.2.2' | wc -l)" 2
    expect_eq "pcap: five echo requests" "$(ts -Y 'icmp.type == 8' | wc -l)" 5
    expect_eq "pcap: five echo replies" "$(ts -Y 'icmp.type == 0 && icmp.resp_to' | wc -l)" 5
    expect_eq "pcap: nothing malformed, no bad checksum" \
        "$(ts -Y '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0' | wc -l)" 0
    expect_no_match "pcap: expert info has no error or warning" "$(ts -z expert -q)" \
        'Errors|Warns|Malformed'
else
    echo "note: tshark missing (scripts/setup installs it): the pcap was not checked"
fi

machine none none ""
run_vrsim c --seed 1 --machine "$TMP/none.toml" "$NONET" -- /test/netping 2
expect_eq "no peer: status 1" "$(status c)" 1
expect_match "no peer: said so" "$(out c)" '^no reply to icmp_seq=2$'
expect_match "no peer: summary" "$(out c)" '^sent 2 received 0 bad 0 corrupt 0$'

finish
