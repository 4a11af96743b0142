# needs: cat false
echo a | false | cat; echo $?
echo a | cat | false; echo $?
! echo a | cat >/dev/null; echo $?
