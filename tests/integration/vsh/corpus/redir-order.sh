cd "${TMPDIR:-/tmp}"
f() { echo out; echo err >&2; }
f > r5 2>&1
while read l; do echo "1: $l"; done < r5
f 2>&1 > r6 | while read l; do echo "pipe: $l"; done
while read l; do echo "2: $l"; done < r6
