#!/usr/bin/env bash
# svc start/stop/restart through the control channel; status shows state, pid, restarts,
# last exit, start time. The console program holds CAP_SVC_CONTROL here ([init] console_caps).
. "$(dirname "$0")/../lib.sh"
img=$(make_image control '
[init]
console_caps = ["CAP_SVC_CONTROL"]

[[services]]
name = "base"
path = "/test/svcdemo"
args = ["ready"]
readiness = "notify"
[[services]]
name = "top"
path = "/test/svcdemo"
args = ["ready"]
depends_on = ["base"]
readiness = "notify"
')
run_vrsim control "$img" -- /bin/svc stop base , list , start top , list , restart base , \
    status base , status nosuch
out control
expect_eq "status: last command failed" "$(status control)" 1
expect_match "stop takes dependents down" "$(out control)" '^top +stopped'
expect_match "start brings dependencies up" "$(out control | sed -n '/^SERVICE/,$p' | tail -n +5)" '^base +running'
expect_match "restart: running again" "$(out control)" 'base: running'
expect_match "unknown service" "$(err control)" 'svc: nosuch: no such service'
finish
