#!/usr/bin/env bash
# Decode, then invoke (issue 8, part 3): spawn and the other handle-creating calls with a bad
# output pointer or a full handle table fail and leave no child, thread or object behind;
# reply_receive with a bad receive half replies nothing; a handle argument with high register
# bits set is no handle. The guest checks what it can see; this script checks that no wrongly
# spawned child ever printed, and that vrsim ended normally with its digest.
. "$(dirname "$0")/../lib.sh"
printf 'input\n' >"$TMP/input"
run_vrsim_input kdecode "$TMP/input" "$TESTIMAGE" -- /test/kdecode
out kdecode
expect_eq "kdecode exit status (failures)" "$(status kdecode)" 0
expect_no_match "no failed check" "$(out kdecode)" '^FAIL'
expect_match "summary" "$(out kdecode)" 'kdecode: 0 failure\(s\)'
expect_eq "checks run" "$(out kdecode | grep -c '^ok ')" 64
expect_eq "children that ran: the two good spawns only" \
    "$(out kdecode | sed -n 's/^kdecode-child ran: //p' | sort | tr '\n' ' ')" "control wide "
expect_digest_line kdecode
finish
