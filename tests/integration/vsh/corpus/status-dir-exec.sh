cd "${TMPDIR:-/tmp}"
/ 2>/dev/null
echo $?
