x=1
: $((x+=4))
echo $x
: $((x*=3)) $((y=7))
echo $x $y
echo $((x-=5, 0)) 2>/dev/null || echo comma not supported
