#!/usr/bin/env bash
# Least privilege in vfs (issue 9): forged badges name none of vfs's files (no *at() escape
# from a chroot); callers that give up mid-request leave no handles behind (100,000 of them,
# while another client keeps working); one client parking far more blocking reads than the
# old 256 slots makes no other client's blocking read fail, and its own excess beyond its
# share is refused to it alone; requests beyond a client's share of 64 wait their turn behind
# other clients'; poll's watches have a share per client too.
. "$(dirname "$0")/../lib.sh"
run_vrsim forge --quiet "$TESTIMAGE" -- /test/vfspriv forge
out forge | grep -v '^ok'
expect_eq "forge: status" "$(status forge)" 0
expect_no_match "forge: nothing escaped" "$(out forge)" '^escaped'
expect_match "forge: all checks" "$(out forge)" 'vfspriv forge: 0 failure\(s\)'

run_vrsim flood --quiet "$TESTIMAGE" -- /test/vfspriv flood 100000
out flood | grep -v '^ok'
expect_eq "flood: status" "$(status flood)" 0
expect_match "flood: handles as before" "$(out flood)" '^ok   handle count as before$'
expect_match "flood: the other client" "$(out flood)" '^steady: 2000 rounds, 0 failed$'
run_vrsim flood2 --quiet "$TESTIMAGE" -- /test/vfspriv flood 100000
expect_eq "flood: same seed, same run" "$(digest flood2)" "$(digest flood)"

run_vrsim park --quiet "$TESTIMAGE" -- /test/vfspriv park 500
out park | grep -v '^ok'
expect_eq "park 500: status" "$(status park)" 0
expect_match "park 500: the other client's read" "$(out park)" '^otherread: blocking read: 1 \(y\)$'
run_vrsim share --quiet "$TESTIMAGE" -- /test/vfspriv park 600 88
out share | grep -v '^ok'
expect_eq "park 600 (share 512): status" "$(status share)" 0
run_vrsim share2 --quiet "$TESTIMAGE" -- /test/vfspriv park 600 88
expect_eq "park: same seed, same run" "$(digest share2)" "$(digest share)"

run_vrsim fair --quiet "$TESTIMAGE" -- /test/vfspriv fair 100
out fair | grep -v '^ok'
expect_eq "fair: status" "$(status fair)" 0

run_vrsim watches --quiet "$TESTIMAGE" -- /test/vfspriv watches 1100 256
out watches | grep -v '^ok'
expect_eq "watches 1100 (share 256): status" "$(status watches)" 0
finish
