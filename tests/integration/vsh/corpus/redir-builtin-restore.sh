cd "${TMPDIR:-/tmp}"
echo inner > r13
echo outer
read v < r13
echo $v
