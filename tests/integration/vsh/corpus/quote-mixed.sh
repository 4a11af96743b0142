x='a b'
echo "$x"'$x'$x
echo ''"" | { read y; echo "[$y]"; }
printf '%s|' "" '' "$x" $x; echo
