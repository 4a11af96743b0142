cd "${TMPDIR:-/tmp}"
echo first > r7
set -C
echo second > r7 2>/dev/null || echo refused
echo third >| r7
set +C
read x < r7; echo $x
