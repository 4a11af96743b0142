(exit 9; echo no)
echo "after subshell: $?"
exit 2
