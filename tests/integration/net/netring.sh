#!/usr/bin/env bash
# The frame ring between drivers/virtio-net and its client (issue 17, item 1; veridian/netdev.h)
# and the netstack on it (items 3: several NICs, DHCP, /proc/net, ifconfig).
#   - /test/netring, a ring client in place of the netstack, sends a burst of ICMP echo
#     requests to the wire's responder through the TX ring and takes the replies from the RX
#     ring: the burst costs the machine O(1) kernel calls (the same for 1 and 8 frames, a
#     fraction of what N one-frame writes cost), one doorbell; a client that does not ask to be
#     woken gets no signal. A second attach is refused (EBUSY). A hostile client (slot lengths
#     0, 13 and 5000, a head 1000 slots ahead, an RX tail beyond the head) gets its bad slots
#     counted and dropped, and the ring still carries a good burst after.
#   - the netstack with two NICs (en0 static, en1 leased by DHCP from the wire's server, logged)
#     resolves both gateways through the rings; /proc/net/dev's packet and byte counters of each
#     NIC equal what that NIC's pcap holds; /proc/net/if_inet and ifconfig (all interfaces, -a,
#     one by name, an unknown one) show addresses, MACs, flags and counters.
#   - a burst of 16 pings through the netstack's ping socket (the default services) crosses the
#     ring both ways: all answered, /proc/net/dev equal to the pcap.
#   - one seed gives one trace digest.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "$(dirname "$TESTROOT")/rootfs/sbin/netstack" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
# /test/netring is the ring's client itself: an image without the netstack service
NONET=$(make_image nonet "$(services_without netstack)")
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\npcap = "%s"\n' \
    "$PCAPS/netring.pcap" >"$TMP/one.toml"

# ---- the ring itself ----
field() { # NAME REGEX-WITH-ONE-GROUP: the number the line gives
    out "$1" | sed -nE "s/$2/\\1/p" | head -n 1
}
run_vrsim r1 --seed 1 --machine "$TMP/one.toml" "$NONET" -- /test/netring ring 1
run_vrsim r8 --seed 1 --machine "$TMP/one.toml" "$NONET" -- /test/netring ring 8
run_vrsim w8 --seed 1 --machine "$TMP/one.toml" "$NONET" -- /test/netring write 8
for r in r1 r8 w8; do expect_eq "$r: every echo answered" "$(status $r)" 0; done
expect_match "ring: a second attach is refused" "$(out r8)" '^second attach: EBUSY$'
k1=$(field r1 '^tx 1 frames: ([0-9]+) kcalls$')
k8=$(field r8 '^tx 8 frames: ([0-9]+) kcalls$')
kw=$(field w8 '^tx 8 frames: ([0-9]+) kcalls$')
echo "note: machine kcalls for a TX burst: ring 1 frame $k1, ring 8 frames $k8, 8 writes $kw"
expect_eq "ring: 8 frames cost what 1 does (O(1) kcalls a burst)" "$k8" "$k1"
expect_eq "ring: less than a quarter of 8 one-frame writes" "$((k8 * 4 < kw))" 1
expect_match "ring: one doorbell for the burst, every frame both ways" "$(out r8)" \
    '^driver ring: rx 8 tx 8 notifies [0-9]+ doorbells 1 badlen 0 badidx 0$'
expect_match "ring: 8 replies" "$(out r8)" '^rx 8 replies: [0-9]+ wakeups$'
expect_match "ring: a busy client is not signalled" "$(out r8)" \
    '^rx 8 replies after a pause: 0 wakeups$'
expect_no_match "ring: the driver is silent" "$(err r8)" 'virtio-net:'
expect_digest_line r8
run_vrsim r8b --seed 1 --machine "$TMP/one.toml" "$NONET" -- /test/netring ring 8
expect_eq "ring again: same output" "$(out r8b)" "$(out r8)"
expect_eq "ring again: same trace digest" "$(digest r8b)" "$(digest r8)"

run_vrsim h --seed 1 --machine "$TMP/one.toml" "$NONET" -- /test/netring hostile
expect_eq "hostile client: the good burst after it is answered" "$(status h)" 0
expect_match "hostile client: 3 bad lengths counted, bad indexes counted" "$(out h)" \
    '^driver ring: rx 8 tx 8 notifies [0-9]+ doorbells [0-9]+ badlen 3 badidx [1-9][0-9]*$'
expect_no_match "hostile client: no crash, no reset" "$(err h)" 'killed|crash|fault|resetting'

# ---- the netstack on two NICs ----
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
cat >"$TMP/root-ns/etc/net.toml" <<'EOF'
[[interface]]
name = "en0"
device = "/dev/net0"
address = "10.0.2.15/24"
gateway = "10.0.2.2"

