cd "${TMPDIR:-/tmp}"
exec 3> r4
echo via3 >&3
echo more >&3
exec 3>&-
exec 4< r4
read a <&4
read b <&4
exec 4<&-
echo "$a $b"
