cd "${TMPDIR:-/tmp}"
: > gv_1; : > gv_2
p='gv_*'
echo $p
echo "$p"
