cd "${TMPDIR:-/tmp}"
echo one > r2
echo two >> r2
while read l; do echo "[$l]"; done < r2
