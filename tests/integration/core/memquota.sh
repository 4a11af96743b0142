#!/usr/bin/env bash
# Memory objects (issue 8, part 4): objects created and closed at 10,000 ever new sizes (over
# a TiB in all) keep fitting and another process still gets 1 GiB afterwards; a process at its
# own limit (bytes or objects) gets ENOMEM while another process still allocates; an object
# stays charged to its creator after its handle moved away, until it is destroyed; and the
# addresses handed out are the same in every run with one seed.
. "$(dirname "$0")/../lib.sh"
for mode in frag limit charge; do
    run_vrsim "$mode" --seed 5 "$TESTIMAGE" -- /test/memquota "$mode"
    out "$mode"
    expect_eq "$mode: exit status (failures)" "$(status "$mode")" 0
    expect_no_match "$mode: no failed check" "$(out "$mode")" '^FAIL'
    expect_match "$mode: summary" "$(out "$mode")" 'memquota: 0 failure\(s\)'
    expect_digest_line "$mode"
done
expect_eq "frag: checks run" "$(out frag | grep -c '^ok ')" 3
expect_eq "limit: checks run" "$(out limit | grep -c '^ok ')" 8
expect_eq "charge: checks run" "$(out charge | grep -c '^ok ')" 14

run_vrsim frag2 --seed 5 "$TESTIMAGE" -- /test/memquota frag
expect_eq "frag again: the same addresses" "$(out frag2 | grep '^frag: addresses')" \
    "$(out frag | grep '^frag: addresses')"
expect_eq "frag again: the same trace digest" "$(digest frag2)" "$(digest frag)"
finish
