#!/usr/bin/env bash
# A service gets exactly the rights its capabilities name; without CAP_SPAWN the kernel
# refuses its spawn.
. "$(dirname "$0")/../lib.sh"
img=$(make_image caps '
[[services]]
name = "spawner"
path = "/test/svcdemo"
args = ["caps"]
capabilities = ["CAP_SPAWN"]
env = { SVCDEMO_VERBOSE = "spawner" }
readiness = "notify"

[[services]]
name = "net"
path = "/test/svcdemo"
args = ["caps"]
depends_on = ["spawner"]
capabilities = ["CAP_NET_RAW"]
env = { SVCDEMO_VERBOSE = "net" }
readiness = "notify"

[[services]]
name = "bare"
path = "/test/svcdemo"
args = ["caps"]
depends_on = ["net"]
env = { SVCDEMO_VERBOSE = "bare" }
readiness = "notify"
')
run_vrsim caps "$img" -- /bin/svc list
out caps
expect_eq "status" "$(status caps)" 0
expect_eq "granted rights and the spawn outcome" "$(out caps | grep -E '^(svcdemo|caps:)')" \
"svcdemo spawner: caps
caps: resource yes, spawn yes, fs_mount no, net_raw no
caps: spawn /bin/true: allowed
svcdemo net: caps
caps: resource yes, spawn no, fs_mount no, net_raw yes
caps: spawn /bin/true: Operation not permitted
svcdemo bare: caps
caps: resource no, spawn no, fs_mount no, net_raw no
caps: spawn /bin/true: Bad handle"
finish
