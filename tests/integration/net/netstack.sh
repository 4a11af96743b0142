#!/usr/bin/env bash
# The netstack service, first stage (issue 17, item 3): started by init after devmgr (an image
# of its own: it is not in the default services.toml yet), it reads /etc/net.toml, opens
# /dev/net0 (drivers/virtio-net on a responder wire), brings en0 up as 10.0.2.15/24 with the
# NIC's MAC, resolves its gateway 10.0.2.2 by ARP (the wire's responder answers), signals
# readiness and keeps running lwIP; with address = "dhcp" it leases its address from the
# wire's DHCP server instead. The pcap (build/test-pcaps/netstack.pcap) shows the ARP
# exchange and opens cleanly in tshark. Without a NIC the service comes up with loopback only
# and says why. One seed gives one trace digest.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "$(dirname "$TESTROOT")/rootfs/sbin/netstack" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"
image=$(make_image ns "$VFS_SERVICE
[[services]]
name = \"devmgr\"
path = \"/sbin/devmgr\"
depends_on = [\"vfs\"]
readiness = \"notify\"
capabilities = [\"CAP_SPAWN\", \"CAP_IPC_CREATE\", \"CAP_DEVICE\", \"CAP_DMA\"]

[[services]]
name = \"netstack\"
path = \"/sbin/netstack\"
depends_on = [\"devmgr\"]
readiness = \"notify\"
capabilities = [\"CAP_NET_ADMIN\", \"CAP_NET_RAW\", \"CAP_IPC_CREATE\"]
")
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\npcap = "%s"\n' \
    "$PCAPS/netstack.pcap" >"$TMP/net.toml"

run_vrsim a --seed 5 --machine "$TMP/net.toml" "$image" -- /test/sleepy 2000
expect_eq "netstack: the console program ran" "$(status a)" 0
expect_match "netstack: started after devmgr" "$(err a)" 'init: started netstack'
expect_match "netstack: en0 up with the NIC's MAC" "$(err a)" \
    'netstack: en0 10\.0\.2\.15/24 mac 52:54:00:12:34:56 link up'
expect_match "netstack: the gateway resolved" "$(err a)" \
    'netstack: en0 gateway 10\.0\.2\.2 is at 52:55:0a:00:02:02'
expect_no_match "netstack: no lwIP assertion, no crash" "$(err a)" 'assertion|crash|killed'
expect_digest_line a
run_vrsim b --seed 5 --machine "$TMP/net.toml" "$image" -- /test/sleepy 2000
expect_eq "netstack again: same trace digest" "$(digest b)" "$(digest a)"

if command -v tshark >/dev/null; then
    ts() { tshark -r "$PCAPS/netstack.pcap" -o ip.check_checksum:TRUE "$@" 2>/dev/null; }
    expect_eq "pcap: the gateway's ARP reply" "$(ts -Y 'arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.2.2' | wc -l)" 1
    expect_eq "pcap: nothing malformed, no bad checksum" \
        "$(ts -Y '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0' | wc -l)" 0
fi

# DHCP: address = "dhcp" in /etc/net.toml; the wire's DHCP server hands out 10.0.2.15/24
# with router 10.0.2.2, which then resolves as before; the pcap has the whole exchange
sed -i 's|^address = .*|address = "dhcp"|; /^gateway/d' "$TMP/root-ns/etc/net.toml"
"$MKBOOTFS" -o "$TMP/dhcp.bootfs" "$TMP/root-ns" >/dev/null
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\npcap = "%s"\n' \
    "$PCAPS/netstack-dhcp.pcap" >"$TMP/dhcp.toml"
run_vrsim d --seed 5 --machine "$TMP/dhcp.toml" "$TMP/dhcp.bootfs" -- /test/sleepy 5000
expect_eq "dhcp: the console program ran" "$(status d)" 0
expect_match "dhcp: leased" "$(err d)" \
    'netstack: en0 dhcp: 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2'
expect_match "dhcp: the gateway resolved" "$(err d)" \
    'netstack: en0 gateway 10\.0\.2\.2 is at 52:55:0a:00:02:02'
if command -v tshark >/dev/null; then
    tsd() { tshark -r "$PCAPS/netstack-dhcp.pcap" -o ip.check_checksum:TRUE \
        -o udp.check_checksum:TRUE "$@" 2>/dev/null; }
    expect_eq "dhcp pcap: discover, offer, request, ack" \
        "$(tsd -Y dhcp -T fields -e dhcp.option.dhcp | tr '\n' ' ')" "1 2 3 5 "
    expect_eq "dhcp pcap: nothing malformed, no bad checksum" \
        "$(tsd -Y '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0 || udp.checksum.status == 0' | wc -l)" 0
fi

# no NIC: loopback only, the reason logged (after its 1 s of retries: netstack is ready before
# that, as soon as it serves /dev/net), the service still ready
run_vrsim c --seed 5 "$image" -- /test/sleepy 1500
expect_eq "no NIC: the console program ran" "$(status c)" 0
expect_match "no NIC: said so" "$(err c)" 'netstack: en0: cannot open /dev/net0'

finish
