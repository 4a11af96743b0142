old=$IFS
IFS=-
x=a-b-c
set -- $x
IFS=$old
echo $# "$*"
