(exit 3)
echo $?
(false; true)
echo $?
