#!/usr/bin/env bash
# A broken services.toml: init prints every problem with line:col, starts nothing, and
# halts (or runs /sbin/emergency when the image has one). It never crashes.
. "$(dirname "$0")/../lib.sh"
img=$(make_image syntax '
[[services]]
name = "a"
path = "/test/svcdemo"
restart_policy = always
[[services]
name = "b" = 3
')
run_vrsim syntax "$img" -- /bin/svc list
err syntax
expect_eq "syntax: halts with status 1" "$(status syntax)" 1
expect_match "syntax: first error with line:col" "$(err syntax)" 'init: /etc/services.toml:5:18: '
expect_match "syntax: second error" "$(err syntax)" 'init: /etc/services.toml:6:'
expect_match "syntax: nothing started" "$(err syntax)" 'error\(s\): no service started'
expect_no_match "syntax: no service ran" "$(err syntax)" 'init: started'
expect_match "syntax: halts" "$(err syntax)" 'halting: /etc/services.toml is invalid and the image has no /sbin/emergency'

img=$(make_image schema '
[init]
restart_limit = -1
colour = "blue"

[[services]]
name = "a"
path = "/test/svcdemo"
restart_policy = "sometimes"
capabilities = ["CAP_SPAWN", "CAP_TIME_TRAVEL"]

[[services]]
path = "relative"
')
run_vrsim schema "$img" -- /bin/svc list
err schema
expect_eq "schema: status" "$(status schema)" 1
expect_match "limit range" "$(err schema)" ':3:17: init.restart_limit: expected 0..1000000, found -1'
expect_match "unknown init key" "$(err schema)" ":4:1[0-9]?: unknown key 'init.colour'"
expect_match "bad policy" "$(err schema)" ":9:18: restart_policy 'sometimes': expected"
expect_match "unknown capability" "$(err schema)" ":10:30: unknown capability 'CAP_TIME_TRAVEL'"
expect_match "relative path" "$(err schema)" ":13:8: path 'relative': expected an absolute path"
expect_match "missing name" "$(err schema)" ":12:[0-9]+: service: 'name' is required"

img=$(make_image graph '
[[services]]
name = "a"
path = "/test/svcdemo"
depends_on = ["c"]
[[services]]
name = "b"
path = "/test/svcdemo"
depends_on = ["a"]
[[services]]
name = "c"
path = "/test/svcdemo"
depends_on = ["b"]
')
run_vrsim graph "$img" -- /bin/svc list
expect_match "cycle named" "$(err graph)" 'dependency cycle: a -> c -> b -> a'
img=$(make_image missing '
[[services]]
name = "a"
path = "/test/svcdemo"
depends_on = ["ghost"]
')
run_vrsim missing "$img" -- /bin/svc list
expect_match "unknown dependency names both" "$(err missing)" "service 'a' depends on unknown service 'ghost'"

# unknown users and groups: resolved against /etc/passwd and /etc/group, reported in place
img=$(make_image users '
[init]
console_user = "nobody"
console_group = "ghosts"

[[services]]
name = "a"
path = "/test/svcdemo"
user = "ghost"
')
run_vrsim users "$img" -- /bin/svc list
err users
expect_eq "users: status" "$(status users)" 1
expect_match "unknown user" "$(err users)" ":9:8: unknown user 'ghost' \(not in /etc/passwd\)"
expect_match "unknown group" "$(err users)" ":4:17: unknown group 'ghosts' \(not in /etc/group\)"
expect_no_match "users: no service ran" "$(err users)" 'init: started'

# with an emergency console in the image, init runs it instead of halting
mkdir -p "$TMP/root-syntax/sbin"
cp "$TESTROOT/bin/hello" "$TMP/root-syntax/sbin/emergency"
"$MKBOOTFS" -o "$TMP/emerg.bootfs" "$TMP/root-syntax" >/dev/null
run_vrsim emerg "$TMP/emerg.bootfs" -- /bin/svc list
expect_match "emergency console runs" "$(out emerg)" 'Hello from Veridian!'
expect_match "emergency announced" "$(err emerg)" 'starting the emergency console /sbin/emergency'
finish
