#!/usr/bin/env bash
# 10,000 guest crashes of mixed kinds in one run while a pingpong pair keeps working;
# afterwards no blocked host signals, the alternate stack intact, nothing leaked, and host
# memory no larger than after 1,000 crashes.
. "$(dirname "$0")/../lib.sh"
stat_of() { sed -n "s/.*[ :]$2=\([^ ]*\).*/\1/p" "$TMP/$1.err" | head -n 1; }
run_vrsim small --quiet --stats "$TESTIMAGE" -- /test/crashstorm 1000
run_vrsim big --quiet --stats "$TESTIMAGE" -- /test/crashstorm 10000
out big
expect_eq "crashstorm status" "$(status big)" 0
expect_match "crashstorm summary" "$(out big)" \
    '^crashstorm: 10000 crashes \(null 1667, ill 1667, div 1667, stack 1667, wild 1666, syscall 1666\), 0 unexpected; pingpong ok$'
expect_match "pingpong finished inside the storm" "$(out big)" 'pingpong: 200000 round trips'
expect_eq "host signal state after the storm" "$(stat_of big host_signals)" ok
expect_eq "processes that exited (storm, pingpong, crashes, vfs, devmgr, the edu, virtio-rng, virtio-blk and virtio-console drivers, netstack, init)" \
    "$(stat_of big exits)" 10010
expect_eq "kernel objects left" "$(stat_of big objects_live)" 3
expect_eq "handles left" "$(stat_of big handles_live)" 0
expect_eq "memory-object pages left" "$(stat_of big pages_in_use)" "$(stat_of small pages_in_use)"
small_rss=$(stat_of small peak_rss_kb)
big_rss=$(stat_of big peak_rss_kb)
echo "peak RSS: 1,000 crashes ${small_rss} KiB, 10,000 crashes ${big_rss} KiB"
if [ $((big_rss - small_rss)) -lt 4096 ]; then pass "host memory does not grow with crashes"; else
    fail "host memory grew by $((big_rss - small_rss)) KiB"; fi
finish
