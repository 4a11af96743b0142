# needs: cat
printf 'a\nb\n' | cat
echo hello | cat | cat | cat
cat <<EOF2 | cat
here $((1+1))
EOF2
