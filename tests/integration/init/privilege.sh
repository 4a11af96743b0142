#!/usr/bin/env bash
# Least privilege (issue 9, items 1 and 5): a service without CAP_SVC_CONTROL cannot stop,
# start or restart services (one with it can); every service and the console program run as
# a uid of their own, not root: no setuid to root, no publishing over /proc/services, no
# overwriting another service's files, no fchmod through a handle someone else opened. A
# root service drops to uid 1000 and back to its saved uid 0. vfs keeps serving throughout.
. "$(dirname "$0")/../lib.sh"
img=$(make_image priv "$VFS_SERVICE"'
[[services]]
name = "victim"
path = "/test/svcdemo"
args = ["ready"]
depends_on = ["vfs"]
readiness = "notify"

[[services]]
name = "operator"
path = "/test/privtest"
args = ["operator"]
depends_on = ["victim"]
capabilities = ["CAP_SVC_CONTROL"]
readiness = "notify"

[[services]]
name = "mallory"
path = "/test/privtest"
args = ["mallory"]
depends_on = ["operator"]
readiness = "notify"

[[services]]
name = "dropper"
path = "/test/privtest"
args = ["dropper"]
user = "root"
depends_on = ["mallory"]
readiness = "notify"

[[services]]
name = "sharer"
path = "/test/privtest"
args = ["sharer"]
capabilities = ["CAP_SPAWN", "CAP_SETUID"]
depends_on = ["dropper"]
readiness = "notify"
')
run_vrsim p "$img" -- /test/privtest check
out p
expect_eq "status" "$(status p)" 0
expect_no_match "no failed check" "$(out p)" '^FAIL'
for what in 'operator: restart victim \(CAP_SVC_CONTROL\)' 'mallory: stop vfs' \
    'mallory: publish /proc/services' 'mallory: setuid\(0\)' 'mallory: overwrite the operator' \
    'dropper: seteuid\(0\): back to the saved uid' 'child: fchmod a file another uid opened' \
    'sharer: the owner fchmods its file' 'check: vfs running'; do
    expect_match "$what" "$(out p)" "^ok   $what"
done
expect_match "summary" "$(out p)" 'privtest: 0 failure\(s\)'

# svc reports the refusal clearly, and vfs goes on serving
run_vrsim svc "$img" -- /bin/svc stop vfs
expect_eq "svc stop vfs: status" "$(status svc)" 1
expect_match "svc stop vfs: EPERM" "$(err svc)" '^svc: stop vfs: Operation not permitted$'
run_vrsim list "$img" -- /bin/svc list
expect_match "vfs still running" "$(out list)" '^vfs +running'

# the console program holds CAP_SVC_CONTROL only when [init] console_caps says so
img2=$(make_image priv2 '[init]
console_caps = ["CAP_SVC_CONTROL"]
'"$VFS_SERVICE"'
[[services]]
name = "victim"
path = "/test/svcdemo"
args = ["ready"]
depends_on = ["vfs"]
readiness = "notify"
')
run_vrsim svc2 "$img2" -- /bin/svc stop victim , status victim
expect_eq "with console_caps: status" "$(status svc2)" 0
expect_match "with console_caps: stopped" "$(out svc2)" '^victim: stopped'
finish
