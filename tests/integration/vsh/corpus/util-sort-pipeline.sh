# needs: sort cat
printf '3\n1\n2\n' | sort -n | cat
for w in pear apple fig; do echo $w; done | sort
