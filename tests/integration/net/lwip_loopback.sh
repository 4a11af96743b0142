#!/usr/bin/env bash
# lwIP in a guest (issue 17, item 2): lwIP 2.1.3 from Debian's source (scripts/build-lwip) with
# our lwipopts.h, linked into a test program that is its own peer over the loopback interface:
# 1 MiB over TCP/IPv4 and 256 KiB over TCP/IPv6 arrive complete and in order (FNV-1a of both
# ends), a connect to a closed port is refused (ERR_RST), 50 UDP datagrams of many sizes come
# back intact, and three ICMP echoes through a raw PCB are answered. sys_now() runs on virtual
# time and LWIP_RAND on the seed: one seed gives one trace digest; another seed passes too.
. "$(dirname "$0")/../lib.sh"
if [ ! -x "${TESTROOT:-}/test/lwiploop" ]; then
    echo "skip: lwIP is not in this build (scripts/build-lwip failed at configure time)"
    exit 0
fi

run_vrsim a --seed 1 "$TESTIMAGE" -- /test/lwiploop
expect_eq "seed 1: status" "$(status a)" 0
expect_match "tcp: 1 MiB intact" "$(out a)" '^tcp: 1048576 bytes, fnv [0-9a-f]{16} ok$'
expect_match "tcp6: 256 KiB intact" "$(out a)" '^tcp6: 262144 bytes, fnv [0-9a-f]{16} ok$'
expect_match "refused" "$(out a)" '^refused: err -14 ok$'
expect_match "udp" "$(out a)" '^udp: 50 datagrams ok$'
expect_match "ping" "$(out a)" '^ping: 3 replies ok$'
expect_match "all" "$(out a)" '^lwiploop: ok$'
expect_digest_line a

run_vrsim b --seed 1 "$TESTIMAGE" -- /test/lwiploop
expect_eq "seed 1 again: same output" "$(out b)" "$(out a)"
expect_eq "seed 1 again: same trace digest" "$(digest b)" "$(digest a)"

run_vrsim c --seed 2 "$TESTIMAGE" -- /test/lwiploop
expect_eq "seed 2: status" "$(status c)" 0
expect_match "seed 2: all" "$(out c)" '^lwiploop: ok$'
expect_ne "seed 2: another run (LWIP_RAND from the seed)" "$(digest c)" "$(digest a)"

finish
