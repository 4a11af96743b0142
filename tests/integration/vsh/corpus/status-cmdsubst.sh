x=$(exit 5)
echo $?
x=$(true)
echo $?
