#!/usr/bin/env bash
# A server registers a device node; opening it returns a handle to that server, which then
# serves reads and writes itself (vfs is not in the path) and learns of each close. A
# service without CAP_IPC_CREATE cannot register one.
. "$(dirname "$0")/../lib.sh"
img=$(make_image devices "$VFS_SERVICE"'
[[services]]
name = "echo"
path = "/test/devecho"
depends_on = ["vfs"]
capabilities = ["CAP_IPC_CREATE"]
readiness = "notify"

[[services]]
name = "nocap"
path = "/test/devecho"
args = ["sneaky"]
depends_on = ["echo"]
capabilities = ["CAP_SPAWN"]
readiness = "notify"
')
run_vrsim dev "$img" -- /test/devclient
out dev
expect_eq "status" "$(status dev)" 0
expect_eq "the server answers directly, and sees opens and closes" "$(out dev | grep -v devecho)" \
"write: 2
read: echo:hi opens=1 closes=0
read: echo:hi opens=2 closes=1"
expect_match "registration needs CAP_IPC_CREATE" "$(out dev)" \
    'devecho: register /dev/sneaky: Operation not permitted'
finish
