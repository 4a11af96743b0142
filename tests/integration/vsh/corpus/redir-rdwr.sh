cd "${TMPDIR:-/tmp}"
echo data > r8
exec 5<> r8
read x <&5
echo "$x"
exec 5>&-