[[interface]]
name = "en1"
device = "/dev/net1"
address = "dhcp"
EOF
"$MKBOOTFS" -o "$image" "$TMP/root-ns" >/dev/null
cat >"$TMP/two.toml" <<EOF
memory = "1G"
[[pci]]
slot = "07.0"
model = "virtio-net"
wire = "responder"
pcap = "$PCAPS/netring-en0.pcap"
[[pci]]
slot = "08.0"
model = "virtio-net"
wire = "responder"
mac = "52:54:00:12:34:57"
pcap = "$PCAPS/netring-en1.pcap"
EOF
script='sleep 5; cat /proc/net/dev; echo ==; cat /proc/net/if_inet; echo ==; ifconfig; echo ==;
ifconfig -a en1; echo ==; ifconfig nosuch; echo "status $?"'
run_vrsim n --seed 5 --machine "$TMP/two.toml" "$image" -- /bin/vsh -c "$script"
expect_eq "two NICs: the console program ran" "$(status n)" 0
expect_match "two NICs: en0 up" "$(err n)" \
    'netstack: en0 10\.0\.2\.15/24 mac 52:54:00:12:34:56 link up'
expect_match "two NICs: en1 up" "$(err n)" 'netstack: en1 dhcp mac 52:54:00:12:34:57 link up'
expect_match "two NICs: en1's lease logged" "$(err n)" \
    'netstack: en1 dhcp: 10\.0\.2\.15 mask 255\.255\.255\.0 gateway 10\.0\.2\.2'
expect_match "two NICs: en0's gateway resolved through its ring" "$(err n)" \
    'netstack: en0 gateway 10\.0\.2\.2 is at 52:55:0a:00:02:02'
expect_match "two NICs: en1's gateway resolved through its ring" "$(err n)" \
    'netstack: en1 gateway 10\.0\.2\.2 is at 52:55:0a:00:02:02'
expect_no_match "two NICs: no error, no crash" "$(err n)" \
    'assertion|crash|killed|cannot|devmgr:|virtio-net:'
expect_digest_line n

# /proc/net/dev against the pcaps: every frame a NIC took or sent is one record in its pcap
pcap_count() { # FILE MAC: "records from-MAC to-others"
    python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
mac = bytes(int(x, 16) for x in sys.argv[2].split(":"))
off, total, sent, sent_bytes, rx_bytes = 24, 0, 0, 0, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    frame = data[off + 16:off + 16 + incl]
    total += 1
    if frame[6:12] == mac:
        sent += 1
        sent_bytes += len(frame)
    else:
        rx_bytes += len(frame)
    off += 16 + incl
print(total - sent, rx_bytes, sent, sent_bytes)
PY
}
devline() { out n | sed -n "s/^ *$1://p" | head -n 1 | awk '{print $2, $1, $10, $9}'; }
expect_eq "/proc/net/dev en0: rx packets, rx bytes, tx packets, tx bytes = the pcap's" \
    "$(devline en0)" "$(pcap_count "$PCAPS/netring-en0.pcap" 52:54:00:12:34:56)"
expect_eq "/proc/net/dev en1: rx packets, rx bytes, tx packets, tx bytes = the pcap's" \
    "$(devline en1)" "$(pcap_count "$PCAPS/netring-en1.pcap" 52:54:00:12:34:57)"
expect_match "/proc/net/dev: Linux's header" "$(out n)" '^Inter-\|   Receive +\|  Transmit$'
expect_match "/proc/net/dev: lo" "$(out n)" '^    lo: +[0-9]+ +[0-9]+ +0 +0 '
expect_match "/proc/net/if_inet: en0" "$(out n)" \
    '^en0 52:54:00:12:34:56 10\.0\.2\.15/24 fe80::5054:ff:fe12:3456 UP,BROADCAST,RUNNING,MULTICAST 1500$'
expect_match "/proc/net/if_inet: en1" "$(out n)" \
    '^en1 52:54:00:12:34:57 10\.0\.2\.15/24 fe80::5054:ff:fe12:3457 UP,BROADCAST,RUNNING,MULTICAST 1500$'
expect_match "/proc/net/if_inet: lo" "$(out n)" \
    '^lo 00:00:00:00:00:00 127\.0\.0\.1/8 ::1 UP,LOOPBACK,RUNNING 65536$'
ifc=$(out n | awk '/^==$/{n++; next} n==2')
expect_eq "ifconfig: every interface that is up, in name order" \
    "$(printf '%s\n' "$ifc" | grep -oE '^[a-z0-9]+:' | tr '\n' ' ')" "en0: en1: lo: "
expect_match "ifconfig: en0's flags and MTU" "$ifc" \
    '^en0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500$'
expect_match "ifconfig: en0's address" "$ifc" \
    '^        inet 10\.0\.2\.15  netmask 255\.255\.255\.0  broadcast 10\.0\.2\.255$'
expect_match "ifconfig: en0's link-local address" "$ifc" \
    '^        inet6 fe80::5054:ff:fe12:3456  prefixlen 64  scopeid 0x20<link>$'
