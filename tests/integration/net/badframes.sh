#!/usr/bin/env bash
# Bad input from the wire (issue 17, "Must show"): the wire's responder is hostile (bad_every =
# 1: before every frame it delivers, a bad one made from it, behind the capture point):
# truncated and oversized frames (the NIC refuses and counts them), an IPv4 header cut short,
# a broken IPv4 header checksum (lwIP drops and counts them), a broken ICMP checksum (lwIP
# checks it on echo requests only: netping checks the replies, as ping does, and counts them
# as corrupt). Every ping is still answered, nothing crashes, the driver reports no drop of its own (the bad
# frames the NIC takes are well-formed Ethernet), lwIP's counters show each kind it saw, and
# the pcap (build/test-pcaps/badframes.pcap) has only the honest frames: tshark finds nothing
# malformed and no bad checksum. One seed gives one trace digest.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "${TESTROOT:-}/test/netping" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
# /test/netping runs lwIP on the NIC itself: an image without the netstack service
NONET=$(make_image nonet "$(services_without netstack)")
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\nbad_every = 1\npcap = "%s"\n' \
    "$PCAPS/badframes.pcap" >"$TMP/bad.toml"

run_vrsim a --seed 3 --machine "$TMP/bad.toml" "$NONET" -- /test/netping 10
expect_eq "hostile wire: status" "$(status a)" 0
expect_match "hostile wire: every ping answered" "$(out a)" '^sent 10 received 10 bad 0 corrupt [1-9][0-9]*$'
stats=$(out a | sed -n 's/^lwip: //p')
expect_match "lwIP saw the short headers" "$stats" 'lenerr [1-9]'
expect_match "lwIP saw the broken IP checksums" "$stats" ' chkerr [1-9][0-9]* lenerr'
expect_match "the driver dropped nothing itself" "$(out a)" '^driver: rx [0-9]+ tx [0-9]+ dropped 0 resets 1$'
expect_no_match "no crash, no restart" "$(err a)" 'killed|crash|fault|restart'
expect_digest_line a
run_vrsim b --seed 3 --machine "$TMP/bad.toml" "$NONET" -- /test/netping 10
expect_eq "hostile wire again: same trace digest" "$(digest b)" "$(digest a)"

if command -v tshark >/dev/null; then
    ts() { tshark -r "$PCAPS/badframes.pcap" -o tcp.check_checksum:TRUE \
        -o ip.check_checksum:TRUE "$@" 2>/dev/null; }
    expect_eq "pcap: ten echo replies" "$(ts -Y 'icmp.type == 0' | wc -l)" 10
    expect_eq "pcap: nothing malformed, no bad checksum" \
        "$(ts -Y '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0' | wc -l)" 0
fi

finish
