[ 1 -eq ] 2>/dev/null; echo $?
[ a -eq 1 ] 2>/dev/null; echo $?
[ 1 = 1 2>/dev/null; echo $?
