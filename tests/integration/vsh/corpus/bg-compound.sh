cd "${TMPDIR:-/tmp}"
{ echo from-bg; } > bgout &
wait
read x < bgout; echo "$x"
for i in 1 2 3; do echo $i; done > bg2 &
wait $!
echo "status $?"
n=0; while read l; do n=$((n+1)); done < bg2; echo $n
