#!/usr/bin/env bash
# The network programs between two machines (issue 17, "Must show"): node c (the client, the
# first node: vrsim's console) and node s (the server) each boot the test image with the
# netstack service and an address of their own (/etc/net.toml laid over the image by the
# node's files = {...}), joined by one link of 0.5 ms, 100 Mbit/s, 2% loss and 2% reordering
# (every choice of the link from the run's seed). On s, vsh starts httpd on a directory holding
# 1 MiB of seeded bytes and a UDP nc listener; on c, a vsh script runs across the link:
#   - wget of the 1 MiB file: complete and in order (cksum equal to the host's cksum of it);
#   - 100 HTTP clients at once against httpd (/test/httpload), every answer whole;
#   - nc -z to a port nobody listens on: "Connection refused";
#   - a UDP datagram from nc to s's nc listener, printed by s (its lines marked "[s] ");
#   - a connect to an address nobody has (10.0.0.9) with nc -w 3: "Connection timed out"
#     after 3 s of virtual time;
#   - ping -c 3 to s: three replies.
# The link's pcap (under build/test-pcaps/) opens in tshark with nothing malformed and no bad
# IPv4 or TCP checksum. Two runs with one seed print one output and one combined digest; with
# another seed the losses fall elsewhere (another link digest) and the results are the same.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "$(dirname "$TESTROOT")/rootfs/sbin/netstack" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi
PCAPS=$(dirname "$TESTROOT")/test-pcaps
mkdir -p "$PCAPS"

python3 -c '
import random, sys
r = random.Random(17)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(1 << 20)))' >"$TMP/1m.bin"
echo "a small file" >"$TMP/small.txt"
want_sum=$(cksum <"$TMP/1m.bin")
for n in c:10.0.0.2 s:10.0.0.1; do
    printf '[[interface]]\nname = "en0"\ndevice = "/dev/net0"\naddress = "%s/24"\n' "${n#*:}" \
        >"$TMP/${n%%:*}-net.toml"
done
cat >"$TMP/s.sh" <<'EOF'
httpd -q -p 8080 -r /srv &
nc -u -l -p 7000 &
sleep 600
EOF
cat >"$TMP/c.sh" <<'EOF'
sleep 2
wget -q -O /tmp/got http://10.0.0.1:8080/1m.bin; echo "wget status $?"
echo "sum $(cksum < /tmp/got)"
/test/httpload 10.0.0.1 8080 /small.txt 100 13
nc -z 10.0.0.1 81; echo "nc -z status $?"
echo "hello over udp" | nc -u -w 1 10.0.0.1 7000; echo "udp status $?"
t0=$(date +%s)
nc -w 3 10.0.0.9 80 </dev/null; echo "timeout status $? after $(($(date +%s) - t0)) s"
ping -c 3 10.0.0.1 | grep -c 'bytes from 10.0.0.1'
EOF
machine() { # FILE
    cat >"$1" <<EOF
[[node]]
name = "c"
memory = "1G"
argv = ["/bin/vsh", "/etc/c.sh"]
files = { "/etc/net.toml" = "c-net.toml", "/etc/c.sh" = "c.sh" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0c"

[[node]]
name = "s"
memory = "1G"
argv = ["/bin/vsh", "/etc/s.sh"]
files = { "/etc/net.toml" = "s-net.toml", "/etc/s.sh" = "s.sh", "/srv/1m.bin" = "1m.bin", "/srv/small.txt" = "small.txt" }
[[node.pci]]
slot = "07.0"
model = "virtio-net"
mac = "52:54:00:00:00:0d"

[[link]]
name = "cs"
ends = ["c.net0", "s.net0"]
latency_ns = 500000
bandwidth_bps = 100000000
loss = 0.02
reorder = 0.02
EOF
}
machine "$TMP/nodes.toml"

check() { # NAME: the client's results of run NAME
    local o
    o=$(out "$1")
    expect_eq "$1: status" "$(status "$1")" 0
    expect_match "$1: wget across the link" "$o" '^wget status 0$'
    expect_eq "$1: 1 MiB complete and in order" "$(echo "$o" | sed -n 's/^sum //p')" "$want_sum"
    expect_match "$1: 100 clients at once" "$o" '^httpload: 100 clients, 100 complete, 1300 body bytes$'
    expect_match "$1: connection refused" "$(err "$1")" '^nc: connect to 10\.0\.0\.1 81 \(tcp\) failed: Connection refused$'
    expect_match "$1: nc -z fails" "$o" '^nc -z status 1$'
    expect_match "$1: the datagram reached s" "$o" '^\[s\] hello over udp$'
    expect_match "$1: udp sent" "$o" '^udp status 0$'
    expect_match "$1: connect timeout" "$(err "$1")" '^nc: connect to 10\.0\.0\.9 80 \(tcp\) failed: Connection timed out$'
    expect_match "$1: after 3 s of virtual time" "$o" '^timeout status 1 after 3 s$'
    expect_eq "$1: three ping replies" "$(echo "$o" | tail -n 1)" 3
    expect_no_match "$1: nothing crashed" "$(err "$1")" 'killed|crash|fault|restart'
}

run_vrsim a --seed 1 --machine "$TMP/nodes.toml" --pcap "cs=$PCAPS/nodes.pcap" "$TESTIMAGE"
check a
expect_digest_line a
run_vrsim b --seed 1 --machine "$TMP/nodes.toml" "$TESTIMAGE"
expect_eq "same seed: same output" "$(out b)" "$(out a)"
expect_eq "same seed: same digest" "$(digest b)" "$(digest a)"
run_vrsim o --seed 5 --machine "$TMP/nodes.toml" "$TESTIMAGE"
check o
linkdigest() { sed -n 's/^vrsim: link cs digest //p' "$TMP/$1.err"; }
expect_ne "another seed: the link behaved otherwise" "$(linkdigest o)" "$(linkdigest a)"

if command -v tshark >/dev/null; then
    ts() { tshark -r "$PCAPS/nodes.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        "$@" 2>/dev/null; }
    expect_eq "pcap: nothing malformed, no bad checksum" \
        "$(ts -Y '_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0' | wc -l)" 0
    expect_no_match "pcap: expert info has no error" "$(ts -z expert -q)" 'Errors|Malformed'
    expect_eq "pcap: the datagram" "$(ts -Y 'udp.dstport == 7000' | wc -l)" 1
    expect_match "pcap: TCP retransmissions (the link lost frames)" \
        "$(ts -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' | wc -l)" '^[1-9]'
else
    echo "note: tshark missing (scripts/setup installs it): the pcap was not checked"
fi
finish
