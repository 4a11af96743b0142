#!/usr/bin/env bash
# The namespace service: init starts vfs first, hands it the endpoint, and every later
# program gets a session; files, directories, devices, pipes and sessions through the raw
# protocol. The console program runs as root here: vfsraw opens /dev/console (0600 root) and
# checks that root can drop to nobody and not come back.
. "$(dirname "$0")/../lib.sh"
img=$(make_image vfs '[init]
console_user = "root"

'"$VFS_SERVICE"'capabilities = ["CAP_FS_MOUNT", "CAP_IPC_CREATE"]
')
run_vrsim vfs "$img" -- /test/vfsraw
out vfs
err vfs
expect_eq "status" "$(status vfs)" 0
expect_match "summary" "$(out vfs)" 'vfsraw: 0 failure\(s\)'
expect_no_match "no failed check" "$(out vfs)" '^FAIL'
# /dev/urandom comes from the run's seed: same seed, same bytes
run_vrsim vfs2 "$img" -- /test/vfsraw
run_vrsim vfs3 --seed 99 "$img" -- /test/vfsraw
expect_eq "urandom: same seed, same bytes" "$(out vfs2 | grep urandom)" "$(out vfs | grep urandom)"
expect_ne "urandom: other seed, other bytes" "$(out vfs3 | grep urandom)" "$(out vfs | grep urandom)"
finish
