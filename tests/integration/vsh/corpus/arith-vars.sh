x=5 y=3
echo $((x+y)) $(($x*$y)) $((x-y*2))
unset z
echo $((z+1))
