x=outer
echo inner | read x
echo $x
