a=1 b=two
echo $a ${b} ${a}x $ax "${b}s"
