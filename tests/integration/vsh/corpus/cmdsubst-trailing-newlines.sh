x=$(printf 'a\n\n\n')
echo "[$x]"
y=$(printf '\nb')
echo "[$y]"
