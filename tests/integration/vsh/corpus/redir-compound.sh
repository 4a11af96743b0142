cd "${TMPDIR:-/tmp}"
for i in 1 2 3; do echo $i; done > r9
while read n; do echo "n=$n"; done < r9
if true; then echo in-if; fi > r10
read y < r10; echo $y
