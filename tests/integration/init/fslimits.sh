#!/usr/bin/env bash
# ENOSPC keeps stored data; mounting takes CAP_FS_MOUNT: a service that has it mounts a tmpfs
# everyone then uses, the console program (without it) is refused. The mounter runs as root
# (the vfs library mounts for uid 0 only, and /mnt is created in /).
. "$(dirname "$0")/../lib.sh"
img=$(make_image limits "$VFS_SERVICE"'
[[services]]
name = "mounter"
path = "/test/fslimits"
args = ["mount"]
depends_on = ["vfs"]
capabilities = ["CAP_FS_MOUNT"]
user = "root"
readiness = "notify"
')
run_vrsim l "$img" -- /test/fslimits
out l
expect_eq "status" "$(status l)" 0
expect_match "the service mounted /mnt" "$(out l)" 'mounter: mount /mnt: ok'
expect_match "summary" "$(out l)" 'fslimits: 0 failure\(s\)'
expect_match "/mnt was checked" "$(out l)" '/proc/mounts lists /mnt'
finish
