cd "${TMPDIR:-/tmp}"
: > gf_one; : > gf_two
n=0
for f in gf_*; do n=$((n+1)); echo "$f"; done
echo $n
