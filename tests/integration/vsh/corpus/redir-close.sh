echo visible
echo hidden >&-
echo status $?
