cd "${TMPDIR:-/tmp}"
exec 3>ef
echo hi >&3
exec 3>&-
read x < ef; echo $x