expect_match "ifconfig: en0's MAC" "$ifc" '^        ether 52:54:00:12:34:56  txqueuelen 1000  \(Ethernet\)$'
expect_match "ifconfig: lo" "$ifc" '^lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536$'
expect_match "ifconfig: lo's address" "$ifc" '^        inet 127\.0\.0\.1  netmask 255\.0\.0\.0$'
rxp=$(devline en0 | cut -d' ' -f1)
expect_match "ifconfig: en0's counters are /proc/net/dev's" "$ifc" "^        RX packets $rxp  bytes [0-9]+ \\([0-9.]+ K?B\\)$"
one=$(out n | awk '/^==$/{n++; next} n==3')
expect_eq "ifconfig en1: that interface only" \
    "$(printf '%s\n' "$one" | grep -oE '^[a-z0-9]+:' | tr '\n' ' ')" "en1: "
expect_match "ifconfig en1: its MAC" "$one" '^        ether 52:54:00:12:34:57  '
expect_match "ifconfig nosuch: net-tools' message" "$(err n)" \
    '^nosuch: error fetching interface information: Device not found$'
expect_match "ifconfig nosuch: status 1" "$(out n)" '^status 1$'

# ---- ping through the netstack (a ping socket) over the ring: the default services ----
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\npcap = "%s"\n' \
    "$PCAPS/netring-ping.pcap" >"$TMP/ping.toml"
pscript='sleep 1; /test/ringping 10.0.2.2 16; sleep 3; cat /proc/net/dev'
run_vrsim p --seed 2 --machine "$TMP/ping.toml" "$TESTIMAGE" -- /bin/vsh -c "$pscript"
expect_eq "ping socket over the ring: status" "$(status p)" 0
expect_match "ping socket over the ring: 16 of 16 answered" "$(out p)" \
    '^ringping: sent 16 received 16$'
expect_eq "ping: /proc/net/dev en0 = the pcap" \
    "$(out p | sed -n 's/^ *en0://p' | awk '{print $2, $1, $10, $9}')" \
    "$(pcap_count "$PCAPS/netring-ping.pcap" 52:54:00:12:34:56)"
expect_digest_line p
run_vrsim p2 --seed 2 --machine "$TMP/ping.toml" "$TESTIMAGE" -- /bin/vsh -c "$pscript"
expect_eq "ping again: same trace digest" "$(digest p2)" "$(digest p)"
# a burst at once after boot, while the netstack still resolves its gateway: lwIP holds every
# request in its ARP queue until the answer comes (none lost)
printf 'memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\nwire = "responder"\n' \
    >"$TMP/resp.toml"
run_vrsim pb --seed 2 --machine "$TMP/resp.toml" "$TESTIMAGE" -- /test/ringping 10.0.2.2 16
expect_match "a burst right after boot: 16 of 16 answered" "$(out pb)" \
    '^ringping: sent 16 received 16$'
# the driver dies (killed by a root console: devmgr restarts it; the endpoint and /dev/net0
# outlive it, its ring does not): netstack's ring probe gets a fresh ring from the new driver
# and the interface works again, its counters going on
ROOTIMG=$(make_image rootcon "$(sed '0,/^\[init\]$/s//[init]\nconsole_user = "root"/' \
    "$TESTROOT/etc/services.toml")")
kscript='/test/ringping 10.0.2.2 3; set -- $(ps | grep " net0$"); kill -KILL $1; sleep 2
grep -c " running *1 " /proc/devices; /test/ringping 10.0.2.2 3; sleep 1; grep en0: /proc/net/dev'
run_vrsim rk --seed 2 --machine "$TMP/resp.toml" "$ROOTIMG" -- /bin/vsh -c "$kscript"
expect_eq "driver killed: status" "$(status rk)" 0
expect_eq "driver killed: devmgr restarted it once (/proc/devices)" "$(out rk | sed -n 2p)" 1
expect_match "driver killed: netstack took the new driver's ring" "$(err rk)" \
    '^netstack: en0: /dev/net0 has a new driver: ring attached again$'
expect_eq "driver killed: pings before and after" "$(out rk | grep -c '^ringping: sent 3 received 3$')" 2
expect_eq "driver killed: /proc/net/dev counts both rings' frames" \
    "$(out rk | sed -n 's/^ *en0://p' | awk '{print $2}')" 8
run_vrsim rk2 --seed 2 --machine "$TMP/resp.toml" "$ROOTIMG" -- /bin/vsh -c "$kscript"
expect_eq "driver killed again: same trace digest" "$(digest rk2)" "$(digest rk)"

if command -v tshark >/dev/null; then
    expect_eq "ping pcap: 16 echo replies" \
        "$(tshark -r "$PCAPS/netring-ping.pcap" -Y 'icmp.type == 0' 2>/dev/null | wc -l)" 16
fi

run_vrsim n2 --seed 5 --machine "$TMP/two.toml" "$image" -- /bin/vsh -c "$script"
expect_eq "two NICs again: same output" "$(out n2)" "$(out n)"
expect_eq "two NICs again: same trace digest" "$(digest n2)" "$(digest n)"

if command -v tshark >/dev/null; then
    for f in netring netring-en0 netring-en1 netring-ping; do
        expect_eq "pcap $f: nothing malformed, no bad checksum" \
            "$(tshark -r "$PCAPS/$f.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
                -o icmp.check_checksum:TRUE \
                -Y '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0' \
                2>/dev/null | wc -l)" 0
    done
fi

finish
