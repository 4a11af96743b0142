true
echo $?
false
echo $?
