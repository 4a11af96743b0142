#!/usr/bin/env bash
# libveridian's POSIX file API against the real vfs server (the default system boots it):
# every call, flag and error the issue lists, stdio on files, pipes, poll, directories.
. "$(dirname "$0")/../lib.sh"
run_vrsim fileapi "$TESTIMAGE" -- /test/fileapi
out fileapi | tail -n 3
expect_eq "status (failures)" "$(status fileapi)" 0
expect_no_match "no failed check" "$(out fileapi)" '^FAIL'
expect_match "it ran" "$(out fileapi | grep -c '^ok')" '^[0-9]{3}$'
run_vrsim fileapi2 "$TESTIMAGE" -- /test/fileapi
expect_eq "same run, same digest" "$(digest fileapi2)" "$(digest fileapi)"
for s in 1 2 3; do
    run_vrsim "chaos$s" --chaos --seed "$s" "$TESTIMAGE" -- /test/fileapi
    expect_eq "under --chaos, seed $s" "$(status "chaos$s")" 0
done
finish
