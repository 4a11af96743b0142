cd "${TMPDIR:-/tmp}"
{ echo out; echo err >&2; } 2> r3
echo ---
while read l; do echo "file: $l"; done < r3
