#!/usr/bin/env bash
# 1000 crash/restart cycles: kernel objects, handles, processes, memory and init's own heap
# are the same after them as after the first 20.
. "$(dirname "$0")/../lib.sh"
img=$(make_image stress '
[init]
restart_backoff_ms = 1
restart_backoff_max_ms = 1
restart_limit = 0

[[services]]
name = "crasher"
path = "/test/svcdemo"
args = ["crash", "1"]
restart_policy = "always"
readiness = "notify"
')
run_vrsim stress --quiet "$img" -- /test/initstress crasher 1000
out stress
expect_eq "status" "$(status stress)" 0
expect_match "no growth" "$(out stress)" 'initstress: 1000 restarts: no growth'
finish
