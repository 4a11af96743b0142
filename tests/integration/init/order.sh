#!/usr/bin/env bash
# Services start in dependency order, each only after what it depends on is ready;
# independent services start without waiting for each other; the trace shows it.
. "$(dirname "$0")/../lib.sh"
img=$(make_image order '
[[services]]
name = "c"
path = "/test/svcdemo"
args = ["ready"]
depends_on = ["b"]
readiness = "notify"

[[services]]
name = "a"
path = "/test/svcdemo"
args = ["slow", "50"]
readiness = "notify"

[[services]]
name = "b"
path = "/test/svcdemo"
args = ["slow", "20"]
depends_on = ["a"]
readiness = "notify"

[[services]]
name = "d"
path = "/test/svcdemo"
args = ["slow", "5"]
readiness = "notify"
')
run_vrsim order --trace "$TMP/order.json" "$img" -- /bin/svc list
out order
err order
expect_eq "status" "$(status order)" 0
expect_eq "marks in order" "$(marks order | cut -d' ' -f2- | grep -E '^(start|ready)')" \
"start a
start d
ready d
ready a
start b
ready b
start c
ready c"
for s in a b c d; do
    expect_match "svc list: $s running" "$(out order)" "^$s +running +[0-9]+ +0 +- "
done
# readiness took virtual time: b started 50 ms after a did
t_a=$(marks order | awk '$2=="start" && $3=="a" {print $1}')
t_b=$(marks order | awk '$2=="start" && $3=="b" {print $1}')
expect_eq "b waited for a's readiness (>= 50 ms)" "$(python3 -c "print(int($t_b - $t_a >= 50000))")" 1
# shutdown goes in reverse dependency order
expect_match "shutdown order" "$(err order | grep 'init: stopped' | tr '\n' ' ')" \
    'stopped c .*stopped b .*stopped a '
finish
