{ echo to-stderr >&2; } 2>&1
f() { echo a; echo b >&2; }
f 2>&1 | while read l; do echo "piped: $l"; done
