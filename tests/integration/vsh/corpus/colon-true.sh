: ignored args
echo $?
: ${X:=set-by-colon}
echo $X
