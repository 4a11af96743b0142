cd "${TMPDIR:-/tmp}"
echo x 1> r12
echo y 1>> r12
n=0; while read l; do n=$((n+1)); done 0< r12; echo $n
