x=$(echo hi)
y=`echo there`
echo "$x $y"
