cd "${TMPDIR:-/tmp}"
echo hello > r1
read x < r1
echo "got $x"
