#!/usr/bin/env bash
# Restart policies: a crashing service is restarted with exponential back-off until its
# restart limit, then it has failed and its dependents are stopped; "never" stays down;
# "on-failure" leaves a clean exit down; "always" restarts a clean exit.
. "$(dirname "$0")/../lib.sh"
img=$(make_image restart '
[init]
restart_backoff_ms = 10
restart_backoff_max_ms = 40
restart_limit = 4
restart_window_ms = 10000

[[services]]
name = "crasher"
path = "/test/svcdemo"
args = ["crash", "5"]
restart_policy = "on-failure"
readiness = "notify"

[[services]]
name = "dep"
path = "/test/svcdemo"
args = ["ready"]
depends_on = ["crasher"]
readiness = "notify"

[[services]]
name = "once"
path = "/test/svcdemo"
args = ["exit", "3", "5"]
restart_policy = "never"

[[services]]
name = "clean"
path = "/test/svcdemo"
args = ["exit", "0", "5"]
restart_policy = "on-failure"

[[services]]
name = "always"
path = "/test/svcdemo"
args = ["exit", "0", "5"]
restart_policy = "always"
')
run_vrsim restart --quiet --trace "$TMP/restart.json" "$img" -- /bin/svc wait crasher failed , \
    wait once stopped , wait clean stopped , wait dep stopped , list , status crasher , status dep
out restart
expect_eq "status" "$(status restart)" 0
expect_match "crasher failed after 4 restarts" "$(out restart)" '^crasher +failed +0 +4 +signal 11'
expect_match "reason names the limit" "$(out restart)" 'reason: crashed \(signal 11\); restarted too often \(4 in 10000 ms\)'
expect_match "dependent stopped" "$(out restart)" 'reason: dependency crasher failed'
expect_match "never: stays down" "$(out restart)" '^once +stopped +0 +0 +status 3'
expect_match "on-failure: clean exit stays down" "$(out restart)" '^clean +stopped +0 +0 +status 0'
expect_match "always: restarted" "$(out restart)" '^always +[a-z]+ +[0-9]+ +[1-9][0-9]* '
# back-off: the gaps between an exit and the next start double from 10 ms, capped at 40 ms
gaps=$(marks restart | python3 -c '
import sys
ev = [l.split() for l in sys.stdin]
last = None
out = []
for t, what, name in ev:
    if name != "crasher": continue
    if what == "exited": last = float(t)
    elif what == "start" and last is not None:
        out.append(str(round((float(t) - last) / 1000))); last = None
print(" ".join(out))')
expect_eq "back-off gaps (ms)" "$gaps" "10 20 40 40"
finish
