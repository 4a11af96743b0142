#!/usr/bin/env bash
# Random requests on init's control channel: init answers or refuses each and keeps serving.
# The console program holds CAP_SVC_CONTROL, so start/stop/restart are carried out too.
. "$(dirname "$0")/../lib.sh"
img=$(make_image ifuzz '
[init]
console_caps = ["CAP_SVC_CONTROL"]
restart_backoff_ms = 1
restart_backoff_max_ms = 2
restart_limit = 0

'"$VFS_SERVICE"'
[[services]]
name = "a"
path = "/test/svcdemo"
args = ["ready"]
restart_policy = "always"
readiness = "notify"

[[services]]
name = "b"
path = "/test/svcdemo"
args = ["exit", "1", "3"]
depends_on = ["a"]
restart_policy = "on-failure"
')
for s in 1 2 4; do
    run_vrsim "i$s" --quiet "$img" -- /test/ifuzz 2000 "$s"
    out "i$s" | tail -n 1
    expect_eq "seed $s: status" "$(status "i$s")" 0
    expect_match "seed $s: init still serves" "$(out "i$s" | tail -n 1)" 'init still serves$'
done
finish
